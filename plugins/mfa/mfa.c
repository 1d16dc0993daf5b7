/*
 * mfa: multi-factor authentication of Cloud Directory (reference sections
 * 8.2.8-8.2.10): the MFA switch, the email and SMS (nexmo) channels and
 * the premfa/postmfa extensions, as one document
 *   {"mfa": {...}, "channels": {"email": {...}, "nexmo": {...}},
 *    "extensions": {"premfa": {...}, "postmfa": {...}}}
 * The switch is restored last, so MFA is never turned on before the
 * channel it sends codes through.
 */
#include <stdio.h>
#include <string.h>
#include <jansson.h>
#include "appid-migrate/plugin.h"
#include "checks.h"
#include "pluginutil.h"
#include "defaults.h"
#include "mfa_map.h"

#define MFA_PATH "/config/cloud_directory/mfa"
#define PATH_LEN 128

static const char *const deps[] = { "cloud_directory_settings", NULL };

/* GET `prefix`/name for each of `names` into doc[member][name]. */
static int export_group(const struct amg_host *h, struct amg_ctx *ctx, json_t *doc,
                        const char *member, const char *prefix, const char *const *names,
                        long *n)
{
    json_t *group = json_object();
    json_t *obj = NULL;
    char path[PATH_LEN];
    size_t i;
    int rc;

    if (!group || json_object_set_new(doc, member, group) != 0)
        return AMG_ENOMEM;
    for (i = 0; names[i]; i++) {
        snprintf(path, sizeof(path), "%s/%s/%s", MFA_PATH, prefix, names[i]);
        rc = amgp_get_object(h, ctx, path, &obj);
        if (rc == AMG_ENOTFOUND)
            h->log(ctx, AMG_LOG_ERROR, "GET %s: HTTP 404", path);
        if (rc < 0)
            return rc;
        if (json_object_set_new(group, names[i], obj) != 0)
            return AMG_ENOMEM;
        (*n)++;
    }
    return AMG_OK;
}

/* Vonage credentials and extension headers (usually an Authorization
 * value) come back in clear (reference 8.2.9, 8.2.10). */
static int holds_secrets(json_t *doc)
{
    json_t *nexmo = json_object_get(json_object_get(doc, "channels"), "nexmo");
    json_t *exts = json_object_get(doc, "extensions");
    size_t i;

    if (json_object_get(json_object_get(nexmo, "config"), "secret"))
        return 1;
    for (i = 0; amgp_mfa_extensions[i]; i++) {
        json_t *ext = json_object_get(exts, amgp_mfa_extensions[i]);

        if (json_object_size(json_object_get(json_object_get(ext, "config"), "headers")) > 0)
            return 1;
    }
    return 0;
}

static int mfa_export(const struct amg_host *h, struct amg_ctx *ctx)
{
    json_t *doc = json_object();
    json_t *obj = NULL;
    long n = 0;
    int rc = AMG_ENOMEM;

    if (!doc)
        goto out;
    rc = amgp_get_object(h, ctx, MFA_PATH, &obj);
    if (rc < 0)
        goto out;
    if (json_object_set_new(doc, "mfa", obj) != 0) {
        rc = AMG_ENOMEM;
        goto out;
    }
    n++;
    rc = export_group(h, ctx, doc, "channels", "channels", amgp_mfa_channels, &n);
    if (rc == AMG_OK)
        rc = export_group(h, ctx, doc, "extensions", "extensions", amgp_mfa_extensions, &n);
    if (rc < 0)
        goto out;
    rc = h->snapshot_write(ctx, doc, n);
    if (rc == AMG_OK && holds_secrets(doc))
        h->holds_secrets(ctx, "MFA SMS (Nexmo) credentials or extension headers");
out:
    json_decref(doc);
    return rc;
}

/* Dry run of restore_channels(): the target's channels read once, then
 * each write simulated so that the second channel is compared with what
 * the first write leaves (App ID keeps one channel active). */
static int plan_channels(const struct amg_host *h, struct amg_ctx *ctx, json_t *channels)
{
    const char *order[2];
    json_t *state = json_object();
    json_t *before = NULL;
    json_t *cur = NULL, *want = NULL, *view = NULL;
    char path[PATH_LEN], label[64], fields[512], detail[600];
    int i, rc = AMG_ENOMEM, failed = 0, at_default;

    if (!state)
        return AMG_ENOMEM;
    for (i = 0; amgp_mfa_channels[i]; i++) {
        snprintf(path, sizeof(path), "%s/channels/%s", MFA_PATH, amgp_mfa_channels[i]);
        rc = amgp_get_object(h, ctx, path, &cur);
        if (rc == AMG_ENOTFOUND)
            continue;
        if (rc < 0)
            goto out;
        if (json_object_set_new(state, amgp_mfa_channels[i], cur) != 0) {
            rc = AMG_ENOMEM;
            goto out;
        }
    }
    before = json_deep_copy(state);
    if (!before) {
        rc = AMG_ENOMEM;
        goto out;
    }
    amgp_mfa_channel_order(channels, order);
    for (i = 0; i < 2; i++) {
        json_t *obj = json_object_get(channels, order[i]);
        json_t *orig, *orig_view;

        if (!obj)
            continue;
        snprintf(label, sizeof(label), "MFA channel %s", order[i]);
        want = amgp_mfa_switch_body(obj);
        if (!want) {
            h->plan(ctx, AMG_OUT_FAILED, label, "no isActive in the snapshot");
            failed = 1;
            continue;
        }
        cur = json_object_get(state, order[i]);
        view = cur ? amgp_mfa_switch_body(cur) : NULL;
        snprintf(path, sizeof(path), "%s/channels/%s", MFA_PATH, order[i]);
        /* Judged on the target as it is, not as this import's first
         * write leaves it: that write configures nothing of the owner's. */
        orig = json_object_get(before, order[i]);
        orig_view = orig ? amgp_mfa_switch_body(orig) : NULL;
        at_default = orig_view && amgp_at_default(path, orig_view, amgp_mfa_switch_body);
        json_decref(orig_view);
        if (view && json_equal(view, want)) {
            h->plan(ctx, AMG_OUT_UNCHANGED, label, NULL);
        } else {
            amgp_changed_fields(view, want, fields, sizeof(fields));
            if (at_default)
                amgp_default_detail(fields, detail, sizeof(detail));
            if (cur && !at_default && amgp_leave_existing(h, ctx, label, fields)) {
                json_decref(view);
                view = NULL;
                json_decref(want);
                want = NULL;
                continue;
            }
            h->plan(ctx, cur ? AMG_OUT_UPDATED : AMG_OUT_CREATED, label,
                    cur ? at_default ? detail : fields : NULL);
            if (amgp_mfa_channel_apply(state, order[i], want) < 0) {
                rc = AMG_ENOMEM;
                goto out;
            }
        }
        json_decref(view);
        view = NULL;
        json_decref(want);
        want = NULL;
    }
    rc = failed ? AMG_EPARTIAL : AMG_OK;
out:
    json_decref(view);
    json_decref(want);
    json_decref(before);
    json_decref(state);
    return rc;
}

static int restore_channels(const struct amg_host *h, struct amg_ctx *ctx, json_t *channels)
{
    const char *order[2];
    json_t *want;
    char path[PATH_LEN], label[64];
    int i, failed = 0;

    if (amgp_planning(h, ctx))
        return plan_channels(h, ctx, channels);
    amgp_mfa_channel_order(channels, order);
    for (i = 0; i < 2; i++) {
        json_t *obj = json_object_get(channels, order[i]);

        if (!obj)
            continue;
        snprintf(path, sizeof(path), "%s/channels/%s", MFA_PATH, order[i]);
        snprintf(label, sizeof(label), "MFA channel %s", order[i]);
        want = amgp_mfa_switch_body(obj);
        if (!want) {
            h->log(ctx, AMG_LOG_ERROR, "%s: no isActive in the snapshot", label);
            h->tally(ctx, AMG_OUT_FAILED, 1);
            failed = 1;
            continue;
        }
        /* Compared after the first write: it may have switched this one. */
        if (amgp_restore_singleton(h, ctx, label, path, want, 200, amgp_mfa_switch_body) < 0)
            failed = 1;
        json_decref(want);
    }
    return failed ? AMG_EPARTIAL : AMG_OK;
}

/* Full PUT of an extension, then its /active switch: the SDK has a
 * separate operation for the switch, so the full PUT alone may not set
 * it on the real service. */
static int restore_extension(const struct amg_host *h, struct amg_ctx *ctx, const char *name,
                             json_t *obj)
{
    json_t *want = amgp_mfa_switch_body(obj);
    json_t *current = NULL, *have = NULL, *active = NULL;
    char path[PATH_LEN], active_path[PATH_LEN + 8], label[64], fields[512];
    int at_default;
    int rc = AMG_EINVAL;

    snprintf(path, sizeof(path), "%s/extensions/%s", MFA_PATH, name);
    snprintf(active_path, sizeof(active_path), "%s/active", path);
    if (!want) {
        h->log(ctx, AMG_LOG_ERROR, "MFA extension %s: no isActive in the snapshot", name);
        goto failed;
    }
    rc = amgp_get_object(h, ctx, path, &current);
    if (rc < 0 && rc != AMG_ENOTFOUND)
        goto failed;
    have = current ? amgp_mfa_switch_body(current) : NULL;
    snprintf(label, sizeof(label), "MFA extension %s", name);
    if (have && json_equal(have, want)) {
        amgp_outcome(h, ctx, AMG_OUT_UNCHANGED, label, NULL);
        rc = AMG_OK;
        goto out;
    }
    amgp_changed_fields(have, want, fields, sizeof(fields));
    at_default = have && amgp_at_default(path, have, amgp_mfa_switch_body);
    if (current && !at_default && amgp_leave_existing(h, ctx, label, fields)) {
        rc = AMG_OK;
        goto out;
    }
    /* The extension and its switch: one object, one planned update. */
    if (amgp_planning(h, ctx)) {
        char detail[600];

        if (at_default)
            amgp_default_detail(fields, detail, sizeof(detail));
        h->plan(ctx, current ? AMG_OUT_UPDATED : AMG_OUT_CREATED, label,
                current ? at_default ? detail : fields : NULL);
        rc = AMG_OK;
        goto out;
    }
    active = json_pack("{s:O}", "isActive", json_object_get(want, "isActive"));
    rc = active ? amgp_send(h, ctx, "PUT", path, want, 200, NULL) : AMG_ENOMEM;
    if (rc == AMG_OK)
        rc = amgp_send(h, ctx, "PUT", active_path, active, 200, NULL);
    if (rc < 0)
        goto failed;
    h->log(ctx, AMG_LOG_INFO, "MFA extension %s updated", name);
    h->tally(ctx, AMG_OUT_UPDATED, 1);
    goto out;
failed:
    snprintf(label, sizeof(label), "MFA extension %s", name);
    amgp_outcome(h, ctx, AMG_OUT_FAILED, label, "see the log");
out:
    json_decref(active);
    json_decref(have);
    json_decref(current);
    json_decref(want);
    return rc;
}

static int mfa_import(const struct amg_host *h, struct amg_ctx *ctx)
{
    json_t *doc = NULL;
    json_t *exts, *obj, *want = NULL;
    size_t i;
    int rc;
    int failed = 0;

    rc = h->snapshot_read(ctx, &doc);
    if (rc < 0)
        goto out;
    if (restore_channels(h, ctx, json_object_get(doc, "channels")) < 0)
        failed = 1;
    exts = json_object_get(doc, "extensions");
    for (i = 0; amgp_mfa_extensions[i]; i++) {
        obj = json_object_get(exts, amgp_mfa_extensions[i]);
        if (obj && restore_extension(h, ctx, amgp_mfa_extensions[i], obj) < 0)
            failed = 1;
    }
    obj = json_object_get(doc, "mfa");
    if (obj) {
        want = amgp_mfa_switch_body(obj);
        if (!want || amgp_restore_singleton(h, ctx, "MFA", MFA_PATH, want, 200,
                                            amgp_mfa_switch_body) < 0) {
            if (!want)
                amgp_outcome(h, ctx, AMG_OUT_FAILED, "MFA", "no isActive in the snapshot");
            failed = 1;
        }
    }
    rc = failed ? AMG_EPARTIAL : AMG_OK;
out:
    json_decref(want);
    json_decref(doc);
    return rc;
}

/* ---- validate ---- */

static void check_switch(const struct amg_host *h, struct amg_ctx *ctx, json_t *o,
                         const char *where)
{
    if (!json_is_object(o)) {
        h->problem(ctx, where, "must be an object");
        return;
    }
    amgp_want_bool(h, ctx, o, where, "isActive", 1);
    amgp_want_object(h, ctx, o, where, "config", 0);
}

static void check_group(const struct amg_host *h, struct amg_ctx *ctx, json_t *doc,
                        const char *member, const char *const *names)
{
    json_t *group = json_object_get(doc, member);
    const char *name;
    json_t *o;
    char where[64];
    size_t i;
    int known;

    if (amgp_want_object(h, ctx, doc, NULL, member, 0) < 0)
        return;
    json_object_foreach(group, name, o) {
        snprintf(where, sizeof(where), "%s.%s", member, name);
        for (i = 0, known = 0; names[i]; i++)
            known |= strcmp(names[i], name) == 0;
        if (!known) {
            h->problem(ctx, where, "unknown name '%s'", name);
            continue;
        }
        check_switch(h, ctx, o, where);
    }
}

static void check_details(const struct amg_host *h, struct amg_ctx *ctx, json_t *doc)
{
    json_t *nexmo = json_object_get(json_object_get(doc, "channels"), "nexmo");
    json_t *email = json_object_get(json_object_get(doc, "channels"), "email");
    json_t *config = json_object_get(nexmo, "config");
    json_t *headers;
    size_t i;

    if (json_is_object(config)) {
        amgp_want_string(h, ctx, config, "channels.nexmo.config", "key", 1);
        amgp_want_string(h, ctx, config, "channels.nexmo.config", "secret", 1);
        amgp_want_string(h, ctx, config, "channels.nexmo.config", "from", 1);
        amgp_want_string(h, ctx, config, "channels.nexmo.config", "provider", 0);
    } else if (json_is_true(json_object_get(nexmo, "isActive"))) {
        h->problem(ctx, "channels.nexmo", "active without 'config' (Vonage credentials)");
    }
    if (json_is_true(json_object_get(nexmo, "isActive")) &&
        json_is_true(json_object_get(email, "isActive")))
        h->problem(ctx, "channels", "email and nexmo are both active; App ID keeps one");
    for (i = 0; amgp_mfa_extensions[i]; i++) {
        char where[64];

        snprintf(where, sizeof(where), "extensions.%s.config", amgp_mfa_extensions[i]);
        config = json_object_get(json_object_get(json_object_get(doc, "extensions"),
                                                 amgp_mfa_extensions[i]), "config");
        if (!json_is_object(config))
            continue;
        amgp_want_string(h, ctx, config, where, "url", 0);
        if (amgp_want_object(h, ctx, config, where, "headers", 0) == 0) {
            const char *k;
            json_t *v;

            headers = json_object_get(config, "headers");
            json_object_foreach(headers, k, v) {
                if (!json_is_string(v))
                    h->problem(ctx, where, "header '%s' must be a string", k);
            }
        }
    }
}

static int mfa_validate(const struct amg_host *h, struct amg_ctx *ctx)
{
    json_t *doc = NULL;
    int rc;

    rc = h->snapshot_read(ctx, &doc);
    if (rc < 0)
        goto out;
    if (amgp_want_document(h, ctx, doc) < 0)
        goto out;
    if (json_object_get(doc, "mfa"))
        check_switch(h, ctx, json_object_get(doc, "mfa"), "mfa");
    check_group(h, ctx, doc, "channels", amgp_mfa_channels);
    check_group(h, ctx, doc, "extensions", amgp_mfa_extensions);
    check_details(h, ctx, doc);
out:
    json_decref(doc);
    return rc;
}

static const struct amg_plugin mfa_plugin = {
    AMG_PLUGIN_INIT_HEADER,
    .name = "mfa",
    .version = "1.0.0",
    .description = "Cloud Directory MFA switch, channels (email, SMS) and extensions",
    .deps = deps,
    .export_fn = mfa_export,
    .import_fn = mfa_import,
    .validate_fn = mfa_validate,
    .flags = AMG_PLUGIN_VALIDATE_DURING_EXPORT,
};

const struct amg_plugin *amg_plugin_entry(void)
{
    return &mfa_plugin;
}

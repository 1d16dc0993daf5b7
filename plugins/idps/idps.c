/*
 * idps: the identity providers (reference section 8.1): Cloud Directory,
 * Facebook, Google, custom and SAML, stored as one document keyed by IdP
 * name, each member the object GET returned. Read-only members stay in
 * the snapshot for the record and are left out when restoring.
 */
#include <stdio.h>
#include <string.h>
#include <jansson.h>
#include "appid-migrate/plugin.h"
#include "checks.h"
#include "pluginutil.h"
#include "defaults.h"
#include "idps_map.h"

#define IDP_PATH_MAX 64

static const char *const filter_fields[] = { "idp", NULL };

static void idp_path(const char *idp, char *buf, size_t len)
{
    snprintf(buf, len, "/config/idps/%s", idp);
}

static int idps_export(const struct amg_host *h, struct amg_ctx *ctx)
{
    json_t *doc = json_object();
    json_t *obj = NULL;
    char path[IDP_PATH_MAX];
    char secrets[64] = "";
    long n = 0;
    size_t i;
    int rc = AMG_ENOMEM;

    if (!doc)
        goto out;
    for (i = 0; amgp_idp_names[i]; i++) {
        const char *idp = amgp_idp_names[i];

        if (!amgp_selected(h, ctx, "idp", idp))
            continue;
        idp_path(idp, path, sizeof(path));
        rc = amgp_get_object(h, ctx, path, &obj);
        if (rc == AMG_ENOTFOUND)
            h->log(ctx, AMG_LOG_ERROR, "GET %s: HTTP 404", path);
        if (rc < 0)
            goto out;
        if (amgp_idp_has_secret(idp, obj))
            snprintf(secrets + strlen(secrets), sizeof(secrets) - strlen(secrets), "%s%s",
                     secrets[0] ? ", " : "", idp);
        rc = json_object_set_new(doc, idp, obj) == 0 ? AMG_OK : AMG_ENOMEM;
        obj = NULL;
        if (rc < 0)
            goto out;
        n++;
    }
    rc = h->snapshot_write(ctx, doc, n);
    /* The reference (8.1.2) returns app secrets in clear: the snapshot is
     * as sensitive as the instance's credentials. */
    if (rc == AMG_OK && secrets[0])
        h->holds_secrets(ctx, secrets);
out:
    json_decref(doc);
    return rc;
}

/* What the operator has to redo outside App ID (reference section 9). */
static void post_restore_actions(const struct amg_host *h, struct amg_ctx *ctx,
                                 const char *idp, json_t *want, json_t *target)
{
    json_t *config = json_object_get(want, "config");
    const char *url = json_string_value(json_object_get(target, "redirectURL"));
    const char *entity = json_string_value(json_object_get(config, "entityID"));
    const char *app = json_string_value(json_object_get(config, "idpId"));

    if (!json_is_true(json_object_get(want, "isActive")) || !config)
        return;
    if (strcmp(idp, "facebook") == 0 || strcmp(idp, "google") == 0) {
        h->action(ctx, "%s: register the target's redirect URL %s in the %s developer "
                  "console of app %s", idp, url ? url : "(read it with GET /config/idps/...)",
                  strcmp(idp, "facebook") == 0 ? "Facebook" : "Google", app ? app : "?");
    } else if (strcmp(idp, "saml") == 0) {
        h->action(ctx, "saml: re-register the target's SAML metadata "
                  "(GET /config/saml_metadata) with the IdP %s", entity ? entity : "?");
    }
}

/* 1 when `have` (restore body of the target's IdP) is App ID's default,
 * seen the same way. */
static int idp_at_default(const char *path, const char *idp, json_t *have)
{
    json_t *def = amgp_default_of(path);
    json_t *view = def ? amgp_idp_restore_body(idp, def) : NULL;
    int same = view && json_equal(view, have);

    json_decref(view);
    json_decref(def);
    return same;
}

/* Restore one IdP; compares with the target first. */
static int restore_idp(const struct amg_host *h, struct amg_ctx *ctx, const char *idp,
                       json_t *obj)
{
    json_t *want = NULL, *current = NULL, *have = NULL;
    char path[IDP_PATH_MAX];
    int at_default = 0;
    int rc = AMG_ENOMEM;

    idp_path(idp, path, sizeof(path));
    want = amgp_idp_restore_body(idp, obj);
    if (!want)
        goto failed;
    rc = amgp_get_object(h, ctx, path, &current);
    if (rc < 0 && rc != AMG_ENOTFOUND)
        goto failed;
    have = current ? amgp_idp_restore_body(idp, current) : NULL;
    at_default = have && idp_at_default(path, idp, have);
    if (current && !at_default && !(have && json_equal(have, want))) {
        char fields[512], object[64];

        snprintf(object, sizeof(object), "identity provider %s", idp);
        amgp_changed_fields(have, want, fields, sizeof(fields));
        if (amgp_leave_existing(h, ctx, object, fields)) {
            rc = AMG_OK;
            goto out;
        }
    }
    /* A plan reads nothing after the comparison and asks the operator for
     * nothing: the post-restore actions come with the import. */
    if (amgp_planning(h, ctx)) {
        char fields[512], object[64], detail[600];
        int same = have && json_equal(have, want);

        snprintf(object, sizeof(object), "identity provider %s", idp);
        amgp_changed_fields(have, want, fields, sizeof(fields));
        if (at_default)
            amgp_default_detail(fields, detail, sizeof(detail));
        h->plan(ctx, same ? AMG_OUT_UNCHANGED : current ? AMG_OUT_UPDATED : AMG_OUT_CREATED,
                object, !same && current ? at_default ? detail : fields : NULL);
        rc = AMG_OK;
        goto out;
    }
    if (have && json_equal(have, want)) {
        h->log(ctx, AMG_LOG_DEBUG, "%s unchanged", idp);
        h->tally(ctx, AMG_OUT_UNCHANGED, 1);
        post_restore_actions(h, ctx, idp, want, current);
        rc = AMG_OK;
        goto out;
    }
    rc = amgp_send(h, ctx, "PUT", path, want, 200, NULL);
    if (rc < 0)
        goto failed;
    h->log(ctx, AMG_LOG_INFO, "%s updated", idp);
    h->tally(ctx, AMG_OUT_UPDATED, 1);
    json_decref(current);
    current = NULL;
    /* The target's own callback URL: read back rather than trusting the
     * PUT answer to carry it. */
    if ((strcmp(idp, "facebook") == 0 || strcmp(idp, "google") == 0) &&
        amgp_get_object(h, ctx, path, &current) < 0)
        h->log(ctx, AMG_LOG_WARN, "GET %s after the update failed", path);
    post_restore_actions(h, ctx, idp, want, current);
    rc = AMG_OK;
    goto out;
failed:
    amgp_outcome(h, ctx, AMG_OUT_FAILED, idp, "see the log");
out:
    json_decref(have);
    json_decref(current);
    json_decref(want);
    return rc;
}

static int idps_import(const struct amg_host *h, struct amg_ctx *ctx)
{
    json_t *doc = NULL;
    size_t i;
    int rc;
    int failed = 0;

    rc = h->snapshot_read(ctx, &doc);
    if (rc < 0)
        goto out;
    for (i = 0; amgp_idp_names[i]; i++) {
        const char *idp = amgp_idp_names[i];
        json_t *obj = json_object_get(doc, idp);

        if (!obj || !amgp_selected(h, ctx, "idp", idp))
            continue;
        /* One IdP failing must not keep the others from being restored. */
        if (restore_idp(h, ctx, idp, obj) < 0)
            failed = 1;
    }
    rc = failed ? AMG_EPARTIAL : AMG_OK;
out:
    json_decref(doc);
    return rc;
}

/* ---- validate ---- */

static const char *const access_modes[] = { "FULL", "RESTRICTIVE", "OFF", NULL };
static const char *const identity_fields[] = { "email", "userName", NULL };
static const char *const comparisons[] = { "exact", "maximum", "minimum", "better", NULL };

static void want_nonempty(const struct amg_host *h, struct amg_ctx *ctx, json_t *obj,
                          const char *where, const char *key)
{
    json_t *v = json_object_get(obj, key);

    if (amgp_want_string(h, ctx, obj, where, key, 1) == 0 && json_string_length(v) == 0)
        h->problem(ctx, where, "'%s' must not be empty", key);
}

static void check_cloud_directory(const struct amg_host *h, struct amg_ctx *ctx, json_t *o)
{
    json_t *config = json_object_get(o, "config");
    json_t *inter = json_object_get(config, "interactions");
    json_t *confirm = json_object_get(inter, "identityConfirmation");
    const char *w = "cloud_directory.config";

    if (amgp_want_object(h, ctx, o, "cloud_directory", "config", 1) < 0)
        return;
    amgp_want_bool(h, ctx, config, w, "selfServiceEnabled", 1);
    amgp_want_bool(h, ctx, config, w, "signupEnabled", 0);
    amgp_want_enum(h, ctx, config, w, "identityField", 0, identity_fields);
    if (amgp_want_object(h, ctx, config, w, "interactions", 1) < 0)
        return;
    w = "cloud_directory.config.interactions";
    amgp_want_bool(h, ctx, inter, w, "welcomeEnabled", 1);
    amgp_want_bool(h, ctx, inter, w, "resetPasswordEnabled", 1);
    amgp_want_bool(h, ctx, inter, w, "resetPasswordNotificationEnable", 1);
    if (amgp_want_object(h, ctx, inter, w, "identityConfirmation", 1) < 0)
        return;
    w = "cloud_directory.config.interactions.identityConfirmation";
    amgp_want_enum(h, ctx, confirm, w, "accessMode", 1, access_modes);
    amgp_want_string_array(h, ctx, confirm, w, "methods", 0);
}

static void check_social(const struct amg_host *h, struct amg_ctx *ctx, const char *idp,
                         json_t *o)
{
    char where[32];

    if (amgp_want_object(h, ctx, o, idp, "config", 0) < 0 || !json_object_get(o, "config"))
        return;
    snprintf(where, sizeof(where), "%s.config", idp);
    want_nonempty(h, ctx, json_object_get(o, "config"), where, "idpId");
    want_nonempty(h, ctx, json_object_get(o, "config"), where, "secret");
}

static void check_saml(const struct amg_host *h, struct amg_ctx *ctx, json_t *o)
{
    static const char *const flags[] = {
        "signRequest", "encryptResponse", "includeScoping", "idpInitEnabled", NULL
    };
    json_t *config = json_object_get(o, "config");
    json_t *certs = json_object_get(config, "certificates");
    const char *w = "saml.config";
    size_t i;

    if (amgp_want_object(h, ctx, o, "saml", "config", 0) < 0 || !config)
        return;
    want_nonempty(h, ctx, config, w, "entityID");
    want_nonempty(h, ctx, config, w, "signInUrl");
    if (amgp_want_string_array(h, ctx, config, w, "certificates", 1) == 0 &&
        (json_array_size(certs) < 1 || json_array_size(certs) > 2))
        h->problem(ctx, w, "'certificates' must hold 1 or 2 certificates, not %zu",
                   json_array_size(certs));
    amgp_want_string(h, ctx, config, w, "displayName", 0);
    amgp_want_string(h, ctx, config, w, "idpRedirectUrl", 0);
    for (i = 0; flags[i]; i++)
        amgp_want_bool(h, ctx, config, w, flags[i], 0);
    if (amgp_want_object(h, ctx, config, w, "authnContext", 0) == 0 &&
        json_object_get(config, "authnContext")) {
        json_t *ac = json_object_get(config, "authnContext");

        amgp_want_string_array(h, ctx, ac, "saml.config.authnContext", "class", 0);
        amgp_want_enum(h, ctx, ac, "saml.config.authnContext", "comparison", 0, comparisons);
    }
}

static int idps_validate(const struct amg_host *h, struct amg_ctx *ctx)
{
    json_t *doc = NULL;
    json_t *o;
    const char *idp;
    int rc;

    rc = h->snapshot_read(ctx, &doc);
    if (rc < 0)
        goto out;
    if (amgp_want_document(h, ctx, doc) < 0)
        goto out;
    json_object_foreach(doc, idp, o) {
        if (!amgp_idp_known(idp)) {
            h->problem(ctx, idp, "unknown identity provider");
            continue;
        }
        if (!json_is_object(o)) {
            h->problem(ctx, idp, "must be an object");
            continue;
        }
        amgp_want_bool(h, ctx, o, idp, "isActive", 1);
        if (strcmp(idp, "cloud_directory") == 0) {
            check_cloud_directory(h, ctx, o);
        } else if (strcmp(idp, "facebook") == 0 || strcmp(idp, "google") == 0) {
            check_social(h, ctx, idp, o);
        } else if (strcmp(idp, "saml") == 0) {
            check_saml(h, ctx, o);
        } else if (amgp_want_object(h, ctx, o, idp, "config", 0) == 0) {
            amgp_want_string(h, ctx, json_object_get(o, "config"), "custom.config",
                             "publicKey", 0);
        }
    }
out:
    json_decref(doc);
    return rc;
}

static const struct amg_plugin idps_plugin = {
    AMG_PLUGIN_INIT_HEADER,
    .name = "idps",
    .version = "1.0.0",
    .description = "identity providers: Cloud Directory, Facebook, Google, custom, SAML",
    .deps = NULL,
    .export_fn = idps_export,
    .import_fn = idps_import,
    .validate_fn = idps_validate,
    .flags = AMG_PLUGIN_VALIDATE_DURING_EXPORT,
    .filter_fields = filter_fields,
};

const struct amg_plugin *amg_plugin_entry(void)
{
    return &idps_plugin;
}

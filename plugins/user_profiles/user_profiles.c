/*
 * user_profiles: profiles of users who sign in through Facebook, Google,
 * SAML or a custom IdP (reference 8.11.3, 8.11.4), with their attributes
 * and role names. Cloud Directory users travel with their own plugin;
 * App ID excludes them (and anonymous users) from this export. Streamed
 * through user_profiles.ndjson; pages and batches go through the core's
 * pipeline.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "appid-migrate/plugin.h"
#include "checks.h"
#include "pluginutil.h"
#include "paging.h"
#include "userplan.h"
#include "userroles.h"

#define PAGE 50

static const char *const deps[] = { "roles", "idps", "instance_settings", NULL };
static const char *const filter_fields[] = { "email", "idp", "id", NULL };

struct run {
    const struct amg_host *h;
    struct amg_ctx *ctx;
    struct amg_records *rec;
    long count;
    json_t *by_identity;   /* id map: "<idp>:<identity>" -> target profile id */
};

/* "<provider>:<id>" of the profile's first identity into buf. */
static const char *identity_key(json_t *profile, char *buf, size_t size)
{
    json_t *first = json_array_get(json_object_get(profile, "identities"), 0);
    const char *provider = json_string_value(json_object_get(first, "provider"));
    const char *id = json_string_value(json_object_get(first, "id"));

    if (!provider)
        provider = json_string_value(json_object_get(profile, "idp"));
    if (!provider || !id)
        return NULL;
    snprintf(buf, size, "%s:%s", provider, id);
    return buf;
}

static int selected(const struct amg_host *h, struct amg_ctx *ctx, json_t *profile)
{
    json_t *view = json_object();
    int keep;

    if (!view)
        return 0;
    json_object_set(view, "email", json_object_get(profile, "email"));
    json_object_set(view, "idp", json_object_get(profile, "idp"));
    json_object_set(view, "id", json_object_get(profile, "id"));
    keep = h->filter_match(ctx, view);
    json_decref(view);
    return keep;
}

static int export_item(void *ud, json_t *item)
{
    struct run *r = ud;

    if (!json_is_string(json_object_get(item, "id"))) {
        r->h->log(r->ctx, AMG_LOG_ERROR, "exported profile without an id");
        return AMG_EPROTO;
    }
    if (!selected(r->h, r->ctx, item))
        return AMG_OK;
    if (r->h->records_write(r->rec, item) < 0)
        return AMG_EIO;
    r->count++;
    return AMG_OK;
}

static int profiles_export(const struct amg_host *h, struct amg_ctx *ctx)
{
    struct run r = { h, ctx, NULL, 0, NULL };
    struct amgp_pager p;
    int rc;

    rc = h->records_create(ctx, &r.rec);
    if (rc < 0)
        return rc;
    memset(&p, 0, sizeof(p));
    p.path = "/users/export";
    p.items_key = "users";
    p.count = PAGE;
    p.item = export_item;
    p.ud = &r;
    p.progress = 1;
    rc = amgp_pager_first(h, ctx, &p);
    if (rc == AMG_OK)
        rc = amgp_pager_rest(h, ctx, &p);
    if (h->records_close(r.rec) < 0 && rc == AMG_OK)
        rc = AMG_EIO;
    if (rc == AMG_OK)
        h->log(ctx, AMG_LOG_INFO, "%ld profiles exported", r.count);
    return rc;
}

static int next_profile(void *ud, json_t **item)
{
    struct run *r = ud;
    int rc;

    for (;;) {
        json_t *rec = NULL;

        rc = r->h->records_next(r->rec, &rec);
        if (rc <= 0)
            return rc;
        if (selected(r->h, r->ctx, rec)) {
            *item = rec;
            return 1;
        }
        json_decref(rec);
    }
}

static int remember(void *ud, json_t *profile)
{
    struct run *r = ud;
    char key[600];
    const char *id = json_string_value(json_object_get(profile, "id"));

    if (id && identity_key(profile, key, sizeof(key)))
        json_object_set_new(r->by_identity, key, json_string(id));
    return AMG_OK;
}

/* Old profile id -> new one, by IdP identity, and the count check. */
static int map_ids(struct run *r, long selected_count)
{
    const struct amg_host *h = r->h;
    struct amgp_pager p;
    json_t *rec = NULL;
    long mapped = 0, missing = 0;
    int rc;

    r->by_identity = json_object();
    if (!r->by_identity)
        return AMG_ENOMEM;
    memset(&p, 0, sizeof(p));
    p.path = "/users/export";
    p.items_key = "users";
    p.count = PAGE;
    p.item = remember;
    p.ud = r;
    rc = amgp_pager_first(h, r->ctx, &p);
    if (rc == AMG_OK)
        rc = amgp_pager_rest(h, r->ctx, &p);
    if (rc == AMG_OK)
        rc = h->records_open(r->ctx, &r->rec);
    while (rc == AMG_OK && (rc = h->records_next(r->rec, &rec)) == 1) {
        char key[600];
        const char *old = json_string_value(json_object_get(rec, "id"));
        const char *now = NULL;

        if (selected(h, r->ctx, rec)) {
            if (identity_key(rec, key, sizeof(key)))
                now = json_string_value(json_object_get(r->by_identity, key));
            if (now && old && h->idmap_put(r->ctx, "profile", old, now) == AMG_OK)
                mapped++;
            else
                missing++;
        }
        json_decref(rec);
        rec = NULL;
        rc = AMG_OK;
    }
    if (r->rec)
        h->records_close(r->rec);
    r->rec = NULL;
    if (rc == 0)
        h->log(r->ctx, missing ? AMG_LOG_WARN : AMG_LOG_INFO, "count check: %ld profiles "
               "selected in the snapshot, %ld found in the target, %ld missing; the target "
               "has %ld profiles of other IdPs", selected_count, mapped, missing, p.seen);
    json_decref(r->by_identity);
    r->by_identity = NULL;
    return rc < 0 ? rc : AMG_OK;
}

/* ---- dry run ---- */

static int remember_known(void *ud, json_t *profile)
{
    struct amgp_userplan *up = ud;
    char key[600];

    return amgp_userplan_known(up, identity_key(profile, key, sizeof(key)));
}

/*
 * The plan of the import: the target's profiles (GET /users/export,
 * paged) by IdP identity, then each selected profile of the snapshot is
 * created, skipped because /users/import refuses an identity that has
 * a profile already, or failed because it refers to a role neither in the
 * target nor created by this run. Nothing is sent but GETs.
 */
static int profiles_plan(const struct amg_host *h, struct amg_ctx *ctx)
{
    struct amgp_userplan up;
    struct amgp_userroles ur;
    struct amgp_pager p;
    struct amg_records *in = NULL;
    json_t *rec = NULL;
    long total = -1, done = 0;
    int rc;

    memset(&ur, 0, sizeof(ur));
    rc = amgp_userplan_init(&up, AMGP_USERPLAN_LISTED);
    if (rc < 0)
        return rc;
    rc = amgp_userroles_load(h, ctx, &ur);
    if (rc < 0)
        goto out;
    memset(&p, 0, sizeof(p));
    p.path = "/users/export";
    p.items_key = "users";
    p.count = PAGE;
    p.item = remember_known;
    p.ud = &up;
    rc = amgp_pager_first(h, ctx, &p);
    if (rc == AMG_OK)
        rc = amgp_pager_rest(h, ctx, &p);
    if (rc == AMG_OK)
        rc = amgp_records_count(h, ctx, selected, &total);
    if (rc == AMG_OK)
        rc = h->records_open(ctx, &in);
    if (rc < 0)
        goto out;
    while ((rc = h->records_next(in, &rec)) == 1) {
        char key[600], object[640], missing[300], detail[400];
        const char *keys[1];
        int k, m = 0;

        if (selected(h, ctx, rec)) {
            keys[0] = identity_key(rec, key, sizeof(key));
            snprintf(object, sizeof(object), "profile %s", keys[0] ? keys[0]
                     : json_string_value(json_object_get(rec, "id")));
            k = amgp_userplan_classify(&up, keys, 1);
            if (k < -1) {
                rc = AMG_ENOMEM;
                break;
            }
            if (k < 0)
                m = amgp_userroles_check(h, ctx, &ur, json_object_get(rec, "roles"),
                                         object + 8, missing, sizeof(missing));
            if (m < 0) {
                rc = AMG_ENOMEM;
                break;
            }
            snprintf(detail, sizeof(detail), "role%s %s neither in the target nor created by "
                     "this run: the import would refuse the profile", m > 1 ? "s" : "", missing);
            if (m > 0)
                amgp_userplan_report(h, ctx, &up, AMG_OUT_FAILED, object, detail);
            else
                amgp_userplan_report(h, ctx, &up, k < 0 ? AMG_OUT_CREATED : AMG_OUT_SKIPPED,
                                     object, k < 0 ? NULL : "already in the target (same "
                                     "identity): the import skips it");
            amgp_progress(h, ctx, ++done, total);
        }
        json_decref(rec);
        rec = NULL;
    }
    if (rc == 0) {
        amgp_userroles_finish(h, ctx, &ur, "profiles");
        amgp_userplan_finish(h, ctx, &up, "profiles");
    }
out:
    amgp_userroles_free(&ur);
    json_decref(rec);
    if (in)
        h->records_close(in);
    amgp_userplan_free(&up);
    return rc < 0 ? rc : AMG_OK;
}

static int profiles_import(const struct amg_host *h, struct amg_ctx *ctx)
{
    struct run r = { h, ctx, NULL, 0, NULL };
    struct amgp_import imp;
    const char *map = h->option(ctx, "map_ids");
    int rc;

    if (amgp_planning(h, ctx))
        return profiles_plan(h, ctx);
    memset(&imp, 0, sizeof(imp));
    rc = amgp_records_count(h, ctx, selected, &imp.total);
    if (rc < 0)
        return rc;
    rc = h->records_open(ctx, &r.rec);
    if (rc < 0)
        return rc;
    imp.path = "/users/import";
    /* The reference knows no limit for this endpoint; 50 is the CD one. */
    imp.batch = 50;
    imp.next_item = next_profile;
    imp.ud = &r;
    rc = amgp_import_batches(h, ctx, &imp);
    h->records_close(r.rec);
    r.rec = NULL;
    if (rc == AMG_OK && (!map || strcmp(map, "false") != 0))
        rc = map_ids(&r, imp.sent);
    return rc;
}

static int profiles_validate(const struct amg_host *h, struct amg_ctx *ctx)
{
    struct amg_records *in = NULL;
    json_t *seen = json_object();
    json_t *rec = NULL;
    long i = 0;
    int rc;

    if (!seen)
        return AMG_ENOMEM;
    rc = h->records_open(ctx, &in);
    while (rc == AMG_OK && (rc = h->records_next(in, &rec)) == 1) {
        char where[48], key[600];

        snprintf(where, sizeof(where), "users[%ld]", i++);
        amgp_want_string(h, ctx, rec, where, "id", 1);
        if (!json_is_array(json_object_get(rec, "identities")) ||
            !identity_key(rec, key, sizeof(key)))
            h->problem(ctx, where, "needs identities[0] with provider and id");
        else if (json_object_get(seen, key))
            h->problem(ctx, where, "identity %s appears twice", key);
        else
            json_object_set_new(seen, key, json_true());
        amgp_want_object(h, ctx, rec, where, "attributes", 1);
        amgp_want_string_array(h, ctx, rec, where, "roles", 0);
        json_decref(rec);
        rec = NULL;
        rc = AMG_OK;
    }
    if (in)
        h->records_close(in);
    json_decref(seen);
    return rc < 0 ? rc : AMG_OK;
}

/* Read with host->option(); the core applies the defaults. */
static const struct amg_plugin_option options[] = {
    { "map_ids", AMG_OPTION_BOOL, "true",
      "record old -> new profile ids after import" },
    { NULL, AMG_OPTION_STRING, NULL, NULL },
};

static const struct amg_plugin profiles_plugin = {
    AMG_PLUGIN_INIT_HEADER,
    .name = "user_profiles",
    .version = "1.0.0",
    .description = "profiles of users of other identity providers, with attributes and roles",
    .deps = deps,
    .export_fn = profiles_export,
    .import_fn = profiles_import,
    .validate_fn = profiles_validate,
    .flags = AMG_PLUGIN_VALIDATE_DURING_EXPORT,
    .filter_fields = filter_fields,
    .options = options,
};

const struct amg_plugin *amg_plugin_entry(void)
{
    return &profiles_plugin;
}

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

static void profile_keys(json_t *profile, char buf[][AMGP_USERPLAN_KEY_MAX],
                         const char **keys)
{
    keys[0] = identity_key(profile, buf[0], AMGP_USERPLAN_KEY_MAX);
}

static const char *profile_name(json_t *rec, const char *const *keys)
{
    const char *id = json_string_value(json_object_get(rec, "id"));

    /* "(null)" is what the plan has always printed for neither. */
    return keys[0] ? keys[0] : id ? id : "(null)";
}

static const char *const why_skip[] = {
    "already in the target (same identity): the import skips it",
};

/*
 * The plan of the import: the target's profiles (GET /users/export,
 * paged) by IdP identity, then each selected profile of the snapshot is
 * created, skipped because /users/import refuses an identity that has
 * a profile already, or failed because it refers to a role neither in the
 * target nor created by this run. Nothing is sent but GETs.
 */
static const struct amgp_userplan_kind plan_kind = {
    .path = "/users/export",
    .items_key = "users",
    .page = PAGE,
    .one = "profile",
    .noun = "profiles",
    .object_size = 640,
    .nkeys = 1,
    .why = why_skip,
    .selected = selected,
    .item_keys = profile_keys,
    .record_keys = profile_keys,
    .name = profile_name,
};

static int profiles_import(const struct amg_host *h, struct amg_ctx *ctx)
{
    struct run r = { h, ctx, NULL, 0, NULL };
    struct amgp_import imp;
    const char *map = h->option(ctx, "map_ids");
    int rc;

    if (amgp_planning(h, ctx))
        return amgp_userplan_run(h, ctx, &plan_kind);
    memset(&imp, 0, sizeof(imp));
    imp.path = "/users/import";
    /* The reference knows no limit for this endpoint; 50 is the CD one. */
    imp.batch = 50;
    rc = amgp_import_records(h, ctx, &imp, selected, 0);
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

/*
 * Import of Cloud Directory users (reference 8.10.4) in batches of at
 * most 50 through the core's pipeline, then the id map (old CD user id ->
 * new id, by e-mail or user name in the target) and the count check.
 *
 * A batch whose outcome is unknown (connection lost) may be sent again:
 * App ID refuses a user whose e-mail or user name is taken, and such a
 * refusal counts as "skipped: already in the target". The same rule makes
 * a second import of one snapshot create nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "cd_users.h"
#include "cd_users_map.h"
#include "checks.h"
#include "paging.h"

#define LIST_PAGE 50

int cdu_selected(const struct amg_host *h, struct amg_ctx *ctx, json_t *rec)
{
    json_t *view = cdu_view(rec);
    int keep = view && h->filter_match(ctx, view) == 1;

    json_decref(view);
    return keep;
}

/* ---- id map and count check ---- */

struct list_run {
    json_t *by_key;       /* "e:<email>" or "u:<userName>" -> target id */
};

static int remember(void *ud, json_t *user)
{
    struct list_run *l = ud;
    const char *id = json_string_value(json_object_get(user, "id"));
    json_t *wrapped = json_pack("{s:O}", "scimUser", user);
    char email[320], key[400];
    const char *e = wrapped ? cdu_email(wrapped, email, sizeof(email)) : NULL;
    const char *u = json_string_value(json_object_get(user, "userName"));

    if (id && (e || u)) {
        snprintf(key, sizeof(key), "%s:%s", e ? "e" : "u", e ? e : u);
        json_object_set_new(l->by_key, key, json_string(id));
    }
    json_decref(wrapped);
    return AMG_OK;
}

static int map_ids(const struct amg_host *h, struct amg_ctx *ctx, long in_snapshot)
{
    struct list_run l;
    struct amgp_pager p;
    struct amg_records *in = NULL;
    json_t *rec = NULL;
    long mapped = 0, unmapped = 0;
    int rc;

    l.by_key = json_object();
    if (!l.by_key)
        return AMG_ENOMEM;
    memset(&p, 0, sizeof(p));
    p.path = "/cloud_directory/Users";
    p.items_key = "Resources";
    p.count = LIST_PAGE;
    p.item = remember;
    p.ud = &l;
    rc = amgp_pager_first(h, ctx, &p);
    if (rc == AMG_OK)
        rc = amgp_pager_rest(h, ctx, &p);
    if (rc < 0)
        goto out;
    rc = h->records_open(ctx, &in);
    if (rc < 0)
        goto out;
    while ((rc = h->records_next(in, &rec)) == 1) {
        char email[320], key[400];
        const char *e = cdu_email(rec, email, sizeof(email));
        const char *u = cdu_user_name(rec);
        const char *old = cdu_original_id(rec);
        const char *now = NULL;
        if (cdu_selected(h, ctx, rec) && old && (e || u)) {
            snprintf(key, sizeof(key), "%s:%s", e ? "e" : "u", e ? e : u);
            now = json_string_value(json_object_get(l.by_key, key));
            if (now && h->idmap_put(ctx, "cd_user", old, now) == AMG_OK)
                mapped++;
            else
                unmapped++;
        }
        json_decref(rec);
        rec = NULL;
    }
    if (rc == 0)
        h->log(ctx, unmapped ? AMG_LOG_WARN : AMG_LOG_INFO, "count check: %ld users selected "
               "in the snapshot, %ld found in the target (mapped in the id map), %ld missing; "
               "the target has %ld Cloud Directory users", in_snapshot, mapped, unmapped,
               p.seen);
out:
    if (in)
        h->records_close(in);
    json_decref(l.by_key);
    return rc < 0 ? rc : AMG_OK;
}

int cdu_import(const struct amg_host *h, struct amg_ctx *ctx)
{
    struct amgp_import imp;
    char secret_q[1024];
    char path[1200];
    const char *map = h->option(ctx, "map_ids");
    int rc;

    /* A plan checks the secret too: the import would need it. */
    rc = cdu_secret_query(h, ctx, secret_q, sizeof(secret_q));
    if (rc < 0)
        return rc;
    if (amgp_planning(h, ctx))
        return cdu_plan(h, ctx);
    memset(&imp, 0, sizeof(imp));
    snprintf(path, sizeof(path), "/cloud_directory/import?encryption_secret=%s", secret_q);
    imp.path = path;
    imp.batch = cdu_option_long(h, ctx, "batch_size", 50, 1, 50);
    /* Without record filters every user goes to App ID as the snapshot
     * holds it. */
    rc = amgp_import_records(h, ctx, &imp, cdu_selected, 1);
    if (rc == AMG_OK && (!map || strcmp(map, "false") != 0))
        rc = map_ids(h, ctx, imp.sent);
    return rc;
}

int cdu_validate(const struct amg_host *h, struct amg_ctx *ctx)
{
    struct amg_records *in = NULL;
    json_t *seen = json_object();
    json_t *rec = NULL;
    long i = 0;
    int rc;

    if (!seen)
        return AMG_ENOMEM;
    rc = h->records_open(ctx, &in);
    if (rc < 0)
        goto out;
    while ((rc = h->records_next(in, &rec)) == 1) {
        char where[48], email[320], key[400];
        json_t *scim = json_object_get(rec, "scimUser");
        const char *e = cdu_email(rec, email, sizeof(email));
        const char *u = cdu_user_name(rec);

        snprintf(where, sizeof(where), "users[%ld]", i++);
        if (amgp_want_object(h, ctx, rec, where, "scimUser", 1) == 0) {
            if (!e && !u)
                h->problem(ctx, where, "scimUser has neither an e-mail nor a userName");
            amgp_want_string(h, ctx, scim, where, "originalId", 0);
        }
        amgp_want_string(h, ctx, rec, where, "passwordHash", 1);
        amgp_want_string(h, ctx, rec, where, "passwordHashAlg", 1);
        if (amgp_want_object(h, ctx, rec, where, "profile", 0) == 0 &&
            json_object_get(rec, "profile"))
            amgp_want_object(h, ctx, json_object_get(rec, "profile"), where, "attributes", 0);
        amgp_want_string_array(h, ctx, rec, where, "roles", 0);
        if (e || u) {
            snprintf(key, sizeof(key), "%s:%s", e ? "e" : "u", e ? e : u);
            if (json_object_get(seen, key))
                h->problem(ctx, where, "%s '%s' appears twice", e ? "e-mail" : "userName",
                           e ? e : u);
            else
                json_object_set_new(seen, key, json_true());
        }
        json_decref(rec);
        rec = NULL;
    }
    rc = rc < 0 ? rc : AMG_OK;
out:
    if (in)
        h->records_close(in);
    json_decref(seen);
    return rc;
}

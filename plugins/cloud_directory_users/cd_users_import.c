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

#define LIST_PAGE 50
#define MAX_LOGGED_FAILURES 10

struct import_run {
    const struct amg_host *h;
    struct amg_ctx *ctx;
    struct amg_records *in;
    const char *secret_q;
    long batch;
    int eof;
    long sent;
    long created, skipped, failed;
    json_t *reasons;      /* reason text -> count */
};

/* Next batch of up to r->batch selected users; NULL at the end. */
static int next_batch(struct import_run *r, json_t **out)
{
    json_t *users = json_array();
    int rc = AMG_OK;

    *out = NULL;
    if (!users)
        return AMG_ENOMEM;
    while (!r->eof && (long)json_array_size(users) < r->batch) {
        json_t *rec = NULL;
        json_t *view;
        int keep;

        rc = r->h->records_next(r->in, &rec);
        if (rc < 0)
            goto out;
        if (rc == 0) {
            r->eof = 1;
            break;
        }
        view = cdu_view(rec);
        keep = view && r->h->filter_match(r->ctx, view);
        json_decref(view);
        if (keep)
            json_array_append(users, rec);
        json_decref(rec);
    }
    rc = AMG_OK;
    if (json_array_size(users) > 0) {
        *out = users;
        users = NULL;
    }
out:
    json_decref(users);
    return rc;
}

static int import_next(void *ud, struct amg_request *req)
{
    struct import_run *r = ud;
    json_t *users = NULL;
    int rc = next_batch(r, &users);

    if (rc < 0)
        return rc;
    if (!users)
        return 0;
    req->method = "POST";
    snprintf(req->path, sizeof(req->path), "/cloud_directory/import?encryption_secret=%s",
             r->secret_q);
    req->body = json_pack("{s:o}", "users", users);
    if (!req->body)
        return AMG_ENOMEM;
    req->idempotent = 1;   /* see the top of this file */
    req->tag = (void *)(long)json_array_size(users);
    r->sent += (long)json_array_size(users);
    return 1;
}

static void count_reason(struct import_run *r, json_t *reason)
{
    char text[300];
    json_t *n;

    cdu_reason_text(reason, text, sizeof(text));
    n = json_object_get(r->reasons, text);
    json_object_set_new(r->reasons, text, json_integer(n ? json_integer_value(n) + 1 : 1));
    if (r->failed <= MAX_LOGGED_FAILURES) {
        const char *who = json_string_value(json_object_get(reason, "email"));

        if (!who)
            who = json_string_value(json_object_get(reason, "userName"));
        if (!who)
            who = json_string_value(json_object_get(reason, "originalId"));
        r->h->log(r->ctx, AMG_LOG_ERROR, "user %s not imported: %s", who ? who : "?", text);
    }
}

static int import_done(void *ud, struct amg_request *req)
{
    struct import_run *r = ud;
    long n = (long)req->tag;
    json_t *reasons;
    json_t *reason;
    long added;
    size_t i;

    if (req->rc == AMG_EAUTH)
        return req->rc;
    if (req->rc < 0 || req->status != 200 || !json_is_object(req->response)) {
        r->h->log(r->ctx, AMG_LOG_ERROR, "import batch of %ld users: HTTP %ld (%s)", n,
                  req->status, req->rc < 0 ? r->h->strerror(req->rc)
                  : amgp_server_message(req->response));
        r->failed += n;
        r->h->tally(r->ctx, AMG_OUT_FAILED, n);
        return AMG_OK;
    }
    added = (long)json_integer_value(json_object_get(req->response, "added"));
    r->created += added;
    r->h->tally(r->ctx, AMG_OUT_CREATED, added);
    reasons = json_object_get(req->response, "failReasons");
    json_array_foreach(reasons, i, reason) {
        if (cdu_reason_is_duplicate(reason)) {
            r->skipped++;
            r->h->tally(r->ctx, AMG_OUT_SKIPPED, 1);
        } else {
            r->failed++;
            r->h->tally(r->ctx, AMG_OUT_FAILED, 1);
            count_reason(r, reason);
        }
    }
    if (added + (long)json_array_size(reasons) != n)
        r->h->log(r->ctx, AMG_LOG_WARN, "import batch of %ld users: App ID reports %ld added "
                  "and %zu failed", n, added, json_array_size(reasons));
    return AMG_OK;
}

/* ---- id map and count check ---- */

struct list_run {
    const struct amg_host *h;
    struct amg_ctx *ctx;
    json_t *by_key;       /* "e:<email>" or "u:<userName>" -> target id */
    long total, pages, next_page, seen;
};

static void remember(struct list_run *l, json_t *user)
{
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
}

static long take_list_page(struct list_run *l, json_t *page)
{
    json_t *users = json_object_get(page, "Resources");
    json_t *u;
    size_t i;

    if (!json_is_array(users))
        return -1;
    json_array_foreach(users, i, u)
        remember(l, u);
    l->seen += (long)json_array_size(users);
    return (long)json_array_size(users);
}

static int list_next(void *ud, struct amg_request *req)
{
    struct list_run *l = ud;

    if (l->next_page >= l->pages)
        return 0;
    req->method = "GET";
    snprintf(req->path, sizeof(req->path), "/cloud_directory/Users?startIndex=%ld&count=%d",
             (l->next_page + 1) * LIST_PAGE, LIST_PAGE);
    req->idempotent = 1;
    l->next_page++;
    return 1;
}

static int list_done(void *ud, struct amg_request *req)
{
    struct list_run *l = ud;

    if (req->rc < 0 || req->status != 200 || take_list_page(l, req->response) < 0) {
        l->h->log(l->ctx, AMG_LOG_ERROR, "GET /cloud_directory/Users: HTTP %ld", req->status);
        return req->rc < 0 ? req->rc : AMG_EPROTO;
    }
    return AMG_OK;
}

static int list_page(struct list_run *l, long start, long *got)
{
    char path[128];
    json_t *page = NULL;
    long status = 0;
    int rc;

    snprintf(path, sizeof(path), "/cloud_directory/Users?startIndex=%ld&count=%d", start,
             LIST_PAGE);
    rc = l->h->request(l->ctx, "GET", path, NULL, &status, &page);
    if (rc == AMG_OK && (status != 200 || (*got = take_list_page(l, page)) < 0)) {
        l->h->log(l->ctx, AMG_LOG_ERROR, "GET /cloud_directory/Users: HTTP %ld", status);
        rc = AMG_EPROTO;
    }
    if (rc == AMG_OK && start == 0)
        l->total = (long)json_integer_value(json_object_get(page, "totalResults"));
    json_decref(page);
    return rc;
}

/* Every user of the target, keyed by identity. */
static int list_target(struct list_run *l)
{
    long got = 0;
    int rc;

    rc = list_page(l, 0, &got);
    if (rc < 0)
        return rc;
    l->pages = cdu_pages_after_first(l->total, LIST_PAGE);
    rc = l->h->request_pipeline(l->ctx, list_next, list_done, l);
    if (rc < 0)
        return rc;
    /* Servers that count from 1 leave the last user past the pages. */
    do {
        rc = list_page(l, l->seen, &got);
    } while (rc == AMG_OK && got > 0);
    return rc;
}

static int map_ids(const struct amg_host *h, struct amg_ctx *ctx, long in_snapshot)
{
    struct list_run l;
    struct amg_records *in = NULL;
    json_t *rec = NULL;
    long mapped = 0, unmapped = 0;
    int rc;

    memset(&l, 0, sizeof(l));
    l.h = h;
    l.ctx = ctx;
    l.by_key = json_object();
    if (!l.by_key)
        return AMG_ENOMEM;
    rc = list_target(&l);
    if (rc < 0)
        goto out;
    h->log(ctx, AMG_LOG_INFO, "count check: snapshot %ld users (selected), target %ld users",
           in_snapshot, l.total > l.seen ? l.total : l.seen);
    rc = h->records_open(ctx, &in);
    if (rc < 0)
        goto out;
    while ((rc = h->records_next(in, &rec)) == 1) {
        char email[320], key[400];
        const char *e = cdu_email(rec, email, sizeof(email));
        const char *u = cdu_user_name(rec);
        const char *old = cdu_original_id(rec);
        const char *now = NULL;
        json_t *view = cdu_view(rec);

        if (view && h->filter_match(ctx, view) && old && (e || u)) {
            snprintf(key, sizeof(key), "%s:%s", e ? "e" : "u", e ? e : u);
            now = json_string_value(json_object_get(l.by_key, key));
            if (now && h->idmap_put(ctx, "cd_user", old, now) == AMG_OK)
                mapped++;
            else
                unmapped++;
        }
        json_decref(view);
        json_decref(rec);
        rec = NULL;
    }
    if (rc == 0)
        h->log(ctx, AMG_LOG_INFO, "id map: %ld users mapped, %ld not found in the target",
               mapped, unmapped);
out:
    if (in)
        h->records_close(in);
    json_decref(l.by_key);
    return rc < 0 ? rc : AMG_OK;
}

int cdu_import(const struct amg_host *h, struct amg_ctx *ctx)
{
    struct import_run r;
    char secret_q[1024];
    const char *map = h->option(ctx, "map_ids");
    const char *text;
    json_t *n;
    int rc;

    memset(&r, 0, sizeof(r));
    r.h = h;
    r.ctx = ctx;
    r.secret_q = secret_q;
    r.batch = cdu_option_long(h, ctx, "batch_size", 50, 1, 50);
    r.reasons = json_object();
    if (!r.reasons)
        return AMG_ENOMEM;
    rc = cdu_secret_query(h, ctx, secret_q, sizeof(secret_q));
    if (rc < 0)
        goto out;
    rc = h->records_open(ctx, &r.in);
    if (rc < 0)
        goto out;
    rc = h->request_pipeline(ctx, import_next, import_done, &r);
    h->records_close(r.in);
    if (rc < 0)
        goto out;
    h->log(ctx, AMG_LOG_INFO, "%ld users: %ld created, %ld skipped (already in the target), "
           "%ld failed", r.sent, r.created, r.skipped, r.failed);
    json_object_foreach(r.reasons, text, n)
        h->log(ctx, AMG_LOG_ERROR, "%lld user%s failed: %s", (long long)json_integer_value(n),
               json_integer_value(n) == 1 ? "" : "s", text);
    if (!map || strcmp(map, "false") != 0)
        rc = map_ids(h, ctx, r.sent);
out:
    json_decref(r.reasons);
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

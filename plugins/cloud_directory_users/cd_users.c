/*
 * cloud_directory_users: Cloud Directory users with their password
 * hashes, profile attributes and role names (reference sections 8.10.3 to
 * 8.10.5). Users are streamed record by record through
 * cloud_directory_users.ndjson; pages and import batches go through the
 * core's request pipeline, so memory stays flat and the instance's rate
 * limit is the only bound.
 *
 * The export item is stored as App ID returns it: its passwordHash is
 * encrypted by App ID with the configured Cloud Directory encryption
 * secret, which import must be given again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <jansson.h>
#include "appid-migrate/plugin.h"
#include "pluginutil.h"
#include "cd_users_map.h"
#include "cd_users.h"

#define PAGE 50

static const char *const deps[] = { "roles", "idps", "instance_settings", NULL };
static const char *const filter_fields[] = { "email", "userName", "id", NULL };

long cdu_option_long(const struct amg_host *h, struct amg_ctx *ctx, const char *key, long def,
                     long min, long max)
{
    const char *v = h->option(ctx, key);
    char *end = NULL;
    long n;

    if (!v)
        return def;
    n = strtol(v, &end, 10);
    if (end == v || *end || n < min || n > max) {
        h->log(ctx, AMG_LOG_WARN, "option %s = '%s' is not a number in %ld..%ld; using %ld",
               key, v, min, max, def);
        return def;
    }
    return n;
}

int cdu_secret_query(const struct amg_host *h, struct amg_ctx *ctx, char *out, size_t size)
{
    const char *secret = NULL;
    int rc = h->secret(ctx, "cd_encryption_secret", &secret);

    if (rc < 0)
        return rc;
    if (amgp_query_escape(secret, out, size) < 0) {
        h->log(ctx, AMG_LOG_ERROR, "the Cloud Directory encryption secret is too long");
        return AMG_EINVAL;
    }
    return AMG_OK;
}

/* ---- export ---- */

struct export_run {
    const struct amg_host *h;
    struct amg_ctx *ctx;
    struct amg_records *out;
    const char *secret_q;
    long total;           /* totalResults of the first page */
    long next_page;       /* pipeline: index of the next page to ask for */
    long pages;           /* pages after the first */
    long written;
    long seen;            /* users read from pages, written or filtered out */
    int failed;
};

/* Write the users of one page; returns how many the page held, or -1. */
static long write_page(struct export_run *r, json_t *page)
{
    json_t *users = json_object_get(page, "users");
    json_t *item;
    size_t i;

    if (!json_is_array(users)) {
        r->h->log(r->ctx, AMG_LOG_ERROR, "export page without a users array");
        return -1;
    }
    json_array_foreach(users, i, item) {
        json_t *view = cdu_view(item);
        int keep = view ? r->h->filter_match(r->ctx, view) : 0;

        json_decref(view);
        if (!json_is_object(json_object_get(item, "scimUser"))) {
            r->h->log(r->ctx, AMG_LOG_ERROR, "export item %ld has no scimUser", r->seen + 1);
            return -1;
        }
        r->seen++;
        if (!keep)
            continue;
        if (r->h->records_write(r->out, item) < 0)
            return -1;
        r->written++;
    }
    return (long)json_array_size(users);
}

static int export_next(void *ud, struct amg_request *req)
{
    struct export_run *r = ud;

    if (r->next_page >= r->pages)
        return 0;
    req->method = "GET";
    snprintf(req->path, sizeof(req->path),
             "/cloud_directory/export?encryption_secret=%s&startIndex=%ld&count=%d",
             r->secret_q, (r->next_page + 1) * PAGE, PAGE);
    req->idempotent = 1;
    r->next_page++;
    return 1;
}

static int export_done(void *ud, struct amg_request *req)
{
    struct export_run *r = ud;

    if (req->rc < 0 || req->status != 200) {
        r->h->log(r->ctx, AMG_LOG_ERROR, "export page: HTTP %ld (%s)", req->status,
                  req->rc < 0 ? r->h->strerror(req->rc) : amgp_server_message(req->response));
        r->failed = 1;
        return req->rc < 0 ? req->rc : AMG_EPROTO;
    }
    return write_page(r, req->response) < 0 ? AMG_EPROTO : AMG_OK;
}

/* One page, synchronously: the first (for totalResults) and the tail. */
static int get_page(struct export_run *r, long start, json_t **page)
{
    char path[AMG_REQUEST_PATH_MAX];
    long status = 0;
    int rc;

    snprintf(path, sizeof(path),
             "/cloud_directory/export?encryption_secret=%s&startIndex=%ld&count=%d",
             r->secret_q, start, PAGE);
    rc = r->h->request(r->ctx, "GET", path, NULL, &status, page);
    if (rc < 0)
        return rc;
    if (status != 200 || !json_is_object(*page)) {
        r->h->log(r->ctx, AMG_LOG_ERROR, "GET /cloud_directory/export: HTTP %ld (%s)", status,
                  amgp_server_message(*page));
        json_decref(*page);
        *page = NULL;
        return AMG_EPROTO;
    }
    return AMG_OK;
}

/* `page` is the first page (borrowed), already fetched. */
static int export_paged(struct export_run *r, json_t *first)
{
    json_t *page = NULL;
    long n;
    int rc;

    n = write_page(r, first);
    if (n < 0)
        return AMG_EPROTO;
    r->pages = cdu_pages_after_first(r->total, PAGE);
    rc = r->h->request_pipeline(r->ctx, export_next, export_done, r);
    if (rc < 0)
        return rc;
    /* Users created while the pages were read sit past totalResults. */
    for (;;) {
        rc = get_page(r, r->seen, &page);
        if (rc < 0)
            return rc;
        n = write_page(r, page);
        json_decref(page);
        page = NULL;
        if (n < 0)
            return AMG_EPROTO;
        if (n == 0)
            break;
    }
    return AMG_OK;
}

static int cdu_export(const struct amg_host *h, struct amg_ctx *ctx)
{
    struct export_run r;
    char secret_q[1024];
    json_t *first = NULL;
    long threshold;
    int rc;

    memset(&r, 0, sizeof(r));
    r.h = h;
    r.ctx = ctx;
    r.secret_q = secret_q;
    rc = cdu_secret_query(h, ctx, secret_q, sizeof(secret_q));
    if (rc < 0)
        return rc;
    rc = h->records_create(ctx, &r.out);
    if (rc < 0)
        return rc;
    threshold = cdu_option_long(h, ctx, "async_threshold", 16000, 1, 100000000);
    rc = get_page(&r, 0, &first);
    if (rc == AMG_OK) {
        r.total = (long)json_integer_value(json_object_get(first, "totalResults"));
        /* Large directories go through App ID's bulk export (reference
         * 8.10.5), as IBM recommends above about 16,000 users. */
        if (r.total >= threshold)
            rc = cdu_export_async(h, ctx, r.out, &r.written);
        else
            rc = export_paged(&r, first);
    }
    json_decref(first);
    if (h->records_close(r.out) < 0 && rc == AMG_OK)
        rc = AMG_EIO;
    if (rc == AMG_OK)
        h->log(ctx, AMG_LOG_INFO, "%ld users exported", r.written);
    return rc;
}

static const struct amg_plugin cdu_plugin = {
    AMG_PLUGIN_INIT_HEADER,
    .name = "cloud_directory_users",
    .version = "1.0.0",
    .description = "Cloud Directory users with password hashes, attributes and roles",
    .deps = deps,
    .export_fn = cdu_export,
    .import_fn = cdu_import,
    .validate_fn = cdu_validate,
    .filter_fields = filter_fields,
};

const struct amg_plugin *amg_plugin_entry(void)
{
    return &cdu_plugin;
}

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
#include <jansson.h>
#include "appid-migrate/plugin.h"
#include "pluginutil.h"
#include "cd_users_map.h"
#include "cd_users.h"
#include "paging.h"

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
    long written;
};

static int export_item(void *ud, json_t *item)
{
    struct export_run *r = ud;

    if (!json_is_object(json_object_get(item, "scimUser"))) {
        r->h->log(r->ctx, AMG_LOG_ERROR, "export item without scimUser");
        return AMG_EPROTO;
    }
    if (!cdu_selected(r->h, r->ctx, item))
        return AMG_OK;
    if (r->h->records_write(r->out, item) < 0)
        return AMG_EIO;
    r->written++;
    return AMG_OK;
}

/* totalResults, from a one-user page. */
static int count_users(const struct amg_host *h, struct amg_ctx *ctx, const char *secret_q,
                       long *total)
{
    char path[AMG_REQUEST_PATH_MAX];
    json_t *page = NULL;
    long status = 0;
    int rc;

    snprintf(path, sizeof(path),
             "/cloud_directory/export?encryption_secret=%s&startIndex=0&count=1", secret_q);
    rc = h->request(ctx, "GET", path, NULL, &status, &page);
    if (rc == AMG_OK && (status != 200 || !json_is_integer(json_object_get(page,
                                                                          "totalResults")))) {
        if (status == 200)
            h->log(ctx, AMG_LOG_ERROR, "GET /cloud_directory/export: HTTP 200 but "
                   "'totalResults' is missing or not a number");
        else
            h->log(ctx, AMG_LOG_ERROR, "GET /cloud_directory/export: HTTP %ld (%s)", status,
                   amgp_server_message(page));
        rc = AMG_EPROTO;
    }
    if (rc == AMG_OK)
        *total = (long)json_integer_value(json_object_get(page, "totalResults"));
    json_decref(page);
    return rc;
}

static int cdu_export(const struct amg_host *h, struct amg_ctx *ctx)
{
    struct export_run r = { h, ctx, NULL, 0 };
    struct amgp_pager p;
    char secret_q[1024];
    char path[1200];
    long threshold, total = 0;
    int rc;

    rc = cdu_secret_query(h, ctx, secret_q, sizeof(secret_q));
    if (rc < 0)
        return rc;
    rc = count_users(h, ctx, secret_q, &total);
    if (rc < 0)
        return rc;
    rc = h->records_create(ctx, &r.out);
    if (rc < 0)
        return rc;
    threshold = cdu_option_long(h, ctx, "async_threshold", 16000, 1, 100000000);
    /* Large directories go through App ID's bulk export (reference
     * 8.10.5), as IBM recommends above about 16,000 users. */
    if (total >= threshold) {
        rc = cdu_export_async(h, ctx, r.out, &r.written);
    } else {
        memset(&p, 0, sizeof(p));
        snprintf(path, sizeof(path), "/cloud_directory/export?encryption_secret=%s", secret_q);
        p.path = path;
        p.items_key = "users";
        p.count = PAGE;
        p.item = export_item;
        p.ud = &r;
        p.progress = 1;
        /* The count is known: every page, the first too, in the pipeline. */
        rc = amgp_pager_counted(h, ctx, &p, total);
    }
    if (h->records_close(r.out) < 0 && rc == AMG_OK)
        rc = AMG_EIO;
    if (rc == AMG_OK) {
        h->log(ctx, AMG_LOG_INFO, "%ld users exported", r.written);
        if (r.written > 0)
            h->holds_secrets(ctx, "password hashes (encrypted by App ID with the Cloud "
                             "Directory encryption secret) and personal data");
    }
    return rc;
}

/* Read with host->option(); the core applies the defaults. */
static const struct amg_plugin_option options[] = {
    { "async_threshold", AMG_OPTION_INT, "16000",
      "export through App ID's bulk export (reference 8.10.5) from this many users on" },
    { "async_email", AMG_OPTION_STRING, NULL,
      "address App ID notifies when a bulk export is ready; needed for the bulk export" },
    { "async_timeout", AMG_OPTION_INT, "1800",
      "seconds to wait for a bulk export to finish (1..86400)" },
    { "batch_size", AMG_OPTION_INT, "50",
      "users sent per import request (1..50, App ID's limit)" },
    { "map_ids", AMG_OPTION_BOOL, "true",
      "record old -> new user ids after import so user_profiles can follow them" },
    { NULL, AMG_OPTION_STRING, NULL, NULL },
};

/* Export and import both send the secret: checked before a run starts. */
static const char *const secrets[] = { "cd_encryption_secret", NULL };

static const struct amg_plugin cdu_plugin = {
    AMG_PLUGIN_INIT_HEADER,
    .name = "cloud_directory_users",
    .version = "1.0.0",
    .description = "Cloud Directory users with password hashes, attributes and roles",
    .deps = deps,
    .export_fn = cdu_export,
    .import_fn = cdu_import,
    .validate_fn = cdu_validate,
    .flags = AMG_PLUGIN_VALIDATE_DURING_EXPORT,
    .filter_fields = filter_fields,
    .options = options,
    .secrets = secrets,
};

const struct amg_plugin *amg_plugin_entry(void)
{
    return &cdu_plugin;
}

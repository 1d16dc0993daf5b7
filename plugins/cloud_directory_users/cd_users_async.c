/*
 * Bulk export of a large directory (reference 8.10.5): start it with
 * export/all, poll export/status until it is done, download the array of
 * users and delete it from App ID. The response shapes are not in IBM's
 * SDK; appid-sim follows the reference's suggestion ({"id"} and
 * {"status": "COMPLETED" | "IN_PROGRESS" | "FAILED"}).
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <jansson.h>
#include "cd_users.h"
#include "cd_users_map.h"

static void pause_seconds(double s)
{
    struct timespec ts;

    ts.tv_sec = (time_t)s;
    ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static int start_export(const struct amg_host *h, struct amg_ctx *ctx, char *id, size_t size)
{
    const char *secret = NULL;
    const char *email = h->option(ctx, "async_email");
    json_t *body = NULL;
    json_t *resp = NULL;
    long status = 0;
    int rc;

    /* App ID mails the address when the export is ready or has failed. */
    if (!email || !*email) {
        h->log(ctx, AMG_LOG_ERROR, "the bulk export needs plugins.cloud_directory_users."
               "async_email: the address App ID notifies when the export is ready");
        return AMG_ECONFIG;
    }
    rc = h->secret(ctx, "cd_encryption_secret", &secret);
    if (rc < 0)
        return rc;
    body = json_pack("{s:s, s:s}", "encryptionSecret", secret, "emailAddress", email);
    if (!body)
        return AMG_ENOMEM;
    rc = h->request(ctx, "POST", "/cloud_directory/export/all", body, &status, &resp);
    json_decref(body);
    if (rc < 0)
        goto out;
    if (status / 100 != 2 || !json_is_string(json_object_get(resp, "id")) ||
        strlen(json_string_value(json_object_get(resp, "id"))) >= size) {
        h->log(ctx, AMG_LOG_ERROR, "POST /cloud_directory/export/all: HTTP %ld (%s)", status,
               amgp_server_message(resp));
        rc = AMG_EPROTO;
        goto out;
    }
    snprintf(id, size, "%s", json_string_value(json_object_get(resp, "id")));
out:
    json_decref(resp);
    return rc;
}

static int wait_done(const struct amg_host *h, struct amg_ctx *ctx, const char *id_q,
                     long timeout_s)
{
    char path[AMG_REQUEST_PATH_MAX];
    time_t deadline = time(NULL) + timeout_s;
    double interval = 0.2;

    snprintf(path, sizeof(path), "/cloud_directory/export/status?id=%s", id_q);
    for (;;) {
        json_t *resp = NULL;
        const char *st;
        long status = 0;
        int rc = h->request(ctx, "GET", path, NULL, &status, &resp);

        if (rc < 0)
            return rc;
        st = json_string_value(json_object_get(resp, "status"));
        if (status != 200 || !st) {
            h->log(ctx, AMG_LOG_ERROR, "GET /cloud_directory/export/status: HTTP %ld (%s)",
                   status, amgp_server_message(resp));
            json_decref(resp);
            return AMG_EPROTO;
        }
        if (strcmp(st, "COMPLETED") == 0) {
            json_decref(resp);
            return AMG_OK;
        }
        if (strcmp(st, "FAILED") == 0) {
            h->log(ctx, AMG_LOG_ERROR, "App ID reports the bulk export as failed");
            json_decref(resp);
            return AMG_EPROTO;
        }
        json_decref(resp);
        if (time(NULL) >= deadline) {
            h->log(ctx, AMG_LOG_ERROR, "bulk export not done after %ld s (option "
                   "async_timeout)", timeout_s);
            return AMG_EPROTO;
        }
        pause_seconds(interval);
        if (interval < 5)
            interval *= 2;
    }
}

/* Write every element of the downloaded array; one element parsed at a
 * time, so only the raw download is held whole. */
static int write_all(const struct amg_host *h, struct amg_ctx *ctx, const char *buf,
                     size_t len, struct amg_records *out, long *written)
{
    size_t pos = 0, start = 0, end = 0;
    long n = 0;
    int r;

    while ((r = cdu_array_next(buf, len, &pos, &start, &end)) == 1) {
        json_error_t err;
        json_t *item = json_loadb(buf + start, end - start, 0, &err);
        json_t *view;
        int keep;

        n++;
        amgp_progress(h, ctx, n, -1);
        if (!json_is_object(item) || !json_is_object(json_object_get(item, "scimUser"))) {
            h->log(ctx, AMG_LOG_ERROR, "bulk export item %ld is not a user (%s)", n,
                   item ? "no scimUser" : err.text);
            json_decref(item);
            return AMG_EPROTO;
        }
        view = cdu_view(item);
        keep = view && h->filter_match(ctx, view);
        json_decref(view);
        if (keep) {
            if (h->records_write(out, item) < 0) {
                json_decref(item);
                return AMG_EIO;
            }
            (*written)++;
        }
        json_decref(item);
    }
    if (r < 0) {
        h->log(ctx, AMG_LOG_ERROR, "bulk export download is not a JSON array of users");
        return AMG_EPROTO;
    }
    return AMG_OK;
}

int cdu_export_async(const struct amg_host *h, struct amg_ctx *ctx, struct amg_records *out,
                     long *written)
{
    char id[256], id_q[800];
    char path[AMG_REQUEST_PATH_MAX];
    char *body = NULL;
    size_t len = 0;
    long status = 0;
    int rc;

    if (h->struct_size < offsetof(struct amg_host, secret) + sizeof(h->secret))
        return AMG_EPLUGIN;
    h->log(ctx, AMG_LOG_INFO, "large directory: using the bulk export (export/all)");
    rc = start_export(h, ctx, id, sizeof(id));
    if (rc < 0)
        return rc;
    if (amgp_query_escape(id, id_q, sizeof(id_q)) < 0)
        return AMG_EPROTO;
    rc = wait_done(h, ctx, id_q, cdu_option_long(h, ctx, "async_timeout", 1800, 1, 86400));
    if (rc < 0)
        return rc;
    snprintf(path, sizeof(path), "/cloud_directory/export/download?id=%s", id_q);
    rc = h->request_raw(ctx, "GET", path, NULL, NULL, 0, &status, &body, &len);
    if (rc < 0)
        return rc;
    if (status != 200) {
        h->log(ctx, AMG_LOG_ERROR, "GET /cloud_directory/export/download: HTTP %ld", status);
        rc = AMG_EPROTO;
        goto out;
    }
    rc = write_all(h, ctx, body ? body : "", len, out, written);
    if (rc < 0)
        goto out;
    /* The export holds every password hash: do not leave it at App ID
     * for its retention period. */
    free(body);
    body = NULL;
    if (h->request_raw(ctx, "DELETE", path, NULL, NULL, 0, &status, &body, &len) < 0 ||
        status / 100 != 2)
        h->log(ctx, AMG_LOG_WARN, "could not delete the bulk export at App ID (HTTP %ld); it "
               "expires by itself", status);
out:
    free(body);
    return rc;
}

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
#include <unistd.h>
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

/* Write one element of the download (owned; freed here) when it passes
 * the record filters. `n` counts the elements, from 1. */
static int write_item(const struct amg_host *h, struct amg_ctx *ctx, json_t *item,
                      const char *why, long n, struct amg_records *out, long *written)
{
    json_t *view;
    int keep;
    int rc = AMG_OK;

    amgp_progress(h, ctx, n, -1);
    if (!json_is_object(item) || !json_is_object(json_object_get(item, "scimUser"))) {
        h->log(ctx, AMG_LOG_ERROR, "bulk export item %ld is not a user (%s)", n,
               item ? "no scimUser" : why);
        rc = AMG_EPROTO;
        goto out;
    }
    view = cdu_view(item);
    keep = view && h->filter_match(ctx, view);
    json_decref(view);
    if (keep) {
        if (h->records_write(out, item) < 0) {
            rc = AMG_EIO;
            goto out;
        }
        (*written)++;
    }
out:
    json_decref(item);
    return rc;
}

/* Write every element of the downloaded array held in memory (a core
 * older than ABI 1.5); one element parsed at a time. */
static int write_all(const struct amg_host *h, struct amg_ctx *ctx, const char *buf,
                     size_t len, struct amg_records *out, long *written)
{
    size_t pos = 0, start = 0, end = 0;
    long n = 0;
    int r;

    while ((r = cdu_array_next(buf, len, &pos, &start, &end)) == 1) {
        json_error_t err;
        json_t *item = json_loadb(buf + start, end - start, 0, &err);
        int rc = write_item(h, ctx, item, err.text, ++n, out, written);

        if (rc < 0)
            return rc;
    }
    if (r < 0) {
        h->log(ctx, AMG_LOG_ERROR, "bulk export download is not a JSON array of users");
        return AMG_EPROTO;
    }
    return AMG_OK;
}

static int next_token(FILE *f)
{
    int c;

    do
        c = getc(f);
    while (c == ' ' || c == '\t' || c == '\n' || c == '\r');
    return c;
}

/*
 * Write every element of the download from its file, one user in memory
 * at a time, so that memory does not grow with the directory. jansson
 * stops reading right after an object's closing brace with
 * JSON_DISABLE_EOF_CHECK, which leaves the stream at the separator.
 */
static int write_stream(const struct amg_host *h, struct amg_ctx *ctx, FILE *f,
                        struct amg_records *out, long *written)
{
    long n = 0;
    int c = next_token(f);
    int rc;

    if (c != '[')
        goto bad;
    c = next_token(f);
    while (c != ']') {
        json_error_t err;
        json_t *item;

        if (c == EOF || ungetc(c, f) == EOF)
            goto bad;
        item = json_loadf(f, JSON_DISABLE_EOF_CHECK, &err);
        rc = write_item(h, ctx, item, err.text, ++n, out, written);
        if (rc < 0)
            return rc;
        c = next_token(f);
        if (c == ',')
            c = next_token(f);
        else if (c != ']')
            goto bad;
    }
    if (next_token(f) == EOF && !ferror(f))
        return AMG_OK;
bad:
    h->log(ctx, AMG_LOG_ERROR, "bulk export download is not a JSON array of users%s",
           ferror(f) ? " (read error)" : "");
    return ferror(f) ? AMG_EIO : AMG_EPROTO;
}

/* The download through the core's file (ABI 1.5): no size cap, and only
 * one user in memory at a time. */
static int download_to_file(const struct amg_host *h, struct amg_ctx *ctx, const char *path,
                            struct amg_records *out, long *written)
{
    FILE *f = NULL;
    size_t len = 0;
    long status = 0;
    int fd = -1;
    int rc;

    rc = h->request_to_file(ctx, "GET", path, &status, &fd, &len);
    if (rc < 0)
        return rc;
    if (status != 200) {
        h->log(ctx, AMG_LOG_ERROR, "GET /cloud_directory/export/download: HTTP %ld", status);
        rc = AMG_EPROTO;
        goto out;
    }
    f = fdopen(fd, "r");
    if (!f) {
        h->log(ctx, AMG_LOG_ERROR, "bulk export download: %s", strerror(errno));
        rc = AMG_EIO;
        goto out;
    }
    fd = -1;
    h->log(ctx, AMG_LOG_DEBUG, "bulk export download: %zu bytes", len);
    rc = write_stream(h, ctx, f, out, written);
out:
    if (f)
        fclose(f);
    if (fd >= 0)
        close(fd);
    return rc;
}

static int download_in_memory(const struct amg_host *h, struct amg_ctx *ctx, const char *path,
                              struct amg_records *out, long *written)
{
    char *body = NULL;
    size_t len = 0;
    long status = 0;
    int rc;

    rc = h->request_raw(ctx, "GET", path, NULL, NULL, 0, &status, &body, &len);
    if (rc < 0)
        return rc;
    if (status != 200) {
        h->log(ctx, AMG_LOG_ERROR, "GET /cloud_directory/export/download: HTTP %ld", status);
        rc = AMG_EPROTO;
        goto out;
    }
    rc = write_all(h, ctx, body ? body : "", len, out, written);
out:
    free(body);
    return rc;
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
    if (AMG_HOST_HAS(h, request_to_file))
        rc = download_to_file(h, ctx, path, out, written);
    else
        rc = download_in_memory(h, ctx, path, out, written);
    if (rc < 0)
        return rc;
    /* The export holds every password hash: do not leave it at App ID
     * for its retention period. */
    if (h->request_raw(ctx, "DELETE", path, NULL, NULL, 0, &status, &body, &len) < 0 ||
        status / 100 != 2)
        h->log(ctx, AMG_LOG_WARN, "could not delete the bulk export at App ID (HTTP %ld); it "
               "expires by itself", status);
    free(body);
    return AMG_OK;
}

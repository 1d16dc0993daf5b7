/*
 * S3 client: options, object names and the operations of s3.h, on top of
 * the request engine in s3_request.c.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>
#include "fsutil.h"
#include "log.h"
#include "s3.h"
#include "s3_request.h"
#include "s3_url.h"
#include "s3_xml.h"
#include "sha256.h"
#include "snapshot.h"

#define DEFAULT_ATTEMPTS 4
#define MAX_ATTEMPTS 10
#define LIST_BODY_MAX (16 * 1024 * 1024)

/* ---- client ---- */

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

static int region_ok(const char *r)
{
    size_t i;

    if (!r || !*r || strlen(r) > 64)
        return 0;
    for (i = 0; r[i]; i++) {
        char c = r[i];

        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_'))
            return 0;
    }
    return 1;
}

/* Registration only fails for values too short to redact usefully. */
static int hide(const char *secret)
{
    int rc = amg_log_add_secret(secret);

    return rc == AMG_EINVAL ? AMG_OK : rc;
}

int amg_s3_new(const struct amg_s3_opts *o, struct amg_s3 **out)
{
    struct amg_s3 *s3 = NULL;
    size_t len;
    int rc = AMG_EINVAL;

    if (out)
        *out = NULL;
    if (!o || !out)
        goto out;
    rc = AMG_ENOMEM;
    s3 = calloc(1, sizeof(*s3));
    if (!s3)
        goto out;
    rc = amg_s3_url_parse(o->url, &s3->bucket, &s3->prefix);
    if (rc)
        goto out;
    rc = amg_s3_endpoint_check(o->endpoint, &s3->base);
    if (rc)
        goto out;
    rc = AMG_ECONFIG;
    if (!region_ok(o->region)) {
        amg_error("s3: region must be set ([A-Za-z0-9_-]+)");
        goto out;
    }
    if (!o->access_key || !*o->access_key || !o->secret_key || !*o->secret_key) {
        amg_error("s3: access key and secret key must be set");
        goto out;
    }
    if (o->list_page_size < 0 || o->list_page_size > 1000 || o->max_attempts < 0 ||
        o->max_attempts > MAX_ATTEMPTS) {
        amg_error("s3: list page size must be 0..1000 and attempts 0..%d", MAX_ATTEMPTS);
        goto out;
    }
    rc = hide(o->access_key);
    if (rc == AMG_OK)
        rc = hide(o->secret_key);
    if (rc)
        goto out;
    rc = AMG_ENOMEM;
    s3->access_key = dup_or_null(o->access_key);
    s3->secret_key = dup_or_null(o->secret_key);
    len = strlen(o->region) + sizeof("aws:amz::s3");
    s3->sigv4 = malloc(len);
    if (!s3->access_key || !s3->secret_key || !s3->sigv4)
        goto out;
    snprintf(s3->sigv4, len, "aws:amz:%s:s3", o->region);
    s3->page_size = o->list_page_size;
    s3->max_attempts = o->max_attempts ? o->max_attempts : DEFAULT_ATTEMPTS;
    s3->prng = (unsigned)time(NULL) ^ (unsigned)(uintptr_t)s3;
    s3->clock = o->clock ? o->clock : amg_clock_system();
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        goto out;
    s3->curl = curl_easy_init();
    if (!s3->curl) {
        curl_global_cleanup();
        goto out;
    }
    *out = s3;
    s3 = NULL;
    rc = AMG_OK;
out:
    amg_s3_free(s3);
    return rc;
}

void amg_s3_free(struct amg_s3 *s3)
{
    if (!s3)
        return;
    if (s3->curl) {
        curl_easy_cleanup(s3->curl);
        curl_global_cleanup();
    }
    if (s3->secret_key)
        explicit_bzero(s3->secret_key, strlen(s3->secret_key));
    free(s3->secret_key);
    free(s3->access_key);
    free(s3->sigv4);
    free(s3->base);
    free(s3->bucket);
    free(s3->prefix);
    free(s3);
}

/* Full key (prefix + key), its display name and its URL, or AMG_EINVAL. */
static int object_names(struct amg_s3 *s3, const char *key, char **what, char **url)
{
    char *full = NULL, *enc = NULL;
    int rc = AMG_EINVAL;

    *what = NULL;
    *url = NULL;
    if (!key || asprintf(&full, "%s%s", s3->prefix, key) < 0) {
        full = NULL;
        rc = key ? AMG_ENOMEM : AMG_EINVAL;
        goto out;
    }
    if (!amg_s3_key_ok(full)) {
        amg_error("s3://%s/%s: invalid object key", s3->bucket, full);
        goto out;
    }
    rc = AMG_ENOMEM;
    enc = amg_s3_uri_encode(full, 1);
    if (!enc || asprintf(what, "s3://%s/%s", s3->bucket, full) < 0) {
        *what = NULL;
        goto out;
    }
    if (asprintf(url, "%s/%s/%s", s3->base, s3->bucket, enc) < 0) {
        *url = NULL;
        goto out;
    }
    rc = AMG_OK;
out:
    if (rc) {
        free(*what);
        *what = NULL;
    }
    free(full);
    free(enc);
    return rc;
}

static int hex64_ok(const char *h)
{
    size_t i;

    for (i = 0; h[i]; i++)
        if (!((h[i] >= '0' && h[i] <= '9') || (h[i] >= 'a' && h[i] <= 'f')))
            return 0;
    return i == AMG_SHA256_HEX_LEN;
}

int amg_s3_put_file(struct amg_s3 *s3, const char *key, const char *path, const char *sha256_hex)
{
    struct amg_s3_req r = { .method = "PUT" };
    char hex[AMG_SHA256_HEX_LEN + 1];
    char *what = NULL, *url = NULL;
    FILE *fp = NULL;
    struct stat st;
    int rc = AMG_EINVAL;

    if (!s3 || !path || (sha256_hex && !hex64_ok(sha256_hex)))
        goto out;
    rc = object_names(s3, key, &what, &url);
    if (rc)
        goto out;
    rc = AMG_EIO;
    fp = fopen(path, "rbe");
    if (!fp || fstat(fileno(fp), &st) != 0) {
        amg_error("%s: cannot open: %s", path, strerror(errno));
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        amg_error("%s: not a regular file", path);
        goto out;
    }
    if (!sha256_hex) {
        rc = amg_sha256_file(path, hex);
        if (rc)
            goto out;
        sha256_hex = hex;
    }
    r.url = url;
    r.what = what;
    r.payload_hash = sha256_hex;
    r.upload = fp;
    r.upload_size = (long long)st.st_size;
    rc = amg_s3_perform(s3, &r);
out:
    if (fp)
        fclose(fp);
    free(what);
    free(url);
    return rc;
}

struct file_sink {
    int fd;
    const char *path;
};

static int file_write(void *ud, const char *data, size_t len)
{
    struct file_sink *f = ud;

    while (len > 0) {
        ssize_t n = write(f->fd, data, len);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            amg_error("%s: write failed: %s", f->path, strerror(errno));
            return -1;
        }
        data += n;
        len -= (size_t)n;
    }
    return 0;
}

static int file_reset(void *ud)
{
    struct file_sink *f = ud;

    if (ftruncate(f->fd, 0) != 0 || lseek(f->fd, 0, SEEK_SET) != 0) {
        amg_error("%s: cannot truncate: %s", f->path, strerror(errno));
        return -1;
    }
    return 0;
}

int amg_s3_get_file(struct amg_s3 *s3, const char *key, const char *dest_path)
{
    struct amg_s3_req r = { .method = "GET" };
    struct file_sink sink = { .fd = -1 };
    char *what = NULL, *url = NULL, *tmp = NULL, *slash;
    struct stat st;
    int rc = AMG_EINVAL;

    if (!s3 || !dest_path)
        goto out;
    rc = object_names(s3, key, &what, &url);
    if (rc)
        goto out;
    if (lstat(dest_path, &st) == 0) {
        amg_error("%s exists already; it is never overwritten", dest_path);
        rc = AMG_EEXIST;
        goto out;
    }
    rc = AMG_ENOMEM;
    if (asprintf(&tmp, "%s.part-XXXXXX", dest_path) < 0) {
        tmp = NULL;
        goto out;
    }
    rc = AMG_EIO;
    sink.fd = mkostemp(tmp, O_CLOEXEC);
    if (sink.fd < 0 || fchmod(sink.fd, 0600) != 0) {
        amg_error("%s: cannot create: %s", tmp, strerror(errno));
        if (sink.fd < 0) {
            free(tmp);
            tmp = NULL;
        }
        goto out;
    }
    sink.path = tmp;
    r.url = url;
    r.what = what;
    r.payload_hash = AMG_S3_EMPTY_SHA256;
    r.sink = file_write;
    r.reset = file_reset;
    r.sink_ud = &sink;
    rc = amg_s3_perform(s3, &r);
    if (rc == AMG_OK && fsync(sink.fd) != 0) {
        amg_error("%s: cannot sync: %s", tmp, strerror(errno));
        rc = AMG_EIO;
    }
    if (close(sink.fd) != 0 && rc == AMG_OK) {
        amg_error("%s: close failed: %s", tmp, strerror(errno));
        rc = AMG_EIO;
    }
    sink.fd = -1;
    if (rc == AMG_OK && amg_rename_noreplace(tmp, dest_path) != 0) {
        int e = errno;

        amg_error("%s: cannot rename into place: %s", dest_path, strerror(e));
        rc = e == EEXIST ? AMG_EEXIST : AMG_EIO;
    }
    if (rc == AMG_OK) {
        slash = strrchr(tmp, '/');
        if (slash)
            *slash = '\0';
        rc = amg_fsync_dir(slash ? (*tmp ? tmp : "/") : ".");
        free(tmp);
        tmp = NULL;
    }
out:
    if (sink.fd >= 0)
        close(sink.fd);
    if (tmp)
        unlink(tmp);
    free(tmp);
    free(what);
    free(url);
    return rc;
}

int amg_s3_head(struct amg_s3 *s3, const char *key, long long *size)
{
    struct amg_s3_req r = { .method = "HEAD", .quiet_404 = 1,
                            .payload_hash = AMG_S3_EMPTY_SHA256 };
    char *what = NULL, *url = NULL;
    int rc = AMG_EINVAL;

    if (!s3 || !size)
        goto out;
    *size = -1;
    rc = object_names(s3, key, &what, &url);
    if (rc)
        goto out;
    r.url = url;
    r.what = what;
    rc = amg_s3_perform(s3, &r);
    if (rc)
        goto out;
    if (r.content_length < 0) {
        amg_error("%s: HEAD answer without Content-Length", what);
        rc = AMG_EPROTO;
        goto out;
    }
    *size = r.content_length;
out:
    free(what);
    free(url);
    return rc;
}

int amg_s3_delete(struct amg_s3 *s3, const char *key)
{
    struct amg_s3_req r = { .method = "DELETE", .payload_hash = AMG_S3_EMPTY_SHA256 };
    char *what = NULL, *url = NULL;
    int rc = AMG_EINVAL;

    if (!s3)
        goto out;
    rc = object_names(s3, key, &what, &url);
    if (rc)
        goto out;
    r.url = url;
    r.what = what;
    rc = amg_s3_perform(s3, &r);
out:
    free(what);
    free(url);
    return rc;
}

/* ---- listing ---- */

static int body_add(void *ud, const char *data, size_t len)
{
    if (amg_s3_buf_add(ud, data, len) != 0) {
        amg_error("S3 list response larger than %d bytes or out of memory", LIST_BODY_MAX);
        return -1;
    }
    return 0;
}

static int body_reset(void *ud)
{
    ((struct amg_s3_buf *)ud)->len = 0;
    return 0;
}

struct list_ctx {
    const char *prefix;         /* the client's */
    size_t prefix_len;
    amg_s3_list_fn fn;
    void *ud;
};

static int list_one(void *ud, const char *key, long long size)
{
    struct list_ctx *l = ud;

    if (strncmp(key, l->prefix, l->prefix_len) != 0 || !key[l->prefix_len]) {
        amg_error("S3 list response: key '%s' is outside the prefix '%s'", key, l->prefix);
        return AMG_EPROTO;
    }
    return l->fn(l->ud, key + l->prefix_len, size);
}

/* ListObjectsV2 URL for one page. libcurl 7.88 signs the query string as
 * given, so it is built in canonical form: names sorted, values encoded. */
static char *page_url(struct amg_s3 *s3, const char *full_prefix, const char *token)
{
    char *enc_prefix = amg_s3_uri_encode(full_prefix, 0);
    char *enc_token = token ? amg_s3_uri_encode(token, 0) : NULL;
    char max_keys[32] = "";
    char *url = NULL;

    if (!enc_prefix || (token && !enc_token))
        goto out;
    if (s3->page_size > 0)
        snprintf(max_keys, sizeof(max_keys), "&max-keys=%ld", s3->page_size);
    if (asprintf(&url, "%s/%s?%s%s%slist-type=2%s%s%s", s3->base, s3->bucket,
                 token ? "continuation-token=" : "", token ? enc_token : "", token ? "&" : "",
                 max_keys, *full_prefix ? "&prefix=" : "", enc_prefix) < 0)
        url = NULL;
out:
    free(enc_prefix);
    free(enc_token);
    return url;
}

int amg_s3_list(struct amg_s3 *s3, const char *prefix, amg_s3_list_fn fn, void *ud)
{
    struct amg_s3_buf body = { .max = LIST_BODY_MAX };
    struct list_ctx l = { .fn = fn, .ud = ud };
    char *full = NULL, *what = NULL, *url = NULL, *token = NULL, *next = NULL;
    int truncated = 1;
    int rc = AMG_EINVAL;

    if (!s3 || !fn)
        goto out;
    rc = AMG_ENOMEM;
    if (asprintf(&full, "%s%s", s3->prefix, prefix ? prefix : "") < 0) {
        full = NULL;
        goto out;
    }
    rc = AMG_EINVAL;
    if (!amg_s3_prefix_ok(full)) {
        amg_error("s3://%s/%s: invalid list prefix", s3->bucket, full);
        goto out;
    }
    rc = AMG_ENOMEM;
    if (asprintf(&what, "s3://%s/%s", s3->bucket, full) < 0) {
        what = NULL;
        goto out;
    }
    l.prefix = s3->prefix;
    l.prefix_len = strlen(s3->prefix);
    while (truncated) {
        struct amg_s3_req r = { .method = "GET", .what = what,
                                .payload_hash = AMG_S3_EMPTY_SHA256,
                                .sink = body_add, .reset = body_reset, .sink_ud = &body };

        rc = AMG_ENOMEM;
        free(url);
        url = page_url(s3, full, token);
        if (!url)
            goto out;
        r.url = url;
        rc = amg_s3_perform(s3, &r);
        if (rc)
            goto out;
        rc = amg_s3_xml_list_page(body.data ? body.data : "", body.len, list_one, &l,
                                  &truncated, &next);
        if (rc)
            goto out;
        /* A server that hands back the same token would loop for ever. */
        if (truncated && token && strcmp(token, next) == 0) {
            amg_error("%s: the store repeated a continuation token", what);
            rc = AMG_EPROTO;
            goto out;
        }
        free(token);
        token = next;
        next = NULL;
    }
    rc = AMG_OK;
out:
    free(body.data);
    free(full);
    free(what);
    free(url);
    free(token);
    free(next);
    return rc;
}

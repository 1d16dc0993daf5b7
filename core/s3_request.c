/*
 * S3 request engine: one libcurl easy handle per client (connections are
 * reused), retries with backoff, error bodies turned into messages.
 *
 * libcurl 7.88 signs with SigV4 but neither adds x-amz-content-sha256
 * (S3 and COS require it; s3rver too) nor sorts the query string, so we
 * send that header ourselves, include it in the signature, and build
 * query strings already sorted and encoded. For uploads we send the real
 * SHA-256 of the body rather than UNSIGNED-PAYLOAD: the store then checks
 * the body against the signed hash, so a corrupted upload is refused
 * instead of stored. It costs one extra read of the file (or nothing when
 * the snapshot manifest already has the hash).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "log.h"
#include "s3_request.h"
#include "retry.h"
#include "s3_xml.h"

#if LIBCURL_VERSION_NUM < 0x074b00
#error "the S3 client needs libcurl >= 7.75 (CURLOPT_AWS_SIGV4)"
#endif

#define ERR_BODY_MAX 8192

/* Per-attempt state the curl callbacks see. */
struct attempt {
    struct amg_s3_req *r;
    CURL *curl;
    int local_error;            /* the sink or the upload file failed */
    struct amg_s3_buf err;      /* start of a non-2xx body */
};

int amg_s3_buf_add(struct amg_s3_buf *b, const char *data, size_t len)
{
    char *p;

    if (len > b->max - b->len)
        return -1;
    p = realloc(b->data, b->len + len + 1);
    if (!p)
        return -1;
    memcpy(p + b->len, data, len);
    b->data = p;
    b->len += len;
    b->data[b->len] = '\0';
    return 0;
}

static size_t on_write(char *data, size_t size, size_t n, void *ud)
{
    struct attempt *a = ud;
    size_t len = size * n;
    long code = 0;

    curl_easy_getinfo(a->curl, CURLINFO_RESPONSE_CODE, &code);
    if (code >= 200 && code < 300) {
        if (a->r->sink && a->r->sink(a->r->sink_ud, data, len) != 0) {
            a->local_error = 1;
            return 0;
        }
        return len;
    }
    /* Keep the start of an error body for its <Code>; drop the rest. */
    if (a->err.len < a->err.max) {
        size_t room = a->err.max - a->err.len;

        amg_s3_buf_add(&a->err, data, len < room ? len : room);
    }
    return len;
}

static size_t on_read(char *dst, size_t size, size_t n, void *ud)
{
    struct attempt *a = ud;
    size_t got = fread(dst, 1, size * n, a->r->upload);

    if (got == 0 && ferror(a->r->upload)) {
        amg_error("%s: cannot read the upload: %s", a->r->what, strerror(errno));
        a->local_error = 1;
        return CURL_READFUNC_ABORT;
    }
    return got;
}

static int on_seek(void *ud, curl_off_t offset, int origin)
{
    struct attempt *a = ud;

    return fseeko(a->r->upload, (off_t)offset, origin) == 0 ? CURL_SEEKFUNC_OK
                                                             : CURL_SEEKFUNC_FAIL;
}

/* Transport failures worth another attempt; local or TLS trust problems
 * are not. */
static int curl_transient(CURLcode res)
{
    switch (res) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
        return 1;
    default:
        return 0;
    }
}

static CURLcode setup(struct amg_s3 *s3, struct attempt *a, struct curl_slist *headers)
{
    const struct amg_s3_req *r = a->r;
    CURL *c = s3->curl;
    CURLcode e = CURLE_OK;

    curl_easy_reset(c);
#define SET(opt, val) do { if (e == CURLE_OK) e = curl_easy_setopt(c, opt, val); } while (0)
    SET(CURLOPT_URL, r->url);
    SET(CURLOPT_NOSIGNAL, 1L);
#if LIBCURL_VERSION_NUM >= 0x075500
    SET(CURLOPT_PROTOCOLS_STR, "http,https");
#else
    SET(CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
    SET(CURLOPT_FOLLOWLOCATION, 0L);
    SET(CURLOPT_SSL_VERIFYPEER, 1L);
    SET(CURLOPT_SSL_VERIFYHOST, 2L);
    /* Keys are sent exactly as encoded (and signed). */
    SET(CURLOPT_PATH_AS_IS, 1L);
    SET(CURLOPT_CONNECTTIMEOUT, 30L);
    /* A stalled transfer is a transport error (and retried), not a hang. */
    SET(CURLOPT_LOW_SPEED_LIMIT, 1L);
    SET(CURLOPT_LOW_SPEED_TIME, 60L);
    SET(CURLOPT_USERAGENT, "appid-migrate/" PACKAGE_VERSION);
    SET(CURLOPT_AWS_SIGV4, s3->sigv4);
    SET(CURLOPT_USERNAME, s3->access_key);
    SET(CURLOPT_PASSWORD, s3->secret_key);
    SET(CURLOPT_HTTPHEADER, headers);
    SET(CURLOPT_ERRORBUFFER, s3->errbuf);
    SET(CURLOPT_WRITEFUNCTION, on_write);
    SET(CURLOPT_WRITEDATA, a);
    if (r->upload) {
        SET(CURLOPT_UPLOAD, 1L);
        SET(CURLOPT_READFUNCTION, on_read);
        SET(CURLOPT_READDATA, a);
        SET(CURLOPT_SEEKFUNCTION, on_seek);
        SET(CURLOPT_SEEKDATA, a);
        SET(CURLOPT_INFILESIZE_LARGE, (curl_off_t)r->upload_size);
    } else if (strcmp(r->method, "HEAD") == 0) {
        SET(CURLOPT_NOBODY, 1L);
    } else if (strcmp(r->method, "GET") != 0) {
        SET(CURLOPT_CUSTOMREQUEST, r->method);
    }
#undef SET
    return e;
}

/* Log the final failure and map it to a status. */
static int failed(const struct amg_s3_req *r, const struct amg_s3_buf *body,
                  const char *curl_msg)
{
    char *code = NULL, *message = NULL;
    int rc;

    if (r->status == 0) {
        amg_error("%s: %s failed: %s", r->what, r->method, curl_msg);
        return AMG_EHTTP;
    }
    if (r->status == 404 && r->quiet_404)
        return AMG_ENOTFOUND;
    amg_s3_xml_error(body->data, body->len, &code, &message);
    amg_error("%s: %s answered HTTP %ld%s%s%s%s", r->what, r->method, r->status,
              code ? " " : "", code ? code : "", message ? ": " : "", message ? message : "");
    if (r->status == 401 || r->status == 403)
        rc = AMG_EAUTH;
    else if (r->status == 404)
        rc = AMG_ENOTFOUND;
    else if (r->status >= 500)
        rc = AMG_EHTTP;
    else
        rc = AMG_EPROTO;
    free(code);
    free(message);
    return rc;
}

/* The same retry policy as for App ID (retry.h): 429, 5xx (S3's 503
 * SlowDown among them) and transient transport errors, exponential
 * backoff with jitter, capped at 8 s a wait for uploads that stream. */
int amg_s3_perform(struct amg_s3 *s3, struct amg_s3_req *r)
{
    struct attempt a = { .r = r, .curl = s3->curl, .err = { .max = ERR_BODY_MAX } };
    struct curl_slist *headers = NULL;
    struct amg_retry_policy policy;
    char hdr[128];
    double delay;
    int n;
    int rc = AMG_ENOMEM;
    CURLcode res = CURLE_OK;

    r->status = 0;
    r->content_length = -1;
    snprintf(hdr, sizeof(hdr), "x-amz-content-sha256: %s", r->payload_hash);
    headers = curl_slist_append(NULL, hdr);
    if (!headers)
        goto out;
    for (n = 1;; n++) {
        curl_off_t clen = -1;
        int transient;

        a.err.len = 0;
        a.local_error = 0;
        r->status = 0;
        s3->errbuf[0] = '\0';
        if (r->upload && fseeko(r->upload, 0, SEEK_SET) != 0) {
            amg_error("%s: cannot rewind the upload: %s", r->what, strerror(errno));
            rc = AMG_EIO;
            goto out;
        }
        if (r->reset && r->reset(r->sink_ud) != 0) {
            rc = AMG_EIO;
            goto out;
        }
        if (setup(s3, &a, headers) != CURLE_OK) {
            amg_error("%s: libcurl refused an option (no SigV4 support?)", r->what);
            rc = AMG_EHTTP;
            goto out;
        }
        res = curl_easy_perform(s3->curl);
        if (a.local_error) {
            rc = AMG_EIO;
            goto out;
        }
        if (res == CURLE_OK) {
            curl_easy_getinfo(s3->curl, CURLINFO_RESPONSE_CODE, &r->status);
            if (r->status >= 200 && r->status < 300) {
                if (curl_easy_getinfo(s3->curl, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T,
                                      &clen) == CURLE_OK)
                    r->content_length = (long long)clen;
                rc = AMG_OK;
                goto out;
            }
            transient = amg_retry_should(r->status);
        } else {
            transient = curl_transient(res);
        }
        if (!transient || n >= s3->max_attempts)
            break;
        amg_retry_policy_default(&policy);
        policy.max_s = 8;
        delay = amg_retry_delay(&policy, n, r->status, -1,
                                rand_r(&s3->prng) / ((double)RAND_MAX + 1.0));
        if (r->status)
            amg_warn("%s: %s attempt %d of %d answered HTTP %ld; retrying in %.1f s",
                     r->what, r->method, n, s3->max_attempts, r->status, delay);
        else
            amg_warn("%s: %s attempt %d of %d failed (%s); retrying in %.1f s", r->what,
                     r->method, n, s3->max_attempts, curl_easy_strerror(res), delay);
        s3->clock->sleep(s3->clock->ud, delay);
    }
    rc = failed(r, &a.err, s3->errbuf[0] ? s3->errbuf : curl_easy_strerror(res));
out:
    curl_slist_free_all(headers);
    free(a.err.data);
    return rc;
}

/*
 * Client for S3-compatible object stores (IBM Cloud Object Storage, AWS
 * S3, s3rver in tests) on libcurl, for keeping snapshots off-site.
 *
 * Addressing is path-style (ENDPOINT/BUCKET/KEY), which COS and s3rver
 * both serve. Requests are signed with AWS Signature V4 by libcurl
 * (CURLOPT_AWS_SIGV4 "aws:amz:REGION:s3"). Uploads and downloads stream
 * between disk and network in libcurl's buffers: memory does not grow
 * with the object size.
 *
 * A client is bound to one location "s3://BUCKET/PREFIX": every key given
 * to or returned by the functions below is relative to PREFIX (a "folder":
 * "s3://b/backups" and "s3://b/backups/" both mean keys "backups/<key>").
 * Keys are UTF-8, 1..1024 bytes with the prefix, without control
 * characters, a leading '/', or empty, "." or ".." segments; any other
 * character (space, '+', '?', '#', '%', non-ASCII) is fine and is
 * percent-encoded per RFC 3986 on the wire. A bad key is AMG_EINVAL.
 *
 * Errors are logged naming the object as "s3://BUCKET/KEY" and the
 * server's error code, and returned as:
 *   AMG_EAUTH      401/403 (wrong credentials, no permission)
 *   AMG_ENOTFOUND  404 (no such object or bucket)
 *   AMG_EHTTP      transport failure or 5xx after all attempts
 *   AMG_EPROTO     any other answer, or a list response we cannot parse
 *   AMG_EIO        local file errors; AMG_EEXIST when a download target exists
 * Transport errors and 5xx answers are retried (opts.max_attempts in all)
 * with exponential backoff 0.5 s, 1 s, 2 s, ... capped at 8 s.
 *
 * Security: https certificates are always verified (system CA store);
 * plain http is refused except to loopback hosts (127.0.0.0/8, localhost,
 * [::1]), for tests and local gateways. Access and secret key are
 * registered with amg_log_add_secret() and never logged; redirects are
 * not followed.
 *
 * A client is not thread-safe: use one per thread.
 */
#ifndef AMG_S3_H
#define AMG_S3_H

#include "clock.h"

struct amg_s3;

struct amg_s3_opts {
    const char *url;            /* "s3://BUCKET[/PREFIX]" */
    const char *endpoint;       /* "https://s3.eu-de.cloud-object-storage.appdomain.cloud",
                                 * "http://127.0.0.1:PORT"; no path, query or user */
    const char *region;         /* signing region, e.g. "eu-de", "us-east-1" */
    const char *access_key;     /* HMAC access key id */
    const char *secret_key;     /* HMAC secret access key */
    long list_page_size;        /* max-keys per list request; 0 = server default (1000) */
    int max_attempts;           /* attempts per request; 0 = default 4 */
    const struct amg_clock *clock;  /* backoff sleeps; NULL = amg_clock_system() */
};

/* Check the options and create a client; all strings are copied. Bad
 * options (URL, bucket name, endpoint, plain http to a remote host,
 * missing region or keys) are AMG_ECONFIG, logged. No network access. */
int amg_s3_new(const struct amg_s3_opts *opts, struct amg_s3 **out);

/* Free the client and its connections (wiping the keys). NULL is a no-op. */
void amg_s3_free(struct amg_s3 *s3);

/*
 * Upload the file `path` as `key`, streaming from disk. `sha256_hex` is
 * the file's SHA-256 as 64 lowercase hex digits when the caller has it
 * already (the snapshot manifest does), or NULL to compute it first in a
 * streaming pass. It is sent as x-amz-content-sha256 and signed, so the
 * store rejects a body that does not match (integrity in transit).
 * Replaces an existing object.
 */
int amg_s3_put_file(struct amg_s3 *s3, const char *key, const char *path,
                    const char *sha256_hex);

/*
 * Download `key` into `dest_path`, streaming to a temporary file next to
 * it (mode 0600) that is synced and renamed into place only once complete.
 * `dest_path` must not exist (AMG_EEXIST): nothing is overwritten. On any
 * failure no file is left behind.
 */
int amg_s3_get_file(struct amg_s3 *s3, const char *key, const char *dest_path);

/* Size of `key` in *size (HEAD). AMG_ENOTFOUND, not logged as an error,
 * when there is no such object. */
int amg_s3_head(struct amg_s3 *s3, const char *key, long long *size);

/* Delete `key`. Deleting a missing key succeeds (S3 semantics). */
int amg_s3_delete(struct amg_s3 *s3, const char *key);

/*
 * Called once per object, in the store's (byte-wise ascending) key order.
 * `key` is relative to the client's prefix and borrowed for the call.
 * A non-zero return stops the listing and is returned by amg_s3_list().
 */
typedef int (*amg_s3_list_fn)(void *ud, const char *key, long long size);

/* List every object whose key (relative to the client's prefix) starts
 * with `prefix` (NULL or "" for all), following ListObjectsV2
 * continuation tokens page by page (one page in memory at a time). */
int amg_s3_list(struct amg_s3 *s3, const char *prefix, amg_s3_list_fn fn, void *ud);

#endif

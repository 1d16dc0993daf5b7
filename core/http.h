/*
 * HTTP client for one App ID instance, on libcurl: IAM token from the API
 * key (cached, refreshed before expiry), bearer auth, connection reuse,
 * JSON in and out through jansson, retries (retry.h) and the per-instance
 * rate limiter (ratelimit.h). TLS verification is always on for https.
 * Nothing secret is logged: the API key and tokens are registered with
 * amg_log_add_secret().
 */
#ifndef AMG_HTTP_H
#define AMG_HTTP_H

#include <stddef.h>
#include <jansson.h>
#include "clock.h"
#include "retry.h"
#include "appid-migrate/plugin.h"

struct amg_http_opts {
    const char *base_url;      /* e.g. https://us-south.appid.cloud.ibm.com */
    const char *tenant_id;
    const char *iam_url;       /* token endpoint */
    const char *api_key;       /* copied; never logged */
    long timeout_s;            /* whole request; default 30 */
    double max_rps;            /* <= 0: unlimited */
    struct amg_retry_policy retry; /* all zero = amg_retry_policy_default() */
    const struct amg_clock *clock; /* NULL = system clock; borrowed */
    unsigned seed;             /* jitter seed for rand_r(); 0 = from time */
    int concurrency;           /* requests in flight in a pipeline; 0 = 8 */
    size_t max_response_bytes; /* larger answers fail with AMG_EPROTO;
                                * 0 = 64 MiB */
};

struct amg_http_stats {
    long requests;   /* HTTP requests sent, including retries and IAM */
    long retries;
    long throttled;  /* 429 answers */
};

struct amg_http;

/* The strings in `opts` are copied. AMG_EINVAL (logged) for a missing
 * field, a tenant id with URL syntax in it, or a URL refused by
 * amg_http_check_url(). Free with amg_http_free(). */
int amg_http_new(const struct amg_http_opts *opts, struct amg_http **out);
void amg_http_free(struct amg_http *h);

/*
 * JSON request to base_url + "/management/v4/" + tenant + path. `body` is
 * borrowed (NULL: no body). Retries 429/5xx/transport errors per policy,
 * except transport errors another attempt cannot fix (TLS verification,
 * malformed URL).
 * Returns 0 with the final *status and *response (new reference, NULL for
 * an empty or non-JSON body) for any HTTP answer other than 401/403;
 * AMG_EAUTH when the token cannot be obtained or the instance answers
 * 401/403 even after one token refresh; AMG_EHTTP when retries (to the
 * instance or to IAM) are exhausted without an answer (logged with method
 * and path; the query string is never logged); AMG_EPROTO when the answer
 * is larger than max_response_bytes; AMG_EINVAL for a method other than
 * GET, POST, PUT, DELETE, a path not starting with '/', or a body on a
 * GET. `path` is used as given: callers percent-encode it.
 */
int amg_http_json(struct amg_http *h, const char *method, const char *path,
                  json_t *body, long *status, json_t **response);

/*
 * Raw request, for media: `target` is a management path (starting with
 * '/', relative to /management/v4/{tenant}) or an absolute URL. The
 * bearer token goes only to the instance's own host; other hosts must be
 * https (or loopback). `content_type` names the body's type (NULL when
 * there is no body). On 0, *status is the final status and *resp the body
 * (malloc'd, NUL-terminated, NULL when empty; caller frees) of *resp_len
 * bytes. Errors as amg_http_json().
 */
int amg_http_raw(struct amg_http *h, const char *method, const char *target,
                 const char *content_type, const void *body, size_t body_len,
                 long *status, char **resp, size_t *resp_len);

/*
 * Request without a body whose answer may be larger than memory should
 * hold (a bulk export download): the body is written to `fd` (a regular
 * file open for writing, borrowed; emptied before every attempt) with no
 * size cap. On 0, *status is the final status and *len the body's size;
 * the file offset is then at its end. Errors as amg_http_raw(), plus
 * AMG_EIO when the file cannot be written.
 */
int amg_http_to_file(struct amg_http *h, const char *method, const char *target, int fd,
                     long *status, size_t *len);

/* Obtain (or reuse) a token now; AMG_EAUTH with a logged reason when IAM
 * refuses the key or answers without a token, AMG_EHTTP when IAM cannot be
 * reached after all retries. Used to fail fast before a run starts. */
int amg_http_authenticate(struct amg_http *h);

/* Borrowed, valid until amg_http_free(); read it while no request is in
 * flight. */
const struct amg_http_stats *amg_http_stats(const struct amg_http *h);

/* Callbacks of amg_http_pipeline(); see struct amg_request in plugin.h. */
typedef int (*amg_request_next_fn)(void *ud, struct amg_request *req);
typedef int (*amg_request_done_fn)(void *ud, struct amg_request *req);

/*
 * Many JSON requests at once over libcurl's multi interface: up to the
 * client's concurrency in flight, each attempt taking a rate-limiter
 * token, 429 always retried (with App ID's block), 5xx and transport
 * errors retried only for idempotent requests, one token refresh on 401.
 * Answers are handed to done() in submission order; at most twice the
 * concurrency are held at once, so memory does not grow with the number
 * of requests. Returns 0, the first negative value from next()/done(),
 * or AMG_ENOMEM / AMG_EHTTP when the pipeline itself failed.
 */
int amg_http_pipeline(struct amg_http *h, amg_request_next_fn next, amg_request_done_fn done,
                      void *ud);

/*
 * 0 when `url` may be used: https anywhere, plain http only to a loopback
 * host (127.0.0.0/8, ::1, localhost), i.e. an emulator. Otherwise
 * AMG_EINVAL, logged. `loopback` (may be NULL) is set to 1 for a loopback
 * host, which is then always reached without a proxy.
 */
int amg_http_check_url(const char *url, int *loopback);

#endif

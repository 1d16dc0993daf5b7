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

struct amg_http_opts {
    const char *base_url;      /* e.g. https://us-south.appid.cloud.ibm.com */
    const char *tenant_id;
    const char *iam_url;       /* token endpoint */
    const char *api_key;       /* copied; never logged */
    long timeout_s;            /* whole request; default 30 */
    double max_rps;            /* <= 0: unlimited */
    struct amg_retry_policy retry;
    const struct amg_clock *clock; /* NULL = system clock; borrowed */
    unsigned seed;             /* jitter seed; 0 = from time */
};

struct amg_http_stats {
    long requests;   /* HTTP requests sent, including retries and IAM */
    long retries;
    long throttled;  /* 429 answers */
};

struct amg_http;

int amg_http_new(const struct amg_http_opts *opts, struct amg_http **out);
void amg_http_free(struct amg_http *h);

/*
 * JSON request to base_url + "/management/v4/" + tenant + path. `body` is
 * borrowed (NULL: no body). Retries 429/5xx/transport errors per policy.
 * Returns 0 with the final *status and *response (new reference, NULL for
 * an empty or non-JSON body) for any HTTP answer other than 401/403;
 * AMG_EAUTH when the token cannot be obtained or the instance answers
 * 401/403 even after one token refresh; AMG_EHTTP when retries are
 * exhausted without an answer (logged with method and path).
 */
int amg_http_json(struct amg_http *h, const char *method, const char *path,
                  json_t *body, long *status, json_t **response);

/* Obtain (or reuse) a token now; AMG_EAUTH with a logged reason when IAM
 * refuses the key. Used to fail fast before a run starts. */
int amg_http_authenticate(struct amg_http *h);

const struct amg_http_stats *amg_http_stats(const struct amg_http *h);

#endif

/*
 * Internals of the HTTP client shared by http.c (one request at a time),
 * http_token.c (the IAM token) and pipeline.c (many in flight over
 * libcurl's multi interface). Not for other modules: they use http.h.
 */
#ifndef AMG_HTTP_PRIV_H
#define AMG_HTTP_PRIV_H

#include <pthread.h>
#include "http.h"
#include "iam.h"
#include "xfer.h"

struct amg_http {
    struct amg_xfer_client xc;  /* curl handle, stats, retries */
    pthread_mutex_t token_lock; /* token; held across a refresh so that
                                 * concurrent callers wait for one fetch */
    int token_lock_ready;
    char *base_url;             /* without trailing '/' */
    char *tenant_id;
    char *iam_url;
    char *iam_form;             /* grant form with the escaped key: secret */
    int base_loopback;
    int iam_loopback;
    struct amg_iam_token token;
    int concurrency;            /* pipeline width */
};

/* a + b + c as a new string; NULL when out of memory. */
char *amg_http_join3(const char *a, const char *b, const char *c);

/* Build h->iam_form (owned by h, secret) from `api_key`, and register the
 * key and its escaped form with the log's redaction. 0 or AMG_ENOMEM. */
int amg_http_make_iam_form(struct amg_http *h, const char *api_key);

/* The Authorization header line for a usable token (fetched if needed);
 * *bearer is a new string holding the token (wipe before freeing), NULL
 * when `bearer` is NULL. `generation` identifies the token. */
int amg_http_bearer(struct amg_http *h, char **bearer, unsigned long *generation);

/* Forget token `generation` after a 401 so the next caller fetches one. */
void amg_http_drop_token(struct amg_http *h, unsigned long generation);

/* "METHOD PATH" without the query string, for log lines; new string. */
char *amg_http_describe(const char *method, const char *path);

/* GET, POST, PUT or DELETE. */
int amg_http_method_ok(const char *method);

/* Debug-log an answer that should have been JSON. */
void amg_http_log_non_json(const char *what, long status, const struct amg_xfer_answer *a,
                           const char *why);

#endif

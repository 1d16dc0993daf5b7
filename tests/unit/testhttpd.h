/*
 * A scripted HTTP server for the HTTP client's tests, on libmicrohttpd,
 * bound to 127.0.0.1 on a free port. Requests to /identity/token take the
 * next answer from the IAM queue, all others from the API queue; every
 * request is recorded. An empty queue answers 500 "unscripted".
 */
#ifndef AMG_TESTHTTPD_H
#define AMG_TESTHTTPD_H

#include <pthread.h>
#include <stddef.h>

#define TESTHTTPD_QUEUE 64
#define TESTHTTPD_SEEN 64

struct testhttpd_answer {
    unsigned status;
    char *body;              /* owned */
    char *retry_after;       /* owned; NULL: no Retry-After header */
    int chunked;             /* no Content-Length */
};

struct testhttpd_request {
    char method[16];
    char url[256];           /* path without the query */
    char query[256];         /* "k=v&k=v", decoded */
    char authorization[256];
    char content_type[128];
    char accept[128];
    char *body;              /* owned, NUL-terminated */
    size_t body_len;
};

struct testhttpd_queue {
    struct testhttpd_answer items[TESTHTTPD_QUEUE];
    int count;
    int next;
};

struct testhttpd {
    void *daemon;            /* struct MHD_Daemon */
    unsigned short port;
    char base_url[64];       /* http://127.0.0.1:<port> */
    char iam_url[96];        /* base_url + /identity/token */
    pthread_mutex_t lock;
    struct testhttpd_queue iam;
    struct testhttpd_queue api;
    struct testhttpd_request seen[TESTHTTPD_SEEN];
    int nseen;
    int connections;         /* TCP connections accepted */
};

/* 0 on success. */
int testhttpd_start(struct testhttpd *s);
/* Stops listening; queues and records stay readable until _free. */
void testhttpd_stop(struct testhttpd *s);
void testhttpd_free(struct testhttpd *s);

/* Queue an answer; `retry_after` may be NULL. Status 0 closes the
 * connection without any answer. Returns 0 on success. */
int testhttpd_push(struct testhttpd_queue *q, unsigned status, const char *body,
                   const char *retry_after, int chunked);
/* Queue a token answer from IAM. */
int testhttpd_push_token(struct testhttpd *s, const char *token, double expires_in,
                         double expiration);

/* How many recorded requests went to IAM (path /identity/token). */
int testhttpd_count_iam(const struct testhttpd *s);
/* The n-th recorded request that did not go to IAM, or NULL. */
const struct testhttpd_request *testhttpd_api_request(const struct testhttpd *s, int n);
const struct testhttpd_request *testhttpd_iam_request(const struct testhttpd *s, int n);

#endif

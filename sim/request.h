/*
 * Request and reply as seen by appid-sim's handlers. The MHD glue
 * (server.c) fills a struct sim_request and sends whatever the handler
 * put in the struct sim_reply, so handlers never touch libmicrohttpd and
 * unit tests can drive them with hand-built requests.
 *
 * Every JSON reply is dumped with JSON_COMPACT | JSON_SORT_KEYS, so that
 * shell tests can compare exact strings.
 */
#ifndef SIM_REQUEST_H
#define SIM_REQUEST_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <sys/types.h>
#include <jansson.h>

/* Largest request body the sim accepts; bigger ones get 413. */
#define SIM_MAX_BODY (1024 * 1024)

struct sim_tenants;
struct sim_iam;
struct sim_ratelimit;
struct sim_faults;
struct sim_users;
struct sim_jobs;
struct sim_oauth;
struct sim_hostile;

/* What every handler may use. All members are borrowed from main(). */
struct sim_env {
    struct sim_tenants *tenants;
    struct sim_iam *iam;
    const char *base_url;    /* "http://127.0.0.1:PORT", no trailing slash */
    const char *region;      /* --region, for region-specific URLs */
    struct sim_ratelimit *ratelimit;  /* per-tenant limit; NULL: none */
    struct sim_faults *faults;        /* fault injection; NULL: none */
    struct sim_users *users; /* CD users and profiles (NULL: endpoints absent) */
    struct sim_jobs *jobs;   /* asynchronous CD export/import requests */
    struct sim_oauth *oauth; /* OAuth token endpoint (NULL: absent) */
    unsigned pbkdf2_iterations;  /* --pbkdf2-iterations for new passwords */
    const struct sim_hostile *hostile;  /* --hostile answers; NULL: none */
    FILE *token_log;         /* --token-log: issued tokens, one a line; NULL: none */
};

struct sim_request {
    const char *method;        /* "GET", "PUT", ... */
    const char *path;          /* decoded path without the query string */
    const char *content_type;  /* Content-Type header or NULL */
    const char *authorization; /* Authorization header or NULL */
    const char *body;          /* body bytes (not NUL-terminated) or NULL */
    size_t body_len;
    int body_too_large;        /* body exceeded SIM_MAX_BODY, was dropped */
    /* Query parameter lookup; NULL when absent. `ud` is the server's. */
    const char *(*query)(void *ud, const char *key);
    void *query_ud;
};

struct sim_reply {
    int status;                 /* 0 until a handler answered */
    char *body;                 /* owned; NULL for an empty body */
    size_t body_len;
    const char *content_type;   /* static string; NULL with no body */
    const char *extra_header;   /* static header name (e.g. "Allow") */
    char extra_value[128];
    /* Streamed body (large downloads), instead of `body`: the server sends
     * stream_len bytes pulled from stream_read (libmicrohttpd's content
     * reader contract: bytes written, -2 to abort) and then calls
     * stream_free(stream_cls). Owned by the reply until sent. */
    ssize_t (*stream_read)(void *cls, uint64_t pos, char *buf, size_t max);
    void (*stream_free)(void *cls);
    void *stream_cls;
    uint64_t stream_len;
};

/* Query parameter `key` or NULL. The string is borrowed from the server. */
const char *sim_request_query(const struct sim_request *req, const char *key);

/* 1 if the request's Content-Type is application/json (parameters such as
 * charset allowed), else 0. */
int sim_request_is_json(const struct sim_request *req);

/*
 * Parse the body of a JSON write request. On success returns 0 and *out is
 * a new reference to a JSON object. Otherwise fills `rep` with the right
 * error (415 wrong content type, 400 malformed JSON or not an object) and
 * returns a negative status.
 */
int sim_request_json_object(const struct sim_request *req, struct sim_reply *rep,
                            json_t **out);

/* Release the reply body; the struct can be reused afterwards. */
void sim_reply_clear(struct sim_reply *rep);

/* Reply with `body` dumped as compact, key-sorted JSON. Steals `body`
 * (may be NULL only on allocation failure, which becomes a 500). */
int sim_reply_json(struct sim_reply *rep, int status, json_t *body);

/* Reply with a plain-text body. `text` is copied. */
int sim_reply_text(struct sim_reply *rep, int status, const char *text);

/* Reply with a streamed body of `len` bytes (see struct sim_reply);
 * takes `cls`, released through `free_fn` in every case. */
void sim_reply_stream(struct sim_reply *rep, int status, const char *ctype, uint64_t len,
                      ssize_t (*read_fn)(void *cls, uint64_t pos, char *buf, size_t max),
                      void (*free_fn)(void *cls), void *cls);

/* Reply with no body (204 and friends). */
void sim_reply_empty(struct sim_reply *rep, int status);

/* Management-API error: {"error":"<reason phrase>","message":"<text>",
 * "status":<status>}. */
int sim_reply_error(struct sim_reply *rep, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Set the one extra header a reply can carry (Allow, WWW-Authenticate).
 * `name` must be a static string; `value` is copied (truncated at 127). */
void sim_reply_header(struct sim_reply *rep, const char *name, const char *value);

/* Standard reason phrase for an HTTP status ("Not Found"), never NULL. */
const char *sim_reason_phrase(int status);

#endif

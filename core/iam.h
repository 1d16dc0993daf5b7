/*
 * The IAM access token an amg_http client caches, and the parts of the
 * API-key grant that need no network: reading IAM's answer and deciding
 * when a token must be replaced. The exchange itself is in http.c.
 */
#ifndef AMG_IAM_H
#define AMG_IAM_H

#include <stddef.h>

struct amg_iam_token {
    char *access_token;       /* owned, secret; NULL when none is cached */
    double obtained;          /* wall clock (epoch s) when IAM answered */
    double expires_in;        /* lifetime in seconds */
    double expiration;        /* epoch seconds */
    /* Counts parsed tokens, so that a request that failed with an old
     * token does not throw away a newer one another thread fetched. */
    unsigned long generation;
};

/*
 * Read a successful IAM answer (`body`, `len` bytes, borrowed) received at
 * wall time `now`. On success the previous token in `tok` is wiped and
 * replaced and the generation bumped; on failure `tok` is unchanged.
 * Either of expires_in / expiration may be missing (derived from the
 * other). AMG_EPROTO when the body is not JSON, has no non-empty
 * access_token, or has neither lifetime; AMG_ENOMEM.
 */
int amg_iam_token_parse(const char *body, size_t len, double now,
                        struct amg_iam_token *tok);

/* 1 when `tok` holds a token that may still be sent at wall time `now`.
 * Like IBM's go-sdk-core, a token is replaced once 80 % of its lifetime
 * has passed, and never used within 10 s of its expiration. */
int amg_iam_token_usable(const struct amg_iam_token *tok, double now);

/* Wipe and free the token (the generation is kept). */
void amg_iam_token_clear(struct amg_iam_token *tok);

/* IAM's "errorMessage" from an error body, as a new string the caller
 * frees; NULL when there is none. The text comes from the server: log it
 * only through the redacting log. */
char *amg_iam_error_message(const char *body, size_t len);

#endif

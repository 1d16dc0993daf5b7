/*
 * The transport under the HTTP client (http.c): one exchange over a reused
 * libcurl easy handle, with the retry policy (retry.h) and the rate
 * limiter (ratelimit.h) applied and the statistics kept. Private to the
 * HTTP client; other modules use http.h.
 */
#ifndef AMG_XFER_H
#define AMG_XFER_H

#include <pthread.h>
#include <stddef.h>
#include <curl/curl.h>
#include "clock.h"
#include "http.h"
#include "ratelimit.h"
#include "retry.h"

struct amg_xfer_config {
    long timeout_s;                 /* > 0 */
    size_t max_body;                /* > 0 */
    double max_rps;                 /* <= 0: unlimited */
    struct amg_retry_policy retry;
    const struct amg_clock *clock;  /* borrowed, not NULL */
    unsigned seed;                  /* rand_r() seed for the jitter */
};

struct amg_xfer_client {
    CURL *curl;                     /* owned; under io_lock */
    pthread_mutex_t io_lock;
    pthread_mutex_t stats_lock;     /* stats and prng */
    int locks_ready;                /* how many of the two are initialised */
    long timeout_s;
    size_t max_body;
    struct amg_retry_policy retry;
    const struct amg_clock *clock;  /* borrowed */
    struct amg_ratelimit *rl;       /* owned */
    unsigned prng;
    struct amg_http_stats stats;
};

/* One request; every pointer is borrowed for the call. */
struct amg_xfer {
    const char *method;             /* GET, POST, PUT or DELETE */
    const char *url;
    const char *what;               /* "METHOD PATH" for log lines; no secrets */
    struct curl_slist *headers;
    const char *body;               /* NULL: none */
    size_t body_len;
    int loopback;                   /* never through a proxy */
    int rate_limited;               /* take a token per attempt */
    int once_only;                  /* the request may create something: retry
                                     * only a 429 (refused before any work),
                                     * never a 5xx or a lost answer */
    int repeatable;                 /* the caller may send it again (the server
                                     * refuses a repeat): a POST may then use a
                                     * kept-alive connection */
};

/* The last attempt's answer. Initialise with amg_xfer_answer_init(),
 * release with amg_xfer_answer_wipe(). */
struct amg_xfer_answer {
    long status;                    /* 0: no HTTP answer */
    char *body;                     /* owned, NUL-terminated; NULL when empty */
    size_t len;
    double retry_after;             /* Retry-After seconds; -1 when absent */
    char error[CURL_ERROR_SIZE];    /* transport error text */
    size_t cap;
    size_t max;
    int too_big;
    int nomem;
    /* Answer to a file instead of memory (amg_http_to_file): when to_file
     * is set, the body goes to descriptor fd (borrowed), which every
     * attempt truncates first, with no max; body stays NULL and len
     * counts the bytes written. */
    int to_file;
    int fd;
    int io_error;                   /* writing to fd failed: errno */
};

/* `xc` is caller storage, zeroed or not; on failure it is left ready for
 * amg_xfer_client_fini(). */
int amg_xfer_client_init(struct amg_xfer_client *xc, const struct amg_xfer_config *cfg);
/* Safe on a zeroed struct and after a failed init. */
void amg_xfer_client_fini(struct amg_xfer_client *xc);

void amg_xfer_answer_init(struct amg_xfer_answer *a);
/* Free the body after overwriting it (IAM answers carry tokens). */
void amg_xfer_answer_wipe(struct amg_xfer_answer *a);

/* Append the non-NULL header lines and "Expect:" (no 100-continue round
 * trip) to *list. On failure *list is freed and set to NULL. */
int amg_xfer_headers(struct curl_slist **list, const char *line1, const char *line2,
                     const char *line3);

/* 1 when `method` goes out with a request body (possibly empty). */
int amg_xfer_sends_fields(const char *method, int has_body);

/* Forget the previous attempt but keep the buffer (or empty the file of
 * a to_file answer; a failure to do so is left in a->io_error). */
void amg_xfer_answer_reset(struct amg_xfer_answer *a, size_t max);

/* Configure easy handle `c` (freshly reset) for one attempt of `x`,
 * writing the answer into `a`. Used by amg_xfer_send() and by the
 * concurrent pipeline, which owns its own handles. */
CURLcode amg_xfer_setup(const struct amg_xfer_client *xc, CURL *c, const struct amg_xfer *x,
                        struct amg_xfer_answer *a);

/* Transport errors that another attempt cannot fix. */
int amg_xfer_permanent(CURLcode cc);

/* Count one request that ended with `status` (retry = 0), or one retry
 * (retry = 1), in the client's statistics. */
void amg_xfer_count(struct amg_xfer_client *xc, long status, int retry);

/* The client's jitter source: uniform in [0, 1). */
double amg_xfer_rand01(struct amg_xfer_client *xc);

/*
 * Send `x`, retrying 429, 5xx and transport errors per the policy and
 * sleeping through the clock. 0 with a->status set to the final answer
 * (which may still be a 5xx or 429 once retries ran out); AMG_EHTTP
 * (logged with x->what, the transport error and the attempt count) when
 * no attempt got an answer; AMG_EPROTO when the answer exceeds max_body;
 * AMG_ENOMEM; AMG_EIO when a to_file answer cannot be written.
 */
int amg_xfer_send(struct amg_xfer_client *xc, const struct amg_xfer *x,
                  struct amg_xfer_answer *a);

#endif

/*
 * Retry policy for requests to App ID and IAM: which answers are retried
 * and how long to wait. Pure functions; the caller sleeps.
 */
#ifndef AMG_RETRY_H
#define AMG_RETRY_H

#include <stdint.h>

struct amg_retry_policy {
    int max_retries;        /* retries after the first attempt */
    double base_s;          /* first backoff, default 0.5 s */
    double max_s;           /* cap of one backoff, default 30 s */
    double block_429_s;     /* App ID blocks for 30 s after a 429 */
};

void amg_retry_policy_default(struct amg_retry_policy *p);

/* 1 when a request that ended with HTTP `status` (0 = transport error,
 * no answer) should be retried: 0, 429, 500, 502, 503, 504. */
int amg_retry_should(long status);

/*
 * Seconds to wait before retry number `attempt` (1 = first retry).
 * 429 with a Retry-After value (`retry_after_s` >= 0) waits exactly that;
 * 429 without one waits block_429_s. Otherwise exponential backoff with
 * full jitter: base_s * 2^(attempt-1) capped at max_s, scaled by
 * `rand01` in [0,1) (the caller's random number, injected for tests), but
 * never less than base_s / 2.
 */
double amg_retry_delay(const struct amg_retry_policy *p, int attempt,
                       long status, double retry_after_s, double rand01);

#endif

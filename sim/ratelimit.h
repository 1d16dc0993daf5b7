/*
 * Per-tenant management-API rate limit, as the real service does it
 * (reference §4.3): a token bucket of `rate` requests per second holding
 * at most `rate` tokens; a request that finds the bucket empty starts a
 * block of `block_seconds` during which every request of that tenant is
 * refused. Requests refused during a block neither extend it nor use
 * tokens; when the block ends the bucket is full again. With
 * block_seconds 0 an empty bucket refuses only the request at hand (a
 * plain token bucket).
 *
 * Thread-safe (one mutex). The clock is injectable for the unit tests;
 * appid-sim passes amg_clock_system() (CLOCK_MONOTONIC).
 */
#ifndef SIM_RATELIMIT_H
#define SIM_RATELIMIT_H

#include "clock.h"

struct sim_ratelimit;
struct sim_reply;

/* Largest --rate-limit and --block-seconds accepted. */
#define SIM_RATELIMIT_MAX_RATE 1000000L
#define SIM_RATELIMIT_MAX_BLOCK 86400.0

/*
 * New limiter. `rate` >= 1 requests per second (callers that want no limit
 * create none), 0 <= block_seconds <= SIM_RATELIMIT_MAX_BLOCK. With
 * `retry_after` set, refusals carry a Retry-After header. `clock` is
 * borrowed and must outlive the limiter. AMG_EINVAL, AMG_ENOMEM.
 */
int sim_ratelimit_new(long rate, double block_seconds, int retry_after,
                      const struct amg_clock *clock, struct sim_ratelimit **out);

/* NULL is a no-op. */
void sim_ratelimit_free(struct sim_ratelimit *rl);

/*
 * Count one request of `tenant` now. *admitted is 1 when it may proceed,
 * 0 when refused; then *wait is the number of seconds until a request of
 * that tenant would be admitted again (> 0). AMG_ENOMEM when the tenant's
 * bucket cannot be created (the request is then neither admitted nor
 * counted).
 */
int sim_ratelimit_check(struct sim_ratelimit *rl, const char *tenant, int *admitted,
                        double *wait);

/*
 * The router's hook: count the request and, when it is refused, answer
 * 429 (or 500 on AMG_ENOMEM) into `rep`. Returns 1 when it answered, 0
 * when the request may proceed.
 */
int sim_ratelimit_reply(struct sim_ratelimit *rl, const char *tenant, struct sim_reply *rep);

#endif

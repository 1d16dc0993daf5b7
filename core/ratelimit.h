/*
 * Token-bucket request-rate limiter, one per instance (App ID allows 50
 * management requests per second; the default is 40). Thread-safe.
 */
#ifndef AMG_RATELIMIT_H
#define AMG_RATELIMIT_H

#include "clock.h"

struct amg_ratelimit;

/* rate <= 0 disables limiting. `burst` tokens at most (>= 1). The clock is
 * borrowed and must outlive the limiter. */
int amg_ratelimit_new(double rate, double burst, const struct amg_clock *clock,
                      struct amg_ratelimit **out);
void amg_ratelimit_free(struct amg_ratelimit *rl);

/* Seconds the caller must wait before it may send (0 when a token was
 * taken now). Takes the token either way: call once per request. */
double amg_ratelimit_reserve(struct amg_ratelimit *rl);

/* Reserve and sleep through the clock. */
void amg_ratelimit_acquire(struct amg_ratelimit *rl);

#endif

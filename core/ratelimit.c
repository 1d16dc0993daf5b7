#include <pthread.h>
#include <stdlib.h>
#include "appid-migrate/plugin.h"
#include "ratelimit.h"

struct amg_ratelimit {
    double rate;             /* tokens per second; <= 0: unlimited */
    double burst;
    double tokens;           /* negative while callers queue for future tokens */
    double last;             /* clock->now() of the last refill */
    const struct amg_clock *clock;   /* borrowed */
    pthread_mutex_t lock;
};

int amg_ratelimit_new(double rate, double burst, const struct amg_clock *clock,
                      struct amg_ratelimit **out)
{
    struct amg_ratelimit *rl = NULL;

    *out = NULL;
    if (!clock || !(burst >= 1))
        return AMG_EINVAL;
    rl = calloc(1, sizeof(*rl));
    if (!rl)
        return AMG_ENOMEM;
    /* NaN counts as "no limit" like any other non-positive rate. */
    rl->rate = rate > 0 ? rate : 0;
    rl->burst = burst;
    rl->tokens = burst;
    rl->clock = clock;
    rl->last = clock->now(clock->ud);
    if (pthread_mutex_init(&rl->lock, NULL) != 0) {
        free(rl);
        return AMG_ENOMEM;
    }
    *out = rl;
    return AMG_OK;
}

void amg_ratelimit_free(struct amg_ratelimit *rl)
{
    if (!rl)
        return;
    pthread_mutex_destroy(&rl->lock);
    free(rl);
}

double amg_ratelimit_reserve(struct amg_ratelimit *rl)
{
    double now;
    double wait = 0;

    if (!rl || rl->rate <= 0)
        return 0;
    pthread_mutex_lock(&rl->lock);
    now = rl->clock->now(rl->clock->ud);
    if (now > rl->last) {
        rl->tokens += (now - rl->last) * rl->rate;
        if (rl->tokens > rl->burst)
            rl->tokens = rl->burst;
        rl->last = now;
    }
    /* Taking the token even when none is left puts the bucket into debt:
     * each later caller waits behind the earlier ones instead of all of
     * them waking at the same instant. */
    rl->tokens -= 1;
    if (rl->tokens < 0)
        wait = -rl->tokens / rl->rate;
    pthread_mutex_unlock(&rl->lock);
    return wait;
}

void amg_ratelimit_acquire(struct amg_ratelimit *rl)
{
    double wait = amg_ratelimit_reserve(rl);

    if (wait > 0)
        rl->clock->sleep(rl->clock->ud, wait);
}

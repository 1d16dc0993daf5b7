#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "appid-migrate/plugin.h"
#include "log.h"
#include "ratelimit.h"
#include "request.h"

/* Tenants are few (one per --tenant); a small fixed table is plenty. */
#define RL_SLOTS 64

struct bucket {
    struct bucket *next;
    double tokens;          /* 0..rate */
    double last;            /* clock time of the last refill */
    double blocked_until;   /* meaningful while `blocked` */
    int blocked;
    char tenant[];          /* NUL-terminated */
};

struct sim_ratelimit {
    pthread_mutex_t lock;
    const struct amg_clock *clock;   /* borrowed */
    double rate;
    double block;
    int retry_after;
    struct bucket *slots[RL_SLOTS];  /* owned chains */
};

int sim_ratelimit_new(long rate, double block_seconds, int retry_after,
                      const struct amg_clock *clock, struct sim_ratelimit **out)
{
    struct sim_ratelimit *rl = NULL;

    *out = NULL;
    if (rate < 1 || rate > SIM_RATELIMIT_MAX_RATE || !clock || !clock->now ||
        !(block_seconds >= 0 && block_seconds <= SIM_RATELIMIT_MAX_BLOCK))
        return AMG_EINVAL;
    rl = calloc(1, sizeof(*rl));
    if (!rl)
        return AMG_ENOMEM;
    if (pthread_mutex_init(&rl->lock, NULL) != 0) {
        free(rl);
        return AMG_ENOMEM;
    }
    rl->clock = clock;
    rl->rate = (double)rate;
    rl->block = block_seconds;
    rl->retry_after = retry_after;
    *out = rl;
    return AMG_OK;
}

void sim_ratelimit_free(struct sim_ratelimit *rl)
{
    struct bucket *b, *next;
    size_t i;

    if (!rl)
        return;
    for (i = 0; i < RL_SLOTS; i++) {
        for (b = rl->slots[i]; b; b = next) {
            next = b->next;
            free(b);
        }
    }
    pthread_mutex_destroy(&rl->lock);
    free(rl);
}

static size_t slot_of(const char *s)
{
    /* FNV-1a */
    unsigned long h = 2166136261UL;

    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619UL;
    return (size_t)(h % RL_SLOTS);
}

/* Caller holds the lock. A new tenant starts with a full bucket. */
static struct bucket *bucket_get(struct sim_ratelimit *rl, const char *tenant, double now)
{
    size_t slot = slot_of(tenant);
    size_t len = strlen(tenant);
    struct bucket *b;

    for (b = rl->slots[slot]; b; b = b->next) {
        if (strcmp(b->tenant, tenant) == 0)
            return b;
    }
    b = calloc(1, sizeof(*b) + len + 1);
    if (!b)
        return NULL;
    memcpy(b->tenant, tenant, len + 1);
    b->tokens = rl->rate;
    b->last = now;
    b->next = rl->slots[slot];
    rl->slots[slot] = b;
    return b;
}

int sim_ratelimit_check(struct sim_ratelimit *rl, const char *tenant, int *admitted,
                        double *wait)
{
    struct bucket *b;
    double now;
    int rc = AMG_OK;

    *admitted = 0;
    *wait = 0;
    pthread_mutex_lock(&rl->lock);
    now = rl->clock->now(rl->clock->ud);
    b = bucket_get(rl, tenant, now);
    if (!b) {
        rc = AMG_ENOMEM;
        goto out;
    }
    if (b->blocked) {
        if (now < b->blocked_until) {
            *wait = b->blocked_until - now;
            goto out;
        }
        b->blocked = 0;
        b->tokens = rl->rate;
        b->last = now;
    }
    /* A clock that stepped back (only a fake one can) refills nothing. */
    if (now > b->last) {
        b->tokens += (now - b->last) * rl->rate;
        if (b->tokens > rl->rate)
            b->tokens = rl->rate;
    }
    b->last = now;
    if (b->tokens >= 1.0) {
        b->tokens -= 1.0;
        *admitted = 1;
        goto out;
    }
    if (rl->block > 0) {
        b->blocked = 1;
        b->blocked_until = now + rl->block;
        *wait = rl->block;
    } else {
        *wait = (1.0 - b->tokens) / rl->rate;
    }
out:
    pthread_mutex_unlock(&rl->lock);
    return rc;
}

int sim_ratelimit_reply(struct sim_ratelimit *rl, const char *tenant, struct sim_reply *rep)
{
    double wait = 0;
    int admitted = 0;
    long secs;
    char text[32];

    if (sim_ratelimit_check(rl, tenant, &admitted, &wait) != AMG_OK) {
        amg_error("rate limit: no memory for the bucket of tenant %s", tenant);
        sim_reply_error(rep, 500, "out of memory");
        return 1;
    }
    if (admitted)
        return 0;
    sim_reply_error(rep, 429, "rate limit of %.0f management requests per second exceeded "
                    "for tenant %s; blocked for %.3g s", rl->rate, tenant,
                    rl->block > 0 ? rl->block : wait);
    if (rl->retry_after) {
        /* Whole seconds, rounded up, never 0: "0" would invite a retry
         * that is still refused. */
        secs = (long)wait;
        if ((double)secs < wait)
            secs++;
        snprintf(text, sizeof(text), "%ld", secs < 1 ? 1L : secs);
        sim_reply_header(rep, "Retry-After", text);
    }
    return 1;
}

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "appid-migrate/plugin.h"
#include "faults.h"

struct sim_faults {
    pthread_mutex_t lock;    /* guards `state` */
    struct sim_faults_conf conf;
    uint64_t state;          /* xorshift64* state, never 0 */
};

static const char *const fault_prefixes[] = { "/management/", "/oauth/" };
static const int fail_statuses[] = { 500, 502, 503 };

/* splitmix64 spreads any seed (0, small integers) over the state space. */
static uint64_t mix_seed(uint64_t x)
{
    x += 0x9E3779B97F4A7C15ULL;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
}

/* Caller holds the lock. */
static uint64_t next_u64(struct sim_faults *f)
{
    uint64_t x = f->state;

    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    f->state = x;
    return x * 0x2545F4914F6CDD1DULL;
}

/* Uniform in [0, 1), from the top 53 bits. */
static double next_unit(struct sim_faults *f)
{
    return (double)(next_u64(f) >> 11) / 9007199254740992.0;
}

static int rate_valid(double r)
{
    return r >= 0.0 && r <= 1.0;   /* false for NaN */
}

int sim_faults_new(const struct sim_faults_conf *conf, struct sim_faults **out)
{
    struct sim_faults *f = NULL;
    struct timespec ts;
    uint64_t seed;

    *out = NULL;
    if (!rate_valid(conf->fail_rate) || !rate_valid(conf->drop_rate) ||
        !rate_valid(conf->drop_after_rate) ||
        conf->latency_ms < 0 || conf->latency_ms > SIM_FAULTS_MAX_LATENCY_MS)
        return AMG_EINVAL;
    f = calloc(1, sizeof(*f));
    if (!f)
        return AMG_ENOMEM;
    if (pthread_mutex_init(&f->lock, NULL) != 0) {
        free(f);
        return AMG_ENOMEM;
    }
    f->conf = *conf;
    if (conf->seeded) {
        seed = conf->seed;
    } else {
        /* Unseeded runs need variety, not secrecy. */
        clock_gettime(CLOCK_REALTIME, &ts);
        seed = ((uint64_t)ts.tv_sec << 32) ^ (uint64_t)ts.tv_nsec ^ (uint64_t)getpid();
    }
    f->state = mix_seed(seed);
    if (f->state == 0)
        f->state = 0x9E3779B97F4A7C15ULL;
    *out = f;
    return AMG_OK;
}

void sim_faults_free(struct sim_faults *f)
{
    if (!f)
        return;
    pthread_mutex_destroy(&f->lock);
    free(f);
}

int sim_faults_apply_to(const char *path)
{
    size_t i;

    for (i = 0; i < sizeof(fault_prefixes) / sizeof(fault_prefixes[0]); i++) {
        if (strncmp(path, fault_prefixes[i], strlen(fault_prefixes[i])) == 0)
            return 1;
    }
    return 0;
}

enum sim_fault sim_faults_decide(struct sim_faults *f, const char *path, int *status)
{
    double drop, fail, after = 1.0;
    uint64_t pick;

    *status = 0;
    if (!f || !sim_faults_apply_to(path))
        return SIM_FAULT_NONE;
    if (f->conf.fail_rate <= 0 && f->conf.drop_rate <= 0 && f->conf.drop_after_rate <= 0)
        return SIM_FAULT_NONE;
    pthread_mutex_lock(&f->lock);
    drop = next_unit(f);
    fail = next_unit(f);
    pick = next_u64(f);
    if (f->conf.drop_after_rate > 0)
        after = next_unit(f);
    pthread_mutex_unlock(&f->lock);
    /* "< rate" makes 0 never and 1 always fire. */
    if (drop < f->conf.drop_rate)
        return SIM_FAULT_DROP;
    if (fail < f->conf.fail_rate) {
        *status = fail_statuses[(pick >> 32) % 3];
        return SIM_FAULT_FAIL;
    }
    if (after < f->conf.drop_after_rate)
        return SIM_FAULT_DROP_AFTER;
    return SIM_FAULT_NONE;
}

long sim_faults_latency_ms(const struct sim_faults *f)
{
    return f ? f->conf.latency_ms : 0;
}

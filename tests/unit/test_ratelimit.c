#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include "appid-migrate/plugin.h"
#include "fakeclock.h"
#include "ratelimit.h"
#include "testutil.h"

#define EPS 1e-9

static void test_invalid(void)
{
    struct amg_ratelimit *rl = NULL;

    CU_ASSERT_EQUAL(amg_ratelimit_new(10, 0.5, &fakeclock_clock, &rl), AMG_EINVAL);
    CU_ASSERT_PTR_NULL(rl);
    CU_ASSERT_EQUAL(amg_ratelimit_new(10, 1, NULL, &rl), AMG_EINVAL);
    CU_ASSERT_PTR_NULL(rl);
}

static void test_burst_then_spacing(void)
{
    struct amg_ratelimit *rl = NULL;
    int i;

    fakeclock_reset(100, 100);
    CU_ASSERT_FATAL(amg_ratelimit_new(4, 3, &fakeclock_clock, &rl) == AMG_OK);
    for (i = 0; i < 3; i++)
        CU_ASSERT_DOUBLE_EQUAL(amg_ratelimit_reserve(rl), 0, EPS);
    /* Without time passing each further caller queues 1/r behind the
     * previous one. */
    CU_ASSERT_DOUBLE_EQUAL(amg_ratelimit_reserve(rl), 0.25, EPS);
    CU_ASSERT_DOUBLE_EQUAL(amg_ratelimit_reserve(rl), 0.50, EPS);
    CU_ASSERT_DOUBLE_EQUAL(amg_ratelimit_reserve(rl), 0.75, EPS);
    amg_ratelimit_free(rl);

    /* acquire() sleeps each caller to the next free slot. */
    fakeclock_reset(5, 5);
    CU_ASSERT_FATAL(amg_ratelimit_new(4, 2, &fakeclock_clock, &rl) == AMG_OK);
    amg_ratelimit_acquire(rl);
    amg_ratelimit_acquire(rl);
    CU_ASSERT_EQUAL(fakeclock.nsleeps, 0);
    for (i = 1; i <= 8; i++) {
        amg_ratelimit_acquire(rl);
        CU_ASSERT_DOUBLE_EQUAL(fakeclock.now, 5 + 0.25 * i, EPS);
    }
    CU_ASSERT_EQUAL(fakeclock.nsleeps, 8);
    amg_ratelimit_free(rl);
}

static void test_idle_refills_to_burst(void)
{
    struct amg_ratelimit *rl = NULL;
    int i;

    fakeclock_reset(0, 0);
    CU_ASSERT_FATAL(amg_ratelimit_new(10, 5, &fakeclock_clock, &rl) == AMG_OK);
    for (i = 0; i < 5; i++)
        CU_ASSERT_DOUBLE_EQUAL(amg_ratelimit_reserve(rl), 0, EPS);
    fakeclock.now += 3600;
    for (i = 0; i < 5; i++)
        CU_ASSERT_DOUBLE_EQUAL(amg_ratelimit_reserve(rl), 0, EPS);
    /* An hour's worth of tokens was not kept: the sixth waits. */
    CU_ASSERT_DOUBLE_EQUAL(amg_ratelimit_reserve(rl), 0.1, EPS);
    amg_ratelimit_free(rl);

    /* Partial refill: 0.3 s at 10/s gives three tokens back. */
    fakeclock_reset(0, 0);
    CU_ASSERT_FATAL(amg_ratelimit_new(10, 5, &fakeclock_clock, &rl) == AMG_OK);
    for (i = 0; i < 5; i++)
        amg_ratelimit_reserve(rl);
    fakeclock.now += 0.3;
    for (i = 0; i < 3; i++)
        CU_ASSERT_DOUBLE_EQUAL(amg_ratelimit_reserve(rl), 0, EPS);
    CU_ASSERT_DOUBLE_EQUAL(amg_ratelimit_reserve(rl), 0.1, EPS);
    amg_ratelimit_free(rl);
}

static void test_disabled(void)
{
    static const double rates[] = { 0, -1, -40 };
    struct amg_ratelimit *rl = NULL;
    size_t k;
    int i;

    for (k = 0; k < sizeof(rates) / sizeof(rates[0]); k++) {
        fakeclock_reset(0, 0);
        CU_ASSERT_FATAL(amg_ratelimit_new(rates[k], 1, &fakeclock_clock, &rl) == AMG_OK);
        for (i = 0; i < 1000; i++) {
            CU_ASSERT_DOUBLE_EQUAL(amg_ratelimit_reserve(rl), 0, EPS);
            amg_ratelimit_acquire(rl);
        }
        CU_ASSERT_EQUAL(fakeclock.nsleeps, 0);
        CU_ASSERT_DOUBLE_EQUAL(fakeclock.now, 0, EPS);
        amg_ratelimit_free(rl);
    }
    /* A NULL limiter is "no limiter". */
    CU_ASSERT_DOUBLE_EQUAL(amg_ratelimit_reserve(NULL), 0, EPS);
}

static void test_thousand_at_40(void)
{
    struct amg_ratelimit *rl = NULL;
    double last = 0;
    int i;

    /* All reserved at the same instant: the queue spreads them out. */
    fakeclock_reset(0, 0);
    CU_ASSERT_FATAL(amg_ratelimit_new(40, 1, &fakeclock_clock, &rl) == AMG_OK);
    for (i = 0; i < 1000; i++) {
        double w = amg_ratelimit_reserve(rl);

        CU_ASSERT_DOUBLE_EQUAL(w, i / 40.0, 1e-6);
        last = w;
    }
    CU_ASSERT_DOUBLE_EQUAL(last, 24.975, 1e-6);
    amg_ratelimit_free(rl);

    /* The same through acquire(): 25 s of fake time, none of it real. */
    fakeclock_reset(0, 0);
    CU_ASSERT_FATAL(amg_ratelimit_new(40, 1, &fakeclock_clock, &rl) == AMG_OK);
    for (i = 0; i < 1000; i++)
        amg_ratelimit_acquire(rl);
    CU_ASSERT_DOUBLE_EQUAL(fakeclock.now, 24.975, 1e-6);
    CU_ASSERT_EQUAL(fakeclock.nsleeps, 999);
    amg_ratelimit_free(rl);
}

#define THREADS 4
#define PER_THREAD 250

struct worker {
    struct amg_ratelimit *rl;
    double waits[PER_THREAD];
};

static void *reserve_many(void *arg)
{
    struct worker *w = arg;
    int i;

    for (i = 0; i < PER_THREAD; i++)
        w->waits[i] = amg_ratelimit_reserve(w->rl);
    return NULL;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

static void test_concurrent_callers_queue(void)
{
    static struct worker workers[THREADS];
    static double all[THREADS * PER_THREAD];
    struct amg_ratelimit *rl = NULL;
    pthread_t tid[THREADS];
    int i, j;

    fakeclock_reset(0, 0);
    CU_ASSERT_FATAL(amg_ratelimit_new(40, 1, &fakeclock_clock, &rl) == AMG_OK);
    for (i = 0; i < THREADS; i++) {
        workers[i].rl = rl;
        CU_ASSERT_FATAL(pthread_create(&tid[i], NULL, reserve_many, &workers[i]) == 0);
    }
    for (i = 0; i < THREADS; i++)
        pthread_join(tid[i], NULL);
    for (i = 0; i < THREADS; i++)
        for (j = 0; j < PER_THREAD; j++)
            all[i * PER_THREAD + j] = workers[i].waits[j];
    qsort(all, THREADS * PER_THREAD, sizeof(all[0]), cmp_double);
    /* Every caller got its own slot: no two share one, none was lost. */
    for (i = 0; i < THREADS * PER_THREAD; i++)
        CU_ASSERT_DOUBLE_EQUAL(all[i], i / 40.0, 1e-6);
    amg_ratelimit_free(rl);
}

static const struct amg_test tests[] = {
    { "invalid arguments", test_invalid },
    { "burst, then one token per 1/r", test_burst_then_spacing },
    { "idle time refills only up to burst", test_idle_refills_to_burst },
    { "rate <= 0 disables limiting", test_disabled },
    { "1000 requests at 40/s span 25 s", test_thousand_at_40 },
    { "concurrent callers each get a distinct slot", test_concurrent_callers_queue },
    { NULL, NULL },
};

int main(void)
{
    return amg_test_main("ratelimit", tests);
}

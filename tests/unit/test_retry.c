#include <stddef.h>
#include <stdio.h>
#include "retry.h"
#include "testutil.h"

#define EPS 1e-9

static void test_defaults(void)
{
    struct amg_retry_policy p;

    amg_retry_policy_default(&p);
    CU_ASSERT_EQUAL(p.max_retries, 5);
    CU_ASSERT_DOUBLE_EQUAL(p.base_s, 0.5, EPS);
    CU_ASSERT_DOUBLE_EQUAL(p.max_s, 30.0, EPS);
    CU_ASSERT_DOUBLE_EQUAL(p.block_429_s, 30.0, EPS);
}

static void test_should(void)
{
    static const struct {
        long status;
        int want;
    } cases[] = {
        { 0, 1 },   { 200, 0 }, { 400, 0 }, { 401, 0 }, { 404, 0 }, { 409, 0 },
        { 429, 1 }, { 500, 1 }, { 501, 0 }, { 502, 1 }, { 503, 1 }, { 504, 1 },
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int got = amg_retry_should(cases[i].status);

        CU_ASSERT_EQUAL(got, cases[i].want);
        if (got != cases[i].want)
            fprintf(stderr, "status %ld: got %d want %d\n", cases[i].status, got,
                    cases[i].want);
    }
}

static void test_delay(void)
{
    static const struct {
        int attempt;
        long status;
        double retry_after;
        double rand01;
        double want;
    } cases[] = {
        /* Full jitter over base * 2^(attempt-1). */
        { 1, 503, -1, 0.99, 0.495 },
        { 1, 503, -1, 0.6, 0.3 },
        { 2, 500, -1, 0.5, 0.5 },
        { 3, 502, -1, 0.75, 1.5 },
        { 4, 0, -1, 0.5, 2.0 },
        /* Never below base / 2. */
        { 1, 503, -1, 0.0, 0.25 },
        { 5, 503, -1, 0.01, 0.25 },
        /* Capped at max_s: 0.5 * 2^6 = 32 > 30. */
        { 7, 503, -1, 0.5, 15.0 },
        { 7, 503, -1, 0.999, 29.97 },
        { 1000, 503, -1, 0.5, 15.0 },
        /* Retry-After on a 429 is taken as is. */
        { 1, 429, 3, 0.5, 3.0 },
        { 4, 429, 0, 0.9, 0.0 },
        { 2, 429, 120, 0.1, 120.0 },
        /* A 429 without Retry-After waits out App ID's block. */
        { 1, 429, -1, 0.0, 30.0 },
        { 6, 429, -1, 0.9, 30.0 },
    };
    struct amg_retry_policy p;
    size_t i;

    amg_retry_policy_default(&p);
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        double got = amg_retry_delay(&p, cases[i].attempt, cases[i].status,
                                     cases[i].retry_after, cases[i].rand01);

        CU_ASSERT_DOUBLE_EQUAL(got, cases[i].want, EPS);
        if (got - cases[i].want > EPS || cases[i].want - got > EPS)
            fprintf(stderr, "case %zu: got %g want %g\n", i, got, cases[i].want);
    }
}

static void test_delay_bounds(void)
{
    struct amg_retry_policy p;
    int attempt;
    double r;

    amg_retry_policy_default(&p);
    for (attempt = 1; attempt <= 12; attempt++) {
        for (r = 0.0; r < 1.0; r += 0.0625) {
            double d = amg_retry_delay(&p, attempt, 503, -1, r);

            CU_ASSERT(d >= p.base_s / 2 - EPS);
            CU_ASSERT(d <= p.max_s + EPS);
        }
    }
}

static const struct amg_test tests[] = {
    { "default policy", test_defaults },
    { "which statuses are retried", test_should },
    { "backoff, cap, Retry-After and 429 block", test_delay },
    { "delay stays within [base/2, max]", test_delay_bounds },
    { NULL, NULL },
};

int main(void)
{
    return amg_test_main("retry", tests);
}

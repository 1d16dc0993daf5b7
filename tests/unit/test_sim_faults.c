#include <math.h>
#include <string.h>
#include "appid-migrate/plugin.h"
#include "faults.h"
#include "testutil.h"

#define MGMT "/management/v4/t1/config/tokens"
#define N 2000

static struct sim_faults *make(double fail, double drop, uint64_t seed)
{
    struct sim_faults_conf conf;
    struct sim_faults *f = NULL;

    memset(&conf, 0, sizeof(conf));
    conf.fail_rate = fail;
    conf.drop_rate = drop;
    conf.seed = seed;
    conf.seeded = 1;
    if (sim_faults_new(&conf, &f) != AMG_OK)
        return NULL;
    return f;
}

static void test_invalid(void)
{
    struct sim_faults_conf conf;
    struct sim_faults *f = NULL;

    memset(&conf, 0, sizeof(conf));
    conf.fail_rate = 1.01;
    CU_ASSERT_EQUAL(sim_faults_new(&conf, &f), AMG_EINVAL);
    conf.fail_rate = -0.1;
    CU_ASSERT_EQUAL(sim_faults_new(&conf, &f), AMG_EINVAL);
    conf.fail_rate = NAN;
    CU_ASSERT_EQUAL(sim_faults_new(&conf, &f), AMG_EINVAL);
    conf.fail_rate = 0;
    conf.drop_rate = 2;
    CU_ASSERT_EQUAL(sim_faults_new(&conf, &f), AMG_EINVAL);
    conf.drop_rate = 0;
    conf.latency_ms = -1;
    CU_ASSERT_EQUAL(sim_faults_new(&conf, &f), AMG_EINVAL);
    conf.latency_ms = SIM_FAULTS_MAX_LATENCY_MS + 1;
    CU_ASSERT_EQUAL(sim_faults_new(&conf, &f), AMG_EINVAL);
    CU_ASSERT_PTR_NULL(f);
    conf.latency_ms = 250;
    CU_ASSERT_FATAL(sim_faults_new(&conf, &f) == AMG_OK);
    CU_ASSERT_EQUAL(sim_faults_latency_ms(f), 250);
    CU_ASSERT_EQUAL(sim_faults_latency_ms(NULL), 0);
    sim_faults_free(f);
    sim_faults_free(NULL);
}

/* Management and oauth: yes. IAM and anything else: never. */
static void test_scope(void)
{
    struct sim_faults *f = make(1, 0, 1);
    int status = 0;

    CU_ASSERT_FATAL(f != NULL);
    CU_ASSERT_EQUAL(sim_faults_apply_to(MGMT), 1);
    CU_ASSERT_EQUAL(sim_faults_apply_to("/oauth/v4/t1/token"), 1);
    CU_ASSERT_EQUAL(sim_faults_apply_to("/identity/token"), 0);
    CU_ASSERT_EQUAL(sim_faults_apply_to("/management"), 0);
    CU_ASSERT_EQUAL(sim_faults_apply_to("/"), 0);
    CU_ASSERT_EQUAL(sim_faults_decide(f, "/identity/token", &status), SIM_FAULT_NONE);
    CU_ASSERT_EQUAL(status, 0);
    CU_ASSERT_EQUAL(sim_faults_decide(f, "/oauth/v4/t1/token", &status), SIM_FAULT_FAIL);
    CU_ASSERT_EQUAL(sim_faults_decide(NULL, MGMT, &status), SIM_FAULT_NONE);
    sim_faults_free(f);
}

static void test_always_and_never(void)
{
    struct sim_faults *f;
    int i, status, seen[3] = { 0, 0, 0 }, other = 0;

    f = make(0, 0, 3);
    CU_ASSERT_FATAL(f != NULL);
    for (i = 0; i < N; i++)
        CU_ASSERT_EQUAL(sim_faults_decide(f, MGMT, &status), SIM_FAULT_NONE);
    sim_faults_free(f);

    /* fail 1: every request fails, with a mix of the three statuses. */
    f = make(1, 0, 3);
    CU_ASSERT_FATAL(f != NULL);
    for (i = 0; i < N; i++) {
        CU_ASSERT_EQUAL(sim_faults_decide(f, MGMT, &status), SIM_FAULT_FAIL);
        if (status == 500)
            seen[0]++;
        else if (status == 502)
            seen[1]++;
        else if (status == 503)
            seen[2]++;
        else
            other++;
    }
    CU_ASSERT_EQUAL(other, 0);
    CU_ASSERT(seen[0] > N / 5 && seen[1] > N / 5 && seen[2] > N / 5);
    sim_faults_free(f);

    /* drop wins over fail when both fire. */
    f = make(1, 1, 3);
    CU_ASSERT_FATAL(f != NULL);
    for (i = 0; i < 100; i++)
        CU_ASSERT_EQUAL(sim_faults_decide(f, MGMT, &status), SIM_FAULT_DROP);
    sim_faults_free(f);
}

static void sequence(double fail, double drop, uint64_t seed, int *out, int n)
{
    struct sim_faults *f = make(fail, drop, seed);
    int i, status;

    for (i = 0; i < n; i++) {
        enum sim_fault k = f ? sim_faults_decide(f, MGMT, &status) : SIM_FAULT_NONE;

        out[i] = k == SIM_FAULT_FAIL ? status : k == SIM_FAULT_DROP ? -1 : 200;
    }
    sim_faults_free(f);
}

static void test_seeded(void)
{
    static int a[N], b[N], c[N];
    int i, fails = 0, drops = 0, same = 1;

    sequence(0.5, 0.1, 7, a, N);
    sequence(0.5, 0.1, 7, b, N);
    CU_ASSERT_EQUAL(memcmp(a, b, sizeof(a)), 0);
    for (i = 0; i < N; i++) {
        fails += a[i] >= 500;
        drops += a[i] == -1;
    }
    /* Roughly the configured shares: drop 10 %, fail 50 % of the rest. */
    CU_ASSERT(drops > N * 6 / 100 && drops < N * 14 / 100);
    CU_ASSERT(fails > N * 40 / 100 && fails < N * 50 / 100);
    sequence(0.5, 0.1, 8, c, N);
    for (i = 0; i < N; i++)
        same &= a[i] == c[i];
    CU_ASSERT_EQUAL(same, 0);
    /* Seed 0 is a seed like any other. */
    sequence(0.5, 0, 0, c, N);
    fails = 0;
    for (i = 0; i < N; i++)
        fails += c[i] >= 500;
    CU_ASSERT(fails > N * 40 / 100 && fails < N * 60 / 100);
}

static struct sim_faults *make_after(double fail, double drop, double after, uint64_t seed)
{
    struct sim_faults_conf conf;
    struct sim_faults *f = NULL;

    memset(&conf, 0, sizeof(conf));
    conf.fail_rate = fail;
    conf.drop_rate = drop;
    conf.drop_after_rate = after;
    conf.seed = seed;
    conf.seeded = 1;
    if (sim_faults_new(&conf, &f) != AMG_OK)
        return NULL;
    return f;
}

/* --drop-after-rate: its own outcome, after drop and fail, and seeded. */
static void test_drop_after(void)
{
    struct sim_faults_conf conf;
    struct sim_faults *f = NULL, *g = NULL;
    int i, status, gstatus, afters = 0, same = 1;
    enum sim_fault a[N], b[N];

    memset(&conf, 0, sizeof(conf));
    conf.drop_after_rate = 1.5;
    CU_ASSERT_EQUAL(sim_faults_new(&conf, &f), AMG_EINVAL);
    conf.drop_after_rate = NAN;
    CU_ASSERT_EQUAL(sim_faults_new(&conf, &f), AMG_EINVAL);
    CU_ASSERT_PTR_NULL(f);

    f = make_after(0, 0, 1, 5);
    CU_ASSERT_FATAL(f != NULL);
    for (i = 0; i < 100; i++)
        CU_ASSERT_EQUAL(sim_faults_decide(f, MGMT, &status), SIM_FAULT_DROP_AFTER);
    CU_ASSERT_EQUAL(sim_faults_decide(f, "/identity/token", &status), SIM_FAULT_NONE);
    sim_faults_free(f);
    /* Drop and fail win: the request then never runs. */
    f = make_after(0, 1, 1, 5);
    CU_ASSERT_FATAL(f != NULL);
    CU_ASSERT_EQUAL(sim_faults_decide(f, MGMT, &status), SIM_FAULT_DROP);
    sim_faults_free(f);
    f = make_after(1, 0, 1, 5);
    CU_ASSERT_FATAL(f != NULL);
    CU_ASSERT_EQUAL(sim_faults_decide(f, MGMT, &status), SIM_FAULT_FAIL);
    sim_faults_free(f);

    f = make_after(0.2, 0.1, 0.3, 11);
    g = make_after(0.2, 0.1, 0.3, 11);
    CU_ASSERT_FATAL(f != NULL && g != NULL);
    for (i = 0; i < N; i++) {
        a[i] = sim_faults_decide(f, MGMT, &status);
        b[i] = sim_faults_decide(g, MGMT, &gstatus);
        same &= a[i] == b[i] && status == gstatus;
        afters += a[i] == SIM_FAULT_DROP_AFTER;
    }
    CU_ASSERT_EQUAL(same, 1);
    /* 30 % of the 72 % that neither drop nor fail: about 21.6 %. */
    CU_ASSERT(afters > N * 17 / 100 && afters < N * 26 / 100);
    sim_faults_free(f);
    sim_faults_free(g);
}

static const struct amg_test tests[] = {
    { "invalid configurations", test_invalid },
    { "management and oauth only, never IAM", test_scope },
    { "rates 0 and 1", test_always_and_never },
    { "seeded sequences repeat", test_seeded },
    { "drop after processing", test_drop_after },
    { NULL, NULL },
};

int main(void)
{
    return amg_test_main("sim_faults", tests);
}

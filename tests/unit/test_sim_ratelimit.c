#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "appid-migrate/plugin.h"
#include "fakeclock.h"
#include "iam.h"
#include "ratelimit.h"
#include "request.h"
#include "router.h"
#include "tenant.h"
#include "testutil.h"

#define EPS 1e-9

/* Count one request; returns 1 admitted, 0 refused (-1 on error). */
static int admit(struct sim_ratelimit *rl, const char *tenant, double *wait)
{
    double w = 0;
    int ok = 0;

    if (sim_ratelimit_check(rl, tenant, &ok, &w) != AMG_OK)
        return -1;
    if (wait)
        *wait = w;
    return ok;
}

static void test_invalid(void)
{
    struct sim_ratelimit *rl = NULL;

    CU_ASSERT_EQUAL(sim_ratelimit_new(0, 30, 0, &fakeclock_clock, &rl), AMG_EINVAL);
    CU_ASSERT_EQUAL(sim_ratelimit_new(-1, 30, 0, &fakeclock_clock, &rl), AMG_EINVAL);
    CU_ASSERT_EQUAL(sim_ratelimit_new(SIM_RATELIMIT_MAX_RATE + 1, 30, 0, &fakeclock_clock, &rl),
                    AMG_EINVAL);
    CU_ASSERT_EQUAL(sim_ratelimit_new(10, -0.5, 0, &fakeclock_clock, &rl), AMG_EINVAL);
    CU_ASSERT_EQUAL(sim_ratelimit_new(10, SIM_RATELIMIT_MAX_BLOCK + 1, 0, &fakeclock_clock,
                                      &rl), AMG_EINVAL);
    CU_ASSERT_EQUAL(sim_ratelimit_new(10, 30, 0, NULL, &rl), AMG_EINVAL);
    CU_ASSERT_PTR_NULL(rl);
    sim_ratelimit_free(NULL);
}

static void test_burst_then_block(void)
{
    struct sim_ratelimit *rl = NULL;
    double wait = 0;
    int i;

    fakeclock_reset(1000, 0);
    CU_ASSERT_FATAL(sim_ratelimit_new(50, 30, 0, &fakeclock_clock, &rl) == AMG_OK);
    /* A new tenant has a full bucket: 50 at once pass. */
    for (i = 0; i < 50; i++)
        CU_ASSERT_EQUAL(admit(rl, "t1", NULL), 1);
    /* The 51st starts the block. */
    CU_ASSERT_EQUAL(admit(rl, "t1", &wait), 0);
    CU_ASSERT_DOUBLE_EQUAL(wait, 30, EPS);
    /* Far more than a token's worth of time later, still blocked; the
     * block is not extended by the refused requests. */
    fakeclock.now += 10;
    CU_ASSERT_EQUAL(admit(rl, "t1", &wait), 0);
    CU_ASSERT_DOUBLE_EQUAL(wait, 20, EPS);
    /* Binary fractions keep the fake clock exact. */
    fakeclock.now += 19.75;
    CU_ASSERT_EQUAL(admit(rl, "t1", &wait), 0);
    CU_ASSERT_DOUBLE_EQUAL(wait, 0.25, EPS);
    /* The block ends exactly at 30 s, with a full bucket. */
    fakeclock.now += 0.25;
    for (i = 0; i < 50; i++)
        CU_ASSERT_EQUAL(admit(rl, "t1", NULL), 1);
    CU_ASSERT_EQUAL(admit(rl, "t1", &wait), 0);
    CU_ASSERT_DOUBLE_EQUAL(wait, 30, EPS);
    sim_ratelimit_free(rl);
}

static void test_refill(void)
{
    struct sim_ratelimit *rl = NULL;
    int i;

    fakeclock_reset(0, 0);
    CU_ASSERT_FATAL(sim_ratelimit_new(10, 5, 0, &fakeclock_clock, &rl) == AMG_OK);
    for (i = 0; i < 10; i++)
        CU_ASSERT_EQUAL(admit(rl, "t", NULL), 1);
    /* 0.3 s at 10/s gives three tokens back, not more. */
    fakeclock.now += 0.3;
    for (i = 0; i < 3; i++)
        CU_ASSERT_EQUAL(admit(rl, "t", NULL), 1);
    CU_ASSERT_EQUAL(admit(rl, "t", NULL), 0);
    sim_ratelimit_free(rl);

    /* Steady 10/s is sustainable forever; an idle hour keeps only a full
     * bucket (10), not 36000 tokens. */
    fakeclock_reset(0, 0);
    CU_ASSERT_FATAL(sim_ratelimit_new(10, 5, 0, &fakeclock_clock, &rl) == AMG_OK);
    for (i = 0; i < 1000; i++) {
        CU_ASSERT_EQUAL(admit(rl, "t", NULL), 1);
        fakeclock.now += 0.1;
    }
    fakeclock.now += 3600;
    for (i = 0; i < 10; i++)
        CU_ASSERT_EQUAL(admit(rl, "t", NULL), 1);
    CU_ASSERT_EQUAL(admit(rl, "t", NULL), 0);
    sim_ratelimit_free(rl);
}

static void test_tenants_isolated(void)
{
    struct sim_ratelimit *rl = NULL;
    char name[16];
    int i;

    fakeclock_reset(50, 0);
    CU_ASSERT_FATAL(sim_ratelimit_new(3, 30, 0, &fakeclock_clock, &rl) == AMG_OK);
    for (i = 0; i < 3; i++)
        CU_ASSERT_EQUAL(admit(rl, "a", NULL), 1);
    CU_ASSERT_EQUAL(admit(rl, "a", NULL), 0);
    /* "a" is blocked, "b" has its own full bucket. */
    for (i = 0; i < 3; i++)
        CU_ASSERT_EQUAL(admit(rl, "b", NULL), 1);
    CU_ASSERT_EQUAL(admit(rl, "a", NULL), 0);
    CU_ASSERT_EQUAL(admit(rl, "b", NULL), 0);
    CU_ASSERT_EQUAL(admit(rl, "c", NULL), 1);
    /* Many tenants share hash slots without sharing buckets. */
    for (i = 0; i < 200; i++) {
        snprintf(name, sizeof(name), "tenant-%d", i);
        CU_ASSERT_EQUAL(admit(rl, name, NULL), 1);
        CU_ASSERT_EQUAL(admit(rl, name, NULL), 1);
    }
    for (i = 0; i < 200; i++) {
        snprintf(name, sizeof(name), "tenant-%d", i);
        CU_ASSERT_EQUAL(admit(rl, name, NULL), 1);
        CU_ASSERT_EQUAL(admit(rl, name, NULL), 0);
    }
    sim_ratelimit_free(rl);
}

static void test_no_block(void)
{
    struct sim_ratelimit *rl = NULL;
    double wait = 0;

    /* --block-seconds 0: a plain token bucket, the refusal says when the
     * next token is due and does not reset anything. */
    fakeclock_reset(0, 0);
    CU_ASSERT_FATAL(sim_ratelimit_new(4, 0, 0, &fakeclock_clock, &rl) == AMG_OK);
    CU_ASSERT_EQUAL(admit(rl, "t", NULL), 1);
    CU_ASSERT_EQUAL(admit(rl, "t", NULL), 1);
    CU_ASSERT_EQUAL(admit(rl, "t", NULL), 1);
    CU_ASSERT_EQUAL(admit(rl, "t", NULL), 1);
    CU_ASSERT_EQUAL(admit(rl, "t", &wait), 0);
    CU_ASSERT_DOUBLE_EQUAL(wait, 0.25, EPS);
    fakeclock.now += 0.125;
    CU_ASSERT_EQUAL(admit(rl, "t", &wait), 0);
    CU_ASSERT_DOUBLE_EQUAL(wait, 0.125, EPS);
    fakeclock.now += 0.125;
    CU_ASSERT_EQUAL(admit(rl, "t", NULL), 1);
    CU_ASSERT_EQUAL(admit(rl, "t", NULL), 0);
    sim_ratelimit_free(rl);
}

/* Fractional blocks (--block-seconds 0.5, used by the tests). */
static void test_fractional_block(void)
{
    struct sim_ratelimit *rl = NULL;
    double wait = 0;

    fakeclock_reset(7, 0);
    CU_ASSERT_FATAL(sim_ratelimit_new(1, 0.5, 0, &fakeclock_clock, &rl) == AMG_OK);
    CU_ASSERT_EQUAL(admit(rl, "t", NULL), 1);
    CU_ASSERT_EQUAL(admit(rl, "t", &wait), 0);
    CU_ASSERT_DOUBLE_EQUAL(wait, 0.5, EPS);
    fakeclock.now += 0.375;
    CU_ASSERT_EQUAL(admit(rl, "t", NULL), 0);
    fakeclock.now += 0.125;
    CU_ASSERT_EQUAL(admit(rl, "t", NULL), 1);
    sim_ratelimit_free(rl);
}

static void test_reply(void)
{
    struct sim_ratelimit *rl = NULL;
    struct sim_reply rep;

    fakeclock_reset(0, 0);
    CU_ASSERT_FATAL(sim_ratelimit_new(1, 2.5, 0, &fakeclock_clock, &rl) == AMG_OK);
    memset(&rep, 0, sizeof(rep));
    CU_ASSERT_EQUAL(sim_ratelimit_reply(rl, "t9", &rep), 0);
    CU_ASSERT_EQUAL(rep.status, 0);
    CU_ASSERT_EQUAL(sim_ratelimit_reply(rl, "t9", &rep), 1);
    CU_ASSERT_EQUAL(rep.status, 429);
    CU_ASSERT_STRING_EQUAL(rep.content_type, "application/json");
    CU_ASSERT_STRING_EQUAL(rep.body,
        "{\"error\":\"Too Many Requests\",\"message\":\"rate limit of 1 management requests "
        "per second exceeded for tenant t9; blocked for 2.5 s\",\"status\":429}");
    /* No Retry-After unless asked for (the real service documents none). */
    CU_ASSERT_PTR_NULL(rep.extra_header);
    sim_reply_clear(&rep);
    sim_ratelimit_free(rl);

    /* With retry_after: whole seconds rounded up, never 0. */
    fakeclock_reset(0, 0);
    CU_ASSERT_FATAL(sim_ratelimit_new(1, 2.5, 1, &fakeclock_clock, &rl) == AMG_OK);
    memset(&rep, 0, sizeof(rep));
    CU_ASSERT_EQUAL(sim_ratelimit_reply(rl, "t9", &rep), 0);
    CU_ASSERT_EQUAL(sim_ratelimit_reply(rl, "t9", &rep), 1);
    CU_ASSERT_STRING_EQUAL(rep.extra_header, "Retry-After");
    CU_ASSERT_STRING_EQUAL(rep.extra_value, "3");
    sim_reply_clear(&rep);
    fakeclock.now += 2.4;
    CU_ASSERT_EQUAL(sim_ratelimit_reply(rl, "t9", &rep), 1);
    CU_ASSERT_STRING_EQUAL(rep.extra_value, "1");
    sim_reply_clear(&rep);
    sim_ratelimit_free(rl);
}

/* --- through the router ------------------------------------------------ */

static int route(const struct sim_env *env, const char *method, const char *path,
                 const char *authz)
{
    struct sim_request req;
    struct sim_reply rep;
    int status;

    memset(&req, 0, sizeof(req));
    memset(&rep, 0, sizeof(rep));
    req.method = method;
    req.path = path;
    req.authorization = authz;
    if (strcmp(method, "POST") == 0) {
        req.content_type = "application/x-www-form-urlencoded";
        req.body = "grant_type=urn:ibm:params:oauth:grant-type:apikey&apikey=rl-key";
        req.body_len = strlen(req.body);
    }
    sim_route(env, &req, &rep);
    status = rep.status;
    sim_reply_clear(&rep);
    return status;
}

static void test_router(void)
{
    struct sim_tenants *tenants = sim_tenants_new();
    struct sim_iam *iam = sim_iam_new("rl-key", 3600);
    struct sim_ratelimit *rl = NULL;
    struct sim_env env;
    char auth[2048];
    char *tok = NULL;
    int i;

    CU_ASSERT_FATAL(tenants && iam);
    sim_tenants_add(tenants, "t1", NULL);
    sim_tenants_add(tenants, "t2", NULL);
    CU_ASSERT_FATAL(sim_iam_issue(iam, time(NULL), &tok) == AMG_OK);
    snprintf(auth, sizeof(auth), "Bearer %s", tok);
    free(tok);
    fakeclock_reset(0, 0);
    CU_ASSERT_FATAL(sim_ratelimit_new(2, 30, 0, &fakeclock_clock, &rl) == AMG_OK);
    memset(&env, 0, sizeof(env));
    env.tenants = tenants;
    env.iam = iam;
    env.base_url = "http://127.0.0.1:1";
    env.region = "us-south";
    env.ratelimit = rl;

    /* Neither IAM, nor requests without a valid token, nor unknown
     * tenants, use t1's tokens. */
    for (i = 0; i < 5; i++) {
        CU_ASSERT_EQUAL(route(&env, "POST", "/identity/token", NULL), 200);
        CU_ASSERT_EQUAL(route(&env, "GET", "/management/v4/t1/config/tokens", NULL), 401);
        CU_ASSERT_EQUAL(route(&env, "GET", "/management/v4/nope/config/tokens", auth), 404);
    }
    CU_ASSERT_EQUAL(route(&env, "GET", "/management/v4/t1/config/tokens", auth), 200);
    /* Unknown endpoints of a known tenant do count. */
    CU_ASSERT_EQUAL(route(&env, "GET", "/management/v4/t1/no/such", auth), 404);
    CU_ASSERT_EQUAL(route(&env, "GET", "/management/v4/t1/config/tokens", auth), 429);
    /* Blocked: every management request of t1, any method or path. */
    CU_ASSERT_EQUAL(route(&env, "PUT", "/management/v4/t1/config/tokens", auth), 429);
    CU_ASSERT_EQUAL(route(&env, "GET", "/management/v4/t1/config/ui/theme_color", auth), 429);
    /* ... while IAM, auth failures and other tenants are unaffected. */
    CU_ASSERT_EQUAL(route(&env, "POST", "/identity/token", NULL), 200);
    CU_ASSERT_EQUAL(route(&env, "GET", "/management/v4/t1/config/tokens", NULL), 401);
    CU_ASSERT_EQUAL(route(&env, "GET", "/management/v4/t2/config/tokens", auth), 200);
    fakeclock.now += 30;
    CU_ASSERT_EQUAL(route(&env, "GET", "/management/v4/t1/config/tokens", auth), 200);

    sim_ratelimit_free(rl);
    sim_iam_free(iam);
    sim_tenants_free(tenants);
}

static const struct amg_test tests[] = {
    { "invalid arguments", test_invalid },
    { "burst, block, end of block", test_burst_then_block },
    { "refill and cap", test_refill },
    { "tenants are isolated", test_tenants_isolated },
    { "block 0 is a plain token bucket", test_no_block },
    { "fractional block", test_fractional_block },
    { "429 reply and Retry-After", test_reply },
    { "router: what counts and what is blocked", test_router },
    { NULL, NULL },
};

int main(void)
{
    return amg_test_main("sim_ratelimit", tests);
}

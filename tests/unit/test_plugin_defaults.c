/* App ID's defaults (plugins/common/defaults.c) and how
 * amgp_restore_singleton uses them under on_conflict: a document still at
 * its default is restored and is no conflict; a configured one is left to
 * the policy. Against a scripted host. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <jansson.h>
#include "defaults.h"
#include "pluginutil.h"
#include "testutil.h"

#define DEFAULT_TOKENS \
    "{\"access\":{\"expires_in\":3600},\"refresh\":{\"enabled\":false,\"expires_in\":2592000}," \
    "\"anonymousAccess\":{\"enabled\":true,\"expires_in\":2592000}}"
#define CONFIGURED_TOKENS \
    "{\"access\":{\"expires_in\":1800},\"refresh\":{\"enabled\":false,\"expires_in\":2592000}," \
    "\"anonymousAccess\":{\"enabled\":true,\"expires_in\":2592000}}"
#define WANT_TOKENS \
    "{\"access\":{\"expires_in\":900},\"refresh\":{\"enabled\":true,\"expires_in\":90000}," \
    "\"anonymousAccess\":{\"enabled\":false,\"expires_in\":100000}}"

static const char *policy;       /* core.on_conflict */
static int planning;
static const char *current;      /* the target's document */
static int puts_sent;
static int tallied[AMG_OUT_COUNT_];
static int planned[AMG_OUT_COUNT_];
static char plan_detail[700];
static int failed;

static void fake_log(struct amg_ctx *ctx, enum amg_log_level level, const char *fmt, ...)
{
    (void)ctx;
    (void)level;
    (void)fmt;
}

static int fake_request(struct amg_ctx *ctx, const char *method, const char *path, json_t *body,
                        long *status, json_t **response)
{
    (void)ctx;
    (void)path;
    (void)body;
    *response = NULL;
    if (strcmp(method, "GET") == 0) {
        *status = 200;
        *response = json_loads(current, 0, NULL);
        return AMG_OK;
    }
    CU_ASSERT_FALSE(planning);
    puts_sent++;
    *status = 200;
    return AMG_OK;
}

static const char *fake_strerror(int status)
{
    (void)status;
    return "error";
}

static const char *fake_option(struct amg_ctx *ctx, const char *key)
{
    (void)ctx;
    return strcmp(key, AMG_CORE_OPTION_ON_CONFLICT) == 0 ? policy : NULL;
}

static void fake_tally(struct amg_ctx *ctx, enum amg_outcome what, long n)
{
    (void)ctx;
    tallied[what] += (int)n;
}

static int fake_planning(struct amg_ctx *ctx)
{
    (void)ctx;
    return planning;
}

static void fake_plan(struct amg_ctx *ctx, enum amg_outcome what, const char *object,
                      const char *detail)
{
    (void)ctx;
    (void)object;
    planned[what]++;
    snprintf(plan_detail, sizeof(plan_detail), "%s", detail ? detail : "");
}

static void fake_fail(struct amg_ctx *ctx, const char *object, const char *fmt, ...)
{
    (void)ctx;
    (void)object;
    (void)fmt;
    failed++;
}

/* Restore WANT_TOKENS into a target holding `cur` under `pol`. */
static int restore(const char *pol, int plan, const char *cur)
{
    struct amg_host h;
    json_t *want = json_loads(WANT_TOKENS, 0, NULL);
    int rc;

    memset(&h, 0, sizeof(h));
    h.struct_size = sizeof(h);
    h.log = fake_log;
    h.request = fake_request;
    h.strerror = fake_strerror;
    h.option = fake_option;
    h.tally = fake_tally;
    h.planning = fake_planning;
    h.plan = fake_plan;
    h.fail = fake_fail;
    policy = pol;
    planning = plan;
    current = cur;
    puts_sent = failed = 0;
    memset(tallied, 0, sizeof(tallied));
    memset(planned, 0, sizeof(planned));
    plan_detail[0] = '\0';
    rc = amgp_restore_singleton(&h, NULL, "token configuration", "/config/tokens", want, 200,
                                NULL);
    json_decref(want);
    return rc;
}

static void test_table(void)
{
    json_t *d = amgp_default_of("/config/tokens");
    json_t *same = json_loads(DEFAULT_TOKENS, 0, NULL);

    CU_ASSERT_TRUE(json_equal(d, same));
    json_decref(d);
    json_decref(same);
    d = amgp_default_of("/config/idps/saml");
    CU_ASSERT_TRUE(json_is_false(json_object_get(d, "isActive")));
    json_decref(d);
    /* Not published: templates and the logo; not singletons: anything else. */
    CU_ASSERT_PTR_NULL(amgp_default_of("/config/cloud_directory/templates/WELCOME/en"));
    CU_ASSERT_PTR_NULL(amgp_default_of("/config/ui/media"));
    CU_ASSERT_PTR_NULL(amgp_default_of("/roles"));
    CU_ASSERT_PTR_NULL(amgp_default_of(NULL));
}

/* A view that keeps only "access", as a plugin's normalisation would. */
static json_t *access_only(json_t *doc)
{
    json_t *access = json_object_get(doc, "access");

    return access ? json_pack("{s:O}", "access", access) : json_object();
}

static void test_at_default(void)
{
    json_t *def = json_loads(DEFAULT_TOKENS, 0, NULL);
    json_t *conf = json_loads(CONFIGURED_TOKENS, 0, NULL);
    json_t *view = access_only(def);
    json_t *other = json_loads("{\"access\":{\"expires_in\":3600},\"refresh\":{}}", 0, NULL);
    char detail[64];

    CU_ASSERT_EQUAL(amgp_at_default("/config/tokens", def, NULL), 1);
    CU_ASSERT_EQUAL(amgp_at_default("/config/tokens", conf, NULL), 0);
    CU_ASSERT_EQUAL(amgp_at_default("/config/tokens", NULL, NULL), 0);
    /* Compared through the same view: what it drops does not count. */
    CU_ASSERT_EQUAL(amgp_at_default("/config/tokens", view, access_only), 1);
    CU_ASSERT_EQUAL(amgp_at_default("/config/tokens", other, NULL), 0);
    /* No known default: configured. */
    CU_ASSERT_EQUAL(amgp_at_default("/config/ui/media", def, NULL), 0);
    amgp_default_detail("fields: a", detail, sizeof(detail));
    CU_ASSERT_STRING_EQUAL(detail, "at App ID's default; fields: a");
    json_decref(def);
    json_decref(conf);
    json_decref(view);
    json_decref(other);
}

static void test_skip(void)
{
    CU_ASSERT_EQUAL(restore("skip", 0, DEFAULT_TOKENS), AMG_OK);
    CU_ASSERT_EQUAL(puts_sent, 1);
    CU_ASSERT_EQUAL(tallied[AMG_OUT_UPDATED], 1);
    CU_ASSERT_EQUAL(restore("skip", 0, CONFIGURED_TOKENS), AMG_OK);
    CU_ASSERT_EQUAL(puts_sent, 0);
    CU_ASSERT_EQUAL(tallied[AMG_OUT_SKIPPED], 1);
    CU_ASSERT_EQUAL(tallied[AMG_OUT_UPDATED], 0);
}

static void test_fail(void)
{
    CU_ASSERT_EQUAL(restore("fail", 0, DEFAULT_TOKENS), AMG_OK);
    CU_ASSERT_EQUAL(puts_sent, 1);
    CU_ASSERT_EQUAL(failed, 0);
    CU_ASSERT_EQUAL(restore("fail", 0, CONFIGURED_TOKENS), AMG_OK);
    CU_ASSERT_EQUAL(puts_sent, 0);
    CU_ASSERT_EQUAL(failed, 1);
    /* Already as the snapshot wants it: unchanged, whatever the policy. */
    CU_ASSERT_EQUAL(restore("fail", 0, WANT_TOKENS), AMG_OK);
    CU_ASSERT_EQUAL(tallied[AMG_OUT_UNCHANGED], 1);
    CU_ASSERT_EQUAL(failed, 0);
}

static void test_plan(void)
{
    /* The core's conflict check plans under update. */
    CU_ASSERT_EQUAL(restore("update", 1, DEFAULT_TOKENS), AMG_OK);
    CU_ASSERT_EQUAL(planned[AMG_OUT_UPDATED], 1);
    CU_ASSERT_EQUAL(strncmp(plan_detail, AMG_PLAN_DETAIL_AT_DEFAULT,
                            strlen(AMG_PLAN_DETAIL_AT_DEFAULT)), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(plan_detail, "fields: access.expires_in"));
    CU_ASSERT_EQUAL(restore("update", 1, CONFIGURED_TOKENS), AMG_OK);
    CU_ASSERT_EQUAL(planned[AMG_OUT_UPDATED], 1);
    CU_ASSERT_EQUAL(strncmp(plan_detail, "fields: ", 8), 0);
    CU_ASSERT_EQUAL(restore("skip", 1, CONFIGURED_TOKENS), AMG_OK);
    CU_ASSERT_EQUAL(planned[AMG_OUT_SKIPPED], 1);
    CU_ASSERT_EQUAL(restore("skip", 1, DEFAULT_TOKENS), AMG_OK);
    CU_ASSERT_EQUAL(planned[AMG_OUT_UPDATED], 1);
    CU_ASSERT_EQUAL(puts_sent, 0);
}

static const struct amg_test tests[] = {
    { "the defaults table", test_table },
    { "at default, through the plugin's view", test_at_default },
    { "skip restores a default, leaves a configured one", test_skip },
    { "fail writes over a default, refuses a configured one", test_fail },
    { "plans mark updates of defaults", test_plan },
    { NULL, NULL },
};

int main(void)
{
    return amg_test_main("plugin defaults", tests);
}

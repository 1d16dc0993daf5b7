/* amgp_create (plugins/common/pluginutil.c) against a scripted host: a
 * create whose answer was lost is looked up by name before it is sent
 * again, so nothing is created twice. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <jansson.h>
#include "pluginutil.h"
#include "testutil.h"

struct step {
    const char *method;   /* expected method */
    int rc;               /* what request() returns */
    long status;
    const char *body;     /* answer, or NULL */
};

static const struct step *script;
static int pos, posts, gets;

static void fake_log(struct amg_ctx *ctx, enum amg_log_level level, const char *fmt, ...)
{
    (void)ctx;
    (void)level;
    (void)fmt;
}

static int fake_request(struct amg_ctx *ctx, const char *method, const char *path, json_t *body,
                        long *status, json_t **response)
{
    const struct step *s = &script[pos++];

    (void)ctx;
    (void)path;
    (void)body;
    CU_ASSERT_PTR_NOT_NULL_FATAL(s->method);
    CU_ASSERT_STRING_EQUAL(method, s->method);
    if (strcmp(method, "POST") == 0)
        posts++;
    else
        gets++;
    *status = s->status;
    *response = s->body ? json_loads(s->body, 0, NULL) : NULL;
    return s->rc;
}

static const char *fake_strerror(int status)
{
    (void)status;
    return "error";
}

static int run(const struct step *steps, json_t **resp)
{
    struct amg_host h;
    json_t *body = json_pack("{s:s}", "name", "web");
    int rc;

    memset(&h, 0, sizeof(h));
    h.struct_size = sizeof(h);
    h.log = fake_log;
    h.request = fake_request;
    h.strerror = fake_strerror;
    script = steps;
    pos = posts = gets = 0;
    rc = amgp_create(&h, NULL, "/applications", body, 200, "applications", "name", "web", resp);
    json_decref(body);
    return rc;
}

static void test_lost_answer_found(void)
{
    static const struct step steps[] = {
        { "POST", AMG_EHTTP, 0, NULL },
        { "GET", AMG_OK, 200,
          "{\"applications\":[{\"name\":\"other\",\"clientId\":\"c0\"},"
          "{\"name\":\"web\",\"clientId\":\"c1\"}]}" },
        { NULL, 0, 0, NULL },
    };
    json_t *resp = NULL;

    CU_ASSERT_EQUAL(run(steps, &resp), AMG_OK);
    CU_ASSERT_EQUAL(posts, 1);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(resp, "clientId")), "c1");
    json_decref(resp);
}

static void test_5xx_not_there_sent_again(void)
{
    static const struct step steps[] = {
        { "POST", AMG_OK, 503, "{\"error\":\"busy\"}" },
        { "GET", AMG_OK, 200, "{\"applications\":[{\"name\":\"other\",\"clientId\":\"c0\"}]}" },
        { "POST", AMG_OK, 200, "{\"name\":\"web\",\"clientId\":\"c2\"}" },
        { NULL, 0, 0, NULL },
    };
    json_t *resp = NULL;

    CU_ASSERT_EQUAL(run(steps, &resp), AMG_OK);
    CU_ASSERT_EQUAL(posts, 2);
    CU_ASSERT_EQUAL(gets, 1);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(resp, "clientId")), "c2");
    json_decref(resp);
}

static void test_refused_not_retried(void)
{
    static const struct step steps[] = {
        { "POST", AMG_OK, 400, "{\"message\":\"bad name\"}" },
        { NULL, 0, 0, NULL },
    };
#define LOST_ROUND(post_rc, post_status) \
        { "POST", post_rc, post_status, NULL }, \
        { "GET", AMG_OK, 200, "{\"applications\":[]}" }
    /* Six POSTs, each lost or failed and not found afterwards: give up. */
    static const struct step always_lost[] = {
        LOST_ROUND(AMG_EHTTP, 0), LOST_ROUND(AMG_OK, 502), LOST_ROUND(AMG_OK, 500),
        LOST_ROUND(AMG_EHTTP, 0), LOST_ROUND(AMG_OK, 503), LOST_ROUND(AMG_EHTTP, 0),
        { NULL, 0, 0, NULL },
    };
    /* Five losses, the sixth POST goes through. */
    static const struct step sixth_works[] = {
        LOST_ROUND(AMG_EHTTP, 0), LOST_ROUND(AMG_OK, 502), LOST_ROUND(AMG_OK, 500),
        LOST_ROUND(AMG_EHTTP, 0), LOST_ROUND(AMG_OK, 503),
        { "POST", AMG_OK, 200, "{\"name\":\"web\",\"clientId\":\"c6\"}" },
        { NULL, 0, 0, NULL },
    };
#undef LOST_ROUND
    json_t *resp = NULL;

    CU_ASSERT_EQUAL(run(steps, &resp), AMG_EPROTO);
    CU_ASSERT_EQUAL(posts, 1);
    CU_ASSERT_EQUAL(gets, 0);
    CU_ASSERT_PTR_NULL(resp);
    CU_ASSERT_EQUAL(run(always_lost, &resp), AMG_EPROTO);
    CU_ASSERT_EQUAL(posts, 6);
    CU_ASSERT_EQUAL(gets, 6);
    CU_ASSERT_PTR_NULL(resp);
    CU_ASSERT_EQUAL(run(sixth_works, &resp), AMG_OK);
    CU_ASSERT_EQUAL(posts, 6);
    CU_ASSERT_EQUAL(gets, 5);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(resp, "clientId")), "c6");
    json_decref(resp);
}

static const struct amg_test tests[] = {
    { "lost answer: found by name, not created twice", test_lost_answer_found },
    { "5xx and not there: sent again", test_5xx_not_there_sent_again },
    { "refusals are final; six losses give up", test_refused_not_retried },
    { NULL, NULL },
};

int main(void)
{
    return amg_test_main("plugin create", tests);
}

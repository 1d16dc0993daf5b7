/* Pure helpers of the cloud_directory_users plugin. */
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "cd_users_map.h"
#include "paging.h"
#include "testutil.h"

static json_t *item(const char *text)
{
    json_t *v = json_loads(text, 0, NULL);

    CU_ASSERT_PTR_NOT_NULL_FATAL(v);
    return v;
}

static void test_identity(void)
{
    char buf[64];
    json_t *a = item("{\"scimUser\":{\"originalId\":\"o1\",\"id\":\"i1\",\"userName\":\"al\","
                     "\"emails\":[{\"value\":\"Other@X\"},{\"value\":\"Alice@Example.COM\","
                     "\"primary\":true}]}}");
    json_t *b = item("{\"scimUser\":{\"id\":\"i2\",\"emails\":[{\"value\":\"b@x\"}]}}");
    json_t *c = item("{\"scimUser\":{\"userName\":\"carol\"}}");
    json_t *view;

    CU_ASSERT_STRING_EQUAL(cdu_email(a, buf, sizeof(buf)), "alice@example.com");
    CU_ASSERT_STRING_EQUAL(cdu_email(b, buf, sizeof(buf)), "b@x");
    CU_ASSERT_PTR_NULL(cdu_email(c, buf, sizeof(buf)));
    CU_ASSERT_PTR_NULL(cdu_email(a, buf, 5));    /* does not fit */
    CU_ASSERT_STRING_EQUAL(cdu_original_id(a), "o1");
    CU_ASSERT_STRING_EQUAL(cdu_original_id(b), "i2");
    CU_ASSERT_PTR_NULL(cdu_original_id(c));
    CU_ASSERT_STRING_EQUAL(cdu_user_name(c), "carol");
    view = cdu_view(a);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(view, "email")),
                           "alice@example.com");
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(view, "userName")), "al");
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(view, "id")), "o1");
    json_decref(view);
    json_decref(a);
    json_decref(b);
    json_decref(c);
}

static void test_reasons(void)
{
    static const struct {
        const char *reason;
        int duplicate;
        const char *text;
    } cases[] = {
        { "{\"error\":\"user already exists\"}", 1, "user already exists" },
        { "{\"error\":{\"message\":\"Duplicate email\"}}", 1, "Duplicate email" },
        { "{\"error\":{\"scimType\":\"uniqueness\",\"detail\":\"taken\"}}", 1, "taken" },
        { "{\"error\":\"cannot decrypt passwordHash\"}", 0, "cannot decrypt passwordHash" },
        { "{\"error\":\"role 'x' does not exist\"}", 0, "role 'x' does not exist" },
        { "{\"error\":\"e-mail is in use\"}", 1, "e-mail is in use" },
        { "{}", 0, "no reason given" },
        { "{\"error\":42}", 0, "42" },
    };
    char buf[128];
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        json_t *r = item(cases[i].reason);

        CU_ASSERT_STRING_EQUAL(amgp_reason_text(r, buf, sizeof(buf)), cases[i].text);
        CU_ASSERT_EQUAL(amgp_reason_is_duplicate(r), cases[i].duplicate);
        json_decref(r);
    }
}

static void test_pages(void)
{
    CU_ASSERT_EQUAL(amgp_pages_after_first(0, 50), 0);
    CU_ASSERT_EQUAL(amgp_pages_after_first(50, 50), 0);
    CU_ASSERT_EQUAL(amgp_pages_after_first(51, 50), 1);
    CU_ASSERT_EQUAL(amgp_pages_after_first(100, 50), 1);
    CU_ASSERT_EQUAL(amgp_pages_after_first(101, 50), 2);
    CU_ASSERT_EQUAL(amgp_pages_after_first(100000, 50), 1999);
}

static void test_array_walk(void)
{
    static const struct {
        const char *text;
        int count;      /* elements, or -1 for an error */
    } cases[] = {
        { "[]", 0 },
        { " [ ] ", 0 },
        { "[{\"a\":1}]", 1 },
        { "[{\"a\":\"}]\"},{\"b\":[1,{\"c\":2}]} , {\"d\":\"\\\"}\"}]", 3 },
        { "[1, \"x,y\", null]", 3 },
        { "{\"a\":1}", -1 },
        { "[{\"a\":1}", -1 },
        { "[{\"a\":\"unterminated}]", -1 },
        { "", -1 },
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *t = cases[i].text;
        size_t pos = 0, start = 0, end = 0;
        int n = 0, r;

        while ((r = cdu_array_next(t, strlen(t), &pos, &start, &end)) == 1) {
            json_t *v = json_loadb(t + start, end - start, JSON_DECODE_ANY, NULL);

            CU_ASSERT_PTR_NOT_NULL(v);
            json_decref(v);
            n++;
        }
        CU_ASSERT_EQUAL(r < 0 ? -1 : n, cases[i].count);
    }
}

/* Identity keys of a dry run: App ID keeps e-mail and userName unique
 * without regard to case. */
static void test_keys(void)
{
    char e[64], u[64];
    json_t *a = item("{\"userName\":\"Al\",\"emails\":[{\"value\":\"x@y\"},"
                     "{\"value\":\"Alice@Example.COM\",\"primary\":true}]}");
    json_t *b = item("{\"emails\":[{\"value\":\"B@X\"}]}");
    json_t *c = item("{\"userName\":\"carol\"}");
    json_t *d = item("{}");

    CU_ASSERT_EQUAL(cdu_keys(a, e, sizeof(e), u, sizeof(u)), 2);
    CU_ASSERT_STRING_EQUAL(e, "e:alice@example.com");
    CU_ASSERT_STRING_EQUAL(u, "u:al");
    CU_ASSERT_EQUAL(cdu_keys(b, e, sizeof(e), u, sizeof(u)), 1);
    CU_ASSERT_STRING_EQUAL(e, "e:b@x");
    CU_ASSERT_STRING_EQUAL(u, "");
    CU_ASSERT_EQUAL(cdu_keys(c, e, sizeof(e), u, sizeof(u)), 1);
    CU_ASSERT_STRING_EQUAL(e, "");
    CU_ASSERT_STRING_EQUAL(u, "u:carol");
    CU_ASSERT_EQUAL(cdu_keys(d, e, sizeof(e), u, sizeof(u)), 0);
    /* A key that does not fit is left out rather than cut. */
    CU_ASSERT_EQUAL(cdu_keys(a, e, 8, u, sizeof(u)), 1);
    CU_ASSERT_STRING_EQUAL(e, "");
    json_decref(a);
    json_decref(b);
    json_decref(c);
    json_decref(d);
}

static const struct amg_test tests[] = {
    { "identity keys of a plan", test_keys },
    { "user identity and filter view", test_identity },
    { "import failure reasons", test_reasons },
    { "page arithmetic", test_pages },
    { "streaming walk of a JSON array", test_array_walk },
    { NULL, NULL },
};

int main(void)
{
    return amg_test_main("plugin cloud_directory_users", tests);
}

/* Pure transformations of the applications plugin (applications_map.c). */
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "applications_map.h"
#include "testutil.h"

static json_t *parse(const char *text)
{
    json_t *v = json_loads(text, JSON_DECODE_ANY, NULL);

    CU_ASSERT_PTR_NOT_NULL_FATAL(v);
    return v;
}

/* Compare `v` (stolen, may be NULL) with the compact, key-sorted `want`. */
static void expect_json(json_t *v, const char *want)
{
    char *text = v ? json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY) : NULL;

    CU_ASSERT_PTR_NOT_NULL(text);
    if (text) {
        CU_ASSERT_STRING_EQUAL(text, want);
    }
    free(text);
    json_decref(v);
}

static void test_record_strips_secret_and_urls(void)
{
    json_t *app = parse("{\"clientId\":\"c1\",\"tenantId\":\"t\",\"secret\":\"s3cr3t\","
                        "\"name\":\"web\",\"type\":\"singlepageapp\",\"oAuthServerUrl\":\"u\","
                        "\"profilesUrl\":\"p\",\"discoveryEndpoint\":\"d\"}");
    json_t *scopes = parse("[\"read\",\"write\"]");
    json_t *rec = amgp_apps_record(app, scopes);

    /* The record owns its scopes: later changes to the input do not leak. */
    json_array_clear(scopes);
    expect_json(rec, "{\"clientId\":\"c1\",\"name\":\"web\",\"scopes\":[\"read\",\"write\"],"
                     "\"type\":\"singlepageapp\"}");
    json_decref(scopes);
    json_decref(app);
}

static void test_record_defaults_and_refusals(void)
{
    json_t *scopes = parse("[]");
    json_t *untyped = parse("{\"clientId\":\"c1\",\"name\":\"web\"}");
    json_t *no_id = parse("{\"name\":\"web\"}");
    json_t *no_name = parse("{\"clientId\":\"c1\",\"name\":7}");

    expect_json(amgp_apps_record(untyped, scopes),
                "{\"clientId\":\"c1\",\"name\":\"web\",\"scopes\":[],\"type\":\"regularwebapp\"}");
    CU_ASSERT_PTR_NULL(amgp_apps_record(no_id, scopes));
    CU_ASSERT_PTR_NULL(amgp_apps_record(no_name, scopes));
    CU_ASSERT_PTR_NULL(amgp_apps_record(untyped, NULL));
    json_decref(scopes);
    json_decref(untyped);
    json_decref(no_id);
    json_decref(no_name);
}

static void test_scopes_union(void)
{
    static const struct {
        const char *target, *want, *result;
    } cases[] = {
        { "[\"a\",\"b\"]", "[\"b\",\"c\",\"a\",\"d\"]", "[\"a\",\"b\",\"c\",\"d\"]" },
        { "[\"x\"]", "[]", "[\"x\"]" },
        { "[]", "[\"p\",\"q\"]", "[\"p\",\"q\"]" },
        { "[\"a\",\"b\"]", "[\"a\",\"b\"]", "[\"a\",\"b\"]" },
        /* Target scopes are never dropped, whatever the snapshot says. */
        { "[\"legacy\"]", "[\"new\"]", "[\"legacy\",\"new\"]" },
        { "null", "[\"a\",3,\"a\"]", "[\"a\"]" },
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        json_t *t = parse(cases[i].target);
        json_t *w = parse(cases[i].want);

        expect_json(amgp_apps_scopes_union(t, w), cases[i].result);
        json_decref(t);
        json_decref(w);
    }
}

static void test_find_name(void)
{
    json_t *apps = parse("[{\"name\":\"a\",\"clientId\":\"1\"},{\"name\":\"b\",\"clientId\":\"2\"},"
                         "{\"name\":\"b\",\"clientId\":\"3\"}]");

    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(amgp_apps_find_name(apps, "b"),
                                                             "clientId")), "2");
    CU_ASSERT_PTR_NULL(amgp_apps_find_name(apps, "c"));
    CU_ASSERT_PTR_NULL(amgp_apps_find_name(NULL, "a"));
    json_decref(apps);
}

/* `n` copies of `unit` in a static buffer. */
static const char *repeat(const char *unit, size_t n)
{
    static char buf[512];
    size_t i, len = strlen(unit);

    buf[0] = '\0';
    for (i = 0; i < n && (i + 1) * len < sizeof(buf); i++)
        memcpy(buf + i * len, unit, len + 1);
    return buf;
}

static void test_name_rules(void)
{
    CU_ASSERT_PTR_NULL(amgp_apps_name_problem("web"));
    CU_ASSERT_PTR_NOT_NULL(amgp_apps_name_problem(""));
    CU_ASSERT_PTR_NULL(amgp_apps_name_problem(repeat("a", 50)));
    CU_ASSERT_PTR_NOT_NULL(amgp_apps_name_problem(repeat("a", 51)));
    /* Characters, not bytes: 50 two-byte characters are fine. */
    CU_ASSERT_PTR_NULL(amgp_apps_name_problem(repeat("\xc3\xbc", 50)));
    CU_ASSERT_PTR_NOT_NULL(amgp_apps_name_problem(repeat("\xc3\xbc", 51)));
}

static void test_scope_rules(void)
{
    static const struct {
        const char *scope;
        int ok;
    } cases[] = {
        { "read", 1 }, { "a.b_c9", 1 }, { "xappid", 1 }, { "app", 1 },
        { "", 0 }, { "Read", 0 }, { "a-b", 0 }, { "a b", 0 }, { "appid", 0 },
        { "appidx", 0 }, { "openid", 0 }, { "openid.profile", 0 }, { "caf\xc3\xa9", 0 },
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        CU_ASSERT_EQUAL(amgp_apps_scope_problem(cases[i].scope) == NULL, cases[i].ok);
    CU_ASSERT_PTR_NULL(amgp_apps_scope_problem(repeat("s", 49)));
    CU_ASSERT_PTR_NOT_NULL(amgp_apps_scope_problem(repeat("s", 50)));
    CU_ASSERT_PTR_NULL(amgp_apps_type_problem("regularwebapp"));
    CU_ASSERT_PTR_NULL(amgp_apps_type_problem("singlepageapp"));
    CU_ASSERT_PTR_NOT_NULL(amgp_apps_type_problem("native"));
}

static void test_id_ok(void)
{
    CU_ASSERT_TRUE(amgp_apps_id_ok("0d6b3c8e-2f4a-4b1c-9d7e-1a2b3c4d5e6f"));
    CU_ASSERT_TRUE(amgp_apps_id_ok(repeat("a", 128)));
    CU_ASSERT_FALSE(amgp_apps_id_ok(repeat("a", 129)));
    CU_ASSERT_FALSE(amgp_apps_id_ok(""));
    CU_ASSERT_FALSE(amgp_apps_id_ok(".."));
    CU_ASSERT_FALSE(amgp_apps_id_ok("a/b"));
    CU_ASSERT_FALSE(amgp_apps_id_ok("a?b"));
    CU_ASSERT_FALSE(amgp_apps_id_ok("a%2f"));
}

/* What a dry run reports as "scopes to add": the snapshot's scopes the
 * target lacks, in order, each once. */
static void test_scopes_missing(void)
{
    json_t *target = parse("[\"a\", \"b\"]");
    json_t *want = parse("[\"c\", \"a\", \"d\", \"c\", 7]");
    json_t *none = parse("[\"b\", \"a\"]");
    json_t *out = amgp_apps_scopes_missing(target, want);
    char *text = json_dumps(out, JSON_COMPACT);

    CU_ASSERT_STRING_EQUAL(text, "[\"c\",\"d\"]");
    free(text);
    json_decref(out);
    out = amgp_apps_scopes_missing(target, none);
    CU_ASSERT_EQUAL(json_array_size(out), 0);
    json_decref(out);
    /* A target without scopes (answer not an array): all of them. */
    out = amgp_apps_scopes_missing(NULL, target);
    CU_ASSERT_EQUAL(json_array_size(out), 2);
    json_decref(out);
    json_decref(none);
    json_decref(want);
    json_decref(target);
}

int main(void)
{
    static const struct amg_test tests[] = {
        { "record strips the secret and the URLs", test_record_strips_secret_and_urls },
        { "record defaults and refusals", test_record_defaults_and_refusals },
        { "scopes union keeps the target's", test_scopes_union },
        { "find by name takes the first", test_find_name },
        { "application name rules", test_name_rules },
        { "scope name and type rules", test_scope_rules },
        { "ids safe in a path", test_id_ok },
        { "scopes a dry run would add", test_scopes_missing },
        { NULL, NULL },
    };

    return amg_test_main("plugin_applications", tests);
}

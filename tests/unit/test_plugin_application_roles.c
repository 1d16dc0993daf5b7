/* Pure transformations of the application_roles plugin
 * (application_roles_map.c). */
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "application_roles_map.h"
#include "testutil.h"

static json_t *parse(const char *text)
{
    json_t *v = json_loads(text, JSON_DECODE_ANY, NULL);

    CU_ASSERT_PTR_NOT_NULL_FATAL(v);
    return v;
}

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

static void test_record(void)
{
    json_t *app = parse("{\"clientId\":\"c1\",\"name\":\"api\",\"secret\":\"s\",\"type\":\"x\"}");
    json_t *roles = parse("[{\"id\":\"r1\",\"name\":\"reader\",\"extra\":true},"
                          "{\"id\":\"r2\",\"name\":\"writer\"}]");
    json_t *bad_role = parse("[{\"id\":\"r1\"}]");
    json_t *no_name = parse("{\"clientId\":\"c1\"}");

    expect_json(amgp_approles_record(app, roles),
                "{\"application_name\":\"api\",\"clientId\":\"c1\",\"roles\":["
                "{\"id\":\"r1\",\"name\":\"reader\"},{\"id\":\"r2\",\"name\":\"writer\"}]}");
    CU_ASSERT_PTR_NULL(amgp_approles_record(app, bad_role));
    CU_ASSERT_PTR_NULL(amgp_approles_record(no_name, roles));
    json_decref(app);
    json_decref(roles);
    json_decref(bad_role);
    json_decref(no_name);
}

static void test_ids(void)
{
    json_t *roles = parse("[{\"id\":\"r1\",\"name\":\"a\"},{\"name\":\"b\"},{\"id\":\"r3\"}]");

    expect_json(amgp_approles_ids(roles), "[\"r1\",\"r3\"]");
    json_decref(roles);
}

static void test_union(void)
{
    static const struct {
        const char *current, *add, *result;
    } cases[] = {
        { "[\"a\",\"b\"]", "[\"b\",\"c\"]", "[\"a\",\"b\",\"c\"]" },
        { "[]", "[\"x\"]", "[\"x\"]" },
        /* A role the target gave the application stays. */
        { "[\"keep\"]", "[]", "[\"keep\"]" },
        { "[\"a\"]", "[\"a\",\"a\",1]", "[\"a\"]" },
        { "null", "[\"a\"]", "[\"a\"]" },
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        json_t *c = parse(cases[i].current);
        json_t *a = parse(cases[i].add);

        expect_json(amgp_approles_union(c, a), cases[i].result);
        json_decref(c);
        json_decref(a);
    }
}

static void test_find_and_ids_ok(void)
{
    json_t *list = parse("[{\"name\":\"a\",\"id\":\"1\"},{\"name\":\"b\",\"id\":\"2\"}]");

    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(
                               amgp_approles_find(list, "name", "b"), "id")), "2");
    CU_ASSERT_PTR_NULL(amgp_approles_find(list, "name", "zz"));
    CU_ASSERT_PTR_NULL(amgp_approles_find(list, "name", NULL));
    CU_ASSERT_TRUE(amgp_approles_id_ok("abc-DEF_1.2"));
    CU_ASSERT_FALSE(amgp_approles_id_ok("a b"));
    CU_ASSERT_FALSE(amgp_approles_id_ok("."));
    json_decref(list);
}

/* The role names a dry run reports as "roles to add". */
static void test_missing_names(void)
{
    json_t *current = parse("[\"r1\", \"r2\"]");
    json_t *want = parse("[{\"id\":\"r2\",\"name\":\"editor\"},"
                         "{\"id\":\"(planned) old-9\",\"name\":\"runner\"},"
                         "{\"id\":\"r3\",\"name\":\"viewer\"},{\"id\":\"r4\"}]");
    json_t *out = amgp_approles_missing_names(current, want);
    char *text = json_dumps(out, JSON_COMPACT);

    CU_ASSERT_STRING_EQUAL(text, "[\"runner\",\"viewer\"]");
    free(text);
    json_decref(out);
    /* An application this import creates has no roles yet. */
    out = amgp_approles_missing_names(NULL, want);
    text = json_dumps(out, JSON_COMPACT);
    CU_ASSERT_STRING_EQUAL(text, "[\"editor\",\"runner\",\"viewer\"]");
    free(text);
    json_decref(out);
    json_decref(want);
    json_decref(current);
}

int main(void)
{
    static const struct amg_test tests[] = {
        { "record keeps names and ids only", test_record },
        { "ids of an application-roles answer", test_ids },
        { "union never drops a role", test_union },
        { "find, ids safe in a path", test_find_and_ids_ok },
        { "role names a dry run would add", test_missing_names },
        { NULL, NULL },
    };

    return amg_test_main("plugin_application_roles", tests);
}

/* Pure transformations of the roles plugin (roles_map.c): access entries
 * gain application names at export and lose them, with clientIds
 * rewritten, on import. */
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "roles_map.h"
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

static const char *APPS =
    "[{\"clientId\":\"old-web\",\"name\":\"web\",\"secret\":\"x\"},"
    "{\"clientId\":\"old-api\",\"name\":\"api\"}]";

static void test_record_adds_names(void)
{
    json_t *apps = parse(APPS);
    json_t *role = parse("{\"id\":\"r1\",\"name\":\"admin\",\"description\":\"d\",\"extra\":1,"
                         "\"access\":[{\"application_id\":\"old-web\",\"scopes\":[\"read\"],"
                         "\"x\":2},{\"application_id\":\"old-api\",\"scopes\":[]}]}");
    size_t dropped = 99;

    expect_json(amgp_roles_record(role, apps, &dropped),
                "{\"access\":[{\"application_id\":\"old-web\",\"application_name\":\"web\","
                "\"scopes\":[\"read\"]},{\"application_id\":\"old-api\","
                "\"application_name\":\"api\",\"scopes\":[]}],\"description\":\"d\","
                "\"id\":\"r1\",\"name\":\"admin\"}");
    CU_ASSERT_EQUAL(dropped, 0);
    json_decref(role);
    json_decref(apps);
}

static void test_record_drops_dangling_access(void)
{
    json_t *apps = parse(APPS);
    json_t *role = parse("{\"id\":\"r1\",\"name\":\"x\",\"access\":[{\"application_id\":"
                         "\"gone\",\"scopes\":[\"a\"]},{\"application_id\":\"old-api\","
                         "\"scopes\":[\"b\"]},{\"scopes\":[]}]}");
    json_t *bad = parse("{\"name\":\"x\",\"access\":[]}");
    size_t dropped = 0;

    expect_json(amgp_roles_record(role, apps, &dropped),
                "{\"access\":[{\"application_id\":\"old-api\",\"application_name\":\"api\","
                "\"scopes\":[\"b\"]}],\"description\":\"\",\"id\":\"r1\",\"name\":\"x\"}");
    CU_ASSERT_EQUAL(dropped, 2);
    CU_ASSERT_PTR_NULL(amgp_roles_record(bad, apps, &dropped));
    json_decref(bad);
    json_decref(role);
    json_decref(apps);
}

/* Resolver over a fixed table: by old id first, then by name. */
static const char *resolve(void *ud, const char *old_id, const char *app_name)
{
    (void)ud;
    if (old_id && strcmp(old_id, "old-web") == 0)
        return "new-web";
    if (app_name && strcmp(app_name, "api") == 0)
        return "new-api";
    return NULL;
}

static void test_body_rewrites_and_strips(void)
{
    json_t *rec = parse("{\"id\":\"r1\",\"name\":\"admin\",\"access\":["
                        "{\"application_id\":\"old-web\",\"application_name\":\"web\","
                        "\"scopes\":[\"read\"]},{\"application_id\":\"old-api\","
                        "\"application_name\":\"api\",\"scopes\":[\"b\"]}]}");
    long missing = 7;

    expect_json(amgp_roles_body(rec, resolve, NULL, &missing),
                "{\"access\":[{\"application_id\":\"new-web\",\"scopes\":[\"read\"]},"
                "{\"application_id\":\"new-api\",\"scopes\":[\"b\"]}],\"description\":\"\","
                "\"name\":\"admin\"}");
    CU_ASSERT_EQUAL(missing, -1);
    json_decref(rec);
}

static void test_body_names_the_missing_entry(void)
{
    json_t *rec = parse("{\"id\":\"r1\",\"name\":\"admin\",\"description\":\"d\",\"access\":["
                        "{\"application_id\":\"old-web\",\"application_name\":\"web\","
                        "\"scopes\":[]},{\"application_id\":\"old-x\","
                        "\"application_name\":\"x\",\"scopes\":[]}]}");
    long missing = -1;

    CU_ASSERT_PTR_NULL(amgp_roles_body(rec, resolve, NULL, &missing));
    CU_ASSERT_EQUAL(missing, 1);
    json_decref(rec);
}

static void test_same(void)
{
    static const struct {
        const char *have, *want;
        int same;
    } cases[] = {
        { "{\"id\":\"1\",\"name\":\"a\",\"description\":\"\",\"access\":[]}",
          "{\"name\":\"a\",\"description\":\"\",\"access\":[]}", 1 },
        /* A missing description is the empty one. */
        { "{\"name\":\"a\",\"access\":[]}", "{\"name\":\"a\",\"description\":\"\",\"access\":[]}",
          1 },
        { "{\"description\":\"x\",\"access\":[]}", "{\"description\":\"y\",\"access\":[]}", 0 },
        /* Order of entries and of scopes does not matter. */
        { "{\"access\":[{\"application_id\":\"p\",\"scopes\":[\"a\",\"b\"]},"
          "{\"application_id\":\"q\",\"scopes\":[]}]}",
          "{\"access\":[{\"application_id\":\"q\",\"scopes\":[]},"
          "{\"application_id\":\"p\",\"scopes\":[\"b\",\"a\"]}]}", 1 },
        { "{\"access\":[{\"application_id\":\"p\",\"scopes\":[\"a\"]}]}",
          "{\"access\":[{\"application_id\":\"p\",\"scopes\":[\"a\",\"b\"]}]}", 0 },
        { "{\"access\":[{\"application_id\":\"p\",\"scopes\":[\"a\"]}]}",
          "{\"access\":[{\"application_id\":\"q\",\"scopes\":[\"a\"]}]}", 0 },
        { "{\"access\":[]}", "{\"access\":[{\"application_id\":\"q\",\"scopes\":[]}]}", 0 },
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        json_t *have = parse(cases[i].have);
        json_t *want = parse(cases[i].want);

        CU_ASSERT_EQUAL(amgp_roles_same(have, want), cases[i].same);
        json_decref(have);
        json_decref(want);
    }
}

static void test_find_and_ids(void)
{
    json_t *roles = parse("[{\"id\":\"1\",\"name\":\"a\"},{\"id\":\"2\",\"name\":\"b\"}]");

    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(
                               amgp_roles_find_name(roles, "b"), "id")), "2");
    CU_ASSERT_PTR_NULL(amgp_roles_find_name(roles, "c"));
    CU_ASSERT_PTR_NULL(amgp_roles_find_name(roles, NULL));
    CU_ASSERT_TRUE(amgp_roles_id_ok("6a0c1f3e-1111-4222-8333-444455556666"));
    CU_ASSERT_FALSE(amgp_roles_id_ok("../x"));
    CU_ASSERT_FALSE(amgp_roles_id_ok(NULL));
    CU_ASSERT_FALSE(amgp_roles_id_ok(""));
    json_decref(roles);
}

/* The fields a dry run names for a role it would update. */
static void test_diff(void)
{
    json_t *have = parse("{\"id\":\"r1\",\"name\":\"admin\",\"description\":\"d\","
                         "\"access\":[{\"application_id\":\"x\",\"scopes\":[\"a\",\"b\"]}]}");
    json_t *same = parse("{\"name\":\"admin\",\"description\":\"d\","
                         "\"access\":[{\"application_id\":\"x\",\"scopes\":[\"b\",\"a\"]}]}");
    json_t *desc = parse("{\"name\":\"admin\",\"description\":\"new\","
                         "\"access\":[{\"application_id\":\"x\",\"scopes\":[\"a\",\"b\"]}]}");
    json_t *access = parse("{\"name\":\"admin\",\"description\":\"d\",\"access\":["
                           "{\"application_id\":\"(planned) x-old\",\"scopes\":[\"a\",\"b\"]}]}");
    json_t *both = parse("{\"name\":\"admin\",\"access\":[]}");

    CU_ASSERT_EQUAL(amgp_roles_diff(have, same), 0);
    CU_ASSERT_TRUE(amgp_roles_same(have, same));
    CU_ASSERT_EQUAL(amgp_roles_diff(have, desc), AMGP_ROLES_DIFF_DESCRIPTION);
    CU_ASSERT_EQUAL(amgp_roles_diff(have, access), AMGP_ROLES_DIFF_ACCESS);
    CU_ASSERT_EQUAL(amgp_roles_diff(have, both),
                    AMGP_ROLES_DIFF_DESCRIPTION | AMGP_ROLES_DIFF_ACCESS);
    CU_ASSERT_FALSE(amgp_roles_same(have, both));
    json_decref(both);
    json_decref(access);
    json_decref(desc);
    json_decref(same);
    json_decref(have);
}

int main(void)
{
    static const struct amg_test tests[] = {
        { "record adds application names", test_record_adds_names },
        { "record drops access to unknown applications", test_record_drops_dangling_access },
        { "body rewrites clientIds and strips names", test_body_rewrites_and_strips },
        { "body names the entry it cannot map", test_body_names_the_missing_entry },
        { "same definition ignores order", test_same },
        { "find by name, ids safe in a path", test_find_and_ids },
        { "what differs for a planned update", test_diff },
        { NULL, NULL },
    };

    return amg_test_main("plugin_roles", tests);
}

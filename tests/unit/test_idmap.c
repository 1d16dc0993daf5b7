#include <stdlib.h>
#include <string.h>
#include "appid-migrate/plugin.h"
#include "idmap.h"
#include "testutil.h"

static void test_put_get(void)
{
    struct amg_idmap *m = NULL;

    CU_ASSERT_EQUAL_FATAL(amg_idmap_new(&m), AMG_OK);
    CU_ASSERT_PTR_NULL(amg_idmap_get(m, "role", "r1"));
    CU_ASSERT_EQUAL(amg_idmap_put(m, "role", "r1", "n1"), AMG_OK);
    CU_ASSERT_EQUAL(amg_idmap_put(m, "role", "r2", "n2"), AMG_OK);
    CU_ASSERT_STRING_EQUAL(amg_idmap_get(m, "role", "r1"), "n1");
    CU_ASSERT_STRING_EQUAL(amg_idmap_get(m, "role", "r2"), "n2");
    CU_ASSERT_PTR_NULL(amg_idmap_get(m, "role", "r3"));
    CU_ASSERT_PTR_NULL(amg_idmap_get(m, "application", "r1"));
    amg_idmap_free(m);
    amg_idmap_free(NULL);
}

static void test_strings_copied(void)
{
    struct amg_idmap *m = NULL;
    char kind[] = "role", old_id[] = "r1", new_id[] = "n1";

    CU_ASSERT_EQUAL_FATAL(amg_idmap_new(&m), AMG_OK);
    CU_ASSERT_EQUAL(amg_idmap_put(m, kind, old_id, new_id), AMG_OK);
    memset(kind, 'z', 4);
    memset(old_id, 'z', 2);
    memset(new_id, 'z', 2);
    CU_ASSERT_STRING_EQUAL(amg_idmap_get(m, "role", "r1"), "n1");
    amg_idmap_free(m);
}

static void test_replace(void)
{
    struct amg_idmap *m = NULL;
    json_t *j;

    CU_ASSERT_EQUAL_FATAL(amg_idmap_new(&m), AMG_OK);
    CU_ASSERT_EQUAL(amg_idmap_put(m, "role", "r1", "n1"), AMG_OK);
    CU_ASSERT_EQUAL(amg_idmap_put(m, "role", "r1", "n9"), AMG_OK);
    CU_ASSERT_STRING_EQUAL(amg_idmap_get(m, "role", "r1"), "n9");
    j = amg_idmap_to_json(m);
    CU_ASSERT_EQUAL(json_object_size(json_object_get(j, "role")), 1);
    json_decref(j);
    amg_idmap_free(m);
}

static void test_kinds_separate(void)
{
    struct amg_idmap *m = NULL;

    CU_ASSERT_EQUAL_FATAL(amg_idmap_new(&m), AMG_OK);
    CU_ASSERT_EQUAL(amg_idmap_put(m, "role", "same", "role-new"), AMG_OK);
    CU_ASSERT_EQUAL(amg_idmap_put(m, "application", "same", "app-new"), AMG_OK);
    CU_ASSERT_STRING_EQUAL(amg_idmap_get(m, "role", "same"), "role-new");
    CU_ASSERT_STRING_EQUAL(amg_idmap_get(m, "application", "same"), "app-new");
    amg_idmap_free(m);
}

static void test_to_json(void)
{
    struct amg_idmap *m = NULL;
    json_t *j;
    json_t *want;

    CU_ASSERT_EQUAL_FATAL(amg_idmap_new(&m), AMG_OK);
    j = amg_idmap_to_json(m);
    CU_ASSERT(json_is_object(j) && json_object_size(j) == 0);
    json_decref(j);
    CU_ASSERT_EQUAL(amg_idmap_put(m, "role", "r1", "n1"), AMG_OK);
    CU_ASSERT_EQUAL(amg_idmap_put(m, "role", "r2", "n2"), AMG_OK);
    CU_ASSERT_EQUAL(amg_idmap_put(m, "cd_user", "u1", "v1"), AMG_OK);
    /* Plugins' notes to each other: readable, but not in the report. */
    CU_ASSERT_EQUAL(amg_idmap_put(m, "_created_application", "a1", "b1"), AMG_OK);
    CU_ASSERT_STRING_EQUAL(amg_idmap_get(m, "_created_application", "a1"), "b1");
    j = amg_idmap_to_json(m);
    want = json_pack("{s:{s:s, s:s}, s:{s:s}}", "role", "r1", "n1", "r2", "n2",
                     "cd_user", "u1", "v1");
    CU_ASSERT(json_equal(j, want));
    /* A copy: later changes to the map do not show up in it. */
    CU_ASSERT_EQUAL(amg_idmap_put(m, "role", "r3", "n3"), AMG_OK);
    CU_ASSERT(json_equal(j, want));
    json_decref(want);
    json_decref(j);
    CU_ASSERT_PTR_NULL(amg_idmap_to_json(NULL));
    amg_idmap_free(m);
}

static void test_invalid_args(void)
{
    static const struct { const char *kind, *old_id, *new_id; } cases[] = {
        { NULL, "a", "b" }, { "k", NULL, "b" }, { "k", "a", NULL },
        { "", "a", "b" }, { "k", "", "b" }, { "k", "a", "" },
        { "k\xff", "a", "b" }, { "k", "a\xc3", "b" }, { "k", "a", "\xe2\x82" },
    };
    struct amg_idmap *m = NULL;
    json_t *j;
    size_t i;

    CU_ASSERT_EQUAL(amg_idmap_new(NULL), AMG_EINVAL);
    CU_ASSERT_EQUAL_FATAL(amg_idmap_new(&m), AMG_OK);
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        CU_ASSERT_EQUAL(amg_idmap_put(m, cases[i].kind, cases[i].old_id, cases[i].new_id),
                        AMG_EINVAL);
    CU_ASSERT_EQUAL(amg_idmap_put(NULL, "k", "a", "b"), AMG_EINVAL);
    CU_ASSERT_PTR_NULL(amg_idmap_get(m, NULL, "a"));
    CU_ASSERT_PTR_NULL(amg_idmap_get(m, "k", NULL));
    CU_ASSERT_PTR_NULL(amg_idmap_get(NULL, "k", "a"));
    j = amg_idmap_to_json(m);
    CU_ASSERT_EQUAL(json_object_size(j), 0);
    json_decref(j);
    amg_idmap_free(m);
}

static const struct amg_test tests[] = {
    { "put and get", test_put_get },
    { "strings are copied", test_strings_copied },
    { "put replaces", test_replace },
    { "kinds are separate", test_kinds_separate },
    { "to_json shape", test_to_json },
    { "invalid arguments", test_invalid_args },
    { NULL, NULL },
};

int main(void)
{
    return amg_test_main("idmap", tests);
}

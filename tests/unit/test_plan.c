/*
 * plan.c: sections per plugin, actions and their counts, the JSON written
 * by --plan-out and the human form.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <jansson.h>
#include "error.h"
#include "plan.h"
#include "testutil.h"

static struct amg_plan *sample(void)
{
    struct amg_plan *p = NULL;

    CU_ASSERT_EQUAL_FATAL(amg_plan_new("dst", "snaps/src-20261123T224000Z", 1795473600, &p),
                          AMG_OK);
    CU_ASSERT_EQUAL(amg_plan_plugin(p, "tokens", "planned", NULL), AMG_OK);
    CU_ASSERT_EQUAL(amg_plan_add(p, "tokens", AMG_OUT_UPDATED, "token configuration",
                                 "fields: access.expires_in"), AMG_OK);
    /* A section opened on demand. */
    CU_ASSERT_EQUAL(amg_plan_add(p, "roles", AMG_OUT_CREATED, "role admin", NULL), AMG_OK);
    CU_ASSERT_EQUAL(amg_plan_add(p, "roles", AMG_OUT_SKIPPED, "role old",
                                 "only in the target: never touched"), AMG_OK);
    CU_ASSERT_EQUAL(amg_plan_plugin(p, "legacy", "cannot_plan",
                                    "cannot plan: plugin built for ABI 1.2"), AMG_OK);
    return p;
}

static void test_json(void)
{
    struct amg_plan *p = sample();
    json_t *j = amg_plan_json(p);
    json_t *roles = json_array_get(json_object_get(j, "plugins"), 1);

    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(j, "format")), "appid-migrate-plan");
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(j, "created")),
                           "2026-11-23T22:40:00Z");
    CU_ASSERT_EQUAL(json_array_size(json_object_get(j, "plugins")), 3);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(roles, "plugin")), "roles");
    CU_ASSERT_EQUAL(json_array_size(json_object_get(roles, "actions")), 2);
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(json_object_get(roles, "counts"),
                                                       "create")), 1);
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(json_object_get(j, "totals"), "skip")), 1);
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(json_object_get(j, "totals"), "update")),
                    1);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(
        json_array_get(json_object_get(j, "plugins"), 2), "status")), "cannot_plan");
    amg_plan_free(p);
}

static void test_print(void)
{
    struct amg_plan *p = sample();
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);

    amg_plan_print(p, out);
    fclose(out);
    CU_ASSERT_STRING_EQUAL(buf,
        "Plan for importing snaps/src-20261123T224000Z into 'dst' (dry run: nothing was "
        "written)\n"
        "\ntokens\n"
        "  update     token configuration (fields: access.expires_in)\n"
        "\nroles\n"
        "  create     role admin\n"
        "  skip       role old (only in the target: never touched)\n"
        "\nlegacy (not planned: cannot plan: plugin built for ABI 1.2)\n"
        "\nPlan: 1 to create, 1 to update, 0 unchanged, 1 skipped, 0 failing.\n");
    free(buf);
    amg_plan_free(p);
}

static void test_write(void)
{
    struct amg_plan *p = sample();
    char *dir = amg_test_tmpdir();
    char path[512];
    struct stat st;
    json_t *back;

    snprintf(path, sizeof(path), "%s/plan.json", dir);
    CU_ASSERT_EQUAL(amg_plan_write(p, path), AMG_OK);
    CU_ASSERT_EQUAL_FATAL(stat(path, &st), 0);
    CU_ASSERT_EQUAL(st.st_mode & 0777, 0600);
    back = json_load_file(path, 0, NULL);
    CU_ASSERT_TRUE(json_equal(back, amg_plan_json(p)));
    json_decref(back);
    snprintf(path, sizeof(path), "%s/no/such/dir/plan.json", dir);
    CU_ASSERT_EQUAL(amg_plan_write(p, path), AMG_EIO);
    amg_plan_free(p);
    amg_test_rmtree(dir);
    free(dir);
}

/* Objects counted without being listed (tally while planning): the
 * counts and totals include them, the human form says how many. */
static void test_unlisted(void)
{
    struct amg_plan *p = NULL;
    json_t *users;
    char *buf = NULL;
    size_t len = 0;
    FILE *out;

    CU_ASSERT_EQUAL_FATAL(amg_plan_new("dst", "snap", 1795473600, &p), AMG_OK);
    CU_ASSERT_EQUAL(amg_plan_add(p, "users", AMG_OUT_CREATED, "user a@x", NULL), AMG_OK);
    CU_ASSERT_EQUAL(amg_plan_count(p, "users", AMG_OUT_CREATED, 7), AMG_OK);
    CU_ASSERT_EQUAL(amg_plan_count(p, "users", AMG_OUT_SKIPPED, 2), AMG_OK);
    CU_ASSERT_EQUAL(amg_plan_count(p, "users", AMG_OUT_SKIPPED, 0), AMG_OK);
    CU_ASSERT_EQUAL(amg_plan_count(p, "empty", AMG_OUT_UPDATED, 1), AMG_OK);
    users = json_array_get(json_object_get(amg_plan_json(p), "plugins"), 0);
    CU_ASSERT_EQUAL(json_array_size(json_object_get(users, "actions")), 1);
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(json_object_get(users, "counts"),
                                                       "create")), 8);
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(json_object_get(users, "unlisted"),
                                                       "create")), 7);
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(json_object_get(users, "unlisted"),
                                                       "skip")), 2);
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(
        json_object_get(amg_plan_json(p), "totals"), "update")), 1);
    out = open_memstream(&buf, &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(out);
    amg_plan_print(p, out);
    fclose(out);
    CU_ASSERT_STRING_EQUAL(buf,
        "Plan for importing snap into 'dst' (dry run: nothing was written)\n"
        "\nusers\n"
        "  create     user a@x\n"
        "  ... and 9 more not listed: 7 create, 2 skip\n"
        "\nempty\n"
        "  ... and 1 more not listed: 1 update\n"
        "\nPlan: 8 to create, 1 to update, 0 unchanged, 2 skipped, 0 failing.\n");
    free(buf);
    amg_plan_free(p);
}

static void test_action_names(void)
{
    CU_ASSERT_STRING_EQUAL(amg_plan_action_name(AMG_OUT_CREATED), "create");
    CU_ASSERT_STRING_EQUAL(amg_plan_action_name(AMG_OUT_UNCHANGED), "unchanged");
    CU_ASSERT_STRING_EQUAL(amg_plan_action_name(AMG_OUT_FAILED), "fail");
    CU_ASSERT_STRING_EQUAL(amg_plan_action_name((enum amg_outcome)42), "fail");
}

int main(void)
{
    static const struct amg_test tests[] = {
        { "JSON sections and counts", test_json },
        { "human form", test_print },
        { "write 0600 and read back", test_write },
        { "action names", test_action_names },
        { "counted but not listed", test_unlisted },
        { NULL, NULL },
    };

    return amg_test_main("plan", tests);
}

/* Helpers of the bundled plugins' dry runs: placeholder ids, name lists,
 * the plan of a user collection (plugins/common/userplan.c) and the check
 * of the role names users carry (userroles.c). */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "pluginutil.h"
#include "userplan.h"
#include "userroles.h"
#include "testutil.h"

/* What the fake host was told. */
static struct {
    int planned[AMG_OUT_COUNT_];
    long tallied[AMG_OUT_COUNT_];
    char last_object[128];
} seen;

static void fake_log(struct amg_ctx *ctx, enum amg_log_level level, const char *fmt, ...)
{
    (void)ctx;
    (void)level;
    (void)fmt;
}

static int fake_planning(struct amg_ctx *ctx)
{
    (void)ctx;
    return 1;
}

static void fake_plan(struct amg_ctx *ctx, enum amg_outcome what, const char *object,
                      const char *detail)
{
    (void)ctx;
    (void)detail;
    seen.planned[what]++;
    snprintf(seen.last_object, sizeof(seen.last_object), "%s", object);
}

static void fake_tally(struct amg_ctx *ctx, enum amg_outcome what, long n)
{
    (void)ctx;
    seen.tallied[what] += n;
}

/* The target has role "viewer"; the snapshot has "editor" (id r-ed) and
 * "auditor" (id r-au); this run creates only "editor" (in the id map). */
static int fake_request(struct amg_ctx *ctx, const char *method, const char *path,
                        json_t *body, long *status, json_t **response)
{
    (void)ctx;
    (void)body;
    *status = 404;
    *response = NULL;
    if (strcmp(method, "GET") == 0 && strcmp(path, "/roles") == 0) {
        *status = 200;
        *response = json_pack("{s:[{s:s, s:s}]}", "roles", "id", "t-vi", "name", "viewer");
    }
    return AMG_OK;
}

static int fake_read_of(struct amg_ctx *ctx, const char *plugin, json_t **doc)
{
    (void)ctx;
    *doc = NULL;
    if (strcmp(plugin, "roles") != 0)
        return AMG_ENOTFOUND;
    *doc = json_pack("{s:[{s:s, s:s}, {s:s, s:s}]}", "roles", "id", "r-ed", "name", "editor",
                     "id", "r-au", "name", "auditor");
    return *doc ? AMG_OK : AMG_ENOMEM;
}

static const char *fake_idmap_get(struct amg_ctx *ctx, const char *kind, const char *old_id)
{
    (void)ctx;
    return strcmp(kind, "role") == 0 && strcmp(old_id, "r-ed") == 0 ? "planned:r-ed" : NULL;
}

static const struct amg_host host = {
    .abi_major = AMG_PLUGIN_ABI_MAJOR,
    .abi_minor = AMG_PLUGIN_ABI_MINOR,
    .struct_size = sizeof(struct amg_host),
    .log = fake_log,
    .tally = fake_tally,
    .planning = fake_planning,
    .plan = fake_plan,
    .request = fake_request,
    .idmap_get = fake_idmap_get,
    .snapshot_read_of = fake_read_of,
};

static void test_planned_ids(void)
{
    char buf[32];

    CU_ASSERT_EQUAL(amgp_planned_id("c-1", buf, sizeof(buf)), 0);
    CU_ASSERT_STRING_EQUAL(buf, "(planned) c-1");
    CU_ASSERT_TRUE(amgp_is_planned_id(buf));
    CU_ASSERT_FALSE(amgp_is_planned_id("c-1"));
    CU_ASSERT_FALSE(amgp_is_planned_id(NULL));
    CU_ASSERT_EQUAL(amgp_planned_id("0123456789012345678901234", buf, sizeof(buf)), -1);
}

static void test_names_text(void)
{
    json_t *names = json_loads("[\"a\", 7, \"bb\", \"ccc\"]", 0, NULL);
    json_t *many = json_array();
    json_t *none = json_array();
    char out[64];
    int i;

    CU_ASSERT_PTR_NOT_NULL_FATAL(names);
    amgp_names_text("roles to add", names, out, sizeof(out));
    CU_ASSERT_STRING_EQUAL(out, "roles to add: a, bb, ccc");
    amgp_names_text("scopes", none, out, sizeof(out));
    CU_ASSERT_STRING_EQUAL(out, "scopes: none");
    for (i = 0; i < 20; i++)
        json_array_append_new(many, json_string("name"));
    amgp_names_text("x", many, out, sizeof(out));
    /* Cut to fit, with the count of the rest. */
    CU_ASSERT_STRING_EQUAL(out, "x: name, name, name, name, name, name, name and 13 more");
    CU_ASSERT_TRUE(strlen(out) < sizeof(out));
    json_decref(none);
    json_decref(many);
    json_decref(names);
}

static void test_classify(void)
{
    struct amgp_userplan up;
    const char *alice[] = { "e:alice@x", "u:al" };
    const char *by_name[] = { "", "u:bob" };
    const char *carol[] = { "e:carol@x", NULL };

    CU_ASSERT_EQUAL_FATAL(amgp_userplan_init(&up, 100), AMG_OK);
    CU_ASSERT_EQUAL(amgp_userplan_known(&up, "e:alice@x"), AMG_OK);
    CU_ASSERT_EQUAL(amgp_userplan_known(&up, "u:bob"), AMG_OK);
    CU_ASSERT_EQUAL(amgp_userplan_known(&up, ""), AMG_OK);
    CU_ASSERT_EQUAL(amgp_userplan_known(&up, NULL), AMG_OK);
    CU_ASSERT_EQUAL(amgp_userplan_classify(&up, alice, 2), 0);
    CU_ASSERT_EQUAL(amgp_userplan_classify(&up, by_name, 2), 1);
    CU_ASSERT_EQUAL(amgp_userplan_classify(&up, carol, 2), -1);
    /* Created by this import: the same user again would be refused. */
    CU_ASSERT_EQUAL(amgp_userplan_classify(&up, carol, 2), 0);
    /* No key at all: nothing to clash with. */
    CU_ASSERT_EQUAL(amgp_userplan_classify(&up, by_name, 1), -1);
    amgp_userplan_free(&up);
}

static void test_report_and_summary(void)
{
    static const enum amg_outcome users[] = {
        AMG_OUT_CREATED, AMG_OUT_SKIPPED, AMG_OUT_CREATED, AMG_OUT_SKIPPED, AMG_OUT_CREATED,
        AMG_OUT_SKIPPED,
    };
    struct amgp_userplan up;
    char line[160], object[32];
    size_t i;

    memset(&seen, 0, sizeof(seen));
    CU_ASSERT_EQUAL_FATAL(amgp_userplan_init(&up, 3), AMG_OK);
    amgp_userplan_summary(&up, "users", line, sizeof(line));
    CU_ASSERT_STRING_EQUAL(line, "");
    for (i = 0; i < sizeof(users) / sizeof(users[0]); i++) {
        snprintf(object, sizeof(object), "user %zu", i);
        amgp_userplan_report(&host, NULL, &up, users[i], object, NULL);
    }
    /* The first three one by one, the rest counted only. */
    CU_ASSERT_EQUAL(seen.planned[AMG_OUT_CREATED], 2);
    CU_ASSERT_EQUAL(seen.planned[AMG_OUT_SKIPPED], 1);
    CU_ASSERT_STRING_EQUAL(seen.last_object, "user 2");
    CU_ASSERT_EQUAL(seen.tallied[AMG_OUT_CREATED], 1);
    CU_ASSERT_EQUAL(seen.tallied[AMG_OUT_SKIPPED], 2);
    CU_ASSERT_EQUAL(up.create, 3);
    CU_ASSERT_EQUAL(up.skip, 3);
    amgp_userplan_summary(&up, "users", line, sizeof(line));
    CU_ASSERT_STRING_EQUAL(line, "... and 3 more users: 1 to create, 2 already in the target");
    amgp_userplan_free(&up);
}

static void test_roles(void)
{
    struct amgp_userroles ur;
    json_t *roles = json_pack("[s, s, s, s]", "viewer", "editor", "auditor", "ghost");
    json_t *none = json_array();
    char why[100];

    CU_ASSERT_EQUAL_FATAL(amgp_userroles_load(&host, NULL, &ur), AMG_OK);
    /* In the target, or created by this run: not missing. Only in the
     * snapshot (roles not imported in this run), or nowhere: missing. */
    CU_ASSERT_EQUAL(amgp_userroles_check(&host, NULL, &ur, roles, "a@x", why, sizeof(why)), 2);
    CU_ASSERT_STRING_EQUAL(why, "'auditor', 'ghost'");
    CU_ASSERT_EQUAL(amgp_userroles_check(&host, NULL, &ur, none, "b@x", why, sizeof(why)), 0);
    CU_ASSERT_STRING_EQUAL(why, "");
    CU_ASSERT_EQUAL(amgp_userroles_check(&host, NULL, &ur, NULL, "c@x", why, sizeof(why)), 0);
    json_array_remove(roles, 3);
    CU_ASSERT_EQUAL(amgp_userroles_check(&host, NULL, &ur, roles, "d@x", why, sizeof(why)), 1);
    CU_ASSERT_STRING_EQUAL(why, "'auditor'");
    /* Two users refer to a missing role, each counted once. */
    CU_ASSERT_EQUAL(ur.users, 2);
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(json_object_get(ur.missing, "auditor"),
                                                       "users")), 2);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_array_get(json_object_get(
        json_object_get(ur.missing, "auditor"), "names"), 1)), "d@x");
    /* A small buffer is cut, never overrun. */
    CU_ASSERT_EQUAL(amgp_userroles_check(&host, NULL, &ur, roles, "e@x", why, 4), 1);
    CU_ASSERT_STRING_EQUAL(why, "'au");
    amgp_userroles_free(&ur);
    json_decref(roles);
    json_decref(none);
}

static void test_summary_with_failures(void)
{
    struct amgp_userplan up;
    char line[160];

    memset(&seen, 0, sizeof(seen));
    CU_ASSERT_EQUAL_FATAL(amgp_userplan_init(&up, 1), AMG_OK);
    amgp_userplan_report(&host, NULL, &up, AMG_OUT_FAILED, "user 0", "role 'x'");
    amgp_userplan_report(&host, NULL, &up, AMG_OUT_FAILED, "user 1", "role 'x'");
    amgp_userplan_report(&host, NULL, &up, AMG_OUT_CREATED, "user 2", NULL);
    CU_ASSERT_EQUAL(seen.planned[AMG_OUT_FAILED], 1);
    CU_ASSERT_EQUAL(seen.tallied[AMG_OUT_FAILED], 1);
    CU_ASSERT_EQUAL(up.fail, 2);
    amgp_userplan_summary(&up, "users", line, sizeof(line));
    CU_ASSERT_STRING_EQUAL(line, "... and 2 more users: 1 to create, 0 already in the target, "
                           "1 would fail");
    amgp_userplan_free(&up);
}

int main(void)
{
    static const struct amg_test tests[] = {
        { "placeholder ids of a plan", test_planned_ids },
        { "name lists cut to fit", test_names_text },
        { "users: create or already in the target", test_classify },
        { "users: the first listed, the rest counted", test_report_and_summary },
        { "users: failures counted and summed up", test_summary_with_failures },
        { "users: role names missing in the target and in the run", test_roles },
        { NULL, NULL },
    };

    return amg_test_main("plugin userplan", tests);
}

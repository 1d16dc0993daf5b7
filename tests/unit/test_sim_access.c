/* appid-sim: stateless rules for applications, scopes and roles
 * (access_rules.c) and server-made ids (uuid.c). */
#include <string.h>
#include <jansson.h>
#include "appid-migrate/plugin.h"
#include "access_rules.h"
#include "tenant.h"
#include "uuid.h"
#include "testutil.h"

static void test_scope_names(void)
{
    static const struct {
        const char *scope;
        const char *problem;   /* NULL: valid */
    } cases[] = {
        { "read", NULL },
        { "a.b_c9", NULL },
        { "myappid", NULL },
        { "", "must not be empty" },
        { "Read", "may hold only lowercase letters, digits, '.' and '_'" },
        { "a-b", "may hold only lowercase letters, digits, '.' and '_'" },
        { "appid", "must not start with 'appid' or 'openid'" },
        { "openid.email", "must not start with 'appid' or 'openid'" },
        { "ssssssssssssssssssssssssssssssssssssssssssssssssss",
          "must be shorter than 50 characters" },
        { "sssssssssssssssssssssssssssssssssssssssssssssssss", NULL },
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *got = sim_scope_name_problem(cases[i].scope);

        if (cases[i].problem) {
            CU_ASSERT_PTR_NOT_NULL(got);
            if (got) {
                CU_ASSERT_STRING_EQUAL(got, cases[i].problem);
            }
        } else {
            CU_ASSERT_PTR_NULL(got);
        }
    }
}

static void test_app_names(void)
{
    char name[200];

    CU_ASSERT_PTR_NOT_NULL(sim_app_name_problem(""));
    memset(name, 'a', 50);
    name[50] = '\0';
    CU_ASSERT_PTR_NULL(sim_app_name_problem(name));
    name[50] = 'a';
    name[51] = '\0';
    CU_ASSERT_PTR_NOT_NULL(sim_app_name_problem(name));
    /* 50 characters of two bytes each. */
    for (size_t i = 0; i < 50; i++)
        memcpy(name + 2 * i, "\xc3\xa9", 2);
    name[100] = '\0';
    CU_ASSERT_PTR_NULL(sim_app_name_problem(name));
}

static void test_duplicates(void)
{
    json_t *none = json_loads("[\"a\",\"b\",1,\"c\"]", 0, NULL);
    json_t *dup = json_loads("[\"a\",\"b\",\"c\",\"b\",\"a\"]", 0, NULL);

    CU_ASSERT_EQUAL(sim_first_duplicate(none), -1);
    CU_ASSERT_EQUAL(sim_first_duplicate(dup), 3);
    CU_ASSERT_TRUE(sim_array_has_string(dup, "c"));
    CU_ASSERT_FALSE(sim_array_has_string(none, "d"));
    json_decref(none);
    json_decref(dup);
}

static void test_uuid(void)
{
    char a[SIM_UUID_LEN + 1], b[SIM_UUID_LEN + 1];
    char hex[9];
    size_t i;

    CU_ASSERT_EQUAL_FATAL(sim_uuid_v4(a), AMG_OK);
    CU_ASSERT_EQUAL_FATAL(sim_uuid_v4(b), AMG_OK);
    CU_ASSERT_EQUAL(strlen(a), SIM_UUID_LEN);
    CU_ASSERT_STRING_NOT_EQUAL(a, b);
    for (i = 0; i < SIM_UUID_LEN; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            CU_ASSERT_EQUAL(a[i], '-');
        } else {
            CU_ASSERT_PTR_NOT_NULL(strchr("0123456789abcdef", a[i]));
        }
    }
    CU_ASSERT_EQUAL(a[14], '4');                        /* version 4 */
    CU_ASSERT_PTR_NOT_NULL(strchr("89ab", a[19]));      /* RFC variant */
    CU_ASSERT_EQUAL(sim_random_hex(hex, 4), AMG_OK);
    CU_ASSERT_EQUAL(strlen(hex), 8);
}

static int calls;

/* Adds {"k": 1} to the tenant and answers with the status in `ud`. */
static int touch(json_t *tenant, void *ud)
{
    calls++;
    json_object_set_new(tenant, "k", json_integer(1));
    return *(int *)ud;
}

static void test_modify_tenant(void)
{
    struct sim_tenants *t = sim_tenants_new();
    int want = AMG_OK;
    json_t *k;

    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    CU_ASSERT_EQUAL(sim_tenants_add(t, "t1", NULL), AMG_OK);
    calls = 0;
    CU_ASSERT_EQUAL(sim_tenants_modify_tenant(t, "nope", touch, &want), AMG_ENOTFOUND);
    CU_ASSERT_EQUAL(calls, 0);
    CU_ASSERT_EQUAL(sim_tenants_modify_tenant(t, "t1", touch, &want), AMG_OK);
    CU_ASSERT_EQUAL(calls, 1);
    k = sim_tenants_get(t, "t1", "k");
    CU_ASSERT_EQUAL(json_integer_value(k), 1);
    json_decref(k);
    /* The callback's status comes back unchanged. */
    want = AMG_EINVAL;
    CU_ASSERT_EQUAL(sim_tenants_modify_tenant(t, "t1", touch, &want), AMG_EINVAL);
    sim_tenants_free(t);
}

int main(void)
{
    static const struct amg_test tests[] = {
        { "scope names", test_scope_names },
        { "application names count characters", test_app_names },
        { "duplicates in string arrays", test_duplicates },
        { "UUID v4 shape", test_uuid },
        { "read-modify-write of a whole tenant", test_modify_tenant },
        { NULL, NULL },
    };

    return amg_test_main("sim_access", tests);
}

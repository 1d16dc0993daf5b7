#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <jansson.h>
#include "appid-migrate/plugin.h"
#include "log.h"
#include "state.h"
#include "tenant.h"
#include "testutil.h"

static char *path_in(const char *dir, const char *name)
{
    size_t len = strlen(dir) + strlen(name) + 2;
    char *p = malloc(len);

    snprintf(p, len, "%s/%s", dir, name);
    return p;
}

static int write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");

    if (!f)
        return -1;
    fputs(text, f);
    return fclose(f);
}

static void test_tenant_ids(void)
{
    CU_ASSERT_TRUE(sim_tenant_id_valid("0e6c1d12-abcd-4f00-9b3e-0123456789ab"));
    CU_ASSERT_TRUE(sim_tenant_id_valid("t_1"));
    CU_ASSERT_FALSE(sim_tenant_id_valid(""));
    CU_ASSERT_FALSE(sim_tenant_id_valid(NULL));
    CU_ASSERT_FALSE(sim_tenant_id_valid("a/b"));
    CU_ASSERT_FALSE(sim_tenant_id_valid("a b"));
    /* 65 characters, one too many. */
    CU_ASSERT_FALSE(sim_tenant_id_valid(
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
    CU_ASSERT_TRUE(sim_tenant_id_valid(
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
}

static void test_defaults(void)
{
    struct sim_tenants *t = sim_tenants_new();
    json_t *v;

    CU_ASSERT_EQUAL(sim_tenants_add(t, "t1", NULL), AMG_OK);
    v = sim_tenants_get(t, "t1", "tokens");
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(json_object_get(v, "access"),
                                                       "expires_in")), 3600);
    json_decref(v);
    v = sim_tenants_get(t, "t1", "theme_color");
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(v, "headerColor")), "#EEF2F5");
    json_decref(v);
    CU_ASSERT_PTR_NULL(sim_tenants_get(t, "t1", "no_such_key"));
    CU_ASSERT_PTR_NULL(sim_tenants_get(t, "t2", "tokens"));
    CU_ASSERT_PTR_NULL(sim_tenant_default("no_such_key"));
    /* Setting on an unknown tenant releases the value and reports it. */
    CU_ASSERT_EQUAL(sim_tenants_set(t, "t2", "tokens", json_object()), AMG_ENOTFOUND);
    CU_ASSERT_EQUAL(sim_tenants_add(t, "bad id", NULL), AMG_EINVAL);
    sim_tenants_free(t);
}

static void test_get_returns_copy(void)
{
    struct sim_tenants *t = sim_tenants_new();
    json_t *v;

    sim_tenants_add(t, "t1", NULL);
    v = sim_tenants_get(t, "t1", "languages");
    json_array_append_new(json_object_get(v, "languages"), json_string("fr"));
    json_decref(v);
    v = sim_tenants_get(t, "t1", "languages");
    CU_ASSERT_EQUAL(json_array_size(json_object_get(v, "languages")), 1);
    json_decref(v);
    sim_tenants_free(t);
}

static void test_round_trip(void)
{
    char *dir = amg_test_tmpdir();
    char *file = path_in(dir, "state.json");
    struct sim_tenants *t = sim_tenants_new();
    struct sim_tenants *u = sim_tenants_new();
    struct stat st;
    json_t *v;

    CU_ASSERT_EQUAL(sim_state_load(file, t), AMG_ENOTFOUND);
    sim_tenants_add(t, "t1", NULL);
    sim_tenants_add(t, "t2", NULL);
    sim_tenants_set(t, "t1", "theme_color", json_pack("{s:s}", "headerColor", "#010203"));
    CU_ASSERT_EQUAL(sim_state_save(file, t), AMG_OK);
    CU_ASSERT_EQUAL_FATAL(stat(file, &st), 0);
    CU_ASSERT_EQUAL(st.st_mode & 0777, 0600);
    /* Saving again replaces the file atomically. */
    CU_ASSERT_EQUAL(sim_state_save(file, t), AMG_OK);

    CU_ASSERT_EQUAL(sim_state_load(file, u), AMG_OK);
    CU_ASSERT_EQUAL(sim_tenants_count(u), 2);
    v = sim_tenants_get(u, "t1", "theme_color");
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(v, "headerColor")), "#010203");
    json_decref(v);
    v = sim_tenants_get(u, "t2", "theme_color");
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(v, "headerColor")), "#EEF2F5");
    json_decref(v);
    /* An existing tenant added again without state keeps its data. */
    sim_tenants_add(u, "t1", NULL);
    v = sim_tenants_get(u, "t1", "theme_color");
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(v, "headerColor")), "#010203");
    json_decref(v);

    sim_tenants_free(t);
    sim_tenants_free(u);
    free(file);
    amg_test_rmtree(dir);
    free(dir);
}

static void test_missing_resources_get_defaults(void)
{
    char *dir = amg_test_tmpdir();
    char *file = path_in(dir, "old.json");
    struct sim_tenants *t = sim_tenants_new();
    json_t *v;

    write_text(file, "{\"format\":\"appid-sim-state\",\"version\":1,"
                     "\"tenants\":{\"t9\":{\"mfa\":{\"isActive\":true}}}}");
    CU_ASSERT_EQUAL(sim_state_load(file, t), AMG_OK);
    v = sim_tenants_get(t, "t9", "mfa");
    CU_ASSERT_TRUE(json_is_true(json_object_get(v, "isActive")));
    json_decref(v);
    v = sim_tenants_get(t, "t9", "languages");
    CU_ASSERT_PTR_NOT_NULL(v);
    json_decref(v);
    sim_tenants_free(t);
    free(file);
    amg_test_rmtree(dir);
    free(dir);
}

static void test_corrupt_files(void)
{
    static const char *const bodies[] = {
        "",
        "{",
        "[]",
        "{\"format\":\"appid-sim-state\",\"version\":1}",
        "{\"format\":\"x\",\"version\":1,\"tenants\":{}}",
        "{\"format\":\"appid-sim-state\",\"version\":\"1\",\"tenants\":{}}",
        "{\"format\":\"appid-sim-state\",\"version\":1,\"tenants\":{\"t\":[]}}",
        "{\"format\":\"appid-sim-state\",\"version\":1,\"tenants\":{\"a b\":{}}}",
        "{\"format\":\"appid-sim-state\",\"version\":1,\"format\":\"appid-sim-state\","
        "\"tenants\":{}}",
    };
    char *dir = amg_test_tmpdir();
    char *file = path_in(dir, "bad.json");
    size_t i;

    for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
        struct sim_tenants *t = sim_tenants_new();
        FILE *sink = fopen("/dev/null", "w");

        write_text(file, bodies[i]);
        amg_log_set_stream(sink);
        CU_ASSERT_EQUAL(sim_state_load(file, t), AMG_ESNAPSHOT);
        amg_log_set_stream(NULL);
        fclose(sink);
        sim_tenants_free(t);
    }
    free(file);
    amg_test_rmtree(dir);
    free(dir);
}

static void test_save_failure(void)
{
    struct sim_tenants *t = sim_tenants_new();
    FILE *sink = fopen("/dev/null", "w");

    sim_tenants_add(t, "t1", NULL);
    amg_log_set_stream(sink);
    CU_ASSERT_EQUAL(sim_state_save("/nonexistent-dir-amg/state.json", t), AMG_EIO);
    amg_log_set_stream(NULL);
    fclose(sink);
    sim_tenants_free(t);
}

/* Appends ud (a string) to the array at the key, creating it. */
static int append_name(json_t *value, json_t **replace, void *ud)
{
    if (!value) {
        *replace = json_pack("[s]", (const char *)ud);
        return *replace ? AMG_OK : AMG_ENOMEM;
    }
    return json_array_append_new(value, json_string((const char *)ud)) ? AMG_ENOMEM : AMG_OK;
}

static int refuse(json_t *value, json_t **replace, void *ud)
{
    (void)value;
    (void)replace;
    (void)ud;
    return AMG_EEXIST;
}

static void test_modify(void)
{
    struct sim_tenants *t = sim_tenants_new();
    char a[] = "a", b[] = "b", c[] = "c";
    json_t *v;

    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    CU_ASSERT_EQUAL(sim_tenants_add(t, "t1", NULL), AMG_OK);
    CU_ASSERT_EQUAL(sim_tenants_modify(t, "t1", "things", append_name, a), AMG_OK);
    CU_ASSERT_EQUAL(sim_tenants_modify(t, "t1", "things", append_name, b), AMG_OK);
    CU_ASSERT_EQUAL(sim_tenants_modify(t, "t1", "things", refuse, NULL), AMG_EEXIST);
    CU_ASSERT_EQUAL(sim_tenants_modify(t, "nope", "things", append_name, c), AMG_ENOTFOUND);
    v = sim_tenants_get(t, "t1", "things");
    CU_ASSERT_EQUAL(json_array_size(v), 2);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_array_get(v, 1)), "b");
    json_decref(v);
    sim_tenants_free(t);
}

static const struct amg_test tests[] = {
    { "read-modify-write under the lock", test_modify },
    { "tenant ids", test_tenant_ids },
    { "defaults of a new tenant", test_defaults },
    { "get returns a copy", test_get_returns_copy },
    { "save and load", test_round_trip },
    { "missing resources get defaults", test_missing_resources_get_defaults },
    { "corrupt state files", test_corrupt_files },
    { "save failure", test_save_failure },
    { NULL, NULL },
};

int main(void)
{
    return amg_test_main("sim_state", tests);
}

#include <string.h>
#include <jansson.h>
#include "appid-migrate/plugin.h"
#include "schema.h"
#include "config_schemas.h"
#include "testutil.h"

static const char *const colours[] = { "red", "green", NULL };

static const char *check_even(const json_t *v)
{
    return json_integer_value(v) % 2 ? "must be even" : NULL;
}

static const struct sim_field fields[] = {
    { .path = "name", .type = SIM_STRING, .flags = SIM_REQUIRED | SIM_NONEMPTY },
    { .path = "count", .type = SIM_INT, .flags = SIM_RANGE, .min = 1, .max = 10 },
    { .path = "even", .type = SIM_INT, .check = check_even },
    { .path = "opts", .type = SIM_OBJECT },
    { .path = "opts.on", .type = SIM_BOOL, .flags = SIM_REQUIRED },
    { .path = "opts.colour", .type = SIM_STRING, .one_of = colours },
    { .path = "items", .type = SIM_ARRAY, .flags = SIM_RANGE, .min = 0, .max = 2 },
    { .path = "items[]", .type = SIM_OBJECT },
    { .path = "items[].id", .type = SIM_STRING, .flags = SIM_REQUIRED },
    { .path = "tags[]", .type = SIM_STRING },
    { .path = NULL },
};

static const struct {
    const char *json;
    const char *msg;   /* NULL: must pass */
} cases[] = {
    { "{\"name\":\"x\"}", NULL },
    { "{\"name\":\"x\",\"unknown\":[1]}", NULL },
    { "{}", "missing required field 'name'" },
    { "{\"name\":\"\"}", "field 'name' must not be empty" },
    { "{\"name\":1}", "field 'name' must be a string" },
    { "{\"name\":\"x\",\"count\":0}", "field 'count' must be between 1 and 10" },
    { "{\"name\":\"x\",\"count\":11}", "field 'count' must be between 1 and 10" },
    { "{\"name\":\"x\",\"count\":10}", NULL },
    { "{\"name\":\"x\",\"count\":1.5}", "field 'count' must be an integer" },
    { "{\"name\":\"x\",\"count\":true}", "field 'count' must be an integer" },
    { "{\"name\":\"x\",\"even\":3}", "field 'even' must be even" },
    { "{\"name\":\"x\",\"even\":4}", NULL },
    { "{\"name\":\"x\",\"opts\":{}}", "missing required field 'opts.on'" },
    { "{\"name\":\"x\",\"opts\":{\"on\":null}}", "field 'opts.on' must be a boolean" },
    { "{\"name\":\"x\",\"opts\":[]}", "field 'opts' must be an object" },
    { "{\"name\":\"x\",\"opts\":{\"on\":true,\"colour\":\"blue\"}}",
      "field 'opts.colour' must be one of: red, green" },
    { "{\"name\":\"x\",\"opts\":{\"on\":false,\"colour\":\"green\"}}", NULL },
    { "{\"name\":\"x\",\"items\":[{\"id\":\"a\"},{}]}", "missing required field 'items[1].id'" },
    { "{\"name\":\"x\",\"items\":[{\"id\":\"a\"},7]}", "field 'items[1]' must be an object" },
    { "{\"name\":\"x\",\"items\":[{\"id\":\"a\"},{\"id\":\"b\"},{\"id\":\"c\"}]}",
      "field 'items' must have between 0 and 2 elements" },
    { "{\"name\":\"x\",\"items\":{}}", "field 'items' must be an array" },
    { "{\"name\":\"x\",\"items\":[]}", NULL },
    { "{\"name\":\"x\",\"tags\":[\"a\",\"b\",false]}", "field 'tags[2]' must be a string" },
    /* An array path over a non-array is left to that field's own entry. */
    { "{\"name\":\"x\",\"tags\":\"a\"}", NULL },
    { "[]", "request body must be a JSON object" },
};

static void test_cases(void)
{
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        json_t *doc = json_loads(cases[i].json, 0, NULL);
        char msg[256];
        int rc;

        CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
        rc = sim_schema_check(fields, doc, msg, sizeof(msg));
        if (cases[i].msg) {
            CU_ASSERT_EQUAL(rc, AMG_EINVAL);
            CU_ASSERT_STRING_EQUAL(msg, cases[i].msg);
        } else {
            CU_ASSERT_EQUAL(rc, AMG_OK);
            CU_ASSERT_STRING_EQUAL(msg, "");
        }
        json_decref(doc);
    }
}

/* The message buffer is always terminated, even when too small. */
static void test_short_buffer(void)
{
    json_t *doc = json_loads("{}", 0, NULL);
    char msg[8];

    CU_ASSERT_EQUAL(sim_schema_check(fields, doc, msg, sizeof(msg)), AMG_EINVAL);
    CU_ASSERT_EQUAL(strlen(msg), sizeof(msg) - 1);
    json_decref(doc);
}

/* The real tables: the defaults of §12 must satisfy them. */
static void test_real_tables_accept_samples(void)
{
    static const struct {
        const struct sim_field *fields;
        const char *json;
    } samples[] = {
        { sim_fields_tokens, "{\"access\":{\"expires_in\":300},"
                             "\"refresh\":{\"enabled\":true,\"expires_in\":7776000}}" },
        { sim_fields_theme_color, "{\"headerColor\":\"#a0B1c2\"}" },
        { sim_fields_languages, "{\"languages\":[\"en\"]}" },
        { sim_fields_idp_social, "{\"isActive\":false}" },
        { sim_fields_idp_saml, "{\"isActive\":false}" },
        { sim_fields_sso, "{\"isActive\":false,\"inactivityTimeoutSeconds\":1,"
                          "\"logoutRedirectUris\":[]}" },
    };
    size_t i;

    for (i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
        json_t *doc = json_loads(samples[i].json, 0, NULL);
        char msg[256];

        CU_ASSERT_EQUAL(sim_schema_check(samples[i].fields, doc, msg, sizeof(msg)), AMG_OK);
        json_decref(doc);
    }
}

static const struct amg_test tests[] = {
    { "table of bodies", test_cases },
    { "message truncated safely", test_short_buffer },
    { "resource tables accept valid samples", test_real_tables_accept_samples },
    { NULL, NULL },
};

int main(void)
{
    return amg_test_main("sim_schema", tests);
}

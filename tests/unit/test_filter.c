#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "error.h"
#include "filter.h"
#include "log.h"
#include "testutil.h"

static const char *const user_fields[] = { "email", "userName", NULL };

static const struct amg_plugin users_desc = {
    AMG_PLUGIN_INIT_HEADER,
    .name = "users",
    .version = "1",
    .filter_fields = user_fields,
};

static const struct amg_plugin tokens_desc = {
    AMG_PLUGIN_INIT_HEADER,
    .name = "tokens",
    .version = "1",
};

static struct amg_loaded_plugin loaded[] = {
    { &tokens_desc, NULL, NULL },
    { &users_desc, NULL, NULL },
};

static const struct amg_plugin_set set = { loaded, 2 };

/* Parse, expecting `want`; the log goes to /dev/null-like memory. */
static int parse(const char *only, const char *exclude, struct amg_filters **f)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    int rc;

    amg_log_set_stream(mem);
    rc = amg_filters_parse(only, exclude, &set, f);
    amg_log_set_stream(NULL);
    fclose(mem);
    free(buf);
    return rc;
}

static int matches(const struct amg_filter_list *l, const char *view_json)
{
    json_t *view = json_loads(view_json, 0, NULL);
    int m;

    CU_ASSERT_PTR_NOT_NULL_FATAL(view);
    m = amg_filter_match(l, view);
    json_decref(view);
    return m;
}

static void test_match_table(void)
{
    static const struct {
        const char *only;
        const char *view;
        int want;
    } cases[] = {
        { "users:email=alice@example.com", "{\"email\":\"alice@example.com\"}", 1 },
        { "users:email=alice@example.com", "{\"email\":\"bob@example.com\"}", 0 },
        { "users:email=*@example.com", "{\"email\":\"bob@example.com\"}", 1 },
        { "users:email=*@example.com", "{\"userName\":\"bob\"}", 0 },
        { "users:email=a*,users:email=b*", "{\"email\":\"bob\"}", 1 },
        { "users:email=a*+userName=al", "{\"email\":\"alice\",\"userName\":\"al\"}", 1 },
        { "users:email=a*+userName=al", "{\"email\":\"alice\",\"userName\":\"bo\"}", 0 },
        { "users:email=x@y", "{\"email\":[\"a@b\",\"x@y\"]}", 1 },
        { "users:email=x@y", "{\"email\":[\"a@b\"]}", 0 },
        { "users:email=x@y", "{\"email\":5}", 0 },
        { "tokens, users:userName=web?", "{\"userName\":\"web1\"}", 1 },
        { "tokens, users:userName=web?", "{\"userName\":\"web10\"}", 0 },
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct amg_filters *f = NULL;
        const struct amg_filter_list *l;

        CU_ASSERT_EQUAL_FATAL(parse(cases[i].only, NULL, &f), AMG_OK);
        l = amg_filters_for(f, "users");
        CU_ASSERT_PTR_NOT_NULL(l);
        if (matches(l, cases[i].view) != cases[i].want)
            fprintf(stderr, "\ncase %zu (%s on %s) wrong\n", i, cases[i].only, cases[i].view);
        CU_ASSERT_EQUAL(matches(l, cases[i].view), cases[i].want);
        CU_ASSERT_PTR_NULL(amg_filters_for(f, "tokens"));
        amg_filters_free(f);
    }
}

static void test_no_filters(void)
{
    struct amg_filters *f = NULL;

    CU_ASSERT_EQUAL(parse(NULL, NULL, &f), AMG_OK);
    CU_ASSERT_PTR_NULL(amg_filters_for(f, "users"));
    CU_ASSERT_EQUAL(matches(NULL, "{}"), 1);
    amg_filters_free(f);
    CU_ASSERT_EQUAL(parse("users,tokens", "tokens", &f), AMG_OK);
    CU_ASSERT_PTR_NULL(amg_filters_for(f, "users"));
    amg_filters_free(f);
}

static void test_errors(void)
{
    static const char *const bad_only[] = {
        "users:phone=1",        /* field not declared */
        "tokens:name=x",        /* plugin takes no filters */
        "users:email",          /* no '=' */
        "users:=x",             /* no field */
        "users:",               /* empty */
    };
    struct amg_filters *f = NULL;
    size_t i;

    for (i = 0; i < sizeof(bad_only) / sizeof(bad_only[0]); i++) {
        CU_ASSERT_EQUAL(parse(bad_only[i], NULL, &f), AMG_EUSAGE);
        CU_ASSERT_PTR_NULL(f);
    }
    CU_ASSERT_EQUAL(parse(NULL, "users:email=x", &f), AMG_EUSAGE);
    CU_ASSERT_PTR_NULL(f);
}

static const struct amg_test tests[] = {
    { "glob matching table", test_match_table },
    { "no filters", test_no_filters },
    { "bad filters are usage errors", test_errors },
    { NULL, NULL },
};

int main(void)
{
    return amg_test_main("filter", tests);
}

/* cloud_directory_settings plugin: template iteration and paths, base64,
 * the bodies written to the target. */
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "appid-migrate/plugin.h"
#include "cloud_directory_settings_map.h"
#include "testutil.h"

static char *dump(json_t *v)
{
    return v ? json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
}

static void test_iteration(void)
{
    json_t *langs = json_loads("[\"en\",\"bad/lang\",\"de-CH\",7]", 0, NULL);
    const char *name, *lang;
    char path[128];
    size_t i, n = amgp_cds_template_count(langs);
    static const char *const want[] = {
        "USER_VERIFICATION/en", "USER_VERIFICATION/de-CH", "WELCOME/en", "WELCOME/de-CH",
        "PASSWORD_CHANGED/en", "PASSWORD_CHANGED/de-CH", "RESET_PASSWORD/en",
        "RESET_PASSWORD/de-CH", "MFA_VERIFICATION/en", "MFA_VERIFICATION/de-CH",
    };

    /* Items that cannot be a language are left out. */
    CU_ASSERT_EQUAL(n, 10);
    for (i = 0; i < n && i < 10; i++) {
        char got[64];

        CU_ASSERT_EQUAL(amgp_cds_template_at(langs, i, &name, &lang), AMG_OK);
        snprintf(got, sizeof(got), "%s/%s", name, lang);
        CU_ASSERT_STRING_EQUAL(got, want[i]);
        CU_ASSERT_EQUAL(amgp_cds_template_path(name, lang, path, sizeof(path)), AMG_OK);
        snprintf(got, sizeof(got), "/config/cloud_directory/templates/%s", want[i]);
        CU_ASSERT_STRING_EQUAL(path, got);
    }
    CU_ASSERT_EQUAL(amgp_cds_template_at(langs, 10, &name, &lang), AMG_EINVAL);
    CU_ASSERT_PTR_NULL(name);
    json_decref(langs);
    langs = json_array();
    CU_ASSERT_EQUAL(amgp_cds_template_count(langs), 0);
    CU_ASSERT_EQUAL(amgp_cds_template_at(langs, 0, &name, &lang), AMG_EINVAL);
    json_decref(langs);
}

static void test_paths_refused(void)
{
    char path[128], small[20];

    CU_ASSERT_EQUAL(amgp_cds_template_path("GOODBYE", "en", path, sizeof(path)), AMG_EINVAL);
    CU_ASSERT_EQUAL(amgp_cds_template_path("WELCOME", "../x", path, sizeof(path)), AMG_EINVAL);
    CU_ASSERT_EQUAL(amgp_cds_template_path("WELCOME", "", path, sizeof(path)), AMG_EINVAL);
    CU_ASSERT_EQUAL(amgp_cds_template_path("WELCOME", "en", small, sizeof(small)), AMG_EINVAL);
    CU_ASSERT(amgp_cds_lang_valid("zh-Hant-TW"));
    CU_ASSERT(!amgp_cds_lang_valid("en us"));
    CU_ASSERT(!amgp_cds_lang_valid("a23456789012345678901234567890123456"));
    CU_ASSERT(amgp_cds_in_list(amgp_cds_actions, "on_reset_password"));
    CU_ASSERT(!amgp_cds_in_list(amgp_cds_actions, "on_signup"));
}

static void test_base64(void)
{
    static const struct {
        const char *in, *out;
    } cases[] = {
        { "", "" }, { "a", "YQ==" }, { "ab", "YWI=" }, { "abc", "YWJj" },
        { "<p class=\"x\">ü</p>", "PHAgY2xhc3M9IngiPsO8PC9wPg==" },
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *b = amgp_b64_encode(cases[i].in, strlen(cases[i].in));

        CU_ASSERT_PTR_NOT_NULL(b);
        if (b)
            CU_ASSERT_STRING_EQUAL(b, cases[i].out);
        free(b);
    }
}

static const struct {
    const char *in;
    const char *want;   /* NULL: no body */
} template_cases[] = {
    /* html_body wins and is sent encoded only. */
    { "{\"subject\":\"S\",\"html_body\":\"<b>x</b>\",\"base64_encoded_html_body\":\"stale\","
      "\"plain_text_body\":\"x\"}",
      "{\"base64_encoded_html_body\":\"PGI+eDwvYj4=\",\"plain_text_body\":\"x\","
      "\"subject\":\"S\"}" },
    { "{\"subject\":\"S\",\"base64_encoded_html_body\":\"PGI+eDwvYj4=\"}",
      "{\"base64_encoded_html_body\":\"PGI+eDwvYj4=\",\"subject\":\"S\"}" },
    { "{\"subject\":\"S\",\"extra\":1}", "{\"subject\":\"S\"}" },
    { "{\"html_body\":\"x\"}", NULL },
    { "{\"subject\":3}", NULL },
};

static void test_template_body(void)
{
    size_t i;

    for (i = 0; i < sizeof(template_cases) / sizeof(template_cases[0]); i++) {
        json_t *in = json_loads(template_cases[i].in, 0, NULL);
        json_t *out = amgp_cds_template_body(in);
        char *text = dump(out);

        if (template_cases[i].want) {
            CU_ASSERT_PTR_NOT_NULL(text);
            if (text)
                CU_ASSERT_STRING_EQUAL(text, template_cases[i].want);
        } else {
            CU_ASSERT_PTR_NULL(out);
        }
        free(text);
        json_decref(out);
        json_decref(in);
    }
}

static void test_regex_body(void)
{
    json_t *in = json_loads("{\"regex\":\"^a+$\",\"base64_encoded_regex\":\"Xl5e\","
                            "\"error_message\":\"m\"}", 0, NULL);
    json_t *out = amgp_cds_regex_body(in);
    char *text = dump(out);

    CU_ASSERT_STRING_EQUAL(text ? text : "", "{\"base64_encoded_regex\":\"XmErJA==\","
                           "\"error_message\":\"m\"}");
    free(text);
    json_decref(out);
    json_decref(in);
    in = json_loads("{\"base64_encoded_regex\":\"\"}", 0, NULL);
    out = amgp_cds_regex_body(in);
    text = dump(out);
    CU_ASSERT_STRING_EQUAL(text ? text : "", "{\"base64_encoded_regex\":\"\"}");
    free(text);
    json_decref(out);
    json_decref(in);
    CU_ASSERT_PTR_NULL(amgp_cds_regex_body(NULL));
}

static const struct amg_test tests[] = {
    { "every template name x language", test_iteration },
    { "bad names and languages refused", test_paths_refused },
    { "base64", test_base64 },
    { "template bodies carry base64 only", test_template_body },
    { "password regex body", test_regex_body },
    { NULL, NULL },
};

int main(void)
{
    return amg_test_main("plugin_cloud_directory_settings", tests);
}

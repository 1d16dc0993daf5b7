#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
/* By path: a plain "config.h" would find autoconf's header in the build
 * directory first. */
#include "config.h"
#include "loader.h"
#include "log.h"
#include "options.h"
#include "testutil.h"

static struct amg_plugin_set *load(const char *name, int want_rc)
{
    struct amg_plugin_set *set = amg_plugins_new();
    char path[1024];

    CU_ASSERT_PTR_NOT_NULL_FATAL(set);
    snprintf(path, sizeof(path), "%s/%s.so", TEST_PLUGIN_DIR, name);
    CU_ASSERT_EQUAL(amg_plugins_load_file(set, path), want_rc);
    return set;
}

/* Load `text` as a config and apply the options of with_options.so;
 * returns amg_options_apply's status, the config in *cfg, the log in *log. */
static int apply(const char *text, struct amg_config **cfg, char **log)
{
    struct amg_plugin_set *set = load("with_options", AMG_OK);
    int rc;

    amg_test_capture_start();
    CU_ASSERT_EQUAL_FATAL(amg_config_load_string(text, "/etc/amg/t.conf", cfg), AMG_OK);
    rc = amg_options_apply(*cfg, set);
    *log = amg_test_capture_end();
    amg_plugins_free(set);
    return rc;
}

static void test_defaults(void)
{
    struct amg_config *cfg = NULL;
    char *log = NULL;

    CU_ASSERT_EQUAL(apply("plugins = { with_options = { count = 3; }; };\n", &cfg, &log),
                    AMG_OK);
    CU_ASSERT_STRING_EQUAL(log, "");
    CU_ASSERT_STRING_EQUAL(amg_config_plugin_option(cfg, "with_options", "count"), "3");
    CU_ASSERT_STRING_EQUAL(amg_config_plugin_option(cfg, "with_options", "label"), "plain");
    CU_ASSERT_STRING_EQUAL(amg_config_plugin_option(cfg, "with_options", "flag"), "false");
    CU_ASSERT_PTR_NULL(amg_config_plugin_option(cfg, "with_options", "contact"));
    amg_config_free(cfg);
    free(log);

    /* Defaults also without any plugins section. */
    CU_ASSERT_EQUAL(apply("snapshot_dir = \"s\";\n", &cfg, &log), AMG_OK);
    CU_ASSERT_STRING_EQUAL(amg_config_plugin_option(cfg, "with_options", "count"), "7");
    amg_config_free(cfg);
    free(log);
}

static void test_refused(void)
{
    static const char text[] =
        "plugins = {\n"
        "  with_options = {\n"
        "    count = \"3\";\n"
        "    flag = 1;\n"
        "    colour = \"red\";\n"
        "    label = \"fine\";\n"
        "  };\n"
        "  missing = { x = true; };\n"
        "};\n";
    struct amg_config *cfg = NULL;
    char *log = NULL;

    CU_ASSERT_EQUAL(apply(text, &cfg, &log), AMG_ECONFIG);
    CU_ASSERT_PTR_NOT_NULL(strstr(log, "/etc/amg/t.conf:3: plugins.with_options.count: "
                                  "plugin 'with_options' wants an int, not '3'"));
    CU_ASSERT_PTR_NOT_NULL(strstr(log, "/etc/amg/t.conf:4: plugins.with_options.flag: "
                                  "plugin 'with_options' wants a bool, not '1'"));
    CU_ASSERT_PTR_NOT_NULL(strstr(log, "/etc/amg/t.conf:5: plugins.with_options.colour: "
                                  "plugin 'with_options' has no option 'colour'"));
    CU_ASSERT_PTR_NULL(strstr(log, "label"));
    CU_ASSERT_PTR_NOT_NULL(strstr(log, "/etc/amg/t.conf:8: plugins.missing.x: "
                                  "no plugin 'missing' is loaded"));
    CU_ASSERT_PTR_NOT_NULL(strstr(log, "4 problems in plugin options"));
    amg_config_free(cfg);
    free(log);
}

static void test_tables(void)
{
    struct amg_plugin_set *set;
    char *log = NULL;

    amg_test_capture_start();
    set = load("bad_options", AMG_EPLUGIN);
    log = amg_test_capture_end();
    CU_ASSERT_EQUAL(set->n, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(log, "option 'count': default 'many' is not of type int"));
    CU_ASSERT_PTR_NOT_NULL(strstr(log, "option 'mode' is declared twice"));
    amg_plugins_free(set);
    free(log);

    /* An ABI 1.3 descriptor has no table: nothing past its end is read. */
    set = load("abi13", AMG_OK);
    CU_ASSERT_EQUAL_FATAL(set->n, 1);
    CU_ASSERT_PTR_NULL(amg_plugin_options(set->plugins[0].desc));
    amg_plugins_free(set);
}

static void test_print(void)
{
    struct amg_plugin_set *set = load("with_options", AMG_OK);
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);

    CU_ASSERT_PTR_NOT_NULL_FATAL(out);
    CU_ASSERT_EQUAL_FATAL(set->n, 1);
    amg_options_print(out, set->plugins[0].desc);
    fclose(out);
    CU_ASSERT_STRING_EQUAL(text,
                           "plugins.with_options:\n"
                           "  label (string, default: plain)\n"
                           "      a string option\n"
                           "  count (int, default: 7)\n"
                           "      an int option\n"
                           "  flag (bool, default: false)\n"
                           "      a bool option\n"
                           "  contact (string, default: unset)\n"
                           "      a string option without default\n");
    free(text);
    amg_plugins_free(set);
}

static const struct amg_test tests[] = {
    { "defaults fill unset keys", test_defaults },
    { "unknown key, wrong type, unloaded plugin refused with FILE:LINE", test_refused },
    { "option tables checked at load; ABI 1.3 plugins load", test_tables },
    { "--options text", test_print },
    { NULL, NULL },
};

int main(void)
{
    return amg_test_main("options", tests);
}

/* Declares an int option whose default is not a number, and a key twice:
 * the loader must refuse it. */
#include "test_plugin.h"

static const struct amg_plugin_option options[] = {
    { "count", AMG_OPTION_INT, "many", "an int option with a text default" },
    { "mode", AMG_OPTION_STRING, "a", "declared twice" },
    { "mode", AMG_OPTION_STRING, "b", "declared twice" },
    { NULL, AMG_OPTION_STRING, NULL, NULL },
};

static const struct amg_plugin plugin = {
    AMG_PLUGIN_INIT_HEADER,
    .name = "bad_options",
    .version = "1.0.0",
    .description = "test plugin with a broken option table",
    .export_fn = test_hook,
    .options = options,
};

TEST_PLUGIN_ENTRY(plugin)

/* An ABI 1.4 plugin declaring one option of each type, one without a
 * default. */
#include "test_plugin.h"

static const struct amg_plugin_option options[] = {
    { "label", AMG_OPTION_STRING, "plain", "a string option" },
    { "count", AMG_OPTION_INT, "7", "an int option" },
    { "flag", AMG_OPTION_BOOL, "false", "a bool option" },
    { "contact", AMG_OPTION_STRING, NULL, "a string option without default" },
    { NULL, AMG_OPTION_STRING, NULL, NULL },
};

static const struct amg_plugin plugin = {
    AMG_PLUGIN_INIT_HEADER,
    .name = "with_options",
    .version = "1.0.0",
    .description = "test plugin with declared options",
    .export_fn = test_hook,
    .options = options,
};

TEST_PLUGIN_ENTRY(plugin)

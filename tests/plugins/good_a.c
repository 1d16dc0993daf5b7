/* A valid plugin without dependencies. */
#include "test_plugin.h"

static const struct amg_plugin plugin = {
    AMG_PLUGIN_INIT_HEADER,
    .name = "good_a",
    .version = "1.0.0",
    .description = "test plugin without dependencies",
    .export_fn = test_hook,
    .import_fn = test_hook,
    .validate_fn = test_hook,
};

TEST_PLUGIN_ENTRY(plugin)

/* Name outside [a-z0-9_]+. */
#include "test_plugin.h"

static const struct amg_plugin plugin = {
    AMG_PLUGIN_INIT_HEADER,
    .name = "Bad-Name",
    .version = "1.0",
    .export_fn = test_hook,
};

TEST_PLUGIN_ENTRY(plugin)

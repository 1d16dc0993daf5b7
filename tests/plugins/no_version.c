/* Empty version string. */
#include "test_plugin.h"

static const struct amg_plugin plugin = {
    AMG_PLUGIN_INIT_HEADER,
    .name = "no_version",
    .version = "",
    .export_fn = test_hook,
};

TEST_PLUGIN_ENTRY(plugin)

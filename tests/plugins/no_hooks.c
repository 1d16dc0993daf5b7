/* Well-formed descriptor without any hook. */
#include "test_plugin.h"

static const struct amg_plugin plugin = {
    AMG_PLUGIN_INIT_HEADER,
    .name = "no_hooks",
    .version = "1.0",
};

TEST_PLUGIN_ENTRY(plugin)

/* See cycle_x. */
#include "test_plugin.h"

static const char *const deps[] = { "cycle_x", NULL };

static const struct amg_plugin plugin = {
    AMG_PLUGIN_INIT_HEADER,
    .name = "cycle_y",
    .version = "1.0",
    .deps = deps,
    .import_fn = test_hook,
};

TEST_PLUGIN_ENTRY(plugin)

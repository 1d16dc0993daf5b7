/* Depends on cycle_y, which depends on cycle_x: loads, but cannot be
 * ordered. */
#include "test_plugin.h"

static const char *const deps[] = { "cycle_y", NULL };

static const struct amg_plugin plugin = {
    AMG_PLUGIN_INIT_HEADER,
    .name = "cycle_x",
    .version = "1.0",
    .deps = deps,
    .export_fn = test_hook,
};

TEST_PLUGIN_ENTRY(plugin)

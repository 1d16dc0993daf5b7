/* A dependency name that no plugin can have. */
#include "test_plugin.h"

static const char *const deps[] = { "good_a", "Apps!", NULL };

static const struct amg_plugin plugin = {
    AMG_PLUGIN_INIT_HEADER,
    .name = "bad_dep",
    .version = "1.0",
    .deps = deps,
    .export_fn = test_hook,
};

TEST_PLUGIN_ENTRY(plugin)

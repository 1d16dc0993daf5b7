/* A valid plugin that depends on good_a and has only an export hook. */
#include "test_plugin.h"

static const char *const deps[] = { "good_a", NULL };

static const struct amg_plugin plugin = {
    AMG_PLUGIN_INIT_HEADER,
    .name = "good_b",
    .version = "2.1",
    .description = "test plugin depending on good_a",
    .deps = deps,
    .export_fn = test_hook,
};

TEST_PLUGIN_ENTRY(plugin)

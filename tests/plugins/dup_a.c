/* A second, different file that calls itself good_a. */
#include "test_plugin.h"

static const struct amg_plugin plugin = {
    AMG_PLUGIN_INIT_HEADER,
    .name = "good_a",
    .version = "9.9",
    .description = "impostor",
    .validate_fn = test_hook,
};

TEST_PLUGIN_ENTRY(plugin)

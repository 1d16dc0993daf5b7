/* Needs a newer minor ABI than the core offers. */
#include "test_plugin.h"

static const struct amg_plugin plugin = {
    .abi_major = AMG_PLUGIN_ABI_MAJOR,
    .abi_minor = 99,
    .struct_size = sizeof(struct amg_plugin),
    .name = "bad_minor",
    .version = "1.0",
    .export_fn = test_hook,
};

TEST_PLUGIN_ENTRY(plugin)

/* Claims a descriptor smaller than ABI 1.0's. */
#include "test_plugin.h"

static const struct amg_plugin plugin = {
    .abi_major = AMG_PLUGIN_ABI_MAJOR,
    .abi_minor = AMG_PLUGIN_ABI_MINOR,
    .struct_size = 8,
    .name = "small_struct",
    .version = "1.0",
    .export_fn = test_hook,
};

TEST_PLUGIN_ENTRY(plugin)

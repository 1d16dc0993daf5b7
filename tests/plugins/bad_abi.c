/* Built for a future major ABI: must be rejected before anything else is
 * read. */
#include "test_plugin.h"

static const struct amg_plugin plugin = {
    .abi_major = 2,
    .abi_minor = 0,
    .struct_size = sizeof(struct amg_plugin),
    .name = "bad_abi",
    .version = "1.0",
    .export_fn = test_hook,
};

TEST_PLUGIN_ENTRY(plugin)

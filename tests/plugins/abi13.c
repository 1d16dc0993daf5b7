/* A plugin built against ABI 1.3: the descriptor ends before `options`.
 * A 1.4 core must load it and never read the garbage after it. */
#include <stddef.h>
#include "test_plugin.h"

static const struct amg_plugin plugin = {
    .abi_major = 1,
    .abi_minor = 3,
    .struct_size = offsetof(struct amg_plugin, options),
    .name = "abi13",
    .version = "1.3.0",
    .description = "test plugin built against ABI 1.3",
    .export_fn = test_hook,
    .options = (const struct amg_plugin_option *)0x1,
};

TEST_PLUGIN_ENTRY(plugin)

/* A plugin built against ABI 1.0: minor 0 and the 1.0 descriptor size,
 * without filter_fields. A 1.1 core must load it and never read past it. */
#include <stddef.h>
#include "test_plugin.h"

static const struct amg_plugin plugin = {
    .abi_major = 1,
    .abi_minor = 0,
    .struct_size = offsetof(struct amg_plugin, validate_fn) + sizeof(amg_hook_fn),
    .name = "old_abi",
    .version = "0.9.0",
    .description = "test plugin built against ABI 1.0",
    .export_fn = test_hook,
    /* Garbage where 1.1 keeps filter_fields must not be read. */
    .filter_fields = (const char *const *)0x1,
};

TEST_PLUGIN_ENTRY(plugin)

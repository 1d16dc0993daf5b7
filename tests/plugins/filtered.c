/* An ABI 1.1 plugin declaring record-filter fields. */
#include "test_plugin.h"

static const char *const fields[] = { "name", "email", NULL };

static const struct amg_plugin plugin = {
    AMG_PLUGIN_INIT_HEADER,
    .name = "filtered",
    .version = "1.1.0",
    .description = "test plugin with filter fields",
    .import_fn = test_hook,
    .filter_fields = fields,
};

TEST_PLUGIN_ENTRY(plugin)

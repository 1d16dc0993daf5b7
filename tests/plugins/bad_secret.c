/* Declares a secret the core cannot hand out. */
#include "test_plugin.h"

static const char *const secrets[] = { "cd_encryption_secret", "root_password", NULL };

static const struct amg_plugin plugin = {
    AMG_PLUGIN_INIT_HEADER,
    .name = "bad_secret",
    .version = "1.0",
    .export_fn = test_hook,
    .secrets = secrets,
};

TEST_PLUGIN_ENTRY(plugin)

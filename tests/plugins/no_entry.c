/* A shared object that exports a function, but not amg_plugin_entry. */
#include "test_plugin.h"

const struct amg_plugin *not_the_entry(void);

static const struct amg_plugin plugin = {
    AMG_PLUGIN_INIT_HEADER,
    .name = "no_entry",
    .version = "1.0",
    .export_fn = test_hook,
};

const struct amg_plugin *not_the_entry(void)
{
    return &plugin;
}

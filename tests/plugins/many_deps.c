/* 65 dependencies, one more than the loader accepts. */
#include "test_plugin.h"

#define DEP8 "good_a", "good_a", "good_a", "good_a", "good_a", "good_a", "good_a", "good_a"

static const char *const deps[] = {
    DEP8, DEP8, DEP8, DEP8, DEP8, DEP8, DEP8, DEP8, "good_a", NULL
};

static const struct amg_plugin plugin = {
    AMG_PLUGIN_INIT_HEADER,
    .name = "many_deps",
    .version = "1.0",
    .deps = deps,
    .export_fn = test_hook,
};

TEST_PLUGIN_ENTRY(plugin)

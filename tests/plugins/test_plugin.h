/*
 * Shared parts of the loader's test plugins: each plugin file defines its
 * descriptor (most of them wrong on purpose) and returns it from
 * amg_plugin_entry().
 */
#ifndef AMG_TEST_PLUGIN_H
#define AMG_TEST_PLUGIN_H

#include "appid-migrate/plugin.h"

static inline int test_hook(const struct amg_host *host, struct amg_ctx *ctx)
{
    (void)host;
    (void)ctx;
    return AMG_OK;
}

/* Entry point returning `desc`, a static descriptor of the including file. */
#define TEST_PLUGIN_ENTRY(desc) \
    const struct amg_plugin *amg_plugin_entry(void) \
    { \
        return &(desc); \
    }

#endif

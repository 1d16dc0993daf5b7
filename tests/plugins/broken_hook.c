/* A plugin whose hooks fail after doing part of their work, to prove the
 * core reports a plugin failure (exit 5, the plugin named) and never a
 * half-done run as success (integration/bad_plugins.sh).
 * AMG_TEST_BROKEN_HOOK picks the failure:
 *   export    the export hook writes its record, then returns AMG_EPLUGIN
 *   import    the import hook makes one write, then returns AMG_EPLUGIN
 *   validate  the validate hook returns AMG_EPLUGIN
 *   bogus     every hook returns -99, which is no AMG_E* status
 * Unset: every hook succeeds. */
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "test_plugin.h"

#define AUDIT_PATH "/config/capture_runtime_activity"

static int fails(const char *hook)
{
    const char *mode = getenv("AMG_TEST_BROKEN_HOOK");

    if (!mode)
        return 0;
    if (strcmp(mode, "bogus") == 0)
        return -99;
    return strcmp(mode, hook) == 0 ? AMG_EPLUGIN : 0;
}

static int broken_export(const struct amg_host *h, struct amg_ctx *ctx)
{
    json_t *doc = NULL;
    long status = 0;
    int rc = h->request(ctx, "GET", AUDIT_PATH, NULL, &status, &doc);

    if (rc == AMG_OK)
        rc = status == 200 && doc ? h->snapshot_write(ctx, doc, 1) : AMG_EPROTO;
    json_decref(doc);
    if (rc == AMG_OK)
        rc = fails("export");
    if (rc < 0)
        h->log(ctx, AMG_LOG_ERROR, "failing on purpose");
    return rc;
}

static int broken_import(const struct amg_host *h, struct amg_ctx *ctx)
{
    json_t *doc = NULL;
    json_t *resp = NULL;
    long status = 0;
    int rc = h->snapshot_read(ctx, &doc);

    if (rc == AMG_OK)
        rc = h->request(ctx, "PUT", AUDIT_PATH, doc, &status, &resp);
    if (rc == AMG_OK && status != 204 && status != 200)
        rc = AMG_EPROTO;
    if (rc == AMG_OK)
        h->tally(ctx, AMG_OUT_UPDATED, 1);
    json_decref(doc);
    json_decref(resp);
    if (rc == AMG_OK)
        rc = fails("import");
    return rc;
}

static int broken_validate(const struct amg_host *h, struct amg_ctx *ctx)
{
    (void)h;
    (void)ctx;
    return fails("validate");
}

static const struct amg_plugin plugin = {
    AMG_PLUGIN_INIT_HEADER,
    .name = "broken_hook",
    .version = "1.0.0",
    .description = "test plugin whose hooks fail after part of their work",
    .export_fn = broken_export,
    .import_fn = broken_import,
    .validate_fn = broken_validate,
};

TEST_PLUGIN_ENTRY(plugin)

/* An import plugin built for ABI 1.2, before plans existed: it cannot
 * tell a dry run from an import, so the core must not run its import
 * during --dry-run (integration/ops_plan.sh). */
#include <stddef.h>
#include <jansson.h>
#include "test_plugin.h"

#define AUDIT_PATH "/config/capture_runtime_activity"

static int legacy_export(const struct amg_host *h, struct amg_ctx *ctx)
{
    json_t *doc = NULL;
    long status = 0;
    int rc = h->request(ctx, "GET", AUDIT_PATH, NULL, &status, &doc);

    if (rc == AMG_OK)
        rc = status == 200 && doc ? h->snapshot_write(ctx, doc, 1) : AMG_EPROTO;
    json_decref(doc);
    return rc;
}

static int legacy_import(const struct amg_host *h, struct amg_ctx *ctx)
{
    json_t *doc = NULL;
    json_t *resp = NULL;
    long status = 0;
    int rc = h->snapshot_read(ctx, &doc);

    if (rc == AMG_OK)
        rc = h->request(ctx, "PUT", AUDIT_PATH, doc, &status, &resp);
    if (rc == AMG_OK)
        h->tally(ctx, status == 204 ? AMG_OUT_UPDATED : AMG_OUT_FAILED, 1);
    json_decref(resp);
    json_decref(doc);
    return rc;
}

static const struct amg_plugin plugin = {
    .abi_major = 1,
    .abi_minor = 2,
    .struct_size = sizeof(struct amg_plugin),
    .name = "legacy_audit",
    .version = "1.2.0",
    .description = "test plugin built against ABI 1.2 (cannot plan)",
    .export_fn = legacy_export,
    .import_fn = legacy_import,
};

TEST_PLUGIN_ENTRY(plugin)

/* An ABI 1.3 plugin that ignores host->planning() and writes anyway,
 * through all three request functions: the core must refuse every write
 * during --dry-run (integration/ops_plan.sh). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "test_plugin.h"

#define AUDIT_PATH "/config/capture_runtime_activity"

static int careless_export(const struct amg_host *h, struct amg_ctx *ctx)
{
    json_t *doc = NULL;
    long status = 0;
    int rc = h->request(ctx, "GET", AUDIT_PATH, NULL, &status, &doc);

    if (rc == AMG_OK)
        rc = status == 200 && doc ? h->snapshot_write(ctx, doc, 1) : AMG_EPROTO;
    json_decref(doc);
    return rc;
}

struct one_put {
    int sent;
};

static int put_next(void *ud, struct amg_request *req)
{
    struct one_put *p = ud;

    if (p->sent++)
        return 0;
    req->method = "PUT";
    snprintf(req->path, sizeof(req->path), "%s", AUDIT_PATH);
    req->body = json_pack("{s:b}", "isActive", 1);
    req->idempotent = 1;
    return 1;
}

static int put_done(void *ud, struct amg_request *req)
{
    (void)ud;
    (void)req;
    return 0;
}

static int careless_import(const struct amg_host *h, struct amg_ctx *ctx)
{
    static const char body[] = "{\"isActive\":true}";
    struct one_put p = { 0 };
    json_t *doc = NULL;
    json_t *resp = NULL;
    char *raw = NULL;
    size_t raw_len = 0;
    long status = 0;
    int refused = 0;
    int rc = h->snapshot_read(ctx, &doc);

    if (rc < 0)
        return rc;
    if (h->request(ctx, "PUT", AUDIT_PATH, doc, &status, &resp) == AMG_EINVAL)
        refused++;
    json_decref(resp);
    if (h->request_raw(ctx, "POST", AUDIT_PATH, "application/json", body, strlen(body),
                       &status, &raw, &raw_len) == AMG_EINVAL)
        refused++;
    free(raw);
    if (h->request_pipeline(ctx, put_next, put_done, &p) == AMG_EINVAL)
        refused++;
    json_decref(doc);
    h->log(ctx, AMG_LOG_INFO, "%d of 3 writes refused", refused);
    if (refused)
        return AMG_EINVAL;
    h->tally(ctx, AMG_OUT_UPDATED, 1);
    return AMG_OK;
}

static const struct amg_plugin plugin = {
    AMG_PLUGIN_INIT_HEADER,
    .name = "careless_audit",
    .version = "1.3.0",
    .description = "test plugin that writes without checking host->planning()",
    .export_fn = careless_export,
    .import_fn = careless_import,
};

TEST_PLUGIN_ENTRY(plugin)

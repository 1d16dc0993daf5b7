/*
 * audit_status: an example appid-migrate plugin, built out of tree against
 * the installed SDK (see docs/plugin-guide.md). It backs up and restores
 * App ID's audit switch, GET/PUT /config/capture_runtime_activity, whose
 * body is {"isActive": bool} (reference section 8.7).
 *
 * Build:  cc -shared -fPIC $(pkg-config --cflags --libs appid-migrate-plugin) \
 *            -o audit_status.so audit_status.c
 * Run:    appid-migrate --plugin-dir DIR ...   (DIR holds audit_status.so)
 */
#include <jansson.h>
#include <appid-migrate/plugin.h>

#define AUDIT_PATH "/config/capture_runtime_activity"

/*
 * Dependencies are plugin names. Nothing in App ID forces the audit switch
 * to come after the token configuration; the example declares it anyway
 * so that the tests can show the core ordering an out-of-tree plugin.
 */
static const char *const audit_deps[] = { "tokens", NULL };

/* Export: read the switch from the source and store it as the plugin's
 * one document, audit_status.json in the snapshot. */
static int audit_export(const struct amg_host *h, struct amg_ctx *ctx)
{
    json_t *resp = NULL;
    long status = 0;
    int rc;

    rc = h->request(ctx, "GET", AUDIT_PATH, NULL, &status, &resp);
    if (rc < 0)
        goto out;  /* the core has logged the transport or auth error */
    if (status != 200 || !json_is_boolean(json_object_get(resp, "isActive"))) {
        h->log(ctx, AMG_LOG_ERROR, "GET %s: HTTP %ld, expected {\"isActive\": bool}",
               AUDIT_PATH, status);
        rc = AMG_EPROTO;
        goto out;
    }
    rc = h->snapshot_write(ctx, resp, 1);
out:
    json_decref(resp);
    return rc;
}

/*
 * Import: PUT the stored document unless the target already has it;
 * counting the outcome lets re-runs report "unchanged". During a dry run
 * (import --dry-run, ABI 1.3) the same comparison becomes the plan: the
 * plugin reports what it would do with host->plan and sends nothing (the
 * core would refuse the PUT anyway).
 */
static int audit_import(const struct amg_host *h, struct amg_ctx *ctx)
{
    json_t *want = NULL;
    json_t *have = NULL;
    long status = 0;
    int rc;

    rc = h->snapshot_read(ctx, &want);
    if (rc < 0)
        goto out;
    h->progress(ctx, 0, 1);
    rc = h->request(ctx, "GET", AUDIT_PATH, NULL, &status, &have);
    if (rc < 0)
        goto out;
    if (status == 200 && json_equal(have, want)) {
        if (h->planning(ctx))
            h->plan(ctx, AMG_OUT_UNCHANGED, "audit switch", NULL);
        else
            h->tally(ctx, AMG_OUT_UNCHANGED, 1);
        goto out;
    }
    if (h->planning(ctx)) {
        /* The one field there is; a bigger object would list each. */
        h->plan(ctx, AMG_OUT_UPDATED, "audit switch", "fields: isActive");
        goto out;
    }
    json_decref(have);
    have = NULL;
    rc = h->request(ctx, "PUT", AUDIT_PATH, want, &status, &have);
    if (rc < 0)
        goto out;
    if (status != 204 && status != 200) {
        /* Logged, counted FAILED and listed with its reason in the report. */
        h->fail(ctx, "audit switch", "PUT %s: HTTP %ld", AUDIT_PATH, status);
        rc = AMG_EPROTO;
        goto out;
    }
    h->tally(ctx, AMG_OUT_UPDATED, 1);
out:
    if (rc == AMG_OK)
        h->progress(ctx, 1, 1);
    json_decref(have);
    json_decref(want);
    return rc;
}

/* Validate: offline check of the stored document. Problems are reported,
 * not returned: the hook fails only when it cannot check at all. */
static int audit_validate(const struct amg_host *h, struct amg_ctx *ctx)
{
    json_t *doc = NULL;
    int rc;

    rc = h->snapshot_read(ctx, &doc);
    if (rc < 0)
        return rc;
    if (!json_is_boolean(json_object_get(doc, "isActive")))
        h->problem(ctx, NULL, "'isActive' must be true or false");
    json_decref(doc);
    return AMG_OK;
}

static const struct amg_plugin audit_plugin = {
    AMG_PLUGIN_INIT_HEADER,
    .name = "audit_status",
    .version = "0.1.0",
    .description = "example: audit switch (config/capture_runtime_activity)",
    .deps = audit_deps,
    .export_fn = audit_export,
    .import_fn = audit_import,
    .validate_fn = audit_validate,
};

/* The one symbol the core looks up. */
const struct amg_plugin *amg_plugin_entry(void)
{
    return &audit_plugin;
}

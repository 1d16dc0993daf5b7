/*
 * instance_settings: instance-wide switches (reference sections 8.5, 8.7):
 * the user profiles switch and audit capture (Activity Tracker events), as
 * {"users_profile": {"isActive": ...}, "capture_runtime_activity": {...}}.
 * User profiles must be on before profiles are imported, so plugins that
 * import them depend on this one.
 */
#include <stdio.h>
#include <jansson.h>
#include "appid-migrate/plugin.h"
#include "checks.h"
#include "pluginutil.h"

static const struct part {
    const char *key;    /* member of the snapshot document */
    const char *path;
    const char *label;
} parts[] = {
    { "users_profile", "/config/users_profile", "user profiles switch" },
    { "capture_runtime_activity", "/config/capture_runtime_activity", "audit capture" },
};

#define N_PARTS (sizeof(parts) / sizeof(parts[0]))

static int instance_export(const struct amg_host *h, struct amg_ctx *ctx)
{
    json_t *doc = json_object();
    json_t *part = NULL;
    size_t i;
    int rc = AMG_ENOMEM;

    if (!doc)
        goto out;
    for (i = 0; i < N_PARTS; i++) {
        rc = amgp_get_object(h, ctx, parts[i].path, &part);
        if (rc == AMG_ENOTFOUND)
            h->log(ctx, AMG_LOG_ERROR, "GET %s: HTTP 404", parts[i].path);
        if (rc < 0)
            goto out;
        rc = json_object_set_new(doc, parts[i].key, part) == 0 ? AMG_OK : AMG_ENOMEM;
        part = NULL;
        if (rc < 0)
            goto out;
    }
    rc = h->snapshot_write(ctx, doc, (long)N_PARTS);
out:
    json_decref(doc);
    return rc;
}

static int instance_import(const struct amg_host *h, struct amg_ctx *ctx)
{
    json_t *doc = NULL;
    size_t i;
    int rc;
    int failed = 0;

    rc = h->snapshot_read(ctx, &doc);
    if (rc < 0)
        goto out;
    for (i = 0; i < N_PARTS; i++) {
        json_t *want = json_object_get(doc, parts[i].key);

        if (!want) {
            h->log(ctx, AMG_LOG_INFO, "%s not in the snapshot, left as it is", parts[i].label);
            amgp_outcome(h, ctx, AMG_OUT_SKIPPED, parts[i].label,
                         "not in the snapshot: never touched");
            continue;
        }
        if (amgp_restore_singleton(h, ctx, parts[i].label, parts[i].path, want, 204, NULL) < 0)
            failed = 1;
    }
    rc = failed ? AMG_EPARTIAL : AMG_OK;
out:
    json_decref(doc);
    return rc;
}

static int instance_validate(const struct amg_host *h, struct amg_ctx *ctx)
{
    json_t *doc = NULL;
    size_t i;
    int rc;

    rc = h->snapshot_read(ctx, &doc);
    if (rc < 0)
        goto out;
    if (amgp_want_document(h, ctx, doc) < 0)
        goto out;
    for (i = 0; i < N_PARTS; i++) {
        if (amgp_want_object(h, ctx, doc, NULL, parts[i].key, 0) == 0 &&
            json_object_get(doc, parts[i].key))
            amgp_want_bool(h, ctx, json_object_get(doc, parts[i].key), parts[i].key,
                           "isActive", 1);
    }
out:
    json_decref(doc);
    return rc;
}

static const struct amg_plugin instance_plugin = {
    AMG_PLUGIN_INIT_HEADER,
    .name = "instance_settings",
    .version = "1.0.0",
    .description = "user profiles switch and audit capture (config/users_profile, "
                   "config/capture_runtime_activity)",
    .deps = NULL,
    .export_fn = instance_export,
    .import_fn = instance_import,
    .validate_fn = instance_validate,
    .flags = AMG_PLUGIN_VALIDATE_DURING_EXPORT,
};

const struct amg_plugin *amg_plugin_entry(void)
{
    return &instance_plugin;
}

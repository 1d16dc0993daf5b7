/*
 * redirect_uris: the OAuth redirect URI allow-list (reference section 8.3).
 * PUT replaces the whole list, so the stored document is written back as
 * it was read.
 */
#include <stdio.h>
#include <jansson.h>
#include "appid-migrate/plugin.h"
#include "checks.h"
#include "pluginutil.h"

#define REDIRECT_PATH "/config/redirect_uris"

static int redirect_export(const struct amg_host *h, struct amg_ctx *ctx)
{
    json_t *doc = NULL;
    json_t *uris;
    int rc;

    rc = amgp_get_object(h, ctx, REDIRECT_PATH, &doc);
    if (rc < 0)
        goto out;
    uris = json_object_get(doc, "redirectUris");
    if (!json_is_array(uris)) {
        h->log(ctx, AMG_LOG_ERROR, "GET %s: no redirectUris array in the answer", REDIRECT_PATH);
        rc = AMG_EPROTO;
        goto out;
    }
    rc = h->snapshot_write(ctx, doc, (long)json_array_size(uris));
out:
    json_decref(doc);
    return rc;
}

static int redirect_import(const struct amg_host *h, struct amg_ctx *ctx)
{
    json_t *doc = NULL;
    int rc;

    rc = h->snapshot_read(ctx, &doc);
    if (rc < 0)
        goto out;
    rc = amgp_restore_singleton(h, ctx, "redirect URIs", REDIRECT_PATH, doc, 204, NULL);
out:
    json_decref(doc);
    return rc;
}

static int redirect_validate(const struct amg_host *h, struct amg_ctx *ctx)
{
    json_t *doc = NULL;
    int rc;

    rc = h->snapshot_read(ctx, &doc);
    if (rc < 0)
        goto out;
    if (amgp_want_document(h, ctx, doc) < 0)
        goto out;
    amgp_want_string_array(h, ctx, doc, NULL, "redirectUris", 1);
    amgp_want_bool(h, ctx, doc, NULL, "trustCloudIAMRedirectUris", 0);
out:
    json_decref(doc);
    return rc;
}

static const struct amg_plugin redirect_plugin = {
    AMG_PLUGIN_INIT_HEADER,
    .name = "redirect_uris",
    .version = "1.0.0",
    .description = "OAuth redirect URI allow-list (config/redirect_uris)",
    .deps = NULL,
    .export_fn = redirect_export,
    .import_fn = redirect_import,
    .validate_fn = redirect_validate,
    .flags = AMG_PLUGIN_VALIDATE_DURING_EXPORT,
};

const struct amg_plugin *amg_plugin_entry(void)
{
    return &redirect_plugin;
}

/*
 * tokens: the token configuration (reference section 8.4). App ID resets
 * any top-level object a PUT leaves out, so the whole object is stored
 * and always written back whole.
 */
#include <stdio.h>
#include <jansson.h>
#include "appid-migrate/plugin.h"
#include "checks.h"
#include "pluginutil.h"

#define TOKENS_PATH "/config/tokens"

static const char *const claim_sources[] = {
    "saml", "cloud_directory", "facebook", "google", "appid_custom", "ibmid",
    "attributes", "roles", NULL
};

static int tokens_export(const struct amg_host *h, struct amg_ctx *ctx)
{
    json_t *doc = NULL;
    int rc;

    rc = amgp_get_object(h, ctx, TOKENS_PATH, &doc);
    if (rc < 0)
        goto out;
    rc = h->snapshot_write(ctx, doc, 1);
out:
    json_decref(doc);
    return rc;
}

static int tokens_import(const struct amg_host *h, struct amg_ctx *ctx)
{
    json_t *doc = NULL;
    int rc;

    rc = h->snapshot_read(ctx, &doc);
    if (rc < 0)
        goto out;
    rc = amgp_restore_singleton(h, ctx, "token configuration", TOKENS_PATH, doc, 200, NULL);
out:
    json_decref(doc);
    return rc;
}

static void check_lifetime(const struct amg_host *h, struct amg_ctx *ctx, json_t *doc,
                           const char *key, int has_enabled, json_int_t min, json_int_t max)
{
    json_t *o = json_object_get(doc, key);

    if (amgp_want_object(h, ctx, doc, NULL, key, 0) < 0 || !o)
        return;
    if (has_enabled)
        amgp_want_bool(h, ctx, o, key, "enabled", 1);
    amgp_want_int(h, ctx, o, key, "expires_in", 1, min, max);
}

static void check_claims(const struct amg_host *h, struct amg_ctx *ctx, json_t *doc,
                         const char *key)
{
    json_t *arr = json_object_get(doc, key);
    json_t *claim;
    size_t i;
    char where[64];

    if (!arr)
        return;
    if (!json_is_array(arr)) {
        h->problem(ctx, key, "must be an array of claim mappings");
        return;
    }
    if (json_array_size(arr) > 100)
        h->problem(ctx, key, "has %zu claims; App ID allows 100 per token",
                   json_array_size(arr));
    json_array_foreach(arr, i, claim) {
        snprintf(where, sizeof(where), "%s[%zu]", key, i);
        if (!json_is_object(claim)) {
            h->problem(ctx, where, "must be an object");
            continue;
        }
        amgp_want_enum(h, ctx, claim, where, "source", 1, claim_sources);
        amgp_want_string(h, ctx, claim, where, "sourceClaim", 0);
        amgp_want_string(h, ctx, claim, where, "destinationClaim", 0);
    }
}

static int tokens_validate(const struct amg_host *h, struct amg_ctx *ctx)
{
    json_t *doc = NULL;
    int rc;

    rc = h->snapshot_read(ctx, &doc);
    if (rc < 0)
        goto out;
    if (amgp_want_document(h, ctx, doc) < 0)
        goto out;
    /* Ranges in seconds, reference section 8.4. */
    check_lifetime(h, ctx, doc, "access", 0, 300, 86400);
    check_lifetime(h, ctx, doc, "refresh", 1, 86400, 7776000);
    check_lifetime(h, ctx, doc, "anonymousAccess", 1, 86400, 7776000);
    check_claims(h, ctx, doc, "idTokenClaims");
    check_claims(h, ctx, doc, "accessTokenClaims");
out:
    json_decref(doc);
    return rc;
}

static const struct amg_plugin tokens_plugin = {
    AMG_PLUGIN_INIT_HEADER,
    .name = "tokens",
    .version = "1.0.0",
    .description = "token lifetimes and custom claims (config/tokens)",
    .deps = NULL,
    .export_fn = tokens_export,
    .import_fn = tokens_import,
    .validate_fn = tokens_validate,
    .flags = AMG_PLUGIN_VALIDATE_DURING_EXPORT,
};

const struct amg_plugin *amg_plugin_entry(void)
{
    return &tokens_plugin;
}

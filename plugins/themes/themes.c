/*
 * themes: the login widget's texts and header colour (reference section
 * 8.6). Stored as one document {"theme_text": {...}, "theme_color": {...}}.
 */
#include <stdio.h>
#include <string.h>
#include <ctype.h>
#include <jansson.h>
#include "appid-migrate/plugin.h"
#include "pluginutil.h"

struct theme_part {
    const char *key;    /* member of the snapshot document */
    const char *path;
    const char *label;
};

static const struct theme_part parts[] = {
    { "theme_text", "/config/ui/theme_text", "theme text" },
    { "theme_color", "/config/ui/theme_color", "theme colour" },
};

#define N_PARTS (sizeof(parts) / sizeof(parts[0]))

static int themes_export(const struct amg_host *h, struct amg_ctx *ctx)
{
    json_t *doc = json_object();
    json_t *part = NULL;
    size_t i;
    int rc = AMG_ENOMEM;

    if (!doc)
        goto out;
    for (i = 0; i < N_PARTS; i++) {
        rc = amgp_get_object(h, ctx, parts[i].path, &part);
        if (rc < 0)
            goto out;
        rc = json_object_set_new(doc, parts[i].key, part) == 0 ? AMG_OK : AMG_ENOMEM;
        part = NULL;
        if (rc < 0)
            goto out;
        amgp_progress(h, ctx, (long)(i + 1), (long)N_PARTS);
    }
    rc = h->snapshot_write(ctx, doc, (long)N_PARTS);
out:
    json_decref(doc);
    return rc;
}

static int themes_import(const struct amg_host *h, struct amg_ctx *ctx)
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
        /* One failed part must not keep the other from being restored. */
        if (amgp_restore_singleton(h, ctx, parts[i].label, parts[i].path, want, 204, NULL) < 0)
            failed = 1;
        amgp_progress(h, ctx, (long)(i + 1), (long)N_PARTS);
    }
    rc = failed ? AMG_EPARTIAL : AMG_OK;
out:
    json_decref(doc);
    return rc;
}

static int is_hex_colour(const char *s)
{
    size_t i;

    if (strlen(s) != 7 || s[0] != '#')
        return 0;
    for (i = 1; i < 7; i++) {
        if (!isxdigit((unsigned char)s[i]))
            return 0;
    }
    return 1;
}

static int themes_validate(const struct amg_host *h, struct amg_ctx *ctx)
{
    json_t *doc = NULL;
    json_t *text;
    json_t *color;
    json_t *header;
    int rc;

    rc = h->snapshot_read(ctx, &doc);
    if (rc < 0)
        goto out;
    if (amgp_want_document(h, ctx, doc) < 0)
        goto out;
    if (amgp_want_object(h, ctx, doc, NULL, "theme_text", 0) == 0) {
        text = json_object_get(doc, "theme_text");
        amgp_want_string(h, ctx, text, "theme_text", "tabTitle", 0);
        amgp_want_string(h, ctx, text, "theme_text", "footnote", 0);
    }
    if (amgp_want_object(h, ctx, doc, NULL, "theme_color", 0) == 0) {
        color = json_object_get(doc, "theme_color");
        if (amgp_want_string(h, ctx, color, "theme_color", "headerColor", color != NULL) == 0) {
            header = json_object_get(color, "headerColor");
            if (header && !is_hex_colour(json_string_value(header)))
                h->problem(ctx, "theme_color", "'headerColor' must look like #RRGGBB");
        }
    }
out:
    json_decref(doc);
    return rc;
}

static const struct amg_plugin themes_plugin = {
    AMG_PLUGIN_INIT_HEADER,
    .name = "themes",
    .version = "1.0.0",
    .description = "login widget theme text and colour (config/ui/theme_*)",
    .deps = NULL,
    .export_fn = themes_export,
    .import_fn = themes_import,
    .validate_fn = themes_validate,
};

const struct amg_plugin *amg_plugin_entry(void)
{
    return &themes_plugin;
}

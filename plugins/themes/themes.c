/*
 * themes: the login widget's texts, header colour and logo (reference
 * section 8.6). Stored as one document
 *   {"theme_text": {...}, "theme_color": {...}, "logo": {"content_type": ...}}
 * with the logo's bytes in the binary part themes.logo.bin. The option
 * plugins.themes.carry_logo = false leaves the logo out of export and
 * import.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ctype.h>
#include <jansson.h>
#include "appid-migrate/plugin.h"
#include "checks.h"
#include "pluginutil.h"
#include "themes_map.h"

#define MEDIA_PATH "/config/ui/media"
#define LOGO_UPLOAD_PATH MEDIA_PATH "?mediaType=logo"
#define LOGO_PART "logo"

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

static int carry_logo(const struct amg_host *h, struct amg_ctx *ctx)
{
    const char *v = h->option(ctx, "carry_logo");

    if (v && strcmp(v, "false") == 0)
        return 0;
    if (v && strcmp(v, "true") != 0)
        h->log(ctx, AMG_LOG_WARN, "plugins.themes.carry_logo is '%s'; expected true or "
               "false, carrying the logo", v);
    return 1;
}

/*
 * The instance's current logo: GET /config/ui/media names a URL, whose
 * bytes are fetched (the core sends the token only to the instance's own
 * host). On 0 *data is malloc'd (caller frees) of *len bytes. Problems are
 * logged at `level`.
 */
static int fetch_logo(const struct amg_host *h, struct amg_ctx *ctx, enum amg_log_level level,
                      char **data, size_t *len)
{
    json_t *media = NULL;
    const char *url;
    long status = 0;
    int rc;

    *data = NULL;
    *len = 0;
    rc = amgp_get_object(h, ctx, MEDIA_PATH, &media);
    if (rc == AMG_ENOTFOUND)
        h->log(ctx, level, "GET %s: HTTP 404", MEDIA_PATH);
    if (rc < 0)
        goto out;
    url = json_string_value(json_object_get(media, "image"));
    if (!url || (strncmp(url, "https://", 8) != 0 && strncmp(url, "http://", 7) != 0)) {
        h->log(ctx, level, "GET %s: 'image' is not an http(s) URL", MEDIA_PATH);
        rc = AMG_EPROTO;
        goto out;
    }
    rc = h->request_raw(ctx, "GET", url, NULL, NULL, 0, &status, data, len);
    if (rc < 0)
        goto out;
    if (status != 200 || *len == 0) {
        h->log(ctx, level, "GET %s (the logo): HTTP %ld, %zu bytes", url, status, *len);
        free(*data);
        *data = NULL;
        *len = 0;
        rc = AMG_EPROTO;
    }
out:
    json_decref(media);
    return rc;
}

static int export_logo(const struct amg_host *h, struct amg_ctx *ctx, json_t *doc)
{
    char *data = NULL;
    size_t len = 0;
    const char *type;
    int rc;

    rc = fetch_logo(h, ctx, AMG_LOG_ERROR, &data, &len);
    if (rc < 0)
        goto out;
    type = amgp_image_type(data, len);
    if (!type) {
        h->log(ctx, AMG_LOG_ERROR, "the logo is neither PNG nor JPEG; set "
               "plugins.themes.carry_logo = false to back up without it");
        rc = AMG_EPROTO;
        goto out;
    }
    rc = h->blob_write(ctx, LOGO_PART, data, len);
    if (rc < 0)
        goto out;
    rc = json_object_set_new(doc, "logo", json_pack("{s:s}", "content_type", type)) == 0
         ? AMG_OK : AMG_ENOMEM;
out:
    free(data);
    return rc;
}

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
    if (carry_logo(h, ctx)) {
        rc = export_logo(h, ctx, doc);
        if (rc < 0)
            goto out;
    } else {
        h->log(ctx, AMG_LOG_INFO, "carry_logo is false: the logo is not exported");
    }
    rc = h->snapshot_write(ctx, doc, (long)json_object_size(doc));
out:
    json_decref(doc);
    return rc;
}

/* Upload `data` as the target's logo unless it has those very bytes. */
static int import_logo(const struct amg_host *h, struct amg_ctx *ctx, json_t *meta)
{
    char *data = NULL, *current = NULL, *body = NULL, *resp = NULL;
    size_t len = 0, current_len = 0, body_len = 0, resp_len = 0;
    const char *type = json_string_value(json_object_get(meta, "content_type"));
    char boundary[AMGP_BOUNDARY_LEN + 1];
    char ctype[sizeof(boundary) + 64];
    long status = 0;
    int rc, tries;

    rc = h->blob_read(ctx, LOGO_PART, &data, &len);
    if (rc < 0) {
        amgp_fail(h, ctx, "logo", "the snapshot has no logo bytes (themes.%s.bin)", LOGO_PART);
        goto out;
    }
    /* Not being able to read the target's logo only means uploading. */
    if (fetch_logo(h, ctx, AMG_LOG_WARN, &current, &current_len) == AMG_OK &&
        current_len == len && memcmp(current, data, len) == 0) {
        h->log(ctx, AMG_LOG_DEBUG, "logo unchanged");
        amgp_outcome(h, ctx, AMG_OUT_UNCHANGED, "logo", NULL);
        rc = AMG_OK;
        goto out;
    }
    if (current && amgp_leave_existing(h, ctx, "logo", "the target's logo differs")) {
        rc = AMG_OK;
        goto out;
    }
    if (!type)
        type = amgp_image_type(data, len);
    if (amgp_planning(h, ctx)) {
        char detail[160];

        snprintf(detail, sizeof(detail), "upload %zu bytes of %s%s", len,
                 type ? type : "image/png", current ? "; the target's logo differs"
                 : "; the target's logo cannot be read");
        h->plan(ctx, current ? AMG_OUT_UPDATED : AMG_OUT_CREATED, "logo", detail);
        rc = AMG_OK;
        goto out;
    }
    /* A boundary must not occur in the data; a random one almost never
     * does, and another draw fixes it when it does. */
    rc = AMG_EINVAL;
    for (tries = 0; tries < 4 && rc == AMG_EINVAL; tries++) {
        rc = amgp_random_boundary(boundary, sizeof(boundary));
        if (rc == AMG_OK)
            rc = amgp_multipart_build(boundary, "file", strcmp(type ? type : "", "image/jpeg")
                                      == 0 ? "logo.jpg" : "logo.png", type ? type : "image/png",
                                      data, len, &body, &body_len);
    }
    if (rc < 0) {
        amgp_fail(h, ctx, "logo", "cannot build the logo upload: %s", h->strerror(rc));
        goto out;
    }
    snprintf(ctype, sizeof(ctype), "multipart/form-data; boundary=%s", boundary);
    rc = h->request_raw(ctx, "POST", LOGO_UPLOAD_PATH, ctype, body, body_len, &status, &resp,
                        &resp_len);
    if (rc < 0) {
        amgp_fail(h, ctx, "logo", "POST %s: %s", LOGO_UPLOAD_PATH, h->strerror(rc));
        goto out;
    }
    if (status < 200 || status > 299) {
        amgp_fail(h, ctx, "logo", "POST %s: HTTP %ld (%.*s)", LOGO_UPLOAD_PATH, status,
                  resp_len > 200 ? 200 : (int)resp_len, resp ? resp : "");
        rc = AMG_EPROTO;
        goto out;
    }
    h->log(ctx, AMG_LOG_INFO, "logo updated");
    h->tally(ctx, AMG_OUT_UPDATED, 1);
    rc = AMG_OK;
out:
    free(resp);
    free(body);
    free(current);
    free(data);
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
    /* Snapshots of themes 1.0.0 have no logo. */
    if (json_object_get(doc, "logo")) {
        if (!carry_logo(h, ctx)) {
            h->log(ctx, AMG_LOG_INFO, "carry_logo is false: the logo is left as it is");
            amgp_outcome(h, ctx, AMG_OUT_SKIPPED, "logo", "carry_logo is false: never touched");
        } else if (import_logo(h, ctx, json_object_get(doc, "logo")) < 0) {
            failed = 1;
        }
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

static void validate_logo(const struct amg_host *h, struct amg_ctx *ctx, json_t *meta)
{
    static const char *const types[] = { "image/png", "image/jpeg", NULL };
    const char *type = json_string_value(json_object_get(meta, "content_type"));
    const char *actual;
    char *data = NULL;
    size_t len = 0;
    int rc;

    amgp_want_enum(h, ctx, meta, "logo", "content_type", 1, types);
    rc = h->blob_read(ctx, LOGO_PART, &data, &len);
    if (rc < 0) {
        h->problem(ctx, "logo", "the logo bytes (themes.%s.bin) cannot be read: %s", LOGO_PART,
                   h->strerror(rc));
        return;
    }
    if (len > AMGP_LOGO_MAX)
        h->problem(ctx, "logo", "%zu bytes; App ID takes at most %d", len, AMGP_LOGO_MAX);
    actual = amgp_image_type(data, len);
    if (!actual)
        h->problem(ctx, "logo", "the bytes are neither PNG nor JPEG");
    else if (type && strcmp(type, actual) != 0)
        h->problem(ctx, "logo", "content_type is %s but the bytes are %s", type, actual);
    free(data);
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
    if (amgp_want_object(h, ctx, doc, NULL, "logo", 0) == 0 && json_object_get(doc, "logo"))
        validate_logo(h, ctx, json_object_get(doc, "logo"));
out:
    json_decref(doc);
    return rc;
}

/* Read with host->option(); the core applies the defaults. */
static const struct amg_plugin_option options[] = {
    { "carry_logo", AMG_OPTION_BOOL, "true",
      "copy the login widget logo; false leaves the target's logo alone" },
    { NULL, AMG_OPTION_STRING, NULL, NULL },
};

static const struct amg_plugin themes_plugin = {
    AMG_PLUGIN_INIT_HEADER,
    .name = "themes",
    .version = "1.1.0",
    .description = "login widget theme text, colour and logo (config/ui/theme_*, media)",
    .deps = NULL,
    .export_fn = themes_export,
    .import_fn = themes_import,
    .validate_fn = themes_validate,
    .options = options,
};

const struct amg_plugin *amg_plugin_entry(void)
{
    return &themes_plugin;
}

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "appid-migrate/plugin.h"
#include "b64.h"
#include "media.h"
#include "multipart.h"
#include "tenant.h"

#define MEDIA_PATH "/config/ui/media"
#define DEFAULT_LOGO "default-logo.png"

/* A 16x16 blue-grey PNG, made for the sim. */
static const unsigned char default_logo[] = {
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48,
    0x44, 0x52, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x10, 0x08, 0x02, 0x00, 0x00,
    0x00, 0x90, 0x91, 0x68, 0x36, 0x00, 0x00, 0x00, 0x16, 0x49, 0x44, 0x41, 0x54, 0x78,
    0xda, 0x63, 0xf0, 0xca, 0xef, 0x27, 0x09, 0x31, 0x8c, 0x6a, 0x18, 0xd5, 0x30, 0x7c,
    0x35, 0x00, 0x00, 0x1b, 0x7a, 0x48, 0x10, 0x64, 0xb9, 0x63, 0x73, 0x00, 0x00, 0x00,
    0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
};

static const char png_magic[] = "\x89PNG\r\n\x1a\n";
static const char jpeg_magic[] = "\xff\xd8\xff";

/* Static MIME type of an image by its first bytes, NULL when neither. */
static const char *image_type(const char *data, size_t len)
{
    if (len >= sizeof(png_magic) - 1 && memcmp(data, png_magic, sizeof(png_magic) - 1) == 0)
        return "image/png";
    if (len >= sizeof(jpeg_magic) - 1 && memcmp(data, jpeg_magic, sizeof(jpeg_magic) - 1) == 0)
        return "image/jpeg";
    return NULL;
}

static void reply_bytes(struct sim_reply *rep, const void *data, size_t len, const char *type)
{
    char *copy = malloc(len ? len : 1);

    if (!copy) {
        sim_reply_error(rep, 500, "out of memory");
        return;
    }
    memcpy(copy, data, len);
    sim_reply_clear(rep);
    rep->status = 200;
    rep->body = copy;
    rep->body_len = len;
    rep->content_type = type;
}

static void handle_get(const struct sim_env *env, const char *tenant, struct sim_reply *rep)
{
    json_t *logo = sim_tenants_get(env->tenants, tenant, "logo");
    char url[512];

    if (json_is_string(json_object_get(logo, "data")))
        snprintf(url, sizeof(url), "%s%s%s/logo", env->base_url, SIM_MEDIA_PREFIX, tenant);
    else
        snprintf(url, sizeof(url), "%s%s%s", env->base_url, SIM_MEDIA_PREFIX, DEFAULT_LOGO);
    json_decref(logo);
    sim_reply_json(rep, 200, json_pack("{s:s}", "image", url));
}

static void handle_post(const struct sim_env *env, const char *tenant,
                        const struct sim_request *req, struct sim_reply *rep)
{
    const char *media_type = sim_request_query(req, "mediaType");
    char boundary[SIM_BOUNDARY_MAX + 1];
    struct sim_part part;
    const char *type;
    char *b64 = NULL;
    char msg[256];
    int rc;

    if (!media_type || strcmp(media_type, "logo") != 0) {
        sim_reply_error(rep, 400, "query parameter 'mediaType' must be one of: logo");
        return;
    }
    if (sim_multipart_boundary(req->content_type, boundary) != AMG_OK) {
        sim_reply_error(rep, 415, "Content-Type must be multipart/form-data with a boundary");
        return;
    }
    rc = sim_multipart_find(boundary, req->body ? req->body : "", req->body_len, "file", &part,
                            msg, sizeof(msg));
    if (rc == AMG_ENOTFOUND) {
        sim_reply_error(rep, 400, "missing form part 'file'");
        return;
    }
    if (rc != AMG_OK) {
        sim_reply_error(rep, 400, "%s", msg);
        return;
    }
    if (part.len > SIM_LOGO_MAX) {
        sim_reply_error(rep, 413, "logo is %zu bytes; at most %d are allowed", part.len,
                        SIM_LOGO_MAX);
        return;
    }
    type = image_type(part.data, part.len);
    if (!type) {
        sim_reply_error(rep, 400, "logo must be a PNG or JPEG image");
        return;
    }
    if (sim_b64_encode(part.data, part.len, &b64) != AMG_OK ||
        sim_tenants_set(env->tenants, tenant, "logo",
                        json_pack("{s:s, s:s}", "content_type", type, "data", b64)) != AMG_OK) {
        sim_reply_error(rep, 500, "could not store the logo");
        goto out;
    }
    sim_reply_empty(rep, 204);
out:
    free(b64);
}

int sim_media_handle(const struct sim_env *env, const char *tenant, const char *subpath,
                     const struct sim_request *req, struct sim_reply *rep)
{
    if (strcmp(subpath, MEDIA_PATH) != 0)
        return 0;
    if (strcmp(req->method, "GET") == 0) {
        handle_get(env, tenant, rep);
    } else if (strcmp(req->method, "POST") == 0) {
        handle_post(env, tenant, req, rep);
    } else {
        sim_reply_error(rep, 405, "method %s is not allowed on %s", req->method, subpath);
        sim_reply_header(rep, "Allow", "GET, POST");
    }
    return 1;
}

static void serve_tenant_logo(const struct sim_env *env, const char *tenant,
                              struct sim_reply *rep)
{
    json_t *logo = NULL;
    const char *data, *type;
    unsigned char *bytes = NULL;
    size_t len = 0;

    if (sim_tenant_id_valid(tenant))
        logo = sim_tenants_get(env->tenants, tenant, "logo");
    data = json_string_value(json_object_get(logo, "data"));
    type = json_string_value(json_object_get(logo, "content_type"));
    if (!data || !type || sim_b64_decode(data, strlen(data), &bytes, &len) != AMG_OK) {
        sim_reply_text(rep, 404, "Not Found");
        goto out;
    }
    /* The reply needs a static string. */
    reply_bytes(rep, bytes, len, strcmp(type, "image/jpeg") == 0 ? "image/jpeg" : "image/png");
out:
    free(bytes);
    json_decref(logo);
}

void sim_media_serve(const struct sim_env *env, const struct sim_request *req,
                     struct sim_reply *rep)
{
    const char *rest = req->path + strlen(SIM_MEDIA_PREFIX);
    const char *slash = strchr(rest, '/');
    char tenant[65];
    size_t n;

    if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0) {
        sim_reply_error(rep, 405, "method %s is not allowed on %s", req->method, req->path);
        sim_reply_header(rep, "Allow", "GET, HEAD");
        return;
    }
    if (strcmp(rest, DEFAULT_LOGO) == 0) {
        reply_bytes(rep, default_logo, sizeof(default_logo), "image/png");
        return;
    }
    n = slash ? (size_t)(slash - rest) : 0;
    if (!slash || n == 0 || n >= sizeof(tenant) || strcmp(slash, "/logo") != 0) {
        sim_reply_text(rep, 404, "Not Found");
        return;
    }
    memcpy(tenant, rest, n);
    tenant[n] = '\0';
    serve_tenant_logo(env, tenant, rep);
}

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "appid-migrate/plugin.h"
#include "log.h"
#include "seed_config.h"

struct buf {
    char *data;
    size_t len;
};

static size_t collect(char *data, size_t size, size_t n, void *ud)
{
    struct buf *b = ud;
    size_t len = size * n;
    char *grown = realloc(b->data, b->len + len + 1);

    if (!grown)
        return 0;
    memcpy(grown + b->len, data, len);
    b->data = grown;
    b->len += len;
    b->data[b->len] = '\0';
    return len;
}

/* One request; *out (may be NULL) gets the parsed JSON reply. Returns the
 * HTTP status, or -1 when the request could not be made. */
static long call(struct seed_ctx *ctx, const char *method, const char *path, const char *body,
                 json_t **out)
{
    CURL *easy = curl_easy_init();
    struct buf b = { NULL, 0 };
    char url[2048];
    long status = -1;
    CURLcode res;

    if (out)
        *out = NULL;
    if (!easy)
        return -1;
    snprintf(url, sizeof(url), "%s%s", ctx->mgmt, path);
    curl_easy_setopt(easy, CURLOPT_URL, url);
    curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, ctx->headers);
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, &b);
    if (body)
        curl_easy_setopt(easy, CURLOPT_POSTFIELDS, body);
    res = curl_easy_perform(easy);
    if (res == CURLE_OK)
        curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
    else
        amg_error("%s %s: %s", method, path, curl_easy_strerror(res));
    if (out && b.data)
        *out = json_loads(b.data, 0, NULL);
    /* 404 is left to the caller: it may mean an optional endpoint. */
    if (status >= 300 && status != 404)
        amg_error("%s %s: HTTP %ld: %.300s", method, path, status, b.data ? b.data : "");
    free(b.data);
    curl_easy_cleanup(easy);
    return status;
}

int seed_connect(struct seed_ctx *ctx)
{
    const char *key = getenv(ctx->key_env);
    CURL *easy = NULL;
    struct buf b = { NULL, 0 };
    char iam[1024], *form = NULL, *esc = NULL, *auth = NULL;
    json_t *doc = NULL;
    const char *token;
    long status = 0;
    int rc = AMG_EAUTH;
    size_t len;

    if (!key || !key[0]) {
        amg_error("no API key: the environment variable %s is empty", ctx->key_env);
        return AMG_EUSAGE;
    }
    amg_log_add_secret(key);
    snprintf(ctx->mgmt, sizeof(ctx->mgmt), "%s/management/v4/%s", ctx->url, ctx->tenant);
    snprintf(iam, sizeof(iam), "%s", ctx->iam_url ? ctx->iam_url : "");
    if (!ctx->iam_url)
        snprintf(iam, sizeof(iam), "%s/identity/token", ctx->url);
    easy = curl_easy_init();
    esc = easy ? curl_easy_escape(easy, key, 0) : NULL;
    len = esc ? strlen(esc) + 128 : 0;
    form = esc ? malloc(len) : NULL;
    if (!form) {
        rc = AMG_ENOMEM;
        goto out;
    }
    snprintf(form, len, "grant_type=urn%%3Aibm%%3Aparams%%3Aoauth%%3Agrant-type%%3Aapikey"
             "&apikey=%s", esc);
    curl_easy_setopt(easy, CURLOPT_URL, iam);
    curl_easy_setopt(easy, CURLOPT_POSTFIELDS, form);
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, &b);
    if (curl_easy_perform(easy) == CURLE_OK)
        curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
    doc = b.data ? json_loads(b.data, 0, NULL) : NULL;
    token = json_string_value(json_object_get(doc, "access_token"));
    if (status != 200 || !token) {
        amg_error("IAM token from %s: HTTP %ld", iam, status);
        goto out;
    }
    amg_log_add_secret(token);
    len = strlen(token) + 32;
    auth = malloc(len);
    if (!auth) {
        rc = AMG_ENOMEM;
        goto out;
    }
    snprintf(auth, len, "Authorization: Bearer %s", token);
    ctx->headers = curl_slist_append(NULL, auth);
    ctx->headers = curl_slist_append(ctx->headers, "Content-Type: application/json");
    ctx->headers = curl_slist_append(ctx->headers, "Accept: application/json");
    rc = ctx->headers ? AMG_OK : AMG_ENOMEM;
out:
    json_decref(doc);
    free(b.data);
    free(form);
    free(auth);
    curl_free(esc);
    curl_easy_cleanup(easy);
    return rc;
}

void seed_user_email(const struct seed_ctx *ctx, size_t i, char *out, size_t len)
{
    snprintf(out, len, "user%06zu@seed%" PRIu64 ".example", i, ctx->seed);
}

void seed_user_password(const struct seed_ctx *ctx, size_t i, char *out, size_t len)
{
    snprintf(out, len, "Pw-%" PRIu64 "-%06zu", ctx->seed, i);
}

/* PUT `tmpl` to `path`, with every "@D@" replaced by the seed's domain. */
static int put_config(struct seed_ctx *ctx, const char *path, const char *tmpl)
{
    char domain[64], body[2048];
    size_t o = 0, d_len;
    long status;

    d_len = (size_t)snprintf(domain, sizeof(domain), "seed%" PRIu64 ".example", ctx->seed);
    while (*tmpl && o + d_len + 1 < sizeof(body)) {
        if (strncmp(tmpl, "@D@", 3) == 0) {
            memcpy(body + o, domain, d_len);
            o += d_len;
            tmpl += 3;
        } else {
            body[o++] = *tmpl++;
        }
    }
    body[o] = '\0';
    status = call(ctx, "PUT", path, body, NULL);
    if (status == 404)
        amg_error("PUT %s: HTTP 404 (not served by %s)", path, ctx->url);
    return status >= 200 && status < 300 ? AMG_OK : AMG_EHTTP;
}

/* The seeded configuration: every value differs from a new instance's. */
static const struct {
    const char *path;
    const char *body;
} config[] = {
    { "/config/idps/cloud_directory",
      "{\"isActive\":true,\"config\":{\"selfServiceEnabled\":true,\"signupEnabled\":true,"
      "\"identityField\":\"email\",\"interactions\":{\"identityConfirmation\":{"
      "\"accessMode\":\"RESTRICTIVE\",\"methods\":[\"email\"]},\"welcomeEnabled\":false,"
      "\"resetPasswordEnabled\":true,\"resetPasswordNotificationEnable\":false}}}" },
    { "/config/tokens",
      "{\"access\":{\"expires_in\":7200},\"refresh\":{\"enabled\":true,\"expires_in\":5184000},"
      "\"anonymousAccess\":{\"enabled\":false,\"expires_in\":86400},"
      "\"idTokenClaims\":[{\"source\":\"attributes\",\"sourceClaim\":\"tier\"}],"
      "\"accessTokenClaims\":[{\"source\":\"roles\"}]}" },
    { "/config/redirect_uris",
      "{\"redirectUris\":[\"https://app.@D@/callback\",\"https://admin.@D@/*\"]}" },
    { "/config/ui/theme_text", "{\"tabTitle\":\"Seed Corp\",\"footnote\":\"Seed Corp sign-in\"}" },
    { "/config/ui/theme_color", "{\"headerColor\":\"#1F4E79\"}" },
    { "/config/ui/languages", "{\"languages\":[\"en\",\"de\",\"fr\"]}" },
    { "/config/users_profile", "{\"isActive\":true}" },
    { "/config/capture_runtime_activity", "{\"isActive\":true}" },
    { "/config/cloud_directory/sender_details",
      "{\"senderDetails\":{\"from\":{\"email\":\"no-reply@@D@\",\"name\":\"Seed Corp\"},"
      "\"reply_to\":{\"email\":\"help@@D@\",\"name\":\"Seed support\"},"
      "\"linkExpirationSec\":43200}}" },
    { "/config/cloud_directory/password_regex",
      "{\"regex\":\"^(?=.*[0-9]).{8,}$\",\"error_message\":\"8 characters or more, one digit.\"}" },
    { "/config/cloud_directory/advanced_password_management",
      "{\"advancedPasswordManagement\":{\"enabled\":true,"
      "\"passwordReuse\":{\"enabled\":true,\"config\":{\"maxPasswordReuse\":4}},"
      "\"preventPasswordWithUsername\":{\"enabled\":true},"
      "\"passwordExpiration\":{\"enabled\":false,\"config\":{\"daysToExpire\":60}},"
      "\"lockOutPolicy\":{\"enabled\":true,\"config\":{\"lockOutTimeSec\":900,"
      "\"numOfAttempts\":5}},\"minPasswordChangeInterval\":{\"enabled\":false,"
      "\"config\":{\"minHoursToChangePassword\":0}}}}" },
    { "/config/cloud_directory/sso",
      "{\"isActive\":true,\"inactivityTimeoutSeconds\":7200,"
      "\"logoutRedirectUris\":[\"https://app.@D@/bye\"]}" },
    { "/config/cloud_directory/rate_limit",
      "{\"signUpLimitPerMinute\":100,\"signInLimitPerMinute\":200}" },
    { "/config/idps/google",
      "{\"isActive\":true,\"config\":{\"idpId\":\"seed-google.apps.@D@\","
      "\"secret\":\"seed-google-secret\"}}" },
    { "/config/idps/facebook", "{\"isActive\":false}" },
};

/* Id of the array element of `list` whose `key` is `name`. */
static const char *find_by(const json_t *list, const char *key, const char *name,
                           const char *id_key)
{
    json_t *item;
    size_t i;

    json_array_foreach(list, i, item) {
        const char *v = json_string_value(json_object_get(item, key));

        if (v && strcmp(v, name) == 0)
            return json_string_value(json_object_get(item, id_key));
    }
    return NULL;
}

/* An application with two scopes for the roles to grant; NULL client id
 * when the service has no /applications endpoint. */
static int seed_application(struct seed_ctx *ctx, char *client, size_t client_len)
{
    static const char name[] = "seed-demo-web";
    json_t *doc = NULL;
    const char *id;
    char path[512];
    long status = call(ctx, "GET", "/applications", NULL, &doc);
    int rc = AMG_EHTTP;

    client[0] = '\0';
    if (status == 404) {
        amg_warn("no /applications endpoint: roles get no application access");
        rc = AMG_OK;
        goto out;
    }
    if (status != 200)
        goto out;
    id = find_by(json_object_get(doc, "applications"), "name", name, "clientId");
    if (!id) {
        json_decref(doc);
        status = call(ctx, "POST", "/applications",
                      "{\"name\":\"seed-demo-web\",\"type\":\"regularwebapp\"}", &doc);
        id = json_string_value(json_object_get(doc, "clientId"));
        if (status < 200 || status >= 300 || !id)
            goto out;
    }
    snprintf(client, client_len, "%s", id);
    snprintf(path, sizeof(path), "/applications/%s/scopes", client);
    status = call(ctx, "PUT", path, "{\"scopes\":[\"orders.read\",\"orders.write\"]}", NULL);
    rc = status >= 200 && status < 300 ? AMG_OK : AMG_EHTTP;
out:
    json_decref(doc);
    return rc;
}

static int seed_roles(struct seed_ctx *ctx)
{
    static const struct {
        const char *name, *description, *scopes;
    } roles[] = {
        { "seed-admin", "Full access", "[\"orders.read\",\"orders.write\"]" },
        { "seed-editor", "Edits orders", "[\"orders.read\",\"orders.write\"]" },
        { "seed-viewer", "Reads orders", "[\"orders.read\"]" },
    };
    char client[256], body[1024];
    json_t *doc = NULL, *made = NULL;
    size_t i;
    long status;
    int rc;

    status = call(ctx, "GET", "/roles", NULL, &doc);
    if (status == 404) {
        amg_warn("no /roles endpoint: seeded users get no roles");
        json_decref(doc);
        return AMG_OK;
    }
    rc = status == 200 ? seed_application(ctx, client, sizeof(client)) : AMG_EHTTP;
    for (i = 0; rc == AMG_OK && i < sizeof(roles) / sizeof(roles[0]); i++) {
        const char *id = find_by(json_object_get(doc, "roles"), "name", roles[i].name, "id");

        if (!id) {
            if (client[0])
                snprintf(body, sizeof(body), "{\"name\":\"%s\",\"description\":\"%s\","
                         "\"access\":[{\"application_id\":\"%s\",\"scopes\":%s}]}",
                         roles[i].name, roles[i].description, client, roles[i].scopes);
            else
                snprintf(body, sizeof(body), "{\"name\":\"%s\",\"description\":\"%s\","
                         "\"access\":[]}", roles[i].name, roles[i].description);
            status = call(ctx, "POST", "/roles", body, &made);
            id = json_string_value(json_object_get(made, "id"));
            if (status < 200 || status >= 300 || !id)
                rc = AMG_EHTTP;
        }
        if (rc == AMG_OK) {
            ctx->role_ids[ctx->n_roles] = strdup(id);
            if (ctx->role_ids[ctx->n_roles])
                ctx->n_roles++;
            else
                rc = AMG_ENOMEM;
        }
        json_decref(made);
        made = NULL;
    }
    json_decref(doc);
    return rc;
}

int seed_configure(struct seed_ctx *ctx)
{
    size_t i;

    for (i = 0; i < sizeof(config) / sizeof(config[0]); i++) {
        if (put_config(ctx, config[i].path, config[i].body) != AMG_OK)
            return AMG_EHTTP;
    }
    return seed_roles(ctx);
}

void seed_ctx_free(struct seed_ctx *ctx)
{
    size_t i;

    for (i = 0; i < ctx->n_roles; i++)
        free(ctx->role_ids[i]);
    ctx->n_roles = 0;
    curl_slist_free_all(ctx->headers);
    ctx->headers = NULL;
}

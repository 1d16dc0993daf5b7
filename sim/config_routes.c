#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/evp.h>
#include "appid-migrate/plugin.h"
#include "config_schemas.h"
#include "config_routes.h"
#include "tenant.h"

/* Omitted top-level members reset to their defaults (tokens: SDK doc). */
#define ROUTE_MERGE_DEFAULTS 0x1u
/* POST is accepted like PUT (theme_color: old Postman collection). */
#define ROUTE_ALLOW_POST 0x2u

struct config_route;

/* Turns the stored object into what GET shows; `obj` is the caller's
 * copy and may be modified. */
typedef int (*present_fn)(const struct sim_env *env, const char *tenant,
                          const struct config_route *route, json_t *obj);

/* Normalises a validated PUT body in place; on a problem writes a
 * message and returns AMG_EINVAL (400). */
typedef int (*normalize_fn)(json_t *body, char *msg, size_t msg_len);

struct config_route {
    const char *path;
    const char *key;                 /* tenant state key, see tenant.c */
    const struct sim_field *fields;
    int put_status;                  /* reference section 4.1 */
    unsigned flags;
    const char *const *read_only;    /* dropped from PUT bodies */
    present_fn present;
    normalize_fn normalize;
    const char *idp;                 /* IdP name in the callback URL */
};

/* GET shows only redirectUris, like the SDK's response model, although
 * PUT keeps trustCloudIAMRedirectUris and any extra property. */
static int present_redirect_uris(const struct sim_env *env, const char *tenant,
                                 const struct config_route *route, json_t *obj)
{
    json_t *uris = json_incref(json_object_get(obj, "redirectUris"));

    (void)env;
    (void)tenant;
    (void)route;
    json_object_clear(obj);
    if (!uris)
        uris = json_array();
    return json_object_set_new(obj, "redirectUris", uris) == 0 ? AMG_OK : AMG_ENOMEM;
}

/* Facebook/Google: the callback URL of this instance, read-only. */
static int present_idp_callback(const struct sim_env *env, const char *tenant,
                                const struct config_route *route, json_t *obj)
{
    char url[512];

    snprintf(url, sizeof(url), "%s/oauth/v4/%s/%s/callback", env->base_url, tenant,
             route->idp);
    return json_object_set_new(obj, "redirectURL", json_string(url)) == 0 ? AMG_OK
                                                                         : AMG_ENOMEM;
}

/* notAfter of a certificate given as PEM or as bare base64 DER (how SAML
 * metadata carries it), in epoch seconds; -1 when it does not parse. */
static long long cert_not_after(const char *text)
{
    static const char head[] = "-----BEGIN CERTIFICATE-----\n";
    static const char tail[] = "\n-----END CERTIFICATE-----\n";
    char *pem = NULL;
    BIO *bio = NULL;
    X509 *x = NULL;
    struct tm tm;
    long long when = -1;
    size_t len = strlen(text);

    if (strstr(text, "-----BEGIN")) {
        bio = BIO_new_mem_buf(text, (int)len);
    } else {
        pem = malloc(sizeof(head) + len + sizeof(tail));
        if (!pem)
            return -1;
        snprintf(pem, sizeof(head) + len + sizeof(tail), "%s%s%s", head, text, tail);
        bio = BIO_new_mem_buf(pem, -1);
    }
    if (bio)
        x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
    if (x && ASN1_TIME_to_tm(X509_get0_notAfter(x), &tm) == 1)
        when = (long long)timegm(&tm);
    X509_free(x);
    BIO_free(bio);
    free(pem);
    return when;
}

/*
 * SAML: the read-only validation_data App ID computes from the
 * certificates (reference 8.1.3): index, expiry (epoch milliseconds, like
 * lockedUntil) and a warning when a certificate cannot be read, has
 * expired or expires within 30 days.
 */
static int present_saml(const struct sim_env *env, const char *tenant,
                        const struct config_route *route, json_t *obj)
{
    json_t *certs = json_object_get(json_object_get(obj, "config"), "certificates");
    json_t *out = json_array();
    json_t *c;
    size_t i;
    time_t now = time(NULL);

    (void)env;
    (void)tenant;
    (void)route;
    if (!out)
        return AMG_ENOMEM;
    json_array_foreach(certs, i, c) {
        long long exp = json_is_string(c) ? cert_not_after(json_string_value(c)) : -1;
        json_t *entry = json_pack("{s:I, s:I}", "certificate_index", (json_int_t)i,
                                  "expiration_timestamp",
                                  (json_int_t)(exp < 0 ? 0 : exp * 1000));

        if (!entry || json_array_append_new(out, entry) != 0) {
            json_decref(out);
            return AMG_ENOMEM;
        }
        if (exp < 0)
            json_object_set_new(entry, "warning",
                                json_string("the certificate could not be read"));
        else if (exp <= now)
            json_object_set_new(entry, "warning", json_string("the certificate has expired"));
        else if (exp - now < 30 * 86400)
            json_object_set_new(entry, "warning",
                                json_string("the certificate expires within 30 days"));
    }
    if (!json_object_get(obj, "config")) {
        json_decref(out);
        return AMG_OK;
    }
    return json_object_set_new(obj, "validation_data", json_pack("{s:o}", "certificates", out))
           == 0 ? AMG_OK : AMG_ENOMEM;
}

/*
 * Password regex: clients prefer base64_encoded_regex (TF does). Keep both
 * forms consistent so a GET after either kind of PUT shows both.
 */
static int normalize_password_regex(json_t *body, char *msg, size_t msg_len)
{
    const char *b64 = json_string_value(json_object_get(body, "base64_encoded_regex"));
    const char *plain = json_string_value(json_object_get(body, "regex"));
    unsigned char *buf = NULL;
    json_t *value = NULL;
    size_t len;
    int n, rc = AMG_ENOMEM;

    if (b64 && b64[0]) {
        len = strlen(b64);
        buf = malloc(len / 4 * 3 + 4);
        if (!buf)
            goto out;
        n = len % 4 == 0 ? EVP_DecodeBlock(buf, (const unsigned char *)b64, (int)len) : -1;
        if (n < 0) {
            snprintf(msg, msg_len, "field 'base64_encoded_regex' is not valid base64");
            rc = AMG_EINVAL;
            goto out;
        }
        /* EVP_DecodeBlock counts padding bytes as data. */
        if (len >= 1 && b64[len - 1] == '=')
            n--;
        if (len >= 2 && b64[len - 2] == '=')
            n--;
        if (memchr(buf, '\0', (size_t)n)) {
            snprintf(msg, msg_len, "field 'base64_encoded_regex' decodes to binary data");
            rc = AMG_EINVAL;
            goto out;
        }
        value = json_stringn((const char *)buf, (size_t)n);
        if (!value) {
            snprintf(msg, msg_len, "field 'base64_encoded_regex' is not UTF-8 text");
            rc = AMG_EINVAL;
            goto out;
        }
        if (json_object_set_new(body, "regex", value) != 0)
            goto out;
    } else {
        len = plain ? strlen(plain) : 0;
        buf = malloc(len / 3 * 4 + 5);
        if (!buf)
            goto out;
        EVP_EncodeBlock(buf, (const unsigned char *)(plain ? plain : ""), (int)len);
        if (json_object_set_new(body, "base64_encoded_regex", json_string((char *)buf)) != 0 ||
            (!plain && json_object_set_new(body, "regex", json_string("")) != 0))
            goto out;
    }
    rc = AMG_OK;
out:
    free(buf);
    return rc;
}

/*
 * Email dispatcher: the object of the chosen provider must be there, and a
 * custom dispatcher's authorization must carry what its type needs.
 */
static int check_email_dispatcher(json_t *body, char *msg, size_t msg_len)
{
    const char *provider = json_string_value(json_object_get(body, "provider"));
    json_t *auth = json_object_get(json_object_get(body, "custom"), "authorization");
    const char *type = json_string_value(json_object_get(auth, "type"));

    if (strcmp(provider, "appid") != 0 && !json_object_get(body, provider)) {
        snprintf(msg, msg_len, "missing required field '%s' (provider is %s)", provider,
                 provider);
        return AMG_EINVAL;
    }
    if (strcmp(provider, "custom") == 0 && strcmp(type, "value") == 0 &&
        !json_object_get(auth, "value")) {
        snprintf(msg, msg_len, "missing required field 'custom.authorization.value'");
        return AMG_EINVAL;
    }
    if (strcmp(provider, "custom") == 0 && strcmp(type, "basic") == 0 &&
        (!json_object_get(auth, "username") || !json_object_get(auth, "password"))) {
        snprintf(msg, msg_len, "missing required field 'custom.authorization.%s'",
                 json_object_get(auth, "username") ? "password" : "username");
        return AMG_EINVAL;
    }
    return AMG_OK;
}

static const char *const ro_social[] = { "redirectURL", NULL };
static const char *const ro_saml[] = { "validation_data", NULL };

#define ROUTE(p, k, f, st) { .path = (p), .key = (k), .fields = (f), .put_status = (st) }

static const struct config_route routes[] = {
    { .path = "/config/tokens", .key = "tokens", .fields = sim_fields_tokens,
      .put_status = 200, .flags = ROUTE_MERGE_DEFAULTS },
    { .path = "/config/redirect_uris", .key = "redirect_uris",
      .fields = sim_fields_redirect_uris, .put_status = 204,
      .present = present_redirect_uris },
    { .path = "/config/ui/theme_text", .key = "theme_text", .fields = sim_fields_theme_text,
      .put_status = 204, .flags = ROUTE_MERGE_DEFAULTS },
    { .path = "/config/ui/theme_color", .key = "theme_color",
      .fields = sim_fields_theme_color, .put_status = 204, .flags = ROUTE_ALLOW_POST },
    ROUTE("/config/ui/languages", "languages", sim_fields_languages, 204),
    ROUTE("/config/users_profile", "users_profile", sim_fields_is_active, 204),
    ROUTE("/config/capture_runtime_activity", "capture_runtime_activity",
          sim_fields_is_active, 204),
    ROUTE("/config/cloud_directory/sender_details", "sender_details",
          sim_fields_sender_details, 204),
    { .path = "/config/cloud_directory/password_regex", .key = "password_regex",
      .fields = sim_fields_password_regex, .put_status = 200,
      .normalize = normalize_password_regex },
    ROUTE("/config/cloud_directory/advanced_password_management",
          "advanced_password_management", sim_fields_apm, 200),
    ROUTE("/config/cloud_directory/mfa", "mfa", sim_fields_mfa, 200),
    ROUTE("/config/cloud_directory/sso", "sso", sim_fields_sso, 201),
    ROUTE("/config/cloud_directory/rate_limit", "rate_limit", sim_fields_rate_limit, 201),
    ROUTE("/config/idps/cloud_directory", "idp_cloud_directory",
          sim_fields_idp_cloud_directory, 200),
    { .path = "/config/idps/facebook", .key = "idp_facebook", .fields = sim_fields_idp_social,
      .put_status = 200, .read_only = ro_social, .present = present_idp_callback,
      .idp = "facebook" },
    { .path = "/config/idps/google", .key = "idp_google", .fields = sim_fields_idp_social,
      .put_status = 200, .read_only = ro_social, .present = present_idp_callback,
      .idp = "google" },
    ROUTE("/config/idps/custom", "idp_custom", sim_fields_idp_custom, 200),
    { .path = "/config/idps/saml", .key = "idp_saml", .fields = sim_fields_idp_saml,
      .put_status = 200, .read_only = ro_saml, .present = present_saml },
    { .path = "/config/cloud_directory/email_dispatcher", .key = "email_dispatcher",
      .fields = sim_fields_email_dispatcher, .put_status = 200,
      .normalize = check_email_dispatcher },
};

static const struct config_route *find_route(const char *subpath)
{
    size_t i;

    for (i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
        if (strcmp(routes[i].path, subpath) == 0)
            return &routes[i];
    }
    return NULL;
}

/* Reply 200/201 with the stored object as GET shows it, or `status`
 * without a body (204). */
static void reply_view(const struct sim_env *env, const char *tenant,
                       const struct config_route *route, int status, struct sim_reply *rep)
{
    json_t *obj = NULL;

    if (status == 204) {
        sim_reply_empty(rep, status);
        return;
    }
    obj = sim_tenants_get(env->tenants, tenant, route->key);
    if (!obj) {
        sim_reply_error(rep, 500, "resource '%s' is missing from the tenant state", route->key);
        return;
    }
    if (route->present && route->present(env, tenant, route, obj) != AMG_OK) {
        json_decref(obj);
        sim_reply_error(rep, 500, "out of memory");
        return;
    }
    sim_reply_json(rep, status, obj);
}

static void handle_put(const struct sim_env *env, const char *tenant,
                       const struct config_route *route, const struct sim_request *req,
                       struct sim_reply *rep)
{
    const char *const *ro;
    json_t *body = NULL;
    json_t *stored = NULL;
    char msg[512];

    if (sim_request_json_object(req, rep, &body) != AMG_OK)
        return;
    for (ro = route->read_only; ro && *ro; ro++)
        json_object_del(body, *ro);
    if (sim_schema_check(route->fields, body, msg, sizeof(msg)) != AMG_OK ||
        (route->normalize && route->normalize(body, msg, sizeof(msg)) != AMG_OK)) {
        sim_reply_error(rep, 400, "%s", msg);
        goto out;
    }
    if (route->flags & ROUTE_MERGE_DEFAULTS) {
        stored = sim_tenant_default(route->key);
        if (!stored || json_object_update(stored, body) != 0) {
            sim_reply_error(rep, 500, "out of memory");
            goto out;
        }
    } else {
        stored = json_incref(body);
    }
    if (sim_tenants_set(env->tenants, tenant, route->key, stored) != AMG_OK) {
        stored = NULL;
        sim_reply_error(rep, 500, "could not store '%s'", route->key);
        goto out;
    }
    stored = NULL;
    reply_view(env, tenant, route, route->put_status, rep);
out:
    json_decref(stored);
    json_decref(body);
}

int sim_config_handle(const struct sim_env *env, const char *tenant, const char *subpath,
                      const struct sim_request *req, struct sim_reply *rep)
{
    const struct config_route *route = find_route(subpath);
    int post_ok;

    if (!route)
        return 0;
    post_ok = (route->flags & ROUTE_ALLOW_POST) != 0;
    if (strcmp(req->method, "GET") == 0) {
        reply_view(env, tenant, route, 200, rep);
    } else if (strcmp(req->method, "PUT") == 0 ||
               (post_ok && strcmp(req->method, "POST") == 0)) {
        handle_put(env, tenant, route, req, rep);
    } else {
        sim_reply_error(rep, 405, "method %s is not allowed on %s", req->method, subpath);
        sim_reply_header(rep, "Allow", post_ok ? "GET, POST, PUT" : "GET, PUT");
    }
    return 1;
}

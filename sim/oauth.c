#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include "appid-migrate/plugin.h"
#include "codec.h"
#include "iam.h"
#include "oauth.h"
#include "password.h"
#include "tenant.h"
#include "users_json.h"
#include "users_store.h"

#define KEY_LEN 32
#define SCOPE "openid appid_default appid_readprofile appid_readuserattr " \
              "appid_writeuserattr appid_authenticated"

struct sim_oauth {
    unsigned char key[KEY_LEN];
};

struct sim_oauth *sim_oauth_new(void)
{
    struct sim_oauth *o = calloc(1, sizeof(*o));

    if (o && RAND_bytes(o->key, sizeof(o->key)) != 1) {
        free(o);
        o = NULL;
    }
    return o;
}

void sim_oauth_free(struct sim_oauth *o)
{
    if (!o)
        return;
    OPENSSL_cleanse(o->key, sizeof(o->key));
    free(o);
}

/* RFC 6749 5.2 error body. */
static void oauth_error(struct sim_reply *rep, int status, const char *error,
                        const char *description)
{
    sim_reply_json(rep, status, json_pack("{s:s, s:s}", "error", error, "error_description",
                                          description));
}

/* Form field `name` of the body (new string) or NULL. */
static char *form_field(const struct sim_request *req, const char *name)
{
    static const char form[] = "application/x-www-form-urlencoded";
    const char *body = req->body;
    size_t len = req->body_len, name_len = strlen(name), pos = 0;

    if (!body || !req->content_type || strncasecmp(req->content_type, form, sizeof(form) - 1))
        return NULL;
    while (pos < len) {
        const char *pair = body + pos;
        const char *end = memchr(pair, '&', len - pos);
        size_t pair_len = end ? (size_t)(end - pair) : len - pos;
        char *value = NULL;

        if (pair_len > name_len && pair[name_len] == '=' && memcmp(pair, name, name_len) == 0)
            return sim_form_decode(pair + name_len + 1, pair_len - name_len - 1, &value) ==
                           AMG_OK ? value : NULL;
        pos += pair_len + 1;
    }
    return NULL;
}

/* 1 when the Basic credentials name an application of the tenant; its
 * clientId is copied to `client`. */
static int client_ok(const struct sim_env *env, const char *tenant, const char *authz,
                     char *client, size_t client_len)
{
    json_t *apps = sim_tenants_get(env->tenants, tenant, "applications");
    json_t *list = json_is_object(apps) ? json_object_get(apps, "applications") : apps;
    unsigned char *cred = NULL;
    size_t cred_len = 0, i;
    char *colon;
    json_t *app;
    int ok = 0;

    if (!authz || strncasecmp(authz, "Basic ", 6) != 0 ||
        sim_b64_decode_str(authz + 6, &cred, &cred_len) != AMG_OK)
        goto out;
    colon = memchr(cred, ':', cred_len);
    if (!colon || strlen((char *)cred) != cred_len)
        goto out;
    *colon = '\0';
    json_array_foreach(list, i, app) {
        const char *id = json_string_value(json_object_get(app, "clientId"));
        const char *secret = json_string_value(json_object_get(app, "secret"));

        if (id && secret && strcmp(id, (char *)cred) == 0 &&
            strlen(secret) == strlen(colon + 1) &&
            CRYPTO_memcmp(secret, colon + 1, strlen(secret)) == 0) {
            snprintf(client, client_len, "%s", id);
            ok = 1;
            break;
        }
    }
out:
    if (cred) {
        OPENSSL_cleanse(cred, cred_len);
        free(cred);
    }
    json_decref(apps);
    return ok;
}

/* HS256 JWT of `claims` (stolen); new string or NULL. */
static char *sign_jwt(const struct sim_oauth *o, json_t *claims)
{
    static const char head[] = "{\"alg\":\"HS256\",\"kid\":\"appid-sim\",\"typ\":\"JWT\"}";
    char *payload = claims ? json_dumps(claims, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    char *h64 = sim_b64url_encode((const unsigned char *)head, strlen(head));
    char *p64 = payload ? sim_b64url_encode((const unsigned char *)payload, strlen(payload))
                        : NULL;
    unsigned char sig[EVP_MAX_MD_SIZE];
    unsigned sig_len = 0;
    char *s64 = NULL, *out = NULL;
    size_t len;

    json_decref(claims);
    if (!h64 || !p64)
        goto out;
    len = strlen(h64) + strlen(p64) + 64;
    out = malloc(len);
    if (!out)
        goto out;
    snprintf(out, len, "%s.%s", h64, p64);
    if (!HMAC(EVP_sha256(), o->key, KEY_LEN, (const unsigned char *)out, strlen(out), sig,
              &sig_len) ||
        !(s64 = sim_b64url_encode(sig, sig_len))) {
        free(out);
        out = NULL;
        goto out;
    }
    snprintf(out + strlen(out), len - strlen(out), ".%s", s64);
out:
    free(payload);
    free(h64);
    free(p64);
    free(s64);
    return out;
}

/* Access-token lifetime of the tenant's token configuration. */
static long token_ttl(const struct sim_env *env, const char *tenant)
{
    json_t *tokens = sim_tenants_get(env->tenants, tenant, "tokens");
    json_int_t ttl = json_integer_value(
        json_object_get(json_object_get(tokens, "access"), "expires_in"));

    json_decref(tokens);
    return ttl > 0 ? (long)ttl : 3600;
}

struct login {
    char user_id[SIM_ID_LEN + 1];
    char sub[SIM_ID_LEN + 1];
    json_t *email, *name;     /* owned strings or NULL */
};

/* Find the user, check the password outside the lock, then record the
 * sign-in: a profile is created on the first one, as App ID does. */
static int password_login(const struct sim_env *env, const char *tenant, const char *username,
                          const char *password, struct login *out, const char **why)
{
    int by_name = sim_identity_is_username(env, tenant);
    struct sim_cd_user *u;
    struct sim_profile *p = NULL;
    struct sim_uset *set;
    struct sim_pwhash pw = { 0 };
    long long now = sim_now_ms();
    json_int_t locked;
    int rc = AMG_EAUTH;

    *why = "invalid username or password";
    set = sim_users_read(env->users, tenant);
    if (!set)
        return AMG_ENOMEM;
    u = by_name ? sim_uset_cd_by_username(set, username) : sim_uset_cd_by_email(set, username);
    if (u) {
        pw = u->pw;
        snprintf(out->user_id, sizeof(out->user_id), "%s", u->id);
    }
    sim_users_unlock(set);
    if (!u || !sim_password_verify(&pw, password))
        goto out;
    set = sim_users_write(env->users, tenant);
    u = set ? sim_uset_cd_get(set, out->user_id) : NULL;
    if (u && !json_is_true(json_object_get(u->scim, "active"))) {
        *why = "the user is not active";
        u = NULL;
    }
    locked = u ? json_integer_value(json_object_get(u->scim, "lockedUntil")) : 0;
    if (u && locked > now) {
        *why = "the user is locked";
        u = NULL;
    }
    if (u && !u->profile &&
        sim_uset_profile_add(set, NULL, SIM_IDP_CD, u->id, NULL, NULL, u, &p) != AMG_OK) {
        rc = AMG_ENOMEM;
        u = NULL;
    }
    if (u) {
        u->last_login_ms = now;
        snprintf(out->sub, sizeof(out->sub), "%s", u->profile->id);
        out->email = sim_scim_email(u->scim) ? json_string(sim_scim_email(u->scim)) : NULL;
        out->name = sim_profile_name(u->profile) ? json_string(sim_profile_name(u->profile))
                                                 : NULL;
        rc = AMG_OK;
    }
    sim_users_unlock(set);
out:
    OPENSSL_cleanse(&pw, sizeof(pw));
    return rc;
}

static void issue(const struct sim_env *env, const char *tenant, const char *client,
                  struct login *login, struct sim_reply *rep)
{
    long ttl = token_ttl(env, tenant);
    json_int_t now = (json_int_t)time(NULL);
    char iss[512];
    json_t *base, *id_claims;
    char *access = NULL, *id_token = NULL;

    snprintf(iss, sizeof(iss), "%s%s%s", env->base_url ? env->base_url : "", SIM_OAUTH_PREFIX,
             tenant);
    base = json_pack("{s:s, s:[s], s:s, s:I, s:I, s:s, s:[s]}", "iss", iss, "aud", client,
                     "sub", login->sub, "iat", now, "exp", now + ttl, "tenant", tenant, "amr",
                     SIM_IDP_CD);
    id_claims = base ? json_deep_copy(base) : NULL;
    if (id_claims &&
        (json_object_set_new(id_claims, "identities",
                             json_pack("[{s:s, s:s}]", "provider", SIM_IDP_CD, "id",
                                       login->user_id)) != 0 ||
         (login->email && json_object_set(id_claims, "email", login->email) != 0) ||
         (login->name && json_object_set(id_claims, "name", login->name) != 0))) {
        json_decref(id_claims);
        id_claims = NULL;
    }
    if (base && json_object_set_new(base, "scope", json_string(SCOPE)) != 0) {
        json_decref(base);
        base = NULL;
    }
    access = base ? sign_jwt(env->oauth, base) : NULL;
    id_token = id_claims ? sign_jwt(env->oauth, id_claims) : NULL;
    if (!access || !id_token)
        sim_reply_error(rep, 500, "cannot issue tokens");
    else
        sim_reply_json(rep, 200, json_pack("{s:s, s:s, s:s, s:I, s:s}", "access_token", access,
                                           "id_token", id_token, "token_type", "Bearer",
                                           "expires_in", (json_int_t)ttl, "scope", SCOPE));
    free(access);
    free(id_token);
}

void sim_oauth_handle(const struct sim_env *env, const struct sim_request *req,
                      struct sim_reply *rep)
{
    const char *rest = req->path + strlen(SIM_OAUTH_PREFIX);
    const char *slash = strchr(rest, '/');
    struct login login = { .email = NULL };
    char tenant[65], client[256];
    char *grant = NULL, *username = NULL, *password = NULL;
    const char *why = NULL;
    int rc;

    if (!slash || slash == rest || (size_t)(slash - rest) >= sizeof(tenant) ||
        strcmp(slash, "/token") != 0) {
        sim_reply_error(rep, 404, "no such endpoint: %s %s", req->method, req->path);
        return;
    }
    memcpy(tenant, rest, (size_t)(slash - rest));
    tenant[slash - rest] = '\0';
    if (!sim_tenant_id_valid(tenant) || !sim_tenants_has(env->tenants, tenant) ||
        !env->users) {
        sim_reply_text(rep, 404, "Not Found");
        return;
    }
    if (strcmp(req->method, "POST") != 0) {
        sim_reply_error(rep, 405, "method %s is not allowed on the token endpoint",
                        req->method);
        sim_reply_header(rep, "Allow", "POST");
        return;
    }
    if (!client_ok(env, tenant, req->authorization, client, sizeof(client))) {
        oauth_error(rep, 401, "invalid_client", "unknown client or wrong client secret");
        sim_reply_header(rep, "WWW-Authenticate", "Basic");
        return;
    }
    grant = form_field(req, "grant_type");
    username = form_field(req, "username");
    password = form_field(req, "password");
    if (!grant) {
        oauth_error(rep, 400, "invalid_request", "grant_type is required");
    } else if (strcmp(grant, "password") != 0) {
        oauth_error(rep, 400, "unsupported_grant_type", "only the password grant is supported");
    } else if (!username || !password || !username[0] || !password[0]) {
        oauth_error(rep, 400, "invalid_request", "username and password are required");
    } else {
        rc = password_login(env, tenant, username, password, &login, &why);
        if (rc == AMG_OK)
            issue(env, tenant, client, &login, rep);
        else if (rc == AMG_EAUTH)
            oauth_error(rep, 400, "invalid_grant", why);
        else
            sim_reply_error(rep, 500, "out of memory");
    }
    json_decref(login.email);
    json_decref(login.name);
    if (password)
        OPENSSL_cleanse(password, strlen(password));
    free(grant);
    free(username);
    free(password);
}

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "appid-migrate/plugin.h"
#include "tenant.h"

struct sim_tenants {
    pthread_mutex_t lock;
    json_t *all;   /* {tenantId: {resourceKey: value}} */
};

/*
 * Reference section 12. Values marked UNCERTAIN there are the sim's
 * choices, listed in docs/appid-sim.md.
 */
static const struct {
    const char *key;
    const char *json;
} defaults[] = {
    { "tokens",
      "{\"access\":{\"expires_in\":3600},"
      "\"refresh\":{\"enabled\":false,\"expires_in\":2592000},"
      "\"anonymousAccess\":{\"enabled\":true,\"expires_in\":2592000}}" },
    { "redirect_uris", "{\"redirectUris\":[]}" },
    { "theme_text", "{\"tabTitle\":\"Login\",\"footnote\":\"Powered by App ID\"}" },
    { "theme_color", "{\"headerColor\":\"#EEF2F5\"}" },
    { "languages", "{\"languages\":[\"en\"]}" },
    { "users_profile", "{\"isActive\":true}" },
    { "capture_runtime_activity", "{\"isActive\":false}" },
    { "sender_details",
      "{\"senderDetails\":{\"from\":{\"email\":\"no-reply@appid.cloud.ibm.com\","
      "\"name\":\"App ID\"},\"linkExpirationSec\":86400}}" },
    { "password_regex",
      "{\"regex\":\"\",\"base64_encoded_regex\":\"\","
      "\"error_message\":\"The password doesn't meet the strength requirements.\"}" },
    { "advanced_password_management",
      "{\"advancedPasswordManagement\":{\"enabled\":false,"
      "\"passwordReuse\":{\"enabled\":false,\"config\":{\"maxPasswordReuse\":8}},"
      "\"preventPasswordWithUsername\":{\"enabled\":false},"
      "\"passwordExpiration\":{\"enabled\":false,\"config\":{\"daysToExpire\":30}},"
      "\"lockOutPolicy\":{\"enabled\":false,"
      "\"config\":{\"lockOutTimeSec\":1800,\"numOfAttempts\":3}},"
      "\"minPasswordChangeInterval\":{\"enabled\":false,"
      "\"config\":{\"minHoursToChangePassword\":0}}}}" },
    { "mfa", "{\"isActive\":false,\"config\":{}}" },
    { "sso",
      "{\"isActive\":false,\"inactivityTimeoutSeconds\":86400,\"logoutRedirectUris\":[]}" },
    { "rate_limit", "{\"signUpLimitPerMinute\":50,\"signInLimitPerMinute\":60}" },
    { "idp_cloud_directory",
      "{\"isActive\":true,\"config\":{\"selfServiceEnabled\":true,\"signupEnabled\":true,"
      "\"identityField\":\"email\",\"interactions\":{\"identityConfirmation\":"
      "{\"accessMode\":\"FULL\",\"methods\":[\"email\"]},\"welcomeEnabled\":true,"
      "\"resetPasswordEnabled\":true,\"resetPasswordNotificationEnable\":true}}}" },
    { "idp_facebook", "{\"isActive\":true}" },
    { "idp_google", "{\"isActive\":true}" },
    { "idp_custom", "{\"isActive\":false}" },
    { "idp_saml", "{\"isActive\":false}" },
    { "email_dispatcher", "{\"provider\":\"appid\"}" },
    /* Customised templates and action URLs only (cd_routes.c). */
    { "templates", "{}" },
    { "action_urls", "{}" },
    { "mfa_channels", "{\"email\":{\"isActive\":true},\"nexmo\":{\"isActive\":false}}" },
    { "mfa_extensions",
      "{\"premfa\":{\"isActive\":false},\"postmfa\":{\"isActive\":false}}" },
    /* No uploaded logo (media.c). */
    { "logo", "{}" },
};

json_t *sim_tenant_default(const char *key)
{
    size_t i;

    for (i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++) {
        if (strcmp(defaults[i].key, key) == 0)
            return json_loads(defaults[i].json, 0, NULL);
    }
    return NULL;
}

int sim_tenant_id_valid(const char *id)
{
    size_t i;

    if (!id || !id[0] || strlen(id) > 64)
        return 0;
    for (i = 0; id[i]; i++) {
        char c = id[i];

        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_'))
            return 0;
    }
    return 1;
}

struct sim_tenants *sim_tenants_new(void)
{
    struct sim_tenants *t = calloc(1, sizeof(*t));

    if (!t)
        return NULL;
    t->all = json_object();
    if (!t->all || pthread_mutex_init(&t->lock, NULL) != 0) {
        json_decref(t->all);
        free(t);
        return NULL;
    }
    return t;
}

void sim_tenants_free(struct sim_tenants *t)
{
    if (!t)
        return;
    pthread_mutex_destroy(&t->lock);
    json_decref(t->all);
    free(t);
}

/* Fill every resource missing from `obj` with its default. */
static int fill_defaults(json_t *obj)
{
    size_t i;

    for (i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++) {
        json_t *def;

        if (json_object_get(obj, defaults[i].key))
            continue;
        def = json_loads(defaults[i].json, 0, NULL);
        if (!def || json_object_set_new(obj, defaults[i].key, def) != 0)
            return AMG_ENOMEM;
    }
    return AMG_OK;
}

int sim_tenants_add(struct sim_tenants *t, const char *id, const json_t *state)
{
    json_t *obj = NULL;
    int rc = AMG_OK;

    if (!sim_tenant_id_valid(id) || (state && !json_is_object(state)))
        return AMG_EINVAL;
    pthread_mutex_lock(&t->lock);
    if (!state && json_object_get(t->all, id))
        goto out;
    obj = state ? json_deep_copy(state) : json_object();
    if (!obj) {
        rc = AMG_ENOMEM;
        goto out;
    }
    rc = fill_defaults(obj);
    if (rc != AMG_OK)
        goto out;
    if (json_object_set(t->all, id, obj) != 0)
        rc = AMG_ENOMEM;
out:
    pthread_mutex_unlock(&t->lock);
    json_decref(obj);
    return rc;
}

int sim_tenants_has(struct sim_tenants *t, const char *id)
{
    int found;

    pthread_mutex_lock(&t->lock);
    found = json_object_get(t->all, id) != NULL;
    pthread_mutex_unlock(&t->lock);
    return found;
}

size_t sim_tenants_count(struct sim_tenants *t)
{
    size_t n;

    pthread_mutex_lock(&t->lock);
    n = json_object_size(t->all);
    pthread_mutex_unlock(&t->lock);
    return n;
}

json_t *sim_tenants_get(struct sim_tenants *t, const char *id, const char *key)
{
    json_t *copy = NULL;
    json_t *value;

    pthread_mutex_lock(&t->lock);
    value = json_object_get(json_object_get(t->all, id), key);
    if (value)
        copy = json_deep_copy(value);
    pthread_mutex_unlock(&t->lock);
    return copy;
}

int sim_tenants_modify(struct sim_tenants *t, const char *id, const char *key,
                       int (*fn)(json_t *value, json_t **replace, void *ud), void *ud)
{
    json_t *tenant;
    json_t *replace = NULL;
    int rc;

    pthread_mutex_lock(&t->lock);
    tenant = json_object_get(t->all, id);
    if (!tenant) {
        rc = AMG_ENOTFOUND;
        goto out;
    }
    rc = fn(json_object_get(tenant, key), &replace, ud);
    if (replace && json_object_set_new(tenant, key, replace) != 0 && rc == AMG_OK)
        rc = AMG_ENOMEM;
out:
    pthread_mutex_unlock(&t->lock);
    return rc;
}

int sim_tenants_set(struct sim_tenants *t, const char *id, const char *key, json_t *value)
{
    json_t *tenant;
    int rc = AMG_OK;

    pthread_mutex_lock(&t->lock);
    tenant = json_object_get(t->all, id);
    if (!tenant) {
        json_decref(value);
        rc = AMG_ENOTFOUND;
    } else if (json_object_set_new(tenant, key, value) != 0) {
        rc = AMG_ENOMEM;
    }
    pthread_mutex_unlock(&t->lock);
    return rc;
}

json_t *sim_tenants_dump(struct sim_tenants *t)
{
    json_t *copy;

    pthread_mutex_lock(&t->lock);
    copy = json_deep_copy(t->all);
    pthread_mutex_unlock(&t->lock);
    return copy;
}

int sim_tenants_modify_tenant(struct sim_tenants *t, const char *id,
                              int (*fn)(json_t *tenant, void *ud), void *ud)
{
    json_t *tenant;
    int rc;

    pthread_mutex_lock(&t->lock);
    tenant = json_object_get(t->all, id);
    rc = tenant ? fn(tenant, ud) : AMG_ENOTFOUND;
    pthread_mutex_unlock(&t->lock);
    return rc;
}

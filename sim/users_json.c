#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "appid-migrate/plugin.h"
#include "tenant.h"
#include "users_json.h"

#define REQ SIM_REQUIRED
#define F(p, t, fl) { .path = (p), .type = (t), .flags = (fl) }
#define FR(p, t, fl, lo, hi) \
    { .path = (p), .type = (t), .flags = (fl) | SIM_RANGE, .min = (lo), .max = (hi) }
#define FE(p, t, fl, list) { .path = (p), .type = (t), .flags = (fl), .one_of = (list) }

static const char *const statuses[] = { "PENDING", "CONFIRMED", NULL };

/* Section 8.10.1; extra members (phoneNumbers, passwordHistory, ...) are
 * kept as they come. */
const struct sim_field sim_fields_scim_user[] = {
    FR("emails", SIM_ARRAY, REQ | SIM_NONEMPTY, 1, 100),
    F("emails[]", SIM_OBJECT, 0),
    F("emails[].value", SIM_STRING, REQ | SIM_NONEMPTY),
    F("emails[].primary", SIM_BOOL, 0),
    F("userName", SIM_STRING, SIM_NONEMPTY),
    F("displayName", SIM_STRING, 0),
    F("name", SIM_OBJECT, 0),
    F("name.givenName", SIM_STRING, 0),
    F("name.familyName", SIM_STRING, 0),
    F("name.formatted", SIM_STRING, 0),
    F("active", SIM_BOOL, 0),
    FR("lockedUntil", SIM_INT, 0, 0, 253402300799999LL),
    FE("status", SIM_STRING, 0, statuses),
    F("password", SIM_STRING, SIM_NONEMPTY),
    { .path = NULL }
};

json_t *sim_roles_load(const struct sim_env *env, const char *tenant)
{
    json_t *roles = sim_tenants_get(env->tenants, tenant, "roles");

    if (json_is_object(roles)) {
        /* Tolerate the {"roles":[...]} wrapper of GET /roles. */
        json_t *inner = json_incref(json_object_get(roles, "roles"));

        json_decref(roles);
        roles = inner;
    }
    if (!json_is_array(roles)) {
        json_decref(roles);
        roles = json_array();
    }
    return roles;
}

static const char *role_field(const json_t *roles, const char *key, const char *value,
                              const char *want)
{
    json_t *r;
    size_t i;

    if (!value)
        return NULL;
    json_array_foreach(roles, i, r) {
        const char *v = json_string_value(json_object_get(r, key));

        if (v && strcmp(v, value) == 0)
            return json_string_value(json_object_get(r, want));
    }
    return NULL;
}

const char *sim_role_name(const json_t *roles, const char *id)
{
    return role_field(roles, "id", id, "name");
}

const char *sim_role_id(const json_t *roles, const char *name)
{
    return role_field(roles, "name", name, "id");
}

static json_t *role_list(const json_t *roles, const json_t *ids, int refs)
{
    json_t *out = json_array();
    json_t *id;
    size_t i;

    if (!out)
        return NULL;
    json_array_foreach(ids, i, id) {
        const char *name = sim_role_name(roles, json_string_value(id));
        json_t *item;

        if (!name)
            continue;
        item = refs ? json_pack("{s:O, s:s}", "id", id, "name", name) : json_string(name);
        if (json_array_append_new(out, item) != 0) {
            json_decref(out);
            return NULL;
        }
    }
    return out;
}

json_t *sim_role_names(const json_t *roles, const json_t *ids)
{
    return role_list(roles, ids, 0);
}

json_t *sim_role_refs(const json_t *roles, const json_t *ids)
{
    return role_list(roles, ids, 1);
}

int sim_identity_is_username(const struct sim_env *env, const char *tenant)
{
    json_t *idp = sim_tenants_get(env->tenants, tenant, "idp_cloud_directory");
    const char *field = json_string_value(
        json_object_get(json_object_get(idp, "config"), "identityField"));
    int is_username = field && strcmp(field, "userName") == 0;

    json_decref(idp);
    return is_username;
}

void sim_iso8601(long long ms, char out[32])
{
    time_t secs = (time_t)(ms / 1000);
    struct tm tm;
    char base[24];

    gmtime_r(&secs, &tm);
    strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out, 32, "%s.%03dZ", base, (int)(ms % 1000));
}

int sim_scim_check(const json_t *body, int need_username, char *msg, size_t msg_len)
{
    if (sim_schema_check(sim_fields_scim_user, body, msg, msg_len) != AMG_OK)
        return AMG_EINVAL;
    if (need_username && !json_object_get(body, "userName")) {
        snprintf(msg, msg_len,
                 "missing required field 'userName' (the identity field is userName)");
        return AMG_EINVAL;
    }
    return AMG_OK;
}

json_t *sim_scim_attrs(const json_t *body, const char *status)
{
    static const char *const reserved[] = {
        "id", "meta", "schemas", "password", "originalId", NULL
    };
    /* Shallow: nested values are shared with the request body only
     * until the request ends, and neither side changes them meanwhile.
     * A deep copy of every imported user was a fifth of the sim's CPU
     * in a bulk import. */
    json_t *attrs = json_copy((json_t *)body);   /* only takes references */
    const char *const *r;

    if (!attrs)
        return NULL;
    for (r = reserved; *r; r++)
        json_object_del(attrs, *r);
    if ((!json_object_get(attrs, "active") &&
         json_object_set_new(attrs, "active", json_true()) != 0) ||
        (!json_object_get(attrs, "status") &&
         json_object_set_new(attrs, "status", json_string(status)) != 0)) {
        json_decref(attrs);
        return NULL;
    }
    return attrs;
}

json_t *sim_view_getuser(const char *base_url, const char *tenant,
                         const struct sim_cd_user *u)
{
    char created[32], modified[32], login[32], location[512];
    json_t *doc = json_deep_copy(u->scim);
    json_t *meta;

    if (!doc)
        return NULL;
    sim_iso8601(u->created_ms, created);
    sim_iso8601(u->modified_ms, modified);
    snprintf(location, sizeof(location), "%s/management/v4/%s/cloud_directory/Users/%s",
             base_url ? base_url : "", tenant, u->id);
    meta = json_pack("{s:s, s:s, s:s, s:s}", "created", created, "lastModified", modified,
                     "resourceType", "User", "location", location);
    if (meta && u->last_login_ms) {
        sim_iso8601(u->last_login_ms, login);
        if (json_object_set_new(meta, "lastLogin", json_string(login)) != 0) {
            json_decref(meta);
            meta = NULL;
        }
    }
    if (!meta || json_object_set_new(doc, "meta", meta) != 0 ||
        json_object_set_new(doc, "id", json_string(u->id)) != 0 ||
        json_object_set_new(doc, "schemas", json_pack("[s]", SIM_SCIM_USER_SCHEMA)) != 0) {
        json_decref(doc);
        return NULL;
    }
    return doc;
}

const char *sim_profile_name(const struct sim_profile *p)
{
    const json_t *name;
    const char *s;

    if (!p->cd)
        return json_string_value(json_object_get(p->doc, "name"));
    s = json_string_value(json_object_get(p->cd->scim, "displayName"));
    if (s && s[0])
        return s;
    name = json_object_get(p->cd->scim, "name");
    return json_string_value(json_object_get(name, "formatted"));
}

const char *sim_profile_email(const struct sim_profile *p)
{
    if (p->cd)
        return sim_scim_email(p->cd->scim);
    return json_string_value(json_object_get(p->doc, "email"));
}

static json_t *identity_of(const char *base_url, const char *tenant,
                           const struct sim_profile *p)
{
    json_t *info = p->cd ? sim_view_getuser(base_url, tenant, p->cd)
                         : json_deep_copy(json_object_get(p->doc, "idpUserInfo"));

    if (!info)
        info = json_object();
    return json_pack("{s:s, s:s, s:o}", "provider", p->idp, "id", p->idp_id, "idpUserInfo",
                     info);
}

json_t *sim_view_profile(const char *base_url, const char *tenant, const struct sim_profile *p)
{
    static const char *const copied[] = {
        "picture", "gender", "locale", "preferred_username", NULL
    };
    const char *name = sim_profile_name(p);
    const char *email = sim_profile_email(p);
    const char *const *k;
    json_t *attrs = json_object_get(p->doc, "attributes");
    json_t *doc;

    doc = json_pack("{s:s, s:[o], s:o}", "id", p->id, "identities",
                    identity_of(base_url, tenant, p), "attributes",
                    attrs ? json_incref(attrs) : json_object());
    if (!doc)
        return NULL;
    for (k = copied; *k; k++) {
        json_t *v = json_object_get(p->doc, *k);

        if (v && json_object_set(doc, *k, v) != 0)
            goto fail;
    }
    if ((name && json_object_set_new(doc, "name", json_string(name)) != 0) ||
        (email && json_object_set_new(doc, "email", json_string(email)) != 0))
        goto fail;
    return doc;
fail:
    json_decref(doc);
    return NULL;
}

int sim_idp_valid(const char *idp)
{
    static const char *const idps[] = {
        "saml", SIM_IDP_CD, "facebook", "google", "appid_custom", "ibmid", NULL
    };
    const char *const *p;

    for (p = idps; idp && *p; p++) {
        if (strcmp(*p, idp) == 0)
            return 1;
    }
    return 0;
}

static const char *const info_members[] = {
    "name", "email", "picture", "gender", "locale", "preferred_username", NULL
};

int sim_profile_copy_info(json_t *to, const json_t *from)
{
    const char *const *k;

    for (k = info_members; *k; k++) {
        json_t *v = json_object_get(from, *k);

        if (json_is_string(v) && json_object_set_new(to, *k, json_copy(v)) != 0)
            return AMG_ENOMEM;
    }
    return AMG_OK;
}

int sim_attributes_too_large(const json_t *attrs)
{
    size_t size = json_dumpb(attrs, NULL, 0, JSON_COMPACT);

    return size > SIM_MAX_ATTRIBUTES;
}

int sim_scim_error(struct sim_reply *rep, int status, const char *scim_type,
                   const char *fmt, ...)
{
    char msg[512], code[8];
    va_list ap;
    json_t *body;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    snprintf(code, sizeof(code), "%d", status);
    body = json_pack("{s:[s], s:s, s:s}", "schemas",
                     "urn:ietf:params:scim:api:messages:2.0:Error", "status", code, "detail",
                     msg);
    if (body && scim_type &&
        json_object_set_new(body, "scimType", json_string(scim_type)) != 0) {
        json_decref(body);
        body = NULL;
    }
    return sim_reply_json(rep, status, body);
}

static int parse_size(const char *text, size_t *out)
{
    char *end = NULL;
    unsigned long long v;

    if (!text[0] || text[0] == '-' || text[0] == '+' || text[0] == ' ')
        return AMG_EINVAL;
    errno = 0;
    v = strtoull(text, &end, 10);
    if (errno != 0 || *end != '\0' || v > 1000000000ULL)
        return AMG_EINVAL;
    *out = (size_t)v;
    return AMG_OK;
}

int sim_paging(const struct sim_request *req, size_t def, size_t max, size_t *start,
               size_t *count, int *given, char *msg, size_t msg_len)
{
    const char *s = sim_request_query(req, "startIndex");
    const char *c = sim_request_query(req, "count");

    *start = 0;
    *count = def;
    *given = (s != NULL) || (c != NULL);
    if (s && parse_size(s, start) != AMG_OK) {
        snprintf(msg, msg_len, "query parameter 'startIndex' must be a non-negative integer");
        return AMG_EINVAL;
    }
    if (c && parse_size(c, count) != AMG_OK) {
        snprintf(msg, msg_len, "query parameter 'count' must be a non-negative integer");
        return AMG_EINVAL;
    }
    if (*count > max)
        *count = max;
    return AMG_OK;
}

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>
#include "appid-migrate/plugin.h"
#include "password.h"
#include "tenant.h"
#include "users_persist.h"
#include "users_store.h"

static json_t *dump_user(const struct sim_cd_user *u)
{
    char *pw = sim_pwhash_format(&u->pw);
    json_t *rec = NULL;

    if (!pw)
        return NULL;
    rec = json_pack("{s:s, s:O, s:s, s:I, s:I, s:I}", "id", u->id, "scim", u->scim,
                    "password", pw, "created", (json_int_t)u->created_ms, "modified",
                    (json_int_t)u->modified_ms, "passwordUpdated",
                    (json_int_t)u->pw_updated_ms);
    if (rec && u->last_login_ms &&
        json_object_set_new(rec, "lastLogin", json_integer(u->last_login_ms)) != 0) {
        json_decref(rec);
        rec = NULL;
    }
    free(pw);
    return rec;
}

static json_t *dump_profile(const struct sim_profile *p)
{
    json_t *rec = json_pack("{s:s, s:s, s:s, s:O, s:O}", "id", p->id, "idp", p->idp, "idpId",
                            p->idp_id, "doc", p->doc, "roles", p->roles);

    if (rec && p->cd && json_object_set_new(rec, "cdUser", json_string(p->cd->id)) != 0) {
        json_decref(rec);
        rec = NULL;
    }
    return rec;
}

static json_t *dump_set(const struct sim_uset *s)
{
    json_t *users = json_array(), *profiles = json_array();
    size_t i;

    if (!users || !profiles)
        goto fail;
    for (i = 0; i < sim_uset_cd_count(s); i++) {
        if (json_array_append_new(users, dump_user(sim_uset_cd_at(s, i))) != 0)
            goto fail;
    }
    for (i = 0; i < sim_uset_profile_count(s); i++) {
        if (json_array_append_new(profiles, dump_profile(sim_uset_profile_at(s, i))) != 0)
            goto fail;
    }
    return json_pack("{s:o, s:o}", "cdUsers", users, "profiles", profiles);
fail:
    json_decref(users);
    json_decref(profiles);
    return NULL;
}

json_t *sim_users_dump(struct sim_users *u)
{
    json_t *tenants = sim_users_tenants(u);
    json_t *out = json_object();
    json_t *name;
    size_t i;

    if (!tenants || !out)
        goto fail;
    json_array_foreach(tenants, i, name) {
        struct sim_uset *s = sim_users_read(u, json_string_value(name));
        json_t *set = s ? dump_set(s) : NULL;

        sim_users_unlock(s);
        if (json_object_set_new(out, json_string_value(name), set) != 0)
            goto fail;
    }
    json_decref(tenants);
    return out;
fail:
    json_decref(tenants);
    json_decref(out);
    return NULL;
}

/* A millisecond time member, 0 when absent. */
static long long get_ms(const json_t *rec, const char *key)
{
    json_int_t v = json_integer_value(json_object_get(rec, key));

    return v > 0 ? (long long)v : 0;
}

static int load_user(struct sim_uset *s, const char *tenant, size_t i, const json_t *rec,
                     char *msg, size_t msg_len)
{
    const char *id = json_string_value(json_object_get(rec, "id"));
    json_t *scim = json_object_get(rec, "scim");
    struct sim_cd_user *user = NULL, *clash = NULL;
    const char *field = NULL;
    struct sim_pwhash pw;
    int rc;

    if (!id || strlen(id) != SIM_ID_LEN || !json_is_object(scim) ||
        sim_pwhash_parse(json_string_value(json_object_get(rec, "password")), &pw) != AMG_OK) {
        snprintf(msg, msg_len, "tenant %s: cdUsers[%zu]: needs id, scim and a password hash",
                 tenant, i);
        return AMG_EINVAL;
    }
    rc = sim_uset_cd_add(s, id, json_incref(scim), &pw, &user, &clash, &field);
    OPENSSL_cleanse(&pw, sizeof(pw));
    if (rc == AMG_EEXIST) {
        snprintf(msg, msg_len, "tenant %s: cdUsers[%zu]: duplicate %s", tenant, i, field);
        return AMG_EINVAL;
    }
    if (rc != AMG_OK)
        return rc;
    user->created_ms = get_ms(rec, "created");
    user->modified_ms = get_ms(rec, "modified");
    user->pw_updated_ms = get_ms(rec, "passwordUpdated");
    user->last_login_ms = get_ms(rec, "lastLogin");
    return AMG_OK;
}

static int load_profile(struct sim_uset *s, const char *tenant, size_t i, const json_t *rec,
                        char *msg, size_t msg_len)
{
    const char *id = json_string_value(json_object_get(rec, "id"));
    const char *idp = json_string_value(json_object_get(rec, "idp"));
    const char *idp_id = json_string_value(json_object_get(rec, "idpId"));
    const char *cd_id = json_string_value(json_object_get(rec, "cdUser"));
    json_t *doc = json_object_get(rec, "doc");
    json_t *roles = json_object_get(rec, "roles");
    struct sim_cd_user *cd = cd_id ? sim_uset_cd_get(s, cd_id) : NULL;
    struct sim_profile *p = NULL;
    int rc;

    if (!id || strlen(id) != SIM_ID_LEN || !idp || !idp_id || !json_is_object(doc) ||
        !json_is_array(roles) || (cd_id && (!cd || cd->profile))) {
        snprintf(msg, msg_len, "tenant %s: profiles[%zu]: needs id, idp, idpId, doc, roles "
                 "and a cdUser without another profile", tenant, i);
        return AMG_EINVAL;
    }
    rc = sim_uset_profile_add(s, id, idp, idp_id, json_incref(doc), json_incref(roles),
                              cd, &p);
    if (rc == AMG_EEXIST || rc == AMG_EINVAL) {
        snprintf(msg, msg_len, "tenant %s: profiles[%zu]: duplicate or inconsistent profile",
                 tenant, i);
        return AMG_EINVAL;
    }
    return rc;
}

int sim_users_load(struct sim_users *u, const json_t *doc, char *msg, size_t msg_len)
{
    const char *tenant;
    json_t *value;
    int rc = AMG_OK;

    msg[0] = '\0';
    if (!json_is_object(doc)) {
        snprintf(msg, msg_len, "\"users\" must be an object");
        return AMG_EINVAL;
    }
    json_object_foreach((json_t *)doc, tenant, value) {
        const json_t *users = json_object_get(value, "cdUsers");
        const json_t *profiles = json_object_get(value, "profiles");
        struct sim_uset *s;
        size_t i;

        if (!sim_tenant_id_valid(tenant) || !json_is_array(users) ||
            !json_is_array(profiles)) {
            snprintf(msg, msg_len, "tenant \"%s\": needs cdUsers and profiles arrays", tenant);
            return AMG_EINVAL;
        }
        s = sim_users_write(u, tenant);
        if (!s)
            return AMG_ENOMEM;
        for (i = 0; rc == AMG_OK && i < json_array_size(users); i++)
            rc = load_user(s, tenant, i, json_array_get(users, i), msg, msg_len);
        for (i = 0; rc == AMG_OK && i < json_array_size(profiles); i++)
            rc = load_profile(s, tenant, i, json_array_get(profiles, i), msg, msg_len);
        sim_users_unlock(s);
        if (rc != AMG_OK)
            return rc;
    }
    return AMG_OK;
}

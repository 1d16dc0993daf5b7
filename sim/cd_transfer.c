#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>
#include "appid-migrate/plugin.h"
#include "cd_transfer.h"
#include "users_json.h"

#define ERR_DECRYPT "cannot decrypt passwordHash: wrong encryption_secret?"

json_t *sim_cd_export_item(const unsigned char key[SIM_EXPORT_KEY_LEN], const json_t *roles,
                           const struct sim_cd_user *u)
{
    json_t *scim = json_deep_copy(u->scim);
    json_t *attrs = u->profile ? json_object_get(u->profile->doc, "attributes") : NULL;
    json_t *names = sim_role_names(roles, u->profile ? u->profile->roles : NULL);
    char *sealed = NULL;
    json_t *item = NULL;

    if (!scim || !names || sim_pwhash_seal(key, &u->pw, &sealed) != AMG_OK)
        goto out;
    if (json_object_set_new(scim, "originalId", json_string(u->id)) != 0 ||
        (u->pw_updated_ms &&
         json_object_set_new(scim, "passwordUpdatedTimestamp",
                             json_integer(u->pw_updated_ms)) != 0))
        goto out;
    item = json_pack("{s:O, s:s, s:s, s:{s:o}, s:O}", "scimUser", scim, "passwordHash", sealed,
                     "passwordHashAlg", SIM_PW_ALG, "profile", "attributes",
                     attrs ? json_deep_copy(attrs) : json_object(), "roles", names);
out:
    free(sealed);
    json_decref(scim);
    json_decref(names);
    return item;
}

/* The encryption secret of a request; answers 400 when it is missing. */
static int derive_key(const struct sim_request *req, struct sim_reply *rep,
                      unsigned char key[SIM_EXPORT_KEY_LEN])
{
    const char *secret = sim_request_query(req, "encryption_secret");
    int rc;

    if (!secret || !secret[0]) {
        sim_reply_error(rep, 400, "query parameter 'encryption_secret' is required");
        return AMG_EINVAL;
    }
    rc = sim_export_key(secret, key);
    if (rc == AMG_EINVAL)
        sim_reply_error(rep, 400, "query parameter 'encryption_secret' is too long");
    else if (rc != AMG_OK)
        sim_reply_error(rep, 500, "cannot derive the export key");
    return rc;
}

void sim_cd_export(const struct sim_env *env, const char *tenant, const char *id,
                   const struct sim_request *req, struct sim_reply *rep)
{
    unsigned char key[SIM_EXPORT_KEY_LEN];
    struct sim_uset *set = NULL;
    json_t *roles = NULL, *users = NULL;
    size_t start, count, total, i;
    char msg[256];
    int given;

    (void)id;
    if (sim_paging(req, SIM_CD_BATCH, SIM_CD_BATCH, &start, &count, &given, msg,
                   sizeof(msg)) != AMG_OK) {
        sim_reply_error(rep, 400, "%s", msg);
        return;
    }
    if (derive_key(req, rep, key) != AMG_OK)
        return;
    roles = sim_roles_load(env, tenant);
    users = json_array();
    set = roles && users ? sim_users_read(env->users, tenant) : NULL;
    if (!set)
        goto fail;
    total = sim_uset_cd_count(set);
    for (i = start; i < total && i - start < count; i++) {
        if (json_array_append_new(users, sim_cd_export_item(key, roles,
                                                            sim_uset_cd_at(set, i))) != 0)
            goto fail;
    }
    sim_users_unlock(set);
    sim_reply_json(rep, 200, json_pack("{s:I, s:I, s:o}", "totalResults", (json_int_t)total,
                                       "itemsPerPage", (json_int_t)json_array_size(users),
                                       "users", users));
    json_decref(roles);
    OPENSSL_cleanse(key, sizeof(key));
    return;
fail:
    sim_users_unlock(set);
    json_decref(users);
    json_decref(roles);
    OPENSSL_cleanse(key, sizeof(key));
    sim_reply_error(rep, 500, "out of memory");
}

int sim_cd_import_begin(struct sim_cd_import *imp, const struct sim_env *env,
                        const char *tenant, const char *secret)
{
    int rc;

    memset(imp, 0, sizeof(*imp));
    rc = sim_export_key(secret, imp->key);
    if (rc != AMG_OK)
        return rc;
    imp->roles = sim_roles_load(env, tenant);
    imp->fail_reasons = json_array();
    imp->need_username = sim_identity_is_username(env, tenant);
    if (!imp->roles || !imp->fail_reasons) {
        sim_cd_import_end(imp);
        return AMG_ENOMEM;
    }
    return AMG_OK;
}

void sim_cd_import_end(struct sim_cd_import *imp)
{
    json_decref(imp->roles);
    json_decref(imp->fail_reasons);
    OPENSSL_cleanse(imp->key, sizeof(imp->key));
    imp->roles = imp->fail_reasons = NULL;
}

json_t *sim_cd_import_result(const struct sim_cd_import *imp)
{
    return json_pack("{s:I, s:I, s:O}", "added", (json_int_t)imp->added, "failed",
                     (json_int_t)imp->failed, "failReasons", imp->fail_reasons);
}

/* Count a failed item; `clash_id` (may be NULL) is the existing user it
 * collided with. */
static int fail_item(struct sim_cd_import *imp, const json_t *scim, const char *clash_id,
                     const char *error)
{
    json_t *reason = json_pack("{s:s}", "error", error);
    const char *orig = json_string_value(json_object_get(scim, "originalId"));
    const char *email = sim_scim_email(scim);
    const char *name = json_string_value(json_object_get(scim, "userName"));

    imp->failed++;
    if (!reason || (orig && json_object_set_new(reason, "originalId", json_string(orig))) ||
        (clash_id && json_object_set_new(reason, "id", json_string(clash_id))) ||
        (email && json_object_set_new(reason, "email", json_string(email))) ||
        (name && json_object_set_new(reason, "userName", json_string(name))) ||
        json_array_append_new(imp->fail_reasons, reason) != 0) {
        return AMG_ENOMEM;
    }
    return AMG_OK;
}

/* Role ids of the item's role names; a message in `msg` for an unknown
 * or malformed one. */
static int map_roles(const struct sim_cd_import *imp, const json_t *names, json_t **ids,
                     char *msg, size_t msg_len)
{
    json_t *name;
    size_t i;

    *ids = json_array();
    if (!*ids)
        return AMG_ENOMEM;
    if (names && !json_is_array(names)) {
        snprintf(msg, msg_len, "'roles' must be an array of role names");
        goto bad;
    }
    json_array_foreach(names, i, name) {
        const char *id = sim_role_id(imp->roles, json_string_value(name));

        if (!json_is_string(name)) {
            snprintf(msg, msg_len, "'roles[%zu]' must be a role name", i);
            goto bad;
        }
        if (!id) {
            snprintf(msg, msg_len, "unknown role '%s'", json_string_value(name));
            goto bad;
        }
        if (json_array_append_new(*ids, json_string(id)) != 0)
            return AMG_ENOMEM;
    }
    return AMG_OK;
bad:
    json_decref(*ids);
    *ids = NULL;
    return AMG_EINVAL;
}

/* One item checked and decoded, ready to be stored. The work that needs
 * no lock (checks, unsealing the hash, mapping roles, building the SCIM
 * record) is done here, so that concurrent import requests only
 * serialise on storing. */
struct prepared {
    const json_t *item;     /* borrowed */
    const json_t *scim;     /* borrowed, NULL when the item has none */
    int failed;             /* refused: msg says why */
    char msg[512];
    struct sim_pwhash pw;
    json_t *stored;         /* owned SCIM record to store */
    json_t *updated;        /* owned passwordUpdatedTimestamp, may be NULL */
    json_t *role_ids;       /* owned */
    json_t *profile;        /* owned {"attributes"} */
};

static void prepared_clear(struct prepared *p)
{
    OPENSSL_cleanse(&p->pw, sizeof(p->pw));
    json_decref(p->stored);
    json_decref(p->updated);
    json_decref(p->role_ids);
    json_decref(p->profile);
    p->stored = p->updated = p->role_ids = p->profile = NULL;
}

static int refuse(struct prepared *p, const char *msg)
{
    p->failed = 1;
    snprintf(p->msg, sizeof(p->msg), "%s", msg);
    return AMG_OK;
}

/* AMG_OK (p->failed set for a refused item) or AMG_ENOMEM. */
static int prepare_item(const struct sim_cd_import *imp, const json_t *item,
                        struct prepared *p)
{
    const json_t *scim = json_object_get(item, "scimUser");
    const json_t *profile = json_object_get(item, "profile");
    const json_t *attrs = json_object_get(profile, "attributes");
    const char *sealed = json_string_value(json_object_get(item, "passwordHash"));
    const char *alg = json_string_value(json_object_get(item, "passwordHashAlg"));
    char msg[512];
    int rc;

    memset(p, 0, sizeof(*p));
    p->item = item;
    if (!json_is_object(item) || !json_is_object(scim))
        return refuse(p, "missing 'scimUser' object");
    p->scim = scim;
    if (sim_scim_check(scim, imp->need_username, msg, sizeof(msg)) != AMG_OK)
        return refuse(p, msg);
    if (!sealed || !alg)
        return refuse(p, "missing 'passwordHash' or 'passwordHashAlg'");
    if (strcmp(alg, SIM_PW_ALG) != 0) {
        snprintf(msg, sizeof(msg), "unsupported passwordHashAlg '%s' (only %s)", alg,
                 SIM_PW_ALG);
        return refuse(p, msg);
    }
    if ((profile && !json_is_object(profile)) || (attrs && !json_is_object(attrs)))
        return refuse(p, "'profile.attributes' must be an object");
    if (attrs && sim_attributes_too_large(attrs))
        return refuse(p, "profile attributes exceed 100 KB");
    rc = sim_pwhash_unseal(imp->key, sealed, &p->pw);
    if (rc == AMG_EAUTH)
        return refuse(p, ERR_DECRYPT);
    if (rc != AMG_OK)
        return refuse(p, "passwordHash is not an encrypted hash record");
    rc = map_roles(imp, json_object_get(item, "roles"), &p->role_ids, msg, sizeof(msg));
    if (rc == AMG_EINVAL)
        return refuse(p, msg);
    if (rc != AMG_OK)
        return AMG_ENOMEM;
    p->stored = sim_scim_attrs(scim, "PENDING");
    /* Shared with the body until the request ends, as the SCIM record. */
    p->profile = attrs ? json_pack("{s:O}", "attributes", (json_t *)attrs)
                       : json_pack("{s:{}}", "attributes");
    if (!p->stored || !p->profile)
        return AMG_ENOMEM;
    p->updated = json_incref(json_object_get(p->stored, "passwordUpdatedTimestamp"));
    json_object_del(p->stored, "passwordUpdatedTimestamp");
    return AMG_OK;
}

/* Store a prepared item in `set` (write-locked), or count its refusal. */
static int commit_item(struct sim_cd_import *imp, struct sim_uset *set, struct prepared *p)
{
    struct sim_cd_user *user = NULL, *clash = NULL;
    struct sim_profile *prof = NULL;
    const char *field = NULL;
    char msg[512];
    int rc;

    if (p->failed)
        return fail_item(imp, p->scim, NULL, p->msg);
    rc = sim_uset_cd_add(set, NULL, p->stored, &p->pw, &user, &clash, &field);
    p->stored = NULL;       /* stolen, also on failure */
    if (rc == AMG_EEXIST) {
        snprintf(msg, sizeof(msg), "a user with this %s already exists",
                 strcmp(field, "email") == 0 ? "e-mail address" : "userName");
        return fail_item(imp, p->scim, clash ? clash->id : NULL, msg);
    }
    if (rc == AMG_OK && json_is_integer(p->updated) && json_integer_value(p->updated) > 0)
        user->pw_updated_ms = json_integer_value(p->updated);
    if (rc == AMG_OK) {
        /* Both are handed over, whatever the outcome. */
        rc = sim_uset_profile_add(set, NULL, SIM_IDP_CD, user->id, p->profile, p->role_ids,
                                  user, &prof);
        p->profile = p->role_ids = NULL;
    }
    if (rc != AMG_OK) {
        if (user)
            sim_uset_cd_remove(set, user, 1);
        return AMG_ENOMEM;
    }
    imp->added++;
    return AMG_OK;
}

int sim_cd_import_item(struct sim_cd_import *imp, struct sim_uset *set, const json_t *item)
{
    struct prepared p;
    int rc = prepare_item(imp, item, &p);

    if (rc == AMG_OK)
        rc = commit_item(imp, set, &p);
    prepared_clear(&p);
    return rc;
}

void sim_cd_import(const struct sim_env *env, const char *tenant, const char *id,
                   const struct sim_request *req, struct sim_reply *rep)
{
    const char *secret = sim_request_query(req, "encryption_secret");
    struct sim_cd_import imp;
    struct sim_uset *set = NULL;
    struct prepared *prep = NULL;
    json_t *body = NULL, *users, *item;
    size_t i;
    int rc;

    (void)id;
    memset(&imp, 0, sizeof(imp));
    if (!secret || !secret[0]) {
        sim_reply_error(rep, 400, "query parameter 'encryption_secret' is required");
        return;
    }
    if (sim_request_json_object(req, rep, &body) != AMG_OK)
        return;
    users = json_object_get(body, "users");
    if (!json_is_array(users)) {
        sim_reply_error(rep, 400, "missing required field 'users' (an array)");
        goto out;
    }
    if (json_array_size(users) > SIM_CD_BATCH) {
        sim_reply_error(rep, 400, "at most %d users per import request, got %zu",
                        SIM_CD_BATCH, json_array_size(users));
        goto out;
    }
    rc = sim_cd_import_begin(&imp, env, tenant, secret);
    if (rc != AMG_OK) {
        sim_reply_error(rep, rc == AMG_EINVAL ? 400 : 500, "%s",
                        rc == AMG_EINVAL ? "query parameter 'encryption_secret' is too long"
                                         : "cannot start the import");
        goto out;
    }
    /* Checked and decoded outside the lock, stored under it in order. */
    prep = calloc(json_array_size(users) + 1, sizeof(*prep));
    rc = prep ? AMG_OK : AMG_ENOMEM;
    json_array_foreach(users, i, item) {
        if (rc == AMG_OK)
            rc = prepare_item(&imp, item, &prep[i]);
    }
    set = rc == AMG_OK ? sim_users_write(env->users, tenant) : NULL;
    if (rc == AMG_OK && !set)
        rc = AMG_ENOMEM;
    for (i = 0; rc == AMG_OK && i < json_array_size(users); i++)
        rc = commit_item(&imp, set, &prep[i]);
    sim_users_unlock(set);
    for (i = 0; prep && i < json_array_size(users); i++)
        prepared_clear(&prep[i]);
    free(prep);
    if (rc != AMG_OK)
        sim_reply_error(rep, 500, "out of memory during the import");
    else
        sim_reply_json(rep, 200, sim_cd_import_result(&imp));
out:
    sim_cd_import_end(&imp);
    json_decref(body);
}

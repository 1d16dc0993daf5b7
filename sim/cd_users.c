#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>
#include "appid-migrate/plugin.h"
#include "cd_users.h"
#include "password.h"
#include "users_json.h"
#include "users_store.h"

/* GET /cloud_directory/Users page size: default and largest. */
#define LIST_DEFAULT 100
#define LIST_MAX 100

/* Parse a JSON object body, answering problems as SCIM errors. */
static int scim_body(const struct sim_request *req, struct sim_reply *rep, json_t **out)
{
    json_error_t err;
    json_t *doc;

    *out = NULL;
    if (!sim_request_is_json(req)) {
        sim_scim_error(rep, 415, NULL, "Content-Type must be application/json");
        return AMG_EINVAL;
    }
    doc = json_loadb(req->body ? req->body : "", req->body_len, JSON_REJECT_DUPLICATES, &err);
    if (!doc) {
        sim_scim_error(rep, 400, "invalidSyntax", "malformed JSON body: %s (line %d)",
                       err.text, err.line);
        return AMG_EINVAL;
    }
    if (!json_is_object(doc)) {
        json_decref(doc);
        sim_scim_error(rep, 400, "invalidSyntax", "request body must be a JSON object");
        return AMG_EINVAL;
    }
    *out = doc;
    return AMG_OK;
}

static void clash_error(struct sim_reply *rep, int scim, const struct sim_cd_user *clash,
                        const char *field)
{
    const char *what = strcmp(field, "email") == 0 ? "e-mail address" : "userName";

    if (scim)
        sim_scim_error(rep, 409, "uniqueness", "a user with this %s already exists (id %s)",
                       what, clash->id);
    else
        sim_reply_error(rep, 409, "a user with this %s already exists (id %s)", what,
                        clash->id);
}

/* Check a create/update body; hash its password when there is one.
 * `need_password` for creation. Answers problems itself. */
static int check_body(const struct sim_env *env, const char *tenant, const json_t *body,
                      int need_password, int scim, struct sim_pwhash *pw, int *has_pw,
                      struct sim_reply *rep)
{
    const char *password = json_string_value(json_object_get(body, "password"));
    char msg[512];
    int rc;

    *has_pw = 0;
    if (sim_scim_check(body, sim_identity_is_username(env, tenant), msg, sizeof(msg)) !=
        AMG_OK)
        goto bad;
    if (need_password && !password) {
        snprintf(msg, sizeof(msg), "missing required field 'password'");
        goto bad;
    }
    if (password && strlen(password) > SIM_PW_MAX_LEN) {
        snprintf(msg, sizeof(msg), "field 'password' is longer than %d bytes",
                 SIM_PW_MAX_LEN);
        goto bad;
    }
    if (!password)
        return AMG_OK;
    rc = sim_password_hash(password, env->pbkdf2_iterations, pw);
    if (rc != AMG_OK) {
        sim_reply_error(rep, 500, "cannot hash the password");
        return rc;
    }
    *has_pw = 1;
    return AMG_OK;
bad:
    if (scim)
        sim_scim_error(rep, 400, "invalidValue", "%s", msg);
    else
        sim_reply_error(rep, 400, "%s", msg);
    return AMG_EINVAL;
}

/* POST /cloud_directory/Users (no profile, SCIM errors) and sign_up
 * (profile on request, management-API errors). */
static void create_user(const struct sim_env *env, const char *tenant,
                        const struct sim_request *req, struct sim_reply *rep, int scim,
                        int with_profile)
{
    struct sim_cd_user *user = NULL, *clash = NULL;
    struct sim_profile *profile = NULL;
    struct sim_uset *set = NULL;
    struct sim_pwhash pw = { 0 };
    const char *field = NULL;
    json_t *body = NULL, *attrs;
    int has_pw, rc;

    rc = scim ? scim_body(req, rep, &body) : sim_request_json_object(req, rep, &body);
    if (rc != AMG_OK)
        return;
    if (check_body(env, tenant, body, 1, scim, &pw, &has_pw, rep) != AMG_OK)
        goto out;
    attrs = sim_scim_attrs(body, "PENDING");
    set = attrs ? sim_users_write(env->users, tenant) : NULL;
    if (!set) {
        json_decref(attrs);
        sim_reply_error(rep, 500, "out of memory");
        goto out;
    }
    rc = sim_uset_cd_add(set, NULL, attrs, &pw, &user, &clash, &field);
    if (rc == AMG_EEXIST) {
        clash_error(rep, scim, clash, field);
        goto out;
    }
    if (rc == AMG_OK && with_profile)
        rc = sim_uset_profile_add(set, NULL, SIM_IDP_CD, user->id, NULL, NULL, user,
                                  &profile);
    if (rc != AMG_OK) {
        if (user)
            sim_uset_cd_remove(set, user, 1);
        sim_reply_error(rep, 500, "cannot store the user");
        goto out;
    }
    sim_reply_json(rep, 201, sim_view_getuser(env->base_url, tenant, user));
out:
    sim_users_unlock(set);
    OPENSSL_cleanse(&pw, sizeof(pw));
    json_decref(body);
}

void sim_cd_users_create(const struct sim_env *env, const char *tenant, const char *id,
                         const struct sim_request *req, struct sim_reply *rep)
{
    (void)id;
    create_user(env, tenant, req, rep, 1, 0);
}

void sim_cd_sign_up(const struct sim_env *env, const char *tenant, const char *id,
                    const struct sim_request *req, struct sim_reply *rep)
{
    const char *flag = sim_request_query(req, "shouldCreateProfile");

    (void)id;
    if (flag && strcmp(flag, "true") != 0 && strcmp(flag, "false") != 0) {
        sim_reply_error(rep, 400, "query parameter 'shouldCreateProfile' must be true or false");
        return;
    }
    create_user(env, tenant, req, rep, 0, !flag || strcmp(flag, "true") == 0);
}

void sim_cd_users_list(const struct sim_env *env, const char *tenant, const char *id,
                       const struct sim_request *req, struct sim_reply *rep)
{
    const char *query = sim_request_query(req, "query");
    int by_name = query ? sim_identity_is_username(env, tenant) : 0;
    struct sim_uset *set = NULL;
    struct sim_cd_user *match = NULL;
    json_t *list = NULL;
    size_t start, count, total, i;
    char msg[256];
    int given;

    (void)id;
    if (sim_paging(req, LIST_DEFAULT, LIST_MAX, &start, &count, &given, msg, sizeof(msg)) !=
        AMG_OK) {
        sim_scim_error(rep, 400, "invalidValue", "%s", msg);
        return;
    }
    list = json_array();
    set = list ? sim_users_read(env->users, tenant) : NULL;
    if (!set)
        goto fail;
    if (query) {
        match = by_name ? sim_uset_cd_by_username(set, query) : sim_uset_cd_by_email(set, query);
        total = match ? 1 : 0;
        if (match && start == 0 && count > 0 &&
            json_array_append_new(list, sim_view_getuser(env->base_url, tenant, match)) != 0)
            goto fail;
    } else {
        total = sim_uset_cd_count(set);
        for (i = start; i < total && i - start < count; i++) {
            if (json_array_append_new(list, sim_view_getuser(env->base_url, tenant,
                                                             sim_uset_cd_at(set, i))) != 0)
                goto fail;
        }
    }
    sim_users_unlock(set);
    sim_reply_json(rep, 200, json_pack("{s:I, s:I, s:o, s:[s]}", "totalResults",
                                       (json_int_t)total, "itemsPerPage",
                                       (json_int_t)json_array_size(list), "Resources", list,
                                       "schemas",
                                       "urn:ietf:params:scim:api:messages:2.0:ListResponse"));
    return;
fail:
    sim_users_unlock(set);
    json_decref(list);
    sim_reply_error(rep, 500, "out of memory");
}

void sim_cd_user_get(const struct sim_env *env, const char *tenant, const char *id,
                     const struct sim_request *req, struct sim_reply *rep)
{
    struct sim_uset *set = sim_users_read(env->users, tenant);
    struct sim_cd_user *user = set ? sim_uset_cd_get(set, id) : NULL;

    (void)req;
    if (user)
        sim_reply_json(rep, 200, sim_view_getuser(env->base_url, tenant, user));
    else
        sim_scim_error(rep, 404, NULL, "user %s not found", id);
    sim_users_unlock(set);
}

void sim_cd_user_put(const struct sim_env *env, const char *tenant, const char *id,
                     const struct sim_request *req, struct sim_reply *rep)
{
    struct sim_cd_user *user, *clash = NULL;
    struct sim_uset *set = NULL;
    struct sim_pwhash pw = { 0 };
    const char *field = NULL;
    json_t *body = NULL, *attrs;
    int has_pw, rc;

    if (scim_body(req, rep, &body) != AMG_OK)
        return;
    if (check_body(env, tenant, body, 0, 1, &pw, &has_pw, rep) != AMG_OK)
        goto out;
    set = sim_users_write(env->users, tenant);
    user = set ? sim_uset_cd_get(set, id) : NULL;
    if (!user) {
        sim_scim_error(rep, 404, NULL, "user %s not found", id);
        goto out;
    }
    /* active and status keep their values when omitted; the other
     * attributes are replaced as SCIM PUT does. */
    attrs = sim_scim_attrs(body, json_string_value(json_object_get(user->scim, "status")));
    if (attrs && !json_object_get(body, "active") &&
        json_object_set(attrs, "active", json_object_get(user->scim, "active")) != 0) {
        json_decref(attrs);
        attrs = NULL;
    }
    if (!attrs) {
        sim_reply_error(rep, 500, "out of memory");
        goto out;
    }
    rc = sim_uset_cd_update(set, user, attrs, has_pw ? &pw : NULL, &clash, &field);
    if (rc == AMG_EEXIST)
        clash_error(rep, 1, clash, field);
    else if (rc != AMG_OK)
        sim_reply_error(rep, 500, "cannot store the user");
    else
        sim_reply_json(rep, 200, sim_view_getuser(env->base_url, tenant, user));
out:
    sim_users_unlock(set);
    OPENSSL_cleanse(&pw, sizeof(pw));
    json_decref(body);
}

static void delete_user(const struct sim_env *env, const char *tenant, const char *id,
                        struct sim_reply *rep, int with_profile)
{
    struct sim_uset *set = sim_users_write(env->users, tenant);
    struct sim_cd_user *user = set ? sim_uset_cd_get(set, id) : NULL;

    if (user) {
        sim_uset_cd_remove(set, user, with_profile);
        sim_reply_empty(rep, 204);
    } else if (with_profile) {
        sim_reply_error(rep, 404, "user %s not found", id);
    } else {
        sim_scim_error(rep, 404, NULL, "user %s not found", id);
    }
    sim_users_unlock(set);
}

void sim_cd_user_delete(const struct sim_env *env, const char *tenant, const char *id,
                        const struct sim_request *req, struct sim_reply *rep)
{
    (void)req;
    delete_user(env, tenant, id, rep, 0);
}

void sim_cd_remove(const struct sim_env *env, const char *tenant, const char *id,
                   const struct sim_request *req, struct sim_reply *rep)
{
    (void)req;
    delete_user(env, tenant, id, rep, 1);
}

void sim_cd_userinfo(const struct sim_env *env, const char *tenant, const char *id,
                     const struct sim_request *req, struct sim_reply *rep)
{
    struct sim_uset *set = sim_users_read(env->users, tenant);
    struct sim_cd_user *user = set ? sim_uset_cd_get(set, id) : NULL;
    json_t *view;

    (void)req;
    if (!user) {
        sim_reply_error(rep, 404, "user %s not found", id);
    } else if (!user->profile) {
        sim_reply_error(rep, 404, "user %s has no profile (created without one and never "
                        "signed in)", id);
    } else {
        view = sim_view_profile(env->base_url, tenant, user->profile);
        sim_reply_json(rep, 200,
                       view ? json_pack("{s:s, s:O, s:O}", "sub", user->profile->id,
                                        "identities", json_object_get(view, "identities"),
                                        "attributes", json_object_get(view, "attributes"))
                            : NULL);
        json_decref(view);
    }
    sim_users_unlock(set);
}

/*
 * GET /users/export and POST /users/import (reference 8.11.3, 8.11.4):
 * profiles of IdPs other than Cloud Directory, with attributes and role
 * names. Cloud Directory profiles travel with /cloud_directory/export.
 */
#include <stdio.h>
#include <string.h>
#include "appid-migrate/plugin.h"
#include "profiles.h"
#include "users_json.h"
#include "users_store.h"

/* Page size of /users/export and batch size of /users/import. */
#define PROFILE_BATCH 50

static json_t *export_item(const struct sim_env *env, const char *tenant, const json_t *roles,
                           const struct sim_profile *p)
{
    json_t *item = sim_view_profile(env->base_url, tenant, p);

    if (item && (json_object_set_new(item, "idp", json_string(p->idp)) != 0 ||
                 json_object_set_new(item, "roles", sim_role_names(roles, p->roles)) != 0)) {
        json_decref(item);
        item = NULL;
    }
    return item;
}

void sim_profiles_export(const struct sim_env *env, const char *tenant, const char *id,
                         const struct sim_request *req, struct sim_reply *rep)
{
    struct sim_uset *set = NULL;
    json_t *roles = NULL, *users = NULL, *opts = NULL;
    size_t start, count, total, i;
    char msg[256];
    int given;

    (void)id;
    if (sim_paging(req, PROFILE_BATCH, PROFILE_BATCH, &start, &count, &given, msg,
                   sizeof(msg)) != AMG_OK) {
        sim_reply_error(rep, 400, "%s", msg);
        return;
    }
    roles = sim_roles_load(env, tenant);
    users = json_array();
    /* The reference shows {} when no paging parameter was sent. */
    opts = given ? json_pack("{s:I, s:I}", "startIndex", (json_int_t)start, "count",
                             (json_int_t)count)
                 : json_object();
    set = roles && users && opts ? sim_users_read(env->users, tenant) : NULL;
    if (!set)
        goto fail;
    total = sim_uset_ext_count(set);
    for (i = start; i < total && i - start < count; i++) {
        if (json_array_append_new(users, export_item(env, tenant, roles,
                                                     sim_uset_ext_at(set, i))) != 0)
            goto fail;
    }
    sim_users_unlock(set);
    json_decref(roles);
    sim_reply_json(rep, 200, json_pack("{s:I, s:I, s:o, s:o}", "totalResults",
                                       (json_int_t)total, "itemsPerPage",
                                       (json_int_t)json_array_size(users), "requestOptions",
                                       opts, "users", users));
    return;
fail:
    sim_users_unlock(set);
    json_decref(roles);
    json_decref(users);
    json_decref(opts);
    sim_reply_error(rep, 500, "out of memory");
}

struct import_state {
    json_t *roles;
    json_t *fail_reasons;
    size_t added, failed;
};

static int fail_item(struct import_state *st, const json_t *item, const char *idp,
                     const char *error)
{
    const char *orig = json_string_value(json_object_get(item, "id"));
    json_t *reason = json_pack("{s:s}", "error", error);

    st->failed++;
    if (!reason || (orig && json_object_set_new(reason, "originalId", json_string(orig))) ||
        (idp && json_object_set_new(reason, "idp", json_string(idp))) ||
        json_array_append_new(st->fail_reasons, reason) != 0)
        return AMG_ENOMEM;
    return AMG_OK;
}

/* New profile document of an import item: attributes, the optional
 * profile members and the IdP's user info. */
static json_t *item_doc(const json_t *item, const json_t *identity)
{
    const json_t *attrs = json_object_get(item, "attributes");
    const json_t *info = json_object_get(identity, "idpUserInfo");
    json_t *doc = json_pack("{s:o}", "attributes",
                            attrs ? json_deep_copy(attrs) : json_object());

    if (doc && (sim_profile_copy_info(doc, item) != AMG_OK ||
                (json_is_object(info) &&
                 json_object_set_new(doc, "idpUserInfo", json_deep_copy(info)) != 0))) {
        json_decref(doc);
        doc = NULL;
    }
    return doc;
}

static int import_item(struct import_state *st, struct sim_uset *set, const json_t *item)
{
    const json_t *identity = json_array_get(json_object_get(item, "identities"), 0);
    const json_t *attrs = json_object_get(item, "attributes");
    const json_t *names = json_object_get(item, "roles");
    const char *idp = json_string_value(json_object_get(identity, "provider"));
    const char *idp_id = json_string_value(json_object_get(identity, "id"));
    struct sim_profile *p = NULL;
    json_t *ids = NULL, *name;
    char msg[512];
    size_t i;
    int rc;

    if (!idp)
        idp = json_string_value(json_object_get(item, "idp"));
    if (!json_is_object(item) || !idp || !idp_id || !idp_id[0])
        return fail_item(st, item, idp, "missing 'identities[0].provider' or "
                         "'identities[0].id'");
    if (!sim_idp_valid(idp) || strcmp(idp, SIM_IDP_CD) == 0) {
        snprintf(msg, sizeof(msg), "identity provider '%s' cannot be imported here%s", idp,
                 strcmp(idp, SIM_IDP_CD) == 0 ? " (use /cloud_directory/import)" : "");
        return fail_item(st, item, idp, msg);
    }
    if (attrs && !json_is_object(attrs))
        return fail_item(st, item, idp, "'attributes' must be an object");
    if (attrs && sim_attributes_too_large(attrs))
        return fail_item(st, item, idp, "profile attributes exceed 100 KB");
    if (names && !json_is_array(names))
        return fail_item(st, item, idp, "'roles' must be an array of role names");
    ids = json_array();
    if (!ids)
        return AMG_ENOMEM;
    json_array_foreach(names, i, name) {
        const char *rid = sim_role_id(st->roles, json_string_value(name));

        if (!rid) {
            snprintf(msg, sizeof(msg), "unknown role '%s'",
                     json_is_string(name) ? json_string_value(name) : "(not a string)");
            json_decref(ids);
            return fail_item(st, item, idp, msg);
        }
        if (json_array_append_new(ids, json_string(rid)) != 0) {
            json_decref(ids);
            return AMG_ENOMEM;
        }
    }
    rc = sim_uset_profile_add(set, NULL, idp, idp_id, item_doc(item, identity), ids, NULL, &p);
    if (rc == AMG_EEXIST)
        return fail_item(st, item, idp, "a profile for this identity exists already");
    if (rc != AMG_OK)
        return AMG_ENOMEM;
    st->added++;
    return AMG_OK;
}

void sim_profiles_import(const struct sim_env *env, const char *tenant, const char *id,
                         const struct sim_request *req, struct sim_reply *rep)
{
    struct import_state st = { 0 };
    struct sim_uset *set = NULL;
    json_t *body = NULL, *users, *item;
    size_t i;
    int rc = AMG_OK;

    (void)id;
    if (sim_request_json_object(req, rep, &body) != AMG_OK)
        return;
    users = json_object_get(body, "users");
    if (!json_is_array(users)) {
        sim_reply_error(rep, 400, "missing required field 'users' (an array)");
        goto out;
    }
    if (json_array_size(users) > PROFILE_BATCH) {
        sim_reply_error(rep, 400, "at most %d users per import request, got %zu",
                        PROFILE_BATCH, json_array_size(users));
        goto out;
    }
    st.roles = sim_roles_load(env, tenant);
    st.fail_reasons = json_array();
    set = st.roles && st.fail_reasons ? sim_users_write(env->users, tenant) : NULL;
    if (!set)
        rc = AMG_ENOMEM;
    json_array_foreach(users, i, item) {
        if (rc == AMG_OK)
            rc = import_item(&st, set, item);
    }
    sim_users_unlock(set);
    if (rc != AMG_OK)
        sim_reply_error(rep, 500, "out of memory during the import");
    else
        sim_reply_json(rep, 200, json_pack("{s:I, s:I, s:O}", "added", (json_int_t)st.added,
                                           "failed", (json_int_t)st.failed, "failReasons",
                                           st.fail_reasons));
out:
    json_decref(st.roles);
    json_decref(st.fail_reasons);
    json_decref(body);
}

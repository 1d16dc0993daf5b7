#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "appid-migrate/plugin.h"
#include "profiles.h"
#include "schema.h"
#include "users_json.h"
#include "users_store.h"

/* GET /users page size: default and largest. */
#define SEARCH_DEFAULT 100
#define SEARCH_MAX 100

/* A /users search hit. `full` adds identities, attributes and names. */
static json_t *search_item(const struct sim_env *env, const char *tenant,
                           const struct sim_profile *p, int full)
{
    const char *email = sim_profile_email(p);
    json_t *item = full ? sim_view_profile(env->base_url, tenant, p)
                        : json_pack("{s:s}", "id", p->id);

    if (item && (json_object_set_new(item, "idp", json_string(p->idp)) != 0 ||
                 (email && json_object_set_new(item, "email", json_string(email)) != 0))) {
        json_decref(item);
        item = NULL;
    }
    return item;
}

static int search_match(const struct sim_profile *p, const char *email, const char *idp_id)
{
    const char *pe = sim_profile_email(p);

    if (email && (!pe || strcasecmp(pe, email) != 0))
        return 0;
    return !idp_id || strcmp(p->idp_id, idp_id) == 0;
}

static int by_pos(const void *a, const void *b)
{
    const struct sim_profile *pa = *(const struct sim_profile *const *)a;
    const struct sim_profile *pb = *(const struct sim_profile *const *)b;

    return pa->pos < pb->pos ? -1 : pa->pos > pb->pos;
}

/*
 * Profiles matching the filters, in creation order, through the indexes:
 * a Cloud Directory profile by its user's e-mail or id, others by
 * identity (one lookup per IdP) or, for an e-mail, by scanning the
 * non-CD profiles only. *out is a new array of borrowed pointers.
 */
static int filter(const struct sim_uset *s, const char *email, const char *idp_id,
                  struct sim_profile ***out, size_t *n)
{
    static const char *const idps[] = {
        "saml", SIM_IDP_CD, "facebook", "google", "appid_custom", "ibmid", NULL
    };
    size_t cap = sim_uset_ext_count(s) + 8, i;
    struct sim_profile **hits = malloc(cap * sizeof(*hits));
    struct sim_cd_user *u;
    const char *const *idp;

    *out = hits;
    *n = 0;
    if (!hits)
        return AMG_ENOMEM;
    if (idp_id) {
        for (idp = idps; *idp; idp++) {
            struct sim_profile *p = sim_uset_profile_by_identity(s, *idp, idp_id);

            if (p && search_match(p, email, idp_id))
                hits[(*n)++] = p;
        }
    } else {
        u = sim_uset_cd_by_email(s, email);
        if (u && u->profile && search_match(u->profile, email, NULL))
            hits[(*n)++] = u->profile;
        for (i = 0; i < sim_uset_ext_count(s); i++) {
            if (search_match(sim_uset_ext_at(s, i), email, NULL))
                hits[(*n)++] = sim_uset_ext_at(s, i);
        }
    }
    qsort(hits, *n, sizeof(*hits), by_pos);
    return AMG_OK;
}

void sim_profiles_search(const struct sim_env *env, const char *tenant, const char *id,
                         const struct sim_request *req, struct sim_reply *rep)
{
    const char *scope = sim_request_query(req, "dataScope");
    const char *email = sim_request_query(req, "email");
    const char *idp_id = sim_request_query(req, "id");
    struct sim_uset *set = NULL;
    struct sim_profile **hits = NULL;
    json_t *users = NULL, *opts = NULL;
    size_t start, count, total = 0, i;
    char msg[256];
    int given, full;

    (void)id;
    if (!scope || (strcmp(scope, "index") != 0 && strcmp(scope, "full") != 0)) {
        sim_reply_error(rep, 400, "query parameter 'dataScope' must be index or full");
        return;
    }
    full = strcmp(scope, "full") == 0;
    if (sim_paging(req, SEARCH_DEFAULT, SEARCH_MAX, &start, &count, &given, msg,
                   sizeof(msg)) != AMG_OK) {
        sim_reply_error(rep, 400, "%s", msg);
        return;
    }
    users = json_array();
    opts = given ? json_pack("{s:I, s:I}", "startIndex", (json_int_t)start, "count",
                             (json_int_t)count)
                 : json_object();
    set = users && opts ? sim_users_read(env->users, tenant) : NULL;
    if (!set)
        goto fail;
    if (email || idp_id) {
        if (filter(set, email, idp_id, &hits, &total) != AMG_OK)
            goto fail;
    } else {
        total = sim_uset_profile_count(set);
    }
    for (i = start; i < total && i - start < count; i++) {
        const struct sim_profile *p = hits ? hits[i] : sim_uset_profile_at(set, i);

        if (json_array_append_new(users, search_item(env, tenant, p, full)) != 0)
            goto fail;
    }
    sim_users_unlock(set);
    free(hits);
    sim_reply_json(rep, 200, json_pack("{s:I, s:I, s:o, s:o}", "totalResults",
                                       (json_int_t)total, "itemsPerPage",
                                       (json_int_t)json_array_size(users), "requestOptions",
                                       opts, "users", users));
    return;
fail:
    sim_users_unlock(set);
    free(hits);
    json_decref(users);
    json_decref(opts);
    sim_reply_error(rep, 500, "out of memory");
}

static const struct sim_field prereg_fields[] = {
    { .path = "idp", .type = SIM_STRING, .flags = SIM_REQUIRED | SIM_NONEMPTY },
    { .path = "idp-identity", .type = SIM_STRING, .flags = SIM_REQUIRED | SIM_NONEMPTY },
    { .path = "profile", .type = SIM_OBJECT },
    { .path = "profile.attributes", .type = SIM_OBJECT },
    { .path = NULL }
};

void sim_profiles_preregister(const struct sim_env *env, const char *tenant, const char *id,
                              const struct sim_request *req, struct sim_reply *rep)
{
    struct sim_profile *p = NULL;
    struct sim_uset *set = NULL;
    json_t *body = NULL, *attrs, *doc;
    const char *idp, *ident;
    char msg[512];
    int rc;

    (void)id;
    if (sim_request_json_object(req, rep, &body) != AMG_OK)
        return;
    if (sim_schema_check(prereg_fields, body, msg, sizeof(msg)) != AMG_OK) {
        sim_reply_error(rep, 400, "%s", msg);
        goto out;
    }
    idp = json_string_value(json_object_get(body, "idp"));
    ident = json_string_value(json_object_get(body, "idp-identity"));
    if (!sim_idp_valid(idp)) {
        sim_reply_error(rep, 400, "field 'idp' must be one of: saml, cloud_directory, "
                        "facebook, google, appid_custom, ibmid");
        goto out;
    }
    attrs = json_object_get(json_object_get(body, "profile"), "attributes");
    if (attrs && sim_attributes_too_large(attrs)) {
        sim_reply_error(rep, 413, "profile attributes exceed %d bytes", SIM_MAX_ATTRIBUTES);
        goto out;
    }
    doc = json_pack("{s:o}", "attributes", attrs ? json_deep_copy(attrs) : json_object());
    set = doc ? sim_users_write(env->users, tenant) : NULL;
    if (!set) {
        json_decref(doc);
        sim_reply_error(rep, 500, "out of memory");
        goto out;
    }
    rc = sim_uset_profile_add(set, NULL, idp, ident, doc, NULL, NULL, &p);
    if (rc == AMG_EEXIST)
        sim_reply_error(rep, 409, "a profile for %s identity '%s' exists already (id %s)", idp,
                        ident, p ? p->id : "?");
    else if (rc != AMG_OK)
        sim_reply_error(rep, 500, "cannot store the profile");
    else
        sim_reply_json(rep, 201, search_item(env, tenant, p, 1));
out:
    sim_users_unlock(set);
    json_decref(body);
}

void sim_profile_delete(const struct sim_env *env, const char *tenant, const char *id,
                        const struct sim_request *req, struct sim_reply *rep)
{
    struct sim_uset *set = sim_users_write(env->users, tenant);
    struct sim_profile *p = set ? sim_uset_profile_get(set, id) : NULL;

    (void)req;
    if (p) {
        sim_uset_profile_remove(set, p);
        sim_reply_empty(rep, 204);
    } else {
        sim_reply_error(rep, 404, "profile %s not found", id);
    }
    sim_users_unlock(set);
}

void sim_profile_get(const struct sim_env *env, const char *tenant, const char *id,
                     const struct sim_request *req, struct sim_reply *rep)
{
    struct sim_uset *set = sim_users_read(env->users, tenant);
    struct sim_profile *p = set ? sim_uset_profile_get(set, id) : NULL;

    (void)req;
    if (p)
        sim_reply_json(rep, 200, sim_view_profile(env->base_url, tenant, p));
    else
        sim_reply_error(rep, 404, "profile %s not found", id);
    sim_users_unlock(set);
}

void sim_profile_put(const struct sim_env *env, const char *tenant, const char *id,
                     const struct sim_request *req, struct sim_reply *rep)
{
    struct sim_uset *set = NULL;
    struct sim_profile *p;
    json_t *body = NULL, *attrs;

    if (sim_request_json_object(req, rep, &body) != AMG_OK)
        return;
    attrs = json_object_get(body, "attributes");
    if (!json_is_object(attrs)) {
        sim_reply_error(rep, 400, attrs ? "field 'attributes' must be an object"
                                        : "missing required field 'attributes'");
        goto out;
    }
    if (sim_attributes_too_large(attrs)) {
        sim_reply_error(rep, 413, "profile attributes exceed %d bytes", SIM_MAX_ATTRIBUTES);
        goto out;
    }
    set = sim_users_write(env->users, tenant);
    p = set ? sim_uset_profile_get(set, id) : NULL;
    if (!p) {
        sim_reply_error(rep, 404, "profile %s not found", id);
        goto out;
    }
    /* Replace, not merge (reference 8.11.5 UNCERTAIN; see the docs). */
    if (json_object_set(p->doc, "attributes", attrs) != 0)
        sim_reply_error(rep, 500, "out of memory");
    else
        sim_reply_json(rep, 200, sim_view_profile(env->base_url, tenant, p));
out:
    sim_users_unlock(set);
    json_decref(body);
}

void sim_profile_roles_get(const struct sim_env *env, const char *tenant, const char *id,
                           const struct sim_request *req, struct sim_reply *rep)
{
    json_t *roles = sim_roles_load(env, tenant);
    struct sim_uset *set = roles ? sim_users_read(env->users, tenant) : NULL;
    struct sim_profile *p = set ? sim_uset_profile_get(set, id) : NULL;

    (void)req;
    if (p)
        sim_reply_json(rep, 200, json_pack("{s:o}", "roles", sim_role_refs(roles, p->roles)));
    else if (set)
        sim_reply_error(rep, 404, "profile %s not found", id);
    else
        sim_reply_error(rep, 500, "out of memory");
    sim_users_unlock(set);
    json_decref(roles);
}

void sim_profile_roles_put(const struct sim_env *env, const char *tenant, const char *id,
                           const struct sim_request *req, struct sim_reply *rep)
{
    static const struct sim_field fields[] = {
        { .path = "roles", .type = SIM_OBJECT, .flags = SIM_REQUIRED },
        { .path = "roles.ids", .type = SIM_ARRAY, .flags = SIM_REQUIRED },
        { .path = "roles.ids[]", .type = SIM_STRING, .flags = SIM_NONEMPTY },
        { .path = NULL }
    };
    struct sim_uset *set = NULL;
    struct sim_profile *p;
    json_t *body = NULL, *roles = NULL, *ids, *rid;
    char msg[512];
    size_t i;

    if (sim_request_json_object(req, rep, &body) != AMG_OK)
        return;
    if (sim_schema_check(fields, body, msg, sizeof(msg)) != AMG_OK) {
        sim_reply_error(rep, 400, "%s", msg);
        goto out;
    }
    roles = sim_roles_load(env, tenant);
    ids = json_object_get(json_object_get(body, "roles"), "ids");
    json_array_foreach(ids, i, rid) {
        if (!sim_role_name(roles, json_string_value(rid))) {
            sim_reply_error(rep, 400, "unknown role id '%s' in 'roles.ids[%zu]'",
                            json_string_value(rid), i);
            goto out;
        }
    }
    set = sim_users_write(env->users, tenant);
    p = set ? sim_uset_profile_get(set, id) : NULL;
    if (!p) {
        sim_reply_error(rep, 404, "profile %s not found", id);
        goto out;
    }
    json_decref(p->roles);
    p->roles = json_incref(ids);
    sim_reply_json(rep, 200, json_pack("{s:o}", "roles", sim_role_refs(roles, p->roles)));
out:
    sim_users_unlock(set);
    json_decref(roles);
    json_decref(body);
}

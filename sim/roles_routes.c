#include <string.h>
#include "appid-migrate/plugin.h"
#include "access_rules.h"
#include "access_store.h"
#include "roles_routes.h"
#include "tenant.h"
#include "uuid.h"

#define ROLES_PREFIX "/roles"

/* Checks the access entries of a role body against the tenant's
 * applications. Each loop stops at the first unknown or repeated name,
 * so none runs past the limits of section 11 whatever the body holds. */
static int check_access(struct sim_access_op *op, const json_t *apps, const json_t *access)
{
    size_t i, j, k;

    for (i = 0; i < json_array_size(access); i++) {
        json_t *entry = json_array_get(access, i);
        const char *app_id = json_string_value(json_object_get(entry, "application_id"));
        json_t *scopes = json_object_get(entry, "scopes");
        json_t *app = sim_access_find(apps, "clientId", app_id, NULL);

        if (!app)
            return sim_access_fail(op, 400, "field 'access[%zu].application_id': no "
                                   "application with clientId '%s'", i, app_id);
        for (j = 0; j < i; j++) {
            json_t *other = json_object_get(json_array_get(access, j), "application_id");

            if (strcmp(app_id, json_string_value(other)) == 0)
                return sim_access_fail(op, 400, "field 'access[%zu].application_id': "
                                       "application '%s' is listed twice", i, app_id);
        }
        for (j = 0; j < json_array_size(scopes); j++) {
            const char *scope = json_string_value(json_array_get(scopes, j));

            if (!sim_array_has_string(json_object_get(app, "scopes"), scope))
                return sim_access_fail(op, 400, "field 'access[%zu].scopes[%zu]': "
                                       "application '%s' has no scope '%s'", i, j, app_id,
                                       scope);
            for (k = 0; k < j; k++) {
                if (strcmp(scope, json_string_value(json_array_get(scopes, k))) == 0)
                    return sim_access_fail(op, 400, "field 'access[%zu].scopes[%zu]': "
                                           "duplicate scope '%s'", i, j, scope);
            }
        }
    }
    return AMG_OK;
}

/* The stored form of a checked role body: only the documented members,
 * description always present. New reference or NULL. */
static json_t *role_from_body(const char *id, const json_t *body)
{
    json_t *access = json_array();
    json_t *entry;
    const char *desc = json_string_value(json_object_get(body, "description"));
    size_t i;

    if (!access)
        return NULL;
    json_array_foreach(json_object_get(body, "access"), i, entry) {
        if (json_array_append_new(access,
                                  json_pack("{s:O, s:O}", "application_id",
                                            json_object_get(entry, "application_id"),
                                            "scopes", json_object_get(entry, "scopes"))) != 0) {
            json_decref(access);
            return NULL;
        }
    }
    return json_pack("{s:s, s:O, s:s, s:o}", "id", id, "name", json_object_get(body, "name"),
                     "description", desc ? desc : "", "access", access);
}

/* Schema, references and unique name; op->status is set on a problem. */
static int check_role(struct sim_access_op *op, json_t *tenant, const char *self_id)
{
    json_t *roles = json_object_get(tenant, SIM_KEY_ROLES);
    char msg[sizeof(op->msg)];
    const char *name;
    int rc;

    if (sim_schema_check(sim_fields_role, op->body, msg, sizeof(msg)) != AMG_OK)
        return sim_access_fail(op, 400, "%s", msg);
    rc = check_access(op, json_object_get(tenant, SIM_KEY_APPS),
                      json_object_get(op->body, "access"));
    if (rc != AMG_OK || op->status)
        return rc;
    name = json_string_value(json_object_get(op->body, "name"));
    if (sim_access_find_name(roles, name, self_id))
        return sim_access_fail(op, 409, "a role named '%s' exists already", name);
    return AMG_OK;
}

/* op->id is the id the new role gets (made outside the lock). */
static int create_cb(json_t *tenant, void *ud)
{
    struct sim_access_op *op = ud;
    json_t *roles;
    json_t *role;
    int rc = check_role(op, tenant, NULL);

    if (rc != AMG_OK || op->status)
        return rc;
    roles = sim_access_array(tenant, SIM_KEY_ROLES);
    if (!roles)
        return AMG_ENOMEM;
    if (json_array_size(roles) >= SIM_MAX_ROLES)
        return sim_access_fail(op, 400, "an instance can have at most %d roles",
                               SIM_MAX_ROLES);
    role = role_from_body(op->id, op->body);
    if (!role)
        return AMG_ENOMEM;
    op->result = json_deep_copy(role);
    if (!op->result) {
        json_decref(role);
        return AMG_ENOMEM;
    }
    if (json_array_append_new(roles, role) != 0)
        return AMG_ENOMEM;
    op->status = 201;
    return AMG_OK;
}

static int update_cb(json_t *tenant, void *ud)
{
    struct sim_access_op *op = ud;
    json_t *roles = json_object_get(tenant, SIM_KEY_ROLES);
    json_t *role;
    size_t index;
    int rc;

    if (!sim_access_find(roles, "id", op->id, &index))
        return sim_access_fail(op, 404, "no role with id '%s'", op->id);
    rc = check_role(op, tenant, op->id);
    if (rc != AMG_OK || op->status)
        return rc;
    /* No partial update (section 8.9): the body is the whole role, so a
     * description it leaves out is cleared. */
    role = role_from_body(op->id, op->body);
    if (!role)
        return AMG_ENOMEM;
    op->result = json_deep_copy(role);
    if (!op->result) {
        json_decref(role);
        return AMG_ENOMEM;
    }
    if (json_array_set_new(roles, index, role) != 0)
        return AMG_ENOMEM;
    op->status = 200;
    return AMG_OK;
}

static int delete_cb(json_t *tenant, void *ud)
{
    struct sim_access_op *op = ud;
    json_t *roles = json_object_get(tenant, SIM_KEY_ROLES);
    size_t index;

    if (!sim_access_find(roles, "id", op->id, &index))
        return sim_access_fail(op, 404, "no role with id '%s'", op->id);
    if (sim_access_forget_role(json_object_get(tenant, SIM_KEY_APPS), op->id) != AMG_OK ||
        json_array_remove(roles, index) != 0)
        return AMG_ENOMEM;
    /* 202 as the spec declares (reference 4.1, UNCERTAIN), no body. */
    op->status = 202;
    return AMG_OK;
}

static void get_roles(struct sim_access_op *op, struct sim_reply *rep, int one)
{
    json_t *roles = sim_tenants_get(op->env->tenants, op->tenant, SIM_KEY_ROLES);
    json_t *role;

    if (!one) {
        sim_reply_json(rep, 200, json_pack("{s:o}", "roles", roles ? roles : json_array()));
        return;
    }
    role = sim_access_find(roles, "id", op->id, NULL);
    if (!role)
        sim_reply_error(rep, 404, "no role with id '%s'", op->id);
    else
        sim_reply_json(rep, 200, json_incref(role));
    json_decref(roles);
}

static void write_role(struct sim_access_op *op, const struct sim_request *req,
                       struct sim_reply *rep, int (*fn)(json_t *tenant, void *ud))
{
    if (req && sim_request_json_object(req, rep, &op->body) != AMG_OK)
        return;
    sim_access_reply(op, sim_tenants_modify_tenant(op->env->tenants, op->tenant, fn, op), rep);
    json_decref(op->body);
    op->body = NULL;
}

int sim_roles_handle(const struct sim_env *env, const char *tenant, const char *subpath,
                     const struct sim_request *req, struct sim_reply *rep)
{
    struct sim_access_op op;
    const char *rest;
    const char *m = req->method;
    char new_id[SIM_UUID_LEN + 1];

    if (strncmp(subpath, ROLES_PREFIX, strlen(ROLES_PREFIX)) != 0)
        return 0;
    rest = subpath + strlen(ROLES_PREFIX);
    if (rest[0] && (rest[0] != '/' || !rest[1] || strchr(rest + 1, '/')))
        return 0;
    memset(&op, 0, sizeof(op));
    op.env = env;
    op.tenant = tenant;
    if (!rest[0]) {
        if (strcmp(m, "GET") == 0) {
            get_roles(&op, rep, 0);
        } else if (strcmp(m, "POST") == 0) {
            if (sim_uuid_v4(new_id) != AMG_OK) {
                sim_reply_error(rep, 500, "random number generator failed");
                return 1;
            }
            op.id = new_id;
            write_role(&op, req, rep, create_cb);
        } else {
            sim_reply_error(rep, 405, "method %s is not allowed on %s", m, subpath);
            sim_reply_header(rep, "Allow", "GET, POST");
        }
        return 1;
    }
    op.id = rest + 1;
    if (strcmp(m, "GET") == 0) {
        get_roles(&op, rep, 1);
    } else if (strcmp(m, "PUT") == 0) {
        write_role(&op, req, rep, update_cb);
    } else if (strcmp(m, "DELETE") == 0) {
        write_role(&op, NULL, rep, delete_cb);
    } else {
        sim_reply_error(rep, 405, "method %s is not allowed on %s", m, subpath);
        sim_reply_header(rep, "Allow", "DELETE, GET, PUT");
    }
    return 1;
}

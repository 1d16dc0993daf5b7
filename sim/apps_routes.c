#include <string.h>
#include "appid-migrate/plugin.h"
#include "access_rules.h"
#include "access_store.h"
#include "apps_routes.h"
#include "tenant.h"
#include "uuid.h"

#define APPS_PREFIX "/applications"
#define SECRET_BYTES 32

enum app_path { APP_LIST, APP_ONE, APP_SCOPES, APP_ROLES };

/* Splits "/applications[/{id}[/scopes|/roles]]". Returns 1 when `subpath`
 * is one of those (id copied into `id`, "" for the list, truncated ids
 * flagged by *too_long), 0 otherwise. */
static int parse_path(const char *subpath, enum app_path *kind, char *id, size_t id_size,
                      int *too_long)
{
    const char *rest, *slash;
    size_t len;

    *too_long = 0;
    id[0] = '\0';
    if (strncmp(subpath, APPS_PREFIX, strlen(APPS_PREFIX)) != 0)
        return 0;
    rest = subpath + strlen(APPS_PREFIX);
    if (!rest[0]) {
        *kind = APP_LIST;
        return 1;
    }
    if (rest[0] != '/')
        return 0;
    rest++;
    slash = strchr(rest, '/');
    len = slash ? (size_t)(slash - rest) : strlen(rest);
    if (len == 0)
        return 0;
    if (!slash)
        *kind = APP_ONE;
    else if (strcmp(slash, "/scopes") == 0)
        *kind = APP_SCOPES;
    else if (strcmp(slash, "/roles") == 0)
        *kind = APP_ROLES;
    else
        return 0;
    if (len >= id_size) {
        *too_long = 1;
        return 1;
    }
    memcpy(id, rest, len);
    id[len] = '\0';
    return 1;
}

static void list_apps(const struct sim_env *env, const char *tenant, struct sim_reply *rep)
{
    json_t *apps = sim_tenants_get(env->tenants, tenant, SIM_KEY_APPS);
    json_t *out = json_array();
    json_t *app;
    size_t i;

    if (!out)
        goto fail;
    json_array_foreach(apps, i, app) {
        if (json_array_append_new(out, sim_access_present_app(env, tenant, app)) != 0)
            goto fail;
    }
    json_decref(apps);
    sim_reply_json(rep, 200, json_pack("{s:o}", "applications", out));
    return;
fail:
    json_decref(out);
    json_decref(apps);
    sim_reply_error(rep, 500, "out of memory");
}

/* op->body is the new application, complete; it is appended. */
static int create_cb(json_t *value, json_t **replace, void *ud)
{
    struct sim_access_op *op = ud;
    json_t *apps = value;

    if (apps && !json_is_array(apps))
        return AMG_EINVAL;
    if (json_array_size(apps) >= SIM_MAX_APPS)
        return sim_access_fail(op, 400, "an instance can have at most %d applications",
                               SIM_MAX_APPS);
    op->result = sim_access_present_app(op->env, op->tenant, op->body);
    if (!op->result)
        return AMG_ENOMEM;
    if (!apps) {
        apps = json_array();
        *replace = apps;
    }
    if (!apps || json_array_append(apps, op->body) != 0)
        return AMG_ENOMEM;
    op->status = 200;
    return AMG_OK;
}

static void create_app(struct sim_access_op *op, const struct sim_request *req,
                       struct sim_reply *rep)
{
    json_t *body = NULL;
    const char *type;
    char client_id[SIM_UUID_LEN + 1];
    char secret[2 * SECRET_BYTES + 1];
    char msg[512];
    int rc;

    if (sim_request_json_object(req, rep, &body) != AMG_OK)
        return;
    if (sim_schema_check(sim_fields_app_create, body, msg, sizeof(msg)) != AMG_OK) {
        sim_reply_error(rep, 400, "%s", msg);
        goto out;
    }
    if (sim_uuid_v4(client_id) != AMG_OK || sim_random_hex(secret, SECRET_BYTES) != AMG_OK) {
        sim_reply_error(rep, 500, "random number generator failed");
        goto out;
    }
    type = json_string_value(json_object_get(body, "type"));
    /* Only the documented members are kept; read-only ones in the body
     * (clientId, secret, ...) are ignored like the real service does. */
    op->body = json_pack("{s:s, s:s, s:s, s:O, s:s, s:[], s:[]}", "clientId", client_id,
                         "tenantId", op->tenant, "secret", secret,
                         "name", json_object_get(body, "name"),
                         "type", type ? type : "regularwebapp", "scopes", "roles");
    if (!op->body) {
        sim_reply_error(rep, 500, "out of memory");
        goto out;
    }
    rc = sim_tenants_modify(op->env->tenants, op->tenant, SIM_KEY_APPS, create_cb, op);
    sim_access_reply(op, rc, rep);
out:
    json_decref(op->body);
    op->body = NULL;
    json_decref(body);
}

static void get_app(struct sim_access_op *op, struct sim_reply *rep)
{
    json_t *apps = sim_tenants_get(op->env->tenants, op->tenant, SIM_KEY_APPS);
    json_t *app = sim_access_find(apps, "clientId", op->id, NULL);

    if (!app)
        sim_reply_error(rep, 404, "no application with clientId '%s'", op->id);
    else
        sim_reply_json(rep, 200, sim_access_present_app(op->env, op->tenant, app));
    json_decref(apps);
}

static int rename_cb(json_t *value, json_t **replace, void *ud)
{
    struct sim_access_op *op = ud;
    json_t *app = sim_access_find(value, "clientId", op->id, NULL);
    const char *type;
    char msg[sizeof(op->msg)];

    (void)replace;
    if (!app)
        return sim_access_fail(op, 404, "no application with clientId '%s'", op->id);
    if (sim_schema_check(sim_fields_app_update, op->body, msg, sizeof(msg)) != AMG_OK)
        return sim_access_fail(op, 400, "%s", msg);
    /* The type is fixed at creation (TF re-creates the application to
     * change it); a body that asks for another one is a client error. */
    type = json_string_value(json_object_get(op->body, "type"));
    if (type && strcmp(type, json_string_value(json_object_get(app, "type"))) != 0)
        return sim_access_fail(op, 400, "field 'type' cannot be changed; "
                               "create a new application instead");
    if (json_object_set(app, "name", json_object_get(op->body, "name")) != 0)
        return AMG_ENOMEM;
    op->result = sim_access_present_app(op->env, op->tenant, app);
    op->status = 201;
    return op->result ? AMG_OK : AMG_ENOMEM;
}

static int delete_cb(json_t *tenant, void *ud)
{
    struct sim_access_op *op = ud;
    json_t *apps = json_object_get(tenant, SIM_KEY_APPS);
    size_t index;

    if (!sim_access_find(apps, "clientId", op->id, &index))
        return sim_access_fail(op, 404, "no application with clientId '%s'", op->id);
    if (sim_access_forget_app(json_object_get(tenant, SIM_KEY_ROLES), op->id) != AMG_OK ||
        json_array_remove(apps, index) != 0)
        return AMG_ENOMEM;
    op->status = 204;
    return AMG_OK;
}

static int get_scopes_cb(json_t *tenant, void *ud)
{
    struct sim_access_op *op = ud;
    json_t *app = sim_access_find(json_object_get(tenant, SIM_KEY_APPS), "clientId", op->id,
                                  NULL);

    if (!app)
        return sim_access_fail(op, 404, "no application with clientId '%s'", op->id);
    op->result = json_pack("{s:O}", "scopes", json_object_get(app, "scopes"));
    op->status = 200;
    return op->result ? AMG_OK : AMG_ENOMEM;
}

static int put_scopes_cb(json_t *tenant, void *ud)
{
    struct sim_access_op *op = ud;
    json_t *app = sim_access_find(json_object_get(tenant, SIM_KEY_APPS), "clientId", op->id,
                                  NULL);
    json_t *scopes;
    char msg[sizeof(op->msg)];
    long dup;

    if (!app)
        return sim_access_fail(op, 404, "no application with clientId '%s'", op->id);
    if (sim_schema_check(sim_fields_scopes, op->body, msg, sizeof(msg)) != AMG_OK)
        return sim_access_fail(op, 400, "%s", msg);
    scopes = json_object_get(op->body, "scopes");
    dup = sim_first_duplicate(scopes);
    if (dup >= 0)
        return sim_access_fail(op, 400, "field 'scopes[%ld]': duplicate scope '%s'", dup,
                               json_string_value(json_array_get(scopes, (size_t)dup)));
    /* Removing a scope takes it away from every role too, irreversibly. */
    if (sim_access_prune_scopes(json_object_get(tenant, SIM_KEY_ROLES), op->id, scopes) !=
            AMG_OK ||
        json_object_set_new(app, "scopes", json_deep_copy(scopes)) != 0)
        return AMG_ENOMEM;
    op->result = json_pack("{s:O}", "scopes", scopes);
    op->status = 200;
    return op->result ? AMG_OK : AMG_ENOMEM;
}

/* {"roles": [{id, name}]} for the role ids of `app`. */
static json_t *app_roles_view(const json_t *app, const json_t *roles)
{
    json_t *ids = json_object_get(app, "roles");
    json_t *out = json_array();
    json_t *id;
    size_t i;

    if (!out)
        return NULL;
    json_array_foreach(ids, i, id) {
        json_t *role = sim_access_find(roles, "id", json_string_value(id), NULL);

        if (role && json_array_append_new(out, json_pack("{s:O, s:O}", "id", id, "name",
                                                         json_object_get(role, "name"))) != 0)
            goto fail;
    }
    return json_pack("{s:o}", "roles", out);
fail:
    json_decref(out);
    return NULL;
}

static int get_roles_cb(json_t *tenant, void *ud)
{
    struct sim_access_op *op = ud;
    json_t *app = sim_access_find(json_object_get(tenant, SIM_KEY_APPS), "clientId", op->id,
                                  NULL);

    if (!app)
        return sim_access_fail(op, 404, "no application with clientId '%s'", op->id);
    op->result = app_roles_view(app, json_object_get(tenant, SIM_KEY_ROLES));
    op->status = 200;
    return op->result ? AMG_OK : AMG_ENOMEM;
}

static int put_roles_cb(json_t *tenant, void *ud)
{
    struct sim_access_op *op = ud;
    json_t *roles = json_object_get(tenant, SIM_KEY_ROLES);
    json_t *app = sim_access_find(json_object_get(tenant, SIM_KEY_APPS), "clientId", op->id,
                                  NULL);
    json_t *ids;
    char msg[sizeof(op->msg)];
    size_t i, j;

    if (!app)
        return sim_access_fail(op, 404, "no application with clientId '%s'", op->id);
    if (sim_schema_check(sim_fields_app_roles, op->body, msg, sizeof(msg)) != AMG_OK)
        return sim_access_fail(op, 400, "%s", msg);
    ids = json_object_get(json_object_get(op->body, "roles"), "ids");
    /* Unknown ids stop the loop early, so it never runs past the 50 roles
     * an instance can have, however long the request's list is. */
    for (i = 0; i < json_array_size(ids); i++) {
        const char *id = json_string_value(json_array_get(ids, i));

        if (!sim_access_find(roles, "id", id, NULL))
            return sim_access_fail(op, 400, "field 'roles.ids[%zu]': no role with id '%s'",
                                   i, id);
        for (j = 0; j < i; j++) {
            if (strcmp(id, json_string_value(json_array_get(ids, j))) == 0)
                return sim_access_fail(op, 400, "field 'roles.ids[%zu]': duplicate role "
                                       "id '%s'", i, id);
        }
    }
    if (json_object_set_new(app, "roles", json_deep_copy(ids)) != 0)
        return AMG_ENOMEM;
    op->result = app_roles_view(app, roles);
    op->status = 200;
    return op->result ? AMG_OK : AMG_ENOMEM;
}

/* PUT with a JSON body run by `fn` inside the tenant lock. */
static void tenant_write(struct sim_access_op *op, const struct sim_request *req,
                         struct sim_reply *rep, int (*fn)(json_t *tenant, void *ud))
{
    if (sim_request_json_object(req, rep, &op->body) != AMG_OK)
        return;
    sim_access_reply(op, sim_tenants_modify_tenant(op->env->tenants, op->tenant, fn, op), rep);
    json_decref(op->body);
    op->body = NULL;
}

static void rename_app(struct sim_access_op *op, const struct sim_request *req,
                       struct sim_reply *rep)
{
    if (sim_request_json_object(req, rep, &op->body) != AMG_OK)
        return;
    sim_access_reply(op, sim_tenants_modify(op->env->tenants, op->tenant, SIM_KEY_APPS,
                                            rename_cb, op), rep);
    json_decref(op->body);
    op->body = NULL;
}

static int method_is(const struct sim_request *req, const char *m)
{
    return strcmp(req->method, m) == 0;
}

static void not_allowed(const struct sim_request *req, const char *subpath, const char *allow,
                        struct sim_reply *rep)
{
    sim_reply_error(rep, 405, "method %s is not allowed on %s", req->method, subpath);
    sim_reply_header(rep, "Allow", allow);
}

int sim_apps_handle(const struct sim_env *env, const char *tenant, const char *subpath,
                    const struct sim_request *req, struct sim_reply *rep)
{
    struct sim_access_op op;
    enum app_path kind;
    char id[128];
    int too_long;

    if (!parse_path(subpath, &kind, id, sizeof(id), &too_long))
        return 0;
    memset(&op, 0, sizeof(op));
    op.env = env;
    op.tenant = tenant;
    op.id = id;
    if (kind == APP_LIST) {
        if (method_is(req, "GET"))
            list_apps(env, tenant, rep);
        else if (method_is(req, "POST"))
            create_app(&op, req, rep);
        else
            not_allowed(req, subpath, "GET, POST", rep);
        return 1;
    }
    if (!method_is(req, "GET") && !method_is(req, "PUT") &&
        !(kind == APP_ONE && method_is(req, "DELETE"))) {
        not_allowed(req, subpath, kind == APP_ONE ? "DELETE, GET, PUT" : "GET, PUT", rep);
        return 1;
    }
    if (too_long) {
        sim_reply_error(rep, 404, "no application with such a clientId");
        return 1;
    }
    if (kind == APP_ONE && method_is(req, "GET"))
        get_app(&op, rep);
    else if (kind == APP_ONE && method_is(req, "PUT"))
        rename_app(&op, req, rep);
    else if (kind == APP_ONE)
        sim_access_reply(&op, sim_tenants_modify_tenant(env->tenants, tenant, delete_cb, &op),
                         rep);
    else if (method_is(req, "GET"))
        sim_access_reply(&op, sim_tenants_modify_tenant(env->tenants, tenant,
                                                        kind == APP_SCOPES ? get_scopes_cb
                                                                           : get_roles_cb,
                                                        &op), rep);
    else
        tenant_write(&op, req, rep, kind == APP_SCOPES ? put_scopes_cb : put_roles_cb);
    return 1;
}

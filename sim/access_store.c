#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "appid-migrate/plugin.h"
#include "access_rules.h"
#include "access_store.h"

int sim_access_fail(struct sim_access_op *op, int status, const char *fmt, ...)
{
    va_list ap;

    op->status = status;
    va_start(ap, fmt);
    vsnprintf(op->msg, sizeof(op->msg), fmt, ap);
    va_end(ap);
    return AMG_OK;
}

void sim_access_reply(struct sim_access_op *op, int rc, struct sim_reply *rep)
{
    json_t *result = op->result;

    op->result = NULL;
    if (rc == AMG_ENOTFOUND) {
        /* The tenant vanished between routing and the callback; the sim
         * never removes tenants, so this is only defensive. */
        json_decref(result);
        sim_reply_text(rep, 404, "Not Found");
    } else if (rc < 0) {
        json_decref(result);
        sim_reply_error(rep, 500, "could not update the tenant state: %s",
                        rc == AMG_ENOMEM ? "out of memory" : "internal error");
    } else if (op->status >= 400) {
        json_decref(result);
        sim_reply_error(rep, op->status, "%s", op->msg);
    } else if (result) {
        sim_reply_json(rep, op->status, result);
    } else {
        sim_reply_empty(rep, op->status);
    }
}

json_t *sim_access_array(json_t *tenant, const char *key)
{
    json_t *arr = json_object_get(tenant, key);

    if (arr)
        return json_is_array(arr) ? arr : NULL;
    arr = json_array();
    if (!arr || json_object_set_new(tenant, key, arr) != 0)
        return NULL;
    return arr;
}

json_t *sim_access_find(const json_t *list, const char *idkey, const char *id, size_t *index)
{
    size_t i;

    for (i = 0; i < json_array_size(list); i++) {
        json_t *item = json_array_get(list, i);
        const char *v = json_string_value(json_object_get(item, idkey));

        if (v && strcmp(v, id) == 0) {
            if (index)
                *index = i;
            return item;
        }
    }
    return NULL;
}

json_t *sim_access_find_name(const json_t *list, const char *name, const char *except_id)
{
    size_t i;

    for (i = 0; i < json_array_size(list); i++) {
        json_t *item = json_array_get(list, i);
        const char *n = json_string_value(json_object_get(item, "name"));
        const char *id = json_string_value(json_object_get(item, "id"));

        if (n && strcmp(n, name) == 0 && !(except_id && id && strcmp(id, except_id) == 0))
            return item;
    }
    return NULL;
}

json_t *sim_access_present_app(const struct sim_env *env, const char *tenant,
                               const json_t *app)
{
    json_t *view = json_deep_copy(app);
    char url[512];
    char discovery[600];

    if (!view)
        return NULL;
    json_object_del(view, "scopes");
    json_object_del(view, "roles");
    snprintf(url, sizeof(url), "%s/oauth/v4/%s", env->base_url, tenant);
    snprintf(discovery, sizeof(discovery), "%s/.well-known/openid-configuration", url);
    if (json_object_set_new(view, "oAuthServerUrl", json_string(url)) != 0 ||
        json_object_set_new(view, "profilesUrl", json_string(env->base_url)) != 0 ||
        json_object_set_new(view, "discoveryEndpoint", json_string(discovery)) != 0) {
        json_decref(view);
        return NULL;
    }
    return view;
}

/* 1 when access entry `entry` is about application `client_id`. */
static int entry_is_for(const json_t *entry, const char *client_id)
{
    const char *app = json_string_value(json_object_get(entry, "application_id"));

    return app && strcmp(app, client_id) == 0;
}

int sim_access_prune_scopes(json_t *roles, const char *client_id, const json_t *kept)
{
    size_t i, j, k;
    json_t *role, *entry;

    json_array_foreach(roles, i, role) {
        json_array_foreach(json_object_get(role, "access"), j, entry) {
            json_t *scopes = json_object_get(entry, "scopes");

            if (!entry_is_for(entry, client_id))
                continue;
            /* Backwards, so removing does not skip the next element. */
            for (k = json_array_size(scopes); k-- > 0;) {
                const char *s = json_string_value(json_array_get(scopes, k));

                if (!s || !sim_array_has_string(kept, s)) {
                    if (json_array_remove(scopes, k) != 0)
                        return AMG_ENOMEM;
                }
            }
        }
    }
    return AMG_OK;
}

int sim_access_forget_app(json_t *roles, const char *client_id)
{
    size_t i, j;
    json_t *role;

    json_array_foreach(roles, i, role) {
        json_t *access = json_object_get(role, "access");

        for (j = json_array_size(access); j-- > 0;) {
            if (entry_is_for(json_array_get(access, j), client_id) &&
                json_array_remove(access, j) != 0)
                return AMG_ENOMEM;
        }
    }
    return AMG_OK;
}

int sim_access_forget_role(json_t *apps, const char *role_id)
{
    size_t i, j;
    json_t *app;

    json_array_foreach(apps, i, app) {
        json_t *ids = json_object_get(app, "roles");

        for (j = json_array_size(ids); j-- > 0;) {
            const char *id = json_string_value(json_array_get(ids, j));

            if (id && strcmp(id, role_id) == 0 && json_array_remove(ids, j) != 0)
                return AMG_ENOMEM;
        }
    }
    return AMG_OK;
}

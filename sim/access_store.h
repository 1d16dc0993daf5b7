/*
 * The tenant's applications and roles as stored in its state object
 * (sim/tenant.h), and the plumbing their handlers share.
 *
 * Keys (other parts of the sim read them, so the shapes are fixed):
 *   "applications": [{clientId, tenantId, secret, name, type,
 *                     scopes: [name...], roles: [roleId...]}]
 *   "roles":        [{id, name, description,
 *                     access: [{application_id, scopes: [name...]}]}]
 * A tenant without the key has none. Every function taking `tenant` works
 * on the live object and must run inside sim_tenants_modify_tenant().
 */
#ifndef SIM_ACCESS_STORE_H
#define SIM_ACCESS_STORE_H

#include <jansson.h>
#include "request.h"

#define SIM_KEY_APPS "applications"
#define SIM_KEY_ROLES "roles"

/*
 * One request's work inside the tenant lock. The handler fills the inputs,
 * the callback sets `status` and either `msg` (>= 400) or `result`, and
 * sim_access_reply() answers from it.
 */
struct sim_access_op {
    const struct sim_env *env;   /* borrowed */
    const char *tenant;          /* borrowed */
    const char *id;              /* clientId or role id from the path; borrowed */
    json_t *body;                /* request body, borrowed; NULL for GET/DELETE */
    int status;
    char msg[512];
    json_t *result;              /* owned: reply body, NULL for none */
};

/* Record an error answer in `op`; returns AMG_OK so callbacks can
 * `return sim_access_fail(...)` (a rejected request is not a failure of
 * the callback). */
int sim_access_fail(struct sim_access_op *op, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Answer `rep` from `op` after the callback returned `rc`, and release
 * op->result. */
void sim_access_reply(struct sim_access_op *op, int rc, struct sim_reply *rep);

/* Live array tenant[key] (borrowed), created empty when missing; NULL on
 * allocation failure or when the stored value is not an array. */
json_t *sim_access_array(json_t *tenant, const char *key);

/* Element of `list` whose string member `idkey` equals `id` (borrowed)
 * and its index, or NULL. */
json_t *sim_access_find(const json_t *list, const char *idkey, const char *id,
                        size_t *index);

/* Element of `list` whose "name" equals `name`, skipping the one whose
 * "id" is `except_id` (may be NULL); borrowed or NULL. */
json_t *sim_access_find_name(const json_t *list, const char *name, const char *except_id);

/* The application object as the API shows it (new reference): the stored
 * fields minus scopes and roles, plus the URLs built from the sim's base
 * URL. NULL on allocation failure. */
json_t *sim_access_present_app(const struct sim_env *env, const char *tenant,
                               const json_t *app);

/* Scopes were removed from application `client_id`: drop every scope not
 * in `kept` from the roles' access entries for it (reference 8.8). */
int sim_access_prune_scopes(json_t *roles, const char *client_id, const json_t *kept);

/* Application `client_id` is gone: drop the roles' access entries for it. */
int sim_access_forget_app(json_t *roles, const char *client_id);

/* Role `role_id` is gone: drop it from every application's roles. */
int sim_access_forget_role(json_t *apps, const char *role_id);

#endif

/*
 * Roles of a tenant (reference section 8.9): /roles and /roles/{id}. A
 * role's access entries name applications and their scopes, so every
 * write runs under the tenant lock together with the check that those
 * exist. State lives in the tenant under "roles" (see access_store.h).
 */
#ifndef SIM_ROLES_ROUTES_H
#define SIM_ROLES_ROUTES_H

#include "request.h"

/* Like sim_apps_handle(), for the roles endpoints. */
int sim_roles_handle(const struct sim_env *env, const char *tenant, const char *subpath,
                     const struct sim_request *req, struct sim_reply *rep);

#endif

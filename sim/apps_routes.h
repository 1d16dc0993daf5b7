/*
 * Applications of a tenant (reference section 8.8): /applications,
 * /applications/{clientId}, its /scopes and its /roles. State lives in the
 * tenant under "applications" (see access_store.h); every change happens
 * under the tenant lock, so concurrent requests never lose an update and a
 * scope removal reaches every role in the same step.
 */
#ifndef SIM_APPS_ROUTES_H
#define SIM_APPS_ROUTES_H

#include "request.h"

/*
 * Handle `req` for `subpath` (below /management/v4/{tenant}) of the
 * existing tenant `tenant`. Returns 1 when `subpath` is an applications
 * endpoint (`rep` then holds the answer, 405 for a wrong method included)
 * and 0 when it is not.
 */
int sim_apps_handle(const struct sim_env *env, const char *tenant, const char *subpath,
                    const struct sim_request *req, struct sim_reply *rep);

#endif

/*
 * Singleton configuration endpoints (reference section 8): GET returns the
 * tenant's stored object, PUT validates and replaces it. One table row per
 * path names the state key, the field table, the PUT status and a few
 * per-resource quirks, so a new endpoint is a few lines.
 */
#ifndef SIM_CONFIG_ROUTES_H
#define SIM_CONFIG_ROUTES_H

#include "request.h"

/*
 * Handle `req` for `subpath` (the path below /management/v4/{tenant}, e.g.
 * "/config/tokens") of the existing tenant `tenant`. Returns 1 when
 * `subpath` is a configuration endpoint (`rep` then holds the answer,
 * including 405 for a wrong method) and 0 when it is not.
 */
int sim_config_handle(const struct sim_env *env, const char *tenant, const char *subpath,
                      const struct sim_request *req, struct sim_reply *rep);

#endif

/*
 * Top-level dispatch of one complete request: IAM token endpoint,
 * management API (bearer check, tenant lookup, endpoint tables), errors
 * for everything else. Independent of libmicrohttpd.
 */
#ifndef SIM_ROUTER_H
#define SIM_ROUTER_H

#include "request.h"

#define SIM_MGMT_PREFIX "/management/v4/"
#define SIM_IAM_PATH "/identity/token"

/* Answer `req` into `rep` (which must start cleared). Never fails: any
 * problem becomes an HTTP error reply. */
void sim_route(const struct sim_env *env, const struct sim_request *req,
               struct sim_reply *rep);

/* Largest body accepted for `method` `path`: SIM_MAX_BODY, more for
 * upload endpoints. */
size_t sim_route_body_limit(const char *method, const char *path);

#endif

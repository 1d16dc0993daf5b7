/*
 * Cloud Directory configuration addressed by path parameters (reference
 * sections 8.2.2 and 8.2.4):
 *   /config/cloud_directory/templates/{templateName}/{language}  GET PUT DELETE
 *   /config/cloud_directory/action_url/{action}                  GET PUT DELETE
 * Templates are kept per tenant under "templates" as
 * {name: {language: stored}}, only the customised ones; action URLs under
 * "action_urls" as {action: {"actionUrl": ...}}, only the ones set.
 */
#ifndef SIM_CD_ROUTES_H
#define SIM_CD_ROUTES_H

#include "request.h"

/* Same contract as sim_config_handle(): 1 when `subpath` is one of the
 * paths above (`rep` holds the answer), 0 when it is not. */
int sim_cd_handle(const struct sim_env *env, const char *tenant, const char *subpath,
                  const struct sim_request *req, struct sim_reply *rep);

#endif

/*
 * MFA channels and extensions (reference sections 8.2.9, 8.2.10):
 *   /config/cloud_directory/mfa/channels                      GET
 *   /config/cloud_directory/mfa/channels/{email|nexmo}        GET PUT
 *   /config/cloud_directory/mfa/extensions/{premfa|postmfa}   GET PUT
 *   /config/cloud_directory/mfa/extensions/{name}/active      PUT
 * Kept per tenant under "mfa_channels" ({"email": {...}, "nexmo": {...}})
 * and "mfa_extensions" ({"premfa": {...}, "postmfa": {...}}). At most one
 * channel is active: activating one deactivates the other, deactivating
 * nexmo falls back to email.
 */
#ifndef SIM_MFA_ROUTES_H
#define SIM_MFA_ROUTES_H

#include "request.h"

/* Same contract as sim_config_handle(). */
int sim_mfa_handle(const struct sim_env *env, const char *tenant, const char *subpath,
                   const struct sim_request *req, struct sim_reply *rep);

#endif

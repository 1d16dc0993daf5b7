/*
 * The OAuth token endpoint of a tenant, resource-owner password grant
 * only: POST /oauth/v4/{tenantId}/token with HTTP Basic credentials of
 * one of the tenant's applications (tenant store key "applications") and
 * form grant_type=password&username=...&password=... . It is what proves
 * that migrated Cloud Directory passwords still work.
 *
 * Tokens are JWT-shaped, HS256 with a random per-process key (opaque to
 * clients, like the IAM tokens of iam.h).
 */
#ifndef SIM_OAUTH_H
#define SIM_OAUTH_H

#include "request.h"

#define SIM_OAUTH_PREFIX "/oauth/v4/"

struct sim_oauth;

/* New signer with a random key; NULL on allocation or RNG failure. */
struct sim_oauth *sim_oauth_new(void);
void sim_oauth_free(struct sim_oauth *o);

/* Answer a request whose path starts with SIM_OAUTH_PREFIX. */
void sim_oauth_handle(const struct sim_env *env, const struct sim_request *req,
                      struct sim_reply *rep);

#endif

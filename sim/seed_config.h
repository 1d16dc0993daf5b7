/*
 * appid-sim-seed, part one: the IAM token and the tenant configuration
 * (IdPs, tokens, redirect URIs, login UI, Cloud Directory settings, an
 * application with scopes and roles), written with plain Management API
 * calls. seed_demo.c seeds the users.
 */
#ifndef SIM_SEED_CONFIG_H
#define SIM_SEED_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <curl/curl.h>

#define SEED_MAX_ROLES 4

struct seed_ctx {
    /* options, borrowed from argv */
    const char *url, *tenant, *key_env, *iam_url;
    size_t n_users, parallel;
    uint64_t seed;
    /* set by seed_connect() */
    char mgmt[1024];               /* URL/management/v4/TENANT */
    struct curl_slist *headers;    /* Authorization, Content-Type, Accept (owned) */
    /* set by seed_configure(): ids of the roles users get (owned) */
    char *role_ids[SEED_MAX_ROLES];
    size_t n_roles;
    /* outcome of seeding users */
    size_t created, existing, failed;
};

/* Fetch an IAM token with the API key from the environment. Logs and
 * returns a negative status on failure. */
int seed_connect(struct seed_ctx *ctx);

/* Write the configuration; roles are created when the service has the
 * /roles endpoint (a warning otherwise). Any other failure is an error. */
int seed_configure(struct seed_ctx *ctx);

/* Release what the context owns. */
void seed_ctx_free(struct seed_ctx *ctx);

/* E-mail address and password of user `i`. */
void seed_user_email(const struct seed_ctx *ctx, size_t i, char *out, size_t len);
void seed_user_password(const struct seed_ctx *ctx, size_t i, char *out, size_t len);

#endif

/*
 * The sim's stand-in for IBM Cloud IAM: POST /identity/token exchanges the
 * sim's API key for a JWT-shaped bearer token signed with HMAC-SHA256 and
 * a random per-process secret, so tokens die with the process.
 */
#ifndef SIM_IAM_H
#define SIM_IAM_H

#include <time.h>

struct sim_iam;
struct sim_request;
struct sim_reply;

/* New IAM with a copy of `api_key` and tokens living `ttl` seconds (0:
 * expired as soon as issued). NULL on allocation or RNG failure. */
struct sim_iam *sim_iam_new(const char *api_key, long ttl);
void sim_iam_free(struct sim_iam *iam);

/* Issue a token at time `now`. *token is a new string the caller frees. */
int sim_iam_issue(const struct sim_iam *iam, time_t now, char **token);

/* 0 when `token` carries this IAM's signature and exp > now; AMG_EAUTH
 * otherwise (malformed, forged or expired). */
int sim_iam_verify(const struct sim_iam *iam, const char *token, time_t now);

/* 0 when `header` (an Authorization header, may be NULL) is
 * "Bearer <valid token>"; else AMG_EAUTH and a short static reason. */
int sim_iam_check_bearer(const struct sim_iam *iam, const char *header, time_t now,
                         const char **why);

/* Handle POST /identity/token: form-urlencoded grant_type + apikey. */
void sim_iam_handle_token(const struct sim_iam *iam, const struct sim_request *req,
                          struct sim_reply *rep);

/* URL-decode `len` bytes of `in` (form rules: '+' is a space) into a new
 * string *out. AMG_EINVAL on a bad %-escape or an encoded NUL. */
int sim_form_decode(const char *in, size_t len, char **out);

#endif

/*
 * JSON shapes of the user-data endpoints (reference 8.10, 8.11): the SCIM
 * user (GetUser), profiles, role references, and the checks of incoming
 * SCIM user bodies. Shared by the Cloud Directory, export/import, profile
 * and OAuth handlers. Functions taking store entries must be called with
 * the tenant's user set locked.
 */
#ifndef SIM_USERS_JSON_H
#define SIM_USERS_JSON_H

#include <jansson.h>
#include "request.h"
#include "schema.h"
#include "users_store.h"

#define SIM_IDP_CD "cloud_directory"
#define SIM_SCIM_USER_SCHEMA "urn:ietf:params:scim:schemas:core:2.0:User"
/* Profile data per user (reference 11: 100 KB), measured as compact JSON
 * of the attributes. */
#define SIM_MAX_ATTRIBUTES 102400

extern const struct sim_field sim_fields_scim_user[];

/* Tenant's roles (tenant store key "roles") as a new array; an absent key
 * is an empty array. NULL only on allocation failure. */
json_t *sim_roles_load(const struct sim_env *env, const char *tenant);
/* Name of role `id` / id of role `name` in `roles`, borrowed; NULL when
 * unknown. */
const char *sim_role_name(const json_t *roles, const char *id);
const char *sim_role_id(const json_t *roles, const char *name);
/* New arrays for a list of role ids: names, or [{id,name}]. Ids of roles
 * that no longer exist are left out. */
json_t *sim_role_names(const json_t *roles, const json_t *ids);
json_t *sim_role_refs(const json_t *roles, const json_t *ids);

/* 1 when the tenant's Cloud Directory identity field is userName, 0 for
 * email (the default). */
int sim_identity_is_username(const struct sim_env *env, const char *tenant);

/* "2019-05-20T16:33:20.699Z" for `ms` since the epoch. */
void sim_iso8601(long long ms, char out[32]);

/*
 * Check a SCIM user body (POST/PUT /cloud_directory/Users, sign_up, the
 * scimUser of an import item). `need_username`: the identity field is
 * userName, so userName is required. Returns 0 or AMG_EINVAL with a
 * message in `msg`.
 */
int sim_scim_check(const json_t *body, int need_username, char *msg, size_t msg_len);

/* Copy of the SCIM attributes of `body` to store: everything but id,
 * meta, schemas, password, originalId; "active" defaults to true and
 * "status" to `status` when absent. New reference or NULL. A shallow
 * copy: its values are `body`'s, so the caller must drop `body` (a
 * request's) without changing it. */
json_t *sim_scim_attrs(const json_t *body, const char *status);

/* GetUser of `u` (new reference, NULL on allocation failure). */
json_t *sim_view_getuser(const char *base_url, const char *tenant,
                         const struct sim_cd_user *u);

/* The profile as GET /users/{id}/profile shows it. */
json_t *sim_view_profile(const char *base_url, const char *tenant, const struct sim_profile *p);

/* Display name and e-mail of a profile (borrowed; NULL when unknown). */
const char *sim_profile_name(const struct sim_profile *p);
const char *sim_profile_email(const struct sim_profile *p);

/* 1 when `idp` is an identity provider name a profile can have (8.11.2):
 * saml, cloud_directory, facebook, google, appid_custom, ibmid. */
int sim_idp_valid(const char *idp);

/* Copy the optional profile members (name, email, picture, gender,
 * locale, preferred_username) that are strings in `from` into `to`. */
int sim_profile_copy_info(json_t *to, const json_t *from);

/* 1 when `attrs` is bigger than SIM_MAX_ATTRIBUTES. */
int sim_attributes_too_large(const json_t *attrs);

/* SCIM error reply: {"detail","schemas":[...Error],"scimType"?,"status":"<code>"}. */
int sim_scim_error(struct sim_reply *rep, int status, const char *scim_type,
                   const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/*
 * Paging parameters startIndex (0-based offset, default 0) and count
 * (default `def`, clamped to `max`). Returns 0, or AMG_EINVAL after
 * writing a message for a value that is not a non-negative integer.
 * *given is set to 1 when either was in the query.
 */
int sim_paging(const struct sim_request *req, size_t def, size_t max, size_t *start,
               size_t *count, int *given, char *msg, size_t msg_len);

#endif

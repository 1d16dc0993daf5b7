/*
 * The user store in the --state file (state.c, format version 2):
 *
 *   "users": { "<tenantId>": {
 *       "cdUsers":  [ {"id", "scim":{...}, "password":"pbkdf2-sha512$...",
 *                      "created", "modified", "passwordUpdated", "lastLogin"?} ],
 *       "profiles": [ {"id", "idp", "idpId", "doc":{...}, "roles":[ids],
 *                      "cdUser"?: "<CD user id>"} ] } }
 *
 * Times are milliseconds since the epoch; "password" is the text form of
 * password.h (salted PBKDF2 hash, never the password). Arrays keep
 * creation order, so export paging survives a restart.
 */
#ifndef SIM_USERS_PERSIST_H
#define SIM_USERS_PERSIST_H

#include <stddef.h>
#include <jansson.h>

struct sim_users;

/* Every tenant's users and profiles in the shape above (new reference),
 * NULL on allocation failure. */
json_t *sim_users_dump(struct sim_users *u);

/* Load `doc` (the "users" member) into `u`. The records' JSON values are
 * taken over by reference, not copied (a 100,000-user file would need
 * twice the memory): the caller must not change `doc` afterwards, only
 * release it. Returns 0, or AMG_EINVAL with a message naming the tenant
 * and record in `msg`, or AMG_ENOMEM. */
int sim_users_load(struct sim_users *u, const json_t *doc, char *msg, size_t msg_len);

#endif

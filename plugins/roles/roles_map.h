/*
 * Pure transformations of the roles plugin (no host calls), unit-tested
 * in tests/unit/test_plugin_roles.c. A role's access entries name
 * applications by clientId, which differs in every instance (reference
 * 8.9): the snapshot keeps each application's name beside its old
 * clientId, so a restore can find the application in the target.
 */
#ifndef AMGP_ROLES_MAP_H
#define AMGP_ROLES_MAP_H

#include <jansson.h>
#include "pluginutil.h"

#define AMGP_ROLES_MAX 50
#define AMGP_ROLES_MAX_ACCESS 200   /* one entry per application at most */

/*
 * Snapshot record of `role` (an API Role, borrowed): {id, name,
 * description, access: [{application_id, application_name, scopes}]},
 * names looked up in `apps` (the GET /applications array). An access entry
 * whose application `apps` does not hold is left out and counted in
 * *dropped. A missing description becomes "". New reference; NULL when the
 * role lacks a string id or name, or on allocation failure.
 */
AMGP_HIDDEN json_t *amgp_roles_record(const json_t *role, const json_t *apps,
                                      size_t *dropped);

/* Maps one access entry to the target's clientId (borrowed, valid while
 * the caller's data lives), NULL when the target has no such application. */
typedef const char *(*amgp_roles_resolve_fn)(void *ud, const char *old_id,
                                             const char *app_name);

/*
 * Request body for the target from snapshot record `rec`: {name,
 * description, access: [{application_id: resolved, scopes}]}, without the
 * old id and the application names. When an entry cannot be resolved,
 * returns NULL with *missing set to its index; on allocation failure NULL
 * with *missing -1.
 */
AMGP_HIDDEN json_t *amgp_roles_body(const json_t *rec, amgp_roles_resolve_fn resolve,
                                    void *ud, long *missing);

/* 1 when target role `have` already says what body `want` says: the same
 * description (absent counts as "") and the same applications with the
 * same scopes, in any order. */
AMGP_HIDDEN int amgp_roles_same(const json_t *have, const json_t *want);

/* What differs between target role `have` and body `want`, in the terms
 * of amgp_roles_same(): a mask of the AMGP_ROLES_DIFF_* bits, 0 when the
 * same. */
#define AMGP_ROLES_DIFF_DESCRIPTION 1
#define AMGP_ROLES_DIFF_ACCESS 2
AMGP_HIDDEN int amgp_roles_diff(const json_t *have, const json_t *want);

/* First element of `list` whose "name" is `name` (borrowed), or NULL. */
AMGP_HIDDEN json_t *amgp_roles_find_name(const json_t *list, const char *name);

/* 1 when `id` is safe inside a URL path: 1..128 of [A-Za-z0-9._-]. */
AMGP_HIDDEN int amgp_roles_id_ok(const char *id);

#endif

/*
 * Pure transformations of the application_roles plugin (no host calls),
 * unit-tested in tests/unit/test_plugin_application_roles.c. Application
 * roles (reference 8.8) give an application roles for the
 * client-credentials flow; both sides are ids that differ in every
 * instance, so the snapshot keeps the names too.
 */
#ifndef AMGP_APPLICATION_ROLES_MAP_H
#define AMGP_APPLICATION_ROLES_MAP_H

#include <jansson.h>
#include "pluginutil.h"

/*
 * Snapshot record for application `app` (an API Application, borrowed)
 * and `roles` (the array of GET /applications/{id}/roles, borrowed):
 * {application_name, clientId, roles: [{id, name}]}, other members of the
 * role entries left out. New reference; NULL when `app` lacks a string
 * clientId or name, a role entry lacks a string id or name, or on
 * allocation failure.
 */
AMGP_HIDDEN json_t *amgp_approles_record(const json_t *app, const json_t *roles);

/* The "id" strings of an array of {id, name} (new array), NULL on
 * allocation failure. */
AMGP_HIDDEN json_t *amgp_approles_ids(const json_t *roles);

/* `current` followed by the ids of `add` it lacks (new array, NULL on
 * allocation failure). Import never takes a role away from an
 * application. */
AMGP_HIDDEN json_t *amgp_approles_union(const json_t *current, const json_t *add);

/* Names of the roles of `want` (an array of {id, name}, ids as in the
 * target) whose id is not among the ids of `current` (array of strings):
 * what an import adds, in order. New array, NULL on allocation failure. */
AMGP_HIDDEN json_t *amgp_approles_missing_names(const json_t *current, const json_t *want);

/* First object of `list` whose string member `key` equals `value`
 * (borrowed), or NULL. */
AMGP_HIDDEN json_t *amgp_approles_find(const json_t *list, const char *key,
                                       const char *value);

/* 1 when `id` is safe inside a URL path: 1..128 of [A-Za-z0-9._-]. */
AMGP_HIDDEN int amgp_approles_id_ok(const char *id);

#endif

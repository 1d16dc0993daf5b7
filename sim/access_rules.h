/*
 * Rules for applications, scopes and roles (reference sections 8.8, 8.9
 * and 11) that need no state: request field tables for sim_schema_check()
 * and the name checks. The checks that compare with what the tenant holds
 * (unknown ids, unique role names, limits) are in the route handlers.
 */
#ifndef SIM_ACCESS_RULES_H
#define SIM_ACCESS_RULES_H

#include <jansson.h>
#include "schema.h"

#define SIM_MAX_APPS 200
#define SIM_MAX_SCOPES 50
#define SIM_MAX_ROLES 50
#define SIM_APP_NAME_MAX 50     /* characters, "1..50" */
#define SIM_SCOPE_NAME_MAX 49   /* "< 50 chars" */

/* POST /applications {name!, type?}. */
extern const struct sim_field sim_fields_app_create[];
/* PUT /applications/{clientId} {name!}. */
extern const struct sim_field sim_fields_app_update[];
/* PUT /applications/{clientId}/scopes {scopes!: [...]}, at most 50. */
extern const struct sim_field sim_fields_scopes[];
/* POST and PUT /roles {name!, description?, access!: [{application_id!,
 * scopes!}]}. */
extern const struct sim_field sim_fields_role[];
/* PUT /applications/{clientId}/roles {roles!: {ids!: [...]}}. */
extern const struct sim_field sim_fields_app_roles[];

/* NULL when `name` is a valid application name, else a static text
 * completing "field 'name' ...". Counts characters, not bytes. */
const char *sim_app_name_problem(const char *name);

/* NULL when `name` is a valid scope name, else a static text completing
 * "field 'scopes[i]' ...". */
const char *sim_scope_name_problem(const char *name);

/* Index of the first string in `arr` that repeats an earlier element,
 * or -1 when all strings differ. Non-strings are ignored. */
long sim_first_duplicate(const json_t *arr);

/* 1 when the array `arr` holds the string `s`. */
int sim_array_has_string(const json_t *arr, const char *s);

#endif

/*
 * Pure transformations of the applications plugin (no host calls), so the
 * unit tests (tests/unit/test_plugin_applications.c) can check them
 * without a server. Rules are those of reference sections 8.8 and 11.
 */
#ifndef AMGP_APPLICATIONS_MAP_H
#define AMGP_APPLICATIONS_MAP_H

#include <jansson.h>
#include "pluginutil.h"

#define AMGP_APPS_MAX 200
#define AMGP_APPS_MAX_SCOPES 50

/*
 * The snapshot record of application `app` (an API Application object,
 * borrowed) with its `scopes` (array, borrowed): {clientId, name, type,
 * scopes}. The secret and the URLs are left out: App ID makes new ones on
 * restore. A missing type is "regularwebapp", the API's default. New
 * reference; NULL when `app` lacks a string clientId or name, or on
 * allocation failure.
 */
AMGP_HIDDEN json_t *amgp_apps_record(const json_t *app, const json_t *scopes);

/* The target's scopes followed by those of `want` it lacks, in order (new
 * reference, NULL on allocation failure). Import never removes a scope:
 * App ID would also take it away from every role. */
AMGP_HIDDEN json_t *amgp_apps_scopes_union(const json_t *target, const json_t *want);

/* The scopes of `want` the target lacks, in order, each once: what an
 * import adds (new reference, NULL on allocation failure). */
AMGP_HIDDEN json_t *amgp_apps_scopes_missing(const json_t *target, const json_t *want);

/* First application in `apps` named `name` (borrowed) or NULL. */
AMGP_HIDDEN json_t *amgp_apps_find_name(const json_t *apps, const char *name);

/* NULL when fine, else a static text saying what is wrong. */
AMGP_HIDDEN const char *amgp_apps_name_problem(const char *name);
AMGP_HIDDEN const char *amgp_apps_scope_problem(const char *scope);
AMGP_HIDDEN const char *amgp_apps_type_problem(const char *type);

/* 1 when `id` is safe inside a URL path: 1..128 of [A-Za-z0-9._-]. */
AMGP_HIDDEN int amgp_apps_id_ok(const char *id);

#endif

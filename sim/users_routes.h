/*
 * Endpoints of the user-data half of appid-sim (reference 8.10, 8.11):
 * Cloud Directory users, their export/import (paged and asynchronous),
 * user profiles. This module matches the path and method and calls the
 * handler of one of cd_users.c, cd_transfer.c, cd_async.c, profiles.c.
 */
#ifndef SIM_USERS_ROUTES_H
#define SIM_USERS_ROUTES_H

#include <stddef.h>
#include "request.h"

/* Upload limit of POST .../cloud_directory/import/all (a whole
 * directory export; 100,000 users are some 90 MB). */
#define SIM_MAX_UPLOAD (256u * 1024 * 1024)

/*
 * A user-data handler. `id` is the path segment the route's '*' matched
 * (a user or profile id), "" when the route has none.
 */
typedef void (*sim_user_handler)(const struct sim_env *env, const char *tenant,
                                 const char *id, const struct sim_request *req,
                                 struct sim_reply *rep);

/*
 * Handle `req` for `subpath` (below /management/v4/{tenant}) of existing
 * tenant `tenant`. Returns 1 when the path is a user-data endpoint (`rep`
 * holds the answer, 405 with Allow for a wrong method) and 0 otherwise
 * (also when env->users or env->jobs is NULL).
 */
int sim_users_handle(const struct sim_env *env, const char *tenant, const char *subpath,
                     const struct sim_request *req, struct sim_reply *rep);

/* 1 when `path` (a full request path) is the upload endpoint that accepts
 * bodies up to SIM_MAX_UPLOAD. */
int sim_users_is_upload(const char *method, const char *path);

#endif

/*
 * Cloud Directory user records (reference 8.10.1, 8.10.2): SCIM CRUD on
 * /cloud_directory/Users (SCIM error objects), sign_up, remove, userinfo.
 * Handlers of the sim_user_handler type (users_routes.h).
 */
#ifndef SIM_CD_USERS_H
#define SIM_CD_USERS_H

#include "users_routes.h"

void sim_cd_users_list(const struct sim_env *env, const char *tenant, const char *id,
                       const struct sim_request *req, struct sim_reply *rep);
void sim_cd_users_create(const struct sim_env *env, const char *tenant, const char *id,
                         const struct sim_request *req, struct sim_reply *rep);
void sim_cd_user_get(const struct sim_env *env, const char *tenant, const char *id,
                     const struct sim_request *req, struct sim_reply *rep);
void sim_cd_user_put(const struct sim_env *env, const char *tenant, const char *id,
                     const struct sim_request *req, struct sim_reply *rep);
void sim_cd_user_delete(const struct sim_env *env, const char *tenant, const char *id,
                        const struct sim_request *req, struct sim_reply *rep);
void sim_cd_sign_up(const struct sim_env *env, const char *tenant, const char *id,
                    const struct sim_request *req, struct sim_reply *rep);
void sim_cd_remove(const struct sim_env *env, const char *tenant, const char *id,
                   const struct sim_request *req, struct sim_reply *rep);
void sim_cd_userinfo(const struct sim_env *env, const char *tenant, const char *id,
                     const struct sim_request *req, struct sim_reply *rep);

#endif

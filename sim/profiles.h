/*
 * User profiles of all identity providers (reference 8.11): search,
 * pre-registration, export/import of non-Cloud-Directory profiles, one
 * profile's attributes and roles. Handlers of the sim_user_handler type
 * (users_routes.h).
 */
#ifndef SIM_PROFILES_H
#define SIM_PROFILES_H

#include "users_routes.h"

void sim_profiles_search(const struct sim_env *env, const char *tenant, const char *id,
                         const struct sim_request *req, struct sim_reply *rep);
void sim_profiles_preregister(const struct sim_env *env, const char *tenant, const char *id,
                              const struct sim_request *req, struct sim_reply *rep);
void sim_profiles_export(const struct sim_env *env, const char *tenant, const char *id,
                         const struct sim_request *req, struct sim_reply *rep);
void sim_profiles_import(const struct sim_env *env, const char *tenant, const char *id,
                         const struct sim_request *req, struct sim_reply *rep);
void sim_profile_delete(const struct sim_env *env, const char *tenant, const char *id,
                        const struct sim_request *req, struct sim_reply *rep);
void sim_profile_get(const struct sim_env *env, const char *tenant, const char *id,
                     const struct sim_request *req, struct sim_reply *rep);
void sim_profile_put(const struct sim_env *env, const char *tenant, const char *id,
                     const struct sim_request *req, struct sim_reply *rep);
void sim_profile_roles_get(const struct sim_env *env, const char *tenant, const char *id,
                           const struct sim_request *req, struct sim_reply *rep);
void sim_profile_roles_put(const struct sim_env *env, const char *tenant, const char *id,
                           const struct sim_request *req, struct sim_reply *rep);

#endif

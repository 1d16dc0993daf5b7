/*
 * Asynchronous Cloud Directory export and import (reference 8.10.5; the
 * response shapes are UNCERTAIN there, the sim follows its suggestions).
 *
 * The sim does the work inside the request, so a request is COMPLETED (or
 * FAILED) by the time its id is returned; no e-mail is sent. An export is
 * written to an unlinked temporary file and streamed from it on download,
 * so a 100,000-user export never sits in memory. Requests live until
 * they expire (export: `expires` days, default 7), are deleted, or the
 * sim stops; they are not saved in the state file.
 */
#ifndef SIM_CD_ASYNC_H
#define SIM_CD_ASYNC_H

#include "users_routes.h"

struct sim_jobs;

/* New, empty request table; NULL on allocation failure. */
struct sim_jobs *sim_jobs_new(void);
/* Free all requests and close their files. NULL is a no-op. */
void sim_jobs_free(struct sim_jobs *jobs);

void sim_cd_export_all(const struct sim_env *env, const char *tenant, const char *id,
                       const struct sim_request *req, struct sim_reply *rep);
void sim_cd_export_status(const struct sim_env *env, const char *tenant, const char *id,
                          const struct sim_request *req, struct sim_reply *rep);
void sim_cd_export_download(const struct sim_env *env, const char *tenant, const char *id,
                            const struct sim_request *req, struct sim_reply *rep);
void sim_cd_export_delete(const struct sim_env *env, const char *tenant, const char *id,
                          const struct sim_request *req, struct sim_reply *rep);
void sim_cd_import_all(const struct sim_env *env, const char *tenant, const char *id,
                       const struct sim_request *req, struct sim_reply *rep);
void sim_cd_import_status(const struct sim_env *env, const char *tenant, const char *id,
                          const struct sim_request *req, struct sim_reply *rep);

#endif

/*
 * Cloud Directory export and import with password hashes (reference
 * 8.10.3, 8.10.4): the paged GET /cloud_directory/export, the batched
 * POST /cloud_directory/import, and the item codec that the asynchronous
 * export/import (cd_async.c) shares with them.
 *
 * An item is {"scimUser":{...,"originalId"}, "passwordHash", "passwordHashAlg",
 * "profile":{"attributes"}, "roles":[names]}; passwordHash is sealed with
 * the key of the caller's encryption secret (password.h).
 */
#ifndef SIM_CD_TRANSFER_H
#define SIM_CD_TRANSFER_H

#include <jansson.h>
#include "password.h"
#include "users_routes.h"
#include "users_store.h"

/* Largest page of GET /cloud_directory/export and batch of import. */
#define SIM_CD_BATCH 50

void sim_cd_export(const struct sim_env *env, const char *tenant, const char *id,
                   const struct sim_request *req, struct sim_reply *rep);
void sim_cd_import(const struct sim_env *env, const char *tenant, const char *id,
                   const struct sim_request *req, struct sim_reply *rep);

/* Export item of `u` (its set locked). `roles` is the tenant's role
 * table. New reference, NULL on failure. */
json_t *sim_cd_export_item(const unsigned char key[SIM_EXPORT_KEY_LEN], const json_t *roles,
                           const struct sim_cd_user *u);

/* Running state of one import request. */
struct sim_cd_import {
    unsigned char key[SIM_EXPORT_KEY_LEN];
    json_t *roles;          /* owned role table */
    int need_username;      /* the target's identity field is userName */
    size_t added, failed;
    json_t *fail_reasons;   /* owned array */
};

/* Start an import with `secret`: derive the key, load the roles. 0,
 * AMG_EINVAL (empty secret), AMG_ENOMEM, AMG_EIO. */
int sim_cd_import_begin(struct sim_cd_import *imp, const struct sim_env *env,
                        const char *tenant, const char *secret);

/*
 * Import one item into `set` (write-locked): a new user with a new id and
 * a profile with the item's attributes and roles. A bad item is counted
 * in imp->failed with a reason; only running out of memory is an error
 * (AMG_ENOMEM).
 */
int sim_cd_import_item(struct sim_cd_import *imp, struct sim_uset *set, const json_t *item);

/* {"added","failed","failReasons"} as a new reference (NULL: no memory). */
json_t *sim_cd_import_result(const struct sim_cd_import *imp);

void sim_cd_import_end(struct sim_cd_import *imp);

#endif

/*
 * Internals of the user store shared by users_store.c (tenant sets, CD
 * users) and users_profiles.c (profiles). Not for other modules: they use
 * users_store.h.
 */
#ifndef SIM_USERS_STORE_PRIV_H
#define SIM_USERS_STORE_PRIV_H

#include <pthread.h>
#include <stddef.h>
#include "users_store.h"

#define SIM_IDP_CD "cloud_directory"

struct sim_uvec {
    void **items;
    size_t n, cap;
};

struct sim_uset {
    pthread_rwlock_t lock;
    char tenant[65];
    struct sim_uvec users;       /* struct sim_cd_user *, creation order */
    struct sim_uvec profiles;    /* struct sim_profile *, creation order */
    struct sim_uvec ext;         /* profiles whose idp is not Cloud Directory */
    struct sim_strmap *user_ids, *emails, *names;
    struct sim_strmap *profile_ids, *identities;
};

/* Append `item` (borrowed). 0 or AMG_ENOMEM. */
int sim_uvec_push(struct sim_uvec *v, void *item);

/* Remove item `i`, keeping the order; `reindex` updates the position kept
 * in each item that moved. O(n) but a memmove of pointers. */
void sim_uvec_remove(struct sim_uvec *v, size_t i, void (*reindex)(void *item, size_t pos));

/* Free a profile that is in no set (or whose set is being freed). */
void sim_profile_free(struct sim_profile *p);

#endif

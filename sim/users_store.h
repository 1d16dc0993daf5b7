/*
 * User data of appid-sim: Cloud Directory (CD) users and user profiles,
 * per tenant, built for 100,000 users per tenant.
 *
 * Each tenant has a set guarded by its own rwlock. Users and profiles sit
 * in arrays in creation order (so export pages are served by offset
 * without scanning) and are indexed by hash maps: CD users by id,
 * lower-cased identity e-mail and lower-cased userName; profiles by id
 * and by IdP identity (idp + IdP user id). Non-CD profiles have a second
 * ordered array for /users/export.
 *
 * Usage: lock a tenant's set with sim_users_read() or sim_users_write(),
 * call the sim_uset_* functions, sim_users_unlock(). Entry pointers are
 * borrowed and valid only while the set stays locked; write functions
 * need the write lock. Slow work (PBKDF2) belongs outside the lock.
 */
#ifndef SIM_USERS_STORE_H
#define SIM_USERS_STORE_H

#include <stddef.h>
#include <jansson.h>
#include "password.h"

#define SIM_ID_LEN 36   /* UUID text */

struct sim_users;
struct sim_uset;
struct sim_profile;

struct sim_cd_user {
    char id[SIM_ID_LEN + 1];
    /* SCIM attributes as the client set them: userName, displayName,
     * name, emails, active, status, lockedUntil, ... (never id, meta,
     * schemas, password). Owned; change only through sim_uset_cd_update. */
    json_t *scim;
    struct sim_pwhash pw;
    long long created_ms, modified_ms, last_login_ms, pw_updated_ms;   /* 0: never */
    struct sim_profile *profile;   /* NULL when the user has none */
    /* private */
    size_t pos;
    char *email_key, *name_key;
};

struct sim_profile {
    char id[SIM_ID_LEN + 1];
    char *idp;          /* "cloud_directory", "google", "saml", ... */
    char *idp_id;       /* user id at the IdP (the CD user id for CD) */
    /* Owned: {"attributes":{...}, and for non-CD profiles optionally
     * name, email, picture, gender, locale, preferred_username,
     * idpUserInfo}. Handlers may change members other than identity. */
    json_t *doc;
    json_t *roles;      /* owned array of role ids */
    struct sim_cd_user *cd;   /* linked CD user, NULL otherwise */
    /* private */
    size_t pos, ext_pos;
    char *identity_key;
};

/* New, empty; NULL on allocation failure. */
struct sim_users *sim_users_new(void);
void sim_users_free(struct sim_users *u);

/* Lock tenant `tenant`'s set (created empty on first use). NULL only on
 * allocation failure. */
struct sim_uset *sim_users_read(struct sim_users *u, const char *tenant);
struct sim_uset *sim_users_write(struct sim_users *u, const char *tenant);
void sim_users_unlock(struct sim_uset *s);

/* Tenants that have a set, as a new array of strings (state saving). */
json_t *sim_users_tenants(struct sim_users *u);

/* A random version-4 UUID. 0 or AMG_EIO. */
int sim_new_id(char out[SIM_ID_LEN + 1]);

/* Milliseconds since the epoch. */
long long sim_now_ms(void);

/* ---- Cloud Directory users ---- */

size_t sim_uset_cd_count(const struct sim_uset *s);
struct sim_cd_user *sim_uset_cd_at(const struct sim_uset *s, size_t i);
struct sim_cd_user *sim_uset_cd_get(const struct sim_uset *s, const char *id);
/* Case-insensitive lookups of the identity e-mail / the userName. */
struct sim_cd_user *sim_uset_cd_by_email(const struct sim_uset *s, const char *email);
struct sim_cd_user *sim_uset_cd_by_username(const struct sim_uset *s, const char *name);

/* The identity e-mail of SCIM attributes: the primary entry of "emails",
 * else the first; NULL when there is none. Borrowed from `scim`. */
const char *sim_scim_email(const json_t *scim);

/*
 * Add a CD user with attributes `scim` (stolen, also on failure) and
 * password `pw`. `id` NULL picks a new id (loading state passes the saved
 * one). On AMG_EEXIST *clash names the user that already has the e-mail
 * or userName and *field says which ("email" / "userName").
 * Returns 0 (*out set), AMG_EEXIST, AMG_ENOMEM, AMG_EIO.
 */
int sim_uset_cd_add(struct sim_uset *s, const char *id, json_t *scim,
                    const struct sim_pwhash *pw, struct sim_cd_user **out,
                    struct sim_cd_user **clash, const char **field);

/* Replace a user's attributes (stolen) and, when `pw` is not NULL, its
 * password. Uniqueness as for add; the user is unchanged on failure. */
int sim_uset_cd_update(struct sim_uset *s, struct sim_cd_user *user, json_t *scim,
                       const struct sim_pwhash *pw, struct sim_cd_user **clash,
                       const char **field);

/* Delete a user, and its profile when `with_profile`; otherwise the
 * profile stays, unlinked. */
void sim_uset_cd_remove(struct sim_uset *s, struct sim_cd_user *user, int with_profile);

/* ---- Profiles ---- */

size_t sim_uset_profile_count(const struct sim_uset *s);
struct sim_profile *sim_uset_profile_at(const struct sim_uset *s, size_t i);
/* Profiles of other IdPs than Cloud Directory, in creation order. */
size_t sim_uset_ext_count(const struct sim_uset *s);
struct sim_profile *sim_uset_ext_at(const struct sim_uset *s, size_t i);
struct sim_profile *sim_uset_profile_get(const struct sim_uset *s, const char *id);
struct sim_profile *sim_uset_profile_by_identity(const struct sim_uset *s, const char *idp,
                                                 const char *idp_id);

/*
 * Add a profile for identity (`idp`, `idp_id`). `doc` and `roles` are
 * stolen (also on failure; NULL: empty). `cd` links a CD user that has
 * no profile yet (idp must then be "cloud_directory" and idp_id its id).
 * `id` NULL picks a new id. Returns 0 (*out set), AMG_EEXIST when the
 * identity has a profile already (*out set to it), AMG_EINVAL, AMG_ENOMEM.
 */
int sim_uset_profile_add(struct sim_uset *s, const char *id, const char *idp,
                         const char *idp_id, json_t *doc, json_t *roles,
                         struct sim_cd_user *cd, struct sim_profile **out);

/* Delete a profile; a linked CD user stays, without profile. */
void sim_uset_profile_remove(struct sim_uset *s, struct sim_profile *p);

#endif

/*
 * Tenant state of appid-sim. Each tenant is one JSON object holding every
 * resource under a fixed key ("tokens", "redirect_uris", ...). A new
 * tenant starts with the defaults of a freshly provisioned App ID instance
 * (reference section 12). One mutex guards all tenants: handlers run on
 * MHD's thread pool, and every access copies values in or out under it.
 */
#ifndef SIM_TENANT_H
#define SIM_TENANT_H

#include <jansson.h>

struct sim_tenants;

/* New empty set; free with sim_tenants_free(). NULL on allocation failure. */
struct sim_tenants *sim_tenants_new(void);
void sim_tenants_free(struct sim_tenants *t);

/* 1 when `id` is a usable tenant id: 1..64 characters of [A-Za-z0-9_-]. */
int sim_tenant_id_valid(const char *id);

/*
 * Add tenant `id`. `state` (borrowed, may be NULL) is its saved object:
 * it is copied and any resource missing from it gets its default. Adding
 * an existing tenant without state keeps it unchanged. Returns 0,
 * AMG_EINVAL for a bad id or a non-object state, AMG_ENOMEM.
 */
int sim_tenants_add(struct sim_tenants *t, const char *id, const json_t *state);

/* 1 if the tenant exists. */
int sim_tenants_has(struct sim_tenants *t, const char *id);

/* Number of tenants. */
size_t sim_tenants_count(struct sim_tenants *t);

/*
 * Copy of resource `key` of tenant `id` (a new reference), or NULL when the
 * tenant or key does not exist.
 */
json_t *sim_tenants_get(struct sim_tenants *t, const char *id, const char *key);

/* Replace resource `key` of tenant `id`. Steals `value`. Returns 0,
 * AMG_ENOTFOUND (value released) or AMG_ENOMEM. */
int sim_tenants_set(struct sim_tenants *t, const char *id, const char *key, json_t *value);

/*
 * Read-modify-write of resource `key` of tenant `id` under the tenants'
 * lock, so that concurrent requests (two POSTs creating roles, say) never
 * lose an update. `fn` gets the live value (NULL when the tenant has no
 * such key yet) and may change it in place, or return a replacement in
 * *replace (stolen; the old value is released). Whatever `fn` returns is
 * returned; AMG_ENOTFOUND when the tenant does not exist (fn not called).
 * `fn` must be quick and must not call back into sim_tenants_*.
 */
int sim_tenants_modify(struct sim_tenants *t, const char *id, const char *key,
                       int (*fn)(json_t *value, json_t **replace, void *ud), void *ud);

/*
 * Like sim_tenants_modify(), for changes that span several resources
 * (a role refers to applications and their scopes): `fn` gets the live
 * tenant object, reads and changes any of its keys in place under the
 * lock, and must leave it unchanged when it returns an error. Returns
 * what `fn` returns, or AMG_ENOTFOUND when the tenant does not exist.
 */
int sim_tenants_modify_tenant(struct sim_tenants *t, const char *id,
                              int (*fn)(json_t *tenant, void *ud), void *ud);

/* Deep copy of all tenants as {id: {...}} (new reference), NULL on
 * allocation failure. */
json_t *sim_tenants_dump(struct sim_tenants *t);

/* Default value of resource `key` (new reference), NULL for an unknown
 * key. */
json_t *sim_tenant_default(const char *key);

#endif

/*
 * A string-keyed hash map (open addressing, linear probing, backward-shift
 * deletion) for the user store's indexes: 100,000 users per tenant need
 * O(1) lookups by id, e-mail and userName. Not thread-safe: the owner
 * locks. Keys are copied; values are borrowed pointers the map never
 * frees.
 */
#ifndef SIM_STRMAP_H
#define SIM_STRMAP_H

#include <stddef.h>

struct sim_strmap;

/* New empty map; NULL on allocation failure. */
struct sim_strmap *sim_strmap_new(void);
void sim_strmap_free(struct sim_strmap *m);

/* The value stored under `key`, or NULL. */
void *sim_strmap_get(const struct sim_strmap *m, const char *key);

/* Store `value` (not NULL) under `key`, replacing any previous value.
 * Returns 0 or AMG_ENOMEM (map unchanged). */
int sim_strmap_put(struct sim_strmap *m, const char *key, void *value);

/* Remove `key`; returns its value or NULL when absent. */
void *sim_strmap_del(struct sim_strmap *m, const char *key);

size_t sim_strmap_count(const struct sim_strmap *m);

#endif

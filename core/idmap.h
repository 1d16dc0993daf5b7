/*
 * Old id -> new id, per kind ("application", "role", "cd_user", ...),
 * shared by the plugins of one import run and written into the report.
 */
#ifndef AMG_IDMAP_H
#define AMG_IDMAP_H

#include <jansson.h>

struct amg_idmap;

int amg_idmap_new(struct amg_idmap **out);
void amg_idmap_free(struct amg_idmap *m);

/* Strings are copied. Putting an existing (kind, old) replaces new.
 * AMG_EINVAL for a NULL map, NULL or empty strings, or strings that are
 * not UTF-8 (they could not appear in the JSON report). */
int amg_idmap_put(struct amg_idmap *m, const char *kind, const char *old_id,
                  const char *new_id);

/* New id, owned by the map (valid until that entry is replaced or the
 * map freed), or NULL. */
const char *amg_idmap_get(const struct amg_idmap *m, const char *kind,
                          const char *old_id);

/* {"kind": {"old": "new", ...}, ...}; new reference (a copy: later puts
 * do not change it), NULL when out of memory. Kinds starting with '_' are
 * left out: plugins' notes to each other, not ids for the operator. */
json_t *amg_idmap_to_json(const struct amg_idmap *m);

#endif

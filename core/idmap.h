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

/* Strings are copied. Putting an existing (kind, old) replaces new. */
int amg_idmap_put(struct amg_idmap *m, const char *kind, const char *old_id,
                  const char *new_id);

/* New id, owned by the map, or NULL. */
const char *amg_idmap_get(const struct amg_idmap *m, const char *kind,
                          const char *old_id);

/* {"kind": {"old": "new", ...}, ...}; new reference. */
json_t *amg_idmap_to_json(const struct amg_idmap *m);

#endif

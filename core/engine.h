/*
 * The migration engine: runs the plugins' hooks in dependency order
 * against a source instance (export), a target instance (import) or a
 * snapshot alone (validate). Selection rules (--only/--exclude) are in
 * docs/appid-migrate.1 and docs/plugin-guide.md.
 */
#ifndef AMG_ENGINE_H
#define AMG_ENGINE_H

#include <stddef.h>
#include "config.h"
#include "loader.h"

struct amg_engine;

/* Orders the plugins of `set` (borrowed, must outlive the engine);
 * AMG_ECYCLE / AMG_EDEP (logged) when the graph is broken. `cfg` is
 * borrowed too. */
int amg_engine_new(const struct amg_config *cfg, const struct amg_plugin_set *set,
                   struct amg_engine **out);
void amg_engine_free(struct amg_engine *e);

/* Number of plugins and the i-th plugin in run order (borrowed). */
size_t amg_engine_count(const struct amg_engine *e);
const struct amg_loaded_plugin *amg_engine_plugin(const struct amg_engine *e, size_t i);

struct amg_selection {
    const char *only;      /* comma list or NULL */
    const char *exclude;   /* comma list or NULL */
};

/* Export `instance` into a new snapshot under `output_dir` (NULL: the
 * config's snapshot_dir). On success *snapshot_path is a new string. Any
 * failure leaves no finished snapshot. */
int amg_engine_export(struct amg_engine *e, const char *instance, const char *output_dir,
                      const struct amg_selection *sel, char **snapshot_path);

/* Restore `snapshot` into `instance`. The snapshot is verified and every
 * selected plugin's validate hook runs before the first write. Returns
 * AMG_EPARTIAL when some objects or plugins failed. */
int amg_engine_import(struct amg_engine *e, const char *instance, const char *snapshot,
                      const struct amg_selection *sel);

/* Checksums, format and every plugin's validate hook; no network. */
int amg_engine_validate(struct amg_engine *e, const char *snapshot);

#endif

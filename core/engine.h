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
#include "conflict.h"
#include "loader.h"
#include "progress.h"

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

/* How runs behave; set with amg_engine_set_opts(), all zero by default. */
struct amg_run_opts {
    int dry_run;                      /* import: plan only, write nothing */
    const char *plan_out;             /* import --dry-run: JSON plan file, "-" for
                                       * stdout; NULL for none. Borrowed. */
    enum amg_progress_mode progress;  /* live line, log lines or nothing */
    int no_report;                    /* internal runs (verify): no report file */
    int no_resume;                    /* import: ignore and remove the target's
                                       * journal instead of resuming from it */
    enum amg_conflict on_conflict;    /* import: objects that exist in the target;
                                       * see amg_conflict_import() */
};

/* Copies `opts` (its strings stay borrowed). */
void amg_engine_set_opts(struct amg_engine *e, const struct amg_run_opts *opts);
void amg_engine_set_no_report(struct amg_engine *e, int no_report);

struct amg_selection {
    const char *only;      /* comma list or NULL */
    const char *exclude;   /* comma list or NULL */
};

/* Names of the plugins `sel` selects, exactly (no dependencies pulled
 * in), in run order: a new NULL-terminated array of borrowed names (free
 * the array only). AMG_EUSAGE (logged) for an unknown name. */
int amg_engine_selection(struct amg_engine *e, const struct amg_selection *sel,
                         const char ***names);

/* Export `instance` into a new snapshot under `output_dir` (NULL: the
 * config's snapshot_dir). On success *snapshot_path is a new string. Any
 * failure leaves no finished snapshot. Writes a run report (also when it
 * fails) and prints its summary on stderr: stdout is the caller's. */
int amg_engine_export(struct amg_engine *e, const char *instance, const char *output_dir,
                      const struct amg_selection *sel, char **snapshot_path);

/* Restore `snapshot` into `instance`. The snapshot is verified and every
 * selected plugin's validate hook runs before the first write. Returns
 * AMG_EPARTIAL when some objects or plugins failed. With opts.dry_run the
 * import is planned instead: the plan is printed (and written to
 * opts.plan_out) and no write request reaches the instance; plugins built
 * for ABI < 1.3 cannot plan and are skipped.
 *
 * A real import keeps a journal (journal.h) under the config's
 * snapshot_dir while it runs and holds the target's import lock
 * (AMG_EEXIST when another import into it runs). When the journal of an
 * earlier, unfinished import of the same snapshot with the same selection
 * exists, the import resumes: the plugins it records as done are skipped
 * (report status "skipped", note "already done (journal)") and the
 * others run; opts.no_resume removes it and starts over instead. Another
 * import into the target replaces it. A successful import removes it, a
 * failed or interrupted one leaves it for the next run. A journal that
 * cannot be read stops the import (AMG_EINVAL, logged) unless
 * opts.no_resume. A dry run neither reads nor writes it. */
int amg_engine_import(struct amg_engine *e, const char *instance, const char *snapshot,
                      const struct amg_selection *sel);

/* The report file the last export, import or verify of `e` wrote
 * (borrowed; NULL: none yet or cleared with note_report(e, NULL)).
 * note_report copies `path`. */
void amg_engine_note_report(struct amg_engine *e, const char *path);
const char *amg_engine_last_report(const struct amg_engine *e);

/* Checksums, format and every plugin's validate hook; no network. */
int amg_engine_validate(struct amg_engine *e, const char *snapshot);

#endif

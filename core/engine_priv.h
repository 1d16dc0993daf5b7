/*
 * Parts of the engine shared by engine.c (selection, export),
 * engine_validate.c (validate, preflight) and engine_import.c; not for
 * other modules.
 */
#ifndef AMG_ENGINE_PRIV_H
#define AMG_ENGINE_PRIV_H

#include <time.h>
#include "engine.h"
#include "graph.h"
#include "host.h"
#include "http.h"
#include "report.h"

struct amg_snapshot;

struct amg_engine {
    const struct amg_config *cfg;           /* borrowed */
    const struct amg_plugin_set *set;       /* borrowed */
    struct amg_graph_node *nodes;           /* owned; same index as set */
    size_t *order;                          /* owned; indexes in run order */
    size_t n;
    struct amg_run_opts opts;               /* strings borrowed */
    char *last_report;                      /* owned: report of the last run */
};

/* selected[i] (by set index) for this run; caller frees. AMG_EUSAGE for
 * an unknown name (logged). */
int amg_engine_select(struct amg_engine *e, const struct amg_selection *sel,
                      enum amg_select_mode mode, int **selected);

/* AMG_ESNAPSHOT (logged) when `snapshot` names the temporary
 * .<name>.partial directory of an export, finished or not. */
int amg_engine_check_finished(const char *snapshot);

/* The dependency of plugin `idx` that failed in this run, or NULL. */
const char *amg_engine_failed_dep(const struct amg_engine *e, size_t idx, const int *failed);

/* What the core makes of status `rc` from `plugin`'s `hook`: a negative
 * value that is no AMG_E* code is a plugin defect, logged and turned into
 * AMG_EPLUGIN so the run exits 5 instead of passing an unknown code on. */
int amg_engine_hook_status(const char *plugin, const char *hook, int rc);

/* Resolve every secret the selected plugins declare (only those with data
 * in `snap` when it is not NULL) before any request; AMG_ECONFIG (logged)
 * when one is missing. */
int amg_engine_check_secrets(const struct amg_engine *e, const int *selected,
                             struct amg_snapshot *snap);

/* Run every selected plugin's validate hook over `snap` before an import;
 * AMG_ESNAPSHOT (logged) when any problem was found. */
int amg_engine_preflight(struct amg_engine *e, struct amg_snapshot *snap, const int *selected);

/* Time and request counters around one plugin's hook. */
struct amg_plugin_run {
    double started;
    struct amg_http_stats http0;
};

/* Start the progress display and the counters for `ctx`'s plugin;
 * `verb` ("export", "import", "plan") labels the progress line. */
void amg_engine_run_begin(struct amg_ctx *ctx, const char *verb, struct amg_http *http,
                          struct amg_plugin_run *run);

/* Stop them and add the plugin's entry to `report` (may be NULL) with
 * status, note, counts, failures, actions, duration, request counts and,
 * on export, the records written. */
void amg_engine_run_end(struct amg_ctx *ctx, struct amg_report *report, struct amg_http *http,
                        const struct amg_plugin_run *run, const char *status, const char *note);

/* Final fields (result, exit status, request totals), write the report
 * unless opts.no_report, and print its path and summary on `out` (NULL:
 * print nothing). Returns `rc`, or the write error when rc was 0. */
int amg_engine_report_close(struct amg_engine *e, struct amg_report *report,
                            struct amg_http *http, int rc, FILE *out);

#endif

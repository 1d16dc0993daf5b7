/*
 * The host table handed to plugin hooks, and the per-run, per-plugin
 * context behind it. The engine fills a context for each hook call; the
 * context borrows everything it points to.
 */
#ifndef AMG_HOST_H
#define AMG_HOST_H

#include <jansson.h>
#include "appid-migrate/plugin.h"

struct amg_http;
struct amg_snapshot_writer;
struct amg_snapshot;
struct amg_idmap;
struct amg_config;
struct amg_filter_list;
struct amg_plan;
struct amg_progress;

enum amg_phase {
    AMG_PHASE_EXPORT,
    AMG_PHASE_IMPORT,
    AMG_PHASE_VALIDATE
};

struct amg_ctx {
    enum amg_phase phase;
    const char *plugin;                   /* borrowed: descriptor's name */
    const struct amg_config *cfg;         /* borrowed */
    struct amg_http *http;                /* borrowed; NULL on validate */
    struct amg_snapshot_writer *writer;   /* borrowed; export only */
    struct amg_snapshot *snapshot;        /* borrowed; import/validate */
    struct amg_idmap *idmap;              /* borrowed; import only */
    long tally[AMG_OUT_COUNT_];
    long problems;                        /* validate: problems reported */
    const struct amg_filter_list *filters; /* borrowed; NULL: no filters */
    json_t *actions;                      /* owned: post-restore actions */
    json_t *secrets;                      /* owned: what the data holds in clear */
    int wrote;                            /* export: a file was written */

    /* ABI 1.3: plan, progress and failures. */
    int planning;                         /* import --dry-run */
    struct amg_plan *plan;                /* borrowed; planning only */
    struct amg_progress *progress;        /* borrowed; NULL: not shown */
    json_t *failures;                     /* owned: [{object, reason}] */
    long records;                         /* export: records written */
    long refused;                         /* writes refused while planning */
    long failures_seen;                   /* host->fail calls (log throttle) */
    int on_conflict;                      /* import: enum amg_conflict */
    /* Check during export (livecheck.h), borrowed: on export the records
     * written go to it; on validate the hook reads its records from it. */
    struct amg_livecheck *livecheck;
};

/* host->fail logs this many failures of one plugin run one by one. */
#define AMG_FAILURES_LOGGED 10

/* The table every hook receives; static, never NULL. */
const struct amg_host *amg_host_table(void);

/* Prepare a zeroed context; amg_ctx_clear() frees what it owns. */
int amg_ctx_init(struct amg_ctx *ctx, enum amg_phase phase, const char *plugin);
void amg_ctx_clear(struct amg_ctx *ctx);

#endif

/*
 * The report of one `run JOB`: the job's effective settings, the
 * snapshot it used, and a section per target with the target's result and
 * its own run report embedded, written as
 * <snapshot_dir>/reports/job-<name>-<UTC timestamp>.json (0600). Format:
 * docs/report-format.md, "Job report".
 */
#ifndef AMG_JOB_REPORT_H
#define AMG_JOB_REPORT_H

#include <stddef.h>
#include <time.h>
#include <jansson.h>
#include "fanout.h"
#include "jobs.h"

struct amg_config;

/* What one run of a job did, for its report. Everything borrowed. */
struct amg_job_outcome {
    const struct amg_job *job;
    const char *only;              /* effective selection, NULL: none */
    const char *exclude;
    int dry_run;
    enum amg_conflict on_conflict;
    const char *snapshot;          /* snapshot used or made; NULL: none */
    const char *export_report;     /* report of the job's export; NULL: none */
    int prune_rc;                  /* status of the pruning (keep) */
    const struct amg_target_result *targets;  /* job->n_to entries, or NULL */
    time_t started;
    int rc;                        /* the job's status */
};

/* Write the report; *path (may be NULL) receives a new string. Returns 0
 * or a negative status (logged). */
int amg_job_report_write(const struct amg_config *cfg, const struct amg_job_outcome *o,
                         char **path);

#endif

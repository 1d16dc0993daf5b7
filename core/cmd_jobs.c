/*
 * `run JOB`, `run --all` and `jobs`: the configuration's named jobs
 * (jobs.h). Every job is checked before the first one runs. A job with
 * several targets exports once and restores (or verifies) them one after
 * another, or all at once with parallel_targets (fanout.h); a failing
 * target does not stop the others. Each run of a job writes one job
 * report with a section per target (job_report.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "catalog.h"
#include "cli.h"
#include "conflict.h"
#include "error.h"
#include "fanout.h"
#include "fsutil.h"
#include "job_report.h"
#include "jobs.h"
#include "log.h"
#include "mem.h"
#include "store.h"

/* Values of one run of a job once the command line has had its say. */
struct effective {
    const char *only;
    const char *exclude;
    int dry_run;
    enum amg_conflict on_conflict;
};

/* One job being run: what its targets need. */
struct job_run {
    struct cli *cli;
    const struct amg_job *job;
    const struct effective *eff;
    const char *snapshot;     /* local snapshot directory; NULL: verify instances */
};

static const struct command verify_cmd = { "verify", amg_cmd_verify, 1, "" };
static const struct command prune_cmd = { "prune", amg_cmd_prune, 1, "" };

static void note_override(const struct amg_job *j, const char *what, const char *cli_value,
                          const char *job_value)
{
    if (job_value)
        printf("job %s: %s \"%s\" from the command line overrides the job's \"%s\"\n",
               j->name, what, cli_value, job_value);
    else
        printf("job %s: %s \"%s\" from the command line\n", j->name, what, cli_value);
}

static void effective_of(const struct amg_job *j, const struct cmd_args *a,
                         struct effective *e)
{
    e->only = j->only;
    e->exclude = j->exclude;
    e->dry_run = j->dry_run;
    e->on_conflict = j->on_conflict;
    if (a->only) {
        note_override(j, "--only", a->only, j->only);
        e->only = a->only;
    }
    if (a->exclude) {
        note_override(j, "--exclude", a->exclude, j->exclude);
        e->exclude = a->exclude;
    }
    if (a->dry_run && !j->dry_run) {
        printf("job %s: --dry-run from the command line: imports are planned, "
               "nothing is written or pruned\n", j->name);
        e->dry_run = 1;
    }
    if (a->on_conflict && j->action == AMG_JOB_VERIFY) {
        printf("job %s: --on-conflict does not apply to a verify (it writes nothing)\n",
               j->name);
    } else if (a->on_conflict) {
        note_override(j, "--on-conflict", a->on_conflict,
                      j->on_conflict_set ? amg_conflict_name(j->on_conflict) : NULL);
        (void)amg_conflict_parse(a->on_conflict, &e->on_conflict);
    }
}

static void set_run(struct cli *cli, int dry, enum amg_conflict on_conflict)
{
    struct cmd_args a;

    memset(&a, 0, sizeof(a));
    a.dry_run = dry;
    a.on_conflict = amg_conflict_name(on_conflict);
    amg_cli_run_opts(cli, &a);
}

/* The newest snapshot of `inst`: in the snapshot_store when there is one
 * (where backups are kept off the machine), else in snapshot_dir. */
static int newest_of(struct cli *cli, const struct amg_job *j, const char *inst, char **ref)
{
    struct amg_catalog_entry *v = NULL;
    long long *bytes = NULL;
    size_t n = 0;
    int rc;

    if (cli->cfg->snapshot_store)
        rc = amg_store_list(cli->cfg, inst, &v, &bytes, &n);
    else
        rc = amg_catalog_list(cli->cfg->snapshot_dir, inst, &v, &n);
    if (rc < 0)
        return rc;
    if (n == 0) {
        amg_error("job %s: %s: no snapshot of '%s' in %s", j->name, j->from, inst,
                  cli->cfg->snapshot_store ? cli->cfg->snapshot_store
                  : cli->cfg->snapshot_dir);
        rc = AMG_ENOTFOUND;
    } else {
        *ref = amg_strdup(v[0].path);
        rc = *ref ? AMG_OK : AMG_ENOMEM;
        if (*ref)
            printf("job %s: %s is %s\n", j->name, j->from, *ref);
    }
    amg_catalog_free(v, n);
    amg_free(bytes);
    return rc;
}

/*
 * The snapshot `from` names (a path, an s3:// reference, or the newest of
 * latest:<instance>) as a local directory: *ref is the reference as
 * named, *path the directory to read, *tmp the download directory to
 * remove afterwards (NULL for a local snapshot). All new strings.
 */
static int resolve_snapshot(struct cli *cli, const struct amg_job *j, char **ref, char **path,
                            char **tmp)
{
    const char *inst = amg_job_latest_of(j->from);
    int rc;

    *ref = *path = *tmp = NULL;
    if (inst)
        rc = newest_of(cli, j, inst, ref);
    else
        rc = (*ref = amg_strdup(j->from)) ? AMG_OK : AMG_ENOMEM;
    if (rc < 0 || !amg_store_is_ref(*ref)) {
        if (rc == AMG_OK)
            *path = amg_strdup(*ref);
        return rc == AMG_OK && !*path ? AMG_ENOMEM : rc;
    }
    printf("job %s: fetching %s\n", j->name, *ref);
    fflush(stdout);
    return amg_store_fetch(cli->cfg, *ref, tmp, path);
}

static int restore_one(void *ud, size_t k)
{
    struct job_run *r = ud;
    const struct amg_job *j = r->job;
    struct amg_selection sel = { r->eff->only, r->eff->exclude };

    printf("job %s: %s %s into %s\n", j->name, r->eff->dry_run ? "planning" : "restoring",
           r->snapshot, j->to[k]);
    fflush(stdout);
    return amg_conflict_import(r->cli->engine, j->to[k], r->snapshot, &sel);
}

static int verify_one(void *ud, size_t k)
{
    struct job_run *r = ud;
    const struct amg_job *j = r->job;
    char *argv[10];
    int argc = 0, rc;

    argv[argc++] = (char *)"verify";
    argv[argc++] = (char *)"--instance";
    argv[argc++] = r->snapshot ? j->to[k] : j->from;
    argv[argc++] = (char *)(r->snapshot ? "--snapshot" : "--instance");
    argv[argc++] = r->snapshot ? (char *)r->snapshot : j->to[k];
    if (r->eff->only) {
        argv[argc++] = (char *)"--only";
        argv[argc++] = (char *)r->eff->only;
    }
    if (r->eff->exclude) {
        argv[argc++] = (char *)"--exclude";
        argv[argc++] = (char *)r->eff->exclude;
    }
    argv[argc] = NULL;
    fflush(stdout);
    rc = amg_cmd_verify(r->cli, &verify_cmd, argc, argv);
    /* verify turns reports off for its own exports only. */
    amg_engine_set_no_report(r->cli->engine, 0);
    return rc;
}

/* Per-target outcome lines, then the status of the whole fan-out: the
 * target's own status for one target, AMG_EPARTIAL when one of several
 * failed. */
static int fan_out_status(const struct amg_job *j, const char *verb,
                          const struct amg_target_result *res)
{
    size_t k, failed = 0;
    int first = AMG_OK;

    for (k = 0; k < j->n_to; k++) {
        if (res[k].rc == AMG_OK) {
            printf("job %s: %s %s: ok\n", j->name, verb, j->to[k]);
            continue;
        }
        printf("job %s: %s %s: FAILED (%s)\n", j->name, verb, j->to[k],
               amg_strerror(res[k].rc));
        if (!failed++)
            first = res[k].rc;
    }
    if (!failed)
        return AMG_OK;
    if (j->n_to > 1)
        printf("job %s: %zu of %zu targets failed\n", j->name, failed, j->n_to);
    return j->n_to == 1 ? first : AMG_EPARTIAL;
}

static int fan_out(struct job_run *r, amg_target_fn fn, const char *verb,
                   struct amg_target_result *res)
{
    const struct amg_job *j = r->job;
    int rc;

    if (j->parallel && j->n_to > 1)
        printf("job %s: %zu targets in parallel, one process each\n", j->name, j->n_to);
    rc = amg_fanout(r->cli->engine, j->to, j->n_to, j->parallel, fn, r, res);
    if (rc < 0)
        amg_error("job %s: the targets could not all be started: %s", j->name,
                  amg_strerror(rc));
    return fan_out_status(j, verb, res);
}

static int prune(struct cli *cli, const struct amg_job *j, int dry)
{
    char keep[24];
    char *argv[7];
    int argc = 0;

    snprintf(keep, sizeof(keep), "%d", j->keep);
    argv[argc++] = (char *)"prune";
    argv[argc++] = (char *)"--instance";
    argv[argc++] = j->from;
    argv[argc++] = (char *)"--keep";
    argv[argc++] = keep;
    if (dry)
        argv[argc++] = (char *)"--dry-run";
    argv[argc] = NULL;
    printf("job %s: keeping the %d newest snapshots of %s%s\n", j->name, j->keep, j->from,
           dry ? " (dry run: nothing removed)" : "");
    fflush(stdout);
    return amg_cmd_prune(cli, &prune_cmd, argc, argv);
}

/* backup and migrate: export once (a backup also goes to the
 * snapshot_store), then the targets, then the retention. */
static int export_and_restore(struct job_run *r, struct amg_job_outcome *o,
                              struct amg_target_result *res, char **snapshot, char **xreport)
{
    struct cli *cli = r->cli;
    const struct amg_job *j = r->job;
    struct amg_selection sel = { r->eff->only, r->eff->exclude };
    char *ref = NULL;
    int rc;

    /* The export only reads: a dry run still takes it, as migrate does. */
    set_run(cli, 0, r->eff->on_conflict);
    amg_engine_note_report(cli->engine, NULL);
    rc = amg_engine_export(cli->engine, j->from, NULL, &sel, snapshot);
    if (amg_engine_last_report(cli->engine))
        *xreport = amg_strdup(amg_engine_last_report(cli->engine));
    o->export_report = *xreport;
    if (rc < 0)
        return rc;
    o->snapshot = *snapshot;
    printf("job %s: snapshot %s\n", j->name, *snapshot);
    if (j->action == AMG_JOB_BACKUP && cli->cfg->snapshot_store) {
        fflush(stdout);
        rc = amg_store_upload(cli->cfg, *snapshot, &ref);
        if (rc < 0)
            return rc;
        printf("job %s: stored as %s\n", j->name, ref);
        amg_free(ref);
    }
    r->snapshot = *snapshot;
    set_run(cli, r->eff->dry_run, r->eff->on_conflict);
    if (j->n_to)
        rc = fan_out(r, restore_one, r->eff->dry_run ? "plan for" : "restore into", res);
    if (j->keep) {
        o->prune_rc = prune(cli, j, r->eff->dry_run);
        if (rc == AMG_OK)
            rc = o->prune_rc;
    }
    return rc;
}

/* Run one job; *report receives its job report's path (new string). */
static int run_job(struct cli *cli, const struct amg_job *j, const struct cmd_args *a,
                   char **report)
{
    struct effective e;
    struct job_run r;
    struct amg_job_outcome o;
    struct amg_target_result *res = NULL;
    char *snapshot = NULL, *ref = NULL, *tmp = NULL, *xreport = NULL;
    int rc = AMG_OK;

    memset(&o, 0, sizeof(o));
    o.started = time(NULL);
    printf("job %s: %s (%s)\n", j->name, amg_job_action_name(j->action), j->at);
    effective_of(j, a, &e);
    if (j->action != AMG_JOB_VERIFY && j->n_to)
        printf("job %s: on_conflict = %s\n", j->name, amg_conflict_name(e.on_conflict));
    r.cli = cli;
    r.job = j;
    r.eff = &e;
    r.snapshot = NULL;
    res = amg_calloc(j->n_to ? j->n_to : 1, sizeof(*res));
    if (!res)
        return AMG_ENOMEM;
    o.targets = res;
    switch (j->action) {
    case AMG_JOB_BACKUP:
    case AMG_JOB_MIGRATE:
        rc = export_and_restore(&r, &o, res, &snapshot, &xreport);
        break;
    case AMG_JOB_RESTORE:
        rc = resolve_snapshot(cli, j, &ref, &snapshot, &tmp);
        o.snapshot = ref;
        r.snapshot = snapshot;
        set_run(cli, e.dry_run, e.on_conflict);
        if (rc == AMG_OK)
            rc = fan_out(&r, restore_one, e.dry_run ? "plan for" : "restore into", res);
        break;
    case AMG_JOB_VERIFY:
        if (amg_job_latest_of(j->from) || strchr(j->from, '/'))
            rc = resolve_snapshot(cli, j, &ref, &snapshot, &tmp);
        o.snapshot = ref;
        r.snapshot = snapshot;
        if (rc == AMG_OK)
            rc = fan_out(&r, verify_one, "verify", res);
        break;
    }
    o.job = j;
    o.only = e.only;
    o.exclude = e.exclude;
    o.dry_run = e.dry_run;
    o.on_conflict = e.on_conflict;
    o.rc = rc;
    amg_job_report_write(cli->cfg, &o, report);
    printf("job %s: %s\n", j->name, rc == AMG_OK ? "done" : "FAILED");
    if (*report)
        printf("job %s: report %s\n", j->name, *report);
    fflush(stdout);
    if (tmp)
        amg_rmtree(tmp);
    amg_target_results_clear(res, j->n_to);
    amg_free(res);
    amg_free(tmp);
    amg_free(ref);
    amg_free(xreport);
    free(snapshot);
    return rc;
}

/* After run --all: one line a job. */
static void summary(const struct amg_jobs *jobs, const int *rcs, char *const *reports)
{
    size_t i, failed = 0;

    printf("summary:\n");
    for (i = 0; i < jobs->n; i++) {
        printf("  %-24s %-8s %-7s %s\n", jobs->v[i].name,
               amg_job_action_name(jobs->v[i].action),
               rcs[i] == AMG_OK ? "ok" : rcs[i] == AMG_EPARTIAL ? "partial" : "FAILED",
               reports[i] ? reports[i] : "(no report)");
        if (rcs[i] != AMG_OK)
            failed++;
    }
    printf("%zu of %zu jobs %s\n", failed ? failed : jobs->n, jobs->n,
           failed ? "failed" : "succeeded");
}

int amg_cmd_run(struct cli *cli, const struct command *cmd, int argc, char **argv)
{
    const struct amg_jobs *jobs = amg_jobs_of(cli->cfg);
    const struct amg_job *one = NULL;
    struct cmd_args a;
    char **reports = NULL;
    int *rcs = NULL;
    size_t i;
    int all, rc, first = AMG_OK;

    if (argc < 2 || argv[1][0] == '\0' ||
        (argv[1][0] == '-' && strcmp(argv[1], "--all") != 0)) {
        amg_error("run: name a job or give --all first (see appid-migrate jobs)");
        return AMG_EUSAGE;
    }
    all = strcmp(argv[1], "--all") == 0;
    /* argv[1] plays the program name for the option parser. */
    rc = amg_cli_parse(cmd, OPT_SELECT | OPT_DRY_RUN | OPT_CONFLICT, argc - 1, argv + 1, &a);
    if (rc != AMG_OK)
        return rc;
    if (!all) {
        one = amg_jobs_find(jobs, argv[1]);
        if (!one) {
            amg_error("run: no job named '%s' in %s (see appid-migrate jobs)", argv[1],
                      cli->cfg->path);
            return AMG_EUSAGE;
        }
    } else if (jobs->n == 0) {
        amg_error("run --all: %s defines no jobs", cli->cfg->path);
        return AMG_EUSAGE;
    }
    /* Every job, not just the one asked for: a broken file is refused
     * whole, before any request. */
    rc = amg_jobs_check(cli->cfg, cli->engine, cli->plugins);
    if (rc < 0)
        return rc;
    rcs = amg_calloc(jobs->n, sizeof(*rcs));
    reports = amg_calloc(jobs->n, sizeof(*reports));
    if (!rcs || !reports) {
        first = AMG_ENOMEM;
        goto out;
    }
    for (i = 0; i < jobs->n; i++) {
        if (one && one != &jobs->v[i])
            continue;
        rcs[i] = run_job(cli, &jobs->v[i], &a, &reports[i]);
        if (rcs[i] < 0 && first == AMG_OK)
            first = rcs[i];
    }
    if (all)
        summary(jobs, rcs, reports);
out:
    for (i = 0; reports && i < jobs->n; i++)
        amg_free(reports[i]);
    amg_free(reports);
    amg_free(rcs);
    return first;
}

static void describe(const struct amg_job *j)
{
    const char *latest = amg_job_latest_of(j->from);
    size_t k;

    printf("%s (%s): %s: ", j->name, j->at, amg_job_action_name(j->action));
    switch (j->action) {
    case AMG_JOB_BACKUP:
    case AMG_JOB_MIGRATE:
        printf("export %s", j->from);
        if (j->n_to)
            printf(", %s into ", j->action == AMG_JOB_BACKUP ? "restore" : "import");
        break;
    case AMG_JOB_RESTORE:
        if (latest)
            printf("restore the newest snapshot of %s into ", latest);
        else
            printf("restore %s into ", j->from);
        break;
    case AMG_JOB_VERIFY:
        if (latest)
            printf("compare the newest snapshot of %s with ", latest);
        else
            printf("compare %s with ", j->from);
        break;
    }
    for (k = 0; k < j->n_to; k++)
        printf("%s%s", k ? ", " : "", j->to[k]);
    if (j->n_to > 1)
        printf(j->parallel ? " (in parallel)" : " (one after another)");
    if (j->on_conflict_set)
        printf("; existing objects: %s", amg_conflict_name(j->on_conflict));
    if (j->keep)
        printf("; keep the %d newest snapshots of %s", j->keep, j->from);
    if (j->only)
        printf("; only %s", j->only);
    if (j->exclude)
        printf("; exclude %s", j->exclude);
    if (j->dry_run)
        printf("; dry run: imports planned, nothing written or pruned");
    printf("\n");
}

int amg_cmd_jobs(struct cli *cli, const struct command *cmd, int argc, char **argv)
{
    const struct amg_jobs *jobs = amg_jobs_of(cli->cfg);
    struct cmd_args a;
    size_t i;
    int rc;

    rc = amg_cli_parse(cmd, 0, argc, argv, &a);
    if (rc != AMG_OK)
        return rc;
    rc = amg_jobs_check(cli->cfg, cli->engine, cli->plugins);
    if (rc < 0)
        return rc;
    if (jobs->n == 0)
        printf("%s defines no jobs\n", cli->cfg->path);
    for (i = 0; i < jobs->n; i++)
        describe(&jobs->v[i]);
    return AMG_OK;
}

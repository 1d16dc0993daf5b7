/*
 * `run JOB`, `run --all` and `jobs`: the configuration's named jobs
 * (jobs.h). Every job is checked before the first one runs. A job with
 * several targets exports once and restores (or verifies) them one after
 * another; a failing target does not stop the others.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "catalog.h"
#include "cli.h"
#include "error.h"
#include "jobs.h"
#include "log.h"
#include "mem.h"

/* Values of one run of a job once the command line has had its say. */
struct effective {
    const char *only;
    const char *exclude;
    int dry_run;
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
}

static void set_dry(struct cli *cli, int dry)
{
    struct cmd_args a;

    memset(&a, 0, sizeof(a));
    a.dry_run = dry;
    amg_cli_run_opts(cli, &a);
}

/* The snapshot `from` names: a path, or the newest of latest:<instance>. */
static int resolve_snapshot(struct cli *cli, const struct amg_job *j, char **path)
{
    const char *inst = amg_job_latest_of(j->from);
    struct amg_catalog_entry *v = NULL;
    size_t n = 0;
    int rc;

    *path = NULL;
    if (!inst) {
        *path = amg_strdup(j->from);
        return *path ? AMG_OK : AMG_ENOMEM;
    }
    rc = amg_catalog_list(cli->cfg->snapshot_dir, inst, &v, &n);
    if (rc < 0)
        return rc;
    if (n == 0) {
        amg_error("job %s: %s: no snapshot of '%s' in %s", j->name, j->from, inst,
                  cli->cfg->snapshot_dir);
        rc = AMG_ENOTFOUND;
    } else {
        *path = amg_strdup(v[0].path);
        rc = *path ? AMG_OK : AMG_ENOMEM;
        if (*path)
            printf("job %s: %s is %s\n", j->name, j->from, *path);
    }
    amg_catalog_free(v, n);
    return rc;
}

/* Per-target outcome lines, then the status of the whole fan-out: the
 * target's own status for one target, AMG_EPARTIAL when one of several
 * failed. */
static int fan_out_status(const struct amg_job *j, const char *verb, const int *rcs)
{
    size_t k, failed = 0;
    int first = AMG_OK;

    for (k = 0; k < j->n_to; k++) {
        if (rcs[k] == AMG_OK) {
            printf("job %s: %s %s: ok\n", j->name, verb, j->to[k]);
            continue;
        }
        printf("job %s: %s %s: FAILED (%s)\n", j->name, verb, j->to[k], amg_strerror(rcs[k]));
        if (!failed++)
            first = rcs[k];
    }
    if (!failed)
        return AMG_OK;
    if (j->n_to > 1)
        printf("job %s: %zu of %zu targets failed\n", j->name, failed, j->n_to);
    return j->n_to == 1 ? first : AMG_EPARTIAL;
}

static int restore_targets(struct cli *cli, const struct amg_job *j, const char *snapshot,
                           const struct effective *e)
{
    struct amg_selection sel = { e->only, e->exclude };
    int *rcs = amg_calloc(j->n_to, sizeof(*rcs));
    size_t k;
    int rc;

    if (!rcs)
        return AMG_ENOMEM;
    set_dry(cli, e->dry_run);
    for (k = 0; k < j->n_to; k++) {
        printf("job %s: %s %s into %s\n", j->name, e->dry_run ? "planning" : "restoring",
               snapshot, j->to[k]);
        fflush(stdout);
        rcs[k] = amg_engine_import(cli->engine, j->to[k], snapshot, &sel);
    }
    rc = fan_out_status(j, e->dry_run ? "plan for" : "restore into", rcs);
    amg_free(rcs);
    return rc;
}

static int verify_targets(struct cli *cli, const struct amg_job *j, const char *snapshot,
                          const struct effective *e)
{
    int *rcs = amg_calloc(j->n_to, sizeof(*rcs));
    size_t k;
    int rc;

    if (!rcs)
        return AMG_ENOMEM;
    for (k = 0; k < j->n_to; k++) {
        char *argv[10];
        int argc = 0;

        argv[argc++] = (char *)"verify";
        argv[argc++] = (char *)"--instance";
        argv[argc++] = snapshot ? j->to[k] : j->from;
        argv[argc++] = (char *)(snapshot ? "--snapshot" : "--instance");
        argv[argc++] = snapshot ? (char *)snapshot : j->to[k];
        if (e->only) {
            argv[argc++] = (char *)"--only";
            argv[argc++] = (char *)e->only;
        }
        if (e->exclude) {
            argv[argc++] = (char *)"--exclude";
            argv[argc++] = (char *)e->exclude;
        }
        argv[argc] = NULL;
        fflush(stdout);
        rcs[k] = amg_cmd_verify(cli, &verify_cmd, argc, argv);
        /* verify turns reports off for its own exports only. */
        amg_engine_set_no_report(cli->engine, 0);
    }
    rc = fan_out_status(j, "verify", rcs);
    amg_free(rcs);
    return rc;
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

static int run_job(struct cli *cli, const struct amg_job *j, const struct cmd_args *a)
{
    struct effective e;
    struct amg_selection sel;
    char *snapshot = NULL;
    int rc = AMG_OK, rc2;

    printf("job %s: %s (%s)\n", j->name, amg_job_action_name(j->action), j->at);
    effective_of(j, a, &e);
    sel.only = e.only;
    sel.exclude = e.exclude;
    switch (j->action) {
    case AMG_JOB_BACKUP:
    case AMG_JOB_MIGRATE:
        /* The export only reads: a dry run still takes it, as migrate does. */
        set_dry(cli, 0);
        rc = amg_engine_export(cli->engine, j->from, NULL, &sel, &snapshot);
        if (rc < 0)
            break;
        printf("job %s: snapshot %s\n", j->name, snapshot);
        if (j->n_to)
            rc = restore_targets(cli, j, snapshot, &e);
        if (j->keep) {
            rc2 = prune(cli, j, e.dry_run);
            if (rc == AMG_OK)
                rc = rc2;
        }
        break;
    case AMG_JOB_RESTORE:
        rc = resolve_snapshot(cli, j, &snapshot);
        if (rc == AMG_OK)
            rc = restore_targets(cli, j, snapshot, &e);
        break;
    case AMG_JOB_VERIFY:
        if (amg_job_latest_of(j->from) || strchr(j->from, '/'))
            rc = resolve_snapshot(cli, j, &snapshot);
        if (rc == AMG_OK)
            rc = verify_targets(cli, j, snapshot, &e);
        break;
    }
    printf("job %s: %s\n", j->name, rc == AMG_OK ? "done" : "FAILED");
    fflush(stdout);
    amg_free(snapshot);
    return rc;
}

int amg_cmd_run(struct cli *cli, const struct command *cmd, int argc, char **argv)
{
    const struct amg_jobs *jobs = amg_jobs_of(cli->cfg);
    const struct amg_job *one = NULL;
    struct cmd_args a;
    size_t i;
    int all, rc, first = AMG_OK;

    if (argc < 2 || argv[1][0] == '\0' ||
        (argv[1][0] == '-' && strcmp(argv[1], "--all") != 0)) {
        amg_error("run: name a job or give --all first (see appid-migrate jobs)");
        return AMG_EUSAGE;
    }
    all = strcmp(argv[1], "--all") == 0;
    /* argv[1] plays the program name for the option parser. */
    rc = amg_cli_parse(cmd, OPT_SELECT | OPT_DRY_RUN, argc - 1, argv + 1, &a);
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
    for (i = 0; i < jobs->n; i++) {
        if (one && one != &jobs->v[i])
            continue;
        rc = run_job(cli, &jobs->v[i], &a);
        if (rc < 0 && first == AMG_OK)
            first = rc;
    }
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
        printf(" (one after another)");
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

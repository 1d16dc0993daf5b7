/*
 * Named jobs of the configuration's `jobs` section: what each does
 * (backup, restore, migrate, verify), from where, to which targets, with
 * which selection. Parsed with the rest of the file (shape and types,
 * FILE:LINE errors); checked against the instances and the loaded plugins
 * before any job runs (amg_jobs_check). Running them is cmd_jobs.c's.
 */
#ifndef AMG_JOBS_H
#define AMG_JOBS_H

#include <stddef.h>
#include <libconfig.h>
#include "conflict.h"

struct amg_config;
struct amg_engine;
struct amg_plugin_set;

enum amg_job_action {
    AMG_JOB_BACKUP,   /* export `from`; restore into each `to`; prune to `keep` */
    AMG_JOB_RESTORE,  /* import a snapshot (path or latest:<instance>) into each `to` */
    AMG_JOB_MIGRATE,  /* export `from` once, import into each `to` */
    AMG_JOB_VERIFY    /* compare `from` (instance or snapshot) with each `to` */
};


/* One job; every string owned. `*_at` are "FILE:LINE" of the setting. */
struct amg_job {
    char *name;
    char *at;                  /* the job's group */
    enum amg_job_action action;
    char *from;                /* instance, snapshot path, s3://bucket/prefix or
                                * "latest:<instance>" */
    char *from_at;
    char **to;                 /* n_to instance names */
    size_t n_to;
    char *to_at;
    char *only;                /* NULL: everything */
    char *exclude;
    char *select_at;           /* only or exclude, whichever came last */
    int dry_run;
    enum amg_conflict on_conflict;
    int on_conflict_set;       /* on_conflict was given */
    int parallel;              /* parallel_targets: one process per target */
    int keep;                  /* 0: no pruning */
};

struct amg_jobs {
    struct amg_job *v;         /* in file order */
    size_t n;
};

/*
 * Parse the `jobs` group `s` into cfg->jobs (a struct amg_jobs, created on
 * first use). `path` and `dir` name the file as in config_parse.c. Each
 * problem is logged "FILE:LINE: jobs.<name>...: ..." and added to
 * *errors. Returns 0, or AMG_ENOMEM.
 */
int amg_jobs_parse(struct amg_config *cfg, const config_setting_t *s, const char *path,
                   const char *dir, int *errors);

void amg_jobs_free(struct amg_jobs *jobs);

/* The config's jobs (empty set when it has none). Borrowed. */
const struct amg_jobs *amg_jobs_of(const struct amg_config *cfg);

/* Job by name, or NULL. Borrowed. */
const struct amg_job *amg_jobs_find(const struct amg_jobs *jobs, const char *name);

/*
 * Check every job against the configured instances and the plugins of
 * `e` (selection names, record filters, a selection that selects
 * nothing), without any network access. Logs each problem with the
 * setting's FILE:LINE. Returns 0 or AMG_ECONFIG.
 */
int amg_jobs_check(const struct amg_config *cfg, struct amg_engine *e,
                   const struct amg_plugin_set *set);

/* "backup" etc. */
const char *amg_job_action_name(enum amg_job_action a);

/* A snapshot reference "latest:<instance>": the instance part, else NULL.
 * Borrowed from `from`. */
const char *amg_job_latest_of(const char *from);

#endif

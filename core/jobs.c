#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "config.h"
#include "config_parse.h"
#include "engine.h"
#include "filter.h"
#include "jobs.h"
#include "log.h"
#include "mem.h"
#include "options.h"
#include "store.h"

#define LATEST "latest:"

struct parse {
    const char *path;
    const char *dir;
    const char *job;
    int *errors;
};

static void job_error(struct parse *p, const config_setting_t *s, const char *fmt, ...)
    AMG_PRINTF(3, 4);

static void job_error(struct parse *p, const config_setting_t *s, const char *fmt, ...)
{
    char msg[1024], file[1024];
    const char *key;
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    /* Elements of the `to` list have no name; the job's group is the job. */
    key = config_setting_name(s) ? config_setting_name(s) : "to";
    if (key == p->job)
        key = NULL;
    amg_config_source_name(p->path, p->dir, config_setting_source_file(s), file, sizeof(file));
    amg_error("%s:%d: jobs.%s%s%s: %s", file, (int)config_setting_source_line(s), p->job,
              key ? "." : "", key ? key : "", msg);
    (*p->errors)++;
}

static char *where_of(struct parse *p, const config_setting_t *s)
{
    char file[1024];

    amg_config_source_name(p->path, p->dir, config_setting_source_file(s), file, sizeof(file));
    return amg_line_ref(file, (int)config_setting_source_line(s));
}

const char *amg_job_action_name(enum amg_job_action a)
{
    switch (a) {
    case AMG_JOB_BACKUP: return "backup";
    case AMG_JOB_RESTORE: return "restore";
    case AMG_JOB_MIGRATE: return "migrate";
    case AMG_JOB_VERIFY: return "verify";
    }
    return "?";
}

const char *amg_job_latest_of(const char *from)
{
    if (from && strncmp(from, LATEST, strlen(LATEST)) == 0)
        return from + strlen(LATEST);
    return NULL;
}

static const char *want_string(struct parse *p, const config_setting_t *s)
{
    const char *v;

    if (config_setting_type(s) != CONFIG_TYPE_STRING) {
        job_error(p, s, "must be a string");
        return NULL;
    }
    v = config_setting_get_string(s);
    if (!*v) {
        job_error(p, s, "must not be empty");
        return NULL;
    }
    return v;
}

static int set_string(char **dst, const char *v)
{
    char *copy = amg_strdup(v);

    if (!copy)
        return AMG_ENOMEM;
    amg_free(*dst);
    *dst = copy;
    return AMG_OK;
}

static int parse_to(struct parse *p, const config_setting_t *s, struct amg_job *j)
{
    int i, n = 1;
    int list = config_setting_type(s) == CONFIG_TYPE_ARRAY ||
               config_setting_type(s) == CONFIG_TYPE_LIST;

    if (list)
        n = config_setting_length(s);
    if (!list && config_setting_type(s) != CONFIG_TYPE_STRING) {
        job_error(p, s, "must be an instance name or a list of them");
        return AMG_OK;
    }
    if (n == 0) {
        job_error(p, s, "lists no instance");
        return AMG_OK;
    }
    j->to = amg_calloc((size_t)n, sizeof(*j->to));
    if (!j->to)
        return AMG_ENOMEM;
    for (i = 0; i < n; i++) {
        const config_setting_t *e = list ? config_setting_get_elem(s, (unsigned)i) : s;
        const char *v = want_string(p, e);
        size_t k;

        if (!v)
            continue;
        for (k = 0; k < j->n_to; k++) {
            if (strcmp(j->to[k], v) == 0)
                break;
        }
        if (k < j->n_to) {
            job_error(p, s, "names '%s' twice", v);
            continue;
        }
        j->to[j->n_to] = amg_strdup(v);
        if (!j->to[j->n_to])
            return AMG_ENOMEM;
        j->n_to++;
    }
    return AMG_OK;
}

static int parse_action(struct parse *p, const config_setting_t *s, struct amg_job *j)
{
    static const enum amg_job_action all[] = { AMG_JOB_BACKUP, AMG_JOB_RESTORE,
                                               AMG_JOB_MIGRATE, AMG_JOB_VERIFY };
    const char *v = want_string(p, s);
    size_t i;

    for (i = 0; v && i < sizeof(all) / sizeof(all[0]); i++) {
        if (strcmp(v, amg_job_action_name(all[i])) == 0) {
            j->action = all[i];
            return 1;
        }
    }
    if (v)
        job_error(p, s, "'%s' is not an action (backup, restore, migrate or verify)", v);
    return 0;
}

static void parse_conflict(struct parse *p, const config_setting_t *s, struct amg_job *j)
{
    const char *v = want_string(p, s);

    if (!v)
        return;
    if (amg_conflict_parse(v, &j->on_conflict) == 0)
        j->on_conflict_set = 1;
    else
        job_error(p, s, "'%s' is not skip, update or fail", v);
}

/* One key of a job; returns AMG_ENOMEM or 0 (problems are counted). */
static int parse_key(struct parse *p, const config_setting_t *s, struct amg_job *j,
                     int *have_action)
{
    const char *key = config_setting_name(s);
    const char *v;

    if (strcmp(key, "action") == 0) {
        *have_action = parse_action(p, s, j);
    } else if (strcmp(key, "from") == 0) {
        v = want_string(p, s);
        if (!v)
            return AMG_OK;
        amg_free(j->from_at);
        j->from_at = where_of(p, s);
        if (!j->from_at || set_string(&j->from, v))
            return AMG_ENOMEM;
    } else if (strcmp(key, "to") == 0) {
        j->to_at = where_of(p, s);
        if (!j->to_at)
            return AMG_ENOMEM;
        return parse_to(p, s, j);
    } else if (strcmp(key, "only") == 0 || strcmp(key, "exclude") == 0) {
        v = want_string(p, s);
        if (v && set_string(key[0] == 'o' ? &j->only : &j->exclude, v))
            return AMG_ENOMEM;
        amg_free(j->select_at);
        j->select_at = where_of(p, s);
        if (!j->select_at)
            return AMG_ENOMEM;
    } else if (strcmp(key, "dry_run") == 0) {
        if (config_setting_type(s) != CONFIG_TYPE_BOOL)
            job_error(p, s, "must be true or false");
        else
            j->dry_run = config_setting_get_bool(s);
    } else if (strcmp(key, "on_conflict") == 0) {
        parse_conflict(p, s, j);
    } else if (strcmp(key, "parallel_targets") == 0) {
        if (config_setting_type(s) != CONFIG_TYPE_BOOL)
            job_error(p, s, "must be true or false");
        else
            j->parallel = config_setting_get_bool(s);
    } else if (strcmp(key, "keep") == 0) {
        if (config_setting_type(s) != CONFIG_TYPE_INT ||
            config_setting_get_int(s) < 1 || config_setting_get_int(s) > 100000)
            job_error(p, s, "must be a whole number of snapshots, 1 to 100000");
        else
            j->keep = config_setting_get_int(s);
    } else {
        job_error(p, s, "unknown key (action, from, to, only, exclude, dry_run, "
                  "on_conflict, parallel_targets, keep)");
    }
    return AMG_OK;
}

/* Rules between keys of one job that need no instances or plugins. */
static void check_shape(struct parse *p, const config_setting_t *grp, const struct amg_job *j)
{
    if (!j->from)
        job_error(p, grp, "'from' is required");
    if (j->n_to == 0 && j->action != AMG_JOB_BACKUP && !config_setting_get_member(grp, "to"))
        job_error(p, grp, "'to' is required for %s", amg_job_action_name(j->action));
    if (j->keep && j->action != AMG_JOB_BACKUP)
        job_error(p, config_setting_get_member(grp, "keep"),
                  "only backups keep snapshots (this job is a %s)",
                  amg_job_action_name(j->action));
    if (j->on_conflict_set && j->action == AMG_JOB_VERIFY)
        job_error(p, config_setting_get_member(grp, "on_conflict"),
                  "a verify never writes: on_conflict does not apply");
    if (j->dry_run && j->action == AMG_JOB_VERIFY)
        job_error(p, config_setting_get_member(grp, "dry_run"),
                  "a verify never writes: dry_run does not apply");
}

static int parse_job(struct parse *p, const config_setting_t *grp, struct amg_job *j)
{
    int i, n, rc = AMG_OK, have_action = 0;

    j->name = amg_strdup(config_setting_name(grp));
    j->at = where_of(p, grp);
    if (!j->name || !j->at)
        return AMG_ENOMEM;
    if (!config_setting_is_group(grp)) {
        job_error(p, grp, "a job must be a group { action = ...; from = ...; }");
        return AMG_OK;
    }
    n = config_setting_length(grp);
    for (i = 0; i < n && !rc; i++)
        rc = parse_key(p, config_setting_get_elem(grp, (unsigned)i), j, &have_action);
    if (rc)
        return rc;
    if (!have_action && !config_setting_get_member(grp, "action")) {
        job_error(p, grp, "'action' is required (backup, restore, migrate or verify)");
        return AMG_OK;
    }
    if (have_action)
        check_shape(p, grp, j);
    return AMG_OK;
}

int amg_jobs_parse(struct amg_config *cfg, const config_setting_t *s, const char *path,
                   const char *dir, int *errors)
{
    struct parse p = { path, dir, "", errors };
    struct amg_jobs *jobs = cfg->jobs;
    int i, n, rc = AMG_OK;

    if (!config_setting_is_group(s)) {
        char file[1024];

        amg_config_source_name(path, dir, config_setting_source_file(s), file, sizeof(file));
        amg_error("%s:%d: jobs: must be a group of named jobs", file,
                  (int)config_setting_source_line(s));
        (*errors)++;
        return AMG_OK;
    }
    if (!jobs) {
        jobs = amg_calloc(1, sizeof(*jobs));
        if (!jobs)
            return AMG_ENOMEM;
        cfg->jobs = jobs;
    }
    n = config_setting_length(s);
    if (n > 0) {
        struct amg_job *grown = amg_realloc(jobs->v, (jobs->n + (size_t)n) * sizeof(*grown));

        if (!grown)
            return AMG_ENOMEM;
        jobs->v = grown;
    }
    for (i = 0; i < n && !rc; i++) {
        const config_setting_t *grp = config_setting_get_elem(s, (unsigned)i);
        struct amg_job *j = &jobs->v[jobs->n];

        p.job = config_setting_name(grp);
        if (amg_jobs_find(jobs, p.job)) {
            job_error(&p, grp, "a job of this name is defined already");
            continue;
        }
        memset(j, 0, sizeof(*j));
        jobs->n++;
        rc = parse_job(&p, grp, j);
    }
    return rc;
}

void amg_jobs_free(struct amg_jobs *jobs)
{
    size_t i, k;

    if (!jobs)
        return;
    for (i = 0; i < jobs->n; i++) {
        struct amg_job *j = &jobs->v[i];

        amg_free(j->name);
        amg_free(j->at);
        amg_free(j->from);
        amg_free(j->from_at);
        for (k = 0; k < j->n_to; k++)
            amg_free(j->to[k]);
        amg_free(j->to);
        amg_free(j->to_at);
        amg_free(j->only);
        amg_free(j->exclude);
        amg_free(j->select_at);
    }
    amg_free(jobs->v);
    amg_free(jobs);
}

const struct amg_jobs *amg_jobs_of(const struct amg_config *cfg)
{
    static const struct amg_jobs none = { NULL, 0 };

    return cfg && cfg->jobs ? cfg->jobs : &none;
}

const struct amg_job *amg_jobs_find(const struct amg_jobs *jobs, const char *name)
{
    size_t i;

    for (i = 0; jobs && name && i < jobs->n; i++) {
        if (jobs->v[i].name && strcmp(jobs->v[i].name, name) == 0)
            return &jobs->v[i];
    }
    return NULL;
}

static int check_from(const struct amg_config *cfg, const struct amg_job *j)
{
    const char *latest = amg_job_latest_of(j->from);
    int path = strchr(j->from, '/') != NULL;

    if (latest && j->action != AMG_JOB_RESTORE && j->action != AMG_JOB_VERIFY) {
        amg_error("%s: jobs.%s.from: a %s reads an instance, not a snapshot", j->from_at,
                  j->name, amg_job_action_name(j->action));
        return 1;
    }
    if (amg_store_is_ref(j->from)) {
        if (j->action != AMG_JOB_RESTORE && j->action != AMG_JOB_VERIFY) {
            amg_error("%s: jobs.%s.from: a %s reads an instance, not a snapshot in object "
                      "storage", j->from_at, j->name, amg_job_action_name(j->action));
            return 1;
        }
        if (!cfg->s3_endpoint || !cfg->s3_region) {
            amg_error("%s: jobs.%s.from: reading %s needs the 's3' group (endpoint, region, "
                      "keys)", j->from_at, j->name, j->from);
            return 1;
        }
        return 0;
    }
    if (latest) {
        if (amg_config_instance(cfg, latest))
            return 0;
        amg_error("%s: jobs.%s.from: no instance named '%s' in 'instances'", j->from_at,
                  j->name, latest);
        return 1;
    }
    /* A snapshot path has a '/' ("./x" at least), so that a mistyped
     * instance name is not taken for a missing directory. */
    if (path && (j->action == AMG_JOB_RESTORE || j->action == AMG_JOB_VERIFY))
        return 0;
    if (j->action == AMG_JOB_RESTORE) {
        amg_error("%s: jobs.%s.from: a restore reads a snapshot: a path with a '/' or "
                  "latest:<instance>, not '%s'", j->from_at, j->name, j->from);
        return 1;
    }
    if (amg_config_instance(cfg, j->from))
        return 0;
    amg_error("%s: jobs.%s.from: no instance named '%s' in 'instances'", j->from_at, j->name,
              j->from);
    return 1;
}

static int check_to(const struct amg_config *cfg, const struct amg_job *j)
{
    size_t k;
    int bad = 0;

    for (k = 0; k < j->n_to; k++) {
        if (!amg_config_instance(cfg, j->to[k])) {
            amg_error("%s: jobs.%s.to: no instance named '%s' in 'instances'", j->to_at,
                      j->name, j->to[k]);
            bad++;
        } else if (strcmp(j->to[k], j->from) == 0 && j->action != AMG_JOB_RESTORE) {
            amg_error("%s: jobs.%s.to: '%s' is also the source", j->to_at, j->name, j->to[k]);
            bad++;
        }
    }
    return bad;
}

static int check_selection(struct amg_engine *e, const struct amg_plugin_set *set,
                           const struct amg_job *j)
{
    struct amg_selection sel = { j->only, j->exclude };
    struct amg_filters *f = NULL;
    const char **names = NULL;
    int rc;

    if (!j->only && !j->exclude)
        return 0;
    rc = amg_engine_selection(e, &sel, &names);
    if (rc == AMG_OK)
        rc = amg_filters_parse(j->only, j->exclude, set, &f);
    amg_filters_free(f);
    if (rc < 0) {
        amg_error("%s: jobs.%s: only/exclude: invalid selection (see above)", j->select_at,
                  j->name);
        free(names);
        return 1;
    }
    if (!names[0]) {
        amg_error("%s: jobs.%s: only/exclude select no plugin", j->select_at, j->name);
        free(names);
        return 1;
    }
    free(names);
    if (j->action == AMG_JOB_VERIFY && j->only && strchr(j->only, ':')) {
        amg_error("%s: jobs.%s.only: a verify compares whole resources: record filters "
                  "(plugin:field=glob) do not apply", j->select_at, j->name);
        return 1;
    }
    return 0;
}

int amg_jobs_check(const struct amg_config *cfg, struct amg_engine *e,
                   const struct amg_plugin_set *set)
{
    const struct amg_jobs *jobs = amg_jobs_of(cfg);
    size_t i;
    int bad = 0;

    for (i = 0; i < jobs->n; i++) {
        const struct amg_job *j = &jobs->v[i];

        if (!j->from)
            continue;  /* reported at load */
        bad += check_from(cfg, j);
        bad += check_to(cfg, j);
        bad += check_selection(e, set, j);
    }
    if (bad) {
        amg_error("%d problem%s in jobs: nothing was run", bad, bad == 1 ? "" : "s");
        return AMG_ECONFIG;
    }
    return AMG_OK;
}

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "config.h"
#include "error.h"
#include "job_report.h"
#include "log.h"
#include "report.h"

#define JOB_REPORT_FORMAT "appid-migrate-job-report"
#define JOB_REPORT_VERSION 1

static const char *result_name(int rc)
{
    return rc == AMG_OK ? "ok" : rc == AMG_EPARTIAL ? "partial" : "failed";
}

/* A run report file as JSON, or null when there is none or it cannot be
 * read (the path still says where it was meant to be). */
static json_t *embedded(const char *path)
{
    json_error_t jerr;
    json_t *doc;

    if (!path)
        return json_null();
    doc = json_load_file(path, 0, &jerr);
    if (!doc) {
        amg_warn("%s:%d: job report: cannot read the target's report: %s", jerr.source,
                 jerr.line, jerr.text);
        return json_null();
    }
    return doc;
}

static json_t *target_section(const char *name, const struct amg_target_result *t)
{
    json_t *s = json_pack("{s:s, s:s, s:i, s:s?, s:o}", "target", name, "result",
                          result_name(t->rc), "exit_status", amg_exit_code(t->rc),
                          "report", t->report, "run", embedded(t->report));

    if (s && t->rc < 0 && json_object_set_new(s, "error", json_string(amg_strerror(t->rc)))) {
        json_decref(s);
        return NULL;
    }
    return s;
}

static int fill(json_t *root, const struct amg_job_outcome *o)
{
    const struct amg_job *j = o->job;
    json_t *targets = json_array();
    json_t *failed = json_array();
    size_t k;
    int bad = !targets || !failed;

    for (k = 0; !bad && o->targets && k < j->n_to; k++) {
        json_t *s = target_section(j->to[k], &o->targets[k]);

        bad |= !s || json_array_append_new(targets, s) != 0;
        if (o->targets[k].rc != AMG_OK)
            bad |= json_array_append_new(failed, json_string(j->to[k])) != 0;
    }
    if (bad) {
        json_decref(targets);
        json_decref(failed);
        return AMG_ENOMEM;
    }
    json_object_del(root, "plugins");
    json_object_del(root, "instance");
    bad |= json_object_set_new(root, "targets", targets);
    bad |= json_object_set_new(root, "failed_targets", failed);
    bad |= json_object_set_new(root, "format", json_string(JOB_REPORT_FORMAT));
    bad |= json_object_set_new(root, "version", json_integer(JOB_REPORT_VERSION));
    bad |= json_object_set_new(root, "job", json_string(j->name));
    bad |= json_object_set_new(root, "defined_at", json_string(j->at));
    bad |= json_object_set_new(root, "action", json_string(amg_job_action_name(j->action)));
    bad |= json_object_set_new(root, "from", json_string(j->from));
    bad |= json_object_set_new(root, "only", o->only ? json_string(o->only) : json_null());
    bad |= json_object_set_new(root, "exclude",
                               o->exclude ? json_string(o->exclude) : json_null());
    bad |= json_object_set_new(root, "dry_run", json_boolean(o->dry_run));
    bad |= json_object_set_new(root, "on_conflict",
                               json_string(amg_conflict_name(o->on_conflict)));
    bad |= json_object_set_new(root, "parallel_targets", json_boolean(j->parallel));
    bad |= json_object_set_new(root, "export_report", o->export_report
                               ? json_string(o->export_report) : json_null());
    if (j->keep)
        bad |= json_object_set_new(root, "prune", json_pack("{s:i, s:s}", "keep", j->keep,
                                                            "result",
                                                            result_name(o->prune_rc)));
    bad |= json_object_set_new(root, "result", json_string(result_name(o->rc)));
    bad |= json_object_set_new(root, "exit_status", json_integer(amg_exit_code(o->rc)));
    if (o->rc < 0)
        bad |= json_object_set_new(root, "error", json_string(amg_strerror(o->rc)));
    return bad ? AMG_ENOMEM : AMG_OK;
}

int amg_job_report_write(const struct amg_config *cfg, const struct amg_job_outcome *o,
                         char **path)
{
    struct amg_report *r = NULL;
    int rc;

    if (path)
        *path = NULL;
    rc = amg_report_new("job", o->job->name, o->snapshot, o->started, &r);
    if (rc == AMG_OK)
        rc = fill(amg_report_json(r), o);
    if (rc == AMG_OK)
        rc = amg_report_write(r, cfg->snapshot_dir, time(NULL), path);
    if (rc < 0)
        amg_error("job %s: the job report could not be written: %s", o->job->name,
                  amg_strerror(rc));
    amg_report_free(r);
    return rc;
}

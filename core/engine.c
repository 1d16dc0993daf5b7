#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "engine.h"
#include "fsutil.h"
#include "mem.h"
#include "clock.h"
#include "catalog.h"
#include "error.h"
#include "filter.h"
#include "graph.h"
#include "host.h"
#include "http.h"
#include "idmap.h"
#include "instance.h"
#include "livecheck.h"
#include "loader.h"
#include "log.h"
#include "progress.h"
#include "report.h"
#include "snapshot.h"
#include "snapshot_key.h"
#include "validated.h"
#include "engine_priv.h"

int amg_engine_new(const struct amg_config *cfg, const struct amg_plugin_set *set,
                   struct amg_engine **out)
{
    struct amg_engine *e = NULL;
    size_t i;
    int rc = AMG_ENOMEM;

    *out = NULL;
    e = calloc(1, sizeof(*e));
    if (!e)
        goto out;
    e->cfg = cfg;
    e->set = set;
    e->n = set->n;
    e->nodes = calloc(e->n ? e->n : 1, sizeof(*e->nodes));
    e->order = calloc(e->n ? e->n : 1, sizeof(*e->order));
    if (!e->nodes || !e->order)
        goto out;
    for (i = 0; i < e->n; i++) {
        e->nodes[i].name = set->plugins[i].desc->name;
        e->nodes[i].deps = set->plugins[i].desc->deps;
    }
    rc = amg_graph_order(e->nodes, e->n, e->order);
    if (rc < 0)
        goto out;
    *out = e;
    e = NULL;
out:
    amg_engine_free(e);
    return rc;
}

void amg_engine_free(struct amg_engine *e)
{
    if (!e)
        return;
    free(e->nodes);
    free(e->order);
    free(e->last_report);
    free(e);
}

void amg_engine_note_report(struct amg_engine *e, const char *path)
{
    free(e->last_report);
    e->last_report = path ? strdup(path) : NULL;
}

const char *amg_engine_last_report(const struct amg_engine *e)
{
    return e->last_report;
}

size_t amg_engine_count(const struct amg_engine *e)
{
    return e->n;
}

const struct amg_loaded_plugin *amg_engine_plugin(const struct amg_engine *e, size_t i)
{
    return i < e->n ? &e->set->plugins[e->order[i]] : NULL;
}

void amg_engine_set_opts(struct amg_engine *e, const struct amg_run_opts *opts)
{
    e->opts = *opts;
}

void amg_engine_set_no_report(struct amg_engine *e, int no_report)
{
    e->opts.no_report = no_report;
}

int amg_engine_select(struct amg_engine *e, const struct amg_selection *sel,
                          enum amg_select_mode mode, int **selected)
{
    int *s = calloc(e->n ? e->n : 1, sizeof(*s));
    int rc;

    *selected = NULL;
    if (!s)
        return AMG_ENOMEM;
    rc = amg_graph_select(e->nodes, e->n, sel ? sel->only : NULL, sel ? sel->exclude : NULL,
                          mode, s);
    if (rc < 0) {
        free(s);
        return AMG_EUSAGE;
    }
    *selected = s;
    return AMG_OK;
}

const char *amg_engine_failed_dep(const struct amg_engine *e, size_t idx, const int *failed)
{
    const char *const *dep = e->nodes[idx].deps;
    size_t j;

    for (; dep && *dep; dep++) {
        for (j = 0; j < e->n; j++) {
            if (failed[j] && strcmp(e->nodes[j].name, *dep) == 0)
                return *dep;
        }
    }
    return NULL;
}

int amg_engine_hook_status(const char *plugin, const char *hook, int rc)
{
    if (rc >= AMG_EUSAGE)
        return rc;
    amg_error("%s: %s hook returned %d, which is no appid-migrate status; taken as a plugin "
              "failure", plugin, hook, rc);
    return AMG_EPLUGIN;
}

void amg_engine_run_begin(struct amg_ctx *ctx, const char *verb, struct amg_http *http,
                          struct amg_plugin_run *run)
{
    char label[80];

    snprintf(label, sizeof(label), "%s %s", verb, ctx->plugin);
    amg_progress_begin(ctx->progress, label);
    run->started = amg_clock_system()->now(NULL);
    memset(&run->http0, 0, sizeof(run->http0));
    if (http)
        run->http0 = *amg_http_stats(http);
}

void amg_engine_run_end(struct amg_ctx *ctx, struct amg_report *report, struct amg_http *http,
                        const struct amg_plugin_run *run, const char *status, const char *note)
{
    double seconds = amg_clock_system()->now(NULL) - run->started;
    struct amg_http_stats now = { 0, 0, 0 };

    if (http)
        now = *amg_http_stats(http);
    amg_progress_end(ctx->progress, seconds, strcmp(status, "ok") == 0 ? NULL : status);
    if (!report)
        return;
    if (amg_report_plugin(report, ctx->plugin, status, note, ctx) < 0)
        return;
    amg_report_plugin_set(report, "duration_ms", json_integer((json_int_t)(seconds * 1000)));
    amg_report_plugin_set(report, "http", json_pack("{s:I, s:I, s:I}",
                          "requests", (json_int_t)(now.requests - run->http0.requests),
                          "retries", (json_int_t)(now.retries - run->http0.retries),
                          "throttled", (json_int_t)(now.throttled - run->http0.throttled)));
    amg_report_plugin_set(report, "records", json_integer(ctx->records));
}

int amg_engine_report_close(struct amg_engine *e, struct amg_report *report,
                            struct amg_http *http, int rc, FILE *out)
{
    const struct amg_http_stats *st = http ? amg_http_stats(http) : NULL;
    char *path = NULL;
    int wrc;

    if (!report)
        return rc;
    amg_report_set(report, "dry_run", json_boolean(e->opts.dry_run));
    amg_report_set(report, "result", json_string(rc == AMG_OK ? "ok" : rc == AMG_EPARTIAL
                                                 ? "partial" : "failed"));
    amg_report_set(report, "exit_status", json_integer(amg_exit_code(rc)));
    if (rc < 0)
        amg_report_set(report, "error", json_string(amg_strerror(rc)));
    amg_report_set(report, "http", json_pack("{s:I, s:I, s:I}",
                                             "requests", (json_int_t)(st ? st->requests : 0),
                                             "retries", (json_int_t)(st ? st->retries : 0),
                                             "throttled", (json_int_t)(st ? st->throttled : 0)));
    wrc = amg_report_finish(report);
    if (wrc == AMG_OK && !e->opts.no_report)
        wrc = amg_report_write(report, e->cfg->snapshot_dir, time(NULL), &path);
    if (path)
        amg_engine_note_report(e, path);
    if (out && wrc == AMG_OK && !e->opts.no_report) {
        /* A dry run has printed its plan, which says more than counts. */
        if (!e->opts.dry_run && json_array_size(json_object_get(amg_report_json(report),
                                                                "plugins")) > 0) {
            const char *cmd = json_string_value(json_object_get(amg_report_json(report),
                                                                "command"));

            /* An export creates nothing: its counts would all be zero. */
            if (!cmd || strcmp(cmd, "export") != 0)
                amg_report_print(report, out);
            amg_report_print_details(report, out);
        }
        if (path)
            fprintf(out, "report: %s\n", path);
    }
    free(path);
    return rc == AMG_OK ? wrc : rc;
}

int amg_engine_selection(struct amg_engine *e, const struct amg_selection *sel,
                         const char ***names)
{
    int *selected = NULL;
    size_t i, n = 0;
    int rc;

    *names = NULL;
    rc = amg_engine_select(e, sel, AMG_SELECT_EXACT, &selected);
    if (rc < 0)
        return rc;
    *names = calloc(e->n + 1, sizeof(**names));
    if (!*names) {
        free(selected);
        return AMG_ENOMEM;
    }
    for (i = 0; i < e->n; i++) {
        if (selected[e->order[i]])
            (*names)[n++] = e->set->plugins[e->order[i]].desc->name;
    }
    free(selected);
    return AMG_OK;
}

/* After the commit: a stamp for each plugin whose records were checked
 * whole during the export (see validated.h), a warning for each whose
 * records will not validate. */
static void stamp_export(const struct amg_engine *e, const int *checked, const long *problems,
                         const char *path)
{
    json_t *manifest = NULL;
    json_error_t err;
    char *mpath = amg_path_join(path, "manifest.json");
    size_t i;

    manifest = mpath ? json_load_file(mpath, 0, &err) : NULL;
    for (i = 0; i < e->set->n; i++) {
        const struct amg_plugin *d = e->set->plugins[i].desc;
        struct amg_validated_key key;

        if (problems[i] > 0)
            amg_warn("%s: %ld problem%s in the exported data (above); an import will refuse "
                     "this snapshot until they are mended", d->name, problems[i],
                     problems[i] == 1 ? "" : "s");
        if (checked[i] && e->cfg->snapshot_dir && manifest &&
            amg_validated_key_of(manifest, d->name, d->version, &key) == AMG_OK)
            amg_validated_put(e->cfg->snapshot_dir, &key, "export", path);
    }
    if (e->cfg->snapshot_dir)
        amg_validated_sweep(e->cfg->snapshot_dir);
    json_decref(manifest);
    amg_free(mpath);
}

int amg_engine_export(struct amg_engine *e, const char *instance, const char *output_dir,
                      const struct amg_selection *sel, char **snapshot_path)
{
    const struct amg_instance_conf *inst = amg_config_instance(e->cfg, instance);
    struct amg_snapshot_source src;
    struct amg_snapshot_writer *w = NULL;
    struct amg_http *http = NULL;
    struct amg_filters *filters = NULL;
    struct amg_report *report = NULL;
    struct amg_progress *progress = NULL;
    struct amg_plugin_run run;
    struct amg_ctx ctx;
    struct amg_livecheck *lc = NULL;
    const char *dir = output_dir ? output_dir : e->cfg->snapshot_dir;
    int *selected = NULL;
    int *checked = NULL;
    long *problems = NULL;
    int lock_fd = -1;
    time_t when;
    size_t i;
    int rc;

    *snapshot_path = NULL;
    amg_ctx_init(&ctx, AMG_PHASE_EXPORT, NULL);
    rc = amg_engine_select(e, sel, AMG_SELECT_PULL_DEPS, &selected);
    if (rc < 0)
        goto out;
    checked = calloc(e->set->n + 1, sizeof(*checked));
    problems = calloc(e->set->n + 1, sizeof(*problems));
    if (!checked || !problems) {
        rc = AMG_ENOMEM;
        goto out;
    }
    rc = amg_filters_parse(sel ? sel->only : NULL, sel ? sel->exclude : NULL, e->set, &filters);
    if (rc < 0)
        goto out;
    rc = amg_report_new("export", instance, NULL, time(NULL), &report);
    if (rc < 0)
        goto out;
    amg_report_set(report, "id_map", json_object());
    rc = amg_progress_new(e->opts.progress, stderr, NULL, &progress);
    if (rc < 0)
        goto out;
    /* Secrets first: a missing one must not cost a half-made snapshot. */
    rc = amg_engine_check_secrets(e, selected, NULL);
    if (rc == AMG_OK)
        rc = amg_snapshot_key_check(e->cfg);
    if (rc < 0)
        goto out;
    rc = amg_instance_connect(e->cfg, instance, &http);
    if (rc < 0)
        goto out;
    src.instance = instance;
    src.region = inst->region;
    src.endpoint = inst->endpoint;
    src.tenant_id = inst->tenant_id;
    rc = amg_catalog_lock(dir, instance, &lock_fd);
    if (rc < 0)
        goto out;
    /* Holding the lock, no other export of the instance runs: every
     * .partial directory of it is litter of an interrupted one. */
    rc = amg_catalog_sweep_partial(dir, instance, NULL);
    if (rc < 0)
        goto out;
    rc = amg_catalog_next_time(dir, instance, &when);
    if (rc < 0)
        goto out;
    rc = amg_snapshot_begin(dir, &src, when, &w);
    if (rc < 0)
        goto out;
    rc = amg_snapshot_key_writer(e->cfg, w);
    if (rc < 0)
        goto out;
    for (i = 0; i < e->n; i++) {
        const struct amg_loaded_plugin *p = &e->set->plugins[e->order[i]];

        if (!selected[e->order[i]])
            continue;
        if (!p->desc->export_fn) {
            amg_info("%s: no export hook, nothing to back up", p->desc->name);
            amg_report_plugin(report, p->desc->name, "skipped", "plugin has no export hook",
                              NULL);
            continue;
        }
        amg_ctx_init(&ctx, AMG_PHASE_EXPORT, p->desc->name);
        ctx.cfg = e->cfg;
        ctx.http = http;
        ctx.writer = w;
        ctx.filters = amg_filters_for(filters, p->desc->name);
        ctx.progress = progress;
        rc = amg_snapshot_add_plugin(w, p->desc->name, p->desc->version);
        if (rc < 0)
            goto out;
        if (p->desc->validate_fn &&
            (amg_plugin_flags(p->desc) & AMG_PLUGIN_VALIDATE_DURING_EXPORT)) {
            rc = amg_livecheck_new(p->desc, e->cfg, &lc);
            if (rc < 0)
                goto out;
            ctx.livecheck = lc;
        }
        amg_info("exporting %s", p->desc->name);
        amg_engine_run_begin(&ctx, "export", http, &run);
        rc = amg_engine_hook_status(p->desc->name, "export",
                                    p->desc->export_fn(amg_host_table(), &ctx));
        amg_progress_interrupt(progress);
        checked[e->order[i]] = amg_livecheck_finish(lc, &problems[e->order[i]]);
        amg_livecheck_free(lc);
        lc = NULL;
        amg_engine_run_end(&ctx, report, http, &run, rc < 0 ? "failed" : "ok",
                           rc < 0 ? amg_strerror(rc) : NULL);
        amg_ctx_clear(&ctx);
        if (rc < 0) {
            amg_error("%s: export failed: %s; no snapshot was written", p->desc->name,
                      amg_strerror(rc));
            goto out;
        }
    }
    rc = amg_snapshot_commit(w, snapshot_path);
    w = NULL;
    if (rc == AMG_OK) {
        stamp_export(e, checked, problems, *snapshot_path);
        amg_report_set(report, "snapshot", json_string(*snapshot_path));
        amg_info("export of '%s': %ld requests, %ld retries, %ld throttled", instance,
                 amg_http_stats(http)->requests, amg_http_stats(http)->retries,
                 amg_http_stats(http)->throttled);
    }
out:
    amg_livecheck_free(lc);
    amg_ctx_clear(&ctx);
    amg_snapshot_abort(w);
    /* Only a run that got as far as a report object has anything to say. */
    rc = amg_engine_report_close(e, report, http, rc,
                                 amg_log_get_level() >= AMG_LOG_INFO ? stderr : NULL);
    amg_report_free(report);
    amg_progress_free(progress);
    amg_catalog_unlock(lock_fd);
    amg_http_free(http);
    amg_filters_free(filters);
    free(selected);
    free(checked);
    free(problems);
    return rc;
}

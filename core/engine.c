#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "engine.h"
#include "catalog.h"
#include "error.h"
#include "filter.h"
#include "graph.h"
#include "host.h"
#include "http.h"
#include "idmap.h"
#include "instance.h"
#include "log.h"
#include "report.h"
#include "snapshot.h"

struct amg_engine {
    const struct amg_config *cfg;           /* borrowed */
    const struct amg_plugin_set *set;       /* borrowed */
    struct amg_graph_node *nodes;           /* owned; same index as set */
    size_t *order;                          /* owned; indexes in run order */
    size_t n;
};

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
    free(e);
}

size_t amg_engine_count(const struct amg_engine *e)
{
    return e->n;
}

const struct amg_loaded_plugin *amg_engine_plugin(const struct amg_engine *e, size_t i)
{
    return i < e->n ? &e->set->plugins[e->order[i]] : NULL;
}

/* selected[i] (by set index) for this run. Caller frees. */
static int select_plugins(struct amg_engine *e, const struct amg_selection *sel,
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

/* 1 when one of plugin idx's dependencies failed in this run. */
static const char *failed_dependency(const struct amg_engine *e, size_t idx, const int *failed)
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

int amg_engine_export(struct amg_engine *e, const char *instance, const char *output_dir,
                      const struct amg_selection *sel, char **snapshot_path)
{
    const struct amg_instance_conf *inst = amg_config_instance(e->cfg, instance);
    struct amg_snapshot_source src;
    struct amg_snapshot_writer *w = NULL;
    struct amg_http *http = NULL;
    struct amg_filters *filters = NULL;
    struct amg_ctx ctx;
    const char *dir = output_dir ? output_dir : e->cfg->snapshot_dir;
    int *selected = NULL;
    int lock_fd = -1;
    time_t when;
    size_t i;
    int rc;

    *snapshot_path = NULL;
    amg_ctx_init(&ctx, AMG_PHASE_EXPORT, NULL);
    rc = select_plugins(e, sel, AMG_SELECT_PULL_DEPS, &selected);
    if (rc < 0)
        goto out;
    rc = amg_filters_parse(sel ? sel->only : NULL, sel ? sel->exclude : NULL, e->set, &filters);
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
    rc = amg_catalog_next_time(dir, instance, &when);
    if (rc < 0)
        goto out;
    rc = amg_snapshot_begin(dir, &src, when, &w);
    if (rc < 0)
        goto out;
    for (i = 0; i < e->n; i++) {
        const struct amg_loaded_plugin *p = &e->set->plugins[e->order[i]];

        if (!selected[e->order[i]])
            continue;
        if (!p->desc->export_fn) {
            amg_info("%s: no export hook, nothing to back up", p->desc->name);
            continue;
        }
        amg_ctx_init(&ctx, AMG_PHASE_EXPORT, p->desc->name);
        ctx.cfg = e->cfg;
        ctx.http = http;
        ctx.writer = w;
        ctx.filters = amg_filters_for(filters, p->desc->name);
        rc = amg_snapshot_add_plugin(w, p->desc->name, p->desc->version);
        if (rc < 0)
            goto out;
        amg_info("exporting %s", p->desc->name);
        rc = p->desc->export_fn(amg_host_table(), &ctx);
        amg_ctx_clear(&ctx);
        if (rc < 0) {
            amg_error("%s: export failed: %s; no snapshot was written", p->desc->name,
                      amg_strerror(rc));
            goto out;
        }
    }
    rc = amg_snapshot_commit(w, snapshot_path);
    w = NULL;
    if (rc == AMG_OK)
        amg_info("export of '%s': %ld requests, %ld retries, %ld throttled", instance,
                 amg_http_stats(http)->requests, amg_http_stats(http)->retries,
                 amg_http_stats(http)->throttled);
out:
    amg_ctx_clear(&ctx);
    amg_snapshot_abort(w);
    amg_catalog_unlock(lock_fd);
    amg_http_free(http);
    amg_filters_free(filters);
    free(selected);
    return rc;
}

/* Runs the validate hook of plugin `p` against `snap`; returns the number
 * of problems it reported, or a negative status if it could not check. */
static long run_validate(const struct amg_engine *e, const struct amg_loaded_plugin *p,
                         struct amg_snapshot *snap)
{
    struct amg_ctx ctx;
    long problems;
    int rc;

    amg_ctx_init(&ctx, AMG_PHASE_VALIDATE, p->desc->name);
    ctx.cfg = e->cfg;
    ctx.snapshot = snap;
    rc = p->desc->validate_fn(amg_host_table(), &ctx);
    problems = ctx.problems;
    amg_ctx_clear(&ctx);
    if (rc < 0) {
        amg_error("%s: validate failed: %s", p->desc->name, amg_strerror(rc));
        return rc;
    }
    return problems;
}

/* Plugins the snapshot has data for but no loaded plugin handles. */
static long unknown_plugins(const struct amg_engine *e, struct amg_snapshot *snap)
{
    json_t *plugins = json_object_get(amg_snapshot_manifest(snap), "plugins");
    const char *name;
    json_t *v;
    long unknown = 0;

    json_object_foreach(plugins, name, v) {
        if (!amg_plugins_find(e->set, name) && amg_snapshot_has_plugin(snap, name)) {
            amg_error("%s: has data for '%s', which no loaded plugin handles",
                      amg_snapshot_path(snap), name);
            unknown++;
        }
    }
    return unknown;
}

int amg_engine_validate(struct amg_engine *e, const char *snapshot)
{
    struct amg_snapshot *snap = NULL;
    long problems = 0;
    size_t i;
    int rc;

    rc = amg_snapshot_open(snapshot, &snap);
    if (rc < 0)
        goto out;
    problems += unknown_plugins(e, snap);
    for (i = 0; i < e->n; i++) {
        const struct amg_loaded_plugin *p = &e->set->plugins[e->order[i]];
        long n;

        if (!amg_snapshot_has_plugin(snap, p->desc->name))
            continue;
        if (!p->desc->validate_fn) {
            amg_warn("%s: no validate hook; only checksums were checked", p->desc->name);
            continue;
        }
        n = run_validate(e, p, snap);
        if (n < 0) {
            rc = n == AMG_ENOMEM ? AMG_ENOMEM : AMG_ESNAPSHOT;
            goto out;
        }
        problems += n;
    }
    if (problems > 0) {
        amg_error("%s: %ld problem%s found", snapshot, problems, problems == 1 ? "" : "s");
        rc = AMG_ESNAPSHOT;
        goto out;
    }
    amg_info("%s: valid", snapshot);
out:
    amg_snapshot_close(snap);
    return rc;
}

/* Pre-flight for import: every selected plugin with data must be loaded
 * and its data must validate; nothing is written before this passes. */
static int preflight(struct amg_engine *e, struct amg_snapshot *snap, const int *selected)
{
    long problems = 0;
    size_t i;

    for (i = 0; i < e->n; i++) {
        const struct amg_loaded_plugin *p = &e->set->plugins[e->order[i]];
        long n;

        if (!selected[e->order[i]] || !amg_snapshot_has_plugin(snap, p->desc->name) ||
            !p->desc->validate_fn)
            continue;
        n = run_validate(e, p, snap);
        if (n < 0)
            return AMG_ESNAPSHOT;
        problems += n;
    }
    if (problems > 0) {
        amg_error("%s: %ld problem%s found; nothing was written to the target",
                  amg_snapshot_path(snap), problems, problems == 1 ? "" : "s");
        return AMG_ESNAPSHOT;
    }
    return AMG_OK;
}

int amg_engine_import(struct amg_engine *e, const char *instance, const char *snapshot,
                      const struct amg_selection *sel)
{
    struct amg_snapshot *snap = NULL;
    struct amg_http *http = NULL;
    struct amg_idmap *idmap = NULL;
    struct amg_report *report = NULL;
    struct amg_filters *filters = NULL;
    struct amg_ctx ctx;
    int *selected = NULL;
    int *failed = NULL;
    char *report_path = NULL;
    int auth_failed = 0;
    size_t i;
    int rc;

    amg_ctx_init(&ctx, AMG_PHASE_IMPORT, NULL);
    rc = select_plugins(e, sel, AMG_SELECT_EXACT, &selected);
    if (rc < 0)
        goto out;
    rc = amg_filters_parse(sel ? sel->only : NULL, sel ? sel->exclude : NULL, e->set, &filters);
    if (rc < 0)
        goto out;
    rc = AMG_ENOMEM;
    failed = calloc(e->n ? e->n : 1, sizeof(*failed));
    if (!failed)
        goto out;
    rc = amg_snapshot_open(snapshot, &snap);
    if (rc < 0)
        goto out;
    rc = preflight(e, snap, selected);
    if (rc < 0)
        goto out;
    rc = amg_idmap_new(&idmap);
    if (rc < 0)
        goto out;
    rc = amg_report_new("import", instance, snapshot, time(NULL), &report);
    if (rc < 0)
        goto out;
    rc = amg_instance_connect(e->cfg, instance, &http);
    if (rc < 0)
        goto out;
    for (i = 0; i < e->n; i++) {
        size_t idx = e->order[i];
        const struct amg_loaded_plugin *p = &e->set->plugins[idx];
        const char *dep;

        if (!selected[idx])
            continue;
        if (!amg_snapshot_has_plugin(snap, p->desc->name)) {
            amg_info("%s: not in the snapshot, skipped", p->desc->name);
            amg_report_plugin(report, p->desc->name, "skipped", "not in the snapshot", NULL);
            continue;
        }
        if (!p->desc->import_fn) {
            amg_warn("%s: no import hook, skipped", p->desc->name);
            amg_report_plugin(report, p->desc->name, "skipped", "plugin has no import hook",
                              NULL);
            continue;
        }
        dep = failed_dependency(e, idx, failed);
        if (dep) {
            amg_error("%s: skipped because '%s' failed", p->desc->name, dep);
            amg_report_plugin(report, p->desc->name, "failed", "a dependency failed", NULL);
            failed[idx] = 1;
            continue;
        }
        amg_ctx_init(&ctx, AMG_PHASE_IMPORT, p->desc->name);
        ctx.cfg = e->cfg;
        ctx.http = http;
        ctx.snapshot = snap;
        ctx.idmap = idmap;
        ctx.filters = amg_filters_for(filters, p->desc->name);
        amg_info("importing %s", p->desc->name);
        rc = p->desc->import_fn(amg_host_table(), &ctx);
        if (rc < 0 || ctx.tally[AMG_OUT_FAILED] > 0) {
            amg_error("%s: import %s: %s", p->desc->name,
                      rc < 0 ? "failed" : "finished with failures",
                      rc < 0 ? amg_strerror(rc) : "see the report");
            failed[idx] = 1;
            if (rc == AMG_EAUTH)
                auth_failed = 1;
        }
        amg_report_plugin(report, p->desc->name, failed[idx] ? "failed" : "ok",
                          rc < 0 ? amg_strerror(rc) : NULL, &ctx);
        amg_ctx_clear(&ctx);
        if (auth_failed)
            break;
    }
    amg_report_set(report, "id_map", amg_idmap_to_json(idmap));
    amg_report_set(report, "http", json_pack("{s:I, s:I, s:I}",
                                             "requests", (json_int_t)amg_http_stats(http)->requests,
                                             "retries", (json_int_t)amg_http_stats(http)->retries,
                                             "throttled",
                                             (json_int_t)amg_http_stats(http)->throttled));
    rc = amg_report_write(report, e->cfg->snapshot_dir, time(NULL), &report_path);
    if (rc < 0)
        goto out;
    amg_report_print(report, stdout);
    printf("report: %s\n", report_path);
    if (auth_failed)
        rc = AMG_EAUTH;
    else
        rc = amg_report_failures(report) > 0 ? AMG_EPARTIAL : AMG_OK;
out:
    amg_ctx_clear(&ctx);
    free(report_path);
    amg_report_free(report);
    amg_idmap_free(idmap);
    amg_http_free(http);
    amg_snapshot_close(snap);
    amg_filters_free(filters);
    free(failed);
    free(selected);
    return rc;
}

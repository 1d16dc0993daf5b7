/*
 * Import and its dry run: restore a snapshot into an instance, or plan
 * what that would do without writing anything.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "engine_priv.h"
#include "error.h"
#include "filter.h"
#include "idmap.h"
#include "instance.h"
#include "log.h"
#include "plan.h"
#include "progress.h"
#include "snapshot.h"
#include "snapshot_key.h"

/* Why a plugin cannot run in this import, or NULL when it can. Records a
 * plugin that cannot run in the report and the plan. */
static const char *cannot_run(struct amg_engine *e, size_t idx, struct amg_snapshot *snap,
                              const int *failed, const char **status, char *buf, size_t len)
{
    const struct amg_plugin *d = e->set->plugins[idx].desc;
    const char *dep;

    *status = "skipped";
    if (!amg_snapshot_has_plugin(snap, d->name)) {
        amg_info("%s: not in the snapshot, skipped", d->name);
        return "not in the snapshot";
    }
    if (!d->import_fn) {
        amg_warn("%s: no import hook, skipped", d->name);
        return "plugin has no import hook";
    }
    dep = amg_engine_failed_dep(e, idx, failed);
    if (dep) {
        amg_error("%s: skipped because '%s' failed", d->name, dep);
        *status = "failed";
        return "a dependency failed";
    }
    if (e->opts.dry_run && d->abi_minor < 3) {
        snprintf(buf, len, "cannot plan: plugin built for ABI %u.%u", d->abi_major,
                 d->abi_minor);
        amg_warn("%s: %s; its import is left out of the plan", d->name, buf);
        *status = "cannot_plan";
        return buf;
    }
    return NULL;
}

/* The plan's word for a plugin that ran. */
static void plan_outcome(struct amg_plan *plan, const struct amg_ctx *ctx, int rc)
{
    char note[160];

    if (!plan)
        return;
    if (rc < 0 && ctx->refused > 0) {
        snprintf(note, sizeof(note), "%ld write request%s refused: the plugin does not "
                 "plan; its plan is incomplete", ctx->refused, ctx->refused == 1 ? "" : "s");
        amg_plan_plugin(plan, ctx->plugin, "failed", note);
    } else if (rc < 0) {
        snprintf(note, sizeof(note), "planning failed: %s", amg_strerror(rc));
        amg_plan_plugin(plan, ctx->plugin, "failed", note);
    } else {
        amg_plan_plugin(plan, ctx->plugin, "planned", NULL);
    }
}

/* Print and write the plan. */
static int plan_finish(struct amg_engine *e, struct amg_plan *plan)
{
    int to_stdout = e->opts.plan_out && strcmp(e->opts.plan_out, "-") == 0;
    int rc = AMG_OK;

    amg_plan_print(plan, to_stdout ? stderr : stdout);
    if (e->opts.plan_out) {
        rc = amg_plan_write(plan, e->opts.plan_out);
        if (rc == AMG_OK && !to_stdout)
            amg_info("plan written to %s", e->opts.plan_out);
    }
    return rc;
}

int amg_engine_import(struct amg_engine *e, const char *instance, const char *snapshot,
                      const struct amg_selection *sel)
{
    struct amg_snapshot *snap = NULL;
    struct amg_http *http = NULL;
    struct amg_idmap *idmap = NULL;
    struct amg_report *report = NULL;
    struct amg_filters *filters = NULL;
    struct amg_progress *progress = NULL;
    struct amg_plan *plan = NULL;
    struct amg_plugin_run run;
    struct amg_ctx ctx;
    int *selected = NULL;
    int *failed = NULL;
    int auth_failed = 0;
    int dry = e->opts.dry_run;
    size_t i;
    int rc;

    amg_ctx_init(&ctx, AMG_PHASE_IMPORT, NULL);
    rc = amg_engine_select(e, sel, AMG_SELECT_EXACT, &selected);
    if (rc < 0)
        goto out;
    rc = amg_filters_parse(sel ? sel->only : NULL, sel ? sel->exclude : NULL, e->set, &filters);
    if (rc < 0)
        goto out;
    rc = AMG_ENOMEM;
    failed = calloc(e->n ? e->n : 1, sizeof(*failed));
    if (!failed)
        goto out;
    rc = amg_report_new("import", instance, snapshot, time(NULL), &report);
    if (rc < 0)
        goto out;
    rc = amg_progress_new(e->opts.progress, stderr, NULL, &progress);
    if (rc < 0)
        goto out;
    rc = amg_snapshot_open(snapshot, &snap);
    if (rc < 0)
        goto out;
    /* A wrong key or a tampered file must stop the run before any write. */
    rc = amg_snapshot_key_reader(e->cfg, snap, 1);
    if (rc == AMG_OK && amg_snapshot_encrypted(snap))
        rc = amg_snapshot_check_content(snap);
    if (rc < 0)
        goto out;
    rc = amg_engine_preflight(e, snap, selected);
    if (rc < 0)
        goto out;
    rc = amg_idmap_new(&idmap);
    if (rc < 0)
        goto out;
    if (dry) {
        rc = amg_plan_new(instance, snapshot, time(NULL), &plan);
        if (rc < 0)
            goto out;
    }
    rc = amg_instance_connect(e->cfg, instance, &http);
    if (rc < 0)
        goto out;
    for (i = 0; i < e->n; i++) {
        size_t idx = e->order[i];
        const struct amg_loaded_plugin *p = &e->set->plugins[idx];
        const char *status;
        const char *why;
        char buf[96];

        if (!selected[idx])
            continue;
        why = cannot_run(e, idx, snap, failed, &status, buf, sizeof(buf));
        if (why) {
            amg_report_plugin(report, p->desc->name, status, why, NULL);
            if (plan)
                amg_plan_plugin(plan, p->desc->name, status, why);
            if (strcmp(status, "failed") == 0)
                failed[idx] = 1;
            continue;
        }
        amg_ctx_init(&ctx, AMG_PHASE_IMPORT, p->desc->name);
        ctx.cfg = e->cfg;
        ctx.http = http;
        ctx.snapshot = snap;
        ctx.idmap = idmap;
        ctx.filters = amg_filters_for(filters, p->desc->name);
        ctx.progress = progress;
        ctx.planning = dry;
        ctx.plan = plan;
        ctx.on_conflict = (int)e->opts.on_conflict;
        if (plan)
            amg_plan_plugin(plan, p->desc->name, "planned", NULL);
        amg_info("%s %s", dry ? "planning" : "importing", p->desc->name);
        amg_engine_run_begin(&ctx, dry ? "plan" : "import", http, &run);
        rc = p->desc->import_fn(amg_host_table(), &ctx);
        if (rc < 0 || ctx.tally[AMG_OUT_FAILED] > 0) {
            amg_error("%s: %s %s: %s", p->desc->name, dry ? "plan" : "import",
                      rc < 0 ? "failed" : "finished with failures",
                      rc < 0 ? amg_strerror(rc) : "see the report");
            failed[idx] = 1;
            if (rc == AMG_EAUTH)
                auth_failed = 1;
        }
        plan_outcome(plan, &ctx, rc);
        amg_engine_run_end(&ctx, report, http, &run, failed[idx] ? "failed" : "ok",
                           rc < 0 ? amg_strerror(rc) : NULL);
        amg_ctx_clear(&ctx);
        if (auth_failed)
            break;
    }
    amg_report_set(report, "id_map", amg_idmap_to_json(idmap));
    if (auth_failed)
        rc = AMG_EAUTH;
    else
        rc = amg_report_failures(report) > 0 ? AMG_EPARTIAL : AMG_OK;
    if (plan) {
        int prc = plan_finish(e, plan);

        if (rc == AMG_OK)
            rc = prc;
    }
out:
    amg_ctx_clear(&ctx);
    if (report && !json_is_object(json_object_get(amg_report_json(report), "id_map")))
        amg_report_set(report, "id_map", json_object());
    rc = amg_engine_report_close(e, report, http, rc,
                                 plan && e->opts.plan_out && strcmp(e->opts.plan_out, "-") == 0
                                 ? stderr : stdout);
    amg_report_free(report);
    amg_progress_free(progress);
    amg_plan_free(plan);
    amg_idmap_free(idmap);
    amg_http_free(http);
    amg_snapshot_close(snap);
    amg_filters_free(filters);
    free(failed);
    free(selected);
    return rc;
}

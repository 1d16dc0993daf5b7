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
#include "fsutil.h"
#include "idmap.h"
#include "instance.h"
#include "journal.h"
#include "log.h"
#include "mem.h"
#include "plan.h"
#include "progress.h"
#include "snapshot.h"
#include "snapshot_key.h"
#include "sha256.h"

/* The journal of one import run; all NULL/0 when it keeps none. */
struct run_journal {
    struct amg_journal *j;    /* owned */
    int lock_fd;
    int resumed;
    size_t already_done;      /* plugins done before this run */
};

/* The snapshot's name: the last component of its path, a new string. */
static char *snapshot_id(const char *path)
{
    size_t len = strlen(path);
    const char *start;

    while (len > 1 && path[len - 1] == '/')
        len--;
    start = path + len;
    while (start > path && start[-1] != '/')
        start--;
    return amg_strndup(start, (size_t)(path + len - start));
}

/* Put the id map an earlier run recorded back, so that later plugins
 * map through it as if the earlier ones had run now. */
static int restore_idmap(struct amg_idmap *idmap, json_t *map)
{
    const char *kind, *old;
    json_t *ids, *id;
    int rc = AMG_OK;

    json_object_foreach(map, kind, ids) {
        json_object_foreach(ids, old, id) {
            rc = amg_idmap_put(idmap, kind, old, json_string_value(id));
            if (rc < 0)
                return rc;
        }
    }
    return rc;
}

/* Resume from the target's journal or start a new one (see engine.h). */
static int journal_begin(struct amg_engine *e, const char *instance, struct amg_snapshot *snap,
                         const struct amg_selection *sel, struct amg_idmap *idmap,
                         struct run_journal *rj)
{
    struct amg_journal_key key;
    struct amg_journal *old = NULL;
    char sha[AMG_SHA256_HEX_LEN + 1];
    char *id = NULL;
    char *manifest = NULL;
    char *path = NULL;
    int rc;

    if (!amg_journal_target_ok(instance)) {
        amg_warn("instance name '%s' cannot name a run directory: this import keeps no "
                 "journal and cannot be resumed", instance);
        return AMG_OK;
    }
    rc = AMG_ENOMEM;
    id = snapshot_id(amg_snapshot_path(snap));
    manifest = amg_path_join(amg_snapshot_path(snap), "manifest.json");
    path = amg_journal_file(e->cfg->snapshot_dir, instance);
    if (!id || !manifest || !path)
        goto out;
    rc = amg_sha256_file(manifest, sha);
    if (rc < 0)
        goto out;
    memset(&key, 0, sizeof(key));
    key.target = instance;
    key.snapshot_id = id;
    key.manifest_sha256 = sha;
    key.only = sel ? sel->only : NULL;
    key.exclude = sel ? sel->exclude : NULL;
    rc = amg_journal_lock(e->cfg->snapshot_dir, instance, &rj->lock_fd);
    if (rc < 0)
        goto out;
    rc = amg_journal_load(path, &old);
    if (rc == AMG_EINVAL && e->opts.no_resume) {
        amg_warn("--no-resume: %s is ignored and removed", path);
        rc = AMG_ENOTFOUND;
    }
    if (rc < 0 && rc != AMG_ENOTFOUND)
        goto out;
    if (old && e->opts.no_resume) {
        amg_info("--no-resume: journal %s of an unfinished import of snapshot %s removed; "
                 "starting from the beginning", path, amg_journal_snapshot_id(old));
    } else if (old && !amg_journal_matches(old, &key)) {
        amg_warn("journal %s records an unfinished import of snapshot %s%s%s%s%s into '%s'; "
                 "this import (snapshot %s) is another one: it starts from the beginning and "
                 "replaces the journal", path, amg_journal_snapshot_id(old),
                 amg_journal_only(old) ? " --only " : "",
                 amg_journal_only(old) ? amg_journal_only(old) : "",
                 amg_journal_exclude(old) ? " --exclude " : "",
                 amg_journal_exclude(old) ? amg_journal_exclude(old) : "", instance, id);
    } else if (old) {
        rc = restore_idmap(idmap, amg_journal_id_map(old));
        if (rc < 0)
            goto out;
        rj->j = old;
        old = NULL;
        rj->resumed = 1;
        rj->already_done = amg_journal_done_count(rj->j);
        printf("resuming import of snapshot %s into %s from journal %s: %zu plugin%s already "
               "done; --no-resume to start over\n", id, instance, path, rj->already_done,
               rj->already_done == 1 ? "" : "s");
        fflush(stdout);
        rc = AMG_OK;
        goto out;
    }
    rc = amg_journal_new(path, &key, time(NULL), &rj->j);
    if (rc == AMG_OK)
        rc = amg_journal_save(rj->j);
out:
    amg_journal_free(old);
    amg_free(id);
    amg_free(manifest);
    amg_free(path);
    return rc;
}

/* Record a plugin that finished without failures. A journal that cannot
 * be written only costs a repeat of that plugin after a crash. */
static void journal_done(struct run_journal *rj, const struct amg_ctx *ctx,
                         const struct amg_idmap *idmap)
{
    json_t *map;

    if (!rj->j)
        return;
    map = amg_idmap_to_json(idmap);
    if (amg_journal_mark_done(rj->j, ctx->plugin, ctx->actions, map, time(NULL)) < 0)
        amg_warn("%s: not recorded in journal %s; after a crash it would run again",
                 ctx->plugin, amg_journal_path(rj->j));
    json_decref(map);
}

/* Remove the journal after a successful import, keep it otherwise; the
 * report says which. */
static void journal_end(struct run_journal *rj, struct amg_report *report, int rc)
{
    int removed = 0;

    if (rj->j) {
        if (rc == AMG_OK) {
            removed = amg_journal_remove(amg_journal_path(rj->j)) == AMG_OK;
            if (removed)
                amg_info("import complete: journal %s removed", amg_journal_path(rj->j));
        } else {
            amg_info("journal %s kept: %zu plugin%s done; the same command resumes the "
                     "import", amg_journal_path(rj->j), amg_journal_done_count(rj->j),
                     amg_journal_done_count(rj->j) == 1 ? "" : "s");
        }
        if (report)
            amg_report_set(report, "journal",
                           json_pack("{s:s, s:b, s:I, s:b}", "path", amg_journal_path(rj->j),
                                     "resumed", rj->resumed,
                                     "already_done", (json_int_t)rj->already_done,
                                     "removed", removed));
    }
    amg_journal_free(rj->j);
    rj->j = NULL;
    amg_journal_unlock(rj->lock_fd);
    rj->lock_fd = -1;
}

/* A plugin an earlier run finished: in the report with the post-restore
 * actions it left, which the operator still needs. */
static void report_already_done(struct amg_report *report, const struct run_journal *rj,
                                const char *plugin)
{
    json_t *actions = amg_journal_actions(rj->j, plugin);

    amg_info("%s: already done (journal), skipped", plugin);
    if (amg_report_plugin(report, plugin, "skipped", "already done (journal)", NULL) < 0)
        return;
    if (json_array_size(actions) > 0)
        amg_report_plugin_set(report, "post_restore_actions", json_deep_copy(actions));
}

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
    struct run_journal rj = { NULL, -1, 0, 0 };
    struct amg_plugin_run run;
    struct amg_ctx ctx;
    int *selected = NULL;
    int *failed = NULL;
    int auth_failed = 0;
    int plugin_failed = 0;  /* a hook failed on its own: exit 5 */
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
    rc = amg_engine_check_finished(snapshot);
    if (rc == AMG_OK)
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
    if (!dry) {
        rc = journal_begin(e, instance, snap, sel, idmap, &rj);
        if (rc < 0)
            goto out;
    }
    for (i = 0; i < e->n; i++) {
        size_t idx = e->order[i];
        const struct amg_loaded_plugin *p = &e->set->plugins[idx];
        const char *status;
        const char *why;
        char buf[96];

        if (!selected[idx])
            continue;
        if (rj.resumed && amg_journal_is_done(rj.j, p->desc->name)) {
            report_already_done(report, &rj, p->desc->name);
            continue;
        }
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
        rc = amg_engine_hook_status(p->desc->name, dry ? "plan" : "import",
                                    p->desc->import_fn(amg_host_table(), &ctx));
        if (rc == AMG_EPLUGIN)
            plugin_failed = 1;
        if (rc < 0 || ctx.tally[AMG_OUT_FAILED] > 0) {
            amg_error("%s: %s %s: %s", p->desc->name, dry ? "plan" : "import",
                      rc < 0 ? "failed" : "finished with failures",
                      rc < 0 ? amg_strerror(rc) : "see the report");
            failed[idx] = 1;
            if (rc == AMG_EAUTH)
                auth_failed = 1;
        }
        plan_outcome(plan, &ctx, rc);
        if (!failed[idx])
            journal_done(&rj, &ctx, idmap);
        amg_engine_run_end(&ctx, report, http, &run, failed[idx] ? "failed" : "ok",
                           rc < 0 ? amg_strerror(rc) : NULL);
        amg_ctx_clear(&ctx);
        if (auth_failed)
            break;
    }
    amg_report_set(report, "id_map", amg_idmap_to_json(idmap));
    if (auth_failed)
        rc = AMG_EAUTH;
    else if (plugin_failed)
        rc = AMG_EPLUGIN;
    else
        rc = amg_report_failures(report) > 0 ? AMG_EPARTIAL : AMG_OK;
    if (plan) {
        int prc = plan_finish(e, plan);

        if (rc == AMG_OK)
            rc = prc;
    }
out:
    amg_ctx_clear(&ctx);
    journal_end(&rj, report, rc);
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

/*
 * Checking snapshots: the validate command, the check before an import's
 * first write (preflight, with the secrets it needs) and the stamps of
 * content that passed (validated.h).
 */
#include <stdlib.h>
#include <string.h>
#include "engine_priv.h"
#include "error.h"
#include "loader.h"
#include "log.h"
#include "secret.h"
#include "snapshot.h"
#include "snapshot_key.h"
#include "validated.h"

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
    rc = amg_engine_hook_status(p->desc->name, "validate",
                                p->desc->validate_fn(amg_host_table(), &ctx));
    problems = ctx.problems;
    amg_ctx_clear(&ctx);
    if (rc < 0) {
        amg_error("%s: validate failed: %s", p->desc->name, amg_strerror(rc));
        return rc;
    }
    return problems;
}

/* The stamp key of `p`'s data in `snap`; AMG_ENOTFOUND when stamps do
 * not apply (no snapshot_dir, no single data file). */
static int stamp_key(const struct amg_engine *e, const struct amg_loaded_plugin *p,
                     struct amg_snapshot *snap, struct amg_validated_key *key)
{
    if (!e->cfg->snapshot_dir)
        return AMG_ENOTFOUND;
    return amg_validated_key_of(amg_snapshot_manifest(snap), p->desc->name, p->desc->version,
                                key);
}

/* A plugin's content passed its validate hook: remember it. */
static void stamp(const struct amg_engine *e, const struct amg_loaded_plugin *p,
                  struct amg_snapshot *snap, const char *how)
{
    struct amg_validated_key key;

    if (stamp_key(e, p, snap, &key) == AMG_OK)
        amg_validated_put(e->cfg->snapshot_dir, &key, how, amg_snapshot_path(snap));
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

int amg_engine_check_finished(const char *snapshot)
{
    static const char suffix[] = ".partial";
    size_t len = strlen(snapshot);
    const char *name;

    while (len > 1 && snapshot[len - 1] == '/')
        len--;
    name = snapshot + len;
    while (name > snapshot && name[-1] != '/')
        name--;
    /* Its manifest may be complete already (the export died just before
     * the rename), and yet it is no snapshot: it was never committed. */
    if (name[0] == '.' && (size_t)(snapshot + len - name) > sizeof(suffix) &&
        strncmp(snapshot + len - (sizeof(suffix) - 1), suffix, sizeof(suffix) - 1) == 0) {
        amg_error("%s: the temporary directory of an export that did not finish, not a "
                  "snapshot", snapshot);
        return AMG_ESNAPSHOT;
    }
    return AMG_OK;
}

int amg_engine_validate(struct amg_engine *e, const char *snapshot)
{
    struct amg_snapshot *snap = NULL;
    long problems = 0;
    size_t i;
    int rc;

    rc = amg_engine_check_finished(snapshot);
    if (rc == AMG_OK)
        rc = amg_snapshot_open(snapshot, &snap);
    if (rc < 0)
        goto out;
    problems += unknown_plugins(e, snap);
    rc = amg_snapshot_key_reader(e->cfg, snap, 0);
    if (rc == AMG_ENOTFOUND) {
        /* Checksums need no key; documented as a success of its own. */
        if (problems == 0)
            amg_warn("%s: encrypted; checksums are fine, content validation needs the key "
                     "(snapshot_encryption in the config)", snapshot);
        rc = problems ? AMG_ESNAPSHOT : AMG_OK;
        goto out;
    }
    if (rc == AMG_OK && amg_snapshot_encrypted(snap))
        rc = amg_snapshot_check_content(snap);
    if (rc < 0)
        goto out;
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
            rc = n == AMG_ENOMEM || n == AMG_EPLUGIN ? (int)n : AMG_ESNAPSHOT;
            goto out;
        }
        if (n == 0)
            stamp(e, p, snap, "validate");
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

int amg_engine_check_secrets(const struct amg_engine *e, const int *selected,
                             struct amg_snapshot *snap)
{
    const char *value;
    int rc = AMG_OK;
    size_t i;

    for (i = 0; i < e->n && rc == AMG_OK; i++) {
        const struct amg_plugin *d = e->set->plugins[e->order[i]].desc;
        const char *const *name = amg_plugin_secrets(d);

        if (!selected[e->order[i]] || (snap && !amg_snapshot_has_plugin(snap, d->name)))
            continue;
        for (; name && *name && rc == AMG_OK; name++)
            rc = amg_secret_get(e->cfg, *name, d->name, &value);
    }
    return rc;
}

int amg_engine_preflight(struct amg_engine *e, struct amg_snapshot *snap, const int *selected)
{
    long problems = 0;
    size_t i;
    int rc;

    rc = amg_engine_check_secrets(e, selected, snap);
    if (rc < 0)
        return rc;

    for (i = 0; i < e->n; i++) {
        const struct amg_loaded_plugin *p = &e->set->plugins[e->order[i]];
        long n;

        struct amg_validated_key key;
        char how[32];

        if (!selected[e->order[i]] || !amg_snapshot_has_plugin(snap, p->desc->name) ||
            !p->desc->validate_fn)
            continue;
        /* The bytes were checked here before (amg_snapshot_open() has
         * verified they are the bytes the manifest lists). */
        if (stamp_key(e, p, snap, &key) == AMG_OK &&
            amg_validated_has(e->cfg->snapshot_dir, &key, how, sizeof(how))) {
            amg_info("%s: %s already validated on this machine (by %s, same SHA-256 and "
                     "plugin version): not parsed again", p->desc->name, key.file, how);
            continue;
        }
        n = run_validate(e, p, snap);
        if (n < 0)
            return n == AMG_EPLUGIN ? AMG_EPLUGIN : AMG_ESNAPSHOT;
        if (n == 0)
            stamp(e, p, snap, "import");
        problems += n;
    }
    if (problems > 0) {
        amg_error("%s: %ld problem%s found; nothing was written to the target",
                  amg_snapshot_path(snap), problems, problems == 1 ? "" : "s");
        return AMG_ESNAPSHOT;
    }
    return AMG_OK;
}


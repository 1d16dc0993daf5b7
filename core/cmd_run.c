/*
 * The commands that run plugins: export, import, migrate, validate and
 * plugins (verify is in cmd_verify.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "conflict.h"
#include "error.h"
#include "fsutil.h"
#include "journal.h"
#include "log.h"
#include "mem.h"
#include "store.h"
#include "options.h"

int amg_cmd_export(struct cli *cli, const struct command *cmd, int argc, char **argv)
{
    struct cmd_args a;
    struct amg_selection sel;
    char *path = NULL;
    int rc;

    rc = amg_cli_parse(cmd, OPT_INSTANCE | OPT_OUTPUT | OPT_SELECT, argc, argv, &a);
    if (rc != AMG_OK)
        return rc;
    rc = amg_cli_require("export", a.instance, "--instance");
    if (rc < 0)
        return rc;
    sel.only = a.only;
    sel.exclude = a.exclude;
    amg_cli_run_opts(cli, &a);
    rc = amg_engine_export(cli->engine, a.instance, a.output, &sel, &path);
    if (rc == AMG_OK)
        printf("%s\n", path);
    if (rc == AMG_OK && cli->cfg->snapshot_store) {
        char *ref = NULL;

        fflush(stdout);
        rc = amg_store_upload(cli->cfg, path, &ref);
        if (rc == AMG_OK)
            printf("%s\n", ref);
        amg_free(ref);
    }
    free(path);
    return rc;
}

/* An s3:// --snapshot is fetched into a temporary directory first:
 * *snapshot then names the local copy and *tmp the directory to remove. */
static int local_snapshot(struct cli *cli, const char **snapshot, char **tmp, char **dir)
{
    int rc;

    *tmp = NULL;
    *dir = NULL;
    if (!amg_store_is_ref(*snapshot))
        return AMG_OK;
    rc = amg_store_fetch(cli->cfg, *snapshot, tmp, dir);
    if (rc == AMG_OK)
        *snapshot = *dir;
    return rc;
}

static void drop_local(char *tmp, char *dir)
{
    if (tmp)
        amg_rmtree(tmp);
    amg_free(tmp);
    amg_free(dir);
}

int amg_cmd_import(struct cli *cli, const struct command *cmd, int argc, char **argv)
{
    struct cmd_args a;
    struct amg_selection sel;
    const char *snapshot;
    char *tmp = NULL;
    char *dir = NULL;
    int rc;

    rc = amg_cli_parse(cmd, OPT_INSTANCE | OPT_SNAPSHOT | OPT_SELECT | OPT_DRY_RUN | OPT_PLAN_OUT |
                       OPT_RESUME | OPT_CONFLICT, argc, argv, &a);
    if (rc != AMG_OK)
        return rc;
    rc = amg_cli_require("import", a.instance, "--instance");
    if (rc == AMG_OK)
        rc = amg_cli_require("import", a.snapshot, "--snapshot");
    if (rc < 0)
        return rc;
    sel.only = a.only;
    sel.exclude = a.exclude;
    amg_cli_run_opts(cli, &a);
    snapshot = a.snapshot;
    rc = local_snapshot(cli, &snapshot, &tmp, &dir);
    if (rc == AMG_OK)
        rc = amg_conflict_import(cli->engine, a.instance, snapshot, &sel);
    drop_local(tmp, dir);
    return rc;
}

int amg_cmd_migrate(struct cli *cli, const struct command *cmd, int argc, char **argv)
{
    struct cmd_args a;
    struct amg_selection sel;
    char *path = NULL;
    int dry;
    int rc;

    rc = amg_cli_parse(cmd, OPT_FROM | OPT_TO | OPT_SELECT | OPT_DRY_RUN | OPT_PLAN_OUT |
                       OPT_RESUME | OPT_CONFLICT, argc, argv, &a);
    if (rc != AMG_OK)
        return rc;
    rc = amg_cli_require("migrate", a.from, "--from");
    if (rc == AMG_OK)
        rc = amg_cli_require("migrate", a.to, "--to");
    if (rc < 0)
        return rc;
    if (strcmp(a.from, a.to) == 0) {
        amg_error("migrate: --from and --to name the same instance '%s'", a.from);
        return AMG_EUSAGE;
    }
    if (!amg_config_instance(cli->cfg, a.to)) {
        /* Checked before the export so a typo costs no backup run. */
        amg_error("%s: no instance named '%s' in 'instances'", cli->cfg->path, a.to);
        return AMG_ECONFIG;
    }
    sel.only = a.only;
    sel.exclude = a.exclude;
    /* The export reads the source only, so a dry run still takes it: the
     * plan is made against the real snapshot. */
    dry = a.dry_run;
    a.dry_run = 0;
    amg_cli_run_opts(cli, &a);
    if (!dry && !a.no_resume) {
        /* An interrupted migrate is finished with the snapshot it took:
         * a new export would key a new journal and start over. */
        rc = amg_journal_pending(cli->cfg->snapshot_dir, a.to, a.from, a.only, a.exclude,
                                 &path);
        if (rc < 0)
            goto out;
        if (path)
            amg_info("migrate: the import of %s into '%s' was interrupted; it is resumed "
                     "without a new export (--no-resume exports anew)", path, a.to);
    }
    if (!path) {
        rc = amg_engine_export(cli->engine, a.from, NULL, &sel, &path);
        if (rc < 0)
            goto out;
    }
    printf("snapshot: %s\n", path);
    fflush(stdout);
    a.dry_run = dry;
    amg_cli_run_opts(cli, &a);
    rc = amg_conflict_import(cli->engine, a.to, path, &sel);
out:
    free(path);
    return rc;
}

int amg_cmd_validate(struct cli *cli, const struct command *cmd, int argc, char **argv)
{
    struct cmd_args a;
    const char *snapshot;
    char *tmp = NULL;
    char *dir = NULL;
    int rc;

    rc = amg_cli_parse(cmd, OPT_SNAPSHOT, argc, argv, &a);
    if (rc != AMG_OK)
        return rc;
    rc = amg_cli_require("validate", a.snapshot, "--snapshot");
    if (rc < 0)
        return rc;
    snapshot = a.snapshot;
    rc = local_snapshot(cli, &snapshot, &tmp, &dir);
    if (rc == AMG_OK)
        rc = amg_engine_validate(cli->engine, snapshot);
    drop_local(tmp, dir);
    if (rc == AMG_OK)
        printf("%s: valid\n", a.snapshot);
    return rc;
}

int amg_cmd_plugins(struct cli *cli, const struct command *cmd, int argc, char **argv)
{
    struct cmd_args a;
    size_t i;
    int rc;

    rc = amg_cli_parse(cmd, OPT_OPTIONS, argc, argv, &a);
    if (rc != AMG_OK)
        return rc;
    if (a.options) {
        const struct amg_loaded_plugin *p = amg_plugins_find(cli->plugins, a.options);

        if (!p) {
            amg_error("plugins --options: no plugin '%s' is loaded", a.options);
            return AMG_ENOTFOUND;
        }
        amg_options_print(stdout, p->desc);
        return AMG_OK;
    }
    printf("%-24s %-9s %-26s %-24s %s\n", "name", "version", "hooks", "depends on", "file");
    for (i = 0; i < amg_engine_count(cli->engine); i++) {
        const struct amg_loaded_plugin *p = amg_engine_plugin(cli->engine, i);
        const struct amg_plugin *d = p->desc;
        char hooks[64];
        char deps[256] = "-";
        const char *const *dep;
        size_t used = 0;

        snprintf(hooks, sizeof(hooks), "%s,%s,%s", d->export_fn ? "export" : "(no export)",
                 d->import_fn ? "import" : "(no import)",
                 d->validate_fn ? "validate" : "(no validate)");
        for (dep = d->deps; dep && *dep && used < sizeof(deps); dep++) {
            int n = snprintf(deps + used, sizeof(deps) - used, "%s%s", used ? "," : "", *dep);

            if (n < 0)
                break;
            used += (size_t)n;
        }
        printf("%-24s %-9s %-26s %-24s %s\n", d->name, d->version, hooks, deps, p->path);
    }
    return AMG_OK;
}

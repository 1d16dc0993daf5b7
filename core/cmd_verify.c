/*
 * verify: compare two instances, or a snapshot and an instance. Each
 * instance is exported into a temporary snapshot under $TMPDIR (removed
 * afterwards), then the snapshots are compared plugin by plugin
 * (verify.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "cli.h"
#include "error.h"
#include "fsutil.h"
#include "log.h"
#include "report.h"
#include "snapshot.h"
#include "snapshot_key.h"
#include "verify.h"

/* A private directory for the temporary snapshots; *dir is a new string. */
static int make_tmpdir(char **dir)
{
    const char *base = getenv("TMPDIR");
    char *path = NULL;

    *dir = NULL;
    if (!base || !*base)
        base = "/tmp";
    path = amg_path_join(base, "appid-migrate-verify.XXXXXX");
    if (!path)
        return AMG_ENOMEM;
    if (!mkdtemp(path)) {
        amg_error("verify: cannot create a temporary directory in %s", base);
        free(path);
        return AMG_EIO;
    }
    *dir = path;
    return AMG_OK;
}

/* Export `instance` into tmp/<sub>; *snapshot is the new snapshot path. */
static int export_side(struct cli *cli, const char *instance, const char *tmp, const char *sub,
                       const struct amg_selection *sel, char **snapshot)
{
    char *dir = amg_path_join(tmp, sub);
    int rc;

    if (!dir)
        return AMG_ENOMEM;
    amg_info("verify: reading '%s'", instance);
    rc = amg_engine_export(cli->engine, instance, dir, sel, snapshot);
    free(dir);
    return rc;
}

/* Compare every selected plugin; *total counts the differences. */
static int compare(struct cli *cli, const struct amg_selection *sel,
                   const struct amg_verify_side *a, const struct amg_verify_side *b,
                   int snapshot_mode, struct amg_report *report, long *total, long *kinds)
{
    const char **names = NULL;
    size_t i;
    int rc;

    *total = 0;
    *kinds = 0;
    rc = amg_engine_selection(cli->engine, sel, &names);
    for (i = 0; rc == AMG_OK && names[i]; i++) {
        long n = 0;
        char note[64];

        if (!amg_snapshot_has_plugin(a->snap, names[i]) &&
            (snapshot_mode || !amg_snapshot_has_plugin(b->snap, names[i]))) {
            amg_info("verify: %s: not in %s, not compared", names[i], a->label);
            continue;
        }
        rc = amg_verify_plugin(a, b, names[i], stdout, &n);
        if (rc < 0)
            break;
        (*kinds)++;
        *total += n;
        snprintf(note, sizeof(note), "%ld difference%s", n, n == 1 ? "" : "s");
        amg_report_plugin(report, names[i], n ? "different" : "equal", note, NULL);
        amg_report_plugin_set(report, "differences", json_integer(n));
    }
    free(names);
    return rc;
}

static int check_instance(struct cli *cli, const char *name)
{
    if (amg_config_instance(cli->cfg, name))
        return AMG_OK;
    amg_error("%s: no instance named '%s' in 'instances'", cli->cfg->path, name);
    return AMG_ECONFIG;
}

int amg_cmd_verify(struct cli *cli, const struct command *cmd, int argc, char **argv)
{
    struct amg_verify_side a = { NULL, NULL };
    struct amg_verify_side b = { NULL, NULL };
    struct amg_selection sel;
    struct amg_report *report = NULL;
    struct cmd_args args;
    char *tmp = NULL;
    char *snap_a = NULL;
    char *snap_b = NULL;
    char *report_path = NULL;
    long total = 0, kinds = 0;
    int rc;

    rc = amg_cli_parse(cmd, OPT_INSTANCE | OPT_INSTANCE2 | OPT_SNAPSHOT | OPT_SELECT, argc,
                       argv, &args);
    if (rc != AMG_OK)
        return rc;
    rc = amg_cli_require("verify", args.instance, "--instance");
    if (rc < 0)
        return rc;
    if (!args.instance2 == !args.snapshot) {
        amg_error("verify: give either a second --instance or --snapshot DIR");
        return AMG_EUSAGE;
    }
    if (args.instance2 && strcmp(args.instance, args.instance2) == 0) {
        amg_error("verify: both --instance options name '%s'", args.instance);
        return AMG_EUSAGE;
    }
    /* A snapshot holds every record: filtering only the live side would
     * report every record the filter left out as missing. */
    if (args.snapshot && args.only && strchr(args.only, ':')) {
        amg_error("verify: record filters (--only type:field=glob) cannot be used with "
                  "--snapshot");
        return AMG_EUSAGE;
    }
    rc = check_instance(cli, args.instance);
    if (rc == AMG_OK && args.instance2)
        rc = check_instance(cli, args.instance2);
    if (rc < 0)
        return rc;
    sel.only = args.only;
    sel.exclude = args.exclude;
    args.dry_run = 0;
    amg_cli_run_opts(cli, &args);
    amg_engine_set_no_report(cli->engine, 1);
    rc = make_tmpdir(&tmp);
    if (rc < 0)
        goto out;
    if (args.snapshot) {
        a.label = args.snapshot;
        b.label = args.instance;
        rc = export_side(cli, args.instance, tmp, "b", &sel, &snap_b);
    } else {
        a.label = args.instance;
        b.label = args.instance2;
        rc = export_side(cli, args.instance, tmp, "a", &sel, &snap_a);
        if (rc == AMG_OK)
            rc = export_side(cli, args.instance2, tmp, "b", &sel, &snap_b);
    }
    if (rc < 0)
        goto out;
    rc = amg_snapshot_open(args.snapshot ? args.snapshot : snap_a, &a.snap);
    if (rc == AMG_OK)
        rc = amg_snapshot_key_reader(cli->cfg, a.snap, 1);
    if (rc == AMG_OK)
        rc = amg_snapshot_open(snap_b, &b.snap);
    if (rc == AMG_OK)
        rc = amg_snapshot_key_reader(cli->cfg, b.snap, 1);
    if (rc == AMG_OK)
        rc = amg_report_new("verify", b.label, args.snapshot, time(NULL), &report);
    if (rc < 0)
        goto out;
    amg_report_set(report, "compared_with", json_string(a.label));
    rc = compare(cli, &sel, &a, &b, args.snapshot != NULL, report, &total, &kinds);
    if (rc < 0)
        goto out;
    if (total)
        printf("verify: %s and %s differ: %ld difference%s in %ld resource type%s compared\n",
               a.label, b.label, total, total == 1 ? "" : "s", kinds, kinds == 1 ? "" : "s");
    else
        printf("verify: %s and %s are equal (%ld resource type%s compared)\n", a.label,
               b.label, kinds, kinds == 1 ? "" : "s");
    rc = total ? AMG_EPARTIAL : AMG_OK;
    amg_report_set(report, "differences", json_integer(total));
    amg_report_set(report, "result", json_string(total ? "different" : "equal"));
    amg_report_set(report, "exit_status", json_integer(amg_exit_code(rc)));
    amg_report_set(report, "dry_run", json_false());
    amg_report_set(report, "id_map", json_object());
    if (amg_report_finish(report) < 0 ||
        amg_report_write(report, cli->cfg->snapshot_dir, time(NULL), &report_path) < 0)
        amg_warn("verify: the report could not be written");
    else
        amg_info("verify: report %s", report_path);
    if (report_path)
        amg_engine_note_report(cli->engine, report_path);
out:
    amg_snapshot_close(a.snap);
    amg_snapshot_close(b.snap);
    if (tmp && amg_rmtree(tmp) < 0)
        amg_warn("verify: could not remove %s", tmp);
    amg_report_free(report);
    free(report_path);
    free(snap_a);
    free(snap_b);
    free(tmp);
    return rc;
}

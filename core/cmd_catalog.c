/*
 * The commands that look after the snapshot directory: snapshots and
 * prune.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "catalog.h"
#include "cli.h"
#include "error.h"
#include "fsutil.h"
#include "log.h"
#include "mem.h"
#include "store.h"
#include "snapshot.h"

/* "12.3 MiB"-style size for tables. */
static void human_size(long long bytes, char *buf, size_t len)
{
    if (bytes < 1024)
        snprintf(buf, len, "%lld B", bytes);
    else if (bytes < 1024 * 1024)
        snprintf(buf, len, "%.1f KiB", (double)bytes / 1024);
    else
        snprintf(buf, len, "%.1f MiB", (double)bytes / (1024 * 1024));
}

/* The snapshot_store's complete snapshots (manifest present; checksums
 * are checked when one is fetched, not here). */
static int list_store(struct cli *cli, const char *instance)
{
    struct amg_catalog_entry *v = NULL;
    long long *bytes = NULL;
    size_t n = 0, i;
    int rc;

    rc = amg_store_list(cli->cfg, instance, &v, &bytes, &n);
    if (rc < 0)
        return rc;
    printf("\n%-60s %-20s %10s\n", "in the store", "created", "size");
    for (i = 0; i < n; i++) {
        char when[32], size[32];
        struct tm tm;

        gmtime_r(&v[i].created, &tm);
        strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%SZ", &tm);
        human_size(bytes[i], size, sizeof(size));
        printf("%-60s %-20s %10s\n", v[i].path, when, size);
    }
    amg_catalog_free(v, n);
    amg_free(bytes);
    return AMG_OK;
}

/* The same retention in the snapshot_store. */
static int prune_store(struct cli *cli, const struct cmd_args *a)
{
    struct amg_catalog_entry *v = NULL;
    long long *bytes = NULL;
    int *remove = NULL;
    size_t n = 0, i;
    int rc;

    rc = amg_store_list(cli->cfg, a->instance, &v, &bytes, &n);
    if (rc < 0)
        return rc;
    remove = calloc(n ? n : 1, sizeof(*remove));
    rc = remove ? amg_catalog_retention(v, n, (int)a->keep, (int)a->keep_days, time(NULL),
                                        remove) : AMG_ENOMEM;
    for (i = 0; rc == AMG_OK && i < n; i++) {
        if (!remove[i])
            continue;
        if (a->dry_run) {
            printf("would remove %s\n", v[i].path);
            continue;
        }
        rc = amg_store_remove(cli->cfg, v[i].name);
        if (rc == AMG_OK)
            printf("removed %s\n", v[i].path);
    }
    free(remove);
    amg_catalog_free(v, n);
    amg_free(bytes);
    return rc;
}

int amg_cmd_snapshots(struct cli *cli, const struct command *cmd, int argc, char **argv)
{
    struct amg_catalog_entry *v = NULL;
    struct cmd_args a;
    size_t n = 0, i;
    int rc;

    rc = amg_cli_parse(cmd, OPT_INSTANCE, argc, argv, &a);
    if (rc != AMG_OK)
        return rc;
    rc = amg_catalog_list(cli->cfg->snapshot_dir, a.instance, &v, &n);
    if (rc < 0)
        return rc;
    printf("%-44s %-20s %10s %8s  %s\n", "snapshot", "created", "size", "records", "valid");
    for (i = 0; i < n; i++) {
        struct amg_snapshot *s = NULL;
        long long bytes = 0, records = 0;
        char when[32], size[32];
        struct tm tm;
        int valid;

        /* Checking costs a read of every file; problems are logged. */
        valid = amg_snapshot_open(v[i].path, &s) == AMG_OK;
        if (valid) {
            json_t *files = json_object_get(amg_snapshot_manifest(s), "files");
            json_t *f;
            size_t k;

            json_array_foreach(files, k, f) {
                bytes += json_integer_value(json_object_get(f, "bytes"));
                records += json_integer_value(json_object_get(f, "records"));
            }
        }
        amg_snapshot_close(s);
        gmtime_r(&v[i].created, &tm);
        strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%SZ", &tm);
        human_size(bytes, size, sizeof(size));
        printf("%-44s %-20s %10s %8lld  %s\n", v[i].name, when, valid ? size : "-", records,
               valid ? "yes" : "NO");
    }
    amg_catalog_free(v, n);
    return cli->cfg->snapshot_store ? list_store(cli, a.instance) : AMG_OK;
}

/* Hide a snapshot (rename to .<name>.deleting) before removing it, so
 * that a crash half way never leaves a partial directory that looks like
 * a finished snapshot. */
static int retire(const char *snapshot_dir, const struct amg_catalog_entry *e)
{
    size_t len = strlen(e->name) + sizeof("..deleting");
    char *hidden_name = malloc(len);
    char *hidden = NULL;
    int rc = AMG_ENOMEM;

    if (!hidden_name)
        goto out;
    snprintf(hidden_name, len, ".%s.deleting", e->name);
    hidden = amg_path_join(snapshot_dir, hidden_name);
    if (!hidden)
        goto out;
    /* Left over from an earlier crash: finish that removal first. */
    amg_rmtree(hidden);
    if (amg_rename_noreplace(e->path, hidden) != 0) {
        amg_error("prune: cannot move %s aside: %s", e->path, strerror(errno));
        rc = AMG_EIO;
        goto out;
    }
    rc = amg_rmtree(hidden);
    if (rc < 0)
        amg_error("prune: cannot remove %s", hidden);
out:
    free(hidden);
    free(hidden_name);
    return rc;
}

int amg_cmd_prune(struct cli *cli, const struct command *cmd, int argc, char **argv)
{
    struct amg_catalog_entry *v = NULL;
    struct cmd_args a;
    int *remove = NULL;
    size_t n = 0, i;
    long removed = 0;
    int rc;

    rc = amg_cli_parse(cmd, OPT_INSTANCE | OPT_RETENTION | OPT_DRY_RUN, argc, argv, &a);
    if (rc != AMG_OK)
        return rc;
    rc = amg_cli_require("prune", a.instance, "--instance");
    if (rc == AMG_OK && a.keep < 1) {
        amg_error("prune: --keep N is required (N >= 1: the newest snapshot is always kept)");
        rc = AMG_EUSAGE;
    }
    if (rc < 0)
        return rc;
    rc = amg_catalog_list(cli->cfg->snapshot_dir, a.instance, &v, &n);
    if (rc < 0)
        return rc;
    remove = calloc(n ? n : 1, sizeof(*remove));
    if (!remove) {
        rc = AMG_ENOMEM;
        goto out;
    }
    rc = amg_catalog_retention(v, n, (int)a.keep, (int)a.keep_days, time(NULL), remove);
    if (rc < 0)
        goto out;
    for (i = 0; i < n; i++) {
        if (!remove[i])
            continue;
        if (a.dry_run) {
            printf("would remove %s\n", v[i].path);
            continue;
        }
        rc = retire(cli->cfg->snapshot_dir, &v[i]);
        if (rc < 0)
            goto out;
        printf("removed %s\n", v[i].path);
        removed++;
    }
    amg_info("prune: %zu snapshot%s of '%s', %ld removed", n, n == 1 ? "" : "s", a.instance,
             removed);
    if (cli->cfg->snapshot_store)
        rc = prune_store(cli, &a);
out:
    free(remove);
    amg_catalog_free(v, n);
    return rc;
}

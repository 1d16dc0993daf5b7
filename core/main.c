/*
 * appid-migrate: command-line front end. Parses global options, loads the
 * configuration and the plugins, and hands the command to the engine.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <curl/curl.h>
#include "catalog.h"
#include "config.h"
#include "engine.h"
#include "fsutil.h"
#include "snapshot.h"
#include "error.h"
#include "loader.h"
#include "log.h"

#define MAX_CLI_PLUGIN_DIRS 32

struct cli {
    const char *config_path;
    const char *plugin_dirs[MAX_CLI_PLUGIN_DIRS];
    size_t n_plugin_dirs;
    struct amg_config *cfg;
    struct amg_plugin_set *plugins;
    struct amg_engine *engine;
};

struct command {
    const char *name;
    int (*run)(struct cli *cli, int argc, char **argv);
    int needs_config;    /* commands that talk to instances */
    const char *usage;
};

static void usage_main(FILE *out)
{
    fprintf(out,
            "usage: appid-migrate [-c FILE] [--plugin-dir DIR]... [-v|-q] COMMAND [ARGS]\n"
            "\n"
            "commands:\n"
            "  export    back up an instance into a new snapshot\n"
            "  import    restore a snapshot into an instance\n"
            "  migrate   export one instance and import it into another\n"
            "  validate  check a snapshot offline\n"
            "  plugins   list the resource plugins in run order\n"
            "  snapshots list snapshots with time, size, counts and validity\n"
            "  prune     remove old snapshots of an instance\n"
            "\n"
            "global options:\n"
            "  -c, --config FILE     configuration file (default: $APPID_MIGRATE_CONFIG)\n"
            "      --plugin-dir DIR  also load plugins from DIR (repeatable)\n"
            "  -v, --verbose         more detail (repeat for debug)\n"
            "  -q, --quiet           errors only\n"
            "  -h, --help            this help; COMMAND --help for a command's options\n"
            "  -V, --version         print the version\n"
            "\n"
            "See appid-migrate(1).\n");
}

/* Parses a command's options: --instance/--from/--to/--snapshot/--output/
 * --only/--exclude, whichever the command accepts (`allowed`). */
struct cmd_args {
    const char *instance;
    const char *from;
    const char *to;
    const char *snapshot;
    const char *output;
    const char *only;
    const char *exclude;
    long keep;
    long keep_days;
    int dry_run;
};

enum {
    OPT_INSTANCE = 1 << 0,
    OPT_FROM = 1 << 1,
    OPT_TO = 1 << 2,
    OPT_SNAPSHOT = 1 << 3,
    OPT_OUTPUT = 1 << 4,
    OPT_SELECT = 1 << 5,
    OPT_RETENTION = 1 << 6
};

/* Whole decimal number in [min, max]; -1 when `s` is not one. */
static long parse_count(const char *s, long min, long max)
{
    char *end = NULL;
    long v;

    errno = 0;
    v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < min || v > max)
        return -1;
    return v;
}

static int parse_cmd_args(const struct command *cmd, unsigned allowed, int argc, char **argv,
                          struct cmd_args *a)
{
    static const struct option opts[] = {
        { "instance", required_argument, NULL, 'i' },
        { "from", required_argument, NULL, 'f' },
        { "to", required_argument, NULL, 't' },
        { "snapshot", required_argument, NULL, 's' },
        { "output", required_argument, NULL, 'o' },
        { "only", required_argument, NULL, 'O' },
        { "exclude", required_argument, NULL, 'x' },
        { "keep", required_argument, NULL, 'k' },
        { "keep-days", required_argument, NULL, 'd' },
        { "dry-run", no_argument, NULL, 'n' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    int c;

    memset(a, 0, sizeof(*a));
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        unsigned need = 0;

        switch (c) {
        case 'i': a->instance = optarg; need = OPT_INSTANCE; break;
        case 'f': a->from = optarg; need = OPT_FROM; break;
        case 't': a->to = optarg; need = OPT_TO; break;
        case 's': a->snapshot = optarg; need = OPT_SNAPSHOT; break;
        case 'o': a->output = optarg; need = OPT_OUTPUT; break;
        case 'O': a->only = optarg; need = OPT_SELECT; break;
        case 'x': a->exclude = optarg; need = OPT_SELECT; break;
        case 'n': a->dry_run = 1; need = OPT_RETENTION; break;
        case 'k':
        case 'd':
            need = OPT_RETENTION;
            if (parse_count(optarg, c == 'k' ? 1 : 0, 100000) < 0) {
                amg_error("%s: %s wants a whole number%s, not '%s'", cmd->name,
                          argv[optind - 1], c == 'k' ? " of at least 1" : "", optarg);
                return AMG_EUSAGE;
            }
            if (c == 'k')
                a->keep = parse_count(optarg, 1, 100000);
            else
                a->keep_days = parse_count(optarg, 0, 100000);
            break;
        case 'h':
            printf("usage: appid-migrate %s %s\n", cmd->name, cmd->usage);
            return 1;
        case ':':
            amg_error("%s: option %s needs a value", cmd->name, argv[optind - 1]);
            return AMG_EUSAGE;
        default:
            amg_error("%s: unknown option %s (see appid-migrate %s --help)", cmd->name,
                      argv[optind - 1], cmd->name);
            return AMG_EUSAGE;
        }
        if (!(allowed & need)) {
            amg_error("%s: option %s does not apply to this command", cmd->name,
                      argv[optind - 1]);
            return AMG_EUSAGE;
        }
    }
    if (optind < argc) {
        amg_error("%s: unexpected argument '%s'", cmd->name, argv[optind]);
        return AMG_EUSAGE;
    }
    return AMG_OK;
}

static int require(const char *cmd, const char *value, const char *option)
{
    if (value)
        return AMG_OK;
    amg_error("%s: %s is required", cmd, option);
    return AMG_EUSAGE;
}

static int cmd_export(struct cli *cli, int argc, char **argv);
static int cmd_import(struct cli *cli, int argc, char **argv);
static int cmd_migrate(struct cli *cli, int argc, char **argv);
static int cmd_validate(struct cli *cli, int argc, char **argv);
static int cmd_plugins(struct cli *cli, int argc, char **argv);
static int cmd_snapshots(struct cli *cli, int argc, char **argv);
static int cmd_prune(struct cli *cli, int argc, char **argv);

static const struct command commands[] = {
    { "export", cmd_export, 1, "--instance NAME [--output DIR] [--only A,B] [--exclude C]" },
    { "import", cmd_import, 1,
      "--instance NAME --snapshot DIR [--only A,B] [--exclude C]" },
    { "migrate", cmd_migrate, 1, "--from NAME --to NAME [--only A,B] [--exclude C]" },
    { "validate", cmd_validate, 0, "--snapshot DIR" },
    { "plugins", cmd_plugins, 0, "" },
    { "snapshots", cmd_snapshots, 1, "[--instance NAME]" },
    { "prune", cmd_prune, 1, "--instance NAME --keep N [--keep-days D] [--dry-run]" },
};

static int cmd_export(struct cli *cli, int argc, char **argv)
{
    struct cmd_args a;
    struct amg_selection sel;
    char *path = NULL;
    int rc;

    rc = parse_cmd_args(&commands[0], OPT_INSTANCE | OPT_OUTPUT | OPT_SELECT, argc, argv, &a);
    if (rc != AMG_OK)
        return rc;
    rc = require("export", a.instance, "--instance");
    if (rc < 0)
        return rc;
    sel.only = a.only;
    sel.exclude = a.exclude;
    rc = amg_engine_export(cli->engine, a.instance, a.output, &sel, &path);
    if (rc == AMG_OK)
        printf("%s\n", path);
    free(path);
    return rc;
}

static int cmd_import(struct cli *cli, int argc, char **argv)
{
    struct cmd_args a;
    struct amg_selection sel;
    int rc;

    rc = parse_cmd_args(&commands[1], OPT_INSTANCE | OPT_SNAPSHOT | OPT_SELECT, argc, argv, &a);
    if (rc != AMG_OK)
        return rc;
    rc = require("import", a.instance, "--instance");
    if (rc == AMG_OK)
        rc = require("import", a.snapshot, "--snapshot");
    if (rc < 0)
        return rc;
    sel.only = a.only;
    sel.exclude = a.exclude;
    return amg_engine_import(cli->engine, a.instance, a.snapshot, &sel);
}

static int cmd_migrate(struct cli *cli, int argc, char **argv)
{
    struct cmd_args a;
    struct amg_selection sel;
    char *path = NULL;
    int rc;

    rc = parse_cmd_args(&commands[2], OPT_FROM | OPT_TO | OPT_SELECT, argc, argv, &a);
    if (rc != AMG_OK)
        return rc;
    rc = require("migrate", a.from, "--from");
    if (rc == AMG_OK)
        rc = require("migrate", a.to, "--to");
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
    rc = amg_engine_export(cli->engine, a.from, NULL, &sel, &path);
    if (rc < 0)
        goto out;
    printf("snapshot: %s\n", path);
    rc = amg_engine_import(cli->engine, a.to, path, &sel);
out:
    free(path);
    return rc;
}

static int cmd_validate(struct cli *cli, int argc, char **argv)
{
    struct cmd_args a;
    int rc;

    rc = parse_cmd_args(&commands[3], OPT_SNAPSHOT, argc, argv, &a);
    if (rc != AMG_OK)
        return rc;
    rc = require("validate", a.snapshot, "--snapshot");
    if (rc < 0)
        return rc;
    rc = amg_engine_validate(cli->engine, a.snapshot);
    if (rc == AMG_OK)
        printf("%s: valid\n", a.snapshot);
    return rc;
}

static int cmd_plugins(struct cli *cli, int argc, char **argv)
{
    struct cmd_args a;
    size_t i;
    int rc;

    rc = parse_cmd_args(&commands[4], 0, argc, argv, &a);
    if (rc != AMG_OK)
        return rc;
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

static int cmd_snapshots(struct cli *cli, int argc, char **argv)
{
    struct amg_catalog_entry *v = NULL;
    struct cmd_args a;
    size_t n = 0, i;
    int rc;

    rc = parse_cmd_args(&commands[5], OPT_INSTANCE, argc, argv, &a);
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
    return AMG_OK;
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

static int cmd_prune(struct cli *cli, int argc, char **argv)
{
    struct amg_catalog_entry *v = NULL;
    struct cmd_args a;
    int *remove = NULL;
    size_t n = 0, i;
    long removed = 0;
    int rc;

    rc = parse_cmd_args(&commands[6], OPT_INSTANCE | OPT_RETENTION, argc, argv, &a);
    if (rc != AMG_OK)
        return rc;
    rc = require("prune", a.instance, "--instance");
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
out:
    free(remove);
    amg_catalog_free(v, n);
    return rc;
}

static int load_everything(struct cli *cli, const struct command *cmd)
{
    const char *path = cli->config_path ? cli->config_path : getenv("APPID_MIGRATE_CONFIG");
    char **dirs = NULL;
    size_t n = 0;
    int rc;

    if (path && *path)
        rc = amg_config_load(path, &cli->cfg);
    else if (cmd->needs_config) {
        amg_error("%s: no configuration file: use -c FILE or set APPID_MIGRATE_CONFIG",
                  cmd->name);
        return AMG_ECONFIG;
    } else
        rc = amg_config_default(&cli->cfg);
    if (rc < 0)
        return rc;
    dirs = amg_plugin_dirs(cli->plugin_dirs, cli->n_plugin_dirs,
                           (const char *const *)cli->cfg->plugin_dirs, cli->cfg->n_plugin_dirs,
                           AMG_DEFAULT_PLUGIN_DIR);
    if (!dirs)
        return AMG_ENOMEM;
    while (dirs[n])
        n++;
    rc = amg_plugins_load((const char *const *)dirs, n, &cli->plugins);
    for (n = 0; dirs[n]; n++)
        free(dirs[n]);
    free(dirs);
    if (rc < 0)
        return rc;
    return amg_engine_new(cli->cfg, cli->plugins, &cli->engine);
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        { "config", required_argument, NULL, 'c' },
        { "plugin-dir", required_argument, NULL, 'P' },
        { "verbose", no_argument, NULL, 'v' },
        { "quiet", no_argument, NULL, 'q' },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { NULL, 0, NULL, 0 },
    };
    struct cli cli;
    const struct command *cmd = NULL;
    int level = AMG_LOG_WARN + 1;  /* info by default */
    int rc = AMG_OK;
    int c;
    size_t i;

    memset(&cli, 0, sizeof(cli));
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+:c:vqhV", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            cli.config_path = optarg;
            break;
        case 'P':
            if (cli.n_plugin_dirs == MAX_CLI_PLUGIN_DIRS) {
                amg_error("too many --plugin-dir options (at most %d)", MAX_CLI_PLUGIN_DIRS);
                return AMG_EXIT_USAGE;
            }
            cli.plugin_dirs[cli.n_plugin_dirs++] = optarg;
            break;
        case 'v':
            level++;
            break;
        case 'q':
            level = AMG_LOG_ERROR;
            break;
        case 'h':
            usage_main(stdout);
            return AMG_EXIT_OK;
        case 'V':
            printf("appid-migrate %s (plugin ABI %d.%d)\n", PACKAGE_VERSION,
                   AMG_PLUGIN_ABI_MAJOR, AMG_PLUGIN_ABI_MINOR);
            return AMG_EXIT_OK;
        case ':':
            amg_error("option %s needs a value", argv[optind - 1]);
            return AMG_EXIT_USAGE;
        default:
            amg_error("unknown option %s (see appid-migrate --help)", argv[optind - 1]);
            return AMG_EXIT_USAGE;
        }
    }
    amg_log_set_level(level > AMG_LOG_DEBUG ? AMG_LOG_DEBUG : (enum amg_log_level)level);
    if (optind >= argc) {
        usage_main(stderr);
        return AMG_EXIT_USAGE;
    }
    for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        if (strcmp(argv[optind], commands[i].name) == 0)
            cmd = &commands[i];
    }
    if (!cmd) {
        amg_error("unknown command '%s' (see appid-migrate --help)", argv[optind]);
        return AMG_EXIT_USAGE;
    }
    /* `COMMAND --help` must work without a config or plugins. */
    for (c = optind + 1; c < argc; c++) {
        if (strcmp(argv[c], "--help") == 0 || strcmp(argv[c], "-h") == 0) {
            printf("usage: appid-migrate %s %s\n", cmd->name, cmd->usage);
            return AMG_EXIT_OK;
        }
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    rc = load_everything(&cli, cmd);
    if (rc == AMG_OK)
        rc = cmd->run(&cli, argc - optind, argv + optind);
    amg_engine_free(cli.engine);
    amg_plugins_free(cli.plugins);
    amg_config_free(cli.cfg);
    amg_log_clear_secrets();
    curl_global_cleanup();
    if (rc == 1)  /* --help inside parse_cmd_args */
        return AMG_EXIT_OK;
    return amg_exit_code(rc);
}

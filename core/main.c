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
#include "cli.h"
#include "error.h"
#include "loader.h"
#include "log.h"
#include "mem.h"
#include "options.h"

static void usage_main(FILE *out)
{
    fprintf(out,
            "usage: appid-migrate [-c FILE] [--plugin-dir DIR]... [-v|-q] COMMAND [ARGS]\n"
            "\n"
            "commands:\n"
            "  export    back up an instance into a new snapshot\n"
            "  import    restore a snapshot into an instance\n"
            "  migrate   export one instance and import it into another\n"
            "  verify    compare two instances, or a snapshot and an instance\n"
            "  validate  check a snapshot offline\n"
            "  plugins   list the resource plugins in run order, or one plugin's options\n"
            "  snapshots list snapshots with time, size, counts and validity\n"
            "  prune     remove old snapshots of an instance\n"
            "  run       run a job of the configuration, or all of them in file order\n"
            "  jobs      list the configuration's jobs and what each would do\n"
            "\n"
            "global options:\n"
            "  -c, --config FILE     configuration file (default: $APPID_MIGRATE_CONFIG)\n"
            "      --plugin-dir DIR  also load plugins from DIR (repeatable)\n"
            "  -v, --verbose         more detail (repeat for debug)\n"
            "  -q, --quiet           errors only, no progress\n"
            "  -h, --help            this help; COMMAND --help for a command's options\n"
            "  -V, --version         print the version\n"
            "\n"
            "See appid-migrate(1).\n");
}

static const struct command commands[] = {
    { "export", amg_cmd_export, 1, "--instance NAME [--output DIR] [--only A,B] [--exclude C]" },
    { "import", amg_cmd_import, 1,
      "--instance NAME --snapshot DIR [--only A,B] [--exclude C]\n"
      "       [--resume | --no-resume | --dry-run [--plan-out FILE]]\n"
      "       [--on-conflict update|skip|fail]" },
    { "migrate", amg_cmd_migrate, 1,
      "--from NAME --to NAME [--only A,B] [--exclude C]\n"
      "       [--resume | --no-resume | --dry-run [--plan-out FILE]]\n"
      "       [--on-conflict update|skip|fail]" },
    { "verify", amg_cmd_verify, 1,
      "--instance A (--instance B | --snapshot DIR) [--only A,B] [--exclude C]" },
    { "validate", amg_cmd_validate, 0, "--snapshot DIR" },
    { "plugins", amg_cmd_plugins, 0, "[--options NAME]" },
    { "snapshots", amg_cmd_snapshots, 1, "[--instance NAME]" },
    { "prune", amg_cmd_prune, 1, "--instance NAME --keep N [--keep-days D] [--dry-run]" },
    { "run", amg_cmd_run, 1,
      "(JOB | --all) [--only A,B] [--exclude C] [--dry-run] [--on-conflict update|skip|fail]" },
    { "jobs", amg_cmd_jobs, 1, "" },
};

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
    /* Before any run: a mistyped option must not be silently ignored. */
    rc = amg_options_apply(cli->cfg, cli->plugins);
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

    /* JSON allocations go through the core's wrappers from here on. */
    amg_mem_init();
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
            cli.quiet = 1;
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
        rc = cmd->run(&cli, cmd, argc - optind, argv + optind);
    amg_engine_free(cli.engine);
    amg_plugins_free(cli.plugins);
    amg_config_free(cli.cfg);
    amg_log_clear_secrets();
    curl_global_cleanup();
    if (rc == 1)  /* --help inside parse_cmd_args */
        return AMG_EXIT_OK;
    return amg_exit_code(rc);
}

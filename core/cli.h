/*
 * Command-line plumbing shared by the commands: the parsed global state,
 * a command's option parser and the command functions themselves.
 */
#ifndef AMG_CLI_H
#define AMG_CLI_H

#include <stddef.h>
#include "config.h"
#include "engine.h"
#include "loader.h"

#define MAX_CLI_PLUGIN_DIRS 32

struct cli {
    const char *config_path;
    const char *plugin_dirs[MAX_CLI_PLUGIN_DIRS];
    size_t n_plugin_dirs;
    struct amg_config *cfg;
    struct amg_plugin_set *plugins;
    struct amg_engine *engine;
    int quiet;                       /* -q: errors only, no progress */
};

struct command {
    const char *name;
    int (*run)(struct cli *cli, const struct command *cmd, int argc, char **argv);
    int needs_config;    /* commands that talk to instances */
    const char *usage;
};

/* Options a command may accept; see amg_cli_parse(). */
struct cmd_args {
    const char *instance;
    const char *instance2;    /* verify: a second --instance */
    const char *from;
    const char *to;
    const char *snapshot;
    const char *output;
    const char *only;
    const char *exclude;
    long keep;
    long keep_days;
    int dry_run;
    const char *plan_out;
    const char *options;      /* plugins --options NAME */
    int resume;               /* --resume (the default; accepted for clarity) */
    int no_resume;            /* --no-resume */
    const char *on_conflict;  /* --on-conflict: "update", "skip" or "fail" */
};

enum {
    OPT_INSTANCE = 1 << 0,
    OPT_FROM = 1 << 1,
    OPT_TO = 1 << 2,
    OPT_SNAPSHOT = 1 << 3,
    OPT_OUTPUT = 1 << 4,
    OPT_SELECT = 1 << 5,
    OPT_RETENTION = 1 << 6,
    OPT_DRY_RUN = 1 << 7,
    OPT_PLAN_OUT = 1 << 8,
    OPT_INSTANCE2 = 1 << 9,   /* --instance may be given twice */
    OPT_OPTIONS = 1 << 10,
    OPT_RESUME = 1 << 11,     /* --resume / --no-resume */
    OPT_CONFLICT = 1 << 12    /* --on-conflict */
};

/*
 * Parse a command's options into *a; options outside `allowed` (OPT_*
 * bits) are usage errors. Returns AMG_OK, AMG_EUSAGE (logged) or 1 after
 * printing the command's --help.
 */
int amg_cli_parse(const struct command *cmd, unsigned allowed, int argc, char **argv,
                  struct cmd_args *a);

/* AMG_EUSAGE (logged) when a required option is missing. */
int amg_cli_require(const char *cmd, const char *value, const char *option);

int amg_cmd_export(struct cli *cli, const struct command *cmd, int argc, char **argv);
int amg_cmd_import(struct cli *cli, const struct command *cmd, int argc, char **argv);
int amg_cmd_migrate(struct cli *cli, const struct command *cmd, int argc, char **argv);
int amg_cmd_validate(struct cli *cli, const struct command *cmd, int argc, char **argv);
int amg_cmd_plugins(struct cli *cli, const struct command *cmd, int argc, char **argv);
int amg_cmd_snapshots(struct cli *cli, const struct command *cmd, int argc, char **argv);
int amg_cmd_prune(struct cli *cli, const struct command *cmd, int argc, char **argv);
int amg_cmd_verify(struct cli *cli, const struct command *cmd, int argc, char **argv);
int amg_cmd_run(struct cli *cli, const struct command *cmd, int argc, char **argv);
int amg_cmd_jobs(struct cli *cli, const struct command *cmd, int argc, char **argv);

/* Engine options for a run from the global options and `a`. */
void amg_cli_run_opts(const struct cli *cli, const struct cmd_args *a);

#endif

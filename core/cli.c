#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "error.h"
#include "log.h"

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

int amg_cli_parse(const struct command *cmd, unsigned allowed, int argc, char **argv,
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
        { "plan-out", required_argument, NULL, 'p' },
        { "options", required_argument, NULL, 'T' },
        { "resume", no_argument, NULL, 'r' },
        { "no-resume", no_argument, NULL, 'R' },
        { "on-conflict", required_argument, NULL, 'C' },
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
        case 'i':
            need = OPT_INSTANCE;
            if (a->instance2 || (a->instance && !(allowed & OPT_INSTANCE2))) {
                amg_error("%s: --instance given too often", cmd->name);
                return AMG_EUSAGE;
            }
            if (a->instance)
                a->instance2 = optarg;
            else
                a->instance = optarg;
            break;
        case 'f': a->from = optarg; need = OPT_FROM; break;
        case 't': a->to = optarg; need = OPT_TO; break;
        case 's': a->snapshot = optarg; need = OPT_SNAPSHOT; break;
        case 'o': a->output = optarg; need = OPT_OUTPUT; break;
        case 'O': a->only = optarg; need = OPT_SELECT; break;
        case 'x': a->exclude = optarg; need = OPT_SELECT; break;
        case 'n': a->dry_run = 1; need = OPT_DRY_RUN; break;
        case 'p': a->plan_out = optarg; need = OPT_PLAN_OUT; break;
        case 'T': a->options = optarg; need = OPT_OPTIONS; break;
        case 'r': a->resume = 1; need = OPT_RESUME; break;
        case 'R': a->no_resume = 1; need = OPT_RESUME; break;
        case 'C':
            need = OPT_CONFLICT;
            a->on_conflict = optarg;
            if (amg_conflict_parse(optarg, &(enum amg_conflict){ 0 }) < 0) {
                amg_error("%s: --on-conflict wants update, skip or fail, not '%s'",
                          cmd->name, optarg);
                return AMG_EUSAGE;
            }
            break;
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
    if (a->plan_out && !a->dry_run) {
        amg_error("%s: --plan-out needs --dry-run", cmd->name);
        return AMG_EUSAGE;
    }
    if (a->resume && a->no_resume) {
        amg_error("%s: --resume and --no-resume contradict each other", cmd->name);
        return AMG_EUSAGE;
    }
    if ((a->resume || a->no_resume) && a->dry_run) {
        amg_error("%s: --%s does not apply to --dry-run (a dry run keeps no journal)",
                  cmd->name, a->resume ? "resume" : "no-resume");
        return AMG_EUSAGE;
    }
    return AMG_OK;
}

int amg_cli_require(const char *cmd, const char *value, const char *option)
{
    if (value)
        return AMG_OK;
    amg_error("%s: %s is required", cmd, option);
    return AMG_EUSAGE;
}

void amg_cli_run_opts(const struct cli *cli, const struct cmd_args *a)
{
    struct amg_run_opts o;

    memset(&o, 0, sizeof(o));
    o.dry_run = a->dry_run;
    o.plan_out = a->plan_out;
    o.no_resume = a->no_resume;
    o.progress = amg_progress_mode_for(stderr, cli->quiet);
    if (a->on_conflict)  /* checked by amg_cli_parse() */
        (void)amg_conflict_parse(a->on_conflict, &o.on_conflict);
    amg_engine_set_opts(cli->engine, &o);
}

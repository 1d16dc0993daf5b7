/*
 * appid-sim: a local emulator of the IBM Cloud App ID Management API v4
 * and of the IAM token endpoint, for tests and demos. See docs/appid-sim.md.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "appid-migrate/plugin.h"
#include "clock.h"
#include "faults.h"
#include "hostile.h"
#include "log.h"
#include "iam.h"
#include "ratelimit.h"
#include "server.h"
#include "state.h"
#include "tenant.h"
#include "cd_async.h"
#include "oauth.h"
#include "password.h"
#include "users_store.h"

#define SIM_EXIT_OK 0
#define SIM_EXIT_FAIL 1
#define SIM_EXIT_USAGE 2
#define SIM_MAX_TTL 31536000L

struct options {
    long port;
    const char *port_file;
    const char **tenant_ids;     /* borrowed from argv; array owned */
    size_t n_tenants;
    const char *api_key;         /* argv or environment */
    const char *state;
    long ttl;
    const char *region;
    int verbose;
    long rate_limit;             /* 0: off */
    double block_seconds;
    int retry_after;
    struct sim_faults_conf faults;
    long pbkdf2_iterations;
    struct sim_hostile hostile;
    const char *token_log;
};

static void usage(FILE *out)
{
    fputs("usage: appid-sim [--port N] [--port-file FILE] --tenant ID [--tenant ID ...]\n"
          "                 --api-key KEY [--state FILE] [--token-ttl SECONDS]\n"
          "                 [--region NAME] [--pbkdf2-iterations N] [-v]\n"
          "                 [--rate-limit N] [--block-seconds S] [--retry-after]\n"
          "                 [--latency-ms N] [--fail-rate P] [--drop-rate P] [--seed N]\n"
          "                 [--drop-after-rate P] [--hostile MODE] [--hostile-path PREFIX]\n"
          "                 [--token-log FILE]\n"
          "The API key may come from the environment variable APPID_SIM_API_KEY instead.\n"
          "Listens on 127.0.0.1 only; --port 0 (the default) picks a free port.\n",
          out);
}

static int parse_long(const char *text, long min, long max, long *out)
{
    char *end = NULL;
    long v;

    errno = 0;
    v = strtol(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || v < min || v > max)
        return AMG_EINVAL;
    *out = v;
    return AMG_OK;
}

static int parse_double(const char *text, double min, double max, double *out)
{
    char *end = NULL;
    double v;

    errno = 0;
    v = strtod(text, &end);
    /* !(v >= min) also refuses NaN. */
    if (errno != 0 || end == text || *end != '\0' || !(v >= min) || !(v <= max))
        return AMG_EINVAL;
    *out = v;
    return AMG_OK;
}

static int parse_u64(const char *text, uint64_t *out)
{
    unsigned long long v;
    char *end = NULL;

    errno = 0;
    if (text[0] < '0' || text[0] > '9')   /* strtoull would take "-1" */
        return AMG_EINVAL;
    v = strtoull(text, &end, 10);
    if (errno != 0 || *end != '\0')
        return AMG_EINVAL;
    *out = (uint64_t)v;
    return AMG_OK;
}

static int region_valid(const char *r)
{
    size_t i, n = strlen(r);

    if (n == 0 || n > 32)
        return 0;
    for (i = 0; i < n; i++) {
        if (!((r[i] >= 'a' && r[i] <= 'z') || (r[i] >= '0' && r[i] <= '9') || r[i] == '-'))
            return 0;
    }
    return 1;
}

/* Returns 0, AMG_EUSAGE (message printed) or 1 for --help. */
static int parse_options(int argc, char **argv, struct options *o)
{
    static const struct option longopts[] = {
        { "port", required_argument, NULL, 'p' },
        { "port-file", required_argument, NULL, 'f' },
        { "tenant", required_argument, NULL, 't' },
        { "api-key", required_argument, NULL, 'k' },
        { "state", required_argument, NULL, 's' },
        { "token-ttl", required_argument, NULL, 'T' },
        { "region", required_argument, NULL, 'r' },
        { "verbose", no_argument, NULL, 'v' },
        { "rate-limit", required_argument, NULL, 'R' },
        { "block-seconds", required_argument, NULL, 'B' },
        { "retry-after", no_argument, NULL, 'A' },
        { "latency-ms", required_argument, NULL, 'L' },
        { "fail-rate", required_argument, NULL, 'F' },
        { "drop-rate", required_argument, NULL, 'D' },
        { "seed", required_argument, NULL, 'S' },
        { "pbkdf2-iterations", required_argument, NULL, 'I' },
        { "drop-after-rate", required_argument, NULL, 'X' },
        { "hostile", required_argument, NULL, 'H' },
        { "hostile-path", required_argument, NULL, 'P' },
        { "token-log", required_argument, NULL, 'K' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char **grown;
    int c;

    while ((c = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
        switch (c) {
        case 'p':
            if (parse_long(optarg, 0, 65535, &o->port) != AMG_OK) {
                amg_error("--port: '%s' is not a port number (0-65535)", optarg);
                return AMG_EUSAGE;
            }
            break;
        case 'f':
            o->port_file = optarg;
            break;
        case 't':
            if (!sim_tenant_id_valid(optarg)) {
                amg_error("--tenant: '%s' is not a valid tenant id "
                          "(1-64 characters of A-Z a-z 0-9 - _)", optarg);
                return AMG_EUSAGE;
            }
            grown = realloc(o->tenant_ids, (o->n_tenants + 1) * sizeof(*grown));
            if (!grown)
                return AMG_ENOMEM;
            o->tenant_ids = grown;
            o->tenant_ids[o->n_tenants++] = optarg;
            break;
        case 'k':
            o->api_key = optarg;
            break;
        case 's':
            o->state = optarg;
            break;
        case 'T':
            if (parse_long(optarg, 0, SIM_MAX_TTL, &o->ttl) != AMG_OK) {
                amg_error("--token-ttl: '%s' is not a number of seconds (0-%ld)", optarg,
                          SIM_MAX_TTL);
                return AMG_EUSAGE;
            }
            break;
        case 'r':
            if (!region_valid(optarg)) {
                amg_error("--region: '%s' is not a region name (e.g. us-south)", optarg);
                return AMG_EUSAGE;
            }
            o->region = optarg;
            break;
        case 'v':
            o->verbose = 1;
            break;
        case 'R':
            if (parse_long(optarg, 0, SIM_RATELIMIT_MAX_RATE, &o->rate_limit) != AMG_OK) {
                amg_error("--rate-limit: '%s' is not a number of requests per second "
                          "(0-%ld, 0: off)", optarg, SIM_RATELIMIT_MAX_RATE);
                return AMG_EUSAGE;
            }
            break;
        case 'B':
            if (parse_double(optarg, 0, SIM_RATELIMIT_MAX_BLOCK, &o->block_seconds) != AMG_OK) {
                amg_error("--block-seconds: '%s' is not a number of seconds (0-%.0f)", optarg,
                          SIM_RATELIMIT_MAX_BLOCK);
                return AMG_EUSAGE;
            }
            break;
        case 'A':
            o->retry_after = 1;
            break;
        case 'L':
            if (parse_long(optarg, 0, SIM_FAULTS_MAX_LATENCY_MS, &o->faults.latency_ms) !=
                AMG_OK) {
                amg_error("--latency-ms: '%s' is not a number of milliseconds (0-%ld)", optarg,
                          SIM_FAULTS_MAX_LATENCY_MS);
                return AMG_EUSAGE;
            }
            break;
        case 'F':
        case 'D':
            if (parse_double(optarg, 0, 1, c == 'F' ? &o->faults.fail_rate
                                                    : &o->faults.drop_rate) != AMG_OK) {
                amg_error("--%s: '%s' is not a fraction (0-1)",
                          c == 'F' ? "fail-rate" : "drop-rate", optarg);
                return AMG_EUSAGE;
            }
            break;
        case 'X':
            if (parse_double(optarg, 0, 1, &o->faults.drop_after_rate) != AMG_OK) {
                amg_error("--drop-after-rate: '%s' is not a fraction (0-1)", optarg);
                return AMG_EUSAGE;
            }
            break;
        case 'H':
            if (sim_hostile_parse(optarg, &o->hostile.mode) != AMG_OK) {
                amg_error("--hostile: unknown mode '%s' (not-json, array-as-object, "
                          "number-as-string, huge, trickle, html-500, html-502, 302, 418)",
                          optarg);
                return AMG_EUSAGE;
            }
            break;
        case 'P':
            if (optarg[0] != '/') {
                amg_error("--hostile-path: '%s' does not start with '/'", optarg);
                return AMG_EUSAGE;
            }
            o->hostile.path_prefix = optarg;
            break;
        case 'K':
            o->token_log = optarg;
            break;
        case 'S':
            if (parse_u64(optarg, &o->faults.seed) != AMG_OK) {
                amg_error("--seed: '%s' is not an unsigned 64-bit number", optarg);
                return AMG_EUSAGE;
            }
            o->faults.seeded = 1;
            break;
        case 'I':
            if (parse_long(optarg, 1, SIM_PW_MAX_ITERATIONS, &o->pbkdf2_iterations) != AMG_OK) {
                amg_error("--pbkdf2-iterations: '%s' is not a number from 1 to %u", optarg,
                          SIM_PW_MAX_ITERATIONS);
                return AMG_EUSAGE;
            }
            break;
        case 'h':
            usage(stdout);
            return 1;
        default:
            usage(stderr);
            return AMG_EUSAGE;
        }
    }
    if (optind < argc) {
        amg_error("unexpected argument '%s'", argv[optind]);
        usage(stderr);
        return AMG_EUSAGE;
    }
    if (!o->api_key || !o->api_key[0])
        o->api_key = getenv("APPID_SIM_API_KEY");
    if (!o->api_key || !o->api_key[0]) {
        amg_error("no API key: give --api-key or set APPID_SIM_API_KEY");
        return AMG_EUSAGE;
    }
    return AMG_OK;
}

struct fifo_job {
    const char *path;
    unsigned port;
};

/* Opening a FIFO blocks until the reader shows up; doing it here keeps the
 * main thread free to react to signals meanwhile. */
static void *fifo_writer(void *arg)
{
    const struct fifo_job *job = arg;
    char line[16];
    int n = snprintf(line, sizeof(line), "%u\n", job->port);
    int fd = open(job->path, O_WRONLY | O_CLOEXEC);

    if (fd < 0) {
        amg_error("port file %s: %s", job->path, strerror(errno));
        return NULL;
    }
    if (write(fd, line, (size_t)n) != n)
        amg_error("port file %s: write failed: %s", job->path, strerror(errno));
    close(fd);
    return NULL;
}

static int write_port_file(const char *path, unsigned port)
{
    static struct fifo_job job;
    struct stat st;
    pthread_t thread;
    char *tmp = NULL;
    size_t len = strlen(path) + sizeof(".tmp.XXXXXX");
    FILE *f = NULL;
    int fd = -1;
    int rc = AMG_EIO;

    if (stat(path, &st) == 0 && S_ISFIFO(st.st_mode)) {
        job.path = path;
        job.port = port;
        if (pthread_create(&thread, NULL, fifo_writer, &job) != 0) {
            amg_error("port file %s: cannot start writer thread", path);
            return AMG_EIO;
        }
        pthread_detach(thread);
        return AMG_OK;
    }
    tmp = malloc(len);
    if (!tmp)
        return AMG_ENOMEM;
    snprintf(tmp, len, "%s.tmp.XXXXXX", path);
    fd = mkstemp(tmp);
    if (fd < 0 || fchmod(fd, 0644) != 0 || !(f = fdopen(fd, "w"))) {
        amg_error("port file %s: %s", path, strerror(errno));
        goto out;
    }
    fd = -1;
    if (fprintf(f, "%u\n", port) < 0 || fclose(f) != 0) {
        f = NULL;
        amg_error("port file %s: write failed: %s", path, strerror(errno));
        goto out;
    }
    f = NULL;
    if (rename(tmp, path) != 0) {
        amg_error("port file %s: %s", path, strerror(errno));
        goto out;
    }
    rc = AMG_OK;
out:
    if (rc != AMG_OK && tmp)
        unlink(tmp);
    if (f)
        fclose(f);
    if (fd >= 0)
        close(fd);
    free(tmp);
    return rc;
}

int main(int argc, char **argv)
{
    struct options opt = { .port = 0, .ttl = 3600, .region = "us-south",
                           .rate_limit = 50, .block_seconds = 30,
                           .pbkdf2_iterations = SIM_PW_DEFAULT_ITERATIONS };
    struct sim_ratelimit *ratelimit = NULL;
    struct sim_faults *faults = NULL;
    struct sim_tenants *tenants = NULL;
    struct sim_users *users = NULL;
    struct sim_jobs *jobs = NULL;
    struct sim_oauth *oauth = NULL;
    struct sim_server *server = NULL;
    struct sim_iam *iam = NULL;
    struct sim_env env;
    FILE *token_log = NULL;
    sigset_t stop_set;
    size_t i;
    int sig = 0;
    int rc;
    int status = SIM_EXIT_FAIL;

    amg_log_set_level(AMG_LOG_WARN);
    /* An import request allocates and frees a few MB of JSON in a worker
     * thread's arena; by default glibc hands that back to the kernel after
     * each request and faults it in again on the next (a fifth of the
     * sim's CPU in import profiles). Keep it instead. */
    mallopt(M_TRIM_THRESHOLD, 64 << 20);
    mallopt(M_TOP_PAD, 16 << 20);
    rc = parse_options(argc, argv, &opt);
    if (rc == 1) {
        status = SIM_EXIT_OK;
        goto out;
    }
    if (rc != AMG_OK) {
        status = SIM_EXIT_USAGE;
        goto out;
    }
    if (opt.verbose)
        amg_log_set_level(AMG_LOG_DEBUG);
    amg_log_add_secret(opt.api_key);

    tenants = sim_tenants_new();
    users = sim_users_new();
    jobs = sim_jobs_new();
    oauth = sim_oauth_new();
    if (!tenants || !users || !jobs || !oauth)
        goto out;
    if (opt.state) {
        rc = sim_state_load_all(opt.state, tenants, users);
        if (rc != AMG_OK && rc != AMG_ENOTFOUND) {
            status = SIM_EXIT_USAGE;
            goto out;
        }
    }
    for (i = 0; i < opt.n_tenants; i++) {
        if (sim_tenants_add(tenants, opt.tenant_ids[i], NULL) != AMG_OK)
            goto out;
    }
    if (sim_tenants_count(tenants) == 0) {
        amg_error("no tenant: give --tenant ID (or a --state file that has tenants)");
        usage(stderr);
        status = SIM_EXIT_USAGE;
        goto out;
    }
    iam = sim_iam_new(opt.api_key, opt.ttl);
    if (!iam) {
        amg_error("cannot initialise the token signer");
        goto out;
    }

    if (opt.rate_limit > 0 &&
        sim_ratelimit_new(opt.rate_limit, opt.block_seconds, opt.retry_after,
                          amg_clock_system(), &ratelimit) != AMG_OK) {
        amg_error("cannot initialise the rate limiter");
        goto out;
    }
    if (sim_faults_new(&opt.faults, &faults) != AMG_OK) {
        amg_error("cannot initialise fault injection");
        goto out;
    }

    if (opt.token_log) {
        token_log = fopen(opt.token_log, "ae");
        if (!token_log) {
            amg_error("--token-log %s: %s", opt.token_log, strerror(errno));
            goto out;
        }
    }

    /* Block the stop signals before any thread exists, so every MHD
     * thread inherits the mask and only sigwait() below sees them. */
    sigemptyset(&stop_set);
    sigaddset(&stop_set, SIGTERM);
    sigaddset(&stop_set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop_set, NULL);
    signal(SIGPIPE, SIG_IGN);

    env.tenants = tenants;
    env.iam = iam;
    env.base_url = NULL;
    env.region = opt.region;
    env.ratelimit = ratelimit;
    env.faults = faults;
    env.users = users;
    env.jobs = jobs;
    env.oauth = oauth;
    env.pbkdf2_iterations = (unsigned)opt.pbkdf2_iterations;
    env.hostile = opt.hostile.mode != SIM_HOSTILE_OFF ? &opt.hostile : NULL;
    env.token_log = token_log;
    if (sim_server_start(&env, (unsigned)opt.port, &server) != AMG_OK)
        goto out;
    /* A regular port file is in place before the line below appears, so
     * whoever waits for the line can read the file right away. */
    if (opt.port_file && write_port_file(opt.port_file, sim_server_port(server)) != AMG_OK)
        goto out;
    printf("appid-sim listening on %s\n", sim_server_url(server));
    fflush(stdout);
    amg_info("%zu tenant(s), region %s, token lifetime %ld s", sim_tenants_count(tenants),
             opt.region, opt.ttl);
    if (ratelimit)
        amg_info("rate limit %ld management requests/s per tenant, block %g s%s",
                 opt.rate_limit, opt.block_seconds, opt.retry_after ? ", Retry-After" : "");
    amg_info("faults: latency %ld ms, fail rate %g, drop rate %g, drop-after rate %g%s",
             opt.faults.latency_ms, opt.faults.fail_rate, opt.faults.drop_rate,
             opt.faults.drop_after_rate, opt.faults.seeded ? ", seeded" : "");

    while (sigwait(&stop_set, &sig) != 0)
        ;
    amg_info("signal %d: stopping", sig);
    sim_server_stop(server);
    server = NULL;
    if (opt.state && sim_state_save_all(opt.state, tenants, users) != AMG_OK)
        goto out;
    status = SIM_EXIT_OK;
out:
    sim_server_stop(server);
    sim_faults_free(faults);
    if (token_log)
        fclose(token_log);
    sim_ratelimit_free(ratelimit);
    sim_iam_free(iam);
    sim_jobs_free(jobs);
    sim_oauth_free(oauth);
    sim_users_free(users);
    sim_tenants_free(tenants);
    free(opt.tenant_ids);
    amg_log_clear_secrets();
    return status;
}

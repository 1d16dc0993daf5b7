#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
/* By path: a plain "config.h" would find autoconf's header in the build
 * directory first. */
#include "config.h"
#include "log.h"
#include "testutil.h"

static char *tmpdir;
static struct amg_config sentinel;

/* Write `text` to tmpdir/name and return the path (new string). */
static char *write_conf(const char *name, const char *text)
{
    return amg_test_write_file(tmpdir, name, text);
}

/* Load `text`; *log gets what was logged (caller frees). */
static int load_text(const char *text, struct amg_config **cfg, char **log, char **path)
{
    int rc;

    *path = write_conf("test.conf", text);
    amg_test_capture_start();
    rc = amg_config_load(*path, cfg);
    *log = amg_test_capture_end();
    return rc;
}

/* True if the log has "PATH:LINE: " followed (on the same line) by `msg`. */
static int logged_at(const char *log, const char *path, int line, const char *msg)
{
    char prefix[512];
    const char *p = log;

    snprintf(prefix, sizeof(prefix), "error: %s:%d: ", path, line);
    while ((p = strstr(p, prefix)) != NULL) {
        const char *eol = strchr(p, '\n');
        const char *hit = strstr(p + strlen(prefix), msg);

        if (hit && (!eol || hit < eol))
            return 1;
        p++;
    }
    return 0;
}

static const char full_conf[] =
    "# every key\n"
    "instances = {\n"
    "  primary = {\n"
    "    region = \"us-south\";\n"
    "    tenant_id = \"1111-aaaa\";\n"
    "  };\n"
    "  target = {\n"
    "    region = \"eu-de\";\n"
    "    endpoint = \"http://127.0.0.1:8080/\";\n"
    "    tenant_id = \"t2\";\n"
    "    api_key_env = \"TARGET_KEY\";\n"
    "    iam_endpoint = \"http://127.0.0.1:8080/identity/token\";\n"
    "  };\n"
    "};\n"
    "snapshot_dir = \"/var/backups/appid\";\n"
    "plugin_dir = \"/opt/amg/plugins\";\n"
    "http = { timeout = 60; retries = 0; max_requests_per_second = 12.5; concurrency = 64; };\n"
    "cloud_directory = { encryption_secret_env = \"CD_SECRET\"; };\n"
    "snapshot_encryption = { key_env = \"SEAL_SECRET\"; };\n"
    "plugins = { users = { page_size = 50; }; };\n";

static void test_full(void)
{
    struct amg_config *cfg = NULL;
    const struct amg_instance_conf *p, *t;
    char *log, *path;

    CU_ASSERT_EQUAL_FATAL(load_text(full_conf, &cfg, &log, &path), AMG_OK);
    CU_ASSERT(log == NULL || log[0] == '\0');
    CU_ASSERT_STRING_EQUAL(cfg->path, path);
    CU_ASSERT_EQUAL_FATAL(cfg->n_instances, 2);
    p = amg_config_instance(cfg, "primary");
    t = amg_config_instance(cfg, "target");
    CU_ASSERT_PTR_EQUAL(p, &cfg->instances[0]);
    CU_ASSERT_PTR_EQUAL(t, &cfg->instances[1]);
    CU_ASSERT_PTR_NULL(amg_config_instance(cfg, "nope"));
    CU_ASSERT_STRING_EQUAL(p->name, "primary");
    CU_ASSERT_STRING_EQUAL(p->region, "us-south");
    CU_ASSERT_STRING_EQUAL(p->endpoint, "https://us-south.appid.cloud.ibm.com");
    CU_ASSERT_STRING_EQUAL(p->tenant_id, "1111-aaaa");
    CU_ASSERT_STRING_EQUAL(p->api_key_env, AMG_DEFAULT_API_KEY_ENV);
    CU_ASSERT_STRING_EQUAL(p->iam_endpoint, AMG_DEFAULT_IAM_ENDPOINT);
    CU_ASSERT_EQUAL(p->line, 3);
    /* endpoint wins over region and loses its trailing slash. */
    CU_ASSERT_STRING_EQUAL(t->region, "eu-de");
    CU_ASSERT_STRING_EQUAL(t->endpoint, "http://127.0.0.1:8080");
    CU_ASSERT_STRING_EQUAL(t->api_key_env, "TARGET_KEY");
    CU_ASSERT_STRING_EQUAL(t->iam_endpoint, "http://127.0.0.1:8080/identity/token");
    CU_ASSERT_EQUAL(t->line, 7);
    CU_ASSERT_STRING_EQUAL(cfg->snapshot_dir, "/var/backups/appid");
    CU_ASSERT_STRING_EQUAL(cfg->seal_key_env, "SEAL_SECRET");
    CU_ASSERT_PTR_NULL(cfg->seal_key_file);
    CU_ASSERT_EQUAL_FATAL(cfg->n_plugin_dirs, 1);
    CU_ASSERT_STRING_EQUAL(cfg->plugin_dirs[0], "/opt/amg/plugins");
    CU_ASSERT_EQUAL(cfg->http.timeout_s, 60);
    CU_ASSERT_EQUAL(cfg->http.retries, 0);
    CU_ASSERT_DOUBLE_EQUAL(cfg->http.max_rps, 12.5, 1e-9);
    CU_ASSERT_EQUAL(cfg->http.concurrency, 64);
    CU_ASSERT_STRING_EQUAL(cfg->cd_secret_env, "CD_SECRET");
    CU_ASSERT_STRING_EQUAL(amg_config_plugin_option(cfg, "users", "page_size"), "50");
    amg_config_free(cfg);
    free(log);
    free(path);
}

static void check_defaults(const struct amg_config *cfg)
{
    CU_ASSERT_EQUAL(cfg->n_instances, 0);
    CU_ASSERT_PTR_NULL(cfg->instances);
    CU_ASSERT_STRING_EQUAL(cfg->snapshot_dir, "./snapshots");
    CU_ASSERT_EQUAL(cfg->n_plugin_dirs, 0);
    CU_ASSERT_EQUAL(cfg->http.timeout_s, 30);
    CU_ASSERT_EQUAL(cfg->http.retries, 5);
    CU_ASSERT_DOUBLE_EQUAL(cfg->http.max_rps, 40.0, 1e-9);
    CU_ASSERT_EQUAL(cfg->http.concurrency, 8);
    CU_ASSERT_STRING_EQUAL(cfg->cd_secret_env, "APPID_CD_ENCRYPTION_SECRET");
    CU_ASSERT_PTR_NULL(amg_config_plugin_option(cfg, "users", "page_size"));
    CU_ASSERT_PTR_NULL(amg_config_instance(cfg, "primary"));
}

static void test_defaults(void)
{
    struct amg_config *cfg = NULL;
    char *log, *path;

    CU_ASSERT_EQUAL_FATAL(amg_config_default(&cfg), AMG_OK);
    check_defaults(cfg);
    CU_ASSERT_PTR_NULL(cfg->path);
    amg_config_free(cfg);
    cfg = NULL;

    /* An empty file and an empty instances group give the defaults. */
    CU_ASSERT_EQUAL_FATAL(load_text("# nothing\n", &cfg, &log, &path), AMG_OK);
    check_defaults(cfg);
    CU_ASSERT_STRING_EQUAL(cfg->path, path);
    amg_config_free(cfg);
    free(log);
    free(path);
    CU_ASSERT_EQUAL_FATAL(load_text("instances = {};\nhttp = {};\n", &cfg, &log, &path),
                          AMG_OK);
    check_defaults(cfg);
    amg_config_free(cfg);
    free(log);
    free(path);
    amg_config_free(NULL);
}

struct error_case {
    const char *what;
    const char *text;
    int line;
    const char *msg;
};

#define INST_HEAD "instances = {\n  primary = {\n"
#define INST_TAIL "  };\n};\n"

static const struct error_case error_cases[] = {
    { "syntax error", "http = {};\nsnapshot_dir = ;\n", 2, "syntax error" },
    { "duplicate key", "snapshot_dir = \"a\";\n\nsnapshot_dir = \"b\";\n", 3,
      "duplicate setting name" },
    { "unknown top-level key", "http = {};\n\nfoo = 1;\n", 3, "unknown top-level key 'foo'" },
    { "unknown instance key",
      INST_HEAD "    region = \"us-south\";\n    tenant_id = \"t\";\n    colour = \"red\";\n"
      INST_TAIL, 5, "unknown key 'colour' in instances.primary" },
    { "string where int", "http = {\n  timeout = \"30\";\n};\n", 2,
      "http.timeout must be an integer, not a string" },
    { "float where int", "http = {\n  retries = 2.5;\n};\n", 2,
      "http.retries must be an integer, not a float" },
    { "string where number", "http = {\n  max_requests_per_second = \"fast\";\n};\n", 2,
      "http.max_requests_per_second must be a number, not a string" },
    { "timeout 0", "http = { timeout = 0; };\n", 1, "http.timeout = 0 is out of range (1..3600)" },
    { "timeout 3601", "\nhttp = { timeout = 3601; };\n", 2, "http.timeout = 3601 is out of range" },
    { "retries -1", "http = { retries = -1; };\n", 1,
      "http.retries = -1 is out of range (0..100)" },
    { "retries 101", "http = { retries = 101; };\n", 1, "http.retries = 101 is out of range" },
    { "concurrency 0", "http = { concurrency = 0; };\n", 1,
      "http.concurrency = 0 is out of range (1..64)" },
    { "concurrency 65", "http = { concurrency = 65; };\n", 1, "http.concurrency = 65 is out" },
    { "rps 0", "http = { max_requests_per_second = 0; };\n", 1,
      "http.max_requests_per_second = 0 is out of range" },
    { "rps negative", "http = { max_requests_per_second = -1.5; };\n", 1,
      "http.max_requests_per_second = -1.5 is out of range" },
    { "rps 1000.5", "http = { max_requests_per_second = 1000.5; };\n", 1,
      "http.max_requests_per_second = 1000.5 is out of range" },
    { "unknown http key", "http = {\n  timeout = 5;\n  proxy = \"x\";\n};\n", 3,
      "unknown key 'proxy' in http" },
    { "http not a group", "http = 5;\n", 1, "http must be a group, not an integer" },
    { "unknown region", INST_HEAD "    tenant_id = \"t\";\n    region = \"us-west\";\n" INST_TAIL,
      4, "instances.primary.region: unknown region 'us-west' (valid: us-south, us-east, "
      "eu-de, eu-gb, jp-osa, jp-tok, au-syd, ca-tor, br-sao)" },
    { "missing tenant_id", INST_HEAD "    region = \"us-south\";\n" INST_TAIL, 2,
      "instance 'primary' has no tenant_id" },
    { "empty tenant_id", INST_HEAD "    region = \"us-south\";\n    tenant_id = \"\";\n"
      INST_TAIL, 4, "instances.primary.tenant_id must be a non-empty tenant id" },
    { "tenant_id with slash", INST_HEAD "    region = \"us-south\";\n    tenant_id = \"a/b\";\n"
      INST_TAIL, 4, "instances.primary.tenant_id must be a non-empty tenant id" },
    { "missing region and endpoint", INST_HEAD "    tenant_id = \"t\";\n" INST_TAIL, 2,
      "instance 'primary' needs a region or an endpoint" },
    { "bad endpoint", INST_HEAD "    tenant_id = \"t\";\n    endpoint = \"ftp://x\";\n" INST_TAIL,
      4, "instances.primary.endpoint: 'ftp://x' is not an http:// or https:// URL" },
    { "endpoint without host", INST_HEAD "    tenant_id = \"t\";\n    endpoint = \"http://\";\n"
      INST_TAIL, 4, "'http://' is not an http:// or https:// URL" },
    { "bad iam_endpoint", INST_HEAD "    tenant_id = \"t\";\n    region = \"jp-tok\";\n"
      "    iam_endpoint = \"iam.cloud.ibm.com\";\n" INST_TAIL, 5,
      "instances.primary.iam_endpoint: 'iam.cloud.ibm.com' is not an http" },
    { "bad api_key_env", INST_HEAD "    tenant_id = \"t\";\n    region = \"jp-tok\";\n"
      "    api_key_env = \"1KEY\";\n" INST_TAIL, 5,
      "instances.primary.api_key_env: '1KEY' is not a valid environment variable name" },
    { "api_key_env not a string", INST_HEAD "    tenant_id = \"t\";\n    region = \"jp-tok\";\n"
      "    api_key_env = true;\n" INST_TAIL, 5,
      "instances.primary.api_key_env must be a string, not a boolean" },
    { "bad secret env", "cloud_directory = {\n  encryption_secret_env = \"MY-SECRET\";\n};\n",
      2, "cloud_directory.encryption_secret_env: 'MY-SECRET' is not a valid environment" },
    { "unknown cloud_directory key", "cloud_directory = {\n  secret = \"x\";\n};\n", 2,
      "unknown key 'secret' in cloud_directory" },
    { "encryption not a group", "snapshot_encryption = \"x\";\n", 1,
      "snapshot_encryption must be a group, not a string" },
    { "encryption unknown key", "snapshot_encryption = {\n  key = \"x\";\n};\n", 2,
      "unknown key 'key' in snapshot_encryption (key_env or key_file)" },
    { "encryption bad env", "snapshot_encryption = {\n  key_env = \"A-B\";\n};\n", 2,
      "snapshot_encryption.key_env: 'A-B' is not a valid environment variable name" },
    { "encryption both", "snapshot_encryption = { key_env = \"K\"; key_file = \"/k\"; };\n",
      1, "snapshot_encryption: set key_env or key_file, not both" },
    { "encryption neither", "snapshot_encryption = { };\n", 1,
      "snapshot_encryption: key_env or key_file is required" },
    { "encryption empty file", "snapshot_encryption = {\n  key_file = \"\";\n};\n", 2,
      "snapshot_encryption.key_file must not be empty" },
    { "instances not a group", "\ninstances = [ \"a\" ];\n", 2,
      "instances must be a group, not an array" },
    { "instance not a group", "instances = {\n  primary = \"us-south\";\n};\n", 2,
      "instances.primary must be a group, not a string" },
    { "instance name", "instances = {\n  pri*mary = { region = \"us-south\"; tenant_id = \"t\"; "
      "};\n};\n", 2, "instance name 'pri*mary' must match [A-Za-z0-9_-]+" },
    { "snapshot_dir type", "snapshot_dir = 5;\n", 1, "snapshot_dir must be a string, not an "
      "integer" },
    { "snapshot_dir empty", "snapshot_dir = \"\";\n", 1, "snapshot_dir must not be empty" },
    { "plugin_dir type", "plugin_dir = 1.5;\n", 1,
      "plugin_dir must be a string or a list of strings, not a float" },
    { "plugin_dir element", "plugin_dir = ( \"/a\",\n 5 );\n", 2,
      "plugin_dir[1] must be a string, not an integer" },
    { "plugins not a group", "plugins = ( 1 );\n", 1, "plugins must be a group, not a list" },
    { "plugin not a group", "plugins = {\n  users = 5;\n};\n", 2,
      "plugins.users must be a group, not an integer" },
    { "plugin name", "plugins = {\n  Users = { a = 1; };\n};\n", 2,
      "plugin name 'Users' must match [a-z0-9_]+" },
    { "plugin option type", "plugins = {\n  users = {\n    ids = [ 1, 2 ];\n  };\n};\n", 3,
      "plugins.users.ids must be a string, number or boolean, not an array" },
};

static void test_error_table(void)
{
    size_t c;

    for (c = 0; c < sizeof(error_cases) / sizeof(error_cases[0]); c++) {
        const struct error_case *tc = &error_cases[c];
        struct amg_config *cfg = &sentinel;   /* must be reset to NULL */
        char *log, *path;
        int rc = load_text(tc->text, &cfg, &log, &path);

        if (rc != AMG_ECONFIG || !logged_at(log, path, tc->line, tc->msg))
            fprintf(stderr, "\ncase '%s': rc %d, want line %d '%s'; log:\n%s", tc->what, rc,
                    tc->line, tc->msg, log);
        CU_ASSERT_EQUAL(rc, AMG_ECONFIG);
        CU_ASSERT_PTR_NULL(cfg);
        CU_ASSERT(logged_at(log, path, tc->line, tc->msg));
        amg_config_free(cfg);
        free(log);
        free(path);
    }
}

static void test_multiple_errors(void)
{
    static const char text[] =
        "instances = {\n"
        "  a = { region = \"mars\"; tenant_id = \"t\"; };\n"
        "  b = { tenant_id = \"t\"; };\n"
        "};\n"
        "http = { timeout = 0; retries = \"x\"; };\n"
        "bogus = 1;\n";
    struct amg_config *cfg = NULL;
    char *log, *path;

    CU_ASSERT_EQUAL(load_text(text, &cfg, &log, &path), AMG_ECONFIG);
    CU_ASSERT_PTR_NULL(cfg);
    CU_ASSERT(logged_at(log, path, 2, "unknown region 'mars'"));
    CU_ASSERT(logged_at(log, path, 3, "instance 'b' needs a region or an endpoint"));
    CU_ASSERT(logged_at(log, path, 5, "http.timeout = 0 is out of range"));
    CU_ASSERT(logged_at(log, path, 5, "http.retries must be an integer, not a string"));
    CU_ASSERT(logged_at(log, path, 6, "unknown top-level key 'bogus'"));
    CU_ASSERT_PTR_NOT_NULL(strstr(log, "5 errors in configuration"));
    /* A region that was given but wrong is not also reported as missing. */
    CU_ASSERT_PTR_NULL(strstr(log, "instance 'a' needs"));
    free(log);
    free(path);
}

static void test_missing_file(void)
{
    struct amg_config *cfg = &sentinel;
    char path[512];
    char *log;

    snprintf(path, sizeof(path), "%s/does-not-exist.conf", tmpdir);
    amg_test_capture_start();
    CU_ASSERT_EQUAL(amg_config_load(path, &cfg), AMG_EIO);
    log = amg_test_capture_end();
    CU_ASSERT_PTR_NULL(cfg);
    CU_ASSERT_PTR_NOT_NULL(strstr(log, path));
    CU_ASSERT_PTR_NOT_NULL(strstr(log, "No such file"));
    free(log);

    amg_test_capture_start();
    CU_ASSERT_EQUAL(amg_config_load(tmpdir, &cfg), AMG_EIO);
    log = amg_test_capture_end();
    CU_ASSERT_PTR_NOT_NULL(strstr(log, "is a directory"));
    free(log);
}

static void test_rps_warning(void)
{
    struct amg_config *cfg = NULL;
    char *log, *path;

    CU_ASSERT_EQUAL_FATAL(load_text("\nhttp = { max_requests_per_second = 60; };\n",
                                    &cfg, &log, &path), AMG_OK);
    CU_ASSERT_DOUBLE_EQUAL(cfg->http.max_rps, 60.0, 1e-9);
    CU_ASSERT_PTR_NOT_NULL(strstr(log, "warning: "));
    CU_ASSERT_PTR_NOT_NULL(strstr(log, ":2: http.max_requests_per_second = 60 is above "
                                  "App ID's limit of 50"));
    amg_config_free(cfg);
    free(log);
    free(path);

    CU_ASSERT_EQUAL_FATAL(load_text("http = { max_requests_per_second = 50.0; };\n",
                                    &cfg, &log, &path), AMG_OK);
    CU_ASSERT_DOUBLE_EQUAL(cfg->http.max_rps, 50.0, 1e-9);
    CU_ASSERT(log == NULL || log[0] == '\0');
    amg_config_free(cfg);
    free(log);
    free(path);
}

static void test_plugin_dir_list_and_relative_paths(void)
{
    struct amg_config *cfg = NULL;
    char sub[512], want[700];
    char *conf, *log;

    snprintf(sub, sizeof(sub), "%s/etc", tmpdir);
    CU_ASSERT_FATAL(mkdir(sub, 0700) == 0);
    conf = amg_test_write_file(sub, "app.conf", "snapshot_dir = \"snaps\";\n"
        "plugin_dir = [ \"./plugins\", \"/usr/lib/amg\", \"../shared/p\", \".\" ];\n");
    amg_test_capture_start();
    CU_ASSERT_EQUAL_FATAL(amg_config_load(conf, &cfg), AMG_OK);
    log = amg_test_capture_end();
    free(log);
    snprintf(want, sizeof(want), "%s/snaps", sub);
    CU_ASSERT_STRING_EQUAL(cfg->snapshot_dir, want);
    CU_ASSERT_EQUAL_FATAL(cfg->n_plugin_dirs, 4);
    snprintf(want, sizeof(want), "%s/plugins", sub);
    CU_ASSERT_STRING_EQUAL(cfg->plugin_dirs[0], want);
    CU_ASSERT_STRING_EQUAL(cfg->plugin_dirs[1], "/usr/lib/amg");
    snprintf(want, sizeof(want), "%s/../shared/p", sub);
    CU_ASSERT_STRING_EQUAL(cfg->plugin_dirs[2], want);
    CU_ASSERT_STRING_EQUAL(cfg->plugin_dirs[3], sub);
    amg_config_free(cfg);
    cfg = NULL;

    /* A list in parentheses works too, and so does an empty one. */
    free(conf);
    conf = amg_test_write_file(sub, "app.conf", "plugin_dir = ( \"/x\", \"/y\" );\n");
    CU_ASSERT_EQUAL_FATAL(amg_config_load(conf, &cfg), AMG_OK);
    CU_ASSERT_EQUAL_FATAL(cfg->n_plugin_dirs, 2);
    CU_ASSERT_STRING_EQUAL(cfg->plugin_dirs[1], "/y");
    amg_config_free(cfg);
    cfg = NULL;
    free(conf);
    conf = amg_test_write_file(sub, "app.conf", "plugin_dir = [ ];\n");
    CU_ASSERT_EQUAL_FATAL(amg_config_load(conf, &cfg), AMG_OK);
    CU_ASSERT_EQUAL(cfg->n_plugin_dirs, 0);
    amg_config_free(cfg);
    free(conf);
}

static void test_plugin_options(void)
{
    static const char text[] =
        "plugins = {\n"
        "  users = {\n"
        "    page_size = 50;\n"
        "    big = 10000000000L;\n"
        "    negative = -7;\n"
        "    ratio = 0.25;\n"
        "    huge = 1e20;\n"
        "    whole = 3.0;\n"
        "    dry = true;\n"
        "    wet = false;\n"
        "    label = \"hello world\";\n"
        "    empty = \"\";\n"
        "  };\n"
        "  roles = {};\n"
        "  tokens = { page_size = \"7\"; };\n"
        "};\n";
    static const struct {
        const char *plugin, *key, *want;
    } cases[] = {
        { "users", "page_size", "50" },
        { "users", "big", "10000000000" },
        { "users", "negative", "-7" },
        { "users", "ratio", "0.25" },
        { "users", "huge", "1e+20" },
        { "users", "whole", "3" },
        { "users", "dry", "true" },
        { "users", "wet", "false" },
        { "users", "label", "hello world" },
        { "users", "empty", "" },
        { "tokens", "page_size", "7" },
        { "roles", "page_size", NULL },
        { "users", "missing", NULL },
        { "nobody", "page_size", NULL },
    };
    struct amg_config *cfg = NULL;
    char *log, *path;
    size_t i;

    CU_ASSERT_EQUAL_FATAL(load_text(text, &cfg, &log, &path), AMG_OK);
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *got = amg_config_plugin_option(cfg, cases[i].plugin, cases[i].key);

        if (!cases[i].want) {
            CU_ASSERT_PTR_NULL(got);
        } else {
            CU_ASSERT_PTR_NOT_NULL_FATAL(got);
            CU_ASSERT_STRING_EQUAL(got, cases[i].want);
        }
    }
    /* Borrowed: the same pointer each time. */
    CU_ASSERT_PTR_EQUAL(amg_config_plugin_option(cfg, "users", "label"),
                        amg_config_plugin_option(cfg, "users", "label"));
    CU_ASSERT_PTR_NULL(amg_config_plugin_option(NULL, "users", "label"));
    amg_config_free(cfg);
    free(log);
    free(path);
}

static void test_regions(void)
{
    size_t i;

    CU_ASSERT_STRING_EQUAL(amg_region_endpoint("eu-gb"), "https://eu-gb.appid.cloud.ibm.com");
    CU_ASSERT_STRING_EQUAL(amg_region_endpoint("br-sao"), "https://br-sao.appid.cloud.ibm.com");
    CU_ASSERT_PTR_NULL(amg_region_endpoint("us-west"));
    CU_ASSERT_PTR_NULL(amg_region_endpoint("US-SOUTH"));
    CU_ASSERT_PTR_NULL(amg_region_endpoint(NULL));
    for (i = 0; amg_region_name(i); i++)
        CU_ASSERT_PTR_NOT_NULL(amg_region_endpoint(amg_region_name(i)));
    CU_ASSERT_EQUAL(i, 9);
}

static void test_api_key(void)
{
    char name[] = "primary", env[] = "AMG_TEST_API_KEY";
    struct amg_instance_conf inst = { .name = name, .api_key_env = env };
    const char *key = "unset";
    char *log;

    unsetenv("AMG_TEST_API_KEY");
    amg_test_capture_start();
    CU_ASSERT_EQUAL(amg_config_api_key(&inst, &key), AMG_ECONFIG);
    log = amg_test_capture_end();
    CU_ASSERT_PTR_NULL(key);
    CU_ASSERT_PTR_NOT_NULL(strstr(log, "AMG_TEST_API_KEY"));
    CU_ASSERT_PTR_NOT_NULL(strstr(log, "'primary'"));
    free(log);

    setenv("AMG_TEST_API_KEY", "k-0123456789abcdef", 1);
    CU_ASSERT_EQUAL(amg_config_api_key(&inst, &key), AMG_OK);
    CU_ASSERT_STRING_EQUAL(key, "k-0123456789abcdef");
    /* The key is now redacted from any log line. */
    amg_test_capture_start();
    amg_error("leaked %s", "k-0123456789abcdef");
    log = amg_test_capture_end();
    CU_ASSERT_PTR_NULL(strstr(log, "k-0123456789abcdef"));
    CU_ASSERT_PTR_NOT_NULL(strstr(log, "leaked ***"));
    free(log);
    amg_log_clear_secrets();
    unsetenv("AMG_TEST_API_KEY");
}

static void test_include_relative_to_config(void)
{
    struct amg_config *cfg = NULL;
    char *inc, *path, *log;

    inc = write_conf("http.inc", "http = {\n  retries = 500;\n};\n");
    path = write_conf("main.conf", "snapshot_dir = \"/s\";\n@include \"http.inc\"\n");
    amg_test_capture_start();
    CU_ASSERT_EQUAL(amg_config_load(path, &cfg), AMG_ECONFIG);
    log = amg_test_capture_end();
    CU_ASSERT_PTR_NULL(cfg);
    /* The error names the included file and its line. */
    CU_ASSERT(logged_at(log, inc, 2, "http.retries = 500 is out of range"));
    free(log);
    free(inc);

    /* A syntax error inside the included file, too. */
    inc = write_conf("http.inc", "http = {\n\n  retries = ;\n};\n");
    amg_test_capture_start();
    CU_ASSERT_EQUAL(amg_config_load(path, &cfg), AMG_ECONFIG);
    log = amg_test_capture_end();
    CU_ASSERT(logged_at(log, inc, 3, "syntax error"));
    free(log);
    free(inc);
    free(path);
}

/* libconfig 1.5 exit()s the process when an @include names a directory
 * ("input in flex scanner failed"); the loader refuses such includes,
 * nested ones too, with the file and line, before libconfig sees them. */
static void test_include_not_regular(void)
{
    struct amg_config *cfg = &sentinel;
    char *sub, *inc, *path, *log;

    sub = write_conf("incdir", "");
    CU_ASSERT_FATAL(remove(sub) == 0 && mkdir(sub, 0700) == 0);
    path = write_conf("dir.conf", "snapshot_dir = \"/s\";\n  @include \"incdir\"\n");
    amg_test_capture_start();
    CU_ASSERT_EQUAL(amg_config_load(path, &cfg), AMG_ECONFIG);
    log = amg_test_capture_end();
    CU_ASSERT_PTR_NULL(cfg);
    CU_ASSERT(logged_at(log, path, 2, "@include \"incdir\": is a directory"));
    free(log);
    free(path);

    /* One level down, and a device. */
    inc = write_conf("outer.inc", "http = { retries = 1; };\n@include \"/dev/null\"\n"
                     "@include \"incdir\"\n");
    path = write_conf("nested.conf", "@include \"outer.inc\"\n");
    amg_test_capture_start();
    CU_ASSERT_EQUAL(amg_config_load(path, &cfg), AMG_ECONFIG);
    log = amg_test_capture_end();
    CU_ASSERT(logged_at(log, inc, 2, "@include \"/dev/null\": is not a regular file"));
    CU_ASSERT(logged_at(log, inc, 3, "@include \"incdir\": is a directory"));
    CU_ASSERT_PTR_NOT_NULL(strstr(log, "2 errors in configuration"));
    free(log);
    free(path);

    /* Text in memory is checked the same way. */
    path = malloc(strlen(tmpdir) + sizeof("/mem.conf"));
    CU_ASSERT_PTR_NOT_NULL_FATAL(path);
    snprintf(path, strlen(tmpdir) + sizeof("/mem.conf"), "%s/mem.conf", tmpdir);
    amg_test_capture_start();
    CU_ASSERT_EQUAL(amg_config_load_string("@include \"incdir\"\n", path, &cfg),
                    AMG_ECONFIG);
    log = amg_test_capture_end();
    CU_ASSERT(logged_at(log, path, 1, "is a directory"));
    free(log);

    /* A regular include still works, a commented one is not looked at. */
    CU_ASSERT(remove(inc) == 0);
    free(inc);
    inc = write_conf("ok.inc", "http = { retries = 2; };\n");
    amg_test_capture_start();
    CU_ASSERT_EQUAL(amg_config_load_string("# @include \"incdir\"\n@include \"ok.inc\"\n",
                                           path, &cfg), AMG_OK);
    log = amg_test_capture_end();
    CU_ASSERT_PTR_NOT_NULL(cfg);
    CU_ASSERT(cfg && cfg->http.retries == 2);
    amg_config_free(cfg);
    free(log);
    free(path);
    free(inc);
    CU_ASSERT(rmdir(sub) == 0);
    free(sub);
}

/* Text in memory: validated like a file, named `name` in messages, with
 * relative paths resolved against name's directory. */
static void test_load_string(void)
{
    struct amg_config *cfg = NULL;
    char *log;

    amg_test_capture_start();
    CU_ASSERT_EQUAL(amg_config_load_string("snapshot_dir = \"out\";\nplugin_dir = \"p\";\n"
                                           "instances = { a = { region = \"eu-gb\"; "
                                           "tenant_id = \"t\"; }; };\n",
                                           "/etc/amg/mem.conf", &cfg), AMG_OK);
    log = amg_test_capture_end();
    CU_ASSERT_STRING_EQUAL(log, "");
    free(log);
    CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
    CU_ASSERT_STRING_EQUAL(cfg->path, "/etc/amg/mem.conf");
    CU_ASSERT_STRING_EQUAL(cfg->snapshot_dir, "/etc/amg/out");
    CU_ASSERT_EQUAL_FATAL(cfg->n_plugin_dirs, 1);
    CU_ASSERT_STRING_EQUAL(cfg->plugin_dirs[0], "/etc/amg/p");
    CU_ASSERT_EQUAL_FATAL(cfg->n_instances, 1);
    CU_ASSERT_STRING_EQUAL(cfg->instances[0].endpoint, "https://eu-gb.appid.cloud.ibm.com");
    amg_config_free(cfg);

    cfg = &sentinel;
    amg_test_capture_start();
    CU_ASSERT_EQUAL(amg_config_load_string("http = {\n  retries = -1;\n};\n", "inline",
                                           &cfg), AMG_ECONFIG);
    log = amg_test_capture_end();
    CU_ASSERT_PTR_NULL(cfg);
    CU_ASSERT(logged_at(log, "inline", 2, "http.retries = -1 is out of range"));
    free(log);

    amg_test_capture_start();
    CU_ASSERT_EQUAL(amg_config_load_string("a = ;\n", "inline", &cfg), AMG_ECONFIG);
    log = amg_test_capture_end();
    CU_ASSERT(logged_at(log, "inline", 1, "syntax error"));
    free(log);
    CU_ASSERT_EQUAL(amg_config_load_string(NULL, "inline", &cfg), AMG_EINVAL);
    CU_ASSERT_EQUAL(amg_config_load_string("", "", &cfg), AMG_EINVAL);
}

static int suite_setup(void)
{
    tmpdir = amg_test_tmpdir();
    return tmpdir ? 0 : -1;
}

static const struct amg_test tests[] = {
    { "full config", test_full },
    { "defaults", test_defaults },
    { "each error class with its line", test_error_table },
    { "all errors reported in one run", test_multiple_errors },
    { "missing file", test_missing_file },
    { "rate above App ID limit warns", test_rps_warning },
    { "plugin_dir list and relative paths", test_plugin_dir_list_and_relative_paths },
    { "plugin options formatting", test_plugin_options },
    { "regions", test_regions },
    { "API key from environment", test_api_key },
    { "include relative to config", test_include_relative_to_config },
    { "configuration text in memory", test_load_string },
    { "@include of a directory or device refused", test_include_not_regular },
    { NULL, NULL },
};

int main(void)
{
    int rc;

    if (suite_setup() != 0)
        return 99;
    rc = amg_test_main("config", tests);
    amg_test_rmtree(tmpdir);
    free(tmpdir);
    return rc;
}

/*
 * Allocation-failure ("torture") tests: every operation runs with the
 * n+1-th allocation failing, for n = 0, 1, 2, ... until it needs no more
 * than n. A run with a refused allocation must end in the operation's
 * usual status or AMG_ENOMEM, release everything it allocated (the
 * amg_mem_live() balance here; LeakSanitizer in the sanitizer build) and
 * leave no half-written snapshot behind.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <jansson.h>
#include "catalog.h"
#include "config.h"
#include "error.h"
#include "filter.h"
#include "fsutil.h"
#include "graph.h"
#include "idmap.h"
#include "loader.h"
#include "log.h"
#include "mem.h"
#include "report.h"
#include "snapshot.h"
#include "testutil.h"

#ifndef TEST_PLUGIN_DIR
#error "TEST_PLUGIN_DIR must name the directory of the built test plugins"
#endif

/* Far above what any operation here needs: reaching it is a failure. */
#define MAX_ALLOCS 100000L
#define NOW ((time_t)1795473600)   /* 2026-11-23T22:40:00Z */
#define NRECORDS 10

static char *tmpdir;
static FILE *devnull;

/* Path under tmpdir; new string. */
static char *tmp_path(const char *name)
{
    char *p = amg_path_join(tmpdir, name);

    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    return p;
}

/* Entries of `dir` other than . and .., -1 if it cannot be read. */
static int count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    int n = 0;

    if (!d)
        return -1;
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, ".."))
            n++;
    }
    closedir(d);
    return n;
}

static void write_text(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");

    CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
    CU_ASSERT_FATAL(fputs(text, fp) >= 0);
    CU_ASSERT_FATAL(fclose(fp) == 0);
}

/*
 * Run `op` with the (n+1)-th allocation failing for n = 0, 1, ... until a
 * run has every allocation granted; that run must give `expected`.
 * `verify` (may be NULL) checks what a run left behind, after the hook is
 * disarmed. Returns the number of allocations the operation needs.
 */
static long torture(const char *name, int (*op)(void), void (*verify)(int rc), int expected)
{
    long n;

    for (n = 0; n < MAX_ALLOCS; n++) {
        long live = amg_mem_live();
        long count;
        int rc;

        amg_mem_fail_after(n);
        rc = op();
        count = amg_mem_count();
        amg_mem_fail_after(-1);
        if (verify)
            verify(rc);
        if (amg_mem_live() != live) {
            fprintf(stderr, "%s: fail after %ld: %ld allocations not released\n", name, n,
                    amg_mem_live() - live);
            CU_FAIL("allocations not released");
        }
        if (count <= n) {
            if (rc != expected)
                fprintf(stderr, "%s: no allocation refused, status %d (%s)\n", name, rc,
                        amg_strerror(rc));
            CU_ASSERT_EQUAL(rc, expected);
            printf("\n  %s: %ld allocations ", name, count);
            return count;
        }
        if (rc != expected && rc != AMG_ENOMEM) {
            fprintf(stderr, "%s: fail after %ld: status %d (%s)\n", name, n, rc,
                    amg_strerror(rc));
            CU_FAIL("unexpected status after a refused allocation");
        }
    }
    CU_FAIL("operation never finished without a refused allocation");
    return -1;
}

/* ---- configuration ---- */

static char *conf_path;

static int op_config(void)
{
    struct amg_config *cfg = NULL;
    int rc = amg_config_load(conf_path, &cfg);

    if (rc == AMG_OK) {
        const struct amg_instance_conf *inst = amg_config_instance(cfg, "secondary");
        const char *opt = amg_config_plugin_option(cfg, "users", "page_size");

        /* Success must mean the whole file was taken in. */
        CU_ASSERT_EQUAL(cfg->n_instances, 2);
        CU_ASSERT(inst && strcmp(inst->endpoint, "http://127.0.0.1:8080") == 0);
        CU_ASSERT(opt && strcmp(opt, "50") == 0);
        CU_ASSERT_EQUAL(cfg->n_plugin_dirs, 2);
        CU_ASSERT_EQUAL(cfg->http.retries, 3);
    }
    CU_ASSERT(rc == AMG_OK || cfg == NULL);
    amg_config_free(cfg);
    return rc;
}

static void test_config(void)
{
    char *inc = tmp_path("http.inc");

    conf_path = tmp_path("torture.conf");
    write_text(inc, "http = { retries = 3; max_requests_per_second = 20.5; };\n");
    write_text(conf_path,
               "instances = {\n"
               "  primary = { region = \"us-south\"; tenant_id = \"t1\"; };\n"
               "  secondary = { endpoint = \"http://127.0.0.1:8080/\"; tenant_id = \"t2\";\n"
               "    api_key_env = \"KEY_2\"; iam_endpoint = \"http://127.0.0.1:8080/t\"; };\n"
               "};\n"
               "snapshot_dir = \"snaps\";\n"
               "plugin_dir = [ \"p1\", \"/p2\" ];\n"
               "@include \"http.inc\"\n"
               "cloud_directory = { encryption_secret_env = \"CD_SECRET\"; };\n"
               "plugins = { users = { page_size = 50; fast = true; ratio = 0.5;\n"
               "  label = \"x\"; }; themes = { lang = \"en\"; }; };\n");
    CU_ASSERT(torture("config load", op_config, NULL, AMG_OK) > 0);
    amg_free(inc);
    amg_free(conf_path);
}

static char *bad_conf_path;

static int op_config_errors(void)
{
    struct amg_config *cfg = NULL;
    int rc = amg_config_load(bad_conf_path, &cfg);

    CU_ASSERT_PTR_NULL(cfg);
    amg_config_free(cfg);
    return rc;
}

/* A file with problems everywhere, so that partly filled configs are
 * freed on the error path. */
static void test_config_errors(void)
{
    bad_conf_path = tmp_path("bad.conf");
    write_text(bad_conf_path,
               "instances = {\n"
               "  good = { region = \"eu-de\"; tenant_id = \"t\"; };\n"
               "  bad = { region = \"mars\"; tenant_id = 5; colour = \"red\"; };\n"
               "  st*r = { endpoint = \"ftp://x\"; };\n"
               "};\n"
               "plugin_dir = \"p1\";\n"
               "http = { retries = 1000; speed = 1; };\n"
               "plugins = { users = { page_size = 50; list = [1, 2]; }; Bad = { x = 1; }; };\n"
               "surprise = 1;\n");
    CU_ASSERT(torture("config with errors", op_config_errors, NULL, AMG_ECONFIG) > 0);
    amg_free(bad_conf_path);
}

/* ---- plugin loader ---- */

static char *plugin_dir;

static int op_plugins(void)
{
    const char *dirs[] = { plugin_dir };
    struct amg_plugin_set *set = NULL;
    int rc = amg_plugins_load(dirs, 1, &set);

    if (rc == AMG_OK) {
        CU_ASSERT_EQUAL(set->n, 3);
        CU_ASSERT_PTR_NOT_NULL(amg_plugins_find(set, "good_b"));
    }
    CU_ASSERT(rc == AMG_OK || set == NULL);
    amg_plugins_free(set);
    return rc;
}

static int op_plugin_dirs(void)
{
    const char *cli[] = { "/a", "/b", "/a" };
    const char *conf[] = { "/c" };
    char **v = amg_plugin_dirs(cli, 3, conf, 1, "/default");
    size_t i;

    if (!v)
        return AMG_ENOMEM;
    for (i = 0; v[i]; i++)
        amg_free(v[i]);
    amg_free(v);
    CU_ASSERT_EQUAL(i, 3);
    return AMG_OK;
}

static int op_plugins_rejected(void)
{
    const char *dirs[] = { plugin_dir };
    struct amg_plugin_set *set = NULL;
    int rc = amg_plugins_load(dirs, 1, &set);

    CU_ASSERT_PTR_NULL(set);
    amg_plugins_free(set);
    return rc;
}

/* plugin_dir/<name>.so -> the built test plugin. */
static void link_plugin(const char *name)
{
    char target[4096], link[4096];

    snprintf(target, sizeof(target), "%s/%s.so", TEST_PLUGIN_DIR, name);
    snprintf(link, sizeof(link), "%s/%s.so", plugin_dir, name);
    CU_ASSERT_FATAL(symlink(target, link) == 0);
}

static void test_plugins(void)
{
    static const char *const names[] = { "good_a", "good_b", "filtered" };
    size_t i;

    plugin_dir = tmp_path("plugins");
    CU_ASSERT_FATAL(mkdir(plugin_dir, 0700) == 0);
    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        link_plugin(names[i]);
    unsetenv("APPID_MIGRATE_PLUGIN_PATH");
    CU_ASSERT(torture("plugin load", op_plugins, NULL, AMG_OK) > 0);
    CU_ASSERT(torture("plugin dirs", op_plugin_dirs, NULL, AMG_OK) > 0);
    /* A rejected plugin: everything loaded before it is released. */
    link_plugin("bad_abi");
    CU_ASSERT(torture("plugin load with a rejection", op_plugins_rejected, NULL,
                      AMG_EABI) > 0);
    amg_free(plugin_dir);
}

/* ---- snapshot writing ---- */

static const struct amg_snapshot_source src = {
    .instance = "prod", .region = "us-south",
    .endpoint = "https://us-south.appid.cloud.ibm.com", .tenant_id = "t-1",
};
static char *snap_dir;
static json_t *doc;
static json_t *records[NRECORDS];

/* Made before arming: they are the input, not the operation. */
static void make_inputs(void)
{
    int i;

    doc = json_pack("{s:i, s:[s, s], s:{s:b}}", "accessTokenExpires", 3600, "scopes", "a", "b",
                    "refresh", "enabled", 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
    for (i = 0; i < NRECORDS; i++) {
        records[i] = json_pack("{s:i, s:s, s:{s:s}}", "id", i, "email", "u@example.com",
                               "profile", "name", "user");
        CU_ASSERT_PTR_NOT_NULL_FATAL(records[i]);
    }
}

static void free_inputs(void)
{
    int i;

    json_decref(doc);
    for (i = 0; i < NRECORDS; i++)
        json_decref(records[i]);
}

static char *written;     /* final path from the last commit, or NULL */

/* The snapshot directory after a run: empty after a failure, one valid
 * snapshot after a success (then removed for the next run). */
static void verify_write(int rc)
{
    struct amg_snapshot *s = NULL;

    if (rc != AMG_OK) {
        CU_ASSERT_PTR_NULL(written);
        CU_ASSERT(count_entries(snap_dir) <= 0);
        return;
    }
    CU_ASSERT_EQUAL(count_entries(snap_dir), 1);
    CU_ASSERT_EQUAL(amg_snapshot_open(written, &s), AMG_OK);
    amg_snapshot_close(s);
    amg_free(written);
    written = NULL;
    amg_test_rmtree(snap_dir);
}

/* Writer steps; `stop_early` aborts at the first failure (what a caller
 * that gives up does), otherwise every step runs and commit must refuse. */
static int write_snapshot(int stop_early)
{
    struct amg_snapshot_writer *w = NULL;
    struct amg_ndjson_writer *nw = NULL;
    char *final = NULL;
    int rc, first = AMG_OK;
    int i;

    rc = amg_snapshot_begin(snap_dir, &src, NOW, &w);
    if (rc) {
        CU_ASSERT_PTR_NULL(w);
        return rc;
    }
#define STEP(call)                              \
    do {                                        \
        rc = (call);                            \
        if (rc && !first)                       \
            first = rc;                         \
        if (rc && stop_early)                   \
            goto out;                           \
    } while (0)
    STEP(amg_snapshot_add_plugin(w, "tokens", "1.0.0"));
    STEP(amg_snapshot_add_plugin(w, "users", "2.0.0"));
    STEP(amg_snapshot_write_json(w, "tokens", doc, 1));
    STEP(amg_snapshot_write_blob(w, "themes", "logo", "\x89PNG", 4));
    STEP(amg_snapshot_ndjson_create(w, "users", &nw));
    if (nw) {
        for (i = 0; i < NRECORDS; i++)
            STEP(amg_ndjson_write(nw, records[i]));
        STEP(amg_ndjson_close(nw));
        nw = NULL;
    }
#undef STEP
    rc = amg_snapshot_commit(w, &final);
    w = NULL;
    if (first) {
        /* Commit refuses once any step failed, with that failure. */
        CU_ASSERT_EQUAL(rc, first);
        rc = first;
    }
out:
    if (w)
        amg_snapshot_abort(w);
    CU_ASSERT(rc == AMG_OK || final == NULL);
    written = final;
    return rc;
}

static int op_write_stop(void)
{
    return write_snapshot(1);
}

static int op_write_all(void)
{
    return write_snapshot(0);
}

static void test_snapshot_write(void)
{
    snap_dir = tmp_path("snaps");
    make_inputs();
    CU_ASSERT(torture("snapshot write (stop at first failure)", op_write_stop, verify_write,
                      AMG_OK) > 0);
    CU_ASSERT(torture("snapshot write (every step)", op_write_all, verify_write,
                      AMG_OK) > 0);
    free_inputs();
    amg_free(snap_dir);
}

/* ---- snapshot reading ---- */

static char *read_snap;

static int op_read(void)
{
    struct amg_snapshot *s = NULL;
    struct amg_ndjson_reader *r = NULL;
    json_t *d = NULL, *rec = NULL;
    char *blob = NULL;
    size_t len = 0;
    int n = 0;
    int rc;

    rc = amg_snapshot_open(read_snap, &s);
    if (rc)
        goto out;
    rc = amg_snapshot_read_json(s, "tokens", &d);
    if (rc)
        goto out;
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(d, "accessTokenExpires")), 3600);
    rc = amg_snapshot_read_blob(s, "themes", "logo", &blob, &len);
    if (rc)
        goto out;
    CU_ASSERT(len == 4 && memcmp(blob, "\x89PNG", 4) == 0);
    rc = amg_snapshot_ndjson_open(s, "users", &r);
    if (rc)
        goto out;
    while ((rc = amg_ndjson_next(r, &rec)) == 1) {
        CU_ASSERT_EQUAL(json_integer_value(json_object_get(rec, "id")), n);
        json_decref(rec);
        n++;
    }
    CU_ASSERT(rc != 0 || n == NRECORDS);
out:
    amg_ndjson_reader_close(r);
    amg_free(blob);
    json_decref(d);
    amg_snapshot_close(s);
    return rc;
}

static void test_snapshot_read(void)
{
    char *final = NULL;

    snap_dir = tmp_path("read");
    make_inputs();
    {
        struct amg_snapshot_writer *w = NULL;
        struct amg_ndjson_writer *nw = NULL;
        int i;

        CU_ASSERT_EQUAL_FATAL(amg_snapshot_begin(snap_dir, &src, NOW, &w), AMG_OK);
        CU_ASSERT_EQUAL(amg_snapshot_add_plugin(w, "tokens", "1.0.0"), AMG_OK);
        CU_ASSERT_EQUAL(amg_snapshot_write_json(w, "tokens", doc, 1), AMG_OK);
        CU_ASSERT_EQUAL(amg_snapshot_write_blob(w, "themes", "logo", "\x89PNG", 4), AMG_OK);
        CU_ASSERT_EQUAL_FATAL(amg_snapshot_ndjson_create(w, "users", &nw), AMG_OK);
        for (i = 0; i < NRECORDS; i++)
            CU_ASSERT_EQUAL(amg_ndjson_write(nw, records[i]), AMG_OK);
        CU_ASSERT_EQUAL(amg_ndjson_close(nw), AMG_OK);
        CU_ASSERT_EQUAL_FATAL(amg_snapshot_commit(w, &final), AMG_OK);
    }
    read_snap = final;
    CU_ASSERT(torture("snapshot open and read", op_read, NULL, 0) > 0);
    free_inputs();
    amg_free(final);
    amg_free(snap_dir);
}

/* ---- catalog ---- */

static int op_catalog(void)
{
    struct amg_catalog_entry *v = NULL;
    size_t n = 0;
    int rc = amg_catalog_list(snap_dir, "prod", &v, &n);

    if (rc == AMG_OK) {
        CU_ASSERT_EQUAL(n, 3);
        CU_ASSERT(n == 3 && strcmp(v[0].name, "prod-20261125T000000Z") == 0);
    }
    amg_catalog_free(v, n);
    return rc;
}

static void test_catalog(void)
{
    static const char *const names[] = {
        "prod-20261123T000000Z", "prod-20261125T000000Z", "prod-20261124T000000Z",
        "other-20261124T000000Z", ".prod-20261126T000000Z.partial",
    };
    size_t i;

    snap_dir = tmp_path("catalog");
    CU_ASSERT_FATAL(mkdir(snap_dir, 0700) == 0);
    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        char *p = amg_path_join(snap_dir, names[i]);

        CU_ASSERT_FATAL(p && mkdir(p, 0700) == 0);
        amg_free(p);
    }
    CU_ASSERT(torture("catalog list", op_catalog, NULL, AMG_OK) > 0);
    amg_free(snap_dir);
}

/* ---- dependency graph ---- */

static const char *const deps_b[] = { "a", NULL };
static const char *const deps_c[] = { "a", "b", NULL };
static const char *const deps_d[] = { "c", NULL };
static const struct amg_graph_node nodes[] = {
    { "d", deps_d }, { "c", deps_c }, { "b", deps_b }, { "a", NULL }, { "e", NULL },
};
#define N_NODES (sizeof(nodes) / sizeof(nodes[0]))

static int op_graph(void)
{
    size_t order[N_NODES];
    int sel[N_NODES];
    int rc;

    rc = amg_graph_order(nodes, N_NODES, order);
    if (rc)
        return rc;
    CU_ASSERT(order[0] == 3 && order[1] == 2 && order[2] == 1 && order[3] == 0);
    rc = amg_graph_select(nodes, N_NODES, "d, e", "b", AMG_SELECT_PULL_DEPS, sel);
    if (rc)
        return rc;
    CU_ASSERT(sel[0] && sel[1] && !sel[2] && sel[3] && sel[4]);
    return amg_graph_select(nodes, N_NODES, "c:x=1", NULL, AMG_SELECT_EXACT, sel);
}

static const char *const cyc_x[] = { "y", NULL };
static const char *const cyc_y[] = { "z", NULL };
static const char *const cyc_z[] = { "x", NULL };
static const struct amg_graph_node cycle[] = {
    { "z", cyc_z }, { "y", cyc_y }, { "x", cyc_x }, { "w", NULL },
};

/* Error paths allocate too (cycle text, list of known names). */
static int op_graph_errors(void)
{
    size_t order[4];
    int sel[4];
    int rc = amg_graph_order(cycle, 4, order);

    if (rc != AMG_ECYCLE)
        return rc;
    return amg_graph_select(cycle, 4, "q", NULL, AMG_SELECT_PULL_DEPS, sel);
}

static void test_graph(void)
{
    CU_ASSERT(torture("graph order and select", op_graph, NULL, AMG_OK) > 0);
    /* The unknown-name error still comes when its hint cannot be built. */
    CU_ASSERT(torture("graph errors", op_graph_errors, NULL, AMG_EINVAL) > 0);
}

/* ---- record filters ---- */

static const char *const user_fields[] = { "email", "userName", NULL };
static const struct amg_plugin users_desc = {
    AMG_PLUGIN_INIT_HEADER, .name = "users", .version = "1", .filter_fields = user_fields,
};
static const struct amg_plugin tokens_desc = {
    AMG_PLUGIN_INIT_HEADER, .name = "tokens", .version = "1",
};
static struct amg_loaded_plugin loaded[] = {
    { &tokens_desc, NULL, NULL },
    { &users_desc, NULL, NULL },
};
static const struct amg_plugin_set fake_set = { loaded, 2 };

static int op_filters(void)
{
    struct amg_filters *f = NULL;
    int rc = amg_filters_parse("tokens, users:email=*@x.com+userName=a*,users:email=b*",
                               "roles", &fake_set, &f);

    if (rc == AMG_OK) {
        const struct amg_filter_list *l = amg_filters_for(f, "users");

        CU_ASSERT(l != NULL && amg_filters_for(f, "tokens") == NULL);
    }
    CU_ASSERT(rc == AMG_OK || f == NULL);
    amg_filters_free(f);
    return rc;
}

static int op_filters_error(void)
{
    struct amg_filters *f = NULL;
    int rc = amg_filters_parse("users:email=a*,users:nope=1", NULL, &fake_set, &f);

    CU_ASSERT_PTR_NULL(f);
    amg_filters_free(f);
    return rc;
}

static void test_filters(void)
{
    CU_ASSERT(torture("filters parse", op_filters, NULL, AMG_OK) > 0);
    CU_ASSERT(torture("filters parse error", op_filters_error, NULL, AMG_EUSAGE) > 0);
}

/* ---- id map, report, log secrets ---- */

static int op_idmap(void)
{
    struct amg_idmap *m = NULL;
    json_t *j = NULL;
    int rc = amg_idmap_new(&m);

    if (!rc)
        rc = amg_idmap_put(m, "application", "old-1", "new-1");
    if (!rc)
        rc = amg_idmap_put(m, "application", "old-2", "new-2");
    if (!rc)
        rc = amg_idmap_put(m, "role", "r-1", "r-9");
    if (!rc)
        rc = amg_idmap_put(m, "role", "r-1", "r-10");
    if (!rc) {
        j = amg_idmap_to_json(m);
        rc = j ? AMG_OK : AMG_ENOMEM;
    }
    if (!rc) {
        CU_ASSERT_STRING_EQUAL(amg_idmap_get(m, "role", "r-1"), "r-10");
        CU_ASSERT_EQUAL(json_object_size(json_object_get(j, "application")), 2);
    }
    json_decref(j);
    amg_idmap_free(m);
    return rc;
}

static char *report_dir;

static int op_report(void)
{
    struct amg_report *r = NULL;
    char *path = NULL;
    char *dir = report_dir;
    int rc = amg_report_new("export", "prod", NULL, NOW, &r);
    if (!rc)
        rc = amg_report_plugin(r, "tokens", "ok", NULL, NULL);
    if (!rc)
        rc = amg_report_plugin(r, "users", "failed", "HTTP 500", NULL);
    if (!rc)
        rc = amg_report_set(r, "requests", json_integer(12));
    if (!rc)
        rc = amg_report_write(r, dir, NOW + 60, &path);
    if (!rc) {
        CU_ASSERT_EQUAL(amg_report_failures(r), 1);
        CU_ASSERT(path && strstr(path, "/reports/export-prod-") != NULL);
    }
    amg_free(path);
    amg_report_free(r);
    amg_test_rmtree(dir);
    return rc;
}

static int op_secrets(void)
{
    int rc = amg_log_add_secret("s3cr3t-value");

    if (!rc)
        rc = amg_log_add_secret("an0ther-value");
    amg_info("token s3cr3t-value");
    amg_log_clear_secrets();
    return rc;
}

static void test_misc(void)
{
    CU_ASSERT(torture("id map", op_idmap, NULL, AMG_OK) > 0);
    report_dir = tmp_path("reports-root");
    CU_ASSERT(torture("report", op_report, NULL, AMG_OK) > 0);
    amg_free(report_dir);
    CU_ASSERT(torture("log secrets", op_secrets, NULL, AMG_OK) > 0);
}

static void test_hook_semantics(void)
{
    void *p;
    long live = amg_mem_live();
    long refused = amg_mem_failures();

    amg_mem_fail_after(1);
    p = amg_malloc(8);
    CU_ASSERT_PTR_NOT_NULL(p);
    CU_ASSERT_PTR_NULL(amg_strdup("x"));
    CU_ASSERT_PTR_NULL(amg_calloc(1, 1));
    CU_ASSERT_PTR_NULL(amg_realloc(p, 16));
    CU_ASSERT_EQUAL(amg_mem_count(), 4);
    /* jansson goes through the same hook. */
    CU_ASSERT_PTR_NULL(json_object());
    amg_mem_fail_after(-1);
    CU_ASSERT_EQUAL(amg_mem_failures(), refused + 4);
    CU_ASSERT_EQUAL(amg_mem_live(), live + 1);
    p = amg_realloc(p, 0);
    CU_ASSERT_PTR_NOT_NULL(p);
    amg_free(p);
    CU_ASSERT_EQUAL(amg_mem_live(), live);
    CU_ASSERT_EQUAL(amg_mem_count(), 1);
}

int main(void)
{
    static const struct amg_test tests[] = {
        { "the hook fails the n+1-th allocation", test_hook_semantics },
        { "config load", test_config },
        { "config load with errors", test_config_errors },
        { "plugin loading", test_plugins },
        { "snapshot writing", test_snapshot_write },
        { "snapshot reading", test_snapshot_read },
        { "catalog listing", test_catalog },
        { "graph order and select", test_graph },
        { "record filters", test_filters },
        { "id map, report, log secrets", test_misc },
        { NULL, NULL },
    };
    int rc;

    amg_mem_init();
    tmpdir = amg_test_tmpdir();
    devnull = fopen("/dev/null", "w");
    if (!tmpdir || !devnull)
        return 1;
    /* Every refused allocation is logged; only the test results matter. */
    if (!getenv("AMG_TEST_LOG"))
        amg_log_set_stream(devnull);
    rc = amg_test_main("alloc_fail", tests);
    amg_log_set_stream(NULL);
    fclose(devnull);
    amg_test_rmtree(tmpdir);
    free(tmpdir);
    return rc;
}

/* RTLD_NOLOAD, to check which plugins are still mapped. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "graph.h"
#include "loader.h"
#include "log.h"
#include "testutil.h"

#ifndef TEST_PLUGIN_DIR
#error "TEST_PLUGIN_DIR must name the directory of the built test plugins"
#endif

static char *tmpdir;
static int n_dirs;
static struct amg_plugin_set sentinel;

static char *str_printf(const char *fmt, ...) AMG_PRINTF(1, 2);

/* Formatted new string. */
static char *str_printf(const char *fmt, ...)
{
    va_list ap;
    char *s;
    int len;

    va_start(ap, fmt);
    len = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    CU_ASSERT_FATAL(len >= 0);
    s = malloc((size_t)len + 1);
    CU_ASSERT_FATAL(s != NULL);
    va_start(ap, fmt);
    vsnprintf(s, (size_t)len + 1, fmt, ap);
    va_end(ap);
    return s;
}

/*
 * A fresh directory under tmpdir with a symlink "<name>.so" to each built
 * test plugin named in the NULL-terminated `names` (libtool leaves them
 * all in one .libs directory). New string.
 */
static char *plugin_dir(const char *const *names)
{
    char *dir = str_printf("%s/d%d", tmpdir, ++n_dirs);

    CU_ASSERT_FATAL(mkdir(dir, 0700) == 0);
    for (; *names; names++) {
        char *target = str_printf("%s/%s.so", TEST_PLUGIN_DIR, *names);
        char *link = str_printf("%s/%s.so", dir, *names);

        CU_ASSERT_FATAL(symlink(target, link) == 0);
        free(target);
        free(link);
    }
    return dir;
}

/* Whether the object at `path` is still mapped in the process. */
static int is_loaded(const char *path)
{
    void *h = dlopen(path, RTLD_NOW | RTLD_NOLOAD);

    if (!h)
        return 0;
    dlclose(h);
    return 1;
}

static void test_good_pair(void)
{
    static const char *const names[] = { "good_b", "good_a", NULL };
    char *dir = plugin_dir(names);
    const char *dirs[] = { dir };
    struct amg_plugin_set *set = NULL;
    struct amg_graph_node nodes[2];
    const struct amg_loaded_plugin *b;
    size_t order[2];
    char *want, *log;

    amg_test_capture_start();
    CU_ASSERT_EQUAL_FATAL(amg_plugins_load(dirs, 1, &set), AMG_OK);
    log = amg_test_capture_end();
    CU_ASSERT(log == NULL || log[0] == '\0');
    free(log);
    CU_ASSERT_EQUAL_FATAL(set->n, 2);
    CU_ASSERT_STRING_EQUAL(set->plugins[0].desc->name, "good_a");
    CU_ASSERT_STRING_EQUAL(set->plugins[1].desc->name, "good_b");
    CU_ASSERT_STRING_EQUAL(set->plugins[0].desc->version, "1.0.0");
    CU_ASSERT_PTR_NOT_NULL(set->plugins[0].handle);
    want = str_printf("%s/%s", dir, "good_a.so");
    CU_ASSERT_STRING_EQUAL(set->plugins[0].path, want);
    free(want);
    b = amg_plugins_find(set, "good_b");
    CU_ASSERT_PTR_EQUAL(b, &set->plugins[1]);
    CU_ASSERT_PTR_NULL(amg_plugins_find(set, "good_c"));
    CU_ASSERT_STRING_EQUAL(b->desc->deps[0], "good_a");
    CU_ASSERT_PTR_NULL(b->desc->deps[1]);
    CU_ASSERT_PTR_NOT_NULL(b->desc->export_fn);
    CU_ASSERT_EQUAL(b->desc->export_fn(NULL, NULL), AMG_OK);
    CU_ASSERT_PTR_NULL(b->desc->import_fn);

    nodes[0].name = set->plugins[1].desc->name;
    nodes[0].deps = set->plugins[1].desc->deps;
    nodes[1].name = set->plugins[0].desc->name;
    nodes[1].deps = set->plugins[0].desc->deps;
    CU_ASSERT_EQUAL(amg_graph_order(nodes, 2, order), AMG_OK);
    CU_ASSERT_EQUAL(order[0], 1);
    CU_ASSERT_EQUAL(order[1], 0);

    want = str_printf("%s/%s", dir, "good_b.so");
    CU_ASSERT(is_loaded(want));
    amg_plugins_free(set);
    CU_ASSERT(!is_loaded(want));
    free(want);
    free(dir);
}

struct bad_case {
    const char *plugin;
    int rc;
    const char *msg;
};

static const struct bad_case bad_cases[] = {
    { "bad_abi", AMG_EABI, "plugin ABI 2.0, this appid-migrate supports 1.x" },
    { "bad_minor", AMG_EABI, "plugin ABI 1.99 needs a newer appid-migrate" },
    { "small_struct", AMG_EABI, "plugin descriptor is 8 bytes, ABI 1." },
    { "no_entry", AMG_EPLUGIN, "not an appid-migrate plugin (no amg_plugin_entry symbol)" },
    { "null_desc", AMG_EPLUGIN, "amg_plugin_entry() returned NULL" },
    { "bad_name", AMG_EPLUGIN, "plugin name 'Bad-Name' is invalid (want [a-z0-9_]+" },
    { "no_hooks", AMG_EPLUGIN, "plugin 'no_hooks' has no hooks" },
    { "no_version", AMG_EPLUGIN, "plugin 'no_version' has no version" },
    { "bad_dep", AMG_EPLUGIN, "plugin 'bad_dep': dependency 'Apps!' is not a valid plugin "
      "name" },
    { "many_deps", AMG_EPLUGIN, "plugin 'many_deps' has more than 64 dependencies" },
    { "bad_secret", AMG_EPLUGIN, "plugin 'bad_secret' needs secret 'root_password', which "
      "appid-migrate does not know" },
};

/* Each bad kind is rejected, through a directory scan and file by file,
 * with the file and the reason, and its handle closed. */
static void test_bad_table(void)
{
    static const char *const good[] = { "good_a", NULL };
    char *good_dir = plugin_dir(good);
    const char *good_dirs[] = { good_dir };
    struct amg_plugin_set *good_set = NULL;
    size_t c;

    CU_ASSERT_EQUAL_FATAL(amg_plugins_load(good_dirs, 1, &good_set), AMG_OK);
    for (c = 0; c < sizeof(bad_cases) / sizeof(bad_cases[0]); c++) {
        const struct bad_case *tc = &bad_cases[c];
        const char *names[] = { tc->plugin, NULL };
        char *dir = plugin_dir(names);
        const char *dirs[] = { dir };
        struct amg_plugin_set *set = &sentinel;   /* must be reset to NULL */
        char *file = str_printf("%s/%s.so", dir, tc->plugin);
        char *want = str_printf("error: %s: %s", file, tc->msg);
        char *log;
        int rc;

        amg_test_capture_start();
        rc = amg_plugins_load(dirs, 1, &set);
        log = amg_test_capture_end();
        if (rc != tc->rc || !strstr(log, want))
            fprintf(stderr, "\ncase %s: rc %d, want %d '%s'; log:\n%s", tc->plugin, rc,
                    tc->rc, want, log);
        CU_ASSERT_EQUAL(rc, tc->rc);
        CU_ASSERT_PTR_NULL(set);
        CU_ASSERT_PTR_NOT_NULL(strstr(log, want));
        CU_ASSERT(!is_loaded(file));
        free(log);

        amg_test_capture_start();
        rc = amg_plugins_load_file(good_set, file);
        log = amg_test_capture_end();
        CU_ASSERT_EQUAL(rc, tc->rc);
        CU_ASSERT_PTR_NOT_NULL(strstr(log, want));
        CU_ASSERT_EQUAL(good_set->n, 1);
        CU_ASSERT(!is_loaded(file));
        free(log);
        free(want);
        free(file);
        free(dir);
    }
    amg_plugins_free(good_set);
    free(good_dir);
}

static void test_not_a_shared_object(void)
{
    static const char *const none[] = { NULL };
    char *dir = plugin_dir(none);
    char *file = amg_test_write_file(dir, "junk.so", "this is not an ELF object\n");
    char *want = str_printf("(missing library? try: ldd %s)\n", file);
    const char *dirs[] = { dir };
    struct amg_plugin_set *set = NULL;
    char *log, *prefix;

    amg_test_capture_start();
    CU_ASSERT_EQUAL(amg_plugins_load(dirs, 1, &set), AMG_EPLUGIN);
    log = amg_test_capture_end();
    CU_ASSERT_PTR_NULL(set);
    prefix = str_printf("error: %s: cannot load: ", file);
    CU_ASSERT_PTR_NOT_NULL(strstr(log, prefix));
    CU_ASSERT_PTR_NOT_NULL(strstr(log, want));
    free(prefix);
    free(log);
    free(want);
    free(file);
    free(dir);
}

/* One bad file among good ones fails the load, every bad file is named,
 * and the good ones are unloaded again. */
static void test_one_bad_fails_all(void)
{
    static const char *const names[] = { "good_a", "good_b", "bad_abi", "no_hooks", NULL };
    static const char *const names2[] = { "good_a", "no_hooks", NULL };
    char *dir = plugin_dir(names);
    char *dir2 = plugin_dir(names2);
    const char *dirs[] = { dir };
    const char *dirs2[] = { dir2 };
    struct amg_plugin_set *set = NULL;
    char *good = str_printf("%s/%s", dir, "good_a.so");
    char *log;

    amg_test_capture_start();
    CU_ASSERT_EQUAL(amg_plugins_load(dirs, 1, &set), AMG_EABI);
    log = amg_test_capture_end();
    CU_ASSERT_PTR_NULL(set);
    CU_ASSERT_PTR_NOT_NULL(strstr(log, "bad_abi.so: plugin ABI 2.0"));
    CU_ASSERT_PTR_NOT_NULL(strstr(log, "no_hooks.so: plugin 'no_hooks' has no hooks"));
    CU_ASSERT(!is_loaded(good));
    free(log);

    amg_test_capture_start();
    CU_ASSERT_EQUAL(amg_plugins_load(dirs2, 1, &set), AMG_EPLUGIN);
    log = amg_test_capture_end();
    CU_ASSERT_PTR_NULL(set);
    free(log);
    free(good);
    free(dir);
    free(dir2);
}

static void test_missing_dir(void)
{
    static const char *const names[] = { "good_a", NULL };
    char *dir = plugin_dir(names);
    char *missing = str_printf("%s/%s", tmpdir, "no-such-dir");
    const char *dirs[] = { dir, missing };
    struct amg_plugin_set *set = NULL;
    char *want = str_printf("error: plugin directory %s: %s", missing,
                            "No such file or directory");
    char *log;

    amg_test_capture_start();
    CU_ASSERT_EQUAL(amg_plugins_load(dirs, 2, &set), AMG_EIO);
    log = amg_test_capture_end();
    CU_ASSERT_PTR_NULL(set);
    CU_ASSERT_PTR_NOT_NULL(strstr(log, want));
    free(log);
    free(want);
    free(missing);
    free(dir);
}

static void test_duplicate_name(void)
{
    static const char *const first[] = { "good_a", NULL };
    static const char *const second[] = { "dup_a", NULL };
    char *d1 = plugin_dir(first);
    char *d2 = plugin_dir(second);
    char *d3 = plugin_dir(first);
    const char *dirs[] = { d1, d2 };
    const char *same_file_twice[] = { d1, d3 };
    struct amg_plugin_set *set = NULL;
    char *a = str_printf("%s/%s", d1, "good_a.so");
    char *dup = str_printf("%s/%s", d2, "dup_a.so");
    char *again = str_printf("%s/%s", d3, "good_a.so");
    char *want = str_printf("error: %s: plugin 'good_a' already loaded from %s\n", dup, a);
    char *log;

    amg_test_capture_start();
    CU_ASSERT_EQUAL(amg_plugins_load(dirs, 2, &set), AMG_EPLUGIN);
    log = amg_test_capture_end();
    CU_ASSERT_PTR_NULL(set);
    CU_ASSERT_PTR_NOT_NULL(strstr(log, want));
    CU_ASSERT(!is_loaded(a));
    CU_ASSERT(!is_loaded(dup));
    free(log);
    free(want);

    /* The same object through two directories is a duplicate as well. */
    want = str_printf("error: %s: plugin 'good_a' already loaded from %s\n", again, a);
    amg_test_capture_start();
    CU_ASSERT_EQUAL(amg_plugins_load(same_file_twice, 2, &set), AMG_EPLUGIN);
    log = amg_test_capture_end();
    CU_ASSERT_PTR_NOT_NULL(strstr(log, want));
    CU_ASSERT(!is_loaded(a));
    free(log);
    free(want);
    free(a);
    free(dup);
    free(again);
    free(d1);
    free(d2);
    free(d3);
}

/* Only regular *.so files (or links to them) count; the decoys here would
 * fail the load if they were opened. */
static void test_other_files_ignored(void)
{
    static const char *const names[] = { "good_a", NULL };
    char *dir = plugin_dir(names);
    const char *dirs[] = { dir };
    struct amg_plugin_set *set = NULL;
    char *bad = str_printf("%s/%s.so", TEST_PLUGIN_DIR, "bad_abi");
    char *good_b = str_printf("%s/%s.so", TEST_PLUGIN_DIR, "good_b");
    static const char *const decoys[] = { ".hidden.so", "bad.so.1", "bad.so.txt", "so",
                                          "README", NULL };
    const char *const *d;
    char *path, *log;
    char buf[4096];
    FILE *in, *out;
    size_t got;

    for (d = decoys; *d; d++) {
        path = str_printf("%s/%s", dir, *d);
        CU_ASSERT_FATAL(symlink(bad, path) == 0);
        free(path);
    }
    path = str_printf("%s/%s", dir, "subdir.so");
    CU_ASSERT_FATAL(mkdir(path, 0700) == 0);
    free(path);
    path = str_printf("%s/%s", dir, "dangling.so");
    CU_ASSERT_FATAL(symlink("/nonexistent/amg-test.so", path) == 0);
    free(path);
    /* A real copy, not a link. */
    path = str_printf("%s/%s", dir, "copy_of_b.so");
    in = fopen(good_b, "rb");
    out = fopen(path, "wb");
    CU_ASSERT_FATAL(in && out);
    while ((got = fread(buf, 1, sizeof(buf), in)) > 0)
        CU_ASSERT_FATAL(fwrite(buf, 1, got, out) == got);
    fclose(in);
    fclose(out);
    free(path);

    amg_test_capture_start();
    CU_ASSERT_EQUAL_FATAL(amg_plugins_load(dirs, 1, &set), AMG_OK);
    log = amg_test_capture_end();
    CU_ASSERT_EQUAL(set->n, 2);
    CU_ASSERT_STRING_EQUAL(set->plugins[0].desc->name, "good_a");
    CU_ASSERT_STRING_EQUAL(set->plugins[1].desc->name, "good_b");
    CU_ASSERT_PTR_NOT_NULL(strstr(set->plugins[1].path, "/copy_of_b.so"));
    CU_ASSERT_PTR_NOT_NULL(strstr(log, "dangling.so: dangling symbolic link, skipped"));
    CU_ASSERT_PTR_NULL(strstr(log, "error"));
    amg_plugins_free(set);
    free(log);
    free(bad);
    free(good_b);
    free(dir);
}

static void test_cycle_loads_but_does_not_order(void)
{
    static const char *const names[] = { "cycle_y", "cycle_x", NULL };
    char *dir = plugin_dir(names);
    const char *dirs[] = { dir };
    struct amg_plugin_set *set = NULL;
    struct amg_graph_node nodes[2];
    size_t i, order[2];
    char *log;

    CU_ASSERT_EQUAL_FATAL(amg_plugins_load(dirs, 1, &set), AMG_OK);
    CU_ASSERT_EQUAL_FATAL(set->n, 2);
    for (i = 0; i < 2; i++) {
        nodes[i].name = set->plugins[i].desc->name;
        nodes[i].deps = set->plugins[i].desc->deps;
    }
    amg_test_capture_start();
    CU_ASSERT_EQUAL(amg_graph_order(nodes, 2, order), AMG_ECYCLE);
    log = amg_test_capture_end();
    CU_ASSERT_PTR_NOT_NULL(strstr(log, "dependency cycle: cycle_x -> cycle_y -> cycle_x\n"));
    free(log);
    amg_plugins_free(set);
    free(dir);
}

/* Leaves good_a mapped for the rest of the process: runs after the tests
 * that check unloading. */
static void test_no_dlclose_env(void)
{
    static const char *const names[] = { "bad_abi", "good_a", NULL };
    char *dir = plugin_dir(names);
    char *bad = str_printf("%s/%s", dir, "bad_abi.so");
    char *good = str_printf("%s/%s", dir, "good_a.so");
    struct amg_plugin_set *set = amg_plugins_new();
    char *log;

    CU_ASSERT_PTR_NOT_NULL_FATAL(set);
    CU_ASSERT_EQUAL(set->n, 0);
    setenv("AMG_NO_DLCLOSE", "1", 1);
    amg_test_capture_start();
    CU_ASSERT_EQUAL(amg_plugins_load_file(set, bad), AMG_EABI);
    log = amg_test_capture_end();
    free(log);
    CU_ASSERT_EQUAL(amg_plugins_load_file(set, good), AMG_OK);
    amg_plugins_free(set);
    /* Kept mapped for LeakSanitizer's symbolizer. */
    CU_ASSERT(is_loaded(bad));
    CU_ASSERT(is_loaded(good));
    unsetenv("AMG_NO_DLCLOSE");
    amg_plugins_free(NULL);
    free(bad);
    free(good);
    free(dir);
}

static void free_dirs(char **v)
{
    size_t i;

    for (i = 0; v && v[i]; i++)
        free(v[i]);
    free(v);
}

static void test_plugin_dirs(void)
{
    static const struct {
        const char *env;          /* NULL: unset */
        const char *cli[3];
        const char *conf[3];
        const char *def;
        const char *want;         /* joined by spaces */
    } cases[] = {
        { NULL, { NULL }, { NULL }, "/def", "/def" },
        { NULL, { NULL }, { NULL }, NULL, "" },
        { "", { NULL }, { NULL }, "/def", "/def" },
        { ":::", { NULL }, { NULL }, "/def", "/def" },
        { "/e1", { NULL }, { NULL }, "/def", "/e1" },
        { ":/e1::/e2:", { NULL }, { NULL }, "/def", "/e1 /e2" },
        { NULL, { NULL }, { "/c1", "/c2" }, "/def", "/c1 /c2" },
        { NULL, { "/cli" }, { NULL }, "/def", "/cli" },
        { "/e1:/e2", { "/cli1", "/cli2" }, { "/c1", "/c2" }, "/def",
          "/cli1 /cli2 /c1 /c2 /e1 /e2" },
        { "/e1:/cli:/c1", { "/cli", "" }, { "/c1", "/cli" }, "/def", "/cli /c1 /e1" },
    };
    size_t c;

    for (c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        size_t n_cli = 0, n_conf = 0, i, used = 0;
        char got[256] = "";
        char **v;

        while (n_cli < 3 && cases[c].cli[n_cli])
            n_cli++;
        while (n_conf < 3 && cases[c].conf[n_conf])
            n_conf++;
        if (cases[c].env)
            setenv("APPID_MIGRATE_PLUGIN_PATH", cases[c].env, 1);
        else
            unsetenv("APPID_MIGRATE_PLUGIN_PATH");
        v = amg_plugin_dirs(cases[c].cli, n_cli, cases[c].conf, n_conf, cases[c].def);
        CU_ASSERT_PTR_NOT_NULL_FATAL(v);
        for (i = 0; v[i]; i++)
            used += (size_t)snprintf(got + used, sizeof(got) - used, "%s%s",
                                     i ? " " : "", v[i]);
        if (strcmp(got, cases[c].want) != 0)
            fprintf(stderr, "\ncase %zu: got '%s', want '%s'\n", c, got, cases[c].want);
        CU_ASSERT_STRING_EQUAL(got, cases[c].want);
        free_dirs(v);
    }
    unsetenv("APPID_MIGRATE_PLUGIN_PATH");
}

/* ABI 1.0 plugins keep loading under a 1.1 core; filter fields are
 * read only from descriptors that have them. */
static void test_minor_versions(void)
{
    static const char *const names[] = { "old_abi", "filtered", NULL };
    char *dir = plugin_dir(names);
    const char *dirs[] = { dir };
    struct amg_plugin_set *set = NULL;
    const struct amg_loaded_plugin *p;
    const char *const *fields;

    CU_ASSERT_EQUAL_FATAL(amg_plugins_load(dirs, 1, &set), AMG_OK);
    p = amg_plugins_find(set, "old_abi");
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    CU_ASSERT_PTR_NULL(amg_plugin_filter_fields(p->desc));
    p = amg_plugins_find(set, "filtered");
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    fields = amg_plugin_filter_fields(p->desc);
    CU_ASSERT_PTR_NOT_NULL_FATAL(fields);
    CU_ASSERT_STRING_EQUAL(fields[0], "name");
    CU_ASSERT_STRING_EQUAL(fields[1], "email");
    CU_ASSERT_PTR_NULL(fields[2]);
    amg_plugins_free(set);
    free(dir);
}

static const struct amg_test tests[] = {
    { "good pair loads sorted", test_good_pair },
    { "each bad kind rejected", test_bad_table },
    { "not a shared object", test_not_a_shared_object },
    { "one bad file fails the load", test_one_bad_fails_all },
    { "missing directory", test_missing_dir },
    { "duplicate plugin name", test_duplicate_name },
    { "other files ignored", test_other_files_ignored },
    { "cycle loads, graph rejects", test_cycle_loads_but_does_not_order },
    { "AMG_NO_DLCLOSE keeps handles", test_no_dlclose_env },
    { "plugin directory precedence", test_plugin_dirs },
    { "ABI 1.0 plugins load under 1.1", test_minor_versions },
    { NULL, NULL },
};

int main(void)
{
    int rc;

    /* The tests check which objects stay mapped; the caller's setting
     * would change that. */
    unsetenv("AMG_NO_DLCLOSE");
    amg_log_set_level(AMG_LOG_WARN);
    tmpdir = amg_test_tmpdir();
    if (!tmpdir)
        return 99;
    rc = amg_test_main("loader", tests);
    amg_test_rmtree(tmpdir);
    free(tmpdir);
    return rc;
}

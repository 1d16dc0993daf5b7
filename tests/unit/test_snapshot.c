#ifdef HAVE_CONFIG_H
#include "config.h"
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include "log.h"
#include "snapshot.h"
#include "snapshot_fixture.h"

/* ---- writer ---- */

/* umask 0 would give wider modes, 0277 narrower ones (0400/0500): the
 * modes must come out exact either way. */
static void test_modes_whatever_umask(void)
{
    static const mode_t masks[] = { 0, 0277 };
    static const char *const files[] = { "manifest.json", "tokens.json", "users.ndjson" };
    size_t i, j;

    for (i = 0; i < sizeof(masks) / sizeof(masks[0]); i++) {
        char *tmp = amg_test_tmpdir();
        char *parent = join(tmp, "a/b");
        char *a = join(tmp, "a");
        char *final;
        struct stat st;
        mode_t old = umask(masks[i]);

        final = make_snapshot(parent);
        umask(old);
        CU_ASSERT_EQUAL(stat(a, &st), 0);
        CU_ASSERT_EQUAL(st.st_mode & 07777, 0700);
        CU_ASSERT_EQUAL(stat(parent, &st), 0);
        CU_ASSERT_EQUAL(st.st_mode & 07777, 0700);
        CU_ASSERT_EQUAL(stat(final, &st), 0);
        CU_ASSERT_EQUAL(st.st_mode & 07777, 0700);
        for (j = 0; j < sizeof(files) / sizeof(files[0]); j++) {
            char *file = join(final, files[j]);

            CU_ASSERT_EQUAL(stat(file, &st), 0);
            CU_ASSERT_EQUAL(st.st_mode & 07777, 0600);
            free(file);
        }
        free(final);
        free(parent);
        free(a);
        amg_test_rmtree(tmp);
        free(tmp);
    }
}

static void test_final_appears_on_commit(void)
{
    char *tmp = amg_test_tmpdir();
    struct amg_snapshot_writer *w = NULL;
    json_t *doc = json_object();
    char *final = NULL;
    char *want = join(tmp, "prod-" STAMP);

    CU_ASSERT_EQUAL_FATAL(amg_snapshot_begin(tmp, &fixture_src, NOW, &w), AMG_OK);
    CU_ASSERT_EQUAL(amg_snapshot_write_json(w, "tokens", doc, 0), AMG_OK);
    CU_ASSERT(exists(tmp, ".prod-" STAMP ".partial"));
    CU_ASSERT(exists(tmp, ".prod-" STAMP ".partial/tokens.json"));
    CU_ASSERT(!exists(tmp, "prod-" STAMP));
    CU_ASSERT_EQUAL(amg_snapshot_commit(w, &final), AMG_OK);
    CU_ASSERT_STRING_EQUAL(final, want);
    CU_ASSERT(exists(tmp, "prod-" STAMP "/manifest.json"));
    CU_ASSERT(!exists(tmp, ".prod-" STAMP ".partial"));
    CU_ASSERT_EQUAL(count_entries(tmp), 1);
    json_decref(doc);
    free(final);
    free(want);
    amg_test_rmtree(tmp);
    free(tmp);
}

static void test_abort_leaves_nothing(void)
{
    char *tmp = amg_test_tmpdir();
    struct amg_snapshot_writer *w = NULL;
    struct amg_ndjson_writer *nw = NULL;
    json_t *doc = json_object();

    CU_ASSERT_EQUAL_FATAL(amg_snapshot_begin(tmp, &fixture_src, NOW, &w), AMG_OK);
    CU_ASSERT_EQUAL(amg_snapshot_write_json(w, "tokens", doc, 0), AMG_OK);
    CU_ASSERT_EQUAL(amg_snapshot_ndjson_create(w, "users", &nw), AMG_OK);
    CU_ASSERT_EQUAL(amg_ndjson_write(nw, doc), AMG_OK);
    amg_snapshot_abort(w);   /* frees the open ndjson writer too */
    CU_ASSERT_EQUAL(count_entries(tmp), 0);
    amg_snapshot_abort(NULL);
    json_decref(doc);
    amg_test_rmtree(tmp);
    free(tmp);
}

static void test_stale_partial_replaced(void)
{
    char *tmp = amg_test_tmpdir();
    char *partial = join(tmp, ".prod-" STAMP ".partial");
    char *final;
    struct amg_snapshot *s = NULL;
    char *log;

    CU_ASSERT_EQUAL_FATAL(mkdir(partial, 0700), 0);
    write_file(partial, "tokens.json", "garbage", 7);
    write_file(partial, "junk", "x", 1);
    capture_start();
    final = make_snapshot(tmp);
    log = capture_stop();
    CU_ASSERT_PTR_NOT_NULL(strstr(log, ".partial: removing unfinished snapshot"));
    CU_ASSERT(!exists(final, "junk"));
    CU_ASSERT(!exists(tmp, ".prod-" STAMP ".partial"));
    CU_ASSERT_EQUAL(amg_snapshot_open(final, &s), AMG_OK);
    amg_snapshot_close(s);
    free(log);
    free(final);
    free(partial);
    amg_test_rmtree(tmp);
    free(tmp);
}

static void test_existing_final_refused(void)
{
    char *tmp = amg_test_tmpdir();
    char *final = make_snapshot(tmp);
    struct amg_snapshot_writer *w = NULL;
    char *later = NULL;
    char *manifest = read_file(final, "manifest.json");
    char *again;

    capture_start();
    CU_ASSERT_EQUAL(amg_snapshot_begin(tmp, &fixture_src, NOW, &w), AMG_EEXIST);
    CU_ASSERT_PTR_NULL(w);
    free(capture_stop());
    again = read_file(final, "manifest.json");
    CU_ASSERT_STRING_EQUAL(again, manifest);
    free(again);

    /* Final directory appearing between begin and commit, even empty. */
    CU_ASSERT_EQUAL_FATAL(amg_snapshot_begin(tmp, &fixture_src, NOW + 1, &w), AMG_OK);
    free(final);
    final = join(tmp, "prod-20261123T224001Z");
    CU_ASSERT_EQUAL_FATAL(mkdir(final, 0700), 0);
    capture_start();
    CU_ASSERT_EQUAL(amg_snapshot_commit(w, &later), AMG_EEXIST);
    free(capture_stop());
    CU_ASSERT_PTR_NULL(later);
    CU_ASSERT_EQUAL(count_entries(final), 0);
    CU_ASSERT(!exists(tmp, ".prod-20261123T224001Z.partial"));
    free(manifest);
    free(final);
    amg_test_rmtree(tmp);
    free(tmp);
}

static void test_plugin_names(void)
{
    static const struct { const char *name; int ok; } cases[] = {
        { "tokens", 1 }, { "cd_users_2", 1 }, { "Tokens", 0 }, { "a-b", 0 },
        { "a.b", 0 }, { "../x", 0 }, { "a/b", 0 }, { "", 0 }, { NULL, 0 }, { "é", 0 },
    };
    char *tmp = amg_test_tmpdir();
    json_t *doc = json_object();
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct amg_snapshot_writer *w = NULL;
        struct amg_ndjson_writer *nw = NULL;
        int want = cases[i].ok ? AMG_OK : AMG_EINVAL;

        CU_ASSERT_EQUAL(amg_snapshot_plugin_name_ok(cases[i].name), cases[i].ok);
        CU_ASSERT_EQUAL_FATAL(amg_snapshot_begin(tmp, &fixture_src, NOW, &w), AMG_OK);
        capture_start();
        CU_ASSERT_EQUAL(amg_snapshot_add_plugin(w, cases[i].name, "1.0"), want);
        CU_ASSERT_EQUAL(amg_snapshot_write_json(w, cases[i].name, doc, 0), want);
        amg_snapshot_abort(w);
        CU_ASSERT_EQUAL_FATAL(amg_snapshot_begin(tmp, &fixture_src, NOW, &w), AMG_OK);
        CU_ASSERT_EQUAL(amg_snapshot_ndjson_create(w, cases[i].name, &nw), want);
        CU_ASSERT_EQUAL(nw != NULL, cases[i].ok);
        if (nw)
            CU_ASSERT_EQUAL(amg_ndjson_close(nw), AMG_OK);
        free(capture_stop());
        amg_snapshot_abort(w);
    }
    CU_ASSERT_EQUAL(count_entries(tmp), 0);
    json_decref(doc);
    amg_test_rmtree(tmp);
    free(tmp);
}

static void test_one_file_per_plugin(void)
{
    char *tmp = amg_test_tmpdir();
    struct amg_snapshot_writer *w = NULL;
    struct amg_ndjson_writer *nw = NULL;
    json_t *doc = json_object();
    char *final = NULL;
    char *log;

    CU_ASSERT_EQUAL_FATAL(amg_snapshot_begin(tmp, &fixture_src, NOW, &w), AMG_OK);
    capture_start();
    CU_ASSERT_EQUAL(amg_snapshot_write_json(w, "roles", doc, 0), AMG_OK);
    CU_ASSERT_EQUAL(amg_snapshot_write_json(w, "roles", doc, 0), AMG_EEXIST);
    CU_ASSERT_EQUAL(amg_snapshot_ndjson_create(w, "roles", &nw), AMG_EEXIST);
    CU_ASSERT_PTR_NULL(nw);
    CU_ASSERT_EQUAL(amg_snapshot_add_plugin(w, "roles", "1"), AMG_OK);
    CU_ASSERT_EQUAL(amg_snapshot_add_plugin(w, "roles", "1"), AMG_EEXIST);
    /* The snapshot is incomplete now: commit refuses it. */
    CU_ASSERT_EQUAL(amg_snapshot_commit(w, &final), AMG_EEXIST);
    log = capture_stop();
    CU_ASSERT_PTR_NOT_NULL(strstr(log, "roles has written its file already"));
    CU_ASSERT_PTR_NULL(final);
    CU_ASSERT_EQUAL(count_entries(tmp), 0);
    free(log);
    json_decref(doc);
    amg_test_rmtree(tmp);
    free(tmp);
}

static void test_commit_with_open_ndjson(void)
{
    char *tmp = amg_test_tmpdir();
    struct amg_snapshot_writer *w = NULL;
    struct amg_ndjson_writer *nw = NULL;

    CU_ASSERT_EQUAL_FATAL(amg_snapshot_begin(tmp, &fixture_src, NOW, &w), AMG_OK);
    CU_ASSERT_EQUAL(amg_snapshot_ndjson_create(w, "users", &nw), AMG_OK);
    capture_start();
    CU_ASSERT_EQUAL(amg_snapshot_commit(w, NULL), AMG_EINVAL);
    free(capture_stop());
    CU_ASSERT_EQUAL(count_entries(tmp), 0);
    amg_test_rmtree(tmp);
    free(tmp);
}

/* A real write error: the file size limit makes write(2) fail (EFBIG). */
static void test_write_error(void)
{
    char *tmp = amg_test_tmpdir();
    struct amg_snapshot_writer *w = NULL;
    struct amg_ndjson_writer *nw = NULL;
    struct rlimit old, lim;
    void (*oldsig)(int) = signal(SIGXFSZ, SIG_IGN);
    int rc = AMG_OK;
    int i;
    char *log;

    CU_ASSERT_EQUAL_FATAL(getrlimit(RLIMIT_FSIZE, &old), 0);
    lim = old;
    lim.rlim_cur = 4096;
    CU_ASSERT_EQUAL_FATAL(amg_snapshot_begin(tmp, &fixture_src, NOW, &w), AMG_OK);
    CU_ASSERT_EQUAL_FATAL(amg_snapshot_ndjson_create(w, "users", &nw), AMG_OK);
    capture_start();
    CU_ASSERT_EQUAL_FATAL(setrlimit(RLIMIT_FSIZE, &lim), 0);
    for (i = 0; i < 100000 && rc == AMG_OK; i++) {
        json_t *rec = user_record(i);

        rc = amg_ndjson_write(nw, rec);
        json_decref(rec);
    }
    if (rc == AMG_OK)
        rc = amg_ndjson_close(nw);
    else
        CU_ASSERT_EQUAL(amg_ndjson_close(nw), AMG_EIO);
    setrlimit(RLIMIT_FSIZE, &old);
    signal(SIGXFSZ, oldsig);
    CU_ASSERT_EQUAL(rc, AMG_EIO);
    CU_ASSERT_EQUAL(amg_snapshot_commit(w, NULL), AMG_EIO);
    log = capture_stop();
    CU_ASSERT_PTR_NOT_NULL(strstr(log, "users.ndjson: write failed"));
    CU_ASSERT_EQUAL(count_entries(tmp), 0);
    free(log);
    amg_test_rmtree(tmp);
    free(tmp);
}

static void test_invalid_begin(void)
{
    static const char *const names[] = { "", ".hidden", "a/b", "..", NULL };
    char *tmp = amg_test_tmpdir();
    char *file = join(tmp, "file");
    struct amg_snapshot_writer *w = NULL;
    struct amg_snapshot_source s = fixture_src;
    size_t i;

    capture_start();
    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        s.instance = names[i];
        CU_ASSERT_EQUAL(amg_snapshot_begin(tmp, &s, NOW, &w), AMG_EINVAL);
        CU_ASSERT_PTR_NULL(w);
    }
    s = fixture_src;
    s.tenant_id = NULL;
    CU_ASSERT_EQUAL(amg_snapshot_begin(tmp, &s, NOW, &w), AMG_EINVAL);
    CU_ASSERT_EQUAL(amg_snapshot_begin(NULL, &fixture_src, NOW, &w), AMG_EINVAL);
    write_file(tmp, "file", "", 0);
    CU_ASSERT_EQUAL(amg_snapshot_begin(file, &fixture_src, NOW, &w), AMG_EIO);
    CU_ASSERT_PTR_NULL(w);
    free(capture_stop());
    CU_ASSERT_EQUAL(count_entries(tmp), 1);
    free(file);
    amg_test_rmtree(tmp);
    free(tmp);
}

static void test_manifest_contents(void)
{
    char *tmp = amg_test_tmpdir();
    struct amg_snapshot_writer *w = NULL;
    struct amg_snapshot_source s = fixture_src;
    json_t *doc = json_pack("{s:[i,i], s:s}", "b", 1, 2, "a", "x");
    json_t *m;
    json_t *want;
    char *final = NULL;
    char *text;

    s.region = "eu-de";
    CU_ASSERT_EQUAL_FATAL(amg_snapshot_begin(tmp, &s, NOW, &w), AMG_OK);
    /* Written out of order: the manifest lists files sorted by name. */
    CU_ASSERT_EQUAL(amg_snapshot_write_json(w, "zeta", doc, 2), AMG_OK);
    CU_ASSERT_EQUAL(amg_snapshot_write_json(w, "tokens", doc, 1), AMG_OK);
    CU_ASSERT_EQUAL(amg_snapshot_add_plugin(w, "tokens", "1.0.0"), AMG_OK);
    CU_ASSERT_EQUAL_FATAL(amg_snapshot_commit(w, &final), AMG_OK);

    text = read_file(final, "tokens.json");
    CU_ASSERT_STRING_EQUAL(text, "{\"a\":\"x\",\"b\":[1,2]}\n");
    free(text);
    text = read_file(final, "manifest.json");
    CU_ASSERT_EQUAL(strncmp(text, "{\n  \"created\": \"2026-11-23T22:40:00Z\",\n", 39), 0);
    CU_ASSERT_EQUAL(text[strlen(text) - 1], '\n');
    m = json_loads(text, 0, NULL);
    free(text);
    want = json_pack("{s:s, s:i, s:s, s:s, s:{s:s, s:s, s:s, s:s},"
                     " s:{s:{s:s}}, s:[{s:s, s:s, s:s, s:i, s:i}, {s:s, s:s, s:s, s:i, s:i}]}",
                     "format", "appid-migrate-snapshot", "format_version", 1,
                     "tool_version", PACKAGE_VERSION, "created", "2026-11-23T22:40:00Z",
                     "source", "instance", "prod", "region", "eu-de",
                     "endpoint", "http://127.0.0.1:8080", "tenant_id", "tenant-1",
                     "plugins", "tokens", "version", "1.0.0",
                     "files",
                     "name", "tokens.json", "plugin", "tokens", "sha256",
                     "c93ec37fc4dcbc7d1d6c0d71345177ed3a050c846444fcc24422e14f250ba94e",
                     "bytes", 20, "records", 1,
                     "name", "zeta.json", "plugin", "zeta", "sha256",
                     "c93ec37fc4dcbc7d1d6c0d71345177ed3a050c846444fcc24422e14f250ba94e",
                     "bytes", 20, "records", 2);
    CU_ASSERT_PTR_NOT_NULL_FATAL(want);
    CU_ASSERT(json_equal(m, want));
    json_decref(m);
    json_decref(want);

    /* region NULL is written as JSON null */
    free(final);
    amg_test_rmtree(tmp);
    final = make_snapshot(tmp);
    text = read_file(final, "manifest.json");
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "\"region\": null"));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "\"records\": 1000"));
    free(text);
    json_decref(doc);
    free(final);
    amg_test_rmtree(tmp);
    free(tmp);
}

static void test_sha256_file(void)
{
    char *tmp = amg_test_tmpdir();
    char *path = join(tmp, "abc");
    char hex[65];

    write_file(tmp, "abc", "abc", 3);
    CU_ASSERT_EQUAL(amg_sha256_file(path, hex), AMG_OK);
    CU_ASSERT_STRING_EQUAL(hex,
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    write_file(tmp, "abc", "", 0);
    CU_ASSERT_EQUAL(amg_sha256_file(path, hex), AMG_OK);
    CU_ASSERT_STRING_EQUAL(hex,
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    free(path);
    amg_test_rmtree(tmp);
    free(tmp);
}

static const struct amg_test tests[] = {
    { "modes 0700/0600 whatever the umask", test_modes_whatever_umask },
    { "final directory appears on commit", test_final_appears_on_commit },
    { "abort leaves nothing", test_abort_leaves_nothing },
    { "stale .partial replaced", test_stale_partial_replaced },
    { "existing final refused", test_existing_final_refused },
    { "plugin name validation", test_plugin_names },
    { "one file per plugin", test_one_file_per_plugin },
    { "commit with open ndjson writer", test_commit_with_open_ndjson },
    { "write error -> AMG_EIO, nothing left", test_write_error },
    { "invalid begin arguments", test_invalid_begin },
    { "manifest contents", test_manifest_contents },
    { "sha256 of known content", test_sha256_file },
    { NULL, NULL },
};

int main(void)
{
    amg_log_set_level(AMG_LOG_WARN);
    return amg_test_main("snapshot", tests);
}

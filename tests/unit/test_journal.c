/*
 * Import journal (core/journal.c): round trip, keys, atomic saves, the
 * lock, truncated and corrupt files (a clear error naming the file),
 * migrate's pending lookup, and an allocation-failure walk.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <jansson.h>
#include "error.h"
#include "fsutil.h"
#include "journal.h"
#include "log.h"
#include "mem.h"
#include "testutil.h"

#define NOW ((time_t)1795473600)   /* 2026-11-23T22:40:00Z */
#define SHA_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define SHA_B "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static char *tmpdir;

static const struct amg_journal_key key_a = {
    "secondary", "primary-20261123T020000Z", SHA_A, NULL, NULL
};

/* A new directory under tmpdir for one test; new string. */
static char *test_dir(const char *name)
{
    char *d = amg_path_join(tmpdir, name);

    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    CU_ASSERT_FATAL(amg_mkdir_p(d) == AMG_OK);
    return d;
}

static void write_text(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");

    CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
    CU_ASSERT_FATAL(fputs(text, fp) >= 0);
    CU_ASSERT_FATAL(fclose(fp) == 0);
}

/* Whole file as a new string (free), or NULL. */
static char *read_text(const char *path)
{
    FILE *fp = fopen(path, "r");
    char *buf = NULL;
    long len;

    if (!fp)
        return NULL;
    if (fseek(fp, 0, SEEK_END) == 0 && (len = ftell(fp)) >= 0 && fseek(fp, 0, SEEK_SET) == 0) {
        buf = calloc(1, (size_t)len + 1);
        if (buf && fread(buf, 1, (size_t)len, fp) != (size_t)len) {
            free(buf);
            buf = NULL;
        }
    }
    fclose(fp);
    return buf;
}

/* Log output of `load` for `path`: loads it with the log captured and
 * returns the status; *log is a new string (free). */
static int load_logged(const char *path, struct amg_journal **j, char **log)
{
    char *logfile = amg_path_join(tmpdir, "log.txt");
    FILE *fp;
    int rc;

    CU_ASSERT_PTR_NOT_NULL_FATAL(logfile);
    fp = fopen(logfile, "w+");
    CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
    amg_log_set_stream(fp);
    rc = amg_journal_load(path, j);
    amg_log_set_stream(NULL);
    fclose(fp);
    *log = read_text(logfile);
    CU_ASSERT_PTR_NOT_NULL_FATAL(*log);
    unlink(logfile);
    amg_free(logfile);
    return rc;
}

static void test_paths(void)
{
    char *p = amg_journal_file("/srv/snaps", "secondary");

    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    CU_ASSERT_STRING_EQUAL(p, "/srv/snaps/runs/secondary/import.journal");
    amg_free(p);
    CU_ASSERT_PTR_NULL(amg_journal_file("/srv/snaps", "../etc"));
    CU_ASSERT_PTR_NULL(amg_journal_file("/srv/snaps", ".hidden"));
    CU_ASSERT_PTR_NULL(amg_journal_file("/srv/snaps", ""));
    CU_ASSERT_EQUAL(amg_journal_target_ok("eu-de.dr_2"), 1);
    CU_ASSERT_EQUAL(amg_journal_target_ok("a/b"), 0);
    CU_ASSERT_EQUAL(amg_journal_target_ok("st*r"), 0);
}

static void test_round_trip(void)
{
    char *dir = test_dir("round");
    char *path = amg_journal_file(dir, "secondary");
    char *tmp = NULL;
    struct amg_journal *j = NULL;
    struct amg_journal *back = NULL;
    json_t *actions = json_pack("[s]", "application 'web': new clientId N (was O)");
    json_t *map = json_pack("{s:{s:s}}", "application", "O", "N");
    struct stat st;

    CU_ASSERT_FATAL(path && actions && map);
    CU_ASSERT_EQUAL_FATAL(amg_mkdir_p(dir), AMG_OK);
    /* The run directory comes from the lock, as in an import. */
    {
        int fd = -1;

        CU_ASSERT_EQUAL_FATAL(amg_journal_lock(dir, "secondary", &fd), AMG_OK);
        amg_journal_unlock(fd);
    }
    CU_ASSERT_EQUAL(amg_journal_load(path, &back), AMG_ENOTFOUND);
    CU_ASSERT_EQUAL_FATAL(amg_journal_new(path, &key_a, NOW, &j), AMG_OK);
    CU_ASSERT_EQUAL(amg_journal_save(j), AMG_OK);
    CU_ASSERT_EQUAL(stat(path, &st), 0);
    CU_ASSERT_EQUAL(st.st_mode & 0777, 0600);
    CU_ASSERT_EQUAL(amg_journal_mark_done(j, "applications", actions, map, NOW + 5), AMG_OK);
    CU_ASSERT_EQUAL(amg_journal_mark_done(j, "tokens", NULL, NULL, NOW + 6), AMG_OK);
    /* Once only, whatever the caller does. */
    CU_ASSERT_EQUAL(amg_journal_mark_done(j, "tokens", NULL, NULL, NOW + 7), AMG_OK);
    CU_ASSERT_EQUAL(amg_journal_done_count(j), 2);
    CU_ASSERT_EQUAL(amg_journal_mark_done(j, "", NULL, NULL, NOW), AMG_EINVAL);

    CU_ASSERT_EQUAL_FATAL(amg_journal_load(path, &back), AMG_OK);
    CU_ASSERT_EQUAL(amg_journal_matches(back, &key_a), 1);
    CU_ASSERT_STRING_EQUAL(amg_journal_snapshot_id(back), "primary-20261123T020000Z");
    CU_ASSERT_STRING_EQUAL(amg_journal_path(back), path);
    CU_ASSERT_EQUAL(amg_journal_done_count(back), 2);
    CU_ASSERT_EQUAL(amg_journal_is_done(back, "applications"), 1);
    CU_ASSERT_EQUAL(amg_journal_is_done(back, "tokens"), 1);
    CU_ASSERT_EQUAL(amg_journal_is_done(back, "roles"), 0);
    CU_ASSERT(json_equal(amg_journal_actions(back, "applications"), actions));
    CU_ASSERT_EQUAL(json_array_size(amg_journal_actions(back, "tokens")), 0);
    CU_ASSERT_PTR_NULL(amg_journal_actions(back, "roles"));
    /* mark_done without a map kept the one recorded before. */
    CU_ASSERT(json_equal(amg_journal_id_map(back), map));
    CU_ASSERT_PTR_NULL(amg_journal_only(back));
    CU_ASSERT_PTR_NULL(amg_journal_exclude(back));

    /* No temporary file is left beside it. */
    tmp = malloc(strlen(path) + 5);
    CU_ASSERT_PTR_NOT_NULL_FATAL(tmp);
    snprintf(tmp, strlen(path) + 5, "%s.tmp", path);
    CU_ASSERT_NOT_EQUAL(access(tmp, F_OK), 0);

    CU_ASSERT_EQUAL(amg_journal_remove(path), AMG_OK);
    CU_ASSERT_NOT_EQUAL(access(path, F_OK), 0);
    CU_ASSERT_EQUAL(amg_journal_remove(path), AMG_OK);
    free(tmp);
    json_decref(actions);
    json_decref(map);
    amg_journal_free(j);
    amg_journal_free(back);
    amg_free(path);
    amg_free(dir);
}

static void test_keys(void)
{
    struct amg_journal_key k = key_a;
    struct amg_journal *j = NULL;

    CU_ASSERT_EQUAL_FATAL(amg_journal_new("/nonexistent/j", &key_a, NOW, &j), AMG_OK);
    CU_ASSERT_EQUAL(amg_journal_matches(j, &k), 1);
    k.snapshot_id = "primary-20261124T020000Z";
    CU_ASSERT_EQUAL(amg_journal_matches(j, &k), 0);
    k = key_a;
    k.manifest_sha256 = SHA_B;   /* same name, other snapshot */
    CU_ASSERT_EQUAL(amg_journal_matches(j, &k), 0);
    k = key_a;
    k.target = "tertiary";
    CU_ASSERT_EQUAL(amg_journal_matches(j, &k), 0);
    k = key_a;
    k.only = "tokens";
    CU_ASSERT_EQUAL(amg_journal_matches(j, &k), 0);
    k = key_a;
    k.exclude = "users";
    CU_ASSERT_EQUAL(amg_journal_matches(j, &k), 0);
    amg_journal_free(j);
    j = NULL;

    k = key_a;
    k.only = "roles:name=admin";
    CU_ASSERT_EQUAL_FATAL(amg_journal_new("/nonexistent/j", &k, NOW, &j), AMG_OK);
    CU_ASSERT_EQUAL(amg_journal_matches(j, &k), 1);
    CU_ASSERT_EQUAL(amg_journal_matches(j, &key_a), 0);
    CU_ASSERT_STRING_EQUAL(amg_journal_only(j), "roles:name=admin");
    amg_journal_free(j);
    j = NULL;

    k = key_a;
    k.manifest_sha256 = "not-a-sha";
    CU_ASSERT_EQUAL(amg_journal_new("/nonexistent/j", &k, NOW, &j), AMG_EINVAL);
    CU_ASSERT_PTR_NULL(j);
    k = key_a;
    k.target = "../x";
    CU_ASSERT_EQUAL(amg_journal_new("/nonexistent/j", &k, NOW, &j), AMG_EINVAL);
    CU_ASSERT_PTR_NULL(j);
}

/* Save a journal with two plugins done to `path`. */
static void save_sample(const char *path)
{
    struct amg_journal *j = NULL;
    json_t *map = json_pack("{s:{s:s, s:s}}", "role", "r1", "n1", "r2", "n2");

    CU_ASSERT_FATAL(map != NULL);
    CU_ASSERT_EQUAL_FATAL(amg_journal_new(path, &key_a, NOW, &j), AMG_OK);
    CU_ASSERT_EQUAL(amg_journal_mark_done(j, "applications", NULL, map, NOW), AMG_OK);
    CU_ASSERT_EQUAL(amg_journal_mark_done(j, "roles", NULL, map, NOW), AMG_OK);
    amg_journal_free(j);
    json_decref(map);
}

static void test_truncated(void)
{
    char *dir = test_dir("trunc");
    char *path = amg_path_join(dir, "import.journal");
    struct amg_journal *j = NULL;
    char *text, *log = NULL;
    size_t full;

    CU_ASSERT_PTR_NOT_NULL_FATAL(path);
    save_sample(path);
    text = read_text(path);
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    full = strlen(text);
    CU_ASSERT_FATAL(full > 100);
    /* Cut at several points, as a torn write (without the rename) would. */
    for (size_t cut = 1; cut < full - 1; cut += full / 7) {
        CU_ASSERT_FATAL(truncate(path, (off_t)cut) == 0);
        CU_ASSERT_EQUAL(load_logged(path, &j, &log), AMG_EINVAL);
        CU_ASSERT_PTR_NULL(j);
        CU_ASSERT_PTR_NOT_NULL(strstr(log, path));
        CU_ASSERT_PTR_NOT_NULL(strstr(log, "not a usable import journal"));
        CU_ASSERT_PTR_NOT_NULL(strstr(log, "--no-resume"));
        if (cut > 2)
            CU_ASSERT_PTR_NOT_NULL(strstr(log, "truncated"));
        free(log);
        log = NULL;
    }
    write_text(path, "");
    CU_ASSERT_EQUAL(load_logged(path, &j, &log), AMG_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(log, path));
    free(log);
    free(text);
    amg_free(path);
    amg_free(dir);
}

static void test_corrupt(void)
{
    static const struct {
        const char *text;
        const char *why;
    } cases[] = {
        { "\x01\x02garbage", "" },
        { "[1, 2]", "not a JSON object" },
        { "{\"format\":\"appid-migrate-report\",\"version\":1}", "\"format\"" },
        { "{\"format\":\"appid-migrate-journal\",\"version\":2}", "\"version\"" },
        { "{\"format\":\"appid-migrate-journal\",\"version\":1,\"target\":\"../x\"}",
          "\"target\"" },
        { "{\"format\":\"appid-migrate-journal\",\"version\":1,\"target\":\"s\","
          "\"snapshot_id\":\"p-20261123T020000Z\",\"manifest_sha256\":\"abc\"}",
          "\"manifest_sha256\"" },
        { "{\"format\":\"appid-migrate-journal\",\"version\":1,\"target\":\"s\","
          "\"snapshot_id\":\"p\",\"manifest_sha256\":\"" SHA_A "\",\"done\":{},"
          "\"id_map\":{}}", "\"done\"" },
        { "{\"format\":\"appid-migrate-journal\",\"version\":1,\"target\":\"s\","
          "\"snapshot_id\":\"p\",\"manifest_sha256\":\"" SHA_A "\",\"done\":[{}],"
          "\"id_map\":{}}", "\"plugin\"" },
        { "{\"format\":\"appid-migrate-journal\",\"version\":1,\"target\":\"s\","
          "\"snapshot_id\":\"p\",\"manifest_sha256\":\"" SHA_A "\",\"done\":[],"
          "\"id_map\":{\"role\":{\"a\":5}}}", "\"id_map\"" },
        { "{\"format\":\"appid-migrate-journal\",\"version\":1,\"target\":\"s\","
          "\"snapshot_id\":\"p\",\"manifest_sha256\":\"" SHA_A "\",\"only\":3,"
          "\"done\":[],\"id_map\":{}}", "\"only\"" },
        { "{\"format\":\"appid-migrate-journal\",\"format\":\"appid-migrate-journal\"}",
          "duplicate" },
    };
    char *dir = test_dir("corrupt");
    char *path = amg_path_join(dir, "import.journal");
    struct amg_journal *j = NULL;
    char *log = NULL;
    size_t i;

    CU_ASSERT_PTR_NOT_NULL_FATAL(path);
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        write_text(path, cases[i].text);
        CU_ASSERT_EQUAL(load_logged(path, &j, &log), AMG_EINVAL);
        CU_ASSERT_PTR_NULL(j);
        if (!strstr(log, path) || !strstr(log, cases[i].why))
            fprintf(stderr, "case %zu: log was: %s\n", i, log);
        CU_ASSERT_PTR_NOT_NULL(strstr(log, path));
        CU_ASSERT_PTR_NOT_NULL(strstr(log, cases[i].why));
        free(log);
        log = NULL;
    }
    /* A directory where the file should be. */
    unlink(path);
    CU_ASSERT_FATAL(mkdir(path, 0700) == 0);
    CU_ASSERT_EQUAL(load_logged(path, &j, &log), AMG_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(log, "not a regular file"));
    free(log);
    rmdir(path);
    amg_free(path);
    amg_free(dir);
}

static void test_save_replaces_atomically(void)
{
    char *dir = test_dir("atomic");
    char *path = amg_path_join(dir, "import.journal");
    char *tmp = NULL;
    struct amg_journal *j = NULL;
    struct amg_journal *back = NULL;
    char *log = NULL;

    CU_ASSERT_PTR_NOT_NULL_FATAL(path);
    save_sample(path);
    /* A temporary file a crashed run left is replaced, not appended to. */
    tmp = malloc(strlen(path) + 5);
    CU_ASSERT_PTR_NOT_NULL_FATAL(tmp);
    snprintf(tmp, strlen(path) + 5, "%s.tmp", path);
    write_text(tmp, "{\"half\": ");
    CU_ASSERT_EQUAL_FATAL(amg_journal_load(path, &j), AMG_OK);
    CU_ASSERT_EQUAL(amg_journal_mark_done(j, "tokens", NULL, NULL, NOW), AMG_OK);
    CU_ASSERT_NOT_EQUAL(access(tmp, F_OK), 0);
    CU_ASSERT_EQUAL_FATAL(amg_journal_load(path, &back), AMG_OK);
    CU_ASSERT_EQUAL(amg_journal_done_count(back), 3);
    amg_journal_free(back);
    back = NULL;

    /* A save that cannot happen leaves the previous journal whole. */
    CU_ASSERT_FATAL(chmod(dir, 0500) == 0);
    if (access(dir, W_OK) != 0) {    /* root writes anyway: nothing to test */
        FILE *fp = fopen("/dev/null", "w");

        CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
        amg_log_set_stream(fp);
        CU_ASSERT_EQUAL(amg_journal_mark_done(j, "themes", NULL, NULL, NOW), AMG_EIO);
        amg_log_set_stream(NULL);
        fclose(fp);
        CU_ASSERT_EQUAL_FATAL(load_logged(path, &back, &log), AMG_OK);
        CU_ASSERT_EQUAL(amg_journal_done_count(back), 3);
        free(log);
        amg_journal_free(back);
    }
    CU_ASSERT_FATAL(chmod(dir, 0700) == 0);
    amg_journal_free(j);
    free(tmp);
    amg_free(path);
    amg_free(dir);
}

static void test_lock(void)
{
    char *dir = test_dir("lock");
    char *lockfile = amg_path_join(dir, "runs/secondary/import.lock");
    int fd1 = -1, fd2 = -1, fd3 = -1;
    struct stat st;
    FILE *fp = fopen("/dev/null", "w");

    CU_ASSERT_FATAL(lockfile && fp);
    CU_ASSERT_EQUAL_FATAL(amg_journal_lock(dir, "secondary", &fd1), AMG_OK);
    CU_ASSERT(fd1 >= 0);
    CU_ASSERT_EQUAL(stat(lockfile, &st), 0);
    amg_log_set_stream(fp);
    CU_ASSERT_EQUAL(amg_journal_lock(dir, "secondary", &fd2), AMG_EEXIST);
    CU_ASSERT_EQUAL(fd2, -1);
    /* Another target has its own lock. */
    CU_ASSERT_EQUAL(amg_journal_lock(dir, "tertiary", &fd3), AMG_OK);
    CU_ASSERT_EQUAL(amg_journal_lock(dir, "../up", &fd2), AMG_EINVAL);
    amg_log_set_stream(NULL);
    fclose(fp);
    amg_journal_unlock(fd1);
    CU_ASSERT_EQUAL(amg_journal_lock(dir, "secondary", &fd2), AMG_OK);
    amg_journal_unlock(fd2);
    amg_journal_unlock(fd3);
    amg_free(lockfile);
    amg_free(dir);
}

/* A journal for `key` under `dir`'s run directory of key->target. */
static void save_for(const char *dir, const struct amg_journal_key *key)
{
    char *path = amg_journal_file(dir, key->target);
    struct amg_journal *j = NULL;
    int fd = -1;

    CU_ASSERT_PTR_NOT_NULL_FATAL(path);
    CU_ASSERT_EQUAL_FATAL(amg_journal_lock(dir, key->target, &fd), AMG_OK);
    CU_ASSERT_EQUAL_FATAL(amg_journal_new(path, key, NOW, &j), AMG_OK);
    CU_ASSERT_EQUAL(amg_journal_save(j), AMG_OK);
    amg_journal_unlock(fd);
    amg_journal_free(j);
    amg_free(path);
}

static void test_pending(void)
{
    char *dir = test_dir("pending");
    char *snap = amg_path_join(dir, "primary-20261123T020000Z");
    char *found = NULL;
    struct amg_journal_key k = key_a;

    CU_ASSERT_PTR_NOT_NULL_FATAL(snap);
    /* No journal at all. */
    CU_ASSERT_EQUAL(amg_journal_pending(dir, "secondary", "primary", NULL, NULL, &found),
                    AMG_OK);
    CU_ASSERT_PTR_NULL(found);
    save_for(dir, &key_a);
    /* The snapshot directory is gone: nothing to resume with. */
    CU_ASSERT_EQUAL(amg_journal_pending(dir, "secondary", "primary", NULL, NULL, &found),
                    AMG_OK);
    CU_ASSERT_PTR_NULL(found);
    CU_ASSERT_FATAL(mkdir(snap, 0700) == 0);
    CU_ASSERT_EQUAL(amg_journal_pending(dir, "secondary", "primary", NULL, NULL, &found),
                    AMG_OK);
    CU_ASSERT_PTR_NOT_NULL_FATAL(found);
    CU_ASSERT_STRING_EQUAL(found, snap);
    amg_free(found);
    found = NULL;
    /* Another source, another selection, another target: not this one. */
    CU_ASSERT_EQUAL(amg_journal_pending(dir, "secondary", "prim", NULL, NULL, &found), AMG_OK);
    CU_ASSERT_PTR_NULL(found);
    CU_ASSERT_EQUAL(amg_journal_pending(dir, "secondary", "primary", "tokens", NULL, &found),
                    AMG_OK);
    CU_ASSERT_PTR_NULL(found);
    CU_ASSERT_EQUAL(amg_journal_pending(dir, "tertiary", "primary", NULL, NULL, &found),
                    AMG_OK);
    CU_ASSERT_PTR_NULL(found);
    k.exclude = "users";
    save_for(dir, &k);
    CU_ASSERT_EQUAL(amg_journal_pending(dir, "secondary", "primary", NULL, "users", &found),
                    AMG_OK);
    CU_ASSERT_PTR_NOT_NULL(found);
    amg_free(found);
    found = NULL;
    /* A journal that is not one is an error, as for import. */
    {
        char *path = amg_journal_file(dir, "secondary");
        FILE *fp = fopen("/dev/null", "w");

        CU_ASSERT_FATAL(path && fp);
        write_text(path, "{\"format\":");
        amg_log_set_stream(fp);
        CU_ASSERT_EQUAL(amg_journal_pending(dir, "secondary", "primary", NULL, "users",
                                            &found), AMG_EINVAL);
        amg_log_set_stream(NULL);
        fclose(fp);
        CU_ASSERT_PTR_NULL(found);
        amg_free(path);
    }
    amg_free(snap);
    amg_free(dir);
}

/* ---- allocation failures ---- */

static char *torture_dir;

/* New, two plugins done, load back: every refused allocation must give
 * AMG_ENOMEM (or success) and release everything. */
static int op_cycle(void)
{
    char *path = amg_journal_file(torture_dir, "secondary");
    struct amg_journal *j = NULL;
    struct amg_journal *back = NULL;
    json_t *map = NULL;
    int rc = AMG_ENOMEM;

    if (!path)
        goto out;
    map = json_pack("{s:{s:s}}", "application", "old", "new");
    if (!map)
        goto out;
    rc = amg_journal_new(path, &key_a, NOW, &j);
    if (rc == AMG_OK)
        rc = amg_journal_mark_done(j, "applications", NULL, map, NOW);
    if (rc == AMG_OK)
        rc = amg_journal_mark_done(j, "roles", NULL, map, NOW);
    if (rc == AMG_OK)
        rc = amg_journal_load(path, &back);
    if (rc == AMG_OK) {
        CU_ASSERT_EQUAL(amg_journal_done_count(back), 2);
        CU_ASSERT(json_equal(amg_journal_id_map(back), map));
    }
    if (rc == AMG_OK) {
        char *found = NULL;

        /* No snapshot directory: found stays NULL, but the journal is read. */
        rc = amg_journal_pending(torture_dir, "secondary", "primary", NULL, NULL, &found);
        CU_ASSERT_PTR_NULL(found);
    }
out:
    json_decref(map);
    amg_journal_free(j);
    amg_journal_free(back);
    amg_free(path);
    return rc;
}

static void test_alloc_fail(void)
{
    long n;
    int fd = -1;

    torture_dir = test_dir("torture");
    CU_ASSERT_EQUAL_FATAL(amg_journal_lock(torture_dir, "secondary", &fd), AMG_OK);
    for (n = 0; n < 100000; n++) {
        long live = amg_mem_live();
        long count;
        int rc;

        amg_mem_fail_after(n);
        rc = op_cycle();
        count = amg_mem_count();
        amg_mem_fail_after(-1);
        CU_ASSERT_EQUAL(amg_mem_live(), live);
        if (count <= n) {
            CU_ASSERT_EQUAL(rc, AMG_OK);
            printf("\n  journal cycle: %ld allocations ", count);
            break;
        }
        if (rc != AMG_OK && rc != AMG_ENOMEM) {
            fprintf(stderr, "fail after %ld: status %d (%s)\n", n, rc, amg_strerror(rc));
            CU_FAIL("unexpected status after a refused allocation");
        }
    }
    CU_ASSERT(n > 5 && n < 100000);
    amg_journal_unlock(fd);
    amg_free(torture_dir);
}

int main(void)
{
    static const struct amg_test tests[] = {
        { "journal file names and targets", test_paths },
        { "save, mark done and load back", test_round_trip },
        { "the key: snapshot, manifest, target, selection", test_keys },
        { "a truncated journal is a clear error naming the file", test_truncated },
        { "a corrupt journal is a clear error naming the file", test_corrupt },
        { "saves replace the file atomically", test_save_replaces_atomically },
        { "one import a target at a time (lock)", test_lock },
        { "migrate finds the interrupted import's snapshot", test_pending },
        { "allocation failures: ENOMEM and nothing leaked", test_alloc_fail },
        { NULL, NULL },
    };
    int rc;

    amg_mem_init();
    tmpdir = amg_test_tmpdir();
    rc = amg_test_main("journal", tests);
    amg_test_rmtree(tmpdir);
    free(tmpdir);
    return rc;
}

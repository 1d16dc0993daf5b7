/*
 * Validation stamps (core/validated.c): round trip, what a stamp binds
 * (plugin, version, SHA-256), names that must not escape the directory,
 * damaged stamps, modes, the sweep of old stamps, and the key of a
 * plugin's file in a manifest.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <jansson.h>
#include "error.h"
#include "fsutil.h"
#include "log.h"
#include "mem.h"
#include "testutil.h"
#include "validated.h"

#define SHA_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define SHA_B "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static char *tmpdir;

static const struct amg_validated_key key_a = {
    "cloud_directory_users", "1.0.0", "cloud_directory_users.ndjson", SHA_A
};

static char *stamp_path(const char *dir, const char *plugin, const char *sha)
{
    char name[300];
    char *sub = amg_path_join(dir, "runs/validated");
    char *path;

    snprintf(name, sizeof(name), "%s-%s.json", plugin, sha);
    path = amg_path_join(sub, name);
    amg_free(sub);
    CU_ASSERT_PTR_NOT_NULL_FATAL(path);
    return path;
}

static char *test_dir(const char *name)
{
    char *d = amg_path_join(tmpdir, name);

    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    CU_ASSERT_FATAL(amg_mkdir_p(d) == AMG_OK);
    return d;
}

static void test_round_trip(void)
{
    char *dir = test_dir("round");
    char *path = stamp_path(dir, key_a.plugin, SHA_A);
    char how[32] = "";
    struct stat st;

    CU_ASSERT_EQUAL(amg_validated_has(dir, &key_a, how, sizeof(how)), 0);
    CU_ASSERT_EQUAL(amg_validated_put(dir, &key_a, "export", "/snaps/s1"), AMG_OK);
    CU_ASSERT_EQUAL(amg_validated_has(dir, &key_a, how, sizeof(how)), 1);
    CU_ASSERT_STRING_EQUAL(how, "export");
    /* Written again (a later import of the same bytes): still one. */
    CU_ASSERT_EQUAL(amg_validated_put(dir, &key_a, "import", NULL), AMG_OK);
    CU_ASSERT_EQUAL(amg_validated_has(dir, &key_a, how, sizeof(how)), 1);
    CU_ASSERT_STRING_EQUAL(how, "import");
    CU_ASSERT_EQUAL_FATAL(stat(path, &st), 0);
    CU_ASSERT_EQUAL(st.st_mode & 0777, 0600);
    amg_free(path);
    path = amg_path_join(dir, "runs/validated");
    CU_ASSERT_EQUAL_FATAL(stat(path, &st), 0);
    CU_ASSERT_EQUAL(st.st_mode & 0777, 0700);
    amg_free(path);
    amg_free(dir);
}

/* Other bytes, another plugin version, another plugin: no stamp. */
static void test_binds_key(void)
{
    char *dir = test_dir("binds");
    struct amg_validated_key k = key_a;

    CU_ASSERT_EQUAL_FATAL(amg_validated_put(dir, &key_a, "validate", NULL), AMG_OK);
    k.sha256 = SHA_B;
    CU_ASSERT_EQUAL(amg_validated_has(dir, &k, NULL, 0), 0);
    k = key_a;
    k.version = "1.0.1";
    CU_ASSERT_EQUAL(amg_validated_has(dir, &k, NULL, 0), 0);
    k = key_a;
    k.plugin = "user_profiles";
    CU_ASSERT_EQUAL(amg_validated_has(dir, &k, NULL, 0), 0);
    CU_ASSERT_EQUAL(amg_validated_has(dir, &key_a, NULL, 0), 1);
    amg_free(dir);
}

/* A stamp renamed to another digest's name does not vouch for it. */
static void test_content_must_match_name(void)
{
    char *dir = test_dir("renamed");
    char *from = stamp_path(dir, key_a.plugin, SHA_A);
    char *to = stamp_path(dir, key_a.plugin, SHA_B);
    struct amg_validated_key k = key_a;

    CU_ASSERT_EQUAL_FATAL(amg_validated_put(dir, &key_a, "export", NULL), AMG_OK);
    CU_ASSERT_EQUAL_FATAL(rename(from, to), 0);
    k.sha256 = SHA_B;
    CU_ASSERT_EQUAL(amg_validated_has(dir, &k, NULL, 0), 0);
    amg_free(from);
    amg_free(to);
    amg_free(dir);
}

static void test_bad_names(void)
{
    char *dir = test_dir("names");
    struct amg_validated_key k = key_a;

    amg_log_set_level(AMG_LOG_ERROR);   /* the warnings are expected */
    k.plugin = "../evil";
    CU_ASSERT_EQUAL(amg_validated_put(dir, &k, "export", NULL), AMG_EINVAL);
    CU_ASSERT_EQUAL(amg_validated_has(dir, &k, NULL, 0), 0);
    k = key_a;
    k.sha256 = "ABC";
    CU_ASSERT_EQUAL(amg_validated_put(dir, &k, "export", NULL), AMG_EINVAL);
    k.sha256 = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    CU_ASSERT_EQUAL(amg_validated_put(dir, &k, "export", NULL), AMG_EINVAL);
    amg_log_set_level(AMG_LOG_WARN);
    amg_free(dir);
}

static void write_text(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");

    CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
    CU_ASSERT_FATAL(fputs(text, fp) >= 0);
    CU_ASSERT_FATAL(fclose(fp) == 0);
}

/* Truncated, another format, not JSON: no stamp, no crash. */
static void test_damaged(void)
{
    char *dir = test_dir("damaged");
    char *path = stamp_path(dir, key_a.plugin, SHA_A);

    CU_ASSERT_EQUAL_FATAL(amg_validated_put(dir, &key_a, "export", NULL), AMG_OK);
    write_text(path, "{\"format\": \"appid-migrate-validated\", \"plugin\": \"cloud_dir");
    CU_ASSERT_EQUAL(amg_validated_has(dir, &key_a, NULL, 0), 0);
    write_text(path, "{\"format\": \"something-else\", \"plugin\": \"cloud_directory_users\", "
                     "\"version\": \"1.0.0\", \"sha256\": \"" SHA_A "\"}");
    CU_ASSERT_EQUAL(amg_validated_has(dir, &key_a, NULL, 0), 0);
    write_text(path, "not json");
    CU_ASSERT_EQUAL(amg_validated_has(dir, &key_a, NULL, 0), 0);
    /* A symlink is not followed. */
    CU_ASSERT_EQUAL_FATAL(unlink(path), 0);
    CU_ASSERT_EQUAL_FATAL(amg_validated_put(dir, &key_a, "export", NULL), AMG_OK);
    {
        char *real = amg_path_join(dir, "real.json");

        CU_ASSERT_EQUAL_FATAL(rename(path, real), 0);
        CU_ASSERT_EQUAL_FATAL(symlink(real, path), 0);
        CU_ASSERT_EQUAL(amg_validated_has(dir, &key_a, NULL, 0), 0);
        amg_free(real);
    }
    /* Nor does a FIFO planted there hang the reader. */
    CU_ASSERT_EQUAL_FATAL(unlink(path), 0);
    CU_ASSERT_EQUAL_FATAL(mkfifo(path, 0600), 0);
    CU_ASSERT_EQUAL(amg_validated_has(dir, &key_a, NULL, 0), 0);
    amg_free(path);
    amg_free(dir);
}

/* Stamps unused for longer than the limit go when a new one is written;
 * a used one is kept (has() touches it). */
static void test_sweep(void)
{
    char *dir = test_dir("sweep");
    char *old = stamp_path(dir, key_a.plugin, SHA_A);
    struct amg_validated_key k = key_a;
    time_t long_ago = time(NULL) - (time_t)(AMG_VALIDATED_MAX_AGE_DAYS + 1) * 24 * 3600;
    struct timespec ts[2] = { { long_ago, 0 }, { long_ago, 0 } };
    char leftover[600];

    CU_ASSERT_EQUAL_FATAL(amg_validated_put(dir, &key_a, "export", NULL), AMG_OK);
    CU_ASSERT_EQUAL_FATAL(utimensat(AT_FDCWD, old, ts, 0), 0);
    /* Used: touched, so it survives the sweep. */
    CU_ASSERT_EQUAL(amg_validated_has(dir, &key_a, NULL, 0), 1);
    k.sha256 = SHA_B;
    CU_ASSERT_EQUAL_FATAL(amg_validated_put(dir, &k, "export", NULL), AMG_OK);
    amg_validated_sweep(dir);
    CU_ASSERT_EQUAL(access(old, F_OK), 0);
    /* Unused: swept, and so is an old temporary file of a writer that
     * died before its rename. */
    CU_ASSERT_EQUAL_FATAL(utimensat(AT_FDCWD, old, ts, 0), 0);
    snprintf(leftover, sizeof(leftover), "%s.Ab12Cd", old);
    write_text(leftover, "{");
    CU_ASSERT_EQUAL_FATAL(utimensat(AT_FDCWD, leftover, ts, 0), 0);
    /* Writing a stamp sweeps nothing: that is once per export. */
    CU_ASSERT_EQUAL_FATAL(amg_validated_put(dir, &k, "export", NULL), AMG_OK);
    CU_ASSERT_EQUAL(access(old, F_OK), 0);
    amg_validated_sweep(dir);
    CU_ASSERT_NOT_EQUAL(access(old, F_OK), 0);
    CU_ASSERT_NOT_EQUAL(access(leftover, F_OK), 0);
    CU_ASSERT_EQUAL(amg_validated_has(dir, &k, NULL, 0), 1);
    amg_free(old);
    amg_free(dir);
}

/* No snapshot directory: nothing is created for a stamp. */
static void test_no_snapshot_dir(void)
{
    char *dir = amg_path_join(tmpdir, "never-made");

    CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
    CU_ASSERT_EQUAL(amg_validated_put(dir, &key_a, "validate", NULL), AMG_ENOTFOUND);
    CU_ASSERT_NOT_EQUAL(access(dir, F_OK), 0);
    CU_ASSERT_EQUAL(amg_validated_has(dir, &key_a, NULL, 0), 0);
    amg_free(dir);
}

static void test_key_of(void)
{
    json_error_t err;
    json_t *m = json_loads(
        "{\"files\": ["
        "{\"name\": \"roles.json\", \"plugin\": \"roles\", \"sha256\": \"" SHA_A "\"},"
        "{\"name\": \"themes.json\", \"plugin\": \"themes\", \"sha256\": \"" SHA_A "\"},"
        "{\"name\": \"themes-logo.bin\", \"plugin\": \"themes\", \"sha256\": \"" SHA_B "\"},"
        "{\"name\": \"odd.json\", \"plugin\": \"odd\"}]}", 0, &err);
    struct amg_validated_key k;

    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    CU_ASSERT_EQUAL(amg_validated_key_of(m, "roles", "1.2.0", &k), AMG_OK);
    CU_ASSERT_STRING_EQUAL(k.file, "roles.json");
    CU_ASSERT_STRING_EQUAL(k.sha256, SHA_A);
    CU_ASSERT_STRING_EQUAL(k.version, "1.2.0");
    CU_ASSERT_STRING_EQUAL(k.plugin, "roles");
    /* Two files: no stamps for it. */
    CU_ASSERT_EQUAL(amg_validated_key_of(m, "themes", "1.1.0", &k), AMG_ENOTFOUND);
    CU_ASSERT_EQUAL(amg_validated_key_of(m, "odd", "1.0.0", &k), AMG_ENOTFOUND);
    CU_ASSERT_EQUAL(amg_validated_key_of(m, "tokens", "1.0.0", &k), AMG_ENOTFOUND);
    json_decref(m);
}

int main(void)
{
    static const struct amg_test tests[] = {
        { "round trip, modes", test_round_trip },
        { "a stamp binds plugin, version and SHA-256", test_binds_key },
        { "a renamed stamp vouches for nothing", test_content_must_match_name },
        { "names that could leave the directory", test_bad_names },
        { "damaged stamps and symlinks", test_damaged },
        { "old unused stamps are swept", test_sweep },
        { "no snapshot directory, no stamp", test_no_snapshot_dir },
        { "key of a plugin's file in a manifest", test_key_of },
        { NULL, NULL }
    };
    int rc;

    tmpdir = amg_test_tmpdir();
    rc = amg_test_main("validated", tests);
    amg_test_rmtree(tmpdir);
    free(tmpdir);
    return rc;
}

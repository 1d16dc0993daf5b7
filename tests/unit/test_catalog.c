#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "catalog.h"
#include "error.h"
#include "log.h"
#include "testutil.h"

static void test_parse_names(void)
{
    static const struct {
        const char *name;
        int ok;
        size_t ilen;
        time_t created;
    } cases[] = {
        { "prod-20261123T224000Z", 0, 4, 1795473600 },
        { "us-south-primary-20261123T224000Z", 0, 16, 1795473600 },
        { "a-19700101T000000Z", 0, 1, 0 },
        { ".prod-20261123T224000Z.partial", -1, 0, 0 },
        { ".prod-20261123T224000Z", -1, 0, 0 },
        { "prod-20261123T224000", -1, 0, 0 },
        { "prod20261123T224000Z", -1, 0, 0 },
        { "-20261123T224000Z", -1, 0, 0 },
        { "prod-20261323T224000Z", -1, 0, 0 },
        { "prod-2026112xT224000Z", -1, 0, 0 },
        { "reports", -1, 0, 0 },
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        size_t ilen = 99;
        time_t t = 99;
        int rc = amg_catalog_parse_name(cases[i].name, &ilen, &t);

        CU_ASSERT_EQUAL(rc, cases[i].ok);
        if (rc == 0 && cases[i].ok == 0) {
            CU_ASSERT_EQUAL(ilen, cases[i].ilen);
            CU_ASSERT_EQUAL(t, cases[i].created);
        }
    }
}

static void make_dir(const char *base, const char *name)
{
    char path[4096];

    snprintf(path, sizeof(path), "%s/%s", base, name);
    CU_ASSERT_FATAL(mkdir(path, 0700) == 0);
}

static void test_list(void)
{
    char *dir = amg_test_tmpdir();
    char path[4096];
    struct amg_catalog_entry *v = NULL;
    size_t n = 0;
    int fd;

    make_dir(dir, "prod-20261120T010000Z");
    make_dir(dir, "prod-20261123T010000Z");
    make_dir(dir, "prod-20261121T010000Z");
    make_dir(dir, "prod-eu-20261122T010000Z");          /* another instance */
    make_dir(dir, ".prod-20261124T010000Z.partial");    /* in progress */
    make_dir(dir, "reports");
    snprintf(path, sizeof(path), "%s/prod-20261125T010000Z", dir);
    fd = open(path, O_CREAT | O_WRONLY, 0600);          /* a file, not a snapshot */
    CU_ASSERT_FATAL(fd >= 0);
    close(fd);

    CU_ASSERT_EQUAL_FATAL(amg_catalog_list(dir, "prod", &v, &n), AMG_OK);
    CU_ASSERT_EQUAL_FATAL(n, 3);
    CU_ASSERT_STRING_EQUAL(v[0].name, "prod-20261123T010000Z");
    CU_ASSERT_STRING_EQUAL(v[1].name, "prod-20261121T010000Z");
    CU_ASSERT_STRING_EQUAL(v[2].name, "prod-20261120T010000Z");
    CU_ASSERT_STRING_EQUAL(v[0].instance, "prod");
    snprintf(path, sizeof(path), "%s/prod-20261123T010000Z", dir);
    CU_ASSERT_STRING_EQUAL(v[0].path, path);
    amg_catalog_free(v, n);

    CU_ASSERT_EQUAL_FATAL(amg_catalog_list(dir, NULL, &v, &n), AMG_OK);
    CU_ASSERT_EQUAL(n, 4);
    CU_ASSERT_STRING_EQUAL(v[1].instance, "prod-eu");
    amg_catalog_free(v, n);

    snprintf(path, sizeof(path), "%s/missing", dir);
    CU_ASSERT_EQUAL(amg_catalog_list(path, NULL, &v, &n), AMG_OK);
    CU_ASSERT_EQUAL(n, 0);
    amg_catalog_free(v, n);
    amg_test_rmtree(dir);
    free(dir);
}

static void test_retention(void)
{
    /* Newest first, one a day, "now" a day after the newest. */
    struct amg_catalog_entry v[6];
    time_t day = 86400, now = 1795473600;
    int remove[6];
    size_t i;
    static const struct {
        int keep, keep_days;
        int want[6];
    } cases[] = {
        { 1, 0, { 0, 1, 1, 1, 1, 1 } },
        { 3, 0, { 0, 0, 0, 1, 1, 1 } },
        { 10, 0, { 0, 0, 0, 0, 0, 0 } },
        { 1, 3, { 0, 0, 1, 1, 1, 1 } },   /* ages 1 and 2 days are younger than 3 */
        { 2, 5, { 0, 0, 0, 0, 1, 1 } },
        { 4, 1, { 0, 0, 0, 0, 1, 1 } },
    };

    memset(v, 0, sizeof(v));
    for (i = 0; i < 6; i++)
        v[i].created = now - (time_t)(i + 1) * day;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        CU_ASSERT_EQUAL(amg_catalog_retention(v, 6, cases[i].keep, cases[i].keep_days, now,
                                              remove), AMG_OK);
        CU_ASSERT(memcmp(remove, cases[i].want, sizeof(remove)) == 0);
    }
    CU_ASSERT_EQUAL(amg_catalog_retention(v, 6, 0, 0, now, remove), AMG_EINVAL);
}

static void test_lock_and_time(void)
{
    char *dir = amg_test_tmpdir();
    char name[64];
    struct tm tm;
    time_t now = time(NULL), when = 0;
    int a = -1, b = -1;

    CU_ASSERT_EQUAL(amg_catalog_lock(dir, "prod", &a), AMG_OK);
    CU_ASSERT(a >= 0);
    /* flock locks belong to the open file: a second open conflicts. */
    CU_ASSERT_EQUAL(amg_catalog_lock(dir, "prod", &b), AMG_EEXIST);
    CU_ASSERT_EQUAL(b, -1);
    CU_ASSERT_EQUAL(amg_catalog_lock(dir, "other", &b), AMG_OK);
    amg_catalog_unlock(b);
    amg_catalog_unlock(a);
    CU_ASSERT_EQUAL(amg_catalog_lock(dir, "prod", &a), AMG_OK);
    amg_catalog_unlock(a);

    /* No snapshot yet: now. One stamped this second: a later second. */
    CU_ASSERT_EQUAL(amg_catalog_next_time(dir, "prod", &when), AMG_OK);
    CU_ASSERT(when >= now);
    gmtime_r(&when, &tm);
    strftime(name, sizeof(name), "prod-%Y%m%dT%H%M%SZ", &tm);
    make_dir(dir, name);
    now = when;
    CU_ASSERT_EQUAL(amg_catalog_next_time(dir, "prod", &when), AMG_OK);
    CU_ASSERT(when > now);
    amg_test_rmtree(dir);
    free(dir);
}

static void test_sweep_partial(void)
{
    char *dir = amg_test_tmpdir();
    char path[4096];
    struct amg_catalog_entry *v = NULL;
    size_t n = 0;
    FILE *devnull = NULL;
    int removed = -1;
    int fd;

    make_dir(dir, "prod-20261120T010000Z");
    make_dir(dir, ".prod-20261121T010000Z.partial");
    make_dir(dir, ".prod-20261122T010000Z.partial");
    snprintf(path, sizeof(path), "%s/.prod-20261122T010000Z.partial/users.ndjson", dir);
    fd = open(path, O_CREAT | O_WRONLY, 0600);
    CU_ASSERT_FATAL(fd >= 0);
    close(fd);
    make_dir(dir, ".prod-eu-20261121T010000Z.partial");   /* another instance's */
    make_dir(dir, ".prod-notastamp.partial");
    make_dir(dir, ".fetch-abc123");
    devnull = fopen("/dev/null", "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(devnull);
    amg_log_set_stream(devnull);
    CU_ASSERT_EQUAL(amg_catalog_sweep_partial(dir, "prod", &removed), AMG_OK);
    amg_log_set_stream(NULL);
    fclose(devnull);
    CU_ASSERT_EQUAL(removed, 2);
    snprintf(path, sizeof(path), "%s/.prod-20261121T010000Z.partial", dir);
    CU_ASSERT_NOT_EQUAL(access(path, F_OK), 0);
    snprintf(path, sizeof(path), "%s/.prod-20261122T010000Z.partial", dir);
    CU_ASSERT_NOT_EQUAL(access(path, F_OK), 0);
    snprintf(path, sizeof(path), "%s/.prod-eu-20261121T010000Z.partial", dir);
    CU_ASSERT_EQUAL(access(path, F_OK), 0);
    snprintf(path, sizeof(path), "%s/.prod-notastamp.partial", dir);
    CU_ASSERT_EQUAL(access(path, F_OK), 0);
    snprintf(path, sizeof(path), "%s/.fetch-abc123", dir);
    CU_ASSERT_EQUAL(access(path, F_OK), 0);
    CU_ASSERT_EQUAL_FATAL(amg_catalog_list(dir, "prod", &v, &n), AMG_OK);
    CU_ASSERT_EQUAL(n, 1);
    amg_catalog_free(v, n);
    /* A missing directory has nothing to sweep. */
    snprintf(path, sizeof(path), "%s/none", dir);
    CU_ASSERT_EQUAL(amg_catalog_sweep_partial(path, "prod", &removed), AMG_OK);
    CU_ASSERT_EQUAL(removed, 0);
    amg_test_rmtree(dir);
    free(dir);
}

static const struct amg_test tests[] = {
    { "unfinished exports swept", test_sweep_partial },
    { "instance lock and snapshot time", test_lock_and_time },
    { "snapshot names", test_parse_names },
    { "listing newest first", test_list },
    { "retention rule", test_retention },
    { NULL, NULL },
};

int main(void)
{
    return amg_test_main("catalog", tests);
}

#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <CUnit/Basic.h>
#include "log.h"
#include "testutil.h"

int amg_test_main(const char *suite_name, const struct amg_test *tests)
{
    CU_pSuite suite;
    unsigned failures;
    int rc = 1;

    if (CU_initialize_registry() != CUE_SUCCESS)
        return 1;
    suite = CU_add_suite(suite_name, NULL, NULL);
    if (!suite)
        goto out;
    for (; tests->name; tests++) {
        if (!CU_add_test(suite, tests->name, tests->fn))
            goto out;
    }
    CU_basic_set_mode(CU_BRM_VERBOSE);
    if (CU_basic_run_tests() != CUE_SUCCESS)
        goto out;
    failures = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
    rc = failures > 0 ? 1 : 0;
out:
    CU_cleanup_registry();
    return rc;
}

char *amg_test_tmpdir(void)
{
    const char *base = getenv("TMPDIR");
    char *path;
    size_t len;

    if (!base || !*base)
        base = "/tmp";
    len = strlen(base) + sizeof("/amg-test-XXXXXX");
    path = malloc(len);
    if (!path)
        return NULL;
    snprintf(path, len, "%s/amg-test-XXXXXX", base);
    if (!mkdtemp(path)) {
        free(path);
        return NULL;
    }
    return path;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

void amg_test_rmtree(const char *path)
{
    if (path)
        nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

char *amg_test_write_file(const char *dir, const char *name, const char *text)
{
    size_t len = strlen(dir) + strlen(name) + 2;
    char *path = malloc(len);
    FILE *f;

    CU_ASSERT_FATAL(path != NULL);
    snprintf(path, len, "%s/%s", dir, name);
    f = fopen(path, "w");
    CU_ASSERT_FATAL(f != NULL);
    fputs(text, f);
    fclose(f);
    return path;
}

static FILE *log_mem;
static char *log_buf;
static size_t log_len;

void amg_test_capture_start(void)
{
    log_buf = NULL;
    log_mem = open_memstream(&log_buf, &log_len);
    CU_ASSERT_FATAL(log_mem != NULL);
    amg_log_set_stream(log_mem);
}

char *amg_test_capture_end(void)
{
    amg_log_set_stream(NULL);
    fclose(log_mem);
    return log_buf;
}

/*
 * Minimal runner shared by the CUnit suites: one suite per binary, run in
 * verbose basic mode so that `make check` shows CUnit's summary, and a
 * non-zero exit when any assertion failed (CU_get_error() alone stays 0
 * on failed assertions). Also the set-up several suites share: a
 * temporary directory, files written into it, the log captured.
 */
#ifndef AMG_TESTUTIL_H
#define AMG_TESTUTIL_H

#include <CUnit/CUnit.h>

struct amg_test {
    const char *name;
    void (*fn)(void);
};

/* `tests` ends with {NULL, NULL}. Returns the process exit status. */
int amg_test_main(const char *suite, const struct amg_test *tests);

/* A fresh temporary directory (mkdtemp under $TMPDIR); the path is a new
 * string the caller frees after amg_test_rmtree(). */
char *amg_test_tmpdir(void);
void amg_test_rmtree(const char *path);

/* Write `text` to dir/name (created or truncated); returns the path, a
 * new string the caller frees. Fails the running test when it cannot. */
char *amg_test_write_file(const char *dir, const char *name, const char *text);

/* Send the log to memory until amg_test_capture_end(), which returns what
 * was logged (a new string, caller frees) and restores the default
 * stream. One capture at a time; only inside a running test. */
void amg_test_capture_start(void);
char *amg_test_capture_end(void);

#endif

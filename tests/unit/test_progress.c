/*
 * progress.c on a fake clock: the live line on a terminal is redrawn at
 * most every 0.1 s (and always for the first and the last step), log
 * lines come at most every 5 s, quiet shows nothing, and every plugin
 * ends with a "done in" line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "error.h"
#include "fakeclock.h"
#include "log.h"
#include "progress.h"
#include "testutil.h"

static char *buf;
static size_t len;
static FILE *out;

static void start(void)
{
    buf = NULL;
    len = 0;
    out = open_memstream(&buf, &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(out);
    amg_log_set_stream(out);
    amg_log_set_level(AMG_LOG_INFO);
    fakeclock_reset(100.0, 1795473600.0);
}

/* Everything written; caller frees. */
static char *stop(void)
{
    amg_log_set_stream(NULL);
    fclose(out);
    return buf;
}

static size_t count(const char *text, const char *part)
{
    size_t n = 0;

    for (text = strstr(text, part); text; text = strstr(text + 1, part))
        n++;
    return n;
}

static void test_tty(void)
{
    struct amg_progress *p = NULL;
    char *text;

    start();
    CU_ASSERT_EQUAL_FATAL(amg_progress_new(AMG_PROGRESS_TTY, out, &fakeclock_clock, &p), AMG_OK);
    amg_progress_begin(p, "export users");
    fakeclock.now += 1.0;
    amg_progress_update(p, 10, 100);          /* first: drawn */
    fakeclock.now += 0.05;
    amg_progress_update(p, 11, 100);          /* too soon */
    fakeclock.now += 0.05;
    amg_progress_update(p, 20, 100);          /* 0.1 s later: drawn */
    amg_progress_update(p, 100, 100);         /* last: always drawn */
    amg_progress_end(p, 1.1, NULL);
    amg_progress_free(p);
    text = stop();
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "\r\033[K[export users] 10/100 10% 10.0/s ETA 9 s"));
    CU_ASSERT_PTR_NULL(strstr(text, "11/100"));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "\r\033[K[export users] 20/100 20%"));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "\r\033[K[export users] 100/100 100%"));
    /* The live line is cleared before the done line. */
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "\r\033[Kappid-migrate: info: [export users] "
                                        "done in 1.1 s (100/100)\n"));
    CU_ASSERT_EQUAL(count(text, "\n"), 1);
    free(text);
}

static void test_log(void)
{
    struct amg_progress *p = NULL;
    char *text;

    start();
    CU_ASSERT_EQUAL_FATAL(amg_progress_new(AMG_PROGRESS_LOG, out, &fakeclock_clock, &p), AMG_OK);
    amg_progress_begin(p, "import users");
    amg_progress_update(p, 1, 100);           /* less than 5 s: quiet */
    fakeclock.now += 5.0;
    amg_progress_update(p, 50, 100);          /* 5 s: a line */
    fakeclock.now += 4.9;
    amg_progress_update(p, 90, 100);          /* 4.9 s later: quiet */
    fakeclock.now += 0.1;
    amg_progress_update(p, -1, -1);           /* unknown total */
    amg_progress_end(p, 10.0, "failed");
    amg_progress_free(p);
    text = stop();
    CU_ASSERT_STRING_EQUAL(text,
                           "appid-migrate: info: [import users] 50/100 50% 10.0/s ETA 5 s\n"
                           "appid-migrate: info: [import users] 0 done\n"
                           "appid-migrate: info: [import users] done in 10.0 s: failed\n");
    CU_ASSERT_PTR_NULL(strchr(text, '\r'));
    free(text);
}

static void test_off_and_null(void)
{
    struct amg_progress *p = NULL;
    char *text;

    start();
    CU_ASSERT_EQUAL_FATAL(amg_progress_new(AMG_PROGRESS_OFF, out, &fakeclock_clock, &p), AMG_OK);
    amg_progress_begin(p, "export users");
    fakeclock.now += 60;
    amg_progress_update(p, 5, 10);
    amg_progress_end(p, 60, NULL);
    amg_progress_free(p);
    /* A NULL display is a no-op. */
    amg_progress_begin(NULL, "x");
    amg_progress_update(NULL, 1, 2);
    amg_progress_interrupt(NULL);
    amg_progress_end(NULL, 1, NULL);
    text = stop();
    CU_ASSERT_STRING_EQUAL(text, "");
    free(text);
}

static void test_mode_for(void)
{
    FILE *f = tmpfile();

    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    CU_ASSERT_EQUAL(amg_progress_mode_for(f, 0), AMG_PROGRESS_LOG);
    CU_ASSERT_EQUAL(amg_progress_mode_for(f, 1), AMG_PROGRESS_OFF);
    fclose(f);
}

int main(void)
{
    static const struct amg_test tests[] = {
        { "terminal: throttled live line", test_tty },
        { "log lines at most every 5 s", test_log },
        { "quiet and NULL show nothing", test_off_and_null },
        { "mode for a file", test_mode_for },
        { NULL, NULL },
    };

    return amg_test_main("progress", tests);
}

/*
 * Check during export (core/livecheck.c): a validate hook on its own
 * thread reads, through the host's records API, the records fed to it.
 * Complete and clean -> 1; a problem, an early stop, a hook reading what
 * a check during export cannot give, a failed export -> 0; and never a
 * hang, whatever the hook does.
 */
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "error.h"
#include "host.h"
#include "livecheck.h"
#include "log.h"
#include "testutil.h"

enum mode { READ_ALL, STOP_EARLY, READ_DOC, READ_RAW, OPEN_TWICE, DOC_CHECK };

static enum mode mode;
static long seen;
static int second_open_rc;   /* set on the hook's thread, asserted after */

static int check_hook(const struct amg_host *h, struct amg_ctx *ctx)
{
    struct amg_records *in = NULL, *again = NULL;
    json_t *rec = NULL;
    const char *line;
    size_t len;
    int rc;

    seen = 0;
    if (mode == READ_DOC)
        return h->snapshot_read(ctx, &rec);
    if (mode == DOC_CHECK) {
        rc = h->snapshot_read(ctx, &rec);
        if (rc < 0)
            return rc;
        seen = 1;
        if (json_is_true(json_object_get(rec, "bad")))
            h->problem(ctx, "doc", "marked bad");
        json_decref(rec);
        return AMG_OK;
    }
    rc = h->records_open(ctx, &in);
    if (rc < 0)
        return rc;
    if (mode == OPEN_TWICE)
        second_open_rc = h->records_open(ctx, &again);
    if (mode == READ_RAW) {
        rc = h->records_next_raw(in, &line, &len);
        h->records_close(in);
        return rc < 0 ? rc : AMG_OK;
    }
    while ((rc = h->records_next(in, &rec)) == 1) {
        seen++;
        if (json_is_true(json_object_get(rec, "bad")))
            h->problem(ctx, "rec", "marked bad");
        json_decref(rec);
        if (mode == STOP_EARLY)
            break;
    }
    h->records_close(in);
    return rc < 0 ? rc : AMG_OK;
}

static const struct amg_plugin plugin = {
    AMG_PLUGIN_INIT_HEADER,
    .name = "checked",
    .version = "1.0.0",
    .validate_fn = check_hook,
};

/* Runs a check over `n` records (record `bad_at` marked bad, -1 none);
 * the stream ends failed when `fail`. Returns finish()'s answer. */
static int run(enum mode m, long n, long bad_at, int fail, long *problems)
{
    struct amg_livecheck *lc = NULL;
    long i;
    int ok;

    mode = m;
    CU_ASSERT_EQUAL_FATAL(amg_livecheck_new(&plugin, NULL, &lc), AMG_OK);
    CU_ASSERT_EQUAL(amg_livecheck_begin(lc), 1);
    for (i = 0; i < n; i++) {
        json_t *rec = json_pack("{s:I, s:b}", "n", (json_int_t)i, "bad", i == bad_at);

        amg_livecheck_feed(lc, rec);
        json_decref(rec);
    }
    amg_livecheck_end(lc, fail);
    ok = amg_livecheck_finish(lc, problems);
    amg_livecheck_free(lc);
    return ok;
}

static void test_complete(void)
{
    long problems = -1;

    /* Many more records than the queue holds. */
    CU_ASSERT_EQUAL(run(READ_ALL, 5000, -1, 0, &problems), 1);
    CU_ASSERT_EQUAL(problems, 0);
    CU_ASSERT_EQUAL(seen, 5000);
    CU_ASSERT_EQUAL(run(READ_ALL, 0, -1, 0, &problems), 1);
    CU_ASSERT_EQUAL(seen, 0);
}

static void test_problem(void)
{
    long problems = 0;

    CU_ASSERT_EQUAL(run(READ_ALL, 600, 599, 0, &problems), 0);
    CU_ASSERT_EQUAL(problems, 1);
    CU_ASSERT_EQUAL(seen, 600);
}

/* Many problems: the first 20 logged by the caller's thread, then a
 * count of the rest. */
static void test_many_problems(void)
{
    struct amg_livecheck *lc = NULL;
    long problems = 0, i;
    char *log;

    mode = READ_ALL;
    CU_ASSERT_EQUAL_FATAL(amg_livecheck_new(&plugin, NULL, &lc), AMG_OK);
    CU_ASSERT_EQUAL(amg_livecheck_begin(lc), 1);
    for (i = 0; i < 100; i++) {
        json_t *rec = json_pack("{s:b}", "bad", 1);

        amg_livecheck_feed(lc, rec);
        json_decref(rec);
    }
    amg_livecheck_end(lc, 0);
    amg_log_set_level(AMG_LOG_WARN);
    amg_test_capture_start();
    CU_ASSERT_EQUAL(amg_livecheck_finish(lc, &problems), 0);
    log = amg_test_capture_end();
    amg_log_set_level(AMG_LOG_ERROR);
    CU_ASSERT_EQUAL(problems, 100);
    CU_ASSERT_PTR_NOT_NULL_FATAL(log);
    CU_ASSERT_PTR_NOT_NULL(strstr(log, "[checked] exported data will not validate: "
                                       "rec: marked bad"));
    CU_ASSERT_PTR_NOT_NULL(strstr(log, "... and 80 more problems"));
    free(log);
    amg_livecheck_free(lc);
}

/* The hook stops reading: the export must not block on a full queue. */
static void test_stop_early(void)
{
    CU_ASSERT_EQUAL(run(STOP_EARLY, 3000, -1, 0, NULL), 0);
    CU_ASSERT_EQUAL(seen, 1);
}

static void test_unsupported(void)
{
    CU_ASSERT_EQUAL(run(READ_DOC, 10, -1, 0, NULL), 0);
    CU_ASSERT_EQUAL(run(READ_RAW, 10, -1, 0, NULL), 0);
    second_open_rc = 0;
    CU_ASSERT_EQUAL(run(OPEN_TWICE, 10, -1, 0, NULL), 0);
    CU_ASSERT_EQUAL(second_open_rc, AMG_EINVAL);
}

static void test_export_failed(void)
{
    CU_ASSERT_EQUAL(run(READ_ALL, 10, -1, 1, NULL), 0);
    CU_ASSERT_EQUAL(seen, 10);
}

/* Two streams: only the first is followed, and the check is incomplete. */
static void test_second_stream(void)
{
    struct amg_livecheck *lc = NULL;

    mode = READ_ALL;
    CU_ASSERT_EQUAL_FATAL(amg_livecheck_new(&plugin, NULL, &lc), AMG_OK);
    CU_ASSERT_EQUAL(amg_livecheck_begin(lc), 1);
    CU_ASSERT_EQUAL(amg_livecheck_begin(lc), 0);
    amg_livecheck_end(lc, 0);
    CU_ASSERT_EQUAL(amg_livecheck_finish(lc, NULL), 0);
    amg_livecheck_free(lc);
}

/* Freed while the hook waits for records (an export that gave up), or
 * never started: no hang, no leak. */
static void test_free_paths(void)
{
    struct amg_livecheck *lc = NULL;
    json_t *rec = json_object();

    mode = READ_ALL;
    CU_ASSERT_EQUAL_FATAL(amg_livecheck_new(&plugin, NULL, &lc), AMG_OK);
    CU_ASSERT_EQUAL(amg_livecheck_begin(lc), 1);
    amg_livecheck_feed(lc, rec);
    amg_livecheck_free(lc);
    CU_ASSERT_EQUAL_FATAL(amg_livecheck_new(&plugin, NULL, &lc), AMG_OK);
    CU_ASSERT_EQUAL(amg_livecheck_finish(lc, NULL), 0);
    amg_livecheck_free(lc);
    amg_livecheck_free(NULL);
    CU_ASSERT_EQUAL(amg_livecheck_finish(NULL, NULL), 0);
    json_decref(rec);
}

/* One document: checked when the export hook is done; the hook reads a
 * copy, so the plugin may change its own afterwards. */
static int run_doc(enum mode m, int bad, int docs, long *problems)
{
    struct amg_livecheck *lc = NULL;
    json_t *doc = json_pack("{s:b}", "bad", bad);
    int ok, i;

    mode = m;
    seen = 0;
    CU_ASSERT_EQUAL_FATAL(amg_livecheck_new(&plugin, NULL, &lc), AMG_OK);
    for (i = 0; i < docs; i++)
        amg_livecheck_doc(lc, doc);
    json_object_set_new(doc, "bad", json_true());   /* after writing: not seen */
    ok = amg_livecheck_finish(lc, problems);
    amg_livecheck_free(lc);
    json_decref(doc);
    return ok;
}

static void test_document(void)
{
    long problems = -1;

    CU_ASSERT_EQUAL(run_doc(DOC_CHECK, 0, 1, &problems), 1);
    CU_ASSERT_EQUAL(problems, 0);
    CU_ASSERT_EQUAL(seen, 1);
    CU_ASSERT_EQUAL(run_doc(DOC_CHECK, 1, 1, &problems), 0);
    CU_ASSERT_EQUAL(problems, 1);
    /* Two documents, or a hook that wants records: incomplete, no hang. */
    CU_ASSERT_EQUAL(run_doc(DOC_CHECK, 0, 2, NULL), 0);
    CU_ASSERT_EQUAL(run_doc(READ_ALL, 0, 1, NULL), 0);
    /* No document written: nothing to check. */
    CU_ASSERT_EQUAL(run_doc(DOC_CHECK, 0, 0, NULL), 0);
    CU_ASSERT_EQUAL(seen, 0);
}

int main(void)
{
    static const struct amg_test tests[] = {
        { "a clean stream read whole", test_complete },
        { "a problem makes it count for nothing", test_problem },
        { "many problems: twenty logged, the rest counted", test_many_problems },
        { "a hook that stops early blocks nobody", test_stop_early },
        { "documents, raw lines, a second open", test_unsupported },
        { "a failed export", test_export_failed },
        { "a second records stream", test_second_stream },
        { "freed while waiting, never started", test_free_paths },
        { "a document, checked when the export hook is done", test_document },
        { NULL, NULL }
    };

    amg_log_set_level(AMG_LOG_ERROR);   /* the problem warnings are expected */
    return amg_test_main("livecheck", tests);
}

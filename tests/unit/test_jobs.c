#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
/* By path: a plain "config.h" would find autoconf's header in the build
 * directory first. */
#include "config.h"
#include "engine.h"
#include "jobs.h"
#include "loader.h"
#include "log.h"
#include "testutil.h"

#define INSTANCES \
    "instances = {\n" \
    "  a = { region = \"us-south\"; tenant_id = \"t1\"; };\n" \
    "  b = { region = \"eu-de\"; tenant_id = \"t2\"; };\n" \
    "  c = { region = \"eu-gb\"; tenant_id = \"t3\"; };\n" \
    "};\n"

static void test_parse(void)
{
    static const char text[] = INSTANCES
        "jobs = {\n"
        "  nightly = { action = \"backup\"; from = \"a\"; to = [\"b\", \"c\"]; keep = 7; };\n"
        "  one = { action = \"restore\"; from = \"latest:a\"; to = \"b\"; only = \"x\";\n"
        "          exclude = \"y\"; dry_run = true; on_conflict = \"update\"; };\n"
        "};\n";
    struct amg_config *cfg = NULL;
    const struct amg_jobs *jobs;
    const struct amg_job *j;

    CU_ASSERT_EQUAL_FATAL(amg_config_load_string(text, "/etc/amg/j.conf", &cfg), AMG_OK);
    jobs = amg_jobs_of(cfg);
    CU_ASSERT_EQUAL_FATAL(jobs->n, 2);
    j = &jobs->v[0];
    CU_ASSERT_STRING_EQUAL(j->name, "nightly");
    CU_ASSERT_STRING_EQUAL(j->at, "/etc/amg/j.conf:7");
    CU_ASSERT_EQUAL(j->action, AMG_JOB_BACKUP);
    CU_ASSERT_EQUAL_FATAL(j->n_to, 2);
    CU_ASSERT_STRING_EQUAL(j->to[0], "b");
    CU_ASSERT_STRING_EQUAL(j->to[1], "c");
    CU_ASSERT_EQUAL(j->keep, 7);
    CU_ASSERT_EQUAL(j->dry_run, 0);
    j = amg_jobs_find(jobs, "one");
    CU_ASSERT_PTR_NOT_NULL_FATAL(j);
    CU_ASSERT_EQUAL(j->action, AMG_JOB_RESTORE);
    CU_ASSERT_STRING_EQUAL(amg_job_latest_of(j->from), "a");
    CU_ASSERT_EQUAL_FATAL(j->n_to, 1);
    CU_ASSERT_STRING_EQUAL(j->to[0], "b");
    CU_ASSERT_STRING_EQUAL(j->only, "x");
    CU_ASSERT_STRING_EQUAL(j->exclude, "y");
    CU_ASSERT_EQUAL(j->dry_run, 1);
    CU_ASSERT_EQUAL(j->on_conflict, AMG_CONFLICT_UPDATE);
    CU_ASSERT_PTR_NULL(amg_jobs_find(jobs, "nosuch"));
    CU_ASSERT_PTR_NULL(amg_job_latest_of("a"));
    amg_config_free(cfg);

    /* No jobs section: an empty set. */
    CU_ASSERT_EQUAL_FATAL(amg_config_load_string(INSTANCES, "/etc/amg/j.conf", &cfg), AMG_OK);
    CU_ASSERT_EQUAL(amg_jobs_of(cfg)->n, 0);
    amg_config_free(cfg);
}

static void test_shape_errors(void)
{
    static const char text[] = INSTANCES
        "jobs = {\n"
        "  a = { from = \"a\"; };\n"
        "  b = { action = \"verify\"; from = \"a\"; to = [\"b\", \"b\"]; dry_run = true; };\n"
        "  c = { action = \"migrate\"; from = 3; to = []; keep = 0; };\n"
        "  d = { action = \"restore\"; from = \"./s\"; to = \"b\"; on_conflict = \"fail\"; };\n"
        "  e = { action = \"backup\"; from = \"a\"; on_conflict = \"merge\"; dry_run = 1; };\n"
        "  f = \"backup\";\n"
        "};\n";
    struct amg_config *cfg = NULL;
    char *log;

    amg_test_capture_start();
    CU_ASSERT_EQUAL(amg_config_load_string(text, "/etc/amg/j.conf", &cfg), AMG_ECONFIG);
    log = amg_test_capture_end();
    CU_ASSERT_PTR_NULL(cfg);
    CU_ASSERT_PTR_NOT_NULL(strstr(log, "j.conf:7: jobs.a: 'action' is required"));
    CU_ASSERT_PTR_NOT_NULL(strstr(log, "j.conf:8: jobs.b.to: names 'b' twice"));
    CU_ASSERT_PTR_NOT_NULL(strstr(log, "j.conf:8: jobs.b.dry_run: a verify never writes"));
    CU_ASSERT_PTR_NOT_NULL(strstr(log, "j.conf:9: jobs.c.from: must be a string"));
    CU_ASSERT_PTR_NOT_NULL(strstr(log, "j.conf:9: jobs.c.to: lists no instance"));
    CU_ASSERT_PTR_NOT_NULL(strstr(log, "j.conf:9: jobs.c.keep: must be a whole number"));
    /* skip, update and fail are all honoured. */
    CU_ASSERT_PTR_NULL(strstr(log, "jobs.d.on_conflict"));
    CU_ASSERT_PTR_NOT_NULL(strstr(log, "j.conf:11: jobs.e.on_conflict: 'merge' is not skip, "
                                  "update or fail"));
    CU_ASSERT_PTR_NOT_NULL(strstr(log, "j.conf:11: jobs.e.dry_run: must be true or false"));
    CU_ASSERT_PTR_NOT_NULL(strstr(log, "j.conf:12: jobs.f: a job must be a group"));
    free(log);
}

static void test_check(void)
{
    static const char text[] = INSTANCES
        "jobs = {\n"
        "  ok = { action = \"backup\"; from = \"a\"; to = \"b\"; only = \"good_a\"; };\n"
        "  x = { action = \"migrate\"; from = \"a\"; to = [\"b\", \"a\", \"q\"]; };\n"
        "  y = { action = \"restore\"; from = \"latest:zz\"; to = \"b\"; };\n"
        "  z = { action = \"verify\"; from = \"a\"; to = \"b\"; only = \"nosuch\"; };\n"
        "  w = { action = \"backup\"; from = \"latest:a\"; exclude = \"good_a\"; };\n"
        "  v = { action = \"migrate\"; from = \"zz\"; to = \"b\"; };\n"
        "};\n";
    struct amg_config *cfg = NULL;
    struct amg_plugin_set *set = amg_plugins_new();
    struct amg_engine *e = NULL;
    char path[1024];
    char *log;

    CU_ASSERT_PTR_NOT_NULL_FATAL(set);
    snprintf(path, sizeof(path), "%s/good_a.so", TEST_PLUGIN_DIR);
    CU_ASSERT_EQUAL_FATAL(amg_plugins_load_file(set, path), AMG_OK);
    CU_ASSERT_EQUAL_FATAL(amg_config_load_string(text, "/etc/amg/j.conf", &cfg), AMG_OK);
    CU_ASSERT_EQUAL_FATAL(amg_engine_new(cfg, set, &e), AMG_OK);
    amg_test_capture_start();
    CU_ASSERT_EQUAL(amg_jobs_check(cfg, e, set), AMG_ECONFIG);
    log = amg_test_capture_end();
    CU_ASSERT_PTR_NULL(strstr(log, "jobs.ok"));
    CU_ASSERT_PTR_NOT_NULL(strstr(log, "j.conf:12: jobs.v.from: no instance named 'zz'"));
    CU_ASSERT_PTR_NOT_NULL(strstr(log, "j.conf:8: jobs.x.to: 'a' is also the source"));
    CU_ASSERT_PTR_NOT_NULL(strstr(log, "j.conf:8: jobs.x.to: no instance named 'q'"));
    CU_ASSERT_PTR_NOT_NULL(strstr(log, "j.conf:9: jobs.y.from: no instance named 'zz'"));
    CU_ASSERT_PTR_NOT_NULL(strstr(log, "j.conf:10: jobs.z: only/exclude: invalid selection"));
    CU_ASSERT_PTR_NOT_NULL(strstr(log, "j.conf:11: jobs.w.from: a backup reads an instance"));
    CU_ASSERT_PTR_NOT_NULL(strstr(log, "j.conf:11: jobs.w: only/exclude select no plugin"));
    CU_ASSERT_PTR_NOT_NULL(strstr(log, "7 problems in jobs: nothing was run"));
    free(log);
    amg_engine_free(e);
    amg_config_free(cfg);
    amg_plugins_free(set);
}

static void test_new_keys(void)
{
    static const char text[] = INSTANCES
        "jobs = {\n"
        "  fan = { action = \"restore\"; from = \"s3://bkt/pre/a-20260101T000000Z\";\n"
        "          to = [\"b\", \"c\"]; parallel_targets = true; on_conflict = \"skip\"; };\n"
        "  strict = { action = \"migrate\"; from = \"a\"; to = \"b\"; on_conflict = \"fail\"; };\n"
        "  dflt = { action = \"migrate\"; from = \"a\"; to = \"c\"; };\n"
        "  bad = { action = \"verify\"; from = \"a\"; to = \"b\"; on_conflict = \"skip\";\n"
        "          parallel_targets = \"yes\"; };\n"
        "  s3b = { action = \"backup\"; from = \"s3://bkt/pre\"; };\n"
        "};\n";
    struct amg_config *cfg = NULL;
    struct amg_plugin_set *set = amg_plugins_new();
    struct amg_engine *e = NULL;
    const struct amg_job *j;
    enum amg_conflict c = AMG_CONFLICT_UPDATE;
    char *log;

    CU_ASSERT_EQUAL(amg_conflict_parse("skip", &c), 0);
    CU_ASSERT_EQUAL(c, AMG_CONFLICT_SKIP);
    CU_ASSERT_EQUAL(amg_conflict_parse("fail", &c), 0);
    CU_ASSERT_EQUAL(c, AMG_CONFLICT_FAIL);
    CU_ASSERT_EQUAL(amg_conflict_parse("Update", &c), -1);
    CU_ASSERT_EQUAL(c, AMG_CONFLICT_FAIL);
    CU_ASSERT_STRING_EQUAL(amg_conflict_name(AMG_CONFLICT_SKIP), "skip");

    /* Shape: a verify takes neither on_conflict nor a non-boolean. */
    amg_test_capture_start();
    CU_ASSERT_EQUAL(amg_config_load_string(text, "/etc/amg/j.conf", &cfg), AMG_ECONFIG);
    log = amg_test_capture_end();
    CU_ASSERT_PTR_NOT_NULL(strstr(log, "j.conf:11: jobs.bad.on_conflict: a verify never writes"));
    CU_ASSERT_PTR_NOT_NULL(strstr(log, "j.conf:12: jobs.bad.parallel_targets: must be true or "
                                  "false"));
    CU_ASSERT_PTR_NULL(strstr(log, "jobs.fan"));
    CU_ASSERT_PTR_NULL(strstr(log, "jobs.strict"));
    free(log);

    /* Without the bad one: the values, and s3:// checked against the s3 group. */
    {
        char good[sizeof(text)];
        char *cut;

        memcpy(good, text, sizeof(text));
        cut = strstr(good, "  bad = {");
        CU_ASSERT_PTR_NOT_NULL_FATAL(cut);
        memmove(cut, strstr(cut, "  s3b = {"), strlen(strstr(cut, "  s3b = {")) + 1);
        CU_ASSERT_EQUAL_FATAL(amg_config_load_string(good, "/etc/amg/j.conf", &cfg), AMG_OK);
    }
    j = amg_jobs_find(amg_jobs_of(cfg), "fan");
    CU_ASSERT_PTR_NOT_NULL_FATAL(j);
    CU_ASSERT_EQUAL(j->parallel, 1);
    CU_ASSERT_EQUAL(j->on_conflict, AMG_CONFLICT_SKIP);
    CU_ASSERT_EQUAL(j->on_conflict_set, 1);
    j = amg_jobs_find(amg_jobs_of(cfg), "strict");
    CU_ASSERT_EQUAL(j->on_conflict, AMG_CONFLICT_FAIL);
    CU_ASSERT_EQUAL(j->parallel, 0);
    j = amg_jobs_find(amg_jobs_of(cfg), "dflt");
    CU_ASSERT_EQUAL(j->on_conflict, AMG_CONFLICT_UPDATE);
    CU_ASSERT_EQUAL(j->on_conflict_set, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(set);
    CU_ASSERT_EQUAL_FATAL(amg_engine_new(cfg, set, &e), AMG_OK);
    amg_test_capture_start();
    CU_ASSERT_EQUAL(amg_jobs_check(cfg, e, set), AMG_ECONFIG);
    log = amg_test_capture_end();
    CU_ASSERT_PTR_NOT_NULL(strstr(log, "j.conf:7: jobs.fan.from: reading s3://bkt/pre/"
                                  "a-20260101T000000Z needs the 's3' group"));
    CU_ASSERT_PTR_NOT_NULL(strstr(log, "jobs.s3b.from: a backup reads an instance, not a "
                                  "snapshot in object storage"));
    CU_ASSERT_PTR_NOT_NULL(strstr(log, "2 problems in jobs"));
    free(log);
    amg_engine_free(e);
    amg_config_free(cfg);
    amg_plugins_free(set);
}

static const struct amg_test tests[] = {
    { "jobs parsed in file order with every key", test_parse },
    { "malformed jobs refused with FILE:LINE", test_shape_errors },
    { "jobs checked against instances and plugins", test_check },
    { "parallel_targets, on_conflict and s3:// sources", test_new_keys },
    { NULL, NULL },
};

int main(void)
{
    return amg_test_main("jobs", tests);
}

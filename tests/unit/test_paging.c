/*
 * Paged reads of plugins/common/paging.c against a fake host whose
 * directory may change between the count and the pages: the read past
 * the end rides in the pipeline and counts only where a read at `seen`
 * would have got the same items.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "paging.h"
#include "testutil.h"

#define MAX_ASKED 32

/* The fake directory: items 0..size-1, each {"n": i}. */
static struct {
    long size;
    long total;             /* totalResults it claims */
    long asked[MAX_ASKED];  /* startIndex of every request, in order */
    int serial[MAX_ASKED];  /* 1: through request(), 0: the pipeline */
    int nasked;
} dir;

static long query_long(const char *path, const char *key)
{
    const char *p = strstr(path, key);

    return p ? strtol(p + strlen(key), NULL, 10) : -1;
}

static json_t *page_for(const char *path, int serial)
{
    long start = query_long(path, "startIndex=");
    long count = query_long(path, "count=");
    json_t *items = json_array();
    long i;

    if (dir.nasked < MAX_ASKED) {
        dir.serial[dir.nasked] = serial;
        dir.asked[dir.nasked++] = start;
    }
    for (i = start; i >= 0 && i < dir.size && i < start + count; i++)
        json_array_append_new(items, json_pack("{s:i}", "n", (json_int_t)i));
    return json_pack("{s:I,s:o}", "totalResults", (json_int_t)dir.total, "users", items);
}

static void fake_log(struct amg_ctx *ctx, enum amg_log_level level, const char *fmt, ...)
{
    (void)ctx;
    (void)level;
    (void)fmt;
}

static const char *fake_strerror(int status)
{
    (void)status;
    return "error";
}

static int fake_request(struct amg_ctx *ctx, const char *method, const char *path, json_t *body,
                        long *status, json_t **response)
{
    (void)ctx;
    (void)method;
    (void)body;
    *status = 200;
    *response = page_for(path, 1);
    return AMG_OK;
}

/* One request at a time, delivered in order: enough for what is asked. */
static int fake_pipeline(struct amg_ctx *ctx, int (*next)(void *ud, struct amg_request *req),
                         int (*done)(void *ud, struct amg_request *req), void *ud)
{
    struct amg_request *req = calloc(1, sizeof(*req));
    int rc = AMG_ENOMEM;

    (void)ctx;
    if (!req)
        return rc;
    for (;;) {
        memset(req, 0, sizeof(*req));
        rc = next(ud, req);
        if (rc <= 0)
            break;
        req->status = 200;
        req->response = page_for(req->path, 0);
        rc = done(ud, req);
        json_decref(req->response);
        if (rc < 0)
            break;
    }
    free(req);
    return rc;
}

static struct amg_host host;
static long got[256];
static long ngot;

static int take(void *ud, json_t *item)
{
    (void)ud;
    if (ngot < 256)
        got[ngot] = (long)json_integer_value(json_object_get(item, "n"));
    ngot++;
    return AMG_OK;
}

static void setup(long size, long total, struct amgp_pager *p)
{
    memset(&dir, 0, sizeof(dir));
    dir.size = size;
    dir.total = total;
    memset(&host, 0, sizeof(host));
    host.log = fake_log;
    host.strerror = fake_strerror;
    host.request = fake_request;
    host.request_pipeline = fake_pipeline;
    memset(p, 0, sizeof(*p));
    p->path = "/cloud_directory/export?encryption_secret=x";
    p->items_key = "users";
    p->count = 50;
    p->item = take;
    ngot = 0;
}

/* Every item exactly once, in order. */
static void check_items(long n)
{
    long i;

    CU_ASSERT_EQUAL(ngot, n);
    for (i = 0; i < n && i < ngot && i < 256; i++)
        CU_ASSERT_EQUAL(got[i], i);
}

static void test_counted(void)
{
    struct amgp_pager p;

    setup(120, 120, &p);
    CU_ASSERT_EQUAL(amgp_pager_counted(&host, NULL, &p, 120), AMG_OK);
    check_items(120);
    /* pages 0, 50, 100 and the read past the end, all in the pipeline */
    CU_ASSERT_EQUAL(dir.nasked, 4);
    CU_ASSERT_EQUAL(dir.asked[0], 0);
    CU_ASSERT_EQUAL(dir.asked[2], 100);
    CU_ASSERT_EQUAL(dir.asked[3], 120);
    CU_ASSERT_EQUAL(dir.serial[3], 0);
    CU_ASSERT_EQUAL(p.seen, 120);
}

static void test_counted_empty(void)
{
    struct amgp_pager p;

    setup(0, 0, &p);
    CU_ASSERT_EQUAL(amgp_pager_counted(&host, NULL, &p, 0), AMG_OK);
    check_items(0);
    CU_ASSERT_EQUAL(dir.nasked, 1);
    CU_ASSERT_EQUAL(dir.asked[0], 0);
}

static void test_grown(void)
{
    struct amgp_pager p;

    /* Counted 100, 103 by the time the pages are read: the tail's three
     * count, then a serial read at 103 finds the end. */
    setup(103, 100, &p);
    CU_ASSERT_EQUAL(amgp_pager_counted(&host, NULL, &p, 100), AMG_OK);
    check_items(103);
    CU_ASSERT_EQUAL(dir.nasked, 4);
    CU_ASSERT_EQUAL(dir.asked[2], 100);
    CU_ASSERT_EQUAL(dir.serial[2], 0);
    CU_ASSERT_EQUAL(dir.asked[3], 103);
    CU_ASSERT_EQUAL(dir.serial[3], 1);
}

static void test_shrunk(void)
{
    struct amgp_pager p;

    /* Counted 100, 90 left: the tail at 100 is not where a read at 90
     * would be; its answer is dropped and the serial read at 90 decides. */
    setup(90, 100, &p);
    CU_ASSERT_EQUAL(amgp_pager_counted(&host, NULL, &p, 100), AMG_OK);
    check_items(90);
    CU_ASSERT_EQUAL(dir.nasked, 4);
    CU_ASSERT_EQUAL(dir.asked[2], 100);
    CU_ASSERT_EQUAL(dir.asked[3], 90);
    CU_ASSERT_EQUAL(dir.serial[3], 1);
}

static void test_first_then_rest(void)
{
    struct amgp_pager p;

    setup(51, 51, &p);
    CU_ASSERT_EQUAL(amgp_pager_first(&host, NULL, &p), AMG_OK);
    CU_ASSERT_EQUAL(amgp_pager_rest(&host, NULL, &p), AMG_OK);
    check_items(51);
    /* the first page on its own, page 50 and the tail in the pipeline */
    CU_ASSERT_EQUAL(dir.nasked, 3);
    CU_ASSERT_EQUAL(dir.serial[0], 1);
    CU_ASSERT_EQUAL(dir.asked[1], 50);
    CU_ASSERT_EQUAL(dir.asked[2], 51);
    CU_ASSERT_EQUAL(dir.serial[2], 0);
}

static void test_bad_total(void)
{
    struct amgp_pager p;

    /* A total below what the first page held: no tail at that index. */
    setup(30, 10, &p);
    CU_ASSERT_EQUAL(amgp_pager_first(&host, NULL, &p), AMG_OK);
    CU_ASSERT_EQUAL(amgp_pager_rest(&host, NULL, &p), AMG_OK);
    check_items(30);
    CU_ASSERT_EQUAL(dir.nasked, 2);
    CU_ASSERT_EQUAL(dir.asked[1], 30);
    CU_ASSERT_EQUAL(dir.serial[1], 1);
}

static const struct amg_test tests[] = {
    { "counted: every page and the end in the pipeline", test_counted },
    { "counted: an empty directory", test_counted_empty },
    { "counted: items created after the count", test_grown },
    { "counted: items removed after the count", test_shrunk },
    { "first page, then the rest and the end", test_first_then_rest },
    { "a total below the first page", test_bad_total },
    { NULL, NULL },
};

int main(void)
{
    return amg_test_main("paged reads", tests);
}

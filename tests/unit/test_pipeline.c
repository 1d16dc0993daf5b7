/*
 * amg_http_pipeline against an in-process server (libmicrohttpd, one
 * thread per connection so that slow answers really overlap):
 *   POST /identity/token      a token
 *   GET  /management/v4/t/echo/N     {"n":N} after a delay that varies with N
 *   GET  .../flaky/N          503 the first time for each N, then {"n":N}
 *   GET  .../throttle/N       429 the first time for each N, then {"n":N}
 *   POST .../create/N         503 the first time for each N (not retried)
 *   GET  .../drop/N           connection closed without an answer
 *   GET  .../expired/N        401 the first time for each N
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <microhttpd.h>
#include <curl/curl.h>
#include "error.h"
#include "http.h"
#include "log.h"
#include "testutil.h"

#define MAX_N 1024

static struct {
    struct MHD_Daemon *d;
    unsigned short port;
    char base[64];
    char iam[96];
    pthread_mutex_t lock;
    int in_flight;
    int max_in_flight;
    int tokens;
    int api_requests;
    long body_bytes;                /* request bodies received, in all */
    char body_text[64];             /* the start of the last body piece */
    unsigned char seen[4][MAX_N];   /* per behaviour: first request per N answered */
} srv = { .lock = PTHREAD_MUTEX_INITIALIZER };

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *body)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(strlen(body), (void *)body,
                                                             MHD_RESPMEM_MUST_COPY);
    enum MHD_Result ret;

    MHD_add_response_header(r, "Content-Type", "application/json");
    ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

/* 1 the first time N is seen for behaviour `b`. */
static int first_time(int b, int n)
{
    int first;

    pthread_mutex_lock(&srv.lock);
    first = n >= 0 && n < MAX_N && !srv.seen[b][n];
    if (n >= 0 && n < MAX_N)
        srv.seen[b][n] = 1;
    pthread_mutex_unlock(&srv.lock);
    return first;
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url,
                               const char *method, const char *version, const char *data,
                               size_t *size, void **state)
{
    static int marker;
    char body[64];
    char kind[32];
    int n = -1;
    enum MHD_Result ret;
    struct timespec ts;

    (void)cls;
    (void)version;
    if (*state == NULL) {
        *state = &marker;
        return MHD_YES;
    }
    if (*size) {
        /* API bodies are only counted and the last one kept */
        if (strncmp(url, "/management/", 12) != 0) {
            *size = 0;
            return MHD_YES;
        }
        pthread_mutex_lock(&srv.lock);
        srv.body_bytes += (long)*size;
        snprintf(srv.body_text, sizeof(srv.body_text), "%.*s", (int)*size, data);
        pthread_mutex_unlock(&srv.lock);
        *size = 0;
        return MHD_YES;
    }
    if (strcmp(url, "/identity/token") == 0) {
        pthread_mutex_lock(&srv.lock);
        srv.tokens++;
        pthread_mutex_unlock(&srv.lock);
        snprintf(body, sizeof(body), "{\"access_token\":\"tok-%ld\",\"expires_in\":3600}",
                 (long)time(NULL));
        return reply(c, 200, body);
    }
    if (sscanf(url, "/management/v4/t/%31[a-z]/%d", kind, &n) != 2)
        return reply(c, 404, "{}");
    pthread_mutex_lock(&srv.lock);
    srv.api_requests++;
    srv.in_flight++;
    if (srv.in_flight > srv.max_in_flight)
        srv.max_in_flight = srv.in_flight;
    pthread_mutex_unlock(&srv.lock);
    /* Different delays make answers come back out of order. */
    ts.tv_sec = 0;
    ts.tv_nsec = (long)((n * 7) % 5) * 2000000L;
    nanosleep(&ts, NULL);
    snprintf(body, sizeof(body), "{\"n\":%d}", n);
    if (strcmp(kind, "echo") == 0)
        ret = reply(c, 200, body);
    else if (strcmp(kind, "flaky") == 0)
        ret = first_time(0, n) ? reply(c, 503, "{}") : reply(c, 200, body);
    else if (strcmp(kind, "throttle") == 0)
        ret = first_time(1, n) ? reply(c, 429, "{}") : reply(c, 200, body);
    else if (strcmp(kind, "create") == 0 && strcmp(method, "POST") == 0)
        ret = first_time(2, n) ? reply(c, 503, "{}") : reply(c, 201, body);
    else if (strcmp(kind, "expired") == 0)
        ret = first_time(3, n) ? reply(c, 401, "{}") : reply(c, 200, body);
    else if (strcmp(kind, "drop") == 0)
        ret = MHD_NO;
    else
        ret = reply(c, 404, "{}");
    pthread_mutex_lock(&srv.lock);
    srv.in_flight--;
    pthread_mutex_unlock(&srv.lock);
    return ret;
}

static void server_start(void)
{
    const union MHD_DaemonInfo *info;

    memset(srv.seen, 0, sizeof(srv.seen));
    srv.tokens = srv.api_requests = srv.in_flight = srv.max_in_flight = 0;
    srv.d = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD,
                             0, NULL, NULL, handler, NULL, MHD_OPTION_END);
    CU_ASSERT_PTR_NOT_NULL_FATAL(srv.d);
    info = MHD_get_daemon_info(srv.d, MHD_DAEMON_INFO_BIND_PORT);
    srv.port = info->port;
    snprintf(srv.base, sizeof(srv.base), "http://127.0.0.1:%u", srv.port);
    snprintf(srv.iam, sizeof(srv.iam), "%s/identity/token", srv.base);
}

static struct amg_http *client(int concurrency, int retries)
{
    struct amg_http_opts o;
    struct amg_http *h = NULL;

    memset(&o, 0, sizeof(o));
    o.base_url = srv.base;
    o.tenant_id = "t";
    o.iam_url = srv.iam;
    o.api_key = "test-api-key-123";
    o.timeout_s = 10;
    o.concurrency = concurrency;
    amg_retry_policy_default(&o.retry);
    o.retry.max_retries = retries;
    o.retry.base_s = 0.001;
    o.retry.max_s = 0.01;
    o.retry.block_429_s = 0.01;
    o.seed = 7;
    CU_ASSERT_EQUAL_FATAL(amg_http_new(&o, &h), AMG_OK);
    return h;
}

struct run {
    const char *kind;
    const char *method;
    int idempotent;
    int total;
    int produced;
    int delivered;
    int in_order;
    int ok;          /* rc == AMG_OK with the right n */
    long statuses[8];
    int rcs[8];
};

static int next_req(void *ud, struct amg_request *req)
{
    struct run *r = ud;

    if (r->produced == r->total)
        return 0;
    req->method = r->method;
    snprintf(req->path, sizeof(req->path), "/%s/%d", r->kind, r->produced);
    req->idempotent = r->idempotent;
    req->tag = (void *)(long)r->produced;
    if (strcmp(r->method, "POST") == 0)
        req->body = json_pack("{s:i}", "n", r->produced);
    r->produced++;
    return 1;
}

static int done_req(void *ud, struct amg_request *req)
{
    struct run *r = ud;
    long n = (long)req->tag;

    if (n != r->delivered)
        r->in_order = 0;
    if (r->delivered < 8) {
        r->statuses[r->delivered] = req->status;
        r->rcs[r->delivered] = req->rc;
    }
    if (req->rc == AMG_OK && req->status / 100 == 2 &&
        json_integer_value(json_object_get(req->response, "n")) == n)
        r->ok++;
    r->delivered++;
    return 0;
}

static void run_pipeline(struct amg_http *h, struct run *r)
{
    r->produced = r->delivered = r->ok = 0;
    r->in_order = 1;
    CU_ASSERT_EQUAL(amg_http_pipeline(h, next_req, done_req, r), AMG_OK);
    CU_ASSERT_EQUAL(r->delivered, r->total);
    CU_ASSERT(r->in_order);
}

/* Bodies as text (amg_request.raw_body, ABI 1.5): sent as they are. */
static int next_raw(void *ud, struct amg_request *req)
{
    struct run *r = ud;
    char text[32];
    int n;

    if (r->produced == r->total)
        return 0;
    req->method = "POST";
    snprintf(req->path, sizeof(req->path), "/echo/%d", r->produced);
    req->idempotent = 1;
    req->tag = (void *)(long)r->produced;
    n = snprintf(text, sizeof(text), "{\"raw\":%d}", r->produced);
    req->raw_body = malloc((size_t)n + 1);
    if (!req->raw_body)
        return AMG_ENOMEM;
    memcpy(req->raw_body, text, (size_t)n + 1);
    req->raw_len = (size_t)n;
    r->produced++;
    return 1;
}

static void test_raw_bodies(void)
{
    struct run r = { .kind = "echo", .method = "POST", .idempotent = 1, .total = 20 };
    struct amg_http *h;
    long want = 0;
    int i;

    for (i = 0; i < 20; i++)
        want += snprintf(NULL, 0, "{\"raw\":%d}", i);
    server_start();
    srv.body_bytes = 0;
    h = client(4, 0);
    r.in_order = 1;
    CU_ASSERT_EQUAL(amg_http_pipeline(h, next_raw, done_req, &r), AMG_OK);
    CU_ASSERT_EQUAL(r.delivered, 20);
    CU_ASSERT_EQUAL(r.ok, 20);
    CU_ASSERT(r.in_order);
    CU_ASSERT_EQUAL(srv.body_bytes, want);
    CU_ASSERT_EQUAL(strncmp(srv.body_text, "{\"raw\":", 7), 0);
    amg_http_free(h);
    MHD_stop_daemon(srv.d);
}

static void test_order_and_concurrency(void)
{
    struct run r = { .kind = "echo", .method = "GET", .idempotent = 1, .total = 300 };
    struct amg_http *h;

    server_start();
    h = client(8, 2);
    run_pipeline(h, &r);
    CU_ASSERT_EQUAL(r.ok, 300);
    CU_ASSERT(srv.max_in_flight > 1);
    CU_ASSERT(srv.max_in_flight <= 8);
    CU_ASSERT_EQUAL(srv.tokens, 1);
    CU_ASSERT_EQUAL(amg_http_stats(h)->requests, 300 + 1);
    amg_http_free(h);
    MHD_stop_daemon(srv.d);
}

static void test_retries(void)
{
    struct run flaky = { .kind = "flaky", .method = "GET", .idempotent = 1, .total = 40 };
    struct run thr = { .kind = "throttle", .method = "POST", .idempotent = 0, .total = 40 };
    struct run exp = { .kind = "expired", .method = "GET", .idempotent = 1, .total = 5 };
    struct amg_http *h;

    server_start();
    h = client(4, 3);
    run_pipeline(h, &flaky);
    CU_ASSERT_EQUAL(flaky.ok, 40);
    CU_ASSERT_EQUAL(amg_http_stats(h)->retries, 40);
    /* A 429 was refused before any work: retried even when not idempotent. */
    run_pipeline(h, &thr);
    CU_ASSERT_EQUAL(thr.ok, 40);
    CU_ASSERT_EQUAL(amg_http_stats(h)->throttled, 40);
    run_pipeline(h, &exp);
    CU_ASSERT_EQUAL(exp.ok, 5);
    CU_ASSERT(srv.tokens >= 2);
    amg_http_free(h);
    MHD_stop_daemon(srv.d);
}

static void test_not_idempotent(void)
{
    struct run create = { .kind = "create", .method = "POST", .idempotent = 0, .total = 6 };
    struct run drop = { .kind = "drop", .method = "POST", .idempotent = 0, .total = 3 };
    struct run drop_get = { .kind = "drop", .method = "GET", .idempotent = 1, .total = 2 };
    struct amg_http *h;
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);

    server_start();
    h = client(3, 2);
    amg_log_set_stream(mem);
    /* A 503 on a create may hide a created object: reported, not resent. */
    run_pipeline(h, &create);
    CU_ASSERT_EQUAL(create.ok, 0);
    CU_ASSERT_EQUAL(create.statuses[0], 503);
    CU_ASSERT_EQUAL(create.rcs[0], AMG_OK);
    CU_ASSERT_EQUAL(srv.api_requests, 6);
    run_pipeline(h, &drop);
    CU_ASSERT_EQUAL(drop.rcs[0], AMG_EHTTP);
    CU_ASSERT_EQUAL(srv.api_requests, 6 + 3);
    /* Idempotent requests are retried until the policy gives up. */
    run_pipeline(h, &drop_get);
    CU_ASSERT_EQUAL(drop_get.rcs[1], AMG_EHTTP);
    CU_ASSERT_EQUAL(srv.api_requests, 6 + 3 + 2 * 3);
    amg_log_set_stream(NULL);
    fclose(mem);
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "not retried: it may have been processed"));
    CU_ASSERT_PTR_NULL(strstr(buf, "test-api-key-123"));
    free(buf);
    amg_http_free(h);
    MHD_stop_daemon(srv.d);
}

/* done() and next() can stop the pipeline; in-flight requests are
 * dropped cleanly (ASan checks for leaks). */
static int next_forever(void *ud, struct amg_request *req)
{
    int *count = ud;

    req->method = "GET";
    snprintf(req->path, sizeof(req->path), "/echo/%d", (*count)++ % 100);
    req->idempotent = 1;
    return *count > 50 ? -42 : 1;
}

static int done_abort(void *ud, struct amg_request *req)
{
    (void)ud;
    (void)req;
    return -43;
}

static int done_ok(void *ud, struct amg_request *req)
{
    (void)ud;
    (void)req;
    return 0;
}

static void test_abort(void)
{
    struct amg_http *h;
    int count = 0;

    server_start();
    h = client(4, 1);
    CU_ASSERT_EQUAL(amg_http_pipeline(h, next_forever, done_ok, &count), -42);
    count = 0;
    CU_ASSERT_EQUAL(amg_http_pipeline(h, next_forever, done_abort, &count), -43);
    amg_http_free(h);
    MHD_stop_daemon(srv.d);
}

static const struct amg_test tests[] = {
    { "answers in order, requests concurrent", test_order_and_concurrency },
    { "retries 5xx, 429 and 401", test_retries },
    { "non-idempotent requests are not resent", test_not_idempotent },
    { "next() and done() abort", test_abort },
    { "bodies given as text are sent as they are", test_raw_bodies },
    { NULL, NULL },
};

int main(void)
{
    int rc;

    curl_global_init(CURL_GLOBAL_DEFAULT);
    rc = amg_test_main("pipeline", tests);
    curl_global_cleanup();
    return rc;
}

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "http.h"
#include "httpfixture.h"
#include "log.h"
#include "testutil.h"

/* The transport under amg_http (xfer.c), driven through the public API:
 * retries, throttling, transport errors, rate limiting, size limit. */

#define EPS 1e-9

static void test_iam_5xx_retried(void)
{
    struct amg_http_opts o;
    struct amg_http *h;

    fx_setup(&o);
    h = fx_client(&o);
    CU_ASSERT_FATAL(testhttpd_push(&srv.iam, 503, "busy", NULL, 0) == 0);
    fx_push_token("tok-after-503");
    fx_push_api(200, "{}", NULL);
    fx_get_expect(h, "/x", 200);
    CU_ASSERT_EQUAL(testhttpd_count_iam(&srv), 2);
    CU_ASSERT_EQUAL(amg_http_stats(h)->retries, 1);
    CU_ASSERT_EQUAL(amg_http_stats(h)->requests, 3);
    CU_ASSERT_EQUAL(fakeclock.nsleeps, 1);
    fx_teardown(h);
}

static void test_503_retries(void)
{
    struct amg_retry_policy p;
    struct amg_http_opts o;
    struct amg_http *h;
    unsigned seed = FX_SEED;
    double want1, want2;

    fx_setup(&o);
    h = fx_client(&o);
    fx_push_token("tok-503");
    fx_push_api(503, "", NULL);
    fx_push_api(503, "{\"busy\":1}", NULL);
    fx_push_api(200, "{}", NULL);
    fx_capture_begin();
    fx_get_expect(h, "/apps", 200);
    fx_capture_end();
    fx_capture_free();
    CU_ASSERT_EQUAL(amg_http_stats(h)->retries, 2);
    CU_ASSERT_EQUAL(amg_http_stats(h)->throttled, 0);
    CU_ASSERT_EQUAL(amg_http_stats(h)->requests, 4);
    /* The delays are the policy's, fed from rand_r() on the seed. */
    amg_retry_policy_default(&p);
    want1 = amg_retry_delay(&p, 1, 503, -1, rand_r(&seed) / ((double)RAND_MAX + 1.0));
    want2 = amg_retry_delay(&p, 2, 503, -1, rand_r(&seed) / ((double)RAND_MAX + 1.0));
    CU_ASSERT_EQUAL_FATAL(fakeclock.nsleeps, 2);
    CU_ASSERT_DOUBLE_EQUAL(fakeclock.sleeps[0], want1, EPS);
    CU_ASSERT_DOUBLE_EQUAL(fakeclock.sleeps[1], want2, EPS);
    CU_ASSERT(fakeclock.sleeps[0] >= 0.25 && fakeclock.sleeps[0] <= 0.5);
    CU_ASSERT(fakeclock.sleeps[1] >= 0.25 && fakeclock.sleeps[1] <= 1.0);
    fx_teardown(h);
}

static void test_5xx_exhausted(void)
{
    struct amg_http_opts o;
    struct amg_http *h;
    json_t *resp = NULL;
    long status = 0;
    int i;

    fx_setup(&o);
    o.retry.max_retries = 3;
    h = fx_client(&o);
    fx_push_token("tok-exhaust");
    for (i = 0; i < 4; i++)
        fx_push_api(502, "{\"error\":\"bad gateway\"}", NULL);
    fx_push_api(200, "{}", NULL);
    fx_capture_begin();
    /* The caller gets the last answer and decides. */
    CU_ASSERT_EQUAL(amg_http_json(h, "PUT", "/config/x", NULL, &status, &resp), AMG_OK);
    CU_ASSERT_PTR_NOT_NULL(strstr(fx_capture_end(),
                                  "PUT /config/x: still HTTP 502 after 4 attempts"));
    fx_capture_free();
    CU_ASSERT_EQUAL(status, 502);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(resp, "error")), "bad gateway");
    json_decref(resp);
    CU_ASSERT_EQUAL(amg_http_stats(h)->retries, 3);
    CU_ASSERT_EQUAL(srv.api.next, 4);
    fx_teardown(h);
}

/* A POST creates: a 5xx may hide a created object, so it is handed back
 * at once; a 429 was refused before any work and goes again. */
static void test_post_not_resent(void)
{
    struct amg_http_opts o;
    struct amg_http *h;
    json_t *body = json_pack("{s:s}", "name", "web");
    json_t *resp = NULL;
    long status = 0;

    fx_setup(&o);
    h = fx_client(&o);
    fx_push_token("tok-post");
    fx_push_api(503, "{\"error\":\"busy\"}", NULL);
    fx_capture_begin();
    CU_ASSERT_EQUAL(amg_http_json(h, "POST", "/applications", body, &status, &resp), AMG_OK);
    CU_ASSERT_PTR_NOT_NULL(strstr(fx_capture_end(), "not retried: it may have been processed"));
    fx_capture_free();
    CU_ASSERT_EQUAL(status, 503);
    CU_ASSERT_EQUAL(amg_http_stats(h)->retries, 0);
    CU_ASSERT_EQUAL(srv.api.next, 1);
    json_decref(resp);
    resp = NULL;
    fx_push_api(429, "{}", "0");
    fx_push_api(200, "{}", NULL);
    CU_ASSERT_EQUAL(amg_http_json(h, "POST", "/applications", body, &status, &resp), AMG_OK);
    CU_ASSERT_EQUAL(status, 200);
    CU_ASSERT_EQUAL(amg_http_stats(h)->retries, 1);
    json_decref(resp);
    json_decref(body);
    fx_teardown(h);
}

/* libcurl on its own resends a request whose reused connection died
 * before any answer byte came back. For a POST that is a second object
 * nobody hears of, so a POST never goes out on a reused connection: its
 * lost answer reaches the caller, which alone knows whether to resend. */
static void test_post_lost_answer_not_resent(void)
{
    struct amg_http_opts o;
    struct amg_http *h;
    json_t *body = json_pack("{s:s}", "name", "web");
    json_t *resp = NULL;
    long status = 0;
    int conns;

    fx_setup(&o);
    h = fx_client(&o);
    fx_push_token("tok-lost");
    fx_push_api(200, "{}", NULL);
    fx_push_api(0, NULL, NULL);                  /* the POST's answer is lost */
    fx_push_api(201, "{\"id\":\"dup\"}", NULL);   /* what a silent resend would get */
    fx_get_expect(h, "/config/tokens", 200);     /* leaves a connection to reuse */
    conns = srv.connections;
    fx_capture_begin();
    CU_ASSERT_NOT_EQUAL(amg_http_json(h, "POST", "/applications", body, &status, &resp), AMG_OK);
    CU_ASSERT_PTR_NOT_NULL(strstr(fx_capture_end(), "not retried: it may have been processed"));
    fx_capture_free();
    CU_ASSERT_PTR_NULL(resp);
    CU_ASSERT_EQUAL(srv.api.next, 2);            /* one POST reached the server */
    CU_ASSERT_EQUAL(srv.connections, conns + 1); /* on a connection of its own */
    /* GETs still share connections. */
    fx_get_expect(h, "/config/tokens", 201);
    conns = srv.connections;
    fx_push_api(200, "{}", NULL);
    fx_get_expect(h, "/config/tokens", 200);
    CU_ASSERT_EQUAL(srv.connections, conns);
    json_decref(resp);
    json_decref(body);
    fx_teardown(h);
}

static void test_429(void)
{
    static const struct {
        const char *retry_after;
        double want;
    } cases[] = {
        { "3", 3.0 },
        { NULL, 30.0 },
        { "0", 0.0 },
        /* Only delta-seconds are understood. */
        { "Wed, 21 Oct 2015 07:28:00 GMT", 30.0 },
    };
    struct amg_http_opts o;
    struct amg_http *h;
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        fx_setup(&o);
        h = fx_client(&o);
        fx_push_token("tok-429");
        fx_push_api(429, "{\"error\":\"too many requests\"}", cases[i].retry_after);
        fx_push_api(200, "{}", NULL);
        fx_capture_begin();
        fx_get_expect(h, "/users", 200);
        fx_capture_end();
        fx_capture_free();
        CU_ASSERT_EQUAL(fakeclock.nsleeps, 1);
        CU_ASSERT_DOUBLE_EQUAL(fakeclock.sleeps[0], cases[i].want, EPS);
        CU_ASSERT_EQUAL(amg_http_stats(h)->throttled, 1);
        CU_ASSERT_EQUAL(amg_http_stats(h)->retries, 1);
        fx_teardown(h);
    }
}

static void test_connection_refused(void)
{
    struct testhttpd dead;
    struct amg_http_opts o;
    struct amg_http *h;
    json_t *resp = NULL;
    long status = -1;
    const char *log;

    /* IAM answers; the instance's port has nobody listening. */
    fx_setup(&o);
    CU_ASSERT_FATAL(testhttpd_start(&dead) == 0);
    testhttpd_stop(&dead);
    o.base_url = dead.base_url;
    h = fx_client(&o);
    fx_push_token("tok-refused");
    fx_capture_begin();
    CU_ASSERT_EQUAL(amg_http_json(h, "GET", "/cloud_directory/export?encryption_secret=hush42",
                                  NULL, &status, &resp), AMG_EHTTP);
    log = fx_capture_end();
    CU_ASSERT_PTR_NULL(resp);
    CU_ASSERT_EQUAL(status, 0);
    CU_ASSERT_EQUAL(amg_http_stats(h)->requests, 1 + 6);
    CU_ASSERT_EQUAL(amg_http_stats(h)->retries, 5);
    CU_ASSERT_EQUAL(fakeclock.nsleeps, 5);
    CU_ASSERT_PTR_NOT_NULL(strstr(log, "GET /cloud_directory/export: "));
    CU_ASSERT_PTR_NOT_NULL(strstr(log, "after 6 attempts"));
    /* The query (an encryption secret here) is not logged. */
    CU_ASSERT_PTR_NULL(strstr(log, "hush42"));
    fx_capture_free();
    testhttpd_free(&dead);
    fx_teardown(h);
}

static void test_rate_limited(void)
{
    struct amg_http_opts o;
    struct amg_http *h;
    int i;

    fx_setup(&o);
    o.max_rps = 10;
    h = fx_client(&o);
    fx_push_token("tok-rate");
    for (i = 0; i < 5; i++)
        fx_push_api(200, "{}", NULL);
    for (i = 0; i < 5; i++)
        fx_get_expect(h, "/r", 200);
    /* First request free, then one slot per 0.1 s of (fake) time. */
    CU_ASSERT_EQUAL(fakeclock.nsleeps, 4);
    CU_ASSERT_DOUBLE_EQUAL(fakeclock.now, FX_NOW0 + 0.4, 1e-6);
    CU_ASSERT_EQUAL(amg_http_stats(h)->requests, 6);
    fx_teardown(h);
}

static void test_body_limit(void)
{
    static const struct {
        size_t size;
        int chunked;
        int want;
    } cases[] = {
        { 1000, 0, AMG_OK },
        { 1000, 1, AMG_OK },
        { 1001, 0, AMG_EPROTO },
        { 5000, 1, AMG_EPROTO },
    };
    struct amg_http_opts o;
    struct amg_http *h;
    size_t i;

    fx_setup(&o);
    o.max_response_bytes = 1000;
    h = fx_client(&o);
    fx_push_token("tok-limit");
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *body = malloc(cases[i].size + 1);
        json_t *resp = NULL;
        long status = 0;
        const char *log;

        CU_ASSERT_FATAL(body != NULL);
        /* A JSON string of the wanted size. */
        memset(body, 'x', cases[i].size);
        body[0] = '"';
        body[cases[i].size - 1] = '"';
        body[cases[i].size] = '\0';
        CU_ASSERT_FATAL(testhttpd_push(&srv.api, 200, body, NULL, cases[i].chunked) == 0);
        fx_capture_begin();
        CU_ASSERT_EQUAL(amg_http_json(h, "GET", "/big", NULL, &status, &resp), cases[i].want);
        log = fx_capture_end();
        if (cases[i].want == AMG_OK) {
            CU_ASSERT(json_is_string(resp) && json_string_length(resp) == cases[i].size - 2);
        } else {
            CU_ASSERT_PTR_NULL(resp);
            CU_ASSERT_PTR_NOT_NULL(strstr(log, "answer larger than 1000 bytes"));
        }
        fx_capture_free();
        json_decref(resp);
        free(body);
    }
    /* Too large is not retried. */
    CU_ASSERT_EQUAL(amg_http_stats(h)->retries, 0);
    fx_teardown(h);
}

static void test_loopback_bypasses_proxy(void)
{
    struct amg_http_opts o;
    struct amg_http *h;

    /* A proxy that refuses every connection: a loopback endpoint must not
     * be sent through it. */
    CU_ASSERT_FATAL(setenv("http_proxy", "http://127.0.0.1:1", 1) == 0);
    unsetenv("no_proxy");
    unsetenv("NO_PROXY");
    fx_setup(&o);
    o.retry.max_retries = 1;
    h = fx_client(&o);
    fx_push_token("tok-proxy");
    fx_push_api(200, "{}", NULL);
    fx_capture_begin();
    fx_get_expect(h, "/p", 200);
    fx_capture_end();
    fx_capture_free();
    CU_ASSERT_EQUAL(srv.nseen, 2);
    fx_teardown(h);
    unsetenv("http_proxy");
}

static const struct amg_test tests[] = {
    { "IAM 503 is retried", test_iam_5xx_retried },
    { "503, 503, 200 with policy delays", test_503_retries },
    { "exhausted 5xx returns the last answer", test_5xx_exhausted },
    { "POST not resent after a 5xx, resent after a 429", test_post_not_resent },
    { "POST whose answer is lost is not resent by libcurl", test_post_lost_answer_not_resent },
    { "429 honours Retry-After, else blocks 30 s", test_429 },
    { "connection refused is AMG_EHTTP after all attempts", test_connection_refused },
    { "rate limiter runs once per request", test_rate_limited },
    { "answer size limit", test_body_limit },
    { "loopback endpoints bypass a proxy", test_loopback_bypasses_proxy },
    { NULL, NULL },
};

int main(void)
{
    return amg_test_main("xfer", tests);
}

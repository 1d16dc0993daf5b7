#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "http.h"
#include "log.h"
#include "httpfixture.h"
#include "testutil.h"

#define EPS 1e-9

static void test_check_url(void)
{
    static const struct {
        const char *url;
        int want;
        int loopback;
    } cases[] = {
        { "https://us-south.appid.cloud.ibm.com", AMG_OK, 0 },
        { "https://iam.cloud.ibm.com/identity/token", AMG_OK, 0 },
        { "https://127.0.0.1:8443", AMG_OK, 1 },
        { "http://127.0.0.1:8080", AMG_OK, 1 },
        { "http://127.200.3.4/x", AMG_OK, 1 },
        { "http://localhost:9000/", AMG_OK, 1 },
        { "http://LocalHost", AMG_OK, 1 },
        { "http://[::1]:8080/identity/token", AMG_OK, 1 },
        { "http://example.com", AMG_EINVAL, 0 },
        { "http://us-south.appid.cloud.ibm.com", AMG_EINVAL, 0 },
        { "http://128.0.0.1", AMG_EINVAL, 0 },
        { "http://10.0.0.1:8080", AMG_EINVAL, 0 },
        { "http://[::2]", AMG_EINVAL, 0 },
        { "http://localhost.example.com", AMG_EINVAL, 0 },
        { "http://127.0.0.1.nip.io", AMG_EINVAL, 0 },
        { "ftp://127.0.0.1/", AMG_EINVAL, 0 },
        { "us-south.appid.cloud.ibm.com", AMG_EINVAL, 0 },
        { "", AMG_EINVAL, 0 },
    };
    size_t i;

    fx_capture_begin();
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int lo = -1;
        int rc = amg_http_check_url(cases[i].url, &lo);

        CU_ASSERT_EQUAL(rc, cases[i].want);
        CU_ASSERT_EQUAL(lo, cases[i].loopback);
        if (rc != cases[i].want)
            fprintf(stderr, "%s: rc %d\n", cases[i].url, rc);
    }
    CU_ASSERT_PTR_NOT_NULL(strstr(fx_capture_end(), "refusing plain http to example.com: "
                                  "only loopback endpoints (emulators) may use http"));
    fx_capture_free();
}

static void test_new_refuses_plain_http(void)
{
    struct amg_http_opts o;
    struct amg_http *h = NULL;

    memset(&o, 0, sizeof(o));
    o.base_url = "http://us-south.appid.cloud.ibm.com";
    o.tenant_id = FX_TENANT;
    o.iam_url = "https://iam.cloud.ibm.com/identity/token";
    o.api_key = FX_API_KEY;
    fx_capture_begin();
    CU_ASSERT_EQUAL(amg_http_new(&o, &h), AMG_EINVAL);
    CU_ASSERT_PTR_NULL(h);
    o.base_url = "https://us-south.appid.cloud.ibm.com";
    o.iam_url = "http://iam.cloud.ibm.com/identity/token";
    CU_ASSERT_EQUAL(amg_http_new(&o, &h), AMG_EINVAL);
    CU_ASSERT_PTR_NULL(h);
    /* A tenant id that would change the URL's shape. */
    o.iam_url = "https://iam.cloud.ibm.com/identity/token";
    o.tenant_id = "abc/../other";
    CU_ASSERT_EQUAL(amg_http_new(&o, &h), AMG_EINVAL);
    CU_ASSERT_PTR_NULL(h);
    /* The same options over https are fine; nothing is sent yet. */
    o.tenant_id = FX_TENANT;
    CU_ASSERT_EQUAL(amg_http_new(&o, &h), AMG_OK);
    amg_http_free(h);
    {
        const char *log = fx_capture_end();

        CU_ASSERT_PTR_NOT_NULL(strstr(log, "refusing plain http to us-south.appid.cloud.ibm.com"));
        CU_ASSERT_PTR_NOT_NULL(strstr(log, "refusing plain http to iam.cloud.ibm.com"));
    }
    fx_capture_free();
    amg_log_clear_secrets();
}

static void test_token_reused_and_headers(void)
{
    const struct testhttpd_request *r;
    struct amg_http_opts o;
    struct amg_http *h;
    char want_url[128];
    int i;

    fx_setup(&o);
    h = fx_client(&o);
    fx_push_token("tok-first-0001");
    for (i = 0; i < 3; i++)
        fx_push_api(200, "{\"ok\":true}", NULL);
    for (i = 0; i < 3; i++)
        fx_get_expect(h, "/config/tokens", 200);
    CU_ASSERT_EQUAL(testhttpd_count_iam(&srv), 1);
    CU_ASSERT_EQUAL(srv.nseen, 4);
    CU_ASSERT_EQUAL(amg_http_stats(h)->requests, 4);
    CU_ASSERT_EQUAL(amg_http_stats(h)->retries, 0);
    /* IAM and API share the server here: all four on one connection. */
    CU_ASSERT_EQUAL(srv.connections, 1);

    r = testhttpd_iam_request(&srv, 0);
    CU_ASSERT_FATAL(r != NULL);
    CU_ASSERT_STRING_EQUAL(r->method, "POST");
    CU_ASSERT_STRING_EQUAL(r->content_type, "application/x-www-form-urlencoded");
    CU_ASSERT_STRING_EQUAL(r->accept, "application/json");
    CU_ASSERT_STRING_EQUAL(r->authorization, "");
    CU_ASSERT_STRING_EQUAL(r->body, "grant_type=urn:ibm:params:oauth:grant-type:apikey"
                           "&apikey=" FX_API_KEY_ESCAPED);

    snprintf(want_url, sizeof(want_url), "/management/v4/%s/config/tokens", FX_TENANT);
    for (i = 0; i < 3; i++) {
        r = testhttpd_api_request(&srv, i);
        CU_ASSERT_FATAL(r != NULL);
        CU_ASSERT_STRING_EQUAL(r->method, "GET");
        CU_ASSERT_STRING_EQUAL(r->url, want_url);
        CU_ASSERT_STRING_EQUAL(r->authorization, "Bearer tok-first-0001");
        CU_ASSERT_STRING_EQUAL(r->accept, "application/json");
        /* No body, no content type. */
        CU_ASSERT_STRING_EQUAL(r->content_type, "");
        CU_ASSERT_EQUAL(r->body_len, 0);
    }
    fx_teardown(h);
}

static void test_json_round_trip(void)
{
    static const struct {
        const char *method;
        const char *path;
        const char *body;          /* NULL: none */
        const char *want_path;
        const char *want_query;
    } cases[] = {
        { "POST", "/roles", "{\"name\":\"admin\",\"access\":[{\"application_id\":\"c1\","
          "\"scopes\":[\"read\"]}]}", "/roles", "" },
        { "PUT", "/config/ui/theme_color", "{\"headerColor\":\"#EEF2F5\"}",
          "/config/ui/theme_color", "" },
        { "DELETE", "/applications/c1", NULL, "/applications/c1", "" },
        { "GET", "/users?startIndex=0&count=50&query=a%40b.com", NULL, "/users",
          "startIndex=0&count=50&query=a@b.com" },
    };
    const char *answer = "{\"id\":\"r-1\",\"n\":[1,2.5,null],\"ok\":true,\"s\":\"\\u00e9\"}";
    struct amg_http_opts o;
    struct amg_http *h;
    size_t i;

    fx_setup(&o);
    /* A trailing slash on the base URL is not doubled. */
    {
        char base[80];

        snprintf(base, sizeof(base), "%s/", srv.base_url);
        o.base_url = base;
        h = fx_client(&o);
    }
    fx_push_token("tok-round-trip");
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct testhttpd_request *r;
        json_t *body = NULL, *resp = NULL, *want = NULL;
        char want_url[160];
        long status = 0;

        if (cases[i].body) {
            body = json_loads(cases[i].body, 0, NULL);
            CU_ASSERT_FATAL(body != NULL);
        }
        fx_push_api(200, answer, NULL);
        CU_ASSERT_EQUAL(amg_http_json(h, cases[i].method, cases[i].path, body, &status, &resp),
                        AMG_OK);
        CU_ASSERT_EQUAL(status, 200);
        want = json_loads(answer, 0, NULL);
        CU_ASSERT(resp && json_equal(resp, want));
        r = testhttpd_api_request(&srv, (int)i);
        CU_ASSERT_FATAL(r != NULL);
        snprintf(want_url, sizeof(want_url), "/management/v4/%s%s", FX_TENANT,
                 cases[i].want_path);
        CU_ASSERT_STRING_EQUAL(r->method, cases[i].method);
        CU_ASSERT_STRING_EQUAL(r->url, want_url);
        CU_ASSERT_STRING_EQUAL(r->query, cases[i].want_query);
        CU_ASSERT_STRING_EQUAL(r->authorization, "Bearer tok-round-trip");
        if (cases[i].body) {
            /* Compact encoding, keys in the original order. */
            CU_ASSERT_STRING_EQUAL(r->body, cases[i].body);
            CU_ASSERT_STRING_EQUAL(r->content_type, "application/json");
        } else {
            CU_ASSERT_EQUAL(r->body_len, 0);
            CU_ASSERT_STRING_EQUAL(r->content_type, "");
        }
        json_decref(body);
        json_decref(resp);
        json_decref(want);
    }
    fx_teardown(h);
}

static void test_invalid_requests(void)
{
    struct amg_http_opts o;
    struct amg_http *h;
    json_t *body = json_object();
    json_t *resp = NULL;
    long status = -1;

    fx_setup(&o);
    h = fx_client(&o);
    fx_capture_begin();
    CU_ASSERT_EQUAL(amg_http_json(h, "PATCH", "/x", NULL, &status, &resp), AMG_EINVAL);
    CU_ASSERT_EQUAL(amg_http_json(h, "GET", "x", NULL, &status, &resp), AMG_EINVAL);
    CU_ASSERT_EQUAL(amg_http_json(h, "GET", "/x", body, &status, &resp), AMG_EINVAL);
    fx_capture_end();
    fx_capture_free();
    CU_ASSERT_EQUAL(status, 0);
    CU_ASSERT_PTR_NULL(resp);
    /* Nothing went out, not even to IAM. */
    CU_ASSERT_EQUAL(srv.nseen, 0);
    json_decref(body);
    fx_teardown(h);
}

static void test_refresh_after_expiry(void)
{
    struct amg_http_opts o;
    struct amg_http *h;

    fx_setup(&o);
    h = fx_client(&o);
    fx_push_token("tok-one-1111");
    fx_push_token("tok-two-2222");
    fx_push_api(200, "{}", NULL);
    fx_push_api(200, "{}", NULL);
    fx_push_api(200, "{}", NULL);
    fx_get_expect(h, "/a", 200);
    /* At 80 % of 3600 s the token is still used... */
    fakeclock.wall += 2880;
    fx_get_expect(h, "/b", 200);
    CU_ASSERT_EQUAL(testhttpd_count_iam(&srv), 1);
    /* ...past it a new one is fetched first. */
    fakeclock.wall += 1;
    fx_get_expect(h, "/c", 200);
    CU_ASSERT_EQUAL(testhttpd_count_iam(&srv), 2);
    CU_ASSERT_STRING_EQUAL(testhttpd_api_request(&srv, 1)->authorization, "Bearer tok-one-1111");
    CU_ASSERT_STRING_EQUAL(testhttpd_api_request(&srv, 2)->authorization, "Bearer tok-two-2222");
    fx_teardown(h);
}

static void test_authenticate_caches(void)
{
    struct amg_http_opts o;
    struct amg_http *h;

    fx_setup(&o);
    h = fx_client(&o);
    fx_push_token("tok-auth-9999");
    CU_ASSERT_EQUAL(amg_http_authenticate(h), AMG_OK);
    CU_ASSERT_EQUAL(amg_http_authenticate(h), AMG_OK);
    fx_push_api(204, "", NULL);
    fx_get_expect(h, "/x", 204);
    CU_ASSERT_EQUAL(testhttpd_count_iam(&srv), 1);
    CU_ASSERT_STRING_EQUAL(testhttpd_api_request(&srv, 0)->authorization, "Bearer tok-auth-9999");
    fx_teardown(h);
}

static void test_401_refresh(void)
{
    struct amg_http_opts o;
    struct amg_http *h;
    json_t *resp = NULL;
    long status = 0;
    const char *log;

    /* 401, new token, success. */
    fx_setup(&o);
    h = fx_client(&o);
    fx_push_token("tok-revoked-1");
    fx_push_token("tok-fresh-2");
    fx_push_api(401, "{\"error\":\"invalid_token\"}", NULL);
    fx_push_api(200, "{\"v\":1}", NULL);
    CU_ASSERT_EQUAL(amg_http_json(h, "GET", "/apps", NULL, &status, &resp), AMG_OK);
    CU_ASSERT_EQUAL(status, 200);
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(resp, "v")), 1);
    json_decref(resp);
    CU_ASSERT_EQUAL(testhttpd_count_iam(&srv), 2);
    CU_ASSERT_STRING_EQUAL(testhttpd_api_request(&srv, 0)->authorization, "Bearer tok-revoked-1");
    CU_ASSERT_STRING_EQUAL(testhttpd_api_request(&srv, 1)->authorization, "Bearer tok-fresh-2");
    CU_ASSERT_EQUAL(amg_http_stats(h)->retries, 0);
    fx_teardown(h);

    /* 401 twice: refused, after exactly one refresh. */
    fx_setup(&o);
    h = fx_client(&o);
    fx_push_token("tok-a-1");
    fx_push_token("tok-b-2");
    fx_push_api(401, "", NULL);
    fx_push_api(401, "", NULL);
    fx_push_api(200, "{}", NULL);
    fx_capture_begin();
    resp = NULL;
    CU_ASSERT_EQUAL(amg_http_json(h, "GET", "/apps", NULL, &status, &resp), AMG_EAUTH);
    log = fx_capture_end();
    CU_ASSERT_PTR_NULL(resp);
    CU_ASSERT_EQUAL(testhttpd_count_iam(&srv), 2);
    CU_ASSERT_EQUAL(srv.api.next, 2);
    {
        char want[256];

        snprintf(want, sizeof(want), "instance %s tenant %s refused the token (HTTP 401)",
                 srv.base_url, FX_TENANT);
        CU_ASSERT_PTR_NOT_NULL(strstr(log, want));
    }
    fx_capture_free();
    fx_teardown(h);

    /* 403 does not improve with a new token. */
    fx_setup(&o);
    h = fx_client(&o);
    fx_push_token("tok-reader-1");
    fx_push_api(403, "{\"message\":\"forbidden\"}", NULL);
    fx_capture_begin();
    CU_ASSERT_EQUAL(amg_http_json(h, "POST", "/cloud_directory/export/all", NULL, &status,
                                  &resp), AMG_EAUTH);
    CU_ASSERT_PTR_NOT_NULL(strstr(fx_capture_end(), "refused the token (HTTP 403)"));
    fx_capture_free();
    CU_ASSERT_EQUAL(testhttpd_count_iam(&srv), 1);
    fx_teardown(h);
}

static void test_iam_refuses_key(void)
{
    struct amg_http_opts o;
    struct amg_http *h;
    json_t *resp = NULL;
    long status = 0;
    const char *log;
    char want[256];

    /* Secrets cleared: the key stays out of the log because it is never
     * written, not because the log redacts it. */
    fx_setup(&o);
    h = fx_client(&o);
    amg_log_clear_secrets();
    amg_log_set_level(AMG_LOG_DEBUG);
    CU_ASSERT_FATAL(testhttpd_push(&srv.iam, 400, "{\"context\":{},\"errorCode\":\"BXNIM0415E\","
                                   "\"errorMessage\":\"Provided API key could not be found\"}",
                                   NULL, 0) == 0);
    CU_ASSERT_FATAL(testhttpd_push(&srv.iam, 400, "{}", NULL, 0) == 0);
    fx_capture_begin();
    CU_ASSERT_EQUAL(amg_http_authenticate(h), AMG_EAUTH);
    CU_ASSERT_EQUAL(amg_http_json(h, "GET", "/users", NULL, &status, &resp), AMG_EAUTH);
    log = fx_capture_end();
    CU_ASSERT_PTR_NULL(resp);
    snprintf(want, sizeof(want), "IAM refused the API key for %s (HTTP 400: Provided API key "
             "could not be found)", srv.base_url);
    CU_ASSERT_PTR_NOT_NULL(strstr(log, want));
    snprintf(want, sizeof(want), "IAM refused the API key for %s (HTTP 400)", srv.base_url);
    CU_ASSERT_PTR_NOT_NULL(strstr(log, want));
    CU_ASSERT_PTR_NULL(strstr(log, FX_API_KEY));
    CU_ASSERT_PTR_NULL(strstr(log, FX_API_KEY_ESCAPED));
    fx_capture_free();
    /* A 4xx from IAM is final: no retries, no management request. */
    CU_ASSERT_EQUAL(srv.nseen, 2);
    CU_ASSERT_EQUAL(amg_http_stats(h)->retries, 0);
    fx_teardown(h);

    /* An IAM that echoes the key: the registered secret is redacted. */
    fx_setup(&o);
    h = fx_client(&o);
    amg_log_set_level(AMG_LOG_DEBUG);
    CU_ASSERT_FATAL(testhttpd_push(&srv.iam, 400, "{\"errorMessage\":\"API key " FX_API_KEY
                                   " not found\"}", NULL, 0) == 0);
    fx_capture_begin();
    CU_ASSERT_EQUAL(amg_http_authenticate(h), AMG_EAUTH);
    log = fx_capture_end();
    CU_ASSERT_PTR_NOT_NULL(strstr(log, "(HTTP 400: API key *** not found)"));
    CU_ASSERT_PTR_NULL(strstr(log, FX_API_KEY));
    fx_capture_free();
    fx_teardown(h);
}

static void test_non_json(void)
{
    static const struct {
        unsigned status;
        const char *body;
    } cases[] = {
        { 200, "<html>hello</html>" },
        { 200, "{\"truncated\":" },
        { 204, "" },
        { 404, "Not Found" },
    };
    struct amg_http_opts o;
    struct amg_http *h;
    size_t i;

    fx_setup(&o);
    h = fx_client(&o);
    fx_push_token("tok-non-json");
    amg_log_set_level(AMG_LOG_DEBUG);
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        json_t *resp = (json_t *)&resp;
        long status = 0;
        const char *log;

        fx_push_api(cases[i].status, cases[i].body, NULL);
        fx_capture_begin();
        CU_ASSERT_EQUAL(amg_http_json(h, "GET", "/x", NULL, &status, &resp), AMG_OK);
        log = fx_capture_end();
        CU_ASSERT_EQUAL(status, cases[i].status);
        CU_ASSERT_PTR_NULL(resp);
        if (cases[i].body[0]) {
            CU_ASSERT_PTR_NOT_NULL(strstr(log, "body is not JSON"));
        }
        /* A success that is not JSON is a warning the operator sees; an
         * error status speaks for itself. */
        if (cases[i].status == 200) {
            CU_ASSERT_PTR_NOT_NULL(strstr(log, "warning: GET /x: HTTP 200 answer is not JSON"));
        } else {
            CU_ASSERT_PTR_NULL(strstr(log, "warning"));
        }
        fx_capture_free();
    }
    fx_teardown(h);
}

#define WORKERS 4
#define PER_WORKER 10

struct worker {
    struct amg_http *h;
    int ok;
};

/* CUnit is not thread-safe: workers count, the test thread asserts. */
static void *get_many(void *arg)
{
    struct worker *w = arg;
    int i;

    for (i = 0; i < PER_WORKER; i++) {
        json_t *resp = NULL;
        long status = 0;

        if (amg_http_json(w->h, "GET", "/apps", NULL, &status, &resp) == AMG_OK &&
            status == 200 && json_is_object(resp))
            w->ok++;
        json_decref(resp);
    }
    return NULL;
}

static void test_concurrent_callers(void)
{
    struct worker workers[WORKERS];
    pthread_t tid[WORKERS];
    struct amg_http_opts o;
    struct amg_http *h;
    int i;

    fx_setup(&o);
    h = fx_client(&o);
    fx_push_token("tok-shared");
    for (i = 0; i < WORKERS * PER_WORKER; i++)
        fx_push_api(200, "{\"applications\":[]}", NULL);
    for (i = 0; i < WORKERS; i++) {
        workers[i].h = h;
        workers[i].ok = 0;
        CU_ASSERT_FATAL(pthread_create(&tid[i], NULL, get_many, &workers[i]) == 0);
    }
    for (i = 0; i < WORKERS; i++) {
        pthread_join(tid[i], NULL);
        CU_ASSERT_EQUAL(workers[i].ok, PER_WORKER);
    }
    /* One token for everybody; every request answered once. */
    CU_ASSERT_EQUAL(testhttpd_count_iam(&srv), 1);
    CU_ASSERT_EQUAL(srv.nseen, 1 + WORKERS * PER_WORKER);
    CU_ASSERT_EQUAL(amg_http_stats(h)->requests, 1 + WORKERS * PER_WORKER);
    fx_teardown(h);
}

static const struct amg_test tests[] = {
    { "plain http only to loopback", test_check_url },
    { "amg_http_new refuses plain http and odd tenants", test_new_refuses_plain_http },
    { "token fetched once; form body and headers", test_token_reused_and_headers },
    { "JSON round trip for each method, URL joining", test_json_round_trip },
    { "invalid requests send nothing", test_invalid_requests },
    { "token refreshed at 80 % of its lifetime", test_refresh_after_expiry },
    { "authenticate fetches once", test_authenticate_caches },
    { "401 refreshes the token once; 403 is final", test_401_refresh },
    { "IAM 400 is AMG_EAUTH and the key is not logged", test_iam_refuses_key },
    { "non-JSON bodies give a NULL response", test_non_json },
    { "concurrent callers share one client", test_concurrent_callers },
    { NULL, NULL },
};

int main(void)
{
    return amg_test_main("http", tests);
}

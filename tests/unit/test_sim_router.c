#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <jansson.h>
#include "appid-migrate/plugin.h"
#include "iam.h"
#include "request.h"
#include "router.h"
#include "tenant.h"
#include "testutil.h"

#define BASE "http://127.0.0.1:1234"

static struct sim_tenants *tenants;
static struct sim_iam *iam;
static struct sim_env env;
static char auth[2048];

static void setup(void)
{
    char *tok = NULL;

    tenants = sim_tenants_new();
    iam = sim_iam_new("router-key", 3600);
    sim_tenants_add(tenants, "t1", NULL);
    sim_tenants_add(tenants, "t2", NULL);
    env.tenants = tenants;
    env.iam = iam;
    env.base_url = BASE;
    env.region = "us-south";
    sim_iam_issue(iam, time(NULL), &tok);
    snprintf(auth, sizeof(auth), "Bearer %s", tok ? tok : "");
    free(tok);
}

static void teardown(void)
{
    sim_iam_free(iam);
    sim_tenants_free(tenants);
}

/* Run one request; the reply body is returned as a new NUL-terminated
 * string ("" for none) and the status through *status. */
static char *call(const char *method, const char *path, const char *authz, const char *ctype,
                  const char *body, int *status)
{
    struct sim_request req;
    struct sim_reply rep;
    char *text;

    memset(&req, 0, sizeof(req));
    memset(&rep, 0, sizeof(rep));
    req.method = method;
    req.path = path;
    req.authorization = authz;
    req.content_type = ctype;
    req.body = body;
    req.body_len = body ? strlen(body) : 0;
    sim_route(&env, &req, &rep);
    *status = rep.status;
    text = strndup(rep.body ? rep.body : "", rep.body_len);
    sim_reply_clear(&rep);
    return text;
}

static const struct {
    const char *method, *path;
    int with_auth;
    const char *ctype, *body;
    int status;
    const char *reply;   /* exact body, or NULL to skip */
} cases[] = {
    { "GET", "/management/v4/t1/config/ui/theme_color", 1, NULL, NULL, 200,
      "{\"headerColor\":\"#EEF2F5\"}" },
    { "GET", "/management/v4/t1/config/ui/theme_color", 0, NULL, NULL, 401,
      "{\"error\":\"Unauthorized\",\"message\":\"missing Authorization header\","
      "\"status\":401}" },
    { "GET", "/management/v4/zz/config/tokens", 1, NULL, NULL, 404, "Not Found" },
    { "GET", "/management/v4/", 1, NULL, NULL, 404, "Not Found" },
    { "GET", "/management/v4/t1", 1, NULL, NULL, 404,
      "{\"error\":\"Not Found\",\"message\":\"no such endpoint: GET /\",\"status\":404}" },
    { "GET", "/management/v4/a%2Fb/config/tokens", 1, NULL, NULL, 404, "Not Found" },
    { "GET", "/other", 1, NULL, NULL, 404,
      "{\"error\":\"Not Found\",\"message\":\"no such endpoint: GET /other\","
      "\"status\":404}" },
    { "PUT", "/management/v4/t1/config/users_profile", 1, "application/json",
      "{\"isActive\":false}", 204, "" },
    { "GET", "/management/v4/t1/config/users_profile", 1, NULL, NULL, 200,
      "{\"isActive\":false}" },
    { "GET", "/management/v4/t2/config/users_profile", 1, NULL, NULL, 200,
      "{\"isActive\":true}" },
    { "PUT", "/management/v4/t1/config/users_profile", 1, "text/json", "{}", 415, NULL },
    { "PUT", "/management/v4/t1/config/users_profile", 1, NULL, "{}", 415, NULL },
    { "PUT", "/management/v4/t1/config/users_profile", 1, "application/json", "{", 400, NULL },
    { "PUT", "/management/v4/t1/config/users_profile", 1, "application/json", "{}", 400,
      "{\"error\":\"Bad Request\",\"message\":\"missing required field 'isActive'\","
      "\"status\":400}" },
    { "HEAD", "/management/v4/t1/config/users_profile", 1, NULL, NULL, 405, NULL },
    { "PUT", "/management/v4/t1/config/idps/facebook", 1, "application/json",
      "{\"isActive\":true,\"redirectURL\":\"x\"}", 200,
      "{\"isActive\":true,\"redirectURL\":\"" BASE "/oauth/v4/t1/facebook/callback\"}" },
    { "PUT", "/management/v4/t1/config/cloud_directory/sso", 1, "application/json",
      "{\"isActive\":true,\"inactivityTimeoutSeconds\":5,\"logoutRedirectUris\":[]}", 201,
      "{\"inactivityTimeoutSeconds\":5,\"isActive\":true,\"logoutRedirectUris\":[]}" },
    { "POST", "/identity/token", 0, "application/x-www-form-urlencoded",
      "grant_type=urn:ibm:params:oauth:grant-type:apikey&apikey=wrong", 400, NULL },
};

static void test_table(void)
{
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int status = 0;
        char *body = call(cases[i].method, cases[i].path, cases[i].with_auth ? auth : NULL,
                          cases[i].ctype, cases[i].body, &status);

        CU_ASSERT_EQUAL(status, cases[i].status);
        if (cases[i].reply)
            CU_ASSERT_STRING_EQUAL(body, cases[i].reply);
        if (status != cases[i].status)
            fprintf(stderr, "case %zu: %s %s -> %d %s\n", i, cases[i].method, cases[i].path,
                    status, body);
        free(body);
    }
}

static void test_too_large_wins(void)
{
    struct sim_request req;
    struct sim_reply rep;

    memset(&req, 0, sizeof(req));
    memset(&rep, 0, sizeof(rep));
    req.method = "PUT";
    req.path = "/management/v4/t1/config/tokens";
    req.body_too_large = 1;
    sim_route(&env, &req, &rep);
    CU_ASSERT_EQUAL(rep.status, 413);
    sim_reply_clear(&rep);
}

/* Every PUT of tokens echoes what GET returns afterwards. */
static void test_tokens_merge(void)
{
    int status = 0;
    char *put = call("PUT", "/management/v4/t2/config/tokens", auth, "application/json",
                     "{\"refresh\":{\"enabled\":true,\"expires_in\":90000}}", &status);
    char *get;

    CU_ASSERT_EQUAL(status, 200);
    get = call("GET", "/management/v4/t2/config/tokens", auth, NULL, NULL, &status);
    CU_ASSERT_STRING_EQUAL(put, get);
    CU_ASSERT_STRING_EQUAL(get,
        "{\"access\":{\"expires_in\":3600},"
        "\"anonymousAccess\":{\"enabled\":true,\"expires_in\":2592000},"
        "\"refresh\":{\"enabled\":true,\"expires_in\":90000}}");
    free(put);
    free(get);
}

static void run_with_fixture(void (*fn)(void))
{
    setup();
    fn();
    teardown();
}

static void t_table(void) { run_with_fixture(test_table); }
static void t_large(void) { run_with_fixture(test_too_large_wins); }
static void t_merge(void) { run_with_fixture(test_tokens_merge); }

static const struct amg_test tests[] = {
    { "routing table", t_table },
    { "oversized body answered 413 first", t_large },
    { "tokens PUT merges defaults", t_merge },
    { NULL, NULL },
};

int main(void)
{
    return amg_test_main("sim_router", tests);
}

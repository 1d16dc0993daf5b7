#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "appid-migrate/plugin.h"
#include "iam.h"
#include "request.h"
#include "testutil.h"

#define KEY "unit-test-key-42"
#define NOW ((time_t)1700000000)

static void test_issue_verify(void)
{
    struct sim_iam *iam = sim_iam_new(KEY, 3600);
    char *tok = NULL;

    CU_ASSERT_PTR_NOT_NULL_FATAL(iam);
    CU_ASSERT_EQUAL(sim_iam_issue(iam, NOW, &tok), AMG_OK);
    CU_ASSERT_PTR_NOT_NULL_FATAL(tok);
    CU_ASSERT_EQUAL(sim_iam_verify(iam, tok, NOW), AMG_OK);
    CU_ASSERT_EQUAL(sim_iam_verify(iam, tok, NOW + 3599), AMG_OK);
    /* exp is exclusive. */
    CU_ASSERT_EQUAL(sim_iam_verify(iam, tok, NOW + 3600), AMG_EAUTH);
    free(tok);
    sim_iam_free(iam);
}

static void test_ttl_zero_is_expired(void)
{
    struct sim_iam *iam = sim_iam_new(KEY, 0);
    char *tok = NULL;

    CU_ASSERT_EQUAL_FATAL(sim_iam_issue(iam, NOW, &tok), AMG_OK);
    CU_ASSERT_EQUAL(sim_iam_verify(iam, tok, NOW), AMG_EAUTH);
    free(tok);
    sim_iam_free(iam);
}

static void test_forgeries(void)
{
    struct sim_iam *a = sim_iam_new(KEY, 3600);
    struct sim_iam *b = sim_iam_new(KEY, 3600);
    char *tok = NULL;
    char *bad;
    char *dot;
    size_t i;

    CU_ASSERT_EQUAL_FATAL(sim_iam_issue(a, NOW, &tok), AMG_OK);
    /* Another instance has another secret. */
    CU_ASSERT_EQUAL(sim_iam_verify(b, tok, NOW), AMG_EAUTH);
    /* Any single changed character of any part breaks the token. */
    bad = strdup(tok);
    for (i = 0; i < strlen(tok); i++) {
        if (tok[i] == '.')
            continue;
        bad[i] = tok[i] == 'A' ? 'B' : 'A';
        CU_ASSERT_EQUAL(sim_iam_verify(a, bad, NOW), AMG_EAUTH);
        bad[i] = tok[i];
    }
    CU_ASSERT_EQUAL(sim_iam_verify(a, bad, NOW), AMG_OK);
    /* Dropping the signature or adding a part fails too. */
    dot = strrchr(bad, '.');
    dot[1] = '\0';
    CU_ASSERT_EQUAL(sim_iam_verify(a, bad, NOW), AMG_EAUTH);
    dot[0] = '\0';
    CU_ASSERT_EQUAL(sim_iam_verify(a, bad, NOW), AMG_EAUTH);
    CU_ASSERT_EQUAL(sim_iam_verify(a, "", NOW), AMG_EAUTH);
    CU_ASSERT_EQUAL(sim_iam_verify(a, "a.b.c", NOW), AMG_EAUTH);
    CU_ASSERT_EQUAL(sim_iam_verify(a, "...", NOW), AMG_EAUTH);
    CU_ASSERT_EQUAL(sim_iam_verify(a, "a.b.c.d", NOW), AMG_EAUTH);
    free(bad);
    free(tok);
    sim_iam_free(a);
    sim_iam_free(b);
}

static void test_bearer_header(void)
{
    struct sim_iam *iam = sim_iam_new(KEY, 3600);
    const char *why = NULL;
    char header[2048];
    char *tok = NULL;

    CU_ASSERT_EQUAL_FATAL(sim_iam_issue(iam, NOW, &tok), AMG_OK);
    snprintf(header, sizeof(header), "Bearer %s", tok);
    CU_ASSERT_EQUAL(sim_iam_check_bearer(iam, header, NOW, &why), AMG_OK);
    CU_ASSERT_PTR_NULL(why);
    snprintf(header, sizeof(header), "bearer   %s", tok);
    CU_ASSERT_EQUAL(sim_iam_check_bearer(iam, header, NOW, &why), AMG_OK);
    CU_ASSERT_EQUAL(sim_iam_check_bearer(iam, NULL, NOW, &why), AMG_EAUTH);
    CU_ASSERT_STRING_EQUAL(why, "missing Authorization header");
    snprintf(header, sizeof(header), "Basic %s", tok);
    CU_ASSERT_EQUAL(sim_iam_check_bearer(iam, header, NOW, &why), AMG_EAUTH);
    CU_ASSERT_STRING_EQUAL(why, "Authorization header is not a Bearer token");
    CU_ASSERT_EQUAL(sim_iam_check_bearer(iam, "Bearer ", NOW, &why), AMG_EAUTH);
    CU_ASSERT_STRING_EQUAL(why, "invalid or expired access token");
    free(tok);
    sim_iam_free(iam);
}

static void test_form_decode(void)
{
    static const struct {
        const char *in;
        const char *out;   /* NULL: must be rejected */
    } cases[] = {
        { "abc", "abc" },
        { "a+b", "a b" },
        { "urn%3Aibm%3aparams", "urn:ibm:params" },
        { "%41%42", "AB" },
        { "", "" },
        { "%", NULL },
        { "%4", NULL },
        { "%zz", NULL },
        { "a%00b", NULL },
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *out = NULL;
        int rc = sim_form_decode(cases[i].in, strlen(cases[i].in), &out);

        if (cases[i].out) {
            CU_ASSERT_EQUAL(rc, AMG_OK);
            CU_ASSERT_STRING_EQUAL(out, cases[i].out);
        } else {
            CU_ASSERT_EQUAL(rc, AMG_EINVAL);
            CU_ASSERT_PTR_NULL(out);
        }
        free(out);
    }
}

/* POST /identity/token through the handler, without a server. */
static void token_request(const struct sim_iam *iam, const char *method, const char *ctype,
                          const char *body, struct sim_reply *rep)
{
    struct sim_request req;

    memset(&req, 0, sizeof(req));
    memset(rep, 0, sizeof(*rep));
    req.method = method;
    req.path = "/identity/token";
    req.content_type = ctype;
    req.body = body;
    req.body_len = strlen(body);
    sim_iam_handle_token(iam, &req, rep);
}

static const char *error_code(const struct sim_reply *rep, json_t **doc)
{
    *doc = json_loadb(rep->body, rep->body_len, 0, NULL);
    return json_string_value(json_object_get(*doc, "errorCode"));
}

static void test_token_endpoint(void)
{
    static const char form[] = "application/x-www-form-urlencoded";
    static const struct {
        const char *method, *ctype, *body;
        int status;
        const char *code;   /* NULL on success */
    } cases[] = {
        { "POST", form, "grant_type=urn:ibm:params:oauth:grant-type:apikey&apikey=" KEY,
          200, NULL },
        { "POST", "application/x-www-form-urlencoded; charset=utf-8",
          "apikey=" KEY "&response_type=cloud_iam"
          "&grant_type=urn%3Aibm%3Aparams%3Aoauth%3Agrant-type%3Aapikey", 200, NULL },
        { "POST", form, "grant_type=urn:ibm:params:oauth:grant-type:apikey&apikey=nope",
          400, "BXNIM0415E" },
        { "POST", form, "grant_type=urn:ibm:params:oauth:grant-type:apikey&apikey=" KEY "x",
          400, "BXNIM0415E" },
        { "POST", form, "grant_type=urn:ibm:params:oauth:grant-type:apikey", 400,
          "BXNIM0109E" },
        { "POST", form, "grant_type=&apikey=" KEY, 400, "BXNIM0109E" },
        { "POST", form, "grant_type=password&apikey=" KEY, 400, "BXNIM0104E" },
        { "POST", "application/json", "{\"apikey\":\"" KEY "\"}", 400, "BXNIM0109E" },
        { "POST", NULL, "", 400, "BXNIM0109E" },
        { "GET", NULL, "", 405, "BXNIM0105E" },
    };
    struct sim_iam *iam = sim_iam_new(KEY, 1200);
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct sim_reply rep;
        json_t *doc = NULL;
        const char *code;

        token_request(iam, cases[i].method, cases[i].ctype, cases[i].body, &rep);
        CU_ASSERT_EQUAL(rep.status, cases[i].status);
        CU_ASSERT_STRING_EQUAL(rep.content_type, "application/json");
        code = error_code(&rep, &doc);
        if (cases[i].code) {
            CU_ASSERT_PTR_NOT_NULL(code);
            if (code)
                CU_ASSERT_STRING_EQUAL(code, cases[i].code);
            CU_ASSERT_PTR_NULL(strstr(rep.body, KEY));
        } else {
            const char *tok = json_string_value(json_object_get(doc, "access_token"));

            CU_ASSERT_PTR_NULL(code);
            CU_ASSERT_PTR_NOT_NULL(tok);
            CU_ASSERT_EQUAL(sim_iam_verify(iam, tok, time(NULL)), AMG_OK);
            CU_ASSERT_EQUAL(json_integer_value(json_object_get(doc, "expires_in")), 1200);
            CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(doc, "token_type")),
                                   "Bearer");
        }
        json_decref(doc);
        sim_reply_clear(&rep);
    }
    sim_iam_free(iam);
}

static const struct amg_test tests[] = {
    { "issue and verify", test_issue_verify },
    { "ttl 0 issues expired tokens", test_ttl_zero_is_expired },
    { "forged and malformed tokens", test_forgeries },
    { "Authorization header", test_bearer_header },
    { "form decoding", test_form_decode },
    { "token endpoint", test_token_endpoint },
    { NULL, NULL },
};

int main(void)
{
    return amg_test_main("sim_iam", tests);
}

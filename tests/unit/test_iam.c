#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "appid-migrate/plugin.h"
#include "iam.h"
#include "testutil.h"

#define EPS 1e-9
#define T0 1700000000.0

static void test_parse(void)
{
    static const struct {
        const char *body;
        int want_rc;
        double expires_in;
        double expiration;
    } cases[] = {
        { "{\"access_token\":\"tok-a\",\"expires_in\":3600,\"expiration\":1700003600}",
          AMG_OK, 3600, 1700003600 },
        /* One lifetime field is enough: the other is derived. */
        { "{\"access_token\":\"tok-a\",\"expires_in\":1200}", AMG_OK, 1200, T0 + 1200 },
        { "{\"access_token\":\"tok-a\",\"expiration\":1700000600}", AMG_OK, 600, T0 + 600 },
        { "{\"access_token\":\"tok-a\",\"expires_in\":3600.0,\"expiration\":1700001000}",
          AMG_OK, 3600, 1700001000 },
        { "{\"access_token\":\"tok-a\"}", AMG_EPROTO, 0, 0 },
        { "{\"access_token\":\"\",\"expires_in\":3600}", AMG_EPROTO, 0, 0 },
        { "{\"access_token\":42,\"expires_in\":3600}", AMG_EPROTO, 0, 0 },
        { "{\"expires_in\":3600}", AMG_EPROTO, 0, 0 },
        { "{\"access_token\":\"tok-a\",\"expires_in\":\"3600\"}", AMG_EPROTO, 0, 0 },
        { "[\"access_token\"]", AMG_EPROTO, 0, 0 },
        { "<html>gateway timeout</html>", AMG_EPROTO, 0, 0 },
        { "", AMG_EPROTO, 0, 0 },
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct amg_iam_token tok = { 0 };
        int rc = amg_iam_token_parse(cases[i].body, strlen(cases[i].body), T0, &tok);

        CU_ASSERT_EQUAL(rc, cases[i].want_rc);
        if (rc != cases[i].want_rc)
            fprintf(stderr, "case %zu: rc %d\n", i, rc);
        if (cases[i].want_rc == AMG_OK && rc == AMG_OK) {
            CU_ASSERT_STRING_EQUAL(tok.access_token, "tok-a");
            CU_ASSERT_DOUBLE_EQUAL(tok.obtained, T0, EPS);
            CU_ASSERT_DOUBLE_EQUAL(tok.expires_in, cases[i].expires_in, EPS);
            CU_ASSERT_DOUBLE_EQUAL(tok.expiration, cases[i].expiration, EPS);
            CU_ASSERT_EQUAL(tok.generation, 1);
        } else {
            CU_ASSERT_PTR_NULL(tok.access_token);
            CU_ASSERT_EQUAL(tok.generation, 0);
        }
        amg_iam_token_clear(&tok);
    }
}

static void test_replace_keeps_old_on_failure(void)
{
    static const char good1[] = "{\"access_token\":\"first\",\"expires_in\":3600}";
    static const char good2[] = "{\"access_token\":\"second\",\"expires_in\":60}";
    static const char bad[] = "{\"error\":1}";
    struct amg_iam_token tok = { 0 };

    CU_ASSERT_EQUAL(amg_iam_token_parse(good1, strlen(good1), T0, &tok), AMG_OK);
    CU_ASSERT_EQUAL(amg_iam_token_parse(bad, strlen(bad), T0 + 5, &tok), AMG_EPROTO);
    CU_ASSERT_STRING_EQUAL(tok.access_token, "first");
    CU_ASSERT_EQUAL(tok.generation, 1);
    CU_ASSERT_EQUAL(amg_iam_token_parse(good2, strlen(good2), T0 + 9, &tok), AMG_OK);
    CU_ASSERT_STRING_EQUAL(tok.access_token, "second");
    CU_ASSERT_DOUBLE_EQUAL(tok.obtained, T0 + 9, EPS);
    CU_ASSERT_EQUAL(tok.generation, 2);
    amg_iam_token_clear(&tok);
    CU_ASSERT_PTR_NULL(tok.access_token);
    CU_ASSERT_EQUAL(tok.generation, 2);
    CU_ASSERT_FALSE(amg_iam_token_usable(&tok, T0));
}

static void test_usable(void)
{
    static const struct {
        double expires_in;
        double expiration;   /* relative to T0 */
        double at;           /* relative to T0 */
        int want;
    } cases[] = {
        { 3600, 3600, 0, 1 },
        { 3600, 3600, 2880, 1 },        /* exactly 80 % */
        { 3600, 3600, 2880.5, 0 },      /* past 80 % */
        { 3600, 3600, 3599, 0 },
        /* expiration earlier than expires_in claims: the 10 s margin wins */
        { 3600, 100, 89, 1 },
        { 3600, 100, 90, 1 },
        { 3600, 100, 90.5, 0 },
        { 3600, 5, 0, 0 },
        { 100, 100, 80, 1 },
        { 100, 100, 81, 0 },
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char body[160];
        struct amg_iam_token tok = { 0 };
        int got;

        snprintf(body, sizeof(body),
                 "{\"access_token\":\"tok\",\"expires_in\":%.0f,\"expiration\":%.0f}",
                 cases[i].expires_in, T0 + cases[i].expiration);
        CU_ASSERT_EQUAL_FATAL(amg_iam_token_parse(body, strlen(body), T0, &tok), AMG_OK);
        got = amg_iam_token_usable(&tok, T0 + cases[i].at);
        CU_ASSERT_EQUAL(got, cases[i].want);
        if (got != cases[i].want)
            fprintf(stderr, "case %zu: usable %d\n", i, got);
        amg_iam_token_clear(&tok);
    }
}

static void test_error_message(void)
{
    static const struct {
        const char *body;
        const char *want;
    } cases[] = {
        { "{\"errorCode\":\"BXNIM0415E\",\"errorMessage\":\"Provided API key could not be found\"}",
          "Provided API key could not be found" },
        { "{\"errorCode\":\"BXNIM0415E\"}", NULL },
        { "{\"errorMessage\":\"\"}", NULL },
        { "{\"errorMessage\":7}", NULL },
        { "Bad Request", NULL },
        { "", NULL },
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *got = amg_iam_error_message(cases[i].body, strlen(cases[i].body));

        if (cases[i].want) {
            CU_ASSERT(got && strcmp(got, cases[i].want) == 0);
        } else {
            CU_ASSERT_PTR_NULL(got);
        }
        free(got);
    }
}

static const struct amg_test tests[] = {
    { "parse IAM token answers", test_parse },
    { "a failed parse keeps the cached token", test_replace_keeps_old_on_failure },
    { "refresh at 80 % of the lifetime or 10 s before expiry", test_usable },
    { "errorMessage from IAM error bodies", test_error_message },
    { NULL, NULL },
};

int main(void)
{
    return amg_test_main("iam", tests);
}

#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "log.h"
#include "s3_url.h"
#include "testutil.h"

/* Silence expected error lines; returns what was logged (caller frees). */
static FILE *cap;
static char *cap_buf;
static size_t cap_len;

static void quiet_begin(void)
{
    cap = open_memstream(&cap_buf, &cap_len);
    CU_ASSERT_FATAL(cap != NULL);
    amg_log_set_stream(cap);
}

static char *quiet_end(void)
{
    amg_log_set_stream(NULL);
    fclose(cap);
    return cap_buf;
}

static void test_url_parse(void)
{
    static const struct {
        const char *url;
        const char *bucket;     /* NULL: refused */
        const char *prefix;
    } cases[] = {
        { "s3://testbucket", "testbucket", "" },
        { "s3://testbucket/", "testbucket", "" },
        { "s3://testbucket/backups", "testbucket", "backups/" },
        { "s3://testbucket/backups/", "testbucket", "backups/" },
        { "s3://my.bucket-1/a b/ü", "my.bucket-1", "a b/ü/" },
        { "s3://abc/x", "abc", "x/" },
        { "s3://ab/x", NULL, NULL },                /* too short */
        { "s3://Upper/x", NULL, NULL },
        { "s3://-bucket/x", NULL, NULL },
        { "s3://bucket-/x", NULL, NULL },
        { "s3://bu..cket/x", NULL, NULL },
        { "s3://bu_cket/x", NULL, NULL },
        { "s3:///x", NULL, NULL },
        { "s3://bucket//x", NULL, NULL },           /* empty segment */
        { "s3://bucket/a/../b", NULL, NULL },
        { "s3://bucket/a\nb", NULL, NULL },
        { "https://bucket/x", NULL, NULL },
        { "bucket/x", NULL, NULL },
        { NULL, NULL, NULL },
    };
    size_t i;

    quiet_begin();
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *b = (char *)"x", *p = (char *)"x";
        int rc = amg_s3_url_parse(cases[i].url, &b, &p);

        if (cases[i].bucket) {
            CU_ASSERT_EQUAL(rc, AMG_OK);
            CU_ASSERT(b && strcmp(b, cases[i].bucket) == 0);
            CU_ASSERT(p && strcmp(p, cases[i].prefix) == 0);
        } else {
            CU_ASSERT_EQUAL(rc, AMG_ECONFIG);
            CU_ASSERT_PTR_NULL(b);
            CU_ASSERT_PTR_NULL(p);
        }
        if (rc != AMG_OK && cases[i].bucket)
            fprintf(stderr, "case %zu (%s) refused\n", i, cases[i].url);
        free(b);
        free(p);
    }
    free(quiet_end());
}

static void test_key_rules(void)
{
    static const struct {
        const char *key;
        int ok;
        int prefix_ok;
    } cases[] = {
        { "prod-20261123T224000Z/manifest.json", 1, 1 },
        { "dir one/ü file+&=?#%.txt", 1, 1 },
        { "a&b<c>'\"~*()!@$,;:", 1, 1 },
        { ".hidden/..dots../x.", 1, 1 },
        { "folder/", 0, 1 },
        { "", 0, 1 },
        { "/abs", 0, 0 },
        { "a//b", 0, 0 },
        { "a/./b", 0, 0 },
        { "a/..", 0, 0 },
        { "..", 0, 0 },
        { "tab\there", 0, 0 },
        { "del\x7f", 0, 0 },
        { "bad\xff" "utf8", 0, 0 },
        { "overlong\xc0\xaf", 0, 0 },
        { "surrogate\xed\xa0\x80", 0, 0 },
        { "cut\xe2\x82", 0, 0 },
        { "euro\xe2\x82\xac and \xf0\x9f\x98\x80", 1, 1 },
    };
    char *longkey = malloc(AMG_S3_KEY_MAX + 2);
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        CU_ASSERT_EQUAL(amg_s3_key_ok(cases[i].key), cases[i].ok);
        CU_ASSERT_EQUAL(amg_s3_prefix_ok(cases[i].key), cases[i].prefix_ok);
    }
    CU_ASSERT_EQUAL(amg_s3_key_ok(NULL), 0);
    CU_ASSERT_FATAL(longkey != NULL);
    memset(longkey, 'k', AMG_S3_KEY_MAX);
    longkey[AMG_S3_KEY_MAX] = '\0';
    CU_ASSERT_EQUAL(amg_s3_key_ok(longkey), 1);
    longkey[AMG_S3_KEY_MAX] = 'k';
    longkey[AMG_S3_KEY_MAX + 1] = '\0';
    CU_ASSERT_EQUAL(amg_s3_key_ok(longkey), 0);
    free(longkey);
}

static void test_endpoint_check(void)
{
    static const struct {
        const char *endpoint;
        const char *base;       /* NULL: refused */
        const char *why;
    } cases[] = {
        { "https://s3.eu-de.cloud-object-storage.appdomain.cloud",
          "https://s3.eu-de.cloud-object-storage.appdomain.cloud", NULL },
        { "https://s3.example.com:8443/", "https://s3.example.com:8443", NULL },
        { "http://127.0.0.1:4568", "http://127.0.0.1:4568", NULL },
        { "http://127.1.2.3:9", "http://127.1.2.3:9", NULL },
        { "http://localhost:4568/", "http://localhost:4568", NULL },
        { "http://[::1]:4568", "http://[::1]:4568", NULL },
        { "http://s3.example.com", NULL, "plain http is only allowed to a loopback host" },
        { "http://10.0.0.1:80", NULL, "plain http is only allowed to a loopback host" },
        { "http://128.0.0.1", NULL, "plain http is only allowed to a loopback host" },
        { "http://localhost.example.com", NULL, "plain http" },
        { "https://user:pw@s3.example.com", NULL, "no user, path or query" },
        { "https://s3.example.com/bucket", NULL, "no user, path or query" },
        { "https://s3.example.com/?x=1", NULL, "no user, path or query" },
        { "ftp://s3.example.com", NULL, "must be an http:// or https:// URL" },
        { "", NULL, "s3 endpoint is not set" },
        { "not a url at all", NULL, "s3 endpoint" },
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *base = NULL;
        char *log;
        int rc;

        quiet_begin();
        rc = amg_s3_endpoint_check(cases[i].endpoint, &base);
        log = quiet_end();
        if (cases[i].base) {
            CU_ASSERT_EQUAL(rc, AMG_OK);
            CU_ASSERT(base && strcmp(base, cases[i].base) == 0);
        } else {
            CU_ASSERT_EQUAL(rc, AMG_ECONFIG);
            CU_ASSERT_PTR_NULL(base);
            CU_ASSERT_PTR_NOT_NULL(strstr(log, cases[i].why));
        }
        free(base);
        free(log);
    }
}

static void test_loopback(void)
{
    CU_ASSERT(amg_s3_host_is_loopback("localhost"));
    CU_ASSERT(amg_s3_host_is_loopback("LOCALHOST"));
    CU_ASSERT(amg_s3_host_is_loopback("127.0.0.1"));
    CU_ASSERT(amg_s3_host_is_loopback("127.255.255.254"));
    CU_ASSERT(amg_s3_host_is_loopback("::1"));
    CU_ASSERT(amg_s3_host_is_loopback("[::1]"));
    CU_ASSERT(!amg_s3_host_is_loopback("[::2]"));
    CU_ASSERT(!amg_s3_host_is_loopback("126.0.0.1"));
    CU_ASSERT(!amg_s3_host_is_loopback("0.0.0.0"));
    CU_ASSERT(!amg_s3_host_is_loopback("127.0.0.1.nip.io"));
    CU_ASSERT(!amg_s3_host_is_loopback(NULL));
}

static void test_uri_encode(void)
{
    static const struct {
        const char *in;
        int keep_slash;
        const char *want;
    } cases[] = {
        { "AZaz09-._~", 0, "AZaz09-._~" },
        { "dir one/ü+&=?#%.txt", 1, "dir%20one/%C3%BC%2B%26%3D%3F%23%25.txt" },
        { "dir one/ü", 0, "dir%20one%2F%C3%BC" },
        { "*'()!$,;:@[]", 0, "%2A%27%28%29%21%24%2C%3B%3A%40%5B%5D" },
        { "", 0, "" },
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *got = amg_s3_uri_encode(cases[i].in, cases[i].keep_slash);

        CU_ASSERT(got && strcmp(got, cases[i].want) == 0);
        free(got);
    }
}

static const struct amg_test tests[] = {
    { "s3:// locations", test_url_parse },
    { "object key and prefix rules", test_key_rules },
    { "endpoint checks (https, loopback-only http)", test_endpoint_check },
    { "loopback hosts", test_loopback },
    { "RFC 3986 encoding", test_uri_encode },
    { NULL, NULL },
};

int main(void)
{
    return amg_test_main("s3_url", tests);
}

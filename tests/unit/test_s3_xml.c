#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "log.h"
#include "s3_xml.h"
#include "testutil.h"

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

static void test_decode(void)
{
    static const struct {
        const char *in;
        const char *want;       /* NULL: refused */
    } cases[] = {
        { "plain", "plain" },
        { "", "" },
        { "a &amp; b &lt;c&gt; &quot;q&quot; &apos;s&apos;", "a & b <c> \"q\" 's'" },
        { "&#65;&#x42;&#X43;", NULL },                 /* &#X is not XML */
        { "&#65;&#x42;&#x43;", "ABC" },
        { "cr&#13;lf&#xA;", "cr\rlf\n" },
        { "&#xFC;&#x20AC;&#x1F600;", "\xc3\xbc\xe2\x82\xac\xf0\x9f\x98\x80" },
        { "&amp;amp;", "&amp;" },
        { "&nbsp;", NULL },
        { "&amp", NULL },
        { "a & b", NULL },
        { "&#0;", NULL },
        { "&#xD800;", NULL },
        { "&#x110000;", NULL },
        { "&#;", NULL },
        { "&#x;", NULL },
        { "&#12a;", NULL },
        { "a<b", NULL },
        { "&verylongentityname;", NULL },
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *got = amg_s3_xml_decode(cases[i].in, strlen(cases[i].in));

        if (cases[i].want) {
            CU_ASSERT(got && strcmp(got, cases[i].want) == 0);
        } else {
            CU_ASSERT_PTR_NULL(got);
        }
        free(got);
    }
    /* Length-bounded: text need not be NUL-terminated. */
    {
        char *got = amg_s3_xml_decode("abc&amp;", 3);

        CU_ASSERT(got && strcmp(got, "abc") == 0);
        free(got);
    }
}

/* Collects "key=size;" for every object. */
struct seen {
    char text[1024];
    int stop_at;                /* return 42 on this object (1-based), 0: never */
    int n;
};

static int collect(void *ud, const char *key, long long size)
{
    struct seen *s = ud;
    size_t used = strlen(s->text);

    snprintf(s->text + used, sizeof(s->text) - used, "%s=%lld;", key, size);
    s->n++;
    return s->n == s->stop_at ? 42 : 0;
}

#define HEAD "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" \
    "<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">" \
    "<Name>b</Name><Prefix>p/</Prefix><KeyCount>2</KeyCount><MaxKeys>2</MaxKeys>"

static void test_list_pages(void)
{
    static const struct {
        const char *xml;
        int rc;
        const char *seen;
        int truncated;
        const char *token;
    } cases[] = {
        { HEAD "<IsTruncated>false</IsTruncated></ListBucketResult>", 0, "", 0, NULL },
        { HEAD "<IsTruncated>true</IsTruncated>"
          "<NextContinuationToken>tok&amp;/+=</NextContinuationToken>"
          "<Contents><Key>p/a b&amp;c&lt;&gt;</Key><LastModified>x</LastModified>"
          "<ETag>&quot;e&quot;</ETag><Size>12</Size><StorageClass>STANDARD</StorageClass>"
          "</Contents>\n  <Contents>\n <Key>p/\xc3\xbc&#x2F;&#13;</Key>\n <Size>0</Size>"
          "<Owner><ID>o</ID><DisplayName/></Owner></Contents></ListBucketResult>",
          0, "p/a b&c<>=12;p/\xc3\xbc/\r=0;", 1, "tok&/+=" },
        { HEAD "<Contents><Key>k</Key><Size>5</Size></Contents>"
          "<IsTruncated>false</IsTruncated><NextContinuationToken>ignored"
          "</NextContinuationToken></ListBucketResult>", 0, "k=5;", 0, NULL },
        { HEAD "<IsTruncated>true</IsTruncated></ListBucketResult>", AMG_EPROTO, "", 0, NULL },
        { HEAD "<IsTruncated>maybe</IsTruncated></ListBucketResult>", AMG_EPROTO, "", 0, NULL },
        { HEAD "</ListBucketResult>", AMG_EPROTO, "", 0, NULL },
        { HEAD "<IsTruncated>false</IsTruncated>", AMG_EPROTO, "", 0, NULL },
        { HEAD "<Contents><Key>k</Key><Size>-1</Size></Contents>"
          "<IsTruncated>false</IsTruncated></ListBucketResult>", AMG_EPROTO, "", 0, NULL },
        { HEAD "<Contents><Key>k</Key><Size>1x</Size></Contents>"
          "<IsTruncated>false</IsTruncated></ListBucketResult>", AMG_EPROTO, "", 0, NULL },
        { HEAD "<Contents><Size>1</Size></Contents>"
          "<IsTruncated>false</IsTruncated></ListBucketResult>", AMG_EPROTO, "", 0, NULL },
        { HEAD "<Contents><Key>a&bogus;</Key><Size>1</Size></Contents>"
          "<IsTruncated>false</IsTruncated></ListBucketResult>", AMG_EPROTO, "", 0, NULL },
        { HEAD "<Contents><Key></Key><Size>1</Size></Contents>"
          "<IsTruncated>false</IsTruncated></ListBucketResult>", AMG_EPROTO, "", 0, NULL },
        { HEAD "<Contents><Key>k</Key><Size>1</Size>"
          "<IsTruncated>false</IsTruncated></ListBucketResult>", AMG_EPROTO, "", 0, NULL },
        { "<Error><Code>AccessDenied</Code></Error>", AMG_EPROTO, "", 0, NULL },
        { "", AMG_EPROTO, "", 0, NULL },
    };
    size_t i;

    quiet_begin();
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct seen s = { .text = "" };
        int truncated = -1;
        char *token = (char *)"unset";
        int rc = amg_s3_xml_list_page(cases[i].xml, strlen(cases[i].xml), collect, &s,
                                      &truncated, &token);

        CU_ASSERT_EQUAL(rc, cases[i].rc);
        if (rc != cases[i].rc)
            fprintf(stderr, "case %zu: rc %d\n", i, rc);
        if (rc == AMG_OK) {
            CU_ASSERT_STRING_EQUAL(s.text, cases[i].seen);
            CU_ASSERT_EQUAL(truncated, cases[i].truncated);
            if (cases[i].token) {
                CU_ASSERT(token && strcmp(token, cases[i].token) == 0);
            } else {
                CU_ASSERT_PTR_NULL(token);
            }
        }
        if (token && strcmp(token, "unset") != 0)
            free(token);
    }
    free(quiet_end());
}

static void test_list_stops(void)
{
    static const char xml[] = HEAD
        "<Contents><Key>a</Key><Size>1</Size></Contents>"
        "<Contents><Key>b</Key><Size>2</Size></Contents>"
        "<Contents><Key>c</Key><Size>3</Size></Contents>"
        "<IsTruncated>false</IsTruncated></ListBucketResult>";
    struct seen s = { .text = "", .stop_at = 2 };
    int truncated = 0;
    char *token = NULL;

    CU_ASSERT_EQUAL(amg_s3_xml_list_page(xml, strlen(xml), collect, &s, &truncated, &token),
                    42);
    CU_ASSERT_STRING_EQUAL(s.text, "a=1;b=2;");
    CU_ASSERT_PTR_NULL(token);
}

static void test_error_body(void)
{
    static const char body[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error>"
        "<Code>SignatureDoesNotMatch</Code><Message>The request signature &amp; so on"
        "</Message><StringToSign>AWS4</StringToSign></Error>";
    char *code = NULL, *message = NULL;

    amg_s3_xml_error(body, strlen(body), &code, &message);
    CU_ASSERT(code && strcmp(code, "SignatureDoesNotMatch") == 0);
    CU_ASSERT(message && strcmp(message, "The request signature & so on") == 0);
    free(code);
    free(message);
    amg_s3_xml_error("not xml", 7, &code, &message);
    CU_ASSERT_PTR_NULL(code);
    CU_ASSERT_PTR_NULL(message);
    amg_s3_xml_error(NULL, 0, &code, &message);
    CU_ASSERT_PTR_NULL(code);
    amg_s3_xml_error("<Code>Cut", 9, &code, &message);
    CU_ASSERT_PTR_NULL(code);
}

static const struct amg_test tests[] = {
    { "entity decoding", test_decode },
    { "ListObjectsV2 pages", test_list_pages },
    { "a callback's non-zero return stops the scan", test_list_stops },
    { "error bodies", test_error_body },
    { NULL, NULL },
};

int main(void)
{
    return amg_test_main("s3_xml", tests);
}

/* appid-sim helpers for the media endpoint: strict base64 and the
 * multipart/form-data reader. */
#include <stdlib.h>
#include <string.h>
#include "appid-migrate/plugin.h"
#include "b64.h"
#include "multipart.h"
#include "testutil.h"

static void test_b64_round_trip(void)
{
    static const struct {
        const char *plain, *encoded;
    } cases[] = {
        { "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" }, { "foo", "Zm9v" },
        { "foob", "Zm9vYg==" }, { "<b>hi</b>", "PGI+aGk8L2I+" },
        { "\xff\xfe?", "//4/" },
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *enc = NULL;
        unsigned char *dec = NULL;
        size_t len = 99;

        CU_ASSERT_EQUAL(sim_b64_encode(cases[i].plain, strlen(cases[i].plain), &enc), AMG_OK);
        CU_ASSERT_STRING_EQUAL(enc, cases[i].encoded);
        CU_ASSERT_EQUAL(sim_b64_decode(cases[i].encoded, strlen(cases[i].encoded), &dec, &len),
                        AMG_OK);
        CU_ASSERT_EQUAL(len, strlen(cases[i].plain));
        CU_ASSERT(dec && memcmp(dec, cases[i].plain, len) == 0 && dec[len] == '\0');
        free(enc);
        free(dec);
    }
}

static void test_b64_rejects(void)
{
    static const char *const bad[] = {
        "Zg=", "Zg", "Z===", "====", "Zm9v\n", "Zm 9", "Zg==Zg==", "Zh==", "Zm9=", "Zm-v",
    };
    size_t i;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        unsigned char *dec = (unsigned char *)"x";
        size_t len = 5;

        CU_ASSERT_EQUAL(sim_b64_decode(bad[i], strlen(bad[i]), &dec, &len), AMG_EINVAL);
        CU_ASSERT_PTR_NULL(dec);
        CU_ASSERT_EQUAL(len, 0);
    }
}

static void test_boundary(void)
{
    static const struct {
        const char *ctype;
        const char *want;   /* NULL: rejected */
    } cases[] = {
        { "multipart/form-data; boundary=abc", "abc" },
        { "Multipart/Form-Data;boundary=\"a b;c\"", "a b;c" },
        { "multipart/form-data; charset=x; boundary=z9", "z9" },
        { "multipart/form-data; xboundary=no", NULL },
        { "multipart/form-data", NULL },
        { "multipart/form-data; boundary=", NULL },
        { "multipart/mixed; boundary=abc", NULL },
        { "multipart/form-datax; boundary=abc", NULL },
        { "application/json", NULL },
        { NULL, NULL },
        { "multipart/form-data; boundary="
          "12345678901234567890123456789012345678901234567890123456789012345678901", NULL },
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char b[SIM_BOUNDARY_MAX + 1];
        int rc = sim_multipart_boundary(cases[i].ctype, b);

        if (cases[i].want) {
            CU_ASSERT_EQUAL(rc, AMG_OK);
            CU_ASSERT_STRING_EQUAL(b, cases[i].want);
        } else {
            CU_ASSERT_EQUAL(rc, AMG_EINVAL);
        }
    }
}

#define BODY_TWO_PARTS \
    "preamble\r\n--XX\r\n" \
    "Content-Disposition: form-data; name=\"filename\"\r\n\r\n" \
    "not this\r\n--XX\r\n" \
    "content-disposition: form-data; name=\"file\"; filename=\"logo.png\"\r\n" \
    "Content-Type: image/png\r\n\r\n" \
    "\x89PNG\r\n--X\0bytes\r\n--XX--\r\n"

static void test_find_part(void)
{
    static const char body[] = BODY_TWO_PARTS;
    struct sim_part part;
    char msg[128];

    CU_ASSERT_EQUAL(sim_multipart_find("XX", body, sizeof(body) - 1, "file", &part, msg,
                                       sizeof(msg)), AMG_OK);
    CU_ASSERT_EQUAL(part.len, 15);
    CU_ASSERT(part.data && memcmp(part.data, "\x89PNG\r\n--X\0bytes", 15) == 0);
    CU_ASSERT_STRING_EQUAL(part.filename, "logo.png");
    CU_ASSERT_STRING_EQUAL(part.content_type, "image/png");
    CU_ASSERT_EQUAL(sim_multipart_find("XX", body, sizeof(body) - 1, "filename", &part, msg,
                                       sizeof(msg)), AMG_OK);
    CU_ASSERT_EQUAL(part.len, 8);
    CU_ASSERT_STRING_EQUAL(part.filename, "");
    CU_ASSERT_EQUAL(sim_multipart_find("XX", body, sizeof(body) - 1, "other", &part, msg,
                                       sizeof(msg)), AMG_ENOTFOUND);
}

static void test_malformed(void)
{
    static const char *const bad[] = {
        "",
        "--YY\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nx\r\n--YY--",
        "--XX\r\nContent-Disposition: form-data; name=\"file\"\r\nx\r\n--XX--",
        "--XX\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nx",
        "--XXjunk\r\n\r\nx\r\n--XX--",
    };
    size_t i;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct sim_part part;
        char msg[128] = "";

        CU_ASSERT_EQUAL(sim_multipart_find("XX", bad[i], strlen(bad[i]), "file", &part, msg,
                                           sizeof(msg)), AMG_EINVAL);
        CU_ASSERT_STRING_EQUAL(msg, "malformed multipart/form-data body");
    }
}

static const struct amg_test tests[] = {
    { "base64 round trips", test_b64_round_trip },
    { "base64 rejects non-canonical input", test_b64_rejects },
    { "boundary from Content-Type", test_boundary },
    { "find a part by name", test_find_part },
    { "malformed bodies", test_malformed },
    { NULL, NULL },
};

int main(void)
{
    return amg_test_main("sim_multipart", tests);
}

/* themes plugin: image types and the multipart body of a logo upload. */
#include <stdlib.h>
#include <string.h>
#include "appid-migrate/plugin.h"
#include "themes_map.h"
#include "testutil.h"

static void test_image_type(void)
{
    CU_ASSERT_STRING_EQUAL(amgp_image_type("\x89PNG\r\n\x1a\nrest", 12), "image/png");
    CU_ASSERT_STRING_EQUAL(amgp_image_type("\xff\xd8\xff\xe0", 4), "image/jpeg");
    CU_ASSERT_PTR_NULL(amgp_image_type("\x89PNG\r\n\x1a", 7));
    CU_ASSERT_PTR_NULL(amgp_image_type("GIF89a", 6));
    CU_ASSERT_PTR_NULL(amgp_image_type(NULL, 0));
}

static void test_build(void)
{
    static const char data[] = "\x89PNG\r\n\x1a\n\0--x";
    static const char want[] =
        "--amgB\r\n"
        "Content-Disposition: form-data; name=\"file\"; filename=\"logo.png\"\r\n"
        "Content-Type: image/png\r\n"
        "\r\n"
        "\x89PNG\r\n\x1a\n\0--x"
        "\r\n--amgB--\r\n";
    char *out = NULL;
    size_t len = 0;

    CU_ASSERT_EQUAL(amgp_multipart_build("amgB", "file", "logo.png", "image/png", data,
                                         sizeof(data) - 1, &out, &len), AMG_OK);
    CU_ASSERT_EQUAL(len, sizeof(want) - 1);
    CU_ASSERT(out && memcmp(out, want, sizeof(want) - 1) == 0);
    free(out);
}

static void test_build_refuses(void)
{
    static const char data[] = "abc--amgBdef";
    char *out = (char *)"untouched";
    size_t len = 9;

    /* The data holds the delimiter: another boundary is needed. */
    CU_ASSERT_EQUAL(amgp_multipart_build("amgB", "file", "l.png", "image/png", data,
                                         strlen(data), &out, &len), AMG_EINVAL);
    CU_ASSERT_PTR_NULL(out);
    CU_ASSERT_EQUAL(len, 0);
    CU_ASSERT_EQUAL(amgp_multipart_build("amgC", "file", "l.png", "image/png", data,
                                         strlen(data), &out, &len), AMG_OK);
    free(out);
    CU_ASSERT_EQUAL(amgp_multipart_build("a\"b", "file", "l.png", "image/png", "x", 1, &out,
                                         &len), AMG_EINVAL);
    CU_ASSERT_EQUAL(amgp_multipart_build("ab", "fi\r\nle", "l.png", "image/png", "x", 1, &out,
                                         &len), AMG_EINVAL);
    CU_ASSERT_EQUAL(amgp_multipart_build("", "file", "l.png", "image/png", "x", 1, &out,
                                         &len), AMG_EINVAL);
    CU_ASSERT_EQUAL(amgp_multipart_build("ab", "file", NULL, "image/png", "x", 1, &out,
                                         &len), AMG_EINVAL);
}

static void test_boundary(void)
{
    char a[AMGP_BOUNDARY_LEN + 1], b[AMGP_BOUNDARY_LEN + 1], small[8];
    size_t i;

    CU_ASSERT_EQUAL(amgp_random_boundary(a, sizeof(a)), AMG_OK);
    CU_ASSERT_EQUAL(amgp_random_boundary(b, sizeof(b)), AMG_OK);
    CU_ASSERT_EQUAL(strlen(a), AMGP_BOUNDARY_LEN);
    CU_ASSERT_EQUAL(strncmp(a, "amg", 3), 0);
    for (i = 3; i < AMGP_BOUNDARY_LEN; i++)
        CU_ASSERT_PTR_NOT_NULL(strchr("0123456789abcdef", a[i]));
    /* 128 random bits: equal only if the generator is broken. */
    CU_ASSERT_STRING_NOT_EQUAL(a, b);
    CU_ASSERT_EQUAL(amgp_random_boundary(small, sizeof(small)), AMG_EINVAL);
}

static const struct amg_test tests[] = {
    { "image type by magic bytes", test_image_type },
    { "multipart body byte for byte", test_build },
    { "unsafe arguments refused", test_build_refuses },
    { "random boundary", test_boundary },
    { NULL, NULL },
};

int main(void)
{
    return amg_test_main("plugin_themes", tests);
}

/* idps plugin: the bodies restored into the target. */
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "appid-migrate/plugin.h"
#include "idps_map.h"
#include "testutil.h"

static const struct {
    const char *idp;
    const char *exported;   /* as GET returned it */
    const char *restored;   /* the PUT body, compact and sorted */
} cases[] = {
    /* The callback URL is the instance's own: never sent. */
    { "facebook",
      "{\"isActive\":true,\"config\":{\"idpId\":\"a\",\"secret\":\"s\"},"
      "\"redirectURL\":\"https://us-south.appid.cloud.ibm.com/oauth/v4/t/facebook/callback\"}",
      "{\"config\":{\"idpId\":\"a\",\"secret\":\"s\"},\"isActive\":true}" },
    /* IBM's development credentials are not configuration. */
    { "google", "{\"isActive\":true,\"redirectURL\":\"https://x/cb\",\"other\":1}",
      "{\"isActive\":true}" },
    { "facebook", "{\"isActive\":false}", "{\"isActive\":false}" },
    { "saml",
      "{\"isActive\":true,\"config\":{\"entityID\":\"e\",\"certificates\":[\"a\",\"b\"]},"
      "\"validation_data\":{\"certificates\":[{\"certificate_index\":0,"
      "\"expiration_timestamp\":1}]}}",
      "{\"config\":{\"certificates\":[\"a\",\"b\"],\"entityID\":\"e\"},\"isActive\":true}" },
    /* validation_data belongs to SAML only; other IdPs keep everything
     * but the callback URL. */
    { "custom", "{\"isActive\":true,\"config\":{\"publicKey\":\"k\"},\"validation_data\":1}",
      "{\"config\":{\"publicKey\":\"k\"},\"isActive\":true,\"validation_data\":1}" },
    { "cloud_directory",
      "{\"isActive\":true,\"config\":{\"identityField\":\"userName\"},\"redirectURL\":\"u\"}",
      "{\"config\":{\"identityField\":\"userName\"},\"isActive\":true}" },
};

static void test_restore_body(void)
{
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        json_t *in = json_loads(cases[i].exported, 0, NULL);
        json_t *out = amgp_idp_restore_body(cases[i].idp, in);
        char *text = out ? json_dumps(out, JSON_COMPACT | JSON_SORT_KEYS) : NULL;

        CU_ASSERT_PTR_NOT_NULL(text);
        if (text)
            CU_ASSERT_STRING_EQUAL(text, cases[i].restored);
        free(text);
        json_decref(out);
        json_decref(in);
    }
}

static void test_input_untouched(void)
{
    json_t *in = json_loads("{\"isActive\":true,\"config\":{\"idpId\":\"a\",\"secret\":\"s\"},"
                            "\"redirectURL\":\"u\"}", 0, NULL);
    json_t *out = amgp_idp_restore_body("google", in);

    CU_ASSERT_PTR_NOT_NULL(json_object_get(in, "redirectURL"));
    CU_ASSERT_PTR_NULL(json_object_get(out, "redirectURL"));
    json_decref(out);
    json_decref(in);
    CU_ASSERT_PTR_NULL(amgp_idp_restore_body("saml", NULL));
    in = json_array();
    CU_ASSERT_PTR_NULL(amgp_idp_restore_body("saml", in));
    json_decref(in);
}

static void test_names_and_secrets(void)
{
    json_t *fb = json_loads("{\"config\":{\"idpId\":\"a\",\"secret\":\"s\"}}", 0, NULL);
    json_t *empty = json_loads("{\"config\":{\"idpId\":\"a\",\"secret\":\"\"}}", 0, NULL);

    CU_ASSERT_STRING_EQUAL(amgp_idp_names[0], "cloud_directory");
    CU_ASSERT(amgp_idp_known("saml"));
    CU_ASSERT(amgp_idp_known("custom"));
    CU_ASSERT(!amgp_idp_known("appleid"));
    CU_ASSERT(amgp_idp_has_secret("facebook", fb));
    CU_ASSERT(amgp_idp_has_secret("google", fb));
    CU_ASSERT(!amgp_idp_has_secret("saml", fb));
    CU_ASSERT(!amgp_idp_has_secret("facebook", empty));
    json_decref(fb);
    json_decref(empty);
}

static const struct amg_test tests[] = {
    { "read-only members stripped", test_restore_body },
    { "input untouched, bad input refused", test_input_untouched },
    { "names and secrets", test_names_and_secrets },
    { NULL, NULL },
};

int main(void)
{
    return amg_test_main("plugin_idps", tests);
}

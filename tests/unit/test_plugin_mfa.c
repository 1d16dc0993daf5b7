/* mfa plugin: channel restore order and switch bodies. */
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "appid-migrate/plugin.h"
#include "mfa_map.h"
#include "testutil.h"

static void test_order(void)
{
    static const struct {
        const char *channels;
        const char *first, *second;
    } cases[] = {
        /* The active one goes last, so its switch decides. */
        { "{\"email\":{\"isActive\":false},\"nexmo\":{\"isActive\":true}}", "email", "nexmo" },
        { "{\"email\":{\"isActive\":true},\"nexmo\":{\"isActive\":false}}", "nexmo", "email" },
        { "{\"email\":{\"isActive\":false},\"nexmo\":{\"isActive\":false}}", "nexmo", "email" },
        { "{}", "nexmo", "email" },
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        json_t *ch = json_loads(cases[i].channels, 0, NULL);
        const char *order[2] = { NULL, NULL };

        amgp_mfa_channel_order(ch, order);
        CU_ASSERT_STRING_EQUAL(order[0], cases[i].first);
        CU_ASSERT_STRING_EQUAL(order[1], cases[i].second);
        json_decref(ch);
    }
}

static void test_switch_body(void)
{
    static const struct {
        const char *in, *want;
    } cases[] = {
        { "{\"isActive\":true,\"type\":\"sms\",\"config\":{\"key\":\"k\"}}",
          "{\"config\":{\"key\":\"k\"},\"isActive\":true}" },
        { "{\"isActive\":false,\"type\":\"email\"}", "{\"isActive\":false}" },
        { "{\"type\":\"email\"}", NULL },
        { "{\"isActive\":\"yes\"}", NULL },
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        json_t *in = json_loads(cases[i].in, 0, NULL);
        json_t *out = amgp_mfa_switch_body(in);
        char *text = out ? json_dumps(out, JSON_COMPACT | JSON_SORT_KEYS) : NULL;

        if (cases[i].want) {
            CU_ASSERT_STRING_EQUAL(text ? text : "", cases[i].want);
        } else {
            CU_ASSERT_PTR_NULL(out);
        }
        free(text);
        json_decref(out);
        json_decref(in);
    }
}

/* The channel state a dry run compares the second channel with. */
static void test_channel_apply(void)
{
    static const struct {
        const char *state, *name, *want, *after;
    } cases[] = {
        /* Activating nexmo switches email off; config is taken as sent. */
        { "{\"email\":{\"isActive\":true,\"type\":\"email\"},\"nexmo\":{\"isActive\":false}}",
          "nexmo", "{\"isActive\":true,\"config\":{\"key\":\"k\"}}",
          "{\"email\":{\"isActive\":false,\"type\":\"email\"},"
          "\"nexmo\":{\"config\":{\"key\":\"k\"},\"isActive\":true}}" },
        /* Switching nexmo off falls back to email; absent config kept. */
        { "{\"email\":{\"isActive\":false},"
          "\"nexmo\":{\"isActive\":true,\"config\":{\"key\":\"k\"}}}",
          "nexmo", "{\"isActive\":false}",
          "{\"email\":{\"isActive\":true},\"nexmo\":{\"config\":{\"key\":\"k\"},"
          "\"isActive\":false}}" },
        /* Switching email off leaves nexmo alone. */
        { "{\"email\":{\"isActive\":true},\"nexmo\":{\"isActive\":false}}",
          "email", "{\"isActive\":false}",
          "{\"email\":{\"isActive\":false},\"nexmo\":{\"isActive\":false}}" },
        /* A channel the target did not answer for is created. */
        { "{}", "email", "{\"isActive\":true}",
          "{\"email\":{\"isActive\":true},\"nexmo\":{\"isActive\":false}}" },
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        json_t *state = json_loads(cases[i].state, 0, NULL);
        json_t *want = json_loads(cases[i].want, 0, NULL);
        char *text;

        CU_ASSERT_PTR_NOT_NULL_FATAL(state);
        CU_ASSERT_PTR_NOT_NULL_FATAL(want);
        CU_ASSERT_EQUAL(amgp_mfa_channel_apply(state, cases[i].name, want), 0);
        text = json_dumps(state, JSON_COMPACT | JSON_SORT_KEYS);
        CU_ASSERT_STRING_EQUAL(text, cases[i].after);
        free(text);
        json_decref(want);
        json_decref(state);
    }
}

static const struct amg_test tests[] = {
    { "channel state after a write", test_channel_apply },
    { "inactive channel restored first", test_order },
    { "switch bodies drop read-only members", test_switch_body },
    { NULL, NULL },
};

int main(void)
{
    return amg_test_main("plugin_mfa", tests);
}

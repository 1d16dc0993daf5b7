#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "httpfixture.h"
#include "log.h"
#include "testutil.h"

struct testhttpd srv;

static char *captured;
static size_t captured_len;
static FILE *capture_stream;

void fx_capture_begin(void)
{
    capture_stream = open_memstream(&captured, &captured_len);
    CU_ASSERT_FATAL(capture_stream != NULL);
    amg_log_set_stream(capture_stream);
}

const char *fx_capture_end(void)
{
    amg_log_set_stream(NULL);
    fclose(capture_stream);
    capture_stream = NULL;
    return captured ? captured : "";
}

void fx_capture_free(void)
{
    free(captured);
    captured = NULL;
}

void fx_setup(struct amg_http_opts *o)
{
    fakeclock_reset(FX_NOW0, FX_WALL0);
    CU_ASSERT_FATAL(testhttpd_start(&srv) == 0);
    memset(o, 0, sizeof(*o));
    o->base_url = srv.base_url;
    o->tenant_id = FX_TENANT;
    o->iam_url = srv.iam_url;
    o->api_key = FX_API_KEY;
    o->clock = &fakeclock_clock;
    o->seed = FX_SEED;
    amg_retry_policy_default(&o->retry);
}

struct amg_http *fx_client(const struct amg_http_opts *o)
{
    struct amg_http *h = NULL;

    CU_ASSERT_FATAL(amg_http_new(o, &h) == AMG_OK);
    return h;
}

void fx_teardown(struct amg_http *h)
{
    amg_http_free(h);
    testhttpd_free(&srv);
    amg_log_clear_secrets();
    amg_log_set_level(AMG_LOG_INFO);
}

void fx_push_token(const char *token)
{
    CU_ASSERT_FATAL(testhttpd_push_token(&srv, token, 3600, fakeclock.wall + 3600) == 0);
}

void fx_push_api(unsigned status, const char *body, const char *retry_after)
{
    CU_ASSERT_FATAL(testhttpd_push(&srv.api, status, body, retry_after, 0) == 0);
}

void fx_get_expect(struct amg_http *h, const char *path, long want)
{
    json_t *resp = NULL;
    long status = 0;

    CU_ASSERT_EQUAL(amg_http_json(h, "GET", path, NULL, &status, &resp), AMG_OK);
    CU_ASSERT_EQUAL(status, want);
    json_decref(resp);
}

/*
 * Shared set-up for the HTTP client suites (test_http, test_xfer): a
 * scripted server (testhttpd.h), the fake clock (fakeclock.h), client
 * options pointing at both, and capture of the log output.
 */
#ifndef AMG_HTTPFIXTURE_H
#define AMG_HTTPFIXTURE_H

#include "fakeclock.h"
#include "http.h"
#include "testhttpd.h"

#define FX_WALL0 1700000000.0
#define FX_NOW0 1000.0
#define FX_TENANT "0b7ad0f4-3c3a-4bd4-9c86-6b2f4b0a3e11"
/* Characters that must be escaped in the IAM form body. */
#define FX_API_KEY "Sk/test+key=with&chars-0123456789"
#define FX_API_KEY_ESCAPED "Sk%2Ftest%2Bkey%3Dwith%26chars-0123456789"
#define FX_SEED 42u

extern struct testhttpd srv;

/* Reset the fake clock to FX_NOW0 / FX_WALL0, start `srv`, and fill `o`
 * for it (default retry policy, seed FX_SEED). */
void fx_setup(struct amg_http_opts *o);
/* A client for `o`; the test fails when it cannot be made. */
struct amg_http *fx_client(const struct amg_http_opts *o);
/* Free `h` (may be NULL), stop `srv`, forget log secrets, level info. */
void fx_teardown(struct amg_http *h);

/* Queue a 3600 s token at IAM / an answer on the API. */
void fx_push_token(const char *token);
void fx_push_api(unsigned status, const char *body, const char *retry_after);
/* GET `path`, assert AMG_OK and HTTP `want`, drop the body. */
void fx_get_expect(struct amg_http *h, const char *path, long want);

/* Send log output to memory until fx_capture_end(), which returns the
 * text (valid until fx_capture_free()). */
void fx_capture_begin(void);
const char *fx_capture_end(void);
void fx_capture_free(void);

#endif

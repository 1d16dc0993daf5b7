#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "log.h"
#include "error.h"
#include "testutil.h"

/* Format one line through the log and return what it printed (caller
 * frees). */
static char *logged(enum amg_log_level level, const char *msg)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);

    CU_ASSERT_FATAL(mem != NULL);
    amg_log_set_stream(mem);
    amg_log(level, "%s", msg);
    amg_log_set_stream(NULL);
    fclose(mem);
    return buf;
}

static void test_secret_redacted(void)
{
    char *out;

    CU_ASSERT_EQUAL(amg_log_add_secret("sk-verysecret-1234"), AMG_OK);
    out = logged(AMG_LOG_ERROR, "token sk-verysecret-1234 and again sk-verysecret-1234!");
    CU_ASSERT_PTR_NULL(strstr(out, "sk-verysecret"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "token *** and again ***!"));
    free(out);
    amg_log_clear_secrets();
    out = logged(AMG_LOG_ERROR, "sk-verysecret-1234");
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "sk-verysecret-1234"));
    free(out);
}

static void test_short_secret_refused(void)
{
    CU_ASSERT_EQUAL(amg_log_add_secret("ab"), AMG_EINVAL);
    CU_ASSERT_EQUAL(amg_log_add_secret(NULL), AMG_EINVAL);
}

static void test_level_filter(void)
{
    char *out;

    amg_log_set_level(AMG_LOG_WARN);
    out = logged(AMG_LOG_INFO, "hidden");
    CU_ASSERT(out == NULL || out[0] == '\0');
    free(out);
    out = logged(AMG_LOG_WARN, "shown");
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "warning: shown"));
    free(out);
    amg_log_set_level(AMG_LOG_INFO);
}

static void test_exit_codes(void)
{
    CU_ASSERT_EQUAL(amg_exit_code(AMG_OK), 0);
    CU_ASSERT_EQUAL(amg_exit_code(AMG_EPARTIAL), 1);
    CU_ASSERT_EQUAL(amg_exit_code(AMG_ECONFIG), 2);
    CU_ASSERT_EQUAL(amg_exit_code(AMG_EAUTH), 3);
    CU_ASSERT_EQUAL(amg_exit_code(AMG_ESNAPSHOT), 4);
    CU_ASSERT_EQUAL(amg_exit_code(AMG_ECYCLE), 5);
    CU_ASSERT_STRING_EQUAL(amg_strerror(AMG_ESNAPSHOT), "invalid snapshot");
}

static const struct amg_test tests[] = {
    { "secret values are redacted", test_secret_redacted },
    { "short secrets are refused", test_short_secret_refused },
    { "level filter", test_level_filter },
    { "exit codes", test_exit_codes },
    { NULL, NULL },
};

int main(void)
{
    return amg_test_main("log", tests);
}

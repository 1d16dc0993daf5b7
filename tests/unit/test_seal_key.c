#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>
#include "log.h"
#include "seal_fixture.h"

/* ---- secrets ---- */

static void test_key_file_modes(void)
{
    static const struct {
        mode_t mode;
        int want;
        const char *msg;
    } cases[] = {
        { 0600, AMG_OK, NULL },
        { 0400, AMG_OK, NULL },
        { 0700, AMG_OK, NULL },
        { 0640, AMG_ECONFIG, "key file has mode 0640, readable by group or others" },
        { 0604, AMG_ECONFIG, "key file has mode 0604, readable by group or others" },
        { 0610, AMG_ECONFIG, "key file has mode 0610" },
    };
    char *tmp = amg_test_tmpdir();
    char *file = path_in(tmp, "key");
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *s = NULL;
        size_t len = 0;
        char *log;

        write_file(file, "pass phrase 1\n", 14, cases[i].mode);
        capture_begin();
        CU_ASSERT_EQUAL(amg_seal_load_secret(NULL, file, &s, &len), cases[i].want);
        log = capture_end();
        if (cases[i].want == AMG_OK) {
            CU_ASSERT_STRING_EQUAL(s, "pass phrase 1");
            CU_ASSERT_EQUAL(len, 13);
        } else {
            CU_ASSERT_PTR_NULL(s);
            CU_ASSERT_PTR_NOT_NULL(strstr(log, file));
            CU_ASSERT_PTR_NOT_NULL(strstr(log, cases[i].msg));
        }
        amg_seal_secret_free(s, len);
        free(log);
        unlink(file);
    }
    free(file);
    amg_test_rmtree(tmp);
    free(tmp);
}

static void test_key_file_contents(void)
{
    static const struct {
        const char *data;
        size_t len;
        int want;
        const char *secret;
    } cases[] = {
        { "s3cret-pass\n", 12, AMG_OK, "s3cret-pass" },
        { "s3cret-pass\r\n", 13, AMG_OK, "s3cret-pass" },
        { "s3cret-pass", 11, AMG_OK, "s3cret-pass" },
        { "s3cret-pass\n\n", 13, AMG_OK, "s3cret-pass\n" },
        { " spaces kept ", 13, AMG_OK, " spaces kept " },
        { "", 0, AMG_ECONFIG, NULL },
        { "\n", 1, AMG_ECONFIG, NULL },
        { "short\n", 6, AMG_ECONFIG, NULL },
        { "nul\0inside-it", 14, AMG_ECONFIG, NULL },
    };
    char *tmp = amg_test_tmpdir();
    char *file = path_in(tmp, "key");
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *s = NULL;
        size_t len = 0;

        write_file(file, cases[i].data, cases[i].len, 0600);
        capture_begin();
        CU_ASSERT_EQUAL(amg_seal_load_secret(NULL, file, &s, &len), cases[i].want);
        free(capture_end());
        if (cases[i].secret) {
            CU_ASSERT(s && strcmp(s, cases[i].secret) == 0);
            CU_ASSERT_EQUAL(len, strlen(cases[i].secret));
        } else {
            CU_ASSERT_PTR_NULL(s);
        }
        amg_seal_secret_free(s, len);
        unlink(file);
    }
    free(file);
    amg_test_rmtree(tmp);
    free(tmp);
}

static void test_key_file_not_regular(void)
{
    char *tmp = amg_test_tmpdir();
    char *file = path_in(tmp, "key");
    char *link = path_in(tmp, "link");
    char *fifo = path_in(tmp, "fifo");
    char *s = NULL;
    size_t len = 0;
    char *log;

    write_file(file, "pass phrase 1", 13, 0600);
    CU_ASSERT_EQUAL(symlink(file, link), 0);
    CU_ASSERT_EQUAL(mkfifo(fifo, 0600), 0);
    capture_begin();
    CU_ASSERT_EQUAL(amg_seal_load_secret(NULL, link, &s, &len), AMG_ECONFIG);
    CU_ASSERT_EQUAL(amg_seal_load_secret(NULL, tmp, &s, &len), AMG_ECONFIG);
    CU_ASSERT_EQUAL(amg_seal_load_secret(NULL, fifo, &s, &len), AMG_ECONFIG);
    log = capture_end();
    CU_ASSERT_PTR_NOT_NULL(strstr(log, "link: cannot open key file: it is a symbolic link"));
    CU_ASSERT_PTR_NOT_NULL(strstr(log, "fifo: key file is not a regular file"));
    CU_ASSERT_PTR_NULL(s);
    free(log);
    free(file);
    free(link);
    free(fifo);
    amg_test_rmtree(tmp);
    free(tmp);
}

static void test_env_secret_registered(void)
{
    char *s = NULL;
    size_t len = 0;
    char *log;

    CU_ASSERT_EQUAL(amg_seal_load_secret("AMG_TEST_SEAL", "x", &s, &len), AMG_EINVAL);
    CU_ASSERT_EQUAL(amg_seal_load_secret(NULL, NULL, &s, &len), AMG_EINVAL);
    unsetenv("AMG_TEST_SEAL");
    capture_begin();
    CU_ASSERT_EQUAL(amg_seal_load_secret("AMG_TEST_SEAL", NULL, &s, &len), AMG_ECONFIG);
    setenv("AMG_TEST_SEAL", "", 1);
    CU_ASSERT_EQUAL(amg_seal_load_secret("AMG_TEST_SEAL", NULL, &s, &len), AMG_ECONFIG);
    log = capture_end();
    CU_ASSERT_PTR_NOT_NULL(strstr(log, "environment variable AMG_TEST_SEAL"));
    CU_ASSERT_PTR_NOT_NULL(strstr(log, "AMG_TEST_SEAL: the encryption secret is empty"));
    free(log);

    setenv("AMG_TEST_SEAL", "env-secret-value", 1);
    CU_ASSERT_EQUAL(amg_seal_load_secret("AMG_TEST_SEAL", NULL, &s, &len), AMG_OK);
    CU_ASSERT_STRING_EQUAL(s, "env-secret-value");
    capture_begin();
    amg_error("leaked %s?", s);
    log = capture_end();
    CU_ASSERT_PTR_NULL(strstr(log, "env-secret-value"));
    CU_ASSERT_PTR_NOT_NULL(strstr(log, "leaked ***?"));
    free(log);
    amg_seal_secret_free(s, len);
    unsetenv("AMG_TEST_SEAL");
    amg_log_clear_secrets();
}

/* ---- key derivation and parameters ---- */


static void test_params_defaults_and_json(void)
{
    struct amg_seal_params p, q, r;
    json_t *j = NULL;
    char *text;

    CU_ASSERT_EQUAL(amg_seal_params_init(&p), AMG_OK);
    CU_ASSERT_EQUAL(amg_seal_params_init(&r), AMG_OK);
    CU_ASSERT_EQUAL(p.opslimit, crypto_pwhash_OPSLIMIT_INTERACTIVE);
    CU_ASSERT_EQUAL(p.memlimit, crypto_pwhash_MEMLIMIT_INTERACTIVE);
    CU_ASSERT(memcmp(p.salt, r.salt, sizeof(p.salt)) != 0);    /* random */
    CU_ASSERT_EQUAL(amg_seal_params_to_json(&p, &j), AMG_OK);
    CU_ASSERT_EQUAL(json_object_size(j), 5);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(j, "alg")),
                           "xchacha20poly1305-secretstream");
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(j, "kdf")), "argon2id13");
    CU_ASSERT_EQUAL(strlen(json_string_value(json_object_get(j, "salt"))), 32);
    memset(&q, 0, sizeof(q));
    CU_ASSERT_EQUAL(amg_seal_params_from_json(j, &q), AMG_OK);
    CU_ASSERT(memcmp(&p.salt, &q.salt, sizeof(p.salt)) == 0);
    CU_ASSERT_EQUAL(q.opslimit, p.opslimit);
    CU_ASSERT_EQUAL(q.memlimit, p.memlimit);
    text = json_dumps(j, 0);
    CU_ASSERT_PTR_NULL(strstr(text, SECRET));
    free(text);
    json_decref(j);
}

static void test_params_rejected(void)
{
    static const char *const bad[] = {
        "[]",
        "{\"alg\":\"aes\",\"kdf\":\"argon2id13\",\"salt\":\"00112233445566778899aabbccddeeff\","
        "\"opslimit\":2,\"memlimit\":67108864}",
        "{\"alg\":\"xchacha20poly1305-secretstream\",\"kdf\":\"scrypt\","
        "\"salt\":\"00112233445566778899aabbccddeeff\",\"opslimit\":2,\"memlimit\":67108864}",
        "{\"alg\":\"xchacha20poly1305-secretstream\",\"kdf\":\"argon2id13\","
        "\"salt\":\"0011\",\"opslimit\":2,\"memlimit\":67108864}",
        "{\"alg\":\"xchacha20poly1305-secretstream\",\"kdf\":\"argon2id13\","
        "\"salt\":\"zz112233445566778899aabbccddeeff\",\"opslimit\":2,\"memlimit\":67108864}",
        "{\"alg\":\"xchacha20poly1305-secretstream\",\"kdf\":\"argon2id13\","
        "\"salt\":\"00112233445566778899aabbccddeeff\",\"opslimit\":0,\"memlimit\":67108864}",
        "{\"alg\":\"xchacha20poly1305-secretstream\",\"kdf\":\"argon2id13\","
        "\"salt\":\"00112233445566778899aabbccddeeff\",\"opslimit\":2,\"memlimit\":1e12}",
        "{\"alg\":\"xchacha20poly1305-secretstream\",\"kdf\":\"argon2id13\","
        "\"salt\":\"00112233445566778899aabbccddeeff\",\"opslimit\":2,"
        "\"memlimit\":99999999999}",
        "{\"alg\":\"xchacha20poly1305-secretstream\",\"kdf\":\"argon2id13\","
        "\"salt\":\"00112233445566778899aabbccddeeff\",\"opslimit\":\"2\",\"memlimit\":8192}",
        "{\"alg\":\"xchacha20poly1305-secretstream\",\"kdf\":\"argon2id13\","
        "\"salt\":\"00112233445566778899aabbccddeeff\",\"opslimit\":2,\"memlimit\":8192,"
        "\"secret\":\"x\"}",
        "{\"alg\":\"xchacha20poly1305-secretstream\",\"kdf\":\"argon2id13\","
        "\"opslimit\":2,\"memlimit\":8192}",
    };
    static const char good[] =
        "{\"alg\":\"xchacha20poly1305-secretstream\",\"kdf\":\"argon2id13\","
        "\"salt\":\"00112233445566778899AABBCCDDEEFF\",\"opslimit\":1,\"memlimit\":8192}";
    struct amg_seal_params p;
    json_t *j;
    size_t i;
    char *log;

    capture_begin();
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        j = json_loads(bad[i], 0, NULL);
        CU_ASSERT_PTR_NOT_NULL_FATAL(j);
        CU_ASSERT_EQUAL(amg_seal_params_from_json(j, &p), AMG_ESNAPSHOT);
        json_decref(j);
    }
    log = capture_end();
    CU_ASSERT_PTR_NOT_NULL(strstr(log, "seal parameters: unknown key 'secret'"));
    CU_ASSERT_PTR_NOT_NULL(strstr(log, "seal parameters: memlimit out of range"));
    free(log);
    j = json_loads(good, 0, NULL);
    CU_ASSERT_EQUAL(amg_seal_params_from_json(j, &p), AMG_OK);
    CU_ASSERT_EQUAL(p.salt[15], 0xff);
    CU_ASSERT_EQUAL(p.opslimit, 1);
    CU_ASSERT_EQUAL(p.memlimit, 8192);
    json_decref(j);
}

static void test_derive_key(void)
{
    struct amg_seal_params p, q;
    unsigned char k1[AMG_SEAL_KEY_BYTES], k2[AMG_SEAL_KEY_BYTES], k3[AMG_SEAL_KEY_BYTES];
    unsigned char zero[AMG_SEAL_KEY_BYTES] = { 0 };

    fast_params(&p);
    q = p;
    q.salt[0] ^= 1;
    CU_ASSERT_EQUAL(amg_seal_derive_key(SECRET, strlen(SECRET), &p, k1), AMG_OK);
    CU_ASSERT_EQUAL(amg_seal_derive_key(SECRET, strlen(SECRET), &p, k2), AMG_OK);
    CU_ASSERT(memcmp(k1, k2, sizeof(k1)) == 0);
    CU_ASSERT(memcmp(k1, zero, sizeof(k1)) != 0);
    CU_ASSERT_EQUAL(amg_seal_derive_key(SECRET, strlen(SECRET), &q, k3), AMG_OK);
    CU_ASSERT(memcmp(k1, k3, sizeof(k1)) != 0);
    CU_ASSERT_EQUAL(amg_seal_derive_key(SECRET, strlen(SECRET) - 1, &p, k3), AMG_OK);
    CU_ASSERT(memcmp(k1, k3, sizeof(k1)) != 0);
    amg_seal_key_wipe(k1, sizeof(k1));
    CU_ASSERT(memcmp(k1, zero, sizeof(k1)) == 0);
    p.memlimit = 1;
    capture_begin();
    CU_ASSERT_EQUAL(amg_seal_derive_key(SECRET, strlen(SECRET), &p, k2), AMG_EINVAL);
    free(capture_end());
}

static const struct amg_test tests[] = {
    { "key file modes", test_key_file_modes },
    { "key file contents", test_key_file_contents },
    { "key file must be a regular file", test_key_file_not_regular },
    { "secret from the environment is redacted", test_env_secret_registered },
    { "parameters: defaults and JSON round trip", test_params_defaults_and_json },
    { "parameters: bad manifests refused", test_params_rejected },
    { "key derivation", test_derive_key },
    { NULL, NULL },
};

int main(void)
{
    return amg_test_main("seal_key", tests);
}

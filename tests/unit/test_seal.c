#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <dirent.h>
#include <sodium.h>
#include "log.h"
#include "seal.h"
#include "testutil.h"

#define HEAD_LEN 32     /* magic + secretstream header */
#define CHUNK_OUT (AMG_SEAL_CHUNK + 17)

static const char secret[] = "correct horse battery staple";

/* ---- helpers ---- */

static char *path_in(const char *dir, const char *name)
{
    char *p = NULL;

    CU_ASSERT_FATAL(asprintf(&p, "%s/%s", dir, name) > 0);
    return p;
}

/* Deterministic pseudo-random bytes, so failures reproduce. */
static unsigned char *make_data(size_t len, unsigned seed)
{
    unsigned char *d = malloc(len ? len : 1);
    unsigned long long x = 0x9e3779b97f4a7c15ULL ^ seed;
    size_t i;

    CU_ASSERT_FATAL(d != NULL);
    for (i = 0; i < len; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        d[i] = (unsigned char)x;
    }
    return d;
}

static void write_file(const char *path, const void *data, size_t len, mode_t mode)
{
    FILE *fp = fopen(path, "wb");

    CU_ASSERT_FATAL(fp != NULL);
    CU_ASSERT_EQUAL(fwrite(data, 1, len, fp), len);
    CU_ASSERT_EQUAL(fclose(fp), 0);
    CU_ASSERT_EQUAL(chmod(path, mode), 0);
}

/* Whole file into a new buffer (*len bytes). */
static unsigned char *read_file(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    unsigned char *buf = NULL;
    long size;

    *len = 0;
    if (!fp)
        return NULL;
    CU_ASSERT_EQUAL(fseek(fp, 0, SEEK_END), 0);
    size = ftell(fp);
    rewind(fp);
    buf = malloc((size_t)size + 1);
    CU_ASSERT_FATAL(buf != NULL);
    CU_ASSERT_EQUAL(fread(buf, 1, (size_t)size, fp), (size_t)size);
    fclose(fp);
    *len = (size_t)size;
    return buf;
}

static void test_key(unsigned char key[AMG_SEAL_KEY_BYTES], unsigned char fill)
{
    memset(key, fill, AMG_SEAL_KEY_BYTES);
    key[0] = 0x42;
}

/* Log capture: every amg_error() between begin and end. */
static FILE *cap_fp;
static char *cap_buf;
static size_t cap_len;

static void capture_begin(void)
{
    cap_buf = NULL;
    cap_fp = open_memstream(&cap_buf, &cap_len);
    CU_ASSERT_FATAL(cap_fp != NULL);
    amg_log_set_stream(cap_fp);
}

/* The captured text; the caller frees it. */
static char *capture_end(void)
{
    amg_log_set_stream(NULL);
    fclose(cap_fp);
    return cap_buf;
}

static int count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;

    CU_ASSERT_FATAL(d != NULL);
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, ".."))
            n++;
    closedir(d);
    return n;
}

/* ---- round trips ---- */

static void test_round_trip_sizes(void)
{
    static const size_t sizes[] = {
        0, 1, 100, AMG_SEAL_CHUNK - 1, AMG_SEAL_CHUNK, AMG_SEAL_CHUNK + 1,
        3 * AMG_SEAL_CHUNK, (1 << 20) + 12345,
    };
    unsigned char key[AMG_SEAL_KEY_BYTES];
    char *tmp = amg_test_tmpdir();
    char *plain = path_in(tmp, "plain");
    char *enc = path_in(tmp, "sealed");
    char *dec = path_in(tmp, "decrypted");
    size_t i;

    test_key(key, 7);
    for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        size_t n = sizes[i];
        size_t chunks = n == 0 ? 1 : (n + AMG_SEAL_CHUNK - 1) / AMG_SEAL_CHUNK;
        unsigned char *data = make_data(n, (unsigned)i);
        unsigned char *got;
        size_t got_len = 0;
        struct stat st;
        mode_t old;

        write_file(plain, data, n, 0644);
        old = umask(0);
        CU_ASSERT_EQUAL(amg_seal_encrypt_file(plain, enc, "users.ndjson", key), AMG_OK);
        CU_ASSERT_EQUAL(amg_seal_decrypt_file(enc, dec, "users.ndjson", key), AMG_OK);
        umask(old);
        CU_ASSERT_EQUAL(stat(enc, &st), 0);
        CU_ASSERT_EQUAL(st.st_mode & 07777, 0600);
        CU_ASSERT_EQUAL((size_t)st.st_size, HEAD_LEN + chunks * 17 + n);
        CU_ASSERT_EQUAL(stat(dec, &st), 0);
        CU_ASSERT_EQUAL(st.st_mode & 07777, 0600);
        got = read_file(dec, &got_len);
        CU_ASSERT_EQUAL(got_len, n);
        CU_ASSERT(got && memcmp(got, data, n) == 0);
        /* Only the three files: no temporary left behind. */
        CU_ASSERT_EQUAL(count_entries(tmp), 3);
        free(got);
        free(data);
        unlink(enc);
        unlink(dec);
    }
    free(plain);
    free(enc);
    free(dec);
    amg_test_rmtree(tmp);
    free(tmp);
}

/* Writes in odd pieces, read back by lines: a line longer than a chunk,
 * lines split across chunk boundaries, a last line without newline. */
static void test_stream_getline(void)
{
    unsigned char key[AMG_SEAL_KEY_BYTES];
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    struct amg_seal_writer *w = NULL;
    struct amg_seal_reader *r = NULL;
    char *text = NULL;
    size_t text_len;
    char *line = NULL;
    size_t cap = 0;
    size_t i, pos = 0;
    ssize_t n;
    FILE *in;
    int lines = 0;

    test_key(key, 9);
    text_len = 3 * AMG_SEAL_CHUNK + 500;
    text = malloc(text_len);
    CU_ASSERT_FATAL(text != NULL && mem != NULL);
    for (i = 0; i < text_len; i++)
        text[i] = (char)('a' + i % 26);
    /* Lines of growing length; one spans more than a whole chunk. */
    for (i = 10; i < text_len; i += i < 1000 ? 97 : AMG_SEAL_CHUNK + 3)
        text[i] = '\n';
    CU_ASSERT_EQUAL_FATAL(amg_seal_writer_new(mem, "mem.ndjson", "ctx", key, &w), AMG_OK);
    for (i = 0; i < text_len; i += 7)
        CU_ASSERT_EQUAL(amg_seal_write(w, text + i, text_len - i < 7 ? text_len - i : 7),
                        AMG_OK);
    CU_ASSERT_EQUAL(amg_seal_writer_close(w), AMG_OK);
    fclose(mem);

    in = fmemopen(buf, len, "rb");
    CU_ASSERT_FATAL(in != NULL);
    CU_ASSERT_EQUAL_FATAL(amg_seal_reader_new(in, "mem.ndjson", "ctx", key, &r), AMG_OK);
    while ((n = amg_seal_reader_getline(r, &line, &cap)) > 0) {
        const char *nl = memchr(text + pos, '\n', text_len - pos);
        size_t want = nl ? (size_t)(nl - (text + pos)) + 1 : text_len - pos;

        CU_ASSERT_EQUAL((size_t)n, want);
        CU_ASSERT(memcmp(line, text + pos, want) == 0);
        CU_ASSERT_EQUAL(line[n], '\0');
        pos += (size_t)n;
        lines++;
    }
    CU_ASSERT_EQUAL(n, 0);
    CU_ASSERT_EQUAL(pos, text_len);
    CU_ASSERT(lines > 10);
    CU_ASSERT(text[text_len - 1] != '\n');
    /* The end stays the end. */
    CU_ASSERT_EQUAL(amg_seal_reader_getline(r, &line, &cap), 0);
    amg_seal_reader_free(r);
    fclose(in);
    free(line);
    free(text);
    free(buf);
}

/* ---- failures ---- */

/* Seal `len` bytes into tmp/sealed; returns the path (caller frees). */
static char *sealed_file(const char *tmp, size_t len, const unsigned char *key)
{
    char *plain = path_in(tmp, "plain");
    char *enc = path_in(tmp, "sealed");
    unsigned char *data = make_data(len, 3);

    write_file(plain, data, len, 0600);
    CU_ASSERT_EQUAL(amg_seal_encrypt_file(plain, enc, "roles.json", key), AMG_OK);
    unlink(plain);
    free(plain);
    free(data);
    return enc;
}

/* Decrypting `enc` must fail with AMG_ESNAPSHOT, log "ENC: <want>" and
 * leave no output file. */
static void expect_refused(const char *tmp, const char *enc, const char *context,
                           const unsigned char *key, const char *want)
{
    char *dec = path_in(tmp, "out");
    char *log;
    char *msg = NULL;

    capture_begin();
    CU_ASSERT_EQUAL(amg_seal_decrypt_file(enc, dec, context, key), AMG_ESNAPSHOT);
    log = capture_end();
    CU_ASSERT_FATAL(asprintf(&msg, "%s: %s", enc, want) > 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(log, msg));
    if (!strstr(log, msg))
        fprintf(stderr, "want '%s' in '%s'\n", msg, log);
    CU_ASSERT_EQUAL(access(dec, F_OK), -1);
    CU_ASSERT_EQUAL(count_entries(tmp), 1);
    free(msg);
    free(log);
    free(dec);
}

#define AUTH "authentication failed (wrong key or tampered file)"

static void test_wrong_key_or_context(void)
{
    unsigned char key[AMG_SEAL_KEY_BYTES], other[AMG_SEAL_KEY_BYTES];
    char *tmp = amg_test_tmpdir();
    char *enc;

    test_key(key, 1);
    test_key(other, 2);
    enc = sealed_file(tmp, 1000, key);
    expect_refused(tmp, enc, "roles.json", other, AUTH);
    expect_refused(tmp, enc, "users.ndjson", key, AUTH);
    expect_refused(tmp, enc, NULL, key, AUTH);
    free(enc);
    amg_test_rmtree(tmp);
    free(tmp);
}

static void test_flipped_bytes(void)
{
    static const struct {
        long offset;            /* negative: from the end */
        const char *want;
    } cases[] = {
        { 0, "not a sealed file (bad magic)" },
        { 7, "unsupported sealed file version 0 (this appid-migrate reads 1)" },
        { 8 + 3, AUTH },                        /* secretstream header */
        { HEAD_LEN + 5, AUTH },                 /* first chunk's MAC/tag */
        { HEAD_LEN + CHUNK_OUT + 100, AUTH },   /* a middle chunk */
        { -1, AUTH },                           /* the last chunk */
    };
    unsigned char key[AMG_SEAL_KEY_BYTES];
    char *tmp = amg_test_tmpdir();
    size_t i;

    test_key(key, 5);
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *enc = sealed_file(tmp, 3 * AMG_SEAL_CHUNK + 10, key);
        size_t len = 0;
        unsigned char *data = read_file(enc, &len);
        size_t off = cases[i].offset < 0 ? len - 1 : (size_t)cases[i].offset;

        CU_ASSERT_FATAL(data != NULL);
        data[off] ^= cases[i].offset == 7 ? 0x01 : 0x20;
        unlink(enc);
        write_file(enc, data, len, 0600);
        expect_refused(tmp, enc, "roles.json", key, cases[i].want);
        unlink(enc);
        free(data);
        free(enc);
    }
    amg_test_rmtree(tmp);
    free(tmp);
}

static void test_truncated_or_extended(void)
{
    static const struct {
        long cut;               /* new length; negative: from the end */
        int append;             /* add one byte (cut unused) */
        size_t size;            /* plaintext size; 0: 2 chunks + 10 bytes */
        const char *want;
    } cases[] = {
        { HEAD_LEN + 2 * CHUNK_OUT, 0, 0, "truncated (no final chunk)" },
        { HEAD_LEN + CHUNK_OUT, 0, 0, "truncated (no final chunk)" },
        { HEAD_LEN, 0, 0, "truncated (no final chunk)" },
        { HEAD_LEN - 4, 0, 0, "truncated (no final chunk)" },
        { 3, 0, 0, "not a sealed file (bad magic)" },
        { HEAD_LEN + CHUNK_OUT + 50, 0, 0, AUTH },    /* cut inside a chunk */
        { -5, 0, 0, AUTH },
        /* Appended to a short final chunk, the byte becomes part of it. */
        { 0, 1, 0, AUTH },
        { 0, 1, 2 * AMG_SEAL_CHUNK, "data after the final chunk (tampered file)" },
    };
    unsigned char key[AMG_SEAL_KEY_BYTES];
    char *tmp = amg_test_tmpdir();
    size_t i;

    test_key(key, 6);
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *enc = sealed_file(tmp, cases[i].size ? cases[i].size : 2 * AMG_SEAL_CHUNK + 10,
                                key);
        size_t len = 0;
        unsigned char *data = read_file(enc, &len);
        size_t keep = cases[i].cut < 0 ? len - 5 : (size_t)cases[i].cut;

        CU_ASSERT_FATAL(data != NULL);
        if (cases[i].append) {
            keep = len + 1;
            data = realloc(data, keep);
            CU_ASSERT_FATAL(data != NULL);
            data[len] = 0;
        }
        unlink(enc);
        write_file(enc, data, keep, 0600);
        expect_refused(tmp, enc, "roles.json", key, cases[i].want);
        unlink(enc);
        free(data);
        free(enc);
    }
    amg_test_rmtree(tmp);
    free(tmp);
}

static void test_never_overwrites(void)
{
    unsigned char key[AMG_SEAL_KEY_BYTES];
    char *tmp = amg_test_tmpdir();
    char *enc;
    char *other = path_in(tmp, "other");
    unsigned char *got;
    size_t len = 0;

    test_key(key, 4);
    enc = sealed_file(tmp, 10, key);
    write_file(other, "keep", 4, 0600);
    capture_begin();
    CU_ASSERT_EQUAL(amg_seal_decrypt_file(enc, other, "roles.json", key), AMG_EEXIST);
    CU_ASSERT_EQUAL(amg_seal_encrypt_file(other, enc, "roles.json", key), AMG_EEXIST);
    free(capture_end());
    got = read_file(other, &len);
    CU_ASSERT(len == 4 && memcmp(got, "keep", 4) == 0);
    CU_ASSERT_EQUAL(count_entries(tmp), 2);
    free(got);
    free(other);
    free(enc);
    amg_test_rmtree(tmp);
    free(tmp);
}

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

static void fast_params(struct amg_seal_params *p)
{
    CU_ASSERT_EQUAL_FATAL(amg_seal_params_init(p), AMG_OK);
    p->opslimit = crypto_pwhash_OPSLIMIT_MIN;
    p->memlimit = crypto_pwhash_MEMLIMIT_MIN;
}

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
    CU_ASSERT_PTR_NULL(strstr(text, secret));
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
    CU_ASSERT_EQUAL(amg_seal_derive_key(secret, strlen(secret), &p, k1), AMG_OK);
    CU_ASSERT_EQUAL(amg_seal_derive_key(secret, strlen(secret), &p, k2), AMG_OK);
    CU_ASSERT(memcmp(k1, k2, sizeof(k1)) == 0);
    CU_ASSERT(memcmp(k1, zero, sizeof(k1)) != 0);
    CU_ASSERT_EQUAL(amg_seal_derive_key(secret, strlen(secret), &q, k3), AMG_OK);
    CU_ASSERT(memcmp(k1, k3, sizeof(k1)) != 0);
    CU_ASSERT_EQUAL(amg_seal_derive_key(secret, strlen(secret) - 1, &p, k3), AMG_OK);
    CU_ASSERT(memcmp(k1, k3, sizeof(k1)) != 0);
    amg_seal_key_wipe(k1, sizeof(k1));
    CU_ASSERT(memcmp(k1, zero, sizeof(k1)) == 0);
    p.memlimit = 1;
    capture_begin();
    CU_ASSERT_EQUAL(amg_seal_derive_key(secret, strlen(secret), &p, k2), AMG_EINVAL);
    free(capture_end());
}

/* The whole path an export and an import will take: secret from a key
 * file, parameters through JSON, and neither secret nor key anywhere in
 * what is written. */
static void test_end_to_end_no_secret_in_output(void)
{
    struct amg_seal_params p, q;
    unsigned char key[AMG_SEAL_KEY_BYTES], key2[AMG_SEAL_KEY_BYTES];
    char *tmp = amg_test_tmpdir();
    char *keyfile = path_in(tmp, "key");
    char *plain = path_in(tmp, "users.ndjson");
    char *enc = path_in(tmp, "users.ndjson.sealed");
    char *dec = path_in(tmp, "users.ndjson.out");
    static const char records[] = "{\"id\":\"a1\",\"name\":\"alice\"}\n{\"id\":\"b2\"}\n";
    unsigned char *data;
    size_t len = 0;
    char *s = NULL;
    size_t slen = 0;
    json_t *j = NULL;
    char *text;

    write_file(keyfile, secret, strlen(secret), 0600);
    write_file(plain, records, strlen(records), 0600);
    CU_ASSERT_EQUAL_FATAL(amg_seal_load_secret(NULL, keyfile, &s, &slen), AMG_OK);
    fast_params(&p);
    CU_ASSERT_EQUAL(amg_seal_derive_key(s, slen, &p, key), AMG_OK);
    CU_ASSERT_EQUAL(amg_seal_encrypt_file(plain, enc, "users.ndjson", key), AMG_OK);
    CU_ASSERT_EQUAL(amg_seal_params_to_json(&p, &j), AMG_OK);
    text = json_dumps(j, 0);
    CU_ASSERT_PTR_NULL(strstr(text, secret));

    data = read_file(enc, &len);
    CU_ASSERT_PTR_NULL(memmem(data, len, secret, strlen(secret)));
    CU_ASSERT_PTR_NULL(memmem(data, len, key, sizeof(key)));
    CU_ASSERT_PTR_NULL(memmem(data, len, "alice", 5));

    CU_ASSERT_EQUAL(amg_seal_params_from_json(j, &q), AMG_OK);
    CU_ASSERT_EQUAL(amg_seal_derive_key(s, slen, &q, key2), AMG_OK);
    CU_ASSERT_EQUAL(amg_seal_decrypt_file(enc, dec, "users.ndjson", key2), AMG_OK);
    free(data);
    data = read_file(dec, &len);
    CU_ASSERT(len == strlen(records) && memcmp(data, records, len) == 0);
    amg_seal_key_wipe(key, sizeof(key));
    amg_seal_key_wipe(key2, sizeof(key2));
    amg_seal_secret_free(s, slen);
    amg_log_clear_secrets();
    free(data);
    free(text);
    json_decref(j);
    free(keyfile);
    free(plain);
    free(enc);
    free(dec);
    amg_test_rmtree(tmp);
    free(tmp);
}

static const struct amg_test tests[] = {
    { "round trip of empty, small and multi-chunk files", test_round_trip_sizes },
    { "stream written in pieces, read by lines", test_stream_getline },
    { "wrong key or context is refused", test_wrong_key_or_context },
    { "flipped bytes are detected", test_flipped_bytes },
    { "truncated or extended files are detected", test_truncated_or_extended },
    { "existing output files are never overwritten", test_never_overwrites },
    { "key file modes", test_key_file_modes },
    { "key file contents", test_key_file_contents },
    { "key file must be a regular file", test_key_file_not_regular },
    { "secret from the environment is redacted", test_env_secret_registered },
    { "parameters: defaults and JSON round trip", test_params_defaults_and_json },
    { "parameters: bad manifests refused", test_params_rejected },
    { "key derivation", test_derive_key },
    { "end to end, no secret in the output", test_end_to_end_no_secret_in_output },
    { NULL, NULL },
};

int main(void)
{
    return amg_test_main("seal", tests);
}

#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "log.h"
#include "seal.h"
#include "seal_fixture.h"

#define HEAD_LEN 32     /* magic + secretstream header */
#define CHUNK_OUT (AMG_SEAL_CHUNK + 17)

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

    write_file(keyfile, SECRET, strlen(SECRET), 0600);
    write_file(plain, records, strlen(records), 0600);
    CU_ASSERT_EQUAL_FATAL(amg_seal_load_secret(NULL, keyfile, &s, &slen), AMG_OK);
    fast_params(&p);
    CU_ASSERT_EQUAL(amg_seal_derive_key(s, slen, &p, key), AMG_OK);
    CU_ASSERT_EQUAL(amg_seal_encrypt_file(plain, enc, "users.ndjson", key), AMG_OK);
    CU_ASSERT_EQUAL(amg_seal_params_to_json(&p, &j), AMG_OK);
    text = json_dumps(j, 0);
    CU_ASSERT_PTR_NULL(strstr(text, SECRET));

    data = read_file(enc, &len);
    CU_ASSERT_PTR_NULL(memmem(data, len, SECRET, strlen(SECRET)));
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
    { "end to end, no secret in the output", test_end_to_end_no_secret_in_output },
    { NULL, NULL },
};

int main(void)
{
    return amg_test_main("seal", tests);
}

/*
 * S3 client against a real server: run through
 * tests/integration/s3_client.sh, which starts s3rver behind a SigV4
 * checking front (tests/s3rver.js) and sets AMG_S3_ENDPOINT,
 * AMG_S3_BUCKET, AMG_S3_ACCESS_KEY and AMG_S3_SECRET_KEY.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include "log.h"
#include "s3.h"
#include "sha256.h"
#include "snapshot.h"
#include "testutil.h"

static const char *endpoint, *bucket, *access_key, *secret_key;

#define WRONG_HASH "0000000000000000000000000000000000000000000000000000000000000000"

/* ---- helpers ---- */

static FILE *cap;
static char *cap_buf;
static size_t cap_len;

static void capture_begin(void)
{
    cap = open_memstream(&cap_buf, &cap_len);
    CU_ASSERT_FATAL(cap != NULL);
    amg_log_set_stream(cap);
}

static char *capture_end(void)
{
    amg_log_set_stream(NULL);
    fclose(cap);
    return cap_buf;
}

/* Backoff sleeps are recorded, not slept. */
struct fake_clock {
    double slept[16];
    int n;
};

static double fake_now(void *ud)
{
    (void)ud;
    return 0;
}

static void fake_sleep(void *ud, double s)
{
    struct fake_clock *f = ud;

    if (f->n < 16)
        f->slept[f->n] = s;
    f->n++;
}

static struct fake_clock fclock;
static const struct amg_clock test_clock = { fake_now, fake_now, fake_sleep, &fclock };

/* A client on s3://BUCKET/<prefix>; fails the test if it cannot be made. */
static struct amg_s3 *client(const char *prefix, const char *secret, long page, int attempts)
{
    struct amg_s3 *s3 = NULL;
    char *url = NULL;
    struct amg_s3_opts o = {
        .endpoint = endpoint, .region = "us-east-1", .access_key = access_key,
        .secret_key = secret ? secret : secret_key, .list_page_size = page,
        .max_attempts = attempts, .clock = &test_clock,
    };

    CU_ASSERT_FATAL(asprintf(&url, "s3://%s/%s", bucket, prefix) > 0);
    o.url = url;
    CU_ASSERT_EQUAL_FATAL(amg_s3_new(&o, &s3), AMG_OK);
    free(url);
    memset(&fclock, 0, sizeof(fclock));
    return s3;
}

static char *path_in(const char *dir, const char *name)
{
    char *p = NULL;

    CU_ASSERT_FATAL(asprintf(&p, "%s/%s", dir, name) > 0);
    return p;
}

/* `len` deterministic bytes written in 64 KiB pieces. */
static void make_file(const char *path, size_t len, unsigned seed)
{
    static unsigned char block[65536];
    unsigned long long x = 0x9e3779b97f4a7c15ULL ^ seed;
    FILE *fp = fopen(path, "wb");

    CU_ASSERT_FATAL(fp != NULL);
    while (len > 0) {
        size_t n = len < sizeof(block) ? len : sizeof(block);
        size_t i;

        for (i = 0; i < n; i++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            block[i] = (unsigned char)x;
        }
        CU_ASSERT_EQUAL_FATAL(fwrite(block, 1, n, fp), n);
        len -= n;
    }
    CU_ASSERT_EQUAL(fclose(fp), 0);
}

static void write_text(const char *path, const char *text)
{
    FILE *fp = fopen(path, "wb");

    CU_ASSERT_FATAL(fp != NULL);
    fputs(text, fp);
    fclose(fp);
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

/* ---- options ---- */

static void test_options_refused(void)
{
    static const struct {
        const char *url, *endpoint, *region, *access, *secret;
        long page;
        int attempts;
    } cases[] = {
        { "s3://b", "http://127.0.0.1:1", "r", "ak", "sk", 0, 0 },
        { "gs://bucket", "http://127.0.0.1:1", "r", "ak", "sk", 0, 0 },
        { "s3://bucket", "http://s3.example.com", "r", "ak", "sk", 0, 0 },
        { "s3://bucket", "https://s3.example.com/path", "r", "ak", "sk", 0, 0 },
        { "s3://bucket", NULL, "r", "ak", "sk", 0, 0 },
        { "s3://bucket", "https://s3.example.com", "", "ak", "sk", 0, 0 },
        { "s3://bucket", "https://s3.example.com", "eu de", "ak", "sk", 0, 0 },
        { "s3://bucket", "https://s3.example.com", "eu-de", "", "sk", 0, 0 },
        { "s3://bucket", "https://s3.example.com", "eu-de", "ak", NULL, 0, 0 },
        { "s3://bucket", "https://s3.example.com", "eu-de", "ak", "sk", 1001, 0 },
        { "s3://bucket", "https://s3.example.com", "eu-de", "ak", "sk", 0, 11 },
    };
    struct amg_s3 *s3 = NULL;
    size_t i;

    capture_begin();
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct amg_s3_opts o = {
            .url = cases[i].url, .endpoint = cases[i].endpoint, .region = cases[i].region,
            .access_key = cases[i].access, .secret_key = cases[i].secret,
            .list_page_size = cases[i].page, .max_attempts = cases[i].attempts,
        };

        CU_ASSERT_EQUAL(amg_s3_new(&o, &s3), AMG_ECONFIG);
        CU_ASSERT_PTR_NULL(s3);
    }
    free(capture_end());
}

/* ---- objects ---- */

static void test_round_trip_20mb(void)
{
    static const long long size = 20LL * 1024 * 1024 + 7;
    struct amg_s3 *s3 = client("big", NULL, 0, 0);
    char *tmp = amg_test_tmpdir();
    char *src = path_in(tmp, "src.bin");
    char *dst = path_in(tmp, "dst.bin");
    char want[65], got[65];
    long long remote = 0;
    struct stat st;
    mode_t old;

    make_file(src, (size_t)size, 1);
    CU_ASSERT_EQUAL(amg_sha256_file(src, want), AMG_OK);
    CU_ASSERT_EQUAL(amg_s3_put_file(s3, "snap/data.bin", src, NULL), AMG_OK);
    CU_ASSERT_EQUAL(amg_s3_head(s3, "snap/data.bin", &remote), AMG_OK);
    CU_ASSERT_EQUAL(remote, size);
    old = umask(0);
    CU_ASSERT_EQUAL(amg_s3_get_file(s3, "snap/data.bin", dst), AMG_OK);
    umask(old);
    CU_ASSERT_EQUAL(amg_sha256_file(dst, got), AMG_OK);
    CU_ASSERT_STRING_EQUAL(got, want);
    CU_ASSERT_EQUAL(stat(dst, &st), 0);
    CU_ASSERT_EQUAL(st.st_mode & 07777, 0600);
    CU_ASSERT_EQUAL(st.st_size, size);
    CU_ASSERT_EQUAL(count_entries(tmp), 2);     /* no temporary left */
    /* The caller's hash, when given, is used as is. */
    CU_ASSERT_EQUAL(amg_s3_put_file(s3, "snap/data2.bin", src, want), AMG_OK);
    CU_ASSERT_EQUAL(amg_s3_head(s3, "snap/data2.bin", &remote), AMG_OK);
    CU_ASSERT_EQUAL(remote, size);
    CU_ASSERT_EQUAL(amg_s3_delete(s3, "snap/data.bin"), AMG_OK);
    CU_ASSERT_EQUAL(amg_s3_delete(s3, "snap/data2.bin"), AMG_OK);
    amg_s3_free(s3);
    free(src);
    free(dst);
    amg_test_rmtree(tmp);
    free(tmp);
}

/* Peak resident set size so far, in KiB (Linux ru_maxrss). */
static long peak_kib(void)
{
    struct rusage ru;

    CU_ASSERT_EQUAL_FATAL(getrusage(RUSAGE_SELF, &ru), 0);
    return ru.ru_maxrss;
}

/* A 150 MB file (a big users.ndjson) goes up and comes back without the
 * process growing by more than a few buffers: uploads and downloads
 * stream. The peak can only rise, so a client that held the body in
 * memory would push it up by 150 MB whatever ran before. */
static void test_memory_flat_150mb(void)
{
    static const long long size = 150LL * 1024 * 1024;
    struct amg_s3 *s3 = client("flat", NULL, 0, 0);
    char *tmp = amg_test_tmpdir();
    char *src = path_in(tmp, "users.ndjson");
    char *dst = path_in(tmp, "back.ndjson");
    long long remote = 0;
    long before;
    FILE *fp;
    struct stat st;

    fp = fopen(src, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
    /* Sparse: the test's own memory and disk stay small. */
    CU_ASSERT_EQUAL_FATAL(ftruncate(fileno(fp), (off_t)size), 0);
    fclose(fp);
    before = peak_kib();
    CU_ASSERT_EQUAL(amg_s3_put_file(s3, "snap/users.ndjson", src, NULL), AMG_OK);
    CU_ASSERT_EQUAL(amg_s3_head(s3, "snap/users.ndjson", &remote), AMG_OK);
    CU_ASSERT_EQUAL(remote, size);
    CU_ASSERT_EQUAL(amg_s3_get_file(s3, "snap/users.ndjson", dst), AMG_OK);
    CU_ASSERT_EQUAL(stat(dst, &st), 0);
    CU_ASSERT_EQUAL(st.st_size, size);
    CU_ASSERT(peak_kib() - before < 16 * 1024);
    if (peak_kib() - before >= 16 * 1024)
        fprintf(stderr, "\npeak grew by %ld KiB\n", peak_kib() - before);
    CU_ASSERT_EQUAL(amg_s3_delete(s3, "snap/users.ndjson"), AMG_OK);
    amg_s3_free(s3);
    free(src);
    free(dst);
    amg_test_rmtree(tmp);
    free(tmp);
}

/* A wrong hash is signed like a right one; the store must refuse the
 * body (S3: XAmzContentSHA256Mismatch) and keep nothing. */
static void test_put_wrong_hash_refused(void)
{
    struct amg_s3 *s3 = client("hash", NULL, 0, 0);
    char *tmp = amg_test_tmpdir();
    char *src = path_in(tmp, "f");
    long long size = 0;
    char *log;
    char *want = NULL;

    write_text(src, "content");
    capture_begin();
    CU_ASSERT_EQUAL(amg_s3_put_file(s3, "f", src, WRONG_HASH), AMG_EPROTO);
    CU_ASSERT_EQUAL(amg_s3_put_file(s3, "f", src, "not-hex"), AMG_EINVAL);
    log = capture_end();
    CU_ASSERT_FATAL(asprintf(&want, "s3://%s/hash/f: PUT answered HTTP 400 "
                             "XAmzContentSHA256Mismatch", bucket) > 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(log, want));
    free(want);
    CU_ASSERT_EQUAL(amg_s3_head(s3, "f", &size), AMG_ENOTFOUND);
    free(log);
    amg_s3_free(s3);
    free(src);
    amg_test_rmtree(tmp);
    free(tmp);
}

/* Collects "key=size;" per listed object. */
struct listing {
    char text[4096];
    int n, stop_at;
};

static int collect(void *ud, const char *key, long long size)
{
    struct listing *l = ud;
    size_t used = strlen(l->text);

    snprintf(l->text + used, sizeof(l->text) - used, "%s=%lld;", key, size);
    l->n++;
    return l->n == l->stop_at ? 42 : 0;
}

/* Page size 2 over 7 objects: 4 pages joined by continuation tokens, and
 * keys outside the prefixes are not listed. */
static void test_list_paginated(void)
{
    static const char *const keys[] = { "a/1", "a/2", "a/3", "a/4", "a/5", "a/6", "a/7" };
    struct amg_s3 *s3 = client("list", NULL, 2, 0);
    struct amg_s3 *other = client("lister", NULL, 0, 0);
    char *tmp = amg_test_tmpdir();
    char *src = path_in(tmp, "f");
    struct listing l = { .text = "" };
    size_t i;

    for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        make_file(src, i * 10, 2);
        CU_ASSERT_EQUAL(amg_s3_put_file(s3, keys[i], src, NULL), AMG_OK);
        unlink(src);
    }
    write_text(src, "x");
    CU_ASSERT_EQUAL(amg_s3_put_file(s3, "b/outside", src, NULL), AMG_OK);
    CU_ASSERT_EQUAL(amg_s3_put_file(other, "a/not-mine", src, NULL), AMG_OK);

    CU_ASSERT_EQUAL(amg_s3_list(s3, "a/", collect, &l), AMG_OK);
    CU_ASSERT_STRING_EQUAL(l.text, "a/1=0;a/2=10;a/3=20;a/4=30;a/5=40;a/6=50;a/7=60;");
    memset(&l, 0, sizeof(l));
    CU_ASSERT_EQUAL(amg_s3_list(s3, NULL, collect, &l), AMG_OK);
    CU_ASSERT_EQUAL(l.n, 8);
    CU_ASSERT_PTR_NOT_NULL(strstr(l.text, "b/outside=1;"));
    CU_ASSERT_PTR_NULL(strstr(l.text, "not-mine"));
    memset(&l, 0, sizeof(l));
    l.stop_at = 3;
    CU_ASSERT_EQUAL(amg_s3_list(s3, "a/", collect, &l), 42);
    CU_ASSERT_STRING_EQUAL(l.text, "a/1=0;a/2=10;a/3=20;");
    memset(&l, 0, sizeof(l));
    CU_ASSERT_EQUAL(amg_s3_list(s3, "none/", collect, &l), AMG_OK);
    CU_ASSERT_EQUAL(l.n, 0);

    for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        CU_ASSERT_EQUAL(amg_s3_delete(s3, keys[i]), AMG_OK);
    CU_ASSERT_EQUAL(amg_s3_delete(s3, "b/outside"), AMG_OK);
    CU_ASSERT_EQUAL(amg_s3_delete(other, "a/not-mine"), AMG_OK);
    memset(&l, 0, sizeof(l));
    CU_ASSERT_EQUAL(amg_s3_list(s3, NULL, collect, &l), AMG_OK);
    CU_ASSERT_EQUAL(l.n, 0);
    amg_s3_free(s3);
    amg_s3_free(other);
    free(src);
    amg_test_rmtree(tmp);
    free(tmp);
}

static void test_missing_and_delete(void)
{
    struct amg_s3 *s3 = client("del", NULL, 0, 0);
    char *tmp = amg_test_tmpdir();
    char *src = path_in(tmp, "f");
    char *dst = path_in(tmp, "g");
    long long size = 0;
    char *log;

    write_text(src, "hello");
    CU_ASSERT_EQUAL(amg_s3_put_file(s3, "obj", src, NULL), AMG_OK);
    CU_ASSERT_EQUAL(amg_s3_head(s3, "obj", &size), AMG_OK);
    CU_ASSERT_EQUAL(size, 5);
    CU_ASSERT_EQUAL(amg_s3_delete(s3, "obj"), AMG_OK);
    capture_begin();
    CU_ASSERT_EQUAL(amg_s3_head(s3, "obj", &size), AMG_ENOTFOUND);
    log = capture_end();
    CU_ASSERT(log == NULL || log[0] == '\0');   /* a quiet answer */
    free(log);
    CU_ASSERT_EQUAL(amg_s3_delete(s3, "obj"), AMG_OK);
    capture_begin();
    CU_ASSERT_EQUAL(amg_s3_get_file(s3, "obj", dst), AMG_ENOTFOUND);
    log = capture_end();
    CU_ASSERT_PTR_NOT_NULL(strstr(log, "/del/obj: GET answered HTTP 404 NoSuchKey"));
    CU_ASSERT_EQUAL(access(dst, F_OK), -1);
    CU_ASSERT_EQUAL(count_entries(tmp), 1);
    free(log);
    /* An existing target is never overwritten. */
    CU_ASSERT_EQUAL(amg_s3_put_file(s3, "obj", src, NULL), AMG_OK);
    capture_begin();
    CU_ASSERT_EQUAL(amg_s3_get_file(s3, "obj", src), AMG_EEXIST);
    free(capture_end());
    CU_ASSERT_EQUAL(amg_s3_delete(s3, "obj"), AMG_OK);
    amg_s3_free(s3);
    free(src);
    free(dst);
    amg_test_rmtree(tmp);
    free(tmp);
}

static void test_wrong_credentials(void)
{
    struct amg_s3 *bad = client("auth", "wrong-secret-key", 0, 0);
    struct amg_s3 *good = client("auth", NULL, 0, 0);
    struct amg_s3 *nokey = NULL;
    struct amg_s3_opts o = {
        .endpoint = endpoint, .region = "us-east-1", .access_key = "NOSUCHKEY",
        .secret_key = secret_key, .clock = &test_clock,
    };
    char *tmp = amg_test_tmpdir();
    char *src = path_in(tmp, "f");
    char *dst = path_in(tmp, "g");
    char *url = NULL;
    struct listing l = { .text = "" };
    long long size = 0;
    char *log;

    CU_ASSERT_FATAL(asprintf(&url, "s3://%s/auth", bucket) > 0);
    o.url = url;
    CU_ASSERT_EQUAL_FATAL(amg_s3_new(&o, &nokey), AMG_OK);
    write_text(src, "secret data");
    CU_ASSERT_EQUAL(amg_s3_put_file(good, "obj", src, NULL), AMG_OK);
    capture_begin();
    CU_ASSERT_EQUAL(amg_s3_put_file(bad, "obj2", src, NULL), AMG_EAUTH);
    CU_ASSERT_EQUAL(amg_s3_get_file(bad, "obj", dst), AMG_EAUTH);
    CU_ASSERT_EQUAL(amg_s3_head(bad, "obj", &size), AMG_EAUTH);
    CU_ASSERT_EQUAL(amg_s3_list(bad, NULL, collect, &l), AMG_EAUTH);
    CU_ASSERT_EQUAL(amg_s3_delete(bad, "obj"), AMG_EAUTH);
    CU_ASSERT_EQUAL(amg_s3_head(nokey, "obj", &size), AMG_EAUTH);
    CU_ASSERT_EQUAL(amg_s3_get_file(nokey, "obj", dst), AMG_EAUTH);
    log = capture_end();
    CU_ASSERT_PTR_NOT_NULL(strstr(log, "PUT answered HTTP 403 SignatureDoesNotMatch"));
    CU_ASSERT_PTR_NOT_NULL(strstr(log, "GET answered HTTP 403 InvalidAccessKeyId"));
    CU_ASSERT_PTR_NULL(strstr(log, "wrong-secret-key"));
    CU_ASSERT_PTR_NULL(strstr(log, "NOSUCHKEY"));
    CU_ASSERT_PTR_NULL(strstr(log, secret_key));
    CU_ASSERT_EQUAL(l.n, 0);
    CU_ASSERT_EQUAL(access(dst, F_OK), -1);
    /* Nothing was changed by the refused requests. */
    CU_ASSERT_EQUAL(amg_s3_head(good, "obj", &size), AMG_OK);
    CU_ASSERT_EQUAL(size, 11);
    CU_ASSERT_EQUAL(amg_s3_head(good, "obj2", &size), AMG_ENOTFOUND);
    CU_ASSERT_EQUAL(amg_s3_delete(good, "obj"), AMG_OK);
    free(log);
    amg_s3_free(bad);
    amg_s3_free(good);
    amg_s3_free(nokey);
    amg_log_clear_secrets();
    free(url);
    free(src);
    free(dst);
    amg_test_rmtree(tmp);
    free(tmp);
}

/* Keys that need percent-encoding in the path (and XML entities in the
 * listing) come back byte for byte. */
static void test_special_keys(void)
{
    static const char *const keys[] = {
        "dir one/\xc3\xbc file+&=?#%.txt",
        "q&a/<tag> \"quoted\" 'single'",
        "sym~*()!@$,;:[]{}^`|\\",
        "\xe2\x82\xac/\xf0\x9f\x98\x80 emoji",
    };
    struct amg_s3 *s3 = client("spécial dir", NULL, 1, 0);
    char *tmp = amg_test_tmpdir();
    char *src = path_in(tmp, "f");
    char *dst = path_in(tmp, "g");
    struct listing l = { .text = "" };
    char want[4096] = "";
    long long size = 0;
    size_t i;

    for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        char got[65], sent[65];

        make_file(src, 100 + i, (unsigned)i);
        CU_ASSERT_EQUAL(amg_sha256_file(src, sent), AMG_OK);
        CU_ASSERT_EQUAL(amg_s3_put_file(s3, keys[i], src, NULL), AMG_OK);
        CU_ASSERT_EQUAL(amg_s3_head(s3, keys[i], &size), AMG_OK);
        CU_ASSERT_EQUAL(size, (long long)(100 + i));
        CU_ASSERT_EQUAL(amg_s3_get_file(s3, keys[i], dst), AMG_OK);
        CU_ASSERT_EQUAL(amg_sha256_file(dst, got), AMG_OK);
        CU_ASSERT_STRING_EQUAL(got, sent);
        unlink(src);
        unlink(dst);
    }
    /* Byte-wise order, as S3 lists. */
    snprintf(want, sizeof(want), "%s=100;%s=101;%s=102;%s=103;", keys[0], keys[1], keys[2],
             keys[3]);
    CU_ASSERT_EQUAL(amg_s3_list(s3, NULL, collect, &l), AMG_OK);
    CU_ASSERT_STRING_EQUAL(l.text, want);
    for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        CU_ASSERT_EQUAL(amg_s3_delete(s3, keys[i]), AMG_OK);
    capture_begin();
    CU_ASSERT_EQUAL(amg_s3_put_file(s3, "a/../b", src, NULL), AMG_EINVAL);
    CU_ASSERT_EQUAL(amg_s3_head(s3, "/abs", &size), AMG_EINVAL);
    CU_ASSERT_EQUAL(amg_s3_delete(s3, "a//b"), AMG_EINVAL);
    CU_ASSERT_EQUAL(amg_s3_get_file(s3, "bad\xff", dst), AMG_EINVAL);
    CU_ASSERT_EQUAL(amg_s3_delete(s3, ""), AMG_EINVAL);
    free(capture_end());
    amg_s3_free(s3);
    free(src);
    free(dst);
    amg_test_rmtree(tmp);
    free(tmp);
}

/* The front answers "__fail<STATUS>x<N>__" URLs with STATUS N times (per
 * method). 5xx is retried with doubling backoff, 4xx is not. */
static void test_server_error_retries(void)
{
    struct amg_s3 *s3 = client("retry", NULL, 0, 3);
    char *tmp = amg_test_tmpdir();
    char *src = path_in(tmp, "f");
    char *dst = path_in(tmp, "g");
    char want[65], got[65];
    char *log;

    write_text(src, "payload");
    CU_ASSERT_EQUAL(amg_sha256_file(src, want), AMG_OK);
    capture_begin();
    CU_ASSERT_EQUAL(amg_s3_put_file(s3, "__fail503x2__/obj", src, NULL), AMG_OK);
    CU_ASSERT_EQUAL(fclock.n, 2);
    /* retry.h's backoff with jitter: base 0.5 s doubling, never below
     * half the base. */
    CU_ASSERT(fclock.slept[0] >= 0.25 && fclock.slept[0] <= 0.5);
    CU_ASSERT(fclock.slept[1] >= 0.25 && fclock.slept[1] <= 1.0);
    fclock.n = 0;
    CU_ASSERT_EQUAL(amg_s3_get_file(s3, "__fail503x2__/obj", dst), AMG_OK);
    CU_ASSERT_EQUAL(fclock.n, 2);
    CU_ASSERT_EQUAL(amg_sha256_file(dst, got), AMG_OK);
    CU_ASSERT_STRING_EQUAL(got, want);
    fclock.n = 0;
    CU_ASSERT_EQUAL(amg_s3_put_file(s3, "__fail500x9__", src, NULL), AMG_EHTTP);
    CU_ASSERT_EQUAL(fclock.n, 2);
    fclock.n = 0;
    CU_ASSERT_EQUAL(amg_s3_put_file(s3, "__fail400x1__", src, NULL), AMG_EPROTO);
    CU_ASSERT_EQUAL(fclock.n, 0);
    log = capture_end();
    CU_ASSERT_PTR_NOT_NULL(strstr(log, "PUT attempt 1 of 3 answered HTTP 503; retrying in 0."));
    CU_ASSERT_PTR_NOT_NULL(strstr(log, "__fail500x9__: PUT answered HTTP 500 InjectedFault"));
    CU_ASSERT_PTR_NOT_NULL(strstr(log, "__fail400x1__: PUT answered HTTP 400 InjectedFault"));
    free(log);
    fclock.n = 0;
    capture_begin();
    CU_ASSERT_EQUAL(amg_s3_delete(s3, "__fail503x2__/obj"), AMG_OK);
    free(capture_end());
    CU_ASSERT_EQUAL(fclock.n, 2);
    amg_s3_free(s3);
    free(src);
    free(dst);
    amg_test_rmtree(tmp);
    free(tmp);
}

/* A port nobody listens on: bound, then closed. */
static int closed_port(void)
{
    struct sockaddr_in sa = { .sin_family = AF_INET };
    socklen_t len = sizeof(sa);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    int port;

    CU_ASSERT_FATAL(fd >= 0);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    CU_ASSERT_FATAL(bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0);
    CU_ASSERT_FATAL(getsockname(fd, (struct sockaddr *)&sa, &len) == 0);
    port = ntohs(sa.sin_port);
    close(fd);
    return port;
}

static void test_transport_retries(void)
{
    struct amg_s3 *s3 = NULL;
    char ep[64];
    char *url = NULL;
    struct amg_s3_opts o = {
        .endpoint = ep, .region = "us-east-1", .access_key = access_key,
        .secret_key = secret_key, .max_attempts = 5, .clock = &test_clock,
    };
    long long size = 0;
    char *log;

    snprintf(ep, sizeof(ep), "http://127.0.0.1:%d", closed_port());
    CU_ASSERT_FATAL(asprintf(&url, "s3://%s", bucket) > 0);
    o.url = url;
    CU_ASSERT_EQUAL_FATAL(amg_s3_new(&o, &s3), AMG_OK);
    memset(&fclock, 0, sizeof(fclock));
    capture_begin();
    CU_ASSERT_EQUAL(amg_s3_head(s3, "obj", &size), AMG_EHTTP);
    log = capture_end();
    CU_ASSERT_EQUAL(fclock.n, 4);
    CU_ASSERT(fclock.slept[0] >= 0.25 && fclock.slept[0] <= 0.5);
    CU_ASSERT(fclock.slept[3] >= 0.25 && fclock.slept[3] <= 4.0);
    CU_ASSERT_PTR_NOT_NULL(strstr(log, "/obj: HEAD failed: "));
    free(log);
    amg_s3_free(s3);
    free(url);
}

static const struct amg_test tests[] = {
    { "bad options are refused", test_options_refused },
    { "20 MB put/head/get round trip", test_round_trip_20mb },
    { "150 MB up and down, memory flat", test_memory_flat_150mb },
    { "upload with a wrong hash is refused", test_put_wrong_hash_refused },
    { "list pages with continuation tokens", test_list_paginated },
    { "missing objects and delete", test_missing_and_delete },
    { "wrong credentials are refused, never logged", test_wrong_credentials },
    { "keys with spaces, unicode and XML characters", test_special_keys },
    { "5xx answers are retried, 4xx not", test_server_error_retries },
    { "transport errors are retried", test_transport_retries },
    { NULL, NULL },
};

int main(void)
{
    endpoint = getenv("AMG_S3_ENDPOINT");
    bucket = getenv("AMG_S3_BUCKET");
    access_key = getenv("AMG_S3_ACCESS_KEY");
    secret_key = getenv("AMG_S3_SECRET_KEY");
    if (!endpoint || !bucket || !access_key || !secret_key) {
        fprintf(stderr, "test_s3: AMG_S3_ENDPOINT, AMG_S3_BUCKET, AMG_S3_ACCESS_KEY and "
                        "AMG_S3_SECRET_KEY must be set; run tests/integration/s3_client.sh\n");
        return 1;
    }
    return amg_test_main("s3", tests);
}

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include "log.h"
#include "snapshot.h"
#include "snapshot_fixture.h"

static void test_round_trip(void)
{
    char *tmp = amg_test_tmpdir();
    char *final = make_snapshot(tmp);
    struct amg_snapshot *s = NULL;
    struct amg_ndjson_reader *r = NULL;
    json_t *doc = NULL;
    json_t *want = json_pack("{s:i, s:[s]}", "access_token_expires", 7200, "list", "x");
    json_t *rec;
    int i = 0;
    int rc;

    CU_ASSERT_EQUAL_FATAL(amg_snapshot_open(final, &s), AMG_OK);
    CU_ASSERT_STRING_EQUAL(amg_snapshot_path(s), final);
    CU_ASSERT_EQUAL(amg_snapshot_has_plugin(s, "tokens"), 1);
    CU_ASSERT_EQUAL(amg_snapshot_has_plugin(s, "users"), 1);
    CU_ASSERT_EQUAL(amg_snapshot_has_plugin(s, "roles"), 0);
    CU_ASSERT_EQUAL(amg_snapshot_read_json(s, "tokens", &doc), AMG_OK);
    CU_ASSERT(json_equal(doc, want));
    CU_ASSERT_EQUAL(amg_snapshot_ndjson_open(s, "users", &r), AMG_OK);
    while ((rc = amg_ndjson_next(r, &rec)) == 1) {
        json_t *exp = user_record(i++);

        CU_ASSERT(json_equal(rec, exp));
        json_decref(exp);
        json_decref(rec);
    }
    CU_ASSERT_EQUAL(rc, 0);
    CU_ASSERT_EQUAL(i, NRECORDS);
    CU_ASSERT_EQUAL(amg_ndjson_next(r, &rec), 0);
    amg_ndjson_reader_close(r);
    /* The same records as text, and the manifest's count. */
    CU_ASSERT_EQUAL(amg_snapshot_ndjson_open(s, "users", &r), AMG_OK);
    CU_ASSERT_EQUAL(amg_ndjson_expected(r), NRECORDS);
    i = 0;
    {
        const char *line = NULL;
        size_t len = 0;

        while ((rc = amg_ndjson_next_raw(r, &line, &len)) == 1) {
            json_t *exp = user_record(i++);
            json_t *got = json_loadb(line, len, 0, NULL);

            CU_ASSERT(len > 0 && line[len - 1] == '}');
            CU_ASSERT(json_equal(got, exp));
            json_decref(got);
            json_decref(exp);
        }
    }
    CU_ASSERT_EQUAL(rc, 0);
    CU_ASSERT_EQUAL(i, NRECORDS);
    amg_ndjson_reader_close(r);
    json_decref(doc);
    json_decref(want);
    amg_snapshot_close(s);
    free(final);
    amg_test_rmtree(tmp);
    free(tmp);
}

static void test_absent_plugin_files(void)
{
    char *tmp = amg_test_tmpdir();
    char *final = make_snapshot(tmp);
    struct amg_snapshot *s = NULL;
    struct amg_ndjson_reader *r = NULL;
    json_t *doc = NULL;

    CU_ASSERT_EQUAL_FATAL(amg_snapshot_open(final, &s), AMG_OK);
    CU_ASSERT_EQUAL(amg_snapshot_read_json(s, "roles", &doc), AMG_ENOTFOUND);
    CU_ASSERT_EQUAL(amg_snapshot_read_json(s, "users", &doc), AMG_ENOTFOUND);
    CU_ASSERT_PTR_NULL(doc);
    CU_ASSERT_EQUAL(amg_snapshot_ndjson_open(s, "tokens", &r), AMG_ENOTFOUND);
    CU_ASSERT_PTR_NULL(r);
    CU_ASSERT_EQUAL(amg_snapshot_read_json(s, "../users", &doc), AMG_EINVAL);
    amg_snapshot_close(s);
    free(final);
    amg_test_rmtree(tmp);
    free(tmp);
}

/* ---- reader ---- */

static void flip_byte(const char *snap)
{
    char *text = read_file(snap, "tokens.json");

    text[3] ^= 0x01;
    write_file(snap, "tokens.json", text, strlen(text));
    free(text);
}

static void truncate_ndjson(const char *snap)
{
    char *p = join(snap, "users.ndjson");
    struct stat st;

    CU_ASSERT_FATAL(stat(p, &st) == 0);
    CU_ASSERT_FATAL(truncate(p, st.st_size - 10) == 0);
    free(p);
}

static void remove_tokens(const char *snap)
{
    char *p = join(snap, "tokens.json");

    CU_ASSERT_FATAL(unlink(p) == 0);
    free(p);
}

static void add_extra(const char *snap)
{
    write_file(snap, "extra.txt", "hi\n", 3);
}

static void add_subdir(const char *snap)
{
    char *p = join(snap, "sub");

    CU_ASSERT_FATAL(mkdir(p, 0700) == 0);
    free(p);
}

static void bad_manifest_json(const char *snap)
{
    const char *text = "{\n  \"format\": oops\n}\n";

    write_file(snap, "manifest.json", text, strlen(text));
}

static void no_manifest(const char *snap)
{
    char *p = join(snap, "manifest.json");

    CU_ASSERT_FATAL(unlink(p) == 0);
    free(p);
}

/* Apply `key` = `value` (stolen) to the manifest, or to files[0] when
 * `in_file` is set. */
static void set_manifest(const char *snap, int in_file, const char *key, json_t *value)
{
    char *p = join(snap, "manifest.json");
    json_t *m = json_load_file(p, 0, NULL);
    json_t *target = in_file ? json_array_get(json_object_get(m, "files"), 0) : m;

    CU_ASSERT_FATAL(target != NULL);
    json_object_set_new(target, key, value);
    CU_ASSERT_FATAL(json_dump_file(m, p, JSON_INDENT(2)) == 0);
    json_decref(m);
    free(p);
}

static void version_2(const char *snap)
{
    set_manifest(snap, 0, "format_version", json_integer(2));
}

static void other_format(const char *snap)
{
    set_manifest(snap, 0, "format", json_string("something-else"));
}

static void dotdot_name(const char *snap)
{
    set_manifest(snap, 1, "name", json_string("../tokens.json"));
}

static void bad_sha(const char *snap)
{
    set_manifest(snap, 1, "sha256", json_string("XYZ"));
}

static void negative_bytes(const char *snap)
{
    set_manifest(snap, 1, "bytes", json_integer(-1));
}

static void plugins_not_object(const char *snap)
{
    set_manifest(snap, 0, "plugins", json_array());
}

static void flip_and_extra(const char *snap)
{
    flip_byte(snap);
    add_extra(snap);
}

static void test_open_detects(void)
{
    static const struct {
        void (*corrupt)(const char *snap);
        const char *want;   /* follows the snapshot directory */
    } cases[] = {
        { flip_byte, "/tokens.json: checksum mismatch (manifest says " },
        { truncate_ndjson, "/users.ndjson: size mismatch (manifest says " },
        { remove_tokens, "/tokens.json: listed in the manifest but No such file" },
        { add_extra, "/extra.txt: not listed in the manifest" },
        { add_subdir, "/sub: not listed in the manifest" },
        { version_2, "/manifest.json: unsupported snapshot format version 2 "
                     "(this appid-migrate reads 1)" },
        { other_format, "/manifest.json: not an appid-migrate snapshot" },
        { bad_manifest_json, "/manifest.json: line 2: " },
        { no_manifest, "/manifest.json: cannot open: No such file" },
        { dotdot_name, "/manifest.json: files[0]: invalid file name '../tokens.json'" },
        { bad_sha, "/manifest.json: files[0]: sha256 must be 64 lowercase hex" },
        { negative_bytes, "/manifest.json: files[0]: bytes must be an integer >= 0" },
        { plugins_not_object, "/manifest.json: \"plugins\" must be an object" },
        { flip_and_extra, ": invalid snapshot (2 problems)" },
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *tmp = amg_test_tmpdir();
        char *final = make_snapshot(tmp);
        struct amg_snapshot *s = NULL;
        char want[4096];
        char *log;

        cases[i].corrupt(final);
        snprintf(want, sizeof(want), "%s%s", final, cases[i].want);
        capture_start();
        CU_ASSERT_EQUAL(amg_snapshot_open(final, &s), AMG_ESNAPSHOT);
        log = capture_stop();
        CU_ASSERT_PTR_NULL(s);
        if (!strstr(log, want))
            fprintf(stderr, "\ncase %zu: want \"%s\" in:\n%s", i, want, log);
        CU_ASSERT_PTR_NOT_NULL(strstr(log, want));
        if (cases[i].corrupt == flip_and_extra)
            CU_ASSERT_PTR_NOT_NULL(strstr(log, "extra.txt: not listed"));
        free(log);
        free(final);
        amg_test_rmtree(tmp);
        free(tmp);
    }
}

static void test_ndjson_bad_lines(void)
{
    static const struct {
        const char *content;
        long records;
        int good;           /* records read before the error */
        const char *want;   /* follows the file name */
    } cases[] = {
        { "{\"a\":1}\n{\"a\":2}\nnot json\n{\"a\":4}\n", 4, 2, ":3: column " },
        { "{\"a\":1}\n{\"a\":2}", 2, 1, ":2: truncated line" },
        { "[1]\n", 1, 0, ":1: not a JSON object" },
        { "{\"a\":1}\n\n{\"a\":3}\n", 3, 1, ":2: column " },
        { "{\"a\":1,\"a\":2}\n", 1, 0, ":1: column " },
        { "{\"a\":1} {\"b\":2}\n", 1, 0, ":1: column " },
        { "{\"a\":1}\n", 3, 1, ": 1 records, manifest says 3" },
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *tmp = amg_test_tmpdir();
        char *final = make_snapshot(tmp);
        char *file = join(final, "users.ndjson");
        struct amg_snapshot *s = NULL;
        struct amg_ndjson_reader *r = NULL;
        json_t *rec = NULL;
        char want[4096];
        char *log;
        int n;

        reseal(final, "users.ndjson", cases[i].content, cases[i].records);
        CU_ASSERT_EQUAL_FATAL(amg_snapshot_open(final, &s), AMG_OK);
        CU_ASSERT_EQUAL_FATAL(amg_snapshot_ndjson_open(s, "users", &r), AMG_OK);
        for (n = 0; n < cases[i].good; n++) {
            CU_ASSERT_EQUAL(amg_ndjson_next(r, &rec), 1);
            CU_ASSERT(json_is_object(rec));
            json_decref(rec);
        }
        capture_start();
        CU_ASSERT_EQUAL(amg_ndjson_next(r, &rec), AMG_ESNAPSHOT);
        CU_ASSERT_PTR_NULL(rec);
        /* The stream stays failed. */
        CU_ASSERT_EQUAL(amg_ndjson_next(r, &rec), AMG_ESNAPSHOT);
        log = capture_stop();
        snprintf(want, sizeof(want), "%s%s", file, cases[i].want);
        if (!strstr(log, want))
            fprintf(stderr, "\ncase %zu: want \"%s\" in:\n%s", i, want, log);
        CU_ASSERT_PTR_NOT_NULL(strstr(log, want));
        free(log);
        amg_ndjson_reader_close(r);
        amg_snapshot_close(s);
        free(file);
        free(final);
        amg_test_rmtree(tmp);
        free(tmp);
    }
}

static void test_read_json_bad(void)
{
    char *tmp = amg_test_tmpdir();
    char *final = make_snapshot(tmp);
    struct amg_snapshot *s = NULL;
    json_t *doc = NULL;
    char *log;

    reseal(final, "tokens.json", "{\"a\":1,\n oops}\n", 1);
    CU_ASSERT_EQUAL_FATAL(amg_snapshot_open(final, &s), AMG_OK);
    capture_start();
    CU_ASSERT_EQUAL(amg_snapshot_read_json(s, "tokens", &doc), AMG_ESNAPSHOT);
    log = capture_stop();
    CU_ASSERT_PTR_NULL(doc);
    CU_ASSERT_PTR_NOT_NULL(strstr(log, "/tokens.json: line 2: "));
    free(log);
    amg_snapshot_close(s);
    free(final);
    amg_test_rmtree(tmp);
    free(tmp);
}

/* A line far longer than any stdio buffer comes back whole. */
static void test_ndjson_long_line(void)
{
    char *tmp = amg_test_tmpdir();
    struct amg_snapshot_writer *w = NULL;
    struct amg_ndjson_writer *nw = NULL;
    struct amg_snapshot *s = NULL;
    struct amg_ndjson_reader *r = NULL;
    size_t len = 300000;
    char *big = malloc(len + 1);
    json_t *rec = NULL;
    json_t *got = NULL;
    char *final = NULL;

    CU_ASSERT_FATAL(big != NULL);
    memset(big, 'x', len);
    big[len] = '\0';
    rec = json_pack("{s:s}", "blob", big);
    CU_ASSERT_EQUAL_FATAL(amg_snapshot_begin(tmp, &fixture_src, NOW, &w), AMG_OK);
    CU_ASSERT_EQUAL(amg_snapshot_ndjson_create(w, "blobs", &nw), AMG_OK);
    CU_ASSERT_EQUAL(amg_ndjson_write(nw, rec), AMG_OK);
    CU_ASSERT_EQUAL(amg_ndjson_write(nw, rec), AMG_OK);
    CU_ASSERT_EQUAL(amg_ndjson_close(nw), AMG_OK);
    CU_ASSERT_EQUAL_FATAL(amg_snapshot_commit(w, &final), AMG_OK);
    CU_ASSERT_EQUAL_FATAL(amg_snapshot_open(final, &s), AMG_OK);
    CU_ASSERT_EQUAL_FATAL(amg_snapshot_ndjson_open(s, "blobs", &r), AMG_OK);
    for (int i = 0; i < 2; i++) {
        CU_ASSERT_EQUAL(amg_ndjson_next(r, &got), 1);
        CU_ASSERT(json_equal(got, rec));
        json_decref(got);
    }
    CU_ASSERT_EQUAL(amg_ndjson_next(r, &got), 0);
    amg_ndjson_reader_close(r);
    amg_snapshot_close(s);
    json_decref(rec);
    free(big);
    free(final);
    amg_test_rmtree(tmp);
    free(tmp);
}

/* Binary parts next to a plugin's document: written, listed, verified
 * and read back byte for byte; tampering and bad part names are caught. */
static void test_blobs(void)
{
    char *dir = amg_test_tmpdir();
    char *path = NULL;
    char *data = NULL;
    char *bin = NULL;
    size_t len = 0;
    struct amg_snapshot_writer *w = NULL;
    struct amg_snapshot *s = NULL;
    static const char logo[] = { '\x89', 'P', 'N', 'G', '\0', '\r', '\n', 'x' };
    json_t *doc = json_pack("{s:s}", "headerColor", "#112233");

    CU_ASSERT_EQUAL_FATAL(amg_snapshot_begin(dir, &fixture_src, NOW, &w), AMG_OK);
    CU_ASSERT_EQUAL(amg_snapshot_add_plugin(w, "themes", "1.0.0"), AMG_OK);
    CU_ASSERT_EQUAL(amg_snapshot_write_json(w, "themes", doc, 1), AMG_OK);
    CU_ASSERT_EQUAL(amg_snapshot_write_blob(w, "themes", "logo", logo, sizeof(logo)), AMG_OK);
    capture_start();
    CU_ASSERT_EQUAL(amg_snapshot_write_blob(w, "themes", "Bad.Part", logo, 1), AMG_EINVAL);
    free(capture_stop());
    /* A failed write poisons the writer: start again without it. */
    amg_snapshot_abort(w);
    CU_ASSERT_EQUAL_FATAL(amg_snapshot_begin(dir, &fixture_src, NOW, &w), AMG_OK);
    CU_ASSERT_EQUAL(amg_snapshot_add_plugin(w, "themes", "1.0.0"), AMG_OK);
    CU_ASSERT_EQUAL(amg_snapshot_write_json(w, "themes", doc, 1), AMG_OK);
    CU_ASSERT_EQUAL(amg_snapshot_write_blob(w, "themes", "logo", logo, sizeof(logo)), AMG_OK);
    capture_start();
    CU_ASSERT_EQUAL(amg_snapshot_write_blob(w, "themes", "logo", logo, 1), AMG_EEXIST);
    free(capture_stop());
    amg_snapshot_abort(w);
    CU_ASSERT_EQUAL_FATAL(amg_snapshot_begin(dir, &fixture_src, NOW, &w), AMG_OK);
    CU_ASSERT_EQUAL(amg_snapshot_add_plugin(w, "themes", "1.0.0"), AMG_OK);
    CU_ASSERT_EQUAL(amg_snapshot_write_json(w, "themes", doc, 1), AMG_OK);
    CU_ASSERT_EQUAL(amg_snapshot_write_blob(w, "themes", "logo", logo, sizeof(logo)), AMG_OK);
    CU_ASSERT_EQUAL_FATAL(amg_snapshot_commit(w, &path), AMG_OK);

    CU_ASSERT_EQUAL_FATAL(amg_snapshot_open(path, &s), AMG_OK);
    CU_ASSERT_EQUAL(amg_snapshot_read_blob(s, "themes", "logo", &data, &len), AMG_OK);
    CU_ASSERT_EQUAL(len, sizeof(logo));
    CU_ASSERT(data && memcmp(data, logo, sizeof(logo)) == 0);
    free(data);
    data = NULL;
    CU_ASSERT_EQUAL(amg_snapshot_read_blob(s, "themes", "favicon", &data, &len), AMG_ENOTFOUND);
    CU_ASSERT_EQUAL(amg_snapshot_read_blob(s, "tokens", "logo", &data, &len), AMG_ENOTFOUND);
    amg_snapshot_close(s);
    s = NULL;

    /* One changed byte in the part fails the checksum and names the file. */
    bin = read_file(path, "themes.logo.bin");
    CU_ASSERT_PTR_NOT_NULL_FATAL(bin);
    bin[1] = 'Q';
    write_file(path, "themes.logo.bin", bin, sizeof(logo));
    capture_start();
    CU_ASSERT_EQUAL(amg_snapshot_open(path, &s), AMG_ESNAPSHOT);
    data = capture_stop();
    CU_ASSERT_PTR_NOT_NULL(strstr(data, "themes.logo.bin: checksum mismatch"));
    free(data);
    free(bin);
    free(path);
    json_decref(doc);
    amg_test_rmtree(dir);
    free(dir);
}

/* The manifest checks on text in memory agree with amg_snapshot_open(). */
static void test_check_manifest_text(void)
{
    char *tmp = amg_test_tmpdir();
    char *final = make_snapshot(tmp);
    char *text = read_file(final, "manifest.json");
    char *bad = NULL;
    char *log;
    char *p;

    CU_ASSERT_EQUAL(amg_snapshot_check_manifest(final, text, strlen(text)), AMG_OK);
    /* One digit of a checksum changed: the file no longer matches. */
    bad = strdup(text);
    CU_ASSERT_PTR_NOT_NULL_FATAL(bad);
    p = strstr(bad, "\"sha256\": \"");
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    p += strlen("\"sha256\": \"");
    *p = *p == 'a' ? 'b' : 'a';
    capture_start();
    CU_ASSERT_EQUAL(amg_snapshot_check_manifest(final, bad, strlen(bad)), AMG_ESNAPSHOT);
    log = capture_stop();
    CU_ASSERT_PTR_NOT_NULL(strstr(log, "checksum mismatch"));
    free(log);
    capture_start();
    CU_ASSERT_EQUAL(amg_snapshot_check_manifest(final, "{\"format\": 1", 13), AMG_ESNAPSHOT);
    log = capture_stop();
    CU_ASSERT_PTR_NOT_NULL(strstr(log, "manifest.json: line 1:"));
    free(log);
    CU_ASSERT_EQUAL(amg_snapshot_check_manifest(NULL, text, strlen(text)), AMG_EINVAL);
    free(bad);
    free(text);
    free(final);
    amg_test_rmtree(tmp);
    free(tmp);
}

/* A reader over any stream; it owns the stream even when it refuses. */
static void test_ndjson_reader_on_stream(void)
{
    static char data[] = "{\"a\":1}\n{\"a\":2}\n";
    struct amg_ndjson_reader *r = NULL;
    FILE *fp = fmemopen(data, strlen(data), "r");
    json_t *rec = NULL;

    CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
    CU_ASSERT_EQUAL_FATAL(amg_ndjson_reader_new(fp, "mem", 2, &r), AMG_OK);
    CU_ASSERT_EQUAL(amg_ndjson_next(r, &rec), 1);
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(rec, "a")), 1);
    json_decref(rec);
    CU_ASSERT_EQUAL(amg_ndjson_next(r, &rec), 1);
    json_decref(rec);
    CU_ASSERT_EQUAL(amg_ndjson_next(r, &rec), 0);
    amg_ndjson_reader_close(r);
    fp = fmemopen(data, strlen(data), "r");
    CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
    CU_ASSERT_EQUAL(amg_ndjson_reader_new(fp, "mem", -1, &r), AMG_EINVAL);
    CU_ASSERT_PTR_NULL(r);
}

static const struct amg_test tests[] = {
    { "round trip json + 1000 ndjson records", test_round_trip },
    { "absent plugin files", test_absent_plugin_files },
    { "open detects corruption", test_open_detects },
    { "ndjson reader reports bad lines", test_ndjson_bad_lines },
    { "read_json reports bad JSON", test_read_json_bad },
    { "ndjson long line", test_ndjson_long_line },
    { "binary parts", test_blobs },
    { "manifest checks on text", test_check_manifest_text },
    { "ndjson reader on a stream", test_ndjson_reader_on_stream },
    { NULL, NULL },
};

int main(void)
{
    amg_log_set_level(AMG_LOG_WARN);
    return amg_test_main("snapshot_read", tests);
}

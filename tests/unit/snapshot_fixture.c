/* Shared fixture of the snapshot writer and reader suites. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "log.h"
#include "snapshot.h"
#include "snapshot_fixture.h"

const struct amg_snapshot_source fixture_src = {
    .instance = "prod",
    .region = NULL,
    .endpoint = "http://127.0.0.1:8080",
    .tenant_id = "tenant-1",
};

void capture_start(void)
{
    amg_test_capture_start();
}

/* Everything logged since capture_start(); caller frees. */
char *capture_stop(void)
{
    char *out = amg_test_capture_end();

    return out ? out : strdup("");
}

char *join(const char *a, const char *b)
{
    size_t len = strlen(a) + strlen(b) + 2;
    char *p = malloc(len);

    CU_ASSERT_FATAL(p != NULL);
    snprintf(p, len, "%s/%s", a, b);
    return p;
}

int exists(const char *dir, const char *name)
{
    char *p = join(dir, name);
    struct stat st;
    int rc = lstat(p, &st) == 0;

    free(p);
    return rc;
}

int count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    int n = 0;

    CU_ASSERT_FATAL(d != NULL);
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
            n++;
    }
    closedir(d);
    return n;
}

void write_file(const char *dir, const char *name, const char *data, size_t len)
{
    char *p = join(dir, name);
    FILE *fp = fopen(p, "wb");

    CU_ASSERT_FATAL(fp != NULL);
    CU_ASSERT_FATAL(fwrite(data, 1, len, fp) == len);
    CU_ASSERT_FATAL(fclose(fp) == 0);
    free(p);
}

char *read_file(const char *dir, const char *name)
{
    char *p = join(dir, name);
    FILE *fp = fopen(p, "rb");
    char *buf = calloc(1, 1 << 20);
    size_t n;

    CU_ASSERT_FATAL(fp != NULL && buf != NULL);
    n = fread(buf, 1, (1 << 20) - 1, fp);
    buf[n] = '\0';
    fclose(fp);
    free(p);
    return buf;
}

json_t *user_record(int i)
{
    return json_pack("{s:i, s:s, s:{s:b}}", "n", i, "id", "user\n\"x\"", "attrs", "ok", 1);
}

/* A committed snapshot with tokens.json and users.ndjson (NRECORDS
 * lines); returns its path (caller frees). */
char *make_snapshot(const char *dir)
{
    struct amg_snapshot_writer *w = NULL;
    struct amg_ndjson_writer *nw = NULL;
    json_t *doc = json_pack("{s:i, s:[s]}", "access_token_expires", 7200, "list", "x");
    char *final = NULL;
    int i;

    CU_ASSERT_FATAL(amg_snapshot_begin(dir, &fixture_src, NOW, &w) == AMG_OK);
    CU_ASSERT_EQUAL(amg_snapshot_add_plugin(w, "tokens", "1.0.0"), AMG_OK);
    CU_ASSERT_EQUAL(amg_snapshot_add_plugin(w, "users", "1.2.0"), AMG_OK);
    CU_ASSERT_EQUAL(amg_snapshot_write_json(w, "tokens", doc, 1), AMG_OK);
    CU_ASSERT_EQUAL(amg_snapshot_ndjson_create(w, "users", &nw), AMG_OK);
    for (i = 0; i < NRECORDS; i++) {
        json_t *rec = user_record(i);

        CU_ASSERT_EQUAL(amg_ndjson_write(nw, rec), AMG_OK);
        json_decref(rec);
    }
    CU_ASSERT_EQUAL(amg_ndjson_close(nw), AMG_OK);
    CU_ASSERT_EQUAL_FATAL(amg_snapshot_commit(w, &final), AMG_OK);
    json_decref(doc);
    return final;
}

/* Replace a data file and update the manifest to match, so the reader
 * gets past amg_snapshot_open() and meets the content itself. */
void reseal(const char *snap, const char *name, const char *content, long records)
{
    char *mpath = join(snap, "manifest.json");
    char *fpath = join(snap, name);
    char hex[65];
    json_t *m = json_load_file(mpath, 0, NULL);
    json_t *e;
    size_t i;

    CU_ASSERT_FATAL(m != NULL);
    write_file(snap, name, content, strlen(content));
    CU_ASSERT_FATAL(amg_sha256_file(fpath, hex) == AMG_OK);
    json_array_foreach(json_object_get(m, "files"), i, e) {
        if (strcmp(json_string_value(json_object_get(e, "name")), name) == 0) {
            json_object_set_new(e, "sha256", json_string(hex));
            json_object_set_new(e, "bytes", json_integer((json_int_t)strlen(content)));
            json_object_set_new(e, "records", json_integer(records));
        }
    }
    CU_ASSERT_FATAL(json_dump_file(m, mpath, JSON_INDENT(2)) == 0);
    json_decref(m);
    free(mpath);
    free(fpath);
}

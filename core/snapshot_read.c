/*
 * Snapshot reader. amg_snapshot_open() checks the whole snapshot up front
 * (snapshot_check.c) and reports every problem it finds, so an operator
 * fixes them in one pass; the readers afterwards only deal with parse
 * errors and, for an encrypted snapshot, authentication failures.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "fsutil.h"
#include "log.h"
#include "mem.h"
#include "seal.h"
#include "snapshot.h"
#include "snapshot_check.h"

struct amg_snapshot {
    char *path;
    json_t *manifest;
    int sealed;         /* the manifest has "encryption" */
    int have_key;
    struct amg_seal_params params;
    unsigned char key[AMG_SEAL_KEY_BYTES];
};

struct amg_ndjson_reader {
    char *path;
    FILE *fp;
    char *line;         /* getline buffer, reused for every line */
    size_t cap;
    struct amg_seal_reader *seal;   /* decrypting reader over fp, or NULL */
    long lineno;
    long expected;      /* "records" from the manifest */
    int status;         /* sticky: a bad line ends the stream */
};


/* "encryption": {seal params..., "files": "all"}; only "all" exists. */
static int check_encryption(const char *mpath, struct amg_snapshot *s)
{
    json_t *enc = json_object_get(s->manifest, "encryption");
    json_t *params;
    const char *files;
    int rc;

    if (!enc)
        return AMG_OK;
    files = json_string_value(json_object_get(enc, "files"));
    if (!json_is_object(enc) || !files || strcmp(files, "all") != 0) {
        amg_error("%s: \"encryption\" must be an object with \"files\": \"all\"", mpath);
        return AMG_ESNAPSHOT;
    }
    /* The seal parameters are the object less "files". */
    params = json_copy(enc);
    if (!params || json_object_del(params, "files") != 0) {
        json_decref(params);
        return AMG_ENOMEM;
    }
    rc = amg_seal_params_from_json(params, &s->params);
    json_decref(params);
    if (rc != AMG_OK) {
        amg_error("%s: invalid \"encryption\" parameters", mpath);
        return AMG_ESNAPSHOT;
    }
    s->sealed = 1;
    return AMG_OK;
}

int amg_snapshot_open(const char *dir, struct amg_snapshot **out)
{
    struct amg_snapshot *s = NULL;
    char *mpath = NULL;
    int rc = AMG_EINVAL;

    if (out)
        *out = NULL;
    if (!dir || !*dir || !out)
        goto out;
    rc = AMG_ENOMEM;
    s = amg_calloc(1, sizeof(*s));
    if (!s)
        goto out;
    s->path = amg_strdup(dir);
    mpath = amg_path_join(dir, MANIFEST_NAME);
    if (!s->path || !mpath)
        goto out;
    rc = amg_snapshot_load_manifest(mpath, &s->manifest);
    if (rc)
        goto out;
    rc = amg_snapshot_check_all(dir, mpath, s->manifest);
    if (rc)
        goto out;
    rc = check_encryption(mpath, s);
    if (rc)
        goto out;
    *out = s;
    s = NULL;
out:
    amg_free(mpath);
    amg_snapshot_close(s);
    return rc;
}

void amg_snapshot_close(struct amg_snapshot *s)
{
    if (!s)
        return;
    amg_free(s->path);
    json_decref(s->manifest);
    amg_seal_key_wipe(s->key, sizeof(s->key));
    amg_free(s);
}

json_t *amg_snapshot_manifest(const struct amg_snapshot *s)
{
    return s ? s->manifest : NULL;
}

const char *amg_snapshot_path(const struct amg_snapshot *s)
{
    return s ? s->path : NULL;
}

/* The manifest entry of <plugin><ext> (borrowed), or NULL. */
static json_t *find_file(const struct amg_snapshot *s, const char *plugin, const char *ext)
{
    json_t *files = json_object_get(s->manifest, "files");
    json_t *e;
    size_t i;

    json_array_foreach(files, i, e) {
        const char *name = json_string_value(json_object_get(e, "name"));
        const char *plug = json_string_value(json_object_get(e, "plugin"));

        if (strcmp(plug, plugin) == 0 && (!ext || strcmp(name + strlen(plug), ext) == 0))
            return e;
    }
    return NULL;
}

const char *amg_snapshot_document(const struct amg_snapshot *s, const char *plugin)
{
    json_t *e;

    if (!s || !plugin)
        return NULL;
    e = find_file(s, plugin, ".json");
    if (!e)
        e = find_file(s, plugin, ".ndjson");
    return e ? json_string_value(json_object_get(e, "name")) : NULL;
}

int amg_snapshot_has_plugin(const struct amg_snapshot *s, const char *plugin)
{
    if (!s || !plugin)
        return 0;
    return find_file(s, plugin, NULL) != NULL;
}

/* Open the sealed file `path` (named `name` in the snapshot, its
 * context) for decryption. AMG_ECONFIG when no key was set. */
static int open_sealed(const struct amg_snapshot *s, const char *path, const char *name,
                       FILE **fp, struct amg_seal_reader **sr)
{
    int rc;

    if (!s->have_key) {
        amg_error("%s: the snapshot is encrypted; reading it needs the key "
                  "(snapshot_encryption in the config)", path);
        return AMG_ECONFIG;
    }
    *fp = fopen(path, "rbe");
    if (!*fp) {
        amg_error("%s: cannot open: %s", path, strerror(errno));
        return AMG_EIO;
    }
    rc = amg_seal_reader_new(*fp, path, name, s->key, sr);
    if (rc) {
        fclose(*fp);
        *fp = NULL;
    }
    return rc;
}

/* Read to the authenticated end, discarding the plaintext. */
static int drain(struct amg_seal_reader *sr)
{
    char buf[4096];
    size_t n;
    int rc;

    do {
        rc = amg_seal_read(sr, buf, sizeof(buf), &n);
    } while (rc == AMG_OK && n > 0);
    amg_seal_key_wipe(buf, sizeof(buf));
    return rc;
}

struct seal_load {
    struct amg_seal_reader *r;
    int status;
};

static size_t seal_load_cb(void *buf, size_t len, void *data)
{
    struct seal_load *sl = data;
    size_t n = 0;

    sl->status = amg_seal_read(sl->r, buf, len, &n);
    return sl->status ? (size_t)-1 : n;
}

int amg_snapshot_read_json(struct amg_snapshot *s, const char *plugin, json_t **doc)
{
    json_error_t err;
    json_t *e;
    char *path = NULL;
    FILE *fp = NULL;
    struct amg_seal_reader *sr = NULL;
    struct seal_load sl = { NULL, AMG_OK };
    long refused;
    int rc = AMG_EINVAL;

    if (doc)
        *doc = NULL;
    if (!s || !doc || !amg_snapshot_plugin_name_ok(plugin))
        goto out;
    e = find_file(s, plugin, ".json");
    if (!e) {
        rc = AMG_ENOTFOUND;
        goto out;
    }
    rc = AMG_ENOMEM;
    path = amg_path_join(s->path, json_string_value(json_object_get(e, "name")));
    if (!path)
        goto out;
    refused = amg_mem_failures();
    if (s->sealed) {
        rc = open_sealed(s, path, json_string_value(json_object_get(e, "name")), &fp, &sr);
        if (rc)
            goto out;
        sl.r = sr;
        *doc = json_load_callback(seal_load_cb, &sl, JSON_REJECT_DUPLICATES, &err);
        /* jansson stops at the end of the value: the rest must still
         * authenticate, else a cut-off file would pass. */
        if (*doc && sl.status == AMG_OK)
            sl.status = drain(sr);
        if (sl.status) {
            json_decref(*doc);
            *doc = NULL;
            rc = sl.status;
            goto out;
        }
    } else {
        *doc = json_load_file(path, JSON_REJECT_DUPLICATES, &err);
    }
    if (!*doc) {
        rc = amg_snapshot_parse_failure(path, refused, &err, 0);
        goto out;
    }
    rc = AMG_OK;
out:
    amg_seal_reader_free(sr);
    if (fp)
        fclose(fp);
    amg_free(path);
    return rc;
}

int amg_snapshot_read_blob(struct amg_snapshot *s, const char *plugin, const char *part,
                           char **data, size_t *len)
{
    char ext[NAME_MAX + 1];
    json_t *e;
    char *path = NULL;
    char *buf = NULL;
    FILE *fp = NULL;
    struct amg_seal_reader *sr = NULL;
    json_int_t bytes;
    int rc = AMG_EINVAL;

    if (data)
        *data = NULL;
    if (len)
        *len = 0;
    if (!s || !data || !len || !amg_snapshot_plugin_name_ok(plugin) ||
        !amg_snapshot_plugin_name_ok(part) || strlen(part) + 6 > sizeof(ext))
        goto out;
    snprintf(ext, sizeof(ext), ".%s.bin", part);
    e = find_file(s, plugin, ext);
    if (!e) {
        rc = AMG_ENOTFOUND;
        goto out;
    }
    bytes = json_integer_value(json_object_get(e, "bytes"));
    rc = AMG_ENOMEM;
    path = amg_path_join(s->path, json_string_value(json_object_get(e, "name")));
    if (!path)
        goto out;
    if (bytes > AMG_SNAPSHOT_BLOB_MAX) {
        amg_error("%s: %lld bytes, larger than a binary part may be", path, (long long)bytes);
        rc = AMG_ESNAPSHOT;
        goto out;
    }
    buf = amg_malloc((size_t)bytes + 1);
    if (!buf)
        goto out;
    if (s->sealed) {
        size_t n = 0;

        /* The plaintext is shorter than the ciphertext listed as bytes. */
        rc = open_sealed(s, path, json_string_value(json_object_get(e, "name")), &fp, &sr);
        while (rc == AMG_OK) {
            size_t got = 0;

            rc = amg_seal_read(sr, buf + n, (size_t)bytes + 1 - n, &got);
            if (rc == AMG_OK && got == 0)
                break;
            n += got;
            if (rc == AMG_OK && n > (size_t)bytes) {
                amg_error("%s: more plaintext than ciphertext", path);
                rc = AMG_ESNAPSHOT;
            }
        }
        if (rc)
            goto out;
        bytes = (json_int_t)n;
    } else if (!(fp = fopen(path, "rb")) || fread(buf, 1, (size_t)bytes, fp) != (size_t)bytes ||
               fgetc(fp) != EOF) {
        /* The size was checked at open; a different size now means the
         * file changed underneath us. */
        amg_error("%s: cannot read %lld bytes", path, (long long)bytes);
        rc = AMG_ESNAPSHOT;
        goto out;
    }
    buf[bytes] = '\0';
    *data = buf;
    *len = (size_t)bytes;
    buf = NULL;
    rc = AMG_OK;
out:
    amg_seal_reader_free(sr);
    if (fp)
        fclose(fp);
    amg_free(buf);
    amg_free(path);
    return rc;
}

int amg_ndjson_reader_new(FILE *fp, const char *name, long records,
                          struct amg_ndjson_reader **out)
{
    struct amg_ndjson_reader *r = NULL;
    int rc = AMG_EINVAL;

    if (out)
        *out = NULL;
    if (!fp || !name || !out || records < 0)
        goto out;
    rc = AMG_ENOMEM;
    r = amg_calloc(1, sizeof(*r));
    if (!r)
        goto out;
    r->path = amg_strdup(name);
    if (!r->path)
        goto out;
    r->fp = fp;
    fp = NULL;
    r->expected = records;
    *out = r;
    r = NULL;
    rc = AMG_OK;
out:
    if (fp)
        fclose(fp);
    amg_ndjson_reader_close(r);
    return rc;
}

int amg_snapshot_ndjson_open(struct amg_snapshot *s, const char *plugin,
                             struct amg_ndjson_reader **out)
{
    json_t *e;
    char *path = NULL;
    FILE *fp = NULL;
    struct amg_seal_reader *sr = NULL;
    int rc = AMG_EINVAL;

    if (out)
        *out = NULL;
    if (!s || !out || !amg_snapshot_plugin_name_ok(plugin))
        goto out;
    e = find_file(s, plugin, ".ndjson");
    if (!e) {
        rc = AMG_ENOTFOUND;
        goto out;
    }
    rc = AMG_ENOMEM;
    path = amg_path_join(s->path, json_string_value(json_object_get(e, "name")));
    if (!path)
        goto out;
    if (s->sealed) {
        rc = open_sealed(s, path, json_string_value(json_object_get(e, "name")), &fp, &sr);
        if (rc)
            goto out;
    } else if (!(fp = fopen(path, "re"))) {
        amg_error("%s: cannot open: %s", path, strerror(errno));
        rc = AMG_EIO;
        goto out;
    }
    rc = amg_ndjson_reader_new(fp, path,
                               (long)json_integer_value(json_object_get(e, "records")), out);
    if (rc == AMG_OK) {
        (*out)->seal = sr;
        sr = NULL;
    }
out:
    amg_seal_reader_free(sr);
    amg_free(path);
    return rc;
}

static int bad_line(struct amg_ndjson_reader *r, const char *reason)
{
    amg_error("%s:%ld: %s", r->path, r->lineno, reason);
    r->status = AMG_ESNAPSHOT;
    return r->status;
}

long amg_ndjson_expected(const struct amg_ndjson_reader *r)
{
    return r->expected;
}

/* The next line into r->line: 1 with its length (without the newline) in
 * *len, 0 at the end (the count checked against the manifest), or the
 * sticky negative status. */
static int read_line(struct amg_ndjson_reader *r, size_t *len)
{
    ssize_t n;

    if (r->status)
        return r->status;
    errno = 0;
    if (r->seal) {
        /* Errors were logged, naming the file. */
        n = amg_seal_reader_getline(r->seal, &r->line, &r->cap);
        if (n < 0) {
            r->status = (int)n;
            return r->status;
        }
        if (n == 0)
            n = -1;
    } else {
        n = getline(&r->line, &r->cap, r->fp);
    }
    if (n < 0) {
        if (ferror(r->fp)) {
            amg_error("%s: read error: %s", r->path, strerror(errno));
            r->status = AMG_EIO;
            return r->status;
        }
        if (r->lineno != r->expected) {
            amg_error("%s: %ld records, manifest says %ld", r->path, r->lineno, r->expected);
            r->status = AMG_ESNAPSHOT;
            return r->status;
        }
        return 0;
    }
    r->lineno++;
    if (r->line[n - 1] != '\n')
        return bad_line(r, "truncated line (no newline at end of file)");
    *len = (size_t)n - 1;
    return 1;
}

int amg_ndjson_next(struct amg_ndjson_reader *r, json_t **rec)
{
    json_error_t err;
    json_t *v;
    long refused;
    size_t n = 0;
    int rc;

    if (rec)
        *rec = NULL;
    if (!r || !rec)
        return AMG_EINVAL;
    rc = read_line(r, &n);
    if (rc <= 0)
        return rc;
    refused = amg_mem_failures();
    v = json_loadb(r->line, n, JSON_REJECT_DUPLICATES, &err);
    if (!v) {
        r->status = amg_snapshot_parse_failure(r->path, refused, &err, r->lineno);
        return r->status;
    }
    if (!json_is_object(v)) {
        json_decref(v);
        return bad_line(r, "not a JSON object");
    }
    *rec = v;
    return 1;
}

int amg_ndjson_next_raw(struct amg_ndjson_reader *r, const char **line, size_t *len)
{
    int rc;

    if (line)
        *line = NULL;
    if (len)
        *len = 0;
    if (!r || !line || !len)
        return AMG_EINVAL;
    rc = read_line(r, len);
    if (rc == 1)
        *line = r->line;
    return rc;
}

void amg_ndjson_reader_close(struct amg_ndjson_reader *r)
{
    if (!r)
        return;
    amg_seal_reader_free(r->seal);
    if (r->fp)
        fclose(r->fp);
    free(r->line);     /* getline's buffer: libc memory */
    amg_free(r->path);
    amg_free(r);
}

int amg_snapshot_encrypted(const struct amg_snapshot *s)
{
    return s && s->sealed;
}

int amg_snapshot_set_secret(struct amg_snapshot *s, const char *secret, size_t len)
{
    int rc;

    if (!s || !secret || !s->sealed)
        return AMG_EINVAL;
    rc = amg_seal_derive_key(secret, len, &s->params, s->key);
    s->have_key = rc == AMG_OK;
    return rc;
}

int amg_snapshot_check_content(struct amg_snapshot *s)
{
    json_t *e;
    size_t i;
    int bad = 0;

    if (!s || !s->sealed)
        return AMG_EINVAL;
    json_array_foreach(json_object_get(s->manifest, "files"), i, e) {
        const char *name = json_string_value(json_object_get(e, "name"));
        struct amg_seal_reader *sr = NULL;
        char *path = amg_path_join(s->path, name);
        FILE *fp = NULL;
        int rc;

        if (!path)
            return AMG_ENOMEM;
        rc = open_sealed(s, path, name, &fp, &sr);
        if (rc == AMG_OK)
            rc = drain(sr);
        amg_seal_reader_free(sr);
        if (fp)
            fclose(fp);
        amg_free(path);
        if (rc == AMG_ENOMEM || rc == AMG_ECONFIG)
            return rc;
        if (rc)
            bad++;
    }
    if (bad) {
        amg_error("%s: %d encrypted file%s failed to authenticate", s->path, bad,
                  bad == 1 ? "" : "s");
        return AMG_ESNAPSHOT;
    }
    return AMG_OK;
}

#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <jansson.h>
#include "error.h"
#include "fsutil.h"
#include "log.h"
#include "mem.h"
#include "s3.h"
#include "store.h"

#define MANIFEST "manifest.json"
#define DEFAULT_ACCESS_ENV "AMG_S3_ACCESS_KEY"
#define DEFAULT_SECRET_ENV "AMG_S3_SECRET_KEY"

int amg_store_is_ref(const char *ref)
{
    return ref && strncmp(ref, "s3://", 5) == 0;
}

/* Snapshot directory names: what the writer makes, nothing that could
 * step out of a directory. */
static int name_ok(const char *s)
{
    size_t i;

    if (!s || !*s || s[0] == '.' || strlen(s) > 255)
        return 0;
    for (i = 0; s[i]; i++) {
        char c = s[i];

        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == '.'))
            return 0;
    }
    return 1;
}

static int env_value(const char *name, const char **out)
{
    *out = getenv(name);
    if (!*out || !**out) {
        amg_error("s3: environment variable %s (HMAC key for the snapshot store) is not set",
                  name);
        return AMG_ECONFIG;
    }
    return AMG_OK;
}

int amg_store_client(const struct amg_config *cfg, const char *url, struct amg_s3 **out)
{
    struct amg_s3_opts o = { 0 };
    int rc;

    if (!cfg->s3_endpoint || !cfg->s3_region) {
        amg_error("%s: the s3 group (endpoint, region) is needed for %s",
                  cfg->path ? cfg->path : "config", url);
        return AMG_ECONFIG;
    }
    o.url = url;
    o.endpoint = cfg->s3_endpoint;
    o.region = cfg->s3_region;
    rc = env_value(cfg->s3_access_key_env ? cfg->s3_access_key_env : DEFAULT_ACCESS_ENV,
                   &o.access_key);
    if (rc == AMG_OK)
        rc = env_value(cfg->s3_secret_key_env ? cfg->s3_secret_key_env : DEFAULT_SECRET_ENV,
                       &o.secret_key);
    if (rc == AMG_OK)
        rc = amg_s3_new(&o, out);
    return rc;
}

/* Put `path` as `key` and check the object's size afterwards. */
static int put_checked(struct amg_s3 *s3, const char *key, const char *path, const char *sha,
                       long long bytes)
{
    long long size = -1;
    int rc = amg_s3_put_file(s3, key, path, sha);

    if (rc == AMG_OK)
        rc = amg_s3_head(s3, key, &size);
    if (rc == AMG_OK && size != bytes) {
        amg_error("%s: uploaded object has %lld bytes, the file %lld", key, size, bytes);
        rc = AMG_EPROTO;
    }
    return rc;
}

static const char *base_name(const char *dir, char *buf, size_t size)
{
    size_t len = strlen(dir);
    const char *slash;

    while (len > 1 && dir[len - 1] == '/')
        len--;
    if (len >= size)
        return NULL;
    memcpy(buf, dir, len);
    buf[len] = '\0';
    slash = strrchr(buf, '/');
    return slash ? slash + 1 : buf;
}

int amg_store_upload(const struct amg_config *cfg, const char *dir, char **ref)
{
    struct amg_s3 *s3 = NULL;
    json_t *m = NULL;
    json_t *e;
    json_error_t err;
    char buf[4096], name[256], key[1024];
    const char *base;
    char *path = NULL;
    struct stat st;
    size_t i, ulen;
    int rc = AMG_EINVAL;

    *ref = NULL;
    base = base_name(dir, buf, sizeof(buf));
    if (!cfg->snapshot_store || !base || !name_ok(base))
        goto out;
    memcpy(name, base, strlen(base) + 1);     /* name_ok: at most 255 bytes */
    rc = amg_store_client(cfg, cfg->snapshot_store, &s3);
    if (rc)
        goto out;
    /* A local name can come back once the local copy is gone: a new
     * backup must never overwrite a stored one. */
    snprintf(key, sizeof(key), "%s/%s", name, MANIFEST);
    rc = amg_s3_head(s3, key, &(long long){ 0 });
    if (rc == AMG_OK) {
        amg_error("%s/%s: a snapshot of this name is in the store already; not replaced",
                  cfg->snapshot_store, name);
        rc = AMG_EEXIST;
        goto out;
    }
    if (rc != AMG_ENOTFOUND)
        goto out;
    rc = AMG_ENOMEM;
    path = amg_path_join(dir, MANIFEST);
    if (!path)
        goto out;
    m = json_load_file(path, 0, &err);
    if (!m) {
        amg_error("%s: %s", path, err.text);
        rc = AMG_ESNAPSHOT;
        goto out;
    }
    json_array_foreach(json_object_get(m, "files"), i, e) {
        const char *f = json_string_value(json_object_get(e, "name"));

        amg_free(path);
        path = amg_path_join(dir, f);
        if (!path) {
            rc = AMG_ENOMEM;
            goto out;
        }
        snprintf(key, sizeof(key), "%s/%s", name, f);
        amg_info("uploading %s", key);
        rc = put_checked(s3, key, path, json_string_value(json_object_get(e, "sha256")),
                         (long long)json_integer_value(json_object_get(e, "bytes")));
        if (rc)
            goto out;
    }
    /* Last: its presence is what makes the snapshot complete. */
    amg_free(path);
    path = amg_path_join(dir, MANIFEST);
    if (!path) {
        rc = AMG_ENOMEM;
        goto out;
    }
    if (stat(path, &st) != 0) {
        amg_error("%s: %s", path, strerror(errno));
        rc = AMG_EIO;
        goto out;
    }
    snprintf(key, sizeof(key), "%s/%s", name, MANIFEST);
    rc = put_checked(s3, key, path, NULL, (long long)st.st_size);
    if (rc)
        goto out;
    rc = AMG_ENOMEM;
    ulen = strlen(cfg->snapshot_store);
    while (ulen > 5 && cfg->snapshot_store[ulen - 1] == '/')
        ulen--;
    *ref = amg_malloc(ulen + strlen(name) + 2);
    if (!*ref)
        goto out;
    snprintf(*ref, ulen + strlen(name) + 2, "%.*s/%s", (int)ulen, cfg->snapshot_store, name);
    amg_info("snapshot uploaded to %s", *ref);
    rc = AMG_OK;
out:
    if (rc && rc != AMG_EINVAL)
        amg_error("%s: upload failed (%s); the store has no manifest for it, so the copy "
                  "there is incomplete and ignored", dir, amg_strerror(rc));
    else if (rc)
        amg_error("%s: cannot upload: not a snapshot directory or no snapshot_store", dir);
    json_decref(m);
    amg_free(path);
    amg_s3_free(s3);
    return rc;
}

/* Listed file names: one path component, no leading dot. */
static int file_name_ok(const char *f)
{
    return f && *f && f[0] != '.' && !strchr(f, '/') && strlen(f) < 256;
}

static int fetch_files(struct amg_s3 *s3, const char *name, const char *local)
{
    char key[1024];
    char *path = NULL;
    json_t *m = NULL;
    json_t *e;
    json_error_t err;
    size_t i;
    int rc = AMG_ENOMEM;

    path = amg_path_join(local, MANIFEST);
    if (!path)
        goto out;
    snprintf(key, sizeof(key), "%s/%s", name, MANIFEST);
    rc = amg_s3_get_file(s3, key, path);
    if (rc == AMG_ENOTFOUND) {
        amg_error("%s: no manifest in the store: no such snapshot, or an incomplete upload",
                  key);
        rc = AMG_ESNAPSHOT;
    }
    if (rc)
        goto out;
    m = json_load_file(path, 0, &err);
    if (!m) {
        amg_error("%s: %s", key, err.text);
        rc = AMG_ESNAPSHOT;
        goto out;
    }
    json_array_foreach(json_object_get(m, "files"), i, e) {
        const char *f = json_string_value(json_object_get(e, "name"));

        if (!file_name_ok(f)) {
            amg_error("%s: files[%zu]: invalid file name", key, i);
            rc = AMG_ESNAPSHOT;
            goto out;
        }
        amg_free(path);
        path = amg_path_join(local, f);
        if (!path) {
            rc = AMG_ENOMEM;
            goto out;
        }
        snprintf(key, sizeof(key), "%s/%s", name, f);
        amg_info("downloading %s", key);
        rc = amg_s3_get_file(s3, key, path);
        if (rc)
            goto out;
    }
    rc = AMG_OK;
out:
    json_decref(m);
    amg_free(path);
    return rc;
}

int amg_store_fetch(const struct amg_config *cfg, const char *ref, char **tmp, char **dir)
{
    struct amg_s3 *s3 = NULL;
    char *url = NULL;
    char *t = NULL;
    char *d = NULL;
    const char *name;
    const char *slash;
    int rc = AMG_EINVAL;

    *tmp = NULL;
    *dir = NULL;
    slash = amg_store_is_ref(ref) ? strrchr(ref + 5, '/') : NULL;
    name = slash ? slash + 1 : NULL;
    if (!name || !name_ok(name)) {
        amg_error("%s: not a snapshot reference (s3://BUCKET[/PREFIX]/NAME)", ref);
        rc = AMG_EUSAGE;
        goto out;
    }
    rc = AMG_ENOMEM;
    url = amg_strndup(ref, (size_t)(slash - ref));
    if (!url)
        goto out;
    rc = amg_store_client(cfg, url, &s3);
    if (rc)
        goto out;
    rc = amg_mkdir_p(cfg->snapshot_dir);
    if (rc)
        goto out;
    rc = AMG_ENOMEM;
    t = amg_path_join(cfg->snapshot_dir, ".fetch-XXXXXX");
    if (!t)
        goto out;
    if (!mkdtemp(t)) {
        amg_error("%s: cannot create: %s", t, strerror(errno));
        amg_free(t);
        t = NULL;
        rc = AMG_EIO;
        goto out;
    }
    d = amg_path_join(t, name);
    if (!d)
        goto out;
    if (mkdir(d, 0700) != 0) {
        amg_error("%s: cannot create: %s", d, strerror(errno));
        rc = AMG_EIO;
        goto out;
    }
    rc = fetch_files(s3, name, d);
    if (rc)
        goto out;
    *tmp = t;
    *dir = d;
    t = NULL;
    d = NULL;
out:
    if (t)
        amg_rmtree(t);
    amg_free(t);
    amg_free(d);
    amg_free(url);
    amg_s3_free(s3);
    return rc;
}

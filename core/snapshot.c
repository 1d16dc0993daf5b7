/*
 * Snapshot writer: builds the snapshot in a hidden .partial directory,
 * hashes every file while writing it, and renames the directory into place
 * only after manifest.json and everything else is on disk (fsync'd).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "error.h"
#include "fsutil.h"
#include "log.h"
#include "mem.h"
#include "seal.h"
#include "sha256.h"
#include "snapshot.h"
#include "snapshot_out.h"

#ifndef PACKAGE_VERSION
#error "PACKAGE_VERSION is not defined: build through configure"
#endif

struct amg_ndjson_writer {
    struct amg_snapshot_writer *w;  /* owner */
    char *plugin;
    struct amg_out_file f;
    long records;
};

struct amg_snapshot_writer {
    char *parent;       /* snapshot_dir as given */
    char *partial;      /* <parent>/.<name>.partial */
    char *final;        /* <parent>/<name> */
    char created[sizeof("YYYY-MM-DDTHH:MM:SSZ")];
    json_t *source;     /* manifest "source" */
    json_t *plugins;    /* manifest "plugins" */
    json_t *files;      /* plugin -> file entry; JSON null while streaming */
    struct amg_ndjson_writer *nw;   /* the open ndjson writer, if any */
    int status;         /* first failure; commit refuses after one */
    json_t *encryption; /* manifest "encryption", NULL when not encrypting */
    unsigned char key[AMG_SEAL_KEY_BYTES];
};

const char *amg_snapshot_writer_dir(const struct amg_snapshot_writer *w)
{
    return w->partial;
}

int amg_snapshot_plugin_name_ok(const char *name)
{
    size_t i;

    if (!name || !*name)
        return 0;
    for (i = 0; name[i]; i++) {
        char c = name[i];

        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
            return 0;
    }
    return i + sizeof(".ndjson") - 1 <= NAME_MAX;
}

/* Instance names become part of the directory name; keep them to the
 * characters a config file allows for a setting name. */
static int instance_name_ok(const char *name)
{
    size_t i;

    if (!name || !*name || name[0] == '.' || strlen(name) > 128)
        return 0;
    for (i = 0; name[i]; i++) {
        char c = name[i];

        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.'))
            return 0;
    }
    return 1;
}

static int record_failure(struct amg_snapshot_writer *w, int rc)
{
    if (rc && !w->status)
        w->status = rc;
    return rc;
}

int amg_snapshot_begin(const char *snapshot_dir, const struct amg_snapshot_source *src,
                       time_t now, struct amg_snapshot_writer **out)
{
    struct amg_snapshot_writer *w = NULL;
    char stamp[sizeof("YYYYMMDDTHHMMSSZ")];
    char *name = NULL;
    size_t len;
    struct tm tm;
    struct stat st;
    int rc = AMG_EINVAL;

    if (out)
        *out = NULL;
    if (!out || !snapshot_dir || !*snapshot_dir || !src || !src->endpoint ||
        !src->tenant_id)
        goto out;
    if (!instance_name_ok(src->instance)) {
        amg_error("snapshot: invalid instance name '%s'",
                  src->instance ? src->instance : "(null)");
        goto out;
    }
    if (!gmtime_r(&now, &tm) || !strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm))
        goto out;
    rc = AMG_ENOMEM;
    w = amg_calloc(1, sizeof(*w));
    if (!w)
        goto out;
    strftime(w->created, sizeof(w->created), "%Y-%m-%dT%H:%M:%SZ", &tm);
    len = strlen(src->instance) + sizeof(stamp) + sizeof(".-.partial");
    name = amg_malloc(len);
    w->parent = amg_strdup(snapshot_dir);
    w->plugins = json_object();
    w->files = json_object();
    w->source = json_pack("{s:s, s:s?, s:s, s:s}", "instance", src->instance,
                          "region", src->region, "endpoint", src->endpoint,
                          "tenant_id", src->tenant_id);
    if (!name || !w->parent || !w->plugins || !w->files || !w->source)
        goto out;
    snprintf(name, len, "%s-%s", src->instance, stamp);
    w->final = amg_path_join(snapshot_dir, name);
    snprintf(name, len, ".%s-%s.partial", src->instance, stamp);
    w->partial = amg_path_join(snapshot_dir, name);
    if (!w->final || !w->partial)
        goto out;

    rc = amg_mkdir_p(snapshot_dir);
    if (rc)
        goto out;
    if (lstat(w->final, &st) == 0) {
        amg_error("%s exists already; a snapshot is never overwritten", w->final);
        rc = AMG_EEXIST;
        goto out;
    }
    if (lstat(w->partial, &st) == 0) {
        /* Left by a run that crashed; never a finished snapshot. */
        amg_warn("%s: removing unfinished snapshot left by an earlier run", w->partial);
        rc = amg_rmtree(w->partial);
        if (rc)
            goto out;
    }
    rc = AMG_EIO;
    if (mkdir(w->partial, 0700) != 0) {
        int err = errno;

        amg_error("%s: cannot create directory: %s", w->partial, strerror(err));
        rc = err == EEXIST ? AMG_EEXIST : AMG_EIO;
        goto out;
    }
    if (chmod(w->partial, 0700) != 0) {
        amg_error("%s: cannot set mode 0700: %s", w->partial, strerror(errno));
        rmdir(w->partial);
        goto out;
    }
    *out = w;
    w = NULL;
    rc = AMG_OK;
out:
    if (w) {
        /* The .partial directory was not created (or removed above). */
        amg_free(w->partial);
        w->partial = NULL;
        amg_snapshot_abort(w);
    }
    amg_free(name);
    return rc;
}

int amg_snapshot_add_plugin(struct amg_snapshot_writer *w, const char *plugin,
                            const char *version)
{
    int rc = AMG_EINVAL;

    if (!w)
        return AMG_EINVAL;
    if (!amg_snapshot_plugin_name_ok(plugin) || !version || !*version) {
        amg_error("snapshot: invalid plugin name or version for '%s'",
                  plugin ? plugin : "(null)");
        goto out;
    }
    if (json_object_get(w->plugins, plugin)) {
        amg_error("snapshot: plugin %s recorded twice", plugin);
        rc = AMG_EEXIST;
        goto out;
    }
    /* Arguments were checked: json_pack can only run out of memory. */
    rc = json_object_set_new(w->plugins, plugin, json_pack("{s:s}", "version", version))
         ? AMG_ENOMEM : AMG_OK;
out:
    return record_failure(w, rc);
}

/* Claim the plugin's one file slot; the entry is filled in when the file
 * is complete. */
static int claim_slot(struct amg_snapshot_writer *w, const char *plugin)
{
    if (!amg_snapshot_plugin_name_ok(plugin)) {
        amg_error("snapshot: invalid plugin name '%s' (must match [a-z0-9_]+)",
                  plugin ? plugin : "(null)");
        return AMG_EINVAL;
    }
    if (json_object_get(w->files, plugin)) {
        amg_error("snapshot: plugin %s has written its file already", plugin);
        return AMG_EEXIST;
    }
    return json_object_set_new(w->files, plugin, json_null()) ? AMG_ENOMEM : AMG_OK;
}

static int fill_slot(struct amg_snapshot_writer *w, const char *plugin, const char *ext,
                     const char *hex, long long bytes, long records)
{
    char name[NAME_MAX + 1];
    json_t *entry;

    snprintf(name, sizeof(name), "%s%s", plugin, ext);
    entry = json_pack("{s:s, s:s, s:s, s:I, s:I}", "name", name, "plugin", plugin,
                      "sha256", hex, "bytes", (json_int_t)bytes,
                      "records", (json_int_t)records);
    return json_object_set_new(w->files, plugin, entry) ? AMG_ENOMEM : AMG_OK;
}

int amg_snapshot_write_json(struct amg_snapshot_writer *w, const char *plugin,
                            json_t *doc, long records)
{
    struct amg_out_file f = { 0 };
    char name[NAME_MAX + 1];
    char hex[AMG_SHA256_HEX_LEN + 1];
    int rc = AMG_EINVAL;

    if (!w)
        return AMG_EINVAL;
    if (!json_is_object(doc) && !json_is_array(doc)) {
        amg_error("snapshot: %s: document must be a JSON object or array",
                  plugin ? plugin : "(null)");
        goto out;
    }
    if (records < 0)
        goto out;
    rc = claim_slot(w, plugin);
    if (rc)
        goto out;
    snprintf(name, sizeof(name), "%s.json", plugin);
    rc = amg_out_open(&f, w->partial, name, w->encryption ? w->key : NULL);
    if (rc == AMG_OK)
        rc = amg_out_dump(&f, doc, JSON_COMPACT | JSON_SORT_KEYS);
    if (rc == AMG_OK)
        rc = amg_out_close(&f, hex);
    if (rc == AMG_OK)
        rc = fill_slot(w, plugin, ".json", hex, f.bytes, records);
out:
    amg_out_discard(&f);
    return record_failure(w, rc);
}

int amg_snapshot_write_blob(struct amg_snapshot_writer *w, const char *plugin,
                            const char *part, const void *data, size_t len)
{
    struct amg_out_file f = { 0 };
    char name[NAME_MAX + 1];
    char hex[AMG_SHA256_HEX_LEN + 1];
    json_t *entry;
    int rc = AMG_EINVAL;

    if (!w)
        return AMG_EINVAL;
    if (!amg_snapshot_plugin_name_ok(plugin) || !amg_snapshot_plugin_name_ok(part) ||
        (!data && len) || len > AMG_SNAPSHOT_BLOB_MAX ||
        strlen(plugin) + strlen(part) + sizeof("..bin") > sizeof(name)) {
        amg_error("snapshot: invalid binary part '%s' of plugin '%s'", part ? part : "(null)",
                  plugin ? plugin : "(null)");
        goto out;
    }
    /* Keyed by file name: the dots keep it apart from plugin-name keys. */
    snprintf(name, sizeof(name), "%s.%s.bin", plugin, part);
    if (json_object_get(w->files, name)) {
        amg_error("snapshot: %s written twice", name);
        rc = AMG_EEXIST;
        goto out;
    }
    rc = amg_out_open(&f, w->partial, name, w->encryption ? w->key : NULL);
    if (rc == AMG_OK && len)
        rc = amg_out_write(&f, data, len);
    if (rc == AMG_OK)
        rc = amg_out_close(&f, hex);
    if (rc == AMG_OK) {
        entry = json_pack("{s:s, s:s, s:s, s:I, s:I}", "name", name, "plugin", plugin,
                          "sha256", hex, "bytes", (json_int_t)f.bytes, "records",
                          (json_int_t)1);
        rc = entry && json_object_set_new(w->files, name, entry) == 0 ? AMG_OK : AMG_ENOMEM;
    }
out:
    amg_out_discard(&f);
    return record_failure(w, rc);
}

int amg_snapshot_ndjson_create(struct amg_snapshot_writer *w, const char *plugin,
                               struct amg_ndjson_writer **out)
{
    struct amg_ndjson_writer *nw = NULL;
    char name[NAME_MAX + 1];
    int rc = AMG_EINVAL;

    if (out)
        *out = NULL;
    if (!w)
        return AMG_EINVAL;
    if (!out)
        goto out;
    if (w->nw) {
        amg_error("snapshot: %s: another ndjson file (%s) is still open",
                  plugin ? plugin : "(null)", w->nw->plugin);
        goto out;
    }
    rc = claim_slot(w, plugin);
    if (rc)
        goto out;
    rc = AMG_ENOMEM;
    nw = amg_calloc(1, sizeof(*nw));
    if (!nw)
        goto out;
    nw->w = w;
    nw->plugin = amg_strdup(plugin);
    if (!nw->plugin)
        goto out;
    snprintf(name, sizeof(name), "%s.ndjson", plugin);
    rc = amg_out_open(&nw->f, w->partial, name, w->encryption ? w->key : NULL);
    if (rc)
        goto out;
    w->nw = nw;
    *out = nw;
    nw = NULL;
out:
    if (nw) {
        amg_out_discard(&nw->f);
        amg_free(nw->plugin);
        amg_free(nw);
    }
    return record_failure(w, rc);
}

int amg_ndjson_write(struct amg_ndjson_writer *nw, json_t *rec)
{
    int rc;

    if (!nw)
        return AMG_EINVAL;
    if (!json_is_object(rec)) {
        amg_error("%s: record %ld is not a JSON object", nw->f.path, nw->records + 1);
        rc = AMG_EINVAL;
    } else {
        rc = amg_out_dump(&nw->f, rec, JSON_COMPACT | JSON_SORT_KEYS);
    }
    if (rc == AMG_OK)
        nw->records++;
    return record_failure(nw->w, rc);
}

int amg_ndjson_close(struct amg_ndjson_writer *nw)
{
    char hex[AMG_SHA256_HEX_LEN + 1];
    long long bytes;
    int rc;

    if (!nw)
        return AMG_EINVAL;
    rc = amg_out_close(&nw->f, hex);
    bytes = nw->f.bytes;
    if (rc == AMG_OK)
        rc = fill_slot(nw->w, nw->plugin, ".ndjson", hex, bytes, nw->records);
    record_failure(nw->w, rc);
    nw->w->nw = NULL;
    amg_free(nw->plugin);
    amg_free(nw);
    return rc;
}

static int cmp_entry_name(const void *a, const void *b)
{
    const json_t *ea = *(const json_t *const *)a;
    const json_t *eb = *(const json_t *const *)b;

    return strcmp(json_string_value(json_object_get(ea, "name")),
                  json_string_value(json_object_get(eb, "name")));
}

/* The manifest's "files", sorted by file name. New reference. */
static json_t *sorted_files(const struct amg_snapshot_writer *w)
{
    size_t n = json_object_size(w->files);
    json_t **v = amg_calloc(n ? n : 1, sizeof(*v));
    json_t *arr = json_array();
    json_t *result = NULL;
    const char *key;
    json_t *entry;
    size_t i = 0;

    if (!v || !arr)
        goto out;
    json_object_foreach(w->files, key, entry)
        v[i++] = entry;
    qsort(v, n, sizeof(*v), cmp_entry_name);
    for (i = 0; i < n; i++) {
        if (json_array_append(arr, v[i]))
            goto out;
    }
    result = arr;
    arr = NULL;
out:
    json_decref(arr);
    amg_free(v);
    return result;
}

static int write_manifest(struct amg_snapshot_writer *w)
{
    struct amg_out_file f = { 0 };
    char hex[AMG_SHA256_HEX_LEN + 1];
    json_t *manifest = NULL;
    json_t *files = sorted_files(w);
    int rc = AMG_ENOMEM;

    if (!files)
        goto out;
    manifest = json_pack("{s:s, s:i, s:s, s:s, s:O, s:O, s:o}",
                         "format", AMG_SNAPSHOT_FORMAT,
                         "format_version", AMG_SNAPSHOT_FORMAT_VERSION,
                         "tool_version", PACKAGE_VERSION,
                         "created", w->created,
                         "source", w->source,
                         "plugins", w->plugins,
                         "files", files);
    files = NULL;   /* stolen by "o", even on failure */
    if (!manifest)
        goto out;
    if (w->encryption && json_object_set(manifest, "encryption", w->encryption) != 0)
        goto out;
    rc = amg_out_open(&f, w->partial, "manifest.json", NULL);
    if (rc == AMG_OK)
        rc = amg_out_dump(&f, manifest, JSON_SORT_KEYS | JSON_INDENT(2));
    if (rc == AMG_OK)
        rc = amg_out_close(&f, hex);
out:
    amg_out_discard(&f);
    json_decref(files);
    json_decref(manifest);
    return rc;
}

static void writer_free(struct amg_snapshot_writer *w)
{
    amg_free(w->parent);
    amg_free(w->partial);
    amg_free(w->final);
    json_decref(w->source);
    json_decref(w->plugins);
    json_decref(w->files);
    json_decref(w->encryption);
    amg_seal_key_wipe(w->key, sizeof(w->key));
    amg_free(w);
}

int amg_snapshot_commit(struct amg_snapshot_writer *w, char **final_path)
{
    int renamed = 0;
    int rc;

    if (final_path)
        *final_path = NULL;
    if (!w)
        return AMG_EINVAL;
    rc = w->status;
    if (rc) {
        amg_error("%s: not committed: an earlier snapshot write failed (%s)",
                  w->final, amg_strerror(rc));
        goto out;
    }
    if (w->nw) {
        amg_error("%s: not committed: %s.ndjson is still open", w->final, w->nw->plugin);
        rc = AMG_EINVAL;
        goto out;
    }
    rc = write_manifest(w);
    if (rc)
        goto out;
    rc = amg_fsync_dir(w->partial);
    if (rc)
        goto out;
    if (amg_rename_noreplace(w->partial, w->final) != 0) {
        int err = errno;

        amg_error("%s: cannot rename into place: %s", w->final, strerror(err));
        rc = err == EEXIST || err == ENOTEMPTY ? AMG_EEXIST : AMG_EIO;
        goto out;
    }
    renamed = 1;
    rc = amg_fsync_dir(w->parent);
    if (rc)
        goto out;
    if (final_path) {
        *final_path = amg_strdup(w->final);
        if (!*final_path) {
            rc = AMG_ENOMEM;
            goto out;
        }
    }
    amg_info("snapshot written to %s", w->final);
out:
    if (rc && renamed) {
        /* Not durable, so not finished: a final directory must be. */
        amg_rmtree(w->final);
    }
    if (rc) {
        amg_snapshot_abort(w);
        return rc;
    }
    writer_free(w);
    return AMG_OK;
}

void amg_snapshot_abort(struct amg_snapshot_writer *w)
{
    if (!w)
        return;
    if (w->nw) {
        amg_out_discard(&w->nw->f);
        amg_free(w->nw->plugin);
        amg_free(w->nw);
        w->nw = NULL;
    }
    if (w->partial)
        amg_rmtree(w->partial);
    writer_free(w);
}

int amg_snapshot_encrypt(struct amg_snapshot_writer *w, const struct amg_seal_params *p,
                         const unsigned char key[AMG_SEAL_KEY_BYTES])
{
    json_t *enc = NULL;
    int rc = AMG_EINVAL;

    if (!w || !p || !key || w->encryption || json_object_size(w->files) > 0)
        goto out;
    rc = amg_seal_params_to_json(p, &enc);
    if (rc)
        goto out;
    rc = AMG_ENOMEM;
    if (json_object_set_new(enc, "files", json_string("all")) != 0)
        goto out;
    memcpy(w->key, key, sizeof(w->key));
    w->encryption = enc;
    enc = NULL;
    rc = AMG_OK;
out:
    json_decref(enc);
    return w ? record_failure(w, rc) : rc;
}

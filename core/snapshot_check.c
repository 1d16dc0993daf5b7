/*
 * Snapshot checks: manifest shape and format, and the directory against
 * it (sizes, checksums, unlisted files). Every problem is reported, so an
 * operator fixes them in one pass. amg_snapshot_check_manifest() is in
 * snapshot.h; the rest is for the reader (snapshot_read.c).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "fsutil.h"
#include "log.h"
#include "mem.h"
#include "sha256.h"
#include "snapshot.h"
#include "snapshot_check.h"

/* Status for a failed jansson parse of `path`. jansson turns a refused
 * allocation into whatever parse error it led to ("string expected"),
 * so the allocation wrappers' count decides; `refused` is
 * amg_mem_failures() from before the call. Logs the problem. */
int amg_snapshot_parse_failure(const char *path, long refused, const json_error_t *err,
                         long lineno)
{
    if (amg_mem_failures() != refused) {
        amg_error("%s: out of memory while parsing JSON", path);
        return AMG_ENOMEM;
    }
    if (lineno > 0)
        amg_error("%s:%ld: column %d: %s", path, lineno, err->column, err->text);
    else
        amg_error("%s: line %d: %s", path, err->line, err->text);
    return AMG_ESNAPSHOT;
}

/* Split "<plugin>.json", "<plugin>.ndjson" or "<plugin>.<part>.bin";
 * returns the extension (".json", ".ndjson" or ".<part>.bin") or NULL when
 * `name` is not a valid file name. */
static const char *split_file_name(const char *name, char *plugin, size_t size)
{
    const char *dot = strrchr(name, '.');
    size_t len;

    if (dot && strcmp(dot, ".bin") == 0) {
        char part[NAME_MAX + 1];
        const char *pdot;

        for (pdot = dot - 1; pdot > name && *pdot != '.'; pdot--)
            ;
        if (pdot <= name || (size_t)(dot - pdot - 1) >= sizeof(part))
            return NULL;
        memcpy(part, pdot + 1, (size_t)(dot - pdot - 1));
        part[dot - pdot - 1] = '\0';
        if (!amg_snapshot_plugin_name_ok(part))
            return NULL;
        dot = pdot;
    } else if (!dot || (strcmp(dot, ".json") != 0 && strcmp(dot, ".ndjson") != 0)) {
        return NULL;
    }
    len = (size_t)(dot - name);
    if (len == 0 || len >= size)
        return NULL;
    memcpy(plugin, name, len);
    plugin[len] = '\0';
    return amg_snapshot_plugin_name_ok(plugin) ? dot : NULL;
}

static int is_hex64(const char *s)
{
    size_t i;

    for (i = 0; i < AMG_SHA256_HEX_LEN; i++) {
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    }
    return s[i] == '\0';
}

/* Check one "files" entry; logs and returns the number of problems. */
static int check_entry_shape(const char *mpath, size_t idx, json_t *e)
{
    char plugin[NAME_MAX + 1];
    const char *name = json_string_value(json_object_get(e, "name"));
    const char *plug = json_string_value(json_object_get(e, "plugin"));
    const char *sha = json_string_value(json_object_get(e, "sha256"));
    json_t *bytes = json_object_get(e, "bytes");
    json_t *records = json_object_get(e, "records");
    const char *ext;
    int bad = 0;

    if (!json_is_object(e)) {
        amg_error("%s: files[%zu] is not an object", mpath, idx);
        return 1;
    }
    ext = name ? split_file_name(name, plugin, sizeof(plugin)) : NULL;
    if (!ext) {
        amg_error("%s: files[%zu]: invalid file name '%s' (want <plugin>.json or "
                  "<plugin>.ndjson, plugin matching [a-z0-9_]+)", mpath, idx,
                  name ? name : "(missing)");
        bad++;
    } else if (!plug || strcmp(plug, plugin) != 0) {
        amg_error("%s: files[%zu]: plugin '%s' does not match file name %s", mpath, idx,
                  plug ? plug : "(missing)", name);
        bad++;
    }
    if (!sha || !is_hex64(sha)) {
        amg_error("%s: files[%zu]: sha256 must be 64 lowercase hex digits", mpath, idx);
        bad++;
    }
    if (!json_is_integer(bytes) || json_integer_value(bytes) < 0) {
        amg_error("%s: files[%zu]: bytes must be an integer >= 0", mpath, idx);
        bad++;
    }
    if (!json_is_integer(records) || json_integer_value(records) < 0) {
        amg_error("%s: files[%zu]: records must be an integer >= 0", mpath, idx);
        bad++;
    }
    return bad;
}

/* Manifest shape, apart from format and version: adds the problems
 * found to *bad. Returns AMG_OK or AMG_ENOMEM. */
static int check_manifest_shape(const char *mpath, json_t *m, int *bad_out)
{
    json_t *files = json_object_get(m, "files");
    json_t *plugins = json_object_get(m, "plugins");
    json_t *source = json_object_get(m, "source");
    json_t *seen = json_object();
    const char *key;
    json_t *val;
    json_t *e;
    size_t i;
    int bad = 0;
    int rc = AMG_ENOMEM;

    if (!seen)
        goto out;
    if (!json_is_string(json_object_get(m, "created"))) {
        amg_error("%s: \"created\" must be a string", mpath);
        bad++;
    }
    if (!json_is_object(source) ||
        !json_is_string(json_object_get(source, "instance"))) {
        amg_error("%s: \"source\" must be an object with a string \"instance\"", mpath);
        bad++;
    }
    if (!json_is_object(plugins)) {
        amg_error("%s: \"plugins\" must be an object", mpath);
        bad++;
    }
    json_object_foreach(plugins, key, val) {
        if (!amg_snapshot_plugin_name_ok(key) ||
            !json_is_string(json_object_get(val, "version"))) {
            amg_error("%s: plugins.%s: invalid name or missing string \"version\"",
                      mpath, key);
            bad++;
        }
    }
    if (!json_is_array(files)) {
        amg_error("%s: \"files\" must be an array", mpath);
        bad++;
    }
    json_array_foreach(files, i, e) {
        const char *name = json_string_value(json_object_get(e, "name"));
        const char *plug = json_string_value(json_object_get(e, "plugin"));
        int ebad = check_entry_shape(mpath, i, e);

        bad += ebad;
        if (ebad)
            continue;
        /* One document (.json or .ndjson) per plugin, and each binary
         * part once: keyed by plugin, or by file name for parts. */
        if (strlen(name) > 4 && strcmp(name + strlen(name) - 4, ".bin") == 0)
            plug = name;
        if (json_object_get(seen, plug)) {
            amg_error("%s: files[%zu]: second file for plugin %s (%s)", mpath, i, plug, name);
            bad++;
        } else if (json_object_set_new(seen, plug, json_true()) != 0) {
            /* A duplicate would go unnoticed. */
            goto out;
        }
    }
    rc = AMG_OK;
out:
    *bad_out += bad;
    json_decref(seen);
    return rc;
}

/* Listed files: regular, right size, right checksum. Adds the problems
 * found to *bad; returns AMG_OK or AMG_ENOMEM. */
static int check_listed_files(const char *dir, json_t *files, int *bad)
{
    char hex[AMG_SHA256_HEX_LEN + 1];
    json_t *e;
    size_t i;

    json_array_foreach(files, i, e) {
        const char *name = json_string_value(json_object_get(e, "name"));
        const char *sha = json_string_value(json_object_get(e, "sha256"));
        json_int_t bytes = json_integer_value(json_object_get(e, "bytes"));
        char *path = amg_path_join(dir, name);
        struct stat st;

        if (!path)
            return AMG_ENOMEM;
        if (lstat(path, &st) != 0) {
            amg_error("%s: listed in the manifest but %s", path, strerror(errno));
            (*bad)++;
        } else if (!S_ISREG(st.st_mode)) {
            amg_error("%s: not a regular file", path);
            (*bad)++;
        } else if ((json_int_t)st.st_size != bytes) {
            amg_error("%s: size mismatch (manifest says %" JSON_INTEGER_FORMAT
                      " bytes, file has %lld)", path, bytes, (long long)st.st_size);
            (*bad)++;
        } else if (amg_sha256_file(path, hex) != AMG_OK) {
            (*bad)++;
        } else if (strcmp(hex, sha) != 0) {
            amg_error("%s: checksum mismatch (manifest says %s, file has %s)",
                      path, sha, hex);
            (*bad)++;
        }
        amg_free(path);
    }
    return AMG_OK;
}

static int is_listed(json_t *files, const char *name)
{
    json_t *e;
    size_t i;

    json_array_foreach(files, i, e) {
        if (strcmp(json_string_value(json_object_get(e, "name")), name) == 0)
            return 1;
    }
    return 0;
}

static int check_unlisted(const char *dir, json_t *files)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    int bad = 0;

    if (!d) {
        amg_error("%s: cannot list directory: %s", dir, strerror(errno));
        return 1;
    }
    while ((de = readdir(d)) != NULL) {
        const char *n = de->d_name;

        if (!strcmp(n, ".") || !strcmp(n, "..") || !strcmp(n, MANIFEST_NAME))
            continue;
        if (!is_listed(files, n)) {
            amg_error("%s/%s: not listed in the manifest", dir, n);
            bad++;
        }
    }
    closedir(d);
    return bad;
}

/* Parse manifest.json at `mpath`; new reference in *out. */
int amg_snapshot_load_manifest(const char *mpath, json_t **out)
{
    json_error_t err;
    FILE *fp = NULL;
    long refused;
    int rc = AMG_ESNAPSHOT;

    fp = fopen(mpath, "re");
    if (!fp) {
        int e = errno;

        amg_error("%s: cannot open: %s%s", mpath, strerror(e),
                  e == ENOENT ? " (is this a snapshot directory?)" : "");
        goto out;
    }
    refused = amg_mem_failures();
    *out = json_loadf(fp, JSON_REJECT_DUPLICATES, &err);
    if (!*out) {
        rc = amg_snapshot_parse_failure(mpath, refused, &err, 0);
        goto out;
    }
    rc = AMG_OK;
out:
    if (fp)
        fclose(fp);
    return rc;
}

static int check_format(const char *mpath, json_t *m)
{
    const char *format = json_string_value(json_object_get(m, "format"));
    json_t *ver = json_object_get(m, "format_version");

    if (!format || strcmp(format, AMG_SNAPSHOT_FORMAT) != 0) {
        amg_error("%s: not an appid-migrate snapshot (format is not \"%s\")",
                  mpath, AMG_SNAPSHOT_FORMAT);
        return AMG_ESNAPSHOT;
    }
    if (!json_is_integer(ver) || json_integer_value(ver) != AMG_SNAPSHOT_FORMAT_VERSION) {
        if (json_is_integer(ver))
            amg_error("%s: unsupported snapshot format version %" JSON_INTEGER_FORMAT
                      " (this appid-migrate reads %d)", mpath, json_integer_value(ver),
                      AMG_SNAPSHOT_FORMAT_VERSION);
        else
            amg_error("%s: format_version must be an integer", mpath);
        return AMG_ESNAPSHOT;
    }
    return AMG_OK;
}

/* Everything amg_snapshot_open() checks once the manifest `m` (read from
 * `mpath`) is parsed: format, shape, and the files of `dir`. */
int amg_snapshot_check_all(const char *dir, const char *mpath, json_t *m)
{
    json_t *files = json_object_get(m, "files");
    int bad = 0;
    int rc;

    rc = check_format(mpath, m);
    if (rc)
        return rc;
    rc = check_manifest_shape(mpath, m, &bad);
    if (rc)
        return rc;
    /* Only a well-formed list can be checked against the directory. */
    if (!bad) {
        rc = check_listed_files(dir, files, &bad);
        if (rc)
            return rc;
        bad += check_unlisted(dir, files);
    }
    if (bad) {
        amg_error("%s: invalid snapshot (%d problem%s)", dir, bad, bad == 1 ? "" : "s");
        return AMG_ESNAPSHOT;
    }
    return AMG_OK;
}

int amg_snapshot_check_manifest(const char *dir, const char *text, size_t len)
{
    json_error_t err;
    json_t *m = NULL;
    char *mpath = NULL;
    long refused;
    int rc = AMG_EINVAL;

    if (!dir || !*dir || (!text && len))
        goto out;
    rc = AMG_ENOMEM;
    mpath = amg_path_join(dir, MANIFEST_NAME);
    if (!mpath)
        goto out;
    refused = amg_mem_failures();
    m = json_loadb(text ? text : "", len, JSON_REJECT_DUPLICATES, &err);
    if (!m) {
        rc = amg_snapshot_parse_failure(mpath, refused, &err, 0);
        goto out;
    }
    rc = amg_snapshot_check_all(dir, mpath, m);
out:
    json_decref(m);
    amg_free(mpath);
    return rc;
}

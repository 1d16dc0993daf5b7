/*
 * Stamps are written to a unique temporary name and renamed into place,
 * so a reader sees a whole stamp or none. They are not fsynced: one lost
 * in a crash costs a validation, nothing else.
 */
#define _GNU_SOURCE   /* futimens, mkstemp */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <jansson.h>
#include "error.h"
#include "fsutil.h"
#include "log.h"
#include "mem.h"
#include "validated.h"

#define STAMP_DIR "runs/validated"
#define STAMP_SUFFIX ".json"

/* A plugin name or a hex digest: nothing that could leave the directory. */
static int name_ok(const char *s, size_t max)
{
    size_t n = 0;

    if (!s || !s[0] || s[0] == '.')
        return 0;
    for (; s[n]; n++) {
        char c = s[n];

        if (n >= max || !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                          (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.'))
            return 0;
    }
    return 1;
}

static int sha_ok(const char *s)
{
    size_t n;

    if (!s || strlen(s) != 64)
        return 0;
    for (n = 0; n < 64; n++)
        if (!((s[n] >= '0' && s[n] <= '9') || (s[n] >= 'a' && s[n] <= 'f')))
            return 0;
    return 1;
}

/* "<snapshot_dir>/runs/validated" and the stamp's path, new strings. */
static int stamp_paths(const char *snapshot_dir, const struct amg_validated_key *key,
                       char **dir, char **path)
{
    char name[256];

    *dir = *path = NULL;
    if (!name_ok(key->plugin, 128) || !sha_ok(key->sha256))
        return AMG_EINVAL;
    snprintf(name, sizeof(name), "%s-%s%s", key->plugin, key->sha256, STAMP_SUFFIX);
    *dir = amg_path_join(snapshot_dir, STAMP_DIR);
    *path = *dir ? amg_path_join(*dir, name) : NULL;
    if (!*path) {
        amg_free(*dir);
        *dir = NULL;
        return AMG_ENOMEM;
    }
    return AMG_OK;
}

/* Old stamps go: their snapshots are likely pruned. Best effort. */
static void sweep(const char *dir)
{
    time_t cutoff = time(NULL) - (time_t)AMG_VALIDATED_MAX_AGE_DAYS * 24 * 3600;
    DIR *d = opendir(dir);
    struct dirent *de;

    if (!d)
        return;
    while ((de = readdir(d)) != NULL) {
        struct stat st;

        /* Stamps, and the temporary files (<stamp>.XXXXXX) of writers
         * that died before their rename. */
        if (!strstr(de->d_name, STAMP_SUFFIX))
            continue;
        if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
            S_ISREG(st.st_mode) && st.st_mtime < cutoff)
            unlinkat(dirfd(d), de->d_name, 0);
    }
    closedir(d);
}

int amg_validated_put(const char *snapshot_dir, const struct amg_validated_key *key,
                      const char *how, const char *snapshot)
{
    char *dir = NULL, *path = NULL, *tmp = NULL;
    json_t *doc = NULL;
    char when[32];
    time_t now = time(NULL);
    struct tm tm;
    struct stat st;
    int fd = -1;
    int written, err = 0;
    int rc;

    rc = stamp_paths(snapshot_dir, key, &dir, &path);
    if (rc < 0)
        goto out;
    /* No snapshot directory, no stamps: `validate` without a config must
     * not create the default one in the working directory. */
    if (stat(snapshot_dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        amg_debug("%s: no such directory, %s not stamped as validated", snapshot_dir,
                  key->plugin);
        rc = AMG_ENOTFOUND;
        goto out;
    }
    rc = amg_mkdir_p(dir);
    if (rc < 0)
        goto out;
    gmtime_r(&now, &tm);
    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
    doc = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "format", AMG_VALIDATED_FORMAT,
                    "plugin", key->plugin, "version", key->version, "file", key->file,
                    "sha256", key->sha256, "validated", when, "by", how);
    tmp = amg_malloc(strlen(path) + sizeof(".XXXXXX"));
    rc = AMG_ENOMEM;
    if (!doc || !tmp)
        goto out;
    if (snapshot && json_object_set_new(doc, "snapshot", json_string(snapshot)) != 0)
        goto out;
    snprintf(tmp, strlen(path) + sizeof(".XXXXXX"), "%s.XXXXXX", path);
    rc = AMG_EIO;
    fd = mkstemp(tmp);   /* 0600 */
    err = errno;
    if (fd < 0) {
        amg_free(tmp);
        tmp = NULL;
        goto out;
    }
    written = json_dumpfd(doc, fd, JSON_INDENT(2) | JSON_SORT_KEYS) == 0;
    err = errno;
    if (close(fd) != 0 && written) {
        written = 0;
        err = errno;
    }
    fd = -1;
    if (!written)
        goto out;
    if (rename(tmp, path) != 0) {
        err = errno;
        goto out;
    }
    amg_free(tmp);
    tmp = NULL;
    rc = AMG_OK;
out:
    if (fd >= 0)
        close(fd);
    if (tmp) {
        unlink(tmp);
        amg_free(tmp);
    }
    if (rc == AMG_EIO)
        amg_warn("%s: cannot record that %s validated: %s", dir, key->plugin, strerror(err));
    else if (rc < 0 && rc != AMG_ENOTFOUND)
        amg_warn("cannot record that %s validated: %s", key->plugin, amg_strerror(rc));
    json_decref(doc);
    amg_free(path);
    amg_free(dir);
    return rc;
}

static int field_is(json_t *doc, const char *name, const char *want)
{
    const char *v = json_string_value(json_object_get(doc, name));

    return v && want && strcmp(v, want) == 0;
}

int amg_validated_has(const char *snapshot_dir, const struct amg_validated_key *key,
                      char *how, size_t how_len)
{
    char *dir = NULL, *path = NULL;
    json_t *doc = NULL;
    json_error_t err;
    struct stat st;
    int fd = -1;
    int found = 0;

    if (stamp_paths(snapshot_dir, key, &dir, &path) < 0)
        goto out;
    /* Non-blocking: a FIFO planted there must not hang the import. */
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
        goto out;
    doc = json_loadfd(fd, 0, &err);
    if (!doc)
        goto out;
    found = field_is(doc, "format", AMG_VALIDATED_FORMAT) &&
            field_is(doc, "plugin", key->plugin) && field_is(doc, "version", key->version) &&
            field_is(doc, "sha256", key->sha256);
    if (found && how)
        snprintf(how, how_len, "%s", json_is_string(json_object_get(doc, "by"))
                                     ? json_string_value(json_object_get(doc, "by")) : "?");
    if (found)
        futimens(fd, NULL);
out:
    if (fd >= 0)
        close(fd);
    json_decref(doc);
    amg_free(path);
    amg_free(dir);
    return found;
}

int amg_validated_key_of(json_t *manifest, const char *plugin, const char *version,
                         struct amg_validated_key *key)
{
    json_t *files = json_object_get(manifest, "files");
    json_t *f, *found = NULL;
    size_t i;

    memset(key, 0, sizeof(*key));
    json_array_foreach(files, i, f) {
        const char *p = json_string_value(json_object_get(f, "plugin"));

        if (!p || strcmp(p, plugin) != 0)
            continue;
        if (found)
            return AMG_ENOTFOUND;
        found = f;
    }
    key->plugin = plugin;
    key->version = version;
    key->file = json_string_value(json_object_get(found, "name"));
    key->sha256 = json_string_value(json_object_get(found, "sha256"));
    return key->file && key->sha256 ? AMG_OK : AMG_ENOTFOUND;
}

void amg_validated_sweep(const char *snapshot_dir)
{
    char *dir = amg_path_join(snapshot_dir, STAMP_DIR);

    if (dir)
        sweep(dir);
    amg_free(dir);
}

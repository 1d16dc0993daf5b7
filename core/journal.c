/*
 * Import journal (journal.h): a small JSON document rewritten whole,
 * atomically, after every plugin an import finishes.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include "catalog.h"
#include "error.h"
#include "fsutil.h"
#include "journal.h"
#include "log.h"
#include "mem.h"

#define RUNS_DIR "runs"
#define JOURNAL_NAME "import.journal"
#define LOCK_NAME "import.lock"

struct amg_journal {
    char *path;     /* owned */
    json_t *doc;    /* owned: the document as written */
};

static void format_utc(time_t t, char *buf, size_t len)
{
    struct tm tm;

    gmtime_r(&t, &tm);
    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int amg_journal_target_ok(const char *target)
{
    size_t i;

    if (!target || !*target || target[0] == '.' || strlen(target) > 128)
        return 0;
    for (i = 0; target[i]; i++) {
        char c = target[i];

        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == '.'))
            return 0;
    }
    return 1;
}

/* "<snapshot_dir>/runs/<target>" or "<...>/<target>/<name>" when `name`. */
static char *run_path(const char *snapshot_dir, const char *target, const char *name)
{
    size_t len;
    char *p;

    if (!amg_journal_target_ok(target))
        return NULL;
    len = strlen(snapshot_dir) + strlen(target) + (name ? strlen(name) : 0) +
          sizeof("/" RUNS_DIR "//");
    p = amg_malloc(len);
    if (!p)
        return NULL;
    if (name)
        snprintf(p, len, "%s/" RUNS_DIR "/%s/%s", snapshot_dir, target, name);
    else
        snprintf(p, len, "%s/" RUNS_DIR "/%s", snapshot_dir, target);
    return p;
}

char *amg_journal_file(const char *snapshot_dir, const char *target)
{
    return run_path(snapshot_dir, target, JOURNAL_NAME);
}

int amg_journal_lock(const char *snapshot_dir, const char *target, int *fd)
{
    char *dir = NULL;
    char *path = NULL;
    int rc = AMG_EINVAL;

    *fd = -1;
    if (!amg_journal_target_ok(target)) {
        amg_error("'%s': cannot name a run directory", target ? target : "(null)");
        goto out;
    }
    rc = AMG_ENOMEM;
    dir = run_path(snapshot_dir, target, NULL);
    path = run_path(snapshot_dir, target, LOCK_NAME);
    if (!dir || !path)
        goto out;
    rc = amg_mkdir_p(dir);
    if (rc < 0)
        goto out;
    *fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (*fd < 0) {
        amg_error("%s: %s", path, strerror(errno));
        rc = AMG_EIO;
        goto out;
    }
    if (flock(*fd, LOCK_EX | LOCK_NB) != 0) {
        amg_error("another run is importing into '%s' (lock %s held)", target, path);
        close(*fd);
        *fd = -1;
        rc = AMG_EEXIST;
        goto out;
    }
    rc = AMG_OK;
out:
    amg_free(dir);
    amg_free(path);
    return rc;
}

void amg_journal_unlock(int fd)
{
    if (fd >= 0)
        close(fd);  /* releases the flock */
}

/* ---- reading ---- */

static int is_hex64(const char *s)
{
    size_t i;

    if (!s || strlen(s) != 64)
        return 0;
    for (i = 0; i < 64; i++) {
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    }
    return 1;
}

static int string_or_null(json_t *v)
{
    return !v || json_is_null(v) || json_is_string(v);
}

static int string_array(json_t *v)
{
    size_t i;
    json_t *s;

    if (!json_is_array(v))
        return 0;
    json_array_foreach(v, i, s) {
        if (!json_is_string(s))
            return 0;
    }
    return 1;
}

/* Why `doc` is not a journal of this version, or NULL when it is. */
static const char *shape_problem(json_t *doc)
{
    json_t *done = json_object_get(doc, "done");
    json_t *map = json_object_get(doc, "id_map");
    const char *kind;
    json_t *v;
    size_t i;

    if (!json_is_object(doc))
        return "not a JSON object";
    if (!json_is_string(json_object_get(doc, "format")) ||
        strcmp(json_string_value(json_object_get(doc, "format")), AMG_JOURNAL_FORMAT) != 0)
        return "\"format\" is not \"" AMG_JOURNAL_FORMAT "\"";
    if (!json_is_integer(json_object_get(doc, "version")) ||
        json_integer_value(json_object_get(doc, "version")) != AMG_JOURNAL_VERSION)
        return "unknown \"version\"";
    if (!amg_journal_target_ok(json_string_value(json_object_get(doc, "target"))))
        return "\"target\" missing or not an instance name";
    if (!json_is_string(json_object_get(doc, "snapshot_id")) ||
        !*json_string_value(json_object_get(doc, "snapshot_id")))
        return "\"snapshot_id\" missing";
    if (!is_hex64(json_string_value(json_object_get(doc, "manifest_sha256"))))
        return "\"manifest_sha256\" is not a SHA-256";
    if (!string_or_null(json_object_get(doc, "only")) ||
        !string_or_null(json_object_get(doc, "exclude")))
        return "\"only\" or \"exclude\" is not a string";
    if (!json_is_array(done))
        return "\"done\" is not an array";
    json_array_foreach(done, i, v) {
        json_t *actions = json_object_get(v, "post_restore_actions");

        if (!json_is_string(json_object_get(v, "plugin")))
            return "an entry of \"done\" has no \"plugin\"";
        if (actions && !string_array(actions))
            return "\"post_restore_actions\" is not an array of strings";
    }
    if (!json_is_object(map))
        return "\"id_map\" is not an object";
    json_object_foreach(map, kind, v) {
        const char *old;
        json_t *id;

        if (!json_is_object(v))
            return "an \"id_map\" kind is not an object";
        json_object_foreach(v, old, id) {
            if (!json_is_string(id) || !*json_string_value(id) || !*old)
                return "an \"id_map\" entry is not a non-empty string";
        }
    }
    return NULL;
}

static void unusable(const char *path, int line, const char *why)
{
    if (line > 0)
        amg_error("%s:%d: not a usable import journal (%s); remove it or re-run with "
                  "--no-resume to start over", path, line, why);
    else
        amg_error("%s: not a usable import journal (%s); remove it or re-run with "
                  "--no-resume to start over", path, why);
}

int amg_journal_load(const char *path, struct amg_journal **out)
{
    struct amg_journal *j = NULL;
    json_error_t err;
    json_t *doc = NULL;
    const char *why;
    long failures = amg_mem_failures();
    struct stat st;
    int rc;

    *out = NULL;
    if (lstat(path, &st) != 0) {
        if (errno == ENOENT)
            return AMG_ENOTFOUND;
        amg_error("%s: %s", path, strerror(errno));
        return AMG_EIO;
    }
    if (!S_ISREG(st.st_mode)) {
        unusable(path, 0, "not a regular file");
        return AMG_EINVAL;
    }
    doc = json_load_file(path, JSON_REJECT_DUPLICATES, &err);
    if (!doc) {
        if (amg_mem_failures() != failures)
            return AMG_ENOMEM;
        if (json_error_code(&err) == json_error_cannot_open_file) {
            amg_error("%s: cannot read: %s", path, err.text);
            return AMG_EIO;
        }
        unusable(path, err.line, json_error_code(&err) == json_error_premature_end_of_input
                 ? "truncated" : err.text);
        return AMG_EINVAL;
    }
    why = shape_problem(doc);
    if (why) {
        unusable(path, 0, why);
        rc = AMG_EINVAL;
        goto out;
    }
    rc = AMG_ENOMEM;
    j = amg_calloc(1, sizeof(*j));
    if (!j)
        goto out;
    j->path = amg_strdup(path);
    if (!j->path)
        goto out;
    j->doc = doc;
    doc = NULL;
    *out = j;
    j = NULL;
    rc = AMG_OK;
out:
    json_decref(doc);
    amg_journal_free(j);
    return rc;
}

/* ---- the document ---- */

int amg_journal_new(const char *path, const struct amg_journal_key *key, time_t now,
                    struct amg_journal **out)
{
    struct amg_journal *j = NULL;
    char when[32];
    int rc = AMG_EINVAL;

    *out = NULL;
    if (!key || !amg_journal_target_ok(key->target) || !key->snapshot_id ||
        !*key->snapshot_id || !is_hex64(key->manifest_sha256))
        goto out;
    rc = AMG_ENOMEM;
    format_utc(now, when, sizeof(when));
    j = amg_calloc(1, sizeof(*j));
    if (!j)
        goto out;
    j->path = amg_strdup(path);
    j->doc = json_pack("{s:s, s:i, s:s, s:s, s:s, s:s?, s:s?, s:s, s:s, s:[], s:{}}",
                       "format", AMG_JOURNAL_FORMAT, "version", AMG_JOURNAL_VERSION,
                       "target", key->target, "snapshot_id", key->snapshot_id,
                       "manifest_sha256", key->manifest_sha256, "only", key->only,
                       "exclude", key->exclude, "started", when, "updated", when,
                       "done", "id_map");
    if (!j->path || !j->doc)
        goto out;
    *out = j;
    j = NULL;
    rc = AMG_OK;
out:
    amg_journal_free(j);
    return rc;
}

void amg_journal_free(struct amg_journal *j)
{
    if (!j)
        return;
    amg_free(j->path);
    json_decref(j->doc);
    amg_free(j);
}

static const char *get_str(const struct amg_journal *j, const char *name)
{
    return json_string_value(json_object_get(j->doc, name));
}

static int same(const char *a, const char *b)
{
    if (!a || !b)
        return a == b;
    return strcmp(a, b) == 0;
}

int amg_journal_matches(const struct amg_journal *j, const struct amg_journal_key *key)
{
    return same(get_str(j, "target"), key->target) &&
           same(get_str(j, "snapshot_id"), key->snapshot_id) &&
           same(get_str(j, "manifest_sha256"), key->manifest_sha256) &&
           same(get_str(j, "only"), key->only) && same(get_str(j, "exclude"), key->exclude);
}

const char *amg_journal_path(const struct amg_journal *j)
{
    return j->path;
}

const char *amg_journal_snapshot_id(const struct amg_journal *j)
{
    return get_str(j, "snapshot_id");
}

const char *amg_journal_only(const struct amg_journal *j)
{
    return get_str(j, "only");
}

const char *amg_journal_exclude(const struct amg_journal *j)
{
    return get_str(j, "exclude");
}

size_t amg_journal_done_count(const struct amg_journal *j)
{
    return json_array_size(json_object_get(j->doc, "done"));
}

static json_t *done_entry(const struct amg_journal *j, const char *plugin)
{
    json_t *v;
    size_t i;

    json_array_foreach(json_object_get(j->doc, "done"), i, v) {
        if (same(json_string_value(json_object_get(v, "plugin")), plugin))
            return v;
    }
    return NULL;
}

int amg_journal_is_done(const struct amg_journal *j, const char *plugin)
{
    return done_entry(j, plugin) != NULL;
}

json_t *amg_journal_actions(const struct amg_journal *j, const char *plugin)
{
    return json_object_get(done_entry(j, plugin), "post_restore_actions");
}

json_t *amg_journal_id_map(const struct amg_journal *j)
{
    return json_object_get(j->doc, "id_map");
}

int amg_journal_mark_done(struct amg_journal *j, const char *plugin, json_t *actions,
                          json_t *id_map, time_t now)
{
    char when[32];
    json_t *entry = NULL;
    json_t *map = NULL;
    int rc = AMG_EINVAL;

    if (!plugin || !*plugin || (actions && !string_array(actions)) ||
        (id_map && !json_is_object(id_map)))
        goto out;
    rc = AMG_ENOMEM;
    format_utc(now, when, sizeof(when));
    if (!done_entry(j, plugin)) {
        entry = json_pack("{s:s, s:s, s:o}", "plugin", plugin, "finished", when,
                          "post_restore_actions",
                          actions ? json_deep_copy(actions) : json_array());
        if (!entry)
            goto out;
    }
    if (id_map) {
        map = json_deep_copy(id_map);
        if (!map)
            goto out;
    }
    if (json_object_set_new(j->doc, "updated", json_string(when)) != 0)
        goto out;
    if (entry && json_array_append(json_object_get(j->doc, "done"), entry) != 0)
        goto out;
    if (map && json_object_set(j->doc, "id_map", map) != 0) {
        /* The entry stays: an in-memory journal a step ahead of the file
         * is harmless, the file is what a crash leaves. */
        goto out;
    }
    rc = amg_journal_save(j);
out:
    json_decref(entry);
    json_decref(map);
    return rc;
}

/* ---- writing ---- */

/* The directory part of `path` ("." when it has none), a new string. */
static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');

    if (!slash)
        return amg_strdup(".");
    if (slash == path)
        return amg_strdup("/");
    return amg_strndup(path, (size_t)(slash - path));
}

static int write_all(int fd, const char *text, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, text, len);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        text += n;
        len -= (size_t)n;
    }
    return 0;
}

int amg_journal_save(struct amg_journal *j)
{
    char *tmp = NULL;
    char *dir = NULL;
    char *text = NULL;
    int fd = -1;
    int rc = AMG_ENOMEM;

    tmp = amg_malloc(strlen(j->path) + sizeof(".tmp"));
    dir = dir_of(j->path);
    text = json_dumps(j->doc, JSON_INDENT(2) | JSON_SORT_KEYS);
    if (!tmp || !dir || !text)
        goto out;
    snprintf(tmp, strlen(j->path) + sizeof(".tmp"), "%s.tmp", j->path);
    rc = AMG_EIO;
    /* The import lock is held, so nobody else writes this name; a
     * leftover of a crashed run is simply replaced. */
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        amg_error("%s: cannot create: %s", tmp, strerror(errno));
        goto out;
    }
    if (fchmod(fd, 0600) != 0 || write_all(fd, text, strlen(text)) != 0 ||
        write_all(fd, "\n", 1) != 0 || fsync(fd) != 0) {
        amg_error("%s: cannot write: %s", tmp, strerror(errno));
        goto out;
    }
    if (close(fd) != 0) {
        fd = -1;
        amg_error("%s: cannot write: %s", tmp, strerror(errno));
        goto out;
    }
    fd = -1;
    if (rename(tmp, j->path) != 0) {
        amg_error("%s: cannot rename into place: %s", j->path, strerror(errno));
        goto out;
    }
    rc = amg_fsync_dir(dir);
out:
    if (fd >= 0)
        close(fd);
    if (rc != AMG_OK && rc != AMG_ENOMEM && tmp)
        unlink(tmp);
    amg_free(tmp);
    amg_free(dir);
    amg_free(text);
    return rc;
}

int amg_journal_remove(const char *path)
{
    char *dir = NULL;
    int rc;

    if (unlink(path) != 0) {
        if (errno == ENOENT)
            return AMG_OK;
        amg_error("%s: cannot remove: %s", path, strerror(errno));
        return AMG_EIO;
    }
    dir = dir_of(path);
    if (!dir)
        return AMG_ENOMEM;
    rc = amg_fsync_dir(dir);
    amg_free(dir);
    return rc;
}

int amg_journal_pending(const char *snapshot_dir, const char *target, const char *source,
                        const char *only, const char *exclude, char **snapshot)
{
    struct amg_journal *j = NULL;
    char *path = NULL;
    char *dir = NULL;
    const char *id;
    size_t ilen = 0;
    time_t created;
    struct stat st;
    int rc = AMG_ENOMEM;

    *snapshot = NULL;
    path = amg_journal_file(snapshot_dir, target);
    if (!path) {
        rc = amg_journal_target_ok(target) ? AMG_ENOMEM : AMG_OK;
        goto out;
    }
    rc = amg_journal_load(path, &j);
    if (rc == AMG_ENOTFOUND)
        rc = AMG_OK;
    if (rc < 0 || !j)
        goto out;
    id = amg_journal_snapshot_id(j);
    if (amg_catalog_parse_name(id, &ilen, &created) != 0 || strlen(source) != ilen ||
        strncmp(id, source, ilen) != 0 || !same(amg_journal_only(j), only) ||
        !same(amg_journal_exclude(j), exclude) || strchr(id, '/'))
        goto out;
    rc = AMG_ENOMEM;
    dir = amg_path_join(snapshot_dir, id);
    if (!dir)
        goto out;
    rc = AMG_OK;
    if (lstat(dir, &st) == 0 && S_ISDIR(st.st_mode)) {
        *snapshot = dir;
        dir = NULL;
    }
out:
    amg_journal_free(j);
    amg_free(path);
    amg_free(dir);
    return rc;
}

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "report.h"
#include "error.h"
#include "log.h"
#include "mem.h"

struct amg_report {
    json_t *root;      /* owned */
    json_t *plugins;   /* borrowed from root: array */
};

static const char *const outcome_names[AMG_OUT_COUNT_] = {
    "created", "updated", "unchanged", "skipped", "failed"
};

/* ISO 8601 for humans and JSON, or compact for file names. */
static void format_utc(time_t t, char *buf, size_t len, int compact)
{
    struct tm tm;

    gmtime_r(&t, &tm);
    if (compact)
        strftime(buf, len, "%Y%m%dT%H%M%SZ", &tm);
    else
        strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int amg_report_new(const char *command, const char *instance, const char *snapshot,
                   time_t started, struct amg_report **out)
{
    struct amg_report *r = NULL;
    char when[32];
    int rc = AMG_ENOMEM;

    *out = NULL;
    r = amg_calloc(1, sizeof(*r));
    if (!r)
        goto out;
    format_utc(started, when, sizeof(when), 0);
    r->plugins = json_array();
    r->root = json_pack("{s:s, s:s, s:s?, s:s, s:o}", "command", command, "instance",
                        instance, "snapshot", snapshot, "started", when, "plugins",
                        r->plugins);
    if (!r->root)
        goto out;
    *out = r;
    r = NULL;
    rc = AMG_OK;
out:
    amg_report_free(r);
    return rc;
}

void amg_report_free(struct amg_report *r)
{
    if (!r)
        return;
    json_decref(r->root);
    amg_free(r);
}

int amg_report_plugin(struct amg_report *r, const char *plugin, const char *status,
                      const char *note, const struct amg_ctx *ctx)
{
    json_t *entry = NULL;
    json_t *counts = NULL;
    int i;

    entry = json_pack("{s:s, s:s, s:s?}", "plugin", plugin, "status", status, "note", note);
    counts = json_object();
    if (!entry || !counts)
        goto fail;
    for (i = 0; i < AMG_OUT_COUNT_; i++) {
        if (json_object_set_new(counts, outcome_names[i],
                                json_integer(ctx ? ctx->tally[i] : 0)) < 0)
            goto fail;
    }
    if (json_object_set_new(entry, "counts", counts) < 0) {
        counts = NULL;
        goto fail;
    }
    counts = NULL;
    if (ctx && ctx->actions &&
        json_object_set(entry, "post_restore_actions", ctx->actions) < 0)
        goto fail;
    if (ctx && ctx->phase == AMG_PHASE_VALIDATE &&
        json_object_set_new(entry, "problems", json_integer(ctx->problems)) < 0)
        goto fail;
    if (json_array_append_new(r->plugins, entry) < 0) {
        entry = NULL;
        goto fail;
    }
    return AMG_OK;
fail:
    json_decref(counts);
    json_decref(entry);
    return AMG_ENOMEM;
}

int amg_report_set(struct amg_report *r, const char *key, json_t *value)
{
    return json_object_set_new(r->root, key, value) == 0 ? AMG_OK : AMG_ENOMEM;
}

long amg_report_failures(const struct amg_report *r)
{
    long failures = 0;
    size_t i;
    json_t *entry;

    json_array_foreach(r->plugins, i, entry) {
        json_t *failed = json_object_get(json_object_get(entry, "counts"), "failed");

        failures += (long)json_integer_value(failed);
        if (strcmp(json_string_value(json_object_get(entry, "status")), "failed") == 0 &&
            json_integer_value(failed) == 0)
            failures++;
    }
    return failures;
}

/* mkdir that accepts an existing directory. */
static int ensure_dir(const char *path)
{
    if (mkdir(path, 0700) == 0 || errno == EEXIST)
        return AMG_OK;
    amg_error("cannot create %s: %s", path, strerror(errno));
    return AMG_EIO;
}

int amg_report_write(struct amg_report *r, const char *snapshot_dir, time_t finished,
                     char **path_out)
{
    char stamp[32];
    char when[32];
    char *dir = NULL;
    char *path = NULL;
    char *text = NULL;
    size_t len;
    int fd = -1;
    int rc = AMG_ENOMEM;
    const char *command = json_string_value(json_object_get(r->root, "command"));
    const char *instance = json_string_value(json_object_get(r->root, "instance"));

    if (path_out)
        *path_out = NULL;
    format_utc(finished, stamp, sizeof(stamp), 1);
    format_utc(finished, when, sizeof(when), 0);
    if (json_object_set_new(r->root, "finished", json_string(when)) < 0)
        goto out;
    len = strlen(snapshot_dir) + sizeof("/reports");
    dir = amg_malloc(len);
    if (!dir)
        goto out;
    snprintf(dir, len, "%s/reports", snapshot_dir);
    rc = ensure_dir(snapshot_dir);
    if (rc < 0)
        goto out;
    rc = ensure_dir(dir);
    if (rc < 0)
        goto out;
    rc = AMG_ENOMEM;
    len = strlen(dir) + strlen(command) + strlen(instance ? instance : "-") + strlen(stamp) + 16;
    path = amg_malloc(len);
    text = json_dumps(r->root, JSON_INDENT(2) | JSON_SORT_KEYS);
    if (!path || !text)
        goto out;
    snprintf(path, len, "%s/%s-%s-%s.json", dir, command, instance ? instance : "-", stamp);
    /* Two runs in the same second append a counter rather than clobber. */
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    for (int n = 2; fd < 0 && errno == EEXIST && n < 100; n++) {
        snprintf(path, len, "%s/%s-%s-%s.%d.json", dir, command, instance ? instance : "-",
                 stamp, n);
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    }
    if (fd < 0) {
        amg_error("cannot create report %s: %s", path, strerror(errno));
        rc = AMG_EIO;
        goto out;
    }
    len = strlen(text);
    if (write(fd, text, len) != (ssize_t)len || write(fd, "\n", 1) != 1 || fsync(fd) != 0) {
        amg_error("cannot write report %s: %s", path, strerror(errno));
        rc = AMG_EIO;
        goto out;
    }
    if (path_out) {
        *path_out = path;
        path = NULL;
    }
    rc = AMG_OK;
out:
    if (fd >= 0)
        close(fd);
    amg_free(text);
    amg_free(path);
    amg_free(dir);
    return rc;
}

void amg_report_print(const struct amg_report *r, FILE *out)
{
    size_t i;
    json_t *entry;
    int k;

    fprintf(out, "%-28s %-9s %8s %8s %9s %8s %7s\n", "resource", "status", "created",
            "updated", "unchanged", "skipped", "failed");
    json_array_foreach(r->plugins, i, entry) {
        json_t *counts = json_object_get(entry, "counts");

        fprintf(out, "%-28s %-9s", json_string_value(json_object_get(entry, "plugin")),
                json_string_value(json_object_get(entry, "status")));
        for (k = 0; k < AMG_OUT_COUNT_; k++) {
            static const int widths[AMG_OUT_COUNT_] = { 8, 8, 9, 8, 7 };

            fprintf(out, " %*lld", widths[k],
                    (long long)json_integer_value(json_object_get(counts, outcome_names[k])));
        }
        fputc('\n', out);
    }
}

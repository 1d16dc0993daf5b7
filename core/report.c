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
    if (!json_object_get(entry, "post_restore_actions") &&
        json_object_set_new(entry, "post_restore_actions", json_array()) < 0)
        goto fail;
    if (ctx && ctx->secrets &&
        json_object_set(entry, "secrets", ctx->secrets) < 0)
        goto fail;
    if (json_object_set_new(entry, "failures", ctx && ctx->failures ?
                            json_deep_copy(ctx->failures) : json_array()) < 0)
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
    /* A job's report is named for the job. */
    if (!instance)
        instance = json_string_value(json_object_get(r->root, "job"));
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

int amg_report_plugin_set(struct amg_report *r, const char *key, json_t *value)
{
    size_t n = json_array_size(r->plugins);

    if (n == 0) {
        json_decref(value);
        return AMG_EINVAL;
    }
    return json_object_set_new(json_array_get(r->plugins, n - 1), key, value) == 0
           ? AMG_OK : AMG_ENOMEM;
}

int amg_report_finish(struct amg_report *r)
{
    json_t *totals = json_object();
    json_t *actions = json_array();
    json_t *entry;
    size_t i, k;
    int j;

    if (!totals || !actions)
        goto fail;
    for (j = 0; j < AMG_OUT_COUNT_; j++) {
        json_int_t sum = 0;

        json_array_foreach(r->plugins, i, entry)
            sum += json_integer_value(json_object_get(json_object_get(entry, "counts"),
                                                      outcome_names[j]));
        if (json_object_set_new(totals, outcome_names[j], json_integer(sum)) < 0)
            goto fail;
    }
    json_array_foreach(r->plugins, i, entry) {
        json_t *a;

        json_array_foreach(json_object_get(entry, "post_restore_actions"), k, a) {
            if (json_array_append_new(actions, json_pack("{s:O, s:O}", "plugin",
                                                         json_object_get(entry, "plugin"),
                                                         "action", a)) < 0)
                goto fail;
        }
    }
    if (json_object_set_new(r->root, "totals", totals) < 0) {
        totals = NULL;
        goto fail;
    }
    totals = NULL;
    if (json_object_set_new(r->root, "post_restore_actions", actions) < 0) {
        actions = NULL;
        goto fail;
    }
    actions = NULL;
    if (json_object_set_new(r->root, "format", json_string("appid-migrate-report")) < 0 ||
        json_object_set_new(r->root, "version", json_integer(1)) < 0)
        goto fail;
    return AMG_OK;
fail:
    json_decref(totals);
    json_decref(actions);
    return AMG_ENOMEM;
}

void amg_report_print_details(const struct amg_report *r, FILE *out)
{
    json_t *http = json_object_get(r->root, "http");
    json_t *entry;
    json_t *v;
    size_t i, k;
    int header = 0;

    fprintf(out, "%-28s %9s %8s %9s %8s %6s\n", "resource", "time (s)", "records",
            "requests", "retries", "429s");
    json_array_foreach(r->plugins, i, entry) {
        json_t *ph = json_object_get(entry, "http");

        fprintf(out, "%-28s %9.1f %8lld %9lld %8lld %6lld\n",
                json_string_value(json_object_get(entry, "plugin")),
                (double)json_integer_value(json_object_get(entry, "duration_ms")) / 1000,
                (long long)json_integer_value(json_object_get(entry, "records")),
                (long long)json_integer_value(json_object_get(ph, "requests")),
                (long long)json_integer_value(json_object_get(ph, "retries")),
                (long long)json_integer_value(json_object_get(ph, "throttled")));
    }
    if (http)
        fprintf(out, "requests: %lld in all, %lld retried, %lld throttled (429)\n",
                (long long)json_integer_value(json_object_get(http, "requests")),
                (long long)json_integer_value(json_object_get(http, "retries")),
                (long long)json_integer_value(json_object_get(http, "throttled")));
    json_array_foreach(r->plugins, i, entry) {
        json_array_foreach(json_object_get(entry, "failures"), k, v) {
            const char *object = json_string_value(json_object_get(v, "object"));

            if (!header++)
                fprintf(out, "failures:\n");
            fprintf(out, "  %s: %s%s%s\n", json_string_value(json_object_get(entry, "plugin")),
                    object ? object : "", object ? ": " : "",
                    json_string_value(json_object_get(v, "reason")));
        }
    }
    header = 0;
    json_array_foreach(r->plugins, i, entry) {
        json_array_foreach(json_object_get(entry, "post_restore_actions"), k, v) {
            if (!header++)
                fprintf(out, "post-restore actions (do these by hand):\n");
            fprintf(out, "  %s: %s\n", json_string_value(json_object_get(entry, "plugin")),
                    json_string_value(v));
        }
    }
    header = 0;
    json_array_foreach(r->plugins, i, entry) {
        json_array_foreach(json_object_get(entry, "secrets"), k, v) {
            if (!header++)
                fprintf(out, "the snapshot holds secrets in clear (keep it protected):\n");
            fprintf(out, "  %s: %s\n", json_string_value(json_object_get(entry, "plugin")),
                    json_string_value(v));
        }
    }
}

json_t *amg_report_json(const struct amg_report *r)
{
    return r->root;
}

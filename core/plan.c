#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "plan.h"
#include "error.h"
#include "log.h"

struct amg_plan {
    json_t *root;     /* owned */
    json_t *plugins;  /* borrowed from root */
    json_t *totals;   /* borrowed from root */
};

static const char *const action_names[AMG_OUT_COUNT_] = {
    "create", "update", "unchanged", "skip", "fail"
};

const char *amg_plan_action_name(enum amg_outcome what)
{
    return (int)what >= 0 && what < AMG_OUT_COUNT_ ? action_names[what] : "fail";
}

static json_t *zero_counts(void)
{
    json_t *c = json_object();
    int i;

    for (i = 0; c && i < AMG_OUT_COUNT_; i++) {
        if (json_object_set_new(c, action_names[i], json_integer(0)) < 0) {
            json_decref(c);
            return NULL;
        }
    }
    return c;
}

int amg_plan_new(const char *instance, const char *snapshot, time_t created,
                 struct amg_plan **out)
{
    struct amg_plan *p = NULL;
    char when[32];
    struct tm tm;
    int rc = AMG_ENOMEM;

    *out = NULL;
    p = calloc(1, sizeof(*p));
    if (!p)
        goto out;
    gmtime_r(&created, &tm);
    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
    p->plugins = json_array();
    p->totals = zero_counts();
    if (!p->plugins || !p->totals) {
        json_decref(p->plugins);
        json_decref(p->totals);
        goto out;
    }
    p->root = json_pack("{s:s, s:i, s:s, s:s, s:s, s:o, s:o}", "format", AMG_PLAN_FORMAT,
                        "version", AMG_PLAN_FORMAT_VERSION, "instance", instance,
                        "snapshot", snapshot, "created", when, "plugins", p->plugins,
                        "totals", p->totals);
    if (!p->root)
        goto out;
    *out = p;
    p = NULL;
    rc = AMG_OK;
out:
    amg_plan_free(p);
    return rc;
}

void amg_plan_free(struct amg_plan *p)
{
    if (!p)
        return;
    json_decref(p->root);
    free(p);
}

/* The section of `plugin` (borrowed), NULL if none. */
static json_t *section(const struct amg_plan *p, const char *plugin)
{
    size_t i = json_array_size(p->plugins);

    while (i-- > 0) {
        json_t *s = json_array_get(p->plugins, i);

        if (strcmp(json_string_value(json_object_get(s, "plugin")), plugin) == 0)
            return s;
    }
    return NULL;
}

int amg_plan_plugin(struct amg_plan *p, const char *plugin, const char *status,
                    const char *note)
{
    json_t *s = section(p, plugin);

    if (!s) {
        s = json_pack("{s:s, s:s, s:[], s:o}", "plugin", plugin, "status", status,
                      "actions", "counts", zero_counts());
        if (!s || json_array_append_new(p->plugins, s) < 0)
            return AMG_ENOMEM;
    } else if (json_object_set_new(s, "status", json_string(status)) < 0) {
        return AMG_ENOMEM;
    }
    if (note && json_object_set_new(s, "note", json_string(note)) < 0)
        return AMG_ENOMEM;
    return AMG_OK;
}

static int bump(json_t *counts, const char *name, long n)
{
    json_t *v = json_object_get(counts, name);

    return json_integer_set(v, json_integer_value(v) + n) == 0 ? AMG_OK : AMG_ENOMEM;
}

/* The section of `plugin`, opened on demand as "planned". */
static json_t *open_section(struct amg_plan *p, const char *plugin)
{
    json_t *s = section(p, plugin);

    if (!s && amg_plan_plugin(p, plugin, "planned", NULL) == AMG_OK)
        s = section(p, plugin);
    return s;
}

int amg_plan_add(struct amg_plan *p, const char *plugin, enum amg_outcome what,
                 const char *object, const char *detail)
{
    const char *name = amg_plan_action_name(what);
    json_t *s = open_section(p, plugin);
    json_t *a;

    if (!s)
        return AMG_ENOMEM;
    a = json_pack("{s:s, s:s, s:s?}", "action", name, "object", object ? object : "",
                  "detail", detail);
    if (!a || json_array_append_new(json_object_get(s, "actions"), a) < 0)
        return AMG_ENOMEM;
    if (bump(json_object_get(s, "counts"), name, 1) < 0 || bump(p->totals, name, 1) < 0)
        return AMG_ENOMEM;
    return AMG_OK;
}

int amg_plan_count(struct amg_plan *p, const char *plugin, enum amg_outcome what, long n)
{
    const char *name = amg_plan_action_name(what);
    json_t *s = open_section(p, plugin);
    json_t *unlisted;

    if (n <= 0)
        return AMG_OK;
    if (!s)
        return AMG_ENOMEM;
    unlisted = json_object_get(s, "unlisted");
    if (!unlisted) {
        unlisted = zero_counts();
        if (!unlisted || json_object_set_new(s, "unlisted", unlisted) < 0)
            return AMG_ENOMEM;
    }
    if (bump(unlisted, name, n) < 0 || bump(json_object_get(s, "counts"), name, n) < 0 ||
        bump(p->totals, name, n) < 0)
        return AMG_ENOMEM;
    return AMG_OK;
}

json_t *amg_plan_json(const struct amg_plan *p)
{
    return p->root;
}

int amg_plan_write(const struct amg_plan *p, const char *path)
{
    char *text = json_dumps(p->root, JSON_INDENT(2) | JSON_SORT_KEYS);
    size_t len;
    int fd = -1;
    int rc = AMG_ENOMEM;

    if (!text)
        goto out;
    len = strlen(text);
    if (strcmp(path, "-") == 0) {
        rc = fwrite(text, 1, len, stdout) == len && fputc('\n', stdout) != EOF &&
             fflush(stdout) == 0 ? AMG_OK : AMG_EIO;
        if (rc < 0)
            amg_error("cannot write the plan to standard output");
        goto out;
    }
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0 || write(fd, text, len) != (ssize_t)len || write(fd, "\n", 1) != 1 ||
        fsync(fd) != 0) {
        amg_error("cannot write plan %s: %s", path, strerror(errno));
        rc = AMG_EIO;
        goto out;
    }
    rc = AMG_OK;
out:
    if (fd >= 0 && close(fd) != 0 && rc == AMG_OK) {
        amg_error("cannot write plan %s: %s", path, strerror(errno));
        rc = AMG_EIO;
    }
    free(text);
    return rc;
}

static long count_of(json_t *counts, const char *name)
{
    return (long)json_integer_value(json_object_get(counts, name));
}

/* "  ... and 99900 more not listed: 99000 create, 900 skip" */
static void print_unlisted(json_t *unlisted, FILE *out)
{
    long total = 0;
    int i, first = 1;

    for (i = 0; i < AMG_OUT_COUNT_; i++)
        total += count_of(unlisted, action_names[i]);
    if (total == 0)
        return;
    fprintf(out, "  ... and %ld more not listed:", total);
    for (i = 0; i < AMG_OUT_COUNT_; i++) {
        long n = count_of(unlisted, action_names[i]);

        if (n > 0) {
            fprintf(out, "%s %ld %s", first ? "" : ",", n, action_names[i]);
            first = 0;
        }
    }
    fputc('\n', out);
}

void amg_plan_print(const struct amg_plan *p, FILE *out)
{
    size_t i, k;
    json_t *s, *a;

    fprintf(out, "Plan for importing %s into '%s' (dry run: nothing was written)\n",
            json_string_value(json_object_get(p->root, "snapshot")),
            json_string_value(json_object_get(p->root, "instance")));
    json_array_foreach(p->plugins, i, s) {
        const char *status = json_string_value(json_object_get(s, "status"));
        const char *note = json_string_value(json_object_get(s, "note"));

        fprintf(out, "\n%s", json_string_value(json_object_get(s, "plugin")));
        if (strcmp(status, "planned") != 0 || note)
            fprintf(out, " (%s%s%s)", strcmp(status, "cannot_plan") == 0 ? "not planned"
                    : status, note ? ": " : "", note ? note : "");
        fputc('\n', out);
        json_array_foreach(json_object_get(s, "actions"), k, a) {
            const char *detail = json_string_value(json_object_get(a, "detail"));

            fprintf(out, "  %-10s %s%s%s%s\n",
                    json_string_value(json_object_get(a, "action")),
                    json_string_value(json_object_get(a, "object")), detail ? " (" : "",
                    detail ? detail : "", detail ? ")" : "");
        }
        print_unlisted(json_object_get(s, "unlisted"), out);
        if (json_array_size(json_object_get(s, "actions")) == 0 &&
            !json_object_get(s, "unlisted") && strcmp(status, "planned") == 0)
            fprintf(out, "  (nothing to do)\n");
    }
    fprintf(out, "\nPlan: %ld to create, %ld to update, %ld unchanged, %ld skipped, "
            "%ld failing.\n", count_of(p->totals, "create"), count_of(p->totals, "update"),
            count_of(p->totals, "unchanged"), count_of(p->totals, "skip"),
            count_of(p->totals, "fail"));
}

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <jansson.h>
#include "appid-migrate/plugin.h"
#include "conflict.h"
#include "engine.h"
#include "engine_priv.h"
#include "error.h"
#include "log.h"
#include "mem.h"

const char *amg_conflict_name(enum amg_conflict c)
{
    switch (c) {
    case AMG_CONFLICT_UPDATE: return "update";
    case AMG_CONFLICT_SKIP: return "skip";
    case AMG_CONFLICT_FAIL: return "fail";
    }
    return "?";
}

int amg_conflict_parse(const char *s, enum amg_conflict *out)
{
    static const enum amg_conflict all[] = { AMG_CONFLICT_UPDATE, AMG_CONFLICT_SKIP,
                                             AMG_CONFLICT_FAIL };
    size_t i;

    for (i = 0; s && i < sizeof(all) / sizeof(all[0]); i++) {
        if (strcmp(s, amg_conflict_name(all[i])) == 0) {
            *out = all[i];
            return 0;
        }
    }
    return -1;
}

/* Log every update of the plan document `plan` as a conflict; returns how
 * many objects conflict (listed and unlisted). *blind counts the plugins
 * that could not plan, whose conflicts are unknown. */
static long list_conflicts(json_t *plan, const char *instance, long *blind)
{
    json_t *section, *action;
    size_t i, k;
    long n = 0;

    *blind = 0;
    json_array_foreach(json_object_get(plan, "plugins"), i, section) {
        const char *plugin = json_string_value(json_object_get(section, "plugin"));
        const char *status = json_string_value(json_object_get(section, "status"));
        json_int_t unlisted = json_integer_value(
            json_object_get(json_object_get(section, "unlisted"), "update"));

        if (status && strcmp(status, "cannot_plan") == 0) {
            amg_error("%s: conflict check: %s cannot plan (%s): whether its objects exist "
                      "in the target is unknown", instance, plugin ? plugin : "?",
                      json_string_value(json_object_get(section, "note")));
            (*blind)++;
            continue;
        }

        json_array_foreach(json_object_get(section, "actions"), k, action) {
            const char *what = json_string_value(json_object_get(action, "action"));
            const char *detail = json_string_value(json_object_get(action, "detail"));

            if (!what || strcmp(what, "update") != 0)
                continue;
            /* A singleton nobody configured: restoring it clobbers nothing. */
            if (detail && strncmp(detail, AMG_PLAN_DETAIL_AT_DEFAULT,
                                  strlen(AMG_PLAN_DETAIL_AT_DEFAULT)) == 0)
                continue;
            amg_error("%s: conflict: %s: %s exists and differs%s%s%s", instance,
                      plugin ? plugin : "?",
                      json_string_value(json_object_get(action, "object")),
                      detail ? " (" : "", detail ? detail : "", detail ? ")" : "");
            n++;
        }
        if (unlisted > 0) {
            amg_error("%s: conflict: %s: %" JSON_INTEGER_FORMAT " more object%s exist and "
                      "differ (not listed one by one)", instance, plugin ? plugin : "?",
                      unlisted, unlisted == 1 ? "" : "s");
            n += (long)unlisted;
        }
    }
    return n;
}

/* A new empty file for the plan: *path is new (amg_free). */
static int temp_plan(char **path)
{
    const char *dir = getenv("TMPDIR");
    size_t len;
    int fd;

    if (!dir || !*dir)
        dir = "/tmp";
    len = strlen(dir) + sizeof("/amg-conflicts-XXXXXX");
    *path = amg_malloc(len);
    if (!*path)
        return AMG_ENOMEM;
    snprintf(*path, len, "%s/amg-conflicts-XXXXXX", dir);
    fd = mkstemp(*path);
    if (fd < 0) {
        amg_error("%s: cannot create a file for the conflict check", *path);
        amg_free(*path);
        *path = NULL;
        return AMG_EIO;
    }
    close(fd);
    return AMG_OK;
}

int amg_conflict_import(struct amg_engine *e, const char *instance, const char *snapshot,
                        const struct amg_selection *sel)
{
    struct amg_run_opts saved = e->opts;
    const char *user_plan = e->opts.plan_out;
    int dry = e->opts.dry_run;
    char *tmp = NULL;
    json_t *plan = NULL;
    json_error_t jerr;
    long conflicts, blind;
    int rc;

    if (e->opts.on_conflict != AMG_CONFLICT_FAIL)
        return amg_engine_import(e, instance, snapshot, sel);
    if (!dry || !user_plan || strcmp(user_plan, "-") == 0) {
        rc = temp_plan(&tmp);
        if (rc < 0)
            return rc;
    }
    if (!dry)
        printf("%s: on_conflict = fail: planning first to find objects that exist in the "
               "target (nothing is written)\n", instance);
    fflush(stdout);
    /* Planned as an update would be, so that every object an update would
     * write is reported as such. */
    e->opts.dry_run = 1;
    e->opts.plan_out = tmp ? tmp : user_plan;
    e->opts.on_conflict = AMG_CONFLICT_UPDATE;
    if (!dry)
        e->opts.no_report = 1;
    rc = amg_engine_import(e, instance, snapshot, sel);
    e->opts = saved;
    if (rc < 0 && rc != AMG_EPARTIAL)
        goto out;
    plan = json_load_file(tmp ? tmp : user_plan, 0, &jerr);
    if (!plan) {
        amg_error("%s:%d: conflict check: cannot read the plan: %s", jerr.source, jerr.line,
                  jerr.text);
        rc = AMG_EIO;
        goto out;
    }
    if (tmp && dry && user_plan && json_dumpf(plan, stdout, JSON_INDENT(2)) == 0)
        fputc('\n', stdout);
    conflicts = list_conflicts(plan, instance, &blind);
    if (conflicts > 0) {
        amg_error("%s: on_conflict = fail: %ld object%s of the snapshot exist%s in the target "
                  "and differ%s: nothing was written", instance, conflicts,
                  conflicts == 1 ? "" : "s", conflicts == 1 ? "s" : "",
                  conflicts == 1 ? "s" : "");
        rc = AMG_EEXIST;
        goto out;
    }
    if (rc < 0 || blind) {
        amg_error("%s: on_conflict = fail: %s, so conflicts cannot be ruled out: nothing "
                  "was written (leave %s out with --exclude, or use another policy)",
                  instance, blind ? "some plugins cannot plan" : "the plan failed for some "
                  "objects", blind ? "them" : "what failed");
        if (rc == AMG_OK)
            rc = AMG_EPLUGIN;
        goto out;
    }
    if (dry)
        goto out;
    printf("%s: on_conflict = fail: no conflicts, importing\n", instance);
    fflush(stdout);
    rc = amg_engine_import(e, instance, snapshot, sel);
out:
    if (tmp)
        unlink(tmp);
    amg_free(tmp);
    json_decref(plan);
    return rc;
}

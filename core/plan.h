/*
 * The plan of an import --dry-run: per plugin (resource kind) and per
 * object, what the import would do. Printed for humans and written as
 * JSON with --plan-out (schema: docs/report-format.md, "Plan").
 */
#ifndef AMG_PLAN_H
#define AMG_PLAN_H

#include <stdio.h>
#include <time.h>
#include <jansson.h>
#include "appid-migrate/plugin.h"

#define AMG_PLAN_FORMAT "appid-migrate-plan"
#define AMG_PLAN_FORMAT_VERSION 1

struct amg_plan;

/* Strings are copied. */
int amg_plan_new(const char *instance, const char *snapshot, time_t created,
                 struct amg_plan **out);
void amg_plan_free(struct amg_plan *p);

/* Open the section of `plugin` with `status` ("planned", "cannot_plan",
 * "skipped", "failed") and an optional `note`. Calling it again for the
 * same plugin updates status and note (note NULL keeps the old one). */
int amg_plan_plugin(struct amg_plan *p, const char *plugin, const char *status,
                    const char *note);

/* One action in the section of `plugin` (opened on demand as
 * "planned"). `detail` may be NULL. */
int amg_plan_add(struct amg_plan *p, const char *plugin, enum amg_outcome what,
                 const char *object, const char *detail);

/* `n` more objects of `plugin` with outcome `what`, counted like
 * actions but not listed one by one: collections too large to list
 * (host->tally while planning). The section keeps them in "unlisted" and
 * the human form ends it with one line, "... and N more not listed: ...". */
int amg_plan_count(struct amg_plan *p, const char *plugin, enum amg_outcome what, long n);

/* Action name of an outcome: "create", "update", "unchanged", "skip",
 * "fail". */
const char *amg_plan_action_name(enum amg_outcome what);

/* The whole plan (borrowed). */
json_t *amg_plan_json(const struct amg_plan *p);

/* Write the JSON to `path` (mode 0600, replaced if it exists), or to
 * stdout when path is "-". */
int amg_plan_write(const struct amg_plan *p, const char *path);

/* Human form: per plugin, one line per object, then the totals. */
void amg_plan_print(const struct amg_plan *p, FILE *out);

#endif

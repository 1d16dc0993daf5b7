/*
 * Run report: per plugin counts and status, post-restore actions, the id
 * map and request statistics. Written as JSON into
 * <snapshot_dir>/reports/<command>-<instance>-<UTC timestamp>.json (0600)
 * and printed as a short table.
 */
#ifndef AMG_REPORT_H
#define AMG_REPORT_H

#include <stdio.h>
#include <time.h>
#include <jansson.h>
#include "host.h"

struct amg_report;

/* Strings are copied. `snapshot` may be NULL. */
int amg_report_new(const char *command, const char *instance, const char *snapshot,
                   time_t started, struct amg_report **out);
void amg_report_free(struct amg_report *r);

/* One line per plugin: `status` is "ok", "failed", "skipped" ... and
 * `note` (may be NULL) says why. Counts and actions come from ctx (may be
 * NULL for plugins that did not run). */
int amg_report_plugin(struct amg_report *r, const char *plugin, const char *status,
                      const char *note, const struct amg_ctx *ctx);

/* Attach a JSON value under `key` at the top level (steals `value`). */
int amg_report_set(struct amg_report *r, const char *key, json_t *value);

/* Write the JSON file; *path (if not NULL) receives a new string. */
int amg_report_write(struct amg_report *r, const char *snapshot_dir, time_t finished,
                     char **path);

/* Human summary table. */
void amg_report_print(const struct amg_report *r, FILE *out);

/* Set `key` on the plugin entry added last (steals `value`); AMG_EINVAL
 * when there is none. For durations, request counts, records. */
int amg_report_plugin_set(struct amg_report *r, const char *key, json_t *value);

/* The report document (borrowed). */
json_t *amg_report_json(const struct amg_report *r);

/* Before writing: format marker and version, totals of the counts over
 * all plugins, and every plugin's post-restore actions gathered at the
 * top level ({"plugin", "action"}). See docs/report-format.md. */
int amg_report_finish(struct amg_report *r);

/* What the table leaves out: per plugin time, records and requests, then
 * failures with their reasons and post-restore actions. */
void amg_report_print_details(const struct amg_report *r, FILE *out);

/* Sum of failed counts over all plugins plus plugins with status
 * "failed". */
long amg_report_failures(const struct amg_report *r);

#endif

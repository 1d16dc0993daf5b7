/*
 * Internals shared by the files of the cloud_directory_users plugin.
 */
#ifndef CD_USERS_H
#define CD_USERS_H

#include <jansson.h>
#include "appid-migrate/plugin.h"
#include "pluginutil.h"

/* Integer plugin option `key` in [min, max], `def` when unset or bad. */
AMGP_HIDDEN long cdu_option_long(const struct amg_host *h, struct amg_ctx *ctx, const char *key,
                                 long def, long min, long max);

/* The configured encryption secret, escaped for a query string, into
 * out[size]. */
AMGP_HIDDEN int cdu_secret_query(const struct amg_host *h, struct amg_ctx *ctx, char *out,
                                 size_t size);

/* Bulk export through export/all, export/status and export/download;
 * writes every user to `out` and counts them in *written. */
AMGP_HIDDEN int cdu_export_async(const struct amg_host *h, struct amg_ctx *ctx,
                                 struct amg_records *out, long *written);

/* 1 when the export item `rec` passes the run's record filters, else 0. */
AMGP_HIDDEN int cdu_selected(const struct amg_host *h, struct amg_ctx *ctx, json_t *rec);

/* import --dry-run: the plan of the import, GETs only (cd_users_plan.c). */
AMGP_HIDDEN int cdu_plan(const struct amg_host *h, struct amg_ctx *ctx);

AMGP_HIDDEN int cdu_import(const struct amg_host *h, struct amg_ctx *ctx);
AMGP_HIDDEN int cdu_validate(const struct amg_host *h, struct amg_ctx *ctx);

#endif

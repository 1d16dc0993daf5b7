/*
 * Offline checks of a cloud_directory_settings document: shapes, enums,
 * ranges (reference sections 8.2.1-8.2.7, 8.2.11, 8.2.12), template names
 * and their languages.
 */
#ifndef AMGP_CDS_VALIDATE_H
#define AMGP_CDS_VALIDATE_H

#include "appid-migrate/plugin.h"

#ifndef AMGP_HIDDEN
#define AMGP_HIDDEN __attribute__((visibility("hidden")))
#endif

/* The plugin's validate hook. */
AMGP_HIDDEN int amgp_cds_validate(const struct amg_host *h, struct amg_ctx *ctx);

#endif

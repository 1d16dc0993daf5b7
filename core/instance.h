/*
 * Connects to a configured instance: reads the API key from the
 * environment variable the config names (never from argv), builds the
 * HTTP client and obtains a first IAM token so that a bad key fails the
 * run before any work starts.
 */
#ifndef AMG_INSTANCE_H
#define AMG_INSTANCE_H

#include "config.h"
#include "http.h"

/* On success *out is a new client (amg_http_free). Errors: AMG_ECONFIG
 * (unknown instance, variable unset), AMG_EAUTH, AMG_EHTTP. */
int amg_instance_connect(const struct amg_config *cfg, const char *name,
                         struct amg_http **out);

#endif

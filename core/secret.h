/*
 * Secrets the configuration points at (never values in the file): looked
 * up by name for plugins (host->secret) and checked before a run starts,
 * so that a missing one stops the run before the first request.
 */
#ifndef AMG_SECRET_H
#define AMG_SECRET_H

#include "config.h"

/* 1 if `name` is a secret appid-migrate can hand out
 * ("cd_encryption_secret"). */
int amg_secret_known(const char *name);

/*
 * The value of secret `name` from the environment variable `cfg` names
 * for it, registered with the log's redaction before it is returned.
 * `who` (a plugin name) is only used in messages. *value points into the
 * environment (borrowed) and is NULL on error. AMG_EINVAL for an unknown
 * name, AMG_ECONFIG (logged, naming the config file and the setting) when
 * the variable is unset or too short to be redacted safely, AMG_ENOMEM.
 */
int amg_secret_get(const struct amg_config *cfg, const char *name, const char *who,
                   const char **value);

#endif

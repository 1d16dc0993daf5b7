#include <stdlib.h>
#include <string.h>
#include "error.h"
#include "log.h"
#include "secret.h"

#define CD_SECRET "cd_encryption_secret"

int amg_secret_known(const char *name)
{
    return name && strcmp(name, CD_SECRET) == 0;
}

int amg_secret_get(const struct amg_config *cfg, const char *name, const char *who,
                   const char **value)
{
    const char *v;
    int rc;

    *value = NULL;
    if (!cfg || !amg_secret_known(name)) {
        amg_error("[%s] unknown secret '%s'", who, name ? name : "(null)");
        return AMG_EINVAL;
    }
    v = getenv(cfg->cd_secret_env);
    /* Short values would also blank out ordinary words in the log. */
    if (!v || strlen(v) < 8) {
        amg_error("%s: cloud_directory.encryption_secret_env: environment variable %s %s; "
                  "plugin '%s' needs the Cloud Directory encryption secret there (8 "
                  "characters at least)", cfg->path ? cfg->path : "configuration",
                  cfg->cd_secret_env, v && *v ? "is too short" : "is not set", who);
        return AMG_ECONFIG;
    }
    rc = amg_log_add_secret(v);
    if (rc < 0)
        return rc;
    *value = v;
    return AMG_OK;
}

#include <stddef.h>
#include "error.h"
#include "log.h"
#include "seal.h"
#include "snapshot_key.h"

int amg_snapshot_key_configured(const struct amg_config *cfg)
{
    return cfg && (cfg->seal_key_env || cfg->seal_key_file);
}

/* The configured secret: the environment variable when one is named,
 * else the key file. Freed with amg_seal_secret_free(). */
static int load_secret(const struct amg_config *cfg, char **secret, size_t *len)
{
    return amg_seal_load_secret(cfg->seal_key_env, cfg->seal_key_env ? NULL : cfg->seal_key_file,
                                secret, len);
}

int amg_snapshot_key_check(const struct amg_config *cfg)
{
    char *secret = NULL;
    size_t len = 0;
    int rc;

    if (!amg_snapshot_key_configured(cfg))
        return AMG_OK;
    rc = load_secret(cfg, &secret, &len);
    amg_seal_secret_free(secret, len);
    return rc;
}

int amg_snapshot_key_writer(const struct amg_config *cfg, struct amg_snapshot_writer *w)
{
    struct amg_seal_params p;
    unsigned char key[AMG_SEAL_KEY_BYTES];
    char *secret = NULL;
    size_t len = 0;
    int rc;

    if (!amg_snapshot_key_configured(cfg))
        return AMG_OK;
    rc = load_secret(cfg, &secret, &len);
    if (rc)
        goto out;
    rc = amg_seal_params_init(&p);
    if (rc)
        goto out;
    rc = amg_seal_derive_key(secret, len, &p, key);
    if (rc)
        goto out;
    rc = amg_snapshot_encrypt(w, &p, key);
    amg_seal_key_wipe(key, sizeof(key));
out:
    amg_seal_secret_free(secret, len);
    return rc;
}

int amg_snapshot_key_reader(const struct amg_config *cfg, struct amg_snapshot *s,
                            int required)
{
    char *secret = NULL;
    size_t len = 0;
    int rc;

    if (!amg_snapshot_encrypted(s))
        return AMG_OK;
    if (!amg_snapshot_key_configured(cfg)) {
        if (!required)
            return AMG_ENOTFOUND;
        amg_error("%s: the snapshot is encrypted: set snapshot_encryption (key_env or "
                  "key_file) in the config", amg_snapshot_path(s));
        return AMG_ECONFIG;
    }
    rc = load_secret(cfg, &secret, &len);
    if (rc == AMG_OK)
        rc = amg_snapshot_set_secret(s, secret, len);
    amg_seal_secret_free(secret, len);
    return rc;
}

#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <libconfig.h>
#include "config.h"
#include "config_include.h"
#include "config_parse.h"
#include "jobs.h"
#include "log.h"
#include "mem.h"

#define DEFAULT_SNAPSHOT_DIR "./snapshots"
#define DEFAULT_CD_SECRET_ENV "APPID_CD_ENCRYPTION_SECRET"
static const struct {
    const char *region;
    const char *endpoint;
} regions[] = {
    { "us-south", "https://us-south.appid.cloud.ibm.com" },
    { "us-east", "https://us-east.appid.cloud.ibm.com" },
    { "eu-de", "https://eu-de.appid.cloud.ibm.com" },
    { "eu-gb", "https://eu-gb.appid.cloud.ibm.com" },
    { "jp-osa", "https://jp-osa.appid.cloud.ibm.com" },
    { "jp-tok", "https://jp-tok.appid.cloud.ibm.com" },
    { "au-syd", "https://au-syd.appid.cloud.ibm.com" },
    { "ca-tor", "https://ca-tor.appid.cloud.ibm.com" },
    { "br-sao", "https://br-sao.appid.cloud.ibm.com" },
};
#define N_REGIONS (sizeof(regions) / sizeof(regions[0]))

const char *amg_region_endpoint(const char *region)
{
    size_t i;

    if (!region)
        return NULL;
    for (i = 0; i < N_REGIONS; i++) {
        if (strcmp(regions[i].region, region) == 0)
            return regions[i].endpoint;
    }
    return NULL;
}

const char *amg_region_name(size_t i)
{
    return i < N_REGIONS ? regions[i].region : NULL;
}

static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');

    if (!slash)
        return amg_strdup(".");
    if (slash == path)
        return amg_strdup("/");
    return amg_strndup(path, (size_t)(slash - path));
}

int amg_config_default(struct amg_config **out)
{
    struct amg_config *cfg = NULL;
    int rc = AMG_ENOMEM;

    *out = NULL;
    cfg = amg_calloc(1, sizeof(*cfg));
    if (!cfg)
        goto out;
    cfg->snapshot_dir = amg_strdup(DEFAULT_SNAPSHOT_DIR);
    cfg->cd_secret_env = amg_strdup(DEFAULT_CD_SECRET_ENV);
    cfg->plugin_options = amg_calloc(1, sizeof(struct amg_plugin_opts));
    if (!cfg->snapshot_dir || !cfg->cd_secret_env || !cfg->plugin_options)
        goto out;
    cfg->http.timeout_s = 30;
    cfg->http.retries = 5;
    cfg->http.max_rps = 40.0;
    cfg->http.concurrency = 8;
    *out = cfg;
    cfg = NULL;
    rc = AMG_OK;
out:
    amg_config_free(cfg);
    return rc;
}

/* Read `text` (NULL: the file `path`) with libconfig and validate it;
 * `path` names the input in messages and gives the directory relative
 * paths are resolved against. */
static int load(const char *path, const char *text, struct amg_config **out)
{
    struct amg_config *cfg = NULL;
    char *dir = NULL;
    config_t lc;
    int errors = 0;
    int ok;
    int rc;

    config_init(&lc);
    rc = amg_config_default(&cfg);
    if (rc)
        goto out;
    rc = AMG_ENOMEM;
    dir = dir_of(path);
    cfg->path = amg_strdup(path);
    if (!dir || !cfg->path)
        goto out;
    config_set_include_dir(&lc, dir);
    rc = amg_config_check_includes(path, text, dir, &errors);
    if (rc || errors)
        goto summary;
    ok = text ? config_read_string(&lc, text) : config_read_file(&lc, path);
    if (!ok) {
        if (config_error_type(&lc) == CONFIG_ERR_FILE_IO) {
            amg_error("cannot read config file %s: %s", path, strerror(errno));
            rc = AMG_EIO;
        } else {
            char file[1024];

            amg_config_source_name(path, dir, config_error_file(&lc), file, sizeof(file));
            amg_error("%s:%d: %s", file, config_error_line(&lc), config_error_text(&lc));
            rc = AMG_ECONFIG;
        }
        goto out;
    }
    rc = amg_config_parse(cfg, config_root_setting(&lc), path, dir, &errors);
summary:
    if (!rc && errors) {
        amg_error("%s: %d error%s in configuration", path, errors, errors == 1 ? "" : "s");
        rc = AMG_ECONFIG;
    }
    if (rc)
        goto out;
    *out = cfg;
    cfg = NULL;
out:
    config_destroy(&lc);
    amg_config_free(cfg);
    amg_free(dir);
    return rc;
}

int amg_config_load(const char *path, struct amg_config **out)
{
    struct stat st;

    *out = NULL;
    if (!path || !*path)
        return AMG_EINVAL;
    /* Checked here because libconfig reports only "file I/O error". */
    if (stat(path, &st) != 0) {
        amg_error("cannot read config file %s: %s", path, strerror(errno));
        return AMG_EIO;
    }
    if (S_ISDIR(st.st_mode)) {
        amg_error("cannot read config file %s: it is a directory", path);
        return AMG_EIO;
    }
    return load(path, NULL, out);
}

int amg_config_load_string(const char *text, const char *name, struct amg_config **out)
{
    *out = NULL;
    if (!text || !name || !*name)
        return AMG_EINVAL;
    return load(name, text, out);
}

void amg_config_free(struct amg_config *cfg)
{
    struct amg_plugin_opts *opts;
    size_t i;

    if (!cfg)
        return;
    for (i = 0; i < cfg->n_instances; i++) {
        struct amg_instance_conf *inst = &cfg->instances[i];

        amg_free(inst->name);
        amg_free(inst->region);
        amg_free(inst->endpoint);
        amg_free(inst->tenant_id);
        amg_free(inst->api_key_env);
        amg_free(inst->iam_endpoint);
    }
    amg_free(cfg->instances);
    for (i = 0; i < cfg->n_plugin_dirs; i++)
        amg_free(cfg->plugin_dirs[i]);
    amg_free(cfg->plugin_dirs);
    opts = cfg->plugin_options;
    if (opts) {
        for (i = 0; i < opts->n; i++) {
            amg_free(opts->v[i].plugin);
            amg_free(opts->v[i].key);
            amg_free(opts->v[i].value);
            amg_free(opts->v[i].where);
        }
        amg_free(opts->v);
        amg_free(opts);
    }
    amg_jobs_free(cfg->jobs);
    amg_free(cfg->path);
    amg_free(cfg->snapshot_dir);
    amg_free(cfg->cd_secret_env);
    amg_free(cfg->seal_key_env);
    amg_free(cfg->seal_key_file);
    amg_free(cfg->snapshot_store);
    amg_free(cfg->s3_endpoint);
    amg_free(cfg->s3_region);
    amg_free(cfg->s3_access_key_env);
    amg_free(cfg->s3_secret_key_env);
    amg_free(cfg);
}

const struct amg_instance_conf *amg_config_instance(const struct amg_config *cfg,
                                                    const char *name)
{
    size_t i;

    if (!cfg || !name)
        return NULL;
    for (i = 0; i < cfg->n_instances; i++) {
        if (strcmp(cfg->instances[i].name, name) == 0)
            return &cfg->instances[i];
    }
    return NULL;
}

const char *amg_config_plugin_option(const struct amg_config *cfg,
                                     const char *plugin, const char *key)
{
    const struct amg_plugin_opts *opts;
    size_t i;

    if (!cfg || !plugin || !key || !cfg->plugin_options)
        return NULL;
    opts = cfg->plugin_options;
    for (i = 0; i < opts->n; i++) {
        if (strcmp(opts->v[i].plugin, plugin) == 0 && strcmp(opts->v[i].key, key) == 0)
            return opts->v[i].value;
    }
    return NULL;
}

int amg_config_api_key(const struct amg_instance_conf *inst, const char **key)
{
    const char *value;
    int rc;

    *key = NULL;
    if (!inst || !inst->api_key_env)
        return AMG_EINVAL;
    value = getenv(inst->api_key_env);
    if (!value || !*value) {
        amg_error("instance '%s': environment variable %s (its IBM Cloud API key) is not set",
                  inst->name, inst->api_key_env);
        return AMG_ECONFIG;
    }
    rc = amg_log_add_secret(value);
    /* Too short to redact safely: it could not be a real API key anyway. */
    if (rc == AMG_EINVAL) {
        amg_error("instance '%s': environment variable %s does not hold an API key",
                  inst->name, inst->api_key_env);
        return AMG_ECONFIG;
    }
    if (rc)
        return rc;
    *key = value;
    return AMG_OK;
}

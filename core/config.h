/*
 * Configuration file (libconfig syntax), parsed and validated whole before
 * any network call. Every error names the file and line:
 *   "FILE:LINE: unknown key 'foo' in instances.primary"
 * See conf/appid-migrate.conf.sample for every key.
 *
 * Relative snapshot_dir and plugin_dir paths written in the file are
 * resolved against the directory of the config file (so a config works
 * from any working directory); @include paths too. The default
 * snapshot_dir, used when the file sets none, stays relative to the
 * working directory. An endpoint loses its trailing '/'.
 */
#ifndef AMG_CONFIG_H
#define AMG_CONFIG_H

#include <stddef.h>

#define AMG_DEFAULT_IAM_ENDPOINT "https://iam.cloud.ibm.com/identity/token"
#define AMG_DEFAULT_API_KEY_ENV "IBMCLOUD_API_KEY"

/* Every string and array below is owned by the struct amg_config and
 * freed by amg_config_free(). */
struct amg_instance_conf {
    char *name;          /* key under `instances` */
    char *region;        /* one of the nine App ID regions, or NULL */
    char *endpoint;      /* base URL without trailing '/', e.g.
                          * http://127.0.0.1:8080; derived from region when
                          * not given, wins over region when both are */
    char *tenant_id;
    char *api_key_env;   /* name of the environment variable */
    char *iam_endpoint;  /* full token URL */
    int line;            /* line of the instance's group in the file */
};

struct amg_http_conf {
    long timeout_s;            /* per request; default 30 */
    int retries;               /* retries after the first try; default 5 */
    double max_rps;            /* requests per second per instance; 40 */
    int concurrency;           /* requests in flight; default 8 */
};

struct amg_jobs;

struct amg_config {
    char *path;                          /* file it was read from */
    struct amg_instance_conf *instances; /* n_instances entries */
    size_t n_instances;
    char *snapshot_dir;                  /* default "./snapshots" */
    char **plugin_dirs;                  /* n_plugin_dirs entries */
    size_t n_plugin_dirs;
    struct amg_http_conf http;
    char *cd_secret_env;                 /* cloud_directory.encryption_secret_env,
                                          * default "APPID_CD_ENCRYPTION_SECRET" */
    void *plugin_options;                /* private: plugins.<name>.<key> */
    char *seal_key_env;                  /* snapshot_encryption.key_env, or NULL */
    char *seal_key_file;                 /* snapshot_encryption.key_file (resolved
                                          * like snapshot_dir), or NULL; at most
                                          * one of the two is set */
    char *snapshot_store;                /* "s3://BUCKET/PREFIX" or NULL (local) */
    char *s3_endpoint;                   /* s3.endpoint, required with a store */
    char *s3_region;                     /* s3.region, required with a store */
    char *s3_access_key_env;             /* s3.access_key_env, default
                                          * "AMG_S3_ACCESS_KEY" */
    char *s3_secret_key_env;             /* s3.secret_key_env, default
                                          * "AMG_S3_SECRET_KEY" */
    struct amg_jobs *jobs;               /* owned: the jobs section (jobs.h); NULL
                                          * when there is none */
};

/*
 * Parse and validate `path`. On success *out is a new config the caller
 * frees with amg_config_free(). On failure logs each problem with
 * "FILE:LINE: ..." and returns AMG_ECONFIG (or AMG_EIO / AMG_ENOMEM).
 * Environment variables are not read here (see amg_config_api_key).
 */
int amg_config_load(const char *path, struct amg_config **out);

/* The same for configuration text in memory (tests, fuzzing). `name`
 * stands for the file name in messages, and relative paths (snapshot_dir,
 * plugin_dir, @include) are resolved against its directory, "." for a
 * bare name. Both borrowed. */
int amg_config_load_string(const char *text, const char *name, struct amg_config **out);

/* A config with defaults and no instances, for commands that need no
 * file (validate, plugins). Caller frees. */
int amg_config_default(struct amg_config **out);

void amg_config_free(struct amg_config *cfg);

/* Instance by name; NULL when unknown. Borrowed from cfg. */
const struct amg_instance_conf *amg_config_instance(const struct amg_config *cfg,
                                                    const char *name);

/* Base URL of the region ("https://us-south.appid.cloud.ibm.com"), or NULL
 * if `region` is not an App ID region. Static string. */
const char *amg_region_endpoint(const char *region);

/* The i-th App ID region id ("us-south", ...), NULL when i is past the
 * last; for help texts and error messages. Static string. */
const char *amg_region_name(size_t i);

/*
 * The API key of `inst`, read from the environment variable it names
 * (api_key_env). On success *key is borrowed from the environment and the
 * value has been registered with amg_log_add_secret() so that it never
 * reaches the log. AMG_ECONFIG (logged, naming the variable, never the
 * value) when the variable is unset, empty or too short to be a key.
 */
int amg_config_api_key(const struct amg_instance_conf *inst, const char **key);

/* Value of plugins.<plugin>.<key> as a string (numbers and booleans are
 * formatted), or NULL. Borrowed from cfg. */
const char *amg_config_plugin_option(const struct amg_config *cfg,
                                     const char *plugin, const char *key);

#endif

#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "config_parse.h"
#include "config_rules.h"
#include "options.h"
#include "jobs.h"
#include "log.h"
#include "mem.h"

/* App ID blocks an instance for 30 s above this rate (reference section 1). */
#define APPID_RATE_LIMIT 50.0

typedef int (*check_fn)(struct amg_cfg_loader *ld, const config_setting_t *s, const char *where,
                        const char *value);

static int check_region(struct amg_cfg_loader *ld, const config_setting_t *s, const char *where,
                        const char *value)
{
    char list[256] = "";
    size_t i, used = 0;

    if (amg_region_endpoint(value))
        return 1;
    for (i = 0; amg_region_name(i) && used < sizeof(list); i++)
        used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%s",
                                 i ? ", " : "", amg_region_name(i));
    amg_cfg_error(ld, s, "%s: unknown region '%s' (valid: %s)", where, value, list);
    return 0;
}

static int check_url(struct amg_cfg_loader *ld, const config_setting_t *s, const char *where,
                     const char *value)
{
    if (amg_cfg_valid_url(value))
        return 1;
    amg_cfg_error(ld, s, "%s: '%s' is not an http:// or https:// URL", where, value);
    return 0;
}

static int check_tenant(struct amg_cfg_loader *ld, const config_setting_t *s, const char *where,
                        const char *value)
{
    /* It becomes a path segment of every request URL. */
    if (*value && !strpbrk(value, "/?#% \t\r\n"))
        return 1;
    amg_cfg_error(ld, s, "%s must be a non-empty tenant id without '/', '?', '#', '%%' "
                  "or spaces", where);
    return 0;
}

static int check_env(struct amg_cfg_loader *ld, const config_setting_t *s, const char *where,
                     const char *value)
{
    if (amg_cfg_valid_env_name(value))
        return 1;
    amg_cfg_error(ld, s, "%s: '%s' is not a valid environment variable name "
                  "([A-Za-z_][A-Za-z0-9_]*)", where, value);
    return 0;
}

/* Indexes into instance_keys[]. */
enum { KEY_REGION, KEY_ENDPOINT, KEY_TENANT };

static const struct {
    const char *key;
    size_t offset;
    check_fn check;
} instance_keys[] = {
    { "region", offsetof(struct amg_instance_conf, region), check_region },
    { "endpoint", offsetof(struct amg_instance_conf, endpoint), check_url },
    { "tenant_id", offsetof(struct amg_instance_conf, tenant_id), check_tenant },
    { "api_key_env", offsetof(struct amg_instance_conf, api_key_env), check_env },
    { "iam_endpoint", offsetof(struct amg_instance_conf, iam_endpoint), check_url },
};
#define N_INSTANCE_KEYS (sizeof(instance_keys) / sizeof(instance_keys[0]))

static int parse_instance(struct amg_cfg_loader *ld, const config_setting_t *grp,
                          struct amg_instance_conf *inst)
{
    char where[160];
    int i, n, rc = AMG_OK;
    unsigned seen = 0;    /* bit k: instance_keys[k] present, valid or not */
    size_t k;

    inst->line = (int)config_setting_source_line(grp);
    n = config_setting_length(grp);
    for (i = 0; i < n; i++) {
        const config_setting_t *s = config_setting_get_elem(grp, (unsigned)i);
        const char *key = config_setting_name(s);
        const char *value;

        for (k = 0; k < N_INSTANCE_KEYS; k++) {
            if (strcmp(instance_keys[k].key, key) == 0)
                break;
        }
        if (k == N_INSTANCE_KEYS) {
            amg_cfg_error(ld, s, "unknown key '%s' in instances.%s", key, inst->name);
            continue;
        }
        seen |= 1u << k;
        snprintf(where, sizeof(where), "instances.%s.%s", inst->name, key);
        if (!amg_cfg_want_type(ld, s, where, config_setting_type(s) == CONFIG_TYPE_STRING,
                               "a string"))
            continue;
        value = config_setting_get_string(s);
        if (!instance_keys[k].check(ld, s, where, value))
            continue;
        rc = amg_cfg_set_str((char **)((char *)inst + instance_keys[k].offset), value);
        if (rc)
            return rc;
    }
    if (inst->endpoint) {
        /* Request paths start with '/'. */
        size_t len = strlen(inst->endpoint);

        while (len > 0 && inst->endpoint[len - 1] == '/')
            inst->endpoint[--len] = '\0';
    }
    /* A key that was present but invalid has had its own error. */
    if (!(seen & (1u << KEY_TENANT)))
        amg_cfg_error(ld, grp, "instance '%s' has no tenant_id", inst->name);
    if (!(seen & ((1u << KEY_REGION) | (1u << KEY_ENDPOINT))))
        amg_cfg_error(ld, grp, "instance '%s' needs a region or an endpoint", inst->name);
    if (!inst->endpoint && inst->region && amg_region_endpoint(inst->region))
        rc = amg_cfg_set_str(&inst->endpoint, amg_region_endpoint(inst->region));
    if (!rc && !inst->api_key_env)
        rc = amg_cfg_set_str(&inst->api_key_env, AMG_DEFAULT_API_KEY_ENV);
    if (!rc && !inst->iam_endpoint)
        rc = amg_cfg_set_str(&inst->iam_endpoint, AMG_DEFAULT_IAM_ENDPOINT);
    return rc;
}

static int parse_instances(struct amg_cfg_loader *ld, const config_setting_t *s)
{
    struct amg_config *cfg = ld->cfg;
    int i, n, rc = AMG_OK;

    if (!amg_cfg_want_type(ld, s, "instances", config_setting_is_group(s), "a group"))
        return AMG_OK;
    n = config_setting_length(s);
    if (n == 0)
        return AMG_OK;
    cfg->instances = amg_calloc((size_t)n, sizeof(*cfg->instances));
    if (!cfg->instances)
        return AMG_ENOMEM;
    for (i = 0; i < n && !rc; i++) {
        const config_setting_t *grp = config_setting_get_elem(s, (unsigned)i);
        const char *name = config_setting_name(grp);
        char where[160];

        snprintf(where, sizeof(where), "instances.%s", name);
        if (!amg_cfg_valid_name(name, 1, "_-"))
            amg_cfg_error(ld, grp, "instance name '%s' must match [A-Za-z0-9_-]+", name);
        if (!amg_cfg_want_type(ld, grp, where, config_setting_is_group(grp), "a group"))
            continue;
        rc = amg_cfg_set_str(&cfg->instances[cfg->n_instances].name, name);
        if (rc)
            break;
        /* Counted before parsing so that free releases partial entries. */
        cfg->n_instances++;
        rc = parse_instance(ld, grp, &cfg->instances[cfg->n_instances - 1]);
    }
    return rc;
}

static int parse_snapshot_dir(struct amg_cfg_loader *ld, const config_setting_t *s)
{
    const char *value;
    char *path = NULL;

    if (!amg_cfg_want_type(ld, s, "snapshot_dir", config_setting_type(s) == CONFIG_TYPE_STRING,
                   "a string"))
        return AMG_OK;
    value = config_setting_get_string(s);
    if (!*value) {
        amg_cfg_error(ld, s, "snapshot_dir must not be empty");
        return AMG_OK;
    }
    path = amg_cfg_resolve_path(ld, value);
    if (!path)
        return AMG_ENOMEM;
    amg_free(ld->cfg->snapshot_dir);
    ld->cfg->snapshot_dir = path;
    return AMG_OK;
}

static int add_plugin_dir(struct amg_cfg_loader *ld, const config_setting_t *s, const char *where)
{
    struct amg_config *cfg = ld->cfg;
    const char *value;
    char *path = NULL;

    if (!amg_cfg_want_type(ld, s, where, config_setting_type(s) == CONFIG_TYPE_STRING, "a string"))
        return AMG_OK;
    value = config_setting_get_string(s);
    if (!*value) {
        amg_cfg_error(ld, s, "%s must not be empty", where);
        return AMG_OK;
    }
    path = amg_cfg_resolve_path(ld, value);
    if (!path)
        return AMG_ENOMEM;
    cfg->plugin_dirs[cfg->n_plugin_dirs++] = path;
    return AMG_OK;
}

static int parse_plugin_dir(struct amg_cfg_loader *ld, const config_setting_t *s)
{
    int i, n, rc = AMG_OK;
    int is_list = config_setting_is_list(s) || config_setting_is_array(s);

    if (!amg_cfg_want_type(ld, s, "plugin_dir",
                   is_list || config_setting_type(s) == CONFIG_TYPE_STRING,
                   "a string or a list of strings"))
        return AMG_OK;
    n = is_list ? config_setting_length(s) : 1;
    if (n == 0)
        return AMG_OK;
    ld->cfg->plugin_dirs = amg_calloc((size_t)n, sizeof(char *));
    if (!ld->cfg->plugin_dirs)
        return AMG_ENOMEM;
    if (!is_list)
        return add_plugin_dir(ld, s, "plugin_dir");
    for (i = 0; i < n && !rc; i++) {
        char where[32];

        snprintf(where, sizeof(where), "plugin_dir[%d]", i);
        rc = add_plugin_dir(ld, config_setting_get_elem(s, (unsigned)i), where);
    }
    return rc;
}

enum http_field { HTTP_TIMEOUT, HTTP_RETRIES, HTTP_RPS, HTTP_CONCURRENCY };

static const struct {
    const char *key;
    enum http_field field;
    int is_float;     /* any number, range (min, max]; else integer [min, max] */
    double min, max;
} http_keys[] = {
    { "timeout", HTTP_TIMEOUT, 0, 1, 3600 },
    { "retries", HTTP_RETRIES, 0, 0, 100 },
    { "max_requests_per_second", HTTP_RPS, 1, 0, 1000 },
    { "concurrency", HTTP_CONCURRENCY, 0, 1, 64 },
};
#define N_HTTP_KEYS (sizeof(http_keys) / sizeof(http_keys[0]))

static void parse_http_value(struct amg_cfg_loader *ld, const config_setting_t *s, size_t k)
{
    struct amg_http_conf *http = &ld->cfg->http;
    char where[64];
    double value;

    snprintf(where, sizeof(where), "http.%s", http_keys[k].key);
    if (http_keys[k].is_float) {
        if (!amg_cfg_want_type(ld, s, where, config_setting_is_number(s), "a number"))
            return;
        value = amg_cfg_is_int(s) ? (double)config_setting_get_int64(s)
                                  : config_setting_get_float(s);
        if (!(value > http_keys[k].min && value <= http_keys[k].max)) {
            amg_cfg_error(ld, s, "%s = %g is out of range (more than %g, at most %g)",
                          where, value, http_keys[k].min, http_keys[k].max);
            return;
        }
    } else {
        long long iv;

        if (!amg_cfg_want_type(ld, s, where, amg_cfg_is_int(s), "an integer"))
            return;
        iv = config_setting_get_int64(s);
        if (iv < (long long)http_keys[k].min || iv > (long long)http_keys[k].max) {
            amg_cfg_error(ld, s, "%s = %lld is out of range (%lld..%lld)", where, iv,
                          (long long)http_keys[k].min, (long long)http_keys[k].max);
            return;
        }
        value = (double)iv;
    }
    switch (http_keys[k].field) {
    case HTTP_TIMEOUT: http->timeout_s = (long)value; break;
    case HTTP_RETRIES: http->retries = (int)value; break;
    case HTTP_CONCURRENCY: http->concurrency = (int)value; break;
    case HTTP_RPS:
        http->max_rps = value;
        if (value > APPID_RATE_LIMIT) {
            char file[1024];

            amg_config_source_name(ld->path, ld->dir, config_setting_source_file(s), file,
                                   sizeof(file));
            amg_warn("%s:%d: %s = %g is above App ID's limit of %g requests per second; "
                     "expect 429 answers and 30 s blocks", file,
                     (int)config_setting_source_line(s), where, value, APPID_RATE_LIMIT);
        }
        break;
    }
}

static int parse_http(struct amg_cfg_loader *ld, const config_setting_t *s)
{
    int i, n;
    size_t k;

    if (!amg_cfg_want_type(ld, s, "http", config_setting_is_group(s), "a group"))
        return AMG_OK;
    n = config_setting_length(s);
    for (i = 0; i < n; i++) {
        const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);

        for (k = 0; k < N_HTTP_KEYS; k++) {
            if (strcmp(http_keys[k].key, config_setting_name(e)) == 0)
                break;
        }
        if (k == N_HTTP_KEYS)
            amg_cfg_error(ld, e, "unknown key '%s' in http", config_setting_name(e));
        else
            parse_http_value(ld, e, k);
    }
    return AMG_OK;
}

static int parse_cloud_directory(struct amg_cfg_loader *ld, const config_setting_t *s)
{
    int i, n;

    if (!amg_cfg_want_type(ld, s, "cloud_directory", config_setting_is_group(s), "a group"))
        return AMG_OK;
    n = config_setting_length(s);
    for (i = 0; i < n; i++) {
        const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
        const char *where = "cloud_directory.encryption_secret_env";

        if (strcmp(config_setting_name(e), "encryption_secret_env") != 0) {
            amg_cfg_error(ld, e, "unknown key '%s' in cloud_directory", config_setting_name(e));
            continue;
        }
        if (!amg_cfg_want_type(ld, e, where, config_setting_type(e) == CONFIG_TYPE_STRING,
                       "a string") ||
            !check_env(ld, e, where, config_setting_get_string(e)))
            continue;
        if (amg_cfg_set_str(&ld->cfg->cd_secret_env, config_setting_get_string(e)))
            return AMG_ENOMEM;
    }
    return AMG_OK;
}

/* snapshot_encryption = { key_env = "NAME"; } or { key_file = "path"; }.
 * The secret itself is only read when a snapshot is written or opened. */
static int parse_snapshot_encryption(struct amg_cfg_loader *ld, const config_setting_t *s)
{
    const char *w = "snapshot_encryption";
    int i, n;

    if (!amg_cfg_want_type(ld, s, w, config_setting_is_group(s), "a group"))
        return AMG_OK;
    n = config_setting_length(s);
    for (i = 0; i < n; i++) {
        const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
        const char *k = config_setting_name(e);
        int is_env = strcmp(k, "key_env") == 0;
        char where[64];

        if (!is_env && strcmp(k, "key_file") != 0) {
            amg_cfg_error(ld, e, "unknown key '%s' in %s (key_env or key_file)", k, w);
            continue;
        }
        snprintf(where, sizeof(where), "%s.%s", w, k);
        if (!amg_cfg_want_type(ld, e, where, config_setting_type(e) == CONFIG_TYPE_STRING,
                       "a string"))
            continue;
        if (is_env) {
            if (!check_env(ld, e, where, config_setting_get_string(e)))
                continue;
            if (amg_cfg_set_str(&ld->cfg->seal_key_env, config_setting_get_string(e)))
                return AMG_ENOMEM;
        } else {
            char *path;

            if (!*config_setting_get_string(e)) {
                amg_cfg_error(ld, e, "%s must not be empty", where);
                continue;
            }
            path = amg_cfg_resolve_path(ld, config_setting_get_string(e));
            if (!path)
                return AMG_ENOMEM;
            amg_free(ld->cfg->seal_key_file);
            ld->cfg->seal_key_file = path;
        }
    }
    if (ld->cfg->seal_key_env && ld->cfg->seal_key_file)
        amg_cfg_error(ld, s, "%s: set key_env or key_file, not both", w);
    else if (!ld->cfg->seal_key_env && !ld->cfg->seal_key_file)
        amg_cfg_error(ld, s, "%s: key_env or key_file is required", w);
    return AMG_OK;
}

/* snapshot_store = "s3://BUCKET/PREFIX"; the URL itself is checked by the
 * S3 client when a command uses it (amg_s3_new). */
static int parse_snapshot_store(struct amg_cfg_loader *ld, const config_setting_t *s)
{
    const char *v;

    if (!amg_cfg_want_type(ld, s, "snapshot_store", config_setting_type(s) == CONFIG_TYPE_STRING,
                   "a string"))
        return AMG_OK;
    v = config_setting_get_string(s);
    if (strncmp(v, "s3://", 5) != 0 || !v[5]) {
        amg_cfg_error(ld, s, "snapshot_store: '%s' is not an s3://BUCKET[/PREFIX] URL "
                      "(local snapshots go to snapshot_dir)", v);
        return AMG_OK;
    }
    return amg_cfg_set_str(&ld->cfg->snapshot_store, v) ? AMG_ENOMEM : AMG_OK;
}

/* s3 = { endpoint; region; access_key_env; secret_key_env; } */
static int parse_s3(struct amg_cfg_loader *ld, const config_setting_t *s)
{
    static const char *const keys[] = { "endpoint", "region", "access_key_env",
                                        "secret_key_env" };
    char **dst[4];
    int i, n;
    size_t k;

    dst[0] = &ld->cfg->s3_endpoint;
    dst[1] = &ld->cfg->s3_region;
    dst[2] = &ld->cfg->s3_access_key_env;
    dst[3] = &ld->cfg->s3_secret_key_env;
    if (!amg_cfg_want_type(ld, s, "s3", config_setting_is_group(s), "a group"))
        return AMG_OK;
    n = config_setting_length(s);
    for (i = 0; i < n; i++) {
        const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
        char where[64];

        for (k = 0; k < 4; k++) {
            if (strcmp(config_setting_name(e), keys[k]) == 0)
                break;
        }
        if (k == 4) {
            amg_cfg_error(ld, e, "unknown key '%s' in s3", config_setting_name(e));
            continue;
        }
        snprintf(where, sizeof(where), "s3.%s", keys[k]);
        if (!amg_cfg_want_type(ld, e, where, config_setting_type(e) == CONFIG_TYPE_STRING,
                       "a string"))
            continue;
        if (k >= 2 && !check_env(ld, e, where, config_setting_get_string(e)))
            continue;
        if (amg_cfg_set_str(dst[k], config_setting_get_string(e)))
            return AMG_ENOMEM;
    }
    if (!ld->cfg->s3_endpoint || !ld->cfg->s3_region)
        amg_cfg_error(ld, s, "s3: endpoint and region are required");
    return AMG_OK;
}

/* The option's value as text, so plugins see one representation whatever
 * the type in the file. NULL (after an error) for non-scalars. */
static char *format_option(struct amg_cfg_loader *ld, const config_setting_t *s, const char *where,
                           int *rc)
{
    char buf[64];

    switch (config_setting_type(s)) {
    case CONFIG_TYPE_STRING:
        return amg_strdup(config_setting_get_string(s));
    case CONFIG_TYPE_INT:
    case CONFIG_TYPE_INT64:
        snprintf(buf, sizeof(buf), "%lld", config_setting_get_int64(s));
        return amg_strdup(buf);
    case CONFIG_TYPE_FLOAT:
        snprintf(buf, sizeof(buf), "%g", config_setting_get_float(s));
        return amg_strdup(buf);
    case CONFIG_TYPE_BOOL:
        return amg_strdup(config_setting_get_bool(s) ? "true" : "false");
    default:
        amg_cfg_want_type(ld, s, where, 0, "a string, number or boolean");
        *rc = AMG_OK;
        return NULL;
    }
}

static int parse_plugin_options(struct amg_cfg_loader *ld, const config_setting_t *grp,
                                struct amg_plugin_opts *opts)
{
    const char *plugin = config_setting_name(grp);
    int i, n = config_setting_length(grp);

    for (i = 0; i < n; i++) {
        const config_setting_t *s = config_setting_get_elem(grp, (unsigned)i);
        struct amg_plugin_opt *o = &opts->v[opts->n];
        char where[160], file[1024];
        int rc = AMG_ENOMEM;

        snprintf(where, sizeof(where), "plugins.%s.%s", plugin, config_setting_name(s));
        o->value = format_option(ld, s, where, &rc);
        if (!o->value) {
            if (rc)
                return rc;
            continue;
        }
        o->plugin = amg_strdup(plugin);
        o->key = amg_strdup(config_setting_name(s));
        o->cfg_type = config_setting_type(s);
        amg_config_source_name(ld->path, ld->dir, config_setting_source_file(s), file,
                               sizeof(file));
        o->where = amg_line_ref(file, (int)config_setting_source_line(s));
        opts->n++;
        if (!o->plugin || !o->key || !o->where)
            return AMG_ENOMEM;
    }
    return AMG_OK;
}

static int parse_plugins(struct amg_cfg_loader *ld, const config_setting_t *s)
{
    struct amg_plugin_opts *opts = ld->cfg->plugin_options;
    size_t total = 0;
    int i, n, rc = AMG_OK;

    if (!amg_cfg_want_type(ld, s, "plugins", config_setting_is_group(s), "a group"))
        return AMG_OK;
    n = config_setting_length(s);
    for (i = 0; i < n; i++) {
        const config_setting_t *grp = config_setting_get_elem(s, (unsigned)i);

        if (config_setting_is_group(grp))
            total += (size_t)config_setting_length(grp);
    }
    if (total > 0) {
        opts->v = amg_calloc(total, sizeof(*opts->v));
        if (!opts->v)
            return AMG_ENOMEM;
    }
    for (i = 0; i < n && !rc; i++) {
        const config_setting_t *grp = config_setting_get_elem(s, (unsigned)i);
        const char *name = config_setting_name(grp);
        char where[160];

        snprintf(where, sizeof(where), "plugins.%s", name);
        if (!amg_cfg_valid_name(name, 0, "_"))
            amg_cfg_error(ld, grp, "plugin name '%s' must match [a-z0-9_]+", name);
        else if (amg_cfg_want_type(ld, grp, where, config_setting_is_group(grp), "a group"))
            rc = parse_plugin_options(ld, grp, opts);
    }
    return rc;
}

static int parse_jobs(struct amg_cfg_loader *ld, const config_setting_t *s)
{
    return amg_jobs_parse(ld->cfg, s, ld->path, ld->dir, &ld->errors);
}

static const struct {
    const char *key;
    int (*parse)(struct amg_cfg_loader *ld, const config_setting_t *s);
} top_keys[] = {
    { "instances", parse_instances },
    { "snapshot_dir", parse_snapshot_dir },
    { "plugin_dir", parse_plugin_dir },
    { "http", parse_http },
    { "cloud_directory", parse_cloud_directory },
    { "plugins", parse_plugins },
    { "snapshot_encryption", parse_snapshot_encryption },
    { "snapshot_store", parse_snapshot_store },
    { "s3", parse_s3 },
    { "jobs", parse_jobs },
};
#define N_TOP_KEYS (sizeof(top_keys) / sizeof(top_keys[0]))

int amg_config_parse(struct amg_config *cfg, const config_setting_t *root,
                     const char *path, const char *dir, int *errors)
{
    struct amg_cfg_loader ld = { .path = path, .dir = dir, .cfg = cfg };
    int i, n = config_setting_length(root), rc = AMG_OK;
    size_t k;

    for (i = 0; i < n && !rc; i++) {
        const config_setting_t *s = config_setting_get_elem(root, (unsigned)i);

        for (k = 0; k < N_TOP_KEYS; k++) {
            if (strcmp(top_keys[k].key, config_setting_name(s)) == 0)
                break;
        }
        if (k == N_TOP_KEYS)
            amg_cfg_error(&ld, s, "unknown top-level key '%s'", config_setting_name(s));
        else
            rc = top_keys[k].parse(&ld, s);
    }
    *errors += ld.errors;
    return rc;
}

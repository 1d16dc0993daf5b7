#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "instance.h"
#include "error.h"
#include "log.h"

/* Test hook: APPID_MIGRATE_MAX_RESPONSE_BYTES lowers the cap on an answer
 * held in memory (default 64 MiB), so that a test can show an answer
 * above the cap failing, or streaming past it, without 64 MiB of data. */
static size_t max_response_bytes(void)
{
    const char *v = getenv("APPID_MIGRATE_MAX_RESPONSE_BYTES");
    char *end = NULL;
    unsigned long long n;

    if (!v || !*v)
        return 0;
    errno = 0;
    n = strtoull(v, &end, 10);
    if (errno != 0 || *end != '\0' || v[0] == '-' || n == 0 || n > SIZE_MAX) {
        amg_warn("APPID_MIGRATE_MAX_RESPONSE_BYTES=%.40s is not a positive number: ignored", v);
        return 0;
    }
    return (size_t)n;
}

int amg_instance_connect(const struct amg_config *cfg, const char *name,
                         struct amg_http **out)
{
    const struct amg_instance_conf *inst;
    struct amg_http_opts opts;
    struct amg_http *http = NULL;
    const char *key;
    int rc;

    *out = NULL;
    inst = amg_config_instance(cfg, name);
    if (!inst) {
        amg_error("%s: no instance named '%s' in 'instances'", cfg->path ? cfg->path : "config",
                  name);
        return AMG_ECONFIG;
    }
    rc = amg_config_api_key(inst, &key);
    if (rc < 0)
        return rc;
    memset(&opts, 0, sizeof(opts));
    opts.base_url = inst->endpoint;
    opts.tenant_id = inst->tenant_id;
    opts.iam_url = inst->iam_endpoint;
    opts.api_key = key;
    opts.timeout_s = cfg->http.timeout_s;
    opts.max_rps = cfg->http.max_rps;
    opts.concurrency = cfg->http.concurrency;
    amg_retry_policy_default(&opts.retry);
    opts.retry.max_retries = cfg->http.retries;
    opts.max_response_bytes = max_response_bytes();
    rc = amg_http_new(&opts, &http);
    if (rc < 0)
        goto out;
    rc = amg_http_authenticate(http);
    if (rc < 0)
        goto out;
    amg_debug("instance '%s': authenticated at %s", name, inst->endpoint);
    *out = http;
    http = NULL;
out:
    amg_http_free(http);
    return rc;
}

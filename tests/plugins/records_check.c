/* A plugin of records with a validate hook that integration/
 * validated_stamps.sh can make fail: its export writes
 * AMG_TEST_RECORDS records {"n": i} (default 3), record
 * AMG_TEST_BAD_RECORD (if set) with a string instead; validate wants every
 * "n" an integer; import counts the records, writing nothing. */
#include <stdio.h>
#include <stdlib.h>
#include <jansson.h>
#include "test_plugin.h"

static long env_long(const char *name, long fallback)
{
    const char *v = getenv(name);

    return v && v[0] ? strtol(v, NULL, 10) : fallback;
}

static int records_export(const struct amg_host *h, struct amg_ctx *ctx)
{
    struct amg_records *out = NULL;
    long n = env_long("AMG_TEST_RECORDS", 3), bad = env_long("AMG_TEST_BAD_RECORD", -1), i;
    int rc = h->records_create(ctx, &out);

    for (i = 0; rc == AMG_OK && i < n; i++) {
        json_t *rec = i == bad ? json_pack("{s:s}", "n", "oops")
                               : json_pack("{s:I}", "n", (json_int_t)i);

        rc = rec ? h->records_write(out, rec) : AMG_ENOMEM;
        json_decref(rec);
    }
    if (out) {
        int crc = h->records_close(out);

        rc = rc < 0 ? rc : crc;
    }
    return rc;
}

static int records_validate(const struct amg_host *h, struct amg_ctx *ctx)
{
    struct amg_records *in = NULL;
    json_t *rec = NULL;
    long i = 0;
    int rc = h->records_open(ctx, &in);

    if (rc < 0)
        return rc;
    while ((rc = h->records_next(in, &rec)) == 1) {
        char where[32];

        snprintf(where, sizeof(where), "records[%ld]", i++);
        if (!json_is_integer(json_object_get(rec, "n")))
            h->problem(ctx, where, "'n' must be an integer");
        json_decref(rec);
    }
    h->records_close(in);
    return rc < 0 ? rc : AMG_OK;
}

static int records_import(const struct amg_host *h, struct amg_ctx *ctx)
{
    struct amg_records *in = NULL;
    json_t *rec = NULL;
    int rc = h->records_open(ctx, &in);

    if (rc < 0)
        return rc;
    while ((rc = h->records_next(in, &rec)) == 1) {
        h->tally(ctx, AMG_OUT_UNCHANGED, 1);
        json_decref(rec);
    }
    h->records_close(in);
    return rc < 0 ? rc : AMG_OK;
}

static const struct amg_plugin plugin = {
    AMG_PLUGIN_INIT_HEADER,
    .name = "records_check",
    .version = "1.0.0",
    .description = "test plugin of records with a validate hook",
    .export_fn = records_export,
    .import_fn = records_import,
    .validate_fn = records_validate,
    .flags = AMG_PLUGIN_VALIDATE_DURING_EXPORT,
};

TEST_PLUGIN_ENTRY(plugin)

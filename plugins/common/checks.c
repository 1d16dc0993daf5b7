/*
 * Checks for validate hooks: each reports a problem through host->problem
 * (naming `where`, e.g. "applications[3]") and returns 0 when the value is
 * fine, -1 when a problem was reported, so a hook reports every problem
 * of a snapshot in one pass.
 */
#include <stdio.h>
#include <string.h>
#include "checks.h"

/* Looks up obj[key]; reports absence when required. Returns the value
 * (borrowed) or NULL; *bad is set when a problem was reported. */
static json_t *member(const struct amg_host *h, struct amg_ctx *ctx, json_t *obj,
                      const char *where, const char *key, int required, int *bad)
{
    json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;

    *bad = 0;
    if (!v && required) {
        h->problem(ctx, where, "required field '%s' is missing", key);
        *bad = 1;
    }
    return v;
}

int amgp_want_object(const struct amg_host *h, struct amg_ctx *ctx, json_t *obj,
                     const char *where, const char *key, int required)
{
    int bad;
    json_t *v = member(h, ctx, obj, where, key, required, &bad);

    if (bad)
        return -1;
    if (v && !json_is_object(v)) {
        h->problem(ctx, where, "'%s' must be an object", key);
        return -1;
    }
    return 0;
}

int amgp_want_bool(const struct amg_host *h, struct amg_ctx *ctx, json_t *obj,
                   const char *where, const char *key, int required)
{
    int bad;
    json_t *v = member(h, ctx, obj, where, key, required, &bad);

    if (bad)
        return -1;
    if (v && !json_is_boolean(v)) {
        h->problem(ctx, where, "'%s' must be true or false", key);
        return -1;
    }
    return 0;
}

int amgp_want_string(const struct amg_host *h, struct amg_ctx *ctx, json_t *obj,
                     const char *where, const char *key, int required)
{
    int bad;
    json_t *v = member(h, ctx, obj, where, key, required, &bad);

    if (bad)
        return -1;
    if (v && !json_is_string(v)) {
        h->problem(ctx, where, "'%s' must be a string", key);
        return -1;
    }
    return 0;
}

int amgp_want_int(const struct amg_host *h, struct amg_ctx *ctx, json_t *obj,
                  const char *where, const char *key, int required, json_int_t min,
                  json_int_t max)
{
    int bad;
    json_t *v = member(h, ctx, obj, where, key, required, &bad);

    if (bad)
        return -1;
    if (!v)
        return 0;
    if (!json_is_integer(v)) {
        h->problem(ctx, where, "'%s' must be an integer", key);
        return -1;
    }
    if (json_integer_value(v) < min || json_integer_value(v) > max) {
        h->problem(ctx, where, "'%s' is %" JSON_INTEGER_FORMAT ", outside %"
                   JSON_INTEGER_FORMAT "..%" JSON_INTEGER_FORMAT, key,
                   json_integer_value(v), min, max);
        return -1;
    }
    return 0;
}

int amgp_want_enum(const struct amg_host *h, struct amg_ctx *ctx, json_t *obj,
                   const char *where, const char *key, int required,
                   const char *const *allowed)
{
    int bad;
    json_t *v = member(h, ctx, obj, where, key, required, &bad);
    size_t i;

    if (bad)
        return -1;
    if (!v)
        return 0;
    if (json_is_string(v)) {
        for (i = 0; allowed[i]; i++) {
            if (strcmp(allowed[i], json_string_value(v)) == 0)
                return 0;
        }
    }
    h->problem(ctx, where, "'%s' has a value that is not one of the allowed ones", key);
    return -1;
}

int amgp_want_string_array(const struct amg_host *h, struct amg_ctx *ctx, json_t *obj,
                           const char *where, const char *key, int required)
{
    int bad;
    json_t *v = member(h, ctx, obj, where, key, required, &bad);
    size_t i;
    json_t *item;

    if (bad)
        return -1;
    if (!v)
        return 0;
    if (!json_is_array(v)) {
        h->problem(ctx, where, "'%s' must be an array of strings", key);
        return -1;
    }
    json_array_foreach(v, i, item) {
        if (!json_is_string(item)) {
            h->problem(ctx, where, "'%s'[%zu] must be a string", key, i);
            return -1;
        }
    }
    return 0;
}

int amgp_want_document(const struct amg_host *h, struct amg_ctx *ctx, json_t *doc)
{
    if (!json_is_object(doc)) {
        h->problem(ctx, NULL, "the document must be a JSON object");
        return -1;
    }
    return 0;
}

int amgp_want_list(const struct amg_host *h, struct amg_ctx *ctx, const char *key, size_t max,
                   json_t **doc, json_t **list)
{
    json_t *v;
    int rc;

    *doc = NULL;
    *list = NULL;
    rc = h->snapshot_read(ctx, doc);
    if (rc < 0)
        return rc;
    if (amgp_want_document(h, ctx, *doc) < 0)
        return AMG_OK;
    v = json_object_get(*doc, key);
    if (!json_is_array(v)) {
        h->problem(ctx, NULL, "'%s' must be an array", key);
        return AMG_OK;
    }
    if (json_array_size(v) > max) {
        h->problem(ctx, NULL, "%zu %s; App ID allows %zu", json_array_size(v), key, max);
        return AMG_OK;
    }
    *list = v;
    return AMG_OK;
}

#include <string.h>
#include "pluginutil.h"

/* The server's own explanation, whatever error shape it uses
 * (reference section 4.2): message, error, errorMessage, detail. */
const char *amgp_server_message(json_t *resp)
{
    static const char *const keys[] = { "message", "errorMessage", "detail", "error", NULL };
    size_t i;

    if (!json_is_object(resp))
        return "no details";
    for (i = 0; keys[i]; i++) {
        json_t *v = json_object_get(resp, keys[i]);

        if (json_is_string(v))
            return json_string_value(v);
    }
    return "no details";
}

int amgp_query_escape(const char *in, char *out, size_t size)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t o = 0;

    for (; *in; in++) {
        unsigned char c = (unsigned char)*in;
        int plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '.' || c == '_' || c == '~';

        if (o + (plain ? 1 : 3) >= size)
            return -1;
        if (plain) {
            out[o++] = (char)c;
        } else {
            out[o++] = '%';
            out[o++] = hex[c >> 4];
            out[o++] = hex[c & 15];
        }
    }
    if (o >= size)
        return -1;
    out[o] = '\0';
    return 0;
}

int amgp_get_object(const struct amg_host *h, struct amg_ctx *ctx, const char *path,
                    json_t **out)
{
    json_t *resp = NULL;
    long status = 0;
    int rc;

    *out = NULL;
    rc = h->request(ctx, "GET", path, NULL, &status, &resp);
    if (rc < 0)
        goto out;
    if (status == 404) {
        rc = AMG_ENOTFOUND;
        goto out;
    }
    if (status != 200 || !json_is_object(resp)) {
        h->log(ctx, AMG_LOG_ERROR, "GET %s: HTTP %ld (%s)", path, status,
               status == 200 ? "body is not a JSON object" : amgp_server_message(resp));
        rc = AMG_EPROTO;
        goto out;
    }
    *out = resp;
    resp = NULL;
    rc = AMG_OK;
out:
    json_decref(resp);
    return rc;
}

int amgp_send(const struct amg_host *h, struct amg_ctx *ctx, const char *method,
              const char *path, json_t *body, long ok_status, json_t **resp_out)
{
    json_t *resp = NULL;
    long status = 0;
    int rc;

    if (resp_out)
        *resp_out = NULL;
    rc = h->request(ctx, method, path, body, &status, &resp);
    if (rc < 0)
        goto out;
    /* The reference documents one success code per operation; any other
     * 2xx is still success but worth a note for the emulator's fidelity. */
    if (status < 200 || status > 299) {
        h->log(ctx, AMG_LOG_ERROR, "%s %s: HTTP %ld (%s)", method, path, status,
               amgp_server_message(resp));
        rc = AMG_EPROTO;
        goto out;
    }
    if (status != ok_status)
        h->log(ctx, AMG_LOG_DEBUG, "%s %s: HTTP %ld (documented: %ld)", method, path,
               status, ok_status);
    if (resp_out) {
        *resp_out = resp;
        resp = NULL;
    }
    rc = AMG_OK;
out:
    json_decref(resp);
    return rc;
}

int amgp_restore_singleton(const struct amg_host *h, struct amg_ctx *ctx, const char *label,
                           const char *path, json_t *want, long put_status,
                           json_t *(*current_view)(json_t *current))
{
    json_t *current = NULL;
    json_t *view = NULL;
    int rc;

    rc = amgp_get_object(h, ctx, path, &current);
    if (rc < 0 && rc != AMG_ENOTFOUND)
        goto out;
    if (current) {
        view = current_view ? current_view(current) : json_incref(current);
        if (view && json_equal(view, want)) {
            h->log(ctx, AMG_LOG_DEBUG, "%s unchanged", label);
            h->tally(ctx, AMG_OUT_UNCHANGED, 1);
            rc = AMG_OK;
            goto out;
        }
    }
    rc = amgp_send(h, ctx, "PUT", path, want, put_status, NULL);
    if (rc < 0) {
        h->tally(ctx, AMG_OUT_FAILED, 1);
        goto out;
    }
    h->log(ctx, AMG_LOG_INFO, "%s updated", label);
    h->tally(ctx, AMG_OUT_UPDATED, 1);
out:
    json_decref(view);
    json_decref(current);
    return rc;
}

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

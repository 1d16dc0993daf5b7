#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>
#include "pluginutil.h"
#include "defaults.h"

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

int amgp_planning(const struct amg_host *h, struct amg_ctx *ctx)
{
    return AMG_HOST_HAS(h, planning) && h->planning(ctx);
}

void amgp_outcome(const struct amg_host *h, struct amg_ctx *ctx, enum amg_outcome what,
                  const char *object, const char *detail)
{
    if (amgp_planning(h, ctx) && AMG_HOST_HAS(h, plan))
        h->plan(ctx, what, object, detail);
    else
        h->tally(ctx, what, 1);
}

void amgp_progress(const struct amg_host *h, struct amg_ctx *ctx, long done, long total)
{
    if (AMG_HOST_HAS(h, progress))
        h->progress(ctx, done, total);
}

void amgp_fail(const struct amg_host *h, struct amg_ctx *ctx, const char *object,
               const char *fmt, ...)
{
    char msg[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (AMG_HOST_HAS(h, fail)) {
        h->fail(ctx, object, "%s", msg);
        return;
    }
    h->log(ctx, AMG_LOG_ERROR, "%s%s%s", object ? object : "", object ? ": " : "", msg);
    h->tally(ctx, AMG_OUT_FAILED, 1);
}

int amgp_planned_id(const char *old_id, char *out, size_t size)
{
    int n = snprintf(out, size, "%s%s", AMGP_PLANNED_PREFIX, old_id ? old_id : "");

    return n < 0 || (size_t)n >= size ? -1 : 0;
}

int amgp_is_planned_id(const char *id)
{
    return id && strncmp(id, AMGP_PLANNED_PREFIX, strlen(AMGP_PLANNED_PREFIX)) == 0;
}

void amgp_names_text(const char *label, const json_t *names, char *out, size_t size)
{
    size_t used, i, listed = 0, more = 0;
    json_t *v;
    int n;

    if (size < 32)
        return;
    n = snprintf(out, size, "%s: ", label);
    used = n < 0 ? 0 : (size_t)n < size ? (size_t)n : size - 1;
    json_array_foreach(names, i, v) {
        const char *name = json_string_value(v);
        size_t need;

        if (!name)
            continue;
        need = strlen(name) + 2;
        /* Keep room for " and 99999 more". */
        if (more || used + need + 20 > size) {
            more++;
            continue;
        }
        n = snprintf(out + used, size - used, "%s%s", listed ? ", " : "", name);
        if (n > 0)
            used += (size_t)n;
        listed++;
    }
    if (listed == 0 && more == 0)
        snprintf(out + used, size - used, "none");
    else if (more)
        snprintf(out + used, size - used, "%s%zu more", listed ? " and " : "", more);
}

/* Field list being built by amgp_changed_fields(). */
struct fields {
    char *out;
    size_t size;
    size_t used;
    long listed;
    long more;
};

static void add_field(struct fields *f, const char *path)
{
    size_t need = strlen(path) + 2;
    int n;

    /* Keep room for " and 99999 more". */
    if (f->more || f->used + need + 20 > f->size) {
        f->more++;
        return;
    }
    n = snprintf(f->out + f->used, f->size - f->used, "%s%s", f->listed ? ", " : "", path);
    if (n > 0)
        f->used += (size_t)n;
    f->listed++;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void diff_fields(struct fields *f, json_t *cur, json_t *want, const char *prefix)
{
    size_t n = 0, i;
    const char **keys;
    const char *key;
    json_t *v;

    keys = calloc(json_object_size(cur) + json_object_size(want) + 1, sizeof(*keys));
    if (!keys) {
        add_field(f, prefix && *prefix ? prefix : "(whole object)");
        return;
    }
    json_object_foreach(want, key, v)
        keys[n++] = key;
    json_object_foreach(cur, key, v) {
        if (!json_object_get(want, key))
            keys[n++] = key;
    }
    qsort(keys, n, sizeof(*keys), cmp_str);
    for (i = 0; i < n; i++) {
        json_t *a = json_object_get(cur, keys[i]);
        json_t *b = json_object_get(want, keys[i]);
        char path[512];

        if (a && b && json_equal(a, b))
            continue;
        snprintf(path, sizeof(path), "%s%s%s", prefix, *prefix ? "." : "", keys[i]);
        if (json_is_object(a) && json_is_object(b))
            diff_fields(f, a, b, path);
        else
            add_field(f, path);
    }
    free(keys);
}

void amgp_changed_fields(json_t *current, json_t *want, char *out, size_t size)
{
    struct fields f = { out, size, 0, 0, 0 };
    int n;

    if (size < 32)
        return;
    n = snprintf(out, size, "fields: ");
    f.used = (size_t)n;
    if (json_is_object(current) && json_is_object(want))
        diff_fields(&f, current, want, "");
    else
        add_field(&f, "(whole object)");
    if (f.more)
        snprintf(out + f.used, size - f.used, " and %ld more", f.more);
}

int amgp_selected(const struct amg_host *h, struct amg_ctx *ctx, const char *field,
                  const char *value)
{
    json_t *view;
    int ok;

    if (h->struct_size < offsetof(struct amg_host, filtered) + sizeof(h->filtered))
        return 1;
    view = json_pack("{s:s}", field, value);
    if (!view)
        return AMG_ENOMEM;
    ok = h->filter_match(ctx, view);
    json_decref(view);
    return ok;
}

int amgp_get_list(const struct amg_host *h, struct amg_ctx *ctx, const char *path,
                  const char *key, json_t **out)
{
    json_t *doc = NULL;
    int rc;

    *out = NULL;
    rc = amgp_get_object(h, ctx, path, &doc);
    if (rc < 0)
        return rc;
    *out = json_incref(json_object_get(doc, key));
    json_decref(doc);
    if (!json_is_array(*out)) {
        h->log(ctx, AMG_LOG_ERROR, "GET %s: no %s array in the answer", path, key);
        json_decref(*out);
        *out = NULL;
        return AMG_EPROTO;
    }
    return AMG_OK;
}

/* The object of `list_key` in GET `path` whose `name_key` is `name`:
 * 1 with a new reference in *found, 0 when there is none. */
static int find_named(const struct amg_host *h, struct amg_ctx *ctx, const char *path,
                      const char *list_key, const char *name_key, const char *name,
                      json_t **found)
{
    json_t *list = NULL;
    json_t *item;
    size_t i;
    int rc;

    *found = NULL;
    rc = amgp_get_list(h, ctx, path, list_key, &list);
    if (rc < 0)
        return rc;
    rc = 0;
    json_array_foreach(list, i, item) {
        const char *n = json_string_value(json_object_get(item, name_key));

        if (n && strcmp(n, name) == 0) {
            *found = json_incref(item);
            rc = 1;
            break;
        }
    }
    json_decref(list);
    return rc;
}

/* Every resend follows a lookup that did not find the object, so more
 * attempts never make a duplicate; two were too few for a service that
 * fails one request in five (1 run in 25 with a dozen objects failed). */
#define AMGP_CREATE_ATTEMPTS 6

int amgp_create(const struct amg_host *h, struct amg_ctx *ctx, const char *path, json_t *body,
                long ok_status, const char *list_key, const char *name_key, const char *name,
                json_t **resp_out)
{
    json_t *resp = NULL;
    long status = 0;
    int attempt;
    int rc = AMG_EPROTO;

    *resp_out = NULL;
    for (attempt = 1; attempt <= AMGP_CREATE_ATTEMPTS; attempt++) {
        rc = h->request(ctx, "POST", path, body, &status, &resp);
        if (rc == AMG_OK && status / 100 == 2) {
            if (status != ok_status)
                h->log(ctx, AMG_LOG_DEBUG, "POST %s: HTTP %ld (documented: %ld)", path, status,
                       ok_status);
            *resp_out = resp;
            return AMG_OK;
        }
        if (rc == AMG_EAUTH || (rc == AMG_OK && status < 500)) {
            if (rc == AMG_OK)
                h->log(ctx, AMG_LOG_ERROR, "POST %s: HTTP %ld (%s)", path, status,
                       amgp_server_message(resp));
            json_decref(resp);
            return rc == AMG_OK ? AMG_EPROTO : rc;
        }
        /* Lost answer or 5xx: it may have been created all the same. */
        json_decref(resp);
        resp = NULL;
        rc = find_named(h, ctx, path, list_key, name_key, name, resp_out);
        if (rc < 0)
            return rc;
        if (rc == 1) {
            h->log(ctx, AMG_LOG_INFO, "%s '%s' was created although its answer was lost",
                   list_key, name);
            return AMG_OK;
        }
        rc = AMG_EPROTO;
        if (attempt < AMGP_CREATE_ATTEMPTS)
            h->log(ctx, AMG_LOG_INFO, "POST %s for '%s' failed and it is not there: "
                   "attempt %d of %d", path, name, attempt + 1, AMGP_CREATE_ATTEMPTS);
    }
    h->log(ctx, AMG_LOG_ERROR, "POST %s: '%s' could not be created", path, name);
    return rc;
}

enum amgp_conflict amgp_on_conflict(const struct amg_host *h, struct amg_ctx *ctx)
{
    const char *v = h->option(ctx, AMG_CORE_OPTION_ON_CONFLICT);

    if (v && strcmp(v, "skip") == 0)
        return AMGP_CONFLICT_SKIP;
    if (v && strcmp(v, "fail") == 0)
        return AMGP_CONFLICT_FAIL;
    return AMGP_CONFLICT_UPDATE;
}

int amgp_leave_existing(const struct amg_host *h, struct amg_ctx *ctx, const char *object,
                        const char *detail)
{
    char why[700];

    switch (amgp_on_conflict(h, ctx)) {
    case AMGP_CONFLICT_UPDATE:
        return 0;
    case AMGP_CONFLICT_SKIP:
        snprintf(why, sizeof(why), "exists in the target, left as it is (on_conflict = skip)"
                 "%s%s", detail ? "; differs: " : "", detail ? detail : "");
        if (!amgp_planning(h, ctx))
            h->log(ctx, AMG_LOG_INFO, "%s: %s", object, why);
        amgp_outcome(h, ctx, AMG_OUT_SKIPPED, object, why);
        return 1;
    case AMGP_CONFLICT_FAIL:
        snprintf(why, sizeof(why), "exists in the target and differs (on_conflict = fail)"
                 "%s%s", detail ? ": " : "", detail ? detail : "");
        if (amgp_planning(h, ctx))
            amgp_outcome(h, ctx, AMG_OUT_FAILED, object, why);
        else
            amgp_fail(h, ctx, object, "%s", why);
        return 1;
    }
    return 0;
}

int amgp_restore_singleton(const struct amg_host *h, struct amg_ctx *ctx, const char *label,
                           const char *path, json_t *want, long put_status,
                           json_t *(*current_view)(json_t *current))
{
    json_t *current = NULL;
    json_t *view = NULL;
    json_t *resp = NULL;
    long status = 0;
    int at_default = 0;
    int rc;

    rc = amgp_get_object(h, ctx, path, &current);
    if (rc < 0 && rc != AMG_ENOTFOUND)
        goto out;
    if (current) {
        view = current_view ? current_view(current) : json_incref(current);
        if (view && json_equal(view, want)) {
            h->log(ctx, AMG_LOG_DEBUG, "%s unchanged", label);
            amgp_outcome(h, ctx, AMG_OUT_UNCHANGED, label, NULL);
            rc = AMG_OK;
            goto out;
        }
    }
    /* A singleton always exists; it conflicts when it differs, unless it
     * is still at App ID's default: nobody configured it. */
    at_default = current && amgp_at_default(path, view, current_view);
    if (current) {
        char fields[512];

        amgp_changed_fields(view, want, fields, sizeof(fields));
        if (!at_default && amgp_leave_existing(h, ctx, label, fields)) {
            rc = AMG_OK;
            goto out;
        }
    }
    if (amgp_planning(h, ctx)) {
        char fields[512], detail[600];

        /* What a PUT would change, without sending it. */
        amgp_changed_fields(view, want, fields, sizeof(fields));
        if (at_default)
            amgp_default_detail(fields, detail, sizeof(detail));
        amgp_outcome(h, ctx, current ? AMG_OUT_UPDATED : AMG_OUT_CREATED, label,
                     current ? at_default ? detail : fields : NULL);
        rc = AMG_OK;
        goto out;
    }
    rc = h->request(ctx, "PUT", path, want, &status, &resp);
    if (rc < 0) {
        amgp_fail(h, ctx, label, "PUT %s: %s", path, h->strerror(rc));
        goto out;
    }
    if (status < 200 || status > 299) {
        amgp_fail(h, ctx, label, "PUT %s: HTTP %ld (%s)", path, status,
                  amgp_server_message(resp));
        rc = AMG_EPROTO;
        goto out;
    }
    if (status != put_status)
        h->log(ctx, AMG_LOG_DEBUG, "PUT %s: HTTP %ld (documented: %ld)", path, status,
               put_status);
    h->log(ctx, AMG_LOG_INFO, "%s updated%s", label,
           at_default ? " (the target had App ID's default)" : "");
    h->tally(ctx, AMG_OUT_UPDATED, 1);
out:
    json_decref(resp);
    json_decref(view);
    json_decref(current);
    return rc;
}

int amgp_write_list(const struct amg_host *h, struct amg_ctx *ctx, const char *key,
                    json_t *list)
{
    json_t *doc = json_pack("{s:O}", key, list);
    int rc;

    if (!doc)
        return AMG_ENOMEM;
    rc = h->snapshot_write(ctx, doc, (long)json_array_size(list));
    json_decref(doc);
    return rc;
}

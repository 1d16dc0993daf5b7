#define _GNU_SOURCE /* strcasestr */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "paging.h"

long amgp_pages_after_first(long total, long count)
{
    if (count <= 0 || total <= count)
        return 0;
    return (total - 1) / count;
}

/* ---- paged reads ---- */

struct pager_run {
    const struct amg_host *h;
    struct amg_ctx *ctx;
    struct amgp_pager *p;
    long pages;
    long next_page;
    long base;            /* page number of the first page asked: 0 or 1 */
    /* The read past the end rides in the pipeline, behind the last page,
     * instead of one more round trip after it: asked at startIndex
     * `tail_start` (totalResults), its items count only when every page
     * before it was full, i.e. it is the page a read at `seen` would get;
     * otherwise the serial reads at `seen` follow as before. */
    long tail_start;
    int tail_asked;
    int tail_empty;       /* it came back empty where it counted: done */
};

static void page_path(const struct amgp_pager *p, long start, char *out, size_t size)
{
    snprintf(out, size, "%s%sstartIndex=%ld&count=%ld", p->path,
             strchr(p->path, '?') ? "&" : "?", start, p->count);
}

/* Hand the items of one page over; returns how many, or negative. */
static long take_page(const struct amg_host *h, struct amg_ctx *ctx, struct amgp_pager *p,
                      json_t *page)
{
    json_t *items = json_object_get(page, p->items_key);
    json_t *item;
    size_t i;
    int rc;

    if (!json_is_array(items)) {
        h->log(ctx, AMG_LOG_ERROR, "GET %.*s: no '%s' array in the answer",
               (int)strcspn(p->path, "?"), p->path, p->items_key);
        return AMG_EPROTO;
    }
    json_array_foreach(items, i, item) {
        rc = p->item(p->ud, item);
        if (rc < 0)
            return rc;
        p->seen++;
    }
    if (p->progress)
        amgp_progress(h, ctx, p->seen, p->total > p->seen ? p->total : p->seen);
    return (long)json_array_size(items);
}

static int fetch_one(const struct amg_host *h, struct amg_ctx *ctx, struct amgp_pager *p,
                     long start, long *got)
{
    char path[AMG_REQUEST_PATH_MAX];
    json_t *page = NULL;
    long status = 0;
    long n;
    int rc;

    page_path(p, start, path, sizeof(path));
    rc = h->request(ctx, "GET", path, NULL, &status, &page);
    if (rc < 0)
        return rc;
    if (status != 200 || !json_is_object(page)) {
        h->log(ctx, AMG_LOG_ERROR, "GET %.*s: HTTP %ld (%s)", (int)strcspn(p->path, "?"),
               p->path, status, amgp_server_message(page));
        rc = AMG_EPROTO;
        goto out;
    }
    if (start == 0)
        p->total = (long)json_integer_value(json_object_get(page, "totalResults"));
    n = take_page(h, ctx, p, page);
    rc = n < 0 ? (int)n : AMG_OK;
    *got = n;
out:
    json_decref(page);
    return rc;
}

int amgp_pager_first(const struct amg_host *h, struct amg_ctx *ctx, struct amgp_pager *p)
{
    long got = 0;

    p->total = 0;
    p->seen = 0;
    return fetch_one(h, ctx, p, 0, &got);
}

static int pager_next(void *ud, struct amg_request *req)
{
    struct pager_run *r = ud;

    req->method = "GET";
    req->idempotent = 1;
    if (r->next_page < r->pages) {
        page_path(r->p, (r->next_page + r->base) * r->p->count, req->path, sizeof(req->path));
        r->next_page++;
        return 1;
    }
    if (r->tail_asked)
        return 0;
    page_path(r->p, r->tail_start, req->path, sizeof(req->path));
    req->tag = (void *)r;
    r->tail_asked = 1;
    return 1;
}

static int pager_done(void *ud, struct amg_request *req)
{
    struct pager_run *r = ud;
    long n;

    if (req->rc < 0 || req->status != 200) {
        r->h->log(r->ctx, AMG_LOG_ERROR, "GET %.*s: HTTP %ld (%s)",
                  (int)strcspn(r->p->path, "?"), r->p->path, req->status,
                  req->rc < 0 ? r->h->strerror(req->rc) : amgp_server_message(req->response));
        return req->rc < 0 ? req->rc : AMG_EPROTO;
    }
    if (req->tag == (void *)r && r->p->seen != r->tail_start)
        return AMG_OK;   /* pages came short: the reads at `seen` decide */
    n = take_page(r->h, r->ctx, r->p, req->response);
    if (n == 0 && req->tag == (void *)r)
        r->tail_empty = 1;
    return n < 0 ? (int)n : AMG_OK;
}

/* The pipeline of pages from page `base` on, then the reads at `seen`. */
static int pager_run(const struct amg_host *h, struct amg_ctx *ctx, struct amgp_pager *p,
                     long pages, long base)
{
    struct pager_run r = { h, ctx, p, pages, 0, base, p->total, 0, 0 };
    long got = 0;
    int rc;

    /* A count below what the first page gave is no place to read at. */
    r.tail_asked = p->total < p->seen;
    rc = h->request_pipeline(ctx, pager_next, pager_done, &r);
    while (rc == AMG_OK && !r.tail_empty) {
        rc = fetch_one(h, ctx, p, p->seen, &got);
        if (got == 0)
            break;
    }
    return rc;
}

int amgp_pager_rest(const struct amg_host *h, struct amg_ctx *ctx, struct amgp_pager *p)
{
    return pager_run(h, ctx, p, amgp_pages_after_first(p->total, p->count), 1);
}

int amgp_pager_counted(const struct amg_host *h, struct amg_ctx *ctx, struct amgp_pager *p,
                       long total)
{
    p->total = total;
    p->seen = 0;
    if (p->count <= 0 || total <= 0)
        return pager_run(h, ctx, p, 0, 0);
    return pager_run(h, ctx, p, (total + p->count - 1) / p->count, 0);
}

/* ---- batched imports ---- */

struct import_run {
    const struct amg_host *h;
    struct amg_ctx *ctx;
    struct amgp_import *imp;
    json_t *reasons;      /* reason text -> count */
    int eof;
    long answered;        /* users whose batch came back */
};

const char *amgp_reason_text(json_t *reason, char *buf, size_t size)
{
    static const char *const keys[] = { "message", "detail", "description", "error", NULL };
    json_t *err = json_object_get(reason, "error");
    const char *t = NULL;
    size_t i;

    if (json_is_string(err)) {
        t = json_string_value(err);
    } else if (json_is_object(err)) {
        for (i = 0; keys[i] && !t; i++)
            t = json_string_value(json_object_get(err, keys[i]));
    }
    if (!t) {
        char *dumped = err ? json_dumps(err, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;

        snprintf(buf, size, "%s", dumped ? dumped : "no reason given");
        free(dumped);
        return buf;
    }
    snprintf(buf, size, "%s", t);
    return buf;
}

int amgp_reason_is_duplicate(json_t *reason)
{
    /* App ID documents no error codes for import failures: a SCIM
     * uniqueness error, or the words services use for a taken key. */
    static const char *const words[] = { "already", "duplicate", "uniqueness", "in use", NULL };
    const char *scim = json_string_value(json_object_get(json_object_get(reason, "error"),
                                                         "scimType"));
    char text[512];
    size_t i;

    if (scim && strcmp(scim, "uniqueness") == 0)
        return 1;
    amgp_reason_text(reason, text, sizeof(text));
    for (i = 0; words[i]; i++) {
        if (strcasestr(text, words[i]))
            return 1;
    }
    return 0;
}

/* One batch as JSON text, {"users":[u1,u2,...]}, from the users' own
 * text: the request body without building and dumping a JSON tree. */
static int import_next_text(struct import_run *r, struct amg_request *req)
{
    static const char head[] = "{\"users\":[";
    char *buf = NULL, *p;
    size_t len = sizeof(head) - 1, cap = 0;
    long n = 0;
    int rc;

    while (!r->eof && n < r->imp->batch) {
        const char *text = NULL;
        size_t tlen = 0;

        rc = r->imp->next_text(r->imp->ud, &text, &tlen);
        if (rc < 0) {
            free(buf);
            return rc;
        }
        if (rc == 0) {
            r->eof = 1;
            break;
        }
        /* room for the head, this user, a comma or "]}" and the NUL */
        if (len + tlen + 4 > cap) {
            cap = (len + tlen + 4) * 2;
            p = realloc(buf, cap);
            if (!p) {
                free(buf);
                return AMG_ENOMEM;
            }
            buf = p;
        }
        if (n == 0)
            memcpy(buf, head, sizeof(head) - 1);
        else
            buf[len++] = ',';
        memcpy(buf + len, text, tlen);
        len += tlen;
        n++;
    }
    if (n == 0) {
        free(buf);
        return 0;
    }
    memcpy(buf + len, "]}", 3);
    len += 2;
    req->method = "POST";
    snprintf(req->path, sizeof(req->path), "%s", r->imp->path);
    req->tag = (void *)n;
    r->imp->sent += n;
    req->raw_body = buf;
    req->raw_len = len;
    req->idempotent = 1;
    return 1;
}

static int import_next(void *ud, struct amg_request *req)
{
    struct import_run *r = ud;
    json_t *users = json_array();
    json_t *item = NULL;
    int rc;

    if (r->imp->next_text && AMG_HOST_HAS(r->h, records_next_raw)) {
        json_decref(users);
        return import_next_text(r, req);
    }
    if (!users)
        return AMG_ENOMEM;
    while (!r->eof && (long)json_array_size(users) < r->imp->batch) {
        rc = r->imp->next_item(r->imp->ud, &item);
        if (rc < 0) {
            json_decref(users);
            return rc;
        }
        if (rc == 0)
            r->eof = 1;
        else if (json_array_append_new(users, item) < 0) {
            json_decref(users);
            return AMG_ENOMEM;
        }
    }
    if (json_array_size(users) == 0) {
        json_decref(users);
        return 0;
    }
    req->method = "POST";
    snprintf(req->path, sizeof(req->path), "%s", r->imp->path);
    req->tag = (void *)(long)json_array_size(users);
    r->imp->sent += (long)json_array_size(users);
    req->body = json_pack("{s:o}", "users", users);
    /* See amgp_import_batches(): a batch may go again. */
    req->idempotent = 1;
    return req->body ? 1 : AMG_ENOMEM;
}

/* One user the target refused: host->fail with the reason (the core
 * logs the first few), and a count per reason for the summary. */
static void count_failure(struct import_run *r, json_t *reason)
{
    char text[300], object[360];
    json_t *n;
    const char *who;

    amgp_reason_text(reason, text, sizeof(text));
    n = json_object_get(r->reasons, text);
    json_object_set_new(r->reasons, text, json_integer(n ? json_integer_value(n) + 1 : 1));
    who = json_string_value(json_object_get(reason, "email"));
    if (!who)
        who = json_string_value(json_object_get(reason, "userName"));
    if (!who)
        who = json_string_value(json_object_get(reason, "originalId"));
    snprintf(object, sizeof(object), "user %s", who ? who : "?");
    amgp_fail(r->h, r->ctx, object, "not imported: %s", text);
}

static int import_done(void *ud, struct amg_request *req)
{
    struct import_run *r = ud;
    long n = (long)req->tag;
    json_t *reasons;
    json_t *reason;
    long added;
    size_t i;

    if (req->rc == AMG_EAUTH)
        return req->rc;
    r->answered += n;
    amgp_progress(r->h, r->ctx, r->answered, r->imp->total);
    if (req->rc < 0 || req->status != 200 || !json_is_object(req->response)) {
        /* Who was in the batch is not known here: one failure with the
         * reason stands for the batch, the rest are counted. */
        amgp_fail(r->h, r->ctx, NULL, "import of a batch of %ld users: HTTP %ld (%s)", n,
                  req->status,
                  req->rc < 0 ? r->h->strerror(req->rc) : amgp_server_message(req->response));
        r->imp->failed += n;
        r->h->tally(r->ctx, AMG_OUT_FAILED, n - 1);
        return AMG_OK;
    }
    added = (long)json_integer_value(json_object_get(req->response, "added"));
    r->imp->created += added;
    r->h->tally(r->ctx, AMG_OUT_CREATED, added);
    reasons = json_object_get(req->response, "failReasons");
    json_array_foreach(reasons, i, reason) {
        if (amgp_reason_is_duplicate(reason)) {
            r->imp->skipped++;
            r->h->tally(r->ctx, AMG_OUT_SKIPPED, 1);
        } else {
            r->imp->failed++;
            count_failure(r, reason);
        }
    }
    if (added + (long)json_array_size(reasons) != n)
        r->h->log(r->ctx, AMG_LOG_WARN, "import of %ld users: App ID reports %ld added and %zu "
                  "refused", n, added, json_array_size(reasons));
    return AMG_OK;
}

struct selected_src {
    const struct amg_host *h;
    struct amg_ctx *ctx;
    struct amg_records *in;
    int (*keep)(const struct amg_host *h, struct amg_ctx *ctx, json_t *rec);
};

/* The next selected record of the snapshot. */
static int next_selected(void *ud, json_t **item)
{
    struct selected_src *src = ud;
    int rc;

    for (;;) {
        json_t *rec = NULL;

        rc = src->h->records_next(src->in, &rec);
        if (rc <= 0)
            return rc;
        if (src->keep(src->h, src->ctx, rec)) {
            *item = rec;
            return 1;
        }
        json_decref(rec);
    }
}

/* The next record's text, unparsed: only used when every record is
 * selected. */
static int next_raw(void *ud, const char **text, size_t *len)
{
    struct selected_src *src = ud;

    return src->h->records_next_raw(src->in, text, len);
}

int amgp_import_records(const struct amg_host *h, struct amg_ctx *ctx, struct amgp_import *imp,
                        int (*keep)(const struct amg_host *h, struct amg_ctx *ctx, json_t *rec),
                        int raw)
{
    struct selected_src src = { h, ctx, NULL, keep };
    int rc;

    rc = amgp_records_count(h, ctx, keep, &imp->total);
    if (rc < 0)
        return rc;
    rc = h->records_open(ctx, &src.in);
    if (rc < 0)
        return rc;
    imp->next_item = next_selected;
    imp->next_text = NULL;
    if (raw && AMG_HOST_HAS(h, records_next_raw) && !h->filtered(ctx))
        imp->next_text = next_raw;
    imp->ud = &src;
    rc = amgp_import_batches(h, ctx, imp);
    h->records_close(src.in);
    imp->ud = NULL;
    return rc;
}

int amgp_records_count(const struct amg_host *h, struct amg_ctx *ctx,
                       int (*keep)(const struct amg_host *h, struct amg_ctx *ctx, json_t *rec),
                       long *n)
{
    struct amg_records *in = NULL;
    json_t *rec = NULL;
    int rc;

    *n = 0;
    rc = h->records_open(ctx, &in);
    if (rc < 0)
        return rc;
    /* Without record filters every record is selected: the manifest's
     * count saves parsing 100,000 users once more. */
    if (AMG_HOST_HAS(h, records_total) && !(AMG_HOST_HAS(h, filtered) && h->filtered(ctx)) &&
        h->records_total(in) >= 0) {
        *n = h->records_total(in);
        h->records_close(in);
        return AMG_OK;
    }
    while ((rc = h->records_next(in, &rec)) == 1) {
        if (!keep || keep(h, ctx, rec) == 1)
            (*n)++;
        json_decref(rec);
        rec = NULL;
    }
    h->records_close(in);
    return rc < 0 ? rc : AMG_OK;
}

int amgp_import_batches(const struct amg_host *h, struct amg_ctx *ctx, struct amgp_import *imp)
{
    struct import_run r = { h, ctx, imp, json_object(), 0, 0 };
    const char *text;
    json_t *n;
    int rc;

    if (!r.reasons)
        return AMG_ENOMEM;
    imp->sent = imp->created = imp->skipped = imp->failed = 0;
    rc = h->request_pipeline(ctx, import_next, import_done, &r);
    if (rc == AMG_OK) {
        h->log(ctx, AMG_LOG_INFO, "%ld users: %ld created, %ld skipped (already in the "
               "target), %ld failed", imp->sent, imp->created, imp->skipped, imp->failed);
        json_object_foreach(r.reasons, text, n)
            h->log(ctx, AMG_LOG_ERROR, "%lld user%s failed: %s",
                   (long long)json_integer_value(n), json_integer_value(n) == 1 ? "" : "s", text);
    }
    json_decref(r.reasons);
    return rc;
}

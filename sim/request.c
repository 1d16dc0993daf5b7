#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "appid-migrate/plugin.h"
#include "request.h"

const char *sim_request_query(const struct sim_request *req, const char *key)
{
    if (!req->query)
        return NULL;
    return req->query(req->query_ud, key);
}

int sim_request_is_json(const struct sim_request *req)
{
    static const char want[] = "application/json";
    const char *ct = req->content_type;
    char next;

    if (!ct)
        return 0;
    while (*ct == ' ' || *ct == '\t')
        ct++;
    if (strncasecmp(ct, want, sizeof(want) - 1) != 0)
        return 0;
    next = ct[sizeof(want) - 1];
    return next == '\0' || next == ';' || next == ' ' || next == '\t';
}

int sim_request_json_object(const struct sim_request *req, struct sim_reply *rep,
                            json_t **out)
{
    json_error_t err;
    json_t *doc = NULL;

    *out = NULL;
    if (!sim_request_is_json(req)) {
        sim_reply_error(rep, 415, "Content-Type must be application/json");
        return AMG_EINVAL;
    }
    doc = json_loadb(req->body ? req->body : "", req->body_len, JSON_REJECT_DUPLICATES, &err);
    if (!doc) {
        sim_reply_error(rep, 400, "malformed JSON body: %s (line %d, column %d)",
                        err.text, err.line, err.column);
        return AMG_EINVAL;
    }
    if (!json_is_object(doc)) {
        json_decref(doc);
        sim_reply_error(rep, 400, "request body must be a JSON object");
        return AMG_EINVAL;
    }
    *out = doc;
    return AMG_OK;
}

void sim_reply_clear(struct sim_reply *rep)
{
    if (rep->stream_free)
        rep->stream_free(rep->stream_cls);
    free(rep->body);
    memset(rep, 0, sizeof(*rep));
}

static int reply_set(struct sim_reply *rep, int status, char *body, const char *ctype)
{
    if (rep->stream_free)
        rep->stream_free(rep->stream_cls);
    rep->stream_read = NULL;
    rep->stream_free = NULL;
    rep->stream_cls = NULL;
    rep->stream_len = 0;
    free(rep->body);
    rep->status = status;
    rep->body = body;
    rep->body_len = body ? strlen(body) : 0;
    rep->content_type = body ? ctype : NULL;
    return AMG_OK;
}

int sim_reply_json(struct sim_reply *rep, int status, json_t *body)
{
    char *text = NULL;

    if (body)
        text = json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(body);
    if (!text) {
        /* Not JSON on purpose: building JSON is what just failed. */
        reply_set(rep, 500, NULL, NULL);
        return AMG_ENOMEM;
    }
    return reply_set(rep, status, text, "application/json");
}

int sim_reply_text(struct sim_reply *rep, int status, const char *text)
{
    char *copy = strdup(text);

    if (!copy) {
        reply_set(rep, 500, NULL, NULL);
        return AMG_ENOMEM;
    }
    return reply_set(rep, status, copy, "text/plain");
}

void sim_reply_stream(struct sim_reply *rep, int status, const char *ctype, uint64_t len,
                      ssize_t (*read_fn)(void *cls, uint64_t pos, char *buf, size_t max),
                      void (*free_fn)(void *cls), void *cls)
{
    reply_set(rep, status, NULL, NULL);
    rep->content_type = ctype;
    rep->stream_read = read_fn;
    rep->stream_free = free_fn;
    rep->stream_cls = cls;
    rep->stream_len = len;
}

void sim_reply_empty(struct sim_reply *rep, int status)
{
    reply_set(rep, status, NULL, NULL);
}

int sim_reply_error(struct sim_reply *rep, int status, const char *fmt, ...)
{
    char msg[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return sim_reply_json(rep, status, json_pack("{s:i, s:s, s:s}", "status", status,
                                                 "error", sim_reason_phrase(status),
                                                 "message", msg));
}

void sim_reply_header(struct sim_reply *rep, const char *name, const char *value)
{
    rep->extra_header = name;
    snprintf(rep->extra_value, sizeof(rep->extra_value), "%s", value);
}

const char *sim_reason_phrase(int status)
{
    static const struct {
        int status;
        const char *text;
    } phrases[] = {
        { 200, "OK" },
        { 201, "Created" },
        { 202, "Accepted" },
        { 204, "No Content" },
        { 400, "Bad Request" },
        { 401, "Unauthorized" },
        { 403, "Forbidden" },
        { 404, "Not Found" },
        { 405, "Method Not Allowed" },
        { 409, "Conflict" },
        { 413, "Payload Too Large" },
        { 415, "Unsupported Media Type" },
        { 429, "Too Many Requests" },
        { 500, "Internal Server Error" },
        { 502, "Bad Gateway" },
        { 503, "Service Unavailable" },
    };
    size_t i;

    for (i = 0; i < sizeof(phrases) / sizeof(phrases[0]); i++) {
        if (phrases[i].status == status)
            return phrases[i].text;
    }
    return "Unknown";
}

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <jansson.h>
#include <microhttpd.h>
#include "appid-migrate/plugin.h"
#include "hostile.h"

#define TRICKLE_STEP_NS 100000000L

static const struct {
    const char *name;
    enum sim_hostile_mode mode;
} modes[] = {
    { "not-json", SIM_HOSTILE_NOT_JSON },
    { "array-as-object", SIM_HOSTILE_ARRAY_AS_OBJECT },
    { "number-as-string", SIM_HOSTILE_NUMBER_AS_STRING },
    { "huge", SIM_HOSTILE_HUGE },
    { "trickle", SIM_HOSTILE_TRICKLE },
    { "html-500", SIM_HOSTILE_HTML_500 },
    { "html-502", SIM_HOSTILE_HTML_502 },
    { "302", SIM_HOSTILE_302 },
    { "418", SIM_HOSTILE_418 },
};

static const char huge_head[] = "{\"users\":[\"";
static const char huge_tail[] = "\"]}";

int sim_hostile_parse(const char *name, enum sim_hostile_mode *out)
{
    size_t i;

    for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
        if (strcmp(name, modes[i].name) == 0) {
            *out = modes[i].mode;
            return AMG_OK;
        }
    }
    return AMG_EINVAL;
}

int sim_hostile_applies(const struct sim_hostile *h, const char *path)
{
    const char *prefix;

    if (!h || h->mode == SIM_HOSTILE_OFF)
        return 0;
    prefix = h->path_prefix ? h->path_prefix : "/management/";
    return strncmp(path, prefix, strlen(prefix)) == 0;
}

/* SIM_HOSTILE_HUGE_BYTES of one JSON string in an array, produced on
 * demand: nothing of it is ever held in memory. */
static ssize_t huge_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    const uint64_t head = sizeof(huge_head) - 1, tail = sizeof(huge_tail) - 1;
    const uint64_t total = SIM_HOSTILE_HUGE_BYTES;
    size_t n = 0;

    (void)cls;
    if (pos >= total)
        return MHD_CONTENT_READER_END_OF_STREAM;
    while (n < max && pos + n < total) {
        uint64_t at = pos + n;

        if (at < head)
            buf[n] = huge_head[at];
        else if (at >= total - tail)
            buf[n] = huge_tail[at - (total - tail)];
        else
            buf[n] = 'a';
        n++;
    }
    return (ssize_t)n;
}

/* "{" and then a space every 100 ms. Sleeping here holds one of the sim's
 * pool threads, which is the point: the client must give up, not wait. */
static ssize_t trickle_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    struct timespec step = { 0, TRICKLE_STEP_NS };

    (void)cls;
    if (max == 0)
        return 0;
    if (pos > 0)
        nanosleep(&step, NULL);
    buf[0] = pos == 0 ? '{' : ' ';
    return 1;
}

static void no_free(void *cls)
{
    (void)cls;
}

static int set_body(struct sim_reply *rep, int status, const char *ctype, const char *text)
{
    sim_reply_text(rep, status, text);
    rep->content_type = ctype;
    return 1;
}

static const char html_page[] =
    "<!DOCTYPE html>\n<html><head><title>%d %s</title></head>\n"
    "<body><center><h1>%d %s</h1></center><hr><center>nginx</center></body></html>\n";

static int html_error(struct sim_reply *rep, int status)
{
    /* sim_reason_phrase() knows the statuses App ID answers; 302 is not one. */
    const char *reason = status == 302 ? "Found" : sim_reason_phrase(status);
    char page[512];

    snprintf(page, sizeof(page), html_page, status, reason, status, reason);
    return set_body(rep, status, "text/html", page);
}

int sim_hostile_answer(const struct sim_hostile *h, struct sim_reply *rep)
{
    sim_reply_clear(rep);
    switch (h->mode) {
    case SIM_HOSTILE_NOT_JSON:
        return set_body(rep, 200, "application/json", "users: [alice, bob] <- not JSON");
    case SIM_HOSTILE_HUGE:
        sim_reply_stream(rep, 200, "application/json", MHD_SIZE_UNKNOWN, huge_read, no_free, NULL);
        return 1;
    case SIM_HOSTILE_TRICKLE:
        sim_reply_stream(rep, 200, "application/json", MHD_SIZE_UNKNOWN, trickle_read, no_free,
                         NULL);
        return 1;
    case SIM_HOSTILE_HTML_500:
        return html_error(rep, 500);
    case SIM_HOSTILE_HTML_502:
        return html_error(rep, 502);
    case SIM_HOSTILE_302:
        html_error(rep, 302);
        sim_reply_header(rep, "Location", "https://login.example/sign-in");
        return 1;
    case SIM_HOSTILE_418:
        return set_body(rep, 418, "text/plain", "I'm a teapot\n");
    default:
        return 0;
    }
}

/* New value: `v` with the distortion applied all the way down. */
static json_t *distorted(json_t *v, enum sim_hostile_mode mode)
{
    json_t *out = NULL, *item;
    const char *key;
    size_t i;
    char num[64];

    switch (json_typeof(v)) {
    case JSON_OBJECT:
        out = json_object();
        json_object_foreach(v, key, item)
            json_object_set_new(out, key, distorted(item, mode));
        return out;
    case JSON_ARRAY:
        if (mode != SIM_HOSTILE_ARRAY_AS_OBJECT) {
            out = json_array();
            json_array_foreach(v, i, item)
                json_array_append_new(out, distorted(item, mode));
            return out;
        }
        out = json_object();
        json_array_foreach(v, i, item) {
            snprintf(num, sizeof(num), "%zu", i);
            json_object_set_new(out, num, distorted(item, mode));
        }
        return out;
    case JSON_INTEGER:
        if (mode != SIM_HOSTILE_NUMBER_AS_STRING)
            break;
        snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        return json_string(num);
    case JSON_REAL:
        if (mode != SIM_HOSTILE_NUMBER_AS_STRING)
            break;
        snprintf(num, sizeof(num), "%.17g", json_real_value(v));
        return json_string(num);
    default:
        break;
    }
    return json_incref(v);
}

void sim_hostile_distort(const struct sim_hostile *h, struct sim_reply *rep)
{
    json_t *doc = NULL;
    int status = rep->status;

    if (h->mode != SIM_HOSTILE_ARRAY_AS_OBJECT && h->mode != SIM_HOSTILE_NUMBER_AS_STRING)
        return;
    if (!rep->body || !rep->content_type || strcmp(rep->content_type, "application/json") != 0)
        return;
    doc = json_loadb(rep->body, rep->body_len, 0, NULL);
    if (!doc)
        return;
    sim_reply_json(rep, status, distorted(doc, h->mode));
    json_decref(doc);
}

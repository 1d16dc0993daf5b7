/*
 * Concurrent requests for one instance over libcurl's multi interface
 * (amg_http_pipeline in http.h). Requests live in a ring of 4 x
 * concurrency slots indexed by their sequence number, so answers can
 * arrive in any order and still be delivered in the order they were
 * asked for, with memory bounded by the ring.
 */
#define _GNU_SOURCE     /* explicit_bzero */
#include <stdlib.h>
#include <string.h>
#include <curl/curl.h>
#include "error.h"
#include "http_priv.h"
#include "log.h"

enum slot_state {
    SLOT_FREE = 0,
    SLOT_WAIT,      /* scheduled: starts at start_at */
    SLOT_FLIGHT,    /* added to the multi handle */
    SLOT_DONE       /* answered, waiting for its turn to be delivered */
};

struct slot {
    struct amg_request req;
    enum slot_state state;
    double start_at;
    int attempts;
    int refreshed;               /* one token refresh per request */
    unsigned long generation;    /* token used by the attempt in flight */
    CURL *easy;                  /* owned, reused */
    struct curl_slist *hdrs;
    char *url;
    char *what;
    char *payload;
    size_t payload_len;
    struct amg_xfer_answer ans;
};

struct pipeline {
    struct amg_http *h;
    CURLM *multi;
    struct slot *slots;
    size_t nslots;
    size_t width;                /* max requests waiting or in flight */
    size_t active;               /* slots in WAIT or FLIGHT */
    unsigned long next_seq;      /* sequence of the next request asked for */
    unsigned long next_deliver;  /* sequence of the next request to deliver */
};

static double now_s(const struct pipeline *p)
{
    return p->h->xc.clock->now(p->h->xc.clock->ud);
}

static void slot_release(struct slot *s)
{
    curl_slist_free_all(s->hdrs);
    s->hdrs = NULL;
    free(s->url);
    free(s->what);
    free(s->payload);
    s->url = s->what = s->payload = NULL;
    s->payload_len = 0;
    json_decref(s->req.body);
    free(s->req.raw_body);
    json_decref(s->req.response);
    amg_xfer_answer_wipe(&s->ans);
    amg_xfer_answer_init(&s->ans);
    memset(&s->req, 0, sizeof(s->req));
    s->state = SLOT_FREE;
    s->attempts = 0;
    s->refreshed = 0;
}

/* Take a rate-limiter token for the next attempt and schedule it no
 * earlier than `delay` seconds from now. */
static void schedule(struct pipeline *p, struct slot *s, double delay)
{
    double wait = amg_ratelimit_reserve(p->h->xc.rl);

    s->start_at = now_s(p) + (wait > delay ? wait : delay);
    s->state = SLOT_WAIT;
}

/* Check the request next() produced and build what every attempt needs. */
static int slot_prepare(struct pipeline *p, struct slot *s)
{
    char *prefix = NULL;
    size_t len;
    int rc = AMG_EINVAL;

    if (!s->req.method || !amg_http_method_ok(s->req.method) || s->req.path[0] != '/' ||
        !memchr(s->req.path, '\0', sizeof(s->req.path)) ||
        ((s->req.body || s->req.raw_body) && strcmp(s->req.method, "GET") == 0) ||
        (s->req.body && s->req.raw_body)) {
        amg_error("invalid pipelined request %s %.80s", s->req.method ? s->req.method : "(null)",
                  s->req.path);
        return AMG_EINVAL;
    }
    rc = AMG_ENOMEM;
    len = strlen(p->h->base_url) + strlen("/management/v4/") + strlen(p->h->tenant_id) + 1;
    prefix = malloc(len);
    if (!prefix)
        goto out;
    snprintf(prefix, len, "%s/management/v4/%s", p->h->base_url, p->h->tenant_id);
    len += strlen(s->req.path);
    s->url = malloc(len);
    s->what = amg_http_describe(s->req.method, s->req.path);
    if (!s->url || !s->what)
        goto out;
    snprintf(s->url, len, "%s%s", prefix, s->req.path);
    if (s->req.raw_body) {
        /* Already JSON text (a plugin passing snapshot records on): sent
         * as it is, without a parse and a dump per request. */
        s->payload = s->req.raw_body;
        s->payload_len = s->req.raw_len;
        s->req.raw_body = NULL;
    } else if (s->req.body) {
        s->payload = json_dumps(s->req.body, JSON_COMPACT | JSON_ENCODE_ANY);
        if (!s->payload) {
            amg_error("%s: cannot encode the request body as JSON", s->what);
            rc = AMG_EINVAL;
            goto out;
        }
        s->payload_len = strlen(s->payload);
    }
    rc = AMG_OK;
out:
    free(prefix);
    return rc;
}

static int slot_start(struct pipeline *p, struct slot *s)
{
    struct amg_xfer x;
    char *bearer = NULL;
    int rc;

    rc = amg_http_bearer(p->h, &bearer, &s->generation);
    if (rc != AMG_OK)
        return rc;
    curl_slist_free_all(s->hdrs);
    s->hdrs = NULL;
    rc = amg_xfer_headers(&s->hdrs, bearer, "Accept: application/json",
                          s->payload ? "Content-Type: application/json"
                          : amg_xfer_sends_fields(s->req.method, 0) ? "Content-Type:" : NULL);
    explicit_bzero(bearer, strlen(bearer));
    free(bearer);
    if (rc != AMG_OK)
        return rc;
    memset(&x, 0, sizeof(x));
    x.method = s->req.method;
    x.url = s->url;
    x.what = s->what;
    x.headers = s->hdrs;
    x.body = s->payload;
    x.body_len = s->payload_len;
    x.loopback = p->h->base_loopback;
    x.repeatable = s->req.idempotent;
    amg_xfer_answer_reset(&s->ans, p->h->xc.max_body);
    curl_easy_reset(s->easy);
    if (amg_xfer_setup(&p->h->xc, s->easy, &x, &s->ans) != CURLE_OK ||
        curl_easy_setopt(s->easy, CURLOPT_PRIVATE, (void *)s) != CURLE_OK ||
        curl_multi_add_handle(p->multi, s->easy) != CURLM_OK)
        return AMG_ENOMEM;
    s->attempts++;
    s->state = SLOT_FLIGHT;
    return AMG_OK;
}

/* The answer's body is parsed when the request is delivered, after the
 * places it freed have been given to new requests (see the main loop). */
static void slot_finish(struct pipeline *p, struct slot *s, int rc, long status)
{
    s->req.rc = rc;
    s->req.status = status;
    s->state = SLOT_DONE;
    p->active--;
}

static void slot_parse(struct slot *s)
{
    json_error_t jerr;

    if (s->req.rc != AMG_OK || s->ans.len == 0)
        return;
    s->req.response = json_loadb(s->ans.body, s->ans.len, JSON_DECODE_ANY, &jerr);
    if (!s->req.response)
        amg_http_log_non_json(s->what, s->req.status, &s->ans, jerr.text);
}

/* An attempt ended: deliver, retry or refresh the token. */
static void slot_answered(struct pipeline *p, struct slot *s, CURLcode cc)
{
    const struct amg_retry_policy *pol = &p->h->xc.retry;
    long code = 0;
    double delay;
    int retry;

    curl_multi_remove_handle(p->multi, s->easy);
    if (cc == CURLE_OK)
        curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &code);
    amg_xfer_count(&p->h->xc, code, 0);
    if (s->ans.nomem) {
        slot_finish(p, s, AMG_ENOMEM, 0);
        return;
    }
    if (s->ans.too_big || cc == CURLE_FILESIZE_EXCEEDED) {
        amg_error("%s: answer larger than %zu bytes", s->what, p->h->xc.max_body);
        slot_finish(p, s, AMG_EPROTO, 0);
        return;
    }
    if (cc != CURLE_OK && !s->ans.error[0])
        snprintf(s->ans.error, sizeof(s->ans.error), "%s", curl_easy_strerror(cc));
    if (code == 401 && !s->refreshed) {
        s->refreshed = 1;
        amg_info("%s: HTTP 401, fetching a new IAM token", s->what);
        amg_http_drop_token(p->h, s->generation);
        schedule(p, s, 0);
        return;
    }
    if (code == 401 || code == 403) {
        amg_error("%s: instance %s tenant %s refused the token (HTTP %ld)", s->what,
                  p->h->base_url, p->h->tenant_id, code);
        slot_finish(p, s, AMG_EAUTH, code);
        return;
    }
    /* A 429 was refused before any work; anything else may have been
     * done, so only idempotent requests go again. */
    retry = s->attempts <= pol->max_retries &&
            (code == 429 || (s->req.idempotent && amg_retry_should(code) &&
                             !(cc != CURLE_OK && amg_xfer_permanent(cc))));
    if (retry) {
        delay = amg_retry_delay(pol, s->attempts, code, s->ans.retry_after,
                                amg_xfer_rand01(&p->h->xc));
        if (code)
            amg_info("%s: HTTP %ld, retry %d of %d in %.2f s", s->what, code, s->attempts,
                     pol->max_retries, delay);
        else
            amg_info("%s: %s, retry %d of %d in %.2f s", s->what, s->ans.error, s->attempts,
                     pol->max_retries, delay);
        amg_xfer_count(&p->h->xc, 0, 1);
        schedule(p, s, delay);
        return;
    }
    if (code == 0) {
        amg_error("%s: %s after %d attempt%s%s", s->what, s->ans.error, s->attempts,
                  s->attempts == 1 ? "" : "s",
                  s->req.idempotent ? "" : " (not retried: it may have been processed)");
        slot_finish(p, s, AMG_EHTTP, 0);
        return;
    }
    if (amg_retry_should(code))
        amg_warn("%s: HTTP %ld after %d attempt%s", s->what, code, s->attempts,
                 s->attempts == 1 ? "" : "s");
    slot_finish(p, s, AMG_OK, code);
}

/* Ask next() for requests while the ring and the width allow. */
static int fill(struct pipeline *p, amg_request_next_fn next, void *ud, int *exhausted)
{
    while (!*exhausted && p->next_seq - p->next_deliver < p->nslots && p->active < p->width) {
        struct slot *s = &p->slots[p->next_seq % p->nslots];
        int r;

        memset(&s->req, 0, sizeof(s->req));
        r = next(ud, &s->req);
        if (r < 0) {
            slot_release(s);
            return r;
        }
        if (r == 0) {
            /* A body handed over with "no more" is still ours to drop. */
            slot_release(s);
            *exhausted = 1;
            break;
        }
        r = slot_prepare(p, s);
        if (r < 0) {
            slot_release(s);
            return r;
        }
        p->next_seq++;
        p->active++;
        schedule(p, s, 0);
    }
    return AMG_OK;
}

/* Start due attempts; returns ms until the next scheduled start (or -1). */
static int start_due(struct pipeline *p, long *wait_ms)
{
    double now = now_s(p);
    double soonest = -1;
    size_t i;
    int rc;

    for (i = 0; i < p->nslots; i++) {
        struct slot *s = &p->slots[i];

        if (s->state != SLOT_WAIT)
            continue;
        if (s->start_at <= now) {
            rc = slot_start(p, s);
            if (rc != AMG_OK) {
                /* No token (IAM refused) or no memory: this request fails,
                 * the others may still get through. */
                slot_finish(p, s, rc, 0);
            }
        } else if (soonest < 0 || s->start_at < soonest) {
            soonest = s->start_at;
        }
    }
    *wait_ms = soonest < 0 ? -1 : (long)((soonest - now) * 1000.0) + 1;
    return AMG_OK;
}

static int deliver(struct pipeline *p, amg_request_done_fn done, void *ud)
{
    for (;;) {
        struct slot *s = &p->slots[p->next_deliver % p->nslots];
        int r;

        if (p->next_deliver == p->next_seq || s->state != SLOT_DONE)
            return AMG_OK;
        slot_parse(s);
        r = done(ud, &s->req);
        slot_release(s);
        p->next_deliver++;
        if (r < 0)
            return r;
    }
}

static void pipeline_free(struct pipeline *p)
{
    size_t i;

    for (i = 0; p->slots && i < p->nslots; i++) {
        if (p->slots[i].state == SLOT_FLIGHT)
            curl_multi_remove_handle(p->multi, p->slots[i].easy);
        slot_release(&p->slots[i]);
        if (p->slots[i].easy)
            curl_easy_cleanup(p->slots[i].easy);
    }
    free(p->slots);
    if (p->multi)
        curl_multi_cleanup(p->multi);
}

/* Give free places in the window to new requests, start those that are
 * due and let libcurl put them on the wire. *wait_ms: until the next
 * retry is due; *running: transfers still going. */
static int fill_and_send(struct pipeline *p, amg_request_next_fn next, void *ud,
                         int *exhausted, long *wait_ms, int *running)
{
    int rc = fill(p, next, ud, exhausted);

    if (rc < 0)
        return rc;
    start_due(p, wait_ms);
    if (curl_multi_perform(p->multi, running) != CURLM_OK) {
        amg_error("pipeline: libcurl multi interface failed");
        return AMG_EHTTP;
    }
    return AMG_OK;
}

int amg_http_pipeline(struct amg_http *h, amg_request_next_fn next, amg_request_done_fn done,
                      void *ud)
{
    struct pipeline p;
    int exhausted = 0;
    size_t i;
    int rc = AMG_ENOMEM;

    memset(&p, 0, sizeof(p));
    if (!h || !next || !done)
        return AMG_EINVAL;
    p.h = h;
    p.width = (size_t)h->concurrency;
    /* Room for answers that wait behind a slow head of the line without
     * stopping new requests (2 x width stalled the window now and then). */
    p.nslots = 4 * p.width;
    p.multi = curl_multi_init();
    p.slots = calloc(p.nslots, sizeof(*p.slots));
    if (!p.multi || !p.slots)
        goto out;
    for (i = 0; i < p.nslots; i++) {
        amg_xfer_answer_init(&p.slots[i].ans);
        p.slots[i].easy = curl_easy_init();
        if (!p.slots[i].easy)
            goto out;
    }
    curl_multi_setopt(p.multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)p.width);
    for (;;) {
        CURLMsg *msg;
        long wait_ms;
        int running = 0;
        int answered = 0;
        int left;

        rc = fill_and_send(&p, next, ud, &exhausted, &wait_ms, &running);
        if (rc < 0)
            goto out;
        while ((msg = curl_multi_info_read(p.multi, &left)) != NULL) {
            struct slot *s = NULL;

            if (msg->msg != CURLMSG_DONE)
                continue;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&s);
            slot_answered(&p, s, msg->data.result);
            answered++;
        }
        /* Places were freed: give them to new requests and put those on
         * the wire before the CPU work of parsing and delivering answers,
         * so that the window stays full meanwhile (measured at 50 ms
         * latency and concurrency 16: 14.7 requests in flight on average
         * when delivering first). */
        if (answered > 0) {
            rc = fill_and_send(&p, next, ud, &exhausted, &wait_ms, &running);
            if (rc < 0)
                goto out;
        }
        rc = deliver(&p, done, ud);
        if (rc < 0)
            goto out;
        if (exhausted && p.next_deliver == p.next_seq)
            break;
        /* An answer freed a place in the window: fill it now. Sleeping
         * in poll first would leave it empty until some other transfer
         * happened to wake us (measured: a fifth of the throughput at
         * 50 ms latency and concurrency 4). */
        if (answered > 0)
            continue;
        /* Sleep in poll until a transfer needs us or a retry is due. */
        if (wait_ms < 0 || wait_ms > 1000)
            wait_ms = 1000;
        if (running > 0 || p.active > 0)
            curl_multi_poll(p.multi, NULL, 0, (int)wait_ms, NULL);
    }
    rc = AMG_OK;
out:
    pipeline_free(&p);
    return rc;
}

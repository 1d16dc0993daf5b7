#define _GNU_SOURCE     /* explicit_bzero */
#include <arpa/inet.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <curl/curl.h>
#include "http.h"
#include "iam.h"
#include "log.h"
#include "xfer.h"
#include "http_priv.h"

#define HTTP_DEFAULT_TIMEOUT_S 30
#define HTTP_DEFAULT_MAX_BODY ((size_t)64 << 20)
/* How much of a body that is not JSON goes into the debug log. */
#define HTTP_LOG_BODY_BYTES 200


static void wipe_free(char *s)
{
    if (!s)
        return;
    explicit_bzero(s, strlen(s));
    free(s);
}

char *amg_http_join3(const char *a, const char *b, const char *c)
{
    size_t la = strlen(a), lb = strlen(b), lc = strlen(c);
    char *s = malloc(la + lb + lc + 1);

    if (!s)
        return NULL;
    memcpy(s, a, la);
    memcpy(s + la, b, lb);
    memcpy(s + la + lb, c, lc + 1);
    return s;
}

static int host_is_loopback(const char *host)
{
    struct in_addr a4;
    struct in6_addr a6;
    char inner[INET6_ADDRSTRLEN + 1];
    size_t n = strlen(host);

    if (strcasecmp(host, "localhost") == 0)
        return 1;
    if (inet_pton(AF_INET, host, &a4) == 1)
        return (ntohl(a4.s_addr) >> 24) == 127;
    /* libcurl hands IPv6 hosts back in brackets. */
    if (n < 2 || host[0] != '[' || host[n - 1] != ']' || n - 2 >= sizeof(inner))
        return 0;
    memcpy(inner, host + 1, n - 2);
    inner[n - 2] = '\0';
    return inet_pton(AF_INET6, inner, &a6) == 1 && IN6_IS_ADDR_LOOPBACK(&a6);
}

int amg_http_check_url(const char *url, int *loopback)
{
    CURLU *u = NULL;
    char *scheme = NULL;
    char *host = NULL;
    int rc = AMG_EINVAL;
    int lo;

    if (loopback)
        *loopback = 0;
    if (!url || !*url) {
        amg_error("empty URL");
        return AMG_EINVAL;
    }
    u = curl_url();
    if (!u)
        return AMG_ENOMEM;
    if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
        amg_error("invalid URL '%s'", url);
        goto out;
    }
    if (strcmp(scheme, "https") != 0 && strcmp(scheme, "http") != 0) {
        amg_error("unsupported URL scheme '%s' in '%s': use https", scheme, url);
        goto out;
    }
    lo = host_is_loopback(host);
    /* Tokens and password hashes must not cross a network in clear. */
    if (strcmp(scheme, "http") == 0 && !lo) {
        amg_error("refusing plain http to %s: only loopback endpoints (emulators) "
                  "may use http", host);
        goto out;
    }
    if (loopback)
        *loopback = lo;
    rc = AMG_OK;
out:
    curl_free(scheme);
    curl_free(host);
    curl_url_cleanup(u);
    return rc;
}

/* Tenant ids are GUIDs; anything that would change the URL's structure is
 * refused rather than escaped. */
static int tenant_ok(const char *tenant)
{
    const char *p;

    if (!*tenant)
        return 0;
    for (p = tenant; *p; p++) {
        if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f || strchr("/?#%", *p))
            return 0;
    }
    return 1;
}

static int policy_is_zero(const struct amg_retry_policy *p)
{
    return p->max_retries == 0 && p->base_s == 0 && p->max_s == 0 && p->block_429_s == 0;
}

static int copy_opts(struct amg_http *h, const struct amg_http_opts *opts)
{
    size_t n;

    h->concurrency = opts->concurrency > 0 ? opts->concurrency : 8;
    h->base_url = strdup(opts->base_url);
    h->tenant_id = strdup(opts->tenant_id);
    h->iam_url = strdup(opts->iam_url);
    if (!h->base_url || !h->tenant_id || !h->iam_url)
        return AMG_ENOMEM;
    n = strlen(h->base_url);
    while (n > 0 && h->base_url[n - 1] == '/')
        h->base_url[--n] = '\0';
    return AMG_OK;
}

int amg_http_new(const struct amg_http_opts *opts, struct amg_http **out)
{
    struct amg_xfer_config cfg;
    struct amg_http *h = NULL;
    int rc = AMG_EINVAL;

    *out = NULL;
    if (!opts || !opts->base_url || !opts->tenant_id || !opts->iam_url ||
        !opts->api_key || !*opts->api_key) {
        amg_error("HTTP client: base_url, tenant_id, iam_url and api_key are required");
        return AMG_EINVAL;
    }
    if (!tenant_ok(opts->tenant_id)) {
        amg_error("invalid tenant id '%s' for %s", opts->tenant_id, opts->base_url);
        return AMG_EINVAL;
    }
    memset(&cfg, 0, sizeof(cfg));
    cfg.timeout_s = opts->timeout_s > 0 ? opts->timeout_s : HTTP_DEFAULT_TIMEOUT_S;
    cfg.max_body = opts->max_response_bytes ? opts->max_response_bytes : HTTP_DEFAULT_MAX_BODY;
    cfg.max_rps = opts->max_rps;
    cfg.clock = opts->clock ? opts->clock : amg_clock_system();
    cfg.seed = opts->seed ? opts->seed : (unsigned)time(NULL) ^ (unsigned)getpid();
    if (policy_is_zero(&opts->retry))
        amg_retry_policy_default(&cfg.retry);
    else
        cfg.retry = opts->retry;
    if (cfg.retry.max_retries < 0 || !(cfg.retry.base_s >= 0) || !(cfg.retry.max_s >= 0) ||
        !(cfg.retry.block_429_s >= 0)) {
        amg_error("invalid retry policy for %s", opts->base_url);
        return AMG_EINVAL;
    }
    h = calloc(1, sizeof(*h));
    if (!h)
        return AMG_ENOMEM;
    if ((rc = amg_http_check_url(opts->base_url, &h->base_loopback)) != AMG_OK ||
        (rc = amg_http_check_url(opts->iam_url, &h->iam_loopback)) != AMG_OK)
        goto out;
    if (pthread_mutex_init(&h->token_lock, NULL) != 0) {
        rc = AMG_ENOMEM;
        goto out;
    }
    h->token_lock_ready = 1;
    if ((rc = copy_opts(h, opts)) != AMG_OK ||
        (rc = amg_xfer_client_init(&h->xc, &cfg)) != AMG_OK ||
        (rc = amg_http_make_iam_form(h, opts->api_key)) != AMG_OK)
        goto out;
    *out = h;
    h = NULL;
out:
    amg_http_free(h);
    return rc;
}

void amg_http_free(struct amg_http *h)
{
    if (!h)
        return;
    amg_xfer_client_fini(&h->xc);
    amg_iam_token_clear(&h->token);
    wipe_free(h->iam_form);
    free(h->base_url);
    free(h->tenant_id);
    free(h->iam_url);
    if (h->token_lock_ready)
        pthread_mutex_destroy(&h->token_lock);
    free(h);
}

const struct amg_http_stats *amg_http_stats(const struct amg_http *h)
{
    return &h->xc.stats;
}

/* Log a body that should have been JSON, cut short and made printable;
 * the log redacts any secret the server echoed. */
void amg_http_log_non_json(const char *what, long status, const struct amg_xfer_answer *a,
                           const char *why)
{
    char shown[HTTP_LOG_BODY_BYTES + 1];
    size_t i, n = a->len < HTTP_LOG_BODY_BYTES ? a->len : HTTP_LOG_BODY_BYTES;

    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)a->body[i];

        shown[i] = (c < ' ' || c == 0x7f) ? '.' : (char)c;
    }
    shown[n] = '\0';
    amg_debug("%s: HTTP %ld body is not JSON (%s): %s%s", what, status, why, shown,
              a->len > n ? "..." : "");
}

int amg_http_method_ok(const char *method)
{
    return strcmp(method, "GET") == 0 || strcmp(method, "POST") == 0 ||
           strcmp(method, "PUT") == 0 || strcmp(method, "DELETE") == 0;
}

/* "METHOD PATH" for log lines. The query is left out: it can carry an
 * encryption secret in a form the log's redaction would not recognise. */
char *amg_http_describe(const char *method, const char *path)
{
    size_t plen = strcspn(path, "?");
    char *s = malloc(strlen(method) + 1 + plen + 1);

    if (!s)
        return NULL;
    snprintf(s, strlen(method) + 1 + plen + 1, "%s %.*s", method, (int)plen, path);
    return s;
}

/*
 * One exchange with the instance: token, send, and one token refresh on
 * 401. `ctype` is the Content-Type header line (NULL: none), `bearer`
 * says whether the instance's token goes along. The answer is left in *a.
 */
static int exchange(struct amg_http *h, const char *method, const char *url, const char *what,
                    const char *ctype, const char *accept, const char *body, size_t body_len,
                    int bearer, int loopback, struct amg_xfer_answer *a)
{
    struct curl_slist *hdrs = NULL;
    struct amg_xfer x;
    char *auth = NULL;
    unsigned long generation = 0;
    int refreshed = 0;
    int rc;

    for (;;) {
        if (bearer) {
            rc = amg_http_bearer(h, &auth, &generation);
            if (rc != AMG_OK)
                goto out;
        }
        if (!ctype && amg_xfer_sends_fields(method, 0))
            /* An empty POST/PUT would otherwise be labelled as a form. */
            ctype = "Content-Type:";
        rc = amg_xfer_headers(&hdrs, auth, accept, ctype);
        wipe_free(auth);
        auth = NULL;
        if (rc != AMG_OK)
            goto out;
        memset(&x, 0, sizeof(x));
        x.method = method;
        x.url = url;
        x.what = what;
        x.headers = hdrs;
        x.body = body;
        x.body_len = body_len;
        x.loopback = loopback;
        x.rate_limited = 1;
        /* A POST creates (applications, roles, users): after a lost answer
         * the plugin looks the object up by its natural key instead. */
        x.once_only = strcmp(method, "POST") == 0;
        rc = amg_xfer_send(&h->xc, &x, a);
        curl_slist_free_all(hdrs);
        hdrs = NULL;
        if (rc != AMG_OK)
            goto out;
        /* The token may have been revoked or the clock be off: one fresh
         * token settles which. */
        if (!bearer || a->status != 401 || refreshed)
            break;
        refreshed = 1;
        amg_info("%s: HTTP 401, fetching a new IAM token", what);
        amg_http_drop_token(h, generation);
        amg_xfer_answer_wipe(a);    /* keeps a to_file answer's sink */
    }
    if (bearer && (a->status == 401 || a->status == 403)) {
        amg_error("%s: instance %s tenant %s refused the token (HTTP %ld)", what, h->base_url,
                  h->tenant_id, a->status);
        rc = AMG_EAUTH;
    }
out:
    curl_slist_free_all(hdrs);
    return rc;
}

int amg_http_json(struct amg_http *h, const char *method, const char *path,
                  json_t *body, long *status, json_t **response)
{
    struct amg_xfer_answer a;
    json_error_t jerr;
    char *prefix = NULL, *url = NULL, *what = NULL, *payload = NULL;
    int rc = AMG_EINVAL;

    amg_xfer_answer_init(&a);
    if (status)
        *status = 0;
    if (response)
        *response = NULL;
    if (!h || !method || !path || !status || !response || path[0] != '/' ||
        !amg_http_method_ok(method) || (body && strcmp(method, "GET") == 0)) {
        amg_error("invalid HTTP request %s %s", method ? method : "(null)",
                  path ? path : "(null)");
        return AMG_EINVAL;
    }
    rc = AMG_ENOMEM;
    prefix = amg_http_join3(h->base_url, "/management/v4/", h->tenant_id);
    url = prefix ? amg_http_join3(prefix, path, "") : NULL;
    what = amg_http_describe(method, path);
    if (!url || !what)
        goto out;
    if (body) {
        payload = json_dumps(body, JSON_COMPACT | JSON_ENCODE_ANY);
        if (!payload) {
            amg_error("%s: cannot encode the request body as JSON", what);
            rc = AMG_EINVAL;
            goto out;
        }
    }
    rc = exchange(h, method, url, what, payload ? "Content-Type: application/json" : NULL,
                  "Accept: application/json", payload, payload ? strlen(payload) : 0, 1,
                  h->base_loopback, &a);
    if (rc != AMG_OK)
        goto out;
    *status = a.status;
    if (a.len > 0) {
        *response = json_loadb(a.body, a.len, JSON_DECODE_ANY, &jerr);
        if (!*response) {
            amg_http_log_non_json(what, a.status, &a, jerr.text);
            /* An error page explains itself by its status; a success that
             * is not JSON would otherwise reach the operator as a bare
             * "HTTP 200". */
            if (a.status / 100 == 2)
                amg_warn("%s: HTTP %ld answer is not JSON (%s, %zu bytes)", what, a.status,
                         jerr.text, a.len);
        }
    }
    rc = AMG_OK;
out:
    amg_xfer_answer_wipe(&a);
    free(payload);
    free(prefix);
    free(url);
    free(what);
    return rc;
}

/* 1 when `url` is on the instance's own scheme, host and port. */
static int on_instance_host(const struct amg_http *h, const char *url)
{
    size_t n = strlen(h->base_url);

    return strncmp(url, h->base_url, n) == 0 && (url[n] == '/' || url[n] == '\0');
}

/* The common part of amg_http_raw() and amg_http_to_file(); the answer
 * lands in `a` (caller storage, initialised). */
static int raw_exchange(struct amg_http *h, const char *method, const char *target,
                        const char *content_type, const void *body, size_t body_len,
                        struct amg_xfer_answer *a)
{
    char *prefix = NULL, *url = NULL, *what = NULL, *ctype = NULL;
    int bearer = 1;
    int loopback = 0;
    int rc = AMG_ENOMEM;

    if (target[0] == '/') {
        prefix = amg_http_join3(h->base_url, "/management/v4/", h->tenant_id);
        url = prefix ? amg_http_join3(prefix, target, "") : NULL;
        loopback = h->base_loopback;
    } else {
        /* Another host (a CDN serving the logo, say) never sees the
         * instance's token, and must itself pass the https rule. */
        rc = amg_http_check_url(target, &loopback);
        if (rc != AMG_OK)
            goto out;
        rc = AMG_ENOMEM;
        bearer = on_instance_host(h, target);
        url = amg_http_join3(target, "", "");
    }
    what = amg_http_describe(method, target);
    if (content_type)
        ctype = amg_http_join3("Content-Type: ", content_type, "");
    if (!url || !what || (content_type && !ctype))
        goto out;
    rc = exchange(h, method, url, what, ctype, "Accept: */*", body, body_len, bearer, loopback,
                  a);
out:
    free(prefix);
    free(url);
    free(what);
    free(ctype);
    return rc;
}

int amg_http_raw(struct amg_http *h, const char *method, const char *target,
                 const char *content_type, const void *body, size_t body_len,
                 long *status, char **resp, size_t *resp_len)
{
    struct amg_xfer_answer a;
    int rc;

    amg_xfer_answer_init(&a);
    if (status)
        *status = 0;
    if (resp)
        *resp = NULL;
    if (resp_len)
        *resp_len = 0;
    if (!h || !method || !target || !status || !resp || !resp_len || !amg_http_method_ok(method) ||
        (body_len && !body) || (body && !content_type)) {
        amg_error("invalid HTTP request %s %s", method ? method : "(null)",
                  target ? target : "(null)");
        return AMG_EINVAL;
    }
    rc = raw_exchange(h, method, target, content_type, body, body_len, &a);
    if (rc != AMG_OK)
        goto out;
    *status = a.status;
    *resp_len = a.len;
    *resp = a.body;
    a.body = NULL;
    a.len = 0;
out:
    amg_xfer_answer_wipe(&a);
    return rc;
}

int amg_http_to_file(struct amg_http *h, const char *method, const char *target, int fd,
                     long *status, size_t *len)
{
    struct amg_xfer_answer a;
    int rc;

    amg_xfer_answer_init(&a);
    if (status)
        *status = 0;
    if (len)
        *len = 0;
    if (!h || !method || !target || fd < 0 || !status || !len || !amg_http_method_ok(method)) {
        amg_error("invalid HTTP request %s %s", method ? method : "(null)",
                  target ? target : "(null)");
        return AMG_EINVAL;
    }
    a.to_file = 1;
    a.fd = fd;
    rc = raw_exchange(h, method, target, NULL, NULL, 0, &a);
    if (rc != AMG_OK)
        goto out;
    *status = a.status;
    *len = a.len;
out:
    amg_xfer_answer_wipe(&a);
    return rc;
}

#define _GNU_SOURCE     /* explicit_bzero, rand_r */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include "log.h"
#include "xfer.h"

#define XFER_CONNECT_TIMEOUT_S 10L
/* Room for a Retry-After value; longer ones are not seconds. */
#define XFER_RETRY_AFTER_MAX 32

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_result = CURLE_FAILED_INIT;

/* libcurl's global init is not thread-safe before 7.84: do it once. */
static void curl_init_once(void)
{
    curl_init_result = curl_global_init(CURL_GLOBAL_DEFAULT);
}

int amg_xfer_client_init(struct amg_xfer_client *xc, const struct amg_xfer_config *cfg)
{
    int rc;

    memset(xc, 0, sizeof(*xc));
    pthread_once(&curl_once, curl_init_once);
    if (curl_init_result != CURLE_OK) {
        amg_error("libcurl initialisation failed: %s", curl_easy_strerror(curl_init_result));
        return AMG_EHTTP;
    }
    if (pthread_mutex_init(&xc->io_lock, NULL) != 0)
        return AMG_ENOMEM;
    xc->locks_ready = 1;
    if (pthread_mutex_init(&xc->stats_lock, NULL) != 0)
        return AMG_ENOMEM;
    xc->locks_ready = 2;
    xc->timeout_s = cfg->timeout_s;
    xc->max_body = cfg->max_body;
    xc->retry = cfg->retry;
    xc->clock = cfg->clock;
    xc->prng = cfg->seed;
    /* A burst of one: App ID counts requests per second, and tokens
     * saved up on top of the rate could exceed its limit in one window. */
    rc = amg_ratelimit_new(cfg->max_rps, 1, cfg->clock, &xc->rl);
    if (rc != AMG_OK)
        return rc;
    xc->curl = curl_easy_init();
    return xc->curl ? AMG_OK : AMG_ENOMEM;
}

void amg_xfer_client_fini(struct amg_xfer_client *xc)
{
    if (xc->curl)
        curl_easy_cleanup(xc->curl);
    xc->curl = NULL;
    amg_ratelimit_free(xc->rl);
    xc->rl = NULL;
    if (xc->locks_ready >= 2)
        pthread_mutex_destroy(&xc->stats_lock);
    if (xc->locks_ready >= 1)
        pthread_mutex_destroy(&xc->io_lock);
    xc->locks_ready = 0;
}

void amg_xfer_answer_init(struct amg_xfer_answer *a)
{
    memset(a, 0, sizeof(*a));
    a->retry_after = -1;
}

void amg_xfer_answer_wipe(struct amg_xfer_answer *a)
{
    int to_file = a->to_file, fd = a->fd;

    if (a->body) {
        explicit_bzero(a->body, a->cap);
        free(a->body);
    }
    amg_xfer_answer_init(a);
    /* The sink belongs to the caller and outlives the attempts. */
    a->to_file = to_file;
    a->fd = fd;
}

void amg_xfer_answer_reset(struct amg_xfer_answer *a, size_t max)
{
    a->status = 0;
    a->len = 0;
    if (a->body)
        a->body[0] = '\0';
    a->retry_after = -1;
    a->error[0] = '\0';
    a->max = max;
    a->too_big = 0;
    a->nomem = 0;
    a->io_error = 0;
    /* An attempt that failed half way must not leave its bytes in front
     * of the next one's. */
    if (a->to_file && (ftruncate(a->fd, 0) != 0 || lseek(a->fd, 0, SEEK_SET) != 0))
        a->io_error = errno ? errno : EIO;
}

/* Body of a to_file answer: all of it to the descriptor, no cap. */
static size_t body_to_file(struct amg_xfer_answer *a, const char *data, size_t n)
{
    size_t off = 0;

    while (off < n) {
        ssize_t w = write(a->fd, data + off, n - off);

        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            a->io_error = w < 0 ? errno : EIO;
            return 0;
        }
        off += (size_t)w;
    }
    a->len += n;
    return n;
}

int amg_xfer_headers(struct curl_slist **list, const char *line1, const char *line2,
                     const char *line3)
{
    const char *lines[] = { line1, line2, line3, "Expect:" };
    struct curl_slist *l;
    size_t i;

    for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
        if (!lines[i])
            continue;
        l = curl_slist_append(*list, lines[i]);
        if (!l) {
            curl_slist_free_all(*list);
            *list = NULL;
            return AMG_ENOMEM;
        }
        *list = l;
    }
    return AMG_OK;
}

int amg_xfer_sends_fields(const char *method, int has_body)
{
    return has_body || strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0;
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *ud)
{
    struct amg_xfer_answer *a = ud;
    size_t n = size * nmemb;
    size_t cap;
    char *p;

    if (a->to_file)
        return body_to_file(a, data, n);
    if (n > a->max - a->len) {
        a->too_big = 1;
        return 0;
    }
    if (a->len + n + 1 > a->cap) {
        cap = a->cap ? a->cap : 4096;
        while (cap < a->len + n + 1)
            cap *= 2;
        if (cap > a->max + 1)
            cap = a->max + 1;
        p = realloc(a->body, cap);
        if (!p) {
            a->nomem = 1;
            return 0;
        }
        a->body = p;
        a->cap = cap;
    }
    memcpy(a->body + a->len, data, n);
    a->len += n;
    a->body[a->len] = '\0';
    return n;
}

/* Delta-seconds only; an HTTP-date is treated as absent. */
static double parse_retry_after(const char *v, size_t n)
{
    char buf[XFER_RETRY_AFTER_MAX];
    char *end = NULL;
    long secs;

    while (n > 0 && (*v == ' ' || *v == '\t')) {
        v++;
        n--;
    }
    while (n > 0 && strchr(" \t\r\n", v[n - 1]))
        n--;
    if (n == 0 || n >= sizeof(buf))
        return -1;
    memcpy(buf, v, n);
    buf[n] = '\0';
    errno = 0;
    secs = strtol(buf, &end, 10);
    if (errno != 0 || *end != '\0' || secs < 0 || buf[0] == '-' || buf[0] == '+')
        return -1;
    return (double)secs;
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *ud)
{
    static const char name[] = "Retry-After:";
    struct amg_xfer_answer *a = ud;
    size_t n = size * nmemb;

    /* A status line starts the headers of a new response. */
    if (n >= 5 && memcmp(data, "HTTP/", 5) == 0)
        a->retry_after = -1;
    else if (n >= sizeof(name) - 1 && strncasecmp(data, name, sizeof(name) - 1) == 0)
        a->retry_after = parse_retry_after(data + sizeof(name) - 1, n - (sizeof(name) - 1));
    return n;
}

#define SETOPT(opt, val)                                         \
    do {                                                         \
        if ((cc = curl_easy_setopt(c, opt, val)) != CURLE_OK)    \
            return cc;                                           \
    } while (0)

CURLcode amg_xfer_setup(const struct amg_xfer_client *xc, CURL *c, const struct amg_xfer *x,
                        struct amg_xfer_answer *a)
{
    CURLcode cc;

    SETOPT(CURLOPT_URL, x->url);
    SETOPT(CURLOPT_NOSIGNAL, 1L);
    SETOPT(CURLOPT_TIMEOUT, xc->timeout_s);
    SETOPT(CURLOPT_CONNECTTIMEOUT,
           xc->timeout_s < XFER_CONNECT_TIMEOUT_S ? xc->timeout_s : XFER_CONNECT_TIMEOUT_S);
#if LIBCURL_VERSION_NUM >= 0x075500
    SETOPT(CURLOPT_PROTOCOLS_STR, "http,https");
#else
    SETOPT(CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
    /* Verification stays on for every https request; there is no switch. */
    SETOPT(CURLOPT_SSL_VERIFYPEER, 1L);
    SETOPT(CURLOPT_SSL_VERIFYHOST, 2L);
    /* An emulator on loopback is never behind a proxy: the proxy's
     * loopback is another machine's. */
    if (x->loopback)
        SETOPT(CURLOPT_NOPROXY, "*");
    SETOPT(CURLOPT_USERAGENT, "appid-migrate");
    SETOPT(CURLOPT_HTTPHEADER, x->headers);
    SETOPT(CURLOPT_ERRORBUFFER, a->error);
    SETOPT(CURLOPT_WRITEFUNCTION, on_body);
    SETOPT(CURLOPT_WRITEDATA, (void *)a);
    SETOPT(CURLOPT_HEADERFUNCTION, on_header);
    SETOPT(CURLOPT_HEADERDATA, (void *)a);
    if (!a->to_file)
        SETOPT(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)xc->max_body);
    if (strcmp(x->method, "GET") == 0) {
        SETOPT(CURLOPT_HTTPGET, 1L);
        return CURLE_OK;
    }
    /* libcurl resends on its own a request whose reused connection died
     * before any answer byte. A POST may have created something by then,
     * so it gets a connection of its own: a lost answer then reaches the
     * caller, which alone knows whether resending is safe. A POST the
     * caller resends anyway (an import batch: the target refuses users it
     * has) keeps the connection; a new one per batch costs a TCP (and TLS)
     * handshake each, and the server an accept. */
    if (strcmp(x->method, "POST") == 0) {
        if (!x->repeatable)
            SETOPT(CURLOPT_FRESH_CONNECT, 1L);
    } else {
        SETOPT(CURLOPT_CUSTOMREQUEST, x->method);
    }
    if (amg_xfer_sends_fields(x->method, x->body != NULL)) {
        SETOPT(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)x->body_len);
        SETOPT(CURLOPT_POSTFIELDS, x->body ? x->body : "");
    }
    return CURLE_OK;
}

#undef SETOPT

int amg_xfer_permanent(CURLcode cc)
{
    switch (cc) {
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_OUT_OF_MEMORY:
        return 1;
    default:
        return 0;
    }
}

/* One attempt. 0 with a->status (0 for a transport error, *fatal set
 * when retrying cannot help), or AMG_EPROTO / AMG_ENOMEM. */
static int attempt(struct amg_xfer_client *xc, const struct amg_xfer *x,
                   struct amg_xfer_answer *a, int *fatal)
{
    CURLcode cc;
    long code = 0;

    *fatal = 0;
    amg_xfer_answer_reset(a, xc->max_body);
    if (a->io_error) {
        amg_error("%s: cannot empty the answer's file: %s", x->what, strerror(a->io_error));
        return AMG_EIO;
    }
    pthread_mutex_lock(&xc->io_lock);
    /* reset keeps the live connections, so the next request reuses them */
    curl_easy_reset(xc->curl);
    cc = amg_xfer_setup(xc, xc->curl, x, a);
    if (cc == CURLE_OK)
        cc = curl_easy_perform(xc->curl);
    if (cc == CURLE_OK)
        curl_easy_getinfo(xc->curl, CURLINFO_RESPONSE_CODE, &code);
    curl_easy_setopt(xc->curl, CURLOPT_ERRORBUFFER, NULL);
    pthread_mutex_unlock(&xc->io_lock);

    amg_xfer_count(xc, code, 0);

    if (a->nomem)
        return AMG_ENOMEM;
    if (a->io_error) {
        amg_error("%s: cannot write the answer to its file: %s", x->what,
                  strerror(a->io_error));
        return AMG_EIO;
    }
    if (a->too_big || cc == CURLE_FILESIZE_EXCEEDED) {
        amg_error("%s: answer larger than %zu bytes", x->what, xc->max_body);
        return AMG_EPROTO;
    }
    if (cc != CURLE_OK) {
        if (!a->error[0])
            snprintf(a->error, sizeof(a->error), "%s", curl_easy_strerror(cc));
        *fatal = amg_xfer_permanent(cc);
        return AMG_OK;
    }
    a->status = code;
    return AMG_OK;
}

void amg_xfer_count(struct amg_xfer_client *xc, long status, int retry)
{
    pthread_mutex_lock(&xc->stats_lock);
    if (retry) {
        xc->stats.retries++;
    } else {
        xc->stats.requests++;
        if (status == 429)
            xc->stats.throttled++;
    }
    pthread_mutex_unlock(&xc->stats_lock);
}

double amg_xfer_rand01(struct amg_xfer_client *xc)
{
    int r;

    pthread_mutex_lock(&xc->stats_lock);
    r = rand_r(&xc->prng);
    pthread_mutex_unlock(&xc->stats_lock);
    return r / ((double)RAND_MAX + 1.0);
}

int amg_xfer_send(struct amg_xfer_client *xc, const struct amg_xfer *x,
                  struct amg_xfer_answer *a)
{
    double delay;
    int fatal = 0;
    int n;
    int rc;

    for (n = 1;; n++) {
        if (x->rate_limited)
            amg_ratelimit_acquire(xc->rl);
        rc = attempt(xc, x, a, &fatal);
        if (rc != AMG_OK)
            return rc;
        if (a->status)
            amg_debug("%s: HTTP %ld, %zu bytes", x->what, a->status, a->len);
        if (fatal || !amg_retry_should(a->status) || n > xc->retry.max_retries ||
            (x->once_only && a->status != 429))
            break;
        delay = amg_retry_delay(&xc->retry, n, a->status, a->retry_after, amg_xfer_rand01(xc));
        if (a->status)
            amg_info("%s: HTTP %ld, retry %d of %d in %.2f s", x->what, a->status, n,
                     xc->retry.max_retries, delay);
        else
            amg_info("%s: %s, retry %d of %d in %.2f s", x->what, a->error, n,
                     xc->retry.max_retries, delay);
        amg_xfer_count(xc, 0, 1);
        xc->clock->sleep(xc->clock->ud, delay);
    }
    if (a->status == 0) {
        amg_error("%s: %s after %d attempt%s%s", x->what, a->error, n, n == 1 ? "" : "s",
                  x->once_only ? " (not retried: it may have been processed)" : "");
        return AMG_EHTTP;
    }
    if (amg_retry_should(a->status) && x->once_only && a->status != 429)
        amg_warn("%s: HTTP %ld, not retried: it may have been processed", x->what,
                 a->status);
    else if (amg_retry_should(a->status))
        amg_warn("%s: still HTTP %ld after %d attempts", x->what, a->status, n);
    return AMG_OK;
}

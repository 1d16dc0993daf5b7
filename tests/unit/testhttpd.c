#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <microhttpd.h>
#include "testhttpd.h"

#define IAM_PATH "/identity/token"

/* Upload collected across the handler's calls for one request. */
struct upload {
    char *data;
    size_t len;
};

/* Body served piecewise for a chunked answer. */
struct chunked {
    char *data;
    size_t len;
};

static void copy_str(char *dst, size_t size, const char *src)
{
    snprintf(dst, size, "%s", src ? src : "");
}

static enum MHD_Result add_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                               const char *value)
{
    struct testhttpd_request *r = cls;
    size_t n = strlen(r->query);

    (void)kind;
    snprintf(r->query + n, sizeof(r->query) - n, "%s%s=%s", n ? "&" : "", key,
             value ? value : "");
    return MHD_YES;
}

static void record(struct testhttpd *s, struct MHD_Connection *c, const char *url,
                   const char *method, struct upload *up)
{
    struct testhttpd_request *r;

    if (s->nseen >= TESTHTTPD_SEEN)
        return;
    r = &s->seen[s->nseen++];
    memset(r, 0, sizeof(*r));
    copy_str(r->method, sizeof(r->method), method);
    copy_str(r->url, sizeof(r->url), url);
    copy_str(r->authorization, sizeof(r->authorization),
             MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization"));
    copy_str(r->content_type, sizeof(r->content_type),
             MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type"));
    copy_str(r->accept, sizeof(r->accept),
             MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Accept"));
    MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, add_arg, r);
    r->body = up->data ? up->data : calloc(1, 1);
    r->body_len = up->len;
    up->data = NULL;
    up->len = 0;
}

static ssize_t read_chunk(void *cls, uint64_t pos, char *buf, size_t max)
{
    struct chunked *ch = cls;
    size_t n;

    if (pos >= ch->len)
        return MHD_CONTENT_READER_END_OF_STREAM;
    n = ch->len - (size_t)pos;
    if (n > max)
        n = max;
    /* Small pieces, so the client sees several writes. */
    if (n > 512)
        n = 512;
    memcpy(buf, ch->data + pos, n);
    return (ssize_t)n;
}

static void free_chunked(void *cls)
{
    struct chunked *ch = cls;

    free(ch->data);
    free(ch);
}

static struct MHD_Response *make_response(const struct testhttpd_answer *a)
{
    struct MHD_Response *resp;
    struct chunked *ch;

    if (!a->chunked)
        return MHD_create_response_from_buffer(strlen(a->body), a->body,
                                               MHD_RESPMEM_MUST_COPY);
    ch = calloc(1, sizeof(*ch));
    if (!ch)
        return NULL;
    ch->len = strlen(a->body);
    ch->data = strdup(a->body);
    resp = ch->data ? MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, read_chunk,
                                                        ch, free_chunked) : NULL;
    if (!resp) {
        free(ch->data);
        free(ch);
    }
    return resp;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version,
                              const char *upload_data, size_t *upload_size, void **con_cls)
{
    static const struct testhttpd_answer unscripted = { 500, (char *)"unscripted", NULL, 0 };
    struct testhttpd *s = cls;
    struct upload *up = *con_cls;
    const struct testhttpd_answer *a;
    struct testhttpd_queue *q;
    struct MHD_Response *resp;
    enum MHD_Result ret;
    unsigned status;
    char *p;

    (void)version;
    if (!up) {
        up = calloc(1, sizeof(*up));
        *con_cls = up;
        return up ? MHD_YES : MHD_NO;
    }
    if (*upload_size) {
        p = realloc(up->data, up->len + *upload_size + 1);
        if (!p)
            return MHD_NO;
        memcpy(p + up->len, upload_data, *upload_size);
        up->len += *upload_size;
        p[up->len] = '\0';
        up->data = p;
        *upload_size = 0;
        return MHD_YES;
    }
    pthread_mutex_lock(&s->lock);
    record(s, c, url, method, up);
    q = strcmp(url, IAM_PATH) == 0 ? &s->iam : &s->api;
    a = q->next < q->count ? &q->items[q->next++] : &unscripted;
    status = a->status;
    if (status == 0) {
        /* Scripted lost answer: the request was read, no answer goes out. */
        pthread_mutex_unlock(&s->lock);
        return MHD_NO;
    }
    resp = make_response(a);
    if (resp && a->retry_after)
        MHD_add_response_header(resp, "Retry-After", a->retry_after);
    if (resp)
        MHD_add_response_header(resp, "Content-Type", "application/json");
    pthread_mutex_unlock(&s->lock);
    if (!resp)
        return MHD_NO;
    ret = MHD_queue_response(c, status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls,
                      enum MHD_RequestTerminationCode toe)
{
    struct upload *up = *con_cls;

    (void)cls;
    (void)c;
    (void)toe;
    if (up) {
        free(up->data);
        free(up);
    }
    *con_cls = NULL;
}

static void connection_event(void *cls, struct MHD_Connection *c, void **socket_ctx,
                             enum MHD_ConnectionNotificationCode code)
{
    struct testhttpd *s = cls;

    (void)c;
    (void)socket_ctx;
    if (code != MHD_CONNECTION_NOTIFY_STARTED)
        return;
    pthread_mutex_lock(&s->lock);
    s->connections++;
    pthread_mutex_unlock(&s->lock);
}

int testhttpd_start(struct testhttpd *s)
{
    struct sockaddr_in sa;
    const union MHD_DaemonInfo *info;
    struct MHD_Daemon *d;

    memset(s, 0, sizeof(*s));
    if (pthread_mutex_init(&s->lock, NULL) != 0)
        return -1;
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = 0;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL, handle, s,
                         MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
                         MHD_OPTION_NOTIFY_COMPLETED, completed, s,
                         MHD_OPTION_NOTIFY_CONNECTION, connection_event, s, MHD_OPTION_END);
    if (!d)
        return -1;
    s->daemon = d;
    info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    if (!info || info->port == 0)
        return -1;
    s->port = info->port;
    snprintf(s->base_url, sizeof(s->base_url), "http://127.0.0.1:%u", (unsigned)s->port);
    snprintf(s->iam_url, sizeof(s->iam_url), "%s%s", s->base_url, IAM_PATH);
    return 0;
}

void testhttpd_stop(struct testhttpd *s)
{
    if (s->daemon)
        MHD_stop_daemon(s->daemon);
    s->daemon = NULL;
}

static void free_queue(struct testhttpd_queue *q)
{
    int i;

    for (i = 0; i < q->count; i++) {
        free(q->items[i].body);
        free(q->items[i].retry_after);
    }
    q->count = 0;
    q->next = 0;
}

void testhttpd_free(struct testhttpd *s)
{
    int i;

    testhttpd_stop(s);
    free_queue(&s->iam);
    free_queue(&s->api);
    for (i = 0; i < s->nseen; i++)
        free(s->seen[i].body);
    s->nseen = 0;
    pthread_mutex_destroy(&s->lock);
}

int testhttpd_push(struct testhttpd_queue *q, unsigned status, const char *body,
                   const char *retry_after, int chunked)
{
    struct testhttpd_answer *a;

    if (q->count >= TESTHTTPD_QUEUE)
        return -1;
    a = &q->items[q->count];
    a->status = status;
    a->body = strdup(body ? body : "");
    a->retry_after = retry_after ? strdup(retry_after) : NULL;
    a->chunked = chunked;
    if (!a->body || (retry_after && !a->retry_after)) {
        free(a->body);
        free(a->retry_after);
        return -1;
    }
    q->count++;
    return 0;
}

int testhttpd_push_token(struct testhttpd *s, const char *token, double expires_in,
                         double expiration)
{
    char body[512];

    snprintf(body, sizeof(body),
             "{\"access_token\":\"%s\",\"refresh_token\":\"not_supported\","
             "\"token_type\":\"Bearer\",\"expires_in\":%.0f,\"expiration\":%.0f,"
             "\"scope\":\"ibm openid\"}",
             token, expires_in, expiration);
    return testhttpd_push(&s->iam, 200, body, NULL, 0);
}

int testhttpd_count_iam(const struct testhttpd *s)
{
    int i, n = 0;

    for (i = 0; i < s->nseen; i++)
        n += strcmp(s->seen[i].url, IAM_PATH) == 0;
    return n;
}

static const struct testhttpd_request *nth(const struct testhttpd *s, int n, int iam)
{
    int i;

    for (i = 0; i < s->nseen; i++) {
        if ((strcmp(s->seen[i].url, IAM_PATH) == 0) == iam && n-- == 0)
            return &s->seen[i];
    }
    return NULL;
}

const struct testhttpd_request *testhttpd_api_request(const struct testhttpd *s, int n)
{
    return nth(s, n, 0);
}

const struct testhttpd_request *testhttpd_iam_request(const struct testhttpd *s, int n)
{
    return nth(s, n, 1);
}

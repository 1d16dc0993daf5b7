#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <jansson.h>
#include <microhttpd.h>
#include "appid-migrate/plugin.h"
#include "delay.h"
#include "faults.h"
#include "hostile.h"
#include "log.h"
#include "router.h"
#include "server.h"

#define SIM_THREADS 4
#define SIM_CONN_TIMEOUT 30

/* Set on the thread that is about to drop a connection on purpose, so the
 * error MHD logs for it right afterwards is not reported as a problem. */
static _Thread_local int dropping;

struct sim_server {
    struct MHD_Daemon *daemon;
    struct sim_delay *delay;   /* owned; NULL without --latency-ms */
    struct sim_env env;
    unsigned port;
    char url[64];
};

/* Per-request state, from the first callback to MHD's completion notice. */
struct conn_state {
    char *body;
    size_t len, cap;
    size_t limit;        /* sim_route_body_limit() of the request */
    int too_large;
    /* Set once the outcome is decided; with a latency the connection is
     * then suspended and the outcome sent when MHD calls back after the
     * resume. */
    int decided;
    int drop;                    /* close without a response */
    struct sim_reply reply;      /* owned body */
    struct MHD_Connection *conn;
    struct sim_delay_node node;  /* item = this conn_state */
};

static const char *lookup_query(void *ud, const char *key)
{
    return MHD_lookup_connection_value(ud, MHD_GET_ARGUMENT_KIND, key);
}

/* Append upload data; past the limit drop everything so far and
 * discard the rest, so memory stays bounded. */
static int append_body(struct conn_state *cs, const char *data, size_t len)
{
    if (cs->too_large)
        return AMG_OK;
    if (len > cs->limit - cs->len) {
        free(cs->body);
        cs->body = NULL;
        cs->len = cs->cap = 0;
        cs->too_large = 1;
        return AMG_OK;
    }
    if (cs->len + len > cs->cap) {
        size_t cap = cs->cap ? cs->cap : 4096;
        char *grown;

        while (cap < cs->len + len)
            cap *= 2;
        if (cap > cs->limit)
            cap = cs->limit;
        grown = realloc(cs->body, cap);
        if (!grown)
            return AMG_ENOMEM;
        cs->body = grown;
        cs->cap = cap;
    }
    memcpy(cs->body + cs->len, data, len);
    cs->len += len;
    return AMG_OK;
}

static enum MHD_Result send_reply(struct MHD_Connection *conn, const char *method,
                                  const char *url, struct sim_reply *rep)
{
    struct MHD_Response *resp;
    enum MHD_Result ret;

    if (rep->stream_read) {
        resp = MHD_create_response_from_callback(rep->stream_len, 64 * 1024, rep->stream_read,
                                                 rep->stream_cls, rep->stream_free);
        if (!resp)
            return MHD_NO;
        rep->stream_read = NULL;   /* now MHD's */
        rep->stream_free = NULL;
        rep->stream_cls = NULL;
    } else {
        resp = MHD_create_response_from_buffer(rep->body_len, rep->body,
                                               MHD_RESPMEM_MUST_FREE);
        if (!resp)
            return MHD_NO;
        rep->body = NULL;   /* now MHD's */
    }
    if (rep->content_type)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, rep->content_type);
    if (rep->extra_header)
        MHD_add_response_header(resp, rep->extra_header, rep->extra_value);
    amg_debug("%s %s -> %d", method, url, rep->status);
    ret = MHD_queue_response(conn, (unsigned)rep->status, resp);
    MHD_destroy_response(resp);
    return ret;
}

/* The Content-Length the client declared, or 0 when there is none. */
static unsigned long long declared_length(struct MHD_Connection *conn)
{
    const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                                 MHD_HTTP_HEADER_CONTENT_LENGTH);
    unsigned long long n;
    char *end = NULL;

    if (!cl)
        return 0;
    errno = 0;
    n = strtoull(cl, &end, 10);
    return end != cl && errno == 0 ? n : 0;
}

/* --token-log: a test harness that must prove no token leaked needs every
 * token the sim handed out. */
static void log_token(FILE *log, const char *url, const struct sim_reply *rep)
{
    json_t *doc = NULL;
    const char *token;

    if (!log || rep->status != 200 || strcmp(url, "/identity/token") != 0 || !rep->body)
        return;
    doc = json_loadb(rep->body, rep->body_len, 0, NULL);
    token = json_string_value(json_object_get(doc, "access_token"));
    if (token) {
        fprintf(log, "%s\n", token);
        fflush(log);
    }
    json_decref(doc);
}

/* Fault decision, then routing; the outcome goes into `cs`. A request hit
 * by a fault is never routed, so it changes no state, except a "drop
 * after", which is routed and only loses its answer. */
static void decide(struct sim_server *srv, struct MHD_Connection *conn, struct conn_state *cs,
                   const char *url, const char *method)
{
    struct sim_request req;
    int status = 0;
    int drop_after = 0;

    cs->decided = 1;
    switch (sim_faults_decide(srv->env.faults, url, &status)) {
    case SIM_FAULT_DROP:
        amg_debug("%s %s -> connection dropped (--drop-rate)", method, url);
        cs->drop = 1;
        return;
    case SIM_FAULT_FAIL:
        sim_reply_error(&cs->reply, status, "simulated server failure (--fail-rate)");
        return;
    case SIM_FAULT_DROP_AFTER:
        drop_after = 1;
        break;
    case SIM_FAULT_NONE:
        break;
    }
    if (sim_hostile_applies(srv->env.hostile, url) &&
        sim_hostile_answer(srv->env.hostile, &cs->reply)) {
        amg_debug("%s %s -> hostile answer (--hostile)", method, url);
        return;
    }
    memset(&req, 0, sizeof(req));
    req.method = method;
    req.path = url;
    req.content_type = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                                   MHD_HTTP_HEADER_CONTENT_TYPE);
    req.authorization = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                                    MHD_HTTP_HEADER_AUTHORIZATION);
    req.body = cs->body;
    req.body_len = cs->len;
    req.body_too_large = cs->too_large;
    req.query = lookup_query;
    req.query_ud = conn;
    sim_route(&srv->env, &req, &cs->reply);
    if (cs->reply.status == 0)
        sim_reply_error(&cs->reply, 500, "no handler answered");
    log_token(srv->env.token_log, url, &cs->reply);
    if (drop_after) {
        amg_debug("%s %s -> %d, then connection dropped (--drop-after-rate)", method, url,
                  cs->reply.status);
        cs->drop = 1;
        return;
    }
    if (sim_hostile_applies(srv->env.hostile, url))
        sim_hostile_distort(srv->env.hostile, &cs->reply);
}

static enum MHD_Result deliver(struct MHD_Connection *conn, struct conn_state *cs,
                               const char *method, const char *url)
{
    enum MHD_Result ret;

    if (cs->drop) {
        dropping = 1;
        return MHD_NO;   /* MHD closes the connection without answering */
    }
    ret = send_reply(conn, method, url, &cs->reply);
    sim_reply_clear(&cs->reply);
    return ret;
}

/* Timer thread (or sim_server_stop): the delay is over. */
static void wake_connection(void *item)
{
    struct conn_state *cs = item;

    MHD_resume_connection(cs->conn);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
    struct sim_server *srv = cls;
    struct conn_state *cs = *con_cls;
    unsigned long long declared;

    (void)version;
    dropping = 0;
    if (!cs) {
        cs = calloc(1, sizeof(*cs));
        if (!cs)
            return MHD_NO;
        *con_cls = cs;
        cs->limit = sim_route_body_limit(method, url);
        declared = declared_length(conn);
        /* Beyond the limit: answer before the body is sent (no 100
         * Continue goes out), MHD then closes the connection. */
        if (declared <= cs->limit) {
            /* One buffer of the right size: growing it by doubling cost
             * copies, and freeing the 64 KiB it reached for a 37 KB
             * import batch made malloc consolidate on every request. */
            if (declared > 0) {
                cs->body = malloc((size_t)declared);
                if (!cs->body)
                    return MHD_NO;
                cs->cap = (size_t)declared;
            }
            return MHD_YES;
        }
        cs->too_large = 1;
    } else if (*upload_data_size > 0) {
        if (!cs->decided && append_body(cs, upload_data, *upload_data_size) != AMG_OK)
            return MHD_NO;
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (cs->decided)   /* called back after the delay */
        return deliver(conn, cs, method, url);
    decide(srv, conn, cs, url, method);
    /* The answer is made: the body need not wait out the delay. */
    free(cs->body);
    cs->body = NULL;
    cs->len = cs->cap = 0;
    if (srv->delay) {
        amg_debug("%s %s: response delayed %ld ms", method, url,
                  sim_faults_latency_ms(srv->env.faults));
        /* Suspend before parking: the timer may resume it at once. */
        cs->conn = conn;
        cs->node.item = cs;
        MHD_suspend_connection(conn);
        if (sim_delay_park(srv->delay, &cs->node) != AMG_OK) {
            /* Shutting down: no delay, MHD calls back right away. */
            MHD_resume_connection(conn);
        }
        return MHD_YES;
    }
    return deliver(conn, cs, method, url);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct conn_state *cs = *con_cls;

    (void)cls;
    (void)conn;
    (void)toe;
    if (cs) {
        free(cs->body);
        sim_reply_clear(&cs->reply);
        free(cs);
        *con_cls = NULL;
    }
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    char line[512];
    size_t len;

    (void)cls;
    vsnprintf(line, sizeof(line), fmt, ap);
    /* MHD ends its messages with a newline; the log adds its own. */
    len = strlen(line);
    while (len > 0 && line[len - 1] == '\n')
        line[--len] = '\0';
    if (dropping) {
        dropping = 0;
        amg_debug("libmicrohttpd: %s", line);
        return;
    }
    amg_warn("libmicrohttpd: %s", line);
}

/* Bind and listen ourselves, so the port (and with it base_url) is known
 * before the first request can arrive. */
static int listen_loopback(unsigned port, int *fd_out, unsigned *bound)
{
    struct sockaddr_in addr;
    socklen_t alen = sizeof(addr);
    int one = 1;
    int fd;

    fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return AMG_EIO;
    memset(&addr, 0, sizeof(addr));
    addr.sin_family = AF_INET;
    addr.sin_port = htons((unsigned short)port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
        bind(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0 || listen(fd, 64) != 0 ||
        getsockname(fd, (struct sockaddr *)&addr, &alen) != 0) {
        amg_error("cannot listen on 127.0.0.1:%u: %s", port, strerror(errno));
        close(fd);
        return AMG_EIO;
    }
    *fd_out = fd;
    *bound = ntohs(addr.sin_port);
    return AMG_OK;
}

int sim_server_start(const struct sim_env *env, unsigned port, struct sim_server **out)
{
    struct sim_server *srv = NULL;
    unsigned flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG;
    long latency = sim_faults_latency_ms(env->faults);
    int fd = -1;
    int rc;

    *out = NULL;
    if (port > 65535)
        return AMG_EINVAL;
    srv = calloc(1, sizeof(*srv));
    if (!srv)
        return AMG_ENOMEM;
    rc = listen_loopback(port, &fd, &srv->port);
    if (rc != AMG_OK)
        goto out;
    snprintf(srv->url, sizeof(srv->url), "http://127.0.0.1:%u", srv->port);
    srv->env = *env;
    srv->env.base_url = srv->url;
    if (latency > 0) {
        rc = sim_delay_new(latency, wake_connection, &srv->delay);
        if (rc != AMG_OK) {
            amg_error("cannot start the --latency-ms timer");
            goto out;
        }
        flags |= MHD_ALLOW_SUSPEND_RESUME;
    }
    srv->daemon = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, srv,
        MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
        MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)SIM_THREADS,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)SIM_CONN_TIMEOUT,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
        MHD_OPTION_END);
    if (!srv->daemon) {
        amg_error("cannot start the HTTP server on 127.0.0.1:%u", srv->port);
        rc = AMG_EIO;
        goto out;
    }
    fd = -1;   /* MHD closes it on stop */
    *out = srv;
    srv = NULL;
out:
    if (fd >= 0)
        close(fd);
    if (srv)
        sim_delay_free(srv->delay);
    free(srv);
    return rc;
}

unsigned sim_server_port(const struct sim_server *srv)
{
    return srv->port;
}

const char *sim_server_url(const struct sim_server *srv)
{
    return srv->url;
}

void sim_server_stop(struct sim_server *srv)
{
    if (!srv)
        return;
    /* MHD must not be stopped with suspended connections: resume them
     * all first; the close refuses parking from then on. */
    if (srv->delay)
        sim_delay_close(srv->delay);
    MHD_stop_daemon(srv->daemon);
    sim_delay_free(srv->delay);
    free(srv);
}

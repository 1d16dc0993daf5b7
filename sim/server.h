/*
 * libmicrohttpd glue: listens on 127.0.0.1 only, accumulates request
 * bodies up to SIM_MAX_BODY (bigger ones are answered 413 without being
 * buffered), hands complete requests to sim_route() on a pool of threads.
 * Injected faults (env->faults, see faults.h) are decided before routing;
 * with a latency the connection is suspended and resumed by a timer
 * thread (delay.h), so delayed requests hold no pool thread.
 */
#ifndef SIM_SERVER_H
#define SIM_SERVER_H

#include "request.h"

struct sim_server;

/*
 * Start serving on 127.0.0.1:`port` (0: the kernel picks one). `env` is
 * copied; the objects it points to must outlive the server. Its base_url
 * is replaced by the server's own. Returns 0 with *out set, AMG_EIO when
 * the port cannot be bound, AMG_ENOMEM.
 */
int sim_server_start(const struct sim_env *env, unsigned port, struct sim_server **out);

/* The port actually bound. */
unsigned sim_server_port(const struct sim_server *srv);

/* "http://127.0.0.1:PORT", owned by the server. */
const char *sim_server_url(const struct sim_server *srv);

/* Stop accepting, finish running requests, free. NULL is a no-op. */
void sim_server_stop(struct sim_server *srv);

#endif

/*
 * Fault injection for appid-sim: a fraction of requests fails with a 5xx
 * or loses its connection, and every response can be delayed. Failures
 * and drops are decided when a request is complete and before it is
 * routed, so a request hit by them never changes any state. The one
 * exception is the "drop after" fault (--drop-after-rate): that request is
 * processed in full, its change happens, and only its answer is lost, the
 * way a connection breaks after the server committed. They
 * apply to the management API (/management/) and to /oauth/ paths only:
 * the IAM token endpoint never fails, so a client under test always gets
 * its token and the faults land where retries matter. The latency applies
 * to every response.
 *
 * Decisions come from a per-process xorshift64* generator behind a mutex;
 * with --seed the sequence of decisions for a sequence of requests is the
 * same on every run. While any rate is non-zero, every request the
 * faults apply to consumes exactly three draws (drop, fail, which 5xx),
 * plus a fourth (drop after) when the drop-after rate is non-zero,
 * whatever the outcome, so sequences stay comparable and runs without
 * --drop-after-rate draw what they drew before it existed.
 */
#ifndef SIM_FAULTS_H
#define SIM_FAULTS_H

#include <stdint.h>

struct sim_faults;

#define SIM_FAULTS_MAX_LATENCY_MS 60000L

struct sim_faults_conf {
    double fail_rate;    /* 0..1: share of requests answered 500/502/503 */
    double drop_rate;    /* 0..1: share closed without a response */
    double drop_after_rate; /* 0..1: share processed, then closed unanswered */
    long latency_ms;     /* 0..SIM_FAULTS_MAX_LATENCY_MS, every response */
    uint64_t seed;       /* generator seed when `seeded` */
    int seeded;          /* 0: seed from the clock and the pid */
};

enum sim_fault {
    SIM_FAULT_NONE = 0,
    SIM_FAULT_FAIL,      /* answer *status (500, 502 or 503) */
    SIM_FAULT_DROP,      /* close the connection, no response */
    SIM_FAULT_DROP_AFTER, /* route the request, then close unanswered */
};

/* New fault injector from a copy of `conf`. AMG_EINVAL for rates outside
 * 0..1 (or NaN) or a bad latency, AMG_ENOMEM. */
int sim_faults_new(const struct sim_faults_conf *conf, struct sim_faults **out);

/* NULL is a no-op. */
void sim_faults_free(struct sim_faults *f);

/* 1 when faults apply to requests for `path` (management and oauth). */
int sim_faults_apply_to(const char *path);

/*
 * The fault for the next request to `path`. For SIM_FAULT_FAIL *status is
 * the 5xx to answer. Requests that faults do not apply to, or a NULL `f`,
 * get SIM_FAULT_NONE without consuming draws.
 */
enum sim_fault sim_faults_decide(struct sim_faults *f, const char *path, int *status);

/* The configured latency in milliseconds (0 for a NULL `f`). */
long sim_faults_latency_ms(const struct sim_faults *f);

#endif

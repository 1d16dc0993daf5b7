/*
 * Fan-out of a job to its targets: one after another in this process, or
 * (parallel_targets) all at once, one child process per target, so that a
 * target that fails, hangs up or even crashes cannot take the others with
 * it. Each target's status and the run report it wrote are collected.
 */
#ifndef AMG_FANOUT_H
#define AMG_FANOUT_H

#include <stddef.h>

struct amg_engine;

/* Outcome of one target. */
struct amg_target_result {
    int rc;          /* the target's status (AMG_OK, AMG_EPARTIAL, ...) */
    char *report;    /* owned (amg_free): the run report it wrote, or NULL */
};

/* Runs target k in the calling process and returns its status. */
typedef int (*amg_target_fn)(void *ud, size_t k);

/*
 * Run fn(ud, k) for k = 0..n-1 (names[k] labels target k), sequentially,
 * or with `parallel` each in a child process, all started at once. A
 * child's standard output and error go to a temporary file that is
 * printed once the child has ended, every line prefixed "[name] ", in
 * target order, so parallel output never interleaves. res (n entries,
 * zeroed by the caller) receives each status and
 * amg_engine_last_report(e) after the target ran; a child that ends
 * without telling its status (a crash) counts as AMG_EIO. Returns 0, or
 * AMG_ENOMEM / AMG_EIO when the fan-out itself failed (then targets that
 * were not started count failed too).
 */
int amg_fanout(struct amg_engine *e, char *const *names, size_t n, int parallel,
               amg_target_fn fn, void *ud, struct amg_target_result *res);

/* Free the reports of res[0..n-1] (not res itself). */
void amg_target_results_clear(struct amg_target_result *res, size_t n);

#endif

/*
 * Delay queue behind --latency-ms: parked items are handed back, each
 * after the same fixed delay, by one timer thread. server.c parks
 * suspended libmicrohttpd connections here and resumes them when they
 * come back, so a delayed response holds no server thread and any number
 * of requests are delayed at the same time.
 *
 * Because the delay is the same for every item, deadlines come in the
 * order items are parked: a FIFO is all the ordering the timer needs.
 * Nodes are embedded in the caller's objects, so parking never allocates.
 */
#ifndef SIM_DELAY_H
#define SIM_DELAY_H

struct sim_delay;

/* Embedded in the parked object; owned by it, linked by the queue. */
struct sim_delay_node {
    struct sim_delay_node *next;
    double due;            /* monotonic seconds */
    void *item;            /* handed to wake() */
};

/*
 * New queue delaying by `ms` (> 0) milliseconds and starting its timer
 * thread. `wake` is called once per parked node, with node->item, on the
 * timer thread (or in sim_delay_close()); it must not park again.
 * AMG_EINVAL, AMG_ENOMEM, AMG_EIO when the thread cannot be started.
 */
int sim_delay_new(long ms, void (*wake)(void *item), struct sim_delay **out);

/*
 * Park `node` (its item set by the caller) until now + delay. Returns 0,
 * or AMG_EINVAL once the queue is closed; then the node is not taken and
 * the caller must handle the item itself.
 */
int sim_delay_park(struct sim_delay *d, struct sim_delay_node *node);

/*
 * Refuse further parking, stop the timer thread and wake every node still
 * parked, right away, on the calling thread. When it returns, wake() has
 * been called for every node ever parked and will not be called again.
 * Idempotent.
 */
void sim_delay_close(struct sim_delay *d);

/* Close (if not yet done) and free. NULL is a no-op. */
void sim_delay_free(struct sim_delay *d);

#endif

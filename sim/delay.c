#include <pthread.h>
#include <stdlib.h>
#include <time.h>
#include "appid-migrate/plugin.h"
#include "delay.h"

struct sim_delay {
    pthread_mutex_t lock;          /* guards everything below */
    pthread_cond_t cond;           /* CLOCK_MONOTONIC; signalled on park, close */
    pthread_t thread;
    double delay;                  /* seconds */
    void (*wake)(void *item);
    struct sim_delay_node *head;   /* borrowed nodes, oldest first */
    struct sim_delay_node *tail;
    int closed;
    int joined;
};

static double mono_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct timespec to_timespec(double t)
{
    struct timespec ts;

    ts.tv_sec = (time_t)t;
    ts.tv_nsec = (long)((t - (double)ts.tv_sec) * 1e9);
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    return ts;
}

/* Wake a detached chain. The node may be freed by wake(): read next first. */
static void wake_chain(struct sim_delay *d, struct sim_delay_node *n)
{
    struct sim_delay_node *next;

    for (; n; n = next) {
        next = n->next;
        n->next = NULL;
        d->wake(n->item);
    }
}

static void *timer_main(void *arg)
{
    struct sim_delay *d = arg;
    struct sim_delay_node *due, *last;
    struct timespec ts;
    double now;

    pthread_mutex_lock(&d->lock);
    while (!d->closed) {
        if (!d->head) {
            pthread_cond_wait(&d->cond, &d->lock);
            continue;
        }
        now = mono_now();
        if (d->head->due > now) {
            ts = to_timespec(d->head->due);
            pthread_cond_timedwait(&d->cond, &d->lock, &ts);
            continue;
        }
        /* Detach every node that is due, wake them without the lock so
         * that handlers parking meanwhile are not held up. */
        due = d->head;
        last = due;
        while (last->next && last->next->due <= now)
            last = last->next;
        d->head = last->next;
        if (!d->head)
            d->tail = NULL;
        last->next = NULL;
        pthread_mutex_unlock(&d->lock);
        wake_chain(d, due);
        pthread_mutex_lock(&d->lock);
    }
    pthread_mutex_unlock(&d->lock);
    return NULL;
}

int sim_delay_new(long ms, void (*wake)(void *item), struct sim_delay **out)
{
    struct sim_delay *d = NULL;
    pthread_condattr_t attr;
    int have_lock = 0, have_cond = 0;
    int rc = AMG_ENOMEM;

    *out = NULL;
    if (ms <= 0 || !wake)
        return AMG_EINVAL;
    d = calloc(1, sizeof(*d));
    if (!d)
        return AMG_ENOMEM;
    d->delay = (double)ms / 1000.0;
    d->wake = wake;
    if (pthread_mutex_init(&d->lock, NULL) != 0)
        goto out;
    have_lock = 1;
    if (pthread_condattr_init(&attr) != 0)
        goto out;
    if (pthread_condattr_setclock(&attr, CLOCK_MONOTONIC) != 0 ||
        pthread_cond_init(&d->cond, &attr) != 0) {
        pthread_condattr_destroy(&attr);
        goto out;
    }
    pthread_condattr_destroy(&attr);
    have_cond = 1;
    if (pthread_create(&d->thread, NULL, timer_main, d) != 0) {
        rc = AMG_EIO;
        goto out;
    }
    *out = d;
    d = NULL;
    rc = AMG_OK;
out:
    if (d) {
        if (have_cond)
            pthread_cond_destroy(&d->cond);
        if (have_lock)
            pthread_mutex_destroy(&d->lock);
        free(d);
    }
    return rc;
}

int sim_delay_park(struct sim_delay *d, struct sim_delay_node *node)
{
    int rc = AMG_OK;

    pthread_mutex_lock(&d->lock);
    if (d->closed) {
        rc = AMG_EINVAL;
        goto out;
    }
    /* Taken under the lock, so deadlines are in queue order. */
    node->due = mono_now() + d->delay;
    node->next = NULL;
    if (d->tail)
        d->tail->next = node;
    else
        d->head = node;
    d->tail = node;
    if (d->head == node)
        pthread_cond_signal(&d->cond);
out:
    pthread_mutex_unlock(&d->lock);
    return rc;
}

void sim_delay_close(struct sim_delay *d)
{
    struct sim_delay_node *rest;

    pthread_mutex_lock(&d->lock);
    d->closed = 1;
    pthread_cond_signal(&d->cond);
    pthread_mutex_unlock(&d->lock);
    if (!d->joined) {
        pthread_join(d->thread, NULL);
        d->joined = 1;
    }
    /* The timer is gone and parking is refused: the list is ours. */
    pthread_mutex_lock(&d->lock);
    rest = d->head;
    d->head = d->tail = NULL;
    pthread_mutex_unlock(&d->lock);
    wake_chain(d, rest);
}

void sim_delay_free(struct sim_delay *d)
{
    if (!d)
        return;
    sim_delay_close(d);
    pthread_cond_destroy(&d->cond);
    pthread_mutex_destroy(&d->lock);
    free(d);
}

#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <time.h>
#include "appid-migrate/plugin.h"
#include "delay.h"
#include "testutil.h"

#define ITEMS 8

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int woken[ITEMS];
static int order[ITEMS];
static int nwoken;
static pthread_t waker;

static void reset(void)
{
    pthread_mutex_lock(&lock);
    memset(woken, 0, sizeof(woken));
    memset(order, 0, sizeof(order));
    nwoken = 0;
    pthread_mutex_unlock(&lock);
}

static void on_wake(void *item)
{
    int i = *(int *)item;

    pthread_mutex_lock(&lock);
    woken[i]++;
    if (nwoken < ITEMS)
        order[nwoken] = i;
    nwoken++;
    waker = pthread_self();
    pthread_cond_broadcast(&cond);
    pthread_mutex_unlock(&lock);
}

static void test_invalid(void)
{
    struct sim_delay *d = NULL;

    CU_ASSERT_EQUAL(sim_delay_new(0, on_wake, &d), AMG_EINVAL);
    CU_ASSERT_EQUAL(sim_delay_new(-5, on_wake, &d), AMG_EINVAL);
    CU_ASSERT_EQUAL(sim_delay_new(10, NULL, &d), AMG_EINVAL);
    CU_ASSERT_PTR_NULL(d);
    sim_delay_free(NULL);
}

/* A long delay: nothing is due, closing hands every node back at once,
 * in parking order, on the closing thread; then parking is refused. */
static void test_close_wakes_pending(void)
{
    static int ids[ITEMS];
    struct sim_delay_node nodes[ITEMS], late;
    struct sim_delay *d = NULL;
    int i;

    reset();
    CU_ASSERT_FATAL(sim_delay_new(60000, on_wake, &d) == AMG_OK);
    for (i = 0; i < ITEMS; i++) {
        ids[i] = i;
        nodes[i].item = &ids[i];
        CU_ASSERT_EQUAL(sim_delay_park(d, &nodes[i]), AMG_OK);
    }
    pthread_mutex_lock(&lock);
    CU_ASSERT_EQUAL(nwoken, 0);
    pthread_mutex_unlock(&lock);
    sim_delay_close(d);
    CU_ASSERT_EQUAL(nwoken, ITEMS);
    for (i = 0; i < ITEMS; i++) {
        CU_ASSERT_EQUAL(woken[i], 1);
        CU_ASSERT_EQUAL(order[i], i);
    }
    CU_ASSERT(pthread_equal(waker, pthread_self()));
    late.item = &ids[0];
    CU_ASSERT_EQUAL(sim_delay_park(d, &late), AMG_EINVAL);
    sim_delay_close(d);   /* idempotent */
    CU_ASSERT_EQUAL(nwoken, ITEMS);
    sim_delay_free(d);
}

/* A short delay: the timer thread wakes every node by itself, once. The
 * wait is for the event, bounded only so that a bug cannot hang the run. */
static void test_timer_wakes(void)
{
    static int ids[ITEMS];
    struct sim_delay_node nodes[ITEMS];
    struct sim_delay *d = NULL;
    struct timespec limit;
    int i, rc = 0;

    reset();
    CU_ASSERT_FATAL(sim_delay_new(5, on_wake, &d) == AMG_OK);
    for (i = 0; i < ITEMS; i++) {
        ids[i] = i;
        nodes[i].item = &ids[i];
        CU_ASSERT_EQUAL(sim_delay_park(d, &nodes[i]), AMG_OK);
    }
    clock_gettime(CLOCK_REALTIME, &limit);
    limit.tv_sec += 30;
    pthread_mutex_lock(&lock);
    while (nwoken < ITEMS && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&cond, &lock, &limit);
    CU_ASSERT_EQUAL(nwoken, ITEMS);
    CU_ASSERT(!pthread_equal(waker, pthread_self()));
    pthread_mutex_unlock(&lock);
    sim_delay_free(d);
    for (i = 0; i < ITEMS; i++) {
        CU_ASSERT_EQUAL(woken[i], 1);
        CU_ASSERT_EQUAL(order[i], i);
    }
}

static const struct amg_test tests[] = {
    { "invalid arguments", test_invalid },
    { "close wakes what is parked", test_close_wakes_pending },
    { "the timer wakes each node once", test_timer_wakes },
    { NULL, NULL },
};

int main(void)
{
    return amg_test_main("sim_delay", tests);
}

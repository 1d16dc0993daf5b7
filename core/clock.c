#include <errno.h>
#include <time.h>
#include "clock.h"

static double system_now(void *ud)
{
    struct timespec ts;

    (void)ud;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double system_wall(void *ud)
{
    struct timespec ts;

    (void)ud;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void system_sleep(void *ud, double seconds)
{
    struct timespec ts;

    (void)ud;
    if (seconds <= 0)
        return;
    ts.tv_sec = (time_t)seconds;
    ts.tv_nsec = (long)((seconds - (double)ts.tv_sec) * 1e9);
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static const struct amg_clock system_clock = {
    .now = system_now,
    .wall = system_wall,
    .sleep = system_sleep,
    .ud = NULL,
};

const struct amg_clock *amg_clock_system(void)
{
    return &system_clock;
}

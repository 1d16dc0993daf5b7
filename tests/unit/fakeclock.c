#include <string.h>
#include "fakeclock.h"

struct fakeclock fakeclock;

static double fake_now(void *ud)
{
    return ((struct fakeclock *)ud)->now;
}

static double fake_wall(void *ud)
{
    return ((struct fakeclock *)ud)->wall;
}

static void fake_sleep(void *ud, double s)
{
    struct fakeclock *t = ud;

    t->now += s;
    t->wall += s;
    if (t->nsleeps < FAKECLOCK_SLEEPS)
        t->sleeps[t->nsleeps] = s;
    t->nsleeps++;
}

const struct amg_clock fakeclock_clock = {
    .now = fake_now,
    .wall = fake_wall,
    .sleep = fake_sleep,
    .ud = &fakeclock,
};

void fakeclock_reset(double now, double wall)
{
    memset(&fakeclock, 0, sizeof(fakeclock));
    fakeclock.now = now;
    fakeclock.wall = wall;
}

/*
 * A fake clock for tests: now() and wall() return counters that only
 * sleep() (or the test) moves forward, so retry and rate-limit waits take
 * no real time and can be asserted exactly. One global instance.
 */
#ifndef AMG_FAKECLOCK_H
#define AMG_FAKECLOCK_H

#include "clock.h"

#define FAKECLOCK_SLEEPS 64

struct fakeclock {
    double now;                       /* monotonic seconds */
    double wall;                      /* epoch seconds */
    double sleeps[FAKECLOCK_SLEEPS];  /* the first sleeps, in order */
    int nsleeps;                      /* all sleeps, also beyond the array */
};

extern struct fakeclock fakeclock;
extern const struct amg_clock fakeclock_clock;

/* Set both counters and forget the recorded sleeps. */
void fakeclock_reset(double now, double wall);

#endif

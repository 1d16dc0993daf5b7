/*
 * Injectable clock, so retry, rate-limit and token-expiry logic can be
 * tested without sleeping. amg_clock_system() is the real one.
 */
#ifndef AMG_CLOCK_H
#define AMG_CLOCK_H

struct amg_clock {
    double (*now)(void *ud);                 /* monotonic seconds */
    double (*wall)(void *ud);                /* epoch seconds */
    void (*sleep)(void *ud, double seconds);
    void *ud;
};

/* Static clock backed by clock_gettime() and nanosleep(). */
const struct amg_clock *amg_clock_system(void);

#endif

#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "progress.h"
#include "error.h"
#include "log.h"

struct amg_progress {
    enum amg_progress_mode mode;
    FILE *out;                    /* borrowed */
    const struct amg_clock *clock; /* borrowed */
    char label[64];
    int active;                   /* between begin and end */
    int drawn;                    /* a live line is on the terminal */
    int shown;                    /* something was shown for this plugin */
    double started;
    double last;                  /* last redraw (TTY) or log line (LOG) */
    long done;
    long total;
};

enum amg_progress_mode amg_progress_mode_for(FILE *stream, int quiet)
{
    if (quiet)
        return AMG_PROGRESS_OFF;
    return isatty(fileno(stream)) ? AMG_PROGRESS_TTY : AMG_PROGRESS_LOG;
}

int amg_progress_new(enum amg_progress_mode mode, FILE *out, const struct amg_clock *clock,
                     struct amg_progress **p)
{
    *p = calloc(1, sizeof(**p));
    if (!*p)
        return AMG_ENOMEM;
    (*p)->mode = mode;
    (*p)->out = out;
    (*p)->clock = clock ? clock : amg_clock_system();
    return AMG_OK;
}

void amg_progress_free(struct amg_progress *p)
{
    if (!p)
        return;
    amg_progress_interrupt(p);
    free(p);
}

void amg_progress_begin(struct amg_progress *p, const char *label)
{
    if (!p)
        return;
    amg_progress_interrupt(p);
    snprintf(p->label, sizeof(p->label), "%s", label);
    p->active = 1;
    p->shown = 0;
    p->started = p->clock->now(p->clock->ud);
    p->last = p->started;
    p->done = 0;
    p->total = -1;
}

/* "120/500 24% 40.0/s ETA 9 s" (or "120 40.0/s" without a total). */
static void describe(const struct amg_progress *p, double now, char *buf, size_t len)
{
    double elapsed = now - p->started;
    double rate = elapsed > 0 ? (double)p->done / elapsed : 0;
    int n;

    if (p->total >= 0) {
        n = snprintf(buf, len, "%ld/%ld %ld%%", p->done, p->total,
                     p->total > 0 ? p->done * 100 / p->total : 100);
    } else {
        n = snprintf(buf, len, "%ld done", p->done);
    }
    if (n < 0 || (size_t)n >= len)
        return;
    if (rate > 0) {
        int m = snprintf(buf + n, len - (size_t)n, " %.1f/s", rate);

        if (m < 0 || (size_t)(n + m) >= len)
            return;
        n += m;
        if (p->total > p->done)
            snprintf(buf + n, len - (size_t)n, " ETA %.0f s",
                     (double)(p->total - p->done) / rate);
    }
}

void amg_progress_update(struct amg_progress *p, long done, long total)
{
    char text[96];
    double now;

    if (!p || !p->active || p->mode == AMG_PROGRESS_OFF)
        return;
    p->done = done < 0 ? 0 : done;
    p->total = total < 0 ? -1 : total;
    now = p->clock->now(p->clock->ud);
    if (p->mode == AMG_PROGRESS_TTY) {
        /* The epsilon keeps float sums of exact intervals on the right side. */
        if (p->shown && now - p->last < AMG_PROGRESS_TTY_INTERVAL - 1e-9 &&
            p->done != p->total)
            return;
        describe(p, now, text, sizeof(text));
        /* One line, never wider than a classic terminal, so it never wraps. */
        fprintf(p->out, "\r\033[K[%s] %.60s", p->label, text);
        fflush(p->out);
        p->drawn = 1;
    } else {
        if (now - p->last < AMG_PROGRESS_LOG_INTERVAL - 1e-9)
            return;
        describe(p, now, text, sizeof(text));
        amg_info("[%s] %s", p->label, text);
    }
    p->shown = 1;
    p->last = now;
}

void amg_progress_interrupt(struct amg_progress *p)
{
    if (!p || !p->drawn)
        return;
    fputs("\r\033[K", p->out);
    fflush(p->out);
    p->drawn = 0;
}

void amg_progress_end(struct amg_progress *p, double seconds, const char *outcome)
{
    if (!p || !p->active)
        return;
    amg_progress_interrupt(p);
    p->active = 0;
    if (p->mode == AMG_PROGRESS_OFF)
        return;
    if (p->total >= 0)
        amg_info("[%s] done in %.1f s (%ld/%ld)%s%s", p->label, seconds, p->done, p->total,
                 outcome ? ": " : "", outcome ? outcome : "");
    else
        amg_info("[%s] done in %.1f s%s%s", p->label, seconds, outcome ? ": " : "",
                 outcome ? outcome : "");
}

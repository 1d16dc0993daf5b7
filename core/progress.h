/*
 * Progress of the running plugin, on stderr. On a terminal a live line
 * ("[export users] 120/500 24% 40.0/s ETA 9 s") redrawn at most 10 times
 * a second; otherwise (cron, CI, pipes) an info log line at most every 5
 * seconds. Either way a "done in X s" line when the plugin ends. Quiet
 * runs show nothing. Only what plugins report through host->progress is
 * shown: the core does not guess totals.
 */
#ifndef AMG_PROGRESS_H
#define AMG_PROGRESS_H

#include <stdio.h>
#include "clock.h"

enum amg_progress_mode {
    AMG_PROGRESS_OFF = 0,
    AMG_PROGRESS_LOG,
    AMG_PROGRESS_TTY
};

#define AMG_PROGRESS_TTY_INTERVAL 0.1   /* seconds between redraws */
#define AMG_PROGRESS_LOG_INTERVAL 5.0   /* seconds between log lines */

struct amg_progress;

/* The mode for a run: OFF when `quiet`, TTY when `stream` is a terminal,
 * else LOG. */
enum amg_progress_mode amg_progress_mode_for(FILE *stream, int quiet);

/* `out` (borrowed; the live line's stream) and `clock` (borrowed; NULL:
 * the system clock) must outlive the object. Free with
 * amg_progress_free(). */
int amg_progress_new(enum amg_progress_mode mode, FILE *out, const struct amg_clock *clock,
                     struct amg_progress **p);
void amg_progress_free(struct amg_progress *p);

/* Every function below accepts p == NULL and then does nothing. */

/* A plugin starts; `label` ("export tokens") is copied (truncated at 63
 * bytes). */
void amg_progress_begin(struct amg_progress *p, const char *label);

/* done of total (total < 0: unknown). Throttled as described above. */
void amg_progress_update(struct amg_progress *p, long done, long total);

/* Clear the live line before other output goes to the terminal. */
void amg_progress_interrupt(struct amg_progress *p);

/* The plugin ended after `seconds`; `outcome` (may be NULL) is appended,
 * e.g. "failed". Prints the "done in" line. */
void amg_progress_end(struct amg_progress *p, double seconds, const char *outcome);

#endif

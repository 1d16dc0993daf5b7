/*
 * Shared set-up of the libFuzzer targets: JSON allocations through the
 * core's wrappers (so LeakSanitizer sees the same paths as the tests) and
 * the log silenced (the targets log on almost every input) unless
 * AMG_FUZZ_LOG is set, for looking at one input.
 */
#ifndef AMG_FUZZ_COMMON_H
#define AMG_FUZZ_COMMON_H

#include <stdio.h>
#include <stdlib.h>
#include "log.h"
#include "mem.h"

static inline void fuzz_setup(void)
{
    FILE *devnull;

    amg_mem_init();
    if (getenv("AMG_FUZZ_LOG")) {
        amg_log_set_level(AMG_LOG_DEBUG);
        return;
    }
    devnull = fopen("/dev/null", "w");
    if (!devnull)
        abort();
    /* Kept open for the life of the process. */
    amg_log_set_stream(devnull);
    amg_log_set_level(AMG_LOG_ERROR);
}

#endif

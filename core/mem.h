/*
 * Allocation wrappers and the allocation-failure test hook (curl's
 * "torture" idea, small). The wrappers are thin: memory from them is
 * ordinary libc memory, so amg_free() and free() are interchangeable at
 * run time. Core modules still pair them (amg_ allocation, amg_free) so
 * that the debug counter below balances; memory that libc or a library
 * allocated (scandir, getline, libconfig) is released with free().
 *
 * The test hook is always compiled in and inert until armed: each
 * allocation costs one relaxed atomic increment and one load of the
 * armed limit. No configure switch, so the test that uses it runs in
 * every build.
 *
 * Not intercepted: libconfig's own allocations (it has no allocator
 * hook), libc's internal ones (getline, scandir, nftw, stdio buffers),
 * OpenSSL's and libcurl's. JSON allocations are intercepted once
 * amg_mem_init() has run.
 */
#ifndef AMG_MEM_H
#define AMG_MEM_H

#include <stddef.h>

/* Route jansson's allocations through amg_malloc/amg_free. Call at the
 * start of main() and of test programs, before any jansson call (jansson
 * asks for that; the wrappers being plain libc memory, a value made
 * earlier is still freed correctly, it only skews amg_mem_live()).
 * Idempotent. */
void amg_mem_init(void);

/* As libc, but a size of 0 allocates 1 byte, so NULL always means
 * failure. amg_realloc leaves `ptr` untouched when it fails. */
void *amg_malloc(size_t size);
void *amg_calloc(size_t n, size_t size);
void *amg_realloc(void *ptr, size_t size);
char *amg_strdup(const char *s);
char *amg_strndup(const char *s, size_t n);
/* NULL is a no-op. */
void amg_free(void *ptr);

/*
 * Test hook. After amg_mem_fail_after(n) with n >= 0, the first n
 * allocations through the wrappers succeed and the (n+1)-th and every
 * later one fails (returns NULL) until the hook is disarmed with
 * amg_mem_fail_after(-1). Arming resets amg_mem_count().
 */
void amg_mem_fail_after(long n);

/* Allocation attempts (failed ones included) since the last
 * amg_mem_fail_after() call or process start. */
long amg_mem_count(void);

/* Allocations refused so far in the calling thread, by the hook or by
 * libc. jansson reports a failed allocation as a parse or encode error
 * (or not at all); comparing this count before and after a jansson call
 * tells "out of memory" apart. Needs amg_mem_init() for jansson's own
 * allocations to be seen. */
long amg_mem_failures(void);

/* Allocations from the wrappers not yet released with amg_free(): for
 * leak checks around one operation (compare before and after). */
long amg_mem_live(void);

#endif

/*
 * Allocation wrappers. The counters are atomics because the HTTP client
 * and plugins allocate (JSON) from worker threads; relaxed ordering is
 * enough: they count, they order nothing.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "mem.h"

static atomic_long fail_at = -1;    /* < 0: disarmed */
static atomic_long attempts;
static atomic_long live;
/* Per thread: a caller asks about the allocations its own call made. */
static _Thread_local long refused;

/* One allocation attempt: 1 if it must fail. */
static int must_fail(void)
{
    long n = atomic_fetch_add_explicit(&attempts, 1, memory_order_relaxed);
    long limit = atomic_load_explicit(&fail_at, memory_order_relaxed);

    if (limit < 0 || n < limit)
        return 0;
    refused++;
    return 1;
}

static void *counted(void *p)
{
    if (p)
        atomic_fetch_add_explicit(&live, 1, memory_order_relaxed);
    else
        refused++;
    return p;
}

void *amg_malloc(size_t size)
{
    if (must_fail())
        return NULL;
    return counted(malloc(size ? size : 1));
}

void *amg_calloc(size_t n, size_t size)
{
    if (must_fail())
        return NULL;
    if (n == 0 || size == 0)
        n = size = 1;
    return counted(calloc(n, size));
}

void *amg_realloc(void *ptr, size_t size)
{
    void *p;

    if (must_fail())
        return NULL;
    p = realloc(ptr, size ? size : 1);
    if (!p)
        refused++;
    /* Resizing an existing block adds no allocation. */
    return ptr || !p ? p : counted(p);
}

char *amg_strdup(const char *s)
{
    return amg_strndup(s, strlen(s));
}

char *amg_strndup(const char *s, size_t n)
{
    size_t len = strnlen(s, n);
    char *p = amg_malloc(len + 1);

    if (p) {
        memcpy(p, s, len);
        p[len] = '\0';
    }
    return p;
}

void amg_free(void *ptr)
{
    if (!ptr)
        return;
    atomic_fetch_sub_explicit(&live, 1, memory_order_relaxed);
    free(ptr);
}

void amg_mem_fail_after(long n)
{
    atomic_store_explicit(&attempts, 0, memory_order_relaxed);
    atomic_store_explicit(&fail_at, n < 0 ? -1 : n, memory_order_relaxed);
}

long amg_mem_count(void)
{
    return atomic_load_explicit(&attempts, memory_order_relaxed);
}

long amg_mem_failures(void)
{
    return refused;
}

long amg_mem_live(void)
{
    return atomic_load_explicit(&live, memory_order_relaxed);
}

void amg_mem_init(void)
{
    json_set_alloc_funcs(amg_malloc, amg_free);
}

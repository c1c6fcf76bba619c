/*
 * alloc.c — heap wrappers with failure injection. The only file allowed to call
 * malloc/realloc/free directly (scripts/checksrc.sh enforces it).
 */
#include "lakesink/alloc.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

static atomic_long ls__fail_at = -1;     /* countdown; -1 = off */
static atomic_int ls__fail_sticky = 0;
static atomic_uint ls__fail_one_in = 0;
static atomic_uint ls__rand_state = 1;
/* Set while any injection is configured: the common path reads one flag and touches no
 * shared counter (an atomic increment per allocation made threads contend). */
static atomic_int ls__armed = 0;
static _Thread_local uint64_t ls__count = 0;

static void ls__rearm(void)
{
    atomic_store(&ls__armed, atomic_load(&ls__fail_at) >= 0 || atomic_load(&ls__fail_one_in) != 0);
}

void ls_alloc_fail_after(long n, int sticky)
{
    atomic_store(&ls__fail_sticky, sticky);
    atomic_store(&ls__fail_at, n);
    ls__rearm();
}

void ls_alloc_fail_random(uint32_t one_in, uint32_t seed)
{
    atomic_store(&ls__rand_state, seed ? seed : 1);
    atomic_store(&ls__fail_one_in, one_in);
    ls__rearm();
}

uint64_t ls_alloc_count(void)
{
    return ls__count;
}

/* Returns non-zero when this allocation must fail. */
static int ls__should_fail(void)
{
    ls__count++;
    if (atomic_load_explicit(&ls__armed, memory_order_relaxed) == 0) {
        return 0;
    }
    long at = atomic_load(&ls__fail_at);
    if (at >= 0) {
        if (at == 0) {
            if (!atomic_load(&ls__fail_sticky)) {
                atomic_store(&ls__fail_at, -1);
            }
            return 1;
        }
        atomic_fetch_sub(&ls__fail_at, 1);
    }
    unsigned one_in = atomic_load(&ls__fail_one_in);
    if (one_in != 0) {
        /* xorshift32: cheap, deterministic per seed */
        unsigned x = atomic_load(&ls__rand_state);
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        atomic_store(&ls__rand_state, x);
        return (x % one_in) == 0;
    }
    return 0;
}

void *ls_malloc(size_t size)
{
    if (ls__should_fail()) {
        return NULL;
    }
    return malloc(size ? size : 1);
}

void *ls_calloc(size_t n, size_t size)
{
    if (size != 0 && n > SIZE_MAX / size) {
        return NULL;
    }
    if (ls__should_fail()) {
        return NULL;
    }
    return calloc(n ? n : 1, size ? size : 1);
}

void *ls_realloc(void *ptr, size_t size)
{
    if (ls__should_fail()) {
        return NULL;
    }
    return realloc(ptr, size ? size : 1);
}

void *ls_reallocarray(void *ptr, size_t n, size_t size)
{
    if (size != 0 && n > SIZE_MAX / size) {
        return NULL;
    }
    return ls_realloc(ptr, n * size);
}

void ls_free(void *ptr)
{
    free(ptr);
}

char *ls_strndup(const char *s, size_t n)
{
    char *p = ls_malloc(n + 1);
    if (p == NULL) {
        return NULL;
    }
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *ls_strdup(const char *s)
{
    return ls_strndup(s, strlen(s));
}

void *ls_memdup(const void *p, size_t n)
{
    void *q = ls_malloc(n);
    if (q != NULL && n > 0) {
        memcpy(q, p, n);
    }
    return q;
}

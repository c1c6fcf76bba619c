/*
 * alloc.h — the only door to the heap.
 *
 * Every allocation in lakesink goes through these wrappers so that tests can make
 * the Nth allocation fail (curl's "torture" idea) and a data path can prove it
 * returns LS_ERR_NOMEM instead of aborting. Not responsible for pooling: see arena.h.
 */
#ifndef LAKESINK_ALLOC_H
#define LAKESINK_ALLOC_H

#include <stddef.h>
#include <stdint.h>

/** @brief malloc(); returns NULL on failure or injected failure. Caller owns the result. */
void *ls_malloc(size_t size);
/** @brief calloc() with overflow check on n*size. Caller owns the result. */
void *ls_calloc(size_t n, size_t size);
/** @brief realloc(); on failure @p ptr is untouched and still owned by the caller. */
void *ls_realloc(void *ptr, size_t size);
/** @brief realloc() of n*size bytes with overflow check. */
void *ls_reallocarray(void *ptr, size_t n, size_t size);
/** @brief free(); NULL is fine. */
void ls_free(void *ptr);
/** @brief Copy of a NUL-terminated string; caller owns it (ls_free). */
char *ls_strdup(const char *s);
/** @brief Copy of the first @p n bytes of @p s plus a NUL; caller owns it. */
char *ls_strndup(const char *s, size_t n);
/** @brief Copy of @p n bytes; caller owns it. */
void *ls_memdup(const void *p, size_t n);

/**
 * @brief Failure injection: the allocation @p n calls from now fails (0 = the next one),
 * and every one after it while @p sticky is non-zero. n < 0 turns injection off.
 * Process-wide; meant for single-threaded tests.
 */
void ls_alloc_fail_after(long n, int sticky);

/**
 * @brief Random failure injection: each allocation fails with probability
 * 1/@p one_in (0 turns it off), driven by @p seed. Used by fuzz builds.
 */
void ls_alloc_fail_random(uint32_t one_in, uint32_t seed);

/** @brief Allocation calls made so far by the calling thread (for sizing injection loops). */
uint64_t ls_alloc_count(void);

#endif

/*
 * arena.h — bump allocator for objects that die together (a decoded batch's
 * temporaries, a parsed footer's strings). One ls_arena_free releases everything.
 * Not thread-safe: an arena belongs to one thread at a time.
 */
#ifndef LAKESINK_ARENA_H
#define LAKESINK_ARENA_H

#include <stddef.h>

typedef struct ls_arena_s ls_arena_t;

/**
 * @brief New arena that allocates blocks of at least @p block_size bytes and refuses
 * to hold more than @p max_bytes in total (0 = no cap). Caller owns it (ls_arena_free).
 */
ls_arena_t *ls_arena_new(size_t block_size, size_t max_bytes);
/** @brief Release every block and the arena. NULL is fine. */
void ls_arena_free(ls_arena_t *a);
/** @brief Keep the first block, drop the others, forget all allocations. */
void ls_arena_reset(ls_arena_t *a);
/** @brief 16-byte aligned memory owned by the arena; NULL on OOM or cap. */
void *ls_arena_alloc(ls_arena_t *a, size_t size);
/** @brief Zeroed arena memory for @p n items of @p size, overflow-checked. */
void *ls_arena_calloc(ls_arena_t *a, size_t n, size_t size);
/** @brief NUL-terminated copy of @p n bytes of @p s in the arena. */
char *ls_arena_strndup(ls_arena_t *a, const char *s, size_t n);
/** @brief Bytes handed out so far (not counting block slack). */
size_t ls_arena_used(const ls_arena_t *a);

#endif

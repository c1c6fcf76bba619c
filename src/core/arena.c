/*
 * arena.c — linked list of blocks, bump-pointer allocation.
 */
#include "lakesink/arena.h"

#include <stdint.h>
#include <string.h>

#include "lakesink/alloc.h"

typedef struct ls_arena_block_s {
    struct ls_arena_block_s *next;
    size_t size;
    size_t used;
    _Alignas(16) unsigned char data[];
} ls_arena_block_t;

struct ls_arena_s {
    ls_arena_block_t *head;
    size_t block_size;
    size_t max_bytes;
    size_t total; /* bytes of all blocks */
    size_t used;
};

ls_arena_t *ls_arena_new(size_t block_size, size_t max_bytes)
{
    ls_arena_t *a = ls_calloc(1, sizeof(*a));
    if (a == NULL) {
        return NULL;
    }
    a->block_size = block_size ? block_size : 4096;
    a->max_bytes = max_bytes;
    return a;
}

void ls_arena_free(ls_arena_t *a)
{
    if (a == NULL) {
        return;
    }
    ls_arena_block_t *b = a->head;
    while (b != NULL) {
        ls_arena_block_t *n = b->next;
        ls_free(b);
        b = n;
    }
    ls_free(a);
}

void ls_arena_reset(ls_arena_t *a)
{
    if (a->head == NULL) {
        return;
    }
    /* keep the oldest block: it is the one sized for the common case */
    ls_arena_block_t *b = a->head;
    while (b->next != NULL) {
        ls_arena_block_t *n = b->next;
        ls_free(b);
        b = n;
    }
    b->used = 0;
    a->head = b;
    a->total = b->size;
    a->used = 0;
}

void *ls_arena_alloc(ls_arena_t *a, size_t size)
{
    size_t need = (size + 15u) & ~(size_t)15u;
    if (need < size) {
        return NULL;
    }
    ls_arena_block_t *b = a->head;
    if (b == NULL || b->size - b->used < need) {
        size_t bs = need > a->block_size ? need : a->block_size;
        if (a->max_bytes != 0 && (bs > a->max_bytes || a->total > a->max_bytes - bs)) {
            return NULL;
        }
        ls_arena_block_t *nb = ls_malloc(sizeof(*nb) + bs);
        if (nb == NULL) {
            return NULL;
        }
        nb->size = bs;
        nb->used = 0;
        if (b != NULL && b->size - b->used > bs - need) {
            /* the current block has more room left than the new one: keep it in front */
            nb->next = b->next;
            b->next = nb;
        } else {
            nb->next = b;
            a->head = nb;
        }
        a->total += bs;
        b = nb;
    }
    void *p = b->data + b->used;
    b->used += need;
    a->used += size;
    return p;
}

void *ls_arena_calloc(ls_arena_t *a, size_t n, size_t size)
{
    if (size != 0 && n > SIZE_MAX / size) {
        return NULL;
    }
    void *p = ls_arena_alloc(a, n * size);
    if (p != NULL) {
        memset(p, 0, n * size);
    }
    return p;
}

char *ls_arena_strndup(ls_arena_t *a, const char *s, size_t n)
{
    char *p = ls_arena_alloc(a, n + 1);
    if (p == NULL) {
        return NULL;
    }
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

size_t ls_arena_used(const ls_arena_t *a)
{
    return a->used;
}

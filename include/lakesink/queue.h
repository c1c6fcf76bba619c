/*
 * queue.h — bounded, blocking, multi-producer multi-consumer queue of pointers,
 * and a small fixed worker pool built on it.
 *
 * The queue never owns the items: whoever pops an item owns it. Closing wakes every
 * waiter; pops drain what is left and then return LS_ERR_CLOSED.
 * @locality any thread.
 */
#ifndef LAKESINK_QUEUE_H
#define LAKESINK_QUEUE_H

#include <stddef.h>

#include "lakesink/error.h"

typedef struct ls_queue_s ls_queue_t;

/** @brief New queue holding at most @p capacity items. Caller owns it. */
ls_queue_t *ls_queue_new(size_t capacity);
/** @brief Free the queue (items left inside are not touched). NULL is fine. */
void ls_queue_free(ls_queue_t *q);
/**
 * @brief Push @p item, waiting up to @p timeout_ms while full (-1 = forever, 0 = never).
 * @returns LS_OK, LS_ERR_TIMEOUT (full), or LS_ERR_CLOSED.
 */
ls_err_t ls_queue_push(ls_queue_t *q, void *item, int timeout_ms);
/**
 * @brief Pop into @p item, waiting up to @p timeout_ms while empty.
 * @returns LS_OK, LS_ERR_TIMEOUT (empty), or LS_ERR_CLOSED (closed and drained).
 */
ls_err_t ls_queue_pop(ls_queue_t *q, void **item, int timeout_ms);
/** @brief Refuse further pushes and wake all waiters. */
void ls_queue_close(ls_queue_t *q);
/** @brief Items currently queued. */
size_t ls_queue_len(ls_queue_t *q);

typedef struct ls_pool_s ls_pool_t;
typedef void (*ls_pool_fn)(void *arg);

/** @brief Start @p nthreads workers (named @p name for debuggers). Caller owns the pool. */
ls_pool_t *ls_pool_new(int nthreads, const char *name);
/** @brief Queue fn(arg); blocks while the pool's queue is full. */
ls_err_t ls_pool_submit(ls_pool_t *p, ls_pool_fn fn, void *arg);
/** @brief Wait until every submitted task has finished. */
void ls_pool_wait(ls_pool_t *p);
/** @brief Finish queued tasks, stop the workers, free the pool. NULL is fine. */
void ls_pool_free(ls_pool_t *p);
/** @brief Number of worker threads. */
int ls_pool_size(const ls_pool_t *p);

#endif

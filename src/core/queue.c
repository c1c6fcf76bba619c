/*
 * queue.c — mutex + two condition variables around a ring buffer; the worker pool
 * is a queue of tasks and a completion counter.
 */
#include "lakesink/queue.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>

#include "lakesink/alloc.h"

struct ls_queue_s {
    pthread_mutex_t mu;
    pthread_cond_t not_empty;
    pthread_cond_t not_full;
    void **items;
    size_t cap, head, len;
    bool closed;
};

ls_queue_t *ls_queue_new(size_t capacity)
{
    if (capacity == 0) {
        return NULL;
    }
    ls_queue_t *q = ls_calloc(1, sizeof(*q));
    if (q == NULL) {
        return NULL;
    }
    q->items = ls_calloc(capacity, sizeof(void *));
    if (q->items == NULL) {
        ls_free(q);
        return NULL;
    }
    q->cap = capacity;
    pthread_mutex_init(&q->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&q->not_empty, &ca);
    pthread_cond_init(&q->not_full, &ca);
    pthread_condattr_destroy(&ca);
    return q;
}

void ls_queue_free(ls_queue_t *q)
{
    if (q == NULL) {
        return;
    }
    pthread_mutex_destroy(&q->mu);
    pthread_cond_destroy(&q->not_empty);
    pthread_cond_destroy(&q->not_full);
    ls_free(q->items);
    ls_free(q);
}

static struct timespec ls__deadline(int timeout_ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_sec += timeout_ms / 1000;
    ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    return ts;
}

/* Wait on @p cv until @p ready or timeout; returns false on timeout. Lock held. */
static bool ls__wait(pthread_cond_t *cv, pthread_mutex_t *mu, int timeout_ms,
                     const struct timespec *dl)
{
    if (timeout_ms == 0) {
        return false;
    }
    if (timeout_ms < 0) {
        pthread_cond_wait(cv, mu);
        return true;
    }
    return pthread_cond_timedwait(cv, mu, dl) != ETIMEDOUT;
}

ls_err_t ls_queue_push(ls_queue_t *q, void *item, int timeout_ms)
{
    struct timespec dl = ls__deadline(timeout_ms > 0 ? timeout_ms : 0);
    pthread_mutex_lock(&q->mu);
    while (!q->closed && q->len == q->cap) {
        if (!ls__wait(&q->not_full, &q->mu, timeout_ms, &dl)) {
            if (q->len == q->cap && !q->closed) {
                pthread_mutex_unlock(&q->mu);
                return LS_ERR_TIMEOUT;
            }
        }
    }
    if (q->closed) {
        pthread_mutex_unlock(&q->mu);
        return LS_ERR_CLOSED;
    }
    q->items[(q->head + q->len) % q->cap] = item;
    q->len++;
    pthread_cond_signal(&q->not_empty);
    pthread_mutex_unlock(&q->mu);
    return LS_OK;
}

ls_err_t ls_queue_pop(ls_queue_t *q, void **item, int timeout_ms)
{
    struct timespec dl = ls__deadline(timeout_ms > 0 ? timeout_ms : 0);
    pthread_mutex_lock(&q->mu);
    while (q->len == 0 && !q->closed) {
        if (!ls__wait(&q->not_empty, &q->mu, timeout_ms, &dl)) {
            if (q->len == 0 && !q->closed) {
                pthread_mutex_unlock(&q->mu);
                return LS_ERR_TIMEOUT;
            }
        }
    }
    if (q->len == 0) {
        pthread_mutex_unlock(&q->mu);
        return LS_ERR_CLOSED;
    }
    *item = q->items[q->head];
    q->head = (q->head + 1) % q->cap;
    q->len--;
    pthread_cond_signal(&q->not_full);
    pthread_mutex_unlock(&q->mu);
    return LS_OK;
}

void ls_queue_close(ls_queue_t *q)
{
    pthread_mutex_lock(&q->mu);
    q->closed = true;
    pthread_cond_broadcast(&q->not_empty);
    pthread_cond_broadcast(&q->not_full);
    pthread_mutex_unlock(&q->mu);
}

size_t ls_queue_len(ls_queue_t *q)
{
    pthread_mutex_lock(&q->mu);
    size_t n = q->len;
    pthread_mutex_unlock(&q->mu);
    return n;
}

typedef struct {
    ls_pool_fn fn;
    void *arg;
} ls__task_t;

struct ls_pool_s {
    ls_queue_t *tasks;
    pthread_t *threads;
    int nthreads;
    pthread_mutex_t mu;
    pthread_cond_t idle;
    size_t pending; /* submitted, not finished */
};

static void *ls__pool_main(void *arg)
{
    ls_pool_t *p = arg;
    void *item;
    while (ls_queue_pop(p->tasks, &item, -1) == LS_OK) {
        ls__task_t *t = item;
        t->fn(t->arg);
        ls_free(t);
        pthread_mutex_lock(&p->mu);
        if (--p->pending == 0) {
            pthread_cond_broadcast(&p->idle);
        }
        pthread_mutex_unlock(&p->mu);
    }
    return NULL;
}

ls_pool_t *ls_pool_new(int nthreads, const char *name)
{
    if (nthreads <= 0) {
        return NULL;
    }
    ls_pool_t *p = ls_calloc(1, sizeof(*p));
    if (p == NULL) {
        return NULL;
    }
    p->tasks = ls_queue_new((size_t)nthreads * 64);
    p->threads = ls_calloc((size_t)nthreads, sizeof(pthread_t));
    if (p->tasks == NULL || p->threads == NULL) {
        ls_queue_free(p->tasks);
        ls_free(p->threads);
        ls_free(p);
        return NULL;
    }
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->idle, NULL);
    for (int i = 0; i < nthreads; i++) {
        if (pthread_create(&p->threads[i], NULL, ls__pool_main, p) != 0) {
            break;
        }
        p->nthreads++;
        if (name != NULL) {
            char tn[32]; /* Linux takes 15 chars + NUL; longer names are cut below */
            snprintf(tn, sizeof(tn), "%.11s-%d", name, i);
            tn[15] = 0;
            pthread_setname_np(p->threads[i], tn);
        }
    }
    if (p->nthreads == 0) {
        ls_pool_free(p);
        return NULL;
    }
    return p;
}

ls_err_t ls_pool_submit(ls_pool_t *p, ls_pool_fn fn, void *arg)
{
    ls__task_t *t = ls_malloc(sizeof(*t));
    if (t == NULL) {
        return LS_ERR_NOMEM;
    }
    t->fn = fn;
    t->arg = arg;
    pthread_mutex_lock(&p->mu);
    p->pending++;
    pthread_mutex_unlock(&p->mu);
    ls_err_t rc = ls_queue_push(p->tasks, t, -1);
    if (rc != LS_OK) {
        ls_free(t);
        pthread_mutex_lock(&p->mu);
        p->pending--;
        pthread_mutex_unlock(&p->mu);
    }
    return rc;
}

void ls_pool_wait(ls_pool_t *p)
{
    pthread_mutex_lock(&p->mu);
    while (p->pending > 0) {
        pthread_cond_wait(&p->idle, &p->mu);
    }
    pthread_mutex_unlock(&p->mu);
}

void ls_pool_free(ls_pool_t *p)
{
    if (p == NULL) {
        return;
    }
    ls_queue_close(p->tasks);
    for (int i = 0; i < p->nthreads; i++) {
        pthread_join(p->threads[i], NULL);
    }
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->idle);
    ls_queue_free(p->tasks);
    ls_free(p->threads);
    ls_free(p);
}

int ls_pool_size(const ls_pool_t *p)
{
    return p->nthreads;
}

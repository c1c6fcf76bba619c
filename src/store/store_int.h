/*
 * store_int.h — what the store front end (store.c) shares with its backends (local.c, s3*.c).
 *
 * Responsible for: the store, writer and source bodies, the backend table, counters and the
 * small helpers every backend uses (key checks, clocks). Not a public contract: only src/store
 * and the store's unit tests include it.
 */
#ifndef LS_STORE_INT_H
#define LS_STORE_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "lakesink/store.h"

/* One backend. Keys reaching these have passed ls__store_key_check. */
typedef struct ls__store_ops_s {
    /* ranged: read exactly [off, off+len); otherwise the whole object (off/len unused) */
    ls_err_t (*get)(ls_store_t *st, const char *key, bool ranged, uint64_t off, size_t len,
                    ls_buf_t *out, ls_error_t *err);
    ls_err_t (*head)(ls_store_t *st, const char *key, uint64_t *size, int64_t *mtime_ms,
                     ls_error_t *err);
    ls_err_t (*put)(ls_store_t *st, const char *key, const void *data, size_t len,
                    bool if_absent, ls_error_t *err);
    ls_err_t (*del)(ls_store_t *st, const char *key, ls_error_t *err);
    ls_err_t (*list)(ls_store_t *st, const char *prefix, const char *start_after,
                     ls_store_list_cb cb, void *ud, ls_error_t *err);
    ls_err_t (*writer_open)(ls_store_t *st, ls_store_writer_t *w, ls_error_t *err);
    ls_err_t (*source_open)(ls_store_t *st, ls_store_source_t *h, ls_source_t *src,
                            ls_error_t *err);
    void (*free)(ls_store_t *st);
} ls__store_ops_t;

struct ls_store_s {
    const ls__store_ops_t *ops;
    char *uri;             /* owned */
    ls_store_opts_t opts;  /* copied; its pointers are NULL (the backend keeps what it needs) */
    void *impl;            /* backend state, owned by the backend */
    pthread_mutex_t mu;    /* guards stats */
    ls_store_stats_t stats;
};

/* The generic part of a writer; the backend fills the callbacks and owns impl. */
struct ls_store_writer_s {
    ls_store_t *st;
    char *key; /* owned */
    uint64_t bytes;
    bool failed; /* a write failed: only abort/commit (which then fails) are allowed */
    ls_err_t (*write)(ls_store_writer_t *w, const void *data, size_t len, ls_error_t *err);
    ls_err_t (*commit)(ls_store_writer_t *w, ls_error_t *err); /* must release impl */
    void (*abort)(ls_store_writer_t *w);                       /* must release impl */
    void *impl;
};

struct ls_store_source_s {
    ls_store_t *st;
    char *key;  /* owned */
    char *name; /* owned; "URI/key" for messages */
    void (*close)(ls_store_source_t *h); /* releases impl */
    void *impl;
};

extern const ls__store_ops_t ls__store_local_ops;
extern const ls__store_ops_t ls__store_s3_ops;

/* Backend constructors: set st->ops and st->impl. @p rest is the URI after the scheme. */
ls_err_t ls__store_local_init(ls_store_t *st, const char *root, ls_error_t *err);
ls_err_t ls__store_s3_init(ls_store_t *st, const char *rest, const ls_store_opts_t *opts,
                           ls_error_t *err);

/** @brief LS_OK when @p key is a valid relative key (see store.h), else LS_ERR_INVALID_ARG. */
ls_err_t ls__store_key_check(const char *key, ls_error_t *err);

/* Counters (thread-safe). */
void ls__store_count(ls_store_t *st, uint64_t requests, uint64_t retries, uint64_t up,
                     uint64_t down);
void ls__store_count_error(ls_store_t *st, unsigned status);
void ls__store_count_breaker(ls_store_t *st, bool tripped, bool rejected);

/** @brief Monotonic milliseconds (for timeouts and the breaker). */
uint64_t ls__mono_ms(void);
/** @brief Wall-clock milliseconds since the epoch. */
int64_t ls__wall_ms(void);
/** @brief Sleep @p ms milliseconds (restarts after signals). */
void ls__sleep_ms(uint64_t ms);

#endif

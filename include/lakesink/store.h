/*
 * store.h — object storage for tables: one interface over a local directory and an S3 bucket.
 *
 * Responsible for: reading, writing, listing and deleting objects addressed by keys relative to a
 * table root; atomic put-if-absent (the Delta commit primitive); streaming uploads that never hold
 * a whole file in memory; S3 signing, credentials, retries, a circuit breaker and counters.
 * Not responsible for: what the objects mean (Delta log, Parquet) or caching their contents.
 *
 * A store is chosen by URI: a plain path or `file://PATH` is a local directory; `s3://BUCKET/PREFIX`
 * is an S3 bucket (or an S3-compatible endpoint). Keys are '/'-separated relative paths such as
 * `_delta_log/00000000000000000000.json`: not empty, no leading '/', no empty, "." or ".."
 * components, no NUL. Every function may be called from several threads at once on one store;
 * a writer or a source handle belongs to one thread at a time.
 */
#ifndef LAKESINK_STORE_H
#define LAKESINK_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lakesink/buf.h"
#include "lakesink/error.h"
#include "lakesink/io.h"

typedef struct ls_store_s ls_store_t;
typedef struct ls_store_writer_s ls_store_writer_t;
typedef struct ls_store_source_s ls_store_source_t;

#define LS_STORE_MIN_PART_SIZE ((size_t)5 << 20)     /* S3's minimum for all but the last part */
#define LS_STORE_DEFAULT_PART_SIZE ((size_t)8 << 20) /* multipart part size */

/* Retry and circuit-breaker policy for remote stores (ignored by the local backend). */
typedef struct ls_store_retry_s {
    unsigned max_attempts;        /* tries per request including the first; >= 1 (default 8) */
    unsigned base_ms;             /* backoff before retry n is rand[0, min(cap, base * 2^n)) (100) */
    unsigned cap_ms;              /* (default 10000) */
    unsigned breaker_threshold;   /* consecutive failed requests that open the breaker; 0 = off (10) */
    unsigned breaker_cooldown_ms; /* how long an open breaker fails requests fast (30000) */
} ls_store_retry_t;

/*
 * Options. Start from ls_store_opts_init(); every pointer is borrowed and only read during
 * ls_store_open() (the store keeps copies).
 */
typedef struct ls_store_opts_s {
    /* S3 */
    const char *region;            /* NULL: AWS_REGION, AWS_DEFAULT_REGION, profile, us-east-1 */
    const char *endpoint;          /* NULL: AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, or AWS */
    int path_style;                /* -1 auto (path-style when an endpoint is set), 0 no, 1 yes */
    const char *profile;           /* NULL: AWS_PROFILE or "default" */
    const char *access_key_id;     /* explicit credentials; NULL: the standard AWS chain */
    const char *secret_access_key; /* (never logged, never in an error message) */
    const char *session_token;     /* optional with explicit credentials */
    const char *sse;               /* NULL, "AES256" or "aws:kms" */
    const char *sse_kms_key_id;    /* with sse = "aws:kms"; NULL = the bucket's default key */
    size_t part_size;              /* multipart part size, >= LS_STORE_MIN_PART_SIZE */
    unsigned list_page_size;       /* ListObjectsV2 max-keys, 1..1000 (default 1000) */
    unsigned connect_timeout_ms;   /* TCP+TLS connect (default 10000) */
    unsigned stall_timeout_ms;     /* abort a transfer that moves no byte this long (30000) */
    ls_store_retry_t retry;
    /* local */
    bool fsync; /* fsync files and directories (default true; off only for throw-away data) */
} ls_store_opts_t;

/* Counters since ls_store_open(), for /metrics and tests. */
#define LS_STORE_STATUS_SLOTS 16
typedef struct ls_store_stats_s {
    uint64_t requests;        /* HTTP requests sent (S3) or operations done (local) */
    uint64_t retries;         /* requests that were a retry of a failed one */
    uint64_t bytes_up;        /* payload bytes sent */
    uint64_t bytes_down;      /* payload bytes received */
    uint64_t errors;          /* failed requests: transport errors plus HTTP >= 300 */
    uint64_t breaker_trips;   /* times the circuit breaker opened */
    uint64_t breaker_rejects; /* requests refused while it was open */
    /* failed requests by HTTP status; status 0 = transport error (reset, refused, timeout) */
    struct {
        uint16_t status;
        uint64_t count;
    } by_status[LS_STORE_STATUS_SLOTS];
    uint64_t by_status_other; /* statuses that found no free slot */
} ls_store_stats_t;

/* One listed object. `key` is borrowed and valid only during the callback. */
typedef struct ls_store_entry_s {
    const char *key; /* relative to the store root */
    uint64_t size;
    int64_t mtime_ms; /* last modification, ms since the epoch */
} ls_store_entry_t;

/*
 * Listing callback. Return LS_OK to go on, LS_ERR_CLOSED to stop early (ls_store_list then
 * returns LS_OK), anything else to abort the listing with that code (fill @p err).
 */
typedef ls_err_t (*ls_store_list_cb)(void *ud, const ls_store_entry_t *entry, ls_error_t *err);

/** @brief Fill @p opts with the defaults. */
void ls_store_opts_init(ls_store_opts_t *opts);

/**
 * @brief Open the store named by @p uri.
 * @param opts NULL for the defaults.
 * @param out receives the store; the caller owns it (ls_store_free).
 * @returns LS_ERR_INVALID_ARG for a malformed URI, LS_ERR_CONFIG for bad options or no S3
 * credentials anywhere in the chain. The local directory need not exist yet.
 */
ls_err_t ls_store_open(const char *uri, const ls_store_opts_t *opts, ls_store_t **out,
                       ls_error_t *err);

/** @brief Close @p st. Writers and sources made from it must be finished first. NULL is fine. */
void ls_store_free(ls_store_t *st);

/** @brief The URI the store was opened with (owned by the store). */
const char *ls_store_uri(const ls_store_t *st);

/** @brief True for an S3 store, false for a local one. */
bool ls_store_is_remote(const ls_store_t *st);

/**
 * @brief Append the whole object @p key to @p out (its cap applies: LS_ERR_LIMIT when too big).
 * @returns LS_ERR_NOT_FOUND when there is no such object. On failure @p out keeps its old length.
 */
ls_err_t ls_store_get(ls_store_t *st, const char *key, ls_buf_t *out, ls_error_t *err);

/**
 * @brief Append bytes [offset, offset + len) of @p key to @p out.
 * @returns LS_ERR_INVALID_ARG when the range is not entirely inside the object,
 * LS_ERR_NOT_FOUND when there is no such object. len == 0 reads nothing and succeeds.
 */
ls_err_t ls_store_get_range(ls_store_t *st, const char *key, uint64_t offset, size_t len,
                            ls_buf_t *out, ls_error_t *err);

/**
 * @brief Size and modification time of @p key.
 * @param size, mtime_ms may be NULL.
 * @returns LS_ERR_NOT_FOUND when there is no such object.
 */
ls_err_t ls_store_head(ls_store_t *st, const char *key, uint64_t *size, int64_t *mtime_ms,
                       ls_error_t *err);

/**
 * @brief Create or replace @p key with @p len bytes. Readers see the old or the new object,
 * never a mix (local: temp file + rename; S3: one PUT).
 */
ls_err_t ls_store_put(ls_store_t *st, const char *key, const void *data, size_t len,
                      ls_error_t *err);

/**
 * @brief Create @p key only if no object has that key; atomic against concurrent writers.
 * An existing object with exactly these bytes counts as success: that is this very write,
 * retried after its answer was lost (S3), so a retried commit is not mistaken for a conflict.
 * @returns LS_ERR_EXISTS when the key holds other bytes (the existing object is untouched).
 */
ls_err_t ls_store_put_if_absent(ls_store_t *st, const char *key, const void *data, size_t len,
                                ls_error_t *err);

/** @brief Delete @p key. Deleting a missing key succeeds (as on S3). */
ls_err_t ls_store_del(ls_store_t *st, const char *key, ls_error_t *err);

/**
 * @brief Call @p cb for every object whose key starts with @p prefix and sorts after
 * @p start_after, in ascending byte order of keys.
 * @param prefix, start_after NULL or "" for none. @p prefix is a string prefix, not a directory.
 */
ls_err_t ls_store_list(ls_store_t *st, const char *prefix, const char *start_after,
                       ls_store_list_cb cb, void *ud, ls_error_t *err);

/**
 * @brief Start a streaming upload of @p key. Nothing is visible under @p key until
 * ls_store_writer_commit() succeeds. Local: a temp file renamed on commit. S3: bytes collect in
 * one part buffer; each full part is uploaded at once (multipart), a small object is one PUT.
 * @param out receives the writer; finish it with exactly one of commit or abort.
 */
ls_err_t ls_store_writer_open(ls_store_t *st, const char *key, ls_store_writer_t **out,
                              ls_error_t *err);

/** @brief A sink writing into @p w; valid until commit or abort. */
ls_sink_t ls_store_writer_sink(ls_store_writer_t *w);

/** @brief Bytes written into @p w so far. */
uint64_t ls_store_writer_bytes(const ls_store_writer_t *w);

/**
 * @brief Make the object visible under its key (replacing an older one) and free @p w.
 * On failure everything written is discarded (temp file removed, multipart upload aborted)
 * and @p w is freed all the same.
 */
ls_err_t ls_store_writer_commit(ls_store_writer_t *w, ls_error_t *err);

/** @brief Discard everything written and free @p w. NULL is fine. */
void ls_store_writer_abort(ls_store_writer_t *w);

/**
 * @brief Open @p key for positional reads (local: pread; S3: ranged GETs, with a small
 * read-ahead window so a footer read costs one request).
 * @param out receives the handle the caller must ls_store_source_close() after @p src's last use.
 * @param src filled with a source whose ctx and name belong to the handle.
 */
ls_err_t ls_store_source_open(ls_store_t *st, const char *key, ls_store_source_t **out,
                              ls_source_t *src, ls_error_t *err);

/** @brief Release a source handle. NULL is fine. */
void ls_store_source_close(ls_store_source_t *h);

/** @brief Copy the store's counters into @p out. */
void ls_store_stats(ls_store_t *st, ls_store_stats_t *out);

/** @brief Failed requests with HTTP status @p status (0 = transport errors) in @p s. */
uint64_t ls_store_stats_status(const ls_store_stats_t *s, unsigned status);

#endif

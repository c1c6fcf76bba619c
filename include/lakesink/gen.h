/*
 * gen.h — deterministic generators of realistic events, shared by the benchmarks, the
 * demo and (later) `lakesink produce`: the same seed and index always give the same
 * bytes, on every platform.
 *
 * Not responsible for: writing anywhere (callers own the output buffer) or pacing.
 */
#ifndef LAKESINK_GEN_H
#define LAKESINK_GEN_H

#include <stdint.h>

#include "lakesink/buf.h"
#include "lakesink/error.h"

/* Generator state: a small value type, no cleanup. One per thread. */
typedef struct ls_gen_s {
    uint64_t state;  /* splitmix64 */
    int64_t base_s;  /* epoch seconds of event 0 */
} ls_gen_t;

/** @brief Start at @p seed (0 = the default stream) with event 0 at @p base_s (epoch s). */
void ls_gen_init(ls_gen_t *g, uint64_t seed, int64_t base_s);

/**
 * @brief Append user event number @p i as one NDJSON line (object + '\n') to @p out:
 * user_id, event_type, timestamp (ms, UTC), page_url, session_id and nested
 * properties{category, price, quantity, metadata{campaign, ab}}; about 270 bytes.
 * Events must be generated in order of @p i for a given generator.
 */
ls_err_t ls_gen_user_event(ls_gen_t *g, uint64_t i, ls_buf_t *out);

/** @brief The Delta schema JSON of the user events (timestamp typed as timestamp). */
const char *ls_gen_user_event_schema(void);

/* ------------------------------------------------------------ orders */

/**
 * @brief Append order number @p i as one NDJSON line to @p out: order_id (unique per
 * @p i, "ord_%010u"), customer_id, status, created_at (ISO-8601 UTC, ms), currency,
 * items[1..4]{sku, quantity, unit_price}, total (the sum of the items, 2 decimals) and
 * shipping{country, city, zip}. Same determinism rule as ls_gen_user_event.
 */
ls_err_t ls_gen_order(ls_gen_t *g, uint64_t i, ls_buf_t *out);

/* ------------------------------------------------------------ change data capture */

/* Rows a CDC stream keeps alive at most (deletes start before the window is full). */
#define LS_GEN_CDC_WINDOW 256

/*
 * State of a Debezium-shaped change stream of one table ("inventory.customers"): a value
 * type (about 2 KiB, no cleanup). Rows are created with increasing ids, updated at
 * random and deleted oldest first; each row's version is kept so an update's "before"
 * is exactly the previous "after".
 */
typedef struct ls_gen_cdc_s {
    ls_gen_t g;
    uint64_t seq;      /* events emitted, tombstones included */
    uint64_t lo, hi;   /* live row ids are [lo, hi) */
    uint64_t tomb_id;  /* row whose tombstone is due (when tomb_due) */
    int tomb_due;
    uint32_t ver[LS_GEN_CDC_WINDOW]; /* version of row id, at id % WINDOW */
} ls_gen_cdc_t;

/** @brief Start a change stream; @p seed and @p base_s as for ls_gen_init. */
void ls_gen_cdc_init(ls_gen_cdc_t *c, uint64_t seed, int64_t base_s);

/**
 * @brief Append the next change event of the stream. The key ({"id":N}, no newline) goes
 * to @p key; the value (the envelope before, after, source{version, connector, name,
 * ts_ms, db, table, lsn}, op and ts_ms, plus '\n') to @p value. The first 16 events are
 * snapshot reads (op "r"), then creates "c", updates "u" and deletes "d". Every delete is
 * followed by a tombstone: *tombstone is set to 1, the key repeats and nothing is
 * appended to @p value (the message value must be null).
 */
ls_err_t ls_gen_cdc_next(ls_gen_cdc_t *c, ls_buf_t *key, ls_buf_t *value, int *tombstone);

#endif

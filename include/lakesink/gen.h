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

#endif

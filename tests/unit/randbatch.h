/*
 * randbatch.h — deterministic random Delta schemas and rows for property tests: every
 * primitive type, structs, arrays and maps nested up to three levels, nulls at every
 * nullable level, empty vs null collections, edge values (INT64_MIN, NaN, -0.0,
 * subnormals, decimal limits, years 0001 and 9999).
 *
 * Shared by tests/unit/test_roundtrip.c (our writer -> our reader) and
 * tests/interop/randcase_gen.c (our writer -> DuckDB). Not responsible for writing or
 * comparing anything. Links against the library only (no cmocka), so the interop
 * generator can use it too.
 *
 * Determinism: the same seed and flags give the same schema, rows and ls_rb_next()
 * sequence with any compiler (every random draw is sequenced explicitly).
 */
#ifndef LS_RANDBATCH_H
#define LS_RANDBATCH_H

#include <stddef.h>
#include <stdint.h>

#include "lakesink/columnar.h"
#include "lakesink/error.h"
#include "lakesink/schema.h"

/* Options (ls_rb_init flags); 0 is the round-trip test's generator. */
enum {
    /* Map keys unique within each map, as Parquet and Delta require. The round trip through
     * our own reader keeps repeated keys, but NDJSON cannot: a JSON object merges duplicate
     * members (last wins). */
    LS_RB_UNIQUE_MAP_KEYS = 1u << 0,
    /* Strings (values, not map keys) drawn from pieces that need JSON escapes (quote,
     * backslash, control characters, NUL) and 2- to 4-byte UTF-8, instead of the plain
     * generator's letters and one accented character. */
    LS_RB_TEXT_ESCAPES = 1u << 1,
    /* Half the timestamps anywhere in years 0001..9999 (and at both ends), not only in
     * the plain generator's 1934..2112. */
    LS_RB_WIDE_TIMESTAMPS = 1u << 2,
    /* Half the decimals of precision > 18 use all their digits (up to 38), not only 18. */
    LS_RB_WIDE_DECIMALS = 1u << 3
};

typedef struct ls_rb_s {
    uint64_t rng;   /* xorshift64* state */
    int null_pct;   /* chance (percent) that a nullable value is null */
    int max_items;  /* entries per array or map: 0..max_items */
    unsigned flags; /* LS_RB_* */
} ls_rb_t;

/**
 * @brief Seed a generator: null rate and collection sizes also vary with @p seed.
 * @param flags LS_RB_* options (0 = the round-trip test's values).
 */
void ls_rb_init(ls_rb_t *g, uint64_t seed, unsigned flags);

/** @brief Uniform draw in [0, @p n) (0 when @p n is 0), from the same stream. */
uint64_t ls_rb_next(ls_rb_t *g, uint64_t n);

/**
 * @brief A random root STRUCT of 1..6 top-level fields "c0".."c5" (nested fields "f0"..).
 * @returns the schema (caller owns, ls_type_free), or NULL when out of memory.
 */
ls_type_t *ls_rb_schema(ls_rb_t *g);

/**
 * @brief Append @p nrows random rows to @p b, whose layout must be canonical
 * (ls_layout_new of a schema from ls_rb_schema).
 * @returns LS_OK, LS_ERR_NOMEM or LS_ERR_LIMIT (batch cap); on error the rows already
 * committed stay, the partial row is rolled back.
 */
ls_err_t ls_rb_rows(ls_rb_t *g, ls_batch_t *b, size_t nrows);

#endif

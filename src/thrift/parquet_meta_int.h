/*
 * parquet_meta_int.h — private helpers shared by the parquet_meta_*.c files: a
 * table-driven struct decoder on top of the compact reader, arena copies, required
 * field checks, and the pieces used by both the footer and the page headers
 * (Statistics, KeyValue lists).
 *
 * Not responsible for: the public structs (include/lakesink/parquet_meta.h).
 * Ownership: decoders copy every string and byte range into the arena of the
 * ls__pq_dec_t; nothing returned points into the input.
 */
#ifndef LS_THRIFT_PARQUET_META_INT_H
#define LS_THRIFT_PARQUET_META_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "compact.h"
#include "lakesink/parquet_meta.h"

typedef struct ls__pq_dec_s {
    ls_thrift_reader_t r;
    ls_arena_t *arena; /* borrowed: receives every decoded string and array */
} ls__pq_dec_t;

/* Handles one field of a struct; sets the field's bit in *seen when it was taken. */
typedef void (*ls__pq_field_fn)(ls__pq_dec_t *d, void *obj, const ls_thrift_field_t *f,
                                uint64_t *seen);

/* Describes a struct for ls__pq_dec_struct: its name, field names by id (for messages),
 * the bit mask of required field ids, and the field handler. */
typedef struct ls__pq_struct_desc_s {
    const char *name;
    const char *const *fields;
    unsigned num_fields; /* entries in fields[], indexed by field id */
    uint64_t required;
    ls__pq_field_fn field;
} ls__pq_struct_desc_t;

#define LS__PQ_BIT(id) ((uint64_t)1 << (id))

/** @brief Decode one struct described by @p desc into @p obj (fields it does not
 * see are left as they are, so callers preset defaults). */
void ls__pq_dec_struct(ls__pq_dec_t *d, const ls__pq_struct_desc_t *desc, void *obj);

/**
 * @brief Decode a list<struct> into a zeroed arena array of @p elem_size elements.
 * @param min_bytes smallest encoding of one element (bounds the count before allocating)
 * @returns the array (NULL when empty or on error); @p count receives its length.
 */
void *ls__pq_dec_struct_list(ls__pq_dec_t *d, const ls__pq_struct_desc_t *desc, size_t elem_size,
                             size_t min_bytes, uint32_t *count);

/** @brief True when @p f has wire type @p t (marks it in *seen); else skips it. */
bool ls__pq_want(ls__pq_dec_t *d, const ls_thrift_field_t *f, ls_thrift_type_t t, uint64_t *seen);
/** @brief A string copied into the arena, NUL-terminated. */
const char *ls__pq_dec_string(ls__pq_dec_t *d);
/** @brief A binary copied into the arena (never NULL on success, even when empty). */
const uint8_t *ls__pq_dec_bytes(ls__pq_dec_t *d, uint32_t *len);
/** @brief Latch LS_ERR_CORRUPT when @p v is negative; @p what names the field. */
void ls__pq_nonneg(ls__pq_dec_t *d, int64_t v, const char *what);
/** @brief Latch LS_ERR_CORRUPT when @p v is outside [lo, hi]. */
void ls__pq_range(ls__pq_dec_t *d, int64_t v, int64_t lo, int64_t hi, const char *what);

void ls__pq_dec_stats(ls__pq_dec_t *d, ls_pq_stats_t *st);
void ls__pq_dec_kv_list(ls__pq_dec_t *d, ls_pq_kv_t **kv, uint32_t *n);

/**
 * @brief Turn the reader's state into the call's result: prefixes @p what to the
 * message of a latched error, and returns its code.
 */
ls_err_t ls__pq_dec_finish(ls__pq_dec_t *d, const char *what);

/* ---- encode ---- */

typedef struct ls__pq_enc_s {
    ls_thrift_writer_t w;
    ls_error_t *err; /* may be NULL */
    bool have_msg;   /* err already holds the message of the latched error */
} ls__pq_enc_t;

/** @brief Latch an error with a message (first one wins). */
void ls__pq_enc_fail(ls__pq_enc_t *e, ls_err_t code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/** @brief Latch LS_ERR_INVALID_ARG when @p p is NULL but @p n elements are claimed. */
bool ls__pq_enc_array_ok(ls__pq_enc_t *e, const void *p, uint32_t n, const char *what);
void ls__pq_enc_stats(ls__pq_enc_t *e, int16_t id, const ls_pq_stats_t *st);
void ls__pq_enc_kv_list(ls__pq_enc_t *e, int16_t id, const ls_pq_kv_t *kv, uint32_t n);
/**
 * @brief Finish an encode: on error, cut @p out back to @p start_len and return the code
 * with a message naming @p what.
 */
ls_err_t ls__pq_enc_finish(ls__pq_enc_t *e, ls_buf_t *out, size_t start_len, const char *what);

#endif

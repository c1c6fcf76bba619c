/*
 * pqread_int.h — private interfaces of the Parquet reader (module pqread).
 *
 * Responsible for: the pieces read.c assembles: bit-level decoders (bits.c), value
 * decoders per encoding (values.c), the file-schema to layout mapping (schema.c),
 * value conversion into batch columns (convert.c) and column-chunk/page reading
 * (chunk.c). Not part of the public API; names use the internal `ls__` prefix.
 *
 * Ownership: decoders never allocate except through an ls__scratch_t the caller owns;
 * every pointer they return (views) borrows the input or the caller's scratch. Plans
 * and paths built by ls__pqr_layout_build live in the returned layout's arena.
 *
 * Every decoder bounds each read by the bytes it was given and fails with
 * LS_ERR_CORRUPT and a short message (no position prefix: callers add the file, row
 * group, column and page with ls_error_prefix).
 */
#ifndef LS_PQREAD_INT_H
#define LS_PQREAD_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lakesink/codec.h"
#include "lakesink/columnar.h"
#include "lakesink/error.h"
#include "lakesink/parquet.h"
#include "lakesink/parquet_meta.h"

/* Parquet stores numbers little-endian; the decoders copy them with memcpy. */
#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the Parquet reader assumes a little-endian host"
#endif

/* ------------------------------------------------------------------ limits */

/* Footers above this are refused: real ones are kilobytes to a few megabytes. */
#define LS__PQ_MAX_FOOTER ((uint64_t)64 << 20)
/* Largest decompressed page (or dictionary page) the reader accepts. */
#define LS__PQ_MAX_PAGE ((size_t)1 << 30)
/* Default cap on the memory of one decoded row group batch. */
#define LS__PQ_MAX_BATCH ((size_t)4 << 30)
/* Schema nesting depth; also bounds def/rep levels (stored as uint8_t). */
#define LS__PQ_MAX_DEPTH 64
/* Bytes added to column chunks of old parquet-mr files (see ls__chunk_range). */
#define LS__PQ_DICT_HEADER_PAD 100
/* Footer decode arena cap: compact Thrift expands roughly 10-100x into structs. */
#define LS__PQ_MAX_META_ARENA ((size_t)1 << 30)

/* ---------------------------------------------------------------- scratch */

/* A reusable, capped heap buffer. */
typedef struct ls__scratch_s {
    uint8_t *p;
    size_t cap;
} ls__scratch_t;

/**
 * @brief Make @p s hold at least @p n bytes (contents are not kept).
 * @returns LS_ERR_LIMIT past @p max, LS_ERR_NOMEM.
 */
ls_err_t ls__pqr_scratch_reserve(ls__scratch_t *s, size_t n, size_t max, ls_error_t *err);
/** @brief Release the buffer; @p s is empty afterwards. */
void ls__pqr_scratch_free(ls__scratch_t *s);

/* -------------------------------------------------------------- bit level */

/** @brief Bits needed to store @p max_value (0 for 0). */
unsigned ls__pqr_bit_width(uint32_t max_value);

/**
 * @brief ULEB128 varint at *p (bounded by @p end, at most 10 bytes); advances *p.
 * @returns false when the input ends or the value exceeds 64 bits.
 */
bool ls__pqr_uleb(const uint8_t **p, const uint8_t *end, uint64_t *out);

/**
 * @brief Unpack @p n values of @p bw bits (0..32), LSB-first, starting at bit @p bit0
 * of @p p. The caller guarantees the bits lie within @p len bytes.
 */
void ls__pqr_unpack32(const uint8_t *p, size_t len, uint64_t bit0, unsigned bw, uint32_t *out,
                      size_t n);
/** @brief As ls__pqr_unpack32 for widths 0..64. */
void ls__pqr_unpack64(const uint8_t *p, size_t len, uint64_t bit0, unsigned bw, uint64_t *out,
                      size_t n);

/* RLE / bit-packed hybrid decoder state (no length prefix: callers strip it). */
typedef struct ls__rle_s {
    const uint8_t *p, *end;
    unsigned bw;
    uint64_t rle_left; /* values left in the current RLE run */
    uint32_t rle_val;
    const uint8_t *bp; /* current bit-packed run */
    size_t bp_len;     /* its bytes */
    uint64_t bp_left;  /* values left in it */
    uint64_t bp_next;  /* index of its next value */
} ls__rle_t;

/** @brief Start decoding @p len bytes at @p p with bit width @p bw (0..32). */
void ls__pqr_rle_init(ls__rle_t *d, const uint8_t *p, size_t len, unsigned bw);
/** @brief Next @p n values; LS_ERR_CORRUPT when the runs end early or are malformed. */
ls_err_t ls__pqr_rle_read(ls__rle_t *d, uint32_t *out, size_t n, ls_error_t *err);
/** @brief Next @p n values as bytes, each checked to be <= @p max (levels). */
ls_err_t ls__pqr_rle_read_levels(ls__rle_t *d, uint8_t *out, size_t n, unsigned max,
                                 ls_error_t *err);
/**
 * @brief Legacy BIT_PACKED levels (MSB-first, no runs): @p n values of @p bw bits.
 * @param used receives the bytes consumed (ceil(n * bw / 8)).
 */
ls_err_t ls__pqr_bitpacked_levels(const uint8_t *p, size_t len, unsigned bw, uint8_t *out, size_t n,
                                  unsigned max, size_t *used, ls_error_t *err);

/* ---------------------------------------------------------- value decoders */

/* A byte-array value: borrowed pointer into a page, dictionary or scratch buffer. */
typedef struct ls__view_s {
    const uint8_t *p;
    uint32_t len;
} ls__view_t;

/* Decoded physical values: fixed-width bytes, or views for BYTE_ARRAY (width 0). */
typedef struct ls__vec_s {
    size_t n;
    uint32_t width;
    uint8_t *fixed;    /* n * width bytes (borrowed) */
    ls__view_t *views; /* n views (borrowed) */
} ls__vec_t;

/* Scratch space the value decoders may use (owned by the caller). */
typedef struct ls__dec_scratch_s {
    ls__scratch_t ints; /* delta-decoded lengths / prefixes */
    ls__scratch_t ints2;
    ls__scratch_t views; /* suffix views */
    ls__scratch_t bytes; /* DELTA_BYTE_ARRAY reconstruction */
    size_t max;          /* cap for each buffer */
} ls__dec_scratch_t;

/** @brief Free every buffer of @p s. */
void ls__pqr_dec_scratch_free(ls__dec_scratch_t *s);

/** @brief PLAIN fixed width: copy @p n values of @p w bytes to @p out. */
ls_err_t ls__pqr_plain_fixed(const uint8_t *p, size_t len, uint32_t w, size_t n, uint8_t *out,
                             size_t *used, ls_error_t *err);
/** @brief PLAIN BOOLEAN (bit-packed, LSB-first) into 0/1 bytes. */
ls_err_t ls__pqr_plain_bool(const uint8_t *p, size_t len, size_t n, uint8_t *out, size_t *used,
                            ls_error_t *err);
/** @brief PLAIN BYTE_ARRAY: 4-byte lengths and bytes; views borrow @p p. */
ls_err_t ls__pqr_plain_bytes(const uint8_t *p, size_t len, size_t n, ls__view_t *out, size_t *used,
                             ls_error_t *err);
/** @brief RLE BOOLEAN values: 4-byte length, then the hybrid with bit width 1. */
ls_err_t ls__pqr_rle_bool(const uint8_t *p, size_t len, size_t n, uint8_t *out, ls_error_t *err);
/**
 * @brief DELTA_BINARY_PACKED: the first @p n values as @p out_width (4 or 8) byte
 * integers (wrapping arithmetic, truncated to the width).
 * @param used when non-NULL: the stream must hold exactly @p n values, and *used
 *        receives its length (the data that follows starts there).
 */
ls_err_t ls__pqr_delta_binary(const uint8_t *p, size_t len, size_t n, void *out, unsigned out_width,
                              size_t *used, ls_error_t *err);
/** @brief DELTA_LENGTH_BYTE_ARRAY: @p n views borrowing @p p. */
ls_err_t ls__pqr_delta_length(const uint8_t *p, size_t len, size_t n, ls__view_t *out,
                              ls__dec_scratch_t *s, size_t *used, ls_error_t *err);
/**
 * @brief DELTA_BYTE_ARRAY: @p n values rebuilt into s->bytes; views borrow it.
 * @param fixed_width non-zero for FIXED_LEN_BYTE_ARRAY: every value must have it.
 */
ls_err_t ls__pqr_delta_bytes(const uint8_t *p, size_t len, size_t n, ls__view_t *out,
                             uint32_t fixed_width, ls__dec_scratch_t *s, ls_error_t *err);
/**
 * @brief BYTE_STREAM_SPLIT of values @p w bytes wide: the page holds len / w values
 * (len must be a multiple of w and hold at least @p n); the first @p n go to @p out.
 */
ls_err_t ls__pqr_byte_stream_split(const uint8_t *p, size_t len, uint32_t w, size_t n, uint8_t *out,
                                   ls_error_t *err);
/**
 * @brief Dictionary indices (1-byte bit width, then the hybrid) gathered from @p dict
 * into @p out (fixed bytes or views, like @p dict), every index bounds-checked.
 */
ls_err_t ls__pqr_dict_gather(const uint8_t *p, size_t len, const ls__vec_t *dict, size_t n,
                             ls__vec_t *out, ls_error_t *err);

/* --------------------------------------------------------- schema mapping */

/* How a file column's physical values become the leaf's stored values. */
typedef enum {
    LS__CONV_COPY = 0, /* same bytes (bool, int32, int64, float, double, BA, FLBA) */
    LS__CONV_U8,       /* int32 -> low 8 bits, zero-extended (UINT_8 as short) */
    LS__CONV_U16,      /* int32 -> low 16 bits (UINT_16 as integer) */
    LS__CONV_U32,      /* int32 bits -> zero-extended int64 (UINT_32 as long) */
    LS__CONV_MUL,      /* int32/int64 * factor -> int64, overflow is an error */
    LS__CONV_FLOORDIV, /* int64 / factor, rounded toward -inf (nanoseconds) */
    LS__CONV_INT96,    /* Julian day + nanoseconds -> microseconds since the epoch */
    LS__CONV_INT_DEC,  /* int32/int64 unscaled decimal -> decimal storage */
    LS__CONV_BE_DEC,   /* big-endian two's complement bytes -> decimal storage */
    LS__CONV_F16,      /* IEEE half (2 bytes, little-endian) -> float */
    LS__CONV_NULL      /* UNKNOWN type: every value is null */
} ls__conv_t;

/* How file column `col` fills one leaf of a layout. Lives in the layout's arena. */
typedef struct ls__plan_s {
    uint32_t col;                /* column index in the row groups */
    const ls_pq_schema_el_t *el; /* the leaf's schema element (footer arena) */
    ls_pq_type_t phys;
    uint32_t phys_width; /* PLAIN bytes per value; 0 for BYTE_ARRAY; 1 for BOOLEAN */
    ls__conv_t conv;
    int64_t factor; /* MUL / FLOORDIV */
    int16_t max_def, max_rep;
    const int16_t *rep_def; /* [1..max_rep]: def level an entry at that rep needs */
    uint32_t path_len;
    const char **path; /* the file's path_in_schema */
    const char *dotted;
} ls__plan_t;

/* The footer's flat schema list as a tree. */
typedef struct ls__snode_s {
    const ls_pq_schema_el_t *el;
    uint32_t nchildren;
    struct ls__snode_s **children;
    int32_t col; /* column index of a primitive, -1 for groups */
    bool is_group;
} ls__snode_t;

typedef struct ls__fschema_s {
    ls__snode_t *root;
    uint32_t ncols; /* primitive leaves = columns per row group */
} ls__fschema_t;

/**
 * @brief Rebuild the tree of the footer's schema (depth-first list) in @p a.
 * Checks child counts against the list and the depth limit.
 */
ls_err_t ls__pqr_fschema_build(const ls_pq_file_meta_t *fm, ls_arena_t *a, ls__fschema_t *out,
                               ls_error_t *err);

/**
 * @brief Delta-typed layout of the file schema, keeping the top-level fields whose
 * @p keep entry is true (NULL = all). Legacy lists and maps are mapped onto node
 * levels. @p plans receives one plan per layout leaf (in the layout's arena).
 * Caller owns the layout.
 */
ls_layout_t *ls__pqr_layout_build(const ls__fschema_t *fs, const bool *keep, ls__plan_t **plans,
                                  ls_error_t *err);

/* ------------------------------------------------------ column conversion */

/**
 * @brief Append the values of @p v (physical, as decoded) to @p c, converted by
 * @p plan. Errors: a value that does not fit the leaf's storage, batch cap, OOM.
 */
ls_err_t ls__pqr_convert_append(ls_batch_t *b, ls_column_t *c, const ls__plan_t *plan,
                                const ls__vec_t *v, ls_error_t *err);

/* ------------------------------------------------------------ chunk reader */

/* Everything a chunk read needs from the reader; scratch is reused across chunks. */
typedef struct ls__chunk_ctx_s {
    const ls_source_t *src;
    uint64_t data_end; /* first byte of the footer: chunks must end before it */
    bool verify_crc;
    bool pad_chunks; /* written by parquet-mr < 1.2.9: chunk sizes miss a header */
    size_t page_max; /* LS__PQ_MAX_PAGE unless a test lowered it */
    ls_codec_ctx_t *codec;
    ls_arena_t *page_arena;
    ls__scratch_t chunk, page, dict_page, dict_vals, vals, views, idx;
    ls__dec_scratch_t dec;
} ls__chunk_ctx_t;

/** @brief Free the scratch buffers of @p cx (not the codec or arena). */
void ls__pqr_chunk_ctx_free(ls__chunk_ctx_t *cx);

/**
 * @brief Read column chunk @p cc of row group @p rg (holding @p num_rows rows) into
 * column @p c of @p b per @p plan: every page decoded, levels checked, values converted.
 */
ls_err_t ls__pqr_chunk_read(ls__chunk_ctx_t *cx, const ls_pq_column_chunk_t *cc, uint32_t rg,
                            int64_t num_rows, const ls__plan_t *plan, ls_batch_t *b, ls_column_t *c,
                            ls_error_t *err);

/* ---------------------------------------------------------- test hooks */

/**
 * @brief Lower the batch memory cap and the page size cap of @p r (0 keeps the
 * current value). Used by the fuzz harness so hostile inputs stay small.
 */
void ls__pqread_set_limits(ls_pq_reader_t *r, size_t batch_max, size_t page_max);

#endif

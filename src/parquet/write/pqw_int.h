/*
 * pqw_int.h — private interfaces of the streaming Parquet writer (src/parquet/write).
 *
 * Split by concern: rle.c (RLE/bit-packing hybrid, PLAIN booleans), dict.c (dictionary
 * hash table), stats.c (min/max/null statistics), schema.c (schema elements from a
 * layout), column.c (pages and column chunks), writer.c (the public API, row groups,
 * footer). Not a public interface: nothing outside this folder (except the module's
 * unit tests) may include it.
 *
 * Ownership: every struct here is embedded in the writer and owns the buffers it
 * points to unless a field comment says "borrowed".
 */
#ifndef LS_PQW_INT_H
#define LS_PQW_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lakesink/arena.h"
#include "lakesink/buf.h"
#include "lakesink/codec.h"
#include "lakesink/columnar.h"
#include "lakesink/error.h"
#include "lakesink/io.h"
#include "lakesink/parquet.h"
#include "lakesink/parquet_meta.h"

/* Column values are copied into pages with memcpy: PLAIN is little-endian. */
#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the Parquet writer assumes a little-endian host"
#endif

/* A data page is closed at a row boundary once it holds this many level entries, even
 * below page_bytes: keeps the per-page level and index buffers cache-sized. */
#define LS_PQW_PAGE_MAX_LEVELS 32768u
/* A column's first page in the file is at most this big (uncompressed): its compression
 * ratio then feeds the row-group size estimate early. */
#define LS_PQW_FIRST_PAGE_BYTES ((size_t)64 << 10)
/* Largest page body Parquet can describe (page sizes are int32). */
#define LS_PQW_PAGE_MAX_BYTES ((size_t)INT32_MAX)
/* Cap on one column chunk's buffered pages (the row-group target keeps it far lower). */
#define LS_PQW_CHUNK_MAX_BYTES ((size_t)1 << 36)
/* Dictionary policy: the first page must come out smaller with the dictionary than PLAIN;
 * and after this many values the distinct ratio is checked... */
#define LS_PQW_DICT_PROBE_VALUES 8192u
/* ...and the dictionary abandoned when distinct entries exceed this percentage. */
#define LS_PQW_DICT_PROBE_PCT 75u
/* Hard cap on dictionary entries (index bit width <= 20). */
#define LS_PQW_DICT_MAX_ENTRIES (1u << 20)
/* Chunk statistics of strings/binary longer than this are truncated (footer size). */
#define LS_PQW_STATS_TRUNCATE 64u
/* Row groups per file (RowGroup.ordinal is an i16). */
#define LS_PQW_MAX_ROW_GROUPS 32767u
/* Cap on footer metadata held in memory. */
#define LS_PQW_META_MAX_BYTES ((size_t)256 << 20)

/* ------------------------------------------------------------------ rle.c */

/** @brief Bits needed to store values 0..@p max (0 for max == 0). */
int ls__pqw_bit_width(uint32_t max);
/** @brief ULEB128 of @p v into @p out (at most 10 bytes); returns the bytes written. */
size_t ls__pqw_uleb(uint64_t v, uint8_t *out);
/** @brief Upper bound of the hybrid encoding of @p n values of width @p bw. */
size_t ls__pqw_rle_bound(size_t n, int bw);
/**
 * @brief RLE/bit-packing hybrid (no length prefix) of @p n values < 2^bw into @p out,
 * which must hold ls__pqw_rle_bound(n, bw) bytes. Runs of 8 or more equal values become
 * RLE runs, the rest bit-packed groups of 8 (the last group zero-padded).
 * @returns bytes written.
 */
size_t ls__pqw_rle_encode_u8(const uint8_t *v, size_t n, int bw, uint8_t *out);
/** @brief Same for 32-bit values (dictionary indices), @p bw <= 32. */
size_t ls__pqw_rle_encode_u32(const uint32_t *v, size_t n, int bw, uint8_t *out);
/**
 * @brief Level scan: how many of @p n entries equal @p m, and (in @p over) whether any is
 * greater than @p m. Eight entries per step.
 */
size_t ls__pqw_level_scan(const uint8_t *v, size_t n, uint8_t m, bool *over);
/** @brief PLAIN booleans: @p n bytes (0 or not) bit-packed LSB first into (n+7)/8 bytes. */
size_t ls__pqw_pack_bools(const uint8_t *v, size_t n, uint8_t *out);

/* ----------------------------------------------------------------- dict.c */

/*
 * Dictionary of one column chunk: an open-addressing table (linear probing, load <= 1/2)
 * whose slots hold each entry's hash next to its number, and the entries themselves
 * already in PLAIN form (the dictionary page body). A probe compares hashes first and
 * touches the stored value only on a hash match.
 */
typedef struct ls__pqw_dict_s {
    ls_col_store_t store;
    uint32_t width;     /* bytes per value for fixed-width stores */
    uint64_t *slots;    /* hash << 32 | (entry + 1); 0 = empty */
    uint32_t nslots;    /* power of two, 0 before the first insert */
    uint32_t bits;      /* log2(nslots) */
    uint32_t count;     /* entries */
    uint32_t *offs;     /* BYTES: offset of each entry's length prefix in `values` */
    uint32_t ent_cap;   /* capacity of offs */
    ls_buf_t values;    /* PLAIN encoding of the entries, in entry order */
    size_t max_bytes;   /* values.len never exceeds this */
} ls__pqw_dict_t;

/** @brief Empty dictionary for values of @p store (@p width bytes when fixed). */
void ls__pqw_dict_init(ls__pqw_dict_t *d, ls_col_store_t store, uint32_t width, size_t max_bytes);
/** @brief Release the storage. */
void ls__pqw_dict_free(ls__pqw_dict_t *d);
/** @brief Forget every entry, keep the storage (next column chunk). */
void ls__pqw_dict_reset(ls__pqw_dict_t *d);
/**
 * @brief Look up or add @p n fixed-width values at @p vals (width bytes each), writing
 * their entry numbers to @p idx. Stops at the first value that does not fit (byte or entry
 * cap): @p done receives the values handled (< n means the dictionary is full).
 * @returns LS_OK or LS_ERR_NOMEM.
 */
ls_err_t ls__pqw_dict_put_fixed(ls__pqw_dict_t *d, const uint8_t *vals, size_t n,
                                uint32_t *idx, size_t *done);
/** @brief Same for @p n byte arrays given as Arrow offsets (@p off[0..n]) into @p bytes. */
ls_err_t ls__pqw_dict_put_bytes(ls__pqw_dict_t *d, const uint32_t *off, const uint8_t *bytes,
                                size_t n, uint32_t *idx, size_t *done);
/** @brief Append the PLAIN form of entry @p e to @p out. */
ls_err_t ls__pqw_dict_entry_plain(const ls__pqw_dict_t *d, uint32_t e, ls_buf_t *out);

/* ---------------------------------------------------------------- stats.c */

/* How min/max compare, from the leaf's physical and logical type. */
typedef enum {
    LS_PQW_ORD_BOOL = 0,
    LS_PQW_ORD_I32,
    LS_PQW_ORD_I64,
    LS_PQW_ORD_U64,     /* UINT(64): unsigned */
    LS_PQW_ORD_F32,
    LS_PQW_ORD_F64,
    LS_PQW_ORD_BYTES,   /* unsigned lexicographic (strings, binary, uuid, fixed) */
    LS_PQW_ORD_DECIMAL  /* big-endian two's complement, signed */
} ls__pqw_ord_t;

typedef struct ls__pqw_stats_s {
    int64_t null_count;
    int64_t num_values; /* level entries */
    int64_t nan_count;
    bool has_minmax;
    union {
        int32_t i32;
        int64_t i64;
        float f32;
        double f64;
    } min, max;         /* BOOL: i32 0/1 */
    ls_buf_t min_b, max_b; /* BYTES/FIXED orders */
} ls__pqw_stats_t;

/** @brief Comparison order of @p leaf. */
ls__pqw_ord_t ls__pqw_order(const ls_leaf_t *leaf);
/** @brief Empty statistics. */
void ls__pqw_stats_init(ls__pqw_stats_t *s);
/** @brief Release the byte buffers. */
void ls__pqw_stats_free(ls__pqw_stats_t *s);
/** @brief Back to empty, keeping storage. */
void ls__pqw_stats_reset(ls__pqw_stats_t *s);
/**
 * @brief Fold @p n fixed-width values (@p width bytes each; BOOL: bytes 0/1) into @p s.
 * Floats skip NaN and count it.
 */
ls_err_t ls__pqw_stats_add_fixed(ls__pqw_stats_t *s, ls__pqw_ord_t ord, const uint8_t *vals,
                                 size_t n, uint32_t width);
/** @brief Fold @p n byte arrays (Arrow offsets @p off[0..n] into @p bytes) into @p s. */
ls_err_t ls__pqw_stats_add_bytes(ls__pqw_stats_t *s, ls__pqw_ord_t ord, const uint32_t *off,
                                 const uint8_t *bytes, size_t n);
/** @brief Fold @p n PLAIN byte arrays (4-byte length prefixes) at @p p into @p s. */
ls_err_t ls__pqw_stats_add_plain_bytes(ls__pqw_stats_t *s, ls__pqw_ord_t ord, const uint8_t *p,
                                       size_t len, size_t n);
/** @brief Merge @p src into @p dst (counts add up, min/max widen). */
ls_err_t ls__pqw_stats_merge(ls__pqw_stats_t *dst, const ls__pqw_stats_t *src,
                             ls__pqw_ord_t ord);
/**
 * @brief Thrift Statistics for a column chunk: null_count always; min_value/max_value
 * (PLAIN bytes, copied into @p arena) when @p with_minmax and known. Floats write a zero
 * minimum as -0.0 and a zero maximum as +0.0; long strings are truncated to
 * LS_PQW_STATS_TRUNCATE bytes (min a prefix, max a prefix bumped upwards).
 */
ls_err_t ls__pqw_stats_to_thrift(const ls__pqw_stats_t *s, ls__pqw_ord_t ord,
                                 const ls_leaf_t *leaf, bool with_minmax, ls_arena_t *arena,
                                 ls_pq_stats_t *out);
/** @brief File-level view for ls_pq_writer_leaf_stats (byte pointers borrowed from @p s). */
void ls__pqw_stats_to_leaf(const ls__pqw_stats_t *s, ls__pqw_ord_t ord, bool with_minmax,
                           ls_pq_leaf_stats_t *out);

/* --------------------------------------------------------------- schema.c */

/** @brief Physical type a leaf is written as (and its FLBA length in @p type_length). */
ls_pq_type_t ls__pqw_physical(const ls_leaf_t *leaf, int32_t *type_length);
/**
 * @brief Parquet schema elements (depth first, root "schema" first) for @p l. Elements
 * and the array live in @p arena; names are borrowed from the layout.
 * @returns LS_ERR_UNSUPPORTED for shapes Parquet cannot hold (an empty struct).
 */
ls_err_t ls__pqw_schema_build(const ls_layout_t *l, ls_arena_t *arena, ls_pq_schema_el_t **out,
                              uint32_t *count, ls_error_t *err);

/** @brief Why @p arena (capped at LS_PQW_META_MAX_BYTES) refused @p want more bytes. */
ls_err_t ls__pqw_meta_error(const ls_arena_t *arena, size_t want, ls_error_t *err);

/* --------------------------------------------------------------- column.c */

/*
 * What a page needs to be encoded and compressed: the codec context and scratch buffers.
 * One per thread doing page work (today: the writer's thread).
 */
typedef struct ls__pqw_enc_s {
    ls_codec_ctx_t *codec; /* owned */
    ls_pq_codec_t kind;
    int level;
    ls_buf_t body; /* uncompressed page body being assembled */
    ls_buf_t z;    /* compressed body */
} ls__pqw_enc_t;

typedef enum { LS_PQW_DICT_OFF = 0, LS_PQW_DICT_ON } ls__pqw_dict_mode_t;

/* One leaf's writer state: the page being filled, the chunk's finished pages, stats. */
typedef struct ls__pqw_col_s {
    const ls_leaf_t *leaf; /* borrowed from the layout */
    ls_pq_type_t ptype;
    ls__pqw_ord_t ord;
    int def_bw, rep_bw;
    bool want_dict;  /* options allow a dictionary for this leaf */
    bool want_stats; /* min/max requested */
    /* page being filled */
    uint8_t *pdef, *prep; /* level entries (NULL while the max level is 0) */
    size_t plev, plev_cap;
    uint32_t *pidx; /* dictionary entry of each value while the page is dictionary-coded */
    size_t pidx_n, pidx_cap;
    ls_buf_t pplain; /* PLAIN values (booleans: one byte each until the page is packed) */
    size_t pequiv;   /* bytes the page's dictionary-coded values would take as PLAIN */
    /* chunk */
    ls_buf_t pages;          /* page headers + compressed bodies */
    ls_buf_t dpage;          /* dictionary page (header + body), built when the chunk ends */
    int64_t chunk_levels;    /* ColumnMetaData.num_values */
    int64_t chunk_uncomp;    /* uncompressed bytes of data pages incl. headers */
    int32_t npages_dict, npages_plain;
    ls__pqw_dict_mode_t dict_mode;
    bool dict_used;          /* a finished page refers to the dictionary */
    int64_t dict_fed;        /* values looked up in the dictionary this chunk */
    int64_t dpage_uncomp;    /* uncompressed size of dpage incl. header */
    ls__pqw_dict_t dict;
    ls__pqw_stats_t cst;     /* this chunk */
    ls__pqw_stats_t fst;     /* whole file */
    /* compression ratios seen so far, for size estimates (start at 1) */
    uint64_t seen_raw, seen_z, seen_dict_raw, seen_dict_z;
} ls__pqw_col_t;

/** @brief Set up @p col for @p leaf with the writer options. */
void ls__pqw_col_init(ls__pqw_col_t *col, const ls_leaf_t *leaf,
                      const ls_pq_writer_opts_t *opts);
/** @brief Release everything @p col holds. */
void ls__pqw_col_free(ls__pqw_col_t *col);
/**
 * @brief Append level entries [@p l0, @p l1) of @p c (whole rows) whose values start at
 * value @p *v (advanced past them), closing pages as they reach @p page_bytes.
 */
ls_err_t ls__pqw_col_add(ls__pqw_col_t *col, ls__pqw_enc_t *enc, const ls_column_t *c,
                         size_t l0, size_t l1, size_t *v, uint32_t page_bytes,
                         ls_error_t *err);
/** @brief Encode and compress the page being filled (no-op when it is empty). */
ls_err_t ls__pqw_col_finish_page(ls__pqw_col_t *col, ls__pqw_enc_t *enc, ls_error_t *err);
/** @brief Close the chunk: last page, dictionary page, chunk statistics from the dictionary. */
ls_err_t ls__pqw_col_finish_chunk(ls__pqw_col_t *col, ls__pqw_enc_t *enc, ls_error_t *err);
/** @brief Estimated compressed bytes of the chunk so far (pages, page being filled, dict). */
uint64_t ls__pqw_col_estimate(const ls__pqw_col_t *col);
/**
 * @brief Write the finished chunk (dictionary page, data pages) to @p sink at file offset
 * @p *offset (advanced), describe it in @p cc (arrays in @p arena), fold its statistics
 * into the file's, and reset the chunk.
 */
ls_err_t ls__pqw_col_write_chunk(ls__pqw_col_t *col, ls_pq_codec_t codec, ls_sink_t sink,
                                 uint64_t *offset, ls_arena_t *arena, ls_pq_column_chunk_t *cc,
                                 ls_error_t *err);

#endif

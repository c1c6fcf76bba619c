/*
 * parquet.h — streaming Parquet writer and random-access Parquet reader.
 *
 * Writer: batches in, pages encoded and compressed as they arrive, each row group
 * written to the sink when its *compressed* size reaches the target, footer on close.
 * Memory held: one row group of compressed pages plus one page per column being built.
 * Reader: footer from the end of a source, then row groups (optionally a subset of
 * top-level columns) decoded into ls_batch_t. Corrupt input is an error naming the
 * source and what is wrong, never a crash.
 *
 * Thread use: a writer or reader belongs to one thread at a time; independent
 * instances may run in parallel.
 */
#ifndef LAKESINK_PARQUET_H
#define LAKESINK_PARQUET_H

#include <stdbool.h>
#include <stdint.h>

#include "lakesink/columnar.h"
#include "lakesink/error.h"
#include "lakesink/io.h"
#include "lakesink/parquet_meta.h"

/* ---------------------------------------------------------------- writer */

typedef struct ls_pq_writer_opts_s {
    ls_pq_codec_t codec;          /* default LS_PQ_CODEC_ZSTD */
    int level;                    /* codec level; 0 = codec default */
    uint64_t row_group_bytes;     /* target compressed bytes per row group; default 128 MiB */
    uint32_t page_bytes;          /* target uncompressed bytes per data page; default 1 MiB */
    bool dictionary;              /* try dictionary encoding; default true */
    uint32_t dictionary_max_bytes; /* fall back to PLAIN past this dictionary size; default 1 MiB */
    bool statistics;              /* min/max statistics; default true (null_count always) */
    const char *created_by;       /* default "lakesink version X.Y.Z" */
    const ls_pq_kv_t *kv;         /* extra key/value metadata (copied) */
    uint32_t num_kv;
} ls_pq_writer_opts_t;

/** @brief Fill @p o with the defaults above. */
void ls_pq_writer_opts_init(ls_pq_writer_opts_t *o);

typedef struct ls_pq_writer_s ls_pq_writer_t;

/*
 * Per-leaf statistics over the whole file, for Delta `stats`: values are in the
 * leaf's storage form (ls_col_store_t); has_min/has_max are false when no non-null,
 * non-NaN value was seen or the type has no order (boolean is ordered false<true).
 */
typedef struct ls_pq_leaf_stats_s {
    int64_t null_count; /* level entries with def < max_def (nulls, and empty/absent parents) */
    int64_t num_values; /* level entries */
    bool has_min, has_max;
    union {
        int32_t i32;
        int64_t i64;
        float f32;
        double f64;
        bool b;
    } min, max;
    const uint8_t *min_bytes, *max_bytes; /* BYTES and FIXED stores; owned by the writer */
    uint32_t min_len, max_len;
    int64_t nan_count;
} ls_pq_leaf_stats_t;

/**
 * @brief Start a file for @p layout (borrowed; must outlive the writer) into @p sink.
 * Writes the leading "PAR1" immediately. Caller owns the writer.
 */
ls_pq_writer_t *ls_pq_writer_new(const ls_layout_t *layout, const ls_pq_writer_opts_t *opts,
                                 ls_sink_t sink, ls_error_t *err);
/** @brief Encode all rows of @p b (same layout); may write finished row groups to the sink. */
ls_err_t ls_pq_writer_write(ls_pq_writer_t *w, const ls_batch_t *b, ls_error_t *err);
/** @brief Close the current row group now (no-op when empty). */
ls_err_t ls_pq_writer_flush_row_group(ls_pq_writer_t *w, ls_error_t *err);
/** @brief Flush, write the footer. @p file_size (may be NULL) receives the total bytes. */
ls_err_t ls_pq_writer_close(ls_pq_writer_t *w, uint64_t *file_size, ls_error_t *err);
/** @brief Bytes written to the sink so far plus compressed bytes buffered (size estimate). */
uint64_t ls_pq_writer_size_estimate(const ls_pq_writer_t *w);
/** @brief Rows written so far. */
int64_t ls_pq_writer_rows(const ls_pq_writer_t *w);
/**
 * @brief File-level stats of leaf @p i. The struct lives until ls_pq_writer_free; its
 * min_bytes/max_bytes pointers only until the next write, flush or close.
 */
const ls_pq_leaf_stats_t *ls_pq_writer_leaf_stats(const ls_pq_writer_t *w, size_t i);
/** @brief Free the writer (after close, or to abandon the file). NULL is fine. */
void ls_pq_writer_free(ls_pq_writer_t *w);

/* ---------------------------------------------------------------- reader */

typedef struct ls_pq_reader_s ls_pq_reader_t;

/**
 * @brief Read and validate the footer of @p src (the source struct is copied; its ctx
 * must outlive the reader) and build the Delta-typed layout of the file's schema.
 */
ls_pq_reader_t *ls_pq_reader_open(const ls_source_t *src, ls_error_t *err);
/** @brief Open a local file; the reader owns the file handle. */
ls_pq_reader_t *ls_pq_reader_open_file(const char *path, ls_error_t *err);
void ls_pq_reader_free(ls_pq_reader_t *r);

/** @brief The decoded footer (owned by the reader). */
const ls_pq_file_meta_t *ls_pq_reader_meta(const ls_pq_reader_t *r);
/** @brief Layout of the whole file (owned by the reader). */
const ls_layout_t *ls_pq_reader_layout(const ls_pq_reader_t *r);
int64_t ls_pq_reader_num_rows(const ls_pq_reader_t *r);
uint32_t ls_pq_reader_num_row_groups(const ls_pq_reader_t *r);

/**
 * @brief Keep only the named top-level columns (in file order); NULL/0 = all.
 * Changes the layout batches are read with: see ls_pq_reader_read_layout.
 * @returns LS_ERR_NOT_FOUND naming the first unknown column.
 */
ls_err_t ls_pq_reader_select(ls_pq_reader_t *r, const char *const *names, size_t n,
                             ls_error_t *err);
/** @brief Layout of the selected columns (owned by the reader). */
const ls_layout_t *ls_pq_reader_read_layout(const ls_pq_reader_t *r);

/** @brief Turn page CRC checking on (default) or off. */
void ls_pq_reader_verify_crc(ls_pq_reader_t *r, bool on);

/**
 * @brief Decode row group @p rg (selected columns) into a new batch on the read layout.
 * Caller owns *out (ls_batch_free).
 */
ls_err_t ls_pq_reader_read_row_group(ls_pq_reader_t *r, uint32_t rg, ls_batch_t **out,
                                     ls_error_t *err);

#endif

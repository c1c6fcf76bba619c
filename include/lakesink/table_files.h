/*
 * table_files.h — the data files one writer thread keeps open for a Delta table: one
 * Parquet writer per partition value combination, each streamed into a store writer (S3
 * multipart: never a whole file in memory), rolled at a target compressed size, bounded
 * by an LRU of open files; a closed file has its Delta stats computed and its add-action
 * fields recorded in `done`.
 *
 * Not responsible for: decoding, splitting batches by partition (the caller hands in an
 * ls_table_split_t), or committing (the caller turns `done` records into add actions).
 *
 * Ownership: the configuration is borrowed and must outlive the set; the records in
 * `done` are owned by the set until taken with ls_table_files_take_done.
 * Threads: a set belongs to one thread; sets of different threads share only the store
 * and the atomic part counter.
 */
#ifndef LAKESINK_TABLE_FILES_H
#define LAKESINK_TABLE_FILES_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lakesink/delta.h"
#include "lakesink/error.h"
#include "lakesink/parquet.h"
#include "lakesink/store.h"
#include "lakesink/table.h"

/* What every thread's file set shares (read-only while they run). */
typedef struct ls_table_files_cfg_s {
    ls_store_t *st;
    const ls_table_partitioner_t *part;
    const char *const *pcols; /* partition column names, partitionColumns order */
    size_t ncols;
    ls_pq_writer_opts_t wopts;
    uint64_t target_bytes; /* roll a file at this compressed size */
    size_t max_open;       /* open files; the least recently written is closed beyond it */
    const ls_table_stats_opts_t *sopts;
    atomic_uint *part_no; /* next part number of a file name */
} ls_table_files_cfg_t;

/* One finished data file: what its add action needs. */
typedef struct ls_table_done_s {
    char *log_path; /* URI-encoded, relative to the table root */
    char **values;  /* ncols partition values in text form; NULL = null */
    int64_t size, rows, mtime_ms;
    char *stats; /* stats JSON */
} ls_table_done_t;

typedef struct ls_table_open_s ls_table_open_t;

typedef struct ls_table_files_s {
    const ls_table_files_cfg_t *cfg;
    ls_table_open_t **open; /* files being written, least recently written first */
    size_t nopen;
    ls_table_done_t *done;
    size_t ndone, done_cap;
    uint64_t closed_by_lru; /* files closed because too many were open */
} ls_table_files_t;

/**
 * @brief Codec level and page size of table data files: @p level, or when 0 zstd level 1
 * on 256 KiB pages (the library's level 3 on 1 MiB pages costs a fifth more writer CPU for
 * files within 2 % of the size; docs/benchmarks.md). Other codecs keep their defaults.
 * Call after setting o->codec.
 */
void ls_table_files_codec_defaults(ls_pq_writer_opts_t *o, int level);

/** @brief An empty set writing with @p cfg (borrowed). */
void ls_table_files_init(ls_table_files_t *fs, const ls_table_files_cfg_t *cfg);

/** @brief Write every group of @p split to its partition's file (opening or rolling files). */
ls_err_t ls_table_files_write(ls_table_files_t *fs, const ls_table_split_t *split,
                              ls_error_t *err);

/**
 * @brief Write the rows of @p batch (a batch of the data layout's shape) to the file of the
 * partition @p values (ncols text values; NULL = null; may be NULL when ncols is 0).
 */
ls_err_t ls_table_files_write_group(ls_table_files_t *fs, const char *const *values,
                                    const ls_batch_t *batch, ls_error_t *err);

/** @brief Close every open file, recording it in `done`. */
ls_err_t ls_table_files_close_all(ls_table_files_t *fs, ls_error_t *err);

/** @brief Rows written to files still open. */
int64_t ls_table_files_open_rows(const ls_table_files_t *fs);

/** @brief Memory the open files hold in buffered (not yet stored) bytes, an estimate. */
uint64_t ls_table_files_buffered(const ls_table_files_t *fs);

/**
 * @brief Move the `done` records to the caller: *out receives the array (caller frees it
 * with ls_table_done_free_all), *n its length; the set's list is then empty.
 */
void ls_table_files_take_done(ls_table_files_t *fs, ls_table_done_t **out, size_t *n);

/**
 * @brief Add one `add` action per record of @p d (@p n of them) to @p tx: data change, the
 * record's path, size, time, stats and partition values named by @p pcols (@p ncols).
 */
ls_err_t ls_table_done_add_actions(ls_delta_tx_t *tx, const ls_table_done_t *d, size_t n,
                                   const char *const *pcols, size_t ncols, ls_error_t *err);

/** @brief Free @p n records of @p d (each with @p ncols values) and the array. */
void ls_table_done_free_all(ls_table_done_t *d, size_t n, size_t ncols);

/** @brief Abandon the open files (nothing becomes visible) and free everything. */
void ls_table_files_free(ls_table_files_t *fs);

#endif

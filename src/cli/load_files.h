/*
 * load_files.h — the data files one `lakesink load` worker writes: one open Parquet
 * writer per partition value combination, each streamed into a store writer (S3
 * multipart, never a whole file in memory), rolled when its compressed size reaches the
 * target; on close the file's Delta stats are computed and its add action recorded.
 *
 * Not responsible for: decoding input, routing rows by partition (the caller hands in
 * an ls_table_split_t or one partition's batch), or committing (cmd_load.c turns the
 * records into adds).
 *
 * Ownership: the configuration is borrowed and must outlive the file set; the records
 * in `done` are owned by the set (ls_cli_files_free). Threads: a set belongs to one
 * thread; sets of different workers share only the store and the atomic part counter.
 * ls_cli_files_close_all closes the files on a few threads of its own (a close mostly
 * waits for fsync).
 */
#ifndef LS_CLI_LOAD_FILES_H
#define LS_CLI_LOAD_FILES_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lakesink/error.h"
#include "lakesink/parquet.h"
#include "lakesink/store.h"
#include "lakesink/table.h"

/* What every worker's file set shares (read-only while workers run). */
typedef struct ls_cli_files_cfg_s {
    ls_store_t *st;
    const ls_table_partitioner_t *part;
    const char *const *pcols; /* partition column names, partitionColumns order */
    size_t ncols;
    ls_pq_writer_opts_t wopts;
    uint64_t target_bytes; /* roll a file at this compressed size */
    const ls_table_stats_opts_t *sopts;
    atomic_uint *part_no; /* next part number of a file name */
} ls_cli_files_cfg_t;

/* One finished data file: what its add action needs. */
typedef struct ls_cli_done_s {
    char *log_path; /* URI-encoded, relative to the table root */
    char **values;  /* ncols partition values in text form; NULL = null */
    int64_t size, rows, mtime_ms;
    char *stats; /* stats JSON */
} ls_cli_done_t;

typedef struct ls_cli_open_s ls_cli_open_t;

typedef struct ls_cli_files_s {
    const ls_cli_files_cfg_t *cfg;
    ls_cli_open_t **open; /* files being written */
    size_t nopen;
    ls_cli_done_t *done;
    size_t ndone, done_cap;
} ls_cli_files_t;

/** @brief An empty set writing with @p cfg (borrowed). */
void ls_cli_files_init(ls_cli_files_t *fs, const ls_cli_files_cfg_t *cfg);

/**
 * @brief Write the rows of @p b (data layout; a view is fine) to the file of the partition
 * @p values (ncols text values, NULL = null), opening or rolling files.
 */
ls_err_t ls_cli_files_write_batch(ls_cli_files_t *fs, const ls_batch_t *b,
                                  const char *const *values, ls_error_t *err);

/** @brief Write every group of @p split to its partition's file (opening or rolling files). */
ls_err_t ls_cli_files_write(ls_cli_files_t *fs, const ls_table_split_t *split, ls_error_t *err);

/**
 * @brief Close every open file, recording them in `done` in the order they were opened
 * (the first failure in that order is returned; the files closed still are recorded).
 */
ls_err_t ls_cli_files_close_all(ls_cli_files_t *fs, ls_error_t *err);

/** @brief Abandon the open files (nothing becomes visible) and free everything. */
void ls_cli_files_free(ls_cli_files_t *fs);

#endif

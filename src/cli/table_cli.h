/*
 * table_cli.h — what `lakesink load` and the `lakesink table` commands share: opening a
 * table (store + snapshot at a version or timestamp), parsing --timestamp and --codec,
 * reading numRecords from a file's stats.
 *
 * Not responsible for: the log engine (delta.h) or storage (store.h).
 *
 * Ownership: the store and snapshot returned belong to the caller (free the snapshot
 * first, then the store).
 */
#ifndef LS_CLI_TABLE_CLI_H
#define LS_CLI_TABLE_CLI_H

#include <stdbool.h>
#include <stdint.h>

#include "lakesink/buf.h"
#include "lakesink/delta.h"
#include "lakesink/error.h"
#include "lakesink/parquet.h"
#include "lakesink/store.h"

/**
 * @brief Parse a --timestamp value: ISO-8601 ("2024-01-15T10:30:00Z", with an offset,
 * or without a zone = UTC; a bare date is midnight UTC) or milliseconds since the epoch.
 * @returns LS_ERR_PARSE naming the text.
 */
ls_err_t ls_cli_parse_timestamp(const char *text, int64_t *ms, ls_error_t *err);

/** @brief Codec by name (zstd, snappy, gzip, lz4_raw, brotli, none); false if unknown. */
bool ls_cli_codec_parse(const char *name, ls_pq_codec_t *out);

/**
 * @brief Open the store at @p uri and load the snapshot at @p version (>= 0) or
 * @p timestamp (text, see ls_cli_parse_timestamp), or the latest when both are unset
 * (version < 0, timestamp NULL).
 * @param read_check also refuse tables lakesink cannot read (ls_delta_check_read).
 * @returns LS_ERR_NOT_FOUND for a missing table or version, the engine's errors otherwise.
 */
ls_err_t ls_cli_table_open(const char *uri, int64_t version, const char *timestamp,
                           bool read_check, ls_store_t **st, ls_delta_snapshot_t **snap,
                           ls_error_t *err);

/** @brief numRecords of a stats JSON text; false when absent or unreadable. */
bool ls_cli_stats_num_records(const char *stats, int64_t *n);

/** @brief Report "cannot read table URI: why" on stderr; returns LS_CLI_EXIT_FAIL. */
int ls_cli_table_fail(const char *uri, const ls_error_t *err);

/** @brief Append @p ms (since the epoch) as ISO-8601 UTC with milliseconds. */
ls_err_t ls_cli_format_ms(ls_buf_t *out, int64_t ms);

/** @brief The live files of @p s sorted by path; caller ls_frees the array. NULL on OOM. */
const ls_delta_file_t **ls_cli_sorted_files(const ls_delta_snapshot_t *s, size_t *n);

/** @brief `lakesink table scan` (argv[0] is "scan"). */
int ls_cli_table_scan(int argc, char **argv);

#endif

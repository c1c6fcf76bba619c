/*
 * table.h — helpers for the data files of a Delta table: per-file statistics in the
 * exact form Spark/Delta write them, partition values (text form, typed form, Hive
 * directory names, URI-encoded log paths), data file names, and splitting a batch by
 * partition (plus the reverse for scans).
 *
 * Not responsible for: the transaction log, snapshots or commits (src/delta), storage,
 * or Parquet encoding. Every function here takes and returns plain data: strings,
 * ls_type_t, layouts, batches and the Parquet writer's per-leaf statistics.
 * The rules implemented, and the evidence for them, are in docs/internals/delta-stats.md.
 *
 * Ownership: functions that append to an ls_buf_t never take it over; on error the
 * buffer is left at its length before the call. Layouts and batches passed in are
 * borrowed. Objects returned by *_new are owned by the caller (free with *_free).
 * Thread use: every object belongs to one thread at a time; none keeps global state
 * except ls_table_uuid4, which only reads the kernel's random source.
 */
#ifndef LAKESINK_TABLE_H
#define LAKESINK_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lakesink/buf.h"
#include "lakesink/columnar.h"
#include "lakesink/json.h"
#include "lakesink/error.h"
#include "lakesink/parquet.h"
#include "lakesink/schema.h"

/* ================================================================ statistics */

#define LS_TABLE_STATS_INDEXED_COLS_DEFAULT 32
#define LS_TABLE_STATS_PREFIX_LEN_DEFAULT 32

/* Which columns get statistics, from the table configuration. */
typedef struct ls_table_stats_opts_s {
    /* delta.dataSkippingNumIndexedCols: the first N leaf columns in schema order (an
     * array or map counts as one leaf; struct fields count individually); -1 = all. */
    int num_indexed_cols;
    /* delta.dataSkippingStatsColumns (borrowed; NULL = unset): comma-separated,
     * case-insensitive column paths ("a, b.c, `x.y`"); a struct means all its leaves.
     * When set it replaces num_indexed_cols. */
    const char *stats_columns;
    /* delta.dataSkippingStringPrefixLength: characters kept of string min/max. */
    int string_prefix_len;
} ls_table_stats_opts_t;

/** @brief Defaults: 32 indexed columns, no column list, 32-character string prefix. */
void ls_table_stats_opts_init(ls_table_stats_opts_t *o);

/**
 * @brief Apply one entry of a table's `configuration` map. Keys other than the three
 * delta.dataSkipping* keys above are ignored (LS_OK).
 * @param value borrowed; for delta.dataSkippingStatsColumns it must outlive @p o.
 * @returns LS_ERR_CONFIG naming the key for a malformed value.
 */
ls_err_t ls_table_stats_opts_set(ls_table_stats_opts_t *o, const char *key, const char *value,
                                 ls_error_t *err);

/*
 * Per-leaf statistics source: returns the statistics of leaf @p leaf (an index into the
 * layout's leaves) or NULL when unknown. The Parquet writer is one such source.
 */
/* One column's statistics read back from an add action's stats JSON. */
typedef struct ls_table_col_stats_s {
    const char *path;                 /* dotted column path ("a.b"); arena */
    const ls_json_value_t *min, *max; /* JSON scalars, NULL when absent; arena */
    bool has_null_count;
    int64_t null_count;
} ls_table_col_stats_t;

/* A data file's statistics: what data skipping and `table info` need. */
typedef struct ls_table_file_stats_s {
    bool has_num_records;
    int64_t num_records;
    bool has_tight_bounds;
    bool tight_bounds;
    size_t ncols;
    ls_table_col_stats_t *cols; /* sorted by path; arena */
} ls_table_file_stats_t;

/**
 * @brief Parse the stats JSON of an add action (numRecords, minValues, maxValues,
 * nullCount nested like the schema, tightBounds). Columns of the three maps are merged by
 * path. Untrusted input: a wrong shape (a negative or non-integer count, a nested value
 * where a leaf belongs, more than 100,000 columns) is LS_ERR_PARSE naming the path;
 * unknown keys are ignored. Everything lives in @p arena.
 */
ls_err_t ls_table_stats_parse(const char *json, size_t len, ls_arena_t *arena,
                              ls_table_file_stats_t *out, ls_error_t *err);

typedef const ls_pq_leaf_stats_t *(*ls_table_leaf_stats_fn)(void *ctx, size_t leaf);

/** @brief Adapter for ls_table_stats_json: @p writer is an ls_pq_writer_t *. */
const ls_pq_leaf_stats_t *ls_table_writer_leaf_stats(void *writer, size_t leaf);

/*
 * Null counter: counts, for every column Delta keeps a nullCount for (leaves reachable
 * through structs, and array/map columns as a whole), the rows where it is null,
 * including rows where an enclosing struct is null. Feed it every batch written to the
 * file. The Parquet writer's leaf null counts cannot give this for arrays and maps
 * (they also count empty collections and null elements).
 */
typedef struct ls_table_nulls_s ls_table_nulls_t;

/** @brief Counter for batches of @p layout (borrowed; must outlive it). NULL on OOM. */
ls_table_nulls_t *ls_table_nulls_new(const ls_layout_t *layout, ls_error_t *err);
/** @brief Count the rows of @p b (a batch of an equal-shaped layout). */
ls_err_t ls_table_nulls_add(ls_table_nulls_t *n, const ls_batch_t *b, ls_error_t *err);
/** @brief Back to zero (for the next file). */
void ls_table_nulls_reset(ls_table_nulls_t *n);
/** @brief Rows counted so far. */
int64_t ls_table_nulls_rows(const ls_table_nulls_t *n);
/** @brief Free. NULL is fine. */
void ls_table_nulls_free(ls_table_nulls_t *n);

/**
 * @brief Append the `stats` JSON of one data file:
 * {"numRecords":N,"minValues":{...},"maxValues":{...},"nullCount":{...}}, nested like
 * the schema, following Spark's conventions (see docs/internals/delta-stats.md).
 * A statistic that cannot be stated exactly is left out.
 * @param layout the data file's layout (no partition columns); borrowed.
 * @param leaf_stats min/max (and leaf null counts) per leaf; NULL = no min/max.
 * @param ctx passed to @p leaf_stats (the writer for ls_table_writer_leaf_stats).
 * @param nulls null counts from the batches (may be NULL: leaf nullCounts then come
 *        from @p leaf_stats, and array/map nullCounts are left out).
 * @param num_records rows in the file.
 * @param opts NULL = defaults.
 * @returns LS_ERR_CONFIG for a malformed opts->stats_columns, LS_ERR_NOMEM, LS_ERR_LIMIT.
 */
ls_err_t ls_table_stats_json(const ls_layout_t *layout, ls_table_leaf_stats_fn leaf_stats,
                             void *ctx, const ls_table_nulls_t *nulls, int64_t num_records,
                             const ls_table_stats_opts_t *opts, ls_buf_t *out, ls_error_t *err);

/**
 * @brief Which leaves of @p layout get statistics under @p opts (NULL = defaults):
 * sets @p indexed[i] for each of the layout's nleaves leaves.
 */
ls_err_t ls_table_stats_indexed(const ls_layout_t *layout, const ls_table_stats_opts_t *opts,
                                bool *indexed, ls_error_t *err);

/* ================================================================ partition values */

/*
 * One value of a column in storage form (ls_col_store_t of its type), or null.
 * STRING/BINARY: bytes/len borrowed from wherever the value came from.
 * DECIMAL with precision > 18: big-endian two's complement in fixed[0..len) (len =
 * ls_decimal_fixed_width(precision)); the struct holds it, so it may be copied freely.
 */
typedef struct ls_table_value_s {
    bool is_null;
    union {
        int32_t i32; /* byte, short, integer, date (days), decimal p <= 9 */
        int64_t i64; /* long, timestamp(_ntz) (microseconds), decimal p <= 18 */
        float f32;
        double f64;
        bool b;
    } u;
    const uint8_t *bytes; /* STRING, BINARY */
    size_t len;           /* STRING, BINARY, DECIMAL p > 18 */
    uint8_t fixed[16];    /* DECIMAL p > 18 */
} ls_table_value_t;

/** The directory name Hive and Spark use for a null (or empty) partition value. */
#define LS_TABLE_HIVE_NULL "__HIVE_DEFAULT_PARTITION__"

/**
 * @brief Append the Delta text form of @p v (a value of primitive type @p type) to
 * @p out: integers in decimal, float/double in the shortest form that reads back
 * exactly ("NaN", "Infinity", "-Infinity" as Java writes them), decimals plain with
 * their scale, dates YYYY-MM-DD, timestamps YYYY-MM-DDTHH:MM:SS.ffffffZ (UTC),
 * timestamp_ntz YYYY-MM-DD HH:MM:SS.ffffff, booleans true/false, strings as they are.
 * @param is_null set to true (and nothing appended) for a null value or an empty
 *        string, which Delta stores as null.
 * @returns LS_ERR_UNSUPPORTED for a type that cannot be a partition column, or for
 *          binary that is not UTF-8.
 */
ls_err_t ls_table_partition_format(const ls_type_t *type, const ls_table_value_t *v, ls_buf_t *out,
                                   bool *is_null, ls_error_t *err);

/**
 * @brief Parse the text form of a partition value of type @p type, as written by
 * lakesink, Spark or other Delta writers: also "YYYY-MM-DD HH:MM:SS[.f]" timestamps
 * (taken as UTC), ISO-8601 with "Z" or an offset, 1-digit months and days.
 * @param s NULL, "" and "__HIVE_DEFAULT_PARTITION__" give a null value.
 * @param v receives the value; STRING/BINARY point into @p s.
 * @returns LS_ERR_PARSE naming the type and the text for malformed or out-of-range input.
 */
ls_err_t ls_table_partition_parse(const ls_type_t *type, const char *s, size_t len,
                                  ls_table_value_t *v, ls_error_t *err);

/* ================================================================ paths and names */

/**
 * @brief Append @p s with Hive's path escaping: control characters 0x01-0x1F, DEL and
 * "#%'*\/:=?\\{[]^ become %XX (upper-case hex); everything else is kept.
 */
ls_err_t ls_table_hive_escape(const char *s, size_t len, ls_buf_t *out);

/**
 * @brief Append @p s with Hive's %XX escapes undone, as Spark reads directory names: %XX
 * with two hex digits becomes the character U+00XX (UTF-8 encoded); any other '%' is
 * kept as it is.
 */
ls_err_t ls_table_hive_unescape(const char *s, size_t len, ls_buf_t *out);

/**
 * @brief Append the relative directory of a partition, "name=value/" per column, names
 * and values Hive-escaped, a null value (NULL or "") as __HIVE_DEFAULT_PARTITION__.
 * Nothing for @p n == 0.
 */
ls_err_t ls_table_partition_dir(const char *const *names, const char *const *values, size_t n,
                                ls_buf_t *out);

/* One "name=value" directory of a partition path. */
typedef struct ls_table_pair_s {
    char *name;  /* unescaped */
    char *value; /* unescaped; NULL for __HIVE_DEFAULT_PARTITION__ or empty */
} ls_table_pair_t;

/**
 * @brief Split a relative directory path "a=1/b=x%3Ay" (trailing '/' allowed) into its
 * name/value pairs.
 * @param arena owns the pairs and their strings.
 * @returns LS_ERR_PARSE naming the segment for one without '=' or with an empty name,
 *          LS_ERR_LIMIT past @p max_pairs.
 */
ls_err_t ls_table_partition_dir_parse(const char *path, size_t len, size_t max_pairs,
                                      ls_arena_t *arena, ls_table_pair_t **pairs, size_t *npairs,
                                      ls_error_t *err);

/**
 * @brief Append @p s as an RFC 2396 URI path, as `add.path` holds it: bytes outside
 * A-Z a-z 0-9 -_.!~*'() ;:@&=+$, and '/' become %XX (upper-case hex, UTF-8 bytes).
 */
ls_err_t ls_table_uri_encode_path(const char *s, size_t len, ls_buf_t *out);

/**
 * @brief Append @p s with %XX escapes decoded (UTF-8 bytes). Raw non-ASCII is kept.
 * @returns LS_ERR_PARSE naming the offset for '%' without two hex digits or for %00.
 */
ls_err_t ls_table_uri_decode_path(const char *s, size_t len, ls_buf_t *out, ls_error_t *err);

/**
 * @brief Whether a decoded relative path is safe to join to the table root: not empty,
 * not absolute, no scheme, no "." or ".." segment, no empty segment, no backslash or NUL.
 */
bool ls_table_path_is_safe(const char *path, size_t len);

/**
 * @brief A random (version 4) UUID, "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx" with a NUL,
 * from the kernel's random source (getrandom).
 * @returns LS_ERR_IO when no random source answers.
 */
ls_err_t ls_table_uuid4(char out[37], ls_error_t *err);

/** @brief File name extension of a codec as Spark writes it ("snappy", "zstd", "gz"; "" none). */
const char *ls_table_codec_ext(ls_pq_codec_t codec);

/**
 * @brief Append a data file name like Spark's: "part-00000-<uuid>-c000.zstd.parquet"
 * (no codec part when uncompressed).
 * @param uuid a 36-character UUID (ls_table_uuid4).
 */
ls_err_t ls_table_data_file_name(unsigned part, const char *uuid, ls_pq_codec_t codec,
                                 ls_buf_t *out);

/**
 * @brief Both paths of a new data file: @p disk_path (relative to the table root, as
 * stored) = partition directory + @p file_name, and @p log_path = its URI-encoded form
 * for `add.path`. Either buffer may be NULL.
 */
ls_err_t ls_table_data_paths(const char *const *names, const char *const *values, size_t n,
                             const char *file_name, ls_buf_t *disk_path, ls_buf_t *log_path);

/* ================================================================ batch splitting */

/*
 * A partitioner knows a table layout (every column, partition columns included) and
 * its partition columns, and owns the data layout: the table layout without the
 * partition columns, which is what data files store.
 */
typedef struct ls_table_partitioner_s ls_table_partitioner_t;

/**
 * @brief Partitioner for @p table_layout (borrowed; must outlive it) by the top-level
 * primitive columns @p cols (exact names, in partitionColumns order; n may be 0).
 * @returns NULL with LS_ERR_NOT_FOUND, LS_ERR_SCHEMA (nested or unsupported type,
 *          duplicate, or every column a partition column), LS_ERR_NOMEM.
 */
ls_table_partitioner_t *ls_table_partitioner_new(const ls_layout_t *table_layout,
                                                 const char *const *cols, size_t n,
                                                 ls_error_t *err);
void ls_table_partitioner_free(ls_table_partitioner_t *p);
/** @brief The data-file layout (owned by the partitioner). */
const ls_layout_t *ls_table_partitioner_data_layout(const ls_table_partitioner_t *p);
/** @brief The table layout given at creation. */
const ls_layout_t *ls_table_partitioner_table_layout(const ls_table_partitioner_t *p);
/** @brief Number of partition columns. */
size_t ls_table_partitioner_ncols(const ls_table_partitioner_t *p);

/* The rows of one partition value combination. */
typedef struct ls_table_group_s {
    ls_batch_t *batch;   /* on the data layout; owned by the split */
    const char **values; /* ncols text values (partitionColumns order); NULL = null */
} ls_table_group_t;

typedef struct ls_table_split_s {
    size_t ngroups; /* in order of first appearance in the batch */
    ls_table_group_t *groups;
    size_t ncols;      /* partition columns */
    ls_arena_t *arena; /* owns groups and values */
} ls_table_split_t;

/**
 * @brief Split the rows of @p b (a batch of the table layout) by their partition
 * values into per-partition batches of the data layout (row order kept within each).
 * An empty string in a string partition column is the null partition, as in Delta.
 * @param max_groups cap on distinct partitions in one batch (0 = 10000).
 * @param out receives the split; the caller frees it with ls_table_split_free.
 * @returns LS_ERR_LIMIT past @p max_groups, LS_ERR_INVALID_ARG for a batch of another
 *          layout, LS_ERR_CORRUPT for a batch whose columns disagree on the row count.
 */
ls_err_t ls_table_split(const ls_table_partitioner_t *p, const ls_batch_t *b, size_t max_groups,
                        ls_table_split_t **out, ls_error_t *err);
void ls_table_split_free(ls_table_split_t *s);

/*
 * Routing rows without a split: a writer that keeps one batch of the table layout per
 * partition decodes a row into the batch it expects, checks the row's key (rolling the
 * row back when it belongs elsewhere), and hands each batch to its data file through a
 * data-layout view, so no row is copied.
 */

/**
 * @brief The partition key of the last row of @p b (table layout; the row may still be
 * open, see ls_batch_row_begin), in @p key (replaced): rows with equal keys are one
 * partition, by the rule ls_table_split groups with (an empty string is null, every NaN
 * is one value). The bytes are opaque; compare them with memcmp.
 * @returns LS_ERR_INVALID_ARG for a batch of another layout or without rows,
 *          LS_ERR_CORRUPT for inconsistent columns, LS_ERR_NOMEM / LS_ERR_LIMIT from @p key.
 */
ls_err_t ls_table_last_row_key(const ls_table_partitioner_t *p, const ls_batch_t *b, ls_buf_t *key);

/**
 * @brief Whether the last row of @p b has the partition key @p key (@p len bytes, from
 * ls_table_last_row_key), without building the row's key; false for a batch that has no
 * rows or is of another layout.
 */
bool ls_table_last_row_key_is(const ls_table_partitioner_t *p, const ls_batch_t *b,
                              const uint8_t *key, size_t len);

/**
 * @brief The partition values of the last row of @p b in text form, as in
 * ls_table_group_t (ncols entries; NULL = null; strings allocated in @p arena).
 */
ls_err_t ls_table_last_row_values(const ls_table_partitioner_t *p, const ls_batch_t *b,
                                  ls_arena_t *arena, const char **values, ls_error_t *err);

/**
 * @brief Make @p view a batch of the data layout over the data columns of @p b (table
 * layout) without copying: the columns are shallow copies in @p cols (room for the data
 * layout's nleaves), pointing at @p b's buffers. The view is read-only (give it to the
 * Parquet writer or the null counter), is never freed, and is valid until @p b changes.
 */
void ls_table_data_view(const ls_table_partitioner_t *p, const ls_batch_t *b, ls_batch_t *view,
                        ls_column_t *cols);

/**
 * @brief Scan side: append the rows of @p data (a batch read from a data file; its
 * top-level columns are matched to the table's by name, extra ones ignored, missing
 * ones read as null) to @p dst (a batch of the table layout), with the partition
 * columns set to @p values (text form, partitionColumns order; NULL = null).
 * On error @p dst is as before. @p dst must not be in the middle of a row (its row
 * marks are used to roll back). @p values may be NULL when there are no partition columns.
 * @returns LS_ERR_PARSE for a bad value, LS_ERR_SCHEMA for a column whose shape
 *          differs from the table's or a null in a non-nullable column.
 */
ls_err_t ls_table_attach(const ls_table_partitioner_t *p, const ls_batch_t *data,
                         const char *const *values, ls_batch_t *dst, ls_error_t *err);

#endif

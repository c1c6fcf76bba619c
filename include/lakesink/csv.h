/*
 * csv.h — CSV for lakesink: a schema-directed decoder that fills column batches in one
 * pass (no per-value allocation), header reading, and schema inference.
 *
 * Dialect: RFC 4180 — fields separated by a delimiter, records by LF or CRLF, quoted
 * fields with "" as the escaped quote and delimiters/newlines allowed inside quotes.
 * Strict: an unterminated quote, a quote inside an unquoted field, data after a
 * closing quote, a bare CR, invalid UTF-8 and a wrong number of fields reject the
 * record. Blank lines are skipped. A UTF-8 BOM at the very start of the input is
 * skipped. Only top-level primitive columns are supported. See docs/internals/csv.md.
 *
 * Null rules: an empty unquoted field is null (unless empty_is_null is false), as is
 * an unquoted field equal to one of the configured null strings; a quoted field is
 * never null ("" is the empty string).
 *
 * Ownership: a decoder borrows its layout (which must outlive it) and copies its
 * options (null strings included). Inference copies its options too; the schema it
 * returns is owned by the caller.
 */
#ifndef LAKESINK_CSV_H
#define LAKESINK_CSV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lakesink/columnar.h"
#include "lakesink/error.h"
#include "lakesink/schema.h"

/* ------------------------------------------------------------ options */

typedef enum {
    LS_CSV_UNKNOWN_IGNORE = 0, /* header columns not in the schema are skipped, counted */
    LS_CSV_UNKNOWN_ERROR = 1   /* a header column not in the schema is an error */
} ls_csv_unknown_t;

#define LS_CSV_MAX_NULL_STRINGS 8

typedef struct ls_csv_opts_s {
    char delimiter;   /* default ',' ; must not be CR, LF or the quote */
    char quote;       /* default '"' ; '\0' disables quoting */
    bool header;      /* default true: the first record names the columns (matched to
                         top-level schema fields by exact name); false: columns map to
                         the schema's fields by position */
    ls_csv_unknown_t unknown_columns; /* default LS_CSV_UNKNOWN_IGNORE */
    bool empty_is_null;               /* default true: an empty unquoted field is null */
    /* Extra unquoted texts that mean null (e.g. "NULL", "\\N"); borrowed during
     * ls_csv_decoder_new / ls_csv_infer_new only (they are copied). Default none. */
    const char *null_strings[LS_CSV_MAX_NULL_STRINGS];
    size_t n_null_strings;
    size_t max_record_bytes; /* default 16 MiB; longer records are rejected */
    size_t max_columns;      /* default 16384: more fields in a record are rejected */
} ls_csv_opts_t;

/** @brief Fill @p o with the defaults above. */
void ls_csv_opts_init(ls_csv_opts_t *o);

/* ------------------------------------------------------------ decoder */

typedef struct ls_csv_decoder_s ls_csv_decoder_t;

/**
 * @brief Decoder for records of @p layout (borrowed; must outlive the decoder).
 * @param opts NULL = defaults; copied.
 * @returns the decoder (caller owns it, ls_csv_decoder_free), or NULL with @p err set:
 *          LS_ERR_SCHEMA when a schema field is nested (struct/array/map),
 *          LS_ERR_INVALID_ARG for bad options, LS_ERR_NOMEM.
 */
ls_csv_decoder_t *ls_csv_decoder_new(const ls_layout_t *layout, const ls_csv_opts_t *opts,
                                     ls_error_t *err);
/** @brief Free a decoder. NULL is fine. */
void ls_csv_decoder_free(ls_csv_decoder_t *d);

/**
 * @brief Read the header record at the start of @p data and map its columns to the
 * schema. Optional: with opts.header set, ls_csv_decode reads the header itself when
 * none was read yet. Columns not in the schema are ignored (counted) or rejected per
 * opts.unknown_columns; schema fields missing from the header are null in every row
 * (LS_ERR_SCHEMA if such a field is not nullable); a name repeated in the header is
 * LS_ERR_SCHEMA.
 * @param consumed receives the bytes used (BOM, blank lines and the header record).
 * @returns LS_OK, LS_ERR_PARSE (malformed or over-long header, or none in @p data),
 *          LS_ERR_SCHEMA, LS_ERR_STATE (opts.header is false), LS_ERR_NOMEM.
 */
ls_err_t ls_csv_read_header(ls_csv_decoder_t *d, const char *data, size_t len, size_t *consumed,
                            ls_error_t *err);

/* Called for each rejected record (why->msg already starts with "line N"); @p line_no is
 * the record's first line, @p byte_offset its offset in the data passed to the call.
 * Return non-OK to stop. Same signature as ls_json_bad_line_fn. */
typedef ls_err_t (*ls_csv_bad_row_fn)(void *ctx, size_t line_no, size_t byte_offset,
                                      const ls_error_t *why);

/**
 * @brief Decode the CSV records in @p data into @p b; the end of @p data is the end of
 * the input (a last record without a newline is decoded). Same contract as
 * ls_json_decode_ndjson: a bad record is rolled back and reported to @p bad (NULL = the
 * first bad record stops with its error, LS_ERR_PARSE or LS_ERR_SCHEMA); LS_ERR_LIMIT
 * when the batch's memory cap is reached, and the caller resumes at *consumed with a
 * new batch (LS_ERR_LIMIT is used for nothing else; with b->nrows == 0 it means one record
 * alone exceeds the cap). A record over max_record_bytes or max_columns is a bad record
 * (LS_ERR_PARSE). LS_ERR_NOMEM stops at the record (consumed = its start). A header
 * error (read on the first call when opts.header) is returned as from ls_csv_read_header.
 * Error messages read "line N, column C (name): byte B of the record: why".
 * @param first_line number of the first line of @p data (quoted newlines count as
 *        lines, so a caller that resumes adds the '\n' bytes in the consumed part).
 * @param consumed receives the bytes used (may be NULL).
 */
ls_err_t ls_csv_decode(ls_csv_decoder_t *d, ls_batch_t *b, const char *data, size_t len,
                       size_t first_line, ls_csv_bad_row_fn bad, void *bad_ctx, size_t *consumed,
                       ls_error_t *err);

/**
 * @brief ls_csv_decode for input read in chunks: @p data may end inside a record, and
 * that incomplete record is left unconsumed (*consumed < len, LS_OK) for the caller to
 * present again with more bytes after it. At end of input call ls_csv_decode on the
 * rest. An incomplete record already longer than max_record_bytes is LS_ERR_PARSE.
 */
ls_err_t ls_csv_decode_partial(ls_csv_decoder_t *d, ls_batch_t *b, const char *data, size_t len,
                               size_t first_line, ls_csv_bad_row_fn bad, void *bad_ctx,
                               size_t *consumed, ls_error_t *err);

/** @brief Header columns that are not in the schema (IGNORE mode). */
uint64_t ls_csv_decoder_unknown_columns(const ls_csv_decoder_t *d);

/** @brief True once the header has been read (always true when opts.header is false). */
bool ls_csv_decoder_has_header(const ls_csv_decoder_t *d);

/* ------------------------------------------------------------ inference */

typedef struct ls_csv_infer_s ls_csv_infer_t;

/** @brief New inference state. @p opts NULL = defaults; copied. Caller owns it. */
ls_csv_infer_t *ls_csv_infer_new(const ls_csv_opts_t *opts);
/** @brief Free an inference state. NULL is fine. */
void ls_csv_infer_free(ls_csv_infer_t *inf);

/**
 * @brief Widen the inferred schema with the records of @p data (the header first, when
 * opts.header is set and none was seen yet). The end of @p data is the end of a record:
 * a sample cut mid-record should be cut at a newline by the caller (a cut inside quotes
 * is then an unterminated-quote error).
 * @returns LS_OK, LS_ERR_PARSE (with line and byte; also a record over max_record_bytes
 *          or max_columns), LS_ERR_SCHEMA (wrong field count), LS_ERR_INVALID_ARG (bad
 *          options), LS_ERR_NOMEM.
 */
ls_err_t ls_csv_infer_data(ls_csv_infer_t *inf, const char *data, size_t len, ls_error_t *err);

/**
 * @brief The schema seen so far: a STRUCT with one nullable field per column, in column
 * order, named by the header (or "c1", "c2", ... without one). Per column, over its
 * non-null values: all integers that fit int64 → long; all numbers → double; all
 * true/false → boolean; all YYYY-MM-DD → date; dates and ISO-8601 timestamps → timestamp
 * when any value has a zone offset, else timestamp_ntz (as json.h's inference); anything
 * else, or no value at all → string. An empty header name becomes "cN". NULL with
 * @p err set: LS_ERR_SCHEMA when the header repeats a name, LS_ERR_NOMEM. Caller owns
 * the result.
 */
ls_type_t *ls_csv_infer_result(const ls_csv_infer_t *inf, ls_error_t *err);

#endif

/*
 * json.h — JSON for lakesink: a schema-directed NDJSON/JSON decoder that fills column
 * batches without building a tree, schema inference, a small DOM for configuration-
 * sized documents (Delta log actions, schema strings), and NDJSON output of batches.
 *
 * Strict RFC 8259 everywhere: invalid UTF-8, bad escapes, bad numbers, control
 * characters in strings and trailing garbage are errors carrying the byte offset.
 * Duplicate keys: see docs/internals/json.md for the rule (the decoder and the DOM
 * apply the same one).
 *
 * Ownership: a decoder borrows its layout (which must outlive it). DOM values live in
 * the arena passed to the parser. Output functions append to a caller-owned ls_buf_t.
 */
#ifndef LAKESINK_JSON_H
#define LAKESINK_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lakesink/arena.h"
#include "lakesink/buf.h"
#include "lakesink/columnar.h"
#include "lakesink/error.h"
#include "lakesink/schema.h"

/* ------------------------------------------------------------ decoder */

typedef enum {
    LS_JSON_UNKNOWN_IGNORE = 0, /* skip fields not in the schema, counting them */
    LS_JSON_UNKNOWN_ERROR = 1   /* a field not in the schema rejects the record */
} ls_json_unknown_t;

typedef struct ls_json_decoder_opts_s {
    ls_json_unknown_t unknown_fields; /* default LS_JSON_UNKNOWN_IGNORE */
    uint32_t max_depth;               /* default 64 */
    size_t max_record_bytes;          /* default 16 MiB; larger records are rejected */
    /* Store a number, boolean, object or array met in a string column as its JSON text
     * instead of rejecting the record. For inferred schemas, where a field that mixes
     * types was widened to string. Default false: strict. */
    bool json_text_in_strings;
    /* The last external_fields top-level fields of the layout are not read from JSON: a
     * key with their name is an unknown field, and the caller fills them between
     * ls_json_decode_record_open and ls_batch_row_commit (Kafka metadata, derived columns). */
    uint32_t external_fields;
    /* Top-level renames as pairs {JSON key, column name} (nrenames pairs); a renamed
     * column is read only under its JSON key. Borrowed: must outlive the decoder. */
    const char *const *renames;
    size_t nrenames;
    /* Top-level JSON keys skipped without counting them as unknown. Borrowed. */
    const char *const *drops;
    size_t ndrops;
} ls_json_decoder_opts_t;

void ls_json_decoder_opts_init(ls_json_decoder_opts_t *o);

typedef struct ls_json_decoder_s ls_json_decoder_t;

/** @brief Decoder for records of @p layout (borrowed). Caller owns the decoder. */
ls_json_decoder_t *ls_json_decoder_new(const ls_layout_t *layout, const ls_json_decoder_opts_t *opts,
                                       ls_error_t *err);
void ls_json_decoder_free(ls_json_decoder_t *d);

/**
 * @brief Decode one JSON object (@p len bytes, surrounding whitespace allowed) as one
 * row of @p b. On error the row is rolled back (the batch is as before) and @p err
 * says what is wrong and at which byte offset of the record; LS_ERR_PARSE for
 * malformed JSON, LS_ERR_SCHEMA for a value that does not fit its column.
 */
ls_err_t ls_json_decode_record(ls_json_decoder_t *d, ls_batch_t *b, const char *data, size_t len,
                               ls_error_t *err);

/**
 * @brief As ls_json_decode_record, but on success the row stays open: the caller pushes
 * the external fields' values, then calls ls_batch_row_commit (or ls_batch_row_abort).
 * On error the row is already rolled back.
 */
ls_err_t ls_json_decode_record_open(ls_json_decoder_t *d, ls_batch_t *b, const char *data,
                                    size_t len, ls_error_t *err);

/* Called for each rejected line of ls_json_decode_ndjson (why->msg already starts with
 * "line N: "); return non-OK to stop. */
typedef ls_err_t (*ls_json_bad_line_fn)(void *ctx, size_t line_no, size_t byte_offset,
                                        const ls_error_t *why);

/**
 * @brief Decode newline-delimited records (blank lines skipped) into @p b.
 * @param first_line number of the first line in @p data (for messages).
 * @param bad called for each rejected line; NULL = the first bad line stops with its error.
 * @param consumed receives the bytes used: decoding stops early (LS_ERR_LIMIT) when the
 *        batch's memory cap is reached, and the caller resumes from there with a new batch.
 */
ls_err_t ls_json_decode_ndjson(ls_json_decoder_t *d, ls_batch_t *b, const char *data, size_t len,
                               size_t first_line, ls_json_bad_line_fn bad, void *bad_ctx,
                               size_t *consumed, ls_error_t *err);

/** @brief Fields skipped because the schema does not have them (IGNORE mode). */
uint64_t ls_json_decoder_unknown_fields(const ls_json_decoder_t *d);

/**
 * @brief After a record failed with LS_ERR_SCHEMA because a number did not fit its column
 * (a byte/short/integer column and an integer beyond its range, or a float column and a
 * number beyond float's): that column's layout node (borrowed from the decoder's layout)
 * and the wider type that holds the value (LS_TYPE_LONG or LS_TYPE_DOUBLE). False when
 * the last record failed otherwise or succeeded.
 */
bool ls_json_decoder_widening(const ls_json_decoder_t *d, const ls_node_t **node,
                              ls_type_kind_t *to);

/* ------------------------------------------------------------ inference */

typedef struct ls_json_infer_s ls_json_infer_t;

ls_json_infer_t *ls_json_infer_new(void);
void ls_json_infer_free(ls_json_infer_t *inf);
/** @brief Widen the inferred schema with one JSON object record. */
ls_err_t ls_json_infer_record(ls_json_infer_t *inf, const char *data, size_t len, ls_error_t *err);
/**
 * @brief The schema seen so far (a STRUCT; every field nullable). Caller owns the result.
 * Integers → long, other numbers → double, ISO-8601 date strings → date, timestamps with
 * a zone → timestamp, without → timestamp_ntz, other strings → string, objects → struct,
 * arrays → array of the widened element type, null-only fields → string. Decode data
 * against an inferred schema with `json_text_in_strings` set, so values of fields that
 * were widened to string are kept (as their JSON text).
 */
ls_type_t *ls_json_infer_result(const ls_json_infer_t *inf, ls_error_t *err);

/* ------------------------------------------------------------ DOM */

typedef enum {
    LS_JSON_NULL,
    LS_JSON_BOOL,
    LS_JSON_NUMBER,
    LS_JSON_STRING,
    LS_JSON_ARRAY,
    LS_JSON_OBJECT
} ls_json_kind_t;

typedef struct ls_json_value_s ls_json_value_t;

typedef struct ls_json_member_s {
    const char *key; /* NUL-terminated, unescaped */
    size_t key_len;
    ls_json_value_t *value;
} ls_json_member_t;

struct ls_json_value_s {
    ls_json_kind_t kind;
    bool b;
    const char *str; /* STRING: unescaped, NUL-terminated; NUMBER: the literal text */
    size_t len;
    double num;       /* NUMBER */
    bool is_int;      /* NUMBER: an integer literal that fits int64 */
    int64_t i64;
    size_t n;         /* ARRAY items / OBJECT members */
    ls_json_value_t **items;
    ls_json_member_t *members;
};

/** @brief Parse one JSON document; every node lives in @p arena. */
ls_err_t ls_json_parse(const char *data, size_t len, ls_arena_t *arena, ls_json_value_t **out,
                       ls_error_t *err);
/** @brief Append @p v as compact JSON (numbers keep their literal text). */
ls_err_t ls_json_write_value(const ls_json_value_t *v, ls_buf_t *out);
/** @brief Member @p key of an object, or NULL. */
const ls_json_value_t *ls_json_get(const ls_json_value_t *obj, const char *key);

/**
 * @brief Parse a Delta schema JSON string ({"type":"struct","fields":[...]}, nested
 * struct/array/map, "decimal(p,s)"). Unknown extra keys (metadata) are ignored.
 * Caller owns *out.
 */
ls_err_t ls_json_parse_delta_schema(const char *data, size_t len, ls_type_t **out, ls_error_t *err);

/* ------------------------------------------------------------ output */

/**
 * @brief Append rows [from, from+n) of @p b as NDJSON lines (one object per row, fields
 * in schema order, nulls written as null). Conventions shared by every lakesink
 * command that prints rows: timestamps ISO-8601 UTC with microseconds and "Z"
 * (2024-01-15T10:30:00.000000Z), timestamp_ntz the same without "Z", dates YYYY-MM-DD,
 * time HH:MM:SS.ffffff, decimals as strings ("12.30"), uint64 as an unsigned number,
 * binary/fixed as base64 strings, uuid in 8-4-4-4-12 hex, NaN/Infinity as the strings
 * "NaN", "Infinity", "-Infinity", floats in the shortest form that round-trips.
 */
ls_err_t ls_json_write_rows(const ls_batch_t *b, size_t from, size_t n, ls_buf_t *out,
                            ls_error_t *err);

#endif

/*
 * parquet_meta.h — Parquet footer and page-header structures (the subset of
 * parquet.thrift lakesink reads and writes) and their Thrift compact encoding.
 *
 * Responsible for: mapping these structs to and from bytes. Unknown fields are
 * skipped on decode (forward compatibility); decode never trusts a length or count
 * (every one is bounded by the input). Not responsible for: interpreting pages.
 *
 * Ownership: decode allocates every string and array from the caller's arena; the
 * structs are valid as long as that arena. For encode, the caller owns everything.
 * Optional fields have a `has_*` flag (strings/arrays: NULL / count 0 = absent).
 */
#ifndef LAKESINK_PARQUET_META_H
#define LAKESINK_PARQUET_META_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lakesink/arena.h"
#include "lakesink/buf.h"
#include "lakesink/error.h"

/* parquet.thrift enums (values are the wire values) */
typedef enum {
    LS_PQ_BOOLEAN = 0,
    LS_PQ_INT32 = 1,
    LS_PQ_INT64 = 2,
    LS_PQ_INT96 = 3,
    LS_PQ_FLOAT = 4,
    LS_PQ_DOUBLE = 5,
    LS_PQ_BYTE_ARRAY = 6,
    LS_PQ_FIXED_LEN_BYTE_ARRAY = 7
} ls_pq_type_t;

typedef enum {
    LS_PQ_CT_UTF8 = 0, LS_PQ_CT_MAP = 1, LS_PQ_CT_MAP_KEY_VALUE = 2, LS_PQ_CT_LIST = 3,
    LS_PQ_CT_ENUM = 4, LS_PQ_CT_DECIMAL = 5, LS_PQ_CT_DATE = 6, LS_PQ_CT_TIME_MILLIS = 7,
    LS_PQ_CT_TIME_MICROS = 8, LS_PQ_CT_TIMESTAMP_MILLIS = 9, LS_PQ_CT_TIMESTAMP_MICROS = 10,
    LS_PQ_CT_UINT_8 = 11, LS_PQ_CT_UINT_16 = 12, LS_PQ_CT_UINT_32 = 13, LS_PQ_CT_UINT_64 = 14,
    LS_PQ_CT_INT_8 = 15, LS_PQ_CT_INT_16 = 16, LS_PQ_CT_INT_32 = 17, LS_PQ_CT_INT_64 = 18,
    LS_PQ_CT_JSON = 19, LS_PQ_CT_BSON = 20, LS_PQ_CT_INTERVAL = 21
} ls_pq_converted_t;

typedef enum { LS_PQ_REQUIRED = 0, LS_PQ_OPTIONAL = 1, LS_PQ_REPEATED = 2 } ls_pq_repetition_t;

typedef enum {
    LS_PQ_ENC_PLAIN = 0,
    LS_PQ_ENC_PLAIN_DICTIONARY = 2,
    LS_PQ_ENC_RLE = 3,
    LS_PQ_ENC_BIT_PACKED = 4,
    LS_PQ_ENC_DELTA_BINARY_PACKED = 5,
    LS_PQ_ENC_DELTA_LENGTH_BYTE_ARRAY = 6,
    LS_PQ_ENC_DELTA_BYTE_ARRAY = 7,
    LS_PQ_ENC_RLE_DICTIONARY = 8,
    LS_PQ_ENC_BYTE_STREAM_SPLIT = 9
} ls_pq_encoding_t;

typedef enum {
    LS_PQ_CODEC_UNCOMPRESSED = 0,
    LS_PQ_CODEC_SNAPPY = 1,
    LS_PQ_CODEC_GZIP = 2,
    LS_PQ_CODEC_LZO = 3,
    LS_PQ_CODEC_BROTLI = 4,
    LS_PQ_CODEC_LZ4 = 5, /* Hadoop framing (or raw, historically ambiguous) */
    LS_PQ_CODEC_ZSTD = 6,
    LS_PQ_CODEC_LZ4_RAW = 7
} ls_pq_codec_t;

typedef enum {
    LS_PQ_PAGE_DATA = 0,
    LS_PQ_PAGE_INDEX = 1,
    LS_PQ_PAGE_DICTIONARY = 2,
    LS_PQ_PAGE_DATA_V2 = 3
} ls_pq_page_type_t;

/* LogicalType union member (field id of the union, 0 = absent) */
typedef enum {
    LS_PQ_LT_NONE = 0, LS_PQ_LT_STRING = 1, LS_PQ_LT_MAP = 2, LS_PQ_LT_LIST = 3,
    LS_PQ_LT_ENUM = 4, LS_PQ_LT_DECIMAL = 5, LS_PQ_LT_DATE = 6, LS_PQ_LT_TIME = 7,
    LS_PQ_LT_TIMESTAMP = 8, LS_PQ_LT_INTEGER = 10, LS_PQ_LT_UNKNOWN = 11, LS_PQ_LT_JSON = 12,
    LS_PQ_LT_BSON = 13, LS_PQ_LT_UUID = 14, LS_PQ_LT_FLOAT16 = 15, LS_PQ_LT_VARIANT = 16,
    LS_PQ_LT_GEOMETRY = 17, LS_PQ_LT_GEOGRAPHY = 18,
    LS_PQ_LT_OTHER = 255 /* a union member this code does not know */
} ls_pq_logical_kind_t;

typedef enum { LS_PQ_UNIT_MILLIS = 1, LS_PQ_UNIT_MICROS = 2, LS_PQ_UNIT_NANOS = 3 } ls_pq_time_unit_t;

typedef struct ls_pq_logical_s {
    ls_pq_logical_kind_t kind;
    int32_t scale, precision;      /* DECIMAL */
    bool is_adjusted_to_utc;       /* TIME, TIMESTAMP */
    ls_pq_time_unit_t unit;        /* TIME, TIMESTAMP */
    int8_t bit_width;              /* INTEGER */
    bool is_signed;                /* INTEGER */
} ls_pq_logical_t;

typedef struct ls_pq_schema_el_s {
    bool has_type;
    ls_pq_type_t type;
    bool has_type_length;
    int32_t type_length;
    bool has_repetition;
    ls_pq_repetition_t repetition;
    const char *name;
    bool has_num_children;
    int32_t num_children;
    bool has_converted_type;
    ls_pq_converted_t converted_type;
    bool has_scale;
    int32_t scale;
    bool has_precision;
    int32_t precision;
    bool has_field_id;
    int32_t field_id;
    ls_pq_logical_t logical; /* kind NONE = absent */
} ls_pq_schema_el_t;

typedef struct ls_pq_stats_s {
    /* min_value/max_value (fields 6/5) are the correctly ordered ones; min/max (2/1) are
     * the deprecated signed-order fields, decoded for old files, never written. */
    const uint8_t *min_value, *max_value;
    uint32_t min_value_len, max_value_len;
    bool has_min_value, has_max_value;
    const uint8_t *min, *max;
    uint32_t min_len, max_len;
    bool has_min, has_max;
    bool has_null_count;
    int64_t null_count;
    bool has_distinct_count;
    int64_t distinct_count;
    bool has_is_min_exact, has_is_max_exact;
    bool is_min_exact, is_max_exact;
    bool has_nan_count; /* field 9: NaN values of FLOAT/DOUBLE columns (excluded from min/max) */
    int64_t nan_count;
} ls_pq_stats_t;

typedef struct ls_pq_kv_s {
    const char *key;
    const char *value; /* NULL = absent */
} ls_pq_kv_t;

typedef struct ls_pq_page_enc_stats_s {
    ls_pq_page_type_t page_type;
    ls_pq_encoding_t encoding;
    int32_t count;
} ls_pq_page_enc_stats_t;

typedef struct ls_pq_column_meta_s {
    ls_pq_type_t type;
    uint32_t num_encodings;
    ls_pq_encoding_t *encodings;
    uint32_t path_len;
    const char **path_in_schema;
    ls_pq_codec_t codec;
    int64_t num_values;
    int64_t total_uncompressed_size;
    int64_t total_compressed_size;
    uint32_t num_kv;
    ls_pq_kv_t *kv;
    int64_t data_page_offset;
    bool has_index_page_offset;
    int64_t index_page_offset;
    bool has_dictionary_page_offset;
    int64_t dictionary_page_offset;
    bool has_statistics;
    ls_pq_stats_t statistics;
    uint32_t num_encoding_stats;
    ls_pq_page_enc_stats_t *encoding_stats;
    bool has_bloom_filter_offset;
    int64_t bloom_filter_offset;
    bool has_bloom_filter_length;
    int32_t bloom_filter_length;
} ls_pq_column_meta_t;

typedef struct ls_pq_column_chunk_s {
    const char *file_path; /* NULL = this file */
    int64_t file_offset;
    bool has_meta_data;
    ls_pq_column_meta_t meta_data;
    bool has_offset_index;
    int64_t offset_index_offset;
    int32_t offset_index_length;
    bool has_column_index;
    int64_t column_index_offset;
    int32_t column_index_length;
    bool is_encrypted; /* crypto_metadata or encrypted_column_metadata present */
} ls_pq_column_chunk_t;

typedef struct ls_pq_row_group_s {
    uint32_t num_columns;
    ls_pq_column_chunk_t *columns;
    int64_t total_byte_size;
    int64_t num_rows;
    bool has_file_offset;
    int64_t file_offset;
    bool has_total_compressed_size;
    int64_t total_compressed_size;
    bool has_ordinal;
    int16_t ordinal;
} ls_pq_row_group_t;

typedef struct ls_pq_file_meta_s {
    int32_t version;
    uint32_t num_schema;
    ls_pq_schema_el_t *schema; /* depth-first, element 0 is the root */
    int64_t num_rows;
    uint32_t num_row_groups;
    ls_pq_row_group_t *row_groups;
    uint32_t num_kv;
    ls_pq_kv_t *kv;
    const char *created_by;
    uint32_t num_column_orders; /* each is TypeDefinedOrder when written by lakesink */
    bool has_encryption; /* encryption_algorithm present: the file cannot be read */
} ls_pq_file_meta_t;

typedef struct ls_pq_data_page_header_s {
    int32_t num_values;
    ls_pq_encoding_t encoding;
    ls_pq_encoding_t definition_level_encoding;
    ls_pq_encoding_t repetition_level_encoding;
    bool has_statistics;
    ls_pq_stats_t statistics;
} ls_pq_data_page_header_t;

typedef struct ls_pq_dict_page_header_s {
    int32_t num_values;
    ls_pq_encoding_t encoding;
    bool has_is_sorted;
    bool is_sorted;
} ls_pq_dict_page_header_t;

typedef struct ls_pq_data_page_header_v2_s {
    int32_t num_values;
    int32_t num_nulls;
    int32_t num_rows;
    ls_pq_encoding_t encoding;
    int32_t definition_levels_byte_length;
    int32_t repetition_levels_byte_length;
    bool is_compressed; /* defaults to true when absent */
    bool has_statistics;
    ls_pq_stats_t statistics;
} ls_pq_data_page_header_v2_t;

typedef struct ls_pq_page_header_s {
    ls_pq_page_type_t type;
    int32_t uncompressed_page_size;
    int32_t compressed_page_size;
    bool has_crc;
    int32_t crc;
    bool has_data_page_header;
    ls_pq_data_page_header_t data_page_header;
    bool has_dictionary_page_header;
    ls_pq_dict_page_header_t dictionary_page_header;
    bool has_data_page_header_v2;
    ls_pq_data_page_header_v2_t data_page_header_v2;
} ls_pq_page_header_t;

/**
 * @brief Decode a FileMetaData from @p len bytes at @p data.
 * Strings and arrays live in @p arena. Errors (LS_ERR_CORRUPT) say which field broke.
 */
ls_err_t ls_pq_file_meta_decode(const uint8_t *data, size_t len, ls_arena_t *arena,
                                ls_pq_file_meta_t *out, ls_error_t *err);
/** @brief Append the compact-protocol encoding of @p fm to @p out. */
ls_err_t ls_pq_file_meta_encode(const ls_pq_file_meta_t *fm, ls_buf_t *out, ls_error_t *err);

/**
 * @brief Decode a PageHeader at the start of @p data (@p len bytes available).
 * @param consumed receives the header's encoded size.
 */
ls_err_t ls_pq_page_header_decode(const uint8_t *data, size_t len, ls_arena_t *arena,
                                  ls_pq_page_header_t *out, size_t *consumed, ls_error_t *err);
/** @brief Append the encoding of @p ph to @p out. */
ls_err_t ls_pq_page_header_encode(const ls_pq_page_header_t *ph, ls_buf_t *out, ls_error_t *err);

/** @brief Names for messages and `parquet meta`: "INT64", "ZSTD", "RLE_DICTIONARY", ... */
const char *ls_pq_type_name(ls_pq_type_t t);
const char *ls_pq_codec_name(ls_pq_codec_t c);
const char *ls_pq_encoding_name(ls_pq_encoding_t e);
const char *ls_pq_converted_name(ls_pq_converted_t c);
const char *ls_pq_repetition_name(ls_pq_repetition_t r);
const char *ls_pq_page_type_name(ls_pq_page_type_t t);
const char *ls_pq_logical_name(ls_pq_logical_kind_t k);

#endif

/*
 * parquet_meta_names.c — printable names of the parquet.thrift enums, spelled as in
 * the IDL, for error messages and `lakesink parquet meta`.
 *
 * Values from newer files that this table does not know print as "UNKNOWN" (or
 * "OTHER" for logical types); none of these functions returns NULL.
 */
#include <stddef.h>

#include "lakesink/parquet_meta.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const char *pick(const char *const *names, size_t n, int v, const char *fallback)
{
    if (v < 0 || (size_t)v >= n || names[v] == NULL) {
        return fallback;
    }
    return names[v];
}

const char *ls_pq_type_name(ls_pq_type_t t)
{
    static const char *const names[] = {
        "BOOLEAN", "INT32",  "INT64",      "INT96",
        "FLOAT",   "DOUBLE", "BYTE_ARRAY", "FIXED_LEN_BYTE_ARRAY",
    };
    return pick(names, COUNT(names), (int)t, "UNKNOWN");
}

const char *ls_pq_codec_name(ls_pq_codec_t c)
{
    static const char *const names[] = {
        "UNCOMPRESSED", "SNAPPY", "GZIP", "LZO", "BROTLI", "LZ4", "ZSTD", "LZ4_RAW",
    };
    return pick(names, COUNT(names), (int)c, "UNKNOWN");
}

const char *ls_pq_encoding_name(ls_pq_encoding_t e)
{
    /* 1 (GROUP_VAR_INT) is long gone and 10 (ALP) is newer than this enum, but files
     * may still name them */
    static const char *const names[] = {
        "PLAIN",
        "GROUP_VAR_INT",
        "PLAIN_DICTIONARY",
        "RLE",
        "BIT_PACKED",
        "DELTA_BINARY_PACKED",
        "DELTA_LENGTH_BYTE_ARRAY",
        "DELTA_BYTE_ARRAY",
        "RLE_DICTIONARY",
        "BYTE_STREAM_SPLIT",
        "ALP",
    };
    return pick(names, COUNT(names), (int)e, "UNKNOWN");
}

const char *ls_pq_converted_name(ls_pq_converted_t c)
{
    static const char *const names[] = {
        "UTF8",
        "MAP",
        "MAP_KEY_VALUE",
        "LIST",
        "ENUM",
        "DECIMAL",
        "DATE",
        "TIME_MILLIS",
        "TIME_MICROS",
        "TIMESTAMP_MILLIS",
        "TIMESTAMP_MICROS",
        "UINT_8",
        "UINT_16",
        "UINT_32",
        "UINT_64",
        "INT_8",
        "INT_16",
        "INT_32",
        "INT_64",
        "JSON",
        "BSON",
        "INTERVAL",
    };
    return pick(names, COUNT(names), (int)c, "UNKNOWN");
}

const char *ls_pq_repetition_name(ls_pq_repetition_t r)
{
    static const char *const names[] = {"REQUIRED", "OPTIONAL", "REPEATED"};
    return pick(names, COUNT(names), (int)r, "UNKNOWN");
}

const char *ls_pq_page_type_name(ls_pq_page_type_t t)
{
    static const char *const names[] = {
        "DATA_PAGE",
        "INDEX_PAGE",
        "DICTIONARY_PAGE",
        "DATA_PAGE_V2",
    };
    return pick(names, COUNT(names), (int)t, "UNKNOWN");
}

const char *ls_pq_logical_name(ls_pq_logical_kind_t k)
{
    static const char *const names[] = {
        "NONE", "STRING",    "MAP",     "LIST",     "ENUM",      "DECIMAL", "DATE",
        "TIME", "TIMESTAMP", NULL,      "INTEGER",  "UNKNOWN",   "JSON",    "BSON",
        "UUID", "FLOAT16",   "VARIANT", "GEOMETRY", "GEOGRAPHY",
    };
    return pick(names, COUNT(names), (int)k, "OTHER");
}

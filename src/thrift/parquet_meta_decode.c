/*
 * parquet_meta_decode.c — FileMetaData (the Parquet footer) from the compact protocol:
 * SchemaElement with its LogicalType, RowGroup, ColumnChunk, ColumnMetaData,
 * PageEncodingStats, KeyValue, ColumnOrder (counted only).
 *
 * Responsible for: mapping field ids of parquet.thrift to the structs of
 * parquet_meta.h, skipping unknown fields, checking required fields and the few
 * values a reader would otherwise trust blindly (negative sizes and counts, closed
 * enums: physical type, repetition). Not responsible for: cross-checking the schema
 * against the column chunks or offsets against the file size (the reader does that).
 */
#include <string.h>

#include "lakesink/arena.h"
#include "parquet_meta_int.h"

/* ---- LogicalType ---- */

typedef struct {
    ls_pq_logical_t *lt;
    int member; /* union member being decoded */
} logical_ctx_t;

static void unit_field(ls__pq_dec_t *d, void *obj, const ls_thrift_field_t *f, uint64_t *seen)
{
    ls_pq_time_unit_t *unit = obj;
    if (f->id >= LS_PQ_UNIT_MILLIS && f->id <= LS_PQ_UNIT_NANOS &&
        ls__pq_want(d, f, LS_THRIFT_STRUCT, seen)) {
        ls_thrift_skip(&d->r, LS_THRIFT_STRUCT); /* MilliSeconds {} etc. */
        *unit = (ls_pq_time_unit_t)f->id;
    } else if (f->id < LS_PQ_UNIT_MILLIS || f->id > LS_PQ_UNIT_NANOS) {
        ls_thrift_skip_field(&d->r, f);
    }
}

static const char *const unit_fields[] = {NULL, "MILLIS", "MICROS", "NANOS"};
static const ls__pq_struct_desc_t unit_desc = {"TimeUnit", unit_fields, 4, 0, unit_field};

/* Members of DecimalType, TimeType/TimestampType and IntType. */
static void member_field(ls__pq_dec_t *d, void *obj, const ls_thrift_field_t *f, uint64_t *seen)
{
    logical_ctx_t *c = obj;
    ls_pq_logical_t *lt = c->lt;
    ls_thrift_reader_t *r = &d->r;
    if (c->member == LS_PQ_LT_DECIMAL && (f->id == 1 || f->id == 2)) {
        if (ls__pq_want(d, f, LS_THRIFT_I32, seen)) {
            *(f->id == 1 ? &lt->scale : &lt->precision) = ls_thrift_read_i32(r);
        }
    } else if (c->member == LS_PQ_LT_INTEGER && f->id == 1) {
        if (ls__pq_want(d, f, LS_THRIFT_I8, seen)) {
            lt->bit_width = ls_thrift_read_i8(r);
        }
    } else if ((c->member == LS_PQ_LT_INTEGER && f->id == 2) ||
               (c->member != LS_PQ_LT_INTEGER && c->member != LS_PQ_LT_DECIMAL && f->id == 1)) {
        if (ls__pq_want(d, f, LS_THRIFT_BOOL, seen)) {
            *(c->member == LS_PQ_LT_INTEGER ? &lt->is_signed : &lt->is_adjusted_to_utc) =
                f->bool_value;
        }
    } else if (c->member != LS_PQ_LT_INTEGER && f->id == 2) { /* TIME, TIMESTAMP */
        if (ls__pq_want(d, f, LS_THRIFT_STRUCT, seen)) {
            ls_pq_time_unit_t unit = 0;
            ls__pq_dec_struct(d, &unit_desc, &unit);
            lt->unit = unit;
        }
    } else {
        ls_thrift_skip_field(r, f);
    }
}

static const char *const decimal_fields[] = {NULL, "scale", "precision"};
static const char *const time_fields[] = {NULL, "isAdjustedToUTC", "unit"};
static const char *const int_fields[] = {NULL, "bitWidth", "isSigned"};

static const ls__pq_struct_desc_t decimal_desc = {
    "DecimalType", decimal_fields, 3, LS__PQ_BIT(1) | LS__PQ_BIT(2), member_field,
};
static const ls__pq_struct_desc_t time_desc = {
    "TimeType", time_fields, 3, LS__PQ_BIT(1) | LS__PQ_BIT(2), member_field,
};
static const ls__pq_struct_desc_t timestamp_desc = {
    "TimestampType", time_fields, 3, LS__PQ_BIT(1) | LS__PQ_BIT(2), member_field,
};
static const ls__pq_struct_desc_t int_desc = {
    "IntType", int_fields, 3, LS__PQ_BIT(1) | LS__PQ_BIT(2), member_field,
};

static void logical_field(ls__pq_dec_t *d, void *obj, const ls_thrift_field_t *f, uint64_t *seen)
{
    ls_pq_logical_t *lt = obj;
    if (!ls__pq_want(d, f, LS_THRIFT_STRUCT, seen)) {
        lt->kind = LS_PQ_LT_OTHER; /* not a struct: no member we know */
        return;
    }
    memset(lt, 0, sizeof(*lt));
    logical_ctx_t c = {lt, f->id};
    switch (f->id) {
    case LS_PQ_LT_DECIMAL: ls__pq_dec_struct(d, &decimal_desc, &c); break;
    case LS_PQ_LT_TIME: ls__pq_dec_struct(d, &time_desc, &c); break;
    case LS_PQ_LT_TIMESTAMP: ls__pq_dec_struct(d, &timestamp_desc, &c); break;
    case LS_PQ_LT_INTEGER: ls__pq_dec_struct(d, &int_desc, &c); break;
    default:
        ls_thrift_skip(&d->r, LS_THRIFT_STRUCT); /* members without content we use */
        break;
    }
    bool known = (f->id >= LS_PQ_LT_STRING && f->id <= LS_PQ_LT_TIMESTAMP) ||
                 (f->id >= LS_PQ_LT_INTEGER && f->id <= LS_PQ_LT_GEOGRAPHY);
    lt->kind = known ? (ls_pq_logical_kind_t)f->id : LS_PQ_LT_OTHER;
    /* A time unit this code does not know makes the whole type unknown to it. */
    if ((lt->kind == LS_PQ_LT_TIME || lt->kind == LS_PQ_LT_TIMESTAMP) && lt->unit == 0) {
        lt->kind = LS_PQ_LT_OTHER;
    }
}

static const char *const logical_fields[] = {
    NULL,   "STRING",    "MAP",     "LIST",     "ENUM",      "DECIMAL", "DATE",
    "TIME", "TIMESTAMP", NULL,      "INTEGER",  "UNKNOWN",   "JSON",    "BSON",
    "UUID", "FLOAT16",   "VARIANT", "GEOMETRY", "GEOGRAPHY",
};
static const ls__pq_struct_desc_t logical_desc = {
    "LogicalType", logical_fields, sizeof(logical_fields) / sizeof(logical_fields[0]), 0,
    logical_field,
};

/* ---- SchemaElement ---- */

static void schema_field(ls__pq_dec_t *d, void *obj, const ls_thrift_field_t *f, uint64_t *seen)
{
    ls_pq_schema_el_t *el = obj;
    ls_thrift_reader_t *r = &d->r;
    if (f->id == 4) {
        if (ls__pq_want(d, f, LS_THRIFT_BINARY, seen)) {
            el->name = ls__pq_dec_string(d);
        }
    } else if (f->id == 10) {
        if (ls__pq_want(d, f, LS_THRIFT_STRUCT, seen)) {
            ls__pq_dec_struct(d, &logical_desc, &el->logical);
        }
    } else if (f->id >= 1 && f->id <= 9) {
        if (!ls__pq_want(d, f, LS_THRIFT_I32, seen)) {
            return;
        }
        int32_t v = ls_thrift_read_i32(r);
        switch (f->id) {
        case 1:
            ls__pq_range(d, v, LS_PQ_BOOLEAN, LS_PQ_FIXED_LEN_BYTE_ARRAY, "physical type");
            el->has_type = true, el->type = (ls_pq_type_t)v;
            break;
        case 2: el->has_type_length = true, el->type_length = v; break;
        case 3:
            ls__pq_range(d, v, LS_PQ_REQUIRED, LS_PQ_REPEATED, "repetition type");
            el->has_repetition = true, el->repetition = (ls_pq_repetition_t)v;
            break;
        case 5:
            ls__pq_nonneg(d, v, "num_children");
            el->has_num_children = true, el->num_children = v;
            break;
        case 6: el->has_converted_type = true, el->converted_type = (ls_pq_converted_t)v; break;
        case 7: el->has_scale = true, el->scale = v; break;
        case 8: el->has_precision = true, el->precision = v; break;
        default: el->has_field_id = true, el->field_id = v; break;
        }
    } else {
        ls_thrift_skip_field(r, f);
    }
}

static const char *const schema_fields[] = {
    NULL,        "type",         "type_length",    "repetition_type",
    "name",      "num_children", "converted_type", "scale",
    "precision", "field_id",     "logicalType",
};
static const ls__pq_struct_desc_t schema_desc = {
    "SchemaElement", schema_fields, 11, LS__PQ_BIT(4), schema_field,
};

/* ---- ColumnMetaData ---- */

static void dec_encodings(ls__pq_dec_t *d, ls_pq_column_meta_t *cm)
{
    ls_thrift_type_t et;
    uint32_t n = ls_thrift_read_list_begin(&d->r, &et, 1);
    cm->num_encodings = 0;
    cm->encodings = NULL;
    if (n == 0) {
        return;
    }
    if (et != LS_THRIFT_I32) {
        ls_thrift_fail(&d->r, LS_ERR_CORRUPT, "encodings are not i32 (wire type %d)", (int)et);
        return;
    }
    cm->encodings = ls_arena_calloc(d->arena, n, sizeof(*cm->encodings));
    if (cm->encodings == NULL) {
        ls_thrift_fail(&d->r, LS_ERR_NOMEM, "no memory for %u encodings", n);
        return;
    }
    for (uint32_t i = 0; i < n; i++) {
        /* open enum: new encodings pass through, the page decoder rejects them */
        cm->encodings[i] = (ls_pq_encoding_t)ls_thrift_read_i32(&d->r);
    }
    cm->num_encodings = d->r.rc == LS_OK ? n : 0;
}

static void dec_path(ls__pq_dec_t *d, ls_pq_column_meta_t *cm)
{
    ls_thrift_type_t et;
    uint32_t n = ls_thrift_read_list_begin(&d->r, &et, 1);
    cm->path_len = 0;
    cm->path_in_schema = NULL;
    if (n == 0) {
        return;
    }
    if (et != LS_THRIFT_BINARY) {
        ls_thrift_fail(&d->r, LS_ERR_CORRUPT, "path is not a list of strings");
        return;
    }
    cm->path_in_schema = ls_arena_calloc(d->arena, n, sizeof(*cm->path_in_schema));
    if (cm->path_in_schema == NULL) {
        ls_thrift_fail(&d->r, LS_ERR_NOMEM, "no memory for a path of %u names", n);
        return;
    }
    for (uint32_t i = 0; i < n && d->r.rc == LS_OK; i++) {
        cm->path_in_schema[i] = ls__pq_dec_string(d);
    }
    cm->path_len = d->r.rc == LS_OK ? n : 0;
}

static void enc_stats_field(ls__pq_dec_t *d, void *obj, const ls_thrift_field_t *f, uint64_t *seen)
{
    ls_pq_page_enc_stats_t *es = obj;
    if (f->id < 1 || f->id > 3) {
        ls_thrift_skip_field(&d->r, f);
        return;
    }
    if (!ls__pq_want(d, f, LS_THRIFT_I32, seen)) {
        return;
    }
    int32_t v = ls_thrift_read_i32(&d->r);
    if (f->id == 1) {
        es->page_type = (ls_pq_page_type_t)v;
    } else if (f->id == 2) {
        es->encoding = (ls_pq_encoding_t)v;
    } else {
        es->count = v;
    }
}

static const char *const enc_stats_fields[] = {NULL, "page_type", "encoding", "count"};
static const ls__pq_struct_desc_t enc_stats_desc = {
    "PageEncodingStats", enc_stats_fields, 4, LS__PQ_BIT(1) | LS__PQ_BIT(2) | LS__PQ_BIT(3),
    enc_stats_field,
};

/* Fields of ColumnMetaData that are plain i64 values (5, 6, 7, 9, 10, 11, 14). */
static void column_meta_i64(ls__pq_dec_t *d, ls_pq_column_meta_t *cm, int16_t id, int64_t v)
{
    switch (id) {
    case 5: ls__pq_nonneg(d, v, "num_values"), cm->num_values = v; break;
    case 6: ls__pq_nonneg(d, v, "size"), cm->total_uncompressed_size = v; break;
    case 7: ls__pq_nonneg(d, v, "size"), cm->total_compressed_size = v; break;
    case 9: cm->data_page_offset = v; break;
    case 10: cm->has_index_page_offset = true, cm->index_page_offset = v; break;
    case 11: cm->has_dictionary_page_offset = true, cm->dictionary_page_offset = v; break;
    default: cm->has_bloom_filter_offset = true, cm->bloom_filter_offset = v; break;
    }
}

static void column_meta_field(ls__pq_dec_t *d, void *obj, const ls_thrift_field_t *f,
                              uint64_t *seen)
{
    ls_pq_column_meta_t *cm = obj;
    ls_thrift_reader_t *r = &d->r;
    switch (f->id) {
    case 1:
    case 4:
    case 15:
        if (ls__pq_want(d, f, LS_THRIFT_I32, seen)) {
            int32_t v = ls_thrift_read_i32(r);
            if (f->id == 1) {
                ls__pq_range(d, v, LS_PQ_BOOLEAN, LS_PQ_FIXED_LEN_BYTE_ARRAY, "physical type");
                cm->type = (ls_pq_type_t)v;
            } else if (f->id == 4) {
                cm->codec = (ls_pq_codec_t)v; /* open enum: the codec module rejects unknowns */
            } else {
                cm->has_bloom_filter_length = true, cm->bloom_filter_length = v;
            }
        }
        break;
    case 2:
        if (ls__pq_want(d, f, LS_THRIFT_LIST, seen)) {
            dec_encodings(d, cm);
        }
        break;
    case 3:
        if (ls__pq_want(d, f, LS_THRIFT_LIST, seen)) {
            dec_path(d, cm);
        }
        break;
    case 5:
    case 6:
    case 7:
    case 9:
    case 10:
    case 11:
    case 14:
        if (ls__pq_want(d, f, LS_THRIFT_I64, seen)) {
            column_meta_i64(d, cm, f->id, ls_thrift_read_i64(r));
        }
        break;
    case 8:
        if (ls__pq_want(d, f, LS_THRIFT_LIST, seen)) {
            ls__pq_dec_kv_list(d, &cm->kv, &cm->num_kv);
        }
        break;
    case 12:
        if (ls__pq_want(d, f, LS_THRIFT_STRUCT, seen)) {
            ls__pq_dec_stats(d, &cm->statistics);
            cm->has_statistics = true;
        }
        break;
    case 13:
        if (ls__pq_want(d, f, LS_THRIFT_LIST, seen)) {
            cm->encoding_stats = ls__pq_dec_struct_list(
                d, &enc_stats_desc, sizeof(*cm->encoding_stats), 7, &cm->num_encoding_stats);
        }
        break;
    default: ls_thrift_skip_field(r, f); break;
    }
}

static const char *const column_meta_fields[] = {
    NULL,
    "type",
    "encodings",
    "path_in_schema",
    "codec",
    "num_values",
    "total_uncompressed_size",
    "total_compressed_size",
    "key_value_metadata",
    "data_page_offset",
    "index_page_offset",
    "dictionary_page_offset",
    "statistics",
    "encoding_stats",
    "bloom_filter_offset",
    "bloom_filter_length",
    "size_statistics",
    "geospatial_statistics",
};
static const ls__pq_struct_desc_t column_meta_desc = {
    "ColumnMetaData",
    column_meta_fields,
    18,
    LS__PQ_BIT(1) | LS__PQ_BIT(2) | LS__PQ_BIT(3) | LS__PQ_BIT(4) | LS__PQ_BIT(5) | LS__PQ_BIT(6) |
        LS__PQ_BIT(7) | LS__PQ_BIT(9),
    column_meta_field,
};

/* ---- ColumnChunk ---- */

static void chunk_field(ls__pq_dec_t *d, void *obj, const ls_thrift_field_t *f, uint64_t *seen)
{
    ls_pq_column_chunk_t *cc = obj;
    ls_thrift_reader_t *r = &d->r;
    switch (f->id) {
    case 1:
        if (ls__pq_want(d, f, LS_THRIFT_BINARY, seen)) {
            cc->file_path = ls__pq_dec_string(d);
        }
        break;
    case 2:
    case 4:
    case 6:
        if (ls__pq_want(d, f, LS_THRIFT_I64, seen)) {
            int64_t v = ls_thrift_read_i64(r);
            if (f->id == 2) {
                cc->file_offset = v;
            } else if (f->id == 4) {
                cc->has_offset_index = true, cc->offset_index_offset = v;
            } else {
                cc->has_column_index = true, cc->column_index_offset = v;
            }
        }
        break;
    case 3:
        if (ls__pq_want(d, f, LS_THRIFT_STRUCT, seen)) {
            ls__pq_dec_struct(d, &column_meta_desc, &cc->meta_data);
            cc->has_meta_data = true;
        }
        break;
    case 5:
    case 7:
        if (ls__pq_want(d, f, LS_THRIFT_I32, seen)) {
            *(f->id == 5 ? &cc->offset_index_length : &cc->column_index_length) =
                ls_thrift_read_i32(r);
        }
        break;
    case 8:
    case 9: /* crypto_metadata, encrypted_column_metadata: presence is all we need */
        ls_thrift_skip_field(r, f);
        cc->is_encrypted = true;
        break;
    default: ls_thrift_skip_field(r, f); break;
    }
}

static const char *const chunk_fields[] = {
    NULL,
    "file_path",
    "file_offset",
    "meta_data",
    "offset_index_offset",
    "offset_index_length",
    "column_index_offset",
    "column_index_length",
    "crypto_metadata",
    "encrypted_column_metadata",
};
static const ls__pq_struct_desc_t chunk_desc = {
    "ColumnChunk", chunk_fields, 10, LS__PQ_BIT(2), chunk_field,
};

/* ---- RowGroup ---- */

static void row_group_field(ls__pq_dec_t *d, void *obj, const ls_thrift_field_t *f, uint64_t *seen)
{
    ls_pq_row_group_t *rg = obj;
    ls_thrift_reader_t *r = &d->r;
    switch (f->id) {
    case 1:
        if (ls__pq_want(d, f, LS_THRIFT_LIST, seen)) {
            /* smallest ColumnChunk: file_offset (2 bytes) + stop */
            rg->columns =
                ls__pq_dec_struct_list(d, &chunk_desc, sizeof(*rg->columns), 3, &rg->num_columns);
        }
        break;
    case 2:
    case 3:
    case 5:
    case 6:
        if (ls__pq_want(d, f, LS_THRIFT_I64, seen)) {
            int64_t v = ls_thrift_read_i64(r);
            if (f->id == 2) {
                rg->total_byte_size = v;
            } else if (f->id == 3) {
                ls__pq_nonneg(d, v, "num_rows");
                rg->num_rows = v;
            } else if (f->id == 5) {
                rg->has_file_offset = true, rg->file_offset = v;
            } else {
                rg->has_total_compressed_size = true, rg->total_compressed_size = v;
            }
        }
        break;
    case 7:
        if (ls__pq_want(d, f, LS_THRIFT_I16, seen)) {
            rg->has_ordinal = true, rg->ordinal = ls_thrift_read_i16(r);
        }
        break;
    default: ls_thrift_skip_field(r, f); break;
    }
}

static const char *const row_group_fields[] = {
    NULL,
    "columns",
    "total_byte_size",
    "num_rows",
    "sorting_columns",
    "file_offset",
    "total_compressed_size",
    "ordinal",
};
static const ls__pq_struct_desc_t row_group_desc = {
    "RowGroup", row_group_fields, 8, LS__PQ_BIT(1) | LS__PQ_BIT(2) | LS__PQ_BIT(3), row_group_field,
};

/* ---- FileMetaData ---- */

static void count_list(ls__pq_dec_t *d, uint32_t *count)
{
    ls_thrift_type_t et;
    uint32_t n = ls_thrift_read_list_begin(&d->r, &et, 1);
    for (uint32_t i = 0; i < n && d->r.rc == LS_OK; i++) {
        ls_thrift_skip(&d->r, et);
    }
    *count = d->r.rc == LS_OK ? n : 0;
}

static void file_meta_field(ls__pq_dec_t *d, void *obj, const ls_thrift_field_t *f, uint64_t *seen)
{
    ls_pq_file_meta_t *fm = obj;
    ls_thrift_reader_t *r = &d->r;
    switch (f->id) {
    case 1:
        if (ls__pq_want(d, f, LS_THRIFT_I32, seen)) {
            fm->version = ls_thrift_read_i32(r);
        }
        break;
    case 2:
        if (ls__pq_want(d, f, LS_THRIFT_LIST, seen)) {
            /* smallest SchemaElement: name header + empty string + stop */
            fm->schema =
                ls__pq_dec_struct_list(d, &schema_desc, sizeof(*fm->schema), 3, &fm->num_schema);
        }
        break;
    case 3:
        if (ls__pq_want(d, f, LS_THRIFT_I64, seen)) {
            fm->num_rows = ls_thrift_read_i64(r);
            ls__pq_nonneg(d, fm->num_rows, "num_rows");
        }
        break;
    case 4:
        if (ls__pq_want(d, f, LS_THRIFT_LIST, seen)) {
            /* smallest RowGroup: columns, total_byte_size, num_rows (2 bytes each) + stop */
            fm->row_groups = ls__pq_dec_struct_list(d, &row_group_desc, sizeof(*fm->row_groups), 7,
                                                    &fm->num_row_groups);
        }
        break;
    case 5:
        if (ls__pq_want(d, f, LS_THRIFT_LIST, seen)) {
            ls__pq_dec_kv_list(d, &fm->kv, &fm->num_kv);
        }
        break;
    case 6:
        if (ls__pq_want(d, f, LS_THRIFT_BINARY, seen)) {
            fm->created_by = ls__pq_dec_string(d);
        }
        break;
    case 7:
        if (ls__pq_want(d, f, LS_THRIFT_LIST, seen)) {
            count_list(d, &fm->num_column_orders);
        }
        break;
    case 8:
        ls_thrift_skip_field(r, f);
        fm->has_encryption = true;
        break;
    default: ls_thrift_skip_field(r, f); break;
    }
}

static const char *const file_meta_fields[] = {
    NULL,
    "version",
    "schema",
    "num_rows",
    "row_groups",
    "key_value_metadata",
    "created_by",
    "column_orders",
    "encryption_algorithm",
    "footer_signing_key_metadata",
};
static const ls__pq_struct_desc_t file_meta_desc = {
    "FileMetaData",
    file_meta_fields,
    10,
    LS__PQ_BIT(1) | LS__PQ_BIT(2) | LS__PQ_BIT(3) | LS__PQ_BIT(4),
    file_meta_field,
};

ls_err_t ls_pq_file_meta_decode(const uint8_t *data, size_t len, ls_arena_t *arena,
                                ls_pq_file_meta_t *out, ls_error_t *err)
{
    memset(out, 0, sizeof(*out));
    if (arena == NULL) {
        return ls_error_set(err, LS_ERR_INVALID_ARG, "FileMetaData: no arena to decode into");
    }
    ls__pq_dec_t d;
    ls_thrift_reader_init(&d.r, data, len, err);
    d.arena = arena;
    ls__pq_dec_struct(&d, &file_meta_desc, out);
    ls_err_t rc = ls__pq_dec_finish(&d, "FileMetaData");
    if (rc != LS_OK) {
        memset(out, 0, sizeof(*out)); /* never hand out half-decoded arrays */
    }
    return rc;
}

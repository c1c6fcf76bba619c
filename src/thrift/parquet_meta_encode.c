/*
 * parquet_meta_encode.c — FileMetaData to the compact protocol.
 *
 * Responsible for: writing every struct of the footer with fields in increasing id
 * order, required fields always, optional ones only when their has_* flag (or a
 * non-NULL pointer / non-zero count) says so; rejecting what cannot be written
 * (NULL names, unknown logical types, encryption). Not responsible for: deciding
 * what the footer should contain (the Parquet writer does).
 */
#include <string.h>

#include "parquet_meta_int.h"

/* ---- SchemaElement ---- */

static void enc_unit(ls__pq_enc_t *e, ls_pq_time_unit_t unit)
{
    ls_thrift_writer_t *w = &e->w;
    if (unit < LS_PQ_UNIT_MILLIS || unit > LS_PQ_UNIT_NANOS) {
        ls__pq_enc_fail(e, LS_ERR_INVALID_ARG, "invalid time unit %d", (int)unit);
        return;
    }
    ls_thrift_write_field(w, LS_THRIFT_STRUCT, 2);
    ls_thrift_write_struct_begin(w); /* TimeUnit union */
    ls_thrift_write_field(w, LS_THRIFT_STRUCT, (int16_t)unit);
    ls_thrift_write_struct_begin(w); /* MilliSeconds {} etc. */
    ls_thrift_write_struct_end(w);
    ls_thrift_write_struct_end(w);
}

static void enc_logical(ls__pq_enc_t *e, const ls_pq_logical_t *lt)
{
    ls_thrift_writer_t *w = &e->w;
    bool known = (lt->kind >= LS_PQ_LT_STRING && lt->kind <= LS_PQ_LT_TIMESTAMP) ||
                 (lt->kind >= LS_PQ_LT_INTEGER && lt->kind <= LS_PQ_LT_GEOGRAPHY);
    if (!known) {
        ls__pq_enc_fail(e, LS_ERR_INVALID_ARG, "logical type %d cannot be written", (int)lt->kind);
        return;
    }
    ls_thrift_write_field(w, LS_THRIFT_STRUCT, 10);
    ls_thrift_write_struct_begin(w); /* LogicalType union */
    ls_thrift_write_field(w, LS_THRIFT_STRUCT, (int16_t)lt->kind);
    ls_thrift_write_struct_begin(w);
    switch (lt->kind) {
    case LS_PQ_LT_DECIMAL:
        ls_thrift_write_i32_field(w, 1, lt->scale);
        ls_thrift_write_i32_field(w, 2, lt->precision);
        break;
    case LS_PQ_LT_TIME:
    case LS_PQ_LT_TIMESTAMP:
        ls_thrift_write_bool_field(w, 1, lt->is_adjusted_to_utc);
        enc_unit(e, lt->unit);
        break;
    case LS_PQ_LT_INTEGER:
        ls_thrift_write_field(w, LS_THRIFT_I8, 1);
        ls_thrift_write_i8(w, lt->bit_width);
        ls_thrift_write_bool_field(w, 2, lt->is_signed);
        break;
    default: /* the other members are empty structs (or have only optional fields) */ break;
    }
    ls_thrift_write_struct_end(w);
    ls_thrift_write_struct_end(w);
}

static void enc_schema_el(ls__pq_enc_t *e, const ls_pq_schema_el_t *el, uint32_t i)
{
    ls_thrift_writer_t *w = &e->w;
    if (el->name == NULL) {
        ls__pq_enc_fail(e, LS_ERR_INVALID_ARG, "schema[%u] has no name", i);
        return;
    }
    ls_thrift_write_struct_begin(w);
    if (el->has_type) {
        ls_thrift_write_i32_field(w, 1, (int32_t)el->type);
    }
    if (el->has_type_length) {
        ls_thrift_write_i32_field(w, 2, el->type_length);
    }
    if (el->has_repetition) {
        ls_thrift_write_i32_field(w, 3, (int32_t)el->repetition);
    }
    ls_thrift_write_string_field(w, 4, el->name);
    if (el->has_num_children) {
        ls_thrift_write_i32_field(w, 5, el->num_children);
    }
    if (el->has_converted_type) {
        ls_thrift_write_i32_field(w, 6, (int32_t)el->converted_type);
    }
    if (el->has_scale) {
        ls_thrift_write_i32_field(w, 7, el->scale);
    }
    if (el->has_precision) {
        ls_thrift_write_i32_field(w, 8, el->precision);
    }
    if (el->has_field_id) {
        ls_thrift_write_i32_field(w, 9, el->field_id);
    }
    if (el->logical.kind != LS_PQ_LT_NONE) {
        enc_logical(e, &el->logical);
    }
    ls_thrift_write_struct_end(w);
}

/* ---- ColumnMetaData ---- */

static void enc_path(ls__pq_enc_t *e, const ls_pq_column_meta_t *cm)
{
    ls_thrift_writer_t *w = &e->w;
    if (!ls__pq_enc_array_ok(e, cm->path_in_schema, cm->path_len, "path_in_schema")) {
        return;
    }
    ls_thrift_write_field(w, LS_THRIFT_LIST, 3);
    ls_thrift_write_list_begin(w, LS_THRIFT_BINARY, cm->path_len);
    for (uint32_t i = 0; i < cm->path_len; i++) {
        if (cm->path_in_schema[i] == NULL) {
            ls__pq_enc_fail(e, LS_ERR_INVALID_ARG, "path_in_schema[%u] is NULL", i);
            return;
        }
        ls_thrift_write_string(w, cm->path_in_schema[i]);
    }
}

static void enc_encoding_stats(ls__pq_enc_t *e, const ls_pq_column_meta_t *cm)
{
    ls_thrift_writer_t *w = &e->w;
    if (!ls__pq_enc_array_ok(e, cm->encoding_stats, cm->num_encoding_stats, "encoding_stats")) {
        return;
    }
    ls_thrift_write_field(w, LS_THRIFT_LIST, 13);
    ls_thrift_write_list_begin(w, LS_THRIFT_STRUCT, cm->num_encoding_stats);
    for (uint32_t i = 0; i < cm->num_encoding_stats; i++) {
        const ls_pq_page_enc_stats_t *es = &cm->encoding_stats[i];
        ls_thrift_write_struct_begin(w);
        ls_thrift_write_i32_field(w, 1, (int32_t)es->page_type);
        ls_thrift_write_i32_field(w, 2, (int32_t)es->encoding);
        ls_thrift_write_i32_field(w, 3, es->count);
        ls_thrift_write_struct_end(w);
    }
}

static void enc_column_meta(ls__pq_enc_t *e, const ls_pq_column_meta_t *cm)
{
    ls_thrift_writer_t *w = &e->w;
    if (!ls__pq_enc_array_ok(e, cm->encodings, cm->num_encodings, "encodings")) {
        return;
    }
    ls_thrift_write_field(w, LS_THRIFT_STRUCT, 3);
    ls_thrift_write_struct_begin(w);
    ls_thrift_write_i32_field(w, 1, (int32_t)cm->type);
    ls_thrift_write_field(w, LS_THRIFT_LIST, 2);
    ls_thrift_write_list_begin(w, LS_THRIFT_I32, cm->num_encodings);
    for (uint32_t i = 0; i < cm->num_encodings; i++) {
        ls_thrift_write_i32(w, (int32_t)cm->encodings[i]);
    }
    enc_path(e, cm);
    ls_thrift_write_i32_field(w, 4, (int32_t)cm->codec);
    ls_thrift_write_i64_field(w, 5, cm->num_values);
    ls_thrift_write_i64_field(w, 6, cm->total_uncompressed_size);
    ls_thrift_write_i64_field(w, 7, cm->total_compressed_size);
    if (cm->num_kv > 0) {
        ls__pq_enc_kv_list(e, 8, cm->kv, cm->num_kv);
    }
    ls_thrift_write_i64_field(w, 9, cm->data_page_offset);
    if (cm->has_index_page_offset) {
        ls_thrift_write_i64_field(w, 10, cm->index_page_offset);
    }
    if (cm->has_dictionary_page_offset) {
        ls_thrift_write_i64_field(w, 11, cm->dictionary_page_offset);
    }
    if (cm->has_statistics) {
        ls__pq_enc_stats(e, 12, &cm->statistics);
    }
    if (cm->num_encoding_stats > 0) {
        enc_encoding_stats(e, cm);
    }
    if (cm->has_bloom_filter_offset) {
        ls_thrift_write_i64_field(w, 14, cm->bloom_filter_offset);
    }
    if (cm->has_bloom_filter_length) {
        ls_thrift_write_i32_field(w, 15, cm->bloom_filter_length);
    }
    ls_thrift_write_struct_end(w);
}

/* ---- ColumnChunk, RowGroup ---- */

static void enc_chunk(ls__pq_enc_t *e, const ls_pq_column_chunk_t *cc)
{
    ls_thrift_writer_t *w = &e->w;
    if (cc->is_encrypted) {
        ls__pq_enc_fail(e, LS_ERR_UNSUPPORTED, "encrypted column chunks cannot be written");
        return;
    }
    ls_thrift_write_struct_begin(w);
    if (cc->file_path != NULL) {
        ls_thrift_write_string_field(w, 1, cc->file_path);
    }
    ls_thrift_write_i64_field(w, 2, cc->file_offset);
    if (cc->has_meta_data) {
        enc_column_meta(e, &cc->meta_data);
    }
    if (cc->has_offset_index) {
        ls_thrift_write_i64_field(w, 4, cc->offset_index_offset);
        ls_thrift_write_i32_field(w, 5, cc->offset_index_length);
    }
    if (cc->has_column_index) {
        ls_thrift_write_i64_field(w, 6, cc->column_index_offset);
        ls_thrift_write_i32_field(w, 7, cc->column_index_length);
    }
    ls_thrift_write_struct_end(w);
}

static void enc_row_group(ls__pq_enc_t *e, const ls_pq_row_group_t *rg, uint32_t i)
{
    ls_thrift_writer_t *w = &e->w;
    if (!ls__pq_enc_array_ok(e, rg->columns, rg->num_columns, "row group columns")) {
        return;
    }
    ls_thrift_write_struct_begin(w);
    ls_thrift_write_field(w, LS_THRIFT_LIST, 1);
    ls_thrift_write_list_begin(w, LS_THRIFT_STRUCT, rg->num_columns);
    for (uint32_t c = 0; c < rg->num_columns && w->rc == LS_OK; c++) {
        enc_chunk(e, &rg->columns[c]);
        if (w->rc != LS_OK && e->err != NULL) {
            ls_error_prefix(e->err, "row_groups[%u].columns[%u]: ", i, c);
        }
    }
    ls_thrift_write_i64_field(w, 2, rg->total_byte_size);
    ls_thrift_write_i64_field(w, 3, rg->num_rows);
    if (rg->has_file_offset) {
        ls_thrift_write_i64_field(w, 5, rg->file_offset);
    }
    if (rg->has_total_compressed_size) {
        ls_thrift_write_i64_field(w, 6, rg->total_compressed_size);
    }
    if (rg->has_ordinal) {
        ls_thrift_write_field(w, LS_THRIFT_I16, 7);
        ls_thrift_write_i16(w, rg->ordinal);
    }
    ls_thrift_write_struct_end(w);
}

/* ---- FileMetaData ---- */

static void enc_column_orders(ls__pq_enc_t *e, uint32_t n)
{
    ls_thrift_writer_t *w = &e->w;
    ls_thrift_write_field(w, LS_THRIFT_LIST, 7);
    ls_thrift_write_list_begin(w, LS_THRIFT_STRUCT, n);
    for (uint32_t i = 0; i < n; i++) {
        ls_thrift_write_struct_begin(w); /* ColumnOrder union */
        ls_thrift_write_field(w, LS_THRIFT_STRUCT, 1);
        ls_thrift_write_struct_begin(w); /* TypeDefinedOrder {} */
        ls_thrift_write_struct_end(w);
        ls_thrift_write_struct_end(w);
    }
}

static void enc_file_meta(ls__pq_enc_t *e, const ls_pq_file_meta_t *fm)
{
    ls_thrift_writer_t *w = &e->w;
    ls_thrift_write_struct_begin(w);
    ls_thrift_write_i32_field(w, 1, fm->version);
    ls_thrift_write_field(w, LS_THRIFT_LIST, 2);
    ls_thrift_write_list_begin(w, LS_THRIFT_STRUCT, fm->num_schema);
    for (uint32_t i = 0; i < fm->num_schema && w->rc == LS_OK; i++) {
        enc_schema_el(e, &fm->schema[i], i);
    }
    ls_thrift_write_i64_field(w, 3, fm->num_rows);
    ls_thrift_write_field(w, LS_THRIFT_LIST, 4);
    ls_thrift_write_list_begin(w, LS_THRIFT_STRUCT, fm->num_row_groups);
    for (uint32_t i = 0; i < fm->num_row_groups && w->rc == LS_OK; i++) {
        enc_row_group(e, &fm->row_groups[i], i);
    }
    if (fm->num_kv > 0) {
        ls__pq_enc_kv_list(e, 5, fm->kv, fm->num_kv);
    }
    if (fm->created_by != NULL) {
        ls_thrift_write_string_field(w, 6, fm->created_by);
    }
    if (fm->num_column_orders > 0) {
        enc_column_orders(e, fm->num_column_orders);
    }
    ls_thrift_write_struct_end(w);
}

ls_err_t ls_pq_file_meta_encode(const ls_pq_file_meta_t *fm, ls_buf_t *out, ls_error_t *err)
{
    ls__pq_enc_t e;
    memset(&e, 0, sizeof(e));
    ls_thrift_writer_init(&e.w, out);
    e.err = err;
    size_t start = out->len;
    if (fm->has_encryption) {
        ls__pq_enc_fail(&e, LS_ERR_UNSUPPORTED, "encrypted footers cannot be written");
    }
    (void)(ls__pq_enc_array_ok(&e, fm->schema, fm->num_schema, "schema") &&
           ls__pq_enc_array_ok(&e, fm->row_groups, fm->num_row_groups, "row_groups"));
    if (e.w.rc == LS_OK) {
        enc_file_meta(&e, fm);
    }
    return ls__pq_enc_finish(&e, out, start, "FileMetaData");
}

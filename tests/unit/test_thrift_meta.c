/*
 * test_thrift_meta.c — the Parquet footer and page-header codecs: round trips with every
 * field set, field order, exact bytes, unknown fields, required fields, error paths,
 * truncated and mutated input, allocation failures, names, and the real footers of the
 * parquet-testing files (skipped when that corpus is absent).
 */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lakesink/alloc.h"
#include "lakesink/arena.h"
#include "lakesink/parquet_meta.h"
#include "testutil.h"
#include "thrift/compact.h"

/* ------------------------------------------------------------------ helpers */

static ls_arena_t *new_arena(void)
{
    ls_arena_t *a = ls_arena_new(4096, 0);
    assert_non_null(a);
    return a;
}

static void assert_bytes(const ls_buf_t *b, const uint8_t *want, size_t n)
{
    assert_int_equal(b->len, n);
    assert_memory_equal(b->data, want, n);
}

/* ------------------------------------------------------------------ metadata builders */

static ls_pq_stats_t full_stats(const char *lo, const char *hi)
{
    ls_pq_stats_t st;
    memset(&st, 0, sizeof(st));
    st.min_value = (const uint8_t *)lo;
    st.min_value_len = (uint32_t)strlen(lo);
    st.has_min_value = true;
    st.max_value = (const uint8_t *)hi;
    st.max_value_len = (uint32_t)strlen(hi);
    st.has_max_value = true;
    st.has_null_count = true;
    st.null_count = 3;
    st.has_distinct_count = true;
    st.distinct_count = 1LL << 40;
    st.has_is_min_exact = st.has_is_max_exact = true;
    st.is_min_exact = true;
    st.is_max_exact = false;
    st.has_nan_count = true;
    st.nan_count = 2;
    return st;
}

typedef struct {
    ls_pq_file_meta_t fm;
    ls_pq_schema_el_t schema[6];
    ls_pq_row_group_t rg[2];
    ls_pq_column_chunk_t cc[3];
    ls_pq_kv_t kv[2];
    ls_pq_kv_t col_kv[1];
    ls_pq_encoding_t enc[3];
    const char *path[2];
    const char *path2[1];
    ls_pq_page_enc_stats_t es[2];
} sample_meta_t;

static void fill_schema(sample_meta_t *s)
{
    ls_pq_schema_el_t *sc = s->schema;
    sc[0] = (ls_pq_schema_el_t){.name = "root", .has_num_children = true, .num_children = 2};
    sc[1] = (ls_pq_schema_el_t){.name = "a",
                                .has_repetition = true,
                                .repetition = LS_PQ_OPTIONAL,
                                .has_num_children = true,
                                .num_children = 1,
                                .has_converted_type = true,
                                .converted_type = LS_PQ_CT_LIST,
                                .has_field_id = true,
                                .field_id = -7,
                                .logical = {.kind = LS_PQ_LT_LIST}};
    sc[2] = (ls_pq_schema_el_t){.has_type = true,
                                .type = LS_PQ_FIXED_LEN_BYTE_ARRAY,
                                .has_type_length = true,
                                .type_length = 16,
                                .name = "d",
                                .has_repetition = true,
                                .repetition = LS_PQ_REPEATED,
                                .has_converted_type = true,
                                .converted_type = LS_PQ_CT_DECIMAL,
                                .has_scale = true,
                                .scale = 4,
                                .has_precision = true,
                                .precision = 38};
    sc[2].logical = (ls_pq_logical_t){.kind = LS_PQ_LT_DECIMAL, .scale = 4, .precision = 38};
    sc[3] = (ls_pq_schema_el_t){.has_type = true,
                                .type = LS_PQ_INT64,
                                .name = "ts",
                                .has_repetition = true,
                                .repetition = LS_PQ_REQUIRED};
    sc[3].logical = (ls_pq_logical_t){
        .kind = LS_PQ_LT_TIMESTAMP, .is_adjusted_to_utc = true, .unit = LS_PQ_UNIT_MICROS};
    sc[4] = (ls_pq_schema_el_t){.has_type = true, .type = LS_PQ_INT32, .name = "t"};
    sc[4].logical = (ls_pq_logical_t){.kind = LS_PQ_LT_TIME, .unit = LS_PQ_UNIT_NANOS};
    sc[5] = (ls_pq_schema_el_t){.has_type = true, .type = LS_PQ_INT32, .name = "u8"};
    sc[5].logical = (ls_pq_logical_t){.kind = LS_PQ_LT_INTEGER, .bit_width = 8, .is_signed = false};
    /* Shape the tree consistently: root{a{d}, ts, t, u8} is not what num_children say,
     * but the codec does not interpret the tree. */
}

static void fill_columns(sample_meta_t *s)
{
    s->enc[0] = LS_PQ_ENC_PLAIN;
    s->enc[1] = LS_PQ_ENC_RLE;
    s->enc[2] = LS_PQ_ENC_RLE_DICTIONARY;
    s->path[0] = "a";
    s->path[1] = "d";
    s->path2[0] = "ts";
    s->col_kv[0] = (ls_pq_kv_t){"ck", "cv"};
    s->es[0] = (ls_pq_page_enc_stats_t){LS_PQ_PAGE_DICTIONARY, LS_PQ_ENC_PLAIN, 1};
    s->es[1] = (ls_pq_page_enc_stats_t){LS_PQ_PAGE_DATA, LS_PQ_ENC_RLE_DICTIONARY, 20};
    ls_pq_column_chunk_t *c = &s->cc[0];
    memset(s->cc, 0, sizeof(s->cc));
    c->file_path = "other.parquet";
    c->file_offset = 4;
    c->has_meta_data = true;
    ls_pq_column_meta_t *m = &c->meta_data;
    m->type = LS_PQ_FIXED_LEN_BYTE_ARRAY;
    m->num_encodings = 3;
    m->encodings = s->enc;
    m->path_len = 2;
    m->path_in_schema = s->path;
    m->codec = LS_PQ_CODEC_ZSTD;
    m->num_values = 1000;
    m->total_uncompressed_size = 1LL << 33;
    m->total_compressed_size = 12345;
    m->num_kv = 1;
    m->kv = s->col_kv;
    m->data_page_offset = 1LL << 35;
    m->has_index_page_offset = true;
    m->index_page_offset = 77;
    m->has_dictionary_page_offset = true;
    m->dictionary_page_offset = 4;
    m->has_statistics = true;
    m->statistics = full_stats("aa", "zz");
    m->num_encoding_stats = 2;
    m->encoding_stats = s->es;
    m->has_bloom_filter_offset = true;
    m->bloom_filter_offset = 999;
    m->has_bloom_filter_length = true;
    m->bloom_filter_length = 64;
    c->has_offset_index = true;
    c->offset_index_offset = 5000;
    c->offset_index_length = 50;
    c->has_column_index = true;
    c->column_index_offset = 6000;
    c->column_index_length = 60;

    s->cc[1].file_offset = 100;
    s->cc[1].has_meta_data = true;
    s->cc[1].meta_data = (ls_pq_column_meta_t){.type = LS_PQ_INT64,
                                               .num_encodings = 1,
                                               .encodings = s->enc,
                                               .path_len = 1,
                                               .path_in_schema = s->path2,
                                               .codec = LS_PQ_CODEC_SNAPPY,
                                               .num_values = 5,
                                               .total_uncompressed_size = 40,
                                               .total_compressed_size = 30,
                                               .data_page_offset = 100};
    s->cc[2] = s->cc[1]; /* second row group */
    s->cc[2].file_offset = 200;
}

static void build_sample(sample_meta_t *s)
{
    memset(s, 0, sizeof(*s));
    fill_schema(s);
    fill_columns(s);
    s->rg[0] = (ls_pq_row_group_t){.num_columns = 2,
                                   .columns = s->cc,
                                   .total_byte_size = 1LL << 34,
                                   .num_rows = 1000,
                                   .has_file_offset = true,
                                   .file_offset = 4,
                                   .has_total_compressed_size = true,
                                   .total_compressed_size = 12375,
                                   .has_ordinal = true,
                                   .ordinal = 0};
    s->rg[1] = (ls_pq_row_group_t){.num_columns = 1,
                                   .columns = s->cc + 2,
                                   .total_byte_size = 40,
                                   .num_rows = 5,
                                   .has_ordinal = true,
                                   .ordinal = 32767};
    s->kv[0] = (ls_pq_kv_t){"key", "value"};
    s->kv[1] = (ls_pq_kv_t){"only-key", NULL};
    ls_pq_file_meta_t *fm = &s->fm;
    fm->version = 2;
    fm->num_schema = 6;
    fm->schema = s->schema;
    fm->num_rows = 1005;
    fm->num_row_groups = 2;
    fm->row_groups = s->rg;
    fm->num_kv = 2;
    fm->kv = s->kv;
    fm->created_by = "lakesink version 0.1.0";
    fm->num_column_orders = 3;
}

/* ------------------------------------------------------------------ deep comparison */

static void assert_str_eq(const char *a, const char *b)
{
    if (a == NULL || b == NULL) {
        assert_ptr_equal(a, b);
    } else {
        assert_string_equal(a, b);
    }
}

static void assert_blob_eq(const uint8_t *a, uint32_t alen, const uint8_t *b, uint32_t blen)
{
    assert_int_equal(alen, blen);
    if (alen > 0) {
        assert_memory_equal(a, b, alen);
    }
}

/* Compare statistics as the encoder writes them: the deprecated min/max are not. */
static void assert_stats_eq(const ls_pq_stats_t *a, const ls_pq_stats_t *b)
{
    assert_int_equal(a->has_min_value, b->has_min_value);
    assert_int_equal(a->has_max_value, b->has_max_value);
    if (a->has_min_value) {
        assert_blob_eq(a->min_value, a->min_value_len, b->min_value, b->min_value_len);
    }
    if (a->has_max_value) {
        assert_blob_eq(a->max_value, a->max_value_len, b->max_value, b->max_value_len);
    }
    assert_int_equal(a->has_null_count, b->has_null_count);
    assert_int_equal(a->null_count, b->null_count);
    assert_int_equal(a->has_distinct_count, b->has_distinct_count);
    assert_int_equal(a->distinct_count, b->distinct_count);
    assert_int_equal(a->has_is_min_exact, b->has_is_min_exact);
    assert_int_equal(a->has_is_max_exact, b->has_is_max_exact);
    assert_int_equal(a->is_min_exact, b->is_min_exact);
    assert_int_equal(a->is_max_exact, b->is_max_exact);
    assert_int_equal(a->has_nan_count, b->has_nan_count);
    assert_int_equal(a->nan_count, b->nan_count);
}

static void assert_kv_eq(const ls_pq_kv_t *a, uint32_t na, const ls_pq_kv_t *b, uint32_t nb)
{
    assert_int_equal(na, nb);
    for (uint32_t i = 0; i < na; i++) {
        assert_str_eq(a[i].key, b[i].key);
        assert_str_eq(a[i].value, b[i].value);
    }
}

static void assert_schema_eq(const ls_pq_schema_el_t *a, const ls_pq_schema_el_t *b)
{
    assert_str_eq(a->name, b->name);
    assert_int_equal(a->has_type, b->has_type);
    assert_int_equal(a->type, b->type);
    assert_int_equal(a->has_type_length, b->has_type_length);
    assert_int_equal(a->type_length, b->type_length);
    assert_int_equal(a->has_repetition, b->has_repetition);
    assert_int_equal(a->repetition, b->repetition);
    assert_int_equal(a->has_num_children, b->has_num_children);
    assert_int_equal(a->num_children, b->num_children);
    assert_int_equal(a->has_converted_type, b->has_converted_type);
    assert_int_equal(a->converted_type, b->converted_type);
    assert_int_equal(a->has_scale, b->has_scale);
    assert_int_equal(a->scale, b->scale);
    assert_int_equal(a->has_precision, b->has_precision);
    assert_int_equal(a->precision, b->precision);
    assert_int_equal(a->has_field_id, b->has_field_id);
    assert_int_equal(a->field_id, b->field_id);
    assert_int_equal(a->logical.kind, b->logical.kind);
    assert_int_equal(a->logical.scale, b->logical.scale);
    assert_int_equal(a->logical.precision, b->logical.precision);
    assert_int_equal(a->logical.is_adjusted_to_utc, b->logical.is_adjusted_to_utc);
    assert_int_equal(a->logical.unit, b->logical.unit);
    assert_int_equal(a->logical.bit_width, b->logical.bit_width);
    assert_int_equal(a->logical.is_signed, b->logical.is_signed);
}

static void assert_column_meta_eq(const ls_pq_column_meta_t *a, const ls_pq_column_meta_t *b)
{
    assert_int_equal(a->type, b->type);
    assert_int_equal(a->num_encodings, b->num_encodings);
    for (uint32_t i = 0; i < a->num_encodings; i++) {
        assert_int_equal(a->encodings[i], b->encodings[i]);
    }
    assert_int_equal(a->path_len, b->path_len);
    for (uint32_t i = 0; i < a->path_len; i++) {
        assert_str_eq(a->path_in_schema[i], b->path_in_schema[i]);
    }
    assert_int_equal(a->codec, b->codec);
    assert_int_equal(a->num_values, b->num_values);
    assert_int_equal(a->total_uncompressed_size, b->total_uncompressed_size);
    assert_int_equal(a->total_compressed_size, b->total_compressed_size);
    assert_kv_eq(a->kv, a->num_kv, b->kv, b->num_kv);
    assert_int_equal(a->data_page_offset, b->data_page_offset);
    assert_int_equal(a->has_index_page_offset, b->has_index_page_offset);
    assert_int_equal(a->index_page_offset, b->index_page_offset);
    assert_int_equal(a->has_dictionary_page_offset, b->has_dictionary_page_offset);
    assert_int_equal(a->dictionary_page_offset, b->dictionary_page_offset);
    assert_int_equal(a->has_statistics, b->has_statistics);
    if (a->has_statistics) {
        assert_stats_eq(&a->statistics, &b->statistics);
    }
    assert_int_equal(a->num_encoding_stats, b->num_encoding_stats);
    for (uint32_t i = 0; i < a->num_encoding_stats; i++) {
        assert_int_equal(a->encoding_stats[i].page_type, b->encoding_stats[i].page_type);
        assert_int_equal(a->encoding_stats[i].encoding, b->encoding_stats[i].encoding);
        assert_int_equal(a->encoding_stats[i].count, b->encoding_stats[i].count);
    }
    assert_int_equal(a->has_bloom_filter_offset, b->has_bloom_filter_offset);
    assert_int_equal(a->bloom_filter_offset, b->bloom_filter_offset);
    assert_int_equal(a->has_bloom_filter_length, b->has_bloom_filter_length);
    assert_int_equal(a->bloom_filter_length, b->bloom_filter_length);
}

static void assert_chunk_eq(const ls_pq_column_chunk_t *a, const ls_pq_column_chunk_t *b)
{
    assert_str_eq(a->file_path, b->file_path);
    assert_int_equal(a->file_offset, b->file_offset);
    assert_int_equal(a->has_meta_data, b->has_meta_data);
    if (a->has_meta_data) {
        assert_column_meta_eq(&a->meta_data, &b->meta_data);
    }
    assert_int_equal(a->has_offset_index, b->has_offset_index);
    assert_int_equal(a->offset_index_offset, b->offset_index_offset);
    assert_int_equal(a->offset_index_length, b->offset_index_length);
    assert_int_equal(a->has_column_index, b->has_column_index);
    assert_int_equal(a->column_index_offset, b->column_index_offset);
    assert_int_equal(a->column_index_length, b->column_index_length);
    assert_int_equal(a->is_encrypted, b->is_encrypted);
}

static void assert_file_meta_eq(const ls_pq_file_meta_t *a, const ls_pq_file_meta_t *b)
{
    assert_int_equal(a->version, b->version);
    assert_int_equal(a->num_schema, b->num_schema);
    for (uint32_t i = 0; i < a->num_schema; i++) {
        assert_schema_eq(&a->schema[i], &b->schema[i]);
    }
    assert_int_equal(a->num_rows, b->num_rows);
    assert_int_equal(a->num_row_groups, b->num_row_groups);
    for (uint32_t i = 0; i < a->num_row_groups; i++) {
        const ls_pq_row_group_t *x = &a->row_groups[i], *y = &b->row_groups[i];
        assert_int_equal(x->num_columns, y->num_columns);
        for (uint32_t c = 0; c < x->num_columns; c++) {
            assert_chunk_eq(&x->columns[c], &y->columns[c]);
        }
        assert_int_equal(x->total_byte_size, y->total_byte_size);
        assert_int_equal(x->num_rows, y->num_rows);
        assert_int_equal(x->has_file_offset, y->has_file_offset);
        assert_int_equal(x->file_offset, y->file_offset);
        assert_int_equal(x->has_total_compressed_size, y->has_total_compressed_size);
        assert_int_equal(x->total_compressed_size, y->total_compressed_size);
        assert_int_equal(x->has_ordinal, y->has_ordinal);
        assert_int_equal(x->ordinal, y->ordinal);
    }
    assert_kv_eq(a->kv, a->num_kv, b->kv, b->num_kv);
    assert_str_eq(a->created_by, b->created_by);
    assert_int_equal(a->num_column_orders, b->num_column_orders);
    assert_int_equal(a->has_encryption, b->has_encryption);
}

/* Walks an encoded struct and checks that field ids strictly increase at every level. */
static void walk_increasing(ls_thrift_reader_t *r, ls_thrift_type_t type)
{
    ls_thrift_field_t f;
    ls_thrift_type_t et, kt;
    uint32_t n;
    if (type == LS_THRIFT_STRUCT) {
        assert_true(ls_thrift_read_struct_begin(r));
        int prev = -1;
        while (ls_thrift_read_field(r, &f)) {
            assert_true(f.id > prev);
            prev = f.id;
            if (f.type != LS_THRIFT_BOOL) {
                walk_increasing(r, f.type);
            }
        }
        ls_thrift_read_struct_end(r);
    } else if (type == LS_THRIFT_LIST || type == LS_THRIFT_SET) {
        n = ls_thrift_read_list_begin(r, &et, 0);
        for (uint32_t i = 0; i < n; i++) {
            walk_increasing(r, et);
        }
    } else if (type == LS_THRIFT_MAP) {
        n = ls_thrift_read_map_begin(r, &kt, &et);
        for (uint32_t i = 0; i < n; i++) {
            walk_increasing(r, kt);
            walk_increasing(r, et);
        }
    } else {
        ls_thrift_skip(r, type);
    }
    assert_int_equal(r->rc, LS_OK);
}

/* ------------------------------------------------------------------ FileMetaData */

static void test_file_meta_round_trip(void **state)
{
    (void)state;
    sample_meta_t s;
    build_sample(&s);
    /* the deprecated min/max are decoded but never written */
    s.cc[0].meta_data.statistics.has_min = true;
    s.cc[0].meta_data.statistics.min = (const uint8_t *)"x";
    s.cc[0].meta_data.statistics.min_len = 1;
    ls_buf_t b;
    ls_buf_init(&b, LS_BUF_UNLIMITED);
    ls_error_t err;
    assert_int_equal(ls_buf_append(&b, "prefix", 6), LS_OK);
    assert_int_equal(ls_pq_file_meta_encode(&s.fm, &b, &err), LS_OK);

    ls_arena_t *a = new_arena();
    ls_pq_file_meta_t out;
    assert_int_equal(ls_pq_file_meta_decode(b.data + 6, b.len - 6, a, &out, &err), LS_OK);
    assert_file_meta_eq(&s.fm, &out);
    assert_false(out.row_groups[0].columns[0].meta_data.statistics.has_min);

    ls_thrift_reader_t r;
    ls_thrift_reader_init(&r, b.data + 6, b.len - 6, NULL);
    walk_increasing(&r, LS_THRIFT_STRUCT);
    assert_int_equal(ls_thrift_reader_left(&r), 0);

    /* re-encoding the decoded form gives the same bytes */
    ls_buf_t b2;
    ls_buf_init(&b2, LS_BUF_UNLIMITED);
    assert_int_equal(ls_pq_file_meta_encode(&out, &b2, &err), LS_OK);
    assert_int_equal(b2.len, b.len - 6);
    assert_memory_equal(b2.data, b.data + 6, b2.len);
    ls_buf_free(&b2);
    ls_buf_free(&b);
    ls_arena_free(a);
}

static void test_file_meta_minimal_bytes(void **state)
{
    (void)state;
    ls_pq_schema_el_t root = {.name = "r"};
    ls_pq_file_meta_t fm = {.version = 1, .num_schema = 1, .schema = &root, .num_column_orders = 1};
    ls_buf_t b;
    ls_buf_init(&b, LS_BUF_UNLIMITED);
    assert_int_equal(ls_pq_file_meta_encode(&fm, &b, NULL), LS_OK);
    const uint8_t want[] = {
        0x15, 0x02,                         /* 1: version 1 */
        0x19, 0x1c, 0x48, 0x01, 'r',  0x00, /* 2: schema [ {4: "r"} ] */
        0x16, 0x00,                         /* 3: num_rows 0 */
        0x19, 0x0c,                         /* 4: row_groups [] */
        0x39, 0x1c, 0x1c, 0x00, 0x00,       /* 7: column_orders [ {1: TypeDefinedOrder {}} ] */
        0x00,
    };
    assert_bytes(&b, want, sizeof(want));
    ls_buf_free(&b);
}

static void test_file_meta_encode_rejects(void **state)
{
    (void)state;
    sample_meta_t s;
    ls_buf_t b;
    ls_buf_init(&b, LS_BUF_UNLIMITED);
    ls_error_t err;

    build_sample(&s);
    s.schema[3].name = NULL;
    assert_int_equal(ls_pq_file_meta_encode(&s.fm, &b, &err), LS_ERR_INVALID_ARG);
    assert_non_null(strstr(err.msg, "schema[3]"));
    assert_int_equal(b.len, 0);

    build_sample(&s);
    s.schema[2].logical.kind = LS_PQ_LT_OTHER;
    assert_int_equal(ls_pq_file_meta_encode(&s.fm, &b, &err), LS_ERR_INVALID_ARG);

    build_sample(&s);
    s.schema[3].logical.unit = 0;
    assert_int_equal(ls_pq_file_meta_encode(&s.fm, &b, &err), LS_ERR_INVALID_ARG);

    build_sample(&s);
    s.fm.has_encryption = true;
    assert_int_equal(ls_pq_file_meta_encode(&s.fm, &b, &err), LS_ERR_UNSUPPORTED);

    build_sample(&s);
    s.cc[1].is_encrypted = true;
    assert_int_equal(ls_pq_file_meta_encode(&s.fm, &b, &err), LS_ERR_UNSUPPORTED);
    assert_non_null(strstr(err.msg, "row_groups[0].columns[1]"));

    build_sample(&s);
    s.path[1] = NULL;
    assert_int_equal(ls_pq_file_meta_encode(&s.fm, &b, &err), LS_ERR_INVALID_ARG);

    build_sample(&s);
    s.fm.kv = NULL;
    assert_int_equal(ls_pq_file_meta_encode(&s.fm, &b, &err), LS_ERR_INVALID_ARG);
    assert_int_equal(b.len, 0);

    /* output cap: LS_ERR_LIMIT, and the buffer is left as it was */
    build_sample(&s);
    ls_buf_free(&b);
    ls_buf_init(&b, 40);
    assert_int_equal(ls_buf_append(&b, "abc", 3), LS_OK);
    assert_int_equal(ls_pq_file_meta_encode(&s.fm, &b, &err), LS_ERR_LIMIT);
    assert_int_equal(b.len, 3);
    assert_non_null(strstr(err.msg, "FileMetaData"));
    ls_buf_free(&b);
}

static void encode_sample(ls_buf_t *b)
{
    sample_meta_t s;
    build_sample(&s);
    ls_buf_init(b, LS_BUF_UNLIMITED);
    assert_int_equal(ls_pq_file_meta_encode(&s.fm, b, NULL), LS_OK);
}

static void test_file_meta_truncated_everywhere(void **state)
{
    (void)state;
    ls_buf_t b;
    encode_sample(&b);
    ls_arena_t *a = new_arena();
    ls_error_t err;
    for (size_t n = 0; n < b.len; n++) {
        /* a copy of exactly n bytes, so ASan sees any read past the end */
        uint8_t *p = ls_malloc(n ? n : 1);
        assert_non_null(p);
        memcpy(p, b.data, n);
        ls_pq_file_meta_t out;
        ls_arena_reset(a);
        ls_err_t rc = ls_pq_file_meta_decode(p, n, a, &out, &err);
        assert_int_equal(rc, LS_ERR_CORRUPT);
        assert_non_null(strstr(err.msg, "FileMetaData"));
        assert_int_equal(out.num_schema, 0);
        ls_free(p);
    }
    ls_buf_free(&b);
    ls_arena_free(a);
}

static void test_file_meta_mutations_do_not_crash(void **state)
{
    (void)state;
    ls_buf_t b;
    encode_sample(&b);
    ls_arena_t *a = new_arena();
    uint8_t *p = ls_malloc(b.len);
    assert_non_null(p);
    static const uint8_t vals[] = {0x00, 0xff, 0x7f, 0x80, 0x0f, 0x19, 0x1c, 0xf9};
    int ok = 0, bad = 0;
    for (size_t i = 0; i < b.len; i++) {
        for (size_t v = 0; v < sizeof(vals); v++) {
            memcpy(p, b.data, b.len);
            p[i] = vals[v];
            ls_pq_file_meta_t out;
            ls_arena_reset(a);
            if (ls_pq_file_meta_decode(p, b.len, a, &out, NULL) == LS_OK) {
                ok++;
            } else {
                bad++;
            }
        }
    }
    assert_true(ok > 0 && bad > 0);
    ls_free(p);
    ls_buf_free(&b);
    ls_arena_free(a);
}

static void test_file_meta_alloc_failures(void **state)
{
    (void)state;
    ls_buf_t b;
    encode_sample(&b);
    for (long n = 0; n < 200; n++) {
        ls_arena_t *a = ls_arena_new(256, 0);
        if (a == NULL) {
            continue;
        }
        ls_pq_file_meta_t out;
        ls_error_t err;
        ls_alloc_fail_after(n, 1);
        ls_err_t rc = ls_pq_file_meta_decode(b.data, b.len, a, &out, &err);
        ls_alloc_fail_after(-1, 0);
        assert_true(rc == LS_OK || rc == LS_ERR_NOMEM);
        if (rc == LS_ERR_NOMEM) {
            assert_non_null(strstr(err.msg, "no memory"));
        }
        ls_arena_free(a);
    }
    /* encoding into a buffer whose growth fails */
    sample_meta_t s;
    build_sample(&s);
    ls_buf_t o;
    ls_buf_init(&o, LS_BUF_UNLIMITED);
    ls_alloc_fail_after(0, 1);
    ls_error_t err;
    ls_err_t rc = ls_pq_file_meta_encode(&s.fm, &o, &err);
    ls_alloc_fail_after(-1, 0);
    assert_int_equal(rc, LS_ERR_NOMEM);
    ls_buf_free(&o);
    ls_buf_free(&b);
}

/* Hand-written footers exercising unknown fields, unions and required fields. */
static void test_file_meta_unknown_and_required(void **state)
{
    (void)state;
    ls_buf_t b;
    ls_buf_init(&b, LS_BUF_UNLIMITED);
    ls_thrift_writer_t w;
    ls_thrift_writer_init(&w, &b);
    ls_thrift_write_struct_begin(&w);
    ls_thrift_write_i32_field(&w, 1, 1);
    ls_thrift_write_field(&w, LS_THRIFT_LIST, 2);
    ls_thrift_write_list_begin(&w, LS_THRIFT_STRUCT, 3);
    /* schema[0]: unknown field 50, logical type union member 19 (FILE, newer) */
    ls_thrift_write_struct_begin(&w);
    ls_thrift_write_string_field(&w, 4, "root");
    ls_thrift_write_field(&w, LS_THRIFT_STRUCT, 10);
    ls_thrift_write_struct_begin(&w);
    ls_thrift_write_field(&w, LS_THRIFT_STRUCT, 19);
    ls_thrift_write_struct_begin(&w);
    ls_thrift_write_struct_end(&w);
    ls_thrift_write_struct_end(&w);
    ls_thrift_write_field(&w, LS_THRIFT_MAP, 50);
    ls_thrift_write_map_begin(&w, LS_THRIFT_BINARY, LS_THRIFT_LIST, 1);
    ls_thrift_write_string(&w, "k");
    ls_thrift_write_list_begin(&w, LS_THRIFT_I64, 2);
    ls_thrift_write_i64(&w, 1);
    ls_thrift_write_i64(&w, 2);
    ls_thrift_write_struct_end(&w);
    /* schema[1]: TIMESTAMP with a time unit member 9 nobody knows yet */
    ls_thrift_write_struct_begin(&w);
    ls_thrift_write_string_field(&w, 4, "ts");
    ls_thrift_write_field(&w, LS_THRIFT_STRUCT, 10);
    ls_thrift_write_struct_begin(&w);
    ls_thrift_write_field(&w, LS_THRIFT_STRUCT, 8);
    ls_thrift_write_struct_begin(&w);
    ls_thrift_write_bool_field(&w, 1, true);
    ls_thrift_write_field(&w, LS_THRIFT_STRUCT, 2);
    ls_thrift_write_struct_begin(&w);
    ls_thrift_write_field(&w, LS_THRIFT_STRUCT, 9);
    ls_thrift_write_struct_begin(&w);
    ls_thrift_write_struct_end(&w);
    ls_thrift_write_struct_end(&w);
    ls_thrift_write_struct_end(&w);
    ls_thrift_write_struct_end(&w);
    ls_thrift_write_struct_end(&w);
    /* schema[2]: 'type' sent as a string (wrong wire type: skipped), JSON logical type */
    ls_thrift_write_struct_begin(&w);
    ls_thrift_write_string_field(&w, 1, "INT32");
    ls_thrift_write_string_field(&w, 4, "j");
    ls_thrift_write_field(&w, LS_THRIFT_STRUCT, 10);
    ls_thrift_write_struct_begin(&w);
    ls_thrift_write_field(&w, LS_THRIFT_STRUCT, 12);
    ls_thrift_write_struct_begin(&w);
    ls_thrift_write_struct_end(&w);
    ls_thrift_write_struct_end(&w);
    ls_thrift_write_struct_end(&w);
    ls_thrift_write_i64_field(&w, 3, 0);
    ls_thrift_write_field(&w, LS_THRIFT_LIST, 4);
    ls_thrift_write_list_begin(&w, LS_THRIFT_STRUCT, 0);
    ls_thrift_write_field(&w, LS_THRIFT_STRUCT, 8); /* encryption_algorithm */
    ls_thrift_write_struct_begin(&w);
    ls_thrift_write_field(&w, LS_THRIFT_STRUCT, 1);
    ls_thrift_write_struct_begin(&w);
    ls_thrift_write_struct_end(&w);
    ls_thrift_write_struct_end(&w);
    ls_thrift_write_field(&w, LS_THRIFT_DOUBLE, 200); /* unknown, long-form id */
    ls_thrift_write_double(&w, 1.5);
    ls_thrift_write_struct_end(&w);
    assert_int_equal(w.rc, LS_OK);

    ls_arena_t *a = new_arena();
    ls_pq_file_meta_t out;
    ls_error_t err;
    assert_int_equal(ls_pq_file_meta_decode(b.data, b.len, a, &out, &err), LS_OK);
    assert_int_equal(out.num_schema, 3);
    assert_string_equal(out.schema[0].name, "root");
    assert_int_equal(out.schema[0].logical.kind, LS_PQ_LT_OTHER);
    assert_int_equal(out.schema[1].logical.kind, LS_PQ_LT_OTHER);
    assert_false(out.schema[2].has_type);
    assert_int_equal(out.schema[2].logical.kind, LS_PQ_LT_JSON);
    assert_true(out.has_encryption);
    assert_int_equal(out.num_row_groups, 0);

    ls_buf_free(&b);
    ls_arena_free(a);
}

static void test_file_meta_required_missing(void **state)
{
    (void)state;
    ls_thrift_writer_t w;
    ls_arena_t *a = new_arena();
    ls_pq_file_meta_t out;
    ls_error_t err;
    /* no num_rows (field 3): a required field is missing */
    ls_buf_t c;
    ls_buf_init(&c, LS_BUF_UNLIMITED);
    ls_thrift_writer_init(&w, &c);
    ls_thrift_write_struct_begin(&w);
    ls_thrift_write_i32_field(&w, 1, 1);
    ls_thrift_write_field(&w, LS_THRIFT_LIST, 2);
    ls_thrift_write_list_begin(&w, LS_THRIFT_STRUCT, 0);
    ls_thrift_write_field(&w, LS_THRIFT_LIST, 4);
    ls_thrift_write_list_begin(&w, LS_THRIFT_STRUCT, 0);
    ls_thrift_write_struct_end(&w);
    assert_int_equal(ls_pq_file_meta_decode(c.data, c.len, a, &out, &err), LS_ERR_CORRUPT);
    assert_non_null(
        strstr(err.msg, "FileMetaData: FileMetaData lacks its required field num_rows"));
    ls_buf_free(&c);
    ls_arena_free(a);
}

static void test_file_meta_error_path(void **state)
{
    (void)state;
    sample_meta_t s;
    build_sample(&s);
    s.cc[1].meta_data.path_in_schema = s.path2;
    s.path2[0] = "a-rather-long-column-name";
    ls_buf_t b;
    ls_buf_init(&b, LS_BUF_UNLIMITED);
    assert_int_equal(ls_pq_file_meta_encode(&s.fm, &b, NULL), LS_OK);
    /* cut inside the second column's path string */
    uint8_t *hit = memmem(b.data, b.len, "a-rather", 8);
    assert_non_null(hit);
    size_t cut = (size_t)(hit - b.data) + 4;
    ls_arena_t *a = new_arena();
    ls_pq_file_meta_t out;
    ls_error_t err;
    assert_int_equal(ls_pq_file_meta_decode(b.data, cut, a, &out, &err), LS_ERR_CORRUPT);
    assert_non_null(strstr(
        err.msg,
        "FileMetaData.row_groups[0].columns[1].meta_data.path_in_schema: binary of 25 bytes"));
    assert_non_null(strstr(err.msg, "at byte"));

    /* a negative page count / size is rejected with the field name */
    ls_buf_reset(&b);
    build_sample(&s);
    s.rg[1].num_rows = -1;
    assert_int_equal(ls_pq_file_meta_encode(&s.fm, &b, NULL), LS_OK);
    assert_int_equal(ls_pq_file_meta_decode(b.data, b.len, a, &out, &err), LS_ERR_CORRUPT);
    assert_non_null(strstr(err.msg, "row_groups[1].num_rows: negative num_rows"));

    ls_buf_reset(&b);
    build_sample(&s);
    s.schema[4].type = (ls_pq_type_t)9;
    assert_int_equal(ls_pq_file_meta_encode(&s.fm, &b, NULL), LS_OK);
    assert_int_equal(ls_pq_file_meta_decode(b.data, b.len, a, &out, &err), LS_ERR_CORRUPT);
    assert_non_null(strstr(err.msg, "schema[4].type: invalid physical type 9"));
    ls_buf_free(&b);
    ls_arena_free(a);
}

/* ------------------------------------------------------------------ PageHeader */

static void page_round_trip(const ls_pq_page_header_t *ph)
{
    ls_buf_t b;
    ls_buf_init(&b, LS_BUF_UNLIMITED);
    ls_error_t err;
    assert_int_equal(ls_pq_page_header_encode(ph, &b, &err), LS_OK);
    size_t hdr = b.len;
    assert_int_equal(ls_buf_append(&b, "PAGEDATA", 8), LS_OK); /* the page body follows */

    ls_arena_t *a = new_arena();
    ls_pq_page_header_t out;
    size_t consumed = 0;
    assert_int_equal(ls_pq_page_header_decode(b.data, b.len, a, &out, &consumed, &err), LS_OK);
    assert_int_equal(consumed, hdr);
    assert_int_equal(out.type, ph->type);
    assert_int_equal(out.uncompressed_page_size, ph->uncompressed_page_size);
    assert_int_equal(out.compressed_page_size, ph->compressed_page_size);
    assert_int_equal(out.has_crc, ph->has_crc);
    assert_int_equal(out.crc, ph->crc);
    assert_int_equal(out.has_data_page_header, ph->has_data_page_header);
    if (ph->has_data_page_header) {
        const ls_pq_data_page_header_t *x = &ph->data_page_header, *y = &out.data_page_header;
        assert_int_equal(x->num_values, y->num_values);
        assert_int_equal(x->encoding, y->encoding);
        assert_int_equal(x->definition_level_encoding, y->definition_level_encoding);
        assert_int_equal(x->repetition_level_encoding, y->repetition_level_encoding);
        assert_int_equal(x->has_statistics, y->has_statistics);
        if (x->has_statistics) {
            assert_stats_eq(&x->statistics, &y->statistics);
        }
    }
    assert_int_equal(out.has_dictionary_page_header, ph->has_dictionary_page_header);
    if (ph->has_dictionary_page_header) {
        const ls_pq_dict_page_header_t *x = &ph->dictionary_page_header;
        const ls_pq_dict_page_header_t *y = &out.dictionary_page_header;
        assert_int_equal(x->num_values, y->num_values);
        assert_int_equal(x->encoding, y->encoding);
        assert_int_equal(x->has_is_sorted, y->has_is_sorted);
        assert_int_equal(x->is_sorted, y->is_sorted);
    }
    assert_int_equal(out.has_data_page_header_v2, ph->has_data_page_header_v2);
    if (ph->has_data_page_header_v2) {
        const ls_pq_data_page_header_v2_t *x = &ph->data_page_header_v2;
        const ls_pq_data_page_header_v2_t *y = &out.data_page_header_v2;
        assert_int_equal(x->num_values, y->num_values);
        assert_int_equal(x->num_nulls, y->num_nulls);
        assert_int_equal(x->num_rows, y->num_rows);
        assert_int_equal(x->encoding, y->encoding);
        assert_int_equal(x->definition_levels_byte_length, y->definition_levels_byte_length);
        assert_int_equal(x->repetition_levels_byte_length, y->repetition_levels_byte_length);
        assert_int_equal(x->is_compressed, y->is_compressed);
        assert_int_equal(x->has_statistics, y->has_statistics);
        if (x->has_statistics) {
            assert_stats_eq(&x->statistics, &y->statistics);
        }
    }
    ls_thrift_reader_t r;
    ls_thrift_reader_init(&r, b.data, hdr, NULL);
    walk_increasing(&r, LS_THRIFT_STRUCT);

    /* every strict prefix fails cleanly */
    for (size_t n = 0; n < hdr; n++) {
        uint8_t *p = ls_malloc(n ? n : 1);
        assert_non_null(p);
        memcpy(p, b.data, n);
        assert_int_equal(ls_pq_page_header_decode(p, n, a, &out, &consumed, &err), LS_ERR_CORRUPT);
        assert_int_equal(consumed, 0);
        ls_free(p);
    }
    ls_buf_free(&b);
    ls_arena_free(a);
}

static void test_page_header_round_trip(void **state)
{
    (void)state;
    ls_pq_page_header_t ph;
    memset(&ph, 0, sizeof(ph));
    ph.type = LS_PQ_PAGE_DATA;
    ph.uncompressed_page_size = 1 << 20;
    ph.compressed_page_size = 4000;
    ph.has_crc = true;
    ph.crc = (int32_t)0xdeadbeef;
    ph.has_data_page_header = true;
    ph.data_page_header = (ls_pq_data_page_header_t){.num_values = 1000,
                                                     .encoding = LS_PQ_ENC_RLE_DICTIONARY,
                                                     .definition_level_encoding = LS_PQ_ENC_RLE,
                                                     .repetition_level_encoding = LS_PQ_ENC_RLE,
                                                     .has_statistics = true};
    ph.data_page_header.statistics = full_stats("", "\xff\x00\x01");
    page_round_trip(&ph);

    memset(&ph, 0, sizeof(ph));
    ph.type = LS_PQ_PAGE_DICTIONARY;
    ph.uncompressed_page_size = 10;
    ph.compressed_page_size = 10;
    ph.has_dictionary_page_header = true;
    ph.dictionary_page_header = (ls_pq_dict_page_header_t){
        .num_values = 3, .encoding = LS_PQ_ENC_PLAIN, .has_is_sorted = true, .is_sorted = true};
    page_round_trip(&ph);

    memset(&ph, 0, sizeof(ph));
    ph.type = LS_PQ_PAGE_DATA_V2;
    ph.compressed_page_size = 77;
    ph.uncompressed_page_size = 99;
    ph.has_data_page_header_v2 = true;
    ph.data_page_header_v2 =
        (ls_pq_data_page_header_v2_t){.num_values = 10,
                                      .num_nulls = 2,
                                      .num_rows = 9,
                                      .encoding = LS_PQ_ENC_DELTA_BINARY_PACKED,
                                      .definition_levels_byte_length = 4,
                                      .repetition_levels_byte_length = 3,
                                      .is_compressed = false,
                                      .has_statistics = true};
    ph.data_page_header_v2.statistics = full_stats("a", "b");
    page_round_trip(&ph);
    ph.data_page_header_v2.is_compressed = true;
    ph.data_page_header_v2.has_statistics = false;
    page_round_trip(&ph);
}

static void test_page_header_bytes_and_defaults(void **state)
{
    (void)state;
    ls_pq_page_header_t ph;
    memset(&ph, 0, sizeof(ph));
    ph.type = LS_PQ_PAGE_DICTIONARY;
    ph.uncompressed_page_size = 8;
    ph.compressed_page_size = 8;
    ph.has_dictionary_page_header = true;
    ph.dictionary_page_header.num_values = 1;
    ls_buf_t b;
    ls_buf_init(&b, LS_BUF_UNLIMITED);
    assert_int_equal(ls_pq_page_header_encode(&ph, &b, NULL), LS_OK);
    const uint8_t want[] = {
        0x15, 0x04, 0x15, 0x10, 0x15, 0x10, /* type 2, sizes 8, 8 */
        0x4c, 0x15, 0x02, 0x15, 0x00, 0x00, /* 7: {num_values 1, encoding PLAIN} */
        0x00,
    };
    assert_bytes(&b, want, sizeof(want));

    /* a v2 header without is_compressed reads as compressed */
    ls_pq_page_header_t v2;
    memset(&v2, 0, sizeof(v2));
    v2.type = LS_PQ_PAGE_DATA_V2;
    v2.has_data_page_header_v2 = true;
    v2.data_page_header_v2.is_compressed = true;
    ls_buf_reset(&b);
    assert_int_equal(ls_pq_page_header_encode(&v2, &b, NULL), LS_OK);
    ls_arena_t *a = new_arena();
    ls_pq_page_header_t out;
    assert_int_equal(ls_pq_page_header_decode(b.data, b.len, a, &out, NULL, NULL), LS_OK);
    assert_true(out.data_page_header_v2.is_compressed);
    assert_null(memchr(b.data, 0x12, b.len)); /* no field 7 (delta 1, BOOLEAN_FALSE) */

    /* negative sizes and unknown page types are rejected */
    ls_error_t err;
    ph.compressed_page_size = -1;
    ls_buf_reset(&b);
    assert_int_equal(ls_pq_page_header_encode(&ph, &b, NULL), LS_OK);
    assert_int_equal(ls_pq_page_header_decode(b.data, b.len, a, &out, NULL, &err), LS_ERR_CORRUPT);
    assert_non_null(strstr(err.msg, "PageHeader.compressed_page_size: negative page size"));
    ph.compressed_page_size = 8;
    ph.type = (ls_pq_page_type_t)4;
    ls_buf_reset(&b);
    assert_int_equal(ls_pq_page_header_encode(&ph, &b, NULL), LS_OK);
    assert_int_equal(ls_pq_page_header_decode(b.data, b.len, a, &out, NULL, &err), LS_ERR_CORRUPT);
    /* missing required field of the nested header */
    const uint8_t nodict[] = {0x15, 0x04, 0x15, 0x10, 0x15, 0x10, 0x4c, 0x15, 0x02, 0x00, 0x00};
    assert_int_equal(ls_pq_page_header_decode(nodict, sizeof(nodict), a, &out, NULL, &err),
                     LS_ERR_CORRUPT);
    assert_non_null(strstr(err.msg, "dictionary_page_header: DictionaryPageHeader lacks its "
                                    "required field encoding"));
    ls_buf_free(&b);
    ls_arena_free(a);
}

/* ------------------------------------------------------------------ names */

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(ls_pq_type_name(LS_PQ_INT64), "INT64");
    assert_string_equal(ls_pq_type_name(LS_PQ_FIXED_LEN_BYTE_ARRAY), "FIXED_LEN_BYTE_ARRAY");
    assert_string_equal(ls_pq_type_name((ls_pq_type_t)8), "UNKNOWN");
    assert_string_equal(ls_pq_type_name((ls_pq_type_t)-1), "UNKNOWN");
    assert_string_equal(ls_pq_codec_name(LS_PQ_CODEC_ZSTD), "ZSTD");
    assert_string_equal(ls_pq_codec_name(LS_PQ_CODEC_LZ4_RAW), "LZ4_RAW");
    assert_string_equal(ls_pq_codec_name((ls_pq_codec_t)8), "UNKNOWN");
    assert_string_equal(ls_pq_encoding_name(LS_PQ_ENC_RLE_DICTIONARY), "RLE_DICTIONARY");
    assert_string_equal(ls_pq_encoding_name(LS_PQ_ENC_BYTE_STREAM_SPLIT), "BYTE_STREAM_SPLIT");
    assert_string_equal(ls_pq_encoding_name((ls_pq_encoding_t)42), "UNKNOWN");
    assert_string_equal(ls_pq_converted_name(LS_PQ_CT_UTF8), "UTF8");
    assert_string_equal(ls_pq_converted_name(LS_PQ_CT_INTERVAL), "INTERVAL");
    assert_string_equal(ls_pq_repetition_name(LS_PQ_REPEATED), "REPEATED");
    assert_string_equal(ls_pq_page_type_name(LS_PQ_PAGE_DATA_V2), "DATA_PAGE_V2");
    assert_string_equal(ls_pq_logical_name(LS_PQ_LT_TIMESTAMP), "TIMESTAMP");
    assert_string_equal(ls_pq_logical_name(LS_PQ_LT_GEOGRAPHY), "GEOGRAPHY");
    assert_string_equal(ls_pq_logical_name(LS_PQ_LT_NONE), "NONE");
    assert_string_equal(ls_pq_logical_name((ls_pq_logical_kind_t)9), "OTHER");
    assert_string_equal(ls_pq_logical_name(LS_PQ_LT_OTHER), "OTHER");
}

/* ------------------------------------------------------------------ real footers */

/* Reads the footer of @p path into a malloc'd buffer. 1 = no PAR1 footer, -1 = I/O error. */
static int read_footer(const char *path, uint8_t **out, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return -1;
    }
    uint8_t tail[8];
    long size = -1;
    int rc = -1;
    if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) >= 12 &&
        fseek(f, size - 8, SEEK_SET) == 0 && fread(tail, 1, 8, f) == 8) {
        uint32_t n = (uint32_t)tail[0] | (uint32_t)tail[1] << 8 | (uint32_t)tail[2] << 16 |
                     (uint32_t)tail[3] << 24;
        rc = 1;
        if (memcmp(tail + 4, "PAR1", 4) == 0 && n <= (uint64_t)size - 12) {
            *out = ls_malloc(n ? n : 1);
            assert_non_null(*out);
            *len = n;
            if (fseek(f, size - 8 - (long)n, SEEK_SET) == 0 && fread(*out, 1, n, f) == n) {
                rc = 0;
            } else {
                ls_free(*out);
                rc = -1;
            }
        }
    }
    fclose(f);
    return rc;
}

/* Does a leaf with this path exist in the depth-first schema? */
static bool schema_has_path(const ls_pq_file_meta_t *fm, const ls_pq_column_meta_t *cm)
{
    /* walk the tree keeping the names of the open groups */
    const char *stack[64];
    int32_t left[64];
    int depth = 0;
    for (uint32_t i = 1; i < fm->num_schema; i++) {
        const ls_pq_schema_el_t *el = &fm->schema[i];
        if (depth >= 64) {
            return false;
        }
        stack[depth] = el->name;
        bool group = el->has_num_children && el->num_children > 0;
        if (!group && (uint32_t)depth + 1 == cm->path_len) {
            bool eq = true;
            for (int d = 0; d <= depth && eq; d++) {
                eq = strcmp(stack[d], cm->path_in_schema[d]) == 0;
            }
            if (eq) {
                return true;
            }
        }
        if (group) {
            left[depth++] = el->num_children;
        } else {
            while (depth > 0 && --left[depth - 1] == 0) {
                depth--;
            }
        }
    }
    return false;
}

static void check_footer(const char *name, const uint8_t *p, size_t n)
{
    ls_arena_t *a = new_arena();
    ls_pq_file_meta_t fm;
    ls_error_t err;
    ls_err_t rc = ls_pq_file_meta_decode(p, n, a, &fm, &err);
    if (rc != LS_OK) {
        fail_msg("%s: %s", name, err.msg);
    }
    assert_true(fm.num_schema > 0);
    int64_t rows = 0;
    for (uint32_t g = 0; g < fm.num_row_groups; g++) {
        const ls_pq_row_group_t *rg = &fm.row_groups[g];
        rows += rg->num_rows;
        for (uint32_t c = 0; c < rg->num_columns; c++) {
            const ls_pq_column_chunk_t *cc = &rg->columns[c];
            if (!cc->has_meta_data) {
                assert_true(cc->is_encrypted);
                continue;
            }
            if (!schema_has_path(&fm, &cc->meta_data)) {
                fail_msg("%s: column %u of row group %u has a path not in the schema", name, c, g);
            }
        }
    }
    /* parquet-rs 0.3.0 left FileMetaData.num_rows at 0 in this file (DuckDB reads 0 too) */
    bool known_bad = strcmp(name, "repeated_no_annotation.parquet") == 0 && fm.num_rows == 0;
    if (rows != fm.num_rows && !known_bad) {
        fail_msg("%s: num_rows %lld but row groups hold %lld", name, (long long)fm.num_rows,
                 (long long)rows);
    }
    /* re-encode and decode again: nothing we model may change. A logical type this
     * code does not know cannot be written back (the encoder refuses to guess). */
    bool other = false;
    for (uint32_t i = 0; i < fm.num_schema; i++) {
        other = other || fm.schema[i].logical.kind == LS_PQ_LT_OTHER;
    }
    if (other) {
        ls_buf_t b;
        ls_buf_init(&b, LS_BUF_UNLIMITED);
        assert_int_equal(ls_pq_file_meta_encode(&fm, &b, &err), LS_ERR_INVALID_ARG);
        ls_buf_free(&b);
    } else if (!fm.has_encryption) {
        ls_buf_t b;
        ls_buf_init(&b, LS_BUF_UNLIMITED);
        assert_int_equal(ls_pq_file_meta_encode(&fm, &b, &err), LS_OK);
        ls_pq_file_meta_t again;
        assert_int_equal(ls_pq_file_meta_decode(b.data, b.len, a, &again, &err), LS_OK);
        assert_file_meta_eq(&fm, &again);
        ls_buf_free(&b);
    }
    ls_arena_free(a);
}

static int scan_dir(const char *dir, const char *suffix, bool must_decode)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *e;
    int count = 0;
    while ((e = readdir(d)) != NULL) {
        size_t nl = strlen(e->d_name), sl = strlen(suffix);
        if (nl < sl || strcmp(e->d_name + nl - sl, suffix) != 0) {
            continue;
        }
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        uint8_t *p = NULL;
        size_t n = 0;
        int rc = read_footer(path, &p, &n);
        if (rc != 0) {
            continue; /* "PARE" (encrypted footer) or not a Parquet file */
        }
        if (must_decode) {
            check_footer(e->d_name, p, n);
        } else {
            ls_arena_t *a = new_arena();
            ls_pq_file_meta_t fm;
            (void)ls_pq_file_meta_decode(p, n, a, &fm, NULL);
            ls_arena_free(a);
        }
        ls_free(p);
        count++;
    }
    closedir(d);
    return count;
}

static void test_real_footers(void **state)
{
    (void)state;
    LS_REQUIRE_TESTDATA("parquet-testing/data");
    char dir[4096];
    snprintf(dir, sizeof(dir), "%s", ls_test_data("parquet-testing/data"));
    int n = scan_dir(dir, ".parquet", true);
    print_message("decoded %d footers\n", n);
    assert_true(n >= 50);
    if (ls_test_data("parquet-testing/data/geospatial") != NULL) {
        char geo[4200];
        snprintf(geo, sizeof(geo), "%s/geospatial", dir);
        assert_true(scan_dir(geo, ".parquet", true) >= 1);
    }
    /* plaintext footers of files with encrypted columns */
    assert_true(scan_dir(dir, ".parquet.encrypted", true) >= 1);
    /* deliberately broken files: an error or a result, never a crash */
    if (ls_test_data("parquet-testing/bad_data") != NULL) {
        snprintf(dir, sizeof(dir), "%s", ls_test_data("parquet-testing/bad_data"));
        scan_dir(dir, ".parquet", false);
    }
}

static void test_real_footer_encrypted_columns(void **state)
{
    (void)state;
    const char *rel = "parquet-testing/data/encrypt_columns_plaintext_footer.parquet.encrypted";
    LS_REQUIRE_TESTDATA(rel);
    uint8_t *p = NULL;
    size_t n = 0;
    assert_int_equal(read_footer(ls_test_data(rel), &p, &n), 0);
    ls_arena_t *a = new_arena();
    ls_pq_file_meta_t fm;
    ls_error_t err;
    assert_int_equal(ls_pq_file_meta_decode(p, n, a, &fm, &err), LS_OK);
    assert_true(fm.has_encryption);
    int encrypted = 0;
    for (uint32_t g = 0; g < fm.num_row_groups; g++) {
        for (uint32_t c = 0; c < fm.row_groups[g].num_columns; c++) {
            encrypted += fm.row_groups[g].columns[c].is_encrypted;
        }
    }
    assert_true(encrypted > 0);
    ls_arena_free(a);
    ls_free(p);
}

static void test_real_footer_logical_types(void **state)
{
    (void)state;
    const char *rel = "parquet-testing/data/alltypes_tiny_pages.parquet";
    LS_REQUIRE_TESTDATA(rel);
    uint8_t *p = NULL;
    size_t n = 0;
    assert_int_equal(read_footer(ls_test_data(rel), &p, &n), 0);
    ls_arena_t *a = new_arena();
    ls_pq_file_meta_t fm;
    assert_int_equal(ls_pq_file_meta_decode(p, n, a, &fm, NULL), LS_OK);
    /* what DuckDB's parquet_schema() reports for this file */
    assert_int_equal(fm.num_schema, 14);
    assert_string_equal(fm.schema[0].name, "hive_schema");
    assert_int_equal(fm.num_rows, 7300);
    bool saw_string = false, saw_tiny = false;
    for (uint32_t i = 1; i < fm.num_schema; i++) {
        const ls_pq_schema_el_t *el = &fm.schema[i];
        if (strcmp(el->name, "string_col") == 0) {
            saw_string = true;
            assert_int_equal(el->type, LS_PQ_BYTE_ARRAY);
            assert_int_equal(el->logical.kind, LS_PQ_LT_STRING);
            assert_int_equal(el->converted_type, LS_PQ_CT_UTF8);
        } else if (strcmp(el->name, "tinyint_col") == 0) {
            saw_tiny = true;
            assert_int_equal(el->logical.kind, LS_PQ_LT_INTEGER);
            assert_int_equal(el->logical.bit_width, 8);
            assert_true(el->logical.is_signed);
            assert_int_equal(el->converted_type, LS_PQ_CT_INT_8);
        } else if (strcmp(el->name, "timestamp_col") == 0) {
            assert_int_equal(el->type, LS_PQ_INT96);
        }
    }
    assert_true(saw_tiny);
    assert_true(saw_string);
    ls_arena_free(a);
    ls_free(p);
}

static void test_real_footer_truncations(void **state)
{
    (void)state;
    LS_REQUIRE_TESTDATA("parquet-testing/data/alltypes_plain.parquet");
    uint8_t *p = NULL;
    size_t n = 0;
    assert_int_equal(
        read_footer(ls_test_data("parquet-testing/data/alltypes_plain.parquet"), &p, &n), 0);
    ls_arena_t *a = new_arena();
    for (size_t i = 0; i < n; i++) {
        uint8_t *q = ls_malloc(i ? i : 1);
        assert_non_null(q);
        memcpy(q, p, i);
        ls_pq_file_meta_t fm;
        ls_arena_reset(a);
        assert_int_not_equal(ls_pq_file_meta_decode(q, i, a, &fm, NULL), LS_OK);
        ls_free(q);
    }
    ls_arena_free(a);
    ls_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_file_meta_round_trip),
        cmocka_unit_test(test_file_meta_minimal_bytes),
        cmocka_unit_test(test_file_meta_encode_rejects),
        cmocka_unit_test(test_file_meta_truncated_everywhere),
        cmocka_unit_test(test_file_meta_mutations_do_not_crash),
        cmocka_unit_test(test_file_meta_alloc_failures),
        cmocka_unit_test(test_file_meta_unknown_and_required),
        cmocka_unit_test(test_file_meta_required_missing),
        cmocka_unit_test(test_file_meta_error_path),
        cmocka_unit_test(test_page_header_round_trip),
        cmocka_unit_test(test_page_header_bytes_and_defaults),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_real_footers),
        cmocka_unit_test(test_real_footer_encrypted_columns),
        cmocka_unit_test(test_real_footer_logical_types),
        cmocka_unit_test(test_real_footer_truncations),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

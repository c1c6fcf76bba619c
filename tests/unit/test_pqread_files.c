/*
 * test_pqread_files.c — the Parquet reader against the parquet-testing corpus: every
 * file in data/ opens and reads with the row counts of its footer (or fails with the
 * listed reason), every file in bad_data/ fails cleanly, values of selected files match
 * their published contents, and projections, CRC checking, truncation, mutation and
 * allocation failures behave. Skips when the corpus is absent.
 */
#include <dirent.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lakesink/alloc.h"
#include "lakesink/io.h"
#include "lakesink/parquet.h"
#include "testutil.h"

#define DATA "parquet-testing/data"
#define BAD "parquet-testing/bad_data"

/* Files of data/ the reader refuses, and why. */
typedef struct {
    const char *file;
    ls_err_t code;
    const char *msg;
} expect_fail_t;

static const expect_fail_t expected_failures[] = {
    /* Parquet modular encryption is not implemented */
    {"encrypt_columns_and_footer.parquet.encrypted", LS_ERR_UNSUPPORTED, "encrypted"},
    {"encrypt_columns_and_footer_aad.parquet.encrypted", LS_ERR_UNSUPPORTED, "encrypted"},
    {"encrypt_columns_and_footer_bloom_filter.parquet.encrypted", LS_ERR_UNSUPPORTED, "encrypted"},
    {"encrypt_columns_and_footer_ctr.parquet.encrypted", LS_ERR_UNSUPPORTED, "encrypted"},
    {"encrypt_columns_and_footer_disable_aad_storage.parquet.encrypted", LS_ERR_UNSUPPORTED,
     "encrypted"},
    {"encrypt_columns_plaintext_footer.parquet.encrypted", LS_ERR_UNSUPPORTED, "encrypted"},
    {"external_key_material_java.parquet.encrypted", LS_ERR_UNSUPPORTED, "encrypted"},
    {"uniform_encryption.parquet.encrypted", LS_ERR_UNSUPPORTED, "encrypted"},
    /* deliberately wrong page checksums */
    {"datapage_v1-corrupt-checksum.parquet", LS_ERR_CORRUPT, "CRC mismatch"},
    {"rle-dict-uncompressed-corrupt-checksum.parquet", LS_ERR_CORRUPT, "CRC mismatch"},
    /* one value of 1 GiB: a page above the reader's page size limit */
    {"large_string_map.brotli.parquet", LS_ERR_LIMIT, "page limit"},
};

static const expect_fail_t *find_expected(const char *name)
{
    for (size_t i = 0; i < sizeof(expected_failures) / sizeof(expected_failures[0]); i++) {
        if (strcmp(expected_failures[i].file, name) == 0) {
            return &expected_failures[i];
        }
    }
    return NULL;
}

static char *data_path(const char *dir, const char *file)
{
    char rel[512];
    snprintf(rel, sizeof(rel), "%s/%s", dir, file);
    const char *p = ls_test_data(rel);
    return p ? strdup(p) : NULL;
}

/* Structural invariants of a decoded column. */
static void check_column(const ls_column_t *c, size_t nrows)
{
    const ls_leaf_t *lf = c->leaf;
    size_t rows = 0, vals = 0;
    for (size_t i = 0; i < c->nlevels; i++) {
        int d = ls_col_def(c, i), r = ls_col_rep(c, i);
        assert_true(d <= lf->max_def && r <= lf->max_rep);
        rows += r == 0;
        vals += d == lf->max_def;
    }
    assert_int_equal(rows, nrows);
    assert_int_equal(vals, c->nvalues);
    if (lf->store == LS_COL_BYTES && c->nvalues > 0) {
        assert_int_equal(c->offsets[0], 0);
        for (size_t i = 0; i < c->nvalues; i++) {
            assert_true(c->offsets[i] <= c->offsets[i + 1]);
        }
        assert_int_equal(c->offsets[c->nvalues], c->nbytes);
    }
}

/* Open and read every row group, checking counts. Returns the first error. */
static ls_err_t read_all(ls_pq_reader_t *r, ls_error_t *err)
{
    const ls_pq_file_meta_t *m = ls_pq_reader_meta(r);
    int64_t total = 0;
    for (uint32_t g = 0; g < ls_pq_reader_num_row_groups(r); g++) {
        ls_batch_t *b = NULL;
        ls_err_t rc = ls_pq_reader_read_row_group(r, g, &b, err);
        if (rc != LS_OK) {
            assert_null(b);
            return rc;
        }
        assert_int_equal(b->nrows, m->row_groups[g].num_rows);
        for (size_t c = 0; c < b->ncols; c++) {
            check_column(&b->cols[c], b->nrows);
        }
        total += (int64_t)b->nrows;
        ls_batch_free(b);
    }
    assert_int_equal(total, ls_pq_reader_num_rows(r));
    return LS_OK;
}

static ls_err_t open_read(const char *path, ls_error_t *err)
{
    ls_pq_reader_t *r = ls_pq_reader_open_file(path, err);
    if (r == NULL) {
        return err->code;
    }
    ls_err_t rc = read_all(r, err);
    if (rc == LS_OK) {
        const ls_pq_file_meta_t *m = ls_pq_reader_meta(r);
        /* parquet-rs 0.3.0 wrote 0 as the file's row count; its row group has 6 */
        if (strstr(path, "repeated_no_annotation.parquet") == NULL) {
            assert_int_equal(m->num_rows, ls_pq_reader_num_rows(r));
        }
    }
    ls_pq_reader_free(r);
    return rc;
}

static int walk_dir(const char *rel, int *failures)
{
    const char *p = ls_test_data(rel);
    if (p == NULL) {
        return 0;
    }
    char dir[1024];
    snprintf(dir, sizeof(dir), "%s", p);
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *e;
    int n = 0;
    while ((e = readdir(d)) != NULL) {
        const char *name = e->d_name;
        size_t l = strlen(name);
        bool enc = l > 18 && strcmp(name + l - 18, ".parquet.encrypted") == 0;
        if (!enc && !(l > 8 && strcmp(name + l - 8, ".parquet") == 0)) {
            continue;
        }
        char path[2048];
        snprintf(path, sizeof(path), "%s/%s", dir, name);
        ls_error_t err;
        ls_error_clear(&err);
        ls_err_t rc = open_read(path, &err);
        const expect_fail_t *x = find_expected(name);
        if (x != NULL) {
            if (rc != x->code || strstr(err.msg, x->msg) == NULL) {
                print_message("%s: expected %s (%s), got %s: %s\n", name, ls_err_name(x->code),
                              x->msg, ls_err_name(rc), err.msg);
                (*failures)++;
            }
        } else if (rc != LS_OK) {
            print_message("%s: %s: %s\n", name, ls_err_name(rc), err.msg);
            (*failures)++;
        }
        n++;
    }
    closedir(d);
    return n;
}

static void test_every_data_file(void **state)
{
    (void)state;
    LS_REQUIRE_TESTDATA(DATA);
    int failures = 0;
    int n = walk_dir(DATA, &failures);
    n += walk_dir(DATA "/aes256", &failures);
    n += walk_dir(DATA "/geospatial", &failures);
    print_message("read %d files\n", n);
    assert_true(n >= 80);
    assert_int_equal(failures, 0);
}

/* Every bad_data file fails cleanly, except the documented valid read. */
static void test_bad_data(void **state)
{
    (void)state;
    LS_REQUIRE_TESTDATA(BAD);
    static const char *const files[] = {
        "ARROW-GH-41317.parquet",
        "ARROW-GH-41321.parquet",
        "ARROW-GH-45185.parquet",
        "ARROW-GH-47662.parquet",
        "ARROW-RS-GH-6229-DICTHEADER.parquet",
        "ARROW-RS-GH-6229-LEVELS.parquet",
        "PARQUET-1481.parquet",
    };
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        char *path = data_path(BAD, files[i]);
        assert_non_null(path);
        ls_error_t err;
        ls_err_t rc = open_read(path, &err);
        print_message("%s: %s: %s\n", files[i], ls_err_name(rc), err.msg);
        assert_int_equal(rc, LS_ERR_CORRUPT);
        assert_non_null(strstr(err.msg, files[i])); /* names the source */
        free(path);
    }
    /* dictionary indices with bit width 0 over a one-entry dictionary: a valid read */
    char *path = data_path(BAD, "ARROW-GH-43605.parquet");
    ls_error_t err;
    ls_pq_reader_t *r = ls_pq_reader_open_file(path, &err);
    assert_non_null(r);
    ls_batch_t *b;
    assert_int_equal(ls_pq_reader_read_row_group(r, 0, &b, &err), LS_OK);
    assert_int_equal(b->nrows, 21186);
    for (size_t i = 0; i < b->cols[0].nvalues; i++) {
        assert_int_equal(ls_col_i32(&b->cols[0], i), 0);
    }
    ls_batch_free(b);
    ls_pq_reader_free(r);
    free(path);
}

/* ------------------------------------------------------------ spot checks */

static ls_pq_reader_t *open_data(const char *file)
{
    char *path = data_path(DATA, file);
    assert_non_null(path);
    ls_error_t err;
    ls_pq_reader_t *r = ls_pq_reader_open_file(path, &err);
    if (r == NULL) {
        print_message("%s: %s\n", file, err.msg);
    }
    assert_non_null(r);
    free(path);
    return r;
}

static ls_batch_t *read_rg(ls_pq_reader_t *r, uint32_t g)
{
    ls_batch_t *b = NULL;
    ls_error_t err;
    ls_err_t rc = ls_pq_reader_read_row_group(r, g, &b, &err);
    if (rc != LS_OK) {
        print_message("%s\n", err.msg);
    }
    assert_int_equal(rc, LS_OK);
    return b;
}

static const ls_column_t *col_by_path(const ls_batch_t *b, const char *dotted)
{
    for (size_t i = 0; i < b->ncols; i++) {
        if (strcmp(b->cols[i].leaf->dotted, dotted) == 0) {
            return &b->cols[i];
        }
    }
    fail_msg("no column %s", dotted);
    return NULL;
}

static void assert_levels(const ls_column_t *c, const char *def, const char *rep)
{
    assert_int_equal(c->nlevels, strlen(def));
    for (size_t i = 0; i < c->nlevels; i++) {
        assert_int_equal(ls_col_def(c, i), def[i] - '0');
        assert_int_equal(ls_col_rep(c, i), rep[i] - '0');
    }
}

static void test_alltypes_plain(void **state)
{
    (void)state;
    LS_REQUIRE_TESTDATA(DATA);
    ls_pq_reader_t *r = open_data("alltypes_plain.parquet");
    const ls_layout_t *l = ls_pq_reader_layout(r);
    assert_int_equal(l->nleaves, 11);
    assert_int_equal(ls_layout_field(l, "timestamp_col")->type->kind, LS_TYPE_TIMESTAMP);
    assert_int_equal(ls_layout_field(l, "bigint_col")->type->kind, LS_TYPE_LONG);
    assert_int_equal(ls_layout_field(l, "string_col")->type->kind, LS_TYPE_BINARY);
    ls_batch_t *b = read_rg(r, 0);
    static const int32_t ids[] = {4, 5, 6, 7, 2, 3, 0, 1};
    const ls_column_t *id = col_by_path(b, "id");
    assert_int_equal(id->nvalues, 8);
    for (int i = 0; i < 8; i++) {
        assert_int_equal(ls_col_i32(id, (size_t)i), ids[i]);
    }
    const ls_column_t *bo = col_by_path(b, "bool_col");
    assert_true(ls_col_bool(bo, 0));
    assert_false(ls_col_bool(bo, 1));
    /* 2009-03-01 00:00:00 UTC, from INT96 */
    assert_int_equal(ls_col_i64(col_by_path(b, "timestamp_col"), 0), INT64_C(1235865600000000));
    assert_true(fabs(ls_col_double(col_by_path(b, "double_col"), 1) - 10.1) < 1e-12);
    size_t n;
    const uint8_t *s = ls_col_bytes(col_by_path(b, "date_string_col"), 0, &n);
    assert_int_equal(n, 8);
    assert_memory_equal(s, "03/01/09", 8);
    ls_batch_free(b);
    ls_pq_reader_free(r);

    r = open_data("alltypes_dictionary.parquet");
    b = read_rg(r, 0);
    assert_int_equal(ls_col_i32(col_by_path(b, "id"), 0), 0);
    assert_int_equal(ls_col_i32(col_by_path(b, "id"), 1), 1);
    ls_batch_free(b);
    ls_pq_reader_free(r);

    r = open_data("alltypes_plain.snappy.parquet");
    b = read_rg(r, 0);
    assert_int_equal(ls_col_i32(col_by_path(b, "id"), 0), 6);
    assert_int_equal(ls_col_i32(col_by_path(b, "id"), 1), 7);
    ls_batch_free(b);
    ls_pq_reader_free(r);
}

/* int96_from_spark.md: microseconds, one null, one value past the Julian range. */
static void test_int96_from_spark(void **state)
{
    (void)state;
    LS_REQUIRE_TESTDATA(DATA);
    ls_pq_reader_t *r = open_data("int96_from_spark.parquet");
    ls_batch_t *b = read_rg(r, 0);
    const ls_column_t *c = &b->cols[0];
    assert_int_equal(c->leaf->type->kind, LS_TYPE_TIMESTAMP);
    static const int64_t want[] = {INT64_C(1704141296123456), INT64_C(1704070800000000),
                                   INT64_C(253402225200000000), INT64_C(1735599600000000),
                                   INT64_C(9089380393200000000)};
    assert_int_equal(c->nvalues, 5);
    for (size_t i = 0; i < 5; i++) {
        assert_int_equal(ls_col_i64(c, i), want[i]);
    }
    assert_levels(c, "111101", "000000");
    ls_batch_free(b);
    ls_pq_reader_free(r);
}

/* ------------------------------------------------------------ CSV expectations */

typedef struct {
    char *text;
    size_t nfields, cap;
    char **field;
    size_t *len;
    bool *null;
} csv_t;

static void csv_add(csv_t *c, char *f, size_t n, bool null)
{
    if (c->nfields == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 1024;
        c->field = realloc(c->field, c->cap * sizeof(char *));
        c->len = realloc(c->len, c->cap * sizeof(size_t));
        c->null = realloc(c->null, c->cap * sizeof(bool));
        assert_true(c->field && c->len && c->null);
    }
    c->field[c->nfields] = f;
    c->len[c->nfields] = n;
    c->null[c->nfields++] = null;
}

/* Parse @p path: quoted fields with "" escapes; an empty unquoted field is null. */
static size_t csv_load(const char *path, csv_t *c, size_t *ncols)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long sz = ftell(f);
    fseek(f, 0, SEEK_SET);
    memset(c, 0, sizeof(*c));
    c->text = malloc((size_t)sz + 1);
    assert_int_equal(fread(c->text, 1, (size_t)sz, f), (size_t)sz);
    fclose(f);
    char *p = c->text, *end = c->text + sz;
    size_t rows = 0, fields_in_row = 0;
    *ncols = 0;
    while (p < end) {
        char *out = p, *start = p;
        bool quoted = *p == '"';
        if (quoted) {
            p++;
            start = out = p;
            while (p < end && !(*p == '"' && (p + 1 >= end || p[1] != '"'))) {
                *out++ = *p == '"' ? (p++, '"') : *p;
                p++;
            }
            p++; /* closing quote */
        } else {
            while (p < end && *p != ',' && *p != '\n' && *p != '\r') {
                out++;
                p++;
            }
        }
        csv_add(c, start, (size_t)(out - start), !quoted && out == start);
        fields_in_row++;
        if (p < end && *p == ',') {
            p++;
            continue;
        }
        while (p < end && (*p == '\r' || *p == '\n')) {
            p++;
        }
        if (*ncols == 0) {
            *ncols = fields_in_row;
        }
        assert_int_equal(fields_in_row, *ncols);
        fields_in_row = 0;
        rows++;
    }
    return rows - 1; /* without the header */
}

static void csv_free(csv_t *c)
{
    free(c->text);
    free(c->field);
    free(c->len);
    free(c->null);
}

/* Compare the flat columns of @p file with its *_expect.csv, cell by cell. */
static void check_against_csv(const char *file, const char *csvfile)
{
    char *cpath = data_path(DATA, csvfile);
    assert_non_null(cpath);
    csv_t csv;
    size_t ncols;
    size_t rows = csv_load(cpath, &csv, &ncols);
    free(cpath);
    ls_pq_reader_t *r = open_data(file);
    assert_int_equal(ls_pq_reader_num_rows(r), rows);
    const ls_layout_t *l = ls_pq_reader_layout(r);
    assert_int_equal(l->nleaves, ncols);
    size_t row0 = 0;
    for (uint32_t g = 0; g < ls_pq_reader_num_row_groups(r); g++) {
        ls_batch_t *b = read_rg(r, g);
        for (size_t ci = 0; ci < b->ncols; ci++) {
            const ls_column_t *c = &b->cols[ci];
            size_t vi = 0;
            for (size_t i = 0; i < b->nrows; i++) {
                size_t fi = (row0 + i + 1) * ncols + ci;
                bool null = ls_col_def(c, i) < c->leaf->max_def;
                assert_int_equal(null, csv.null[fi]);
                if (null) {
                    continue;
                }
                char buf[64];
                const char *got = buf;
                size_t gl;
                if (c->leaf->store == LS_COL_I32) {
                    gl = (size_t)snprintf(buf, sizeof(buf), "%d", ls_col_i32(c, vi));
                } else if (c->leaf->store == LS_COL_I64) {
                    gl = (size_t)snprintf(buf, sizeof(buf), "%" PRId64, ls_col_i64(c, vi));
                } else {
                    got = (const char *)ls_col_bytes(c, vi, &gl);
                }
                if (gl != csv.len[fi] || memcmp(got, csv.field[fi], gl) != 0) {
                    fail_msg("%s row %zu column %s: got '%.*s', want '%.*s'", file, row0 + i,
                             c->leaf->dotted, (int)gl, got, (int)csv.len[fi], csv.field[fi]);
                }
                vi++;
            }
        }
        row0 += b->nrows;
        ls_batch_free(b);
    }
    ls_pq_reader_free(r);
    csv_free(&csv);
}

static void test_delta_encodings_expect_csv(void **state)
{
    (void)state;
    LS_REQUIRE_TESTDATA(DATA);
    check_against_csv("delta_binary_packed.parquet", "delta_binary_packed_expect.csv");
    check_against_csv("delta_byte_array.parquet", "delta_byte_array_expect.csv");
    check_against_csv("delta_encoding_optional_column.parquet",
                      "delta_encoding_optional_column_expect.csv");
    check_against_csv("delta_encoding_required_column.parquet",
                      "delta_encoding_required_column_expect.csv");
}

/* Each BYTE_STREAM_SPLIT column equals its PLAIN twin. */
static void test_byte_stream_split_matches_plain(void **state)
{
    (void)state;
    LS_REQUIRE_TESTDATA(DATA);
    ls_pq_reader_t *r = open_data("byte_stream_split_extended.gzip.parquet");
    ls_batch_t *b = read_rg(r, 0);
    assert_int_equal(b->ncols, 14);
    for (size_t i = 0; i < 14; i += 2) {
        const ls_column_t *p = &b->cols[i], *s = &b->cols[i + 1];
        assert_non_null(strstr(p->leaf->dotted, "_plain"));
        assert_int_equal(p->nvalues, s->nvalues);
        assert_true(p->nvalues > 0);
        assert_memory_equal(p->values, s->values, p->nvalues * p->leaf->width);
        assert_memory_equal(p->def, s->def, p->nlevels);
    }
    /* float16 became float, the FLBA(4) decimal(7,3) an int32 */
    assert_int_equal(b->cols[0].leaf->type->kind, LS_TYPE_FLOAT);
    assert_int_equal(b->cols[12].leaf->type->kind, LS_TYPE_DECIMAL);
    assert_int_equal(b->cols[12].leaf->store, LS_COL_I32);
    ls_batch_free(b);
    ls_pq_reader_free(r);

    r = open_data("byte_stream_split.zstd.parquet");
    b = read_rg(r, 0);
    assert_int_equal(b->nrows, 300);
    for (size_t i = 0; i < 300; i++) {
        assert_true(fabsf(ls_col_float(&b->cols[0], i)) < 10.0f);
        assert_true(fabs(ls_col_double(&b->cols[1], i)) < 10.0);
    }
    ls_batch_free(b);
    ls_pq_reader_free(r);
}

static void test_decimals(void **state)
{
    (void)state;
    LS_REQUIRE_TESTDATA(DATA);
    static const struct {
        const char *file;
        int precision;
        ls_col_store_t store;
    } files[] = {
        {"int32_decimal.parquet", 4, LS_COL_I32},
        {"int64_decimal.parquet", 10, LS_COL_I64},
        {"byte_array_decimal.parquet", 4, LS_COL_I32},
        {"fixed_length_decimal_legacy.parquet", 13, LS_COL_I64},
        {"fixed_length_decimal.parquet", 25, LS_COL_FIXED},
    };
    for (size_t f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
        ls_pq_reader_t *r = open_data(files[f].file);
        ls_batch_t *b = read_rg(r, 0);
        const ls_column_t *c = &b->cols[0];
        assert_int_equal(c->leaf->type->kind, LS_TYPE_DECIMAL);
        assert_int_equal(c->leaf->type->precision, files[f].precision);
        assert_int_equal(c->leaf->type->scale, 2);
        assert_int_equal(c->leaf->store, files[f].store);
        assert_int_equal(c->nvalues, 24);
        for (size_t i = 0; i < 24; i++) {
            int64_t want = (int64_t)(i + 1) * 100, got;
            if (c->leaf->store == LS_COL_I32) {
                got = ls_col_i32(c, i);
            } else if (c->leaf->store == LS_COL_I64) {
                got = ls_col_i64(c, i);
            } else {
                const uint8_t *p = ls_col_fixed(c, i);
                got = 0;
                for (uint32_t k = 0; k < c->leaf->width; k++) {
                    got = got * 256 + p[k];
                }
            }
            assert_int_equal(got, want);
        }
        ls_batch_free(b);
        ls_pq_reader_free(r);
    }
}

static void test_float16(void **state)
{
    (void)state;
    LS_REQUIRE_TESTDATA(DATA);
    ls_pq_reader_t *r = open_data("float16_nonzeros_and_nans.parquet");
    ls_batch_t *b = read_rg(r, 0);
    const ls_column_t *c = &b->cols[0];
    assert_int_equal(c->leaf->type->kind, LS_TYPE_FLOAT);
    assert_levels(c, "01111111", "00000000");
    static const float want[] = {1.0f, -2.0f, NAN, 0.0f, -1.0f, -0.0f, 2.0f};
    for (size_t i = 0; i < 7; i++) {
        float v = ls_col_float(c, i);
        if (isnan(want[i])) {
            assert_true(isnan(v));
        } else {
            assert_true(v == want[i] && signbit(v) == signbit(want[i]));
        }
    }
    ls_batch_free(b);
    ls_pq_reader_free(r);
}

/* Legacy and unusual nested layouts map onto the documented node levels. */
static void test_nested_layouts(void **state)
{
    (void)state;
    LS_REQUIRE_TESTDATA(DATA);
    char d[256];
    /* MAP without a value column: a list of keys */
    ls_pq_reader_t *r = open_data("map_no_value.parquet");
    const ls_layout_t *l = ls_pq_reader_layout(r);
    ls_type_describe(l->schema, d, sizeof(d));
    assert_string_equal(d, "struct<my_map:map<integer,integer>,my_map_no_v:array<integer>,"
                           "my_list:array<integer>>");
    ls_batch_t *b = read_rg(r, 0);
    assert_levels(col_by_path(b, "my_map.key_value.value"), "111111111", "011011011");
    assert_int_equal(col_by_path(b, "my_map.key_value.value")->nvalues, 0);
    const ls_column_t *k = col_by_path(b, "my_map_no_v.key_value.key");
    assert_levels(k, "111111111", "011011011");
    assert_int_equal(ls_col_i32(k, 8), 9);
    ls_batch_free(b);
    ls_pq_reader_free(r);

    /* 2-level LIST<LIST<INT32>> written by parquet-mr: [[1, 2], [3, 4]] */
    r = open_data("old_list_structure.parquet");
    l = ls_pq_reader_layout(r);
    ls_type_describe(l->schema, d, sizeof(d));
    assert_string_equal(d, "struct<a:array<array<integer>>>");
    assert_string_equal(l->leaves[0].dotted, "a.array.array");
    b = read_rg(r, 0);
    assert_levels(&b->cols[0], "2222", "0212");
    ls_batch_free(b);
    ls_pq_reader_free(r);
}

static void test_unannotated_and_odd_layouts(void **state)
{
    (void)state;
    LS_REQUIRE_TESTDATA(DATA);
    char d[256];
    ls_batch_t *b;
    /* unannotated repeated fields: required lists of required elements */
    ls_pq_reader_t *r = open_data("repeated_primitive_no_list.parquet");
    const ls_layout_t *l = ls_pq_reader_layout(r);
    const ls_node_t *n = ls_layout_field(l, "Int32_list");
    assert_int_equal(n->type->kind, LS_TYPE_ARRAY);
    assert_false(n->nullable);
    assert_false(n->type->contains_null);
    assert_int_equal(n->def, 0);
    assert_int_equal(n->entry_def, 1);
    ls_pq_reader_free(r);

    r = open_data("repeated_no_annotation.parquet");
    l = ls_pq_reader_layout(r);
    ls_type_describe(l->schema, d, sizeof(d));
    assert_string_equal(d, "struct<id:integer,phoneNumbers:struct<phone:array<struct<number:"
                           "long,kind:string>>>>");
    b = read_rg(r, 0);
    assert_levels(col_by_path(b, "phoneNumbers.phone.kind"), "00123323", "00000011");
    ls_batch_free(b);
    ls_pq_reader_free(r);

    /* Presto's optional map keys: the key node is nullable */
    r = open_data("incorrect_map_schema.parquet");
    l = ls_pq_reader_layout(r);
    n = ls_layout_field(l, "my_map");
    assert_int_equal(n->type->kind, LS_TYPE_MAP);
    assert_true(n->children[0]->nullable);
    assert_int_equal(n->children[0]->def, 3);
    ls_pq_reader_free(r);

    /* three levels of lists with nulls at every level */
    r = open_data("nested_lists.snappy.parquet");
    b = read_rg(r, 0);
    assert_levels(&b->cols[0], "777477777477777747", "032120323120323212");
    ls_batch_free(b);
    ls_pq_reader_free(r);

    r = open_data("nested_maps.snappy.parquet");
    l = ls_pq_reader_layout(r);
    ls_type_describe(l->schema, d, sizeof(d));
    assert_string_equal(d, "struct<a:map<string,map<integer,boolean>>,b:integer,c:double>");
    ls_pq_reader_free(r);
}

static void test_other_files(void **state)
{
    (void)state;
    LS_REQUIRE_TESTDATA(DATA);
    /* dictionary page recorded at offset 0 */
    ls_pq_reader_t *r = open_data("dict-page-offset-zero.parquet");
    ls_batch_t *b = read_rg(r, 0);
    assert_int_equal(b->cols[0].nvalues, 39);
    assert_int_equal(ls_col_i32(&b->cols[0], 38), 1552);
    ls_batch_free(b);
    ls_pq_reader_free(r);

    /* chunk sizes of old parquet-mr files miss the dictionary page header */
    r = open_data("nation.dict-malformed.parquet");
    b = read_rg(r, 0);
    size_t n;
    const uint8_t *s = ls_col_bytes(col_by_path(b, "name"), 24, &n);
    assert_int_equal(n, 13);
    assert_memory_equal(s, "UNITED STATES", 13);
    ls_batch_free(b);
    ls_pq_reader_free(r);

    /* an unknown logical type id falls back to the physical type */
    r = open_data("unknown-logical-type.parquet");
    assert_int_equal(ls_pq_reader_layout(r)->leaves[1].type->kind, LS_TYPE_BINARY);
    ls_pq_reader_free(r);

    /* RLE-encoded booleans */
    r = open_data("rle_boolean_encoding.parquet");
    b = read_rg(r, 0);
    assert_int_equal(b->nrows, 68);
    assert_true(ls_col_bool(&b->cols[0], 0));
    assert_false(ls_col_bool(&b->cols[0], 1));
    ls_batch_free(b);
    ls_pq_reader_free(r);

    /* data page v2 with a list column */
    r = open_data("datapage_v2.snappy.parquet");
    b = read_rg(r, 0);
    assert_int_equal(ls_col_i32(col_by_path(b, "b"), 4), 5);
    assert_int_equal(col_by_path(b, "e.list.element")->nvalues, 8);
    ls_batch_free(b);
    ls_pq_reader_free(r);
}

static void test_projection(void **state)
{
    (void)state;
    LS_REQUIRE_TESTDATA(DATA);
    ls_pq_reader_t *r = open_data("alltypes_plain.parquet");
    ls_error_t err;
    const char *names[] = {"string_col", "id"};
    assert_int_equal(ls_pq_reader_select(r, names, 2, &err), LS_OK);
    const ls_layout_t *l = ls_pq_reader_read_layout(r);
    assert_int_equal(l->nleaves, 2);
    assert_string_equal(l->leaves[0].dotted, "id"); /* file order */
    assert_string_equal(l->leaves[1].dotted, "string_col");
    assert_int_equal(ls_pq_reader_layout(r)->nleaves, 11);
    ls_batch_t *b = read_rg(r, 0);
    assert_int_equal(b->ncols, 2);
    assert_int_equal(ls_col_i32(&b->cols[0], 0), 4);
    size_t n;
    assert_memory_equal(ls_col_bytes(&b->cols[1], 1, &n), "1", 1);
    ls_batch_free(b);

    const char *bad[] = {"id", "nope"};
    assert_int_equal(ls_pq_reader_select(r, bad, 2, &err), LS_ERR_NOT_FOUND);
    assert_non_null(strstr(err.msg, "'nope'"));
    assert_int_equal(ls_pq_reader_read_layout(r)->nleaves, 2); /* unchanged */
    assert_int_equal(ls_pq_reader_select(r, NULL, 0, &err), LS_OK);
    assert_int_equal(ls_pq_reader_read_layout(r)->nleaves, 11);
    assert_int_equal(ls_pq_reader_read_row_group(r, 1, &b, &err), LS_ERR_INVALID_ARG);
    ls_pq_reader_free(r);

    /* a nested top-level column keeps all its leaves */
    r = open_data("nullable.impala.parquet");
    const char *nested[] = {"nested_struct"};
    assert_int_equal(ls_pq_reader_select(r, nested, 1, &err), LS_OK);
    assert_int_equal(ls_pq_reader_read_layout(r)->nleaves, 6);
    b = read_rg(r, 0);
    assert_int_equal(b->nrows, 7);
    ls_batch_free(b);
    ls_pq_reader_free(r);
}

/* Batches from the reader work with the columnar helpers like pushed ones. */
static void test_batches_interoperate(void **state)
{
    (void)state;
    LS_REQUIRE_TESTDATA(DATA);
    static const char *const files[] = {"nullable.impala.parquet", "alltypes_plain.parquet",
                                        "nested_lists.snappy.parquet"};
    for (size_t f = 0; f < 3; f++) {
        ls_pq_reader_t *r = open_data(files[f]);
        ls_batch_t *b = read_rg(r, 0);
        ls_batch_t *copy = ls_batch_new(ls_pq_reader_read_layout(r), 0);
        assert_non_null(copy);
        assert_int_equal(ls_batch_append_rows(copy, b, 0, b->nrows), LS_OK);
        char why[256];
        if (!ls_batch_equal(b, copy, why, sizeof(why))) {
            fail_msg("%s: %s", files[f], why);
        }
        assert_true(ls_batch_bytes(b) > 0);
        ls_batch_free(copy);
        ls_batch_free(b);
        ls_pq_reader_free(r);
    }
}

static void test_crc_off(void **state)
{
    (void)state;
    LS_REQUIRE_TESTDATA(DATA);
    ls_pq_reader_t *r = open_data("datapage_v1-corrupt-checksum.parquet");
    ls_error_t err;
    ls_batch_t *b;
    assert_int_equal(ls_pq_reader_read_row_group(r, 0, &b, &err), LS_ERR_CORRUPT);
    assert_non_null(strstr(err.msg, "row group 0, column a: page 0"));
    ls_pq_reader_verify_crc(r, false);
    assert_int_equal(ls_pq_reader_read_row_group(r, 0, &b, &err), LS_OK);
    assert_int_equal(b->cols[0].nvalues, b->nrows);
    ls_batch_free(b);
    ls_pq_reader_free(r);
}

/* ------------------------------------------------------------ hostile input */

static uint8_t *load(const char *file, size_t *len)
{
    char *path = data_path(DATA, file);
    assert_non_null(path);
    ls_buf_t buf;
    ls_error_t err;
    assert_int_equal(ls_file_read_all(path, 1 << 24, &buf, &err), LS_OK);
    free(path);
    *len = buf.len;
    return buf.data;
}

static ls_err_t mem_read_all(const uint8_t *p, size_t len, ls_error_t *err)
{
    ls_source_t src = ls_source_mem(p, len, "mem.parquet");
    ls_pq_reader_t *r = ls_pq_reader_open(&src, err);
    if (r == NULL) {
        return err->code;
    }
    ls_err_t rc = LS_OK;
    for (uint32_t g = 0; rc == LS_OK && g < ls_pq_reader_num_row_groups(r); g++) {
        ls_batch_t *b = NULL;
        rc = ls_pq_reader_read_row_group(r, g, &b, err);
        ls_batch_free(b);
    }
    ls_pq_reader_free(r);
    return rc;
}

static void test_open_errors(void **state)
{
    (void)state;
    ls_error_t err;
    assert_int_equal(mem_read_all((const uint8_t *)"PAR1PAR1", 8, &err), LS_ERR_CORRUPT);
    assert_non_null(strstr(err.msg, "mem.parquet"));
    uint8_t f[32] = "PAR1";
    memcpy(f + 28, "PAR1", 4);
    f[24] = 0xff; /* footer length past the file */
    assert_int_equal(mem_read_all(f, 32, &err), LS_ERR_CORRUPT);
    assert_non_null(strstr(err.msg, "footer length"));
    memcpy(f + 28, "PARE", 4);
    assert_int_equal(mem_read_all(f, 32, &err), LS_ERR_UNSUPPORTED);
    assert_non_null(strstr(err.msg, "encrypted Parquet files are not supported"));
    memcpy(f + 28, "PAR2", 4);
    assert_int_equal(mem_read_all(f, 32, &err), LS_ERR_CORRUPT);
    assert_null(ls_pq_reader_open_file("/nonexistent/x.parquet", &err));
}

/* Every prefix, and many random corruptions, fail cleanly (ASan/UBSan watch). */
static void test_truncation_and_mutation(void **state)
{
    (void)state;
    LS_REQUIRE_TESTDATA(DATA);
    static const char *const files[] = {"alltypes_plain.parquet", "nested_lists.snappy.parquet",
                                        "delta_length_byte_array.parquet",
                                        "datapage_v2.snappy.parquet"};
    uint64_t seed = 1234;
    for (size_t fi = 0; fi < sizeof(files) / sizeof(files[0]); fi++) {
        size_t len;
        uint8_t *orig = load(files[fi], &len);
        ls_error_t err;
        assert_int_equal(mem_read_all(orig, len, &err), LS_OK);
        for (size_t cut = 0; cut < len; cut += 1 + len / 300) {
            (void)mem_read_all(orig, cut, &err);
        }
        uint8_t *m = malloc(len);
        for (int it = 0; it < 1500; it++) {
            memcpy(m, orig, len);
            int flips = 1 + (int)(ls_test_rand(&seed) % 4);
            for (int k = 0; k < flips; k++) {
                size_t at = (size_t)(ls_test_rand(&seed) % len);
                m[at] = (uint8_t)ls_test_rand(&seed);
            }
            (void)mem_read_all(m, len, &err);
        }
        free(m);
        ls_free(orig);
    }
}

/* Allocation failures anywhere on the open/read path return LS_ERR_NOMEM. */
static void test_allocation_failures(void **state)
{
    (void)state;
    LS_REQUIRE_TESTDATA(DATA);
    static const char *const files[] = {"alltypes_plain.parquet", "nested_maps.snappy.parquet"};
    for (size_t fi = 0; fi < 2; fi++) {
        size_t len;
        uint8_t *orig = load(files[fi], &len);
        ls_error_t err;
        uint64_t before = ls_alloc_count();
        assert_int_equal(mem_read_all(orig, len, &err), LS_OK);
        long total = (long)(ls_alloc_count() - before);
        for (long k = 0; k < total; k++) {
            ls_alloc_fail_after(k, 0);
            ls_err_t rc = mem_read_all(orig, len, &err);
            ls_alloc_fail_after(-1, 0);
            if (rc != LS_OK && rc != LS_ERR_NOMEM) {
                fail_msg("%s: allocation %ld failed, got %s: %s", files[fi], k, ls_err_name(rc),
                         err.msg);
            }
        }
        ls_free(orig);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_data_file),
        cmocka_unit_test(test_bad_data),
        cmocka_unit_test(test_alltypes_plain),
        cmocka_unit_test(test_int96_from_spark),
        cmocka_unit_test(test_delta_encodings_expect_csv),
        cmocka_unit_test(test_byte_stream_split_matches_plain),
        cmocka_unit_test(test_decimals),
        cmocka_unit_test(test_float16),
        cmocka_unit_test(test_nested_layouts),
        cmocka_unit_test(test_unannotated_and_odd_layouts),
        cmocka_unit_test(test_other_files),
        cmocka_unit_test(test_projection),
        cmocka_unit_test(test_batches_interoperate),
        cmocka_unit_test(test_crc_off),
        cmocka_unit_test(test_open_errors),
        cmocka_unit_test(test_truncation_and_mutation),
        cmocka_unit_test(test_allocation_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * pqwrite_gen.c — test-only: writes Parquet files with known contents through the
 * library writer (ls_pq_writer_*), for pqwrite_duckdb.js to check with DuckDB.
 *
 * Every value is a formula of the row number i; pqwrite_duckdb.js computes the same
 * formulas on its side. Keep the two in step. Not a user tool.
 * Usage: pqwrite_gen OUTDIR
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lakesink/codec.h"
#include "lakesink/columnar.h"
#include "lakesink/parquet.h"
#include "lakesink/schema.h"

static const char *outdir;

static void die(const char *what, const ls_error_t *err)
{
    fprintf(stderr, "pqwrite_gen: %s: %s\n", what, err ? err->msg : "failed");
    exit(1);
}

static void ok(ls_err_t rc, const char *what)
{
    if (rc != LS_OK) {
        fprintf(stderr, "pqwrite_gen: %s: %s\n", what, ls_err_name(rc));
        exit(1);
    }
}

static void add(ls_type_t *st, const char *name, ls_type_t *t, bool nullable)
{
    if (t == NULL) {
        die("type", NULL);
    }
    ok(ls_type_struct_add(st, name, t, nullable), name);
}

/* Column of top-level field @p name. */
static ls_column_t *col(ls_batch_t *b, const char *name)
{
    const ls_node_t *n = ls_layout_field(b->layout, name);
    if (n == NULL || n->leaf < 0) {
        die(name, NULL);
    }
    return &b->cols[n->leaf];
}

static void null_at(ls_batch_t *b, const char *name)
{
    const ls_node_t *n = ls_layout_field(b->layout, name);
    ok(ls_batch_push_absent(b, n, n->def - 1, 0), name);
}

/* Write @p b to OUTDIR/@p file with @p o, in slices of @p slice rows. */
static void write_file(const char *file, const ls_batch_t *b, const ls_pq_writer_opts_t *o,
                       size_t slice)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", outdir, file);
    FILE *f = fopen(path, "wb");
    if (f == NULL) {
        die(path, NULL);
    }
    ls_error_t err;
    ls_pq_writer_t *w = ls_pq_writer_new(b->layout, o, ls_sink_stdio(f), &err);
    if (w == NULL) {
        die(path, &err);
    }
    for (size_t pos = 0; pos < b->nrows; pos += slice) {
        size_t n = slice < b->nrows - pos ? slice : b->nrows - pos;
        ls_batch_t *part = ls_batch_new(b->layout, 0);
        ok(ls_batch_append_rows(part, b, pos, n), "slice");
        if (ls_pq_writer_write(w, part, &err) != LS_OK) {
            die(path, &err);
        }
        ls_batch_free(part);
    }
    if (ls_pq_writer_close(w, NULL, &err) != LS_OK) {
        die(path, &err);
    }
    ls_pq_writer_free(w);
    if (fclose(f) != 0) {
        die(path, NULL);
    }
}

/* Big-endian two's complement of @p v in @p w bytes. */
static void be_bytes(__int128 v, uint8_t *out, int w)
{
    for (int k = w - 1; k >= 0; k--) {
        out[k] = (uint8_t)(v & 0xFF);
        v >>= 8;
    }
}

/* ------------------------------------------------------------- types */

static ls_type_t *types_schema(void)
{
    ls_type_t *s = ls_type_new_struct();
    add(s, "id", ls_type_new(LS_TYPE_LONG), false);
    add(s, "str", ls_type_new(LS_TYPE_STRING), true);
    add(s, "bin", ls_type_new(LS_TYPE_BINARY), true);
    add(s, "bool", ls_type_new(LS_TYPE_BOOLEAN), true);
    add(s, "byte", ls_type_new(LS_TYPE_BYTE), true);
    add(s, "short", ls_type_new(LS_TYPE_SHORT), false);
    add(s, "int", ls_type_new(LS_TYPE_INTEGER), true);
    add(s, "long", ls_type_new(LS_TYPE_LONG), true);
    add(s, "float", ls_type_new(LS_TYPE_FLOAT), true);
    add(s, "double", ls_type_new(LS_TYPE_DOUBLE), true);
    add(s, "dec9", ls_type_new_decimal(9, 2), true);
    add(s, "dec18", ls_type_new_decimal(18, 4), true);
    add(s, "dec38", ls_type_new_decimal(38, 6), true);
    add(s, "dec20", ls_type_new_decimal(20, 0), true);
    add(s, "date", ls_type_new(LS_TYPE_DATE), true);
    add(s, "ts", ls_type_new(LS_TYPE_TIMESTAMP), true);
    add(s, "ntz", ls_type_new(LS_TYPE_TIMESTAMP_NTZ), true);
    add(s, "u64", ls_type_new(LS_TYPE_UINT64), true);
    add(s, "time", ls_type_new(LS_TYPE_TIME), true);
    add(s, "uuid", ls_type_new(LS_TYPE_UUID), true);
    add(s, "fx", ls_type_new_fixed(5), true);
    return s;
}

static void types_row_a(ls_batch_t *b, int64_t i)
{
    ok(ls_col_push_i64(b, col(b, "id"), i, 0), "id");
    if (i % 10 == 3) {
        null_at(b, "str");
    } else {
        char s[32];
        int n = snprintf(s, sizeof(s), "s%d%s", (int)(i % 37), i % 5 == 0 ? "\xc3\xa9\xe2\x82\xac" : "");
        ok(ls_col_push_bytes(b, col(b, "str"), s, (size_t)n, 0), "str");
    }
    if (i % 11 == 0) {
        null_at(b, "bin");
    } else {
        uint8_t v[4];
        for (int k = 0; k < 4; k++) {
            v[k] = (uint8_t)((i * 31 + k * 17) & 255);
        }
        ok(ls_col_push_bytes(b, col(b, "bin"), v, (size_t)(i % 4), 0), "bin");
    }
    if (i % 13 == 0) {
        null_at(b, "bool");
    } else {
        ok(ls_col_push_bool(b, col(b, "bool"), i % 3 == 0, 0), "bool");
    }
    if (i % 17 == 0) {
        null_at(b, "byte");
    } else {
        ok(ls_col_push_i32(b, col(b, "byte"), (int32_t)((i * 7) % 256 - 128), 0), "byte");
    }
    ok(ls_col_push_i32(b, col(b, "short"), (int32_t)((i * 997) % 65536 - 32768), 0), "short");
    int32_t iv = i == 1 ? INT32_MIN : i == 2 ? INT32_MAX : (int32_t)((i * 7919) % 2000003 - 1000000);
    ok(ls_col_push_i32(b, col(b, "int"), iv, 0), "int");
    if (i % 23 == 0 && i > 2) {
        null_at(b, "long");
    } else {
        int64_t lv = i == 1 ? INT64_MIN : i == 2 ? INT64_MAX : (i - 500) * 1000000007 * 1000;
        ok(ls_col_push_i64(b, col(b, "long"), lv, 0), "long");
    }
    float fv = i % 19 == 0 ? NAN : i == 4 ? -0.0f : (float)(i - 500) / 8.0f;
    ok(ls_col_push_float(b, col(b, "float"), fv, 0), "float");
    if (i % 29 == 0 && i > 7) {
        null_at(b, "double");
    } else {
        double dv = i == 5   ? NAN
                    : i == 6 ? INFINITY
                    : i == 7 ? -0.0
                             : (double)(i - 500) * 1.25 + 0.1;
        ok(ls_col_push_double(b, col(b, "double"), dv, 0), "double");
    }
}

static void types_row_b(ls_batch_t *b, int64_t i)
{
    if (i % 31 == 0) {
        null_at(b, "dec9");
    } else {
        ok(ls_col_push_i32(b, col(b, "dec9"), (int32_t)((i * 1234567) % 999999999 - 499999999), 0),
           "dec9");
    }
    ok(ls_col_push_i64(b, col(b, "dec18"),
                       (i * 123456789012345) % 999999999999999999 - 499999999999999999, 0),
       "dec18");
    uint8_t fx[16];
    be_bytes((__int128)(i - 1000) * ((__int128)1 << 64) + i * 12345, fx, 16);
    ok(ls_col_push_bytes(b, col(b, "dec38"), fx, 16, 0), "dec38");
    be_bytes((__int128)(i - 1000) * ((__int128)1 << 56) + i * 3, fx, 9);
    ok(ls_col_push_bytes(b, col(b, "dec20"), fx, 9, 0), "dec20");
    ok(ls_col_push_i32(b, col(b, "date"), (int32_t)(i * 37 - 20000), 0), "date");
    int64_t ts = (i - 1000) * 86400000000 * 3 + i * 1234567;
    ok(ls_col_push_i64(b, col(b, "ts"), ts, 0), "ts");
    ok(ls_col_push_i64(b, col(b, "ntz"), ts + 1, 0), "ntz");
    int64_t u = i == 1 ? (int64_t)UINT64_MAX : i * 1000000000000000;
    ok(ls_col_push_i64(b, col(b, "u64"), u, 0), "u64");
    ok(ls_col_push_i64(b, col(b, "time"), (i * 37000123) % 86400000000, 0), "time");
    uint8_t id[16];
    for (int k = 0; k < 16; k++) {
        id[k] = (uint8_t)((i * 13 + k * 29) & 255);
    }
    ok(ls_col_push_bytes(b, col(b, "uuid"), id, 16, 0), "uuid");
    for (int k = 0; k < 5; k++) {
        id[k] = (uint8_t)((i + k * 51) & 255);
    }
    ok(ls_col_push_bytes(b, col(b, "fx"), id, 5, 0), "fx");
}

static ls_batch_t *types_batch(const ls_layout_t *l, int64_t rows)
{
    ls_batch_t *b = ls_batch_new(l, 0);
    for (int64_t i = 0; i < rows; i++) {
        ls_batch_row_begin(b);
        types_row_a(b, i);
        types_row_b(b, i);
        ls_batch_row_commit(b);
    }
    return b;
}

/* ------------------------------------------------------------ nested */

static ls_type_t *nested_schema(void)
{
    ls_type_t *s = ls_type_new_struct();
    add(s, "id", ls_type_new(LS_TYPE_LONG), false);
    ls_type_t *st = ls_type_new_struct();
    add(st, "x", ls_type_new(LS_TYPE_INTEGER), true);
    add(st, "y", ls_type_new(LS_TYPE_STRING), false);
    add(s, "st", st, true);
    add(s, "arr", ls_type_new_array(ls_type_new(LS_TYPE_INTEGER), true), true);
    ls_type_t *el = ls_type_new_struct();
    add(el, "k", ls_type_new(LS_TYPE_STRING), false);
    add(el, "v", ls_type_new(LS_TYPE_DOUBLE), true);
    add(s, "lst", ls_type_new_array(el, false), false);
    add(s, "grid", ls_type_new_array(ls_type_new_array(ls_type_new(LS_TYPE_SHORT), false), true),
        false);
    add(s, "mp", ls_type_new_map(ls_type_new(LS_TYPE_STRING), ls_type_new(LS_TYPE_LONG), true),
        true);
    return s;
}

static void nested_st(ls_batch_t *b, const ls_node_t *n, int64_t i)
{
    if (i % 4 == 1) {
        ok(ls_batch_push_absent(b, n, n->def - 1, 0), "st");
        return;
    }
    const ls_node_t *x = n->children[0], *y = n->children[1];
    if (i % 3 == 0) {
        ok(ls_batch_push_absent(b, x, x->def - 1, 0), "st.x");
    } else {
        ok(ls_col_push_i32(b, &b->cols[x->leaf], (int32_t)(i * 3), 0), "st.x");
    }
    char s[24];
    int len = snprintf(s, sizeof(s), "y%d", (int)i);
    ok(ls_col_push_bytes(b, &b->cols[y->leaf], s, (size_t)len, 0), "st.y");
}

/* arr: null (i%5==0), empty (1), [null] (2), else i%4+1 items, null where (i+k)%7==0 */
static void nested_arr(ls_batch_t *b, const ls_node_t *n, int64_t i)
{
    const ls_node_t *e = n->children[0];
    switch (i % 5) {
    case 0: ok(ls_batch_push_absent(b, n, n->def - 1, 0), "arr"); return;
    case 1: ok(ls_batch_push_absent(b, n, n->def, 0), "arr"); return;
    case 2: ok(ls_batch_push_absent(b, e, e->def - 1, 0), "arr"); return;
    default: break;
    }
    for (int64_t k = 0; k < i % 4 + 1; k++) {
        int rep = k == 0 ? 0 : n->entry_rep;
        if ((i + k) % 7 == 0) {
            ok(ls_batch_push_absent(b, e, e->def - 1, rep), "arr");
        } else {
            ok(ls_col_push_i32(b, &b->cols[e->leaf], (int32_t)(i * 10 + k), rep), "arr");
        }
    }
}

/* lst: i%3 items {k: "k<k>", v: i + k/2 or null when k == 1} */
static void nested_lst(ls_batch_t *b, const ls_node_t *n, int64_t i)
{
    const ls_node_t *el = n->children[0], *k = el->children[0], *v = el->children[1];
    if (i % 3 == 0) {
        ok(ls_batch_push_absent(b, n, n->def, 0), "lst");
        return;
    }
    for (int64_t j = 0; j < i % 3; j++) {
        int rep = j == 0 ? 0 : n->entry_rep;
        char s[8];
        int len = snprintf(s, sizeof(s), "k%d", (int)j);
        ok(ls_col_push_bytes(b, &b->cols[k->leaf], s, (size_t)len, rep), "lst.k");
        if (j == 1) {
            ok(ls_batch_push_absent(b, v, v->def - 1, rep), "lst.v");
        } else {
            ok(ls_col_push_double(b, &b->cols[v->leaf], (double)i + (double)j / 2.0, rep), "lst.v");
        }
    }
}

/* grid: empty when i%4==0, else i%3+1 rows of (i+j)%3 values (row null when (i+j)%5==0) */
static void nested_grid(ls_batch_t *b, const ls_node_t *n, int64_t i)
{
    const ls_node_t *inner = n->children[0], *leaf = inner->children[0];
    if (i % 4 == 0) {
        ok(ls_batch_push_absent(b, n, n->def, 0), "grid");
        return;
    }
    for (int64_t j = 0; j < i % 3 + 1; j++) {
        int rep = j == 0 ? 0 : n->entry_rep;
        if ((i + j) % 5 == 0) {
            ok(ls_batch_push_absent(b, inner, inner->def - 1, rep), "grid");
            continue;
        }
        int64_t m = (i + j) % 3;
        if (m == 0) {
            ok(ls_batch_push_absent(b, inner, inner->def, rep), "grid");
        }
        for (int64_t q = 0; q < m; q++) {
            int r = q == 0 ? rep : inner->entry_rep;
            ok(ls_col_push_i32(b, &b->cols[leaf->leaf], (int32_t)((i + j + q) % 100), r), "grid");
        }
    }
}

/* mp: null when i%6==0, else i%3 entries "k<j>" -> i*j (null value when j == 1) */
static void nested_mp(ls_batch_t *b, const ls_node_t *n, int64_t i)
{
    const ls_node_t *k = n->children[0], *v = n->children[1];
    if (i % 6 == 0) {
        ok(ls_batch_push_absent(b, n, n->def - 1, 0), "mp");
        return;
    }
    if (i % 3 == 0) {
        ok(ls_batch_push_absent(b, n, n->def, 0), "mp");
        return;
    }
    for (int64_t j = 0; j < i % 3; j++) {
        int rep = j == 0 ? 0 : n->entry_rep;
        char s[8];
        int len = snprintf(s, sizeof(s), "k%d", (int)j);
        ok(ls_col_push_bytes(b, &b->cols[k->leaf], s, (size_t)len, rep), "mp.k");
        if (j == 1) {
            ok(ls_batch_push_absent(b, v, v->def - 1, rep), "mp.v");
        } else {
            ok(ls_col_push_i64(b, &b->cols[v->leaf], i * j, rep), "mp.v");
        }
    }
}

static ls_batch_t *nested_batch(const ls_layout_t *l, int64_t rows)
{
    ls_batch_t *b = ls_batch_new(l, 0);
    for (int64_t i = 0; i < rows; i++) {
        ls_batch_row_begin(b);
        ok(ls_col_push_i64(b, col(b, "id"), i, 0), "id");
        nested_st(b, ls_layout_field(l, "st"), i);
        nested_arr(b, ls_layout_field(l, "arr"), i);
        nested_lst(b, ls_layout_field(l, "lst"), i);
        nested_grid(b, ls_layout_field(l, "grid"), i);
        nested_mp(b, ls_layout_field(l, "mp"), i);
        ls_batch_row_commit(b);
    }
    return b;
}

/* ---------------------------------------------------------- the rest */

/* id, s = "v<i%50>" (null when i%9==0), d = i/4.0, u = unique string, l = dictionary
 * fallback (i%10 for the first 30000 rows, then i) */
static ls_type_t *plain_schema(void)
{
    ls_type_t *s = ls_type_new_struct();
    add(s, "id", ls_type_new(LS_TYPE_LONG), false);
    add(s, "s", ls_type_new(LS_TYPE_STRING), true);
    add(s, "d", ls_type_new(LS_TYPE_DOUBLE), false);
    add(s, "u", ls_type_new(LS_TYPE_STRING), false);
    add(s, "l", ls_type_new(LS_TYPE_LONG), false);
    return s;
}

static ls_batch_t *plain_batch(const ls_layout_t *l, int64_t rows)
{
    ls_batch_t *b = ls_batch_new(l, 0);
    char s[64];
    for (int64_t i = 0; i < rows; i++) {
        ls_batch_row_begin(b);
        ok(ls_col_push_i64(b, col(b, "id"), i, 0), "id");
        if (i % 9 == 0) {
            null_at(b, "s");
        } else {
            int n = snprintf(s, sizeof(s), "v%d", (int)(i % 50));
            ok(ls_col_push_bytes(b, col(b, "s"), s, (size_t)n, 0), "s");
        }
        ok(ls_col_push_double(b, col(b, "d"), (double)i / 4.0, 0), "d");
        uint64_t h = (uint64_t)i * 0x9E3779B97F4A7C15ull;
        int n = snprintf(s, sizeof(s), "%016llx-%lld", (unsigned long long)h, (long long)i);
        ok(ls_col_push_bytes(b, col(b, "u"), s, (size_t)n, 0), "u");
        ok(ls_col_push_i64(b, col(b, "l"), i < 30000 ? i % 10 : i, 0), "l");
        ls_batch_row_commit(b);
    }
    return b;
}

/* Float zero handling: d0 = {1.0, 0.0, 0.5} -> min -0.0; d1 = {-1.0, -0.0} -> max +0.0;
 * f2 NaN (and a null) -> no min/max (a chunk holding NaN never gets bounds) */
static void write_zeros(void)
{
    ls_type_t *s = ls_type_new_struct();
    add(s, "d0", ls_type_new(LS_TYPE_DOUBLE), false);
    add(s, "d1", ls_type_new(LS_TYPE_DOUBLE), false);
    add(s, "f2", ls_type_new(LS_TYPE_FLOAT), true);
    ls_error_t err;
    ls_layout_t *l = ls_layout_new(s, &err);
    ls_batch_t *b = ls_batch_new(l, 0);
    const double d0[3] = {1.0, 0.0, 0.5}, d1[3] = {-1.0, -0.0, -0.5};
    for (int i = 0; i < 3; i++) {
        ls_batch_row_begin(b);
        ok(ls_col_push_double(b, &b->cols[0], d0[i], 0), "d0");
        ok(ls_col_push_double(b, &b->cols[1], d1[i], 0), "d1");
        if (i == 2) {
            ok(ls_col_push_null(b, &b->cols[2], 0, 0), "f2");
        } else {
            ok(ls_col_push_float(b, &b->cols[2], NAN, 0), "f2");
        }
        ls_batch_row_commit(b);
    }
    ls_pq_writer_opts_t o;
    ls_pq_writer_opts_init(&o);
    write_file("zeros.parquet", b, &o, 3);
    ls_batch_free(b);
    ls_layout_free(l);
    ls_type_free(s);
}

static void write_plain_family(void)
{
    ls_type_t *s = plain_schema();
    ls_error_t err;
    ls_layout_t *l = ls_layout_new(s, &err);
    if (l == NULL) {
        die("plain layout", &err);
    }
    ls_batch_t *b = plain_batch(l, 50000);
    static const struct {
        ls_pq_codec_t codec;
        const char *name;
    } codecs[] = {{LS_PQ_CODEC_ZSTD, "zstd"},     {LS_PQ_CODEC_SNAPPY, "snappy"},
                  {LS_PQ_CODEC_GZIP, "gzip"},     {LS_PQ_CODEC_LZ4_RAW, "lz4_raw"},
                  {LS_PQ_CODEC_BROTLI, "brotli"}, {LS_PQ_CODEC_UNCOMPRESSED, "none"}};
    /* LZ4 (Hadoop framing) is left out: DuckDB does not read it */
    for (size_t c = 0; c < sizeof(codecs) / sizeof(codecs[0]); c++) {
        if (!ls_codec_can_compress(codecs[c].codec)) {
            continue;
        }
        ls_pq_writer_opts_t o;
        ls_pq_writer_opts_init(&o);
        o.codec = codecs[c].codec;
        o.page_bytes = 64 * 1024;
        char file[64];
        snprintf(file, sizeof(file), "codec_%s.parquet", codecs[c].name);
        write_file(file, b, &o, 7000);
    }
    /* many row groups: 256 KiB target (compressed) */
    ls_pq_writer_opts_t o;
    ls_pq_writer_opts_init(&o);
    o.row_group_bytes = 256 * 1024;
    o.page_bytes = 16 * 1024;
    write_file("rowgroups.parquet", b, &o, 9999);
    /* no dictionary at all */
    ls_pq_writer_opts_init(&o);
    o.dictionary = false;
    write_file("nodict.parquet", b, &o, 50000);
    ls_batch_free(b);
    ls_layout_free(l);
    ls_type_free(s);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: pqwrite_gen OUTDIR\n");
        return 2;
    }
    outdir = argv[1];
    ls_error_t err;

    ls_type_t *s = types_schema();
    ls_layout_t *l = ls_layout_new(s, &err);
    if (l == NULL) {
        die("types layout", &err);
    }
    ls_batch_t *b = types_batch(l, 2000);
    ls_pq_writer_opts_t o;
    ls_pq_writer_opts_init(&o);
    o.page_bytes = 4096;
    write_file("types.parquet", b, &o, 777);
    o.dictionary = false;
    o.codec = LS_PQ_CODEC_SNAPPY;
    write_file("types_plain.parquet", b, &o, 2000);
    ls_batch_free(b);
    ls_layout_free(l);
    ls_type_free(s);

    s = nested_schema();
    l = ls_layout_new(s, &err);
    if (l == NULL) {
        die("nested layout", &err);
    }
    b = nested_batch(l, 3000);
    ls_pq_writer_opts_init(&o);
    o.page_bytes = 1024;
    o.row_group_bytes = 16 * 1024;
    write_file("nested.parquet", b, &o, 500);
    ls_batch_free(b);

    /* an empty file with key/value metadata */
    b = ls_batch_new(l, 0);
    ls_pq_kv_t kv[2] = {{"lakesink.test", "yes"}, {"empty.value", NULL}};
    ls_pq_writer_opts_init(&o);
    o.kv = kv;
    o.num_kv = 2;
    write_file("empty.parquet", b, &o, 1);
    ls_batch_free(b);
    ls_layout_free(l);
    ls_type_free(s);

    write_plain_family();
    write_zeros();
    return 0;
}

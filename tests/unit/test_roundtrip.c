/*
 * test_roundtrip.c — property test: random Delta schemas (every type, nesting, nulls,
 * empty vs null collections, edge values) written by our Parquet writer with random
 * options and read back by our reader must give identical batches.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "lakesink/columnar.h"
#include "lakesink/parquet.h"
#include "lakesink/schema.h"
#include "testutil.h"

typedef struct {
    uint64_t rng;
    int null_pct; /* chance of null per nullable value */
    int max_items;
} gen_t;

static uint64_t rnd(gen_t *g, uint64_t n)
{
    return n ? ls_test_rand(&g->rng) % n : 0;
}

static const ls_type_kind_t prims[] = {
    LS_TYPE_STRING, LS_TYPE_BINARY, LS_TYPE_BOOLEAN, LS_TYPE_BYTE, LS_TYPE_SHORT,
    LS_TYPE_INTEGER, LS_TYPE_LONG, LS_TYPE_FLOAT, LS_TYPE_DOUBLE, LS_TYPE_DECIMAL,
    LS_TYPE_DATE, LS_TYPE_TIMESTAMP, LS_TYPE_TIMESTAMP_NTZ};

static ls_type_t *gen_type(gen_t *g, int depth)
{
    uint64_t pick = rnd(g, depth >= 3 ? 10 : 16);
    if (pick < 10 || depth >= 3) {
        ls_type_kind_t k = prims[rnd(g, sizeof(prims) / sizeof(prims[0]))];
        if (k == LS_TYPE_DECIMAL) {
            static const int precs[] = {1, 5, 9, 10, 18, 19, 28, 38};
            int p = precs[rnd(g, 8)];
            return ls_type_new_decimal(p, (int)rnd(g, (uint64_t)p + 1));
        }
        return ls_type_new(k);
    }
    if (pick < 12) {
        return ls_type_new_array(gen_type(g, depth + 1), rnd(g, 2) == 0);
    }
    if (pick < 14) {
        ls_type_kind_t kk = rnd(g, 2) ? LS_TYPE_STRING : LS_TYPE_INTEGER;
        return ls_type_new_map(ls_type_new(kk), gen_type(g, depth + 1), rnd(g, 2) == 0);
    }
    ls_type_t *st = ls_type_new_struct();
    int nf = 1 + (int)rnd(g, 3);
    for (int i = 0; i < nf; i++) {
        char name[16];
        snprintf(name, sizeof(name), "f%d", i);
        assert_int_equal(ls_type_struct_add(st, name, gen_type(g, depth + 1), rnd(g, 3) != 0),
                         LS_OK);
    }
    return st;
}

static ls_type_t *gen_schema(gen_t *g)
{
    ls_type_t *st = ls_type_new_struct();
    int nf = 1 + (int)rnd(g, 6);
    for (int i = 0; i < nf; i++) {
        char name[16];
        snprintf(name, sizeof(name), "c%d", i);
        assert_int_equal(ls_type_struct_add(st, name, gen_type(g, 1), rnd(g, 4) != 0), LS_OK);
    }
    return st;
}

/* An integer in [-(10^p - 1), 10^p - 1], biased to the edges. */
static int64_t gen_decimal_small(gen_t *g, int p)
{
    int64_t lim = 1;
    for (int i = 0; i < p; i++) {
        lim *= 10;
    }
    lim -= 1;
    switch (rnd(g, 4)) {
    case 0: return lim;
    case 1: return -lim;
    case 2: return 0;
    default: return (int64_t)(rnd(g, (uint64_t)lim * 2 + 1)) - lim;
    }
}

static ls_err_t gen_leaf(gen_t *g, ls_batch_t *b, const ls_node_t *n, int rep)
{
    ls_column_t *c = &b->cols[n->leaf];
    const ls_type_t *t = n->type;
    static const int64_t i64s[] = {INT64_MIN, INT64_MAX, 0, -1, 1, 1700000000000000LL};
    static const double dbls[] = {0.0, -0.0, 1.5, -2.25e300, 5e-324, INFINITY, -INFINITY, NAN};
    switch (t->kind) {
    case LS_TYPE_STRING:
    case LS_TYPE_BINARY: {
        char s[64];
        size_t len = rnd(g, 4) == 0 ? 0 : rnd(g, sizeof(s));
        for (size_t i = 0; i < len; i++) {
            /* strings stay valid UTF-8 (ASCII + a two-byte char); binary gets any byte */
            s[i] = t->kind == LS_TYPE_BINARY ? (char)rnd(g, 256) : (char)('a' + rnd(g, 3));
        }
        if (t->kind == LS_TYPE_STRING && len >= 2 && rnd(g, 3) == 0) {
            s[0] = (char)0xC3;
            s[1] = (char)0xA9;
        }
        return ls_col_push_bytes(b, c, s, len, rep);
    }
    case LS_TYPE_BOOLEAN: return ls_col_push_bool(b, c, rnd(g, 2), rep);
    case LS_TYPE_BYTE: return ls_col_push_i32(b, c, (int32_t)rnd(g, 256) - 128, rep);
    case LS_TYPE_SHORT: return ls_col_push_i32(b, c, (int32_t)rnd(g, 65536) - 32768, rep);
    case LS_TYPE_INTEGER:
        return ls_col_push_i32(b, c, rnd(g, 3) ? (int32_t)rnd(g, 1000) : INT32_MIN, rep);
    case LS_TYPE_DATE: return ls_col_push_i32(b, c, (int32_t)rnd(g, 2932897) - 719162, rep);
    case LS_TYPE_LONG: return ls_col_push_i64(b, c, i64s[rnd(g, 6)] ^ (int64_t)rnd(g, 4), rep);
    case LS_TYPE_TIMESTAMP:
    case LS_TYPE_TIMESTAMP_NTZ:
        return ls_col_push_i64(b, c, (int64_t)rnd(g, 1ULL << 52) - (1LL << 50), rep);
    case LS_TYPE_FLOAT: return ls_col_push_float(b, c, (float)dbls[rnd(g, 8)] * 0.5f, rep);
    case LS_TYPE_DOUBLE:
        return ls_col_push_double(b, c, rnd(g, 2) ? dbls[rnd(g, 8)] : (double)rnd(g, 100) / 7, rep);
    case LS_TYPE_DECIMAL:
        if (t->precision <= 9) {
            return ls_col_push_i32(b, c, (int32_t)gen_decimal_small(g, t->precision), rep);
        }
        if (t->precision <= 18) {
            return ls_col_push_i64(b, c, gen_decimal_small(g, t->precision), rep);
        } else {
            /* a small value, sign-extended to the fixed width (always within precision) */
            uint8_t v[16];
            int64_t x = gen_decimal_small(g, 18);
            uint32_t w = c->leaf->width;
            for (uint32_t i = 0; i < w; i++) {
                int shift = (int)(w - 1 - i) * 8;
                v[i] = shift >= 64 ? (uint8_t)(x < 0 ? 0xFF : 0) : (uint8_t)(x >> shift);
            }
            return ls_col_push_bytes(b, c, v, w, rep);
        }
    default: return LS_ERR_UNSUPPORTED;
    }
}

static ls_err_t gen_value(gen_t *g, ls_batch_t *b, const ls_node_t *n, int rep)
{
    if (n->nullable && (int)rnd(g, 100) < g->null_pct) {
        return ls_batch_push_absent(b, n, n->def - 1, rep);
    }
    switch (n->type->kind) {
    case LS_TYPE_STRUCT:
        for (uint32_t i = 0; i < n->nchildren; i++) {
            LS_TRY(gen_value(g, b, n->children[i], rep));
        }
        return LS_OK;
    case LS_TYPE_ARRAY:
    case LS_TYPE_MAP: {
        int k = (int)rnd(g, (uint64_t)g->max_items + 1);
        if (k == 0) {
            return ls_batch_push_absent(b, n, n->def, rep);
        }
        for (int i = 0; i < k; i++) {
            int r = i == 0 ? rep : n->entry_rep;
            for (uint32_t c = 0; c < n->nchildren; c++) {
                LS_TRY(gen_value(g, b, n->children[c], r));
            }
        }
        return LS_OK;
    }
    default: return gen_leaf(g, b, n, rep);
    }
}

static ls_batch_t *read_all(ls_pq_reader_t *r, const ls_layout_t **layout)
{
    ls_error_t err;
    *layout = ls_pq_reader_read_layout(r);
    ls_batch_t *all = ls_batch_new(*layout, 0);
    for (uint32_t rg = 0; rg < ls_pq_reader_num_row_groups(r); rg++) {
        ls_batch_t *part = NULL;
        ls_err_t rc = ls_pq_reader_read_row_group(r, rg, &part, &err);
        if (rc != LS_OK) {
            fail_msg("read row group %u: %s", rg, err.msg);
        }
        assert_int_equal(ls_batch_append_rows(all, part, 0, part->nrows), LS_OK);
        ls_batch_free(part);
    }
    return all;
}

static size_t g_total_rows, g_total_bytes, g_total_leaves;

static void roundtrip_one(uint64_t seed)
{
    gen_t g = {.rng = seed * 0x9E3779B97F4A7C15ull + 1, .null_pct = (int)(seed % 4) * 15,
               .max_items = 1 + (int)(seed % 4)};
    ls_type_t *schema = gen_schema(&g);
    ls_error_t err;
    ls_layout_t *l = ls_layout_new(schema, &err);
    assert_non_null(l);
    ls_batch_t *b = ls_batch_new(l, 0);
    size_t rows = rnd(&g, 4) == 0 ? rnd(&g, 3) : rnd(&g, 400);
    for (size_t i = 0; i < rows; i++) {
        ls_batch_row_begin(b);
        for (uint32_t f = 0; f < l->root->nchildren; f++) {
            assert_int_equal(gen_value(&g, b, l->root->children[f], 0), LS_OK);
        }
        ls_batch_row_commit(b);
    }
    static const ls_pq_codec_t codecs[] = {LS_PQ_CODEC_ZSTD, LS_PQ_CODEC_SNAPPY, LS_PQ_CODEC_GZIP,
                                           LS_PQ_CODEC_UNCOMPRESSED, LS_PQ_CODEC_LZ4_RAW,
                                           LS_PQ_CODEC_BROTLI};
    ls_pq_writer_opts_t o;
    ls_pq_writer_opts_init(&o);
    o.codec = codecs[seed % 6];
    o.row_group_bytes = rnd(&g, 2) ? 1 + rnd(&g, 4096) : 64u << 20;
    o.page_bytes = (uint32_t)(64 + rnd(&g, 8192));
    o.dictionary = rnd(&g, 3) != 0;
    o.dictionary_max_bytes = (uint32_t)(16 + rnd(&g, 2048));
    ls_buf_t file;
    ls_buf_init(&file, LS_BUF_UNLIMITED);
    ls_pq_writer_t *w = ls_pq_writer_new(l, &o, ls_sink_buf(&file), &err);
    assert_non_null(w);
    /* feed the rows in a few slices, so row groups and pages span batch boundaries */
    size_t pos = 0;
    while (pos < rows) {
        size_t n = 1 + rnd(&g, rows - pos);
        ls_batch_t *slice = ls_batch_new(l, 0);
        assert_int_equal(ls_batch_append_rows(slice, b, pos, n), LS_OK);
        if (ls_pq_writer_write(w, slice, &err) != LS_OK) {
            fail_msg("seed %llu: write: %s", (unsigned long long)seed, err.msg);
        }
        ls_batch_free(slice);
        pos += n;
    }
    uint64_t size = 0;
    if (ls_pq_writer_close(w, &size, &err) != LS_OK) {
        fail_msg("seed %llu: close: %s", (unsigned long long)seed, err.msg);
    }
    assert_int_equal(size, file.len);
    ls_pq_writer_free(w);

    ls_source_t src = ls_source_mem(file.data, file.len, "roundtrip");
    ls_pq_reader_t *r = ls_pq_reader_open(&src, &err);
    if (r == NULL) {
        fail_msg("seed %llu: open: %s", (unsigned long long)seed, err.msg);
    }
    assert_int_equal(ls_pq_reader_num_rows(r), (int64_t)rows);
    const ls_layout_t *rl;
    ls_batch_t *back = read_all(r, &rl);
    if (!ls_type_equal(rl->schema, schema)) {
        char a[512], bb[512];
        ls_type_describe(schema, a, sizeof(a));
        ls_type_describe(rl->schema, bb, sizeof(bb));
        fail_msg("seed %llu: schema differs:\n  wrote %s\n  read  %s", (unsigned long long)seed, a,
                 bb);
    }
    char why[256] = "";
    if (!ls_batch_equal(b, back, why, sizeof(why))) {
        char a[512];
        ls_type_describe(schema, a, sizeof(a));
        fail_msg("seed %llu (%s, %zu rows, codec %d): %s", (unsigned long long)seed, a, rows,
                 (int)o.codec, why);
    }
    g_total_rows += rows;
    g_total_bytes += file.len;
    g_total_leaves += l->nleaves;
    ls_batch_free(back);
    ls_pq_reader_free(r);
    ls_buf_free(&file);
    ls_batch_free(b);
    ls_layout_free(l);
    ls_type_free(schema);
}

static void test_roundtrip_random(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 1000; seed++) {
        roundtrip_one(seed);
    }
    print_message("round-tripped 1000 files: %zu rows, %zu leaf columns, %zu bytes\n",
                  g_total_rows, g_total_leaves, g_total_bytes);
    assert_true(g_total_rows > 10000); /* the generator must not degenerate */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip_random),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

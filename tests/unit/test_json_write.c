/*
 * test_json_write.c — NDJSON output of batches: the formatting conventions of json.h,
 * nested null/empty output, row ranges, a hand-built non-canonical layout, corrupt
 * levels (clean errors), the output cap, and decode -> write -> decode round trips on
 * random schemas and records (every type, nesting, escapes, maps with typed keys).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lakesink/alloc.h"
#include "lakesink/json.h"
#include "testutil.h"

typedef struct {
    ls_type_t *t;
    ls_layout_t *l;
    ls_json_decoder_t *d;
    ls_batch_t *b;
    ls_buf_t out;
    ls_error_t err;
} fx_t;

static void fx_open(fx_t *f, ls_type_t *schema)
{
    memset(f, 0, sizeof(*f));
    f->t = schema;
    f->l = ls_layout_new(schema, &f->err);
    assert_non_null(f->l);
    f->d = ls_json_decoder_new(f->l, NULL, &f->err);
    assert_non_null(f->d);
    f->b = ls_batch_new(f->l, 0);
    ls_buf_init(&f->out, LS_BUF_UNLIMITED);
}

static void fx_close(fx_t *f)
{
    ls_buf_free(&f->out);
    ls_batch_free(f->b);
    ls_json_decoder_free(f->d);
    ls_layout_free(f->l);
    ls_type_free(f->t);
}

static void fx_dec(fx_t *f, const char *rec)
{
    if (ls_json_decode_record(f->d, f->b, rec, strlen(rec), &f->err) != LS_OK) {
        fail_msg("decode %s: %s", rec, f->err.msg);
    }
}

/* Write all rows and return them NUL-terminated (valid until the next call). */
static const char *fx_write(fx_t *f, size_t from, size_t n)
{
    f->out.len = 0;
    if (ls_json_write_rows(f->b, from, n, &f->out, &f->err) != LS_OK) {
        fail_msg("write_rows: %s", f->err.msg);
    }
    ls_buf_terminate(&f->out);
    return f->out.len ? (const char *)f->out.data : "";
}

static void add(ls_type_t *st, const char *name, ls_type_t *t)
{
    assert_int_equal(ls_type_struct_add(st, name, t, true), LS_OK);
}

static ls_type_t *T(ls_type_kind_t k)
{
    return ls_type_new(k);
}

static void test_formats(void **state)
{
    (void)state;
    ls_type_t *st = ls_type_new_struct();
    add(st, "b", T(LS_TYPE_BOOLEAN));
    add(st, "i8", T(LS_TYPE_BYTE));
    add(st, "i32", T(LS_TYPE_INTEGER));
    add(st, "l", T(LS_TYPE_LONG));
    add(st, "u", T(LS_TYPE_UINT64));
    add(st, "f", T(LS_TYPE_FLOAT));
    add(st, "d", T(LS_TYPE_DOUBLE));
    add(st, "dec", ls_type_new_decimal(10, 2));
    add(st, "dec38", ls_type_new_decimal(38, 6));
    add(st, "dt", T(LS_TYPE_DATE));
    add(st, "ts", T(LS_TYPE_TIMESTAMP));
    add(st, "tsn", T(LS_TYPE_TIMESTAMP_NTZ));
    add(st, "tm", T(LS_TYPE_TIME));
    add(st, "s", T(LS_TYPE_STRING));
    add(st, "bin", T(LS_TYPE_BINARY));
    add(st, "fx", ls_type_new_fixed(3));
    add(st, "id", T(LS_TYPE_UUID));
    add(st, "we\"ird\n", T(LS_TYPE_LONG));
    fx_t f;
    fx_open(&f, st);
    fx_dec(&f,
           "{\"b\":true,\"i8\":-128,\"i32\":2147483647,\"l\":-9223372036854775808,"
           "\"u\":18446744073709551615,\"f\":0.1,\"d\":0.1,\"dec\":12.3,\"dec38\":\"-0.000001\","
           "\"dt\":\"2024-02-29\",\"ts\":\"2024-01-15T10:30:00.123+01:00\",\"tsn\":\"1969-12-31T23:"
           "59:59.5\","
           "\"tm\":\"10:30:00.5\",\"s\":\"q\\\"\\\\\\n\\u0001\\u00e9\\/\",\"bin\":\"aGVsbG8=\","
           "\"fx\":\"AAEC\",\"id\":\"123E4567-E89B-12D3-A456-426614174000\",\"we\\\"ird\\n\":1}");
    fx_dec(&f, "{\"f\":3.4028235e38,\"d\":1e308,\"dec\":-0.05,\"dec38\":"
               "99999999999999999999999999999999.999999}");
    fx_dec(&f, "{\"f\":\"NaN\",\"d\":\"-Infinity\",\"dt\":\"0000-01-01\",\"ts\":\"9999-12-31T23:59:"
               "59.999999Z\"}");
    fx_dec(&f, "{\"f\":-0.0,\"d\":-0,\"dec\":0,\"s\":\"\"}");
    fx_dec(&f, "{\"d\":5e-324,\"f\":1e-45}");
    const char *want =
        "{\"b\":true,\"i8\":-128,\"i32\":2147483647,\"l\":-9223372036854775808,\"u\":"
        "18446744073709551615,"
        "\"f\":0.1,\"d\":0.1,\"dec\":\"12.30\",\"dec38\":\"-0.000001\",\"dt\":\"2024-02-29\","
        "\"ts\":\"2024-01-15T09:30:00.123000Z\",\"tsn\":\"1969-12-31T23:59:59.500000\",\"tm\":\"10:"
        "30:00.500000\","
        "\"s\":\"q\\\"\\\\\\n\\u0001\xc3\xa9/\",\"bin\":\"aGVsbG8=\",\"fx\":\"AAEC\","
        "\"id\":\"123e4567-e89b-12d3-a456-426614174000\",\"we\\\"ird\\n\":1}\n"
        "{\"b\":null,\"i8\":null,\"i32\":null,\"l\":null,\"u\":null,\"f\":3.4028235e+38,\"d\":1e+"
        "308,"
        "\"dec\":\"-0.05\",\"dec38\":\"99999999999999999999999999999999.999999\",\"dt\":null,"
        "\"ts\":null,"
        "\"tsn\":null,\"tm\":null,\"s\":null,\"bin\":null,\"fx\":null,\"id\":null,\"we\\\"ird\\n\":"
        "null}\n"
        "{\"b\":null,\"i8\":null,\"i32\":null,\"l\":null,\"u\":null,\"f\":\"NaN\",\"d\":\"-"
        "Infinity\","
        "\"dec\":null,\"dec38\":null,\"dt\":\"0000-01-01\",\"ts\":\"9999-12-31T23:59:59.999999Z\","
        "\"tsn\":null,\"tm\":null,\"s\":null,\"bin\":null,\"fx\":null,\"id\":null,\"we\\\"ird\\n\":"
        "null}\n"
        "{\"b\":null,\"i8\":null,\"i32\":null,\"l\":null,\"u\":null,\"f\":-0,\"d\":-0,\"dec\":\"0."
        "00\","
        "\"dec38\":null,\"dt\":null,\"ts\":null,\"tsn\":null,\"tm\":null,\"s\":\"\",\"bin\":null,"
        "\"fx\":null,"
        "\"id\":null,\"we\\\"ird\\n\":null}\n"
        "{\"b\":null,\"i8\":null,\"i32\":null,\"l\":null,\"u\":null,\"f\":1.4013e-45,\"d\":4."
        "94065645841247e-324,\"dec\":null,"
        "\"dec38\":null,\"dt\":null,\"ts\":null,\"tsn\":null,\"tm\":null,\"s\":null,\"bin\":null,"
        "\"fx\":null,"
        "\"id\":null,\"we\\\"ird\\n\":null}\n";
    const char *got = fx_write(&f, 0, f.b->nrows);
    size_t i = 0;
    while (got[i] != '\0' && got[i] == want[i]) {
        i++;
    }
    if (got[i] != want[i]) {
        fail_msg("output differs at byte %zu:\n got: %.60s\nwant: %.60s", i,
                 got + (i > 20 ? i - 20 : 0), want + (i > 20 ? i - 20 : 0));
    }
    fx_close(&f);
}

/* Values no JSON input produces: invalid UTF-8, years outside 0000-9999. */
static void test_formats_raw_values(void **state)
{
    (void)state;
    ls_type_t *st = ls_type_new_struct();
    add(st, "s", T(LS_TYPE_STRING));
    add(st, "ts", T(LS_TYPE_TIMESTAMP));
    add(st, "dt", T(LS_TYPE_DATE));
    add(st, "tm", T(LS_TYPE_TIME));
    fx_t f;
    fx_open(&f, st);
    ls_batch_row_begin(f.b);
    assert_int_equal(ls_col_push_bytes(f.b, &f.b->cols[0], "a\xff\xc3(\xe2\x82\xac", 7, 0), LS_OK);
    assert_int_equal(ls_col_push_i64(f.b, &f.b->cols[1], 253402300800000000LL, 0),
                     LS_OK);                                                  /* 10000-01-01 */
    assert_int_equal(ls_col_push_i32(f.b, &f.b->cols[2], -719529, 0), LS_OK); /* -0001-12-31 */
    assert_int_equal(ls_col_push_i64(f.b, &f.b->cols[3], -1, 0), LS_OK);
    ls_batch_row_commit(f.b);
    ls_batch_row_begin(f.b);
    assert_int_equal(ls_col_push_null(f.b, &f.b->cols[0], 0, 0), LS_OK);
    assert_int_equal(ls_col_push_i64(f.b, &f.b->cols[1], INT64_MIN, 0), LS_OK);
    assert_int_equal(ls_col_push_i32(f.b, &f.b->cols[2], INT32_MAX, 0), LS_OK);
    assert_int_equal(ls_col_push_null(f.b, &f.b->cols[3], 0, 0), LS_OK);
    ls_batch_row_commit(f.b);
    const char *got = fx_write(&f, 0, 2);
    assert_string_equal(
        got, "{\"s\":\"a\\ufffd\\ufffd(\xe2\x82\xac\",\"ts\":\"+10000-01-01T00:00:00.000000Z\","
             "\"dt\":\"-0001-12-31\",\"tm\":\"23:59:59.999999\"}\n"
             "{\"s\":null,\"ts\":\"-290308-12-21T19:59:05.224192Z\",\"dt\":\"+5881580-07-11\","
             "\"tm\":null}\n");
    fx_close(&f);
}

static ls_type_t *nested_schema(void)
{
    ls_type_t *inner = ls_type_new_struct();
    add(inner, "x", T(LS_TYPE_LONG));
    add(inner, "tags", ls_type_new_array(T(LS_TYPE_STRING), true));
    ls_type_t *st = ls_type_new_struct();
    add(st, "id", T(LS_TYPE_LONG));
    add(st, "a", ls_type_new_array(ls_type_new_array(T(LS_TYPE_INTEGER), true), true));
    add(st, "s", inner);
    add(st, "m",
        ls_type_new_map(T(LS_TYPE_LONG),
                        ls_type_new_array(inner ? ls_type_clone(inner) : NULL, true), true));
    return st;
}

static void test_nested_output(void **state)
{
    (void)state;
    fx_t f;
    fx_open(&f, nested_schema());
    static const char *recs[] = {
        ("{\"id\":0,\"a\":[[1,null],[],null,[2]],\"s\":{\"x\":1,\"tags\":[\"a\",null]},\"m\":{"
         "\"5\":"
         "[{\"x\":2,\"tags\":[]},null],\"-1\":[]}}"),
        "{\"id\":1,\"a\":[],\"s\":{},\"m\":{}}",
        "{\"id\":2,\"a\":null,\"s\":null,\"m\":null}",
        "{\"id\":3}",
        "{\"id\":4,\"a\":[[3]],\"s\":{\"tags\":[]},\"m\":{\"7\":null}}",
    };
    for (size_t i = 0; i < 5; i++) {
        fx_dec(&f, recs[i]);
    }
    const char *want[] = {
        ("{\"id\":0,\"a\":[[1,null],[],null,[2]],\"s\":{\"x\":1,\"tags\":[\"a\",null]},"
         "\"m\":{\"5\":[{\"x\":2,\"tags\":[]},null],\"-1\":[]}}\n"),
        "{\"id\":1,\"a\":[],\"s\":{\"x\":null,\"tags\":null},\"m\":{}}\n",
        "{\"id\":2,\"a\":null,\"s\":null,\"m\":null}\n",
        "{\"id\":3,\"a\":null,\"s\":null,\"m\":null}\n",
        "{\"id\":4,\"a\":[[3]],\"s\":{\"x\":null,\"tags\":[]},\"m\":{\"7\":null}}\n",
    };
    /* every row range, so the cursor seek is exercised from every start */
    for (size_t from = 0; from < 5; from++) {
        for (size_t n = 0; from + n <= 5; n++) {
            char all[2048] = "";
            for (size_t i = from; i < from + n; i++) {
                strncat(all, want[i], sizeof(all) - strlen(all) - 1);
            }
            const char *got = fx_write(&f, from, n);
            if (strcmp(got, all) != 0) {
                fail_msg("rows [%zu,+%zu):\n%s\nwant:\n%s", from, n, got, all);
            }
        }
    }
    assert_int_equal(ls_json_write_rows(f.b, 3, 3, &f.out, &f.err), LS_ERR_INVALID_ARG);
    /* output cap: error, and the buffer is left as it was */
    ls_buf_t small;
    ls_buf_init(&small, 100);
    assert_int_equal(ls_buf_append_str(&small, "keep"), LS_OK);
    assert_int_equal(ls_json_write_rows(f.b, 0, 5, &small, &f.err), LS_ERR_LIMIT);
    assert_int_equal(small.len, 4);
    ls_buf_free(&small);
    fx_close(&f);
}

/* A reader-style layout whose levels are not the canonical ones: only node fields count. */
static void test_noncanonical_layout(void **state)
{
    (void)state;
    ls_type_t *st = ls_type_new_struct();
    add(st, "a", ls_type_new_array(T(LS_TYPE_INTEGER), true));
    ls_layout_t *l = ls_layout_empty(st);
    assert_non_null(l);
    ls_node_t *root = ls_arena_calloc(l->arena, 1, sizeof(*root));
    ls_node_t *a = ls_arena_calloc(l->arena, 1, sizeof(*a));
    ls_node_t *el = ls_arena_calloc(l->arena, 1, sizeof(*el));
    ls_node_t **rc = ls_arena_calloc(l->arena, 1, sizeof(*rc)),
              **ac = ls_arena_calloc(l->arena, 1, sizeof(*ac));
    /* a: optional group, an optional middle group (def 2), repeated entries at def 3, element def 4
     */
    *root = (ls_node_t){.name = "schema",
                        .type = st,
                        .def = 0,
                        .rep = 0,
                        .nchildren = 1,
                        .children = rc,
                        .leaf = -1};
    *a = (ls_node_t){.name = "a",
                     .type = st->fields[0].type,
                     .nullable = true,
                     .def = 1,
                     .rep = 0,
                     .entry_def = 3,
                     .entry_rep = 1,
                     .nchildren = 1,
                     .children = ac,
                     .leaf = -1};
    *el = (ls_node_t){.name = "element",
                      .type = st->fields[0].type->element,
                      .nullable = true,
                      .def = 4,
                      .rep = 1};
    rc[0] = a;
    ac[0] = el;
    l->root = root;
    ls_error_t err;
    assert_int_equal(ls_layout_finish(l, &err), LS_OK);
    ls_batch_t *b = ls_batch_new(l, 0);
    ls_column_t *c = &b->cols[0];
    static const int defs[] = {4, 3, 4, 2, 1, 0, 4}, reps[] = {0, 1, 1, 0, 0, 0, 0},
                     rows_end[] = {3, 4, 5, 6, 7};
    int32_t vals[] = {10, 20, 30};
    size_t vi = 0, li = 0;
    for (size_t r = 0; r < 5; r++) {
        ls_batch_row_begin(b);
        for (; li < (size_t)rows_end[r]; li++) {
            if (defs[li] == 4) {
                assert_int_equal(ls_col_push_i32(b, c, vals[vi++ % 3], reps[li]), LS_OK);
            } else {
                assert_int_equal(ls_col_push_null(b, c, defs[li], reps[li]), LS_OK);
            }
        }
        ls_batch_row_commit(b);
    }
    ls_buf_t out;
    ls_buf_init(&out, LS_BUF_UNLIMITED);
    assert_int_equal(ls_json_write_rows(b, 0, 5, &out, &err), LS_OK);
    ls_buf_terminate(&out);
    assert_string_equal(
        (char *)out.data,
        "{\"a\":[10,null,20]}\n{\"a\":[]}\n{\"a\":[]}\n{\"a\":null}\n{\"a\":[30]}\n");
    ls_buf_free(&out);
    ls_batch_free(b);
    ls_layout_free(l);
}

static void test_corrupt_levels(void **state)
{
    (void)state;
    fx_t f;
    fx_open(&f, nested_schema());
    fx_dec(&f, "{\"id\":0,\"a\":[[1,2],[3]],\"s\":{\"x\":1,\"tags\":[\"a\"]}}");
    fx_dec(&f, "{\"id\":1,\"a\":[[4]]}");
    ls_buf_t out;
    ls_buf_init(&out, LS_BUF_UNLIMITED);
    ls_column_t *a = &f.b->cols[1];
    /* each damage is undone after the check */
    a->nlevels--;
    assert_int_equal(ls_json_write_rows(f.b, 0, 2, &out, &f.err), LS_ERR_CORRUPT);
    a->nlevels++;
    uint8_t saved = a->rep[1];
    a->rep[1] = 0; /* an extra row start inside row 0 */
    assert_int_equal(ls_json_write_rows(f.b, 0, 2, &out, &f.err), LS_ERR_CORRUPT);
    assert_non_null(strstr(f.err.msg, "a.list.element.list.element"));
    a->rep[1] = 3; /* deeper than the column repeats */
    assert_int_equal(ls_json_write_rows(f.b, 0, 2, &out, &f.err), LS_ERR_CORRUPT);
    a->rep[1] = saved;
    a->nvalues--;
    assert_int_equal(ls_json_write_rows(f.b, 0, 2, &out, &f.err), LS_ERR_CORRUPT);
    a->nvalues++;
    saved = a->def[0];
    a->def[0] = 9;
    assert_int_equal(ls_json_write_rows(f.b, 0, 2, &out, &f.err), LS_ERR_CORRUPT);
    a->def[0] = saved;
    ls_column_t *tags = &f.b->cols[3];
    tags->offsets[1] = 1000;
    assert_int_equal(ls_json_write_rows(f.b, 0, 2, &out, &f.err), LS_ERR_CORRUPT);
    tags->offsets[1] = 1;
    assert_int_equal(out.len, 0);
    assert_int_equal(ls_json_write_rows(f.b, 0, 2, &out, &f.err), LS_OK);
    ls_buf_free(&out);
    fx_close(&f);
}

/* ------------------------------------------------------------ random round trips */

typedef struct {
    uint64_t s;
    char *buf;
    size_t len, cap;
} gen_t;

static uint64_t rnd(gen_t *g, uint64_t n)
{
    return n ? ls_test_rand(&g->s) % n : 0;
}

static void put(gen_t *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(gen_t *g, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(g->buf + g->len, g->cap - g->len, fmt, ap);
    va_end(ap);
    assert_true(n >= 0 && (size_t)n < g->cap - g->len);
    g->len += (size_t)n;
}

static const ls_type_kind_t prims[] = {
    LS_TYPE_STRING,  LS_TYPE_BINARY,    LS_TYPE_BOOLEAN,       LS_TYPE_BYTE,   LS_TYPE_SHORT,
    LS_TYPE_INTEGER, LS_TYPE_LONG,      LS_TYPE_FLOAT,         LS_TYPE_DOUBLE, LS_TYPE_DECIMAL,
    LS_TYPE_DATE,    LS_TYPE_TIMESTAMP, LS_TYPE_TIMESTAMP_NTZ, LS_TYPE_UINT64, LS_TYPE_TIME,
    LS_TYPE_UUID,    LS_TYPE_FIXED};

static ls_type_t *rand_prim(gen_t *g, bool key)
{
    ls_type_kind_t k = prims[rnd(g, sizeof(prims) / sizeof(*prims))];
    if (key && (k == LS_TYPE_FLOAT || k == LS_TYPE_DOUBLE || k == LS_TYPE_BOOLEAN)) {
        k = LS_TYPE_LONG; /* keys must be easy to keep distinct */
    }
    if (k == LS_TYPE_DECIMAL) {
        int p = (int)rnd(g, 38) + 1;
        return ls_type_new_decimal(p, (int)rnd(g, (uint64_t)p + 1));
    }
    if (k == LS_TYPE_FIXED) {
        return ls_type_new_fixed((int)rnd(g, 20) + 1);
    }
    return ls_type_new(k);
}

static ls_type_t *rand_type(gen_t *g, int depth)
{
    uint64_t r = rnd(g, depth > 2 ? 1 : 10);
    if (r == 7) {
        return ls_type_new_array(rand_type(g, depth + 1), rnd(g, 2));
    }
    if (r == 8) {
        return ls_type_new_map(rand_prim(g, true), rand_type(g, depth + 1), rnd(g, 2));
    }
    if (r == 9) {
        ls_type_t *st = ls_type_new_struct();
        size_t n = rnd(g, 4) + 1;
        for (size_t i = 0; i < n; i++) {
            static const char *names[] = {"a",    "b",    "c d",   "\xc3\xa9",
                                          "q\"x", "n\\m", "tab\t", "f"};
            char name[32];
            snprintf(name, sizeof(name), "%s%zu", names[rnd(g, 8)], i);
            ls_type_struct_add(st, name, rand_type(g, depth + 1), rnd(g, 4) != 0);
        }
        return st;
    }
    return rand_prim(g, false);
}

static void gen_b64(gen_t *g, size_t n)
{
    static const char al[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    uint8_t bytes[64];
    for (size_t i = 0; i < n; i++) {
        bytes[i] = (uint8_t)rnd(g, 256);
    }
    put(g, "\"");
    for (size_t i = 0; i < n; i += 3) {
        uint32_t w = (uint32_t)bytes[i] << 16 | (i + 1 < n ? (uint32_t)bytes[i + 1] << 8 : 0) |
                     (i + 2 < n ? bytes[i + 2] : 0);
        put(g, "%c%c%c%c", al[w >> 18], al[(w >> 12) & 63], i + 1 < n ? al[(w >> 6) & 63] : '=',
            i + 2 < n ? al[w & 63] : '=');
    }
    put(g, "\"");
}

static void gen_string(gen_t *g)
{
    static const char *parts[] = {"a",
                                  "Z",
                                  " ",
                                  "\\\"",
                                  "\\\\",
                                  "\\n",
                                  "\\t",
                                  "\\u0000",
                                  "\\u001f",
                                  "\xc3\xa9",
                                  "\xe2\x82\xac",
                                  "\xf0\x9f\x98\x80",
                                  "\\ud83d\\ude00",
                                  "\\u00e9",
                                  "\\/",
                                  "xyz0123456789"};
    put(g, "\"");
    size_t n = rnd(g, 12);
    for (size_t i = 0; i < n; i++) {
        put(g, "%s", parts[rnd(g, 16)]);
    }
    put(g, "\"");
}

static void gen_decimal(gen_t *g, const ls_type_t *t, bool quoted)
{
    int ip = t->precision - t->scale;
    put(g, "%s%s", quoted ? "\"" : "", rnd(g, 2) ? "-" : "");
    int ni = ip > 0 ? (int)rnd(g, (uint64_t)ip) + 1 : 0;
    put(g, "%d", ni > 0 ? (int)rnd(g, 9) + 1 : 0);
    for (int i = 1; i < ni; i++) {
        put(g, "%d", (int)rnd(g, 10));
    }
    if (t->scale > 0) {
        put(g, ".");
        int nf = (int)rnd(g, (uint64_t)t->scale) + 1;
        for (int i = 0; i < nf; i++) {
            put(g, "%d", (int)rnd(g, 10));
        }
    }
    put(g, "%s", quoted ? "\"" : "");
}

/* The @p idx-th distinct key of a map with key type @p t. */
static void gen_key(gen_t *g, const ls_type_t *t, size_t idx)
{
    switch (t->kind) {
    case LS_TYPE_STRING: put(g, "\"k%zu\\n\"", idx); break;
    case LS_TYPE_DATE: put(g, "\"2024-01-%02zu\"", idx + 1); break;
    case LS_TYPE_TIMESTAMP: put(g, "\"2024-01-01T00:00:%02zuZ\"", idx); break;
    case LS_TYPE_TIMESTAMP_NTZ: put(g, "\"2024-01-01 00:00:%02zu\"", idx); break;
    case LS_TYPE_TIME: put(g, "\"00:00:%02zu\"", idx); break;
    case LS_TYPE_UUID: put(g, "\"00000000-0000-0000-0000-%012zu\"", idx); break;
    case LS_TYPE_DECIMAL: /* distinct and within precision even for decimal(p,p) */
        if (t->precision > t->scale) {
            put(g, "\"%zu\"", idx % 10);
        } else {
            put(g, "\"0.%0*zu\"", t->scale, idx % 10);
        }
        break;
    case LS_TYPE_BINARY:
    case LS_TYPE_FIXED:
        if (t->kind == LS_TYPE_FIXED && t->width == 1) {
            put(g, "\"%c%c==\"", 'A' + (int)idx, 'A');
        } else {
            gen_b64(g, t->kind == LS_TYPE_FIXED ? (size_t)t->width
                                                : 3); /* random: collisions are rare */
        }
        break;
    default: put(g, "\"%zu\"", idx); break; /* integers */
    }
}

static void gen_value(gen_t *g, const ls_type_t *t, bool nullable);

static void gen_struct(gen_t *g, const ls_type_t *t)
{
    size_t order[8], n = t->nfields;
    for (size_t i = 0; i < n; i++) {
        order[i] = i;
    }
    for (size_t i = n; i > 1; i--) { /* members in random order */
        size_t j = rnd(g, i), tmp = order[i - 1];
        order[i - 1] = order[j];
        order[j] = tmp;
    }
    put(g, "{");
    bool first = true;
    for (size_t k = 0; k < n; k++) {
        const ls_field_t *f = &t->fields[order[k]];
        if (f->nullable && rnd(g, 5) == 0) {
            continue; /* absent */
        }
        put(g, "%s", first ? "" : ",");
        first = false;
        ls_buf_t nb;
        ls_buf_init(&nb, 256);
        ls_json_append_string(&nb, f->name, strlen(f->name));
        put(g, "%.*s:", (int)nb.len, (char *)nb.data);
        ls_buf_free(&nb);
        gen_value(g, f->type, f->nullable);
    }
    put(g, "}");
}

static void gen_prim(gen_t *g, const ls_type_t *t)
{
    uint64_t r = ls_test_rand(&g->s);
    switch (t->kind) {
    case LS_TYPE_STRING: gen_string(g); break;
    case LS_TYPE_BINARY: gen_b64(g, rnd(g, 10)); break;
    case LS_TYPE_FIXED: gen_b64(g, (size_t)t->width); break;
    case LS_TYPE_BOOLEAN: put(g, "%s", r & 1 ? "true" : "false"); break;
    case LS_TYPE_BYTE: put(g, "%d", (int)(r % 256) - 128); break;
    case LS_TYPE_SHORT: put(g, "%d", (int)(r % 65536) - 32768); break;
    case LS_TYPE_INTEGER: put(g, "%d", (int32_t)(uint32_t)r); break;
    case LS_TYPE_LONG: put(g, "%lld", (long long)r); break;
    case LS_TYPE_UINT64: put(g, "%llu", (unsigned long long)r); break;
    case LS_TYPE_FLOAT:
    case LS_TYPE_DOUBLE: {
        double v;
        if (t->kind == LS_TYPE_FLOAT) {
            float fv;
            uint32_t bits = (uint32_t)r;
            memcpy(&fv, &bits, 4);
            v = fv;
        } else {
            memcpy(&v, &r, 8);
        }
        if (isnan(v)) {
            put(g, "\"NaN\"");
        } else if (isinf(v)) {
            put(g, "%s", v > 0 ? "\"Infinity\"" : "\"-Infinity\"");
        } else {
            put(g, "%.17g", v);
        }
        break;
    }
    case LS_TYPE_DECIMAL: gen_decimal(g, t, r & 1); break;
    case LS_TYPE_DATE:
        put(g, "\"%04d-%02d-%02d\"", (int)(r % 10000), (int)((r >> 16) % 12) + 1,
            (int)((r >> 24) % 28) + 1);
        break;
    case LS_TYPE_TIMESTAMP:
    case LS_TYPE_TIMESTAMP_NTZ:
        put(g, "\"%04d-%02d-%02dT%02d:%02d:%02d.%06d%s\"", (int)(r % 10000),
            (int)((r >> 16) % 12) + 1, (int)((r >> 24) % 28) + 1, (int)((r >> 30) % 24),
            (int)((r >> 35) % 60), (int)((r >> 41) % 60), (int)((r >> 20) % 1000000),
            t->kind == LS_TYPE_TIMESTAMP ? (r >> 63 ? "Z" : "-07:30") : "");
        break;
    case LS_TYPE_TIME:
        put(g, "\"%02d:%02d:%02d.%06d\"", (int)(r % 24), (int)((r >> 8) % 60),
            (int)((r >> 16) % 60), (int)((r >> 24) % 1000000));
        break;
    case LS_TYPE_UUID:
        put(g, "\"%08x-%04x-%04x-%04x-%012llx\"", (unsigned)r, (unsigned)(r >> 32) & 0xFFFF,
            (unsigned)(r >> 48), (unsigned)(r >> 8) & 0xFFFF, (unsigned long long)(r >> 16));
        break;
    default: fail_msg("unexpected kind %d", t->kind);
    }
}

static void gen_value(gen_t *g, const ls_type_t *t, bool nullable)
{
    if (nullable && rnd(g, 6) == 0) {
        put(g, "null");
        return;
    }
    if (t->kind == LS_TYPE_STRUCT) {
        gen_struct(g, t);
    } else if (t->kind == LS_TYPE_ARRAY) {
        size_t n = rnd(g, 4);
        put(g, "[");
        for (size_t i = 0; i < n; i++) {
            put(g, "%s", i ? ", " : "");
            gen_value(g, t->element, t->contains_null);
        }
        put(g, "]");
    } else if (t->kind == LS_TYPE_MAP) {
        size_t n = rnd(g, 4);
        put(g, "{");
        for (size_t i = 0; i < n; i++) {
            put(g, "%s", i ? "," : "");
            gen_key(g, t->key, i);
            put(g, ":");
            gen_value(g, t->value, t->value_contains_null);
        }
        put(g, "}");
    } else {
        gen_prim(g, t);
    }
}

static void test_round_trip_random(void **state)
{
    (void)state;
    gen_t g = {.s = 12345, .cap = 1 << 20};
    g.buf = ls_malloc(g.cap);
    int schemas = 0, rows = 0, skipped = 0;
    for (int si = 0; si < 300; si++) {
        ls_type_t *st = ls_type_new_struct();
        size_t nf = rnd(&g, 6) + 1;
        for (size_t i = 0; i < nf; i++) {
            char name[16];
            snprintf(name, sizeof(name), "f%zu", i);
            ls_type_struct_add(st, name, rand_type(&g, 0), rnd(&g, 5) != 0);
        }
        fx_t a, b;
        fx_open(&a, st);
        fx_open(&b, ls_type_clone(st));
        g.len = 0;
        for (int r = 0; r < 20; r++) {
            size_t start = g.len;
            gen_struct(&g, st);
            if (ls_json_decode_record(a.d, a.b, g.buf + start, g.len - start, &a.err) != LS_OK) {
                /* random binary map keys may collide, nothing else may fail */
                if (strstr(a.err.msg, "duplicate key") == NULL) {
                    fail_msg("generated record rejected: %s\n%.*s", a.err.msg, (int)(g.len - start),
                             g.buf + start);
                }
                skipped++;
            }
            put(&g, "\n");
        }
        const char *text = fx_write(&a, 0, a.b->nrows);
        size_t tl = a.out.len, used;
        if (ls_json_decode_ndjson(b.d, b.b, text, tl, 1, NULL, NULL, &used, &b.err) != LS_OK) {
            fail_msg("written rows do not decode: %s\n%s", b.err.msg, text);
        }
        char why[256];
        if (!ls_batch_equal(a.b, b.b, why, sizeof(why))) {
            fail_msg("round trip differs: %s\ninput:\n%.*s\noutput:\n%s", why, (int)g.len, g.buf,
                     text);
        }
        const char *text2 = fx_write(&b, 0, b.b->nrows); /* printing is stable too */
        assert_int_equal(b.out.len, tl);
        assert_memory_equal(text2, a.out.data, tl);
        rows += (int)a.b->nrows;
        schemas++;
        fx_close(&a);
        fx_close(&b);
    }
    print_message("round trip: %d schemas, %d rows (%d records with colliding random keys)\n",
                  schemas, rows, skipped);
    ls_free(g.buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_formats),        cmocka_unit_test(test_formats_raw_values),
        cmocka_unit_test(test_nested_output),  cmocka_unit_test(test_noncanonical_layout),
        cmocka_unit_test(test_corrupt_levels), cmocka_unit_test(test_round_trip_random),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

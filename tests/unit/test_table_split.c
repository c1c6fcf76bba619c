/*
 * test_table_split.c — splitting batches by partition values: the data layout, groups
 * in order of first appearance with their text values, nested columns (structs, arrays
 * of structs, maps) copied exactly, empty string as the null partition, floats; the
 * reverse (attach) back to the table layout, missing and mismatched columns, bad values;
 * a randomized split/re-assemble property test; limits and allocation failures.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "lakesink/alloc.h"
#include "lakesink/json.h"
#include "lakesink/table.h"
#include "partition_fixture.h"
#include "testutil.h"

static const char *k_schema =
    "{\"type\":\"struct\",\"fields\":["
    "{\"name\":\"id\",\"type\":\"long\",\"nullable\":false,\"metadata\":{}},"
    "{\"name\":\"p\",\"type\":\"string\",\"nullable\":true,\"metadata\":{}},"
    "{\"name\":\"s\",\"type\":{\"type\":\"struct\",\"fields\":["
    "{\"name\":\"a\",\"type\":\"integer\",\"nullable\":true,\"metadata\":{}},"
    "{\"name\":\"b\",\"type\":\"string\",\"nullable\":true,\"metadata\":{}}]},"
    "\"nullable\":true,\"metadata\":{}},"
    "{\"name\":\"q\",\"type\":\"integer\",\"nullable\":true,\"metadata\":{}},"
    "{\"name\":\"arr\",\"type\":{\"type\":\"array\",\"elementType\":{\"type\":\"struct\","
    "\"fields\":[{\"name\":\"x\",\"type\":\"integer\",\"nullable\":true,\"metadata\":{}}]},"
    "\"containsNull\":true},\"nullable\":true,\"metadata\":{}},"
    "{\"name\":\"m\",\"type\":{\"type\":\"map\",\"keyType\":\"string\",\"valueType\":\"long\","
    "\"valueContainsNull\":true},\"nullable\":true,\"metadata\":{}},"
    "{\"name\":\"d\",\"type\":\"decimal(20,2)\",\"nullable\":true,\"metadata\":{}}]}";

/* A batch of @p l holding @p rows (JSON objects; fields not in @p l ignored). */
static ls_batch_t *decode(const ls_layout_t *l, const char *const *rows, size_t n)
{
    ls_error_t err;
    ls_json_decoder_t *d = ls_json_decoder_new(l, NULL, &err);
    ls_batch_t *b = ls_batch_new(l, 0);
    assert_non_null(d);
    for (size_t i = 0; i < n; i++) {
        if (ls_json_decode_record(d, b, rows[i], strlen(rows[i]), &err) != LS_OK) {
            fail_msg("row %zu: %s", i, err.msg);
        }
    }
    ls_json_decoder_free(d);
    return b;
}

/* ---------------------------------------------------------------- split */

static const char *k_rows[] = {
    ("{\"id\":0,\"p\":\"x\",\"q\":1,\"s\":{\"a\":1,\"b\":\"u\"},\"arr\":[{\"x\":1},null,{}],"
     "\"m\":{\"k\":1},\"d\":\"1.50\"}"),
    "{\"id\":1,\"p\":\"y/z\",\"q\":1,\"s\":null,\"arr\":[],\"m\":{},\"d\":null}",
    "{\"id\":2,\"p\":\"x\",\"q\":1,\"arr\":null,\"m\":{\"a\":null,\"b\":2}}",
    "{\"id\":3,\"p\":null,\"q\":null,\"s\":{\"a\":null,\"b\":\"\"},\"arr\":[{\"x\":null}]}",
    "{\"id\":4,\"p\":\"\",\"q\":null,\"s\":{\"b\":\"v\"},\"d\":\"-99999999999999999.99\"}",
    "{\"id\":5,\"p\":\"x\",\"q\":2}",
    "{\"id\":6,\"p\":\"x\",\"q\":1,\"arr\":[{\"x\":6},{\"x\":7}],\"m\":{\"z\":null}}",
    "{\"id\":7,\"q\":null}",
};

static void test_split_groups(void **state)
{
    (void)state;
    const char *cols[] = {"p", "q"};
    fx_t f;
    fx_open(&f, k_schema, cols, 2);
    const ls_layout_t *data = ls_table_partitioner_data_layout(f.p);
    assert_int_equal(ls_table_partitioner_ncols(f.p), 2);
    assert_ptr_equal(ls_table_partitioner_table_layout(f.p), f.table);
    /* the data layout: every column but p and q, in table order */
    assert_int_equal(data->root->nchildren, 5);
    assert_string_equal(data->root->children[1]->name, "s");
    assert_string_equal(data->root->children[2]->name, "arr");
    assert_int_equal(data->nleaves, f.table->nleaves - 2);

    ls_batch_t *b = decode(f.table, k_rows, 8);
    ls_table_split_t *s = NULL;
    assert_int_equal(ls_table_split(f.p, b, 0, &s, &f.err), LS_OK);
    /* groups in order of first appearance; "" and null are the same (null) partition */
    assert_int_equal(s->ngroups, 4);
    assert_int_equal(s->ncols, 2);
    const char *want_p[] = {"x", "y/z", NULL, "x"};
    const char *want_q[] = {"1", "1", NULL, "2"};
    const size_t want_rows[4][3] = {{0, 2, 6}, {1}, {3, 4, 7}, {5}};
    const size_t want_n[] = {3, 1, 3, 1};
    for (size_t g = 0; g < 4; g++) {
        const ls_table_group_t *grp = &s->groups[g];
        if (want_p[g] == NULL) {
            assert_null(grp->values[0]);
        } else {
            assert_string_equal(grp->values[0], want_p[g]);
        }
        if (want_q[g] == NULL) {
            assert_null(grp->values[1]);
        } else {
            assert_string_equal(grp->values[1], want_q[g]);
        }
        const char *rows[3];
        for (size_t i = 0; i < want_n[g]; i++) {
            rows[i] = k_rows[want_rows[g][i]];
        }
        ls_batch_t *want = decode(data, rows, want_n[g]);
        assert_ptr_equal(grp->batch->layout, data);
        assert_batches_equal(grp->batch, want);
        ls_batch_free(want);
    }
    ls_table_split_free(s);
    ls_batch_free(b);
    fx_close(&f);
}

static void test_split_then_attach(void **state)
{
    (void)state;
    const char *cols[] = {"q", "p"};
    fx_t f;
    fx_open(&f, k_schema, cols, 2);
    ls_batch_t *b = decode(f.table, k_rows, 8);
    ls_table_split_t *s = NULL;
    assert_int_equal(ls_table_split(f.p, b, 0, &s, &f.err), LS_OK);
    ls_batch_t *back = ls_batch_new(f.table, 0);
    size_t order[8], k = 0;
    for (size_t g = 0; g < s->ngroups; g++) {
        assert_int_equal(
            ls_table_attach(f.p, s->groups[g].batch, s->groups[g].values, back, &f.err), LS_OK);
        /* which source rows the group holds, by id */
        const ls_column_t *id = &s->groups[g].batch->cols[0];
        for (size_t i = 0; i < id->nvalues; i++) {
            order[k++] = (size_t)ls_col_i64(id, i);
        }
    }
    assert_int_equal(k, 8);
    /* expected: the rows in group order, with "" read back as null (Delta semantics) */
    const char *rows[8];
    for (size_t i = 0; i < 8; i++) {
        rows[i] = order[i] == 4 ? "{\"id\":4,\"p\":null,\"q\":null,\"s\":{\"b\":\"v\"},"
                                  "\"d\":\"-99999999999999999.99\"}"
                                : k_rows[order[i]];
    }
    ls_batch_t *want = decode(f.table, rows, 8);
    assert_batches_equal(back, want);
    ls_batch_free(want);
    ls_batch_free(back);
    ls_table_split_free(s);
    ls_batch_free(b);
    fx_close(&f);
}

static void test_unpartitioned_and_empty(void **state)
{
    (void)state;
    fx_t f;
    fx_open(&f, k_schema, NULL, 0);
    ls_batch_t *b = decode(f.table, k_rows, 8);
    ls_table_split_t *s = NULL;
    assert_int_equal(ls_table_split(f.p, b, 0, &s, &f.err), LS_OK);
    assert_int_equal(s->ngroups, 1);
    ls_batch_t *want = decode(ls_table_partitioner_data_layout(f.p), k_rows, 8);
    assert_batches_equal(s->groups[0].batch, want);
    ls_batch_free(want);
    ls_table_split_free(s);
    ls_batch_reset(b);
    assert_int_equal(ls_table_split(f.p, b, 0, &s, &f.err), LS_OK);
    assert_int_equal(s->ngroups, 0);
    ls_table_split_free(s);
    ls_batch_free(b);
    fx_close(&f);
}

/* Float and double partitions: every NaN one group; -0.0 and 0.0 apart (printed apart). */
static void test_float_partitions(void **state)
{
    (void)state;
    const char *cols[] = {"f"};
    fx_t f;
    fx_open(&f, k_float_schema, cols, 1);
    ls_batch_t *b = ls_batch_new(f.table, 0);
    double vals[] = {NAN, -NAN, 0.0, -0.0, 1.5, 0.0};
    for (size_t i = 0; i < 6; i++) {
        ls_batch_row_begin(b);
        assert_int_equal(ls_col_push_double(b, &b->cols[0], vals[i], 0), LS_OK);
        assert_int_equal(ls_col_push_i64(b, &b->cols[1], (int64_t)i, 0), LS_OK);
        ls_batch_row_commit(b);
    }
    ls_table_split_t *s = NULL;
    assert_int_equal(ls_table_split(f.p, b, 0, &s, &f.err), LS_OK);
    assert_int_equal(s->ngroups, 4);
    assert_string_equal(s->groups[0].values[0], "NaN");
    assert_int_equal(s->groups[0].batch->nrows, 2);
    assert_string_equal(s->groups[1].values[0], "0.0");
    assert_int_equal(s->groups[1].batch->nrows, 2);
    assert_string_equal(s->groups[2].values[0], "-0.0");
    assert_string_equal(s->groups[3].values[0], "1.5");
    ls_table_split_free(s);
    ls_batch_free(b);
    fx_close(&f);
}

/* ---------------------------------------------------------------- attach */

static void test_attach_schema_changes(void **state)
{
    (void)state;
    const char *cols[] = {"p"};
    fx_t f;
    fx_open(&f, k_schema, cols, 1);
    /* a data file written before columns s and d existed, with an extra column */
    const char *old_schema =
        "{\"type\":\"struct\",\"fields\":["
        "{\"name\":\"zz\",\"type\":\"string\",\"nullable\":true,\"metadata\":{}},"
        "{\"name\":\"q\",\"type\":\"integer\",\"nullable\":true,\"metadata\":{}},"
        "{\"name\":\"id\",\"type\":\"long\",\"nullable\":false,\"metadata\":{}}]}";
    fx_t o;
    fx_open(&o, old_schema, NULL, 0);
    const char *rows[] = {"{\"id\":1,\"q\":5,\"zz\":\"drop\"}", "{\"id\":2}"};
    ls_batch_t *data = decode(o.table, rows, 2);
    ls_batch_t *dst = ls_batch_new(f.table, 0);
    const char *vals[] = {"2021-01-01"};
    assert_int_equal(ls_table_attach(f.p, data, vals, dst, &f.err), LS_OK);
    const char *want_rows[] = {"{\"id\":1,\"p\":\"2021-01-01\",\"q\":5}",
                               "{\"id\":2,\"p\":\"2021-01-01\"}"};
    ls_batch_t *want = decode(f.table, want_rows, 2);
    assert_batches_equal(dst, want);
    /* a bad partition value or a mismatched column leaves dst as it was */
    fx_t c;
    fx_open(&c, k_schema, (const char *[]){"q"}, 1);
    ls_batch_t *dst2 = ls_batch_new(c.table, 0);
    const char *bad[] = {"12x"};
    assert_int_equal(ls_table_attach(c.p, data, bad, dst2, &c.err), LS_ERR_PARSE);
    assert_non_null(strstr(c.err.msg, "partition column q"));
    assert_int_equal(dst2->nrows, 0);
    const char *mism = "{\"type\":\"struct\",\"fields\":["
                       "{\"name\":\"id\",\"type\":\"long\",\"nullable\":false,\"metadata\":{}},"
                       "{\"name\":\"s\",\"type\":\"string\",\"nullable\":true,\"metadata\":{}}]}";
    fx_t mm;
    fx_open(&mm, mism, NULL, 0);
    const char *mrows[] = {"{\"id\":1,\"s\":\"x\"}"};
    ls_batch_t *mdata = decode(mm.table, mrows, 1);
    size_t before = dst->cols[0].nlevels;
    assert_int_equal(ls_table_attach(f.p, mdata, vals, dst, &f.err), LS_ERR_SCHEMA);
    assert_non_null(strstr(f.err.msg, "column s"));
    assert_int_equal(dst->nrows, 2);
    assert_int_equal(dst->cols[0].nlevels, before);
    assert_batches_equal(dst, want);
    /* a missing non-nullable column, and a null for a non-nullable partition column */
    const char *nn = "{\"type\":\"struct\",\"fields\":["
                     "{\"name\":\"k\",\"type\":\"long\",\"nullable\":false,\"metadata\":{}},"
                     "{\"name\":\"v\",\"type\":\"long\",\"nullable\":false,\"metadata\":{}}]}";
    fx_t n;
    fx_open(&n, nn, (const char *[]){"k"}, 1);
    ls_batch_t *ndst = ls_batch_new(n.table, 0);
    assert_int_equal(ls_table_attach(n.p, mdata, (const char *[]){"1"}, ndst, &n.err),
                     LS_ERR_SCHEMA);
    assert_int_equal(ls_table_attach(n.p, mdata, (const char *[]){NULL}, ndst, &n.err),
                     LS_ERR_SCHEMA);
    assert_non_null(strstr(n.err.msg, "null but not nullable"));
    ls_batch_free(ndst);
    fx_close(&n);
    ls_batch_free(mdata);
    fx_close(&mm);
    ls_batch_free(dst2);
    fx_close(&c);
    ls_batch_free(want);
    ls_batch_free(dst);
    ls_batch_free(data);
    fx_close(&o);
    fx_close(&f);
}

/* Files written before a type widening: integer/short into long, float into double, in
 * nested structs and arrays too; a narrowing is still a mismatch. */
static void test_attach_widened(void **state)
{
    (void)state;
    const char *wide = "{\"type\":\"struct\",\"fields\":["
                       "{\"name\":\"n\",\"type\":\"long\",\"nullable\":true,\"metadata\":{}},"
                       "{\"name\":\"f\",\"type\":\"double\",\"nullable\":true,\"metadata\":{}},"
                       "{\"name\":\"a\",\"type\":{\"type\":\"array\",\"elementType\":\"long\","
                       "\"containsNull\":true},\"nullable\":true,\"metadata\":{}},"
                       "{\"name\":\"s\",\"type\":\"integer\",\"nullable\":true,\"metadata\":{}}]}";
    const char *narrow = "{\"type\":\"struct\",\"fields\":["
                         "{\"name\":\"n\",\"type\":\"integer\",\"nullable\":true,\"metadata\":{}},"
                         "{\"name\":\"f\",\"type\":\"float\",\"nullable\":true,\"metadata\":{}},"
                         "{\"name\":\"a\",\"type\":{\"type\":\"array\",\"elementType\":\"short\","
                         "\"containsNull\":true},\"nullable\":true,\"metadata\":{}},"
                         "{\"name\":\"s\",\"type\":\"byte\",\"nullable\":true,\"metadata\":{}}]}";
    fx_t w, o;
    fx_open(&w, wide, NULL, 0);
    fx_open(&o, narrow, NULL, 0);
    const char *rows[] = {"{\"n\":-2147483648,\"f\":0.25,\"a\":[1,null,-32768],\"s\":-5}",
                          "{\"n\":null,\"a\":[]}", "{\"f\":-1.5,\"s\":127}"};
    ls_batch_t *data = decode(o.table, rows, 3);
    ls_batch_t *dst = ls_batch_new(w.table, 0);
    assert_int_equal(ls_table_attach(w.p, data, NULL, dst, &w.err), LS_OK);
    ls_batch_t *want = decode(w.table, rows, 3);
    assert_batches_equal(dst, want);
    /* the other way round (a long file column for an integer table column) is refused */
    ls_batch_t *back = ls_batch_new(o.table, 0);
    assert_int_equal(ls_table_attach(o.p, want, NULL, back, &o.err), LS_ERR_SCHEMA);
    ls_batch_free(back);
    ls_batch_free(want);
    ls_batch_free(dst);
    ls_batch_free(data);
    fx_close(&o);
    fx_close(&w);
}

/* ---------------------------------------------------------------- errors and limits */

static void test_partitioner_errors(void **state)
{
    (void)state;
    ls_type_t *t = NULL;
    ls_error_t err;
    assert_int_equal(ls_json_parse_delta_schema(k_schema, strlen(k_schema), &t, &err), LS_OK);
    ls_layout_t *l = ls_layout_new(t, &err);
    struct {
        const char *cols[2];
        size_t n;
        ls_err_t rc;
        const char *msg;
    } cases[] = {
        {{"nope"}, 1, LS_ERR_NOT_FOUND, "not in the schema"},
        {{"P"}, 1, LS_ERR_NOT_FOUND, "not in the schema"},
        {{"s"}, 1, LS_ERR_SCHEMA, "cannot be partitioned"},
        {{"arr"}, 1, LS_ERR_SCHEMA, "cannot be partitioned"},
        {{"p", "p"}, 2, LS_ERR_SCHEMA, "twice"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_null(ls_table_partitioner_new(l, cases[i].cols, cases[i].n, &err));
        assert_int_equal(err.code, cases[i].rc);
        assert_non_null(strstr(err.msg, cases[i].msg));
    }
    ls_layout_free(l);
    ls_type_free(t);
    const char *one = "{\"type\":\"struct\",\"fields\":["
                      "{\"name\":\"k\",\"type\":\"long\",\"nullable\":true,\"metadata\":{}}]}";
    assert_int_equal(ls_json_parse_delta_schema(one, strlen(one), &t, &err), LS_OK);
    l = ls_layout_new(t, &err);
    assert_null(ls_table_partitioner_new(l, (const char *[]){"k"}, 1, &err));
    assert_non_null(strstr(err.msg, "every column"));
    ls_layout_free(l);
    ls_type_free(t);
}

static void test_split_limits(void **state)
{
    (void)state;
    const char *cols[] = {"p"};
    fx_t f;
    fx_open(&f, k_schema, cols, 1);
    ls_batch_t *b = decode(f.table, k_rows, 8);
    ls_table_split_t *s = (ls_table_split_t *)0x1;
    assert_int_equal(ls_table_split(f.p, b, 2, &s, &f.err), LS_ERR_LIMIT);
    assert_null(s);
    assert_non_null(strstr(f.err.msg, "more than 2 partitions"));
    /* a batch of another layout */
    ls_batch_t *other = ls_batch_new(ls_table_partitioner_data_layout(f.p), 0);
    assert_int_equal(ls_table_split(f.p, other, 0, &s, &f.err), LS_ERR_INVALID_ARG);
    ls_batch_t *dst = ls_batch_new(ls_table_partitioner_data_layout(f.p), 0);
    assert_int_equal(ls_table_attach(f.p, b, NULL, dst, &f.err), LS_ERR_INVALID_ARG);
    ls_batch_free(dst);
    ls_batch_free(other);
    /* a batch memory cap applies to every partition batch */
    ls_batch_t *capped = decode(f.table, k_rows, 8);
    capped->max_bytes = 64;
    assert_int_equal(ls_table_split(f.p, capped, 0, &s, &f.err), LS_ERR_LIMIT);
    ls_batch_free(capped);
    ls_batch_free(b);
    fx_close(&f);
}

static void test_split_alloc_failures(void **state)
{
    (void)state;
    const char *cols[] = {"p", "q"};
    fx_t f;
    fx_open(&f, k_schema, cols, 2);
    ls_batch_t *b = decode(f.table, k_rows, 8);
    bool done = false;
    for (long i = 0; i < 2000 && !done; i++) {
        ls_table_split_t *s = NULL;
        ls_alloc_fail_after(i, 1);
        ls_err_t rc = ls_table_split(f.p, b, 0, &s, &f.err);
        ls_batch_t *back = NULL;
        if (rc == LS_OK) {
            ls_alloc_fail_after(-1, 0);
            back = ls_batch_new(f.table, 0);
            ls_alloc_fail_after(i, 1);
            for (size_t g = 0; rc == LS_OK && g < s->ngroups; g++) {
                rc = ls_table_attach(f.p, s->groups[g].batch, s->groups[g].values, back, &f.err);
            }
            done = rc == LS_OK;
        }
        ls_alloc_fail_after(-1, 0);
        assert_true(rc == LS_OK || rc == LS_ERR_NOMEM);
        ls_batch_free(back);
        ls_table_split_free(s);
    }
    assert_true(done);
    /* the partitioner itself */
    for (long i = 0; i < 200; i++) {
        ls_alloc_fail_after(i, 1);
        ls_table_partitioner_t *p = ls_table_partitioner_new(f.table, cols, 2, &f.err);
        ls_alloc_fail_after(-1, 0);
        if (p != NULL) {
            ls_table_partitioner_free(p);
            break;
        }
        assert_int_equal(f.err.code, LS_ERR_NOMEM);
    }
    ls_batch_free(b);
    fx_close(&f);
}

/* ---------------------------------------------------------------- property test */

static void rand_row(uint64_t *rs, size_t id, ls_buf_t *out)
{
    static const char *ps[] = {"null", "\"a\"", "\"b:c\"", "\"\"", "\"d%e\""};
    ls_buf_printf(out, "{\"id\":%zu,\"p\":%s", id, ps[ls_test_rand(rs) % 5]);
    uint64_t q = ls_test_rand(rs) % 4;
    if (q < 3) {
        ls_buf_printf(out, ",\"q\":%d", (int)q - 1);
    }
    if (ls_test_rand(rs) % 3) {
        ls_buf_printf(out, ",\"s\":{\"a\":%d,\"b\":\"%.*s\"}", (int)(ls_test_rand(rs) % 100),
                      (int)(ls_test_rand(rs) % 6), "abcdef");
    }
    uint64_t na = ls_test_rand(rs) % 5;
    if (na > 0) {
        ls_buf_append_str(out, ",\"arr\":[");
        for (uint64_t i = 0; i + 1 < na; i++) {
            ls_buf_printf(out, "%s{\"x\":%d}", i ? "," : "", (int)i);
        }
        ls_buf_append_str(out, "]");
    }
    if (ls_test_rand(rs) % 2) {
        ls_buf_printf(out, ",\"m\":{\"k%d\":%d}", (int)(ls_test_rand(rs) % 3),
                      (int)(ls_test_rand(rs) % 9));
    }
    ls_buf_append_str(out, "}");
}

static void test_random_split_reassemble(void **state)
{
    (void)state;
    const char *cols[] = {"p", "q"};
    fx_t f;
    fx_open(&f, k_schema, cols, 2);
    uint64_t rs = 42;
    for (int round = 0; round < 20; round++) {
        size_t n = (size_t)(ls_test_rand(&rs) % 300);
        ls_buf_t js;
        ls_buf_init(&js, LS_BUF_UNLIMITED);
        const char **rows = ls_calloc(n + 1, sizeof(char *)),
                   **crows = ls_calloc(n + 1, sizeof(char *));
        size_t *offs = ls_calloc(2 * n + 1, sizeof(size_t));
        for (size_t i = 0; i < n; i++) {
            size_t start = js.len;
            offs[2 * i] = start;
            rand_row(&rs, i, &js);
            size_t len = js.len - start;
            ls_buf_append_byte(&js, 0);
            /* the same row with p "" written as null */
            offs[2 * i + 1] = js.len;
            ls_buf_reserve(&js, len + 3);
            ls_buf_append(&js, js.data + start, len);
            ls_buf_append(&js, "\0\0\0", 3); /* room for "" -> null */
            char *c = (char *)js.data + offs[2 * i + 1], *e = strstr(c, "\"p\":\"\"");
            if (e != NULL) {
                memmove(e + 8, e + 6, strlen(e + 6) + 1);
                memcpy(e, "\"p\":null", 8);
            }
        }
        for (size_t i = 0; i < n; i++) {
            rows[i] = (const char *)js.data + offs[2 * i];
            crows[i] = (const char *)js.data + offs[2 * i + 1];
        }
        ls_batch_t *b = decode(f.table, rows, n);
        ls_table_split_t *s = NULL;
        assert_int_equal(ls_table_split(f.p, b, 0, &s, &f.err), LS_OK);
        size_t total = 0;
        for (size_t g = 0; g < s->ngroups; g++) {
            const ls_batch_t *gb = s->groups[g].batch;
            total += gb->nrows;
            /* each group equals its source rows decoded straight onto the data layout */
            const char **mine = ls_calloc(gb->nrows + 1, sizeof(char *));
            for (size_t i = 0; i < gb->nrows; i++) {
                mine[i] = rows[ls_col_i64(&gb->cols[0], i)];
            }
            ls_batch_t *want = decode(ls_table_partitioner_data_layout(f.p), mine, gb->nrows);
            assert_batches_equal(gb, want);
            ls_batch_free(want);
            ls_free(mine);
            /* attached back, they are the source rows with "" read as null */
            ls_batch_t *back = ls_batch_new(f.table, 0);
            assert_int_equal(ls_table_attach(f.p, gb, s->groups[g].values, back, &f.err), LS_OK);
            const char **canon = ls_calloc(gb->nrows + 1, sizeof(char *));
            for (size_t i = 0; i < gb->nrows; i++) {
                canon[i] = crows[ls_col_i64(&gb->cols[0], i)];
            }
            ls_batch_t *want_t = decode(f.table, canon, gb->nrows);
            assert_batches_equal(back, want_t);
            ls_batch_free(want_t);
            ls_free(canon);
            ls_batch_free(back);
        }
        assert_int_equal(total, n);
        ls_table_split_free(s);
        ls_batch_free(b);
        ls_free(rows);
        ls_free(crows);
        ls_free(offs);
        ls_buf_free(&js);
    }
    fx_close(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_split_groups),
        cmocka_unit_test(test_split_then_attach),
        cmocka_unit_test(test_unpartitioned_and_empty),
        cmocka_unit_test(test_float_partitions),
        cmocka_unit_test(test_attach_schema_changes),
        cmocka_unit_test(test_attach_widened),
        cmocka_unit_test(test_partitioner_errors),
        cmocka_unit_test(test_split_limits),
        cmocka_unit_test(test_split_alloc_failures),
        cmocka_unit_test(test_random_split_reassemble),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

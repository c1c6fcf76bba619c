/*
 * test_table_rowkey.c — routing rows without a split: the partition key and text values
 * of a batch's last row (open or committed), key comparison in place, and the copy-free
 * data-layout view; checked against ls_table_split, which groups by the same rule (a
 * randomized test routes every row into its own partition's batch, as a loader does, and
 * compares each view with the split's group).
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
    "{\"name\":\"arr\",\"type\":{\"type\":\"array\",\"elementType\":\"long\","
    "\"containsNull\":true},\"nullable\":true,\"metadata\":{}},"
    "{\"name\":\"day\",\"type\":\"date\",\"nullable\":true,\"metadata\":{}}]}";

static void add_row(fx_t *f, ls_batch_t *b, const char *row)
{
    if (ls_json_decode_record(f->dec, b, row, strlen(row), &f->err) != LS_OK) {
        fail_msg("%s: %s", row, f->err.msg);
    }
}

/* Key of the last row of @p b as a fresh buffer. */
static void key_of(fx_t *f, const ls_batch_t *b, ls_buf_t *key)
{
    ls_buf_init(key, 1 << 20);
    assert_int_equal(ls_table_last_row_key(f->p, b, key), LS_OK);
}

static bool same_key(const ls_buf_t *a, const ls_buf_t *b)
{
    return a->len == b->len && (a->len == 0 || memcmp(a->data, b->data, a->len) == 0);
}

/* ---------------------------------------------------------------- keys and values */

static void test_keys_follow_split_rule(void **state)
{
    (void)state;
    const char *cols[] = {"p", "q"};
    fx_t f;
    fx_open(&f, k_schema, cols, 2);
    const char *rows[] = {
        "{\"id\":0,\"p\":\"x\",\"q\":1}",  "{\"id\":1,\"p\":\"x\",\"q\":2}",
        "{\"id\":2,\"p\":\"\",\"q\":1}",   "{\"id\":3,\"q\":1}",
        "{\"id\":4,\"p\":null,\"q\":1}",   "{\"id\":5,\"p\":\"x\",\"q\":1,\"s\":{\"a\":9}}",
        "{\"id\":6,\"p\":\"x1\",\"q\":1}", "{\"id\":7,\"p\":\"x\",\"q\":null}",
    };
    /* rows with the same partition: 0 and 5; 2, 3 and 4 (empty string and null) */
    const int group[] = {0, 1, 2, 2, 2, 0, 3, 4};
    ls_batch_t *b = ls_batch_new(f.table, 0);
    ls_buf_t keys[8];
    for (size_t i = 0; i < 8; i++) {
        add_row(&f, b, rows[i]);
        key_of(&f, b, &keys[i]);
        assert_true(ls_table_last_row_key_is(f.p, b, keys[i].data, keys[i].len));
    }
    for (size_t i = 0; i < 8; i++) {
        for (size_t j = 0; j < 8; j++) {
            assert_int_equal(same_key(&keys[i], &keys[j]), group[i] == group[j]);
        }
    }
    /* the last row is row 7: the key of row 0 is not its key; a truncated key neither */
    assert_false(ls_table_last_row_key_is(f.p, b, keys[0].data, keys[0].len));
    assert_false(ls_table_last_row_key_is(f.p, b, keys[7].data, keys[7].len - 1));
    ls_table_split_t *s = NULL;
    assert_int_equal(ls_table_split(f.p, b, 0, &s, &f.err), LS_OK);
    assert_int_equal(s->ngroups, 5);
    for (size_t i = 0; i < 8; i++) {
        ls_buf_free(&keys[i]);
    }
    ls_table_split_free(s);
    ls_batch_free(b);
    fx_close(&f);
}

static void test_key_columns_kept_apart(void **state)
{
    (void)state;
    const char *schema = "{\"type\":\"struct\",\"fields\":["
                         "{\"name\":\"a\",\"type\":\"string\",\"nullable\":true,\"metadata\":{}},"
                         "{\"name\":\"b\",\"type\":\"string\",\"nullable\":true,\"metadata\":{}},"
                         "{\"name\":\"v\",\"type\":\"long\",\"nullable\":true,\"metadata\":{}}]}";
    const char *cols[] = {"a", "b"};
    fx_t f;
    fx_open(&f, schema, cols, 2);
    ls_batch_t *b = ls_batch_new(f.table, 0);
    ls_buf_t k1, k2;
    add_row(&f, b, "{\"a\":\"ab\",\"b\":\"c\"}");
    key_of(&f, b, &k1);
    add_row(&f, b, "{\"a\":\"a\",\"b\":\"bc\"}");
    key_of(&f, b, &k2);
    assert_false(same_key(&k1, &k2));
    ls_buf_free(&k1);
    ls_buf_free(&k2);
    ls_batch_free(b);
    fx_close(&f);
}

static void test_float_keys(void **state)
{
    (void)state;
    const char *cols[] = {"f"};
    fx_t f;
    fx_open(&f, k_float_schema, cols, 1);
    ls_batch_t *b = ls_batch_new(f.table, 0);
    double vals[] = {NAN, -NAN, 0.0, -0.0};
    ls_buf_t k[4];
    for (size_t i = 0; i < 4; i++) {
        ls_batch_row_begin(b);
        assert_int_equal(ls_col_push_double(b, &b->cols[0], vals[i], 0), LS_OK);
        assert_int_equal(ls_col_push_i64(b, &b->cols[1], (int64_t)i, 0), LS_OK);
        ls_batch_row_commit(b);
        key_of(&f, b, &k[i]);
    }
    assert_true(same_key(&k[0], &k[1]));  /* every NaN is one partition */
    assert_false(same_key(&k[2], &k[3])); /* 0.0 and -0.0 are written apart */
    const char *v[1];
    ls_arena_t *a = ls_arena_new(256, 0);
    assert_int_equal(ls_table_last_row_values(f.p, b, a, v, &f.err), LS_OK);
    assert_string_equal(v[0], "-0.0");
    for (size_t i = 0; i < 4; i++) {
        ls_buf_free(&k[i]);
    }
    ls_arena_free(a);
    ls_batch_free(b);
    fx_close(&f);
}

static void test_open_row_and_values(void **state)
{
    (void)state;
    const char *cols[] = {"day", "q"};
    fx_t f;
    fx_open(&f, k_schema, cols, 2);
    ls_batch_t *b = ls_batch_new(f.table, 0);
    ls_arena_t *a = ls_arena_new(256, 0);
    ls_buf_t first, open;
    const char *v[2];
    add_row(&f, b, "{\"id\":1,\"day\":\"2024-02-29\",\"q\":-7}");
    key_of(&f, b, &first);
    assert_int_equal(ls_table_last_row_values(f.p, b, a, v, &f.err), LS_OK);
    assert_string_equal(v[0], "2024-02-29");
    assert_string_equal(v[1], "-7");
    /* an open row is the last row until it is rolled back */
    const char *row = "{\"id\":2,\"q\":3}";
    assert_int_equal(ls_json_decode_record_open(f.dec, b, row, strlen(row), &f.err), LS_OK);
    key_of(&f, b, &open);
    assert_false(same_key(&first, &open));
    assert_int_equal(ls_table_last_row_values(f.p, b, a, v, &f.err), LS_OK);
    assert_null(v[0]);
    assert_string_equal(v[1], "3");
    ls_batch_row_abort(b);
    assert_int_equal(b->nrows, 1);
    assert_true(ls_table_last_row_key_is(f.p, b, first.data, first.len));
    ls_buf_free(&first);
    ls_buf_free(&open);
    ls_arena_free(a);
    ls_batch_free(b);
    fx_close(&f);
}

static void test_errors(void **state)
{
    (void)state;
    const char *cols[] = {"p"};
    fx_t f;
    fx_open(&f, k_schema, cols, 1);
    ls_batch_t *empty = ls_batch_new(f.table, 0);
    ls_buf_t key;
    ls_buf_init(&key, 1 << 20);
    assert_int_equal(ls_table_last_row_key(f.p, empty, &key), LS_ERR_INVALID_ARG);
    assert_false(ls_table_last_row_key_is(f.p, empty, (const uint8_t *)"", 0));
    const char *v[1];
    ls_arena_t *a = ls_arena_new(256, 0);
    assert_int_equal(ls_table_last_row_values(f.p, empty, a, v, &f.err), LS_ERR_INVALID_ARG);
    /* a batch of the data layout is not a batch of the table */
    ls_batch_t *data = ls_batch_new(ls_table_partitioner_data_layout(f.p), 0);
    assert_int_equal(ls_table_last_row_key(f.p, data, &key), LS_ERR_INVALID_ARG);
    assert_int_equal(ls_table_last_row_values(f.p, data, a, v, &f.err), LS_ERR_INVALID_ARG);
    /* a key past the buffer's cap */
    ls_batch_t *b = ls_batch_new(f.table, 0);
    add_row(&f, b, "{\"id\":1,\"p\":\"a long partition value\"}");
    ls_buf_t small;
    ls_buf_init(&small, 8);
    assert_int_equal(ls_table_last_row_key(f.p, b, &small), LS_ERR_LIMIT);
    ls_buf_free(&small);
    ls_buf_free(&key);
    ls_arena_free(a);
    ls_batch_free(b);
    ls_batch_free(data);
    ls_batch_free(empty);
    fx_close(&f);
}

/* ---------------------------------------------------------------- views */

static void test_view_without_partitions(void **state)
{
    (void)state;
    fx_t f;
    fx_open(&f, k_schema, NULL, 0);
    ls_batch_t *b = ls_batch_new(f.table, 0);
    add_row(&f, b, "{\"id\":1,\"p\":\"x\",\"s\":{\"a\":1},\"arr\":[1,null,3]}");
    add_row(&f, b, "{\"id\":2,\"arr\":[]}");
    ls_column_t cols[16];
    ls_batch_t view;
    ls_table_data_view(f.p, b, &view, cols);
    const ls_layout_t *dl = ls_table_partitioner_data_layout(f.p);
    assert_ptr_equal(view.layout, dl);
    assert_int_equal(view.ncols, dl->nleaves);
    for (size_t i = 0; i < view.ncols; i++) {
        assert_ptr_equal(view.cols[i].leaf, &dl->leaves[i]);
        assert_ptr_equal(view.cols[i].values, b->cols[i].values); /* borrowed, not copied */
    }
    assert_batches_equal(&view, b);
    ls_batch_free(b);
    fx_close(&f);
}

/* Random rows routed as a loader does (one batch per key, decoded straight into it);
 * each batch's view must equal the split's group of the same values. */
static void rand_row(uint64_t *rs, size_t id, char *out, size_t cap)
{
    static const char *ps[] = {"\"a\"", "\"b\"", "\"\"", "null", "\"c/d\"", "\"a\""};
    uint64_t r = ls_test_rand(rs);
    int n = snprintf(out, cap, "{\"id\":%zu,\"p\":%s", id, ps[r % 6]);
    if ((r >> 8) % 4 != 0) {
        n += snprintf(out + n, cap - (size_t)n, ",\"q\":%d", (int)((r >> 12) % 3));
    }
    if ((r >> 16) % 2) {
        n += snprintf(out + n, cap - (size_t)n, ",\"s\":{\"a\":%d,\"b\":\"t%zu\"}",
                      (int)((r >> 20) % 100), id);
    }
    if ((r >> 28) % 3 == 0) {
        n += snprintf(out + n, cap - (size_t)n, ",\"arr\":[%zu,null]", id);
    }
    snprintf(out + n, cap - (size_t)n, "}");
}

static void test_random_route_equals_split(void **state)
{
    (void)state;
    const char *cols[] = {"p", "q"};
    fx_t f;
    fx_open(&f, k_schema, cols, 2);
    uint64_t rs = 42;
    enum { NROWS = 400, MAXG = 32 };
    ls_batch_t *all = ls_batch_new(f.table, 0), *by[MAXG];
    ls_buf_t keys[MAXG];
    size_t ng = 0;
    char row[256];
    for (size_t i = 0; i < NROWS; i++) {
        rand_row(&rs, i, row, sizeof(row));
        add_row(&f, all, row);
        ls_buf_t k;
        key_of(&f, all, &k);
        size_t g = 0;
        while (g < ng && !ls_table_last_row_key_is(f.p, by[g], k.data, k.len)) {
            g++;
        }
        if (g == ng) {
            assert_true(ng < MAXG);
            by[ng] = ls_batch_new(f.table, 0);
            keys[ng++] = k;
        } else {
            ls_buf_free(&k);
        }
        add_row(&f, by[g], row);
    }
    ls_table_split_t *s = NULL;
    assert_int_equal(ls_table_split(f.p, all, 0, &s, &f.err), LS_OK);
    assert_int_equal(s->ngroups, ng); /* first appearance: the same order */
    ls_arena_t *a = ls_arena_new(256, 0);
    for (size_t g = 0; g < ng; g++) {
        ls_column_t vc[16];
        ls_batch_t view;
        ls_table_data_view(f.p, by[g], &view, vc);
        assert_batches_equal(&view, s->groups[g].batch);
        const char *v[2];
        assert_int_equal(ls_table_last_row_values(f.p, by[g], a, v, &f.err), LS_OK);
        for (size_t j = 0; j < 2; j++) {
            if (s->groups[g].values[j] == NULL) {
                assert_null(v[j]);
            } else {
                assert_string_equal(v[j], s->groups[g].values[j]);
            }
        }
        ls_batch_free(by[g]);
        ls_buf_free(&keys[g]);
    }
    ls_arena_free(a);
    ls_table_split_free(s);
    ls_batch_free(all);
    fx_close(&f);
}

static void test_alloc_failures(void **state)
{
    (void)state;
    const char *cols[] = {"p", "q"};
    fx_t f;
    fx_open(&f, k_schema, cols, 2);
    ls_batch_t *b = ls_batch_new(f.table, 0);
    add_row(&f, b, "{\"id\":1,\"p\":\"x\",\"q\":4}");
    bool done = false;
    for (long i = 0; i < 100 && !done; i++) {
        ls_buf_t key;
        ls_buf_init(&key, 1 << 20);
        ls_arena_t *a = ls_arena_new(64, 0);
        const char *v[2];
        ls_alloc_fail_after(i, 1);
        ls_err_t rc = ls_table_last_row_key(f.p, b, &key);
        rc = rc == LS_OK ? ls_table_last_row_values(f.p, b, a, v, &f.err) : rc;
        ls_alloc_fail_after(-1, 0);
        assert_true(rc == LS_OK || rc == LS_ERR_NOMEM);
        done = rc == LS_OK;
        ls_buf_free(&key);
        ls_arena_free(a);
    }
    assert_true(done);
    ls_batch_free(b);
    fx_close(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keys_follow_split_rule),
        cmocka_unit_test(test_key_columns_kept_apart),
        cmocka_unit_test(test_float_keys),
        cmocka_unit_test(test_open_row_and_values),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_view_without_partitions),
        cmocka_unit_test(test_random_route_equals_split),
        cmocka_unit_test(test_alloc_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

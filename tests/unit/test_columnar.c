/*
 * test_columnar.c — Delta types, the canonical level layout, column pushes, row
 * rollback, row slicing and the memory cap.
 */
#include <math.h>
#include <string.h>

#include "lakesink/alloc.h"
#include "lakesink/columnar.h"
#include "lakesink/schema.h"
#include "testutil.h"

/* struct<id: long not null, name: string, tags: array<string>, attrs: map<string, long>,
 *        loc: struct<lat: double, lon: double>> */
static ls_type_t *make_schema(void)
{
    ls_type_t *st = ls_type_new_struct();
    assert_int_equal(ls_type_struct_add(st, "id", ls_type_new(LS_TYPE_LONG), false), LS_OK);
    assert_int_equal(ls_type_struct_add(st, "name", ls_type_new(LS_TYPE_STRING), true), LS_OK);
    assert_int_equal(ls_type_struct_add(st, "tags",
                                        ls_type_new_array(ls_type_new(LS_TYPE_STRING), true), true),
                     LS_OK);
    assert_int_equal(ls_type_struct_add(st, "attrs",
                                        ls_type_new_map(ls_type_new(LS_TYPE_STRING),
                                                        ls_type_new(LS_TYPE_LONG), true),
                                        true),
                     LS_OK);
    ls_type_t *loc = ls_type_new_struct();
    assert_int_equal(ls_type_struct_add(loc, "lat", ls_type_new(LS_TYPE_DOUBLE), true), LS_OK);
    assert_int_equal(ls_type_struct_add(loc, "lon", ls_type_new(LS_TYPE_DOUBLE), true), LS_OK);
    assert_int_equal(ls_type_struct_add(st, "loc", loc, true), LS_OK);
    return st;
}

static void test_type_basics(void **state)
{
    (void)state;
    ls_type_t *st = make_schema();
    assert_int_equal(ls_type_struct_add(st, "id", ls_type_new(LS_TYPE_LONG), true), LS_ERR_EXISTS);
    ls_type_t *c = ls_type_clone(st);
    assert_true(ls_type_equal(st, c));
    c->fields[1].nullable = false;
    assert_false(ls_type_equal(st, c));
    char desc[256];
    ls_type_describe(st, desc, sizeof(desc));
    assert_string_equal(desc, "struct<id:long,name:string,tags:array<string>,attrs:map<string,long>,"
                              "loc:struct<lat:double,lon:double>>");
    assert_null(ls_type_new_decimal(39, 0));
    assert_null(ls_type_new_decimal(5, 6));
    assert_int_equal(ls_type_kind_parse("timestamp_ntz"), LS_TYPE_TIMESTAMP_NTZ);
    assert_int_equal(ls_type_kind_parse("decimal"), -1);
    assert_int_equal(ls_decimal_fixed_width(38), 16);
    assert_int_equal(ls_decimal_fixed_width(19), 9);
    ls_type_free(c);
    ls_type_free(st);
}

static void test_type_json(void **state)
{
    (void)state;
    ls_type_t *st = ls_type_new_struct();
    ls_type_struct_add(st, "a\"b", ls_type_new_decimal(10, 2), false);
    ls_type_struct_add(st, "m", ls_type_new_map(ls_type_new(LS_TYPE_STRING),
                                                ls_type_new_array(ls_type_new(LS_TYPE_DATE), false),
                                                false),
                       true);
    ls_buf_t b;
    ls_buf_init(&b, LS_BUF_UNLIMITED);
    assert_int_equal(ls_type_to_json(st, &b), LS_OK);
    ls_buf_terminate(&b);
    assert_string_equal((char *)b.data,
                        "{\"type\":\"struct\",\"fields\":[{\"name\":\"a\\\"b\",\"type\":\"decimal(10,2)\","
                        "\"nullable\":false,\"metadata\":{}},{\"name\":\"m\",\"type\":{\"type\":\"map\","
                        "\"keyType\":\"string\",\"valueType\":{\"type\":\"array\",\"elementType\":\"date\","
                        "\"containsNull\":false},\"valueContainsNull\":false},\"nullable\":true,"
                        "\"metadata\":{}}]}");
    ls_buf_free(&b);
    ls_type_free(st);
}

static void test_layout_levels(void **state)
{
    (void)state;
    ls_type_t *st = make_schema();
    ls_error_t err;
    ls_layout_t *l = ls_layout_new(st, &err);
    assert_non_null(l);
    assert_int_equal(l->nleaves, 7);
    const char *dotted[] = {"id", "name", "tags.list.element", "attrs.key_value.key",
                            "attrs.key_value.value", "loc.lat", "loc.lon"};
    for (int i = 0; i < 7; i++) {
        assert_string_equal(l->leaves[i].dotted, dotted[i]);
    }
    /* id required: 0/0; name optional: 1/0; tags optional list of optional: 3/1;
     * map key required: 2/1; map value optional: 3/1; loc.lat: 2/0 */
    int defs[] = {0, 1, 3, 2, 3, 2, 2};
    int reps[] = {0, 0, 1, 1, 1, 0, 0};
    for (int i = 0; i < 7; i++) {
        assert_int_equal(l->leaves[i].max_def, defs[i]);
        assert_int_equal(l->leaves[i].max_rep, reps[i]);
    }
    const ls_node_t *tags = ls_layout_field(l, "tags");
    assert_non_null(tags);
    assert_int_equal(tags->def, 1);
    assert_int_equal(tags->entry_def, 2);
    assert_int_equal(tags->entry_rep, 1);
    assert_int_equal(tags->leaf_begin, 2);
    assert_int_equal(tags->leaf_end, 3);
    const ls_node_t *loc = ls_layout_field(l, "loc");
    assert_int_equal(loc->leaf_begin, 5);
    assert_int_equal(loc->leaf_end, 7);
    assert_int_equal(l->leaves[0].store, LS_COL_I64);
    assert_int_equal(l->leaves[1].store, LS_COL_BYTES);
    assert_null(ls_layout_field(l, "nope"));
    ls_layout_free(l);
    ls_type_free(st);
}

/* Row {id:1, name:"a", tags:["x",null], attrs:{}, loc:null} */
static void push_row(ls_batch_t *b, const ls_layout_t *l)
{
    ls_batch_row_begin(b);
    assert_int_equal(ls_col_push_i64(b, &b->cols[0], 1, 0), LS_OK);
    assert_int_equal(ls_col_push_bytes(b, &b->cols[1], "a", 1, 0), LS_OK);
    assert_int_equal(ls_col_push_bytes(b, &b->cols[2], "x", 1, 0), LS_OK);
    assert_int_equal(ls_col_push_null(b, &b->cols[2], 2, 1), LS_OK);
    const ls_node_t *attrs = ls_layout_field(l, "attrs");
    assert_int_equal(ls_batch_push_absent(b, attrs, attrs->def, 0), LS_OK);
    const ls_node_t *loc = ls_layout_field(l, "loc");
    assert_int_equal(ls_batch_push_absent(b, loc, loc->def - 1, 0), LS_OK);
    ls_batch_row_commit(b);
}

static void test_push_abort_equal(void **state)
{
    (void)state;
    ls_type_t *st = make_schema();
    ls_layout_t *l = ls_layout_new(st, NULL);
    ls_batch_t *a = ls_batch_new(l, 0);
    ls_batch_t *b = ls_batch_new(l, 0);
    push_row(a, l);
    push_row(b, l);
    /* a half-written row rolled back leaves the batch as it was */
    ls_batch_row_begin(b);
    assert_int_equal(ls_col_push_i64(b, &b->cols[0], 99, 0), LS_OK);
    assert_int_equal(ls_col_push_bytes(b, &b->cols[1], "zzz", 3, 0), LS_OK);
    ls_batch_row_abort(b);
    char why[256];
    assert_true(ls_batch_equal(a, b, why, sizeof(why)));
    assert_int_equal(a->cols[2].nlevels, 2);
    assert_int_equal(a->cols[2].nvalues, 1);
    assert_int_equal(ls_col_def(&a->cols[2], 1), 2);
    assert_int_equal(ls_col_rep(&a->cols[2], 1), 1);
    assert_int_equal(a->cols[3].nlevels, 1);
    assert_int_equal(ls_col_def(&a->cols[3], 0), 1);
    push_row(b, l);
    assert_false(ls_batch_equal(a, b, why, sizeof(why)));
    assert_non_null(strstr(why, "row count"));
    ls_batch_free(a);
    ls_batch_free(b);
    ls_layout_free(l);
    ls_type_free(st);
}

static void test_append_rows(void **state)
{
    (void)state;
    ls_type_t *st = make_schema();
    ls_layout_t *l = ls_layout_new(st, NULL);
    ls_batch_t *src = ls_batch_new(l, 0);
    for (int i = 0; i < 10; i++) {
        ls_batch_row_begin(src);
        ls_col_push_i64(src, &src->cols[0], i, 0);
        if (i % 3 == 0) {
            ls_col_push_null(src, &src->cols[1], 0, 0);
        } else {
            ls_col_push_bytes(src, &src->cols[1], "name", (size_t)(i % 4), 0);
        }
        const ls_node_t *tags = ls_layout_field(l, "tags");
        for (int k = 0; k < i % 3; k++) {
            ls_col_push_bytes(src, &src->cols[2], "t", 1, k == 0 ? 0 : 1);
        }
        if (i % 3 == 0) {
            ls_batch_push_absent(src, tags, tags->def - 1, 0);
        }
        ls_batch_push_absent(src, ls_layout_field(l, "attrs"), 0, 0);
        ls_batch_push_absent(src, ls_layout_field(l, "loc"), 0, 0);
        ls_batch_row_commit(src);
    }
    ls_batch_t *whole = ls_batch_new(l, 0);
    ls_batch_t *parts = ls_batch_new(l, 0);
    assert_int_equal(ls_batch_append_rows(whole, src, 0, 10), LS_OK);
    assert_int_equal(ls_batch_append_rows(parts, src, 0, 4), LS_OK);
    assert_int_equal(ls_batch_append_rows(parts, src, 4, 0), LS_OK);
    assert_int_equal(ls_batch_append_rows(parts, src, 4, 6), LS_OK);
    char why[256] = "";
    assert_true(ls_batch_equal(src, whole, why, sizeof(why)));
    assert_true(ls_batch_equal(src, parts, why, sizeof(why)));
    ls_batch_t *mid = ls_batch_new(l, 0);
    assert_int_equal(ls_batch_append_rows(mid, src, 5, 2), LS_OK);
    assert_int_equal(mid->nrows, 2);
    assert_int_equal(ls_col_i64(&mid->cols[0], 0), 5);
    assert_int_equal(ls_col_i64(&mid->cols[0], 1), 6);
    assert_int_equal(mid->cols[2].nvalues, 2 + 0); /* row 5: 2 tags, row 6: absent */
    assert_int_equal(ls_batch_append_rows(mid, src, 8, 5), LS_ERR_INVALID_ARG);
    ls_batch_free(mid);
    ls_batch_free(whole);
    ls_batch_free(parts);
    ls_batch_free(src);
    ls_layout_free(l);
    ls_type_free(st);
}

static void test_memory_cap(void **state)
{
    (void)state;
    ls_type_t *st = ls_type_new_struct();
    ls_type_struct_add(st, "s", ls_type_new(LS_TYPE_STRING), true);
    ls_layout_t *l = ls_layout_new(st, NULL);
    ls_batch_t *b = ls_batch_new(l, 4096);
    char big[1000];
    memset(big, 'x', sizeof(big));
    ls_err_t rc = LS_OK;
    int rows = 0;
    while (rc == LS_OK && rows < 100) {
        ls_batch_row_begin(b);
        rc = ls_col_push_bytes(b, &b->cols[0], big, sizeof(big), 0);
        if (rc == LS_OK) {
            ls_batch_row_commit(b);
            rows++;
        } else {
            ls_batch_row_abort(b);
        }
    }
    assert_int_equal(rc, LS_ERR_LIMIT);
    assert_true(rows >= 1 && rows < 5);
    assert_true(ls_batch_bytes(b) <= 4096);
    assert_int_equal(b->cols[0].nvalues, (size_t)rows);
    ls_batch_free(b);
    ls_layout_free(l);
    ls_type_free(st);
}

static void test_fixed_width_and_nomem(void **state)
{
    (void)state;
    ls_type_t *st = ls_type_new_struct();
    ls_type_struct_add(st, "d", ls_type_new_decimal(38, 2), true);
    ls_layout_t *l = ls_layout_new(st, NULL);
    assert_int_equal(l->leaves[0].store, LS_COL_FIXED);
    assert_int_equal(l->leaves[0].width, 16);
    ls_batch_t *b = ls_batch_new(l, 0);
    uint8_t v[16] = {0};
    v[15] = 7;
    assert_int_equal(ls_col_push_bytes(b, &b->cols[0], v, 15, 0), LS_ERR_INVALID_ARG);
    assert_int_equal(ls_col_push_bytes(b, &b->cols[0], v, 16, 0), LS_OK);
    assert_int_equal(ls_col_fixed(&b->cols[0], 0)[15], 7);
    ls_batch_free(b);
    ls_layout_free(l);

    /* every allocation of layout + batch construction failing in turn: no crash, no leak */
    for (long n = 0; n < 40; n++) {
        ls_alloc_fail_after(n, 0);
        ls_layout_t *l2 = ls_layout_new(st, NULL);
        ls_batch_t *b2 = l2 ? ls_batch_new(l2, 0) : NULL;
        if (b2 != NULL) {
            ls_batch_row_begin(b2);
            if (ls_col_push_bytes(b2, &b2->cols[0], v, 16, 0) == LS_OK) {
                ls_batch_row_commit(b2);
            } else {
                ls_batch_row_abort(b2);
            }
        }
        ls_alloc_fail_after(-1, 0);
        ls_batch_free(b2);
        ls_layout_free(l2);
    }
    ls_type_free(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_type_basics),
        cmocka_unit_test(test_type_json),
        cmocka_unit_test(test_layout_levels),
        cmocka_unit_test(test_push_abort_equal),
        cmocka_unit_test(test_append_rows),
        cmocka_unit_test(test_memory_cap),
        cmocka_unit_test(test_fixed_width_and_nomem),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

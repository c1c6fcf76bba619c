/*
 * test_thrift.c — the Thrift compact protocol primitives: varints and zigzag at their
 * boundaries, field headers, containers, skipping, nesting and count limits, malformed
 * and truncated input, writer limits. The Parquet structs are in test_thrift_meta.c.
 */
#include <math.h>
#include <string.h>

#include "lakesink/alloc.h"
#include "testutil.h"
#include "thrift/compact.h"

/* ------------------------------------------------------------------ helpers */

static void assert_bytes(const ls_buf_t *b, const uint8_t *want, size_t n)
{
    assert_int_equal(b->len, n);
    assert_memory_equal(b->data, want, n);
}

/* ------------------------------------------------------------------ primitives */

static void test_varint_known_bytes(void **state)
{
    (void)state;
    ls_buf_t b;
    ls_buf_init(&b, LS_BUF_UNLIMITED);
    ls_thrift_writer_t w;
    ls_thrift_writer_init(&w, &b);
    ls_thrift_write_uvarint(&w, 50399); /* the spec's example */
    const uint8_t want[] = {0xdf, 0x89, 0x03};
    assert_bytes(&b, want, sizeof(want));

    ls_buf_reset(&b);
    ls_thrift_write_i32(&w, -1);
    ls_thrift_write_i32(&w, 1);
    ls_thrift_write_i32(&w, -64);
    ls_thrift_write_i32(&w, 64);
    const uint8_t want2[] = {0x01, 0x02, 0x7f, 0x80, 0x01};
    assert_bytes(&b, want2, sizeof(want2));

    assert_int_equal(ls_thrift_zigzag64(INT64_MIN), UINT64_MAX);
    assert_int_equal(ls_thrift_zigzag64(INT64_MAX), UINT64_MAX - 1);
    assert_int_equal(ls_thrift_unzigzag64(UINT64_MAX), INT64_MIN);
    assert_int_equal(w.rc, LS_OK);
    ls_buf_free(&b);
}

static void test_int_round_trip(void **state)
{
    (void)state;
    static const int64_t vals[] = {
        0,
        1,
        -1,
        63,
        -64,
        64,
        -65,
        127,
        128,
        8191,
        -8192,
        8192,
        INT16_MAX,
        INT16_MIN,
        65535,
        1 << 20,
        -(1 << 20),
        INT32_MAX,
        INT32_MIN,
        (int64_t)INT32_MAX + 1,
        (int64_t)INT32_MIN - 1,
        INT64_C(1) << 62,
        -(INT64_C(1) << 62),
        INT64_MAX,
        INT64_MIN,
    };
    ls_buf_t b;
    ls_buf_init(&b, LS_BUF_UNLIMITED);
    ls_thrift_writer_t w;
    ls_thrift_writer_init(&w, &b);
    size_t n = sizeof(vals) / sizeof(vals[0]);
    for (size_t i = 0; i < n; i++) {
        int64_t v = vals[i];
        if (v >= INT16_MIN && v <= INT16_MAX) {
            ls_thrift_write_i16(&w, (int16_t)v);
        }
        if (v >= INT32_MIN && v <= INT32_MAX) {
            ls_thrift_write_i32(&w, (int32_t)v);
        }
        ls_thrift_write_i64(&w, v);
        ls_thrift_write_i8(&w, (int8_t)v);
        ls_thrift_write_double(&w, (double)v);
        ls_thrift_write_uvarint(&w, (uint64_t)v);
    }
    ls_thrift_write_double(&w, -0.0);
    ls_thrift_write_double(&w, NAN);
    assert_int_equal(w.rc, LS_OK);

    ls_error_t err;
    ls_thrift_reader_t r;
    ls_thrift_reader_init(&r, b.data, b.len, &err);
    for (size_t i = 0; i < n; i++) {
        int64_t v = vals[i];
        if (v >= INT16_MIN && v <= INT16_MAX) {
            assert_int_equal(ls_thrift_read_i16(&r), v);
        }
        if (v >= INT32_MIN && v <= INT32_MAX) {
            assert_int_equal(ls_thrift_read_i32(&r), v);
        }
        assert_int_equal(ls_thrift_read_i64(&r), v);
        assert_int_equal(ls_thrift_read_i8(&r), (int8_t)v);
        assert_true(ls_thrift_read_double(&r) == (double)v);
        assert_int_equal(ls_thrift_read_uvarint(&r), (uint64_t)v);
    }
    double z = ls_thrift_read_double(&r);
    assert_true(z == 0.0 && signbit(z));
    assert_true(isnan(ls_thrift_read_double(&r)));
    assert_int_equal(r.rc, LS_OK);
    assert_int_equal(ls_thrift_reader_left(&r), 0);
    ls_buf_free(&b);
}

static void test_int_out_of_range(void **state)
{
    (void)state;
    ls_error_t err;
    ls_thrift_reader_t r;
    /* zigzag(2^31) does not fit an i32 */
    const uint8_t big[] = {0x80, 0x80, 0x80, 0x80, 0x10};
    ls_thrift_reader_init(&r, big, sizeof(big), &err);
    assert_int_equal(ls_thrift_read_i32(&r), 0);
    assert_int_equal(r.rc, LS_ERR_CORRUPT);
    assert_non_null(strstr(err.msg, "at byte 0"));

    const uint8_t i16[] = {0x80, 0x80, 0x04}; /* 65536 */
    ls_thrift_reader_init(&r, i16, sizeof(i16), &err);
    ls_thrift_read_i16(&r);
    assert_int_equal(r.rc, LS_ERR_CORRUPT);

    /* 11-byte varint and a 10th byte above 1 */
    const uint8_t overlong[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
    ls_thrift_reader_init(&r, overlong, sizeof(overlong), &err);
    ls_thrift_read_uvarint(&r);
    assert_int_equal(r.rc, LS_ERR_CORRUPT);
    const uint8_t max64[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
    ls_thrift_reader_init(&r, max64, sizeof(max64), &err);
    assert_int_equal(ls_thrift_read_uvarint(&r), UINT64_MAX);
    assert_int_equal(r.rc, LS_OK);
    const uint8_t over64[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02};
    ls_thrift_reader_init(&r, over64, sizeof(over64), &err);
    ls_thrift_read_uvarint(&r);
    assert_int_equal(r.rc, LS_ERR_CORRUPT);
}

static void test_truncated_primitives(void **state)
{
    (void)state;
    ls_error_t err;
    ls_thrift_reader_t r;
    const uint8_t cont[] = {0x80, 0x80};
    ls_thrift_reader_init(&r, cont, sizeof(cont), &err);
    assert_int_equal(ls_thrift_read_i64(&r), 0);
    assert_int_equal(r.rc, LS_ERR_CORRUPT);
    assert_non_null(strstr(err.msg, "varint"));
    /* sticky: later reads return zero and do not move */
    assert_int_equal(ls_thrift_read_i8(&r), 0);
    uint32_t len = 99;
    assert_null(ls_thrift_read_binary(&r, &len));
    assert_int_equal(len, 0);

    const uint8_t dbl[] = {1, 2, 3, 4, 5, 6, 7};
    ls_thrift_reader_init(&r, dbl, sizeof(dbl), &err);
    ls_thrift_read_double(&r);
    assert_int_equal(r.rc, LS_ERR_CORRUPT);

    const uint8_t bin[] = {0x05, 'a', 'b', 'c'};
    ls_thrift_reader_init(&r, bin, sizeof(bin), &err);
    assert_null(ls_thrift_read_binary(&r, &len));
    assert_int_equal(r.rc, LS_ERR_CORRUPT);
    assert_non_null(strstr(err.msg, "binary of 5 bytes"));

    ls_thrift_reader_init(&r, NULL, 0, &err);
    ls_thrift_read_i8(&r);
    assert_int_equal(r.rc, LS_ERR_CORRUPT);
}

static void test_binary_and_bool_elements(void **state)
{
    (void)state;
    ls_buf_t b;
    ls_buf_init(&b, LS_BUF_UNLIMITED);
    ls_thrift_writer_t w;
    ls_thrift_writer_init(&w, &b);
    ls_thrift_write_binary(&w, "", 0);
    ls_thrift_write_string(&w, "hello");
    ls_thrift_write_binary(&w, "a\0b", 3);
    ls_thrift_write_bool(&w, true);
    ls_thrift_write_bool(&w, false);
    ls_thrift_write_i8(&w, 0); /* some writers use 0 for false */
    assert_int_equal(w.rc, LS_OK);
    ls_thrift_write_string(&w, NULL);
    assert_int_equal(w.rc, LS_ERR_INVALID_ARG);

    ls_thrift_reader_t r;
    ls_thrift_reader_init(&r, b.data, b.len, NULL);
    uint32_t len;
    assert_non_null(ls_thrift_read_binary(&r, &len));
    assert_int_equal(len, 0);
    const uint8_t *p = ls_thrift_read_binary(&r, &len);
    assert_int_equal(len, 5);
    assert_memory_equal(p, "hello", 5);
    p = ls_thrift_read_binary(&r, &len);
    assert_int_equal(len, 3);
    assert_memory_equal(p, "a\0b", 3);
    assert_true(ls_thrift_read_bool(&r));
    assert_false(ls_thrift_read_bool(&r));
    assert_false(ls_thrift_read_bool(&r));
    assert_int_equal(r.rc, LS_OK);
    assert_int_equal(ls_thrift_reader_left(&r), 0);
    ls_buf_free(&b);
}

static void test_field_headers(void **state)
{
    (void)state;
    ls_buf_t b;
    ls_buf_init(&b, LS_BUF_UNLIMITED);
    ls_thrift_writer_t w;
    ls_thrift_writer_init(&w, &b);
    ls_thrift_write_struct_begin(&w);
    ls_thrift_write_i32_field(&w, 1, 7);       /* short form, delta 1 */
    ls_thrift_write_bool_field(&w, 16, true);  /* delta 15: still short */
    ls_thrift_write_bool_field(&w, 40, false); /* delta 24: long form */
    ls_thrift_write_field(&w, LS_THRIFT_STRUCT, 41);
    ls_thrift_write_struct_begin(&w); /* nested struct restarts at 0 */
    ls_thrift_write_i64_field(&w, 2, -5);
    ls_thrift_write_struct_end(&w);
    ls_thrift_write_i32_field(&w, 42, 9); /* delta from 41 in the outer struct */
    ls_thrift_write_i32_field(&w, 3, 1);  /* decreasing: long form */
    ls_thrift_write_i32_field(&w, -2, 2); /* negative id: long form */
    ls_thrift_write_struct_end(&w);
    assert_int_equal(w.rc, LS_OK);
    const uint8_t want[] = {
        0x15, 0x0e,             /* 1: i32 7 */
        0xf1,                   /* 16: true */
        0x02, 0x50,             /* 40: false, long form (zigzag 40 = 80) */
        0x1c, 0x26, 0x09, 0x00, /* 41: struct { 2: i64 -5 } */
        0x15, 0x12,             /* 42: i32 9 */
        0x05, 0x06, 0x02,       /* 3: i32 1 */
        0x05, 0x03, 0x04,       /* -2: i32 2 */
        0x00,
    };
    assert_bytes(&b, want, sizeof(want));

    ls_thrift_reader_t r;
    ls_thrift_field_t f;
    ls_thrift_reader_init(&r, b.data, b.len, NULL);
    assert_true(ls_thrift_read_struct_begin(&r));
    assert_true(ls_thrift_read_field(&r, &f));
    assert_int_equal(f.id, 1);
    assert_int_equal(f.type, LS_THRIFT_I32);
    assert_int_equal(ls_thrift_read_i32(&r), 7);
    assert_true(ls_thrift_read_field(&r, &f));
    assert_int_equal(f.id, 16);
    assert_int_equal(f.type, LS_THRIFT_BOOL);
    assert_true(f.bool_value);
    assert_true(ls_thrift_read_field(&r, &f));
    assert_int_equal(f.id, 40);
    assert_false(f.bool_value);
    assert_true(ls_thrift_read_field(&r, &f));
    assert_int_equal(f.id, 41);
    assert_true(ls_thrift_read_struct_begin(&r));
    assert_true(ls_thrift_read_field(&r, &f));
    assert_int_equal(f.id, 2);
    assert_int_equal(ls_thrift_read_i64(&r), -5);
    assert_false(ls_thrift_read_field(&r, &f));
    ls_thrift_read_struct_end(&r);
    int16_t ids[] = {42, 3, -2};
    for (int i = 0; i < 3; i++) {
        assert_true(ls_thrift_read_field(&r, &f));
        assert_int_equal(f.id, ids[i]);
        ls_thrift_skip_field(&r, &f);
    }
    assert_false(ls_thrift_read_field(&r, &f));
    assert_int_equal(r.rc, LS_OK);
    ls_thrift_read_struct_end(&r);
    ls_buf_free(&b);
}

static void test_lists_and_maps(void **state)
{
    (void)state;
    ls_buf_t b;
    ls_buf_init(&b, LS_BUF_UNLIMITED);
    ls_thrift_writer_t w;
    ls_thrift_writer_init(&w, &b);
    uint32_t sizes[] = {0, 1, 14, 15, 16, 1000};
    for (int i = 0; i < 6; i++) {
        ls_thrift_write_list_begin(&w, LS_THRIFT_I32, sizes[i]);
        for (uint32_t j = 0; j < sizes[i]; j++) {
            ls_thrift_write_i32(&w, (int32_t)j - 500);
        }
    }
    ls_thrift_write_list_begin(&w, LS_THRIFT_BOOL, 2); /* list<bool> */
    ls_thrift_write_bool(&w, true);
    ls_thrift_write_bool(&w, false);
    ls_thrift_write_map_begin(&w, LS_THRIFT_BINARY, LS_THRIFT_I64, 0);
    ls_thrift_write_map_begin(&w, LS_THRIFT_BINARY, LS_THRIFT_I64, 2);
    ls_thrift_write_string(&w, "a");
    ls_thrift_write_i64(&w, 1);
    ls_thrift_write_string(&w, "b");
    ls_thrift_write_i64(&w, -1);
    assert_int_equal(w.rc, LS_OK);
    assert_int_equal(b.data[0], 0x05); /* empty list: size 0, elem i32 */
    assert_int_equal(b.data[1], 0x15);

    ls_thrift_reader_t r;
    ls_thrift_type_t et, kt, vt;
    ls_thrift_reader_init(&r, b.data, b.len, NULL);
    for (int i = 0; i < 6; i++) {
        assert_int_equal(ls_thrift_read_list_begin(&r, &et, 0), sizes[i]);
        for (uint32_t j = 0; j < sizes[i]; j++) {
            assert_int_equal(ls_thrift_read_i32(&r), (int32_t)j - 500);
        }
    }
    assert_int_equal(ls_thrift_read_list_begin(&r, &et, 0), 2);
    assert_int_equal(et, LS_THRIFT_BOOL);
    assert_true(ls_thrift_read_bool(&r));
    assert_false(ls_thrift_read_bool(&r));
    assert_int_equal(ls_thrift_read_map_begin(&r, &kt, &vt), 0);
    assert_int_equal(ls_thrift_read_map_begin(&r, &kt, &vt), 2);
    assert_int_equal(kt, LS_THRIFT_BINARY);
    assert_int_equal(vt, LS_THRIFT_I64);
    uint32_t len;
    ls_thrift_read_binary(&r, &len);
    assert_int_equal(ls_thrift_read_i64(&r), 1);
    ls_thrift_read_binary(&r, &len);
    assert_int_equal(ls_thrift_read_i64(&r), -1);
    assert_int_equal(r.rc, LS_OK);
    assert_int_equal(ls_thrift_reader_left(&r), 0);

    /* list<bool> tagged with 2 (the original spec) reads as BOOL too */
    const uint8_t tagged2[] = {0x12, 0x01};
    ls_thrift_reader_init(&r, tagged2, sizeof(tagged2), NULL);
    assert_int_equal(ls_thrift_read_list_begin(&r, &et, 0), 1);
    assert_int_equal(et, LS_THRIFT_BOOL);
    ls_buf_free(&b);
}

static void test_container_counts_bounded(void **state)
{
    (void)state;
    ls_error_t err;
    ls_thrift_reader_t r;
    ls_thrift_type_t et, kt, vt;
    /* 2^31-1 i32 elements announced, 3 bytes present */
    const uint8_t huge[] = {0xf5, 0xff, 0xff, 0xff, 0xff, 0x07, 0, 0, 0};
    ls_thrift_reader_init(&r, huge, sizeof(huge), &err);
    assert_int_equal(ls_thrift_read_list_begin(&r, &et, 0), 0);
    assert_int_equal(r.rc, LS_ERR_CORRUPT);
    assert_non_null(strstr(err.msg, "cannot fit"));
    /* 3 doubles need 24 bytes */
    const uint8_t dbl[] = {0x37, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    ls_thrift_reader_init(&r, dbl, sizeof(dbl), &err);
    assert_int_equal(ls_thrift_read_list_begin(&r, &et, 0), 0);
    assert_int_equal(r.rc, LS_ERR_CORRUPT);
    /* caller's minimum element size counts too */
    const uint8_t structs[] = {0x3c, 0, 0, 0};
    ls_thrift_reader_init(&r, structs, sizeof(structs), &err);
    assert_int_equal(ls_thrift_read_list_begin(&r, &et, 1), 3);
    ls_thrift_reader_init(&r, structs, sizeof(structs), &err);
    assert_int_equal(ls_thrift_read_list_begin(&r, &et, 2), 0);
    assert_int_equal(r.rc, LS_ERR_CORRUPT);
    /* invalid element type */
    const uint8_t badtype[] = {0x1e, 0};
    ls_thrift_reader_init(&r, badtype, sizeof(badtype), &err);
    assert_int_equal(ls_thrift_read_list_begin(&r, &et, 0), 0);
    assert_int_equal(r.rc, LS_ERR_CORRUPT);
    /* map with 100 entries of (i8, i8) in 10 bytes */
    const uint8_t map[] = {0x64, 0x33, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    ls_thrift_reader_init(&r, map, sizeof(map), &err);
    assert_int_equal(ls_thrift_read_map_begin(&r, &kt, &vt), 0);
    assert_int_equal(r.rc, LS_ERR_CORRUPT);
    const uint8_t badmap[] = {0x01, 0x0f, 0, 0};
    ls_thrift_reader_init(&r, badmap, sizeof(badmap), &err);
    assert_int_equal(ls_thrift_read_map_begin(&r, &kt, &vt), 0);
    assert_int_equal(r.rc, LS_ERR_CORRUPT);
}

/* A struct holding one field of every wire type, nested containers included. */
static void write_everything(ls_thrift_writer_t *w)
{
    ls_thrift_write_struct_begin(w);
    ls_thrift_write_bool_field(w, 1, true);
    ls_thrift_write_field(w, LS_THRIFT_I8, 2);
    ls_thrift_write_i8(w, -3);
    ls_thrift_write_field(w, LS_THRIFT_I16, 3);
    ls_thrift_write_i16(w, -300);
    ls_thrift_write_i32_field(w, 4, 70000);
    ls_thrift_write_i64_field(w, 5, INT64_MIN);
    ls_thrift_write_field(w, LS_THRIFT_DOUBLE, 6);
    ls_thrift_write_double(w, 2.5);
    ls_thrift_write_string_field(w, 7, "str");
    ls_thrift_write_field(w, LS_THRIFT_LIST, 8);
    ls_thrift_write_list_begin(w, LS_THRIFT_LIST, 2); /* list<list<bool>> */
    ls_thrift_write_list_begin(w, LS_THRIFT_BOOL, 1);
    ls_thrift_write_bool(w, false);
    ls_thrift_write_list_begin(w, LS_THRIFT_BOOL, 0);
    ls_thrift_write_field(w, LS_THRIFT_SET, 9);
    ls_thrift_write_list_begin(w, LS_THRIFT_DOUBLE, 1);
    ls_thrift_write_double(w, 1.0);
    ls_thrift_write_field(w, LS_THRIFT_MAP, 10);
    ls_thrift_write_map_begin(w, LS_THRIFT_BINARY, LS_THRIFT_STRUCT, 1);
    ls_thrift_write_string(w, "k");
    ls_thrift_write_struct_begin(w);
    ls_thrift_write_bool_field(w, 1, false);
    ls_thrift_write_struct_end(w);
    ls_thrift_write_field(w, LS_THRIFT_UUID, 11);
    ls_thrift_write_binary(w, NULL, 0);
    ls_thrift_write_struct_end(w);
}

static void test_skip_every_type(void **state)
{
    (void)state;
    ls_buf_t b;
    ls_buf_init(&b, LS_BUF_UNLIMITED);
    ls_thrift_writer_t w;
    ls_thrift_writer_init(&w, &b);
    ls_thrift_write_struct_begin(&w);
    ls_thrift_write_field(&w, LS_THRIFT_STRUCT, 1);
    write_everything(&w);
    ls_thrift_write_i32_field(&w, 2, 12345);
    ls_thrift_write_struct_end(&w);
    assert_int_equal(w.rc, LS_OK);
    /* the UUID field above was written as an empty binary (1 byte); patch in 16 bytes */
    uint8_t uuid[16] = {0};
    size_t at = 0;
    for (size_t i = 0; i + 2 < b.len; i++) {
        if (b.data[i] == 0x1d && b.data[i + 1] == 0x00 && b.data[i + 2] == 0x00) {
            at = i + 1;
        }
    }
    assert_true(at > 0);
    ls_buf_t c;
    ls_buf_init(&c, LS_BUF_UNLIMITED);
    assert_int_equal(ls_buf_append(&c, b.data, at), LS_OK);
    assert_int_equal(ls_buf_append(&c, uuid, sizeof(uuid)), LS_OK);
    assert_int_equal(ls_buf_append(&c, b.data + at + 1, b.len - at - 1), LS_OK);

    ls_thrift_reader_t r;
    ls_thrift_field_t f;
    ls_thrift_reader_init(&r, c.data, c.len, NULL);
    assert_true(ls_thrift_read_struct_begin(&r));
    assert_true(ls_thrift_read_field(&r, &f));
    ls_thrift_skip_field(&r, &f);
    assert_int_equal(r.rc, LS_OK);
    assert_true(ls_thrift_read_field(&r, &f));
    assert_int_equal(f.id, 2);
    assert_int_equal(ls_thrift_read_i32(&r), 12345);
    assert_false(ls_thrift_read_field(&r, &f));
    assert_int_equal(r.rc, LS_OK);
    assert_int_equal(ls_thrift_reader_left(&r), 0);
    ls_buf_free(&b);
    ls_buf_free(&c);
}

static void test_nesting_limit(void **state)
{
    (void)state;
    uint8_t deep[3 * 200];
    ls_error_t err;
    ls_thrift_reader_t r;
    /* 200 nested structs: each is "field 1, type struct" */
    memset(deep, 0x1c, sizeof(deep));
    ls_thrift_reader_init(&r, deep, sizeof(deep), &err);
    ls_thrift_skip(&r, LS_THRIFT_STRUCT);
    assert_int_equal(r.rc, LS_ERR_CORRUPT);
    assert_non_null(strstr(err.msg, "nesting"));
    /* 200 nested lists of one list */
    memset(deep, 0x19, sizeof(deep));
    ls_thrift_reader_init(&r, deep, sizeof(deep), &err);
    ls_thrift_skip(&r, LS_THRIFT_LIST);
    assert_int_equal(r.rc, LS_ERR_CORRUPT);
    /* 200 nested maps of one map->map entry */
    for (size_t i = 0; i + 1 < sizeof(deep); i += 2) {
        deep[i] = 0x01;
        deep[i + 1] = 0xbb;
    }
    ls_thrift_reader_init(&r, deep, sizeof(deep), &err);
    ls_thrift_skip(&r, LS_THRIFT_MAP);
    assert_int_equal(r.rc, LS_ERR_CORRUPT);
    /* 60 levels are fine */
    uint8_t ok[61];
    memset(ok, 0x1c, 60);
    ok[60] = 0;
    uint8_t okfull[61 + 60];
    memcpy(okfull, ok, 61);
    memset(okfull + 61, 0, 60);
    ls_thrift_reader_init(&r, okfull, sizeof(okfull), &err);
    ls_thrift_skip(&r, LS_THRIFT_STRUCT);
    assert_int_equal(r.rc, LS_OK);
    assert_int_equal(ls_thrift_reader_left(&r), 0);
}

static void test_bad_field_headers(void **state)
{
    (void)state;
    ls_error_t err;
    ls_thrift_reader_t r;
    ls_thrift_field_t f;
    const uint8_t badtype[] = {0x1e};
    ls_thrift_reader_init(&r, badtype, sizeof(badtype), &err);
    ls_thrift_read_struct_begin(&r);
    assert_false(ls_thrift_read_field(&r, &f));
    assert_int_equal(r.rc, LS_ERR_CORRUPT);
    assert_non_null(strstr(err.msg, "invalid field type 14"));
    /* delta overflowing i16: long form 32767 then delta 15 */
    const uint8_t overflow[] = {0x05, 0xfe, 0xff, 0x03, 0x00, 0xf5, 0x00};
    ls_thrift_reader_init(&r, overflow, sizeof(overflow), &err);
    ls_thrift_read_struct_begin(&r);
    assert_true(ls_thrift_read_field(&r, &f));
    assert_int_equal(f.id, 32767);
    ls_thrift_skip_field(&r, &f);
    assert_false(ls_thrift_read_field(&r, &f));
    assert_int_equal(r.rc, LS_ERR_CORRUPT);
    /* end of input where a field header should be */
    ls_thrift_reader_init(&r, badtype, 0, &err);
    ls_thrift_read_struct_begin(&r);
    assert_false(ls_thrift_read_field(&r, &f));
    assert_int_equal(r.rc, LS_ERR_CORRUPT);
}

static void test_writer_limit(void **state)
{
    (void)state;
    ls_buf_t b;
    ls_buf_init(&b, 4);
    ls_thrift_writer_t w;
    ls_thrift_writer_init(&w, &b);
    ls_thrift_write_string(&w, "abc");
    assert_int_equal(w.rc, LS_OK);
    ls_thrift_write_string(&w, "abc");
    assert_int_equal(w.rc, LS_ERR_LIMIT);
    size_t len = b.len;
    ls_thrift_write_i64(&w, 1); /* sticky: nothing more is written */
    assert_int_equal(b.len, len);
    ls_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_varint_known_bytes),
        cmocka_unit_test(test_int_round_trip),
        cmocka_unit_test(test_int_out_of_range),
        cmocka_unit_test(test_truncated_primitives),
        cmocka_unit_test(test_binary_and_bool_elements),
        cmocka_unit_test(test_field_headers),
        cmocka_unit_test(test_lists_and_maps),
        cmocka_unit_test(test_container_counts_bounded),
        cmocka_unit_test(test_skip_every_type),
        cmocka_unit_test(test_nesting_limit),
        cmocka_unit_test(test_bad_field_headers),
        cmocka_unit_test(test_writer_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_table_partition.c — partition values (text form of every type, round trips, the
 * forms Spark writes, null and empty), Hive escaping of every special character,
 * partition directories and their parsing, the URI-encoded add path (the PROTOCOL
 * example), path safety, UUIDs and data file names.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "lakesink/alloc.h"
#include "lakesink/arena.h"
#include "lakesink/table.h"
#include "testutil.h"

/* ---------------------------------------------------------------- helpers */

static char g_txt[256];

/* Text form of @p v; "<null>" for null. */
static const char *fmt(const ls_type_t *t, const ls_table_value_t *v)
{
    ls_buf_t b;
    ls_error_t err;
    bool is_null = false;
    ls_buf_init(&b, LS_BUF_UNLIMITED);
    assert_int_equal(ls_table_partition_format(t, v, &b, &is_null, &err), LS_OK);
    if (is_null) {
        assert_int_equal(b.len, 0);
        snprintf(g_txt, sizeof(g_txt), "<null>");
    } else {
        snprintf(g_txt, sizeof(g_txt), "%.*s", (int)b.len, b.data ? (const char *)b.data : "");
    }
    ls_buf_free(&b);
    return g_txt;
}

static ls_table_value_t val_i32(int32_t x)
{
    ls_table_value_t v;
    memset(&v, 0, sizeof(v));
    v.u.i32 = x;
    return v;
}

static ls_table_value_t val_i64(int64_t x)
{
    ls_table_value_t v;
    memset(&v, 0, sizeof(v));
    v.u.i64 = x;
    return v;
}

static ls_table_value_t val_str(const char *s)
{
    ls_table_value_t v;
    memset(&v, 0, sizeof(v));
    v.bytes = (const uint8_t *)s;
    v.len = strlen(s);
    return v;
}

static ls_table_value_t parse_ok(const ls_type_t *t, const char *s)
{
    ls_table_value_t v;
    ls_error_t err;
    if (ls_table_partition_parse(t, s, s ? strlen(s) : 0, &v, &err) != LS_OK) {
        fail_msg("parse \"%s\": %s", s, err.msg);
    }
    return v;
}

static void parse_bad(const ls_type_t *t, const char *s)
{
    ls_table_value_t v;
    ls_error_t err;
    ls_err_t rc = ls_table_partition_parse(t, s, strlen(s), &v, &err);
    if (rc != LS_ERR_PARSE) {
        fail_msg("\"%s\" parsed (rc %d)", s, rc);
    }
    assert_non_null(strstr(err.msg, "is not a valid"));
}

/* Format, parse back and format again: the same text. */
static void round_trip(const ls_type_t *t, const ls_table_value_t *v, const char *want)
{
    char first[256];
    snprintf(first, sizeof(first), "%s", fmt(t, v));
    assert_string_equal(first, want);
    ls_table_value_t back = parse_ok(t, first);
    assert_string_equal(fmt(t, &back), want);
}

/* ---------------------------------------------------------------- values */

static void test_integers_and_booleans(void **state)
{
    (void)state;
    ls_type_t *by = ls_type_new(LS_TYPE_BYTE), *sh = ls_type_new(LS_TYPE_SHORT);
    ls_type_t *in = ls_type_new(LS_TYPE_INTEGER), *lo = ls_type_new(LS_TYPE_LONG);
    ls_type_t *bo = ls_type_new(LS_TYPE_BOOLEAN);
    ls_table_value_t v = val_i32(-128);
    round_trip(by, &v, "-128");
    v = val_i32(32767);
    round_trip(sh, &v, "32767");
    v = val_i32(INT32_MIN);
    round_trip(in, &v, "-2147483648");
    v = val_i64(INT64_MIN);
    round_trip(lo, &v, "-9223372036854775808");
    v = val_i64(INT64_MAX);
    round_trip(lo, &v, "9223372036854775807");
    v = val_i32(0);
    v.u.b = true;
    round_trip(bo, &v, "true");
    v.u.b = false;
    round_trip(bo, &v, "false");
    assert_int_equal(parse_ok(in, "+42").u.i32, 42);
    assert_true(parse_ok(bo, "TRUE").u.b);
    parse_bad(by, "128");
    parse_bad(by, "-129");
    parse_bad(sh, "40000");
    parse_bad(in, "2147483648");
    parse_bad(lo, "9223372036854775808");
    parse_bad(in, "1.0");
    parse_bad(in, " 1");
    parse_bad(in, "-");
    parse_bad(in, "0x10");
    parse_bad(bo, "yes");
    ls_type_free(by), ls_type_free(sh), ls_type_free(in), ls_type_free(lo), ls_type_free(bo);
}

static void test_floats(void **state)
{
    (void)state;
    ls_type_t *f = ls_type_new(LS_TYPE_FLOAT), *d = ls_type_new(LS_TYPE_DOUBLE);
    ls_table_value_t v;
    memset(&v, 0, sizeof(v));
    v.u.f32 = 3.14f;
    round_trip(f, &v, "3.14");
    v.u.f32 = 2.0f;
    round_trip(f, &v, "2.0");
    v.u.f32 = NAN;
    round_trip(f, &v, "NaN");
    v.u.f32 = -INFINITY;
    round_trip(f, &v, "-Infinity");
    v.u.f64 = 0.1;
    round_trip(d, &v, "0.1");
    v.u.f64 = -0.0;
    round_trip(d, &v, "-0.0");
    v.u.f64 = 1e300;
    round_trip(d, &v, "1e+300");
    v.u.f64 = 123456789012.5;
    round_trip(d, &v, "123456789012.5");
    v.u.f64 = 5e-324;
    round_trip(d, &v, "5e-324");
    v.u.f64 = INFINITY;
    round_trip(d, &v, "Infinity");
    /* what Java writes */
    assert_true(parse_ok(d, "1.0E20").u.f64 == 1e20);
    assert_true(parse_ok(d, ".5").u.f64 == 0.5);
    assert_true(isnan(parse_ok(d, "nan").u.f64));
    parse_bad(d, "1.2.3");
    parse_bad(d, "e5");
    parse_bad(d, "1e");
    parse_bad(d, "0x1p3");
    parse_bad(d, "-NaN");
    ls_type_free(f), ls_type_free(d);
}

static void test_decimals(void **state)
{
    (void)state;
    ls_type_t *d5 = ls_type_new_decimal(5, 2), *d18 = ls_type_new_decimal(18, 4);
    ls_type_t *d38 = ls_type_new_decimal(38, 10), *d3 = ls_type_new_decimal(3, 0);
    ls_table_value_t v = val_i32(-1234);
    round_trip(d5, &v, "-12.34");
    v = val_i32(5);
    round_trip(d5, &v, "0.05");
    v = val_i64(INT64_C(999999999999999999));
    round_trip(d18, &v, "99999999999999.9999");
    v = parse_ok(d38, "-1234567890123456789012345678.0123456789");
    assert_int_equal(v.len, 16);
    round_trip(d38, &v, "-1234567890123456789012345678.0123456789");
    v = parse_ok(d38, "9999999999999999999999999999.9999999999");
    round_trip(d38, &v, "9999999999999999999999999999.9999999999");
    /* other spellings of the same value */
    assert_int_equal(parse_ok(d5, "1.2").u.i32, 120);
    assert_int_equal(parse_ok(d5, "1.200").u.i32, 120);
    assert_int_equal(parse_ok(d5, "12E-1").u.i32, 120);
    assert_int_equal(parse_ok(d5, "+0.10e1").u.i32, 100);
    assert_int_equal(parse_ok(d3, "1E+2").u.i32, 100);
    assert_int_equal(parse_ok(d5, "-0").u.i32, 0);
    parse_bad(d5, "1.234"); /* more digits than the scale */
    parse_bad(d5, "1000");  /* precision */
    parse_bad(d38, "1e40");
    parse_bad(d5, ".");
    parse_bad(d5, "1..2");
    parse_bad(d5, "1e");
    ls_type_free(d5), ls_type_free(d18), ls_type_free(d38), ls_type_free(d3);
}

static void test_dates_and_timestamps(void **state)
{
    (void)state;
    ls_type_t *dt = ls_type_new(LS_TYPE_DATE), *ts = ls_type_new(LS_TYPE_TIMESTAMP);
    ls_type_t *nz = ls_type_new(LS_TYPE_TIMESTAMP_NTZ);
    ls_table_value_t v = val_i32(0);
    round_trip(dt, &v, "1970-01-01");
    v = val_i32(-719162);
    round_trip(dt, &v, "0001-01-01");
    v = val_i32(2932896);
    round_trip(dt, &v, "9999-12-31");
    v = val_i32(2932897);
    round_trip(dt, &v, "+10000-01-01");
    v = val_i32(-719893);
    round_trip(dt, &v, "-0001-01-01");
    v = val_i32(INT32_MIN);
    round_trip(dt, &v, "-5877641-06-23");
    v = val_i32(INT32_MAX);
    round_trip(dt, &v, "+5881580-07-11");
    parse_bad(dt, "+5881580-07-12");
    assert_int_equal(parse_ok(dt, "2024-2-9").u.i32, 19762);
    parse_bad(dt, "2023-02-29");
    parse_bad(dt, "2024-13-01");
    parse_bad(dt, "24-01-01");
    parse_bad(dt, "2024-01-01x");

    v = val_i64(INT64_C(1631099471000000)); /* 2021-09-08 11:11:11 UTC */
    round_trip(ts, &v, "2021-09-08T11:11:11.000000Z");
    v = val_i64(-1);
    round_trip(ts, &v, "1969-12-31T23:59:59.999999Z");
    round_trip(nz, &v, "1969-12-31 23:59:59.999999");
    v = val_i64(INT64_MIN);
    round_trip(ts, &v, "-290308-12-21T19:59:05.224192Z");
    v = val_i64(INT64_MAX);
    round_trip(ts, &v, "+294247-01-10T04:00:54.775807Z");
    /* what Spark and other writers put in partitionValues */
    assert_true(parse_ok(ts, "2021-09-08 11:11:11").u.i64 == INT64_C(1631099471000000));
    assert_true(parse_ok(ts, "2021-09-08 11:11:11.5").u.i64 == INT64_C(1631099471500000));
    assert_true(parse_ok(ts, "2021-09-08T11:11:11.123456789Z").u.i64 == INT64_C(1631099471123456));
    assert_true(parse_ok(ts, "2021-09-08T13:11:11+02:00").u.i64 == INT64_C(1631099471000000));
    assert_true(parse_ok(ts, "2021-09-08T06:11:11-0500").u.i64 == INT64_C(1631099471000000));
    assert_true(parse_ok(ts, "2021-9-8 11:11").u.i64 == INT64_C(1631099460000000));
    assert_true(parse_ok(ts, "2021-09-08").u.i64 == INT64_C(1631059200000000));
    assert_true(parse_ok(nz, "2021-09-08T11:11:11").u.i64 == INT64_C(1631099471000000));
    parse_bad(nz, "2021-09-08 11:11:11Z");
    parse_bad(ts, "2021-09-08 24:00:00");
    parse_bad(ts, "2021-09-08 11:60:00");
    parse_bad(ts, "2021-09-08 11:11:11.");
    parse_bad(ts, "2021-09-08 11:11:11 UTC");
    parse_bad(ts, "2021-09-08X11:11:11");
    parse_bad(ts, "9999999-01-01 00:00:00");
    parse_bad(ts, "+294247-01-10T04:00:54.775808Z"); /* one past INT64_MAX */
    ls_type_free(dt), ls_type_free(ts), ls_type_free(nz);
}

static void test_strings_nulls_unsupported(void **state)
{
    (void)state;
    ls_type_t *s = ls_type_new(LS_TYPE_STRING), *b = ls_type_new(LS_TYPE_BINARY);
    ls_type_t *arr = ls_type_new_array(ls_type_new(LS_TYPE_LONG), true);
    ls_type_t *in = ls_type_new(LS_TYPE_INTEGER);
    ls_table_value_t v = val_str("a b/c=d:e%f");
    round_trip(s, &v, "a b/c=d:e%f");
    v = val_str("");
    assert_string_equal(fmt(s, &v), "<null>"); /* empty is null in Delta */
    v.is_null = true;
    assert_string_equal(fmt(in, &v), "<null>");
    v = val_str("\xC3\xA9t\xC3\xA9");
    round_trip(b, &v, "\xC3\xA9t\xC3\xA9");
    /* null text forms */
    assert_true(parse_ok(in, NULL).is_null);
    assert_true(parse_ok(in, "").is_null);
    assert_true(parse_ok(in, LS_TABLE_HIVE_NULL).is_null);
    assert_true(parse_ok(s, LS_TABLE_HIVE_NULL).is_null);
    assert_false(parse_ok(s, "x").is_null);
    /* binary that is not UTF-8, NUL bytes, nested types */
    ls_buf_t out;
    ls_error_t err;
    bool is_null;
    ls_buf_init(&out, LS_BUF_UNLIMITED);
    v = val_str("\xFF\xFE");
    assert_int_equal(ls_table_partition_format(b, &v, &out, &is_null, &err), LS_ERR_UNSUPPORTED);
    v.bytes = (const uint8_t *)"a\0b";
    v.len = 3;
    assert_int_equal(ls_table_partition_format(s, &v, &out, &is_null, &err), LS_ERR_UNSUPPORTED);
    v = val_i32(1);
    assert_int_equal(ls_table_partition_format(arr, &v, &out, &is_null, &err), LS_ERR_UNSUPPORTED);
    assert_int_equal(out.len, 0);
    assert_int_equal(ls_table_partition_parse(arr, "1", 1, &v, &err), LS_ERR_UNSUPPORTED);
    /* a capped buffer fails cleanly */
    ls_buf_t tiny;
    ls_buf_init(&tiny, 3);
    v = val_i64(INT64_C(123456));
    ls_type_t *lo = ls_type_new(LS_TYPE_LONG);
    assert_int_equal(ls_table_partition_format(lo, &v, &tiny, &is_null, &err), LS_ERR_LIMIT);
    assert_int_equal(tiny.len, 0);
    ls_buf_free(&tiny);
    ls_buf_free(&out);
    ls_type_free(s), ls_type_free(b), ls_type_free(arr), ls_type_free(in), ls_type_free(lo);
}

/* ---------------------------------------------------------------- paths */

static const char *esc(const char *s)
{
    ls_buf_t b;
    ls_buf_init(&b, LS_BUF_UNLIMITED);
    assert_int_equal(ls_table_hive_escape(s, strlen(s), &b), LS_OK);
    snprintf(g_txt, sizeof(g_txt), "%.*s", (int)b.len, b.data ? (const char *)b.data : "");
    ls_buf_free(&b);
    return g_txt;
}

static void test_hive_escaping(void **state)
{
    (void)state;
    /* every character Hive escapes, one at a time */
    const char special[] = "\"#%'*/:=?\\{[]^\x7F";
    for (int c = 1; c < 128; c++) {
        char in[2] = {(char)c, 0}, want[8];
        bool escaped = c < 0x20 || strchr(special, c) != NULL;
        if (escaped) {
            snprintf(want, sizeof(want), "%%%02X", c);
        } else {
            snprintf(want, sizeof(want), "%c", c);
        }
        assert_string_equal(esc(in), want);
        /* and back */
        ls_buf_t b;
        ls_buf_init(&b, LS_BUF_UNLIMITED);
        assert_int_equal(ls_table_hive_unescape(want, strlen(want), &b), LS_OK);
        assert_int_equal(b.len, 1);
        assert_int_equal(b.data[0], c);
        ls_buf_free(&b);
    }
    assert_string_equal(esc("2021-09-08 11:11:11"), "2021-09-08 11%3A11%3A11");
    assert_string_equal(esc("caf\xC3\xA9 !~<>|"), "caf\xC3\xA9 !~<>|"); /* kept as is */
    /* unescaping as Spark does: stray '%' kept, %XX above 0x7F is the character U+00XX */
    ls_buf_t b;
    ls_buf_init(&b, LS_BUF_UNLIMITED);
    const char *odd = "100%/%4/%zz/%e9/%41";
    assert_int_equal(ls_table_hive_unescape(odd, strlen(odd), &b), LS_OK);
    assert_int_equal(b.len, strlen("100%/%4/%zz/\xC3\xA9/A"));
    assert_memory_equal(b.data, "100%/%4/%zz/\xC3\xA9/A", b.len);
    ls_buf_free(&b);
}

static void test_partition_dirs_and_log_paths(void **state)
{
    (void)state;
    const char *names[] = {"a", "b", "c=x", "d"};
    const char *values[] = {"2021-09-08 11:11:11", NULL, "1/2", ""};
    ls_buf_t disk, log;
    ls_buf_init(&disk, LS_BUF_UNLIMITED);
    ls_buf_init(&log, LS_BUF_UNLIMITED);
    /* the example of the Delta protocol: a=2021-09-08 11%3A11%3A11 on disk */
    assert_int_equal(ls_table_data_paths(names, values, 1, "part-0.parquet", &disk, &log), LS_OK);
    ls_buf_terminate(&disk);
    ls_buf_terminate(&log);
    assert_string_equal((char *)disk.data, "a=2021-09-08 11%3A11%3A11/part-0.parquet");
    assert_string_equal((char *)log.data, "a=2021-09-08%2011%253A11%253A11/part-0.parquet");
    /* decoding the log path gives the disk path back */
    ls_buf_t dec;
    ls_error_t err;
    ls_buf_init(&dec, LS_BUF_UNLIMITED);
    assert_int_equal(ls_table_uri_decode_path((char *)log.data, log.len, &dec, &err), LS_OK);
    assert_int_equal(dec.len, disk.len);
    assert_memory_equal(dec.data, disk.data, dec.len);
    /* null and empty values, escaped names */
    ls_buf_reset(&disk);
    assert_int_equal(ls_table_partition_dir(names, values, 4, &disk), LS_OK);
    ls_buf_terminate(&disk);
    assert_string_equal((char *)disk.data, "a=2021-09-08 11%3A11%3A11/b=__HIVE_DEFAULT_PARTITION__/"
                                           "c%3Dx=1%2F2/d=__HIVE_DEFAULT_PARTITION__/");
    /* and parsed back */
    ls_arena_t *a = ls_arena_new(1024, 0);
    ls_table_pair_t *pairs;
    size_t n;
    assert_int_equal(
        ls_table_partition_dir_parse((char *)disk.data, disk.len, 8, a, &pairs, &n, &err), LS_OK);
    assert_int_equal(n, 4);
    assert_string_equal(pairs[0].name, "a");
    assert_string_equal(pairs[0].value, "2021-09-08 11:11:11");
    assert_null(pairs[1].value);
    assert_string_equal(pairs[2].name, "c=x");
    assert_string_equal(pairs[2].value, "1/2");
    assert_null(pairs[3].value);
    assert_int_equal(ls_table_partition_dir_parse("x=1/y=2", 7, 1, a, &pairs, &n, &err),
                     LS_ERR_LIMIT);
    assert_int_equal(ls_table_partition_dir_parse("x=1//y=2", 8, 8, a, &pairs, &n, &err),
                     LS_ERR_PARSE);
    assert_int_equal(ls_table_partition_dir_parse("=1", 2, 8, a, &pairs, &n, &err), LS_ERR_PARSE);
    assert_int_equal(ls_table_partition_dir_parse("x", 1, 8, a, &pairs, &n, &err), LS_ERR_PARSE);
    assert_int_equal(ls_table_partition_dir_parse("x=%00", 5, 8, a, &pairs, &n, &err),
                     LS_ERR_PARSE);
    assert_int_equal(ls_table_partition_dir_parse("", 0, 8, a, &pairs, &n, &err), LS_OK);
    assert_int_equal(n, 0);
    assert_int_equal(ls_table_partition_dir_parse("k=v=w/", 6, 8, a, &pairs, &n, &err), LS_OK);
    assert_string_equal(pairs[0].value, "v=w");
    ls_arena_free(a);
    ls_buf_free(&dec);
    ls_buf_free(&disk);
    ls_buf_free(&log);
}

static void test_uri_encoding(void **state)
{
    (void)state;
    ls_buf_t b;
    ls_error_t err;
    ls_buf_init(&b, LS_BUF_UNLIMITED);
    const char *in = "x y/%#?[]{}\"<>|\\^`caf\xC3\xA9;:@&=+$,-_.!~*'()";
    assert_int_equal(ls_table_uri_encode_path(in, strlen(in), &b), LS_OK);
    ls_buf_terminate(&b);
    assert_string_equal((char *)b.data, "x%20y/%25%23%3F%5B%5D%7B%7D%22%3C%3E%7C%5C%5E%60caf%C3%A9"
                                        ";:@&=+$,-_.!~*'()");
    ls_buf_t d;
    ls_buf_init(&d, LS_BUF_UNLIMITED);
    assert_int_equal(ls_table_uri_decode_path((char *)b.data, b.len, &d, &err), LS_OK);
    assert_int_equal(d.len, strlen(in));
    assert_memory_equal(d.data, in, d.len);
    /* lower-case hex and raw non-ASCII are accepted too */
    ls_buf_reset(&d);
    assert_int_equal(ls_table_uri_decode_path("%c3%a9\xC3\xA9", 8, &d, &err), LS_OK);
    assert_int_equal(d.len, 4);
    const char *bad[] = {"%", "a%4", "%zz", "%00", "%%41"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ls_buf_reset(&d);
        assert_int_equal(ls_table_uri_decode_path(bad[i], strlen(bad[i]), &d, &err), LS_ERR_PARSE);
        assert_int_equal(d.len, 0);
        assert_non_null(strstr(err.msg, "at byte"));
    }
    ls_buf_free(&b);
    ls_buf_free(&d);
}

static void test_path_safety(void **state)
{
    (void)state;
    const char *good[] = {"part-0.parquet", "a=1/b=x:y/part-0.parquet", "a=../p", ".hidden"};
    const char *bad[] = {"",   "/etc/passwd", "../x",          "a/../x",  "a/./x", "a//x",
                         "a/", ".",           "s3://bucket/x", "file:/x", "a\\b",  "c:x"};
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        assert_true(ls_table_path_is_safe(good[i], strlen(good[i])));
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (ls_table_path_is_safe(bad[i], strlen(bad[i]))) {
            fail_msg("\"%s\" taken as safe", bad[i]);
        }
    }
    assert_false(ls_table_path_is_safe("a\0b", 3));
}

static void test_names(void **state)
{
    (void)state;
    char u1[37], u2[37];
    ls_error_t err;
    assert_int_equal(ls_table_uuid4(u1, &err), LS_OK);
    assert_int_equal(ls_table_uuid4(u2, &err), LS_OK);
    assert_int_equal(strlen(u1), 36);
    assert_string_not_equal(u1, u2);
    for (int i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            assert_int_equal(u1[i], '-');
        } else {
            assert_non_null(strchr("0123456789abcdef", u1[i]));
        }
    }
    assert_int_equal(u1[14], '4');
    assert_non_null(strchr("89ab", u1[19]));
    ls_buf_t b;
    ls_buf_init(&b, LS_BUF_UNLIMITED);
    assert_int_equal(ls_table_data_file_name(3, u1, LS_PQ_CODEC_ZSTD, &b), LS_OK);
    ls_buf_terminate(&b);
    char want[128];
    snprintf(want, sizeof(want), "part-00003-%s-c000.zstd.parquet", u1);
    assert_string_equal((char *)b.data, want);
    ls_buf_reset(&b);
    assert_int_equal(ls_table_data_file_name(0, u1, LS_PQ_CODEC_UNCOMPRESSED, &b), LS_OK);
    ls_buf_terminate(&b);
    snprintf(want, sizeof(want), "part-00000-%s-c000.parquet", u1);
    assert_string_equal((char *)b.data, want);
    assert_string_equal(ls_table_codec_ext(LS_PQ_CODEC_SNAPPY), "snappy");
    assert_string_equal(ls_table_codec_ext(LS_PQ_CODEC_GZIP), "gz");
    assert_string_equal(ls_table_codec_ext(LS_PQ_CODEC_LZ4_RAW), "lz4raw");
    ls_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_integers_and_booleans),
        cmocka_unit_test(test_floats),
        cmocka_unit_test(test_decimals),
        cmocka_unit_test(test_dates_and_timestamps),
        cmocka_unit_test(test_strings_nulls_unsupported),
        cmocka_unit_test(test_hive_escaping),
        cmocka_unit_test(test_partition_dirs_and_log_paths),
        cmocka_unit_test(test_uri_encoding),
        cmocka_unit_test(test_path_safety),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

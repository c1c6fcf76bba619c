/*
 * test_json.c — the schema-directed decoder: every column type with its edge values,
 * nested struct/array/map levels (null vs empty vs absent), rollback of a bad row,
 * unknown-field modes, duplicate keys, depth and size limits, NDJSON framing and the
 * batch memory cap, error messages (offset and field path), allocation failures.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lakesink/alloc.h"
#include "lakesink/json.h"
#include "testutil.h"

typedef struct {
    ls_type_t *t;
    ls_layout_t *l;
    ls_json_decoder_t *d;
    ls_batch_t *b;
    ls_error_t err;
} fx_t;

static void fx_open(fx_t *f, ls_type_t *schema, const ls_json_decoder_opts_t *o)
{
    memset(f, 0, sizeof(*f));
    assert_non_null(schema);
    f->t = schema;
    f->l = ls_layout_new(schema, &f->err);
    assert_non_null(f->l);
    f->d = ls_json_decoder_new(f->l, o, &f->err);
    assert_non_null(f->d);
    f->b = ls_batch_new(f->l, 0);
    assert_non_null(f->b);
}

/* A layout with a single field "v" of type @p t. */
static void fx_open1(fx_t *f, ls_type_t *t, bool nullable)
{
    ls_type_t *st = ls_type_new_struct();
    assert_int_equal(ls_type_struct_add(st, "v", t, nullable), LS_OK);
    fx_open(f, st, NULL);
}

static void fx_close(fx_t *f)
{
    ls_batch_free(f->b);
    ls_json_decoder_free(f->d);
    ls_layout_free(f->l);
    ls_type_free(f->t);
}

static ls_err_t fx_dec(fx_t *f, const char *rec)
{
    ls_error_clear(&f->err);
    return ls_json_decode_record(f->d, f->b, rec, strlen(rec), &f->err);
}

/* Decode {"v": <val>} and expect @p want. */
static ls_err_t fx_v(fx_t *f, const char *val)
{
    char rec[512];
    snprintf(rec, sizeof(rec), "{\"v\":%s}", val);
    return fx_dec(f, rec);
}

static ls_column_t *col(fx_t *f, size_t i)
{
    return &f->b->cols[i];
}

static ls_type_t *T(ls_type_kind_t k)
{
    return ls_type_new(k);
}

/* ------------------------------------------------------------ integers */

static void test_integers(void **state)
{
    (void)state;
    static const struct {
        ls_type_kind_t k;
        const char *ok_hi, *ok_lo, *bad_hi, *bad_lo;
        int64_t hi, lo;
    } cases[] = {
        {LS_TYPE_BYTE, "127", "-128", "128", "-129", 127, -128},
        {LS_TYPE_SHORT, "32767", "-32768", "32768", "-32769", 32767, -32768},
        {LS_TYPE_INTEGER, "2147483647", "-2147483648", "2147483648", "-2147483649", INT32_MAX,
         INT32_MIN},
        {LS_TYPE_LONG, "9223372036854775807", "-9223372036854775808", "9223372036854775808",
         "-9223372036854775809", INT64_MAX, INT64_MIN},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        fx_t f;
        fx_open1(&f, T(cases[i].k), true);
        bool wide = cases[i].k == LS_TYPE_LONG;
        assert_int_equal(fx_v(&f, cases[i].ok_hi), LS_OK);
        assert_int_equal(fx_v(&f, cases[i].ok_lo), LS_OK);
        assert_int_equal(fx_v(&f, cases[i].bad_hi), LS_ERR_SCHEMA);
        assert_int_equal(fx_v(&f, cases[i].bad_lo), LS_ERR_SCHEMA);
        assert_int_equal(fx_v(&f, "1.0"), LS_OK);  /* integral: accepted */
        assert_int_equal(fx_v(&f, "12e1"), LS_OK); /* 120 */
        assert_int_equal(fx_v(&f, "-0"), LS_OK);
        assert_int_equal(fx_v(&f, "1.5"), LS_ERR_SCHEMA);
        assert_int_equal(fx_v(&f, "1e-1"), LS_ERR_SCHEMA);
        assert_int_equal(fx_v(&f, "\"1\""), LS_ERR_SCHEMA);
        assert_int_equal(fx_v(&f, "true"), LS_ERR_SCHEMA);
        assert_int_equal(fx_v(&f, "01"), LS_ERR_PARSE);
        assert_int_equal(fx_v(&f, "+1"), LS_ERR_PARSE);
        assert_int_equal(fx_v(&f, "null"), LS_OK);
        ls_column_t *c = col(&f, 0);
        assert_int_equal(f.b->nrows, 6);
        assert_int_equal(c->nvalues, 5);
        int64_t got[5];
        for (size_t j = 0; j < 5; j++) {
            got[j] = wide ? ls_col_i64(c, j) : ls_col_i32(c, j);
        }
        assert_true(got[0] == cases[i].hi && got[1] == cases[i].lo);
        assert_true(got[2] == 1 && got[3] == 120 && got[4] == 0);
        assert_int_equal(ls_col_def(c, 5), 0);
        fx_close(&f);
    }
    fx_t f;
    fx_open1(&f, T(LS_TYPE_UINT64), true);
    assert_int_equal(fx_v(&f, "18446744073709551615"), LS_OK);
    assert_int_equal(fx_v(&f, "18446744073709551616"), LS_ERR_SCHEMA);
    assert_int_equal(fx_v(&f, "-1"), LS_ERR_SCHEMA);
    assert_true((uint64_t)ls_col_i64(col(&f, 0), 0) == UINT64_MAX);
    fx_close(&f);
}

/* The widening hint after a number did not fit: which column, and which wider type. */
static void expect_widening(fx_t *f, const char *val, ls_err_t rc, int to)
{
    assert_int_equal(fx_v(f, val), rc);
    const ls_node_t *n = NULL;
    ls_type_kind_t k = LS_TYPE__COUNT;
    bool hint = ls_json_decoder_widening(f->d, &n, &k);
    assert_int_equal(hint, to >= 0);
    if (hint) {
        assert_ptr_equal(n, ls_layout_field(f->l, "v"));
        assert_int_equal(k, to);
    }
}

static void test_widening_hint(void **state)
{
    (void)state;
    static const ls_type_kind_t narrow[] = {LS_TYPE_BYTE, LS_TYPE_SHORT, LS_TYPE_INTEGER};
    for (size_t i = 0; i < 3; i++) {
        fx_t f;
        fx_open1(&f, T(narrow[i]), true);
        expect_widening(&f, "3000000000", LS_ERR_SCHEMA, LS_TYPE_LONG);
        expect_widening(&f, "1", LS_OK, -1);        /* a success clears it */
        expect_widening(&f, "1.5", LS_ERR_SCHEMA, -1); /* a fraction: no integer type holds it */
        expect_widening(&f, "1e30", LS_ERR_SCHEMA, -1); /* beyond long too */
        expect_widening(&f, "\"1\"", LS_ERR_SCHEMA, -1);
        fx_close(&f);
    }
    fx_t f;
    fx_open1(&f, T(LS_TYPE_FLOAT), true);
    expect_widening(&f, "1e300", LS_ERR_SCHEMA, LS_TYPE_DOUBLE);
    expect_widening(&f, "1e400", LS_ERR_SCHEMA, -1);
    fx_close(&f);
    fx_open1(&f, T(LS_TYPE_LONG), true);
    expect_widening(&f, "9223372036854775808", LS_ERR_SCHEMA, -1);
    fx_close(&f);
}

/* ------------------------------------------------------------ floating point */

static void test_doubles(void **state)
{
    (void)state;
    static const char *lits[] = {"0",
                                 "-0",
                                 "0.1",
                                 "1e308",
                                 "1.7976931348623157e308",
                                 "4.9e-324",
                                 "5e-324",
                                 "2.2250738585072011e-308",
                                 "2.2250738585072014e-308",
                                 "1e-400",
                                 "123456789012345678901234567890",
                                 "0.30000000000000004",
                                 "9007199254740993",
                                 "1e23",
                                 "8.98846567431158e307",
                                 "-1.5e-10",
                                 "299.99",
                                 "3.141592653589793238462643383279",
                                 "1e22",
                                 "1e37",
                                 "4.35679719e+22",
                                 "2.4703282292062328e-324",
                                 "2.4703282292062327e-324",
                                 "1.00000000000000011102230246251565404236316680908203125",
                                 "1.00000000000000011102230246251565404236316680908203124",
                                 "0.000000000000000000000000000001"};
    fx_t f;
    fx_open1(&f, T(LS_TYPE_DOUBLE), true);
    size_t n = sizeof(lits) / sizeof(*lits);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(fx_v(&f, lits[i]), LS_OK);
        double want = strtod(lits[i], NULL), got = ls_col_double(col(&f, 0), i);
        if (memcmp(&want, &got, sizeof(got)) != 0) {
            fail_msg("%s: got %.17g want %.17g", lits[i], got, want);
        }
    }
    assert_true(signbit(ls_col_double(col(&f, 0), 1)));
    assert_int_equal(fx_v(&f, "1e309"), LS_ERR_SCHEMA);
    assert_int_equal(fx_v(&f, "-1e309"), LS_ERR_SCHEMA);
    assert_int_equal(fx_v(&f, "\"NaN\""), LS_OK);
    assert_int_equal(fx_v(&f, "\"Infinity\""), LS_OK);
    assert_int_equal(fx_v(&f, "\"-Infinity\""), LS_OK);
    assert_true(isnan(ls_col_double(col(&f, 0), n)));
    assert_true(isinf(ls_col_double(col(&f, 0), n + 1)) && ls_col_double(col(&f, 0), n + 1) > 0);
    assert_true(isinf(ls_col_double(col(&f, 0), n + 2)) && ls_col_double(col(&f, 0), n + 2) < 0);
    assert_int_equal(fx_v(&f, "\"nan\""), LS_ERR_SCHEMA);
    assert_int_equal(fx_v(&f, "\"1.5\""), LS_ERR_SCHEMA);
    assert_int_equal(fx_v(&f, "NaN"), LS_ERR_PARSE);
    assert_int_equal(fx_v(&f, "1."), LS_ERR_PARSE);
    assert_int_equal(fx_v(&f, ".5"), LS_ERR_PARSE);
    assert_int_equal(fx_v(&f, "1e"), LS_ERR_PARSE);
    fx_close(&f);

    fx_open1(&f, T(LS_TYPE_FLOAT), true);
    static const char *flits[] = {"3.4028235e38", "1.4e-45", "0.1", "16777217", "-2.5", "1e-50"};
    for (size_t i = 0; i < sizeof(flits) / sizeof(*flits); i++) {
        assert_int_equal(fx_v(&f, flits[i]), LS_OK);
        float want = strtof(flits[i], NULL), got = ls_col_float(col(&f, 0), i);
        assert_memory_equal(&want, &got, sizeof(got));
    }
    assert_int_equal(fx_v(&f, "3.5e38"), LS_ERR_SCHEMA);
    fx_close(&f);
}

/* Random literals: the decoder's doubles equal glibc strtod (correctly rounded) bit for bit. */
static void test_doubles_random(void **state)
{
    (void)state;
    fx_t f;
    fx_open1(&f, T(LS_TYPE_DOUBLE), false);
    uint64_t s = 42;
    char lit[96];
    for (int i = 0; i < 20000; i++) {
        uint64_t r = ls_test_rand(&s);
        int kind = (int)(r % 4);
        if (kind == 0) { /* random bit patterns printed with 17 digits */
            double v;
            uint64_t bits = ls_test_rand(&s);
            memcpy(&v, &bits, 8);
            if (!isfinite(v)) {
                continue;
            }
            snprintf(lit, sizeof(lit), "%.17g", v);
        } else if (kind == 1) { /* short decimals, the fast path */
            snprintf(lit, sizeof(lit), "%lld.%03llu", (long long)(r % 2000000) - 1000000,
                     (unsigned long long)((r >> 32) % 1000));
        } else if (kind == 2) { /* many digits and wide exponents, the slow path */
            snprintf(lit, sizeof(lit), "%llu%llue%d", (unsigned long long)ls_test_rand(&s),
                     (unsigned long long)ls_test_rand(&s), (int)(r % 700) - 350);
        } else {
            snprintf(lit, sizeof(lit), "%llue%d", (unsigned long long)(r >> 11),
                     (int)((r >> 3) % 60) - 30);
        }
        ls_batch_reset(f.b);
        ls_err_t rc = fx_v(&f, lit);
        double want = strtod(lit, NULL);
        if (isinf(want)) {
            assert_int_equal(rc, LS_ERR_SCHEMA);
            continue;
        }
        assert_int_equal(rc, LS_OK);
        double got = ls_col_double(col(&f, 0), 0);
        if (memcmp(&want, &got, 8) != 0) {
            fail_msg("%s: got %.17g want %.17g", lit, got, want);
        }
    }
    fx_close(&f);
}

/* ------------------------------------------------------------ decimals */

/* Big-endian two's complement bytes of @p v in @p w bytes. */
static void be_bytes(__int128 v, uint8_t *out, size_t w)
{
    unsigned __int128 u = (unsigned __int128)v;
    for (size_t i = 0; i < w; i++) {
        out[w - 1 - i] = (uint8_t)(u >> (8 * i));
    }
}

static void test_decimals(void **state)
{
    (void)state;
    fx_t f;
    fx_open1(&f, ls_type_new_decimal(5, 2), true);
    static const struct {
        const char *lit;
        int32_t want;
    } ok[] = {{"123.45", 12345}, {"123.455", 12346}, {"-123.455", -12346}, {"123.454", 12345},
              {"999.99", 99999}, {"\"12.3\"", 1230}, {"1.5e2", 15000},     {"0.001", 0},
              {"0.005", 1},      {"-0.005", -1},     {"1e-100", 0},        {"-0", 0},
              {"\"-7\"", -700},  {"0.00999", 1},     {"99999e-2", 99999},  {"12", 1200}};
    size_t n = sizeof(ok) / sizeof(*ok);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(fx_v(&f, ok[i].lit), LS_OK);
        if (ls_col_i32(col(&f, 0), i) != ok[i].want) {
            fail_msg("%s: got %d want %d", ok[i].lit, ls_col_i32(col(&f, 0), i), ok[i].want);
        }
    }
    static const char *bad[] = {"999.995",   "1000",   "-1000", "1e3",  "\"abc\"",
                                "\"1.2.3\"", "\" 1\"", "true",  "\"\"", "1e999999999999"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
        if (fx_v(&f, bad[i]) != LS_ERR_SCHEMA) {
            fail_msg("%s should be rejected", bad[i]);
        }
    }
    assert_int_equal(col(&f, 0)->leaf->store, LS_COL_I32);
    fx_close(&f);

    fx_open1(&f, ls_type_new_decimal(18, 4), true);
    assert_int_equal(fx_v(&f, "99999999999999.9999"), LS_OK);
    assert_int_equal(fx_v(&f, "100000000000000"), LS_ERR_SCHEMA);
    assert_true(ls_col_i64(col(&f, 0), 0) == 999999999999999999LL);
    fx_close(&f);

    /* precision 38 at both scale extremes: 16-byte big-endian values */
    __int128 max38 = 0;
    for (int i = 0; i < 38; i++) {
        max38 = max38 * 10 + 9;
    }
    uint8_t want[16];
    fx_open1(&f, ls_type_new_decimal(38, 0), true);
    assert_int_equal(fx_v(&f, "99999999999999999999999999999999999999"), LS_OK);
    assert_int_equal(fx_v(&f, "-99999999999999999999999999999999999999"), LS_OK);
    assert_int_equal(fx_v(&f, "100000000000000000000000000000000000000"), LS_ERR_SCHEMA);
    assert_int_equal(fx_v(&f, "99999999999999999999999999999999999999.5"), LS_ERR_SCHEMA);
    assert_int_equal(fx_v(&f, "\"1E+37\""), LS_OK);
    assert_int_equal(col(&f, 0)->leaf->width, 16);
    be_bytes(max38, want, 16);
    assert_memory_equal(ls_col_fixed(col(&f, 0), 0), want, 16);
    be_bytes(-max38, want, 16);
    assert_memory_equal(ls_col_fixed(col(&f, 0), 1), want, 16);
    fx_close(&f);

    fx_open1(&f, ls_type_new_decimal(38, 38), true);
    assert_int_equal(fx_v(&f, "0.99999999999999999999999999999999999999"), LS_OK);
    assert_int_equal(fx_v(&f, "-0.5e-38"), LS_OK); /* half away from zero: -1 unit */
    assert_int_equal(fx_v(&f, "1"), LS_ERR_SCHEMA);
    be_bytes(max38, want, 16);
    assert_memory_equal(ls_col_fixed(col(&f, 0), 0), want, 16);
    be_bytes(-1, want, 16);
    assert_memory_equal(ls_col_fixed(col(&f, 0), 1), want, 16);
    fx_close(&f);

    fx_open1(&f, ls_type_new_decimal(20, 2), true); /* 9-byte fixed */
    assert_int_equal(fx_v(&f, "-1.01"), LS_OK);
    uint8_t w9[9];
    be_bytes(-101, w9, 9);
    assert_int_equal(col(&f, 0)->leaf->width, 9);
    assert_memory_equal(ls_col_fixed(col(&f, 0), 0), w9, 9);
    fx_close(&f);
}

/* ------------------------------------------------------------ strings, booleans, binary */

static void test_strings(void **state)
{
    (void)state;
    fx_t f;
    fx_open1(&f, T(LS_TYPE_STRING), true);
    static const struct {
        const char *lit, *want;
        size_t wlen;
    } ok[] = {
        {"\"plain\"", "plain", 5},
        {"\"\"", "", 0},
        {"\"q\\\"b\\\\s\\/\\b\\f\\n\\r\\t\"", "q\"b\\s/\b\f\n\r\t", 11},
        {"\"\\u00e9\\u20AC\\ud83d\\ude00\"", "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 9},
        {"\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"", "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 9},
        {"\"a\\u0000b\"", "a\0b", 3},
        {"\"\xef\xbf\xbf\xf4\x8f\xbf\xbf\"", "\xef\xbf\xbf\xf4\x8f\xbf\xbf", 7},
        {"\"\x7f\"", "\x7f", 1},
    };
    size_t n = sizeof(ok) / sizeof(*ok);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(fx_v(&f, ok[i].lit), LS_OK);
        size_t len;
        const uint8_t *p = ls_col_bytes(col(&f, 0), i, &len);
        assert_int_equal(len, ok[i].wlen);
        assert_memory_equal(p, ok[i].want, len);
    }
    static const char *bad[] = {"\"\x01\"",
                                "\"\xff\"",
                                "\"\xc0\xaf\"",
                                "\"\xed\xa0\x80\"",
                                "\"\\ud800\"",
                                "\"\\ud800\\u0041\"",
                                "\"\\udc00\"",
                                "\"\\x\"",
                                "\"abc",
                                "\"\\u12\"",
                                "\"\xe2\x82\"",
                                "\"\xf5\x80\x80\x80\"",
                                "\"\xe0\x80\xaf\"",
                                "\"\xf0\x80\x80\xaf\"",
                                "\"\t\"",
                                "'a'"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
        if (fx_v(&f, bad[i]) != LS_ERR_PARSE) {
            fail_msg("bad string %zu accepted or wrong code: %s", i, f.err.msg);
        }
    }
    assert_int_equal(fx_v(&f, "12"), LS_ERR_SCHEMA);
    assert_int_equal(fx_v(&f, "{}"), LS_ERR_SCHEMA);
    assert_int_equal(fx_v(&f, "[\"a\"]"), LS_ERR_SCHEMA);
    /* long strings take the vector paths: a special byte at every position */
    char rec[400], body[300];
    for (size_t pos = 0; pos < 200; pos += 7) {
        memset(body, 'x', 250);
        body[250] = '\0';
        body[pos] = '\x01';
        snprintf(rec, sizeof(rec), "{\"v\":\"%s\"}", body);
        assert_int_equal(fx_dec(&f, rec), LS_ERR_PARSE);
        assert_non_null(strstr(f.err.msg, "control character"));
        body[pos] = 'y';
        snprintf(rec, sizeof(rec), "{\"v\":\"%s\"}", body);
        ls_batch_reset(f.b);
        assert_int_equal(fx_dec(&f, rec), LS_OK);
        size_t len;
        const uint8_t *p = ls_col_bytes(col(&f, 0), 0, &len);
        assert_int_equal(len, 250);
        assert_int_equal(p[pos], 'y');
    }
    fx_close(&f);

    fx_open1(&f, T(LS_TYPE_BOOLEAN), false);
    assert_int_equal(fx_v(&f, "true"), LS_OK);
    assert_int_equal(fx_v(&f, "false"), LS_OK);
    assert_int_equal(fx_v(&f, "\"true\""), LS_ERR_SCHEMA);
    assert_int_equal(fx_v(&f, "1"), LS_ERR_SCHEMA);
    assert_int_equal(fx_v(&f, "tru"), LS_ERR_PARSE);
    assert_int_equal(fx_v(&f, "null"), LS_ERR_SCHEMA); /* not nullable */
    assert_true(ls_col_bool(col(&f, 0), 0) && !ls_col_bool(col(&f, 0), 1));
    fx_close(&f);

    fx_open1(&f, T(LS_TYPE_BINARY), true);
    assert_int_equal(fx_v(&f, "\"aGVsbG8=\""), LS_OK);
    assert_int_equal(fx_v(&f, "\"aGVsbA==\""), LS_OK);
    assert_int_equal(fx_v(&f, "\"\""), LS_OK);
    assert_int_equal(fx_v(&f, "\"\\/w==\""), LS_OK); /* escaped '/' */
    size_t len;
    const uint8_t *p = ls_col_bytes(col(&f, 0), 0, &len);
    assert_true(len == 5 && memcmp(p, "hello", 5) == 0);
    p = ls_col_bytes(col(&f, 0), 1, &len);
    assert_true(len == 4 && memcmp(p, "hell", 4) == 0);
    ls_col_bytes(col(&f, 0), 2, &len);
    assert_int_equal(len, 0);
    p = ls_col_bytes(col(&f, 0), 3, &len);
    assert_true(len == 1 && p[0] == 0xFF);
    static const char *bad64[] = {"\"aGVsbG8\"",   "\"aGVsbG9=\"", "\"a===\"",
                                  "\"aGV sbG8=\"", "\"aGVs=G8=\"", "1"};
    for (size_t i = 0; i < sizeof(bad64) / sizeof(*bad64); i++) {
        assert_int_equal(fx_v(&f, bad64[i]), LS_ERR_SCHEMA);
    }
    fx_close(&f);

    fx_open1(&f, ls_type_new_fixed(4), true);
    assert_int_equal(fx_v(&f, "\"AAECAw==\""), LS_OK);
    assert_int_equal(fx_v(&f, "\"AAEC\""), LS_ERR_SCHEMA);
    assert_memory_equal(ls_col_fixed(col(&f, 0), 0), "\x00\x01\x02\x03", 4);
    fx_close(&f);

    fx_open1(&f, T(LS_TYPE_UUID), true);
    assert_int_equal(fx_v(&f, "\"123e4567-E89B-12d3-a456-426614174000\""), LS_OK);
    assert_int_equal(fx_v(&f, "\"123e4567e89b12d3a456426614174000\""), LS_ERR_SCHEMA);
    assert_int_equal(fx_v(&f, "\"123e4567-e89b-12d3-a456-42661417400g\""), LS_ERR_SCHEMA);
    assert_memory_equal(ls_col_fixed(col(&f, 0), 0),
                        "\x12\x3e\x45\x67\xe8\x9b\x12\xd3\xa4\x56\x42\x66\x14\x17\x40\x00", 16);
    fx_close(&f);
}

/* ------------------------------------------------------------ dates and times */

static int64_t utc_us(int y, int mo, int d, int h, int mi, int s)
{
    struct tm tm = {0};
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = s;
    return (int64_t)timegm(&tm) * 1000000;
}

static void test_dates_timestamps(void **state)
{
    (void)state;
    fx_t f;
    fx_open1(&f, T(LS_TYPE_DATE), true);
    static const struct {
        const char *lit;
        int32_t days;
    } dates[] = {{"\"1970-01-01\"", 0},       {"\"1969-12-31\"", -1},
                 {"\"2024-02-29\"", 19782},   {"\"2000-02-29\"", 11016},
                 {"\"0000-01-01\"", -719528}, {"\"9999-12-31\"", 2932896},
                 {"\"1900-03-01\"", -25508}};
    for (size_t i = 0; i < sizeof(dates) / sizeof(*dates); i++) {
        assert_int_equal(fx_v(&f, dates[i].lit), LS_OK);
        assert_int_equal(ls_col_i32(col(&f, 0), i), dates[i].days);
    }
    static const char *bad[] = {
        "\"2023-02-29\"", "\"1900-02-29\"", "\"2024-13-01\"",           "\"2024-00-10\"",
        "\"2024-04-31\"", "\"2024-1-01\"",  "\"2024-01-01T00:00:00Z\"", "\"20240101\"",
        "19782",          "\"2024-01-0a\""};
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
        assert_int_equal(fx_v(&f, bad[i]), LS_ERR_SCHEMA);
    }
    fx_close(&f);

    fx_open1(&f, T(LS_TYPE_TIMESTAMP), true);
    static const struct {
        const char *lit;
        int64_t us;
    } ts[] = {
        {"\"2024-01-15T10:30:00.123Z\"", 1705314600123000LL},
        {"\"2024-01-15T10:30:00.123456789Z\"", 1705314600123456LL}, /* nanos truncated */
        {"\"2024-01-15 10:30:00+01:00\"", 1705311000000000LL},
        {"\"2024-01-15T10:30:00-0530\"", 1705334400000000LL},
        {"\"2024-01-15t10:30:00+05\"", 1705296600000000LL},
        {"\"2024-01-15T10:30:00\"", 1705314600000000LL}, /* no zone: UTC */
        {"\"2024-01-15T10:30Z\"", 1705314600000000LL},
        {"\"2024-01-15\"", 1705276800000000LL},
        {"\"1969-12-31T23:59:59.999999Z\"", -1},
        {"\"1960-06-01T00:00:00.5Z\"", -302486400000000LL + 500000},
        {"\"9999-12-31T23:59:59.999999999Z\"", 253402300799999999LL},
        {"\"0000-01-01T00:00:00Z\"", -62167219200000000LL},
        {"\"2024-02-29T23:59:59z\"", 1709251199000000LL},
    };
    size_t n = sizeof(ts) / sizeof(*ts);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(fx_v(&f, ts[i].lit), LS_OK);
        if (ls_col_i64(col(&f, 0), i) != ts[i].us) {
            fail_msg("%s: got %lld", ts[i].lit, (long long)ls_col_i64(col(&f, 0), i));
        }
    }
    static const char *tbad[] = {"\"2024-01-15T24:00:00Z\"",
                                 "\"2024-01-15T10:60:00Z\"",
                                 "\"2024-01-15T10:30:60Z\"",
                                 "\"2024-01-15T10:30:00.1234567890Z\"",
                                 "\"2024-01-15T10:30:00.Z\"",
                                 "\"2024-01-15X10:30:00Z\"",
                                 "\"2024-01-15T10:30:00+24:00\"",
                                 "\"2024-01-15T10:30:00 Z\"",
                                 "\"2024-01-15T10:30:00+01:0\"",
                                 "\"2024-01-15T10\"",
                                 "1705314600",
                                 "\"2023-02-29T00:00:00Z\""};
    for (size_t i = 0; i < sizeof(tbad) / sizeof(*tbad); i++) {
        if (fx_v(&f, tbad[i]) != LS_ERR_SCHEMA) {
            fail_msg("%s accepted", tbad[i]);
        }
    }
    /* random instants across years 0000-9999 against timegm */
    uint64_t s = 7;
    char lit[64];
    for (int i = 0; i < 5000; i++) {
        uint64_t r = ls_test_rand(&s);
        int y = (int)(r % 10000), mo = (int)((r >> 14) % 12) + 1, d = (int)((r >> 18) % 31) + 1;
        int h = (int)((r >> 23) % 24), mi = (int)((r >> 28) % 60), sec = (int)((r >> 34) % 60);
        int oh = (int)((r >> 40) % 24), om = (int)((r >> 45) % 60), us = (int)((r >> 20) % 1000000);
        bool neg = (r >> 63) != 0;
        snprintf(lit, sizeof(lit), "\"%04d-%02d-%02dT%02d:%02d:%02d.%06d%c%02d:%02d\"", y, mo, d, h,
                 mi, sec, us, neg ? '-' : '+', oh, om);
        struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d};
        timegm(&tm);
        bool valid = tm.tm_mday == d; /* timegm normalises 31 April to 1 May */
        ls_batch_reset(f.b);
        ls_err_t rc = fx_v(&f, lit);
        if (!valid) {
            assert_int_equal(rc, LS_ERR_SCHEMA);
            continue;
        }
        assert_int_equal(rc, LS_OK);
        int64_t want = utc_us(y, mo, d, h, mi, sec) + us -
                       (neg ? -1 : 1) * ((int64_t)oh * 3600 + om * 60) * 1000000;
        if (ls_col_i64(col(&f, 0), 0) != want) {
            fail_msg("%s: got %lld want %lld", lit, (long long)ls_col_i64(col(&f, 0), 0),
                     (long long)want);
        }
    }
    fx_close(&f);

    fx_open1(&f, T(LS_TYPE_TIMESTAMP_NTZ), true);
    assert_int_equal(fx_v(&f, "\"2024-01-15T10:30:00.5\""), LS_OK);
    assert_int_equal(fx_v(&f, "\"2024-01-15T10:30:00Z\""), LS_ERR_SCHEMA);
    assert_int_equal(fx_v(&f, "\"2024-01-15T10:30:00+00:00\""), LS_ERR_SCHEMA);
    assert_true(ls_col_i64(col(&f, 0), 0) == 1705314600500000LL);
    fx_close(&f);

    fx_open1(&f, T(LS_TYPE_TIME), true);
    assert_int_equal(fx_v(&f, "\"10:30:00.5\""), LS_OK);
    assert_int_equal(fx_v(&f, "\"23:59:59.999999\""), LS_OK);
    assert_int_equal(fx_v(&f, "\"24:00:00\""), LS_ERR_SCHEMA);
    assert_int_equal(fx_v(&f, "\"10:30\""), LS_ERR_SCHEMA);
    assert_true(ls_col_i64(col(&f, 0), 0) == 37800500000LL);
    assert_true(ls_col_i64(col(&f, 0), 1) == 86399999999LL);
    fx_close(&f);
}

/* ------------------------------------------------------------ nesting and levels */

static void expect_levels(const ls_column_t *c, const int *def, const int *rep, size_t n)
{
    assert_int_equal(c->nlevels, n);
    for (size_t i = 0; i < n; i++) {
        if (ls_col_def(c, i) != def[i] || ls_col_rep(c, i) != rep[i]) {
            fail_msg("column %s entry %zu: def %d rep %d, want %d %d", c->leaf->dotted, i,
                     ls_col_def(c, i), ls_col_rep(c, i), def[i], rep[i]);
        }
    }
}

static void test_array_levels(void **state)
{
    (void)state;
    fx_t f;
    fx_open1(&f, ls_type_new_array(T(LS_TYPE_INTEGER), true), true);
    assert_int_equal(fx_dec(&f, "{\"v\":[1,null,2]}"), LS_OK);
    assert_int_equal(fx_dec(&f, "{\"v\":[]}"), LS_OK);
    assert_int_equal(fx_dec(&f, "{\"v\":null}"), LS_OK);
    assert_int_equal(fx_dec(&f, "{}"), LS_OK);
    assert_int_equal(fx_dec(&f, "{\"v\":[ 7 ]}"), LS_OK);
    static const int def[] = {3, 2, 3, 1, 0, 0, 3}, rep[] = {0, 1, 1, 0, 0, 0, 0};
    expect_levels(col(&f, 0), def, rep, 7);
    assert_int_equal(col(&f, 0)->nvalues, 3);
    assert_int_equal(fx_dec(&f, "{\"v\":[1,]}"), LS_ERR_PARSE);
    assert_int_equal(fx_dec(&f, "{\"v\":[1 2]}"), LS_ERR_PARSE);
    assert_int_equal(fx_dec(&f, "{\"v\":{}}"), LS_ERR_SCHEMA);
    assert_int_equal(fx_dec(&f, "{\"v\":1}"), LS_ERR_SCHEMA);
    fx_close(&f);

    /* non-nullable elements reject null; nested arrays use rep 1 and 2 */
    fx_open1(&f, ls_type_new_array(ls_type_new_array(T(LS_TYPE_LONG), false), false), false);
    assert_int_equal(fx_dec(&f, "{\"v\":[[1,2],[],[3]]}"), LS_OK);
    assert_int_equal(fx_dec(&f, "{\"v\":[]}"), LS_OK);
    assert_int_equal(fx_dec(&f, "{\"v\":[[null]]}"), LS_ERR_SCHEMA);
    assert_int_equal(fx_dec(&f, "{\"v\":[null]}"), LS_ERR_SCHEMA);
    assert_int_equal(fx_dec(&f, "{}"), LS_ERR_SCHEMA); /* required field */
    static const int def2[] = {2, 2, 1, 2, 0}, rep2[] = {0, 2, 1, 1, 0};
    expect_levels(col(&f, 0), def2, rep2, 5);
    fx_close(&f);
}

static ls_type_t *struct_schema(void)
{
    /* s: struct<x: long, y: array<struct<z: string>>> */
    ls_type_t *inner = ls_type_new_struct();
    ls_type_struct_add(inner, "z", T(LS_TYPE_STRING), true);
    ls_type_t *s = ls_type_new_struct();
    ls_type_struct_add(s, "x", T(LS_TYPE_LONG), true);
    ls_type_struct_add(s, "y", ls_type_new_array(inner, true), true);
    ls_type_t *root = ls_type_new_struct();
    ls_type_struct_add(root, "s", s, true);
    return root;
}

static void test_struct_levels(void **state)
{
    (void)state;
    fx_t f;
    fx_open(&f, struct_schema(), NULL);
    assert_int_equal(fx_dec(&f, "{\"s\":{\"x\":1,\"y\":[{\"z\":\"a\"},null,{\"z\":null},{}]}}"),
                     LS_OK);
    assert_int_equal(fx_dec(&f, "{\"s\":null}"), LS_OK);
    assert_int_equal(fx_dec(&f, "{\"s\":{}}"), LS_OK);
    assert_int_equal(fx_dec(&f, "{\"s\":{\"y\":[]}}"), LS_OK);
    assert_int_equal(fx_dec(&f, "{\"s\":{\"y\":[{\"z\":\"b\"}],\"x\":null}}"), LS_OK);
    static const int xd[] = {2, 0, 1, 1, 1}, xr[] = {0, 0, 0, 0, 0};
    static const int zd[] = {5, 3, 4, 4, 0, 1, 2, 5}, zr[] = {0, 1, 1, 1, 0, 0, 0, 0};
    expect_levels(col(&f, 0), xd, xr, 5);
    expect_levels(col(&f, 1), zd, zr, 8);
    assert_string_equal(col(&f, 1)->leaf->dotted, "s.y.list.element.z");
    fx_close(&f);
}

static void test_maps(void **state)
{
    (void)state;
    fx_t f;
    fx_open1(&f, ls_type_new_map(T(LS_TYPE_STRING), T(LS_TYPE_LONG), true), true);
    assert_int_equal(fx_dec(&f, "{\"v\":{\"a\":1,\"b\":null}}"), LS_OK);
    assert_int_equal(fx_dec(&f, "{\"v\":{}}"), LS_OK);
    assert_int_equal(fx_dec(&f, "{\"v\":null}"), LS_OK);
    assert_int_equal(fx_dec(&f, "{\"v\":{\"a\\u0000\":2}}"), LS_OK);
    static const int kd[] = {2, 2, 1, 0, 2}, kr[] = {0, 1, 0, 0, 0};
    static const int vd[] = {3, 2, 1, 0, 3};
    expect_levels(col(&f, 0), kd, kr, 5);
    expect_levels(col(&f, 1), vd, kr, 5);
    size_t len;
    const uint8_t *k = ls_col_bytes(col(&f, 0), 2, &len);
    assert_true(len == 2 && k[0] == 'a' && k[1] == 0);
    /* duplicate keys: the last one wins, also when spelled differently */
    size_t nk = col(&f, 0)->nvalues;
    assert_int_equal(fx_dec(&f, "{\"v\":{\"a\":1,\"b\":5,\"a\":2}}"), LS_OK);
    assert_int_equal(col(&f, 0)->nvalues, nk + 2);
    k = ls_col_bytes(col(&f, 0), nk, &len);
    assert_true(len == 1 && k[0] == 'a');
    assert_int_equal(ls_col_i64(col(&f, 1), col(&f, 1)->nvalues - 2), 2);
    assert_int_equal(ls_col_i64(col(&f, 1), col(&f, 1)->nvalues - 1), 5);
    assert_int_equal(fx_dec(&f, "{\"v\":{\"a\":1,\"\\u0061\":7}}"), LS_OK);
    assert_int_equal(ls_col_i64(col(&f, 1), col(&f, 1)->nvalues - 1), 7);
    char big[4096];
    size_t o = (size_t)snprintf(big, sizeof(big), "{\"v\":{");
    for (int i = 0; i < 100; i++) {
        o += (size_t)snprintf(big + o, sizeof(big) - o, "\"k%d\":%d,", i, i);
    }
    snprintf(big + o, sizeof(big) - o, "\"k%d\":0}}", 0);
    nk = col(&f, 0)->nvalues;
    assert_int_equal(fx_dec(&f, big), LS_OK); /* hashed path: k0 repeated at the end */
    assert_int_equal(col(&f, 0)->nvalues, nk + 100);
    big[o - 1] = '}';
    big[o] = '}';
    big[o + 1] = '\0';
    assert_int_equal(fx_dec(&f, big), LS_OK);
    assert_int_equal(fx_dec(&f, "{\"v\":{\"a\":\"x\"}}"), LS_ERR_SCHEMA);
    assert_int_equal(fx_dec(&f, "{\"v\":[]}"), LS_ERR_SCHEMA);
    fx_close(&f);

    /* non-string keys parse from the member name */
    fx_open1(&f, ls_type_new_map(T(LS_TYPE_INTEGER), T(LS_TYPE_STRING), false), true);
    assert_int_equal(fx_dec(&f, "{\"v\":{\"1\":\"a\",\"-5\":\"b\"}}"), LS_OK);
    assert_int_equal(ls_col_i32(col(&f, 0), 0), 1);
    assert_int_equal(ls_col_i32(col(&f, 0), 1), -5);
    assert_int_equal(fx_dec(&f, "{\"v\":{\"x\":\"a\"}}"), LS_ERR_SCHEMA);
    assert_int_equal(fx_dec(&f, "{\"v\":{\"01\":\"a\"}}"), LS_ERR_SCHEMA);
    assert_int_equal(fx_dec(&f, "{\"v\":{\"1\":\"a\",\"1.0\":\"b\"}}"),
                     LS_ERR_PARSE);                                      /* same key */
    assert_int_equal(fx_dec(&f, "{\"v\":{\"1\":null}}"), LS_ERR_SCHEMA); /* value not nullable */
    fx_close(&f);

    fx_open1(&f, ls_type_new_map(T(LS_TYPE_DATE), T(LS_TYPE_BOOLEAN), true), true);
    assert_int_equal(fx_dec(&f, "{\"v\":{\"2024-02-29\":true}}"), LS_OK);
    assert_int_equal(ls_col_i32(col(&f, 0), 0), 19782);
    fx_close(&f);
    fx_open1(&f, ls_type_new_map(T(LS_TYPE_BOOLEAN), T(LS_TYPE_DOUBLE), true), true);
    assert_int_equal(fx_dec(&f, "{\"v\":{\"true\":1,\"false\":\"NaN\"}}"), LS_OK);
    assert_int_equal(fx_dec(&f, "{\"v\":{\"yes\":1}}"), LS_ERR_SCHEMA);
    fx_close(&f);
}

/* ------------------------------------------------------------ rows, fields, limits */

static ls_type_t *wide_schema(void)
{
    ls_type_t *root = struct_schema();
    ls_type_struct_add(root, "a", ls_type_new_array(T(LS_TYPE_LONG), true), true);
    ls_type_struct_add(root, "m", ls_type_new_map(T(LS_TYPE_STRING), T(LS_TYPE_STRING), true),
                       true);
    ls_type_struct_add(root, "b", T(LS_TYPE_STRING), true);
    ls_type_struct_add(root, "req", T(LS_TYPE_LONG), false);
    ls_type_struct_add(root, "z", T(LS_TYPE_LONG), true);
    return root;
}

static void test_rollback(void **state)
{
    (void)state;
    fx_t f, ref;
    fx_open(&f, wide_schema(), NULL);
    fx_open(&ref, wide_schema(), NULL);
    const char *good = "{\"s\":{\"x\":1,\"y\":[{\"z\":\"q\"}]},\"a\":[1,2],\"m\":{\"k\":\"v\"},"
                       "\"b\":\"x\",\"req\":5}";
    assert_int_equal(fx_dec(&f, good), LS_OK);
    assert_int_equal(fx_dec(&ref, good), LS_OK);
    static const char *bad[] = {
        "{\"s\":{\"y\":[{\"z\":\"q\"}]},\"a\":[1,2,3],\"b\":\"str\",\"req\":5,\"z\":1.5}",
        "{\"s\":{\"x\":1,\"y\":[{\"z\":\"q\"},{\"z\":7}]},\"a\":[1],\"req\":1}",
        /* a duplicate key whose winning (last) value is bad, found on the slow path */
        "{\"a\":[1,2,3],\"m\":{\"k\":\"v\",\"k\":7},\"req\":1}",
        /* a missing required field, noticed only at the end */
        "{\"s\":{\"x\":1},\"a\":[9,9,9],\"b\":\"x\"}",
        "{\"s\":{\"x\":1},\"a\":[9,9,9],\"req\":3,\"b\":\"\xff\"}",
        "{\"s\":{\"x\":1},\"a\":[9,9,9],\"req\":3} trailing",
        "{\"s\":{\"x\":1},\"a\":[9,9,9],\"req\":3",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
        assert_int_not_equal(fx_dec(&f, bad[i]), LS_OK);
        char why[256];
        if (!ls_batch_equal(f.b, ref.b, why, sizeof(why))) {
            fail_msg("record %zu left traces in the batch: %s", i, why);
        }
    }
    assert_int_equal(fx_dec(&f, good), LS_OK);
    assert_int_equal(fx_dec(&ref, good), LS_OK);
    assert_true(ls_batch_equal(f.b, ref.b, NULL, 0));
    fx_close(&f);
    fx_close(&ref);
}

static void test_key_order_and_names(void **state)
{
    (void)state;
    fx_t f, ref;
    fx_open(&f, wide_schema(), NULL);
    fx_open(&ref, wide_schema(), NULL);
    static const char *a[] = {"{\"req\":1,\"b\":\"x\",\"a\":[1],\"z\":2}",
                              "{\"z\":2,\"a\":[1],\"b\":\"x\",\"req\":1}",
                              "{\"a\":[1],\"req\":1,\"zz\":0,\"z\":2,\"b\":\"x\"}",
                              "{\"b\":\"x\",\"z\":2,\"req\":1,\"a\":[1]}"};
    for (size_t i = 0; i < 4; i++) {
        for (size_t j = 0; j < 4; j++) {
            assert_int_equal(fx_dec(&f, a[(i + j) % 4]), LS_OK);
            assert_int_equal(fx_dec(&ref, a[0]), LS_OK);
        }
    }
    assert_true(ls_batch_equal(f.b, ref.b, NULL, 0));
    fx_close(&f);
    fx_close(&ref);

    /* names JSON must escape never match raw bytes; they still match their escaped form */
    ls_type_t *st = ls_type_new_struct();
    ls_type_struct_add(st, "a\"b", T(LS_TYPE_LONG), true);
    ls_type_struct_add(st, "\xc3\xa9t\xc3\xa9", T(LS_TYPE_LONG), true);
    ls_type_struct_add(st, "", T(LS_TYPE_LONG), true);
    fx_open(&f, st, NULL);
    assert_int_equal(fx_dec(&f, "{\"a\\\"b\":1,\"\xc3\xa9t\xc3\xa9\":2,\"\":3}"), LS_OK);
    assert_int_equal(fx_dec(&f, "{\"a\\u0022b\":1,\"\\u00e9t\\u00e9\":2}"), LS_OK);
    assert_int_equal(col(&f, 0)->nvalues, 2);
    assert_int_equal(col(&f, 1)->nvalues, 2);
    assert_int_equal(col(&f, 2)->nvalues, 1);
    assert_int_equal(ls_json_decoder_unknown_fields(f.d), 0);
    fx_close(&f);
}

static void test_unknown_and_duplicates(void **state)
{
    (void)state;
    fx_t f;
    fx_open1(&f, T(LS_TYPE_LONG), true);
    assert_int_equal(fx_dec(&f, "{\"v\":1,\"x\":{\"deep\":[1,2,{\"a\":null}]},\"y\":\"s\"}"),
                     LS_OK);
    assert_int_equal(ls_json_decoder_unknown_fields(f.d), 2);
    assert_int_equal(fx_dec(&f, "{\"v\":1,\"x\":[1,2,}"),
                     LS_ERR_PARSE); /* skipped values are validated */
    assert_int_equal(fx_dec(&f, "{\"v\":1,\"x\":\"\xff\"}"), LS_ERR_PARSE);
    assert_int_equal(ls_json_decoder_unknown_fields(f.d), 2); /* failed records do not count */
    /* duplicate members: the last one wins (one row each, holding the last value) */
    size_t nv = col(&f, 0)->nvalues;
    assert_int_equal(fx_dec(&f, "{\"v\":1,\"v\":2}"), LS_OK);
    assert_int_equal(col(&f, 0)->nvalues, nv + 1);
    assert_int_equal(ls_col_i64(col(&f, 0), nv), 2);
    assert_int_equal(fx_dec(&f, "{\"v\":1,\"\\u0076\":3}"), LS_OK);
    assert_int_equal(ls_col_i64(col(&f, 0), nv + 1), 3);
    size_t nl = col(&f, 0)->nlevels;
    assert_int_equal(fx_dec(&f, "{\"v\":5,\"v\":null}"), LS_OK);
    assert_int_equal(col(&f, 0)->nlevels, nl + 1);
    assert_int_equal(col(&f, 0)->nvalues, nv + 2); /* the null won */
    /* the merged record is still checked: a bad last value rejects it */
    assert_int_equal(fx_dec(&f, "{\"v\":1,\"v\":\"x\"}"), LS_ERR_SCHEMA);
    assert_non_null(strstr(f.err.msg, "duplicate keys"));
    assert_int_equal(fx_dec(&f, "{\"x\":1,\"x\":2}"), LS_OK); /* unknown members are not tracked */
    fx_close(&f);

    ls_json_decoder_opts_t o;
    ls_json_decoder_opts_init(&o);
    o.unknown_fields = LS_JSON_UNKNOWN_ERROR;
    ls_type_t *st = ls_type_new_struct();
    ls_type_struct_add(st, "v", T(LS_TYPE_LONG), true);
    fx_open(&f, st, &o);
    assert_int_equal(fx_dec(&f, "{\"v\":1}"), LS_OK);
    assert_int_equal(fx_dec(&f, "{\"v\":1,\"extra\":2}"), LS_ERR_SCHEMA);
    assert_non_null(strstr(f.err.msg, "unknown field \"extra\""));
    assert_non_null(strstr(f.err.msg, "byte 7"));
    fx_close(&f);
}

static void test_limits(void **state)
{
    (void)state;
    ls_json_decoder_opts_t o;
    ls_json_decoder_opts_init(&o);
    assert_int_equal(o.max_depth, 64);
    assert_int_equal(o.max_record_bytes, 16u << 20);
    o.max_depth = 3;
    o.max_record_bytes = 40;
    ls_type_t *st = ls_type_new_struct();
    ls_type_struct_add(
        st, "v",
        ls_type_new_array(ls_type_new_array(ls_type_new_array(T(LS_TYPE_LONG), true), true), true),
        true);
    fx_t f;
    fx_open(&f, st, &o);
    assert_int_equal(fx_dec(&f, "{\"x\":[[1]]}"), LS_OK);
    assert_int_equal(fx_dec(&f, "{\"x\":[[[1]]]}"), LS_ERR_LIMIT);
    assert_int_equal(fx_dec(&f, "{\"x\":{\"a\":{\"b\":1}}}"), LS_OK);
    assert_int_equal(fx_dec(&f, "{\"x\":{\"a\":{\"b\":{}}}}"), LS_ERR_LIMIT);
    assert_int_equal(fx_dec(&f, "{\"v\":[[]]}"), LS_OK);
    assert_int_equal(fx_dec(&f, "{\"v\":[[[1]]]}"),
                     LS_ERR_LIMIT); /* the schema allows it, the limit not */
    assert_non_null(strstr(f.err.msg, "nesting deeper"));
    char rec[64];
    memset(rec, ' ', sizeof(rec));
    memcpy(rec, "{}", 2);
    assert_int_equal(ls_json_decode_record(f.d, f.b, rec, 40, &f.err), LS_OK);
    assert_int_equal(ls_json_decode_record(f.d, f.b, rec, 41, &f.err), LS_ERR_LIMIT);
    assert_non_null(strstr(f.err.msg, "exceeds the limit"));
    assert_int_equal(ls_json_decode_record(f.d, f.b, rec + 2, 10, &f.err),
                     LS_ERR_PARSE); /* blank */
    fx_close(&f);

    /* very deep input against the default limit: an error, not a stack overflow */
    fx_open1(&f, T(LS_TYPE_LONG), true);
    size_t n = 200000;
    char *deep = ls_malloc(2 * n + 16);
    memcpy(deep, "{\"x\":", 5);
    memset(deep + 5, '[', n);
    memset(deep + 5 + n, ']', n);
    memcpy(deep + 5 + 2 * n, "}", 2);
    assert_int_equal(fx_dec(&f, deep), LS_ERR_LIMIT);
    ls_free(deep);
    fx_close(&f);
}

static void test_record_framing(void **state)
{
    (void)state;
    fx_t f;
    fx_open1(&f, T(LS_TYPE_LONG), true);
    assert_int_equal(fx_dec(&f, " \t\r\n{ \"v\" : 1 } \n"), LS_OK);
    static const char *bad[] = {
        "",         "   ",       "[1]",   "1",          "\"x\"",          "{\"v\":1}{}",
        "{\"v\":1", "{\"v\" 1}", "{v:1}", "{\"v\":1,}", "\xef\xbb\xbf{}", "{\"v\":1}\x00",
        "{,}"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
        size_t len = strlen(bad[i]) + (i == 11 ? 1 : 0);
        ls_err_t rc = ls_json_decode_record(f.d, f.b, bad[i], len, &f.err);
        if (rc == LS_OK) {
            fail_msg("record %zu accepted", i);
        }
    }
    assert_int_equal(ls_json_decode_record(f.d, f.b, NULL, 0, &f.err), LS_ERR_PARSE);
    assert_int_equal(ls_json_decode_record(f.d, f.b, NULL, 5, &f.err), LS_ERR_INVALID_ARG);
    assert_int_equal(f.b->nrows, 1);
    fx_close(&f);
}

static void test_error_messages(void **state)
{
    (void)state;
    ls_type_t *props = ls_type_new_struct();
    ls_type_struct_add(props, "price", T(LS_TYPE_DOUBLE), true);
    ls_type_t *st = ls_type_new_struct();
    ls_type_struct_add(st, "properties", props, true);
    ls_type_struct_add(st, "a", ls_type_new_array(T(LS_TYPE_LONG), true), true);
    fx_t f;
    fx_open(&f, st, NULL);
    assert_int_equal(fx_dec(&f, "{\"properties\":{\"price\":\"abc\"}}"), LS_ERR_SCHEMA);
    assert_non_null(strstr(f.err.msg, "byte 23"));
    assert_non_null(strstr(f.err.msg, "field properties.price"));
    assert_int_equal(fx_dec(&f, "{\"a\":[1,\"x\"]}"), LS_ERR_SCHEMA);
    assert_non_null(strstr(f.err.msg, "field a[]"));
    assert_non_null(strstr(f.err.msg, "byte 8"));
    assert_int_equal(fx_dec(&f, "{\"properties\":{\"price\":1e999}}"), LS_ERR_SCHEMA);
    assert_non_null(strstr(f.err.msg, "1e999"));
    fx_close(&f);
}

/* ------------------------------------------------------------ NDJSON */

typedef struct {
    size_t lines[8], offsets[8], n;
    ls_err_t stop_with;
} bad_ctx_t;

static ls_err_t on_bad(void *ctx, size_t line_no, size_t byte_offset, const ls_error_t *why)
{
    bad_ctx_t *c = ctx;
    assert_true(why->code != LS_OK);
    assert_non_null(strstr(why->msg, "line "));
    if (c->n < 8) {
        c->lines[c->n] = line_no;
        c->offsets[c->n] = byte_offset;
    }
    c->n++;
    return c->stop_with;
}

static void test_ndjson(void **state)
{
    (void)state;
    fx_t f;
    fx_open1(&f, T(LS_TYPE_LONG), true);
    const char *data = "{\"v\":1}\n\n  \r\n{\"v\":2}\r\n{\"v\":x}\n{\"v\":3}";
    size_t len = strlen(data), used = 0;
    bad_ctx_t bc = {.n = 0, .stop_with = LS_OK};
    assert_int_equal(ls_json_decode_ndjson(f.d, f.b, data, len, 1, on_bad, &bc, &used, &f.err),
                     LS_OK);
    assert_int_equal(used, len);
    assert_int_equal(f.b->nrows, 3);
    assert_int_equal(bc.n, 1);
    assert_int_equal(bc.lines[0], 5);
    assert_int_equal(bc.offsets[0], 22);
    /* without a callback the first bad line stops, consumed points at it */
    ls_batch_reset(f.b);
    assert_int_equal(ls_json_decode_ndjson(f.d, f.b, data, len, 10, NULL, NULL, &used, &f.err),
                     LS_ERR_PARSE);
    assert_int_equal(used, 22);
    assert_int_equal(f.b->nrows, 2);
    assert_true(strncmp(f.err.msg, "line 14: byte 5", 15) == 0);
    /* a callback can stop too */
    ls_batch_reset(f.b);
    bc = (bad_ctx_t){.n = 0, .stop_with = LS_ERR_CONFLICT};
    assert_int_equal(ls_json_decode_ndjson(f.d, f.b, data, len, 1, on_bad, &bc, &used, &f.err),
                     LS_ERR_CONFLICT);
    assert_int_equal(used, 30);
    assert_int_equal(ls_json_decode_ndjson(f.d, f.b, "", 0, 1, NULL, NULL, &used, &f.err), LS_OK);
    assert_int_equal(used, 0);
    fx_close(&f);
}

static void test_ndjson_batch_cap(void **state)
{
    (void)state;
    fx_t f;
    fx_open1(&f, T(LS_TYPE_STRING), true);
    ls_batch_free(f.b);
    f.b = ls_batch_new(f.l, 8192);
    char *data = ls_malloc(200000);
    size_t len = 0, n = 3000;
    for (size_t i = 0; i < n; i++) {
        len += (size_t)snprintf(data + len, 200000 - len, "{\"v\":\"value number %zu\"}\n", i);
    }
    size_t pos = 0, rows = 0, calls = 0, line = 1;
    while (pos < len) {
        size_t used;
        ls_err_t rc =
            ls_json_decode_ndjson(f.d, f.b, data + pos, len - pos, line, NULL, NULL, &used, &f.err);
        assert_true(rc == LS_OK || rc == LS_ERR_LIMIT);
        assert_true(used > 0);
        size_t len0;
        const uint8_t *p = ls_col_bytes(col(&f, 0), 0, &len0);
        char want[64];
        snprintf(want, sizeof(want), "value number %zu", rows);
        assert_true(len0 == strlen(want) && memcmp(p, want, len0) == 0);
        rows += f.b->nrows;
        line += f.b->nrows;
        pos += used;
        calls++;
        ls_batch_reset(f.b);
    }
    assert_int_equal(rows, n);
    assert_true(calls > 2);
    /* a record that alone exceeds the cap is a bad line, not an endless retry */
    memset(data, 'x', 20000);
    memcpy(data, "{\"v\":\"", 6);
    memcpy(data + 19998, "\"}", 2);
    bad_ctx_t bc = {.n = 0, .stop_with = LS_OK};
    size_t used;
    assert_int_equal(ls_json_decode_ndjson(f.d, f.b, data, 20000, 1, on_bad, &bc, &used, &f.err),
                     LS_OK);
    assert_int_equal(bc.n, 1);
    assert_int_equal(used, 20000);
    ls_free(data);
    fx_close(&f);
}

/* ------------------------------------------------------------ allocation failures */

static void test_alloc_failures(void **state)
{
    (void)state;
    const char *rec =
        "{\"s\":{\"x\":1,\"y\":[{\"z\":\"q\"},{\"z\":\"r\"}]},\"a\":[1,2,3],\"m\":{\"k\":\"v\"},"
        "\"b\":\"a \\n string\",\"req\":5,\"z\":7}";
    int ok = 0;
    for (long i = 0; i < 200 && ok < 3; i++) {
        ls_type_t *t = wide_schema();
        ls_layout_t *l = ls_layout_new(t, NULL);
        assert_non_null(l);
        ls_alloc_fail_after(i, 1);
        ls_json_decoder_t *d = ls_json_decoder_new(l, NULL, NULL);
        ls_batch_t *b = d ? ls_batch_new(l, 0) : NULL;
        ls_err_t rc = LS_ERR_NOMEM;
        if (b != NULL) {
            rc = ls_json_decode_record(d, b, rec, strlen(rec), NULL);
            assert_true(rc == LS_OK || rc == LS_ERR_NOMEM);
            for (size_t c = 0; c < b->ncols; c++) {
                assert_true(rc == LS_OK || b->cols[c].nlevels == 0);
            }
        }
        ls_alloc_fail_after(-1, 0);
        ok += rc == LS_OK;
        ls_batch_free(b);
        ls_json_decoder_free(d);
        ls_layout_free(l);
        ls_type_free(t);
    }
    assert_true(ok > 0);
}

/* json_text_in_strings: what inference widened to string keeps any JSON value as text. */
static void test_json_text_in_strings(void **state)
{
    (void)state;
    fx_t f;
    fx_open1(&f, T(LS_TYPE_STRING), true);
    assert_int_equal(fx_dec(&f, "{\"v\":12.5}"), LS_ERR_SCHEMA); /* strict by default */
    fx_close(&f);

    ls_json_decoder_opts_t o;
    ls_json_decoder_opts_init(&o);
    o.json_text_in_strings = true;
    ls_type_t *st = ls_type_new_struct();
    assert_int_equal(ls_type_struct_add(st, "v", T(LS_TYPE_STRING), true), LS_OK);
    fx_open(&f, st, &o);
    static const char *const recs[] = {"{\"v\":12.5}", "{\"v\":true}", "{\"v\": {\"a\":[1, 2]} }",
                                       "{\"v\":\"plain\"}", "{\"v\":null}"};
    static const char *const want[] = {"12.5", "true", "{\"a\":[1, 2]}", "plain"};
    for (size_t i = 0; i < 5; i++) {
        assert_int_equal(fx_dec(&f, recs[i]), LS_OK);
    }
    assert_int_equal(col(&f, 0)->nvalues, 4);
    for (size_t i = 0; i < 4; i++) {
        size_t len;
        const uint8_t *v = ls_col_bytes(col(&f, 0), i, &len);
        assert_int_equal(len, strlen(want[i]));
        assert_memory_equal(v, want[i], len);
    }
    /* the text is still validated */
    assert_int_equal(fx_dec(&f, "{\"v\":[1,]}"), LS_ERR_PARSE);
    fx_close(&f);
}

/* Renames, drops and external fields (filled by the caller on the open row). */
static void test_open_row_externals(void **state)
{
    (void)state;
    static const char *const renames[] = {"ts", "event_time"};
    static const char *const drops[] = {"debug"};
    ls_json_decoder_opts_t o;
    ls_json_decoder_opts_init(&o);
    o.unknown_fields = LS_JSON_UNKNOWN_ERROR;
    o.external_fields = 1;
    o.renames = renames;
    o.nrenames = 1;
    o.drops = drops;
    o.ndrops = 1;
    ls_type_t *st = ls_type_new_struct();
    assert_int_equal(ls_type_struct_add(st, "event_time", T(LS_TYPE_LONG), true), LS_OK);
    assert_int_equal(ls_type_struct_add(st, "_kafka_offset", T(LS_TYPE_LONG), false), LS_OK);
    fx_t f;
    fx_open(&f, st, &o);
    const char *rec = "{\"ts\":5,\"debug\":{\"x\":[1]}}";
    for (int i = 0; i < 3; i++) { /* the second and third use the predicted key order */
        ls_error_clear(&f.err);
        assert_int_equal(ls_json_decode_record_open(f.d, f.b, rec, strlen(rec), &f.err), LS_OK);
        assert_int_equal(ls_col_push_i64(f.b, col(&f, 1), 100 + i, 0), LS_OK);
        ls_batch_row_commit(f.b);
    }
    assert_int_equal(f.b->nrows, 3);
    assert_int_equal(ls_col_i64(col(&f, 0), 2), 5);
    assert_int_equal(ls_col_i64(col(&f, 1), 2), 102);
    assert_int_equal(ls_json_decoder_unknown_fields(f.d), 0);
    /* the column's own name is not read, nor is an external field's */
    assert_int_equal(fx_dec(&f, "{\"event_time\":5}"), LS_ERR_SCHEMA);
    assert_non_null(strstr(f.err.msg, "unknown field \"event_time\""));
    assert_int_equal(fx_dec(&f, "{\"ts\":1,\"_kafka_offset\":5}"), LS_ERR_SCHEMA);
    /* a failed open decode leaves nothing behind */
    ls_error_clear(&f.err);
    assert_int_equal(ls_json_decode_record_open(f.d, f.b, "{\"ts\":\"x\"}", 10, &f.err),
                     LS_ERR_SCHEMA);
    assert_int_equal(col(&f, 0)->nlevels, 3);
    assert_int_equal(col(&f, 1)->nlevels, 3);
    fx_close(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_integers),
        cmocka_unit_test(test_widening_hint),
        cmocka_unit_test(test_doubles),
        cmocka_unit_test(test_doubles_random),
        cmocka_unit_test(test_decimals),
        cmocka_unit_test(test_strings),
        cmocka_unit_test(test_dates_timestamps),
        cmocka_unit_test(test_array_levels),
        cmocka_unit_test(test_struct_levels),
        cmocka_unit_test(test_maps),
        cmocka_unit_test(test_rollback),
        cmocka_unit_test(test_key_order_and_names),
        cmocka_unit_test(test_unknown_and_duplicates),
        cmocka_unit_test(test_json_text_in_strings),
        cmocka_unit_test(test_open_row_externals),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_record_framing),
        cmocka_unit_test(test_error_messages),
        cmocka_unit_test(test_ndjson),
        cmocka_unit_test(test_ndjson_batch_cap),
        cmocka_unit_test(test_alloc_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

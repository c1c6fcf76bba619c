/*
 * test_csv.c — the CSV decoder and inference: RFC 4180 framing (quotes, "" escapes,
 * embedded delimiters and newlines, CRLF/LF, blank lines, BOM), every column type,
 * null rules, each kind of bad record with rollback and line numbers, the batch cap and
 * resuming, header mapping, chunked input, inference, allocation failures.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lakesink/alloc.h"
#include "lakesink/csv.h"
#include "testutil.h"

typedef struct {
    ls_type_t *t;
    ls_layout_t *l;
    ls_csv_decoder_t *d;
    ls_batch_t *b;
    ls_error_t err;
    size_t used;
} fx_t;

/* Schema from "name:kind,name:kind!" ('!' = not nullable); kinds by Delta name. */
static ls_type_t *mk_schema(const char *spec)
{
    ls_type_t *st = ls_type_new_struct();
    char buf[512];
    snprintf(buf, sizeof(buf), "%s", spec);
    char *save = NULL;
    for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        char *colon = strchr(tok, ':');
        assert_non_null(colon);
        *colon = '\0';
        char *kind = colon + 1;
        bool nullable = true;
        size_t kl = strlen(kind);
        if (kl > 0 && kind[kl - 1] == '!') {
            nullable = false;
            kind[kl - 1] = '\0';
        }
        ls_type_t *t;
        int p, s;
        if (sscanf(kind, "decimal(%d;%d)", &p, &s) == 2) {
            t = ls_type_new_decimal(p, s);
        } else if (strcmp(kind, "fixed4") == 0) {
            t = ls_type_new_fixed(4);
        } else if (strcmp(kind, "uuid") == 0) {
            t = ls_type_new(LS_TYPE_UUID);
        } else if (strcmp(kind, "time") == 0) {
            t = ls_type_new(LS_TYPE_TIME);
        } else if (strcmp(kind, "uint64") == 0) {
            t = ls_type_new(LS_TYPE_UINT64);
        } else if (strcmp(kind, "array") == 0) {
            t = ls_type_new_array(ls_type_new(LS_TYPE_LONG), true);
        } else {
            int k = ls_type_kind_parse(kind);
            assert_true(k >= 0);
            t = ls_type_new((ls_type_kind_t)k);
        }
        assert_non_null(t);
        assert_int_equal(ls_type_struct_add(st, tok, t, nullable), LS_OK);
    }
    return st;
}

static void fx_open(fx_t *f, const char *spec, const ls_csv_opts_t *o, size_t cap)
{
    memset(f, 0, sizeof(*f));
    f->t = mk_schema(spec);
    f->l = ls_layout_new(f->t, &f->err);
    assert_non_null(f->l);
    f->d = ls_csv_decoder_new(f->l, o, &f->err);
    if (f->d == NULL) {
        fail_msg("decoder: %s", f->err.msg);
    }
    f->b = ls_batch_new(f->l, cap);
    assert_non_null(f->b);
}

static void fx_close(fx_t *f)
{
    ls_batch_free(f->b);
    ls_csv_decoder_free(f->d);
    ls_layout_free(f->l);
    ls_type_free(f->t);
}

static ls_err_t fx_dec(fx_t *f, const char *csv)
{
    ls_error_clear(&f->err);
    return ls_csv_decode(f->d, f->b, csv, strlen(csv), 1, NULL, NULL, &f->used, &f->err);
}

/* Value index of (column, row), or -1 for null. */
static long cell(const ls_batch_t *b, size_t col, size_t row)
{
    const ls_column_t *c = &b->cols[col];
    assert_true(row < c->nlevels);
    if (c->def != NULL && c->def[row] == 0) {
        return -1;
    }
    long k = 0;
    for (size_t i = 0; i < row; i++) {
        k += c->def == NULL || c->def[i] != 0;
    }
    return k;
}

static void assert_str(const ls_batch_t *b, size_t col, size_t row, const char *want)
{
    long k = cell(b, col, row);
    if (want == NULL) {
        assert_int_equal(k, -1);
        return;
    }
    assert_true(k >= 0);
    size_t n;
    const uint8_t *p = ls_col_bytes(&b->cols[col], (size_t)k, &n);
    if (n != strlen(want) || memcmp(p, want, n) != 0) {
        fail_msg("col %zu row %zu: got \"%.*s\", want \"%s\"", col, row, (int)n, p, want);
    }
}

static int64_t get_i64(const ls_batch_t *b, size_t col, size_t row)
{
    long k = cell(b, col, row);
    assert_true(k >= 0);
    return ls_col_i64(&b->cols[col], (size_t)k);
}

static int32_t get_i32(const ls_batch_t *b, size_t col, size_t row)
{
    long k = cell(b, col, row);
    assert_true(k >= 0);
    return ls_col_i32(&b->cols[col], (size_t)k);
}

/* ---------------------------------------------------------------- framing */

static void test_rfc4180(void **state)
{
    (void)state;
    fx_t f;
    fx_open(&f, "a:string,b:string,c:string", NULL, 0);
    const char *csv = "\xEF\xBB\xBF"
                      "a,b,c\r\n"
                      "x,\"y,1\",\"he said \"\"hi\"\"\"\r\n"
                      "\n"
                      "\"multi\r\nline\",\"\",plain\n"
                      "\r\n"
                      "\"\"\"\",caf\xC3\xA9,\"\n\"";
    assert_int_equal(fx_dec(&f, csv), LS_OK);
    assert_int_equal(f.used, strlen(csv));
    assert_int_equal(f.b->nrows, 3);
    assert_str(f.b, 0, 0, "x");
    assert_str(f.b, 1, 0, "y,1");
    assert_str(f.b, 2, 0, "he said \"hi\"");
    assert_str(f.b, 0, 1, "multi\r\nline");
    assert_str(f.b, 1, 1, "");
    assert_str(f.b, 2, 1, "plain");
    assert_str(f.b, 0, 2, "\"");
    assert_str(f.b, 1, 2, "caf\xC3\xA9");
    assert_str(f.b, 2, 2, "\n");
    assert_true(ls_csv_decoder_has_header(f.d));
    fx_close(&f);
}

static void test_dialect(void **state)
{
    (void)state;
    ls_csv_opts_t o;
    ls_csv_opts_init(&o);
    o.delimiter = ';';
    o.quote = '\'';
    o.header = false;
    fx_t f;
    fx_open(&f, "a:string,b:long", &o, 0);
    assert_int_equal(fx_dec(&f, "'x;''y';1\n\"q\";2\n"), LS_OK);
    assert_int_equal(f.b->nrows, 2);
    assert_str(f.b, 0, 0, "x;'y");
    assert_str(f.b, 0, 1, "\"q\"");
    assert_int_equal(get_i64(f.b, 1, 1), 2);
    fx_close(&f);

    o.quote = '\0'; /* quoting off: quotes are data */
    o.delimiter = '\t';
    fx_open(&f, "a:string,b:string", &o, 0);
    assert_int_equal(fx_dec(&f, "\"x\"\ty\"\n"), LS_OK);
    assert_str(f.b, 0, 0, "\"x\"");
    assert_str(f.b, 1, 0, "y\"");
    fx_close(&f);

    o.delimiter = '\n';
    ls_error_t err;
    ls_type_t *t = mk_schema("a:string");
    ls_layout_t *l = ls_layout_new(t, &err);
    assert_null(ls_csv_decoder_new(l, &o, &err));
    assert_int_equal(err.code, LS_ERR_INVALID_ARG);
    ls_layout_free(l);
    ls_type_free(t);
}

/* ---------------------------------------------------------------- types */

static void test_types(void **state)
{
    (void)state;
    ls_csv_opts_t o;
    ls_csv_opts_init(&o);
    o.header = false;
    fx_t f;
    fx_open(&f,
            "by:byte,sh:short,i:integer,l:long,u:uint64,fl:float,d:double,dec:decimal(10;2),"
            "big:decimal(38;4),b:boolean,dt:date,ts:timestamp,ntz:timestamp_ntz,tm:time,"
            "bin:binary,fx:fixed4,id:uuid",
            &o, 0);
    const char *csv =
        "-128,32767,-2147483648,9223372036854775807,18446744073709551615,1.5,0.1,12.345,"
        "-1234567890123456789012345678901234.5678,TRUE,2024-02-29,2024-01-15T10:30:00.5+01:00,"
        "2024-01-15 10:30:00,23:59:59.000001,aGVsbG8=,AAECAw==,"
        "123e4567-e89b-12d3-a456-426614174000\n"
        "1e2,0,0,-0,0,NaN,-Infinity,\"1\",0,false,1970-01-01,1970-01-01T00:00:00Z,"
        "1970-01-01,00:00:00,\"\",AAAAAA==,00000000-0000-0000-0000-000000000000\n";
    if (fx_dec(&f, csv) != LS_OK) {
        fail_msg("%s", f.err.msg);
    }
    ls_batch_t *b = f.b;
    assert_int_equal(b->nrows, 2);
    assert_int_equal(get_i32(b, 0, 0), -128);
    assert_int_equal(get_i32(b, 1, 0), 32767);
    assert_int_equal(get_i32(b, 2, 0), INT32_MIN);
    assert_true(get_i64(b, 3, 0) == INT64_MAX);
    assert_true((uint64_t)get_i64(b, 4, 0) == UINT64_MAX);
    assert_true(ls_col_float(&b->cols[5], 0) == 1.5f);
    assert_true(ls_col_double(&b->cols[6], 0) == 0.1);
    assert_int_equal(get_i64(b, 7, 0), 1235); /* 12.345 rounds half away from zero */
    assert_int_equal(ls_col_bool(&b->cols[9], 0), 1);
    assert_int_equal(get_i32(b, 10, 0), 19782);
    assert_true(get_i64(b, 11, 0) == 1705311000500000LL);
    assert_true(get_i64(b, 12, 0) == 1705314600000000LL);
    assert_true(get_i64(b, 13, 0) == 86399000001LL);
    assert_str(b, 14, 0, "hello");
    const uint8_t *fx = ls_col_fixed(&b->cols[15], 0);
    assert_memory_equal(fx, "\x00\x01\x02\x03", 4);
    assert_int_equal(ls_col_fixed(&b->cols[16], 0)[0], 0x12);
    /* row 2 */
    assert_int_equal(get_i32(b, 0, 1), 100);
    assert_true(isnan(ls_col_float(&b->cols[5], 1)));
    assert_true(isinf(ls_col_double(&b->cols[6], 1)));
    assert_int_equal(get_i64(b, 7, 1), 100); /* a quoted number fills a decimal column */
    assert_int_equal(ls_col_bool(&b->cols[9], 1), 0);
    assert_int_equal(get_i32(b, 10, 1), 0);
    assert_str(b, 14, 1, "");
    fx_close(&f);
}

static void test_bad_values(void **state)
{
    (void)state;
    static const struct {
        const char *spec, *value, *msg;
    } cases[] = {
        {"v:byte", "128", "not a valid byte"},
        {"v:integer", "1.5", "not a valid integer"},
        {"v:long", "9223372036854775808", "out of range"},
        {"v:long", "+1", "a number expected"},
        {"v:long", "007", "a number expected"},
        {"v:long", " 1", "a number expected"},
        {"v:uint64", "-1", "out of range"},
        {"v:double", "1e999", "double range"},
        {"v:double", "nan", "a number expected"},
        {"v:decimal(4;2)", "100.00", "precision"},
        {"v:boolean", "yes", "true or false"},
        {"v:date", "2023-02-29", "YYYY-MM-DD"},
        {"v:timestamp", "2024-01-15T25:00:00", "ISO-8601"},
        {"v:timestamp_ntz", "2024-01-15T10:00:00Z", "no zone"},
        {"v:time", "24:00:00", "HH:MM:SS"},
        {"v:binary", "abc", "base64"},
        {"v:fixed4", "AAAA", "wrong length"},
        {"v:uuid", "123", "8-4-4-4-12"},
    };
    ls_csv_opts_t o;
    ls_csv_opts_init(&o);
    o.header = false;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        fx_t f;
        fx_open(&f, cases[i].spec, &o, 0);
        char csv[128];
        snprintf(csv, sizeof(csv), "%s\n", cases[i].value);
        ls_err_t rc = fx_dec(&f, csv);
        if (rc != LS_ERR_SCHEMA || strstr(f.err.msg, cases[i].msg) == NULL ||
            strstr(f.err.msg, "line 1, column 1 (v)") == NULL) {
            fail_msg("case %zu (%s): rc %d, %s", i, cases[i].value, rc, f.err.msg);
        }
        assert_int_equal(f.b->nrows, 0);
        assert_int_equal(f.b->cols[0].nlevels, 0);
        fx_close(&f);
    }
}

/* ---------------------------------------------------------------- nulls */

static void test_nulls(void **state)
{
    (void)state;
    ls_csv_opts_t o;
    ls_csv_opts_init(&o);
    o.null_strings[0] = "NULL";
    o.null_strings[1] = "\\N";
    o.n_null_strings = 2;
    fx_t f;
    fx_open(&f, "s:string,n:long", &o, 0);
    assert_int_equal(fx_dec(&f, "s,n\n,\n\"\",1\nNULL,\\N\n\"NULL\",2\n"), LS_OK);
    assert_int_equal(f.b->nrows, 4);
    assert_str(f.b, 0, 0, NULL);
    assert_int_equal(cell(f.b, 1, 0), -1);
    assert_str(f.b, 0, 1, "");
    assert_str(f.b, 0, 2, NULL);
    assert_int_equal(cell(f.b, 1, 2), -1);
    assert_str(f.b, 0, 3, "NULL");
    /* a quoted empty field in a long column is an empty string, not a null */
    assert_int_equal(fx_dec(&f, "s,n\nx,\"\"\n"), LS_ERR_SCHEMA);
    fx_close(&f);

    o.empty_is_null = false;
    o.n_null_strings = 0;
    fx_open(&f, "s:string", &o, 0);
    assert_int_equal(fx_dec(&f, "s\nx\n\"\"\n"), LS_OK);
    /* without empty_is_null an empty line is still a blank line (skipped) */
    assert_int_equal(f.b->nrows, 2);
    assert_str(f.b, 0, 1, "");
    fx_close(&f);

    fx_open(&f, "s:string!,t:string", NULL, 0);
    assert_int_equal(fx_dec(&f, "s,t\n,x\n"), LS_ERR_SCHEMA);
    assert_non_null(strstr(f.err.msg, "null in a non-nullable column"));
    assert_int_equal(f.b->cols[1].nlevels, 0);
    fx_close(&f);
}

/* ---------------------------------------------------------------- bad records */

typedef struct {
    size_t n;
    size_t lines[16];
    size_t offs[16];
    char msgs[16][LS_ERROR_MSG_MAX];
    ls_err_t codes[16];
    size_t stop_after; /* 0 = never stop */
} bad_log_t;

static ls_err_t log_bad(void *ctx, size_t line, size_t off, const ls_error_t *why)
{
    bad_log_t *lg = ctx;
    if (lg->n < 16) {
        lg->lines[lg->n] = line;
        lg->offs[lg->n] = off;
        lg->codes[lg->n] = why->code;
        snprintf(lg->msgs[lg->n], sizeof(lg->msgs[0]), "%s", why->msg);
    }
    lg->n++;
    return lg->stop_after && lg->n >= lg->stop_after ? LS_ERR_PARSE : LS_OK;
}

static void test_bad_records(void **state)
{
    (void)state;
    fx_t f;
    fx_open(&f, "a:long,b:string", NULL, 0);
    const char *csv = "a,b\n"
                      "1,ok\n"                 /* line 2 */
                      "2,x\"y\n"               /* 3: quote in unquoted field */
                      "3,\"ab\"c\n"            /* 4: data after closing quote */
                      "4,a,b\n"                /* 5: too many fields */
                      "5\n"                    /* 6: too few */
                      "6,\"multi\nline\"\n"    /* 7-8: good */
                      "bad,z\n"                /* 9: conversion */
                      "7,\xC3\x28\n"           /* 10: invalid UTF-8 */
                      "8,a\rb\n"               /* 11: bare CR */
                      "9,last\n"               /* 12: good */
                      "10,\"open\nnever closed\n"; /* 13: unterminated */
    bad_log_t lg = {0};
    ls_error_clear(&f.err);
    ls_err_t rc = ls_csv_decode(f.d, f.b, csv, strlen(csv), 1, log_bad, &lg, &f.used, &f.err);
    assert_int_equal(rc, LS_OK);
    assert_int_equal(f.used, strlen(csv));
    assert_int_equal(f.b->nrows, 3);
    assert_int_equal(get_i64(f.b, 0, 0), 1);
    assert_int_equal(get_i64(f.b, 0, 1), 6);
    assert_str(f.b, 1, 1, "multi\nline");
    assert_int_equal(get_i64(f.b, 0, 2), 9);
    assert_int_equal(f.b->cols[0].nlevels, 3);
    assert_int_equal(f.b->cols[1].nlevels, 3);
    static const struct {
        size_t line;
        const char *msg;
    } want[] = {{3, "column 2 (b): byte 3 of the record: quote inside an unquoted field"},
                {4, "unexpected data after a closing quote"},
                {5, "column 3: byte 4 of the record: too many fields"},
                {6, "1 fields, expected 2"},
                {9, "column 1 (a): byte 0 of the record: \"bad\" is not a valid long"},
                {10, "invalid UTF-8"},
                {11, "carriage return not followed by a line feed"},
                {13, "unterminated quoted field"}};
    assert_int_equal(lg.n, sizeof(want) / sizeof(want[0]));
    for (size_t i = 0; i < lg.n; i++) {
        char pre[32];
        snprintf(pre, sizeof(pre), "line %zu, ", want[i].line);
        if (lg.lines[i] != want[i].line || strncmp(lg.msgs[i], pre, strlen(pre)) != 0 ||
            strstr(lg.msgs[i], want[i].msg) == NULL) {
            fail_msg("bad %zu: line %zu: %s", i, lg.lines[i], lg.msgs[i]);
        }
    }
    assert_int_equal(lg.codes[4], LS_ERR_SCHEMA);
    assert_int_equal(lg.codes[0], LS_ERR_PARSE);
    assert_int_equal(lg.offs[0], strlen("a,b\n1,ok\n"));

    /* without a callback the first bad record stops, consumed = its start */
    ls_csv_decoder_free(f.d);
    f.d = ls_csv_decoder_new(f.l, NULL, &f.err);
    ls_batch_reset(f.b);
    assert_int_equal(fx_dec(&f, csv), LS_ERR_PARSE);
    assert_int_equal(f.used, strlen("a,b\n1,ok\n"));
    assert_int_equal(f.b->nrows, 1);
    assert_non_null(strstr(f.err.msg, "line 3, column 2 (b)"));

    /* a callback that stops: consumed = past the record */
    ls_batch_reset(f.b);
    bad_log_t stop = {.stop_after = 1};
    rc = ls_csv_decode(f.d, f.b, csv + 4, strlen(csv) - 4, 2, log_bad, &stop, &f.used, &f.err);
    assert_int_equal(rc, LS_ERR_PARSE);
    assert_int_equal(f.used, strlen("1,ok\n2,x\"y\n"));
    fx_close(&f);
}

static void test_limits(void **state)
{
    (void)state;
    ls_csv_opts_t o;
    ls_csv_opts_init(&o);
    o.header = false;
    o.max_record_bytes = 16;
    o.max_columns = 3;
    fx_t f;
    fx_open(&f, "a:string,b:string,c:string", &o, 0);
    bad_log_t lg = {0};
    const char *csv = "a,b,c\n0123456789,0123456789,x\nq,r,s,t\nd,e,f\n";
    ls_err_t rc = ls_csv_decode(f.d, f.b, csv, strlen(csv), 1, log_bad, &lg, &f.used, &f.err);
    assert_int_equal(rc, LS_OK);
    assert_int_equal(f.b->nrows, 2);
    assert_int_equal(lg.n, 2);
    assert_int_equal(lg.codes[0], LS_ERR_PARSE); /* LS_ERR_LIMIT means only "batch full" */
    assert_non_null(strstr(lg.msgs[0], "record longer than the limit of 16 bytes"));
    assert_non_null(strstr(lg.msgs[1], "line 3"));
    fx_close(&f);
}

/* ---------------------------------------------------------------- batch cap */

static void test_batch_cap(void **state)
{
    (void)state;
    ls_buf_t in;
    ls_buf_init(&in, (size_t)1 << 24);
    assert_int_equal(ls_buf_append(&in, "id,name\n", 8), LS_OK);
    for (int i = 0; i < 5000; i++) {
        char line[64];
        int n = snprintf(line, sizeof(line), "%d,\"name number %d\"\n", i, i);
        assert_int_equal(ls_buf_append(&in, line, (size_t)n), LS_OK);
    }
    fx_t f;
    fx_open(&f, "id:long,name:string", NULL, 32 * 1024);
    size_t pos = 0, line = 1, total = 0, calls = 0;
    long next = 0;
    for (;;) {
        ls_batch_reset(f.b);
        ls_error_clear(&f.err);
        ls_err_t rc = ls_csv_decode(f.d, f.b, (const char *)in.data + pos, in.len - pos, line,
                                    NULL, NULL, &f.used, &f.err);
        assert_true(rc == LS_OK || rc == LS_ERR_LIMIT);
        for (size_t r = 0; r < f.b->nrows; r++) {
            assert_int_equal(get_i64(f.b, 0, r), next++);
        }
        total += f.b->nrows;
        for (size_t k = pos; k < pos + f.used; k++) {
            line += in.data[k] == '\n';
        }
        pos += f.used;
        calls++;
        if (rc == LS_OK) {
            break;
        }
        assert_non_null(strstr(f.err.msg, "batch memory cap"));
    }
    assert_int_equal(total, 5000);
    assert_int_equal(pos, in.len);
    assert_true(calls > 2);
    assert_int_equal(line, 5002);
    fx_close(&f);
    ls_buf_free(&in);
}

/* ---------------------------------------------------------------- header */

static void test_header(void **state)
{
    (void)state;
    fx_t f;
    fx_open(&f, "a:long,b:string,c:double", NULL, 0);
    size_t used;
    const char *hdr = "\n\"b\",extra,a,other\nx,1,2,3\n";
    assert_int_equal(ls_csv_read_header(f.d, hdr, strlen(hdr), &used, &f.err), LS_OK);
    assert_int_equal(used, strlen("\n\"b\",extra,a,other\n"));
    assert_int_equal(ls_csv_decoder_unknown_columns(f.d), 2);
    assert_int_equal(ls_csv_decode(f.d, f.b, hdr + used, strlen(hdr) - used, 3, NULL, NULL,
                                   &f.used, &f.err),
                     LS_OK);
    assert_int_equal(f.b->nrows, 1);
    assert_int_equal(get_i64(f.b, 0, 0), 2);
    assert_str(f.b, 1, 0, "x");
    assert_int_equal(cell(f.b, 2, 0), -1); /* c is not in the header: null */
    fx_close(&f);

    ls_csv_opts_t o;
    ls_csv_opts_init(&o);
    o.unknown_columns = LS_CSV_UNKNOWN_ERROR;
    fx_open(&f, "a:long", &o, 0);
    assert_int_equal(fx_dec(&f, "a,zz\n1,2\n"), LS_ERR_SCHEMA);
    assert_non_null(strstr(f.err.msg, "column 2 (zz) is not in the schema"));
    assert_false(ls_csv_decoder_has_header(f.d));
    fx_close(&f);

    fx_open(&f, "a:long,b:long", NULL, 0);
    assert_int_equal(fx_dec(&f, "a,b,a\n"), LS_ERR_SCHEMA);
    assert_non_null(strstr(f.err.msg, "repeats the name a"));
    assert_int_equal(fx_dec(&f, "\n\n"), LS_OK); /* empty input: no header yet, no rows */
    assert_false(ls_csv_decoder_has_header(f.d));
    assert_int_equal(ls_csv_read_header(f.d, "\n", 1, &used, &f.err), LS_ERR_PARSE);
    assert_int_equal(fx_dec(&f, "a,\"b\n"), LS_ERR_PARSE);
    assert_non_null(strstr(f.err.msg, "header: "));
    fx_close(&f);

    fx_open(&f, "a:long,b:long!", NULL, 0);
    assert_int_equal(fx_dec(&f, "a\n1\n"), LS_ERR_SCHEMA);
    assert_non_null(strstr(f.err.msg, "non-nullable field b"));
    fx_close(&f);

    o.header = false;
    fx_open(&f, "a:long", &o, 0);
    assert_int_equal(ls_csv_read_header(f.d, "a\n", 2, &used, &f.err), LS_ERR_STATE);
    fx_close(&f);

    /* nested columns are refused at creation */
    ls_error_t err;
    ls_type_t *t = mk_schema("a:long,xs:array");
    ls_layout_t *l = ls_layout_new(t, &err);
    assert_non_null(l);
    assert_null(ls_csv_decoder_new(l, NULL, &err));
    assert_int_equal(err.code, LS_ERR_SCHEMA);
    assert_non_null(strstr(err.msg, "xs"));
    ls_layout_free(l);
    ls_type_free(t);
}

/* ---------------------------------------------------------------- chunks */

/* Decoding in chunks of every size gives the same batch as decoding at once. */
static void test_partial(void **state)
{
    (void)state;
    const char *csv = "\xEF\xBB\xBF"
                      "id,txt\r\n1,\"a\"\"b\"\r\n\r\n2,\"x\ny\"\r\n3,caf\xC3\xA9\r\n"
                      "bad,\"q\"\r\n4,\"\"\r\n5,end";
    fx_t whole;
    bad_log_t lg0 = {0};
    fx_open(&whole, "id:long,txt:string", NULL, 0);
    assert_int_equal(ls_csv_decode(whole.d, whole.b, csv, strlen(csv), 1, log_bad, &lg0,
                                   &whole.used, &whole.err),
                     LS_OK);
    assert_int_equal(whole.b->nrows, 5);
    assert_int_equal(lg0.n, 1);
    assert_int_equal(lg0.lines[0], 7);
    size_t len = strlen(csv);
    for (size_t chunk = 1; chunk <= len; chunk++) {
        fx_t f;
        bad_log_t lg = {0};
        fx_open(&f, "id:long,txt:string", NULL, 0);
        size_t pos = 0, avail = 0, line = 1;
        while (avail < len) {
            avail = avail + chunk < len ? avail + chunk : len;
            size_t used;
            ls_err_t rc = ls_csv_decode_partial(f.d, f.b, csv + pos, avail - pos, line, log_bad,
                                                &lg, &used, &f.err);
            assert_int_equal(rc, LS_OK);
            for (size_t k = pos; k < pos + used; k++) {
                line += csv[k] == '\n';
            }
            pos += used;
        }
        size_t used;
        assert_int_equal(ls_csv_decode(f.d, f.b, csv + pos, len - pos, line, log_bad, &lg, &used,
                                       &f.err),
                         LS_OK);
        assert_int_equal(pos + used, len);
        char why[256];
        if (!ls_batch_equal(whole.b, f.b, why, sizeof(why))) {
            fail_msg("chunk %zu: %s", chunk, why);
        }
        assert_int_equal(lg.n, 1);
        assert_int_equal(lg.lines[0], 7);
        fx_close(&f);
    }
    fx_close(&whole);
}

/* ---------------------------------------------------------------- inference */

static ls_type_t *infer(const char *csv, const ls_csv_opts_t *o, ls_error_t *err)
{
    ls_csv_infer_t *inf = ls_csv_infer_new(o);
    assert_non_null(inf);
    ls_type_t *t = NULL;
    if (ls_csv_infer_data(inf, csv, strlen(csv), err) == LS_OK) {
        t = ls_csv_infer_result(inf, err);
    }
    ls_csv_infer_free(inf);
    return t;
}

static void expect_schema(ls_type_t *t, const char *want)
{
    assert_non_null(t);
    char desc[512];
    size_t k = 0;
    for (size_t i = 0; i < t->nfields; i++) {
        char tn[64];
        ls_type_describe(t->fields[i].type, tn, sizeof(tn));
        assert_true(t->fields[i].nullable);
        k += (size_t)snprintf(desc + k, sizeof(desc) - k, "%s%s:%s", i ? "," : "",
                              t->fields[i].name, tn);
    }
    desc[k] = '\0';
    if (strcmp(desc, want) != 0) {
        fail_msg("inferred %s, want %s", desc, want);
    }
    ls_type_free(t);
}

static void test_infer(void **state)
{
    (void)state;
    ls_error_t err;
    expect_schema(infer("i,d,b,dt,ts,tz,s,n,mix,big,\"q\"\"x\"\n"
                        "1,1.5,true,2024-01-01,2024-01-01T10:00:00,2024-01-01T10:00:00Z,x,,1,"
                        "9223372036854775808,\"7\"\n"
                        "-2,3,FALSE,1999-12-31,2024-01-01,2024-01-01,\"1\",,a,1,8\n",
                        NULL, &err),
                  "i:long,d:double,b:boolean,dt:date,ts:timestamp_ntz,tz:timestamp,s:string,"
                  "n:string,mix:string,big:double,q\"x:long");
    ls_csv_opts_t o;
    ls_csv_opts_init(&o);
    o.header = false;
    o.null_strings[0] = "NA";
    o.n_null_strings = 1;
    expect_schema(infer("1,,x\nNA,2.5,\n", &o, &err), "c1:long,c2:double,c3:string");
    /* chunks: the header and rows may come in separate calls */
    ls_csv_infer_t *inf = ls_csv_infer_new(NULL);
    assert_int_equal(ls_csv_infer_data(inf, "\n", 1, &err), LS_OK);
    assert_int_equal(ls_csv_infer_data(inf, "a,,a2\n", 6, &err), LS_OK);
    assert_int_equal(ls_csv_infer_data(inf, "1,2,3\n", 6, &err), LS_OK);
    assert_int_equal(ls_csv_infer_data(inf, "1,x,3\n", 6, &err), LS_OK);
    expect_schema(ls_csv_infer_result(inf, &err), "a:long,c2:string,a2:long");
    assert_int_equal(ls_csv_infer_data(inf, "1,2\n", 4, &err), LS_ERR_SCHEMA);
    assert_non_null(strstr(err.msg, "line 4"));
    ls_csv_infer_free(inf);

    assert_null(infer("a,a\n1,2\n", NULL, &err));
    assert_int_equal(err.code, LS_ERR_SCHEMA);
    assert_null(infer("a\n\"x\n", NULL, &err));
    assert_int_equal(err.code, LS_ERR_PARSE);
    expect_schema(infer("", NULL, &err), "");
}

/* Inferred schema decodes its own input. */
static void test_infer_then_decode(void **state)
{
    (void)state;
    const char *csv = "id,price,ok,day,at\n1,2.5,true,2024-03-01,2024-03-01T12:00:00+02:00\n"
                      "2,,false,,\n";
    ls_error_t err;
    ls_type_t *t = infer(csv, NULL, &err);
    assert_non_null(t);
    ls_layout_t *l = ls_layout_new(t, &err);
    ls_csv_decoder_t *d = ls_csv_decoder_new(l, NULL, &err);
    ls_batch_t *b = ls_batch_new(l, 0);
    size_t used;
    assert_int_equal(ls_csv_decode(d, b, csv, strlen(csv), 1, NULL, NULL, &used, &err), LS_OK);
    assert_int_equal(b->nrows, 2);
    assert_true(get_i64(b, 4, 0) == 1709287200000000LL);
    ls_batch_free(b);
    ls_csv_decoder_free(d);
    ls_layout_free(l);
    ls_type_free(t);
}

/* ---------------------------------------------------------------- allocation failures */

static void test_alloc_failures(void **state)
{
    (void)state;
    const char *csv = "a,b,c\n1,\"x\"\"y\",AAAA\n2,z,\n";
    for (long n = 0; n < 200; n++) {
        ls_error_t err;
        ls_type_t *t = mk_schema("a:long,b:string,c:binary");
        ls_layout_t *l = ls_layout_new(t, &err);
        ls_alloc_fail_after(n, 1);
        ls_csv_decoder_t *d = ls_csv_decoder_new(l, NULL, &err);
        ls_batch_t *b = ls_batch_new(l, 0);
        ls_err_t rc = LS_ERR_NOMEM;
        size_t used;
        if (d != NULL && b != NULL) {
            rc = ls_csv_decode(d, b, csv, strlen(csv), 1, NULL, NULL, &used, &err);
        }
        ls_csv_infer_t *inf = ls_csv_infer_new(NULL);
        ls_type_t *it = NULL;
        if (inf != NULL && ls_csv_infer_data(inf, csv, strlen(csv), &err) == LS_OK) {
            it = ls_csv_infer_result(inf, &err);
        }
        ls_alloc_fail_after(-1, 0);
        assert_true(rc == LS_OK || rc == LS_ERR_NOMEM);
        if (rc == LS_OK) {
            assert_int_equal(b->nrows, 2);
        }
        ls_type_free(it);
        ls_csv_infer_free(inf);
        ls_batch_free(b);
        ls_csv_decoder_free(d);
        ls_layout_free(l);
        ls_type_free(t);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc4180),       cmocka_unit_test(test_dialect),
        cmocka_unit_test(test_types),         cmocka_unit_test(test_bad_values),
        cmocka_unit_test(test_nulls),         cmocka_unit_test(test_bad_records),
        cmocka_unit_test(test_limits),        cmocka_unit_test(test_batch_cap),
        cmocka_unit_test(test_header),        cmocka_unit_test(test_partial),
        cmocka_unit_test(test_infer),         cmocka_unit_test(test_infer_then_decode),
        cmocka_unit_test(test_alloc_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

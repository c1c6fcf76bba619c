/*
 * fuzz_csv_decode.c — the CSV decoder against a fixed flat layout (every primitive
 * type). The first byte picks the dialect: bit 0 header, bit 1 ';' delimiter, bit 2
 * quoting off, bit 3 "NULL" as a null string, bit 4 strict unknown columns, bits 5-7
 * a chunk size. Checks: decoding never fails except through the batch cap (the
 * bad-record callback never stops), always makes progress; decoding the same input in
 * chunks with ls_csv_decode_partial gives an identical batch; inference over the input
 * never crashes and, when it succeeds, yields a schema the decoder accepts.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lakesink/csv.h"

static ls_type_t *ls__schema(void)
{
    static const ls_type_kind_t kinds[] = {
        LS_TYPE_STRING, LS_TYPE_LONG, LS_TYPE_DOUBLE, LS_TYPE_BOOLEAN, LS_TYPE_DATE,
        LS_TYPE_TIMESTAMP, LS_TYPE_TIMESTAMP_NTZ, LS_TYPE_BINARY, LS_TYPE_BYTE,
        LS_TYPE_INTEGER, LS_TYPE_FLOAT, LS_TYPE_UINT64, LS_TYPE_TIME, LS_TYPE_UUID};
    static const char *names[] = {"s", "l", "d", "b", "dt", "ts", "ntz", "bin", "by", "i",
                                  "f", "u", "tm", "id"};
    ls_type_t *st = ls_type_new_struct();
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        ls_type_struct_add(st, names[i], ls_type_new(kinds[i]), i != 1);
    }
    ls_type_struct_add(st, "dec", ls_type_new_decimal(10, 2), true);
    ls_type_struct_add(st, "big", ls_type_new_decimal(38, 4), true);
    ls_type_struct_add(st, "fx", ls_type_new_fixed(4), true);
    return st;
}

static ls_err_t ls__keep_going(void *ctx, size_t line_no, size_t off, const ls_error_t *why)
{
    (void)ctx;
    (void)line_no;
    (void)off;
    (void)why;
    return LS_OK;
}

static ls_layout_t *g_layout;

static void ls__opts(uint8_t flags, ls_csv_opts_t *o)
{
    ls_csv_opts_init(o);
    o->header = (flags & 1) != 0;
    o->delimiter = (flags & 2) ? ';' : ',';
    o->quote = (flags & 4) ? '\0' : '"';
    if (flags & 8) {
        o->null_strings[0] = "NULL";
        o->n_null_strings = 1;
    }
    o->unknown_columns = (flags & 16) ? LS_CSV_UNKNOWN_ERROR : LS_CSV_UNKNOWN_IGNORE;
    o->max_record_bytes = 4096;
    o->max_columns = 64;
}

/* Whole input at once into @p b (no cap); false when the decoder stopped. */
static ls_err_t ls__whole(const ls_csv_opts_t *o, ls_batch_t *b, const char *data, size_t len)
{
    ls_error_t err;
    size_t used = 0;
    ls_csv_decoder_t *d = ls_csv_decoder_new(g_layout, o, &err);
    if (d == NULL) {
        abort();
    }
    ls_err_t rc = ls_csv_decode(d, b, data, len, 1, ls__keep_going, NULL, &used, &err);
    if (rc == LS_OK && used != len) {
        abort();
    }
    ls_csv_decoder_free(d);
    return rc;
}

/* The same input fed in chunks of @p chunk bytes. */
static ls_err_t ls__chunked(const ls_csv_opts_t *o, ls_batch_t *b, const char *data, size_t len,
                            size_t chunk)
{
    ls_error_t err;
    ls_csv_decoder_t *d = ls_csv_decoder_new(g_layout, o, &err);
    if (d == NULL) {
        abort();
    }
    size_t pos = 0, avail = 0, used = 0;
    ls_err_t rc = LS_OK;
    while (avail < len && rc == LS_OK) {
        avail = avail + chunk < len ? avail + chunk : len;
        rc = ls_csv_decode_partial(d, b, data + pos, avail - pos, 1, ls__keep_going, NULL, &used,
                                   &err);
        pos += used;
    }
    if (rc == LS_OK) {
        rc = ls_csv_decode(d, b, data + pos, len - pos, 1, ls__keep_going, NULL, &used, &err);
    }
    ls_csv_decoder_free(d);
    return rc;
}

static void ls__infer(const ls_csv_opts_t *o, const char *data, size_t len)
{
    ls_error_t err;
    ls_csv_infer_t *inf = ls_csv_infer_new(o);
    if (inf == NULL) {
        abort();
    }
    if (ls_csv_infer_data(inf, data, len, &err) == LS_OK) {
        ls_type_t *t = ls_csv_infer_result(inf, &err);
        ls_layout_t *l = t ? ls_layout_new(t, &err) : NULL;
        ls_csv_decoder_t *d = l ? ls_csv_decoder_new(l, o, &err) : NULL;
        if (l != NULL && d == NULL) {
            fprintf(stderr, "inferred schema refused: %s\n", err.msg);
            abort();
        }
        ls_csv_decoder_free(d);
        ls_layout_free(l);
        ls_type_free(t);
    }
    ls_csv_infer_free(inf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ls_error_t err;
    if (g_layout == NULL) {
        ls_type_t *t = ls__schema();
        g_layout = ls_layout_new(t, &err);
        ls_type_free(t);
        if (g_layout == NULL) {
            abort();
        }
    }
    if (size == 0) {
        return 0;
    }
    ls_csv_opts_t o;
    ls__opts(data[0], &o);
    size_t chunk = (size_t)(data[0] >> 5) * 7 + 1;
    const char *in = (const char *)data + 1;
    size_t len = size - 1;
    ls_batch_t *b1 = ls_batch_new(g_layout, 0), *b2 = ls_batch_new(g_layout, 0);
    ls_batch_t *capped = ls_batch_new(g_layout, 64 * 1024);
    if (b1 == NULL || b2 == NULL || capped == NULL) {
        abort();
    }
    ls_err_t r1 = ls__whole(&o, b1, in, len), r2 = ls__chunked(&o, b2, in, len, chunk);
    if (r1 != r2 || (r1 != LS_OK && r1 != LS_ERR_SCHEMA && r1 != LS_ERR_PARSE)) {
        fprintf(stderr, "whole %d, chunked %d\n", r1, r2);
        abort(); /* only a header error may stop a run whose callback never stops */
    }
    char why[256];
    if (r1 == LS_OK && !ls_batch_equal(b1, b2, why, sizeof(why))) {
        fprintf(stderr, "chunked decode differs: %s\n", why);
        abort();
    }
    /* the batch cap: every call either progresses or ends the input */
    ls_csv_decoder_t *d = ls_csv_decoder_new(g_layout, &o, &err);
    size_t pos = 0, rows = 0;
    while (d != NULL && pos < len) {
        size_t used = 0;
        ls_batch_reset(capped);
        ls_err_t rc = ls_csv_decode(d, capped, in + pos, len - pos, 1, ls__keep_going, NULL, &used,
                                    &err);
        rows += capped->nrows;
        if (rc != LS_OK && rc != LS_ERR_LIMIT) {
            break;
        }
        if (rc == LS_ERR_LIMIT && used == 0) {
            abort();
        }
        pos += used;
    }
    if (r1 == LS_OK && rows != b1->nrows) {
        fprintf(stderr, "capped run: %zu rows, whole: %zu\n", rows, b1->nrows);
        abort();
    }
    ls_csv_decoder_free(d);
    ls__infer(&o, in, len);
    ls_batch_free(b1);
    ls_batch_free(b2);
    ls_batch_free(capped);
    return 0;
}

/*
 * fuzz_json_decode.c — the NDJSON decoder against a fixed nested layout (every column
 * type, arrays, maps with typed keys, nested structs), then NDJSON output of the
 * accepted rows, which must decode again to an identical batch. A first byte '!'
 * selects strict unknown fields and a depth limit of 8. The layout, decoders and
 * batches live for the whole process (reachable, so never reported as leaks).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lakesink/json.h"

static ls_type_t *ls__t(ls_type_kind_t k)
{
    return ls_type_new(k);
}

static ls_type_t *ls__schema(void)
{
    ls_type_t *meta = ls_type_new_struct();
    ls_type_struct_add(meta, "campaign", ls__t(LS_TYPE_STRING), true);
    ls_type_struct_add(meta, "ab", ls__t(LS_TYPE_STRING), true);
    ls_type_t *props = ls_type_new_struct();
    ls_type_struct_add(props, "category", ls__t(LS_TYPE_STRING), true);
    ls_type_struct_add(props, "price", ls__t(LS_TYPE_DOUBLE), true);
    ls_type_struct_add(props, "quantity", ls__t(LS_TYPE_LONG), true);
    ls_type_struct_add(props, "metadata", meta, true);
    ls_type_t *item = ls_type_new_struct();
    ls_type_struct_add(item, "sku", ls__t(LS_TYPE_STRING), false);
    ls_type_struct_add(item, "qty", ls__t(LS_TYPE_INTEGER), true);
    ls_type_struct_add(item, "attrs",
                       ls_type_new_map(ls__t(LS_TYPE_STRING), ls__t(LS_TYPE_STRING), true), true);
    ls_type_t *st = ls_type_new_struct();
    ls_type_struct_add(st, "user_id", ls__t(LS_TYPE_STRING), true);
    ls_type_struct_add(st, "n", ls__t(LS_TYPE_LONG), true);
    ls_type_struct_add(st, "ok", ls__t(LS_TYPE_BOOLEAN), true);
    ls_type_struct_add(st, "b", ls__t(LS_TYPE_BYTE), true);
    ls_type_struct_add(st, "sh", ls__t(LS_TYPE_SHORT), true);
    ls_type_struct_add(st, "i", ls__t(LS_TYPE_INTEGER), true);
    ls_type_struct_add(st, "f", ls__t(LS_TYPE_FLOAT), true);
    ls_type_struct_add(st, "d", ls__t(LS_TYPE_DOUBLE), true);
    ls_type_struct_add(st, "price", ls_type_new_decimal(10, 2), true);
    ls_type_struct_add(st, "big", ls_type_new_decimal(38, 4), true);
    ls_type_struct_add(st, "dt", ls__t(LS_TYPE_DATE), true);
    ls_type_struct_add(st, "timestamp", ls__t(LS_TYPE_TIMESTAMP), true);
    ls_type_struct_add(st, "ntz", ls__t(LS_TYPE_TIMESTAMP_NTZ), true);
    ls_type_struct_add(st, "tm", ls__t(LS_TYPE_TIME), true);
    ls_type_struct_add(st, "u", ls__t(LS_TYPE_UINT64), true);
    ls_type_struct_add(st, "bin", ls__t(LS_TYPE_BINARY), true);
    ls_type_struct_add(st, "fx", ls_type_new_fixed(4), true);
    ls_type_struct_add(st, "session_id", ls__t(LS_TYPE_UUID), true);
    ls_type_struct_add(st, "tags", ls_type_new_array(ls__t(LS_TYPE_STRING), true), true);
    ls_type_struct_add(
        st, "nums", ls_type_new_array(ls_type_new_array(ls__t(LS_TYPE_LONG), false), true), true);
    ls_type_struct_add(st, "properties", props, true);
    ls_type_struct_add(st, "items", ls_type_new_array(item, true), true);
    ls_type_struct_add(st, "m", ls_type_new_map(ls__t(LS_TYPE_STRING), ls__t(LS_TYPE_LONG), true),
                       true);
    ls_type_struct_add(st, "mi",
                       ls_type_new_map(ls__t(LS_TYPE_INTEGER),
                                       ls_type_new_array(ls__t(LS_TYPE_BOOLEAN), true), false),
                       true);
    ls_type_struct_add(st, "md",
                       ls_type_new_map(ls__t(LS_TYPE_DATE), ls_type_new_decimal(5, 2), true), true);
    ls_type_struct_add(st, "req", ls__t(LS_TYPE_LONG), true);
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

/*
 * Levels and values equal. Not ls_batch_equal: its ls_col_bytes() does arithmetic on
 * the NULL buffer of a column that holds only empty strings (reported to columnar).
 */
static bool ls__same(const ls_batch_t *a, const ls_batch_t *b)
{
    if (a->nrows != b->nrows) {
        return false;
    }
    for (size_t i = 0; i < a->ncols; i++) {
        const ls_column_t *x = &a->cols[i], *y = &b->cols[i];
        if (x->nlevels != y->nlevels || x->nvalues != y->nvalues || x->nbytes != y->nbytes) {
            return false;
        }
        for (size_t k = 0; k < x->nlevels; k++) {
            if (ls_col_def(x, k) != ls_col_def(y, k) || ls_col_rep(x, k) != ls_col_rep(y, k)) {
                return false;
            }
        }
        if (x->leaf->store == LS_COL_BYTES) {
            if (x->nvalues > 0 &&
                memcmp(x->offsets, y->offsets, (x->nvalues + 1) * sizeof(uint32_t)) != 0) {
                return false;
            }
            if (x->nbytes > 0 && memcmp(x->bytes, y->bytes, x->nbytes) != 0) {
                return false;
            }
        } else if (x->nvalues > 0 &&
                   memcmp(x->values, y->values, x->nvalues * x->leaf->width) != 0) {
            return false; /* NaN comes only from "NaN", always the same bits */
        }
    }
    return true;
}

/* Built once: decoders keep their key predictions from input to input, as in production. */
static ls_layout_t *g_layout;
static ls_json_decoder_t *g_dec[2], *g_check;
static ls_batch_t *g_batch, *g_batch2;

static void ls__init(void)
{
    ls_error_t err;
    ls_type_t *t = ls__schema();
    g_layout = ls_layout_new(t, &err);
    ls_type_free(t);
    ls_json_decoder_opts_t o;
    ls_json_decoder_opts_init(&o);
    g_dec[0] = g_layout ? ls_json_decoder_new(g_layout, &o, &err) : NULL;
    o.unknown_fields = LS_JSON_UNKNOWN_ERROR;
    o.max_depth = 8;
    g_dec[1] = g_layout ? ls_json_decoder_new(g_layout, &o, &err) : NULL;
    g_check = g_layout ? ls_json_decoder_new(g_layout, NULL, &err) : NULL;
    g_batch = g_layout ? ls_batch_new(g_layout, (size_t)8 << 20) : NULL;
    g_batch2 = g_layout ? ls_batch_new(g_layout, 0) : NULL;
    if (g_dec[0] == NULL || g_dec[1] == NULL || g_check == NULL || g_batch == NULL ||
        g_batch2 == NULL) {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ls_error_t err;
    if (g_layout == NULL) {
        ls__init();
    }
    ls_json_decoder_t *d = g_dec[size > 0 && data[0] == '!'];
    ls_batch_t *b = g_batch, *b2 = g_batch2;
    ls_buf_t out;
    ls_buf_init(&out, (size_t)64 << 20);
    size_t pos = 0;
    ls_batch_reset(b);
    while (pos < size) {
        size_t used = 0, step = 0;
        ls_err_t rc = ls_json_decode_ndjson(d, b, (const char *)data + pos, size - pos, 1,
                                            ls__keep_going, NULL, &step, &err);
        if ((rc != LS_OK && rc != LS_ERR_LIMIT) || step == 0) {
            abort(); /* the callback never stops, so only the batch cap may end a call, after
                        progress */
        }
        pos += step;
        out.len = 0;
        if (ls_json_write_rows(b, 0, b->nrows, &out, &err) != LS_OK) {
            fprintf(stderr, "write_rows: %s\n", err.msg);
            abort();
        }
        ls_batch_reset(b2);
        rc = ls_json_decode_ndjson(g_check, b2, (const char *)out.data, out.len, 1, NULL, NULL,
                                   &used, &err);
        if (rc != LS_OK || !ls__same(b, b2)) {
            fprintf(stderr, "round trip: %s\n%.*s\n", rc != LS_OK ? err.msg : "batches differ",
                    (int)out.len, out.data);
            abort();
        }
        ls_batch_reset(b);
    }
    ls_buf_free(&out);
    return 0;
}

/*
 * write.c — NDJSON output of batch rows: record assembly from definition and
 * repetition levels back into nested JSON, for any layout (canonical, or a Parquet
 * reader's map of a legacy file), using only the node fields: def, entry_def,
 * entry_rep, leaf ranges. Each leaf has a cursor (level index, value index); a node
 * consumes one level entry per leaf below it for a null or empty value, and its
 * children's entries otherwise. Inconsistent levels give LS_ERR_CORRUPT, never an
 * out-of-bounds read.
 *
 * Formatting conventions are those of json.h (ISO-8601 timestamps with microseconds,
 * decimals as strings, base64 binary, shortest round-trip floats, NaN/Infinity as
 * strings, invalid UTF-8 in strings replaced by U+FFFD).
 * Not responsible for: the decoder (which reads all of this back) or CSV/table output.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "json_int.h"
#include "lakesink/alloc.h"
#include "lakesink/json.h"

typedef struct {
    const ls_batch_t *b;
    size_t *li, *vi; /* per column: next level entry, next value */
    ls_buf_t *out;
    ls_error_t *err;
    size_t row;
} ls__wr_t;

ls_err_t ls__json_write_string(ls_buf_t *b, const uint8_t *s, size_t n)
{
    return ls_json_append_string(b, (const char *)s, n);
}

static ls_err_t ls__wr_corrupt(ls__wr_t *w, uint32_t ci, const char *what)
{
    return ls_error_set(w->err, LS_ERR_CORRUPT, "row %zu, column %s: %s", w->row,
                        w->b->cols[ci].leaf->dotted ? w->b->cols[ci].leaf->dotted : "?", what);
}

static ls_err_t ls__wr_nomem(ls__wr_t *w, ls_err_t rc)
{
    return ls_error_set(w->err, rc, "row %zu: %s writing JSON", w->row,
                        rc == LS_ERR_LIMIT ? "output buffer cap reached" : ls_err_str(rc));
}

#define LS__OUT(w, expr)                                                                           \
    do {                                                                                           \
        ls_err_t ls__o = (expr);                                                                   \
        if (ls__o != LS_OK) {                                                                      \
            return ls__wr_nomem((w), ls__o);                                                       \
        }                                                                                          \
    } while (0)

/* Consume one level entry at every leaf under @p n (a null or empty value). */
static ls_err_t ls__wr_skip(ls__wr_t *w, const ls_node_t *n)
{
    for (uint32_t ci = n->leaf_begin; ci < n->leaf_end; ci++) {
        const ls_column_t *c = &w->b->cols[ci];
        if (w->li[ci] >= c->nlevels) {
            return ls__wr_corrupt(w, ci, "fewer level entries than the rows need");
        }
        if (ls_col_def(c, w->li[ci]) >= c->leaf->max_def) {
            w->vi[ci]++;
        }
        w->li[ci]++;
    }
    return LS_OK;
}

/* Big-endian two's complement of @p n bytes as decimal text at @p scale. */
static ls_err_t ls__wr_bigdec(ls__wr_t *w, const uint8_t *p, size_t n, int scale)
{
    char out[48];
    if (n <= 16) {
        ls_u128_t u = (n > 0 && (p[0] & 0x80)) ? ~(ls_u128_t)0 : 0; /* sign extension */
        for (size_t i = 0; i < n; i++) {
            u = (u << 8) | p[i];
        }
        size_t k = ls_text_fmt_decimal((ls_i128_t)u, scale, out);
        LS__OUT(w, ls_buf_append_byte(w->out, '"'));
        LS__OUT(w, ls_buf_append(w->out, out, k));
        LS__OUT(w, ls_buf_append_byte(w->out, '"'));
        return LS_OK;
    }
    /* wider than any decimal(38) can be: only sign-extension bytes may lead */
    for (size_t i = 0; i + 16 < n; i++) {
        if (p[i] != ((p[n - 16] & 0x80) ? 0xFF : 0x00)) {
            return ls_error_set(w->err, LS_ERR_UNSUPPORTED, "row %zu: decimal wider than 38 digits",
                                w->row);
        }
    }
    return ls__wr_bigdec(w, p + n - 16, 16, scale);
}

static ls_err_t ls__wr_quoted(ls__wr_t *w, const char *s, size_t n)
{
    LS__OUT(w, ls_buf_reserve(w->out, n + 2));
    ls_buf_put_unchecked(w->out, "\"", 1);
    ls_buf_put_unchecked(w->out, s, n);
    ls_buf_put_unchecked(w->out, "\"", 1);
    return LS_OK;
}

static ls_err_t ls__wr_float(ls__wr_t *w, double v, bool single)
{
    char t[32];
    if (isnan(v)) {
        return ls__wr_quoted(w, "NaN", 3);
    }
    if (isinf(v)) {
        return v > 0 ? ls__wr_quoted(w, "Infinity", 8) : ls__wr_quoted(w, "-Infinity", 9);
    }
    size_t k = single ? ls_text_fmt_float((float)v, t) : ls_text_fmt_double(v, t);
    LS__OUT(w, ls_buf_append(w->out, t, k));
    return LS_OK;
}

static ls_err_t ls__wr_decimal(ls__wr_t *w, const ls_column_t *c, size_t i)
{
    int scale = c->leaf->type->scale;
    char t[48];
    size_t len;
    switch (c->leaf->store) {
    case LS_COL_I32: return ls__wr_quoted(w, t, ls_text_fmt_decimal(ls_col_i32(c, i), scale, t));
    case LS_COL_I64: return ls__wr_quoted(w, t, ls_text_fmt_decimal(ls_col_i64(c, i), scale, t));
    case LS_COL_FIXED: return ls__wr_bigdec(w, ls_col_fixed(c, i), c->leaf->width, scale);
    default: {
        const uint8_t *p = ls__json_col_bytes(c, i, &len);
        return ls__wr_bigdec(w, p, len, scale);
    }
    }
}

static ls_err_t ls__wr_bytes(ls__wr_t *w, const ls_column_t *c, size_t i, bool base64)
{
    size_t len;
    const uint8_t *p;
    if (c->leaf->store == LS_COL_FIXED) {
        p = ls_col_fixed(c, i);
        len = c->leaf->width;
    } else {
        p = ls__json_col_bytes(c, i, &len);
    }
    if (!base64) {
        LS__OUT(w, ls__json_write_string(w->out, p, len));
        return LS_OK;
    }
    LS__OUT(w, ls_buf_append_byte(w->out, '"'));
    LS__OUT(w, ls_base64_append(w->out, p, len));
    LS__OUT(w, ls_buf_append_byte(w->out, '"'));
    return LS_OK;
}

/* Value @p i of column @p c in JSON form. */
static ls_err_t ls__wr_value(ls__wr_t *w, const ls_column_t *c, size_t i)
{
    char t[48];
    int k = 0;
    switch (c->leaf->type->kind) {
    case LS_TYPE_BOOLEAN:
        LS__OUT(w, ls_buf_append_str(w->out, ls_col_bool(c, i) ? "true" : "false"));
        return LS_OK;
    case LS_TYPE_BYTE:
    case LS_TYPE_SHORT:
    case LS_TYPE_INTEGER: k = snprintf(t, sizeof(t), "%d", (int)ls_col_i32(c, i)); break;
    case LS_TYPE_LONG: k = snprintf(t, sizeof(t), "%lld", (long long)ls_col_i64(c, i)); break;
    case LS_TYPE_UINT64:
        k = snprintf(t, sizeof(t), "%llu", (unsigned long long)(uint64_t)ls_col_i64(c, i));
        break;
    case LS_TYPE_FLOAT: return ls__wr_float(w, ls_col_float(c, i), true);
    case LS_TYPE_DOUBLE: return ls__wr_float(w, ls_col_double(c, i), false);
    case LS_TYPE_DECIMAL: return ls__wr_decimal(w, c, i);
    case LS_TYPE_DATE: return ls__wr_quoted(w, t, ls_text_fmt_date(ls_col_i32(c, i), t));
    case LS_TYPE_TIMESTAMP:
    case LS_TYPE_TIMESTAMP_NTZ:
        return ls__wr_quoted(
            w, t,
            ls_text_fmt_timestamp(ls_col_i64(c, i), c->leaf->type->kind == LS_TYPE_TIMESTAMP, t));
    case LS_TYPE_TIME: return ls__wr_quoted(w, t, ls_text_fmt_time(ls_col_i64(c, i), t));
    case LS_TYPE_UUID: return ls__wr_quoted(w, t, ls_text_fmt_uuid(ls_col_fixed(c, i), t));
    case LS_TYPE_STRING: return ls__wr_bytes(w, c, i, false);
    default: return ls__wr_bytes(w, c, i, true); /* binary, fixed */
    }
    LS__OUT(w, ls_buf_append(w->out, t, k > 0 ? (size_t)k : 0));
    return LS_OK;
}

static ls_err_t ls__wr_node(ls__wr_t *w, const ls_node_t *n);

static ls_err_t ls__wr_leaf(ls__wr_t *w, const ls_node_t *n, int def)
{
    uint32_t ci = (uint32_t)n->leaf;
    const ls_column_t *c = &w->b->cols[ci];
    size_t vi = w->vi[ci];
    if (def != c->leaf->max_def) {
        return ls__wr_corrupt(w, ci, "definition level above the leaf's maximum");
    }
    if (vi >= c->nvalues) {
        return ls__wr_corrupt(w, ci, "more present values than stored values");
    }
    if (c->leaf->store == LS_COL_BYTES &&
        (c->offsets[vi] > c->offsets[vi + 1] || c->offsets[vi + 1] > c->nbytes)) {
        return ls__wr_corrupt(w, ci, "bad value offsets");
    }
    LS_TRY(ls__wr_value(w, c, vi));
    w->vi[ci]++;
    w->li[ci]++;
    return LS_OK;
}

static ls_err_t ls__wr_name(ls__wr_t *w, const char *name)
{
    LS__OUT(w, ls__json_write_string(w->out, (const uint8_t *)name, strlen(name)));
    LS__OUT(w, ls_buf_append_byte(w->out, ':'));
    return LS_OK;
}

static ls_err_t ls__wr_struct(ls__wr_t *w, const ls_node_t *n)
{
    LS__OUT(w, ls_buf_append_byte(w->out, '{'));
    for (uint32_t i = 0; i < n->nchildren; i++) {
        if (i > 0) {
            LS__OUT(w, ls_buf_append_byte(w->out, ','));
        }
        LS_TRY(ls__wr_name(w, n->children[i]->name));
        LS_TRY(ls__wr_node(w, n->children[i]));
    }
    LS__OUT(w, ls_buf_append_byte(w->out, '}'));
    return LS_OK;
}

/* A map key: its JSON text, turned into a string when it is not one already. */
static ls_err_t ls__wr_key(ls__wr_t *w, const ls_node_t *key)
{
    size_t start = w->out->len;
    LS_TRY(ls__wr_node(w, key));
    if (w->out->len > start && w->out->data[start] == '"') {
        return LS_OK;
    }
    size_t n = w->out->len - start;
    uint8_t tmp[64];
    if (n > sizeof(tmp)) {
        return ls_error_set(w->err, LS_ERR_UNSUPPORTED, "row %zu: map key too complex for JSON",
                            w->row);
    }
    memcpy(tmp, w->out->data + start, n);
    w->out->len = start;
    LS__OUT(w, ls__json_write_string(w->out, tmp, n));
    return LS_OK;
}

/* The entries of a non-empty array or map. */
static ls_err_t ls__wr_entries(ls__wr_t *w, const ls_node_t *n)
{
    bool map = n->type->kind == LS_TYPE_MAP;
    uint32_t ci = n->leaf_begin;
    const ls_column_t *c = &w->b->cols[ci];
    if (n->nchildren != (map ? 2u : 1u)) {
        return ls__wr_corrupt(w, ci, "collection node without its children");
    }
    LS__OUT(w, ls_buf_append_byte(w->out, map ? '{' : '['));
    for (size_t k = 0;; k++) {
        size_t before = w->li[ci];
        if (k > 0) {
            LS__OUT(w, ls_buf_append_byte(w->out, ','));
        }
        if (map) {
            LS_TRY(ls__wr_key(w, n->children[0]));
            LS__OUT(w, ls_buf_append_byte(w->out, ':'));
            LS_TRY(ls__wr_node(w, n->children[1]));
        } else {
            LS_TRY(ls__wr_node(w, n->children[0]));
        }
        if (w->li[ci] == before) {
            return ls__wr_corrupt(w, ci, "collection entry consumed no level");
        }
        if (w->li[ci] >= c->nlevels || ls_col_rep(c, w->li[ci]) < n->entry_rep) {
            break;
        }
        if (ls_col_rep(c, w->li[ci]) > n->entry_rep) {
            return ls__wr_corrupt(w, ci, "repetition level deeper than the value nests");
        }
    }
    LS__OUT(w, ls_buf_append_byte(w->out, map ? '}' : ']'));
    return LS_OK;
}

static ls_err_t ls__wr_node(ls__wr_t *w, const ls_node_t *n)
{
    bool coll = n->type->kind == LS_TYPE_ARRAY || n->type->kind == LS_TYPE_MAP;
    if (n->leaf_begin >= n->leaf_end || n->leaf_end > w->b->ncols) {
        LS__OUT(w, ls_buf_append_str(w->out, coll ? "[]" : "{}")); /* nothing stored */
        return LS_OK;
    }
    uint32_t ci = n->leaf_begin;
    const ls_column_t *c = &w->b->cols[ci];
    if (w->li[ci] >= c->nlevels) {
        return ls__wr_corrupt(w, ci, "fewer level entries than the rows need");
    }
    int def = ls_col_def(c, w->li[ci]);
    if (def < n->def) {
        LS_TRY(ls__wr_skip(w, n));
        LS__OUT(w, ls_buf_append_str(w->out, "null"));
        return LS_OK;
    }
    if (n->leaf >= 0) {
        return ls__wr_leaf(w, n, def);
    }
    if (!coll) {
        return ls__wr_struct(w, n);
    }
    if (def < n->entry_def) {
        LS_TRY(ls__wr_skip(w, n));
        LS__OUT(w, ls_buf_append_str(w->out, n->type->kind == LS_TYPE_MAP ? "{}" : "[]"));
        return LS_OK;
    }
    return ls__wr_entries(w, n);
}

/* Level and value cursors of every column at the start of row @p from. */
static ls_err_t ls__wr_seek(ls__wr_t *w, size_t from)
{
    for (uint32_t ci = 0; ci < w->b->ncols; ci++) {
        const ls_column_t *c = &w->b->cols[ci];
        size_t li = 0, vi = 0;
        if (c->leaf->max_rep == 0) {
            li = from;
        } else {
            for (size_t rows = 0; li < c->nlevels; li++) {
                if (ls_col_rep(c, li) == 0 && rows++ == from) {
                    break;
                }
            }
        }
        if (li > c->nlevels) {
            return ls__wr_corrupt(w, ci, "fewer level entries than rows");
        }
        for (size_t i = 0; i < li; i++) {
            vi += ls_col_def(c, i) >= c->leaf->max_def;
        }
        w->li[ci] = li;
        w->vi[ci] = vi;
    }
    return LS_OK;
}

/* Leaf types whose storage is not what ls_col_store_for_type says cannot be printed. */
static ls_err_t ls__wr_check(const ls_batch_t *b, ls_error_t *err)
{
    for (size_t ci = 0; ci < b->ncols; ci++) {
        const ls_leaf_t *lf = b->cols[ci].leaf;
        ls_col_store_t want = ls_col_store_for_type(lf->type, NULL);
        bool ok =
            want == lf->store || (lf->type->kind == LS_TYPE_DECIMAL && lf->store != LS_COL_BOOL &&
                                  lf->store != LS_COL_FLOAT && lf->store != LS_COL_DOUBLE);
        if (!ok || lf->node == NULL || lf->node->leaf != (int32_t)ci) {
            return ls_error_set(err, LS_ERR_UNSUPPORTED,
                                "column %s: storage does not match its type",
                                lf->dotted ? lf->dotted : "?");
        }
    }
    return LS_OK;
}

static ls_err_t ls__wr_row(ls__wr_t *w, const ls_node_t *root)
{
    LS_TRY(ls__wr_struct(w, root));
    LS__OUT(w, ls_buf_append_byte(w->out, '\n'));
    for (uint32_t ci = 0; ci < w->b->ncols; ci++) {
        const ls_column_t *c = &w->b->cols[ci];
        if (w->li[ci] < c->nlevels && ls_col_rep(c, w->li[ci]) != 0) {
            return ls__wr_corrupt(w, ci, "levels do not line up with rows");
        }
    }
    return LS_OK;
}

ls_err_t ls_json_write_rows(const ls_batch_t *b, size_t from, size_t n, ls_buf_t *out,
                            ls_error_t *err)
{
    if (b == NULL || out == NULL || from > b->nrows || n > b->nrows - from) {
        return ls_error_set(err, LS_ERR_INVALID_ARG,
                            "write_rows: rows [%zu, +%zu) outside the batch", from, n);
    }
    if (n == 0) {
        return LS_OK;
    }
    LS_TRY(ls__wr_check(b, err));
    ls__wr_t w = {.b = b, .out = out, .err = err, .row = from};
    w.li = ls_calloc(b->ncols ? b->ncols * 2 : 1, sizeof(size_t));
    if (w.li == NULL) {
        return ls_error_set(err, LS_ERR_NOMEM, "out of memory writing JSON rows");
    }
    w.vi = w.li + b->ncols;
    size_t mark = out->len;
    ls_err_t rc = ls__wr_seek(&w, from);
    for (size_t r = from; rc == LS_OK && r < from + n; r++) {
        w.row = r;
        rc = ls__wr_row(&w, b->layout->root);
    }
    for (uint32_t ci = 0; rc == LS_OK && from + n == b->nrows && ci < b->ncols; ci++) {
        if (w.li[ci] != b->cols[ci].nlevels || w.vi[ci] != b->cols[ci].nvalues) {
            rc = ls__wr_corrupt(&w, ci, "entries left over after the last row");
        }
    }
    if (rc != LS_OK) {
        out->len = mark; /* the caller's buffer is as before */
    }
    ls_free(w.li);
    return rc;
}

/*
 * stats.c — the `stats` JSON of a Delta `add` action, written the way Spark/Delta write
 * it: numRecords, then minValues/maxValues/nullCount nested like the schema, for the
 * indexed columns (stats_cols.c). Min/max come from the Parquet writer's per-leaf
 * statistics; null counts of array/map columns from a null counter fed with the batches.
 *
 * Rules (evidence in docs/internals/delta-stats.md): min/max only for byte, short,
 * integer, long, float, double, decimal, date, timestamp, timestamp_ntz and string;
 * timestamps truncated down to milliseconds; strings cut to a prefix, the max with
 * Delta's tie-breaker; any value that cannot be stated exactly (NaN present, infinity,
 * years outside 1-9999, invalid UTF-8) is left out. Not responsible for: computing
 * min/max (the Parquet writer) or the rest of the add action (src/delta).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lakesink/alloc.h"
#include "lakesink/table.h"
#include "table_int.h"

/* ---------------------------------------------------------------- options */

void ls_table_stats_opts_init(ls_table_stats_opts_t *o)
{
    o->num_indexed_cols = LS_TABLE_STATS_INDEXED_COLS_DEFAULT;
    o->stats_columns = NULL;
    o->string_prefix_len = LS_TABLE_STATS_PREFIX_LEN_DEFAULT;
}

static bool ls__parse_int(const char *s, long lo, long hi, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (end == s || *end != '\0' || errno != 0 || v < lo || v > hi) {
        return false;
    }
    *out = (int)v;
    return true;
}

ls_err_t ls_table_stats_opts_set(ls_table_stats_opts_t *o, const char *key, const char *value,
                                 ls_error_t *err)
{
    bool ok = true;
    if (strcmp(key, "delta.dataSkippingNumIndexedCols") == 0) {
        ok = ls__parse_int(value, -1, INT32_MAX, &o->num_indexed_cols);
    } else if (strcmp(key, "delta.dataSkippingStringPrefixLength") == 0) {
        ok = ls__parse_int(value, 0, INT32_MAX, &o->string_prefix_len);
    } else if (strcmp(key, "delta.dataSkippingStatsColumns") == 0) {
        o->stats_columns = value;
    }
    if (!ok) {
        return ls_error_set(err, LS_ERR_CONFIG, "table property %s: \"%.64s\" is not a valid value",
                            key, value);
    }
    return LS_OK;
}

const ls_pq_leaf_stats_t *ls_table_writer_leaf_stats(void *writer, size_t leaf)
{
    return ls_pq_writer_leaf_stats((const ls_pq_writer_t *)writer, leaf);
}

/* ---------------------------------------------------------------- null counter */

/* A column with a nullCount: a leaf or array/map reached through structs only. */
typedef struct {
    uint32_t leaf; /* first leaf under the node */
    int16_t def;   /* level at which the node's value is present */
} ls__nslot_t;

struct ls_table_nulls_s {
    const ls_layout_t *layout;
    int64_t rows;
    size_t nslots;
    ls__nslot_t *slots;
    int64_t *counts; /* per leaf: nulls of the node whose first leaf it is */
};

static size_t ls__collect_slots(const ls_node_t *st, ls__nslot_t *slots, size_t n)
{
    for (uint32_t f = 0; f < st->nchildren; f++) {
        const ls_node_t *c = st->children[f];
        if (c->type->kind == LS_TYPE_STRUCT) {
            n = ls__collect_slots(c, slots, n);
        } else if (c->leaf_end > c->leaf_begin) {
            if (slots != NULL) {
                slots[n].leaf = c->leaf_begin;
                slots[n].def = c->def;
            }
            n++;
        }
    }
    return n;
}

ls_table_nulls_t *ls_table_nulls_new(const ls_layout_t *layout, ls_error_t *err)
{
    ls_table_nulls_t *n = ls_calloc(1, sizeof(*n));
    if (n != NULL) {
        n->layout = layout;
        n->nslots = ls__collect_slots(layout->root, NULL, 0);
        n->slots = ls_calloc(n->nslots ? n->nslots : 1, sizeof(ls__nslot_t));
        n->counts = ls_calloc(layout->nleaves ? layout->nleaves : 1, sizeof(int64_t));
    }
    if (n == NULL || n->slots == NULL || n->counts == NULL) {
        ls_table_nulls_free(n);
        ls_error_set(err, LS_ERR_NOMEM, "null counter: out of memory");
        return NULL;
    }
    ls__collect_slots(layout->root, n->slots, 0);
    return n;
}

static int64_t ls__count_nulls(const ls_column_t *c, int def)
{
    int64_t nulls = 0;
    if (c->def == NULL) {
        return 0; /* required all the way down: never null */
    }
    if (c->rep == NULL) {
        for (size_t i = 0; i < c->nlevels; i++) {
            nulls += c->def[i] < def;
        }
        return nulls;
    }
    for (size_t i = 0; i < c->nlevels; i++) {
        nulls += c->rep[i] == 0 && c->def[i] < def; /* first entry of each row */
    }
    return nulls;
}

ls_err_t ls_table_nulls_add(ls_table_nulls_t *n, const ls_batch_t *b, ls_error_t *err)
{
    if (b->ncols != n->layout->nleaves) {
        return ls_error_set(err, LS_ERR_INVALID_ARG,
                            "null counter: batch has %zu columns, layout %zu", b->ncols,
                            n->layout->nleaves);
    }
    for (size_t i = 0; i < n->nslots; i++) {
        n->counts[n->slots[i].leaf] += ls__count_nulls(&b->cols[n->slots[i].leaf], n->slots[i].def);
    }
    n->rows += (int64_t)b->nrows;
    return LS_OK;
}

void ls_table_nulls_reset(ls_table_nulls_t *n)
{
    n->rows = 0;
    memset(n->counts, 0, (n->layout->nleaves ? n->layout->nleaves : 1) * sizeof(int64_t));
}

int64_t ls_table_nulls_rows(const ls_table_nulls_t *n)
{
    return n->rows;
}

void ls_table_nulls_free(ls_table_nulls_t *n)
{
    if (n == NULL) {
        return;
    }
    ls_free(n->slots);
    ls_free(n->counts);
    ls_free(n);
}

/* ---------------------------------------------------------------- strings */

/* Units the character takes in a Java (UTF-16) string: Delta measures the max there. */
static int ls__u16_units(uint32_t cp)
{
    return cp >= 0x10000 ? 2 : 1;
}

/* Internal code for "leave this statistic out"; the buffer functions never return it. */
#define LS__OMIT LS_ERR_NOT_FOUND

/* Bytes of the first @p prefix code points of valid UTF-8 @p s (Spark SQL substring). */
static size_t ls__prefix_cps(const uint8_t *s, size_t len, long prefix)
{
    size_t pos = 0;
    uint32_t cp;
    for (long k = 0; k < prefix && pos < len; k++) {
        ls__tbl_utf8_next(s, len, &pos, &cp);
    }
    return pos;
}

static ls_err_t ls__append_with(ls_buf_t *out, const uint8_t *s, size_t n, const char *tail,
                                size_t tn)
{
    ls_buf_t tmp;
    ls_buf_init(&tmp, LS_BUF_UNLIMITED);
    ls_err_t rc = ls_buf_append(&tmp, s, n);
    if (rc == LS_OK) {
        rc = ls_buf_append(&tmp, tail, tn);
    }
    if (rc == LS_OK) {
        rc = ls_json_append_string(out, (const char *)tmp.data, tmp.len);
    }
    ls_buf_free(&tmp);
    return rc;
}

/*
 * Delta's truncateMaxStringAgg on UTF-8: if the string is longer than @p prefix UTF-16
 * units, keep whole characters up to @p prefix units (one more for a pair), skip any
 * U+10FFFF that follows, then append U+007F when the next character is below it, else
 * U+10FFFF: every value <= the original is then <= the result in UTF-8 byte order.
 * Gives up past 2 * prefix units.
 */
static ls_err_t ls__truncate_max(const uint8_t *s, size_t len, long prefix, ls_buf_t *out)
{
    size_t pos = 0;
    long units = 0;
    uint32_t cp;
    while (pos < len && units < prefix) {
        ls__tbl_utf8_next(s, len, &pos, &cp);
        units += ls__u16_units(cp);
    }
    if (pos == len) {
        return ls_json_append_string(out, (const char *)s, len);
    }
    if (prefix <= 0) {
        return LS__OMIT;
    }
    while (units <= 2 * prefix) {
        if (pos == len) {
            return ls_json_append_string(out, (const char *)s, len);
        }
        size_t at = pos;
        ls__tbl_utf8_next(s, len, &pos, &cp);
        if (cp == 0x10FFFF) {
            units += 2;
            continue;
        }
        return cp < 0x7F ? ls__append_with(out, s, at, "\x7F", 1)
                         : ls__append_with(out, s, at, "\xF4\x8F\xBF\xBF", 4);
    }
    return LS__OMIT;
}

/* ---------------------------------------------------------------- values */

typedef enum { LS__MIN, LS__MAX, LS__NULLS } ls__what_t;

typedef struct {
    const ls_layout_t *layout;
    ls_table_leaf_stats_fn fn;
    void *ctx;
    const ls_table_nulls_t *nulls;
    const bool *indexed;
    long prefix;
    ls_buf_t *out;
} ls__sctx_t;

static bool ls__year_ok(int64_t days)
{
    int64_t y = ls__tbl_year_of_days(days);
    return y >= 1 && y <= 9999;
}

static ls_err_t ls__fmt_fp(ls_buf_t *out, const ls_pq_leaf_stats_t *st, double v, ls__what_t w,
                           bool f32)
{
    /* Spark orders NaN above every number: with a NaN in the file the true max is NaN */
    if ((w == LS__MAX && st->nan_count > 0) || !isfinite(v)) {
        return LS__OMIT;
    }
    return ls__tbl_fmt_float(out, v, f32);
}

static ls_err_t ls__fmt_dec(ls_buf_t *out, const ls_type_t *t, const ls_pq_leaf_stats_t *st,
                            ls__what_t w)
{
    ls__tbl_u128_t mag;
    bool neg;
    const uint8_t *p = w == LS__MIN ? st->min_bytes : st->max_bytes;
    uint32_t n = w == LS__MIN ? st->min_len : st->max_len;
    if (t->precision <= 9) {
        ls__tbl_u128_from_i64(w == LS__MIN ? st->min.i32 : st->max.i32, &mag, &neg);
    } else if (t->precision <= 18) {
        ls__tbl_u128_from_i64(w == LS__MIN ? st->min.i64 : st->max.i64, &mag, &neg);
    } else if (p != NULL && n > 0 && n <= 16) {
        ls__tbl_u128_from_be(p, n, &mag, &neg);
    } else {
        return LS__OMIT;
    }
    return ls__tbl_fmt_decimal(out, &mag, neg, t->scale);
}

static ls_err_t ls__fmt_quoted(ls_buf_t *out, int64_t v, bool is_date, ls__tbl_ts_style_t style)
{
    int64_t days = is_date ? v : ls__tbl_floor_div(v, LS__TBL_US_PER_DAY);
    if (!ls__year_ok(days)) {
        return LS__OMIT;
    }
    LS_TRY(ls_buf_append_byte(out, '"'));
    LS_TRY(is_date ? ls__tbl_fmt_date(out, v) : ls__tbl_fmt_ts(out, v, style));
    return ls_buf_append_byte(out, '"');
}

static ls_err_t ls__fmt_string(ls_buf_t *out, const ls_pq_leaf_stats_t *st, ls__what_t w,
                               long prefix)
{
    const uint8_t *p = w == LS__MIN ? st->min_bytes : st->max_bytes;
    size_t n = w == LS__MIN ? st->min_len : st->max_len;
    if (p == NULL && n == 0) {
        p = (const uint8_t *)"";
    }
    if (p == NULL || !ls__tbl_utf8_valid(p, n)) {
        return LS__OMIT;
    }
    if (w == LS__MAX) {
        return ls__truncate_max(p, n, prefix, out);
    }
    /* a prefix of the min is still <= every value */
    return ls_json_append_string(out, (const char *)p, ls__prefix_cps(p, n, prefix));
}

/* Append the min or max of a primitive leaf, or LS__OMIT. */
static ls_err_t ls__fmt_minmax(ls__sctx_t *sc, const ls_node_t *node, ls__what_t w)
{
    const ls_pq_leaf_stats_t *st = sc->fn != NULL ? sc->fn(sc->ctx, (size_t)node->leaf) : NULL;
    if (st == NULL || !(w == LS__MIN ? st->has_min : st->has_max)) {
        return LS__OMIT;
    }
    ls_buf_t *out = sc->out;
    const ls_type_t *t = node->type;
    bool mn = w == LS__MIN;
    switch (t->kind) {
    case LS_TYPE_BYTE:
    case LS_TYPE_SHORT:
    case LS_TYPE_INTEGER: return ls_buf_printf(out, "%d", (int)(mn ? st->min.i32 : st->max.i32));
    case LS_TYPE_LONG:
        return ls_buf_printf(out, "%lld", (long long)(mn ? st->min.i64 : st->max.i64));
    case LS_TYPE_FLOAT: return ls__fmt_fp(out, st, mn ? st->min.f32 : st->max.f32, w, true);
    case LS_TYPE_DOUBLE: return ls__fmt_fp(out, st, mn ? st->min.f64 : st->max.f64, w, false);
    case LS_TYPE_DECIMAL: return ls__fmt_dec(out, t, st, w);
    case LS_TYPE_DATE: return ls__fmt_quoted(out, mn ? st->min.i32 : st->max.i32, true, 0);
    case LS_TYPE_TIMESTAMP:
        return ls__fmt_quoted(out, mn ? st->min.i64 : st->max.i64, false, LS__TBL_TS_STATS);
    case LS_TYPE_TIMESTAMP_NTZ:
        return ls__fmt_quoted(out, mn ? st->min.i64 : st->max.i64, false, LS__TBL_TS_STATS_NTZ);
    case LS_TYPE_STRING: return ls__fmt_string(out, st, w, sc->prefix);
    default: return LS__OMIT; /* boolean, binary and the read-only types: no min/max */
    }
}

static ls_err_t ls__fmt_nulls(ls__sctx_t *sc, const ls_node_t *node)
{
    if (sc->nulls != NULL) {
        return ls_buf_printf(sc->out, "%lld", (long long)sc->nulls->counts[node->leaf_begin]);
    }
    /* without a counter only leaves have a trustworthy count (one level entry per row) */
    const ls_pq_leaf_stats_t *st =
        node->leaf >= 0 && sc->fn != NULL ? sc->fn(sc->ctx, (size_t)node->leaf) : NULL;
    if (st == NULL) {
        return LS__OMIT;
    }
    return ls_buf_printf(sc->out, "%lld", (long long)st->null_count);
}

/* ---------------------------------------------------------------- objects */

static ls_err_t ls__key(ls_buf_t *out, bool *first, const char *name)
{
    if (!*first) {
        LS_TRY(ls_buf_append_byte(out, ','));
    }
    LS_TRY(ls_json_append_string(out, name, strlen(name)));
    return ls_buf_append_byte(out, ':');
}

/* Members of the object for struct node @p st; *wrote tells whether any was kept. */
static ls_err_t ls__emit_struct(ls__sctx_t *sc, const ls_node_t *st, ls__what_t w, bool *wrote)
{
    bool first = true;
    ls_buf_t *out = sc->out;
    for (uint32_t f = 0; f < st->nchildren; f++) {
        const ls_node_t *c = st->children[f];
        /* a struct may be partly indexed: its members decide */
        if (c->leaf_end == c->leaf_begin ||
            (c->type->kind != LS_TYPE_STRUCT && !sc->indexed[c->leaf_begin])) {
            continue;
        }
        size_t mark = out->len;
        bool kept = false;
        ls_err_t rc;
        LS_TRY(ls__key(out, &first, c->name));
        if (c->type->kind == LS_TYPE_STRUCT) {
            rc = ls_buf_append_byte(out, '{');
            rc = rc == LS_OK ? ls__emit_struct(sc, c, w, &kept) : rc;
            rc = rc == LS_OK ? (kept ? ls_buf_append_byte(out, '}') : LS__OMIT) : rc;
        } else if (w == LS__NULLS) {
            rc = ls__fmt_nulls(sc, c);
        } else {
            rc = c->leaf >= 0 ? ls__fmt_minmax(sc, c, w) : LS__OMIT;
        }
        if (rc == LS__OMIT) {
            out->len = mark; /* also drops a half-written value */
            continue;
        }
        LS_TRY(rc);
        first = false;
    }
    *wrote = !first;
    return LS_OK;
}

static ls_err_t ls__emit_top(ls__sctx_t *sc, const char *name, ls__what_t w)
{
    size_t mark = sc->out->len;
    bool wrote;
    LS_TRY(ls_buf_printf(sc->out, ",\"%s\":{", name));
    LS_TRY(ls__emit_struct(sc, sc->layout->root, w, &wrote));
    if (!wrote) {
        sc->out->len = mark;
        return LS_OK;
    }
    return ls_buf_append_byte(sc->out, '}');
}

ls_err_t ls_table_stats_json(const ls_layout_t *layout, ls_table_leaf_stats_fn leaf_stats,
                             void *ctx, const ls_table_nulls_t *nulls, int64_t num_records,
                             const ls_table_stats_opts_t *opts, ls_buf_t *out, ls_error_t *err)
{
    ls_table_stats_opts_t def;
    if (opts == NULL) {
        ls_table_stats_opts_init(&def);
        opts = &def;
    }
    if (nulls != NULL && nulls->layout->nleaves != layout->nleaves) {
        return ls_error_set(err, LS_ERR_INVALID_ARG, "stats: null counter is for another layout");
    }
    bool *indexed = ls_calloc(layout->nleaves ? layout->nleaves : 1, sizeof(bool));
    if (indexed == NULL) {
        return ls_error_set(err, LS_ERR_NOMEM, "stats: out of memory");
    }
    ls_err_t rc = ls_table_stats_indexed(layout, opts, indexed, err);
    if (rc != LS_OK) {
        ls_free(indexed);
        return rc;
    }
    ls__sctx_t sc = {layout, leaf_stats, ctx, nulls, indexed, opts->string_prefix_len, out};
    size_t mark = out->len;
    rc = ls_buf_printf(out, "{\"numRecords\":%lld", (long long)num_records);
    if (rc == LS_OK) {
        rc = ls__emit_top(&sc, "minValues", LS__MIN);
    }
    if (rc == LS_OK) {
        rc = ls__emit_top(&sc, "maxValues", LS__MAX);
    }
    if (rc == LS_OK) {
        rc = ls__emit_top(&sc, "nullCount", LS__NULLS);
    }
    if (rc == LS_OK) {
        rc = ls_buf_append_byte(out, '}');
    }
    ls_free(indexed);
    if (rc != LS_OK) {
        out->len = mark;
        return ls_error_set(err, rc, "writing stats JSON: %s", ls_err_str(rc));
    }
    return LS_OK;
}

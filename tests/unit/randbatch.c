/*
 * randbatch.c — random schemas and rows for property tests (see randbatch.h).
 *
 * Every random draw is its own statement: C leaves the evaluation order of function
 * arguments and of operands such as `a ^ b` unspecified, and a generator that draws in
 * both would give different files for the same seed under gcc and clang.
 * Not responsible for: writing, reading or comparing batches.
 */
#include "randbatch.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

void ls_rb_init(ls_rb_t *g, uint64_t seed, unsigned flags)
{
    g->rng = seed * 0x9E3779B97F4A7C15ull + 1;
    g->null_pct = (int)(seed % 4) * 15;
    g->max_items = 1 + (int)(seed % 4);
    g->flags = flags;
}

uint64_t ls_rb_next(ls_rb_t *g, uint64_t n)
{
    /* xorshift64*, the same stream as ls_test_rand() */
    uint64_t x = g->rng ? g->rng : 0x9E3779B97F4A7C15ull;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    g->rng = x;
    return n ? (x * 0x2545F4914F6CDD1Dull) % n : 0;
}

static const ls_type_kind_t prims[] = {
    LS_TYPE_STRING,  LS_TYPE_BINARY,    LS_TYPE_BOOLEAN,      LS_TYPE_BYTE,   LS_TYPE_SHORT,
    LS_TYPE_INTEGER, LS_TYPE_LONG,      LS_TYPE_FLOAT,        LS_TYPE_DOUBLE, LS_TYPE_DECIMAL,
    LS_TYPE_DATE,    LS_TYPE_TIMESTAMP, LS_TYPE_TIMESTAMP_NTZ};

static ls_type_t *gen_type(ls_rb_t *g, int depth);

static ls_type_t *gen_primitive(ls_rb_t *g)
{
    ls_type_kind_t k = prims[ls_rb_next(g, sizeof(prims) / sizeof(prims[0]))];
    if (k == LS_TYPE_DECIMAL) {
        static const int precs[] = {1, 5, 9, 10, 18, 19, 28, 38};
        int p = precs[ls_rb_next(g, 8)];
        return ls_type_new_decimal(p, (int)ls_rb_next(g, (uint64_t)p + 1));
    }
    return ls_type_new(k);
}

/* A struct of 1..@p maxf fields; one field in @p required_one_in is not nullable. */
static ls_type_t *gen_struct(ls_rb_t *g, int depth, const char *prefix, int maxf,
                             int required_one_in)
{
    ls_type_t *st = ls_type_new_struct();
    int nf = 1 + (int)ls_rb_next(g, (uint64_t)maxf);
    for (int i = 0; st != NULL && i < nf; i++) {
        char name[16];
        snprintf(name, sizeof(name), "%s%d", prefix, i);
        bool nullable = ls_rb_next(g, (uint64_t)required_one_in) != 0;
        ls_type_t *t = gen_type(g, depth + 1);
        if (ls_type_struct_add(st, name, t, nullable) != LS_OK) {
            ls_type_free(st);
            st = NULL;
        }
    }
    return st;
}

static ls_type_t *gen_type(ls_rb_t *g, int depth)
{
    uint64_t pick = ls_rb_next(g, depth >= 3 ? 10 : 16);
    if (pick < 10 || depth >= 3) {
        return gen_primitive(g);
    }
    if (pick < 12) {
        bool contains_null = ls_rb_next(g, 2) == 0;
        return ls_type_new_array(gen_type(g, depth + 1), contains_null);
    }
    if (pick < 14) {
        ls_type_kind_t kk = ls_rb_next(g, 2) ? LS_TYPE_STRING : LS_TYPE_INTEGER;
        bool value_contains_null = ls_rb_next(g, 2) == 0;
        ls_type_t *value = gen_type(g, depth + 1);
        return ls_type_new_map(ls_type_new(kk), value, value_contains_null);
    }
    return gen_struct(g, depth, "f", 3, 3);
}

ls_type_t *ls_rb_schema(ls_rb_t *g)
{
    return gen_struct(g, 0, "c", 6, 4);
}

/* An integer in [-(10^p - 1), 10^p - 1], biased to the edges. */
static int64_t gen_decimal_small(ls_rb_t *g, int p)
{
    int64_t lim = 1;
    for (int i = 0; i < p; i++) {
        lim *= 10;
    }
    lim -= 1;
    switch (ls_rb_next(g, 4)) {
    case 0: return lim;
    case 1: return -lim;
    case 2: return 0;
    default: return (int64_t)(ls_rb_next(g, (uint64_t)lim * 2 + 1)) - lim;
    }
}

/* A string of whole UTF-8 pieces: what JSON must escape (quote, backslash, controls, NUL),
 * DEL, and two-, three- and four-byte characters. */
static ls_err_t gen_text(ls_rb_t *g, ls_batch_t *b, ls_column_t *c, int rep)
{
    /* clang-format off */
    static const struct {
        char s[5];
        uint8_t n;
    } pieces[] = {{"a", 1}, {"b", 1}, {"\"", 1}, {"\\", 1}, {"\n", 1}, {"\t", 1}, {"/", 1},
                  {"\x01", 1}, {"\x1f", 1}, {"\x7f", 1}, {"\0", 1}, {"\xc3\xa9", 2},
                  {"\xe2\x82\xac", 3}, {"\xf0\x9f\x98\x80", 4}};
    /* clang-format on */
    char s[64];
    size_t len = 0;
    size_t n = ls_rb_next(g, 16);
    for (size_t i = 0; i < n; i++) {
        size_t k = ls_rb_next(g, sizeof(pieces) / sizeof(pieces[0]));
        memcpy(s + len, pieces[k].s, pieces[k].n);
        len += pieces[k].n;
    }
    return ls_col_push_bytes(b, c, s, len, rep);
}

static ls_err_t gen_bytes(ls_rb_t *g, ls_batch_t *b, ls_column_t *c, bool binary, int rep)
{
    if (!binary && (g->flags & LS_RB_TEXT_ESCAPES)) {
        return gen_text(g, b, c, rep);
    }
    char s[64];
    size_t len = ls_rb_next(g, 4) == 0 ? 0 : ls_rb_next(g, sizeof(s));
    for (size_t i = 0; i < len; i++) {
        /* strings stay valid UTF-8 (ASCII + a two-byte char); binary gets any byte */
        s[i] = binary ? (char)ls_rb_next(g, 256) : (char)('a' + ls_rb_next(g, 3));
    }
    if (!binary && len >= 2 && ls_rb_next(g, 3) == 0) {
        s[0] = (char)0xC3;
        s[1] = (char)0xA9;
    }
    return ls_col_push_bytes(b, c, s, len, rep);
}

/* Any value of up to @p precision digits (10^p - 1 and its negation a quarter of the time),
 * built digit by digit in a big-endian byte array: v = v * 10 + d, then negated. */
static ls_err_t gen_decimal_wide(ls_rb_t *g, ls_batch_t *b, ls_column_t *c, int precision, int rep)
{
    uint8_t v[16] = {0};
    bool edge = ls_rb_next(g, 4) == 0;
    int ndigits = edge ? precision : 1 + (int)ls_rb_next(g, (uint64_t)precision);
    for (int k = 0; k < ndigits; k++) {
        unsigned carry = edge ? 9 : (unsigned)ls_rb_next(g, 10);
        for (int i = 15; i >= 0; i--) {
            carry += v[i] * 10u;
            v[i] = (uint8_t)carry;
            carry >>= 8;
        }
    }
    if (ls_rb_next(g, 2) == 0) {
        unsigned carry = 1;
        for (int i = 15; i >= 0; i--) {
            carry += (uint8_t)~v[i];
            v[i] = (uint8_t)carry;
            carry >>= 8;
        }
    }
    uint32_t w = c->leaf->width;
    return ls_col_push_bytes(b, c, v + 16 - w, w, rep);
}

static ls_err_t gen_decimal(ls_rb_t *g, ls_batch_t *b, ls_column_t *c, int precision, int rep)
{
    if (precision <= 9) {
        return ls_col_push_i32(b, c, (int32_t)gen_decimal_small(g, precision), rep);
    }
    if (precision <= 18) {
        return ls_col_push_i64(b, c, gen_decimal_small(g, precision), rep);
    }
    if ((g->flags & LS_RB_WIDE_DECIMALS) && ls_rb_next(g, 2) == 0) {
        return gen_decimal_wide(g, b, c, precision, rep);
    }
    /* a small value, sign-extended to the fixed width (always within precision) */
    uint8_t v[16];
    int64_t x = gen_decimal_small(g, 18);
    uint32_t w = c->leaf->width;
    for (uint32_t i = 0; i < w; i++) {
        int shift = (int)(w - 1 - i) * 8;
        v[i] = shift >= 64 ? (uint8_t)(x < 0 ? 0xFF : 0) : (uint8_t)(x >> shift);
    }
    return ls_col_push_bytes(b, c, v, w, rep);
}

/* Microseconds from 0001-01-01T00:00:00 to 9999-12-31T23:59:59.999999, edges included. */
static int64_t gen_wide_timestamp(ls_rb_t *g)
{
    const int64_t lo = -62135596800000000LL, hi = 253402300799999999LL;
    switch (ls_rb_next(g, 4)) {
    case 0: return lo;
    case 1: return hi;
    default: return lo + (int64_t)ls_rb_next(g, (uint64_t)(hi - lo) + 1);
    }
}

static ls_err_t gen_leaf(ls_rb_t *g, ls_batch_t *b, const ls_node_t *n, int rep)
{
    ls_column_t *c = &b->cols[n->leaf];
    const ls_type_t *t = n->type;
    static const int64_t i64s[] = {INT64_MIN, INT64_MAX, 0, -1, 1, 1700000000000000LL};
    static const double dbls[] = {0.0, -0.0, 1.5, -2.25e300, 5e-324, INFINITY, -INFINITY, NAN};
    switch (t->kind) {
    case LS_TYPE_STRING:
    case LS_TYPE_BINARY: return gen_bytes(g, b, c, t->kind == LS_TYPE_BINARY, rep);
    case LS_TYPE_BOOLEAN: return ls_col_push_bool(b, c, ls_rb_next(g, 2), rep);
    case LS_TYPE_BYTE: return ls_col_push_i32(b, c, (int32_t)ls_rb_next(g, 256) - 128, rep);
    case LS_TYPE_SHORT: return ls_col_push_i32(b, c, (int32_t)ls_rb_next(g, 65536) - 32768, rep);
    case LS_TYPE_INTEGER: {
        bool small = ls_rb_next(g, 3) != 0;
        return ls_col_push_i32(b, c, small ? (int32_t)ls_rb_next(g, 1000) : INT32_MIN, rep);
    }
    case LS_TYPE_DATE: /* 0001-01-01 .. 9999-12-31 */
        return ls_col_push_i32(b, c, (int32_t)ls_rb_next(g, 2932897) - 719162, rep);
    case LS_TYPE_LONG: {
        int64_t v = i64s[ls_rb_next(g, 6)];
        return ls_col_push_i64(b, c, v ^ (int64_t)ls_rb_next(g, 4), rep);
    }
    case LS_TYPE_TIMESTAMP:
    case LS_TYPE_TIMESTAMP_NTZ:
        if ((g->flags & LS_RB_WIDE_TIMESTAMPS) && ls_rb_next(g, 2) == 0) {
            return ls_col_push_i64(b, c, gen_wide_timestamp(g), rep);
        }
        return ls_col_push_i64(b, c, (int64_t)ls_rb_next(g, 1ULL << 52) - (1LL << 50), rep);
    case LS_TYPE_FLOAT: return ls_col_push_float(b, c, (float)dbls[ls_rb_next(g, 8)] * 0.5f, rep);
    case LS_TYPE_DOUBLE: {
        double v = ls_rb_next(g, 2) ? dbls[ls_rb_next(g, 8)] : (double)ls_rb_next(g, 100) / 7;
        return ls_col_push_double(b, c, v, rep);
    }
    case LS_TYPE_DECIMAL: return gen_decimal(g, b, c, t->precision, rep);
    default: return LS_ERR_UNSUPPORTED;
    }
}

/* Key @p i of a map whose keys must be unique: distinct by construction (an integer
 * run from a random base; a string of letters followed by the decimal index). */
static ls_err_t gen_unique_key(ls_rb_t *g, ls_batch_t *b, const ls_node_t *n, int i, int32_t base,
                               int rep)
{
    ls_column_t *c = &b->cols[n->leaf];
    if (n->type->kind == LS_TYPE_INTEGER) {
        return ls_col_push_i32(b, c, base + i, rep);
    }
    char s[32];
    size_t len = ls_rb_next(g, 6);
    for (size_t k = 0; k < len; k++) {
        s[k] = (char)('a' + ls_rb_next(g, 3));
    }
    len += (size_t)snprintf(s + len, sizeof(s) - len, "%d", i);
    return ls_col_push_bytes(b, c, s, len, rep);
}

static ls_err_t gen_value(ls_rb_t *g, ls_batch_t *b, const ls_node_t *n, int rep);

static ls_err_t gen_collection(ls_rb_t *g, ls_batch_t *b, const ls_node_t *n, int rep)
{
    int k = (int)ls_rb_next(g, (uint64_t)g->max_items + 1);
    if (k == 0) {
        return ls_batch_push_absent(b, n, n->def, rep);
    }
    bool unique = n->type->kind == LS_TYPE_MAP && (g->flags & LS_RB_UNIQUE_MAP_KEYS);
    int32_t base = 0;
    if (unique && n->children[0]->type->kind == LS_TYPE_INTEGER) {
        /* keep INT32_MIN, an edge the plain generator hits often, or a small run */
        base = ls_rb_next(g, 3) == 0 ? INT32_MIN : (int32_t)ls_rb_next(g, 2000) - 1000;
    }
    for (int i = 0; i < k; i++) {
        int r = i == 0 ? rep : n->entry_rep;
        for (uint32_t c = 0; c < n->nchildren; c++) {
            if (unique && c == 0) {
                LS_TRY(gen_unique_key(g, b, n->children[0], i, base, r));
            } else {
                LS_TRY(gen_value(g, b, n->children[c], r));
            }
        }
    }
    return LS_OK;
}

static ls_err_t gen_value(ls_rb_t *g, ls_batch_t *b, const ls_node_t *n, int rep)
{
    if (n->nullable && (int)ls_rb_next(g, 100) < g->null_pct) {
        return ls_batch_push_absent(b, n, n->def - 1, rep);
    }
    switch (n->type->kind) {
    case LS_TYPE_STRUCT:
        for (uint32_t i = 0; i < n->nchildren; i++) {
            LS_TRY(gen_value(g, b, n->children[i], rep));
        }
        return LS_OK;
    case LS_TYPE_ARRAY:
    case LS_TYPE_MAP: return gen_collection(g, b, n, rep);
    default: return gen_leaf(g, b, n, rep);
    }
}

ls_err_t ls_rb_rows(ls_rb_t *g, ls_batch_t *b, size_t nrows)
{
    const ls_node_t *root = b->layout->root;
    for (size_t i = 0; i < nrows; i++) {
        ls_batch_row_begin(b);
        for (uint32_t f = 0; f < root->nchildren; f++) {
            ls_err_t rc = gen_value(g, b, root->children[f], 0);
            if (rc != LS_OK) {
                ls_batch_row_abort(b);
                return rc;
            }
        }
        ls_batch_row_commit(b);
    }
    return LS_OK;
}

/*
 * stats.c — column statistics: null counts, NaN counts and min/max in each type's
 * defined order, and their Thrift and Delta-facing forms.
 *
 * Orders: signed for INT32/INT64 (byte, short, date, timestamp, decimal p<=18),
 * unsigned for UINT(64), unsigned bytes (memcmp, shorter prefix first) for strings,
 * binary, uuid and fixed, signed big-endian for FLBA decimals, false<true for booleans,
 * IEEE order without NaN for floats (a zero min is written -0.0, a zero max +0.0).
 * Not responsible for: deciding which values reach the statistics (column.c feeds each
 * non-null value once, or each dictionary entry once).
 */
#include <string.h>

#include "lakesink/alloc.h"
#include "pqw_int.h"

/* Statistics values never exceed one column value; the cap only guards arithmetic. */
#define LS__STAT_BUF_MAX ((size_t)UINT32_MAX)

ls__pqw_ord_t ls__pqw_order(const ls_leaf_t *leaf)
{
    switch (leaf->store) {
    case LS_COL_BOOL: return LS_PQW_ORD_BOOL;
    case LS_COL_I32: return LS_PQW_ORD_I32;
    case LS_COL_I64: return leaf->type->kind == LS_TYPE_UINT64 ? LS_PQW_ORD_U64 : LS_PQW_ORD_I64;
    case LS_COL_FLOAT: return LS_PQW_ORD_F32;
    case LS_COL_DOUBLE: return LS_PQW_ORD_F64;
    case LS_COL_FIXED:
        return leaf->type->kind == LS_TYPE_DECIMAL ? LS_PQW_ORD_DECIMAL : LS_PQW_ORD_BYTES;
    case LS_COL_BYTES:
    default: return LS_PQW_ORD_BYTES;
    }
}

void ls__pqw_stats_init(ls__pqw_stats_t *s)
{
    memset(s, 0, sizeof(*s));
    ls_buf_init(&s->min_b, LS__STAT_BUF_MAX);
    ls_buf_init(&s->max_b, LS__STAT_BUF_MAX);
}

void ls__pqw_stats_free(ls__pqw_stats_t *s)
{
    ls_buf_free(&s->min_b);
    ls_buf_free(&s->max_b);
}

void ls__pqw_stats_reset(ls__pqw_stats_t *s)
{
    s->null_count = s->num_values = s->nan_count = 0;
    s->has_minmax = false;
    ls_buf_reset(&s->min_b);
    ls_buf_reset(&s->max_b);
}

static int ls__cmp_bytes(const uint8_t *a, size_t la, const uint8_t *b, size_t lb)
{
    size_t m = la < lb ? la : lb;
    int c = m ? memcmp(a, b, m) : 0;
    if (c != 0) {
        return c;
    }
    return (la > lb) - (la < lb);
}

/* Big-endian two's complement of equal width: the sign byte compares signed. */
static int ls__cmp_decimal(const uint8_t *a, const uint8_t *b, size_t w)
{
    int c = (int)(a[0] ^ 0x80) - (int)(b[0] ^ 0x80);
    if (c != 0 || w == 1) {
        return c;
    }
    return memcmp(a + 1, b + 1, w - 1);
}

static int ls__cmp(ls__pqw_ord_t ord, const uint8_t *a, size_t la, const uint8_t *b, size_t lb)
{
    if (ord == LS_PQW_ORD_DECIMAL && la == lb && la > 0) {
        return ls__cmp_decimal(a, b, la);
    }
    return ls__cmp_bytes(a, la, b, lb);
}

static ls_err_t ls__set(ls_buf_t *b, const uint8_t *p, size_t n)
{
    ls_buf_reset(b);
    LS_TRY(ls_buf_reserve(b, n ? n : 1));
    if (n != 0) {
        memcpy(b->data, p, n);
    }
    b->len = n;
    return LS_OK;
}

/* Widen @p s with a candidate min and max (pointers into caller memory). */
static ls_err_t ls__fold_bytes(ls__pqw_stats_t *s, ls__pqw_ord_t ord, const uint8_t *mn,
                               size_t lmn, const uint8_t *mx, size_t lmx)
{
    if (!s->has_minmax || ls__cmp(ord, mn, lmn, s->min_b.data, s->min_b.len) < 0) {
        LS_TRY(ls__set(&s->min_b, mn, lmn));
    }
    if (!s->has_minmax || ls__cmp(ord, mx, lmx, s->max_b.data, s->max_b.len) > 0) {
        LS_TRY(ls__set(&s->max_b, mx, lmx));
    }
    s->has_minmax = true;
    return LS_OK;
}

/* Min/max of a run of numbers of type T, folded into field F of s->min/s->max. */
#define LS__NUM_MINMAX(T, F)                                                                \
    do {                                                                                    \
        T mn, mx;                                                                           \
        memcpy(&mn, vals, sizeof(T));                                                       \
        mx = mn;                                                                            \
        for (size_t i = 1; i < n; i++) {                                                    \
            T x;                                                                            \
            memcpy(&x, vals + i * sizeof(T), sizeof(T));                                    \
            mn = x < mn ? x : mn;                                                           \
            mx = x > mx ? x : mx;                                                           \
        }                                                                                   \
        if (!s->has_minmax || mn < (T)s->min.F) {                                           \
            s->min.F = mn;                                                                  \
        }                                                                                   \
        if (!s->has_minmax || mx > (T)s->max.F) {                                           \
            s->max.F = mx;                                                                  \
        }                                                                                   \
        s->has_minmax = true;                                                               \
    } while (0)

/* Floats: NaN is counted and skipped; nothing is set when every value is NaN. */
#define LS__FLOAT_MINMAX(T, F)                                                              \
    do {                                                                                    \
        T mn = 0, mx = 0;                                                                   \
        bool any = false;                                                                   \
        for (size_t i = 0; i < n; i++) {                                                    \
            T x;                                                                            \
            memcpy(&x, vals + i * sizeof(T), sizeof(T));                                    \
            if (x != x) {                                                                   \
                s->nan_count++;                                                             \
                continue;                                                                   \
            }                                                                               \
            if (!any) {                                                                     \
                mn = mx = x;                                                                \
                any = true;                                                                 \
            }                                                                               \
            mn = x < mn ? x : mn;                                                           \
            mx = x > mx ? x : mx;                                                           \
        }                                                                                   \
        if (any) {                                                                          \
            if (!s->has_minmax || mn < s->min.F) {                                          \
                s->min.F = mn;                                                              \
            }                                                                               \
            if (!s->has_minmax || mx > s->max.F) {                                          \
                s->max.F = mx;                                                              \
            }                                                                               \
            s->has_minmax = true;                                                           \
        }                                                                                   \
    } while (0)

static void ls__bool_minmax(ls__pqw_stats_t *s, const uint8_t *vals, size_t n)
{
    bool any0 = false, any1 = false;
    for (size_t i = 0; i < n; i++) {
        any0 |= vals[i] == 0;
        any1 |= vals[i] != 0;
    }
    int32_t mn = any0 ? 0 : 1, mx = any1 ? 1 : 0;
    if (!s->has_minmax || mn < s->min.i32) {
        s->min.i32 = mn;
    }
    if (!s->has_minmax || mx > s->max.i32) {
        s->max.i32 = mx;
    }
    s->has_minmax = true;
}

ls_err_t ls__pqw_stats_add_fixed(ls__pqw_stats_t *s, ls__pqw_ord_t ord, const uint8_t *vals,
                                 size_t n, uint32_t width)
{
    if (n == 0) {
        return LS_OK;
    }
    switch (ord) {
    case LS_PQW_ORD_BOOL: ls__bool_minmax(s, vals, n); return LS_OK;
    case LS_PQW_ORD_I32: LS__NUM_MINMAX(int32_t, i32); return LS_OK;
    case LS_PQW_ORD_I64: LS__NUM_MINMAX(int64_t, i64); return LS_OK;
    case LS_PQW_ORD_U64: LS__NUM_MINMAX(uint64_t, i64); return LS_OK;
    case LS_PQW_ORD_F32: LS__FLOAT_MINMAX(float, f32); return LS_OK;
    case LS_PQW_ORD_F64: LS__FLOAT_MINMAX(double, f64); return LS_OK;
    case LS_PQW_ORD_BYTES:
    case LS_PQW_ORD_DECIMAL:
    default: break;
    }
    const uint8_t *mn = vals, *mx = vals;
    for (size_t i = 1; i < n; i++) {
        const uint8_t *x = vals + i * width;
        if (ls__cmp(ord, x, width, mn, width) < 0) {
            mn = x;
        } else if (ls__cmp(ord, x, width, mx, width) > 0) {
            mx = x;
        }
    }
    return ls__fold_bytes(s, ord, mn, width, mx, width);
}

/* First 8 bytes as a big-endian number (zero padded): orders like memcmp, ties aside. */
static inline uint64_t ls__prefix(const uint8_t *p, size_t len)
{
    uint64_t x = 0;
    if (len != 0) {
        memcpy(&x, p, len < 8 ? len : 8);
    }
    return __builtin_bswap64(x);
}

ls_err_t ls__pqw_stats_add_bytes(ls__pqw_stats_t *s, ls__pqw_ord_t ord, const uint32_t *off,
                                 const uint8_t *bytes, size_t n)
{
    if (n == 0) {
        return LS_OK;
    }
    size_t imn = 0, imx = 0;
    uint64_t kmn = ls__prefix(bytes + off[0], off[1] - off[0]), kmx = kmn;
    for (size_t i = 1; i < n; i++) {
        const uint8_t *x = bytes + off[i];
        size_t lx = off[i + 1] - off[i];
        uint64_t k = ls__prefix(x, lx);
        /* the prefixes decide almost always; equal ones need the full comparison */
        if (k < kmn || (k == kmn && ls__cmp_bytes(x, lx, bytes + off[imn],
                                                   off[imn + 1] - off[imn]) < 0)) {
            imn = i;
            kmn = k;
        } else if (k > kmx || (k == kmx && ls__cmp_bytes(x, lx, bytes + off[imx],
                                                          off[imx + 1] - off[imx]) > 0)) {
            imx = i;
            kmx = k;
        }
    }
    (void)ord;
    return ls__fold_bytes(s, LS_PQW_ORD_BYTES, bytes + off[imn], off[imn + 1] - off[imn],
                          bytes + off[imx], off[imx + 1] - off[imx]);
}

ls_err_t ls__pqw_stats_add_plain_bytes(ls__pqw_stats_t *s, ls__pqw_ord_t ord, const uint8_t *p,
                                       size_t len, size_t n)
{
    const uint8_t *mn = NULL, *mx = NULL;
    uint32_t lmn = 0, lmx = 0;
    size_t pos = 0;
    for (size_t i = 0; i < n && pos + 4 <= len; i++) {
        uint32_t l;
        memcpy(&l, p + pos, 4);
        const uint8_t *x = p + pos + 4;
        if (l > len - pos - 4) {
            break; /* cannot happen for the dictionaries this is used on */
        }
        pos += 4 + (size_t)l;
        if (mn == NULL || ls__cmp_bytes(x, l, mn, lmn) < 0) {
            mn = x;
            lmn = l;
        }
        if (mx == NULL || ls__cmp_bytes(x, l, mx, lmx) > 0) {
            mx = x;
            lmx = l;
        }
    }
    (void)ord;
    if (mn == NULL) {
        return LS_OK;
    }
    return ls__fold_bytes(s, LS_PQW_ORD_BYTES, mn, lmn, mx, lmx);
}

ls_err_t ls__pqw_stats_merge(ls__pqw_stats_t *dst, const ls__pqw_stats_t *src,
                             ls__pqw_ord_t ord)
{
    dst->null_count += src->null_count;
    dst->num_values += src->num_values;
    dst->nan_count += src->nan_count;
    if (!src->has_minmax) {
        return LS_OK;
    }
    switch (ord) {
    case LS_PQW_ORD_BOOL:
    case LS_PQW_ORD_I32:
        if (!dst->has_minmax || src->min.i32 < dst->min.i32) {
            dst->min.i32 = src->min.i32;
        }
        if (!dst->has_minmax || src->max.i32 > dst->max.i32) {
            dst->max.i32 = src->max.i32;
        }
        break;
    case LS_PQW_ORD_I64:
        if (!dst->has_minmax || src->min.i64 < dst->min.i64) {
            dst->min.i64 = src->min.i64;
        }
        if (!dst->has_minmax || src->max.i64 > dst->max.i64) {
            dst->max.i64 = src->max.i64;
        }
        break;
    case LS_PQW_ORD_U64:
        if (!dst->has_minmax || (uint64_t)src->min.i64 < (uint64_t)dst->min.i64) {
            dst->min.i64 = src->min.i64;
        }
        if (!dst->has_minmax || (uint64_t)src->max.i64 > (uint64_t)dst->max.i64) {
            dst->max.i64 = src->max.i64;
        }
        break;
    case LS_PQW_ORD_F32:
        if (!dst->has_minmax || src->min.f32 < dst->min.f32) {
            dst->min.f32 = src->min.f32;
        }
        if (!dst->has_minmax || src->max.f32 > dst->max.f32) {
            dst->max.f32 = src->max.f32;
        }
        break;
    case LS_PQW_ORD_F64:
        if (!dst->has_minmax || src->min.f64 < dst->min.f64) {
            dst->min.f64 = src->min.f64;
        }
        if (!dst->has_minmax || src->max.f64 > dst->max.f64) {
            dst->max.f64 = src->max.f64;
        }
        break;
    case LS_PQW_ORD_BYTES:
    case LS_PQW_ORD_DECIMAL:
    default:
        return ls__fold_bytes(dst, ord, src->min_b.data, src->min_b.len, src->max_b.data,
                              src->max_b.len);
    }
    dst->has_minmax = true;
    return LS_OK;
}

/* Copy @p n bytes into the arena (a zero-length value still gets a valid pointer). */
static const uint8_t *ls__dup(ls_arena_t *a, const void *p, size_t n)
{
    uint8_t *d = ls_arena_alloc(a, n ? n : 1);
    if (d != NULL && n != 0) {
        memcpy(d, p, n);
    }
    return d;
}

/* Length of the longest prefix of at most @p max bytes that ends on a UTF-8 boundary. */
static size_t ls__utf8_cut(const uint8_t *p, size_t len, size_t max)
{
    size_t cut = len < max ? len : max;
    while (cut > 0 && cut < len && (p[cut] & 0xC0) == 0x80) {
        cut--;
    }
    return cut;
}

/*
 * Truncated bounds of a long byte array: min is a prefix; max is a prefix whose last
 * byte is bumped by one (for strings only an ASCII byte, so the result stays UTF-8).
 * Returns false for max when no byte can be bumped.
 */
static bool ls__truncate_max(const uint8_t *p, size_t len, bool utf8, size_t *keep,
                             uint8_t *last)
{
    size_t cut = utf8 ? ls__utf8_cut(p, len, LS_PQW_STATS_TRUNCATE) : LS_PQW_STATS_TRUNCATE;
    uint8_t limit = utf8 ? 0x7F : 0xFF;
    while (cut > 0) {
        if (p[cut - 1] < limit) {
            *keep = cut - 1;
            *last = (uint8_t)(p[cut - 1] + 1);
            return true;
        }
        cut--;
    }
    return false;
}

static ls_err_t ls__thrift_bytes(const ls__pqw_stats_t *s, const ls_leaf_t *leaf,
                                 ls_arena_t *arena, ls_pq_stats_t *out)
{
    const uint8_t *mn = s->min_b.data, *mx = s->max_b.data;
    size_t lmn = s->min_b.len, lmx = s->max_b.len;
    bool utf8 = leaf->type->kind == LS_TYPE_STRING;
    if (leaf->store == LS_COL_FIXED && lmn > LS_PQW_STATS_TRUNCATE) {
        return LS_OK; /* an FLBA bound must keep its width: omit it */
    }
    bool min_exact = lmn <= LS_PQW_STATS_TRUNCATE, max_exact = lmx <= LS_PQW_STATS_TRUNCATE;
    if (!min_exact) {
        lmn = utf8 ? ls__utf8_cut(mn, lmn, LS_PQW_STATS_TRUNCATE) : LS_PQW_STATS_TRUNCATE;
    }
    out->min_value = ls__dup(arena, mn, lmn);
    out->min_value_len = (uint32_t)lmn;
    out->has_min_value = true;
    out->has_is_min_exact = true;
    out->is_min_exact = min_exact;
    if (max_exact) {
        out->max_value = ls__dup(arena, mx, lmx);
        out->max_value_len = (uint32_t)lmx;
    } else {
        size_t keep = 0;
        uint8_t last = 0;
        if (!ls__truncate_max(mx, lmx, utf8, &keep, &last)) {
            return out->min_value ? LS_OK : LS_ERR_NOMEM;
        }
        uint8_t *d = ls_arena_alloc(arena, keep + 1);
        if (d != NULL) {
            memcpy(d, mx, keep);
            d[keep] = last;
        }
        out->max_value = d;
        out->max_value_len = (uint32_t)(keep + 1);
    }
    out->has_max_value = true;
    out->has_is_max_exact = true;
    out->is_max_exact = max_exact;
    return out->min_value && out->max_value ? LS_OK : LS_ERR_NOMEM;
}

/* Value of a float bound as written: zeros normalised (-0.0 for a min, +0.0 for a max). */
static float ls__f32_bound(float v, bool is_min)
{
    return v == 0.0f ? (is_min ? -0.0f : 0.0f) : v;
}

static double ls__f64_bound(double v, bool is_min)
{
    return v == 0.0 ? (is_min ? -0.0 : 0.0) : v;
}

ls_err_t ls__pqw_stats_to_thrift(const ls__pqw_stats_t *s, ls__pqw_ord_t ord,
                                 const ls_leaf_t *leaf, bool with_minmax, ls_arena_t *arena,
                                 ls_pq_stats_t *out)
{
    memset(out, 0, sizeof(*out));
    out->has_null_count = true;
    out->null_count = s->null_count;
    if (leaf->store == LS_COL_FLOAT || leaf->store == LS_COL_DOUBLE) {
        out->has_nan_count = true;
        out->nan_count = s->nan_count;
        /* NaN is outside min/max per the spec, but readers such as DuckDB assume max bounds
         * NaN and skip row groups holding it; omitting the bounds (as parquet-mr does) is
         * always safe, a bound a reader misreads loses rows */
        if (s->nan_count > 0) {
            with_minmax = false;
        }
    }
    if (!with_minmax || !s->has_minmax) {
        return LS_OK;
    }
    uint8_t mn[8], mx[8];
    size_t w = 0;
    switch (ord) {
    case LS_PQW_ORD_BOOL:
        mn[0] = (uint8_t)s->min.i32;
        mx[0] = (uint8_t)s->max.i32;
        w = 1;
        break;
    case LS_PQW_ORD_I32:
        memcpy(mn, &s->min.i32, 4);
        memcpy(mx, &s->max.i32, 4);
        w = 4;
        break;
    case LS_PQW_ORD_I64:
    case LS_PQW_ORD_U64:
        memcpy(mn, &s->min.i64, 8);
        memcpy(mx, &s->max.i64, 8);
        w = 8;
        break;
    case LS_PQW_ORD_F32: {
        float a = ls__f32_bound(s->min.f32, true), b = ls__f32_bound(s->max.f32, false);
        memcpy(mn, &a, 4);
        memcpy(mx, &b, 4);
        w = 4;
        break;
    }
    case LS_PQW_ORD_F64: {
        double a = ls__f64_bound(s->min.f64, true), b = ls__f64_bound(s->max.f64, false);
        memcpy(mn, &a, 8);
        memcpy(mx, &b, 8);
        w = 8;
        break;
    }
    case LS_PQW_ORD_BYTES:
    case LS_PQW_ORD_DECIMAL:
    default: return ls__thrift_bytes(s, leaf, arena, out);
    }
    out->min_value = ls__dup(arena, mn, w);
    out->max_value = ls__dup(arena, mx, w);
    if (out->min_value == NULL || out->max_value == NULL) {
        return LS_ERR_NOMEM;
    }
    out->min_value_len = out->max_value_len = (uint32_t)w;
    out->has_min_value = out->has_max_value = true;
    out->has_is_min_exact = out->has_is_max_exact = true;
    out->is_min_exact = out->is_max_exact = true;
    return LS_OK;
}

void ls__pqw_stats_to_leaf(const ls__pqw_stats_t *s, ls__pqw_ord_t ord, bool with_minmax,
                           ls_pq_leaf_stats_t *out)
{
    memset(out, 0, sizeof(*out));
    out->null_count = s->null_count;
    out->num_values = s->num_values;
    out->nan_count = s->nan_count;
    if (!with_minmax || !s->has_minmax) {
        return;
    }
    out->has_min = out->has_max = true;
    switch (ord) {
    case LS_PQW_ORD_BOOL:
        out->min.b = s->min.i32 != 0;
        out->max.b = s->max.i32 != 0;
        break;
    case LS_PQW_ORD_I32:
        out->min.i32 = s->min.i32;
        out->max.i32 = s->max.i32;
        break;
    case LS_PQW_ORD_I64:
    case LS_PQW_ORD_U64:
        out->min.i64 = s->min.i64;
        out->max.i64 = s->max.i64;
        break;
    case LS_PQW_ORD_F32:
        out->min.f32 = ls__f32_bound(s->min.f32, true);
        out->max.f32 = ls__f32_bound(s->max.f32, false);
        break;
    case LS_PQW_ORD_F64:
        out->min.f64 = ls__f64_bound(s->min.f64, true);
        out->max.f64 = ls__f64_bound(s->max.f64, false);
        break;
    case LS_PQW_ORD_BYTES:
    case LS_PQW_ORD_DECIMAL:
    default:
        out->min_bytes = s->min_b.data;
        out->min_len = (uint32_t)s->min_b.len;
        out->max_bytes = s->max_b.data;
        out->max_len = (uint32_t)s->max_b.len;
        break;
    }
}

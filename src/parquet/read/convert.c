/*
 * convert.c — appends decoded physical values to a batch column in the leaf's
 * storage form: unsigned widening, time unit scaling, INT96 timestamps, decimals in
 * their canonical storage, half floats; and the capped growth of column buffers.
 *
 * Not responsible for: decoding pages or levels (chunk.c, values.c, bits.c). The
 * column buffers follow columnar.h, and memory is accounted in batch->bytes exactly
 * as batch.c does, so a batch filled here is indistinguishable from one pushed to.
 */
#include <string.h>

#include "lakesink/alloc.h"
#include "pqread_int.h"

/* Days from the Julian day epoch to 1970-01-01. */
#define LS__JULIAN_UNIX_EPOCH 2440588
#define LS__US_PER_DAY INT64_C(86400000000)

static ls_err_t ls__reserve_err(ls_err_t rc, ls_error_t *err, size_t n)
{
    if (rc == LS_ERR_NOMEM) {
        return ls_error_set(err, rc, "out of memory storing %zu values", n);
    }
    return ls_error_set(err, rc, "storing %zu more values exceeds the batch memory cap", n);
}

static ls_err_t ls__append_views(ls_batch_t *b, ls_column_t *c, const ls__vec_t *v, ls_error_t *err)
{
    size_t total = 0;
    for (size_t i = 0; i < v->n; i++) {
        total += v->views[i].len;
        if (total > UINT32_MAX) {
            return ls_error_set(err, LS_ERR_LIMIT,
                                "byte array values exceed 4 GiB in one column of a batch");
        }
    }
    ls_err_t rc = ls_col_reserve(b, c, 0, v->n, total);
    if (rc != LS_OK) {
        return ls__reserve_err(rc, err, v->n);
    }
    if (c->nvalues == 0) {
        c->offsets[0] = 0;
    }
    for (size_t i = 0; i < v->n; i++) {
        if (v->views[i].len > 0) {
            memcpy(c->bytes + c->nbytes, v->views[i].p, v->views[i].len);
        }
        c->nbytes += v->views[i].len;
        c->offsets[++c->nvalues] = (uint32_t)c->nbytes;
    }
    return LS_OK;
}

static inline int64_t ls__src_int(const ls__vec_t *v, size_t i)
{
    if (v->width == 4) {
        int32_t x;
        memcpy(&x, v->fixed + i * 4, 4);
        return x;
    }
    int64_t x;
    memcpy(&x, v->fixed + i * 8, 8);
    return x;
}

static int64_t ls__floordiv(int64_t a, int64_t f)
{
    int64_t q = a / f;
    if (a % f != 0 && a < 0) {
        q--;
    }
    return q;
}

/*
 * INT96 (nanoseconds of the day, then the Julian day) to microseconds. The arithmetic
 * wraps modulo 2^64 on purpose: Spark writes timestamps beyond the representable
 * Julian range by wrapping the same way, and reading them back like Spark does
 * restores the original microseconds (int96_from_spark.parquet).
 */
static int64_t ls__int96(const uint8_t *p)
{
    int64_t nanos;
    int32_t jd;
    memcpy(&nanos, p, 8);
    memcpy(&jd, p + 8, 4);
    uint64_t days = (uint64_t)((int64_t)jd - LS__JULIAN_UNIX_EPOCH);
    uint64_t us = days * (uint64_t)LS__US_PER_DAY + (uint64_t)ls__floordiv(nanos, 1000);
    return (int64_t)us;
}

static float ls__half_to_float(uint16_t h)
{
    uint32_t sign = (uint32_t)(h >> 15) << 31;
    uint32_t exp = (h >> 10) & 0x1f, mant = h & 0x3ffu, bits;
    if (exp == 0 && mant == 0) {
        bits = sign;
    } else if (exp == 0) { /* subnormal: normalise */
        int e = -14;
        while ((mant & 0x400u) == 0) {
            mant <<= 1;
            e--;
        }
        bits = sign | (uint32_t)(e + 127) << 23 | (mant & 0x3ffu) << 13;
    } else if (exp == 31) {
        bits = sign | 0x7f800000u | mant << 13;
    } else {
        bits = sign | (exp - 15 + 127) << 23 | mant << 13;
    }
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

/* Store the unscaled decimal @p x in slot @p i of a column of store @p st. */
static ls_err_t ls__store_dec_int(ls_column_t *c, size_t i, int64_t x)
{
    uint32_t w = c->leaf->width;
    if (c->leaf->store == LS_COL_I32) {
        if (x < INT32_MIN || x > INT32_MAX) {
            return LS_ERR_CORRUPT;
        }
        int32_t y = (int32_t)x;
        memcpy(c->values + i * 4, &y, 4);
    } else if (c->leaf->store == LS_COL_I64) {
        memcpy(c->values + i * 8, &x, 8);
    } else {
        uint8_t *dst = c->values + (size_t)i * w;
        uint64_t u = (uint64_t)x;
        uint8_t fill = x < 0 ? 0xff : 0x00;
        for (uint32_t k = 0; k < w; k++) {
            dst[w - 1 - k] = k < 8 ? (uint8_t)(u >> (8 * k)) : fill;
        }
    }
    return LS_OK;
}

/* True when bytes [0, n) of @p p are all sign extension of bit 7 of p[n]. */
static bool ls__sign_ext(const uint8_t *p, size_t n)
{
    uint8_t fill = (p[n] & 0x80) ? 0xff : 0x00;
    for (size_t k = 0; k < n; k++) {
        if (p[k] != fill) {
            return false;
        }
    }
    return true;
}

/* Big-endian two's complement bytes to decimal storage. */
static ls_err_t ls__store_dec_be(ls_column_t *c, size_t i, const uint8_t *p, size_t len)
{
    if (len == 0) {
        return LS_ERR_CORRUPT;
    }
    if (c->leaf->store == LS_COL_FIXED) {
        uint32_t w = c->leaf->width;
        uint8_t *dst = c->values + i * w;
        if (len >= w) {
            if (!ls__sign_ext(p, len - w)) {
                return LS_ERR_CORRUPT;
            }
            memcpy(dst, p + (len - w), w);
        } else {
            memset(dst, (p[0] & 0x80) ? 0xff : 0x00, w - len);
            memcpy(dst + (w - len), p, len);
        }
        return LS_OK;
    }
    if (len > 8 && !ls__sign_ext(p, len - 8)) {
        return LS_ERR_CORRUPT;
    }
    size_t k0 = len > 8 ? len - 8 : 0;
    uint64_t u = (p[k0] & 0x80) ? ~(uint64_t)0 : 0;
    for (size_t k = k0; k < len; k++) {
        u = (u << 8) | p[k];
    }
    return ls__store_dec_int(c, i, (int64_t)u);
}

/* One converted value at slot @p i (the column has room). */
static ls_err_t ls__convert_one(ls_column_t *c, const ls__plan_t *pl, const ls__vec_t *v, size_t i,
                                size_t slot)
{
    int64_t x = 0;
    switch (pl->conv) {
    case LS__CONV_U8:
    case LS__CONV_U16: {
        int32_t y = (int32_t)(ls__src_int(v, i) & (pl->conv == LS__CONV_U8 ? 0xff : 0xffff));
        memcpy(c->values + slot * 4, &y, 4);
        return LS_OK;
    }
    case LS__CONV_U32: x = (int64_t)(uint32_t)ls__src_int(v, i); break;
    case LS__CONV_MUL:
        if (__builtin_mul_overflow(ls__src_int(v, i), pl->factor, &x)) {
            return LS_ERR_CORRUPT;
        }
        break;
    case LS__CONV_FLOORDIV: x = ls__floordiv(ls__src_int(v, i), pl->factor); break;
    case LS__CONV_INT96: x = ls__int96(v->fixed + i * 12); break;
    case LS__CONV_INT_DEC: return ls__store_dec_int(c, slot, ls__src_int(v, i));
    case LS__CONV_BE_DEC:
        if (v->width == 0) {
            return ls__store_dec_be(c, slot, v->views[i].p, v->views[i].len);
        }
        return ls__store_dec_be(c, slot, v->fixed + i * v->width, v->width);
    case LS__CONV_F16: {
        float f = ls__half_to_float((uint16_t)(v->fixed[i * 2] | v->fixed[i * 2 + 1] << 8));
        memcpy(c->values + slot * 4, &f, 4);
        return LS_OK;
    }
    default: return LS_ERR_STATE;
    }
    memcpy(c->values + slot * 8, &x, 8);
    return LS_OK;
}

ls_err_t ls__pqr_convert_append(ls_batch_t *b, ls_column_t *c, const ls__plan_t *pl,
                                const ls__vec_t *v, ls_error_t *err)
{
    if (v->n == 0 || pl->conv == LS__CONV_NULL) {
        return LS_OK;
    }
    if (c->leaf->store == LS_COL_BYTES) {
        return ls__append_views(b, c, v, err);
    }
    ls_err_t rc = ls_col_reserve(b, c, 0, v->n, 0);
    if (rc != LS_OK) {
        return ls__reserve_err(rc, err, v->n);
    }
    if (pl->conv == LS__CONV_COPY) {
        if (v->width != c->leaf->width) {
            return ls_error_set(err, LS_ERR_STATE, "value width %u does not match the leaf's %u",
                                v->width, c->leaf->width);
        }
        if (v->fixed != c->values + c->nvalues * v->width) { /* not decoded in place */
            memcpy(c->values + c->nvalues * v->width, v->fixed, v->n * v->width);
        }
        c->nvalues += v->n;
        return LS_OK;
    }
    for (size_t i = 0; i < v->n; i++) {
        if (ls__convert_one(c, pl, v, i, c->nvalues + i) != LS_OK) {
            return ls_error_set(err, LS_ERR_CORRUPT,
                                "value %zu of the page does not fit the column's type", i);
        }
    }
    c->nvalues += v->n;
    return LS_OK;
}

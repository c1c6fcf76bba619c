/*
 * stat_value.c — turns the raw bytes of a Parquet statistics value (min/max in the
 * column's PLAIN form) into a readable JSON value according to the column's physical
 * and logical (or legacy converted) type, following the NDJSON conventions of
 * `parquet cat`: dates YYYY-MM-DD, timestamps ISO-8601 with microseconds ("Z" when
 * UTC-adjusted), decimals as strings, binary as base64, NaN/Infinity as strings.
 *
 * Not responsible for: deciding which statistics are trustworthy (the caller labels
 * legacy min/max) or reading the footer. Never trusts a length: a value whose size does
 * not fit its type is printed as "invalid: N bytes".
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stat_value.h"

/* Widest decimal handled digit by digit (Parquet allows any FIXED width). */
#define LS__DEC_MAX_BYTES 64

static uint64_t ls__le(const uint8_t *p, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++) {
        v |= (uint64_t)p[i] << (8 * i);
    }
    return v;
}

/* Days since 1970-01-01 to a civil date (proleptic Gregorian). */
static void ls__civil(int64_t days, int64_t *y, unsigned *m, unsigned *d)
{
    days += 719468;
    int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    uint64_t doe = (uint64_t)(days - era * 146097);
    uint64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    uint64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    uint64_t mp = (5 * doy + 2) / 153;
    *d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
    *m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static int64_t ls__floordiv(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

ls_err_t ls_cli_fmt_date(int64_t days, ls_buf_t *o)
{
    int64_t y;
    unsigned m, d;
    ls__civil(days, &y, &m, &d);
    return ls_buf_printf(o, "\"%04lld-%02u-%02u\"", (long long)y, m, d);
}

ls_err_t ls_cli_fmt_timestamp(int64_t micros, bool utc, ls_buf_t *o)
{
    const int64_t day = 86400000000LL;
    int64_t days = micros / day, rem = micros % day; /* no overflow, unlike floor * day */
    if (rem < 0) {
        rem += day;
        days -= 1;
    }
    int64_t y;
    unsigned m, d;
    ls__civil(days, &y, &m, &d);
    return ls_buf_printf(o, "\"%04lld-%02u-%02uT%02u:%02u:%02u.%06u%s\"", (long long)y, m, d,
                         (unsigned)(rem / 3600000000LL), (unsigned)(rem / 60000000 % 60),
                         (unsigned)(rem / 1000000 % 60), (unsigned)(rem % 1000000), utc ? "Z" : "");
}

static ls_err_t ls__fmt_time(int64_t micros, ls_buf_t *o)
{
    if (micros < 0 || micros > 86400000000LL) {
        return ls_buf_printf(o, "%lld", (long long)micros);
    }
    return ls_buf_printf(o, "\"%02u:%02u:%02u.%06u\"", (unsigned)(micros / 3600000000LL),
                         (unsigned)(micros / 60000000 % 60), (unsigned)(micros / 1000000 % 60),
                         (unsigned)(micros % 1000000));
}

ls_err_t ls_cli_fmt_double(double v, bool single, ls_buf_t *o)
{
    if (isnan(v)) {
        return ls_buf_append_str(o, "\"NaN\"");
    }
    if (isinf(v)) {
        return ls_buf_append_str(o, v > 0 ? "\"Infinity\"" : "\"-Infinity\"");
    }
    /* the shortest %g that reads back to the same value */
    char s[40];
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(s, sizeof(s), "%.*g", prec, v);
        if (single ? strtof(s, NULL) == (float)v : strtod(s, NULL) == v) {
            break;
        }
    }
    return ls_buf_append_str(o, s);
}

static float ls__half_to_float(uint16_t h)
{
    int sign = (h >> 15) & 1, exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
    float v;
    if (exp == 0) {
        v = ldexpf((float)mant, -24);
    } else if (exp == 31) {
        v = mant ? NAN : INFINITY;
    } else {
        v = ldexpf((float)(mant | 0x400), exp - 25);
    }
    return sign ? -v : v;
}

/* Big-endian two's complement integer of @p len bytes, divided by 10^scale, as "-12.30". */
ls_err_t ls_cli_fmt_decimal_be(const uint8_t *p, uint32_t len, int scale, ls_buf_t *o)
{
    if (len == 0 || len > LS__DEC_MAX_BYTES || scale < 0 || scale > 200) {
        return ls_buf_printf(o, "\"invalid decimal: %u bytes, scale %d\"", len, scale);
    }
    uint8_t mag[LS__DEC_MAX_BYTES];
    bool neg = (p[0] & 0x80) != 0;
    memcpy(mag, p, len);
    if (neg) { /* magnitude = ~x + 1 */
        unsigned carry = 1;
        for (uint32_t i = len; i-- > 0;) {
            unsigned v = (uint8_t)~mag[i] + carry;
            mag[i] = (uint8_t)v;
            carry = v >> 8;
        }
    }
    char digits[LS__DEC_MAX_BYTES * 3 + 2];
    size_t nd = 0;
    bool nonzero = true;
    while (nonzero) { /* long division by 10, collecting digits low to high */
        unsigned rem = 0;
        nonzero = false;
        for (uint32_t i = 0; i < len; i++) {
            unsigned cur = rem * 256 + mag[i];
            mag[i] = (uint8_t)(cur / 10);
            rem = cur % 10;
            nonzero |= mag[i] != 0;
        }
        digits[nd++] = (char)('0' + rem);
    }
    LS_TRY(ls_buf_printf(o, "\"%s", neg ? "-" : ""));
    size_t width = nd > (size_t)scale ? nd : (size_t)scale + 1;
    for (size_t i = width; i-- > 0;) {
        LS_TRY(ls_buf_append_byte(o, (uint8_t)(i < nd ? digits[i] : '0')));
        if (i == (size_t)scale && scale > 0) {
            LS_TRY(ls_buf_append_byte(o, '.'));
        }
    }
    return ls_buf_append_byte(o, '"');
}

static ls_err_t ls__fmt_decimal_i64(int64_t v, int scale, ls_buf_t *o)
{
    uint8_t be[8];
    for (int i = 0; i < 8; i++) {
        be[i] = (uint8_t)((uint64_t)v >> (56 - 8 * i));
    }
    return ls_cli_fmt_decimal_be(be, 8, scale, o);
}

/* Base64 (RFC 4648, padded) of @p len bytes, without quotes. */
static ls_err_t ls__base64(const uint8_t *p, size_t len, ls_buf_t *o)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    LS_TRY(ls_buf_reserve(o, (len + 2) / 3 * 4));
    for (size_t i = 0; i < len; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16;
        v |= i + 1 < len ? (uint32_t)p[i + 1] << 8 : 0;
        v |= i + 2 < len ? p[i + 2] : 0;
        char q[4] = {tab[v >> 18], tab[(v >> 12) & 63], i + 1 < len ? tab[(v >> 6) & 63] : '=',
                     i + 2 < len ? tab[v & 63] : '='};
        LS_TRY(ls_buf_append(o, q, 4));
    }
    return LS_OK;
}

ls_err_t ls_cli_fmt_base64(const uint8_t *p, size_t len, ls_buf_t *o)
{
    LS_TRY(ls_buf_append_byte(o, '"'));
    LS_TRY(ls__base64(p, len, o));
    return ls_buf_append_byte(o, '"');
}

bool ls_cli_utf8_valid(const uint8_t *p, size_t len)
{
    size_t i = 0;
    while (i < len) {
        uint8_t c = p[i];
        size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        if (n == 0 || i + n > len || (n == 2 && c < 0xc2)) {
            return false;
        }
        uint32_t cp = n == 1 ? c : (uint32_t)(c & (0x7f >> n));
        for (size_t k = 1; k < n; k++) {
            if ((p[i + k] & 0xc0) != 0x80) {
                return false;
            }
            cp = (cp << 6) | (p[i + k] & 0x3f);
        }
        if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
            (n == 4 && (cp < 0x10000 || cp > 0x10ffff))) {
            return false;
        }
        i += n;
    }
    return true;
}

static ls_err_t ls__fmt_uuid(const uint8_t *p, ls_buf_t *o)
{
    LS_TRY(ls_buf_append_byte(o, '"'));
    for (int i = 0; i < 16; i++) {
        LS_TRY(
            ls_buf_printf(o, "%s%02x", (i == 4 || i == 6 || i == 8 || i == 10) ? "-" : "", p[i]));
    }
    return ls_buf_append_byte(o, '"');
}

/* Effective decimal scale of @p el, or -1 when it is not a decimal. */
static int ls__decimal_scale(const ls_pq_schema_el_t *el)
{
    if (el->logical.kind == LS_PQ_LT_DECIMAL) {
        return (int)el->logical.scale;
    }
    if (el->has_converted_type && el->converted_type == LS_PQ_CT_DECIMAL) {
        return el->has_scale ? (int)el->scale : 0;
    }
    return -1;
}

static bool ls__has_ct(const ls_pq_schema_el_t *el, ls_pq_converted_t ct)
{
    return el->logical.kind == LS_PQ_LT_NONE && el->has_converted_type && el->converted_type == ct;
}

static ls_err_t ls__fmt_i32(const ls_pq_schema_el_t *el, int32_t v, ls_buf_t *o)
{
    const ls_pq_logical_t *lt = &el->logical;
    int scale = ls__decimal_scale(el);
    if (scale >= 0) {
        return ls__fmt_decimal_i64(v, scale, o);
    }
    if (lt->kind == LS_PQ_LT_DATE || ls__has_ct(el, LS_PQ_CT_DATE)) {
        return ls_cli_fmt_date(v, o);
    }
    if (lt->kind == LS_PQ_LT_TIME || ls__has_ct(el, LS_PQ_CT_TIME_MILLIS)) {
        return ls__fmt_time((int64_t)v * 1000, o);
    }
    bool unsig = (lt->kind == LS_PQ_LT_INTEGER && !lt->is_signed) ||
                 ls__has_ct(el, LS_PQ_CT_UINT_8) || ls__has_ct(el, LS_PQ_CT_UINT_16) ||
                 ls__has_ct(el, LS_PQ_CT_UINT_32);
    return unsig ? ls_buf_printf(o, "%u", (unsigned)(uint32_t)v) : ls_buf_printf(o, "%d", (int)v);
}

static ls_err_t ls__fmt_i64(const ls_pq_schema_el_t *el, int64_t v, ls_buf_t *o)
{
    const ls_pq_logical_t *lt = &el->logical;
    int scale = ls__decimal_scale(el);
    if (scale >= 0) {
        return ls__fmt_decimal_i64(v, scale, o);
    }
    bool ts = lt->kind == LS_PQ_LT_TIMESTAMP || ls__has_ct(el, LS_PQ_CT_TIMESTAMP_MILLIS) ||
              ls__has_ct(el, LS_PQ_CT_TIMESTAMP_MICROS);
    bool time = lt->kind == LS_PQ_LT_TIME || ls__has_ct(el, LS_PQ_CT_TIME_MICROS);
    if (ts || time) {
        ls_pq_time_unit_t unit = lt->unit;
        if (lt->kind == LS_PQ_LT_NONE) {
            unit =
                ls__has_ct(el, LS_PQ_CT_TIMESTAMP_MILLIS) ? LS_PQ_UNIT_MILLIS : LS_PQ_UNIT_MICROS;
        }
        int64_t us = v;
        if (unit == LS_PQ_UNIT_NANOS) {
            us = ls__floordiv(v, 1000);
        } else if (unit == LS_PQ_UNIT_MILLIS) {
            if (v > INT64_MAX / 1000 || v < INT64_MIN / 1000) {
                return ls_buf_printf(o, "%lld", (long long)v); /* not representable in micros */
            }
            us = v * 1000;
        }
        if (time) {
            return ls__fmt_time(us, o);
        }
        bool utc = lt->kind == LS_PQ_LT_NONE || lt->is_adjusted_to_utc;
        return ls_cli_fmt_timestamp(us, utc, o);
    }
    bool unsig =
        (lt->kind == LS_PQ_LT_INTEGER && !lt->is_signed) || ls__has_ct(el, LS_PQ_CT_UINT_64);
    return unsig ? ls_buf_printf(o, "%llu", (unsigned long long)(uint64_t)v)
                 : ls_buf_printf(o, "%lld", (long long)v);
}

static ls_err_t ls__fmt_bytes(const ls_pq_schema_el_t *el, const uint8_t *p, uint32_t len,
                              ls_buf_t *o)
{
    const ls_pq_logical_t *lt = &el->logical;
    int scale = ls__decimal_scale(el);
    if (scale >= 0) {
        return ls_cli_fmt_decimal_be(p, len, scale, o);
    }
    if (lt->kind == LS_PQ_LT_UUID && len == 16) {
        return ls__fmt_uuid(p, o);
    }
    if (lt->kind == LS_PQ_LT_FLOAT16 && len == 2) {
        return ls_cli_fmt_double(ls__half_to_float((uint16_t)ls__le(p, 2)), true, o);
    }
    bool text = lt->kind == LS_PQ_LT_STRING || lt->kind == LS_PQ_LT_ENUM ||
                lt->kind == LS_PQ_LT_JSON || ls__has_ct(el, LS_PQ_CT_UTF8) ||
                ls__has_ct(el, LS_PQ_CT_ENUM) || ls__has_ct(el, LS_PQ_CT_JSON);
    if (text && ls_cli_utf8_valid(p, len)) {
        return ls_json_append_string(o, (const char *)p, len);
    }
    if (text) { /* truncated statistics can cut a character in half */
        LS_TRY(ls_buf_append_str(o, "\"base64:"));
        LS_TRY(ls__base64(p, len, o));
        return ls_buf_append_byte(o, '"');
    }
    return ls_cli_fmt_base64(p, len, o);
}

ls_err_t ls_cli_fmt_stat(const ls_pq_schema_el_t *el, ls_pq_type_t physical, const uint8_t *p,
                         uint32_t len, ls_buf_t *o)
{
    static const ls_pq_schema_el_t plain; /* no annotations: raw physical formatting */
    if (el == NULL) {
        el = &plain;
    }
    static const uint32_t widths[] = {1, 4, 8, 12, 4, 8, 0, 0};
    uint32_t w = (unsigned)physical < 8 ? widths[physical] : 0;
    if (w != 0 && len != w) {
        return ls_buf_printf(o, "\"invalid: %u bytes\"", len);
    }
    switch (physical) {
    case LS_PQ_BOOLEAN: return ls_buf_append_str(o, p[0] ? "true" : "false");
    case LS_PQ_INT32: return ls__fmt_i32(el, (int32_t)(uint32_t)ls__le(p, 4), o);
    case LS_PQ_INT64: return ls__fmt_i64(el, (int64_t)ls__le(p, 8), o);
    case LS_PQ_INT96: { /* nanoseconds of the day, then the Julian day */
        int64_t nanos = (int64_t)ls__le(p, 8);
        int64_t days = (int64_t)(int32_t)(uint32_t)ls__le(p + 8, 4) - 2440588;
        if (days < -100000000 || days > 100000000 || nanos < 0 || nanos > 86400000000000LL) {
            return ls_buf_printf(o, "\"invalid INT96 timestamp\"");
        }
        return ls_cli_fmt_timestamp(days * 86400000000LL + nanos / 1000, true, o);
    }
    case LS_PQ_FLOAT: {
        uint32_t bits = (uint32_t)ls__le(p, 4);
        float f;
        memcpy(&f, &bits, 4);
        return ls_cli_fmt_double(f, true, o);
    }
    case LS_PQ_DOUBLE: {
        uint64_t bits = ls__le(p, 8);
        double d;
        memcpy(&d, &bits, 8);
        return ls_cli_fmt_double(d, false, o);
    }
    case LS_PQ_BYTE_ARRAY:
    case LS_PQ_FIXED_LEN_BYTE_ARRAY: return ls__fmt_bytes(el, p, len, o);
    }
    return ls_cli_fmt_base64(p, len, o);
}

void ls_cli_logical_describe(const ls_pq_logical_t *lt, char *out, size_t n)
{
    const char *name = ls_pq_logical_name(lt->kind);
    const char *unit = lt->unit == LS_PQ_UNIT_MILLIS  ? "MILLIS"
                       : lt->unit == LS_PQ_UNIT_NANOS ? "NANOS"
                                                      : "MICROS";
    switch (lt->kind) {
    case LS_PQ_LT_DECIMAL:
        snprintf(out, n, "%s(%d,%d)", name, (int)lt->precision, (int)lt->scale);
        break;
    case LS_PQ_LT_TIME:
    case LS_PQ_LT_TIMESTAMP:
        snprintf(out, n, "%s(%s,%s)", name, unit, lt->is_adjusted_to_utc ? "true" : "false");
        break;
    case LS_PQ_LT_INTEGER:
        snprintf(out, n, "%s(%d,%s)", name, (int)lt->bit_width, lt->is_signed ? "true" : "false");
        break;
    default: snprintf(out, n, "%s", name); break;
    }
}

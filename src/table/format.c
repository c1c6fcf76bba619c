/*
 * format.c — text forms of values shared by statistics and partition values: dates and
 * timestamps (proleptic Gregorian, UTC), shortest round-trip floats, decimals from
 * up to 128-bit unscaled integers, and strict UTF-8 decoding.
 *
 * Not responsible for: deciding which form a context needs (stats.c, partition.c) or
 * parsing text back (partition.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lakesink/utf8.h"
#include "table_int.h"

/* ---------------------------------------------------------------- calendar */

int64_t ls__tbl_floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    if ((a % b) != 0 && (a < 0)) {
        q--;
    }
    return q;
}

/* Civil date <-> day number over 400-year eras of 146097 days, with the year starting
 * in March so that the leap day is the last day of the year. */
int64_t ls__tbl_days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = ls__tbl_floor_div(y, 400);
    int64_t yoe = y - era * 400;
    int64_t mp = m > 2 ? m - 3 : m + 9;
    int64_t doy = (153 * mp + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void ls__tbl_civil_from_days(int64_t days, int64_t *y, int *m, int *d)
{
    int64_t z = days + 719468;
    int64_t era = ls__tbl_floor_div(z, 146097);
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

int ls__tbl_month_days(int64_t y, int m)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12) {
        return 0;
    }
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return days[m - 1] + (m == 2 && leap);
}

int64_t ls__tbl_year_of_days(int64_t days)
{
    int64_t y;
    int m, d;
    ls__tbl_civil_from_days(days, &y, &m, &d);
    return y;
}

static ls_err_t ls__fmt_ymd(ls_buf_t *out, int64_t days)
{
    int64_t y;
    int m, d;
    ls__tbl_civil_from_days(days, &y, &m, &d);
    if (y >= 0 && y <= 9999) {
        return ls_buf_printf(out, "%04lld-%02d-%02d", (long long)y, m, d);
    }
    /* java.time writes years past 9999 with '+' and negative years with '-' */
    return ls_buf_printf(out, "%s%04lld-%02d-%02d", y < 0 ? "-" : "+", (long long)(y < 0 ? -y : y),
                         m, d);
}

ls_err_t ls__tbl_fmt_date(ls_buf_t *out, int64_t days)
{
    return ls__fmt_ymd(out, days);
}

ls_err_t ls__tbl_fmt_ts(ls_buf_t *out, int64_t micros, ls__tbl_ts_style_t style)
{
    int64_t days = ls__tbl_floor_div(micros, LS__TBL_US_PER_DAY);
    int64_t us = micros % LS__TBL_US_PER_DAY; /* no days * per_day: it can overflow */
    if (us < 0) {
        us += LS__TBL_US_PER_DAY;
    }
    int64_t secs = us / 1000000, frac = us % 1000000;
    size_t mark = out->len;
    ls_err_t rc = ls__fmt_ymd(out, days);
    if (rc == LS_OK) {
        char sep = style == LS__TBL_TS_PART_NTZ ? ' ' : 'T';
        rc = ls_buf_printf(out, "%c%02d:%02d:%02d", sep, (int)(secs / 3600), (int)(secs / 60 % 60),
                           (int)(secs % 60));
    }
    if (rc == LS_OK) {
        switch (style) {
        case LS__TBL_TS_STATS: rc = ls_buf_printf(out, ".%03dZ", (int)(frac / 1000)); break;
        case LS__TBL_TS_STATS_NTZ: rc = ls_buf_printf(out, ".%03d", (int)(frac / 1000)); break;
        case LS__TBL_TS_PART: rc = ls_buf_printf(out, ".%06dZ", (int)frac); break;
        case LS__TBL_TS_PART_NTZ:
        default: rc = ls_buf_printf(out, ".%06d", (int)frac); break;
        }
    }
    if (rc != LS_OK) {
        out->len = mark;
    }
    return rc;
}

/* ---------------------------------------------------------------- floats */

static bool ls__roundtrips(const char *txt, double v, bool is_f32)
{
    if (is_f32) {
        return strtof(txt, NULL) == (float)v;
    }
    return strtod(txt, NULL) == v;
}

ls_err_t ls__tbl_fmt_float(ls_buf_t *out, double v, bool is_f32)
{
    char e[64], txt[400];
    int maxp = is_f32 ? 9 : 17, p;
    /* the fewest significant digits that read back to the same value */
    for (p = 1; p < maxp; p++) {
        snprintf(e, sizeof(e), "%.*e", p - 1, v);
        if (ls__roundtrips(e, v, is_f32)) {
            break;
        }
    }
    snprintf(e, sizeof(e), "%.*e", p - 1, v);
    const char *ep = strchr(e, 'e');
    long exp10 = ep != NULL ? strtol(ep + 1, NULL, 10) : 0;
    if (exp10 > -5 && exp10 < 17) {
        /* plain notation with exactly p significant digits: the same rounding as %e */
        int decimals = (int)(p - 1 - exp10);
        snprintf(txt, sizeof(txt), "%.*f", decimals < 0 ? 0 : decimals, v);
    } else {
        snprintf(txt, sizeof(txt), "%s", e);
    }
    size_t mark = out->len;
    ls_err_t rc = ls_buf_append_str(out, txt);
    if (rc == LS_OK && strpbrk(txt, ".e") == NULL) {
        rc = ls_buf_append_str(out, ".0");
    }
    if (rc != LS_OK) {
        out->len = mark;
    }
    return rc;
}

/* ---------------------------------------------------------------- decimals */

static void ls__u128_negate_be(uint8_t *b16)
{
    unsigned carry = 1;
    for (int i = 15; i >= 0; i--) {
        unsigned x = (unsigned)(uint8_t)~b16[i] + carry;
        b16[i] = (uint8_t)x;
        carry = x >> 8;
    }
}

void ls__tbl_u128_from_be(const uint8_t *be, size_t n, ls__tbl_u128_t *mag, bool *neg)
{
    uint8_t b16[16];
    if (n > 16) {
        be += n - 16; /* callers never pass more; keep the low bytes if they do */
        n = 16;
    }
    *neg = n > 0 && (be[0] & 0x80) != 0;
    memset(b16, *neg ? 0xFF : 0x00, 16);
    if (n > 0) {
        memcpy(b16 + 16 - n, be, n);
    }
    if (*neg) {
        ls__u128_negate_be(b16);
    }
    for (int i = 0; i < 4; i++) {
        const uint8_t *q = b16 + 12 - 4 * i;
        mag->w[i] = (uint32_t)q[0] << 24 | (uint32_t)q[1] << 16 | (uint32_t)q[2] << 8 | q[3];
    }
}

void ls__tbl_u128_from_i64(int64_t v, ls__tbl_u128_t *mag, bool *neg)
{
    *neg = v < 0;
    uint64_t u = *neg ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    mag->w[0] = (uint32_t)u;
    mag->w[1] = (uint32_t)(u >> 32);
    mag->w[2] = mag->w[3] = 0;
}

/* Divide @p m in place by @p d; returns the remainder. */
static uint32_t ls__u128_divmod(ls__tbl_u128_t *m, uint32_t d)
{
    uint64_t rem = 0;
    for (int i = 3; i >= 0; i--) {
        uint64_t cur = rem << 32 | m->w[i];
        m->w[i] = (uint32_t)(cur / d);
        rem = cur % d;
    }
    return (uint32_t)rem;
}

static bool ls__u128_is_zero(const ls__tbl_u128_t *m)
{
    return (m->w[0] | m->w[1] | m->w[2] | m->w[3]) == 0;
}

ls_err_t ls__tbl_fmt_decimal(ls_buf_t *out, const ls__tbl_u128_t *mag, bool neg, int scale)
{
    char digits[48];
    size_t nd = 0;
    ls__tbl_u128_t m = *mag;
    do {
        digits[nd++] = (char)('0' + ls__u128_divmod(&m, 10));
    } while (!ls__u128_is_zero(&m) && nd < sizeof(digits));
    /* at least scale + 1 digits so that there is a leading "0." */
    while ((int)nd <= scale && nd < sizeof(digits)) {
        digits[nd++] = '0';
    }
    char txt[64];
    size_t n = 0;
    if (neg && !ls__u128_is_zero(mag)) {
        txt[n++] = '-';
    }
    for (size_t i = nd; i > 0; i--) {
        if (scale > 0 && (int)i == scale) {
            txt[n++] = '.';
        }
        txt[n++] = digits[i - 1];
    }
    return ls_buf_append(out, txt, n);
}

/* ---------------------------------------------------------------- UTF-8 */

bool ls__tbl_utf8_next(const uint8_t *s, size_t len, size_t *pos, uint32_t *cp)
{
    size_t i = *pos;
    uint8_t c = s[i];
    size_t n = c < 0x80 ? 1 : ls_utf8_seq(s + i, s + len); /* validity: utf8.h's one rule */
    if (n == 0) {
        return false;
    }
    static const uint8_t lead_mask[5] = {0, 0x7F, 0x1F, 0x0F, 0x07};
    uint32_t v = c & lead_mask[n];
    for (size_t k = 1; k < n; k++) {
        v = v << 6 | (s[i + k] & 0x3F);
    }
    *cp = v;
    *pos = i + n;
    return true;
}

bool ls__tbl_utf8_valid(const uint8_t *s, size_t len)
{
    size_t pos = 0;
    while (pos < len) {
        if (s[pos] < 0x80) {
            pos++;
            continue;
        }
        uint32_t cp;
        if (!ls__tbl_utf8_next(s, len, &pos, &cp)) {
            return false;
        }
    }
    return true;
}

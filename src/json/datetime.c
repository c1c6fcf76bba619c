/*
 * datetime.c — text forms of non-JSON-native values: ISO-8601 dates, timestamps and
 * times (proleptic Gregorian calendar), base64 (RFC 4648, strict) and UUIDs.
 *
 * Timestamps parse at fixed offsets (the common YYYY-MM-DDTHH:MM:SS.fffZ layout costs
 * a handful of digit checks, no scanning); fractional digits beyond microseconds are
 * truncated, i.e. the instant is floored to the microsecond. Formatting handles any
 * int64 value; parsing only years 0000-9999.
 * Not responsible for: deciding which column accepts which form (decode.c).
 */
#include <stdio.h>
#include <string.h>

#include "json_int.h"

#define LS__US_PER_DAY 86400000000LL
#define LS__DAYS_0000_TO_1970 719528LL /* days from 0000-01-01 to 1970-01-01 */
#define LS__DAYS_PER_400Y 146097LL

static const uint16_t ls__cum_days[2][13] = {
    {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365},
    {0, 31, 60, 91, 121, 152, 182, 213, 244, 274, 305, 335, 366}};

static inline bool ls__leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static inline int64_t ls__floordiv(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* Days from the start of year 0 of a 400-year cycle to the start of its year y (0..400). */
static inline int64_t ls__cycle_days(int64_t y)
{
    /* year 0 of each cycle is a leap year: count leap years in [0, y) */
    return 365 * y + (y + 3) / 4 - (y + 99) / 100 + (y + 399) / 400;
}

/* Days since 1970-01-01 of y-m-d, for 0 <= y. */
static int64_t ls__days_from_ymd(int64_t y, int m, int d)
{
    int64_t cyc = y / 400;
    int64_t days = cyc * LS__DAYS_PER_400Y + ls__cycle_days(y - cyc * 400);
    days += ls__cum_days[ls__leap(y)][m - 1] + d - 1;
    return days - LS__DAYS_0000_TO_1970;
}

static void ls__ymd_from_days(int64_t days, int64_t *y, int *m, int *d)
{
    int64_t z = days + LS__DAYS_0000_TO_1970;
    int64_t cyc = ls__floordiv(z, LS__DAYS_PER_400Y);
    int64_t r = z - cyc * LS__DAYS_PER_400Y; /* 0 .. 146096 */
    int64_t yo = r / 365;
    while (yo > 0 && ls__cycle_days(yo) > r) {
        yo--;
    }
    int64_t doy = r - ls__cycle_days(yo);
    int64_t year = cyc * 400 + yo;
    const uint16_t *cum = ls__cum_days[ls__leap(year)];
    int mo = 1;
    while (mo < 12 && cum[mo] <= doy) {
        mo++;
    }
    *y = year;
    *m = mo;
    *d = (int)(doy - cum[mo - 1]) + 1;
}

static inline int ls__d2(const char *s)
{
    unsigned a = (unsigned)(s[0] - '0'), b = (unsigned)(s[1] - '0');
    return (a < 10 && b < 10) ? (int)(a * 10 + b) : -1;
}

/* YYYY-MM-DD at s (10 bytes available); days since the epoch or false. */
static bool ls__ymd(const char *s, int64_t *days)
{
    int y1 = ls__d2(s), y2 = ls__d2(s + 2), mo = ls__d2(s + 5), d = ls__d2(s + 8);
    if (y1 < 0 || y2 < 0 || mo < 1 || mo > 12 || d < 1 || s[4] != '-' || s[7] != '-') {
        return false;
    }
    int64_t y = y1 * 100 + y2;
    const uint16_t *cum = ls__cum_days[ls__leap(y)];
    if (d > cum[mo] - cum[mo - 1]) {
        return false;
    }
    *days = ls__days_from_ymd(y, mo, d);
    return true;
}

bool ls_text_parse_date(const char *s, size_t n, int32_t *days)
{
    int64_t v;
    if (n != 10 || !ls__ymd(s, &v)) {
        return false;
    }
    *days = (int32_t)v;
    return true;
}

/* HH:MM[:SS[.f{1,9}]] at s; sets *used and microseconds since midnight. */
static bool ls__hms(const char *s, size_t n, size_t *used, int64_t *us, bool need_sec)
{
    if (n < 5 || s[2] != ':') {
        return false;
    }
    int h = ls__d2(s), mi = ls__d2(s + 3), sec = 0;
    if (h < 0 || h > 23 || mi < 0 || mi > 59) {
        return false;
    }
    size_t i = 5;
    int64_t frac = 0;
    if (n >= 8 && s[5] == ':') {
        sec = ls__d2(s + 6);
        if (sec < 0 || sec > 59) {
            return false;
        }
        i = 8;
        if (i < n && s[i] == '.') {
            size_t k = 0;
            for (i++; i < n && (unsigned)(s[i] - '0') < 10 && k < 9; i++, k++) {
                if (k < 6) {
                    frac = frac * 10 + (s[i] - '0');
                }
            }
            if (k == 0 || (i < n && (unsigned)(s[i] - '0') < 10)) {
                return false; /* no digits, or more than nine */
            }
            for (; k < 6; k++) {
                frac *= 10;
            }
        }
    } else if (need_sec) {
        return false;
    }
    *used = i;
    *us = ((int64_t)h * 3600 + mi * 60 + sec) * 1000000 + frac;
    return true;
}

/* Z, z, +HH, +HHMM, +HH:MM (or -) covering all of [s, s+n); offset in seconds. */
static bool ls__zone(const char *s, size_t n, int64_t *off)
{
    if (n == 1 && (s[0] == 'Z' || s[0] == 'z')) {
        *off = 0;
        return true;
    }
    if (n < 3 || (s[0] != '+' && s[0] != '-')) {
        return false;
    }
    int h = ls__d2(s + 1), mi = 0;
    if (n == 6 && s[3] == ':') {
        mi = ls__d2(s + 4);
    } else if (n == 5) {
        mi = ls__d2(s + 3);
    } else if (n != 3) {
        return false;
    }
    if (h < 0 || h > 23 || mi < 0 || mi > 59) {
        return false;
    }
    *off = (s[0] == '-' ? -1 : 1) * ((int64_t)h * 3600 + mi * 60);
    return true;
}

bool ls_text_parse_timestamp(const char *s, size_t n, int64_t *us, bool *has_zone)
{
    int64_t days, tod = 0, off = 0;
    if (n < 10 || !ls__ymd(s, &days)) {
        return false;
    }
    *has_zone = false;
    if (n > 10) {
        char sep = s[10];
        size_t used;
        if ((sep != 'T' && sep != 't' && sep != ' ') ||
            !ls__hms(s + 11, n - 11, &used, &tod, false)) {
            return false;
        }
        size_t z = 11 + used;
        if (z < n) {
            if (!ls__zone(s + z, n - z, &off)) {
                return false;
            }
            *has_zone = true;
        }
    }
    *us = days * LS__US_PER_DAY + tod - off * 1000000;
    return true;
}

bool ls_text_parse_time(const char *s, size_t n, int64_t *us)
{
    size_t used;
    return ls__hms(s, n, &used, us, true) && used == n;
}

size_t ls_text_fmt_date(int64_t days, char *out)
{
    int64_t y;
    int m, d;
    ls__ymd_from_days(days, &y, &m, &d);
    int k;
    if (y >= 0 && y <= 9999) {
        k = snprintf(out, 16, "%04d-%02d-%02d", (int)y, m, d);
    } else {
        k = snprintf(out, 16, "%c%04lld-%02d-%02d", y < 0 ? '-' : '+', (long long)(y < 0 ? -y : y),
                     m, d);
    }
    return k > 0 && k < 16 ? (size_t)k : 0;
}

size_t ls_text_fmt_timestamp(int64_t us, bool zone, char *out)
{
    int64_t days = us / LS__US_PER_DAY,
            tod = us % LS__US_PER_DAY; /* no multiply: INT64_MIN is valid */
    if (tod < 0) {
        tod += LS__US_PER_DAY;
        days--;
    }
    size_t k = ls_text_fmt_date(days, out);
    int64_t sec = tod / 1000000;
    int n = snprintf(out + k, 40 - k, "T%02d:%02d:%02d.%06d%s", (int)(sec / 3600),
                     (int)(sec / 60 % 60), (int)(sec % 60), (int)(tod % 1000000), zone ? "Z" : "");
    return n > 0 ? k + (size_t)n : k;
}

size_t ls_text_fmt_time(int64_t us, char *out)
{
    int64_t t = us % LS__US_PER_DAY;
    if (t < 0) {
        t += LS__US_PER_DAY; /* out-of-range values from files: wrap instead of printing garbage */
    }
    int64_t sec = t / 1000000;
    int n = snprintf(out, 24, "%02d:%02d:%02d.%06d", (int)(sec / 3600), (int)(sec / 60 % 60),
                     (int)(sec % 60), (int)(t % 1000000));
    return n > 0 ? (size_t)n : 0;
}

/* ---------------------------------------------------------------- base64 */

static const char ls__b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int ls__b64val(char c)
{
    if (c >= 'A' && c <= 'Z') {
        return c - 'A';
    }
    if (c >= 'a' && c <= 'z') {
        return c - 'a' + 26;
    }
    if (c >= '0' && c <= '9') {
        return c - '0' + 52;
    }
    return c == '+' ? 62 : c == '/' ? 63 : -1;
}

bool ls_base64_decode(const char *s, size_t n, uint8_t *out, size_t *outlen)
{
    if (n % 4 != 0) {
        return false;
    }
    size_t o = 0;
    for (size_t i = 0; i < n; i += 4) {
        int v[4];
        int pad = 0;
        for (int j = 0; j < 4; j++) {
            char c = s[i + j];
            if (c == '=' && i + 4 == n && j >= 2) {
                pad++;
                v[j] = 0;
            } else if (pad > 0 || (v[j] = ls__b64val(c)) < 0) {
                return false;
            }
        }
        uint32_t w =
            (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 | (uint32_t)v[3];
        if ((pad == 1 && (w & 0xFF) != 0) || (pad == 2 && (w & 0xFFFF) != 0)) {
            return false; /* non-zero padding bits: not the canonical encoding */
        }
        /* reads of this quartet are done before the writes, so out may alias s */
        out[o++] = (uint8_t)(w >> 16);
        if (pad < 2) {
            out[o++] = (uint8_t)(w >> 8);
        }
        if (pad < 1) {
            out[o++] = (uint8_t)w;
        }
    }
    *outlen = o;
    return true;
}

ls_err_t ls_base64_append(ls_buf_t *b, const uint8_t *p, size_t n)
{
    LS_TRY(ls_buf_reserve(b, (n + 2) / 3 * 4));
    uint8_t *o = b->data + b->len;
    size_t i = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t w = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
        *o++ = (uint8_t)ls__b64[w >> 18];
        *o++ = (uint8_t)ls__b64[(w >> 12) & 63];
        *o++ = (uint8_t)ls__b64[(w >> 6) & 63];
        *o++ = (uint8_t)ls__b64[w & 63];
    }
    if (i < n) {
        uint32_t w = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0);
        *o++ = (uint8_t)ls__b64[w >> 18];
        *o++ = (uint8_t)ls__b64[(w >> 12) & 63];
        *o++ = i + 1 < n ? (uint8_t)ls__b64[(w >> 6) & 63] : '=';
        *o++ = '=';
    }
    b->len = (size_t)(o - b->data);
    return LS_OK;
}

/* ---------------------------------------------------------------- uuid */

bool ls_text_parse_uuid(const char *s, size_t n, uint8_t out[16])
{
    if (n != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-') {
        return false;
    }
    size_t k = 0;
    for (size_t i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            continue;
        }
        char c = s[i];
        int h = (c >= '0' && c <= '9')   ? c - '0'
                : (c >= 'a' && c <= 'f') ? c - 'a' + 10
                : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                         : -1;
        if (h < 0) {
            return false;
        }
        if (k % 2 == 0) {
            out[k / 2] = (uint8_t)(h << 4);
        } else {
            out[k / 2] |= (uint8_t)h;
        }
        k++;
    }
    return true;
}

size_t ls_text_fmt_uuid(const uint8_t *u, char *out)
{
    static const char hex[] = "0123456789abcdef";
    size_t k = 0;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10) {
            out[k++] = '-';
        }
        out[k++] = hex[u[i] >> 4];
        out[k++] = hex[u[i] & 15];
    }
    out[k] = '\0';
    return k;
}

/*
 * number.c — JSON number literals: scanning, exact conversion to integers, doubles,
 * floats and decimals, and shortest round-trip formatting of doubles and floats.
 *
 * Doubles: a literal with at most 19 significant digits whose value is m * 10^e with
 * m <= 2^53 and |e| <= 22 is converted with one exact IEEE operation (both operands
 * are exact, so the single rounding is the correct one). Everything else goes to
 * strtod, which glibc rounds correctly; we hand it the digits without a decimal
 * point ("12345e-2") so the process locale cannot change the result.
 * Not responsible for: where numbers appear (lex.c, decode.c) or time values.
 */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_int.h"

#define LS__EXP_SAT 1000000000LL /* exponents saturate here: the value is 0 or inf anyway */
#define LS__SLOW_DIGITS 780      /* more digits than any double/float tie needs */

static inline bool ls__isdigit(char c)
{
    return (unsigned char)(c - '0') < 10;
}

/* Integer digits: "0" or [1-9][0-9]*; accumulates the mantissa. */
static const char *ls__int_part(const char *p, const char *end, ls_num_t *n, int64_t *dropped)
{
    if (*p == '0') {
        return p + 1;
    }
    uint64_t m = 0;
    int k = 0;
    while (p < end && ls__isdigit(*p)) {
        unsigned d = (unsigned)(*p - '0');
        if (k < 19) {
            m = m * 10 + d;
            k++;
        } else {
            (*dropped)++;
            n->inexact |= d != 0;
        }
        p++;
    }
    n->mant = m;
    n->nsig = k;
    return p;
}

static const char *ls__frac_part(const char *p, const char *end, ls_num_t *n)
{
    uint64_t m = n->mant;
    int k = n->nsig;
    int64_t e = 0;
    while (p < end && ls__isdigit(*p)) {
        unsigned d = (unsigned)(*p - '0');
        if (k == 0 && d == 0) {
            e--; /* leading zero after the point: only shifts the exponent */
        } else if (k < 19) {
            m = m * 10 + d;
            k++;
            e--;
        } else {
            n->inexact |= d != 0;
        }
        p++;
    }
    n->mant = m;
    n->nsig = k;
    n->exp10 += e;
    return p;
}

const char *ls__json_scan_number(const char *p, const char *end, ls_num_t *n, ls__jerr_t *e)
{
    n->begin = p;
    n->neg = false;
    n->inexact = false;
    n->mant = 0;
    n->nsig = 0;
    n->exp10 = 0;
    n->exp = 0;
    if (p < end && *p == '-') {
        n->neg = true;
        p++;
    }
    if (p >= end || !ls__isdigit(*p)) {
        return ls__jfail(e, n->begin,
                         n->neg ? "invalid number (digit expected after '-')"
                                : "unexpected character (expected a JSON value)");
    }
    int64_t dropped = 0;
    n->int_begin = p;
    p = ls__int_part(p, end, n, &dropped);
    n->int_end = p;
    n->frac_begin = n->frac_end = p;
    n->exp10 = dropped;
    bool has_exp = false;
    if (p < end && *p == '.') {
        p++;
        if (p >= end || !ls__isdigit(*p)) {
            return ls__jfail(e, p, "digit expected after the decimal point");
        }
        n->frac_begin = p;
        p = ls__frac_part(p, end, n);
        n->frac_end = p;
    }
    if (p < end && (*p | 0x20) == 'e') {
        has_exp = true;
        p++;
        bool eneg = false;
        if (p < end && (*p == '+' || *p == '-')) {
            eneg = *p == '-';
            p++;
        }
        if (p >= end || !ls__isdigit(*p)) {
            return ls__jfail(e, p, "digit expected in the exponent");
        }
        int64_t x = 0;
        while (p < end && ls__isdigit(*p)) {
            if (x < LS__EXP_SAT) {
                x = x * 10 + (*p - '0');
            }
            p++;
        }
        n->exp = eneg ? -x : x;
        n->exp10 += n->exp;
    }
    n->is_int = n->frac_begin == n->frac_end && !has_exp;
    n->end = p;
    return p;
}

bool ls_num_parse(const char *s, size_t len, ls_num_t *n)
{
    ls__jerr_t e;
    const char *p = ls__json_scan_number(s, s + len, n, &e);
    return p != NULL && p == s + len;
}

/* ---------------------------------------------------------------- integers */

static const uint64_t ls__p10u[20] = {1ull,
                                      10ull,
                                      100ull,
                                      1000ull,
                                      10000ull,
                                      100000ull,
                                      1000000ull,
                                      10000000ull,
                                      100000000ull,
                                      1000000000ull,
                                      10000000000ull,
                                      100000000000ull,
                                      1000000000000ull,
                                      10000000000000ull,
                                      100000000000000ull,
                                      1000000000000000ull,
                                      10000000000000000ull,
                                      100000000000000000ull,
                                      1000000000000000000ull,
                                      10000000000000000000ull};

/* Magnitude of an integral literal, exactly; false when not integral or > UINT64_MAX. */
static bool ls__magnitude(const ls_num_t *n, uint64_t *out)
{
    if (n->is_int) {
        uint64_t v = 0;
        for (const char *p = n->int_begin; p < n->int_end; p++) {
            unsigned d = (unsigned)(*p - '0');
            if (v > (UINT64_MAX - d) / 10) {
                return false;
            }
            v = v * 10 + d;
        }
        *out = v;
        return true;
    }
    if (n->inexact) {
        return false; /* more than 19 significant digits that are not all zeros */
    }
    if (n->mant == 0) {
        *out = 0;
        return true;
    }
    if (n->exp10 < 0) {
        if (n->exp10 < -19 || n->mant % ls__p10u[-n->exp10] != 0) {
            return false;
        }
        *out = n->mant / ls__p10u[-n->exp10];
        return true;
    }
    if (n->exp10 > 19 || n->mant > UINT64_MAX / ls__p10u[n->exp10]) {
        return false;
    }
    *out = n->mant * ls__p10u[n->exp10];
    return true;
}

bool ls_num_to_i64(const ls_num_t *n, int64_t *out)
{
    uint64_t m;
    if (!ls__magnitude(n, &m)) {
        return false;
    }
    if (n->neg) {
        if (m > (uint64_t)INT64_MAX + 1) {
            return false;
        }
        *out = m == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)m;
        return true;
    }
    if (m > (uint64_t)INT64_MAX) {
        return false;
    }
    *out = (int64_t)m;
    return true;
}

bool ls_num_to_u64(const ls_num_t *n, uint64_t *out)
{
    uint64_t m;
    if (!ls__magnitude(n, &m) || (n->neg && m != 0)) {
        return false;
    }
    *out = m;
    return true;
}

/* ---------------------------------------------------------------- floating point */

static const double ls__p10d[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                    1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                    1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
static const float ls__p10f[11] = {1e0f, 1e1f, 1e2f, 1e3f, 1e4f, 1e5f,
                                   1e6f, 1e7f, 1e8f, 1e9f, 1e10f};

/*
 * The literal as "<digits>e<exp>" with no decimal point and at most LS__SLOW_DIGITS
 * significant digits plus a sticky '1' for anything dropped (enough for a correct
 * rounding decision). @p buf has room for LS__SLOW_DIGITS + 32 bytes.
 */
static void ls__slow_text(const ls_num_t *n, char *buf)
{
    size_t k = 0;
    int64_t total = 0;
    bool sticky = false;
    const char *spans[2][2] = {{n->int_begin, n->int_end}, {n->frac_begin, n->frac_end}};
    if (n->neg) {
        buf[k++] = '-';
    }
    size_t start = k;
    for (int s = 0; s < 2; s++) {
        for (const char *p = spans[s][0]; p < spans[s][1]; p++) {
            if (total == 0 && *p == '0') {
                continue; /* leading zeros */
            }
            total++;
            if (k - start < LS__SLOW_DIGITS) {
                buf[k++] = *p;
            } else if (*p != '0') {
                sticky = true;
            }
        }
    }
    int64_t e = n->exp - (int64_t)(n->frac_end - n->frac_begin);
    e += total - (int64_t)(k - start); /* dropped digits */
    if (sticky) {
        buf[k++] = '1';
        e--;
    }
    if (k == start) {
        buf[k++] = '0';
    }
    snprintf(buf + k, 32, "e%lld", (long long)e);
}

bool ls_num_to_double(const ls_num_t *n, double *out)
{
    if (n->mant == 0) {
        *out = n->neg ? -0.0 : 0.0;
        return true;
    }
#if FLT_EVAL_METHOD == 0
    if (!n->inexact && n->mant <= (1ull << 53)) {
        int64_t e = n->exp10;
        double v = (double)n->mant;
        bool fast = true;
        if (e >= 0 && e <= 22) {
            v *= ls__p10d[e];
        } else if (e < 0 && e >= -22) {
            v /= ls__p10d[-e];
        } else if (e > 22 && e <= 22 + 15 && n->mant <= (1ull << 53) / ls__p10u[e - 22]) {
            v = (double)(n->mant * ls__p10u[e - 22]) * 1e22; /* still exact operands */
        } else {
            fast = false;
        }
        if (fast) {
            *out = n->neg ? -v : v;
            return true;
        }
    }
#endif
    char buf[LS__SLOW_DIGITS + 40];
    ls__slow_text(n, buf);
    double v = strtod(buf, NULL);
    *out = v;
    return !isinf(v);
}

bool ls_num_to_float(const ls_num_t *n, float *out)
{
    if (n->mant == 0) {
        *out = n->neg ? -0.0f : 0.0f;
        return true;
    }
#if FLT_EVAL_METHOD == 0
    if (!n->inexact && n->mant <= (1u << 24) && n->exp10 >= -10 && n->exp10 <= 10) {
        float v = (float)n->mant;
        v = n->exp10 >= 0 ? v * ls__p10f[n->exp10] : v / ls__p10f[-n->exp10];
        *out = n->neg ? -v : v;
        return true;
    }
#endif
    char buf[LS__SLOW_DIGITS + 40];
    ls__slow_text(n, buf);
    float v = strtof(buf, NULL);
    *out = v;
    return !isinf(v);
}

/* Make snprintf output locale-proof: the only non-ASCII-digit mark %g emits is the point. */
static void ls__fix_point(char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!ls__isdigit(c) && c != '-' && c != '+' && c != 'e' && c != '.') {
            s[i] = '.';
        }
    }
}

size_t ls_text_fmt_double(double v, char *out)
{
    int len = 0;
    for (int prec = 15; prec <= 17; prec++) {
        len = snprintf(out, 32, "%.*g", prec, v);
        if (len <= 0 || len >= 32) {
            break;
        }
        ls__fix_point(out, (size_t)len);
        ls_num_t n;
        double back;
        if (prec == 17 || (ls_num_parse(out, (size_t)len, &n) &&
                           ls_num_to_double(&n, &back) && memcmp(&back, &v, sizeof(v)) == 0)) {
            break;
        }
    }
    return len > 0 && len < 32 ? (size_t)len : 0;
}

size_t ls_text_fmt_float(float v, char *out)
{
    int len = 0;
    for (int prec = 6; prec <= 9; prec++) {
        len = snprintf(out, 32, "%.*g", prec, (double)v);
        if (len <= 0 || len >= 32) {
            break;
        }
        ls__fix_point(out, (size_t)len);
        ls_num_t n;
        float back;
        if (prec == 9 || (ls_num_parse(out, (size_t)len, &n) &&
                          ls_num_to_float(&n, &back) && memcmp(&back, &v, sizeof(v)) == 0)) {
            break;
        }
    }
    return len > 0 && len < 32 ? (size_t)len : 0;
}

/* ---------------------------------------------------------------- decimals */

/* acc = acc * 10 + d, staying below lim; false on overflow. */
static inline bool ls__dec_push(ls_u128_t *acc, unsigned d, ls_u128_t lim)
{
    if (*acc > (lim - 1 - d) / 10) {
        return false;
    }
    *acc = *acc * 10 + d;
    return true;
}

/* Digit i of the concatenated integer and fraction digits. */
static inline unsigned ls__digit_at(const ls_num_t *n, int64_t i, int64_t ni)
{
    return (unsigned)(i < ni ? n->int_begin[i] - '0' : n->frac_begin[i - ni] - '0');
}

bool ls_num_to_decimal(const ls_num_t *n, int precision, int scale, ls_i128_t *out)
{
    ls_u128_t lim = 1;
    for (int i = 0; i < precision; i++) {
        lim *= 10;
    }
    int64_t ni = n->int_end - n->int_begin, nf = n->frac_end - n->frac_begin;
    int64_t nd = ni + nf;
    /* digit i weighs 10^(ni-1-i+exp); keep those weighing at least 10^-scale */
    int64_t last = ni - 1 + n->exp + scale;
    ls_u128_t acc = 0;
    int64_t stop = last < nd - 1 ? last : nd - 1;
    for (int64_t i = 0; i <= stop; i++) {
        if (!ls__dec_push(&acc, ls__digit_at(n, i, ni), lim)) {
            return false;
        }
    }
    for (int64_t i = nd; i <= last && acc != 0; i++) {
        if (!ls__dec_push(&acc, 0, lim)) { /* exponent beyond the digits: trailing zeros */
            return false;
        }
    }
    int64_t r = last + 1; /* the first dropped digit decides: half away from zero */
    if (r >= 0 && r < nd && ls__digit_at(n, r, ni) >= 5) {
        if (acc + 1 >= lim) {
            return false;
        }
        acc++;
    }
    *out = n->neg ? -(ls_i128_t)acc : (ls_i128_t)acc;
    return true;
}

size_t ls_text_fmt_decimal(ls_i128_t v, int scale, char *out)
{
    char digits[48];
    size_t nd = 0;
    ls_u128_t m = v < 0 ? (ls_u128_t)0 - (ls_u128_t)v : (ls_u128_t)v;
    do {
        digits[nd++] = (char)('0' + (int)(m % 10));
        m /= 10;
    } while (m != 0 && nd < sizeof(digits));
    while ((int)nd <= scale && nd < sizeof(digits)) {
        digits[nd++] = '0'; /* at least one digit before the point */
    }
    size_t k = 0;
    if (v < 0) {
        out[k++] = '-';
    }
    for (size_t i = nd; i-- > 0;) {
        out[k++] = digits[i];
        if (scale > 0 && i == (size_t)scale) {
            out[k++] = '.';
        }
    }
    out[k] = '\0';
    return k;
}

bool ls_text_parse_special_float(const char *s, size_t n, double *v)
{
    if (n == 3 && memcmp(s, "NaN", 3) == 0) {
        *v = NAN;
    } else if (n == 8 && memcmp(s, "Infinity", 8) == 0) {
        *v = INFINITY;
    } else if (n == 9 && memcmp(s, "-Infinity", 9) == 0) {
        *v = -INFINITY;
    } else {
        return false;
    }
    return true;
}

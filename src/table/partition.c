/*
 * partition.c — partition values between their typed storage form and the text form
 * Delta keeps in `add.partitionValues` (Delta PROTOCOL "Partition Value Serialization").
 *
 * Writing follows the protocol's recommendation for new writers (ISO-8601 UTC
 * timestamps with microseconds and 'Z'); reading also accepts what Spark and older
 * writers produce. Not responsible for: directory names and URI paths (path.c) or
 * choosing values from rows (split.c).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lakesink/table.h"
#include "table_int.h"

#define LS__PV_MAX_TEXT 128 /* longest number/date text accepted */

/* ---------------------------------------------------------------- format */

static ls_err_t ls__fmt_fp(ls_buf_t *out, double v, bool is_f32)
{
    if (isnan(v)) {
        return ls_buf_append_str(out, "NaN");
    }
    if (isinf(v)) {
        return ls_buf_append_str(out, v > 0 ? "Infinity" : "-Infinity");
    }
    return ls__tbl_fmt_float(out, v, is_f32);
}

static ls_err_t ls__fmt_decimal_value(const ls_type_t *t, const ls_table_value_t *v, ls_buf_t *out)
{
    ls__tbl_u128_t mag;
    bool neg;
    if (t->precision <= 9) {
        ls__tbl_u128_from_i64(v->u.i32, &mag, &neg);
    } else if (t->precision <= 18) {
        ls__tbl_u128_from_i64(v->u.i64, &mag, &neg);
    } else {
        if (v->len == 0 || v->len > 16) {
            return LS_ERR_INVALID_ARG;
        }
        ls__tbl_u128_from_be(v->fixed, v->len, &mag, &neg);
    }
    return ls__tbl_fmt_decimal(out, &mag, neg, t->scale);
}

static ls_err_t ls__fmt_text(const ls_type_t *t, const ls_table_value_t *v, ls_buf_t *out,
                             ls_error_t *err)
{
    if (!ls__tbl_utf8_valid(v->bytes, v->len) || memchr(v->bytes, 0, v->len) != NULL) {
        return ls_error_set(err, LS_ERR_UNSUPPORTED,
                            "%s partition value is not UTF-8 text without NUL bytes",
                            ls_type_kind_name(t->kind));
    }
    return ls_buf_append(out, v->bytes, v->len);
}

ls_err_t ls_table_partition_format(const ls_type_t *t, const ls_table_value_t *v, ls_buf_t *out,
                                   bool *is_null, ls_error_t *err)
{
    *is_null = v->is_null;
    if (v->is_null) {
        return LS_OK;
    }
    size_t mark = out->len;
    ls_err_t rc;
    switch (t->kind) {
    case LS_TYPE_BYTE:
    case LS_TYPE_SHORT:
    case LS_TYPE_INTEGER: rc = ls_buf_printf(out, "%d", (int)v->u.i32); break;
    case LS_TYPE_LONG: rc = ls_buf_printf(out, "%lld", (long long)v->u.i64); break;
    case LS_TYPE_FLOAT: rc = ls__fmt_fp(out, v->u.f32, true); break;
    case LS_TYPE_DOUBLE: rc = ls__fmt_fp(out, v->u.f64, false); break;
    case LS_TYPE_BOOLEAN: rc = ls_buf_append_str(out, v->u.b ? "true" : "false"); break;
    case LS_TYPE_DATE: rc = ls__tbl_fmt_date(out, v->u.i32); break;
    case LS_TYPE_TIMESTAMP: rc = ls__tbl_fmt_ts(out, v->u.i64, LS__TBL_TS_PART); break;
    case LS_TYPE_TIMESTAMP_NTZ: rc = ls__tbl_fmt_ts(out, v->u.i64, LS__TBL_TS_PART_NTZ); break;
    case LS_TYPE_DECIMAL: rc = ls__fmt_decimal_value(t, v, out); break;
    case LS_TYPE_STRING:
    case LS_TYPE_BINARY:
        if (v->len == 0) {
            *is_null = true; /* Delta: an empty partition value is null */
            return LS_OK;
        }
        rc = ls__fmt_text(t, v, out, err);
        break;
    default:
        return ls_error_set(err, LS_ERR_UNSUPPORTED, "type %s cannot be a partition column",
                            ls_type_kind_name(t->kind));
    }
    if (rc != LS_OK) {
        out->len = mark;
        if (err != NULL && err->code != rc) {
            ls_error_set(err, rc, "formatting a %s partition value: %s", ls_type_kind_name(t->kind),
                         ls_err_str(rc));
        }
    }
    return rc;
}

/* ---------------------------------------------------------------- parse: helpers */

typedef struct {
    const char *s;
    size_t len, pos;
} ls__cur_t;

static bool ls__peek(const ls__cur_t *c, char ch)
{
    return c->pos < c->len && c->s[c->pos] == ch;
}

static bool ls__eat(ls__cur_t *c, char ch)
{
    if (ls__peek(c, ch)) {
        c->pos++;
        return true;
    }
    return false;
}

static bool ls__is_digit(char ch)
{
    return ch >= '0' && ch <= '9';
}

/* Between @p min and @p max digits as a number; false when fewer. */
static bool ls__digits(ls__cur_t *c, int min, int max, int64_t *out, int *ndigits)
{
    int64_t v = 0;
    int n = 0;
    while (n < max && c->pos < c->len && ls__is_digit(c->s[c->pos])) {
        v = v * 10 + (c->s[c->pos] - '0');
        c->pos++;
        n++;
    }
    if (ndigits != NULL) {
        *ndigits = n;
    }
    *out = v;
    return n >= min;
}

static bool ls__parse_i64(const char *s, size_t len, int64_t lo, int64_t hi, int64_t *out)
{
    size_t i = 0;
    bool neg = false;
    if (i < len && (s[i] == '+' || s[i] == '-')) {
        neg = s[i] == '-';
        i++;
    }
    if (i == len) {
        return false;
    }
    uint64_t limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX, v = 0;
    for (; i < len; i++) {
        if (!ls__is_digit(s[i])) {
            return false;
        }
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (limit - d) / 10) {
            return false;
        }
        v = v * 10 + d;
    }
    int64_t r = neg ? (int64_t)(0 - v) : (int64_t)v;
    if (r < lo || r > hi) {
        return false;
    }
    *out = r;
    return true;
}

static bool ls__ieq(const char *s, size_t len, const char *lit)
{
    size_t n = strlen(lit);
    if (n != len) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        char a = s[i] >= 'A' && s[i] <= 'Z' ? (char)(s[i] + 32) : s[i];
        if (a != lit[i]) {
            return false;
        }
    }
    return true;
}

/* Decimal floating literal (Java's Double.parseDouble subset) or a special name. */
static bool ls__parse_fp(const char *s, size_t len, double *out)
{
    size_t i = (len > 0 && (s[0] == '+' || s[0] == '-')) ? 1 : 0;
    bool neg = len > 0 && s[0] == '-';
    if (ls__ieq(s + i, len - i, "nan") && i == 0) {
        *out = strtod("nan", NULL);
        return true;
    }
    if (ls__ieq(s + i, len - i, "infinity") || ls__ieq(s + i, len - i, "inf")) {
        *out = strtod(neg ? "-inf" : "inf", NULL);
        return true;
    }
    size_t nd = 0;
    for (; i < len && ls__is_digit(s[i]); i++) {
        nd++;
    }
    if (i < len && s[i] == '.') {
        for (i++; i < len && ls__is_digit(s[i]); i++) {
            nd++;
        }
    }
    if (nd == 0) {
        return false;
    }
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        i += i < len && (s[i] == '+' || s[i] == '-');
        size_t ne = 0;
        for (; i < len && ls__is_digit(s[i]); i++) {
            ne++;
        }
        if (ne == 0) {
            return false;
        }
    }
    if (i != len || len >= LS__PV_MAX_TEXT) {
        return false;
    }
    char buf[LS__PV_MAX_TEXT];
    memcpy(buf, s, len);
    buf[len] = '\0';
    *out = strtod(buf, NULL);
    return true;
}

/* [+-]YYYY-M-D with a 4 to 7 digit year (int32 days reach year 5,881,580). */
static bool ls__parse_ymd(ls__cur_t *c, int64_t *days)
{
    bool neg = false;
    if (ls__peek(c, '+') || ls__peek(c, '-')) {
        neg = c->s[c->pos] == '-';
        c->pos++;
    }
    int64_t y, m, d;
    if (!ls__digits(c, 4, 7, &y, NULL) || !ls__eat(c, '-') || !ls__digits(c, 1, 2, &m, NULL) ||
        !ls__eat(c, '-') || !ls__digits(c, 1, 2, &d, NULL)) {
        return false;
    }
    y = neg ? -y : y;
    if (m < 1 || m > 12 || d < 1 || d > ls__tbl_month_days(y, (int)m)) {
        return false;
    }
    *days = ls__tbl_days_from_civil(y, (int)m, (int)d);
    return true;
}

/* Zone suffix: Z, +HH, +HH:MM or +HHMM; seconds east of UTC in *off. */
static bool ls__parse_zone(ls__cur_t *c, int64_t *off)
{
    *off = 0;
    if (ls__eat(c, 'Z') || ls__eat(c, 'z')) {
        return true;
    }
    if (!ls__peek(c, '+') && !ls__peek(c, '-')) {
        return false;
    }
    int64_t sign = c->s[c->pos++] == '-' ? -1 : 1, hh, mm = 0;
    if (!ls__digits(c, 2, 2, &hh, NULL)) {
        return false;
    }
    bool colon = ls__eat(c, ':');
    if ((colon || c->pos < c->len) && !ls__digits(c, 2, 2, &mm, NULL)) {
        return false;
    }
    if (hh > 18 || mm > 59) {
        return false;
    }
    *off = sign * (hh * 3600 + mm * 60);
    return true;
}

/* Time of day after the date: [ T]H[H]:MM[:SS[.f{1,9}]], in microseconds. */
static bool ls__parse_hms(ls__cur_t *c, int64_t *us)
{
    int64_t hh, mm, ss = 0, frac = 0;
    int nf = 0;
    if (!ls__digits(c, 1, 2, &hh, NULL) || !ls__eat(c, ':') || !ls__digits(c, 2, 2, &mm, NULL)) {
        return false;
    }
    if (ls__eat(c, ':')) {
        if (!ls__digits(c, 2, 2, &ss, NULL)) {
            return false;
        }
        if (ls__eat(c, '.') && !ls__digits(c, 1, 9, &frac, &nf)) {
            return false;
        }
    }
    if (hh > 23 || mm > 59 || ss > 59) {
        return false;
    }
    for (; nf < 6; nf++) {
        frac *= 10;
    }
    for (; nf > 6; nf--) {
        frac /= 10; /* below a microsecond: truncated, as the column type holds micros */
    }
    *us = ((hh * 60 + mm) * 60 + ss) * 1000000 + frac;
    return true;
}

static bool ls__parse_ts(const char *s, size_t len, bool zoned, int64_t *out)
{
    ls__cur_t c = {s, len, 0};
    int64_t days, us = 0, off = 0;
    if (!ls__parse_ymd(&c, &days)) {
        return false;
    }
    if (c.pos < c.len) {
        if (!ls__eat(&c, ' ') && !ls__eat(&c, 'T')) {
            return false;
        }
        if (!ls__parse_hms(&c, &us)) {
            return false;
        }
        if (c.pos < c.len && (!zoned || !ls__parse_zone(&c, &off))) {
            return false;
        }
    }
    if (c.pos != c.len) {
        return false;
    }
    /* the result must fit int64 microseconds (about +-292,000 years); before 1970 the
     * day is counted from its end so that the product cannot overflow first */
    int64_t base, rest = us - off * 1000000;
    if (days < 0) {
        days++;
        rest -= LS__TBL_US_PER_DAY;
    }
    return !__builtin_mul_overflow(days, LS__TBL_US_PER_DAY, &base) &&
           !__builtin_add_overflow(base, rest, out);
}

/* ---------------------------------------------------------------- decimals */

static void ls__u128_mul10_add(ls__tbl_u128_t *m, uint32_t d)
{
    uint64_t carry = d;
    for (int i = 0; i < 4; i++) {
        uint64_t x = (uint64_t)m->w[i] * 10 + carry;
        m->w[i] = (uint32_t)x;
        carry = x >> 32;
    }
}

/* Digits and exponent of a BigDecimal-style literal: value = digits * 10^exp10. */
static bool ls__decimal_literal(const char *s, size_t len, char *digits, size_t *nd, bool *neg,
                                int64_t *exp10)
{
    size_t i = 0, n = 0;
    int64_t frac = 0;
    *neg = false;
    if (i < len && (s[i] == '+' || s[i] == '-')) {
        *neg = s[i++] == '-';
    }
    bool seen = false, dot = false;
    for (; i < len; i++) {
        if (s[i] == '.' && !dot) {
            dot = true;
            continue;
        }
        if (!ls__is_digit(s[i])) {
            break;
        }
        seen = true;
        frac += dot;
        if (n > 0 || s[i] != '0') {
            if (n >= LS__PV_MAX_TEXT) {
                return false;
            }
            digits[n++] = s[i];
        }
    }
    int64_t e = 0;
    if (seen && i < len && (s[i] == 'e' || s[i] == 'E')) {
        ls__cur_t c = {s, len, i + 1};
        bool eneg = ls__eat(&c, '-');
        if (!eneg) {
            ls__eat(&c, '+');
        }
        if (!ls__digits(&c, 1, 4, &e, NULL)) {
            return false;
        }
        e = eneg ? -e : e;
        i = c.pos;
    }
    *nd = n;
    *exp10 = e - frac;
    return seen && i == len;
}

static bool ls__parse_decimal(const ls_type_t *t, const char *s, size_t len, ls_table_value_t *v)
{
    char digits[LS__PV_MAX_TEXT];
    size_t nd;
    bool neg;
    int64_t e;
    if (len > LS__PV_MAX_TEXT || !ls__decimal_literal(s, len, digits, &nd, &neg, &e)) {
        return false;
    }
    int64_t shift = e + t->scale; /* unscaled = digits * 10^shift */
    while (shift < 0 && nd > 0) {
        if (digits[nd - 1] != '0') {
            return false; /* more fractional digits than the scale holds */
        }
        nd--;
        shift++;
    }
    if (nd == 0) {
        shift = 0;
    }
    if (shift < 0 || (int64_t)nd + shift > t->precision) {
        return false;
    }
    ls__tbl_u128_t m = {{0, 0, 0, 0}};
    for (size_t i = 0; i < nd; i++) {
        ls__u128_mul10_add(&m, (uint32_t)(digits[i] - '0'));
    }
    for (int64_t i = 0; i < shift; i++) {
        ls__u128_mul10_add(&m, 0);
    }
    uint64_t lo = (uint64_t)m.w[1] << 32 | m.w[0];
    if (t->precision <= 9) {
        v->u.i32 = neg ? -(int32_t)lo : (int32_t)lo;
    } else if (t->precision <= 18) {
        v->u.i64 = neg ? -(int64_t)lo : (int64_t)lo;
    } else {
        uint8_t be[16];
        for (int i = 0; i < 4; i++) {
            uint32_t w = m.w[3 - i];
            be[4 * i] = (uint8_t)(w >> 24), be[4 * i + 1] = (uint8_t)(w >> 16);
            be[4 * i + 2] = (uint8_t)(w >> 8), be[4 * i + 3] = (uint8_t)w;
        }
        if (neg) {
            unsigned carry = 1;
            for (int i = 15; i >= 0; i--) {
                unsigned x = (unsigned)(uint8_t)~be[i] + carry;
                be[i] = (uint8_t)x;
                carry = x >> 8;
            }
        }
        size_t w = (size_t)ls_decimal_fixed_width(t->precision);
        memcpy(v->fixed, be + 16 - w, w);
        v->len = w;
    }
    return true;
}

/* ---------------------------------------------------------------- parse */

static bool ls__parse_typed(const ls_type_t *t, const char *s, size_t len, ls_table_value_t *v)
{
    int64_t i;
    double d;
    switch (t->kind) {
    case LS_TYPE_BYTE:
        return ls__parse_i64(s, len, INT8_MIN, INT8_MAX, &i) && (v->u.i32 = (int32_t)i, true);
    case LS_TYPE_SHORT:
        return ls__parse_i64(s, len, INT16_MIN, INT16_MAX, &i) && (v->u.i32 = (int32_t)i, true);
    case LS_TYPE_INTEGER:
        return ls__parse_i64(s, len, INT32_MIN, INT32_MAX, &i) && (v->u.i32 = (int32_t)i, true);
    case LS_TYPE_LONG: return ls__parse_i64(s, len, INT64_MIN, INT64_MAX, &v->u.i64);
    case LS_TYPE_FLOAT: return ls__parse_fp(s, len, &d) && (v->u.f32 = (float)d, true);
    case LS_TYPE_DOUBLE: return ls__parse_fp(s, len, &v->u.f64);
    case LS_TYPE_BOOLEAN:
        v->u.b = ls__ieq(s, len, "true");
        return v->u.b || ls__ieq(s, len, "false");
    case LS_TYPE_DATE: {
        ls__cur_t c = {s, len, 0};
        if (!ls__parse_ymd(&c, &i) || c.pos != len || i < INT32_MIN || i > INT32_MAX) {
            return false;
        }
        v->u.i32 = (int32_t)i;
        return true;
    }
    case LS_TYPE_TIMESTAMP: return ls__parse_ts(s, len, true, &v->u.i64);
    case LS_TYPE_TIMESTAMP_NTZ: return ls__parse_ts(s, len, false, &v->u.i64);
    case LS_TYPE_DECIMAL: return ls__parse_decimal(t, s, len, v);
    default: return false;
    }
}

ls_err_t ls_table_partition_parse(const ls_type_t *t, const char *s, size_t len,
                                  ls_table_value_t *v, ls_error_t *err)
{
    memset(v, 0, sizeof(*v));
    if (s == NULL || len == 0 ||
        (len == strlen(LS_TABLE_HIVE_NULL) && memcmp(s, LS_TABLE_HIVE_NULL, len) == 0)) {
        v->is_null = true;
        return LS_OK;
    }
    if (t->kind == LS_TYPE_STRING || t->kind == LS_TYPE_BINARY) {
        v->bytes = (const uint8_t *)s;
        v->len = len;
        return LS_OK;
    }
    if (ls_type_is_nested(t) || t->kind >= LS_TYPE_UINT64) {
        return ls_error_set(err, LS_ERR_UNSUPPORTED, "type %s cannot be a partition column",
                            ls_type_kind_name(t->kind));
    }
    if (len > LS__PV_MAX_TEXT || !ls__parse_typed(t, s, len, v)) {
        char name[64];
        ls_type_describe(t, name, sizeof(name));
        memset(v, 0, sizeof(*v));
        return ls_error_set(err, LS_ERR_PARSE, "partition value \"%.*s\" is not a valid %s",
                            (int)(len > 64 ? 64 : len), s, name);
    }
    return LS_OK;
}

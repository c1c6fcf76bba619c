/*
 * text.h — the text forms of values, shared by every decoder of text formats (JSON, CSV)
 * and by everything that prints values: exact number parsing and conversion (integers
 * range-checked, doubles correctly rounded, decimals exact), shortest round-trip float
 * output, ISO-8601 dates, timestamps and times, strict base64, UUIDs.
 *
 * Implemented in src/json (number.c, datetime.c). Nothing here allocates except
 * ls_base64_append (into the caller's buffer). Not responsible for JSON syntax.
 */
#ifndef LAKESINK_TEXT_H
#define LAKESINK_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lakesink/buf.h"
#include "lakesink/error.h"

#ifndef __SIZEOF_INT128__
#error "lakesink needs a compiler with __int128 (decimals up to 38 digits)"
#endif
typedef __int128 ls_i128_t;
typedef unsigned __int128 ls_u128_t;

/* A scanned number literal. value = mant * 10^exp10 exactly unless @c inexact. */
typedef struct ls_num_s {
    const char *begin, *end;           /* the literal */
    const char *int_begin, *int_end;   /* integer digits */
    const char *frac_begin, *frac_end; /* fraction digits (empty when none) */
    int64_t exp;                       /* explicit exponent, saturated at +-1e9 */
    uint64_t mant;                     /* first <= 19 significant digits */
    int64_t exp10;
    int nsig; /* significant digits kept in mant */
    bool neg;
    bool is_int;  /* no fraction and no exponent */
    bool inexact; /* a non-zero digit did not fit in mant */
} ls_num_t;

/* Scan a whole buffer as one number literal (decimals and map keys given as text). */
bool ls_num_parse(const char *s, size_t len, ls_num_t *n);
/* Exact integer value (1.0 and 2e3 qualify; 1.5 does not); false when not integral or out of range.
 */
bool ls_num_to_i64(const ls_num_t *n, int64_t *out);
bool ls_num_to_u64(const ls_num_t *n, uint64_t *out);
/* Correctly rounded conversions; false on overflow to infinity. */
bool ls_num_to_double(const ls_num_t *n, double *out);
bool ls_num_to_float(const ls_num_t *n, float *out);
/*
 * Unscaled value of the literal at @p scale, rounded half away from zero.
 * false when |result| >= 10^precision.
 */
bool ls_num_to_decimal(const ls_num_t *n, int precision, int scale, ls_i128_t *out);
/* The text forms of special floats ("NaN", "Infinity", "-Infinity": the output convention);
 * false when @p s is none of them. */
bool ls_text_parse_special_float(const char *s, size_t n, double *v);
/* Shortest text that reads back as exactly @p v (finite only); @p out has >= 32 bytes. */
size_t ls_text_fmt_double(double v, char *out);
size_t ls_text_fmt_float(float v, char *out);
/* Decimal text of unscaled @p v at @p scale ("-12.30"); @p out has >= 48 bytes. */
size_t ls_text_fmt_decimal(ls_i128_t v, int scale, char *out);

/* Dates and times (proleptic Gregorian, years 0000-9999 when parsing). */
bool ls_text_parse_date(const char *s, size_t n, int32_t *days);
/*
 * YYYY-MM-DD[(T|t| )HH:MM[:SS[.f{1,9}]]][Z|z|(+|-)HH[[:]MM]] into microseconds since
 * the epoch; the offset (when present) is subtracted. *has_zone says whether one was.
 */
bool ls_text_parse_timestamp(const char *s, size_t n, int64_t *us, bool *has_zone);
bool ls_text_parse_time(const char *s, size_t n, int64_t *us);
/* Output buffers: date >= 16, timestamp >= 40, time >= 24 bytes. */
size_t ls_text_fmt_date(int64_t days, char *out);
size_t ls_text_fmt_timestamp(int64_t us, bool zone, char *out);
size_t ls_text_fmt_time(int64_t us, char *out);

/* Strict RFC 4648 base64 (padding required); @p out may alias @p s. */
bool ls_base64_decode(const char *s, size_t n, uint8_t *out, size_t *outlen);
ls_err_t ls_base64_append(ls_buf_t *b, const uint8_t *p, size_t n);
bool ls_text_parse_uuid(const char *s, size_t n, uint8_t out[16]);
size_t ls_text_fmt_uuid(const uint8_t *u, char *out); /* out >= 37 bytes */

#endif

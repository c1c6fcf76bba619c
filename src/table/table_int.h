/*
 * table_int.h — private helpers of the table module: calendar arithmetic, value
 * formatting shared by statistics and partition values, UTF-8 decoding, 128-bit
 * decimal magnitudes, and raw column copying for the batch splitter.
 *
 * Not part of the public API; symbols are ls__tbl_*.
 */
#ifndef LS_TABLE_INT_H
#define LS_TABLE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lakesink/buf.h"
#include "lakesink/columnar.h"
#include "lakesink/table.h"

#define LS__TBL_US_PER_DAY INT64_C(86400000000)

/* ---------------------------------------------------------------- calendar */

/** Days since 1970-01-01 of a proleptic Gregorian date (month 1-12, day 1-31). */
int64_t ls__tbl_days_from_civil(int64_t y, int m, int d);
/** Proleptic Gregorian date of @p days since 1970-01-01. */
void ls__tbl_civil_from_days(int64_t days, int64_t *y, int *m, int *d);
/** Days in month @p m of year @p y. */
int ls__tbl_month_days(int64_t y, int m);
/** Floor division (b > 0). */
int64_t ls__tbl_floor_div(int64_t a, int64_t b);

/* Timestamp text styles. */
typedef enum {
    LS__TBL_TS_STATS,     /* 2023-06-15T12:30:00.000Z (milliseconds, truncated down) */
    LS__TBL_TS_STATS_NTZ, /* 2023-06-15T12:30:00.000 */
    LS__TBL_TS_PART,      /* 2023-06-15T12:30:00.000000Z */
    LS__TBL_TS_PART_NTZ   /* 2023-06-15 12:30:00.000000 */
} ls__tbl_ts_style_t;

/** Append date @p days as YYYY-MM-DD (years outside 0-9999 get a sign, as Java does). */
ls_err_t ls__tbl_fmt_date(ls_buf_t *out, int64_t days);
/** Append @p micros since the epoch in @p style. */
ls_err_t ls__tbl_fmt_ts(ls_buf_t *out, int64_t micros, ls__tbl_ts_style_t style);
/** Year of a date or of a timestamp in microseconds. */
int64_t ls__tbl_year_of_days(int64_t days);

/* ---------------------------------------------------------------- numbers */

/**
 * Append a finite float (@p is_f32: the value is a float) in the shortest decimal form
 * that reads back to the same value, always with a '.' or an exponent ("2.0", "3.14",
 * "1.5e-07"). Non-finite values are the caller's business.
 */
ls_err_t ls__tbl_fmt_float(ls_buf_t *out, double v, bool is_f32);

/* Unsigned 128-bit magnitude, 32-bit limbs, least significant first. */
typedef struct {
    uint32_t w[4];
} ls__tbl_u128_t;

/** Magnitude and sign of a big-endian two's complement integer of @p n (1-16) bytes. */
void ls__tbl_u128_from_be(const uint8_t *be, size_t n, ls__tbl_u128_t *mag, bool *neg);
/** Magnitude and sign of an int64. */
void ls__tbl_u128_from_i64(int64_t v, ls__tbl_u128_t *mag, bool *neg);
/** Append a decimal: sign, digits of @p mag with a '.' before the last @p scale digits. */
ls_err_t ls__tbl_fmt_decimal(ls_buf_t *out, const ls__tbl_u128_t *mag, bool neg, int scale);

/* ---------------------------------------------------------------- UTF-8 */

/**
 * Decode one code point at s[*pos]; advances *pos. False for malformed UTF-8
 * (overlong, surrogate, past U+10FFFF, truncated).
 */
bool ls__tbl_utf8_next(const uint8_t *s, size_t len, size_t *pos, uint32_t *cp);
/** Whether all of @p s is well-formed UTF-8. */
bool ls__tbl_utf8_valid(const uint8_t *s, size_t len);

/* ---------------------------------------------------------------- stats columns */

/** Stats-column selection helper (stats_cols.c): see ls_table_stats_indexed. */
ls_err_t ls__tbl_select_stats_columns(const ls_layout_t *layout, const char *spec, bool *indexed,
                                      ls_error_t *err);

/* ---------------------------------------------------------------- raw column copies */


/** Row start positions of a column: level entry and value index of each row. */
typedef struct {
    size_t *lvl; /* nrows + 1 entries (NULL when rows map 1:1 to levels) */
    size_t *val; /* nrows + 1 entries (NULL when rows map 1:1 to values) */
} ls__tbl_rowidx_t;

/**
 * Fill @p ix (arrays sized nrows + 1, provided by the caller) for column @p c of a
 * batch of @p nrows rows. LS_ERR_CORRUPT when the column does not hold nrows rows.
 */
ls_err_t ls__tbl_rowidx_build(const ls_column_t *c, size_t nrows, size_t *lvl, size_t *val);

/**
 * Append rows [r0, r1) of source column @p s (row index @p lvl / @p val from
 * ls__tbl_rowidx_build) to column @p d of batch @p db (same leaf shape). Room must
 * have been reserved.
 */
void ls__tbl_col_copy_rows(ls_column_t *d, const ls_column_t *s, const size_t *lvl,
                           const size_t *val, size_t r0, size_t r1);

#endif

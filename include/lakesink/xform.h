/*
 * xform.h — row transforms computed from field values: time zones (IANA TZif files, fixed
 * UTC offsets, POSIX TZ strings) and the derived partition columns year, month, day, hour,
 * date and the business "close of business" (COB) date of an event timestamp.
 *
 * Responsible for: reading and checking TZif data, UTC-offset lookup, exact proleptic
 * Gregorian calendar arithmetic, parsing derived-column expressions and evaluating them.
 * Not responsible for: finding the source field in a batch or writing the result column
 * (the daemon's table writer does that), nor formatting partition values as text.
 * See docs/internals/xform.md.
 *
 * Threads: an ls_tz_t and an ls_xform_derive_t are immutable once built. Loading and
 * parsing may run on any thread; ls_tz_offset and ls_xform_derive_eval may be called from
 * any number of threads at once on the same object. Nothing here touches libc's time zone
 * state (no tzset, localtime or setenv).
 *
 * Ownership: every object returned through an `out` parameter is owned by the caller and
 * released with the matching _free function. Strings returned by accessors are owned by
 * the object and live as long as it does.
 */
#ifndef LAKESINK_XFORM_H
#define LAKESINK_XFORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lakesink/error.h"
#include "lakesink/schema.h"

/*
 * Code returned for an instant or date outside years 0001..9999. error.h has no
 * dedicated range code, so this is LS_ERR_LIMIT; compare against this name so callers
 * keep working if a dedicated code is added.
 */
#define LS_XFORM_ERR_RANGE LS_ERR_LIMIT

/* Longest zone name or TZ string ls_tz_load accepts. */
#define LS_TZ_NAME_MAX 255
/* Largest TZif file ls_tz_load reads (real ones are a few KiB). */
#define LS_TZ_FILE_MAX ((size_t)1 << 20)

/* ------------------------------------------------------------ time zones */

typedef struct ls_tz_s ls_tz_t;

/**
 * @brief Load a time zone by name.
 *
 * Accepted forms, tried in this order:
 * - "UTC" or "Z": UTC, no file needed;
 * - a fixed offset east of UTC: "+05:30", "-0800", "+05" (hours 00-23, minutes 00-59);
 * - an IANA name ("America/New_York") read from $TZDIR, else /usr/share/zoneinfo;
 *   a name made only of IANA characters whose file does not exist is then tried as a
 *   POSIX TZ string ("EST5", "JST-9");
 * - a POSIX TZ string ("EST5EDT,M3.2.0,M11.1.0", "<+0330>-3:30"); a DST zone without
 *   rules ("EST5EDT" when no such file exists) uses the US rules M3.2.0,M11.1.0.
 * A name longer than LS_TZ_NAME_MAX, starting with '/' or containing ".." is rejected
 * before any file is opened.
 *
 * @param name the zone name; copied.
 * @param err  receives the reason on failure.
 * @returns the zone (caller frees with ls_tz_free), or NULL: LS_ERR_INVALID_ARG for a
 *          name of no accepted form, LS_ERR_NOT_FOUND for an unknown IANA name,
 *          LS_ERR_PARSE for a bad TZif file, LS_ERR_UNSUPPORTED for leap-second
 *          ("right/") files, LS_ERR_NOMEM, LS_ERR_IO.
 */
ls_tz_t *ls_tz_load(const char *name, ls_error_t *err);

/**
 * @brief Parse TZif bytes (RFC 8536, versions 1 to 4).
 *
 * The 64-bit section is used when present; its footer TZ string decides instants after
 * the last transition ("slim" files carry all modern rules there). Instants before the
 * first transition use local time type 0. Every count and index is checked against the
 * bytes present before anything is read or allocated.
 *
 * @param data the file's bytes; borrowed for the call only.
 * @param len  their length.
 * @param name the name ls_tz_name will return and errors will quote; copied; NULL is
 *             shown as "(tzif)".
 * @param out  receives the zone (caller frees with ls_tz_free); NULL on failure.
 * @returns LS_OK; LS_ERR_PARSE naming the problem (truncated, bad magic, counts,
 *          indices, unsorted transitions, offsets out of range, bad footer);
 *          LS_ERR_UNSUPPORTED for leap-second records; LS_ERR_NOMEM.
 */
ls_err_t ls_tz_parse_tzif(const uint8_t *data, size_t len, const char *name, ls_tz_t **out,
                          ls_error_t *err);

/**
 * @brief Parse a POSIX TZ string such as "CET-1CEST,M3.5.0,M10.5.0/3" or "<+0330>-3:30".
 *
 * Accepts the POSIX grammar plus the TZif v3 extension (rule times from -167 to 167 hours).
 * @param s   the string, @p n bytes, need not be NUL-terminated; copied as the name.
 * @param out receives the zone (caller frees with ls_tz_free).
 * @returns LS_OK, LS_ERR_PARSE with the offset of the problem, or LS_ERR_NOMEM.
 */
ls_err_t ls_tz_parse_posix(const char *s, size_t n, ls_tz_t **out, ls_error_t *err);

/**
 * @brief Seconds east of UTC in @p tz at the instant @p utc_seconds (seconds since the
 * epoch). O(log n) in the zone's transitions; never allocates. A NULL @p tz is UTC.
 * Instants beyond about +-20,000 years are looked up at that bound.
 */
int32_t ls_tz_offset(const ls_tz_t *tz, int64_t utc_seconds);

/** @brief The name the zone was loaded or parsed under; owned by @p tz. */
const char *ls_tz_name(const ls_tz_t *tz);

/** @brief Free a zone; NULL is fine. */
void ls_tz_free(ls_tz_t *tz);

/* ------------------------------------------------------------ calendar */

/**
 * @brief Days since 1970-01-01 of a proleptic Gregorian date (year 0 = 1 BC).
 * Exact for |year| up to 10^9; @p m in 1..12 and @p d in 1..31 are the caller's to check.
 */
int64_t ls_xform_days_from_civil(int64_t y, int m, int d);

/** @brief The proleptic Gregorian date of day @p days since 1970-01-01. */
void ls_xform_civil_from_days(int64_t days, int64_t *y, int *m, int *d);

/** @brief Day of the week of day @p days since 1970-01-01: 0 = Sunday ... 6 = Saturday. */
int ls_xform_weekday(int64_t days);

/* ------------------------------------------------------------ derived columns */

typedef enum {
    LS_XFORM_YEAR,
    LS_XFORM_MONTH,
    LS_XFORM_DAY,
    LS_XFORM_HOUR,
    LS_XFORM_DATE,
    LS_XFORM_COB_DATE
} ls_xform_fn_t;

typedef struct ls_xform_derive_s ls_xform_derive_t;

/* Flags of ls_xform_derive_parse_ex. */
#define LS_XFORM_PARSE_NO_FILES                                                                    \
    1u /* zones must be UTC, a fixed offset or a POSIX TZ string:                                  \
          never open a file (LS_ERR_UNSUPPORTED otherwise) */

/**
 * @brief Parse a derived-column expression.
 *
 * Grammar (white space allowed between tokens; function names in any case):
 *   year(FIELD) month(FIELD) day(FIELD) hour(FIELD) date(FIELD)     -- in UTC
 *   year(FIELD, ZONE) ... date(FIELD, ZONE)                         -- in that zone
 *   cob_date(FIELD, HH:MM[:SS], ZONE[, weekdays])                   -- COB date
 * FIELD is a top-level field name of letters, digits, '_', '.' and '-'. ZONE is any name
 * ls_tz_load takes, unquoted (no spaces, commas or parentheses) or in single or double
 * quotes (needed for POSIX TZ strings with rules: "EST5EDT,M3.2.0,M11.1.0").
 * COB date: an event at or after the cut-off (local wall-clock time in ZONE) belongs to
 * the next day's COB date; with `weekdays`, a COB date on Saturday or Sunday moves to the
 * following Monday.
 *
 * The zone is loaded here, once (file I/O). Errors name the offset in the expression:
 * "expected ')' at offset 6 in \"day(ts\"".
 *
 * @param expr NUL-terminated; borrowed for the call only.
 * @param out  receives the expression (caller frees with ls_xform_derive_free).
 * @returns LS_OK, LS_ERR_PARSE for bad syntax, an ls_tz_load code (prefixed with the
 *          zone's offset) for a bad zone, LS_ERR_LIMIT for an expression over 4 KiB,
 *          LS_ERR_NOMEM.
 */
ls_err_t ls_xform_derive_parse(const char *expr, ls_xform_derive_t **out, ls_error_t *err);

/** @brief ls_xform_derive_parse with LS_XFORM_PARSE_* @p flags. */
ls_err_t ls_xform_derive_parse_ex(const char *expr, unsigned flags, ls_xform_derive_t **out,
                                  ls_error_t *err);

/** @brief The function of a parsed expression. */
ls_xform_fn_t ls_xform_derive_fn(const ls_xform_derive_t *d);

/** @brief The source FIELD name; owned by @p d. */
const char *ls_xform_derive_source(const ls_xform_derive_t *d);

/** @brief The zone of @p d (owned by it), or NULL for UTC. */
const ls_tz_t *ls_xform_derive_zone(const ls_xform_derive_t *d);

/** @brief LS_TYPE_INTEGER for year/month/day/hour, LS_TYPE_DATE for date/cob_date. */
ls_type_kind_t ls_xform_derive_kind(const ls_xform_derive_t *d);

/** @brief Lower-case name of a function ("cob_date"). Never NULL. */
const char *ls_xform_fn_name(ls_xform_fn_t fn);

/**
 * @brief Evaluate @p d for one event timestamp.
 *
 * Pure: no allocation, no global state, safe from many threads at once.
 * @param ts_us microseconds since the epoch (UTC).
 * @param out   the year, month (1-12), day (1-31) or hour (0-23) in the zone, or days
 *              since 1970-01-01 for date and cob_date.
 * @returns LS_OK, or LS_XFORM_ERR_RANGE when the instant, its local date or the COB
 *          date falls outside years 0001..9999 (@p out untouched).
 */
ls_err_t ls_xform_derive_eval(const ls_xform_derive_t *d, int64_t ts_us, int32_t *out,
                              ls_error_t *err);

/** @brief Free an expression and its zone; NULL is fine. */
void ls_xform_derive_free(ls_xform_derive_t *d);

#endif

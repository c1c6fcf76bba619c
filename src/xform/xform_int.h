/*
 * xform_int.h — private interface between the files of the xform module: the zone object
 * (tz.c builds it from TZif bytes or names), POSIX TZ rules (tz_rule.c parses and
 * evaluates them) and the calendar helpers (civil.c) every other file uses.
 *
 * Ownership: a rule is a plain value (no pointers). Nothing here allocates except the
 * builders in tz.c, which return zones the caller owns.
 */
#ifndef LS_XFORM_INT_H
#define LS_XFORM_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lakesink/error.h"
#include "lakesink/xform.h"

#define LS__DAY_SECS 86400

/* Instants are clamped to this range (about years -19,000..23,000) before any calendar
 * arithmetic so that no intermediate value can overflow. */
#define LS__TZ_T_MIN (-600000000000LL)
#define LS__TZ_T_MAX (700000000000LL)

/* Rule transitions are precomputed into the zone's table up to the start of this year;
 * later instants evaluate the rule directly. */
#define LS__TZ_TABLE_END_YEAR 2100
/* ... and from this year on (earlier last transitions leave the rule to run directly). */
#define LS__TZ_TABLE_START_YEAR 1800

/* When a POSIX rule switches: a day of the year plus a local time. */
typedef enum { LS__TZ_JULIAN1, LS__TZ_JULIAN0, LS__TZ_MWD } ls__tz_date_kind_t;

typedef struct ls__tz_date_s {
    ls__tz_date_kind_t kind;
    int16_t n;    /* Jn: 1..365 (Feb 29 never counted); n: 0..365 */
    int8_t mon;   /* Mm.w.d: month 1..12 */
    int8_t week;  /* 1..5, 5 = the last such weekday of the month */
    int8_t wday;  /* 0 = Sunday */
    int32_t secs; /* local time of the switch, -167h..167h (default 02:00) */
} ls__tz_date_t;

/* A parsed POSIX TZ string. Offsets are seconds east of UTC (the string's are west). */
typedef struct ls__tz_rule_s {
    int32_t std_off;
    int32_t dst_off;
    bool has_dst;
    ls__tz_date_t start; /* standard -> daylight, in standard local time */
    ls__tz_date_t end;   /* daylight -> standard, in daylight local time */
} ls__tz_rule_t;

/*
 * A zone: offsets from a sorted transition table plus an optional rule. Built in one
 * allocation (struct, then at[], off[], then the name).
 *   t >  rule_after:          the rule (rule_after is INT64_MAX without one);
 *   t <  at[0] (or no table): the rule when `rule_below`, else off_before;
 *   otherwise:                off[i] of the last at[i] <= t.
 */
struct ls_tz_s {
    char *name;
    size_t n;
    int64_t *at; /* strictly ascending instants (seconds since the epoch) */
    int32_t *off;
    int32_t off_before;
    bool rule_below;
    bool has_rule;
    int64_t rule_after;
    ls__tz_rule_t rule;
};

/* ---- civil.c */
static inline int64_t ls__floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}
bool ls__is_leap(int64_t y);
int ls__month_days(int64_t y, int m);

/* ---- tz_rule.c */
/*
 * Parse a POSIX TZ string [s, s+n). On failure fills @p err (LS_ERR_PARSE) with the
 * offset of the problem, quoting the string as @p what describes it ("TZ string",
 * "footer of America/New_York").
 */
ls_err_t ls__tz_rule_parse(const char *s, size_t n, const char *what, ls__tz_rule_t *r,
                           ls_error_t *err);
/* Offset east of UTC at @p t under the rule alone. */
int32_t ls__tz_rule_offset(const ls__tz_rule_t *r, int64_t t);
/*
 * Write the rule's transitions with after < at < limit, ascending, for the years
 * [y0, y1] into at[]/off[] (at most @p cap; NULL arrays only count). Returns how many
 * there are (which may exceed @p cap: only the first @p cap are written).
 */
size_t ls__tz_rule_expand(const ls__tz_rule_t *r, int64_t y0, int64_t y1, int64_t after,
                          int64_t limit, int64_t *at, int32_t *off, size_t cap);

/* ---- tz.c */
/* ls_tz_load, with file access optional (LS_ERR_UNSUPPORTED for names needing a file). */
ls_tz_t *ls__tz_load(const char *name, bool allow_files, ls_error_t *err);

#endif

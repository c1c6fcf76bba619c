/*
 * derive.c — derived partition columns: the expression parser (year(ts), date(ts, ZONE),
 * cob_date(ts, 17:00, America/New_York, weekdays) ...) and the per-row evaluation.
 *
 * Evaluation is pure arithmetic on the instant: one zone offset lookup (tz.c), a floor
 * division into local days and seconds of the day, and for year/month/day one
 * day-number-to-date conversion (civil.c). Nothing is allocated per row.
 * Not responsible for locating the source field in a batch or writing the result column.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "lakesink/alloc.h"
#include "xform_int.h"

#define LS__EXPR_MAX 4096
#define LS__FIELD_MAX 1024
#define LS__US_PER_SEC 1000000

struct ls_xform_derive_s {
    ls_xform_fn_t fn;
    char *source;
    ls_tz_t *tz;    /* NULL = UTC */
    int32_t cutoff; /* cob_date: seconds after local midnight */
    bool weekdays;  /* cob_date: Saturday/Sunday roll to Monday */
};

static const char *const fn_names[] = {"year", "month", "day", "hour", "date", "cob_date"};

const char *ls_xform_fn_name(ls_xform_fn_t fn)
{
    return (unsigned)fn < sizeof(fn_names) / sizeof(fn_names[0]) ? fn_names[fn] : "?";
}

/* ------------------------------------------------------------ parser */

typedef struct {
    const char *s;
    size_t n;
    size_t i;
    ls_error_t *err;
} ls__px_t;

static ls_err_t px_fail(const ls__px_t *x, size_t at, const char *what)
{
    int shown = x->n > 200 ? 200 : (int)x->n;
    return ls_error_set(x->err, LS_ERR_PARSE, "%s at offset %zu in \"%.*s%s\"", what, at, shown,
                        x->s, x->n > 200 ? "..." : "");
}

static void px_ws(ls__px_t *x)
{
    while (x->i < x->n && strchr(" \t\r\n", x->s[x->i]) != NULL) {
        x->i++;
    }
}

static bool px_at(const ls__px_t *x, char c)
{
    return x->i < x->n && x->s[x->i] == c;
}

static bool is_alpha(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Skip spaces, expect @p c, skip spaces. */
static ls_err_t px_expect(ls__px_t *x, char c, const char *what)
{
    px_ws(x);
    if (!px_at(x, c)) {
        return px_fail(x, x->i, what);
    }
    x->i++;
    px_ws(x);
    return LS_OK;
}

static ls_err_t px_function(ls__px_t *x, ls_xform_fn_t *fn)
{
    px_ws(x);
    size_t start = x->i;
    while (x->i < x->n && (is_alpha(x->s[x->i]) || x->s[x->i] == '_')) {
        x->i++;
    }
    size_t len = x->i - start;
    for (size_t k = 0; k < sizeof(fn_names) / sizeof(fn_names[0]); k++) {
        if (len == strlen(fn_names[k]) && strncasecmp(x->s + start, fn_names[k], len) == 0) {
            *fn = (ls_xform_fn_t)k;
            return LS_OK;
        }
    }
    if (len == 0) {
        return px_fail(x, start, "expected a function name");
    }
    char what[128];
    snprintf(what, sizeof(what),
             "unknown function \"%.*s\" (expected year, month, day, hour, date or cob_date)",
             len > 32 ? 32 : (int)len, x->s + start);
    return px_fail(x, start, what);
}

static ls_err_t px_field(ls__px_t *x, const char **f, size_t *fn)
{
    size_t start = x->i;
    while (x->i < x->n) {
        char c = x->s[x->i];
        if (!is_alpha(c) && !is_digit(c) && c != '_' && c != '.' && c != '-') {
            break;
        }
        x->i++;
    }
    if (x->i == start) {
        return px_fail(x, start, "expected a field name (letters, digits, _ . -)");
    }
    if (x->i - start > LS__FIELD_MAX) {
        return px_fail(x, start, "field name longer than 1024 bytes");
    }
    *f = x->s + start;
    *fn = x->i - start;
    return LS_OK;
}

/* HH:MM[:SS] as seconds after midnight. */
static ls_err_t px_cutoff(ls__px_t *x, int32_t *secs)
{
    size_t start = x->i;
    int32_t part[3] = {0, 0, 0};
    int np = 0;
    while (np < 3) {
        if (x->i + 1 >= x->n || !is_digit(x->s[x->i]) || !is_digit(x->s[x->i + 1])) {
            return px_fail(x, x->i, "expected a cut-off time HH:MM[:SS] (two digits)");
        }
        part[np++] = (x->s[x->i] - '0') * 10 + (x->s[x->i + 1] - '0');
        x->i += 2;
        if (!px_at(x, ':') || np == 3) {
            break;
        }
        x->i++;
    }
    if (np < 2) {
        return px_fail(x, x->i, "expected ':' and minutes in the cut-off time");
    }
    if (part[0] > 23 || part[1] > 59 || part[2] > 59) {
        return px_fail(x, start, "cut-off time out of range (00:00:00-23:59:59)");
    }
    *secs = part[0] * 3600 + part[1] * 60 + part[2];
    return LS_OK;
}

/* A zone: quoted ('...' or "...") or a run of bytes up to a space, ',' or ')'. */
static ls_err_t px_zone(ls__px_t *x, unsigned flags, ls_tz_t **tz)
{
    size_t start = x->i, b, e;
    if (px_at(x, '"') || px_at(x, '\'')) {
        char q = x->s[x->i++];
        b = x->i;
        while (x->i < x->n && x->s[x->i] != q) {
            x->i++;
        }
        if (x->i == x->n) {
            return px_fail(x, start, "unterminated quoted zone");
        }
        e = x->i++;
    } else {
        b = x->i;
        while (x->i < x->n && strchr(" \t\r\n,()\"'", x->s[x->i]) == NULL) {
            x->i++;
        }
        e = x->i;
    }
    if (e == b) {
        return px_fail(x, start, "expected a time zone");
    }
    if (e - b > LS_TZ_NAME_MAX) {
        return px_fail(x, start, "time zone name longer than 255 bytes");
    }
    char name[LS_TZ_NAME_MAX + 1];
    memcpy(name, x->s + b, e - b);
    name[e - b] = '\0';
    ls_error_t ze;
    ls_error_set(&ze, LS_ERR_INVALID_ARG, "bad time zone");
    *tz = ls__tz_load(name, (flags & LS_XFORM_PARSE_NO_FILES) == 0, &ze);
    if (*tz == NULL) {
        int shown = x->n > 200 ? 200 : (int)x->n;
        ls_error_prefix(&ze, "zone at offset %zu in \"%.*s%s\": ", start, shown, x->s,
                        x->n > 200 ? "..." : "");
        if (x->err != NULL) {
            *x->err = ze;
        }
        return ze.code;
    }
    return LS_OK;
}

/* The arguments after FIELD, up to and including ')'. */
static ls_err_t px_args(ls__px_t *x, unsigned flags, ls_xform_derive_t *d)
{
    px_ws(x);
    if (d->fn == LS_XFORM_COB_DATE) {
        LS_TRY(px_expect(x, ',', "cob_date needs a cut-off time and a zone: expected ','"));
        LS_TRY(px_cutoff(x, &d->cutoff));
        LS_TRY(px_expect(x, ',', "expected ',' and a time zone after the cut-off time"));
        LS_TRY(px_zone(x, flags, &d->tz));
        px_ws(x);
        if (px_at(x, ',')) {
            x->i++;
            px_ws(x);
            size_t start = x->i;
            while (x->i < x->n && is_alpha(x->s[x->i])) {
                x->i++;
            }
            if (x->i - start != 8 || strncasecmp(x->s + start, "weekdays", 8) != 0) {
                return px_fail(x, start, "expected 'weekdays'");
            }
            d->weekdays = true;
        }
    } else if (px_at(x, ',')) {
        x->i++;
        px_ws(x);
        LS_TRY(px_zone(x, flags, &d->tz));
    }
    return px_expect(x, ')', "expected ')'");
}

static ls_err_t px_expr(ls__px_t *x, unsigned flags, ls_xform_derive_t *d)
{
    const char *f = NULL;
    size_t fn = 0;
    LS_TRY(px_function(x, &d->fn));
    LS_TRY(px_expect(x, '(', "expected '('"));
    LS_TRY(px_field(x, &f, &fn));
    if ((d->source = ls_strndup(f, fn)) == NULL) {
        return ls_error_set(x->err, LS_ERR_NOMEM, "derived column: out of memory");
    }
    LS_TRY(px_args(x, flags, d));
    if (x->i != x->n) {
        return px_fail(x, x->i, "unexpected text after ')'");
    }
    return LS_OK;
}

ls_err_t ls_xform_derive_parse_ex(const char *expr, unsigned flags, ls_xform_derive_t **out,
                                  ls_error_t *err)
{
    *out = NULL;
    if (expr == NULL) {
        return ls_error_set(err, LS_ERR_INVALID_ARG, "derived column: no expression");
    }
    size_t n = strlen(expr);
    if (n > LS__EXPR_MAX) {
        return ls_error_set(err, LS_ERR_LIMIT, "derived column expression longer than %d bytes",
                            LS__EXPR_MAX);
    }
    ls_xform_derive_t *d = ls_calloc(1, sizeof(*d));
    if (d == NULL) {
        return ls_error_set(err, LS_ERR_NOMEM, "derived column: out of memory");
    }
    ls__px_t x = {expr, n, 0, err};
    ls_err_t rc = px_expr(&x, flags, d);
    if (rc != LS_OK) {
        ls_xform_derive_free(d);
        return rc;
    }
    *out = d;
    return LS_OK;
}

ls_err_t ls_xform_derive_parse(const char *expr, ls_xform_derive_t **out, ls_error_t *err)
{
    return ls_xform_derive_parse_ex(expr, 0, out, err);
}

/* ------------------------------------------------------------ accessors */

ls_xform_fn_t ls_xform_derive_fn(const ls_xform_derive_t *d)
{
    return d->fn;
}

const char *ls_xform_derive_source(const ls_xform_derive_t *d)
{
    return d->source;
}

const ls_tz_t *ls_xform_derive_zone(const ls_xform_derive_t *d)
{
    return d->tz;
}

ls_type_kind_t ls_xform_derive_kind(const ls_xform_derive_t *d)
{
    return d->fn == LS_XFORM_DATE || d->fn == LS_XFORM_COB_DATE ? LS_TYPE_DATE : LS_TYPE_INTEGER;
}

void ls_xform_derive_free(ls_xform_derive_t *d)
{
    if (d != NULL) {
        ls_tz_free(d->tz);
        ls_free(d->source);
        ls_free(d);
    }
}

/* ------------------------------------------------------------ evaluation */

/* 0001-01-01T00:00:00Z and 9999-12-31 as seconds / days since the epoch. */
#define LS__DAYS_0001 (-719162LL)
#define LS__DAYS_9999_12_31 2932896LL
#define LS__SECS_MIN (LS__DAYS_0001 * LS__DAY_SECS)
#define LS__SECS_END ((LS__DAYS_9999_12_31 + 1) * LS__DAY_SECS)

static ls_err_t range_error(const ls_xform_derive_t *d, int64_t ts_us, const char *what,
                            ls_error_t *err)
{
    return ls_error_set(err, LS_XFORM_ERR_RANGE,
                        "%s(%s): %s of timestamp %lld us is outside years 0001-9999",
                        ls_xform_fn_name(d->fn), d->source, what, (long long)ts_us);
}

ls_err_t ls_xform_derive_eval(const ls_xform_derive_t *d, int64_t ts_us, int32_t *out,
                              ls_error_t *err)
{
    int64_t secs = ls__floor_div(ts_us, LS__US_PER_SEC);
    if (secs < LS__SECS_MIN || secs >= LS__SECS_END) {
        return range_error(d, ts_us, "the instant", err);
    }
    int64_t local = secs + (d->tz != NULL ? ls_tz_offset(d->tz, secs) : 0);
    int64_t days = ls__floor_div(local, LS__DAY_SECS);
    int64_t sod = local - days * LS__DAY_SECS;
    if (days < LS__DAYS_0001 || days > LS__DAYS_9999_12_31) {
        return range_error(d, ts_us, "the local date", err);
    }
    int64_t y;
    int m, dd;
    switch (d->fn) {
    case LS_XFORM_HOUR: *out = (int32_t)(sod / 3600); return LS_OK;
    case LS_XFORM_DATE: *out = (int32_t)days; return LS_OK;
    case LS_XFORM_COB_DATE:
        if (sod >= d->cutoff) {
            days++;
        }
        if (d->weekdays) {
            int wd = ls_xform_weekday(days);
            days += wd == 6 ? 2 : (wd == 0 ? 1 : 0);
        }
        if (days > LS__DAYS_9999_12_31) {
            return range_error(d, ts_us, "the COB date", err);
        }
        *out = (int32_t)days;
        return LS_OK;
    default: break;
    }
    ls_xform_civil_from_days(days, &y, &m, &dd);
    *out = d->fn == LS_XFORM_YEAR ? (int32_t)y : (d->fn == LS_XFORM_MONTH ? m : dd);
    return LS_OK;
}

/*
 * tz_rule.c — POSIX TZ strings ("EST5EDT,M3.2.0,M11.1.0", "<+1030>-10:30<+11>-11,M10.1.0,
 * M4.1.0"): the parser, the offset a rule gives at an instant, and the expansion of a
 * rule into transitions for a zone's precomputed table.
 *
 * A rule has a standard offset and optionally a daylight offset with the two yearly
 * switches. The start switch is given in standard local time and the end switch in
 * daylight local time, so each converts to UTC with the offset in force before it. When
 * two switches fall on the same instant the start wins: that is how "permanent daylight
 * time" rules (0/0,J365/25) say daylight time never ends.
 * Not responsible for TZif files or zone names (tz.c).
 */
#include <stdio.h>
#include <string.h>

#include "xform_int.h"

/* Parser state over [s, s+n). */
typedef struct {
    const char *s;
    size_t n;
    size_t i;
    const char *what;
    ls_error_t *err;
} ls__pz_t;

static bool pz_digit(const ls__pz_t *z)
{
    return z->i < z->n && z->s[z->i] >= '0' && z->s[z->i] <= '9';
}

static bool pz_at(const ls__pz_t *z, char c)
{
    return z->i < z->n && z->s[z->i] == c;
}

static bool is_alpha(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static ls_err_t pz_fail(const ls__pz_t *z, const char *expected)
{
    int shown = z->n > 120 ? 120 : (int)z->n;
    return ls_error_set(z->err, LS_ERR_PARSE, "%s \"%.*s%s\": expected %s at offset %zu", z->what,
                        shown, z->s, z->n > 120 ? "..." : "", expected, z->i);
}

/* An abbreviation: 3+ letters, or <...> of 3+ letters, digits, '+' and '-'. */
static ls_err_t pz_name(ls__pz_t *z)
{
    size_t start;
    if (pz_at(z, '<')) {
        z->i++;
        start = z->i;
        while (z->i < z->n &&
               (is_alpha(z->s[z->i]) || pz_digit(z) || z->s[z->i] == '+' || z->s[z->i] == '-')) {
            z->i++;
        }
        if (z->i - start < 3 || !pz_at(z, '>')) {
            return pz_fail(z, "3 or more letters, digits, '+' or '-' and '>'");
        }
        z->i++;
        return LS_OK;
    }
    start = z->i;
    while (z->i < z->n && is_alpha(z->s[z->i])) {
        z->i++;
    }
    if (z->i - start < 3) {
        return pz_fail(z, "a zone abbreviation (3 or more letters, or <...>)");
    }
    return LS_OK;
}

/* Up to @p maxdig decimal digits. */
static bool pz_num(ls__pz_t *z, int maxdig, int32_t *v)
{
    int k = 0;
    int32_t x = 0;
    while (k < maxdig && pz_digit(z)) {
        x = x * 10 + (z->s[z->i] - '0');
        z->i++;
        k++;
    }
    *v = x;
    return k > 0;
}

/* [+|-]h[h[h]][:mm[:ss]] with hours up to @p max_h, as signed seconds. */
static ls_err_t pz_hms(ls__pz_t *z, int32_t max_h, const char *what, int32_t *secs)
{
    int32_t sign = 1, h = 0, m = 0, s = 0;
    if (pz_at(z, '+') || pz_at(z, '-')) {
        sign = z->s[z->i] == '-' ? -1 : 1;
        z->i++;
    }
    size_t at = z->i;
    if (!pz_num(z, 3, &h) || h > max_h) {
        z->i = at;
        return pz_fail(z, what);
    }
    if (pz_at(z, ':')) {
        z->i++;
        if (!pz_num(z, 2, &m) || m > 59) {
            return pz_fail(z, "minutes 00-59");
        }
        if (pz_at(z, ':')) {
            z->i++;
            if (!pz_num(z, 2, &s) || s > 59) {
                return pz_fail(z, "seconds 00-59");
            }
        }
    }
    *secs = sign * (h * 3600 + m * 60 + s);
    return LS_OK;
}

/* One bounded number after a prefix character, checked against [lo, hi]. */
static ls_err_t pz_field(ls__pz_t *z, int maxdig, int32_t lo, int32_t hi, const char *what,
                         int32_t *v)
{
    size_t at = z->i;
    if (!pz_num(z, maxdig, v) || *v < lo || *v > hi) {
        z->i = at;
        return pz_fail(z, what);
    }
    return LS_OK;
}

/* Jn | n | Mm.w.d, then an optional /time. */
static ls_err_t pz_date(ls__pz_t *z, ls__tz_date_t *dt)
{
    int32_t a = 0, b = 0, c = 0;
    memset(dt, 0, sizeof(*dt));
    if (pz_at(z, 'J')) {
        z->i++;
        LS_TRY(pz_field(z, 3, 1, 365, "a day 1-365 after 'J'", &a));
        dt->kind = LS__TZ_JULIAN1;
        dt->n = (int16_t)a;
    } else if (pz_at(z, 'M')) {
        z->i++;
        LS_TRY(pz_field(z, 2, 1, 12, "a month 1-12 after 'M'", &a));
        if (!pz_at(z, '.')) {
            return pz_fail(z, "'.' after the month");
        }
        z->i++;
        LS_TRY(pz_field(z, 1, 1, 5, "a week 1-5", &b));
        if (!pz_at(z, '.')) {
            return pz_fail(z, "'.' after the week");
        }
        z->i++;
        LS_TRY(pz_field(z, 1, 0, 6, "a weekday 0-6", &c));
        dt->kind = LS__TZ_MWD;
        dt->mon = (int8_t)a;
        dt->week = (int8_t)b;
        dt->wday = (int8_t)c;
    } else {
        LS_TRY(pz_field(z, 3, 0, 365, "a rule date (Jn, n or Mm.w.d)", &a));
        dt->kind = LS__TZ_JULIAN0;
        dt->n = (int16_t)a;
    }
    dt->secs = 2 * 3600;
    if (pz_at(z, '/')) {
        z->i++;
        LS_TRY(pz_hms(z, 167, "a switch time (hours -167..167)", &dt->secs));
    }
    return LS_OK;
}

static void default_us_rules(ls__tz_rule_t *r)
{
    /* What glibc assumes for a daylight zone without rules: the US rules since 2007. */
    r->start = (ls__tz_date_t){LS__TZ_MWD, 0, 3, 2, 0, 2 * 3600};
    r->end = (ls__tz_date_t){LS__TZ_MWD, 0, 11, 1, 0, 2 * 3600};
}

ls_err_t ls__tz_rule_parse(const char *s, size_t n, const char *what, ls__tz_rule_t *r,
                           ls_error_t *err)
{
    ls__pz_t z = {s, n, 0, what, err};
    int32_t v = 0;
    memset(r, 0, sizeof(*r));
    LS_TRY(pz_name(&z));
    LS_TRY(pz_hms(&z, 24, "a UTC offset (hours 0-24)", &v));
    r->std_off = -v; /* POSIX offsets count west */
    if (z.i == z.n) {
        return LS_OK;
    }
    LS_TRY(pz_name(&z));
    r->has_dst = true;
    r->dst_off = r->std_off + 3600;
    if (pz_digit(&z) || pz_at(&z, '+') || pz_at(&z, '-')) {
        LS_TRY(pz_hms(&z, 24, "a daylight UTC offset (hours 0-24)", &v));
        r->dst_off = -v;
    }
    if (z.i == z.n) {
        default_us_rules(r);
        return LS_OK;
    }
    if (!pz_at(&z, ',')) {
        return pz_fail(&z, "',' before the start rule");
    }
    z.i++;
    LS_TRY(pz_date(&z, &r->start));
    if (!pz_at(&z, ',')) {
        return pz_fail(&z, "',' before the end rule");
    }
    z.i++;
    LS_TRY(pz_date(&z, &r->end));
    if (z.i != z.n) {
        return pz_fail(&z, "the end of the string");
    }
    return LS_OK;
}

/* Day number of a rule date in year @p y. */
static int64_t rule_day(const ls__tz_date_t *dt, int64_t y)
{
    if (dt->kind == LS__TZ_MWD) {
        int64_t first = ls_xform_days_from_civil(y, dt->mon, 1);
        int64_t day = first + (dt->wday - ls_xform_weekday(first) + 7) % 7 + 7 * (dt->week - 1);
        int64_t end = first + ls__month_days(y, dt->mon);
        while (day >= end) {
            day -= 7;
        }
        return day;
    }
    int64_t jan1 = ls_xform_days_from_civil(y, 1, 1);
    if (dt->kind == LS__TZ_JULIAN1) {
        /* Jn never counts February 29: from March on, a leap year is one day ahead. */
        return jan1 + dt->n - 1 + (ls__is_leap(y) && dt->n >= 60 ? 1 : 0);
    }
    return jan1 + dt->n;
}

/* The year's two switches in order, each with the offset it switches to; on a tie the
 * start comes second so that it wins. */
typedef struct {
    int64_t at[2];
    int32_t off[2];
    bool is_start[2];
} ls__switches_t;

static void year_switches(const ls__tz_rule_t *r, int64_t y, ls__switches_t *w)
{
    int64_t start = rule_day(&r->start, y) * LS__DAY_SECS + r->start.secs - r->std_off;
    int64_t end = rule_day(&r->end, y) * LS__DAY_SECS + r->end.secs - r->dst_off;
    int first_start = start < end;
    w->at[0] = first_start ? start : end;
    w->off[0] = first_start ? r->dst_off : r->std_off;
    w->is_start[0] = first_start;
    w->at[1] = first_start ? end : start;
    w->off[1] = first_start ? r->std_off : r->dst_off;
    w->is_start[1] = !first_start;
}

static int64_t clamp_t(int64_t t)
{
    return t < LS__TZ_T_MIN ? LS__TZ_T_MIN : (t > LS__TZ_T_MAX ? LS__TZ_T_MAX : t);
}

int32_t ls__tz_rule_offset(const ls__tz_rule_t *r, int64_t t)
{
    if (!r->has_dst) {
        return r->std_off;
    }
    t = clamp_t(t);
    int64_t y;
    int m, d;
    ls_xform_civil_from_days(ls__floor_div(t, LS__DAY_SECS), &y, &m, &d);
    /* The latest switch at or before t among the neighbouring years' decides; switches
     * may spill a week into the next year (rule times reach 167 hours). */
    bool found = false, best_start = false;
    int64_t best_at = 0;
    int32_t best = r->std_off;
    for (int64_t yy = y - 1; yy <= y + 1; yy++) {
        ls__switches_t w;
        year_switches(r, yy, &w);
        for (int k = 0; k < 2; k++) {
            if (w.at[k] > t) {
                continue;
            }
            if (!found || w.at[k] > best_at ||
                (w.at[k] == best_at && w.is_start[k] && !best_start)) {
                found = true;
                best_at = w.at[k];
                best = w.off[k];
                best_start = w.is_start[k];
            }
        }
    }
    return best;
}

size_t ls__tz_rule_expand(const ls__tz_rule_t *r, int64_t y0, int64_t y1, int64_t after,
                          int64_t limit, int64_t *at, int32_t *off, size_t cap)
{
    size_t k = 0;
    int64_t prev = 0;
    if (!r->has_dst) {
        return 0;
    }
    for (int64_t y = y0; y <= y1; y++) {
        ls__switches_t w;
        year_switches(r, y, &w);
        for (int j = 0; j < 2; j++) {
            int64_t a = w.at[j];
            if (a <= after || a >= limit || (k > 0 && a < prev)) {
                continue; /* out of range, or out of order (only a degenerate rule) */
            }
            if (k > 0 && a == prev) {
                if (at != NULL && k - 1 < cap) {
                    off[k - 1] = w.off[j]; /* a tie: the later switch wins */
                }
                continue;
            }
            if (at != NULL && k < cap) {
                at[k] = a;
                off[k] = w.off[j];
            }
            prev = a;
            k++;
        }
    }
    return k;
}

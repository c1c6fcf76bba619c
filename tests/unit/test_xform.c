/*
 * test_xform.c — the calendar helpers, fixed-offset and POSIX TZ string zones, the
 * derived-column expression parser (every error path, quoting, whitespace, allocation
 * failures) and evaluation (each function, negative instants, the 0001-9999 bounds,
 * COB cut-off and weekday roll). Zone files and TZif data: test_xform_tz.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lakesink/alloc.h"
#include "lakesink/xform.h"
#include "testutil.h"

#define US 1000000LL

/* Seconds since the epoch of a UTC civil time. */
static int64_t utc(int64_t y, int mo, int d, int h, int mi, int s)
{
    return ls_xform_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
}

static ls_xform_derive_t *parse_ok(const char *expr)
{
    ls_xform_derive_t *d = NULL;
    ls_error_t err;
    ls_err_t rc = ls_xform_derive_parse(expr, &d, &err);
    if (rc != LS_OK) {
        print_message("parse(%s): %s\n", expr, err.msg);
    }
    assert_int_equal(rc, LS_OK);
    assert_non_null(d);
    return d;
}

static int32_t eval_ok(const ls_xform_derive_t *d, int64_t secs)
{
    int32_t v = -12345;
    ls_error_t err;
    ls_err_t rc = ls_xform_derive_eval(d, secs * US, &v, &err);
    if (rc != LS_OK) {
        print_message("eval: %s\n", err.msg);
    }
    assert_int_equal(rc, LS_OK);
    return v;
}

static int32_t eval1(const char *expr, int64_t secs)
{
    ls_xform_derive_t *d = parse_ok(expr);
    int32_t v = eval_ok(d, secs);
    ls_xform_derive_free(d);
    return v;
}

/* ------------------------------------------------------------ calendar */

static void test_civil_known(void **state)
{
    (void)state;
    assert_int_equal(ls_xform_days_from_civil(1970, 1, 1), 0);
    assert_int_equal(ls_xform_days_from_civil(2000, 3, 1), 11017);
    assert_int_equal(ls_xform_days_from_civil(2000, 2, 29), 11016);
    assert_int_equal(ls_xform_days_from_civil(1969, 12, 31), -1);
    assert_int_equal(ls_xform_days_from_civil(1, 1, 1), -719162);
    assert_int_equal(ls_xform_days_from_civil(9999, 12, 31), 2932896);
    assert_int_equal(ls_xform_days_from_civil(0, 3, 1), -719468);
    assert_int_equal(ls_xform_weekday(0), 4);                                     /* Thursday */
    assert_int_equal(ls_xform_weekday(ls_xform_days_from_civil(2024, 6, 14)), 5); /* Friday */
    assert_int_equal(ls_xform_weekday(ls_xform_days_from_civil(1, 1, 1)), 1);     /* Monday */
    assert_int_equal(ls_xform_weekday(-1), 3);
}

/* Every day of years -1..10001 goes to a date and back; consecutive days are consecutive
 * dates; weekdays cycle. */
static void test_civil_roundtrip(void **state)
{
    (void)state;
    int64_t first = ls_xform_days_from_civil(-1, 1, 1),
            last = ls_xform_days_from_civil(10001, 12, 31);
    int64_t py = -2;
    int pm = 12, pd = 31;
    for (int64_t z = first; z <= last; z++) {
        int64_t y;
        int m, d;
        ls_xform_civil_from_days(z, &y, &m, &d);
        if (ls_xform_days_from_civil(y, m, d) != z) {
            fail_msg("day %lld -> %lld-%d-%d does not round-trip", (long long)z, (long long)y, m,
                     d);
        }
        bool next = (y == py && m == pm && d == pd + 1) || (y == py && m == pm + 1 && d == 1) ||
                    (y == py + 1 && m == 1 && d == 1 && pm == 12 && pd == 31);
        if (!next) {
            fail_msg("day %lld: %lld-%d-%d does not follow %lld-%d-%d", (long long)z, (long long)y,
                     m, d, (long long)py, pm, pd);
        }
        py = y;
        pm = m;
        pd = d;
    }
    assert_int_equal(py, 10001);
}

/* Against glibc's gmtime_r for random instants over years 1..9999. */
static void test_civil_vs_gmtime(void **state)
{
    (void)state;
    uint64_t rs = 42;
    int64_t lo = utc(1, 1, 1, 0, 0, 0), hi = utc(9999, 12, 31, 23, 59, 59);
    for (int i = 0; i < 20000; i++) {
        int64_t t = lo + (int64_t)(ls_test_rand(&rs) % (uint64_t)(hi - lo));
        time_t tt = (time_t)t;
        struct tm tm;
        assert_non_null(gmtime_r(&tt, &tm));
        int64_t days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
        int64_t y;
        int m, d;
        ls_xform_civil_from_days(days, &y, &m, &d);
        assert_int_equal(y, tm.tm_year + 1900LL);
        assert_int_equal(m, tm.tm_mon + 1);
        assert_int_equal(d, tm.tm_mday);
        assert_int_equal(ls_xform_weekday(days), tm.tm_wday);
    }
}

/* ------------------------------------------------------------ fixed zones and names */

static void test_fixed_offsets(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        int32_t off;
    } ok[] = {{"UTC", 0},       {"Z", 0},          {"+05:30", 19800}, {"-0800", -28800},
              {"+05", 18000},   {"-00:00", 0},     {"+23:59", 86340}, {"-12", -43200},
              {"+1245", 45900}, {"-03:30", -12600}};
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        ls_error_t err;
        ls_tz_t *tz = ls_tz_load(ok[i].name, &err);
        assert_non_null(tz);
        assert_string_equal(ls_tz_name(tz), ok[i].name);
        assert_int_equal(ls_tz_offset(tz, 0), ok[i].off);
        assert_int_equal(ls_tz_offset(tz, INT64_MIN), ok[i].off);
        assert_int_equal(ls_tz_offset(tz, INT64_MAX), ok[i].off);
        ls_tz_free(tz);
    }
    assert_int_equal(ls_tz_offset(NULL, 12345), 0);
    assert_string_equal(ls_tz_name(NULL), "UTC");
    ls_tz_free(NULL);
}

static void test_bad_names(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        ls_err_t code;
        const char *msg;
    } bad[] = {
        {"", LS_ERR_INVALID_ARG, "empty"},
        {"+24:00", LS_ERR_INVALID_ARG, "UTC offset"},
        {"+05:60", LS_ERR_INVALID_ARG, "UTC offset"},
        {"+5", LS_ERR_INVALID_ARG, "UTC offset"},
        {"+05:3", LS_ERR_INVALID_ARG, "UTC offset"},
        {"+0530x", LS_ERR_INVALID_ARG, "UTC offset"},
        {"-", LS_ERR_INVALID_ARG, "UTC offset"},
        {"../etc/passwd", LS_ERR_INVALID_ARG, "\"..\""},
        {"America/../../etc/passwd", LS_ERR_INVALID_ARG, "\"..\""},
        {"/etc/localtime", LS_ERR_INVALID_ARG, "start with '/'"},
        {"America/New York", LS_ERR_INVALID_ARG, "offset 11"},
        {"Europe/Lon;don", LS_ERR_INVALID_ARG, "offset 10"},
        {"EST5EDT,M3.2.0", LS_ERR_INVALID_ARG, "POSIX TZ string"},
        {"No/Such_Zone", LS_ERR_NOT_FOUND, "unknown time zone"},
        {"America", LS_ERR_NOT_FOUND, "not a zone file"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ls_error_t err;
        ls_error_clear(&err);
        ls_tz_t *tz = ls_tz_load(bad[i].name, &err);
        if (tz != NULL || err.code != bad[i].code || strstr(err.msg, bad[i].msg) == NULL) {
            fail_msg("%s: got %s \"%s\"", bad[i].name, ls_err_name(err.code), err.msg);
        }
        assert_null(ls_tz_load(bad[i].name, NULL)); /* a NULL err is fine */
    }
    char longname[300];
    memset(longname, 'A', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = '\0';
    ls_error_t err;
    assert_null(ls_tz_load(longname, &err));
    assert_int_equal(err.code, LS_ERR_INVALID_ARG);
    assert_null(ls_tz_load(NULL, &err));
}

/* ------------------------------------------------------------ POSIX TZ strings */

static int32_t posix_off(const char *s, int64_t t)
{
    ls_tz_t *tz = NULL;
    ls_error_t err;
    if (ls_tz_parse_posix(s, strlen(s), &tz, &err) != LS_OK) {
        fail_msg("%s: %s", s, err.msg);
    }
    int32_t off = ls_tz_offset(tz, t);
    ls_tz_free(tz);
    return off;
}

static void test_posix_rules(void **state)
{
    (void)state;
    const char *ny = "EST5EDT,M3.2.0,M11.1.0";
    assert_int_equal(posix_off(ny, utc(2024, 3, 10, 6, 59, 59)), -18000);
    assert_int_equal(posix_off(ny, utc(2024, 3, 10, 7, 0, 0)), -14400);
    assert_int_equal(posix_off(ny, utc(2024, 11, 3, 5, 59, 59)), -14400);
    assert_int_equal(posix_off(ny, utc(2024, 11, 3, 6, 0, 0)), -18000);
    /* the same switches far beyond the precomputed table */
    int64_t m1 = ls_xform_days_from_civil(2500, 3, 1);
    int64_t sun2 = m1 + (7 - ls_xform_weekday(m1)) % 7 + 7; /* the second Sunday */
    assert_int_equal(posix_off(ny, sun2 * 86400 + 7 * 3600 - 1), -18000);
    assert_int_equal(posix_off(ny, sun2 * 86400 + 7 * 3600), -14400);
    /* southern hemisphere, half-hour daylight shift, quoted names */
    const char *lh = "<+1030>-10:30<+11>-11,M10.1.0,M4.1.0";
    assert_int_equal(posix_off(lh, utc(2024, 1, 1, 0, 0, 0)), 39600);
    assert_int_equal(posix_off(lh, utc(2024, 7, 1, 0, 0, 0)), 37800);
    assert_int_equal(posix_off(lh, utc(2999, 12, 31, 23, 0, 0)), 39600);
    assert_int_equal(posix_off("<+0330>-3:30", 0), 12600);
    assert_int_equal(posix_off("IST-5:30", 0), 19800);
    assert_int_equal(posix_off("EST5", 0), -18000);
    assert_int_equal(posix_off("UTC0", 0), 0);
    /* daylight without rules: US rules, one hour ahead */
    assert_int_equal(posix_off("EST5EDT", utc(2030, 7, 1, 0, 0, 0)), -14400);
    assert_int_equal(posix_off("EST5EDT", utc(2030, 1, 1, 0, 0, 0)), -18000);
    /* permanent daylight time (TZif v3): daylight all year, also at the year's edges */
    const char *perm = "EST5EDT4,0/0,J365/25";
    for (int y = 1900; y <= 2300; y += 7) {
        assert_int_equal(posix_off(perm, utc(y, 1, 1, 0, 0, 0)), -14400);
        assert_int_equal(posix_off(perm, utc(y, 1, 1, 4, 30, 0)), -14400);
        assert_int_equal(posix_off(perm, utc(y, 12, 31, 23, 0, 0)), -14400);
        assert_int_equal(posix_off(perm, utc(y, 7, 1, 0, 0, 0)), -14400);
    }
    /* Jn skips Feb 29, n counts it: J60 is March 1, 59 is Feb 29 in leap years */
    assert_int_equal(posix_off("AAA3BBB,J60/0,J300/0", utc(2024, 3, 1, 2, 59, 59)), -10800);
    assert_int_equal(posix_off("AAA3BBB,J60/0,J300/0", utc(2024, 3, 1, 3, 0, 0)), -7200);
    assert_int_equal(posix_off("AAA3BBB,59/0,300/0", utc(2024, 2, 29, 2, 59, 59)), -10800);
    assert_int_equal(posix_off("AAA3BBB,59/0,300/0", utc(2024, 2, 29, 3, 0, 0)), -7200);
    assert_int_equal(posix_off("AAA3BBB,59/0,300/0", utc(2023, 3, 1, 3, 0, 0)), -7200);
    /* negative and > 24 h switch times (v3) */
    const char *gl = "<-02>2<-01>,M3.5.0/-1,M10.5.0/0"; /* last Sun of March 2024 = 31st */
    assert_int_equal(posix_off(gl, utc(2024, 3, 31, 0, 59, 59)), -7200);
    assert_int_equal(posix_off(gl, utc(2024, 3, 31, 1, 0, 0)), -3600);
    assert_int_equal(posix_off("AAA0BBB,M3.1.0/167,M10.1.0", utc(2024, 3, 9, 23, 0, 0)), 3600);
    assert_int_equal(posix_off("AAA0BBB,M3.1.0/167,M10.1.0", utc(2024, 3, 9, 22, 59, 59)), 0);
}

static void test_posix_errors(void **state)
{
    (void)state;
    static const char *bad[] = {
        "",
        "E5",
        "EST",
        "EST5EDT,",
        "EST5EDT,M13.1.0,M11.1.0",
        "EST5EDT,M3.6.0,M11.1.0",
        "EST5EDT,M3.2.7,M11.1.0",
        "EST5EDT,J0,J365",
        "EST5EDT,366,1",
        "<AB>5",
        "<ABC5",
        "EST25",
        "EST5EDT,M3.2.0/168,M11.1.0",
        "EST5EDT,M3.2.0,M11.1.0x",
        "EST5:60",
        "EST5:30:60",
        "EST5EDT,M3.2.0",
        "EST5EDT;M3.2.0,M11.1.0",
        "EST5EDT,M3,M11.1.0",
        "EST5EDT,M3.2,M11.1.0",
        "EST5EDT,M3.2.0/,M11.1.0",
        "EST5EDT,M3.2.0/1:,M11.1.0",
        "EST+",
        "EST5EDT,J,J1",
        "EST5E",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ls_tz_t *tz = NULL;
        ls_error_t err;
        ls_err_t rc = ls_tz_parse_posix(bad[i], strlen(bad[i]), &tz, &err);
        if (rc != LS_ERR_PARSE || tz != NULL || strstr(err.msg, "at offset") == NULL) {
            fail_msg("\"%s\": %s %s", bad[i], ls_err_name(rc), err.msg);
        }
    }
    /* not NUL-terminated: only n bytes are read */
    ls_tz_t *tz = NULL;
    assert_int_equal(ls_tz_parse_posix("EST5EDT", 4, &tz, NULL), LS_OK);
    assert_string_equal(ls_tz_name(tz), "EST5");
    assert_int_equal(ls_tz_offset(tz, utc(2024, 7, 1, 0, 0, 0)), -18000);
    ls_tz_free(tz);
    /* through ls_tz_load: a POSIX-looking name with no file */
    ls_error_t err;
    tz = ls_tz_load("JST-9", &err);
    assert_non_null(tz);
    assert_int_equal(ls_tz_offset(tz, 0), 32400);
    ls_tz_free(tz);
    tz = ls_tz_load("<+0330>-3:30", &err);
    assert_non_null(tz);
    assert_int_equal(ls_tz_offset(tz, 0), 12600);
    ls_tz_free(tz);
}

/* ------------------------------------------------------------ expressions */

static void test_expr_forms(void **state)
{
    (void)state;
    static const struct {
        const char *expr;
        ls_xform_fn_t fn;
        ls_type_kind_t kind;
        const char *source;
        const char *zone;
    } ok[] = {
        {"year(ts)", LS_XFORM_YEAR, LS_TYPE_INTEGER, "ts", NULL},
        {"month(event.time)", LS_XFORM_MONTH, LS_TYPE_INTEGER, "event.time", NULL},
        {"day(a-b_c9)", LS_XFORM_DAY, LS_TYPE_INTEGER, "a-b_c9", NULL},
        {"hour(ts, +05:30)", LS_XFORM_HOUR, LS_TYPE_INTEGER, "ts", "+05:30"},
        {"date(ts,UTC)", LS_XFORM_DATE, LS_TYPE_DATE, "ts", "UTC"},
        {"date(\n  ts,\r\n  UTC\n)\n", LS_XFORM_DATE, LS_TYPE_DATE, "ts", "UTC"},
        {"  DATE ( ts ,\t'EST5EDT,M3.2.0,M11.1.0' )  ", LS_XFORM_DATE, LS_TYPE_DATE, "ts",
         "EST5EDT,M3.2.0,M11.1.0"},
        {"Hour(ts, \"<+0330>-3:30\")", LS_XFORM_HOUR, LS_TYPE_INTEGER, "ts", "<+0330>-3:30"},
        {"date(ts, <+0330>-3:30)", LS_XFORM_DATE, LS_TYPE_DATE, "ts", "<+0330>-3:30"},
        {"cob_date(ts, 17:00, -0500)", LS_XFORM_COB_DATE, LS_TYPE_DATE, "ts", "-0500"},
        {"cob_date( ts ,16:30:15 , Z , WEEKDAYS )", LS_XFORM_COB_DATE, LS_TYPE_DATE, "ts", "Z"},
    };
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        ls_xform_derive_t *d = parse_ok(ok[i].expr);
        assert_int_equal(ls_xform_derive_fn(d), ok[i].fn);
        assert_int_equal(ls_xform_derive_kind(d), ok[i].kind);
        assert_string_equal(ls_xform_derive_source(d), ok[i].source);
        if (ok[i].zone == NULL) {
            assert_null(ls_xform_derive_zone(d));
        } else {
            assert_string_equal(ls_tz_name(ls_xform_derive_zone(d)), ok[i].zone);
        }
        ls_xform_derive_free(d);
    }
    assert_string_equal(ls_xform_fn_name(LS_XFORM_COB_DATE), "cob_date");
    assert_string_equal(ls_xform_fn_name((ls_xform_fn_t)99), "?");
    ls_xform_derive_free(NULL);
}

static void expect_error(const char *expr, unsigned flags, ls_err_t code, const char *msg)
{
    ls_xform_derive_t *d = (ls_xform_derive_t *)1;
    ls_error_t err;
    ls_error_clear(&err);
    ls_err_t rc = ls_xform_derive_parse_ex(expr, flags, &d, &err);
    if (rc != code || err.code != code || d != NULL || strstr(err.msg, msg) == NULL) {
        fail_msg("%s: got %s \"%s\", wanted %s \"%s\"", expr ? expr : "(null)", ls_err_name(rc),
                 err.msg, ls_err_name(code), msg);
    }
    d = (ls_xform_derive_t *)1;
    assert_int_equal(ls_xform_derive_parse_ex(expr, flags, &d, NULL), code);
    assert_null(d);
}

static void test_expr_errors(void **state)
{
    (void)state;
    expect_error("day(ts", 0, LS_ERR_PARSE, "expected ')' at offset 6 in \"day(ts\"");
    expect_error("", 0, LS_ERR_PARSE, "expected a function name at offset 0");
    expect_error("   ", 0, LS_ERR_PARSE, "expected a function name at offset 3");
    expect_error("(ts)", 0, LS_ERR_PARSE, "expected a function name at offset 0");
    expect_error("week(ts)", 0, LS_ERR_PARSE, "unknown function \"week\"");
    expect_error("dates(ts)", 0, LS_ERR_PARSE, "unknown function \"dates\" (expected year");
    expect_error("day ts", 0, LS_ERR_PARSE, "expected '(' at offset 4");
    expect_error("day", 0, LS_ERR_PARSE, "expected '(' at offset 3");
    expect_error("day()", 0, LS_ERR_PARSE, "expected a field name");
    expect_error("day( )", 0, LS_ERR_PARSE,
                 "expected a field name (letters, digits, _ . -) at offset 5");
    expect_error("day(t$s)", 0, LS_ERR_PARSE, "expected ')' at offset 5");
    expect_error("day(ts,)", 0, LS_ERR_PARSE, "expected a time zone at offset 7");
    expect_error("day(ts, )", 0, LS_ERR_PARSE, "expected a time zone at offset 8");
    expect_error("day(ts, '')", 0, LS_ERR_PARSE, "expected a time zone at offset 8");
    expect_error("day(ts, '+05:30)", 0, LS_ERR_PARSE, "unterminated quoted zone at offset 8");
    expect_error("day(ts, UTC UTC)", 0, LS_ERR_PARSE, "expected ')' at offset 12");
    expect_error("day(ts, UTC, UTC)", 0, LS_ERR_PARSE, "expected ')' at offset 11");
    expect_error("day(ts) x", 0, LS_ERR_PARSE, "unexpected text after ')' at offset 8");
    expect_error("day(ts))", 0, LS_ERR_PARSE, "unexpected text after ')' at offset 7");
    expect_error("day(ts, Nowhere/Zone)", 0, LS_ERR_NOT_FOUND,
                 "zone at offset 8 in \"day(ts, Nowhere/Zone)\": unknown time zone");
    expect_error("day(ts, ../etc/passwd)", 0, LS_ERR_INVALID_ARG, "zone at offset 8");
    expect_error("day(ts, '/etc/localtime')", 0, LS_ERR_INVALID_ARG, "start with '/'");
    expect_error("day(ts, +25:00)", 0, LS_ERR_INVALID_ARG, "UTC offset");
    expect_error("day(ts, 'EST5EDT,M3.2.0')", 0, LS_ERR_INVALID_ARG, "POSIX TZ string");
    expect_error("cob_date(ts)", 0, LS_ERR_PARSE, "cob_date needs a cut-off time and a zone");
    expect_error("cob_date(ts, UTC)", 0, LS_ERR_PARSE,
                 "expected a cut-off time HH:MM[:SS] (two digits) at offset 13");
    expect_error("cob_date(ts, 17, UTC)", 0, LS_ERR_PARSE,
                 "expected ':' and minutes in the cut-off time at offset 15");
    expect_error("cob_date(ts, 1:00, UTC)", 0, LS_ERR_PARSE, "two digits");
    expect_error("cob_date(ts, 17:0, UTC)", 0, LS_ERR_PARSE, "two digits) at offset 16");
    expect_error("cob_date(ts, 17:00:1, UTC)", 0, LS_ERR_PARSE, "two digits) at offset 19");
    expect_error("cob_date(ts, 24:00, UTC)", 0, LS_ERR_PARSE,
                 "cut-off time out of range (00:00:00-23:59:59) at offset 13");
    expect_error("cob_date(ts, 17:60, UTC)", 0, LS_ERR_PARSE, "out of range");
    expect_error("cob_date(ts, 17:00:60, UTC)", 0, LS_ERR_PARSE, "out of range");
    expect_error("cob_date(ts, 17:00:00:00, UTC)", 0, LS_ERR_PARSE,
                 "expected ',' and a time zone after the cut-off time at offset 21");
    expect_error("cob_date(ts, 17:00)", 0, LS_ERR_PARSE, "expected ',' and a time zone");
    expect_error("cob_date(ts, 17:00,)", 0, LS_ERR_PARSE, "expected a time zone at offset 19");
    expect_error("cob_date(ts, 17:00, UTC, weekend)", 0, LS_ERR_PARSE,
                 "expected 'weekdays' at offset 25");
    expect_error("cob_date(ts, 17:00, UTC, )", 0, LS_ERR_PARSE, "expected 'weekdays'");
    expect_error("cob_date(ts, 17:00, UTC, weekdays", 0, LS_ERR_PARSE, "expected ')' at offset 33");
    expect_error("cob_date(ts, 17:00, UTC, weekdays, x)", 0, LS_ERR_PARSE,
                 "expected ')' at offset 33");
    expect_error("day(ts, America/New_York)", LS_XFORM_PARSE_NO_FILES, LS_ERR_UNSUPPORTED,
                 "zone files are not allowed here");
    expect_error(NULL, 0, LS_ERR_INVALID_ARG, "no expression");

    char big[5000];
    memset(big, ' ', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    expect_error(big, 0, LS_ERR_LIMIT, "longer than 4096");
    char field[1100];
    snprintf(field, sizeof(field), "day(%01030d)", 0);
    expect_error(field, 0, LS_ERR_PARSE, "field name longer than 1024 bytes at offset 4");
    char zone[300];
    snprintf(zone, sizeof(zone), "day(ts, %0270d)", 0);
    expect_error(zone, 0, LS_ERR_PARSE, "time zone name longer than 255 bytes at offset 8");
    /* a long expression is shown shortened in the message */
    char longexpr[600];
    snprintf(longexpr, sizeof(longexpr), "day(%0400d", 0);
    expect_error(longexpr, 0, LS_ERR_PARSE, "...\"");
    /* NO_FILES still takes what needs no file */
    ls_xform_derive_t *d = NULL;
    assert_int_equal(ls_xform_derive_parse_ex("date(ts, 'EST5EDT,M3.2.0,M11.1.0')",
                                              LS_XFORM_PARSE_NO_FILES, &d, NULL),
                     LS_OK);
    ls_xform_derive_free(d);
    assert_int_equal(ls_xform_derive_parse_ex("date(ts, EST5)", LS_XFORM_PARSE_NO_FILES, &d, NULL),
                     LS_OK);
    ls_xform_derive_free(d);
}

/* Every allocation of a parse failing in turn: LS_ERR_NOMEM and nothing leaked. */
static void test_expr_nomem(void **state)
{
    (void)state;
    static const char *exprs[] = {"cob_date(ts, 17:00, America/New_York, weekdays)",
                                  "date(ts, 'CET-1CEST,M3.5.0,M10.5.0/3')", "hour(ts, EST5)",
                                  "year(ts, +01:00)"};
    for (size_t k = 0; k < sizeof(exprs) / sizeof(exprs[0]); k++) {
        bool done = false;
        for (long n = 0; n < 200 && !done; n++) {
            ls_xform_derive_t *d = NULL;
            ls_error_t err;
            ls_alloc_fail_after(n, 1);
            ls_err_t rc = ls_xform_derive_parse(exprs[k], &d, &err);
            ls_alloc_fail_after(-1, 0);
            if (rc == LS_OK) {
                done = true;
                assert_int_equal(eval_ok(d, 0) >= 0, 1);
                ls_xform_derive_free(d);
            } else if (rc != LS_ERR_NOMEM) {
                fail_msg("%s: allocation %ld failing gave %s: %s", exprs[k], n, ls_err_name(rc),
                         err.msg);
            } else {
                assert_null(d);
            }
        }
        assert_true(done);
    }
}

/* ------------------------------------------------------------ evaluation */

static void test_eval_utc(void **state)
{
    (void)state;
    int64_t t = utc(2024, 3, 10, 7, 8, 9);
    assert_int_equal(eval1("year(ts)", t), 2024);
    assert_int_equal(eval1("month(ts)", t), 3);
    assert_int_equal(eval1("day(ts)", t), 10);
    assert_int_equal(eval1("hour(ts)", t), 7);
    assert_int_equal(eval1("date(ts)", t), ls_xform_days_from_civil(2024, 3, 10));
    /* before the epoch: floor, not truncation, of negative microseconds */
    ls_xform_derive_t *d = parse_ok("date(ts)");
    ls_xform_derive_t *h = parse_ok("hour(ts)");
    int32_t v;
    assert_int_equal(ls_xform_derive_eval(d, -1, &v, NULL), LS_OK);
    assert_int_equal(v, -1);
    assert_int_equal(ls_xform_derive_eval(h, -1, &v, NULL), LS_OK);
    assert_int_equal(v, 23);
    assert_int_equal(ls_xform_derive_eval(d, 0, &v, NULL), LS_OK);
    assert_int_equal(v, 0);
    assert_int_equal(ls_xform_derive_eval(d, 86400 * US - 1, &v, NULL), LS_OK);
    assert_int_equal(v, 0);
    ls_xform_derive_free(d);
    ls_xform_derive_free(h);
    assert_int_equal(eval1("year(ts)", utc(1, 1, 1, 0, 0, 0)), 1);
    assert_int_equal(eval1("day(ts)", utc(1600, 2, 29, 12, 0, 0)), 29);
    assert_int_equal(eval1("month(ts)", utc(1900, 2, 28, 23, 59, 59)), 2);
    assert_int_equal(eval1("day(ts)", utc(1900, 3, 1, 0, 0, 0)), 1);
}

static void test_eval_fixed(void **state)
{
    (void)state;
    assert_int_equal(eval1("hour(ts, +05:30)", utc(2024, 1, 1, 0, 0, 0)), 5);
    assert_int_equal(eval1("hour(ts, +05:30)", utc(2024, 1, 1, 18, 29, 59)), 23);
    assert_int_equal(eval1("day(ts, +05:30)", utc(2024, 1, 1, 18, 30, 0)), 2);
    assert_int_equal(eval1("date(ts, -0800)", utc(2024, 1, 1, 7, 59, 59)),
                     ls_xform_days_from_civil(2023, 12, 31));
    assert_int_equal(eval1("year(ts, -0800)", utc(2024, 1, 1, 7, 59, 59)), 2023);
    assert_int_equal(eval1("year(ts, -0800)", utc(2024, 1, 1, 8, 0, 0)), 2024);
    assert_int_equal(eval1("month(ts, +05)", utc(2024, 2, 29, 19, 0, 0)), 3);
}

static void expect_range(const char *expr, int64_t ts_us)
{
    ls_xform_derive_t *d = parse_ok(expr);
    int32_t v = 777;
    ls_error_t err;
    ls_err_t rc = ls_xform_derive_eval(d, ts_us, &v, &err);
    if (rc != LS_XFORM_ERR_RANGE || v != 777 ||
        strstr(err.msg, "outside years 0001-9999") == NULL) {
        fail_msg("%s at %lld: %s %s", expr, (long long)ts_us, ls_err_name(rc), err.msg);
    }
    assert_int_equal(ls_xform_derive_eval(d, ts_us, &v, NULL), LS_XFORM_ERR_RANGE);
    ls_xform_derive_free(d);
}

static void test_eval_range(void **state)
{
    (void)state;
    int64_t lo = utc(1, 1, 1, 0, 0, 0) * US, hi = utc(10000, 1, 1, 0, 0, 0) * US;
    ls_xform_derive_t *d = parse_ok("year(ts)");
    int32_t v;
    assert_int_equal(ls_xform_derive_eval(d, lo, &v, NULL), LS_OK);
    assert_int_equal(v, 1);
    assert_int_equal(ls_xform_derive_eval(d, hi - 1, &v, NULL), LS_OK);
    assert_int_equal(v, 9999);
    ls_xform_derive_free(d);
    expect_range("year(ts)", lo - 1);
    expect_range("year(ts)", hi);
    expect_range("date(ts)", INT64_MIN);
    expect_range("date(ts)", INT64_MAX);
    expect_range("hour(ts, America/New_York)", INT64_MIN);
    expect_range("cob_date(ts, 17:00, America/New_York)", INT64_MAX);
    /* the local date crosses the bound */
    expect_range("date(ts, +05:00)", hi - 3600 * US);
    expect_range("date(ts, -05:00)", lo + 3600 * US);
    expect_range("cob_date(ts, 17:00, UTC)", hi - 3600 * US);
    assert_int_equal(eval1("cob_date(ts, 17:00, UTC)", utc(9999, 12, 31, 16, 0, 0)),
                     ls_xform_days_from_civil(9999, 12, 31));
}

static void test_eval_cob(void **state)
{
    (void)state;
    ls_xform_derive_t *cob = parse_ok("cob_date(ts, 17:00, America/New_York)");
    ls_xform_derive_t *wk = parse_ok("cob_date(ts, 17:00, America/New_York, weekdays)");
    int64_t fri = ls_xform_days_from_civil(2024, 6, 14); /* a Friday, EDT = UTC-4 */
    int64_t sat = fri + 1, sun = fri + 2, mon = fri + 3;
    assert_int_equal(ls_xform_weekday(fri), 5);
    /* 16:59:59 vs 17:00:00 New York time */
    assert_int_equal(eval_ok(cob, utc(2024, 6, 14, 20, 59, 59)), fri);
    assert_int_equal(eval_ok(cob, utc(2024, 6, 14, 21, 0, 0)), sat);
    assert_int_equal(eval_ok(wk, utc(2024, 6, 14, 20, 59, 59)), fri);
    assert_int_equal(eval_ok(wk, utc(2024, 6, 14, 21, 0, 0)), mon);   /* Friday after cut-off */
    assert_int_equal(eval_ok(wk, utc(2024, 6, 15, 12, 0, 0)), mon);   /* Saturday */
    assert_int_equal(eval_ok(wk, utc(2024, 6, 16, 20, 59, 59)), mon); /* Sunday before */
    assert_int_equal(eval_ok(wk, utc(2024, 6, 16, 21, 0, 0)), mon);   /* Sunday after */
    assert_int_equal(eval_ok(cob, utc(2024, 6, 16, 12, 0, 0)), sun);
    assert_int_equal(eval_ok(wk, utc(2024, 6, 17, 20, 59, 59)), mon);
    assert_int_equal(eval_ok(wk, utc(2024, 6, 17, 21, 0, 0)), mon + 1);
    assert_int_equal(eval_ok(wk, utc(2024, 6, 13, 21, 0, 0)), fri); /* Thursday after */
    /* midnight local belongs to that day; in winter the cut-off is 22:00Z */
    assert_int_equal(eval_ok(cob, utc(2024, 6, 14, 4, 0, 0)), fri);
    assert_int_equal(eval_ok(cob, utc(2024, 6, 14, 3, 59, 59)), fri);
    assert_int_equal(eval_ok(cob, utc(2024, 1, 10, 21, 59, 59)),
                     ls_xform_days_from_civil(2024, 1, 10));
    assert_int_equal(eval_ok(cob, utc(2024, 1, 10, 22, 0, 0)),
                     ls_xform_days_from_civil(2024, 1, 11));
    /* sub-second: 16:59:59.999999 is still before */
    int32_t v;
    assert_int_equal(ls_xform_derive_eval(cob, utc(2024, 6, 14, 21, 0, 0) * US - 1, &v, NULL),
                     LS_OK);
    assert_int_equal(v, fri);
    ls_xform_derive_free(cob);
    ls_xform_derive_free(wk);
    /* seconds in the cut-off; midnight cut-off puts every event on the next day */
    assert_int_equal(eval1("cob_date(ts, 16:30:15, UTC)", utc(2024, 6, 14, 16, 30, 14)), fri);
    assert_int_equal(eval1("cob_date(ts, 16:30:15, UTC)", utc(2024, 6, 14, 16, 30, 15)), sat);
    assert_int_equal(eval1("cob_date(ts, 00:00, UTC)", utc(2024, 6, 14, 0, 0, 0)), sat);
    assert_int_equal(eval1("cob_date(ts, 23:59:59, +01:00)", utc(2024, 6, 14, 22, 59, 58)), fri);
    assert_int_equal(eval1("cob_date(ts, 23:59:59, +01:00)", utc(2024, 6, 14, 22, 59, 59)), sat);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_civil_known),     cmocka_unit_test(test_civil_roundtrip),
        cmocka_unit_test(test_civil_vs_gmtime), cmocka_unit_test(test_fixed_offsets),
        cmocka_unit_test(test_bad_names),       cmocka_unit_test(test_posix_rules),
        cmocka_unit_test(test_posix_errors),    cmocka_unit_test(test_expr_forms),
        cmocka_unit_test(test_expr_errors),     cmocka_unit_test(test_expr_nomem),
        cmocka_unit_test(test_eval_utc),        cmocka_unit_test(test_eval_fixed),
        cmocka_unit_test(test_eval_range),      cmocka_unit_test(test_eval_cob),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

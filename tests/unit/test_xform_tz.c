/*
 * test_xform_tz.c — zone files: the system's IANA zones against glibc's own conversion
 * (localtime_r after setting TZ in this test process: DST switches to the second,
 * far-future instants decided by the footer rule, 10k random instants per zone, derived
 * columns), synthetic TZif files (v1, slim v2+ with footer rules, empty footers, no
 * transitions), malformed TZif (every truncation, bad counts and indices, huge counts,
 * random corruption), zones loaded from $TZDIR, and slim and fat files compiled by zic.
 * Tests needing /usr/share/zoneinfo or zic skip cleanly without them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lakesink/xform.h"
#include "testutil.h"

#define US 1000000LL

static int64_t utc(int64_t y, int mo, int d, int h, int mi, int s)
{
    return ls_xform_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
}

/* ------------------------------------------------------------ the oracle: glibc */

static char oracle_tz[300];

static void oracle_set(const char *tz)
{
    if (strcmp(oracle_tz, tz) != 0) {
        snprintf(oracle_tz, sizeof(oracle_tz), "%s", tz);
        setenv("TZ", tz, 1);
        tzset();
    }
}

static void oracle_reset(void)
{
    oracle_tz[0] = '\0';
}

static int32_t sys_off(const char *tz, int64_t t, struct tm *out)
{
    oracle_set(tz);
    time_t tt = (time_t)t;
    struct tm tm;
    if (localtime_r(&tt, &tm) == NULL) {
        fail_msg("localtime_r(%lld) failed for %s", (long long)t, tz);
    }
    if (out != NULL) {
        *out = tm;
    }
    return (int32_t)tm.tm_gmtoff;
}

static const char *zoneinfo_dir(void)
{
    const char *d = getenv("TZDIR");
    return d != NULL && d[0] != '\0' ? d : "/usr/share/zoneinfo";
}

static bool have_zone(const char *name)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", zoneinfo_dir(), name);
    return access(path, R_OK) == 0;
}

#define REQUIRE_ZONE(name)                                                                         \
    do {                                                                                           \
        if (!have_zone(name)) {                                                                    \
            print_message("skipped: no zone file %s/%s\n", zoneinfo_dir(), name);                  \
            skip();                                                                                \
        }                                                                                          \
    } while (0)

static ls_tz_t *load_ok(const char *name)
{
    ls_error_t err;
    ls_tz_t *tz = ls_tz_load(name, &err);
    if (tz == NULL) {
        fail_msg("ls_tz_load(%s): %s", name, err.msg);
    }
    return tz;
}

static void expect_off(const ls_tz_t *tz, const char *oracle, int64_t t)
{
    int32_t want = sys_off(oracle, t, NULL), got = ls_tz_offset(tz, t);
    if (want != got) {
        fail_msg("%s at %lld: offset %d, glibc says %d", ls_tz_name(tz), (long long)t, got, want);
    }
}

/* ------------------------------------------------------------ system zones */

static void test_new_york(void **state)
{
    (void)state;
    REQUIRE_ZONE("America/New_York");
    ls_tz_t *tz = load_ok("America/New_York");
    assert_string_equal(ls_tz_name(tz), "America/New_York");
    int64_t spring = utc(2024, 3, 10, 7, 0, 0), fall = utc(2024, 11, 3, 6, 0, 0);
    assert_int_equal(ls_tz_offset(tz, spring - 1), -18000);
    assert_int_equal(ls_tz_offset(tz, spring), -14400);
    assert_int_equal(ls_tz_offset(tz, fall - 1), -14400);
    assert_int_equal(ls_tz_offset(tz, fall), -18000);
    /* 2100 and later: past the file's transitions, decided by the footer rule */
    int64_t s2100 = utc(2100, 3, 14, 7, 0, 0), f2100 = utc(2100, 11, 7, 6, 0, 0);
    assert_int_equal(ls_tz_offset(tz, s2100 - 1), -18000);
    assert_int_equal(ls_tz_offset(tz, s2100), -14400);
    assert_int_equal(ls_tz_offset(tz, f2100 - 1), -14400);
    assert_int_equal(ls_tz_offset(tz, f2100), -18000);
    int64_t checks[] = {spring - 1,
                        spring,
                        fall - 1,
                        fall,
                        s2100 - 1,
                        s2100,
                        f2100 - 1,
                        f2100,
                        utc(2037, 11, 1, 6, 0, 0),
                        utc(2038, 3, 14, 7, 0, 0),
                        utc(2099, 12, 31, 23, 59, 59),
                        utc(2100, 1, 1, 0, 0, 0),
                        utc(3000, 7, 1, 0, 0, 0),
                        utc(9999, 12, 31, 0, 0, 0),
                        utc(1883, 11, 18, 16, 59, 59),
                        utc(1883, 11, 18, 17, 0, 0),
                        utc(1800, 1, 1, 0, 0, 0),
                        utc(1918, 3, 31, 7, 0, 0),
                        utc(1945, 8, 14, 23, 0, 0)};
    for (size_t i = 0; i < sizeof(checks) / sizeof(checks[0]); i++) {
        expect_off(tz, "America/New_York", checks[i]);
    }
    ls_tz_free(tz);
    /* the derived columns across both switches */
    ls_xform_derive_t *h;
    ls_error_t err;
    assert_int_equal(ls_xform_derive_parse("hour(ts, America/New_York)", &h, &err), LS_OK);
    int32_t v;
    assert_int_equal(ls_xform_derive_eval(h, (spring - 1) * US, &v, &err), LS_OK);
    assert_int_equal(v, 1);
    assert_int_equal(ls_xform_derive_eval(h, spring * US, &v, &err), LS_OK);
    assert_int_equal(v, 3);
    assert_int_equal(ls_xform_derive_eval(h, (fall - 1) * US, &v, &err), LS_OK);
    assert_int_equal(v, 1);
    assert_int_equal(ls_xform_derive_eval(h, fall * US, &v, &err), LS_OK);
    assert_int_equal(v, 1);
    ls_xform_derive_free(h);
}

static void test_london_kolkata_lord_howe(void **state)
{
    (void)state;
    REQUIRE_ZONE("Europe/London");
    REQUIRE_ZONE("Asia/Kolkata");
    REQUIRE_ZONE("Australia/Lord_Howe");
    ls_tz_t *lon = load_ok("Europe/London");
    assert_int_equal(ls_tz_offset(lon, utc(2024, 3, 31, 0, 59, 59)), 0);
    assert_int_equal(ls_tz_offset(lon, utc(2024, 3, 31, 1, 0, 0)), 3600);
    assert_int_equal(ls_tz_offset(lon, utc(2024, 10, 27, 0, 59, 59)), 3600);
    assert_int_equal(ls_tz_offset(lon, utc(2024, 10, 27, 1, 0, 0)), 0);
    assert_int_equal(ls_tz_offset(lon, utc(2100, 7, 1, 0, 0, 0)), 3600);
    ls_tz_t *kol = load_ok("Asia/Kolkata");
    assert_int_equal(ls_tz_offset(kol, utc(2024, 1, 1, 0, 0, 0)), 19800);
    assert_int_equal(ls_tz_offset(kol, utc(2100, 7, 1, 0, 0, 0)), 19800);
    ls_tz_t *lh = load_ok("Australia/Lord_Howe");
    /* daylight (+11) ends 2024-04-07 02:00 local; standard (+10:30) ends 2024-10-06 02:00 */
    int64_t end = utc(2024, 4, 6, 15, 0, 0), start = utc(2024, 10, 5, 15, 30, 0);
    assert_int_equal(ls_tz_offset(lh, end - 1), 39600);
    assert_int_equal(ls_tz_offset(lh, end), 37800);
    assert_int_equal(ls_tz_offset(lh, start - 1), 37800);
    assert_int_equal(ls_tz_offset(lh, start), 39600);
    const char *names[] = {"Europe/London", "Asia/Kolkata", "Australia/Lord_Howe"};
    ls_tz_t *zones[] = {lon, kol, lh};
    for (int z = 0; z < 3; z++) {
        int64_t ts[] = {end - 1,
                        end,
                        start - 1,
                        start,
                        utc(1900, 1, 1, 0, 0, 0),
                        utc(1941, 10, 1, 0, 0, 0),
                        utc(2100, 1, 15, 0, 0, 0),
                        utc(2100, 7, 15, 0, 0, 0),
                        utc(2400, 4, 2, 14, 0, 0)};
        for (size_t i = 0; i < sizeof(ts) / sizeof(ts[0]); i++) {
            expect_off(zones[z], names[z], ts[i]);
        }
        ls_tz_free(zones[z]);
    }
}

/* Our offset changes between t0 and t1: find the exact second and compare both sides. */
static void check_switch(const ls_tz_t *tz, const char *oracle, int64_t t0, int64_t t1)
{
    int32_t o0 = ls_tz_offset(tz, t0);
    while (t1 - t0 > 1) {
        int64_t mid = t0 + (t1 - t0) / 2;
        if (ls_tz_offset(tz, mid) == o0) {
            t0 = mid;
        } else {
            t1 = mid;
        }
    }
    expect_off(tz, oracle, t0);
    expect_off(tz, oracle, t1);
}

static const char *const oracle_zones[] = {
    "America/New_York",  "Europe/London",     "Australia/Lord_Howe", "Asia/Kolkata",
    "America/Sao_Paulo", "Africa/Casablanca", "Pacific/Apia",        "Europe/Dublin",
    "Antarctica/Troll",  "America/Nuuk",      "Pacific/Chatham",     "America/Santiago",
};

/* Every offset change 1850..2150 to the second, and 10k random instants 1800..2500
 * (plus 500 up to 9999), against glibc; the derived columns against its broken-down time. */
static void test_random_vs_glibc(void **state)
{
    (void)state;
    uint64_t rs = 20240310;
    int tested = 0;
    for (size_t z = 0; z < sizeof(oracle_zones) / sizeof(oracle_zones[0]); z++) {
        const char *name = oracle_zones[z];
        if (!have_zone(name)) {
            print_message("no zone file for %s: not compared\n", name);
            continue;
        }
        tested++;
        ls_tz_t *tz = load_ok(name);
        int64_t prev = utc(1850, 1, 1, 0, 0, 0), end = utc(2150, 1, 1, 0, 0, 0);
        for (int64_t t = prev + 86400 + 3599; t < end; prev = t, t += 86400 + 3599) {
            if (ls_tz_offset(tz, t) != ls_tz_offset(tz, prev)) {
                check_switch(tz, name, prev, t);
            }
        }
        char expr[128];
        snprintf(expr, sizeof(expr), "hour(ts, %s)", name);
        ls_xform_derive_t *dh, *dd, *dm, *dy;
        assert_int_equal(ls_xform_derive_parse(expr, &dh, NULL), LS_OK);
        snprintf(expr, sizeof(expr), "day(ts, %s)", name);
        assert_int_equal(ls_xform_derive_parse(expr, &dd, NULL), LS_OK);
        snprintf(expr, sizeof(expr), "month(ts, %s)", name);
        assert_int_equal(ls_xform_derive_parse(expr, &dm, NULL), LS_OK);
        snprintf(expr, sizeof(expr), "year(ts, %s)", name);
        assert_int_equal(ls_xform_derive_parse(expr, &dy, NULL), LS_OK);
        int64_t lo = utc(1800, 1, 1, 0, 0, 0), hi = utc(2500, 1, 1, 0, 0, 0);
        for (int i = 0; i < 10500; i++) {
            int64_t t = lo + (int64_t)(ls_test_rand(&rs) % (uint64_t)(hi - lo));
            if (i >= 10000) {
                t = hi + (int64_t)(ls_test_rand(&rs) % (uint64_t)(utc(9999, 12, 30, 0, 0, 0) - hi));
            }
            struct tm tm;
            int32_t want = sys_off(name, t, &tm), got = ls_tz_offset(tz, t);
            if (want != got) {
                fail_msg("%s at %lld: offset %d, glibc says %d", name, (long long)t, got, want);
            }
            int32_t h, d, m, y;
            assert_int_equal(ls_xform_derive_eval(dh, t * US + 999999, &h, NULL), LS_OK);
            assert_int_equal(ls_xform_derive_eval(dd, t * US, &d, NULL), LS_OK);
            assert_int_equal(ls_xform_derive_eval(dm, t * US, &m, NULL), LS_OK);
            assert_int_equal(ls_xform_derive_eval(dy, t * US, &y, NULL), LS_OK);
            assert_int_equal(h, tm.tm_hour);
            assert_int_equal(d, tm.tm_mday);
            assert_int_equal(m, tm.tm_mon + 1);
            assert_int_equal(y, tm.tm_year + 1900);
        }
        ls_xform_derive_free(dh);
        ls_xform_derive_free(dd);
        ls_xform_derive_free(dm);
        ls_xform_derive_free(dy);
        ls_tz_free(tz);
    }
    if (tested == 0) {
        skip();
    }
}

/* POSIX TZ strings against glibc's parser of the same strings. */
static void test_posix_vs_glibc(void **state)
{
    (void)state;
    static const char *rules[] = {
        "EST5EDT,M3.2.0,M11.1.0",
        "CET-1CEST,M3.5.0,M10.5.0/3",
        "<+1030>-10:30<+11>-11,M10.1.0,M4.1.0",
        "NZST-12NZDT,M9.5.0,M4.1.0/3",
        "<-03>3",
        "IST-5:30",
        "AAA3BBB,J60/2,J300/2",
        "AAA3BBB,59,300",
        "GMT0BST,M3.5.0/1,M10.5.0",
        "<-04>4<-03>,M9.1.6/24,M4.1.6/24",
        "IST-1GMT0,M10.5.0,M3.5.0/1",
        "<+00>0<+02>-2,M3.5.0/1,M10.5.0/3",
    };
    uint64_t rs = 7;
    for (size_t k = 0; k < sizeof(rules) / sizeof(rules[0]); k++) {
        ls_tz_t *tz = NULL;
        ls_error_t err;
        if (ls_tz_parse_posix(rules[k], strlen(rules[k]), &tz, &err) != LS_OK) {
            fail_msg("%s: %s", rules[k], err.msg);
        }
        /* glibc computes POSIX rules wrongly before 1970 (it counts from 1970-01-01 there) */
        int64_t lo = utc(1970, 1, 1, 0, 0, 0), hi = utc(2300, 1, 1, 0, 0, 0);
        for (int i = 0; i < 3000; i++) {
            expect_off(tz, rules[k], lo + (int64_t)(ls_test_rand(&rs) % (uint64_t)(hi - lo)));
        }
        int64_t prev = lo;
        for (int64_t t = lo + 86400 + 3599; t < hi; prev = t, t += 86400 + 3599) {
            if (ls_tz_offset(tz, t) != ls_tz_offset(tz, prev)) {
                check_switch(tz, rules[k], prev, t);
            }
        }
        ls_tz_free(tz);
    }
}

/* ------------------------------------------------------------ synthetic TZif */

typedef struct {
    uint8_t b[16384];
    size_t n;
} tb_t;

static void tb_u8(tb_t *t, uint8_t v)
{
    assert_true(t->n < sizeof(t->b));
    t->b[t->n++] = v;
}

static void tb_u32(tb_t *t, uint32_t v)
{
    for (int s = 24; s >= 0; s -= 8) {
        tb_u8(t, (uint8_t)(v >> s));
    }
}

static void tb_time(tb_t *t, int64_t v, int tsize)
{
    if (tsize == 8) {
        tb_u32(t, (uint32_t)((uint64_t)v >> 32));
    }
    tb_u32(t, (uint32_t)v);
}

typedef struct {
    char version; /* 0 (v1 only), '2', '3', '4' */
    size_t ntimes;
    const int64_t *times;
    const uint8_t *idx;
    size_t ntypes;
    const int32_t *utoff;
    const uint8_t *isdst; /* NULL: all 0 */
    const char *footer;   /* v2+: the TZ string; NULL writes no footer at all */
    uint32_t nleap;       /* zero leap records to write */
    int64_t force[6];     /* counts written into the (last) header instead, when >= 0 */
} tzif_spec_t;

static void tb_header(tb_t *t, char version, const uint32_t c[6])
{
    tb_u8(t, 'T');
    tb_u8(t, 'Z');
    tb_u8(t, 'i');
    tb_u8(t, 'f');
    tb_u8(t, (uint8_t)version);
    for (int i = 0; i < 15; i++) {
        tb_u8(t, 0);
    }
    for (int i = 0; i < 6; i++) {
        tb_u32(t, c[i]);
    }
}

/* Counts order: isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt. */
static void tb_block(tb_t *t, const tzif_spec_t *s, int tsize)
{
    uint32_t c[6] = {(uint32_t)s->ntypes, (uint32_t)s->ntypes, s->nleap,
                     (uint32_t)s->ntimes, (uint32_t)s->ntypes, 4};
    for (int i = 0; i < 6; i++) {
        if (s->force[i] >= 0) {
            c[i] = (uint32_t)s->force[i];
        }
    }
    tb_header(t, s->version, c);
    for (size_t i = 0; i < s->ntimes; i++) {
        tb_time(t, s->times[i], tsize);
    }
    for (size_t i = 0; i < s->ntimes; i++) {
        tb_u8(t, s->idx[i]);
    }
    for (size_t i = 0; i < s->ntypes; i++) {
        tb_u32(t, (uint32_t)s->utoff[i]);
        tb_u8(t, s->isdst != NULL ? s->isdst[i] : 0);
        tb_u8(t, 0);
    }
    for (int i = 0; i < 4; i++) {
        tb_u8(t, (uint8_t) "XYZ"[i]);
    }
    for (uint32_t i = 0; i < s->nleap; i++) {
        tb_time(t, 0, tsize);
        tb_u32(t, 1);
    }
    for (size_t i = 0; i < 2 * s->ntypes; i++) {
        tb_u8(t, 0);
    }
}

/* A TZif file as zic -b slim writes it: a minimal v1 block, then the 64-bit data. */
static void tb_build(tb_t *t, const tzif_spec_t *s)
{
    t->n = 0;
    if (s->version == 0) {
        tb_block(t, s, 4);
        return;
    }
    static const uint32_t v1[6] = {0, 0, 0, 0, 1, 1};
    static const uint8_t v1data[7] = {0, 0, 0, 0, 0, 0, 0};
    tb_header(t, s->version, v1);
    for (size_t i = 0; i < sizeof(v1data); i++) {
        tb_u8(t, v1data[i]);
    }
    tb_block(t, s, 8);
    if (s->footer != NULL) {
        tb_u8(t, '\n');
        for (const char *p = s->footer; *p; p++) {
            tb_u8(t, (uint8_t)*p);
        }
        tb_u8(t, '\n');
    }
}

/* A slim New York: LMT, the 1883 switch to EST, two transitions of 2007, then the rule. */
static const int64_t ny_times[] = {-2717650800LL, 1173596400LL, 1194156000LL};
static const uint8_t ny_idx[] = {1, 2, 1};
static const int32_t ny_off[] = {-17762, -18000, -14400};
static const uint8_t ny_dst[] = {0, 0, 1};

static tzif_spec_t ny_spec(void)
{
    tzif_spec_t s = {'2',      3,
                     ny_times, ny_idx,
                     3,        ny_off,
                     ny_dst,   "EST5EDT,M3.2.0,M11.1.0",
                     0,        {-1, -1, -1, -1, -1, -1}};
    return s;
}

static ls_err_t parse(const tb_t *t, ls_tz_t **tz, ls_error_t *err)
{
    return ls_tz_parse_tzif(t->b, t->n, "synthetic", tz, err);
}

static void test_tzif_slim(void **state)
{
    (void)state;
    static const char versions[] = {'2', '3', '4', '5'};
    for (size_t v = 0; v < sizeof(versions); v++) {
        tb_t t;
        tzif_spec_t s = ny_spec();
        s.version = versions[v];
        tb_build(&t, &s);
        ls_tz_t *tz = NULL;
        ls_error_t err;
        if (parse(&t, &tz, &err) != LS_OK) {
            fail_msg("%s", err.msg);
        }
        assert_string_equal(ls_tz_name(tz), "synthetic");
        assert_int_equal(ls_tz_offset(tz, INT64_MIN), -17762); /* type 0 before the first */
        assert_int_equal(ls_tz_offset(tz, -2717650801LL), -17762);
        assert_int_equal(ls_tz_offset(tz, -2717650800LL), -18000);
        assert_int_equal(ls_tz_offset(tz, 1173596399LL), -18000);
        assert_int_equal(ls_tz_offset(tz, 1173596400LL), -14400);
        assert_int_equal(ls_tz_offset(tz, 1194156000LL), -18000);
        uint64_t rs = 99;
        int64_t lo = 1194156000LL, hi = utc(2600, 1, 1, 0, 0, 0);
        for (int i = 0; i < 2000; i++) {
            expect_off(tz, "EST5EDT,M3.2.0,M11.1.0",
                       lo + (int64_t)(ls_test_rand(&rs) % (uint64_t)(hi - lo)));
        }
        expect_off(tz, "EST5EDT,M3.2.0,M11.1.0", utc(2024, 3, 10, 7, 0, 0));
        expect_off(tz, "EST5EDT,M3.2.0,M11.1.0", utc(2024, 3, 10, 6, 59, 59));
        expect_off(tz, "EST5EDT,M3.2.0,M11.1.0", utc(2100, 11, 7, 6, 0, 0));
        expect_off(tz, "EST5EDT,M3.2.0,M11.1.0", utc(2100, 11, 7, 5, 59, 59));
        ls_tz_free(tz);
    }
}

static void test_tzif_variants(void **state)
{
    (void)state;
    tb_t t;
    ls_tz_t *tz;
    ls_error_t err;
    /* v1 only: 32-bit times, the last type holds after the last transition */
    static const int64_t v1_times[] = {-2000000000LL, 1173596400LL, 1194156000LL};
    tzif_spec_t s = ny_spec();
    s.version = 0;
    s.times = v1_times;
    tb_build(&t, &s);
    if (parse(&t, &tz, &err) != LS_OK) {
        fail_msg("%s", err.msg);
    }
    assert_int_equal(ls_tz_offset(tz, utc(2024, 7, 1, 0, 0, 0)), -18000);
    assert_int_equal(ls_tz_offset(tz, 1173596400LL), -14400);
    ls_tz_free(tz);
    /* empty footer: no rule either */
    s = ny_spec();
    s.footer = "";
    tb_build(&t, &s);
    assert_int_equal(parse(&t, &tz, &err), LS_OK);
    assert_int_equal(ls_tz_offset(tz, utc(2024, 7, 1, 0, 0, 0)), -18000);
    ls_tz_free(tz);
    /* no transitions: the footer rule decides everywhere */
    s = ny_spec();
    s.ntimes = 0;
    tb_build(&t, &s);
    assert_int_equal(parse(&t, &tz, &err), LS_OK);
    assert_int_equal(ls_tz_offset(tz, utc(1700, 7, 1, 0, 0, 0)), -14400);
    assert_int_equal(ls_tz_offset(tz, utc(2024, 7, 1, 0, 0, 0)), -14400);
    assert_int_equal(ls_tz_offset(tz, utc(2024, 1, 1, 0, 0, 0)), -18000);
    assert_int_equal(ls_tz_offset(tz, utc(2200, 7, 1, 0, 0, 0)), -14400);
    ls_tz_free(tz);
    /* a rule without daylight time after transitions */
    s = ny_spec();
    s.footer = "<-03>3";
    tb_build(&t, &s);
    assert_int_equal(parse(&t, &tz, &err), LS_OK);
    assert_int_equal(ls_tz_offset(tz, 1194155999LL), -14400);
    assert_int_equal(ls_tz_offset(tz, 1194156000LL), -18000);
    assert_int_equal(ls_tz_offset(tz, 1194156001LL), -10800);
    ls_tz_free(tz);
    /* the last transition before 1800 or after 2100: the rule runs directly */
    const int64_t early[] = {utc(1700, 1, 1, 0, 0, 0)}, late[] = {utc(2200, 1, 1, 0, 0, 0)};
    static const uint8_t one[] = {1};
    s = ny_spec();
    s.ntimes = 1;
    s.idx = one;
    s.times = early;
    tb_build(&t, &s);
    assert_int_equal(parse(&t, &tz, &err), LS_OK);
    expect_off(tz, "EST5EDT,M3.2.0,M11.1.0", utc(2024, 3, 10, 7, 0, 0));
    assert_int_equal(ls_tz_offset(tz, utc(1900, 7, 1, 0, 0, 0)), -14400);
    assert_int_equal(ls_tz_offset(tz, utc(1900, 1, 1, 0, 0, 0)), -18000);
    ls_tz_free(tz);
    s.times = late;
    tb_build(&t, &s);
    assert_int_equal(parse(&t, &tz, &err), LS_OK);
    assert_int_equal(ls_tz_offset(tz, utc(2150, 7, 1, 0, 0, 0)), -17762);
    expect_off(tz, "EST5EDT,M3.2.0,M11.1.0", utc(2200, 7, 1, 0, 0, 0));
    ls_tz_free(tz);
    /* extreme transition instants ("big bang" markers) are fine */
    static const int64_t extreme[] = {INT64_MIN, -(1LL << 59), INT64_MAX};
    static const uint8_t eidx[] = {1, 2, 1};
    s = ny_spec();
    s.times = extreme;
    s.idx = eidx;
    tb_build(&t, &s);
    assert_int_equal(parse(&t, &tz, &err), LS_OK);
    assert_int_equal(ls_tz_offset(tz, INT64_MIN), -18000);
    assert_int_equal(ls_tz_offset(tz, 0), -14400);
    assert_int_equal(ls_tz_offset(tz, INT64_MAX), -18000);
    ls_tz_free(tz);
    assert_int_equal(ls_tz_parse_tzif(NULL, 0, NULL, &tz, &err), LS_ERR_PARSE);
    assert_null(tz);
    assert_non_null(strstr(err.msg, "(tzif)"));
}

static void expect_bad(const tb_t *t, ls_err_t code, const char *msg)
{
    ls_tz_t *tz = (ls_tz_t *)1;
    ls_error_t err;
    ls_error_clear(&err);
    ls_err_t rc = parse(t, &tz, &err);
    if (rc != code || tz != NULL || strstr(err.msg, msg) == NULL) {
        fail_msg("got %s \"%s\", wanted %s \"%s\"", ls_err_name(rc), err.msg, ls_err_name(code),
                 msg);
    }
    assert_int_equal(parse(t, &tz, NULL), code);
}

static void test_tzif_malformed(void **state)
{
    (void)state;
    tb_t t;
    tzif_spec_t s = ny_spec();
    /* every truncation of a valid file */
    tb_build(&t, &s);
    size_t full = t.n;
    for (size_t n = 0; n < full; n++) {
        t.n = n;
        ls_tz_t *tz = NULL;
        ls_error_t err;
        if (parse(&t, &tz, &err) != LS_ERR_PARSE || tz != NULL) {
            fail_msg("truncated to %zu of %zu bytes: %s", n, full, err.msg);
        }
    }
    t.n = 10;
    expect_bad(&t, LS_ERR_PARSE, "truncated header at byte 0 (10 bytes left, 44 needed)");
    t.n = full - 1;
    expect_bad(&t, LS_ERR_PARSE, "unterminated footer");
    t.n = full - 24;
    expect_bad(&t, LS_ERR_PARSE, "missing footer");
    tb_build(&t, &s);
    t.b[full - 24] = 'x';
    expect_bad(&t, LS_ERR_PARSE, "missing footer");
    tb_build(&t, &s);
    t.b[0] = 'X';
    expect_bad(&t, LS_ERR_PARSE, "no \"TZif\" magic at byte 0");
    tb_build(&t, &s);
    t.b[51] = 'X'; /* the second header */
    expect_bad(&t, LS_ERR_PARSE, "no \"TZif\" magic at byte 51");
    s.version = '1';
    tb_build(&t, &s);
    expect_bad(&t, LS_ERR_PARSE, "unknown version byte 0x31");
    /* counts */
    struct {
        int which;
        int64_t value;
        const char *msg;
    } counts[] = {
        {4, 0, "0 local time types"},
        {4, 257, "257 local time types"},
        {4, 0xFFFFFFFFLL, "4294967295 local time types"},
        {0, 1, "indicator counts"},
        {1, 2, "indicator counts"},
        {3, 0xFFFFFFFFLL, "truncated data block at byte 95"},
        {3, 10, "truncated data block"},
        {5, 0xFFFFFFFFLL, "truncated data block"},
        {2, 0xFFFFFFFFLL, "truncated data block"},
        {2, 3, "truncated data block"},
    };
    for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
        s = ny_spec();
        s.force[counts[i].which] = counts[i].value;
        tb_build(&t, &s);
        expect_bad(&t, LS_ERR_PARSE, counts[i].msg);
    }
    /* a huge count in the v1 header of a v2 file */
    s = ny_spec();
    tb_build(&t, &s);
    memset(t.b + 32, 0xFF, 4);
    expect_bad(&t, LS_ERR_PARSE, "truncated version 1 data block");
    /* same for a v1 file */
    s.version = 0;
    tb_build(&t, &s);
    memset(t.b + 32, 0xFF, 4);
    expect_bad(&t, LS_ERR_PARSE, "truncated data block at byte 44");
    /* contents */
    static const int64_t unsorted[] = {100, 50, 200}, dup[] = {100, 100, 200};
    static const uint8_t badidx[] = {1, 3, 1};
    static const int32_t badoff1[] = {INT32_MIN, 0, 0}, badoff2[] = {0, 93600, 0},
                         badoff3[] = {-90000, 0, 0}, okoff[] = {-89999, 93599, 0};
    static const uint8_t baddst[] = {0, 2, 0};
    s = ny_spec();
    s.times = unsorted;
    tb_build(&t, &s);
    expect_bad(&t, LS_ERR_PARSE, "transition 1 (50) is not after the previous one (100)");
    s.times = dup;
    tb_build(&t, &s);
    expect_bad(&t, LS_ERR_PARSE, "transition 1 (100) is not after");
    s = ny_spec();
    s.idx = badidx;
    tb_build(&t, &s);
    expect_bad(&t, LS_ERR_PARSE, "transition 1: local time type 3 out of range (3 types)");
    s = ny_spec();
    s.utoff = badoff1;
    tb_build(&t, &s);
    expect_bad(&t, LS_ERR_PARSE, "local time type 0: UT offset -2147483648 s out of range");
    s.utoff = badoff2;
    tb_build(&t, &s);
    expect_bad(&t, LS_ERR_PARSE, "local time type 1: UT offset 93600 s out of range");
    s.utoff = badoff3;
    tb_build(&t, &s);
    expect_bad(&t, LS_ERR_PARSE, "UT offset -90000 s");
    s.utoff = okoff;
    tb_build(&t, &s);
    ls_tz_t *tz;
    assert_int_equal(parse(&t, &tz, NULL), LS_OK);
    ls_tz_free(tz);
    s = ny_spec();
    s.isdst = baddst;
    tb_build(&t, &s);
    expect_bad(&t, LS_ERR_PARSE, "local time type 1: bad DST flag 2");
    static const int64_t v1_times[] = {-2000000000LL, 1173596400LL, 1194156000LL};
    s = ny_spec();
    s.times = v1_times;
    s.version = 0;  /* no footer to find after the shrunk block */
    s.force[5] = 0; /* designations shrink: index 0 is no longer inside */
    tb_build(&t, &s);
    expect_bad(&t, LS_ERR_PARSE, "designation index 0 (0 designation bytes)");
    s = ny_spec();
    s.footer = "EST5EDT,M3";
    tb_build(&t, &s);
    expect_bad(&t, LS_ERR_PARSE, "TZif synthetic: footer TZ string \"EST5EDT,M3\": expected '.'");
    s = ny_spec();
    s.footer = NULL;
    tb_build(&t, &s);
    expect_bad(&t, LS_ERR_PARSE, "missing footer");
    s = ny_spec();
    s.nleap = 1;
    tb_build(&t, &s);
    expect_bad(&t, LS_ERR_UNSUPPORTED, "leap-second");
}

/* Random corruption of a real zone file: never a crash; what parses answers lookups. */
static void test_tzif_corrupt_random(void **state)
{
    (void)state;
    REQUIRE_ZONE("America/New_York");
    char path[512];
    snprintf(path, sizeof(path), "%s/America/New_York", zoneinfo_dir());
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static uint8_t orig[65536], buf[65536];
    size_t n = fread(orig, 1, sizeof(orig), f);
    fclose(f);
    assert_true(n > 44);
    uint64_t rs = 1234;
    int ok = 0;
    for (int iter = 0; iter < 20000; iter++) {
        memcpy(buf, orig, n);
        int flips = 1 + (int)(ls_test_rand(&rs) % 4);
        for (int k = 0; k < flips; k++) {
            size_t at = (size_t)(ls_test_rand(&rs) % n);
            /* bias towards the headers, where the counts live */
            if (k == 0 && iter % 3 == 0) {
                at = (size_t)(ls_test_rand(&rs) % 44);
            }
            buf[at] = (uint8_t)ls_test_rand(&rs);
        }
        size_t len = iter % 5 == 0 ? (size_t)(ls_test_rand(&rs) % n) : n;
        ls_tz_t *tz = NULL;
        ls_error_t err;
        ls_err_t rc = ls_tz_parse_tzif(buf, len, "mutant", &tz, &err);
        if (rc == LS_OK) {
            ok++;
            for (int64_t t = -5000000000LL; t < 10000000000LL; t += 123456789) {
                int32_t off = ls_tz_offset(tz, t);
                assert_true(off >= -90000 && off <= 93600 + 25 * 3600);
            }
            ls_tz_free(tz);
        } else {
            assert_null(tz);
            assert_true(rc == LS_ERR_PARSE || rc == LS_ERR_UNSUPPORTED);
            assert_true(err.msg[0] != '\0');
        }
    }
    print_message("%d of 20000 mutants parsed\n", ok);
}

/* ------------------------------------------------------------ $TZDIR and zic */

static void write_file(const char *path, const void *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(p, 1, n, f), n);
    fclose(f);
}

static void test_tzdir(void **state)
{
    (void)state;
    const char *dir = ls_test_tmpdir();
    char path[512], sub[512];
    snprintf(sub, sizeof(sub), "%s/Test", dir);
    assert_int_equal(mkdir(sub, 0755), 0);
    tb_t t;
    tzif_spec_t s = ny_spec();
    tb_build(&t, &s);
    snprintf(path, sizeof(path), "%s/Test/Slim", dir);
    write_file(path, t.b, t.n);
    snprintf(path, sizeof(path), "%s/Test/Bad", dir);
    write_file(path, t.b, t.n - 1);
    snprintf(path, sizeof(path), "%s/Test/Big", dir);
    static uint8_t big[(1 << 20) + 16];
    memcpy(big, t.b, t.n);
    write_file(path, big, sizeof(big));
    char *saved = getenv("TZDIR") ? strdup(getenv("TZDIR")) : NULL;
    setenv("TZDIR", dir, 1);
    ls_error_t err;
    ls_tz_t *tz = ls_tz_load("Test/Slim", &err);
    assert_non_null(tz);
    assert_string_equal(ls_tz_name(tz), "Test/Slim");
    assert_int_equal(ls_tz_offset(tz, utc(2024, 3, 10, 7, 0, 0)), -14400);
    ls_tz_free(tz);
    assert_null(ls_tz_load("Test/Bad", &err));
    assert_int_equal(err.code, LS_ERR_PARSE);
    assert_non_null(strstr(err.msg, "Test/Bad: TZif Test/Bad: unterminated footer"));
    assert_null(ls_tz_load("Test/Big", &err));
    assert_int_equal(err.code, LS_ERR_LIMIT);
    assert_null(ls_tz_load("Test", &err));
    assert_int_equal(err.code, LS_ERR_NOT_FOUND);
    assert_null(ls_tz_load("America/New_York", &err)); /* not under this TZDIR */
    assert_int_equal(err.code, LS_ERR_NOT_FOUND);
    assert_non_null(strstr(err.msg, dir));
    ls_xform_derive_t *d;
    assert_int_equal(ls_xform_derive_parse("cob_date(ts, 17:00, Test/Slim, weekdays)", &d, &err),
                     LS_OK);
    int32_t v;
    assert_int_equal(ls_xform_derive_eval(d, utc(2024, 6, 14, 21, 0, 0) * US, &v, &err), LS_OK);
    assert_int_equal(v, ls_xform_days_from_civil(2024, 6, 17));
    ls_xform_derive_free(d);
    if (saved != NULL) {
        setenv("TZDIR", saved, 1);
        free(saved);
    } else {
        unsetenv("TZDIR");
    }
    ls_test_rmdir(dir);
}

static const char zic_source[] = "Rule\tTst\t1990\t2006\t-\tApr\tSun>=1\t2:00\t1:00\tD\n"
                                 "Rule\tTst\t1990\t2006\t-\tOct\tlastSun\t2:00\t0\tS\n"
                                 "Rule\tTst\t2007\tmax\t-\tMar\tSun>=8\t2:00\t1:00\tD\n"
                                 "Rule\tTst\t2007\tmax\t-\tNov\tSun>=1\t2:00\t0\tS\n"
                                 "Zone\tTest/Zic\t-4:56:02 -\tLMT\t1883 Nov 18 12:03:58\n"
                                 "\t\t\t-5:00\tTst\tE%sT\n"
                                 "Rule\tLH\t2008\tmax\t-\tApr\tSun>=1\t2:00\t0\t-\n"
                                 "Rule\tLH\t2008\tmax\t-\tOct\tSun>=1\t2:00\t0:30\t-\n"
                                 "Zone\tTest/Half\t10:36:20 -\tLMT\t1895 Feb\n"
                                 "\t\t\t10:30\tLH\t+1030/+11\n";

/* Compile the source above with zic, slim and fat, and compare both with glibc. */
static void test_zic_slim_fat(void **state)
{
    (void)state;
    if (access("/usr/sbin/zic", X_OK) != 0 && system("command -v zic >/dev/null 2>&1") != 0) {
        print_message("skipped: zic is not installed\n");
        skip();
    }
    const char *dir = ls_test_tmpdir();
    char src[512], cmd[4096], slim[512], fat[512];
    snprintf(src, sizeof(src), "%s/test.zi", dir);
    write_file(src, zic_source, strlen(zic_source));
    snprintf(slim, sizeof(slim), "%s/slim", dir);
    snprintf(fat, sizeof(fat), "%s/fat", dir);
    snprintf(cmd, sizeof(cmd),
             "PATH=$PATH:/usr/sbin; zic -b slim -d %s %s 2>&1 && zic -b fat -d %s %s 2>&1", slim,
             src, fat, src);
    assert_int_equal(system(cmd), 0);
    char *saved = getenv("TZDIR") ? strdup(getenv("TZDIR")) : NULL;
    static const char *zones[] = {"Test/Zic", "Test/Half"};
    uint64_t rs = 5;
    for (int z = 0; z < 2; z++) {
        ls_tz_t *tzs[2];
        const char *dirs[2] = {slim, fat};
        for (int k = 0; k < 2; k++) {
            setenv("TZDIR", dirs[k], 1);
            tzs[k] = load_ok(zones[z]);
        }
        /* glibc reads the fat file through TZDIR (it is set to the fat directory now) */
        oracle_reset();
        int64_t lo = utc(1850, 1, 1, 0, 0, 0), hi = utc(2400, 1, 1, 0, 0, 0);
        for (int i = 0; i < 5000; i++) {
            int64_t t = lo + (int64_t)(ls_test_rand(&rs) % (uint64_t)(hi - lo));
            expect_off(tzs[1], zones[z], t);
            assert_int_equal(ls_tz_offset(tzs[0], t), ls_tz_offset(tzs[1], t));
        }
        for (int64_t t = lo; t < hi; t += 86400 + 3599) {
            assert_int_equal(ls_tz_offset(tzs[0], t), ls_tz_offset(tzs[1], t));
        }
        ls_tz_free(tzs[0]);
        ls_tz_free(tzs[1]);
    }
    oracle_reset();
    if (saved != NULL) {
        setenv("TZDIR", saved, 1);
        free(saved);
    } else {
        unsetenv("TZDIR");
    }
    ls_test_rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_new_york),        cmocka_unit_test(test_london_kolkata_lord_howe),
        cmocka_unit_test(test_random_vs_glibc), cmocka_unit_test(test_posix_vs_glibc),
        cmocka_unit_test(test_tzif_slim),       cmocka_unit_test(test_tzif_variants),
        cmocka_unit_test(test_tzif_malformed),  cmocka_unit_test(test_tzif_corrupt_random),
        cmocka_unit_test(test_tzdir),           cmocka_unit_test(test_zic_slim_fat),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * civil.c — exact proleptic Gregorian calendar arithmetic on day numbers (days since
 * 1970-01-01): date to day number and back, weekdays, leap years, month lengths.
 *
 * The conversions count in 400-year eras of 146,097 days, with years starting on
 * March 1 so that the leap day is the last day of a year: then the day of the year
 * maps to the month by one linear formula. Not responsible for time zones (tz.c).
 */
#include "xform_int.h"

/* Days from 0000-03-01 to 1970-01-01. */
#define LS__EPOCH_SHIFT 719468
#define LS__ERA_DAYS 146097

bool ls__is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int ls__month_days(int64_t y, int m)
{
    static const int8_t len[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ls__is_leap(y)) {
        return 29;
    }
    return (m >= 1 && m <= 12) ? len[m - 1] : 0;
}

int64_t ls_xform_days_from_civil(int64_t y, int m, int d)
{
    /* Shift to a March-based year: January and February belong to the previous one. */
    int64_t ym = m <= 2 ? y - 1 : y;
    int64_t era = ls__floor_div(ym, 400);
    int64_t yoe = ym - era * 400;             /* 0..399 */
    int64_t mp = m > 2 ? m - 3 : m + 9;       /* 0 = March .. 11 = February */
    int64_t doy = (153 * mp + 2) / 5 + d - 1; /* 0..365 */
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * LS__ERA_DAYS + doe - LS__EPOCH_SHIFT;
}

void ls_xform_civil_from_days(int64_t days, int64_t *y, int *m, int *d)
{
    int64_t z = days + LS__EPOCH_SHIFT;
    int64_t era = ls__floor_div(z, LS__ERA_DAYS);
    int64_t doe = z - era * LS__ERA_DAYS; /* 0..146096 */
    /* Years of the era: remove the leap days (one per 4 years, minus the centuries,
     * plus the 400th year) before dividing by 365. */
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / (LS__ERA_DAYS - 1)) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int mon = (int)(mp < 10 ? mp + 3 : mp - 9);
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = mon;
    *y = yoe + era * 400 + (mon <= 2 ? 1 : 0);
}

int ls_xform_weekday(int64_t days)
{
    /* 1970-01-01 was a Thursday (4). */
    int64_t w = (days % 7 + 7 + 4) % 7;
    return (int)w;
}

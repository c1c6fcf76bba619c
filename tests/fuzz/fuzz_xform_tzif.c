/*
 * fuzz_xform_tzif.c — the TZif reader on arbitrary bytes, then offset lookups. Checks: it
 * never crashes or reads out of bounds; a failure returns no zone and a message; a parsed
 * zone's table (file transitions plus precomputed rule transitions) is strictly
 * ascending, each instant of it looks up its own offset, and every offset is within
 * about a day of UTC.
 */
#include <stdint.h>
#include <stdlib.h>

#include "lakesink/xform.h"
#include "xform/xform_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_off(const ls_tz_t *tz, int64_t t)
{
    int32_t off = ls_tz_offset(tz, t);
    if (off < -93600 || off > 93600) {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ls_tz_t *tz = NULL;
    ls_error_t err;
    ls_err_t rc = ls_tz_parse_tzif(data, size, "fuzz", &tz, &err);
    if (rc != LS_OK) {
        if (tz != NULL || err.msg[0] == '\0') {
            abort();
        }
        return 0;
    }
    for (size_t i = 0; i < tz->n; i++) {
        if (i > 0 && tz->at[i] <= tz->at[i - 1]) {
            abort();
        }
        /* a table instant gives its own offset unless the rule owns it */
        if (tz->at[i] <= tz->rule_after && ls_tz_offset(tz, tz->at[i]) != tz->off[i]) {
            abort();
        }
        if (i < 64 || i + 64 > tz->n) {
            check_off(tz, tz->at[i] - (tz->at[i] > INT64_MIN ? 1 : 0));
            check_off(tz, tz->at[i] + (tz->at[i] < INT64_MAX ? 1 : 0));
        }
    }
    static const int64_t probes[] = {
        INT64_MIN,    -(1LL << 59), -62135596800LL, -2208988800LL,  -1,        0,
        1700000000LL, 4102444800LL, 4102444799LL,   253402300799LL, 1LL << 40, INT64_MAX};
    for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
        check_off(tz, probes[i]);
    }
    ls_tz_free(tz);
    return 0;
}

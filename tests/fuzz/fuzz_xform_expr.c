/*
 * fuzz_xform_expr.c — the derived-column expression parser (and through quoted zones the
 * POSIX TZ string parser) on arbitrary text, with zone files disallowed so that no input
 * opens a file. Checks: no crash; a failure returns nothing and a message; a parsed
 * expression evaluates at sample instants to values inside its function's range, or to
 * the range error only outside years 0001-9999.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lakesink/alloc.h"
#include "lakesink/xform.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_value(ls_xform_fn_t fn, int32_t v)
{
    static const int32_t lo[] = {1, 1, 1, 0, -719162, -719162};
    static const int32_t hi[] = {9999, 12, 31, 23, 2932896, 2932896};
    if ((unsigned)fn > LS_XFORM_COB_DATE || v < lo[fn] || v > hi[fn]) {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 8192) {
        return 0;
    }
    char *expr = ls_malloc(size + 1);
    if (expr == NULL) {
        return 0;
    }
    memcpy(expr, data, size);
    expr[size] = '\0';
    ls_xform_derive_t *d = NULL;
    ls_error_t err;
    ls_err_t rc = ls_xform_derive_parse_ex(expr, LS_XFORM_PARSE_NO_FILES, &d, &err);
    ls_free(expr);
    if (rc != LS_OK) {
        if (d != NULL || err.msg[0] == '\0') {
            abort();
        }
        return 0;
    }
    if (ls_xform_derive_source(d)[0] == '\0') {
        abort();
    }
    /* well inside 0001-9999 (at most a day plus a weekend from either end) */
    static const int64_t inside[] = {-62135000000LL, -2208988800LL, -1, 0, 1718398800LL,
                                     4102444800LL,   253401000000LL};
    static const int64_t outside[] = {INT64_MIN, -62135596801LL, 253402300800LL,
                                      INT64_MAX / 1000000};
    ls_xform_fn_t fn = ls_xform_derive_fn(d);
    for (size_t i = 0; i < sizeof(inside) / sizeof(inside[0]); i++) {
        int32_t v;
        if (ls_xform_derive_eval(d, inside[i] * 1000000, &v, &err) != LS_OK) {
            abort();
        }
        check_value(fn, v);
    }
    for (size_t i = 0; i < sizeof(outside) / sizeof(outside[0]); i++) {
        int32_t v;
        int64_t us = outside[i] == INT64_MIN ? INT64_MIN : outside[i] * 1000000;
        if (ls_xform_derive_eval(d, us, &v, NULL) != LS_XFORM_ERR_RANGE) {
            abort();
        }
    }
    ls_xform_derive_free(d);
    return 0;
}

/*
 * convert.c — CSV field text to column values, and the value classes inference uses.
 * Numbers, dates, timestamps, times, uuids and base64 are parsed by the JSON module's
 * text helpers (lakesink/text.h), so a value means the same in CSV and JSON: the JSON number
 * grammar (no '+', no leading zeros), integers range-checked, decimals exact (rounded
 * half away from zero to the column's scale), doubles correctly rounded; float/double
 * also take NaN, Infinity and -Infinity; booleans are true/false in any case.
 * Not responsible for: null rules and field boundaries (decode.c, scan.c).
 */
#include <math.h>
#include <string.h>
#include <strings.h>

#include "csv_int.h"
#include "lakesink/text.h"

bool ls__csv_type_supported(const ls_type_t *t)
{
    switch (t->kind) {
    case LS_TYPE_STRUCT:
    case LS_TYPE_ARRAY:
    case LS_TYPE_MAP: return false;
    case LS_TYPE_DECIMAL:
        return t->precision >= 1 && t->precision <= LS_DECIMAL_MAX_PRECISION && t->scale >= 0 &&
               t->scale <= t->precision;
    default: return (unsigned)t->kind < LS_TYPE__COUNT;
    }
}

int ls__csv_bool(const char *s, size_t n)
{
    if (n == 4 && strncasecmp(s, "true", 4) == 0) {
        return 1;
    }
    if (n == 5 && strncasecmp(s, "false", 5) == 0) {
        return 0;
    }
    return -1;
}

static ls_err_t ls__push_decimal(ls_batch_t *b, ls_column_t *c, ls_i128_t v)
{
    if (c->leaf->store == LS_COL_I32) {
        return ls_col_push_i32(b, c, (int32_t)v, 0);
    }
    if (c->leaf->store == LS_COL_I64) {
        return ls_col_push_i64(b, c, (int64_t)v, 0);
    }
    uint8_t be[32];
    uint32_t w = c->leaf->width;
    if (w == 0 || w > sizeof(be)) {
        return LS_ERR_UNSUPPORTED;
    }
    ls_u128_t u = (ls_u128_t)v;
    for (uint32_t i = 0; i < w; i++) { /* big-endian two's complement */
        be[w - 1 - i] = i < 16 ? (uint8_t)(u >> (8 * i)) : (v < 0 ? 0xFF : 0x00);
    }
    return ls_col_push_bytes(b, c, be, w, 0);
}

static ls_err_t ls__push_int(ls_batch_t *b, ls_column_t *c, ls_type_kind_t k, const char *s,
                             size_t n, const char **why)
{
    ls_num_t num;
    int64_t v;
    uint64_t u;
    if (!ls_num_parse(s, n, &num)) {
        *why = "a number expected";
        return LS_ERR_SCHEMA;
    }
    if (k == LS_TYPE_UINT64) {
        if (!ls_num_to_u64(&num, &u)) {
            *why = "out of range or not an integer";
            return LS_ERR_SCHEMA;
        }
        return ls_col_push_i64(b, c, (int64_t)u, 0);
    }
    int64_t lo = k == LS_TYPE_BYTE ? INT8_MIN : k == LS_TYPE_SHORT ? INT16_MIN : INT32_MIN;
    int64_t hi = k == LS_TYPE_BYTE ? INT8_MAX : k == LS_TYPE_SHORT ? INT16_MAX : INT32_MAX;
    if (!ls_num_to_i64(&num, &v) || (k != LS_TYPE_LONG && (v < lo || v > hi))) {
        *why = "out of range or not an integer";
        return LS_ERR_SCHEMA;
    }
    return k == LS_TYPE_LONG ? ls_col_push_i64(b, c, v, 0) : ls_col_push_i32(b, c, (int32_t)v, 0);
}

static ls_err_t ls__push_real(ls_batch_t *b, ls_column_t *c, const ls_type_t *t, const char *s,
                              size_t n, const char **why)
{
    ls_num_t num;
    double dv;
    float fv;
    ls_i128_t dec;
    bool special = t->kind != LS_TYPE_DECIMAL && ls_text_parse_special_float(s, n, &dv);
    if (!special && !ls_num_parse(s, n, &num)) {
        *why = "a number expected";
        return LS_ERR_SCHEMA;
    }
    switch (t->kind) {
    case LS_TYPE_FLOAT:
        if (!special && !ls_num_to_float(&num, &fv)) {
            *why = "out of the float range";
            return LS_ERR_SCHEMA;
        }
        return ls_col_push_float(b, c, special ? (float)dv : fv, 0);
    case LS_TYPE_DOUBLE:
        if (!special && !ls_num_to_double(&num, &dv)) {
            *why = "out of the double range";
            return LS_ERR_SCHEMA;
        }
        return ls_col_push_double(b, c, dv, 0);
    default:
        if (!ls_num_to_decimal(&num, t->precision, t->scale, &dec)) {
            *why = "too many digits for the precision";
            return LS_ERR_SCHEMA;
        }
        return ls__push_decimal(b, c, dec);
    }
}

static ls_err_t ls__push_time(ls_batch_t *b, ls_column_t *c, ls_type_kind_t k, const char *s,
                              size_t n, const char **why)
{
    int64_t us;
    int32_t days;
    bool zone = false;
    switch (k) {
    case LS_TYPE_DATE:
        if (!ls_text_parse_date(s, n, &days)) {
            *why = "YYYY-MM-DD expected";
            return LS_ERR_SCHEMA;
        }
        return ls_col_push_i32(b, c, days, 0);
    case LS_TYPE_TIME:
        if (!ls_text_parse_time(s, n, &us)) {
            *why = "HH:MM:SS[.ffffff] expected";
            return LS_ERR_SCHEMA;
        }
        return ls_col_push_i64(b, c, us, 0);
    default:
        if (!ls_text_parse_timestamp(s, n, &us, &zone)) {
            *why = "ISO-8601 YYYY-MM-DD[THH:MM:SS[.f]][Z|+HH:MM] expected";
            return LS_ERR_SCHEMA;
        }
        if (zone && k == LS_TYPE_TIMESTAMP_NTZ) {
            *why = "a timestamp_ntz has no zone offset";
            return LS_ERR_SCHEMA;
        }
        return ls_col_push_i64(b, c, us, 0);
    }
}

ls_err_t ls__csv_push_text(ls_batch_t *b, const ls__csv_col_t *cc, const char *s, size_t n,
                           uint8_t *scratch, const char **why)
{
    ls_column_t *c = &b->cols[cc->leaf];
    uint8_t uuid[16];
    size_t len;
    int bv;
    switch (cc->kind) {
    case LS_TYPE_STRING: return ls_col_push_bytes(b, c, s, n, 0);
    case LS_TYPE_BINARY:
    case LS_TYPE_FIXED:
        if (!ls_base64_decode(s, n, scratch, &len)) {
            *why = "base64 expected";
            return LS_ERR_SCHEMA;
        }
        if (c->leaf->store == LS_COL_FIXED && len != c->leaf->width) {
            *why = "wrong length for a fixed-size column";
            return LS_ERR_SCHEMA;
        }
        return ls_col_push_bytes(b, c, scratch, len, 0);
    case LS_TYPE_BOOLEAN:
        if ((bv = ls__csv_bool(s, n)) < 0) {
            *why = "true or false expected";
            return LS_ERR_SCHEMA;
        }
        return ls_col_push_bool(b, c, bv == 1, 0);
    case LS_TYPE_BYTE:
    case LS_TYPE_SHORT:
    case LS_TYPE_INTEGER:
    case LS_TYPE_LONG:
    case LS_TYPE_UINT64: return ls__push_int(b, c, cc->kind, s, n, why);
    case LS_TYPE_FLOAT:
    case LS_TYPE_DOUBLE:
    case LS_TYPE_DECIMAL: return ls__push_real(b, c, cc->type, s, n, why);
    case LS_TYPE_UUID:
        if (!ls_text_parse_uuid(s, n, uuid)) {
            *why = "8-4-4-4-12 hex expected";
            return LS_ERR_SCHEMA;
        }
        return ls_col_push_bytes(b, c, uuid, 16, 0);
    default: return ls__push_time(b, c, cc->kind, s, n, why);
    }
}

unsigned ls__csv_classify(const char *s, size_t n)
{
    unsigned m = 0;
    ls_num_t num;
    int64_t i;
    double d;
    int32_t days;
    bool zone = false;
    if (n == 0) {
        return 0;
    }
    if (ls_num_parse(s, n, &num)) {
        if (num.is_int && ls_num_to_i64(&num, &i)) {
            m |= LS__CV_INT;
        }
        if (ls_num_to_double(&num, &d)) {
            m |= LS__CV_NUM;
        }
        return m;
    }
    if (ls_text_parse_special_float(s, n, &d)) {
        return LS__CV_NUM;
    }
    if (ls__csv_bool(s, n) >= 0) {
        return LS__CV_BOOL;
    }
    if (n >= 10 && s[4] == '-') {
        if (ls_text_parse_date(s, n, &days)) {
            m |= LS__CV_DATE;
        }
        if (ls_text_parse_timestamp(s, n, &i, &zone)) {
            m |= LS__CV_TS | (zone ? LS__CV_ZONE : 0u);
        }
    }
    return m;
}

/*
 * decode_leaf.c — conversion of one JSON scalar into a leaf column value, with the
 * decoder's strictness rules:
 *   - numbers fill only numeric columns (byte..long, uint64, float, double, decimal);
 *     integer columns take integral values only (1.0 and 1e3 are integral, 1.5 is
 *     not), range-checked; a double that overflows to infinity is an error;
 *   - strings fill string, binary/fixed (base64), date, timestamp, timestamp_ntz,
 *     time and uuid columns; decimals also accept a number inside a string, and
 *     float/double accept exactly "NaN", "Infinity" and "-Infinity" (what
 *     ls_json_write_rows prints for them);
 *   - true/false fill boolean columns; anything else is LS_ERR_SCHEMA.
 * Map keys are always JSON strings, so for keys every type is parsed from the text.
 * Not responsible for: structure (decode.c) or the text formats (datetime.c).
 */
#include <math.h>
#include <string.h>

#include "decode_int.h"

bool ls__dec_leaf_supported(const ls_type_t *t)
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

static const char *ls__json_kind_at(const char *p, const char *end)
{
    ls__jerr_t le;
    ls_num_t n;
    bool esc;
    switch (*p) {
    case '"': return ls__json_scan_string(p + 1, end, &esc, &le) ? "a string" : NULL;
    case '{': return "an object";
    case '[': return "an array";
    case 't': return ls__json_literal(p, end, "true", 4, &le) ? "a boolean" : NULL;
    case 'f': return ls__json_literal(p, end, "false", 5, &le) ? "a boolean" : NULL;
    default: return ls__json_scan_number(p, end, &n, &le) ? "a number" : NULL;
    }
}

const char *ls__dec_mismatch(ls__dec_t *d, const ls__jplan_t *pl, const char *p)
{
    const char *got = ls__json_kind_at(p, d->end);
    if (got == NULL) {
        ls__jerr_t le;
        ls__jfail(&le, p, "invalid JSON value");
        if (*p == '"') { /* report the string's own defect */
            bool esc;
            ls__json_scan_string(p + 1, d->end, &esc, &le);
        }
        return ls__dec_lexfail(d, &le);
    }
    char t[64];
    ls_type_describe(pl->node->type, t, sizeof(t));
    return ls__dec_fail(d, LS_ERR_SCHEMA, p, "%s cannot fill a %s column", got, t);
}

static ls_err_t ls__push_decimal(ls_batch_t *b, ls_column_t *c, ls_i128_t v, int rep)
{
    switch (c->leaf->store) {
    case LS_COL_I32: return ls_col_push_i32(b, c, (int32_t)v, rep);
    case LS_COL_I64: return ls_col_push_i64(b, c, (int64_t)v, rep);
    default: break;
    }
    uint8_t be[64];
    uint32_t w = c->leaf->width;
    if (w == 0 || w > sizeof(be)) {
        return LS_ERR_UNSUPPORTED;
    }
    ls_u128_t u = (ls_u128_t)v;
    for (uint32_t i = 0; i < w; i++) { /* big-endian two's complement, sign-extended */
        be[w - 1 - i] = i < 16 ? (uint8_t)(u >> (8 * i)) : (v < 0 ? 0xFF : 0x00);
    }
    return ls_col_push_bytes(b, c, be, w, rep);
}

/* Convert @p n for the column and push it; *ok is false when it does not fit. */
static ls_err_t ls__num_push(ls__dec_t *d, const ls__jplan_t *pl, const ls_num_t *n, int rep,
                             bool *ok)
{
    static const int64_t lo[] = {INT8_MIN, INT16_MIN, INT32_MIN};
    static const int64_t hi[] = {INT8_MAX, INT16_MAX, INT32_MAX};
    ls_column_t *c = &d->b->cols[pl->leaf];
    const ls_type_t *t = pl->node->type;
    int64_t i;
    uint64_t u;
    double dv;
    float fv;
    ls_i128_t dec;
    switch (pl->kind) {
    case LS_TYPE_BYTE:
    case LS_TYPE_SHORT:
    case LS_TYPE_INTEGER: {
        int k = pl->kind == LS_TYPE_BYTE ? 0 : pl->kind == LS_TYPE_SHORT ? 1 : 2;
        *ok = ls_num_to_i64(n, &i) && i >= lo[k] && i <= hi[k];
        return *ok ? ls_col_push_i32(d->b, c, (int32_t)i, rep) : LS_OK;
    }
    case LS_TYPE_LONG:
        *ok = ls_num_to_i64(n, &i);
        return *ok ? ls_col_push_i64(d->b, c, i, rep) : LS_OK;
    case LS_TYPE_UINT64:
        *ok = ls_num_to_u64(n, &u);
        return *ok ? ls_col_push_i64(d->b, c, (int64_t)u, rep) : LS_OK;
    case LS_TYPE_FLOAT:
        *ok = ls_num_to_float(n, &fv);
        return *ok ? ls_col_push_float(d->b, c, fv, rep) : LS_OK;
    case LS_TYPE_DOUBLE:
        *ok = ls_num_to_double(n, &dv);
        return *ok ? ls_col_push_double(d->b, c, dv, rep) : LS_OK;
    default: /* decimal */
        *ok = ls_num_to_decimal(n, t->precision, t->scale, &dec);
        return *ok ? ls__push_decimal(d->b, c, dec, rep) : LS_OK;
    }
}

static bool ls__is_numeric(ls_type_kind_t k)
{
    return (k >= LS_TYPE_BYTE && k <= LS_TYPE_DECIMAL) || k == LS_TYPE_UINT64;
}

/* A number that did not fit its column: remember the wider type that would hold it
 * (integers -> long, float -> double), so a caller with additive evolution can widen. */
static void ls__note_widening(ls__dec_t *d, const ls__jplan_t *pl, const ls_num_t *n)
{
    int64_t i;
    double dv;
    bool narrow_int = pl->kind == LS_TYPE_BYTE || pl->kind == LS_TYPE_SHORT ||
                      pl->kind == LS_TYPE_INTEGER;
    if (narrow_int && ls_num_to_i64(n, &i)) {
        d->widen_node = pl->node;
        d->widen_to = LS_TYPE_LONG;
    } else if (pl->kind == LS_TYPE_FLOAT && ls_num_to_double(n, &dv)) {
        d->widen_node = pl->node;
        d->widen_to = LS_TYPE_DOUBLE;
    }
}

/* Number scanned into @p n, pushed by column kind; false with the error set. */
static bool ls__push_number(ls__dec_t *d, const ls__jplan_t *pl, const ls_num_t *n,
                            const char *pos, int rep)
{
    if (!ls__is_numeric(pl->kind)) {
        ls__dec_mismatch(d, pl, pos);
        return false;
    }
    bool ok;
    ls_err_t rc = ls__num_push(d, pl, n, rep, &ok);
    if (!ok) {
        ls__note_widening(d, pl, n);
        char tn[64];
        int len = (int)(n->end - n->begin);
        ls_type_describe(pl->node->type, tn, sizeof(tn));
        ls__dec_fail(d, LS_ERR_SCHEMA, pos, "number %.*s%s does not fit a %s column",
                     len > 40 ? 40 : len, n->begin, len > 40 ? "..." : "", tn);
        return false;
    }
    return rc == LS_OK || ls__dec_pushfail(d, rc, pos) != NULL;
}

static const char *ls__dec_number(ls__dec_t *d, const ls__jplan_t *pl, const char *p, int rep)
{
    ls_num_t n;
    ls__jerr_t le;
    const char *q = ls__json_scan_number(p, d->end, &n, &le);
    if (q == NULL) {
        return ls__dec_lexfail(d, &le);
    }
    return ls__push_number(d, pl, &n, p, rep) ? q : NULL;
}

static bool ls__text_fail(ls__dec_t *d, const ls__jplan_t *pl, const char *pos, const char *s,
                          size_t n, const char *want)
{
    char tn[64];
    ls_type_describe(pl->node->type, tn, sizeof(tn));
    ls__dec_fail(d, LS_ERR_SCHEMA, pos, "\"%.*s%s\" is not a valid %s value (%s)",
                 n > 40 ? 40 : (int)n, s, n > 40 ? "..." : "", tn, want);
    return false;
}

static bool ls__text_float(ls__dec_t *d, const ls__jplan_t *pl, const char *s, size_t n,
                           const char *pos, int rep, bool is_key)
{
    double v;
    ls_column_t *c = &d->b->cols[pl->leaf];
    if (ls_text_parse_special_float(s, n, &v)) {
        ls_err_t rc = pl->kind == LS_TYPE_FLOAT ? ls_col_push_float(d->b, c, (float)v, rep)
                                                : ls_col_push_double(d->b, c, v, rep);
        return rc == LS_OK || ls__dec_pushfail(d, rc, pos) != NULL;
    }
    ls_num_t num;
    if (is_key && ls_num_parse(s, n, &num)) {
        return ls__push_number(d, pl, &num, pos, rep);
    }
    return ls__text_fail(d, pl, pos, s, n,
                         is_key ? "a number" : "strings allowed: NaN, Infinity, -Infinity");
}

static bool ls__text_binary(ls__dec_t *d, const ls__jplan_t *pl, const char *s, size_t n,
                            const char *pos, int rep)
{
    size_t len;
    ls_column_t *c = &d->b->cols[pl->leaf];
    if (!ls_base64_decode(s, n, d->scratch, &len)) {
        return ls__text_fail(d, pl, pos, s, n, "base64 expected");
    }
    if (c->leaf->store == LS_COL_FIXED && len != c->leaf->width) {
        return ls__text_fail(d, pl, pos, s, n, "wrong length for a fixed-size column");
    }
    ls_err_t rc = ls_col_push_bytes(d->b, c, d->scratch, len, rep);
    return rc == LS_OK || ls__dec_pushfail(d, rc, pos) != NULL;
}

static bool ls__text_time(ls__dec_t *d, const ls__jplan_t *pl, const char *s, size_t n,
                          const char *pos, int rep)
{
    ls_column_t *c = &d->b->cols[pl->leaf];
    int64_t us;
    int32_t days;
    bool zone = false;
    ls_err_t rc;
    switch (pl->kind) {
    case LS_TYPE_DATE:
        if (!ls_text_parse_date(s, n, &days)) {
            return ls__text_fail(d, pl, pos, s, n, "YYYY-MM-DD expected");
        }
        rc = ls_col_push_i32(d->b, c, days, rep);
        break;
    case LS_TYPE_TIME:
        if (!ls_text_parse_time(s, n, &us)) {
            return ls__text_fail(d, pl, pos, s, n, "HH:MM:SS[.ffffff] expected");
        }
        rc = ls_col_push_i64(d->b, c, us, rep);
        break;
    default:
        if (!ls_text_parse_timestamp(s, n, &us, &zone)) {
            return ls__text_fail(d, pl, pos, s, n,
                                 "ISO-8601 YYYY-MM-DDTHH:MM:SS[.f][Z|+HH:MM] expected");
        }
        if (zone && pl->kind == LS_TYPE_TIMESTAMP_NTZ) {
            return ls__text_fail(d, pl, pos, s, n, "a timestamp_ntz has no zone offset");
        }
        rc = ls_col_push_i64(d->b, c, us, rep);
        break;
    }
    return rc == LS_OK || ls__dec_pushfail(d, rc, pos) != NULL;
}

bool ls__dec_text(ls__dec_t *d, const ls__jplan_t *pl, const char *s, size_t n, const char *pos,
                  int rep, bool is_key)
{
    ls_column_t *c = &d->b->cols[pl->leaf];
    ls_err_t rc;
    ls_num_t num;
    uint8_t uuid[16];
    switch (pl->kind) {
    case LS_TYPE_STRING:
        rc = ls_col_push_bytes(d->b, c, s, n, rep);
        return rc == LS_OK || ls__dec_pushfail(d, rc, pos) != NULL;
    case LS_TYPE_BINARY:
    case LS_TYPE_FIXED: return ls__text_binary(d, pl, s, n, pos, rep);
    case LS_TYPE_FLOAT:
    case LS_TYPE_DOUBLE: return ls__text_float(d, pl, s, n, pos, rep, is_key);
    case LS_TYPE_DATE:
    case LS_TYPE_TIME:
    case LS_TYPE_TIMESTAMP:
    case LS_TYPE_TIMESTAMP_NTZ: return ls__text_time(d, pl, s, n, pos, rep);
    case LS_TYPE_UUID:
        if (!ls_text_parse_uuid(s, n, uuid)) {
            return ls__text_fail(d, pl, pos, s, n, "8-4-4-4-12 hex expected");
        }
        rc = ls_col_push_bytes(d->b, c, uuid, 16, rep);
        return rc == LS_OK || ls__dec_pushfail(d, rc, pos) != NULL;
    case LS_TYPE_BOOLEAN:
        if (is_key && (n == 4 || n == 5) && memcmp(s, n == 4 ? "true" : "false", n) == 0) {
            rc = ls_col_push_bool(d->b, c, n == 4, rep);
            return rc == LS_OK || ls__dec_pushfail(d, rc, pos) != NULL;
        }
        return ls__text_fail(d, pl, pos, s, n, "true or false expected");
    default: /* integers and decimals */
        if ((is_key || pl->kind == LS_TYPE_DECIMAL) && ls_num_parse(s, n, &num)) {
            return ls__push_number(d, pl, &num, pos, rep);
        }
        return ls__text_fail(d, pl, pos, s, n, "a number expected");
    }
}

/* A JSON string value for a column that takes text: scan, unescape, convert. */
static const char *ls__dec_textval(ls__dec_t *d, const ls__jplan_t *pl, const char *p, int rep)
{
    bool esc;
    ls__jerr_t le;
    const char *q = ls__json_scan_string(p + 1, d->end, &esc, &le);
    if (q == NULL) {
        return ls__dec_lexfail(d, &le);
    }
    const char *s = p + 1;
    size_t n = (size_t)(q - s);
    if (esc) {
        n = ls__json_unescape(s, q, d->scratch);
        s = (const char *)d->scratch;
    }
    return ls__dec_text(d, pl, s, n, p, rep, false) ? q + 1 : NULL;
}

/* The hot path for string columns: copy straight from the input when there is no escape. */
static const char *ls__dec_string(ls__dec_t *d, const ls__jplan_t *pl, const char *p, int rep)
{
    bool esc;
    ls__jerr_t le;
    const char *q = ls__json_scan_string(p + 1, d->end, &esc, &le);
    if (q == NULL) {
        return ls__dec_lexfail(d, &le);
    }
    ls_column_t *c = &d->b->cols[pl->leaf];
    ls_err_t rc;
    if (!esc) {
        rc = ls_col_push_bytes(d->b, c, p + 1, (size_t)(q - p - 1), rep);
    } else {
        size_t n = ls__json_unescape(p + 1, q, d->scratch);
        rc = ls_col_push_bytes(d->b, c, d->scratch, n, rep);
    }
    return rc == LS_OK ? q + 1 : ls__dec_pushfail(d, rc, p);
}

/* Any non-string JSON value in a string column, kept as its (validated) JSON text. */
static const char *ls__dec_json_text(ls__dec_t *d, const ls__jplan_t *pl, const char *p, int rep)
{
    ls__jerr_t le;
    const char *q = ls__json_skip_value(p, d->end, d->max_depth - d->depth, &le);
    if (q == NULL) {
        return ls__dec_lexfail(d, &le);
    }
    ls_err_t rc = ls_col_push_bytes(d->b, &d->b->cols[pl->leaf], p, (size_t)(q - p), rep);
    return rc == LS_OK ? q : ls__dec_pushfail(d, rc, p);
}

const char *ls__dec_leaf(ls__dec_t *d, const ls__jplan_t *pl, const char *p, int rep)
{
    char ch = *p;
    bool num = ch == '-' || (unsigned char)(ch - '0') < 10;
    switch (pl->kind) {
    case LS_TYPE_STRING:
        if (ch == '"') {
            return ls__dec_string(d, pl, p, rep);
        }
        return d->opts.json_text_in_strings && ch != 'n' ? ls__dec_json_text(d, pl, p, rep)
                                                         : ls__dec_mismatch(d, pl, p);
    case LS_TYPE_BOOLEAN: {
        ls__jerr_t le;
        const char *q = NULL;
        if (ch == 't' || ch == 'f') {
            q = ch == 't' ? ls__json_literal(p, d->end, "true", 4, &le)
                          : ls__json_literal(p, d->end, "false", 5, &le);
        }
        if (q == NULL) {
            return ls__dec_mismatch(d, pl, p);
        }
        ls_err_t rc = ls_col_push_bool(d->b, &d->b->cols[pl->leaf], ch == 't', rep);
        return rc == LS_OK ? q : ls__dec_pushfail(d, rc, p);
    }
    case LS_TYPE_BYTE:
    case LS_TYPE_SHORT:
    case LS_TYPE_INTEGER:
    case LS_TYPE_LONG:
    case LS_TYPE_UINT64: return num ? ls__dec_number(d, pl, p, rep) : ls__dec_mismatch(d, pl, p);
    case LS_TYPE_FLOAT:
    case LS_TYPE_DOUBLE:
    case LS_TYPE_DECIMAL:
        if (num) {
            return ls__dec_number(d, pl, p, rep);
        }
        return ch == '"' ? ls__dec_textval(d, pl, p, rep) : ls__dec_mismatch(d, pl, p);
    default: return ch == '"' ? ls__dec_textval(d, pl, p, rep) : ls__dec_mismatch(d, pl, p);
    }
}

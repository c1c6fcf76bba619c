/*
 * compact.c — Thrift compact protocol primitives (see compact.h).
 *
 * Responsible for: bounds-checked decoding of varints, zigzag integers, field and
 * container headers, binary values, skipping, and the matching encoder. Not
 * responsible for: any particular IDL (parquet_meta*.c) or allocation (none here).
 */
#include "compact.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* ---- errors ---- */

static bool fail_at(ls_thrift_reader_t *r, size_t off, ls_err_t code, const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));

static bool fail_at(ls_thrift_reader_t *r, size_t off, ls_err_t code, const char *fmt, va_list ap)
{
    if (r->rc != LS_OK) {
        return false;
    }
    char msg[LS_ERROR_MSG_MAX];
    vsnprintf(msg, sizeof(msg), fmt, ap);
    r->rc = code;
    r->in_path = false;
    ls_error_set(r->err, code, "%s at byte %zu", msg, off);
    /* Stop all further reads: every bounds check now fails immediately. */
    r->p = r->end;
    return false;
}

bool ls_thrift_fail(ls_thrift_reader_t *r, ls_err_t code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fail_at(r, ls_thrift_reader_offset(r), code, fmt, ap);
    va_end(ap);
    return false;
}

static bool corrupt_at(ls_thrift_reader_t *r, const uint8_t *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static bool corrupt_at(ls_thrift_reader_t *r, const uint8_t *at, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fail_at(r, (size_t)(at - r->start), LS_ERR_CORRUPT, fmt, ap);
    va_end(ap);
    return false;
}

void ls_thrift_path(ls_thrift_reader_t *r, const char *fmt, ...)
{
    if (r->rc == LS_OK || r->err == NULL) {
        return;
    }
    char comp[128];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(comp, sizeof(comp), fmt, ap);
    va_end(ap);
    /* "columns" + "[2].meta_data" joins without a dot */
    const char *sep = !r->in_path ? ": " : r->err->msg[0] == '[' ? "" : ".";
    ls_error_prefix(r->err, "%s%s", comp, sep);
    r->in_path = true;
}

/* ---- reader ---- */

void ls_thrift_reader_init(ls_thrift_reader_t *r, const uint8_t *data, size_t len, ls_error_t *err)
{
    static const uint8_t empty[1];
    memset(r, 0, sizeof(*r));
    r->err = err;
    r->rc = LS_OK;
    if (data == NULL) { /* keeps pointer arithmetic defined (NULL + 0 is not) */
        if (len != 0) {
            r->rc = ls_error_set(err, LS_ERR_INVALID_ARG, "NULL input of %zu bytes", len);
        }
        data = empty;
        len = 0;
    }
    r->start = data;
    r->p = data;
    r->end = data + len;
}

size_t ls_thrift_reader_offset(const ls_thrift_reader_t *r)
{
    return (size_t)(r->p - r->start);
}

/* Make sure @p n bytes are there; latch a truncation error otherwise. */
static bool need(ls_thrift_reader_t *r, size_t n, const char *what)
{
    if ((size_t)(r->end - r->p) >= n) {
        return r->rc == LS_OK;
    }
    if (r->rc != LS_OK) {
        return false;
    }
    return corrupt_at(r, r->p, "input ends inside %s (%zu bytes needed, %zu left)", what, n,
                      (size_t)(r->end - r->p));
}

uint64_t ls_thrift_read_uvarint(ls_thrift_reader_t *r)
{
    const uint8_t *at = r->p;
    uint64_t v = 0;
    for (unsigned i = 0; i < 10; i++) {
        if (!need(r, 1, "a varint")) {
            return 0;
        }
        uint8_t b = *r->p++;
        if (i == 9 && b > 1) {
            corrupt_at(r, at, "varint overflows 64 bits");
            return 0;
        }
        v |= (uint64_t)(b & 0x7f) << (7 * i);
        if ((b & 0x80) == 0) {
            return v;
        }
    }
    corrupt_at(r, at, "varint longer than 10 bytes");
    return 0;
}

/* A zigzag varint that must fit in @p bits (16, 32 or 64). */
static int64_t read_zigzag(ls_thrift_reader_t *r, unsigned bits, const char *what)
{
    const uint8_t *at = r->p;
    uint64_t u = ls_thrift_read_uvarint(r);
    if (bits < 64 && (u >> bits) != 0) {
        corrupt_at(r, at, "%s value out of range", what);
        return 0;
    }
    return ls_thrift_unzigzag64(u);
}

int8_t ls_thrift_read_i8(ls_thrift_reader_t *r)
{
    if (!need(r, 1, "an i8")) {
        return 0;
    }
    return (int8_t)*r->p++;
}

int16_t ls_thrift_read_i16(ls_thrift_reader_t *r)
{
    return (int16_t)read_zigzag(r, 16, "i16");
}

int32_t ls_thrift_read_i32(ls_thrift_reader_t *r)
{
    return (int32_t)read_zigzag(r, 32, "i32");
}

int64_t ls_thrift_read_i64(ls_thrift_reader_t *r)
{
    return read_zigzag(r, 64, "i64");
}

double ls_thrift_read_double(ls_thrift_reader_t *r)
{
    if (!need(r, 8, "a double")) {
        return 0;
    }
    uint64_t bits = 0;
    for (unsigned i = 0; i < 8; i++) {
        bits |= (uint64_t)r->p[i] << (8 * i);
    }
    r->p += 8;
    double d;
    memcpy(&d, &bits, sizeof(d));
    return d;
}

bool ls_thrift_read_bool(ls_thrift_reader_t *r)
{
    /* The spec writes true as 1 and false as 2; some writers use 0 for false. */
    return ls_thrift_read_i8(r) == 1;
}

const uint8_t *ls_thrift_read_binary(ls_thrift_reader_t *r, uint32_t *len)
{
    *len = 0;
    const uint8_t *at = r->p;
    uint64_t n = ls_thrift_read_uvarint(r);
    if (r->rc != LS_OK) {
        return NULL;
    }
    if (n > (uint64_t)(r->end - r->p)) {
        corrupt_at(r, at, "binary of %llu bytes but only %zu bytes left", (unsigned long long)n,
                   (size_t)(r->end - r->p));
        return NULL;
    }
    const uint8_t *p = r->p;
    r->p += n;
    *len = (uint32_t)n;
    return p;
}

/* Smallest possible encoding of one element of type @p t, 0 if @p t is not an element type. */
static size_t min_elem_size(ls_thrift_type_t t)
{
    switch (t) {
    case LS_THRIFT_BOOL:
    case LS_THRIFT_BOOL_FALSE:
    case LS_THRIFT_I8:
    case LS_THRIFT_I16:
    case LS_THRIFT_I32:
    case LS_THRIFT_I64:
    case LS_THRIFT_BINARY:
    case LS_THRIFT_LIST:
    case LS_THRIFT_SET:
    case LS_THRIFT_MAP:
    case LS_THRIFT_STRUCT: return 1;
    case LS_THRIFT_DOUBLE: return 8;
    case LS_THRIFT_UUID: return 16;
    default: return 0;
    }
}

/* Bools in containers may be tagged 1 or 2; report both as LS_THRIFT_BOOL. */
static ls_thrift_type_t elem_type(uint8_t nibble)
{
    return nibble == LS_THRIFT_BOOL_FALSE ? LS_THRIFT_BOOL : (ls_thrift_type_t)nibble;
}

uint32_t ls_thrift_read_list_begin(ls_thrift_reader_t *r, ls_thrift_type_t *elem,
                                   size_t min_elem_bytes)
{
    *elem = LS_THRIFT_STOP;
    const uint8_t *at = r->p;
    if (!need(r, 1, "a list header")) {
        return 0;
    }
    uint8_t h = *r->p++;
    uint64_t n = h >> 4;
    if (n == 15) {
        n = ls_thrift_read_uvarint(r);
        if (r->rc != LS_OK) {
            return 0;
        }
    }
    if (n == 0) { /* some writers tag empty lists with any element type */
        *elem = elem_type(h & 0x0f);
        return 0;
    }
    size_t min = min_elem_size((ls_thrift_type_t)(h & 0x0f));
    if (min == 0) {
        corrupt_at(r, at, "invalid list element type %u", h & 0x0f);
        return 0;
    }
    if (min_elem_bytes > min) {
        min = min_elem_bytes;
    }
    size_t left = (size_t)(r->end - r->p);
    if (n > INT32_MAX || n > left / min) {
        corrupt_at(r, at, "list of %llu elements cannot fit in the %zu bytes left",
                   (unsigned long long)n, left);
        return 0;
    }
    *elem = elem_type(h & 0x0f);
    return (uint32_t)n;
}

uint32_t ls_thrift_read_map_begin(ls_thrift_reader_t *r, ls_thrift_type_t *key,
                                  ls_thrift_type_t *value)
{
    *key = *value = LS_THRIFT_STOP;
    const uint8_t *at = r->p;
    uint64_t n = ls_thrift_read_uvarint(r);
    if (r->rc != LS_OK || n == 0) {
        return 0;
    }
    if (!need(r, 1, "a map header")) {
        return 0;
    }
    uint8_t kv = *r->p++;
    size_t kmin = min_elem_size((ls_thrift_type_t)(kv >> 4));
    size_t vmin = min_elem_size((ls_thrift_type_t)(kv & 0x0f));
    if (kmin == 0 || vmin == 0) {
        corrupt_at(r, at, "invalid map key/value types %u/%u", kv >> 4, kv & 0x0f);
        return 0;
    }
    size_t left = (size_t)(r->end - r->p);
    if (n > INT32_MAX || n > left / (kmin + vmin)) {
        corrupt_at(r, at, "map of %llu entries cannot fit in the %zu bytes left",
                   (unsigned long long)n, left);
        return 0;
    }
    *key = elem_type(kv >> 4);
    *value = elem_type(kv & 0x0f);
    return (uint32_t)n;
}

static bool enter(ls_thrift_reader_t *r)
{
    if (r->rc != LS_OK) {
        return false;
    }
    if (r->depth >= LS_THRIFT_MAX_DEPTH) {
        return corrupt_at(r, r->p, "nesting deeper than %d levels", LS_THRIFT_MAX_DEPTH);
    }
    r->depth++;
    r->last_id[r->depth] = 0;
    return true;
}

static void leave(ls_thrift_reader_t *r)
{
    if (r->depth > 0) {
        r->depth--;
    }
}

bool ls_thrift_read_struct_begin(ls_thrift_reader_t *r)
{
    return enter(r);
}

void ls_thrift_read_struct_end(ls_thrift_reader_t *r)
{
    leave(r);
}

bool ls_thrift_read_field(ls_thrift_reader_t *r, ls_thrift_field_t *f)
{
    f->type = LS_THRIFT_STOP;
    f->id = 0;
    f->bool_value = false;
    const uint8_t *at = r->p;
    if (!need(r, 1, "a field header")) {
        return false;
    }
    uint8_t h = *r->p++;
    unsigned type = h & 0x0f;
    if (type == LS_THRIFT_STOP) {
        return false;
    }
    if (type > LS_THRIFT_UUID) {
        return corrupt_at(r, at, "invalid field type %u", type);
    }
    int32_t id;
    if ((h >> 4) != 0) {
        id = (int32_t)r->last_id[r->depth] + (h >> 4);
    } else {
        id = ls_thrift_read_i16(r);
    }
    if (r->rc != LS_OK) {
        return false;
    }
    if (id > INT16_MAX) {
        return corrupt_at(r, at, "field id %ld out of range", (long)id);
    }
    r->last_id[r->depth] = (int16_t)id;
    f->id = (int16_t)id;
    if (type == LS_THRIFT_BOOL || type == LS_THRIFT_BOOL_FALSE) {
        f->type = LS_THRIFT_BOOL;
        f->bool_value = type == LS_THRIFT_BOOL;
    } else {
        f->type = (ls_thrift_type_t)type;
    }
    return true;
}

void ls_thrift_skip(ls_thrift_reader_t *r, ls_thrift_type_t type)
{
    ls_thrift_type_t k, v;
    ls_thrift_field_t f;
    uint32_t n, len;
    switch (type) {
    case LS_THRIFT_BOOL:
    case LS_THRIFT_BOOL_FALSE:
    case LS_THRIFT_I8: (void)ls_thrift_read_i8(r); break;
    case LS_THRIFT_I16:
    case LS_THRIFT_I32:
    case LS_THRIFT_I64: (void)ls_thrift_read_uvarint(r); break;
    case LS_THRIFT_DOUBLE: (void)ls_thrift_read_double(r); break;
    case LS_THRIFT_UUID:
        if (need(r, 16, "a uuid")) {
            r->p += 16;
        }
        break;
    case LS_THRIFT_BINARY: (void)ls_thrift_read_binary(r, &len); break;
    case LS_THRIFT_LIST:
    case LS_THRIFT_SET:
        if (enter(r)) {
            n = ls_thrift_read_list_begin(r, &k, 0);
            for (uint32_t i = 0; i < n && r->rc == LS_OK; i++) {
                ls_thrift_skip(r, k);
            }
            leave(r);
        }
        break;
    case LS_THRIFT_MAP:
        if (enter(r)) {
            n = ls_thrift_read_map_begin(r, &k, &v);
            for (uint32_t i = 0; i < n && r->rc == LS_OK; i++) {
                ls_thrift_skip(r, k);
                ls_thrift_skip(r, v);
            }
            leave(r);
        }
        break;
    case LS_THRIFT_STRUCT:
        if (ls_thrift_read_struct_begin(r)) {
            while (ls_thrift_read_field(r, &f)) {
                ls_thrift_skip_field(r, &f);
            }
            ls_thrift_read_struct_end(r);
        }
        break;
    default:
        ls_thrift_fail(r, LS_ERR_CORRUPT, "cannot skip a value of wire type %d", (int)type);
        break;
    }
}

void ls_thrift_skip_field(ls_thrift_reader_t *r, const ls_thrift_field_t *f)
{
    if (f->type != LS_THRIFT_BOOL) { /* a boolean field's value is in its header */
        ls_thrift_skip(r, f->type);
    }
}

bool ls_thrift_field_is(ls_thrift_reader_t *r, const ls_thrift_field_t *f, ls_thrift_type_t type)
{
    if (f->type == type) {
        return true;
    }
    ls_thrift_skip_field(r, f);
    return false;
}

/* ---- writer ---- */

void ls_thrift_writer_init(ls_thrift_writer_t *w, ls_buf_t *out)
{
    memset(w, 0, sizeof(*w));
    w->out = out;
    w->rc = LS_OK;
}

void ls_thrift_writer_fail(ls_thrift_writer_t *w, ls_err_t code)
{
    if (w->rc == LS_OK) {
        w->rc = code;
    }
}

static void put(ls_thrift_writer_t *w, const void *p, size_t n)
{
    if (w->rc == LS_OK) {
        ls_err_t rc = ls_buf_append(w->out, p, n);
        if (rc != LS_OK) {
            w->rc = rc;
        }
    }
}

static void put_byte(ls_thrift_writer_t *w, uint8_t b)
{
    put(w, &b, 1);
}

void ls_thrift_write_uvarint(ls_thrift_writer_t *w, uint64_t v)
{
    uint8_t tmp[10];
    size_t n = 0;
    while (v >= 0x80) {
        tmp[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    tmp[n++] = (uint8_t)v;
    put(w, tmp, n);
}

void ls_thrift_write_struct_begin(ls_thrift_writer_t *w)
{
    if (w->depth >= LS_THRIFT_MAX_DEPTH) {
        ls_thrift_writer_fail(w, LS_ERR_LIMIT);
        return;
    }
    w->depth++;
    w->last_id[w->depth] = 0;
}

void ls_thrift_write_struct_end(ls_thrift_writer_t *w)
{
    put_byte(w, LS_THRIFT_STOP);
    if (w->depth > 0) {
        w->depth--;
    }
}

static void field_header(ls_thrift_writer_t *w, unsigned type, int16_t id)
{
    int32_t delta = (int32_t)id - w->last_id[w->depth];
    if (delta > 0 && delta <= 15) {
        put_byte(w, (uint8_t)((delta << 4) | (int32_t)type));
    } else {
        put_byte(w, (uint8_t)type);
        ls_thrift_write_i16(w, id);
    }
    w->last_id[w->depth] = id;
}

void ls_thrift_write_field(ls_thrift_writer_t *w, ls_thrift_type_t type, int16_t id)
{
    if (type == LS_THRIFT_BOOL || type == LS_THRIFT_BOOL_FALSE || type == LS_THRIFT_STOP) {
        ls_thrift_writer_fail(w, LS_ERR_INVALID_ARG);
        return;
    }
    field_header(w, type, id);
}

void ls_thrift_write_bool_field(ls_thrift_writer_t *w, int16_t id, bool v)
{
    field_header(w, v ? LS_THRIFT_BOOL : LS_THRIFT_BOOL_FALSE, id);
}

void ls_thrift_write_i8(ls_thrift_writer_t *w, int8_t v)
{
    put_byte(w, (uint8_t)v);
}

void ls_thrift_write_i16(ls_thrift_writer_t *w, int16_t v)
{
    ls_thrift_write_uvarint(w, ls_thrift_zigzag64(v));
}

void ls_thrift_write_i32(ls_thrift_writer_t *w, int32_t v)
{
    /* zigzag of a 32-bit value fits in 32 bits: the same bytes as a 32-bit encoder */
    ls_thrift_write_uvarint(w, ls_thrift_zigzag64(v));
}

void ls_thrift_write_i64(ls_thrift_writer_t *w, int64_t v)
{
    ls_thrift_write_uvarint(w, ls_thrift_zigzag64(v));
}

void ls_thrift_write_double(ls_thrift_writer_t *w, double v)
{
    uint64_t bits;
    memcpy(&bits, &v, sizeof(bits));
    uint8_t tmp[8];
    for (unsigned i = 0; i < 8; i++) {
        tmp[i] = (uint8_t)(bits >> (8 * i));
    }
    put(w, tmp, sizeof(tmp));
}

void ls_thrift_write_bool(ls_thrift_writer_t *w, bool v)
{
    put_byte(w, v ? LS_THRIFT_BOOL : LS_THRIFT_BOOL_FALSE);
}

void ls_thrift_write_binary(ls_thrift_writer_t *w, const void *p, size_t n)
{
    if (n > UINT32_MAX || (p == NULL && n != 0)) {
        ls_thrift_writer_fail(w, LS_ERR_INVALID_ARG);
        return;
    }
    ls_thrift_write_uvarint(w, n);
    put(w, p, n);
}

void ls_thrift_write_string(ls_thrift_writer_t *w, const char *s)
{
    if (s == NULL) {
        ls_thrift_writer_fail(w, LS_ERR_INVALID_ARG);
        return;
    }
    ls_thrift_write_binary(w, s, strlen(s));
}

void ls_thrift_write_list_begin(ls_thrift_writer_t *w, ls_thrift_type_t elem, uint32_t n)
{
    if (n < 15) {
        put_byte(w, (uint8_t)((n << 4) | elem));
    } else {
        put_byte(w, (uint8_t)(0xf0 | elem));
        ls_thrift_write_uvarint(w, n);
    }
}

void ls_thrift_write_map_begin(ls_thrift_writer_t *w, ls_thrift_type_t key, ls_thrift_type_t value,
                               uint32_t n)
{
    ls_thrift_write_uvarint(w, n);
    if (n != 0) {
        put_byte(w, (uint8_t)((key << 4) | value));
    }
}

void ls_thrift_write_i32_field(ls_thrift_writer_t *w, int16_t id, int32_t v)
{
    ls_thrift_write_field(w, LS_THRIFT_I32, id);
    ls_thrift_write_i32(w, v);
}

void ls_thrift_write_i64_field(ls_thrift_writer_t *w, int16_t id, int64_t v)
{
    ls_thrift_write_field(w, LS_THRIFT_I64, id);
    ls_thrift_write_i64(w, v);
}

void ls_thrift_write_binary_field(ls_thrift_writer_t *w, int16_t id, const void *p, size_t n)
{
    ls_thrift_write_field(w, LS_THRIFT_BINARY, id);
    ls_thrift_write_binary(w, p, n);
}

void ls_thrift_write_string_field(ls_thrift_writer_t *w, int16_t id, const char *s)
{
    ls_thrift_write_field(w, LS_THRIFT_BINARY, id);
    ls_thrift_write_string(w, s);
}

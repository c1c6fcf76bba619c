/*
 * parquet_meta_common.c — the table-driven struct decoder and the helpers shared by
 * the footer and page-header codecs (arena copies, required fields, Statistics,
 * KeyValue lists, error finishing).
 *
 * Not responsible for: any particular top-level struct (parquet_meta_decode.c,
 * parquet_meta_encode.c, parquet_meta_page.c).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lakesink/arena.h"
#include "parquet_meta_int.h"

static const char *field_name(const ls__pq_struct_desc_t *desc, int16_t id, char *tmp, size_t n)
{
    if (id >= 0 && (unsigned)id < desc->num_fields && desc->fields[id] != NULL) {
        return desc->fields[id];
    }
    snprintf(tmp, n, "field %d", (int)id);
    return tmp;
}

static void check_required(ls__pq_dec_t *d, const ls__pq_struct_desc_t *desc, uint64_t seen)
{
    uint64_t missing = desc->required & ~seen;
    if (missing == 0 || d->r.rc != LS_OK) {
        return;
    }
    int16_t id = 0;
    while ((missing & 1) == 0) {
        missing >>= 1;
        id++;
    }
    char tmp[32];
    ls_thrift_fail(&d->r, LS_ERR_CORRUPT, "%s lacks its required field %s", desc->name,
                   field_name(desc, id, tmp, sizeof(tmp)));
}

void ls__pq_dec_struct(ls__pq_dec_t *d, const ls__pq_struct_desc_t *desc, void *obj)
{
    ls_thrift_reader_t *r = &d->r;
    uint64_t seen = 0;
    ls_thrift_field_t f;
    if (!ls_thrift_read_struct_begin(r)) {
        return;
    }
    while (ls_thrift_read_field(r, &f)) {
        desc->field(d, obj, &f, &seen);
        if (r->rc != LS_OK) {
            char tmp[32];
            ls_thrift_path(r, "%s", field_name(desc, f.id, tmp, sizeof(tmp)));
            break;
        }
    }
    ls_thrift_read_struct_end(r);
    check_required(d, desc, seen);
}

void *ls__pq_dec_struct_list(ls__pq_dec_t *d, const ls__pq_struct_desc_t *desc, size_t elem_size,
                             size_t min_bytes, uint32_t *count)
{
    ls_thrift_reader_t *r = &d->r;
    ls_thrift_type_t et;
    *count = 0;
    uint32_t n = ls_thrift_read_list_begin(r, &et, min_bytes);
    if (n == 0) {
        return NULL;
    }
    if (et != LS_THRIFT_STRUCT) {
        ls_thrift_fail(r, LS_ERR_CORRUPT, "list elements have wire type %d, expected structs",
                       (int)et);
        return NULL;
    }
    uint8_t *arr = ls_arena_calloc(d->arena, n, elem_size);
    if (arr == NULL) {
        ls_thrift_fail(r, LS_ERR_NOMEM, "no memory for %u %s entries", n, desc->name);
        return NULL;
    }
    for (uint32_t i = 0; i < n; i++) {
        ls__pq_dec_struct(d, desc, arr + (size_t)i * elem_size);
        if (r->rc != LS_OK) {
            ls_thrift_path(r, "[%u]", i);
            return NULL;
        }
    }
    *count = n;
    return arr;
}

bool ls__pq_want(ls__pq_dec_t *d, const ls_thrift_field_t *f, ls_thrift_type_t t, uint64_t *seen)
{
    if (!ls_thrift_field_is(&d->r, f, t)) {
        return false;
    }
    if (f->id >= 0 && f->id < 64) {
        *seen |= LS__PQ_BIT(f->id);
    }
    return true;
}

const char *ls__pq_dec_string(ls__pq_dec_t *d)
{
    uint32_t len;
    const uint8_t *p = ls_thrift_read_binary(&d->r, &len);
    if (p == NULL) {
        return NULL;
    }
    char *s = ls_arena_strndup(d->arena, (const char *)p, len);
    if (s == NULL) {
        ls_thrift_fail(&d->r, LS_ERR_NOMEM, "no memory for a string of %u bytes", len);
    }
    return s;
}

const uint8_t *ls__pq_dec_bytes(ls__pq_dec_t *d, uint32_t *len)
{
    const uint8_t *p = ls_thrift_read_binary(&d->r, len);
    if (p == NULL) {
        return NULL;
    }
    uint8_t *copy = ls_arena_alloc(d->arena, *len ? *len : 1);
    if (copy == NULL) {
        ls_thrift_fail(&d->r, LS_ERR_NOMEM, "no memory for a binary of %u bytes", *len);
        *len = 0;
        return NULL;
    }
    if (*len != 0) {
        memcpy(copy, p, *len);
    }
    return copy;
}

void ls__pq_nonneg(ls__pq_dec_t *d, int64_t v, const char *what)
{
    if (v < 0 && d->r.rc == LS_OK) {
        ls_thrift_fail(&d->r, LS_ERR_CORRUPT, "negative %s (%lld)", what, (long long)v);
    }
}

void ls__pq_range(ls__pq_dec_t *d, int64_t v, int64_t lo, int64_t hi, const char *what)
{
    if ((v < lo || v > hi) && d->r.rc == LS_OK) {
        ls_thrift_fail(&d->r, LS_ERR_CORRUPT, "invalid %s %lld", what, (long long)v);
    }
}

/* ---- Statistics ---- */

static void stats_field(ls__pq_dec_t *d, void *obj, const ls_thrift_field_t *f, uint64_t *seen)
{
    ls_pq_stats_t *st = obj;
    ls_thrift_reader_t *r = &d->r;
    switch (f->id) {
    case 1:
        if (ls__pq_want(d, f, LS_THRIFT_BINARY, seen)) {
            st->max = ls__pq_dec_bytes(d, &st->max_len);
            st->has_max = st->max != NULL;
        }
        break;
    case 2:
        if (ls__pq_want(d, f, LS_THRIFT_BINARY, seen)) {
            st->min = ls__pq_dec_bytes(d, &st->min_len);
            st->has_min = st->min != NULL;
        }
        break;
    case 3:
        if (ls__pq_want(d, f, LS_THRIFT_I64, seen)) {
            st->null_count = ls_thrift_read_i64(r);
            st->has_null_count = true;
        }
        break;
    case 4:
        if (ls__pq_want(d, f, LS_THRIFT_I64, seen)) {
            st->distinct_count = ls_thrift_read_i64(r);
            st->has_distinct_count = true;
        }
        break;
    case 5:
        if (ls__pq_want(d, f, LS_THRIFT_BINARY, seen)) {
            st->max_value = ls__pq_dec_bytes(d, &st->max_value_len);
            st->has_max_value = st->max_value != NULL;
        }
        break;
    case 6:
        if (ls__pq_want(d, f, LS_THRIFT_BINARY, seen)) {
            st->min_value = ls__pq_dec_bytes(d, &st->min_value_len);
            st->has_min_value = st->min_value != NULL;
        }
        break;
    case 7:
        if (ls__pq_want(d, f, LS_THRIFT_BOOL, seen)) {
            st->is_max_exact = f->bool_value;
            st->has_is_max_exact = true;
        }
        break;
    case 8:
        if (ls__pq_want(d, f, LS_THRIFT_BOOL, seen)) {
            st->is_min_exact = f->bool_value;
            st->has_is_min_exact = true;
        }
        break;
    case 9:
        if (ls__pq_want(d, f, LS_THRIFT_I64, seen)) {
            st->nan_count = ls_thrift_read_i64(r);
            st->has_nan_count = true;
        }
        break;
    default: ls_thrift_skip_field(r, f); break;
    }
}

static const char *const stats_fields[] = {
    NULL,
    "max",
    "min",
    "null_count",
    "distinct_count",
    "max_value",
    "min_value",
    "is_max_value_exact",
    "is_min_value_exact",
    "nan_count",
};

static const ls__pq_struct_desc_t stats_desc = {
    "Statistics", stats_fields, sizeof(stats_fields) / sizeof(stats_fields[0]), 0, stats_field,
};

void ls__pq_dec_stats(ls__pq_dec_t *d, ls_pq_stats_t *st)
{
    memset(st, 0, sizeof(*st));
    ls__pq_dec_struct(d, &stats_desc, st);
}

void ls__pq_enc_stats(ls__pq_enc_t *e, int16_t id, const ls_pq_stats_t *st)
{
    ls_thrift_writer_t *w = &e->w;
    if ((st->has_max_value && st->max_value == NULL && st->max_value_len != 0) ||
        (st->has_min_value && st->min_value == NULL && st->min_value_len != 0)) {
        ls__pq_enc_fail(e, LS_ERR_INVALID_ARG, "Statistics: min/max value set without bytes");
        return;
    }
    ls_thrift_write_field(w, LS_THRIFT_STRUCT, id);
    ls_thrift_write_struct_begin(w);
    /* fields 1 and 2 (signed-order min/max) are deprecated: never written */
    if (st->has_null_count) {
        ls_thrift_write_i64_field(w, 3, st->null_count);
    }
    if (st->has_distinct_count) {
        ls_thrift_write_i64_field(w, 4, st->distinct_count);
    }
    if (st->has_max_value) {
        ls_thrift_write_binary_field(w, 5, st->max_value, st->max_value_len);
    }
    if (st->has_min_value) {
        ls_thrift_write_binary_field(w, 6, st->min_value, st->min_value_len);
    }
    if (st->has_is_max_exact) {
        ls_thrift_write_bool_field(w, 7, st->is_max_exact);
    }
    if (st->has_is_min_exact) {
        ls_thrift_write_bool_field(w, 8, st->is_min_exact);
    }
    if (st->has_nan_count) {
        ls_thrift_write_i64_field(w, 9, st->nan_count);
    }
    ls_thrift_write_struct_end(w);
}

/* ---- KeyValue ---- */

static void kv_field(ls__pq_dec_t *d, void *obj, const ls_thrift_field_t *f, uint64_t *seen)
{
    ls_pq_kv_t *kv = obj;
    if (f->id == 1 && ls__pq_want(d, f, LS_THRIFT_BINARY, seen)) {
        kv->key = ls__pq_dec_string(d);
    } else if (f->id == 2 && ls__pq_want(d, f, LS_THRIFT_BINARY, seen)) {
        kv->value = ls__pq_dec_string(d);
    } else if (f->id != 1 && f->id != 2) {
        ls_thrift_skip_field(&d->r, f);
    }
}

static const char *const kv_fields[] = {NULL, "key", "value"};

static const ls__pq_struct_desc_t kv_desc = {
    "KeyValue", kv_fields, 3, LS__PQ_BIT(1), kv_field,
};

void ls__pq_dec_kv_list(ls__pq_dec_t *d, ls_pq_kv_t **kv, uint32_t *n)
{
    /* smallest KeyValue: key header + empty string + stop */
    *kv = ls__pq_dec_struct_list(d, &kv_desc, sizeof(ls_pq_kv_t), 3, n);
}

void ls__pq_enc_kv_list(ls__pq_enc_t *e, int16_t id, const ls_pq_kv_t *kv, uint32_t n)
{
    ls_thrift_writer_t *w = &e->w;
    if (!ls__pq_enc_array_ok(e, kv, n, "key_value_metadata")) {
        return;
    }
    ls_thrift_write_field(w, LS_THRIFT_LIST, id);
    ls_thrift_write_list_begin(w, LS_THRIFT_STRUCT, n);
    for (uint32_t i = 0; i < n; i++) {
        if (kv[i].key == NULL) {
            ls__pq_enc_fail(e, LS_ERR_INVALID_ARG, "key_value_metadata[%u] has no key", i);
            return;
        }
        ls_thrift_write_struct_begin(w);
        ls_thrift_write_string_field(w, 1, kv[i].key);
        if (kv[i].value != NULL) {
            ls_thrift_write_string_field(w, 2, kv[i].value);
        }
        ls_thrift_write_struct_end(w);
    }
}

/* ---- finishing ---- */

ls_err_t ls__pq_dec_finish(ls__pq_dec_t *d, const char *what)
{
    if (d->r.rc != LS_OK) {
        ls_thrift_path(&d->r, "%s", what);
    }
    return d->r.rc;
}

void ls__pq_enc_fail(ls__pq_enc_t *e, ls_err_t code, const char *fmt, ...)
{
    if (e->w.rc != LS_OK) {
        return;
    }
    ls_thrift_writer_fail(&e->w, code);
    if (e->err != NULL) {
        char msg[LS_ERROR_MSG_MAX];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        ls_error_set(e->err, code, "%s", msg);
    }
    e->have_msg = true;
}

bool ls__pq_enc_array_ok(ls__pq_enc_t *e, const void *p, uint32_t n, const char *what)
{
    if (p == NULL && n != 0) {
        ls__pq_enc_fail(e, LS_ERR_INVALID_ARG, "%s: %u entries claimed but the array is NULL", what,
                        n);
        return false;
    }
    return true;
}

ls_err_t ls__pq_enc_finish(ls__pq_enc_t *e, ls_buf_t *out, size_t start_len, const char *what)
{
    ls_err_t rc = e->w.rc;
    if (rc == LS_OK) {
        return LS_OK;
    }
    out->len = start_len;
    if (!e->have_msg) {
        if (rc == LS_ERR_LIMIT) {
            ls_error_set(e->err, rc, "encoding %s: output exceeds its limit of %zu bytes", what,
                         out->max);
        } else {
            ls_error_set(e->err, rc, "encoding %s: %s", what, ls_err_str(rc));
        }
    } else {
        ls_error_prefix(e->err, "encoding %s: ", what);
    }
    return rc;
}

/*
 * schema.c — Parquet schema elements for a column layout: the root "schema" group,
 * optional/required per nullability, 3-level LIST and MAP groups, and for every leaf
 * its physical type with both the logicalType and the legacy converted_type.
 *
 * Responsible for: the Delta type -> Parquet type mapping of the writer (never INT96 or
 * NANOS). Not responsible for: level numbering (columnar layout) or encoding the
 * elements (thrift).
 */
#include <string.h>

#include "pqw_int.h"

ls_pq_type_t ls__pqw_physical(const ls_leaf_t *leaf, int32_t *type_length)
{
    *type_length = 0;
    switch (leaf->store) {
    case LS_COL_BOOL: return LS_PQ_BOOLEAN;
    case LS_COL_I32: return LS_PQ_INT32;
    case LS_COL_I64: return LS_PQ_INT64;
    case LS_COL_FLOAT: return LS_PQ_FLOAT;
    case LS_COL_DOUBLE: return LS_PQ_DOUBLE;
    case LS_COL_FIXED: *type_length = (int32_t)leaf->width; return LS_PQ_FIXED_LEN_BYTE_ARRAY;
    case LS_COL_BYTES:
    default: return LS_PQ_BYTE_ARRAY;
    }
}

static void ls__converted(ls_pq_schema_el_t *el, ls_pq_converted_t c)
{
    el->has_converted_type = true;
    el->converted_type = c;
}

static void ls__int_type(ls_pq_schema_el_t *el, int bits, bool is_signed, ls_pq_converted_t c)
{
    el->logical.kind = LS_PQ_LT_INTEGER;
    el->logical.bit_width = (int8_t)bits;
    el->logical.is_signed = is_signed;
    ls__converted(el, c);
}

static void ls__time_type(ls_pq_schema_el_t *el, ls_pq_logical_kind_t k, bool utc)
{
    el->logical.kind = k;
    el->logical.is_adjusted_to_utc = utc;
    el->logical.unit = LS_PQ_UNIT_MICROS;
}

/* logicalType and converted_type of a leaf of type @p t. */
static void ls__annotate(const ls_type_t *t, ls_pq_schema_el_t *el)
{
    switch (t->kind) {
    case LS_TYPE_STRING:
        el->logical.kind = LS_PQ_LT_STRING;
        ls__converted(el, LS_PQ_CT_UTF8);
        break;
    case LS_TYPE_BYTE: ls__int_type(el, 8, true, LS_PQ_CT_INT_8); break;
    case LS_TYPE_SHORT: ls__int_type(el, 16, true, LS_PQ_CT_INT_16); break;
    case LS_TYPE_UINT64: ls__int_type(el, 64, false, LS_PQ_CT_UINT_64); break;
    case LS_TYPE_DECIMAL:
        el->logical.kind = LS_PQ_LT_DECIMAL;
        el->logical.scale = t->scale;
        el->logical.precision = t->precision;
        ls__converted(el, LS_PQ_CT_DECIMAL);
        el->has_scale = el->has_precision = true;
        el->scale = t->scale;
        el->precision = t->precision;
        break;
    case LS_TYPE_DATE:
        el->logical.kind = LS_PQ_LT_DATE;
        ls__converted(el, LS_PQ_CT_DATE);
        break;
    case LS_TYPE_TIMESTAMP:
        ls__time_type(el, LS_PQ_LT_TIMESTAMP, true);
        ls__converted(el, LS_PQ_CT_TIMESTAMP_MICROS);
        break;
    case LS_TYPE_TIMESTAMP_NTZ:
        /* TIMESTAMP_MICROS would claim UTC adjustment: no converted type here */
        ls__time_type(el, LS_PQ_LT_TIMESTAMP, false);
        break;
    case LS_TYPE_TIME:
        ls__time_type(el, LS_PQ_LT_TIME, true);
        ls__converted(el, LS_PQ_CT_TIME_MICROS);
        break;
    case LS_TYPE_UUID: el->logical.kind = LS_PQ_LT_UUID; break;
    default: break; /* binary, boolean, integer, long, float, double, fixed: plain types */
    }
}

typedef struct {
    ls_pq_schema_el_t *els;
    uint32_t n, cap;
    ls_error_t *err;
} ls__schema_walk_t;

static uint32_t ls__count(const ls_node_t *n)
{
    uint32_t c = 1;
    if (n->type->kind == LS_TYPE_ARRAY || n->type->kind == LS_TYPE_MAP) {
        c++; /* the repeated "list" / "key_value" group */
    }
    for (uint32_t i = 0; i < n->nchildren; i++) {
        c += ls__count(n->children[i]);
    }
    return c;
}

static ls_pq_schema_el_t *ls__next(ls__schema_walk_t *w, const char *name)
{
    ls_pq_schema_el_t *el = &w->els[w->n++];
    memset(el, 0, sizeof(*el));
    el->name = name;
    return el;
}

static ls_err_t ls__emit(ls__schema_walk_t *w, const ls_node_t *n, bool is_root);

static ls_err_t ls__emit_group(ls__schema_walk_t *w, const ls_node_t *n, ls_pq_schema_el_t *el)
{
    ls_type_kind_t k = n->type->kind;
    if (k == LS_TYPE_STRUCT) {
        if (n->nchildren == 0) {
            return ls_error_set(w->err, LS_ERR_UNSUPPORTED,
                                "struct column '%s' has no fields: Parquet cannot store it",
                                n->name);
        }
        el->has_num_children = true;
        el->num_children = (int32_t)n->nchildren;
        for (uint32_t i = 0; i < n->nchildren; i++) {
            LS_TRY(ls__emit(w, n->children[i], false));
        }
        return LS_OK;
    }
    bool list = k == LS_TYPE_ARRAY;
    el->has_num_children = true;
    el->num_children = 1;
    el->logical.kind = list ? LS_PQ_LT_LIST : LS_PQ_LT_MAP;
    ls__converted(el, list ? LS_PQ_CT_LIST : LS_PQ_CT_MAP);
    ls_pq_schema_el_t *rep = ls__next(w, list ? "list" : "key_value");
    rep->has_repetition = true;
    rep->repetition = LS_PQ_REPEATED;
    rep->has_num_children = true;
    rep->num_children = (int32_t)n->nchildren;
    for (uint32_t i = 0; i < n->nchildren; i++) {
        LS_TRY(ls__emit(w, n->children[i], false));
    }
    return LS_OK;
}

static ls_err_t ls__emit(ls__schema_walk_t *w, const ls_node_t *n, bool is_root)
{
    ls_pq_schema_el_t *el = ls__next(w, is_root ? "schema" : n->name);
    if (!is_root) {
        el->has_repetition = true;
        el->repetition = n->nullable ? LS_PQ_OPTIONAL : LS_PQ_REQUIRED;
    }
    if (ls_type_is_nested(n->type)) {
        return ls__emit_group(w, n, el);
    }
    ls_leaf_t tmp = {.node = n, .type = n->type};
    tmp.store = ls_col_store_for_type(n->type, &tmp.width);
    int32_t len = 0;
    el->has_type = true;
    el->type = ls__pqw_physical(&tmp, &len);
    if (el->type == LS_PQ_FIXED_LEN_BYTE_ARRAY) {
        if (len <= 0) {
            return ls_error_set(w->err, LS_ERR_UNSUPPORTED,
                                "column '%s': fixed-size binary of width %d", n->name, (int)len);
        }
        el->has_type_length = true;
        el->type_length = len;
    }
    ls__annotate(n->type, el);
    return LS_OK;
}

ls_err_t ls__pqw_schema_build(const ls_layout_t *l, ls_arena_t *arena, ls_pq_schema_el_t **out,
                              uint32_t *count, ls_error_t *err)
{
    if (l->root == NULL || l->root->nchildren == 0 || l->nleaves == 0) {
        return ls_error_set(err, LS_ERR_UNSUPPORTED, "a Parquet file needs at least one column");
    }
    ls__schema_walk_t w = {.err = err};
    w.cap = ls__count(l->root);
    w.els = ls_arena_calloc(arena, w.cap, sizeof(ls_pq_schema_el_t));
    if (w.els == NULL) {
        return ls_error_set(err, LS_ERR_NOMEM, "out of memory building the Parquet schema");
    }
    LS_TRY(ls__emit(&w, l->root, true));
    *out = w.els;
    *count = w.n;
    return LS_OK;
}

/*
 * schema.c — the Parquet reader's schema mapping: the footer's flat schema list
 * becomes a tree, and the tree becomes a Delta-typed ls_layout_t whose node levels
 * follow the file (3-level and legacy 2-level lists, unannotated repeated fields,
 * MAP / MAP_KEY_VALUE, maps without values, nested structs), plus one plan per leaf
 * saying how the column's physical values convert to the leaf's storage.
 *
 * Not responsible for: reading pages or converting values (chunk.c, convert.c).
 */
#include <string.h>

#include "lakesink/alloc.h"
#include "pqread_int.h"

/* ------------------------------------------------------------ schema tree */

static ls_err_t ls__sn_build(const ls_pq_file_meta_t *fm, ls_arena_t *a, uint32_t *next,
                             unsigned depth, uint32_t *ncols, ls__snode_t **out, ls_error_t *err)
{
    if (*next >= fm->num_schema) {
        return ls_error_set(err, LS_ERR_CORRUPT, "schema list ends early (element %u is missing)",
                            *next);
    }
    uint32_t idx = (*next)++;
    const ls_pq_schema_el_t *el = &fm->schema[idx];
    if (depth > LS__PQ_MAX_DEPTH) {
        return ls_error_set(err, LS_ERR_LIMIT, "schema is nested deeper than %d levels",
                            LS__PQ_MAX_DEPTH);
    }
    if (el->name == NULL) {
        return ls_error_set(err, LS_ERR_CORRUPT, "schema element %u has no name", idx);
    }
    ls__snode_t *n = ls_arena_calloc(a, 1, sizeof(*n));
    if (n == NULL) {
        return ls_error_set(err, LS_ERR_NOMEM, "out of memory building the schema tree");
    }
    n->el = el;
    n->col = -1;
    n->is_group = depth == 0 || !el->has_type;
    if (!n->is_group) {
        if (el->has_num_children && el->num_children > 0) {
            return ls_error_set(err, LS_ERR_CORRUPT,
                                "schema element '%s' has a physical type and %d children", el->name,
                                el->num_children);
        }
        n->col = (int32_t)(*ncols)++;
        *out = n;
        return LS_OK;
    }
    int32_t nch = el->has_num_children ? el->num_children : 0;
    if (nch < 0 || (uint32_t)nch > fm->num_schema - *next) {
        return ls_error_set(err, LS_ERR_CORRUPT,
                            "schema element '%s' claims %d children, %u elements follow", el->name,
                            nch, fm->num_schema - *next);
    }
    n->nchildren = (uint32_t)nch;
    n->children = ls_arena_calloc(a, nch ? (size_t)nch : 1, sizeof(*n->children));
    if (n->children == NULL) {
        return ls_error_set(err, LS_ERR_NOMEM, "out of memory building the schema tree");
    }
    for (uint32_t i = 0; i < n->nchildren; i++) {
        LS_TRY(ls__sn_build(fm, a, next, depth + 1, ncols, &n->children[i], err));
    }
    *out = n;
    return LS_OK;
}

ls_err_t ls__pqr_fschema_build(const ls_pq_file_meta_t *fm, ls_arena_t *a, ls__fschema_t *out,
                               ls_error_t *err)
{
    memset(out, 0, sizeof(*out));
    if (fm->num_schema == 0 || fm->schema == NULL) {
        return ls_error_set(err, LS_ERR_CORRUPT, "the footer has no schema");
    }
    uint32_t next = 0;
    LS_TRY(ls__sn_build(fm, a, &next, 0, &out->ncols, &out->root, err));
    if (next != fm->num_schema) {
        return ls_error_set(err, LS_ERR_CORRUPT,
                            "schema list has %u elements, the root's tree uses %u", fm->num_schema,
                            next);
    }
    return LS_OK;
}

/* ------------------------------------------------------------ annotations */

typedef enum {
    LS__A_NONE = 0,
    LS__A_STRING,
    LS__A_BSON,
    LS__A_UUID,
    LS__A_DECIMAL,
    LS__A_DATE,
    LS__A_TIME,
    LS__A_TIMESTAMP,
    LS__A_INT,
    LS__A_FLOAT16,
    LS__A_UNKNOWN,
    LS__A_INTERVAL,
    LS__A_LIST,
    LS__A_MAP
} ls__akind_t;

typedef struct {
    ls__akind_t kind;
    int precision, scale;
    ls_pq_time_unit_t unit;
    bool utc;
    int bits;
    bool is_signed;
} ls__annot_t;

/* The logical type when this code knows it, else the legacy converted type. */
static void ls__annot_logical(const ls_pq_logical_t *lt, ls__annot_t *a)
{
    switch (lt->kind) {
    case LS_PQ_LT_STRING:
    case LS_PQ_LT_ENUM:
    case LS_PQ_LT_JSON: a->kind = LS__A_STRING; break;
    case LS_PQ_LT_MAP: a->kind = LS__A_MAP; break;
    case LS_PQ_LT_LIST: a->kind = LS__A_LIST; break;
    case LS_PQ_LT_DECIMAL:
        a->kind = LS__A_DECIMAL;
        a->precision = lt->precision;
        a->scale = lt->scale;
        break;
    case LS_PQ_LT_DATE: a->kind = LS__A_DATE; break;
    case LS_PQ_LT_TIME:
    case LS_PQ_LT_TIMESTAMP:
        a->kind = lt->kind == LS_PQ_LT_TIME ? LS__A_TIME : LS__A_TIMESTAMP;
        a->unit = lt->unit;
        a->utc = lt->is_adjusted_to_utc;
        break;
    case LS_PQ_LT_INTEGER:
        a->kind = LS__A_INT;
        a->bits = lt->bit_width;
        a->is_signed = lt->is_signed;
        break;
    case LS_PQ_LT_UNKNOWN: a->kind = LS__A_UNKNOWN; break;
    case LS_PQ_LT_BSON: a->kind = LS__A_BSON; break;
    case LS_PQ_LT_UUID: a->kind = LS__A_UUID; break;
    case LS_PQ_LT_FLOAT16: a->kind = LS__A_FLOAT16; break;
    default: a->kind = LS__A_NONE; break; /* VARIANT, GEOMETRY, GEOGRAPHY: physical */
    }
}

static void ls__annot_converted(const ls_pq_schema_el_t *el, ls__annot_t *a)
{
    int ct = el->converted_type;
    a->kind = LS__A_NONE;
    a->utc = true;
    if (ct == LS_PQ_CT_UTF8 || ct == LS_PQ_CT_ENUM || ct == LS_PQ_CT_JSON) {
        a->kind = LS__A_STRING;
    } else if (ct == LS_PQ_CT_MAP || ct == LS_PQ_CT_MAP_KEY_VALUE) {
        a->kind = LS__A_MAP;
    } else if (ct == LS_PQ_CT_LIST) {
        a->kind = LS__A_LIST;
    } else if (ct == LS_PQ_CT_DECIMAL) {
        a->kind = LS__A_DECIMAL;
        a->precision = el->has_precision ? el->precision : 0;
        a->scale = el->has_scale ? el->scale : 0;
    } else if (ct == LS_PQ_CT_DATE) {
        a->kind = LS__A_DATE;
    } else if (ct == LS_PQ_CT_TIME_MILLIS || ct == LS_PQ_CT_TIME_MICROS) {
        a->kind = LS__A_TIME;
        a->unit = ct == LS_PQ_CT_TIME_MILLIS ? LS_PQ_UNIT_MILLIS : LS_PQ_UNIT_MICROS;
    } else if (ct == LS_PQ_CT_TIMESTAMP_MILLIS || ct == LS_PQ_CT_TIMESTAMP_MICROS) {
        a->kind = LS__A_TIMESTAMP;
        a->unit = ct == LS_PQ_CT_TIMESTAMP_MILLIS ? LS_PQ_UNIT_MILLIS : LS_PQ_UNIT_MICROS;
    } else if (ct >= LS_PQ_CT_UINT_8 && ct <= LS_PQ_CT_INT_64) {
        static const int bits[] = {8, 16, 32, 64};
        a->kind = LS__A_INT;
        a->is_signed = ct >= LS_PQ_CT_INT_8;
        a->bits = bits[(ct - LS_PQ_CT_UINT_8) % 4];
    } else if (ct == LS_PQ_CT_BSON) {
        a->kind = LS__A_BSON;
    } else if (ct == LS_PQ_CT_INTERVAL) {
        a->kind = LS__A_INTERVAL;
    }
}

static void ls__annot(const ls_pq_schema_el_t *el, ls__annot_t *a)
{
    memset(a, 0, sizeof(*a));
    if (el->logical.kind != LS_PQ_LT_NONE && el->logical.kind != LS_PQ_LT_OTHER) {
        ls__annot_logical(&el->logical, a);
    } else if (el->has_converted_type) {
        ls__annot_converted(el, a);
    }
}

/* ------------------------------------------------------------ leaf types */

typedef struct {
    ls_type_kind_t kind;
    int precision, scale, width;
    ls__conv_t conv;
    int64_t factor;
} ls__leafmap_t;

static void ls__map_int32(const ls__annot_t *a, ls__leafmap_t *m)
{
    m->kind = LS_TYPE_INTEGER;
    if (a->kind == LS__A_INT && a->is_signed) {
        m->kind = a->bits == 8 ? LS_TYPE_BYTE : a->bits == 16 ? LS_TYPE_SHORT : LS_TYPE_INTEGER;
    } else if (a->kind == LS__A_INT) {
        if (a->bits == 8) {
            m->kind = LS_TYPE_SHORT;
            m->conv = LS__CONV_U8;
        } else if (a->bits == 16) {
            m->conv = LS__CONV_U16;
        } else if (a->bits == 32) {
            m->kind = LS_TYPE_LONG;
            m->conv = LS__CONV_U32;
        }
    } else if (a->kind == LS__A_DATE) {
        m->kind = LS_TYPE_DATE;
    } else if (a->kind == LS__A_TIME && a->unit == LS_PQ_UNIT_MILLIS) {
        m->kind = LS_TYPE_TIME;
        m->conv = LS__CONV_MUL;
        m->factor = 1000;
    } else if (a->kind == LS__A_DECIMAL) {
        m->kind = LS_TYPE_DECIMAL;
        m->conv = LS__CONV_INT_DEC;
    }
}

static void ls__map_time64(const ls__annot_t *a, ls__leafmap_t *m)
{
    if (a->unit == LS_PQ_UNIT_MILLIS) {
        m->conv = LS__CONV_MUL;
        m->factor = 1000;
    } else if (a->unit == LS_PQ_UNIT_NANOS) {
        m->conv = LS__CONV_FLOORDIV;
        m->factor = 1000;
    }
}

static void ls__map_int64(const ls__annot_t *a, ls__leafmap_t *m)
{
    m->kind = LS_TYPE_LONG;
    if (a->kind == LS__A_INT && a->bits == 64 && !a->is_signed) {
        m->kind = LS_TYPE_UINT64;
    } else if (a->kind == LS__A_TIMESTAMP) {
        m->kind = a->utc ? LS_TYPE_TIMESTAMP : LS_TYPE_TIMESTAMP_NTZ;
        ls__map_time64(a, m);
    } else if (a->kind == LS__A_TIME) {
        m->kind = LS_TYPE_TIME;
        ls__map_time64(a, m);
    } else if (a->kind == LS__A_DECIMAL) {
        m->kind = LS_TYPE_DECIMAL;
        m->conv = LS__CONV_INT_DEC;
    }
}

static void ls__map_bytes(const ls__annot_t *a, int width, ls__leafmap_t *m)
{
    if (width == 0) { /* BYTE_ARRAY */
        m->kind = a->kind == LS__A_STRING ? LS_TYPE_STRING : LS_TYPE_BINARY;
    } else if (a->kind == LS__A_UUID && width == 16) {
        m->kind = LS_TYPE_UUID;
    } else if (a->kind == LS__A_FLOAT16 && width == 2) {
        m->kind = LS_TYPE_FLOAT;
        m->conv = LS__CONV_F16;
    } else {
        m->kind = LS_TYPE_FIXED; /* also INTERVAL: 12 bytes */
        m->width = width;
    }
    if (a->kind == LS__A_DECIMAL) {
        m->kind = LS_TYPE_DECIMAL;
        m->conv = LS__CONV_BE_DEC;
    }
}

/* Physical width of PLAIN values; 0 for BYTE_ARRAY. */
static ls_err_t ls__phys_width(const ls_pq_schema_el_t *el, uint32_t *w, ls_error_t *err)
{
    switch (el->type) {
    case LS_PQ_BOOLEAN: *w = 1; return LS_OK;
    case LS_PQ_INT32:
    case LS_PQ_FLOAT: *w = 4; return LS_OK;
    case LS_PQ_INT64:
    case LS_PQ_DOUBLE: *w = 8; return LS_OK;
    case LS_PQ_INT96: *w = 12; return LS_OK;
    case LS_PQ_BYTE_ARRAY: *w = 0; return LS_OK;
    case LS_PQ_FIXED_LEN_BYTE_ARRAY:
        if (!el->has_type_length || el->type_length <= 0 || el->type_length > (1 << 24)) {
            return ls_error_set(err, LS_ERR_CORRUPT, "FIXED_LEN_BYTE_ARRAY length %d is invalid",
                                el->has_type_length ? el->type_length : 0);
        }
        *w = (uint32_t)el->type_length;
        return LS_OK;
    }
    return ls_error_set(err, LS_ERR_CORRUPT, "unknown physical type %d", (int)el->type);
}

/* Delta type and conversion of a primitive element (see docs/internals/parquet-reader.md). */
static ls_err_t ls__leaf_map(const ls_pq_schema_el_t *el, bool nullable, ls__leafmap_t *m,
                             uint32_t *pw, ls_error_t *err)
{
    ls__annot_t a;
    ls__annot(el, &a);
    memset(m, 0, sizeof(*m));
    LS_TRY(ls__phys_width(el, pw, err));
    if (a.kind == LS__A_UNKNOWN && nullable) {
        m->kind = LS_TYPE_STRING;
        m->conv = LS__CONV_NULL;
        return LS_OK;
    }
    switch (el->type) {
    case LS_PQ_BOOLEAN: m->kind = LS_TYPE_BOOLEAN; break;
    case LS_PQ_INT32: ls__map_int32(&a, m); break;
    case LS_PQ_INT64: ls__map_int64(&a, m); break;
    case LS_PQ_INT96:
        m->kind = LS_TYPE_TIMESTAMP;
        m->conv = LS__CONV_INT96;
        break;
    case LS_PQ_FLOAT: m->kind = LS_TYPE_FLOAT; break;
    case LS_PQ_DOUBLE: m->kind = LS_TYPE_DOUBLE; break;
    default: ls__map_bytes(&a, (int)*pw, m); break;
    }
    if (m->kind == LS_TYPE_DECIMAL) {
        if (a.precision < 1 || a.precision > LS_DECIMAL_MAX_PRECISION || a.scale < 0 ||
            a.scale > a.precision) {
            return ls_error_set(err, LS_ERR_UNSUPPORTED,
                                "decimal(%d,%d) is not supported (precision 1..38, scale "
                                "0..precision)",
                                a.precision, a.scale);
        }
        m->precision = a.precision;
        m->scale = a.scale;
    }
    return LS_OK;
}

static ls_type_t *ls__leafmap_type(const ls__leafmap_t *m)
{
    if (m->kind == LS_TYPE_DECIMAL) {
        return ls_type_new_decimal(m->precision, m->scale);
    }
    if (m->kind == LS_TYPE_FIXED) {
        return ls_type_new_fixed(m->width);
    }
    return ls_type_new(m->kind);
}

/* ------------------------------------------------------------ layout build */

typedef struct {
    ls_layout_t *l;
    ls__plan_t *plans;
    ls_node_t **leaf_nodes;
    uint32_t nplans, cap;
    const char *path[LS__PQ_MAX_DEPTH + 2];
    uint32_t depth;
    int16_t rep_def[LS__PQ_MAX_DEPTH + 2];
    ls_error_t *err;
} ls__bctx_t;

typedef struct {
    ls_type_t *type; /* owned by the builder until attached to a parent */
    ls_node_t *node;
    bool nullable;
} ls__built_t;

static ls_err_t ls__b_field(ls__bctx_t *c, const ls__snode_t *s, bool consumed, const char *name,
                            int pdef, int prep, ls__built_t *out);
static ls_err_t ls__b_inner(ls__bctx_t *c, const ls__snode_t *s, bool consumed, const char *name,
                            int pdef, int prep, ls__built_t *out);

static ls_err_t ls__nomem(ls__bctx_t *c)
{
    return ls_error_set(c->err, LS_ERR_NOMEM, "out of memory building the column layout");
}

static ls_node_t *ls__node(ls__bctx_t *c, const char *name, bool nullable, int def, int rep,
                           uint32_t nchildren)
{
    ls_node_t *n = ls_arena_calloc(c->l->arena, 1, sizeof(*n));
    if (n == NULL) {
        return NULL;
    }
    n->name = ls_arena_strndup(c->l->arena, name, strlen(name));
    n->children = ls_arena_calloc(c->l->arena, nchildren ? nchildren : 1, sizeof(ls_node_t *));
    if (n->name == NULL || n->children == NULL) {
        return NULL;
    }
    n->nullable = nullable;
    n->def = (int16_t)def;
    n->rep = (int16_t)rep;
    n->nchildren = nchildren;
    n->leaf = -1;
    return n;
}

/* A collection node (ARRAY or MAP) whose entries sit one def and one rep level deeper. */
static ls_node_t *ls__coll_node(ls__bctx_t *c, const char *name, bool nullable, int def, int prep,
                                uint32_t nchildren)
{
    ls_node_t *n = ls__node(c, name, nullable, def, prep, nchildren);
    if (n != NULL) {
        n->entry_def = (int16_t)(def + 1);
        n->entry_rep = (int16_t)(prep + 1);
        c->rep_def[prep + 1] = (int16_t)(def + 1);
    }
    return n;
}

static ls_err_t ls__push_path(ls__bctx_t *c, const char *name)
{
    if (c->depth >= LS__PQ_MAX_DEPTH + 1) {
        return ls_error_set(c->err, LS_ERR_LIMIT, "schema is nested too deeply");
    }
    c->path[c->depth] = ls_arena_strndup(c->l->arena, name, strlen(name));
    if (c->path[c->depth] == NULL) {
        return ls__nomem(c);
    }
    c->depth++;
    return LS_OK;
}

static char *ls__dotted(ls_arena_t *a, const char *const *path, uint32_t n)
{
    size_t len = 1;
    for (uint32_t i = 0; i < n; i++) {
        len += strlen(path[i]) + 1;
    }
    char *d = ls_arena_alloc(a, len);
    if (d == NULL) {
        return NULL;
    }
    size_t pos = 0;
    for (uint32_t i = 0; i < n; i++) {
        size_t k = strlen(path[i]);
        memcpy(d + pos, path[i], k);
        pos += k;
        d[pos++] = '.';
    }
    d[pos ? pos - 1 : 0] = '\0';
    return d;
}

static ls_err_t ls__b_leaf(ls__bctx_t *c, const ls__snode_t *s, const char *name, bool nullable,
                           int def, int prep, ls__built_t *out)
{
    if (c->nplans >= c->cap || s->col < 0) {
        return ls_error_set(c->err, LS_ERR_CORRUPT, "schema leaves do not match the columns");
    }
    ls__plan_t *pl = &c->plans[c->nplans];
    pl->dotted = ls__dotted(c->l->arena, c->path, c->depth);
    pl->path = ls_arena_calloc(c->l->arena, c->depth ? c->depth : 1, sizeof(char *));
    int16_t *rd = ls_arena_calloc(c->l->arena, (size_t)prep + 1, sizeof(int16_t));
    if (pl->dotted == NULL || pl->path == NULL || rd == NULL) {
        return ls__nomem(c);
    }
    memcpy(pl->path, c->path, c->depth * sizeof(char *));
    memcpy(rd, c->rep_def, ((size_t)prep + 1) * sizeof(int16_t));
    pl->path_len = c->depth;
    pl->rep_def = rd;
    ls__leafmap_t m;
    ls_err_t rc = ls__leaf_map(s->el, nullable, &m, &pl->phys_width, c->err);
    if (rc != LS_OK) {
        return ls_error_prefix(c->err, "column %s: ", pl->dotted);
    }
    pl->col = (uint32_t)s->col;
    pl->el = s->el;
    pl->phys = s->el->type;
    pl->conv = m.conv;
    pl->factor = m.factor;
    pl->max_def = (int16_t)def;
    pl->max_rep = (int16_t)prep;
    out->type = ls__leafmap_type(&m);
    out->node = ls__node(c, name, nullable, def, prep, 0);
    out->nullable = nullable;
    if (out->type == NULL || out->node == NULL) {
        ls_type_free(out->type);
        return ls__nomem(c);
    }
    out->node->type = out->type;
    c->leaf_nodes[c->nplans++] = out->node;
    return LS_OK;
}

/* An unannotated repeated field: a required list of required elements. */
static ls_err_t ls__b_repeated(ls__bctx_t *c, const ls__snode_t *s, const char *name, int pdef,
                               int prep, ls__built_t *out)
{
    ls_node_t *n = ls__coll_node(c, name, false, pdef, prep, 1);
    if (n == NULL) {
        return ls__nomem(c);
    }
    ls__built_t e;
    LS_TRY(ls__b_inner(c, s, true, "element", pdef + 1, prep + 1, &e));
    out->type = ls_type_new_array(e.type, false);
    if (out->type == NULL) {
        return ls__nomem(c);
    }
    n->type = out->type;
    n->children[0] = e.node;
    out->node = n;
    out->nullable = false;
    return LS_OK;
}

static bool ls__is_repeated(const ls__snode_t *s)
{
    return s->el->has_repetition && s->el->repetition == LS_PQ_REPEATED;
}

/* The element of a LIST group per the backward-compatibility rules; *whole when the
 * repeated field itself is the element (rules 1-4). */
static const ls__snode_t *ls__list_element(const ls__snode_t *s, bool *whole)
{
    const ls__snode_t *r = s->children[0];
    *whole = true;
    if (!r->is_group || r->nchildren != 1 || ls__is_repeated(r->children[0])) {
        return r;
    }
    const char *rn = r->el->name, *sn = s->el->name;
    size_t sl = strlen(sn);
    if (strcmp(rn, "array") == 0 || (strncmp(rn, sn, sl) == 0 && strcmp(rn + sl, "_tuple") == 0)) {
        return r;
    }
    *whole = false;
    return r->children[0];
}

static ls_err_t ls__b_list(ls__bctx_t *c, const ls__snode_t *s, const char *name, bool nullable,
                           int def, int prep, ls__built_t *out)
{
    bool whole;
    const ls__snode_t *elem = ls__list_element(s, &whole);
    ls_node_t *n = ls__coll_node(c, name, nullable, def, prep, 1);
    if (n == NULL) {
        return ls__nomem(c);
    }
    ls__built_t e;
    if (whole) {
        LS_TRY(ls__b_field(c, elem, true, "element", def + 1, prep + 1, &e));
    } else {
        LS_TRY(ls__push_path(c, s->children[0]->el->name));
        ls_err_t rc = ls__b_field(c, elem, false, "element", def + 1, prep + 1, &e);
        c->depth--;
        LS_TRY(rc);
    }
    out->type = ls_type_new_array(e.type, e.nullable);
    if (out->type == NULL) {
        return ls__nomem(c);
    }
    n->type = out->type;
    n->children[0] = e.node;
    out->node = n;
    out->nullable = nullable;
    return LS_OK;
}

/* MAP / MAP_KEY_VALUE: key and value one level down; no value = a list of keys. */
static ls_err_t ls__b_map(ls__bctx_t *c, const ls__snode_t *s, const char *name, bool nullable,
                          int def, int prep, ls__built_t *out)
{
    const ls__snode_t *kv = s->children[0];
    uint32_t nc = kv->nchildren;
    ls_node_t *n = ls__coll_node(c, name, nullable, def, prep, nc);
    if (n == NULL) {
        return ls__nomem(c);
    }
    LS_TRY(ls__push_path(c, kv->el->name));
    ls__built_t k, v = {0};
    ls_err_t rc =
        ls__b_field(c, kv->children[0], false, nc == 1 ? "element" : "key", def + 1, prep + 1, &k);
    if (rc == LS_OK && nc == 2) {
        rc = ls__b_field(c, kv->children[1], false, "value", def + 1, prep + 1, &v);
        if (rc != LS_OK) {
            ls_type_free(k.type);
        }
    }
    c->depth--;
    LS_TRY(rc);
    out->type = nc == 1 ? ls_type_new_array(k.type, k.nullable)
                        : ls_type_new_map(k.type, v.type, v.nullable);
    if (out->type == NULL) {
        return ls__nomem(c);
    }
    n->type = out->type;
    n->children[0] = k.node;
    if (nc == 2) {
        n->children[1] = v.node;
    }
    out->node = n;
    out->nullable = nullable;
    return LS_OK;
}

/* Struct fields of @p s into @p st / @p n; @p keep filters top-level fields. */
static ls_err_t ls__b_fields(ls__bctx_t *c, const ls__snode_t *s, const bool *keep, ls_type_t *st,
                             ls_node_t *n, int def, int prep)
{
    uint32_t k = 0;
    for (uint32_t i = 0; i < s->nchildren; i++) {
        if (keep != NULL && !keep[i]) {
            continue;
        }
        const ls__snode_t *ch = s->children[i];
        ls__built_t b;
        LS_TRY(ls__b_field(c, ch, false, ch->el->name, def, prep, &b));
        ls_err_t rc = ls_type_struct_add(st, ch->el->name, b.type, b.nullable);
        if (rc == LS_ERR_EXISTS) {
            return ls_error_set(c->err, LS_ERR_UNSUPPORTED, "field name '%s' appears twice",
                                ch->el->name);
        }
        if (rc != LS_OK) {
            return ls__nomem(c);
        }
        n->children[k++] = b.node;
    }
    n->nchildren = k;
    return LS_OK;
}

static ls_err_t ls__b_struct(ls__bctx_t *c, const ls__snode_t *s, const char *name, bool nullable,
                             int def, int prep, ls__built_t *out)
{
    ls_node_t *n = ls__node(c, name, nullable, def, prep, s->nchildren);
    ls_type_t *st = ls_type_new_struct();
    if (n == NULL || st == NULL) {
        ls_type_free(st);
        return ls__nomem(c);
    }
    n->type = st;
    ls_err_t rc = ls__b_fields(c, s, NULL, st, n, def, prep);
    if (rc != LS_OK) {
        ls_type_free(st);
        return rc;
    }
    out->type = st;
    out->node = n;
    out->nullable = nullable;
    return LS_OK;
}

static bool ls__list_shape(const ls__snode_t *s)
{
    return s->nchildren == 1 && ls__is_repeated(s->children[0]);
}

static bool ls__map_shape(const ls__snode_t *s)
{
    if (!ls__list_shape(s)) {
        return false;
    }
    const ls__snode_t *kv = s->children[0];
    return kv->is_group && (kv->nchildren == 1 || kv->nchildren == 2);
}

static ls_err_t ls__b_inner(ls__bctx_t *c, const ls__snode_t *s, bool consumed, const char *name,
                            int pdef, int prep, ls__built_t *out)
{
    const ls_pq_schema_el_t *el = s->el;
    if (pdef >= 255 || prep >= 255) {
        return ls_error_set(c->err, LS_ERR_LIMIT, "schema needs more than 255 levels");
    }
    if (ls__is_repeated(s) && !consumed) {
        return ls__b_repeated(c, s, name, pdef, prep, out);
    }
    bool nullable = !consumed && el->has_repetition && el->repetition == LS_PQ_OPTIONAL;
    int def = pdef + (nullable ? 1 : 0);
    if (!s->is_group) {
        return ls__b_leaf(c, s, name, nullable, def, prep, out);
    }
    ls__annot_t a;
    ls__annot(el, &a);
    /* malformed LIST/MAP groups are read as the plain structs they are */
    if (a.kind == LS__A_LIST && ls__list_shape(s)) {
        return ls__b_list(c, s, name, nullable, def, prep, out);
    }
    if (a.kind == LS__A_MAP && ls__map_shape(s)) {
        return ls__b_map(c, s, name, nullable, def, prep, out);
    }
    return ls__b_struct(c, s, name, nullable, def, prep, out);
}

static ls_err_t ls__b_field(ls__bctx_t *c, const ls__snode_t *s, bool consumed, const char *name,
                            int pdef, int prep, ls__built_t *out)
{
    LS_TRY(ls__push_path(c, s->el->name));
    ls_err_t rc = ls__b_inner(c, s, consumed, name, pdef, prep, out);
    c->depth--;
    return rc;
}

/* Point each layout leaf at its plan's file path, checking the numbering agrees. */
static ls_err_t ls__attach_paths(ls__bctx_t *c)
{
    ls_layout_t *l = c->l;
    if (l->nleaves != c->nplans) {
        return ls_error_set(c->err, LS_ERR_STATE, "layout has %zu leaves, %u columns planned",
                            l->nleaves, c->nplans);
    }
    for (uint32_t i = 0; i < c->nplans; i++) {
        if (l->leaves[i].node != c->leaf_nodes[i]) {
            return ls_error_set(c->err, LS_ERR_STATE, "layout leaf %u is out of order", i);
        }
        l->leaves[i].path = c->plans[i].path;
        l->leaves[i].path_len = c->plans[i].path_len;
        l->leaves[i].dotted = c->plans[i].dotted;
    }
    return LS_OK;
}

ls_layout_t *ls__pqr_layout_build(const ls__fschema_t *fs, const bool *keep, ls__plan_t **plans,
                                  ls_error_t *err)
{
    ls_type_t *root_t = ls_type_new_struct();
    ls_layout_t *l = root_t ? ls_layout_empty(root_t) : NULL;
    if (l == NULL) {
        ls_error_set(err, LS_ERR_NOMEM, "out of memory building the column layout");
        return NULL;
    }
    ls__bctx_t c = {.l = l, .err = err, .cap = fs->ncols};
    c.plans = ls_arena_calloc(l->arena, fs->ncols ? fs->ncols : 1, sizeof(ls__plan_t));
    c.leaf_nodes = ls_arena_calloc(l->arena, fs->ncols ? fs->ncols : 1, sizeof(ls_node_t *));
    l->root = ls__node(&c, "schema", false, 0, 0, fs->root->nchildren);
    ls_err_t rc = LS_ERR_NOMEM;
    if (c.plans == NULL || c.leaf_nodes == NULL || l->root == NULL) {
        ls__nomem(&c);
    } else {
        l->root->type = l->schema;
        rc = ls__b_fields(&c, fs->root, keep, l->schema, l->root, 0, 0);
    }
    if (rc == LS_OK) {
        rc = ls_layout_finish(l, err);
    }
    if (rc == LS_OK) {
        rc = ls__attach_paths(&c);
    }
    if (rc != LS_OK) {
        ls_layout_free(l);
        return NULL;
    }
    *plans = c.plans;
    return l;
}

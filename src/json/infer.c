/*
 * infer.c — schema inference: each record is parsed with the DOM (same strictness
 * and duplicate-key rule as everywhere), then merged into a tree of inferred kinds
 * that only ever widens:
 *   null + X = X;  long < decimal(38,0) < double  (integers beyond int64 are
 *   decimal(38,0) while they have at most 38 digits);  date + timestamp = timestamp;
 *   date + timestamp_ntz = timestamp_ntz;  structs merge field by field (first-seen
 *   order);  arrays widen their element;  any other mix = string.
 * Result: null-only fields and arrays of nothing become string; a field that was
 * only ever {} (or arrays of {}) is dropped: Parquet has no empty groups.
 * Not responsible for: decoding (the decoder stays strict: a number in a field
 * inferred as string is still rejected there).
 */
#include <string.h>

#include "json_int.h"
#include "lakesink/alloc.h"
#include "lakesink/json.h"

#define LS__INFER_MAX_FIELDS 10000 /* per struct: more is a map in disguise */

typedef enum {
    LS__IK_NULL,
    LS__IK_BOOL,
    LS__IK_LONG,
    LS__IK_DEC,
    LS__IK_DOUBLE,
    LS__IK_DATE,
    LS__IK_TS_NTZ,
    LS__IK_TS,
    LS__IK_STRING,
    LS__IK_STRUCT,
    LS__IK_ARRAY
} ls__ik_t;

typedef struct ls__inode_s ls__inode_t;
struct ls__inode_s {
    ls__ik_t kind;
    size_t n, cap; /* STRUCT */
    char **names;
    ls__inode_t **kids;
    ls__inode_t *elem; /* ARRAY */
};

struct ls_json_infer_s {
    ls__inode_t *root;
    ls_arena_t *arena; /* one record's DOM, reset per record */
};

static void ls__inode_free(ls__inode_t *n)
{
    if (n == NULL) {
        return;
    }
    for (size_t i = 0; i < n->n; i++) {
        ls_free(n->names[i]);
        ls__inode_free(n->kids[i]);
    }
    ls_free(n->names);
    ls_free(n->kids);
    ls__inode_free(n->elem);
    ls_free(n);
}

/* Drop children: the node became a scalar (string). */
static void ls__inode_flatten(ls__inode_t *n, ls__ik_t kind)
{
    for (size_t i = 0; i < n->n; i++) {
        ls_free(n->names[i]);
        ls__inode_free(n->kids[i]);
    }
    ls_free(n->names);
    ls_free(n->kids);
    ls__inode_free(n->elem);
    n->names = NULL;
    n->kids = NULL;
    n->elem = NULL;
    n->n = n->cap = 0;
    n->kind = kind;
}

ls_json_infer_t *ls_json_infer_new(void)
{
    ls_json_infer_t *inf = ls_calloc(1, sizeof(*inf));
    if (inf == NULL) {
        return NULL;
    }
    inf->root = ls_calloc(1, sizeof(ls__inode_t));
    inf->arena = ls_arena_new(16384, 0);
    if (inf->root == NULL || inf->arena == NULL) {
        ls_json_infer_free(inf);
        return NULL;
    }
    inf->root->kind = LS__IK_STRUCT;
    return inf;
}

void ls_json_infer_free(ls_json_infer_t *inf)
{
    if (inf == NULL) {
        return;
    }
    ls__inode_free(inf->root);
    ls_arena_free(inf->arena);
    ls_free(inf);
}

static ls__ik_t ls__kind_of(const ls_json_value_t *v)
{
    switch (v->kind) {
    case LS_JSON_NULL: return LS__IK_NULL;
    case LS_JSON_BOOL: return LS__IK_BOOL;
    case LS_JSON_OBJECT: return LS__IK_STRUCT;
    case LS_JSON_ARRAY: return LS__IK_ARRAY;
    case LS_JSON_NUMBER: {
        if (v->is_int) {
            return LS__IK_LONG;
        }
        ls_num_t n;
        bool integer = ls_num_parse(v->str, v->len, &n) && n.is_int;
        return (integer && n.int_end - n.int_begin <= 38) ? LS__IK_DEC : LS__IK_DOUBLE;
    }
    default: break;
    }
    int32_t days;
    int64_t us;
    bool zone;
    if (ls_text_parse_date(v->str, v->len, &days)) {
        return LS__IK_DATE;
    }
    if (v->len > 10 && ls_text_parse_timestamp(v->str, v->len, &us, &zone)) {
        return zone ? LS__IK_TS : LS__IK_TS_NTZ;
    }
    return LS__IK_STRING;
}

static ls__ik_t ls__widen(ls__ik_t a, ls__ik_t b)
{
    if (a == b || b == LS__IK_NULL) {
        return a;
    }
    if (a == LS__IK_NULL) {
        return b;
    }
    bool na = a >= LS__IK_LONG && a <= LS__IK_DOUBLE, nb = b >= LS__IK_LONG && b <= LS__IK_DOUBLE;
    if (na && nb) {
        return a > b ? a : b;
    }
    if ((a == LS__IK_DATE && (b == LS__IK_TS || b == LS__IK_TS_NTZ)) ||
        (b == LS__IK_DATE && (a == LS__IK_TS || a == LS__IK_TS_NTZ))) {
        return a == LS__IK_DATE ? b : a;
    }
    return LS__IK_STRING;
}

static ls_err_t ls__merge(ls__inode_t *n, const ls_json_value_t *v, ls_error_t *err);

static ls__inode_t *ls__field(ls__inode_t *n, const ls_json_member_t *m, size_t hint,
                              ls_error_t *err)
{
    if (hint < n->n && strcmp(n->names[hint], m->key) == 0) {
        return n->kids[hint]; /* records usually keep their key order */
    }
    for (size_t i = 0; i < n->n; i++) {
        if (strcmp(n->names[i], m->key) == 0) {
            return n->kids[i];
        }
    }
    if (n->n >= LS__INFER_MAX_FIELDS) {
        ls_error_set(err, LS_ERR_LIMIT,
                     "more than %d distinct fields in one object (use a map type)",
                     LS__INFER_MAX_FIELDS);
        return NULL;
    }
    if (n->n == n->cap) {
        size_t cap = n->cap ? n->cap * 2 : 8;
        char **nn = ls_reallocarray(n->names, cap, sizeof(*nn));
        if (nn != NULL) {
            n->names = nn;
        }
        ls__inode_t **nk = nn ? ls_reallocarray(n->kids, cap, sizeof(*nk)) : NULL;
        if (nk == NULL) {
            ls_error_set(err, LS_ERR_NOMEM, "out of memory inferring a schema");
            return NULL;
        }
        n->kids = nk;
        n->cap = cap;
    }
    char *name = ls_strndup(m->key, m->key_len);
    ls__inode_t *k = ls_calloc(1, sizeof(*k));
    if (name == NULL || k == NULL) {
        ls_free(name);
        ls_free(k);
        ls_error_set(err, LS_ERR_NOMEM, "out of memory inferring a schema");
        return NULL;
    }
    n->names[n->n] = name;
    n->kids[n->n++] = k;
    return k;
}

static ls_err_t ls__merge_struct(ls__inode_t *n, const ls_json_value_t *v, ls_error_t *err)
{
    for (size_t i = 0; i < v->n; i++) {
        const ls_json_member_t *m = &v->members[i];
        if (strlen(m->key) != m->key_len) {
            return ls_error_set(err, LS_ERR_UNSUPPORTED,
                                "field name \"%s\\u0000...\" contains a NUL character", m->key);
        }
        ls__inode_t *k = ls__field(n, m, i, err);
        if (k == NULL) {
            return err ? err->code : LS_ERR_NOMEM;
        }
        LS_TRY(ls__merge(k, m->value, err));
    }
    return LS_OK;
}

static ls_err_t ls__merge(ls__inode_t *n, const ls_json_value_t *v, ls_error_t *err)
{
    ls__ik_t k = ls__kind_of(v);
    if (k == LS__IK_NULL || n->kind == LS__IK_STRING) {
        return LS_OK;
    }
    if (k == LS__IK_STRUCT || k == LS__IK_ARRAY) {
        if (n->kind == LS__IK_NULL) {
            n->kind = k;
        }
        if (n->kind != k) {
            ls__inode_flatten(n, LS__IK_STRING);
            return LS_OK;
        }
        if (k == LS__IK_STRUCT) {
            return ls__merge_struct(n, v, err);
        }
        if (n->elem == NULL && (n->elem = ls_calloc(1, sizeof(ls__inode_t))) == NULL) {
            return ls_error_set(err, LS_ERR_NOMEM, "out of memory inferring a schema");
        }
        for (size_t i = 0; i < v->n; i++) {
            LS_TRY(ls__merge(n->elem, v->items[i], err));
        }
        return LS_OK;
    }
    if (n->kind == LS__IK_STRUCT || n->kind == LS__IK_ARRAY) {
        ls__inode_flatten(n, LS__IK_STRING);
        return LS_OK;
    }
    n->kind = ls__widen(n->kind, k);
    return LS_OK;
}

ls_err_t ls_json_infer_record(ls_json_infer_t *inf, const char *data, size_t len, ls_error_t *err)
{
    ls_json_value_t *v;
    ls_arena_reset(inf->arena);
    LS_TRY(ls_json_parse(data, len, inf->arena, &v, err));
    if (v->kind != LS_JSON_OBJECT) {
        return ls_error_set(err, LS_ERR_SCHEMA, "record is not a JSON object");
    }
    return ls__merge_struct(inf->root, v, err);
}

static ls_type_t *ls__build(const ls__inode_t *n);

/* True when the node yields no column: a struct that never had a field. */
static bool ls__empty(const ls__inode_t *n)
{
    if (n->kind == LS__IK_ARRAY) {
        return n->elem != NULL && n->elem->kind == LS__IK_STRUCT && ls__empty(n->elem);
    }
    if (n->kind != LS__IK_STRUCT) {
        return false;
    }
    for (size_t i = 0; i < n->n; i++) {
        if (!ls__empty(n->kids[i])) {
            return false;
        }
    }
    return true;
}

static ls_type_t *ls__build_struct(const ls__inode_t *n)
{
    ls_type_t *st = ls_type_new_struct();
    for (size_t i = 0; st != NULL && i < n->n; i++) {
        if (ls__empty(n->kids[i])) {
            continue;
        }
        ls_type_t *ft = ls__build(n->kids[i]);
        if (ft == NULL || ls_type_struct_add(st, n->names[i], ft, true) != LS_OK) {
            ls_type_free(st);
            return NULL;
        }
    }
    return st;
}

static ls_type_t *ls__build(const ls__inode_t *n)
{
    switch (n->kind) {
    case LS__IK_BOOL: return ls_type_new(LS_TYPE_BOOLEAN);
    case LS__IK_LONG: return ls_type_new(LS_TYPE_LONG);
    case LS__IK_DEC: return ls_type_new_decimal(38, 0);
    case LS__IK_DOUBLE: return ls_type_new(LS_TYPE_DOUBLE);
    case LS__IK_DATE: return ls_type_new(LS_TYPE_DATE);
    case LS__IK_TS_NTZ: return ls_type_new(LS_TYPE_TIMESTAMP_NTZ);
    case LS__IK_TS: return ls_type_new(LS_TYPE_TIMESTAMP);
    case LS__IK_STRUCT: return ls__build_struct(n);
    case LS__IK_ARRAY:
        if (n->elem == NULL || n->elem->kind == LS__IK_NULL) {
            return ls_type_new_array(ls_type_new(LS_TYPE_STRING), true);
        }
        return ls_type_new_array(ls__build(n->elem), true);
    default: return ls_type_new(LS_TYPE_STRING);
    }
}

ls_type_t *ls_json_infer_result(const ls_json_infer_t *inf, ls_error_t *err)
{
    ls_type_t *t = ls__build_struct(inf->root);
    if (t == NULL) {
        ls_error_set(err, LS_ERR_NOMEM, "out of memory building the inferred schema");
    }
    return t;
}

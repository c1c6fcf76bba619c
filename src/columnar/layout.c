/*
 * layout.c — maps a Delta schema onto Parquet leaves and def/rep levels.
 */
#include <stdio.h>
#include <string.h>

#include "lakesink/alloc.h"
#include "lakesink/columnar.h"

ls_col_store_t ls_col_store_for_type(const ls_type_t *t, uint32_t *width)
{
    uint32_t w = 0;
    ls_col_store_t s;
    switch (t->kind) {
    case LS_TYPE_BOOLEAN: s = LS_COL_BOOL; w = 1; break;
    case LS_TYPE_BYTE:
    case LS_TYPE_SHORT:
    case LS_TYPE_INTEGER:
    case LS_TYPE_DATE: s = LS_COL_I32; w = 4; break;
    case LS_TYPE_LONG:
    case LS_TYPE_TIMESTAMP:
    case LS_TYPE_TIMESTAMP_NTZ:
    case LS_TYPE_TIME:
    case LS_TYPE_UINT64: s = LS_COL_I64; w = 8; break;
    case LS_TYPE_FLOAT: s = LS_COL_FLOAT; w = 4; break;
    case LS_TYPE_DOUBLE: s = LS_COL_DOUBLE; w = 8; break;
    case LS_TYPE_DECIMAL:
        if (t->precision <= 9) {
            s = LS_COL_I32;
            w = 4;
        } else if (t->precision <= 18) {
            s = LS_COL_I64;
            w = 8;
        } else {
            s = LS_COL_FIXED;
            w = (uint32_t)ls_decimal_fixed_width(t->precision);
        }
        break;
    case LS_TYPE_UUID: s = LS_COL_FIXED; w = 16; break;
    case LS_TYPE_FIXED: s = LS_COL_FIXED; w = (uint32_t)t->width; break;
    default: s = LS_COL_BYTES; w = 0; break;
    }
    if (width != NULL) {
        *width = w;
    }
    return s;
}

ls_layout_t *ls_layout_empty(ls_type_t *schema)
{
    ls_layout_t *l = ls_calloc(1, sizeof(*l));
    ls_arena_t *a = ls_arena_new(8192, 0);
    if (l == NULL || a == NULL) {
        ls_free(l);
        ls_arena_free(a);
        ls_type_free(schema);
        return NULL;
    }
    l->schema = schema;
    l->arena = a;
    return l;
}

void ls_layout_free(ls_layout_t *l)
{
    if (l == NULL) {
        return;
    }
    ls_type_free(l->schema);
    ls_arena_free(l->arena);
    ls_free(l);
}

/* Canonical node for a value of type @p t under a parent present at (pdef, prep). */
static ls_node_t *ls__build(ls_layout_t *l, const char *name, const ls_type_t *t, bool nullable,
                            int pdef, int prep)
{
    ls_node_t *n = ls_arena_calloc(l->arena, 1, sizeof(*n));
    if (n == NULL) {
        return NULL;
    }
    n->name = name;
    n->type = t;
    n->nullable = nullable;
    n->def = (int16_t)(pdef + (nullable ? 1 : 0));
    n->rep = (int16_t)prep;
    n->leaf = -1;
    switch (t->kind) {
    case LS_TYPE_STRUCT:
        n->nchildren = (uint32_t)t->nfields;
        n->children = ls_arena_calloc(l->arena, t->nfields ? t->nfields : 1, sizeof(ls_node_t *));
        if (n->children == NULL) {
            return NULL;
        }
        for (size_t i = 0; i < t->nfields; i++) {
            n->children[i] = ls__build(l, t->fields[i].name, t->fields[i].type,
                                       t->fields[i].nullable, n->def, n->rep);
            if (n->children[i] == NULL) {
                return NULL;
            }
        }
        break;
    case LS_TYPE_ARRAY:
    case LS_TYPE_MAP:
        n->entry_def = (int16_t)(n->def + 1);
        n->entry_rep = (int16_t)(n->rep + 1);
        n->nchildren = t->kind == LS_TYPE_ARRAY ? 1 : 2;
        n->children = ls_arena_calloc(l->arena, n->nchildren, sizeof(ls_node_t *));
        if (n->children == NULL) {
            return NULL;
        }
        if (t->kind == LS_TYPE_ARRAY) {
            n->children[0] = ls__build(l, "element", t->element, t->contains_null, n->entry_def,
                                       n->entry_rep);
        } else {
            n->children[0] = ls__build(l, "key", t->key, false, n->entry_def, n->entry_rep);
            n->children[1] = ls__build(l, "value", t->value, t->value_contains_null, n->entry_def,
                                       n->entry_rep);
            if (n->children[1] == NULL) {
                return NULL;
            }
        }
        if (n->children[0] == NULL) {
            return NULL;
        }
        break;
    default:
        break;
    }
    return n;
}

ls_layout_t *ls_layout_new(const ls_type_t *schema, ls_error_t *err)
{
    if (schema == NULL || schema->kind != LS_TYPE_STRUCT) {
        ls_error_set(err, LS_ERR_INVALID_ARG, "schema root must be a struct");
        return NULL;
    }
    ls_type_t *copy = ls_type_clone(schema);
    ls_layout_t *l = copy ? ls_layout_empty(copy) : NULL;
    if (l == NULL) {
        ls_error_set(err, LS_ERR_NOMEM, "out of memory building the column layout");
        return NULL;
    }
    l->root = ls__build(l, "schema", l->schema, false, 0, 0);
    if (l->root == NULL) {
        ls_layout_free(l);
        ls_error_set(err, LS_ERR_NOMEM, "out of memory building the column layout");
        return NULL;
    }
    if (ls_layout_finish(l, err) != LS_OK) {
        ls_layout_free(l);
        return NULL;
    }
    return l;
}

static size_t ls__count_leaves(const ls_node_t *n)
{
    if (n->nchildren == 0 && !ls_type_is_nested(n->type)) {
        return 1;
    }
    size_t c = 0;
    for (uint32_t i = 0; i < n->nchildren; i++) {
        c += ls__count_leaves(n->children[i]);
    }
    return c;
}

/* Parquet names of the synthetic groups between a collection node and its children. */
static const char *ls__synthetic(const ls_node_t *n)
{
    if (n->type->kind == LS_TYPE_ARRAY) {
        return "list";
    }
    if (n->type->kind == LS_TYPE_MAP) {
        return "key_value";
    }
    return NULL;
}

typedef struct {
    ls_layout_t *l;
    const char *path[256];
    uint32_t depth;
    size_t next;
    ls_error_t *err;
} ls__walk_t;

static ls_err_t ls__number(ls__walk_t *w, ls_node_t *n, bool is_root)
{
    if (!is_root) {
        if (w->depth >= 255) {
            return ls_error_set(w->err, LS_ERR_LIMIT, "schema nested deeper than 255 levels");
        }
        w->path[w->depth++] = n->name;
    }
    n->leaf_begin = (uint32_t)w->next;
    if (n->nchildren == 0 && !ls_type_is_nested(n->type)) {
        ls_leaf_t *lf = &w->l->leaves[w->next];
        n->leaf = (int32_t)w->next;
        lf->node = n;
        lf->type = n->type;
        lf->store = ls_col_store_for_type(n->type, &lf->width);
        lf->max_def = n->def;
        lf->max_rep = n->rep;
        lf->path_len = w->depth;
        lf->path = ls_arena_calloc(w->l->arena, w->depth ? w->depth : 1, sizeof(char *));
        size_t dl = 0;
        for (uint32_t i = 0; i < w->depth; i++) {
            dl += strlen(w->path[i]) + 1;
        }
        char *dotted = ls_arena_alloc(w->l->arena, dl + 1);
        if (lf->path == NULL || dotted == NULL) {
            return ls_error_set(w->err, LS_ERR_NOMEM, "out of memory building the column layout");
        }
        size_t pos = 0;
        for (uint32_t i = 0; i < w->depth; i++) {
            lf->path[i] = w->path[i];
            size_t k = strlen(w->path[i]);
            memcpy(dotted + pos, w->path[i], k);
            pos += k;
            dotted[pos++] = '.';
        }
        dotted[pos ? pos - 1 : 0] = '\0';
        lf->dotted = dotted;
        w->next++;
    } else {
        const char *syn = ls__synthetic(n);
        bool push = syn != NULL;
        if (push) {
            w->path[w->depth++] = syn;
        }
        for (uint32_t i = 0; i < n->nchildren; i++) {
            LS_TRY(ls__number(w, n->children[i], false));
        }
        if (push) {
            w->depth--;
        }
    }
    n->leaf_end = (uint32_t)w->next;
    if (!is_root) {
        w->depth--;
    }
    return LS_OK;
}

ls_err_t ls_layout_finish(ls_layout_t *l, ls_error_t *err)
{
    size_t nl = ls__count_leaves(l->root);
    l->leaves = ls_arena_calloc(l->arena, nl ? nl : 1, sizeof(ls_leaf_t));
    if (l->leaves == NULL) {
        return ls_error_set(err, LS_ERR_NOMEM, "out of memory building the column layout");
    }
    l->nleaves = nl;
    ls__walk_t w = {.l = l, .depth = 0, .next = 0, .err = err};
    return ls__number(&w, l->root, true);
}

const ls_node_t *ls_layout_field(const ls_layout_t *l, const char *name)
{
    for (uint32_t i = 0; i < l->root->nchildren; i++) {
        if (strcmp(l->root->children[i]->name, name) == 0) {
            return l->root->children[i];
        }
    }
    return NULL;
}

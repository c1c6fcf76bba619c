/*
 * stats_parse.c — reads back the per-file statistics JSON of add actions (ours or
 * Spark's): numRecords, tightBounds, and minValues/maxValues/nullCount nested like the
 * schema, merged into one entry per column path.
 *
 * Not responsible for: writing stats (stats.c) or deciding what a bound means for a
 * query (that is the reader's data-skipping logic). Input is untrusted: every shape is
 * checked and every count bounded.
 */
#include <stdlib.h>
#include <string.h>

#include "table_int.h"

#define LS__STATS_MAX_COLS 100000u

typedef enum { LS__SK_MIN = 0, LS__SK_MAX = 1, LS__SK_NULLS = 2 } ls__sk_t;

typedef struct {
    const char *path;
    ls__sk_t kind;
    const ls_json_value_t *v;
} ls__sentry_t;

typedef struct {
    ls_arena_t *arena;
    ls_error_t *err;
    ls__sentry_t *e;
    size_t n, cap;
} ls__sp_t;

static ls_err_t ls__sp_push(ls__sp_t *p, const char *path, ls__sk_t kind, const ls_json_value_t *v)
{
    if (p->n == p->cap) {
        if (p->cap >= LS__STATS_MAX_COLS * 3) {
            return ls_error_set(p->err, LS_ERR_PARSE, "stats: more than %u columns",
                                LS__STATS_MAX_COLS);
        }
        size_t cap = p->cap ? p->cap * 2 : 32;
        ls__sentry_t *e = ls_arena_alloc(p->arena, cap * sizeof(*e));
        if (e == NULL) {
            return ls_error_set(p->err, LS_ERR_NOMEM, "stats: out of memory");
        }
        if (p->n > 0) {
            memcpy(e, p->e, p->n * sizeof(*e));
        }
        p->e = e;
        p->cap = cap;
    }
    p->e[p->n++] = (ls__sentry_t){path, kind, v};
    return LS_OK;
}

static const char *ls__sp_join(ls__sp_t *p, const char *prefix, const ls_json_member_t *m)
{
    size_t pl = prefix ? strlen(prefix) : 0;
    char *s = ls_arena_alloc(p->arena, pl + m->key_len + 2);
    if (s == NULL) {
        return NULL;
    }
    size_t o = 0;
    if (pl > 0) {
        memcpy(s, prefix, pl);
        s[pl] = '.';
        o = pl + 1;
    }
    memcpy(s + o, m->key, m->key_len);
    s[o + m->key_len] = '\0';
    return s;
}

/* Walk one of the three maps: objects nest like the schema, anything else is a leaf. */
static ls_err_t ls__sp_walk(ls__sp_t *p, const ls_json_value_t *obj, const char *prefix,
                            ls__sk_t kind)
{
    for (size_t i = 0; i < obj->n; i++) {
        const ls_json_member_t *m = &obj->members[i];
        const char *path = ls__sp_join(p, prefix, m);
        if (path == NULL) {
            return ls_error_set(p->err, LS_ERR_NOMEM, "stats: out of memory");
        }
        const ls_json_value_t *v = m->value;
        if (v->kind == LS_JSON_OBJECT) {
            LS_TRY(ls__sp_walk(p, v, path, kind));
            continue;
        }
        if (kind == LS__SK_NULLS && (v->kind != LS_JSON_NUMBER || !v->is_int || v->i64 < 0)) {
            return ls_error_set(p->err, LS_ERR_PARSE,
                                "stats: nullCount.%.200s: expected a non-negative integer", path);
        }
        if (kind != LS__SK_NULLS && (v->kind == LS_JSON_ARRAY)) {
            return ls_error_set(p->err, LS_ERR_PARSE,
                                "stats: %s.%.200s: an array is not a bound",
                                kind == LS__SK_MIN ? "minValues" : "maxValues", path);
        }
        LS_TRY(ls__sp_push(p, path, kind, v));
    }
    return LS_OK;
}

static int ls__sp_cmp(const void *a, const void *b)
{
    const ls__sentry_t *x = a, *y = b;
    int c = strcmp(x->path, y->path);
    return c != 0 ? c : (int)x->kind - (int)y->kind;
}

/* Fold the sorted entries into one column record per path. */
static ls_err_t ls__sp_fold(ls__sp_t *p, ls_table_file_stats_t *out)
{
    if (p->n > 1) { /* qsort must not see the NULL array of an empty set */
        qsort(p->e, p->n, sizeof(*p->e), ls__sp_cmp);
    }
    out->cols = ls_arena_calloc(p->arena, p->n ? p->n : 1, sizeof(*out->cols));
    if (out->cols == NULL) {
        return ls_error_set(p->err, LS_ERR_NOMEM, "stats: out of memory");
    }
    for (size_t i = 0; i < p->n; i++) {
        const ls__sentry_t *e = &p->e[i];
        if (i > 0 && strcmp(e->path, p->e[i - 1].path) == 0 && e->kind == p->e[i - 1].kind) {
            return ls_error_set(p->err, LS_ERR_PARSE, "stats: column %.200s appears twice", e->path);
        }
        if (out->ncols == 0 || strcmp(out->cols[out->ncols - 1].path, e->path) != 0) {
            out->cols[out->ncols++].path = e->path;
        }
        ls_table_col_stats_t *c = &out->cols[out->ncols - 1];
        if (e->kind == LS__SK_MIN) {
            c->min = e->v->kind == LS_JSON_NULL ? NULL : e->v;
        } else if (e->kind == LS__SK_MAX) {
            c->max = e->v->kind == LS_JSON_NULL ? NULL : e->v;
        } else {
            c->has_null_count = true;
            c->null_count = e->v->i64;
        }
    }
    return LS_OK;
}

static ls_err_t ls__sp_map(ls__sp_t *p, const ls_json_value_t *root, const char *name,
                           ls__sk_t kind)
{
    const ls_json_value_t *m = ls_json_get(root, name);
    if (m == NULL || m->kind == LS_JSON_NULL) {
        return LS_OK;
    }
    if (m->kind != LS_JSON_OBJECT) {
        return ls_error_set(p->err, LS_ERR_PARSE, "stats: %s is not an object", name);
    }
    return ls__sp_walk(p, m, NULL, kind);
}

ls_err_t ls_table_stats_parse(const char *json, size_t len, ls_arena_t *arena,
                              ls_table_file_stats_t *out, ls_error_t *err)
{
    memset(out, 0, sizeof(*out));
    ls_json_value_t *root = NULL;
    LS_TRY(ls_json_parse(json, len, arena, &root, err));
    if (root->kind != LS_JSON_OBJECT) {
        return ls_error_set(err, LS_ERR_PARSE, "stats: not a JSON object");
    }
    const ls_json_value_t *nr = ls_json_get(root, "numRecords");
    if (nr != NULL && nr->kind != LS_JSON_NULL) {
        if (nr->kind != LS_JSON_NUMBER || !nr->is_int || nr->i64 < 0) {
            return ls_error_set(err, LS_ERR_PARSE, "stats: numRecords is not a non-negative integer");
        }
        out->has_num_records = true;
        out->num_records = nr->i64;
    }
    const ls_json_value_t *tb = ls_json_get(root, "tightBounds");
    if (tb != NULL && tb->kind == LS_JSON_BOOL) {
        out->has_tight_bounds = true;
        out->tight_bounds = tb->b;
    }
    ls__sp_t p = {.arena = arena, .err = err};
    LS_TRY(ls__sp_map(&p, root, "minValues", LS__SK_MIN));
    LS_TRY(ls__sp_map(&p, root, "maxValues", LS__SK_MAX));
    LS_TRY(ls__sp_map(&p, root, "nullCount", LS__SK_NULLS));
    return ls__sp_fold(&p, out);
}

/*
 * stats_cols.c — which columns of a data file get statistics: the first
 * delta.dataSkippingNumIndexedCols leaf columns, or the columns named by
 * delta.dataSkippingStatsColumns, with the same counting and matching rules as Delta's
 * StatisticsCollection (arrays and maps count as one column; struct fields individually).
 *
 * Not responsible for: computing or formatting statistics (stats.c).
 */
#include <string.h>

#include "lakesink/alloc.h"
#include "lakesink/table.h"
#include "table_int.h"

#define LS__MAX_STATS_PATHS 4096
#define LS__MAX_PATH_PARTS 64

/* One column path of delta.dataSkippingStatsColumns, parts lower-cased (ASCII). */
typedef struct {
    char **parts;
    size_t nparts;
    bool used; /* scratch while matching */
} ls__spath_t;

typedef struct {
    ls__spath_t *paths;
    size_t npaths;
} ls__spec_t;

static void ls__spec_free(ls__spec_t *sp)
{
    for (size_t i = 0; i < sp->npaths; i++) {
        for (size_t k = 0; k < sp->paths[i].nparts; k++) {
            ls_free(sp->paths[i].parts[k]);
        }
        ls_free(sp->paths[i].parts);
    }
    ls_free(sp->paths);
    memset(sp, 0, sizeof(*sp));
}

static char ls__lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
}

static bool ls__ident_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

static void ls__skip_ws(const char *s, size_t *i)
{
    while (s[*i] == ' ' || s[*i] == '\t' || s[*i] == '\n' || s[*i] == '\r') {
        (*i)++;
    }
}

/* One identifier (plain or `quoted`, `` for a backtick) at s[*i], lower-cased. */
static ls_err_t ls__parse_ident(const char *s, size_t *i, ls_buf_t *b)
{
    ls_buf_reset(b);
    if (s[*i] == '`') {
        for ((*i)++;; (*i)++) {
            if (s[*i] == '\0') {
                return LS_ERR_CONFIG; /* unterminated */
            }
            if (s[*i] == '`' && s[*i + 1] != '`') {
                (*i)++;
                return LS_OK;
            }
            *i += s[*i] == '`'; /* `` stands for one backtick */
            LS_TRY(ls_buf_append_byte(b, (uint8_t)ls__lower(s[*i])));
        }
    }
    size_t start = *i;
    while (ls__ident_char(s[*i])) {
        LS_TRY(ls_buf_append_byte(b, (uint8_t)ls__lower(s[(*i)++])));
    }
    return *i > start ? LS_OK : LS_ERR_CONFIG;
}

static ls_err_t ls__add_part(ls__spath_t *p, const ls_buf_t *b)
{
    if (p->nparts >= LS__MAX_PATH_PARTS) {
        return LS_ERR_CONFIG;
    }
    char **np = ls_reallocarray(p->parts, p->nparts + 1, sizeof(char *));
    if (np == NULL) {
        return LS_ERR_NOMEM;
    }
    p->parts = np;
    p->parts[p->nparts] = ls_strndup(b->len ? (const char *)b->data : "", b->len);
    if (p->parts[p->nparts] == NULL) {
        return LS_ERR_NOMEM;
    }
    p->nparts++;
    return LS_OK;
}

/* One dotted path at s[*i] appended to @p sp. */
static ls_err_t ls__parse_path(const char *s, size_t *i, ls__spec_t *sp, ls_buf_t *b)
{
    if (sp->npaths >= LS__MAX_STATS_PATHS) {
        return LS_ERR_CONFIG;
    }
    ls__spath_t *np = ls_reallocarray(sp->paths, sp->npaths + 1, sizeof(*np));
    if (np == NULL) {
        return LS_ERR_NOMEM;
    }
    sp->paths = np;
    ls__spath_t *p = &sp->paths[sp->npaths++];
    memset(p, 0, sizeof(*p));
    do {
        ls__skip_ws(s, i);
        LS_TRY(ls__parse_ident(s, i, b));
        LS_TRY(ls__add_part(p, b));
        ls__skip_ws(s, i);
    } while (s[*i] == '.' && ++(*i));
    return LS_OK;
}

static ls_err_t ls__spec_parse(const char *s, ls__spec_t *sp)
{
    ls_buf_t b;
    ls_buf_init(&b, 4096);
    ls_err_t rc = LS_OK;
    size_t i = 0;
    memset(sp, 0, sizeof(*sp));
    ls__skip_ws(s, &i);
    while (rc == LS_OK && s[i] != '\0') {
        rc = ls__parse_path(s, &i, sp, &b);
        if (rc == LS_OK && s[i] == ',') {
            i++;
            ls__skip_ws(s, &i);
            rc = s[i] == '\0' ? LS_ERR_CONFIG : LS_OK; /* trailing comma */
        } else if (rc == LS_OK && s[i] != '\0') {
            rc = LS_ERR_CONFIG;
        }
    }
    ls_buf_free(&b);
    if (rc != LS_OK) {
        ls__spec_free(sp);
    }
    return rc;
}

static bool ls__name_eq(const char *field, const char *lowered)
{
    size_t i = 0;
    for (; field[i] != '\0' && lowered[i] != '\0'; i++) {
        if (ls__lower(field[i]) != lowered[i]) {
            return false;
        }
    }
    return field[i] == lowered[i];
}

static void ls__mark(const ls_node_t *n, bool *indexed)
{
    for (uint32_t i = n->leaf_begin; i < n->leaf_end; i++) {
        indexed[i] = true;
    }
}

/*
 * Mark the leaves under struct node @p st selected by the paths in @p idx (indices into
 * sp->paths) at part @p depth. Like Delta's filterSchema: a field named by paths that
 * all end there is taken whole; otherwise a struct field is entered with the longer
 * paths; a non-struct field named only by longer paths is not taken.
 */
static ls_err_t ls__filter(const ls_node_t *st, const ls__spec_t *sp, const size_t *idx, size_t n,
                           size_t depth, bool *indexed)
{
    size_t *sub = ls_calloc(n ? n : 1, sizeof(size_t));
    if (sub == NULL) {
        return LS_ERR_NOMEM;
    }
    ls_err_t rc = LS_OK;
    for (uint32_t f = 0; rc == LS_OK && f < st->nchildren; f++) {
        const ls_node_t *child = st->children[f];
        size_t nsub = 0, nend = 0;
        for (size_t k = 0; k < n; k++) {
            const ls__spath_t *p = &sp->paths[idx[k]];
            if (ls__name_eq(child->name, p->parts[depth])) {
                nend += p->nparts == depth + 1;
                if (p->nparts > depth + 1) {
                    sub[nsub++] = idx[k];
                }
            }
        }
        if (nend > 0 && nsub == 0) {
            ls__mark(child, indexed);
        } else if (nsub > 0 && child->type->kind == LS_TYPE_STRUCT) {
            rc = ls__filter(child, sp, sub, nsub, depth + 1, indexed);
        }
    }
    ls_free(sub);
    return rc;
}

ls_err_t ls__tbl_select_stats_columns(const ls_layout_t *layout, const char *spec, bool *indexed,
                                      ls_error_t *err)
{
    ls__spec_t sp;
    ls_err_t rc = ls__spec_parse(spec, &sp);
    if (rc != LS_OK) {
        return ls_error_set(err, rc, "delta.dataSkippingStatsColumns \"%.128s\": %s", spec,
                            rc == LS_ERR_CONFIG ? "not a comma-separated list of column names"
                                                : ls_err_str(rc));
    }
    size_t *idx = ls_calloc(sp.npaths ? sp.npaths : 1, sizeof(size_t));
    if (idx == NULL) {
        ls__spec_free(&sp);
        return ls_error_set(err, LS_ERR_NOMEM, "selecting statistics columns: out of memory");
    }
    for (size_t i = 0; i < sp.npaths; i++) {
        idx[i] = i;
    }
    rc = ls__filter(layout->root, &sp, idx, sp.npaths, 0, indexed);
    ls_free(idx);
    ls__spec_free(&sp);
    if (rc != LS_OK) {
        return ls_error_set(err, rc, "selecting statistics columns: %s", ls_err_str(rc));
    }
    return LS_OK;
}

/* Delta's truncateSchema: walk fields in order, counting leaves, until @p *left is 0. */
static void ls__first_n(const ls_node_t *st, long *left, bool *indexed)
{
    for (uint32_t f = 0; f<st->nchildren && * left> 0; f++) {
        const ls_node_t *child = st->children[f];
        if (child->type->kind == LS_TYPE_STRUCT) {
            ls__first_n(child, left, indexed);
        } else {
            ls__mark(child, indexed);
            (*left)--;
        }
    }
}

ls_err_t ls_table_stats_indexed(const ls_layout_t *layout, const ls_table_stats_opts_t *opts,
                                bool *indexed, ls_error_t *err)
{
    ls_table_stats_opts_t def;
    if (opts == NULL) {
        ls_table_stats_opts_init(&def);
        opts = &def;
    }
    for (size_t i = 0; i < layout->nleaves; i++) {
        indexed[i] = opts->stats_columns == NULL && opts->num_indexed_cols < 0;
    }
    if (opts->stats_columns != NULL) {
        return ls__tbl_select_stats_columns(layout, opts->stats_columns, indexed, err);
    }
    if (opts->num_indexed_cols >= 0) {
        long left = opts->num_indexed_cols;
        ls__first_n(layout->root, &left, indexed);
    }
    return LS_OK;
}

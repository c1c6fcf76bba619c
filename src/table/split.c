/*
 * split.c — partitioned tables: the data layout (the table layout without its
 * partition columns, which Delta data files do not store), splitting a batch into one
 * batch per partition value combination, and the reverse for scans (a data-file batch
 * plus constant partition values back into a batch of the table layout).
 *
 * Rows are grouped by hashing their partition values; each data column is then copied
 * group by group in runs of consecutive rows (gather.c). For writers that route rows
 * themselves (one batch per partition, filled by the decoder): the key and text values
 * of a batch's last row, and a copy-free data-layout view of a batch. Not responsible
 * for: the text form of values (partition.c) or file paths (path.c).
 */
#include <math.h>
#include <string.h>

#include "lakesink/alloc.h"
#include "lakesink/arena.h"
#include "lakesink/bytes.h"
#include "lakesink/table.h"
#include "table_int.h"

#define LS__DEFAULT_MAX_GROUPS 10000
#define LS__NO_VALUE SIZE_MAX

struct ls_table_partitioner_s {
    const ls_layout_t *table;
    ls_layout_t *data;
    size_t ncols;
    const ls_node_t **pnode; /* partition column nodes in the table layout */
    uint32_t *leaf_map;      /* table leaf -> data leaf, UINT32_MAX for partition leaves */
};

/* ---------------------------------------------------------------- partitioner */

static bool ls__partitionable(const ls_type_t *t)
{
    return !ls_type_is_nested(t) && t->kind < LS_TYPE_UINT64;
}

static int ls__field_index(const ls_node_t *root, const char *name)
{
    for (uint32_t i = 0; i < root->nchildren; i++) {
        if (strcmp(root->children[i]->name, name) == 0) {
            return (int)i;
        }
    }
    return -1;
}

static ls_err_t ls__resolve_cols(ls_table_partitioner_t *p, const char *const *cols, size_t n,
                                 bool *is_part, ls_error_t *err)
{
    const ls_node_t *root = p->table->root;
    for (size_t j = 0; j < n; j++) {
        int f = ls__field_index(root, cols[j]);
        if (f < 0) {
            return ls_error_set(err, LS_ERR_NOT_FOUND, "partition column %s is not in the schema",
                                cols[j]);
        }
        const ls_node_t *node = root->children[f];
        if (!ls__partitionable(node->type) || node->leaf < 0) {
            return ls_error_set(err, LS_ERR_SCHEMA,
                                "partition column %s has type %s, which "
                                "cannot be partitioned on",
                                cols[j], ls_type_kind_name(node->type->kind));
        }
        if (is_part[f]) {
            return ls_error_set(err, LS_ERR_SCHEMA, "partition column %s is listed twice", cols[j]);
        }
        is_part[f] = true;
        p->pnode[j] = node;
    }
    if (root->nchildren > 0 && n == root->nchildren) {
        return ls_error_set(err, LS_ERR_SCHEMA,
                            "every column is a partition column: data files "
                            "would have no columns");
    }
    return LS_OK;
}

/* The data layout and the table-leaf -> data-leaf map. */
static ls_err_t ls__build_data_layout(ls_table_partitioner_t *p, const bool *is_part,
                                      ls_error_t *err)
{
    const ls_type_t *schema = p->table->schema;
    ls_type_t *st = ls_type_new_struct();
    if (st == NULL) {
        return ls_error_set(err, LS_ERR_NOMEM, "data layout: out of memory");
    }
    for (size_t i = 0; i < schema->nfields; i++) {
        if (is_part[i]) {
            continue;
        }
        const ls_field_t *f = &schema->fields[i];
        ls_type_t *t = ls_type_clone(f->type);
        if (t == NULL || ls_type_struct_add(st, f->name, t, f->nullable) != LS_OK) {
            ls_type_free(st);
            return ls_error_set(err, LS_ERR_NOMEM, "data layout: out of memory");
        }
    }
    p->data = ls_layout_new(st, err);
    ls_type_free(st);
    if (p->data == NULL) {
        return err != NULL ? err->code : LS_ERR_NOMEM;
    }
    const ls_node_t *root = p->table->root;
    uint32_t next = 0;
    for (uint32_t i = 0; i < root->nchildren; i++) {
        const ls_node_t *n = root->children[i];
        for (uint32_t l = n->leaf_begin; l < n->leaf_end; l++) {
            p->leaf_map[l] = is_part[i] ? UINT32_MAX : next++;
        }
    }
    return LS_OK;
}

ls_table_partitioner_t *ls_table_partitioner_new(const ls_layout_t *table_layout,
                                                 const char *const *cols, size_t n, ls_error_t *err)
{
    ls_table_partitioner_t *p = ls_calloc(1, sizeof(*p));
    bool *is_part = ls_calloc(table_layout->root->nchildren + 1, sizeof(bool));
    if (p != NULL) {
        p->table = table_layout;
        p->ncols = n;
        p->pnode = ls_calloc(n ? n : 1, sizeof(*p->pnode));
        p->leaf_map =
            ls_calloc(table_layout->nleaves ? table_layout->nleaves : 1, sizeof(uint32_t));
    }
    ls_err_t rc;
    if (p == NULL || is_part == NULL || p->pnode == NULL || p->leaf_map == NULL) {
        rc = ls_error_set(err, LS_ERR_NOMEM, "partitioner: out of memory");
    } else {
        rc = ls__resolve_cols(p, cols, n, is_part, err);
    }
    if (rc == LS_OK) {
        rc = ls__build_data_layout(p, is_part, err);
    }
    ls_free(is_part);
    if (rc != LS_OK) {
        ls_table_partitioner_free(p);
        return NULL;
    }
    return p;
}

void ls_table_partitioner_free(ls_table_partitioner_t *p)
{
    if (p == NULL) {
        return;
    }
    ls_layout_free(p->data);
    ls_free(p->pnode);
    ls_free(p->leaf_map);
    ls_free(p);
}

const ls_layout_t *ls_table_partitioner_data_layout(const ls_table_partitioner_t *p)
{
    return p->data;
}

const ls_layout_t *ls_table_partitioner_table_layout(const ls_table_partitioner_t *p)
{
    return p->table;
}

size_t ls_table_partitioner_ncols(const ls_table_partitioner_t *p)
{
    return p->ncols;
}

/* ---------------------------------------------------------------- row keys */

typedef struct {
    const ls_table_partitioner_t *p;
    const ls_batch_t *b;
    size_t **vidx; /* per partition column: value index of each row, LS__NO_VALUE = null */
} ls__keys_t;

/* Canonical bytes of value @p vi of partition column @p c (LS__NO_VALUE: null); false for
 * null. Every key of a row goes through here, so splitting and row keys agree. */
static bool ls__value_key(const ls_column_t *c, size_t vi, const uint8_t **p, size_t *n,
                          uint8_t *scratch)
{
    if (vi == LS__NO_VALUE) {
        return false;
    }
    if (c->leaf->store == LS_COL_BYTES) {
        *p = ls_col_bytes(c, vi, n);
        return *n > 0; /* an empty string is the null partition in Delta */
    }
    *n = c->leaf->width;
    *p = c->values + vi * c->leaf->width;
    if (c->leaf->store == LS_COL_FLOAT && isnan(ls_col_float(c, vi))) {
        float nan = NAN; /* every NaN is written "NaN": one partition */
        memcpy(scratch, &nan, sizeof(nan));
        *p = scratch;
    } else if (c->leaf->store == LS_COL_DOUBLE && isnan(ls_col_double(c, vi))) {
        double nan = NAN;
        memcpy(scratch, &nan, sizeof(nan));
        *p = scratch;
    }
    return true;
}

/* Canonical bytes of partition column @p j in row @p r; false for null. */
static bool ls__key_bytes(const ls__keys_t *k, size_t j, size_t r, const uint8_t **p, size_t *n,
                          uint8_t *scratch)
{
    return ls__value_key(&k->b->cols[k->p->pnode[j]->leaf], k->vidx[j][r], p, n, scratch);
}

static uint64_t ls__row_hash(const ls__keys_t *k, size_t r)
{
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    for (size_t j = 0; j < k->p->ncols; j++) {
        const uint8_t *v;
        size_t n;
        uint8_t scratch[8];
        if (!ls__key_bytes(k, j, r, &v, &n, scratch)) {
            h = (h ^ 0xFF) * UINT64_C(0x100000001b3);
            continue;
        }
        h = (h ^ 0x01) * UINT64_C(0x100000001b3);
        for (size_t i = 0; i < n; i++) {
            h = (h ^ v[i]) * UINT64_C(0x100000001b3);
        }
    }
    return h ^ (h >> 29);
}

static bool ls__rows_equal(const ls__keys_t *k, size_t a, size_t b)
{
    for (size_t j = 0; j < k->p->ncols; j++) {
        const uint8_t *va, *vb;
        size_t na, nb;
        uint8_t sa[8], sb[8];
        bool ha = ls__key_bytes(k, j, a, &va, &na, sa), hb = ls__key_bytes(k, j, b, &vb, &nb, sb);
        if (ha != hb || (ha && (na != nb || memcmp(va, vb, na) != 0))) {
            return false;
        }
    }
    return true;
}

/* Value index of each row of every partition column (top-level: one level per row). */
static ls_err_t ls__build_vidx(ls__keys_t *k, size_t nrows)
{
    for (size_t j = 0; j < k->p->ncols; j++) {
        const ls_column_t *c = &k->b->cols[k->p->pnode[j]->leaf];
        if (c->nlevels != nrows) {
            return LS_ERR_CORRUPT;
        }
        size_t v = 0;
        for (size_t r = 0; r < nrows; r++) {
            bool present = ls_col_def(c, r) == c->leaf->max_def;
            k->vidx[j][r] = present ? v++ : LS__NO_VALUE;
        }
        if (v != c->nvalues) {
            return LS_ERR_CORRUPT;
        }
    }
    return LS_OK;
}

/* ---------------------------------------------------------------- grouping */

typedef struct {
    uint32_t *slots; /* group id + 1; 0 = empty */
    size_t cap;
    size_t ngroups;
    size_t *rep;    /* first row of each group */
    uint64_t *hash; /* hash of each group */
    uint32_t *gid;  /* group of each row */
} ls__groups_t;

static void ls__groups_free(ls__groups_t *g)
{
    ls_free(g->slots);
    ls_free(g->rep);
    ls_free(g->hash);
    ls_free(g->gid);
}

static ls_err_t ls__groups_rehash(ls__groups_t *g, size_t cap)
{
    uint32_t *s = ls_calloc(cap, sizeof(uint32_t));
    if (s == NULL) {
        return LS_ERR_NOMEM;
    }
    for (size_t i = 0; i < g->ngroups; i++) {
        size_t at = (size_t)g->hash[i] & (cap - 1);
        while (s[at] != 0) {
            at = (at + 1) & (cap - 1);
        }
        s[at] = (uint32_t)(i + 1);
    }
    ls_free(g->slots);
    g->slots = s;
    g->cap = cap;
    return LS_OK;
}

/* Group of row @p r: an existing one with equal values, else a new one. */
static ls_err_t ls__group_of(ls__groups_t *g, const ls__keys_t *k, size_t r, size_t max_groups)
{
    uint64_t h = ls__row_hash(k, r);
    size_t at = (size_t)h & (g->cap - 1);
    for (; g->slots[at] != 0; at = (at + 1) & (g->cap - 1)) {
        uint32_t id = g->slots[at] - 1;
        if (g->hash[id] == h && ls__rows_equal(k, g->rep[id], r)) {
            g->gid[r] = id;
            return LS_OK;
        }
    }
    if (g->ngroups >= max_groups) {
        return LS_ERR_LIMIT;
    }
    size_t id = g->ngroups++;
    g->rep[id] = r;
    g->hash[id] = h;
    g->gid[r] = (uint32_t)id;
    g->slots[at] = (uint32_t)(id + 1);
    return g->ngroups * 2 > g->cap ? ls__groups_rehash(g, g->cap * 2) : LS_OK;
}

static ls_err_t ls__assign_groups(ls__groups_t *g, const ls__keys_t *k, size_t nrows,
                                  size_t max_groups)
{
    size_t most = nrows < max_groups ? nrows : max_groups;
    g->rep = ls_calloc(most ? most : 1, sizeof(size_t));
    g->hash = ls_calloc(most ? most : 1, sizeof(uint64_t));
    g->gid = ls_calloc(nrows ? nrows : 1, sizeof(uint32_t));
    if (g->rep == NULL || g->hash == NULL || g->gid == NULL) {
        return LS_ERR_NOMEM;
    }
    LS_TRY(ls__groups_rehash(g, 16));
    for (size_t r = 0; r < nrows; r++) {
        LS_TRY(ls__group_of(g, k, r, max_groups));
    }
    return LS_OK;
}

/* ---------------------------------------------------------------- output */

/* Text values of the partition columns whose value indexes are @p vi (LS__NO_VALUE:
 * null), allocated in @p arena; values[j] stays NULL for a null. */
static ls_err_t ls__format_values(const ls_table_partitioner_t *p, const ls_batch_t *b,
                                  const size_t *vi, ls_arena_t *arena, const char **values,
                                  ls_error_t *err)
{
    ls_buf_t txt;
    ls_buf_init(&txt, LS_BUF_UNLIMITED);
    ls_err_t rc = LS_OK;
    for (size_t j = 0; rc == LS_OK && j < p->ncols; j++) {
        const ls_node_t *node = p->pnode[j];
        const ls_column_t *c = &b->cols[node->leaf];
        ls_table_value_t v;
        memset(&v, 0, sizeof(v));
        v.is_null = vi[j] == LS__NO_VALUE;
        if (!v.is_null && c->leaf->store == LS_COL_BYTES) {
            v.bytes = ls_col_bytes(c, vi[j], &v.len);
        } else if (!v.is_null && c->leaf->store == LS_COL_FIXED) {
            v.len = c->leaf->width < sizeof(v.fixed) ? c->leaf->width : sizeof(v.fixed);
            memcpy(v.fixed, ls_col_fixed(c, vi[j]), v.len);
        } else if (!v.is_null) {
            memcpy(&v.u, c->values + vi[j] * c->leaf->width, c->leaf->width);
        }
        bool is_null;
        ls_buf_reset(&txt);
        values[j] = NULL;
        rc = ls_table_partition_format(node->type, &v, &txt, &is_null, err);
        if (rc == LS_OK && !is_null) {
            values[j] = ls_arena_strndup(arena, txt.len ? (const char *)txt.data : "", txt.len);
            rc =
                values[j] == NULL ? ls_error_set(err, LS_ERR_NOMEM, "split: out of memory") : LS_OK;
        }
        if (rc != LS_OK && err != NULL) {
            ls_error_prefix(err, "partition column %s: ", node->name);
        }
    }
    ls_buf_free(&txt);
    return rc;
}

static ls_err_t ls__group_values(const ls__keys_t *k, size_t row, ls_arena_t *arena,
                                 const char **values, ls_error_t *err)
{
    size_t *vi = ls_calloc(k->p->ncols ? k->p->ncols : 1, sizeof(size_t));
    if (vi == NULL) {
        return ls_error_set(err, LS_ERR_NOMEM, "split: out of memory");
    }
    for (size_t j = 0; j < k->p->ncols; j++) {
        vi[j] = k->vidx[j][row];
    }
    ls_err_t rc = ls__format_values(k->p, k->b, vi, arena, values, err);
    ls_free(vi);
    return rc;
}

/* Copy the rows of every group (rows[start[g]..start[g+1]) ascending) of one column. */
static ls_err_t ls__gather_column(ls_table_split_t *s, const ls_column_t *src, size_t dleaf,
                                  const size_t *rows, const size_t *start, const size_t *lvl,
                                  const size_t *val)
{
    for (size_t g = 0; g < s->ngroups; g++) {
        ls_batch_t *db = s->groups[g].batch;
        ls_column_t *dc = &db->cols[dleaf];
        size_t nl = 0, nv = 0, nb = 0;
        for (size_t i = start[g]; i < start[g + 1]; i++) {
            size_t r = rows[i];
            nl += lvl[r + 1] - lvl[r];
            nv += val[r + 1] - val[r];
            if (src->leaf->store == LS_COL_BYTES && val[r + 1] > val[r]) {
                nb += src->offsets[val[r + 1]] - src->offsets[val[r]];
            }
        }
        LS_TRY(ls_col_reserve(db, dc, nl, nv, nb));
        for (size_t i = start[g]; i < start[g + 1];) {
            size_t e = i + 1;
            while (e < start[g + 1] && rows[e] == rows[e - 1] + 1) {
                e++; /* a run of consecutive source rows: one copy */
            }
            ls__tbl_col_copy_rows(dc, src, lvl, val, rows[i], rows[e - 1] + 1);
            i = e;
        }
    }
    return LS_OK;
}

static ls_err_t ls__gather(const ls_table_partitioner_t *p, const ls_batch_t *b,
                           ls_table_split_t *s, const ls__groups_t *g, ls_error_t *err)
{
    size_t n = b->nrows;
    size_t *start = ls_calloc(s->ngroups + 1, sizeof(size_t));
    size_t *rows = ls_calloc(n ? n : 1, sizeof(size_t));
    size_t *lvl = ls_calloc(n + 1, sizeof(size_t)), *val = ls_calloc(n + 1, sizeof(size_t));
    ls_err_t rc = start && rows && lvl && val ? LS_OK : LS_ERR_NOMEM;
    if (rc == LS_OK) {
        for (size_t r = 0; r < n; r++) {
            start[g->gid[r] + 1]++;
        }
        for (size_t i = 0; i < s->ngroups; i++) {
            start[i + 1] += start[i];
            s->groups[i].batch->nrows = start[i + 1] - start[i];
        }
        /* lvl (n + 1 >= ngroups entries) serves as the per-group fill cursor here */
        for (size_t r = 0; r < n; r++) {
            size_t gid = g->gid[r];
            rows[start[gid] + lvl[gid]++] = r;
        }
    }
    for (size_t si = 0; rc == LS_OK && si < b->ncols; si++) {
        if (p->leaf_map[si] == UINT32_MAX) {
            continue;
        }
        rc = ls__tbl_rowidx_build(&b->cols[si], n, lvl, val);
        if (rc == LS_OK) {
            rc = ls__gather_column(s, &b->cols[si], p->leaf_map[si], rows, start, lvl, val);
        }
        if (rc != LS_OK) {
            ls_error_set(err, rc, "splitting column %s: %s", b->cols[si].leaf->dotted,
                         rc == LS_ERR_CORRUPT ? "levels do not match the batch's row count"
                                              : ls_err_str(rc));
        }
    }
    if (rc == LS_ERR_NOMEM && err != NULL && err->code != rc) {
        ls_error_set(err, rc, "splitting a batch: out of memory");
    }
    ls_free(start);
    ls_free(rows);
    ls_free(lvl);
    ls_free(val);
    return rc;
}

static ls_err_t ls__split_alloc(const ls_table_partitioner_t *p, const ls_batch_t *b,
                                const ls__keys_t *k, const ls__groups_t *g, ls_table_split_t *s,
                                ls_error_t *err)
{
    s->groups = ls_arena_calloc(s->arena, g->ngroups ? g->ngroups : 1, sizeof(ls_table_group_t));
    if (s->groups == NULL) {
        return ls_error_set(err, LS_ERR_NOMEM, "split: out of memory");
    }
    size_t cap = b->max_bytes == (size_t)-1 ? 0 : b->max_bytes;
    for (size_t i = 0; i < g->ngroups; i++) {
        ls_table_group_t *grp = &s->groups[i];
        grp->values = ls_arena_calloc(s->arena, p->ncols ? p->ncols : 1, sizeof(char *));
        grp->batch = ls_batch_new(p->data, cap);
        s->ngroups = i + 1; /* so that ls_table_split_free frees this batch */
        if (grp->values == NULL || grp->batch == NULL) {
            return ls_error_set(err, LS_ERR_NOMEM, "split: out of memory");
        }
        LS_TRY(ls__group_values(k, g->rep[i], s->arena, grp->values, err));
    }
    return LS_OK;
}

ls_err_t ls_table_split(const ls_table_partitioner_t *p, const ls_batch_t *b, size_t max_groups,
                        ls_table_split_t **out, ls_error_t *err)
{
    *out = NULL;
    if (b->ncols != p->table->nleaves) {
        return ls_error_set(err, LS_ERR_INVALID_ARG, "split: batch has %zu columns, table %zu",
                            b->ncols, p->table->nleaves);
    }
    max_groups = max_groups ? max_groups : LS__DEFAULT_MAX_GROUPS;
    size_t n = b->nrows;
    ls_table_split_t *s = ls_calloc(1, sizeof(*s));
    size_t **vidx = ls_calloc(p->ncols ? p->ncols : 1, sizeof(size_t *));
    ls__keys_t k = {p, b, vidx};
    ls__groups_t g;
    memset(&g, 0, sizeof(g));
    ls_err_t rc = s != NULL && vidx != NULL ? LS_OK : LS_ERR_NOMEM;
    if (rc == LS_OK) {
        s->ncols = p->ncols;
        s->arena = ls_arena_new(4096, 0);
        rc = s->arena != NULL ? LS_OK : LS_ERR_NOMEM;
    }
    for (size_t j = 0; rc == LS_OK && j < p->ncols; j++) {
        vidx[j] = ls_calloc(n ? n : 1, sizeof(size_t));
        rc = vidx[j] != NULL ? LS_OK : LS_ERR_NOMEM;
    }
    if (rc == LS_OK) {
        rc = ls__build_vidx(&k, n);
        if (rc == LS_ERR_CORRUPT) {
            ls_error_set(err, rc,
                         "split: a partition column's levels do not match the batch's "
                         "%zu rows",
                         n);
        }
    }
    if (rc == LS_OK) {
        rc = ls__assign_groups(&g, &k, n, max_groups);
        if (rc == LS_ERR_LIMIT) {
            ls_error_set(err, rc, "split: more than %zu partitions in one batch", max_groups);
        }
    }
    if (rc == LS_ERR_NOMEM) {
        ls_error_set(err, rc, "split: out of memory");
    }
    if (rc == LS_OK) {
        rc = ls__split_alloc(p, b, &k, &g, s, err);
    }
    if (rc == LS_OK) {
        rc = ls__gather(p, b, s, &g, err);
    }
    for (size_t j = 0; vidx != NULL && j < p->ncols; j++) {
        ls_free(vidx[j]);
    }
    ls_free(vidx);
    ls__groups_free(&g);
    if (rc != LS_OK) {
        ls_table_split_free(s);
        return rc;
    }
    *out = s;
    return LS_OK;
}

void ls_table_split_free(ls_table_split_t *s)
{
    if (s == NULL) {
        return;
    }
    for (size_t i = 0; s->groups != NULL && i < s->ngroups; i++) {
        ls_batch_free(s->groups[i].batch);
    }
    ls_arena_free(s->arena);
    ls_free(s);
}

/* ---------------------------------------------------------------- routing rows */

/* Value index of the last row of top-level column @p c (LS__NO_VALUE: null). */
static ls_err_t ls__last_vi(const ls_column_t *c, size_t *vi)
{
    if (c->nlevels == 0) {
        return LS_ERR_INVALID_ARG;
    }
    bool present = ls_col_def(c, c->nlevels - 1) == c->leaf->max_def;
    if (present && c->nvalues == 0) {
        return LS_ERR_CORRUPT;
    }
    *vi = present ? c->nvalues - 1 : LS__NO_VALUE;
    return LS_OK;
}

static ls_err_t ls__check_routable(const ls_table_partitioner_t *p, const ls_batch_t *b)
{
    return b->ncols == p->table->nleaves ? LS_OK : LS_ERR_INVALID_ARG;
}

/* Key bytes of partition column @p j of the last row: false for null; an error for a
 * batch without rows or with inconsistent columns. */
static ls_err_t ls__last_key(const ls_table_partitioner_t *p, const ls_batch_t *b, size_t j,
                             bool *present, const uint8_t **v, size_t *n, uint8_t *scratch)
{
    const ls_column_t *c = &b->cols[p->pnode[j]->leaf];
    size_t vi;
    LS_TRY(ls__last_vi(c, &vi));
    *present = ls__value_key(c, vi, v, n, scratch);
    return LS_OK;
}

/* Header of one column's part of a key: a tag and (strings) the length, which keep
 * "ab"+"c" apart from "a"+"bc". Returns its size. */
static size_t ls__key_head(const ls_column_t *c, bool present, size_t n, uint8_t *head)
{
    head[0] = present ? 1 : 0;
    if (!present || c->leaf->store != LS_COL_BYTES) {
        return 1;
    }
    for (int i = 0; i < 4; i++) {
        head[1 + i] = (uint8_t)(n >> (8 * i));
    }
    return 5;
}

ls_err_t ls_table_last_row_key(const ls_table_partitioner_t *p, const ls_batch_t *b, ls_buf_t *key)
{
    LS_TRY(ls__check_routable(p, b));
    ls_buf_reset(key);
    for (size_t j = 0; j < p->ncols; j++) {
        const uint8_t *v = NULL;
        size_t n = 0;
        uint8_t scratch[8], head[5];
        bool present;
        LS_TRY(ls__last_key(p, b, j, &present, &v, &n, scratch));
        size_t hn = ls__key_head(&b->cols[p->pnode[j]->leaf], present, n, head);
        if (n > UINT32_MAX) {
            return LS_ERR_LIMIT;
        }
        LS_TRY(ls_buf_append(key, head, hn));
        if (present) {
            LS_TRY(ls_buf_append(key, v, n));
        }
    }
    return LS_OK;
}

bool ls_table_last_row_key_is(const ls_table_partitioner_t *p, const ls_batch_t *b,
                              const uint8_t *key, size_t len)
{
    if (ls__check_routable(p, b) != LS_OK) {
        return false;
    }
    size_t at = 0; /* walks the key as ls_table_last_row_key wrote it */
    for (size_t j = 0; j < p->ncols; j++) {
        const uint8_t *v = NULL;
        size_t n = 0;
        uint8_t scratch[8];
        bool present;
        if (ls__last_key(p, b, j, &present, &v, &n, scratch) != LS_OK || at >= len ||
            key[at++] != (present ? 1 : 0)) {
            return false;
        }
        if (!present) {
            continue;
        }
        if (b->cols[p->pnode[j]->leaf].leaf->store == LS_COL_BYTES) {
            if (len - at < 4 || (key[at] | (size_t)key[at + 1] << 8 | (size_t)key[at + 2] << 16 |
                                 (size_t)key[at + 3] << 24) != n) {
                return false;
            }
            at += 4;
        }
        if (len - at < n || !ls_bytes_eq(key + at, v, n)) {
            return false;
        }
        at += n;
    }
    return at == len;
}

ls_err_t ls_table_last_row_values(const ls_table_partitioner_t *p, const ls_batch_t *b,
                                  ls_arena_t *arena, const char **values, ls_error_t *err)
{
    if (ls__check_routable(p, b) != LS_OK) {
        return ls_error_set(err, LS_ERR_INVALID_ARG,
                            "partition values: batch has %zu columns, "
                            "table %zu",
                            b->ncols, p->table->nleaves);
    }
    size_t *vi = ls_calloc(p->ncols ? p->ncols : 1, sizeof(size_t));
    if (vi == NULL) {
        return ls_error_set(err, LS_ERR_NOMEM, "partition values: out of memory");
    }
    ls_err_t rc = LS_OK;
    for (size_t j = 0; rc == LS_OK && j < p->ncols; j++) {
        rc = ls__last_vi(&b->cols[p->pnode[j]->leaf], &vi[j]);
        if (rc != LS_OK) {
            ls_error_set(err, rc, "partition values: column %s has no row", p->pnode[j]->name);
        }
    }
    rc = rc == LS_OK ? ls__format_values(p, b, vi, arena, values, err) : rc;
    ls_free(vi);
    return rc;
}

void ls_table_data_view(const ls_table_partitioner_t *p, const ls_batch_t *b, ls_batch_t *view,
                        ls_column_t *cols)
{
    memset(view, 0, sizeof(*view));
    view->layout = p->data;
    view->nrows = b->nrows;
    view->ncols = p->data->nleaves;
    view->cols = cols;
    for (size_t si = 0; si < b->ncols && si < p->table->nleaves; si++) {
        uint32_t d = p->leaf_map[si];
        if (d != UINT32_MAX) {
            cols[d] = b->cols[si];
            cols[d].leaf = &p->data->leaves[d]; /* same shape: only the top level lost fields */
        }
    }
}

/* ---------------------------------------------------------------- scans */

/* Whether the leaves under @p a and @p b are stored alike (levels and values). */
static int ls__int_rank(ls_type_kind_t k)
{
    return k == LS_TYPE_BYTE ? 1 : k == LS_TYPE_SHORT ? 2 : k == LS_TYPE_INTEGER ? 3
                                                   : k == LS_TYPE_LONG ? 4 : 0;
}

/* A file column of type @p file may fill a table column of type @p table: the same kind,
 * or a widening of Delta's type widening (byte < short < integer < long, float < double)
 * that files written before the change still hold. */
static bool ls__fits_type(ls_type_kind_t table, ls_type_kind_t file)
{
    int rt = ls__int_rank(table), rf = ls__int_rank(file);
    return table == file || (rt && rf && rf < rt) ||
           (table == LS_TYPE_DOUBLE && file == LS_TYPE_FLOAT);
}

static bool ls__same_shape(const ls_layout_t *la, const ls_node_t *a, const ls_layout_t *lb,
                           const ls_node_t *b)
{
    if (a->leaf_end - a->leaf_begin != b->leaf_end - b->leaf_begin) {
        return false;
    }
    for (uint32_t i = 0; i < a->leaf_end - a->leaf_begin; i++) {
        const ls_leaf_t *x = &la->leaves[a->leaf_begin + i], *y = &lb->leaves[b->leaf_begin + i];
        if (x->max_def != y->max_def || x->max_rep != y->max_rep ||
            !ls__fits_type(x->type->kind, y->type->kind) ||
            (x->type->kind == y->type->kind && (x->store != y->store || x->width != y->width))) {
            return false;
        }
    }
    return true;
}

/* Append all of @p sc to @p dc, upcasting int32 values to int64 or float to double. */
static void ls__copy_widened(ls_column_t *dc, const ls_column_t *sc)
{
    if (dc->def != NULL && sc->def != NULL) {
        memcpy(dc->def + dc->nlevels, sc->def, sc->nlevels);
    }
    if (dc->rep != NULL && sc->rep != NULL) {
        memcpy(dc->rep + dc->nlevels, sc->rep, sc->nlevels);
    }
    for (size_t k = 0; k < sc->nvalues; k++) {
        uint8_t *at = dc->values + (dc->nvalues + k) * dc->leaf->width;
        if (sc->leaf->store == LS_COL_I32 && dc->leaf->store == LS_COL_I64) {
            int64_t v = ls_col_i32(sc, k);
            memcpy(at, &v, sizeof(v));
        } else if (sc->leaf->store == LS_COL_FLOAT && dc->leaf->store == LS_COL_DOUBLE) {
            double v = ls_col_float(sc, k);
            memcpy(at, &v, sizeof(v));
        } else {
            memcpy(at, sc->values + k * sc->leaf->width, dc->leaf->width);
        }
    }
    dc->nlevels += sc->nlevels;
    dc->nvalues += sc->nvalues;
}

static ls_err_t ls__count_rows(const ls_column_t *c, size_t *rows)
{
    size_t n = 0;
    for (size_t i = 0; i < c->nlevels; i++) {
        n += ls_col_rep(c, i) == 0;
    }
    *rows = n;
    return LS_OK;
}

/* Copy every row of the data field @p src_node into table field @p dst_node. */
static ls_err_t ls__attach_copy(ls_batch_t *dst, const ls_node_t *dst_node, const ls_batch_t *data,
                                const ls_node_t *src_node, ls_error_t *err)
{
    for (uint32_t i = 0; i < src_node->leaf_end - src_node->leaf_begin; i++) {
        const ls_column_t *sc = &data->cols[src_node->leaf_begin + i];
        ls_column_t *dc = &dst->cols[dst_node->leaf_begin + i];
        size_t rows, nbytes = sc->leaf->store == LS_COL_BYTES ? sc->nbytes : 0;
        ls__count_rows(sc, &rows);
        if (rows != data->nrows) {
            return ls_error_set(err, LS_ERR_CORRUPT, "column %s holds %zu rows, the batch %zu",
                                sc->leaf->dotted, rows, data->nrows);
        }
        size_t lvl[2] = {0, sc->nlevels}, val[2] = {0, sc->nvalues};
        ls_err_t rc = ls_col_reserve(dst, dc, sc->nlevels, sc->nvalues, nbytes);
        if (rc != LS_OK) {
            return ls_error_set(err, rc, "column %s: %s", sc->leaf->dotted, ls_err_str(rc));
        }
        if (sc->leaf->store == dc->leaf->store) {
            ls__tbl_col_copy_rows(dc, sc, lvl, val, 0, 1);
        } else {
            ls__copy_widened(dc, sc); /* a file written before a type widening */
        }
    }
    return LS_OK;
}

/* @p n copies of partition value @p v (or nulls) into the column of @p node. */
static ls_err_t ls__attach_const(ls_batch_t *dst, const ls_node_t *node, const ls_table_value_t *v,
                                 size_t n)
{
    ls_column_t *c = &dst->cols[node->leaf];
    size_t w = c->leaf->store == LS_COL_BYTES ? v->len : c->leaf->width;
    if (!v->is_null && w != 0 && n > SIZE_MAX / w) {
        return LS_ERR_LIMIT;
    }
    LS_TRY(ls_col_reserve(dst, c, n, v->is_null ? 0 : n, v->is_null ? 0 : n * w));
    for (size_t r = 0; r < n; r++) {
        if (v->is_null) {
            LS_TRY(ls_col_push_null(dst, c, node->def - 1, 0));
        } else if (c->leaf->store == LS_COL_BYTES) {
            LS_TRY(ls_col_push_bytes(dst, c, v->bytes, v->len, 0));
        } else if (c->leaf->store == LS_COL_FIXED) {
            LS_TRY(ls_col_push_bytes(dst, c, v->fixed, v->len, 0));
        } else {
            switch (c->leaf->store) {
            case LS_COL_BOOL: LS_TRY(ls_col_push_bool(dst, c, v->u.b, 0)); break;
            case LS_COL_I32: LS_TRY(ls_col_push_i32(dst, c, v->u.i32, 0)); break;
            case LS_COL_I64: LS_TRY(ls_col_push_i64(dst, c, v->u.i64, 0)); break;
            case LS_COL_FLOAT: LS_TRY(ls_col_push_float(dst, c, v->u.f32, 0)); break;
            default: LS_TRY(ls_col_push_double(dst, c, v->u.f64, 0)); break;
            }
        }
    }
    return LS_OK;
}

static ls_err_t ls__attach_field(const ls_table_partitioner_t *p, const ls_batch_t *data,
                                 const ls_node_t *node, ls_batch_t *dst, ls_error_t *err)
{
    int df = ls__field_index(data->layout->root, node->name);
    if (df < 0) {
        if (!node->nullable) {
            return ls_error_set(err, LS_ERR_SCHEMA,
                                "column %s is missing from the data file "
                                "and is not nullable",
                                node->name);
        }
        for (size_t r = 0; r < data->nrows; r++) {
            LS_TRY(ls_batch_push_absent(dst, node, node->def - 1, 0));
        }
        return LS_OK;
    }
    const ls_node_t *src = data->layout->root->children[df];
    if (!ls__same_shape(p->table, node, data->layout, src)) {
        return ls_error_set(err, LS_ERR_SCHEMA,
                            "column %s of the data file does not have the "
                            "table's type and nullability",
                            node->name);
    }
    return ls__attach_copy(dst, node, data, src, err);
}

ls_err_t ls_table_attach(const ls_table_partitioner_t *p, const ls_batch_t *data,
                         const char *const *values, ls_batch_t *dst, ls_error_t *err)
{
    if (dst->ncols != p->table->nleaves) {
        return ls_error_set(err, LS_ERR_INVALID_ARG, "attach: target batch is not of the table");
    }
    ls_table_value_t *pv = ls_calloc(p->ncols ? p->ncols : 1, sizeof(*pv));
    if (pv == NULL) {
        return ls_error_set(err, LS_ERR_NOMEM, "attach: out of memory");
    }
    ls_err_t rc = LS_OK;
    for (size_t j = 0; rc == LS_OK && j < p->ncols; j++) {
        const char *s = values != NULL ? values[j] : NULL;
        rc = ls_table_partition_parse(p->pnode[j]->type, s, s ? strlen(s) : 0, &pv[j], err);
        if (rc == LS_OK && pv[j].is_null && !p->pnode[j]->nullable) {
            rc = ls_error_set(err, LS_ERR_SCHEMA, "partition column %s is null but not nullable",
                              p->pnode[j]->name);
        } else if (rc != LS_OK) {
            ls_error_prefix(err, "partition column %s: ", p->pnode[j]->name);
        }
    }
    ls_batch_row_begin(dst); /* marks every column, so a failure can roll back */
    const ls_node_t *root = p->table->root;
    for (uint32_t i = 0; rc == LS_OK && i < root->nchildren; i++) {
        const ls_node_t *node = root->children[i];
        size_t j = 0;
        while (j < p->ncols && p->pnode[j] != node) {
            j++;
        }
        if (j == p->ncols) {
            rc = ls__attach_field(p, data, node, dst, err);
        } else if ((rc = ls__attach_const(dst, node, &pv[j], data->nrows)) != LS_OK) {
            ls_error_set(err, rc, "partition column %s: %s", node->name, ls_err_str(rc));
        }
    }
    if (rc == LS_OK) {
        dst->nrows += data->nrows;
    } else {
        ls_batch_row_abort(dst);
    }
    ls_free(pv);
    return rc;
}

/*
 * batch.c — column buffers, level recording, row begin/commit/abort, compare, append.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "lakesink/alloc.h"
#include "lakesink/columnar.h"

ls_batch_t *ls_batch_new(const ls_layout_t *layout, size_t max_bytes)
{
    ls_batch_t *b = ls_calloc(1, sizeof(*b));
    if (b == NULL) {
        return NULL;
    }
    b->layout = layout;
    b->ncols = layout->nleaves;
    b->max_bytes = max_bytes ? max_bytes : (size_t)-1;
    b->cols = ls_calloc(b->ncols ? b->ncols : 1, sizeof(ls_column_t));
    b->row_marks = ls_calloc(b->ncols ? b->ncols * 3 : 1, sizeof(size_t));
    if (b->cols == NULL || b->row_marks == NULL) {
        ls_batch_free(b);
        return NULL;
    }
    for (size_t i = 0; i < b->ncols; i++) {
        b->cols[i].leaf = &layout->leaves[i];
    }
    return b;
}

void ls_batch_free(ls_batch_t *b)
{
    if (b == NULL) {
        return;
    }
    for (size_t i = 0; b->cols != NULL && i < b->ncols; i++) {
        ls_column_t *c = &b->cols[i];
        ls_free(c->def);
        ls_free(c->rep);
        ls_free(c->values);
        ls_free(c->offsets);
        ls_free(c->bytes);
    }
    ls_free(b->cols);
    ls_free(b->row_marks);
    ls_free(b);
}

void ls_batch_reset(ls_batch_t *b)
{
    b->nrows = 0;
    for (size_t i = 0; i < b->ncols; i++) {
        ls_column_t *c = &b->cols[i];
        c->nlevels = 0;
        c->nvalues = 0;
        c->nbytes = 0;
    }
}

size_t ls_batch_bytes(const ls_batch_t *b)
{
    return b->bytes;
}

/*
 * Grow @p *p (capacity @p *cap elements of @p size) to hold @p need elements: doubling,
 * or exactly @p need when doubling would pass the batch's memory cap.
 */
static ls_err_t ls__grow(ls_batch_t *b, void **p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap) {
        return LS_OK;
    }
    size_t room = (b->max_bytes - b->bytes) / size;
    size_t nc = *cap ? *cap : 64;
    while (nc < need) {
        nc = nc > SIZE_MAX / 2 ? need : nc * 2;
    }
    if (nc - *cap > room) {
        nc = need;
    }
    if (nc - *cap > room) {
        return LS_ERR_LIMIT;
    }
    void *np = ls_reallocarray(*p, nc, size);
    if (np == NULL) {
        return LS_ERR_NOMEM;
    }
    *p = np;
    b->bytes += (nc - *cap) * size;
    *cap = nc;
    return LS_OK;
}

/* Room for @p need level entries in the def and rep arrays the leaf uses (both grow together). */
static ls_err_t ls__grow_levels(ls_batch_t *b, ls_column_t *c, size_t need)
{
    const ls_leaf_t *lf = c->leaf;
    if (need <= c->levels_cap || (lf->max_def == 0 && lf->max_rep == 0)) {
        return LS_OK; /* a required top-level leaf stores no levels */
    }
    size_t per = (size_t)(lf->max_def > 0) + (size_t)(lf->max_rep > 0);
    size_t room = (b->max_bytes - b->bytes) / per;
    size_t nc = c->levels_cap ? c->levels_cap : 256;
    while (nc < need) {
        nc = nc > SIZE_MAX / 2 ? need : nc * 2;
    }
    if (nc - c->levels_cap > room) {
        nc = need;
    }
    if (nc - c->levels_cap > room) {
        return LS_ERR_LIMIT;
    }
    if (lf->max_def > 0) {
        uint8_t *p = ls_realloc(c->def, nc);
        if (p == NULL) {
            return LS_ERR_NOMEM;
        }
        c->def = p;
    }
    if (lf->max_rep > 0) {
        uint8_t *p = ls_realloc(c->rep, nc);
        if (p == NULL) {
            return LS_ERR_NOMEM;
        }
        c->rep = p;
    }
    b->bytes += (nc - c->levels_cap) * per;
    c->levels_cap = nc;
    return LS_OK;
}

ls_err_t ls_col_reserve(ls_batch_t *b, ls_column_t *c, size_t nlevels, size_t nvalues,
                        size_t nbytes)
{
    const ls_leaf_t *lf = c->leaf;
    if (nlevels > SIZE_MAX - c->nlevels || nvalues > SIZE_MAX / 16 - c->nvalues) {
        return LS_ERR_LIMIT;
    }
    LS_TRY(ls__grow_levels(b, c, c->nlevels + nlevels));
    if (nvalues == 0 && nbytes == 0) {
        return LS_OK;
    }
    if (lf->store != LS_COL_BYTES) {
        return ls__grow(b, (void **)&c->values, &c->values_cap, (c->nvalues + nvalues) * lf->width,
                        1);
    }
    if (nbytes > UINT32_MAX - c->nbytes) {
        return LS_ERR_LIMIT; /* offsets are 32-bit */
    }
    LS_TRY(ls__grow(b, (void **)&c->offsets, &c->offsets_cap, c->nvalues + nvalues + 1,
                    sizeof(uint32_t)));
    return nbytes ? ls__grow(b, (void **)&c->bytes, &c->bytes_cap, c->nbytes + nbytes, 1) : LS_OK;
}

static ls_err_t ls__push_level(ls_batch_t *b, ls_column_t *c, int def, int rep)
{
    LS_TRY(ls__grow_levels(b, c, c->nlevels + 1));
    ls__col_put_level(c, def, rep);
    return LS_OK;
}

ls_err_t ls_col_push_null_slow(ls_batch_t *b, ls_column_t *c, int def, int rep)
{
    return ls__push_level(b, c, def, rep);
}

ls_err_t ls_col_push_fixed_slow(ls_batch_t *b, ls_column_t *c, const void *v, size_t w, int rep)
{
    size_t need = (c->nvalues + 1) * w;
    if (need > c->values_cap) {
        LS_TRY(ls__grow(b, (void **)&c->values, &c->values_cap, need, 1));
    }
    LS_TRY(ls__grow_levels(b, c, c->nlevels + 1));
    ls__col_put_fixed(c, v, w, rep);
    return LS_OK;
}

ls_err_t ls_col_push_bytes_slow(ls_batch_t *b, ls_column_t *c, const void *p, size_t n, int rep)
{
    if (c->leaf->store == LS_COL_FIXED) {
        if (n != c->leaf->width) {
            return LS_ERR_INVALID_ARG;
        }
        return ls_col_push_fixed_slow(b, c, p, n, rep);
    }
    if (c->nbytes + n < n || c->nbytes + n > UINT32_MAX) {
        return LS_ERR_LIMIT;
    }
    LS_TRY(ls__grow(b, (void **)&c->offsets, &c->offsets_cap, c->nvalues + 2, sizeof(uint32_t)));
    LS_TRY(ls__grow(b, (void **)&c->bytes, &c->bytes_cap, c->nbytes + n, 1));
    LS_TRY(ls__grow_levels(b, c, c->nlevels + 1));
    ls__col_put_bytes(c, p, n, rep);
    return LS_OK;
}

ls_err_t ls_batch_push_absent(ls_batch_t *b, const ls_node_t *n, int def, int rep)
{
    for (uint32_t i = n->leaf_begin; i < n->leaf_end; i++) {
        LS_TRY(ls__push_level(b, &b->cols[i], def, rep));
    }
    return LS_OK;
}

void ls_batch_row_begin(ls_batch_t *b)
{
    for (size_t i = 0; i < b->ncols; i++) {
        b->row_marks[i * 3] = b->cols[i].nlevels;
        b->row_marks[i * 3 + 1] = b->cols[i].nvalues;
        b->row_marks[i * 3 + 2] = b->cols[i].nbytes;
    }
}

void ls_batch_row_commit(ls_batch_t *b)
{
    b->nrows++;
}

void ls_batch_row_abort(ls_batch_t *b)
{
    for (size_t i = 0; i < b->ncols; i++) {
        b->cols[i].nlevels = b->row_marks[i * 3];
        b->cols[i].nvalues = b->row_marks[i * 3 + 1];
        b->cols[i].nbytes = b->row_marks[i * 3 + 2];
    }
}

/* Describe a difference at column @p col, entry @p idx. */
static bool ls__fail(char *why, size_t whylen, const char *what, const char *col, size_t idx)
{
    if (why != NULL && whylen > 0) {
        snprintf(why, whylen, "column %s: %s at %zu", col, what, idx);
    }
    return false;
}

static bool ls__col_equal(const ls_column_t *a, const ls_column_t *b, char *why, size_t wl)
{
    const char *nm = a->leaf->dotted;
    if (a->nlevels != b->nlevels) {
        return ls__fail(why, wl, "level count differs", nm, b->nlevels);
    }
    if (a->nvalues != b->nvalues) {
        return ls__fail(why, wl, "value count differs", nm, b->nvalues);
    }
    for (size_t i = 0; i < a->nlevels; i++) {
        if (ls_col_def(a, i) != ls_col_def(b, i)) {
            return ls__fail(why, wl, "def level differs", nm, i);
        }
        if (ls_col_rep(a, i) != ls_col_rep(b, i)) {
            return ls__fail(why, wl, "rep level differs", nm, i);
        }
    }
    if (a->leaf->store == LS_COL_BYTES) {
        for (size_t i = 0; i < a->nvalues; i++) {
            size_t la, lb;
            const uint8_t *pa = ls_col_bytes(a, i, &la);
            const uint8_t *pb = ls_col_bytes(b, i, &lb);
            if (la != lb || (la > 0 && memcmp(pa, pb, la) != 0)) {
                return ls__fail(why, wl, "value differs", nm, i);
            }
        }
        return true;
    }
    size_t w = a->leaf->width;
    for (size_t i = 0; i < a->nvalues; i++) {
        if (memcmp(a->values + i * w, b->values + i * w, w) != 0) {
            /* NaNs with different payloads still count as equal */
            if (a->leaf->store == LS_COL_DOUBLE && isnan(ls_col_double(a, i)) &&
                isnan(ls_col_double(b, i))) {
                continue;
            }
            if (a->leaf->store == LS_COL_FLOAT && isnan(ls_col_float(a, i)) &&
                isnan(ls_col_float(b, i))) {
                continue;
            }
            return ls__fail(why, wl, "value differs", nm, i);
        }
    }
    return true;
}

bool ls_batch_equal(const ls_batch_t *a, const ls_batch_t *b, char *why, size_t whylen)
{
    if (a->ncols != b->ncols) {
        return ls__fail(why, whylen, "column count differs", "*", b->ncols);
    }
    if (a->nrows != b->nrows) {
        return ls__fail(why, whylen, "row count differs", "*", b->nrows);
    }
    for (size_t i = 0; i < a->ncols; i++) {
        if (a->cols[i].leaf->store != b->cols[i].leaf->store) {
            return ls__fail(why, whylen, "storage differs", a->cols[i].leaf->dotted, i);
        }
        if (!ls__col_equal(&a->cols[i], &b->cols[i], why, whylen)) {
            return false;
        }
    }
    return true;
}

/* Level range [*lo, *hi) and value range [*vlo, ...) of rows [from, from+n) in @p c. */
static void ls__row_span(const ls_column_t *c, size_t from, size_t n, size_t *lo, size_t *hi,
                         size_t *vlo, size_t *vhi)
{
    size_t row = 0, i = 0, v = 0;
    int maxd = c->leaf->max_def;
    *lo = *hi = c->nlevels;
    *vlo = *vhi = c->nvalues;
    bool started = false;
    for (i = 0; i < c->nlevels; i++) {
        bool newrow = ls_col_rep(c, i) == 0;
        if (newrow && i > 0) {
            row++;
        }
        if (newrow && row == from && !started) {
            *lo = i;
            *vlo = v;
            started = true;
        }
        if (newrow && row == from + n) {
            *hi = i;
            *vhi = v;
            return;
        }
        if (ls_col_def(c, i) == maxd) {
            v++;
        }
    }
    if (!started) {
        *lo = c->nlevels;
        *vlo = c->nvalues;
    }
}

ls_err_t ls_batch_append_rows(ls_batch_t *dst, const ls_batch_t *src, size_t from, size_t n)
{
    if (dst->ncols != src->ncols || from > src->nrows || n > src->nrows - from) {
        return LS_ERR_INVALID_ARG;
    }
    ls_batch_row_begin(dst);
    for (size_t ci = 0; ci < src->ncols; ci++) {
        const ls_column_t *s = &src->cols[ci];
        ls_column_t *d = &dst->cols[ci];
        size_t lo, hi, vlo, vhi;
        if (s->leaf->max_rep == 0) {
            lo = from;
            hi = from + n;
            vlo = vhi = 0;
            if (s->leaf->max_def == 0) {
                vlo = from;
                vhi = from + n;
            } else {
                size_t v = 0;
                for (size_t i = 0; i < hi; i++) {
                    if (i == lo) {
                        vlo = v;
                    }
                    v += s->def[i] == s->leaf->max_def;
                }
                vhi = v;
                if (lo == hi) {
                    vlo = vhi;
                }
            }
        } else {
            ls__row_span(s, from, n, &lo, &hi, &vlo, &vhi);
        }
        size_t vi = vlo;
        for (size_t i = lo; i < hi; i++) {
            int def = ls_col_def(s, i), rep = ls_col_rep(s, i);
            ls_err_t rc;
            if (def < s->leaf->max_def) {
                rc = ls_col_push_null(dst, d, def, rep);
            } else if (s->leaf->store == LS_COL_BYTES) {
                size_t len;
                const uint8_t *p = ls_col_bytes(s, vi, &len);
                rc = ls_col_push_bytes(dst, d, p, len, rep);
                vi++;
            } else {
                rc = ls__col_push_fixed(dst, d, s->values + vi * s->leaf->width, s->leaf->width, rep);
                vi++;
            }
            if (rc != LS_OK) {
                ls_batch_row_abort(dst);
                return rc;
            }
        }
        (void)vhi;
    }
    dst->nrows += n;
    return LS_OK;
}

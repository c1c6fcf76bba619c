/*
 * gather.c — raw copies of row ranges between columns of the same leaf shape, for the
 * batch splitter: one pass finds where each row starts in a column, then runs of rows
 * are copied with memcpy instead of value by value.
 *
 * Buffers grow with the same meaning of the capacity fields and the same memory
 * account (ls_batch_t.bytes against max_bytes) as the push functions of columnar.h.
 * Not responsible for: deciding which rows go where (split.c).
 */
#include <string.h>

#include "lakesink/alloc.h"
#include "table_int.h"

/* Grow *p (capacity *cap units of @p unit bytes) to at least @p need units. */
static ls_err_t ls__grow(ls_batch_t *b, void **p, size_t *cap, size_t need, size_t unit)
{
    if (need <= *cap) {
        return LS_OK;
    }
    size_t nc = *cap ? *cap : 64;
    while (nc < need) {
        if (nc > SIZE_MAX / 2) {
            return LS_ERR_LIMIT;
        }
        nc *= 2;
    }
    if ((nc - *cap) > (b->max_bytes - b->bytes) / unit) {
        return LS_ERR_LIMIT;
    }
    void *np = ls_reallocarray(*p, nc, unit);
    if (np == NULL) {
        return LS_ERR_NOMEM;
    }
    b->bytes += (nc - *cap) * unit;
    *p = np;
    *cap = nc;
    return LS_OK;
}

/* Level arrays share one capacity (levels_cap entries for def and rep each). */
static ls_err_t ls__grow_levels(ls_batch_t *b, ls_column_t *c, size_t need)
{
    const ls_leaf_t *lf = c->leaf;
    if (need <= c->levels_cap || (lf->max_def == 0 && lf->max_rep == 0)) {
        return LS_OK;
    }
    size_t nc = c->levels_cap ? c->levels_cap : 256;
    while (nc < need) {
        if (nc > SIZE_MAX / 2) {
            return LS_ERR_LIMIT;
        }
        nc *= 2;
    }
    size_t per = (size_t)(lf->max_def > 0) + (size_t)(lf->max_rep > 0);
    if ((nc - c->levels_cap) > (b->max_bytes - b->bytes) / per) {
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

ls_err_t ls__tbl_col_reserve(ls_batch_t *b, ls_column_t *c, size_t nlevels, size_t nvalues,
                             size_t nbytes)
{
    const ls_leaf_t *lf = c->leaf;
    if (nlevels > SIZE_MAX - c->nlevels || nvalues > SIZE_MAX / 8 - c->nvalues) {
        return LS_ERR_LIMIT;
    }
    LS_TRY(ls__grow_levels(b, c, c->nlevels + nlevels));
    if (nvalues == 0) {
        return LS_OK;
    }
    if (lf->store != LS_STORE_BYTES) {
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

ls_err_t ls__tbl_rowidx_build(const ls_column_t *c, size_t nrows, size_t *lvl, size_t *val)
{
    int maxd = c->leaf->max_def;
    size_t row = 0, v = 0;
    for (size_t i = 0; i < c->nlevels; i++) {
        if (ls_col_rep(c, i) == 0) {
            if (row == nrows) {
                return LS_ERR_CORRUPT;
            }
            lvl[row] = i;
            val[row] = v;
            row++;
        }
        v += ls_col_def(c, i) == maxd;
    }
    if (row != nrows || v != c->nvalues) {
        return LS_ERR_CORRUPT;
    }
    lvl[nrows] = c->nlevels;
    val[nrows] = v;
    return LS_OK;
}

void ls__tbl_col_copy_rows(ls_column_t *d, const ls_column_t *s, const size_t *lvl,
                           const size_t *val, size_t r0, size_t r1)
{
    size_t l0 = lvl[r0], nl = lvl[r1] - l0, v0 = val[r0], nv = val[r1] - v0;
    if (nl > 0 && d->def != NULL && s->def != NULL) {
        memcpy(d->def + d->nlevels, s->def + l0, nl);
    }
    if (nl > 0 && d->rep != NULL && s->rep != NULL) {
        memcpy(d->rep + d->nlevels, s->rep + l0, nl);
    }
    d->nlevels += nl;
    if (nv == 0) {
        return;
    }
    if (s->leaf->store != LS_STORE_BYTES) {
        size_t w = s->leaf->width;
        memcpy(d->values + d->nvalues * w, s->values + v0 * w, nv * w);
        d->nvalues += nv;
        return;
    }
    uint32_t b0 = s->offsets[v0], nb = s->offsets[v0 + nv] - b0;
    if (nb > 0) {
        memcpy(d->bytes + d->nbytes, s->bytes + b0, nb);
    }
    d->offsets[0] = 0;
    for (size_t k = 1; k <= nv; k++) {
        d->offsets[d->nvalues + k] = (uint32_t)d->nbytes + (s->offsets[v0 + k] - b0);
    }
    d->nbytes += nb;
    d->nvalues += nv;
}

/*
 * gather.c — raw copies of row ranges between columns of the same leaf shape, for the
 * batch splitter: one pass finds where each row starts in a column, then runs of rows
 * are copied with memcpy instead of value by value.
 *
 * Buffers grow through ls_col_reserve (columnar.h), so the memory account is the
 * batch's own. Not responsible for: deciding which rows go where (split.c).
 */
#include <string.h>

#include "lakesink/alloc.h"
#include "table_int.h"

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
    if (s->leaf->store != LS_COL_BYTES) {
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

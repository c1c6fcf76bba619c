/*
 * fuzz_pqread_file.c — a whole Parquet file in memory: open it, read every row group,
 * and check the invariants every successfully decoded batch must hold (levels within
 * their maxima, one row start per row, value counts, byte offsets).
 *
 * The input's length picks variations, so the bytes stay a plain Parquet file:
 *   length % 2 == 1: project onto the first top-level column
 *   length % 4 >= 2: page CRC checking off
 *   length % 8 >= 4: allocations fail at random (seeded by the input) to walk NOMEM paths
 * Limits are lowered so hostile inputs cannot ask for gigabytes.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "lakesink/alloc.h"
#include "lakesink/io.h"
#include "lakesink/parquet.h"
#include "parquet/read/pqread_int.h"

static void check(int cond, const char *what)
{
    if (!cond) {
        fprintf(stderr, "fuzz_pqread_file: %s\n", what);
        abort();
    }
}

static void check_batch(const ls_batch_t *b, int64_t rows)
{
    check(b->nrows == (size_t)rows, "batch rows differ from the row group's");
    for (size_t c = 0; c < b->ncols; c++) {
        const ls_column_t *col = &b->cols[c];
        const ls_leaf_t *lf = col->leaf;
        size_t starts = 0, vals = 0;
        for (size_t i = 0; i < col->nlevels; i++) {
            int d = ls_col_def(col, i), r = ls_col_rep(col, i);
            check(d <= lf->max_def && r <= lf->max_rep, "level above its maximum");
            check(i > 0 || r == 0, "first entry continues a row");
            starts += r == 0;
            vals += d == lf->max_def;
        }
        check(starts == b->nrows, "row starts differ from the row count");
        check(vals == col->nvalues, "value count differs from the defined levels");
        if (lf->store == LS_COL_BYTES && col->nvalues > 0) {
            check(col->offsets[0] == 0, "first offset is not 0");
            for (size_t i = 0; i < col->nvalues; i++) {
                check(col->offsets[i] <= col->offsets[i + 1], "offsets go backwards");
            }
            check(col->offsets[col->nvalues] == col->nbytes, "last offset is not nbytes");
        }
    }
}

static void read_file(const uint8_t *data, size_t size, bool failing);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    bool failing = (size & 4) != 0;
    if (failing) {
        uint32_t seed = 2166136261u;
        for (size_t i = 0; i < size && i < 64; i++) {
            seed = (seed ^ data[i]) * 16777619u;
        }
        ls_alloc_fail_random(32, seed);
    }
    read_file(data, size, failing);
    ls_alloc_fail_random(0, 0);
    return 0;
}

static void read_file(const uint8_t *data, size_t size, bool failing)
{
    ls_source_t src = ls_source_mem(data, size, "fuzz.parquet");
    ls_error_t err;
    ls_pq_reader_t *r = ls_pq_reader_open(&src, &err);
    if (r == NULL) {
        return;
    }
    ls__pqread_set_limits(r, (size_t)64 << 20, (size_t)16 << 20);
    const ls_layout_t *l = ls_pq_reader_layout(r);
    if ((size & 1) && l->root->nchildren > 0) {
        const char *name = l->root->children[0]->name;
        ls_err_t rc = ls_pq_reader_select(r, &name, 1, &err);
        check(rc == LS_OK || (failing && rc == LS_ERR_NOMEM), "selecting a real column failed");
    }
    if (size & 2) {
        ls_pq_reader_verify_crc(r, false);
    }
    const ls_pq_file_meta_t *m = ls_pq_reader_meta(r);
    for (uint32_t g = 0; g < ls_pq_reader_num_row_groups(r); g++) {
        ls_batch_t *b = NULL;
        if (ls_pq_reader_read_row_group(r, g, &b, &err) == LS_OK) {
            check_batch(b, m->row_groups[g].num_rows);
            ls_batch_free(b);
        } else {
            check(b == NULL, "a failed read returned a batch");
            check(err.msg[0] != '\0', "a failed read has no message");
        }
    }
    ls_pq_reader_free(r);
}

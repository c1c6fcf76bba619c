/*
 * writer.c — the public streaming Parquet writer: options, batch validation, row-group
 * sizing by compressed bytes, row-group flushes and the footer.
 *
 * Lifecycle: "PAR1" on creation; each batch is cut into row steps, every column takes the
 * step's levels and values (pages fill, encode and compress in column.c); after a step,
 * when the row group's compressed estimate reaches row_group_bytes, every chunk is closed
 * and written to the sink and its buffers reused. Close writes FileMetaData, its length
 * and "PAR1". Not responsible for: page encoding (column.c), Thrift (src/thrift),
 * compression (src/codec).
 */
#include <string.h>

#include "lakesink/alloc.h"
#include "pqw_int.h"

#define LS__DEFAULT_CREATED_BY "lakesink version " LS_VERSION
/* Rows per step: a step's column slices stay cache-sized. */
#define LS__STEP_MAX_ROWS 65536u

struct ls_pq_writer_s {
    const ls_layout_t *layout; /* borrowed */
    ls_pq_writer_opts_t opts;  /* created_by and kv point into `meta` */
    ls_sink_t sink;
    uint64_t offset; /* bytes written to the sink */
    ls__pqw_enc_t enc;
    ls__pqw_col_t *cols;
    size_t ncols;
    ls_arena_t *meta; /* schema, kv copies, row-group metadata */
    ls_pq_schema_el_t *schema;
    uint32_t nschema;
    ls_pq_row_group_t *rgs;
    uint32_t nrgs, rgs_cap;
    int64_t rows;    /* rows accepted so far */
    int64_t rg_rows; /* rows in the row group being built */
    size_t *cursor;  /* per column: level, value position in the batch being written */
    ls_pq_leaf_stats_t *leaf_stats;
    bool failed, closed;
};

void ls_pq_writer_opts_init(ls_pq_writer_opts_t *o)
{
    memset(o, 0, sizeof(*o));
    o->codec = LS_PQ_CODEC_ZSTD;
    o->level = 0;
    o->row_group_bytes = (uint64_t)128 << 20;
    o->page_bytes = 1u << 20;
    o->dictionary = true;
    o->dictionary_max_bytes = 1u << 20;
    o->statistics = true;
    o->created_by = LS__DEFAULT_CREATED_BY;
}

static ls_err_t ls__check_opts(const ls_pq_writer_opts_t *o, ls_error_t *err)
{
    if (!ls_codec_can_compress(o->codec)) {
        return ls_error_set(err, LS_ERR_UNSUPPORTED, "Parquet writer: codec %s is not available",
                            ls_pq_codec_name(o->codec));
    }
    if (o->page_bytes == 0 || o->page_bytes > (1u << 30)) {
        return ls_error_set(err, LS_ERR_INVALID_ARG,
                            "Parquet writer: page_bytes %u is outside 1..1 GiB", o->page_bytes);
    }
    if (o->row_group_bytes == 0) {
        return ls_error_set(err, LS_ERR_INVALID_ARG, "Parquet writer: row_group_bytes is 0");
    }
    for (uint32_t i = 0; i < o->num_kv; i++) {
        if (o->kv == NULL || o->kv[i].key == NULL) {
            return ls_error_set(err, LS_ERR_INVALID_ARG,
                                "Parquet writer: key/value metadata %u has no key", i);
        }
    }
    return LS_OK;
}

/* Copy created_by and the key/value metadata into the writer's arena. */
static ls_err_t ls__copy_opts(ls_pq_writer_t *w, const ls_pq_writer_opts_t *o)
{
    w->opts = *o;
    const char *cb = o->created_by ? o->created_by : LS__DEFAULT_CREATED_BY;
    w->opts.created_by = ls_arena_strndup(w->meta, cb, strlen(cb));
    if (w->opts.created_by == NULL) {
        return LS_ERR_NOMEM;
    }
    w->opts.kv = NULL;
    if (o->num_kv == 0) {
        return LS_OK;
    }
    ls_pq_kv_t *kv = ls_arena_calloc(w->meta, o->num_kv, sizeof(ls_pq_kv_t));
    if (kv == NULL) {
        return LS_ERR_NOMEM;
    }
    for (uint32_t i = 0; i < o->num_kv; i++) {
        kv[i].key = ls_arena_strndup(w->meta, o->kv[i].key, strlen(o->kv[i].key));
        if (kv[i].key == NULL) {
            return LS_ERR_NOMEM;
        }
        if (o->kv[i].value != NULL) {
            kv[i].value = ls_arena_strndup(w->meta, o->kv[i].value, strlen(o->kv[i].value));
            if (kv[i].value == NULL) {
                return LS_ERR_NOMEM;
            }
        }
    }
    w->opts.kv = kv;
    return LS_OK;
}

static ls_err_t ls__alloc_parts(ls_pq_writer_t *w)
{
    w->ncols = w->layout->nleaves;
    w->cols = ls_calloc(w->ncols, sizeof(ls__pqw_col_t));
    w->cursor = ls_calloc(w->ncols * 2, sizeof(size_t));
    w->leaf_stats = ls_calloc(w->ncols, sizeof(ls_pq_leaf_stats_t));
    w->enc.codec = ls_codec_ctx_new();
    if (w->cols == NULL || w->cursor == NULL || w->leaf_stats == NULL || w->enc.codec == NULL) {
        return LS_ERR_NOMEM;
    }
    for (size_t i = 0; i < w->ncols; i++) {
        ls__pqw_col_init(&w->cols[i], &w->layout->leaves[i], &w->opts);
    }
    w->enc.kind = w->opts.codec;
    w->enc.level = w->opts.level;
    ls_buf_init(&w->enc.body, (size_t)4 << 30);
    ls_buf_init(&w->enc.z, (size_t)4 << 30);
    return LS_OK;
}

ls_pq_writer_t *ls_pq_writer_new(const ls_layout_t *layout, const ls_pq_writer_opts_t *opts,
                                 ls_sink_t sink, ls_error_t *err)
{
    ls_pq_writer_opts_t defaults;
    if (opts == NULL) {
        ls_pq_writer_opts_init(&defaults);
        opts = &defaults;
    }
    if (layout == NULL || sink.write == NULL) {
        ls_error_set(err, LS_ERR_INVALID_ARG, "Parquet writer: no layout or sink");
        return NULL;
    }
    if (ls__check_opts(opts, err) != LS_OK) {
        return NULL;
    }
    ls_pq_writer_t *w = ls_calloc(1, sizeof(*w));
    if (w == NULL) {
        ls_error_set(err, LS_ERR_NOMEM, "out of memory creating a Parquet writer");
        return NULL;
    }
    w->layout = layout;
    w->sink = sink;
    w->meta = ls_arena_new(65536, LS_PQW_META_MAX_BYTES);
    if (w->meta == NULL || ls__copy_opts(w, opts) != LS_OK || ls__alloc_parts(w) != LS_OK) {
        ls_error_set(err, LS_ERR_NOMEM, "out of memory creating a Parquet writer");
        ls_pq_writer_free(w);
        return NULL;
    }
    if (ls__pqw_schema_build(layout, w->meta, &w->schema, &w->nschema, err) != LS_OK ||
        sink.write(sink.ctx, "PAR1", 4, err) != LS_OK) {
        ls_pq_writer_free(w);
        return NULL;
    }
    w->offset = 4;
    return w;
}

void ls_pq_writer_free(ls_pq_writer_t *w)
{
    if (w == NULL) {
        return;
    }
    for (size_t i = 0; w->cols != NULL && i < w->ncols; i++) {
        ls__pqw_col_free(&w->cols[i]);
    }
    ls_free(w->cols);
    ls_free(w->cursor);
    ls_free(w->leaf_stats);
    ls_free(w->rgs);
    ls_codec_ctx_free(w->enc.codec);
    ls_buf_free(&w->enc.body);
    ls_buf_free(&w->enc.z);
    ls_arena_free(w->meta);
    ls_free(w);
}

/* ------------------------------------------------------------ validation */

static ls_err_t ls__bad(const ls_leaf_t *lf, ls_error_t *err, const char *what, size_t a,
                        size_t b)
{
    return ls_error_set(err, LS_ERR_INVALID_ARG, "Parquet writer: column '%s': %s (%zu vs %zu)",
                        lf->dotted, what, a, b);
}

/* Levels: counts agree with rows and values, no level above its maximum. */
static ls_err_t ls__check_levels(const ls_leaf_t *lf, const ls_column_t *c, size_t nrows,
                                 ls_error_t *err)
{
    size_t n = c->nlevels;
    if (lf->max_rep == 0 && n != nrows) {
        return ls__bad(lf, err, "level entries differ from rows", n, nrows);
    }
    if (n > 0 && ((lf->max_def > 0 && c->def == NULL) || (lf->max_rep > 0 && c->rep == NULL))) {
        return ls__bad(lf, err, "levels missing", n, 0);
    }
    size_t present = n;
    bool over = false;
    if (lf->max_def > 0) {
        present = ls__pqw_level_scan(c->def, n, (uint8_t)lf->max_def, &over);
        if (over) {
            return ls__bad(lf, err, "definition level above its maximum", n, (size_t)lf->max_def);
        }
    }
    if (present != c->nvalues) {
        return ls__bad(lf, err, "values differ from defined level entries", c->nvalues, present);
    }
    if (lf->max_rep > 0) {
        size_t starts = ls__pqw_level_scan(c->rep, n, 0, &over); /* entries starting a row */
        ls__pqw_level_scan(c->rep, n, (uint8_t)lf->max_rep, &over);
        if (over || (n > 0 && c->rep[0] != 0)) {
            return ls__bad(lf, err, "repetition level out of range", n, (size_t)lf->max_rep);
        }
        if (starts != nrows) {
            return ls__bad(lf, err, "rows differ from repetition level 0 entries", starts, nrows);
        }
    }
    return LS_OK;
}

/* Value storage holds what the counts claim; byte offsets rise within the bytes. */
static ls_err_t ls__check_values(const ls_leaf_t *lf, const ls_column_t *c, ls_error_t *err)
{
    size_t nv = c->nvalues;
    if (nv == 0) {
        return LS_OK;
    }
    if (lf->store != LS_COL_BYTES) {
        if (c->values == NULL || nv > c->values_cap / lf->width) {
            return ls__bad(lf, err, "value buffer too small", c->values_cap, nv * lf->width);
        }
        return LS_OK;
    }
    if (c->offsets == NULL || c->offsets_cap < nv + 1 || c->offsets[0] != 0) {
        return ls__bad(lf, err, "offsets missing", c->offsets_cap, nv + 1);
    }
    for (size_t i = 0; i < nv; i++) {
        if (c->offsets[i + 1] < c->offsets[i]) {
            return ls__bad(lf, err, "offsets decrease at value", i, 0);
        }
    }
    if (c->offsets[nv] > c->nbytes || (c->nbytes > 0 && c->bytes == NULL)) {
        return ls__bad(lf, err, "offsets past the byte buffer", c->offsets[nv], c->nbytes);
    }
    return LS_OK;
}

static ls_err_t ls__check_batch(const ls_pq_writer_t *w, const ls_batch_t *b, ls_error_t *err)
{
    if (b->ncols != w->ncols || b->cols == NULL) {
        return ls_error_set(err, LS_ERR_SCHEMA,
                            "Parquet writer: batch has %zu columns, the file %zu", b->ncols,
                            w->ncols);
    }
    for (size_t i = 0; i < w->ncols; i++) {
        const ls_leaf_t *lf = w->cols[i].leaf;
        const ls_leaf_t *bl = b->cols[i].leaf;
        if (bl != lf && (bl == NULL || bl->store != lf->store || bl->width != lf->width ||
                         bl->max_def != lf->max_def || bl->max_rep != lf->max_rep)) {
            return ls_error_set(err, LS_ERR_SCHEMA,
                                "Parquet writer: batch column %zu does not match column '%s'", i,
                                lf->dotted);
        }
        LS_TRY(ls__check_levels(lf, &b->cols[i], b->nrows, err));
        LS_TRY(ls__check_values(lf, &b->cols[i], err));
    }
    return LS_OK;
}

/* ------------------------------------------------------------ row groups */

ls_err_t ls__pqw_meta_error(const ls_arena_t *arena, size_t want, ls_error_t *err)
{
    if (ls_arena_used(arena) + want > LS_PQW_META_MAX_BYTES) {
        return ls_error_set(err, LS_ERR_LIMIT, "Parquet writer: footer metadata over %zu bytes",
                            LS_PQW_META_MAX_BYTES);
    }
    return ls_error_set(err, LS_ERR_NOMEM, "out of memory for Parquet footer metadata");
}

static uint64_t ls__rg_estimate(const ls_pq_writer_t *w)
{
    uint64_t est = 0;
    for (size_t i = 0; i < w->ncols; i++) {
        est += ls__pqw_col_estimate(&w->cols[i]);
    }
    return est;
}

static ls_err_t ls__flush(ls_pq_writer_t *w, ls_error_t *err)
{
    if (w->rg_rows == 0) {
        return LS_OK;
    }
    if (w->nrgs >= LS_PQW_MAX_ROW_GROUPS) {
        return ls_error_set(err, LS_ERR_LIMIT, "Parquet writer: more than %u row groups",
                            LS_PQW_MAX_ROW_GROUPS);
    }
    for (size_t i = 0; i < w->ncols; i++) {
        LS_TRY(ls__pqw_col_finish_chunk(&w->cols[i], &w->enc, err));
    }
    if (w->nrgs == w->rgs_cap) {
        uint32_t nc = w->rgs_cap ? w->rgs_cap * 2 : 16;
        ls_pq_row_group_t *p = ls_reallocarray(w->rgs, nc, sizeof(*p));
        if (p == NULL) {
            return ls_error_set(err, LS_ERR_NOMEM, "out of memory for row-group metadata");
        }
        w->rgs = p;
        w->rgs_cap = nc;
    }
    ls_pq_row_group_t *rg = &w->rgs[w->nrgs];
    memset(rg, 0, sizeof(*rg));
    rg->columns = ls_arena_calloc(w->meta, w->ncols, sizeof(ls_pq_column_chunk_t));
    if (rg->columns == NULL) {
        return ls__pqw_meta_error(w->meta, w->ncols * sizeof(ls_pq_column_chunk_t), err);
    }
    rg->num_columns = (uint32_t)w->ncols;
    rg->has_file_offset = true;
    rg->file_offset = (int64_t)w->offset;
    for (size_t i = 0; i < w->ncols; i++) {
        ls_pq_column_chunk_t *cc = &rg->columns[i];
        LS_TRY(ls__pqw_col_write_chunk(&w->cols[i], w->opts.codec, w->sink, &w->offset, w->meta,
                                       cc, err));
        rg->total_byte_size += cc->meta_data.total_uncompressed_size;
        rg->total_compressed_size += cc->meta_data.total_compressed_size;
    }
    rg->has_total_compressed_size = true;
    rg->num_rows = w->rg_rows;
    rg->has_ordinal = true;
    rg->ordinal = (int16_t)w->nrgs;
    w->nrgs++;
    w->rg_rows = 0;
    return LS_OK;
}

/* Level index where the row @p step rows after the one starting at @p cur begins. */
static size_t ls__rows_end(const ls_column_t *c, size_t cur, size_t step)
{
    if (c->leaf->max_rep == 0) {
        return cur + step;
    }
    size_t n = c->nlevels, l = cur + 1;
    for (size_t k = 0; k < step; k++) {
        const uint8_t *p = l < n ? memchr(c->rep + l, 0, n - l) : NULL;
        if (p == NULL) {
            return n;
        }
        size_t q = (size_t)(p - c->rep);
        if (k + 1 == step) {
            return q;
        }
        l = q + 1;
    }
    return n;
}

/* Uncompressed bytes per row of @p b, a first guess before pages have been compressed. */
static uint64_t ls__batch_row_bytes(const ls_batch_t *b)
{
    uint64_t bytes = 0;
    for (size_t i = 0; i < b->ncols; i++) {
        const ls_column_t *c = &b->cols[i];
        if (c->leaf->store == LS_COL_BYTES) {
            bytes += c->nbytes + 4 * (uint64_t)c->nvalues;
        } else {
            bytes += (uint64_t)c->nvalues * c->leaf->width;
        }
        bytes += c->nlevels / 4;
    }
    bytes /= b->nrows;
    return bytes ? bytes : 1;
}

/* Rows to take next: what should still fit in the row group, at least 1. */
static size_t ls__step_rows(const ls_pq_writer_t *w, uint64_t est, uint64_t batch_bpr,
                            size_t left)
{
    uint64_t bpr = w->rg_rows > 0 && est > 0 ? est / (uint64_t)w->rg_rows : batch_bpr;
    bpr = bpr ? bpr : 1;
    uint64_t room = est < w->opts.row_group_bytes ? w->opts.row_group_bytes - est : 0;
    uint64_t step = room / bpr;
    step = step < LS__STEP_MAX_ROWS ? step : LS__STEP_MAX_ROWS;
    step = step < left ? step : left;
    return step ? (size_t)step : 1;
}

static ls_err_t ls__write_rows(ls_pq_writer_t *w, const ls_batch_t *b, ls_error_t *err)
{
    uint64_t bpr = ls__batch_row_bytes(b);
    memset(w->cursor, 0, w->ncols * 2 * sizeof(size_t));
    size_t r = 0;
    while (r < b->nrows) {
        size_t step = ls__step_rows(w, ls__rg_estimate(w), bpr, b->nrows - r);
        for (size_t i = 0; i < w->ncols; i++) {
            const ls_column_t *c = &b->cols[i];
            size_t l0 = w->cursor[2 * i], l1 = ls__rows_end(c, l0, step);
            LS_TRY(ls__pqw_col_add(&w->cols[i], &w->enc, c, l0, l1, &w->cursor[2 * i + 1],
                                   w->opts.page_bytes, err));
            w->cursor[2 * i] = l1;
        }
        r += step;
        w->rg_rows += (int64_t)step;
        w->rows += (int64_t)step;
        if (ls__rg_estimate(w) >= w->opts.row_group_bytes) {
            LS_TRY(ls__flush(w, err));
        }
    }
    return LS_OK;
}

static ls_err_t ls__usable(const ls_pq_writer_t *w, ls_error_t *err)
{
    if (w->closed) {
        return ls_error_set(err, LS_ERR_STATE, "Parquet writer: already closed");
    }
    if (w->failed) {
        return ls_error_set(err, LS_ERR_STATE, "Parquet writer: an earlier error broke the file");
    }
    return LS_OK;
}

ls_err_t ls_pq_writer_write(ls_pq_writer_t *w, const ls_batch_t *b, ls_error_t *err)
{
    LS_TRY(ls__usable(w, err));
    LS_TRY(ls__check_batch(w, b, err));
    if (b->nrows == 0) {
        return LS_OK;
    }
    ls_err_t rc = ls__write_rows(w, b, err);
    if (rc != LS_OK) {
        w->failed = true;
        if (err != NULL) {
            err->fatal = true;
        }
    }
    return rc;
}

ls_err_t ls_pq_writer_flush_row_group(ls_pq_writer_t *w, ls_error_t *err)
{
    LS_TRY(ls__usable(w, err));
    ls_err_t rc = ls__flush(w, err);
    if (rc != LS_OK) {
        w->failed = true;
    }
    return rc;
}

/* FileMetaData, its length and the closing magic. */
static ls_err_t ls__footer(ls_pq_writer_t *w, ls_error_t *err)
{
    ls_pq_file_meta_t fm;
    memset(&fm, 0, sizeof(fm));
    fm.version = 1;
    fm.num_schema = w->nschema;
    fm.schema = w->schema;
    fm.num_rows = w->rows;
    fm.num_row_groups = w->nrgs;
    fm.row_groups = w->rgs;
    fm.num_kv = w->opts.num_kv;
    fm.kv = (ls_pq_kv_t *)w->opts.kv;
    fm.created_by = w->opts.created_by;
    fm.num_column_orders = (uint32_t)w->ncols;
    ls_buf_t out;
    ls_buf_init(&out, (size_t)INT32_MAX);
    ls_err_t rc = ls_pq_file_meta_encode(&fm, &out, err);
    if (rc == LS_OK) {
        uint32_t len = (uint32_t)out.len;
        rc = ls_buf_append(&out, &len, 4);
        rc = rc == LS_OK ? ls_buf_append(&out, "PAR1", 4) : rc;
        if (rc != LS_OK) {
            ls_error_set(err, rc, "Parquet writer: footer of %zu bytes", out.len);
        }
    }
    if (rc == LS_OK) {
        rc = w->sink.write(w->sink.ctx, out.data, out.len, err);
    }
    if (rc == LS_OK) {
        w->offset += out.len;
    }
    ls_buf_free(&out);
    return rc;
}

ls_err_t ls_pq_writer_close(ls_pq_writer_t *w, uint64_t *file_size, ls_error_t *err)
{
    LS_TRY(ls__usable(w, err));
    ls_err_t rc = ls__flush(w, err);
    if (rc == LS_OK) {
        rc = ls__footer(w, err);
    }
    if (rc != LS_OK) {
        w->failed = true;
        return rc;
    }
    w->closed = true;
    if (file_size != NULL) {
        *file_size = w->offset;
    }
    return LS_OK;
}

uint64_t ls_pq_writer_size_estimate(const ls_pq_writer_t *w)
{
    return w->offset + ls__rg_estimate(w);
}

int64_t ls_pq_writer_rows(const ls_pq_writer_t *w)
{
    return w->rows;
}

const ls_pq_leaf_stats_t *ls_pq_writer_leaf_stats(const ls_pq_writer_t *w, size_t i)
{
    if (w == NULL || i >= w->ncols) {
        return NULL;
    }
    const ls__pqw_col_t *col = &w->cols[i];
    ls__pqw_stats_to_leaf(&col->fst, col->ord, col->want_stats, &w->leaf_stats[i]);
    return &w->leaf_stats[i];
}

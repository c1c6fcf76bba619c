/*
 * read.c — the public Parquet reader (parquet.h): opens a source, validates and
 * decodes the footer, builds the Delta-typed layout, applies top-level projections
 * and decodes row groups into batches, one column chunk at a time.
 *
 * Not responsible for: page decoding (chunk.c) or the schema mapping (schema.c).
 * Ownership: the reader owns the footer (its arena), both layouts, the scratch
 * buffers and, for ls_pq_reader_open_file, the file handle. Batches borrow the read
 * layout, so they must be freed before the reader.
 */
#include <stdlib.h>
#include <string.h>

#include "lakesink/alloc.h"
#include "pqread_int.h"

struct ls_pq_reader_s {
    ls_source_t src;
    char *name;             /* owned copy of the source name */
    ls_file_source_t *fs;   /* open_file only */
    ls_arena_t *meta_arena; /* footer bytes and decoded footer */
    ls_pq_file_meta_t meta;
    ls__fschema_t fschema;
    ls_layout_t *layout; /* whole file */
    ls__plan_t *plans;
    ls_layout_t *sel_layout; /* projection, NULL = whole file */
    ls__plan_t *sel_plans;
    int64_t num_rows; /* sum over the row groups */
    size_t batch_max;
    ls__chunk_ctx_t cx;
};

static const char *ls__name(const ls_pq_reader_t *r)
{
    return r->name;
}

/* Magic bytes at @p off: PAR1 is fine, PARE means an encrypted footer. */
static ls_err_t ls__magic(ls_pq_reader_t *r, uint64_t off, const char *where, ls_error_t *err)
{
    uint8_t m[4];
    LS_TRY(ls_source_read(&r->src, off, m, 4, err));
    if (memcmp(m, "PARE", 4) == 0) {
        return ls_error_set(err, LS_ERR_UNSUPPORTED,
                            "%s: encrypted Parquet files are not supported", ls__name(r));
    }
    if (memcmp(m, "PAR1", 4) != 0) {
        return ls_error_set(err, LS_ERR_CORRUPT, "%s: not a Parquet file (no PAR1 magic at the %s)",
                            ls__name(r), where);
    }
    return LS_OK;
}

static ls_err_t ls__read_footer(ls_pq_reader_t *r, ls_error_t *err)
{
    uint64_t size = r->src.size;
    if (size < 12) {
        return ls_error_set(err, LS_ERR_CORRUPT, "%s: %llu bytes is too small for a Parquet file",
                            ls__name(r), (unsigned long long)size);
    }
    LS_TRY(ls__magic(r, size - 4, "end", err));
    LS_TRY(ls__magic(r, 0, "start", err));
    uint8_t lb[4];
    LS_TRY(ls_source_read(&r->src, size - 8, lb, 4, err));
    uint64_t flen =
        (uint64_t)lb[0] | (uint64_t)lb[1] << 8 | (uint64_t)lb[2] << 16 | (uint64_t)lb[3] << 24;
    if (flen > size - 12) {
        return ls_error_set(err, LS_ERR_CORRUPT,
                            "%s: footer length %llu exceeds the file (%llu bytes)", ls__name(r),
                            (unsigned long long)flen, (unsigned long long)size);
    }
    if (flen > LS__PQ_MAX_FOOTER) {
        return ls_error_set(err, LS_ERR_LIMIT, "%s: footer of %llu bytes exceeds the %llu limit",
                            ls__name(r), (unsigned long long)flen,
                            (unsigned long long)LS__PQ_MAX_FOOTER);
    }
    r->cx.data_end = size - 8 - flen;
    uint8_t *buf = ls_arena_alloc(r->meta_arena, flen ? (size_t)flen : 1);
    if (buf == NULL) {
        return ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory reading the footer", ls__name(r));
    }
    LS_TRY(ls_source_read(&r->src, r->cx.data_end, buf, (size_t)flen, err));
    if (ls_pq_file_meta_decode(buf, (size_t)flen, r->meta_arena, &r->meta, err) != LS_OK) {
        return ls_error_prefix(err, "%s: footer: ", ls__name(r));
    }
    return LS_OK;
}

/* Footer facts every later step relies on: no encryption, consistent row groups. */
static ls_err_t ls__check_meta(ls_pq_reader_t *r, ls_error_t *err)
{
    const ls_pq_file_meta_t *m = &r->meta;
    if (m->has_encryption) {
        return ls_error_set(err, LS_ERR_UNSUPPORTED,
                            "%s: encrypted Parquet files are not supported", ls__name(r));
    }
    if (m->num_rows < 0) {
        return ls_error_set(err, LS_ERR_CORRUPT, "%s: footer says %lld rows", ls__name(r),
                            (long long)m->num_rows);
    }
    if (m->num_row_groups > 0 && m->row_groups == NULL) {
        return ls_error_set(err, LS_ERR_CORRUPT, "%s: row groups are missing", ls__name(r));
    }
    for (uint32_t g = 0; g < m->num_row_groups; g++) {
        const ls_pq_row_group_t *rg = &m->row_groups[g];
        for (uint32_t i = 0; i < rg->num_columns; i++) {
            if (rg->columns[i].is_encrypted) {
                return ls_error_set(err, LS_ERR_UNSUPPORTED,
                                    "%s: encrypted Parquet files are not supported", ls__name(r));
            }
        }
        if (rg->num_columns != r->fschema.ncols || (rg->num_columns > 0 && !rg->columns)) {
            return ls_error_set(err, LS_ERR_CORRUPT,
                                "%s: row group %u has %u columns, the schema has %u", ls__name(r),
                                g, rg->num_columns, r->fschema.ncols);
        }
        if (rg->num_rows < 0 || __builtin_add_overflow(r->num_rows, rg->num_rows, &r->num_rows)) {
            return ls_error_set(err, LS_ERR_CORRUPT, "%s: row group %u has %lld rows", ls__name(r),
                                g, (long long)rg->num_rows);
        }
    }
    return LS_OK;
}

/*
 * True for files written by parquet-mr before 1.2.9 (or with no version at all): their
 * column chunk sizes leave out the dictionary page header (PARQUET-816), so chunks
 * are read with some slack.
 */
static bool ls__old_parquet_mr(const char *created_by)
{
    static const char app[] = "parquet-mr";
    if (created_by == NULL || strncmp(created_by, app, sizeof(app) - 1) != 0) {
        return false;
    }
    const char *p = created_by + sizeof(app) - 1;
    if (strncmp(p, " version ", 9) != 0) {
        return *p == '\0';
    }
    p += 9;
    long v[3] = {0, 0, 0};
    for (int i = 0; i < 3; i++) {
        char *end;
        v[i] = strtol(p, &end, 10);
        if (end == p) {
            break;
        }
        p = *end == '.' ? end + 1 : end;
    }
    return v[0] < 1 || (v[0] == 1 && (v[1] < 2 || (v[1] == 2 && v[2] < 9)));
}

static ls_err_t ls__open(ls_pq_reader_t *r, ls_error_t *err)
{
    r->meta_arena = ls_arena_new(64 * 1024, LS__PQ_MAX_META_ARENA);
    r->cx.page_arena = ls_arena_new(4096, LS__PQ_MAX_PAGE);
    r->cx.codec = ls_codec_ctx_new();
    if (r->meta_arena == NULL || r->cx.page_arena == NULL || r->cx.codec == NULL) {
        return ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory opening the reader", ls__name(r));
    }
    r->cx.src = &r->src;
    r->cx.verify_crc = true;
    r->cx.page_max = LS__PQ_MAX_PAGE;
    r->batch_max = LS__PQ_MAX_BATCH;
    LS_TRY(ls__read_footer(r, err));
    r->cx.pad_chunks = ls__old_parquet_mr(r->meta.created_by);
    if (ls__pqr_fschema_build(&r->meta, r->meta_arena, &r->fschema, err) != LS_OK) {
        return ls_error_prefix(err, "%s: schema: ", ls__name(r));
    }
    LS_TRY(ls__check_meta(r, err));
    r->layout = ls__pqr_layout_build(&r->fschema, NULL, &r->plans, err);
    if (r->layout == NULL) {
        return ls_error_prefix(err, "%s: schema: ", ls__name(r));
    }
    return LS_OK;
}

ls_pq_reader_t *ls_pq_reader_open(const ls_source_t *src, ls_error_t *err)
{
    ls_pq_reader_t *r = ls_calloc(1, sizeof(*r));
    if (r == NULL) {
        ls_error_set(err, LS_ERR_NOMEM, "out of memory opening a Parquet reader");
        return NULL;
    }
    r->src = *src;
    r->name = ls_strdup(src->name != NULL ? src->name : "input");
    if (r->name == NULL) {
        ls_free(r);
        ls_error_set(err, LS_ERR_NOMEM, "out of memory opening a Parquet reader");
        return NULL;
    }
    r->src.name = r->name;
    if (ls__open(r, err) != LS_OK) {
        ls_pq_reader_free(r);
        return NULL;
    }
    return r;
}

ls_pq_reader_t *ls_pq_reader_open_file(const char *path, ls_error_t *err)
{
    ls_file_source_t *fs = NULL;
    ls_source_t src;
    if (ls_file_source_open(path, &fs, &src, err) != LS_OK) {
        return NULL;
    }
    if (src.name == NULL) {
        src.name = path;
    }
    ls_pq_reader_t *r = ls_pq_reader_open(&src, err);
    if (r == NULL) {
        ls_file_source_close(fs);
        return NULL;
    }
    r->fs = fs;
    return r;
}

void ls_pq_reader_free(ls_pq_reader_t *r)
{
    if (r == NULL) {
        return;
    }
    ls_layout_free(r->sel_layout);
    ls_layout_free(r->layout);
    ls__pqr_chunk_ctx_free(&r->cx);
    ls_codec_ctx_free(r->cx.codec);
    ls_arena_free(r->cx.page_arena);
    ls_arena_free(r->meta_arena);
    ls_file_source_close(r->fs);
    ls_free(r->name);
    ls_free(r);
}

const ls_pq_file_meta_t *ls_pq_reader_meta(const ls_pq_reader_t *r)
{
    return &r->meta;
}

const ls_layout_t *ls_pq_reader_layout(const ls_pq_reader_t *r)
{
    return r->layout;
}

/* The rows the row groups hold: old writers left FileMetaData.num_rows at 0. */
int64_t ls_pq_reader_num_rows(const ls_pq_reader_t *r)
{
    return r->num_rows;
}

uint32_t ls_pq_reader_num_row_groups(const ls_pq_reader_t *r)
{
    return r->meta.num_row_groups;
}

ls_err_t ls_pq_reader_select(ls_pq_reader_t *r, const char *const *names, size_t n, ls_error_t *err)
{
    if (names == NULL || n == 0) {
        ls_layout_free(r->sel_layout);
        r->sel_layout = NULL;
        r->sel_plans = NULL;
        return LS_OK;
    }
    const ls__snode_t *root = r->fschema.root;
    bool *keep = ls_calloc(root->nchildren ? root->nchildren : 1, sizeof(bool));
    if (keep == NULL) {
        return ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory selecting columns", ls__name(r));
    }
    for (size_t k = 0; k < n; k++) {
        uint32_t i = 0;
        while (i < root->nchildren && strcmp(root->children[i]->el->name, names[k]) != 0) {
            i++;
        }
        if (i == root->nchildren) {
            ls_free(keep);
            return ls_error_set(err, LS_ERR_NOT_FOUND, "%s: no top-level column named '%s'",
                                ls__name(r), names[k]);
        }
        keep[i] = true;
    }
    ls__plan_t *plans = NULL;
    ls_layout_t *l = ls__pqr_layout_build(&r->fschema, keep, &plans, err);
    ls_free(keep);
    if (l == NULL) {
        return ls_error_prefix(err, "%s: ", ls__name(r));
    }
    ls_layout_free(r->sel_layout);
    r->sel_layout = l;
    r->sel_plans = plans;
    return LS_OK;
}

const ls_layout_t *ls_pq_reader_read_layout(const ls_pq_reader_t *r)
{
    return r->sel_layout != NULL ? r->sel_layout : r->layout;
}

void ls_pq_reader_verify_crc(ls_pq_reader_t *r, bool on)
{
    r->cx.verify_crc = on;
}

ls_err_t ls_pq_reader_read_row_group(ls_pq_reader_t *r, uint32_t rg, ls_batch_t **out,
                                     ls_error_t *err)
{
    *out = NULL;
    if (rg >= r->meta.num_row_groups) {
        return ls_error_set(err, LS_ERR_INVALID_ARG, "%s: row group %u does not exist (%u in all)",
                            ls__name(r), rg, r->meta.num_row_groups);
    }
    const ls_layout_t *lay = ls_pq_reader_read_layout(r);
    const ls__plan_t *plans = r->sel_layout != NULL ? r->sel_plans : r->plans;
    const ls_pq_row_group_t *g = &r->meta.row_groups[rg];
    ls_batch_t *b = ls_batch_new(lay, r->batch_max);
    if (b == NULL) {
        return ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory for row group %u", ls__name(r),
                            rg);
    }
    for (size_t j = 0; j < lay->nleaves; j++) {
        ls_err_t rc = ls__pqr_chunk_read(&r->cx, &g->columns[plans[j].col], rg, g->num_rows,
                                         &plans[j], b, &b->cols[j], err);
        if (rc != LS_OK) {
            ls_batch_free(b);
            return rc;
        }
    }
    b->nrows = (size_t)g->num_rows;
    *out = b;
    return LS_OK;
}

void ls__pqread_set_limits(ls_pq_reader_t *r, size_t batch_max, size_t page_max)
{
    if (batch_max != 0) {
        r->batch_max = batch_max;
    }
    if (page_max != 0) {
        r->cx.page_max = page_max;
    }
}

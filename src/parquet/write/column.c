/*
 * column.c — one leaf's column chunk: level entries and values flow into the page being
 * filled; a full page is encoded (v1: rep levels, def levels, values), compressed and
 * appended to the chunk's page buffer; at the row group's end the dictionary page is
 * built and the chunk written to the sink.
 *
 * Dictionary policy: a chunk starts dictionary-coded (unless disabled or boolean). It
 * falls back to PLAIN for the rest of the chunk when the dictionary is full (byte or
 * entry cap), when after LS_PQW_DICT_PROBE_VALUES values more than LS_PQW_DICT_PROBE_PCT %
 * of them were distinct, or when the chunk's first page would not be smaller as
 * dictionary + indices than as PLAIN. The page being filled is then rewritten as PLAIN;
 * pages already finished keep their indices and the dictionary page still precedes them.
 *
 * Page compression is the separable step ls__compress (an ls__pqw_enc_t per thread),
 * so chunks can later be compressed on a worker pool. Not responsible for: row-group
 * sizing, validation of batches or the footer (writer.c).
 */
#include <string.h>

#include "lakesink/alloc.h"
#include "pqw_int.h"

void ls__pqw_col_init(ls__pqw_col_t *col, const ls_leaf_t *leaf, const ls_pq_writer_opts_t *opts)
{
    memset(col, 0, sizeof(*col));
    int32_t len = 0;
    col->leaf = leaf;
    col->ptype = ls__pqw_physical(leaf, &len);
    col->ord = ls__pqw_order(leaf);
    col->def_bw = ls__pqw_bit_width((uint32_t)leaf->max_def);
    col->rep_bw = ls__pqw_bit_width((uint32_t)leaf->max_rep);
    col->want_dict = opts->dictionary && leaf->store != LS_COL_BOOL;
    col->want_stats = opts->statistics;
    col->dict_mode = col->want_dict ? LS_PQW_DICT_ON : LS_PQW_DICT_OFF;
    ls_buf_init(&col->pplain, LS_PQW_PAGE_MAX_BYTES);
    ls_buf_init(&col->pages, LS_PQW_CHUNK_MAX_BYTES);
    ls_buf_init(&col->dpage, LS_PQW_CHUNK_MAX_BYTES);
    ls__pqw_dict_init(&col->dict, leaf->store, leaf->width, opts->dictionary_max_bytes);
    ls__pqw_stats_init(&col->cst);
    ls__pqw_stats_init(&col->fst);
}

void ls__pqw_col_free(ls__pqw_col_t *col)
{
    ls_free(col->pdef);
    ls_free(col->prep);
    ls_free(col->pidx);
    ls_buf_free(&col->pplain);
    ls_buf_free(&col->pages);
    ls_buf_free(&col->dpage);
    ls__pqw_dict_free(&col->dict);
    ls__pqw_stats_free(&col->cst);
    ls__pqw_stats_free(&col->fst);
    memset(col, 0, sizeof(*col));
}

static bool ls__is_float(ls__pqw_ord_t o)
{
    return o == LS_PQW_ORD_F32 || o == LS_PQW_ORD_F64;
}

static ls_err_t ls__limit(const ls__pqw_col_t *col, ls_err_t rc, const char *what,
                          ls_error_t *err)
{
    if (rc == LS_ERR_NOMEM) {
        return ls_error_set(err, rc, "column '%s': out of memory (%s)", col->leaf->dotted, what);
    }
    return ls_error_set(err, rc, "column '%s': %s exceeds the Parquet size limit",
                        col->leaf->dotted, what);
}

/* Room for @p need level entries in the page buffers. */
static ls_err_t ls__grow_levels(ls__pqw_col_t *col, size_t need, ls_error_t *err)
{
    if (need <= col->plev_cap) {
        return LS_OK;
    }
    if (need > (size_t)INT32_MAX) {
        return ls__limit(col, LS_ERR_LIMIT, "a page's level count", err);
    }
    size_t nc = col->plev_cap ? col->plev_cap * 2 : 1024;
    while (nc < need) {
        nc *= 2;
    }
    if (col->def_bw > 0) {
        uint8_t *p = ls_realloc(col->pdef, nc);
        if (p == NULL) {
            return ls__limit(col, LS_ERR_NOMEM, "page levels", err);
        }
        col->pdef = p;
    }
    if (col->rep_bw > 0) {
        uint8_t *p = ls_realloc(col->prep, nc);
        if (p == NULL) {
            return ls__limit(col, LS_ERR_NOMEM, "page levels", err);
        }
        col->prep = p;
    }
    col->plev_cap = nc;
    return LS_OK;
}

static ls_err_t ls__grow_idx(ls__pqw_col_t *col, size_t need, ls_error_t *err)
{
    if (need <= col->pidx_cap) {
        return LS_OK;
    }
    size_t nc = col->pidx_cap ? col->pidx_cap * 2 : 1024;
    while (nc < need) {
        nc *= 2;
    }
    uint32_t *p = ls_reallocarray(col->pidx, nc, sizeof(uint32_t));
    if (p == NULL) {
        return ls__limit(col, LS_ERR_NOMEM, "dictionary indices", err);
    }
    col->pidx = p;
    col->pidx_cap = nc;
    return LS_OK;
}

/* Uncompressed size the page would have now (levels counted at full width). */
static size_t ls__page_est(const ls__pqw_col_t *col)
{
    size_t lev = (col->plev * (size_t)(col->def_bw + col->rep_bw) + 7) / 8;
    if (col->dict_mode == LS_PQW_DICT_ON) {
        int bw = ls__pqw_bit_width(col->dict.count);
        return lev + (col->pidx_n * (size_t)bw + 7) / 8 + 1;
    }
    if (col->leaf->store == LS_COL_BOOL) {
        return lev + (col->pplain.len + 7) / 8;
    }
    return lev + col->pplain.len;
}

/* The dictionary is on but no page has used it yet: the first-page check is pending. */
static bool ls__dict_pending(const ls__pqw_col_t *col)
{
    return col->dict_mode == LS_PQW_DICT_ON && !col->dict_used;
}

/* Size compared with the page target: while the dictionary is pending, the PLAIN size, so
 * the first page (and the check on it) comes after a page worth of values. */
static size_t ls__page_size(const ls__pqw_col_t *col)
{
    size_t est = ls__page_est(col);
    if (ls__dict_pending(col)) {
        size_t lev = (col->plev * (size_t)(col->def_bw + col->rep_bw) + 7) / 8;
        return est > lev + col->pequiv ? est : lev + col->pequiv;
    }
    return est;
}

static size_t ls__page_target(const ls__pqw_col_t *col, uint32_t page_bytes)
{
    if (col->seen_raw == 0 && page_bytes > LS_PQW_FIRST_PAGE_BYTES) {
        return LS_PQW_FIRST_PAGE_BYTES;
    }
    return page_bytes;
}

/* Rough bytes one more level entry adds, to size slices between page checks. */
static size_t ls__entry_cost(const ls__pqw_col_t *col, const ls_column_t *c)
{
    size_t lev = col->def_bw + col->rep_bw > 0 ? 1 : 0;
    bool dict = col->dict_mode == LS_PQW_DICT_ON && !ls__dict_pending(col);
    if (dict || col->leaf->store == LS_COL_BOOL) {
        return 1 + lev;
    }
    if (col->leaf->store == LS_COL_BYTES) {
        return (c->nvalues ? c->nbytes / c->nvalues : 0) + 4 + lev;
    }
    return col->leaf->width + lev;
}

/* Base of @p c's byte data: never NULL (a column of empty strings allocates no bytes). */
static const uint8_t *ls__bytes(const ls_column_t *c)
{
    static const uint8_t none[1];
    return c->bytes != NULL ? c->bytes : none;
}

/* PLAIN-append values [v0, v0+n) of @p c to the page; fold them into the stats if asked. */
static ls_err_t ls__add_plain(ls__pqw_col_t *col, const ls_column_t *c, size_t v0, size_t n,
                              bool stats, ls_error_t *err)
{
    ls_err_t rc;
    if (col->leaf->store == LS_COL_BYTES) {
        const uint32_t *off = c->offsets + v0;
        const uint8_t *bytes = ls__bytes(c);
        if (stats && (rc = ls__pqw_stats_add_bytes(&col->cst, col->ord, off, bytes, n))) {
            return ls__limit(col, rc, "statistics", err);
        }
        size_t total = (size_t)(off[n] - off[0]) + 4 * n;
        if ((rc = ls_buf_reserve(&col->pplain, total)) != LS_OK) {
            return ls__limit(col, rc, "a data page", err);
        }
        uint8_t *o = col->pplain.data + col->pplain.len;
        for (size_t i = 0; i < n; i++) {
            uint32_t len = off[i + 1] - off[i];
            memcpy(o, &len, 4);
            if (len != 0) {
                memcpy(o + 4, bytes + off[i], len);
            }
            o += 4 + (size_t)len;
        }
        col->pplain.len += total;
        return LS_OK;
    }
    size_t w = col->leaf->width;
    const uint8_t *v = c->values + v0 * w;
    if (stats && (rc = ls__pqw_stats_add_fixed(&col->cst, col->ord, v, n, (uint32_t)w))) {
        return ls__limit(col, rc, "statistics", err);
    }
    if ((rc = ls_buf_append(&col->pplain, v, n * w)) != LS_OK) {
        return ls__limit(col, rc, "a data page", err);
    }
    return LS_OK;
}

/* Chunk min/max from the dictionary entries: each distinct value once (not for floats,
 * whose NaN count needs every value). */
static ls_err_t ls__fold_dict_stats(ls__pqw_col_t *col, ls_error_t *err)
{
    const ls__pqw_dict_t *d = &col->dict;
    if (!col->want_stats || ls__is_float(col->ord) || d->count == 0) {
        return LS_OK;
    }
    ls_err_t rc;
    if (col->leaf->store == LS_COL_BYTES) {
        rc = ls__pqw_stats_add_plain_bytes(&col->cst, col->ord, d->values.data, d->values.len,
                                           d->count);
    } else {
        rc = ls__pqw_stats_add_fixed(&col->cst, col->ord, d->values.data, d->count, d->width);
    }
    return rc == LS_OK ? LS_OK : ls__limit(col, rc, "statistics", err);
}

/* Give up the dictionary for the rest of the chunk; the page being filled becomes PLAIN. */
static ls_err_t ls__dict_fallback(ls__pqw_col_t *col, ls_error_t *err)
{
    LS_TRY(ls__fold_dict_stats(col, err));
    for (size_t i = 0; i < col->pidx_n; i++) {
        ls_err_t rc = ls__pqw_dict_entry_plain(&col->dict, col->pidx[i], &col->pplain);
        if (rc != LS_OK) {
            return ls__limit(col, rc, "a data page", err);
        }
    }
    col->pidx_n = 0;
    col->pequiv = 0;
    col->dict_mode = LS_PQW_DICT_OFF;
    if (!col->dict_used) {
        ls__pqw_dict_reset(&col->dict); /* no page refers to it: no dictionary page */
    }
    return LS_OK;
}

/* Values [v0, v0+n) into the page: dictionary indices while the dictionary holds. */
static ls_err_t ls__add_values(ls__pqw_col_t *col, const ls_column_t *c, size_t v0, size_t n,
                               ls_error_t *err)
{
    if (n == 0) {
        return LS_OK;
    }
    if (col->dict_mode == LS_PQW_DICT_OFF) {
        return ls__add_plain(col, c, v0, n, col->want_stats, err);
    }
    bool fl = ls__is_float(col->ord);
    if (fl && col->want_stats) {
        ls_err_t rc = ls__pqw_stats_add_fixed(&col->cst, col->ord, c->values + v0 * c->leaf->width,
                                              n, col->leaf->width);
        if (rc != LS_OK) {
            return ls__limit(col, rc, "statistics", err);
        }
    }
    LS_TRY(ls__grow_idx(col, col->pidx_n + n, err));
    size_t done = 0;
    ls_err_t rc;
    uint32_t *idx = col->pidx + col->pidx_n;
    if (col->leaf->store == LS_COL_BYTES) {
        rc = ls__pqw_dict_put_bytes(&col->dict, c->offsets + v0, ls__bytes(c), n, idx, &done);
    } else {
        size_t w = col->leaf->width;
        rc = ls__pqw_dict_put_fixed(&col->dict, c->values + v0 * w, n, idx, &done);
    }
    if (rc != LS_OK) {
        return ls__limit(col, rc, "dictionary", err);
    }
    col->pidx_n += done;
    if (col->leaf->store == LS_COL_BYTES) {
        col->pequiv += (size_t)(c->offsets[v0 + done] - c->offsets[v0]) + 4 * done;
    } else {
        col->pequiv += done * col->leaf->width;
    }
    int64_t before = col->dict_fed;
    col->dict_fed += (int64_t)done;
    bool probe = before < LS_PQW_DICT_PROBE_VALUES && col->dict_fed >= LS_PQW_DICT_PROBE_VALUES;
    bool too_distinct =
        probe && (uint64_t)col->dict.count * 100 > (uint64_t)col->dict_fed * LS_PQW_DICT_PROBE_PCT;
    if (done == n && !too_distinct) {
        return LS_OK;
    }
    LS_TRY(ls__dict_fallback(col, err));
    return ls__add_plain(col, c, v0 + done, n - done, col->want_stats && !fl, err);
}

/* Level entries [l0, l1) of @p c into the page buffers. */
static ls_err_t ls__add_levels(ls__pqw_col_t *col, const ls_column_t *c, size_t l0, size_t l1,
                               ls_error_t *err)
{
    size_t n = l1 - l0;
    LS_TRY(ls__grow_levels(col, col->plev + n, err));
    if (col->def_bw > 0) {
        memcpy(col->pdef + col->plev, c->def + l0, n);
    }
    if (col->rep_bw > 0) {
        memcpy(col->prep + col->plev, c->rep + l0, n);
    }
    col->plev += n;
    return LS_OK;
}

static size_t ls__count_present(const uint8_t *def, size_t n, uint8_t max_def)
{
    bool over;
    return ls__pqw_level_scan(def, n, max_def, &over); /* levels were validated */
}

ls_err_t ls__pqw_col_add(ls__pqw_col_t *col, ls__pqw_enc_t *enc, const ls_column_t *c,
                         size_t l0, size_t l1, size_t *v, uint32_t page_bytes, ls_error_t *err)
{
    const ls_leaf_t *lf = col->leaf;
    size_t v0 = *v;
    while (l0 < l1) {
        size_t target = ls__page_target(col, page_bytes);
        size_t est = ls__page_size(col);
        size_t budget = est < target ? target - est : 1;
        size_t n = budget / ls__entry_cost(col, c);
        size_t room = LS_PQW_PAGE_MAX_LEVELS > col->plev ? LS_PQW_PAGE_MAX_LEVELS - col->plev : 1;
        n = n < room ? n : room;
        n = n < l1 - l0 ? n : l1 - l0;
        n = n ? n : 1;
        size_t end = l0 + n;
        if (lf->max_rep > 0) {
            while (end < l1 && c->rep[end] != 0) {
                end++; /* pages end on row boundaries */
            }
        }
        size_t nv = lf->max_def > 0 ? ls__count_present(c->def + l0, end - l0, (uint8_t)lf->max_def)
                                    : end - l0;
        LS_TRY(ls__add_levels(col, c, l0, end, err));
        LS_TRY(ls__add_values(col, c, v0, nv, err));
        col->cst.num_values += (int64_t)(end - l0);
        col->cst.null_count += (int64_t)(end - l0 - nv);
        l0 = end;
        v0 += nv;
        *v = v0;
        if (ls__page_size(col) >= target || col->plev >= LS_PQW_PAGE_MAX_LEVELS) {
            LS_TRY(ls__pqw_col_finish_page(col, enc, err));
        }
    }
    return LS_OK;
}

/*
 * The separable compression step: compress @p len bytes at @p in with @p enc's codec.
 * @p out/@p out_len receive the compressed bytes (the input itself when uncompressed).
 */
static ls_err_t ls__compress(ls__pqw_enc_t *enc, const uint8_t *in, size_t len,
                             const uint8_t **out, size_t *out_len, ls_error_t *err)
{
    if (enc->kind == LS_PQ_CODEC_UNCOMPRESSED) {
        *out = in;
        *out_len = len;
        return LS_OK;
    }
    ls_buf_reset(&enc->z);
    LS_TRY(ls_codec_compress(enc->codec, enc->kind, enc->level, in, len, &enc->z, err));
    *out = enc->z.data;
    *out_len = enc->z.len;
    return LS_OK;
}

/*
 * Compress @p body and append header + compressed bytes to @p dst.
 * @p *raw receives the uncompressed size including the header, @p *zlen the compressed body.
 */
static ls_err_t ls__emit_page(const ls__pqw_col_t *col, ls__pqw_enc_t *enc,
                              ls_pq_page_header_t *ph, const uint8_t *body, size_t len,
                              ls_buf_t *dst, int64_t *raw, size_t *zlen, ls_error_t *err)
{
    const uint8_t *z = NULL;
    size_t zl = 0;
    if (len > LS_PQW_PAGE_MAX_BYTES) {
        return ls__limit(col, LS_ERR_LIMIT, "a page", err);
    }
    ls_err_t rc = ls__compress(enc, body, len, &z, &zl, err);
    if (rc != LS_OK) {
        return ls_error_prefix(err, "column '%s': ", col->leaf->dotted);
    }
    if (zl > LS_PQW_PAGE_MAX_BYTES) {
        return ls__limit(col, LS_ERR_LIMIT, "a compressed page", err);
    }
    ph->uncompressed_page_size = (int32_t)len;
    ph->compressed_page_size = (int32_t)zl;
    size_t start = dst->len;
    if ((rc = ls_pq_page_header_encode(ph, dst, err)) != LS_OK) {
        dst->len = start;
        return ls_error_prefix(err, "column '%s': page header: ", col->leaf->dotted);
    }
    size_t hdr = dst->len - start;
    if ((rc = ls_buf_append(dst, z, zl)) != LS_OK) {
        dst->len = start;
        return ls__limit(col, rc, "a column chunk", err);
    }
    *raw = (int64_t)(hdr + len);
    *zlen = zl;
    return LS_OK;
}

/* Index bit width for the current dictionary (at least 1). */
static int ls__index_width(const ls__pqw_col_t *col)
{
    int need = col->dict.count ? ls__pqw_bit_width(col->dict.count - 1) : 1;
    return need > 1 ? need : 1;
}

/* The chunk's first dictionary page would be smaller than PLAIN (dictionary included). */
static bool ls__dict_pays(const ls__pqw_col_t *col)
{
    uint64_t idx = ((uint64_t)col->pidx_n * (uint64_t)ls__index_width(col) + 7) / 8;
    return (uint64_t)col->dict.values.len + idx < (uint64_t)col->pequiv;
}

/* Assemble the v1 page body (rep levels, def levels, values) into enc->body. */
static ls_err_t ls__build_body(ls__pqw_col_t *col, ls__pqw_enc_t *enc, bool dict,
                               ls_error_t *err)
{
    size_t bound = 16;
    int ibw = 1;
    if (col->rep_bw > 0) {
        bound += 4 + ls__pqw_rle_bound(col->plev, col->rep_bw);
    }
    if (col->def_bw > 0) {
        bound += 4 + ls__pqw_rle_bound(col->plev, col->def_bw);
    }
    if (dict) {
        ibw = ls__index_width(col);
        bound += 1 + ls__pqw_rle_bound(col->pidx_n, ibw);
    } else {
        bound += col->pplain.len;
    }
    ls_buf_reset(&enc->body);
    ls_err_t rc = ls_buf_reserve(&enc->body, bound);
    if (rc != LS_OK) {
        return ls__limit(col, rc, "a data page", err);
    }
    uint8_t *o = enc->body.data;
    if (col->rep_bw > 0) {
        uint32_t n = (uint32_t)ls__pqw_rle_encode_u8(col->prep, col->plev, col->rep_bw, o + 4);
        memcpy(o, &n, 4);
        o += 4 + (size_t)n;
    }
    if (col->def_bw > 0) {
        uint32_t n = (uint32_t)ls__pqw_rle_encode_u8(col->pdef, col->plev, col->def_bw, o + 4);
        memcpy(o, &n, 4);
        o += 4 + (size_t)n;
    }
    if (dict) {
        *o++ = (uint8_t)ibw;
        o += ls__pqw_rle_encode_u32(col->pidx, col->pidx_n, ibw, o);
    } else if (col->leaf->store == LS_COL_BOOL) {
        o += ls__pqw_pack_bools(col->pplain.data, col->pplain.len, o);
    } else if (col->pplain.len > 0) {
        memcpy(o, col->pplain.data, col->pplain.len);
        o += col->pplain.len;
    }
    enc->body.len = (size_t)(o - enc->body.data);
    return LS_OK;
}

ls_err_t ls__pqw_col_finish_page(ls__pqw_col_t *col, ls__pqw_enc_t *enc, ls_error_t *err)
{
    if (col->plev == 0) {
        return LS_OK;
    }
    if (ls__dict_pending(col) && col->pidx_n > 0 && !ls__dict_pays(col)) {
        LS_TRY(ls__dict_fallback(col, err));
    }
    /* a page without values needs no dictionary: PLAIN keeps it self-contained */
    bool dict = col->dict_mode == LS_PQW_DICT_ON && col->pidx_n > 0;
    LS_TRY(ls__build_body(col, enc, dict, err));
    ls_pq_page_header_t ph;
    memset(&ph, 0, sizeof(ph));
    ph.type = LS_PQ_PAGE_DATA;
    ph.has_data_page_header = true;
    ph.data_page_header.num_values = (int32_t)col->plev;
    ph.data_page_header.encoding = dict ? LS_PQ_ENC_RLE_DICTIONARY : LS_PQ_ENC_PLAIN;
    ph.data_page_header.definition_level_encoding = LS_PQ_ENC_RLE;
    ph.data_page_header.repetition_level_encoding = LS_PQ_ENC_RLE;
    int64_t raw = 0;
    size_t zl = 0;
    LS_TRY(ls__emit_page(col, enc, &ph, enc->body.data, enc->body.len, &col->pages, &raw, &zl,
                         err));
    col->chunk_uncomp += raw;
    col->chunk_levels += (int64_t)col->plev;
    col->seen_raw += enc->body.len;
    col->seen_z += zl;
    if (dict) {
        col->npages_dict++;
        col->dict_used = true;
    } else {
        col->npages_plain++;
    }
    col->plev = 0;
    col->pidx_n = 0;
    col->pequiv = 0;
    ls_buf_reset(&col->pplain);
    return LS_OK;
}

ls_err_t ls__pqw_col_finish_chunk(ls__pqw_col_t *col, ls__pqw_enc_t *enc, ls_error_t *err)
{
    LS_TRY(ls__pqw_col_finish_page(col, enc, err));
    if (col->dict_mode == LS_PQW_DICT_ON) {
        LS_TRY(ls__fold_dict_stats(col, err));
    }
    ls_buf_reset(&col->dpage);
    col->dpage_uncomp = 0;
    if (!col->dict_used) {
        return LS_OK;
    }
    ls_pq_page_header_t ph;
    memset(&ph, 0, sizeof(ph));
    ph.type = LS_PQ_PAGE_DICTIONARY;
    ph.has_dictionary_page_header = true;
    ph.dictionary_page_header.num_values = (int32_t)col->dict.count;
    ph.dictionary_page_header.encoding = LS_PQ_ENC_PLAIN;
    size_t zl = 0;
    LS_TRY(ls__emit_page(col, enc, &ph, col->dict.values.data, col->dict.values.len, &col->dpage,
                         &col->dpage_uncomp, &zl, err));
    col->seen_dict_raw += col->dict.values.len;
    col->seen_dict_z += zl;
    return LS_OK;
}

uint64_t ls__pqw_col_estimate(const ls__pqw_col_t *col)
{
    double ratio = col->seen_raw ? (double)col->seen_z / (double)col->seen_raw : 1.0;
    double dr = col->seen_dict_raw ? (double)col->seen_dict_z / (double)col->seen_dict_raw : 1.0;
    double est = (double)col->pages.len + (double)col->dpage.len;
    double page = (double)ls__page_est(col) * ratio;
    bool dict_pending = col->dpage.len == 0 && (col->dict_mode == LS_PQW_DICT_ON || col->dict_used);
    double dict = dict_pending ? (double)col->dict.values.len * dr : 0.0;
    if (ls__dict_pending(col)) {
        /* the first-page check will keep whichever is smaller: predict that */
        size_t lev = (col->plev * (size_t)(col->def_bw + col->rep_bw) + 7) / 8;
        double plain = (double)(lev + col->pequiv) * ratio;
        return (uint64_t)(est + (page + dict < plain ? page + dict : plain));
    }
    return (uint64_t)(est + page + dict);
}

/* ColumnMetaData.encodings and encoding_stats of the finished chunk. */
static ls_err_t ls__encodings(const ls__pqw_col_t *col, ls_arena_t *arena, ls_pq_column_meta_t *m)
{
    bool has_dict = col->dpage.len > 0;
    m->encodings = ls_arena_calloc(arena, 3, sizeof(ls_pq_encoding_t));
    m->encoding_stats = ls_arena_calloc(arena, 3, sizeof(ls_pq_page_enc_stats_t));
    if (m->encodings == NULL || m->encoding_stats == NULL) {
        return LS_ERR_NOMEM;
    }
    uint32_t ne = 0, ns = 0;
    if (has_dict || col->npages_plain > 0) {
        m->encodings[ne++] = LS_PQ_ENC_PLAIN;
    }
    m->encodings[ne++] = LS_PQ_ENC_RLE; /* levels (declared by every data page header) */
    if (col->npages_dict > 0) {
        m->encodings[ne++] = LS_PQ_ENC_RLE_DICTIONARY;
    }
    if (has_dict) {
        m->encoding_stats[ns++] =
            (ls_pq_page_enc_stats_t){LS_PQ_PAGE_DICTIONARY, LS_PQ_ENC_PLAIN, 1};
    }
    if (col->npages_dict > 0) {
        m->encoding_stats[ns++] =
            (ls_pq_page_enc_stats_t){LS_PQ_PAGE_DATA, LS_PQ_ENC_RLE_DICTIONARY, col->npages_dict};
    }
    if (col->npages_plain > 0) {
        m->encoding_stats[ns++] =
            (ls_pq_page_enc_stats_t){LS_PQ_PAGE_DATA, LS_PQ_ENC_PLAIN, col->npages_plain};
    }
    m->num_encodings = ne;
    m->num_encoding_stats = ns;
    return LS_OK;
}

static void ls__reset_chunk(ls__pqw_col_t *col)
{
    ls_buf_reset(&col->pages);
    ls_buf_reset(&col->dpage);
    col->chunk_levels = col->chunk_uncomp = col->dpage_uncomp = 0;
    col->npages_dict = col->npages_plain = 0;
    col->dict_mode = col->want_dict ? LS_PQW_DICT_ON : LS_PQW_DICT_OFF;
    col->dict_used = false;
    col->dict_fed = 0;
    ls__pqw_dict_reset(&col->dict);
    ls__pqw_stats_reset(&col->cst);
}

static ls_err_t ls__sink_write(ls_sink_t sink, const ls_buf_t *b, uint64_t *offset,
                               ls_error_t *err)
{
    if (b->len == 0) {
        return LS_OK;
    }
    LS_TRY(sink.write(sink.ctx, b->data, b->len, err));
    *offset += b->len;
    return LS_OK;
}

ls_err_t ls__pqw_col_write_chunk(ls__pqw_col_t *col, ls_pq_codec_t codec, ls_sink_t sink,
                                 uint64_t *offset, ls_arena_t *arena, ls_pq_column_chunk_t *cc,
                                 ls_error_t *err)
{
    memset(cc, 0, sizeof(*cc));
    cc->has_meta_data = true;
    ls_pq_column_meta_t *m = &cc->meta_data;
    m->type = col->ptype;
    m->path_len = col->leaf->path_len;
    m->path_in_schema = col->leaf->path;
    m->codec = codec;
    m->num_values = col->chunk_levels;
    m->total_uncompressed_size = col->chunk_uncomp + col->dpage_uncomp;
    m->total_compressed_size = (int64_t)(col->pages.len + col->dpage.len);
    if (col->dpage.len > 0) {
        m->has_dictionary_page_offset = true;
        m->dictionary_page_offset = (int64_t)*offset;
    }
    m->data_page_offset = (int64_t)(*offset + col->dpage.len);
    m->has_statistics = true;
    if (ls__encodings(col, arena, m) != LS_OK ||
        ls__pqw_stats_to_thrift(&col->cst, col->ord, col->leaf, col->want_stats, arena,
                                &m->statistics) != LS_OK) {
        return ls__pqw_meta_error(arena, col->cst.min_b.len + col->cst.max_b.len + 64, err);
    }
    ls_err_t rc = ls__pqw_stats_merge(&col->fst, &col->cst, col->ord);
    if (rc != LS_OK) {
        return ls__limit(col, rc, "statistics", err);
    }
    LS_TRY(ls__sink_write(sink, &col->dpage, offset, err));
    LS_TRY(ls__sink_write(sink, &col->pages, offset, err));
    ls__reset_chunk(col);
    return LS_OK;
}

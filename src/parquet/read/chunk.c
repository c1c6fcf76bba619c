/*
 * chunk.c — reads one column chunk of a row group into a batch column: locates the
 * chunk, walks its pages (dictionary, data v1 and v2; index and unknown pages are
 * skipped), checks CRCs, decompresses, decodes levels and values, and validates the
 * level structure (counts, ranges, repetition/definition consistency, row count).
 *
 * Not responsible for: the footer, projections or batch assembly (read.c), value
 * encodings (values.c) or conversions (convert.c). Every count and length taken from
 * the file is checked against the chunk, the page and the footer before use.
 */
#include <string.h>
#include <zlib.h>

#include "lakesink/alloc.h"
#include "pqread_int.h"

typedef struct {
    ls__chunk_ctx_t *cx;
    const ls__plan_t *pl;
    const ls_pq_column_meta_t *md;
    ls_batch_t *b;
    ls_column_t *c;
    int64_t num_rows; /* rows of the row group */
    int64_t rows;     /* rows started so far (entries with rep 0) */
    uint64_t levels;  /* level entries so far */
    int prev_def;     /* def of the previous entry, for continuation checks */
    ls__vec_t dict;
    bool has_dict;
    uint32_t page;
} ls__cr_t;

void ls__pqr_chunk_ctx_free(ls__chunk_ctx_t *cx)
{
    ls__pqr_scratch_free(&cx->chunk);
    ls__pqr_scratch_free(&cx->page);
    ls__pqr_scratch_free(&cx->dict_page);
    ls__pqr_scratch_free(&cx->dict_vals);
    ls__pqr_scratch_free(&cx->vals);
    ls__pqr_scratch_free(&cx->views);
    ls__pqr_scratch_free(&cx->idx);
    ls__pqr_dec_scratch_free(&cx->dec);
}

static ls_err_t ls__cap_err(ls_err_t rc, ls_error_t *err, const char *what)
{
    if (rc == LS_ERR_NOMEM) {
        return ls_error_set(err, rc, "out of memory for %s", what);
    }
    return ls_error_set(err, rc, "%s exceed the batch memory cap", what);
}

/* Page bytes after decompression; uncompressed pages are used in place. */
static ls_err_t ls__inflate(ls__cr_t *cr, bool compressed, const uint8_t *in, size_t csz,
                            int64_t usz, ls__scratch_t *dst, const uint8_t **out, size_t *olen,
                            ls_error_t *err)
{
    if (!compressed) {
        *out = in;
        *olen = csz;
        return LS_OK;
    }
    if (usz < 0) {
        return ls_error_set(err, LS_ERR_CORRUPT, "uncompressed size %lld is negative",
                            (long long)usz);
    }
    if ((uint64_t)usz > cr->cx->page_max) {
        return ls_error_set(err, LS_ERR_LIMIT, "page of %lld bytes exceeds the %zu byte page limit",
                            (long long)usz, cr->cx->page_max);
    }
    if (csz == 0) {
        if (usz != 0) {
            return ls_error_set(err, LS_ERR_CORRUPT,
                                "empty compressed data cannot expand to %lld bytes",
                                (long long)usz);
        }
        *out = in;
        *olen = 0;
        return LS_OK;
    }
    LS_TRY(ls__pqr_scratch_reserve(dst, (size_t)usz + 1, cr->cx->page_max + 1, err));
    LS_TRY(ls_codec_decompress(cr->cx->codec, cr->md->codec, in, csz, dst->p, (size_t)usz, err));
    *out = dst->p;
    *olen = (size_t)usz;
    return LS_OK;
}

/* ------------------------------------------------------------ dictionary */

/* Plain-decode @p n physical values of the plan's type into @p v (memory in @p mem). */
static ls_err_t ls__plain_vec(ls__cr_t *cr, const uint8_t *p, size_t len, size_t n,
                              ls__scratch_t *mem, ls__vec_t *v, size_t *used, ls_error_t *err)
{
    uint32_t w = cr->pl->phys_width;
    size_t unit = w ? w : sizeof(ls__view_t);
    if (n > cr->cx->page_max / unit) {
        return ls_error_set(err, LS_ERR_LIMIT, "%zu values exceed the page limit", n);
    }
    LS_TRY(ls__pqr_scratch_reserve(mem, n * unit + 1, cr->cx->page_max + 1, err));
    v->n = n;
    v->width = w;
    if (w == 0) {
        v->views = (ls__view_t *)(void *)mem->p;
        return ls__pqr_plain_bytes(p, len, n, v->views, used, err);
    }
    v->fixed = mem->p;
    if (cr->pl->phys == LS_PQ_BOOLEAN) {
        return ls__pqr_plain_bool(p, len, n, v->fixed, used, err);
    }
    return ls__pqr_plain_fixed(p, len, w, n, v->fixed, used, err);
}

static ls_err_t ls__dict_page(ls__cr_t *cr, const ls_pq_page_header_t *ph, const uint8_t *raw,
                              size_t csz, ls_error_t *err)
{
    if (!ph->has_dictionary_page_header) {
        return ls_error_set(err, LS_ERR_CORRUPT, "dictionary page without its header");
    }
    if (cr->has_dict || cr->levels > 0) {
        return ls_error_set(err, LS_ERR_CORRUPT, "dictionary page after %s",
                            cr->has_dict ? "another dictionary page" : "data pages");
    }
    const ls_pq_dict_page_header_t *dh = &ph->dictionary_page_header;
    if (dh->num_values < 0) {
        return ls_error_set(err, LS_ERR_CORRUPT, "dictionary has %d values", dh->num_values);
    }
    if (dh->encoding != LS_PQ_ENC_PLAIN && dh->encoding != LS_PQ_ENC_PLAIN_DICTIONARY) {
        return ls_error_set(err, LS_ERR_UNSUPPORTED, "dictionary encoding %s is not supported",
                            ls_pq_encoding_name(dh->encoding));
    }
    const uint8_t *p;
    size_t len = 0;
    bool compressed = cr->md->codec != LS_PQ_CODEC_UNCOMPRESSED;
    LS_TRY(ls__inflate(cr, compressed, raw, csz, ph->uncompressed_page_size, &cr->cx->dict_page, &p,
                       &len, err));
    LS_TRY(ls__plain_vec(cr, p, len, (size_t)dh->num_values, &cr->cx->dict_vals, &cr->dict, NULL,
                         err));
    cr->has_dict = true;
    return LS_OK;
}

/* ------------------------------------------------------------ levels */

static ls_err_t ls__levels_v1(ls_pq_encoding_t enc, const uint8_t *p, size_t len, unsigned max,
                              uint8_t *out, size_t n, size_t *used, ls_error_t *err)
{
    unsigned bw = ls__pqr_bit_width(max);
    if (enc == LS_PQ_ENC_BIT_PACKED) {
        return ls__pqr_bitpacked_levels(p, len, bw, out, n, max, used, err);
    }
    if (enc != LS_PQ_ENC_RLE) {
        return ls_error_set(err, LS_ERR_UNSUPPORTED, "level encoding %s is not supported",
                            ls_pq_encoding_name(enc));
    }
    if (len < 4) {
        return ls_error_set(err, LS_ERR_CORRUPT, "level length prefix is missing");
    }
    uint32_t l;
    memcpy(&l, p, 4);
    if (l > len - 4) {
        return ls_error_set(err, LS_ERR_CORRUPT, "levels of %u bytes exceed the %zu left", l,
                            len - 4);
    }
    ls__rle_t d;
    ls__pqr_rle_init(&d, p + 4, l, bw);
    *used = 4 + (size_t)l;
    return ls__pqr_rle_read_levels(&d, out, n, max, err);
}

static ls_err_t ls__levels_v2(const uint8_t *p, size_t len, unsigned max, uint8_t *out, size_t n,
                              ls_error_t *err)
{
    ls__rle_t d;
    ls__pqr_rle_init(&d, p, len, ls__pqr_bit_width(max));
    return ls__pqr_rle_read_levels(&d, out, n, max, err);
}

/*
 * Check the @p n new level entries and count values and rows: a chunk starts a row,
 * and an entry continuing a list at rep level r needs both it and its predecessor to
 * be defined at least to that list's entry level.
 */
static ls_err_t ls__check_levels(ls__cr_t *cr, size_t n, size_t *nvals, ls_error_t *err)
{
    const ls_column_t *c = cr->c;
    const ls__plan_t *pl = cr->pl;
    const uint8_t *def = pl->max_def > 0 ? c->def + c->nlevels : NULL;
    const uint8_t *rep = pl->max_rep > 0 ? c->rep + c->nlevels : NULL;
    size_t v = 0;
    if (rep == NULL) {
        for (size_t i = 0; def != NULL && i < n; i++) {
            v += def[i] == pl->max_def;
        }
        *nvals = def != NULL ? v : n;
        cr->rows += (int64_t)n;
        return LS_OK;
    }
    int prev = cr->prev_def;
    for (size_t i = 0; i < n; i++) {
        int r = rep[i], d = def != NULL ? def[i] : pl->max_def;
        if (r == 0) {
            cr->rows++;
        } else if (cr->levels + i == 0) {
            return ls_error_set(err, LS_ERR_CORRUPT,
                                "the first entry has repetition level %d, not 0", r);
        } else if (d < pl->rep_def[r] || prev < pl->rep_def[r]) {
            return ls_error_set(err, LS_ERR_CORRUPT,
                                "entry %zu: repetition level %d with definition level %d "
                                "(previous %d) is inconsistent",
                                i, r, d, prev);
        }
        v += d == pl->max_def;
        prev = d;
    }
    cr->prev_def = prev;
    *nvals = v;
    return LS_OK;
}

/* Entries beyond what the chunk can still hold are corrupt (and would over-allocate). */
static ls_err_t ls__check_count(ls__cr_t *cr, int64_t n, ls_error_t *err)
{
    uint64_t left = (uint64_t)cr->md->num_values - cr->levels;
    if (n < 0 || (uint64_t)n > left) {
        return ls_error_set(err, LS_ERR_CORRUPT,
                            "page has %lld values, the column chunk has %llu left", (long long)n,
                            (unsigned long long)left);
    }
    if (cr->pl->max_rep == 0 && n > cr->num_rows - cr->rows) {
        return ls_error_set(err, LS_ERR_CORRUPT,
                            "page has %lld values, the row group has %lld rows left", (long long)n,
                            (long long)(cr->num_rows - cr->rows));
    }
    ls_err_t rc = ls_col_reserve(cr->b, cr->c, (size_t)n, 0, 0);
    return rc == LS_OK ? LS_OK : ls__cap_err(rc, err, "levels");
}

/* ------------------------------------------------------------ values */

/* Minimum bytes per value of an encoding, to refuse impossible counts before allocating. */
static bool ls__count_fits(const ls__plan_t *pl, ls_pq_encoding_t enc, size_t len, size_t n)
{
    uint32_t w = pl->phys_width;
    if (enc == LS_PQ_ENC_PLAIN || enc == LS_PQ_ENC_BYTE_STREAM_SPLIT) {
        if (pl->phys == LS_PQ_BOOLEAN) {
            return n / 8 <= len;
        }
        return n <= len / (w ? w : 4);
    }
    return true; /* run-length and delta encodings: bounded by the level count */
}

/* Where values are decoded: straight into the column when no conversion is needed. */
static ls_err_t ls__value_target(ls__cr_t *cr, size_t n, ls__vec_t *v, ls_error_t *err)
{
    const ls__plan_t *pl = cr->pl;
    ls_column_t *c = cr->c;
    v->n = n;
    v->width = pl->phys_width;
    v->fixed = NULL;
    v->views = NULL;
    if (pl->phys_width == 0) {
        if (n > cr->cx->page_max / sizeof(ls__view_t)) {
            return ls_error_set(err, LS_ERR_LIMIT, "%zu values exceed the page limit", n);
        }
        LS_TRY(ls__pqr_scratch_reserve(&cr->cx->views, n * sizeof(ls__view_t) + 1,
                                       cr->cx->page_max + 1, err));
        v->views = (ls__view_t *)(void *)cr->cx->views.p;
        return LS_OK;
    }
    if (pl->conv == LS__CONV_COPY && c->leaf->store != LS_COL_BYTES &&
        c->leaf->width == pl->phys_width) {
        ls_err_t rc = ls_col_reserve(cr->b, c, 0, n, 0);
        if (rc != LS_OK) {
            return ls__cap_err(rc, err, "values");
        }
        v->fixed = c->values + c->nvalues * c->leaf->width;
        return LS_OK;
    }
    if (n > cr->cx->page_max / pl->phys_width) {
        return ls_error_set(err, LS_ERR_LIMIT, "%zu values exceed the page limit", n);
    }
    LS_TRY(
        ls__pqr_scratch_reserve(&cr->cx->vals, n * pl->phys_width + 1, cr->cx->page_max + 1, err));
    v->fixed = cr->cx->vals.p;
    return LS_OK;
}

/* DELTA_BYTE_ARRAY for FIXED_LEN_BYTE_ARRAY: rebuild as views, then pack. */
static ls_err_t ls__delta_fixed(ls__cr_t *cr, const uint8_t *p, size_t len, ls__vec_t *v,
                                ls_error_t *err)
{
    if (v->n > cr->cx->page_max / sizeof(ls__view_t)) {
        return ls_error_set(err, LS_ERR_LIMIT, "%zu values exceed the page limit", v->n);
    }
    LS_TRY(ls__pqr_scratch_reserve(&cr->cx->idx, v->n * sizeof(ls__view_t) + 1,
                                   cr->cx->page_max + 1, err));
    ls__view_t *tmp = (ls__view_t *)(void *)cr->cx->idx.p;
    LS_TRY(ls__pqr_delta_bytes(p, len, v->n, tmp, v->width, &cr->cx->dec, err));
    for (size_t i = 0; i < v->n; i++) {
        memcpy(v->fixed + i * v->width, tmp[i].p, v->width);
    }
    return LS_OK;
}

static ls_err_t ls__decode_values(ls__cr_t *cr, ls_pq_encoding_t enc, const uint8_t *p, size_t len,
                                  ls__vec_t *v, ls_error_t *err)
{
    ls_pq_type_t t = cr->pl->phys;
    uint32_t w = cr->pl->phys_width;
    switch (enc) {
    case LS_PQ_ENC_PLAIN:
        if (w == 0) {
            return ls__pqr_plain_bytes(p, len, v->n, v->views, NULL, err);
        }
        if (t == LS_PQ_BOOLEAN) {
            return ls__pqr_plain_bool(p, len, v->n, v->fixed, NULL, err);
        }
        return ls__pqr_plain_fixed(p, len, w, v->n, v->fixed, NULL, err);
    case LS_PQ_ENC_PLAIN_DICTIONARY:
    case LS_PQ_ENC_RLE_DICTIONARY:
        if (!cr->has_dict) {
            return ls_error_set(err, LS_ERR_CORRUPT,
                                "dictionary-encoded page without a dictionary page");
        }
        return ls__pqr_dict_gather(p, len, &cr->dict, v->n, v, err);
    case LS_PQ_ENC_RLE:
        if (t == LS_PQ_BOOLEAN) {
            return ls__pqr_rle_bool(p, len, v->n, v->fixed, err);
        }
        break;
    case LS_PQ_ENC_DELTA_BINARY_PACKED:
        if (t == LS_PQ_INT32 || t == LS_PQ_INT64) {
            return ls__pqr_delta_binary(p, len, v->n, v->fixed, w, NULL, err);
        }
        break;
    case LS_PQ_ENC_DELTA_LENGTH_BYTE_ARRAY:
        if (t == LS_PQ_BYTE_ARRAY) {
            return ls__pqr_delta_length(p, len, v->n, v->views, &cr->cx->dec, NULL, err);
        }
        break;
    case LS_PQ_ENC_DELTA_BYTE_ARRAY:
        if (t == LS_PQ_BYTE_ARRAY) {
            return ls__pqr_delta_bytes(p, len, v->n, v->views, 0, &cr->cx->dec, err);
        }
        if (t == LS_PQ_FIXED_LEN_BYTE_ARRAY) {
            return ls__delta_fixed(cr, p, len, v, err);
        }
        break;
    case LS_PQ_ENC_BYTE_STREAM_SPLIT:
        if (w != 0 && t != LS_PQ_BOOLEAN && t != LS_PQ_INT96) {
            return ls__pqr_byte_stream_split(p, len, w, v->n, v->fixed, err);
        }
        break;
    default: break;
    }
    return ls_error_set(err, LS_ERR_UNSUPPORTED, "encoding %s is not supported for %s values",
                        ls_pq_encoding_name(enc), ls_pq_type_name(t));
}

/* Values of a data page (after its levels): decode, then convert into the column. */
static ls_err_t ls__page_values(ls__cr_t *cr, ls_pq_encoding_t enc, const uint8_t *p, size_t len,
                                size_t nvals, ls_error_t *err)
{
    if (nvals == 0) {
        return LS_OK;
    }
    if (cr->pl->conv == LS__CONV_NULL) {
        return LS_OK;
    }
    if (!ls__count_fits(cr->pl, enc, len, nvals)) {
        return ls_error_set(err, LS_ERR_CORRUPT, "%zu values cannot fit in %zu bytes of %s data",
                            nvals, len, ls_pq_encoding_name(enc));
    }
    ls__vec_t v;
    LS_TRY(ls__value_target(cr, nvals, &v, err));
    LS_TRY(ls__decode_values(cr, enc, p, len, &v, err));
    return ls__pqr_convert_append(cr->b, cr->c, cr->pl, &v, err);
}

/* The UNKNOWN (null) type: whatever the file holds, every entry reads as null. */
static void ls__nullify(ls__cr_t *cr, size_t n)
{
    uint8_t *def = cr->c->def + cr->c->nlevels;
    for (size_t i = 0; i < n; i++) {
        if (def[i] == cr->pl->max_def) {
            def[i] = (uint8_t)(cr->pl->max_def - 1);
        }
    }
}

/* Levels are in place at c->nlevels: check them, then decode values and commit. */
static ls_err_t ls__page_finish(ls__cr_t *cr, size_t n, ls_pq_encoding_t enc, const uint8_t *p,
                                size_t len, ls_error_t *err)
{
    size_t nvals = 0;
    LS_TRY(ls__check_levels(cr, n, &nvals, err));
    if (cr->pl->conv == LS__CONV_NULL) {
        ls__nullify(cr, n);
    }
    LS_TRY(ls__page_values(cr, enc, p, len, nvals, err));
    cr->c->nlevels += n;
    cr->levels += n;
    return LS_OK;
}

static ls_err_t ls__data_v1(ls__cr_t *cr, const ls_pq_page_header_t *ph, const uint8_t *raw,
                            size_t csz, ls_error_t *err)
{
    if (!ph->has_data_page_header) {
        return ls_error_set(err, LS_ERR_CORRUPT, "data page without its header");
    }
    const ls_pq_data_page_header_t *dh = &ph->data_page_header;
    LS_TRY(ls__check_count(cr, dh->num_values, err));
    size_t n = (size_t)dh->num_values;
    const uint8_t *p;
    size_t len, used = 0;
    bool compressed = cr->md->codec != LS_PQ_CODEC_UNCOMPRESSED;
    LS_TRY(ls__inflate(cr, compressed, raw, csz, ph->uncompressed_page_size, &cr->cx->page, &p,
                       &len, err));
    if (n == 0) {
        return LS_OK;
    }
    if (cr->pl->max_rep > 0) {
        LS_TRY(ls__levels_v1(dh->repetition_level_encoding, p, len, (unsigned)cr->pl->max_rep,
                             cr->c->rep + cr->c->nlevels, n, &used, err));
        p += used;
        len -= used;
    }
    if (cr->pl->max_def > 0) {
        LS_TRY(ls__levels_v1(dh->definition_level_encoding, p, len, (unsigned)cr->pl->max_def,
                             cr->c->def + cr->c->nlevels, n, &used, err));
        p += used;
        len -= used;
    }
    return ls__page_finish(cr, n, dh->encoding, p, len, err);
}

static ls_err_t ls__data_v2(ls__cr_t *cr, const ls_pq_page_header_t *ph, const uint8_t *raw,
                            size_t csz, ls_error_t *err)
{
    if (!ph->has_data_page_header_v2) {
        return ls_error_set(err, LS_ERR_CORRUPT, "data page v2 without its header");
    }
    const ls_pq_data_page_header_v2_t *dh = &ph->data_page_header_v2;
    int64_t rl = dh->repetition_levels_byte_length, dl = dh->definition_levels_byte_length;
    if (rl < 0 || dl < 0 || (uint64_t)(rl + dl) > csz || rl + dl > ph->uncompressed_page_size) {
        return ls_error_set(err, LS_ERR_CORRUPT,
                            "level sections (%lld + %lld bytes) do not fit the page", (long long)rl,
                            (long long)dl);
    }
    LS_TRY(ls__check_count(cr, dh->num_values, err));
    size_t n = (size_t)dh->num_values;
    if (n == 0) {
        return LS_OK;
    }
    if (cr->pl->max_rep > 0) {
        LS_TRY(ls__levels_v2(raw, (size_t)rl, (unsigned)cr->pl->max_rep,
                             cr->c->rep + cr->c->nlevels, n, err));
    }
    if (cr->pl->max_def > 0) {
        LS_TRY(ls__levels_v2(raw + rl, (size_t)dl, (unsigned)cr->pl->max_def,
                             cr->c->def + cr->c->nlevels, n, err));
    }
    const uint8_t *p;
    size_t len = 0;
    bool compressed = dh->is_compressed && cr->md->codec != LS_PQ_CODEC_UNCOMPRESSED;
    LS_TRY(ls__inflate(cr, compressed, raw + rl + dl, csz - (size_t)(rl + dl),
                       (int64_t)ph->uncompressed_page_size - rl - dl, &cr->cx->page, &p, &len,
                       err));
    return ls__page_finish(cr, n, dh->encoding, p, len, err);
}

/* ------------------------------------------------------------ pages */

static ls_err_t ls__one_page(ls__cr_t *cr, const uint8_t *data, size_t left, size_t *consumed,
                             ls_error_t *err)
{
    ls_pq_page_header_t ph;
    size_t hl = 0;
    ls_arena_reset(cr->cx->page_arena);
    LS_TRY(ls_pq_page_header_decode(data, left, cr->cx->page_arena, &ph, &hl, err));
    if (ph.compressed_page_size < 0 || (size_t)ph.compressed_page_size > left - hl) {
        return ls_error_set(err, LS_ERR_CORRUPT,
                            "page of %d bytes extends past the column chunk (%zu bytes left)",
                            ph.compressed_page_size, left - hl);
    }
    if (ph.uncompressed_page_size < 0) {
        return ls_error_set(err, LS_ERR_CORRUPT, "page uncompressed size %d is negative",
                            ph.uncompressed_page_size);
    }
    const uint8_t *body = data + hl;
    size_t csz = (size_t)ph.compressed_page_size;
    *consumed = hl + csz;
    if (cr->cx->verify_crc && ph.has_crc) {
        uLong crc = crc32(0L, Z_NULL, 0);
        crc = crc32(crc, body, (uInt)csz);
        if ((uint32_t)crc != (uint32_t)ph.crc) {
            return ls_error_set(err, LS_ERR_CORRUPT, "CRC mismatch (page says %08x, data is %08x)",
                                (uint32_t)ph.crc, (uint32_t)crc);
        }
    }
    switch (ph.type) {
    case LS_PQ_PAGE_DICTIONARY: return ls__dict_page(cr, &ph, body, csz, err);
    case LS_PQ_PAGE_DATA: return ls__data_v1(cr, &ph, body, csz, err);
    case LS_PQ_PAGE_DATA_V2: return ls__data_v2(cr, &ph, body, csz, err);
    default: return LS_OK; /* index pages and unknown page types are skipped */
    }
}

/* Byte range of the chunk: the dictionary page may precede data_page_offset, or be
 * recorded as offset 0 by writers that meant "none". */
static ls_err_t ls__chunk_range(ls__cr_t *cr, uint64_t *start, uint64_t *len, ls_error_t *err)
{
    const ls_pq_column_meta_t *md = cr->md;
    int64_t s = md->data_page_offset, d = md->dictionary_page_offset;
    if (md->has_dictionary_page_offset && d >= 4 && (d < s || s < 4)) {
        s = d;
    }
    int64_t l = md->total_compressed_size;
    uint64_t end = cr->cx->data_end;
    if (s < 4 || (uint64_t)s >= end || l < 0 || (uint64_t)l > end - (uint64_t)s) {
        return ls_error_set(err, LS_ERR_CORRUPT,
                            "column chunk at offset %lld (%lld bytes) lies outside the data "
                            "(bytes 4 to %llu)",
                            (long long)s, (long long)l, (unsigned long long)end);
    }
    *start = (uint64_t)s;
    *len = (uint64_t)l;
    if (cr->cx->pad_chunks) {
        /* parquet-mr before 1.2.9 left the dictionary page header out of the size */
        uint64_t left = end - *start - *len;
        *len += left < LS__PQ_DICT_HEADER_PAD ? left : LS__PQ_DICT_HEADER_PAD;
    }
    return LS_OK;
}

static ls_err_t ls__chunk_meta(const ls_pq_column_chunk_t *cc, const ls__plan_t *pl,
                               ls_error_t *err)
{
    if (cc->is_encrypted) {
        return ls_error_set(err, LS_ERR_UNSUPPORTED, "encrypted Parquet files are not supported");
    }
    if (cc->file_path != NULL) {
        return ls_error_set(err, LS_ERR_UNSUPPORTED,
                            "column chunk stored in another file (%s) is not supported",
                            cc->file_path);
    }
    if (!cc->has_meta_data) {
        return ls_error_set(err, LS_ERR_CORRUPT, "column chunk has no metadata");
    }
    if (cc->meta_data.type != pl->phys) {
        return ls_error_set(err, LS_ERR_CORRUPT,
                            "column chunk type %s does not match the schema's %s",
                            ls_pq_type_name(cc->meta_data.type), ls_pq_type_name(pl->phys));
    }
    if (cc->meta_data.num_values < 0) {
        return ls_error_set(err, LS_ERR_CORRUPT, "column chunk has %lld values",
                            (long long)cc->meta_data.num_values);
    }
    return LS_OK;
}

static ls_err_t ls__chunk_pages(ls__cr_t *cr, ls_error_t *err)
{
    if (cr->md->num_values == 0) {
        return cr->num_rows == 0 ? LS_OK
                                 : ls_error_set(err, LS_ERR_CORRUPT,
                                                "column chunk is empty, the row group has %lld "
                                                "rows",
                                                (long long)cr->num_rows);
    }
    uint64_t start = 0, len = 0;
    LS_TRY(ls__chunk_range(cr, &start, &len, err));
    ls__chunk_ctx_t *cx = cr->cx;
    LS_TRY(ls__pqr_scratch_reserve(&cx->chunk, (size_t)len + 1, (size_t)cx->data_end + 1, err));
    LS_TRY(ls_source_read(cx->src, start, cx->chunk.p, (size_t)len, err));
    size_t pos = 0;
    while (pos < len && cr->levels < (uint64_t)cr->md->num_values) {
        size_t used = 0;
        ls_err_t rc = ls__one_page(cr, cx->chunk.p + pos, (size_t)len - pos, &used, err);
        if (rc != LS_OK) {
            return ls_error_prefix(err, "page %u (offset %llu): ", cr->page,
                                   (unsigned long long)(start + pos));
        }
        pos += used;
        cr->page++;
    }
    if (cr->levels != (uint64_t)cr->md->num_values) {
        return ls_error_set(err, LS_ERR_CORRUPT, "pages hold %llu values, the footer says %lld",
                            (unsigned long long)cr->levels, (long long)cr->md->num_values);
    }
    if (cr->rows != cr->num_rows) {
        return ls_error_set(err, LS_ERR_CORRUPT, "column holds %lld rows, the row group %lld",
                            (long long)cr->rows, (long long)cr->num_rows);
    }
    return LS_OK;
}

ls_err_t ls__pqr_chunk_read(ls__chunk_ctx_t *cx, const ls_pq_column_chunk_t *cc, uint32_t rg,
                            int64_t num_rows, const ls__plan_t *plan, ls_batch_t *b, ls_column_t *c,
                            ls_error_t *err)
{
    ls__cr_t cr = {
        .cx = cx, .pl = plan, .md = &cc->meta_data, .b = b, .c = c, .num_rows = num_rows};
    cx->dec.max = cx->page_max;
    ls_err_t rc = ls__chunk_meta(cc, plan, err);
    if (rc == LS_OK) {
        rc = ls__chunk_pages(&cr, err);
    }
    if (rc != LS_OK) {
        return ls_error_prefix(err, "%s: row group %u, column %s: ",
                               cx->src->name ? cx->src->name : "input", rg, plan->dotted);
    }
    return LS_OK;
}

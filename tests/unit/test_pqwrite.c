/*
 * test_pqwrite.c — the streaming Parquet writer end to end: files are written to memory
 * and taken apart again by a small independent decoder in this file (footer, page
 * headers, decompression, RLE levels, PLAIN and dictionary values), then compared with
 * the batches that went in. Covers every type with every codec, nested schemas (null vs
 * empty list vs null element, maps), dictionary fallback, row-group splitting by
 * compressed size, chunk and file statistics, footer contents, bad input and allocation
 * failures.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "lakesink/alloc.h"
#include "lakesink/codec.h"
#include "lakesink/columnar.h"
#include "lakesink/parquet.h"
#include "lakesink/schema.h"
#include "testutil.h"

/* ====================================================== test-side decoder */

typedef struct {
    const uint8_t *data;
    size_t len;
    ls_arena_t *arena;
    ls_pq_file_meta_t fm;
} tfile_t;

static void tfile_open(tfile_t *f, const uint8_t *data, size_t len)
{
    ls_error_t err;
    assert_true(len >= 12);
    assert_memory_equal(data, "PAR1", 4);
    assert_memory_equal(data + len - 4, "PAR1", 4);
    uint32_t flen;
    memcpy(&flen, data + len - 8, 4);
    assert_true(flen <= len - 12);
    f->data = data;
    f->len = len;
    f->arena = ls_arena_new(65536, 0);
    if (ls_pq_file_meta_decode(data + len - 8 - flen, flen, f->arena, &f->fm, &err) != LS_OK) {
        fail_msg("footer: %s", err.msg);
    }
}

static void tfile_close(tfile_t *f)
{
    ls_arena_free(f->arena);
}

static size_t t_rle(const uint8_t *p, size_t len, int bw, uint32_t *out, size_t count)
{
    size_t pos = 0, got = 0, vbytes = ((size_t)bw + 7) / 8;
    while (got < count) {
        uint64_t h = 0;
        int shift = 0;
        uint8_t b;
        do {
            assert_true(pos < len);
            b = p[pos++];
            h |= (uint64_t)(b & 0x7F) << shift;
            shift += 7;
        } while (b & 0x80);
        if (h & 1) {
            size_t nbytes = (size_t)(h >> 1) * (size_t)bw;
            assert_true(pos + nbytes <= len);
            for (size_t i = 0; i < (size_t)(h >> 1) * 8 && got < count; i++) {
                uint32_t v = 0;
                for (int k = 0; k < bw; k++) {
                    size_t bit = i * (size_t)bw + (size_t)k;
                    v |= (uint32_t)((p[pos + bit / 8] >> (bit % 8)) & 1) << k;
                }
                out[got++] = v;
            }
            pos += nbytes;
        } else {
            uint32_t v = 0;
            assert_true(pos + vbytes <= len);
            for (size_t k = 0; k < vbytes; k++) {
                v |= (uint32_t)p[pos + k] << (8 * k);
            }
            pos += vbytes;
            for (size_t i = 0; i < (size_t)(h >> 1) && got < count; i++) {
                out[got++] = v;
            }
        }
    }
    return pos;
}

static int t_bw(int max)
{
    int bw = 0;
    while (max) {
        bw++;
        max >>= 1;
    }
    return bw;
}

/* What decoding a chunk observed, for tests that look at pages. */
typedef struct {
    int dict_pages, dict_data_pages, plain_data_pages;
    int pages_not_at_row_start;
    uint32_t dict_entries;
    int index_bit_width; /* of the last dictionary-coded page */
} tchunk_info_t;

typedef struct {
    const uint8_t *p; /* PLAIN dictionary body (owned by the decode loop) */
    size_t len;
    uint32_t n;
    const uint8_t **ent;
    uint32_t *entlen;
} tdict_t;

/* Push one PLAIN value at *pos of @p body into column @p oc. */
static void t_push_plain(ls_batch_t *ob, ls_column_t *oc, const uint8_t *body, size_t len,
                         size_t *pos, size_t vi, int rep)
{
    const ls_leaf_t *lf = oc->leaf;
    if (lf->store == LS_COL_BOOL) {
        assert_true(vi / 8 < len - *pos);
        bool v = (body[*pos + vi / 8] >> (vi % 8)) & 1;
        assert_int_equal(ls_col_push_bool(ob, oc, v, rep), LS_OK);
        return;
    }
    if (lf->store == LS_COL_BYTES) {
        uint32_t l;
        assert_true(*pos + 4 <= len);
        memcpy(&l, body + *pos, 4);
        assert_true(l <= len - *pos - 4);
        assert_int_equal(ls_col_push_bytes(ob, oc, body + *pos + 4, l, rep), LS_OK);
        *pos += 4 + (size_t)l;
        return;
    }
    assert_true(*pos + lf->width <= len);
    if (lf->store == LS_COL_FIXED) {
        assert_int_equal(ls_col_push_bytes(ob, oc, body + *pos, lf->width, rep), LS_OK);
    } else {
        uint64_t raw = 0;
        memcpy(&raw, body + *pos, lf->width);
        switch (lf->store) {
        case LS_COL_I32: ls_col_push_i32(ob, oc, (int32_t)(uint32_t)raw, rep); break;
        case LS_COL_I64: ls_col_push_i64(ob, oc, (int64_t)raw, rep); break;
        case LS_COL_FLOAT: {
            float f;
            memcpy(&f, body + *pos, 4);
            ls_col_push_float(ob, oc, f, rep);
            break;
        }
        default: {
            double d;
            memcpy(&d, body + *pos, 8);
            ls_col_push_double(ob, oc, d, rep);
            break;
        }
        }
    }
    *pos += lf->width;
}

static void t_push_dict(ls_batch_t *ob, ls_column_t *oc, const tdict_t *d, uint32_t e, int rep)
{
    assert_true(e < d->n);
    size_t pos = 0;
    if (oc->leaf->store == LS_COL_BYTES) {
        assert_int_equal(ls_col_push_bytes(ob, oc, d->ent[e], d->entlen[e], rep), LS_OK);
        return;
    }
    t_push_plain(ob, oc, d->ent[e], d->entlen[e], &pos, 0, rep);
}

static void t_load_dict(tdict_t *d, const uint8_t *body, size_t len, uint32_t n,
                        const ls_leaf_t *lf, ls_arena_t *a)
{
    d->n = n;
    d->ent = ls_arena_calloc(a, n ? n : 1, sizeof(uint8_t *));
    d->entlen = ls_arena_calloc(a, n ? n : 1, sizeof(uint32_t));
    size_t pos = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (lf->store == LS_COL_BYTES) {
            uint32_t l;
            assert_true(pos + 4 <= len);
            memcpy(&l, body + pos, 4);
            assert_true(l <= len - pos - 4);
            d->ent[i] = body + pos + 4;
            d->entlen[i] = l;
            pos += 4 + (size_t)l;
        } else {
            assert_true(pos + lf->width <= len);
            d->ent[i] = body + pos;
            d->entlen[i] = lf->width;
            pos += lf->width;
        }
    }
    assert_int_equal(pos, len);
}

/* Decode one data page body into @p oc. */
static void t_data_page(ls_batch_t *ob, ls_column_t *oc, const ls_pq_data_page_header_t *dh,
                        const uint8_t *body, size_t len, const tdict_t *dict, tchunk_info_t *ci)
{
    const ls_leaf_t *lf = oc->leaf;
    size_t n = (size_t)dh->num_values, pos = 0;
    uint32_t *rep = ls_calloc(n + 1, sizeof(uint32_t));
    uint32_t *def = ls_calloc(n + 1, sizeof(uint32_t));
    uint32_t *idx = ls_calloc(n + 1, sizeof(uint32_t));
    assert_true(rep && def && idx);
    for (int which = 0; which < 2; which++) {
        int maxl = which == 0 ? lf->max_rep : lf->max_def;
        uint32_t *dst = which == 0 ? rep : def;
        if (maxl == 0) {
            continue;
        }
        uint32_t ll;
        assert_true(pos + 4 <= len);
        memcpy(&ll, body + pos, 4);
        assert_true(ll <= len - pos - 4);
        t_rle(body + pos + 4, ll, t_bw(maxl), dst, n);
        pos += 4 + (size_t)ll;
    }
    if (lf->max_rep > 0 && n > 0 && rep[0] != 0) {
        ci->pages_not_at_row_start++;
    }
    size_t present = 0;
    for (size_t i = 0; i < n; i++) {
        present += def[i] == (uint32_t)lf->max_def;
    }
    bool is_dict = dh->encoding == LS_PQ_ENC_RLE_DICTIONARY;
    if (is_dict) {
        assert_non_null(dict);
        assert_true(pos < len);
        ci->index_bit_width = body[pos];
        t_rle(body + pos + 1, len - pos - 1, body[pos], idx, present);
        ci->dict_data_pages++;
    } else {
        assert_int_equal(dh->encoding, LS_PQ_ENC_PLAIN);
        ci->plain_data_pages++;
    }
    size_t vi = 0;
    for (size_t i = 0; i < n; i++) {
        int r = (int)rep[i], d = (int)def[i];
        if (d < lf->max_def) {
            assert_int_equal(ls_col_push_null(ob, oc, d, r), LS_OK);
        } else if (is_dict) {
            t_push_dict(ob, oc, dict, idx[vi++], r);
        } else {
            t_push_plain(ob, oc, body, len, &pos, vi++, r);
        }
    }
    ls_free(rep);
    ls_free(def);
    ls_free(idx);
}

/* Decode column chunk @p ci of row group @p rg into column @p oc of @p ob. */
static void t_chunk(tfile_t *f, uint32_t rg, uint32_t ci, ls_batch_t *ob, ls_column_t *oc,
                    tchunk_info_t *info)
{
    const ls_pq_column_meta_t *m = &f->fm.row_groups[rg].columns[ci].meta_data;
    ls_codec_ctx_t *cx = ls_codec_ctx_new();
    ls_arena_t *a = ls_arena_new(65536, 0);
    ls_error_t err;
    int64_t start = m->has_dictionary_page_offset ? m->dictionary_page_offset : m->data_page_offset;
    assert_true(start >= 4 && start + m->total_compressed_size <= (int64_t)f->len);
    size_t pos = (size_t)start, end = pos + (size_t)m->total_compressed_size;
    int64_t levels = 0, uncomp = 0;
    tdict_t dict = {0};
    bool have_dict = false;
    while (pos < end) {
        ls_pq_page_header_t ph;
        size_t used = 0;
        if (ls_pq_page_header_decode(f->data + pos, end - pos, a, &ph, &used, &err) != LS_OK) {
            fail_msg("page header: %s", err.msg);
        }
        const uint8_t *z = f->data + pos + used;
        assert_true((size_t)ph.compressed_page_size <= end - pos - used);
        uint8_t *body = ls_arena_alloc(a, (size_t)ph.uncompressed_page_size + 1);
        if (m->codec == LS_PQ_CODEC_UNCOMPRESSED) {
            assert_int_equal(ph.compressed_page_size, ph.uncompressed_page_size);
            memcpy(body, z, (size_t)ph.uncompressed_page_size);
        } else if (ls_codec_decompress(cx, m->codec, z, (size_t)ph.compressed_page_size, body,
                                       (size_t)ph.uncompressed_page_size, &err) != LS_OK) {
            fail_msg("decompress: %s", err.msg);
        }
        uncomp += (int64_t)used + ph.uncompressed_page_size;
        if (ph.type == LS_PQ_PAGE_DICTIONARY) {
            assert_false(have_dict); /* one dictionary, first */
            assert_int_equal(levels, 0);
            assert_int_equal(pos, (size_t)m->dictionary_page_offset);
            assert_int_equal(ph.dictionary_page_header.encoding, LS_PQ_ENC_PLAIN);
            t_load_dict(&dict, body, (size_t)ph.uncompressed_page_size,
                        (uint32_t)ph.dictionary_page_header.num_values, oc->leaf, a);
            have_dict = true;
            info->dict_pages++;
            info->dict_entries = dict.n;
        } else {
            assert_int_equal(ph.type, LS_PQ_PAGE_DATA);
            assert_true(ph.has_data_page_header);
            if (levels == 0) {
                assert_int_equal(pos, (size_t)m->data_page_offset);
            }
            t_data_page(ob, oc, &ph.data_page_header, body, (size_t)ph.uncompressed_page_size,
                        have_dict ? &dict : NULL, info);
            levels += ph.data_page_header.num_values;
        }
        pos += used + (size_t)ph.compressed_page_size;
    }
    assert_int_equal(pos, end);
    assert_int_equal(levels, m->num_values);
    assert_int_equal(uncomp, m->total_uncompressed_size);
    ls_arena_free(a);
    ls_codec_ctx_free(cx);
}

/* Decode the whole file into a new batch on @p l; checks the footer's bookkeeping. */
static ls_batch_t *t_read_all(const uint8_t *data, size_t len, const ls_layout_t *l,
                              tchunk_info_t *infos)
{
    tfile_t f;
    tfile_open(&f, data, len);
    assert_int_equal(f.fm.num_column_orders, l->nleaves);
    ls_batch_t *ob = ls_batch_new(l, 0);
    int64_t rows = 0;
    int64_t next = 4;
    for (uint32_t rg = 0; rg < f.fm.num_row_groups; rg++) {
        const ls_pq_row_group_t *g = &f.fm.row_groups[rg];
        assert_int_equal(g->num_columns, l->nleaves);
        assert_true(g->num_rows > 0);
        int64_t comp = 0;
        for (uint32_t c = 0; c < g->num_columns; c++) {
            const ls_pq_column_meta_t *m = &g->columns[c].meta_data;
            int64_t first = m->has_dictionary_page_offset ? m->dictionary_page_offset
                                                          : m->data_page_offset;
            assert_int_equal(first, next); /* chunks are contiguous, in column order */
            next = first + m->total_compressed_size;
            comp += m->total_compressed_size;
            assert_int_equal(m->path_len, l->leaves[c].path_len);
            for (uint32_t k = 0; k < m->path_len; k++) {
                assert_string_equal(m->path_in_schema[k], l->leaves[c].path[k]);
            }
            t_chunk(&f, rg, c, ob, &ob->cols[c], infos ? &infos[c] : &(tchunk_info_t){0});
        }
        if (g->has_total_compressed_size) {
            assert_int_equal(g->total_compressed_size, comp);
        }
        rows += g->num_rows;
    }
    assert_int_equal(rows, f.fm.num_rows);
    ob->nrows = (size_t)rows;
    tfile_close(&f);
    return ob;
}

/* ============================================================ generators */

typedef struct {
    uint64_t rng;
    int null_pct;
    int max_items;
    uint32_t pool; /* 0 = any value; else values come from this many distinct ones */
} gen_t;

static uint64_t rnd(gen_t *g, uint64_t n)
{
    return n ? ls_test_rand(&g->rng) % n : 0;
}

/* A value pick: either free, or one of g->pool seeds. */
static uint64_t pick(gen_t *g)
{
    uint64_t x = ls_test_rand(&g->rng);
    if (g->pool) {
        uint64_t s = x % g->pool;
        return s * 0x9E3779B97F4A7C15ull ^ (s << 7);
    }
    return x;
}

static ls_err_t gen_leaf(gen_t *g, ls_batch_t *b, const ls_node_t *n, int rep)
{
    ls_column_t *c = &b->cols[n->leaf];
    uint64_t x = pick(g);
    switch (n->type->kind) {
    case LS_TYPE_STRING:
    case LS_TYPE_BINARY: {
        uint8_t buf[40];
        size_t len = x % 24;
        for (size_t i = 0; i < len; i++) {
            uint8_t ch = (uint8_t)(x >> (i % 8 * 8)) + (uint8_t)i;
            buf[i] = n->type->kind == LS_TYPE_STRING ? (uint8_t)('a' + ch % 26) : ch;
        }
        return ls_col_push_bytes(b, c, buf, len, rep);
    }
    case LS_TYPE_BOOLEAN: return ls_col_push_bool(b, c, x & 1, rep);
    case LS_TYPE_BYTE: return ls_col_push_i32(b, c, (int8_t)x, rep);
    case LS_TYPE_SHORT: return ls_col_push_i32(b, c, (int16_t)x, rep);
    case LS_TYPE_INTEGER:
    case LS_TYPE_DATE: return ls_col_push_i32(b, c, (int32_t)x, rep);
    case LS_TYPE_FLOAT: {
        static const float sp[] = {NAN, -0.0f, 0.0f, INFINITY, -INFINITY};
        float f = x % 10 == 0 ? sp[(x >> 8) % 5] : (float)((int64_t)x % 100000) / 7.0f;
        return ls_col_push_float(b, c, f, rep);
    }
    case LS_TYPE_DOUBLE: {
        static const double sp[] = {NAN, -0.0, 0.0, INFINITY, -INFINITY};
        double d = x % 10 == 0 ? sp[(x >> 8) % 5] : (double)(int64_t)x / 3.0;
        return ls_col_push_double(b, c, d, rep);
    }
    case LS_TYPE_DECIMAL:
        if (c->leaf->store == LS_COL_I32) {
            return ls_col_push_i32(b, c, (int32_t)((int64_t)x % 1000000000), rep);
        }
        if (c->leaf->store == LS_COL_I64) {
            return ls_col_push_i64(b, c, (int64_t)x % 1000000000000000000ll, rep);
        }
        /* wider decimals are FIXED bytes, like uuid and fixed */
        /* fall through */
    case LS_TYPE_UUID:
    case LS_TYPE_FIXED: {
        uint8_t buf[32];
        for (uint32_t i = 0; i < c->leaf->width; i++) {
            buf[i] = (uint8_t)(x >> (i % 8 * 8)) ^ (uint8_t)(i * 37);
        }
        return ls_col_push_bytes(b, c, buf, c->leaf->width, rep);
    }
    default: return ls_col_push_i64(b, c, (int64_t)x, rep);
    }
}

static ls_err_t gen_node(gen_t *g, ls_batch_t *b, const ls_node_t *n, int rep)
{
    if (n->nullable && (int)rnd(g, 100) < g->null_pct) {
        return ls_batch_push_absent(b, n, n->def - 1, rep);
    }
    switch (n->type->kind) {
    case LS_TYPE_STRUCT:
        for (uint32_t i = 0; i < n->nchildren; i++) {
            LS_TRY(gen_node(g, b, n->children[i], rep));
        }
        return LS_OK;
    case LS_TYPE_ARRAY:
    case LS_TYPE_MAP: {
        size_t items = rnd(g, (uint64_t)g->max_items + 1);
        if (items == 0) {
            return ls_batch_push_absent(b, n, n->def, rep);
        }
        for (size_t k = 0; k < items; k++) {
            int r = k == 0 ? rep : n->entry_rep;
            for (uint32_t i = 0; i < n->nchildren; i++) {
                LS_TRY(gen_node(g, b, n->children[i], r));
            }
        }
        return LS_OK;
    }
    default: return gen_leaf(g, b, n, rep);
    }
}

static void gen_rows(gen_t *g, ls_batch_t *b, size_t rows)
{
    for (size_t i = 0; i < rows; i++) {
        ls_batch_row_begin(b);
        for (uint32_t f = 0; f < b->layout->root->nchildren; f++) {
            assert_int_equal(gen_node(g, b, b->layout->root->children[f], 0), LS_OK);
        }
        ls_batch_row_commit(b);
    }
}

static void add_field(ls_type_t *st, const char *name, ls_type_t *t, bool nullable)
{
    assert_non_null(t);
    assert_int_equal(ls_type_struct_add(st, name, t, nullable), LS_OK);
}

/* Every writable primitive, nullable, plus the same few required. */
static ls_type_t *all_types_schema(void)
{
    ls_type_t *s = ls_type_new_struct();
    add_field(s, "str", ls_type_new(LS_TYPE_STRING), true);
    add_field(s, "bin", ls_type_new(LS_TYPE_BINARY), true);
    add_field(s, "bool", ls_type_new(LS_TYPE_BOOLEAN), true);
    add_field(s, "byte", ls_type_new(LS_TYPE_BYTE), true);
    add_field(s, "short", ls_type_new(LS_TYPE_SHORT), true);
    add_field(s, "int", ls_type_new(LS_TYPE_INTEGER), true);
    add_field(s, "long", ls_type_new(LS_TYPE_LONG), true);
    add_field(s, "float", ls_type_new(LS_TYPE_FLOAT), true);
    add_field(s, "double", ls_type_new(LS_TYPE_DOUBLE), true);
    add_field(s, "dec9", ls_type_new_decimal(9, 2), true);
    add_field(s, "dec18", ls_type_new_decimal(18, 4), true);
    add_field(s, "dec38", ls_type_new_decimal(38, 6), true);
    add_field(s, "dec20", ls_type_new_decimal(20, 0), true);
    add_field(s, "date", ls_type_new(LS_TYPE_DATE), true);
    add_field(s, "ts", ls_type_new(LS_TYPE_TIMESTAMP), true);
    add_field(s, "ntz", ls_type_new(LS_TYPE_TIMESTAMP_NTZ), true);
    add_field(s, "u64", ls_type_new(LS_TYPE_UINT64), true);
    add_field(s, "time", ls_type_new(LS_TYPE_TIME), true);
    add_field(s, "uuid", ls_type_new(LS_TYPE_UUID), true);
    add_field(s, "fixed", ls_type_new_fixed(5), true);
    add_field(s, "rlong", ls_type_new(LS_TYPE_LONG), false);
    add_field(s, "rstr", ls_type_new(LS_TYPE_STRING), false);
    add_field(s, "rbool", ls_type_new(LS_TYPE_BOOLEAN), false);
    return s;
}

/* Nested shapes: struct, list of structs, list of lists, maps, nullable everything. */
static ls_type_t *nested_schema(void)
{
    ls_type_t *s = ls_type_new_struct();
    ls_type_t *st = ls_type_new_struct();
    add_field(st, "x", ls_type_new(LS_TYPE_INTEGER), true);
    add_field(st, "y", ls_type_new(LS_TYPE_STRING), false);
    add_field(s, "st", st, true);
    add_field(s, "ids", ls_type_new_array(ls_type_new(LS_TYPE_LONG), true), true);
    ls_type_t *el = ls_type_new_struct();
    add_field(el, "k", ls_type_new(LS_TYPE_STRING), true);
    add_field(el, "v", ls_type_new(LS_TYPE_DOUBLE), true);
    add_field(s, "items", ls_type_new_array(el, false), true);
    add_field(s, "grid",
              ls_type_new_array(ls_type_new_array(ls_type_new(LS_TYPE_SHORT), true), true),
              false);
    add_field(s, "tags",
              ls_type_new_map(ls_type_new(LS_TYPE_STRING), ls_type_new(LS_TYPE_LONG), true),
              true);
    add_field(s, "mm",
              ls_type_new_map(ls_type_new(LS_TYPE_INTEGER),
                              ls_type_new_array(ls_type_new(LS_TYPE_BOOLEAN), true), false),
              true);
    return s;
}

/* ================================================================ helpers */

typedef struct {
    ls_buf_t file;
    uint64_t size;
} tout_t;

static ls_pq_writer_t *t_writer(const ls_layout_t *l, const ls_pq_writer_opts_t *o, tout_t *out)
{
    ls_error_t err;
    ls_buf_init(&out->file, LS_BUF_UNLIMITED);
    ls_pq_writer_t *w = ls_pq_writer_new(l, o, ls_sink_buf(&out->file), &err);
    if (w == NULL) {
        fail_msg("writer_new: %s", err.msg);
    }
    return w;
}

/* Write @p b in slices of @p slice rows, close, and check the size reported. */
static void t_write_close(ls_pq_writer_t *w, const ls_batch_t *b, size_t slice, tout_t *out)
{
    ls_error_t err;
    size_t pos = 0;
    if (slice >= b->nrows && ls_pq_writer_write(w, b, &err) != LS_OK) {
        fail_msg("write: %s", err.msg);
    }
    while (slice < b->nrows && pos < b->nrows) {
        size_t n = slice < b->nrows - pos ? slice : b->nrows - pos;
        ls_batch_t *part = ls_batch_new(b->layout, 0);
        assert_int_equal(ls_batch_append_rows(part, b, pos, n), LS_OK);
        if (ls_pq_writer_write(w, part, &err) != LS_OK) {
            fail_msg("write: %s", err.msg);
        }
        ls_batch_free(part);
        pos += n;
    }
    assert_int_equal(ls_pq_writer_rows(w), (int64_t)b->nrows);
    if (ls_pq_writer_close(w, &out->size, &err) != LS_OK) {
        fail_msg("close: %s", err.msg);
    }
    assert_int_equal(out->size, out->file.len);
}

static void t_expect_equal(const ls_batch_t *a, const ls_batch_t *b, const char *what)
{
    char why[256] = "";
    if (!ls_batch_equal(a, b, why, sizeof(why))) {
        fail_msg("%s: %s", what, why);
    }
}

/* Write @p b with @p o, read it back, compare; returns the decoded chunk infos if asked. */
static void t_roundtrip(const ls_batch_t *b, const ls_pq_writer_opts_t *o, size_t slice,
                        tchunk_info_t *infos, const char *what)
{
    tout_t out;
    ls_pq_writer_t *w = t_writer(b->layout, o, &out);
    t_write_close(w, b, slice, &out);
    ls_pq_writer_free(w);
    ls_batch_t *back = t_read_all(out.file.data, out.file.len, b->layout, infos);
    t_expect_equal(b, back, what);
    ls_batch_free(back);
    ls_buf_free(&out.file);
}

/* ================================================================== tests */

static void test_every_type_every_codec(void **state)
{
    (void)state;
    ls_type_t *s = all_types_schema();
    ls_error_t err;
    ls_layout_t *l = ls_layout_new(s, &err);
    assert_non_null(l);
    static const ls_pq_codec_t codecs[] = {LS_PQ_CODEC_UNCOMPRESSED, LS_PQ_CODEC_SNAPPY,
                                           LS_PQ_CODEC_GZIP,         LS_PQ_CODEC_BROTLI,
                                           LS_PQ_CODEC_LZ4,          LS_PQ_CODEC_ZSTD,
                                           LS_PQ_CODEC_LZ4_RAW};
    for (size_t ci = 0; ci < sizeof(codecs) / sizeof(codecs[0]); ci++) {
        if (!ls_codec_can_compress(codecs[ci])) {
            continue;
        }
        for (int variant = 0; variant < 3; variant++) {
            gen_t g = {.rng = 7 + ci * 3 + (uint64_t)variant, .null_pct = 20, .max_items = 3,
                       .pool = variant == 1 ? 12 : 0};
            ls_batch_t *b = ls_batch_new(l, 0);
            gen_rows(&g, b, 3000);
            ls_pq_writer_opts_t o;
            ls_pq_writer_opts_init(&o);
            o.codec = codecs[ci];
            o.page_bytes = variant == 2 ? 700 : 1u << 20;
            o.dictionary = variant != 2;
            char what[64];
            snprintf(what, sizeof(what), "codec %s variant %d", ls_pq_codec_name(codecs[ci]),
                     variant);
            t_roundtrip(b, &o, 1000, NULL, what);
            ls_batch_free(b);
        }
    }
    ls_layout_free(l);
    ls_type_free(s);
}

static void test_nested_random(void **state)
{
    (void)state;
    ls_type_t *s = nested_schema();
    ls_error_t err;
    ls_layout_t *l = ls_layout_new(s, &err);
    assert_non_null(l);
    for (int seed = 1; seed <= 12; seed++) {
        gen_t g = {.rng = (uint64_t)seed * 1000003, .null_pct = 25, .max_items = seed % 4 + 1,
                   .pool = seed % 2 ? 5 : 0};
        ls_batch_t *b = ls_batch_new(l, 0);
        gen_rows(&g, b, 500 + (size_t)seed * 100);
        ls_pq_writer_opts_t o;
        ls_pq_writer_opts_init(&o);
        o.page_bytes = seed % 3 == 0 ? 128 : 4096;
        o.row_group_bytes = seed % 4 == 0 ? 2048 : 1u << 20;
        o.codec = seed % 2 ? LS_PQ_CODEC_ZSTD : LS_PQ_CODEC_SNAPPY;
        tchunk_info_t infos[16];
        memset(infos, 0, sizeof(infos));
        assert_true(l->nleaves <= 16);
        t_roundtrip(b, &o, 97, infos, "nested");
        for (size_t c = 0; c < l->nleaves; c++) {
            assert_int_equal(infos[c].pages_not_at_row_start, 0);
        }
        ls_batch_free(b);
    }
    ls_layout_free(l);
    ls_type_free(s);
}

/* Null list, empty list, list with a null element: only the levels tell them apart. */
static void test_null_empty_list(void **state)
{
    (void)state;
    ls_type_t *s = ls_type_new_struct();
    add_field(s, "a", ls_type_new_array(ls_type_new(LS_TYPE_INTEGER), true), true);
    ls_error_t err;
    ls_layout_t *l = ls_layout_new(s, &err);
    const ls_node_t *a = l->root->children[0], *e = a->children[0];
    assert_int_equal(l->leaves[0].max_def, 3);
    assert_int_equal(l->leaves[0].max_rep, 1);
    ls_batch_t *b = ls_batch_new(l, 0);
    ls_column_t *c = &b->cols[0];
    /* row 0: null list */
    ls_batch_row_begin(b);
    assert_int_equal(ls_batch_push_absent(b, a, a->def - 1, 0), LS_OK);
    ls_batch_row_commit(b);
    /* row 1: empty list */
    ls_batch_row_begin(b);
    assert_int_equal(ls_batch_push_absent(b, a, a->def, 0), LS_OK);
    ls_batch_row_commit(b);
    /* row 2: [null] */
    ls_batch_row_begin(b);
    assert_int_equal(ls_batch_push_absent(b, e, e->def - 1, 0), LS_OK);
    ls_batch_row_commit(b);
    /* row 3: [1, null, 3] */
    ls_batch_row_begin(b);
    assert_int_equal(ls_col_push_i32(b, c, 1, 0), LS_OK);
    assert_int_equal(ls_batch_push_absent(b, e, e->def - 1, 1), LS_OK);
    assert_int_equal(ls_col_push_i32(b, c, 3, 1), LS_OK);
    ls_batch_row_commit(b);
    const uint8_t want_def[] = {0, 1, 2, 3, 2, 3}, want_rep[] = {0, 0, 0, 0, 1, 1};
    assert_int_equal(c->nlevels, 6);
    assert_memory_equal(c->def, want_def, 6);
    assert_memory_equal(c->rep, want_rep, 6);

    for (int dict = 0; dict < 2; dict++) {
        ls_pq_writer_opts_t o;
        ls_pq_writer_opts_init(&o);
        o.dictionary = dict;
        tout_t out;
        ls_pq_writer_t *w = t_writer(l, &o, &out);
        t_write_close(w, b, 10, &out);
        const ls_pq_leaf_stats_t *st = ls_pq_writer_leaf_stats(w, 0);
        assert_int_equal(st->num_values, 6);
        assert_int_equal(st->null_count, 4);
        assert_true(st->has_min && st->min.i32 == 1 && st->max.i32 == 3);
        ls_pq_writer_free(w);
        ls_batch_t *back = t_read_all(out.file.data, out.file.len, l, NULL);
        t_expect_equal(b, back, "null/empty list");
        ls_batch_free(back);
        ls_buf_free(&out.file);
    }
    ls_batch_free(b);
    ls_layout_free(l);
    ls_type_free(s);
}

static ls_layout_t *one_column(ls_type_t *t, bool nullable, ls_type_t **schema)
{
    ls_type_t *s = ls_type_new_struct();
    add_field(s, "c", t, nullable);
    ls_error_t err;
    ls_layout_t *l = ls_layout_new(s, &err);
    assert_non_null(l);
    *schema = s;
    return l;
}

static void push_str(ls_batch_t *b, const char *v)
{
    ls_batch_row_begin(b);
    if (v == NULL) {
        assert_int_equal(ls_col_push_null(b, &b->cols[0], 0, 0), LS_OK);
    } else {
        assert_int_equal(ls_col_push_bytes(b, &b->cols[0], v, strlen(v), 0), LS_OK);
    }
    ls_batch_row_commit(b);
}

static void test_dictionary_low_cardinality(void **state)
{
    (void)state;
    ls_type_t *s;
    ls_layout_t *l = one_column(ls_type_new(LS_TYPE_STRING), true, &s);
    ls_batch_t *b = ls_batch_new(l, 0);
    static const char *words[] = {"red", "green", "blue", NULL, "\xe2\x82\xac"};
    for (int i = 0; i < 20000; i++) {
        push_str(b, words[i % 5]);
    }
    ls_pq_writer_opts_t o;
    ls_pq_writer_opts_init(&o);
    o.page_bytes = 2048;
    tchunk_info_t info = {0};
    t_roundtrip(b, &o, 20000, &info, "low cardinality");
    assert_int_equal(info.dict_pages, 1);
    assert_int_equal(info.dict_entries, 4);
    assert_true(info.dict_data_pages > 1);
    assert_int_equal(info.plain_data_pages, 0);
    assert_int_equal(info.index_bit_width, 2);

    /* the footer lists every encoding and the page counts */
    tout_t out;
    ls_pq_writer_t *w = t_writer(l, &o, &out);
    t_write_close(w, b, 5000, &out);
    ls_pq_writer_free(w);
    tfile_t f;
    tfile_open(&f, out.file.data, out.file.len);
    const ls_pq_column_meta_t *m = &f.fm.row_groups[0].columns[0].meta_data;
    assert_int_equal(m->num_encodings, 3);
    assert_int_equal(m->encodings[0], LS_PQ_ENC_PLAIN);
    assert_int_equal(m->encodings[1], LS_PQ_ENC_RLE);
    assert_int_equal(m->encodings[2], LS_PQ_ENC_RLE_DICTIONARY);
    assert_true(m->has_dictionary_page_offset);
    assert_true(m->dictionary_page_offset < m->data_page_offset);
    assert_true(m->statistics.has_null_count);
    assert_int_equal(m->statistics.null_count, 4000);
    assert_int_equal(m->statistics.min_value_len, 4);
    assert_memory_equal(m->statistics.min_value, "blue", 4);
    assert_int_equal(m->statistics.max_value_len, 3);
    assert_memory_equal(m->statistics.max_value, "\xe2\x82\xac", 3);
    assert_true(m->num_encoding_stats >= 2);
    tfile_close(&f);
    ls_buf_free(&out.file);
    ls_batch_free(b);
    ls_layout_free(l);
    ls_type_free(s);
}

static ls_batch_t *long_batch(const ls_layout_t *l, int64_t n, int64_t (*f)(int64_t), int nulls)
{
    ls_batch_t *b = ls_batch_new(l, 0);
    for (int64_t i = 0; i < n; i++) {
        ls_batch_row_begin(b);
        if (nulls && i % nulls == 0) {
            ls_col_push_null(b, &b->cols[0], 0, 0);
        } else {
            ls_col_push_i64(b, &b->cols[0], f(i), 0);
        }
        ls_batch_row_commit(b);
    }
    return b;
}

static int64_t f_unique(int64_t i)
{
    return i * 1000003;
}

static int64_t f_few_then_many(int64_t i)
{
    return i < 20000 ? i % 10 : i;
}

static int64_t f_three(int64_t i)
{
    return i % 3;
}

/* Unique values: the distinct-ratio probe gives up within the first page. */
static void test_dictionary_unique(void **state)
{
    (void)state;
    ls_type_t *s;
    ls_layout_t *l = one_column(ls_type_new(LS_TYPE_LONG), true, &s);
    ls_batch_t *b = long_batch(l, 30000, f_unique, 0);
    ls_pq_writer_opts_t o;
    ls_pq_writer_opts_init(&o);
    tchunk_info_t info = {0};
    t_roundtrip(b, &o, 30000, &info, "unique");
    assert_int_equal(info.dict_pages, 0);
    assert_int_equal(info.dict_data_pages, 0);
    assert_true(info.plain_data_pages >= 1);
    /* a dictionary too small for even one value: PLAIN from the start */
    ls_batch_free(b);
    b = long_batch(l, 100, f_three, 0);
    o.dictionary_max_bytes = 7;
    memset(&info, 0, sizeof(info));
    t_roundtrip(b, &o, 100, &info, "tiny dictionary");
    assert_int_equal(info.dict_pages, 0);
    ls_batch_free(b);
    ls_layout_free(l);
    ls_type_free(s);
}

/* Few values first, then new ones past the dictionary cap: the dictionary pages stay,
 * the rest of the chunk is PLAIN. */
static void test_dictionary_fallback(void **state)
{
    (void)state;
    ls_type_t *s;
    ls_layout_t *l = one_column(ls_type_new(LS_TYPE_LONG), true, &s);
    ls_batch_t *b = long_batch(l, 40000, f_few_then_many, 17);
    ls_pq_writer_opts_t o;
    ls_pq_writer_opts_init(&o);
    o.page_bytes = 4096;
    o.dictionary_max_bytes = 4096;
    tchunk_info_t info = {0};
    t_roundtrip(b, &o, 3333, &info, "fallback");
    assert_int_equal(info.dict_pages, 1);
    assert_int_equal(info.dict_entries, 512); /* 4096 bytes of int64 */
    assert_true(info.dict_data_pages > 1);
    assert_true(info.plain_data_pages > 1);

    tout_t out;
    ls_pq_writer_t *w = t_writer(l, &o, &out);
    t_write_close(w, b, 40000, &out);
    const ls_pq_leaf_stats_t *st = ls_pq_writer_leaf_stats(w, 0);
    assert_true(st->has_min && st->min.i64 == 0 && st->max.i64 == 39999);
    assert_int_equal(st->null_count, (40000 + 16) / 17);
    ls_pq_writer_free(w);
    tfile_t f;
    tfile_open(&f, out.file.data, out.file.len);
    const ls_pq_column_meta_t *m = &f.fm.row_groups[0].columns[0].meta_data;
    assert_int_equal(m->num_encodings, 3);
    int64_t mn, mx;
    memcpy(&mn, m->statistics.min_value, 8);
    memcpy(&mx, m->statistics.max_value, 8);
    assert_int_equal(mn, 0);
    assert_int_equal(mx, 39999);
    tfile_close(&f);
    ls_buf_free(&out.file);
    ls_batch_free(b);
    ls_layout_free(l);
    ls_type_free(s);
}

/* Fetch column 0's chunk statistics of row group 0. */
static const ls_pq_stats_t *chunk_stats(tfile_t *f, uint32_t col)
{
    const ls_pq_column_meta_t *m = &f->fm.row_groups[0].columns[col].meta_data;
    assert_true(m->has_statistics);
    return &m->statistics;
}

static uint8_t stat_decs[4][16];

/* Four rows whose extremes exercise every order (see check_footer_stats). */
static ls_batch_t *stats_batch(ls_layout_t **lo, ls_type_t **so)
{
    ls_type_t *s = ls_type_new_struct();
    add_field(s, "s", ls_type_new(LS_TYPE_STRING), true);
    add_field(s, "d", ls_type_new(LS_TYPE_DOUBLE), true);
    add_field(s, "f", ls_type_new(LS_TYPE_FLOAT), true);
    add_field(s, "dec", ls_type_new_decimal(38, 2), true);
    add_field(s, "b", ls_type_new(LS_TYPE_BOOLEAN), true);
    add_field(s, "nul", ls_type_new(LS_TYPE_INTEGER), true);
    add_field(s, "u", ls_type_new(LS_TYPE_UINT64), true);
    ls_error_t err;
    ls_layout_t *l = ls_layout_new(s, &err);
    ls_batch_t *b = ls_batch_new(l, 0);
    static const char *strs[] = {"zebra", "\xc3\xa4pfel", "apple", "Zulu"};
    static const double ds[] = {NAN, 0.0, 2.5, -0.0};
    memset(stat_decs, 0, sizeof(stat_decs));
    stat_decs[0][15] = 5;             /* 5 */
    memset(stat_decs[1], 0xFF, 16);   /* -1 */
    stat_decs[2][0] = 0x7F;           /* large positive */
    memset(stat_decs[3], 0xFF, 16);
    stat_decs[3][15] = 0xF0;          /* -16 */
    for (int i = 0; i < 4; i++) {
        ls_batch_row_begin(b);
        ls_col_push_bytes(b, &b->cols[0], strs[i], strlen(strs[i]), 0);
        ls_col_push_double(b, &b->cols[1], ds[i], 0);
        ls_col_push_float(b, &b->cols[2], NAN, 0);
        ls_col_push_bytes(b, &b->cols[3], stat_decs[i], 16, 0);
        ls_col_push_bool(b, &b->cols[4], i == 2, 0);
        ls_col_push_null(b, &b->cols[5], 0, 0);
        ls_col_push_i64(b, &b->cols[6], i == 1 ? -1 : i, 0); /* UINT64_MAX */
        ls_batch_row_commit(b);
    }
    *lo = l;
    *so = s;
    return b;
}

static void check_footer_stats(tfile_t *f)
{
    const ls_pq_stats_t *st = chunk_stats(f, 0);
    assert_int_equal(st->min_value_len, 4);
    assert_memory_equal(st->min_value, "Zulu", 4);
    assert_memory_equal(st->max_value, "\xc3\xa4pfel", 6);
    assert_false(st->has_nan_count); /* only float columns count NaNs */
    st = chunk_stats(f, 1);
    /* a NaN in the chunk: no bounds at all (readers misread bounds next to NaN), the count */
    assert_false(st->has_min_value || st->has_max_value);
    assert_true(st->has_nan_count);
    assert_int_equal(st->nan_count, 1);
    st = chunk_stats(f, 2);
    assert_false(st->has_min_value || st->has_max_value);
    assert_true(st->has_nan_count);
    assert_int_equal(st->nan_count, 4);
    assert_int_equal(st->null_count, 0);
    st = chunk_stats(f, 3);
    assert_memory_equal(st->min_value, stat_decs[3], 16);
    assert_memory_equal(st->max_value, stat_decs[2], 16);
    st = chunk_stats(f, 4);
    assert_int_equal(st->min_value_len, 1);
    assert_int_equal(st->min_value[0], 0);
    assert_int_equal(st->max_value[0], 1);
    st = chunk_stats(f, 5);
    assert_true(st->has_null_count);
    assert_int_equal(st->null_count, 4);
    assert_false(st->has_min_value);
    st = chunk_stats(f, 6);
    uint64_t umn, umx;
    memcpy(&umn, st->min_value, 8);
    memcpy(&umx, st->max_value, 8);
    assert_int_equal(umn, 0);
    assert_true(umx == UINT64_MAX);
}

static void check_leaf_stats(const ls_pq_writer_t *w)
{
    const ls_pq_leaf_stats_t *ls = ls_pq_writer_leaf_stats(w, 0);
    assert_int_equal(ls->min_len, 4);
    assert_memory_equal(ls->min_bytes, "Zulu", 4);
    ls = ls_pq_writer_leaf_stats(w, 1);
    assert_int_equal(ls->nan_count, 1);
    assert_true(ls->has_min && signbit(ls->min.f64));
    ls = ls_pq_writer_leaf_stats(w, 2);
    assert_false(ls->has_min || ls->has_max);
    assert_int_equal(ls->nan_count, 4);
    ls = ls_pq_writer_leaf_stats(w, 4);
    assert_true(ls->has_min && !ls->min.b && ls->max.b);
    ls = ls_pq_writer_leaf_stats(w, 5);
    assert_int_equal(ls->null_count, 4);
    assert_int_equal(ls->num_values, 4);
    assert_false(ls->has_min);
    assert_null(ls_pq_writer_leaf_stats(w, 7));
}

static void test_stats_in_footer(void **state)
{
    (void)state;
    ls_layout_t *l;
    ls_type_t *s;
    ls_batch_t *b = stats_batch(&l, &s);
    for (int dict = 0; dict < 2; dict++) {
        ls_pq_writer_opts_t o;
        ls_pq_writer_opts_init(&o);
        o.dictionary = dict;
        tout_t out;
        ls_pq_writer_t *w = t_writer(l, &o, &out);
        t_write_close(w, b, 4, &out);
        tfile_t f;
        tfile_open(&f, out.file.data, out.file.len);
        check_footer_stats(&f);
        tfile_close(&f);
        check_leaf_stats(w);
        ls_pq_writer_free(w);
        ls_buf_free(&out.file);
    }
    ls_batch_free(b);
    ls_layout_free(l);
    ls_type_free(s);
}

/* statistics off: null counts only */
static void test_stats_off(void **state)
{
    (void)state;
    ls_layout_t *l;
    ls_type_t *s;
    ls_batch_t *b = stats_batch(&l, &s);
    ls_pq_writer_opts_t o;
    ls_pq_writer_opts_init(&o);
    o.statistics = false;
    tout_t out;
    ls_pq_writer_t *w = t_writer(l, &o, &out);
    t_write_close(w, b, 4, &out);
    assert_false(ls_pq_writer_leaf_stats(w, 0)->has_min);
    assert_int_equal(ls_pq_writer_leaf_stats(w, 5)->null_count, 4);
    ls_pq_writer_free(w);
    tfile_t f;
    tfile_open(&f, out.file.data, out.file.len);
    for (uint32_t c = 0; c < 7; c++) {
        assert_true(chunk_stats(&f, c)->has_null_count);
        assert_false(chunk_stats(&f, c)->has_min_value);
    }
    assert_int_equal(chunk_stats(&f, 5)->null_count, 4);
    tfile_close(&f);
    ls_buf_free(&out.file);
    ls_batch_free(b);
    ls_layout_free(l);
    ls_type_free(s);
}

static void test_row_group_split(void **state)
{
    (void)state;
    ls_type_t *s = ls_type_new_struct();
    add_field(s, "id", ls_type_new(LS_TYPE_LONG), false);
    add_field(s, "name", ls_type_new(LS_TYPE_STRING), true);
    add_field(s, "score", ls_type_new(LS_TYPE_DOUBLE), true);
    ls_error_t err;
    ls_layout_t *l = ls_layout_new(s, &err);
    gen_t g = {.rng = 99, .null_pct = 10, .max_items = 2, .pool = 0};
    ls_batch_t *b = ls_batch_new(l, 0);
    gen_rows(&g, b, 60000);
    ls_pq_writer_opts_t o;
    ls_pq_writer_opts_init(&o);
    o.row_group_bytes = 64 * 1024;
    o.page_bytes = 8 * 1024;
    o.codec = LS_PQ_CODEC_ZSTD;
    tout_t out;
    ls_pq_writer_t *w = t_writer(l, &o, &out);
    /* the estimate covers buffered data before anything is written */
    ls_batch_t *part = ls_batch_new(l, 0);
    assert_int_equal(ls_batch_append_rows(part, b, 0, 100), LS_OK);
    assert_int_equal(ls_pq_writer_write(w, part, &err), LS_OK);
    assert_int_equal(out.file.len, 4);
    assert_true(ls_pq_writer_size_estimate(w) > 4);
    ls_batch_free(part);
    ls_batch_t *rest = ls_batch_new(l, 0);
    assert_int_equal(ls_batch_append_rows(rest, b, 100, b->nrows - 100), LS_OK);
    assert_int_equal(ls_pq_writer_write(w, rest, &err), LS_OK);
    ls_batch_free(rest);
    assert_true(out.file.len > 4); /* row groups went out while writing */
    assert_int_equal(ls_pq_writer_close(w, &out.size, &err), LS_OK);
    ls_pq_writer_free(w);
    tfile_t f;
    tfile_open(&f, out.file.data, out.file.len);
    assert_true(f.fm.num_row_groups >= 8);
    int64_t rows = 0;
    for (uint32_t i = 0; i < f.fm.num_row_groups; i++) {
        const ls_pq_row_group_t *rg = &f.fm.row_groups[i];
        rows += rg->num_rows;
        assert_true(rg->has_ordinal && rg->ordinal == (int16_t)i);
        if (i + 1 < f.fm.num_row_groups) {
            /* compressed size lands near the target: not double, not half */
            assert_true(rg->total_compressed_size >= 64 * 1024 * 6 / 10);
            assert_true(rg->total_compressed_size <= 64 * 1024 * 15 / 10);
        }
    }
    assert_int_equal(rows, 60000);
    tfile_close(&f);
    ls_batch_t *back = t_read_all(out.file.data, out.file.len, l, NULL);
    t_expect_equal(b, back, "row groups");
    ls_batch_free(back);
    ls_buf_free(&out.file);

    ls_batch_free(b);
    ls_layout_free(l);
    ls_type_free(s);
}

/* A 1-byte target makes one row per row group; explicit flushes cut row groups too. */
static void test_row_group_flush(void **state)
{
    (void)state;
    ls_type_t *s;
    ls_layout_t *l = one_column(ls_type_new(LS_TYPE_LONG), true, &s);
    ls_batch_t *small = long_batch(l, 5, f_three, 0);
    ls_error_t err;
    ls_pq_writer_opts_t o;
    ls_pq_writer_opts_init(&o);
    o.row_group_bytes = 1;
    tout_t out;
    ls_pq_writer_t *w = t_writer(l, &o, &out);
    assert_int_equal(ls_pq_writer_flush_row_group(w, &err), LS_OK); /* empty: no-op */
    t_write_close(w, small, 5, &out);
    ls_pq_writer_free(w);
    tfile_t f;
    tfile_open(&f, out.file.data, out.file.len);
    assert_int_equal(f.fm.num_row_groups, 5);
    tfile_close(&f);
    ls_buf_free(&out.file);

    o.row_group_bytes = 1u << 30;
    w = t_writer(l, &o, &out);
    assert_int_equal(ls_pq_writer_write(w, small, &err), LS_OK);
    assert_int_equal(ls_pq_writer_flush_row_group(w, &err), LS_OK);
    assert_int_equal(ls_pq_writer_flush_row_group(w, &err), LS_OK);
    assert_int_equal(ls_pq_writer_write(w, small, &err), LS_OK);
    assert_int_equal(ls_pq_writer_close(w, NULL, &err), LS_OK);
    ls_pq_writer_free(w);
    tfile_open(&f, out.file.data, out.file.len);
    assert_int_equal(f.fm.num_row_groups, 2);
    assert_int_equal(f.fm.num_rows, 10);
    tfile_close(&f);
    ls_buf_free(&out.file);
    ls_batch_free(small);
    ls_layout_free(l);
    ls_type_free(s);
}

static void test_footer_fields(void **state)
{
    (void)state;
    ls_type_t *s;
    ls_layout_t *l = one_column(ls_type_new(LS_TYPE_STRING), false, &s);
    ls_pq_writer_opts_t o;
    ls_pq_writer_opts_init(&o);
    assert_int_equal(o.codec, LS_PQ_CODEC_ZSTD);
    assert_int_equal(o.row_group_bytes, 128u << 20);
    assert_int_equal(o.page_bytes, 1u << 20);
    assert_true(o.dictionary && o.statistics);
    char key[] = "origin", val[] = "unit test";
    ls_pq_kv_t kv[2] = {{key, val}, {"novalue", NULL}};
    o.kv = kv;
    o.num_kv = 2;
    tout_t out;
    ls_pq_writer_t *w = t_writer(l, &o, &out);
    key[0] = 'X'; /* the writer copied them */
    val[0] = 'X';
    uint64_t size = 0;
    ls_error_t err;
    /* no rows at all: a valid empty file */
    assert_int_equal(ls_pq_writer_close(w, &size, &err), LS_OK);
    assert_int_equal(size, out.file.len);
    assert_int_equal(ls_pq_writer_close(w, &size, &err), LS_ERR_STATE);
    ls_pq_writer_free(w);
    tfile_t f;
    tfile_open(&f, out.file.data, out.file.len);
    assert_int_equal(f.fm.num_rows, 0);
    assert_int_equal(f.fm.num_row_groups, 0);
    assert_int_equal(f.fm.num_column_orders, 1);
    assert_string_equal(f.fm.created_by, "lakesink version " LS_VERSION);
    assert_int_equal(f.fm.num_kv, 2);
    assert_string_equal(f.fm.kv[0].key, "origin");
    assert_string_equal(f.fm.kv[0].value, "unit test");
    assert_string_equal(f.fm.kv[1].key, "novalue");
    assert_null(f.fm.kv[1].value);
    assert_int_equal(f.fm.num_schema, 2);
    assert_string_equal(f.fm.schema[0].name, "schema");
    assert_string_equal(f.fm.schema[1].name, "c");
    assert_int_equal(f.fm.schema[1].repetition, LS_PQ_REQUIRED);
    tfile_close(&f);
    ls_buf_free(&out.file);

    o.created_by = "custom writer 1.0";
    o.kv = NULL;
    o.num_kv = 0;
    w = t_writer(l, &o, &out);
    assert_int_equal(ls_pq_writer_close(w, NULL, &err), LS_OK);
    ls_pq_writer_free(w);
    tfile_open(&f, out.file.data, out.file.len);
    assert_string_equal(f.fm.created_by, "custom writer 1.0");
    tfile_close(&f);
    ls_buf_free(&out.file);
    ls_layout_free(l);
    ls_type_free(s);
}

static ls_err_t failing_write(void *ctx, const void *data, size_t len, ls_error_t *err)
{
    (void)data;
    int *budget = ctx;
    if ((size_t)*budget < len) {
        return ls_error_set(err, LS_ERR_IO, "disk full");
    }
    *budget -= (int)len;
    return LS_OK;
}

static void test_bad_options(void **state)
{
    (void)state;
    ls_type_t *s;
    ls_layout_t *l = one_column(ls_type_new(LS_TYPE_LONG), true, &s);
    ls_error_t err;
    ls_pq_writer_opts_t o;
    ls_pq_writer_opts_init(&o);
    ls_buf_t file;
    ls_buf_init(&file, LS_BUF_UNLIMITED);
    o.page_bytes = 0;
    assert_null(ls_pq_writer_new(l, &o, ls_sink_buf(&file), &err));
    assert_int_equal(err.code, LS_ERR_INVALID_ARG);
    o.page_bytes = 4096;
    o.codec = LS_PQ_CODEC_LZO;
    assert_null(ls_pq_writer_new(l, &o, ls_sink_buf(&file), &err));
    assert_int_equal(err.code, LS_ERR_UNSUPPORTED);
    o.codec = LS_PQ_CODEC_ZSTD;
    ls_pq_kv_t kv = {NULL, "v"};
    o.kv = &kv;
    o.num_kv = 1;
    assert_null(ls_pq_writer_new(l, &o, ls_sink_buf(&file), &err));
    assert_int_equal(err.code, LS_ERR_INVALID_ARG);
    assert_int_equal(file.len, 0);
    ls_pq_writer_free(NULL);
    ls_layout_free(l);
    ls_type_free(s);
}

/* A batch whose levels disagree with its values is refused; the file stays usable. */
static void test_bad_batches(void **state)
{
    (void)state;
    ls_type_t *s;
    ls_layout_t *l = one_column(ls_type_new(LS_TYPE_LONG), true, &s);
    ls_error_t err;
    ls_pq_writer_opts_t o;
    ls_pq_writer_opts_init(&o);
    tout_t out;
    ls_pq_writer_t *w = t_writer(l, &o, &out);
    ls_batch_t *b = long_batch(l, 1, f_three, 0);
    b->cols[0].nvalues = 0;
    assert_int_equal(ls_pq_writer_write(w, b, &err), LS_ERR_INVALID_ARG);
    assert_non_null(strstr(err.msg, "'c'"));
    b->cols[0].nvalues = 1;
    b->nrows = 2;
    assert_int_equal(ls_pq_writer_write(w, b, &err), LS_ERR_INVALID_ARG);
    b->nrows = 1;
    b->cols[0].def[0] = 7;
    assert_int_equal(ls_pq_writer_write(w, b, &err), LS_ERR_INVALID_ARG);
    b->cols[0].def[0] = 1;
    assert_int_equal(ls_pq_writer_write(w, b, &err), LS_OK);
    ls_type_t *s2;
    ls_layout_t *l2 = one_column(ls_type_new(LS_TYPE_STRING), true, &s2);
    ls_batch_t *b2 = ls_batch_new(l2, 0);
    assert_int_equal(ls_pq_writer_write(w, b2, &err), LS_ERR_SCHEMA);
    ls_batch_free(b2);
    ls_layout_free(l2);
    ls_type_free(s2);
    assert_int_equal(ls_pq_writer_close(w, NULL, &err), LS_OK);
    assert_int_equal(ls_pq_writer_write(w, b, &err), LS_ERR_STATE);
    ls_pq_writer_free(w);
    ls_batch_t *back = t_read_all(out.file.data, out.file.len, l, NULL);
    t_expect_equal(b, back, "after refused batches");
    ls_batch_free(back);
    ls_buf_free(&out.file);
    ls_batch_free(b);
    ls_layout_free(l);
    ls_type_free(s);
}

/* A sink that fails: the error comes back and the writer refuses to go on. */
static void test_failing_sink(void **state)
{
    (void)state;
    ls_type_t *s;
    ls_layout_t *l = one_column(ls_type_new(LS_TYPE_LONG), true, &s);
    ls_batch_t *b = long_batch(l, 10, f_three, 0);
    ls_error_t err;
    ls_pq_writer_opts_t o;
    ls_pq_writer_opts_init(&o);
    int budget = 4;
    ls_sink_t bad = {failing_write, &budget};
    ls_pq_writer_t *w = ls_pq_writer_new(l, &o, bad, &err);
    assert_non_null(w);
    assert_int_equal(ls_pq_writer_write(w, b, &err), LS_OK);
    assert_int_equal(ls_pq_writer_close(w, NULL, &err), LS_ERR_IO);
    assert_non_null(strstr(err.msg, "disk full"));
    assert_int_equal(ls_pq_writer_write(w, b, &err), LS_ERR_STATE);
    assert_int_equal(ls_pq_writer_close(w, NULL, &err), LS_ERR_STATE);
    ls_pq_writer_free(w);
    budget = 0;
    assert_null(ls_pq_writer_new(l, &o, bad, &err));
    assert_int_equal(err.code, LS_ERR_IO);
    ls_batch_free(b);
    ls_layout_free(l);
    ls_type_free(s);
}

/* Every allocation the writer makes may fail: it must report LS_ERR_NOMEM, not crash. */
static void test_alloc_failures(void **state)
{
    (void)state;
    ls_type_t *s = nested_schema();
    ls_error_t err;
    ls_layout_t *l = ls_layout_new(s, &err);
    gen_t g = {.rng = 5, .null_pct = 20, .max_items = 3, .pool = 4};
    ls_batch_t *b = ls_batch_new(l, 0);
    gen_rows(&g, b, 300);
    ls_pq_writer_opts_t o;
    ls_pq_writer_opts_init(&o);
    o.page_bytes = 512;
    o.row_group_bytes = 4096;
    int failures = 0;
    for (long n = 0; n < 2000; n++) {
        ls_buf_t file;
        ls_buf_init(&file, LS_BUF_UNLIMITED);
        ls_alloc_fail_after(n, 0);
        ls_pq_writer_t *w = ls_pq_writer_new(l, &o, ls_sink_buf(&file), &err);
        ls_err_t rc = w ? ls_pq_writer_write(w, b, &err) : err.code;
        if (rc == LS_OK) {
            rc = ls_pq_writer_close(w, NULL, &err);
        }
        ls_alloc_fail_after(-1, 0);
        ls_pq_writer_free(w);
        ls_buf_free(&file);
        if (rc == LS_OK) {
            break; /* the injected failure landed past the writer's last allocation */
        }
        assert_int_equal(rc, LS_ERR_NOMEM);
        failures++;
    }
    assert_true(failures > 20);
    ls_batch_free(b);
    ls_layout_free(l);
    ls_type_free(s);
}

/* A string column of nothing but empty strings has no byte buffer at all. */
static void test_empty_strings(void **state)
{
    (void)state;
    ls_type_t *s;
    ls_layout_t *l = one_column(ls_type_new(LS_TYPE_STRING), true, &s);
    for (int dict = 0; dict < 2; dict++) {
        ls_batch_t *b = ls_batch_new(l, 0);
        for (int i = 0; i < 50; i++) {
            push_str(b, i % 7 == 3 ? NULL : "");
        }
        assert_null(b->cols[0].bytes);
        ls_pq_writer_opts_t o;
        ls_pq_writer_opts_init(&o);
        o.dictionary = dict;
        tout_t out;
        ls_pq_writer_t *w = t_writer(l, &o, &out);
        t_write_close(w, b, 50, &out);
        const ls_pq_leaf_stats_t *st = ls_pq_writer_leaf_stats(w, 0);
        assert_true(st->has_min && st->min_len == 0 && st->max_len == 0);
        assert_int_equal(st->null_count, 7);
        ls_pq_writer_free(w);
        ls_batch_t *back = t_read_all(out.file.data, out.file.len, l, NULL);
        /* compared by hand: ls_batch_equal/ls_col_bytes offset a NULL byte buffer */
        const ls_column_t *x = &b->cols[0], *y = &back->cols[0];
        assert_int_equal(y->nlevels, x->nlevels);
        assert_int_equal(y->nvalues, x->nvalues);
        assert_memory_equal(y->def, x->def, x->nlevels);
        for (size_t i = 0; i <= y->nvalues; i++) {
            assert_int_equal(y->offsets[i], 0);
        }
        ls_batch_free(back);
        ls_buf_free(&out.file);
        ls_batch_free(b);
    }
    ls_layout_free(l);
    ls_type_free(s);
}

/* Pages of a repeated column always start a row, even with tiny pages. */
static void test_pages_start_rows(void **state)
{
    (void)state;
    ls_type_t *s;
    ls_layout_t *l =
        one_column(ls_type_new_array(ls_type_new(LS_TYPE_INTEGER), false), false, &s);
    ls_batch_t *b = ls_batch_new(l, 0);
    for (int r = 0; r < 400; r++) {
        ls_batch_row_begin(b);
        int items = r % 7 == 0 ? 300 : r % 5;
        if (items == 0) {
            ls_batch_push_absent(b, l->root->children[0], l->root->children[0]->def, 0);
        }
        for (int k = 0; k < items; k++) {
            ls_col_push_i32(b, &b->cols[0], r * 1000 + k, k == 0 ? 0 : 1);
        }
        ls_batch_row_commit(b);
    }
    ls_pq_writer_opts_t o;
    ls_pq_writer_opts_init(&o);
    o.page_bytes = 64;
    tchunk_info_t info = {0};
    t_roundtrip(b, &o, 33, &info, "row-aligned pages");
    assert_true(info.dict_data_pages + info.plain_data_pages > 50);
    assert_int_equal(info.pages_not_at_row_start, 0);
    ls_batch_free(b);
    ls_layout_free(l);
    ls_type_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_type_every_codec),
        cmocka_unit_test(test_nested_random),
        cmocka_unit_test(test_null_empty_list),
        cmocka_unit_test(test_dictionary_low_cardinality),
        cmocka_unit_test(test_dictionary_unique),
        cmocka_unit_test(test_dictionary_fallback),
        cmocka_unit_test(test_stats_in_footer),
        cmocka_unit_test(test_stats_off),
        cmocka_unit_test(test_row_group_split),
        cmocka_unit_test(test_row_group_flush),
        cmocka_unit_test(test_footer_fields),
        cmocka_unit_test(test_bad_options),
        cmocka_unit_test(test_bad_batches),
        cmocka_unit_test(test_failing_sink),
        cmocka_unit_test(test_alloc_failures),
        cmocka_unit_test(test_pages_start_rows),
        cmocka_unit_test(test_empty_strings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

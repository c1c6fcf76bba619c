/*
 * parquet_meta_page.c — PageHeader with DataPageHeader, DictionaryPageHeader and
 * DataPageHeaderV2, both directions.
 *
 * Responsible for: the header bytes in front of every page, and rejecting sizes and
 * counts that no valid page has (negative values, unknown page types) so the page
 * decoder can trust them as non-negative. Not responsible for: checking sizes against
 * the column chunk or decoding the page body.
 */
#include <string.h>

#include "parquet_meta_int.h"

/* ---- decode ---- */

static void data_page_field(ls__pq_dec_t *d, void *obj, const ls_thrift_field_t *f, uint64_t *seen)
{
    ls_pq_data_page_header_t *dp = obj;
    ls_thrift_reader_t *r = &d->r;
    if (f->id == 5) {
        if (ls__pq_want(d, f, LS_THRIFT_STRUCT, seen)) {
            ls__pq_dec_stats(d, &dp->statistics);
            dp->has_statistics = true;
        }
    } else if (f->id >= 1 && f->id <= 4) {
        if (!ls__pq_want(d, f, LS_THRIFT_I32, seen)) {
            return;
        }
        int32_t v = ls_thrift_read_i32(r);
        switch (f->id) {
        case 1: ls__pq_nonneg(d, v, "num_values"), dp->num_values = v; break;
        case 2: dp->encoding = (ls_pq_encoding_t)v; break;
        case 3: dp->definition_level_encoding = (ls_pq_encoding_t)v; break;
        default: dp->repetition_level_encoding = (ls_pq_encoding_t)v; break;
        }
    } else {
        ls_thrift_skip_field(r, f);
    }
}

static const char *const data_page_fields[] = {
    NULL,
    "num_values",
    "encoding",
    "definition_level_encoding",
    "repetition_level_encoding",
    "statistics",
};
static const ls__pq_struct_desc_t data_page_desc = {
    "DataPageHeader",
    data_page_fields,
    6,
    LS__PQ_BIT(1) | LS__PQ_BIT(2) | LS__PQ_BIT(3) | LS__PQ_BIT(4),
    data_page_field,
};

static void dict_page_field(ls__pq_dec_t *d, void *obj, const ls_thrift_field_t *f, uint64_t *seen)
{
    ls_pq_dict_page_header_t *dp = obj;
    ls_thrift_reader_t *r = &d->r;
    if (f->id == 1 || f->id == 2) {
        if (ls__pq_want(d, f, LS_THRIFT_I32, seen)) {
            int32_t v = ls_thrift_read_i32(r);
            if (f->id == 1) {
                ls__pq_nonneg(d, v, "num_values");
                dp->num_values = v;
            } else {
                dp->encoding = (ls_pq_encoding_t)v;
            }
        }
    } else if (f->id == 3) {
        if (ls__pq_want(d, f, LS_THRIFT_BOOL, seen)) {
            dp->has_is_sorted = true;
            dp->is_sorted = f->bool_value;
        }
    } else {
        ls_thrift_skip_field(r, f);
    }
}

static const char *const dict_page_fields[] = {NULL, "num_values", "encoding", "is_sorted"};
static const ls__pq_struct_desc_t dict_page_desc = {
    "DictionaryPageHeader", dict_page_fields, 4, LS__PQ_BIT(1) | LS__PQ_BIT(2), dict_page_field,
};

static void v2_field(ls__pq_dec_t *d, void *obj, const ls_thrift_field_t *f, uint64_t *seen)
{
    ls_pq_data_page_header_v2_t *dp = obj;
    ls_thrift_reader_t *r = &d->r;
    if (f->id == 7) {
        if (ls__pq_want(d, f, LS_THRIFT_BOOL, seen)) {
            dp->is_compressed = f->bool_value;
        }
    } else if (f->id == 8) {
        if (ls__pq_want(d, f, LS_THRIFT_STRUCT, seen)) {
            ls__pq_dec_stats(d, &dp->statistics);
            dp->has_statistics = true;
        }
    } else if (f->id >= 1 && f->id <= 6) {
        if (!ls__pq_want(d, f, LS_THRIFT_I32, seen)) {
            return;
        }
        int32_t v = ls_thrift_read_i32(r);
        if (f->id != 4) {
            ls__pq_nonneg(d, v, "count or length");
        }
        switch (f->id) {
        case 1: dp->num_values = v; break;
        case 2: dp->num_nulls = v; break;
        case 3: dp->num_rows = v; break;
        case 4: dp->encoding = (ls_pq_encoding_t)v; break;
        case 5: dp->definition_levels_byte_length = v; break;
        default: dp->repetition_levels_byte_length = v; break;
        }
    } else {
        ls_thrift_skip_field(r, f);
    }
}

static const char *const v2_fields[] = {
    NULL,
    "num_values",
    "num_nulls",
    "num_rows",
    "encoding",
    "definition_levels_byte_length",
    "repetition_levels_byte_length",
    "is_compressed",
    "statistics",
};
static const ls__pq_struct_desc_t v2_desc = {
    "DataPageHeaderV2",
    v2_fields,
    9,
    LS__PQ_BIT(1) | LS__PQ_BIT(2) | LS__PQ_BIT(3) | LS__PQ_BIT(4) | LS__PQ_BIT(5) | LS__PQ_BIT(6),
    v2_field,
};

static void page_field(ls__pq_dec_t *d, void *obj, const ls_thrift_field_t *f, uint64_t *seen)
{
    ls_pq_page_header_t *ph = obj;
    ls_thrift_reader_t *r = &d->r;
    if (f->id >= 1 && f->id <= 4) {
        if (!ls__pq_want(d, f, LS_THRIFT_I32, seen)) {
            return;
        }
        int32_t v = ls_thrift_read_i32(r);
        switch (f->id) {
        case 1:
            ls__pq_range(d, v, LS_PQ_PAGE_DATA, LS_PQ_PAGE_DATA_V2, "page type");
            ph->type = (ls_pq_page_type_t)v;
            break;
        case 2: ls__pq_nonneg(d, v, "page size"), ph->uncompressed_page_size = v; break;
        case 3: ls__pq_nonneg(d, v, "page size"), ph->compressed_page_size = v; break;
        default: ph->has_crc = true, ph->crc = v; break;
        }
    } else if (f->id == 5 || f->id == 7 || f->id == 8) {
        if (!ls__pq_want(d, f, LS_THRIFT_STRUCT, seen)) {
            return;
        }
        if (f->id == 5) {
            ls__pq_dec_struct(d, &data_page_desc, &ph->data_page_header);
            ph->has_data_page_header = true;
        } else if (f->id == 7) {
            ls__pq_dec_struct(d, &dict_page_desc, &ph->dictionary_page_header);
            ph->has_dictionary_page_header = true;
        } else {
            ph->data_page_header_v2.is_compressed = true; /* the IDL default */
            ls__pq_dec_struct(d, &v2_desc, &ph->data_page_header_v2);
            ph->has_data_page_header_v2 = true;
        }
    } else {
        ls_thrift_skip_field(r, f);
    }
}

static const char *const page_fields[] = {
    NULL,
    "type",
    "uncompressed_page_size",
    "compressed_page_size",
    "crc",
    "data_page_header",
    "index_page_header",
    "dictionary_page_header",
    "data_page_header_v2",
};
static const ls__pq_struct_desc_t page_desc = {
    "PageHeader", page_fields, 9, LS__PQ_BIT(1) | LS__PQ_BIT(2) | LS__PQ_BIT(3), page_field,
};

ls_err_t ls_pq_page_header_decode(const uint8_t *data, size_t len, ls_arena_t *arena,
                                  ls_pq_page_header_t *out, size_t *consumed, ls_error_t *err)
{
    memset(out, 0, sizeof(*out));
    if (consumed != NULL) {
        *consumed = 0;
    }
    if (arena == NULL) {
        return ls_error_set(err, LS_ERR_INVALID_ARG, "PageHeader: no arena to decode into");
    }
    ls__pq_dec_t d;
    ls_thrift_reader_init(&d.r, data, len, err);
    d.arena = arena;
    ls__pq_dec_struct(&d, &page_desc, out);
    ls_err_t rc = ls__pq_dec_finish(&d, "PageHeader");
    if (rc != LS_OK) {
        memset(out, 0, sizeof(*out));
        return rc;
    }
    if (consumed != NULL) {
        *consumed = ls_thrift_reader_offset(&d.r);
    }
    return LS_OK;
}

/* ---- encode ---- */

static void enc_data_page(ls__pq_enc_t *e, const ls_pq_data_page_header_t *dp)
{
    ls_thrift_writer_t *w = &e->w;
    ls_thrift_write_field(w, LS_THRIFT_STRUCT, 5);
    ls_thrift_write_struct_begin(w);
    ls_thrift_write_i32_field(w, 1, dp->num_values);
    ls_thrift_write_i32_field(w, 2, (int32_t)dp->encoding);
    ls_thrift_write_i32_field(w, 3, (int32_t)dp->definition_level_encoding);
    ls_thrift_write_i32_field(w, 4, (int32_t)dp->repetition_level_encoding);
    if (dp->has_statistics) {
        ls__pq_enc_stats(e, 5, &dp->statistics);
    }
    ls_thrift_write_struct_end(w);
}

static void enc_dict_page(ls__pq_enc_t *e, const ls_pq_dict_page_header_t *dp)
{
    ls_thrift_writer_t *w = &e->w;
    ls_thrift_write_field(w, LS_THRIFT_STRUCT, 7);
    ls_thrift_write_struct_begin(w);
    ls_thrift_write_i32_field(w, 1, dp->num_values);
    ls_thrift_write_i32_field(w, 2, (int32_t)dp->encoding);
    if (dp->has_is_sorted) {
        ls_thrift_write_bool_field(w, 3, dp->is_sorted);
    }
    ls_thrift_write_struct_end(w);
}

static void enc_v2_page(ls__pq_enc_t *e, const ls_pq_data_page_header_v2_t *dp)
{
    ls_thrift_writer_t *w = &e->w;
    ls_thrift_write_field(w, LS_THRIFT_STRUCT, 8);
    ls_thrift_write_struct_begin(w);
    ls_thrift_write_i32_field(w, 1, dp->num_values);
    ls_thrift_write_i32_field(w, 2, dp->num_nulls);
    ls_thrift_write_i32_field(w, 3, dp->num_rows);
    ls_thrift_write_i32_field(w, 4, (int32_t)dp->encoding);
    ls_thrift_write_i32_field(w, 5, dp->definition_levels_byte_length);
    ls_thrift_write_i32_field(w, 6, dp->repetition_levels_byte_length);
    if (!dp->is_compressed) { /* true is the default: written only when false */
        ls_thrift_write_bool_field(w, 7, false);
    }
    if (dp->has_statistics) {
        ls__pq_enc_stats(e, 8, &dp->statistics);
    }
    ls_thrift_write_struct_end(w);
}

ls_err_t ls_pq_page_header_encode(const ls_pq_page_header_t *ph, ls_buf_t *out, ls_error_t *err)
{
    ls__pq_enc_t e;
    memset(&e, 0, sizeof(e));
    ls_thrift_writer_init(&e.w, out);
    e.err = err;
    size_t start = out->len;
    ls_thrift_writer_t *w = &e.w;
    ls_thrift_write_struct_begin(w);
    ls_thrift_write_i32_field(w, 1, (int32_t)ph->type);
    ls_thrift_write_i32_field(w, 2, ph->uncompressed_page_size);
    ls_thrift_write_i32_field(w, 3, ph->compressed_page_size);
    if (ph->has_crc) {
        ls_thrift_write_i32_field(w, 4, ph->crc);
    }
    if (ph->has_data_page_header) {
        enc_data_page(&e, &ph->data_page_header);
    }
    if (ph->has_dictionary_page_header) {
        enc_dict_page(&e, &ph->dictionary_page_header);
    }
    if (ph->has_data_page_header_v2) {
        enc_v2_page(&e, &ph->data_page_header_v2);
    }
    ls_thrift_write_struct_end(w);
    return ls__pq_enc_finish(&e, out, start, "PageHeader");
}

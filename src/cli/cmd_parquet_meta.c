/*
 * cmd_parquet_meta.c — `lakesink parquet meta`: the footer of a Parquet file as text or
 * JSON: file facts, key/value metadata, and per row group and column chunk the path,
 * types, encodings, codec, sizes, offsets and statistics (min/max made readable by
 * stat_value.c).
 *
 * Not responsible for: decoding the footer (the Parquet reader does, and validates it)
 * or reading any page.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "lakesink/alloc.h"
#include "lakesink/parquet.h"
#include "stat_value.h"

/* Text mode shows key/value metadata values up to this many bytes. */
#define LS__KV_PREVIEW 80

static const ls_cli_opt_t ls__meta_opts[] = {
    {"json", LS_CLI_FLAG, NULL, "print one JSON document instead of text", 0, 0},
};

static const ls_cli_cmd_t ls__meta_cmd = {
    "parquet meta",
    "FILE",
    "Print the footer of a Parquet file: created_by, rows, row groups and, for every column\n"
    "chunk, its path, physical and logical type, encodings, codec, compressed and\n"
    "uncompressed sizes, value count, page offsets and statistics (null count, min and max\n"
    "written as readable values for the column's type).",
    ls__meta_opts,
    1,
    1,
    1};

typedef struct ls_meta_s {
    const ls_pq_file_meta_t *fm;
    const ls_pq_schema_el_t **leaves; /* leaf schema elements in column order */
    uint32_t nleaves;
    bool json;
} ls_meta_t;

static ls_err_t ls__str(ls_buf_t *o, const char *s)
{
    return s ? ls_json_append_string(o, s, strlen(s)) : ls_buf_append_str(o, "null");
}

/* "a.b.c" of a column chunk, JSON-quoted when @p quoted. */
static ls_err_t ls__path(const ls_pq_column_meta_t *cm, bool quoted, ls_buf_t *o)
{
    ls_buf_t tmp;
    ls_buf_init(&tmp, 1 << 20);
    ls_err_t rc = LS_OK;
    for (uint32_t i = 0; i < cm->path_len && rc == LS_OK; i++) {
        const char *part = cm->path_in_schema[i] ? cm->path_in_schema[i] : "";
        rc = ls_buf_printf(&tmp, "%s%s", i > 0 ? "." : "", part);
    }
    if (rc == LS_OK && quoted) {
        rc = ls_json_append_string(o, tmp.data ? (const char *)tmp.data : "", tmp.len);
    } else if (rc == LS_OK && tmp.len > 0) {
        rc = ls_buf_append(o, tmp.data, tmp.len);
    }
    ls_buf_free(&tmp);
    return rc;
}

static ls_err_t ls__encodings(const ls_pq_column_meta_t *cm, bool json, ls_buf_t *o)
{
    LS_TRY(ls_buf_append_str(o, json ? "[" : ""));
    for (uint32_t i = 0; i < cm->num_encodings; i++) {
        const char *name = ls_pq_encoding_name(cm->encodings[i]);
        LS_TRY(ls_buf_printf(o, json ? "%s\"%s\"" : "%s%s", i > 0 ? "," : "", name));
    }
    return ls_buf_append_str(o, json ? "]" : "");
}

/* Logical (else converted) annotation of a leaf, or NULL. */
static const char *ls__annotation(const ls_pq_schema_el_t *el, char *buf, size_t n)
{
    if (el == NULL) {
        return NULL;
    }
    if (el->logical.kind != LS_PQ_LT_NONE) {
        ls_cli_logical_describe(&el->logical, buf, n);
        return buf;
    }
    return el->has_converted_type ? ls_pq_converted_name(el->converted_type) : NULL;
}

/* min and max of @p st as JSON values: min_value/max_value, else the legacy fields. */
static ls_err_t ls__minmax(const ls_pq_stats_t *st, const ls_pq_schema_el_t *el, ls_pq_type_t t,
                           bool json, ls_buf_t *o)
{
    bool modern = st->has_min_value || st->has_max_value;
    const uint8_t *mn = modern ? st->min_value : st->min;
    const uint8_t *mx = modern ? st->max_value : st->max;
    bool has_mn = modern ? st->has_min_value : st->has_min;
    bool has_mx = modern ? st->has_max_value : st->has_max;
    uint32_t mn_len = modern ? st->min_value_len : st->min_len;
    uint32_t mx_len = modern ? st->max_value_len : st->max_len;
    if (has_mn) {
        LS_TRY(ls_buf_append_str(o, json ? ",\"min\":" : ", min "));
        LS_TRY(ls_cli_fmt_stat(el, t, mn, mn_len, o));
    }
    if (has_mx) {
        LS_TRY(ls_buf_append_str(o, json ? ",\"max\":" : ", max "));
        LS_TRY(ls_cli_fmt_stat(el, t, mx, mx_len, o));
    }
    if ((has_mn || has_mx) && !modern) {
        LS_TRY(ls_buf_append_str(o, json ? ",\"legacy_min_max\":true" : " (legacy min/max)"));
    }
    return LS_OK;
}

static ls_err_t ls__stats(const ls_pq_column_meta_t *cm, const ls_pq_schema_el_t *el, bool json,
                          ls_buf_t *o)
{
    const ls_pq_stats_t *st = &cm->statistics;
    if (!cm->has_statistics) {
        return ls_buf_append_str(o, json ? ",\"statistics\":null" : "      statistics: none\n");
    }
    LS_TRY(ls_buf_append_str(o, json ? ",\"statistics\":{\"null_count\":" : "      statistics: "));
    if (st->has_null_count) {
        LS_TRY(ls_buf_printf(o, json ? "%lld" : "nulls %lld", (long long)st->null_count));
    } else {
        LS_TRY(ls_buf_append_str(o, json ? "null" : "nulls ?"));
    }
    if (st->has_distinct_count) {
        LS_TRY(ls_buf_printf(o, json ? ",\"distinct_count\":%lld" : ", distinct %lld",
                             (long long)st->distinct_count));
    }
    LS_TRY(ls__minmax(st, el, cm->type, json, o));
    if (st->has_is_min_exact) {
        LS_TRY(ls_buf_printf(o, json ? ",\"is_min_exact\":%s" : ", min exact %s",
                             st->is_min_exact ? "true" : "false"));
    }
    if (st->has_is_max_exact) {
        LS_TRY(ls_buf_printf(o, json ? ",\"is_max_exact\":%s" : ", max exact %s",
                             st->is_max_exact ? "true" : "false"));
    }
    return ls_buf_append_str(o, json ? "}" : "\n");
}

static ls_err_t ls__opt_i64(ls_buf_t *o, const char *key, bool has, int64_t v)
{
    return has ? ls_buf_printf(o, ",\"%s\":%lld", key, (long long)v)
               : ls_buf_printf(o, ",\"%s\":null", key);
}

static ls_err_t ls__column_json(const ls_pq_column_chunk_t *cc, const ls_pq_schema_el_t *el,
                                ls_buf_t *o)
{
    const ls_pq_column_meta_t *cm = &cc->meta_data;
    char ann[96];
    LS_TRY(ls_buf_append_str(o, "{\"path\":"));
    LS_TRY(ls__path(cm, true, o));
    LS_TRY(
        ls_buf_printf(o, ",\"physical_type\":\"%s\",\"logical_type\":", ls_pq_type_name(cm->type)));
    LS_TRY(
        ls__str(o, el && el->logical.kind != LS_PQ_LT_NONE ? ls__annotation(el, ann, 96) : NULL));
    LS_TRY(ls_buf_append_str(o, ",\"converted_type\":"));
    LS_TRY(
        ls__str(o, el && el->has_converted_type ? ls_pq_converted_name(el->converted_type) : NULL));
    LS_TRY(ls_buf_append_str(o, ",\"encodings\":"));
    LS_TRY(ls__encodings(cm, true, o));
    LS_TRY(ls_buf_printf(o,
                         ",\"codec\":\"%s\",\"num_values\":%lld,\"total_compressed_size\":%lld,"
                         "\"total_uncompressed_size\":%lld,\"data_page_offset\":%lld",
                         ls_pq_codec_name(cm->codec), (long long)cm->num_values,
                         (long long)cm->total_compressed_size,
                         (long long)cm->total_uncompressed_size, (long long)cm->data_page_offset));
    LS_TRY(ls__opt_i64(o, "dictionary_page_offset", cm->has_dictionary_page_offset,
                       cm->dictionary_page_offset));
    LS_TRY(ls__opt_i64(o, "index_page_offset", cm->has_index_page_offset, cm->index_page_offset));
    LS_TRY(ls__opt_i64(o, "bloom_filter_offset", cm->has_bloom_filter_offset,
                       cm->bloom_filter_offset));
    LS_TRY(ls__stats(cm, el, true, o));
    LS_TRY(ls_buf_append_str(o, ",\"encoding_stats\":["));
    for (uint32_t i = 0; i < cm->num_encoding_stats; i++) {
        const ls_pq_page_enc_stats_t *es = &cm->encoding_stats[i];
        LS_TRY(ls_buf_printf(o, "%s{\"page_type\":\"%s\",\"encoding\":\"%s\",\"count\":%d}",
                             i > 0 ? "," : "", ls_pq_page_type_name(es->page_type),
                             ls_pq_encoding_name(es->encoding), (int)es->count));
    }
    return ls_buf_append_str(o, "]}");
}

static ls_err_t ls__column_text(const ls_pq_column_chunk_t *cc, uint32_t ci,
                                const ls_pq_schema_el_t *el, ls_buf_t *o)
{
    const ls_pq_column_meta_t *cm = &cc->meta_data;
    char ann[96];
    const char *a = ls__annotation(el, ann, sizeof(ann));
    LS_TRY(ls_buf_printf(o, "  column %u ", ci));
    LS_TRY(ls__path(cm, false, o));
    LS_TRY(ls_buf_printf(o, ": %s%s%s%s, codec %s, encodings ", ls_pq_type_name(cm->type),
                         a ? " (" : "", a ? a : "", a ? ")" : "", ls_pq_codec_name(cm->codec)));
    LS_TRY(ls__encodings(cm, false, o));
    LS_TRY(ls_buf_printf(o, "\n      values %lld, compressed %lld B, uncompressed %lld B\n",
                         (long long)cm->num_values, (long long)cm->total_compressed_size,
                         (long long)cm->total_uncompressed_size));
    LS_TRY(ls_buf_append_str(o, "      "));
    if (cm->has_dictionary_page_offset) {
        LS_TRY(ls_buf_printf(o, "dictionary page offset %lld, ",
                             (long long)cm->dictionary_page_offset));
    }
    LS_TRY(ls_buf_printf(o, "data page offset %lld\n", (long long)cm->data_page_offset));
    return ls__stats(cm, el, false, o);
}

static ls_err_t ls__row_group(const ls_meta_t *m, uint32_t g, ls_buf_t *o)
{
    const ls_pq_row_group_t *rg = &m->fm->row_groups[g];
    if (m->json) {
        LS_TRY(ls_buf_printf(o, "%s{\"index\":%u,\"num_rows\":%lld,\"total_byte_size\":%lld",
                             g ? "," : "", g, (long long)rg->num_rows,
                             (long long)rg->total_byte_size));
        LS_TRY(ls__opt_i64(o, "total_compressed_size", rg->has_total_compressed_size,
                           rg->total_compressed_size));
        LS_TRY(ls__opt_i64(o, "file_offset", rg->has_file_offset, rg->file_offset));
        LS_TRY(ls_buf_append_str(o, ",\"columns\":["));
    } else {
        LS_TRY(ls_buf_printf(o, "\nrow group %u: %lld rows, %lld bytes uncompressed", g,
                             (long long)rg->num_rows, (long long)rg->total_byte_size));
        if (rg->has_total_compressed_size) {
            LS_TRY(ls_buf_printf(o, ", %lld compressed", (long long)rg->total_compressed_size));
        }
        LS_TRY(ls_buf_append_byte(o, '\n'));
    }
    for (uint32_t c = 0; c < rg->num_columns; c++) {
        const ls_pq_column_chunk_t *cc = &rg->columns[c];
        const ls_pq_schema_el_t *el = c < m->nleaves ? m->leaves[c] : NULL;
        if (!cc->has_meta_data && m->json) { /* e.g. encrypted column metadata */
            LS_TRY(ls_buf_append_str(o, c > 0 ? ",null" : "null"));
            continue;
        }
        if (!cc->has_meta_data) {
            LS_TRY(ls_buf_printf(o, "  column %u: no metadata\n", c));
            continue;
        }
        if (m->json) {
            LS_TRY(ls_buf_append_str(o, c > 0 ? "," : ""));
            LS_TRY(ls__column_json(cc, el, o));
        } else {
            LS_TRY(ls__column_text(cc, c, el, o));
        }
    }
    return ls_buf_append_str(o, m->json ? "]}" : "");
}

static ls_err_t ls__kv(const ls_meta_t *m, ls_buf_t *o)
{
    const ls_pq_file_meta_t *fm = m->fm;
    LS_TRY(ls_buf_append_str(o, m->json ? ",\"key_value_metadata\":[" : "key/value metadata:"));
    if (!m->json && fm->num_kv == 0) {
        LS_TRY(ls_buf_append_str(o, " none"));
    }
    for (uint32_t i = 0; i < fm->num_kv; i++) {
        const ls_pq_kv_t *kv = &fm->kv[i];
        size_t vlen = kv->value ? strlen(kv->value) : 0;
        if (m->json) {
            LS_TRY(ls_buf_append_str(o, i > 0 ? ",{\"key\":" : "{\"key\":"));
            LS_TRY(ls__str(o, kv->key));
            LS_TRY(ls_buf_append_str(o, ",\"value\":"));
            LS_TRY(ls__str(o, kv->value));
            LS_TRY(ls_buf_append_byte(o, '}'));
            continue;
        }
        size_t n = vlen;
        while (n > LS__KV_PREVIEW || (n > 0 && n < vlen && (kv->value[n] & 0xc0) == 0x80)) {
            n--; /* cut at a character boundary */
        }
        LS_TRY(ls_buf_printf(o, "\n  %s = ", kv->key ? kv->key : ""));
        if (kv->value == NULL) {
            LS_TRY(ls_buf_append_str(o, "(no value)"));
        } else {
            LS_TRY(ls_json_append_string(o, kv->value, n));
            LS_TRY(n < vlen ? ls_buf_printf(o, "... (%zu bytes)", vlen) : LS_OK);
        }
    }
    return ls_buf_append_str(o, m->json ? "]" : "\n");
}

static ls_err_t ls__header(const ls_meta_t *m, const char *path, ls_buf_t *o)
{
    const ls_pq_file_meta_t *fm = m->fm;
    if (m->json) {
        LS_TRY(ls_buf_append_str(o, "{\"file\":"));
        LS_TRY(ls__str(o, path));
        LS_TRY(ls_buf_printf(o, ",\"version\":%d,\"created_by\":", (int)fm->version));
        LS_TRY(ls__str(o, fm->created_by));
        LS_TRY(ls_buf_printf(o,
                             ",\"num_rows\":%lld,\"num_row_groups\":%u,\"num_columns\":%u,"
                             "\"column_orders\":%u",
                             (long long)fm->num_rows, fm->num_row_groups, m->nleaves,
                             fm->num_column_orders));
    } else {
        LS_TRY(ls_buf_printf(o,
                             "file: %s\ncreated_by: %s\nversion: %d\nrows: %lld\n"
                             "row groups: %u\ncolumns: %u\ncolumn orders: %s\n",
                             path, fm->created_by ? fm->created_by : "(not set)", (int)fm->version,
                             (long long)fm->num_rows, fm->num_row_groups, m->nleaves,
                             fm->num_column_orders ? "type defined" : "(not set)"));
    }
    return ls__kv(m, o);
}

static ls_err_t ls__meta(ls_meta_t *m, const char *path, ls_error_t *err)
{
    ls_buf_t o;
    ls_buf_init(&o, (size_t)256 << 20);
    ls_err_t rc = ls__header(m, path, &o);
    if (rc == LS_OK && m->json) {
        rc = ls_buf_append_str(&o, ",\"row_groups\":[");
    }
    for (uint32_t g = 0; g < m->fm->num_row_groups && rc == LS_OK; g++) {
        rc = ls__row_group(m, g, &o);
        if (rc == LS_OK) { /* one row group at a time keeps the buffer small */
            rc = ls_cli_flush_stdout(&o, err);
        }
    }
    if (rc == LS_OK && m->json) {
        rc = ls_buf_append_str(&o, "]}\n");
    }
    if (rc == LS_OK) {
        rc = ls_cli_flush_stdout(&o, err);
    } else if (err->code == LS_OK) {
        ls_error_set(err, rc, "cannot format the metadata: %s", ls_err_str(rc));
    }
    ls_buf_free(&o);
    return rc;
}

int ls_cli_parquet_meta(int argc, char **argv)
{
    ls_cli_val_t v[1];
    const char *args[1];
    size_t nargs = 0;
    int rc = ls_cli_parse(&ls__meta_cmd, argc, argv, v, args, &nargs);
    if (rc != LS_CLI_RUN) {
        return rc;
    }
    char what[512];
    snprintf(what, sizeof(what), "cannot read %s", args[0]);
    ls_error_t err;
    ls_error_clear(&err);
    ls_pq_reader_t *r = ls_pq_reader_open_file(args[0], &err);
    if (r == NULL) {
        return ls_cli_fail(what, args[0], &err);
    }
    ls_meta_t m = {ls_pq_reader_meta(r), NULL, 0, v[0].set};
    m.leaves = ls_calloc(m.fm->num_schema + 1, sizeof(*m.leaves));
    if (m.leaves == NULL) {
        ls_error_set(&err, LS_ERR_NOMEM, "out of memory");
    } else {
        for (uint32_t i = 1; i < m.fm->num_schema; i++) {
            if (m.fm->schema[i].has_type) {
                m.leaves[m.nleaves++] = &m.fm->schema[i];
            }
        }
        ls__meta(&m, args[0], &err);
    }
    rc = err.code == LS_OK ? LS_CLI_EXIT_OK : ls_cli_fail(what, args[0], &err);
    ls_free(m.leaves);
    ls_pq_reader_free(r);
    return rc;
}

/*
 * fuzz_table_partition.c — the table module's text parsers on arbitrary bytes: partition
 * values of every partitionable type (a value that parses must format, and its text must
 * parse back to the same text), Hive escaping and URI path encoding (both must round
 * trip), URI path decoding plus the safety check, partition directory parsing (what
 * parses must rebuild and parse to the same pairs), and statistics column lists.
 *
 * Input: the first byte picks the type (a tag letter, see k_tags, or any byte modulo
 * the table size); the rest is the text.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lakesink/alloc.h"
#include "lakesink/arena.h"
#include "lakesink/json.h"
#include "lakesink/table.h"

static const char k_tags[] = "ysilfd583DtnbSB";

static ls_type_t *ls__type_for(uint8_t sel)
{
    const char *t = strchr(k_tags, sel);
    size_t i = t != NULL && sel != 0 ? (size_t)(t - k_tags) : sel % (sizeof(k_tags) - 1);
    static const ls_type_kind_t kinds[] = {
        LS_TYPE_BYTE,      LS_TYPE_SHORT,         LS_TYPE_INTEGER, LS_TYPE_LONG,    LS_TYPE_FLOAT,
        LS_TYPE_DOUBLE,    LS_TYPE_DECIMAL,       LS_TYPE_DECIMAL, LS_TYPE_DECIMAL, LS_TYPE_DATE,
        LS_TYPE_TIMESTAMP, LS_TYPE_TIMESTAMP_NTZ, LS_TYPE_BOOLEAN, LS_TYPE_STRING,  LS_TYPE_BINARY};
    switch (i) {
    case 6: return ls_type_new_decimal(5, 2);
    case 7: return ls_type_new_decimal(18, 4);
    case 8: return ls_type_new_decimal(38, 10);
    default: return ls_type_new(kinds[i]);
    }
}

static void ls__value(uint8_t sel, const char *s, size_t n)
{
    ls_type_t *t = ls__type_for(sel);
    ls_table_value_t v, v2;
    ls_error_t err;
    ls_buf_t a, b;
    bool null1 = false, null2 = false;
    ls_buf_init(&a, 1 << 16);
    ls_buf_init(&b, 1 << 16);
    if (t != NULL && ls_table_partition_parse(t, s, n, &v, &err) == LS_OK &&
        ls_table_partition_format(t, &v, &a, &null1, &err) == LS_OK && !null1) {
        if (ls_table_partition_parse(t, (const char *)a.data, a.len, &v2, &err) != LS_OK) {
            fprintf(stderr, "formatted \"%.*s\" does not parse: %s\n", (int)a.len, a.data, err.msg);
            abort();
        }
        if (ls_table_partition_format(t, &v2, &b, &null2, &err) != LS_OK || null2 ||
            a.len != b.len || memcmp(a.data, b.data, a.len) != 0) {
            fprintf(stderr, "\"%.*s\" formats differently the second time\n", (int)a.len, a.data);
            abort();
        }
    }
    ls_buf_free(&a);
    ls_buf_free(&b);
    ls_type_free(t);
}

static void ls__escapes(const char *s, size_t n)
{
    ls_buf_t e, d;
    ls_error_t err;
    ls_buf_init(&e, 1 << 20);
    ls_buf_init(&d, 1 << 20);
    if (ls_table_hive_escape(s, n, &e) == LS_OK &&
        ls_table_hive_unescape(e.data ? (const char *)e.data : "", e.len, &d) == LS_OK &&
        (d.len != n || (n > 0 && memcmp(d.data, s, n) != 0))) {
        abort(); /* unescape(escape(x)) == x */
    }
    ls_buf_reset(&e);
    ls_buf_reset(&d);
    if (memchr(s, 0, n) == NULL && ls_table_uri_encode_path(s, n, &e) == LS_OK) {
        if (ls_table_uri_decode_path(e.data ? (const char *)e.data : "", e.len, &d, &err) !=
                LS_OK ||
            d.len != n || (n > 0 && memcmp(d.data, s, n) != 0)) {
            abort(); /* decode(encode(x)) == x */
        }
    }
    ls_buf_reset(&d);
    if (ls_table_uri_decode_path(s, n, &d, &err) == LS_OK) {
        (void)ls_table_path_is_safe(d.data ? (const char *)d.data : "", d.len);
    }
    (void)ls_table_path_is_safe(s, n);
    ls_buf_free(&e);
    ls_buf_free(&d);
}

static bool ls__same_value(const char *a, const char *b)
{
    bool an = a == NULL || strcmp(a, LS_TABLE_HIVE_NULL) == 0;
    bool bn = b == NULL || strcmp(b, LS_TABLE_HIVE_NULL) == 0;
    return an == bn && (an || strcmp(a, b) == 0);
}

static void ls__dirs(const char *s, size_t n)
{
    ls_arena_t *a = ls_arena_new(4096, (size_t)16 << 20);
    ls_table_pair_t *p = NULL, *q = NULL;
    size_t np = 0, nq = 0;
    ls_error_t err;
    if (a == NULL || ls_table_partition_dir_parse(s, n, 64, a, &p, &np, &err) != LS_OK) {
        ls_arena_free(a);
        return;
    }
    const char **names = ls_calloc(np + 1, sizeof(char *));
    const char **values = ls_calloc(np + 1, sizeof(char *));
    ls_buf_t dir;
    ls_buf_init(&dir, 1 << 20);
    for (size_t i = 0; names != NULL && values != NULL && i < np; i++) {
        names[i] = p[i].name;
        values[i] = p[i].value;
    }
    if (names != NULL && values != NULL &&
        ls_table_partition_dir(names, values, np, &dir) == LS_OK) {
        if (ls_table_partition_dir_parse(dir.data ? (const char *)dir.data : "", dir.len, 64, a, &q,
                                         &nq, &err) != LS_OK ||
            nq != np) {
            abort();
        }
        for (size_t i = 0; i < np; i++) {
            if (strcmp(p[i].name, q[i].name) != 0 || !ls__same_value(p[i].value, q[i].value)) {
                abort();
            }
        }
    }
    ls_buf_free(&dir);
    ls_free(names);
    ls_free(values);
    ls_arena_free(a);
}

static void ls__stats_columns(const char *s, size_t n)
{
    static const char *schema =
        "{\"type\":\"struct\",\"fields\":["
        "{\"name\":\"a\",\"type\":\"integer\",\"nullable\":true,\"metadata\":{}},"
        "{\"name\":\"S\",\"type\":{\"type\":\"struct\",\"fields\":["
        "{\"name\":\"b.c\",\"type\":\"long\",\"nullable\":true,\"metadata\":{}}]},"
        "\"nullable\":true,\"metadata\":{}}]}";
    ls_type_t *t = NULL;
    ls_error_t err;
    char *spec = ls_strndup(s, n);
    if (spec == NULL || ls_json_parse_delta_schema(schema, strlen(schema), &t, &err) != LS_OK) {
        ls_free(spec);
        return;
    }
    ls_layout_t *l = ls_layout_new(t, &err);
    if (l != NULL) {
        bool indexed[2];
        ls_table_stats_opts_t o;
        ls_table_stats_opts_init(&o);
        o.stats_columns = spec;
        (void)ls_table_stats_indexed(l, &o, indexed, &err);
    }
    ls_layout_free(l);
    ls_type_free(t);
    ls_free(spec);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0) {
        return 0;
    }
    const char *s = (const char *)data + 1;
    size_t n = size - 1;
    ls__value(data[0], s, n);
    ls__escapes(s, n);
    ls__dirs(s, n);
    ls__stats_columns(s, n);
    return 0;
}

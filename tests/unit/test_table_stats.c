/*
 * test_table_stats.c — Delta `stats` JSON: rewriting Spark-written reference files with
 * our writer must give the stats Spark wrote (all types, timestamp truncation), string
 * prefixes and the max tie-breaker with multi-byte characters, indexed-column limits and
 * column lists, NaN/infinity/out-of-range omissions, decimals, null counts of nested
 * structs and collections, and allocation failures.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lakesink/alloc.h"
#include "lakesink/io.h"
#include "lakesink/json.h"
#include "lakesink/parquet.h"
#include "lakesink/table.h"
#include "testutil.h"

/* ---------------------------------------------------------------- JSON comparison */

/* Semantic equality: objects by key set (any order), numbers by value. */
static bool json_eq(const ls_json_value_t *a, const ls_json_value_t *b, const char *path, char *why,
                    size_t wl)
{
    char sub[512];
    if (a->kind != b->kind) {
        snprintf(why, wl, "%s: kinds differ", path);
        return false;
    }
    switch (a->kind) {
    case LS_JSON_NUMBER:
        if (a->is_int && b->is_int ? a->i64 != b->i64 : a->num != b->num) {
            snprintf(why, wl, "%s: %s != %s", path, a->str, b->str);
            return false;
        }
        return true;
    case LS_JSON_STRING:
        if (a->len != b->len || memcmp(a->str, b->str, a->len) != 0) {
            snprintf(why, wl, "%s: \"%s\" != \"%s\"", path, a->str, b->str);
            return false;
        }
        return true;
    case LS_JSON_BOOL: return a->b == b->b;
    case LS_JSON_NULL: return true;
    case LS_JSON_ARRAY:
        if (a->n != b->n) {
            snprintf(why, wl, "%s: array lengths differ", path);
            return false;
        }
        for (size_t i = 0; i < a->n; i++) {
            snprintf(sub, sizeof(sub), "%s[%zu]", path, i);
            if (!json_eq(a->items[i], b->items[i], sub, why, wl)) {
                return false;
            }
        }
        return true;
    case LS_JSON_OBJECT:
    default:
        for (size_t i = 0; i < b->n; i++) {
            if (ls_json_get(a, b->members[i].key) == NULL) {
                snprintf(why, wl, "%s.%s: missing on the left", path, b->members[i].key);
                return false;
            }
        }
        for (size_t i = 0; i < a->n; i++) {
            const ls_json_value_t *o = ls_json_get(b, a->members[i].key);
            snprintf(sub, sizeof(sub), "%s.%s", path, a->members[i].key);
            if (o == NULL) {
                snprintf(why, wl, "%s: missing on the right", sub);
                return false;
            }
            if (!json_eq(a->members[i].value, o, sub, why, wl)) {
                return false;
            }
        }
        return true;
    }
}

static ls_json_value_t *parse(ls_arena_t *a, const char *s, size_t n)
{
    ls_json_value_t *v = NULL;
    ls_error_t err;
    if (ls_json_parse(s, n, a, &v, &err) != LS_OK) {
        fail_msg("parse %.*s: %s", (int)n, s, err.msg);
    }
    return v;
}

static void assert_json_same(const char *got, const char *want)
{
    ls_arena_t *a = ls_arena_new(4096, 0);
    char why[1024] = "";
    bool same =
        json_eq(parse(a, got, strlen(got)), parse(a, want, strlen(want)), "$", why, sizeof(why));
    if (!same) {
        fail_msg("stats differ: %s\n got: %s\nwant: %s", why, got, want);
    }
    ls_arena_free(a);
}

/* ---------------------------------------------------------------- reference tables */

/* Stats of @p file rewritten by our writer on the file's own schema. */
static char *stats_of_rewritten(const char *file, const ls_table_stats_opts_t *opts)
{
    ls_error_t err;
    ls_pq_reader_t *r = ls_pq_reader_open_file(file, &err);
    if (r == NULL) {
        fail_msg("%s", err.msg);
    }
    ls_layout_t *l = ls_layout_new(ls_pq_reader_layout(r)->schema, &err);
    assert_non_null(l);
    ls_batch_t *all = ls_batch_new(l, 0);
    for (uint32_t g = 0; g < ls_pq_reader_num_row_groups(r); g++) {
        ls_batch_t *rb = NULL;
        assert_int_equal(ls_pq_reader_read_row_group(r, g, &rb, &err), LS_OK);
        assert_int_equal(ls_batch_append_rows(all, rb, 0, rb->nrows), LS_OK);
        ls_batch_free(rb);
    }
    ls_buf_t file_bytes, out;
    ls_buf_init(&file_bytes, LS_BUF_UNLIMITED);
    ls_buf_init(&out, LS_BUF_UNLIMITED);
    ls_pq_writer_opts_t wo;
    ls_pq_writer_opts_init(&wo);
    wo.codec = LS_PQ_CODEC_SNAPPY;
    ls_pq_writer_t *w = ls_pq_writer_new(l, &wo, ls_sink_buf(&file_bytes), &err);
    assert_non_null(w);
    ls_table_nulls_t *nulls = ls_table_nulls_new(l, &err);
    assert_non_null(nulls);
    assert_int_equal(ls_pq_writer_write(w, all, &err), LS_OK);
    assert_int_equal(ls_table_nulls_add(nulls, all, &err), LS_OK);
    assert_int_equal(ls_pq_writer_close(w, NULL, &err), LS_OK);
    assert_int_equal(ls_table_stats_json(l, ls_table_writer_leaf_stats, w, nulls,
                                         ls_pq_writer_rows(w), opts, &out, &err),
                     LS_OK);
    assert_int_equal(ls_buf_terminate(&out), LS_OK);
    char *s = ls_strdup((const char *)out.data);
    ls_buf_free(&out);
    ls_buf_free(&file_bytes);
    ls_table_nulls_free(nulls);
    ls_pq_writer_free(w);
    ls_batch_free(all);
    ls_layout_free(l);
    ls_pq_reader_free(r);
    return s;
}

/* Check every add action of the table at @p root; returns how many were checked. */
static int check_reference_table(const char *root)
{
    int checked = 0;
    for (int v = 0; v < 100; v++) {
        char path[4096];
        snprintf(path, sizeof(path), "%s/_delta_log/%020d.json", root, v);
        ls_buf_t log;
        ls_error_t err;
        ls_buf_init(&log, LS_BUF_UNLIMITED);
        if (ls_file_read_all(path, 1 << 24, &log, &err) != LS_OK) {
            ls_buf_free(&log);
            break;
        }
        ls_arena_t *a = ls_arena_new(1 << 16, 0);
        const char *p = (const char *)log.data, *end = p + log.len;
        while (p < end) {
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
            const ls_json_value_t *add = n ? ls_json_get(parse(a, p, n), "add") : NULL;
            p += n + 1;
            if (add == NULL) {
                continue;
            }
            const ls_json_value_t *fp = ls_json_get(add, "path"), *st = ls_json_get(add, "stats");
            assert_non_null(fp);
            assert_non_null(st);
            ls_buf_t dec;
            ls_buf_init(&dec, LS_BUF_UNLIMITED);
            assert_int_equal(ls_table_uri_decode_path(fp->str, fp->len, &dec, &err), LS_OK);
            snprintf(path, sizeof(path), "%s/%.*s", root, (int)dec.len, (const char *)dec.data);
            ls_buf_free(&dec);
            char *got = stats_of_rewritten(path, NULL);
            assert_json_same(got, st->str);
            ls_free(got);
            checked++;
        }
        ls_arena_free(a);
        ls_buf_free(&log);
    }
    return checked;
}

static void test_reference_all_types(void **state)
{
    (void)state;
    LS_REQUIRE_TESTDATA("delta-stats/stats-writing-all-types/delta/_delta_log");
    char root[4096];
    snprintf(root, sizeof(root), "%s", ls_test_data("delta-stats/stats-writing-all-types/delta"));
    assert_int_equal(check_reference_table(root), 1);
}

static void test_reference_timestamp_truncation(void **state)
{
    (void)state;
    LS_REQUIRE_TESTDATA("delta-stats/timestamp-truncation-stats/_delta_log");
    char root[4096];
    snprintf(root, sizeof(root), "%s", ls_test_data("delta-stats/timestamp-truncation-stats"));
    assert_int_equal(check_reference_table(root), 3);
}

/* ---------------------------------------------------------------- synthetic stats */

typedef struct {
    ls_pq_leaf_stats_t st[8];
} fake_t;

static const ls_pq_leaf_stats_t *fake_stats(void *ctx, size_t leaf)
{
    return leaf < 8 ? &((fake_t *)ctx)->st[leaf] : NULL;
}

/* A layout with one column "v" of type @p t (taken). */
static ls_layout_t *layout1(ls_type_t *t)
{
    ls_type_t *st = ls_type_new_struct();
    assert_int_equal(ls_type_struct_add(st, "v", t, true), LS_OK);
    ls_layout_t *l = ls_layout_new(st, NULL);
    assert_non_null(l);
    ls_type_free(st);
    return l;
}

static char *stats_str(const ls_layout_t *l, fake_t *f, const ls_table_stats_opts_t *o)
{
    ls_buf_t out;
    ls_error_t err;
    ls_buf_init(&out, LS_BUF_UNLIMITED);
    assert_int_equal(ls_table_stats_json(l, fake_stats, f, NULL, 1, o, &out, &err), LS_OK);
    assert_int_equal(ls_buf_terminate(&out), LS_OK);
    char *s = ls_strdup((const char *)out.data);
    ls_buf_free(&out);
    return s;
}

/* String min/max of @p mn / @p mx through the stats writer, as JSON strings. */
static void string_stats(const char *mn, const char *mx, int prefix, char **got)
{
    ls_layout_t *l = layout1(ls_type_new(LS_TYPE_STRING));
    fake_t f;
    memset(&f, 0, sizeof(f));
    f.st[0].has_min = f.st[0].has_max = true;
    f.st[0].min_bytes = (const uint8_t *)mn;
    f.st[0].min_len = (uint32_t)strlen(mn);
    f.st[0].max_bytes = (const uint8_t *)mx;
    f.st[0].max_len = (uint32_t)strlen(mx);
    ls_table_stats_opts_t o;
    ls_table_stats_opts_init(&o);
    o.string_prefix_len = prefix;
    *got = stats_str(l, &f, &o);
    ls_layout_free(l);
}

static char *repeat(const char *unit, int n, const char *tail)
{
    size_t ul = strlen(unit), tl = strlen(tail);
    char *s = ls_malloc(ul * (size_t)n + tl + 1);
    for (int i = 0; i < n; i++) {
        memcpy(s + ul * (size_t)i, unit, ul);
    }
    memcpy(s + ul * (size_t)n, tail, tl + 1);
    return s;
}

static void expect_strings(const char *mn, const char *mx, const char *want_min,
                           const char *want_max)
{
    char *got;
    string_stats(mn, mx, 32, &got);
    ls_buf_t w;
    ls_buf_init(&w, LS_BUF_UNLIMITED);
    ls_buf_append_str(&w, "{\"numRecords\":1,\"minValues\":{\"v\":");
    ls_json_append_string(&w, want_min, strlen(want_min));
    ls_buf_append_str(&w, "}");
    if (want_max != NULL) {
        ls_buf_append_str(&w, ",\"maxValues\":{\"v\":");
        ls_json_append_string(&w, want_max, strlen(want_max));
        ls_buf_append_str(&w, "}");
    }
    ls_buf_append_str(&w, ",\"nullCount\":{\"v\":0}}");
    ls_buf_terminate(&w);
    assert_string_equal(got, (const char *)w.data);
    /* the max written must stay >= the real max in UTF-8 byte order */
    if (want_max != NULL) {
        size_t a = strlen(want_max), b = strlen(mx);
        int c = memcmp(want_max, mx, a < b ? a : b);
        assert_true(c > 0 || (c == 0 && a >= b));
    }
    ls_buf_free(&w);
    ls_free(got);
}

static void test_string_truncation(void **state)
{
    (void)state;
    /* short strings are kept whole */
    expect_strings("alpha", "gamma", "alpha", "gamma");
    /* ASCII: 32 characters, the max gets U+007F because the next character is below it */
    char *a40 = repeat("a", 40, ""), *a32 = repeat("a", 32, ""), *a32d = repeat("a", 32, "\x7F");
    expect_strings(a40, a40, a32, a32d);
    /* exactly 32 characters: unchanged */
    expect_strings(a32, a32, a32, a32);
    /* two-byte characters count as one: 32 of them; the max gets U+10FFFF */
    char *e40 = repeat("\xC3\xA9", 40, ""), *e32 = repeat("\xC3\xA9", 32, "");
    char *e32m = repeat("\xC3\xA9", 32, "\xF4\x8F\xBF\xBF");
    expect_strings(e40, e40, e32, e32m);
    /* 20 emoji: 20 code points (min kept whole) but 40 UTF-16 units (max cut at 16) */
    char *g20 = repeat("\xF0\x9F\x98\x80", 20, ""),
         *g16m = repeat("\xF0\x9F\x98\x80", 16, "\xF4\x8F\xBF\xBF");
    expect_strings(g20, g20, g20, g16m);
    /* a pair straddling the cut stays whole; then 'b' < U+007F */
    char *mix = repeat("a", 31,
                       "\xF0\x9F\x98\x80"
                       "b"),
         *mixm = repeat("a", 31,
                        "\xF0\x9F\x98\x80"
                        "\x7F");
    char *mixn = repeat("a", 31, "\xF0\x9F\x98\x80");
    expect_strings(mix, mix, mixn, mixm);
    /* U+10FFFF after the prefix is skipped before choosing the tie-breaker */
    char *top = repeat("a", 32,
                       "\xF4\x8F\xBF\xBF"
                       "c"),
         *topm = repeat("a", 32,
                        "\xF4\x8F\xBF\xBF"
                        "\x7F");
    expect_strings(top, top, a32, topm);
    /* too many U+10FFFF to get past within 64 units: the max is left out */
    char *tops = repeat("\xF4\x8F\xBF\xBF", 40, ""), *tops32 = repeat("\xF4\x8F\xBF\xBF", 32, "");
    char *worst = ls_malloc(strlen(a32) + strlen(tops) + 2);
    snprintf(worst, strlen(a32) + strlen(tops) + 2, "%s%sz", a32, tops);
    expect_strings(worst, worst, a32, NULL);
    (void)tops32;
    ls_free(a40), ls_free(a32), ls_free(a32d), ls_free(e40), ls_free(e32), ls_free(e32m);
    ls_free(g20), ls_free(g16m), ls_free(mix), ls_free(mixm), ls_free(mixn), ls_free(top);
    ls_free(topm), ls_free(tops), ls_free(tops32), ls_free(worst);
}

static void test_string_invalid_utf8_and_prefix0(void **state)
{
    (void)state;
    char *got;
    string_stats("ab\xFF", "b\xC0\x80", 32, &got); /* invalid bytes, overlong NUL */
    assert_string_equal(got, "{\"numRecords\":1,\"nullCount\":{\"v\":0}}");
    ls_free(got);
    string_stats("abc", "xyz", 0, &got); /* prefix 0: empty min, no max */
    assert_string_equal(got,
                        "{\"numRecords\":1,\"minValues\":{\"v\":\"\"},\"nullCount\":{\"v\":0}}");
    ls_free(got);
    string_stats("a\"\\\n", "b\x01", 32, &got); /* JSON escapes */
    assert_string_equal(got, "{\"numRecords\":1,\"minValues\":{\"v\":\"a\\\"\\\\\\n\"},"
                             "\"maxValues\":{\"v\":\"b\\u0001\"},\"nullCount\":{\"v\":0}}");
    ls_free(got);
}

static char *one_stat(ls_type_t *t, const ls_pq_leaf_stats_t *st)
{
    ls_layout_t *l = layout1(t);
    fake_t f;
    memset(&f, 0, sizeof(f));
    f.st[0] = *st;
    char *s = stats_str(l, &f, NULL);
    ls_layout_free(l);
    return s;
}

static void test_numbers_and_times(void **state)
{
    (void)state;
    ls_pq_leaf_stats_t st;
    char *s;
    memset(&st, 0, sizeof(st));
    st.has_min = st.has_max = true;
    st.null_count = 2;
    /* floats: NaN present drops the max; infinities are left out */
    st.min.f32 = 1.5f, st.max.f32 = 3.14f, st.nan_count = 1;
    s = one_stat(ls_type_new(LS_TYPE_FLOAT), &st);
    assert_string_equal(s, "{\"numRecords\":1,\"minValues\":{\"v\":1.5},\"nullCount\":{\"v\":2}}");
    ls_free(s);
    st.nan_count = 0, st.min.f64 = -INFINITY, st.max.f64 = 1e300;
    s = one_stat(ls_type_new(LS_TYPE_DOUBLE), &st);
    assert_string_equal(s,
                        "{\"numRecords\":1,\"maxValues\":{\"v\":1e+300},\"nullCount\":{\"v\":2}}");
    ls_free(s);
    st.min.f64 = -0.0, st.max.f64 = 0.1;
    s = one_stat(ls_type_new(LS_TYPE_DOUBLE), &st);
    assert_string_equal(s, "{\"numRecords\":1,\"minValues\":{\"v\":-0.0},\"maxValues\":{\"v\":0.1},"
                           "\"nullCount\":{\"v\":2}}");
    ls_free(s);
    /* decimals keep their scale */
    st.min.i32 = -1234, st.max.i32 = 5;
    s = one_stat(ls_type_new_decimal(5, 2), &st);
    assert_string_equal(s,
                        "{\"numRecords\":1,\"minValues\":{\"v\":-12.34},\"maxValues\":{\"v\":0.05},"
                        "\"nullCount\":{\"v\":2}}");
    ls_free(s);
    uint8_t lo[16], hi[16];
    memset(lo, 0xFF, sizeof(lo)); /* -1 */
    memset(hi, 0, sizeof(hi));
    hi[0] = 0x4B, hi[1] = 0x3B, hi[2] = 0x4C, hi[3] = 0xA8, hi[4] = 0x5A, hi[5] = 0x86,
    hi[6] = 0xC4, hi[7] = 0x7A, hi[8] = 0x09, hi[9] = 0x8A, hi[10] = 0x22, hi[11] = 0x3F,
    hi[12] = 0xFF, hi[13] = 0xFF, hi[14] = 0xFF, hi[15] = 0xFF; /* 10^38 - 1 */
    st.min_bytes = lo, st.min_len = 16, st.max_bytes = hi, st.max_len = 16;
    s = one_stat(ls_type_new_decimal(38, 10), &st);
    assert_string_equal(s, "{\"numRecords\":1,\"minValues\":{\"v\":-0.0000000001},"
                           "\"maxValues\":{\"v\":9999999999999999999999999999.9999999999},"
                           "\"nullCount\":{\"v\":2}}");
    ls_free(s);
    /* timestamps: truncated down to milliseconds, also before 1970 */
    st.min.i64 = -1, st.max.i64 = INT64_C(1686832200123999);
    s = one_stat(ls_type_new(LS_TYPE_TIMESTAMP), &st);
    assert_string_equal(
        s, "{\"numRecords\":1,\"minValues\":{\"v\":\"1969-12-31T23:59:59.999Z\"},"
           "\"maxValues\":{\"v\":\"2023-06-15T12:30:00.123Z\"},\"nullCount\":{\"v\":2}}");
    ls_free(s);
    s = one_stat(ls_type_new(LS_TYPE_TIMESTAMP_NTZ), &st);
    assert_string_equal(
        s, "{\"numRecords\":1,\"minValues\":{\"v\":\"1969-12-31T23:59:59.999\"},"
           "\"maxValues\":{\"v\":\"2023-06-15T12:30:00.123\"},\"nullCount\":{\"v\":2}}");
    ls_free(s);
    /* years outside 1-9999 are left out */
    st.min.i64 = INT64_MIN, st.max.i64 = INT64_MAX;
    s = one_stat(ls_type_new(LS_TYPE_TIMESTAMP), &st);
    assert_string_equal(s, "{\"numRecords\":1,\"nullCount\":{\"v\":2}}");
    ls_free(s);
    st.min.i32 = -719162, st.max.i32 = 2932896; /* 0001-01-01, 9999-12-31 */
    s = one_stat(ls_type_new(LS_TYPE_DATE), &st);
    assert_string_equal(s, "{\"numRecords\":1,\"minValues\":{\"v\":\"0001-01-01\"},"
                           "\"maxValues\":{\"v\":\"9999-12-31\"},\"nullCount\":{\"v\":2}}");
    ls_free(s);
    st.min.i32 = -719163, st.max.i32 = 2932897;
    s = one_stat(ls_type_new(LS_TYPE_DATE), &st);
    assert_string_equal(s, "{\"numRecords\":1,\"nullCount\":{\"v\":2}}");
    ls_free(s);
    /* booleans and binary: null count only */
    s = one_stat(ls_type_new(LS_TYPE_BOOLEAN), &st);
    assert_string_equal(s, "{\"numRecords\":1,\"nullCount\":{\"v\":2}}");
    ls_free(s);
    s = one_stat(ls_type_new(LS_TYPE_BINARY), &st);
    assert_string_equal(s, "{\"numRecords\":1,\"nullCount\":{\"v\":2}}");
    ls_free(s);
    st.min.i64 = INT64_MIN, st.max.i64 = INT64_MAX;
    s = one_stat(ls_type_new(LS_TYPE_LONG), &st);
    assert_string_equal(s, "{\"numRecords\":1,\"minValues\":{\"v\":-9223372036854775808},"
                           "\"maxValues\":{\"v\":9223372036854775807},\"nullCount\":{\"v\":2}}");
    ls_free(s);
}

/* ---------------------------------------------------------------- indexed columns */

static const ls_pq_leaf_stats_t *array_stats(void *ctx, size_t leaf)
{
    return &((const ls_pq_leaf_stats_t *)ctx)[leaf];
}

/* Stats of a schema given as Delta JSON with every leaf reporting min = max = leaf index. */
static char *indexed_stats(const char *schema_json, const ls_table_stats_opts_t *o,
                           ls_err_t want_rc)
{
    ls_type_t *t = NULL;
    ls_error_t err;
    assert_int_equal(ls_json_parse_delta_schema(schema_json, strlen(schema_json), &t, &err), LS_OK);
    ls_layout_t *l = ls_layout_new(t, &err);
    ls_type_free(t);
    assert_non_null(l);
    assert_true(l->nleaves <= 64);
    static ls_pq_leaf_stats_t st[64];
    for (size_t i = 0; i < l->nleaves; i++) {
        memset(&st[i], 0, sizeof(st[i]));
        st[i].has_min = st[i].has_max = true;
        st[i].min.i32 = st[i].max.i32 = (int32_t)i;
    }
    ls_buf_t out;
    ls_buf_init(&out, LS_BUF_UNLIMITED);
    ls_err_t rc = ls_table_stats_json(l, array_stats, st, NULL, 1, o, &out, &err);
    assert_int_equal(rc, want_rc);
    char *s = NULL;
    if (rc == LS_OK) {
        ls_buf_terminate(&out);
        s = ls_strdup((const char *)out.data);
    }
    ls_buf_free(&out);
    ls_layout_free(l);
    return s;
}

static const char *k_nested_schema =
    "{\"type\":\"struct\",\"fields\":["
    "{\"name\":\"x\",\"type\":\"integer\",\"nullable\":true,\"metadata\":{}},"
    "{\"name\":\"S\",\"type\":{\"type\":\"struct\",\"fields\":["
    "{\"name\":\"a\",\"type\":\"integer\",\"nullable\":true,\"metadata\":{}},"
    "{\"name\":\"b.c\",\"type\":\"integer\",\"nullable\":true,\"metadata\":{}}]},"
    "\"nullable\":true,\"metadata\":{}},"
    "{\"name\":\"arr\",\"type\":{\"type\":\"array\",\"elementType\":\"integer\",\"containsNull\":"
    "true},"
    "\"nullable\":true,\"metadata\":{}},"
    "{\"name\":\"y\",\"type\":\"integer\",\"nullable\":true,\"metadata\":{}}]}";

static void test_indexed_columns(void **state)
{
    (void)state;
    ls_table_stats_opts_t o;
    ls_table_stats_opts_init(&o);
    char *s;
    /* first 3 leaves: x, S.a, S.b.c (struct fields count one by one) */
    o.num_indexed_cols = 3;
    s = indexed_stats(k_nested_schema, &o, LS_OK);
    assert_string_equal(s, "{\"numRecords\":1,\"minValues\":{\"x\":0,\"S\":{\"a\":1,\"b.c\":2}},"
                           "\"maxValues\":{\"x\":0,\"S\":{\"a\":1,\"b.c\":2}},"
                           "\"nullCount\":{\"x\":0,\"S\":{\"a\":0,\"b.c\":0}}}");
    ls_free(s);
    /* 4: the array counts as one column (null count only, and only with a counter) */
    o.num_indexed_cols = 4;
    s = indexed_stats(k_nested_schema, &o, LS_OK);
    assert_null(strstr(s, "\"y\""));
    ls_free(s);
    o.num_indexed_cols = 5;
    s = indexed_stats(k_nested_schema, &o, LS_OK);
    assert_non_null(strstr(s, "\"y\":4"));
    ls_free(s);
    o.num_indexed_cols = 0;
    s = indexed_stats(k_nested_schema, &o, LS_OK);
    assert_string_equal(s, "{\"numRecords\":1}");
    ls_free(s);
    o.num_indexed_cols = -1;
    s = indexed_stats(k_nested_schema, &o, LS_OK);
    assert_non_null(strstr(s, "\"y\":4"));
    ls_free(s);
    /* a column list replaces the count: case-insensitive, backticks, nested paths */
    o.num_indexed_cols = 1;
    o.stats_columns = " Y , s.`B.C` ";
    s = indexed_stats(k_nested_schema, &o, LS_OK);
    assert_string_equal(s, "{\"numRecords\":1,\"minValues\":{\"S\":{\"b.c\":2},\"y\":4},"
                           "\"maxValues\":{\"S\":{\"b.c\":2},\"y\":4},"
                           "\"nullCount\":{\"S\":{\"b.c\":0},\"y\":0}}");
    ls_free(s);
    o.stats_columns = "s"; /* a struct: all its leaves */
    s = indexed_stats(k_nested_schema, &o, LS_OK);
    assert_string_equal(s, "{\"numRecords\":1,\"minValues\":{\"S\":{\"a\":1,\"b.c\":2}},"
                           "\"maxValues\":{\"S\":{\"a\":1,\"b.c\":2}},"
                           "\"nullCount\":{\"S\":{\"a\":0,\"b.c\":0}}}");
    ls_free(s);
    o.stats_columns = "nope, x.a"; /* unknown names and paths into non-structs: ignored */
    s = indexed_stats(k_nested_schema, &o, LS_OK);
    assert_string_equal(s, "{\"numRecords\":1}");
    ls_free(s);
    const char *bad[] = {"a,", "`a", "a..b", "a b", ",a", "a-b"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        o.stats_columns = bad[i];
        assert_null(indexed_stats(k_nested_schema, &o, LS_ERR_CONFIG));
    }
}

static void test_default_limit_32(void **state)
{
    (void)state;
    ls_buf_t js;
    ls_buf_init(&js, LS_BUF_UNLIMITED);
    ls_buf_append_str(&js, "{\"type\":\"struct\",\"fields\":[");
    for (int i = 0; i < 40; i++) {
        ls_buf_printf(&js,
                      "%s{\"name\":\"c%d\",\"type\":\"integer\",\"nullable\":true,"
                      "\"metadata\":{}}",
                      i ? "," : "", i);
    }
    ls_buf_append_str(&js, "]}");
    ls_buf_terminate(&js);
    char *s = indexed_stats((const char *)js.data, NULL, LS_OK);
    assert_non_null(strstr(s, "\"c31\":31"));
    assert_null(strstr(s, "\"c32\""));
    ls_free(s);
    ls_buf_free(&js);
}

static void test_opts_from_config(void **state)
{
    (void)state;
    ls_table_stats_opts_t o;
    ls_error_t err;
    ls_table_stats_opts_init(&o);
    assert_int_equal(ls_table_stats_opts_set(&o, "delta.dataSkippingNumIndexedCols", "-1", &err),
                     LS_OK);
    assert_int_equal(o.num_indexed_cols, -1);
    assert_int_equal(ls_table_stats_opts_set(&o, "delta.dataSkippingNumIndexedCols", "-2", &err),
                     LS_ERR_CONFIG);
    assert_int_equal(
        ls_table_stats_opts_set(&o, "delta.dataSkippingStringPrefixLength", "8x", &err),
        LS_ERR_CONFIG);
    assert_int_equal(ls_table_stats_opts_set(&o, "delta.dataSkippingStringPrefixLength", "8", &err),
                     LS_OK);
    assert_int_equal(o.string_prefix_len, 8);
    assert_int_equal(ls_table_stats_opts_set(&o, "delta.dataSkippingStatsColumns", "a", &err),
                     LS_OK);
    assert_string_equal(o.stats_columns, "a");
    assert_int_equal(ls_table_stats_opts_set(&o, "delta.appendOnly", "true", &err), LS_OK);
}

/* ---------------------------------------------------------------- null counts */

static const char *k_null_schema =
    "{\"type\":\"struct\",\"fields\":["
    "{\"name\":\"s\",\"type\":{\"type\":\"struct\",\"fields\":["
    "{\"name\":\"a\",\"type\":\"integer\",\"nullable\":true,\"metadata\":{}},"
    "{\"name\":\"t\",\"type\":\"string\",\"nullable\":false,\"metadata\":{}}]},"
    "\"nullable\":true,\"metadata\":{}},"
    "{\"name\":\"arr\",\"type\":{\"type\":\"array\",\"elementType\":\"integer\",\"containsNull\":"
    "true},"
    "\"nullable\":true,\"metadata\":{}},"
    "{\"name\":\"m\",\"type\":{\"type\":\"map\",\"keyType\":\"string\",\"valueType\":\"long\","
    "\"valueContainsNull\":true},\"nullable\":true,\"metadata\":{}},"
    "{\"name\":\"r\",\"type\":\"long\",\"nullable\":false,\"metadata\":{}}]}";

static void test_null_counts_nested(void **state)
{
    (void)state;
    ls_type_t *t = NULL;
    ls_error_t err;
    assert_int_equal(ls_json_parse_delta_schema(k_null_schema, strlen(k_null_schema), &t, &err),
                     LS_OK);
    ls_layout_t *l = ls_layout_new(t, &err);
    ls_type_free(t);
    ls_json_decoder_t *d = ls_json_decoder_new(l, NULL, &err);
    ls_batch_t *b = ls_batch_new(l, 0);
    const char *rows[] = {
        "{\"s\":{\"a\":1,\"t\":\"x\"},\"arr\":[1,null],\"m\":{\"k\":1},\"r\":1}",
        "{\"s\":null,\"arr\":[],\"m\":{},\"r\":2}",
        "{\"s\":{\"a\":null,\"t\":\"y\"},\"arr\":null,\"m\":null,\"r\":3}",
        "{\"arr\":[null],\"m\":{\"k\":null},\"r\":4}",
    };
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(ls_json_decode_record(d, b, rows[i], strlen(rows[i]), &err), LS_OK);
    }
    ls_buf_t fb, out;
    ls_buf_init(&fb, LS_BUF_UNLIMITED);
    ls_buf_init(&out, LS_BUF_UNLIMITED);
    ls_pq_writer_t *w = ls_pq_writer_new(l, NULL, ls_sink_buf(&fb), &err);
    ls_table_nulls_t *n = ls_table_nulls_new(l, &err);
    assert_int_equal(ls_pq_writer_write(w, b, &err), LS_OK);
    assert_int_equal(ls_table_nulls_add(n, b, &err), LS_OK);
    assert_int_equal(ls_table_nulls_add(n, b, &err), LS_OK); /* counts accumulate */
    assert_int_equal(ls_table_nulls_rows(n), 8);
    ls_table_nulls_reset(n);
    assert_int_equal(ls_table_nulls_add(n, b, &err), LS_OK);
    assert_int_equal(ls_pq_writer_close(w, NULL, &err), LS_OK);
    assert_int_equal(ls_table_stats_json(l, ls_table_writer_leaf_stats, w, n, 4, NULL, &out, &err),
                     LS_OK);
    ls_buf_terminate(&out);
    /* s.a: null struct (rows 2, 4) and null value (row 3); s.t only via its parent;
     * arr/m: the column itself (row 3), not empty collections (row 2) or null elements
     * and values (row 4) */
    assert_json_same((const char *)out.data,
                     "{\"numRecords\":4,\"minValues\":{\"s\":{\"a\":1,\"t\":\"x\"},\"r\":1},"
                     "\"maxValues\":{\"s\":{\"a\":1,\"t\":\"y\"},\"r\":4},"
                     "\"nullCount\":{\"s\":{\"a\":3,\"t\":2},\"arr\":1,\"m\":1,\"r\":0}}");
    /* without a counter: leaves from the writer, collections left out */
    ls_buf_reset(&out);
    assert_int_equal(
        ls_table_stats_json(l, ls_table_writer_leaf_stats, w, NULL, 4, NULL, &out, &err), LS_OK);
    ls_buf_terminate(&out);
    assert_non_null(
        strstr((const char *)out.data, "\"nullCount\":{\"s\":{\"a\":3,\"t\":2},\"r\":0}"));
    /* a counter for another layout is refused */
    ls_layout_t *l1 = layout1(ls_type_new(LS_TYPE_LONG));
    ls_table_nulls_t *n1 = ls_table_nulls_new(l1, &err);
    assert_int_equal(ls_table_nulls_add(n1, b, &err), LS_ERR_INVALID_ARG);
    assert_int_equal(ls_table_stats_json(l, NULL, NULL, n1, 4, NULL, &out, &err),
                     LS_ERR_INVALID_ARG);
    ls_table_nulls_free(n1);
    ls_layout_free(l1);
    ls_buf_free(&out);
    ls_buf_free(&fb);
    ls_table_nulls_free(n);
    ls_pq_writer_free(w);
    ls_json_decoder_free(d);
    ls_batch_free(b);
    ls_layout_free(l);
}

static void test_stats_alloc_failures(void **state)
{
    (void)state;
    ls_layout_t *l = layout1(ls_type_new(LS_TYPE_STRING));
    fake_t f;
    memset(&f, 0, sizeof(f));
    char *big = repeat("\xC3\xA9", 50, "");
    f.st[0].has_min = f.st[0].has_max = true;
    f.st[0].min_bytes = f.st[0].max_bytes = (const uint8_t *)big;
    f.st[0].min_len = f.st[0].max_len = (uint32_t)strlen(big);
    bool ok_seen = false;
    for (long i = 0; i < 64 && !ok_seen; i++) {
        ls_buf_t out;
        ls_error_t err;
        ls_buf_init(&out, LS_BUF_UNLIMITED);
        ls_buf_append_str(&out, "x");
        ls_alloc_fail_after(i, 1);
        ls_err_t rc = ls_table_stats_json(l, fake_stats, &f, NULL, 1, NULL, &out, &err);
        ls_alloc_fail_after(-1, 0);
        assert_true(rc == LS_OK || rc == LS_ERR_NOMEM);
        if (rc != LS_OK) {
            assert_int_equal(out.len, 1); /* left as it was */
        }
        ok_seen = rc == LS_OK;
        ls_buf_free(&out);
    }
    assert_true(ok_seen);
    /* a capped buffer: LS_ERR_LIMIT, not a silently shorter document */
    ls_buf_t small;
    ls_error_t err;
    ls_buf_init(&small, 40);
    assert_int_equal(ls_table_stats_json(l, fake_stats, &f, NULL, 1, NULL, &small, &err),
                     LS_ERR_LIMIT);
    assert_int_equal(small.len, 0);
    ls_buf_free(&small);
    ls_free(big);
    ls_layout_free(l);
}

/* Stats read back: maps merged by path, nesting flattened, shapes checked. */
static void test_stats_parse(void **state)
{
    (void)state;
    ls_arena_t *a = ls_arena_new(4096, 0);
    ls_error_t err;
    ls_table_file_stats_t st;
    const char *ok = "{\"numRecords\":3,\"minValues\":{\"id\":1,\"s\":{\"x\":\"a\"}},"
                     "\"maxValues\":{\"id\":9,\"s\":{\"x\":\"z\"}},\"nullCount\":{\"id\":0,"
                     "\"s\":{\"x\":2},\"tags\":1},\"tightBounds\":true,\"future\":[1]}";
    assert_int_equal(ls_table_stats_parse(ok, strlen(ok), a, &st, &err), LS_OK);
    assert_true(st.has_num_records && st.num_records == 3);
    assert_true(st.has_tight_bounds && st.tight_bounds);
    assert_int_equal(st.ncols, 3);
    assert_string_equal(st.cols[0].path, "id");
    assert_int_equal(st.cols[0].min->i64, 1);
    assert_int_equal(st.cols[0].max->i64, 9);
    assert_true(st.cols[0].has_null_count && st.cols[0].null_count == 0);
    assert_string_equal(st.cols[1].path, "s.x");
    assert_string_equal(st.cols[1].min->str, "a");
    assert_int_equal(st.cols[1].null_count, 2);
    assert_string_equal(st.cols[2].path, "tags");
    assert_null(st.cols[2].min);
    assert_int_equal(st.cols[2].null_count, 1);
    assert_int_equal(ls_table_stats_parse("{}", 2, a, &st, &err), LS_OK);
    assert_false(st.has_num_records);
    assert_int_equal(st.ncols, 0);
    static const char *const bad[] = {
        "[]", "{\"numRecords\":-1}", "{\"numRecords\":1.5}", "{\"nullCount\":{\"a\":\"x\"}}",
        "{\"nullCount\":{\"a\":-2}}", "{\"minValues\":[1]}", "{\"maxValues\":{\"a\":[1]}}",
        "{\"minValues\":{\"a.b\":1,\"a\":{\"b\":2}}}", "{\"numRecords\":", ""};
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
        if (ls_table_stats_parse(bad[i], strlen(bad[i]), a, &st, &err) != LS_ERR_PARSE) {
            fail_msg("accepted %s", bad[i]);
        }
    }
    ls_arena_free(a);
}

/* Every stats string Spark wrote in the reference tables parses, with its numRecords. */
static void test_stats_parse_reference(void **state)
{
    (void)state;
    LS_REQUIRE_TESTDATA("delta-stats/stats-writing-all-types");
    char cmd[4200];
    snprintf(cmd, sizeof(cmd), "cat %s/delta/_delta_log/*.json",
             ls_test_data("delta-stats/stats-writing-all-types"));
    FILE *f = popen(cmd, "r");
    assert_non_null(f);
    char line[65536];
    int parsed = 0;
    while (fgets(line, sizeof(line), f) != NULL) {
        ls_arena_t *a = ls_arena_new(4096, 0);
        ls_json_value_t *v;
        ls_error_t err;
        const ls_json_value_t *add, *stats;
        if (ls_json_parse(line, strlen(line), a, &v, &err) == LS_OK &&
            (add = ls_json_get(v, "add")) != NULL && (stats = ls_json_get(add, "stats")) != NULL &&
            stats->kind == LS_JSON_STRING) {
            ls_table_file_stats_t st;
            if (ls_table_stats_parse(stats->str, stats->len, a, &st, &err) != LS_OK) {
                fail_msg("%s: %s", stats->str, err.msg);
            }
            assert_true(st.has_num_records && st.num_records > 0);
            assert_true(st.ncols > 10);
            parsed++;
        }
        ls_arena_free(a);
    }
    pclose(f);
    assert_true(parsed > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reference_all_types),
        cmocka_unit_test(test_reference_timestamp_truncation),
        cmocka_unit_test(test_string_truncation),
        cmocka_unit_test(test_string_invalid_utf8_and_prefix0),
        cmocka_unit_test(test_numbers_and_times),
        cmocka_unit_test(test_indexed_columns),
        cmocka_unit_test(test_default_limit_32),
        cmocka_unit_test(test_opts_from_config),
        cmocka_unit_test(test_null_counts_nested),
        cmocka_unit_test(test_stats_alloc_failures),
        cmocka_unit_test(test_stats_parse),
        cmocka_unit_test(test_stats_parse_reference),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

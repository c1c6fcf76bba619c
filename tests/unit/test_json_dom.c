/*
 * test_json_dom.c — the DOM parser and ls_json_get, Delta schema strings (including
 * every schemaString of the delta-golden tables), JSONTestSuite conformance of the
 * DOM, the record decoder and inference, and schema inference itself.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lakesink/alloc.h"
#include "lakesink/json.h"
#include "testutil.h"

static ls_arena_t *g_arena;

static int setup(void **state)
{
    (void)state;
    g_arena = ls_arena_new(4096, 0);
    return g_arena ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    ls_arena_free(g_arena);
    return 0;
}

static ls_err_t parse(const char *s, ls_json_value_t **v, ls_error_t *err)
{
    return ls_json_parse(s, strlen(s), g_arena, v, err);
}

/* ------------------------------------------------------------ DOM */

static void test_dom_basic(void **state)
{
    (void)state;
    ls_json_value_t *v;
    ls_error_t err;
    const char *doc =
        " {\"a\": [1, -2.5e1, true, false, null, \"s\\u00e9\\n\"], \"b\": {\"c\": {}} ,"
        "\"k\\u0000x\": 9223372036854775807, \"big\": 9223372036854775808, \"e\": []}\n";
    assert_int_equal(parse(doc, &v, &err), LS_OK);
    assert_int_equal(v->kind, LS_JSON_OBJECT);
    assert_int_equal(v->n, 5);
    const ls_json_value_t *a = ls_json_get(v, "a");
    assert_non_null(a);
    assert_int_equal(a->kind, LS_JSON_ARRAY);
    assert_int_equal(a->n, 6);
    assert_true(a->items[0]->kind == LS_JSON_NUMBER && a->items[0]->is_int &&
                a->items[0]->i64 == 1);
    assert_true(a->items[1]->num == -25.0 && !a->items[1]->is_int);
    assert_string_equal(a->items[1]->str, "-2.5e1");
    assert_true(a->items[2]->kind == LS_JSON_BOOL && a->items[2]->b);
    assert_true(a->items[3]->kind == LS_JSON_BOOL && !a->items[3]->b);
    assert_int_equal(a->items[4]->kind, LS_JSON_NULL);
    assert_int_equal(a->items[5]->len, 4);
    assert_string_equal(a->items[5]->str, "s\xc3\xa9\n");
    const ls_json_value_t *c = ls_json_get(ls_json_get(v, "b"), "c");
    assert_true(c != NULL && c->kind == LS_JSON_OBJECT && c->n == 0);
    assert_null(ls_json_get(v, "k")); /* the key is "k\0x" */
    assert_int_equal(v->members[2].key_len, 3);
    assert_true(v->members[2].value->is_int && v->members[2].value->i64 == INT64_MAX);
    const ls_json_value_t *big = ls_json_get(v, "big");
    assert_true(!big->is_int && big->num == 9223372036854775808.0);
    assert_int_equal(ls_json_get(v, "e")->n, 0);
    assert_null(ls_json_get(v, "zz"));
    assert_null(ls_json_get(a, "a"));
    assert_null(ls_json_get(NULL, "a"));

    assert_int_equal(parse("1e400", &v, &err), LS_OK); /* overflow keeps the literal, num = inf */
    assert_true(v->num > 1e308 && strcmp(v->str, "1e400") == 0);
    assert_int_equal(parse("\"\"", &v, &err), LS_OK);
    assert_true(v->kind == LS_JSON_STRING && v->len == 0);
}

static void test_dom_errors(void **state)
{
    (void)state;
    ls_json_value_t *v;
    ls_error_t err;
    static const char *bad[] = {"",          "  ",          "{",    "[1,]",       "{\"a\":1,}",
                                "{\"a\" 1}", "[1 2]",       "01",   "1.",         "tru",
                                "nul",       "\"\\ud800\"", "[1]x", "{\"a\":1}{", "\xef\xbb\xbf[]",
                                "{'a':1}",   "[\"\x01\"]",  "-",    "[-]",        "Infinity",
                                "[NaN]"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
        ls_err_t rc = parse(bad[i], &v, &err);
        if (rc != LS_ERR_PARSE) {
            fail_msg("\"%s\": got %s", bad[i], ls_err_name(rc));
        }
        assert_non_null(strstr(err.msg, "byte "));
    }
    assert_int_equal(ls_json_parse(NULL, 0, g_arena, &v, &err), LS_ERR_PARSE);
    assert_int_equal(ls_json_parse(NULL, 3, g_arena, &v, &err), LS_ERR_INVALID_ARG);
    /* duplicate members: the last value wins, at the first one's position */
    assert_int_equal(parse("{\"a\":1,\"b\":2,\"a\":3}", &v, &err), LS_OK);
    assert_int_equal(v->n, 2);
    assert_string_equal(v->members[0].key, "a");
    assert_int_equal(v->members[0].value->i64, 3);
    assert_string_equal(v->members[1].key, "b");
    assert_int_equal(parse("{\"x\":{\"k\":1,\"\\u006b\":2}}", &v, &err), LS_OK);
    assert_int_equal(ls_json_get(v, "x")->n, 1);
    assert_int_equal(ls_json_get(ls_json_get(v, "x"), "k")->i64, 2);
    char big[8192];
    size_t o = (size_t)snprintf(big, sizeof(big), "{");
    for (int i = 0; i < 300; i++) {
        o += (size_t)snprintf(big + o, sizeof(big) - o, "\"key%d\":%d,", i, i);
    }
    snprintf(big + o, sizeof(big) - o, "\"key299\":0}");
    assert_int_equal(parse(big, &v, &err), LS_OK); /* hashed path: 301 members, one repeated */
    assert_int_equal(v->n, 300);
    assert_int_equal(ls_json_get(v, "key299")->i64, 0);
    assert_int_equal(v->members[299].value->i64, 0);
    big[o - 1] = '}';
    big[o] = '\0';
    assert_int_equal(parse(big, &v, &err), LS_OK);
    assert_int_equal(v->n, 300);
    assert_int_equal(ls_json_get(v, "key123")->i64, 123);
    /* depth: 512 nested arrays parse, 513 do not */
    char deep[1100];
    memset(deep, '[', 512);
    memset(deep + 512, ']', 512);
    assert_int_equal(ls_json_parse(deep, 1024, g_arena, &v, &err), LS_OK);
    memset(deep, '[', 513);
    memset(deep + 513, ']', 513);
    assert_int_equal(ls_json_parse(deep, 1026, g_arena, &v, &err), LS_ERR_LIMIT);
    /* the arena cap is honoured */
    ls_arena_t *small = ls_arena_new(256, 1024);
    assert_int_equal(ls_json_parse(big, strlen(big), small, &v, &err), LS_ERR_NOMEM);
    ls_arena_free(small);
}

static void test_dom_alloc_failures(void **state)
{
    (void)state;
    const char *doc = "{\"a\":[1,2,{\"b\":\"c\\n\"}],\"d\":{\"e\":null,\"f\":[true,false]}}";
    int ok = 0;
    for (long i = 0; i < 100 && ok < 3; i++) {
        ls_arena_t *a = ls_arena_new(64, 0);
        ls_json_value_t *v;
        ls_alloc_fail_after(i, 1);
        ls_err_t rc = a ? ls_json_parse(doc, strlen(doc), a, &v, NULL) : LS_ERR_NOMEM;
        ls_alloc_fail_after(-1, 0);
        assert_true(rc == LS_OK || rc == LS_ERR_NOMEM);
        ok += rc == LS_OK;
        ls_arena_free(a);
    }
    assert_true(ok > 0);
}

/* ------------------------------------------------------------ Delta schemas */

static void test_delta_schema(void **state)
{
    (void)state;
    const char *s =
        "{\"type\":\"struct\",\"fields\":["
        "{\"name\":\"id\",\"type\":\"long\",\"nullable\":false,\"metadata\":{\"comment\":\"x\"}},"
        "{\"name\":\"d\",\"type\":\"decimal(10, 2)\",\"nullable\":true,\"metadata\":{}},"
        "{\"name\":\"d2\",\"type\":\"decimal\",\"nullable\":true,\"metadata\":{}},"
        "{\"name\":\"t\",\"type\":\"timestamp_ntz\",\"nullable\":true,\"metadata\":{}},"
        "{\"name\":\"arr\",\"type\":{\"type\":\"array\",\"elementType\":{\"type\":\"struct\","
        "\"fields\":["
        "{\"name\":\"x\",\"type\":\"integer\",\"nullable\":true,\"metadata\":{}}]},"
        "\"containsNull\":false},"
        "\"nullable\":true,\"metadata\":{}},"
        "{\"name\":\"m\",\"type\":{\"type\":\"map\",\"keyType\":\"string\",\"valueType\":{\"type\":"
        "\"array\","
        "\"elementType\":\"binary\",\"containsNull\":true},\"valueContainsNull\":true},"
        "\"nullable\":true,\"metadata\":{}},"
        "{\"name\":\"all\",\"type\":{\"type\":\"struct\",\"fields\":["
        "{\"name\":\"a\",\"type\":\"string\",\"nullable\":true},{\"name\":\"b\",\"type\":"
        "\"binary\",\"nullable\":true},"
        "{\"name\":\"c\",\"type\":\"boolean\",\"nullable\":true},{\"name\":\"d\",\"type\":\"byte\","
        "\"nullable\":true},"
        "{\"name\":\"e\",\"type\":\"short\",\"nullable\":true},{\"name\":\"f\",\"type\":"
        "\"integer\",\"nullable\":true},"
        "{\"name\":\"g\",\"type\":\"float\",\"nullable\":true},{\"name\":\"h\",\"type\":\"double\","
        "\"nullable\":true},"
        "{\"name\":\"i\",\"type\":\"date\",\"nullable\":true},{\"name\":\"j\",\"type\":"
        "\"timestamp\"}]},"
        "\"nullable\":true,\"metadata\":{}}]}";
    ls_type_t *t = NULL;
    ls_error_t err;
    assert_int_equal(ls_json_parse_delta_schema(s, strlen(s), &t, &err), LS_OK);
    assert_int_equal(t->nfields, 7);
    assert_false(t->fields[0].nullable);
    assert_true(t->fields[1].type->kind == LS_TYPE_DECIMAL && t->fields[1].type->precision == 10 &&
                t->fields[1].type->scale == 2);
    assert_true(t->fields[2].type->precision == 10 && t->fields[2].type->scale == 0);
    assert_int_equal(t->fields[3].type->kind, LS_TYPE_TIMESTAMP_NTZ);
    assert_false(t->fields[4].type->contains_null);
    assert_int_equal(t->fields[4].type->element->fields[0].type->kind, LS_TYPE_INTEGER);
    assert_int_equal(t->fields[5].type->value->element->kind, LS_TYPE_BINARY);
    assert_int_equal(t->fields[6].type->nfields, 10);
    assert_true(t->fields[6].type->fields[9].nullable); /* default when absent */
    /* our own output reads back equal */
    ls_buf_t out;
    ls_buf_init(&out, LS_BUF_UNLIMITED);
    assert_int_equal(ls_type_to_json(t, &out), LS_OK);
    ls_type_t *t2 = NULL;
    assert_int_equal(ls_json_parse_delta_schema((const char *)out.data, out.len, &t2, &err), LS_OK);
    assert_true(ls_type_equal(t, t2));
    ls_buf_free(&out);
    ls_type_free(t);
    ls_type_free(t2);

    static const struct {
        const char *doc, *needle;
    } bad[] = {
        {"{\"type\":\"struct\",\"fields\":[{\"name\":\"a\",\"type\":{\"type\":\"struct\","
         "\"fields\":["
         "{\"name\":\"b\",\"type\":\"variant\",\"nullable\":true}]}}]}",
         "a.b: unknown type \"variant\""},
        {"{\"type\":\"struct\",\"fields\":[{\"name\":\"a\",\"type\":\"decimal(39,0)\"}]}",
         "decimal(39,0)"},
        {"{\"type\":\"struct\",\"fields\":[{\"name\":\"a\",\"type\":\"decimal(5,6)\"}]}",
         "invalid decimal"},
        {"{\"type\":\"struct\",\"fields\":[{\"name\":\"a\",\"type\":\"decimal(5,2\"}]}",
         "invalid decimal"},
        {"{\"type\":\"struct\",\"fields\":[{\"name\":\"a\",\"type\":\"uuid\"}]}",
         "unknown type \"uuid\""},
        {"{\"type\":\"struct\",\"fields\":[{\"name\":\"a\",\"type\":{\"type\":\"set\"}}]}",
         "unknown type \"set\""},
        {"{\"type\":\"struct\",\"fields\":[{\"name\":\"a\",\"type\":\"long\"},{\"name\":\"a\","
         "\"type\":\"long\"}]}",
         "duplicate field"},
        {"{\"type\":\"struct\",\"fields\":[{\"type\":\"long\"}]}", "name"},
        {"{\"type\":\"struct\"}", "fields"},
        {"{\"type\":\"array\",\"elementType\":\"long\"}", "root must be a struct"},
        {"\"long\"", "root must be a struct"},
        {"{\"type\":\"struct\",\"fields\":[}", "Delta schema: byte"},
        {"{\"type\":\"struct\",\"fields\":[{\"name\":\"a\",\"type\":{\"type\":\"map\",\"keyType\":"
         "\"string\"}}]}",
         "\"type\" must be"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
        t = NULL;
        ls_err_t rc = ls_json_parse_delta_schema(bad[i].doc, strlen(bad[i].doc), &t, &err);
        assert_int_not_equal(rc, LS_OK);
        assert_null(t);
        if (strstr(err.msg, bad[i].needle) == NULL) {
            fail_msg("schema %zu: message \"%s\" lacks \"%s\"", i, err.msg, bad[i].needle);
        }
    }
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return NULL;
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = ls_malloc(n > 0 ? (size_t)n + 1 : 1);
    size_t got = buf ? fread(buf, 1, n > 0 ? (size_t)n : 0, f) : 0;
    fclose(f);
    if (buf != NULL) {
        buf[got] = '\0';
    }
    *len = got;
    return buf;
}

/* Parse every metaData.schemaString in a commit file; returns how many were found. */
static int golden_commit(const char *path, int *expected)
{
    size_t len;
    char *data = slurp(path, &len);
    assert_non_null(data);
    int found = 0;
    for (const char *p = data; (p = strstr(p, "\"schemaString\"")) != NULL; p++) {
        (*expected)++;
    }
    for (char *line = data, *nl; line < data + len; line = nl + 1) {
        nl = memchr(line, '\n', (size_t)(data + len - line));
        if (nl == NULL) {
            nl = data + len;
        }
        ls_json_value_t *v;
        ls_error_t err;
        if (nl == line) {
            continue;
        }
        if (ls_json_parse(line, (size_t)(nl - line), g_arena, &v, &err) != LS_OK) {
            fail_msg("%s: %s", path, err.msg);
        }
        const ls_json_value_t *ss = ls_json_get(ls_json_get(v, "metaData"), "schemaString");
        if (ss == NULL) {
            continue;
        }
        (*expected)--;
        ls_type_t *t = NULL, *t2 = NULL;
        if (ls_json_parse_delta_schema(ss->str, ss->len, &t, &err) != LS_OK) {
            fail_msg("%s: %s", path, err.msg);
        }
        ls_buf_t out;
        ls_buf_init(&out, LS_BUF_UNLIMITED);
        assert_int_equal(ls_type_to_json(t, &out), LS_OK);
        assert_int_equal(ls_json_parse_delta_schema((char *)out.data, out.len, &t2, &err), LS_OK);
        assert_true(ls_type_equal(t, t2));
        ls_layout_t *l = ls_layout_new(t, &err); /* and every golden schema makes a decoder */
        assert_non_null(l);
        ls_json_decoder_t *d = ls_json_decoder_new(l, NULL, &err);
        assert_non_null(d);
        ls_json_decoder_free(d);
        ls_layout_free(l);
        ls_buf_free(&out);
        ls_type_free(t);
        ls_type_free(t2);
        found++;
    }
    ls_free(data);
    return found;
}

static void test_delta_golden_schemas(void **state)
{
    (void)state;
    LS_REQUIRE_TESTDATA("delta-golden");
    char base[4096];
    snprintf(base, sizeof(base), "%s", ls_test_data("delta-golden"));
    DIR *dir = opendir(base);
    assert_non_null(dir);
    struct dirent *e;
    int tables = 0, schemas = 0, unparsed = 0;
    while ((e = readdir(dir)) != NULL) {
        char path[8192];
        snprintf(path, sizeof(path), "%s/%s/delta/_delta_log/00000000000000000000.json", base,
                 e->d_name);
        FILE *f = e->d_name[0] != '.' ? fopen(path, "rb") : NULL;
        if (f == NULL) {
            continue;
        }
        fclose(f);
        tables++;
        schemas += golden_commit(path, &unparsed);
    }
    closedir(dir);
    print_message("delta-golden: %d commit files, %d schemas parsed\n", tables, schemas);
    /* every schemaString present was parsed (a few commit 0s have none) */
    assert_true(tables > 0 && schemas > 0 && unparsed == 0);
}

/* ------------------------------------------------------------ JSONTestSuite */

/*
 * Implementation-defined cases (docs/internals/json.md): numbers that overflow or
 * underflow a double are accepted (DOM keeps the literal; a double column rejects an
 * overflow), 500 nested arrays fit the DOM's depth limit, and everything that is not
 * valid UTF-8 / not a valid surrogate pair, UTF-16 and a byte-order mark is rejected.
 */
static const char *const accepted_i[] = {
    "i_number_double_huge_neg_exp.json", "i_number_huge_exp.json",
    "i_number_neg_int_huge_exp.json",    "i_number_pos_double_huge_exp.json",
    "i_number_real_neg_overflow.json",   "i_number_real_pos_overflow.json",
    "i_number_real_underflow.json",      "i_number_too_big_neg_int.json",
    "i_number_too_big_pos_int.json",     "i_number_very_big_negative_int.json",
    "i_structure_500_nested_arrays.json"};

static bool expect_accept(const char *name)
{
    if (name[0] == 'y') {
        return true;
    }
    if (name[0] == 'n') {
        return false;
    }
    for (size_t i = 0; i < sizeof(accepted_i) / sizeof(*accepted_i); i++) {
        if (strcmp(name, accepted_i[i]) == 0) {
            return true;
        }
    }
    return false;
}

/* The decoder on {"v": <document>}: against no fields (all skipped) and the inferred schema. */
static void suite_decoder(const char *name, const char *doc, size_t len, bool accept)
{
    size_t wl = len + 7;
    char *w = ls_malloc(wl);
    memcpy(w, "{\"v\":", 5);
    memcpy(w + 5, doc, len);
    memcpy(w + 5 + len, "}", 2);
    ls_error_t err;
    ls_type_t *empty = ls_type_new_struct();
    ls_layout_t *l = ls_layout_new(empty, &err);
    ls_json_decoder_t *d = ls_json_decoder_new(l, NULL, &err);
    ls_batch_t *b = ls_batch_new(l, 0);
    ls_err_t rc = ls_json_decode_record(d, b, w, wl - 1, &err);
    bool deep = strstr(name, "500_nested") != NULL; /* beyond the decoder's default depth 64 */
    bool skip_ok = accept && !deep;
    if ((rc == LS_OK) != skip_ok) {
        fail_msg("%s: decoder %s (%s)", name, ls_err_name(rc), rc ? err.msg : "");
    }
    ls_batch_free(b);
    ls_json_decoder_free(d);
    ls_layout_free(l);
    ls_type_free(empty);

    ls_json_infer_t *inf = ls_json_infer_new();
    rc = ls_json_infer_record(inf, w, wl - 1, &err);
    if (accept && rc != LS_OK && rc != LS_ERR_UNSUPPORTED) { /* NUL in a field name */
        fail_msg("%s: inference %s (%s)", name, ls_err_name(rc), err.msg);
    }
    if (!accept && rc == LS_OK) {
        fail_msg("%s: inference accepted it", name);
    }
    ls_type_t *t = rc == LS_OK ? ls_json_infer_result(inf, &err) : NULL;
    if (t != NULL) {
        l = ls_layout_new(t, &err);
        if (l == NULL && !(deep && err.code == LS_ERR_LIMIT)) { /* layouts stop at 255 levels */
            fail_msg("%s: layout of the inferred schema: %s", name, err.msg);
        }
        if (l == NULL) {
            ls_type_free(t);
            ls_json_infer_free(inf);
            ls_free(w);
            return;
        }
        d = ls_json_decoder_new(l, NULL, &err);
        b = ls_batch_new(l, 0);
        rc = ls_json_decode_record(d, b, w, wl - 1, &err);
        /* strict types: mixed arrays infer string and then fail with SCHEMA, never PARSE */
        if (rc != LS_OK && rc != LS_ERR_SCHEMA && !(deep && rc == LS_ERR_LIMIT)) {
            fail_msg("%s: decoder with inferred schema: %s", name, err.msg);
        }
        ls_batch_free(b);
        ls_json_decoder_free(d);
        ls_layout_free(l);
        ls_type_free(t);
    }
    ls_json_infer_free(inf);
    ls_free(w);
}

static void test_json_test_suite(void **state)
{
    (void)state;
    LS_REQUIRE_TESTDATA("json-test-suite/test_parsing");
    char base[4096];
    snprintf(base, sizeof(base), "%s", ls_test_data("json-test-suite/test_parsing"));
    DIR *dir = opendir(base);
    assert_non_null(dir);
    struct dirent *e;
    int counts[3] = {0, 0, 0};
    while ((e = readdir(dir)) != NULL) {
        const char *name = e->d_name;
        if ((name[0] != 'y' && name[0] != 'n' && name[0] != 'i') || name[1] != '_') {
            continue;
        }
        char path[8192];
        snprintf(path, sizeof(path), "%s/%s", base, name);
        size_t len;
        char *doc = slurp(path, &len);
        assert_non_null(doc);
        ls_arena_t *a = ls_arena_new(4096, 0);
        ls_json_value_t *v;
        ls_error_t err;
        ls_err_t rc = ls_json_parse(doc, len, a, &v, &err);
        bool accept = expect_accept(name);
        if ((rc == LS_OK) != accept) {
            fail_msg("%s: DOM %s (%s)", name, ls_err_name(rc), rc ? err.msg : "accepted");
        }
        suite_decoder(name, doc, len, accept);
        counts[name[0] == 'y' ? 0 : name[0] == 'n' ? 1 : 2]++;
        ls_arena_free(a);
        ls_free(doc);
    }
    closedir(dir);
    print_message("JSONTestSuite: %d y_, %d n_, %d i_ files checked\n", counts[0], counts[1],
                  counts[2]);
    assert_true(counts[0] > 90 && counts[1] > 180 && counts[2] > 30);
}

/* ------------------------------------------------------------ inference */

static char *infer_json(const char *const *recs, size_t n, ls_err_t *rc_out)
{
    ls_json_infer_t *inf = ls_json_infer_new();
    ls_error_t err;
    *rc_out = LS_OK;
    for (size_t i = 0; i < n && *rc_out == LS_OK; i++) {
        *rc_out = ls_json_infer_record(inf, recs[i], strlen(recs[i]), &err);
    }
    char *s = NULL;
    if (*rc_out == LS_OK) {
        ls_type_t *t = ls_json_infer_result(inf, &err);
        char desc[1024];
        ls_type_describe(t, desc, sizeof(desc));
        s = ls_strdup(desc);
        ls_type_free(t);
    }
    ls_json_infer_free(inf);
    return s;
}

static void expect_infer(const char *const *recs, size_t n, const char *want)
{
    ls_err_t rc;
    char *got = infer_json(recs, n, &rc);
    assert_int_equal(rc, LS_OK);
    if (strcmp(got, want) != 0) {
        fail_msg("inferred %s\n          want %s", got, want);
    }
    ls_free(got);
}

static void test_infer(void **state)
{
    (void)state;
    static const char *const r1[] = {
        "{\"a\":1,\"b\":\"x\",\"c\":null,\"s\":{\"x\":1}}",
        "{\"a\":1.5,\"b\":2,\"d\":[1,2],\"s\":{\"y\":\"a\"}}",
        ("{\"e\":\"2024-01-15\",\"f\":\"2024-01-15T10:00:00Z\",\"g\":\"2024-01-15T10:00:00\",\"h\":"
         "true}"),
        "{\"e\":\"2024-01-16T00:00:00+01:00\",\"d\":[],\"g\":\"2024-01-15\"}"};
    expect_infer(r1, 4,
                 "struct<a:double,b:string,c:string,s:struct<x:long,y:string>,d:array<long>,"
                 "e:timestamp,f:timestamp,g:timestamp_ntz,h:boolean>");
    static const char *const r2[] = {
        "{\"arr\":[1,2.5],\"nest\":[[1],[2,3]],\"big\":123456789012345678901234567890,\"mix\":{"
        "\"a\":1}}",
        ("{\"arr\":[3],\"nest\":[[null]],\"big\":5,\"mix\":\"str\",\"nulls\":[null,null],\"empty\":"
         "{},"
         "\"emptyarr\":[{}],\"ts\":\"2024-01-15T10:00:00Z\"}"),
        "{\"ts\":\"2024-01-15T10:00:00\",\"big2\":123456789012345678901234567890,\"o\":[{\"a\":1},{"
        "\"b\":[true]}]}",
        "{\"big2\":0.5,\"x\":[1,\"a\"],\"y\":[{\"a\":1},2]}"};
    expect_infer(
        r2, 4,
        "struct<arr:array<double>,nest:array<array<long>>,big:decimal(38,0),mix:string,"
        "nulls:array<string>,ts:string,big2:double,o:array<struct<a:long,b:array<boolean>>>,"
        "x:array<string>,y:array<string>>");
    static const char *const r3[] = {"{}"};
    expect_infer(r3, 1, "struct<>");

    ls_err_t rc;
    static const char *const bad1[] = {"[1]"};
    assert_null(infer_json(bad1, 1, &rc));
    assert_int_equal(rc, LS_ERR_SCHEMA);
    static const char *const dup[] = {"{\"a\":1,\"a\":\"x\"}"}; /* last value wins */
    expect_infer(dup, 1, "struct<a:string>");
    static const char *const bad3[] = {"{\"a\\u0000b\":1}"};
    assert_null(infer_json(bad3, 1, &rc));
    assert_int_equal(rc, LS_ERR_UNSUPPORTED);

    /* the inferred schema decodes the records it came from */
    ls_json_infer_t *inf = ls_json_infer_new();
    ls_error_t err;
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(ls_json_infer_record(inf, r1[i], strlen(r1[i]), &err), LS_OK);
    }
    ls_type_t *t = ls_json_infer_result(inf, &err);
    ls_layout_t *l = ls_layout_new(t, &err);
    ls_json_decoder_t *d = ls_json_decoder_new(l, NULL, &err);
    ls_batch_t *b = ls_batch_new(l, 0);
    assert_int_equal(ls_json_decode_record(d, b, r1[0], strlen(r1[0]), &err), LS_OK);
    assert_int_equal(ls_json_decode_record(d, b, r1[2], strlen(r1[2]), &err), LS_OK);
    assert_int_equal(ls_json_decode_record(d, b, r1[3], strlen(r1[3]), &err), LS_OK);
    assert_int_equal(ls_json_decode_record(d, b, r1[1], strlen(r1[1]), &err),
                     LS_ERR_SCHEMA); /* b: 2 */
    ls_batch_free(b);
    ls_json_decoder_free(d);
    ls_layout_free(l);
    ls_type_free(t);
    ls_json_infer_free(inf);
}

static void test_infer_limits(void **state)
{
    (void)state;
    ls_json_infer_t *inf = ls_json_infer_new();
    ls_error_t err;
    char rec[64];
    ls_err_t rc = LS_OK;
    for (int i = 0; i < 10001 && rc == LS_OK; i++) {
        snprintf(rec, sizeof(rec), "{\"user_%d\":1}", i);
        rc = ls_json_infer_record(inf, rec, strlen(rec), &err);
    }
    assert_int_equal(rc, LS_ERR_LIMIT);
    assert_non_null(strstr(err.msg, "map"));
    ls_json_infer_free(inf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dom_basic),
        cmocka_unit_test(test_dom_errors),
        cmocka_unit_test(test_dom_alloc_failures),
        cmocka_unit_test(test_delta_schema),
        cmocka_unit_test(test_delta_golden_schemas),
        cmocka_unit_test(test_json_test_suite),
        cmocka_unit_test(test_infer),
        cmocka_unit_test(test_infer_limits),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

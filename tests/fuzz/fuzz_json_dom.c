/*
 * fuzz_json_dom.c — the DOM parser on arbitrary bytes, cross-checked against the
 * record decoder (an object the DOM accepts must decode against an empty layout; one
 * the DOM rejects as malformed must not), plus the Delta schema parser (whose result
 * must survive ls_type_to_json and parse back equal) and inference (whose schema must
 * decode the same record without a syntax error).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lakesink/json.h"

static uint64_t ls__walk(const ls_json_value_t *v)
{
    uint64_t h = (uint64_t)v->kind;
    if (v->kind == LS_JSON_ARRAY) {
        for (size_t i = 0; i < v->n; i++) {
            h = h * 31 + ls__walk(v->items[i]);
        }
    } else if (v->kind == LS_JSON_OBJECT) {
        for (size_t i = 0; i < v->n; i++) {
            if (ls_json_get(v, v->members[i].key) == NULL &&
                strlen(v->members[i].key) == v->members[i].key_len) {
                abort(); /* every member is found by its own name */
            }
            h = h * 31 + v->members[i].key_len + ls__walk(v->members[i].value);
        }
    } else if (v->kind == LS_JSON_STRING || v->kind == LS_JSON_NUMBER) {
        h = h * 31 + v->len + (v->len ? (uint8_t)v->str[v->len - 1] : 0);
    }
    return h;
}

/* The empty-layout decoder must agree with the DOM on syntax. */
static void ls__cross_decoder(const char *s, size_t n, ls_err_t dom_rc, const ls_error_t *dom_err,
                              const ls_json_value_t *v)
{
    size_t i = 0;
    while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) {
        i++;
    }
    if (i >= n || s[i] != '{') {
        return;
    }
    ls_error_t err;
    ls_type_t *t = ls_type_new_struct();
    ls_layout_t *l = t ? ls_layout_new(t, &err) : NULL;
    ls_json_decoder_opts_t o;
    ls_json_decoder_opts_init(&o);
    o.max_depth = 512; /* the DOM's limit */
    ls_json_decoder_t *d = l ? ls_json_decoder_new(l, &o, &err) : NULL;
    ls_batch_t *b = d ? ls_batch_new(l, 0) : NULL;
    if (b != NULL) {
        ls_err_t rc = ls_json_decode_record(d, b, s, n, &err);
        if (dom_rc == LS_OK && v->kind == LS_JSON_OBJECT && rc != LS_OK) {
            fprintf(stderr, "DOM accepted, decoder: %s\n", err.msg);
            abort();
        }
        /* duplicates inside skipped values are not the decoder's business */
        if (dom_rc == LS_ERR_PARSE && rc == LS_OK &&
            strstr(dom_err->msg, "duplicate member") == NULL) {
            fprintf(stderr, "DOM rejected (%s), decoder accepted\n", dom_err->msg);
            abort();
        }
    }
    ls_batch_free(b);
    ls_json_decoder_free(d);
    ls_layout_free(l);
    ls_type_free(t);
}

static void ls__schema(const char *s, size_t n)
{
    ls_type_t *t = NULL, *t2 = NULL;
    ls_error_t err;
    if (ls_json_parse_delta_schema(s, n, &t, &err) != LS_OK) {
        return;
    }
    ls_buf_t out;
    ls_buf_init(&out, (size_t)16 << 20);
    if (ls_type_to_json(t, &out) == LS_OK) {
        if (ls_json_parse_delta_schema((const char *)out.data, out.len, &t2, &err) != LS_OK ||
            !ls_type_equal(t, t2)) {
            abort();
        }
    }
    ls_buf_free(&out);
    ls_type_free(t);
    ls_type_free(t2);
}

static void ls__infer(const char *s, size_t n)
{
    ls_error_t err;
    ls_json_infer_t *inf = ls_json_infer_new();
    if (inf == NULL || ls_json_infer_record(inf, s, n, &err) != LS_OK) {
        ls_json_infer_free(inf);
        return;
    }
    ls_type_t *t = ls_json_infer_result(inf, &err);
    ls_layout_t *l = t ? ls_layout_new(t, &err) : NULL; /* may refuse > 255 levels */
    ls_json_decoder_opts_t o;
    ls_json_decoder_opts_init(&o);
    o.max_depth = 512;
    ls_json_decoder_t *d = l ? ls_json_decoder_new(l, &o, &err) : NULL;
    ls_batch_t *b = d ? ls_batch_new(l, 0) : NULL;
    if (b != NULL) {
        ls_err_t rc = ls_json_decode_record(d, b, s, n, &err);
        if (rc != LS_OK &&
            rc != LS_ERR_SCHEMA) { /* mixed types are strict, syntax is not in doubt */
            fprintf(stderr, "inferred schema, decoder: %s\n", err.msg);
            abort();
        }
    }
    ls_batch_free(b);
    ls_json_decoder_free(d);
    ls_layout_free(l);
    ls_type_free(t);
    ls_json_infer_free(inf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    ls_arena_t *a = ls_arena_new(4096, (size_t)64 << 20);
    if (a == NULL) {
        return 0;
    }
    ls_json_value_t *v = NULL;
    ls_error_t err;
    ls_error_clear(&err);
    ls_err_t rc = ls_json_parse(s, size, a, &v, &err);
    if (rc == LS_OK) {
        (void)ls__walk(v);
        (void)ls_json_get(v, "type");
    }
    ls__cross_decoder(s, size, rc, &err, v);
    ls_arena_free(a);
    ls__schema(s, size);
    ls__infer(s, size);
    return 0;
}

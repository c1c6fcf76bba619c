/*
 * jsonschema.c — a JSON Schema document (draft-04 .. 2020-12, the keywords that describe
 * records) into a Delta schema: types, formats, required → nullability, nested objects,
 * arrays and maps, local "$ref" resolution with cycle and depth limits, null unions.
 * A Delta schema JSON document is passed to ls_json_parse_delta_schema unchanged.
 *
 * Every error names the JSON pointer of the node it is about; the pointer is kept as a
 * chain of segments on the C stack and only printed when an error needs it.
 * Not responsible for: validation keywords (enum values, pattern, minimum ... are not
 * enforced), remote references, "$id"/anchors, or reading the file.
 * The mapping rules and their reasons are in docs/internals/jsonschema.md.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lakesink/alloc.h"
#include "lakesink/buf.h"
#include "lakesink/json.h"
#include "lakesink/jsonschema.h"

/* One step of the pointer to the node being converted. A raw step holds a whole pointer
 * (the fragment of the "$ref" that led here) and ends the chain. */
typedef struct ls__jsp_s {
    const struct ls__jsp_s *up;
    const char *seg;
    size_t len;
    bool raw;
} ls__jsp_t;

typedef struct {
    const ls_json_value_t *root;
    const char *source;
    ls_error_t *err;
    ls_jsonschema_info_t info;
    size_t visits;
    int level;    /* containers above the node: 0 while converting the root object */
    size_t nrefs; /* the root and the "$ref" targets being expanded, outermost first */
    const ls_json_value_t *refs[LS_JSONSCHEMA_MAX_DEPTH + 2];
    ls_buf_t scratch; /* a "$ref" being decoded */
} ls__js_t;

/* Longest "$ref" accepted; keeps the work per reference small when refs fan out. */
#define LS__JS_REF_MAX 1024
/* Pointer steps printed in a message (a deeper pointer is shown by its tail). */
#define LS__JS_PTR_STEPS 256

static ls_err_t ls__js_node(ls__js_t *s, const ls_json_value_t *v, const ls__jsp_t *at, int depth,
                            ls_type_t **out, bool *null_ok);

/* ------------------------------------------------------------ messages */

/* Append @p n bytes to out[*pos], controls shown as '?', pointer escapes when @p esc. */
static void ls__js_put(char *out, size_t cap, size_t *pos, const char *s, size_t n, bool esc)
{
    for (size_t i = 0; i < n && *pos + 2 < cap; i++) {
        unsigned char c = (unsigned char)s[i];
        if (esc && (c == '~' || c == '/')) {
            out[(*pos)++] = '~';
            out[(*pos)++] = c == '~' ? '0' : '1';
        } else {
            out[(*pos)++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
        }
    }
    out[*pos] = '\0';
}

static void ls__js_ptr(const ls__jsp_t *at, char *out, size_t cap)
{
    const ls__jsp_t *steps[LS__JS_PTR_STEPS];
    size_t n = 0, pos = 0;
    for (const ls__jsp_t *p = at; p != NULL; p = p->up) {
        if (n == LS__JS_PTR_STEPS) {
            ls__js_put(out, cap, &pos, "...", 3, false);
            break;
        }
        steps[n++] = p;
    }
    out[pos] = '\0';
    while (n-- > 0) {
        if (!steps[n]->raw) {
            ls__js_put(out, cap, &pos, "/", 1, false);
        }
        ls__js_put(out, cap, &pos, steps[n]->seg, steps[n]->len, !steps[n]->raw);
    }
    if (pos == 0) {
        snprintf(out, cap, "(root)");
    }
}

/* A printable, clipped copy of a document string for a message. */
static const char *ls__js_clip(const char *s, size_t n, char *out, size_t cap)
{
    size_t pos = 0;
    ls__js_put(out, cap, &pos, s, n, false);
    if (pos < n && cap > 4) {
        pos = pos + 3 < cap ? pos : cap - 4;
        memcpy(out + pos, "...", 4);
    }
    return out;
}

static ls_err_t ls__js_fail(ls__js_t *s, const ls__jsp_t *at, ls_err_t code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static ls_err_t ls__js_fail(ls__js_t *s, const ls__jsp_t *at, ls_err_t code, const char *fmt, ...)
{
    char ptr[192], what[288];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    ls__js_ptr(at, ptr, sizeof(ptr));
    return ls_error_set(s->err, code, "%s: %s: %s", s->source, ptr, what);
}

static ls_err_t ls__js_nomem(ls__js_t *s, const ls__jsp_t *at)
{
    return ls__js_fail(s, at, LS_ERR_NOMEM, "out of memory converting the schema");
}

/* ------------------------------------------------------------ leaves */

static ls_err_t ls__js_prim(ls__js_t *s, const ls__jsp_t *at, ls_type_kind_t kind, ls_type_t **out)
{
    *out = ls_type_new(kind);
    return *out ? LS_OK : ls__js_nomem(s, at);
}

/* Any JSON value: a string column that keeps non-string values as their JSON text. */
static ls_err_t ls__js_any(ls__js_t *s, const ls__jsp_t *at, ls_type_t **out)
{
    s->info.json_text = true;
    return ls__js_prim(s, at, LS_TYPE_STRING, out);
}

static bool ls__js_str_is(const ls_json_value_t *v, const char *lit)
{
    size_t n = strlen(lit);
    return v != NULL && v->kind == LS_JSON_STRING && v->len == n && memcmp(v->str, lit, n) == 0;
}

static ls_err_t ls__js_string(ls__js_t *s, const ls_json_value_t *v, const ls__jsp_t *at,
                              ls_type_t **out)
{
    const ls_json_value_t *enc = ls_json_get(v, "contentEncoding");
    const ls_json_value_t *fmt = ls_json_get(v, "format");
    /* RFC 2045 encoding names are case-insensitive */
    if (enc != NULL && enc->kind == LS_JSON_STRING && enc->len == 6 &&
        strncasecmp(enc->str, "base64", 6) == 0) {
        return ls__js_prim(s, at, LS_TYPE_BINARY, out);
    }
    if (ls__js_str_is(fmt, "date-time")) {
        return ls__js_prim(s, at, LS_TYPE_TIMESTAMP, out);
    }
    if (ls__js_str_is(fmt, "date")) {
        return ls__js_prim(s, at, LS_TYPE_DATE, out);
    }
    return ls__js_prim(s, at, LS_TYPE_STRING, out);
}

/* ------------------------------------------------------------ references */

static int ls__js_hex(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    c = (char)(c | 0x20);
    return (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
}

/* The fragment after '#' percent-decoded into s->scratch (RFC 6901 section 6).
 * LS_ERR_PARSE for a malformed escape. */
static ls_err_t ls__js_unpercent(ls__js_t *s, const char *p, size_t n)
{
    ls_buf_reset(&s->scratch);
    LS_TRY(ls_buf_reserve(&s->scratch, n + 1));
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        if (c == '%') {
            int hi = i + 2 < n ? ls__js_hex(p[i + 1]) : -1;
            int lo = hi >= 0 ? ls__js_hex(p[i + 2]) : -1;
            if (lo < 0) {
                return LS_ERR_PARSE;
            }
            c = (char)(hi * 16 + lo);
            i += 2;
        }
        s->scratch.data[s->scratch.len++] = (uint8_t)c;
    }
    return LS_OK;
}

/* Decode "~0" and "~1" of one reference token in place; its new length, or -1. */
static long ls__js_untilde(char *t, size_t n)
{
    size_t w = 0;
    for (size_t r = 0; r < n; r++) {
        if (t[r] == '~') {
            if (r + 1 >= n || (t[r + 1] != '0' && t[r + 1] != '1')) {
                return -1;
            }
            t[w++] = t[++r] == '0' ? '~' : '/';
        } else {
            t[w++] = t[r];
        }
    }
    return (long)w;
}

/* One reference token applied to @p cur: a member name or an array index. */
static const ls_json_value_t *ls__js_step(const ls_json_value_t *cur, const char *t, size_t n)
{
    if (cur->kind == LS_JSON_OBJECT) {
        for (size_t i = 0; i < cur->n; i++) {
            if (cur->members[i].key_len == n && memcmp(cur->members[i].key, t, n) == 0) {
                return cur->members[i].value;
            }
        }
        return NULL;
    }
    if (cur->kind != LS_JSON_ARRAY || n == 0 || n > 9 || (n > 1 && t[0] == '0')) {
        return NULL;
    }
    size_t idx = 0;
    for (size_t i = 0; i < n; i++) {
        if (t[i] < '0' || t[i] > '9') {
            return NULL;
        }
        idx = idx * 10 + (size_t)(t[i] - '0');
    }
    return idx < cur->n ? cur->items[idx] : NULL;
}

/* Walk the decoded pointer in s->scratch from the root; NULL when it leads nowhere. */
static const ls_json_value_t *ls__js_walk(ls__js_t *s, bool *malformed)
{
    char *p = (char *)s->scratch.data;
    size_t n = s->scratch.len, i = 0;
    const ls_json_value_t *cur = s->root;
    *malformed = n > 0 && p[0] != '/';
    while (!*malformed && i < n) { /* every token is checked, also past a dead end */
        size_t j = i + 1;
        while (j < n && p[j] != '/') {
            j++;
        }
        long tn = ls__js_untilde(p + i + 1, j - i - 1);
        if (tn < 0) {
            *malformed = true;
            return NULL;
        }
        cur = cur ? ls__js_step(cur, p + i + 1, (size_t)tn) : NULL;
        i = j;
    }
    return *malformed ? NULL : cur;
}

static ls_err_t ls__js_resolve(ls__js_t *s, const ls_json_value_t *r, const ls__jsp_t *at,
                               const ls_json_value_t **target)
{
    char clip[80];
    if (r->kind != LS_JSON_STRING) {
        return ls__js_fail(s, at, LS_ERR_SCHEMA, "\"$ref\" must be a string");
    }
    ls__js_clip(r->str, r->len, clip, sizeof(clip));
    if (r->len == 0 || r->str[0] != '#') {
        return ls__js_fail(s, at, LS_ERR_SCHEMA,
                           "only references within the document (\"#/...\") are supported, "
                           "not \"%s\"",
                           clip);
    }
    if (r->len > LS__JS_REF_MAX) {
        return ls__js_fail(s, at, LS_ERR_LIMIT, "reference longer than %d bytes", LS__JS_REF_MAX);
    }
    ls_err_t rc = ls__js_unpercent(s, r->str + 1, r->len - 1);
    if (rc == LS_ERR_NOMEM) {
        return ls__js_nomem(s, at);
    }
    bool malformed = rc != LS_OK;
    *target = malformed ? NULL : ls__js_walk(s, &malformed);
    if (malformed) {
        return ls__js_fail(s, at, LS_ERR_SCHEMA,
                           "\"%s\" is not a JSON pointer (anchors are not supported; "
                           "write \"#/$defs/name\")",
                           clip);
    }
    if (*target == NULL) {
        return ls__js_fail(s, at, LS_ERR_SCHEMA, "cannot resolve \"%s\"", clip);
    }
    return LS_OK;
}

static ls_err_t ls__js_ref(ls__js_t *s, const ls_json_value_t *r, const ls__jsp_t *at, int depth,
                           ls_type_t **out, bool *null_ok)
{
    ls__jsp_t here = {at, "$ref", 4, false};
    const ls_json_value_t *target;
    LS_TRY(ls__js_resolve(s, r, &here, &target));
    for (size_t i = 0; i < s->nrefs; i++) {
        if (s->refs[i] == target) {
            char clip[80];
            return ls__js_fail(s, &here, LS_ERR_SCHEMA,
                               "recursive reference \"%s\" (a table schema cannot nest itself)",
                               ls__js_clip(r->str, r->len, clip, sizeof(clip)));
        }
    }
    if (s->nrefs == sizeof(s->refs) / sizeof(s->refs[0])) { /* depth check makes this moot */
        return ls__js_fail(s, &here, LS_ERR_LIMIT, "references nested too deeply");
    }
    s->refs[s->nrefs++] = target;
    ls__jsp_t there = {NULL, r->str + 1, r->len - 1, true};
    ls_err_t rc = ls__js_node(s, target, &there, depth + 1, out, null_ok);
    s->nrefs--;
    return rc;
}

/* ------------------------------------------------------------ containers */

/* Convert a child schema that must admit some non-null value (a column, an element). */
static ls_err_t ls__js_child(ls__js_t *s, const ls_json_value_t *v, const ls__jsp_t *at, int depth,
                             ls_type_t **out, bool *null_ok)
{
    s->level++;
    ls_err_t rc = ls__js_node(s, v, at, depth, out, null_ok);
    s->level--;
    if (rc == LS_OK && *out == NULL) {
        rc = ls__js_fail(s, at, LS_ERR_SCHEMA,
                         "unsupported type \"null\" (a column needs a non-null type)");
    }
    return rc;
}

static ls_err_t ls__js_array(ls__js_t *s, const ls_json_value_t *v, const ls__jsp_t *at, int depth,
                             ls_type_t **out)
{
    const ls_json_value_t *items = ls_json_get(v, "items");
    if (ls_json_get(v, "prefixItems") != NULL || (items && items->kind == LS_JSON_ARRAY)) {
        return ls__js_fail(s, at, LS_ERR_SCHEMA,
                           "tuple arrays (\"prefixItems\", or \"items\" as an array) are not "
                           "supported; give \"items\" one schema");
    }
    ls_type_t *el = NULL;
    bool el_null;
    if (items == NULL) {
        LS_TRY(ls__js_any(s, at, &el));
    } else {
        ls__jsp_t here = {at, "items", 5, false};
        LS_TRY(ls__js_child(s, items, &here, depth + 1, &el, &el_null));
    }
    /* containsNull is always true: JSON arrays may hold nulls whatever the schema says,
     * and a stricter element type would only turn such records into errors */
    *out = ls_type_new_array(el, true);
    return *out ? LS_OK : ls__js_nomem(s, at);
}

static ls_err_t ls__js_map(ls__js_t *s, const ls_json_value_t *v, const ls__jsp_t *at, int depth,
                           ls_type_t **out)
{
    ls_type_t *key = NULL, *val = NULL;
    bool val_null;
    LS_TRY(ls__js_child(s, v, at, depth + 1, &val, &val_null));
    if ((key = ls_type_new(LS_TYPE_STRING)) == NULL) {
        ls_type_free(val);
        return ls__js_nomem(s, at);
    }
    *out = ls_type_new_map(key, val, true);
    return *out ? LS_OK : ls__js_nomem(s, at);
}

/* Whether name @p k (@p n bytes) is listed in "required". */
static bool ls__js_in(const ls_json_value_t *arr, const char *k, size_t n)
{
    for (size_t i = 0; arr != NULL && i < arr->n; i++) {
        const ls_json_value_t *e = arr->items[i];
        if (e->len == n && memcmp(e->str, k, n) == 0) {
            return true;
        }
    }
    return false;
}

/* "required" must list strings that name declared properties. */
static ls_err_t ls__js_required(ls__js_t *s, const ls_json_value_t *req,
                                const ls_json_value_t *props, const ls__jsp_t *at)
{
    ls__jsp_t here = {at, "required", 8, false};
    if (req == NULL) {
        return LS_OK;
    }
    if (req->kind != LS_JSON_ARRAY) {
        return ls__js_fail(s, &here, LS_ERR_SCHEMA, "\"required\" must be an array of names");
    }
    if (req->n > LS_JSONSCHEMA_MAX_NODES) {
        return ls__js_fail(s, &here, LS_ERR_LIMIT, "more than %d names", LS_JSONSCHEMA_MAX_NODES);
    }
    for (size_t i = 0; i < req->n; i++) {
        const ls_json_value_t *e = req->items[i];
        char clip[80];
        if (e->kind != LS_JSON_STRING) {
            return ls__js_fail(s, &here, LS_ERR_SCHEMA, "\"required\" must be an array of names");
        }
        if (ls__js_step(props, e->str, e->len) == NULL) {
            return ls__js_fail(s, &here, LS_ERR_SCHEMA,
                               "required property \"%s\" is not declared in \"properties\"",
                               ls__js_clip(e->str, e->len, clip, sizeof(clip)));
        }
    }
    return LS_OK;
}

static int ls__js_casecmp(const void *a, const void *b)
{
    return strcasecmp(*(const char *const *)a, *(const char *const *)b);
}

/* Delta column names are case-insensitive: "Id" and "id" cannot both be columns. */
static ls_err_t ls__js_case_dups(ls__js_t *s, const ls_type_t *st, const ls__jsp_t *at)
{
    const char **names = ls_calloc(st->nfields, sizeof(*names));
    if (names == NULL) {
        return ls__js_nomem(s, at);
    }
    for (size_t i = 0; i < st->nfields; i++) {
        names[i] = st->fields[i].name;
    }
    qsort(names, st->nfields, sizeof(*names), ls__js_casecmp);
    ls_err_t rc = LS_OK;
    for (size_t i = 1; i < st->nfields && rc == LS_OK; i++) {
        if (strcasecmp(names[i - 1], names[i]) == 0) {
            char c1[64], c2[64];
            ls__jsp_t here = {at, names[i], strlen(names[i]), false};
            rc = ls__js_fail(s, &here, LS_ERR_SCHEMA,
                             "properties \"%s\" and \"%s\" differ only in case (Delta column "
                             "names are case-insensitive)",
                             ls__js_clip(names[i - 1], strlen(names[i - 1]), c1, sizeof(c1)),
                             ls__js_clip(names[i], strlen(names[i]), c2, sizeof(c2)));
        }
    }
    ls_free(names);
    return rc;
}

static ls_err_t ls__js_field(ls__js_t *s, ls_type_t *st, const ls_json_member_t *m,
                             const ls_json_value_t *req, const ls__jsp_t *props_at, int depth)
{
    ls__jsp_t here = {props_at, m->key, m->key_len, false};
    if (m->key_len == 0 || strlen(m->key) != m->key_len) {
        return ls__js_fail(s, &here, LS_ERR_SCHEMA,
                           "a column name must be non-empty and must not contain NUL");
    }
    ls_type_t *ft = NULL;
    bool null_ok;
    LS_TRY(ls__js_child(s, m->value, &here, depth + 1, &ft, &null_ok));
    /* a required member whose schema admits null may still be null */
    bool nullable = null_ok || !ls__js_in(req, m->key, m->key_len);
    ls_err_t rc = ls_type_struct_add(st, m->key, ft, nullable);
    if (rc == LS_ERR_EXISTS) { /* the parser merges duplicate members; kept for safety */
        return ls__js_fail(s, &here, LS_ERR_SCHEMA, "duplicate property");
    }
    return rc == LS_OK ? LS_OK : ls__js_nomem(s, &here);
}

static ls_err_t ls__js_struct(ls__js_t *s, const ls_json_value_t *v, const ls_json_value_t *props,
                              const ls__jsp_t *at, int depth, ls_type_t **out)
{
    ls__jsp_t pat = {at, "properties", 10, false};
    const ls_json_value_t *req = ls_json_get(v, "required");
    if (props->n > LS_JSONSCHEMA_MAX_NODES) {
        return ls__js_fail(s, &pat, LS_ERR_LIMIT, "more than %d properties",
                           LS_JSONSCHEMA_MAX_NODES);
    }
    LS_TRY(ls__js_required(s, req, props, at));
    ls_type_t *st = ls_type_new_struct();
    if (st == NULL) {
        return ls__js_nomem(s, at);
    }
    ls_err_t rc = LS_OK;
    for (size_t i = 0; i < props->n && rc == LS_OK; i++) {
        rc = ls__js_field(s, st, &props->members[i], req, &pat, depth);
    }
    if (rc == LS_OK) {
        rc = ls__js_case_dups(s, st, &pat);
    }
    if (rc != LS_OK) {
        ls_type_free(st);
        return rc;
    }
    *out = st;
    return LS_OK;
}

/* The member of a single-pattern "patternProperties", else NULL. */
static const ls_json_member_t *ls__js_one_pattern(const ls_json_value_t *v)
{
    const ls_json_value_t *pp = ls_json_get(v, "patternProperties");
    return (pp != NULL && pp->kind == LS_JSON_OBJECT && pp->n == 1) ? &pp->members[0] : NULL;
}

static ls_err_t ls__js_object(ls__js_t *s, const ls_json_value_t *v, const ls__jsp_t *at, int depth,
                              ls_type_t **out)
{
    const ls_json_value_t *props = ls_json_get(v, "properties");
    const ls_json_value_t *addl = ls_json_get(v, "additionalProperties");
    const ls_json_value_t *uneval = ls_json_get(v, "unevaluatedProperties");
    if (props != NULL && props->kind != LS_JSON_OBJECT) {
        ls__jsp_t here = {at, "properties", 10, false};
        return ls__js_fail(s, &here, LS_ERR_SCHEMA, "\"properties\" must be an object");
    }
    if (addl != NULL && addl->kind != LS_JSON_BOOL && addl->kind != LS_JSON_OBJECT) {
        ls__jsp_t here = {at, "additionalProperties", 20, false};
        return ls__js_fail(s, &here, LS_ERR_SCHEMA, "must be a boolean or a schema");
    }
    bool closed = (addl != NULL && addl->kind == LS_JSON_BOOL && !addl->b) ||
                  (addl == NULL && uneval != NULL && uneval->kind == LS_JSON_BOOL && !uneval->b);
    if (props != NULL && props->n > 0) {
        if (s->level == 0) {
            s->info.closed = closed;
        }
        return ls__js_struct(s, v, props, at, depth, out);
    }
    if (addl != NULL && addl->kind == LS_JSON_OBJECT && addl->n > 0) {
        ls__jsp_t here = {at, "additionalProperties", 20, false};
        return ls__js_map(s, addl, &here, depth, out);
    }
    const ls_json_member_t *pat = ls__js_one_pattern(v);
    if (pat != NULL && (addl == NULL || closed)) {
        ls__jsp_t pp = {at, "patternProperties", 17, false};
        ls__jsp_t here = {&pp, pat->key, pat->key_len, false};
        return ls__js_map(s, pat->value, &here, depth, out);
    }
    if (closed && ls_json_get(v, "patternProperties") == NULL) {
        return ls__js_fail(s, at, LS_ERR_SCHEMA,
                           "an object with no properties that allows no others has no columns");
    }
    return ls__js_any(s, at, out);
}

/* ------------------------------------------------------------ dispatch */

static ls_err_t ls__js_typed(ls__js_t *s, const ls_json_value_t *v, const ls_json_value_t *name,
                             const ls__jsp_t *at, int depth, ls_type_t **out)
{
    char clip[80];
    if (ls__js_str_is(name, "string")) {
        return ls__js_string(s, v, at, out);
    }
    if (ls__js_str_is(name, "integer")) {
        return ls__js_prim(s, at, LS_TYPE_LONG, out);
    }
    if (ls__js_str_is(name, "number")) {
        return ls__js_prim(s, at, LS_TYPE_DOUBLE, out);
    }
    if (ls__js_str_is(name, "boolean")) {
        return ls__js_prim(s, at, LS_TYPE_BOOLEAN, out);
    }
    if (ls__js_str_is(name, "array")) {
        return ls__js_array(s, v, at, depth, out);
    }
    if (ls__js_str_is(name, "object")) {
        return ls__js_object(s, v, at, depth, out);
    }
    return ls__js_fail(s, at, LS_ERR_SCHEMA, "unsupported type \"%s\"",
                       ls__js_clip(name->str, name->len, clip, sizeof(clip)));
}

/* "type": a name or a list of names; "null" in the list makes the result nullable. */
static ls_err_t ls__js_type(ls__js_t *s, const ls_json_value_t *v, const ls_json_value_t *t,
                            const ls__jsp_t *at, int depth, ls_type_t **out, bool *null_ok)
{
    ls__jsp_t here = {at, "type", 4, false};
    const ls_json_value_t *const *names =
        t->kind == LS_JSON_ARRAY ? (const ls_json_value_t *const *)t->items : &t;
    size_t n = t->kind == LS_JSON_ARRAY ? t->n : 1;
    const ls_json_value_t *pick = NULL;
    size_t distinct = 0;
    bool has_int = false, has_num = false;
    for (size_t i = 0; i < n; i++) {
        const ls_json_value_t *nm = names[i];
        if (nm->kind != LS_JSON_STRING) {
            return ls__js_fail(s, &here, LS_ERR_SCHEMA,
                               "\"type\" must be a type name or an array of type names");
        }
        if (ls__js_str_is(nm, "null")) {
            *null_ok = true;
        } else if (pick == NULL || pick->len != nm->len || memcmp(pick->str, nm->str, nm->len)) {
            has_int |= ls__js_str_is(nm, "integer");
            has_num |= ls__js_str_is(nm, "number");
            pick = nm;
            distinct++;
        }
    }
    if (distinct == 2 && has_int && has_num) { /* every integer is a number */
        return ls__js_prim(s, at, LS_TYPE_DOUBLE, out);
    }
    if (distinct > 1) {
        return ls__js_fail(s, &here, LS_ERR_SCHEMA,
                           "a column of several types is not supported (one type, optionally "
                           "with \"null\")");
    }
    return pick == NULL ? LS_OK : ls__js_typed(s, v, pick, at, depth, out);
}

/* "oneOf"/"anyOf": null branches make the result nullable; the other branches must all
 * give the same type. */
static ls_err_t ls__js_union(ls__js_t *s, const ls_json_value_t *arr, const char *kw,
                             const ls__jsp_t *at, int depth, ls_type_t **out, bool *null_ok)
{
    ls__jsp_t here = {at, kw, strlen(kw), false};
    if (arr->kind != LS_JSON_ARRAY || arr->n == 0) {
        return ls__js_fail(s, &here, LS_ERR_SCHEMA, "\"%s\" must be a non-empty array of schemas",
                           kw);
    }
    ls_type_t *pick = NULL;
    for (size_t i = 0; i < arr->n; i++) {
        char idx[24];
        ls__jsp_t br = {&here, idx, (size_t)snprintf(idx, sizeof(idx), "%zu", i), false};
        ls_type_t *t = NULL;
        bool nul = false;
        ls_err_t rc = ls__js_node(s, arr->items[i], &br, depth + 1, &t, &nul);
        if (rc != LS_OK) {
            ls_type_free(pick);
            return rc;
        }
        *null_ok |= nul;
        if (t != NULL && pick != NULL && !ls_type_equal(pick, t)) {
            char d1[64], d2[64];
            ls_type_describe(pick, d1, sizeof(d1));
            ls_type_describe(t, d2, sizeof(d2));
            ls_type_free(pick);
            ls_type_free(t);
            return ls__js_fail(s, &here, LS_ERR_SCHEMA,
                               "a union of different types (%s, %s) is not supported (one type, "
                               "optionally with null)",
                               d1, d2);
        }
        if (pick == NULL) {
            pick = t;
        } else {
            ls_type_free(t);
        }
    }
    *out = pick;
    return LS_OK;
}

static ls_err_t ls__js_allof(ls__js_t *s, const ls_json_value_t *arr, const ls__jsp_t *at,
                             int depth, ls_type_t **out, bool *null_ok)
{
    ls__jsp_t here = {at, "allOf", 5, false};
    if (arr->kind != LS_JSON_ARRAY || arr->n != 1) {
        return ls__js_fail(s, &here, LS_ERR_SCHEMA,
                           "\"allOf\" is supported with exactly one schema (merging schemas is "
                           "not)");
    }
    ls__jsp_t br = {&here, "0", 1, false};
    return ls__js_node(s, arr->items[0], &br, depth + 1, out, null_ok);
}

/* "enum"/"const" without "type": the JSON type the values share. */
static ls_err_t ls__js_enum(ls__js_t *s, const ls_json_value_t *v, const ls__jsp_t *at,
                            ls_type_t **out, bool *null_ok)
{
    const ls_json_value_t *e = ls_json_get(v, "enum");
    const ls_json_value_t *c = ls_json_get(v, "const");
    ls__jsp_t here = {at, e ? "enum" : "const", e ? 4 : 5, false};
    if (e != NULL && (e->kind != LS_JSON_ARRAY || e->n == 0)) {
        return ls__js_fail(s, &here, LS_ERR_SCHEMA, "\"enum\" must be a non-empty array");
    }
    const ls_json_value_t *const *vals = e ? (const ls_json_value_t *const *)e->items : &c;
    size_t n = e ? e->n : 1;
    unsigned seen = 0; /* bit per kind: 1 string, 2 integer, 4 other number, 8 boolean, 16 other */
    for (size_t i = 0; i < n; i++) {
        switch (vals[i]->kind) {
        case LS_JSON_NULL: *null_ok = true; break;
        case LS_JSON_STRING: seen |= 1; break;
        case LS_JSON_NUMBER: seen |= vals[i]->is_int ? 2 : 4; break;
        case LS_JSON_BOOL: seen |= 8; break;
        default: seen |= 16; break;
        }
    }
    switch (seen) {
    case 0: return LS_OK; /* null only */
    case 1: return ls__js_prim(s, at, LS_TYPE_STRING, out);
    case 2: return ls__js_prim(s, at, LS_TYPE_LONG, out);
    case 4:
    case 6: return ls__js_prim(s, at, LS_TYPE_DOUBLE, out);
    case 8: return ls__js_prim(s, at, LS_TYPE_BOOLEAN, out);
    default:
        return ls__js_fail(s, &here, LS_ERR_SCHEMA,
                           "values of different JSON types, objects or arrays need a \"type\"");
    }
}

/* Which type a schema without "type" describes, judged by its keywords. */
static const char *ls__js_implied(const ls_json_value_t *v)
{
    static const char *const obj_kw[] = {"properties", "additionalProperties", "patternProperties",
                                         "required"};
    for (size_t i = 0; i < sizeof(obj_kw) / sizeof(obj_kw[0]); i++) {
        if (ls_json_get(v, obj_kw[i]) != NULL) {
            return "object";
        }
    }
    if (ls_json_get(v, "items") != NULL || ls_json_get(v, "prefixItems") != NULL) {
        return "array";
    }
    return NULL;
}

static ls_err_t ls__js_node(ls__js_t *s, const ls_json_value_t *v, const ls__jsp_t *at, int depth,
                            ls_type_t **out, bool *null_ok)
{
    *out = NULL;
    *null_ok = false;
    if (depth > LS_JSONSCHEMA_MAX_DEPTH) {
        return ls__js_fail(s, at, LS_ERR_LIMIT, "schema nested deeper than %d levels",
                           LS_JSONSCHEMA_MAX_DEPTH);
    }
    if (++s->visits > LS_JSONSCHEMA_MAX_NODES) {
        return ls__js_fail(s, at, LS_ERR_LIMIT,
                           "more than %d schema nodes (counting each use of a reference)",
                           LS_JSONSCHEMA_MAX_NODES);
    }
    if (v->kind == LS_JSON_BOOL) {
        return v->b ? ls__js_any(s, at, out)
                    : ls__js_fail(s, at, LS_ERR_SCHEMA, "the schema false admits no value");
    }
    if (v->kind != LS_JSON_OBJECT) {
        return ls__js_fail(s, at, LS_ERR_SCHEMA, "a schema must be an object or a boolean");
    }
    const ls_json_value_t *k;
    if ((k = ls_json_get(v, "$ref")) != NULL) {
        return ls__js_ref(s, k, at, depth, out, null_ok);
    }
    if ((k = ls_json_get(v, "allOf")) != NULL) {
        return ls__js_allof(s, k, at, depth, out, null_ok);
    }
    if ((k = ls_json_get(v, "type")) != NULL) {
        return ls__js_type(s, v, k, at, depth, out, null_ok);
    }
    if ((k = ls_json_get(v, "oneOf")) != NULL || (k = ls_json_get(v, "anyOf")) != NULL) {
        return ls__js_union(s, k, ls_json_get(v, "oneOf") ? "oneOf" : "anyOf", at, depth, out,
                            null_ok);
    }
    if (ls_json_get(v, "enum") != NULL || ls_json_get(v, "const") != NULL) {
        return ls__js_enum(s, v, at, out, null_ok);
    }
    const char *implied = ls__js_implied(v);
    if (implied != NULL) {
        ls_json_value_t name = {.kind = LS_JSON_STRING, .str = implied, .len = strlen(implied)};
        return ls__js_typed(s, v, &name, at, depth, out);
    }
    return ls__js_any(s, at, out);
}

/* ------------------------------------------------------------ entry */

static bool ls__js_is_delta(const ls_json_value_t *root)
{
    return ls__js_str_is(ls_json_get(root, "type"), "struct") &&
           ls_json_get(root, "fields") != NULL;
}

static ls_err_t ls__js_delta(const char *text, size_t len, const char *src, ls_type_t **out,
                             ls_error_t *err)
{
    ls_err_t rc = ls_json_parse_delta_schema(text, len, out, err);
    if (rc != LS_OK) {
        return ls_error_prefix(err, "%s: ", src);
    }
    if ((*out)->nfields == 0) {
        ls_type_free(*out);
        *out = NULL;
        return ls_error_set(err, LS_ERR_SCHEMA, "%s: Delta schema without fields", src);
    }
    return LS_OK;
}

static ls_err_t ls__js_root(ls__js_t *s, ls_type_t **out)
{
    ls_type_t *t = NULL;
    bool null_ok;
    s->refs[s->nrefs++] = s->root; /* "$ref": "#" below the root is a cycle */
    LS_TRY(ls__js_node(s, s->root, NULL, 0, &t, &null_ok));
    if (t == NULL || t->kind != LS_TYPE_STRUCT) {
        ls_type_free(t);
        return ls__js_fail(s, NULL, LS_ERR_SCHEMA,
                           "the root must be an object schema with properties "
                           "({\"type\": \"object\", \"properties\": {...}})");
    }
    *out = t;
    return LS_OK;
}

ls_err_t ls_jsonschema_to_delta(const char *text, size_t len, const char *source, ls_type_t **out,
                                ls_jsonschema_info_t *info, ls_error_t *err)
{
    const char *src = source ? source : "JSON Schema";
    if (info != NULL) {
        memset(info, 0, sizeof(*info));
    }
    if (out == NULL || text == NULL) {
        return ls_error_set(err, LS_ERR_INVALID_ARG, "%s: ls_jsonschema_to_delta: NULL argument",
                            src);
    }
    *out = NULL;
    if (len > LS_JSONSCHEMA_MAX_BYTES) {
        return ls_error_set(err, LS_ERR_LIMIT, "%s: %zu bytes, more than the %zu a schema may have",
                            src, len, LS_JSONSCHEMA_MAX_BYTES);
    }
    ls_arena_t *arena = ls_arena_new(len / 2 + 4096, 0);
    if (arena == NULL) {
        return ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory converting the schema", src);
    }
    ls_json_value_t *root = NULL;
    ls_err_t rc = ls_json_parse(text, len, arena, &root, err);
    if (rc != LS_OK) {
        ls_error_prefix(err, "%s: ", src);
    } else if (ls__js_is_delta(root)) {
        rc = ls__js_delta(text, len, src, out, err);
    } else {
        ls__js_t s = {.root = root, .source = src, .err = err};
        ls_buf_init(&s.scratch, LS__JS_REF_MAX + 1);
        rc = ls__js_root(&s, out);
        ls_buf_free(&s.scratch);
        if (rc == LS_OK && info != NULL) {
            *info = s.info;
        }
    }
    ls_arena_free(arena);
    return rc;
}

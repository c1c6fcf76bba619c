/*
 * dom.c — a small JSON tree for configuration-sized documents (Delta log actions,
 * schema strings, inference samples): every node, string and member array lives in
 * the caller's arena, so one ls_arena_free releases a document.
 *
 * Strictness is the lexer's (lex.c), plus: duplicate member names in one object are
 * merged, the last value winning at the first one's position (the decoder applies the
 * same rule), a byte-order mark is not JSON, nesting is limited to LS__JSON_DOM_DEPTH.
 * Not responsible for: the hot path (decode.c never builds a tree).
 */
#include <string.h>

#include "json_int.h"
#include "lakesink/alloc.h"
#include "lakesink/json.h"

typedef struct {
    const char *base, *end;
    ls_arena_t *arena;
    ls_error_t *err;
    ls_err_t code;
    ls_buf_t stack; /* members/items of the open containers, innermost last */
    ls_buf_t set;   /* duplicate detection slots for large objects */
    uint32_t depth;
} ls__dom_t;

static const char *ls__dom_fail(ls__dom_t *s, ls_err_t code, const char *pos, const char *msg)
{
    s->code = code;
    ls_error_set(s->err, code, "byte %zu: %s", (size_t)(pos - s->base), msg);
    return NULL;
}

static const char *ls__dom_lexfail(ls__dom_t *s, const ls__jerr_t *e)
{
    return ls__dom_fail(s, e->code, e->pos, e->msg);
}

static const char *ls__dom_nomem(ls__dom_t *s, const char *pos)
{
    return ls__dom_fail(s, LS_ERR_NOMEM, pos,
                        "out of memory (or arena cap reached) building the document");
}

static const char *ls__dom_value(ls__dom_t *s, const char *p, ls_json_value_t *v);

static const char *ls__dom_string(ls__dom_t *s, const char *p, const char **str, size_t *len)
{
    bool esc;
    ls__jerr_t le;
    const char *q = ls__json_scan_string(p + 1, s->end, &esc, &le);
    if (q == NULL) {
        return ls__dom_lexfail(s, &le);
    }
    size_t n = (size_t)(q - p - 1);
    char *out = ls_arena_alloc(s->arena, n + 1);
    if (out == NULL) {
        return ls__dom_nomem(s, p);
    }
    if (esc) {
        n = ls__json_unescape(p + 1, q, (uint8_t *)out);
    } else {
        memcpy(out, p + 1, n);
    }
    out[n] = '\0';
    *str = out;
    *len = n;
    return q + 1;
}

static const char *ls__dom_number(ls__dom_t *s, const char *p, ls_json_value_t *v)
{
    ls_num_t n;
    ls__jerr_t le;
    const char *q = ls__json_scan_number(p, s->end, &n, &le);
    if (q == NULL) {
        return ls__dom_lexfail(s, &le);
    }
    v->kind = LS_JSON_NUMBER;
    v->len = (size_t)(q - p);
    v->str = ls_arena_strndup(s->arena, p, v->len);
    if (v->str == NULL) {
        return ls__dom_nomem(s, p);
    }
    ls_num_to_double(&n, &v->num); /* overflow leaves +-inf: the text stays exact */
    v->is_int = n.is_int && ls_num_to_i64(&n, &v->i64);
    return q;
}

static bool ls__member_eq(const ls_json_member_t *a, const ls_json_member_t *b)
{
    return a->key_len == b->key_len && memcmp(a->key, b->key, a->key_len) == 0;
}

/* Index of the first member whose key repeats an earlier one, or n. */
/*
 * Resolve duplicate member names by the one rule lakesink applies everywhere: the last
 * occurrence wins, at the position of the first (JavaScript and jq semantics). Returns
 * the member count after merging; *nomem on allocation failure.
 */
static size_t ls__dom_dedup(ls__dom_t *s, ls_json_member_t *m, size_t n, bool *nomem)
{
    *nomem = false;
    bool any = false;
    if (n <= 16) {
        for (size_t i = 1; i < n; i++) {
            for (size_t j = 0; j < i; j++) {
                if (m[j].key != NULL && ls__member_eq(&m[i], &m[j])) {
                    m[j].value = m[i].value;
                    m[i].key = NULL;
                    any = true;
                    break;
                }
            }
        }
    } else {
        size_t size = 32;
        while (size < 2 * n) {
            size *= 2;
        }
        s->set.len = 0;
        if (ls_buf_reserve(&s->set, size * sizeof(uint32_t)) != LS_OK) {
            *nomem = true;
            return n;
        }
        uint32_t *slot = (uint32_t *)(void *)s->set.data;
        memset(slot, 0, size * sizeof(uint32_t));
        for (size_t i = 0; i < n; i++) {
            size_t h = ls__json_hash(m[i].key, m[i].key_len) & (size - 1);
            for (; slot[h] != 0; h = (h + 1) & (size - 1)) {
                if (ls__member_eq(&m[i], &m[slot[h] - 1])) {
                    break;
                }
            }
            if (slot[h] != 0) {
                m[slot[h] - 1].value = m[i].value;
                m[i].key = NULL;
                any = true;
            } else {
                slot[h] = (uint32_t)(i + 1);
            }
        }
    }
    if (!any) {
        return n;
    }
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (m[i].key != NULL) {
            m[k++] = m[i];
        }
    }
    return k;
}

/* Move the last @p n entries of @p size bytes from the stack into the arena. */
static void *ls__dom_pop(ls__dom_t *s, size_t n, size_t size)
{
    size_t bytes = n * size;
    void *out = ls_arena_alloc(s->arena, bytes ? bytes : 1);
    if (out != NULL && bytes > 0) {
        memcpy(out, s->stack.data + s->stack.len - bytes, bytes);
    }
    s->stack.len -= bytes;
    return out;
}

static const char *ls__dom_member(ls__dom_t *s, const char *p)
{
    ls_json_member_t m;
    if (p >= s->end || *p != '"') {
        return ls__dom_fail(s, LS_ERR_PARSE, p, "expected a member name string");
    }
    p = ls__dom_string(s, p, &m.key, &m.key_len);
    if (p == NULL) {
        return NULL;
    }
    p = ls__json_ws(p, s->end);
    if (p >= s->end || *p != ':') {
        return ls__dom_fail(s, LS_ERR_PARSE, p, "expected ':' after member name");
    }
    m.value = ls_arena_calloc(s->arena, 1, sizeof(ls_json_value_t));
    if (m.value == NULL) {
        return ls__dom_nomem(s, p);
    }
    p = ls__dom_value(s, ls__json_ws(p + 1, s->end), m.value);
    if (p != NULL && ls_buf_append(&s->stack, &m, sizeof(m)) != LS_OK) {
        return ls__dom_nomem(s, p);
    }
    return p;
}

static const char *ls__dom_item(ls__dom_t *s, const char *p)
{
    ls_json_value_t *v = ls_arena_calloc(s->arena, 1, sizeof(*v));
    if (v == NULL) {
        return ls__dom_nomem(s, p);
    }
    p = ls__dom_value(s, p, v);
    if (p != NULL && ls_buf_append(&s->stack, &v, sizeof(v)) != LS_OK) {
        return ls__dom_nomem(s, p);
    }
    return p;
}

static const char *ls__dom_container(ls__dom_t *s, const char *p, ls_json_value_t *v)
{
    const char *start = p;
    bool obj = *p == '{';
    char close = obj ? '}' : ']';
    if (++s->depth > LS__JSON_DOM_DEPTH) {
        return ls__dom_fail(s, LS_ERR_LIMIT, p, "document nested deeper than 512 levels");
    }
    size_t n = 0;
    p = ls__json_ws(p + 1, s->end);
    if (p < s->end && *p == close) {
        p++;
    } else {
        for (;; n++) {
            p = obj ? ls__dom_member(s, p) : ls__dom_item(s, p);
            if (p == NULL) {
                return NULL;
            }
            p = ls__json_ws(p, s->end);
            if (p < s->end && *p == ',') {
                p = ls__json_ws(p + 1, s->end);
                continue;
            }
            if (p < s->end && *p == close) {
                p++;
                n++;
                break;
            }
            return ls__dom_fail(s, LS_ERR_PARSE, p,
                                obj ? "expected ',' or '}' in object"
                                    : "expected ',' or ']' in array");
        }
    }
    s->depth--;
    v->kind = obj ? LS_JSON_OBJECT : LS_JSON_ARRAY;
    v->n = n;
    if (!obj) {
        v->items = ls__dom_pop(s, n, sizeof(ls_json_value_t *));
        return v->items ? p : ls__dom_nomem(s, start);
    }
    v->members = ls__dom_pop(s, n, sizeof(ls_json_member_t));
    if (v->members == NULL) {
        return ls__dom_nomem(s, start);
    }
    bool nomem;
    v->n = ls__dom_dedup(s, v->members, n, &nomem);
    if (nomem) {
        return ls__dom_nomem(s, start);
    }
    return p;
}

static const char *ls__dom_value(ls__dom_t *s, const char *p, ls_json_value_t *v)
{
    ls__jerr_t le;
    if (p >= s->end) {
        return ls__dom_fail(s, LS_ERR_PARSE, p, "unexpected end of input (expected a value)");
    }
    const char *q;
    switch (*p) {
    case '{':
    case '[': return ls__dom_container(s, p, v);
    case '"': v->kind = LS_JSON_STRING; return ls__dom_string(s, p, &v->str, &v->len);
    case 't':
    case 'f':
        v->kind = LS_JSON_BOOL;
        v->b = *p == 't';
        q = v->b ? ls__json_literal(p, s->end, "true", 4, &le)
                 : ls__json_literal(p, s->end, "false", 5, &le);
        return q ? q : ls__dom_lexfail(s, &le);
    case 'n':
        v->kind = LS_JSON_NULL;
        q = ls__json_literal(p, s->end, "null", 4, &le);
        return q ? q : ls__dom_lexfail(s, &le);
    default: return ls__dom_number(s, p, v);
    }
}

ls_err_t ls_json_parse(const char *data, size_t len, ls_arena_t *arena, ls_json_value_t **out,
                       ls_error_t *err)
{
    if ((data == NULL && len > 0) || arena == NULL || out == NULL) {
        return ls_error_set(err, LS_ERR_INVALID_ARG, "ls_json_parse: missing argument");
    }
    if (data == NULL) {
        data = ""; /* len == 0 */
    }
    ls__dom_t s = {.base = data, .end = data + len, .arena = arena, .err = err, .code = LS_OK};
    /* every member or item takes at least one input byte, so this cap is never the limit */
    ls_buf_init(&s.stack, (len + 1) * sizeof(ls_json_member_t));
    ls_buf_init(&s.set, (len + 32) * 2 * sizeof(uint32_t));
    ls_json_value_t *v = ls_arena_calloc(arena, 1, sizeof(*v));
    const char *p = ls__json_ws(data, s.end);
    if (v == NULL) {
        p = ls__dom_nomem(&s, p);
    } else if (p >= s.end) {
        p = ls__dom_fail(&s, LS_ERR_PARSE, p, "empty document");
    } else {
        p = ls__dom_value(&s, p, v);
    }
    if (p != NULL && ls__json_ws(p, s.end) != s.end) {
        p = ls__dom_fail(&s, LS_ERR_PARSE, ls__json_ws(p, s.end),
                         "unexpected data after the document");
    }
    ls_buf_free(&s.stack);
    ls_buf_free(&s.set);
    if (p == NULL) {
        return s.code;
    }
    *out = v;
    return LS_OK;
}

const ls_json_value_t *ls_json_get(const ls_json_value_t *obj, const char *key)
{
    if (obj == NULL || obj->kind != LS_JSON_OBJECT || key == NULL) {
        return NULL;
    }
    size_t n = strlen(key);
    for (size_t i = 0; i < obj->n; i++) {
        const ls_json_member_t *m = &obj->members[i];
        if (m->key_len == n && memcmp(m->key, key, n) == 0) {
            return m->value;
        }
    }
    return NULL;
}

ls_err_t ls_json_write_value(const ls_json_value_t *v, ls_buf_t *out)
{
    switch (v->kind) {
    case LS_JSON_NULL: return ls_buf_append_str(out, "null");
    case LS_JSON_BOOL: return ls_buf_append_str(out, v->b ? "true" : "false");
    case LS_JSON_NUMBER: return ls_buf_append(out, v->str, v->len); /* the literal, unchanged */
    case LS_JSON_STRING: return ls_json_append_string(out, v->str, v->len);
    case LS_JSON_ARRAY:
        LS_TRY(ls_buf_append_byte(out, '['));
        for (size_t i = 0; i < v->n; i++) {
            if (i > 0) {
                LS_TRY(ls_buf_append_byte(out, ','));
            }
            LS_TRY(ls_json_write_value(v->items[i], out));
        }
        return ls_buf_append_byte(out, ']');
    case LS_JSON_OBJECT:
        LS_TRY(ls_buf_append_byte(out, '{'));
        for (size_t i = 0; i < v->n; i++) {
            if (i > 0) {
                LS_TRY(ls_buf_append_byte(out, ','));
            }
            LS_TRY(ls_json_append_string(out, v->members[i].key, v->members[i].key_len));
            LS_TRY(ls_buf_append_byte(out, ':'));
            LS_TRY(ls_json_write_value(v->members[i].value, out));
        }
        return ls_buf_append_byte(out, '}');
    }
    return LS_ERR_INVALID_ARG;
}

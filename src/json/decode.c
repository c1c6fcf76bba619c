/*
 * decode.c — the schema-directed JSON decoder: builds a plan per layout node, walks
 * each record by recursive descent guided by that plan, and writes values straight
 * into the batch's columns (no tree, no allocation per value). Also NDJSON framing.
 *
 * Member lookup: each struct plan remembers which field appeared at each member
 * position in the previous object; machine-written records keep their key order, so
 * the usual cost of a lookup is one length check and one memcmp against the raw
 * input. On a miss the key is scanned (and unescaped when needed) and looked up in an
 * open-addressing table. Duplicate members are found with a per-object stamp.
 * Not responsible for: converting leaf values (decode_leaf.c) or the lexer (lex.c).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "decode_int.h"
#include "lakesink/bytes.h"
#include "lakesink/alloc.h"

/* ---------------------------------------------------------------- errors */

/* "a.b[].c" from the plans on the path stack. */
static void ls__path_text(const ls__dec_t *d, char *out, size_t cap)
{
    size_t k = 0;
    out[0] = '\0';
    for (uint32_t i = 0; i < d->plen && k + 1 < cap; i++) {
        const ls__jplan_t *pl = d->path[i];
        bool elem = i > 0 && d->path[i - 1]->kind == LS_TYPE_ARRAY;
        int n = snprintf(out + k, cap - k, "%s%s", elem ? "" : (k > 0 ? "." : ""),
                         elem ? "[]" : pl->name);
        if (n < 0) {
            break;
        }
        k += (size_t)n;
        if (k >= cap) {
            k = cap - 1;
        }
    }
}

const char *ls__dec_fail(ls__dec_t *d, ls_err_t code, const char *pos, const char *fmt, ...)
{
    d->code = code;
    if (d->err == NULL) {
        return NULL;
    }
    char msg[LS_ERROR_MSG_MAX / 2], path[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    ls__path_text(d, path, sizeof(path));
    size_t off = (size_t)(pos - d->base);
    if (path[0] != '\0') {
        ls_error_set(d->err, code, "byte %zu, field %s: %s", off, path, msg);
    } else {
        ls_error_set(d->err, code, "byte %zu: %s", off, msg);
    }
    return NULL;
}

const char *ls__dec_lexfail(ls__dec_t *d, const ls__jerr_t *e)
{
    return ls__dec_fail(d, e->code, e->pos, "%s", e->msg);
}

const char *ls__dec_pushfail(ls__dec_t *d, ls_err_t rc, const char *pos)
{
    if (rc == LS_ERR_LIMIT) {
        d->batch_full = true;
        return ls__dec_fail(d, rc, pos, "batch memory cap of %zu bytes reached", d->b->max_bytes);
    }
    if (rc == LS_ERR_NOMEM) {
        return ls__dec_fail(d, rc, pos, "out of memory growing a column");
    }
    return ls__dec_fail(d, rc, pos, "column push failed: %s", ls_err_str(rc));
}

static const char *ls__depth_fail(ls__dec_t *d, const char *p)
{
    return ls__dec_fail(d, LS_ERR_LIMIT, p, "nesting deeper than the limit of %u", d->max_depth);
}

/* ---------------------------------------------------------------- plans */

static bool ls__name_plain(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == '"' || c == '\\') {
            return false;
        }
    }
    return ls__json_utf8_valid((const uint8_t *)s, n);
}

static ls_err_t ls__plan_struct(ls__dec_t *d, ls__jplan_t *pl)
{
    uint32_t n = pl->nchildren, size = 4;
    while (size < 2 * n) {
        size *= 2;
    }
    pl->slot_mask = size - 1;
    pl->npred = n + 32; /* room for a few unknown members before the known ones */
    pl->slots = ls_arena_calloc(d->arena, size, sizeof(uint32_t));
    pl->pred = ls_arena_calloc(d->arena, pl->npred, sizeof(int32_t));
    pl->seen = ls_arena_calloc(d->arena, n ? n : 1, sizeof(uint32_t));
    if (pl->slots == NULL || pl->pred == NULL || pl->seen == NULL) {
        return LS_ERR_NOMEM;
    }
    for (uint32_t i = 0; i < pl->npred; i++) {
        pl->pred[i] = i < n ? (int32_t)i : -1; /* first guess: schema order */
    }
    for (uint32_t i = 0; i < n; i++) {
        const ls__jplan_t *c = pl->children[i];
        uint32_t h = ls__json_hash(c->name, c->name_len) & pl->slot_mask;
        while (pl->slots[h] != 0) {
            h = (h + 1) & pl->slot_mask;
        }
        pl->slots[h] = i + 1;
    }
    return LS_OK;
}

static ls__jplan_t *ls__plan(ls__dec_t *d, const ls_node_t *node, const char *name, uint32_t depth,
                             ls_error_t *err);

/* The JSON key a top-level column is read from (its rename, or its own name). */
static const char *ls__json_key_for(const ls__dec_t *d, const char *column)
{
    for (size_t i = 0; i < d->opts.nrenames; i++) {
        if (strcmp(d->opts.renames[2 * i + 1], column) == 0) {
            return d->opts.renames[2 * i];
        }
    }
    return column;
}

/* Whether a top-level key is dropped on purpose (skipped, not counted). */
static bool ls__json_key_dropped(const ls__dec_t *d, const char *k, size_t kn)
{
    for (size_t i = 0; i < d->opts.ndrops; i++) {
        const char *x = d->opts.drops[i];
        if (strlen(x) == kn && memcmp(x, k, kn) == 0) {
            return true;
        }
    }
    return false;
}

static ls_err_t ls__plan_children(ls__dec_t *d, ls__jplan_t *pl, uint32_t depth, ls_error_t *err)
{
    const ls_node_t *node = pl->node;
    uint32_t want = pl->kind == LS_TYPE_ARRAY ? 1 : pl->kind == LS_TYPE_MAP ? 2 : node->nchildren;
    if (node->nchildren != want) {
        return ls_error_set(err, LS_ERR_UNSUPPORTED, "layout node %s has %u children, expected %u",
                            node->name, node->nchildren, want);
    }
    pl->nchildren = want;
    pl->children = ls_arena_calloc(d->arena, want ? want : 1, sizeof(*pl->children));
    if (pl->children == NULL) {
        return ls_error_set(err, LS_ERR_NOMEM, "out of memory building the JSON decoder");
    }
    if (depth == 0 && d->opts.external_fields > 0) {
        if (d->opts.external_fields > want) {
            return ls_error_set(err, LS_ERR_INVALID_ARG, "%u external fields but only %u fields",
                                d->opts.external_fields, want);
        }
        want -= d->opts.external_fields; /* filled by the caller, never from JSON */
        pl->nchildren = want;
    }
    for (uint32_t i = 0; i < want; i++) {
        const char *label = pl->kind == LS_TYPE_ARRAY ? "[]" : node->children[i]->name;
        if (depth == 0) {
            label = ls__json_key_for(d, label);
        }
        pl->children[i] = ls__plan(d, node->children[i], label, depth + 1, err);
        if (pl->children[i] == NULL) {
            return err ? err->code : LS_ERR_NOMEM;
        }
    }
    if (pl->kind == LS_TYPE_MAP && pl->children[0]->leaf < 0) {
        return ls_error_set(err, LS_ERR_UNSUPPORTED,
                            "map %s: only primitive keys can come from JSON", node->name);
    }
    return LS_OK;
}

static ls__jplan_t *ls__plan(ls__dec_t *d, const ls_node_t *node, const char *name, uint32_t depth,
                             ls_error_t *err)
{
    ls__jplan_t *pl = ls_arena_calloc(d->arena, 1, sizeof(*pl));
    if (pl == NULL) {
        ls_error_set(err, LS_ERR_NOMEM, "out of memory building the JSON decoder");
        return NULL;
    }
    if (depth + 2 > d->path_cap) {
        d->path_cap = depth + 2;
    }
    pl->node = node;
    pl->kind = node->type->kind;
    pl->leaf = node->leaf;
    pl->nullable = node->nullable;
    pl->name = name;
    pl->name_len = (uint32_t)strlen(name);
    pl->plain = ls__name_plain(name, pl->name_len);
    if (pl->kind == LS_TYPE_STRUCT || pl->kind == LS_TYPE_ARRAY || pl->kind == LS_TYPE_MAP) {
        if (ls__plan_children(d, pl, depth, err) != LS_OK) {
            return NULL;
        }
        if (pl->kind == LS_TYPE_STRUCT) {
            ls__jplan_t **ns = ls_reallocarray(d->structs, d->nstructs + 1, sizeof(*ns));
            if (ns == NULL || ls__plan_struct(d, pl) != LS_OK) {
                if (ns != NULL) {
                    d->structs = ns;
                }
                ls_error_set(err, LS_ERR_NOMEM, "out of memory building the JSON decoder");
                return NULL;
            }
            d->structs = ns;
            d->structs[d->nstructs++] = pl;
        }
        return pl;
    }
    if (pl->leaf < 0 || (size_t)pl->leaf >= d->layout->nleaves ||
        !ls__dec_leaf_supported(node->type) ||
        ls_col_store_for_type(node->type, NULL) != d->layout->leaves[pl->leaf].store) {
        char t[64];
        ls_type_describe(node->type, t, sizeof(t));
        ls_error_set(err, LS_ERR_UNSUPPORTED, "field %s: JSON cannot fill a %s column here", name,
                     t);
        return NULL;
    }
    return pl;
}

void ls_json_decoder_opts_init(ls_json_decoder_opts_t *o)
{
    o->unknown_fields = LS_JSON_UNKNOWN_IGNORE;
    o->max_depth = 64;
    o->max_record_bytes = (size_t)16 << 20;
    o->json_text_in_strings = false;
    o->external_fields = 0;
    o->renames = NULL;
    o->nrenames = 0;
    o->drops = NULL;
    o->ndrops = 0;
}

ls_json_decoder_t *ls_json_decoder_new(const ls_layout_t *layout,
                                       const ls_json_decoder_opts_t *opts, ls_error_t *err)
{
    if (layout == NULL || layout->root == NULL || layout->root->type->kind != LS_TYPE_STRUCT) {
        ls_error_set(err, LS_ERR_INVALID_ARG, "JSON decoder needs a layout with a struct root");
        return NULL;
    }
    ls__dec_t *d = ls_calloc(1, sizeof(*d));
    if (d == NULL || (d->arena = ls_arena_new(8192, 0)) == NULL) {
        ls_free(d);
        ls_error_set(err, LS_ERR_NOMEM, "out of memory creating the JSON decoder");
        return NULL;
    }
    d->layout = layout;
    if (opts != NULL) {
        d->opts = *opts;
    } else {
        ls_json_decoder_opts_init(&d->opts);
    }
    d->max_depth = d->opts.max_depth == 0 ? 1 : d->opts.max_depth;
    if (d->max_depth > LS__JSON_DEPTH_CEIL) {
        d->max_depth = LS__JSON_DEPTH_CEIL;
    }
    d->root = ls__plan(d, layout->root, "", 0, err);
    if (d->root != NULL) {
        d->path = ls_arena_calloc(d->arena, d->path_cap, sizeof(*d->path));
        if (d->path == NULL) {
            ls_error_set(err, LS_ERR_NOMEM, "out of memory creating the JSON decoder");
        }
    }
    if (d->root == NULL || d->path == NULL) {
        ls_json_decoder_free(d);
        return NULL;
    }
    return d;
}

void ls_json_decoder_free(ls_json_decoder_t *d)
{
    if (d == NULL) {
        return;
    }
    ls_arena_free(d->arena);
    ls_free(d->structs);
    ls_free(d->scratch);
    ls_free(d->set);
    ls_arena_free(d->dup_arena);
    ls_buf_free(&d->dup_buf);
    ls_free(d);
}

uint64_t ls_json_decoder_unknown_fields(const ls_json_decoder_t *d)
{
    return d->unknown;
}

bool ls_json_decoder_widening(const ls_json_decoder_t *d, const ls_node_t **node,
                              ls_type_kind_t *to)
{
    if (d->widen_node == NULL || d->code != LS_ERR_SCHEMA) {
        return false;
    }
    *node = d->widen_node;
    *to = d->widen_to;
    return true;
}

/* ---------------------------------------------------------------- walk */

static const char *ls__dec_value(ls__dec_t *d, const ls__jplan_t *pl, const char *p, int rep);

/* JSON null, or a member that is missing: absent at def-1 when the node allows it. */
static const char *ls__dec_absent(ls__dec_t *d, const ls__jplan_t *pl, const char *p, int rep,
                                  bool missing)
{
    if (!pl->nullable) {
        return ls__dec_fail(d, LS_ERR_SCHEMA, p,
                            missing ? "missing required field %s"
                                    : "null for a non-nullable field%s",
                            missing ? pl->name : "");
    }
    ls_err_t rc;
    if (pl->leaf >= 0) {
        rc = ls_col_push_null(d->b, &d->b->cols[pl->leaf], pl->node->def - 1, rep);
    } else {
        rc = ls_batch_push_absent(d->b, pl->node, pl->node->def - 1, rep);
    }
    return rc == LS_OK ? p : ls__dec_pushfail(d, rc, p);
}

static uint32_t ls__next_stamp(ls__dec_t *d)
{
    if (++d->stamp == 0) { /* wrapped after 2^32 objects: forget every old stamp */
        for (size_t i = 0; i < d->nstructs; i++) {
            memset(d->structs[i]->seen, 0, d->structs[i]->nchildren * sizeof(uint32_t));
        }
        d->stamp = 1;
    }
    return d->stamp;
}

/* Slow member lookup: scan the key at p (after the quote); *ci = child or -1. */
static const char *ls__member_lookup(ls__dec_t *d, ls__jplan_t *pl, const char *p, int32_t *ci)
{
    bool esc;
    ls__jerr_t le;
    const char *q = ls__json_scan_string(p, d->end, &esc, &le);
    if (q == NULL) {
        return ls__dec_lexfail(d, &le);
    }
    const char *k = p;
    size_t kn = (size_t)(q - p);
    if (esc) {
        kn = ls__json_unescape(p, q, d->scratch);
        k = (const char *)d->scratch;
    }
    uint32_t h = ls__json_hash(k, kn) & pl->slot_mask;
    *ci = -1;
    for (uint32_t s; (s = pl->slots[h]) != 0; h = (h + 1) & pl->slot_mask) {
        const ls__jplan_t *c = pl->children[s - 1];
        if (c->name_len == kn && ls_bytes_eq(c->name, k, kn)) {
            *ci = (int32_t)(s - 1);
            break;
        }
    }
    if (*ci < 0 && pl == d->root && d->opts.ndrops > 0 && ls__json_key_dropped(d, k, kn)) {
        *ci = LS__JSON_DROPPED;
        return q + 1;
    }
    if (*ci < 0 && d->opts.unknown_fields == LS_JSON_UNKNOWN_ERROR) {
        return ls__dec_fail(d, LS_ERR_SCHEMA, p - 1, "unknown field \"%.*s\"",
                            kn > 64 ? 64 : (int)kn, k);
    }
    return q + 1;
}

/* The member name at p (after its quote): child index or -1; returns the byte after it. */
static inline const char *ls__member(ls__dec_t *d, ls__jplan_t *pl, const char *p, uint32_t k,
                                     int32_t *ci)
{
    if (k < pl->npred && pl->pred[k] >= 0) {
        const ls__jplan_t *c = pl->children[pl->pred[k]];
        size_t len = c->name_len;
        if (c->plain && (size_t)(d->end - p) > len && p[len] == '"' &&
            ls_bytes_eq(p, c->name, len)) {
            *ci = pl->pred[k];
            return p + len + 1;
        }
    }
    p = ls__member_lookup(d, pl, p, ci);
    if (p != NULL && k < pl->npred) {
        pl->pred[k] = *ci;
    }
    return p;
}

/* After all members: absent or error for every child the object did not set. */
static const char *ls__dec_missing(ls__dec_t *d, const ls__jplan_t *pl, uint32_t stamp,
                                   const char *p, int rep)
{
    for (uint32_t i = 0; i < pl->nchildren; i++) {
        if (pl->seen[i] != stamp && ls__dec_absent(d, pl->children[i], p, rep, true) == NULL) {
            return NULL;
        }
    }
    return p;
}

/* One member value: known child (duplicate check), or an unknown one to skip. */
static const char *ls__dec_member(ls__dec_t *d, ls__jplan_t *pl, int32_t ci, uint32_t stamp,
                                  const char *key, const char *p, int rep)
{
    if (ci < 0) {
        ls__jerr_t le;
        d->rec_unknown += ci != LS__JSON_DROPPED;
        p = ls__json_skip_value(p, d->end, d->max_depth - d->depth, &le);
        return p ? p : ls__dec_lexfail(d, &le);
    }
    if (pl->seen[ci] == stamp) {
        d->dup_seen = true; /* last one wins: ls_json_decode_record re-decodes, normalised */
        return ls__dec_fail(d, LS_ERR_PARSE, key, "duplicate member \"%s\"",
                            pl->children[ci]->name);
    }
    pl->seen[ci] = stamp;
    return ls__dec_value(d, pl->children[ci], p, rep);
}

static const char *ls__dec_struct(ls__dec_t *d, ls__jplan_t *pl, const char *p, int rep)
{
    const char *end = d->end;
    if (++d->depth > d->max_depth) {
        return ls__depth_fail(d, p);
    }
    uint32_t stamp = ls__next_stamp(d), nset = 0;
    p = ls__json_ws(p + 1, end);
    if (p < end && *p == '}') {
        p++;
    } else {
        for (uint32_t k = 0;; k++) {
            if (p >= end || *p != '"') {
                return ls__dec_fail(d, LS_ERR_PARSE, p, "expected a member name string");
            }
            const char *key = p;
            int32_t ci = -1;
            p = ls__member(d, pl, p + 1, k, &ci);
            if (p == NULL) {
                return NULL;
            }
            p = ls__json_ws(p, end);
            if (p >= end || *p != ':') {
                return ls__dec_fail(d, LS_ERR_PARSE, p, "expected ':' after member name");
            }
            p = ls__dec_member(d, pl, ci, stamp, key, ls__json_ws(p + 1, end), rep);
            if (p == NULL) {
                return NULL;
            }
            nset += ci >= 0;
            p = ls__json_ws(p, end);
            if (p < end && *p == ',') {
                p = ls__json_ws(p + 1, end);
                continue;
            }
            if (p < end && *p == '}') {
                p++;
                break;
            }
            return ls__dec_fail(d, LS_ERR_PARSE, p, "expected ',' or '}' in object");
        }
    }
    if (nset != pl->nchildren && ls__dec_missing(d, pl, stamp, p - 1, rep) == NULL) {
        return NULL;
    }
    d->depth--;
    return p;
}

static const char *ls__dec_array(ls__dec_t *d, const ls__jplan_t *pl, const char *p, int rep)
{
    const char *end = d->end;
    if (++d->depth > d->max_depth) {
        return ls__depth_fail(d, p);
    }
    p = ls__json_ws(p + 1, end);
    if (p < end && *p == ']') {
        ls_err_t rc = ls_batch_push_absent(d->b, pl->node, pl->node->def, rep);
        d->depth--;
        return rc == LS_OK ? p + 1 : ls__dec_pushfail(d, rc, p);
    }
    const ls__jplan_t *el = pl->children[0];
    for (int r = rep;; r = pl->node->entry_rep) {
        p = ls__dec_value(d, el, p, r);
        if (p == NULL) {
            return NULL;
        }
        p = ls__json_ws(p, end);
        if (p < end && *p == ',') {
            p = ls__json_ws(p + 1, end);
            continue;
        }
        if (p < end && *p == ']') {
            break;
        }
        return ls__dec_fail(d, LS_ERR_PARSE, p, "expected ',' or ']' in array");
    }
    d->depth--;
    return p + 1;
}

/* ---------------------------------------------------------------- maps */

static bool ls__key_eq(const ls_column_t *c, size_t i, size_t j)
{
    if (c->leaf->store == LS_COL_BYTES) {
        size_t a, b;
        const uint8_t *pa = ls__json_col_bytes(c, i, &a), *pb = ls__json_col_bytes(c, j, &b);
        return a == b && memcmp(pa, pb, a) == 0;
    }
    size_t w = c->leaf->width;
    return memcmp(c->values + i * w, c->values + j * w, w) == 0;
}

static uint32_t ls__key_hash(const ls_column_t *c, size_t i)
{
    if (c->leaf->store == LS_COL_BYTES) {
        size_t n;
        const uint8_t *p = ls__json_col_bytes(c, i, &n);
        return ls__json_hash(p, n);
    }
    return ls__json_hash(c->values + i * c->leaf->width, c->leaf->width);
}

/* Index of a key in [v0, v1) equal to an earlier one, or (size_t)-1; LS_ERR_NOMEM via *rc. */
static size_t ls__dup_key(ls__dec_t *d, const ls_column_t *c, size_t v0, size_t v1, ls_err_t *rc)
{
    size_t n = v1 - v0, size = 16;
    *rc = LS_OK;
    if (n <= 8) {
        for (size_t i = v0 + 1; i < v1; i++) {
            for (size_t j = v0; j < i; j++) {
                if (ls__key_eq(c, i, j)) {
                    return i;
                }
            }
        }
        return (size_t)-1;
    }
    while (size < 2 * n) {
        size *= 2;
    }
    if (size > d->set_cap) {
        uint32_t *ns = ls_reallocarray(d->set, size, sizeof(uint32_t));
        if (ns == NULL) {
            *rc = LS_ERR_NOMEM;
            return (size_t)-1;
        }
        d->set = ns;
        d->set_cap = size;
    }
    memset(d->set, 0, size * sizeof(uint32_t));
    for (size_t i = v0; i < v1; i++) {
        uint32_t h = ls__key_hash(c, i) & (uint32_t)(size - 1);
        for (uint32_t s; (s = d->set[h]) != 0; h = (h + 1) & (uint32_t)(size - 1)) {
            if (ls__key_eq(c, i, v0 + s - 1)) {
                return i;
            }
        }
        d->set[h] = (uint32_t)(i - v0 + 1);
    }
    return (size_t)-1;
}

/* One "key": value entry of a map at p (the key's quote). */
static const char *ls__dec_entry(ls__dec_t *d, const ls__jplan_t *pl, const char *p, int r)
{
    bool esc;
    ls__jerr_t le;
    if (p >= d->end || *p != '"') {
        return ls__dec_fail(d, LS_ERR_PARSE, p, "expected a member name string");
    }
    const char *q = ls__json_scan_string(p + 1, d->end, &esc, &le);
    if (q == NULL) {
        return ls__dec_lexfail(d, &le);
    }
    const char *k = p + 1;
    size_t kn = (size_t)(q - k);
    if (esc) {
        kn = ls__json_unescape(k, q, d->scratch);
        k = (const char *)d->scratch;
    }
    d->path[d->plen++] = pl->children[0];
    if (!ls__dec_text(d, pl->children[0], k, kn, p, r, true)) {
        return NULL;
    }
    d->plen--;
    p = ls__json_ws(q + 1, d->end);
    if (p >= d->end || *p != ':') {
        return ls__dec_fail(d, LS_ERR_PARSE, p, "expected ':' after member name");
    }
    return ls__dec_value(d, pl->children[1], ls__json_ws(p + 1, d->end), r);
}

static const char *ls__dec_map(ls__dec_t *d, const ls__jplan_t *pl, const char *p, int rep)
{
    const char *end = d->end, *start = p;
    if (++d->depth > d->max_depth) {
        return ls__depth_fail(d, p);
    }
    p = ls__json_ws(p + 1, end);
    if (p < end && *p == '}') {
        ls_err_t rc = ls_batch_push_absent(d->b, pl->node, pl->node->def, rep);
        d->depth--;
        return rc == LS_OK ? p + 1 : ls__dec_pushfail(d, rc, p);
    }
    const ls_column_t *kc = &d->b->cols[pl->children[0]->leaf];
    size_t v0 = kc->nvalues;
    for (int r = rep;; r = pl->node->entry_rep) {
        p = ls__dec_entry(d, pl, p, r);
        if (p == NULL) {
            return NULL;
        }
        p = ls__json_ws(p, end);
        if (p < end && *p == ',') {
            p = ls__json_ws(p + 1, end);
            continue;
        }
        if (p < end && *p == '}') {
            break;
        }
        return ls__dec_fail(d, LS_ERR_PARSE, p, "expected ',' or '}' in object");
    }
    ls_err_t rc;
    size_t dup = ls__dup_key(d, kc, v0, kc->nvalues, &rc);
    if (rc != LS_OK) {
        return ls__dec_pushfail(d, rc, start);
    }
    if (dup != (size_t)-1) {
        d->dup_seen = true; /* resolved like member names, when the key texts are equal */
        return ls__dec_fail(d, LS_ERR_PARSE, start, "duplicate key in map object (entry %zu)",
                            dup - v0 + 1);
    }
    d->depth--;
    return p + 1;
}

static const char *ls__dec_value(ls__dec_t *d, const ls__jplan_t *pl, const char *p, int rep)
{
    if (p >= d->end) {
        return ls__dec_fail(d, LS_ERR_PARSE, p, "unexpected end of record (expected a value)");
    }
    d->path[d->plen++] = pl;
    char c = *p;
    if (c == 'n') {
        ls__jerr_t le;
        const char *q = ls__json_literal(p, d->end, "null", 4, &le);
        p = q ? ls__dec_absent(d, pl, q, rep, false) : ls__dec_lexfail(d, &le);
    } else if (pl->leaf >= 0) {
        p = ls__dec_leaf(d, pl, p, rep);
    } else if (pl->kind == LS_TYPE_STRUCT) {
        p = c == '{' ? ls__dec_struct(d, (ls__jplan_t *)pl, p, rep) : ls__dec_mismatch(d, pl, p);
    } else if (pl->kind == LS_TYPE_ARRAY) {
        p = c == '[' ? ls__dec_array(d, pl, p, rep) : ls__dec_mismatch(d, pl, p);
    } else {
        p = c == '{' ? ls__dec_map(d, pl, p, rep) : ls__dec_mismatch(d, pl, p);
    }
    if (p != NULL) {
        d->plen--;
    }
    return p;
}

/* ---------------------------------------------------------------- records */

static ls_err_t ls__dec_prepare(ls__dec_t *d, ls_batch_t *b, const char *data, size_t len,
                                ls_error_t *err)
{
    d->batch_full = false;
    if (b == NULL || b->ncols != d->layout->nleaves || (data == NULL && len > 0)) {
        return ls_error_set(err, LS_ERR_INVALID_ARG, "batch does not match the decoder's layout");
    }
    if (len > d->opts.max_record_bytes) {
        return ls_error_set(err, LS_ERR_LIMIT, "record of %zu bytes exceeds the limit of %zu bytes",
                            len, d->opts.max_record_bytes);
    }
    if (len + 16 > d->scratch_cap) {
        size_t cap = d->scratch_cap ? d->scratch_cap : 4096;
        while (cap < len + 16) {
            cap *= 2;
        }
        uint8_t *s = ls_realloc(d->scratch, cap);
        if (s == NULL) {
            return ls_error_set(err, LS_ERR_NOMEM, "out of memory for a %zu-byte record", len);
        }
        d->scratch = s;
        d->scratch_cap = cap;
    }
    if (data == NULL) {
        data = ""; /* len == 0: no arithmetic on a NULL pointer */
    }
    d->b = b;
    d->base = data;
    d->end = data + len;
    d->err = err;
    d->code = LS_OK;
    d->depth = 0;
    d->plen = 0;
    d->rec_unknown = 0;
    d->dup_seen = false;
    d->widen_node = NULL;
    return LS_OK;
}

/* One pass over a prepared record; returns LS_OK with the row committed, or the error. */
static ls_err_t ls__dec_once(ls_json_decoder_t *d, ls_batch_t *b, bool commit)
{
    ls_batch_row_begin(b);
    const char *p = ls__json_ws(d->base, d->end);
    if (p < d->end && *p == '{') {
        p = ls__dec_struct(d, d->root, p, 0);
    } else {
        p = p < d->end ? ls__dec_mismatch(d, d->root, p)
                       : ls__dec_fail(d, LS_ERR_PARSE, p, "empty record (expected a JSON object)");
    }
    if (p != NULL && ls__json_ws(p, d->end) != d->end) {
        p = ls__dec_fail(d, LS_ERR_PARSE, ls__json_ws(p, d->end),
                         "unexpected data after the record");
    }
    if (p == NULL) {
        ls_batch_row_abort(b);
        return d->code;
    }
    if (commit) {
        ls_batch_row_commit(b);
    }
    d->unknown += d->rec_unknown;
    return LS_OK;
}

/*
 * The slow path for a record that repeats a member name: build its DOM (which merges
 * duplicates, last value wins), write it back as compact JSON and decode that. Rare by
 * nature, so it may allocate. Byte offsets in errors then refer to the normalised text.
 */
static ls_err_t ls__dec_dedup(ls_json_decoder_t *d, ls_batch_t *b, const char *data, size_t len,
                              bool commit, ls_error_t *err)
{
    if (d->dup_arena == NULL && (d->dup_arena = ls_arena_new(16384, 0)) == NULL) {
        return ls_error_set(err, LS_ERR_NOMEM, "out of memory resolving duplicate keys");
    }
    ls_arena_reset(d->dup_arena);
    ls_json_value_t *root;
    LS_TRY(ls_json_parse(data, len, d->dup_arena, &root, err));
    d->dup_buf.len = 0;
    if (d->dup_buf.max == 0) {
        ls_buf_init(&d->dup_buf, d->opts.max_record_bytes);
    }
    ls_err_t rc = ls_json_write_value(root, &d->dup_buf);
    if (rc != LS_OK) {
        return ls_error_set(err, rc, "record too large after resolving duplicate keys");
    }
    LS_TRY(ls__dec_prepare(d, b, (const char *)d->dup_buf.data, d->dup_buf.len, err));
    rc = ls__dec_once(d, b, commit);
    if (rc != LS_OK) {
        ls_error_prefix(err, "after merging duplicate keys (last wins): ");
    }
    return rc;
}

static ls_err_t ls__dec_record(ls_json_decoder_t *d, ls_batch_t *b, const char *data, size_t len,
                               bool commit, ls_error_t *err)
{
    LS_TRY(ls__dec_prepare(d, b, data, len, err));
    ls_err_t rc = ls__dec_once(d, b, commit);
    if (rc != LS_OK && d->dup_seen) {
        ls_error_clear(err);
        rc = ls__dec_dedup(d, b, data, len, commit, err);
    }
    return rc;
}

ls_err_t ls_json_decode_record(ls_json_decoder_t *d, ls_batch_t *b, const char *data, size_t len,
                               ls_error_t *err)
{
    return ls__dec_record(d, b, data, len, true, err);
}

ls_err_t ls_json_decode_record_open(ls_json_decoder_t *d, ls_batch_t *b, const char *data,
                                    size_t len, ls_error_t *err)
{
    return ls__dec_record(d, b, data, len, false, err);
}

static bool ls__blank(const char *p, const char *end)
{
    return ls__json_ws(p, end) == end;
}

ls_err_t ls_json_decode_ndjson(ls_json_decoder_t *d, ls_batch_t *b, const char *data, size_t len,
                               size_t first_line, ls_json_bad_line_fn bad, void *bad_ctx,
                               size_t *consumed, ls_error_t *err)
{
    size_t pos = 0, line = first_line, dummy;
    size_t *used = consumed ? consumed : &dummy;
    *used = 0;
    while (pos < len) {
        const char *nl = memchr(data + pos, '\n', len - pos);
        size_t lend = nl ? (size_t)(nl - data) : len, next = nl ? lend + 1 : len;
        if (!ls__blank(data + pos, data + lend)) {
            ls_error_t lerr;
            ls_error_clear(&lerr);
            ls_err_t rc = ls_json_decode_record(d, b, data + pos, lend - pos, &lerr);
            if (rc != LS_OK && d->batch_full && b->nrows > 0) {
                *used = pos; /* the caller resumes at this line with a fresh batch */
                return ls_error_set(err, LS_ERR_LIMIT, "line %zu: batch memory cap reached", line);
            }
            if (rc != LS_OK) {
                ls_error_prefix(&lerr, "line %zu: ", line);
                if (bad == NULL || (rc = bad(bad_ctx, line, pos, &lerr)) != LS_OK) {
                    if (err != NULL) {
                        *err = lerr;
                        err->code = rc;
                    }
                    *used = bad == NULL ? pos : next;
                    return rc;
                }
            }
        }
        pos = next;
        line++;
        *used = pos;
    }
    return LS_OK;
}

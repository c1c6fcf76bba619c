/*
 * extcols.c — the columns a table gets besides the message's own fields: Kafka metadata
 * (_kafka_topic, _kafka_partition, _kafka_offset, _kafka_timestamp, _kafka_key,
 * _kafka_headers), static values and columns derived from a timestamp field. They are
 * the last top-level fields of the write schema, filled on the decoder's open row.
 *
 * Not responsible for: the derivation rules themselves (xform.h), decoding.
 */
#include <string.h>

#include "daemon_int.h"
#include "lakesink/alloc.h"
#include "lakesink/text.h"
#include "lakesink/utf8.h"

static const char *const ls__meta_names[] = {"_kafka_topic",     "_kafka_partition",
                                             "_kafka_offset",    "_kafka_timestamp",
                                             "_kafka_key",       "_kafka_headers"};

static ls_err_t ls__ext_push(ls__table_t *t, ls__ext_kind_t kind, const char *name,
                             ls_error_t *err)
{
    for (size_t i = 0; i < t->next; i++) {
        if (strcmp(t->ext[i].name, name) == 0) {
            return ls_error_set(err, LS_ERR_CONFIG, "topics.%s: column \"%s\" is added twice",
                                t->tc->name, name);
        }
    }
    t->ext[t->next].kind = kind;
    t->ext[t->next].name = name;
    t->next++;
    return LS_OK;
}

ls_err_t ls__ext_build(ls__table_t *t, ls_error_t *err)
{
    const ls_conf_topic_t *tc = t->tc;
    size_t n = tc->metadata_columns.n + tc->statics.n + tc->derived.n;
    t->ext = ls_calloc(n ? n : 1, sizeof(*t->ext));
    if (t->ext == NULL) {
        return ls_error_set(err, LS_ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < tc->metadata_columns.n; i++) {
        const char *m = tc->metadata_columns.items[i];
        for (size_t k = 0; k < 6; k++) {
            if (strcmp(m, ls__meta_names[k]) == 0) {
                LS_TRY(ls__ext_push(t, (ls__ext_kind_t)k, m, err));
            }
        }
    }
    for (size_t i = 0; i < tc->statics.n; i++) {
        LS_TRY(ls__ext_push(t, LS__EXT_STATIC, tc->statics.items[i].key, err));
        t->ext[t->next - 1].value = tc->statics.items[i].value;
    }
    for (size_t i = 0; i < tc->derived.n; i++) {
        LS_TRY(ls__ext_push(t, LS__EXT_DERIVED, tc->derived.items[i].key, err));
        ls__ext_t *e = &t->ext[t->next - 1];
        if (ls_xform_derive_parse(tc->derived.items[i].value, &e->drv, err) != LS_OK) {
            return ls_error_prefix(err, "topics.%s.transforms.derive.%s: ", tc->name, e->name);
        }
    }
    return LS_OK;
}

static ls_type_t *ls__ext_type(const ls__ext_t *e)
{
    switch (e->kind) {
    case LS__EXT_TOPIC:
    case LS__EXT_KEY:
    case LS__EXT_STATIC:
        return ls_type_new(LS_TYPE_STRING);
    case LS__EXT_PARTITION:
        return ls_type_new(LS_TYPE_INTEGER);
    case LS__EXT_OFFSET:
        return ls_type_new(LS_TYPE_LONG);
    case LS__EXT_TIMESTAMP:
        return ls_type_new(LS_TYPE_TIMESTAMP);
    case LS__EXT_HEADERS: {
        ls_type_t *k = ls_type_new(LS_TYPE_STRING), *v = ls_type_new(LS_TYPE_STRING);
        if (k == NULL || v == NULL) {
            ls_type_free(k);
            ls_type_free(v);
            return NULL;
        }
        return ls_type_new_map(k, v, true);
    }
    case LS__EXT_DERIVED:
        return ls_type_new(ls_xform_derive_kind(e->drv));
    }
    return NULL;
}

ls_err_t ls__ext_append_types(const ls__table_t *t, ls_type_t *st, ls_error_t *err)
{
    for (size_t i = 0; i < t->next; i++) {
        if (ls_type_struct_find(st, t->ext[i].name) >= 0) {
            return ls_error_set(err, LS_ERR_SCHEMA, "table %s: the messages already have a field "
                                "\"%s\", which is also configured as an added column",
                                t->tc->name, t->ext[i].name);
        }
        ls_type_t *ty = ls__ext_type(&t->ext[i]);
        if (ty == NULL || ls_type_struct_add(st, t->ext[i].name, ty, true) != LS_OK) {
            ls_type_free(ty);
            return ls_error_set(err, LS_ERR_NOMEM, "out of memory");
        }
    }
    return LS_OK;
}

static bool ls__derive_source_ok(ls_type_kind_t k)
{
    return k == LS_TYPE_TIMESTAMP || k == LS_TYPE_TIMESTAMP_NTZ || k == LS_TYPE_DATE ||
           k == LS_TYPE_LONG || k == LS_TYPE_STRING;
}

ls_err_t ls__ext_resolve(const ls__table_t *t, ls__gen_t *g, ls_error_t *err)
{
    size_t cnt = t->next ? t->next : 1;
    g->ext_node = ls_calloc(cnt, sizeof(*g->ext_node));
    g->src_leaf = ls_calloc(cnt, sizeof(*g->src_leaf));
    g->src_kind = ls_calloc(cnt, sizeof(*g->src_kind));
    if (g->ext_node == NULL || g->src_leaf == NULL || g->src_kind == NULL) {
        return ls_error_set(err, LS_ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < t->next; i++) {
        const ls__ext_t *e = &t->ext[i];
        g->ext_node[i] = ls_layout_field(g->layout, e->name);
        if (e->kind != LS__EXT_DERIVED) {
            continue;
        }
        const char *src = ls_xform_derive_source(e->drv);
        const ls_node_t *n = ls_layout_field(g->layout, src);
        if (n == NULL || n->leaf < 0 || !ls__derive_source_ok(n->type->kind)) {
            return ls_error_set(err, LS_ERR_CONFIG, "topics.%s.transforms.derive.%s: source field "
                                "\"%s\" %s", t->tc->name, e->name, src,
                                n == NULL ? "is not a top-level field of the table"
                                          : "must be a timestamp, date, long (epoch ms) or "
                                            "string (ISO 8601) field");
        }
        g->src_leaf[i] = n->leaf;
        g->src_kind[i] = n->type->kind;
    }
    return LS_OK;
}

/* The source value of a derived column in this row, as microseconds; false when null. */
static bool ls__derive_input(const ls__gen_t *g, size_t i, const ls_batch_t *b, int64_t *us)
{
    const ls_column_t *c = &b->cols[g->src_leaf[i]];
    if (c->nlevels == 0 || ls_col_def(c, c->nlevels - 1) != c->leaf->max_def || c->nvalues == 0) {
        return false;
    }
    size_t v = c->nvalues - 1, len;
    const uint8_t *p;
    bool zone;
    switch (g->src_kind[i]) {
    case LS_TYPE_DATE:
        *us = (int64_t)ls_col_i32(c, v) * 86400000000LL;
        return true;
    case LS_TYPE_LONG:
        *us = ls_col_i64(c, v) * 1000; /* epoch milliseconds */
        return true;
    case LS_TYPE_STRING:
        p = ls_col_bytes(c, v, &len);
        return ls_text_parse_timestamp((const char *)p, len, us, &zone);
    default:
        *us = ls_col_i64(c, v);
        return true;
    }
}

static ls_err_t ls__push_str(ls_batch_t *b, ls_column_t *c, const void *p, size_t n)
{
    if (p == NULL) {
        return ls_col_push_null(b, c, c->leaf->max_def - 1, 0);
    }
    return ls_col_push_bytes(b, c, p, n, 0);
}

static ls_err_t ls__fill_headers(const ls__table_t *t, ls_batch_t *b, const ls_node_t *node,
                                 const ls__msgmeta_t *m, ls_error_t *err)
{
    rd_kafka_headers_t *hdrs = NULL;
    if (t->mops->headers(m->rkm, &hdrs) != RD_KAFKA_RESP_ERR_NO_ERROR || hdrs == NULL ||
        rd_kafka_header_cnt(hdrs) == 0) {
        return ls_batch_push_absent(b, node, node->def - 1, 0);
    }
    ls_column_t *kc = &b->cols[node->children[0]->leaf], *vc = &b->cols[node->children[1]->leaf];
    const char *name;
    const void *val;
    size_t vlen;
    for (size_t i = 0; rd_kafka_header_get_all(hdrs, i, &name, &val, &vlen) ==
                       RD_KAFKA_RESP_ERR_NO_ERROR; i++) {
        int rep = i == 0 ? 0 : node->entry_rep;
        if (val != NULL && !ls_utf8_valid(val, vlen)) {
            return ls_error_set(err, LS_ERR_SCHEMA, "header \"%s\" is not UTF-8 text", name);
        }
        LS_TRY(ls_col_push_bytes(b, kc, name, strlen(name), rep));
        ls_err_t rc = val == NULL ? ls_col_push_null(b, vc, vc->leaf->max_def - 1, rep)
                                  : ls_col_push_bytes(b, vc, val, vlen, rep);
        LS_TRY(rc);
    }
    return LS_OK;
}

static ls_err_t ls__fill1(const ls__table_t *t, const ls__gen_t *g, size_t i, const ls__ext_t *e,
                          ls_batch_t *b, const ls__msgmeta_t *m, ls_error_t *err)
{
    const ls_node_t *node = g->ext_node[i];
    ls_column_t *c = node->leaf >= 0 ? &b->cols[node->leaf] : NULL;
    const rd_kafka_message_t *r = m->rkm;
    int64_t us;
    int32_t v;
    switch (e->kind) {
    case LS__EXT_TOPIC:
        return ls_col_push_bytes(b, c, m->topic, strlen(m->topic), 0);
    case LS__EXT_PARTITION:
        return ls_col_push_i32(b, c, m->partition, 0);
    case LS__EXT_OFFSET:
        return ls_col_push_i64(b, c, m->offset, 0);
    case LS__EXT_TIMESTAMP:
        return m->timestamp_ms < 0 ? ls_col_push_null(b, c, 0, 0)
                                   : ls_col_push_i64(b, c, m->timestamp_ms * 1000, 0);
    case LS__EXT_KEY:
        if (r->key != NULL && !ls_utf8_valid(r->key, r->key_len)) {
            return ls_error_set(err, LS_ERR_SCHEMA, "message key is not UTF-8 text");
        }
        return ls__push_str(b, c, r->key, r->key_len);
    case LS__EXT_HEADERS:
        return ls__fill_headers(t, b, node, m, err);
    case LS__EXT_STATIC:
        return ls_col_push_bytes(b, c, e->value, strlen(e->value), 0);
    case LS__EXT_DERIVED:
        if (!ls__derive_input(g, i, b, &us)) {
            return ls_col_push_null(b, c, 0, 0);
        }
        LS_TRY(ls_xform_derive_eval(e->drv, us, &v, err));
        return ls_col_push_i32(b, c, v, 0);
    }
    return LS_OK;
}

ls_err_t ls__ext_fill(const ls__table_t *t, const ls__gen_t *g, ls_batch_t *b,
                      const ls__msgmeta_t *m, ls_error_t *err)
{
    for (size_t i = 0; i < t->next; i++) {
        ls_err_t rc = ls__fill1(t, g, i, &t->ext[i], b, m, err);
        if (rc != LS_OK) {
            if (err != NULL && err->code == LS_OK) {
                ls_error_set(err, rc, "column %s: %s", t->ext[i].name, ls_err_str(rc));
            }
            return rc;
        }
    }
    return LS_OK;
}

void ls__ext_free(ls__table_t *t)
{
    for (size_t i = 0; t->ext != NULL && i < t->next; i++) {
        ls_xform_derive_free(t->ext[i].drv);
    }
    ls_free(t->ext);
    t->ext = NULL;
    t->next = 0;
}

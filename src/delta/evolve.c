/*
 * evolve.c — additive schema evolution: merge an incoming schema into the table's schema
 * JSON. Works on the table schema's JSON tree so every field's metadata (comments, column
 * mapping, invariants, earlier type changes) survives; new fields are appended as nullable,
 * allowed widenings are recorded under `delta.typeChanges` of the nearest struct field.
 *
 * Not responsible for: committing the result (tx.c) or converting data (writers upcast).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "delta_int.h"
#include "lakesink/alloc.h"
#include "lakesink/json.h"

typedef struct {
    unsigned flags;
    bool changed, widened;
    ls_buf_t *out;
    ls_error_t *err;
    ls_arena_t *arena;
    char path[512];
} ls__mg_t;

/* A widening recorded for the struct field being merged. */
typedef struct {
    char from[64], to[64], field_path[128];
} ls__change_t;

typedef struct {
    ls__change_t v[32];
    size_t n;
} ls__changes_t;

static ls_err_t ls__mg_fail(ls__mg_t *m, const char *what)
{
    return ls_error_set(m->err, LS_ERR_SCHEMA, "schema merge, field %s: %s",
                        m->path[0] ? m->path : "<root>", what);
}

static ls_err_t ls__mg_io(ls__mg_t *m, ls_err_t rc)
{
    return rc == LS_OK ? LS_OK : ls_error_set(m->err, rc, "schema merge: %s", ls_err_str(rc));
}

/* Rank in the integer widening chain, 0 when not an integer type. */
static int ls__int_rank(ls_type_kind_t k)
{
    switch (k) {
    case LS_TYPE_BYTE: return 1;
    case LS_TYPE_SHORT: return 2;
    case LS_TYPE_INTEGER: return 3;
    case LS_TYPE_LONG: return 4;
    default: return 0;
    }
}

static ls_err_t ls__check_writable(ls__mg_t *m, const ls_type_t *t)
{
    if (t->kind == LS_TYPE_UINT64 || t->kind == LS_TYPE_TIME || t->kind == LS_TYPE_UUID ||
        t->kind == LS_TYPE_FIXED) {
        return ls__mg_fail(m, "the incoming type has no Delta equivalent");
    }
    if (t->kind == LS_TYPE_STRUCT) {
        for (size_t i = 0; i < t->nfields; i++) {
            LS_TRY(ls__check_writable(m, t->fields[i].type));
        }
    } else if (t->kind == LS_TYPE_ARRAY) {
        LS_TRY(ls__check_writable(m, t->element));
    } else if (t->kind == LS_TYPE_MAP) {
        LS_TRY(ls__check_writable(m, t->key));
        LS_TRY(ls__check_writable(m, t->value));
    }
    return LS_OK;
}

static ls_err_t ls__merge_type(ls__mg_t *m, const ls_json_value_t *dom, const ls_type_t *tab,
                               const ls_type_t *in, const char *fpath, ls__changes_t *ch);

static ls_err_t ls__merge_prim(ls__mg_t *m, const ls_json_value_t *dom, const ls_type_t *tab,
                               const ls_type_t *in, const char *fpath, ls__changes_t *ch)
{
    char a[64], b[64], msg[200];
    if (ls_type_equal(tab, in)) {
        return ls__mg_io(m, ls_json_write_value(dom, m->out));
    }
    int rt = ls__int_rank(tab->kind), ri = ls__int_rank(in->kind);
    bool narrower =
        (rt && ri && ri < rt) || (tab->kind == LS_TYPE_DOUBLE && in->kind == LS_TYPE_FLOAT);
    bool wider =
        (rt && ri && ri > rt) || (tab->kind == LS_TYPE_FLOAT && in->kind == LS_TYPE_DOUBLE);
    ls_type_describe(tab, a, sizeof(a));
    ls_type_describe(in, b, sizeof(b));
    if (narrower) {
        return ls__mg_io(m, ls_json_write_value(dom, m->out)); /* the writer upcasts */
    }
    if (!wider) {
        snprintf(msg, sizeof(msg), "cannot change type from %s to %s", a, b);
        return ls__mg_fail(m, msg);
    }
    if (!(m->flags & LS_DELTA_MERGE_ALLOW_WIDENING)) {
        snprintf(msg, sizeof(msg), "widening %s to %s needs type widening (not allowed here)", a,
                 b);
        return ls__mg_fail(m, msg);
    }
    if (ch->n == sizeof(ch->v) / sizeof(ch->v[0])) {
        return ls__mg_fail(m, "too many type changes in one field");
    }
    ls__change_t *c = &ch->v[ch->n++];
    snprintf(c->from, sizeof(c->from), "%s", a);
    snprintf(c->to, sizeof(c->to), "%s", b);
    snprintf(c->field_path, sizeof(c->field_path), "%s", fpath);
    m->changed = m->widened = true;
    return ls__mg_io(m, ls_type_to_json(in, m->out));
}

static ls_err_t ls__write_new_field(ls__mg_t *m, const ls_field_t *f)
{
    ls_err_t rc = ls_buf_append_str(m->out, "{\"name\":");
    rc = rc == LS_OK ? ls_json_append_string(m->out, f->name, strlen(f->name)) : rc;
    rc = rc == LS_OK ? ls_buf_append_str(m->out, ",\"type\":") : rc;
    rc = rc == LS_OK ? ls_type_to_json(f->type, m->out) : rc;
    /* new columns are nullable: existing rows have no value for them */
    rc = rc == LS_OK ? ls_buf_append_str(m->out, ",\"nullable\":true,\"metadata\":{}}") : rc;
    m->changed = true;
    return ls__mg_io(m, rc);
}

/* The field's metadata object with @p ch appended to its delta.typeChanges. */
static ls_err_t ls__write_metadata(ls__mg_t *m, const ls_json_value_t *md, const ls__changes_t *ch)
{
    ls_buf_t *o = m->out;
    const ls_json_value_t *old = NULL;
    LS_TRY(ls__mg_io(m, ls_buf_append_byte(o, '{')));
    size_t n = 0;
    for (size_t i = 0; md != NULL && md->kind == LS_JSON_OBJECT && i < md->n; i++) {
        if (ch->n > 0 && strcmp(md->members[i].key, "delta.typeChanges") == 0) {
            old = md->members[i].value;
            continue;
        }
        ls_err_t rc = ls_buf_append_str(o, n++ ? "," : "");
        rc =
            rc == LS_OK ? ls_json_append_string(o, md->members[i].key, md->members[i].key_len) : rc;
        rc = rc == LS_OK ? ls_buf_append_byte(o, ':') : rc;
        LS_TRY(ls__mg_io(m, rc == LS_OK ? ls_json_write_value(md->members[i].value, o) : rc));
    }
    if (ch->n > 0) {
        ls_err_t rc =
            ls_buf_append_str(o, n ? ",\"delta.typeChanges\":[" : "\"delta.typeChanges\":[");
        size_t k = 0;
        for (size_t i = 0; rc == LS_OK && old && old->kind == LS_JSON_ARRAY && i < old->n; i++) {
            rc = ls_buf_append_str(o, k++ ? "," : "");
            rc = rc == LS_OK ? ls_json_write_value(old->items[i], o) : rc;
        }
        for (size_t i = 0; rc == LS_OK && i < ch->n; i++) {
            rc = ls_buf_printf(o, "%s{\"fromType\":\"%s\",\"toType\":\"%s\"", k++ ? "," : "",
                               ch->v[i].from, ch->v[i].to);
            if (rc == LS_OK && ch->v[i].field_path[0]) {
                rc = ls_buf_printf(o, ",\"fieldPath\":\"%s\"", ch->v[i].field_path);
            }
            rc = rc == LS_OK ? ls_buf_append_byte(o, '}') : rc;
        }
        LS_TRY(ls__mg_io(m, rc == LS_OK ? ls_buf_append_byte(o, ']') : rc));
    }
    return ls__mg_io(m, ls_buf_append_byte(o, '}'));
}

/* Incoming field matching @p name exactly; a match differing only in case is an error. */
static ls_err_t ls__find_in(ls__mg_t *m, const ls_type_t *in, const char *name, int *idx)
{
    *idx = ls_type_struct_find(in, name);
    if (*idx >= 0) {
        return LS_OK;
    }
    for (size_t i = 0; i < in->nfields; i++) {
        if (strcasecmp(in->fields[i].name, name) == 0) {
            char msg[300];
            snprintf(msg, sizeof(msg), "incoming column '%s' differs from '%s' only in case",
                     in->fields[i].name, name);
            return ls__mg_fail(m, msg);
        }
    }
    return LS_OK;
}

static ls_err_t ls__merge_field(ls__mg_t *m, const ls_json_value_t *f, const ls_field_t *tf,
                                const ls_type_t *in_type)
{
    ls__changes_t ch;
    ch.n = 0;
    ls_buf_t *o = m->out;
    ls_err_t rc = ls_buf_append_str(o, "{\"name\":");
    rc = rc == LS_OK ? ls_json_append_string(o, tf->name, strlen(tf->name)) : rc;
    rc = rc == LS_OK ? ls_buf_append_str(o, ",\"type\":") : rc;
    LS_TRY(ls__mg_io(m, rc));
    LS_TRY(ls__merge_type(m, ls_json_get(f, "type"), tf->type, in_type, "", &ch));
    LS_TRY(ls__mg_io(
        m, ls_buf_printf(o, ",\"nullable\":%s,\"metadata\":", tf->nullable ? "true" : "false")));
    LS_TRY(ls__write_metadata(m, ls_json_get(f, "metadata"), &ch));
    /* keep any other keys a newer writer put on the field */
    for (size_t i = 0; i < f->n; i++) {
        const char *k = f->members[i].key;
        if (strcmp(k, "name") && strcmp(k, "type") && strcmp(k, "nullable") &&
            strcmp(k, "metadata")) {
            rc = ls_buf_append_byte(o, ',');
            rc = rc == LS_OK ? ls_json_append_string(o, k, f->members[i].key_len) : rc;
            rc = rc == LS_OK ? ls_buf_append_byte(o, ':') : rc;
            LS_TRY(ls__mg_io(m, rc == LS_OK ? ls_json_write_value(f->members[i].value, o) : rc));
        }
    }
    return ls__mg_io(m, ls_buf_append_byte(o, '}'));
}

static ls_err_t ls__merge_struct(ls__mg_t *m, const ls_json_value_t *dom, const ls_type_t *tab,
                                 const ls_type_t *in)
{
    const ls_json_value_t *fields = ls_json_get(dom, "fields");
    if (fields == NULL || fields->kind != LS_JSON_ARRAY || fields->n != tab->nfields) {
        return ls__mg_fail(m, "the table schema JSON and its parsed form disagree");
    }
    size_t plen = strlen(m->path);
    LS_TRY(ls__mg_io(m, ls_buf_append_str(m->out, "{\"type\":\"struct\",\"fields\":[")));
    for (size_t i = 0; i < tab->nfields; i++) {
        const ls_field_t *tf = &tab->fields[i];
        snprintf(m->path + plen, sizeof(m->path) - plen, "%s%s", plen ? "." : "", tf->name);
        int j;
        LS_TRY(ls__find_in(m, in, tf->name, &j));
        LS_TRY(ls__mg_io(m, ls_buf_append_str(m->out, i ? "," : "")));
        if (j < 0) {
            LS_TRY(ls__mg_io(m, ls_json_write_value(fields->items[i], m->out)));
        } else {
            LS_TRY(ls__merge_field(m, fields->items[i], tf, in->fields[j].type));
        }
    }
    for (size_t i = 0; i < in->nfields; i++) {
        const ls_field_t *nf = &in->fields[i];
        snprintf(m->path + plen, sizeof(m->path) - plen, "%s%s", plen ? "." : "", nf->name);
        int j;
        LS_TRY(ls__find_in(m, tab, nf->name, &j));
        for (size_t k = 0; j < 0 && k < i; k++) {
            if (strcasecmp(in->fields[k].name, nf->name) == 0) {
                return ls__mg_fail(m, "two incoming columns differ only in case");
            }
        }
        if (j < 0) {
            LS_TRY(ls__check_writable(m, nf->type));
            LS_TRY(ls__mg_io(m, ls_buf_append_str(m->out, tab->nfields || i ? "," : "")));
            LS_TRY(ls__write_new_field(m, nf));
        }
    }
    m->path[plen] = '\0';
    return ls__mg_io(m, ls_buf_append_str(m->out, "]}"));
}

static ls_err_t ls__merge_type(ls__mg_t *m, const ls_json_value_t *dom, const ls_type_t *tab,
                               const ls_type_t *in, const char *fpath, ls__changes_t *ch)
{
    char sub[128];
    if (dom == NULL) {
        return ls__mg_fail(m, "the table schema JSON has no type");
    }
    if (!ls_type_is_nested(tab) || !ls_type_is_nested(in)) {
        if (ls_type_is_nested(tab) != ls_type_is_nested(in) || tab->kind == LS_TYPE_DECIMAL) {
            if (!ls_type_equal(tab, in)) {
                char a[64], b[64], msg[200];
                ls_type_describe(tab, a, sizeof(a));
                ls_type_describe(in, b, sizeof(b));
                snprintf(msg, sizeof(msg), "cannot change type from %s to %s", a, b);
                return ls__mg_fail(m, msg);
            }
        }
        return ls__merge_prim(m, dom, tab, in, fpath, ch);
    }
    if (tab->kind != in->kind) {
        return ls__mg_fail(m, "cannot change between struct, array and map");
    }
    if (tab->kind == LS_TYPE_STRUCT) {
        return ls__merge_struct(m, dom, tab, in);
    }
    ls_buf_t *o = m->out;
    if (tab->kind == LS_TYPE_ARRAY) {
        snprintf(sub, sizeof(sub), "%s%selement", fpath, fpath[0] ? "." : "");
        LS_TRY(ls__mg_io(m, ls_buf_append_str(o, "{\"type\":\"array\",\"elementType\":")));
        LS_TRY(
            ls__merge_type(m, ls_json_get(dom, "elementType"), tab->element, in->element, sub, ch));
        return ls__mg_io(
            m, ls_buf_printf(o, ",\"containsNull\":%s}", tab->contains_null ? "true" : "false"));
    }
    if (!ls_type_equal(tab->key, in->key)) {
        return ls__mg_fail(m, "a map's key type cannot change");
    }
    LS_TRY(ls__mg_io(m, ls_buf_append_str(o, "{\"type\":\"map\",\"keyType\":")));
    LS_TRY(ls__mg_io(m, ls_json_write_value(ls_json_get(dom, "keyType"), o)));
    LS_TRY(ls__mg_io(m, ls_buf_append_str(o, ",\"valueType\":")));
    snprintf(sub, sizeof(sub), "%s%svalue", fpath, fpath[0] ? "." : "");
    LS_TRY(ls__merge_type(m, ls_json_get(dom, "valueType"), tab->value, in->value, sub, ch));
    return ls__mg_io(m, ls_buf_printf(o, ",\"valueContainsNull\":%s}",
                                      tab->value_contains_null ? "true" : "false"));
}

ls_err_t ls_delta_schema_merge(const char *table_schema_json, const ls_type_t *incoming,
                               unsigned flags, ls_delta_schema_merge_t *out, ls_error_t *err)
{
    memset(out, 0, sizeof(*out));
    if (table_schema_json == NULL || incoming == NULL || incoming->kind != LS_TYPE_STRUCT) {
        return ls_error_set(err, LS_ERR_INVALID_ARG,
                            "schema merge needs a table schema and an "
                            "incoming struct");
    }
    size_t len = strlen(table_schema_json);
    ls_type_t *tab = NULL;
    LS_TRY(ls_json_parse_delta_schema(table_schema_json, len, &tab, err));
    ls_buf_t b;
    ls_buf_init(&b, (len + 4096) * 4 + (64 << 10));
    ls__mg_t m = {.flags = flags, .out = &b, .err = err, .arena = ls_arena_new(len + 4096, 0)};
    ls_json_value_t *dom = NULL;
    ls_err_t rc = m.arena ? ls_json_parse(table_schema_json, len, m.arena, &dom, err)
                          : ls_error_set(err, LS_ERR_NOMEM, "out of memory merging schemas");
    if (rc == LS_OK) {
        rc = ls__merge_struct(&m, dom, tab, incoming);
    }
    if (rc == LS_OK) {
        rc = ls__mg_io(&m, ls_buf_terminate(&b));
    }
    if (rc == LS_OK && m.changed) {
        out->schema_string = (char *)ls_buf_steal(&b, NULL);
        rc = ls_json_parse_delta_schema(out->schema_string, strlen(out->schema_string),
                                        &out->schema, err);
    } else if (rc == LS_OK) {
        out->schema_string = ls_strdup(table_schema_json); /* unchanged: the exact text */
        out->schema = tab;
        tab = NULL;
        rc = out->schema_string ? LS_OK
                                : ls_error_set(err, LS_ERR_NOMEM, "out of memory merging schemas");
    }
    out->changed = m.changed;
    out->widened = m.widened;
    ls_buf_free(&b);
    ls_arena_free(m.arena);
    ls_type_free(tab);
    if (rc != LS_OK) {
        ls_delta_schema_merge_free(out);
    }
    return rc;
}

void ls_delta_schema_merge_free(ls_delta_schema_merge_t *m)
{
    ls_free(m->schema_string);
    ls_type_free(m->schema);
    memset(m, 0, sizeof(*m));
}

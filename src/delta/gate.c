/*
 * gate.c — protocol gating: which protocol versions and table features lakesink can read,
 * and which it can honour when writing, decided from the protocol action, the table
 * properties and the schema's field metadata. The table is in docs/internals/delta-log.md.
 *
 * Not responsible for: enforcing append-only or CDF rules on individual actions (tx.c does,
 * when they are added).
 */
#include <stdio.h>
#include <string.h>

#include "delta_int.h"
#include "lakesink/json.h"

bool ls__delta_protocol_has(const ls_delta_protocol_t *p, bool reader, const char *name)
{
    size_t n = reader ? p->n_reader_features : p->n_writer_features;
    const char *const *f = reader ? p->reader_features : p->writer_features;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(f[i], name) == 0) {
            return true;
        }
    }
    return false;
}

/* ------------------------------------------------------------------ schema metadata */

typedef struct {
    unsigned flags;
    char *bad;
    size_t badlen;
    ls_arena_t *arena;
} ls__sfw_t;

static bool ls__widening_ok(const char *from, const char *to)
{
    static const char *const order[] = {"byte", "short", "integer", "long"};
    int f = -1, t = -1;
    for (int i = 0; i < 4; i++) {
        f = strcmp(from, order[i]) == 0 ? i : f;
        t = strcmp(to, order[i]) == 0 ? i : t;
    }
    if (f >= 0 && t >= 0) {
        return f < t;
    }
    return strcmp(from, "float") == 0 && strcmp(to, "double") == 0;
}

static void ls__type_changes(ls__sfw_t *w, const char *field, const ls_json_value_t *v)
{
    w->flags |= LS__SF_TYPE_CHANGES;
    for (size_t i = 0; v->kind == LS_JSON_ARRAY && i < v->n; i++) {
        const ls_json_value_t *f = ls_json_get(v->items[i], "fromType");
        const ls_json_value_t *t = ls_json_get(v->items[i], "toType");
        bool ok = f != NULL && t != NULL && f->kind == LS_JSON_STRING &&
                  t->kind == LS_JSON_STRING && ls__widening_ok(f->str, t->str);
        if (!ok && !(w->flags & LS__SF_BAD_WIDENING)) {
            w->flags |= LS__SF_BAD_WIDENING;
            snprintf(w->bad, w->badlen, "column %s: type change %.40s -> %.40s", field,
                     f && f->kind == LS_JSON_STRING ? f->str : "?",
                     t && t->kind == LS_JSON_STRING ? t->str : "?");
        }
    }
}

/* An invariant is trivial when its SQL expression is literally "true". */
static bool ls__invariant_trivial(ls__sfw_t *w, const ls_json_value_t *v)
{
    ls_json_value_t *root = NULL;
    ls_error_t e;
    if (v->kind != LS_JSON_STRING || ls_json_parse(v->str, v->len, w->arena, &root, &e) != LS_OK) {
        return false;
    }
    const ls_json_value_t *x = ls_json_get(ls_json_get(root, "expression"), "expression");
    return x != NULL && x->kind == LS_JSON_STRING && strcmp(x->str, "true") == 0;
}

static void ls__field_meta(ls__sfw_t *w, const char *field, const ls_json_value_t *m)
{
    for (size_t i = 0; m != NULL && m->kind == LS_JSON_OBJECT && i < m->n; i++) {
        const char *k = m->members[i].key;
        const ls_json_value_t *v = m->members[i].value;
        if (strcmp(k, "delta.invariants") == 0 && !ls__invariant_trivial(w, v)) {
            w->flags |= LS__SF_INVARIANTS;
        } else if (strcmp(k, "delta.generationExpression") == 0) {
            w->flags |= LS__SF_GENERATED;
        } else if (strncmp(k, "delta.identity.", 15) == 0) {
            w->flags |= LS__SF_IDENTITY;
        } else if (strcmp(k, "CURRENT_DEFAULT") == 0) {
            w->flags |= LS__SF_DEFAULTS;
        } else if (strncmp(k, "delta.columnMapping.", 20) == 0) {
            w->flags |= LS__SF_COLMAP;
        } else if (strcmp(k, "delta.typeChanges") == 0) {
            ls__type_changes(w, field, v);
        }
    }
}

static void ls__walk_type(ls__sfw_t *w, const char *field, const ls_json_value_t *t, int depth)
{
    if (t == NULL || depth > 64) {
        return;
    }
    if (t->kind == LS_JSON_STRING) {
        if (strncmp(t->str, "variant", 7) == 0) {
            w->flags |= LS__SF_VARIANT;
        }
        return;
    }
    const ls_json_value_t *fields = ls_json_get(t, "fields");
    for (size_t i = 0; fields != NULL && fields->kind == LS_JSON_ARRAY && i < fields->n; i++) {
        const ls_json_value_t *f = fields->items[i];
        const ls_json_value_t *name = ls_json_get(f, "name");
        const char *fname = name && name->kind == LS_JSON_STRING ? name->str : "?";
        ls__field_meta(w, fname, ls_json_get(f, "metadata"));
        ls__walk_type(w, fname, ls_json_get(f, "type"), depth + 1);
    }
    ls__walk_type(w, field, ls_json_get(t, "elementType"), depth + 1);
    ls__walk_type(w, field, ls_json_get(t, "keyType"), depth + 1);
    ls__walk_type(w, field, ls_json_get(t, "valueType"), depth + 1);
}

unsigned ls__delta_schema_flags(const char *schema_json, char *bad, size_t badlen)
{
    ls__sfw_t w = {0, bad, badlen, ls_arena_new(1 << 14, 0)};
    ls_json_value_t *root = NULL;
    ls_error_t e;
    if (badlen > 0) {
        bad[0] = '\0';
    }
    if (w.arena != NULL &&
        ls_json_parse(schema_json, strlen(schema_json), w.arena, &root, &e) == LS_OK) {
        ls__walk_type(&w, "", root, 0);
    }
    ls_arena_free(w.arena);
    return w.flags;
}

/* ------------------------------------------------------------------ gating */

static const char *ls__colmap_mode(const ls_delta_snapshot_t *s)
{
    const char *m = ls_delta_snapshot_config(s, "delta.columnMapping.mode");
    return m != NULL ? m : "none";
}

static ls_err_t ls__unsupported(const ls_delta_snapshot_t *s, const char *what, const char *name,
                                const char *why, ls_error_t *err)
{
    return ls_error_set(err, LS_ERR_UNSUPPORTED, "Delta table %s: %s '%s' is not supported%s%s",
                        ls_store_uri(s->st), what, name, why[0] ? ": " : "", why);
}

/* Can we read with reader feature @p f? *why explains a refusal. */
static bool ls__read_feature_ok(const ls_delta_snapshot_t *s, const char *f, char *why,
                                size_t whylen)
{
    if (strcmp(f, "timestampNtz") == 0 || strcmp(f, "vacuumProtocolCheck") == 0 ||
        strcmp(f, "v2Checkpoint") == 0) {
        return true;
    }
    if (strcmp(f, "deletionVectors") == 0) {
        snprintf(why, whylen, "%zu live file(s) have deletion vectors", s->n_dv_files);
        return s->n_dv_files == 0;
    }
    if (strcmp(f, "columnMapping") == 0) {
        snprintf(why, whylen, "delta.columnMapping.mode is '%s'", ls__colmap_mode(s));
        return strcmp(ls__colmap_mode(s), "none") == 0;
    }
    if (strcmp(f, "typeWidening") == 0 || strcmp(f, "typeWidening-preview") == 0) {
        snprintf(why, whylen, "%s", s->bad_widening);
        return !(s->schema_flags & LS__SF_BAD_WIDENING);
    }
    snprintf(why, whylen, "unknown to lakesink");
    return false;
}

ls_err_t ls_delta_check_read(const ls_delta_snapshot_t *s, ls_error_t *err)
{
    const ls_delta_protocol_t *p = &s->protocol->u.proto;
    char why[200];
    if (p->min_reader_version < 1 || p->min_reader_version > 3) {
        snprintf(why, sizeof(why), "%d", (int)p->min_reader_version);
        return ls__unsupported(s, "reader version", why, "lakesink reads versions 1 to 3", err);
    }
    if (p->min_reader_version == 2 && !ls__read_feature_ok(s, "columnMapping", why, sizeof(why))) {
        return ls__unsupported(s, "reader feature", "columnMapping", why, err);
    }
    for (size_t i = 0; p->min_reader_version == 3 && i < p->n_reader_features; i++) {
        if (!ls__read_feature_ok(s, p->reader_features[i], why, sizeof(why))) {
            return ls__unsupported(s, "reader feature", p->reader_features[i], why, err);
        }
    }
    if (s->n_dv_files > 0) { /* deletion vectors without the feature: still unreadable */
        snprintf(why, sizeof(why), "%zu live file(s) have deletion vectors", s->n_dv_files);
        return ls__unsupported(s, "reader feature", "deletionVectors", why, err);
    }
    return LS_OK;
}

static bool ls__has_constraints(const ls_delta_snapshot_t *s)
{
    const ls_delta_metadata_t *m = &s->metadata->u.meta;
    for (size_t i = 0; i < m->n_configuration; i++) {
        if (strncmp(m->configuration[i].key, "delta.constraints.", 18) == 0) {
            return true;
        }
    }
    return false;
}

/* Can we honour writer feature @p f? */
static bool ls__write_feature_ok(const ls_delta_snapshot_t *s, const char *f, char *why,
                                 size_t whylen)
{
    static const char *const plain[] = {
        "appendOnly",   "changeDataFeed",    "domainMetadata",      "timestampNtz",
        "v2Checkpoint", "inCommitTimestamp", "vacuumProtocolCheck", "typeWidening"};
    static const struct {
        const char *name;
        unsigned flag;
        const char *why;
    } schema_use[] = {
        {"invariants", LS__SF_INVARIANTS, "a column has a delta.invariants expression"},
        {"generatedColumns", LS__SF_GENERATED, "a column has a generation expression"},
        {"allowColumnDefaults", LS__SF_DEFAULTS, "a column has a default value"},
        {"identityColumns", LS__SF_IDENTITY, "the table has identity columns"},
    };
    why[0] = '\0';
    for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
        if (strcmp(f, plain[i]) == 0) {
            return true;
        }
    }
    for (size_t i = 0; i < sizeof(schema_use) / sizeof(schema_use[0]); i++) {
        if (strcmp(f, schema_use[i].name) == 0) {
            snprintf(why, whylen, "%s (lakesink does not evaluate SQL)", schema_use[i].why);
            return !(s->schema_flags & schema_use[i].flag);
        }
    }
    if (strcmp(f, "checkConstraints") == 0) {
        snprintf(why, whylen, "the table has CHECK constraints (lakesink does not evaluate SQL)");
        return !ls__has_constraints(s);
    }
    if (strcmp(f, "columnMapping") == 0) {
        snprintf(why, whylen, "delta.columnMapping.mode is '%s'", ls__colmap_mode(s));
        return strcmp(ls__colmap_mode(s), "none") == 0;
    }
    snprintf(why, whylen, "lakesink cannot honour it when writing");
    return false;
}

ls_err_t ls_delta_check_write(const ls_delta_snapshot_t *s, ls_error_t *err)
{
    LS_TRY(ls_delta_check_read(s, err));
    const ls_delta_protocol_t *p = &s->protocol->u.proto;
    char why[200];
    int w = p->min_writer_version;
    if (w < 1 || w > 7) {
        snprintf(why, sizeof(why), "%d", w);
        return ls__unsupported(s, "writer version", why, "lakesink writes versions 1 to 7", err);
    }
    /* legacy writer versions imply fixed feature sets */
    static const struct {
        int version;
        const char *feature;
    } implied[] = {{2, "appendOnly"},     {2, "invariants"},       {3, "checkConstraints"},
                   {4, "changeDataFeed"}, {4, "generatedColumns"}, {5, "columnMapping"},
                   {6, "identityColumns"}};
    for (size_t i = 0; w < 7 && i < sizeof(implied) / sizeof(implied[0]); i++) {
        if (w >= implied[i].version &&
            !ls__write_feature_ok(s, implied[i].feature, why, sizeof(why))) {
            return ls__unsupported(s, "writer feature", implied[i].feature, why, err);
        }
    }
    for (size_t i = 0; w == 7 && i < p->n_writer_features; i++) {
        if (!ls__write_feature_ok(s, p->writer_features[i], why, sizeof(why))) {
            return ls__unsupported(s, "writer feature", p->writer_features[i], why, err);
        }
    }
    return LS_OK;
}

/*
 * action.c — one Delta log line (a JSON object holding one action) into ls_delta_action_t,
 * with the protocol's leniency (unknown actions and fields ignored, JSON null as absent) and
 * strictness where replay depends on it (required fields and their types).
 *
 * Not responsible for: applying actions (snapshot.c) or writing them (action_write.c).
 */
#include <stdio.h>
#include <string.h>

#include "delta_int.h"
#include "lakesink/alloc.h"
#include "lakesink/json.h"

typedef struct {
    ls_arena_t *arena;
    ls_error_t *err;
    const char *act; /* action name, for messages */
} ls__ap_t;

static ls_err_t ls__ap_fail(ls__ap_t *ap, const char *field, const char *what)
{
    return ls_error_set(ap->err, LS_ERR_CORRUPT, "%s.%s: %s", ap->act, field, what);
}

static ls_err_t ls__ap_nomem(ls__ap_t *ap)
{
    return ls_error_set(ap->err, LS_ERR_NOMEM, "out of memory parsing a %s action", ap->act);
}

/* The member, or NULL when absent or JSON null (the protocol treats them alike). */
static const ls_json_value_t *ls__member(const ls_json_value_t *obj, const char *key)
{
    const ls_json_value_t *v = ls_json_get(obj, key);
    return (v == NULL || v->kind == LS_JSON_NULL) ? NULL : v;
}

static ls_err_t ls__ap_str(ls__ap_t *ap, const ls_json_value_t *obj, const char *key, bool required,
                           const char **out)
{
    const ls_json_value_t *v = ls__member(obj, key);
    *out = NULL;
    if (v == NULL) {
        return required ? ls__ap_fail(ap, key, "required string is missing") : LS_OK;
    }
    if (v->kind != LS_JSON_STRING) {
        return ls__ap_fail(ap, key, "must be a string");
    }
    if (strlen(v->str) != v->len) {
        return ls__ap_fail(ap, key, "contains a NUL character");
    }
    *out = v->str;
    return LS_OK;
}

static ls_err_t ls__ap_i64(ls__ap_t *ap, const ls_json_value_t *obj, const char *key, bool required,
                           bool *has, int64_t *out)
{
    const ls_json_value_t *v = ls__member(obj, key);
    *out = 0;
    if (has != NULL) {
        *has = v != NULL;
    }
    if (v == NULL) {
        return required ? ls__ap_fail(ap, key, "required number is missing") : LS_OK;
    }
    if (v->kind != LS_JSON_NUMBER || !v->is_int) {
        return ls__ap_fail(ap, key, "must be an integer that fits 64 bits");
    }
    *out = v->i64;
    return LS_OK;
}

static ls_err_t ls__ap_i32(ls__ap_t *ap, const ls_json_value_t *obj, const char *key, bool required,
                           bool *has, int32_t *out)
{
    int64_t x;
    LS_TRY(ls__ap_i64(ap, obj, key, required, has, &x));
    if (x < INT32_MIN || x > INT32_MAX) {
        return ls__ap_fail(ap, key, "must fit 32 bits");
    }
    *out = (int32_t)x;
    return LS_OK;
}

static ls_err_t ls__ap_bool(ls__ap_t *ap, const ls_json_value_t *obj, const char *key, bool dflt,
                            bool *has, bool *out)
{
    const ls_json_value_t *v = ls__member(obj, key);
    *out = dflt;
    if (has != NULL) {
        *has = v != NULL;
    }
    if (v == NULL) {
        return LS_OK;
    }
    if (v->kind != LS_JSON_BOOL) {
        return ls__ap_fail(ap, key, "must be true or false");
    }
    *out = v->b;
    return LS_OK;
}

/* A map<string,string>. Numbers and booleans become their text (other writers emitted them
 * for partition values); nested values are refused. */
static ls_err_t ls__ap_map(ls__ap_t *ap, const ls_json_value_t *obj, const char *key, bool *has,
                           const ls_delta_kv_t **out, size_t *n)
{
    const ls_json_value_t *v = ls__member(obj, key);
    *out = NULL;
    *n = 0;
    if (has != NULL) {
        *has = v != NULL;
    }
    if (v == NULL) {
        return LS_OK;
    }
    if (v->kind != LS_JSON_OBJECT) {
        return ls__ap_fail(ap, key, "must be an object of strings");
    }
    ls_delta_kv_t *kv = ls_arena_calloc(ap->arena, v->n ? v->n : 1, sizeof(*kv));
    if (kv == NULL) {
        return ls__ap_nomem(ap);
    }
    for (size_t i = 0; i < v->n; i++) {
        const ls_json_member_t *m = &v->members[i];
        const ls_json_value_t *x = m->value;
        if (strlen(m->key) != m->key_len) {
            return ls__ap_fail(ap, key, "a key contains a NUL character");
        }
        kv[i].key = m->key;
        if (x->kind == LS_JSON_NULL) {
            kv[i].value = NULL;
        } else if (x->kind == LS_JSON_STRING || x->kind == LS_JSON_NUMBER) {
            if (strlen(x->str) != x->len) {
                return ls__ap_fail(ap, key, "a value contains a NUL character");
            }
            kv[i].value = x->str;
        } else if (x->kind == LS_JSON_BOOL) {
            kv[i].value = x->b ? "true" : "false";
        } else {
            return ls__ap_fail(ap, key, "values must be strings or null");
        }
    }
    *out = kv;
    *n = v->n;
    return LS_OK;
}

static ls_err_t ls__ap_strarr(ls__ap_t *ap, const ls_json_value_t *obj, const char *key, bool *has,
                              const char *const **out, size_t *n)
{
    const ls_json_value_t *v = ls__member(obj, key);
    *out = NULL;
    *n = 0;
    if (has != NULL) {
        *has = v != NULL;
    }
    if (v == NULL) {
        return LS_OK;
    }
    if (v->kind != LS_JSON_ARRAY) {
        return ls__ap_fail(ap, key, "must be an array of strings");
    }
    const char **arr = ls_arena_calloc(ap->arena, v->n ? v->n : 1, sizeof(*arr));
    if (arr == NULL) {
        return ls__ap_nomem(ap);
    }
    for (size_t i = 0; i < v->n; i++) {
        const ls_json_value_t *x = v->items[i];
        if (x->kind != LS_JSON_STRING || strlen(x->str) != x->len) {
            return ls__ap_fail(ap, key, "must be an array of strings");
        }
        arr[i] = x->str;
    }
    *out = arr;
    *n = v->n;
    return LS_OK;
}

static ls_err_t ls__ap_dv(ls__ap_t *ap, const ls_json_value_t *obj, const ls_delta_dv_t **out)
{
    const ls_json_value_t *v = ls__member(obj, "deletionVector");
    *out = NULL;
    if (v == NULL) {
        return LS_OK;
    }
    if (v->kind != LS_JSON_OBJECT) {
        return ls__ap_fail(ap, "deletionVector", "must be an object");
    }
    ls_delta_dv_t *dv = ls_arena_calloc(ap->arena, 1, sizeof(*dv));
    if (dv == NULL) {
        return ls__ap_nomem(ap);
    }
    const char *st;
    bool has;
    LS_TRY(ls__ap_str(ap, v, "storageType", true, &st));
    if (strlen(st) != 1) {
        return ls__ap_fail(ap, "deletionVector.storageType", "must be one character");
    }
    dv->storage_type = st[0];
    LS_TRY(ls__ap_str(ap, v, "pathOrInlineDv", true, &dv->path_or_inline_dv));
    LS_TRY(ls__ap_i32(ap, v, "offset", false, &dv->has_offset, &dv->offset));
    LS_TRY(ls__ap_i32(ap, v, "sizeInBytes", true, &has, &dv->size_in_bytes));
    LS_TRY(ls__ap_i64(ap, v, "cardinality", true, &has, &dv->cardinality));
    LS_TRY(ls__ap_i64(ap, v, "maxRowIndex", false, &dv->has_max_row_index, &dv->max_row_index));
    *out = dv;
    return LS_OK;
}

static ls_err_t ls__parse_add(ls__ap_t *ap, const ls_json_value_t *v, ls_delta_add_t *a)
{
    bool has;
    LS_TRY(ls__ap_str(ap, v, "path", true, &a->path));
    if (a->path[0] == '\0') {
        return ls__ap_fail(ap, "path", "is empty");
    }
    LS_TRY(
        ls__ap_map(ap, v, "partitionValues", &has, &a->partition_values, &a->n_partition_values));
    LS_TRY(ls__ap_i64(ap, v, "size", true, &has, &a->size));
    if (a->size < 0) {
        return ls__ap_fail(ap, "size", "is negative");
    }
    LS_TRY(ls__ap_i64(ap, v, "modificationTime", false, &has, &a->modification_time));
    LS_TRY(ls__ap_bool(ap, v, "dataChange", true, &has, &a->data_change));
    const ls_json_value_t *stats = ls__member(v, "stats");
    if (stats != NULL && stats->kind == LS_JSON_STRING) {
        LS_TRY(ls__ap_str(ap, v, "stats", false, &a->stats));
    } /* stats of another JSON type: ignored, as if absent (always safe for stats) */
    LS_TRY(ls__ap_map(ap, v, "tags", &a->has_tags, &a->tags, &a->n_tags));
    LS_TRY(ls__ap_dv(ap, v, &a->dv));
    LS_TRY(ls__ap_i64(ap, v, "baseRowId", false, &a->has_base_row_id, &a->base_row_id));
    LS_TRY(ls__ap_i64(ap, v, "defaultRowCommitVersion", false, &a->has_default_row_commit_version,
                      &a->default_row_commit_version));
    return ls__ap_str(ap, v, "clusteringProvider", false, &a->clustering_provider);
}

static ls_err_t ls__parse_remove(ls__ap_t *ap, const ls_json_value_t *v, ls_delta_remove_t *r)
{
    LS_TRY(ls__ap_str(ap, v, "path", true, &r->path));
    if (r->path[0] == '\0') {
        return ls__ap_fail(ap, "path", "is empty");
    }
    LS_TRY(ls__ap_i64(ap, v, "deletionTimestamp", false, &r->has_deletion_timestamp,
                      &r->deletion_timestamp));
    LS_TRY(ls__ap_bool(ap, v, "dataChange", true, NULL, &r->data_change));
    LS_TRY(ls__ap_bool(ap, v, "extendedFileMetadata", false, &r->has_extended_file_metadata,
                       &r->extended_file_metadata));
    LS_TRY(ls__ap_map(ap, v, "partitionValues", &r->has_partition_values, &r->partition_values,
                      &r->n_partition_values));
    LS_TRY(ls__ap_i64(ap, v, "size", false, &r->has_size, &r->size));
    const ls_json_value_t *stats = ls__member(v, "stats");
    if (stats != NULL && stats->kind == LS_JSON_STRING) {
        LS_TRY(ls__ap_str(ap, v, "stats", false, &r->stats));
    }
    LS_TRY(ls__ap_map(ap, v, "tags", &r->has_tags, &r->tags, &r->n_tags));
    LS_TRY(ls__ap_dv(ap, v, &r->dv));
    LS_TRY(ls__ap_i64(ap, v, "baseRowId", false, &r->has_base_row_id, &r->base_row_id));
    return ls__ap_i64(ap, v, "defaultRowCommitVersion", false, &r->has_default_row_commit_version,
                      &r->default_row_commit_version);
}

static ls_err_t ls__parse_metadata(ls__ap_t *ap, const ls_json_value_t *v, ls_delta_metadata_t *m)
{
    LS_TRY(ls__ap_str(ap, v, "id", true, &m->id));
    LS_TRY(ls__ap_str(ap, v, "name", false, &m->name));
    LS_TRY(ls__ap_str(ap, v, "description", false, &m->description));
    const ls_json_value_t *fmt = ls__member(v, "format");
    m->format_provider = "parquet";
    if (fmt != NULL) {
        if (fmt->kind != LS_JSON_OBJECT) {
            return ls__ap_fail(ap, "format", "must be an object");
        }
        const char *prov;
        LS_TRY(ls__ap_str(ap, fmt, "provider", false, &prov));
        if (prov != NULL) {
            m->format_provider = prov;
        }
        LS_TRY(ls__ap_map(ap, fmt, "options", NULL, &m->format_options, &m->n_format_options));
    }
    /* schemaString is required by the protocol, but checked when the snapshot needs it:
     * a metaData action that a later one replaces may lack it harmlessly */
    LS_TRY(ls__ap_str(ap, v, "schemaString", false, &m->schema_string));
    LS_TRY(ls__ap_strarr(ap, v, "partitionColumns", NULL, &m->partition_columns,
                         &m->n_partition_columns));
    LS_TRY(ls__ap_map(ap, v, "configuration", NULL, &m->configuration, &m->n_configuration));
    return ls__ap_i64(ap, v, "createdTime", false, &m->has_created_time, &m->created_time);
}

static ls_err_t ls__parse_protocol(ls__ap_t *ap, const ls_json_value_t *v, ls_delta_protocol_t *p)
{
    LS_TRY(ls__ap_i32(ap, v, "minReaderVersion", true, NULL, &p->min_reader_version));
    LS_TRY(ls__ap_i32(ap, v, "minWriterVersion", true, NULL, &p->min_writer_version));
    LS_TRY(ls__ap_strarr(ap, v, "readerFeatures", &p->has_reader_features, &p->reader_features,
                         &p->n_reader_features));
    return ls__ap_strarr(ap, v, "writerFeatures", &p->has_writer_features, &p->writer_features,
                         &p->n_writer_features);
}

static ls_err_t ls__parse_txn(ls__ap_t *ap, const ls_json_value_t *v, ls_delta_txn_t *t)
{
    LS_TRY(ls__ap_str(ap, v, "appId", true, &t->app_id));
    LS_TRY(ls__ap_i64(ap, v, "version", true, NULL, &t->version));
    return ls__ap_i64(ap, v, "lastUpdated", false, &t->has_last_updated, &t->last_updated);
}

static ls_err_t ls__parse_commit_info(ls__ap_t *ap, const ls_json_value_t *v,
                                      ls_delta_commit_info_t *c)
{
    ls_buf_t b;
    ls_buf_init(&b, (size_t)1 << 30 /* compact output never outgrows the line */);
    ls_err_t rc = ls_json_write_value(v, &b);
    if (rc == LS_OK) {
        c->json = ls_arena_strndup(ap->arena, (const char *)b.data, b.len);
        rc = c->json != NULL ? LS_OK : LS_ERR_NOMEM;
    }
    ls_buf_free(&b);
    if (rc != LS_OK) {
        return ls__ap_nomem(ap);
    }
    if (v->kind != LS_JSON_OBJECT) {
        return LS_OK; /* free-form: nothing more to read */
    }
    /* free-form: fields of an unexpected type are ignored rather than fatal */
    const ls_json_value_t *ts = ls__member(v, "timestamp");
    if (ts != NULL && ts->kind == LS_JSON_NUMBER && ts->is_int) {
        c->has_timestamp = true;
        c->timestamp = ts->i64;
    }
    const ls_json_value_t *ict = ls__member(v, "inCommitTimestamp");
    if (ict != NULL && ict->kind == LS_JSON_NUMBER && ict->is_int) {
        c->has_in_commit_timestamp = true;
        c->in_commit_timestamp = ict->i64;
    }
    const ls_json_value_t *op = ls__member(v, "operation");
    if (op != NULL && op->kind == LS_JSON_STRING && strlen(op->str) == op->len) {
        c->operation = op->str;
    }
    return LS_OK;
}

static ls_err_t ls__parse_domain(ls__ap_t *ap, const ls_json_value_t *v, ls_delta_domain_t *d)
{
    LS_TRY(ls__ap_str(ap, v, "domain", true, &d->domain));
    LS_TRY(ls__ap_str(ap, v, "configuration", true, &d->configuration));
    return ls__ap_bool(ap, v, "removed", false, NULL, &d->removed);
}

static ls_err_t ls__parse_sidecar(ls__ap_t *ap, const ls_json_value_t *v, ls_delta_sidecar_t *s)
{
    LS_TRY(ls__ap_str(ap, v, "path", true, &s->path));
    LS_TRY(ls__ap_i64(ap, v, "sizeInBytes", false, NULL, &s->size_in_bytes));
    return ls__ap_i64(ap, v, "modificationTime", false, NULL, &s->modification_time);
}

static const struct {
    const char *name;
    ls_delta_action_kind_t kind;
} ls__actions[] = {
    {"add", LS_DELTA_ACT_ADD},
    {"remove", LS_DELTA_ACT_REMOVE},
    {"metaData", LS_DELTA_ACT_METADATA},
    {"protocol", LS_DELTA_ACT_PROTOCOL},
    {"txn", LS_DELTA_ACT_TXN},
    {"commitInfo", LS_DELTA_ACT_COMMIT_INFO},
    {"domainMetadata", LS_DELTA_ACT_DOMAIN_METADATA},
    {"cdc", LS_DELTA_ACT_CDC},
    {"checkpointMetadata", LS_DELTA_ACT_CHECKPOINT_METADATA},
    {"sidecar", LS_DELTA_ACT_SIDECAR},
};

static ls_err_t ls__parse_body(ls__ap_t *ap, const ls_json_value_t *v, ls_delta_action_t *out)
{
    if (out->kind != LS_DELTA_ACT_COMMIT_INFO && v->kind != LS_JSON_OBJECT) {
        return ls_error_set(ap->err, LS_ERR_CORRUPT, "%s: the action must be an object", ap->act);
    }
    switch (out->kind) {
    case LS_DELTA_ACT_ADD: return ls__parse_add(ap, v, &out->u.add);
    case LS_DELTA_ACT_REMOVE: return ls__parse_remove(ap, v, &out->u.remove);
    case LS_DELTA_ACT_METADATA: return ls__parse_metadata(ap, v, &out->u.metadata);
    case LS_DELTA_ACT_PROTOCOL: return ls__parse_protocol(ap, v, &out->u.protocol);
    case LS_DELTA_ACT_TXN: return ls__parse_txn(ap, v, &out->u.txn);
    case LS_DELTA_ACT_COMMIT_INFO: return ls__parse_commit_info(ap, v, &out->u.commit_info);
    case LS_DELTA_ACT_DOMAIN_METADATA: return ls__parse_domain(ap, v, &out->u.domain);
    case LS_DELTA_ACT_SIDECAR: return ls__parse_sidecar(ap, v, &out->u.sidecar);
    case LS_DELTA_ACT_CHECKPOINT_METADATA:
        return ls__ap_i64(ap, v, "version", true, NULL, &out->u.checkpoint_version);
    default: return LS_OK; /* cdc: nothing kept */
    }
}

ls_err_t ls_delta_action_parse(const char *line, size_t len, ls_arena_t *arena,
                               ls_delta_action_t *out, ls_error_t *err)
{
    memset(out, 0, sizeof(*out));
    ls_json_value_t *root = NULL;
    LS_TRY(ls_json_parse(line, len, arena, &root, err));
    if (root->kind != LS_JSON_OBJECT) {
        return ls_error_set(err, LS_ERR_CORRUPT, "a log line must be a JSON object");
    }
    const ls_json_value_t *body = NULL;
    const char *name = NULL;
    for (size_t i = 0; i < root->n; i++) {
        const ls_json_member_t *m = &root->members[i];
        if (m->value->kind == LS_JSON_NULL) {
            continue; /* {"add":null,...}: rows of JSON checkpoints look like this */
        }
        for (size_t k = 0; k < sizeof(ls__actions) / sizeof(ls__actions[0]); k++) {
            if (strcmp(m->key, ls__actions[k].name) != 0 || strlen(m->key) != m->key_len) {
                continue;
            }
            if (body != NULL) {
                return ls_error_set(err, LS_ERR_CORRUPT, "a log line holds two actions (%s and %s)",
                                    name, m->key);
            }
            body = m->value;
            name = ls__actions[k].name;
            out->kind = ls__actions[k].kind;
        }
    }
    if (body == NULL) {
        return LS_OK; /* an action from a newer protocol: readers must ignore it */
    }
    ls__ap_t ap = {arena, err, name};
    ls_err_t rc = ls__parse_body(&ap, body, out);
    if (rc != LS_OK) {
        out->kind = LS_DELTA_ACT_UNKNOWN;
    }
    return rc;
}

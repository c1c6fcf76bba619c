/*
 * action_write.c — ls_delta_action_t back to one line of compact JSON, fields in the order
 * Spark writes them, optional fields only when present.
 *
 * Not responsible for: percent-encoding paths (callers hand in encoded paths) or validating
 * actions (tx.c checks what a transaction adds).
 */
#include <inttypes.h>
#include <string.h>

#include "delta_int.h"
#include "lakesink/schema.h"

static ls_err_t ls__w_str(ls_buf_t *b, const char *s)
{
    return ls_json_append_string(b, s, strlen(s));
}

/* ,"key": */
static ls_err_t ls__w_key(ls_buf_t *b, bool first, const char *key)
{
    if (!first) {
        LS_TRY(ls_buf_append_byte(b, ','));
    }
    LS_TRY(ls__w_str(b, key));
    return ls_buf_append_byte(b, ':');
}

static ls_err_t ls__w_kstr(ls_buf_t *b, bool first, const char *key, const char *v)
{
    LS_TRY(ls__w_key(b, first, key));
    return v != NULL ? ls__w_str(b, v) : ls_buf_append_str(b, "null");
}

static ls_err_t ls__w_ki64(ls_buf_t *b, const char *key, int64_t v)
{
    LS_TRY(ls__w_key(b, false, key));
    return ls_buf_printf(b, "%" PRId64, v);
}

static ls_err_t ls__w_kbool(ls_buf_t *b, const char *key, bool v)
{
    LS_TRY(ls__w_key(b, false, key));
    return ls_buf_append_str(b, v ? "true" : "false");
}

static ls_err_t ls__w_map(ls_buf_t *b, const char *key, const ls_delta_kv_t *kv, size_t n)
{
    LS_TRY(ls__w_key(b, false, key));
    LS_TRY(ls_buf_append_byte(b, '{'));
    for (size_t i = 0; i < n; i++) {
        LS_TRY(ls__w_kstr(b, i == 0, kv[i].key, kv[i].value));
    }
    return ls_buf_append_byte(b, '}');
}

static ls_err_t ls__w_arr(ls_buf_t *b, const char *key, const char *const *v, size_t n)
{
    LS_TRY(ls__w_key(b, false, key));
    LS_TRY(ls_buf_append_byte(b, '['));
    for (size_t i = 0; i < n; i++) {
        if (i > 0) {
            LS_TRY(ls_buf_append_byte(b, ','));
        }
        LS_TRY(ls__w_str(b, v[i]));
    }
    return ls_buf_append_byte(b, ']');
}

static ls_err_t ls__w_dv(ls_buf_t *b, const ls_delta_dv_t *dv)
{
    char st[2] = {dv->storage_type, '\0'};
    LS_TRY(ls__w_key(b, false, "deletionVector"));
    LS_TRY(ls_buf_append_byte(b, '{'));
    LS_TRY(ls__w_kstr(b, true, "storageType", st));
    LS_TRY(ls__w_kstr(b, false, "pathOrInlineDv", dv->path_or_inline_dv));
    if (dv->has_offset) {
        LS_TRY(ls__w_ki64(b, "offset", dv->offset));
    }
    LS_TRY(ls__w_ki64(b, "sizeInBytes", dv->size_in_bytes));
    LS_TRY(ls__w_ki64(b, "cardinality", dv->cardinality));
    if (dv->has_max_row_index) {
        LS_TRY(ls__w_ki64(b, "maxRowIndex", dv->max_row_index));
    }
    return ls_buf_append_byte(b, '}');
}

static ls_err_t ls__w_add(ls_buf_t *b, const ls_delta_add_t *a)
{
    LS_TRY(ls__w_kstr(b, true, "path", a->path));
    LS_TRY(ls__w_map(b, "partitionValues", a->partition_values, a->n_partition_values));
    LS_TRY(ls__w_ki64(b, "size", a->size));
    LS_TRY(ls__w_ki64(b, "modificationTime", a->modification_time));
    LS_TRY(ls__w_kbool(b, "dataChange", a->data_change));
    if (a->stats != NULL) {
        LS_TRY(ls__w_kstr(b, false, "stats", a->stats));
    }
    if (a->has_tags) {
        LS_TRY(ls__w_map(b, "tags", a->tags, a->n_tags));
    }
    if (a->dv != NULL) {
        LS_TRY(ls__w_dv(b, a->dv));
    }
    if (a->has_base_row_id) {
        LS_TRY(ls__w_ki64(b, "baseRowId", a->base_row_id));
    }
    if (a->has_default_row_commit_version) {
        LS_TRY(ls__w_ki64(b, "defaultRowCommitVersion", a->default_row_commit_version));
    }
    if (a->clustering_provider != NULL) {
        LS_TRY(ls__w_kstr(b, false, "clusteringProvider", a->clustering_provider));
    }
    return LS_OK;
}

static ls_err_t ls__w_remove(ls_buf_t *b, const ls_delta_remove_t *r)
{
    LS_TRY(ls__w_kstr(b, true, "path", r->path));
    if (r->has_deletion_timestamp) {
        LS_TRY(ls__w_ki64(b, "deletionTimestamp", r->deletion_timestamp));
    }
    LS_TRY(ls__w_kbool(b, "dataChange", r->data_change));
    if (r->has_extended_file_metadata) {
        LS_TRY(ls__w_kbool(b, "extendedFileMetadata", r->extended_file_metadata));
    }
    if (r->has_partition_values) {
        LS_TRY(ls__w_map(b, "partitionValues", r->partition_values, r->n_partition_values));
    }
    if (r->has_size) {
        LS_TRY(ls__w_ki64(b, "size", r->size));
    }
    if (r->stats != NULL) {
        LS_TRY(ls__w_kstr(b, false, "stats", r->stats));
    }
    if (r->has_tags) {
        LS_TRY(ls__w_map(b, "tags", r->tags, r->n_tags));
    }
    if (r->dv != NULL) {
        LS_TRY(ls__w_dv(b, r->dv));
    }
    if (r->has_base_row_id) {
        LS_TRY(ls__w_ki64(b, "baseRowId", r->base_row_id));
    }
    if (r->has_default_row_commit_version) {
        LS_TRY(ls__w_ki64(b, "defaultRowCommitVersion", r->default_row_commit_version));
    }
    return LS_OK;
}

static ls_err_t ls__w_metadata(ls_buf_t *b, const ls_delta_metadata_t *m)
{
    LS_TRY(ls__w_kstr(b, true, "id", m->id));
    if (m->name != NULL) {
        LS_TRY(ls__w_kstr(b, false, "name", m->name));
    }
    if (m->description != NULL) {
        LS_TRY(ls__w_kstr(b, false, "description", m->description));
    }
    LS_TRY(ls__w_key(b, false, "format"));
    LS_TRY(ls_buf_append_byte(b, '{'));
    LS_TRY(ls__w_kstr(b, true, "provider", m->format_provider ? m->format_provider : "parquet"));
    LS_TRY(ls__w_map(b, "options", m->format_options, m->n_format_options));
    LS_TRY(ls_buf_append_byte(b, '}'));
    if (m->schema_string != NULL) {
        LS_TRY(ls__w_kstr(b, false, "schemaString", m->schema_string));
    }
    LS_TRY(ls__w_arr(b, "partitionColumns", m->partition_columns, m->n_partition_columns));
    LS_TRY(ls__w_map(b, "configuration", m->configuration, m->n_configuration));
    if (m->has_created_time) {
        LS_TRY(ls__w_ki64(b, "createdTime", m->created_time));
    }
    return LS_OK;
}

static ls_err_t ls__w_protocol(ls_buf_t *b, const ls_delta_protocol_t *p)
{
    LS_TRY(ls__w_key(b, true, "minReaderVersion"));
    LS_TRY(ls_buf_printf(b, "%" PRId32, p->min_reader_version));
    LS_TRY(ls__w_ki64(b, "minWriterVersion", p->min_writer_version));
    if (p->has_reader_features) {
        LS_TRY(ls__w_arr(b, "readerFeatures", p->reader_features, p->n_reader_features));
    }
    if (p->has_writer_features) {
        LS_TRY(ls__w_arr(b, "writerFeatures", p->writer_features, p->n_writer_features));
    }
    return LS_OK;
}

static ls_err_t ls__w_body(ls_buf_t *b, const ls_delta_action_t *a)
{
    switch (a->kind) {
    case LS_DELTA_ACT_ADD: return ls__w_add(b, &a->u.add);
    case LS_DELTA_ACT_REMOVE: return ls__w_remove(b, &a->u.remove);
    case LS_DELTA_ACT_METADATA: return ls__w_metadata(b, &a->u.metadata);
    case LS_DELTA_ACT_PROTOCOL: return ls__w_protocol(b, &a->u.protocol);
    case LS_DELTA_ACT_TXN:
        LS_TRY(ls__w_kstr(b, true, "appId", a->u.txn.app_id));
        LS_TRY(ls__w_ki64(b, "version", a->u.txn.version));
        if (a->u.txn.has_last_updated) {
            LS_TRY(ls__w_ki64(b, "lastUpdated", a->u.txn.last_updated));
        }
        return LS_OK;
    case LS_DELTA_ACT_DOMAIN_METADATA:
        LS_TRY(ls__w_kstr(b, true, "domain", a->u.domain.domain));
        LS_TRY(ls__w_kstr(b, false, "configuration", a->u.domain.configuration));
        return ls__w_kbool(b, "removed", a->u.domain.removed);
    default: return LS_ERR_UNSUPPORTED;
    }
}

static const char *ls__kind_name(ls_delta_action_kind_t k)
{
    switch (k) {
    case LS_DELTA_ACT_ADD: return "add";
    case LS_DELTA_ACT_REMOVE: return "remove";
    case LS_DELTA_ACT_METADATA: return "metaData";
    case LS_DELTA_ACT_PROTOCOL: return "protocol";
    case LS_DELTA_ACT_TXN: return "txn";
    case LS_DELTA_ACT_COMMIT_INFO: return "commitInfo";
    case LS_DELTA_ACT_DOMAIN_METADATA: return "domainMetadata";
    default: return NULL;
    }
}

ls_err_t ls_delta_action_write(const ls_delta_action_t *a, ls_buf_t *out, ls_error_t *err)
{
    const char *name = ls__kind_name(a->kind);
    if (name == NULL || (a->kind == LS_DELTA_ACT_COMMIT_INFO && a->u.commit_info.json == NULL)) {
        return ls_error_set(err, LS_ERR_UNSUPPORTED, "cannot write a Delta action of kind %d",
                            (int)a->kind);
    }
    size_t mark = out->len;
    ls_err_t rc = ls_buf_append_str(out, "{\"");
    if (rc == LS_OK) {
        rc = ls_buf_append_str(out, name);
    }
    if (rc == LS_OK) {
        rc = ls_buf_append_str(out, "\":");
    }
    if (rc == LS_OK && a->kind == LS_DELTA_ACT_COMMIT_INFO) {
        rc = ls_buf_append_str(out, a->u.commit_info.json);
    } else if (rc == LS_OK) {
        rc = ls_buf_append_byte(out, '{');
        if (rc == LS_OK) {
            rc = ls__w_body(out, a);
        }
        if (rc == LS_OK) {
            rc = ls_buf_append_byte(out, '}');
        }
    }
    if (rc == LS_OK) {
        rc = ls_buf_append_byte(out, '}');
    }
    if (rc != LS_OK) {
        out->len = mark;
        return ls_error_set(err, rc, "writing a %s action: %s", name, ls_err_str(rc));
    }
    return LS_OK;
}

/*
 * create.c — creating a Delta table: validating the schema, partitioning and table properties
 * lakesink can honour, choosing the smallest protocol that carries them, and writing version 0
 * (commitInfo, protocol, metaData) with put-if-absent.
 *
 * Not responsible for: later commits (tx.c) or the data layout of partitions (table module).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "delta_int.h"
#include "lakesink/uri.h"
#include "lakesink/alloc.h"

/* Characters Spark refuses in column names of tables without column mapping. */
#define LS__BAD_NAME_CHARS " ,;{}()\n\t="

static ls_err_t ls__check_type(const ls_type_t *t, const char *path, bool *ntz, ls_error_t *err);

static ls_err_t ls__check_struct(const ls_type_t *t, const char *path, bool *ntz, ls_error_t *err)
{
    if (t->nfields == 0) {
        return ls_error_set(err, LS_ERR_SCHEMA, "struct %s has no fields (Parquet cannot hold it)",
                            path[0] ? path : "<root>");
    }
    for (size_t i = 0; i < t->nfields; i++) {
        const char *name = t->fields[i].name;
        char sub[512];
        snprintf(sub, sizeof(sub), "%s%s%s", path, path[0] ? "." : "", name);
        if (name[0] == '\0' || strpbrk(name, LS__BAD_NAME_CHARS) != NULL) {
            return ls_error_set(err, LS_ERR_SCHEMA,
                                "column name '%s' is empty or has one of "
                                "' ,;{}()=', tab or newline",
                                sub);
        }
        for (size_t j = 0; j < i; j++) {
            if (strcasecmp(name, t->fields[j].name) == 0) {
                return ls_error_set(err, LS_ERR_SCHEMA,
                                    "columns '%s' and '%s' differ only in "
                                    "case (Delta column names are case-insensitive)",
                                    sub, t->fields[j].name);
            }
        }
        LS_TRY(ls__check_type(t->fields[i].type, sub, ntz, err));
    }
    return LS_OK;
}

static ls_err_t ls__check_type(const ls_type_t *t, const char *path, bool *ntz, ls_error_t *err)
{
    switch (t->kind) {
    case LS_TYPE_STRUCT: return ls__check_struct(t, path, ntz, err);
    case LS_TYPE_ARRAY: return ls__check_type(t->element, path, ntz, err);
    case LS_TYPE_MAP:
        LS_TRY(ls__check_type(t->key, path, ntz, err));
        return ls__check_type(t->value, path, ntz, err);
    case LS_TYPE_UINT64:
    case LS_TYPE_TIME:
    case LS_TYPE_UUID:
    case LS_TYPE_FIXED:
        return ls_error_set(err, LS_ERR_SCHEMA, "column %s: type %s has no Delta equivalent", path,
                            ls_type_kind_name(t->kind));
    case LS_TYPE_TIMESTAMP_NTZ: *ntz = true; return LS_OK;
    default: return LS_OK;
    }
}

static ls_err_t ls__check_partitions(const ls_delta_create_opts_t *o, ls_error_t *err)
{
    for (size_t i = 0; i < o->n_partition_columns; i++) {
        const char *c = o->partition_columns[i];
        int f = ls_type_struct_find(o->schema, c);
        if (f < 0) {
            return ls_error_set(err, LS_ERR_SCHEMA,
                                "partition column '%s' is not a top-level "
                                "column of the schema",
                                c);
        }
        if (ls_type_is_nested(o->schema->fields[f].type)) {
            return ls_error_set(err, LS_ERR_SCHEMA,
                                "partition column '%s' must have a "
                                "primitive type",
                                c);
        }
        for (size_t j = 0; j < i; j++) {
            if (strcmp(c, o->partition_columns[j]) == 0) {
                return ls_error_set(err, LS_ERR_SCHEMA, "partition column '%s' is listed twice", c);
            }
        }
    }
    if (o->n_partition_columns >= o->schema->nfields) {
        return ls_error_set(err, LS_ERR_SCHEMA,
                            "every column is a partition column: data files "
                            "need at least one data column");
    }
    return LS_OK;
}

/* Is the delta.* property @p k with value @p v one lakesink can honour at creation? */
static ls_err_t ls__check_property(const char *k, const char *v, ls_error_t *err)
{
    static const char *const free_form[] = {
        "delta.logRetentionDuration",     "delta.dataSkippingNumIndexedCols",
        "delta.dataSkippingStatsColumns", "delta.parquet.compression.codec",
        "delta.targetFileSize",           "delta.checkpoint.writeStatsAsJson",
        "delta.randomizeFilePrefixes",    "delta.randomPrefixLength"};
    static const char *const booleans[] = {"delta.appendOnly", "delta.enableInCommitTimestamps"};
    static const char *const intervals[] = {"delta.deletedFileRetentionDuration",
                                            "delta.setTransactionRetentionDuration"};
    if (strncmp(k, "delta.", 6) != 0) {
        return LS_OK;
    }
    for (size_t i = 0; i < sizeof(free_form) / sizeof(free_form[0]); i++) {
        if (strcmp(k, free_form[i]) == 0) {
            return LS_OK;
        }
    }
    for (size_t i = 0; i < sizeof(booleans) / sizeof(booleans[0]); i++) {
        if (strcmp(k, booleans[i]) == 0) {
            bool ok = v != NULL && (strcasecmp(v, "true") == 0 || strcasecmp(v, "false") == 0);
            return ok ? LS_OK : ls_error_set(err, LS_ERR_CONFIG, "%s must be true or false", k);
        }
    }
    for (size_t i = 0; i < sizeof(intervals) / sizeof(intervals[0]); i++) {
        int64_t ms;
        if (strcmp(k, intervals[i]) == 0) {
            return v != NULL ? ls_delta_parse_interval(v, &ms, err)
                             : ls_error_set(err, LS_ERR_CONFIG, "%s needs a value", k);
        }
    }
    if (strcmp(k, "delta.checkpointInterval") == 0) {
        char *end;
        long n = v ? strtol(v, &end, 10) : 0;
        return v != NULL && *end == '\0' && n > 0
                   ? LS_OK
                   : ls_error_set(err, LS_ERR_CONFIG, "%s must be a positive integer", k);
    }
    if ((strcmp(k, "delta.columnMapping.mode") == 0 && v && strcmp(v, "none") == 0) ||
        (strcmp(k, "delta.checkpoint.writeStatsAsStruct") == 0 && !ls__delta_is_true(v))) {
        return LS_OK;
    }
    static const char *const needs_feature[] = {"delta.columnMapping.mode",
                                                "delta.enableDeletionVectors",
                                                "delta.enableRowTracking",
                                                "delta.enableChangeDataFeed",
                                                "delta.enableTypeWidening",
                                                "delta.checkpointPolicy",
                                                "delta.checkpoint.writeStatsAsStruct"};
    for (size_t i = 0; i < sizeof(needs_feature) / sizeof(needs_feature[0]); i++) {
        if (strcmp(k, needs_feature[i]) == 0) {
            return ls_error_set(err, LS_ERR_CONFIG,
                                "table property %s=%s needs a feature "
                                "lakesink cannot write",
                                k, v ? v : "null");
        }
    }
    return ls_error_set(err, LS_ERR_CONFIG, "unknown Delta table property %s", k);
}

static ls_err_t ls__w_json_str_array(ls_buf_t *b, const char *const *v, size_t n)
{
    LS_TRY(ls_buf_append_byte(b, '['));
    for (size_t i = 0; i < n; i++) {
        LS_TRY(ls_buf_append_str(b, i ? "," : ""));
        LS_TRY(ls_json_append_string(b, v[i], strlen(v[i])));
    }
    return ls_buf_append_byte(b, ']');
}

/* commitInfo line of version 0. */
static ls_err_t ls__create_info(ls_buf_t *b, const ls_delta_create_opts_t *o, int64_t now, bool ict)
{
    ls_buf_t pb;
    ls_buf_init(&pb, 1 << 20);
    ls_err_t rc = ls__w_json_str_array(&pb, o->partition_columns, o->n_partition_columns);
    rc = rc == LS_OK ? ls_buf_terminate(&pb) : rc;
    char uuid[37];
    ls_uuid4(uuid);
    if (rc == LS_OK) {
        rc = ls_buf_printf(b, "{\"commitInfo\":{\"timestamp\":%" PRId64, now);
    }
    if (rc == LS_OK && ict) {
        rc = ls_buf_printf(b, ",\"inCommitTimestamp\":%" PRId64, now);
    }
    if (rc == LS_OK) {
        rc = ls_buf_append_str(b, ",\"operation\":\"CREATE TABLE\",\"operationParameters\":"
                                  "{\"partitionBy\":");
    }
    if (rc == LS_OK) {
        rc = ls_json_append_string(b, (const char *)pb.data, pb.len);
    }
    if (rc == LS_OK) {
        rc = ls_buf_printf(b,
                           "},\"isolationLevel\":\"Serializable\",\"isBlindAppend\":true,"
                           "\"engineInfo\":\"lakesink/%s\",\"txnId\":\"%s\"}}\n",
                           LS_VERSION, uuid);
    }
    ls_buf_free(&pb);
    return rc;
}

/* The protocol line: {1,2}, or table features when timestamp_ntz or ICT need them. */
static ls_err_t ls__create_protocol(ls_buf_t *b, bool ntz, bool ict, bool append_only,
                                    ls_error_t *err)
{
    const char *rf[1], *wf[3];
    size_t nr = 0, nw = 0;
    if (ntz) {
        rf[nr++] = wf[nw++] = "timestampNtz";
    }
    if (ict) {
        wf[nw++] = "inCommitTimestamp";
    }
    if ((ntz || ict) && append_only) {
        wf[nw++] = "appendOnly"; /* legacy writer 2 implied it; with features it must be listed */
    }
    ls_delta_action_t a = {.kind = LS_DELTA_ACT_PROTOCOL};
    a.u.protocol = (ls_delta_protocol_t){1, 2, false, false, 0, NULL, 0, NULL};
    if (ntz || ict) {
        a.u.protocol = (ls_delta_protocol_t){ntz ? 3 : 1, 7, ntz, true, nr, rf, nw, wf};
    }
    LS_TRY(ls_delta_action_write(&a, b, err));
    return ls_buf_append_byte(b, '\n');
}

static ls_err_t ls__create_payload(const ls_delta_create_opts_t *o, int64_t now, ls_buf_t *b,
                                   ls_error_t *err)
{
    bool ntz = false;
    LS_TRY(ls__check_type(o->schema, "", &ntz, err));
    LS_TRY(ls__check_partitions(o, err));
    for (size_t i = 0; i < o->n_configuration; i++) {
        LS_TRY(ls__check_property(o->configuration[i].key, o->configuration[i].value, err));
    }
    bool ict = ls__delta_is_true(
        ls__delta_kv_get(o->configuration, o->n_configuration, "delta.enableInCommitTimestamps"));
    bool ao = ls__delta_is_true(
        ls__delta_kv_get(o->configuration, o->n_configuration, "delta.appendOnly"));
    ls_buf_t schema;
    ls_buf_init(&schema, 64 << 20);
    ls_err_t rc = ls_type_to_json(o->schema, &schema);
    rc = rc == LS_OK ? ls_buf_terminate(&schema) : rc;
    if (rc == LS_OK) {
        rc = ls__create_info(b, o, now, ict);
    }
    if (rc != LS_OK) {
        ls_buf_free(&schema);
        return ls_error_set(err, rc, "building version 0: %s", ls_err_str(rc));
    }
    char id[37];
    ls_uuid4(id);
    ls_delta_action_t a = {.kind = LS_DELTA_ACT_METADATA};
    a.u.metadata = (ls_delta_metadata_t){.id = id,
                                         .name = o->name,
                                         .description = o->description,
                                         .format_provider = "parquet",
                                         .schema_string = (const char *)schema.data,
                                         .n_partition_columns = o->n_partition_columns,
                                         .partition_columns = o->partition_columns,
                                         .n_configuration = o->n_configuration,
                                         .configuration = o->configuration,
                                         .has_created_time = true,
                                         .created_time = now};
    rc = ls__create_protocol(b, ntz, ict, ao, err);
    if (rc == LS_OK) {
        rc = ls_delta_action_write(&a, b, err);
    }
    ls_buf_free(&schema);
    return rc;
}

static ls_err_t ls__any_log(void *ud, const ls_store_entry_t *se, ls_error_t *err)
{
    ls__log_entry_t e;
    (void)err;
    if (ls__delta_log_classify(se->key, &e)) {
        *(bool *)ud = true;
        ls_free(e.key);
        return LS_ERR_CLOSED;
    }
    return LS_OK;
}

/* The snapshot of what we just wrote, without reading it back. */
static ls_err_t ls__create_snapshot(ls_store_t *st, const ls_buf_t *b, int64_t now,
                                    ls_delta_snapshot_t **out, ls_error_t *err)
{
    ls_delta_snapshot_t *s = ls__delta_snap_new(st, 0);
    ls_arena_t *arena = ls_arena_new(1 << 14, 0);
    ls__actvec_t av = {0};
    ls_err_t rc = s && arena ? LS_OK : ls_error_set(err, LS_ERR_NOMEM, "out of memory");
    if (rc == LS_OK) {
        rc = ls__delta_commit_parse((const char *)b->data, b->len, "version 0", arena, &av, err);
    }
    if (rc == LS_OK) {
        s->check_read = true;
        rc = ls__delta_commit_apply_actions(s, 0, now, &av, err);
    }
    if (rc == LS_OK) {
        rc = ls__delta_snap_finish(s, "version 0", err);
    }
    ls__delta_actvec_free(&av);
    ls_arena_free(arena);
    if (rc != LS_OK) {
        ls_delta_snapshot_free(s);
        return ls_error_prefix(err, "table created, but: ");
    }
    *out = s;
    return LS_OK;
}

ls_err_t ls_delta_table_create(ls_store_t *st, const ls_delta_create_opts_t *opts,
                               ls_delta_snapshot_t **out, ls_error_t *err)
{
    if (out != NULL) {
        *out = NULL;
    }
    if (opts == NULL || opts->schema == NULL || opts->schema->kind != LS_TYPE_STRUCT) {
        return ls_error_set(err, LS_ERR_INVALID_ARG,
                            "creating a Delta table needs a struct "
                            "schema");
    }
    bool exists = false;
    LS_TRY(ls_store_list(st, LS__DELTA_LOG_PREFIX, NULL, ls__any_log, &exists, err));
    if (exists) {
        return ls_error_set(err, LS_ERR_EXISTS, "a Delta table already exists at %s",
                            ls_store_uri(st));
    }
    int64_t now = ls__delta_now_ms();
    ls_buf_t b;
    ls_buf_init(&b, 128 << 20);
    ls_err_t rc = ls__create_payload(opts, now, &b, err);
    if (rc == LS_OK) {
        char key[LS_DELTA_KEY_MAX];
        ls_delta_commit_key(0, key);
        rc = ls_store_put_if_absent(st, key, b.data, b.len, err);
        if (rc == LS_ERR_EXISTS) {
            rc = ls_error_set(err, LS_ERR_EXISTS,
                              "a Delta table already exists at %s "
                              "(created concurrently)",
                              ls_store_uri(st));
        }
    }
    if (rc == LS_OK && out != NULL) {
        rc = ls__create_snapshot(st, &b, now, out, err);
    }
    ls_buf_free(&b);
    return rc;
}

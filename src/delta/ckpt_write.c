/*
 * ckpt_write.c — writing a classic (V1) checkpoint with our Parquet writer: the schema Spark
 * writes (top-level optional structs txn, add, remove, metaData, protocol, domainMetadata;
 * every column optional; add.partitionValues a map; add.stats the JSON text), rows in a
 * fixed sorted order so the file is deterministic, expired tombstones and txns dropped, then
 * `_last_checkpoint`. Plus the interval policy.
 *
 * Not responsible for: stats_parsed / partitionValues_parsed (we never write them, so
 * delta.checkpoint.writeStatsAsStruct=true is refused), multi-part or V2 checkpoints,
 * deleting old log files.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "delta_int.h"
#include "lakesink/alloc.h"
#include "lakesink/json.h"
#include "lakesink/parquet.h"

#define LS__CW_BATCH_ROWS 4096
#define LS__CW_BATCH_BYTES ((size_t)32 << 20)

/* ------------------------------------------------------------------ schema */

static ls_type_t *ls__str_t(void)
{
    return ls_type_new(LS_TYPE_STRING);
}

static ls_type_t *ls__map_t(void)
{
    return ls_type_new_map(ls__str_t(), ls__str_t(), true);
}

static ls_type_t *ls__arr_t(void)
{
    return ls_type_new_array(ls__str_t(), true);
}

/* A struct of (name, type) pairs ending with NULL, every field nullable; NULL on OOM. */
static ls_type_t *ls__struct_t(const char *name, ...)
{
    ls_type_t *st = ls_type_new_struct();
    va_list ap;
    va_start(ap, name);
    bool ok = st != NULL;
    for (const char *n = name; n != NULL; n = va_arg(ap, const char *)) {
        ls_type_t *t = va_arg(ap, ls_type_t *);
        if (ok && t != NULL) {
            ok = ls_type_struct_add(st, n, t, true) == LS_OK; /* takes t, even on failure */
        } else {
            ok = false;
            ls_type_free(t);
        }
    }
    va_end(ap);
    if (!ok) {
        ls_type_free(st);
        return NULL;
    }
    return st;
}

static ls_type_t *ls__dv_t(void)
{
    return ls__struct_t("storageType", ls__str_t(), "pathOrInlineDv", ls__str_t(), "offset",
                        ls_type_new(LS_TYPE_INTEGER), "sizeInBytes", ls_type_new(LS_TYPE_INTEGER),
                        "cardinality", ls_type_new(LS_TYPE_LONG), "maxRowIndex",
                        ls_type_new(LS_TYPE_LONG), NULL);
}

static ls_type_t *ls__checkpoint_schema(bool stats)
{
    ls_type_t *add = ls__struct_t(
        "path", ls__str_t(), "partitionValues", ls__map_t(), "size", ls_type_new(LS_TYPE_LONG),
        "modificationTime", ls_type_new(LS_TYPE_LONG), "dataChange", ls_type_new(LS_TYPE_BOOLEAN),
        "tags", ls__map_t(), "deletionVector", ls__dv_t(), "baseRowId", ls_type_new(LS_TYPE_LONG),
        "defaultRowCommitVersion", ls_type_new(LS_TYPE_LONG), NULL);
    if (add != NULL && stats && ls_type_struct_add(add, "stats", ls__str_t(), true) != LS_OK) {
        ls_type_free(add);
        add = NULL;
    }
    return ls__struct_t(
        "txn",
        ls__struct_t("appId", ls__str_t(), "version", ls_type_new(LS_TYPE_LONG), "lastUpdated",
                     ls_type_new(LS_TYPE_LONG), NULL),
        "add", add, "remove",
        ls__struct_t("path", ls__str_t(), "deletionTimestamp", ls_type_new(LS_TYPE_LONG),
                     "dataChange", ls_type_new(LS_TYPE_BOOLEAN), "extendedFileMetadata",
                     ls_type_new(LS_TYPE_BOOLEAN), "partitionValues", ls__map_t(), "size",
                     ls_type_new(LS_TYPE_LONG), "deletionVector", ls__dv_t(), "baseRowId",
                     ls_type_new(LS_TYPE_LONG), "defaultRowCommitVersion",
                     ls_type_new(LS_TYPE_LONG), NULL),
        "metaData",
        ls__struct_t("id", ls__str_t(), "name", ls__str_t(), "description", ls__str_t(), "format",
                     ls__struct_t("provider", ls__str_t(), "options", ls__map_t(), NULL),
                     "schemaString", ls__str_t(), "partitionColumns", ls__arr_t(), "configuration",
                     ls__map_t(), "createdTime", ls_type_new(LS_TYPE_LONG), NULL),
        "protocol",
        ls__struct_t("minReaderVersion", ls_type_new(LS_TYPE_INTEGER), "minWriterVersion",
                     ls_type_new(LS_TYPE_INTEGER), "readerFeatures", ls__arr_t(), "writerFeatures",
                     ls__arr_t(), NULL),
        "domainMetadata",
        ls__struct_t("domain", ls__str_t(), "configuration", ls__str_t(), "removed",
                     ls_type_new(LS_TYPE_BOOLEAN), NULL),
        NULL);
}

/* ------------------------------------------------------------------ rows */

typedef struct {
    ls_batch_t *b;
    const ls_node_t *top[6]; /* txn, add, remove, metaData, protocol, domainMetadata */
} ls__cw_t;

enum { T_TXN, T_ADD, T_RM, T_MD, T_PR, T_DM };

static const ls_node_t *ls__ch(const ls_node_t *n, const char *name)
{
    for (uint32_t i = 0; i < n->nchildren; i++) {
        if (strcmp(n->children[i]->name, name) == 0) {
            return n->children[i];
        }
    }
    return NULL;
}

static ls_column_t *ls__col(ls__cw_t *w, const ls_node_t *leaf)
{
    return &w->b->cols[leaf->leaf];
}

static ls_err_t ls__w_str(ls__cw_t *w, const ls_node_t *n, const char *s, int rep)
{
    if (n == NULL) {
        return LS_OK; /* a column this checkpoint omits (stats) */
    }
    if (s == NULL) {
        return ls_col_push_null(w->b, ls__col(w, n), n->def - 1, rep);
    }
    return ls_col_push_bytes(w->b, ls__col(w, n), s, strlen(s), rep);
}

static ls_err_t ls__w_i64(ls__cw_t *w, const ls_node_t *n, bool has, int64_t v)
{
    return has ? ls_col_push_i64(w->b, ls__col(w, n), v, 0)
               : ls_col_push_null(w->b, ls__col(w, n), n->def - 1, 0);
}

static ls_err_t ls__w_i32(ls__cw_t *w, const ls_node_t *n, bool has, int32_t v)
{
    return has ? ls_col_push_i32(w->b, ls__col(w, n), v, 0)
               : ls_col_push_null(w->b, ls__col(w, n), n->def - 1, 0);
}

static ls_err_t ls__w_bool(ls__cw_t *w, const ls_node_t *n, bool has, bool v)
{
    return has ? ls_col_push_bool(w->b, ls__col(w, n), v, 0)
               : ls_col_push_null(w->b, ls__col(w, n), n->def - 1, 0);
}

static ls_err_t ls__w_map(ls__cw_t *w, const ls_node_t *m, bool has, const ls_delta_kv_t *kv,
                          size_t n)
{
    if (!has || n == 0) {
        return ls_batch_push_absent(w->b, m, has ? m->def : m->def - 1, 0);
    }
    for (size_t i = 0; i < n; i++) {
        int rep = i == 0 ? 0 : m->entry_rep;
        LS_TRY(ls__w_str(w, m->children[0], kv[i].key, rep));
        LS_TRY(ls__w_str(w, m->children[1], kv[i].value, rep));
    }
    return LS_OK;
}

static ls_err_t ls__w_arr(ls__cw_t *w, const ls_node_t *a, bool has, const char *const *v, size_t n)
{
    if (!has || n == 0) {
        return ls_batch_push_absent(w->b, a, has ? a->def : a->def - 1, 0);
    }
    for (size_t i = 0; i < n; i++) {
        LS_TRY(ls__w_str(w, a->children[0], v[i], i == 0 ? 0 : a->entry_rep));
    }
    return LS_OK;
}

static ls_err_t ls__w_dv(ls__cw_t *w, const ls_node_t *n, const ls_delta_dv_t *dv)
{
    if (dv == NULL) {
        return ls_batch_push_absent(w->b, n, n->def - 1, 0);
    }
    char st[2] = {dv->storage_type, '\0'};
    LS_TRY(ls__w_str(w, ls__ch(n, "storageType"), st, 0));
    LS_TRY(ls__w_str(w, ls__ch(n, "pathOrInlineDv"), dv->path_or_inline_dv, 0));
    LS_TRY(ls__w_i32(w, ls__ch(n, "offset"), dv->has_offset, dv->offset));
    LS_TRY(ls__w_i32(w, ls__ch(n, "sizeInBytes"), true, dv->size_in_bytes));
    LS_TRY(ls__w_i64(w, ls__ch(n, "cardinality"), true, dv->cardinality));
    return ls__w_i64(w, ls__ch(n, "maxRowIndex"), dv->has_max_row_index, dv->max_row_index);
}

static ls_err_t ls__w_add(ls__cw_t *w, const ls_delta_add_t *a)
{
    const ls_node_t *n = w->top[T_ADD];
    LS_TRY(ls__w_str(w, ls__ch(n, "path"), a->path, 0));
    LS_TRY(ls__w_map(w, ls__ch(n, "partitionValues"), true, a->partition_values,
                     a->n_partition_values));
    LS_TRY(ls__w_i64(w, ls__ch(n, "size"), true, a->size));
    LS_TRY(ls__w_i64(w, ls__ch(n, "modificationTime"), true, a->modification_time));
    LS_TRY(ls__w_bool(w, ls__ch(n, "dataChange"), true, a->data_change));
    LS_TRY(ls__w_map(w, ls__ch(n, "tags"), a->has_tags, a->tags, a->n_tags));
    LS_TRY(ls__w_dv(w, ls__ch(n, "deletionVector"), a->dv));
    LS_TRY(ls__w_i64(w, ls__ch(n, "baseRowId"), a->has_base_row_id, a->base_row_id));
    LS_TRY(ls__w_i64(w, ls__ch(n, "defaultRowCommitVersion"), a->has_default_row_commit_version,
                     a->default_row_commit_version));
    return ls__w_str(w, ls__ch(n, "stats"), a->stats, 0);
}

static ls_err_t ls__w_remove(ls__cw_t *w, const ls_delta_remove_t *r)
{
    const ls_node_t *n = w->top[T_RM];
    LS_TRY(ls__w_str(w, ls__ch(n, "path"), r->path, 0));
    LS_TRY(ls__w_i64(w, ls__ch(n, "deletionTimestamp"), r->has_deletion_timestamp,
                     r->deletion_timestamp));
    LS_TRY(ls__w_bool(w, ls__ch(n, "dataChange"), true, r->data_change));
    LS_TRY(ls__w_bool(w, ls__ch(n, "extendedFileMetadata"), r->has_extended_file_metadata,
                      r->extended_file_metadata));
    LS_TRY(ls__w_map(w, ls__ch(n, "partitionValues"), r->has_partition_values, r->partition_values,
                     r->n_partition_values));
    LS_TRY(ls__w_i64(w, ls__ch(n, "size"), r->has_size, r->size));
    LS_TRY(ls__w_dv(w, ls__ch(n, "deletionVector"), r->dv));
    LS_TRY(ls__w_i64(w, ls__ch(n, "baseRowId"), r->has_base_row_id, r->base_row_id));
    return ls__w_i64(w, ls__ch(n, "defaultRowCommitVersion"), r->has_default_row_commit_version,
                     r->default_row_commit_version);
}

static ls_err_t ls__w_metadata(ls__cw_t *w, const ls_delta_metadata_t *m)
{
    const ls_node_t *n = w->top[T_MD], *fmt = ls__ch(n, "format");
    LS_TRY(ls__w_str(w, ls__ch(n, "id"), m->id, 0));
    LS_TRY(ls__w_str(w, ls__ch(n, "name"), m->name, 0));
    LS_TRY(ls__w_str(w, ls__ch(n, "description"), m->description, 0));
    LS_TRY(ls__w_str(w, ls__ch(fmt, "provider"), m->format_provider, 0));
    LS_TRY(ls__w_map(w, ls__ch(fmt, "options"), true, m->format_options, m->n_format_options));
    LS_TRY(ls__w_str(w, ls__ch(n, "schemaString"), m->schema_string, 0));
    LS_TRY(ls__w_arr(w, ls__ch(n, "partitionColumns"), true, m->partition_columns,
                     m->n_partition_columns));
    LS_TRY(ls__w_map(w, ls__ch(n, "configuration"), true, m->configuration, m->n_configuration));
    return ls__w_i64(w, ls__ch(n, "createdTime"), m->has_created_time, m->created_time);
}

static ls_err_t ls__w_protocol(ls__cw_t *w, const ls_delta_protocol_t *p)
{
    const ls_node_t *n = w->top[T_PR];
    LS_TRY(ls__w_i32(w, ls__ch(n, "minReaderVersion"), true, p->min_reader_version));
    LS_TRY(ls__w_i32(w, ls__ch(n, "minWriterVersion"), true, p->min_writer_version));
    LS_TRY(ls__w_arr(w, ls__ch(n, "readerFeatures"), p->has_reader_features, p->reader_features,
                     p->n_reader_features));
    return ls__w_arr(w, ls__ch(n, "writerFeatures"), p->has_writer_features, p->writer_features,
                     p->n_writer_features);
}

static ls_err_t ls__w_fields(ls__cw_t *w, int which, const ls__drec_t *r)
{
    const ls_node_t *n = w->top[which];
    switch (which) {
    case T_TXN:
        LS_TRY(ls__w_str(w, ls__ch(n, "appId"), r->u.txn.app_id, 0));
        LS_TRY(ls__w_i64(w, ls__ch(n, "version"), true, r->u.txn.version));
        return ls__w_i64(w, ls__ch(n, "lastUpdated"), r->u.txn.has_last_updated,
                         r->u.txn.last_updated);
    case T_ADD: return ls__w_add(w, &r->u.file.add);
    case T_RM: return ls__w_remove(w, &r->u.rm);
    case T_MD: return ls__w_metadata(w, &r->u.meta);
    case T_PR: return ls__w_protocol(w, &r->u.proto);
    default:
        LS_TRY(ls__w_str(w, ls__ch(n, "domain"), r->u.dom.domain, 0));
        LS_TRY(ls__w_str(w, ls__ch(n, "configuration"), r->u.dom.configuration, 0));
        return ls__w_bool(w, ls__ch(n, "removed"), true, r->u.dom.removed);
    }
}

/* One checkpoint row: action @p which from @p r, every other top-level struct null. */
static ls_err_t ls__w_row(ls__cw_t *w, int which, const ls__drec_t *r)
{
    ls_batch_row_begin(w->b);
    for (int t = 0; t < 6; t++) {
        ls_err_t rc = t == which ? ls__w_fields(w, t, r)
                                 : ls_batch_push_absent(w->b, w->top[t], w->top[t]->def - 1, 0);
        if (rc != LS_OK) {
            ls_batch_row_abort(w->b);
            return rc;
        }
    }
    ls_batch_row_commit(w->b);
    return LS_OK;
}

/* ------------------------------------------------------------------ rows to write */

typedef struct {
    const ls__drec_t **v;
    size_t n;
} ls__recs_t;

static int ls__rec_cmp(const void *a, const void *b)
{
    const ls__drec_t *x = *(const ls__drec_t *const *)a, *y = *(const ls__drec_t *const *)b;
    int c = strcmp(x->k1, y->k1);
    if (c != 0) {
        return c;
    }
    return strcmp(x->k2 ? x->k2 : "", y->k2 ? y->k2 : "");
}

/* Records of @p m that @p keep accepts, sorted by key. */
static ls_err_t ls__collect(const ls__dmap_t *m, ls__recs_t *out, int64_t cutoff,
                            bool (*keep)(const ls__drec_t *, int64_t))
{
    out->n = 0;
    out->v = ls_calloc(m->n ? m->n : 1, sizeof(*out->v));
    if (out->v == NULL) {
        return LS_ERR_NOMEM;
    }
    size_t cur = 0;
    const ls__drec_t *r;
    while ((r = ls__delta_map_next(m, &cur)) != NULL) {
        if (keep == NULL || keep(r, cutoff)) {
            out->v[out->n++] = r;
        }
    }
    qsort(out->v, out->n, sizeof(*out->v), ls__rec_cmp);
    return LS_OK;
}

/* A tombstone stays until deletionTimestamp + retention (no timestamp: kept). */
static bool ls__keep_tomb(const ls__drec_t *r, int64_t cutoff)
{
    return !r->u.rm.has_deletion_timestamp || r->u.rm.deletion_timestamp > cutoff;
}

static bool ls__keep_txn(const ls__drec_t *r, int64_t cutoff)
{
    return !r->u.txn.has_last_updated || r->u.txn.last_updated > cutoff;
}

typedef struct {
    const ls_delta_snapshot_t *s;
    ls__recs_t files, tombs, txns, domains;
} ls__cpdata_t;

static ls_err_t ls__cp_collect(const ls_delta_snapshot_t *s, int64_t now, ls__cpdata_t *d,
                               ls_error_t *err)
{
    int64_t tomb_ms = LS__WEEK_MS, txn_ms = -1;
    const char *v = ls_delta_snapshot_config(s, "delta.deletedFileRetentionDuration");
    if (v != NULL && ls_delta_parse_interval(v, &tomb_ms, err) != LS_OK) {
        return ls_error_prefix(err, "delta.deletedFileRetentionDuration: ");
    }
    v = ls_delta_snapshot_config(s, "delta.setTransactionRetentionDuration");
    if (v != NULL && ls_delta_parse_interval(v, &txn_ms, err) != LS_OK) {
        return ls_error_prefix(err, "delta.setTransactionRetentionDuration: ");
    }
    d->s = s;
    bool ok = ls__collect(&s->files, &d->files, 0, NULL) == LS_OK &&
              ls__collect(&s->tombs, &d->tombs, now - tomb_ms, ls__keep_tomb) == LS_OK &&
              ls__collect(&s->txns, &d->txns, txn_ms >= 0 ? now - txn_ms : 0,
                          txn_ms >= 0 ? ls__keep_txn : NULL) == LS_OK &&
              ls__collect(&s->domains, &d->domains, 0, NULL) == LS_OK;
    return ok ? LS_OK : ls_error_set(err, LS_ERR_NOMEM, "out of memory writing a checkpoint");
}

static void ls__cp_free(ls__cpdata_t *d)
{
    ls_free(d->files.v);
    ls_free(d->tombs.v);
    ls_free(d->txns.v);
    ls_free(d->domains.v);
}

/* ------------------------------------------------------------------ the file */

static ls_pq_codec_t ls__cp_codec(const ls_delta_snapshot_t *s)
{
    const char *c = ls_delta_snapshot_config(s, "delta.parquet.compression.codec");
    if (c == NULL) {
        return LS_PQ_CODEC_SNAPPY; /* what every Delta reader of checkpoints handles */
    }
    if (strcasecmp(c, "zstd") == 0) {
        return LS_PQ_CODEC_ZSTD;
    }
    if (strcasecmp(c, "gzip") == 0) {
        return LS_PQ_CODEC_GZIP;
    }
    if (strcasecmp(c, "uncompressed") == 0 || strcasecmp(c, "none") == 0) {
        return LS_PQ_CODEC_UNCOMPRESSED;
    }
    return LS_PQ_CODEC_SNAPPY;
}

typedef struct {
    ls__cw_t w;
    ls_pq_writer_t *pw;
    int64_t rows;
    ls_error_t *err;
} ls__cpw_t;

static ls_err_t ls__cp_flush(ls__cpw_t *c, bool force)
{
    ls_batch_t *b = c->w.b;
    if (b->nrows == 0 ||
        (!force && b->nrows < LS__CW_BATCH_ROWS && ls_batch_bytes(b) < LS__CW_BATCH_BYTES)) {
        return LS_OK;
    }
    LS_TRY(ls_pq_writer_write(c->pw, b, c->err));
    ls_batch_reset(b);
    return LS_OK;
}

static ls_err_t ls__cp_rows(ls__cpw_t *c, int which, const ls__recs_t *r)
{
    for (size_t i = 0; i < r->n; i++) {
        ls_err_t rc = ls__w_row(&c->w, which, r->v[i]);
        if (rc != LS_OK) {
            return ls_error_set(c->err, rc, "building checkpoint rows: %s", ls_err_str(rc));
        }
        c->rows++;
        LS_TRY(ls__cp_flush(c, false));
    }
    return LS_OK;
}

static ls_err_t ls__cp_body(ls__cpw_t *c, const ls__cpdata_t *d)
{
    const ls__drec_t *pr = d->s->protocol, *md = d->s->metadata;
    ls__recs_t one = {&pr, 1};
    LS_TRY(ls__cp_rows(c, T_PR, &one));
    one.v = &md;
    LS_TRY(ls__cp_rows(c, T_MD, &one));
    LS_TRY(ls__cp_rows(c, T_TXN, &d->txns));
    LS_TRY(ls__cp_rows(c, T_DM, &d->domains));
    LS_TRY(ls__cp_rows(c, T_ADD, &d->files));
    LS_TRY(ls__cp_rows(c, T_RM, &d->tombs));
    return ls__cp_flush(c, true);
}

/* Write the Parquet file through a store writer; *bytes receives its size. */
static ls_err_t ls__cp_file(const ls__cpdata_t *d, const ls_layout_t *l, const char *key,
                            uint64_t *bytes, int64_t *rows, ls_error_t *err)
{
    ls__cpw_t c;
    memset(&c, 0, sizeof(c));
    c.err = err;
    for (int t = 0; t < 6; t++) {
        c.w.top[t] = l->root->children[t];
    }
    ls_store_writer_t *h = NULL;
    LS_TRY(ls_store_writer_open(d->s->st, key, &h, err));
    ls_sink_t sink = ls_store_writer_sink(h);
    ls_pq_writer_opts_t o;
    ls_pq_writer_opts_init(&o);
    o.codec = ls__cp_codec(d->s);
    c.w.b = ls_batch_new(l, 0);
    c.pw = c.w.b ? ls_pq_writer_new(l, &o, sink, err) : NULL;
    ls_err_t rc = c.pw ? LS_OK
                       : (c.w.b ? (err ? err->code : LS_ERR_IO)
                                : ls_error_set(err, LS_ERR_NOMEM, "out of memory"));
    if (rc == LS_OK) {
        rc = ls__cp_body(&c, d);
    }
    if (rc == LS_OK) {
        rc = ls_pq_writer_close(c.pw, bytes, err);
    }
    ls_pq_writer_free(c.pw);
    ls_batch_free(c.w.b);
    if (rc != LS_OK) {
        ls_store_writer_abort(h);
        return ls_error_prefix(err, "writing checkpoint %s: ", key);
    }
    *rows = c.rows;
    return ls_store_writer_commit(h, err);
}

/* Replace _last_checkpoint unless it already names a newer version. */
static ls_err_t ls__cp_pointer(const ls_delta_snapshot_t *s, const ls_delta_checkpoint_info_t *i,
                               ls_error_t *err)
{
    ls_buf_t b;
    ls_buf_init(&b, 1 << 20);
    ls_error_t e;
    if (ls_store_get(s->st, LS__DELTA_LAST_CP_KEY, &b, &e) == LS_OK) {
        ls_arena_t *a = ls_arena_new(4096, 1 << 22);
        ls_json_value_t *root = NULL;
        bool newer = false;
        if (a != NULL && ls_json_parse((const char *)b.data, b.len, a, &root, &e) == LS_OK) {
            const ls_json_value_t *v = ls_json_get(root, "version");
            newer = v != NULL && v->kind == LS_JSON_NUMBER && v->is_int && v->i64 > i->version;
        }
        ls_arena_free(a);
        if (newer) {
            ls_buf_free(&b);
            return LS_OK;
        }
    }
    ls_buf_reset(&b);
    ls_err_t rc = ls_buf_printf(&b,
                                "{\"version\":%" PRId64 ",\"size\":%" PRId64
                                ",\"sizeInBytes\":%" PRIu64 ",\"numOfAddFiles\":%" PRId64 "}",
                                i->version, i->size, i->size_in_bytes, i->num_add_files);
    rc = rc == LS_OK ? ls_store_put(s->st, LS__DELTA_LAST_CP_KEY, b.data, b.len, err)
                     : ls_error_set(err, rc, "building _last_checkpoint");
    ls_buf_free(&b);
    return rc;
}

ls_err_t ls_delta_checkpoint_write(const ls_delta_snapshot_t *s, int64_t now_ms,
                                   ls_delta_checkpoint_info_t *info, ls_error_t *err)
{
    if (s->broken || s->version < 0 || s->protocol == NULL || s->metadata == NULL) {
        return ls_error_set(err, LS_ERR_STATE, "cannot checkpoint an incomplete snapshot");
    }
    /* a checkpoint is a write: it must understand every action and feature it carries over */
    LS_TRY(ls_delta_check_write(s, err));
    if (ls__delta_is_true(ls_delta_snapshot_config(s, "delta.checkpoint.writeStatsAsStruct"))) {
        return ls_error_set(err, LS_ERR_UNSUPPORTED,
                            "delta.checkpoint.writeStatsAsStruct=true: "
                            "lakesink does not write stats_parsed");
    }
    const char *sj = ls_delta_snapshot_config(s, "delta.checkpoint.writeStatsAsJson");
    bool stats = sj == NULL || ls__delta_is_true(sj);
    ls__cpdata_t d;
    memset(&d, 0, sizeof(d));
    ls_err_t rc = ls__cp_collect(s, now_ms > 0 ? now_ms : ls__delta_now_ms(), &d, err);
    ls_type_t *schema = rc == LS_OK ? ls__checkpoint_schema(stats) : NULL;
    ls_layout_t *l = schema ? ls_layout_new(schema, err) : NULL;
    if (rc == LS_OK && l == NULL) {
        rc = ls_error_set(err, LS_ERR_NOMEM, "out of memory building the checkpoint schema");
    }
    ls_delta_checkpoint_info_t i = {s->version, 0, 0, (int64_t)d.files.n};
    if (rc == LS_OK) {
        char key[LS_DELTA_KEY_MAX];
        snprintf(key, sizeof(key), LS__DELTA_LOG_PREFIX "%020" PRId64 ".checkpoint.parquet",
                 s->version);
        rc = ls__cp_file(&d, l, key, &i.size_in_bytes, &i.size, err);
    }
    if (rc == LS_OK) {
        rc = ls__cp_pointer(s, &i, err);
    }
    if (rc == LS_OK && info != NULL) {
        *info = i;
    }
    ls_layout_free(l);
    ls_type_free(schema);
    ls__cp_free(&d);
    return rc;
}

bool ls_delta_checkpoint_due(const ls_delta_snapshot_t *s)
{
    const char *v = ls_delta_snapshot_config(s, "delta.checkpointInterval");
    long interval = LS_DELTA_DEFAULT_CHECKPOINT_INTERVAL;
    if (v != NULL) {
        char *end;
        long n = strtol(v, &end, 10);
        interval = *end == '\0' && n > 0 ? n : interval;
    }
    int64_t base = s->cp_version >= 0 ? s->cp_version : 0;
    return s->version > 0 && s->version - base >= interval;
}

/*
 * table.c — the daemon's tables: open each configured destination (store, snapshot,
 * write checks), settle its schema (the table's own, a declared schema file, or one
 * inferred from the first messages, creating the table), build the write layout
 * (message fields then extra columns) and answer txn positions.
 *
 * Not responsible for: writing files (workers), commits (commit.c), extra column values
 * (extcols.c).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "daemon_int.h"
#include "lakesink/alloc.h"
#include "lakesink/io.h"
#include "lakesink/jsonschema.h"
#include "lakesink/log.h"

static ls_err_t ls__rename_fields(const ls__table_t *t, ls_type_t *src, ls_error_t *err);
static ls_err_t ls__table_commit_schema(ls__table_t *t, const char *op, unsigned flags,
                                        ls_error_t *err);

int64_t ls__now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

ls_err_t ls__table_app_id(const ls__daemon_t *d, const char *topic, int32_t partition, char *out,
                          size_t cap)
{
    int n = snprintf(out, cap, "%s-%s-%d", d->conf->app_id, topic, (int)partition);
    return n > 0 && (size_t)n < cap ? LS_OK : LS_ERR_LIMIT;
}

int64_t ls__table_txn(ls__daemon_t *d, ls__table_t *t, const char *topic, int32_t partition)
{
    char app[512];
    int64_t v = -1;
    if (t->snap == NULL || ls__table_app_id(d, topic, partition, app, sizeof(app)) != LS_OK) {
        return -1;
    }
    if (!ls_delta_snapshot_txn(t->snap, app, &v, NULL)) {
        return -1;
    }
    return v;
}

bool ls__table_matches(const ls__table_t *t, const char *topic)
{
    if (t->is_regex) {
        return regexec(&t->re, topic, 0, NULL, 0) == 0;
    }
    return strcmp(t->tc->kafka_topic, topic) == 0;
}

/* Names of the partition columns and the decoder's rename/drop lists. */
static ls_err_t ls__table_lists(ls__table_t *t, ls_error_t *err)
{
    const ls_conf_topic_t *tc = t->tc;
    t->ncols = tc->partition_columns.n;
    if (t->ncols > LS__MAX_PCOLS) {
        return ls_error_set(err, LS_ERR_CONFIG, "topics.%s.destination.partition-columns: more "
                            "than %d columns", tc->name, LS__MAX_PCOLS);
    }
    t->pcols = ls_calloc(t->ncols + 1, sizeof(char *));
    t->renames = ls_calloc(2 * tc->renames.n + 1, sizeof(char *));
    t->drops = ls_calloc(tc->drops.n + 1, sizeof(char *));
    if (t->pcols == NULL || t->renames == NULL || t->drops == NULL) {
        return ls_error_set(err, LS_ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < t->ncols; i++) {
        t->pcols[i] = tc->partition_columns.items[i];
    }
    for (size_t i = 0; i < tc->renames.n; i++) {
        t->renames[2 * i] = tc->renames.items[i].key;
        t->renames[2 * i + 1] = tc->renames.items[i].value;
    }
    t->nrenames = tc->renames.n;
    for (size_t i = 0; i < tc->drops.n; i++) {
        t->drops[i] = tc->drops.items[i];
    }
    t->ndrops = tc->drops.n;
    return LS_OK;
}

static ls_pq_codec_t ls__codec(const char *name)
{
    if (strcmp(name, "snappy") == 0) {
        return LS_PQ_CODEC_SNAPPY;
    }
    if (strcmp(name, "gzip") == 0) {
        return LS_PQ_CODEC_GZIP;
    }
    if (strcmp(name, "none") == 0) {
        return LS_PQ_CODEC_UNCOMPRESSED;
    }
    return LS_PQ_CODEC_ZSTD;
}

/* Stats options from the table's properties (after the snapshot is known). */
static ls_err_t ls__table_stats_opts(ls__table_t *t, ls_error_t *err)
{
    static const char *const keys[] = {"delta.dataSkippingNumIndexedCols",
                                       "delta.dataSkippingStatsColumns",
                                       "delta.dataSkippingStringPrefixLength"};
    ls_table_stats_opts_init(&t->sopts);
    for (size_t i = 0; t->snap != NULL && i < 3; i++) {
        const char *v = ls_delta_snapshot_config(t->snap, keys[i]);
        if (v != NULL) {
            LS_TRY(ls_table_stats_opts_set(&t->sopts, keys[i], v, err));
        }
    }
    return LS_OK;
}

/* The message fields of a table schema: every field that is not an extra column. */
static ls_err_t ls__source_of(const ls__table_t *t, const ls_type_t *table, ls_type_t **out,
                              ls_error_t *err)
{
    ls_type_t *src = ls_type_new_struct();
    if (src == NULL) {
        return ls_error_set(err, LS_ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < table->nfields; i++) {
        const ls_field_t *f = &table->fields[i];
        bool ext = false;
        for (size_t e = 0; e < t->next && !ext; e++) {
            ext = strcmp(t->ext[e].name, f->name) == 0;
        }
        if (ext) {
            continue;
        }
        ls_type_t *c = ls_type_clone(f->type);
        if (c == NULL || ls_type_struct_add(src, f->name, c, f->nullable) != LS_OK) {
            ls_type_free(c);
            ls_type_free(src);
            return ls_error_set(err, LS_ERR_NOMEM, "out of memory");
        }
    }
    *out = src;
    return LS_OK;
}

static void ls__gen_free(ls__gen_t *g)
{
    if (g == NULL) {
        return;
    }
    ls_table_partitioner_free(g->part);
    ls_layout_free(g->layout);
    ls_type_free(g->schema);
    ls_free(g->ext_node);
    ls_free(g->src_leaf);
    ls_free(g->src_kind);
    ls_free(g);
}

const ls__gen_t *ls__table_gen(ls__table_t *t)
{
    return t->ngens > 0 ? t->gens[t->ngens - 1] : NULL;
}

ls_err_t ls__table_set_schema(ls__table_t *t, ls_type_t *src, ls_error_t *err)
{
    ls__gen_t *g = t->ngens < LS__MAX_GENS ? ls_calloc(1, sizeof(*g)) : NULL;
    if (g == NULL) {
        ls_type_free(src);
        return ls_error_set(err, t->ngens < LS__MAX_GENS ? LS_ERR_NOMEM : LS_ERR_LIMIT,
                            "table %s: no room for another schema version", t->tc->name);
    }
    g->schema = src;
    g->nsource = (uint32_t)src->nfields;
    ls_err_t rc = ls__ext_append_types(t, src, err);
    if (rc == LS_OK && (g->layout = ls_layout_new(src, err)) == NULL) {
        rc = err->code != LS_OK ? err->code : LS_ERR_NOMEM;
    }
    if (rc == LS_OK && (g->part = ls_table_partitioner_new(g->layout, t->pcols, t->ncols,
                                                           err)) == NULL) {
        rc = err->code != LS_OK ? err->code : LS_ERR_NOMEM;
    }
    rc = rc == LS_OK ? ls__ext_resolve(t, g, err) : rc;
    if (rc != LS_OK) {
        ls__gen_free(g);
        return ls_error_prefix(err, "table %s: ", t->tc->name);
    }
    g->fcfg = t->fcfg;
    g->fcfg.part = g->part;
    g->gen = (int)t->ngens + 1;
    t->gens[t->ngens++] = g;
    atomic_store(&t->schema_gen, g->gen);
    return LS_OK;
}

/* Add to @p dst (a struct) the fields of @p src it lacks, recursing into structs both
 * have; other differences are left to the decoder to reject. */
static ls_err_t ls__add_new_fields(ls_type_t *dst, const ls_type_t *src, bool *added)
{
    for (size_t i = 0; i < src->nfields; i++) {
        const ls_field_t *f = &src->fields[i];
        int at = ls_type_struct_find(dst, f->name);
        if (at < 0) {
            ls_type_t *c = ls_type_clone(f->type);
            if (c == NULL || ls_type_struct_add(dst, f->name, c, true) != LS_OK) {
                ls_type_free(c);
                return LS_ERR_NOMEM;
            }
            *added = true;
        } else if (dst->fields[at].type->kind == LS_TYPE_STRUCT &&
                   f->type->kind == LS_TYPE_STRUCT) {
            LS_TRY(ls__add_new_fields(dst->fields[at].type, f->type, added));
        }
    }
    return LS_OK;
}

/* The message fields of one record, named as columns (renames, drops applied). */
static ls_err_t ls__record_schema(const ls__table_t *t, const char *rec, size_t len,
                                  ls_type_t **out, ls_error_t *err)
{
    ls_json_infer_t *inf = ls_json_infer_new();
    if (inf == NULL) {
        return ls_error_set(err, LS_ERR_NOMEM, "out of memory");
    }
    ls_err_t rc = ls_json_infer_record(inf, rec, len, err);
    *out = rc == LS_OK ? ls_json_infer_result(inf, err) : NULL;
    ls_json_infer_free(inf);
    if (*out == NULL) {
        return rc != LS_OK ? rc : err->code;
    }
    return ls__rename_fields(t, *out, err);
}

/* A copy of the message part of @p g's schema (its extra columns left out), or NULL. */
static ls_type_t *ls__source_schema(const ls__gen_t *g)
{
    ls_type_t *src = ls_type_new_struct();
    for (uint32_t i = 0; src != NULL && i < g->nsource; i++) {
        const ls_field_t *f = &g->schema->fields[i];
        ls_type_t *c = ls_type_clone(f->type);
        if (c == NULL || ls_type_struct_add(src, f->name, c, f->nullable) != LS_OK) {
            ls_type_free(c);
            ls_type_free(src);
            src = NULL;
        }
    }
    return src;
}

ls_err_t ls__table_evolve(ls__table_t *t, const char *rec, size_t len, bool *evolved,
                          ls_error_t *err)
{
    *evolved = false;
    ls_type_t *incoming = NULL;
    LS_TRY(ls__record_schema(t, rec, len, &incoming, err));
    ls_type_t *src = ls__source_schema(ls__table_gen(t));
    bool added = false;
    ls_err_t rc = src != NULL ? LS_OK : LS_ERR_NOMEM;
    rc = rc == LS_OK ? ls__add_new_fields(src, incoming, &added) : rc;
    ls_type_free(incoming);
    if (rc != LS_OK || !added) {
        ls_type_free(src);
        return rc == LS_OK ? LS_OK : ls_error_set(err, rc, "out of memory");
    }
    LS_TRY(ls__table_set_schema(t, src, err));
    *evolved = true;
    return ls__table_commit_schema(t, "ADD COLUMNS", 0, err);
}

/* Child indices from @p at down to @p target in a layout tree: the depth, or -1. */
static int ls__node_path(const ls_node_t *at, const ls_node_t *target, uint32_t *idx, int depth)
{
    if (at == target) {
        return depth;
    }
    for (uint32_t i = 0; depth < LS__WIDEN_DEPTH && i < at->nchildren; i++) {
        idx[depth] = i;
        int r = ls__node_path(at->children[i], target, idx, depth + 1);
        if (r >= 0) {
            return r;
        }
    }
    return -1;
}

/* The type in the schema at @p root at the place of @p target in @p layout (struct fields
 * matched by name, so columns added since keep their place), or NULL. */
static ls_type_t **ls__type_at(ls_type_t **root, const ls_layout_t *layout,
                               const ls_node_t *target)
{
    uint32_t idx[LS__WIDEN_DEPTH];
    int depth = ls__node_path(layout->root, target, idx, 0);
    const ls_node_t *n = layout->root;
    ls_type_t **slot = root;
    for (int k = 0; slot != NULL && k < depth; k++) {
        ls_type_t *t = *slot;
        const ls_node_t *child = n->children[idx[k]];
        if (t->kind == LS_TYPE_STRUCT && n->type->kind == LS_TYPE_STRUCT) {
            int at = ls_type_struct_find(t, child->name);
            slot = at >= 0 ? &t->fields[at].type : NULL;
        } else if (t->kind == LS_TYPE_ARRAY && n->type->kind == LS_TYPE_ARRAY) {
            slot = &t->element;
        } else if (t->kind == LS_TYPE_MAP && n->type->kind == LS_TYPE_MAP) {
            slot = idx[k] == 0 ? &t->key : &t->value;
        } else {
            slot = NULL;
        }
        n = child;
    }
    return depth >= 0 ? slot : NULL;
}

static bool ls__widens_to(ls_type_kind_t from, ls_type_kind_t to)
{
    return (to == LS_TYPE_LONG && (from == LS_TYPE_BYTE || from == LS_TYPE_SHORT ||
                                   from == LS_TYPE_INTEGER)) ||
           (to == LS_TYPE_DOUBLE && from == LS_TYPE_FLOAT);
}

ls_err_t ls__table_widen(ls__table_t *t, const ls__gen_t *seen, const ls_node_t *node,
                         ls_type_kind_t to, bool *widened, ls_error_t *err)
{
    *widened = false;
    const ls__gen_t *g = ls__table_gen(t);
    ls_type_t *root = ls__source_schema(g);
    if (root == NULL) {
        return ls_error_set(err, LS_ERR_NOMEM, "out of memory");
    }
    ls_type_t **slot = ls__type_at(&root, seen->layout, node);
    if (slot == NULL || !ls__widens_to((*slot)->kind, to)) {
        /* already wide in a newer generation (another worker widened it): use that one */
        *widened = slot != NULL && (*slot)->kind == to && g != seen;
        ls_type_free(root);
        return LS_OK;
    }
    ls_type_t *wide = ls_type_new(to);
    if (wide == NULL) {
        ls_type_free(root);
        return ls_error_set(err, LS_ERR_NOMEM, "out of memory");
    }
    char from[32];
    ls_type_describe(*slot, from, sizeof(from));
    ls_type_free(*slot);
    *slot = wide;
    LS_TRY(ls__table_set_schema(t, root, err));
    *widened = true;
    ls_log_kv(LS_LOG_INFO, "daemon", "widening a column", "table", t->tc->name, "column",
              node->name, "from", from, "to", to == LS_TYPE_LONG ? "long" : "double", NULL);
    return ls__table_commit_schema(t, "CHANGE COLUMN", LS_DELTA_MERGE_ALLOW_WIDENING, err);
}

/* Create the table from its write schema (under t->mu). */
static ls_err_t ls__table_create(ls__table_t *t, ls_error_t *err)
{
    ls_delta_create_opts_t co;
    memset(&co, 0, sizeof(co));
    co.schema = ls__table_gen(t)->schema;
    co.n_partition_columns = t->ncols;
    co.partition_columns = t->pcols;
    co.name = t->tc->table_name;
    ls_err_t rc = ls_delta_table_create(t->st, &co, &t->snap, err);
    if (rc == LS_ERR_EXISTS) { /* another instance won: use its table */
        ls_error_clear(err);
        rc = ls_delta_snapshot_load(t->st, NULL, &t->snap, err);
    }
    if (rc == LS_OK) {
        ls_log_kv(LS_LOG_INFO, "daemon", "table ready", "table", t->tc->name, "uri",
                  t->tc->table_uri, NULL);
    }
    return rc;
}

/* Commit a metaData update when the write schema differs from the table's: new columns,
 * or (flags LS_DELTA_MERGE_ALLOW_WIDENING) a widened type. */
static ls_err_t ls__table_commit_schema(ls__table_t *t, const char *op, unsigned flags,
                                        ls_error_t *err)
{
    const ls__gen_t *g = ls__table_gen(t);
    if (ls_type_equal(ls_delta_snapshot_schema(t->snap), g->schema)) {
        return LS_OK;
    }
    ls_delta_tx_t *tx = NULL;
    ls_delta_tx_opts_t o;
    ls_delta_tx_opts_init(&o);
    o.operation = op;
    bool changed = false;
    ls_err_t rc = ls_delta_tx_new(t->snap, &o, &tx, err);
    rc = rc == LS_OK ? ls_delta_tx_evolve_schema(tx, g->schema, flags, &changed, err) : rc;
    rc = rc == LS_OK && changed ? ls_delta_tx_commit(tx, NULL, err) : rc;
    ls_delta_tx_free(tx);
    if (rc != LS_OK) {
        return ls_error_prefix(err, "table %s: %s: ", t->tc->name, op);
    }
    if (changed) {
        ls_log_kv(LS_LOG_INFO, "daemon", "table schema evolved", "table", t->tc->name,
                  "operation", op, NULL);
    }
    return LS_OK;
}

/* An existing table: its schema, with missing extra columns added by a metaData commit. */
static ls_err_t ls__table_from_snapshot(ls__table_t *t, ls_error_t *err)
{
    const ls_delta_metadata_t *md = ls_delta_snapshot_metadata(t->snap);
    if (md->n_partition_columns != t->ncols) {
        return ls_error_set(err, LS_ERR_CONFIG, "topics.%s.destination.partition-columns: the "
                            "table is partitioned by %zu columns, the config names %zu",
                            t->tc->name, md->n_partition_columns, t->ncols);
    }
    for (size_t i = 0; i < t->ncols; i++) {
        if (strcmp(md->partition_columns[i], t->pcols[i]) != 0) {
            return ls_error_set(err, LS_ERR_CONFIG, "topics.%s.destination.partition-columns[%zu]:"
                                " the table has \"%s\" there, the config \"%s\"", t->tc->name, i,
                                md->partition_columns[i], t->pcols[i]);
        }
    }
    ls_type_t *src = NULL;
    LS_TRY(ls__source_of(t, ls_delta_snapshot_schema(t->snap), &src, err));
    LS_TRY(ls__table_set_schema(t, src, err));
    return ls__table_commit_schema(t, "SET TBLPROPERTIES", 0, err);
}

/* Declared schema: a JSON Schema or Delta schema file. */
static ls_err_t ls__table_declared(ls__table_t *t, ls_error_t *err)
{
    ls_buf_t text;
    ls_buf_init(&text, 0);
    ls_err_t rc = ls_file_read_all(t->tc->schema_file, (size_t)16 << 20, &text, err);
    ls_type_t *src = NULL;
    ls_jsonschema_info_t info;
    memset(&info, 0, sizeof(info));
    if (rc == LS_OK) {
        rc = ls_jsonschema_to_delta((const char *)text.data, text.len, t->tc->schema_file, &src,
                                    &info, err);
    }
    t->json_text = info.json_text;
    if (info.closed) {
        t->unknown = LS__UNKNOWN_DLQ; /* additionalProperties: false */
    }
    ls_buf_free(&text);
    if (rc != LS_OK) {
        return ls_error_prefix(err, "topics.%s.schema-file: ", t->tc->name);
    }
    LS_TRY(ls__table_set_schema(t, src, err));
    return ls__table_create(t, err);
}

/* Name inferred fields as columns: renames applied, dropped fields removed. Frees @p src
 * on failure. */
static ls_err_t ls__rename_fields(const ls__table_t *t, ls_type_t *src, ls_error_t *err)
{
    for (size_t i = 0; i < t->tc->renames.n; i++) {
        int f = ls_type_struct_find(src, t->tc->renames.items[i].key);
        if (f >= 0 && ls_type_struct_find(src, t->tc->renames.items[i].value) < 0) {
            char *nn = ls_strdup(t->tc->renames.items[i].value);
            if (nn == NULL) {
                ls_type_free(src);
                return ls_error_set(err, LS_ERR_NOMEM, "out of memory");
            }
            ls_free(src->fields[f].name);
            src->fields[f].name = nn;
        }
    }
    for (size_t i = 0; i < t->tc->drops.n; i++) {
        int f = ls_type_struct_find(src, t->tc->drops.items[i]);
        if (f >= 0) {
            ls_type_free(src->fields[f].type);
            ls_free(src->fields[f].name);
            memmove(&src->fields[f], &src->fields[f + 1],
                    (src->nfields - (size_t)f - 1) * sizeof(ls_field_t));
            src->nfields--;
        }
    }
    return LS_OK;
}

ls_err_t ls__table_infer(ls__daemon_t *d, ls__table_t *t, rd_kafka_message_t **msgs, size_t n,
                         ls_error_t *err)
{
    (void)d;
    ls_json_infer_t *inf = ls_json_infer_new();
    if (inf == NULL) {
        return ls_error_set(err, LS_ERR_NOMEM, "out of memory");
    }
    size_t used = 0;
    for (size_t i = 0; i < n; i++) {
        ls_error_t e;
        ls_error_clear(&e);
        if (msgs[i]->payload != NULL &&
            ls_json_infer_record(inf, msgs[i]->payload, msgs[i]->len, &e) == LS_OK) {
            used++; /* bad messages are left to the decoder (and the dead-letter topic) */
        }
    }
    ls_type_t *src = used > 0 ? ls_json_infer_result(inf, err) : NULL;
    ls_json_infer_free(inf);
    if (src == NULL) {
        return used > 0 ? err->code : LS_ERR_NOT_FOUND;
    }
    LS_TRY(ls__rename_fields(t, src, err));
    t->json_text = true;
    LS_TRY(ls__table_set_schema(t, src, err));
    LS_TRY(ls__table_create(t, err));
    LS_TRY(ls__table_stats_opts(t, err));
    ls_log_kv(LS_LOG_INFO, "daemon", "schema inferred from the first messages", "table",
              t->tc->name, NULL);
    return LS_OK;
}

static ls_err_t ls__table_open1(ls__daemon_t *d, ls__table_t *t, ls_error_t *err)
{
    const ls_conf_topic_t *tc = t->tc;
    if (tc->kafka_topic[0] == '^') {
        if (regcomp(&t->re, tc->kafka_topic, REG_EXTENDED | REG_NOSUB) != 0) {
            return ls_error_set(err, LS_ERR_CONFIG, "topics.%s.kafka-topic: invalid regular "
                                "expression \"%s\"", tc->name, tc->kafka_topic);
        }
        t->is_regex = true;
    }
    t->unknown = strcmp(tc->unknown_fields, "count") == 0    ? LS__UNKNOWN_COUNT
                 : strcmp(tc->unknown_fields, "evolve") == 0 ? LS__UNKNOWN_EVOLVE
                                                             : LS__UNKNOWN_DLQ;
    LS_TRY(ls__table_lists(t, err));
    LS_TRY(ls__ext_build(t, err));
    ls_err_t rc = ls_store_open(tc->table_uri, NULL, &t->st, err);
    if (rc != LS_OK) {
        return ls_error_prefix(err, "topics.%s.destination: ", tc->name);
    }
    rc = ls_delta_snapshot_load(t->st, NULL, &t->snap, err);
    if (rc == LS_ERR_NOT_FOUND) {
        ls_error_clear(err);
        t->snap = NULL;
    } else if (rc != LS_OK || (rc = ls_delta_check_write(t->snap, err)) != LS_OK) {
        return ls_error_prefix(err, "table %s (%s): ", tc->name, tc->table_uri);
    }
    ls_pq_writer_opts_init(&t->fcfg.wopts);
    t->fcfg.wopts.codec = ls__codec(tc->compression);
    ls_table_files_codec_defaults(&t->fcfg.wopts, (int)tc->compression_level);
    t->fcfg.target_bytes = (uint64_t)tc->target_file_size;
    /* A row group is buffered in memory until it is written: keep it small beside the
     * budget so many open files fit. */
    uint64_t rg = d->budget / 16;
    t->fcfg.wopts.row_group_bytes = rg < t->fcfg.target_bytes ? rg : t->fcfg.target_bytes;
    t->fcfg.st = t->st;
    t->fcfg.pcols = t->pcols;
    t->fcfg.ncols = t->ncols;
    t->fcfg.sopts = &t->sopts;
    t->fcfg.part_no = &t->part_no;
    t->fcfg.max_open = (size_t)tc->max_open_files;
    if (t->snap != NULL) {
        LS_TRY(ls__table_from_snapshot(t, err));
    } else if (tc->schema_file != NULL) {
        LS_TRY(ls__table_declared(t, err));
    }
    return ls__table_stats_opts(t, err);
}

ls_err_t ls__tables_open(ls__daemon_t *d, ls_error_t *err)
{
    d->ntables = d->conf->ntopics;
    d->tables = ls_calloc(d->ntables ? d->ntables : 1, sizeof(ls__table_t));
    if (d->tables == NULL) {
        return ls_error_set(err, LS_ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < d->ntables; i++) {
        ls__table_t *t = &d->tables[i];
        t->idx = i;
        t->tc = &d->conf->topics[i];
        t->mops = d->mops;
        pthread_mutex_init(&t->mu, NULL);
        pthread_mutex_init(&t->flush_mu, NULL);
        LS_TRY(ls__table_open1(d, t, err));
    }
    return LS_OK;
}

void ls__tables_close(ls__daemon_t *d)
{
    for (size_t i = 0; d->tables != NULL && i < d->ntables; i++) {
        ls__table_t *t = &d->tables[i];
        if (t->is_regex) {
            regfree(&t->re);
        }
        ls_delta_snapshot_free(t->snap);
        for (size_t g = 0; g < t->ngens; g++) {
            ls__gen_free(t->gens[g]);
        }
        ls__ext_free(t);
        ls_store_free(t->st);
        ls_free(t->pcols);
        ls_free(t->renames);
        ls_free(t->drops);
        pthread_mutex_destroy(&t->mu);
        pthread_mutex_destroy(&t->flush_mu);
    }
    ls_free(d->tables);
    d->tables = NULL;
}

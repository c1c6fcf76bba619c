/*
 * ckpt_read.c — reading checkpoints: classic and multi-part Parquet files, V2 UUID-named
 * checkpoints (Parquet or JSON) and their sidecar files. Parquet rows are decoded by our
 * reader into batches and turned into actions by walking the leaf columns of the few fields
 * the snapshot keeps (one cursor per leaf), so no row is ever rebuilt as JSON.
 *
 * Not responsible for: choosing the checkpoint (load.c) or the reconciliation (snapshot.c).
 * Columns the file lacks read as null, as the protocol asks; add.stats_parsed and
 * partitionValues_parsed are not read (stats come from add.stats only).
 */
#include <string.h>

#include "delta_int.h"
#include "lakesink/alloc.h"
#include "lakesink/parquet.h"

/* Leaf columns read, by path; "$k"/"$v" are a map's key/value, "$e" an array element.
 * Type: S string, I integer (int32 or int64), B boolean. */
/* clang-format off */
#define LS__SLOTS(X) \
    X(TXN_APP, "txn.appId", 'S') \
    X(TXN_VER, "txn.version", 'I') \
    X(TXN_LU, "txn.lastUpdated", 'I') \
    X(ADD_PATH, "add.path", 'S') \
    X(ADD_PVK, "add.partitionValues.$k", 'S') \
    X(ADD_PVV, "add.partitionValues.$v", 'S') \
    X(ADD_SIZE, "add.size", 'I') \
    X(ADD_MT, "add.modificationTime", 'I') \
    X(ADD_DC, "add.dataChange", 'B') \
    X(ADD_STATS, "add.stats", 'S') \
    X(ADD_TGK, "add.tags.$k", 'S') \
    X(ADD_TGV, "add.tags.$v", 'S') \
    X(ADD_DV, "add.deletionVector.storageType", 'S') \
    X(ADD_DV_P, "add.deletionVector.pathOrInlineDv", 'S') \
    X(ADD_DV_OFF, "add.deletionVector.offset", 'I') \
    X(ADD_DV_SZ, "add.deletionVector.sizeInBytes", 'I') \
    X(ADD_DV_CARD, "add.deletionVector.cardinality", 'I') \
    X(ADD_DV_MAX, "add.deletionVector.maxRowIndex", 'I') \
    X(ADD_BRI, "add.baseRowId", 'I') \
    X(ADD_DRCV, "add.defaultRowCommitVersion", 'I') \
    X(ADD_CLP, "add.clusteringProvider", 'S') \
    X(RM_PATH, "remove.path", 'S') \
    X(RM_DTS, "remove.deletionTimestamp", 'I') \
    X(RM_DC, "remove.dataChange", 'B') \
    X(RM_EFM, "remove.extendedFileMetadata", 'B') \
    X(RM_PVK, "remove.partitionValues.$k", 'S') \
    X(RM_PVV, "remove.partitionValues.$v", 'S') \
    X(RM_SIZE, "remove.size", 'I') \
    X(RM_DV, "remove.deletionVector.storageType", 'S') \
    X(RM_DV_P, "remove.deletionVector.pathOrInlineDv", 'S') \
    X(RM_DV_OFF, "remove.deletionVector.offset", 'I') \
    X(RM_DV_SZ, "remove.deletionVector.sizeInBytes", 'I') \
    X(RM_DV_CARD, "remove.deletionVector.cardinality", 'I') \
    X(RM_DV_MAX, "remove.deletionVector.maxRowIndex", 'I') \
    X(RM_BRI, "remove.baseRowId", 'I') \
    X(RM_DRCV, "remove.defaultRowCommitVersion", 'I') \
    X(MD_ID, "metaData.id", 'S') \
    X(MD_NAME, "metaData.name", 'S') \
    X(MD_DESC, "metaData.description", 'S') \
    X(MD_PROV, "metaData.format.provider", 'S') \
    X(MD_OK, "metaData.format.options.$k", 'S') \
    X(MD_OV, "metaData.format.options.$v", 'S') \
    X(MD_SCHEMA, "metaData.schemaString", 'S') \
    X(MD_PC, "metaData.partitionColumns.$e", 'S') \
    X(MD_CK, "metaData.configuration.$k", 'S') \
    X(MD_CV, "metaData.configuration.$v", 'S') \
    X(MD_CT, "metaData.createdTime", 'I') \
    X(PR_R, "protocol.minReaderVersion", 'I') \
    X(PR_W, "protocol.minWriterVersion", 'I') \
    X(PR_RF, "protocol.readerFeatures.$e", 'S') \
    X(PR_WF, "protocol.writerFeatures.$e", 'S') \
    X(DM_D, "domainMetadata.domain", 'S') \
    X(DM_C, "domainMetadata.configuration", 'S') \
    X(DM_R, "domainMetadata.removed", 'B') \
    X(SC_P, "sidecar.path", 'S') \
    X(SC_S, "sidecar.sizeInBytes", 'I') \
    X(SC_M, "sidecar.modificationTime", 'I')
/* clang-format on */

enum {
#define LS__SLOT_ENUM(id, path, type) S_##id,
    LS__SLOTS(LS__SLOT_ENUM)
#undef LS__SLOT_ENUM
        S__COUNT
};

static const struct {
    const char *path;
    char type;
} ls__slot_def[] = {
#define LS__SLOT_DEF(id, path, type) {path, type},
    LS__SLOTS(LS__SLOT_DEF)
#undef LS__SLOT_DEF
};

/* Group nodes whose definition levels decide presence. */
/* clang-format off */
#define LS__NODES(X) \
    X(TXN, "txn") \
    X(ADD, "add") \
    X(RM, "remove") \
    X(MD, "metaData") \
    X(PR, "protocol") \
    X(DM, "domainMetadata") \
    X(SC, "sidecar") \
    X(ADD_DV, "add.deletionVector") \
    X(RM_DV, "remove.deletionVector") \
    X(ADD_PV, "add.partitionValues") \
    X(ADD_TG, "add.tags") \
    X(RM_PV, "remove.partitionValues") \
    X(MD_FMT, "metaData.format") \
    X(MD_OPT, "metaData.format.options") \
    X(MD_PC, "metaData.partitionColumns") \
    X(MD_CONF, "metaData.configuration") \
    X(PR_RF, "protocol.readerFeatures") \
    X(PR_WF, "protocol.writerFeatures")
/* clang-format on */

enum {
#define LS__NODE_ENUM(id, path) N_##id,
    LS__NODES(LS__NODE_ENUM)
#undef LS__NODE_ENUM
        N__COUNT
};

static const char *const ls__node_path[] = {
#define LS__NODE_PATH(id, path) path,
    LS__NODES(LS__NODE_PATH)
#undef LS__NODE_PATH
};

static const char *const ls__top_names[] = {"txn",      "add",
                                            "remove",   "metaData",
                                            "protocol", "domainMetadata",
                                            "sidecar",  "checkpointMetadata"};

typedef struct {
    const ls_column_t *c; /* NULL: the file has no such column (reads as null) */
    int max_def;
    size_t lvl, val;          /* cursor */
    size_t r_lvl, r_n, r_val; /* the current row's entries and first value */
} ls__cur_t;

typedef struct {
    ls_delta_snapshot_t *s;
    const char *key;
    ls_arena_t *arena; /* per row */
    ls__actvec_t *sidecars;
    ls_arena_t *sc_arena;
    int leaf[S__COUNT]; /* leaf index in the read layout, -1 when absent */
    const ls_node_t *node[N__COUNT];
    ls__cur_t cur[S__COUNT];
    ls_error_t *err;
    int64_t row;
} ls__ckr_t;

static ls_err_t ls__ck_fail(ls__ckr_t *k, const char *what)
{
    return ls_error_set(k->err, LS_ERR_CORRUPT, "checkpoint %s row %lld: %s", k->key,
                        (long long)k->row, what);
}

/* Node at a dotted path ("$k", "$v", "$e" step into maps and arrays), or NULL. */
static const ls_node_t *ls__node_at(const ls_layout_t *l, const char *path)
{
    const ls_node_t *n = l->root;
    while (n != NULL && *path) {
        const char *dot = strchr(path, '.');
        size_t len = dot ? (size_t)(dot - path) : strlen(path);
        const ls_node_t *next = NULL;
        if (len == 2 && path[0] == '$') {
            uint32_t idx = path[1] == 'v' ? 1 : 0;
            bool ok = (path[1] == 'e' && n->type->kind == LS_TYPE_ARRAY) ||
                      (path[1] != 'e' && n->type->kind == LS_TYPE_MAP);
            next = ok && idx < n->nchildren ? n->children[idx] : NULL;
        } else if (n->type->kind == LS_TYPE_STRUCT) {
            for (uint32_t i = 0; i < n->nchildren; i++) {
                if (strlen(n->children[i]->name) == len &&
                    memcmp(n->children[i]->name, path, len) == 0) {
                    next = n->children[i];
                }
            }
        }
        n = next;
        path += len + (dot != NULL);
    }
    return n;
}

static ls_err_t ls__ck_setup(ls__ckr_t *k, const ls_layout_t *l)
{
    for (int i = 0; i < N__COUNT; i++) {
        k->node[i] = ls__node_at(l, ls__node_path[i]);
    }
    for (int i = 0; i < S__COUNT; i++) {
        const ls_node_t *n = ls__node_at(l, ls__slot_def[i].path);
        k->leaf[i] = n != NULL ? n->leaf : -1;
        if (k->leaf[i] < 0) {
            continue;
        }
        ls_col_store_t st = l->leaves[k->leaf[i]].store;
        char t = ls__slot_def[i].type;
        bool ok = (t == 'S' && st == LS_COL_BYTES) ||
                  (t == 'I' && (st == LS_COL_I32 || st == LS_COL_I64)) ||
                  (t == 'B' && st == LS_COL_BOOL);
        if (!ok) {
            return ls_error_set(k->err, LS_ERR_CORRUPT, "checkpoint %s: column %s has type %s",
                                k->key, ls__slot_def[i].path, ls_type_kind_name(n->type->kind));
        }
    }
    return LS_OK;
}

/* Move every cursor to the next row: its level entries run until the next rep == 0. */
static ls_err_t ls__ck_next_row(ls__ckr_t *k)
{
    for (int i = 0; i < S__COUNT; i++) {
        ls__cur_t *c = &k->cur[i];
        if (c->c == NULL) {
            continue;
        }
        if (c->lvl >= c->c->nlevels) {
            return ls__ck_fail(k, "a column has fewer entries than the row group has rows");
        }
        size_t n = 1, nv = ls_col_def(c->c, c->lvl) == c->max_def;
        while (c->lvl + n < c->c->nlevels && ls_col_rep(c->c, c->lvl + n) != 0) {
            nv += ls_col_def(c->c, c->lvl + n) == c->max_def;
            n++;
        }
        if (c->val + nv > c->c->nvalues) {
            return ls__ck_fail(k, "a column has fewer values than its levels promise");
        }
        c->r_lvl = c->lvl;
        c->r_n = n;
        c->r_val = c->val;
        c->lvl += n;
        c->val += nv;
    }
    return LS_OK;
}

static bool ls__has(const ls__ckr_t *k, int slot)
{
    const ls__cur_t *c = &k->cur[slot];
    return c->c != NULL && ls_col_def(c->c, c->r_lvl) == c->max_def;
}

/* Is the group node @p node present in this row? Judged by the first slot under it. */
static bool ls__present(const ls__ckr_t *k, int node, int first, int last)
{
    const ls_node_t *n = k->node[node];
    for (int i = first; n != NULL && i <= last; i++) {
        const ls__cur_t *c = &k->cur[i];
        if (c->c != NULL) {
            return ls_col_def(c->c, c->r_lvl) >= n->def;
        }
    }
    return false;
}

static ls_err_t ls__bytes_str(ls__ckr_t *k, const ls_column_t *c, size_t vi, const char **out)
{
    size_t len;
    const uint8_t *p = ls_col_bytes(c, vi, &len);
    if (memchr(p, 0, len) != NULL) {
        return ls__ck_fail(k, "a string contains a NUL character");
    }
    if ((*out = ls_arena_strndup(k->arena, (const char *)p, len)) == NULL) {
        return ls_error_set(k->err, LS_ERR_NOMEM, "out of memory reading checkpoint %s", k->key);
    }
    return LS_OK;
}

static ls_err_t ls__str(ls__ckr_t *k, int slot, const char **out)
{
    *out = NULL;
    return ls__has(k, slot) ? ls__bytes_str(k, k->cur[slot].c, k->cur[slot].r_val, out) : LS_OK;
}

static bool ls__i64(const ls__ckr_t *k, int slot, int64_t *out)
{
    *out = 0;
    if (!ls__has(k, slot)) {
        return false;
    }
    const ls__cur_t *c = &k->cur[slot];
    *out =
        c->c->leaf->store == LS_COL_I32 ? ls_col_i32(c->c, c->r_val) : ls_col_i64(c->c, c->r_val);
    return true;
}

static bool ls__bool(const ls__ckr_t *k, int slot, bool dflt)
{
    return ls__has(k, slot) ? ls_col_bool(k->cur[slot].c, k->cur[slot].r_val) : dflt;
}

/* A map<string,string> column pair; *has is false for a null map. */
static ls_err_t ls__map(ls__ckr_t *k, int node, int sk, int sv, bool *has,
                        const ls_delta_kv_t **out, size_t *n)
{
    const ls__cur_t *kc = &k->cur[sk], *vc = &k->cur[sv];
    const ls_node_t *m = k->node[node];
    *has = false;
    *out = NULL;
    *n = 0;
    if (kc->c == NULL || m == NULL) {
        return LS_OK;
    }
    int d0 = ls_col_def(kc->c, kc->r_lvl);
    *has = d0 >= m->def;
    if (d0 < m->entry_def) {
        return LS_OK;
    }
    if (vc->c != NULL && vc->r_n != kc->r_n) {
        return ls__ck_fail(k, "map keys and values disagree");
    }
    ls_delta_kv_t *kv = ls_arena_calloc(k->arena, kc->r_n, sizeof(*kv));
    if (kv == NULL) {
        return ls_error_set(k->err, LS_ERR_NOMEM, "out of memory reading checkpoint %s", k->key);
    }
    size_t vi = vc->c ? vc->r_val : 0;
    for (size_t i = 0; i < kc->r_n; i++) {
        if (ls_col_def(kc->c, kc->r_lvl + i) != kc->max_def) {
            return ls__ck_fail(k, "a map entry has no key");
        }
        LS_TRY(ls__bytes_str(k, kc->c, kc->r_val + i, &kv[i].key));
        if (vc->c != NULL && ls_col_def(vc->c, vc->r_lvl + i) == vc->max_def) {
            LS_TRY(ls__bytes_str(k, vc->c, vi++, &kv[i].value));
        }
    }
    *out = kv;
    *n = kc->r_n;
    return LS_OK;
}

/* An array<string> column; null elements are refused. */
static ls_err_t ls__arr(ls__ckr_t *k, int node, int se, bool *has, const char *const **out,
                        size_t *n)
{
    const ls__cur_t *c = &k->cur[se];
    const ls_node_t *a = k->node[node];
    *has = false;
    *out = NULL;
    *n = 0;
    if (c->c == NULL || a == NULL) {
        return LS_OK;
    }
    int d0 = ls_col_def(c->c, c->r_lvl);
    *has = d0 >= a->def;
    if (d0 < a->entry_def) {
        return LS_OK;
    }
    const char **v = ls_arena_calloc(k->arena, c->r_n, sizeof(*v));
    if (v == NULL) {
        return ls_error_set(k->err, LS_ERR_NOMEM, "out of memory reading checkpoint %s", k->key);
    }
    size_t vi = c->r_val;
    for (size_t i = 0; i < c->r_n; i++) {
        if (ls_col_def(c->c, c->r_lvl + i) != c->max_def) {
            return ls__ck_fail(k, "an array of strings holds a null");
        }
        LS_TRY(ls__bytes_str(k, c->c, vi++, &v[i]));
    }
    *out = v;
    *n = c->r_n;
    return LS_OK;
}

/* Deletion vector whose six slots start at @p s0 (storageType first). */
static ls_err_t ls__dv(ls__ckr_t *k, int node, int s0, const ls_delta_dv_t **out)
{
    *out = NULL;
    if (!ls__present(k, node, s0, s0 + 5)) {
        return LS_OK;
    }
    ls_delta_dv_t *dv = ls_arena_calloc(k->arena, 1, sizeof(*dv));
    const char *st, *p;
    int64_t x;
    if (dv == NULL) {
        return ls_error_set(k->err, LS_ERR_NOMEM, "out of memory reading checkpoint %s", k->key);
    }
    LS_TRY(ls__str(k, s0, &st));
    LS_TRY(ls__str(k, s0 + 1, &p));
    if (st == NULL || strlen(st) != 1 || p == NULL) {
        return ls__ck_fail(k, "deletionVector without storageType or pathOrInlineDv");
    }
    dv->storage_type = st[0];
    dv->path_or_inline_dv = p;
    dv->has_offset = ls__i64(k, s0 + 2, &x);
    dv->offset = (int32_t)x;
    ls__i64(k, s0 + 3, &x);
    dv->size_in_bytes = (int32_t)x;
    ls__i64(k, s0 + 4, &dv->cardinality);
    dv->has_max_row_index = ls__i64(k, s0 + 5, &dv->max_row_index);
    *out = dv;
    return LS_OK;
}

static ls_err_t ls__row_add(ls__ckr_t *k, ls_delta_action_t *a)
{
    ls_delta_add_t *d = &a->u.add;
    bool has;
    a->kind = LS_DELTA_ACT_ADD;
    LS_TRY(ls__str(k, S_ADD_PATH, &d->path));
    if (d->path == NULL || !ls__i64(k, S_ADD_SIZE, &d->size)) {
        return ls__ck_fail(k, "add without path or size");
    }
    LS_TRY(ls__map(k, N_ADD_PV, S_ADD_PVK, S_ADD_PVV, &has, &d->partition_values,
                   &d->n_partition_values));
    ls__i64(k, S_ADD_MT, &d->modification_time);
    d->data_change = ls__bool(k, S_ADD_DC, true);
    LS_TRY(ls__str(k, S_ADD_STATS, &d->stats));
    LS_TRY(ls__map(k, N_ADD_TG, S_ADD_TGK, S_ADD_TGV, &d->has_tags, &d->tags, &d->n_tags));
    LS_TRY(ls__dv(k, N_ADD_DV, S_ADD_DV, &d->dv));
    d->has_base_row_id = ls__i64(k, S_ADD_BRI, &d->base_row_id);
    d->has_default_row_commit_version = ls__i64(k, S_ADD_DRCV, &d->default_row_commit_version);
    return ls__str(k, S_ADD_CLP, &d->clustering_provider);
}

static ls_err_t ls__row_remove(ls__ckr_t *k, ls_delta_action_t *a)
{
    ls_delta_remove_t *d = &a->u.remove;
    a->kind = LS_DELTA_ACT_REMOVE;
    LS_TRY(ls__str(k, S_RM_PATH, &d->path));
    if (d->path == NULL) {
        return ls__ck_fail(k, "remove without path");
    }
    d->has_deletion_timestamp = ls__i64(k, S_RM_DTS, &d->deletion_timestamp);
    d->data_change = ls__bool(k, S_RM_DC, true);
    d->has_extended_file_metadata = ls__has(k, S_RM_EFM);
    d->extended_file_metadata = ls__bool(k, S_RM_EFM, false);
    LS_TRY(ls__map(k, N_RM_PV, S_RM_PVK, S_RM_PVV, &d->has_partition_values, &d->partition_values,
                   &d->n_partition_values));
    d->has_size = ls__i64(k, S_RM_SIZE, &d->size);
    LS_TRY(ls__dv(k, N_RM_DV, S_RM_DV, &d->dv));
    d->has_base_row_id = ls__i64(k, S_RM_BRI, &d->base_row_id);
    d->has_default_row_commit_version = ls__i64(k, S_RM_DRCV, &d->default_row_commit_version);
    return LS_OK;
}

static ls_err_t ls__row_metadata(ls__ckr_t *k, ls_delta_action_t *a)
{
    ls_delta_metadata_t *m = &a->u.metadata;
    bool has;
    a->kind = LS_DELTA_ACT_METADATA;
    LS_TRY(ls__str(k, S_MD_ID, &m->id));
    if (m->id == NULL) {
        return ls__ck_fail(k, "metaData without id");
    }
    LS_TRY(ls__str(k, S_MD_NAME, &m->name));
    LS_TRY(ls__str(k, S_MD_DESC, &m->description));
    LS_TRY(ls__str(k, S_MD_PROV, &m->format_provider));
    m->format_provider = m->format_provider ? m->format_provider : "parquet";
    LS_TRY(ls__map(k, N_MD_OPT, S_MD_OK, S_MD_OV, &has, &m->format_options, &m->n_format_options));
    LS_TRY(ls__str(k, S_MD_SCHEMA, &m->schema_string));
    LS_TRY(ls__arr(k, N_MD_PC, S_MD_PC, &has, &m->partition_columns, &m->n_partition_columns));
    LS_TRY(ls__map(k, N_MD_CONF, S_MD_CK, S_MD_CV, &has, &m->configuration, &m->n_configuration));
    m->has_created_time = ls__i64(k, S_MD_CT, &m->created_time);
    return LS_OK;
}

static ls_err_t ls__row_protocol(ls__ckr_t *k, ls_delta_action_t *a)
{
    ls_delta_protocol_t *p = &a->u.protocol;
    int64_t r, w;
    a->kind = LS_DELTA_ACT_PROTOCOL;
    if (!ls__i64(k, S_PR_R, &r) || !ls__i64(k, S_PR_W, &w) || r < 0 || w < 0 || r > INT32_MAX ||
        w > INT32_MAX) {
        return ls__ck_fail(k, "protocol without valid minReaderVersion/minWriterVersion");
    }
    p->min_reader_version = (int32_t)r;
    p->min_writer_version = (int32_t)w;
    LS_TRY(ls__arr(k, N_PR_RF, S_PR_RF, &p->has_reader_features, &p->reader_features,
                   &p->n_reader_features));
    return ls__arr(k, N_PR_WF, S_PR_WF, &p->has_writer_features, &p->writer_features,
                   &p->n_writer_features);
}

static ls_err_t ls__row_simple(ls__ckr_t *k, int node, ls_delta_action_t *a)
{
    if (node == N_TXN) {
        a->kind = LS_DELTA_ACT_TXN;
        LS_TRY(ls__str(k, S_TXN_APP, &a->u.txn.app_id));
        if (a->u.txn.app_id == NULL || !ls__i64(k, S_TXN_VER, &a->u.txn.version)) {
            return ls__ck_fail(k, "txn without appId or version");
        }
        a->u.txn.has_last_updated = ls__i64(k, S_TXN_LU, &a->u.txn.last_updated);
        return LS_OK;
    }
    if (node == N_DM) {
        a->kind = LS_DELTA_ACT_DOMAIN_METADATA;
        LS_TRY(ls__str(k, S_DM_D, &a->u.domain.domain));
        LS_TRY(ls__str(k, S_DM_C, &a->u.domain.configuration));
        if (a->u.domain.domain == NULL || a->u.domain.configuration == NULL) {
            return ls__ck_fail(k, "domainMetadata without domain or configuration");
        }
        a->u.domain.removed = ls__bool(k, S_DM_R, false);
        return LS_OK;
    }
    a->kind = LS_DELTA_ACT_SIDECAR;
    LS_TRY(ls__str(k, S_SC_P, &a->u.sidecar.path));
    if (a->u.sidecar.path == NULL) {
        return ls__ck_fail(k, "sidecar without path");
    }
    ls__i64(k, S_SC_S, &a->u.sidecar.size_in_bytes);
    ls__i64(k, S_SC_M, &a->u.sidecar.modification_time);
    return LS_OK;
}

/* Keep a sidecar action (its path copied into the sidecar arena). */
static ls_err_t ls__keep_sidecar(ls__ckr_t *k, const ls_delta_action_t *a)
{
    if (k->sidecars == NULL) {
        return ls__ck_fail(k, "a sidecar action outside a V2 checkpoint");
    }
    ls_delta_action_t c = *a;
    if ((c.u.sidecar.path = ls__delta_arena_str(k->sc_arena, a->u.sidecar.path)) == NULL) {
        return ls_error_set(k->err, LS_ERR_NOMEM, "out of memory reading checkpoint %s", k->key);
    }
    return ls__delta_actvec_push(k->sidecars, &c, k->err);
}

static ls_err_t ls__ck_row(ls__ckr_t *k)
{
    static const struct {
        int node, first, last;
    } acts[] = {{N_PR, S_PR_R, S_PR_WF},        {N_MD, S_MD_ID, S_MD_CT},
                {N_TXN, S_TXN_APP, S_TXN_LU},   {N_DM, S_DM_D, S_DM_R},
                {N_ADD, S_ADD_PATH, S_ADD_CLP}, {N_RM, S_RM_PATH, S_RM_DRCV},
                {N_SC, S_SC_P, S_SC_M}};
    for (size_t i = 0; i < sizeof(acts) / sizeof(acts[0]); i++) {
        if (!ls__present(k, acts[i].node, acts[i].first, acts[i].last)) {
            continue;
        }
        ls_delta_action_t a;
        memset(&a, 0, sizeof(a));
        switch (acts[i].node) {
        case N_PR: LS_TRY(ls__row_protocol(k, &a)); break;
        case N_MD: LS_TRY(ls__row_metadata(k, &a)); break;
        case N_ADD: LS_TRY(ls__row_add(k, &a)); break;
        case N_RM: LS_TRY(ls__row_remove(k, &a)); break;
        default: LS_TRY(ls__row_simple(k, acts[i].node, &a)); break;
        }
        if (a.kind == LS_DELTA_ACT_SIDECAR) {
            LS_TRY(ls__keep_sidecar(k, &a));
        } else {
            LS_TRY(ls__delta_snap_apply(k->s, &a, k->err));
        }
    }
    return LS_OK;
}

static ls_err_t ls__ck_batch(ls__ckr_t *k, const ls_batch_t *b)
{
    for (int i = 0; i < S__COUNT; i++) {
        memset(&k->cur[i], 0, sizeof(k->cur[i]));
        if (k->leaf[i] >= 0) {
            k->cur[i].c = &b->cols[k->leaf[i]];
            k->cur[i].max_def = b->cols[k->leaf[i]].leaf->max_def;
        }
    }
    for (size_t r = 0; r < b->nrows; r++) {
        LS_TRY(ls__ck_next_row(k));
        LS_TRY(ls__ck_row(k));
        ls_arena_reset(k->arena);
        k->row++;
    }
    return LS_OK;
}

static ls_err_t ls__ck_select(ls__ckr_t *k, ls_pq_reader_t *r)
{
    const char *names[sizeof(ls__top_names) / sizeof(ls__top_names[0])];
    size_t n = 0;
    const ls_layout_t *l = ls_pq_reader_layout(r);
    for (size_t i = 0; i < sizeof(ls__top_names) / sizeof(ls__top_names[0]); i++) {
        if (ls_layout_field(l, ls__top_names[i]) != NULL) {
            names[n++] = ls__top_names[i];
        }
    }
    if (n == 0) {
        return ls_error_set(k->err, LS_ERR_CORRUPT, "checkpoint %s has no action columns", k->key);
    }
    LS_TRY(ls_pq_reader_select(r, names, n, k->err));
    return ls__ck_setup(k, ls_pq_reader_read_layout(r));
}

static ls_err_t ls__ck_file(ls__ckr_t *k, ls_pq_reader_t *r)
{
    LS_TRY(ls__ck_select(k, r));
    for (uint32_t g = 0; g < ls_pq_reader_num_row_groups(r); g++) {
        ls_batch_t *b = NULL;
        LS_TRY(ls_pq_reader_read_row_group(r, g, &b, k->err));
        ls_err_t rc = ls__ck_batch(k, b);
        ls_batch_free(b);
        LS_TRY(rc);
    }
    return LS_OK;
}

ls_err_t ls__delta_ckpt_read_parquet(ls_delta_snapshot_t *s, const char *key,
                                     ls__actvec_t *sidecars, ls_arena_t *sc_arena, ls_error_t *err)
{
    ls__ckr_t k;
    memset(&k, 0, sizeof(k));
    k.s = s;
    k.key = key;
    k.sidecars = sidecars;
    k.sc_arena = sc_arena;
    k.err = err;
    ls_store_source_t *h = NULL;
    ls_source_t src;
    LS_TRY(ls_store_source_open(s->st, key, &h, &src, err));
    ls_err_t rc = LS_OK;
    ls_pq_reader_t *r = ls_pq_reader_open(&src, err);
    k.arena = ls_arena_new(1 << 14, 0);
    if (r == NULL) {
        rc = err ? err->code : LS_ERR_CORRUPT;
    } else if (k.arena == NULL) {
        rc = ls_error_set(err, LS_ERR_NOMEM, "out of memory reading checkpoint %s", key);
    } else {
        rc = ls__ck_file(&k, r);
    }
    ls_arena_free(k.arena);
    ls_pq_reader_free(r);
    ls_store_source_close(h);
    return rc;
}

/* Apply the actions of a JSON V2 checkpoint; sidecars are collected. */
static ls_err_t ls__ckpt_read_json(ls_delta_snapshot_t *s, const char *key, ls__actvec_t *sc,
                                   ls_arena_t *arena, ls_error_t *err)
{
    ls_buf_t b;
    ls_buf_init(&b, s->max_commit_bytes);
    ls__actvec_t av = {0};
    ls_err_t rc = ls_store_get(s->st, key, &b, err);
    if (rc == LS_OK) {
        rc = ls__delta_commit_parse((const char *)b.data, b.len, key, arena, &av, err);
    }
    for (size_t i = 0; rc == LS_OK && i < av.n; i++) {
        if (av.v[i].kind == LS_DELTA_ACT_SIDECAR) {
            rc = ls__delta_actvec_push(sc, &av.v[i], err);
        } else if (av.v[i].kind != LS_DELTA_ACT_COMMIT_INFO) {
            rc = ls__delta_snap_apply(s, &av.v[i], err);
        }
    }
    ls__delta_actvec_free(&av);
    ls_buf_free(&b);
    return rc;
}

/* Read the sidecar files a V2 checkpoint references (_delta_log/_sidecars/<name>). */
static ls_err_t ls__read_sidecars(ls_delta_snapshot_t *s, const ls__actvec_t *sc, ls_arena_t *arena,
                                  ls_error_t *err)
{
    for (size_t i = 0; i < sc->n; i++) {
        char *name = NULL;
        LS_TRY(ls_delta_path_decode(sc->v[i].u.sidecar.path, &name, err));
        const char *base = strrchr(name, '/');
        base = base ? base + 1 : name;
        ls_buf_t key;
        ls_buf_init(&key, 4096);
        ls_err_t rc = ls_buf_printf(&key, "%s_sidecars/%s", LS__DELTA_LOG_PREFIX, base);
        ls_free(name);
        if (rc == LS_OK) {
            rc = ls_buf_terminate(&key);
        }
        if (rc == LS_OK) {
            rc = ls__delta_ckpt_read_parquet(s, (const char *)key.data, NULL, arena, err);
        } else {
            rc = ls_error_set(err, rc, "sidecar path too long");
        }
        ls_buf_free(&key);
        LS_TRY(rc);
    }
    return LS_OK;
}

ls_err_t ls__delta_ckpt_read(ls_delta_snapshot_t *s, const ls__log_entry_t *cp, size_t n,
                             ls_error_t *err)
{
    ls__actvec_t sc = {0};
    ls_arena_t *arena = ls_arena_new(1 << 12, 0);
    if (arena == NULL) {
        return ls_error_set(err, LS_ERR_NOMEM, "out of memory reading a checkpoint");
    }
    ls_err_t rc = LS_OK;
    for (size_t i = 0; rc == LS_OK && i < n; i++) {
        char key[LS_DELTA_KEY_MAX];
        const ls__log_entry_t *e = &cp[i];
        if (e->kind == LS__LOG_CP_UUID) {
            rc = e->json_format ? ls__ckpt_read_json(s, e->key, &sc, arena, err)
                                : ls__delta_ckpt_read_parquet(s, e->key, &sc, arena, err);
            continue;
        }
        if (e->kind == LS__LOG_CP_PART) {
            snprintf(key, sizeof(key),
                     LS__DELTA_LOG_PREFIX "%020lld.checkpoint.%010u.%010u.parquet",
                     (long long)e->version, e->part, e->parts);
        } else {
            snprintf(key, sizeof(key), LS__DELTA_LOG_PREFIX "%020lld.checkpoint.parquet",
                     (long long)e->version);
        }
        rc = ls__delta_ckpt_read_parquet(s, key, &sc, arena, err);
    }
    if (rc == LS_OK) {
        rc = ls__read_sidecars(s, &sc, arena, err);
    }
    ls__delta_actvec_free(&sc);
    ls_arena_free(arena);
    return rc;
}

/*
 * tx.c — write transactions: collect adds, removes, txn positions, domain metadata and a
 * schema change; write them as `_delta_log/<v>.json` with put-if-absent; on a lost race read
 * the winning commits, apply the conflict rules (metadata/protocol change, concurrent
 * removes, same domain -> conflict; same appId -> exactly-once fencing; anything else ->
 * retry at the next version with backoff); advance the snapshot in memory on success.
 *
 * Not responsible for: writing data files or their stats (the table module), checkpoints
 * (ckpt_write.c), the schema merge itself (evolve.c).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "delta_int.h"
#include "lakesink/uri.h"
#include "lakesink/alloc.h"
#include "lakesink/json.h"
#include "lakesink/log.h"

struct ls_delta_tx_s {
    ls_delta_snapshot_t *s;
    int64_t read_version;
    ls_arena_t *arena;
    ls__actvec_t acts; /* protocol, metaData, txns, domains, adds, removes (no commitInfo) */
    ls_delta_tx_opts_t o;
    char *operation, *op_params;
    const char *schema_string; /* pending schema (in arena), NULL = unchanged */
    bool widened;
    size_t n_adds, n_removes;
    uint64_t add_bytes;
    ls__dmap_t add_keys, rm_keys; /* duplicate detection and conflict checks */
    ls_delta_txn_t *fenced;
    size_t n_fenced, cap_fenced;
    bool done;
    char txn_id[37];
};

void ls_delta_tx_opts_init(ls_delta_tx_opts_t *o)
{
    memset(o, 0, sizeof(*o));
    o->operation = "WRITE";
    o->max_attempts = 10;
    o->backoff_base_ms = 10;
    o->backoff_cap_ms = 1000;
}

static int64_t ls__tx_now(const ls_delta_tx_t *tx)
{
    return tx->o.now_ms > 0 ? tx->o.now_ms : ls__delta_now_ms();
}

static ls_err_t ls__tx_nomem(ls_error_t *err)
{
    return ls_error_set(err, LS_ERR_NOMEM, "out of memory building a Delta commit");
}

ls_err_t ls_delta_tx_new(ls_delta_snapshot_t *s, const ls_delta_tx_opts_t *opts,
                         ls_delta_tx_t **out, ls_error_t *err)
{
    *out = NULL;
    if (s->broken) {
        return ls_error_set(err, LS_ERR_STATE, "the Delta snapshot is broken: reload it");
    }
    LS_TRY(ls_delta_check_write(s, err));
    ls_delta_tx_t *tx = ls_calloc(1, sizeof(*tx));
    if (tx == NULL) {
        return ls__tx_nomem(err);
    }
    ls_delta_tx_opts_init(&tx->o);
    if (opts != NULL) {
        tx->o = *opts;
    }
    tx->o.max_attempts = tx->o.max_attempts ? tx->o.max_attempts : 1;
    tx->s = s;
    tx->read_version = s->version;
    tx->arena = ls_arena_new(1 << 14, 0);
    tx->operation = ls_strdup(tx->o.operation ? tx->o.operation : "WRITE");
    tx->op_params = ls_strdup(tx->o.operation_parameters ? tx->o.operation_parameters
                                                         : "{\"mode\":\"Append\"}");
    ls_uuid4(tx->txn_id);
    if (tx->arena == NULL || tx->operation == NULL || tx->op_params == NULL) {
        ls_delta_tx_free(tx);
        return ls__tx_nomem(err);
    }
    ls_json_value_t *v = NULL;
    ls_error_t e;
    ls_err_t rc = ls_json_parse(tx->op_params, strlen(tx->op_params), tx->arena, &v, &e);
    if (rc != LS_OK || v->kind != LS_JSON_OBJECT) {
        ls_delta_tx_free(tx);
        return rc == LS_ERR_NOMEM ? ls__tx_nomem(err)
                                  : ls_error_set(err, LS_ERR_INVALID_ARG,
                                                 "operation_parameters must be a JSON object");
    }
    *out = tx;
    return LS_OK;
}

void ls_delta_tx_free(ls_delta_tx_t *tx)
{
    if (tx == NULL) {
        return;
    }
    ls__delta_actvec_free(&tx->acts);
    ls__delta_map_free(&tx->add_keys);
    ls__delta_map_free(&tx->rm_keys);
    ls_arena_free(tx->arena);
    ls_free(tx->operation);
    ls_free(tx->op_params);
    ls_free(tx->fenced);
    ls_free(tx);
}

static ls_err_t ls__tx_check_open(const ls_delta_tx_t *tx, ls_error_t *err)
{
    if (tx->done) {
        return ls_error_set(err, LS_ERR_STATE, "the Delta transaction was already committed");
    }
    return LS_OK;
}

/* Push a deep copy of @p a. */
static ls_err_t ls__tx_push(ls_delta_tx_t *tx, const ls_delta_action_t *a, ls_error_t *err)
{
    ls_delta_action_t c;
    if (ls__delta_action_copy(tx->arena, a, &c) != LS_OK) {
        return ls__tx_nomem(err);
    }
    return ls__delta_actvec_push(&tx->acts, &c, err);
}

/* Remember a file key of this transaction (for duplicates and conflicts). */
static ls_err_t ls__tx_key(ls_delta_tx_t *tx, ls__dmap_t *m, const char *path, const char *what,
                           ls_error_t *err)
{
    char *key = NULL;
    LS_TRY(ls__delta_snap_path_key(tx->s, path, &key, err));
    ls_delta_action_t a = {.kind = LS_DELTA_ACT_DOMAIN_METADATA};
    a.u.domain.domain = key;
    a.u.domain.configuration = "";
    ls__drec_t *r = ls__delta_rec_pack(&a, NULL, NULL);
    ls_free(key);
    if (r == NULL) {
        return ls__tx_nomem(err);
    }
    if (ls__delta_map_get(m, r->hash, r->k1, NULL) != NULL) {
        ls_error_set(err, LS_ERR_INVALID_ARG, "the commit already %s %s", what, r->k1);
        ls__delta_rec_unref(r);
        return LS_ERR_INVALID_ARG;
    }
    if (ls__delta_map_put(m, r) != LS_OK) {
        ls__delta_rec_unref(r);
        return ls__tx_nomem(err);
    }
    return LS_OK;
}

static ls_err_t ls__check_partitions(const ls_delta_tx_t *tx, const ls_delta_add_t *add,
                                     ls_error_t *err)
{
    const ls_delta_metadata_t *m = &tx->s->metadata->u.meta;
    for (size_t i = 0; i < add->n_partition_values; i++) {
        bool known = false;
        for (size_t j = 0; j < m->n_partition_columns; j++) {
            known = known || strcmp(add->partition_values[i].key, m->partition_columns[j]) == 0;
        }
        for (size_t j = 0; j < i; j++) {
            known = known && strcmp(add->partition_values[i].key, add->partition_values[j].key);
        }
        if (!known) {
            return ls_error_set(err, LS_ERR_INVALID_ARG,
                                "add %s: partition value '%s' is not a partition column (or "
                                "repeats)",
                                add->path, add->partition_values[i].key);
        }
    }
    if (add->n_partition_values != m->n_partition_columns) {
        return ls_error_set(err, LS_ERR_INVALID_ARG,
                            "add %s: %zu partition values for %zu partition columns", add->path,
                            add->n_partition_values, m->n_partition_columns);
    }
    return LS_OK;
}

ls_err_t ls_delta_tx_add(ls_delta_tx_t *tx, const ls_delta_add_t *add, ls_error_t *err)
{
    LS_TRY(ls__tx_check_open(tx, err));
    if (add->path == NULL || add->path[0] == '\0' || add->size < 0) {
        return ls_error_set(err, LS_ERR_INVALID_ARG, "add: a path and a size >= 0 are needed");
    }
    if (add->dv != NULL) {
        return ls_error_set(err, LS_ERR_UNSUPPORTED,
                            "add %s: lakesink does not write deletion "
                            "vectors",
                            add->path);
    }
    LS_TRY(ls__check_partitions(tx, add, err));
    LS_TRY(ls__tx_key(tx, &tx->add_keys, add->path, "adds", err));
    ls_delta_action_t a = {.kind = LS_DELTA_ACT_ADD};
    a.u.add = *add;
    LS_TRY(ls__tx_push(tx, &a, err));
    tx->n_adds++;
    tx->add_bytes += (uint64_t)add->size;
    return LS_OK;
}

ls_err_t ls_delta_tx_remove(ls_delta_tx_t *tx, const ls_delta_remove_t *rm, ls_error_t *err)
{
    LS_TRY(ls__tx_check_open(tx, err));
    if (rm->path == NULL || rm->dv != NULL) {
        return ls_error_set(err, LS_ERR_INVALID_ARG,
                            "remove: a path without deletion vector "
                            "is needed");
    }
    if (rm->data_change && ls__delta_is_true(ls_delta_snapshot_config(tx->s, "delta.appendOnly"))) {
        return ls_error_set(err, LS_ERR_STATE,
                            "remove %s: the table is append-only "
                            "(delta.appendOnly=true); only dataChange=false removes are allowed",
                            rm->path);
    }
    if (rm->data_change &&
        ls__delta_is_true(ls_delta_snapshot_config(tx->s, "delta.enableChangeDataFeed"))) {
        return ls_error_set(err, LS_ERR_UNSUPPORTED,
                            "remove %s: the table has the change data "
                            "feed enabled and lakesink does not write cdc files",
                            rm->path);
    }
    char *key = NULL;
    LS_TRY(ls__delta_snap_path_key(tx->s, rm->path, &key, err));
    bool live = ls_delta_snapshot_find_file(tx->s, key, NULL) != NULL;
    ls_free(key);
    if (!live) {
        return ls_error_set(err, LS_ERR_NOT_FOUND, "remove %s: no such live file at version %lld",
                            rm->path, (long long)tx->s->version);
    }
    LS_TRY(ls__tx_key(tx, &tx->rm_keys, rm->path, "removes", err));
    ls_delta_action_t a = {.kind = LS_DELTA_ACT_REMOVE};
    a.u.remove = *rm;
    if (!a.u.remove.has_deletion_timestamp) {
        a.u.remove.has_deletion_timestamp = true;
        a.u.remove.deletion_timestamp = ls__tx_now(tx);
    }
    LS_TRY(ls__tx_push(tx, &a, err));
    tx->n_removes++;
    return LS_OK;
}

/* Index of the pending action of @p kind whose key is @p name, or -1. */
static long ls__tx_find(const ls_delta_tx_t *tx, ls_delta_action_kind_t kind, const char *name)
{
    for (size_t i = 0; i < tx->acts.n; i++) {
        const ls_delta_action_t *a = &tx->acts.v[i];
        if (a->kind != kind) {
            continue;
        }
        const char *k = kind == LS_DELTA_ACT_TXN               ? a->u.txn.app_id
                        : kind == LS_DELTA_ACT_DOMAIN_METADATA ? a->u.domain.domain
                                                               : NULL;
        if (k == NULL || strcmp(k, name) == 0) {
            return (long)i;
        }
    }
    return -1;
}

ls_err_t ls_delta_tx_set_txn(ls_delta_tx_t *tx, const char *app_id, int64_t version,
                             ls_error_t *err)
{
    LS_TRY(ls__tx_check_open(tx, err));
    if (app_id == NULL || app_id[0] == '\0') {
        return ls_error_set(err, LS_ERR_INVALID_ARG, "txn: empty appId");
    }
    ls_delta_action_t a = {.kind = LS_DELTA_ACT_TXN};
    a.u.txn.app_id = app_id;
    a.u.txn.version = version;
    a.u.txn.has_last_updated = true;
    a.u.txn.last_updated = ls__tx_now(tx);
    long i = ls__tx_find(tx, LS_DELTA_ACT_TXN, app_id);
    if (i >= 0) {
        tx->acts.v[i].u.txn.version = version; /* one txn per appId and commit */
        return LS_OK;
    }
    return ls__tx_push(tx, &a, err);
}

ls_err_t ls_delta_tx_set_domain(ls_delta_tx_t *tx, const char *domain, const char *configuration,
                                bool removed, ls_error_t *err)
{
    LS_TRY(ls__tx_check_open(tx, err));
    if (domain == NULL || configuration == NULL || strncmp(domain, "delta.", 6) == 0) {
        return ls_error_set(err, LS_ERR_INVALID_ARG, "domainMetadata: '%s' is not a user domain",
                            domain ? domain : "(null)");
    }
    const ls_delta_protocol_t *p = &tx->s->protocol->u.proto;
    if (p->min_writer_version != 7 || !ls__delta_protocol_has(p, false, "domainMetadata")) {
        return ls_error_set(err, LS_ERR_UNSUPPORTED,
                            "domainMetadata needs the writer feature "
                            "'domainMetadata', which this table does not list");
    }
    if (ls__tx_find(tx, LS_DELTA_ACT_DOMAIN_METADATA, domain) >= 0) {
        return ls_error_set(err, LS_ERR_INVALID_ARG, "domain %s is already in the commit", domain);
    }
    ls_delta_action_t a = {.kind = LS_DELTA_ACT_DOMAIN_METADATA};
    a.u.domain.domain = domain;
    a.u.domain.configuration = configuration;
    a.u.domain.removed = removed;
    return ls__tx_push(tx, &a, err);
}

/* ------------------------------------------------------------------ schema evolution */

/* Writer features a legacy writer version implies. */
static size_t ls__legacy_writer_features(int w, const char **out)
{
    static const struct {
        int version;
        const char *feature;
    } implied[] = {{2, "appendOnly"},     {2, "invariants"},       {3, "checkConstraints"},
                   {4, "changeDataFeed"}, {4, "generatedColumns"}, {5, "columnMapping"},
                   {6, "identityColumns"}};
    size_t n = 0;
    for (size_t i = 0; i < sizeof(implied) / sizeof(implied[0]); i++) {
        if (w >= implied[i].version) {
            out[n++] = implied[i].feature;
        }
    }
    return n;
}

static void ls__add_feature(const char **v, size_t *n, const char *f)
{
    for (size_t i = 0; i < *n; i++) {
        if (strcmp(v[i], f) == 0) {
            return;
        }
    }
    v[(*n)++] = f;
}

/* Protocol upgraded to table features with typeWidening (reader 3, writer 7). */
static ls_err_t ls__widening_protocol(ls_delta_tx_t *tx, ls_error_t *err)
{
    const ls_delta_protocol_t *p = &tx->s->protocol->u.proto;
    if (ls__delta_protocol_has(p, true, "typeWidening") &&
        ls__delta_protocol_has(p, false, "typeWidening")) {
        return LS_OK;
    }
    size_t cap = p->n_reader_features + p->n_writer_features + 16;
    const char **rf = ls_arena_calloc(tx->arena, cap, sizeof(*rf));
    const char **wf = ls_arena_calloc(tx->arena, cap, sizeof(*wf));
    if (rf == NULL || wf == NULL) {
        return ls__tx_nomem(err);
    }
    size_t nr = 0, nw = 0;
    for (size_t i = 0; p->min_reader_version == 3 && i < p->n_reader_features; i++) {
        ls__add_feature(rf, &nr, p->reader_features[i]);
    }
    if (p->min_reader_version == 2) {
        ls__add_feature(rf, &nr, "columnMapping");
    }
    ls__add_feature(rf, &nr, "typeWidening");
    if (p->min_writer_version == 7) {
        for (size_t i = 0; i < p->n_writer_features; i++) {
            ls__add_feature(wf, &nw, p->writer_features[i]);
        }
    } else {
        nw = ls__legacy_writer_features(p->min_writer_version, wf);
    }
    for (size_t i = 0; i < nr; i++) {
        ls__add_feature(wf, &nw, rf[i]); /* reader features are listed for writers too */
    }
    ls_delta_action_t a = {.kind = LS_DELTA_ACT_PROTOCOL};
    a.u.protocol = (ls_delta_protocol_t){3, 7, true, true, nr, rf, nw, wf};
    long i = ls__tx_find(tx, LS_DELTA_ACT_PROTOCOL, "");
    if (i >= 0) {
        return ls__delta_action_copy(tx->arena, &a, &tx->acts.v[i]) == LS_OK ? LS_OK
                                                                             : ls__tx_nomem(err);
    }
    return ls__tx_push(tx, &a, err);
}

/* Pending metaData: the snapshot's, with @p schema and (after widening) the property. */
static ls_err_t ls__new_metadata(ls_delta_tx_t *tx, const char *schema, bool widening,
                                 ls_error_t *err)
{
    const ls_delta_metadata_t *m = &tx->s->metadata->u.meta;
    ls_delta_action_t a = {.kind = LS_DELTA_ACT_METADATA};
    a.u.metadata = *m;
    a.u.metadata.schema_string = schema;
    if (widening &&
        !ls__delta_is_true(ls_delta_snapshot_config(tx->s, "delta.enableTypeWidening"))) {
        ls_delta_kv_t *kv = ls_arena_calloc(tx->arena, m->n_configuration + 1, sizeof(*kv));
        if (kv == NULL) {
            return ls__tx_nomem(err);
        }
        size_t n = 0;
        for (size_t i = 0; i < m->n_configuration; i++) {
            if (strcmp(m->configuration[i].key, "delta.enableTypeWidening") != 0) {
                kv[n++] = m->configuration[i];
            }
        }
        kv[n++] = (ls_delta_kv_t){"delta.enableTypeWidening", "true"};
        a.u.metadata.configuration = kv;
        a.u.metadata.n_configuration = n;
    }
    long i = ls__tx_find(tx, LS_DELTA_ACT_METADATA, "");
    if (i >= 0) {
        return ls__delta_action_copy(tx->arena, &a, &tx->acts.v[i]) == LS_OK ? LS_OK
                                                                             : ls__tx_nomem(err);
    }
    return ls__tx_push(tx, &a, err);
}

ls_err_t ls_delta_tx_evolve_schema(ls_delta_tx_t *tx, const ls_type_t *incoming, unsigned flags,
                                   bool *changed, ls_error_t *err)
{
    bool dummy;
    changed = changed ? changed : &dummy;
    *changed = false;
    LS_TRY(ls__tx_check_open(tx, err));
    const char *base =
        tx->schema_string ? tx->schema_string : tx->s->metadata->u.meta.schema_string;
    ls_delta_schema_merge_t m;
    LS_TRY(ls_delta_schema_merge(base, incoming, flags, &m, err));
    ls_err_t rc = LS_OK;
    if (m.changed) {
        const char *schema = ls__delta_arena_str(tx->arena, m.schema_string);
        tx->widened = tx->widened || m.widened;
        rc = schema == NULL ? ls__tx_nomem(err) : ls__new_metadata(tx, schema, tx->widened, err);
        if (rc == LS_OK && tx->widened) {
            rc = ls__widening_protocol(tx, err);
        }
        if (rc == LS_OK) {
            tx->schema_string = schema;
            *changed = true;
        }
    }
    ls_delta_schema_merge_free(&m);
    return rc;
}

/* ------------------------------------------------------------------ payload */

static bool ls__ict_enabled(const ls_delta_snapshot_t *s)
{
    const ls_delta_protocol_t *p = &s->protocol->u.proto;
    return ls__delta_is_true(ls_delta_snapshot_config(s, "delta.enableInCommitTimestamps")) &&
           ls__delta_protocol_has(p, false, "inCommitTimestamp");
}

/* The commitInfo object for an attempt at the current snapshot version + 1. */
static ls_err_t ls__commit_info(ls_delta_tx_t *tx, int64_t now, ls_buf_t *b)
{
    LS_TRY(ls_buf_printf(b, "{\"timestamp\":%" PRId64, now));
    if (ls__ict_enabled(tx->s)) {
        int64_t ict = tx->s->last_ict >= now ? tx->s->last_ict + 1 : now;
        LS_TRY(ls_buf_printf(b, ",\"inCommitTimestamp\":%" PRId64, ict));
    }
    LS_TRY(ls_buf_append_str(b, ",\"operation\":"));
    LS_TRY(ls_json_append_string(b, tx->operation, strlen(tx->operation)));
    LS_TRY(ls_buf_printf(b,
                         ",\"operationParameters\":%s,\"readVersion\":%" PRId64
                         ",\"isolationLevel\":\"Serializable\",\"isBlindAppend\":%s",
                         tx->op_params, tx->read_version,
                         tx->n_removes == 0 && tx->schema_string == NULL ? "true" : "false"));
    LS_TRY(ls_buf_printf(b,
                         ",\"operationMetrics\":{\"numFiles\":\"%zu\",\"numOutputBytes\":\"%" PRIu64
                         "\",\"numRemovedFiles\":\"%zu\"}",
                         tx->n_adds, tx->add_bytes, tx->n_removes));
    return ls_buf_printf(b, ",\"engineInfo\":\"lakesink/%s\",\"txnId\":\"%s\"}", LS_VERSION,
                         tx->txn_id);
}

static ls_err_t ls__payload(ls_delta_tx_t *tx, int64_t now, ls_buf_t *b, ls_error_t *err)
{
    ls_buf_reset(b);
    ls_err_t rc = ls_buf_append_str(b, "{\"commitInfo\":");
    if (rc == LS_OK) {
        rc = ls__commit_info(tx, now, b);
    }
    if (rc == LS_OK) {
        rc = ls_buf_append_byte(b, '}');
    }
    if (rc != LS_OK) {
        return ls_error_set(err, rc, "building commitInfo: %s", ls_err_str(rc));
    }
    for (size_t i = 0; i < tx->acts.n; i++) {
        LS_TRY(ls_buf_append_byte(b, '\n') == LS_OK ? LS_OK : ls__tx_nomem(err));
        LS_TRY(ls_delta_action_write(&tx->acts.v[i], b, err));
    }
    return LS_OK;
}

/* ------------------------------------------------------------------ conflicts */

static ls_err_t ls__fence(ls_delta_tx_t *tx, const char *app_id, int64_t version)
{
    for (size_t i = 0; i < tx->n_fenced; i++) {
        if (strcmp(tx->fenced[i].app_id, app_id) == 0) {
            tx->fenced[i].version = version;
            return LS_OK;
        }
    }
    if (tx->n_fenced == tx->cap_fenced) {
        size_t ncap = tx->cap_fenced ? tx->cap_fenced * 2 : 4;
        ls_delta_txn_t *v = ls_reallocarray(tx->fenced, ncap, sizeof(*v));
        if (v == NULL) {
            return LS_ERR_NOMEM;
        }
        tx->fenced = v;
        tx->cap_fenced = ncap;
    }
    const char *id = ls__delta_arena_str(tx->arena, app_id);
    if (id == NULL) {
        return LS_ERR_NOMEM;
    }
    tx->fenced[tx->n_fenced++] = (ls_delta_txn_t){id, version, false, 0};
    return LS_OK;
}

/* Our txns that the snapshot already has at or beyond our version. */
static ls_err_t ls__fence_snapshot(ls_delta_tx_t *tx, ls_error_t *err)
{
    for (size_t i = 0; i < tx->acts.n; i++) {
        const ls_delta_action_t *a = &tx->acts.v[i];
        int64_t v;
        if (a->kind == LS_DELTA_ACT_TXN &&
            ls_delta_snapshot_txn(tx->s, a->u.txn.app_id, &v, NULL) && v >= a->u.txn.version &&
            ls__fence(tx, a->u.txn.app_id, v) != LS_OK) {
            return ls__tx_nomem(err);
        }
    }
    return LS_OK;
}

/*
 * Check the winning commit @p version (actions @p av) against ours. Returns LS_OK (no
 * conflict; fencing is recorded in tx->fenced) or LS_ERR_CONFLICT with the reason.
 */
static ls_err_t ls__check_winner(ls_delta_tx_t *tx, int64_t version, const ls__actvec_t *av,
                                 ls_error_t *err)
{
    for (size_t i = 0; i < av->n; i++) {
        const ls_delta_action_t *a = &av->v[i];
        if (a->kind == LS_DELTA_ACT_PROTOCOL || a->kind == LS_DELTA_ACT_METADATA) {
            return ls_error_set(err, LS_ERR_CONFLICT,
                                "concurrent commit %lld changed the table's "
                                "%s: reload the table and validate again",
                                (long long)version,
                                a->kind == LS_DELTA_ACT_PROTOCOL ? "protocol" : "metadata");
        }
        if (a->kind == LS_DELTA_ACT_DOMAIN_METADATA &&
            ls__tx_find(tx, LS_DELTA_ACT_DOMAIN_METADATA, a->u.domain.domain) >= 0) {
            return ls_error_set(err, LS_ERR_CONFLICT,
                                "concurrent commit %lld also wrote "
                                "domain metadata '%s'",
                                (long long)version, a->u.domain.domain);
        }
        if (a->kind == LS_DELTA_ACT_TXN &&
            ls__tx_find(tx, LS_DELTA_ACT_TXN, a->u.txn.app_id) >= 0 &&
            ls__fence(tx, a->u.txn.app_id, a->u.txn.version) != LS_OK) {
            return ls__tx_nomem(err);
        }
        if (a->kind == LS_DELTA_ACT_REMOVE && tx->rm_keys.n > 0) {
            char *key = NULL;
            LS_TRY(ls__delta_snap_path_key(tx->s, a->u.remove.path, &key, err));
            bool hit =
                ls__delta_map_get(&tx->rm_keys, ls__delta_hash(key, NULL), key, NULL) != NULL;
            ls_free(key);
            if (hit) {
                return ls_error_set(err, LS_ERR_CONFLICT,
                                    "concurrent commit %lld removed %s, "
                                    "which this commit also removes",
                                    (long long)version, a->u.remove.path);
            }
        }
    }
    return LS_OK;
}

/*
 * Read every commit newer than the snapshot, check each against ours and apply it to the
 * snapshot (so it stays current whatever the outcome).
 */
static ls_err_t ls__catch_up(ls_delta_tx_t *tx, ls_error_t *err)
{
    ls_delta_snapshot_t *s = tx->s;
    ls_arena_t *arena = ls_arena_new(1 << 16, 0);
    if (arena == NULL) {
        return ls__tx_nomem(err);
    }
    ls_err_t rc = LS_OK, verdict = LS_OK;
    ls_error_t why;
    ls_error_clear(&why);
    for (;;) {
        ls__actvec_t av = {0};
        int64_t v = s->version + 1;
        char key[LS_DELTA_KEY_MAX];
        uint64_t size;
        int64_t mtime;
        ls_delta_commit_key(v, key);
        rc = ls_store_head(s->st, key, &size, &mtime, err);
        if (rc == LS_ERR_NOT_FOUND) {
            rc = LS_OK;
            break;
        }
        if (rc == LS_OK) {
            rc = ls__delta_commit_apply(s, v, mtime, arena, &av, err);
        }
        if (rc == LS_OK && verdict == LS_OK) {
            verdict = ls__check_winner(tx, v, &av, &why);
        }
        ls__delta_actvec_free(&av);
        ls_arena_reset(arena);
        if (rc != LS_OK) {
            break;
        }
    }
    ls_arena_free(arena);
    if (rc == LS_OK && s->schema == NULL) {
        rc = ls__delta_snap_schema(s, err);
        s->broken = rc != LS_OK;
    }
    if (rc == LS_OK && verdict != LS_OK) {
        rc = ls_error_set(err, verdict, "%s", why.msg);
    }
    return rc;
}

/* ------------------------------------------------------------------ commit */

/* Advance the snapshot with our own commit, as if it had been read back. */
static void ls__apply_own(ls_delta_tx_t *tx, int64_t version, int64_t now, const ls_buf_t *payload)
{
    ls_delta_snapshot_t *s = tx->s;
    ls__actvec_t av = {0};
    ls_delta_action_t ci;
    ls_error_t e;
    const char *nl = memchr(payload->data, '\n', payload->len);
    size_t n = nl ? (size_t)(nl - (const char *)payload->data) : payload->len;
    ls_err_t rc = ls_delta_action_parse((const char *)payload->data, n, tx->arena, &ci, &e);
    if (rc == LS_OK) {
        rc = ls__delta_actvec_push(&av, &ci, &e);
    }
    for (size_t i = 0; rc == LS_OK && i < tx->acts.n; i++) {
        rc = ls__delta_actvec_push(&av, &tx->acts.v[i], &e);
    }
    if (rc == LS_OK) {
        rc = ls__delta_commit_apply_actions(s, version, now, &av, &e);
    }
    if (rc == LS_OK && s->schema == NULL) {
        rc = ls__delta_snap_schema(s, &e);
    }
    ls__delta_actvec_free(&av);
    if (rc != LS_OK) {
        /* the commit is durable; only our copy of the state is lost */
        s->broken = true;
        ls_logf(LS_LOG_WARN, LS__DELTA_COMPONENT,
                "%s: committed version %lld but could not "
                "update the snapshot in memory (%s): it must be reloaded",
                ls_store_uri(s->st), (long long)version, e.msg);
    }
}

static unsigned ls__backoff(const ls_delta_tx_t *tx, unsigned attempt)
{
    uint64_t cap = tx->o.backoff_base_ms;
    for (unsigned i = 0; i < attempt && cap < tx->o.backoff_cap_ms; i++) {
        cap *= 2;
    }
    cap = cap < tx->o.backoff_cap_ms ? cap : tx->o.backoff_cap_ms;
    uint8_t r[4];
    ls_random_bytes(r, sizeof(r));
    uint32_t x = (uint32_t)r[0] | (uint32_t)r[1] << 8 | (uint32_t)r[2] << 16 | (uint32_t)r[3] << 24;
    return cap ? (unsigned)(x % cap) : 0;
}

static ls_err_t ls__fenced_error(ls_delta_tx_t *tx, ls_error_t *err)
{
    return ls_error_set(err, LS_ERR_EXISTS,
                        "Delta commit fenced: %zu application position(s) "
                        "already committed by another writer (first: %s at %lld)",
                        tx->n_fenced, tx->fenced[0].app_id, (long long)tx->fenced[0].version);
}

static ls_err_t ls__attempts(ls_delta_tx_t *tx, ls_delta_commit_result_t *res, ls_buf_t *payload,
                             ls_error_t *err)
{
    for (unsigned attempt = 0; attempt < tx->o.max_attempts; attempt++) {
        int64_t v = tx->s->version + 1, now = ls__tx_now(tx);
        char key[LS_DELTA_KEY_MAX];
        ls_delta_commit_key(v, key);
        LS_TRY(ls__payload(tx, now, payload, err));
        res->attempts++;
        ls_err_t rc = ls_store_put_if_absent(tx->s->st, key, payload->data, payload->len, err);
        if (rc == LS_OK) {
            ls__apply_own(tx, v, now, payload);
            res->version = v;
            return LS_OK;
        }
        if (rc != LS_ERR_EXISTS) {
            return rc;
        }
        /* back off first, then catch up and retry at once: catching up before the sleep
         * would retry a version another writer has likely taken meanwhile */
        ls__delta_sleep_ms(ls__backoff(tx, attempt));
        LS_TRY(ls__catch_up(tx, err));
        if (tx->n_fenced > 0) {
            return ls__fenced_error(tx, err);
        }
    }
    ls_error_set(err, LS_ERR_CONFLICT,
                 "Delta commit gave up after %u attempts: other writers "
                 "kept taking the next version",
                 tx->o.max_attempts);
    return ls_error_retriable(err);
}

ls_err_t ls_delta_tx_commit(ls_delta_tx_t *tx, ls_delta_commit_result_t *res, ls_error_t *err)
{
    ls_delta_commit_result_t dummy;
    res = res ? res : &dummy;
    memset(res, 0, sizeof(*res));
    res->version = -1;
    LS_TRY(ls__tx_check_open(tx, err));
    tx->done = true;
    if (tx->s->broken) {
        return ls_error_set(err, LS_ERR_STATE, "the Delta snapshot is broken: reload it");
    }
    ls_err_t rc = ls__fence_snapshot(tx, err);
    ls_buf_t payload;
    ls_buf_init(&payload, tx->s->max_commit_bytes); /* readers refuse bigger commits anyway */
    if (rc == LS_OK && tx->n_fenced > 0) {
        rc = ls__fenced_error(tx, err);
    } else if (rc == LS_OK) {
        rc = ls__attempts(tx, res, &payload, err);
    }
    ls_buf_free(&payload);
    res->fenced = tx->fenced;
    res->n_fenced = tx->n_fenced;
    return rc;
}

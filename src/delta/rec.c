/*
 * rec.c — packed, reference-counted copies of actions and the open-addressing hash map
 * snapshots keep them in (live files, tombstones, txns, domains).
 *
 * One heap block per action (struct, arrays and strings together) keeps a million-file
 * snapshot at a million allocations, and immutability plus an atomic count lets snapshot
 * clones share records across threads. Not responsible for: reconciliation rules
 * (snapshot.c).
 */
#include <string.h>

#include "delta_int.h"
#include "lakesink/alloc.h"

/* Two-pass packer: the first pass (base == NULL) only measures. */
typedef struct {
    char *base;
    size_t off;
} ls__pk_t;

static void *ls__pk_alloc(ls__pk_t *pk, size_t size, size_t align)
{
    pk->off = (pk->off + align - 1) & ~(align - 1);
    void *p = pk->base != NULL ? pk->base + pk->off : NULL;
    pk->off += size;
    return p;
}

static const char *ls__pk_str(ls__pk_t *pk, const char *s)
{
    if (s == NULL) {
        return NULL;
    }
    size_t n = strlen(s) + 1;
    char *p = ls__pk_alloc(pk, n, 1);
    if (p != NULL) {
        memcpy(p, s, n);
    }
    return p;
}

static const ls_delta_kv_t *ls__pk_kv(ls__pk_t *pk, const ls_delta_kv_t *kv, size_t n)
{
    if (n == 0) {
        return NULL;
    }
    ls_delta_kv_t *out = ls__pk_alloc(pk, n * sizeof(*out), sizeof(void *));
    for (size_t i = 0; i < n; i++) {
        const char *k = ls__pk_str(pk, kv[i].key);
        const char *v = ls__pk_str(pk, kv[i].value);
        if (out != NULL) {
            out[i].key = k;
            out[i].value = v;
        }
    }
    return out;
}

static const char *const *ls__pk_arr(ls__pk_t *pk, const char *const *v, size_t n)
{
    if (n == 0) {
        return NULL;
    }
    const char **out = ls__pk_alloc(pk, n * sizeof(*out), sizeof(void *));
    for (size_t i = 0; i < n; i++) {
        const char *s = ls__pk_str(pk, v[i]);
        if (out != NULL) {
            out[i] = s;
        }
    }
    return out;
}

static const ls_delta_dv_t *ls__pk_dv(ls__pk_t *pk, const ls_delta_dv_t *dv)
{
    if (dv == NULL) {
        return NULL;
    }
    ls_delta_dv_t *out = ls__pk_alloc(pk, sizeof(*out), sizeof(void *));
    const char *p = ls__pk_str(pk, dv->path_or_inline_dv);
    if (out != NULL) {
        *out = *dv;
        out->path_or_inline_dv = p;
    }
    return out;
}

static void ls__pk_add(ls__pk_t *pk, ls_delta_add_t *d, const ls_delta_add_t *a)
{
    *d = *a;
    d->path = ls__pk_str(pk, a->path);
    d->partition_values = ls__pk_kv(pk, a->partition_values, a->n_partition_values);
    d->stats = ls__pk_str(pk, a->stats);
    d->tags = ls__pk_kv(pk, a->tags, a->n_tags);
    d->dv = ls__pk_dv(pk, a->dv);
    d->clustering_provider = ls__pk_str(pk, a->clustering_provider);
}

static void ls__pk_remove(ls__pk_t *pk, ls_delta_remove_t *d, const ls_delta_remove_t *r)
{
    *d = *r;
    d->path = ls__pk_str(pk, r->path);
    d->partition_values = ls__pk_kv(pk, r->partition_values, r->n_partition_values);
    /* stats and tags of removes only matter in the commit that carries them */
    d->stats = NULL;
    d->tags = NULL;
    d->has_tags = false;
    d->n_tags = 0;
    d->dv = ls__pk_dv(pk, r->dv);
}

static void ls__pk_metadata(ls__pk_t *pk, ls_delta_metadata_t *d, const ls_delta_metadata_t *m)
{
    *d = *m;
    d->id = ls__pk_str(pk, m->id);
    d->name = ls__pk_str(pk, m->name);
    d->description = ls__pk_str(pk, m->description);
    d->format_provider = ls__pk_str(pk, m->format_provider);
    d->format_options = ls__pk_kv(pk, m->format_options, m->n_format_options);
    d->schema_string = ls__pk_str(pk, m->schema_string);
    d->partition_columns = ls__pk_arr(pk, m->partition_columns, m->n_partition_columns);
    d->configuration = ls__pk_kv(pk, m->configuration, m->n_configuration);
}

static void ls__pk_protocol(ls__pk_t *pk, ls_delta_protocol_t *d, const ls_delta_protocol_t *p)
{
    *d = *p;
    d->reader_features = ls__pk_arr(pk, p->reader_features, p->n_reader_features);
    d->writer_features = ls__pk_arr(pk, p->writer_features, p->n_writer_features);
}

/* Fill @p r (a scratch struct in the measuring pass) from @p a. */
static void ls__pk_body(ls__pk_t *pk, ls__drec_t *r, const ls_delta_action_t *a, const char *key,
                        const char *dv_id)
{
    switch (a->kind) {
    case LS_DELTA_ACT_ADD:
        r->kind = LS__REC_FILE;
        ls__pk_add(pk, &r->u.file.add, &a->u.add);
        r->u.file.decoded_path = r->k1 = ls__pk_str(pk, key);
        r->u.file.dv_id = r->k2 = ls__pk_str(pk, dv_id);
        break;
    case LS_DELTA_ACT_REMOVE:
        r->kind = LS__REC_TOMB;
        ls__pk_remove(pk, &r->u.rm, &a->u.remove);
        r->k1 = ls__pk_str(pk, key);
        r->k2 = ls__pk_str(pk, dv_id);
        break;
    case LS_DELTA_ACT_TXN:
        r->kind = LS__REC_TXN;
        r->u.txn = a->u.txn;
        r->u.txn.app_id = r->k1 = ls__pk_str(pk, a->u.txn.app_id);
        break;
    case LS_DELTA_ACT_DOMAIN_METADATA:
        r->kind = LS__REC_DOMAIN;
        r->u.dom = a->u.domain;
        r->u.dom.domain = r->k1 = ls__pk_str(pk, a->u.domain.domain);
        r->u.dom.configuration = ls__pk_str(pk, a->u.domain.configuration);
        break;
    case LS_DELTA_ACT_PROTOCOL:
        r->kind = LS__REC_PROTOCOL;
        ls__pk_protocol(pk, &r->u.proto, &a->u.protocol);
        break;
    case LS_DELTA_ACT_METADATA:
        r->kind = LS__REC_METADATA;
        ls__pk_metadata(pk, &r->u.meta, &a->u.metadata);
        break;
    default: break;
    }
}

ls__drec_t *ls__delta_rec_pack(const ls_delta_action_t *a, const char *key, const char *dv_id)
{
    ls__drec_t scratch;
    ls__pk_t pk = {NULL, sizeof(ls__drec_t)};
    memset(&scratch, 0, sizeof(scratch));
    ls__pk_body(&pk, &scratch, a, key, dv_id);
    ls__drec_t *r = ls_malloc(pk.off);
    if (r == NULL) {
        return NULL;
    }
    memset(r, 0, sizeof(*r));
    pk.base = (char *)r;
    pk.off = sizeof(ls__drec_t);
    ls__pk_body(&pk, r, a, key, dv_id);
    atomic_init(&r->refs, 1);
    if (r->k1 != NULL) {
        r->hash = ls__delta_hash(r->k1, r->k2);
    }
    return r;
}

void ls__delta_rec_ref(ls__drec_t *r)
{
    if (r != NULL) {
        atomic_fetch_add_explicit(&r->refs, 1, memory_order_relaxed);
    }
}

void ls__delta_rec_unref(ls__drec_t *r)
{
    if (r != NULL && atomic_fetch_sub_explicit(&r->refs, 1, memory_order_acq_rel) == 1) {
        ls_free(r);
    }
}

/* ------------------------------------------------------------------ map */

static bool ls__rec_eq(const ls__dslot_t *sl, uint64_t hash, const char *k1, const char *k2)
{
    const ls__drec_t *r = sl->r;
    if (sl->hash != hash || strcmp(r->k1, k1) != 0) {
        return false;
    }
    if (r->k2 == NULL || k2 == NULL) {
        return r->k2 == k2;
    }
    return strcmp(r->k2, k2) == 0;
}

ls__drec_t *ls__delta_map_get(const ls__dmap_t *m, uint64_t hash, const char *k1, const char *k2)
{
    if (m->cap == 0) {
        return NULL;
    }
    size_t mask = m->cap - 1;
    for (size_t i = hash & mask;; i = (i + 1) & mask) {
        const ls__dslot_t *sl = &m->slots[i];
        if (sl->r == NULL) {
            return NULL;
        }
        if (ls__rec_eq(sl, hash, k1, k2)) {
            return sl->r;
        }
    }
}

static void ls__dmap_insert_slot(ls__dslot_t *slots, size_t cap, ls__drec_t *r)
{
    size_t mask = cap - 1;
    size_t i = r->hash & mask;
    while (slots[i].r != NULL) {
        i = (i + 1) & mask;
    }
    slots[i].hash = r->hash;
    slots[i].r = r;
}

static ls_err_t ls__dmap_grow(ls__dmap_t *m)
{
    size_t ncap = m->cap ? m->cap * 2 : 16;
    if (ncap > LS__DELTA_MAX_FILES * 2) {
        return LS_ERR_LIMIT;
    }
    ls__dslot_t *slots = ls_calloc(ncap, sizeof(*slots));
    if (slots == NULL) {
        return LS_ERR_NOMEM;
    }
    for (size_t i = 0; i < m->cap; i++) {
        if (m->slots[i].r != NULL) {
            ls__dmap_insert_slot(slots, ncap, m->slots[i].r);
        }
    }
    ls_free(m->slots);
    m->slots = slots;
    m->cap = ncap;
    return LS_OK;
}

ls_err_t ls__delta_map_put(ls__dmap_t *m, ls__drec_t *r)
{
    if (m->cap != 0) {
        size_t mask = m->cap - 1;
        for (size_t i = r->hash & mask; m->slots[i].r != NULL; i = (i + 1) & mask) {
            if (ls__rec_eq(&m->slots[i], r->hash, r->k1, r->k2)) {
                ls__delta_rec_unref(m->slots[i].r);
                m->slots[i].r = r;
                return LS_OK;
            }
        }
    }
    if ((m->n + 1) * 10 > m->cap * 7) { /* keep the load factor under 0.7 */
        LS_TRY(ls__dmap_grow(m));
    }
    ls__dmap_insert_slot(m->slots, m->cap, r);
    m->n++;
    return LS_OK;
}

ls__drec_t *ls__delta_map_del(ls__dmap_t *m, uint64_t hash, const char *k1, const char *k2)
{
    if (m->cap == 0) {
        return NULL;
    }
    size_t mask = m->cap - 1;
    size_t i = hash & mask;
    while (m->slots[i].r != NULL && !ls__rec_eq(&m->slots[i], hash, k1, k2)) {
        i = (i + 1) & mask;
    }
    ls__drec_t *found = m->slots[i].r;
    if (found == NULL) {
        return NULL;
    }
    /* backward-shift deletion: move later members of the cluster into the hole when their
     * home slot is not strictly inside (hole, j] */
    size_t hole = i;
    for (size_t j = (i + 1) & mask; m->slots[j].r != NULL; j = (j + 1) & mask) {
        size_t home = m->slots[j].hash & mask;
        bool inside = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
        if (!inside) {
            m->slots[hole] = m->slots[j];
            hole = j;
        }
    }
    m->slots[hole].r = NULL;
    m->n--;
    return found;
}

ls_err_t ls__delta_map_clone(const ls__dmap_t *src, ls__dmap_t *dst)
{
    memset(dst, 0, sizeof(*dst));
    if (src->cap == 0) {
        return LS_OK;
    }
    dst->slots = ls_malloc(src->cap * sizeof(*dst->slots));
    if (dst->slots == NULL) {
        return LS_ERR_NOMEM;
    }
    memcpy(dst->slots, src->slots, src->cap * sizeof(*dst->slots));
    dst->cap = src->cap;
    dst->n = src->n;
    for (size_t i = 0; i < dst->cap; i++) {
        ls__delta_rec_ref(dst->slots[i].r);
    }
    return LS_OK;
}

void ls__delta_map_free(ls__dmap_t *m)
{
    for (size_t i = 0; i < m->cap; i++) {
        ls__delta_rec_unref(m->slots[i].r);
    }
    ls_free(m->slots);
    memset(m, 0, sizeof(*m));
}

ls__drec_t *ls__delta_map_next(const ls__dmap_t *m, size_t *cursor)
{
    while (*cursor < m->cap) {
        ls__drec_t *r = m->slots[(*cursor)++].r;
        if (r != NULL) {
            return r;
        }
    }
    return NULL;
}

/* The kinds snapshots never keep: a few strings each. */
static ls_err_t ls__copy_other(ls_arena_t *arena, const ls_delta_action_t *a,
                               ls_delta_action_t *out)
{
    *out = *a;
    if (a->kind == LS_DELTA_ACT_COMMIT_INFO) {
        const ls_delta_commit_info_t *c = &a->u.commit_info;
        out->u.commit_info.json =
            c->json ? ls_arena_strndup(arena, c->json, strlen(c->json)) : NULL;
        out->u.commit_info.operation =
            c->operation ? ls_arena_strndup(arena, c->operation, strlen(c->operation)) : NULL;
        bool ok = (c->json == NULL || out->u.commit_info.json != NULL) &&
                  (c->operation == NULL || out->u.commit_info.operation != NULL);
        return ok ? LS_OK : LS_ERR_NOMEM;
    }
    if (a->kind == LS_DELTA_ACT_SIDECAR) {
        const char *p = a->u.sidecar.path;
        out->u.sidecar.path = ls_arena_strndup(arena, p, strlen(p));
        return out->u.sidecar.path != NULL ? LS_OK : LS_ERR_NOMEM;
    }
    return LS_OK; /* cdc, checkpointMetadata, unknown: nothing points anywhere */
}

ls_err_t ls__delta_action_copy(ls_arena_t *arena, const ls_delta_action_t *a,
                               ls_delta_action_t *out)
{
    switch (a->kind) {
    case LS_DELTA_ACT_ADD:
    case LS_DELTA_ACT_REMOVE:
    case LS_DELTA_ACT_TXN:
    case LS_DELTA_ACT_DOMAIN_METADATA:
    case LS_DELTA_ACT_PROTOCOL:
    case LS_DELTA_ACT_METADATA: break;
    default: return ls__copy_other(arena, a, out);
    }
    /* reuse the packer: measure, then fill a block taken from the arena */
    ls__drec_t scratch;
    ls__pk_t pk = {NULL, 0};
    memset(&scratch, 0, sizeof(scratch));
    ls__pk_body(&pk, &scratch, a, NULL, NULL);
    pk.base = ls_arena_alloc(arena, pk.off ? pk.off : 1);
    if (pk.base == NULL) {
        return LS_ERR_NOMEM;
    }
    pk.off = 0;
    ls__pk_body(&pk, &scratch, a, NULL, NULL);
    out->kind = a->kind;
    switch (a->kind) {
    case LS_DELTA_ACT_ADD: out->u.add = scratch.u.file.add; break;
    case LS_DELTA_ACT_REMOVE: out->u.remove = scratch.u.rm; break;
    case LS_DELTA_ACT_TXN: out->u.txn = scratch.u.txn; break;
    case LS_DELTA_ACT_DOMAIN_METADATA: out->u.domain = scratch.u.dom; break;
    case LS_DELTA_ACT_PROTOCOL: out->u.protocol = scratch.u.proto; break;
    default: out->u.metadata = scratch.u.meta; break;
    }
    return LS_OK;
}

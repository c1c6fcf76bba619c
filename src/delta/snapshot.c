/*
 * snapshot.c — the in-memory table state and the reconciliation rules that build it: latest
 * protocol and metaData win; live files keyed by (canonical path, dvId), an add cancelling a
 * tombstone and a remove turning a live file into one; latest txn per appId; domain metadata
 * with removal tombstones. Plus the accessors, clone and free.
 *
 * Not responsible for: finding or reading log files (load.c, ckpt_read.c) or gating
 * (gate.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "delta_int.h"
#include "lakesink/alloc.h"
#include "lakesink/json.h"

/* Table root in the form absolute log paths use: "/abs/dir" or "s3://bucket/prefix". */
static char *ls__root_of(ls_store_t *st)
{
    const char *uri = ls_store_uri(st);
    if (strncmp(uri, "file://", 7) == 0) {
        uri += 7;
    }
    ls_buf_t b;
    ls_buf_init(&b, 1 << 16);
    ls_err_t rc = LS_OK;
    if (!ls_store_is_remote(st) && uri[0] != '/') {
        char cwd[4096];
        if (getcwd(cwd, sizeof(cwd)) != NULL) {
            rc = ls_buf_printf(&b, "%s/", cwd);
        }
    }
    if (rc == LS_OK) {
        rc = ls_buf_append_str(&b, uri);
    }
    while (rc == LS_OK && b.len > 1 && b.data[b.len - 1] == '/') {
        b.len--;
    }
    if (rc == LS_OK) {
        rc = ls_buf_terminate(&b);
    }
    if (rc != LS_OK) {
        ls_buf_free(&b);
        return NULL;
    }
    return (char *)ls_buf_steal(&b, NULL);
}

ls_delta_snapshot_t *ls__delta_snap_new(ls_store_t *st, size_t max_commit_bytes)
{
    ls_delta_snapshot_t *s = ls_calloc(1, sizeof(*s));
    if (s == NULL) {
        return NULL;
    }
    s->st = st;
    s->version = -1;
    s->last_ict = -1;
    s->cp_version = -1;
    s->max_commit_bytes = max_commit_bytes ? max_commit_bytes : LS__DELTA_DEFAULT_COMMIT_CAP;
    s->root = ls__root_of(st);
    if (s->root == NULL) {
        ls_free(s);
        return NULL;
    }
    return s;
}

/* "s3a://b/p" and "s3://b/p" name the same object: compare after the scheme. */
static const char *ls__strip_s3(const char *p)
{
    if (strncmp(p, "s3://", 5) == 0) {
        return p + 5;
    }
    if (strncmp(p, "s3a://", 6) == 0 || strncmp(p, "s3n://", 6) == 0) {
        return p + 6;
    }
    return NULL;
}

/* Path relative to @p root when @p d lies under it, else NULL. */
static const char *ls__under_root(const char *root, const char *d)
{
    const char *r3 = ls__strip_s3(root), *d3 = ls__strip_s3(d);
    if (r3 != NULL && d3 != NULL) {
        root = r3;
        d = d3;
    } else if (r3 != NULL || d3 != NULL) {
        return NULL;
    }
    size_t n = strlen(root);
    if (strncmp(d, root, n) == 0 && d[n] == '/' && d[n + 1] != '\0') {
        return d + n + 1;
    }
    return NULL;
}

ls_err_t ls__delta_snap_path_key(const ls_delta_snapshot_t *s, const char *path, char **key,
                                 ls_error_t *err)
{
    char *d = NULL;
    LS_TRY(ls_delta_path_decode(path, &d, err));
    const char *p = d;
    if (strncmp(p, "file:", 5) == 0) {
        p += 5; /* file:/x, file:///x and file://host/x all mean the local path /x */
        if (p[0] == '/' && p[1] == '/') {
            const char *slash = strchr(p + 2, '/');
            p = slash != NULL ? slash : p + strlen(p);
        }
    }
    const char *rel = ls__under_root(s->root, p);
    if (rel != NULL) {
        p = rel;
    }
    if (p != d) {
        memmove(d, p, strlen(p) + 1);
    }
    *key = d;
    return LS_OK;
}

char *ls__delta_dv_id(const ls_delta_dv_t *dv)
{
    ls_buf_t b;
    ls_buf_init(&b, (size_t)1 << 30);
    ls_err_t rc = ls_buf_printf(&b, "%c%s", dv->storage_type, dv->path_or_inline_dv);
    if (rc == LS_OK && dv->has_offset) {
        rc = ls_buf_printf(&b, "@%d", (int)dv->offset);
    }
    if (rc == LS_OK) {
        rc = ls_buf_terminate(&b);
    }
    if (rc != LS_OK) {
        ls_buf_free(&b);
        return NULL;
    }
    return (char *)ls_buf_steal(&b, NULL);
}

static ls_err_t ls__nomem(ls_error_t *err)
{
    return ls_error_set(err, LS_ERR_NOMEM, "out of memory applying a Delta action");
}

static void ls__file_gone(ls_delta_snapshot_t *s, ls__drec_t *old)
{
    s->total_bytes -= (uint64_t)old->u.file.add.size;
    if (old->u.file.dv_id != NULL) {
        s->n_dv_files--;
    }
}

/* Key of a file action: canonical path + dvId, both heap copies. */
static ls_err_t ls__file_key(ls_delta_snapshot_t *s, const char *path, const ls_delta_dv_t *dv,
                             char **key, char **dv_id, ls_error_t *err)
{
    *dv_id = NULL;
    LS_TRY(ls__delta_snap_path_key(s, path, key, err));
    if (dv != NULL && (*dv_id = ls__delta_dv_id(dv)) == NULL) {
        ls_free(*key);
        return ls__nomem(err);
    }
    return LS_OK;
}

static ls_err_t ls__apply_file(ls_delta_snapshot_t *s, const ls_delta_action_t *a, ls_error_t *err)
{
    bool add = a->kind == LS_DELTA_ACT_ADD;
    char *key, *dv_id;
    LS_TRY(ls__file_key(s, add ? a->u.add.path : a->u.remove.path,
                        add ? a->u.add.dv : a->u.remove.dv, &key, &dv_id, err));
    ls__drec_t *r = ls__delta_rec_pack(a, key, dv_id);
    uint64_t h = r ? r->hash : 0;
    ls_err_t rc = LS_OK;
    if (r == NULL) {
        rc = ls__nomem(err);
    } else if (add) {
        ls__delta_rec_unref(ls__delta_map_del(&s->tombs, h, key, dv_id));
        ls__drec_t *old = ls__delta_map_get(&s->files, h, key, dv_id);
        if (old != NULL) {
            ls__file_gone(s, old);
        }
        if (s->files.n >= LS__DELTA_MAX_FILES) {
            rc = ls_error_set(err, LS_ERR_LIMIT, "more than %zu live files", LS__DELTA_MAX_FILES);
        } else if ((rc = ls__delta_map_put(&s->files, r)) != LS_OK) {
            rc = ls__nomem(err);
        } else {
            s->total_bytes += (uint64_t)a->u.add.size;
            s->n_dv_files += dv_id != NULL;
            r = NULL;
        }
    } else {
        ls__drec_t *old = ls__delta_map_del(&s->files, h, key, dv_id);
        if (old != NULL) {
            ls__file_gone(s, old);
            ls__delta_rec_unref(old);
        }
        if ((rc = ls__delta_map_put(&s->tombs, r)) != LS_OK) {
            rc = ls__nomem(err);
        } else {
            r = NULL;
        }
    }
    ls__delta_rec_unref(r);
    ls_free(key);
    ls_free(dv_id);
    return rc;
}

static ls_err_t ls__apply_keyed(ls_delta_snapshot_t *s, ls__dmap_t *m, const ls_delta_action_t *a,
                                ls_error_t *err)
{
    ls__drec_t *r = ls__delta_rec_pack(a, NULL, NULL);
    if (r == NULL) {
        return ls__nomem(err);
    }
    (void)s;
    if (a->kind == LS_DELTA_ACT_DOMAIN_METADATA && a->u.domain.removed) {
        ls__delta_rec_unref(ls__delta_map_del(m, r->hash, r->k1, NULL));
        ls__delta_rec_unref(r);
        return LS_OK;
    }
    if (ls__delta_map_put(m, r) != LS_OK) {
        ls__delta_rec_unref(r);
        return ls__nomem(err);
    }
    return LS_OK;
}

ls_err_t ls__delta_snap_apply(ls_delta_snapshot_t *s, const ls_delta_action_t *a, ls_error_t *err)
{
    ls__drec_t *r;
    switch (a->kind) {
    case LS_DELTA_ACT_ADD:
    case LS_DELTA_ACT_REMOVE: return ls__apply_file(s, a, err);
    case LS_DELTA_ACT_TXN: return ls__apply_keyed(s, &s->txns, a, err);
    case LS_DELTA_ACT_DOMAIN_METADATA: return ls__apply_keyed(s, &s->domains, a, err);
    case LS_DELTA_ACT_PROTOCOL:
    case LS_DELTA_ACT_METADATA:
        if ((r = ls__delta_rec_pack(a, NULL, NULL)) == NULL) {
            return ls__nomem(err);
        }
        if (a->kind == LS_DELTA_ACT_PROTOCOL) {
            ls__delta_rec_unref(s->protocol);
            s->protocol = r;
        } else {
            ls__delta_rec_unref(s->metadata);
            s->metadata = r;
            ls_type_free(s->schema); /* parsed again by ls__delta_snap_schema */
            s->schema = NULL;
        }
        return LS_OK;
    default: return LS_OK; /* commitInfo is the commit's business; cdc and others ignored */
    }
}

ls_err_t ls__delta_snap_schema(ls_delta_snapshot_t *s, ls_error_t *err)
{
    const ls_delta_metadata_t *m = &s->metadata->u.meta;
    if (m->schema_string == NULL) {
        return ls_error_set(err, LS_ERR_CORRUPT, "metaData (table id %s) has no schemaString",
                            m->id);
    }
    ls_type_t *t = NULL;
    ls_error_t e;
    ls_err_t rc = ls_json_parse_delta_schema(m->schema_string, strlen(m->schema_string), &t, &e);
    if (rc != LS_OK) {
        /* a type lakesink does not know (variant, void) is a feature it lacks */
        if (rc == LS_ERR_SCHEMA && strstr(e.msg, "unknown type") != NULL) {
            rc = LS_ERR_UNSUPPORTED;
        }
        return ls_error_set(err, rc, "table schema: %s", e.msg);
    }
    ls_type_free(s->schema);
    s->schema = t;
    s->schema_flags =
        ls__delta_schema_flags(m->schema_string, s->bad_widening, sizeof(s->bad_widening));
    return LS_OK;
}

ls_err_t ls__delta_snap_finish(ls_delta_snapshot_t *s, const char *what, ls_error_t *err)
{
    if (s->protocol == NULL) {
        return ls_error_set(err, LS_ERR_CORRUPT,
                            "Delta table at version %lld has no protocol action (read %s)",
                            (long long)s->version, what);
    }
    if (s->metadata == NULL) {
        return ls_error_set(err, LS_ERR_CORRUPT,
                            "Delta table at version %lld has no metaData action (read %s)",
                            (long long)s->version, what);
    }
    return s->schema != NULL ? LS_OK : ls__delta_snap_schema(s, err);
}

/* ------------------------------------------------------------------ public accessors */

ls_delta_snapshot_t *ls_delta_snapshot_clone(const ls_delta_snapshot_t *s)
{
    ls_delta_snapshot_t *c = ls_calloc(1, sizeof(*c));
    if (c == NULL) {
        return NULL;
    }
    *c = *s;
    memset(&c->files, 0, sizeof(c->files));
    memset(&c->tombs, 0, sizeof(c->tombs));
    memset(&c->txns, 0, sizeof(c->txns));
    memset(&c->domains, 0, sizeof(c->domains));
    c->root = ls_strdup(s->root);
    c->schema = s->schema ? ls_type_clone(s->schema) : NULL;
    c->commit_info = s->commit_info ? ls_strdup(s->commit_info) : NULL;
    ls__delta_rec_ref(c->protocol);
    ls__delta_rec_ref(c->metadata);
    bool ok = c->root != NULL && (s->schema == NULL || c->schema != NULL) &&
              (s->commit_info == NULL || c->commit_info != NULL);
    ok = ok && ls__delta_map_clone(&s->files, &c->files) == LS_OK;
    ok = ok && ls__delta_map_clone(&s->tombs, &c->tombs) == LS_OK;
    ok = ok && ls__delta_map_clone(&s->txns, &c->txns) == LS_OK;
    ok = ok && ls__delta_map_clone(&s->domains, &c->domains) == LS_OK;
    if (!ok) {
        ls_delta_snapshot_free(c);
        return NULL;
    }
    return c;
}

void ls_delta_snapshot_free(ls_delta_snapshot_t *s)
{
    if (s == NULL) {
        return;
    }
    ls__delta_map_free(&s->files);
    ls__delta_map_free(&s->tombs);
    ls__delta_map_free(&s->txns);
    ls__delta_map_free(&s->domains);
    ls__delta_rec_unref(s->protocol);
    ls__delta_rec_unref(s->metadata);
    ls_type_free(s->schema);
    ls_free(s->commit_info);
    ls_free(s->root);
    ls_free(s);
}

int64_t ls_delta_snapshot_version(const ls_delta_snapshot_t *s)
{
    return s->version;
}

int64_t ls_delta_snapshot_timestamp(const ls_delta_snapshot_t *s)
{
    return s->timestamp;
}

ls_store_t *ls_delta_snapshot_store(const ls_delta_snapshot_t *s)
{
    return s->st;
}

const ls_delta_protocol_t *ls_delta_snapshot_protocol(const ls_delta_snapshot_t *s)
{
    return s->protocol ? &s->protocol->u.proto : NULL;
}

const ls_delta_metadata_t *ls_delta_snapshot_metadata(const ls_delta_snapshot_t *s)
{
    return s->metadata ? &s->metadata->u.meta : NULL;
}

const ls_type_t *ls_delta_snapshot_schema(const ls_delta_snapshot_t *s)
{
    return s->schema;
}

const char *ls_delta_snapshot_config(const ls_delta_snapshot_t *s, const char *key)
{
    if (s->metadata == NULL) {
        return NULL;
    }
    const ls_delta_metadata_t *m = &s->metadata->u.meta;
    return ls__delta_kv_get(m->configuration, m->n_configuration, key);
}

const char *ls_delta_snapshot_commit_info(const ls_delta_snapshot_t *s)
{
    return s->commit_info;
}

int64_t ls_delta_snapshot_checkpoint_version(const ls_delta_snapshot_t *s)
{
    return s->cp_version;
}

void ls_delta_snapshot_note_checkpoint(ls_delta_snapshot_t *s, int64_t version)
{
    if (version > s->cp_version && version <= s->version) {
        s->cp_version = version;
    }
}

size_t ls_delta_snapshot_num_files(const ls_delta_snapshot_t *s)
{
    return s->files.n;
}

uint64_t ls_delta_snapshot_total_bytes(const ls_delta_snapshot_t *s)
{
    return s->total_bytes;
}

const ls_delta_file_t *ls_delta_snapshot_next_file(const ls_delta_snapshot_t *s, size_t *cursor)
{
    ls__drec_t *r = ls__delta_map_next(&s->files, cursor);
    return r ? &r->u.file : NULL;
}

const ls_delta_file_t *ls_delta_snapshot_find_file(const ls_delta_snapshot_t *s,
                                                   const char *decoded_path, const char *dv_id)
{
    ls__drec_t *r =
        ls__delta_map_get(&s->files, ls__delta_hash(decoded_path, dv_id), decoded_path, dv_id);
    return r ? &r->u.file : NULL;
}

size_t ls_delta_snapshot_num_tombstones(const ls_delta_snapshot_t *s)
{
    return s->tombs.n;
}

const ls_delta_remove_t *ls_delta_snapshot_next_tombstone(const ls_delta_snapshot_t *s,
                                                          size_t *cursor)
{
    ls__drec_t *r = ls__delta_map_next(&s->tombs, cursor);
    return r ? &r->u.rm : NULL;
}

bool ls_delta_snapshot_txn(const ls_delta_snapshot_t *s, const char *app_id, int64_t *version,
                           int64_t *last_updated)
{
    ls__drec_t *r = ls__delta_map_get(&s->txns, ls__delta_hash(app_id, NULL), app_id, NULL);
    if (r == NULL) {
        return false;
    }
    *version = r->u.txn.version;
    if (last_updated != NULL) {
        *last_updated = r->u.txn.has_last_updated ? r->u.txn.last_updated : -1;
    }
    return true;
}

const ls_delta_txn_t *ls_delta_snapshot_next_txn(const ls_delta_snapshot_t *s, size_t *cursor)
{
    ls__drec_t *r = ls__delta_map_next(&s->txns, cursor);
    return r ? &r->u.txn : NULL;
}

const ls_delta_domain_t *ls_delta_snapshot_domain(const ls_delta_snapshot_t *s, const char *domain)
{
    ls__drec_t *r = ls__delta_map_get(&s->domains, ls__delta_hash(domain, NULL), domain, NULL);
    return r ? &r->u.dom : NULL;
}

const ls_delta_domain_t *ls_delta_snapshot_next_domain(const ls_delta_snapshot_t *s, size_t *cursor)
{
    ls__drec_t *r = ls__delta_map_next(&s->domains, cursor);
    return r ? &r->u.dom : NULL;
}

/*
 * delta_int.h — private interfaces of the Delta log engine: packed records and their hash
 * maps, the snapshot body, log listings and the commit parser.
 *
 * Not responsible for: anything a caller outside src/delta may rely on (see delta.h).
 */
#ifndef LS_DELTA_INT_H
#define LS_DELTA_INT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "lakesink/arena.h"
#include "lakesink/buf.h"
#include "lakesink/delta.h"
#include "lakesink/io.h"

struct ls_json_value_s; /* json.h (not included: it brings columnar.h) */

#define LS__DELTA_COMPONENT "delta"
#define LS__DELTA_MAX_ACTIONS ((size_t)1 << 26) /* per commit or checkpoint JSON file */
#define LS__DELTA_MAX_LIST ((size_t)1 << 24)    /* log entries kept from one listing */
#define LS__DELTA_MAX_FILES ((size_t)1 << 30)   /* live files or tombstones per snapshot */
#define LS__DELTA_DEFAULT_COMMIT_CAP ((size_t)256 << 20)
#define LS__DELTA_LAST_CP_KEY "_delta_log/_last_checkpoint"
#define LS__DELTA_LOG_PREFIX "_delta_log/"
#define LS__WEEK_MS ((int64_t)7 * 24 * 3600 * 1000)

/* ------------------------------------------------------------------ records */

typedef enum {
    LS__REC_FILE = 1, /* u.file: a live add */
    LS__REC_TOMB,     /* u.rm: a tombstone */
    LS__REC_TXN,      /* u.txn */
    LS__REC_DOMAIN,   /* u.dom */
    LS__REC_PROTOCOL, /* u.proto */
    LS__REC_METADATA  /* u.meta */
} ls__rec_kind_t;

/*
 * One immutable action copy in a single heap block (struct, arrays and strings together).
 * Shared between snapshot clones through the atomic reference count. k1/k2 are the map key:
 * (canonical decoded path, dvId) for files and tombstones, (appId, NULL) for txns, (domain,
 * NULL) for domain metadata.
 */
typedef struct ls__drec_s {
    atomic_uint refs;
    uint32_t kind;
    uint64_t hash;
    const char *k1;
    const char *k2;
    union {
        ls_delta_file_t file;
        ls_delta_remove_t rm;
        ls_delta_txn_t txn;
        ls_delta_domain_t dom;
        ls_delta_protocol_t proto;
        ls_delta_metadata_t meta;
    } u;
} ls__drec_t;

/**
 * @brief Pack a copy of @p a (ADD, REMOVE, TXN, DOMAIN_METADATA, PROTOCOL or METADATA).
 * @param key canonical decoded path for files and tombstones (copied), else ignored.
 * @returns a record with one reference, NULL on OOM.
 */
ls__drec_t *ls__delta_rec_pack(const ls_delta_action_t *a, const char *key, const char *dv_id);
void ls__delta_rec_ref(ls__drec_t *r);
/**
 * @brief Deep copy of @p a (any kind) with every string and array in @p arena. Removes lose
 * stats and tags, as packed records do.
 */
ls_err_t ls__delta_action_copy(ls_arena_t *arena, const ls_delta_action_t *a,
                               ls_delta_action_t *out);
void ls__delta_rec_unref(ls__drec_t *r);

/** @brief 64-bit hash of (k1, k2). */
uint64_t ls__delta_hash(const char *k1, const char *k2);

/* A map slot keeps the hash next to the pointer: probes compare it without a cache miss. */
typedef struct ls__dslot_s {
    uint64_t hash;
    ls__drec_t *r; /* NULL = empty */
} ls__dslot_t;

/* Open addressing, linear probing, backward-shift deletion. Holds one reference per record. */
typedef struct ls__dmap_s {
    ls__dslot_t *slots;
    size_t cap; /* power of two, or 0 */
    size_t n;
} ls__dmap_t;

ls__drec_t *ls__delta_map_get(const ls__dmap_t *m, uint64_t hash, const char *k1, const char *k2);
/** @brief Insert @p r (taking its reference); the replaced record, if any, is unref'd. */
ls_err_t ls__delta_map_put(ls__dmap_t *m, ls__drec_t *r);
/** @brief Remove the record with this key; returns it (the caller owns that reference). */
ls__drec_t *ls__delta_map_del(ls__dmap_t *m, uint64_t hash, const char *k1, const char *k2);
/** @brief Share every record of @p src into the empty @p dst. */
ls_err_t ls__delta_map_clone(const ls__dmap_t *src, ls__dmap_t *dst);
void ls__delta_map_free(ls__dmap_t *m);
/** @brief Next record from *cursor (a slot index), NULL at the end. */
ls__drec_t *ls__delta_map_next(const ls__dmap_t *m, size_t *cursor);

/* ------------------------------------------------------------------ snapshot */

/* Schema properties that gate reading and writing (from the schema's field metadata). */
#define LS__SF_INVARIANTS 0x01u   /* delta.invariants other than "true" */
#define LS__SF_GENERATED 0x02u    /* delta.generationExpression */
#define LS__SF_IDENTITY 0x04u     /* delta.identity.* */
#define LS__SF_DEFAULTS 0x08u     /* CURRENT_DEFAULT */
#define LS__SF_COLMAP 0x10u       /* delta.columnMapping.* */
#define LS__SF_TYPE_CHANGES 0x20u /* delta.typeChanges present */
#define LS__SF_BAD_WIDENING 0x40u /* a delta.typeChanges entry lakesink cannot read */
#define LS__SF_VARIANT 0x80u      /* the schema has a variant column */

struct ls_delta_snapshot_s {
    ls_store_t *st; /* borrowed */
    char *root;            /* table root as a path or URI, for canonicalising absolute paths */
    int64_t version;
    int64_t timestamp;  /* commit timestamp of version */
    int64_t last_ict;   /* inCommitTimestamp of version, -1 when it had none */
    int64_t cp_version; /* newest known checkpoint, -1 */
    ls__drec_t *protocol;
    ls__drec_t *metadata;
    ls_type_t *schema; /* parsed metadata schemaString */
    unsigned schema_flags;
    char bad_widening[160]; /* the first unreadable type change, for the message */
    ls__dmap_t files, tombs, txns, domains;
    uint64_t total_bytes;
    size_t n_dv_files; /* live files with a deletion vector */
    char *commit_info; /* owned JSON */
    size_t max_commit_bytes;
    bool check_read; /* re-run the read check after updates */
    bool broken;
};

/** @brief Empty snapshot on @p st (version -1). NULL on OOM. */
ls_delta_snapshot_t *ls__delta_snap_new(ls_store_t *st, size_t max_commit_bytes);
/** @brief Apply one action in log order (reconciliation rules of PROTOCOL.md). */
ls_err_t ls__delta_snap_apply(ls_delta_snapshot_t *s, const ls_delta_action_t *a, ls_error_t *err);
/**
 * @brief After replay: require protocol and metaData, parse the schema, compute schema
 * flags. @p what names the replayed range for messages ("checkpoint 10 and commits 11..14").
 */
ls_err_t ls__delta_snap_finish(ls_delta_snapshot_t *s, const char *what, ls_error_t *err);
/** @brief Recompute schema, flags after a metaData change. */
ls_err_t ls__delta_snap_schema(ls_delta_snapshot_t *s, ls_error_t *err);
/** @brief Canonical key of a log path: decoded, "file:" stripped, table root stripped. */
ls_err_t ls__delta_snap_path_key(const ls_delta_snapshot_t *s, const char *path, char **key,
                                 ls_error_t *err);
/** @brief Derived deletion vector id (storageType + path + "@offset"); caller frees. */
char *ls__delta_dv_id(const ls_delta_dv_t *dv);

/* ------------------------------------------------------------------ commits */

typedef struct ls__actvec_s {
    ls_delta_action_t *v;
    size_t n, cap;
} ls__actvec_t;

ls_err_t ls__delta_actvec_push(ls__actvec_t *av, const ls_delta_action_t *a, ls_error_t *err);
void ls__delta_actvec_free(ls__actvec_t *av);

/**
 * @brief Parse every line of a commit (or JSON checkpoint) file into @p out; strings live in
 * @p arena. Blank lines are skipped; errors name @p name and the line number.
 */
ls_err_t ls__delta_commit_parse(const char *data, size_t len, const char *name, ls_arena_t *arena,
                                ls__actvec_t *out, ls_error_t *err);

/* ------------------------------------------------------------------ log listing */

typedef enum {
    LS__LOG_JSON = 1,
    LS__LOG_CP_CLASSIC,
    LS__LOG_CP_PART,
    LS__LOG_CP_UUID /* V2 UUID-named checkpoint (.json or .parquet) */
} ls__log_kind_t;

typedef struct ls__log_entry_s {
    int64_t version;
    uint8_t kind;
    bool json_format; /* CP_UUID: a .json checkpoint */
    uint32_t part, parts;
    int64_t mtime_ms;
    uint64_t size;
    char *key; /* CP_UUID only (owned) */
} ls__log_entry_t;

typedef struct ls__log_list_s {
    ls__log_entry_t *e;
    size_t n, cap;
} ls__log_list_t;

/** @brief Classify a key of `_delta_log/`; false for anything that is not a commit/checkpoint. */
bool ls__delta_log_classify(const char *key, ls__log_entry_t *out);
/** @brief List `_delta_log/` keys sorting after @p start_after (NULL = all). */
ls_err_t ls__delta_log_list(ls_store_t *st, const char *start_after, ls__log_list_t *out,
                            ls_error_t *err);
void ls__delta_log_list_free(ls__log_list_t *l);

/**
 * @brief Read commit @p version and apply it to @p s (parse everything first, so a corrupt
 * commit changes nothing). Records its commitInfo and timestamp (@p mtime_ms fallback).
 * @param actions if not NULL, receives the parsed actions (strings in @p arena).
 */
ls_err_t ls__delta_commit_apply(ls_delta_snapshot_t *s, int64_t version, int64_t mtime_ms,
                                ls_arena_t *arena, ls__actvec_t *actions, ls_error_t *err);
/** @brief Apply already parsed actions of commit @p version (commitInfo, timestamps). */
ls_err_t ls__delta_commit_apply_actions(ls_delta_snapshot_t *s, int64_t version, int64_t mtime_ms,
                                        const ls__actvec_t *av, ls_error_t *err);

/* ------------------------------------------------------------------ checkpoints */

/**
 * @brief Load the checkpoint entries @p cp[0..n) (one classic or UUID file, or every part of
 * a multi-part set in order) into @p s.
 */
ls_err_t ls__delta_ckpt_read(ls_delta_snapshot_t *s, const ls__log_entry_t *cp, size_t n,
                             ls_error_t *err);
/** @brief Read one Parquet checkpoint or sidecar file and apply its rows. */
ls_err_t ls__delta_ckpt_read_parquet(ls_delta_snapshot_t *s, const char *key,
                                     ls__actvec_t *sidecars, ls_arena_t *arena, ls_error_t *err);

/* ------------------------------------------------------------------ gating */

/** @brief Schema flags (LS__SF_*) of a schema JSON; @p bad receives a widening message. */
unsigned ls__delta_schema_flags(const char *schema_json, char *bad, size_t badlen);
/** @brief Is @p name among the features of @p p (reader list when @p reader)? */
bool ls__delta_protocol_has(const ls_delta_protocol_t *p, bool reader, const char *name);

/* ------------------------------------------------------------------ utilities */

/** @brief Milliseconds since the epoch (CLOCK_REALTIME). */
int64_t ls__delta_now_ms(void);
/** @brief Sleep @p ms milliseconds. */
void ls__delta_sleep_ms(unsigned ms);
/** @brief strdup into @p arena; NULL on OOM. */
char *ls__delta_arena_str(ls_arena_t *a, const char *s);
/** @brief Configuration value of @p key in @p m, or NULL. */
const char *ls__delta_kv_get(const ls_delta_kv_t *kv, size_t n, const char *key);
/** @brief "true" (case-insensitive) */
bool ls__delta_is_true(const char *v);

#endif

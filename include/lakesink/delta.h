/*
 * delta.h — the Delta Lake transaction log: actions, snapshots (log replay, checkpoints,
 * time travel, incremental update), protocol gating, table creation, optimistic commits
 * with conflict detection and exactly-once fencing, checkpoint writing and additive schema
 * evolution. The design note is docs/internals/delta-log.md.
 *
 * Not responsible for: data files (Parquet encoding, stats JSON, partition value text and
 * directory names belong to the table module and the Parquet writer), storage (store.h).
 *
 * Ownership rules, once for the whole header:
 *  - Action structs (ls_delta_add_t, ...) only point; whoever made them owns what they
 *    point to: the arena passed to ls_delta_action_parse, a snapshot (valid until the next
 *    call that changes that snapshot, or its free), or the caller.
 *  - Functions that take an action copy everything they keep.
 *  - A snapshot borrows its store, which must outlive it (and every clone).
 *
 * Threads: a snapshot or a transaction belongs to one thread at a time. Clones share
 * immutable file records (atomic reference counts), so a clone may go to another thread,
 * e.g. to write a checkpoint while the original keeps committing.
 */
#ifndef LAKESINK_DELTA_H
#define LAKESINK_DELTA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lakesink/arena.h"
#include "lakesink/buf.h"
#include "lakesink/error.h"
#include "lakesink/schema.h"
#include "lakesink/store.h"

#define LS_DELTA_VERSION_LATEST (-1)
/* "_delta_log/" + 20 digits + ".checkpoint.0000000001.0000000002.parquet" + NUL, rounded up */
#define LS_DELTA_KEY_MAX 96
#define LS_DELTA_DEFAULT_CHECKPOINT_INTERVAL 10

/* ------------------------------------------------------------------ actions */

typedef enum {
    LS_DELTA_ACT_UNKNOWN = 0, /* no action lakesink knows: ignored on replay */
    LS_DELTA_ACT_PROTOCOL,
    LS_DELTA_ACT_METADATA,
    LS_DELTA_ACT_ADD,
    LS_DELTA_ACT_REMOVE,
    LS_DELTA_ACT_TXN,
    LS_DELTA_ACT_COMMIT_INFO,
    LS_DELTA_ACT_DOMAIN_METADATA,
    LS_DELTA_ACT_CDC,                 /* recognised and ignored (change data files) */
    LS_DELTA_ACT_CHECKPOINT_METADATA, /* V2 checkpoints only */
    LS_DELTA_ACT_SIDECAR              /* V2 checkpoints only */
} ls_delta_action_kind_t;

/* A string map entry; value NULL is JSON null (a null partition value). */
typedef struct ls_delta_kv_s {
    const char *key;
    const char *value;
} ls_delta_kv_t;

typedef struct ls_delta_protocol_s {
    int32_t min_reader_version;
    int32_t min_writer_version;
    bool has_reader_features; /* the list is present (reader version 3) */
    bool has_writer_features; /* the list is present (writer version 7) */
    size_t n_reader_features;
    const char *const *reader_features;
    size_t n_writer_features;
    const char *const *writer_features;
} ls_delta_protocol_t;

typedef struct ls_delta_metadata_s {
    const char *id;
    const char *name;        /* NULL when absent */
    const char *description; /* NULL when absent */
    const char *format_provider;
    size_t n_format_options;
    const ls_delta_kv_t *format_options;
    const char *schema_string; /* the table schema JSON (NULL if the log lacks it) */
    size_t n_partition_columns;
    const char *const *partition_columns;
    size_t n_configuration;
    const ls_delta_kv_t *configuration;
    bool has_created_time;
    int64_t created_time; /* ms since the epoch */
} ls_delta_metadata_t;

/* Deletion vector descriptor: kept so the (path, dvId) key and checkpoints are exact. */
typedef struct ls_delta_dv_s {
    char storage_type; /* 'u', 'i' or 'p' */
    const char *path_or_inline_dv;
    bool has_offset;
    int32_t offset;
    int32_t size_in_bytes;
    int64_t cardinality;
    bool has_max_row_index;
    int64_t max_row_index;
} ls_delta_dv_t;

typedef struct ls_delta_add_s {
    const char *path; /* as in the log: a relative path or URI, RFC 2396 percent-encoded */
    size_t n_partition_values;
    const ls_delta_kv_t *partition_values; /* every partition column; value NULL = null */
    int64_t size;
    int64_t modification_time; /* ms since the epoch */
    bool data_change;
    const char *stats; /* the raw stats JSON text, NULL when absent */
    bool has_tags;
    size_t n_tags;
    const ls_delta_kv_t *tags;
    const ls_delta_dv_t *dv; /* NULL when the file has no deletion vector */
    bool has_base_row_id;
    int64_t base_row_id;
    bool has_default_row_commit_version;
    int64_t default_row_commit_version;
    const char *clustering_provider; /* NULL when absent */
} ls_delta_add_t;

typedef struct ls_delta_remove_s {
    const char *path; /* percent-encoded, as in the log */
    bool has_deletion_timestamp;
    int64_t deletion_timestamp; /* ms since the epoch */
    bool data_change;
    bool has_extended_file_metadata;
    bool extended_file_metadata;
    bool has_partition_values;
    size_t n_partition_values;
    const ls_delta_kv_t *partition_values;
    bool has_size;
    int64_t size;
    const char *stats; /* commit files only; never written to checkpoints */
    bool has_tags;
    size_t n_tags;
    const ls_delta_kv_t *tags; /* commit files only */
    const ls_delta_dv_t *dv;
    bool has_base_row_id;
    int64_t base_row_id;
    bool has_default_row_commit_version;
    int64_t default_row_commit_version;
} ls_delta_remove_t;

/* The `txn` action (Delta's SetTransaction): an application's committed position. */
typedef struct ls_delta_txn_s {
    const char *app_id;
    int64_t version;
    bool has_last_updated;
    int64_t last_updated; /* ms since the epoch */
} ls_delta_txn_t;

/* commitInfo is free-form: kept as its JSON text, plus the few fields lakesink reads. */
typedef struct ls_delta_commit_info_s {
    const char *json; /* the commitInfo object, compact JSON */
    bool has_timestamp;
    int64_t timestamp;
    bool has_in_commit_timestamp;
    int64_t in_commit_timestamp;
    const char *operation; /* NULL when absent */
} ls_delta_commit_info_t;

typedef struct ls_delta_domain_s {
    const char *domain;
    const char *configuration;
    bool removed;
} ls_delta_domain_t;

typedef struct ls_delta_sidecar_s {
    const char *path; /* percent-encoded, relative to _delta_log/_sidecars/ */
    int64_t size_in_bytes;
    int64_t modification_time;
} ls_delta_sidecar_t;

typedef struct ls_delta_action_s {
    ls_delta_action_kind_t kind;
    union {
        ls_delta_protocol_t protocol;
        ls_delta_metadata_t metadata;
        ls_delta_add_t add;
        ls_delta_remove_t remove;
        ls_delta_txn_t txn;
        ls_delta_commit_info_t commit_info;
        ls_delta_domain_t domain;
        ls_delta_sidecar_t sidecar;
        int64_t checkpoint_version; /* CHECKPOINT_METADATA */
    } u;
} ls_delta_action_t;

/**
 * @brief Parse one line of a commit file (one JSON object holding one action).
 * Unknown actions and unknown fields are ignored (kind LS_DELTA_ACT_UNKNOWN for a line with
 * no known action); a line holding two known actions, a required field that is missing or
 * has the wrong JSON type, or a string containing NUL is LS_ERR_CORRUPT. Paths are kept
 * percent-encoded (see ls_delta_path_decode).
 * @param arena receives every string and array @p out points to.
 * @returns LS_OK, LS_ERR_PARSE (bad JSON; the message has the byte offset),
 *          LS_ERR_CORRUPT, LS_ERR_NOMEM.
 */
ls_err_t ls_delta_action_parse(const char *line, size_t len, ls_arena_t *arena,
                               ls_delta_action_t *out, ls_error_t *err);

/**
 * @brief Append @p a as one line of compact JSON (no newline) in the field order Spark
 * writes. commitInfo is written from its json text. CDC, checkpointMetadata, sidecar and
 * unknown actions cannot be written (LS_ERR_UNSUPPORTED).
 */
ls_err_t ls_delta_action_write(const ls_delta_action_t *a, ls_buf_t *out, ls_error_t *err);

/**
 * @brief RFC 2396 percent-decoding of a log path ("a%20b" -> "a b"; '+' stays '+').
 * @param out receives a NUL-terminated copy the caller frees with ls_free.
 * @returns LS_ERR_CORRUPT for a malformed escape or an encoded NUL.
 */
ls_err_t ls_delta_path_decode(const char *path, char **out, ls_error_t *err);

/** @brief `_delta_log/%020lld.json` into @p out (LS_DELTA_KEY_MAX bytes). */
void ls_delta_commit_key(int64_t version, char out[LS_DELTA_KEY_MAX]);

/* ------------------------------------------------------------------ snapshots */

typedef struct ls_delta_snapshot_s ls_delta_snapshot_t;

typedef enum {
    LS_DELTA_AT_LATEST = 0,
    LS_DELTA_AT_VERSION,  /* opts.version */
    LS_DELTA_AT_TIMESTAMP /* opts.timestamp_ms: the newest version committed at or before it */
} ls_delta_at_t;

typedef struct ls_delta_load_opts_s {
    ls_delta_at_t at;
    int64_t version;
    int64_t timestamp_ms;
    /* Load even when the table needs a reader feature lakesink cannot honour (deletion
     * vectors, column mapping, ...): for metadata-only uses such as `table info`. */
    bool skip_read_check;
    size_t max_commit_bytes; /* cap on one commit or checkpoint JSON file (256 MiB) */
} ls_delta_load_opts_t;

/* One live data file of a snapshot: the reconciled add action plus derived keys. */
typedef struct ls_delta_file_s {
    ls_delta_add_t add;
    const char *decoded_path; /* add.path percent-decoded: a store key, or an absolute URI/path
                                 when the file lives outside the table root */
    const char *dv_id;        /* deletion vector unique id, NULL without one */
} ls_delta_file_t;

/** @brief Defaults: latest version, read check on, 256 MiB commit cap. */
void ls_delta_load_opts_init(ls_delta_load_opts_t *o);

/**
 * @brief Reconstruct the table state at the requested version: newest complete checkpoint
 * at or before it (found through `_last_checkpoint`, or by listing `_delta_log/` when that
 * file is missing, corrupt or stale), then the JSON commits after it, which must be
 * contiguous. Time travel by timestamp uses each commit's inCommitTimestamp when present,
 * else the commit file's modification time (made monotonic); see docs/internals/delta-log.md.
 * @param st borrowed; must outlive the snapshot.
 * @param opts NULL for the defaults.
 * @param out receives the snapshot (caller frees with ls_delta_snapshot_free).
 * @returns LS_ERR_NOT_FOUND (no table, or no such version/timestamp), LS_ERR_CORRUPT (a
 * version gap naming the missing version, no protocol or metaData, malformed actions naming
 * the file and line), LS_ERR_UNSUPPORTED (a reader feature or protocol version lakesink
 * cannot read, naming it), I/O errors from the store.
 */
ls_err_t ls_delta_snapshot_load(ls_store_t *st, const ls_delta_load_opts_t *opts,
                                ls_delta_snapshot_t **out, ls_error_t *err);

/**
 * @brief Advance @p s to the latest version by applying only the commits newer than its
 * version (one listing plus one read per new commit). A time-travel snapshot moves to the
 * latest version too.
 * @param changed may be NULL; set when at least one commit was applied.
 * Each commit applies whole or not at all: after an error (a gap, a corrupt commit) the
 * snapshot stays usable at the last version it reached. It is marked broken (every later
 * call returns LS_ERR_STATE; free and reload it) only when memory ran out in the middle of
 * a commit, or a new metaData/protocol cannot be parsed or read.
 */
ls_err_t ls_delta_snapshot_update(ls_delta_snapshot_t *s, bool *changed, ls_error_t *err);

/** @brief Independent copy sharing the immutable file records; NULL on OOM. */
ls_delta_snapshot_t *ls_delta_snapshot_clone(const ls_delta_snapshot_t *s);

/** @brief Free a snapshot. NULL is fine. */
void ls_delta_snapshot_free(ls_delta_snapshot_t *s);

/** @brief Table version the snapshot shows. */
int64_t ls_delta_snapshot_version(const ls_delta_snapshot_t *s);
/** @brief Commit timestamp (ms) of that version, by the time-travel rule. */
int64_t ls_delta_snapshot_timestamp(const ls_delta_snapshot_t *s);
/** @brief Store the snapshot reads (borrowed). */
ls_store_t *ls_delta_snapshot_store(const ls_delta_snapshot_t *s);
/** @brief The protocol action in force (owned by the snapshot). */
const ls_delta_protocol_t *ls_delta_snapshot_protocol(const ls_delta_snapshot_t *s);
/** @brief The metaData action in force (owned by the snapshot). */
const ls_delta_metadata_t *ls_delta_snapshot_metadata(const ls_delta_snapshot_t *s);
/** @brief The parsed table schema, a STRUCT (owned by the snapshot). */
const ls_type_t *ls_delta_snapshot_schema(const ls_delta_snapshot_t *s);
/** @brief Table property @p key from metaData.configuration, or NULL. */
const char *ls_delta_snapshot_config(const ls_delta_snapshot_t *s, const char *key);
/** @brief commitInfo JSON of the snapshot's own version, NULL when that commit had none. */
const char *ls_delta_snapshot_commit_info(const ls_delta_snapshot_t *s);
/** @brief Newest checkpoint version known to the snapshot, -1 when none. */
int64_t ls_delta_snapshot_checkpoint_version(const ls_delta_snapshot_t *s);

/** @brief Number of live files. */
size_t ls_delta_snapshot_num_files(const ls_delta_snapshot_t *s);
/** @brief Sum of the live files' sizes in bytes. */
uint64_t ls_delta_snapshot_total_bytes(const ls_delta_snapshot_t *s);
/**
 * @brief Iterate over live files in no particular order: start with *cursor = 0; NULL at
 * the end. Records stay valid until the snapshot changes (update, commit, free).
 */
const ls_delta_file_t *ls_delta_snapshot_next_file(const ls_delta_snapshot_t *s, size_t *cursor);
/** @brief Live file by decoded path (and dvId, NULL for none), or NULL. */
const ls_delta_file_t *ls_delta_snapshot_find_file(const ls_delta_snapshot_t *s,
                                                   const char *decoded_path, const char *dv_id);
/** @brief Number of tombstones (remove actions kept for VACUUM). */
size_t ls_delta_snapshot_num_tombstones(const ls_delta_snapshot_t *s);
/** @brief Iterate over tombstones, like ls_delta_snapshot_next_file. */
const ls_delta_remove_t *ls_delta_snapshot_next_tombstone(const ls_delta_snapshot_t *s,
                                                          size_t *cursor);
/**
 * @brief Latest txn version recorded for @p app_id.
 * @returns true and sets *version (and *last_updated, -1 when unknown; may be NULL) when
 * the application has a txn in the snapshot.
 */
bool ls_delta_snapshot_txn(const ls_delta_snapshot_t *s, const char *app_id, int64_t *version,
                           int64_t *last_updated);
/** @brief Iterate over txn actions (one per appId), like ls_delta_snapshot_next_file. */
const ls_delta_txn_t *ls_delta_snapshot_next_txn(const ls_delta_snapshot_t *s, size_t *cursor);
/** @brief Live (not removed) domain metadata for @p domain, or NULL. */
const ls_delta_domain_t *ls_delta_snapshot_domain(const ls_delta_snapshot_t *s, const char *domain);
/** @brief Iterate over live domain metadata, like ls_delta_snapshot_next_file. */
const ls_delta_domain_t *ls_delta_snapshot_next_domain(const ls_delta_snapshot_t *s,
                                                       size_t *cursor);

/* ------------------------------------------------------------------ protocol gating */

/**
 * @brief Can lakesink read this table? Checks protocol versions (reader <= 3), reader
 * features (timestampNtz, vacuumProtocolCheck, v2Checkpoint, typeWidening with integer
 * and float widenings only; deletionVectors only while no live file has a deletion vector;
 * columnMapping only with mode none) and column mapping on legacy reader version 2.
 * @returns LS_OK or LS_ERR_UNSUPPORTED naming the feature and why.
 */
ls_err_t ls_delta_check_read(const ls_delta_snapshot_t *s, ls_error_t *err);

/**
 * @brief Can lakesink write (append, compact, evolve) this table? Read check first, then
 * writer versions (<= 7) and every writer feature, explicit (writer version 7) or implied
 * by a legacy writer version: refuses column mapping, deletion vectors, row tracking,
 * identity columns, clustering, Iceberg compatibility, catalog-managed tables, unknown
 * features; generated columns, default values, CHECK constraints and invariants are
 * refused while the table uses any (we do not evaluate SQL expressions).
 * @returns LS_OK or LS_ERR_UNSUPPORTED naming the feature.
 */
ls_err_t ls_delta_check_write(const ls_delta_snapshot_t *s, ls_error_t *err);

/* ------------------------------------------------------------------ schema evolution */

#define LS_DELTA_MERGE_ALLOW_WIDENING 1u /* allow integer/float widening (typeWidening) */

typedef struct ls_delta_schema_merge_s {
    char *schema_string; /* merged schema JSON; owned (ls_delta_schema_merge_free) */
    ls_type_t *schema;   /* merged schema; owned */
    bool changed;        /* differs from the table schema */
    bool widened;        /* at least one type was widened (needs the typeWidening feature) */
} ls_delta_schema_merge_t;

/**
 * @brief Additive merge of @p incoming into the table schema @p table_schema_json: new
 * columns (also nested struct fields, inside arrays and maps too) are appended as nullable;
 * with LS_DELTA_MERGE_ALLOW_WIDENING byte->short->integer->long and float->double widen the
 * column (recorded in its `delta.typeChanges` metadata); a narrower incoming type is
 * accepted as is. Field metadata of the table schema is preserved.
 * @param out filled on success (free with ls_delta_schema_merge_free).
 * @returns LS_ERR_SCHEMA naming the incompatible field (type change, name differing only
 * in case, map key change).
 */
ls_err_t ls_delta_schema_merge(const char *table_schema_json, const ls_type_t *incoming,
                               unsigned flags, ls_delta_schema_merge_t *out, ls_error_t *err);

/** @brief Free what a merge result owns (the struct itself is the caller's). */
void ls_delta_schema_merge_free(ls_delta_schema_merge_t *m);

/* ------------------------------------------------------------------ create and commit */

typedef struct ls_delta_create_opts_s {
    const ls_type_t *schema; /* STRUCT; borrowed */
    size_t n_partition_columns;
    const char *const *partition_columns; /* top-level primitive columns */
    size_t n_configuration;
    const ls_delta_kv_t *configuration; /* table properties (delta.appendOnly, ...) */
    const char *name;                   /* NULL for none */
    const char *description;            /* NULL for none */
} ls_delta_create_opts_t;

/**
 * @brief Create a table: version 0 with protocol {1,2} (or {3,7} with `timestampNtz` when
 * the schema has timestamp_ntz; writer 7 lists `inCommitTimestamp` when
 * delta.enableInCommitTimestamps is true), metaData (random UUID id) and commitInfo.
 * Table properties that need features lakesink cannot write are refused.
 * @param out may be NULL; else receives the version 0 snapshot (caller frees).
 * @returns LS_ERR_EXISTS when a version 0 already exists, LS_ERR_SCHEMA or LS_ERR_CONFIG
 * for a bad schema, partitioning or property.
 */
ls_err_t ls_delta_table_create(ls_store_t *st, const ls_delta_create_opts_t *opts,
                               ls_delta_snapshot_t **out, ls_error_t *err);

typedef struct ls_delta_tx_s ls_delta_tx_t;

typedef struct ls_delta_tx_opts_s {
    const char *operation;            /* commitInfo.operation; default "WRITE" */
    const char *operation_parameters; /* JSON object text; NULL for {"mode":"Append"} */
    unsigned max_attempts;            /* put-if-absent attempts, >= 1 (default 10) */
    unsigned backoff_base_ms;         /* sleep before retry n: rand[0, min(cap, base*2^n)) (10) */
    unsigned backoff_cap_ms;          /* (default 1000) */
    int64_t now_ms;                   /* clock for timestamps; 0 = the real clock (tests set it) */
} ls_delta_tx_opts_t;

/* What a commit did. Pointers are owned by the transaction (valid until ls_delta_tx_free). */
typedef struct ls_delta_commit_result_s {
    int64_t version;   /* the committed version (LS_OK), else -1 */
    unsigned attempts; /* put-if-absent attempts made */
    /* LS_ERR_EXISTS: the appIds whose position another writer already committed, with the
     * version found in the table. Their rows are in the table: drop the files holding them
     * and seek those partitions to version + 1. */
    size_t n_fenced;
    const ls_delta_txn_t *fenced;
} ls_delta_commit_result_t;

/** @brief Defaults for @p o. */
void ls_delta_tx_opts_init(ls_delta_tx_opts_t *o);

/**
 * @brief Start a transaction on @p s (which it borrows and, on commit, advances).
 * Runs ls_delta_check_write first.
 * @param opts NULL for the defaults (strings are copied).
 */
ls_err_t ls_delta_tx_new(ls_delta_snapshot_t *s, const ls_delta_tx_opts_t *opts,
                         ls_delta_tx_t **out, ls_error_t *err);

/**
 * @brief Add a data file. @p add is copied; its path must already be percent-encoded and
 * its partition values must name exactly the table's partition columns.
 */
ls_err_t ls_delta_tx_add(ls_delta_tx_t *tx, const ls_delta_add_t *add, ls_error_t *err);

/**
 * @brief Remove a live file (compaction). @p rm is copied. A remove with data_change on an
 * append-only table (delta.appendOnly=true) is LS_ERR_STATE.
 * @returns LS_ERR_NOT_FOUND when the snapshot has no such live file.
 */
ls_err_t ls_delta_tx_remove(ls_delta_tx_t *tx, const ls_delta_remove_t *rm, ls_error_t *err);

/** @brief Record application position @p version for @p app_id in the same commit. */
ls_err_t ls_delta_tx_set_txn(ls_delta_tx_t *tx, const char *app_id, int64_t version,
                             ls_error_t *err);

/** @brief Write a domainMetadata action (user domains only: "delta.*" is refused). */
ls_err_t ls_delta_tx_set_domain(ls_delta_tx_t *tx, const char *domain, const char *configuration,
                                bool removed, ls_error_t *err);

/**
 * @brief Evolve the schema: merge @p incoming into the table schema (ls_delta_schema_merge)
 * and, when it changes, commit a metaData update (and, after a widening, the protocol
 * upgrade to reader 3 / writer 7 with `typeWidening`, and delta.enableTypeWidening=true).
 * @param changed may be NULL.
 */
ls_err_t ls_delta_tx_evolve_schema(ls_delta_tx_t *tx, const ls_type_t *incoming, unsigned flags,
                                   bool *changed, ls_error_t *err);

/**
 * @brief Commit: write `_delta_log/<v>.json` with put-if-absent at the snapshot's version
 * + 1. When the version is taken, the winning commits are read and applied to the snapshot:
 *  - a winner that changed protocol or metaData, removed a file this commit removes, or
 *    wrote one of this commit's domains -> LS_ERR_CONFLICT (message says which commit and
 *    why); re-validate against the (now updated) snapshot and build a new transaction;
 *  - a winner with a txn for one of this commit's appIds (any version: another writer
 *    committed rows of that partition after our read) -> LS_ERR_EXISTS with res->fenced;
 *  - otherwise the same actions are retried at the next version, with backoff, at most
 *    opts.max_attempts times (then LS_ERR_CONFLICT, retriable).
 * A txn already in the snapshot at or beyond ours is reported the same way before writing.
 * On success the snapshot is advanced to the new version without reading the log again.
 * A transaction commits at most once; after an error it can only be freed.
 * @param res may be NULL.
 */
ls_err_t ls_delta_tx_commit(ls_delta_tx_t *tx, ls_delta_commit_result_t *res, ls_error_t *err);

/** @brief Free a transaction (committed or not). NULL is fine. */
void ls_delta_tx_free(ls_delta_tx_t *tx);

/* ------------------------------------------------------------------ checkpoints */

typedef struct ls_delta_checkpoint_info_s {
    int64_t version;
    int64_t size;           /* actions (rows) in the checkpoint */
    uint64_t size_in_bytes; /* checkpoint file size */
    int64_t num_add_files;
} ls_delta_checkpoint_info_t;

/**
 * @brief Write a classic checkpoint of @p s: `_delta_log/<v>.checkpoint.parquet` (protocol,
 * metaData, live adds with stats as JSON text, unexpired tombstones, txns, domain metadata;
 * rows sorted, so the file is deterministic and a plain put), then `_last_checkpoint`
 * unless it already names a newer version. Tombstones older than
 * delta.deletedFileRetentionDuration (default 1 week) are dropped, and txns older than
 * delta.setTransactionRetentionDuration when that property is set. Reads only @p s (call
 * it on a clone from any thread).
 * @param now_ms clock for the expirations; 0 = the real clock.
 * @param info may be NULL.
 */
ls_err_t ls_delta_checkpoint_write(const ls_delta_snapshot_t *s, int64_t now_ms,
                                   ls_delta_checkpoint_info_t *info, ls_error_t *err);

/** @brief Record that a checkpoint for @p version exists (after writing one on a clone). */
void ls_delta_snapshot_note_checkpoint(ls_delta_snapshot_t *s, int64_t version);

/**
 * @brief Policy: true when the snapshot is at least delta.checkpointInterval (default 10)
 * versions past the newest checkpoint it knows (version 0 counting as one).
 */
bool ls_delta_checkpoint_due(const ls_delta_snapshot_t *s);

/**
 * @brief Parse a Spark interval property value ("interval 1 week", "7 days",
 * "interval 2 days 12 hours") into milliseconds. Units: week, day, hour, minute, second,
 * millisecond, microsecond (singular or plural); months and years are refused (not fixed).
 * @returns LS_ERR_CONFIG on anything else.
 */
ls_err_t ls_delta_parse_interval(const char *text, int64_t *ms, ls_error_t *err);

#endif

/*
 * conf.h — the lakesink daemon configuration: one YAML file parsed into a typed tree.
 *
 * Responsible for: the key table (every key's YAML path, type, default, bounds and doc),
 * `${ENV}` / `${ENV:-default}` interpolation, validation that reports every problem with
 * its YAML path, the normalised JSON form (secrets masked) and the generated reference
 * documentation (docs/configuration.md).
 * Not responsible for: acting on the settings (the daemon does) or checking that brokers,
 * buckets or tables are reachable (that needs the network; check-config is offline).
 *
 * Ownership: an ls_conf_t returned by ls_conf_load_* owns every string, list and map it
 * points to; ls_conf_free releases all of it. Diagnostics (ls_conf_diags_t) are owned by
 * the caller's struct and released with ls_conf_diags_free.
 */
#ifndef LAKESINK_CONF_H
#define LAKESINK_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lakesink/buf.h"
#include "lakesink/error.h"

#define LS_CONF_MAX_BYTES (1u << 20) /* largest config file accepted */
#define LS_CONF_MAX_TOPICS 256
#define LS_CONF_MAX_DIAGS 200 /* further problems are counted, not stored */
#define LS_CONF_DIAG_MAX 320

typedef enum {
    LS_CONF_STRING = 0,
    LS_CONF_INT,      /* signed 64-bit integer */
    LS_CONF_BOOL,     /* true/false (also yes/no, on/off) */
    LS_CONF_SIZE,     /* bytes: 123, 64K, 128M, 2G (powers of 1024) */
    LS_CONF_DURATION, /* milliseconds: 250ms, 30s, 5m, 1h, 1d; a bare number is seconds */
    LS_CONF_ENUM,     /* one of a fixed set of words, stored as the word */
    LS_CONF_LIST,     /* YAML sequence of strings */
    LS_CONF_MAP       /* YAML mapping of string to scalar, passed through */
} ls_conf_type_t;

/* A list of strings (owned by the enclosing ls_conf_t). */
typedef struct ls_conf_list_s {
    char **items;
    size_t n;
} ls_conf_list_t;

typedef struct ls_conf_pair_s {
    char *key;
    char *value;
} ls_conf_pair_t;

/* A string map in file order (owned by the enclosing ls_conf_t). */
typedef struct ls_conf_map_s {
    ls_conf_pair_t *items;
    size_t n;
} ls_conf_map_t;

/* One entry of `topics:`: a Kafka topic and the Delta table it lands in. */
typedef struct ls_conf_topic_s {
    char *name;        /* the key under topics: */
    char *kafka_topic; /* topics.*.kafka-topic */
    char *schema_file; /* topics.*.schema-file, or NULL */
    char *table_name;  /* topics.*.destination.table-name, or NULL */
    char *table_uri;   /* always set after a successful load: given or s3://bucket/path */
    char *bucket;      /* NULL unless destination.bucket was given */
    char *path;        /* NULL unless destination.path was given */
    ls_conf_list_t partition_columns;
    int64_t checkpoint_interval;
    char *compression; /* "zstd", "snappy", "gzip" or "none" */
    int64_t compression_level; /* 0: the codec's lakesink default */
    int64_t target_file_size;
    bool schema_evolution;
    int64_t batch_size;
    int64_t flush_interval_ms;
    int64_t max_retries;
    char *format;                   /* "json" */
    char *route_field;              /* route.field, or NULL: every message of the topic */
    ls_conf_list_t route_values;    /* route.values */
    ls_conf_list_t metadata_columns; /* subset of _kafka_topic, _kafka_partition, ... */
    ls_conf_map_t renames;          /* transforms.rename: JSON field -> column */
    ls_conf_list_t drops;           /* transforms.drop: JSON fields ignored */
    ls_conf_map_t statics;          /* transforms.static: column -> string value */
    ls_conf_map_t derived;          /* transforms.derive: column -> expression */
    int64_t max_open_files;
    int64_t max_message_bytes;
    char *unknown_fields; /* "evolve", "dead-letter" or "count" (default from schema evolution) */
} ls_conf_topic_t;

typedef struct ls_conf_s {
    char *app_id; /* defaults to kafka.group-id */
    char *brokers;
    char *group_id;
    ls_conf_map_t kafka_properties; /* librdkafka properties, verbatim */
    char *http_listen;
    int64_t memory_budget;
    char *dlq_topic; /* NULL: no dead-letter topic */
    char *log_level; /* "debug", "info", "warn" or "error" */
    char *starting_offsets; /* "earliest" or "latest": partitions with no txn in the table */
    int64_t shutdown_timeout_ms;
    int64_t workers; /* decode threads; 0 = one per core */
    ls_conf_topic_t *topics;
    size_t ntopics;
} ls_conf_t;

/* One problem found in a config file. line/column are 1-based; 0 when unknown. */
typedef struct ls_conf_diag_s {
    size_t line, column;
    char msg[LS_CONF_DIAG_MAX]; /* "topics.orders.destination.table-uri: missing" */
} ls_conf_diag_t;

typedef struct ls_conf_diags_s {
    ls_conf_diag_t *items; /* owned; ls_conf_diags_free */
    size_t n;
    size_t dropped; /* problems beyond LS_CONF_MAX_DIAGS */
} ls_conf_diags_t;

/* One row of the key table (read-only, static). */
typedef struct ls_conf_key_s {
    const char *path; /* "topics.*.processing.batch-size" */
    ls_conf_type_t type;
    size_t offset;     /* into ls_conf_t, or ls_conf_topic_t for topics.* keys */
    const char *def;   /* default in the key's own syntax, or NULL */
    int64_t min, max;  /* INT, SIZE, DURATION (ms) bounds */
    const char *words; /* ENUM: "a|b|c" */
    unsigned flags;    /* LS_CONF_F_* */
    const char *doc;   /* one line */
} ls_conf_key_t;

#define LS_CONF_F_REQUIRED 1u

/** @brief The key table and its length (static storage). */
const ls_conf_key_t *ls_conf_keys(size_t *n);

/**
 * @brief Parse and validate a YAML config held in memory.
 * @param text the YAML bytes (need not be NUL-terminated), at most LS_CONF_MAX_BYTES.
 * @param source name for messages (file path); may be NULL.
 * @param out receives the config on success (caller owns it, ls_conf_free); NULL on failure.
 * @param diags if not NULL, receives every problem found (caller frees with ls_conf_diags_free).
 * @param err receives the first problem and how many more there are.
 * @returns LS_OK; LS_ERR_CONFIG when the file is invalid (malformed YAML included);
 *          LS_ERR_NOMEM; LS_ERR_LIMIT when the text is too large.
 */
ls_err_t ls_conf_load_buf(const char *text, size_t len, const char *source, ls_conf_t **out,
                          ls_conf_diags_t *diags, ls_error_t *err);

/**
 * @brief Read @p path and parse it as ls_conf_load_buf does.
 * @returns as ls_conf_load_buf, plus LS_ERR_IO when the file cannot be read.
 */
ls_err_t ls_conf_load_file(const char *path, ls_conf_t **out, ls_conf_diags_t *diags,
                           ls_error_t *err);

/** @brief Release @p conf and everything it owns. NULL is fine. */
void ls_conf_free(ls_conf_t *conf);

/** @brief Release the diagnostics array and zero @p d. NULL is fine. */
void ls_conf_diags_free(ls_conf_diags_t *d);

/**
 * @brief Append the normalised config as one JSON object (every key, defaults filled in,
 * durations in ms, sizes in bytes); values of keys named like password/secret/sasl are
 * replaced by "***".
 * @returns LS_OK or the buffer's error (LS_ERR_NOMEM, LS_ERR_LIMIT).
 */
ls_err_t ls_conf_to_json(const ls_conf_t *conf, ls_buf_t *out);

/** @brief Append the markdown reference (docs/configuration.md) generated from the table. */
ls_err_t ls_conf_docs_markdown(ls_buf_t *out);

/** @brief True when a key name looks like it holds a secret (password, secret, sasl). */
bool ls_conf_is_secret(const char *key);

#endif

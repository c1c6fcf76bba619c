/*
 * conf_table.c — the table of every configuration key, the scalar syntaxes (sizes,
 * durations, booleans, enums), and the reference documentation generated from the table.
 *
 * Not responsible for: reading YAML or walking it (conf_load.c), JSON output (conf_json.c).
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf_int.h"
#include "lakesink/alloc.h"

#define R(f) offsetof(ls_conf_t, f)
#define T(f) offsetof(ls_conf_topic_t, f)
#define KB 1024LL
#define MB (1024LL * 1024)
#define GB (1024LL * 1024 * 1024)
#define SEC 1000LL
#define DAY (86400LL * 1000)

static const ls_conf_key_t ls__keys[] = {
    {"app-id", LS_CONF_STRING, R(app_id), NULL, 0, 0, NULL, 0,
     "Identity of this deployment in Delta txn actions (default: kafka.group-id)."},
    {"kafka.brokers", LS_CONF_STRING, R(brokers), NULL, 0, 0, NULL, LS_CONF_F_REQUIRED,
     "Bootstrap brokers, host:port[,host:port...]."},
    {"kafka.group-id", LS_CONF_STRING, R(group_id), "lakesink", 0, 0, NULL, 0,
     "Kafka consumer group."},
    {"kafka.properties", LS_CONF_MAP, R(kafka_properties), NULL, 0, 0, NULL, 0,
     "librdkafka properties passed through verbatim (security.protocol, sasl.*, ...)."},
    {"http.listen", LS_CONF_STRING, R(http_listen), "127.0.0.1:8081", 0, 0, NULL, 0,
     "Address of /healthz, /readyz, /metrics and /status."},
    {"memory.budget", LS_CONF_SIZE, R(memory_budget), "256M", 16 * MB, 1024 * GB, NULL, 0,
     "Memory for buffered rows across all tables; reaching it applies back-pressure."},
    {"dlq.topic", LS_CONF_STRING, R(dlq_topic), NULL, 0, 0, NULL, 0,
     "Kafka topic for messages that cannot be written (unset: no dead-letter topic)."},
    {"log.level", LS_CONF_ENUM, R(log_level), "info", 0, 0, "debug|info|warn|error", 0,
     "Least severe level logged."},
    {"kafka.starting-offsets", LS_CONF_ENUM, R(starting_offsets), "earliest", 0, 0,
     "earliest|latest", 0,
     "Where a partition starts when no table holds a position for it (afterwards the tables' txn "
     "actions decide; Kafka's committed offsets are never trusted)."},
    {"shutdown-timeout", LS_CONF_DURATION, R(shutdown_timeout_ms), "30s", 1 * SEC, DAY, NULL, 0,
     "On SIGTERM/SIGINT: longest time to flush, commit and leave the group before exiting."},
    {"workers", LS_CONF_INT, R(workers), "0", 0, 64, NULL, 0,
     "Decode and encode threads (0: one per core)."},
    {"topics.*.kafka-topic", LS_CONF_STRING, T(kafka_topic), NULL, 0, 0, NULL, LS_CONF_F_REQUIRED,
     "Kafka topic to consume; a name starting with ^ is a regular expression (POSIX extended) "
     "matching several topics."},
    {"topics.*.format", LS_CONF_ENUM, T(format), "json", 0, 0, "json", 0,
     "Message value format: one JSON object per message."},
    {"topics.*.route.field", LS_CONF_STRING, T(route_field), NULL, 0, 0, NULL, 0,
     "Route by a top-level field: this table takes only messages whose field is in route.values "
     "(entries may share a kafka-topic; a message no entry takes goes to the dead-letter topic)."},
    {"topics.*.route.values", LS_CONF_LIST, T(route_values), NULL, 0, 0, NULL, 0,
     "Field values (as text) routed to this table."},
    {"topics.*.metadata-columns", LS_CONF_LIST, T(metadata_columns), NULL, 0, 0, NULL, 0,
     "Kafka metadata columns to add: _kafka_topic, _kafka_partition, _kafka_offset, "
     "_kafka_timestamp, _kafka_key, _kafka_headers."},
    {"topics.*.transforms.rename", LS_CONF_MAP, T(renames), NULL, 0, 0, NULL, 0,
     "Top-level JSON field -> column name."},
    {"topics.*.transforms.drop", LS_CONF_LIST, T(drops), NULL, 0, 0, NULL, 0,
     "Top-level JSON fields to ignore (not counted as unknown)."},
    {"topics.*.transforms.static", LS_CONF_MAP, T(statics), NULL, 0, 0, NULL, 0,
     "Column -> constant string value added to every row."},
    {"topics.*.transforms.derive", LS_CONF_MAP, T(derived), NULL, 0, 0, NULL, 0,
     "Column -> expression over a timestamp field: year(f), month(f), day(f), hour(f), date(f) "
     "(optionally with a zone: day(f, Europe/Paris)), cob_date(f, 17:00, America/New_York[, "
     "weekdays])."},
    {"topics.*.schema-file", LS_CONF_STRING, T(schema_file), NULL, 0, 0, NULL, 0,
     "JSON Schema file declaring the table's columns (unset: existing table or inference)."},
    {"topics.*.destination.table-uri", LS_CONF_STRING, T(table_uri), NULL, 0, 0, NULL, 0,
     "Delta table: local path, file:// or s3:// URI (or give bucket and path)."},
    {"topics.*.destination.bucket", LS_CONF_STRING, T(bucket), NULL, 0, 0, NULL, 0,
     "S3 bucket of the table (with path: the table is s3://bucket/path)."},
    {"topics.*.destination.path", LS_CONF_STRING, T(path), NULL, 0, 0, NULL, 0,
     "Prefix of the table inside bucket."},
    {"topics.*.destination.table-name", LS_CONF_STRING, T(table_name), NULL, 0, 0, NULL, 0,
     "Name recorded in the table's metaData when lakesink creates it."},
    {"topics.*.destination.partition-columns", LS_CONF_LIST, T(partition_columns), NULL, 0, 0, NULL,
     0, "Partition columns, in order."},
    {"topics.*.destination.delta-config.checkpoint-interval", LS_CONF_INT, T(checkpoint_interval),
     "10", 1, 1000000, NULL, 0, "Write a checkpoint every N commits."},
    {"topics.*.destination.delta-config.compression", LS_CONF_ENUM, T(compression), "zstd", 0, 0,
     "zstd|snappy|gzip|none", 0, "Parquet compression codec."},
    {"topics.*.destination.delta-config.compression-level", LS_CONF_INT, T(compression_level),
     "0", -7, 22, NULL, 0,
     "Codec level; 0 = lakesink's default (zstd 1 on 256 KiB pages, gzip 6). zstd -7..22, "
     "gzip 1..9, snappy and none: 0. zstd 1 costs a fifth less CPU than 3 for files within ~2 %."},
    {"topics.*.destination.delta-config.target-file-size", LS_CONF_SIZE, T(target_file_size),
     "128M", 1 * MB, 4 * GB, NULL, 0, "Roll a Parquet file once it reaches this size."},
    {"topics.*.destination.delta-config.enable-schema-evolution", LS_CONF_BOOL, T(schema_evolution),
     "false", 0, 0, NULL, 0,
     "Additive evolution: new fields become nullable columns, and a number too wide for its "
     "column widens it (byte/short/integer to long, float to double; Delta type widening). "
     "false = strict: such messages go to the dead-letter topic."},
    {"topics.*.processing.batch-size", LS_CONF_INT, T(batch_size), "10000", 1, 10000000, NULL, 0,
     "Rows buffered before a flush."},
    {"topics.*.processing.flush-interval", LS_CONF_DURATION, T(flush_interval_ms), "60s", 100, DAY,
     NULL, 0, "Longest time a row waits before its batch is committed."},
    {"topics.*.processing.max-retries", LS_CONF_INT, T(max_retries), "3", 0, 1000, NULL, 0,
     "Retries of a failed write or commit before the table stops with an error."},
    {"topics.*.processing.max-open-files", LS_CONF_INT, T(max_open_files), "64", 1, 10000, NULL, 0,
     "Open data files per table and worker; the least recently written one is closed beyond it."},
    {"topics.*.processing.max-message-bytes", LS_CONF_SIZE, T(max_message_bytes), "8M", 1 * KB,
     256 * MB, NULL, 0, "Larger messages go to the dead-letter topic."},
    {"topics.*.processing.unknown-fields", LS_CONF_ENUM, T(unknown_fields), NULL, 0, 0,
     "evolve|dead-letter|count", 0,
     "A field the table lacks: add a column (default with enable-schema-evolution), send the "
     "message to the dead-letter topic (default otherwise) or ignore it and count it."},
};

/* Loading tracks which keys were given in one 64-bit mask per scope. */
_Static_assert(sizeof(ls__keys) / sizeof(ls__keys[0]) <= 64, "key table outgrew the set mask");

const ls_conf_key_t *ls_conf_keys(size_t *n)
{
    *n = sizeof(ls__keys) / sizeof(ls__keys[0]);
    return ls__keys;
}

bool ls__conf_is_topic_key(const ls_conf_key_t *k)
{
    return strncmp(k->path, "topics.*.", 9) == 0;
}

bool ls_conf_is_secret(const char *key)
{
    static const char *const words[] = {"password", "secret", "sasl"};
    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
        if (strcasestr(key, words[i]) != NULL) {
            return true;
        }
    }
    return false;
}

/* Leading integer of @p s (no sign allowed when !sign); *end past it. -1 on failure. */
static int ls__int(const char *s, bool sign, int64_t *v, const char **end)
{
    if (!isdigit((unsigned char)s[0]) && !(sign && (s[0] == '-' || s[0] == '+'))) {
        return -1;
    }
    char *e;
    errno = 0;
    long long x = strtoll(s, &e, 10);
    if (errno != 0 || e == s) {
        return -1;
    }
    *v = x;
    *end = e;
    return 0;
}

static int ls__mul(int64_t v, int64_t m, int64_t *out)
{
    if (v > INT64_MAX / m) {
        return -1;
    }
    *out = v * m;
    return 0;
}

static int ls__size(const char *s, int64_t *out)
{
    static const char units[] = "KMGT";
    int64_t v;
    const char *e;
    if (ls__int(s, false, &v, &e) != 0) {
        return -1;
    }
    int64_t m = 1;
    const char *u = *e != '\0' ? strchr(units, toupper((unsigned char)*e)) : NULL;
    if (u != NULL) {
        for (const char *p = units; p <= u; p++) {
            m *= 1024;
        }
        e++;
        if (*e == 'i') {
            e++;
        }
    }
    if (*e == 'B' || *e == 'b') {
        e++;
    }
    return *e == '\0' ? ls__mul(v, m, out) : -1;
}

static int ls__duration(const char *s, int64_t *out)
{
    static const struct {
        const char *u;
        int64_t ms;
    } units[] = {{"ms", 1}, {"s", SEC}, {"m", 60 * SEC}, {"h", 3600 * SEC}, {"d", DAY}, {"", SEC}};
    int64_t v;
    const char *e;
    if (ls__int(s, false, &v, &e) != 0) {
        return -1;
    }
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
        if (strcmp(e, units[i].u) == 0) {
            return ls__mul(v, units[i].ms, out);
        }
    }
    return -1;
}

static int ls__bool(const char *s, bool *out)
{
    static const char *const yes[] = {"true", "yes", "on"};
    static const char *const no[] = {"false", "no", "off"};
    for (size_t i = 0; i < 3; i++) {
        if (strcasecmp(s, yes[i]) == 0 || strcasecmp(s, no[i]) == 0) {
            *out = strcasecmp(s, yes[i]) == 0;
            return 0;
        }
    }
    return -1;
}

static bool ls__word_in(const char *words, const char *s)
{
    size_t n = strlen(s);
    for (const char *p = words; *p != '\0';) {
        const char *bar = strchr(p, '|');
        size_t len = bar != NULL ? (size_t)(bar - p) : strlen(p);
        if (len == n && n > 0 && memcmp(p, s, n) == 0) {
            return true;
        }
        p += len + (bar != NULL);
    }
    return false;
}

static const char *ls__unit_word(ls_conf_type_t t)
{
    return t == LS_CONF_SIZE ? " bytes" : t == LS_CONF_DURATION ? " ms" : "";
}

static ls_err_t ls__set_num(const ls_conf_key_t *k, void *base, const char *s, char *why,
                            size_t why_len)
{
    int64_t v;
    const char *e;
    int bad = k->type == LS_CONF_SIZE       ? ls__size(s, &v)
              : k->type == LS_CONF_DURATION ? ls__duration(s, &v)
                                            : (ls__int(s, true, &v, &e) != 0 || *e != '\0');
    if (bad) {
        snprintf(why, why_len, "'%s' is not %s", s,
                 k->type == LS_CONF_SIZE       ? "a size (like 512K, 128M, 2G)"
                 : k->type == LS_CONF_DURATION ? "a duration (like 250ms, 30s, 5m, 1h)"
                                               : "an integer");
        return LS_ERR_CONFIG;
    }
    if (v < k->min || v > k->max) {
        snprintf(why, why_len, "%s is %s the %s %" PRId64 "%s", s, v < k->min ? "below" : "above",
                 v < k->min ? "minimum" : "maximum", v < k->min ? k->min : k->max,
                 ls__unit_word(k->type));
        return LS_ERR_CONFIG;
    }
    memcpy((char *)base + k->offset, &v, sizeof(v));
    return LS_OK;
}

ls_err_t ls__conf_set_scalar(const ls_conf_key_t *k, void *base, const char *s, char *why,
                             size_t why_len)
{
    char **sp = (char **)(void *)((char *)base + k->offset);
    switch (k->type) {
    case LS_CONF_INT:
    case LS_CONF_SIZE:
    case LS_CONF_DURATION: return ls__set_num(k, base, s, why, why_len);
    case LS_CONF_BOOL:
        if (ls__bool(s, (bool *)(void *)((char *)base + k->offset)) != 0) {
            snprintf(why, why_len, "'%s' is not a boolean (true or false)", s);
            return LS_ERR_CONFIG;
        }
        return LS_OK;
    case LS_CONF_ENUM:
        if (!ls__word_in(k->words, s)) {
            snprintf(why, why_len, "'%s' is not one of %s", s, k->words);
            return LS_ERR_CONFIG;
        }
        break;
    case LS_CONF_STRING:
        if (s[0] == '\0') {
            snprintf(why, why_len, "empty value");
            return LS_ERR_CONFIG;
        }
        break;
    default:
        snprintf(why, why_len, "expected a %s, not a scalar",
                 k->type == LS_CONF_LIST ? "list" : "mapping");
        return LS_ERR_CONFIG;
    }
    char *copy = ls_strdup(s);
    if (copy == NULL) {
        return LS_ERR_NOMEM;
    }
    ls_free(*sp);
    *sp = copy;
    return LS_OK;
}

static const char *const ls__type_names[] = {"string",   "int",  "bool", "size",
                                             "duration", "enum", "list", "map"};

static ls_err_t ls__doc_row(ls_buf_t *out, const ls_conf_key_t *k)
{
    LS_TRY(ls_buf_printf(out, "| `%s` | %s | ", k->path, ls__type_names[k->type]));
    if (k->flags & LS_CONF_F_REQUIRED) {
        LS_TRY(ls_buf_append_str(out, "*required*"));
    } else if (k->def != NULL) {
        LS_TRY(ls_buf_printf(out, "`%s`", k->def));
    }
    LS_TRY(ls_buf_append_str(out, " | "));
    if (k->type == LS_CONF_ENUM) {
        LS_TRY(ls_buf_printf(out, "%s", k->words));
    } else if (k->type == LS_CONF_INT || k->type == LS_CONF_SIZE || k->type == LS_CONF_DURATION) {
        LS_TRY(ls_buf_printf(out, "%" PRId64 " .. %" PRId64 "%s", k->min, k->max,
                             ls__unit_word(k->type)));
    }
    return ls_buf_printf(out, " | %s |\n", k->doc);
}

ls_err_t ls_conf_docs_markdown(ls_buf_t *out)
{
    LS_TRY(ls_buf_append_str(
        out, "# Configuration reference\n\n"
             "<!-- Generated by `lakesink check-config --print-docs` from the key table in\n"
             "     src/conf/conf_table.c; edit the table, then regenerate this file. -->\n\n"
             "`lakesink run --config FILE` reads one YAML file; `lakesink check-config FILE`\n"
             "validates it offline and prints every problem with its YAML path.\n\n"
             "- `topics.*` stands for each entry under `topics:` (its key names the entry).\n"
             "- Scalars may use `${VAR}` or `${VAR:-default}`; an unset variable without a\n"
             "  default is an error.\n"
             "- Sizes: `123`, `64K`, `128M`, `2G` (powers of 1024). Durations: `250ms`, `30s`,\n"
             "  `5m`, `1h`, `1d`; a bare number is seconds. Bounds of durations are in ms.\n"
             "- A destination gives either `table-uri` or `bucket` + `path` (`s3://bucket/path`).\n"
             "- Unknown keys are errors. The whole file may be nested under `connector:`.\n"
             "- `check-config --json` masks values of keys named like password, secret or sasl.\n\n"
             "| Key | Type | Default | Bounds | Description |\n"
             "|-----|------|---------|--------|-------------|\n"));
    for (size_t i = 0; i < sizeof(ls__keys) / sizeof(ls__keys[0]); i++) {
        LS_TRY(ls__doc_row(out, &ls__keys[i]));
    }
    return LS_OK;
}

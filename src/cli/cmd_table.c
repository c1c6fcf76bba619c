/*
 * cmd_table.c — the `lakesink table` command group: dispatch, and the metadata commands
 * `info` (version, protocol, schema, partitioning, configuration, totals), `history`
 * (commitInfo of each version, newest first), `files` (live data files) and `checkpoint`
 * (write one at the current version).
 *
 * Not responsible for: `scan` (cmd_table_scan.c), reading the log (delta.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "lakesink/alloc.h"
#include "lakesink/arena.h"
#include "lakesink/delta.h"
#include "lakesink/json.h"
#include "table_cli.h"

#define LS__OUT_MAX ((size_t)1 << 30)
#define LS__COMMIT_MAX ((size_t)256 << 20)
#define LS__HISTORY_MAX ((size_t)1 << 22) /* versions listed by `history` */

enum { O_VERSION, O_TIMESTAMP, O_JSON, O_LIMIT, O_N };

static const ls_cli_opt_t ls__opts[O_N] = {
    [O_VERSION] = {"version", LS_CLI_INT, "N", "read the table as of version N", 0, INT64_MAX},
    [O_TIMESTAMP] = {"timestamp", LS_CLI_STR, "T",
                     "as of time T (ISO-8601, or milliseconds since the epoch)", 0, 0},
    [O_JSON] = {"json", LS_CLI_FLAG, NULL, "print JSON instead of text", 0, 0},
    [O_LIMIT] = {"limit", LS_CLI_INT, "N", "at most N versions (newest first)", 1, INT64_MAX},
};

static const ls_cli_cmd_t ls__info_cmd = {
    "table info", "TABLE",
    "Print the table's version, protocol, metadata id, schema, partition columns,\n"
    "configuration, number of files, total bytes and rows (from stats), last checkpoint.",
    ls__opts, O_LIMIT, 1, 1};
static const ls_cli_cmd_t ls__files_cmd = {
    "table files", "TABLE",
    "List the live data files: path, size, partition values and numRecords.", ls__opts, O_LIMIT,
    1, 1};
static const ls_cli_opt_t ls__hist_opts[2] = {
    {"limit", LS_CLI_INT, "N", "at most N versions (newest first)", 1, INT64_MAX},
    {"json", LS_CLI_FLAG, NULL, "print a JSON array instead of text", 0, 0},
};
static const ls_cli_cmd_t ls__hist_cmd = {
    "table history", "TABLE",
    "Per version, newest first: timestamp, operation and parameters (from commitInfo).",
    ls__hist_opts, 2, 1, 1};
static const ls_cli_cmd_t ls__ckpt_cmd = {
    "table checkpoint", "TABLE",
    "Write a checkpoint at the current version and print what was written as JSON.", NULL, 0, 1,
    1};

static int ls__info(int argc, char **argv);
static int ls__files(int argc, char **argv);
static int ls__history(int argc, char **argv);
static int ls__checkpoint(int argc, char **argv);

static const struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} ls__subs[] = {
    {"info", ls__info, "version, protocol, schema, partitioning, totals"},
    {"history", ls__history, "commits, newest first"},
    {"files", ls__files, "live data files"},
    {"scan", ls_cli_table_scan, "rows as NDJSON (partition columns included)"},
    {"checkpoint", ls__checkpoint, "write a checkpoint at the current version"},
};
#define LS__NSUBS (sizeof(ls__subs) / sizeof(ls__subs[0]))

int ls_cli_table_main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        FILE *out = argc < 2 ? stderr : stdout;
        fprintf(out, "usage: lakesink table <command> TABLE [options]\n\ncommands:\n");
        for (size_t i = 0; i < LS__NSUBS; i++) {
            fprintf(out, "  %-11s %s\n", ls__subs[i].name, ls__subs[i].summary);
        }
        return argc < 2 ? LS_CLI_EXIT_USAGE : LS_CLI_EXIT_OK;
    }
    for (size_t i = 0; i < LS__NSUBS; i++) {
        if (strcmp(argv[1], ls__subs[i].name) == 0) {
            return ls__subs[i].run(argc - 1, argv + 1);
        }
    }
    return ls_cli_usage_error("table", "unknown command '%s'", argv[1]);
}

/* ------------------------------------------------------------ shared */

int ls_cli_table_fail(const char *uri, const ls_error_t *err)
{
    char what[600];
    snprintf(what, sizeof(what), "cannot read table %s", uri);
    return ls_cli_fail(what, NULL, err);
}

ls_err_t ls_cli_format_ms(ls_buf_t *out, int64_t ms)
{
    time_t s = (time_t)(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
    struct tm tm;
    char t[64];
    if (gmtime_r(&s, &tm) == NULL || strftime(t, sizeof(t), "%Y-%m-%dT%H:%M:%S", &tm) == 0) {
        return ls_buf_printf(out, "%lld", (long long)ms);
    }
    return ls_buf_printf(out, "%s.%03dZ", t, (int)(ms - (int64_t)s * 1000));
}

static ls_err_t ls__jstr(ls_buf_t *o, const char *s)
{
    return s ? ls_json_append_string(o, s, strlen(s)) : ls_buf_append_str(o, "null");
}

static ls_err_t ls__jstr_list(ls_buf_t *o, const char *const *v, size_t n)
{
    ls_err_t rc = ls_buf_append_byte(o, '[');
    for (size_t i = 0; rc == LS_OK && i < n; i++) {
        rc = i ? ls_buf_append_byte(o, ',') : LS_OK;
        rc = rc == LS_OK ? ls__jstr(o, v[i]) : rc;
    }
    return rc == LS_OK ? ls_buf_append_byte(o, ']') : rc;
}

static ls_err_t ls__jkv(ls_buf_t *o, const ls_delta_kv_t *kv, size_t n)
{
    ls_err_t rc = ls_buf_append_byte(o, '{');
    for (size_t i = 0; rc == LS_OK && i < n; i++) {
        rc = i ? ls_buf_append_byte(o, ',') : LS_OK;
        rc = rc == LS_OK ? ls__jstr(o, kv[i].key) : rc;
        rc = rc == LS_OK ? ls_buf_append_byte(o, ':') : rc;
        rc = rc == LS_OK ? ls__jstr(o, kv[i].value) : rc;
    }
    return rc == LS_OK ? ls_buf_append_byte(o, '}') : rc;
}

/* Parse the common options; opens the table at the requested version. */
static int ls__open(const ls_cli_cmd_t *cmd, int argc, char **argv, ls_cli_val_t *v,
                    const char **uri, ls_store_t **st, ls_delta_snapshot_t **snap)
{
    size_t nargs = 0;
    int rc = ls_cli_parse(cmd, argc, argv, v, uri, &nargs);
    if (rc != LS_CLI_RUN) {
        return rc;
    }
    if (v[O_VERSION].set && v[O_TIMESTAMP].set) {
        return ls_cli_usage_error(cmd->name, "give --version or --timestamp, not both");
    }
    ls_error_t err;
    ls_error_clear(&err);
    if (ls_cli_table_open(*uri, v[O_VERSION].set ? v[O_VERSION].num : -1,
                          v[O_TIMESTAMP].set ? v[O_TIMESTAMP].str : NULL, false, st, snap,
                          &err) != LS_OK) {
        return ls_cli_table_fail(*uri, &err);
    }
    return LS_CLI_RUN;
}

static int ls__emit(ls_buf_t *o, ls_err_t rc, const char *uri)
{
    ls_error_t err;
    ls_error_clear(&err);
    if (rc != LS_OK) {
        ls_error_set(&err, rc, "cannot format the output");
    } else {
        rc = ls_cli_flush_stdout(o, &err);
    }
    ls_buf_free(o);
    return rc == LS_OK ? LS_CLI_EXIT_OK : ls_cli_table_fail(uri, &err);
}

/* ------------------------------------------------------------ info */

static void ls__totals(const ls_delta_snapshot_t *s, int64_t *rows, bool *rows_known)
{
    size_t cur = 0;
    const ls_delta_file_t *f;
    *rows = 0;
    *rows_known = true;
    while ((f = ls_delta_snapshot_next_file(s, &cur)) != NULL) {
        int64_t n = 0;
        if (ls_cli_stats_num_records(f->add.stats, &n)) {
            *rows += n;
        } else {
            *rows_known = false;
        }
    }
}

static ls_err_t ls__info_json(ls_buf_t *o, const char *uri, const ls_delta_snapshot_t *s)
{
    const ls_delta_protocol_t *p = ls_delta_snapshot_protocol(s);
    const ls_delta_metadata_t *md = ls_delta_snapshot_metadata(s);
    int64_t rows = 0, ck = ls_delta_snapshot_checkpoint_version(s);
    bool known = false;
    ls__totals(s, &rows, &known);
    ls_err_t rc = ls_buf_append_str(o, "{\"table\":");
    rc = rc == LS_OK ? ls__jstr(o, uri) : rc;
    rc = rc == LS_OK ? ls_buf_printf(o, ",\"version\":%lld,\"timestamp\":%lld,\"protocol\":"
                                        "{\"minReaderVersion\":%d,\"minWriterVersion\":%d",
                                     (long long)ls_delta_snapshot_version(s),
                                     (long long)ls_delta_snapshot_timestamp(s),
                                     (int)p->min_reader_version, (int)p->min_writer_version)
                     : rc;
    if (rc == LS_OK && p->has_reader_features) {
        rc = ls_buf_append_str(o, ",\"readerFeatures\":");
        rc = rc == LS_OK ? ls__jstr_list(o, p->reader_features, p->n_reader_features) : rc;
    }
    if (rc == LS_OK && p->has_writer_features) {
        rc = ls_buf_append_str(o, ",\"writerFeatures\":");
        rc = rc == LS_OK ? ls__jstr_list(o, p->writer_features, p->n_writer_features) : rc;
    }
    rc = rc == LS_OK ? ls_buf_append_str(o, "},\"id\":") : rc;
    rc = rc == LS_OK ? ls__jstr(o, md->id) : rc;
    rc = rc == LS_OK ? ls_buf_append_str(o, ",\"name\":") : rc;
    rc = rc == LS_OK ? ls__jstr(o, md->name) : rc;
    rc = rc == LS_OK ? ls_buf_append_str(o, ",\"partitionColumns\":") : rc;
    rc = rc == LS_OK ? ls__jstr_list(o, md->partition_columns, md->n_partition_columns) : rc;
    rc = rc == LS_OK ? ls_buf_append_str(o, ",\"configuration\":") : rc;
    rc = rc == LS_OK ? ls__jkv(o, md->configuration, md->n_configuration) : rc;
    /* the schema string came out of the log as valid JSON: embed it as an object */
    rc = rc == LS_OK ? ls_buf_append_str(o, ",\"schema\":") : rc;
    rc = rc == LS_OK ? ls_buf_append_str(o, md->schema_string ? md->schema_string : "null") : rc;
    rc = rc == LS_OK ? ls_buf_printf(o, ",\"files\":%zu,\"bytes\":%llu,\"rows\":",
                                     ls_delta_snapshot_num_files(s),
                                     (unsigned long long)ls_delta_snapshot_total_bytes(s))
                     : rc;
    rc = rc == LS_OK ? (known ? ls_buf_printf(o, "%lld", (long long)rows)
                              : ls_buf_append_str(o, "null"))
                     : rc;
    rc = rc == LS_OK ? (ck >= 0 ? ls_buf_printf(o, ",\"lastCheckpoint\":%lld}\n", (long long)ck)
                                : ls_buf_append_str(o, ",\"lastCheckpoint\":null}\n"))
                     : rc;
    return rc;
}

static ls_err_t ls__info_text(ls_buf_t *o, const char *uri, const ls_delta_snapshot_t *s)
{
    const ls_delta_protocol_t *p = ls_delta_snapshot_protocol(s);
    const ls_delta_metadata_t *md = ls_delta_snapshot_metadata(s);
    int64_t rows = 0, ck = ls_delta_snapshot_checkpoint_version(s);
    bool known = false;
    ls__totals(s, &rows, &known);
    ls_err_t rc = ls_buf_printf(o, "table:             %s\nversion:           %lld\ntimestamp:         ",
                                uri, (long long)ls_delta_snapshot_version(s));
    rc = rc == LS_OK ? ls_cli_format_ms(o, ls_delta_snapshot_timestamp(s)) : rc;
    rc = rc == LS_OK ? ls_buf_printf(o, "\nprotocol:          reader %d, writer %d",
                                     (int)p->min_reader_version, (int)p->min_writer_version)
                     : rc;
    for (size_t i = 0; rc == LS_OK && i < p->n_reader_features; i++) {
        rc = ls_buf_printf(o, "%s%s", i ? ", " : " (reader features: ", p->reader_features[i]);
        rc = rc == LS_OK && i + 1 == p->n_reader_features ? ls_buf_append_str(o, ")") : rc;
    }
    for (size_t i = 0; rc == LS_OK && i < p->n_writer_features; i++) {
        rc = ls_buf_printf(o, "%s%s", i ? ", " : " (writer features: ", p->writer_features[i]);
        rc = rc == LS_OK && i + 1 == p->n_writer_features ? ls_buf_append_str(o, ")") : rc;
    }
    rc = rc == LS_OK ? ls_buf_printf(o, "\nid:                %s\npartition columns:", md->id) : rc;
    for (size_t i = 0; rc == LS_OK && i < md->n_partition_columns; i++) {
        rc = ls_buf_printf(o, "%s%s", i ? ", " : " ", md->partition_columns[i]);
    }
    rc = rc == LS_OK ? ls_buf_printf(o, "%s\nschema:            %s\nconfiguration:",
                                     md->n_partition_columns ? "" : " (none)",
                                     md->schema_string ? md->schema_string : "(none)")
                     : rc;
    for (size_t i = 0; rc == LS_OK && i < md->n_configuration; i++) {
        rc = ls_buf_printf(o, "\n  %s=%s", md->configuration[i].key,
                           md->configuration[i].value ? md->configuration[i].value : "null");
    }
    rc = rc == LS_OK ? ls_buf_printf(o, "%s\nfiles:             %zu\nbytes:             %llu\n",
                                     md->n_configuration ? "" : " (none)",
                                     ls_delta_snapshot_num_files(s),
                                     (unsigned long long)ls_delta_snapshot_total_bytes(s))
                     : rc;
    rc = rc == LS_OK ? (known ? ls_buf_printf(o, "rows:              %lld\n", (long long)rows)
                              : ls_buf_append_str(o, "rows:              unknown\n"))
                     : rc;
    rc = rc == LS_OK ? (ck >= 0 ? ls_buf_printf(o, "last checkpoint:   %lld\n", (long long)ck)
                                : ls_buf_append_str(o, "last checkpoint:   none\n"))
                     : rc;
    return rc;
}

static int ls__info(int argc, char **argv)
{
    ls_cli_val_t v[O_N];
    const char *uri = NULL;
    ls_store_t *st = NULL;
    ls_delta_snapshot_t *s = NULL;
    int rc = ls__open(&ls__info_cmd, argc, argv, v, &uri, &st, &s);
    if (rc != LS_CLI_RUN) {
        return rc;
    }
    ls_buf_t o;
    ls_buf_init(&o, LS__OUT_MAX);
    ls_err_t e = v[O_JSON].set ? ls__info_json(&o, uri, s) : ls__info_text(&o, uri, s);
    rc = ls__emit(&o, e, uri);
    ls_delta_snapshot_free(s);
    ls_store_free(st);
    return rc;
}

/* ------------------------------------------------------------ files */

static int ls__cmp_file(const void *a, const void *b)
{
    const ls_delta_file_t *x = *(const ls_delta_file_t *const *)a;
    const ls_delta_file_t *y = *(const ls_delta_file_t *const *)b;
    return strcmp(x->add.path, y->add.path);
}

/* The live files sorted by path (caller ls_frees the array). */
const ls_delta_file_t **ls_cli_sorted_files(const ls_delta_snapshot_t *s, size_t *n)
{
    *n = ls_delta_snapshot_num_files(s);
    const ls_delta_file_t **v = ls_calloc(*n ? *n : 1, sizeof(*v));
    if (v == NULL) {
        return NULL;
    }
    size_t cur = 0, i = 0;
    const ls_delta_file_t *f;
    while (i < *n && (f = ls_delta_snapshot_next_file(s, &cur)) != NULL) {
        v[i++] = f;
    }
    *n = i;
    qsort(v, i, sizeof(*v), ls__cmp_file);
    return v;
}

static ls_err_t ls__file_line(ls_buf_t *o, const ls_delta_file_t *f, bool json, bool first)
{
    const ls_delta_add_t *a = &f->add;
    int64_t nrec = -1;
    bool known = ls_cli_stats_num_records(a->stats, &nrec);
    ls_err_t rc;
    if (json) {
        rc = ls_buf_append_str(o, first ? "{\"path\":" : ",\n{\"path\":");
        rc = rc == LS_OK ? ls__jstr(o, a->path) : rc;
        rc = rc == LS_OK ? ls_buf_printf(o, ",\"size\":%lld,\"partitionValues\":", (long long)a->size)
                         : rc;
        rc = rc == LS_OK ? ls__jkv(o, a->partition_values, a->n_partition_values) : rc;
        rc = rc == LS_OK ? (known ? ls_buf_printf(o, ",\"numRecords\":%lld}", (long long)nrec)
                                  : ls_buf_append_str(o, ",\"numRecords\":null}"))
                         : rc;
        return rc;
    }
    rc = ls_buf_printf(o, "%s\t%lld\t", a->path, (long long)a->size);
    rc = rc == LS_OK ? (known ? ls_buf_printf(o, "%lld", (long long)nrec)
                              : ls_buf_append_str(o, "-"))
                     : rc;
    for (size_t i = 0; rc == LS_OK && i < a->n_partition_values; i++) {
        rc = ls_buf_printf(o, "%s%s=%s", i ? "," : "\t", a->partition_values[i].key,
                           a->partition_values[i].value ? a->partition_values[i].value : "null");
    }
    return rc == LS_OK ? ls_buf_append_byte(o, '\n') : rc;
}

static int ls__files(int argc, char **argv)
{
    ls_cli_val_t v[O_N];
    const char *uri = NULL;
    ls_store_t *st = NULL;
    ls_delta_snapshot_t *s = NULL;
    int rc = ls__open(&ls__files_cmd, argc, argv, v, &uri, &st, &s);
    if (rc != LS_CLI_RUN) {
        return rc;
    }
    bool json = v[O_JSON].set;
    size_t n = 0;
    const ls_delta_file_t **files = ls_cli_sorted_files(s, &n);
    ls_buf_t o;
    ls_buf_init(&o, LS__OUT_MAX);
    ls_err_t e = files ? LS_OK : LS_ERR_NOMEM;
    e = e == LS_OK && json ? ls_buf_append_byte(&o, '[') : e;
    for (size_t i = 0; e == LS_OK && i < n; i++) {
        e = ls__file_line(&o, files[i], json, i == 0);
    }
    e = e == LS_OK && json ? ls_buf_append_str(&o, "]\n") : e;
    rc = ls__emit(&o, e, uri);
    ls_free(files);
    ls_delta_snapshot_free(s);
    ls_store_free(st);
    return rc;
}

/* ------------------------------------------------------------ checkpoint */

static int ls__checkpoint(int argc, char **argv)
{
    const char *uri = NULL;
    size_t nargs = 0;
    ls_cli_val_t none[1];
    int rc = ls_cli_parse(&ls__ckpt_cmd, argc, argv, none, &uri, &nargs);
    if (rc != LS_CLI_RUN) {
        return rc;
    }
    ls_error_t err;
    ls_error_clear(&err);
    ls_store_t *st = NULL;
    ls_delta_snapshot_t *s = NULL;
    if (ls_cli_table_open(uri, -1, NULL, false, &st, &s, &err) != LS_OK) {
        return ls_cli_table_fail(uri, &err);
    }
    ls_delta_checkpoint_info_t info;
    ls_buf_t o;
    ls_buf_init(&o, 1 << 16);
    if (ls_delta_checkpoint_write(s, 0, &info, &err) != LS_OK) {
        char what[600];
        snprintf(what, sizeof(what), "cannot checkpoint %s", uri);
        rc = ls_cli_fail(what, NULL, &err);
        ls_buf_free(&o);
    } else {
        ls_err_t e = ls_buf_printf(&o,
                                   "{\"version\":%lld,\"actions\":%lld,\"bytes\":%llu,"
                                   "\"add_files\":%lld}\n",
                                   (long long)info.version, (long long)info.size,
                                   (unsigned long long)info.size_in_bytes,
                                   (long long)info.num_add_files);
        rc = ls__emit(&o, e, uri);
    }
    ls_delta_snapshot_free(s);
    ls_store_free(st);
    return rc;
}

/* ------------------------------------------------------------ history */

typedef struct ls__versions_s {
    int64_t *v;
    size_t n, cap;
} ls__versions_t;

/* Collect the versions of `_delta_log/<20 digits>.json` commit files. */
static ls_err_t ls__list_cb(void *ud, const ls_store_entry_t *e, ls_error_t *err)
{
    ls__versions_t *vs = ud;
    const char *name = e->key + strlen("_delta_log/");
    if (strlen(name) != 25 || strcmp(name + 20, ".json") != 0) {
        return LS_OK;
    }
    int64_t ver = 0;
    for (int i = 0; i < 20; i++) {
        if (name[i] < '0' || name[i] > '9') {
            return LS_OK;
        }
        ver = ver * 10 + (name[i] - '0');
    }
    if (vs->n == vs->cap) {
        if (vs->cap >= LS__HISTORY_MAX) {
            return ls_error_set(err, LS_ERR_LIMIT, "more than %zu commits", LS__HISTORY_MAX);
        }
        size_t cap = vs->cap ? vs->cap * 2 : 64;
        int64_t *nv = ls_reallocarray(vs->v, cap, sizeof(*nv));
        if (nv == NULL) {
            return ls_error_set(err, LS_ERR_NOMEM, "out of memory");
        }
        vs->v = nv;
        vs->cap = cap;
    }
    vs->v[vs->n++] = ver;
    return LS_OK;
}

/* The commitInfo action of commit @p ver (ci->json NULL when it has none). */
static ls_err_t ls__commit_info(ls_store_t *st, int64_t ver, ls_arena_t *a,
                                ls_delta_commit_info_t *ci, ls_error_t *err)
{
    char key[LS_DELTA_KEY_MAX];
    ls_delta_commit_key(ver, key);
    ls_buf_t b;
    ls_buf_init(&b, LS__COMMIT_MAX);
    memset(ci, 0, sizeof(*ci));
    ls_err_t rc = ls_store_get(st, key, &b, err);
    size_t pos = 0, line = 1;
    while (rc == LS_OK && pos < b.len && ci->json == NULL) {
        const char *p = (const char *)b.data + pos;
        const char *nl = memchr(p, '\n', b.len - pos);
        size_t n = nl ? (size_t)(nl - p) : b.len - pos;
        ls_delta_action_t act;
        if (n > 0 && !(n == 1 && p[0] == '\r')) {
            rc = ls_delta_action_parse(p, n, a, &act, err);
            if (rc != LS_OK) {
                ls_error_prefix(err, "%s: line %zu: ", key, line);
            } else if (act.kind == LS_DELTA_ACT_COMMIT_INFO) {
                *ci = act.u.commit_info;
            }
        }
        pos += n + 1;
        line++;
    }
    ls_buf_free(&b);
    return rc;
}

static ls_err_t ls__hist_entry(ls_buf_t *o, int64_t ver, const ls_delta_commit_info_t *ci,
                               ls_arena_t *a, bool json, bool first)
{
    int64_t ts = ci->has_in_commit_timestamp ? ci->in_commit_timestamp : ci->timestamp;
    bool has_ts = ci->has_in_commit_timestamp || ci->has_timestamp;
    ls_err_t rc;
    if (json) {
        rc = ls_buf_printf(o, "%s{\"version\":%lld,\"timestamp\":", first ? "" : ",\n",
                           (long long)ver);
        rc = rc == LS_OK ? (has_ts ? ls_buf_printf(o, "%lld", (long long)ts)
                                   : ls_buf_append_str(o, "null"))
                         : rc;
        rc = rc == LS_OK ? ls_buf_append_str(o, ",\"operation\":") : rc;
        rc = rc == LS_OK ? ls__jstr(o, ci->operation) : rc;
        rc = rc == LS_OK ? ls_buf_append_str(o, ",\"commitInfo\":") : rc;
        rc = rc == LS_OK ? ls_buf_append_str(o, ci->json ? ci->json : "null") : rc;
        return rc == LS_OK ? ls_buf_append_byte(o, '}') : rc;
    }
    rc = ls_buf_printf(o, "%lld\t", (long long)ver);
    rc = rc == LS_OK ? (has_ts ? ls_cli_format_ms(o, ts) : ls_buf_append_str(o, "-")) : rc;
    rc = rc == LS_OK ? ls_buf_printf(o, "\t%s\t", ci->operation ? ci->operation : "-") : rc;
    /* parameters: the operationParameters object, compact as the log holds it */
    ls_json_value_t *root = NULL;
    ls_error_t perr;
    const ls_json_value_t *params = NULL;
    if (ci->json && ls_json_parse(ci->json, strlen(ci->json), a, &root, &perr) == LS_OK) {
        params = ls_json_get(root, "operationParameters");
    }
    for (size_t i = 0; rc == LS_OK && params && params->kind == LS_JSON_OBJECT && i < params->n;
         i++) {
        const ls_json_value_t *pv = params->members[i].value;
        bool text = pv->kind == LS_JSON_STRING || pv->kind == LS_JSON_NUMBER;
        rc = ls_buf_printf(o, "%s%s=%s", i ? " " : "", params->members[i].key,
                           text ? pv->str : pv->kind == LS_JSON_BOOL ? (pv->b ? "true" : "false")
                                                                      : "...");
    }
    return rc == LS_OK ? ls_buf_append_byte(o, '\n') : rc;
}

static int ls__history(int argc, char **argv)
{
    ls_cli_val_t v[2];
    const char *uri = NULL;
    size_t nargs = 0;
    int rc = ls_cli_parse(&ls__hist_cmd, argc, argv, v, &uri, &nargs);
    if (rc != LS_CLI_RUN) {
        return rc;
    }
    bool json = v[1].set;
    ls_error_t err;
    ls_error_clear(&err);
    ls_store_t *st = NULL;
    ls_delta_snapshot_t *s = NULL;
    if (ls_cli_table_open(uri, -1, NULL, false, &st, &s, &err) != LS_OK) {
        return ls_cli_table_fail(uri, &err);
    }
    ls__versions_t vs = {0};
    ls_buf_t o;
    ls_buf_init(&o, LS__OUT_MAX);
    ls_arena_t *a = ls_arena_new(1 << 16, LS__COMMIT_MAX * 4);
    ls_err_t e = a ? ls_store_list(st, "_delta_log/", NULL, ls__list_cb, &vs, &err)
                   : ls_error_set(&err, LS_ERR_NOMEM, "out of memory");
    e = e == LS_OK && json ? ls_buf_append_byte(&o, '[') : e;
    size_t limit = v[0].set ? (size_t)v[0].num : SIZE_MAX;
    for (size_t i = 0; e == LS_OK && i < vs.n && i < limit; i++) {
        int64_t ver = vs.v[vs.n - 1 - i];
        ls_delta_commit_info_t ci;
        ls_arena_reset(a);
        e = ls__commit_info(st, ver, a, &ci, &err);
        if (e == LS_ERR_NOT_FOUND) { /* cleaned up since the listing: skip it */
            e = LS_OK;
            continue;
        }
        e = e == LS_OK ? ls__hist_entry(&o, ver, &ci, a, json, i == 0) : e;
    }
    e = e == LS_OK && json ? ls_buf_append_str(&o, "]\n") : e;
    if (e != LS_OK && err.code != LS_OK) {
        rc = ls_cli_table_fail(uri, &err);
        ls_buf_free(&o);
    } else {
        rc = ls__emit(&o, e, uri);
    }
    ls_arena_free(a);
    ls_free(vs.v);
    ls_delta_snapshot_free(s);
    ls_store_free(st);
    return rc;
}

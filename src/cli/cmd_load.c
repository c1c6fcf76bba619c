/*
 * cmd_load.c — `lakesink load TABLE [FILE...|-]`: appends NDJSON or CSV to a Delta table
 * in exactly one data commit. Resolves the schema (the table's, evolved additively by new
 * input columns; or --schema / inferred for a new table); then N worker threads take
 * chunks of the input as they become free (load_input.c: a file is read by the workers
 * themselves, standard input and CSV arrive in windows this thread reads), decode them
 * straight into per-partition batches (load_route.c) and write those to their own data
 * files (table_files.h); each worker closes its own files at the end, in parallel. Then the
 * table is created when absent, the add actions committed, and a checkpoint written when
 * the policy says so.
 *
 * Not responsible for: JSON decoding, Parquet encoding, stats, the log protocol (the
 * library modules), chunks, routing or the file writers (the load_*.c files).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "lakesink/alloc.h"
#include "lakesink/csv.h"
#include "lakesink/delta.h"
#include "lakesink/io.h"
#include "lakesink/json.h"
#include "lakesink/table.h"
#include "load_csv.h"
#include "lakesink/table_files.h"
#include "load_infer.h"
#include "load_input.h"
#include "load_route.h"
#include "ndjson_convert.h"
#include "table_cli.h"

#define LS__MAX_PCOLS 32
/* Batches that are split by partition (CSV, the spill batch) are small so that splits
 * reuse heap memory and the workers' final drains are short; one record larger than
 * that gets a batch of up to LS__BATCH_BIG. */
#define LS__BATCH_BYTES ((size_t)4 << 20)
#define LS__BATCH_BIG ((size_t)32 << 20)
#define LS__BATCH_MIN ((uint64_t)256 << 10)
/* A partition's batch: the decoder writes to one per partition, in turn; small batches
 * keep all of them in the cache (4 MiB ones made decoding a fifth slower). */
#define LS__SLOT_BYTES ((size_t)256 << 10)
#define LS__SLOT_MIN ((size_t)16 << 10)
#define LS__RG_MAX ((uint64_t)64 << 20) /* row group cap: memory per open file */
#define LS__REPORT_MAX ((size_t)1 << 20) /* skipped-line messages held per worker */

enum { O_FORMAT, O_SCHEMA, O_PARTITION, O_CODEC, O_TARGET, O_THREADS, O_ON_ERROR, O_N };

static const ls_cli_opt_t ls__opts[O_N] = {
    [O_FORMAT] = {"format", LS_CLI_STR, "ndjson|csv", "input format (default ndjson)", 0, 0},
    [O_SCHEMA] = {"schema", LS_CLI_STR, "FILE",
                  "Delta schema JSON for a new table (default: infer from the input)", 0, 0},
    [O_PARTITION] = {"partition-by", LS_CLI_STR, "c1,c2",
                     "partition columns of a new table (must match an existing table's)", 0, 0},
    [O_CODEC] = {"codec", LS_CLI_STR, "NAME", "zstd (default), snappy, gzip, lz4_raw, brotli, none",
                 0, 0},
    [O_TARGET] = {"target-file-bytes", LS_CLI_SIZE, "N",
                  "roll data files at this compressed size (default 128M)", 1, (int64_t)1 << 40},
    [O_THREADS] = {"threads", LS_CLI_INT, "N", "worker threads (default: number of cores)", 1,
                   LS_CLI_MAX_THREADS},
    [O_ON_ERROR] = {"on-error", LS_CLI_STR, "fail|skip",
                    "bad input line: stop, committing nothing (default), or report and skip it",
                    0, 0},
};

static const ls_cli_cmd_t ls__cmd = {
    "load",
    "TABLE [FILE...|-]",
    "Append newline-delimited JSON or CSV with a header (files, or standard input when none\n"
    "or '-') to the Delta table TABLE (a path, file:// or s3:// URI), creating it when\n"
    "absent. New nullable\n"
    "columns in the input evolve the schema of an existing table. Exactly one data commit\n"
    "per run (a new table also gets its version 0). Prints a JSON summary on stdout:\n"
    "{\"table\",\"version\",\"files\",\"rows\",\"bytes\",\"bad_rows\",\"seconds\"}.",
    ls__opts,
    O_N,
    1,
    SIZE_MAX};

/* Everything the run shares (read-only while workers run, except the atomic counter). */
typedef struct ls__load_s {
    const char *uri;
    const char **inputs;
    size_t ninputs;
    bool skip_bad;
    unsigned threads;
    ls_store_t *st;
    ls_delta_snapshot_t *snap; /* NULL while the table does not exist */
    ls_type_t *schema;         /* the schema data is written with (owned) */
    bool evolve;               /* schema adds columns to the table's */
    bool inferred;
    const char *pcols[LS__MAX_PCOLS];
    size_t ncols;
    char pstore[4096];
    ls_layout_t *layout;
    ls_table_partitioner_t *part;
    ls_table_stats_opts_t sopts;
    ls_table_files_cfg_t fcfg;
    atomic_uint part_no;
    FILE *stdin_spool; /* standard input, kept by the inference pass */
    bool csv;          /* --format csv */
    ls_csv_opts_t csv_opts;
} ls__load_t;

typedef struct ls__worker_s {
    ls__load_t *L;
    ls_json_decoder_t *dec;
    ls_csv_decoder_t *csv; /* CSV: made for each input (each has its own header) */
    ls_batch_t *batch;     /* CSV: decoded rows, table layout */
    size_t batch_cap;      /* the usual cap of batch (a larger record raises it for one drain) */
    ls_table_files_t fs;
    ls_cli_router_t route;
    ls_cli_reader_t rd;
    ls_cli_feed_t *feed; /* the input being loaded */
    size_t chunk;        /* index of the chunk being decoded */
    ls_buf_t report;     /* skipped-line reports of the chunk */
    uint64_t bad;
    bool stopped;      /* the run stopped while this worker waited to report */
    bool retry;        /* CSV: a record outgrew the usual batch: retry it in a larger one */
    size_t retry_at;   /* ... at this byte offset of the decode call's input */
    uint64_t bad_line; /* CSV fail mode: the line (of the chunk) that stopped this worker */
    ls_error_t bad_why;
    ls_err_t rc;
    ls_error_t err;
} ls__worker_t;

/* ------------------------------------------------------------ workers */

static ls_err_t ls__nomem(ls_error_t *err)
{
    return ls_error_set(err, LS_ERR_NOMEM, "out of memory");
}

/* @p msg without a leading "line N: " (the decoder names the line itself). */
static const char *ls__strip_line(const char *msg, size_t line_no)
{
    char prefix[40];
    int n = snprintf(prefix, sizeof(prefix), "line %zu", line_no);
    if (n <= 0 || strncmp(msg, prefix, (size_t)n) != 0) {
        return msg;
    }
    return msg[n] == ':' || msg[n] == ',' ? msg + n + (msg[n + 1] == ' ' ? 2 : 1) : msg;
}

/* A failure that is not about an input line: every worker stops. */
static ls_err_t ls__fatal(ls__worker_t *w, ls_err_t rc)
{
    ls_cli_feed_fail(w->feed, w->chunk, 0, LS_CLI_FAIL_PLAIN, rc, w->err.msg, false);
    return rc;
}

/* A rejected record at line @p line of the chunk: stop (fail mode), or report and go on. */
static ls_err_t ls__reject(ls__worker_t *w, uint64_t line, const ls_error_t *why)
{
    if (!w->L->skip_bad) {
        ls_err_t rc = why->code != LS_OK ? why->code : LS_ERR_PARSE;
        ls_cli_feed_fail(w->feed, w->chunk, line, LS_CLI_FAIL_AT_LINE, rc, why->msg, true);
        return rc;
    }
    w->bad++;
    if (ls_cli_report_add(&w->report, line, why->msg) != LS_OK) {
        ls_error_set(&w->err, LS_ERR_NOMEM, "out of memory for the skipped-line reports");
        return ls__fatal(w, LS_ERR_NOMEM);
    }
    if (w->report.len > LS__REPORT_MAX && !ls_cli_feed_report(w->feed, w->chunk, &w->report)) {
        w->stopped = true;
        return LS_ERR_STATE;
    }
    return LS_OK;
}

/* Decode the NDJSON lines of chunk @p c into the partitions' batches. */
static ls_err_t ls__json_chunk(ls__worker_t *w, const ls_cli_chunk_t *c)
{
    const char *p = c->data, *end = c->data + c->len;
    uint64_t nl_count = 0;
    ls_error_t why;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        if (!ls_cli_blank(p, n)) {
            bool is_bad = false;
            ls_err_t rc = ls_cli_route_json(&w->route, p, n, &is_bad, &why, &w->err);
            if (rc != LS_OK) {
                return ls__fatal(w, rc);
            }
            if (is_bad) {
                LS_TRY(ls__reject(w, nl_count + 1, &why));
            }
        }
        if (nl == NULL) {
            break;
        }
        nl_count++;
        p = nl + 1;
    }
    if (c->long_tail) {
        char msg[64];
        snprintf(msg, sizeof(msg), "is longer than %zu bytes", LS_CLI_LINE_MAX);
        ls_cli_feed_fail(w->feed, c->index, nl_count + 1, LS_CLI_FAIL_LINE_IS, LS_ERR_LIMIT, msg,
                         true);
        return LS_ERR_LIMIT;
    }
    return ls_cli_feed_done(w->feed, c->index, nl_count, &w->report);
}

/* CSV: a rejected record (line_no counts from the chunk's first line, 1). */
static ls_err_t ls__on_bad(void *ctx, size_t line_no, size_t byte_offset, const ls_error_t *why)
{
    ls__worker_t *w = ctx;
    if (why->code == LS_ERR_LIMIT && w->batch->nrows == 0 &&
        w->batch->max_bytes < LS__BATCH_BIG) { /* not the record's fault yet: see ls__csv_chunk */
        w->retry = true;
        w->retry_at = byte_offset;
        return LS_ERR_LIMIT;
    }
    if (!w->L->skip_bad) {
        w->bad_line = line_no;
        w->bad_why = *why;
        return why->code != LS_OK ? why->code : LS_ERR_PARSE;
    }
    ls_error_t e = *why;
    snprintf(e.msg, sizeof(e.msg), "%s", ls__strip_line(why->msg, line_no));
    return ls__reject(w, line_no, &e);
}

/* CSV: hand the decoded rows to the files by partition. */
static ls_err_t ls__drain(ls__worker_t *w, ls_error_t *err)
{
    if (w->batch->nrows == 0) {
        return LS_OK;
    }
    ls_err_t rc = ls_cli_route_batch(&w->route, w->batch, err);
    ls_batch_reset(w->batch);
    if (rc == LS_OK && w->batch->max_bytes > w->batch_cap) { /* back to the usual size */
        ls_batch_t *b = ls_batch_new(w->L->layout, w->batch_cap);
        if (b == NULL) {
            return ls__nomem(err);
        }
        ls_batch_free(w->batch);
        w->batch = b;
    }
    return rc;
}

/* CSV: a record too large for an empty batch of the usual cap: one batch of LS__BATCH_BIG. */
static ls_err_t ls__big_batch(ls__worker_t *w, uint64_t line)
{
    if (w->batch->max_bytes >= LS__BATCH_BIG) {
        ls_cli_feed_fail(w->feed, w->chunk, line, LS_CLI_FAIL_AT_LINE, LS_ERR_LIMIT,
                         "record does not fit in a batch", true);
        return LS_ERR_LIMIT;
    }
    ls_batch_t *b = ls_batch_new(w->L->layout, LS__BATCH_BIG);
    if (b == NULL) {
        ls__nomem(&w->err);
        return ls__fatal(w, LS_ERR_NOMEM);
    }
    ls_batch_free(w->batch);
    w->batch = b;
    return LS_OK;
}

/* CSV: what a decode call returned that is not a full batch. */
static ls_err_t ls__csv_stop(ls__worker_t *w, ls_err_t rc, size_t used, uint64_t line)
{
    if (w->stopped) {
        return rc;
    }
    if (rc != LS_OK && w->bad_line != 0) { /* fail mode: the record that stops the run */
        ls_cli_feed_fail(w->feed, w->chunk, w->bad_line, LS_CLI_FAIL_AT_LINE, rc,
                         ls__strip_line(w->bad_why.msg, (size_t)w->bad_line), true);
        return rc;
    }
    if (rc != LS_OK) {
        return ls__fatal(w, rc);
    }
    if (used == 0) {
        ls_cli_feed_fail(w->feed, w->chunk, line, LS_CLI_FAIL_AT_LINE, LS_ERR_STATE,
                         "the decoder made no progress", false);
        return LS_ERR_STATE;
    }
    return LS_OK;
}

static ls_err_t ls__csv_chunk(ls__worker_t *w, const ls_cli_chunk_t *c)
{
    size_t pos = 0;
    uint64_t line = 1;
    while (pos < c->len) {
        size_t used = 0, before = w->batch->nrows;
        ls_err_t rc = ls_csv_decode(w->csv, w->batch, c->data + pos, c->len - pos, (size_t)line,
                                    ls__on_bad, w, &used, &w->err);
        if (w->retry) { /* resume at the record that did not fit, in a larger batch */
            w->retry = false;
            line += ls_cli_count_lines(c->data + pos, w->retry_at);
            pos += w->retry_at;
            LS_TRY(ls__big_batch(w, line));
            continue;
        }
        line += ls_cli_count_lines(c->data + pos, used);
        pos += used;
        if (rc == LS_ERR_LIMIT && w->bad_line == 0 && !w->stopped) {
            if (before == 0 && w->batch->nrows == 0 && used == 0) {
                LS_TRY(ls__big_batch(w, line));
                continue;
            }
            if ((rc = ls__drain(w, &w->err)) != LS_OK) {
                return ls__fatal(w, rc);
            }
            continue;
        }
        LS_TRY(ls__csv_stop(w, rc, used, line));
    }
    return ls_cli_feed_done(w->feed, c->index, line - 1, &w->report);
}

static void *ls__worker_main(void *arg)
{
    ls__worker_t *w = arg;
    ls_cli_chunk_t c;
    while (ls_cli_feed_next(w->feed, &w->rd, &c)) {
        w->chunk = c.index;
        w->stopped = false;
        w->bad_line = 0;
        ls_buf_reset(&w->report);
        ls_error_clear(&w->err);
        if ((w->L->csv ? ls__csv_chunk(w, &c) : ls__json_chunk(w, &c)) != LS_OK) {
            break;
        }
    }
    return NULL;
}

/* After the last input: the worker's remaining rows, then its open files closed (the
 * tail compression, stats and store commits), each worker on its own files. */
static void *ls__finish_main(void *arg)
{
    ls__worker_t *w = arg;
    w->rc = w->L->csv ? ls__drain(w, &w->err) : LS_OK;
    w->rc = w->rc == LS_OK ? ls_cli_router_flush(&w->route, &w->err) : w->rc;
    w->rc = w->rc == LS_OK ? ls_table_files_close_all(&w->fs, &w->err) : w->rc;
    return NULL;
}

static ls_err_t ls__worker_init(ls__load_t *L, ls__worker_t *w, ls_error_t *err)
{
    memset(w, 0, sizeof(*w));
    w->L = L;
    ls_buf_init(&w->report, LS_CLI_REPORT_CAP);
    ls_table_files_init(&w->fs, &L->fcfg);
    ls_json_decoder_opts_t dopts;
    ls_json_decoder_opts_init(&dopts);
    dopts.json_text_in_strings = L->inferred;
    w->dec = L->csv ? NULL : ls_json_decoder_new(L->layout, &dopts, err);
    /* a batch is the unit files roll at: keep it near the target for small targets */
    uint64_t bb = L->fcfg.target_bytes * 2;
    bb = bb < LS__BATCH_MIN ? LS__BATCH_MIN : bb > LS__BATCH_BYTES ? LS__BATCH_BYTES : bb;
    w->batch_cap = (size_t)bb;
    w->batch = L->csv ? ls_batch_new(L->layout, w->batch_cap) : NULL;
    if ((w->dec == NULL && !L->csv) || (w->batch == NULL && L->csv)) {
        return err->code != LS_OK ? err->code : ls__nomem(err);
    }
    /* a partition's batch is the unit its files roll at: near small targets too */
    uint64_t sb = L->fcfg.target_bytes * 2;
    sb = sb < LS__SLOT_MIN ? LS__SLOT_MIN : sb > LS__SLOT_BYTES ? LS__SLOT_BYTES : sb;
    ls_cli_route_cfg_t rc = {L->part, L->pcols, (size_t)sb, w->batch_cap, LS__BATCH_BIG};
    return ls_cli_router_init(&w->route, &rc, w->dec, &w->fs, err);
}

static void ls__worker_free(ls__worker_t *w)
{
    ls_cli_router_free(&w->route);
    ls_json_decoder_free(w->dec);
    ls_csv_decoder_free(w->csv);
    ls_batch_free(w->batch);
    ls_table_files_free(&w->fs);
    ls_cli_reader_free(&w->rd);
    ls_buf_free(&w->report);
}

/* Run @p fn on every worker, worker 0 on the calling thread. */
static void ls__spawn(ls__load_t *L, ls__worker_t *ws, void *(*fn)(void *))
{
    unsigned n = L->threads;
    pthread_t th[LS_CLI_MAX_THREADS];
    bool started[LS_CLI_MAX_THREADS] = {false};
    for (unsigned i = 1; i < n; i++) {
        started[i] = pthread_create(&th[i], NULL, fn, &ws[i]) == 0;
        if (!started[i]) {
            fn(&ws[i]);
        }
    }
    fn(&ws[0]);
    for (unsigned i = 1; i < n; i++) {
        if (started[i]) {
            pthread_join(th[i], NULL);
        }
    }
}

/* Finish every worker in parallel; the first failure in worker order wins. */
static ls_err_t ls__finish_all(ls__load_t *L, ls__worker_t *ws, ls_error_t *err)
{
    ls__spawn(L, ws, ls__finish_main);
    for (unsigned i = 0; i < L->threads; i++) {
        if (ws[i].rc != LS_OK) {
            *err = ws[i].err;
            return ws[i].rc;
        }
    }
    return LS_OK;
}

/* Decode the chunks of @p f with every worker; *next_line: the line after them. */
static ls_err_t ls__run_feed(ls__load_t *L, ls__worker_t *ws, ls_cli_feed_t *f, uint64_t *next_line,
                             ls_error_t *err)
{
    for (unsigned i = 0; i < L->threads; i++) {
        ws[i].feed = f;
    }
    ls__spawn(L, ws, ls__worker_main);
    ls_err_t rc = ls_cli_feed_end(f, next_line, err);
    ls_cli_feed_free(f);
    return rc;
}

/* CSV: fresh decoders for a new input, each reading its header from the first window. */
static ls_err_t ls__csv_header(ls__load_t *L, ls__worker_t *ws, ls_cli_lines_t *lr,
                               ls_error_t *err)
{
    size_t len = 0, used = 0;
    LS_TRY(ls_cli_lines_next(lr, &len, err));
    if (len == 0) { /* an empty input: nothing to decode */
        return LS_OK;
    }
    for (unsigned i = 0; i < L->threads; i++) {
        ls_csv_decoder_free(ws[i].csv);
        ws[i].csv = ls_csv_decoder_new(L->layout, &L->csv_opts, err);
        if (ws[i].csv == NULL) {
            return err->code != LS_OK ? err->code : ls__nomem(err);
        }
        ls_err_t rc = ls_csv_read_header(ws[i].csv, lr->buf, len, &used, err);
        if (rc != LS_OK) {
            return ls_error_prefix(err, "%s: ", lr->name);
        }
    }
    ls_cli_lines_consume(lr, used, ls_cli_count_lines(lr->buf, used));
    return LS_OK;
}

/* One window of a stream: chunks cut in memory (CSV: at record boundaries). */
static ls_err_t ls__run_window(ls__load_t *L, ls__worker_t *ws, ls_cli_lines_t *lr, size_t len,
                               ls_error_t *err)
{
    size_t *cuts = NULL, n = 0, whole = len;
    if (L->csv) {
        n = ls_cli_feed_chunks_for(len);
        if ((cuts = ls_calloc(n + 1, sizeof(size_t))) == NULL) {
            return ls__nomem(err);
        }
        ls_cli_csv_slices(lr->buf, len, lr->eof, L->csv_opts.quote, (unsigned)n, cuts);
        whole = cuts[n];
        if (whole == 0) {
            ls_free(cuts);
            return ls_error_set(err, LS_ERR_LIMIT, "%s:%llu: a record longer than %zu bytes",
                                lr->name, (unsigned long long)lr->line_no, lr->cap);
        }
    }
    ls_cli_feed_t f;
    uint64_t next = lr->line_no;
    ls_err_t rc = ls_cli_feed_window(&f, lr->buf, whole, cuts, n, lr->name, lr->line_no, err);
    rc = rc == LS_OK ? ls__run_feed(L, ws, &f, &next, err) : rc;
    ls_free(cuts);
    if (rc == LS_OK) {
        ls_cli_lines_consume(lr, whole, next - lr->line_no);
    }
    return rc;
}

/* A stream (standard input, a pipe; any CSV input) in windows read by this thread. */
static ls_err_t ls__load_stream(ls__load_t *L, ls__worker_t *ws, FILE *in, const char *name,
                                ls_error_t *err)
{
    ls_cli_lines_t lr;
    ls_err_t rc = ls_cli_lines_init(&lr, in, name, err);
    if (rc == LS_OK && L->csv) {
        rc = ls__csv_header(L, ws, &lr, err);
    }
    while (rc == LS_OK) {
        size_t len = 0;
        rc = ls_cli_lines_next(&lr, &len, err);
        if (rc != LS_OK || len == 0) {
            break;
        }
        rc = ls__run_window(L, ws, &lr, len, err);
    }
    ls_free(lr.buf);
    return rc;
}

static ls_err_t ls__load_input(ls__load_t *L, ls__worker_t *ws, const char *path, ls_error_t *err)
{
    FILE *in = NULL;
    if (strcmp(path, "-") == 0 && L->stdin_spool != NULL) { /* read during inference */
        in = L->stdin_spool;
    } else {
        LS_TRY(ls_cli_open_input(path, &in, err));
    }
    const char *name = strcmp(path, "-") == 0 ? "<stdin>" : path;
    struct stat sb;
    ls_err_t rc;
    if (!L->csv && in != stdin && fstat(fileno(in), &sb) == 0 && S_ISREG(sb.st_mode)) {
        /* a file: the workers read their chunks themselves, all at once */
        ls_cli_feed_t f;
        uint64_t next = 1;
        rc = ls_cli_feed_file(&f, fileno(in), (uint64_t)sb.st_size, name, 1, err);
        rc = rc == LS_OK ? ls__run_feed(L, ws, &f, &next, err) : rc;
    } else if (in == L->stdin_spool && fseek(in, 0, SEEK_SET) != 0) {
        rc = ls_error_set(err, LS_ERR_IO, "<stdin>: cannot re-read the spooled input");
    } else {
        rc = ls__load_stream(L, ws, in, name, err);
    }
    if (in != stdin && in != L->stdin_spool) {
        fclose(in);
    }
    return rc;
}

/* ------------------------------------------------------------ schema */

/* The table schema plus the top-level columns of @p seen it lacks (new columns only:
 * inferred types of existing columns may legitimately differ from the table's). */
static ls_err_t ls__additive(const ls_type_t *table, const ls_type_t *seen, ls_type_t **out,
                             ls_error_t *err)
{
    *out = ls_type_clone(table);
    if (*out == NULL) {
        return ls__nomem(err);
    }
    for (size_t i = 0; i < seen->nfields; i++) {
        const ls_field_t *f = &seen->fields[i];
        if (ls_type_struct_find(table, f->name) >= 0) {
            continue;
        }
        ls_type_t *t = ls_type_clone(f->type);
        if (t == NULL || ls_type_struct_add(*out, f->name, t, true) != LS_OK) {
            return ls__nomem(err);
        }
    }
    return LS_OK;
}

/* Existing table: its schema, merged with what the input brings. */
static ls_err_t ls__evolved_schema(ls__load_t *L, ls_type_t *incoming, ls_error_t *err)
{
    const ls_delta_metadata_t *md = ls_delta_snapshot_metadata(L->snap);
    const ls_type_t *table = ls_delta_snapshot_schema(L->snap);
    if (incoming == NULL) {
        L->schema = ls_type_clone(table);
        return L->schema ? LS_OK : ls__nomem(err);
    }
    ls_type_t *add = NULL;
    ls_err_t rc = L->inferred ? ls__additive(table, incoming, &add, err) : LS_OK;
    ls_delta_schema_merge_t m;
    memset(&m, 0, sizeof(m));
    if (rc == LS_OK) {
        rc = ls_delta_schema_merge(md->schema_string ? md->schema_string : "{}",
                                   add ? add : incoming, 0, &m, err);
    }
    if (rc == LS_OK) {
        L->evolve = m.changed;
        L->schema = ls_type_clone(m.changed ? m.schema : table);
        rc = L->schema ? LS_OK : ls__nomem(err);
    }
    ls_delta_schema_merge_free(&m);
    ls_type_free(add);
    return rc;
}

static ls_err_t ls__check_partitions(ls__load_t *L, const char *given, ls_error_t *err)
{
    if (L->snap == NULL) {
        return LS_OK;
    }
    const ls_delta_metadata_t *md = ls_delta_snapshot_metadata(L->snap);
    bool same = md->n_partition_columns == L->ncols;
    for (size_t i = 0; same && i < L->ncols; i++) {
        same = strcmp(md->partition_columns[i], L->pcols[i]) == 0;
    }
    if (given != NULL && !same) {
        return ls_error_set(err, LS_ERR_CONFIG,
                            "--partition-by %s does not match the table's partition columns", given);
    }
    if (md->n_partition_columns > LS__MAX_PCOLS) {
        return ls_error_set(err, LS_ERR_LIMIT, "the table has more than %d partition columns",
                            LS__MAX_PCOLS);
    }
    L->ncols = md->n_partition_columns;
    for (size_t i = 0; i < L->ncols; i++) {
        L->pcols[i] = md->partition_columns[i];
    }
    return LS_OK;
}

/* Decide the schema data is written with; then layout, partitioner, stats options. */
/* The schema the input brings: --schema, or inferred (NULL: an existing table and an
 * input with no record, which simply adds nothing). */
static ls_err_t ls__incoming(ls__load_t *L, const char *schema_path, ls_type_t **out,
                             ls_error_t *err)
{
    *out = NULL;
    if (!L->inferred) {
        return ls_cli_read_schema_file(schema_path, out, err);
    }
    ls_err_t rc = L->csv ? ls_cli_csv_infer(L->inputs, L->ninputs, &L->csv_opts, &L->stdin_spool,
                                            out, err)
                         : ls_cli_load_infer(L->inputs, L->ninputs, L->threads, &L->stdin_spool,
                                             out, err);
    if (rc == LS_ERR_INVALID_ARG && L->snap != NULL) {
        ls_error_clear(err);
        return LS_OK;
    }
    return rc;
}

static ls_err_t ls__resolve(ls__load_t *L, const char *schema_path, ls_error_t *err)
{
    ls_type_t *incoming = NULL;
    L->inferred = schema_path == NULL;
    LS_TRY(ls__incoming(L, schema_path, &incoming, err));
    ls_err_t rc = LS_OK;
    if (L->snap != NULL) {
        rc = ls__evolved_schema(L, incoming, err);
        ls_type_free(incoming);
    } else {
        L->schema = incoming;
    }
    LS_TRY(rc);
    if ((L->layout = ls_layout_new(L->schema, err)) == NULL) {
        return err->code != LS_OK ? err->code : ls__nomem(err);
    }
    L->part = ls_table_partitioner_new(L->layout, L->pcols, L->ncols, err);
    if (L->part == NULL) {
        return ls_error_prefix(err, "partitioning by the given columns: ");
    }
    ls_table_stats_opts_init(&L->sopts);
    const ls_delta_metadata_t *md = L->snap ? ls_delta_snapshot_metadata(L->snap) : NULL;
    for (size_t i = 0; md != NULL && i < md->n_configuration; i++) {
        LS_TRY(ls_table_stats_opts_set(&L->sopts, md->configuration[i].key,
                                       md->configuration[i].value, err));
    }
    return LS_OK;
}

/* ------------------------------------------------------------ commit */

/* Spark's operationParameters of an append: {"mode":"Append","partitionBy":"[...]"}. */
static ls_err_t ls__op_params(const ls__load_t *L, ls_buf_t *out)
{
    ls_buf_t list;
    ls_buf_init(&list, 1 << 16);
    ls_err_t rc = ls_buf_append_byte(&list, '[');
    for (size_t i = 0; rc == LS_OK && i < L->ncols; i++) {
        rc = i ? ls_buf_append_byte(&list, ',') : LS_OK;
        rc = rc == LS_OK ? ls_json_append_string(&list, L->pcols[i], strlen(L->pcols[i])) : rc;
    }
    rc = rc == LS_OK ? ls_buf_append_byte(&list, ']') : rc;
    rc = rc == LS_OK ? ls_buf_append_str(out, "{\"mode\":\"Append\",\"partitionBy\":") : rc;
    rc = rc == LS_OK ? ls_json_append_string(out, (const char *)list.data, list.len) : rc;
    rc = rc == LS_OK ? ls_buf_append_byte(out, '}') : rc;
    rc = rc == LS_OK ? ls_buf_terminate(out) : rc;
    ls_buf_free(&list);
    return rc;
}

static ls_err_t ls__create(ls__load_t *L, ls_error_t *err)
{
    ls_delta_create_opts_t co;
    memset(&co, 0, sizeof(co));
    co.schema = L->schema;
    co.n_partition_columns = L->ncols;
    co.partition_columns = L->pcols;
    ls_err_t rc = ls_delta_table_create(L->st, &co, &L->snap, err);
    if (rc == LS_ERR_EXISTS) {
        return ls_error_prefix(err, "another writer created the table meanwhile (load again): ");
    }
    return rc;
}

/* The one data commit (after creating the table when absent), then a checkpoint if due. */
static ls_err_t ls__commit(ls__load_t *L, ls__worker_t *ws, int64_t *version, ls_error_t *err)
{
    if (L->snap == NULL) {
        LS_TRY(ls__create(L, err));
    }
    ls_buf_t params;
    ls_buf_init(&params, 1 << 20);
    ls_delta_tx_opts_t to;
    ls_delta_tx_opts_init(&to);
    to.operation = "WRITE";
    ls_delta_tx_t *tx = NULL;
    ls_err_t rc = ls__op_params(L, &params);
    if (rc != LS_OK) {
        ls_error_set(err, rc, "cannot format the commit parameters");
    } else {
        to.operation_parameters = (const char *)params.data;
        rc = ls_delta_tx_new(L->snap, &to, &tx, err);
    }
    if (rc == LS_OK && L->evolve) {
        rc = ls_delta_tx_evolve_schema(tx, L->schema, 0, NULL, err);
    }
    for (unsigned i = 0; rc == LS_OK && i < L->threads; i++) {
        rc = ls_table_done_add_actions(tx, ws[i].fs.done, ws[i].fs.ndone, L->pcols, L->ncols,
                                       err);
    }
    ls_delta_commit_result_t res;
    rc = rc == LS_OK ? ls_delta_tx_commit(tx, &res, err) : rc;
    if (rc == LS_OK) {
        *version = res.version;
    }
    ls_delta_tx_free(tx);
    ls_buf_free(&params);
    if (rc == LS_OK && ls_delta_checkpoint_due(L->snap)) {
        ls_error_t cerr;
        ls_error_clear(&cerr);
        if (ls_delta_checkpoint_write(L->snap, 0, NULL, &cerr) != LS_OK) {
            fprintf(stderr, "lakesink: load: warning: committed, but the checkpoint failed: %s\n",
                    cerr.msg);
        }
    }
    return rc;
}

/* ------------------------------------------------------------ command */

static ls_err_t ls__summary(const ls__load_t *L, ls__worker_t *ws, int64_t version, double secs,
                            ls_error_t *err)
{
    uint64_t files = 0, rows = 0, bytes = 0, bad = 0;
    for (unsigned i = 0; i < L->threads; i++) {
        bad += ws[i].bad;
        for (size_t f = 0; f < ws[i].fs.ndone; f++) {
            files++;
            rows += (uint64_t)ws[i].fs.done[f].rows;
            bytes += (uint64_t)ws[i].fs.done[f].size;
        }
    }
    ls_buf_t o;
    ls_buf_init(&o, 1 << 16);
    ls_err_t rc = ls_buf_append_str(&o, "{\"table\":");
    rc = rc == LS_OK ? ls_json_append_string(&o, L->uri, strlen(L->uri)) : rc;
    rc = rc == LS_OK ? ls_buf_printf(&o,
                                     ",\"version\":%lld,\"files\":%llu,\"rows\":%llu,\"bytes\":%llu,"
                                     "\"bad_rows\":%llu,\"seconds\":%.3f}\n",
                                     (long long)version, (unsigned long long)files,
                                     (unsigned long long)rows, (unsigned long long)bytes,
                                     (unsigned long long)bad, secs)
                     : rc;
    rc = rc == LS_OK ? ls_cli_flush_stdout(&o, err) : ls_error_set(err, rc, "summary too long");
    ls_buf_free(&o);
    return rc;
}

/* Open the store and the latest snapshot (NULL when there is no table yet). */
static ls_err_t ls__open_table(ls__load_t *L, ls_error_t *err)
{
    LS_TRY(ls_store_open(L->uri, NULL, &L->st, err));
    ls_err_t rc = ls_delta_snapshot_load(L->st, NULL, &L->snap, err);
    if (rc == LS_ERR_NOT_FOUND) {
        L->snap = NULL;
        ls_error_clear(err);
        return LS_OK;
    }
    LS_TRY(rc);
    return ls_delta_check_write(L->snap, err);
}

static ls_err_t ls__run(ls__load_t *L, ls__worker_t *ws, const char *schema_path,
                        const char *given_pcols, double t0, ls_error_t *err)
{
    LS_TRY(ls__open_table(L, err));
    LS_TRY(ls__check_partitions(L, given_pcols, err));
    LS_TRY(ls__resolve(L, schema_path, err));
    L->fcfg.st = L->st;
    L->fcfg.part = L->part;
    L->fcfg.pcols = L->pcols;
    L->fcfg.ncols = L->ncols;
    L->fcfg.sopts = &L->sopts;
    L->fcfg.part_no = &L->part_no;
    if (L->fcfg.wopts.row_group_bytes > L->fcfg.target_bytes) {
        L->fcfg.wopts.row_group_bytes = L->fcfg.target_bytes;
    }
    for (unsigned i = 0; i < L->threads; i++) {
        LS_TRY(ls__worker_init(L, &ws[i], err));
    }
    for (size_t i = 0; i < L->ninputs; i++) {
        LS_TRY(ls__load_input(L, ws, L->inputs[i], err));
    }
    LS_TRY(ls__finish_all(L, ws, err));

    int64_t version = -1;
    LS_TRY(ls__commit(L, ws, &version, err));
    return ls__summary(L, ws, version, ls_cli_now() - t0, err);
}

/* Options into @p L; returns an exit code or LS_CLI_RUN. */
static int ls__options(const ls_cli_val_t *v, ls__load_t *L)
{
    const char *cmd = ls__cmd.name;
    L->csv = v[O_FORMAT].set && strcmp(v[O_FORMAT].str, "csv") == 0;
    if (v[O_FORMAT].set && !L->csv && strcmp(v[O_FORMAT].str, "ndjson") != 0) {
        return ls_cli_usage_error(cmd, "--format must be 'ndjson' or 'csv', not '%s'",
                                  v[O_FORMAT].str);
    }
    ls_csv_opts_init(&L->csv_opts);
    if (v[O_ON_ERROR].set && strcmp(v[O_ON_ERROR].str, "skip") != 0 &&
        strcmp(v[O_ON_ERROR].str, "fail") != 0) {
        return ls_cli_usage_error(cmd, "--on-error must be 'fail' or 'skip', not '%s'",
                                  v[O_ON_ERROR].str);
    }
    L->skip_bad = v[O_ON_ERROR].set && strcmp(v[O_ON_ERROR].str, "skip") == 0;
    ls_pq_writer_opts_init(&L->fcfg.wopts);
    if (v[O_CODEC].set && !ls_cli_codec_parse(v[O_CODEC].str, &L->fcfg.wopts.codec)) {
        return ls_cli_usage_error(cmd, "unknown codec '%s' (zstd, snappy, gzip, lz4_raw, brotli, "
                                       "none)", v[O_CODEC].str);
    }
    ls_table_files_codec_defaults(&L->fcfg.wopts, 0);
    L->fcfg.wopts.row_group_bytes = LS__RG_MAX;
    L->fcfg.target_bytes = v[O_TARGET].set ? (uint64_t)v[O_TARGET].num : (uint64_t)128 << 20;
    if (L->fcfg.target_bytes < ((uint64_t)4 << 20)) { /* pages count once finished */
        uint64_t pb = L->fcfg.target_bytes / 4;
        pb = pb < 8192 ? 8192 : pb;
        L->fcfg.wopts.page_bytes =
            (uint32_t)(pb < L->fcfg.wopts.page_bytes ? pb : L->fcfg.wopts.page_bytes);
    }
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    L->threads = v[O_THREADS].set ? (unsigned)v[O_THREADS].num
                                  : (unsigned)(cores < 1 ? 1 : cores > 16 ? 16 : cores);
    if (v[O_PARTITION].set) {
        int n = ls_cli_split_list(v[O_PARTITION].str, L->pstore, sizeof(L->pstore), L->pcols,
                                  LS__MAX_PCOLS);
        if (n < 0) {
            return ls_cli_usage_error(cmd, "--partition-by takes 1 to %d comma-separated names",
                                      LS__MAX_PCOLS);
        }
        L->ncols = (size_t)n;
    }
    size_t nstdin = 0;
    for (size_t i = 0; i < L->ninputs; i++) {
        nstdin += strcmp(L->inputs[i], "-") == 0;
    }
    return nstdin > 1 ? ls_cli_usage_error(cmd, "standard input ('-') can be given only once")
                      : LS_CLI_RUN;
}

static void ls__cleanup(ls__load_t *L, ls__worker_t *ws)
{
    for (unsigned i = 0; ws != NULL && i < L->threads; i++) {
        ls__worker_free(&ws[i]);
    }
    ls_free(ws);
    ls_table_partitioner_free(L->part);
    ls_layout_free(L->layout);
    ls_type_free(L->schema);
    ls_delta_snapshot_free(L->snap);
    ls_store_free(L->st);
    if (L->stdin_spool != NULL) {
        fclose(L->stdin_spool);
    }
}

int ls_cli_load_main(int argc, char **argv)
{
    double t0 = ls_cli_now();
    ls_cli_cmd_t cmd = ls__cmd;
    cmd.max_args = (size_t)(argc > 1 ? argc : 1);
    const char **args = ls_calloc(cmd.max_args, sizeof(char *));
    if (args == NULL) {
        fprintf(stderr, "lakesink: load: out of memory\n");
        return LS_CLI_EXIT_FAIL;
    }
    static const char *const stdin_only[] = {"-"};
    ls_cli_val_t v[O_N];
    size_t nargs = 0;
    ls__load_t L;
    memset(&L, 0, sizeof(L));
    int rc = ls_cli_parse(&cmd, argc, argv, v, args, &nargs);
    if (rc == LS_CLI_RUN) {
        L.uri = args[0];
        L.inputs = nargs > 1 ? args + 1 : (const char **)stdin_only;
        L.ninputs = nargs > 1 ? nargs - 1 : 1;
        rc = ls__options(v, &L);
    }
    ls__worker_t *ws = NULL;
    if (rc == LS_CLI_RUN) {
        rc = LS_CLI_EXIT_OK;
        ls_error_t err;
        ls_error_clear(&err);
        ws = ls_calloc(L.threads, sizeof(*ws));
        ls_err_t e = ws ? ls__run(&L, ws, v[O_SCHEMA].set ? v[O_SCHEMA].str : NULL,
                                  v[O_PARTITION].set ? v[O_PARTITION].str : NULL, t0, &err)
                        : ls__nomem(&err);
        if (e != LS_OK) {
            char what[600];
            snprintf(what, sizeof(what), "load into %s failed", L.uri);
            rc = ls_cli_fail(what, NULL, &err);
        }
    }
    ls__cleanup(&L, ws);
    ls_free(args);
    return rc;
}

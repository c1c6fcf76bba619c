/*
 * ndjson_convert.h — the NDJSON → Parquet pipeline behind `lakesink parquet write` (and
 * the encode benchmark, which runs exactly this code): optional schema inference pass,
 * then bounded windows of whole lines decoded into bounded batches and streamed into
 * the Parquet writer; output goes to "<output>.tmp", renamed into place on success.
 *
 * Memory: one input window (32 MiB), one batch (batch_bytes) and the writer's current
 * row group, whatever the input size. Standard input is spooled to an unlinked
 * temporary file when the schema must be inferred (inference needs a second pass).
 *
 * The line windows and the inference pass are shared with `lakesink load` (cmd_load.c).
 *
 * Ownership: every pointer in the options is borrowed for the duration of the call.
 */
#ifndef LS_CLI_NDJSON_CONVERT_H
#define LS_CLI_NDJSON_CONVERT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "lakesink/error.h"
#include "lakesink/json.h"
#include "lakesink/parquet.h"
#include "lakesink/schema.h"

#define LS_CLI_CONVERT_BATCH_BYTES ((size_t)64 << 20)

typedef struct ls_cli_convert_opts_s {
    const char *input;          /* NDJSON path, "-" = standard input */
    const char *output;         /* Parquet path */
    const ls_type_t *schema;    /* a STRUCT; NULL = infer from the input */
    ls_pq_writer_opts_t writer; /* codec, level, row group bytes, ... */
    bool skip_bad;              /* report bad lines and go on (else the first one fails) */
    FILE *report;               /* where skipped lines are reported; NULL = nowhere */
    size_t batch_bytes;         /* memory cap of the decode batch; 0 = default */
    uint64_t row_group_rows;    /* also close a row group after this many rows; 0 = off */
    bool fsync;                 /* fsync the file before the rename */
} ls_cli_convert_opts_t;

typedef struct ls_cli_convert_stats_s {
    uint64_t rows;
    uint64_t bad_lines;
    uint64_t input_bytes;
    uint64_t output_bytes;
    uint32_t row_groups;
    bool inferred; /* the schema came from the input */
    double seconds;
} ls_cli_convert_stats_t;

/** @brief Defaults: writer defaults, fail on bad lines, default batch cap, fsync on. */
void ls_cli_convert_opts_init(ls_cli_convert_opts_t *o);

/**
 * @brief Convert o->input to o->output.
 * @param st receives the figures (also filled as far as possible on failure).
 * @returns LS_OK, or an error whose message names the input line or the output file;
 *          on failure "<output>.tmp" is removed and o->output is untouched.
 */
ls_err_t ls_cli_convert(const ls_cli_convert_opts_t *o, ls_cli_convert_stats_t *st,
                        ls_error_t *err);

/* ------------------------------------------------------------ shared pieces */

/* A stream cut into windows of whole lines (32 MiB; a longer line is an error). */
typedef struct ls_cli_lines_s {
    FILE *in;         /* borrowed */
    FILE *spool;      /* when set, every byte read is copied here (stdin + inference) */
    const char *name; /* borrowed, for messages */
    char *buf;        /* owned: ls_free it when done */
    size_t cap, end;  /* buf[0, end) holds unread input */
    bool eof;
    uint64_t line_no; /* number of the line at buf[0] */
    uint64_t bytes;   /* bytes read from `in` */
} ls_cli_lines_t;

/** @brief Open @p path for reading ("-" = stdin, not to be closed). */
ls_err_t ls_cli_open_input(const char *path, FILE **out, ls_error_t *err);
/** @brief Start cutting @p in (borrowed) into windows; allocates lr->buf. */
ls_err_t ls_cli_lines_init(ls_cli_lines_t *lr, FILE *in, const char *name, ls_error_t *err);
/**
 * @brief The next window: *len bytes at lr->buf ending after a newline (or at end of
 * input); *len == 0 at the end.
 */
ls_err_t ls_cli_lines_next(ls_cli_lines_t *lr, size_t *len, ls_error_t *err);
/** @brief Drop the first @p n bytes (holding @p lines lines) of the window. */
void ls_cli_lines_consume(ls_cli_lines_t *lr, size_t n, uint64_t lines);
/** @brief Newlines in [p, p+n). */
uint64_t ls_cli_count_lines(const char *p, size_t n);
/** @brief Whether [p, p+n) holds only spaces, tabs and CRs. */
bool ls_cli_blank(const char *p, size_t n);
/**
 * @brief Before an inference pass: when lr->in cannot be re-read (a pipe), copy what is
 * read into a new temporary file *spool (caller fcloses it).
 */
ls_err_t ls_cli_lines_spool_start(ls_cli_lines_t *lr, FILE **spool, ls_error_t *err);
/** @brief The inferred schema (caller owns *out); an error when nothing was seen. */
ls_err_t ls_cli_infer_result(ls_json_infer_t *inf, uint64_t records, const char *name,
                             ls_type_t **out, ls_error_t *err);

#endif

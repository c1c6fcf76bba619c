/*
 * load_input.h — the input of `lakesink load` as a queue of chunks of whole lines (CSV:
 * whole records) that the worker threads take in input order, each as soon as it is
 * free, with no pause between chunks. A regular NDJSON file is read by the workers
 * themselves (pread, one chunk each, in parallel); other input arrives in windows that
 * the caller reads, and the chunks are cut from the window in memory.
 *
 * Workers know a line only by its position inside its chunk; the feed numbers lines in
 * input order once the chunks before it are done, so skipped-line reports come out in
 * input order with their file line numbers, and the failure that stops the run is the
 * first one in the input, whichever worker met it.
 *
 * Not responsible for: decoding, or reading windows of a stream (ndjson_convert.c).
 *
 * Ownership: the feed borrows the input name, the window and the cuts, which must
 * outlive it. Threads: ls_cli_feed_next, _done, _report and _fail may be called by any
 * worker at the same time; the others by the thread that runs the workers.
 */
#ifndef LS_CLI_LOAD_INPUT_H
#define LS_CLI_LOAD_INPUT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lakesink/buf.h"
#include "lakesink/error.h"

/* Longest line (or record) accepted: as long as a window of ndjson_convert.c. */
#define LS_CLI_LINE_MAX ((size_t)32 << 20)

/* Cap of a chunk's report buffer (entries: a line number, a length and the text); a
 * worker hands its reports over (ls_cli_feed_report) long before. */
#define LS_CLI_REPORT_CAP ((size_t)64 << 20)

/* How a failure is told: as it is, "NAME:LINE: MSG", or "NAME: line LINE MSG". */
typedef enum { LS_CLI_FAIL_PLAIN, LS_CLI_FAIL_AT_LINE, LS_CLI_FAIL_LINE_IS } ls_cli_fail_style_t;

/* A worker's read buffer (file chunks); zero-initialise, free with ls_cli_reader_free. */
typedef struct ls_cli_reader_s {
    char *buf;
    size_t cap;
} ls_cli_reader_t;

/* One chunk handed to a worker. */
typedef struct ls_cli_chunk_s {
    size_t index;
    const char *data; /* whole lines; valid until the worker's next ls_cli_feed_next */
    size_t len;
    bool long_tail; /* a line longer than LS_CLI_LINE_MAX follows the last line of data */
} ls_cli_chunk_t;

typedef struct ls__chunk_state_s ls__chunk_state_t;

typedef struct ls_cli_feed_s {
    const char *name;
    int fd;             /* file mode; -1 for a window */
    uint64_t size;      /* file size, or window length */
    const char *win;    /* window mode */
    const size_t *cuts; /* window mode with cuts (CSV): chunk k is [cuts[k], cuts[k+1]) */
    size_t chunk_bytes;
    size_t nchunks;
    atomic_size_t next;    /* next chunk to hand out */
    atomic_size_t stop_at; /* chunks from here on are not started */
    pthread_mutex_t lock;
    pthread_cond_t turn;
    ls__chunk_state_t *st; /* per chunk */
    size_t reported;       /* chunks [0, reported) are done and their reports printed */
    uint64_t line_base;    /* file line number of the first line of chunk `reported` */
    /* the first failure in input order */
    size_t fail_chunk;  /* SIZE_MAX: none */
    uint64_t fail_line; /* line inside the chunk (1-based); 0 = none */
    ls_cli_fail_style_t fail_style;
    ls_err_t fail_rc;
    char fail_msg[LS_ERROR_MSG_MAX];
} ls_cli_feed_t;

/**
 * @brief A feed over @p size bytes of the regular file @p fd (borrowed), whose first line
 * is line @p first_line, cut into chunks that workers read themselves.
 */
ls_err_t ls_cli_feed_file(ls_cli_feed_t *f, int fd, uint64_t size, const char *name,
                          uint64_t first_line, ls_error_t *err);

/**
 * @brief A feed over a window of whole lines [data, data+len) in memory. With @p cuts
 * (ncuts+1 offsets, e.g. CSV record boundaries) chunk k is [cuts[k], cuts[k+1]);
 * without, chunks are cut at newlines.
 */
ls_err_t ls_cli_feed_window(ls_cli_feed_t *f, const char *data, size_t len, const size_t *cuts,
                            size_t ncuts, const char *name, uint64_t first_line, ls_error_t *err);

/** @brief Chunks a window of @p len bytes is cut into (for the caller's cuts array). */
size_t ls_cli_feed_chunks_for(size_t len);

/**
 * @brief The next chunk for a worker, read into @p rd in file mode.
 * @returns false when there is none left or the run stops (a read failure is recorded
 *          as the chunk's failure).
 */
bool ls_cli_feed_next(ls_cli_feed_t *f, ls_cli_reader_t *rd, ls_cli_chunk_t *c);

/**
 * @brief Chunk @p k is done: it held @p lines newlines; @p rep holds its skipped-line
 * reports (ls_cli_report_add), printed now or once the chunks before it are done, and
 * is emptied.
 */
ls_err_t ls_cli_feed_done(ls_cli_feed_t *f, size_t k, uint64_t lines, ls_buf_t *rep);

/** @brief Add "line @p line (of the chunk): @p msg" to a chunk's reports. */
ls_err_t ls_cli_report_add(ls_buf_t *rep, uint64_t line, const char *msg);

/**
 * @brief Reports of chunk @p k grew large: wait until the chunks before it are done, then
 * print them and empty @p rep. Returns false when the run stops meanwhile.
 */
bool ls_cli_feed_report(ls_cli_feed_t *f, size_t k, ls_buf_t *rep);

/**
 * @brief Chunk @p k failed at its line @p line (0: not at a line) with @p msg. An input
 * failure stops the chunks after it; any other stops every chunk not started.
 */
void ls_cli_feed_fail(ls_cli_feed_t *f, size_t k, uint64_t line, ls_cli_fail_style_t style,
                      ls_err_t rc, const char *msg, bool input);

/**
 * @brief After the workers: the first failure (with its file line number) or LS_OK, and
 * in *next_line the number of the line after the feed.
 */
ls_err_t ls_cli_feed_end(ls_cli_feed_t *f, uint64_t *next_line, ls_error_t *err);

void ls_cli_feed_free(ls_cli_feed_t *f);
void ls_cli_reader_free(ls_cli_reader_t *rd);

#endif

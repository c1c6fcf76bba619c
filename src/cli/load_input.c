/*
 * load_input.c — chunks of the input for the `lakesink load` workers, line numbers in
 * input order, skipped-line reports in input order, and the first failure of the input.
 *
 * A chunk owns the lines that start inside its byte range [k*C, (k+1)*C): any worker can
 * find them on its own (the first line starts after the first newline at or after k*C-1,
 * the last one ends at the first newline at or after (k+1)*C-1), so no thread has to scan
 * the input before the workers start.
 *
 * Not responsible for: decoding, reading a stream into windows (ndjson_convert.c).
 */
#include "load_input.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lakesink/alloc.h"

/* Chunks: large enough that a pread and the bookkeeping are noise, small enough that
 * the workers finish within a few milliseconds of each other. */
#define LS__CHUNK_BYTES ((size_t)1 << 20)
#define LS__MAX_CHUNKS ((size_t)1 << 16)
/* Read past the chunk's end so that its last line usually ends inside the same read. */
#define LS__MARGIN ((size_t)16 << 10)

struct ls__chunk_state_s {
    bool done;
    uint64_t lines;
    ls_buf_t rep;
};

static size_t ls__chunk_size(uint64_t size)
{
    if (size / LS__CHUNK_BYTES >= LS__MAX_CHUNKS) {
        return (size_t)(size / (LS__MAX_CHUNKS - 1) + 1);
    }
    return LS__CHUNK_BYTES;
}

size_t ls_cli_feed_chunks_for(size_t len)
{
    return len == 0 ? 0 : (len - 1) / ls__chunk_size(len) + 1;
}

/* @p nchunks: SIZE_MAX = cut @p size bytes into chunks of the usual size. */
static ls_err_t ls__feed_init(ls_cli_feed_t *f, uint64_t size, size_t nchunks, const char *name,
                              uint64_t first_line, ls_error_t *err)
{
    memset(f, 0, sizeof(*f));
    f->fd = -1;
    f->name = name;
    f->size = size;
    f->chunk_bytes = ls__chunk_size(size);
    f->nchunks = nchunks != SIZE_MAX ? nchunks
                 : size == 0         ? 0
                                     : (size_t)((size - 1) / f->chunk_bytes + 1);
    atomic_init(&f->next, 0);
    atomic_init(&f->stop_at, SIZE_MAX);
    f->line_base = first_line;
    f->fail_chunk = SIZE_MAX;
    f->st = ls_calloc(f->nchunks ? f->nchunks : 1, sizeof(*f->st));
    if (f->st == NULL) {
        return ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", name);
    }
    pthread_mutex_init(&f->lock, NULL);
    pthread_cond_init(&f->turn, NULL);
    return LS_OK;
}

ls_err_t ls_cli_feed_file(ls_cli_feed_t *f, int fd, uint64_t size, const char *name,
                          uint64_t first_line, ls_error_t *err)
{
    LS_TRY(ls__feed_init(f, size, SIZE_MAX, name, first_line, err));
    f->fd = fd;
    return LS_OK;
}

ls_err_t ls_cli_feed_window(ls_cli_feed_t *f, const char *data, size_t len, const size_t *cuts,
                            size_t ncuts, const char *name, uint64_t first_line, ls_error_t *err)
{
    LS_TRY(ls__feed_init(f, len, cuts != NULL ? ncuts : SIZE_MAX, name, first_line, err));
    f->win = data;
    f->cuts = cuts;
    return LS_OK;
}

void ls_cli_feed_free(ls_cli_feed_t *f)
{
    if (f->st == NULL) {
        return;
    }
    for (size_t i = 0; i < f->nchunks; i++) {
        ls_buf_free(&f->st[i].rep);
    }
    ls_free(f->st);
    f->st = NULL;
    pthread_mutex_destroy(&f->lock);
    pthread_cond_destroy(&f->turn);
}

void ls_cli_reader_free(ls_cli_reader_t *rd)
{
    ls_free(rd->buf);
    rd->buf = NULL;
    rd->cap = 0;
}

/* ------------------------------------------------------------ cutting */

/* First line start at or after @p x in a window: after the first newline at x-1 or later. */
static size_t ls__line_start(const char *d, size_t len, size_t x)
{
    if (x == 0 || x >= len) {
        return x == 0 ? 0 : len;
    }
    const char *nl = memchr(d + x - 1, '\n', len - (x - 1));
    return nl ? (size_t)(nl - d) + 1 : len;
}

static void ls__window_chunk(const ls_cli_feed_t *f, size_t k, ls_cli_chunk_t *c)
{
    size_t s, e;
    if (f->cuts != NULL) {
        s = f->cuts[k];
        e = f->cuts[k + 1];
    } else {
        size_t len = (size_t)f->size, lo = k * f->chunk_bytes;
        s = ls__line_start(f->win, len, lo);
        e = ls__line_start(f->win, len, lo + f->chunk_bytes < len ? lo + f->chunk_bytes : len);
    }
    c->data = f->win + s;
    c->len = e > s ? e - s : 0;
}

static ls_err_t ls__reserve(ls_cli_reader_t *rd, size_t n)
{
    if (rd->cap >= n) {
        return LS_OK;
    }
    size_t cap = rd->cap ? rd->cap : LS__CHUNK_BYTES;
    while (cap < n) {
        cap *= 2;
    }
    char *b = ls_realloc(rd->buf, cap);
    if (b == NULL) {
        return LS_ERR_NOMEM;
    }
    rd->buf = b;
    rd->cap = cap;
    return LS_OK;
}

/* Read [off, off+n) of the file into rd->buf + at. */
static ls_err_t ls__read_at(const ls_cli_feed_t *f, ls_cli_reader_t *rd, size_t at, uint64_t off,
                            size_t n, ls_error_t *err)
{
    if (ls__reserve(rd, at + n) != LS_OK) {
        return ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory for a read buffer", f->name);
    }
    size_t done = 0;
    while (done < n) {
        ssize_t r = pread(f->fd, rd->buf + at + done, n - done, (off_t)(off + done));
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r < 0) {
            return ls_error_set(err, LS_ERR_IO, "%s: read failed: %s", f->name, strerror(errno));
        }
        if (r == 0) {
            return ls_error_set(err, LS_ERR_IO, "%s: the file shrank while it was read", f->name);
        }
        done += (size_t)r;
    }
    return LS_OK;
}

/*
 * The end of the chunk's last line: the first newline at buffer index @p from or later,
 * reading on while there is none; *have is how much of the file the buffer holds (from
 * file offset @p base). A line that grows past LS_CLI_LINE_MAX ends the chunk before it.
 */
static ls_err_t ls__chunk_end(const ls_cli_feed_t *f, ls_cli_reader_t *rd, uint64_t base, size_t s,
                              size_t from, size_t *have, ls_cli_chunk_t *c, size_t *end,
                              ls_error_t *err)
{
    const char *prev = from > s ? memrchr(rd->buf + s, '\n', from - s) : NULL;
    size_t line = prev ? (size_t)(prev - rd->buf) + 1 : s; /* start of the line at `from` */
    for (;;) {
        const char *nl = memchr(rd->buf + from, '\n', *have - from);
        if (nl != NULL) {
            *end = (size_t)(nl - rd->buf) + 1;
            return LS_OK;
        }
        if (*have - line >= LS_CLI_LINE_MAX) {
            c->long_tail = true;
            *end = line;
            return LS_OK;
        }
        if (base + *have >= f->size) {
            *end = *have; /* the last line of the file, without a newline */
            return LS_OK;
        }
        size_t more = *have - s < LS__CHUNK_BYTES ? LS__CHUNK_BYTES : *have - s;
        if (more > f->size - (base + *have)) {
            more = (size_t)(f->size - (base + *have));
        }
        LS_TRY(ls__read_at(f, rd, *have, base + *have, more, err));
        from = *have;
        *have += more;
    }
}

static ls_err_t ls__file_chunk(const ls_cli_feed_t *f, ls_cli_reader_t *rd, size_t k,
                               ls_cli_chunk_t *c, ls_error_t *err)
{
    uint64_t lo = (uint64_t)k * f->chunk_bytes;
    uint64_t hi = lo + f->chunk_bytes < f->size ? lo + f->chunk_bytes : f->size;
    uint64_t base = k > 0 ? lo - 1 : 0; /* one byte back: is the chunk's first byte a line start? */
    uint64_t stop = hi + LS__MARGIN < f->size ? hi + LS__MARGIN : f->size;
    size_t have = (size_t)(stop - base);
    LS_TRY(ls__read_at(f, rd, 0, base, have, err));
    size_t s = 0;
    if (k > 0) {
        const char *nl = memchr(rd->buf, '\n', (size_t)(hi - lo));
        if (nl == NULL) { /* inside a line that started before: nothing of its own */
            c->data = rd->buf;
            c->len = 0;
            return LS_OK;
        }
        s = (size_t)(nl - rd->buf) + 1;
    }
    size_t end = have;
    if (hi < f->size) {
        LS_TRY(ls__chunk_end(f, rd, base, s, (size_t)(hi - 1 - base), &have, c, &end, err));
    }
    c->data = rd->buf + s;
    c->len = end > s ? end - s : 0;
    return LS_OK;
}

bool ls_cli_feed_next(ls_cli_feed_t *f, ls_cli_reader_t *rd, ls_cli_chunk_t *c)
{
    size_t k = atomic_fetch_add(&f->next, 1);
    if (k >= f->nchunks || k >= atomic_load(&f->stop_at)) {
        return false;
    }
    memset(c, 0, sizeof(*c));
    c->index = k;
    if (f->fd < 0) {
        ls__window_chunk(f, k, c);
        return true;
    }
    ls_error_t err;
    ls_error_clear(&err);
    if (ls__file_chunk(f, rd, k, c, &err) != LS_OK) {
        ls_cli_feed_fail(f, k, 0, LS_CLI_FAIL_PLAIN, err.code, err.msg, false);
        return false;
    }
    return true;
}

/* ------------------------------------------------------------ reports and failures */

ls_err_t ls_cli_report_add(ls_buf_t *rep, uint64_t line, const char *msg)
{
    size_t n = strlen(msg);
    uint32_t n32 = (uint32_t)(n < LS_ERROR_MSG_MAX ? n : LS_ERROR_MSG_MAX);
    LS_TRY(ls_buf_append(rep, &line, sizeof(line)));
    LS_TRY(ls_buf_append(rep, &n32, sizeof(n32)));
    return ls_buf_append(rep, msg, n32);
}

/* Print the entries of @p rep, chunk lines numbered from f->line_base. Lock held. */
static void ls__print(ls_cli_feed_t *f, ls_buf_t *rep)
{
    ls_buf_t out;
    ls_buf_init(&out, LS_BUF_UNLIMITED);
    for (size_t at = 0; at + sizeof(uint64_t) + sizeof(uint32_t) <= rep->len;) {
        uint64_t line;
        uint32_t n;
        memcpy(&line, rep->data + at, sizeof(line));
        memcpy(&n, rep->data + at + sizeof(line), sizeof(n));
        at += sizeof(line) + sizeof(n);
        if (ls_buf_printf(&out, "%s:%llu: %.*s\n", f->name,
                          (unsigned long long)(f->line_base + line - 1), (int)n,
                          (const char *)rep->data + at) != LS_OK) {
            break; /* out of memory: what fits is printed */
        }
        at += n;
    }
    if (out.len > 0) {
        fwrite(out.data, 1, out.len, stderr);
    }
    ls_buf_free(&out);
    ls_buf_reset(rep);
}

ls_err_t ls_cli_feed_done(ls_cli_feed_t *f, size_t k, uint64_t lines, ls_buf_t *rep)
{
    pthread_mutex_lock(&f->lock);
    ls__chunk_state_t *st = &f->st[k];
    st->done = true;
    st->lines = lines;
    if (rep->len > 0) { /* the worker's buffer moves to the chunk */
        st->rep = *rep;
        ls_buf_init(rep, LS_CLI_REPORT_CAP);
    }
    while (f->reported < f->nchunks && f->st[f->reported].done) {
        ls__chunk_state_t *r = &f->st[f->reported];
        ls__print(f, &r->rep);
        ls_buf_free(&r->rep);
        f->line_base += r->lines;
        f->reported++;
    }
    pthread_cond_broadcast(&f->turn);
    pthread_mutex_unlock(&f->lock);
    return LS_OK;
}

bool ls_cli_feed_report(ls_cli_feed_t *f, size_t k, ls_buf_t *rep)
{
    pthread_mutex_lock(&f->lock);
    while (f->reported != k && atomic_load(&f->stop_at) > k) {
        pthread_cond_wait(&f->turn, &f->lock);
    }
    bool mine = f->reported == k;
    if (mine) {
        ls__print(f, rep);
    }
    pthread_mutex_unlock(&f->lock);
    return mine;
}

void ls_cli_feed_fail(ls_cli_feed_t *f, size_t k, uint64_t line, ls_cli_fail_style_t style,
                      ls_err_t rc, const char *msg, bool input)
{
    pthread_mutex_lock(&f->lock);
    if (k < f->fail_chunk) {
        f->fail_chunk = k;
        f->fail_line = line;
        f->fail_style = style;
        f->fail_rc = rc != LS_OK ? rc : LS_ERR_PARSE;
        snprintf(f->fail_msg, sizeof(f->fail_msg), "%s", msg);
    }
    size_t stop = input ? k : 0;
    if (stop < atomic_load(&f->stop_at)) {
        atomic_store(&f->stop_at, stop);
    }
    pthread_cond_broadcast(&f->turn);
    pthread_mutex_unlock(&f->lock);
}

ls_err_t ls_cli_feed_end(ls_cli_feed_t *f, uint64_t *next_line, ls_error_t *err)
{
    *next_line = f->line_base;
    if (f->fail_chunk == SIZE_MAX) {
        return LS_OK;
    }
    /* the chunks before the failing one are all done unless an earlier stop cut them */
    bool known = f->reported == f->fail_chunk && f->fail_line > 0;
    unsigned long long line = (unsigned long long)(f->line_base + f->fail_line - 1);
    switch (known ? f->fail_style : LS_CLI_FAIL_PLAIN) {
    case LS_CLI_FAIL_AT_LINE:
        return ls_error_set(err, f->fail_rc, "%s:%llu: %s", f->name, line, f->fail_msg);
    case LS_CLI_FAIL_LINE_IS:
        return ls_error_set(err, f->fail_rc, "%s: line %llu %s", f->name, line, f->fail_msg);
    default: break;
    }
    if (f->fail_style == LS_CLI_FAIL_PLAIN) {
        return ls_error_set(err, f->fail_rc, "%s", f->fail_msg);
    }
    return ls_error_set(err, f->fail_rc, "%s: %s", f->name, f->fail_msg);
}

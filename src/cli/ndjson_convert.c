/*
 * ndjson_convert.c — NDJSON → Parquet: line windows over a stream, schema inference,
 * schema-directed decoding into bounded batches, the Parquet writer into a temporary
 * file renamed on success.
 *
 * Not responsible for: JSON syntax or typing (json.h), encoding (parquet.h), option
 * parsing and the summary line (cmd_parquet_write.c).
 */
#include "ndjson_convert.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "lakesink/alloc.h"
#include "lakesink/json.h"

/* Input window: lines are handed out whole, so a line may not exceed it. */
#define LS__WINDOW_BYTES ((size_t)32 << 20)
/* stdio buffer of the output file: few, large write(2) calls. */
#define LS__OUT_BUF_BYTES ((size_t)1 << 20)

ls_err_t ls_cli_lines_init(ls_cli_lines_t *lr, FILE *in, const char *name, ls_error_t *err)
{
    memset(lr, 0, sizeof(*lr));
    lr->in = in;
    lr->name = name;
    lr->cap = LS__WINDOW_BYTES;
    lr->line_no = 1;
    lr->buf = ls_malloc(lr->cap);
    if (lr->buf == NULL) {
        return ls_error_set(err, LS_ERR_NOMEM, "out of memory for the input window");
    }
    return LS_OK;
}

static ls_err_t ls__lines_fill(ls_cli_lines_t *lr, ls_error_t *err)
{
    while (!lr->eof && lr->end < lr->cap) {
        size_t n = fread(lr->buf + lr->end, 1, lr->cap - lr->end, lr->in);
        if (n == 0) {
            if (ferror(lr->in)) {
                return ls_error_set(err, LS_ERR_IO, "%s: read failed: %s", lr->name,
                                    strerror(errno));
            }
            lr->eof = true;
            break;
        }
        if (lr->spool != NULL && fwrite(lr->buf + lr->end, 1, n, lr->spool) != n) {
            return ls_error_set(err, LS_ERR_IO, "%s: cannot spool to a temporary file: %s",
                                lr->name, strerror(errno));
        }
        lr->end += n;
        lr->bytes += n;
    }
    return LS_OK;
}

/*
 * The next window: *len bytes at lr->buf ending after a newline (or at end of input).
 * *len == 0 at the end. A line longer than the window is an error naming its number.
 */
ls_err_t ls_cli_lines_next(ls_cli_lines_t *lr, size_t *len, ls_error_t *err)
{
    LS_TRY(ls__lines_fill(lr, err));
    if (lr->eof) {
        *len = lr->end;
        return LS_OK;
    }
    const char *nl = memrchr(lr->buf, '\n', lr->end);
    if (nl == NULL) {
        return ls_error_set(err, LS_ERR_LIMIT, "%s: line %llu is longer than %zu bytes", lr->name,
                            (unsigned long long)lr->line_no, lr->cap);
    }
    *len = (size_t)(nl - lr->buf) + 1;
    return LS_OK;
}

/* Drop the first @p n bytes of the window (which the caller has fully processed). */
void ls_cli_lines_consume(ls_cli_lines_t *lr, size_t n, uint64_t lines)
{
    memmove(lr->buf, lr->buf + n, lr->end - n);
    lr->end -= n;
    lr->line_no += lines;
}

uint64_t ls_cli_count_lines(const char *p, size_t n)
{
    uint64_t c = 0;
    const char *end = p + n;
    while ((p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
        c++;
        p++;
    }
    return c;
}

bool ls_cli_blank(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r') {
            return false;
        }
    }
    return true;
}

/* ------------------------------------------------------------ inference pass */

/* Widen @p inf with every line of one window (*lines of them); bad lines fail unless skipped. */
static ls_err_t ls__infer_window(ls_json_infer_t *inf, const ls_cli_lines_t *lr, size_t len,
                                 bool skip_bad, uint64_t *records, uint64_t *lines, ls_error_t *err)
{
    const char *p = lr->buf, *end = lr->buf + len;
    uint64_t line = lr->line_no;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        if (!ls_cli_blank(p, n)) {
            ls_err_t rc = ls_json_infer_record(inf, p, n, err);
            if (rc == LS_OK) {
                (*records)++;
            } else if (!skip_bad || rc == LS_ERR_NOMEM) {
                return ls_error_prefix(err, "%s: line %llu: ", lr->name, (unsigned long long)line);
            } /* a skipped line is reported once, by the decoding pass */
        }
        p += n + 1;
        line++;
    }
    *lines = line - lr->line_no;
    return LS_OK;
}

/* Widen @p inf with every record of @p lr; *records counts them. */
static ls_err_t ls__infer_feed(ls_json_infer_t *inf, ls_cli_lines_t *lr, bool skip_bad,
                               uint64_t *records, ls_error_t *err)
{
    for (;;) {
        size_t len = 0;
        uint64_t lines = 0;
        LS_TRY(ls_cli_lines_next(lr, &len, err));
        if (len == 0) {
            return LS_OK;
        }
        LS_TRY(ls__infer_window(inf, lr, len, skip_bad, records, &lines, err));
        ls_cli_lines_consume(lr, len, lines);
    }
}

ls_err_t ls_cli_infer_result(ls_json_infer_t *inf, uint64_t records, const char *name,
                             ls_type_t **out, ls_error_t *err)
{
    if (records == 0) {
        return ls_error_set(err, LS_ERR_INVALID_ARG,
                            "%s: no records to infer a schema from (give --schema)", name);
    }
    *out = ls_json_infer_result(inf, err);
    if (*out == NULL) {
        return err->code != LS_OK ? err->code : ls_error_set(err, LS_ERR_NOMEM, "out of memory");
    }
    if ((*out)->nfields == 0) {
        ls_type_free(*out);
        *out = NULL;
        return ls_error_set(err, LS_ERR_INVALID_ARG, "%s: the records have no fields", name);
    }
    return LS_OK;
}

static ls_err_t ls__infer(ls_cli_lines_t *lr, bool skip_bad, ls_type_t **out, ls_error_t *err)
{
    ls_json_infer_t *inf = ls_json_infer_new();
    if (inf == NULL) {
        return ls_error_set(err, LS_ERR_NOMEM, "out of memory");
    }
    uint64_t records = 0;
    ls_err_t rc = ls__infer_feed(inf, lr, skip_bad, &records, err);
    if (rc == LS_OK) {
        rc = ls_cli_infer_result(inf, records, lr->name, out, err);
    }
    ls_json_infer_free(inf);
    return rc;
}

/* ------------------------------------------------------------ decoding pass */

typedef struct ls_conv_s {
    const ls_cli_convert_opts_t *o;
    ls_cli_convert_stats_t *st;
    ls_json_decoder_t *dec;
    ls_batch_t *batch;
    ls_pq_writer_t *w;
    uint64_t rg_rows;  /* rows in the current row group (for row_group_rows) */
    uint64_t bad_line; /* fail mode: the line that stopped decoding */
    ls_error_t bad_why;
} ls_conv_t;

/* @p msg without a leading "line N: " (the decoder may name the line itself). */
static const char *ls__strip_line(const char *msg, size_t line_no)
{
    char prefix[40];
    int n = snprintf(prefix, sizeof(prefix), "line %zu: ", line_no);
    return n > 0 && strncmp(msg, prefix, (size_t)n) == 0 ? msg + n : msg;
}

static ls_err_t ls__on_bad_line(void *ctx, size_t line_no, size_t byte_offset,
                                const ls_error_t *why)
{
    ls_conv_t *c = ctx;
    (void)byte_offset; /* the message carries the offset within the line */
    if (!c->o->skip_bad) {
        c->bad_line = line_no;
        c->bad_why = *why;
        return why->code != LS_OK ? why->code : LS_ERR_PARSE;
    }
    c->st->bad_lines++;
    if (c->o->report != NULL) {
        fprintf(c->o->report, "lakesink: %s: line %zu: %s (skipped)\n", c->o->input, line_no,
                ls__strip_line(why->msg, line_no));
    }
    return LS_OK;
}

/* Hand the decoded rows to the writer and start an empty batch. */
static ls_err_t ls__drain(ls_conv_t *c, ls_error_t *err)
{
    if (c->batch->nrows > 0) {
        LS_TRY(ls_pq_writer_write(c->w, c->batch, err));
        ls_batch_reset(c->batch);
    }
    return LS_OK;
}

/* Bytes of the first @p n lines of [p, p+len) (all of it when it has fewer). */
static size_t ls__first_lines(const char *p, size_t len, uint64_t n)
{
    const char *q = p, *end = p + len;
    while (n-- > 0 && q < end) {
        const char *nl = memchr(q, '\n', (size_t)(end - q));
        q = nl ? nl + 1 : end;
    }
    return (size_t)(q - p);
}

/* Decode one region of whole lines starting at line @p line; *used bytes were consumed. */
static ls_err_t ls__decode_region(ls_conv_t *c, const char *p, size_t len, uint64_t line,
                                  size_t *used, ls_error_t *err)
{
    size_t before = c->batch->nrows;
    ls_err_t rc = ls_json_decode_ndjson(c->dec, c->batch, p, len, (size_t)line, ls__on_bad_line, c,
                                        used, err);
    c->rg_rows += c->batch->nrows - before;
    if (rc == LS_ERR_LIMIT && c->bad_line == 0) { /* batch full: write it, go on from *used */
        if (c->batch->nrows == 0 && *used == 0) {
            return ls_error_set(err, LS_ERR_LIMIT, "%s: line %llu does not fit in a %zu-byte batch",
                                c->o->input, (unsigned long long)line, c->batch->max_bytes);
        }
        return ls__drain(c, err);
    }
    if (rc != LS_OK && c->bad_line != 0) {
        return ls_error_set(err, rc, "%s: line %llu: %s", c->o->input,
                            (unsigned long long)c->bad_line,
                            ls__strip_line(c->bad_why.msg, (size_t)c->bad_line));
    }
    if (rc == LS_OK && *used == 0 && len > 0) { /* would loop forever */
        return ls_error_set(err, LS_ERR_STATE, "%s: line %llu: the decoder made no progress",
                            c->o->input, (unsigned long long)line);
    }
    return rc;
}

/* Decode one window of whole lines; *lines receives how many lines it held. */
static ls_err_t ls__decode_window(ls_conv_t *c, const ls_cli_lines_t *lr, size_t len, uint64_t *lines,
                                  ls_error_t *err)
{
    size_t pos = 0;
    uint64_t line = lr->line_no;
    while (pos < len) {
        size_t n = len - pos;
        uint64_t limit = c->o->row_group_rows;
        if (limit > 0) {
            n = ls__first_lines(lr->buf + pos, n, limit - c->rg_rows);
        }
        size_t used = 0;
        LS_TRY(ls__decode_region(c, lr->buf + pos, n, line, &used, err));
        line += ls_cli_count_lines(lr->buf + pos, used);
        pos += used;
        if (limit > 0 && c->rg_rows >= limit) {
            LS_TRY(ls__drain(c, err));
            LS_TRY(ls_pq_writer_flush_row_group(c->w, err));
            c->rg_rows = 0;
        }
    }
    *lines = line - lr->line_no;
    return LS_OK;
}

static ls_err_t ls__decode_all(ls_conv_t *c, ls_cli_lines_t *lr, ls_error_t *err)
{
    for (;;) {
        size_t len = 0;
        uint64_t lines = 0;
        LS_TRY(ls_cli_lines_next(lr, &len, err));
        if (len == 0) {
            break;
        }
        LS_TRY(ls__decode_window(c, lr, len, &lines, err));
        ls_cli_lines_consume(lr, len, lines);
    }
    return ls__drain(c, err);
}

/* ------------------------------------------------------------ files */

ls_err_t ls_cli_open_input(const char *path, FILE **out, ls_error_t *err)
{
    if (strcmp(path, "-") == 0) {
        *out = stdin;
        return LS_OK;
    }
    *out = fopen(path, "rb");
    if (*out == NULL) {
        return ls_error_set(err, errno == ENOENT ? LS_ERR_NOT_FOUND : LS_ERR_IO,
                            "%s: cannot open: %s", path, strerror(errno));
    }
    return LS_OK;
}

/* Close the temporary output, make it durable when asked, rename it into place. */
static ls_err_t ls__finish_output(const ls_cli_convert_opts_t *o, FILE *f, const char *tmp,
                                  ls_error_t *err)
{
    bool ok = fflush(f) == 0 && (!o->fsync || fsync(fileno(f)) == 0);
    int saved = errno;
    ok = fclose(f) == 0 && ok;
    if (!ok) {
        unlink(tmp);
        return ls_error_set(err, LS_ERR_IO, "%s: write failed: %s", tmp, strerror(saved));
    }
    if (rename(tmp, o->output) != 0) {
        ls_error_set(err, LS_ERR_IO, "cannot rename %s to %s: %s", tmp, o->output, strerror(errno));
        unlink(tmp);
        return err->code;
    }
    return LS_OK;
}

/* Row groups of the finished file, read back from its footer (also a sanity check). */
static ls_err_t ls__count_row_groups(const char *path, uint32_t *n, ls_error_t *err)
{
    ls_pq_reader_t *r = ls_pq_reader_open_file(path, err);
    if (r == NULL) {
        return ls_error_prefix(err, "reading back %s: ", path);
    }
    *n = ls_pq_reader_num_row_groups(r);
    ls_pq_reader_free(r);
    return LS_OK;
}

void ls_cli_convert_opts_init(ls_cli_convert_opts_t *o)
{
    memset(o, 0, sizeof(*o));
    ls_pq_writer_opts_init(&o->writer);
    o->batch_bytes = LS_CLI_CONVERT_BATCH_BYTES;
    o->fsync = true;
}

ls_err_t ls_cli_lines_spool_start(ls_cli_lines_t *lr, FILE **spool, ls_error_t *err)
{
    struct stat sb;
    bool seekable = fstat(fileno(lr->in), &sb) == 0 && S_ISREG(sb.st_mode);
    if (!seekable) { /* a pipe can be read once: keep a copy for the second pass */
        *spool = tmpfile();
        if (*spool == NULL) {
            return ls_error_set(err, LS_ERR_IO, "cannot create a temporary file to hold %s: %s",
                                lr->name, strerror(errno));
        }
        lr->spool = *spool;
    }
    return LS_OK;
}

/* After an inference pass: go back to the first byte (of @p spool when set). */
static ls_err_t ls__lines_rewind(ls_cli_lines_t *lr, FILE *spool, ls_error_t *err)
{
    if (spool != NULL) {
        if (fflush(spool) != 0) {
            return ls_error_set(err, LS_ERR_IO, "%s: cannot spool to a temporary file: %s",
                                lr->name, strerror(errno));
        }
        lr->in = spool;
        lr->spool = NULL;
    }
    if (fseek(lr->in, 0, SEEK_SET) != 0) {
        return ls_error_set(err, LS_ERR_IO, "%s: cannot re-read the input: %s", lr->name,
                            strerror(errno));
    }
    lr->end = 0;
    lr->eof = false;
    lr->line_no = 1;
    lr->bytes = 0;
    return LS_OK;
}

/* Inference pass over the input; afterwards @p lr is rewound to the first byte. */
static ls_err_t ls__infer_pass(const ls_cli_convert_opts_t *o, ls_cli_lines_t *lr, FILE **spool,
                               ls_type_t **schema, ls_error_t *err)
{
    LS_TRY(ls_cli_lines_spool_start(lr, spool, err));
    LS_TRY(ls__infer(lr, o->skip_bad, schema, err));
    return ls__lines_rewind(lr, *spool, err);
}

/* Layout, decoder, batch, temporary file and writer for @p schema. */
static ls_err_t ls__setup(ls_conv_t *c, const ls_type_t *schema, bool inferred,
                          ls_layout_t **layout, const char *tmp, FILE **out, ls_error_t *err)
{
    const ls_cli_convert_opts_t *o = c->o;
    *layout = ls_layout_new(schema, err);
    if (*layout == NULL) {
        return err->code != LS_OK ? err->code : ls_error_set(err, LS_ERR_NOMEM, "out of memory");
    }
    ls_json_decoder_opts_t dopts;
    ls_json_decoder_opts_init(&dopts);
    /* inference widens fields that mix types to string: keep their values as JSON text */
    dopts.json_text_in_strings = inferred;
    c->dec = ls_json_decoder_new(*layout, &dopts, err);
    if (c->dec == NULL) {
        return err->code != LS_OK ? err->code : ls_error_set(err, LS_ERR_NOMEM, "out of memory");
    }
    c->batch = ls_batch_new(*layout, o->batch_bytes ? o->batch_bytes : LS_CLI_CONVERT_BATCH_BYTES);
    if (c->batch == NULL) {
        return ls_error_set(err, LS_ERR_NOMEM, "out of memory");
    }
    *out = fopen(tmp, "wb");
    if (*out == NULL) {
        return ls_error_set(err, LS_ERR_IO, "%s: cannot create: %s", tmp, strerror(errno));
    }
    setvbuf(*out, NULL, _IOFBF, LS__OUT_BUF_BYTES);
    c->w = ls_pq_writer_new(*layout, &o->writer, ls_sink_stdio(*out), err);
    if (c->w == NULL) {
        return err->code != LS_OK ? err->code : ls_error_set(err, LS_ERR_NOMEM, "out of memory");
    }
    return LS_OK;
}

static ls_err_t ls__run(ls_conv_t *c, ls_cli_lines_t *lr, FILE **out, const char *tmp, ls_error_t *err)
{
    ls_err_t rc = ls__decode_all(c, lr, err);
    if (rc == LS_OK) {
        rc = ls_pq_writer_close(c->w, &c->st->output_bytes, err);
        if (rc != LS_OK) {
            ls_error_prefix(err, "writing %s: ", tmp);
        }
    }
    c->st->rows = (uint64_t)ls_pq_writer_rows(c->w);
    c->st->input_bytes = lr->bytes;
    if (rc == LS_OK) {
        rc = ls__finish_output(c->o, *out, tmp, err);
        *out = NULL;
    }
    if (rc == LS_OK) {
        rc = ls__count_row_groups(c->o->output, &c->st->row_groups, err);
    }
    return rc;
}

ls_err_t ls_cli_convert(const ls_cli_convert_opts_t *o, ls_cli_convert_stats_t *st, ls_error_t *err)
{
    double t0 = ls_cli_now();
    memset(st, 0, sizeof(*st));
    ls_conv_t c = {.o = o, .st = st};
    ls_cli_lines_t lr = {0};
    FILE *in = NULL, *spool = NULL, *out = NULL;
    ls_type_t *inferred = NULL;
    ls_layout_t *layout = NULL;
    size_t tlen = strlen(o->output) + 5;
    char *tmp = ls_malloc(tlen);
    ls_err_t rc = tmp ? LS_OK : ls_error_set(err, LS_ERR_NOMEM, "out of memory");
    if (rc == LS_OK) {
        snprintf(tmp, tlen, "%s.tmp", o->output);
        rc = ls_cli_open_input(o->input, &in, err);
    }
    rc = rc == LS_OK ? ls_cli_lines_init(&lr, in, o->input, err) : rc;
    if (rc == LS_OK && o->schema == NULL) {
        st->inferred = true;
        rc = ls__infer_pass(o, &lr, &spool, &inferred, err);
    }
    rc = rc == LS_OK ? ls__setup(&c, inferred ? inferred : o->schema, inferred != NULL, &layout, tmp,
                                         &out, err) : rc;
    rc = rc == LS_OK ? ls__run(&c, &lr, &out, tmp, err) : rc;
    if (out != NULL) { /* failed before the rename: leave no partial file behind */
        fclose(out);
        unlink(tmp);
    }
    ls_pq_writer_free(c.w);
    ls_batch_free(c.batch);
    ls_json_decoder_free(c.dec);
    ls_layout_free(layout);
    ls_type_free(inferred);
    ls_free(lr.buf);
    if (spool != NULL) {
        fclose(spool);
    }
    if (in != NULL && in != stdin) {
        fclose(in);
    }
    ls_free(tmp);
    st->seconds = ls_cli_now() - t0;
    return rc;
}

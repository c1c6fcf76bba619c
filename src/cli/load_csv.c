/*
 * load_csv.c — CSV record boundaries and schema inference for `lakesink load`.
 *
 * Not responsible for: CSV parsing rules (src/csv), decoding into batches (cmd_load.c).
 */
#include "load_csv.h"

#include <string.h>

#include "lakesink/alloc.h"
#include "ndjson_convert.h"

void ls_cli_csv_slices(const char *data, size_t len, bool eof, char quote, unsigned n,
                       size_t *off)
{
    /* one pass: the quote parity at each newline decides whether it ends a record */
    size_t last = 0;
    unsigned next = 1;
    bool in_quotes = false;
    off[0] = 0;
    for (size_t i = 0; i < len; i++) {
        char c = data[i];
        if (quote != '\0' && c == quote) {
            in_quotes = !in_quotes;
        } else if (c == '\n' && !in_quotes) {
            last = i + 1;
            while (next < n && last >= (size_t)((uint64_t)len * next / n)) {
                off[next++] = last;
            }
        }
    }
    size_t end = eof ? len : last;
    while (next <= n) {
        off[next++] = end;
    }
    for (unsigned i = 1; i < n; i++) { /* a slice boundary past the end of whole records */
        if (off[i] > end) {
            off[i] = end;
        }
    }
}

/* End of the first record of [data, data+len) (len when it has one record). */
static size_t ls__first_record_end(const char *data, size_t len, char quote)
{
    bool in_quotes = false;
    for (size_t i = 0; i < len; i++) {
        if (quote != '\0' && data[i] == quote) {
            in_quotes = !in_quotes;
        } else if (data[i] == '\n' && !in_quotes) {
            return i + 1;
        }
    }
    return len;
}

/*
 * Widen @p inf with each record of [p, p+len) in turn. A record the inference rejects is
 * left out here: the decoding pass reports it (or stops at it) with its file and line.
 * The first record fed of the first input is the header.
 */
static ls_err_t ls__feed_records(ls_csv_infer_t *inf, const char *p, size_t len, char quote,
                                 ls_error_t *err)
{
    while (len > 0) {
        size_t n = ls__first_record_end(p, len, quote);
        if (ls_csv_infer_data(inf, p, n, err) == LS_ERR_NOMEM) {
            return LS_ERR_NOMEM;
        }
        p += n;
        len -= n;
    }
    ls_error_clear(err);
    return LS_OK;
}

/* Feed input @p path to @p inf in windows of whole records. */
static ls_err_t ls__feed(ls_csv_infer_t *inf, FILE *in, const char *name, const ls_csv_opts_t *o,
                         bool skip_header, FILE **spool, ls_error_t *err)
{
    ls_cli_lines_t lr;
    ls_err_t rc = ls_cli_lines_init(&lr, in, name, err);
    if (rc == LS_OK && in == stdin) {
        rc = ls_cli_lines_spool_start(&lr, spool, err);
    }
    while (rc == LS_OK) {
        size_t len = 0, off[2];
        rc = ls_cli_lines_next(&lr, &len, err);
        if (rc != LS_OK || len == 0) {
            break;
        }
        ls_cli_csv_slices(lr.buf, len, lr.eof, o->quote, 1, off);
        if (off[1] == 0) {
            rc = ls_error_set(err, LS_ERR_LIMIT, "%s: line %llu: a record longer than %zu bytes",
                              name, (unsigned long long)lr.line_no, lr.cap);
            break;
        }
        size_t skip = 0;
        if (skip_header) { /* later inputs: their header is not data */
            skip = ls__first_record_end(lr.buf, off[1], o->quote);
            skip_header = false;
        }
        rc = ls__feed_records(inf, lr.buf + skip, off[1] - skip, o->quote, err);
        ls_cli_lines_consume(&lr, off[1], 0);
    }
    if (rc == LS_OK && in == stdin && *spool != NULL && fflush(*spool) != 0) {
        rc = ls_error_set(err, LS_ERR_IO, "<stdin>: cannot spool to a temporary file");
    }
    ls_free(lr.buf);
    return rc;
}

ls_err_t ls_cli_csv_infer(const char *const *inputs, size_t n, const ls_csv_opts_t *opts,
                          FILE **stdin_spool, ls_type_t **out, ls_error_t *err)
{
    ls_csv_infer_t *inf = ls_csv_infer_new(opts);
    if (inf == NULL) {
        return ls_error_set(err, LS_ERR_NOMEM, "out of memory");
    }
    ls_err_t rc = LS_OK;
    for (size_t i = 0; rc == LS_OK && i < n; i++) {
        FILE *in = NULL;
        rc = ls_cli_open_input(inputs[i], &in, err);
        if (rc != LS_OK) {
            break;
        }
        long start = in == stdin ? ftell(stdin) : 0;
        rc = ls__feed(inf, in, in == stdin ? "<stdin>" : inputs[i], opts, i > 0, stdin_spool, err);
        if (in != stdin) {
            fclose(in);
        } else if (rc == LS_OK && *stdin_spool == NULL &&
                   (start < 0 || fseek(stdin, start, SEEK_SET) != 0)) {
            rc = ls_error_set(err, LS_ERR_IO, "<stdin>: cannot re-read the input");
        }
    }
    if (rc == LS_OK) {
        *out = ls_csv_infer_result(inf, err);
        if (*out == NULL) {
            rc = err->code != LS_OK ? err->code : ls_error_set(err, LS_ERR_NOMEM, "out of memory");
        } else if ((*out)->nfields == 0) {
            ls_type_free(*out);
            *out = NULL;
            rc = ls_error_set(err, LS_ERR_INVALID_ARG, "%s: no columns to infer a schema from",
                              n == 1 ? inputs[0] : "the input");
        }
    }
    ls_csv_infer_free(inf);
    return rc;
}

/*
 * load_infer.c — parallel schema inference over the inputs of `lakesink load`, with a
 * single-threaded pass as the fallback that keeps the result exact (see load_infer.h).
 *
 * Not responsible for: inference rules (json.h), line windows (ndjson_convert.c).
 */
#include "load_infer.h"

#include <pthread.h>
#include <stdbool.h>
#include <string.h>

#include "lakesink/alloc.h"
#include "lakesink/json.h"
#include "ndjson_convert.h"

typedef struct ls__iw_s {
    ls_json_infer_t *inf;
    const char *data;
    size_t len;
    uint64_t records;
    ls_err_t rc;
    ls_error_t err;
} ls__iw_t;

typedef struct ls__inf_s {
    const char *const *inputs;
    size_t ninputs;
    unsigned threads;
    FILE **spool;
    long stdin_start; /* where standard input started (-1: a pipe, spooled) */
    ls__iw_t w[LS_CLI_MAX_THREADS];
} ls__inf_t;

void ls_cli_slice_lines(const char *data, size_t len, unsigned n, size_t *off)
{
    off[0] = 0;
    for (unsigned i = 0; i < n; i++) {
        size_t start = off[i];
        size_t end = i + 1 == n ? len : (size_t)((uint64_t)len * (i + 1) / n);
        if (end < start) {
            end = start;
        }
        if (end < len && end > start) {
            const char *nl = memchr(data + end - 1, '\n', len - end + 1);
            end = nl ? (size_t)(nl - data) + 1 : len;
        }
        off[i + 1] = end;
    }
}

static void *ls__iw_main(void *arg)
{
    ls__iw_t *w = arg;
    const char *p = w->data, *end = w->data + w->len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        if (!ls_cli_blank(p, n)) {
            ls_err_t rc = ls_json_infer_record(w->inf, p, n, &w->err);
            if (rc == LS_OK) {
                w->records++;
            } else if (rc == LS_ERR_NOMEM) {
                w->rc = rc;
                return NULL;
            }
        }
        p += n + 1;
    }
    return NULL;
}

/* Run @p n inference workers on the slices of one window. */
static ls_err_t ls__infer_window(ls__inf_t *I, unsigned n, const char *data, size_t len,
                                 ls_error_t *err)
{
    size_t off[LS_CLI_MAX_THREADS + 1];
    ls_cli_slice_lines(data, len, n, off);
    pthread_t th[LS_CLI_MAX_THREADS];
    bool started[LS_CLI_MAX_THREADS] = {false};
    for (unsigned i = 0; i < n; i++) {
        I->w[i].data = data + off[i];
        I->w[i].len = off[i + 1] - off[i];
    }
    for (unsigned i = 1; i < n; i++) {
        started[i] = pthread_create(&th[i], NULL, ls__iw_main, &I->w[i]) == 0;
        if (!started[i]) {
            ls__iw_main(&I->w[i]);
        }
    }
    ls__iw_main(&I->w[0]);
    for (unsigned i = 1; i < n; i++) {
        if (started[i]) {
            pthread_join(th[i], NULL);
        }
    }
    for (unsigned i = 0; i < n; i++) {
        if (I->w[i].rc != LS_OK) {
            *err = I->w[i].err;
            return I->w[i].rc;
        }
    }
    return LS_OK;
}

/* Open input @p path for a pass: standard input is spooled on the first pass when it is a
 * pipe, and re-read from the spool (or from where it started) on later passes. */
static ls_err_t ls__open(ls__inf_t *I, const char *path, bool first, FILE **in, ls_error_t *err)
{
    if (strcmp(path, "-") != 0) {
        return ls_cli_open_input(path, in, err);
    }
    if (first) {
        I->stdin_start = ftell(stdin);
        *in = stdin;
        return LS_OK;
    }
    *in = *I->spool != NULL ? *I->spool : stdin;
    long pos = *I->spool != NULL ? 0 : I->stdin_start;
    if (pos < 0 || fseek(*in, pos, SEEK_SET) != 0) {
        return ls_error_set(err, LS_ERR_IO, "<stdin>: cannot re-read the input");
    }
    return LS_OK;
}

/* One pass over input @p path with @p n workers. */
static ls_err_t ls__pass_input(ls__inf_t *I, const char *path, unsigned n, bool first,
                               ls_error_t *err)
{
    FILE *in = NULL;
    LS_TRY(ls__open(I, path, first, &in, err));
    bool is_stdin = strcmp(path, "-") == 0;
    ls_cli_lines_t lr;
    ls_err_t rc = ls_cli_lines_init(&lr, in, is_stdin ? "<stdin>" : path, err);
    if (rc == LS_OK && first && is_stdin) { /* a pipe is read once: keep a copy */
        rc = ls_cli_lines_spool_start(&lr, I->spool, err);
    }
    while (rc == LS_OK) {
        size_t len = 0;
        rc = ls_cli_lines_next(&lr, &len, err);
        if (rc != LS_OK || len == 0) {
            break;
        }
        rc = ls__infer_window(I, n, lr.buf, len, err);
        ls_cli_lines_consume(&lr, len, 0);
    }
    if (rc == LS_OK && first && is_stdin && *I->spool != NULL && fflush(*I->spool) != 0) {
        rc = ls_error_set(err, LS_ERR_IO, "<stdin>: cannot spool to a temporary file");
    }
    /* leave a re-readable standard input where it started, for the next pass */
    if (rc == LS_OK && is_stdin && *I->spool == NULL &&
        (I->stdin_start < 0 || fseek(stdin, I->stdin_start, SEEK_SET) != 0)) {
        rc = ls_error_set(err, LS_ERR_IO, "<stdin>: cannot re-read the input");
    }
    ls_free(lr.buf);
    if (in != stdin && (*I->spool == NULL || in != *I->spool)) {
        fclose(in);
    }
    return rc;
}

static ls_err_t ls__pass(ls__inf_t *I, unsigned n, bool first, ls_error_t *err)
{
    for (unsigned i = 0; i < n; i++) {
        ls_json_infer_free(I->w[i].inf);
        memset(&I->w[i], 0, sizeof(I->w[i]));
        if ((I->w[i].inf = ls_json_infer_new()) == NULL) {
            return ls_error_set(err, LS_ERR_NOMEM, "out of memory");
        }
    }
    for (size_t k = 0; k < I->ninputs; k++) {
        LS_TRY(ls__pass_input(I, I->inputs[k], n, first, err));
    }
    return LS_OK;
}

/* The workers' schemas when they all agree (*out NULL when they differ). */
static ls_err_t ls__agree(ls__inf_t *I, unsigned n, ls_type_t **out, ls_error_t *err)
{
    *out = NULL;
    uint64_t total = 0;
    for (unsigned i = 0; i < n; i++) {
        total += I->w[i].records;
    }
    const char *name = I->ninputs == 1 ? I->inputs[0] : "the input";
    for (unsigned i = 0; i < n; i++) {
        if (I->w[i].records == 0) {
            continue;
        }
        ls_type_t *t = NULL;
        ls_err_t rc = ls_cli_infer_result(I->w[i].inf, total, name, &t, err);
        if (rc != LS_OK) {
            ls_type_free(*out);
            *out = NULL;
            return rc;
        }
        if (*out == NULL) {
            *out = t;
        } else {
            bool same = ls_type_equal(*out, t);
            ls_type_free(t);
            if (!same) {
                ls_type_free(*out);
                *out = NULL;
                return LS_OK;
            }
        }
    }
    return *out != NULL ? LS_OK : ls_cli_infer_result(I->w[0].inf, 0, name, out, err);
}

ls_err_t ls_cli_load_infer(const char *const *inputs, size_t n, unsigned threads,
                           FILE **stdin_spool, ls_type_t **out, ls_error_t *err)
{
    ls__inf_t *I = ls_calloc(1, sizeof(*I));
    if (I == NULL) {
        return ls_error_set(err, LS_ERR_NOMEM, "out of memory");
    }
    I->inputs = inputs;
    I->ninputs = n;
    I->spool = stdin_spool;
    threads = threads < 1 ? 1 : threads > LS_CLI_MAX_THREADS ? LS_CLI_MAX_THREADS : threads;
    ls_err_t rc = ls__pass(I, threads, true, err);
    rc = rc == LS_OK ? ls__agree(I, threads, out, err) : rc;
    if (rc == LS_OK && *out == NULL) { /* the slices disagree: one exact pass */
        rc = ls__pass(I, 1, false, err);
        rc = rc == LS_OK ? ls__agree(I, 1, out, err) : rc;
    }
    for (unsigned i = 0; i < LS_CLI_MAX_THREADS; i++) {
        ls_json_infer_free(I->w[i].inf);
    }
    ls_free(I);
    return rc;
}

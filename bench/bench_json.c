/*
 * bench_json.c — throughput of the schema-directed JSON decoder on generated user
 * events (lakesink/gen.h, the same input as the other benchmarks), plus a validation-only pass over the
 * same bytes and NDJSON output of the decoded batches for reference.
 *
 * Usage: bench_json [events (default 1000000)] [runs (default 5)]
 * Prints the median of the runs. Not a test: ctest never runs it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lakesink/alloc.h"
#include "lakesink/gen.h"
#include "lakesink/json.h"

/* @p n generated user events (lakesink/gen.h, the benchmark input) in one buffer. */
static char *ls__gen(size_t n, size_t *len)
{
    ls_gen_t g;
    ls_gen_init(&g, 0, 1705276800);
    ls_buf_t b;
    ls_buf_init(&b, LS_BUF_UNLIMITED);
    for (size_t i = 0; i < n; i++) {
        if (ls_gen_user_event(&g, i, &b) != LS_OK) {
            ls_buf_free(&b);
            return NULL;
        }
    }
    return (char *)ls_buf_steal(&b, len);
}

static double ls__now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int ls__cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Decode all of @p data into batches of @p cap bytes; returns rows or 0 on error. */
static size_t ls__decode_all(ls_json_decoder_t *d, ls_batch_t *b, const char *data, size_t len)
{
    size_t pos = 0, rows = 0, line = 1;
    while (pos < len) {
        size_t used;
        ls_error_t err;
        ls_err_t rc =
            ls_json_decode_ndjson(d, b, data + pos, len - pos, line, NULL, NULL, &used, &err);
        if (rc != LS_OK && rc != LS_ERR_LIMIT) {
            fprintf(stderr, "decode failed: %s\n", err.msg);
            return 0;
        }
        pos += used;
        rows += b->nrows;
        line += b->nrows;
        ls_batch_reset(b);
    }
    return rows;
}

static double ls__median(double *t, int n)
{
    qsort(t, (size_t)n, sizeof(double), ls__cmp);
    return t[n / 2];
}

int main(int argc, char **argv)
{
    size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000000;
    int runs = argc > 2 ? (int)strtol(argv[2], NULL, 10) : 5;
    if (runs < 1 || runs > 99) {
        runs = 5;
    }
    size_t len;
    char *data = ls__gen(n, &len);
    ls_error_t err;
    ls_type_t *t = NULL;
    if (data == NULL ||
        ls_json_parse_delta_schema(ls_gen_user_event_schema(),
                                   strlen(ls_gen_user_event_schema()), &t, &err) != LS_OK) {
        fprintf(stderr, "setup failed\n");
        return 1;
    }
    ls_layout_t *l = ls_layout_new(t, &err);
    ls_type_t *empty = ls_type_new_struct();
    ls_layout_t *le = ls_layout_new(empty, &err);
    ls_json_decoder_t *d = ls_json_decoder_new(l, NULL, &err);
    ls_json_decoder_t *dv = ls_json_decoder_new(le, NULL, &err);
    ls_batch_t *b = ls_batch_new(l, (size_t)64 << 20);
    ls_batch_t *bv = ls_batch_new(le, 0);
    double td[99], tv[99], tw[99];
    size_t rows = 0;
    ls_buf_t out;
    ls_buf_init(&out, LS_BUF_UNLIMITED);
    for (int r = 0; r < runs; r++) {
        double t0 = ls__now();
        rows = ls__decode_all(d, b, data, len);
        double t1 = ls__now();
        ls__decode_all(dv, bv, data, len); /* no fields: every value is validated and skipped */
        double t2 = ls__now();
        td[r] = t1 - t0;
        tv[r] = t2 - t1;
        /* output speed on the last batch-sized slice */
        ls_batch_reset(b);
        size_t used;
        ls_json_decode_ndjson(d, b, data, len > (64u << 20) ? (64u << 20) : len, 1, NULL, NULL,
                              &used, &err);
        out.len = 0;
        double t3 = ls__now();
        ls_json_write_rows(b, 0, b->nrows, &out, &err);
        tw[r] = (ls__now() - t3) / (double)(b->nrows ? b->nrows : 1) * (double)n;
        ls_batch_reset(b);
    }
    double mb = (double)len / 1e6, md = ls__median(td, runs), mv = ls__median(tv, runs);
    printf("input: %zu events, %.1f MB (%.0f bytes/event)\n", n, mb, (double)len / (double)n);
    printf("decode (schema-directed, 11 columns): %.3f s  %.0f MB/s  %.2f M events/s  rows=%zu\n",
           md, mb / md, (double)n / md / 1e6, rows);
    printf("validate only (all fields unknown):   %.3f s  %.0f MB/s\n", mv, mb / mv);
    printf("write_rows (NDJSON out, extrapolated): %.3f s  %.2f M events/s\n", ls__median(tw, runs),
           (double)n / ls__median(tw, runs) / 1e6);
    ls_buf_free(&out);
    ls_batch_free(b);
    ls_batch_free(bv);
    ls_json_decoder_free(d);
    ls_json_decoder_free(dv);
    ls_layout_free(l);
    ls_layout_free(le);
    ls_type_free(t);
    ls_type_free(empty);
    ls_free(data);
    return 0;
}

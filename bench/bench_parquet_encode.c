/*
 * bench_parquet_encode.c — Parquet encoding throughput:
 *   full    NDJSON → Parquet through ls_cli_convert, the code `lakesink parquet write`
 *           runs (line windows, schema-directed decode, encode, compress, write, rename);
 *   encode  the writer alone, over batches decoded beforehand (not timed).
 * Prints one JSON line per run (rows/s, input MB/s, output size) and the process's peak
 * RSS (getrusage), so run each mode in its own process to keep RSS figures apart.
 *
 * Usage: bench_parquet_encode full|encode EVENTS.ndjson SCHEMA.json OUT.parquet [RUNS
 *        [LEVEL [PAGE_BYTES]]]   (encode: the codec level and page size to try; 0 = default)
 * On a shared machine compare the encode runs' smallest cpu_seconds (process CPU time).
 * Not responsible for: the comparison with DuckDB (bench/run.sh).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/ndjson_convert.h"
#include "lakesink/alloc.h"
#include "lakesink/io.h"
#include "lakesink/json.h"
#include "lakesink/parquet.h"

#define LS__MAX_INPUT ((size_t)4 << 30)

static double ls__peak_rss_mb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_maxrss / 1024.0; /* KiB on Linux */
}

/* CPU seconds of the process (all threads) so far. */
static double ls__cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void ls__report(const char *mode, int run, uint64_t rows, uint64_t in_bytes,
                       uint64_t out_bytes, double secs, double cpu)
{
    printf("{\"mode\":\"%s\",\"run\":%d,\"rows\":%llu,\"seconds\":%.3f,\"cpu_seconds\":%.3f,"
           "\"rows_per_s\":%.0f,\"input_mb_per_s\":%.1f,\"output_bytes\":%llu,"
           "\"peak_rss_mb\":%.1f}\n",
           mode, run, (unsigned long long)rows, secs, cpu, (double)rows / secs,
           (double)in_bytes / 1e6 / secs, (unsigned long long)out_bytes, ls__peak_rss_mb());
    fflush(stdout);
}

static int ls__full(const char *in, const ls_type_t *schema, const char *out, int runs)
{
    for (int run = 1; run <= runs; run++) {
        double c0 = ls__cpu_now();
        ls_cli_convert_opts_t o;
        ls_cli_convert_opts_init(&o);
        o.input = in;
        o.output = out;
        o.schema = schema;
        ls_cli_convert_stats_t st;
        ls_error_t err;
        ls_error_clear(&err);
        if (ls_cli_convert(&o, &st, &err) != LS_OK) {
            fprintf(stderr, "bench: %s\n", err.msg);
            return 1;
        }
        ls__report("full", run, st.rows, st.input_bytes, st.output_bytes, st.seconds,
                   ls__cpu_now() - c0);
    }
    return 0;
}

typedef struct ls_batches_s {
    ls_batch_t **v;
    size_t n, cap;
} ls_batches_t;

static ls_err_t ls__push(ls_batches_t *bs, ls_batch_t *b)
{
    if (bs->n == bs->cap) {
        size_t cap = bs->cap ? bs->cap * 2 : 16;
        ls_batch_t **v = ls_reallocarray(bs->v, cap, sizeof(*v));
        if (v == NULL) {
            return LS_ERR_NOMEM;
        }
        bs->v = v;
        bs->cap = cap;
    }
    bs->v[bs->n++] = b;
    return LS_OK;
}

/* Decode the whole input into batches of at most 64 MiB each. */
static ls_err_t ls__decode_all(const ls_layout_t *layout, const ls_buf_t *data, ls_batches_t *bs,
                               ls_error_t *err)
{
    ls_json_decoder_opts_t opts;
    ls_json_decoder_opts_init(&opts);
    ls_json_decoder_t *d = ls_json_decoder_new(layout, &opts, err);
    if (d == NULL) {
        return LS_ERR_NOMEM;
    }
    size_t pos = 0;
    ls_err_t rc = LS_OK;
    while (pos < data->len && rc == LS_OK) {
        ls_batch_t *b = ls_batch_new(layout, LS_CLI_CONVERT_BATCH_BYTES);
        if (b == NULL || ls__push(bs, b) != LS_OK) {
            ls_batch_free(b);
            rc = LS_ERR_NOMEM;
            break;
        }
        size_t used = 0;
        rc = ls_json_decode_ndjson(d, b, (const char *)data->data + pos, data->len - pos, 1, NULL,
                                   NULL, &used, err);
        if (rc == LS_ERR_LIMIT && b->nrows > 0) {
            rc = LS_OK;
        }
        pos += used;
        if (used == 0 && rc == LS_OK) {
            break;
        }
    }
    ls_json_decoder_free(d);
    return rc;
}

static int ls__encode(const char *in, const ls_type_t *schema, const char *out, int runs, int level,
                      uint32_t page_bytes)
{
    ls_error_t err;
    ls_error_clear(&err);
    ls_buf_t data;
    ls_layout_t *layout = ls_layout_new(schema, &err);
    if (layout == NULL || ls_file_read_all(in, LS__MAX_INPUT, &data, &err) != LS_OK) {
        fprintf(stderr, "bench: %s\n", err.msg);
        return 1;
    }
    ls_batches_t bs = {0};
    int rc = ls__decode_all(layout, &data, &bs, &err) == LS_OK ? 0 : 1;
    uint64_t rows = 0;
    for (size_t i = 0; i < bs.n; i++) {
        rows += bs.v[i]->nrows;
    }
    for (int run = 1; run <= runs && rc == 0; run++) {
        FILE *f = fopen(out, "wb");
        ls_pq_writer_opts_t wo;
        ls_pq_writer_opts_init(&wo);
        wo.level = level;
        wo.page_bytes = page_bytes ? page_bytes : wo.page_bytes;
        double t0 = ls_cli_now(), c0 = ls__cpu_now();
        ls_pq_writer_t *w = f ? ls_pq_writer_new(layout, &wo, ls_sink_stdio(f), &err) : NULL;
        uint64_t size = 0;
        ls_err_t e = w ? LS_OK : LS_ERR_IO;
        for (size_t i = 0; i < bs.n && e == LS_OK; i++) {
            e = ls_pq_writer_write(w, bs.v[i], &err);
        }
        e = e == LS_OK ? ls_pq_writer_close(w, &size, &err) : e;
        e = (f != NULL && fclose(f) == 0 && e == LS_OK) ? LS_OK : LS_ERR_IO;
        double secs = ls_cli_now() - t0;
        ls_pq_writer_free(w);
        if (e != LS_OK) {
            fprintf(stderr, "bench: encode failed: %s\n", err.msg);
            rc = 1;
        } else {
            ls__report("encode", run, rows, data.len, size, secs, ls__cpu_now() - c0);
        }
    }
    for (size_t i = 0; i < bs.n; i++) {
        ls_batch_free(bs.v[i]);
    }
    ls_free(bs.v);
    ls_buf_free(&data);
    ls_layout_free(layout);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 5 || (strcmp(argv[1], "full") != 0 && strcmp(argv[1], "encode") != 0)) {
        fprintf(stderr, "usage: bench_parquet_encode full|encode EVENTS.ndjson SCHEMA.json "
                        "OUT.parquet [RUNS [LEVEL [PAGE_BYTES]]]\n");
        return 2;
    }
    int runs = argc > 5 ? (int)strtol(argv[5], NULL, 10) : 1;
    int level = argc > 6 ? (int)strtol(argv[6], NULL, 10) : 0;
    uint32_t page = argc > 7 ? (uint32_t)strtoul(argv[7], NULL, 10) : 0;
    ls_error_t err;
    ls_error_clear(&err);
    ls_buf_t sb;
    ls_type_t *schema = NULL;
    if (ls_file_read_all(argv[3], 1 << 20, &sb, &err) != LS_OK ||
        ls_json_parse_delta_schema((const char *)sb.data, sb.len, &schema, &err) != LS_OK) {
        fprintf(stderr, "bench: %s: %s\n", argv[3], err.msg);
        return 1;
    }
    ls_buf_free(&sb);
    int rc = strcmp(argv[1], "full") == 0 ? ls__full(argv[2], schema, argv[4], runs)
                                          : ls__encode(argv[2], schema, argv[4], runs, level, page);
    ls_type_free(schema);
    return rc;
}

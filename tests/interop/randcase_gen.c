/*
 * randcase_gen.c — test-only: random-schema cases for random_duckdb.js. For seeds 1..N
 * it writes into DIR
 *   <seed>.schema.json  the Delta schema (ls_type_to_json),
 *   <seed>.ndjson       the rows, printed by ls_json_write_rows (lakesink's conventions),
 *   <seed>.parquet      the same rows written directly by ls_pq_writer_* with a random
 *                       codec, small random row-group and page sizes, dictionary on/off,
 * and one line per case to DIR/cases.ndjson (seed, rows, leaves, writer options).
 * Schemas and rows come from tests/unit/randbatch.c, as in the round-trip unit test.
 * Not a user tool; not responsible for any checking (the script does that).
 * Usage: randcase_gen DIR N
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lakesink/buf.h"
#include "lakesink/columnar.h"
#include "lakesink/io.h"
#include "lakesink/json.h"
#include "lakesink/parquet.h"
#include "lakesink/schema.h"
#include "randbatch.h"

/*
 * Generator options for this run (randbatch.h): wider strings, timestamps and decimals than
 * the round-trip test draws, so JSON escapes, calendar edges and 38-digit decimals go
 * through both readers; and unique map keys, because a JSON object merges duplicate
 * members (last wins, docs/internals/json.md), so a map with repeated keys cannot come
 * back from its NDJSON unchanged — and Parquet requires unique map keys anyway.
 */
#define RANDCASE_FLAGS                                                                             \
    (LS_RB_UNIQUE_MAP_KEYS | LS_RB_TEXT_ESCAPES | LS_RB_WIDE_TIMESTAMPS | LS_RB_WIDE_DECIMALS)

static const char *outdir;

static void die(uint64_t seed, const char *what, const char *why)
{
    fprintf(stderr, "randcase_gen: seed %llu: %s: %s\n", (unsigned long long)seed, what, why);
    exit(1);
}

static void check(ls_err_t rc, uint64_t seed, const char *what, const ls_error_t *err)
{
    if (rc != LS_OK) {
        die(seed, what, err != NULL ? err->msg : ls_err_name(rc));
    }
}

static FILE *open_out(uint64_t seed, const char *ext, const char *mode)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%llu.%s", outdir, (unsigned long long)seed, ext);
    FILE *f = fopen(path, mode);
    if (f == NULL) {
        die(seed, path, strerror(errno));
    }
    return f;
}

static void write_text(uint64_t seed, const char *ext, const ls_buf_t *text)
{
    FILE *f = open_out(seed, ext, "wb");
    if ((text->len > 0 && fwrite(text->data, 1, text->len, f) != text->len) || fclose(f) != 0) {
        die(seed, ext, "write failed");
    }
}

/* Random writer options, drawn from the case's own stream (so a case is one seed). */
static void pick_options(ls_rb_t *g, ls_pq_writer_opts_t *o)
{
    static const ls_pq_codec_t codecs[] = {LS_PQ_CODEC_ZSTD,   LS_PQ_CODEC_SNAPPY,
                                           LS_PQ_CODEC_GZIP,   LS_PQ_CODEC_LZ4_RAW,
                                           LS_PQ_CODEC_BROTLI, LS_PQ_CODEC_UNCOMPRESSED};
    ls_pq_writer_opts_init(o);
    o->codec = codecs[ls_rb_next(g, sizeof(codecs) / sizeof(codecs[0]))];
    o->row_group_bytes = ls_rb_next(g, 4) ? 1 + ls_rb_next(g, 4096) : 64u << 20;
    o->page_bytes = (uint32_t)(64 + ls_rb_next(g, 8192));
    o->dictionary = ls_rb_next(g, 3) != 0;
    o->dictionary_max_bytes = (uint32_t)(16 + ls_rb_next(g, 2048));
}

/* Write @p b to <seed>.parquet in a few random slices, so row groups and pages span
 * batch boundaries. Returns the number of row groups. */
static uint32_t write_parquet(ls_rb_t *g, uint64_t seed, const ls_batch_t *b,
                              const ls_pq_writer_opts_t *o)
{
    ls_error_t err;
    FILE *f = open_out(seed, "parquet", "wb");
    ls_pq_writer_t *w = ls_pq_writer_new(b->layout, o, ls_sink_stdio(f), &err);
    if (w == NULL) {
        die(seed, "writer", err.msg);
    }
    for (size_t pos = 0; pos < b->nrows;) {
        size_t n = 1 + ls_rb_next(g, b->nrows - pos);
        ls_batch_t *slice = ls_batch_new(b->layout, 0);
        if (slice == NULL) {
            die(seed, "slice", "out of memory");
        }
        check(ls_batch_append_rows(slice, b, pos, n), seed, "slice", NULL);
        check(ls_pq_writer_write(w, slice, &err), seed, "write", &err);
        ls_batch_free(slice);
        pos += n;
    }
    uint64_t size = 0;
    check(ls_pq_writer_close(w, &size, &err), seed, "close", &err);
    ls_pq_writer_free(w);
    if (fclose(f) != 0) {
        die(seed, "parquet", "close failed");
    }
    /* read the footer back for the row-group count the manifest reports */
    char path[4096];
    snprintf(path, sizeof(path), "%s/%llu.parquet", outdir, (unsigned long long)seed);
    ls_pq_reader_t *r = ls_pq_reader_open_file(path, &err);
    if (r == NULL) {
        die(seed, "reopen", err.msg);
    }
    uint32_t rgs = ls_pq_reader_num_row_groups(r);
    ls_pq_reader_free(r);
    return rgs;
}

/* One case; appends its manifest line to @p manifest. Returns its row count. */
static size_t one_case(uint64_t seed, ls_buf_t *manifest)
{
    ls_rb_t g;
    ls_error_t err;
    ls_rb_init(&g, seed, RANDCASE_FLAGS);
    ls_type_t *schema = ls_rb_schema(&g);
    if (schema == NULL) {
        die(seed, "schema", "out of memory");
    }
    ls_layout_t *l = ls_layout_new(schema, &err);
    ls_batch_t *b = l != NULL ? ls_batch_new(l, 0) : NULL;
    if (b == NULL) {
        die(seed, "layout", l == NULL ? err.msg : "out of memory");
    }
    size_t rows = ls_rb_next(&g, 4) == 0 ? ls_rb_next(&g, 3) : ls_rb_next(&g, 400);
    check(ls_rb_rows(&g, b, rows), seed, "rows", NULL);

    ls_buf_t text;
    ls_buf_init(&text, LS_BUF_UNLIMITED);
    check(ls_type_to_json(schema, &text), seed, "schema json", NULL);
    write_text(seed, "schema.json", &text);
    text.len = 0;
    check(ls_json_write_rows(b, 0, rows, &text, &err), seed, "ndjson", &err);
    write_text(seed, "ndjson", &text);
    ls_buf_free(&text);

    ls_pq_writer_opts_t o;
    pick_options(&g, &o);
    uint32_t rgs = write_parquet(&g, seed, b, &o);
    char line[512];
    int n = snprintf(line, sizeof(line),
                     "{\"seed\":%llu,\"rows\":%zu,\"leaves\":%zu,\"row_groups\":%u,"
                     "\"codec\":\"%s\",\"dictionary\":%s,\"row_group_bytes\":%llu,"
                     "\"page_bytes\":%u}\n",
                     (unsigned long long)seed, rows, l->nleaves, rgs, ls_pq_codec_name(o.codec),
                     o.dictionary ? "true" : "false", (unsigned long long)o.row_group_bytes,
                     o.page_bytes);
    check(ls_buf_append(manifest, line, (size_t)n), seed, "manifest", NULL);
    ls_batch_free(b);
    ls_layout_free(l);
    ls_type_free(schema);
    return rows;
}

int main(int argc, char **argv)
{
    char *end = NULL;
    unsigned long long count = argc == 3 ? strtoull(argv[2], &end, 10) : 0;
    if (argc != 3 || end == argv[2] || *end != '\0' || count == 0 || count > 1000000) {
        fprintf(stderr, "usage: randcase_gen DIR N   (writes cases for seeds 1..N into DIR)\n");
        return 2;
    }
    outdir = argv[1];
    ls_buf_t manifest;
    ls_buf_init(&manifest, LS_BUF_UNLIMITED);
    size_t total = 0;
    for (uint64_t seed = 1; seed <= count; seed++) {
        total += one_case(seed, &manifest);
    }
    char path[4096];
    snprintf(path, sizeof(path), "%s/cases.ndjson", outdir);
    FILE *f = fopen(path, "wb");
    if (f == NULL || fwrite(manifest.data, 1, manifest.len, f) != manifest.len || fclose(f) != 0) {
        fprintf(stderr, "randcase_gen: %s: write failed\n", path);
        return 1;
    }
    ls_buf_free(&manifest);
    printf("randcase_gen: %llu cases, %zu rows in %s\n", count, total, outdir);
    return 0;
}

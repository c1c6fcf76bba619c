/*
 * test_codec.c — page compression: names, round trips of every codec on empty, tiny,
 * incompressible and large inputs, levels, wrong sizes, corrupt and truncated input,
 * gzip member concatenation and zlib headers, Hadoop LZ4 framing, allocation failures,
 * and every page of the parquet-testing files (skipped when that corpus is absent).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "lakesink/alloc.h"
#include "lakesink/arena.h"
#include "lakesink/codec.h"
#include "lakesink/parquet_meta.h"
#include "testutil.h"

static const ls_pq_codec_t all_codecs[] = {
    LS_PQ_CODEC_UNCOMPRESSED, LS_PQ_CODEC_SNAPPY, LS_PQ_CODEC_GZIP,    LS_PQ_CODEC_BROTLI,
    LS_PQ_CODEC_LZ4,          LS_PQ_CODEC_ZSTD,   LS_PQ_CODEC_LZ4_RAW,
};
#define NUM_CODECS (sizeof(all_codecs) / sizeof(all_codecs[0]))

static uint8_t *random_bytes(size_t n, uint64_t seed)
{
    uint8_t *p = ls_malloc(n ? n : 1);
    assert_non_null(p);
    for (size_t i = 0; i < n; i++) {
        p[i] = (uint8_t)ls_test_rand(&seed);
    }
    return p;
}

static uint8_t *text_bytes(size_t n)
{
    static const char words[] = "{\"user\":\"alice\",\"event\":\"click\",\"ts\":1700000000} ";
    uint8_t *p = ls_malloc(n ? n : 1);
    assert_non_null(p);
    for (size_t i = 0; i < n; i++) {
        p[i] = (uint8_t)words[i % (sizeof(words) - 1)] ^ (uint8_t)((i / 4096) & 1);
    }
    return p;
}

/* Compress after a prefix, check the prefix survives, decompress into an exact-size
 * heap buffer (so ASan sees any overrun), compare, then try wrong sizes. */
static void round_trip(ls_codec_ctx_t *ctx, ls_pq_codec_t codec, int level, const uint8_t *in,
                       size_t len)
{
    ls_buf_t b;
    ls_buf_init(&b, LS_BUF_UNLIMITED);
    ls_error_t err;
    assert_int_equal(ls_buf_append(&b, "PFX", 3), LS_OK);
    ls_err_t rc = ls_codec_compress(ctx, codec, level, in, len, &b, &err);
    if (rc != LS_OK) {
        fail_msg("%s: %s", ls_pq_codec_name(codec), err.msg);
    }
    assert_memory_equal(b.data, "PFX", 3);
    const uint8_t *c = b.data + 3;
    size_t clen = b.len - 3;

    uint8_t *out = ls_malloc(len ? len : 1);
    assert_non_null(out);
    rc = ls_codec_decompress(ctx, codec, c, clen, out, len, &err);
    if (rc != LS_OK) {
        fail_msg("%s: %zu bytes: %s", ls_pq_codec_name(codec), len, err.msg);
    }
    if (len > 0) {
        assert_memory_equal(out, in, len);
    }
    ls_free(out);

    /* one byte short: must fail without writing past the buffer */
    if (len > 0) {
        uint8_t *small = ls_malloc(len - 1 ? len - 1 : 1);
        assert_non_null(small);
        rc = ls_codec_decompress(ctx, codec, c, clen, len - 1 ? small : NULL, len - 1, &err);
        assert_int_equal(rc, LS_ERR_CORRUPT);
        ls_free(small);
    }
    /* one byte too many announced */
    uint8_t *big = ls_malloc(len + 1);
    assert_non_null(big);
    rc = ls_codec_decompress(ctx, codec, c, clen, big, len + 1, &err);
    assert_int_equal(rc, LS_ERR_CORRUPT);
    ls_free(big);
    ls_buf_free(&b);
}

static void test_parse_and_capabilities(void **state)
{
    (void)state;
    assert_int_equal(ls_codec_parse("zstd"), LS_PQ_CODEC_ZSTD);
    assert_int_equal(ls_codec_parse("ZSTD"), LS_PQ_CODEC_ZSTD);
    assert_int_equal(ls_codec_parse("snappy"), LS_PQ_CODEC_SNAPPY);
    assert_int_equal(ls_codec_parse("gzip"), LS_PQ_CODEC_GZIP);
    assert_int_equal(ls_codec_parse("lz4_raw"), LS_PQ_CODEC_LZ4_RAW);
    assert_int_equal(ls_codec_parse("lz4"), LS_PQ_CODEC_LZ4_RAW);
    assert_int_equal(ls_codec_parse("lz4_hadoop"), LS_PQ_CODEC_LZ4);
    assert_int_equal(ls_codec_parse("brotli"), LS_PQ_CODEC_BROTLI);
    assert_int_equal(ls_codec_parse("none"), LS_PQ_CODEC_UNCOMPRESSED);
    assert_int_equal(ls_codec_parse("Uncompressed"), LS_PQ_CODEC_UNCOMPRESSED);
    assert_int_equal(ls_codec_parse("lzo"), LS_PQ_CODEC_LZO);
    assert_int_equal(ls_codec_parse("zip"), -1);
    assert_int_equal(ls_codec_parse(""), -1);
    assert_int_equal(ls_codec_parse(NULL), -1);
    for (size_t i = 0; i < NUM_CODECS; i++) {
        assert_true(ls_codec_can_compress(all_codecs[i]));
    }
    assert_false(ls_codec_can_compress(LS_PQ_CODEC_LZO));
    assert_false(ls_codec_can_compress((ls_pq_codec_t)8));
}

static void test_round_trip_sizes(void **state)
{
    (void)state;
    ls_codec_ctx_t *ctx = ls_codec_ctx_new();
    assert_non_null(ctx);
    uint8_t *rnd = random_bytes(300000, 42);
    uint8_t *txt = text_bytes(3u << 20);
    for (size_t i = 0; i < NUM_CODECS; i++) {
        ls_pq_codec_t c = all_codecs[i];
        round_trip(ctx, c, 0, NULL, 0);
        round_trip(ctx, c, 0, (const uint8_t *)"x", 1);
        round_trip(ctx, c, 0, (const uint8_t *)"hello, hello, hello", 19);
        round_trip(ctx, c, 0, rnd, 100000);   /* incompressible */
        round_trip(ctx, c, 0, rnd, 300000);   /* incompressible, several Hadoop blocks */
        round_trip(ctx, c, 0, txt, 3u << 20); /* large, compressible */
    }
    ls_free(rnd);
    ls_free(txt);
    ls_codec_ctx_free(ctx);
}

static void test_compression_shrinks_text(void **state)
{
    (void)state;
    ls_codec_ctx_t *ctx = ls_codec_ctx_new();
    assert_non_null(ctx);
    uint8_t *txt = text_bytes(1u << 20);
    for (size_t i = 1; i < NUM_CODECS; i++) {
        ls_buf_t b;
        ls_buf_init(&b, LS_BUF_UNLIMITED);
        assert_int_equal(ls_codec_compress(ctx, all_codecs[i], 0, txt, 1u << 20, &b, NULL), LS_OK);
        assert_true(b.len < (1u << 20) / 10);
        ls_buf_free(&b);
    }
    ls_free(txt);
    ls_codec_ctx_free(ctx);
}

static void test_levels(void **state)
{
    (void)state;
    ls_codec_ctx_t *ctx = ls_codec_ctx_new();
    assert_non_null(ctx);
    uint8_t *txt = text_bytes(200000);
    int zstd_levels[] = {1, 3, 19, 22, -5};
    for (int i = 0; i < 5; i++) {
        round_trip(ctx, LS_PQ_CODEC_ZSTD, zstd_levels[i], txt, 200000);
    }
    for (int lvl = 1; lvl <= 9; lvl += 4) { /* the deflate stream is rebuilt per level */
        round_trip(ctx, LS_PQ_CODEC_GZIP, lvl, txt, 200000);
        round_trip(ctx, LS_PQ_CODEC_GZIP, lvl, txt, 1000);
    }
    round_trip(ctx, LS_PQ_CODEC_BROTLI, 1, txt, 200000);
    round_trip(ctx, LS_PQ_CODEC_BROTLI, 11, txt, 20000);
    round_trip(ctx, LS_PQ_CODEC_SNAPPY, 7, txt, 2000); /* no levels: ignored */

    ls_buf_t b;
    ls_buf_init(&b, LS_BUF_UNLIMITED);
    ls_error_t err;
    assert_int_equal(ls_codec_compress(ctx, LS_PQ_CODEC_ZSTD, 23, txt, 10, &b, &err),
                     LS_ERR_INVALID_ARG);
    assert_non_null(strstr(err.msg, "level 23"));
    assert_int_equal(ls_codec_compress(ctx, LS_PQ_CODEC_GZIP, 10, txt, 10, &b, &err),
                     LS_ERR_INVALID_ARG);
    assert_int_equal(ls_codec_compress(ctx, LS_PQ_CODEC_BROTLI, 12, txt, 10, &b, &err),
                     LS_ERR_INVALID_ARG);
    assert_int_equal(b.len, 0);
    ls_buf_free(&b);
    ls_free(txt);
    ls_codec_ctx_free(ctx);
}

static void test_unsupported_and_bad_args(void **state)
{
    (void)state;
    ls_codec_ctx_t *ctx = ls_codec_ctx_new();
    assert_non_null(ctx);
    ls_buf_t b;
    ls_buf_init(&b, LS_BUF_UNLIMITED);
    ls_error_t err;
    uint8_t out[4];
    assert_int_equal(ls_codec_compress(ctx, LS_PQ_CODEC_LZO, 0, out, 4, &b, &err),
                     LS_ERR_UNSUPPORTED);
    assert_non_null(strstr(err.msg, "LZO"));
    assert_int_equal(ls_codec_decompress(ctx, LS_PQ_CODEC_LZO, out, 4, out, 4, &err),
                     LS_ERR_UNSUPPORTED);
    assert_non_null(strstr(err.msg, "LZO"));
    assert_int_equal(ls_codec_compress(ctx, (ls_pq_codec_t)99, 0, out, 4, &b, &err),
                     LS_ERR_UNSUPPORTED);
    assert_int_equal(ls_codec_decompress(ctx, (ls_pq_codec_t)99, out, 4, out, 4, &err),
                     LS_ERR_UNSUPPORTED);
    assert_int_equal(ls_codec_compress(ctx, LS_PQ_CODEC_ZSTD, 0, NULL, 4, &b, &err),
                     LS_ERR_INVALID_ARG);
    assert_int_equal(ls_codec_decompress(ctx, LS_PQ_CODEC_ZSTD, out, 4, NULL, 4, &err),
                     LS_ERR_INVALID_ARG);
    /* uncompressed: sizes must agree; empty is fine */
    assert_int_equal(ls_codec_decompress(ctx, LS_PQ_CODEC_UNCOMPRESSED, out, 3, out, 4, &err),
                     LS_ERR_CORRUPT);
    assert_int_equal(ls_codec_decompress(ctx, LS_PQ_CODEC_UNCOMPRESSED, NULL, 0, NULL, 0, &err),
                     LS_OK);
    /* an empty body stands for an empty page whatever the codec (v2 all-null pages) */
    for (size_t i = 0; i < NUM_CODECS; i++) {
        assert_int_equal(ls_codec_decompress(ctx, all_codecs[i], NULL, 0, NULL, 0, &err), LS_OK);
        assert_int_equal(ls_codec_decompress(ctx, all_codecs[i], NULL, 0, out, 1, &err),
                         LS_ERR_CORRUPT);
    }
    ls_buf_free(&b);
    ls_codec_ctx_free(ctx);
    ls_codec_ctx_free(NULL);
}

/* Truncations and byte flips of valid streams: errors or exact results, never a crash. */
static void test_corrupt_inputs(void **state)
{
    (void)state;
    ls_codec_ctx_t *ctx = ls_codec_ctx_new();
    assert_non_null(ctx);
    uint8_t *txt = text_bytes(50000);
    uint8_t *out = ls_malloc(50000);
    assert_non_null(out);
    uint64_t seed = 7;
    for (size_t i = 1; i < NUM_CODECS; i++) {
        ls_pq_codec_t c = all_codecs[i];
        ls_buf_t b;
        ls_buf_init(&b, LS_BUF_UNLIMITED);
        assert_int_equal(ls_codec_compress(ctx, c, 0, txt, 50000, &b, NULL), LS_OK);
        for (size_t cut = 0; cut < b.len; cut += 1 + cut / 8) {
            uint8_t *p = ls_malloc(cut ? cut : 1);
            assert_non_null(p);
            memcpy(p, b.data, cut);
            ls_error_t err;
            ls_err_t rc = ls_codec_decompress(ctx, c, p, cut, out, 50000, &err);
            if (rc == LS_OK) {
                fail_msg("%s: a stream cut to %zu of %zu bytes decompressed", ls_pq_codec_name(c),
                         cut, b.len);
            }
            assert_true(rc == LS_ERR_CORRUPT || rc == LS_ERR_CODEC);
            ls_free(p);
        }
        for (int round = 0; round < 300; round++) {
            uint8_t *p = ls_memdup(b.data, b.len);
            assert_non_null(p);
            for (int k = 0; k < 1 + round % 4; k++) {
                p[ls_test_rand(&seed) % b.len] = (uint8_t)ls_test_rand(&seed);
            }
            ls_err_t rc = ls_codec_decompress(ctx, c, p, b.len, out, 50000, NULL);
            assert_true(rc == LS_OK || rc == LS_ERR_CORRUPT || rc == LS_ERR_CODEC);
            ls_free(p);
        }
        uint8_t *garbage = random_bytes(4096, (uint64_t)i);
        for (size_t n = 0; n <= 4096; n += 512) {
            ls_err_t rc = ls_codec_decompress(ctx, c, garbage, n, out, 50000, NULL);
            assert_int_not_equal(rc, LS_OK);
        }
        ls_free(garbage);
        ls_buf_free(&b);
    }
    ls_free(out);
    ls_free(txt);
    ls_codec_ctx_free(ctx);
}

static void test_gzip_members_and_zlib(void **state)
{
    (void)state;
    ls_codec_ctx_t *ctx = ls_codec_ctx_new();
    assert_non_null(ctx);
    ls_buf_t b;
    ls_buf_init(&b, LS_BUF_UNLIMITED);
    assert_int_equal(
        ls_codec_compress(ctx, LS_PQ_CODEC_GZIP, 0, (const uint8_t *)"abc", 3, &b, NULL), LS_OK);
    assert_int_equal(b.data[0], 0x1f); /* gzip magic */
    assert_int_equal(b.data[1], 0x8b);
    assert_int_equal(ls_codec_compress(ctx, LS_PQ_CODEC_GZIP, 1, NULL, 0, &b, NULL), LS_OK);
    assert_int_equal(
        ls_codec_compress(ctx, LS_PQ_CODEC_GZIP, 9, (const uint8_t *)"defg", 4, &b, NULL), LS_OK);
    uint8_t out[8];
    ls_error_t err;
    assert_int_equal(ls_codec_decompress(ctx, LS_PQ_CODEC_GZIP, b.data, b.len, out, 7, &err),
                     LS_OK);
    assert_memory_equal(out, "abcdefg", 7);
    /* the members hold 7 bytes, not 6 */
    assert_int_equal(ls_codec_decompress(ctx, LS_PQ_CODEC_GZIP, b.data, b.len, out, 6, &err),
                     LS_ERR_CORRUPT);
    /* trailing garbage after the last member */
    assert_int_equal(ls_buf_append(&b, "junk", 4), LS_OK);
    assert_int_equal(ls_codec_decompress(ctx, LS_PQ_CODEC_GZIP, b.data, b.len, out, 7, &err),
                     LS_ERR_CORRUPT);

    /* zlib framing (RFC 1950), as some old writers produced */
    uint8_t z[64];
    uLongf zlen = sizeof(z);
    assert_int_equal(compress(z, &zlen, (const Bytef *)"zlib data", 9), Z_OK);
    assert_int_equal(ls_codec_decompress(ctx, LS_PQ_CODEC_GZIP, z, zlen, out, 8, &err),
                     LS_ERR_CORRUPT);
    uint8_t out9[9];
    assert_int_equal(ls_codec_decompress(ctx, LS_PQ_CODEC_GZIP, z, zlen, out9, 9, &err), LS_OK);
    assert_memory_equal(out9, "zlib data", 9);
    ls_buf_free(&b);
    ls_codec_ctx_free(ctx);
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static void test_hadoop_lz4_framing(void **state)
{
    (void)state;
    ls_codec_ctx_t *ctx = ls_codec_ctx_new();
    assert_non_null(ctx);
    size_t n = 300000;
    uint8_t *txt = text_bytes(n);
    ls_buf_t b;
    ls_buf_init(&b, LS_BUF_UNLIMITED);
    assert_int_equal(ls_codec_compress(ctx, LS_PQ_CODEC_LZ4, 0, txt, n, &b, NULL), LS_OK);
    /* three blocks of at most 128 KiB, each [raw size][compressed size][data] */
    size_t off = 0, blocks = 0, total = 0;
    while (off < b.len) {
        assert_true(b.len - off >= 8);
        uint32_t raw = be32(b.data + off), comp = be32(b.data + off + 4);
        assert_true(raw <= 128 * 1024);
        total += raw;
        off += 8 + comp;
        blocks++;
    }
    assert_int_equal(off, b.len);
    assert_int_equal(blocks, 3);
    assert_int_equal(total, n);

    /* Hadoop's own layout: one block holding two chunks */
    ls_buf_t raw1, raw2;
    ls_buf_init(&raw1, LS_BUF_UNLIMITED);
    ls_buf_init(&raw2, LS_BUF_UNLIMITED);
    assert_int_equal(ls_codec_compress(ctx, LS_PQ_CODEC_LZ4_RAW, 0, txt, 1000, &raw1, NULL), LS_OK);
    assert_int_equal(ls_codec_compress(ctx, LS_PQ_CODEC_LZ4_RAW, 0, txt + 1000, 500, &raw2, NULL),
                     LS_OK);
    ls_buf_t h;
    ls_buf_init(&h, LS_BUF_UNLIMITED);
    uint8_t hdr[4];
    put_be32(hdr, 1500);
    assert_int_equal(ls_buf_append(&h, hdr, 4), LS_OK);
    put_be32(hdr, (uint32_t)raw1.len);
    assert_int_equal(ls_buf_append(&h, hdr, 4), LS_OK);
    assert_int_equal(ls_buf_append(&h, raw1.data, raw1.len), LS_OK);
    put_be32(hdr, (uint32_t)raw2.len);
    assert_int_equal(ls_buf_append(&h, hdr, 4), LS_OK);
    assert_int_equal(ls_buf_append(&h, raw2.data, raw2.len), LS_OK);
    uint8_t *out = ls_malloc(1500);
    assert_non_null(out);
    ls_error_t err;
    assert_int_equal(ls_codec_decompress(ctx, LS_PQ_CODEC_LZ4, h.data, h.len, out, 1500, &err),
                     LS_OK);
    assert_memory_equal(out, txt, 1500);

    /* raw LZ4 under codec 5 (some writers did that): the fallback reads it */
    assert_int_equal(
        ls_codec_decompress(ctx, LS_PQ_CODEC_LZ4, raw1.data, raw1.len, out, 1000, &err), LS_OK);
    assert_memory_equal(out, txt, 1000);
    /* but LZ4_RAW does not accept the Hadoop framing */
    assert_int_not_equal(
        ls_codec_decompress(ctx, LS_PQ_CODEC_LZ4_RAW, h.data, h.len, out, 1500, &err), LS_OK);
    /* a frame announcing more than the page holds fails over to raw, then fails */
    put_be32(h.data, 5000);
    assert_int_equal(ls_codec_decompress(ctx, LS_PQ_CODEC_LZ4, h.data, h.len, out, 1500, &err),
                     LS_ERR_CORRUPT);
    assert_non_null(strstr(err.msg, "neither Hadoop-framed nor raw"));
    ls_free(out);
    ls_buf_free(&h);
    ls_buf_free(&raw1);
    ls_buf_free(&raw2);
    ls_buf_free(&b);
    ls_free(txt);
    ls_codec_ctx_free(ctx);
}

static void test_limits_and_alloc_failures(void **state)
{
    (void)state;
    uint8_t *txt = text_bytes(100000);
    uint8_t *rnd = random_bytes(1000, 3);
    /* a buffer cap below the compressed size: LS_ERR_LIMIT, contents unchanged */
    for (size_t i = 0; i < NUM_CODECS; i++) {
        ls_codec_ctx_t *ctx = ls_codec_ctx_new();
        assert_non_null(ctx);
        ls_buf_t b;
        ls_buf_init(&b, 500);
        assert_int_equal(ls_buf_append(&b, "keep", 4), LS_OK);
        ls_error_t err;
        assert_int_equal(ls_codec_compress(ctx, all_codecs[i], 0, rnd, 1000, &b, &err),
                         LS_ERR_LIMIT);
        assert_int_equal(b.len, 4);
        assert_memory_equal(b.data, "keep", 4);
        ls_buf_free(&b);
        ls_codec_ctx_free(ctx);
    }
    /* every allocation failing in turn: NOMEM or success, never a crash or a leak */
    for (size_t i = 0; i < NUM_CODECS; i++) {
        for (long n = 0; n < 12; n++) {
            ls_alloc_fail_after(n, 1);
            ls_codec_ctx_t *ctx = ls_codec_ctx_new();
            if (ctx != NULL) {
                ls_buf_t b;
                ls_buf_init(&b, LS_BUF_UNLIMITED);
                ls_err_t rc = ls_codec_compress(ctx, all_codecs[i], 0, txt, 100000, &b, NULL);
                assert_true(rc == LS_OK || rc == LS_ERR_NOMEM);
                ls_buf_free(&b);
                ls_codec_ctx_free(ctx);
            }
            ls_alloc_fail_after(-1, 0);
        }
    }
    /* gzip decompression allocates its window through ls_malloc */
    ls_codec_ctx_t *ctx = ls_codec_ctx_new();
    assert_non_null(ctx);
    ls_buf_t b;
    ls_buf_init(&b, LS_BUF_UNLIMITED);
    assert_int_equal(ls_codec_compress(ctx, LS_PQ_CODEC_GZIP, 0, txt, 100000, &b, NULL), LS_OK);
    ls_codec_ctx_t *fresh = ls_codec_ctx_new();
    assert_non_null(fresh);
    uint8_t *out = ls_malloc(100000);
    assert_non_null(out);
    ls_alloc_fail_after(0, 1);
    ls_error_t err;
    ls_err_t rc = ls_codec_decompress(fresh, LS_PQ_CODEC_GZIP, b.data, b.len, out, 100000, &err);
    ls_alloc_fail_after(-1, 0);
    assert_int_equal(rc, LS_ERR_NOMEM);
    assert_int_equal(ls_codec_decompress(fresh, LS_PQ_CODEC_GZIP, b.data, b.len, out, 100000, &err),
                     LS_OK);
    ls_free(out);
    ls_codec_ctx_free(fresh);
    ls_buf_free(&b);
    ls_codec_ctx_free(ctx);
    ls_free(txt);
    ls_free(rnd);
}

/* ------------------------------------------------------------------ real pages */

static uint8_t *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return NULL;
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *p = ls_malloc(n > 0 ? (size_t)n : 1);
    assert_non_null(p);
    if (n <= 0 || fread(p, 1, (size_t)n, f) != (size_t)n) {
        ls_free(p);
        p = NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return p;
}

/* Decompress every page of one column chunk; returns the number of pages. */
static int chunk_pages(ls_codec_ctx_t *ctx, const char *name, const uint8_t *file, size_t size,
                       const ls_pq_column_meta_t *cm, ls_arena_t *arena)
{
    /* the chunk starts at the smaller positive offset (a writer of one test file left
     * data_page_offset at 0 for a chunk holding only a dictionary page) */
    int64_t start = cm->data_page_offset;
    if (cm->has_dictionary_page_offset && cm->dictionary_page_offset > 0 &&
        (start <= 0 || cm->dictionary_page_offset < start)) {
        start = cm->dictionary_page_offset;
    }
    if (start < 4 || (uint64_t)start + (uint64_t)cm->total_compressed_size > size) {
        fail_msg("%s: chunk at %lld of %lld bytes lies outside the file", name, (long long)start,
                 (long long)cm->total_compressed_size);
    }
    size_t pos = (size_t)start, end = pos + (size_t)cm->total_compressed_size;
    int pages = 0;
    while (pos < end) {
        ls_pq_page_header_t ph;
        size_t used;
        ls_error_t err;
        if (ls_pq_page_header_decode(file + pos, end - pos, arena, &ph, &used, &err) != LS_OK) {
            fail_msg("%s: page header at %zu: %s", name, pos, err.msg);
        }
        pos += used;
        if ((size_t)ph.compressed_page_size > end - pos) {
            fail_msg("%s: page at %zu of %d bytes overruns its chunk (%zu left)", name, pos,
                     ph.compressed_page_size, end - pos);
        }
        size_t skip = 0; /* v2 pages keep their levels uncompressed in front */
        bool compressed = true;
        if (ph.has_data_page_header_v2) {
            skip = (size_t)ph.data_page_header_v2.definition_levels_byte_length +
                   (size_t)ph.data_page_header_v2.repetition_levels_byte_length;
            compressed = ph.data_page_header_v2.is_compressed;
        }
        assert_true(skip <= (size_t)ph.compressed_page_size &&
                    skip <= (size_t)ph.uncompressed_page_size);
        size_t clen = (size_t)ph.compressed_page_size - skip;
        size_t ulen = (size_t)ph.uncompressed_page_size - skip;
        ls_pq_codec_t codec = compressed ? cm->codec : LS_PQ_CODEC_UNCOMPRESSED;
        if (ulen > ((size_t)64 << 20)) {
            /* large_string_map.brotli holds 2 GB of strings in 3 KB: a reader limit
             * test, too slow for a unit test of codecs */
            pos += (size_t)ph.compressed_page_size;
            continue;
        }
        uint8_t *out = ls_malloc(ulen ? ulen : 1);
        assert_non_null(out);
        if (ls_codec_decompress(ctx, codec, file + pos + skip, clen, ulen ? out : NULL, ulen,
                                &err) != LS_OK) {
            fail_msg("%s: page at %zu (%s): %s", name, pos, ls_pq_codec_name(codec), err.msg);
        }
        ls_free(out);
        pos += (size_t)ph.compressed_page_size;
        pages++;
    }
    return pages;
}

static int file_pages(ls_codec_ctx_t *ctx, const char *path, const char *name, int *codecs)
{
    size_t size;
    uint8_t *file = slurp(path, &size);
    if (file == NULL || size < 12 || memcmp(file + size - 4, "PAR1", 4) != 0) {
        ls_free(file);
        return 0;
    }
    const uint8_t *t = file + size - 8;
    size_t flen = (size_t)t[0] | (size_t)t[1] << 8 | (size_t)t[2] << 16 | (size_t)t[3] << 24;
    assert_true(flen <= size - 12);
    ls_arena_t *arena = ls_arena_new(1 << 16, 0);
    assert_non_null(arena);
    ls_pq_file_meta_t fm;
    ls_error_t err;
    int pages = 0;
    if (ls_pq_file_meta_decode(t - flen, flen, arena, &fm, &err) != LS_OK) {
        fail_msg("%s: %s", name, err.msg);
    }
    for (uint32_t g = 0; g < fm.num_row_groups && !fm.has_encryption; g++) {
        for (uint32_t c = 0; c < fm.row_groups[g].num_columns; c++) {
            const ls_pq_column_chunk_t *cc = &fm.row_groups[g].columns[c];
            if (cc->has_meta_data && cc->file_path == NULL) {
                pages += chunk_pages(ctx, name, file, size, &cc->meta_data, arena);
                codecs[(unsigned)cc->meta_data.codec & 7] = 1;
            }
        }
    }
    ls_arena_free(arena);
    ls_free(file);
    return pages;
}

static void test_real_pages(void **state)
{
    (void)state;
    LS_REQUIRE_TESTDATA("parquet-testing/data");
    char dir[4096];
    snprintf(dir, sizeof(dir), "%s", ls_test_data("parquet-testing/data"));
    DIR *d = opendir(dir);
    assert_non_null(d);
    ls_codec_ctx_t *ctx = ls_codec_ctx_new();
    assert_non_null(ctx);
    int codecs[8] = {0}, pages = 0, files = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        /* nation.dict-malformed's chunk sizes are wrong on purpose (a reader test) */
        if (n < 8 || strcmp(e->d_name + n - 8, ".parquet") != 0 ||
            strcmp(e->d_name, "nation.dict-malformed.parquet") == 0) {
            continue;
        }
        char path[4400];
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        pages += file_pages(ctx, path, e->d_name, codecs);
        files++;
    }
    closedir(d);
    ls_codec_ctx_free(ctx);
    print_message("decompressed %d pages of %d files\n", pages, files);
    /* every codec but LZO appears in the corpus */
    for (int c = 0; c < 8; c++) {
        if (c != LS_PQ_CODEC_LZO && !codecs[c]) {
            fail_msg("no page with codec %s was seen", ls_pq_codec_name((ls_pq_codec_t)c));
        }
    }
    assert_true(pages > 1000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_and_capabilities),    cmocka_unit_test(test_round_trip_sizes),
        cmocka_unit_test(test_compression_shrinks_text),  cmocka_unit_test(test_levels),
        cmocka_unit_test(test_unsupported_and_bad_args),  cmocka_unit_test(test_corrupt_inputs),
        cmocka_unit_test(test_gzip_members_and_zlib),     cmocka_unit_test(test_hadoop_lz4_framing),
        cmocka_unit_test(test_limits_and_alloc_failures), cmocka_unit_test(test_real_pages),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

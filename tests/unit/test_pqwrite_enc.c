/*
 * test_pqwrite_enc.c — the Parquet writer's building blocks in isolation: RLE/bit-packing
 * hybrid against hand-computed bytes (including the spec's example) and a reference
 * decoder, PLAIN booleans, the dictionary table and its caps, statistics ordering edge
 * cases (unsigned strings, NaN, -0.0, unsigned and decimal orders, truncation) and the
 * schema elements of every type.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "lakesink/alloc.h"
#include "lakesink/schema.h"
#include "parquet/write/pqw_int.h"
#include "testutil.h"

/* ------------------------------------------------------ reference decoder */

/* Decode @p count hybrid values of width @p bw from @p p; returns bytes consumed or 0. */
static size_t ref_rle_decode(const uint8_t *p, size_t len, int bw, uint32_t *out, size_t count)
{
    size_t pos = 0, got = 0;
    size_t vbytes = ((size_t)bw + 7) / 8;
    while (got < count) {
        uint64_t h = 0;
        int shift = 0;
        for (;;) {
            if (pos >= len) {
                return 0;
            }
            uint8_t b = p[pos++];
            h |= (uint64_t)(b & 0x7F) << shift;
            shift += 7;
            if (!(b & 0x80)) {
                break;
            }
        }
        if (h & 1) {
            size_t nvals = (size_t)(h >> 1) * 8;
            size_t nbytes = (size_t)(h >> 1) * (size_t)bw;
            if (pos + nbytes > len) {
                return 0;
            }
            for (size_t i = 0; i < nvals && got < count; i++) {
                uint64_t v = 0;
                for (int b = 0; b < bw; b++) {
                    size_t bit = i * (size_t)bw + (size_t)b;
                    v |= (uint64_t)((p[pos + bit / 8] >> (bit % 8)) & 1) << b;
                }
                out[got++] = (uint32_t)v;
            }
            pos += nbytes;
        } else {
            size_t run = (size_t)(h >> 1);
            uint32_t v = 0;
            if (pos + vbytes > len) {
                return 0;
            }
            for (size_t b = 0; b < vbytes; b++) {
                v |= (uint32_t)p[pos + b] << (8 * b);
            }
            pos += vbytes;
            for (size_t i = 0; i < run && got < count; i++) {
                out[got++] = v;
            }
        }
    }
    return pos;
}

/* ------------------------------------------------------------------ RLE */

static void test_bit_width_and_uleb(void **state)
{
    (void)state;
    assert_int_equal(ls__pqw_bit_width(0), 0);
    assert_int_equal(ls__pqw_bit_width(1), 1);
    assert_int_equal(ls__pqw_bit_width(3), 2);
    assert_int_equal(ls__pqw_bit_width(4), 3);
    assert_int_equal(ls__pqw_bit_width(255), 8);
    assert_int_equal(ls__pqw_bit_width(256), 9);
    assert_int_equal(ls__pqw_bit_width(UINT32_MAX), 32);
    uint8_t b[10];
    assert_int_equal(ls__pqw_uleb(0, b), 1);
    assert_int_equal(b[0], 0);
    assert_int_equal(ls__pqw_uleb(127, b), 1);
    assert_int_equal(b[0], 0x7F);
    assert_int_equal(ls__pqw_uleb(300, b), 2);
    assert_int_equal(b[0], 0xAC);
    assert_int_equal(b[1], 0x02);
}

static void test_rle_spec_example(void **state)
{
    (void)state;
    /* Encodings.md: 0..7 with bit width 3 pack to 10001000 11000110 11111010 */
    const uint8_t v[8] = {0, 1, 2, 3, 4, 5, 6, 7};
    const uint8_t want[] = {0x03, 0x88, 0xC6, 0xFA};
    uint8_t out[64];
    size_t n = ls__pqw_rle_encode_u8(v, 8, 3, out);
    assert_int_equal(n, sizeof(want));
    assert_memory_equal(out, want, sizeof(want));
    /* the same through the 32-bit path */
    const uint32_t v32[8] = {0, 1, 2, 3, 4, 5, 6, 7};
    n = ls__pqw_rle_encode_u32(v32, 8, 3, out);
    assert_int_equal(n, sizeof(want));
    assert_memory_equal(out, want, sizeof(want));
}

static void test_rle_runs(void **state)
{
    (void)state;
    uint8_t v[300], out[128];
    /* 100 ones, width 1: one RLE run, header varint(200) = C8 01, value 01 */
    memset(v, 1, 100);
    size_t n = ls__pqw_rle_encode_u8(v, 100, 1, out);
    const uint8_t want1[] = {0xC8, 0x01, 0x01};
    assert_int_equal(n, 3);
    assert_memory_equal(out, want1, 3);

    /* 6 literals then a run of 10: the run lends 2 values so the literals fill a group */
    const uint8_t v2[16] = {0, 1, 0, 1, 0, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2};
    const uint8_t want2[] = {0x03, 0x44, 0xA4, 0x10, 0x02};
    n = ls__pqw_rle_encode_u8(v2, 16, 2, out);
    assert_int_equal(n, sizeof(want2));
    assert_memory_equal(out, want2, sizeof(want2));

    /* 3 values: one zero-padded group */
    const uint8_t v3[3] = {3, 3, 3};
    const uint8_t want3[] = {0x03, 0x3F, 0x00};
    n = ls__pqw_rle_encode_u8(v3, 3, 2, out);
    assert_int_equal(n, sizeof(want3));
    assert_memory_equal(out, want3, sizeof(want3));

    /* 3 literals + a run of 9: lending 5 would leave 4, so all 12 stay literal */
    const uint8_t v4[12] = {1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    n = ls__pqw_rle_encode_u8(v4, 12, 1, out);
    const uint8_t want4[] = {0x05, 0x05, 0x00};
    assert_int_equal(n, sizeof(want4));
    assert_memory_equal(out, want4, sizeof(want4));

    /* RLE value bytes: width 9 stores the repeated value in 2 bytes */
    uint32_t w9[20];
    for (int i = 0; i < 20; i++) {
        w9[i] = 0x1A5;
    }
    n = ls__pqw_rle_encode_u32(w9, 20, 9, out);
    const uint8_t want5[] = {0x28, 0xA5, 0x01};
    assert_int_equal(n, sizeof(want5));
    assert_memory_equal(out, want5, sizeof(want5));

    /* width 0 (all zeros): runs with no value bytes */
    memset(v, 0, 20);
    n = ls__pqw_rle_encode_u8(v, 20, 0, out);
    assert_int_equal(n, 1);
    assert_int_equal(out[0], 40);

    assert_int_equal(ls__pqw_rle_encode_u8(v, 0, 3, out), 0);
}

static void test_rle_random_roundtrip(void **state)
{
    (void)state;
    uint64_t rng = 42;
    size_t cap = 5000;
    uint32_t *v = ls_malloc(cap * sizeof(uint32_t));
    uint32_t *back = ls_malloc(cap * sizeof(uint32_t));
    uint8_t *v8 = ls_malloc(cap);
    uint8_t *out = ls_malloc(ls__pqw_rle_bound(cap, 32));
    assert_non_null(out);
    for (int iter = 0; iter < 400; iter++) {
        int bw = 1 + (int)(ls_test_rand(&rng) % 32);
        size_t n = ls_test_rand(&rng) % cap;
        uint32_t mask = bw == 32 ? UINT32_MAX : (1u << bw) - 1;
        int runny = (int)(ls_test_rand(&rng) % 4);
        for (size_t i = 0; i < n; i++) {
            bool repeat = i > 0 && (int)(ls_test_rand(&rng) % 4) < runny;
            v[i] = repeat ? v[i - 1] : (uint32_t)ls_test_rand(&rng) & mask;
        }
        size_t len = ls__pqw_rle_encode_u32(v, n, bw, out);
        assert_true(len <= ls__pqw_rle_bound(n, bw));
        assert_int_equal(ref_rle_decode(out, len, bw, back, n), n ? len : 0);
        assert_memory_equal(v, back, n * sizeof(uint32_t) + (n == 0));
        if (bw <= 8) {
            for (size_t i = 0; i < n; i++) {
                v8[i] = (uint8_t)v[i];
            }
            size_t len8 = ls__pqw_rle_encode_u8(v8, n, bw, out);
            assert_int_equal(len8, len);
            assert_int_equal(ref_rle_decode(out, len8, bw, back, n), n ? len : 0);
            assert_memory_equal(v, back, n * sizeof(uint32_t) + (n == 0));
        }
    }
    ls_free(v);
    ls_free(back);
    ls_free(v8);
    ls_free(out);
}

static void test_level_scan(void **state)
{
    (void)state;
    uint64_t rng = 7;
    uint8_t v[3000];
    for (int iter = 0; iter < 300; iter++) {
        size_t n = ls_test_rand(&rng) % sizeof(v);
        int maxl = (int)(ls_test_rand(&rng) % 6);
        bool inject = iter % 3 == 0 && n > 0;
        for (size_t i = 0; i < n; i++) {
            v[i] = (uint8_t)(ls_test_rand(&rng) % (uint64_t)(maxl + 1));
        }
        if (inject) {
            v[ls_test_rand(&rng) % n] = (uint8_t)(iter % 2 ? maxl + 1 : 200);
        }
        for (int m = 0; m <= maxl; m++) {
            size_t want = 0;
            bool want_over = false;
            for (size_t i = 0; i < n; i++) {
                want += v[i] == m;
                want_over |= v[i] > m;
            }
            bool over = !want_over;
            assert_int_equal(ls__pqw_level_scan(v, n, (uint8_t)m, &over), want);
            assert_int_equal(over, want_over);
        }
    }
    /* long runs cross the 255-step accumulator flush; 0xFF levels and a 200 maximum */
    memset(v, 1, sizeof(v));
    bool over = true;
    assert_int_equal(ls__pqw_level_scan(v, sizeof(v), 1, &over), sizeof(v));
    assert_false(over);
    v[2999] = 0xFF;
    assert_int_equal(ls__pqw_level_scan(v, sizeof(v), 200, &over), 0);
    assert_true(over);
}

static void test_pack_bools(void **state)
{
    (void)state;
    const uint8_t v[9] = {1, 0, 1, 1, 0, 0, 0, 1, 7};
    uint8_t out[2] = {0xEE, 0xEE};
    assert_int_equal(ls__pqw_pack_bools(v, 9, out), 2);
    assert_int_equal(out[0], 0x8D);
    assert_int_equal(out[1], 0x01);
    assert_int_equal(ls__pqw_pack_bools(v, 8, out), 1);
    assert_int_equal(ls__pqw_pack_bools(v, 0, out), 0);
}

/* ----------------------------------------------------------- dictionary */

static void test_dict_fixed(void **state)
{
    (void)state;
    ls__pqw_dict_t d;
    ls__pqw_dict_init(&d, LS_COL_I32, 4, 1 << 20);
    const int32_t vals[8] = {5, -1, 5, 7, -1, 5, 0, 7};
    uint32_t idx[8];
    size_t done = 0;
    assert_int_equal(ls__pqw_dict_put_fixed(&d, (const uint8_t *)vals, 8, idx, &done), LS_OK);
    assert_int_equal(done, 8);
    const uint32_t want[8] = {0, 1, 0, 2, 1, 0, 3, 2};
    assert_memory_equal(idx, want, sizeof(want));
    assert_int_equal(d.count, 4);
    const int32_t plain[4] = {5, -1, 7, 0};
    assert_int_equal(d.values.len, 16);
    assert_memory_equal(d.values.data, plain, 16);

    /* many distinct values: the table grows and keeps every mapping */
    ls__pqw_dict_reset(&d);
    assert_int_equal(d.count, 0);
    enum { N = 100000 };
    int32_t *big = ls_malloc(N * sizeof(int32_t));
    uint32_t *bidx = ls_malloc(N * sizeof(uint32_t));
    for (int i = 0; i < N; i++) {
        big[i] = i * 7919;
    }
    assert_int_equal(ls__pqw_dict_put_fixed(&d, (const uint8_t *)big, N, bidx, &done), LS_OK);
    assert_int_equal(done, N);
    for (int i = 0; i < N; i++) {
        assert_int_equal(bidx[i], (uint32_t)i);
    }
    assert_int_equal(ls__pqw_dict_put_fixed(&d, (const uint8_t *)big, N, bidx, &done), LS_OK);
    assert_int_equal(d.count, N);
    assert_int_equal(bidx[N - 1], N - 1);
    ls_free(big);
    ls_free(bidx);
    ls__pqw_dict_free(&d);

    /* byte cap: 16 bytes hold two int64 entries; known values still resolve */
    ls__pqw_dict_init(&d, LS_COL_I64, 8, 16);
    const int64_t v64[5] = {1, 2, 1, 3, 2};
    assert_int_equal(ls__pqw_dict_put_fixed(&d, (const uint8_t *)v64, 5, idx, &done), LS_OK);
    assert_int_equal(done, 3);
    assert_int_equal(d.count, 2);
    ls__pqw_dict_free(&d);

    /* other widths (decimal(38) as 16 bytes) go through the generic path */
    ls__pqw_dict_init(&d, LS_COL_FIXED, 16, 1 << 20);
    uint8_t fx[4][16];
    memset(fx, 0, sizeof(fx));
    fx[1][15] = 1;
    fx[3][15] = 1;
    fx[2][0] = 0x80;
    assert_int_equal(ls__pqw_dict_put_fixed(&d, &fx[0][0], 4, idx, &done), LS_OK);
    assert_int_equal(done, 4);
    assert_int_equal(idx[0], 0);
    assert_int_equal(idx[1], 1);
    assert_int_equal(idx[2], 2);
    assert_int_equal(idx[3], 1);
    ls_buf_t b;
    ls_buf_init(&b, 1024);
    assert_int_equal(ls__pqw_dict_entry_plain(&d, 2, &b), LS_OK);
    assert_memory_equal(b.data, fx[2], 16);
    ls_buf_free(&b);
    ls__pqw_dict_free(&d);
}

static void test_dict_bytes(void **state)
{
    (void)state;
    ls__pqw_dict_t d;
    ls__pqw_dict_init(&d, LS_COL_BYTES, 0, 1 << 20);
    const char *s = "applebananaapple" "" "kiwi";
    const uint32_t off[6] = {0, 5, 11, 16, 16, 20}; /* apple banana apple "" kiwi */
    uint32_t idx[5];
    size_t done = 0;
    assert_int_equal(ls__pqw_dict_put_bytes(&d, off, (const uint8_t *)s, 5, idx, &done), LS_OK);
    assert_int_equal(done, 5);
    const uint32_t want[5] = {0, 1, 0, 2, 3};
    assert_memory_equal(idx, want, sizeof(want));
    /* PLAIN: length-prefixed entries */
    const uint8_t plain[] = {5, 0, 0, 0, 'a', 'p', 'p', 'l', 'e', 6, 0, 0, 0, 'b', 'a', 'n', 'a',
                             'n', 'a', 0, 0, 0, 0, 4, 0, 0, 0, 'k', 'i', 'w', 'i'};
    assert_int_equal(d.values.len, sizeof(plain));
    assert_memory_equal(d.values.data, plain, sizeof(plain));
    ls_buf_t b;
    ls_buf_init(&b, 1024);
    assert_int_equal(ls__pqw_dict_entry_plain(&d, 1, &b), LS_OK);
    assert_int_equal(b.len, 10);
    assert_memory_equal(b.data, plain + 9, 10);
    ls_buf_free(&b);

    /* many distinct strings, then a cap that stops a long one */
    ls__pqw_dict_reset(&d);
    char buf[32];
    uint32_t o2[2];
    for (int i = 0; i < 5000; i++) {
        int n = snprintf(buf, sizeof(buf), "key-%d", i % 3000);
        o2[0] = 0;
        o2[1] = (uint32_t)n;
        assert_int_equal(ls__pqw_dict_put_bytes(&d, o2, (uint8_t *)buf, 1, idx, &done), LS_OK);
        assert_int_equal(done, 1);
        assert_int_equal(idx[0], (uint32_t)(i % 3000));
    }
    ls__pqw_dict_free(&d);
    ls__pqw_dict_init(&d, LS_COL_BYTES, 0, 12);
    const uint32_t o3[3] = {0, 4, 20};
    const char *s3 = "abcd0123456789abcdef";
    assert_int_equal(ls__pqw_dict_put_bytes(&d, o3, (const uint8_t *)s3, 2, idx, &done), LS_OK);
    assert_int_equal(done, 1);
    ls__pqw_dict_free(&d);
}

/* ---------------------------------------------------------------- stats */

static ls_leaf_t fake_leaf(ls_type_t *t)
{
    ls_leaf_t lf;
    memset(&lf, 0, sizeof(lf));
    lf.type = t;
    lf.store = ls_col_store_for_type(t, &lf.width);
    lf.dotted = "c";
    return lf;
}

static void add_strings(ls__pqw_stats_t *st, const char *const *v, size_t n)
{
    uint32_t off[16];
    char bytes[256];
    size_t pos = 0;
    off[0] = 0;
    for (size_t i = 0; i < n; i++) {
        size_t l = strlen(v[i]);
        memcpy(bytes + pos, v[i], l);
        pos += l;
        off[i + 1] = (uint32_t)pos;
    }
    assert_int_equal(ls__pqw_stats_add_bytes(st, LS_PQW_ORD_BYTES, off, (uint8_t *)bytes, n),
                     LS_OK);
}

static void test_stats_strings_unsigned(void **state)
{
    (void)state;
    ls__pqw_stats_t st;
    ls__pqw_stats_init(&st);
    const char *v[] = {"b", "\xc3\xa9t\xc3\xa9", "a", "\x80z", "ab"};
    add_strings(&st, v, 5);
    assert_true(st.has_minmax);
    assert_int_equal(st.min_b.len, 1);
    assert_memory_equal(st.min_b.data, "a", 1);
    assert_int_equal(st.max_b.len, 5);
    assert_memory_equal(st.max_b.data, "\xc3\xa9t\xc3\xa9", 5);
    const char *v2[] = {"", "\xff"};
    add_strings(&st, v2, 2);
    assert_int_equal(st.min_b.len, 0);
    assert_memory_equal(st.max_b.data, "\xff", 1);

    /* the same through the PLAIN (dictionary page) walker */
    ls__pqw_stats_t st2;
    ls__pqw_stats_init(&st2);
    const uint8_t plain[] = {2, 0, 0, 0, 'z', 'z', 1, 0, 0, 0, 0x90, 3, 0, 0, 0, 'a', 'a', 'a'};
    assert_int_equal(
        ls__pqw_stats_add_plain_bytes(&st2, LS_PQW_ORD_BYTES, plain, sizeof(plain), 3), LS_OK);
    assert_memory_equal(st2.min_b.data, "aaa", 3);
    assert_memory_equal(st2.max_b.data, "\x90", 1);
    /* merge keeps the wider bounds */
    assert_int_equal(ls__pqw_stats_merge(&st, &st2, LS_PQW_ORD_BYTES), LS_OK);
    assert_int_equal(st.min_b.len, 0);
    assert_memory_equal(st.max_b.data, "\xff", 1);
    ls__pqw_stats_free(&st);
    ls__pqw_stats_free(&st2);
}

static void test_stats_ints(void **state)
{
    (void)state;
    ls__pqw_stats_t st;
    ls__pqw_stats_init(&st);
    const int32_t v[4] = {-5, 3, INT32_MIN, 100};
    ls__pqw_stats_add_fixed(&st, LS_PQW_ORD_I32, (const uint8_t *)v, 4, 4);
    assert_int_equal(st.min.i32, INT32_MIN);
    assert_int_equal(st.max.i32, 100);

    /* uint64 orders unsigned: UINT64_MAX (bits of -1) is the max */
    ls__pqw_stats_reset(&st);
    const uint64_t u[3] = {7, UINT64_MAX, 1};
    ls__pqw_stats_add_fixed(&st, LS_PQW_ORD_U64, (const uint8_t *)u, 3, 8);
    assert_int_equal((uint64_t)st.min.i64, 1);
    assert_true((uint64_t)st.max.i64 == UINT64_MAX);
    ls__pqw_stats_reset(&st);
    ls__pqw_stats_add_fixed(&st, LS_PQW_ORD_I64, (const uint8_t *)u, 3, 8);
    assert_int_equal(st.min.i64, -1);
    assert_int_equal(st.max.i64, 7);

    /* booleans: false < true */
    ls__pqw_stats_reset(&st);
    const uint8_t b[3] = {1, 1, 1};
    ls__pqw_stats_add_fixed(&st, LS_PQW_ORD_BOOL, b, 3, 1);
    assert_int_equal(st.min.i32, 1);
    const uint8_t b2[1] = {0};
    ls__pqw_stats_add_fixed(&st, LS_PQW_ORD_BOOL, b2, 1, 1);
    assert_int_equal(st.min.i32, 0);
    assert_int_equal(st.max.i32, 1);
    ls__pqw_stats_free(&st);
}

static void test_stats_floats(void **state)
{
    (void)state;
    ls_type_t *t = ls_type_new(LS_TYPE_DOUBLE);
    ls_leaf_t lf = fake_leaf(t);
    ls_arena_t *a = ls_arena_new(4096, 0);
    ls__pqw_stats_t st;
    ls__pqw_stats_init(&st);
    ls_pq_stats_t ts;

    /* NaN is counted, and a chunk holding one gets no bounds at all */
    const double v[4] = {NAN, 0.0, 1.5, NAN};
    ls__pqw_stats_add_fixed(&st, LS_PQW_ORD_F64, (const uint8_t *)v, 4, 8);
    assert_int_equal(st.nan_count, 2);
    assert_int_equal(ls__pqw_stats_to_thrift(&st, LS_PQW_ORD_F64, &lf, true, a, &ts), LS_OK);
    assert_true(ts.has_null_count && ts.has_nan_count && ts.nan_count == 2);
    assert_false(ts.has_min_value || ts.has_max_value);
    ls__pqw_stats_free(&st);

    /* a zero min is written -0.0 */
    ls__pqw_stats_init(&st);
    const double v0[2] = {0.0, 1.5};
    ls__pqw_stats_add_fixed(&st, LS_PQW_ORD_F64, (const uint8_t *)v0, 2, 8);
    assert_int_equal(ls__pqw_stats_to_thrift(&st, LS_PQW_ORD_F64, &lf, true, a, &ts), LS_OK);
    assert_true(ts.has_min_value && ts.has_max_value && ts.has_null_count);
    assert_true(ts.has_nan_count && ts.nan_count == 0);
    double mn, mx;
    memcpy(&mn, ts.min_value, 8);
    memcpy(&mx, ts.max_value, 8);
    assert_true(mn == 0.0 && signbit(mn));
    assert_true(mx == 1.5);

    /* a zero max is written +0.0 */
    ls__pqw_stats_reset(&st);
    const double v2[2] = {-1.0, -0.0};
    ls__pqw_stats_add_fixed(&st, LS_PQW_ORD_F64, (const uint8_t *)v2, 2, 8);
    assert_int_equal(ls__pqw_stats_to_thrift(&st, LS_PQW_ORD_F64, &lf, true, a, &ts), LS_OK);
    memcpy(&mx, ts.max_value, 8);
    assert_true(mx == 0.0 && !signbit(mx));
    ls_pq_leaf_stats_t ls;
    ls__pqw_stats_to_leaf(&st, LS_PQW_ORD_F64, true, &ls);
    assert_true(ls.has_max && ls.max.f64 == 0.0 && !signbit(ls.max.f64));
    assert_true(ls.min.f64 == -1.0);

    /* all NaN: no min/max at all, but the NaN count */
    ls__pqw_stats_reset(&st);
    const float f[3] = {NAN, NAN, NAN};
    ls__pqw_stats_add_fixed(&st, LS_PQW_ORD_F32, (const uint8_t *)f, 3, 4);
    assert_false(st.has_minmax);
    assert_int_equal(st.nan_count, 3);
    assert_int_equal(ls__pqw_stats_to_thrift(&st, LS_PQW_ORD_F32, &lf, true, a, &ts), LS_OK);
    assert_false(ts.has_min_value);
    assert_false(ts.has_max_value);
    ls__pqw_stats_to_leaf(&st, LS_PQW_ORD_F32, true, &ls);
    assert_false(ls.has_min);
    assert_int_equal(ls.nan_count, 3);

    /* statistics off: null count only */
    st.null_count = 4;
    assert_int_equal(ls__pqw_stats_to_thrift(&st, LS_PQW_ORD_F32, &lf, false, a, &ts), LS_OK);
    assert_true(ts.has_null_count);
    assert_int_equal(ts.null_count, 4);
    assert_false(ts.has_min_value);
    ls__pqw_stats_free(&st);
    ls_arena_free(a);
    ls_type_free(t);
}

static void test_stats_decimal_fixed(void **state)
{
    (void)state;
    /* decimal(38): 16-byte big-endian two's complement compares by sign first */
    uint8_t v[3][16];
    memset(v, 0, sizeof(v));
    memset(v[0], 0xFF, 16); /* -1 */
    v[1][15] = 1;           /* 1 */
    v[2][0] = 0x80;         /* most negative */
    ls__pqw_stats_t st;
    ls__pqw_stats_init(&st);
    ls__pqw_stats_add_fixed(&st, LS_PQW_ORD_DECIMAL, &v[0][0], 3, 16);
    assert_memory_equal(st.min_b.data, v[2], 16);
    assert_memory_equal(st.max_b.data, v[1], 16);
    /* a uuid (unsigned order) of the same bytes: 0xFF.. is the max */
    ls__pqw_stats_reset(&st);
    ls__pqw_stats_add_fixed(&st, LS_PQW_ORD_BYTES, &v[0][0], 3, 16);
    assert_memory_equal(st.min_b.data, v[1], 16);
    assert_memory_equal(st.max_b.data, v[0], 16);
    /* decimal(20): 9 bytes, -2 vs -3 */
    uint8_t d9[2][9];
    memset(d9, 0xFF, sizeof(d9));
    d9[0][8] = 0xFE;
    d9[1][8] = 0xFD;
    ls__pqw_stats_reset(&st);
    ls__pqw_stats_add_fixed(&st, LS_PQW_ORD_DECIMAL, &d9[0][0], 2, 9);
    assert_memory_equal(st.min_b.data, d9[1], 9);
    assert_memory_equal(st.max_b.data, d9[0], 9);
    ls__pqw_stats_free(&st);

    /* decimal(9) and decimal(18) are plain signed ints */
    ls_type_t *t9 = ls_type_new_decimal(9, 2), *t18 = ls_type_new_decimal(18, 0);
    ls_type_t *t38 = ls_type_new_decimal(38, 5);
    ls_leaf_t l9 = fake_leaf(t9), l18 = fake_leaf(t18), l38 = fake_leaf(t38);
    assert_int_equal(ls__pqw_order(&l9), LS_PQW_ORD_I32);
    assert_int_equal(ls__pqw_order(&l18), LS_PQW_ORD_I64);
    assert_int_equal(ls__pqw_order(&l38), LS_PQW_ORD_DECIMAL);
    ls_type_free(t9);
    ls_type_free(t18);
    ls_type_free(t38);
}

static void test_stats_truncation(void **state)
{
    (void)state;
    ls_type_t *ts = ls_type_new(LS_TYPE_STRING), *tb = ls_type_new(LS_TYPE_BINARY);
    ls_leaf_t lstr = fake_leaf(ts), lbin = fake_leaf(tb);
    ls_arena_t *a = ls_arena_new(4096, 0);
    ls__pqw_stats_t st;
    ls__pqw_stats_init(&st);
    ls_pq_stats_t out;

    char big[100];
    memset(big, 'a', sizeof(big));
    uint32_t off[2] = {0, 100};
    ls__pqw_stats_add_bytes(&st, LS_PQW_ORD_BYTES, off, (uint8_t *)big, 1);
    assert_int_equal(ls__pqw_stats_to_thrift(&st, LS_PQW_ORD_BYTES, &lstr, true, a, &out), LS_OK);
    assert_int_equal(out.min_value_len, LS_PQW_STATS_TRUNCATE);
    assert_false(out.is_min_exact);
    assert_int_equal(out.max_value_len, LS_PQW_STATS_TRUNCATE);
    assert_memory_equal(out.max_value, big, LS_PQW_STATS_TRUNCATE - 1);
    assert_int_equal(out.max_value[LS_PQW_STATS_TRUNCATE - 1], 'b');

    /* a 2-byte character straddling the cut is dropped whole; the max bumps an ASCII byte */
    ls__pqw_stats_reset(&st);
    char u[80];
    memset(u, 'x', sizeof(u));
    u[63] = (char)0xC3;
    u[64] = (char)0xA9;
    off[1] = 80;
    ls__pqw_stats_add_bytes(&st, LS_PQW_ORD_BYTES, off, (uint8_t *)u, 1);
    assert_int_equal(ls__pqw_stats_to_thrift(&st, LS_PQW_ORD_BYTES, &lstr, true, a, &out), LS_OK);
    assert_int_equal(out.min_value_len, 63);
    assert_int_equal(out.max_value_len, 63);
    assert_int_equal(out.max_value[62], 'y');

    /* binary of 0xFF bytes: no upper bound can be shortened, so none is written */
    ls__pqw_stats_reset(&st);
    uint8_t ff[70];
    memset(ff, 0xFF, sizeof(ff));
    off[1] = 70;
    ls__pqw_stats_add_bytes(&st, LS_PQW_ORD_BYTES, off, ff, 1);
    assert_int_equal(ls__pqw_stats_to_thrift(&st, LS_PQW_ORD_BYTES, &lbin, true, a, &out), LS_OK);
    assert_true(out.has_min_value);
    assert_false(out.has_max_value);

    /* short values are exact and untouched; file-level stats keep full values */
    ls__pqw_stats_reset(&st);
    const char *v[] = {"m", "zz"};
    add_strings(&st, v, 2);
    assert_int_equal(ls__pqw_stats_to_thrift(&st, LS_PQW_ORD_BYTES, &lstr, true, a, &out), LS_OK);
    assert_true(out.is_min_exact && out.is_max_exact);
    assert_int_equal(out.max_value_len, 2);
    ls__pqw_stats_free(&st);
    ls_arena_free(a);
    ls_type_free(ts);
    ls_type_free(tb);
}

/* --------------------------------------------------------------- schema */

static const ls_pq_schema_el_t *find_el(const ls_pq_schema_el_t *els, uint32_t n,
                                        const char *name)
{
    for (uint32_t i = 0; i < n; i++) {
        if (strcmp(els[i].name, name) == 0) {
            return &els[i];
        }
    }
    fail_msg("no schema element %s", name);
    return NULL;
}

static void add_field(ls_type_t *st, const char *name, ls_type_t *t, bool nullable)
{
    assert_non_null(t);
    assert_int_equal(ls_type_struct_add(st, name, t, nullable), LS_OK);
}

typedef struct {
    ls_type_t *schema;
    ls_layout_t *layout;
    ls_arena_t *arena;
    ls_pq_schema_el_t *els;
    uint32_t n;
} schema_fixture_t;

/* Every type at the top level, plus a list and a map. */
static void schema_fixture(schema_fixture_t *fx)
{
    ls_type_t *s = ls_type_new_struct();
    add_field(s, "s", ls_type_new(LS_TYPE_STRING), true);
    add_field(s, "bin", ls_type_new(LS_TYPE_BINARY), false);
    add_field(s, "b", ls_type_new(LS_TYPE_BYTE), true);
    add_field(s, "sh", ls_type_new(LS_TYPE_SHORT), true);
    add_field(s, "d9", ls_type_new_decimal(9, 2), true);
    add_field(s, "d18", ls_type_new_decimal(18, 3), true);
    add_field(s, "d38", ls_type_new_decimal(38, 10), true);
    add_field(s, "dt", ls_type_new(LS_TYPE_DATE), true);
    add_field(s, "ts", ls_type_new(LS_TYPE_TIMESTAMP), true);
    add_field(s, "ntz", ls_type_new(LS_TYPE_TIMESTAMP_NTZ), true);
    add_field(s, "u64", ls_type_new(LS_TYPE_UINT64), true);
    add_field(s, "tm", ls_type_new(LS_TYPE_TIME), true);
    add_field(s, "id", ls_type_new(LS_TYPE_UUID), true);
    add_field(s, "fx", ls_type_new_fixed(3), true);
    add_field(s, "arr", ls_type_new_array(ls_type_new(LS_TYPE_LONG), true), true);
    add_field(s, "m", ls_type_new_map(ls_type_new(LS_TYPE_STRING), ls_type_new(LS_TYPE_DOUBLE),
                                      false), false);
    ls_error_t err;
    fx->schema = s;
    fx->layout = ls_layout_new(s, &err);
    assert_non_null(fx->layout);
    fx->arena = ls_arena_new(4096, 0);
    assert_int_equal(ls__pqw_schema_build(fx->layout, fx->arena, &fx->els, &fx->n, &err), LS_OK);
    assert_int_equal(fx->n, 1 + 14 + 3 + 4);
}

static void schema_fixture_free(schema_fixture_t *fx)
{
    ls_arena_free(fx->arena);
    ls_layout_free(fx->layout);
    ls_type_free(fx->schema);
}

static void test_schema_primitives(void **state)
{
    (void)state;
    schema_fixture_t fx;
    schema_fixture(&fx);
    const ls_pq_schema_el_t *els = fx.els;
    uint32_t n = fx.n;
    assert_string_equal(els[0].name, "schema");
    assert_int_equal(els[0].num_children, 16);
    assert_false(els[0].has_repetition);
    const ls_pq_schema_el_t *e = find_el(els, n, "s");
    assert_int_equal(e->type, LS_PQ_BYTE_ARRAY);
    assert_int_equal(e->repetition, LS_PQ_OPTIONAL);
    assert_int_equal(e->logical.kind, LS_PQ_LT_STRING);
    assert_int_equal(e->converted_type, LS_PQ_CT_UTF8);
    e = find_el(els, n, "bin");
    assert_int_equal(e->repetition, LS_PQ_REQUIRED);
    assert_false(e->has_converted_type);
    assert_int_equal(e->logical.kind, LS_PQ_LT_NONE);
    e = find_el(els, n, "b");
    assert_int_equal(e->type, LS_PQ_INT32);
    assert_int_equal(e->logical.kind, LS_PQ_LT_INTEGER);
    assert_int_equal(e->logical.bit_width, 8);
    assert_true(e->logical.is_signed);
    assert_int_equal(e->converted_type, LS_PQ_CT_INT_8);
    e = find_el(els, n, "sh");
    assert_int_equal(e->converted_type, LS_PQ_CT_INT_16);
    e = find_el(els, n, "d9");
    assert_int_equal(e->type, LS_PQ_INT32);
    assert_int_equal(e->converted_type, LS_PQ_CT_DECIMAL);
    assert_int_equal(e->precision, 9);
    assert_int_equal(e->scale, 2);
    assert_int_equal(e->logical.kind, LS_PQ_LT_DECIMAL);
    assert_int_equal(e->logical.precision, 9);
    e = find_el(els, n, "d18");
    assert_int_equal(e->type, LS_PQ_INT64);
    e = find_el(els, n, "d38");
    assert_int_equal(e->type, LS_PQ_FIXED_LEN_BYTE_ARRAY);
    assert_int_equal(e->type_length, ls_decimal_fixed_width(38));
    assert_int_equal(e->scale, 10);
    e = find_el(els, n, "dt");
    assert_int_equal(e->logical.kind, LS_PQ_LT_DATE);
    assert_int_equal(e->converted_type, LS_PQ_CT_DATE);
    e = find_el(els, n, "ts");
    assert_int_equal(e->type, LS_PQ_INT64);
    assert_int_equal(e->logical.kind, LS_PQ_LT_TIMESTAMP);
    assert_true(e->logical.is_adjusted_to_utc);
    assert_int_equal(e->logical.unit, LS_PQ_UNIT_MICROS);
    assert_int_equal(e->converted_type, LS_PQ_CT_TIMESTAMP_MICROS);
    e = find_el(els, n, "ntz");
    assert_int_equal(e->logical.kind, LS_PQ_LT_TIMESTAMP);
    assert_false(e->logical.is_adjusted_to_utc);
    assert_false(e->has_converted_type);
    e = find_el(els, n, "u64");
    assert_int_equal(e->converted_type, LS_PQ_CT_UINT_64);
    assert_false(e->logical.is_signed);
    e = find_el(els, n, "tm");
    assert_int_equal(e->logical.kind, LS_PQ_LT_TIME);
    assert_int_equal(e->converted_type, LS_PQ_CT_TIME_MICROS);
    e = find_el(els, n, "id");
    assert_int_equal(e->type_length, 16);
    assert_int_equal(e->logical.kind, LS_PQ_LT_UUID);
    e = find_el(els, n, "fx");
    assert_int_equal(e->type_length, 3);
    schema_fixture_free(&fx);
}

static void test_schema_nested(void **state)
{
    (void)state;
    schema_fixture_t fx;
    schema_fixture(&fx);
    const ls_pq_schema_el_t *els = fx.els;
    uint32_t n = fx.n;
    const ls_pq_schema_el_t *e = find_el(els, n, "arr");
    assert_int_equal(e->logical.kind, LS_PQ_LT_LIST);
    assert_int_equal(e->converted_type, LS_PQ_CT_LIST);
    assert_int_equal(e->num_children, 1);
    assert_string_equal(e[1].name, "list");
    assert_int_equal(e[1].repetition, LS_PQ_REPEATED);
    assert_string_equal(e[2].name, "element");
    assert_int_equal(e[2].repetition, LS_PQ_OPTIONAL);
    assert_int_equal(e[2].type, LS_PQ_INT64);
    e = find_el(els, n, "m");
    assert_int_equal(e->repetition, LS_PQ_REQUIRED);
    assert_int_equal(e->logical.kind, LS_PQ_LT_MAP);
    assert_int_equal(e->converted_type, LS_PQ_CT_MAP);
    assert_string_equal(e[1].name, "key_value");
    assert_int_equal(e[1].repetition, LS_PQ_REPEATED);
    assert_int_equal(e[1].num_children, 2);
    assert_false(e[1].has_converted_type);
    assert_string_equal(e[2].name, "key");
    assert_int_equal(e[2].repetition, LS_PQ_REQUIRED);
    assert_string_equal(e[3].name, "value");
    assert_int_equal(e[3].repetition, LS_PQ_REQUIRED);
    schema_fixture_free(&fx);
}

static void test_schema_empty_struct(void **state)
{
    (void)state;
    ls_type_t *s = ls_type_new_struct();
    add_field(s, "a", ls_type_new(LS_TYPE_LONG), true);
    add_field(s, "empty", ls_type_new_struct(), true);
    ls_error_t err;
    ls_layout_t *l = ls_layout_new(s, &err);
    assert_non_null(l);
    ls_arena_t *a = ls_arena_new(4096, 0);
    ls_pq_schema_el_t *els = NULL;
    uint32_t n = 0;
    assert_int_equal(ls__pqw_schema_build(l, a, &els, &n, &err), LS_ERR_UNSUPPORTED);
    assert_non_null(strstr(err.msg, "empty"));
    ls_arena_free(a);
    ls_layout_free(l);
    ls_type_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bit_width_and_uleb),
        cmocka_unit_test(test_rle_spec_example),
        cmocka_unit_test(test_rle_runs),
        cmocka_unit_test(test_rle_random_roundtrip),
        cmocka_unit_test(test_level_scan),
        cmocka_unit_test(test_pack_bools),
        cmocka_unit_test(test_dict_fixed),
        cmocka_unit_test(test_dict_bytes),
        cmocka_unit_test(test_stats_strings_unsigned),
        cmocka_unit_test(test_stats_ints),
        cmocka_unit_test(test_stats_floats),
        cmocka_unit_test(test_stats_decimal_fixed),
        cmocka_unit_test(test_stats_truncation),
        cmocka_unit_test(test_schema_primitives),
        cmocka_unit_test(test_schema_nested),
        cmocka_unit_test(test_schema_empty_struct),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_pqread_decode.c — the Parquet reader's decoders on hand-built inputs: varints,
 * bit unpacking, the RLE/bit-packed hybrid at every bit width 0..32, legacy
 * BIT_PACKED levels, PLAIN, DELTA_BINARY_PACKED, DELTA_LENGTH_BYTE_ARRAY,
 * DELTA_BYTE_ARRAY, BYTE_STREAM_SPLIT and dictionary gathering, including the
 * malformed inputs each must reject.
 */
#include <stdio.h>
#include <string.h>

#include "lakesink/alloc.h"
#include "parquet/read/pqread_int.h"
#include "testutil.h"

/* ------------------------------------------------------------ test encoders */

typedef struct {
    uint8_t buf[1 << 16];
    size_t len;
} enc_t;

static void put_byte(enc_t *e, uint8_t b)
{
    assert_true(e->len < sizeof(e->buf));
    e->buf[e->len++] = b;
}

static void put_uleb(enc_t *e, uint64_t v)
{
    do {
        uint8_t b = v & 0x7f;
        v >>= 7;
        put_byte(e, (uint8_t)(b | (v ? 0x80 : 0)));
    } while (v);
}

static void put_zigzag(enc_t *e, int64_t v)
{
    put_uleb(e, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63));
}

/* LSB-first bit packing of n values of bw bits (whole bytes, zero padded). */
static void put_bits(enc_t *e, const uint64_t *v, size_t n, unsigned bw)
{
    size_t bytes = (n * bw + 7) / 8;
    assert_true(e->len + bytes <= sizeof(e->buf));
    memset(e->buf + e->len, 0, bytes);
    uint64_t bit = 0;
    for (size_t i = 0; i < n; i++) {
        for (unsigned k = 0; k < bw; k++, bit++) {
            if ((v[i] >> k) & 1) {
                e->buf[e->len + bit / 8] |= (uint8_t)(1u << (bit % 8));
            }
        }
    }
    e->len += bytes;
}

static void put_rle_run(enc_t *e, uint32_t value, uint64_t count, unsigned bw)
{
    put_uleb(e, count << 1);
    for (unsigned k = 0; k < (bw + 7) / 8; k++) {
        put_byte(e, (uint8_t)(value >> (8 * k)));
    }
}

/* A bit-packed run of n values (n a multiple of 8). */
static void put_bp_run(enc_t *e, const uint32_t *v, size_t n, unsigned bw)
{
    uint64_t tmp[4096];
    assert_true(n % 8 == 0 && n <= 4096);
    for (size_t i = 0; i < n; i++) {
        tmp[i] = v[i];
    }
    put_uleb(e, ((uint64_t)(n / 8) << 1) | 1);
    put_bits(e, tmp, n, bw);
}

/* DELTA_BINARY_PACKED with blocks of 128 values in 4 miniblocks. */
static void put_delta(enc_t *e, const int64_t *v, size_t n)
{
    put_uleb(e, 128);
    put_uleb(e, 4);
    put_uleb(e, n);
    put_zigzag(e, n ? v[0] : 0);
    for (size_t i = 1; i < n; i += 128) {
        size_t k = n - i < 128 ? n - i : 128;
        int64_t d[128], min = INT64_MAX;
        for (size_t j = 0; j < k; j++) {
            d[j] = (int64_t)((uint64_t)v[i + j] - (uint64_t)v[i + j - 1]);
            min = d[j] < min ? d[j] : min;
        }
        put_zigzag(e, min);
        uint64_t rel[128] = {0};
        unsigned bw[4] = {0};
        for (size_t j = 0; j < k; j++) {
            rel[j] = (uint64_t)d[j] - (uint64_t)min;
            unsigned w = ls__pqr_bit_width((uint32_t)(rel[j] >> 32)) + 32;
            if ((rel[j] >> 32) == 0) {
                w = ls__pqr_bit_width((uint32_t)rel[j]);
            }
            bw[j / 32] = w > bw[j / 32] ? w : bw[j / 32];
        }
        for (int m = 0; m < 4; m++) {
            put_byte(e, (uint8_t)bw[m]);
        }
        for (size_t m = 0; m * 32 < k; m++) {
            put_bits(e, rel + m * 32, 32, bw[m]); /* full miniblock, padded */
        }
    }
}

/* ------------------------------------------------------------ bit level */

static void test_uleb(void **state)
{
    (void)state;
    const uint8_t a[] = {0xe5, 0x8e, 0x26};
    const uint8_t *p = a;
    uint64_t v;
    assert_true(ls__pqr_uleb(&p, a + 3, &v));
    assert_int_equal(v, 624485);
    assert_ptr_equal(p, a + 3);
    p = a;
    assert_false(ls__pqr_uleb(&p, a + 2, &v)); /* truncated */
    const uint8_t big[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
    p = big;
    assert_true(ls__pqr_uleb(&p, big + 10, &v));
    assert_true(v == UINT64_MAX);
    const uint8_t over[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02};
    p = over;
    assert_false(ls__pqr_uleb(&p, over + 10, &v));
    const uint8_t endless[] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01};
    p = endless;
    assert_false(ls__pqr_uleb(&p, endless + 11, &v));
    assert_int_equal(ls__pqr_bit_width(0), 0);
    assert_int_equal(ls__pqr_bit_width(1), 1);
    assert_int_equal(ls__pqr_bit_width(3), 2);
    assert_int_equal(ls__pqr_bit_width(4), 3);
    assert_int_equal(ls__pqr_bit_width(UINT32_MAX), 32);
}

/* The spec's example: 0..7 in 3 bits is 10001000 11000110 11111010. */
static void test_unpack_spec_example(void **state)
{
    (void)state;
    const uint8_t in[] = {0x88, 0xc6, 0xfa};
    uint32_t out[8];
    ls__pqr_unpack32(in, sizeof(in), 0, 3, out, 8);
    for (uint32_t i = 0; i < 8; i++) {
        assert_int_equal(out[i], i);
    }
    ls__pqr_unpack32(in, sizeof(in), 9, 3, out, 2); /* from the middle of a run */
    assert_int_equal(out[0], 3);
    assert_int_equal(out[1], 4);
}

static void test_unpack64_all_widths(void **state)
{
    (void)state;
    uint64_t seed = 7;
    for (unsigned bw = 0; bw <= 64; bw++) {
        uint64_t v[37], got[37];
        uint64_t mask = bw == 64 ? UINT64_MAX : (((uint64_t)1 << bw) - 1);
        for (int i = 0; i < 37; i++) {
            v[i] = ls_test_rand(&seed) & mask;
        }
        enc_t *e = ls_calloc(1, sizeof(*e));
        assert_non_null(e);
        put_bits(e, v, 37, bw);
        ls__pqr_unpack64(e->buf, e->len, 0, bw, got, 37);
        assert_memory_equal(v, got, sizeof(v));
        ls_free(e);
    }
}

/* Every width 0..32: mixed RLE and bit-packed runs decode to what was encoded. */
static void test_rle_hybrid_all_widths(void **state)
{
    (void)state;
    uint64_t seed = 42;
    for (unsigned bw = 0; bw <= 32; bw++) {
        uint32_t mask = bw == 32 ? UINT32_MAX : (uint32_t)((1ull << bw) - 1);
        uint32_t want[2000], got[2000];
        size_t n = 0;
        enc_t *e = ls_calloc(1, sizeof(*e));
        assert_non_null(e);
        while (n < 1800) {
            uint32_t run = (uint32_t)(ls_test_rand(&seed) % 50) + 1;
            if (ls_test_rand(&seed) & 1) {
                uint32_t val = (uint32_t)ls_test_rand(&seed) & mask;
                put_rle_run(e, val, run, bw);
                for (uint32_t i = 0; i < run; i++) {
                    want[n++] = val;
                }
            } else {
                size_t k = ((run + 7) / 8) * 8;
                for (size_t i = 0; i < k; i++) {
                    want[n + i] = (uint32_t)ls_test_rand(&seed) & mask;
                }
                put_bp_run(e, want + n, k, bw);
                n += k;
            }
        }
        ls__rle_t d;
        ls_error_t err;
        ls__pqr_rle_init(&d, e->buf, e->len, bw);
        /* read in uneven slices to cross run boundaries mid-read */
        size_t pos = 0;
        while (pos < n) {
            size_t k = (pos % 7) + 1 < n - pos ? (pos % 7) + 1 : n - pos;
            assert_int_equal(ls__pqr_rle_read(&d, got + pos, k, &err), LS_OK);
            pos += k;
        }
        assert_memory_equal(want, got, n * sizeof(uint32_t));
        /* one value more than encoded (beyond bit-packed padding) is an error */
        uint32_t extra[64];
        assert_int_equal(ls__pqr_rle_read(&d, extra, 64, &err), LS_ERR_CORRUPT);
        ls_free(e);
    }
}

static void test_rle_levels_and_errors(void **state)
{
    (void)state;
    enc_t e = {.len = 0};
    put_rle_run(&e, 2, 5, 2);
    uint32_t bp[8] = {0, 1, 2, 3, 3, 2, 1, 0};
    put_bp_run(&e, bp, 8, 2);
    uint8_t lv[13];
    ls_error_t err;
    ls__rle_t d;
    ls__pqr_rle_init(&d, e.buf, e.len, 2);
    assert_int_equal(ls__pqr_rle_read_levels(&d, lv, 13, 3, &err), LS_OK);
    const uint8_t want[] = {2, 2, 2, 2, 2, 0, 1, 2, 3, 3, 2, 1, 0};
    assert_memory_equal(lv, want, 13);
    /* a level above the maximum is rejected */
    ls__pqr_rle_init(&d, e.buf, e.len, 2);
    assert_int_equal(ls__pqr_rle_read_levels(&d, lv, 13, 2, &err), LS_ERR_CORRUPT);
    assert_non_null(strstr(err.msg, "exceeds the maximum"));
    /* RLE value wider than the bit width */
    enc_t bad = {.len = 0};
    put_rle_run(&bad, 9, 3, 3);
    uint32_t out[3];
    ls__pqr_rle_init(&d, bad.buf, bad.len, 3);
    assert_int_equal(ls__pqr_rle_read(&d, out, 3, &err), LS_ERR_CORRUPT);
    /* truncated RLE value */
    const uint8_t trunc[] = {0x06};
    ls__pqr_rle_init(&d, trunc, 1, 8);
    assert_int_equal(ls__pqr_rle_read(&d, out, 3, &err), LS_ERR_CORRUPT);
    /* empty input */
    ls__pqr_rle_init(&d, trunc, 0, 1);
    assert_int_equal(ls__pqr_rle_read(&d, out, 1, &err), LS_ERR_CORRUPT);
    /* a bit-packed run cut short keeps the values that are present */
    const uint8_t cut[] = {0x03, 0xff};
    ls__pqr_rle_init(&d, cut, 2, 1);
    assert_int_equal(ls__pqr_rle_read(&d, out, 3, &err), LS_OK);
    assert_int_equal(out[2], 1);
    uint32_t big[16];
    ls__pqr_rle_init(&d, cut, 2, 1);
    assert_int_equal(ls__pqr_rle_read(&d, big, 9, &err), LS_ERR_CORRUPT);
    /* width 0: every value is 0, runs still needed */
    enc_t z = {.len = 0};
    put_rle_run(&z, 0, 1000, 0);
    ls__pqr_rle_init(&d, z.buf, z.len, 0);
    uint32_t zz[1000];
    assert_int_equal(ls__pqr_rle_read(&d, zz, 1000, &err), LS_OK);
    assert_int_equal(zz[999], 0);
}

/* The spec's BIT_PACKED example: 0..7 in 3 bits is 00000101 00111001 01110111. */
static void test_bitpacked_levels(void **state)
{
    (void)state;
    const uint8_t in[] = {0x05, 0x39, 0x77};
    uint8_t out[8];
    size_t used;
    ls_error_t err;
    assert_int_equal(ls__pqr_bitpacked_levels(in, 3, 3, out, 8, 7, &used, &err), LS_OK);
    assert_int_equal(used, 3);
    for (int i = 0; i < 8; i++) {
        assert_int_equal(out[i], i);
    }
    assert_int_equal(ls__pqr_bitpacked_levels(in, 2, 3, out, 8, 7, &used, &err), LS_ERR_CORRUPT);
    assert_int_equal(ls__pqr_bitpacked_levels(in, 3, 3, out, 8, 6, &used, &err), LS_ERR_CORRUPT);
}

/* ------------------------------------------------------------ values */

static void test_plain(void **state)
{
    (void)state;
    ls_error_t err;
    size_t used;
    const uint8_t b[] = {0x0d, 0x01}; /* 1,0,1,1,0,0,0,0, 1 */
    uint8_t bo[9];
    assert_int_equal(ls__pqr_plain_bool(b, 2, 9, bo, &used, &err), LS_OK);
    const uint8_t bw[] = {1, 0, 1, 1, 0, 0, 0, 0, 1};
    assert_memory_equal(bo, bw, 9);
    assert_int_equal(used, 2);
    assert_int_equal(ls__pqr_plain_bool(b, 1, 9, bo, &used, &err), LS_ERR_CORRUPT);

    const uint8_t s[] = {3, 0, 0, 0, 'a', 'b', 'c', 0, 0, 0, 0, 1, 0, 0, 0, 'z'};
    ls__view_t v[3];
    assert_int_equal(ls__pqr_plain_bytes(s, sizeof(s), 3, v, &used, &err), LS_OK);
    assert_int_equal(v[0].len, 3);
    assert_memory_equal(v[0].p, "abc", 3);
    assert_int_equal(v[1].len, 0);
    assert_int_equal(v[2].len, 1);
    assert_int_equal(used, sizeof(s));
    assert_int_equal(ls__pqr_plain_bytes(s, sizeof(s) - 1, 3, v, &used, &err), LS_ERR_CORRUPT);
    const uint8_t huge[] = {0xff, 0xff, 0xff, 0x7f, 'a'};
    assert_int_equal(ls__pqr_plain_bytes(huge, sizeof(huge), 1, v, &used, &err), LS_ERR_CORRUPT);
    assert_int_equal(ls__pqr_plain_bytes(s, 2, 1, v, &used, &err), LS_ERR_CORRUPT);

    uint8_t out[8];
    assert_int_equal(ls__pqr_plain_fixed(s, 8, 4, 2, out, &used, &err), LS_OK);
    assert_int_equal(ls__pqr_plain_fixed(s, 7, 4, 2, out, &used, &err), LS_ERR_CORRUPT);
    assert_int_equal(ls__pqr_plain_fixed(s, 8, 4, SIZE_MAX / 2, out, &used, &err), LS_ERR_CORRUPT);
}

static void test_rle_bool(void **state)
{
    (void)state;
    enc_t e = {.len = 4};
    put_rle_run(&e, 1, 3, 1);
    put_rle_run(&e, 0, 2, 1);
    uint32_t l = (uint32_t)(e.len - 4);
    memcpy(e.buf, &l, 4);
    uint8_t out[5];
    ls_error_t err;
    assert_int_equal(ls__pqr_rle_bool(e.buf, e.len, 5, out, &err), LS_OK);
    const uint8_t want[] = {1, 1, 1, 0, 0};
    assert_memory_equal(out, want, 5);
    assert_int_equal(ls__pqr_rle_bool(e.buf, e.len, 6, out, &err), LS_ERR_CORRUPT);
    assert_int_equal(ls__pqr_rle_bool(e.buf, 3, 5, out, &err), LS_ERR_CORRUPT);
    l = 1000;
    memcpy(e.buf, &l, 4);
    assert_int_equal(ls__pqr_rle_bool(e.buf, e.len, 5, out, &err), LS_ERR_CORRUPT);
}

static void test_delta_binary_roundtrip(void **state)
{
    (void)state;
    uint64_t seed = 99;
    static const size_t counts[] = {0, 1, 2, 31, 32, 33, 127, 128, 129, 300, 1000};
    for (size_t ci = 0; ci < sizeof(counts) / sizeof(counts[0]); ci++) {
        size_t n = counts[ci];
        int64_t v[1000], got[1000];
        for (size_t i = 0; i < n; i++) {
            switch (ci % 3) {
            case 0: v[i] = (int64_t)(ls_test_rand(&seed) % 1000) - 500; break;
            case 1: v[i] = (int64_t)ls_test_rand(&seed); break; /* full 64-bit deltas */
            default: v[i] = (int64_t)i * 7 + 3; break;          /* constant delta: width 0 */
            }
        }
        enc_t *e = ls_calloc(1, sizeof(*e));
        assert_non_null(e);
        put_delta(e, v, n);
        size_t enc_len = e->len;
        put_byte(e, 0xAB); /* trailing data must not be consumed */
        ls_error_t err;
        size_t used = 0;
        assert_int_equal(ls__pqr_delta_binary(e->buf, e->len, n, got, 8, &used, &err), LS_OK);
        assert_int_equal(used, enc_len);
        if (n > 0) {
            assert_memory_equal(v, got, n * sizeof(int64_t));
        }
        /* fewer values than the stream holds is fine without `used` */
        if (n > 1) {
            assert_int_equal(ls__pqr_delta_binary(e->buf, e->len, n - 1, got, 8, NULL, &err),
                             LS_OK);
            assert_int_equal(ls__pqr_delta_binary(e->buf, e->len, n - 1, got, 8, &used, &err),
                             LS_ERR_CORRUPT);
        }
        assert_int_equal(ls__pqr_delta_binary(e->buf, e->len, n + 1, got, 8, NULL, &err),
                         LS_ERR_CORRUPT);
        /* truncations fail cleanly, unless only the last miniblock's padding was cut */
        for (size_t cut = 0; n > 1 && cut < enc_len; cut += 1 + enc_len / 40) {
            memset(got, 0, sizeof(got));
            if (ls__pqr_delta_binary(e->buf, cut, n, got, 8, NULL, &err) == LS_OK) {
                assert_memory_equal(v, got, n * sizeof(int64_t));
            }
        }
        ls_free(e);
    }
}

static void test_delta_binary_int32_wraps(void **state)
{
    (void)state;
    int64_t v[] = {INT32_MAX, INT32_MIN, 0, -1, INT32_MAX};
    enc_t e = {.len = 0};
    put_delta(&e, v, 5);
    int32_t got[5];
    ls_error_t err;
    assert_int_equal(ls__pqr_delta_binary(e.buf, e.len, 5, got, 4, NULL, &err), LS_OK);
    for (int i = 0; i < 5; i++) {
        assert_int_equal(got[i], (int32_t)v[i]);
    }
}

static void test_delta_binary_bad_headers(void **state)
{
    (void)state;
    int64_t out[4];
    ls_error_t err;
    enc_t e = {.len = 0};
    put_uleb(&e, 100); /* block not a multiple of 128 */
    put_uleb(&e, 4);
    put_uleb(&e, 1);
    put_zigzag(&e, 0);
    assert_int_equal(ls__pqr_delta_binary(e.buf, e.len, 1, out, 8, NULL, &err), LS_ERR_CORRUPT);
    e.len = 0;
    put_uleb(&e, 128);
    put_uleb(&e, 3); /* 128/3 is not an integer */
    put_uleb(&e, 1);
    put_zigzag(&e, 0);
    assert_int_equal(ls__pqr_delta_binary(e.buf, e.len, 1, out, 8, NULL, &err), LS_ERR_CORRUPT);
    e.len = 0;
    put_uleb(&e, 128);
    put_uleb(&e, 1);
    put_uleb(&e, 3);
    put_zigzag(&e, 5);
    put_zigzag(&e, 1);
    put_byte(&e, 65); /* miniblock width above 64 */
    assert_int_equal(ls__pqr_delta_binary(e.buf, e.len, 3, out, 8, NULL, &err), LS_ERR_CORRUPT);
}

static void test_delta_length_spec_example(void **state)
{
    (void)state;
    enc_t e = {.len = 0};
    int64_t lens[] = {5, 5, 6, 6};
    put_delta(&e, lens, 4);
    const char *data = "HelloWorldFoobarABCDEF";
    memcpy(e.buf + e.len, data, strlen(data));
    e.len += strlen(data);
    ls__dec_scratch_t s = {.max = 1 << 20};
    ls__view_t v[4];
    size_t used;
    ls_error_t err;
    assert_int_equal(ls__pqr_delta_length(e.buf, e.len, 4, v, &s, &used, &err), LS_OK);
    assert_int_equal(used, e.len);
    assert_int_equal(v[2].len, 6);
    assert_memory_equal(v[2].p, "Foobar", 6);
    assert_memory_equal(v[3].p, "ABCDEF", 6);
    assert_int_equal(ls__pqr_delta_length(e.buf, e.len - 1, 4, v, &s, &used, &err), LS_ERR_CORRUPT);
    enc_t neg = {.len = 0};
    int64_t nl[] = {1, -3};
    put_delta(&neg, nl, 2);
    put_byte(&neg, 'x');
    assert_int_equal(ls__pqr_delta_length(neg.buf, neg.len, 2, v, &s, &used, &err), LS_ERR_CORRUPT);
    ls__pqr_dec_scratch_free(&s);
}

static void test_delta_byte_array_spec_example(void **state)
{
    (void)state;
    enc_t e = {.len = 0};
    int64_t pre[] = {0, 2, 0, 3};
    int64_t suf[] = {4, 2, 6, 5};
    put_delta(&e, pre, 4);
    put_delta(&e, suf, 4);
    const char *data = "axislebabbleyhood";
    memcpy(e.buf + e.len, data, strlen(data));
    e.len += strlen(data);
    ls__dec_scratch_t s = {.max = 1 << 20};
    ls__view_t v[4];
    ls_error_t err;
    assert_int_equal(ls__pqr_delta_bytes(e.buf, e.len, 4, v, 0, &s, &err), LS_OK);
    const char *want[] = {"axis", "axle", "babble", "babyhood"};
    for (int i = 0; i < 4; i++) {
        assert_int_equal(v[i].len, strlen(want[i]));
        assert_memory_equal(v[i].p, want[i], v[i].len);
    }
    /* as FIXED_LEN_BYTE_ARRAY(4) only the first two would fit */
    assert_int_equal(ls__pqr_delta_bytes(e.buf, e.len, 4, v, 4, &s, &err), LS_ERR_CORRUPT);
    /* a prefix longer than the previous value */
    enc_t bad = {.len = 0};
    int64_t bpre[] = {0, 9};
    int64_t bsuf[] = {1, 1};
    put_delta(&bad, bpre, 2);
    put_delta(&bad, bsuf, 2);
    memcpy(bad.buf + bad.len, "ab", 2);
    bad.len += 2;
    assert_int_equal(ls__pqr_delta_bytes(bad.buf, bad.len, 2, v, 0, &s, &err), LS_ERR_CORRUPT);
    /* expansion past the cap is refused, not allocated */
    enc_t bomb = {.len = 0};
    int64_t mpre[200], msuf[200];
    for (int i = 0; i < 200; i++) {
        mpre[i] = i == 0 ? 0 : 60000;
        msuf[i] = i == 0 ? 60000 : 0;
    }
    put_delta(&bomb, mpre, 200);
    put_delta(&bomb, msuf, 200);
    memset(bomb.buf + bomb.len, 'q', 60000);
    bomb.len += 60000;
    ls__view_t *many = ls_calloc(200, sizeof(*many));
    assert_non_null(many);
    assert_int_equal(ls__pqr_delta_bytes(bomb.buf, bomb.len, 200, many, 0, &s, &err), LS_ERR_LIMIT);
    ls_free(many);
    ls__pqr_dec_scratch_free(&s);
}

/* The spec's example: AA BB CC DD | 00 11 22 33 | A3 B4 C5 D6. */
static void test_byte_stream_split(void **state)
{
    (void)state;
    const uint8_t in[] = {0xAA, 0x00, 0xA3, 0xBB, 0x11, 0xB4, 0xCC, 0x22, 0xC5, 0xDD, 0x33, 0xD6};
    const uint8_t want[] = {0xAA, 0xBB, 0xCC, 0xDD, 0x00, 0x11, 0x22, 0x33, 0xA3, 0xB4, 0xC5, 0xD6};
    uint8_t out[12];
    ls_error_t err;
    assert_int_equal(ls__pqr_byte_stream_split(in, 12, 4, 3, out, &err), LS_OK);
    assert_memory_equal(out, want, 12);
    /* fewer values than the streams hold: the stride stays len / width */
    assert_int_equal(ls__pqr_byte_stream_split(in, 12, 4, 2, out, &err), LS_OK);
    assert_memory_equal(out, want, 8);
    assert_int_equal(ls__pqr_byte_stream_split(in, 12, 4, 4, out, &err), LS_ERR_CORRUPT);
    assert_int_equal(ls__pqr_byte_stream_split(in, 11, 4, 2, out, &err), LS_ERR_CORRUPT);
    assert_int_equal(ls__pqr_byte_stream_split(in, 12, 3, 4, out, &err), LS_OK); /* FLBA(3) */
}

static void test_dict_gather(void **state)
{
    (void)state;
    int32_t dv[3] = {10, 20, 30};
    ls__vec_t dict = {.n = 3, .width = 4, .fixed = (uint8_t *)dv};
    enc_t e = {.len = 0};
    put_byte(&e, 2);
    uint32_t idx[8] = {2, 1, 0, 2, 2, 1, 0, 0};
    put_bp_run(&e, idx, 8, 2);
    put_rle_run(&e, 1, 4, 2);
    int32_t out[12];
    ls__vec_t v = {.n = 12, .width = 4, .fixed = (uint8_t *)out};
    ls_error_t err;
    assert_int_equal(ls__pqr_dict_gather(e.buf, e.len, &dict, 12, &v, &err), LS_OK);
    assert_int_equal(out[0], 30);
    assert_int_equal(out[2], 10);
    assert_int_equal(out[11], 20);
    /* an index past the dictionary */
    dict.n = 2;
    assert_int_equal(ls__pqr_dict_gather(e.buf, e.len, &dict, 12, &v, &err), LS_ERR_CORRUPT);
    assert_non_null(strstr(err.msg, "out of range"));
    /* no bit width byte, or a width above 32 */
    assert_int_equal(ls__pqr_dict_gather(e.buf, 0, &dict, 1, &v, &err), LS_ERR_CORRUPT);
    const uint8_t wide[] = {33, 0, 0};
    assert_int_equal(ls__pqr_dict_gather(wide, 3, &dict, 1, &v, &err), LS_ERR_CORRUPT);
    /* bit width 0: every index is 0 */
    enc_t z = {.len = 0};
    put_byte(&z, 0);
    put_rle_run(&z, 0, 5, 0);
    dict.n = 1;
    v.n = 5;
    assert_int_equal(ls__pqr_dict_gather(z.buf, z.len, &dict, 5, &v, &err), LS_OK);
    assert_int_equal(out[4], 10);
    /* views */
    ls__view_t sv[2] = {{(const uint8_t *)"hi", 2}, {(const uint8_t *)"there", 5}};
    ls__vec_t sd = {.n = 2, .width = 0, .views = sv};
    ls__view_t so[4];
    ls__vec_t sov = {.n = 4, .width = 0, .views = so};
    enc_t s = {.len = 0};
    put_byte(&s, 1);
    put_rle_run(&s, 1, 4, 1);
    assert_int_equal(ls__pqr_dict_gather(s.buf, s.len, &sd, 4, &sov, &err), LS_OK);
    assert_int_equal(so[3].len, 5);
}

static void test_scratch_cap(void **state)
{
    (void)state;
    ls__scratch_t s = {0};
    ls_error_t err;
    assert_int_equal(ls__pqr_scratch_reserve(&s, 100, 1000, &err), LS_OK);
    assert_true(s.cap >= 100 && s.cap <= 4096);
    assert_int_equal(ls__pqr_scratch_reserve(&s, 5000, 4096, &err), LS_ERR_LIMIT);
    assert_int_equal(ls__pqr_scratch_reserve(&s, 5000, 10000, &err), LS_OK);
    assert_true(s.cap >= 5000 && s.cap <= 10000);
    ls_alloc_fail_after(0, 0);
    assert_int_equal(ls__pqr_scratch_reserve(&s, 20000, 1 << 20, &err), LS_ERR_NOMEM);
    ls_alloc_fail_after(-1, 0);
    ls__pqr_scratch_free(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_uleb),
        cmocka_unit_test(test_unpack_spec_example),
        cmocka_unit_test(test_unpack64_all_widths),
        cmocka_unit_test(test_rle_hybrid_all_widths),
        cmocka_unit_test(test_rle_levels_and_errors),
        cmocka_unit_test(test_bitpacked_levels),
        cmocka_unit_test(test_plain),
        cmocka_unit_test(test_rle_bool),
        cmocka_unit_test(test_delta_binary_roundtrip),
        cmocka_unit_test(test_delta_binary_int32_wraps),
        cmocka_unit_test(test_delta_binary_bad_headers),
        cmocka_unit_test(test_delta_length_spec_example),
        cmocka_unit_test(test_delta_byte_array_spec_example),
        cmocka_unit_test(test_byte_stream_split),
        cmocka_unit_test(test_dict_gather),
        cmocka_unit_test(test_scratch_cap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

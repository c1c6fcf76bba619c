/*
 * rle.c — the RLE/bit-packing hybrid encoder (levels, dictionary indices) and PLAIN
 * boolean packing.
 *
 * Responsible for: turning an array of small unsigned values into hybrid runs — runs of
 * 8+ equal values as RLE runs, everything else as bit-packed groups of 8, packed 8
 * values at a time. Not responsible for: the 4-byte length prefix of v1 level data or
 * the bit-width byte of dictionary pages (column.c adds those).
 */
#include <string.h>

#include "pqw_int.h"

int ls__pqw_bit_width(uint32_t max)
{
    int bw = 0;
    while (max != 0) {
        bw++;
        max >>= 1;
    }
    return bw;
}

size_t ls__pqw_uleb(uint64_t v, uint8_t *out)
{
    size_t n = 0;
    while (v >= 0x80) {
        out[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    out[n++] = (uint8_t)v;
    return n;
}

size_t ls__pqw_rle_bound(size_t n, int bw)
{
    /* Every segment but the last literal one covers >= 8 values; a segment costs at most
     * a 5-byte header plus 4 value bytes (RLE) or bw bytes per 8 values (packed). */
    size_t groups = n / 8 + 1;
    return groups * ((size_t)bw + 14) + 16;
}

/* Store the low @p nbytes bytes of @p acc (little-endian host). */
static inline uint8_t *ls__put_le(uint8_t *o, uint64_t acc, size_t nbytes)
{
    memcpy(o, &acc, nbytes);
    return o + nbytes;
}

/* Pack exactly 8 values of width @p bw (<= 8) into bw bytes. */
static inline uint8_t *ls__pack8_u8(const uint8_t *v, int bw, uint8_t *o)
{
    uint64_t acc = 0;
    for (int k = 0; k < 8; k++) {
        acc |= (uint64_t)v[k] << (k * bw);
    }
    return ls__put_le(o, acc, (size_t)bw);
}

/* Pack exactly 8 values of width @p bw (<= 32) into bw bytes. */
static inline uint8_t *ls__pack8_u32(const uint32_t *v, int bw, uint8_t *o)
{
    if (bw <= 8) {
        uint64_t acc = 0;
        for (int k = 0; k < 8; k++) {
            acc |= (uint64_t)v[k] << (k * bw);
        }
        return ls__put_le(o, acc, (size_t)bw);
    }
    uint64_t acc = 0;
    int nb = 0;
    for (int k = 0; k < 8; k++) {
        acc |= (uint64_t)v[k] << nb;
        nb += bw;
        if (nb >= 32) {
            o = ls__put_le(o, acc, 4);
            acc >>= 32;
            nb -= 32;
        }
    }
    /* 8 * bw bits in all, so what is left is whole bytes */
    return ls__put_le(o, acc, (size_t)nb / 8);
}

/* End of the run of @p x that continues at @p j: 8 level bytes compared per step. */
static inline size_t ls__run_end_u8(const uint8_t *v, size_t j, size_t n, uint8_t x)
{
    uint64_t pat = 0x0101010101010101ull * x;
    while (j + 8 <= n) {
        uint64_t w;
        memcpy(&w, v + j, 8);
        uint64_t diff = w ^ pat;
        if (diff != 0) {
            return j + (size_t)(__builtin_ctzll(diff) >> 3); /* little-endian: first byte */
        }
        j += 8;
    }
    while (j < n && v[j] == x) {
        j++;
    }
    return j;
}

static inline size_t ls__run_end_u32(const uint32_t *v, size_t j, size_t n, uint32_t x)
{
    while (j < n && v[j] == x) {
        j++;
    }
    return j;
}

static uint8_t *ls__rle_run(uint8_t *o, uint32_t value, size_t run, int bw)
{
    o += ls__pqw_uleb((uint64_t)run << 1, o);
    return ls__put_le(o, value, ((size_t)bw + 7) / 8);
}

static uint8_t *ls__packed_u8(uint8_t *o, const uint8_t *v, size_t n, int bw)
{
    size_t groups = (n + 7) / 8;
    o += ls__pqw_uleb(((uint64_t)groups << 1) | 1, o);
    size_t full = n / 8;
    for (size_t g = 0; g < full; g++) {
        o = ls__pack8_u8(v + g * 8, bw, o);
    }
    if (full != groups) {
        uint8_t last[8] = {0};
        memcpy(last, v + full * 8, n - full * 8);
        o = ls__pack8_u8(last, bw, o);
    }
    return o;
}

static uint8_t *ls__packed_u32(uint8_t *o, const uint32_t *v, size_t n, int bw)
{
    size_t groups = (n + 7) / 8;
    o += ls__pqw_uleb(((uint64_t)groups << 1) | 1, o);
    size_t full = n / 8;
    for (size_t g = 0; g < full; g++) {
        o = ls__pack8_u32(v + g * 8, bw, o);
    }
    if (full != groups) {
        uint32_t last[8] = {0};
        memcpy(last, v + full * 8, (n - full * 8) * sizeof(uint32_t));
        o = ls__pack8_u32(last, bw, o);
    }
    return o;
}

/*
 * The hybrid loop, once per element type. Literal values accumulate from `lit`; a run of
 * 8+ equal values ends them, but bit-packed segments must hold a multiple of 8 values,
 * so the run first lends the literals the values they lack (when it keeps 8 or more).
 */
#define LS__RLE_ENCODE(T, PACKED, RUN_END)                                                  \
    uint8_t *o = out;                                                                       \
    size_t lit = 0, i = 0;                                                                  \
    while (i < n) {                                                                         \
        T x = v[i];                                                                         \
        size_t j = RUN_END(v, i + 1, n, x);                                                 \
        size_t run = j - i;                                                                 \
        if (run >= 8) {                                                                     \
            size_t rem = (i - lit) % 8;                                                     \
            if (rem != 0) {                                                                 \
                size_t lend = 8 - rem;                                                      \
                if (run - lend < 8) {                                                       \
                    i = j;                                                                  \
                    continue;                                                               \
                }                                                                           \
                i += lend;                                                                  \
                run -= lend;                                                                \
            }                                                                               \
            if (i > lit) {                                                                  \
                o = PACKED(o, v + lit, i - lit, bw);                                        \
            }                                                                               \
            o = ls__rle_run(o, (uint32_t)x, run, bw);                                       \
            lit = j;                                                                        \
        }                                                                                   \
        i = j;                                                                              \
    }                                                                                       \
    if (lit < n) {                                                                          \
        o = PACKED(o, v + lit, n - lit, bw);                                                \
    }                                                                                       \
    return (size_t)(o - out)

size_t ls__pqw_rle_encode_u8(const uint8_t *v, size_t n, int bw, uint8_t *out)
{
    LS__RLE_ENCODE(uint8_t, ls__packed_u8, ls__run_end_u8);
}

size_t ls__pqw_rle_encode_u32(const uint32_t *v, size_t n, int bw, uint8_t *out)
{
    LS__RLE_ENCODE(uint32_t, ls__packed_u32, ls__run_end_u32);
}

#define LS__ONES 0x0101010101010101ull
#define LS__LOW7 0x7F7F7F7F7F7F7F7Full
#define LS__HIGH 0x8080808080808080ull

/* Sum of the 8 byte lanes of @p acc. */
static inline size_t ls__lane_sum(uint64_t acc)
{
    uint64_t s = (acc & 0x00FF00FF00FF00FFull) + ((acc >> 8) & 0x00FF00FF00FF00FFull);
    return (size_t)((s * 0x0001000100010001ull) >> 48);
}

size_t ls__pqw_level_scan(const uint8_t *v, size_t n, uint8_t m, bool *over)
{
    size_t count = 0, i = 0;
    uint64_t bad = 0;
    if (m < 128) {
        /* per byte: x == 0 marks an equal entry; with b < 128, b > m sets bit 7 of
         * b + (127 - m) without carrying into the next byte */
        uint64_t pat = LS__ONES * m, add = LS__ONES * (uint64_t)(127 - m);
        while (n - i >= 8) {
            size_t stop = n - i >= 8 * 255 ? i + 8 * 255 : i + ((n - i) & ~(size_t)7);
            uint64_t acc = 0;
            for (; i < stop; i += 8) {
                uint64_t w;
                memcpy(&w, v + i, 8);
                bad |= (w & LS__HIGH) | (((w & LS__LOW7) + add) & LS__HIGH);
                uint64_t x = w ^ pat;
                acc += (~(((x & LS__LOW7) + LS__LOW7) | x | LS__LOW7)) >> 7;
            }
            count += ls__lane_sum(acc);
        }
    }
    bool hi = bad != 0;
    for (; i < n; i++) {
        count += v[i] == m;
        hi |= v[i] > m;
    }
    *over = hi;
    return count;
}

size_t ls__pqw_pack_bools(const uint8_t *v, size_t n, uint8_t *out)
{
    size_t full = n / 8;
    for (size_t g = 0; g < full; g++) {
        const uint8_t *p = v + g * 8;
        uint8_t b = 0;
        for (int k = 0; k < 8; k++) {
            b |= (uint8_t)((p[k] != 0) << k);
        }
        out[g] = b;
    }
    if (n % 8 != 0) {
        uint8_t b = 0;
        for (size_t k = 0; k < n % 8; k++) {
            b |= (uint8_t)((v[full * 8 + k] != 0) << k);
        }
        out[full] = b;
        full++;
    }
    return full;
}

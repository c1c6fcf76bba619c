/*
 * bits.c — bit-level decoding for the Parquet reader: ULEB128 varints, LSB-first
 * bit unpacking, the RLE/bit-packed hybrid (levels, dictionary indices, booleans)
 * and the legacy MSB-first BIT_PACKED level encoding; plus the capped scratch buffer.
 *
 * Not responsible for: knowing which page section a stream belongs to, or length
 * prefixes (the page reader strips those). Every read is bounded by the given range.
 */
#include <string.h>

#include "lakesink/alloc.h"
#include "pqread_int.h"

ls_err_t ls__pqr_scratch_reserve(ls__scratch_t *s, size_t n, size_t max, ls_error_t *err)
{
    if (n <= s->cap) {
        return LS_OK;
    }
    if (n > max) {
        return ls_error_set(err, LS_ERR_LIMIT, "needs %zu bytes of working memory, limit is %zu", n,
                            max);
    }
    size_t nc = s->cap ? s->cap : 4096;
    while (nc < n) {
        nc = nc > max / 2 ? max : nc * 2;
    }
    /* contents need not survive, so free first and keep peak memory low */
    ls_free(s->p);
    s->p = ls_malloc(nc);
    if (s->p == NULL) {
        s->cap = 0;
        return ls_error_set(err, LS_ERR_NOMEM, "out of memory allocating %zu bytes", nc);
    }
    s->cap = nc;
    return LS_OK;
}

void ls__pqr_scratch_free(ls__scratch_t *s)
{
    ls_free(s->p);
    s->p = NULL;
    s->cap = 0;
}

unsigned ls__pqr_bit_width(uint32_t max_value)
{
    unsigned bw = 0;
    while (max_value != 0) {
        bw++;
        max_value >>= 1;
    }
    return bw;
}

bool ls__pqr_uleb(const uint8_t **p, const uint8_t *end, uint64_t *out)
{
    uint64_t v = 0;
    const uint8_t *q = *p;
    for (unsigned shift = 0; shift < 64; shift += 7) {
        if (q >= end) {
            return false;
        }
        uint8_t c = *q++;
        if (shift == 63 && (c & 0x7e) != 0) {
            return false; /* more than 64 bits */
        }
        v |= (uint64_t)(c & 0x7f) << shift;
        if ((c & 0x80) == 0) {
            *out = v;
            *p = q;
            return true;
        }
    }
    return false;
}

/* Little-endian load of up to 8 bytes at @p p, of which @p avail are readable. */
static inline uint64_t ls__load64(const uint8_t *p, size_t avail)
{
    uint64_t v = 0;
    if (avail >= 8) {
        memcpy(&v, p, 8); /* little-endian host: see pqread_int.h */
        return v;
    }
    for (size_t i = 0; i < avail; i++) {
        v |= (uint64_t)p[i] << (8 * i);
    }
    return v;
}

void ls__pqr_unpack32(const uint8_t *p, size_t len, uint64_t bit0, unsigned bw, uint32_t *out,
                      size_t n)
{
    if (bw == 0) {
        memset(out, 0, n * sizeof(*out));
        return;
    }
    uint64_t mask = (bw == 32) ? 0xffffffffu : ((1u << bw) - 1);
    uint64_t bit = bit0;
    for (size_t i = 0; i < n; i++, bit += bw) {
        size_t byte = (size_t)(bit >> 3);
        uint64_t w = ls__load64(p + byte, len - byte);
        out[i] = (uint32_t)((w >> (bit & 7)) & mask);
    }
}

void ls__pqr_unpack64(const uint8_t *p, size_t len, uint64_t bit0, unsigned bw, uint64_t *out,
                      size_t n)
{
    if (bw == 0) {
        memset(out, 0, n * sizeof(*out));
        return;
    }
    uint64_t mask = (bw == 64) ? ~(uint64_t)0 : (((uint64_t)1 << bw) - 1);
    uint64_t bit = bit0;
    for (size_t i = 0; i < n; i++, bit += bw) {
        size_t byte = (size_t)(bit >> 3);
        unsigned sh = (unsigned)(bit & 7);
        uint64_t w = ls__load64(p + byte, len - byte) >> sh;
        if (sh != 0 && bw > 64 - sh && byte + 8 < len) {
            w |= (uint64_t)p[byte + 8] << (64 - sh); /* the value spans a ninth byte */
        }
        out[i] = w & mask;
    }
}

void ls__pqr_rle_init(ls__rle_t *d, const uint8_t *p, size_t len, unsigned bw)
{
    memset(d, 0, sizeof(*d));
    d->p = p;
    d->end = p + len;
    d->bw = bw;
}

/* Load the next run header; called when the current run is used up. */
static ls_err_t ls__rle_next_run(ls__rle_t *d, ls_error_t *err)
{
    uint64_t h;
    if (d->p >= d->end) {
        return ls_error_set(err, LS_ERR_CORRUPT, "RLE/bit-packed data ends before all values");
    }
    if (!ls__pqr_uleb(&d->p, d->end, &h)) {
        return ls_error_set(err, LS_ERR_CORRUPT, "RLE/bit-packed run header is truncated");
    }
    if (h & 1) {
        uint64_t groups = h >> 1;
        if (groups > ((uint64_t)1 << 40)) {
            return ls_error_set(err, LS_ERR_CORRUPT, "bit-packed run of %llu groups is too long",
                                (unsigned long long)groups);
        }
        size_t avail = (size_t)(d->end - d->p);
        uint64_t bytes = groups * d->bw;
        uint64_t nvals = groups * 8;
        if (bytes > avail) {
            /* writers may cut the last run short: keep the values actually present */
            bytes = avail;
            nvals = bytes * 8 / d->bw;
        }
        d->bp = d->p;
        d->bp_len = (size_t)bytes;
        d->bp_left = nvals;
        d->bp_next = 0;
        d->p += bytes;
        return LS_OK;
    }
    size_t vbytes = (d->bw + 7) / 8;
    if ((size_t)(d->end - d->p) < vbytes) {
        return ls_error_set(err, LS_ERR_CORRUPT, "RLE run value is truncated");
    }
    uint32_t v = 0;
    for (size_t i = 0; i < vbytes; i++) {
        v |= (uint32_t)d->p[i] << (8 * i);
    }
    d->p += vbytes;
    if (d->bw < 32 && (v >> d->bw) != 0) {
        return ls_error_set(err, LS_ERR_CORRUPT, "RLE run value %u does not fit in %u bits", v,
                            d->bw);
    }
    d->rle_val = v;
    d->rle_left = h >> 1;
    return LS_OK;
}

ls_err_t ls__pqr_rle_read(ls__rle_t *d, uint32_t *out, size_t n, ls_error_t *err)
{
    while (n > 0) {
        if (d->rle_left > 0) {
            size_t k = d->rle_left < n ? (size_t)d->rle_left : n;
            for (size_t i = 0; i < k; i++) {
                out[i] = d->rle_val;
            }
            d->rle_left -= k;
            out += k;
            n -= k;
        } else if (d->bp_left > 0) {
            size_t k = d->bp_left < n ? (size_t)d->bp_left : n;
            ls__pqr_unpack32(d->bp, d->bp_len, d->bp_next * d->bw, d->bw, out, k);
            d->bp_left -= k;
            d->bp_next += k;
            out += k;
            n -= k;
        } else {
            LS_TRY(ls__rle_next_run(d, err));
        }
    }
    return LS_OK;
}

ls_err_t ls__pqr_rle_read_levels(ls__rle_t *d, uint8_t *out, size_t n, unsigned max,
                                 ls_error_t *err)
{
    uint32_t tmp[256];
    while (n > 0) {
        if (d->rle_left > 0) {
            size_t k = d->rle_left < n ? (size_t)d->rle_left : n;
            if (d->rle_val > max) {
                return ls_error_set(err, LS_ERR_CORRUPT, "level %u exceeds the maximum %u",
                                    d->rle_val, max);
            }
            memset(out, (int)d->rle_val, k);
            d->rle_left -= k;
            out += k;
            n -= k;
        } else if (d->bp_left > 0) {
            size_t k = d->bp_left < n ? (size_t)d->bp_left : n;
            if (k > 256) {
                k = 256;
            }
            ls__pqr_unpack32(d->bp, d->bp_len, d->bp_next * d->bw, d->bw, tmp, k);
            for (size_t i = 0; i < k; i++) {
                if (tmp[i] > max) {
                    return ls_error_set(err, LS_ERR_CORRUPT, "level %u exceeds the maximum %u",
                                        tmp[i], max);
                }
                out[i] = (uint8_t)tmp[i];
            }
            d->bp_left -= k;
            d->bp_next += k;
            out += k;
            n -= k;
        } else {
            LS_TRY(ls__rle_next_run(d, err));
        }
    }
    return LS_OK;
}

ls_err_t ls__pqr_bitpacked_levels(const uint8_t *p, size_t len, unsigned bw, uint8_t *out, size_t n,
                                  unsigned max, size_t *used, ls_error_t *err)
{
    if (bw > 8) {
        return ls_error_set(err, LS_ERR_CORRUPT, "BIT_PACKED level width %u is too wide", bw);
    }
    uint64_t bits = (uint64_t)n * bw;
    size_t need = (size_t)((bits + 7) / 8);
    if (need > len) {
        return ls_error_set(err, LS_ERR_CORRUPT,
                            "BIT_PACKED levels need %zu bytes, %zu are left in the page", need,
                            len);
    }
    uint64_t bit = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned v = 0;
        for (unsigned k = 0; k < bw; k++, bit++) {
            v = (v << 1) | ((p[bit >> 3] >> (7 - (bit & 7))) & 1u);
        }
        if (v > max) {
            return ls_error_set(err, LS_ERR_CORRUPT, "level %u exceeds the maximum %u", v, max);
        }
        out[i] = (uint8_t)v;
    }
    *used = need;
    return LS_OK;
}

/*
 * values.c — Parquet value encodings for the reader: PLAIN, RLE booleans,
 * DELTA_BINARY_PACKED, DELTA_LENGTH_BYTE_ARRAY, DELTA_BYTE_ARRAY, BYTE_STREAM_SPLIT
 * and dictionary index gathering.
 *
 * Each decoder turns one page's value section into physical values (fixed-width
 * bytes or byte-array views). Not responsible for: levels, decompression, or logical
 * type conversion. Counts come from the caller, who bounds them by the page; each
 * decoder still checks every byte it reads against the section length.
 */
#include <string.h>

#include "lakesink/alloc.h"
#include "pqread_int.h"

/* Largest DELTA_BINARY_PACKED block accepted (values); writers use 128..1024. */
#define LS__DELTA_MAX_BLOCK ((uint64_t)1 << 24)

void ls__pqr_dec_scratch_free(ls__dec_scratch_t *s)
{
    ls__pqr_scratch_free(&s->ints);
    ls__pqr_scratch_free(&s->ints2);
    ls__pqr_scratch_free(&s->views);
    ls__pqr_scratch_free(&s->bytes);
}

ls_err_t ls__pqr_plain_fixed(const uint8_t *p, size_t len, uint32_t w, size_t n, uint8_t *out,
                             size_t *used, ls_error_t *err)
{
    if (w == 0 || n > len / w) {
        return ls_error_set(err, LS_ERR_CORRUPT,
                            "PLAIN data holds %zu bytes, %zu values of %u bytes do not fit", len, n,
                            w);
    }
    if (n > 0) {
        memcpy(out, p, n * w);
    }
    if (used != NULL) {
        *used = n * w;
    }
    return LS_OK;
}

ls_err_t ls__pqr_plain_bool(const uint8_t *p, size_t len, size_t n, uint8_t *out, size_t *used,
                            ls_error_t *err)
{
    size_t need = n / 8 + (n % 8 != 0);
    if (need > len) {
        return ls_error_set(err, LS_ERR_CORRUPT,
                            "PLAIN booleans need %zu bytes, the data holds %zu", need, len);
    }
    for (size_t i = 0; i < n; i++) {
        out[i] = (uint8_t)((p[i >> 3] >> (i & 7)) & 1u);
    }
    if (used != NULL) {
        *used = need;
    }
    return LS_OK;
}

ls_err_t ls__pqr_plain_bytes(const uint8_t *p, size_t len, size_t n, ls__view_t *out, size_t *used,
                             ls_error_t *err)
{
    size_t off = 0;
    for (size_t i = 0; i < n; i++) {
        if (len - off < 4) {
            return ls_error_set(err, LS_ERR_CORRUPT,
                                "PLAIN byte array %zu of %zu: length prefix past the end of "
                                "the data (%zu bytes)",
                                i, n, len);
        }
        uint32_t l;
        memcpy(&l, p + off, 4);
        off += 4;
        if (l > len - off) {
            return ls_error_set(err, LS_ERR_CORRUPT,
                                "PLAIN byte array %zu of %zu: length %u exceeds the %zu bytes "
                                "left",
                                i, n, l, len - off);
        }
        out[i].p = p + off;
        out[i].len = l;
        off += l;
    }
    if (used != NULL) {
        *used = off;
    }
    return LS_OK;
}

ls_err_t ls__pqr_rle_bool(const uint8_t *p, size_t len, size_t n, uint8_t *out, ls_error_t *err)
{
    if (n == 0) {
        return LS_OK;
    }
    if (len < 4) {
        return ls_error_set(err, LS_ERR_CORRUPT, "RLE booleans: length prefix is missing");
    }
    uint32_t l;
    memcpy(&l, p, 4);
    if (l > len - 4) {
        return ls_error_set(err, LS_ERR_CORRUPT,
                            "RLE booleans: length %u exceeds the %zu bytes left", l, len - 4);
    }
    ls__rle_t d;
    ls__pqr_rle_init(&d, p + 4, l, 1);
    return ls__pqr_rle_read_levels(&d, out, n, 1, err);
}

static inline uint64_t ls__unzigzag(uint64_t v)
{
    return (v >> 1) ^ (~(v & 1) + 1);
}

typedef struct {
    uint64_t block, nmini, total, first;
} ls__delta_hdr_t;

static ls_err_t ls__delta_header(const uint8_t **q, const uint8_t *end, ls__delta_hdr_t *h,
                                 ls_error_t *err)
{
    uint64_t first;
    if (!ls__pqr_uleb(q, end, &h->block) || !ls__pqr_uleb(q, end, &h->nmini) ||
        !ls__pqr_uleb(q, end, &h->total) || !ls__pqr_uleb(q, end, &first)) {
        return ls_error_set(err, LS_ERR_CORRUPT, "DELTA_BINARY_PACKED header is truncated");
    }
    h->first = ls__unzigzag(first);
    if (h->block == 0 || h->block % 128 != 0 || h->block > LS__DELTA_MAX_BLOCK || h->nmini == 0 ||
        h->block % h->nmini != 0 || (h->block / h->nmini) % 32 != 0) {
        return ls_error_set(err, LS_ERR_CORRUPT,
                            "DELTA_BINARY_PACKED block of %llu values in %llu miniblocks is "
                            "invalid",
                            (unsigned long long)h->block, (unsigned long long)h->nmini);
    }
    return LS_OK;
}

static inline void ls__delta_store(void *out, unsigned w, size_t i, uint64_t v)
{
    if (w == 4) {
        uint32_t x = (uint32_t)v;
        memcpy((uint8_t *)out + i * 4, &x, 4);
    } else {
        memcpy((uint8_t *)out + i * 8, &v, 8);
    }
}

/* One miniblock: @p k values of @p bw bits at *q; advances *q past its bytes. */
static ls_err_t ls__delta_mini(const uint8_t **q, const uint8_t *end, unsigned bw, uint64_t per,
                               size_t k, uint64_t min_delta, uint64_t *last, void *out, unsigned w,
                               size_t i, ls_error_t *err)
{
    if (bw > 64) {
        return ls_error_set(err, LS_ERR_CORRUPT, "DELTA_BINARY_PACKED bit width %u exceeds 64", bw);
    }
    size_t avail = (size_t)(end - *q);
    uint64_t full = per * bw / 8;
    uint64_t need = ((uint64_t)k * bw + 7) / 8;
    if (need > avail) {
        return ls_error_set(err, LS_ERR_CORRUPT,
                            "DELTA_BINARY_PACKED miniblock needs %llu bytes, %zu are left",
                            (unsigned long long)need, avail);
    }
    uint64_t tmp[128];
    uint64_t v = *last;
    for (size_t j = 0; j < k; j += 128) {
        size_t c = k - j < 128 ? k - j : 128;
        ls__pqr_unpack64(*q, avail, (uint64_t)j * bw, bw, tmp, c);
        for (size_t t = 0; t < c; t++) {
            v += min_delta + tmp[t]; /* wrapping, as the encoding requires */
            ls__delta_store(out, w, i + j + t, v);
        }
    }
    *last = v;
    /* a final miniblock is padded to full size; tolerate writers that cut it */
    *q += full <= avail ? (size_t)full : avail;
    return LS_OK;
}

ls_err_t ls__pqr_delta_binary(const uint8_t *p, size_t len, size_t n, void *out, unsigned out_width,
                              size_t *used, ls_error_t *err)
{
    const uint8_t *q = p, *end = p + len;
    ls__delta_hdr_t h;
    LS_TRY(ls__delta_header(&q, end, &h, err));
    if (h.total < n || (used != NULL && h.total != n)) {
        return ls_error_set(err, LS_ERR_CORRUPT,
                            "DELTA_BINARY_PACKED stream holds %llu values, the page needs %zu",
                            (unsigned long long)h.total, n);
    }
    uint64_t per = h.block / h.nmini;
    uint64_t last = h.first;
    size_t i = 0;
    if (n > 0) {
        ls__delta_store(out, out_width, 0, last);
        i = 1;
    }
    while (i < n) {
        uint64_t md;
        if (!ls__pqr_uleb(&q, end, &md)) {
            return ls_error_set(err, LS_ERR_CORRUPT,
                                "DELTA_BINARY_PACKED block header is truncated after %zu values",
                                i);
        }
        md = ls__unzigzag(md);
        if ((uint64_t)(end - q) < h.nmini) {
            return ls_error_set(err, LS_ERR_CORRUPT,
                                "DELTA_BINARY_PACKED miniblock widths are truncated");
        }
        const uint8_t *widths = q;
        q += h.nmini;
        for (uint64_t m = 0; m < h.nmini && i < n; m++) {
            size_t k = (n - i) < per ? n - i : (size_t)per;
            LS_TRY(ls__delta_mini(&q, end, widths[m], per, k, md, &last, out, out_width, i, err));
            i += k;
        }
    }
    if (used != NULL) {
        *used = (size_t)(q - p);
    }
    return LS_OK;
}

ls_err_t ls__pqr_delta_length(const uint8_t *p, size_t len, size_t n, ls__view_t *out,
                              ls__dec_scratch_t *s, size_t *used, ls_error_t *err)
{
    if (n > s->max / 4) {
        return ls_error_set(err, LS_ERR_LIMIT, "too many DELTA_LENGTH_BYTE_ARRAY values");
    }
    LS_TRY(ls__pqr_scratch_reserve(&s->ints, n * 4 + 4, s->max, err));
    int32_t *lens = (int32_t *)(void *)s->ints.p;
    size_t hdr = 0;
    LS_TRY(ls__pqr_delta_binary(p, len, n, lens, 4, &hdr, err));
    const uint8_t *data = p + hdr;
    size_t avail = len - hdr, off = 0;
    for (size_t i = 0; i < n; i++) {
        if (lens[i] < 0 || (size_t)lens[i] > avail - off) {
            return ls_error_set(err, LS_ERR_CORRUPT,
                                "DELTA_LENGTH_BYTE_ARRAY value %zu: length %d does not fit the "
                                "%zu bytes left",
                                i, lens[i], avail - off);
        }
        out[i].p = data + off;
        out[i].len = (uint32_t)lens[i];
        off += (size_t)lens[i];
    }
    if (used != NULL) {
        *used = hdr + off;
    }
    return LS_OK;
}

/* Total bytes of the rebuilt DELTA_BYTE_ARRAY values, checking every prefix. */
static ls_err_t ls__delta_bytes_size(const int32_t *pre, const ls__view_t *suf, size_t n,
                                     uint32_t fixed_width, size_t max, size_t *total,
                                     ls_error_t *err)
{
    uint64_t sum = 0, prev = 0;
    for (size_t i = 0; i < n; i++) {
        if (pre[i] < 0 || (uint64_t)pre[i] > prev) {
            return ls_error_set(err, LS_ERR_CORRUPT,
                                "DELTA_BYTE_ARRAY value %zu: prefix length %d exceeds the "
                                "previous value's %llu bytes",
                                i, pre[i], (unsigned long long)prev);
        }
        uint64_t l = (uint64_t)pre[i] + suf[i].len;
        if (l > UINT32_MAX || (fixed_width != 0 && l != fixed_width)) {
            return ls_error_set(err, LS_ERR_CORRUPT, "DELTA_BYTE_ARRAY value %zu has %llu bytes%s",
                                i, (unsigned long long)l,
                                fixed_width ? ", not the column's fixed length" : "");
        }
        sum += l;
        if (sum > max) {
            return ls_error_set(err, LS_ERR_LIMIT, "DELTA_BYTE_ARRAY values expand past %zu bytes",
                                max);
        }
        prev = l;
    }
    *total = (size_t)sum;
    return LS_OK;
}

ls_err_t ls__pqr_delta_bytes(const uint8_t *p, size_t len, size_t n, ls__view_t *out,
                             uint32_t fixed_width, ls__dec_scratch_t *s, ls_error_t *err)
{
    if (n > s->max / sizeof(ls__view_t)) {
        return ls_error_set(err, LS_ERR_LIMIT, "too many DELTA_BYTE_ARRAY values");
    }
    LS_TRY(ls__pqr_scratch_reserve(&s->ints2, n * 4 + 4, s->max, err));
    int32_t *pre = (int32_t *)(void *)s->ints2.p;
    size_t used = 0;
    LS_TRY(ls__pqr_delta_binary(p, len, n, pre, 4, &used, err));
    LS_TRY(ls__pqr_scratch_reserve(&s->views, (n + 1) * sizeof(ls__view_t), s->max, err));
    ls__view_t *suf = (ls__view_t *)(void *)s->views.p;
    LS_TRY(ls__pqr_delta_length(p + used, len - used, n, suf, s, NULL, err));
    size_t total = 0;
    LS_TRY(ls__delta_bytes_size(pre, suf, n, fixed_width, s->max, &total, err));
    LS_TRY(ls__pqr_scratch_reserve(&s->bytes, total + 1, s->max, err));
    uint8_t *dst = s->bytes.p;
    const uint8_t *prev = dst;
    for (size_t i = 0; i < n; i++) {
        size_t pl = (size_t)pre[i];
        if (pl > 0) {
            memcpy(dst, prev, pl);
        }
        if (suf[i].len > 0) {
            memcpy(dst + pl, suf[i].p, suf[i].len);
        }
        out[i].p = dst;
        out[i].len = (uint32_t)(pl + suf[i].len);
        prev = dst;
        dst += out[i].len;
    }
    return LS_OK;
}

ls_err_t ls__pqr_byte_stream_split(const uint8_t *p, size_t len, uint32_t w, size_t n, uint8_t *out,
                                   ls_error_t *err)
{
    if (w == 0 || len % w != 0 || len / w < n) {
        return ls_error_set(err, LS_ERR_CORRUPT,
                            "BYTE_STREAM_SPLIT data of %zu bytes does not hold %zu values of "
                            "%u bytes",
                            len, n, w);
    }
    size_t stride = len / w;
    for (uint32_t k = 0; k < w; k++) {
        const uint8_t *src = p + (size_t)k * stride;
        for (size_t i = 0; i < n; i++) {
            out[i * w + k] = src[i];
        }
    }
    return LS_OK;
}

ls_err_t ls__pqr_dict_gather(const uint8_t *p, size_t len, const ls__vec_t *dict, size_t n,
                             ls__vec_t *out, ls_error_t *err)
{
    if (n == 0) {
        return LS_OK;
    }
    if (len < 1) {
        return ls_error_set(err, LS_ERR_CORRUPT, "dictionary indices: bit width is missing");
    }
    unsigned bw = p[0];
    if (bw > 32) {
        return ls_error_set(err, LS_ERR_CORRUPT, "dictionary index bit width %u exceeds 32", bw);
    }
    ls__rle_t d;
    ls__pqr_rle_init(&d, p + 1, len - 1, bw);
    uint32_t idx[256];
    uint32_t w = dict->width;
    for (size_t i = 0; i < n;) {
        size_t k = n - i < 256 ? n - i : 256;
        LS_TRY(ls__pqr_rle_read(&d, idx, k, err));
        for (size_t j = 0; j < k; j++, i++) {
            if (idx[j] >= dict->n) {
                return ls_error_set(err, LS_ERR_CORRUPT,
                                    "dictionary index %u is out of range (%zu entries)", idx[j],
                                    dict->n);
            }
            if (w == 0) {
                out->views[i] = dict->views[idx[j]];
            } else {
                memcpy(out->fixed + i * w, dict->fixed + (size_t)idx[j] * w, w);
            }
        }
    }
    return LS_OK;
}

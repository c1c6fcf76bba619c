/*
 * dict.c — the per-chunk dictionary: an open-addressing hash table from values to entry
 * numbers, with the entries kept in PLAIN form so the table's storage is also the
 * dictionary page body.
 *
 * Responsible for: lookup/insert in tight loops, the byte and entry caps (a full
 * dictionary stops the caller, who then falls back to PLAIN). Not responsible for: the
 * fallback policy or page layout (column.c).
 */
#include <string.h>

#include "lakesink/alloc.h"
#include "lakesink/bytes.h"
#include "pqw_int.h"

#define LS__K1 0x9E3779B97F4A7C15ull
#define LS__K2 0xC2B2AE3D27D4EB4Full

void ls__pqw_dict_init(ls__pqw_dict_t *d, ls_col_store_t store, uint32_t width, size_t max_bytes)
{
    memset(d, 0, sizeof(*d));
    d->store = store;
    d->width = width;
    d->max_bytes = max_bytes;
    ls_buf_init(&d->values, max_bytes);
}

void ls__pqw_dict_free(ls__pqw_dict_t *d)
{
    ls_free(d->slots);
    ls_free(d->offs);
    ls_buf_free(&d->values);
    d->slots = NULL;
    d->offs = NULL;
    d->nslots = d->bits = d->count = d->ent_cap = 0;
}

void ls__pqw_dict_reset(ls__pqw_dict_t *d)
{
    if (d->count != 0) {
        memset(d->slots, 0, (size_t)d->nslots * sizeof(uint64_t));
    }
    d->count = 0;
    ls_buf_reset(&d->values);
}

static inline uint64_t ls__rotl(uint64_t x, int r)
{
    return (x << r) | (x >> (64 - r));
}

/* 32-bit hash of a word (top bits are the best mixed: slots use them). */
static inline uint32_t ls__hash64(uint64_t v)
{
    v ^= v >> 31;
    return (uint32_t)((v * LS__K1) >> 32);
}

/* Byte-string hash, 8 bytes per step. */
static inline uint32_t ls__hash_bytes(const uint8_t *p, size_t len)
{
    uint64_t h = (uint64_t)len * LS__K1;
    while (len >= 8) {
        h = ls__rotl(h ^ (ls_bytes_load64(p) * LS__K2), 31) * LS__K1;
        p += 8;
        len -= 8;
    }
    if (len != 0) {
        /* 1..7 tail bytes without a variable-length copy (overlapping loads) */
        uint64_t t;
        if (len >= 4) {
            t = ls_bytes_load32(p) | (uint64_t)ls_bytes_load32(p + len - 4) << 32;
        } else {
            t = p[0] | (uint64_t)p[len / 2] << 8 | (uint64_t)p[len - 1] << 16;
        }
        h = ls__rotl(h ^ (t * LS__K2), 31) * LS__K1;
    }
    h ^= h >> 33;
    h *= LS__K2;
    h ^= h >> 29;
    return (uint32_t)(h >> 32);
}

/* Double the table (or create it), moving every slot by its stored hash. */
static ls_err_t ls__grow_table(ls__pqw_dict_t *d)
{
    uint32_t bits = d->nslots ? d->bits + 1 : 10;
    uint32_t n = 1u << bits;
    /* malloc + memset, not calloc: a large calloc maps the shared zero page, which the
     * first probe reads and the first insert then copies (a fault and a TLB shootdown to
     * every CPU running one of our threads, per page). Writing first skips both. */
    uint64_t *s = ls_reallocarray(NULL, n, sizeof(uint64_t));
    if (s == NULL) {
        return LS_ERR_NOMEM;
    }
    memset(s, 0, (size_t)n * sizeof(uint64_t));
    uint32_t mask = n - 1;
    for (uint32_t i = 0; i < d->nslots && d->count != 0; i++) {
        uint64_t v = d->slots[i];
        if (v == 0) {
            continue;
        }
        uint32_t pos = (uint32_t)(v >> 32) >> (32 - bits);
        while (s[pos] != 0) {
            pos = (pos + 1) & mask;
        }
        s[pos] = v;
    }
    ls_free(d->slots);
    d->slots = s;
    d->nslots = n;
    d->bits = bits;
    return LS_OK;
}

/* Room for one more entry: table load <= 1/2, and (BYTES) its offset slot. */
static ls_err_t ls__make_room(ls__pqw_dict_t *d)
{
    if ((d->count + 1) * 2 > d->nslots) {
        LS_TRY(ls__grow_table(d));
    }
    if (d->store == LS_COL_BYTES && d->count == d->ent_cap) {
        uint32_t nc = d->ent_cap ? d->ent_cap * 2 : 256;
        uint32_t *o = ls_reallocarray(d->offs, nc, sizeof(uint32_t));
        if (o == NULL) {
            return LS_ERR_NOMEM;
        }
        d->offs = o;
        d->ent_cap = nc;
    }
    return LS_OK;
}

static inline bool ls__has_room(const ls__pqw_dict_t *d)
{
    return (d->count + 1) * 2 <= d->nslots &&
           (d->store != LS_COL_BYTES || d->count < d->ent_cap);
}

/*
 * Probe for a value of hash @p h: sets `found` to its entry, or to UINT32_MAX with `slot`
 * the empty slot where it belongs. EQ(e) compares entry e with the value; it runs only
 * when the stored hash matches.
 */
#define LS__PROBE(d, h, EQ)                                                                 \
    do {                                                                                    \
        uint32_t mask_ = (d)->nslots - 1;                                                   \
        uint32_t pos_ = (h) >> (32 - (d)->bits);                                            \
        for (;;) {                                                                          \
            uint64_t s_ = (d)->slots[pos_];                                                 \
            if (s_ == 0) {                                                                  \
                slot = pos_;                                                                \
                found = UINT32_MAX;                                                         \
                break;                                                                      \
            }                                                                               \
            if ((uint32_t)(s_ >> 32) == (h) && EQ((uint32_t)s_ - 1)) {                      \
                found = (uint32_t)s_ - 1;                                                   \
                break;                                                                      \
            }                                                                               \
            pos_ = (pos_ + 1) & mask_;                                                      \
        }                                                                                   \
    } while (0)

static inline uint64_t ls__slot(uint32_t h, uint32_t entry)
{
    return (uint64_t)h << 32 | (uint64_t)(entry + 1);
}

/* Word-sized values: the common int/long/float/double/date/timestamp case. */
#define LS__PUT_WORD(T, LOAD)                                                               \
    for (i = 0; i < n; i++) {                                                               \
        if (!ls__has_room(d)) {                                                             \
            LS_TRY(ls__make_room(d));                                                       \
        }                                                                                   \
        T v = LOAD(vals + i * sizeof(T));                                                   \
        const T *ents = (const T *)(const void *)d->values.data;                            \
        uint32_t h = ls__hash64(v), slot = 0, found;                                        \
        LS__PROBE(d, h, LS__WORD_EQ);                                                       \
        if (found == UINT32_MAX) {                                                          \
            if (d->count >= LS_PQW_DICT_MAX_ENTRIES ||                                      \
                d->values.len + sizeof(T) > d->max_bytes) {                                 \
                break;                                                                      \
            }                                                                               \
            LS_TRY(ls_buf_append(&d->values, &v, sizeof(T)));                               \
            d->slots[slot] = ls__slot(h, d->count);                                         \
            found = d->count++;                                                             \
        }                                                                                   \
        idx[i] = found;                                                                     \
    }

#define LS__WORD_EQ(e) (ents[(e)] == v)

static ls_err_t ls__put_u32(ls__pqw_dict_t *d, const uint8_t *vals, size_t n, uint32_t *idx,
                            size_t *done)
{
    size_t i;
    LS__PUT_WORD(uint32_t, ls_bytes_load32)
    *done = i;
    return LS_OK;
}

static ls_err_t ls__put_u64(ls__pqw_dict_t *d, const uint8_t *vals, size_t n, uint32_t *idx,
                            size_t *done)
{
    size_t i;
    LS__PUT_WORD(uint64_t, ls_bytes_load64)
    *done = i;
    return LS_OK;
}

ls_err_t ls__pqw_dict_put_fixed(ls__pqw_dict_t *d, const uint8_t *vals, size_t n,
                                uint32_t *idx, size_t *done)
{
    if (d->width == 4) {
        return ls__put_u32(d, vals, n, idx, done);
    }
    if (d->width == 8) {
        return ls__put_u64(d, vals, n, idx, done);
    }
    size_t w = d->width, i;
    for (i = 0; i < n; i++) {
        if (!ls__has_room(d)) {
            LS_TRY(ls__make_room(d));
        }
        const uint8_t *v = vals + i * w;
        uint32_t h = ls__hash_bytes(v, w), slot = 0, found;
#define LS__FIX_EQ(e) ls_bytes_eq(d->values.data + (size_t)(e) * w, v, w)
        LS__PROBE(d, h, LS__FIX_EQ);
#undef LS__FIX_EQ
        if (found == UINT32_MAX) {
            if (d->count >= LS_PQW_DICT_MAX_ENTRIES || d->values.len + w > d->max_bytes) {
                break;
            }
            LS_TRY(ls_buf_append(&d->values, v, w));
            d->slots[slot] = ls__slot(h, d->count);
            found = d->count++;
        }
        idx[i] = found;
    }
    *done = i;
    return LS_OK;
}

/* Entry @p e holds the @p len bytes at @p p. */
static inline bool ls__bytes_eq(const ls__pqw_dict_t *d, uint32_t e, const uint8_t *p,
                                uint32_t len)
{
    const uint8_t *q = d->values.data + d->offs[e];
    return ls_bytes_load32(q) == len && ls_bytes_eq(q + 4, p, len);
}

ls_err_t ls__pqw_dict_put_bytes(ls__pqw_dict_t *d, const uint32_t *off, const uint8_t *bytes,
                                size_t n, uint32_t *idx, size_t *done)
{
    size_t i;
    for (i = 0; i < n; i++) {
        if (!ls__has_room(d)) {
            LS_TRY(ls__make_room(d));
        }
        const uint8_t *p = bytes + off[i];
        uint32_t len = off[i + 1] - off[i];
        uint32_t h = ls__hash_bytes(p, len), slot = 0, found;
#define LS__BYTES_EQ(e) ls__bytes_eq(d, (e), p, len)
        LS__PROBE(d, h, LS__BYTES_EQ);
#undef LS__BYTES_EQ
        if (found == UINT32_MAX) {
            if (d->count >= LS_PQW_DICT_MAX_ENTRIES || (size_t)len + 4 > d->max_bytes ||
                d->values.len + 4 + len > d->max_bytes) {
                break;
            }
            uint32_t at = (uint32_t)d->values.len;
            LS_TRY(ls_buf_reserve(&d->values, 4 + (size_t)len));
            ls_buf_put_unchecked(&d->values, &len, 4);
            if (len != 0) {
                memcpy(d->values.data + d->values.len, p, len);
                d->values.len += len;
            }
            d->offs[d->count] = at;
            d->slots[slot] = ls__slot(h, d->count);
            found = d->count++;
        }
        idx[i] = found;
    }
    *done = i;
    return LS_OK;
}

ls_err_t ls__pqw_dict_entry_plain(const ls__pqw_dict_t *d, uint32_t e, ls_buf_t *out)
{
    if (d->store == LS_COL_BYTES) {
        const uint8_t *q = d->values.data + d->offs[e];
        return ls_buf_append(out, q, 4 + (size_t)ls_bytes_load32(q));
    }
    return ls_buf_append(out, d->values.data + (size_t)e * d->width, d->width);
}

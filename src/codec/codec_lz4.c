/*
 * codec_lz4.c — LZ4 for Parquet: LZ4_RAW (one raw LZ4 block) and the deprecated LZ4
 * codec, which parquet-mr wrote with Hadoop's framing.
 *
 * Hadoop framing: a sequence of blocks, each a big-endian u32 of the block's
 * uncompressed size followed by one or more chunks (big-endian u32 compressed size +
 * raw LZ4 data) until that many bytes are produced. Some writers put raw LZ4 under
 * codec 5, so reading falls back to a raw block when the framing does not parse (as
 * Arrow does). Writing produces one chunk per block of at most 128 KiB, which both
 * Hadoop and Arrow read.
 *
 * Not responsible for: LZ4's frame format (.lz4 files), which Parquet never uses.
 */
#include <limits.h>
#include <lz4.h>
#include <string.h>

#include "codec_int.h"
#include "lakesink/alloc.h"

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static uint32_t get_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* One raw block appended at out->data + out->len (room already reserved). */
static ls_err_t block(ls_codec_ctx_t *ctx, const uint8_t *in, size_t len, ls_buf_t *out,
                      size_t room, int *written, ls_error_t *err)
{
    static const char empty[1];
    int cap = room > INT_MAX ? INT_MAX : (int)room;
    *written = LZ4_compress_fast_extState(ctx->lz4_state, len ? (const char *)in : empty,
                                          (char *)out->data + out->len, (int)len, cap, 1);
    if (*written <= 0) {
        return ls_error_set(err, LS_ERR_CODEC, "LZ4: compressing %zu bytes failed", len);
    }
    return LS_OK;
}

ls_err_t ls__codec_lz4_compress(ls_codec_ctx_t *ctx, bool hadoop, const uint8_t *in, size_t len,
                                ls_buf_t *out, ls_error_t *err)
{
    const char *name = hadoop ? "LZ4" : "LZ4_RAW";
    if (len > LZ4_MAX_INPUT_SIZE) {
        return ls_error_set(err, LS_ERR_LIMIT, "%s: %zu bytes exceed LZ4's input limit", name, len);
    }
    if (ctx->lz4_state == NULL && (ctx->lz4_state = ls_malloc((size_t)LZ4_sizeofState())) == NULL) {
        return ls_error_set(err, LS_ERR_NOMEM, "%s: no memory for the compressor state", name);
    }
    size_t start = out->len;
    size_t off = 0;
    do { /* one pass for LZ4_RAW; one per block for Hadoop (an empty input gets one) */
        size_t n = hadoop && len - off > LS__LZ4_HADOOP_BLOCK ? LS__LZ4_HADOOP_BLOCK : len - off;
        size_t hdr = hadoop ? 8 : 0;
        size_t bound = (size_t)LZ4_compressBound((int)n) + hdr;
        ls_err_t rc = ls__codec_reserve(out, bound, name, err);
        int w = 0;
        if (rc == LS_OK) {
            out->len += hdr;
            rc = block(ctx, n ? in + off : NULL, n, out, bound - hdr, &w, err);
            out->len -= hdr;
        }
        if (rc != LS_OK) {
            out->len = start;
            return rc;
        }
        if (hadoop) {
            put_be32(out->data + out->len, (uint32_t)n);
            put_be32(out->data + out->len + 4, (uint32_t)w);
        }
        out->len += hdr + (size_t)w;
        off += n;
    } while (off < len);
    return LS_OK;
}

/* Hadoop framing; false when the input does not parse as such. */
static bool hadoop_decompress(const uint8_t *in, size_t len, uint8_t *out, size_t out_len)
{
    size_t produced = 0;
    while (len > 0) {
        if (len < 4) {
            return false;
        }
        uint32_t raw = get_be32(in);
        in += 4;
        len -= 4;
        if (raw > out_len - produced) {
            return false;
        }
        size_t block_end = produced + raw;
        do { /* at least one chunk, even for an empty block (Arrow writes one) */
            if (len < 4) {
                return false;
            }
            uint32_t clen = get_be32(in);
            in += 4;
            len -= 4;
            if (clen > len || clen > INT_MAX) {
                return false;
            }
            int n = LZ4_decompress_safe((const char *)in, (char *)out + produced, (int)clen,
                                        (int)(block_end - produced));
            if (n < 0) {
                return false;
            }
            produced += (size_t)n;
            in += clen;
            len -= clen;
        } while (produced < block_end);
    }
    return produced == out_len;
}

ls_err_t ls__codec_lz4_decompress(bool hadoop, const uint8_t *in, size_t len, uint8_t *out,
                                  size_t out_len, ls_error_t *err)
{
    const char *name = hadoop ? "LZ4" : "LZ4_RAW";
    if (len > INT_MAX || out_len > INT_MAX) {
        return ls_error_set(err, LS_ERR_LIMIT, "%s: block of %zu -> %zu bytes is too large", name,
                            len, out_len);
    }
    if (hadoop && hadoop_decompress(in, len, out, out_len)) {
        return LS_OK;
    }
    int n = LZ4_decompress_safe((const char *)in, (char *)out, (int)len, (int)out_len);
    if (n < 0) {
        return ls_error_set(err, LS_ERR_CORRUPT, "%s: %zu compressed bytes are not valid LZ4%s",
                            name, len, hadoop ? " (neither Hadoop-framed nor raw)" : "");
    }
    if ((size_t)n != out_len) {
        return ls_error_set(err, LS_ERR_CORRUPT, "%s: decompressed to %d bytes, the page says %zu",
                            name, n, out_len);
    }
    return LS_OK;
}

/*
 * codec.c — page compression for Parquet: the context, codec names, and zstd, snappy,
 * gzip, brotli and "none" (LZ4 lives in codec_lz4.c).
 *
 * Responsible for: appending compressed bytes to a capped buffer, and decompressing
 * into a caller's buffer of the exact expected size without ever writing past it
 * (every library call gets that size as its output capacity); any other result size
 * is LS_ERR_CORRUPT. Reusable library state (ZSTD contexts, zlib streams, the LZ4
 * state) lives in the context. zlib allocates through ls_malloc; zstd and brotli
 * use their own allocators (their custom-allocator entry points are not stable API).
 * Not responsible for: choosing codecs or levels, or page framing.
 */
#include <limits.h>
#include <snappy-c.h>
#include <string.h>
#include <strings.h>

#include <brotli/decode.h>
#include <brotli/encode.h>

#include "codec_int.h"
#include "lakesink/alloc.h"

/* ---- context ---- */

static voidpf z_alloc(voidpf opaque, uInt items, uInt size)
{
    (void)opaque;
    return ls_calloc(items, size);
}

static void z_free(voidpf opaque, voidpf p)
{
    (void)opaque;
    ls_free(p);
}

ls_codec_ctx_t *ls_codec_ctx_new(void)
{
    return ls_calloc(1, sizeof(ls_codec_ctx_t));
}

void ls_codec_ctx_free(ls_codec_ctx_t *ctx)
{
    if (ctx == NULL) {
        return;
    }
    ZSTD_freeCCtx(ctx->zstd_c);
    ZSTD_freeDCtx(ctx->zstd_d);
    if (ctx->deflate_ready) {
        deflateEnd(&ctx->deflate);
    }
    if (ctx->inflate_ready) {
        inflateEnd(&ctx->inflate);
    }
    ls_free(ctx->lz4_state);
    ls_free(ctx);
}

/* ---- names ---- */

int ls_codec_parse(const char *name)
{
    static const struct {
        const char *name;
        ls_pq_codec_t codec;
    } names[] = {
        {"none", LS_PQ_CODEC_UNCOMPRESSED},
        {"uncompressed", LS_PQ_CODEC_UNCOMPRESSED},
        {"snappy", LS_PQ_CODEC_SNAPPY},
        {"gzip", LS_PQ_CODEC_GZIP},
        {"lzo", LS_PQ_CODEC_LZO},
        {"brotli", LS_PQ_CODEC_BROTLI},
        {"zstd", LS_PQ_CODEC_ZSTD},
        {"lz4_raw", LS_PQ_CODEC_LZ4_RAW},
        /* plain "lz4" means LZ4_RAW, as in DuckDB: Parquet's LZ4 (codec 5) is
         * deprecated and ambiguous; ask for it by its framing */
        {"lz4", LS_PQ_CODEC_LZ4_RAW},
        {"lz4_hadoop", LS_PQ_CODEC_LZ4},
    };
    if (name == NULL) {
        return -1;
    }
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (strcasecmp(name, names[i].name) == 0) {
            return (int)names[i].codec;
        }
    }
    return -1;
}

bool ls_codec_can_compress(ls_pq_codec_t codec)
{
    switch (codec) {
    case LS_PQ_CODEC_UNCOMPRESSED:
    case LS_PQ_CODEC_SNAPPY:
    case LS_PQ_CODEC_GZIP:
    case LS_PQ_CODEC_BROTLI:
    case LS_PQ_CODEC_LZ4:
    case LS_PQ_CODEC_ZSTD:
    case LS_PQ_CODEC_LZ4_RAW: return true;
    default: return false;
    }
}

ls_err_t ls__codec_reserve(ls_buf_t *out, size_t bound, const char *codec, ls_error_t *err)
{
    ls_err_t rc = ls_buf_reserve(out, bound);
    if (rc == LS_ERR_LIMIT) {
        return ls_error_set(err, rc,
                            "%s: room for %zu compressed bytes exceeds the buffer "
                            "limit of %zu",
                            codec, bound, out->max);
    }
    if (rc != LS_OK) {
        return ls_error_set(err, rc, "%s: no memory for %zu compressed bytes", codec, bound);
    }
    return LS_OK;
}

static ls_err_t size_mismatch(const char *codec, size_t got, size_t want, ls_error_t *err)
{
    return ls_error_set(err, LS_ERR_CORRUPT, "%s: decompressed to %zu bytes, the page says %zu",
                        codec, got, want);
}

/* ---- zstd ---- */

static ls_err_t zstd_compress(ls_codec_ctx_t *ctx, int level, const uint8_t *in, size_t len,
                              ls_buf_t *out, ls_error_t *err)
{
    if (level == 0) {
        level = 3;
    }
    if (level < ZSTD_minCLevel() || level > ZSTD_maxCLevel()) {
        return ls_error_set(err, LS_ERR_INVALID_ARG, "ZSTD: level %d is outside %d..%d", level,
                            ZSTD_minCLevel(), ZSTD_maxCLevel());
    }
    if (ctx->zstd_c == NULL && (ctx->zstd_c = ZSTD_createCCtx()) == NULL) {
        return ls_error_set(err, LS_ERR_NOMEM, "ZSTD: no memory for a compression context");
    }
    size_t bound = ZSTD_compressBound(len);
    if (ZSTD_isError(bound) || bound == 0) {
        return ls_error_set(err, LS_ERR_LIMIT, "ZSTD: %zu bytes are too large", len);
    }
    LS_TRY(ls__codec_reserve(out, bound, "ZSTD", err));
    size_t n = ZSTD_compressCCtx(ctx->zstd_c, out->data + out->len, bound, in, len, level);
    if (ZSTD_isError(n)) {
        return ls_error_set(err, LS_ERR_CODEC, "ZSTD: %s", ZSTD_getErrorName(n));
    }
    out->len += n;
    return LS_OK;
}

static ls_err_t zstd_decompress(ls_codec_ctx_t *ctx, const uint8_t *in, size_t len, uint8_t *out,
                                size_t out_len, ls_error_t *err)
{
    if (ctx->zstd_d == NULL && (ctx->zstd_d = ZSTD_createDCtx()) == NULL) {
        return ls_error_set(err, LS_ERR_NOMEM, "ZSTD: no memory for a decompression context");
    }
    size_t n = ZSTD_decompressDCtx(ctx->zstd_d, out, out_len, in, len);
    if (ZSTD_isError(n)) {
        return ls_error_set(err, LS_ERR_CORRUPT, "ZSTD: %s (%zu bytes into %zu)",
                            ZSTD_getErrorName(n), len, out_len);
    }
    return n == out_len ? LS_OK : size_mismatch("ZSTD", n, out_len, err);
}

/* ---- snappy ---- */

static ls_err_t snappy_comp(const uint8_t *in, size_t len, ls_buf_t *out, ls_error_t *err)
{
    size_t bound = snappy_max_compressed_length(len);
    if (bound < len) {
        return ls_error_set(err, LS_ERR_LIMIT, "SNAPPY: %zu bytes are too large", len);
    }
    LS_TRY(ls__codec_reserve(out, bound, "SNAPPY", err));
    size_t n = bound;
    if (snappy_compress((const char *)in, len, (char *)out->data + out->len, &n) != SNAPPY_OK) {
        return ls_error_set(err, LS_ERR_CODEC, "SNAPPY: compressing %zu bytes failed", len);
    }
    out->len += n;
    return LS_OK;
}

static ls_err_t snappy_decomp(const uint8_t *in, size_t len, uint8_t *out, size_t out_len,
                              ls_error_t *err)
{
    size_t n = 0;
    if (snappy_uncompressed_length((const char *)in, len, &n) != SNAPPY_OK) {
        return ls_error_set(err, LS_ERR_CORRUPT, "SNAPPY: %zu bytes are not valid snappy", len);
    }
    if (n != out_len) {
        return size_mismatch("SNAPPY", n, out_len, err);
    }
    /* snappy checks every copy against the output size it is given */
    if (snappy_uncompress((const char *)in, len, (char *)out, &n) != SNAPPY_OK || n != out_len) {
        return ls_error_set(err, LS_ERR_CORRUPT, "SNAPPY: %zu bytes are not valid snappy", len);
    }
    return LS_OK;
}

/* ---- gzip ---- */

static ls_err_t gzip_compress(ls_codec_ctx_t *ctx, int level, const uint8_t *in, size_t len,
                              ls_buf_t *out, ls_error_t *err)
{
    if (level == 0) {
        level = 6;
    }
    if (level < 1 || level > 9) {
        return ls_error_set(err, LS_ERR_INVALID_ARG, "GZIP: level %d is outside 1..9", level);
    }
    if (len > UINT_MAX / 2) {
        return ls_error_set(err, LS_ERR_LIMIT, "GZIP: %zu bytes are too large", len);
    }
    z_stream *s = &ctx->deflate;
    if (ctx->deflate_ready && ctx->deflate_level != level) {
        deflateEnd(s);
        ctx->deflate_ready = false;
    }
    int zrc = Z_OK;
    if (!ctx->deflate_ready) {
        memset(s, 0, sizeof(*s));
        s->zalloc = z_alloc;
        s->zfree = z_free;
        /* windowBits 15 + 16: gzip framing, which is what Parquet's GZIP means */
        zrc = deflateInit2(s, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
        ctx->deflate_ready = zrc == Z_OK;
        ctx->deflate_level = level;
    } else {
        zrc = deflateReset(s);
    }
    if (zrc != Z_OK) {
        return ls_error_set(err, zrc == Z_MEM_ERROR ? LS_ERR_NOMEM : LS_ERR_CODEC,
                            "GZIP: cannot start the compressor (zlib error %d)", zrc);
    }
    size_t bound = deflateBound(s, (uLong)len);
    LS_TRY(ls__codec_reserve(out, bound, "GZIP", err));
    static const uint8_t empty[1];
    s->next_in = (Bytef *)(len ? in : empty);
    s->avail_in = (uInt)len;
    s->next_out = out->data + out->len;
    s->avail_out = (uInt)bound;
    zrc = deflate(s, Z_FINISH);
    if (zrc != Z_STREAM_END) { /* with deflateBound's room, anything else is a bug */
        return ls_error_set(err, LS_ERR_CODEC, "GZIP: compressing %zu bytes failed (zlib %d)", len,
                            zrc);
    }
    out->len += bound - s->avail_out;
    return LS_OK;
}

static ls_err_t inflate_start(ls_codec_ctx_t *ctx, ls_error_t *err)
{
    z_stream *s = &ctx->inflate;
    int zrc;
    if (!ctx->inflate_ready) {
        memset(s, 0, sizeof(*s));
        s->zalloc = z_alloc;
        s->zfree = z_free;
        /* 15 + 32: accept both gzip and zlib headers (old writers used zlib) */
        zrc = inflateInit2(s, 15 + 32);
        ctx->inflate_ready = zrc == Z_OK;
    } else {
        zrc = inflateReset(s);
    }
    if (zrc != Z_OK) {
        return ls_error_set(err, zrc == Z_MEM_ERROR ? LS_ERR_NOMEM : LS_ERR_CODEC,
                            "GZIP: cannot start the decompressor (zlib error %d)", zrc);
    }
    return LS_OK;
}

static ls_err_t gzip_decompress(ls_codec_ctx_t *ctx, const uint8_t *in, size_t len, uint8_t *out,
                                size_t out_len, ls_error_t *err)
{
    if (len > UINT_MAX || out_len > UINT_MAX) {
        return ls_error_set(err, LS_ERR_LIMIT, "GZIP: page of %zu -> %zu bytes is too large", len,
                            out_len);
    }
    LS_TRY(inflate_start(ctx, err));
    z_stream *s = &ctx->inflate;
    s->next_in = (Bytef *)in;
    s->avail_in = (uInt)len;
    s->next_out = out;
    s->avail_out = (uInt)out_len;
    for (;;) {
        int zrc = inflate(s, Z_NO_FLUSH);
        if (zrc == Z_STREAM_END && s->avail_in == 0) {
            break;
        }
        if (zrc == Z_STREAM_END) { /* another gzip member follows: continue into it */
            if (inflateReset(s) != Z_OK) {
                return ls_error_set(err, LS_ERR_CODEC, "GZIP: cannot reset the decompressor");
            }
            continue;
        }
        if (zrc == Z_OK) {
            continue; /* progress was made; zlib returns Z_BUF_ERROR when none is possible */
        }
        if (zrc == Z_BUF_ERROR && s->avail_out == 0) {
            return ls_error_set(err, LS_ERR_CORRUPT,
                                "GZIP: data decompresses to more than the %zu bytes the page "
                                "says",
                                out_len);
        }
        if (zrc == Z_MEM_ERROR) {
            return ls_error_set(err, LS_ERR_NOMEM, "GZIP: out of memory");
        }
        return ls_error_set(err, LS_ERR_CORRUPT, "GZIP: %s at input byte %zu",
                            zrc == Z_BUF_ERROR ? "input ends early"
                                               : (s->msg ? s->msg : "invalid data"),
                            len - s->avail_in);
    }
    size_t n = out_len - s->avail_out;
    return n == out_len ? LS_OK : size_mismatch("GZIP", n, out_len, err);
}

/* ---- brotli ---- */

static ls_err_t brotli_compress(int level, const uint8_t *in, size_t len, ls_buf_t *out,
                                ls_error_t *err)
{
    if (level == 0) {
        level = 4;
    }
    if (level < 1 || level > BROTLI_MAX_QUALITY) {
        return ls_error_set(err, LS_ERR_INVALID_ARG, "BROTLI: level %d is outside 1..%d", level,
                            BROTLI_MAX_QUALITY);
    }
    size_t bound = BrotliEncoderMaxCompressedSize(len);
    if (bound == 0) {
        if (len != 0) {
            return ls_error_set(err, LS_ERR_LIMIT, "BROTLI: %zu bytes are too large", len);
        }
        bound = 16; /* the library declines to bound the empty input; it needs 1 byte */
    }
    LS_TRY(ls__codec_reserve(out, bound, "BROTLI", err));
    size_t n = bound;
    if (!BrotliEncoderCompress(level, BROTLI_DEFAULT_WINDOW, BROTLI_MODE_GENERIC, len, in, &n,
                               out->data + out->len)) {
        return ls_error_set(err, LS_ERR_CODEC, "BROTLI: compressing %zu bytes failed", len);
    }
    out->len += n;
    return LS_OK;
}

static ls_err_t brotli_decompress(const uint8_t *in, size_t len, uint8_t *out, size_t out_len,
                                  ls_error_t *err)
{
    size_t n = out_len;
    /* a stream needing more room than out_len fails here: it never writes past it */
    if (BrotliDecoderDecompress(len, in, &n, out) != BROTLI_DECODER_RESULT_SUCCESS) {
        return ls_error_set(err, LS_ERR_CORRUPT,
                            "BROTLI: %zu bytes are not a valid stream of at most %zu bytes", len,
                            out_len);
    }
    return n == out_len ? LS_OK : size_mismatch("BROTLI", n, out_len, err);
}

/* ---- dispatch ---- */

ls_err_t ls_codec_compress(ls_codec_ctx_t *ctx, ls_pq_codec_t codec, int level, const uint8_t *in,
                           size_t len, ls_buf_t *out, ls_error_t *err)
{
    static const uint8_t empty[1];
    if (ctx == NULL || out == NULL || (in == NULL && len != 0)) {
        return ls_error_set(err, LS_ERR_INVALID_ARG, "compress: NULL argument");
    }
    if (in == NULL) {
        in = empty;
    }
    switch (codec) {
    case LS_PQ_CODEC_UNCOMPRESSED:
        LS_TRY(ls__codec_reserve(out, len, "UNCOMPRESSED", err));
        memcpy(out->data + out->len, in, len);
        out->len += len;
        return LS_OK;
    case LS_PQ_CODEC_SNAPPY: return snappy_comp(in, len, out, err);
    case LS_PQ_CODEC_GZIP: return gzip_compress(ctx, level, in, len, out, err);
    case LS_PQ_CODEC_BROTLI: return brotli_compress(level, in, len, out, err);
    case LS_PQ_CODEC_LZ4:
    case LS_PQ_CODEC_LZ4_RAW:
        return ls__codec_lz4_compress(ctx, codec == LS_PQ_CODEC_LZ4, in, len, out, err);
    case LS_PQ_CODEC_ZSTD: return zstd_compress(ctx, level, in, len, out, err);
    case LS_PQ_CODEC_LZO:
        return ls_error_set(err, LS_ERR_UNSUPPORTED,
                            "LZO compression is not supported (no maintained library; pick "
                            "zstd, snappy or lz4_raw)");
    default:
        return ls_error_set(err, LS_ERR_UNSUPPORTED, "unknown compression codec %d", (int)codec);
    }
}

ls_err_t ls_codec_decompress(ls_codec_ctx_t *ctx, ls_pq_codec_t codec, const uint8_t *in,
                             size_t len, uint8_t *out, size_t out_len, ls_error_t *err)
{
    static const uint8_t empty_in[1];
    uint8_t empty_out[1];
    if (ctx == NULL || (in == NULL && len != 0) || (out == NULL && out_len != 0)) {
        return ls_error_set(err, LS_ERR_INVALID_ARG, "decompress: NULL argument");
    }
    /* Nothing in, nothing out: writers skip the codec for empty pages (a v2 data page
     * whose values are all null has an empty body), so no library sees them either. */
    if (len == 0 && out_len == 0 && codec >= LS_PQ_CODEC_UNCOMPRESSED &&
        codec <= LS_PQ_CODEC_LZ4_RAW) {
        return LS_OK;
    }
    /* libraries reject NULL buffers even when empty */
    in = in ? in : empty_in;
    out = out ? out : empty_out;
    switch (codec) {
    case LS_PQ_CODEC_UNCOMPRESSED:
        if (len != out_len) {
            return size_mismatch("UNCOMPRESSED", len, out_len, err);
        }
        memcpy(out, in, len);
        return LS_OK;
    case LS_PQ_CODEC_SNAPPY: return snappy_decomp(in, len, out, out_len, err);
    case LS_PQ_CODEC_GZIP: return gzip_decompress(ctx, in, len, out, out_len, err);
    case LS_PQ_CODEC_BROTLI: return brotli_decompress(in, len, out, out_len, err);
    case LS_PQ_CODEC_LZ4:
    case LS_PQ_CODEC_LZ4_RAW:
        return ls__codec_lz4_decompress(codec == LS_PQ_CODEC_LZ4, in, len, out, out_len, err);
    case LS_PQ_CODEC_ZSTD: return zstd_decompress(ctx, in, len, out, out_len, err);
    case LS_PQ_CODEC_LZO:
        return ls_error_set(err, LS_ERR_UNSUPPORTED,
                            "LZO-compressed pages are not supported (no maintained library)");
    default:
        return ls_error_set(err, LS_ERR_UNSUPPORTED, "unknown compression codec %d", (int)codec);
    }
}

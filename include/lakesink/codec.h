/*
 * codec.h — block compression for Parquet pages: zstd, snappy, gzip, LZ4 (raw and
 * Hadoop framing), brotli, none.
 *
 * Responsible for: compressing a page into a buffer and decompressing into a buffer
 * of known size. Not responsible for: choosing a codec. A context (ls_codec_ctx_t)
 * keeps reusable compressor state (ZSTD_CCtx, zlib streams) and belongs to one
 * thread at a time; make one per worker.
 */
#ifndef LAKESINK_CODEC_H
#define LAKESINK_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "lakesink/buf.h"
#include "lakesink/error.h"
#include "lakesink/parquet_meta.h"

typedef struct ls_codec_ctx_s ls_codec_ctx_t;

/** @brief New context. Caller owns it (ls_codec_ctx_free). NULL on OOM. */
ls_codec_ctx_t *ls_codec_ctx_new(void);
void ls_codec_ctx_free(ls_codec_ctx_t *ctx);

/** @brief Parse "zstd", "snappy", "gzip", "lz4_raw", "brotli", "none"/"uncompressed". -1 if unknown. */
int ls_codec_parse(const char *name);
/** @brief True when this build can compress with @p codec (LZO: never). */
bool ls_codec_can_compress(ls_pq_codec_t codec);

/**
 * @brief Append the compressed form of @p len bytes to @p out.
 * @param level codec level (zstd 1..22, gzip 1..9, brotli 0..11); 0 = the codec's default
 *        (zstd 3, gzip 6, brotli 4).
 */
ls_err_t ls_codec_compress(ls_codec_ctx_t *ctx, ls_pq_codec_t codec, int level, const uint8_t *in,
                           size_t len, ls_buf_t *out, ls_error_t *err);

/**
 * @brief Decompress @p len bytes into exactly @p out_len bytes at @p out.
 * A result of any other size is LS_ERR_CORRUPT. LZ4 (codec 5) accepts both the Hadoop
 * framing and raw blocks, as other readers do.
 */
ls_err_t ls_codec_decompress(ls_codec_ctx_t *ctx, ls_pq_codec_t codec, const uint8_t *in,
                             size_t len, uint8_t *out, size_t out_len, ls_error_t *err);

#endif

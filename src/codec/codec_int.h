/*
 * codec_int.h — the codec context and the helpers shared by codec.c and codec_lz4.c.
 *
 * Not responsible for: the public API (include/lakesink/codec.h).
 * Ownership: the context owns every library state it holds; all of it is created
 * lazily on first use and released by ls_codec_ctx_free.
 */
#ifndef LS_CODEC_INT_H
#define LS_CODEC_INT_H

#include <stdbool.h>
#include <zlib.h>
#include <zstd.h>

#include "lakesink/codec.h"

struct ls_codec_ctx_s {
    ZSTD_CCtx *zstd_c; /* reused across calls: creating one costs more than a small page */
    ZSTD_DCtx *zstd_d;
    z_stream deflate;
    bool deflate_ready;
    int deflate_level; /* level deflate was initialised with */
    z_stream inflate;
    bool inflate_ready;
    void *lz4_state; /* LZ4_sizeofState() bytes, for LZ4_compress_fast_extState */
};

/* Uncompressed bytes per Hadoop LZ4 block: Hadoop's decompressor holds one block in a
 * buffer of 256 KiB by default, so blocks must stay below that to be readable there. */
#define LS__LZ4_HADOOP_BLOCK (128u * 1024u)

/** @brief Reserve @p bound bytes at the end of @p out, with a message naming @p codec. */
ls_err_t ls__codec_reserve(ls_buf_t *out, size_t bound, const char *codec, ls_error_t *err);

ls_err_t ls__codec_lz4_compress(ls_codec_ctx_t *ctx, bool hadoop, const uint8_t *in, size_t len,
                                ls_buf_t *out, ls_error_t *err);
ls_err_t ls__codec_lz4_decompress(bool hadoop, const uint8_t *in, size_t len, uint8_t *out,
                                  size_t out_len, ls_error_t *err);

#endif

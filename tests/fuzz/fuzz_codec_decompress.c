/*
 * fuzz_codec_decompress.c — every decompressor on hostile input: byte 0 picks the
 * codec, bytes 1-2 the claimed output size; the rest is the compressed page.
 * Decompression must fail cleanly or fill exactly the claimed size.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lakesink/alloc.h"
#include "lakesink/codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3) {
        return 0;
    }
    static const ls_pq_codec_t codecs[] = {LS_PQ_CODEC_UNCOMPRESSED, LS_PQ_CODEC_SNAPPY,
                                           LS_PQ_CODEC_GZIP, LS_PQ_CODEC_BROTLI, LS_PQ_CODEC_LZ4,
                                           LS_PQ_CODEC_ZSTD, LS_PQ_CODEC_LZ4_RAW, LS_PQ_CODEC_LZO};
    ls_pq_codec_t codec = codecs[data[0] % 8];
    size_t out_len = (size_t)data[1] | ((size_t)data[2] << 8);
    ls_codec_ctx_t *ctx = ls_codec_ctx_new();
    uint8_t *out = ls_malloc(out_len);
    if (ctx != NULL && out != NULL) {
        ls_error_t err;
        ls_codec_decompress(ctx, codec, data + 3, size - 3, out, out_len, &err);
    }
    ls_free(out);
    ls_codec_ctx_free(ctx);
    return 0;
}

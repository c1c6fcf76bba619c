/*
 * io.h — byte sinks (where encoders write) and byte sources (where readers read).
 *
 * A sink is a write callback: the Parquet writer streams row groups into it without
 * knowing whether they go to a file, memory or an S3 multipart upload. A source is a
 * positional read callback plus a size: readers fetch footers and column chunks by
 * range. Both are small value types; `ctx` is owned by whoever made the sink/source.
 */
#ifndef LAKESINK_IO_H
#define LAKESINK_IO_H

#include <stdint.h>
#include <stdio.h>

#include "lakesink/buf.h"
#include "lakesink/error.h"

typedef struct ls_sink_s {
    /* Write all @p len bytes or fail. */
    ls_err_t (*write)(void *ctx, const void *data, size_t len, ls_error_t *err);
    void *ctx;
} ls_sink_t;

typedef struct ls_source_s ls_source_t;
struct ls_source_s {
    /* Read exactly @p len bytes at @p offset into @p out, or fail (past the end = LS_ERR_CORRUPT). */
    ls_err_t (*read_at)(const ls_source_t *src, uint64_t offset, void *out, size_t len,
                        ls_error_t *err);
    uint64_t size;
    void *ctx;
    const char *name; /* for messages; borrowed */
};

/** @brief Read through @p src->read_at with the bounds check every source needs. */
ls_err_t ls_source_read(const ls_source_t *src, uint64_t offset, void *out, size_t len,
                        ls_error_t *err);

/** @brief Sink appending to @p b (borrowed; must outlive the sink). */
ls_sink_t ls_sink_buf(ls_buf_t *b);

/** @brief Sink writing to the stdio stream @p f (borrowed). */
ls_sink_t ls_sink_stdio(FILE *f);

/** @brief Source over @p len bytes at @p data (borrowed). */
ls_source_t ls_source_mem(const void *data, size_t len, const char *name);

/* A local file opened for positional reads. */
typedef struct ls_file_source_s ls_file_source_t;

/**
 * @brief Open @p path for reading; fills @p src with a source over it.
 * @param out receives the handle the caller must ls_file_source_close().
 */
ls_err_t ls_file_source_open(const char *path, ls_file_source_t **out, ls_source_t *src,
                             ls_error_t *err);
void ls_file_source_close(ls_file_source_t *fs);

/**
 * @brief Read a whole file into memory (capped at @p max bytes).
 * @param out caller owns out->data (ls_buf_free).
 */
ls_err_t ls_file_read_all(const char *path, size_t max, ls_buf_t *out, ls_error_t *err);

#endif

/*
 * io.c — memory and stdio sinks, memory and file sources.
 */
#include "lakesink/io.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lakesink/alloc.h"

static ls_err_t ls__buf_write(void *ctx, const void *data, size_t len, ls_error_t *err)
{
    ls_err_t rc = ls_buf_append(ctx, data, len);
    if (rc != LS_OK) {
        return ls_error_set(err, rc, "memory sink: cannot append %zu bytes", len);
    }
    return LS_OK;
}

ls_sink_t ls_sink_buf(ls_buf_t *b)
{
    ls_sink_t s = {ls__buf_write, b};
    return s;
}

static ls_err_t ls__stdio_write(void *ctx, const void *data, size_t len, ls_error_t *err)
{
    if (len > 0 && fwrite(data, 1, len, (FILE *)ctx) != len) {
        return ls_error_set(err, LS_ERR_IO, "write failed: %s", strerror(errno));
    }
    return LS_OK;
}

ls_sink_t ls_sink_stdio(FILE *f)
{
    ls_sink_t s = {ls__stdio_write, f};
    return s;
}

ls_err_t ls_source_read(const ls_source_t *src, uint64_t off, void *out, size_t len,
                        ls_error_t *err)
{
    if (off > src->size || len > src->size - off) {
        return ls_error_set(err, LS_ERR_CORRUPT,
                            "%s: read of %zu bytes at offset %llu is past the end (%llu bytes)",
                            src->name ? src->name : "input", len, (unsigned long long)off,
                            (unsigned long long)src->size);
    }
    if (len == 0) {
        return LS_OK;
    }
    return src->read_at(src, off, out, len, err);
}

static ls_err_t ls__mem_read(const ls_source_t *src, uint64_t off, void *out, size_t len,
                             ls_error_t *err)
{
    (void)err;
    memcpy(out, (const uint8_t *)src->ctx + off, len);
    return LS_OK;
}

ls_source_t ls_source_mem(const void *data, size_t len, const char *name)
{
    ls_source_t s = {ls__mem_read, len, (void *)(uintptr_t)data, name};
    return s;
}

struct ls_file_source_s {
    int fd;
    char *path;
};

static ls_err_t ls__file_read(const ls_source_t *src, uint64_t off, void *out, size_t len,
                              ls_error_t *err)
{
    const ls_file_source_t *fs = src->ctx;
    size_t done = 0;
    while (done < len) {
        ssize_t n = pread(fs->fd, (uint8_t *)out + done, len - done, (off_t)(off + done));
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return ls_error_set(err, LS_ERR_IO, "%s: read at offset %llu failed: %s", fs->path,
                                (unsigned long long)(off + done), strerror(errno));
        }
        if (n == 0) {
            return ls_error_set(err, LS_ERR_CORRUPT, "%s: unexpected end of file at offset %llu",
                                fs->path, (unsigned long long)(off + done));
        }
        done += (size_t)n;
    }
    return LS_OK;
}

ls_err_t ls_file_source_open(const char *path, ls_file_source_t **out, ls_source_t *src,
                             ls_error_t *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return ls_error_set(err, errno == ENOENT ? LS_ERR_NOT_FOUND : LS_ERR_IO,
                            "%s: cannot open: %s", path, strerror(errno));
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return ls_error_set(err, LS_ERR_IO, "%s: not a regular file", path);
    }
    ls_file_source_t *fs = ls_calloc(1, sizeof(*fs));
    char *p = ls_strdup(path);
    if (fs == NULL || p == NULL) {
        ls_free(fs);
        ls_free(p);
        close(fd);
        return ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", path);
    }
    fs->fd = fd;
    fs->path = p;
    src->read_at = ls__file_read;
    src->size = (uint64_t)st.st_size;
    src->ctx = fs;
    src->name = fs->path;
    *out = fs;
    return LS_OK;
}

void ls_file_source_close(ls_file_source_t *fs)
{
    if (fs == NULL) {
        return;
    }
    close(fs->fd);
    ls_free(fs->path);
    ls_free(fs);
}

ls_err_t ls_file_read_all(const char *path, size_t max, ls_buf_t *out, ls_error_t *err)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (f == NULL) {
        return ls_error_set(err, errno == ENOENT ? LS_ERR_NOT_FOUND : LS_ERR_IO,
                            "%s: cannot open: %s", path, strerror(errno));
    }
    ls_buf_init(out, max);
    ls_err_t rc = LS_OK;
    for (;;) {
        rc = ls_buf_reserve(out, 1 << 16);
        if (rc != LS_OK) {
            ls_error_set(err, rc, "%s: file larger than %zu bytes or out of memory", path, max);
            break;
        }
        size_t n = fread(out->data + out->len, 1, out->cap - out->len - 1, f);
        out->len += n;
        if (n == 0) {
            if (ferror(f)) {
                rc = ls_error_set(err, LS_ERR_IO, "%s: read failed", path);
            }
            break;
        }
    }
    if (f != stdin) {
        fclose(f);
    }
    if (rc != LS_OK) {
        ls_buf_free(out);
    }
    return rc;
}

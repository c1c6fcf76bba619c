/*
 * buf.h — a growable byte buffer with a hard cap (curl's dynbuf idea).
 *
 * The buffer owns `data`; the struct itself lives wherever the caller puts it.
 * Every append fails with LS_ERR_LIMIT instead of growing past `max`, and with
 * LS_ERR_NOMEM when the heap says no; on failure the contents are unchanged.
 */
#ifndef LAKESINK_BUF_H
#define LAKESINK_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "lakesink/error.h"

typedef struct ls_buf_s {
    uint8_t *data; /* owned; NULL until the first append */
    size_t len;
    size_t cap;
    size_t max; /* hard cap on len */
} ls_buf_t;

#define LS_BUF_UNLIMITED ((size_t)-1)

/** @brief Start empty with a hard cap of @p max bytes. Allocates nothing. */
void ls_buf_init(ls_buf_t *b, size_t max);
/** @brief Release the storage; @p b is empty (and reusable) afterwards. */
void ls_buf_free(ls_buf_t *b);
/** @brief Forget the contents, keep the storage. */
static inline void ls_buf_reset(ls_buf_t *b) { b->len = 0; }
/** @brief Make room for @p extra more bytes. */
ls_err_t ls_buf_reserve(ls_buf_t *b, size_t extra);
/** @brief Append @p n bytes. */
ls_err_t ls_buf_append(ls_buf_t *b, const void *p, size_t n);
/** @brief Append a NUL-terminated string (without its NUL). */
ls_err_t ls_buf_append_str(ls_buf_t *b, const char *s);
/** @brief Append one byte. */
ls_err_t ls_buf_append_byte(ls_buf_t *b, uint8_t c);
/** @brief Append printf-style text. */
ls_err_t ls_buf_printf(ls_buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
ls_err_t ls_buf_vprintf(ls_buf_t *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/**
 * @brief Append @p len bytes of @p s as a JSON string literal: quotes, escapes for '"',
 * '\\' and control characters; bytes that are not valid UTF-8 become U+FFFD, so the
 * output is always valid JSON.
 */
ls_err_t ls_json_append_string(ls_buf_t *out, const char *s, size_t len);
/** @brief Ensure data[len] == '\0' (not counted in len) so data can be used as a C string. */
ls_err_t ls_buf_terminate(ls_buf_t *b);
/**
 * @brief Take ownership of the storage: returns data (caller must ls_free it) and
 * leaves @p b empty. Returns NULL for an empty buffer that never allocated.
 */
uint8_t *ls_buf_steal(ls_buf_t *b, size_t *len);

/* Fast append for hot loops after ls_buf_reserve(); no checks. */
static inline void ls_buf_put_unchecked(ls_buf_t *b, const void *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        b->data[b->len + i] = ((const uint8_t *)p)[i];
    }
    b->len += n;
}

#endif

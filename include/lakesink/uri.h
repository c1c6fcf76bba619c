/*
 * uri.h — RFC 2396/3986 percent-decoding and random identifiers: the small text
 * utilities both the Delta log (add paths, table ids) and the data-file side (file names)
 * need, in one place.
 */
#ifndef LAKESINK_URI_H
#define LAKESINK_URI_H

#include <stddef.h>

#include "lakesink/buf.h"
#include "lakesink/error.h"

/** @brief Value of hex digit @p c (either case), or -1. */
int ls_hex_digit(char c);

/**
 * @brief Append the percent-decoded form of @p len bytes at @p s to @p out ("+" is kept:
 * paths, not form data). A malformed escape or an encoded NUL is LS_ERR_PARSE naming
 * the byte; on error @p out is as before.
 */
ls_err_t ls_uri_decode(const char *s, size_t len, ls_buf_t *out, ls_error_t *err);

/**
 * @brief Fill @p buf with @p n random bytes from the kernel; if it cannot answer, from a
 * clock-seeded generator (callers need uniqueness, not secrecy).
 */
void ls_random_bytes(void *buf, size_t n);

/** @brief A random (version 4) UUID in its 36-character text form, NUL-terminated. */
void ls_uuid4(char out[37]);

#endif

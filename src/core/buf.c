/*
 * buf.c — capped growable byte buffer.
 */
#include "lakesink/buf.h"

#include <stdio.h>
#include <string.h>

#include "lakesink/alloc.h"
#include "lakesink/utf8.h"

void ls_buf_init(ls_buf_t *b, size_t max)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max;
}

void ls_buf_free(ls_buf_t *b)
{
    ls_free(b->data);
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
}

ls_err_t ls_buf_reserve(ls_buf_t *b, size_t extra)
{
    if (extra > b->max - b->len || b->len + extra + 1 < extra) {
        return LS_ERR_LIMIT;
    }
    size_t need = b->len + extra + 1; /* +1 keeps room for ls_buf_terminate */
    if (need <= b->cap) {
        return LS_OK;
    }
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need) {
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    }
    uint8_t *p = ls_realloc(b->data, cap);
    if (p == NULL) {
        return LS_ERR_NOMEM;
    }
    b->data = p;
    b->cap = cap;
    return LS_OK;
}

ls_err_t ls_buf_append(ls_buf_t *b, const void *p, size_t n)
{
    if (n == 0) {
        return LS_OK;
    }
    LS_TRY(ls_buf_reserve(b, n));
    memcpy(b->data + b->len, p, n);
    b->len += n;
    return LS_OK;
}

ls_err_t ls_buf_append_str(ls_buf_t *b, const char *s)
{
    return ls_buf_append(b, s, strlen(s));
}

ls_err_t ls_buf_append_byte(ls_buf_t *b, uint8_t c)
{
    if (b->len + 1 >= b->cap) {
        LS_TRY(ls_buf_reserve(b, 1));
    } else if (b->len >= b->max) {
        return LS_ERR_LIMIT;
    }
    b->data[b->len++] = c;
    return LS_OK;
}

ls_err_t ls_buf_vprintf(ls_buf_t *b, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    char small[256];
    int n = vsnprintf(small, sizeof(small), fmt, ap2);
    va_end(ap2);
    if (n < 0) {
        return LS_ERR_INVALID_ARG;
    }
    if ((size_t)n < sizeof(small)) {
        return ls_buf_append(b, small, (size_t)n);
    }
    LS_TRY(ls_buf_reserve(b, (size_t)n));
    vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
    return LS_OK;
}

ls_err_t ls_buf_printf(ls_buf_t *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    ls_err_t rc = ls_buf_vprintf(b, fmt, ap);
    va_end(ap);
    return rc;
}

ls_err_t ls_buf_terminate(ls_buf_t *b)
{
    if (b->len >= b->cap) {
        if (b->max == b->len) {
            /* reserve(0) still needs len+1 <= cap; allow the NUL past max */
            size_t saved = b->max;
            b->max = b->len + 1;
            ls_err_t rc = ls_buf_reserve(b, 0);
            b->max = saved;
            LS_TRY(rc);
        } else {
            LS_TRY(ls_buf_reserve(b, 0));
        }
    }
    b->data[b->len] = '\0';
    return LS_OK;
}

uint8_t *ls_buf_steal(ls_buf_t *b, size_t *len)
{
    uint8_t *p = b->data;
    if (len != NULL) {
        *len = b->len;
    }
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    return p;
}

ls_err_t ls_json_append_string(ls_buf_t *out, const char *str, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    const uint8_t *s = (const uint8_t *)str;
    LS_TRY(ls_buf_reserve(out, n + 2));
    out->data[out->len++] = '"';
    size_t start = 0, i = 0;
    while (i < n) {
        uint8_t c = s[i];
        if (c >= 0x20 && c != '"' && c != '\\') {
            size_t k = c < 0x80 ? 1 : ls_utf8_seq(s + i, s + n);
            if (k > 0) {
                i += k;
                continue;
            }
        }
        LS_TRY(ls_buf_append(out, s + start, i - start));
        char esc[7] = {'\\', 0, 0, 0, 0, 0, 0};
        size_t en = 2;
        switch (c) {
        case '"': esc[1] = '"'; break;
        case '\\': esc[1] = '\\'; break;
        case '\n': esc[1] = 'n'; break;
        case '\r': esc[1] = 'r'; break;
        case '\t': esc[1] = 't'; break;
        case '\b': esc[1] = 'b'; break;
        case '\f': esc[1] = 'f'; break;
        default:
            if (c < 0x20) {
                memcpy(esc + 1, "u00", 3);
                esc[4] = hex[c >> 4];
                esc[5] = hex[c & 15];
            } else {
                memcpy(esc + 1, "ufffd", 5); /* a byte that is not valid UTF-8 */
            }
            en = 6;
        }
        LS_TRY(ls_buf_append(out, esc, en));
        start = ++i;
    }
    LS_TRY(ls_buf_append(out, s + start, n - start));
    return ls_buf_append_byte(out, '"');
}

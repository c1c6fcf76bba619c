/*
 * buf.c — capped growable byte buffer.
 */
#include "lakesink/buf.h"

#include <stdio.h>
#include <string.h>

#include "lakesink/alloc.h"

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

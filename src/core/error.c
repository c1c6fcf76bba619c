/*
 * error.c — code table lookups and formatting of ls_error_t messages.
 */
#include "lakesink/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *const ls__err_names[] = {
#define LS__ERR_NAME(code, text) #code,
    LS_ERROR_TABLE(LS__ERR_NAME)
#undef LS__ERR_NAME
};

static const char *const ls__err_texts[] = {
#define LS__ERR_TEXT(code, text) text,
    LS_ERROR_TABLE(LS__ERR_TEXT)
#undef LS__ERR_TEXT
};

const char *ls_err_name(ls_err_t code)
{
    if ((unsigned)code >= (unsigned)LS_ERR__COUNT) {
        return "LS_ERR_UNKNOWN";
    }
    return ls__err_names[code];
}

const char *ls_err_str(ls_err_t code)
{
    if ((unsigned)code >= (unsigned)LS_ERR__COUNT) {
        return "unknown error";
    }
    return ls__err_texts[code];
}

void ls_error_clear(ls_error_t *err)
{
    if (err == NULL) {
        return;
    }
    err->code = LS_OK;
    err->retriable = false;
    err->fatal = false;
    err->msg[0] = '\0';
}

ls_err_t ls_error_set(ls_error_t *err, ls_err_t code, const char *fmt, ...)
{
    if (err == NULL) {
        return code;
    }
    err->code = code;
    err->retriable = false;
    err->fatal = false;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
    if (n < 0) {
        snprintf(err->msg, sizeof(err->msg), "%s", ls_err_str(code));
    }
    return code;
}

ls_err_t ls_error_prefix(ls_error_t *err, const char *fmt, ...)
{
    if (err == NULL) {
        return LS_OK;
    }
    char head[LS_ERROR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(head, sizeof(head), fmt, ap);
    va_end(ap);
    if (n > 0) {
        /* shift the old message right and put the prefix in front, truncating the tail */
        size_t hl = (size_t)n < sizeof(err->msg) - 1 ? (size_t)n : sizeof(err->msg) - 1;
        size_t ol = strnlen(err->msg, sizeof(err->msg) - 1);
        if (ol > sizeof(err->msg) - 1 - hl) {
            ol = sizeof(err->msg) - 1 - hl;
        }
        memmove(err->msg + hl, err->msg, ol);
        memcpy(err->msg, head, hl);
        err->msg[hl + ol] = '\0';
    }
    return err->code;
}

ls_err_t ls_error_retriable(ls_error_t *err)
{
    if (err == NULL) {
        return LS_OK;
    }
    err->retriable = true;
    return err->code;
}

/*
 * error.h — error codes and the error object every fallible lakesink call fills.
 *
 * Responsible for: the code table (one X-macro), names and default texts, and a
 * fixed-size message buffer so reporting an error never allocates.
 * Not responsible for: logging (see log.h) or retry policy (callers read the flags).
 */
#ifndef LAKESINK_ERROR_H
#define LAKESINK_ERROR_H

#include <stdbool.h>
#include <stddef.h>

/* code, default text */
#define LS_ERROR_TABLE(X)                                                     \
    X(LS_OK, "success")                                                       \
    X(LS_ERR_NOMEM, "out of memory")                                          \
    X(LS_ERR_INVALID_ARG, "invalid argument")                                 \
    X(LS_ERR_IO, "input/output error")                                        \
    X(LS_ERR_CORRUPT, "corrupt data")                                         \
    X(LS_ERR_UNSUPPORTED, "unsupported feature")                              \
    X(LS_ERR_PARSE, "parse error")                                            \
    X(LS_ERR_SCHEMA, "schema mismatch")                                       \
    X(LS_ERR_LIMIT, "limit exceeded")                                         \
    X(LS_ERR_NOT_FOUND, "not found")                                          \
    X(LS_ERR_EXISTS, "already exists")                                        \
    X(LS_ERR_CONFLICT, "conflict")                                            \
    X(LS_ERR_TIMEOUT, "timed out")                                            \
    X(LS_ERR_CONFIG, "invalid configuration")                                 \
    X(LS_ERR_STATE, "invalid state")                                          \
    X(LS_ERR_CODEC, "compression codec error")                                \
    X(LS_ERR_CLOSED, "closed")                                                \
    X(LS_ERR_RETRY, "transient failure, retry")

typedef enum {
#define LS__ERR_ENUM(code, text) code,
    LS_ERROR_TABLE(LS__ERR_ENUM)
#undef LS__ERR_ENUM
        LS_ERR__COUNT
} ls_err_t;

#define LS_ERROR_MSG_MAX 512

/*
 * An error report. Lives wherever the caller puts it (usually the stack); holds no
 * pointers, so it needs no cleanup. `retriable` says a retry may succeed (network,
 * throttling); `fatal` says the object that produced it must not be used again.
 */
typedef struct ls_error_s {
    ls_err_t code;
    bool retriable;
    bool fatal;
    char msg[LS_ERROR_MSG_MAX];
} ls_error_t;

/** @brief Upper-case symbolic name of a code ("LS_ERR_PARSE"). Never NULL. */
const char *ls_err_name(ls_err_t code);

/** @brief Default human text of a code ("parse error"). Never NULL. */
const char *ls_err_str(ls_err_t code);

/** @brief Reset @p err to LS_OK with an empty message. @p err may be NULL. */
void ls_error_clear(ls_error_t *err);

/**
 * @brief Fill @p err with @p code and a printf-style message.
 * @param err may be NULL (the message is dropped).
 * @returns @p code, so callers can write `return ls_error_set(err, LS_ERR_X, ...)`.
 */
ls_err_t ls_error_set(ls_error_t *err, ls_err_t code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/**
 * @brief Prepend context ("reading foo.parquet: ") to an existing message.
 * @returns the code already in @p err (LS_OK if @p err is NULL).
 */
ls_err_t ls_error_prefix(ls_error_t *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/** @brief Mark @p err retriable and return its code. */
ls_err_t ls_error_retriable(ls_error_t *err);

/* Propagate a non-OK code from an expression. */
#define LS_TRY(expr)                                                          \
    do {                                                                      \
        ls_err_t ls__rc = (expr);                                             \
        if (ls__rc != LS_OK) {                                                \
            return ls__rc;                                                    \
        }                                                                     \
    } while (0)

#endif

/*
 * http.h — a small HTTP/1.1 server for GET/HEAD endpoints (/healthz, /readyz, /metrics,
 * /status), built on libmicrohttpd with one internal thread.
 *
 * Responsible for: binding the listen address, exact-path routing, 404/405 answers, caps
 * (connections, idle timeout, response body size) and turning a handler's output into a
 * response. Not responsible for: what the endpoints say (the daemon's handlers), TLS,
 * authentication, request bodies or query strings (ignored).
 *
 * Threads: ls_http_new/route/start/free are called by the owner thread (one at a time).
 * Handlers run on the server's own thread, one request at a time, so a handler must be
 * quick and must only touch state that is safe to read from another thread (e.g. a
 * metrics registry). Handlers keep running until ls_http_free() returns; their contexts
 * must outlive the server.
 */
#ifndef LAKESINK_HTTP_H
#define LAKESINK_HTTP_H

#include <stddef.h>

#include "lakesink/buf.h"
#include "lakesink/error.h"

typedef struct ls_http_s ls_http_t;

#define LS_HTTP_MAX_ROUTES 32
#define LS_HTTP_MAX_CONNECTIONS 32   /* more wait in the listen backlog */
#define LS_HTTP_TIMEOUT_S 10         /* idle keep-alive connections are closed after this */
#define LS_HTTP_BODY_MAX (16u << 20) /* default response body cap */
#define LS_HTTP_DEFAULT_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/**
 * @brief Produce one response.
 * @param ctx the pointer given to ls_http_route().
 * @param body empty buffer, capped at the server's body limit; the server owns it. When an
 *        append fails (LS_ERR_LIMIT, LS_ERR_NOMEM) the handler should return 500.
 * @param content_type set to a static (or ctx-owned, long-lived) string, or leave NULL for
 *        LS_HTTP_DEFAULT_CONTENT_TYPE.
 * @returns the HTTP status (100..599; anything else is answered as 500 with no body).
 * @locality the server's thread.
 */
typedef int (*ls_http_handler_fn)(void *ctx, ls_buf_t *body, const char **content_type);

/**
 * @brief A server for @p listen, not yet bound.
 * @param listen "HOST:PORT": HOST an IPv4 literal ("0.0.0.0" for every interface) or
 *        "localhost"; PORT 0..65535, 0 picks an ephemeral port at start.
 * @returns the server (caller owns it: ls_http_free), or NULL with @p err set
 * (LS_ERR_CONFIG for a malformed address, LS_ERR_NOMEM).
 */
ls_http_t *ls_http_new(const char *listen, ls_error_t *err);

/**
 * @brief Answer GET and HEAD of exactly @p path (query strings ignored) with @p fn.
 * Only before ls_http_start().
 * @param path starts with '/'; copied.
 * @returns LS_OK, LS_ERR_INVALID_ARG, LS_ERR_EXISTS (path already routed), LS_ERR_LIMIT
 * (LS_HTTP_MAX_ROUTES), LS_ERR_STATE (already started) or LS_ERR_NOMEM.
 */
ls_err_t ls_http_route(ls_http_t *h, const char *path, ls_http_handler_fn fn, void *ctx,
                       ls_error_t *err);

/**
 * @brief Change the response body cap (default LS_HTTP_BODY_MAX). Only before start.
 * @returns LS_OK, LS_ERR_INVALID_ARG (0) or LS_ERR_STATE.
 */
ls_err_t ls_http_set_body_max(ls_http_t *h, size_t max);

/**
 * @brief Bind, listen and start serving on the server's thread.
 * @returns LS_OK; LS_ERR_IO naming the address and the system's reason when it cannot be
 * bound (e.g. "address already in use"); LS_ERR_STATE when already started.
 */
ls_err_t ls_http_start(ls_http_t *h, ls_error_t *err);

/** @brief The bound port after a successful start (useful with port 0); -1 before. */
int ls_http_port(const ls_http_t *h);

/**
 * @brief Stop serving (waits for the server thread, so no handler runs after it returns),
 * close every connection and free the server. NULL is fine.
 */
void ls_http_free(ls_http_t *h);

#endif

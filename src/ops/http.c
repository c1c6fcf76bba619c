/*
 * http.c — the ops HTTP server: address parsing, our own listen socket (so a bind failure
 * reports the system's reason), and a libmicrohttpd daemon with one internal polling thread
 * that routes GET/HEAD by exact path to the registered handlers.
 *
 * Not responsible for: endpoint contents (handlers), TLS, request bodies.
 */
#include "lakesink/http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lakesink/alloc.h"
#include "lakesink/log.h"

#define LISTEN_BACKLOG 64
#define CONN_MEMORY (32 * 1024) /* per connection: request line and headers */
#define ADDR_MAX 64

typedef struct {
    char *path; /* owned */
    ls_http_handler_fn fn;
    void *ctx;
} route_t;

struct ls_http_s {
    char listen[ADDR_MAX]; /* as configured, for messages */
    struct sockaddr_in addr;
    route_t routes[LS_HTTP_MAX_ROUTES]; /* immutable once started: the server thread reads it */
    size_t nroutes;
    size_t body_max;
    int port;             /* bound port, -1 before start */
    struct MHD_Daemon *d; /* owned; NULL until started */
};

/* ---- address ------------------------------------------------------------------------ */

static bool parse_port(const char *s, uint16_t *port)
{
    unsigned long v = 0;
    size_t n = strlen(s);
    if (n == 0 || n > 5) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return false;
        }
        v = v * 10 + (unsigned long)(s[i] - '0');
    }
    if (v > 65535) {
        return false;
    }
    *port = (uint16_t)v;
    return true;
}

static ls_err_t parse_listen(const char *listen, struct sockaddr_in *addr, ls_error_t *err)
{
    const char *colon = listen != NULL ? strrchr(listen, ':') : NULL;
    if (colon == NULL || strlen(listen) >= ADDR_MAX) {
        return ls_error_set(err, LS_ERR_CONFIG, "http listen address \"%s\": expected HOST:PORT",
                            listen != NULL ? listen : "(null)");
    }
    char host[ADDR_MAX];
    snprintf(host, sizeof(host), "%.*s", (int)(colon - listen), listen);
    uint16_t port;
    if (!parse_port(colon + 1, &port)) {
        return ls_error_set(err, LS_ERR_CONFIG,
                            "http listen address \"%s\": port must be a number 0..65535", listen);
    }
    memset(addr, 0, sizeof(*addr));
    addr->sin_family = AF_INET;
    addr->sin_port = htons(port);
    if (strcmp(host, "localhost") == 0) {
        addr->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    } else if (inet_pton(AF_INET, host, &addr->sin_addr) != 1) {
        return ls_error_set(err, LS_ERR_CONFIG,
                            "http listen address \"%s\": host must be an IPv4 address or localhost",
                            listen);
    }
    return LS_OK;
}

/* ---- requests (server thread) ------------------------------------------------------- */

/* Queue @p len bytes of @p data (ls_malloc'ed, taken over; NULL when empty) as the answer. */
static enum MHD_Result respond(struct MHD_Connection *conn, int status, void *data, size_t len,
                               const char *content_type, bool allow)
{
    struct MHD_Response *r;
    if (data != NULL) {
        r = MHD_create_response_from_buffer_with_free_callback(len, data, ls_free);
    } else {
        r = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    }
    if (r == NULL) {
        ls_free(data);
        return MHD_NO; /* MHD closes the connection */
    }
    if (MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, content_type) != MHD_YES) {
        /* a handler's content type with CR/LF or other junk: fall back to the default */
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, LS_HTTP_DEFAULT_CONTENT_TYPE);
    }
    if (allow) {
        MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
    }
    enum MHD_Result ret = MHD_queue_response(conn, (unsigned int)status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result respond_text(struct MHD_Connection *conn, int status, const char *text,
                                    bool allow)
{
    size_t len = strlen(text);
    void *copy = ls_memdup(text, len);
    if (copy == NULL) {
        return MHD_NO;
    }
    return respond(conn, status, copy, len, "text/plain; charset=utf-8", allow);
}

static const route_t *find_route(const ls_http_t *h, const char *path)
{
    for (size_t i = 0; i < h->nroutes; i++) {
        if (strcmp(h->routes[i].path, path) == 0) {
            return &h->routes[i];
        }
    }
    return NULL;
}

static enum MHD_Result run_handler(const ls_http_t *h, const route_t *rt,
                                   struct MHD_Connection *conn)
{
    ls_buf_t body;
    ls_buf_init(&body, h->body_max);
    const char *ct = NULL;
    int status = rt->fn(rt->ctx, &body, &ct);
    if (status < 100 || status > 599) {
        ls_logf(LS_LOG_WARN, "http", "handler of %s returned invalid status %d; answering 500",
                rt->path, status);
        ls_buf_free(&body);
        return respond_text(conn, 500, "internal error\n", false);
    }
    size_t len = 0;
    void *data = ls_buf_steal(&body, &len);
    if (len == 0) {
        ls_free(data);
        data = NULL;
    }
    return respond(conn, status, data, len, ct != NULL ? ct : LS_HTTP_DEFAULT_CONTENT_TYPE, false);
}

/* Whether the request announces a body (which a GET/HEAD endpoint never reads). */
static bool has_body(struct MHD_Connection *conn)
{
    const char *cl =
        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    const char *te =
        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING);
    return te != NULL || (cl != NULL && strspn(cl, "0") != strlen(cl));
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **req_cls)
{
    (void)version;
    (void)upload_data;
    const ls_http_t *h = cls;
    /* Refusals are queued on the first call (headers only); MHD then closes the connection,
     * which is what we want for a request body we will not read. */
    if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0) {
        return respond_text(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed\n", true);
    }
    if (*req_cls == NULL) {
        if (has_body(conn)) {
            return respond_text(conn, MHD_HTTP_CONTENT_TOO_LARGE, "request body not accepted\n",
                                false);
        }
        /* Answer on the next call, once the request is complete: an answer queued earlier
         * makes MHD close the connection, which would defeat keep-alive for scrapers. */
        *req_cls = (void *)h;
        return MHD_YES;
    }
    if (*upload_data_size != 0) {
        *upload_data_size = 0; /* cannot happen without a body header; drop it if it does */
        return MHD_YES;
    }
    const route_t *rt = find_route(h, url);
    if (rt == NULL) {
        return respond_text(conn, MHD_HTTP_NOT_FOUND, "not found\n", false);
    }
    return run_handler(h, rt, conn);
}

/* MHD's own diagnostics go to the JSON log at debug level: nearly all of them are about one
 * misbehaving client (oversized headers, resets, timeouts), and a scraper gone wrong must not
 * flood the log. Failures to start are reported by ls_http_start() itself. */
__attribute__((format(printf, 2, 0))) static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    const ls_http_t *h = cls;
    char msg[512];
    vsnprintf(msg, sizeof(msg), fmt, ap);
    size_t n = strlen(msg);
    while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == '\r')) {
        msg[--n] = '\0';
    }
    ls_log_kv(LS_LOG_DEBUG, "http", msg, "listen", h->listen, NULL);
}

/* ---- lifecycle (owner thread) ------------------------------------------------------- */

ls_http_t *ls_http_new(const char *listen, ls_error_t *err)
{
    struct sockaddr_in addr;
    if (parse_listen(listen, &addr, err) != LS_OK) {
        return NULL;
    }
    ls_http_t *h = ls_calloc(1, sizeof(*h));
    if (h == NULL) {
        ls_error_set(err, LS_ERR_NOMEM, "http server for %s: out of memory", listen);
        return NULL;
    }
    snprintf(h->listen, sizeof(h->listen), "%s", listen);
    h->addr = addr;
    h->body_max = LS_HTTP_BODY_MAX;
    h->port = -1;
    return h;
}

ls_err_t ls_http_route(ls_http_t *h, const char *path, ls_http_handler_fn fn, void *ctx,
                       ls_error_t *err)
{
    if (h == NULL || path == NULL || path[0] != '/' || fn == NULL) {
        return ls_error_set(err, LS_ERR_INVALID_ARG,
                            "http route: path must start with '/' "
                            "and have a handler");
    }
    if (h->d != NULL) {
        return ls_error_set(err, LS_ERR_STATE, "http route %s: server already started", path);
    }
    if (find_route(h, path) != NULL) {
        return ls_error_set(err, LS_ERR_EXISTS, "http route %s: already routed", path);
    }
    if (h->nroutes >= LS_HTTP_MAX_ROUTES) {
        return ls_error_set(err, LS_ERR_LIMIT, "http route %s: more than %d routes", path,
                            LS_HTTP_MAX_ROUTES);
    }
    char *copy = ls_strdup(path);
    if (copy == NULL) {
        return ls_error_set(err, LS_ERR_NOMEM, "http route %s: out of memory", path);
    }
    h->routes[h->nroutes++] = (route_t){.path = copy, .fn = fn, .ctx = ctx};
    return LS_OK;
}

ls_err_t ls_http_set_body_max(ls_http_t *h, size_t max)
{
    if (h == NULL || max == 0) {
        return LS_ERR_INVALID_ARG;
    }
    if (h->d != NULL) {
        return LS_ERR_STATE;
    }
    h->body_max = max;
    return LS_OK;
}

/* Bind and listen ourselves: MHD_start_daemon only says "failed", the user needs to know why. */
static ls_err_t open_listener(ls_http_t *h, int *fd_out, ls_error_t *err)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        return ls_error_set(err, LS_ERR_IO, "http: cannot create a socket for %s: %s", h->listen,
                            strerror(errno));
    }
    int on = 1;
    /* a restarted daemon must not wait out TIME_WAIT; a live listener still gets EADDRINUSE */
    (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
    struct sockaddr_in bound;
    socklen_t blen = sizeof(bound);
    if (bind(fd, (const struct sockaddr *)&h->addr, sizeof(h->addr)) != 0 ||
        listen(fd, LISTEN_BACKLOG) != 0 || getsockname(fd, (struct sockaddr *)&bound, &blen) != 0) {
        int e = errno;
        close(fd);
        return ls_error_set(err, LS_ERR_IO, "http: cannot listen on %s: %s", h->listen,
                            strerror(e));
    }
    h->port = ntohs(bound.sin_port);
    *fd_out = fd;
    return LS_OK;
}

/* A failed MHD_start_daemon closes the listen socket we gave it on some paths and not on
 * others: close @p fd only if it is still that socket, never a number reused meanwhile. */
static void close_if_same(int fd, const struct stat *before)
{
    struct stat now;
    if (before->st_ino != 0 && fstat(fd, &now) == 0 && now.st_ino == before->st_ino &&
        now.st_dev == before->st_dev) {
        close(fd);
    }
}

ls_err_t ls_http_start(ls_http_t *h, ls_error_t *err)
{
    if (h == NULL) {
        return ls_error_set(err, LS_ERR_INVALID_ARG, "http start: no server");
    }
    if (h->d != NULL) {
        return ls_error_set(err, LS_ERR_STATE, "http server on %s: already started", h->listen);
    }
    int fd = -1;
    LS_TRY(open_listener(h, &fd, err));
    struct stat before;
    if (fstat(fd, &before) != 0) {
        memset(&before, 0, sizeof(before));
    }
    h->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ERROR_LOG, 0,
                            NULL, NULL, on_request, h, MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, h,
                            MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_CONNECTION_LIMIT,
                            (unsigned int)LS_HTTP_MAX_CONNECTIONS, MHD_OPTION_CONNECTION_TIMEOUT,
                            (unsigned int)LS_HTTP_TIMEOUT_S, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
                            (size_t)CONN_MEMORY, MHD_OPTION_END);
    if (h->d == NULL) {
        close_if_same(fd, &before);
        h->port = -1;
        return ls_error_set(err, LS_ERR_IO, "http: cannot start the server on %s", h->listen);
    }
    return LS_OK;
}

int ls_http_port(const ls_http_t *h)
{
    return h != NULL && h->d != NULL ? h->port : -1;
}

void ls_http_free(ls_http_t *h)
{
    if (h == NULL) {
        return;
    }
    if (h->d != NULL) {
        MHD_stop_daemon(h->d); /* joins the thread and closes the listen socket */
    }
    for (size_t i = 0; i < h->nroutes; i++) {
        ls_free(h->routes[i].path);
    }
    ls_free(h);
}

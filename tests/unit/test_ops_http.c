/*
 * test_ops_http.c — the ops HTTP server end to end, through a raw-socket HTTP/1.1 client:
 * routing, 404/405, HEAD, content types, handler failures, the body cap, port 0, two servers
 * at once, bind failures, restart on the same port, concurrent clients, /metrics.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "lakesink/alloc.h"
#include "lakesink/http.h"
#include "lakesink/metrics.h"
#include "testutil.h"

/* ---- a minimal client ------------------------------------------------------------- */

typedef struct {
    int status;
    char content_type[128];
    char allow[64];
    long content_length; /* -1 when absent */
    char body[8192];
    size_t body_len;
    size_t total; /* bytes received, headers included */
} reply_t;

static int connect_to(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct timeval tv = {.tv_sec = 10};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    return fd;
}

/* Copy the value of header @p name (case-insensitive) from @p head into @p out. */
static void header_value(const char *head, const char *name, char *out, size_t size)
{
    out[0] = '\0';
    size_t nl = strlen(name);
    for (const char *p = strstr(head, "\r\n"); p != NULL; p = strstr(p + 2, "\r\n")) {
        const char *line = p + 2;
        if (strncasecmp(line, name, nl) == 0 && line[nl] == ':') {
            const char *v = line + nl + 1;
            while (*v == ' ') {
                v++;
            }
            const char *end = strstr(v, "\r\n");
            snprintf(out, size, "%.*s", (int)(end != NULL ? end - v : (long)strlen(v)), v);
            return;
        }
    }
}

static void parse_reply(char *raw, size_t n, reply_t *r)
{
    raw[n] = '\0';
    char *sep = strstr(raw, "\r\n\r\n");
    assert_non_null(sep);
    sep[2] = '\0'; /* keep the last header's CRLF for header_value */
    assert_int_equal(sscanf(raw, "HTTP/1.%*d %d", &r->status), 1);
    header_value(raw, "Content-Type", r->content_type, sizeof(r->content_type));
    header_value(raw, "Allow", r->allow, sizeof(r->allow));
    char cl[32];
    header_value(raw, "Content-Length", cl, sizeof(cl));
    r->content_length = cl[0] != '\0' ? strtol(cl, NULL, 10) : -1;
    size_t head = (size_t)(sep + 4 - raw);
    r->body_len = n - head;
    size_t copy = r->body_len < sizeof(r->body) - 1 ? r->body_len : sizeof(r->body) - 1;
    memcpy(r->body, sep + 4, copy);
    r->body[copy] = '\0';
}

/* One request with `Connection: close`; reads until the server closes. */
static void request(int port, const char *method, const char *path, reply_t *r)
{
    memset(r, 0, sizeof(*r));
    int fd = connect_to(port);
    char req[512];
    int len =
        snprintf(req, sizeof(req), "%s %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
                 method, path);
    assert_int_equal(send(fd, req, (size_t)len, MSG_NOSIGNAL), len);
    size_t cap = 1 << 20, n = 0;
    char *raw = ls_malloc(cap + 1);
    assert_non_null(raw);
    for (;;) {
        ssize_t got = recv(fd, raw + n, cap - n, 0);
        assert_true(got >= 0);
        if (got == 0) {
            break;
        }
        n += (size_t)got;
        assert_true(n < cap);
    }
    close(fd);
    r->total = n;
    parse_reply(raw, n, r);
    ls_free(raw);
}

/* ---- handlers ------------------------------------------------------------------------ */

static int hello(void *ctx, ls_buf_t *body, const char **ct)
{
    (void)ct;
    int *calls = ctx;
    (*calls)++;
    return ls_buf_append_str(body, "hello\n") == LS_OK ? 200 : 500;
}

static int json(void *ctx, ls_buf_t *body, const char **ct)
{
    (void)ctx;
    *ct = "application/json";
    return ls_buf_append_str(body, "{\"ok\":true}") == LS_OK ? 503 : 500;
}

static int bad_status(void *ctx, ls_buf_t *body, const char **ct)
{
    (void)ctx;
    (void)ct;
    ls_buf_append_str(body, "ignored");
    return 42;
}

static int empty(void *ctx, ls_buf_t *body, const char **ct)
{
    (void)ctx;
    (void)body;
    (void)ct;
    return 204;
}

static int bad_ctype(void *ctx, ls_buf_t *body, const char **ct)
{
    (void)ctx;
    *ct = "text/plain\r\nX-Injected: 1";
    return ls_buf_append_str(body, "x") == LS_OK ? 200 : 500;
}

/* Writes 1000 bytes; returns 500 when the server's body cap refuses them. */
static int big(void *ctx, ls_buf_t *body, const char **ct)
{
    (void)ctx;
    (void)ct;
    for (int i = 0; i < 100; i++) {
        if (ls_buf_append_str(body, "0123456789") != LS_OK) {
            ls_buf_reset(body);
            return 500;
        }
    }
    return 200;
}

static int metrics(void *ctx, ls_buf_t *body, const char **ct)
{
    (void)ct;
    return ls_metrics_render(ctx, body) == LS_OK ? 200 : 500;
}

static ls_http_t *start_server(const char *listen, int *calls)
{
    ls_error_t err;
    ls_http_t *h = ls_http_new(listen, &err);
    assert_non_null(h);
    assert_int_equal(ls_http_route(h, "/hello", hello, calls, &err), LS_OK);
    assert_int_equal(ls_http_route(h, "/json", json, NULL, &err), LS_OK);
    assert_int_equal(ls_http_route(h, "/bad", bad_status, NULL, &err), LS_OK);
    assert_int_equal(ls_http_route(h, "/empty", empty, NULL, &err), LS_OK);
    assert_int_equal(ls_http_route(h, "/ctype", bad_ctype, NULL, &err), LS_OK);
    assert_int_equal(ls_http_start(h, &err), LS_OK);
    assert_true(ls_http_port(h) > 0);
    return h;
}

/* ---- tests --------------------------------------------------------------------------- */

static void test_routes_and_statuses(void **state)
{
    (void)state;
    int calls = 0;
    ls_http_t *h = start_server("127.0.0.1:0", &calls);
    int port = ls_http_port(h);
    reply_t r;
    request(port, "GET", "/hello", &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "hello\n");
    assert_int_equal(r.content_length, 6);
    assert_string_equal(r.content_type, LS_HTTP_DEFAULT_CONTENT_TYPE);

    request(port, "GET", "/hello?x=1&y", &r); /* query strings are ignored */
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "hello\n");

    request(port, "GET", "/json", &r);
    assert_int_equal(r.status, 503);
    assert_string_equal(r.content_type, "application/json");
    assert_string_equal(r.body, "{\"ok\":true}");

    request(port, "GET", "/nope", &r);
    assert_int_equal(r.status, 404);
    request(port, "GET", "/hello/", &r); /* exact paths only */
    assert_int_equal(r.status, 404);

    const char *methods[] = {"POST", "PUT", "DELETE", "OPTIONS", "PATCH"};
    for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
        request(port, methods[i], "/hello", &r);
        assert_int_equal(r.status, 405);
        assert_string_equal(r.allow, "GET, HEAD");
    }
    request(port, "POST", "/nope", &r);
    assert_int_equal(r.status, 405);

    request(port, "HEAD", "/hello", &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.body_len, 0);
    assert_int_equal(r.content_length, 6);
    assert_int_equal(calls, 3);
    ls_http_free(h);
}

static void test_handler_failures(void **state)
{
    (void)state;
    int calls = 0;
    ls_http_t *h = start_server("localhost:0", &calls);
    int port = ls_http_port(h);
    reply_t r;
    request(port, "GET", "/bad", &r);
    assert_int_equal(r.status, 500);
    assert_null(strstr(r.body, "ignored"));
    request(port, "GET", "/empty", &r);
    assert_int_equal(r.status, 204);
    assert_int_equal(r.body_len, 0);
    request(port, "GET", "/ctype", &r); /* header injection refused: default type instead */
    assert_int_equal(r.status, 200);
    assert_string_equal(r.content_type, LS_HTTP_DEFAULT_CONTENT_TYPE);
    /* the server still answers after all that */
    request(port, "GET", "/hello", &r);
    assert_int_equal(r.status, 200);
    ls_http_free(h);
}

static void test_body_cap(void **state)
{
    (void)state;
    ls_error_t err;
    ls_http_t *small = ls_http_new("127.0.0.1:0", &err);
    ls_http_t *large = ls_http_new("127.0.0.1:0", &err);
    assert_int_equal(ls_http_set_body_max(small, 999), LS_OK);
    assert_int_equal(ls_http_set_body_max(large, 1000), LS_OK);
    assert_int_equal(ls_http_set_body_max(large, 0), LS_ERR_INVALID_ARG);
    assert_int_equal(ls_http_route(small, "/big", big, NULL, &err), LS_OK);
    assert_int_equal(ls_http_route(large, "/big", big, NULL, &err), LS_OK);
    assert_int_equal(ls_http_start(small, &err), LS_OK);
    assert_int_equal(ls_http_start(large, &err), LS_OK);
    assert_int_equal(ls_http_set_body_max(large, 10), LS_ERR_STATE);
    reply_t r;
    request(ls_http_port(small), "GET", "/big", &r);
    assert_int_equal(r.status, 500);
    request(ls_http_port(large), "GET", "/big", &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.body_len, 1000);
    ls_http_free(small);
    ls_http_free(large);
}

static void test_two_servers_and_bind_failure(void **state)
{
    (void)state;
    int c1 = 0, c2 = 0;
    ls_http_t *a = start_server("127.0.0.1:0", &c1);
    ls_http_t *b = start_server("127.0.0.1:0", &c2);
    assert_int_not_equal(ls_http_port(a), ls_http_port(b));
    reply_t r;
    request(ls_http_port(a), "GET", "/hello", &r);
    request(ls_http_port(b), "GET", "/hello", &r);
    request(ls_http_port(b), "GET", "/hello", &r);
    assert_int_equal(c1, 1);
    assert_int_equal(c2, 2);

    /* a third server on a's port: a clear error naming the address and the reason */
    char addr[64];
    snprintf(addr, sizeof(addr), "127.0.0.1:%d", ls_http_port(a));
    ls_error_t err;
    ls_http_t *c = ls_http_new(addr, &err);
    assert_non_null(c);
    assert_int_equal(ls_http_port(c), -1);
    assert_int_equal(ls_http_start(c, &err), LS_ERR_IO);
    assert_non_null(strstr(err.msg, addr));
    assert_non_null(strstr(err.msg, "in use"));
    assert_int_equal(ls_http_port(c), -1);
    ls_http_free(c);

    /* once a is gone its port can be bound again at once */
    int port = ls_http_port(a);
    ls_http_free(a);
    c = ls_http_new(addr, &err);
    assert_int_equal(ls_http_route(c, "/hello", hello, &c1, &err), LS_OK);
    assert_int_equal(ls_http_start(c, &err), LS_OK);
    assert_int_equal(ls_http_port(c), port);
    request(port, "GET", "/hello", &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(c1, 2);
    assert_int_equal(ls_http_start(c, &err), LS_ERR_STATE);
    ls_http_free(c);
    ls_http_free(b);
    ls_http_free(NULL);
}

static void test_bad_addresses_and_routes(void **state)
{
    (void)state;
    const char *bad[] = {"",
                         "8081",
                         "127.0.0.1",
                         "127.0.0.1:",
                         "127.0.0.1:65536",
                         "127.0.0.1:-1",
                         "127.0.0.1:80x",
                         "example.com:80",
                         "::1:80",
                         "300.1.1.1:80",
                         "127.0.0.1:123456"};
    ls_error_t err;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ls_error_clear(&err);
        assert_null(ls_http_new(bad[i], &err));
        assert_int_equal(err.code, LS_ERR_CONFIG);
        assert_non_null(strstr(err.msg, bad[i]));
    }
    assert_null(ls_http_new(NULL, &err));
    ls_http_t *h = ls_http_new("0.0.0.0:0", &err);
    assert_non_null(h);
    assert_int_equal(ls_http_route(h, "nope", hello, NULL, &err), LS_ERR_INVALID_ARG);
    assert_int_equal(ls_http_route(h, "/x", NULL, NULL, &err), LS_ERR_INVALID_ARG);
    assert_int_equal(ls_http_route(h, "/x", empty, NULL, &err), LS_OK);
    assert_int_equal(ls_http_route(h, "/x", empty, NULL, &err), LS_ERR_EXISTS);
    for (int i = 1; i < LS_HTTP_MAX_ROUTES; i++) {
        char p[16];
        snprintf(p, sizeof(p), "/r%d", i);
        assert_int_equal(ls_http_route(h, p, empty, NULL, &err), LS_OK);
    }
    assert_int_equal(ls_http_route(h, "/more", empty, NULL, &err), LS_ERR_LIMIT);
    ls_http_free(h); /* never started */

    h = ls_http_new("127.0.0.1:0", &err);
    assert_int_equal(ls_http_start(h, &err), LS_OK);
    assert_int_equal(ls_http_route(h, "/late", empty, NULL, &err), LS_ERR_STATE);
    reply_t r;
    request(ls_http_port(h), "GET", "/", &r); /* no routes at all: 404 */
    assert_int_equal(r.status, 404);
    ls_http_free(h);
}

/* ---- /metrics under concurrent scrapes and updates ----------------------------------- */

#define NCLIENTS 4
#define NSCRAPES 25

typedef struct {
    int port;
    ls_counter_t *c;
} client_arg_t;

static void *scraper(void *p)
{
    client_arg_t *a = p;
    for (int i = 0; i < NSCRAPES; i++) {
        ls_counter_add(a->c, 1);
        reply_t *r = ls_malloc(sizeof(*r));
        request(a->port, "GET", "/metrics", r);
        assert_int_equal(r->status, 200);
        assert_non_null(strstr(r->body, "# TYPE scrapes_total counter\n"));
        ls_free(r);
    }
    return NULL;
}

static void test_metrics_endpoint(void **state)
{
    (void)state;
    ls_metrics_t *m = ls_metrics_new();
    ls_counter_t *c = ls_metrics_counter(m, "scrapes_total", "Scrapes.", NULL, 0);
    ls_error_t err;
    ls_http_t *h = ls_http_new("127.0.0.1:0", &err);
    assert_int_equal(ls_http_route(h, "/metrics", metrics, m, &err), LS_OK);
    assert_int_equal(ls_http_start(h, &err), LS_OK);
    pthread_t t[NCLIENTS];
    client_arg_t a = {ls_http_port(h), c};
    for (int i = 0; i < NCLIENTS; i++) {
        assert_int_equal(pthread_create(&t[i], NULL, scraper, &a), 0);
    }
    for (int i = 0; i < NCLIENTS; i++) {
        pthread_join(t[i], NULL);
    }
    reply_t r;
    request(ls_http_port(h), "GET", "/metrics", &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.content_type, "text/plain; version=0.0.4; charset=utf-8");
    assert_string_equal(r.body, "# HELP scrapes_total Scrapes.\n"
                                "# TYPE scrapes_total counter\n"
                                "scrapes_total 100\n");
    ls_http_free(h);
    ls_metrics_free(m);
}

/* Two requests on one kept-alive connection, then the server is freed while it is open. */
static void test_keep_alive_and_stop(void **state)
{
    (void)state;
    int calls = 0;
    ls_http_t *h = start_server("127.0.0.1:0", &calls);
    int fd = connect_to(ls_http_port(h));
    const char *req =
        "GET /hello HTTP/1.1\r\nHost: x\r\n\r\nGET /hello HTTP/1.1\r\nHost: x\r\n\r\n";
    assert_int_equal(send(fd, req, strlen(req), MSG_NOSIGNAL), (ssize_t)strlen(req));
    char buf[4096];
    size_t n = 0;
    while (n < sizeof(buf) - 1) {
        ssize_t got = recv(fd, buf + n, sizeof(buf) - 1 - n, 0);
        assert_true(got > 0);
        n += (size_t)got;
        buf[n] = '\0';
        char *second = strstr(buf, "hello\n");
        if (second != NULL && strstr(second + 6, "hello\n") != NULL) {
            break;
        }
    }
    assert_int_equal(calls, 2);
    ls_http_free(h); /* with the connection still open */
    ssize_t got = recv(fd, buf, sizeof(buf), 0);
    assert_true(got <= 0);
    close(fd);
}

/* Send @p req as is and read what comes back until the server closes (status 0: nothing). */
static void raw_exchange(int port, const char *req, size_t len, reply_t *r)
{
    memset(r, 0, sizeof(*r));
    int fd = connect_to(port);
    size_t off = 0;
    while (off < len) {
        ssize_t sent = send(fd, req + off, len - off, MSG_NOSIGNAL);
        if (sent <= 0) {
            break; /* the server may close before taking an oversized request */
        }
        off += (size_t)sent;
    }
    char raw[16384];
    size_t n = 0;
    for (;;) {
        ssize_t got = recv(fd, raw + n, sizeof(raw) - 1 - n, 0);
        if (got <= 0) {
            break;
        }
        n += (size_t)got;
    }
    close(fd);
    if (n > 0) {
        parse_reply(raw, n, r);
    }
}

static void test_request_limits(void **state)
{
    (void)state;
    int calls = 0;
    ls_http_t *h = start_server("127.0.0.1:0", &calls);
    int port = ls_http_port(h);
    reply_t r;
    const char *with_body = "GET /hello HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                            "Connection: close\r\n\r\nhello";
    raw_exchange(port, with_body, strlen(with_body), &r);
    assert_int_equal(r.status, 413);
    const char *garbage = "\x01\x02 not http at all\r\n\r\n";
    raw_exchange(port, garbage, strlen(garbage), &r);
    assert_true(r.status == 0 || r.status == 400);

    /* headers beyond the per-connection memory are refused, not buffered */
    size_t big = 100000;
    char *req = ls_malloc(big + 128);
    assert_non_null(req);
    int head = snprintf(req, 128, "GET /hello HTTP/1.1\r\nHost: x\r\nX-Big: ");
    memset(req + head, 'a', big);
    memcpy(req + head + big, "\r\n\r\n", 4);
    raw_exchange(port, req, (size_t)head + big + 4, &r);
    ls_free(req);
    assert_true(r.status == 0 || r.status == 431);
    assert_int_equal(calls, 0);
    request(port, "GET", "/hello", &r);
    assert_int_equal(r.status, 200);
    ls_http_free(h);
}

static bool readable_within(int fd, int ms)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    return poll(&p, 1, ms) == 1;
}

/* Past LS_HTTP_MAX_CONNECTIONS a new connection waits in the backlog until one closes. */
static void test_connection_limit(void **state)
{
    (void)state;
    int calls = 0;
    ls_http_t *h = start_server("127.0.0.1:0", &calls);
    int port = ls_http_port(h);
    int idle[LS_HTTP_MAX_CONNECTIONS];
    for (int i = 0; i < LS_HTTP_MAX_CONNECTIONS; i++) {
        idle[i] = connect_to(port);
    }
    usleep(100 * 1000);
    int fd = connect_to(port);
    const char *req = "GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    assert_int_equal(send(fd, req, strlen(req), MSG_NOSIGNAL), (ssize_t)strlen(req));
    assert_false(readable_within(fd, 300));
    close(idle[0]);
    assert_true(readable_within(fd, 5000));
    char buf[512];
    ssize_t got = recv(fd, buf, sizeof(buf) - 1, 0);
    assert_true(got > 12);
    assert_memory_equal(buf, "HTTP/1.1 200", 12);
    close(fd);
    for (int i = 1; i < LS_HTTP_MAX_CONNECTIONS; i++) {
        close(idle[i]);
    }
    ls_http_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_routes_and_statuses),
        cmocka_unit_test(test_handler_failures),
        cmocka_unit_test(test_body_cap),
        cmocka_unit_test(test_two_servers_and_bind_failure),
        cmocka_unit_test(test_bad_addresses_and_routes),
        cmocka_unit_test(test_metrics_endpoint),
        cmocka_unit_test(test_keep_alive_and_stop),
        cmocka_unit_test(test_request_limits),
        cmocka_unit_test(test_connection_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_core.c — errors, allocator failure injection, buffers, arenas, queues, pool, log.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lakesink/alloc.h"
#include "lakesink/arena.h"
#include "lakesink/buf.h"
#include "lakesink/error.h"
#include "lakesink/io.h"
#include "lakesink/log.h"
#include "lakesink/queue.h"
#include "lakesink/uri.h"
#include "testutil.h"

static void test_error_format(void **state)
{
    (void)state;
    ls_error_t err;
    ls_error_clear(&err);
    assert_int_equal(ls_error_set(&err, LS_ERR_PARSE, "bad %s at %d", "token", 7), LS_ERR_PARSE);
    assert_string_equal(err.msg, "bad token at 7");
    ls_error_prefix(&err, "file %s: ", "x.json");
    assert_string_equal(err.msg, "file x.json: bad token at 7");
    assert_string_equal(ls_err_name(LS_ERR_PARSE), "LS_ERR_PARSE");
    assert_string_equal(ls_err_str(LS_OK), "success");
    assert_string_equal(ls_err_name((ls_err_t)999), "LS_ERR_UNKNOWN");
    assert_int_equal(ls_error_set(NULL, LS_ERR_IO, "dropped"), LS_ERR_IO);
}

static void test_alloc_injection(void **state)
{
    (void)state;
    ls_alloc_fail_after(1, 0);
    void *a = ls_malloc(8);
    void *b = ls_malloc(8);
    void *c = ls_malloc(8);
    assert_non_null(a);
    assert_null(b);
    assert_non_null(c);
    ls_free(a);
    ls_free(c);
    assert_null(ls_calloc(SIZE_MAX / 2, 4));
}

static void test_buf_cap_and_printf(void **state)
{
    (void)state;
    ls_buf_t b;
    ls_buf_init(&b, 10);
    assert_int_equal(ls_buf_append_str(&b, "hello"), LS_OK);
    assert_int_equal(ls_buf_printf(&b, "%d", 12345), LS_OK);
    assert_int_equal(b.len, 10);
    assert_int_equal(ls_buf_append_byte(&b, 'x'), LS_ERR_LIMIT);
    assert_int_equal(b.len, 10);
    assert_int_equal(ls_buf_terminate(&b), LS_OK);
    assert_string_equal((char *)b.data, "hello12345");
    ls_buf_free(&b);

    ls_buf_init(&b, LS_BUF_UNLIMITED);
    for (int i = 0; i < 1000; i++) {
        assert_int_equal(ls_buf_printf(&b, "%0300d", i), LS_OK);
    }
    assert_int_equal(b.len, 300000);
    ls_buf_free(&b);
}

static void test_buf_nomem_leaves_contents(void **state)
{
    (void)state;
    ls_buf_t b;
    ls_buf_init(&b, LS_BUF_UNLIMITED);
    assert_int_equal(ls_buf_append_str(&b, "abc"), LS_OK);
    ls_alloc_fail_after(0, 0);
    assert_int_equal(ls_buf_append(&b, "0123456789012345678901234567890123456789012345678901234567890123", 64),
                     LS_ERR_NOMEM);
    assert_int_equal(b.len, 3);
    assert_memory_equal(b.data, "abc", 3);
    ls_buf_free(&b);
}

static void test_arena(void **state)
{
    (void)state;
    ls_arena_t *a = ls_arena_new(64, 4096);
    assert_non_null(a);
    char *s = ls_arena_strndup(a, "hello world", 5);
    assert_string_equal(s, "hello");
    void *big = ls_arena_alloc(a, 1000);
    assert_non_null(big);
    assert_int_equal(((uintptr_t)big) % 16, 0);
    assert_null(ls_arena_alloc(a, 8192)); /* over the cap */
    ls_arena_reset(a);
    assert_int_equal(ls_arena_used(a), 0);
    assert_non_null(ls_arena_calloc(a, 10, 10));
    ls_arena_free(a);
}

typedef struct {
    ls_queue_t *q;
    int n;
    long sum;
} qctx_t;

static void *producer(void *arg)
{
    qctx_t *c = arg;
    for (int i = 1; i <= c->n; i++) {
        assert_int_equal(ls_queue_push(c->q, (void *)(intptr_t)i, -1), LS_OK);
    }
    return NULL;
}

static void *consumer(void *arg)
{
    qctx_t *c = arg;
    void *item;
    while (ls_queue_pop(c->q, &item, -1) == LS_OK) {
        c->sum += (intptr_t)item;
    }
    return NULL;
}

static void test_queue_mpmc(void **state)
{
    (void)state;
    ls_queue_t *q = ls_queue_new(4);
    qctx_t p1 = {q, 1000, 0}, p2 = {q, 1000, 0}, c1 = {q, 0, 0}, c2 = {q, 0, 0};
    pthread_t t[4];
    pthread_create(&t[0], NULL, producer, &p1);
    pthread_create(&t[1], NULL, producer, &p2);
    pthread_create(&t[2], NULL, consumer, &c1);
    pthread_create(&t[3], NULL, consumer, &c2);
    pthread_join(t[0], NULL);
    pthread_join(t[1], NULL);
    ls_queue_close(q);
    pthread_join(t[2], NULL);
    pthread_join(t[3], NULL);
    assert_int_equal(c1.sum + c2.sum, 2 * 500500);
    void *item;
    assert_int_equal(ls_queue_pop(q, &item, 0), LS_ERR_CLOSED);
    assert_int_equal(ls_queue_push(q, NULL, 0), LS_ERR_CLOSED);
    ls_queue_free(q);
}

static void test_queue_timeout(void **state)
{
    (void)state;
    ls_queue_t *q = ls_queue_new(1);
    void *item;
    assert_int_equal(ls_queue_pop(q, &item, 20), LS_ERR_TIMEOUT);
    assert_int_equal(ls_queue_push(q, q, 0), LS_OK);
    assert_int_equal(ls_queue_push(q, q, 20), LS_ERR_TIMEOUT);
    assert_int_equal(ls_queue_len(q), 1);
    ls_queue_free(q);
}

static pthread_mutex_t pool_mu = PTHREAD_MUTEX_INITIALIZER;
static void add_task(void *arg)
{
    pthread_mutex_lock(&pool_mu);
    (*(int *)arg)++;
    pthread_mutex_unlock(&pool_mu);
}

static void test_pool(void **state)
{
    (void)state;
    ls_pool_t *p = ls_pool_new(2, "test");
    assert_non_null(p);
    int count = 0;
    for (int i = 0; i < 500; i++) {
        assert_int_equal(ls_pool_submit(p, add_task, &count), LS_OK);
    }
    ls_pool_wait(p);
    assert_int_equal(count, 500);
    ls_pool_free(p);
}

static void test_log_json_lines(void **state)
{
    (void)state;
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    ls_log_set_fd(fds[1]);
    ls_log_kv(LS_LOG_WARN, "parquet", "bad \"page\"", "file", "a\nb.parquet", NULL);
    ls_log_set_level(LS_LOG_ERROR);
    ls_logf(LS_LOG_INFO, "x", "dropped");
    ls_log_set_level(LS_LOG_INFO);
    ls_log_set_fd(2);
    close(fds[1]);
    char buf[1024] = {0};
    ssize_t n = read(fds[0], buf, sizeof(buf) - 1);
    close(fds[0]);
    assert_true(n > 0);
    assert_non_null(strstr(buf, "\"level\":\"warn\""));
    assert_non_null(strstr(buf, "\"component\":\"parquet\""));
    assert_non_null(strstr(buf, "\"msg\":\"bad \\\"page\\\"\""));
    assert_non_null(strstr(buf, "\"file\":\"a\\nb.parquet\""));
    assert_null(strstr(buf, "dropped"));
    assert_int_equal(buf[n - 1], '\n');
    assert_int_equal(ls_log_level_parse("debug"), LS_LOG_DEBUG);
    assert_int_equal(ls_log_level_parse("nope"), -1);
}

static void test_mem_source_bounds(void **state)
{
    (void)state;
    ls_source_t s = ls_source_mem("abcdef", 6, "mem");
    char out[4];
    ls_error_t err;
    assert_int_equal(ls_source_read(&s, 2, out, 3, &err), LS_OK);
    assert_memory_equal(out, "cde", 3);
    assert_int_equal(ls_source_read(&s, 4, out, 3, &err), LS_ERR_CORRUPT);
    assert_non_null(strstr(err.msg, "past the end"));
}

static void test_uri_and_uuid(void **state)
{
    (void)state;
    ls_buf_t b;
    ls_buf_init(&b, LS_BUF_UNLIMITED);
    ls_error_t err;
    const char *enc = "a=2021-09-08%2011%253A11%253A11/x+y%C3%A9";
    assert_int_equal(ls_uri_decode(enc, strlen(enc), &b, &err), LS_OK);
    assert_int_equal(b.len, strlen("a=2021-09-08 11%3A11%3A11/x+y\xc3\xa9"));
    assert_memory_equal(b.data, "a=2021-09-08 11%3A11%3A11/x+y\xc3\xa9", b.len);
    static const char *const bad[] = {"%", "%4", "%zz", "a%00b", "%G1"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
        size_t before = b.len;
        assert_int_equal(ls_uri_decode(bad[i], strlen(bad[i]), &b, &err), LS_ERR_PARSE);
        assert_int_equal(b.len, before); /* unchanged on error */
    }
    ls_buf_free(&b);
    char u1[37], u2[37];
    ls_uuid4(u1);
    ls_uuid4(u2);
    assert_int_equal(strlen(u1), 36);
    assert_int_equal(u1[14], '4');                 /* version 4 */
    assert_non_null(strchr("89ab", u1[19]));       /* RFC 4122 variant */
    assert_int_equal(u1[8], '-');
    assert_string_not_equal(u1, u2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_error_format),
        cmocka_unit_test(test_alloc_injection),
        cmocka_unit_test(test_buf_cap_and_printf),
        cmocka_unit_test(test_buf_nomem_leaves_contents),
        cmocka_unit_test(test_arena),
        cmocka_unit_test(test_queue_mpmc),
        cmocka_unit_test(test_queue_timeout),
        cmocka_unit_test(test_pool),
        cmocka_unit_test(test_log_json_lines),
        cmocka_unit_test(test_mem_source_bounds),
        cmocka_unit_test(test_uri_and_uuid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_ops_metrics.c — the metrics registry: get-or-create identity, type clashes, name
 * validation, removal, escaping, histogram buckets, exact rendered text, concurrent updates,
 * allocation failures and the output cap.
 */
#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "lakesink/alloc.h"
#include "lakesink/buf.h"
#include "lakesink/metrics.h"
#include "testutil.h"

/* Render @p m into a NUL-terminated string the caller frees with ls_free. */
static char *render(ls_metrics_t *m)
{
    ls_buf_t b;
    ls_buf_init(&b, LS_BUF_UNLIMITED);
    assert_int_equal(ls_metrics_render(m, &b), LS_OK);
    assert_int_equal(ls_buf_terminate(&b), LS_OK);
    return (char *)ls_buf_steal(&b, NULL);
}

static void test_get_or_create_identity(void **state)
{
    (void)state;
    ls_metrics_t *m = ls_metrics_new();
    assert_non_null(m);
    ls_label_t ab[] = {{"a", "1"}, {"b", "2"}};
    ls_label_t ba[] = {{"b", "2"}, {"a", "1"}};
    ls_label_t other[] = {{"a", "1"}, {"b", "3"}};
    ls_counter_t *c1 = ls_metrics_counter(m, "x_total", "help", ab, 2);
    ls_counter_t *c2 = ls_metrics_counter(m, "x_total", "other help", ba, 2);
    ls_counter_t *c3 = ls_metrics_counter(m, "x_total", NULL, other, 2);
    ls_counter_t *c4 = ls_metrics_counter(m, "x_total", NULL, NULL, 0);
    assert_non_null(c1);
    assert_ptr_equal(c1, c2);
    assert_non_null(c3);
    assert_ptr_not_equal(c1, c3);
    assert_non_null(c4);
    assert_ptr_not_equal(c1, c4);
    ls_counter_add(c1, 5);
    ls_counter_add(c2, 2);
    assert_int_equal(ls_counter_get(c1), 7);
    assert_int_equal(ls_counter_get(c3), 0);

    ls_gauge_t *g = ls_metrics_gauge(m, "g", NULL, NULL, 0);
    assert_ptr_equal(g, ls_metrics_gauge(m, "g", NULL, NULL, 0));
    ls_gauge_set(g, 10);
    ls_gauge_add(g, -15);
    assert_int_equal(ls_gauge_get(g), -5);

    double bounds[] = {1, 2};
    ls_histo_t *h = ls_metrics_histogram(m, "h", NULL, bounds, 2, NULL, 0);
    assert_ptr_equal(h, ls_metrics_histogram(m, "h", NULL, bounds, 2, NULL, 0));

    /* NULL series are no-ops, reads give 0 */
    ls_counter_add(NULL, 1);
    ls_gauge_set(NULL, 1);
    ls_gauge_add(NULL, 1);
    ls_histo_observe(NULL, 1);
    assert_int_equal(ls_counter_get(NULL), 0);
    assert_int_equal(ls_gauge_get(NULL), 0);
    assert_int_equal(ls_histo_count(NULL), 0);
    ls_metrics_free(m);
    ls_metrics_free(NULL);
}

static void test_type_clash(void **state)
{
    (void)state;
    ls_metrics_t *m = ls_metrics_new();
    double b1[] = {1, 2};
    double b2[] = {1, 3};
    assert_non_null(ls_metrics_counter(m, "x", NULL, NULL, 0));
    assert_null(ls_metrics_gauge(m, "x", NULL, NULL, 0));
    assert_null(ls_metrics_histogram(m, "x", NULL, b1, 2, NULL, 0));
    assert_non_null(ls_metrics_histogram(m, "lat", NULL, b1, 2, NULL, 0));
    assert_null(ls_metrics_counter(m, "lat", NULL, NULL, 0));
    /* other bounds for the same family */
    ls_label_t l[] = {{"t", "a"}};
    assert_null(ls_metrics_histogram(m, "lat", NULL, b2, 2, l, 1));
    assert_null(ls_metrics_histogram(m, "lat", NULL, b1, 1, l, 1));
    assert_non_null(ls_metrics_histogram(m, "lat", NULL, b1, 2, l, 1));
    /* the histogram's derived series names are taken, both ways round */
    assert_null(ls_metrics_counter(m, "lat_count", NULL, NULL, 0));
    assert_null(ls_metrics_gauge(m, "lat_sum", NULL, NULL, 0));
    assert_null(ls_metrics_gauge(m, "lat_bucket", NULL, NULL, 0));
    assert_non_null(ls_metrics_gauge(m, "q_sum", NULL, NULL, 0));
    assert_null(ls_metrics_histogram(m, "q", NULL, b1, 2, NULL, 0));
    assert_non_null(ls_metrics_counter(m, "x_count", NULL, NULL, 0)); /* x is no histogram */
    ls_metrics_free(m);
}

static void test_invalid_names_and_bounds(void **state)
{
    (void)state;
    ls_metrics_t *m = ls_metrics_new();
    const char *bad_names[] = {"", "1abc", "a-b", "a b", "é", NULL};
    for (size_t i = 0; i < sizeof(bad_names) / sizeof(bad_names[0]); i++) {
        assert_null(ls_metrics_counter(m, bad_names[i], NULL, NULL, 0));
    }
    assert_non_null(ls_metrics_counter(m, "ns:sub_total", NULL, NULL, 0));
    assert_non_null(ls_metrics_counter(m, "_x9", NULL, NULL, 0));
    ls_label_t bad[][2] = {
        {{"a:b", "v"}, {"c", "v"}}, {{"__reserved", "v"}, {"c", "v"}}, {{"9a", "v"}, {"c", "v"}},
        {{"a", "v"}, {"a", "w"}},   {{"a", NULL}, {"c", "v"}},         {{NULL, "v"}, {"c", "v"}},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_null(ls_metrics_counter(m, "c", NULL, bad[i], 2));
    }
    assert_null(ls_metrics_counter(m, "c", NULL, NULL, 1));
    ls_label_t many[LS_METRICS_MAX_LABELS + 1];
    char names[LS_METRICS_MAX_LABELS + 1][8];
    for (size_t i = 0; i <= LS_METRICS_MAX_LABELS; i++) {
        snprintf(names[i], sizeof(names[i]), "l%zu", i);
        many[i] = (ls_label_t){names[i], "v"};
    }
    assert_non_null(ls_metrics_counter(m, "c", NULL, many, LS_METRICS_MAX_LABELS));
    assert_null(ls_metrics_counter(m, "c", NULL, many, LS_METRICS_MAX_LABELS + 1));

    /* histograms: `le` is reserved, bounds must be finite and strictly ascending */
    double ok[] = {0.5, 1};
    ls_label_t le[] = {{"le", "1"}};
    assert_null(ls_metrics_histogram(m, "h", NULL, ok, 2, le, 1));
    assert_non_null(ls_metrics_counter(m, "c2", NULL, le, 1)); /* fine elsewhere */
    double unsorted[] = {1, 0.5};
    double dup[] = {1, 1};
    double nan[] = {NAN};
    double ninf[] = {-INFINITY, 1};
    assert_null(ls_metrics_histogram(m, "h1", NULL, unsorted, 2, NULL, 0));
    assert_null(ls_metrics_histogram(m, "h2", NULL, dup, 2, NULL, 0));
    assert_null(ls_metrics_histogram(m, "h3", NULL, nan, 1, NULL, 0));
    assert_null(ls_metrics_histogram(m, "h4", NULL, ninf, 2, NULL, 0));
    assert_null(ls_metrics_histogram(m, "h5", NULL, NULL, 2, NULL, 0));
    /* a trailing +Inf is accepted and is the same family as without it */
    double with_inf[] = {0.5, 1, INFINITY};
    ls_histo_t *h = ls_metrics_histogram(m, "h6", NULL, with_inf, 3, NULL, 0);
    assert_non_null(h);
    assert_ptr_equal(h, ls_metrics_histogram(m, "h6", NULL, ok, 2, NULL, 0));
    assert_non_null(ls_metrics_histogram(m, "h7", NULL, NULL, 0, NULL, 0));
    ls_metrics_free(m);
}

static void test_remove(void **state)
{
    (void)state;
    ls_metrics_t *m = ls_metrics_new();
    ls_label_t p0[] = {{"topic", "t"}, {"partition", "0"}};
    ls_label_t p1[] = {{"topic", "t"}, {"partition", "1"}};
    ls_gauge_t *g0 = ls_metrics_gauge(m, "lag", "Consumer lag.", p0, 2);
    ls_gauge_t *g1 = ls_metrics_gauge(m, "lag", "Consumer lag.", p1, 2);
    ls_gauge_set(g0, 10);
    ls_gauge_set(g1, 20);
    ls_label_t p0_rev[] = {{"partition", "0"}, {"topic", "t"}};
    ls_metrics_remove(m, "lag", p0_rev, 2);
    ls_metrics_remove(m, "lag", p0, 2);        /* already gone */
    ls_metrics_remove(m, "nope", NULL, 0);     /* unknown family */
    ls_metrics_remove(m, "bad name", NULL, 0); /* invalid */
    ls_metrics_remove(NULL, "lag", NULL, 0);
    char *text = render(m);
    assert_string_equal(text, "# HELP lag Consumer lag.\n"
                              "# TYPE lag gauge\n"
                              "lag{partition=\"1\",topic=\"t\"} 20\n");
    ls_free(text);
    ls_metrics_remove(m, "lag", p1, 2);
    text = render(m);
    assert_string_equal(text, ""); /* a family without series is not rendered */
    ls_free(text);
    /* the family keeps its type; a new series starts from zero */
    assert_null(ls_metrics_counter(m, "lag", NULL, p0, 2));
    ls_gauge_t *again = ls_metrics_gauge(m, "lag", NULL, p0, 2);
    assert_non_null(again);
    assert_int_equal(ls_gauge_get(again), 0);
    double b[] = {1};
    ls_histo_t *h = ls_metrics_histogram(m, "hh", NULL, b, 1, p0, 2);
    ls_histo_observe(h, 3);
    ls_metrics_remove(m, "hh", p0, 2);
    h = ls_metrics_histogram(m, "hh", NULL, b, 1, p0, 2);
    assert_int_equal(ls_histo_count(h), 0);
    ls_metrics_free(m);
}

static void test_escaping(void **state)
{
    (void)state;
    ls_metrics_t *m = ls_metrics_new();
    ls_label_t l[] = {{"path", "C:\\dir \"q\"\nnext"},
                      {"bad", "a\xff"
                              "b\xc3\xa9"}};
    ls_counter_t *c = ls_metrics_counter(m, "esc_total", "Line one\nback\\slash \"as is\"", l, 2);
    assert_non_null(c);
    ls_counter_add(c, 1);
    char *text = render(m);
    assert_string_equal(text, "# HELP esc_total Line one\\nback\\\\slash \"as is\"\n"
                              "# TYPE esc_total counter\n"
                              "esc_total{bad=\"a\xef\xbf\xbd"
                              "b\xc3\xa9\",path=\"C:\\\\dir \\\"q\\\"\\nnext\"} 1\n");
    ls_free(text);
    /* label values that differ only in escaping-relevant bytes stay distinct series */
    ls_label_t q1[] = {{"v", "a\"b"}};
    ls_label_t q2[] = {{"v", "a\\\"b"}};
    assert_ptr_not_equal(ls_metrics_counter(m, "q", NULL, q1, 1),
                         ls_metrics_counter(m, "q", NULL, q2, 1));
    ls_metrics_free(m);
}

static void test_histogram_buckets(void **state)
{
    (void)state;
    ls_metrics_t *m = ls_metrics_new();
    double bounds[] = {0.1, 1, 10};
    ls_label_t l[] = {{"table", "events"}};
    ls_histo_t *h = ls_metrics_histogram(m, "commit_seconds", "Commit latency.", bounds, 3, l, 1);
    assert_non_null(h);
    double obs[] = {0.05, 0.1, 0.5, 1, 5, 100, NAN, -2};
    for (size_t i = 0; i < sizeof(obs) / sizeof(obs[0]); i++) {
        ls_histo_observe(h, obs[i]);
    }
    assert_int_equal(ls_histo_count(h), 7); /* NaN ignored */
    assert_true(fabs(ls_histo_sum(h) - 104.65) < 1e-9);
    char *text = render(m);
    assert_string_equal(text, "# HELP commit_seconds Commit latency.\n"
                              "# TYPE commit_seconds histogram\n"
                              "commit_seconds_bucket{table=\"events\",le=\"0.1\"} 3\n"
                              "commit_seconds_bucket{table=\"events\",le=\"1\"} 5\n"
                              "commit_seconds_bucket{table=\"events\",le=\"10\"} 6\n"
                              "commit_seconds_bucket{table=\"events\",le=\"+Inf\"} 7\n"
                              "commit_seconds_sum{table=\"events\"} 104.65\n"
                              "commit_seconds_count{table=\"events\"} 7\n");
    ls_free(text);
    ls_metrics_free(m);

    /* no labels and no bounds: only the +Inf bucket; bounds print shortest round-trip */
    m = ls_metrics_new();
    ls_histo_t *only = ls_metrics_histogram(m, "a", NULL, NULL, 0, NULL, 0);
    ls_histo_observe(only, 0.25);
    double odd[] = {1e-9, 0.3, 2.5e6};
    ls_histo_t *o = ls_metrics_histogram(m, "b", NULL, odd, 3, NULL, 0);
    ls_histo_observe(o, 0.1);
    ls_histo_observe(o, 0.2);
    text = render(m);
    assert_string_equal(text, "# TYPE a histogram\n"
                              "a_bucket{le=\"+Inf\"} 1\n"
                              "a_sum 0.25\n"
                              "a_count 1\n"
                              "# TYPE b histogram\n"
                              "b_bucket{le=\"1e-09\"} 0\n"
                              "b_bucket{le=\"0.3\"} 2\n"
                              "b_bucket{le=\"2500000\"} 2\n"
                              "b_bucket{le=\"+Inf\"} 2\n"
                              "b_sum 0.30000000000000004\n"
                              "b_count 2\n");
    ls_free(text);
    ls_metrics_free(m);
}

static void test_render_exact(void **state)
{
    (void)state;
    ls_metrics_t *m = ls_metrics_new();
    ls_label_t t1[] = {{"table", "b"}};
    ls_label_t t2[] = {{"table", "a"}};
    /* created out of order: families render by name, series by label set */
    ls_gauge_t *mem = ls_metrics_gauge(m, "lakesink_memory_bytes", "Bytes buffered.", NULL, 0);
    ls_counter_t *rb = ls_metrics_counter(m, "lakesink_records_total", "Records written.", t1, 1);
    ls_counter_t *ra = ls_metrics_counter(m, "lakesink_records_total", "Records written.", t2, 1);
    ls_counter_t *c = ls_metrics_counter(m, "lakesink_commits_total", "Delta commits.", NULL, 0);
    ls_gauge_set(mem, -3);
    ls_counter_add(rb, 18446744073709551615ull);
    ls_counter_add(ra, 42);
    ls_counter_add(c, 1);
    char *text = render(m);
    assert_string_equal(text, "# HELP lakesink_commits_total Delta commits.\n"
                              "# TYPE lakesink_commits_total counter\n"
                              "lakesink_commits_total 1\n"
                              "# HELP lakesink_memory_bytes Bytes buffered.\n"
                              "# TYPE lakesink_memory_bytes gauge\n"
                              "lakesink_memory_bytes -3\n"
                              "# HELP lakesink_records_total Records written.\n"
                              "# TYPE lakesink_records_total counter\n"
                              "lakesink_records_total{table=\"a\"} 42\n"
                              "lakesink_records_total{table=\"b\"} 18446744073709551615\n");
    ls_free(text);

    /* render appends */
    ls_buf_t b;
    ls_buf_init(&b, LS_BUF_UNLIMITED);
    assert_int_equal(ls_buf_append_str(&b, "prefix\n"), LS_OK);
    assert_int_equal(ls_metrics_render(m, &b), LS_OK);
    assert_true(b.len > 7 && memcmp(b.data, "prefix\n# HELP", 13) == 0);
    ls_buf_free(&b);
    assert_int_equal(ls_metrics_render(NULL, &b), LS_ERR_INVALID_ARG);
    ls_metrics_free(m);
}

static void test_render_cap_leaves_output(void **state)
{
    (void)state;
    ls_metrics_t *m = ls_metrics_new();
    for (int i = 0; i < 50; i++) {
        char v[16];
        snprintf(v, sizeof(v), "%d", i);
        ls_label_t l[] = {{"partition", v}};
        ls_counter_add(ls_metrics_counter(m, "msgs_total", "Messages.", l, 1), (uint64_t)i);
    }
    ls_buf_t b;
    ls_buf_init(&b, 200);
    assert_int_equal(ls_buf_append_str(&b, "keep"), LS_OK);
    assert_int_equal(ls_metrics_render(m, &b), LS_ERR_LIMIT);
    assert_int_equal(b.len, 4);
    assert_memory_equal(b.data, "keep", 4);
    ls_buf_free(&b);
    ls_metrics_free(m);
}

static void test_series_limit(void **state)
{
    (void)state;
    ls_metrics_t *m = ls_metrics_new();
    ls_counter_t *last = NULL;
    for (int i = 0; i < LS_METRICS_MAX_SERIES; i++) {
        char v[16];
        snprintf(v, sizeof(v), "%d", i);
        ls_label_t l[] = {{"id", v}};
        last = ls_metrics_counter(m, "many_total", NULL, l, 1);
        assert_non_null(last);
    }
    ls_label_t over[] = {{"id", "over"}};
    assert_null(ls_metrics_counter(m, "many_total", NULL, over, 1));
    ls_label_t first[] = {{"id", "0"}};
    assert_non_null(ls_metrics_counter(m, "many_total", NULL, first, 1)); /* existing: fine */
    ls_metrics_remove(m, "many_total", first, 1);
    assert_non_null(ls_metrics_counter(m, "many_total", NULL, over, 1));
    ls_metrics_free(m);
}

/* Every allocation of creating and rendering a small registry fails once, in turn: each
 * call fails cleanly (NULL / LS_ERR_NOMEM) and nothing leaks (checked by ASan). */
static void build_small(ls_metrics_t *m, bool expect_ok, bool update)
{
    double b[] = {1, 2};
    ls_label_t l[] = {{"t", "x"}, {"p", "1"}};
    ls_counter_t *c = ls_metrics_counter(m, "c_total", "C.", l, 2);
    ls_gauge_t *g = ls_metrics_gauge(m, "g", "G.", NULL, 0);
    ls_histo_t *h = ls_metrics_histogram(m, "h", "H.", b, 2, l, 2);
    if (update) {
        ls_counter_add(c, 1);
        ls_gauge_set(g, 2);
        ls_histo_observe(h, 1.5);
    }
    if (expect_ok) {
        assert_non_null(c);
        assert_non_null(g);
        assert_non_null(h);
    }
}

static void test_alloc_failures(void **state)
{
    (void)state;
    uint64_t before = ls_alloc_count();
    ls_metrics_t *m = ls_metrics_new();
    build_small(m, true, true);
    char *ref = render(m);
    ls_metrics_free(m);
    long total = (long)(ls_alloc_count() - before);
    for (long n = 0; n < total; n++) {
        ls_alloc_fail_after(n, 0);
        m = ls_metrics_new();
        if (m != NULL) {
            build_small(m, false, false);
            ls_buf_t out;
            ls_buf_init(&out, LS_BUF_UNLIMITED);
            ls_err_t rc = ls_metrics_render(m, &out);
            assert_true(rc == LS_OK || rc == LS_ERR_NOMEM);
            ls_buf_free(&out);
        }
        ls_alloc_fail_after(-1, 0);
        /* after the failure, get-or-create completes the registry to the same text */
        if (m != NULL) {
            build_small(m, true, true);
            char *text = render(m);
            assert_string_equal(text, ref);
            ls_free(text);
        }
        ls_metrics_free(m);
    }
    ls_free(ref);
}

/* ---- concurrency ------------------------------------------------------------------- */

#define NTHREADS 4
#define NADDS 100000

typedef struct {
    ls_metrics_t *m;
    int id;
} worker_arg_t;

static void *adder(void *p)
{
    worker_arg_t *a = p;
    double b[] = {10, 100};
    /* every thread looks the series up itself: creation races with creation */
    ls_counter_t *c = ls_metrics_counter(a->m, "hits_total", "Hits.", NULL, 0);
    ls_gauge_t *g = ls_metrics_gauge(a->m, "level", NULL, NULL, 0);
    ls_histo_t *h = ls_metrics_histogram(a->m, "lat", NULL, b, 2, NULL, 0);
    char v[8];
    snprintf(v, sizeof(v), "%d", a->id);
    ls_label_t l[] = {{"worker", v}};
    ls_counter_t *mine = ls_metrics_counter(a->m, "work_total", NULL, l, 1);
    for (int i = 0; i < NADDS; i++) {
        ls_counter_add(c, 1);
        ls_gauge_add(g, (i & 1) ? 3 : -1);
        ls_histo_observe(h, (double)(i % 200));
        ls_counter_add(mine, 2);
    }
    return NULL;
}

static void *churner(void *p)
{
    worker_arg_t *a = p;
    ls_buf_t b;
    ls_buf_init(&b, LS_BUF_UNLIMITED);
    for (int i = 0; i < 200; i++) {
        char v[16];
        snprintf(v, sizeof(v), "%d", i % 7);
        ls_label_t l[] = {{"partition", v}};
        ls_gauge_set(ls_metrics_gauge(a->m, "lag", NULL, l, 1), i);
        if (i % 3 == 0) {
            ls_metrics_remove(a->m, "lag", l, 1);
        }
        ls_buf_reset(&b);
        assert_int_equal(ls_metrics_render(a->m, &b), LS_OK);
    }
    ls_buf_free(&b);
    return NULL;
}

static void test_concurrent_updates(void **state)
{
    (void)state;
    ls_metrics_t *m = ls_metrics_new();
    pthread_t t[NTHREADS + 1];
    worker_arg_t args[NTHREADS + 1];
    for (int i = 0; i <= NTHREADS; i++) {
        args[i] = (worker_arg_t){m, i};
        assert_int_equal(pthread_create(&t[i], NULL, i < NTHREADS ? adder : churner, &args[i]), 0);
    }
    for (int i = 0; i <= NTHREADS; i++) {
        pthread_join(t[i], NULL);
    }
    assert_int_equal(ls_counter_get(ls_metrics_counter(m, "hits_total", NULL, NULL, 0)),
                     NTHREADS * NADDS);
    assert_int_equal(ls_gauge_get(ls_metrics_gauge(m, "level", NULL, NULL, 0)),
                     NTHREADS * (NADDS / 2) * 2);
    double b[] = {10, 100};
    ls_histo_t *h = ls_metrics_histogram(m, "lat", NULL, b, 2, NULL, 0);
    assert_int_equal(ls_histo_count(h), NTHREADS * NADDS);
    /* sum of i%200 over 100k = 500 rounds of 0..199 = 500 * 19900; exact in a double */
    assert_true(ls_histo_sum(h) == (double)NTHREADS * 500 * 19900);
    for (int i = 0; i < NTHREADS; i++) {
        char v[8];
        snprintf(v, sizeof(v), "%d", i);
        ls_label_t l[] = {{"worker", v}};
        assert_int_equal(ls_counter_get(ls_metrics_counter(m, "work_total", NULL, l, 1)),
                         2 * NADDS);
    }
    char *text = render(m);
    assert_non_null(strstr(text, "lat_bucket{le=\"10\"} 22000\n"));
    assert_non_null(strstr(text, "lat_bucket{le=\"100\"} 202000\n"));
    assert_non_null(strstr(text, "lat_count 400000\n"));
    ls_free(text);
    ls_metrics_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_get_or_create_identity),
        cmocka_unit_test(test_type_clash),
        cmocka_unit_test(test_invalid_names_and_bounds),
        cmocka_unit_test(test_remove),
        cmocka_unit_test(test_escaping),
        cmocka_unit_test(test_histogram_buckets),
        cmocka_unit_test(test_render_exact),
        cmocka_unit_test(test_render_cap_leaves_output),
        cmocka_unit_test(test_series_limit),
        cmocka_unit_test(test_alloc_failures),
        cmocka_unit_test(test_concurrent_updates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

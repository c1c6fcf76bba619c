/*
 * test_store_s3.c — the S3 backend against a real moto_server, driven by
 * tests/integration/store_s3.test.sh, which starts moto (plain and signature-verifying), the
 * fault proxy, and exports where they are. Every test skips cleanly when its variables are
 * unset, so this binary also runs (and skips) as a plain unit test.
 *
 * LS_S3_ENDPOINT, LS_S3_BUCKET     moto without signature checks
 * LS_S3_PROXY                      store_fault_proxy.py in front of that moto
 * LS_S3_DEAD_ENDPOINT              a port nobody listens on
 * LS_S3_VERIFY_ENDPOINT, LS_S3_VERIFY_BUCKET, LS_S3_VERIFY_KEY_ID, LS_S3_VERIFY_SECRET
 *                                  moto verifying SigV4, with an IAM access key
 * LS_S3_HELPER                     store_s3_helper.py (boto3 cross-checks)
 */
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lakesink/alloc.h"
#include "lakesink/store.h"
#include "store/s3_int.h"
#include "store/store_int.h"
#include "testutil.h"

static const char *env_or_skip(const char *name)
{
    const char *v = getenv(name);
    if (v == NULL || v[0] == '\0') {
        print_message("skipped: %s is not set (run tests/integration/store_s3.test.sh)\n", name);
        skip();
    }
    return v;
}

/* A store on @p endpoint at s3://bucket/prefix with quick retries. */
static ls_store_t *open_at(const char *endpoint, const char *bucket, const char *prefix,
                           ls_store_opts_t *o_in)
{
    ls_store_opts_t o;
    if (o_in != NULL) {
        o = *o_in;
    } else {
        ls_store_opts_init(&o);
    }
    o.endpoint = endpoint;
    o.region = "us-east-1";
    if (o.access_key_id == NULL) {
        o.access_key_id = "test";
        o.secret_access_key = "test";
    }
    if (o_in == NULL) {
        o.retry.base_ms = 5;
        o.retry.cap_ms = 50;
    }
    char uri[512];
    snprintf(uri, sizeof(uri), "s3://%s/%s", bucket, prefix);
    ls_store_t *st = NULL;
    ls_error_t err;
    if (ls_store_open(uri, &o, &st, &err) != LS_OK) {
        fail_msg("open %s: %s", uri, err.msg);
    }
    return st;
}

static ls_store_t *open_moto(const char *prefix)
{
    return open_at(env_or_skip("LS_S3_ENDPOINT"), env_or_skip("LS_S3_BUCKET"), prefix, NULL);
}

/* Run the boto3 helper; its first output line (static buffer). */
static const char *helper(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static const char *helper(const char *fmt, ...)
{
    static char line[4096];
    char args[2048], cmd[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof(args), fmt, ap);
    va_end(ap);
    snprintf(cmd, sizeof(cmd), "python3 %s %s", env_or_skip("LS_S3_HELPER"), args);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    line[0] = '\0';
    if (fgets(line, sizeof(line), p) != NULL) {
        line[strcspn(line, "\n")] = '\0';
    }
    while (fgetc(p) != EOF) {
    }
    pclose(p);
    return line;
}

static void sha256_hex(const void *p, size_t n, char out[65])
{
    ls__sha256_hex(p, n, out);
}

static void must(ls_err_t rc, const ls_error_t *err, const char *what)
{
    if (rc != LS_OK) {
        fail_msg("%s: %s (%s)", what, err->msg, ls_err_name(rc));
    }
}

/* ---- plain operations ---- */

static void test_basic_ops(void **state)
{
    (void)state;
    ls_store_t *st = open_moto("basic/t1");
    const char *bucket = env_or_skip("LS_S3_BUCKET");
    ls_error_t err;
    ls_buf_t b;
    ls_buf_init(&b, 1 << 20);
    assert_int_equal(ls_store_get(st, "missing.json", &b, &err), LS_ERR_NOT_FOUND);
    assert_non_null(strstr(err.msg, "basic/t1/missing.json"));
    assert_non_null(strstr(err.msg, "404"));
    assert_int_equal(ls_store_head(st, "missing.json", NULL, NULL, &err), LS_ERR_NOT_FOUND);
    /* keys that need percent-encoding land under their exact names */
    const char *keys[] = {"plain.txt", "sp ace/a b.txt", "pct%25/100%.txt", "c:o:l/o:n",
                          "eq/a=1/b=2.parquet", "plus+and~tilde", "ünï/日本.json",
                          "q?mark#hash&amp'quote\"", "part=2021-09-08 11%3A11%3A11/x"};
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        char body[64];
        int n = snprintf(body, sizeof(body), "body of key %zu", i);
        must(ls_store_put(st, keys[i], body, (size_t)n, &err), &err, keys[i]);
        ls_buf_reset(&b);
        must(ls_store_get(st, keys[i], &b, &err), &err, keys[i]);
        assert_int_equal(b.len, n);
        assert_memory_equal(b.data, body, (size_t)n);
        uint64_t size = 0;
        int64_t mt = 0;
        must(ls_store_head(st, keys[i], &size, &mt, &err), &err, keys[i]);
        assert_int_equal(size, n);
        assert_true(mt > 1600000000000LL);
        char want[65], full[512];
        sha256_hex(body, (size_t)n, want);
        snprintf(full, sizeof(full), "'basic/t1/%s'", keys[i]);
        if (strchr(keys[i], '\'') == NULL) {
            assert_string_equal(helper("sha256 %s %s %s", env_or_skip("LS_S3_ENDPOINT"),
                                       bucket, full), want);
        }
    }
    /* listing gives them back, decoded, relative, in byte order */
    must(ls_store_put(st, "zzz", "", 0, &err), &err, "empty object");
    must(ls_store_head(st, "zzz", NULL, NULL, &err), &err, "head empty");
    ls_buf_reset(&b);
    must(ls_store_get(st, "zzz", &b, &err), &err, "get empty");
    assert_int_equal(b.len, 0);
    /* ranged reads */
    must(ls_store_put(st, "range.bin", "0123456789", 10, &err), &err, "put range.bin");
    ls_buf_reset(&b);
    must(ls_store_get_range(st, "range.bin", 3, 4, &b, &err), &err, "range");
    assert_int_equal(b.len, 4);
    assert_memory_equal(b.data, "3456", 4);
    must(ls_store_get_range(st, "range.bin", 9, 1, &b, &err), &err, "last byte");
    assert_memory_equal(b.data, "34569", 5);
    assert_int_equal(ls_store_get_range(st, "range.bin", 8, 5, &b, &err), LS_ERR_INVALID_ARG);
    assert_int_equal(ls_store_get_range(st, "range.bin", 10, 1, &b, &err), LS_ERR_INVALID_ARG);
    assert_int_equal(ls_store_get_range(st, "range.bin", 50, 1, &b, &err), LS_ERR_INVALID_ARG);
    assert_int_equal(b.len, 5);
    /* the response cap applies */
    ls_buf_t small;
    ls_buf_init(&small, 4);
    assert_int_equal(ls_store_get(st, "range.bin", &small, &err), LS_ERR_LIMIT);
    assert_int_equal(small.len, 0);
    ls_buf_free(&small);
    /* delete, twice */
    must(ls_store_del(st, "range.bin", &err), &err, "del");
    must(ls_store_del(st, "range.bin", &err), &err, "del again");
    assert_int_equal(ls_store_head(st, "range.bin", NULL, NULL, &err), LS_ERR_NOT_FOUND);
    ls_buf_free(&b);
    ls_store_stats_t s;
    ls_store_stats(st, &s);
    assert_int_equal(s.retries, 0);
    assert_true(ls_store_stats_status(&s, 404) >= 3);
    ls_store_free(st);
}

typedef struct keys_s {
    char **v;
    size_t n, cap;
} keys_t;

static ls_err_t keys_cb(void *ud, const ls_store_entry_t *e, ls_error_t *err)
{
    (void)err;
    keys_t *k = ud;
    if (k->n == k->cap) {
        k->cap = k->cap ? k->cap * 2 : 64;
        k->v = realloc(k->v, k->cap * sizeof(*k->v));
    }
    k->v[k->n++] = strdup(e->key);
    return LS_OK;
}

static void keys_free(keys_t *k)
{
    for (size_t i = 0; i < k->n; i++) {
        free(k->v[i]);
    }
    free(k->v);
    memset(k, 0, sizeof(*k));
}

static void test_list_encoded_keys(void **state)
{
    (void)state;
    ls_store_t *st = open_moto("basic/t1");
    keys_t k = {0};
    ls_error_t err;
    must(ls_store_list(st, NULL, NULL, keys_cb, &k, &err), &err, "list");
    const char *want[] = {"c:o:l/o:n", "eq/a=1/b=2.parquet", "part=2021-09-08 11%3A11%3A11/x",
                          "pct%25/100%.txt", "plain.txt", "plus+and~tilde",
                          "q?mark#hash&amp'quote\"", "sp ace/a b.txt", "zzz", "ünï/日本.json"};
    assert_int_equal(k.n, sizeof(want) / sizeof(want[0]));
    for (size_t i = 0; i < k.n; i++) {
        assert_string_equal(k.v[i], want[i]);
    }
    keys_free(&k);
    must(ls_store_list(st, "sp ace/", NULL, keys_cb, &k, &err), &err, "list prefix");
    assert_int_equal(k.n, 1);
    keys_free(&k);
    must(ls_store_list(st, NULL, "plus+and~tilde", keys_cb, &k, &err), &err, "list after");
    assert_int_equal(k.n, 4);
    assert_string_equal(k.v[0], "q?mark#hash&amp'quote\"");
    keys_free(&k);
    ls_store_free(st);
}

/* ---- put-if-absent ---- */

typedef struct race_s {
    ls_store_t *st;
    const char *key;
    char body[48];
    pthread_barrier_t *bar;
    ls_err_t rc;
} race_t;

static void *race_thread(void *arg)
{
    race_t *r = arg;
    ls_error_t err;
    pthread_barrier_wait(r->bar);
    r->rc = ls_store_put_if_absent(r->st, r->key, r->body, strlen(r->body), &err);
    return NULL;
}

static void test_put_if_absent(void **state)
{
    (void)state;
    ls_store_t *st = open_moto("pia");
    ls_error_t err;
    const char *k = "_delta_log/00000000000000000000.json";
    must(ls_store_put_if_absent(st, k, "{\"v\":0}", 7, &err), &err, "first");
    /* the same bytes again count as done (a retried commit), different bytes do not */
    must(ls_store_put_if_absent(st, k, "{\"v\":0}", 7, &err), &err, "same again");
    assert_int_equal(ls_store_put_if_absent(st, k, "{\"v\":1}", 7, &err), LS_ERR_EXISTS);
    assert_non_null(strstr(err.msg, "412"));
    assert_false(err.retriable);
    ls_buf_t b;
    ls_buf_init(&b, 100);
    must(ls_store_get(st, k, &b, &err), &err, "get");
    assert_memory_equal(b.data, "{\"v\":0}", 7);
    /* racing writers on separate stores: exactly one wins each version */
    ls_store_t *st2 = open_moto("pia");
    pthread_barrier_t bar;
    pthread_barrier_init(&bar, NULL, 2);
    for (int v = 1; v <= 10; v++) {
        char key[64];
        snprintf(key, sizeof(key), "_delta_log/%020d.json", v);
        race_t r[2] = {{st, key, "", &bar, LS_OK}, {st2, key, "", &bar, LS_OK}};
        pthread_t t[2];
        for (int i = 0; i < 2; i++) {
            snprintf(r[i].body, sizeof(r[i].body), "{\"writer\":%d,\"v\":%d}", i, v);
            pthread_create(&t[i], NULL, race_thread, &r[i]);
        }
        pthread_join(t[0], NULL);
        pthread_join(t[1], NULL);
        assert_int_equal((r[0].rc == LS_OK) + (r[1].rc == LS_OK), 1);
        assert_int_equal(r[0].rc == LS_OK ? r[1].rc : r[0].rc, LS_ERR_EXISTS);
        const race_t *w = r[0].rc == LS_OK ? &r[0] : &r[1];
        ls_buf_reset(&b);
        must(ls_store_get(st, key, &b, &err), &err, "get winner");
        assert_int_equal(b.len, strlen(w->body));
        assert_memory_equal(b.data, w->body, b.len);
    }
    pthread_barrier_destroy(&bar);
    ls_buf_free(&b);
    ls_store_free(st2);
    ls_store_free(st);
}

/* ---- listing with pagination ---- */

typedef struct filler_s {
    ls_store_t *st;
    int from, to;
    ls_err_t rc;
} filler_t;

static void *fill_thread(void *arg)
{
    filler_t *f = arg;
    ls_error_t err;
    for (int i = f->from; i < f->to && f->rc == LS_OK; i++) {
        char key[64];
        snprintf(key, sizeof(key), "part=%d/file-%05d.parquet", i % 3, i);
        f->rc = ls_store_put(f->st, key, key, strlen(key), &err);
    }
    return NULL;
}

static void test_list_pagination(void **state)
{
    (void)state;
    ls_store_t *st = open_moto("many");
    enum { N = 1005, T = 4 };
    filler_t f[T];
    pthread_t t[T];
    for (int i = 0; i < T; i++) {
        f[i] = (filler_t){st, i * N / T, (i + 1) * N / T, LS_OK};
        pthread_create(&t[i], NULL, fill_thread, &f[i]);
    }
    for (int i = 0; i < T; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(f[i].rc, LS_OK);
    }
    ls_store_stats_t s0, s1;
    ls_store_stats(st, &s0);
    keys_t k = {0};
    ls_error_t err;
    must(ls_store_list(st, NULL, NULL, keys_cb, &k, &err), &err, "list all");
    ls_store_stats(st, &s1);
    assert_int_equal(k.n, N);
    assert_int_equal(s1.requests - s0.requests, 2); /* 1000 + 5: two pages */
    for (size_t i = 1; i < k.n; i++) {
        assert_true(strcmp(k.v[i - 1], k.v[i]) < 0);
    }
    keys_free(&k);
    /* small pages, a prefix and start_after, through a store whose prefix is deeper */
    ls_store_opts_t o;
    ls_store_opts_init(&o);
    o.list_page_size = 7;
    ls_store_t *small = open_at(env_or_skip("LS_S3_ENDPOINT"), env_or_skip("LS_S3_BUCKET"),
                                "many/part=1", &o);
    ls_store_stats(small, &s0);
    must(ls_store_list(small, "file-00", "file-00099.parquet", keys_cb, &k, &err), &err,
         "list small pages");
    ls_store_stats(small, &s1);
    /* part=1 holds i % 3 == 1; under file-00..., after 00099: 100 <= i < 1000 -> 300 keys */
    assert_int_equal(k.n, 300);
    assert_string_equal(k.v[0], "file-00100.parquet");
    assert_int_equal(s1.requests - s0.requests, (300 + 6) / 7);
    keys_free(&k);
    ls_store_free(small);
    ls_store_free(st);
}

/* ---- streaming writer ---- */

static void fill_pattern(uint8_t *p, size_t n, uint64_t seed)
{
    for (size_t i = 0; i < n; i++) {
        p[i] = (uint8_t)(ls_test_rand(&seed) >> 56);
    }
}

static void test_multipart_writer(void **state)
{
    (void)state;
    ls_store_opts_t o;
    ls_store_opts_init(&o);
    o.part_size = LS_STORE_MIN_PART_SIZE;
    ls_store_t *st = open_at(env_or_skip("LS_S3_ENDPOINT"), env_or_skip("LS_S3_BUCKET"), "mp",
                             &o);
    const char *bucket = env_or_skip("LS_S3_BUCKET");
    size_t total = (size_t)12 * 1024 * 1024 + 12345; /* 3 parts: 5 + 5 + 2.x MiB */
    uint8_t *data = malloc(total);
    fill_pattern(data, total, 7);
    ls_error_t err;
    ls_store_writer_t *w;
    must(ls_store_writer_open(st, "big/file one.parquet", &w, &err), &err, "writer");
    ls_sink_t sink = ls_store_writer_sink(w);
    ls_store_stats_t s0, s1;
    ls_store_stats(st, &s0);
    size_t off = 0;
    for (size_t step = 1; off < total; step = step * 3 % 1000003 + 17) {
        size_t n = step < total - off ? step : total - off;
        must(sink.write(sink.ctx, data + off, n, &err), &err, "write");
        off += n;
        if (off >= LS_STORE_MIN_PART_SIZE && off < LS_STORE_MIN_PART_SIZE + 1000000) {
            /* the first part went out as soon as it filled */
            ls_store_stats(st, &s1);
            assert_int_equal(s1.requests - s0.requests, 2); /* create + part 1 */
        }
    }
    assert_int_equal(ls_store_writer_bytes(w), total);
    assert_int_equal(ls_store_head(st, "big/file one.parquet", NULL, NULL, &err),
                     LS_ERR_NOT_FOUND);
    must(ls_store_writer_commit(w, &err), &err, "commit");
    ls_store_stats(st, &s1);
    assert_int_equal(s1.requests - s0.requests, 6); /* head, create, 3 parts, complete */
    assert_true(s1.bytes_up - s0.bytes_up >= total);
    uint64_t size = 0;
    must(ls_store_head(st, "big/file one.parquet", &size, NULL, &err), &err, "head");
    assert_int_equal(size, total);
    char want[65];
    sha256_hex(data, total, want);
    assert_string_equal(helper("sha256 %s %s 'mp/big/file one.parquet'",
                               env_or_skip("LS_S3_ENDPOINT"), bucket),
                        want);
    /* a source reads it back by ranges; a footer read costs one request */
    ls_store_source_t *h;
    ls_source_t src;
    must(ls_store_source_open(st, "big/file one.parquet", &h, &src, &err), &err, "source");
    assert_int_equal(src.size, total);
    ls_store_stats(st, &s0);
    uint8_t tail[8], foot[2000];
    must(ls_source_read(&src, total - 8, tail, 8, &err), &err, "tail");
    must(ls_source_read(&src, total - 8 - 2000, foot, 2000, &err), &err, "footer");
    ls_store_stats(st, &s1);
    assert_int_equal(s1.requests - s0.requests, 1);
    assert_memory_equal(tail, data + total - 8, 8);
    assert_memory_equal(foot, data + total - 2008, 2000);
    uint8_t *mid = malloc(300000);
    must(ls_source_read(&src, 4000000, mid, 300000, &err), &err, "big range");
    assert_memory_equal(mid, data + 4000000, 300000);
    must(ls_source_read(&src, 17, mid, 10, &err), &err, "small range");
    assert_memory_equal(mid, data + 17, 10);
    assert_int_equal(ls_source_read(&src, total - 5, mid, 10, &err), LS_ERR_CORRUPT);
    free(mid);
    ls_store_source_close(h);

    /* abort after parts went up: no object, no unfinished upload */
    must(ls_store_writer_open(st, "big/aborted.parquet", &w, &err), &err, "writer 2");
    sink = ls_store_writer_sink(w);
    must(sink.write(sink.ctx, data, LS_STORE_MIN_PART_SIZE + 10, &err), &err, "write 2");
    ls_store_writer_abort(w);
    assert_int_equal(ls_store_head(st, "big/aborted.parquet", NULL, NULL, &err),
                     LS_ERR_NOT_FOUND);
    assert_string_equal(helper("uploads %s %s", env_or_skip("LS_S3_ENDPOINT"), bucket), "0");
    /* a small object is one PUT */
    ls_store_stats(st, &s0);
    must(ls_store_writer_open(st, "small.bin", &w, &err), &err, "writer 3");
    sink = ls_store_writer_sink(w);
    must(sink.write(sink.ctx, data, 1000, &err), &err, "write 3");
    must(ls_store_writer_commit(w, &err), &err, "commit 3");
    ls_store_stats(st, &s1);
    assert_int_equal(s1.requests - s0.requests, 1);
    ls_buf_t b;
    ls_buf_init(&b, 2000);
    must(ls_store_get(st, "small.bin", &b, &err), &err, "get small");
    assert_int_equal(b.len, 1000);
    assert_memory_equal(b.data, data, 1000);
    ls_buf_free(&b);
    /* an empty object, exactly one part, and a part plus one byte */
    size_t sizes[] = {0, LS_STORE_MIN_PART_SIZE, LS_STORE_MIN_PART_SIZE + 1};
    for (size_t i = 0; i < 3; i++) {
        must(ls_store_writer_open(st, "edge.bin", &w, &err), &err, "writer edge");
        sink = ls_store_writer_sink(w);
        must(sink.write(sink.ctx, data, sizes[i], &err), &err, "write edge");
        must(ls_store_writer_commit(w, &err), &err, "commit edge");
        must(ls_store_head(st, "edge.bin", &size, NULL, &err), &err, "head edge");
        assert_int_equal(size, sizes[i]);
    }
    free(data);
    ls_store_free(st);
}

static void test_sse(void **state)
{
    (void)state;
    ls_store_opts_t o;
    ls_store_opts_init(&o);
    o.sse = "AES256";
    ls_store_t *st = open_at(env_or_skip("LS_S3_ENDPOINT"), env_or_skip("LS_S3_BUCKET"), "sse",
                             &o);
    ls_error_t err;
    must(ls_store_put(st, "a.json", "{}", 2, &err), &err, "put sse");
    const char *h = helper("head %s %s sse/a.json", env_or_skip("LS_S3_ENDPOINT"),
                           env_or_skip("LS_S3_BUCKET"));
    assert_non_null(strstr(h, "\"sse\": \"AES256\""));
    ls_store_free(st);
    o.sse = "aws:kms";
    o.sse_kms_key_id = "arn:aws:kms:us-east-1:123456789012:key/lakesink-test";
    st = open_at(env_or_skip("LS_S3_ENDPOINT"), env_or_skip("LS_S3_BUCKET"), "sse", &o);
    ls_store_writer_t *w;
    must(ls_store_writer_open(st, "b.parquet", &w, &err), &err, "writer sse");
    ls_sink_t sink = ls_store_writer_sink(w);
    must(sink.write(sink.ctx, "PAR1", 4, &err), &err, "write sse");
    must(ls_store_writer_commit(w, &err), &err, "commit sse");
    h = helper("head %s %s sse/b.parquet", env_or_skip("LS_S3_ENDPOINT"),
               env_or_skip("LS_S3_BUCKET"));
    assert_non_null(strstr(h, "\"sse\": \"aws:kms\""));
    assert_non_null(strstr(h, "lakesink-test"));
    ls_store_free(st);
}

/* ---- faults through the proxy ---- */

/* Queue @p count faults of @p mode in the proxy, for requests of @p method (NULL: any). */
static void proxy_fault_for(const char *mode, int count, const char *method)
{
    char url[512];
    snprintf(url, sizeof(url), "%s/__fault?mode=%s&count=%d%s%s", env_or_skip("LS_S3_PROXY"),
             mode, count, method ? "&method=" : "", method ? method : "");
    ls_buf_t out;
    ls_buf_init(&out, 4096);
    long status = 0;
    ls_error_t err;
    assert_int_equal(ls__http_simple("PUT", url, NULL, 5000, &out, &status, &err), LS_OK);
    assert_int_equal(status, 200);
    ls_buf_free(&out);
}

static void proxy_fault(const char *mode, int count)
{
    proxy_fault_for(mode, count, NULL);
}

static ls_store_t *open_proxy(unsigned max_attempts, unsigned stall_ms)
{
    ls_store_opts_t o;
    ls_store_opts_init(&o);
    o.retry.base_ms = 5;
    o.retry.cap_ms = 50;
    o.retry.max_attempts = max_attempts;
    o.retry.breaker_threshold = 0;
    o.stall_timeout_ms = stall_ms;
    return open_at(env_or_skip("LS_S3_PROXY"), env_or_skip("LS_S3_BUCKET"), "faults", &o);
}

static void test_retries_through_proxy(void **state)
{
    (void)state;
    ls_store_t *st = open_proxy(8, 1000);
    ls_error_t err;
    ls_store_stats_t s;
    /* throttling, server errors and resets are retried until the operation succeeds */
    proxy_fault("503", 3);
    must(ls_store_put(st, "a", "after 503", 9, &err), &err, "put through 503s");
    ls_store_stats(st, &s);
    assert_int_equal(s.retries, 3);
    assert_int_equal(ls_store_stats_status(&s, 503), 3);
    proxy_fault("500", 2);
    proxy_fault("reset", 2);
    ls_buf_t b;
    ls_buf_init(&b, 100);
    must(ls_store_get(st, "a", &b, &err), &err, "get through 500s and resets");
    assert_memory_equal(b.data, "after 503", 9);
    ls_store_stats(st, &s);
    /* a reset on a reused connection may be retried inside curl on a fresh one, invisibly */
    assert_true(s.retries >= 6 && s.retries <= 7);
    assert_int_equal(ls_store_stats_status(&s, 500), 2);
    assert_true(ls_store_stats_status(&s, 0) >= 1);
    /* a stalled connection times out and is retried */
    uint64_t before = s.retries;
    proxy_fault("stall", 1);
    ls_buf_reset(&b);
    must(ls_store_get(st, "a", &b, &err), &err, "get through a stall");
    ls_store_stats(st, &s);
    assert_int_equal(s.retries, before + 1);
    /* 409 on a conditional write is a transient conflict */
    proxy_fault("409", 1);
    must(ls_store_put_if_absent(st, "_delta_log/1.json", "c1", 2, &err), &err, "put 409");
    /* the first attempt lands but its answer is lost: the retry's 412 is recognised as ours */
    proxy_fault("reset-after", 1);
    must(ls_store_put_if_absent(st, "_delta_log/2.json", "c2", 2, &err), &err,
         "put-if-absent whose answer was lost");
    /* ... while a real conflict stays a conflict */
    proxy_fault("reset-after", 1);
    must(ls_store_put(st, "_delta_log/3.json", "theirs", 6, &err), &err, "put 3");
    proxy_fault("reset", 1);
    assert_int_equal(ls_store_put_if_absent(st, "_delta_log/3.json", "mine", 4, &err),
                     LS_ERR_EXISTS);
    /* multipart upload survives faults on every kind of request */
    ls_store_opts_t o;
    ls_store_opts_init(&o);
    o.part_size = LS_STORE_MIN_PART_SIZE;
    o.retry.base_ms = 5;
    o.retry.cap_ms = 50;
    ls_store_t *mp = open_at(env_or_skip("LS_S3_PROXY"), env_or_skip("LS_S3_BUCKET"), "faults",
                             &o);
    size_t total = LS_STORE_MIN_PART_SIZE * 2 + 100;
    uint8_t *data = malloc(total);
    fill_pattern(data, total, 99);
    ls_store_writer_t *w;
    must(ls_store_writer_open(mp, "mp.bin", &w, &err), &err, "writer");
    ls_sink_t sink = ls_store_writer_sink(w);
    proxy_fault_for("503", 1, "POST"); /* CreateMultipartUpload */
    must(sink.write(sink.ctx, data, LS_STORE_MIN_PART_SIZE, &err), &err, "part 1");
    proxy_fault("reset", 1);
    must(sink.write(sink.ctx, data + LS_STORE_MIN_PART_SIZE, total - LS_STORE_MIN_PART_SIZE,
                    &err), &err, "part 2");
    proxy_fault_for("500", 1, "PUT");  /* part 3 */
    proxy_fault_for("503", 1, "POST"); /* CompleteMultipartUpload */
    ls_store_stats(mp, &s);
    before = s.retries;
    must(ls_store_writer_commit(w, &err), &err, "commit");
    ls_store_stats(mp, &s);
    assert_int_equal(s.retries - before, 2);
    char want[65];
    sha256_hex(data, total, want);
    assert_string_equal(helper("sha256 %s %s faults/mp.bin", env_or_skip("LS_S3_ENDPOINT"),
                               env_or_skip("LS_S3_BUCKET")),
                        want);
    free(data);
    ls_store_free(mp);
    /* retries run out: the error says what, where, and that trying later may help */
    ls_store_free(st);
    st = open_proxy(3, 1000);
    proxy_fault("503", 3);
    assert_int_equal(ls_store_put(st, "b", "x", 1, &err), LS_ERR_IO);
    assert_true(err.retriable);
    assert_non_null(strstr(err.msg, "503 SlowDown"));
    assert_non_null(strstr(err.msg, "faults/b"));
    assert_non_null(strstr(err.msg, "attempt 3"));
    ls_buf_free(&b);
    ls_store_free(st);
}

static void test_breaker_dead_endpoint(void **state)
{
    (void)state;
    ls_store_opts_t o;
    ls_store_opts_init(&o);
    o.retry.max_attempts = 2;
    o.retry.base_ms = 1;
    o.retry.cap_ms = 2;
    o.retry.breaker_threshold = 3;
    o.retry.breaker_cooldown_ms = 400;
    o.connect_timeout_ms = 1000;
    ls_store_t *st = open_at(env_or_skip("LS_S3_DEAD_ENDPOINT"), "bucket", "t", &o);
    ls_error_t err;
    ls_buf_t b;
    ls_buf_init(&b, 100);
    /* two failed attempts; the error is retriable */
    assert_int_equal(ls_store_get(st, "k", &b, &err), LS_ERR_IO);
    assert_true(err.retriable);
    assert_non_null(strstr(err.msg, "attempt 2"));
    /* the third consecutive failure opens the breaker, the retry is refused at once */
    assert_int_equal(ls_store_get(st, "k", &b, &err), LS_ERR_RETRY);
    assert_true(err.retriable);
    assert_non_null(strstr(err.msg, "circuit breaker"));
    ls_store_stats_t s0, s1;
    ls_store_stats(st, &s0);
    assert_int_equal(s0.breaker_trips, 1);
    assert_int_equal(s0.requests, 3);
    /* while open: fail fast, nothing sent */
    uint64_t t0 = ls__mono_ms();
    for (int i = 0; i < 20; i++) {
        assert_int_equal(ls_store_put(st, "k", "v", 1, &err), LS_ERR_RETRY);
    }
    assert_true(ls__mono_ms() - t0 < 100);
    ls_store_stats(st, &s1);
    assert_int_equal(s1.requests, s0.requests);
    assert_int_equal(s1.breaker_rejects - s0.breaker_rejects, 20);
    /* after the cool-down one probe goes out; it fails, so the breaker opens again */
    ls__sleep_ms(450);
    assert_int_equal(ls_store_head(st, "k", NULL, NULL, &err), LS_ERR_RETRY);
    ls_store_stats(st, &s1);
    assert_int_equal(s1.requests, s0.requests + 1);
    assert_int_equal(s1.breaker_trips, 2);
    ls_buf_free(&b);
    ls_store_free(st);
}

/* ---- signature verification ---- */

static void test_signature_verified(void **state)
{
    (void)state;
    const char *ep = env_or_skip("LS_S3_VERIFY_ENDPOINT");
    const char *bucket = env_or_skip("LS_S3_VERIFY_BUCKET");
    ls_store_opts_t o;
    ls_store_opts_init(&o);
    o.access_key_id = env_or_skip("LS_S3_VERIFY_KEY_ID");
    o.secret_access_key = env_or_skip("LS_S3_VERIFY_SECRET");
    o.part_size = LS_STORE_MIN_PART_SIZE;
    o.list_page_size = 2;
    o.retry.base_ms = 5;
    ls_store_t *st = open_at(ep, bucket, "signed/t", &o);
    ls_error_t err;
    /* every request kind, signed: PUT, GET, ranged GET, HEAD, conditional PUT, list with
     * continuation tokens, multipart (POST ?uploads=, PUT parts, POST complete), DELETE */
    must(ls_store_put(st, "a.json", "hello", 5, &err), &err, "signed put");
    ls_buf_t b;
    ls_buf_init(&b, 100);
    must(ls_store_get(st, "a.json", &b, &err), &err, "signed get");
    must(ls_store_get_range(st, "a.json", 1, 3, &b, &err), &err, "signed range");
    assert_memory_equal(b.data, "helloell", 8);
    must(ls_store_head(st, "a.json", NULL, NULL, &err), &err, "signed head");
    must(ls_store_put_if_absent(st, "_delta_log/0.json", "v0", 2, &err), &err, "signed pia");
    assert_int_equal(ls_store_put_if_absent(st, "_delta_log/0.json", "v1", 2, &err),
                     LS_ERR_EXISTS);
    /* listing, two keys a page, so continuation tokens are signed too. The query values
     * here avoid '/': moto's verifier mis-handles encoded query values (boto3's requests fail
     * the same way), so a store at the bucket root lists keys without slashes */
    ls_store_t *root = open_at(ep, bucket, "", &o);
    for (int i = 0; i <= 4; i++) {
        char k[32];
        snprintf(k, sizeof(k), "log-%d.json", i);
        must(ls_store_put(root, k, "x", 1, &err), &err, "signed put n");
    }
    keys_t k = {0};
    must(ls_store_list(root, "log-", "log-0.json", keys_cb, &k, &err), &err, "signed list");
    assert_int_equal(k.n, 4);
    assert_string_equal(k.v[3], "log-4.json");
    keys_free(&k);
    ls_store_free(root);
    size_t total = LS_STORE_MIN_PART_SIZE + 4096;
    uint8_t *data = calloc(1, total);
    ls_store_writer_t *w;
    must(ls_store_writer_open(st, "big.parquet", &w, &err), &err, "signed writer");
    ls_sink_t sink = ls_store_writer_sink(w);
    must(sink.write(sink.ctx, data, total, &err), &err, "signed parts");
    must(ls_store_writer_commit(w, &err), &err, "signed complete");
    free(data);
    must(ls_store_del(st, "a.json", &err), &err, "signed delete");
    ls_store_free(st);
    /* a wrong secret is refused, and the error never shows either secret */
    o.secret_access_key = "wrong-secret-abcdefghijklmnopqrstuvwxyz0";
    st = open_at(ep, bucket, "signed/t", &o);
    assert_int_equal(ls_store_put(st, "b.json", "x", 1, &err), LS_ERR_IO);
    assert_non_null(strstr(err.msg, "403"));
    assert_non_null(strstr(err.msg, "SignatureDoesNotMatch"));
    assert_false(err.retriable);
    assert_null(strstr(err.msg, "wrong-secret"));
    assert_null(strstr(err.msg, env_or_skip("LS_S3_VERIFY_SECRET")));
    ls_store_stats_t s;
    ls_store_stats(st, &s);
    assert_int_equal(s.requests, 1); /* not retried */
    assert_int_equal(ls_store_stats_status(&s, 403), 1);
    ls_store_free(st);
    ls_buf_free(&b);
}

/* Every allocation of ours failing in turn on the S3 paths: an error, never a crash or a
 * leak (ASan checks); curl's and OpenSSL's own allocations are not ours to fail. */
static void test_alloc_failures(void **state)
{
    (void)state;
    ls_store_t *st = open_moto("oom");
    ls_error_t err;
    must(ls_store_put(st, "seed", "seed", 4, &err), &err, "seed");
    int failures = 0;
    for (long n = 0; n < 120; n++) {
        char key[32];
        snprintf(key, sizeof(key), "pia/%ld", n);
        ls_buf_t b;
        ls_buf_init(&b, 100);
        keys_t k = {0};
        ls_store_writer_t *w = NULL;
        ls_alloc_fail_after(n, 0);
        ls_err_t rc[5];
        rc[0] = ls_store_put(st, "a", "1", 1, &err);
        rc[1] = ls_store_get(st, "seed", &b, &err);
        rc[2] = ls_store_list(st, NULL, NULL, keys_cb, &k, &err);
        rc[3] = ls_store_put_if_absent(st, key, "x", 1, &err);
        rc[4] = ls_store_writer_open(st, "w", &w, &err);
        if (rc[4] == LS_OK) {
            ls_sink_t sink = ls_store_writer_sink(w);
            rc[4] = sink.write(sink.ctx, "abc", 3, &err);
            if (rc[4] == LS_OK) {
                rc[4] = ls_store_writer_commit(w, &err);
            } else {
                ls_store_writer_abort(w);
            }
        }
        ls_alloc_fail_after(-1, 0);
        for (int i = 0; i < 5; i++) {
            if (rc[i] != LS_OK && rc[i] != LS_ERR_NOMEM) {
                fail_msg("allocation %ld, operation %d: %s", n, i, ls_err_name(rc[i]));
            }
            failures += rc[i] == LS_ERR_NOMEM;
        }
        keys_free(&k);
        ls_buf_free(&b);
    }
    assert_true(failures > 20);
    ls_store_free(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_basic_ops),
        cmocka_unit_test(test_list_encoded_keys),
        cmocka_unit_test(test_put_if_absent),
        cmocka_unit_test(test_list_pagination),
        cmocka_unit_test(test_multipart_writer),
        cmocka_unit_test(test_sse),
        cmocka_unit_test(test_retries_through_proxy),
        cmocka_unit_test(test_breaker_dead_endpoint),
        cmocka_unit_test(test_signature_verified),
        cmocka_unit_test(test_alloc_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

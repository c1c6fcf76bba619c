/*
 * test_store.c — the store interface on the local backend: get/put/head/del, put-if-absent
 * races, listing order and filters, streaming writers (commit, abort, no temp files left),
 * ranged reads and their bounds, sources, key validation, allocation failures.
 * The S3 backend's pure parts are in test_store_s3unit.c, its moto runs in test_store_s3.c.
 */
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lakesink/alloc.h"
#include "lakesink/store.h"
#include "testutil.h"

typedef struct fixture_s {
    char dir[256];
    ls_store_t *st;
} fixture_t;

static int setup(void **state)
{
    fixture_t *f = calloc(1, sizeof(*f));
    const char *d = ls_test_tmpdir();
    if (f == NULL || d == NULL) {
        return -1;
    }
    snprintf(f->dir, sizeof(f->dir), "%s/table", d);
    ls_error_t err;
    if (ls_store_open(f->dir, NULL, &f->st, &err) != LS_OK) {
        fprintf(stderr, "open: %s\n", err.msg);
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture_t *f = *state;
    ls_store_free(f->st);
    char *slash = strrchr(f->dir, '/');
    *slash = '\0';
    ls_test_rmdir(f->dir);
    free(f);
    return 0;
}

static void put_str(ls_store_t *st, const char *key, const char *s)
{
    ls_error_t err;
    ls_err_t rc = ls_store_put(st, key, s, strlen(s), &err);
    if (rc != LS_OK) {
        fail_msg("put %s: %s", key, err.msg);
    }
}

static void test_put_get_head_del(void **state)
{
    fixture_t *f = *state;
    ls_error_t err;
    ls_buf_t b;
    ls_buf_init(&b, 1 << 20);
    assert_int_equal(ls_store_get(f->st, "a/b.txt", &b, &err), LS_ERR_NOT_FOUND);
    assert_non_null(strstr(err.msg, "a/b.txt"));
    put_str(f->st, "a/b.txt", "hello");
    assert_int_equal(ls_store_get(f->st, "a/b.txt", &b, &err), LS_OK);
    assert_int_equal(b.len, 5);
    assert_memory_equal(b.data, "hello", 5);
    put_str(f->st, "a/b.txt", "replaced!"); /* overwrite allowed */
    ls_buf_reset(&b);
    assert_int_equal(ls_store_get(f->st, "a/b.txt", &b, &err), LS_OK);
    assert_int_equal(b.len, 9);
    uint64_t size = 0;
    int64_t mtime = 0;
    assert_int_equal(ls_store_head(f->st, "a/b.txt", &size, &mtime, &err), LS_OK);
    assert_int_equal(size, 9);
    assert_true(mtime > 1600000000000LL);
    assert_int_equal(ls_store_head(f->st, "a/none", &size, &mtime, &err), LS_ERR_NOT_FOUND);
    assert_int_equal(ls_store_head(f->st, "a", &size, &mtime, &err), LS_ERR_NOT_FOUND);
    /* an empty object */
    assert_int_equal(ls_store_put(f->st, "empty", NULL, 0, &err), LS_OK);
    assert_int_equal(ls_store_head(f->st, "empty", &size, NULL, &err), LS_OK);
    assert_int_equal(size, 0);
    assert_int_equal(ls_store_del(f->st, "a/b.txt", &err), LS_OK);
    assert_int_equal(ls_store_del(f->st, "a/b.txt", &err), LS_OK); /* idempotent */
    assert_int_equal(ls_store_head(f->st, "a/b.txt", NULL, NULL, &err), LS_ERR_NOT_FOUND);
    /* the buffer cap applies */
    ls_buf_t small;
    ls_buf_init(&small, 3);
    put_str(f->st, "big", "0123456789");
    assert_int_equal(ls_store_get(f->st, "big", &small, &err), LS_ERR_LIMIT);
    assert_int_equal(small.len, 0);
    ls_buf_free(&small);
    ls_buf_free(&b);
    ls_store_stats_t s;
    ls_store_stats(f->st, &s);
    assert_true(s.requests >= 8);
    assert_int_equal(s.bytes_up, 5 + 9 + 10);
}

static void test_keys_validated(void **state)
{
    fixture_t *f = *state;
    ls_error_t err;
    const char *bad[] = {"", "/abs", "a//b", "a/../b", "..", ".", "a/.", "a/", "../escape"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(ls_store_put(f->st, bad[i], "x", 1, &err), LS_ERR_INVALID_ARG);
        assert_int_equal(ls_store_head(f->st, bad[i], NULL, NULL, &err), LS_ERR_INVALID_ARG);
    }
    /* dots inside names are fine */
    put_str(f->st, "a/.hidden", "1");
    put_str(f->st, "a/..x", "2");
    put_str(f->st, "sp ace/ün:i=%.txt", "3");
    assert_int_equal(ls_store_head(f->st, "sp ace/ün:i=%.txt", NULL, NULL, &err), LS_OK);
}

static void test_uri_forms(void **state)
{
    fixture_t *f = *state;
    ls_error_t err;
    put_str(f->st, "k", "v");
    char uri[600];
    snprintf(uri, sizeof(uri), "file://%s/", f->dir);
    ls_store_t *st2 = NULL;
    assert_int_equal(ls_store_open(uri, NULL, &st2, &err), LS_OK);
    assert_false(ls_store_is_remote(st2));
    assert_int_equal(ls_store_head(st2, "k", NULL, NULL, &err), LS_OK);
    ls_store_free(st2);
    assert_int_equal(ls_store_open("file://relative/x", NULL, &st2, &err), LS_ERR_INVALID_ARG);
    assert_int_equal(ls_store_open("gs://bucket/x", NULL, &st2, &err), LS_ERR_UNSUPPORTED);
    assert_int_equal(ls_store_open("file:///tmp/%zz", NULL, &st2, &err), LS_ERR_INVALID_ARG);
    assert_int_equal(ls_store_open("", NULL, &st2, &err), LS_ERR_INVALID_ARG);
    ls_store_opts_t o;
    ls_store_opts_init(&o);
    o.part_size = 1024;
    assert_int_equal(ls_store_open(f->dir, &o, &st2, &err), LS_ERR_CONFIG);
    ls_store_opts_init(&o);
    o.sse = "rot13";
    assert_int_equal(ls_store_open(f->dir, &o, &st2, &err), LS_ERR_CONFIG);
    assert_null(st2);
}

/* ---- put_if_absent ---- */

typedef struct race_s {
    ls_store_t *st;
    const char *key;
    char body[32];
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
    fixture_t *f = *state;
    ls_error_t err;
    const char *k = "_delta_log/00000000000000000000.json";
    assert_int_equal(ls_store_put_if_absent(f->st, k, "first", 5, &err), LS_OK);
    assert_int_equal(ls_store_put_if_absent(f->st, k, "second", 6, &err), LS_ERR_EXISTS);
    assert_non_null(strstr(err.msg, "00000000000000000000.json"));
    assert_int_equal(ls_store_put_if_absent(f->st, k, "firs", 4, &err), LS_ERR_EXISTS);
    assert_int_equal(ls_store_put_if_absent(f->st, k, "first", 5, &err), LS_OK); /* same bytes */
    ls_buf_t b;
    ls_buf_init(&b, 100);
    assert_int_equal(ls_store_get(f->st, k, &b, &err), LS_OK);
    assert_memory_equal(b.data, "first", 5);

    /* two threads race for each of 40 versions: exactly one wins, its bytes are the object */
    pthread_barrier_t bar;
    pthread_barrier_init(&bar, NULL, 2);
    for (int v = 1; v <= 40; v++) {
        char key[64];
        snprintf(key, sizeof(key), "_delta_log/%020d.json", v);
        race_t r[2];
        pthread_t t[2];
        for (int i = 0; i < 2; i++) {
            r[i] = (race_t){f->st, key, "", &bar, LS_OK};
            snprintf(r[i].body, sizeof(r[i].body), "writer-%d-version-%d", i, v);
            pthread_create(&t[i], NULL, race_thread, &r[i]);
        }
        pthread_join(t[0], NULL);
        pthread_join(t[1], NULL);
        int wins = (r[0].rc == LS_OK) + (r[1].rc == LS_OK);
        assert_int_equal(wins, 1);
        const race_t *w = r[0].rc == LS_OK ? &r[0] : &r[1];
        assert_int_equal(r[0].rc == LS_OK ? r[1].rc : r[0].rc, LS_ERR_EXISTS);
        ls_buf_reset(&b);
        assert_int_equal(ls_store_get(f->st, key, &b, &err), LS_OK);
        assert_int_equal(b.len, strlen(w->body));
        assert_memory_equal(b.data, w->body, b.len);
    }
    pthread_barrier_destroy(&bar);
    ls_buf_free(&b);
}

/* ---- listing ---- */

typedef struct collect_s {
    char keys[64][128];
    uint64_t sizes[64];
    int n;
    int stop_after;
} collect_t;

static ls_err_t collect_cb(void *ud, const ls_store_entry_t *e, ls_error_t *err)
{
    (void)err;
    collect_t *c = ud;
    if (c->n >= 64) {
        return LS_ERR_LIMIT;
    }
    snprintf(c->keys[c->n], sizeof(c->keys[0]), "%s", e->key);
    c->sizes[c->n] = e->size;
    c->n++;
    return c->stop_after > 0 && c->n >= c->stop_after ? LS_ERR_CLOSED : LS_OK;
}

static void list_expect(ls_store_t *st, const char *prefix, const char *after,
                        const char *const *want, int nwant)
{
    collect_t c = {0};
    ls_error_t err;
    ls_err_t rc = ls_store_list(st, prefix, after, collect_cb, &c, &err);
    if (rc != LS_OK) {
        fail_msg("list: %s", err.msg);
    }
    if (c.n != nwant) {
        for (int i = 0; i < c.n; i++) {
            print_message("  got %s\n", c.keys[i]);
        }
        fail_msg("list '%s' after '%s': %d keys, want %d", prefix ? prefix : "",
                 after ? after : "", c.n, nwant);
    }
    for (int i = 0; i < nwant; i++) {
        assert_string_equal(c.keys[i], want[i]);
    }
}

static void test_list_order(void **state)
{
    fixture_t *f = *state;
    /* byte order: '-' (2d) < '/' (2f) < '0' (30) < '_' (5f) < 'a'; directories interleave */
    const char *keys[] = {"a0", "a/c", "a-b", "a/b/z", "a/b", "_delta_log/00002.json",
                          "_delta_log/00010.json", "_delta_log/00001.json",
                          "_delta_log/00001.checkpoint.parquet", "part=1/x.parquet", "Z",
                          "a/b0"};
    /* "a/b" cannot be both a file and a directory: drop the file in favour of the dir */
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        if (strcmp(keys[i], "a/b") != 0) {
            put_str(f->st, keys[i], keys[i]);
        }
    }
    const char *all[] = {"Z",
                         "_delta_log/00001.checkpoint.parquet",
                         "_delta_log/00001.json",
                         "_delta_log/00002.json",
                         "_delta_log/00010.json",
                         "a-b",
                         "a/b/z",
                         "a/b0",
                         "a/c",
                         "a0",
                         "part=1/x.parquet"};
    list_expect(f->st, NULL, NULL, all, 11);
    list_expect(f->st, "", "", all, 11);
    const char *log[] = {"_delta_log/00001.checkpoint.parquet", "_delta_log/00001.json",
                         "_delta_log/00002.json", "_delta_log/00010.json"};
    list_expect(f->st, "_delta_log/", NULL, log, 4);
    list_expect(f->st, "_delta_log/0000", NULL, log, 3);
    list_expect(f->st, "_delta_log/", "_delta_log/00001.json", log + 2, 2);
    list_expect(f->st, "_delta_log/", "_delta_log/00001.z", log + 2, 2);
    list_expect(f->st, NULL, "a/b", all + 6, 5); /* start_after inside a directory */
    list_expect(f->st, NULL, "a/b/z", all + 7, 4);
    list_expect(f->st, "a", NULL, all + 5, 5);
    list_expect(f->st, "a/", NULL, all + 6, 3);
    list_expect(f->st, "a/b", NULL, all + 6, 2);
    list_expect(f->st, "nothing/", NULL, NULL, 0);
    list_expect(f->st, "../", NULL, NULL, 0);
    list_expect(f->st, "a/../", NULL, NULL, 0);
    /* early stop */
    collect_t c = {0};
    c.stop_after = 2;
    ls_error_t err;
    assert_int_equal(ls_store_list(f->st, NULL, NULL, collect_cb, &c, &err), LS_OK);
    assert_int_equal(c.n, 2);
    /* sizes are reported */
    memset(&c, 0, sizeof(c));
    assert_int_equal(ls_store_list(f->st, "Z", NULL, collect_cb, &c, &err), LS_OK);
    assert_int_equal(c.n, 1);
    assert_int_equal(c.sizes[0], 1);
}

static ls_err_t fail_cb(void *ud, const ls_store_entry_t *e, ls_error_t *err)
{
    (void)ud;
    return ls_error_set(err, LS_ERR_SCHEMA, "rejected %s", e->key);
}

static void test_list_callback_error(void **state)
{
    fixture_t *f = *state;
    put_str(f->st, "x", "1");
    ls_error_t err;
    assert_int_equal(ls_store_list(f->st, NULL, NULL, fail_cb, NULL, &err), LS_ERR_SCHEMA);
    assert_string_equal(err.msg, "rejected x");
    /* a root that does not exist lists nothing */
    ls_store_t *st2;
    assert_int_equal(ls_store_open("/nonexistent/lakesink/table", NULL, &st2, &err), LS_OK);
    list_expect(st2, NULL, NULL, NULL, 0);
    ls_store_free(st2);
}

/* ---- writers ---- */

/* Every name in the tree under dir, recursively, including hidden ones. */
static int count_files(const char *dir, int *tmp)
{
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *de;
    while (d != NULL && (de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0) {
            continue;
        }
        char p[1024];
        snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
        struct stat sb;
        if (stat(p, &sb) == 0 && S_ISDIR(sb.st_mode)) {
            n += count_files(p, tmp);
        } else {
            n++;
            *tmp += strstr(de->d_name, "tmp") != NULL;
        }
    }
    if (d != NULL) {
        closedir(d);
    }
    return n;
}

static void test_writer_commit_abort(void **state)
{
    fixture_t *f = *state;
    ls_error_t err;
    ls_store_writer_t *w;
    assert_int_equal(ls_store_writer_open(f->st, "part=a/f1.parquet", &w, &err), LS_OK);
    ls_sink_t s = ls_store_writer_sink(w);
    uint8_t chunk[10000];
    for (size_t i = 0; i < sizeof(chunk); i++) {
        chunk[i] = (uint8_t)(i * 7);
    }
    for (int i = 0; i < 100; i++) {
        assert_int_equal(s.write(s.ctx, chunk, (size_t)(i * 37 % 10000), &err), LS_OK);
    }
    assert_int_equal(s.write(s.ctx, chunk, 0, &err), LS_OK);
    uint64_t total = ls_store_writer_bytes(w);
    /* invisible until committed */
    assert_int_equal(ls_store_head(f->st, "part=a/f1.parquet", NULL, NULL, &err),
                     LS_ERR_NOT_FOUND);
    collect_t c = {0};
    assert_int_equal(ls_store_list(f->st, NULL, NULL, collect_cb, &c, &err), LS_OK);
    assert_int_equal(c.n, 0); /* the temp file is hidden */
    assert_int_equal(ls_store_writer_commit(w, &err), LS_OK);
    uint64_t size;
    assert_int_equal(ls_store_head(f->st, "part=a/f1.parquet", &size, NULL, &err), LS_OK);
    assert_int_equal(size, total);
    ls_buf_t b;
    ls_buf_init(&b, LS_BUF_UNLIMITED);
    /* write 1 is 37 bytes, write 2 (74 bytes of chunk) starts at 37 */
    assert_int_equal(ls_store_get_range(f->st, "part=a/f1.parquet", 37, 74, &b, &err), LS_OK);
    assert_memory_equal(b.data, chunk, 74);
    ls_buf_free(&b);

    /* abort leaves nothing */
    assert_int_equal(ls_store_writer_open(f->st, "part=b/f2.parquet", &w, &err), LS_OK);
    s = ls_store_writer_sink(w);
    assert_int_equal(s.write(s.ctx, chunk, sizeof(chunk), &err), LS_OK);
    ls_store_writer_abort(w);
    ls_store_writer_abort(NULL);
    assert_int_equal(ls_store_head(f->st, "part=b/f2.parquet", NULL, NULL, &err),
                     LS_ERR_NOT_FOUND);
    int tmp = 0;
    assert_int_equal(count_files(f->dir, &tmp), 1);
    assert_int_equal(tmp, 0);
}

static void test_get_range_bounds(void **state)
{
    fixture_t *f = *state;
    ls_error_t err;
    put_str(f->st, "r", "0123456789");
    ls_buf_t b;
    ls_buf_init(&b, 100);
    assert_int_equal(ls_store_get_range(f->st, "r", 2, 3, &b, &err), LS_OK);
    assert_int_equal(b.len, 3);
    assert_memory_equal(b.data, "234", 3);
    assert_int_equal(ls_store_get_range(f->st, "r", 7, 3, &b, &err), LS_OK); /* to the end */
    assert_memory_equal(b.data, "234789", 6);
    assert_int_equal(ls_store_get_range(f->st, "r", 8, 3, &b, &err), LS_ERR_INVALID_ARG);
    assert_int_equal(ls_store_get_range(f->st, "r", 10, 1, &b, &err), LS_ERR_INVALID_ARG);
    assert_int_equal(ls_store_get_range(f->st, "r", UINT64_MAX, 2, &b, &err),
                     LS_ERR_INVALID_ARG);
    assert_int_equal(ls_store_get_range(f->st, "r", 10, 0, &b, &err), LS_OK);
    assert_int_equal(ls_store_get_range(f->st, "missing", 0, 1, &b, &err), LS_ERR_NOT_FOUND);
    assert_int_equal(b.len, 6);
    ls_buf_free(&b);
}

static void test_source(void **state)
{
    fixture_t *f = *state;
    ls_error_t err;
    put_str(f->st, "s/file.bin", "abcdefghij");
    ls_store_source_t *h;
    ls_source_t src;
    assert_int_equal(ls_store_source_open(f->st, "s/file.bin", &h, &src, &err), LS_OK);
    assert_int_equal(src.size, 10);
    assert_non_null(strstr(src.name, "s/file.bin"));
    char out[4];
    assert_int_equal(ls_source_read(&src, 6, out, 4, &err), LS_OK);
    assert_memory_equal(out, "ghij", 4);
    assert_int_equal(ls_source_read(&src, 8, out, 4, &err), LS_ERR_CORRUPT);
    ls_store_source_close(h);
    assert_int_equal(ls_store_source_open(f->st, "s/none", &h, &src, &err), LS_ERR_NOT_FOUND);
    assert_null(h);
}

/* Every allocation failing in turn: an error code, never a crash or a leak (ASan checks). */
static void test_alloc_failures(void **state)
{
    fixture_t *f = *state;
    put_str(f->st, "d/one", "1");
    put_str(f->st, "d/two", "22");
    for (long n = 0; n < 60; n++) {
        ls_error_t err;
        ls_buf_t b;
        ls_buf_init(&b, 100);
        collect_t c = {0};
        ls_store_writer_t *w = NULL;
        ls_alloc_fail_after(n, 0);
        ls_err_t r1 = ls_store_put(f->st, "d/three", "333", 3, &err);
        ls_err_t r2 = ls_store_get(f->st, "d/two", &b, &err);
        ls_err_t r3 = ls_store_list(f->st, "d/", NULL, collect_cb, &c, &err);
        ls_err_t r4 = ls_store_writer_open(f->st, "d/w", &w, &err);
        if (r4 == LS_OK) {
            ls_store_writer_abort(w);
        }
        ls_err_t r5 = ls_store_put_if_absent(f->st, "d/four", "4", 1, &err);
        ls_alloc_fail_after(-1, 0);
        assert_true(r1 == LS_OK || r1 == LS_ERR_NOMEM);
        assert_true(r2 == LS_OK || r2 == LS_ERR_NOMEM);
        assert_true(r3 == LS_OK || r3 == LS_ERR_NOMEM);
        assert_true(r4 == LS_OK || r4 == LS_ERR_NOMEM);
        assert_true(r5 == LS_OK || r5 == LS_ERR_NOMEM || r5 == LS_ERR_EXISTS);
        ls_buf_free(&b);
    }
    int tmp = 0;
    count_files(f->dir, &tmp);
    assert_int_equal(tmp, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_put_get_head_del, setup, teardown),
        cmocka_unit_test_setup_teardown(test_keys_validated, setup, teardown),
        cmocka_unit_test_setup_teardown(test_uri_forms, setup, teardown),
        cmocka_unit_test_setup_teardown(test_put_if_absent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_callback_error, setup, teardown),
        cmocka_unit_test_setup_teardown(test_writer_commit_abort, setup, teardown),
        cmocka_unit_test_setup_teardown(test_get_range_bounds, setup, teardown),
        cmocka_unit_test_setup_teardown(test_source, setup, teardown),
        cmocka_unit_test_setup_teardown(test_alloc_failures, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

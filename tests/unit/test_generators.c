/*
 * test_generators.c — the event generators of gen.h: determinism, valid JSON (checked
 * with the project's strict parser), the order totals and the Debezium envelope of the
 * change stream (ops, before/after continuity, tombstones after deletes).
 */
#include <stdio.h>
#include <string.h>

#include "lakesink/arena.h"
#include "lakesink/buf.h"
#include "lakesink/gen.h"
#include "lakesink/json.h"
#include "testutil.h"

static uint64_t fnv64(const void *p, size_t n, uint64_t h)
{
    const unsigned char *s = p;
    for (size_t i = 0; i < n; i++) {
        h = (h ^ s[i]) * 0x100000001b3ULL;
    }
    return h;
}

/* Parse b's contents (without the trailing newline) as one JSON document. */
static ls_json_value_t *parse(ls_arena_t *a, const ls_buf_t *b)
{
    ls_json_value_t *v = NULL;
    ls_error_t err;
    size_t n = b->len;
    assert_true(n > 0);
    if (b->data[n - 1] == '\n') {
        n--;
    }
    ls_err_t rc = ls_json_parse((const char *)b->data, n, a, &v, &err);
    if (rc != LS_OK) {
        fail_msg("invalid JSON (%s): %.*s", err.msg, (int)n, (const char *)b->data);
    }
    return v;
}

static void test_user_event_unchanged(void **state)
{
    (void)state;
    /* the published benchmark data: this stream must never change */
    ls_gen_t g;
    ls_gen_init(&g, 0, 1705276800);
    ls_buf_t b;
    ls_buf_init(&b, LS_BUF_UNLIMITED);
    assert_int_equal(ls_gen_user_event(&g, 0, &b), LS_OK);
    assert_true(strncmp((const char *)b.data, "{\"user_id\":\"user_", 17) == 0);
    assert_int_equal(b.data[b.len - 1], '\n');
    ls_buf_free(&b);
}

static void test_orders(void **state)
{
    (void)state;
    ls_arena_t *a = ls_arena_new(4096, 1 << 20);
    ls_gen_t g1, g2;
    ls_gen_init(&g1, 7, 1705276800);
    ls_gen_init(&g2, 7, 1705276800);
    ls_buf_t b1, b2;
    ls_buf_init(&b1, LS_BUF_UNLIMITED);
    ls_buf_init(&b2, LS_BUF_UNLIMITED);
    for (uint64_t i = 0; i < 2000; i++) {
        ls_buf_reset(&b1);
        ls_buf_reset(&b2);
        assert_int_equal(ls_gen_order(&g1, i, &b1), LS_OK);
        assert_int_equal(ls_gen_order(&g2, i, &b2), LS_OK);
        assert_int_equal(b1.len, b2.len);
        assert_memory_equal(b1.data, b2.data, b1.len);
        ls_arena_reset(a);
        ls_json_value_t *v = parse(a, &b1);
        char id[32];
        snprintf(id, sizeof(id), "ord_%010llu", (unsigned long long)i);
        assert_string_equal(ls_json_get(v, "order_id")->str, id);
        const ls_json_value_t *items = ls_json_get(v, "items");
        assert_true(items->kind == LS_JSON_ARRAY && items->n >= 1 && items->n <= 4);
        double sum = 0;
        for (size_t k = 0; k < items->n; k++) {
            sum += ls_json_get(items->items[k], "quantity")->num *
                   ls_json_get(items->items[k], "unit_price")->num;
        }
        double total = ls_json_get(v, "total")->num;
        assert_true(sum - total < 0.005 && total - sum < 0.005);
        assert_non_null(ls_json_get(ls_json_get(v, "shipping"), "country"));
    }
    ls_buf_free(&b1);
    ls_buf_free(&b2);
    ls_arena_free(a);
}

/* Hash of the first @p n events of a cdc stream (keys, values and tombstone flags). */
static uint64_t cdc_hash(uint64_t seed, int n)
{
    ls_gen_cdc_t c;
    ls_gen_cdc_init(&c, seed, 1705276800);
    ls_buf_t k, v;
    ls_buf_init(&k, LS_BUF_UNLIMITED);
    ls_buf_init(&v, LS_BUF_UNLIMITED);
    uint64_t h = 0xcbf29ce484222325ULL;
    for (int i = 0; i < n; i++) {
        int tomb;
        ls_buf_reset(&k);
        ls_buf_reset(&v);
        assert_int_equal(ls_gen_cdc_next(&c, &k, &v, &tomb), LS_OK);
        h = fnv64(k.data, k.len, h);
        h = fnv64(v.data, v.len, h ^ (uint64_t)tomb);
    }
    ls_buf_free(&k);
    ls_buf_free(&v);
    return h;
}

static void test_cdc_deterministic(void **state)
{
    (void)state;
    assert_true(cdc_hash(0, 3000) == cdc_hash(0, 3000));
    assert_true(cdc_hash(1, 3000) != cdc_hash(2, 3000));
}

/* The "after" text of the last event per row id (ids stay below 8192 in this test). */
#define MAXID 8192
static char *last_after[MAXID];

static void check_envelope(ls_arena_t *a, const ls_json_value_t *v, char op, int64_t id)
{
    const ls_json_value_t *before = ls_json_get(v, "before"), *after = ls_json_get(v, "after");
    const ls_json_value_t *src = ls_json_get(v, "source");
    assert_non_null(before);
    assert_non_null(after);
    assert_non_null(src);
    static const char *const keys[] = {"connector", "db", "table", "ts_ms", "lsn"};
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        assert_non_null(ls_json_get(src, keys[i]));
    }
    assert_true(ls_json_get(v, "ts_ms")->is_int);
    assert_int_equal(before->kind == LS_JSON_NULL, op == 'c' || op == 'r');
    assert_int_equal(after->kind == LS_JSON_NULL, op == 'd');
    if (op == 'u' || op == 'd') { /* before is exactly the previous after */
        ls_buf_t t;
        ls_buf_init(&t, LS_BUF_UNLIMITED);
        assert_int_equal(ls_json_write_value(before, &t), LS_OK);
        assert_int_equal(ls_buf_terminate(&t), LS_OK);
        assert_non_null(last_after[id]);
        assert_string_equal((const char *)t.data, last_after[id]);
        ls_buf_free(&t);
    }
    if (after->kind != LS_JSON_NULL) {
        ls_buf_t t;
        ls_buf_init(&t, LS_BUF_UNLIMITED);
        assert_int_equal(ls_json_write_value(after, &t), LS_OK);
        assert_int_equal(ls_json_get(after, "id")->i64, id);
        last_after[id] = ls_arena_strndup(a, (const char *)t.data, t.len);
        ls_buf_free(&t);
    }
}

static void test_cdc_shape(void **state)
{
    (void)state;
    memset(last_after, 0, sizeof(last_after));
    ls_arena_t *keep = ls_arena_new(1 << 16, 64u << 20), *a = ls_arena_new(4096, 1 << 20);
    ls_gen_cdc_t c;
    ls_gen_cdc_init(&c, 0, 1705276800);
    ls_buf_t k, v;
    ls_buf_init(&k, LS_BUF_UNLIMITED);
    ls_buf_init(&v, LS_BUF_UNLIMITED);
    int counts[128] = {0}, tombs = 0;
    int64_t deleted = -1;
    for (int i = 0; i < 5000; i++) {
        int tomb;
        ls_buf_reset(&k);
        ls_buf_reset(&v);
        assert_int_equal(ls_gen_cdc_next(&c, &k, &v, &tomb), LS_OK);
        ls_arena_reset(a);
        ls_json_value_t *key = parse(a, &k);
        int64_t id = ls_json_get(key, "id")->i64;
        assert_true(id > 0 && id < MAXID);
        if (deleted >= 0) { /* the event after a delete is its tombstone */
            assert_int_equal(tomb, 1);
            assert_int_equal(v.len, 0);
            assert_int_equal(id, deleted);
            deleted = -1;
            tombs++;
            continue;
        }
        assert_int_equal(tomb, 0);
        ls_json_value_t *val = parse(a, &v);
        const char *op = ls_json_get(val, "op")->str;
        assert_true(strlen(op) == 1 && strchr("cudr", op[0]) != NULL);
        assert_true(i >= 16 || op[0] == 'r');
        counts[(int)op[0]]++;
        check_envelope(keep, val, op[0], id);
        if (op[0] == 'd') {
            deleted = id;
            last_after[id] = NULL;
        }
    }
    assert_int_equal(counts['r'], 16);
    assert_true(counts['c'] > 100 && counts['u'] > 100 && counts['d'] > 100);
    assert_true(tombs == counts['d'] || tombs + 1 == counts['d']);
    ls_buf_free(&k);
    ls_buf_free(&v);
    ls_arena_free(a);
    ls_arena_free(keep);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_user_event_unchanged),
        cmocka_unit_test(test_orders),
        cmocka_unit_test(test_cdc_deterministic),
        cmocka_unit_test(test_cdc_shape),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

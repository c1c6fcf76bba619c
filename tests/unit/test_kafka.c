/*
 * test_kafka.c — the Kafka helpers against an in-process mock cluster: topic names,
 * topic creation, delivery counting per partition, tombstones, and failures counted
 * when nothing is listening.
 */
#include <string.h>

#include "lakesink/kafka.h"
#include "lakesink/log.h"
#include "testutil.h"

static void test_topic_names(void **state)
{
    (void)state;
    assert_true(ls_kafka_topic_valid("events.v1_a-b"));
    assert_false(ls_kafka_topic_valid(""));
    assert_false(ls_kafka_topic_valid("."));
    assert_false(ls_kafka_topic_valid(".."));
    assert_false(ls_kafka_topic_valid("a/b"));
    assert_false(ls_kafka_topic_valid("a b"));
    char big[LS_KAFKA_TOPIC_MAX + 2];
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    assert_false(ls_kafka_topic_valid(big));
    big[LS_KAFKA_TOPIC_MAX] = '\0';
    assert_true(ls_kafka_topic_valid(big));
}

static void test_mock_produce(void **state)
{
    (void)state;
    ls_log_set_level(LS_LOG_OFF);
    ls_error_t err;
    assert_null(ls_kafka_mock_start(0, &err));
    ls_kafka_mock_t *m = ls_kafka_mock_start(1, &err);
    assert_non_null(m);
    assert_true(strncmp(ls_kafka_mock_bootstrap(m), "127.0.0.1:", 10) == 0);
    assert_int_equal(ls_kafka_mock_topic(m, "t", 3, &err), LS_OK);
    assert_int_equal(ls_kafka_mock_topic(m, "bad/name", 3, &err), LS_ERR_INVALID_ARG);
    assert_int_equal(ls_kafka_mock_topic(m, "t2", 0, &err), LS_ERR_INVALID_ARG);
    const char *bad[] = {"no.such.property", "1"};
    assert_null(ls_kafka_producer_new(ls_kafka_mock_bootstrap(m), "t", bad, 1, &err));
    assert_int_equal(err.code, LS_ERR_CONFIG);
    ls_kafka_producer_t *p = ls_kafka_producer_new(ls_kafka_mock_bootstrap(m), "t", NULL, 0, &err);
    assert_non_null(p);
    assert_int_equal(ls_kafka_producer_partitions(p, 5000, &err), 3);
    for (int i = 0; i < 30; i++) {
        assert_int_equal(ls_kafka_producer_send(p, i % 3, "k", 1, "value", 5, &err), LS_OK);
    }
    assert_int_equal(ls_kafka_producer_send(p, 2, "k", 1, NULL, 0, &err), LS_OK); /* tombstone */
    assert_int_equal(ls_kafka_producer_flush(p, 10000, &err), LS_OK);
    size_t n;
    const ls_kafka_part_stats_t *st = ls_kafka_producer_stats(p, &n);
    assert_int_equal(n, 3);
    assert_int_equal(st[0].messages, 10);
    assert_int_equal(st[0].bytes, 60);
    assert_int_equal(st[2].messages, 11);
    assert_int_equal(st[2].bytes, 61);
    assert_int_equal(ls_kafka_producer_failed(p), 0);
    assert_string_equal(ls_kafka_producer_first_error(p), "");
    ls_kafka_producer_free(p);
    ls_kafka_mock_stop(m);
}

static void test_failures_counted(void **state)
{
    (void)state;
    ls_log_set_level(LS_LOG_OFF);
    ls_error_t err;
    const char *conf[] = {"message.timeout.ms", "300"};
    ls_kafka_producer_t *p = ls_kafka_producer_new("127.0.0.1:1", "t", conf, 1, &err);
    assert_non_null(p);
    for (int i = 0; i < 4; i++) {
        assert_int_equal(ls_kafka_producer_send(p, -1, NULL, 0, "v", 1, &err), LS_OK);
    }
    ls_kafka_producer_flush(p, 5000, &err);
    assert_int_equal(ls_kafka_producer_failed(p), 4);
    assert_true(strlen(ls_kafka_producer_first_error(p)) > 0);
    ls_kafka_producer_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_topic_names),
        cmocka_unit_test(test_mock_produce),
        cmocka_unit_test(test_failures_counted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

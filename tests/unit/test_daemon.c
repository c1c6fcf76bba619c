/*
 * test_daemon.c — the daemon in-process against librdkafka's mock cluster (a real Kafka
 * protocol broker) and a local table: rows land once with txn positions equal to the last
 * offsets, a restart resumes without duplicates, schema evolution adds columns and widens
 * integer/float columns a value outgrew (Delta type widening), and a malformed message
 * without a dead-letter topic stops the daemon naming the offset while committing nothing
 * past it.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lakesink/conf.h"
#include "lakesink/daemon.h"
#include "lakesink/delta.h"
#include "lakesink/json.h"
#include "lakesink/kafka.h"
#include "lakesink/log.h"
#include "lakesink/store.h"
#include "testutil.h"

typedef struct {
    ls_kafka_mock_t *mock;
    char dir[256];
    char table[300];
} fx_t;

typedef struct {
    ls_daemon_t *d;
    ls_err_t rc;
    ls_error_t err;
    volatile int done;
} runner_t;

static void *run_main(void *arg)
{
    runner_t *r = arg;
    r->rc = ls_daemon_run(r->d, &r->err);
    __atomic_store_n(&r->done, 1, __ATOMIC_SEQ_CST);
    return NULL;
}

static void fx_open(fx_t *f, const char *topic, int parts)
{
    ls_error_t err;
    ls_error_clear(&err);
    ls_log_set_level(LS_LOG_ERROR);
    f->mock = ls_kafka_mock_start(1, &err);
    assert_non_null(f->mock);
    assert_int_equal(ls_kafka_mock_topic(f->mock, topic, parts, &err), LS_OK);
    snprintf(f->dir, sizeof(f->dir), "/tmp/ls_test_daemon_XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->table, sizeof(f->table), "%s/t", f->dir);
}

static void fx_close(fx_t *f)
{
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
    assert_int_equal(system(cmd), 0);
    ls_kafka_mock_stop(f->mock);
}

static void produce(fx_t *f, const char *topic, int first, int n, const char *bad_at_10)
{
    ls_error_t err;
    ls_error_clear(&err);
    ls_kafka_producer_t *p =
        ls_kafka_producer_new(ls_kafka_mock_bootstrap(f->mock), topic, NULL, 0, &err);
    assert_non_null(p);
    for (int i = first; i < first + n; i++) {
        char v[256];
        int len = snprintf(v, sizeof(v),
                           "{\"id\":%d,\"ts\":\"2024-01-15T10:00:00Z\",\"kind\":\"%c\"%s}", i,
                           'a' + i % 3, i >= 1000 ? ",\"extra\":1.5" : "");
        const char *val = bad_at_10 != NULL && i - first == 10 ? bad_at_10 : v;
        size_t vlen = val == v ? (size_t)len : strlen(val);
        assert_int_equal(ls_kafka_producer_send(p, -1, &i, sizeof(i), val, vlen, &err), LS_OK);
    }
    assert_int_equal(ls_kafka_producer_flush(p, 30000, &err), LS_OK);
    ls_kafka_producer_free(p);
}

static ls_conf_t *config_dest(fx_t *f, const char *group, const char *extra, const char *dest)
{
    char text[2048];
    snprintf(text, sizeof(text),
             "app-id: app\nkafka:\n  brokers: \"%s\"\n  group-id: %s\n  properties:\n"
             "    session.timeout.ms: \"6000\"\n    heartbeat.interval.ms: \"500\"\n"
             "    max.poll.interval.ms: \"10000\"\nhttp: {listen: \"127.0.0.1:0\"}\nworkers: 2\n"
             "topics:\n  t:\n    kafka-topic: ev\n"
             "    metadata-columns: [_kafka_partition, _kafka_offset]\n"
             "    destination: {table-uri: \"%s\", partition-columns: [kind]%s}\n"
             "    processing: {batch-size: 100000, flush-interval: 300ms%s}\n",
             ls_kafka_mock_bootstrap(f->mock), group, f->table, dest, extra);
    ls_conf_t *conf = NULL;
    ls_error_t err;
    ls_error_clear(&err);
    if (ls_conf_load_buf(text, strlen(text), "t.yml", &conf, NULL, &err) != LS_OK) {
        print_message("config: %s\n", err.msg);
    }
    assert_non_null(conf);
    return conf;
}

static ls_conf_t *config(fx_t *f, const char *group, const char *extra)
{
    return config_dest(f, group, extra, "");
}

/* Whether the table schema has a top-level column @p name. */
static bool table_has_column(fx_t *f, const char *name)
{
    ls_store_t *st = NULL;
    ls_delta_snapshot_t *s = NULL;
    ls_error_t err;
    ls_error_clear(&err);
    bool has = ls_store_open(f->table, NULL, &st, &err) == LS_OK &&
               ls_delta_snapshot_load(st, NULL, &s, &err) == LS_OK &&
               ls_type_struct_find(ls_delta_snapshot_schema(s), name) >= 0;
    ls_delta_snapshot_free(s);
    ls_store_free(st);
    return has;
}

/* Rows committed (from stats) and the sum of txn versions + 1 over partitions. */
static void table_counts(fx_t *f, int64_t *rows, int64_t *positions)
{
    ls_store_t *st = NULL;
    ls_delta_snapshot_t *s = NULL;
    ls_error_t err;
    ls_error_clear(&err);
    *rows = *positions = 0;
    if (ls_store_open(f->table, NULL, &st, &err) != LS_OK ||
        ls_delta_snapshot_load(st, NULL, &s, &err) != LS_OK) {
        ls_store_free(st);
        return;
    }
    size_t cur = 0;
    for (const ls_delta_file_t *x; (x = ls_delta_snapshot_next_file(s, &cur)) != NULL;) {
        const char *n = strstr(x->add.stats, "\"numRecords\":");
        *rows += n ? strtoll(n + 13, NULL, 10) : 0;
    }
    cur = 0;
    for (const ls_delta_txn_t *t; (t = ls_delta_snapshot_next_txn(s, &cur)) != NULL;) {
        *positions += t->version + 1;
    }
    ls_delta_snapshot_free(s);
    ls_store_free(st);
}

/* Run the daemon until the table shows @p want positions (or 60 s), then stop it. */
static ls_err_t run_until(fx_t *f, ls_conf_t *conf, int64_t want, ls_error_t *out)
{
    runner_t r;
    memset(&r, 0, sizeof(r));
    r.d = ls_daemon_new(conf, &r.err);
    if (r.d == NULL) {
        print_message("daemon: %s\n", r.err.msg);
    }
    assert_non_null(r.d);
    pthread_t th;
    pthread_create(&th, NULL, run_main, &r);
    for (int i = 0; i < 600; i++) {
        int64_t rows, pos;
        table_counts(f, &rows, &pos);
        if (pos >= want || __atomic_load_n(&r.done, __ATOMIC_SEQ_CST)) {
            break;
        }
        usleep(100000);
    }
    ls_daemon_stop(r.d);
    pthread_join(th, NULL);
    ls_daemon_free(r.d);
    *out = r.err;
    return r.rc;
}

static void test_once_and_restart(void **state)
{
    (void)state;
    fx_t f;
    fx_open(&f, "ev", 3);
    produce(&f, "ev", 0, 900, NULL);
    ls_conf_t *conf = config(&f, "g1", "");
    ls_error_t err;
    assert_int_equal(run_until(&f, conf, 900, &err), LS_OK);
    int64_t rows, pos;
    table_counts(&f, &rows, &pos);
    assert_false(table_has_column(&f, "extra"));
    assert_int_equal(rows, 900);
    assert_int_equal(pos, 900); /* txn version = last offset, summed over partitions */
    /* more messages, some with a new field; a new consumer group (so Kafka holds no
     * offsets for it) under the same app-id resumes from the table's txn positions, and
     * the new field becomes a column */
    ls_conf_free(conf);
    conf = config(&f, "g1b", ", unknown-fields: evolve");
    produce(&f, "ev", 900, 300, NULL);
    assert_int_equal(run_until(&f, conf, 1200, &err), LS_OK);
    table_counts(&f, &rows, &pos);
    assert_int_equal(rows, 1200);
    assert_int_equal(pos, 1200);
    assert_true(table_has_column(&f, "extra"));
    assert_true(table_has_column(&f, "_kafka_offset"));
    ls_conf_free(conf);
    fx_close(&f);
}

static void test_bad_message_without_dlq(void **state)
{
    (void)state;
    fx_t f;
    fx_open(&f, "ev", 1);
    produce(&f, "ev", 0, 50, "{\"id\": 1,");
    ls_conf_t *conf = config(&f, "g2", "");
    /* the schema comes from the table: create it with the good rows' shape first */
    ls_error_t err;
    ls_error_clear(&err);
    ls_err_t rc = run_until(&f, conf, 51, &err);
    assert_int_not_equal(rc, LS_OK);
    assert_non_null(strstr(err.msg, "ev[0]@10"));
    assert_non_null(strstr(err.msg, "dlq.topic"));
    int64_t rows, pos;
    table_counts(&f, &rows, &pos);
    assert_true(pos <= 10); /* nothing committed at or past the bad message */
    assert_int_equal(rows, pos);
    ls_conf_free(conf);
    fx_close(&f);
}

/* Messages with values from @p vals (NULL-terminated), keyed by their index. */
static void produce_values(fx_t *f, const char *topic, const char *const *vals)
{
    ls_error_t err;
    ls_error_clear(&err);
    ls_kafka_producer_t *p =
        ls_kafka_producer_new(ls_kafka_mock_bootstrap(f->mock), topic, NULL, 0, &err);
    assert_non_null(p);
    for (int i = 0; vals[i] != NULL; i++) {
        assert_int_equal(ls_kafka_producer_send(p, 0, &i, sizeof(i), vals[i], strlen(vals[i]),
                                                &err),
                         LS_OK);
    }
    assert_int_equal(ls_kafka_producer_flush(p, 30000, &err), LS_OK);
    ls_kafka_producer_free(p);
}

/* A table declared with narrow columns: integer, float and a nested short. */
static void create_narrow_table(fx_t *f)
{
    static const char schema[] =
        "{\"type\":\"struct\",\"fields\":["
        "{\"name\":\"id\",\"type\":\"long\",\"nullable\":true,\"metadata\":{}},"
        "{\"name\":\"n\",\"type\":\"integer\",\"nullable\":true,\"metadata\":{}},"
        "{\"name\":\"f\",\"type\":\"float\",\"nullable\":true,\"metadata\":{}},"
        "{\"name\":\"s\",\"type\":{\"type\":\"struct\",\"fields\":[{\"name\":\"m\","
        "\"type\":\"short\",\"nullable\":true,\"metadata\":{}}]},\"nullable\":true,"
        "\"metadata\":{}},"
        "{\"name\":\"kind\",\"type\":\"string\",\"nullable\":true,\"metadata\":{}}]}";
    ls_error_t err;
    ls_error_clear(&err);
    ls_type_t *t = NULL;
    assert_int_equal(ls_json_parse_delta_schema(schema, strlen(schema), &t, &err), LS_OK);
    ls_store_t *st = NULL;
    assert_int_equal(ls_store_open(f->table, NULL, &st, &err), LS_OK);
    ls_delta_create_opts_t co;
    memset(&co, 0, sizeof(co));
    const char *pc[] = {"kind"};
    co.schema = t;
    co.n_partition_columns = 1;
    co.partition_columns = pc;
    assert_int_equal(ls_delta_table_create(st, &co, NULL, &err), LS_OK);
    ls_store_free(st);
    ls_type_free(t);
}

/* The kind of field @p path ("a" or "a.b") of the table schema, or -1. */
static int table_column_kind(fx_t *f, const char *top, const char *sub)
{
    ls_store_t *st = NULL;
    ls_delta_snapshot_t *s = NULL;
    ls_error_t err;
    ls_error_clear(&err);
    int kind = -1;
    if (ls_store_open(f->table, NULL, &st, &err) == LS_OK &&
        ls_delta_snapshot_load(st, NULL, &s, &err) == LS_OK) {
        const ls_type_t *t = ls_delta_snapshot_schema(s);
        int at = ls_type_struct_find(t, top);
        if (at >= 0 && sub != NULL) {
            t = t->fields[at].type;
            at = t->kind == LS_TYPE_STRUCT ? ls_type_struct_find(t, sub) : -1;
        }
        kind = at >= 0 ? (int)t->fields[at].type->kind : -1;
        const ls_delta_protocol_t *p = ls_delta_snapshot_protocol(s);
        if (kind == LS_TYPE_LONG && strcmp(top, "n") == 0) {
            bool feature = false;
            for (size_t i = 0; i < p->n_writer_features; i++) {
                feature = feature || strcmp(p->writer_features[i], "typeWidening") == 0;
            }
            assert_true(feature);
            assert_non_null(strstr(ls_delta_snapshot_metadata(s)->schema_string,
                                   "delta.typeChanges"));
        }
    }
    ls_delta_snapshot_free(s);
    ls_store_free(st);
    return kind;
}

static void test_widening(void **state)
{
    (void)state;
    static const char *const vals[] = {
        "{\"id\":0,\"n\":5,\"f\":1.5,\"s\":{\"m\":7},\"kind\":\"a\"}",
        "{\"id\":1,\"n\":6,\"f\":2.5,\"s\":{\"m\":8},\"kind\":\"a\"}",
        /* three columns outgrown by one record */
        "{\"id\":2,\"n\":3000000000,\"f\":1e300,\"s\":{\"m\":70000},\"kind\":\"a\"}",
        "{\"id\":3,\"n\":-3000000000,\"f\":0.5,\"s\":{\"m\":1},\"kind\":\"b\"}",
        NULL};
    fx_t f;
    fx_open(&f, "ev", 1);
    create_narrow_table(&f);
    produce_values(&f, "ev", vals);
    /* strict (the default): the first value that does not fit stops the daemon (no DLQ) */
    ls_conf_t *conf = config(&f, "g3", "");
    ls_error_t err;
    ls_error_clear(&err);
    assert_int_not_equal(run_until(&f, conf, 4, &err), LS_OK);
    assert_non_null(strstr(err.msg, "ev[0]@2"));
    assert_non_null(strstr(err.msg, "does not fit"));
    assert_int_equal(table_column_kind(&f, "n", NULL), LS_TYPE_INTEGER);
    ls_conf_free(conf);
    /* additive: the columns widen (integer and short -> long, float -> double) */
    conf = config_dest(&f, "g3b", "", ", delta-config: {enable-schema-evolution: true}");
    assert_int_equal(run_until(&f, conf, 4, &err), LS_OK);
    int64_t rows, pos;
    table_counts(&f, &rows, &pos);
    assert_int_equal(rows, 4);
    assert_int_equal(pos, 4);
    assert_int_equal(table_column_kind(&f, "n", NULL), LS_TYPE_LONG);
    assert_int_equal(table_column_kind(&f, "f", NULL), LS_TYPE_DOUBLE);
    assert_int_equal(table_column_kind(&f, "s", "m"), LS_TYPE_LONG);
    ls_conf_free(conf);
    fx_close(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_once_and_restart),
        cmocka_unit_test(test_bad_message_without_dlq),
        cmocka_unit_test(test_widening),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

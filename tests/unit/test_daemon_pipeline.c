/*
 * test_daemon_pipeline.c — the daemon's threads without librdkafka's: runs of plain
 * message structs are queued to the workers while the committer flushes on its own timer
 * and the test thread forces flushes too (as a rebalance does). Every row must land once,
 * each partition's txn must equal its last offset, and the extra columns must be filled.
 * This is the test `make test-tsan` runs over the worker/committer/flush protocol (the
 * end-to-end tests need librdkafka's threads, which ThreadSanitizer cannot follow). A
 * second test has both workers meet values too wide for a declared integer column at once:
 * the column widens once, whichever worker comes second uses the newer generation.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/daemon_int.h"
#include "lakesink/alloc.h"
#include "lakesink/log.h"
#include "testutil.h"

#define NPARTS 4
#define ROUNDS 12
#define PER_RUN 250

static int64_t fake_ts(const rd_kafka_message_t *m)
{
    return 1705312800000LL + m->offset; /* 2024-01-15T10:00:00Z + offset ms */
}

static rd_kafka_resp_err_t fake_headers(const rd_kafka_message_t *m, rd_kafka_headers_t **h)
{
    (void)m;
    *h = NULL;
    return RD_KAFKA_RESP_ERR__NOENT;
}

static void fake_destroy(rd_kafka_message_t *m)
{
    ls_free(m->payload);
    ls_free(m);
}

static const ls__msg_ops_t fake_ops = {fake_ts, fake_headers, fake_destroy};

static rd_kafka_message_t *fake_msg(int32_t part, int64_t off)
{
    rd_kafka_message_t *m = ls_calloc(1, sizeof(*m));
    char *v = ls_malloc(160);
    assert_non_null(m);
    assert_non_null(v);
    int n = snprintf(v, 160, "{\"id\":%lld,\"kind\":\"%c\",\"ts\":\"2024-01-1%dT10:00:00Z\"}",
                     (long long)off, 'a' + (int)(off % 3), (int)(off % 5));
    m->payload = v;
    m->len = (size_t)n;
    m->partition = part;
    m->offset = off;
    return m;
}

/* The config in @p text (YAML), loaded. */
static ls_conf_t *load_config(const char *text)
{
    ls_conf_t *conf = NULL;
    ls_error_t err;
    ls_error_clear(&err);
    assert_int_equal(ls_conf_load_buf(text, strlen(text), "t.yml", &conf, NULL, &err), LS_OK);
    return conf;
}

/* An offline daemon for @p conf with partitions 0..NPARTS-1 of topic ev assigned. */
static ls__daemon_t *start_offline(ls_conf_t *conf, ls__tp_t **tps)
{
    ls_error_t err;
    ls_error_clear(&err);
    ls__daemon_t *d = ls__daemon_new_offline(conf, &fake_ops, &err);
    assert_non_null(d);
    for (int p = 0; p < NPARTS; p++) {
        tps[p] = ls__tp_get(d, "ev", p);
        assert_non_null(tps[p]);
        assert_int_equal(tps[p]->ntables, 1);
        atomic_store(&tps[p]->assigned, true);
    }
    return d;
}

/* Rows committed to @p t, from the files' stats. */
static int64_t committed_rows(const ls__table_t *t)
{
    int64_t rows = 0;
    size_t cur = 0;
    for (const ls_delta_file_t *f; (f = ls_delta_snapshot_next_file(t->snap, &cur)) != NULL;) {
        const char *n = strstr(f->add.stats, "\"numRecords\":");
        rows += n ? strtoll(n + 13, NULL, 10) : 0;
    }
    return rows;
}

static void stop_offline(ls__daemon_t *d, ls_conf_t *conf, const char *dir)
{
    assert_false(atomic_load(&d->fatal));
    ls_daemon_free(d);
    ls_conf_free(conf);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

static void test_pipeline_threads(void **state)
{
    (void)state;
    ls_log_set_level(LS_LOG_ERROR);
    char dir[] = "/tmp/ls_test_pipeline_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char text[1024];
    snprintf(text, sizeof(text),
             "kafka: {brokers: \"127.0.0.1:1\"}\nworkers: 2\n"
             "topics:\n  t:\n    kafka-topic: ev\n"
             "    metadata-columns: [_kafka_partition, _kafka_offset, _kafka_timestamp, "
             "_kafka_headers]\n"
             "    transforms: {static: {src: test}, derive: {day: \"day(ts)\"}}\n"
             "    destination: {table-uri: \"%s/t\", partition-columns: [kind]}\n"
             "    processing: {batch-size: 100000, flush-interval: 200ms, max-open-files: 2}\n",
             dir);
    ls_conf_t *conf = load_config(text);
    ls__tp_t *tps[NPARTS];
    ls__daemon_t *d = start_offline(conf, tps);
    ls_error_t err;
    ls_error_clear(&err);
    int64_t next[NPARTS] = {0};
    for (int r = 0; r < ROUNDS; r++) {
        for (int p = 0; p < NPARTS; p++) {
            rd_kafka_message_t *msgs[PER_RUN];
            for (int i = 0; i < PER_RUN; i++) {
                msgs[i] = fake_msg(p, next[p]++);
            }
            assert_int_equal(ls__push_run(d, tps[p], msgs, PER_RUN), LS_OK);
        }
        if (r % 4 == 3) {
            assert_int_equal(ls__flush_all(d, &err), LS_OK); /* as a revoke does */
        } else {
            usleep(50000); /* the committer's own timer flushes too */
        }
    }
    assert_int_equal(ls__flush_all(d, &err), LS_OK);
    ls__table_t *t = &d->tables[0];
    assert_int_equal(committed_rows(t), NPARTS * ROUNDS * PER_RUN);
    for (int p = 0; p < NPARTS; p++) {
        assert_int_equal(ls__table_txn(d, t, "ev", p), next[p] - 1);
    }
    const ls_type_t *schema = ls_delta_snapshot_schema(t->snap);
    assert_true(ls_type_struct_find(schema, "day") >= 0);
    assert_true(ls_type_struct_find(schema, "_kafka_headers") >= 0);
    stop_offline(d, conf, dir);
}

/* A message whose "n" outgrows an integer from offset 100 on. */
static rd_kafka_message_t *wide_msg(int32_t part, int64_t off)
{
    rd_kafka_message_t *m = ls_calloc(1, sizeof(*m));
    char *v = ls_malloc(96);
    assert_non_null(m);
    assert_non_null(v);
    long long n = off < 100 ? off : 3000000000LL + off;
    m->len = (size_t)snprintf(v, 96, "{\"id\":%lld,\"n\":%lld}", (long long)off, n);
    m->payload = v;
    m->partition = part;
    m->offset = off;
    return m;
}

static void test_pipeline_widening(void **state)
{
    (void)state;
    ls_log_set_level(LS_LOG_ERROR);
    char dir[] = "/tmp/ls_test_pipeline_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[96], text[1024];
    snprintf(path, sizeof(path), "%s/schema.json", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("{\"type\":\"struct\",\"fields\":["
          "{\"name\":\"id\",\"type\":\"long\",\"nullable\":true,\"metadata\":{}},"
          "{\"name\":\"n\",\"type\":\"integer\",\"nullable\":true,\"metadata\":{}}]}",
          f);
    fclose(f);
    snprintf(text, sizeof(text),
             "kafka: {brokers: \"127.0.0.1:1\"}\nworkers: 2\n"
             "topics:\n  t:\n    kafka-topic: ev\n    schema-file: \"%s\"\n"
             "    destination: {table-uri: \"%s/t\", delta-config: {enable-schema-evolution: true}}\n"
             "    processing: {batch-size: 100000, flush-interval: 200ms}\n",
             path, dir);
    ls_conf_t *conf = load_config(text);
    ls__tp_t *tps[NPARTS];
    ls__daemon_t *d = start_offline(conf, tps);
    ls_error_t err;
    ls_error_clear(&err);
    for (int64_t off = 0; off < 200; off += 50) {
        for (int p = 0; p < NPARTS; p++) { /* partitions 0-3 go to both workers at once */
            rd_kafka_message_t *msgs[50];
            for (int i = 0; i < 50; i++) {
                msgs[i] = wide_msg(p, off + i);
            }
            assert_int_equal(ls__push_run(d, tps[p], msgs, 50), LS_OK);
        }
    }
    assert_int_equal(ls__flush_all(d, &err), LS_OK);
    ls__table_t *t = &d->tables[0];
    assert_int_equal(committed_rows(t), NPARTS * 200);
    const ls_type_t *schema = ls_delta_snapshot_schema(t->snap);
    int at = ls_type_struct_find(schema, "n");
    assert_true(at >= 0);
    assert_int_equal(schema->fields[at].type->kind, LS_TYPE_LONG);
    /* a worker still on the first generation asks again: it is told to move to the newest,
     * and nothing is committed twice */
    int64_t version = ls_delta_snapshot_version(t->snap);
    size_t ngens = t->ngens;
    bool widened = false;
    pthread_mutex_lock(&t->mu);
    const ls__gen_t *old = t->gens[0];
    ls_err_t rc = ls__table_widen(t, old, ls_layout_field(old->layout, "n"), LS_TYPE_LONG,
                                  &widened, &err);
    pthread_mutex_unlock(&t->mu);
    assert_int_equal(rc, LS_OK);
    assert_true(widened);
    assert_int_equal(t->ngens, ngens);
    assert_int_equal(ls_delta_snapshot_version(t->snap), version);
    /* the newest generation's own column is long already: nothing to widen */
    pthread_mutex_lock(&t->mu);
    const ls__gen_t *g = ls__table_gen(t);
    rc = ls__table_widen(t, g, ls_layout_field(g->layout, "n"), LS_TYPE_LONG, &widened, &err);
    pthread_mutex_unlock(&t->mu);
    assert_int_equal(rc, LS_OK);
    assert_false(widened);
    stop_offline(d, conf, dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pipeline_threads),
        cmocka_unit_test(test_pipeline_widening),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

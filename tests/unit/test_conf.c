/*
 * test_conf.c — the daemon config: valid files (minimal, full, the nested connector:
 * layout), every kind of problem with its message, ${ENV} interpolation, malformed YAML,
 * JSON output with masking, allocation failures, and docs/configuration.md matching the
 * key table.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lakesink/alloc.h"
#include "lakesink/conf.h"
#include "testutil.h"

#define MINIMAL                                                                                    \
    "kafka:\n  brokers: localhost:9092\ntopics:\n  orders:\n    kafka-topic: orders\n"             \
    "    destination:\n      table-uri: /data/orders\n"

static ls_err_t ls__load(const char *text, ls_conf_t **conf, ls_conf_diags_t *d)
{
    ls_error_t err;
    ls_error_clear(&err);
    return ls_conf_load_buf(text, strlen(text), "t.yml", conf, d, &err);
}

/* The diagnostic containing @p want, or NULL (prints all on failure). */
static const ls_conf_diag_t *ls__find(const ls_conf_diags_t *d, const char *want)
{
    for (size_t i = 0; i < d->n; i++) {
        if (strstr(d->items[i].msg, want) != NULL) {
            return &d->items[i];
        }
    }
    for (size_t i = 0; i < d->n; i++) {
        print_message("  diag: %s\n", d->items[i].msg);
    }
    return NULL;
}

/* Loading @p text fails and one diagnostic contains @p want. */
static void ls__expect(const char *text, const char *want)
{
    ls_conf_t *conf;
    ls_conf_diags_t d;
    assert_int_equal(ls__load(text, &conf, &d), LS_ERR_CONFIG);
    assert_null(conf);
    assert_non_null(ls__find(&d, want));
    ls_conf_diags_free(&d);
}

static void test_minimal(void **state)
{
    (void)state;
    ls_conf_t *conf;
    ls_conf_diags_t d;
    assert_int_equal(ls__load(MINIMAL, &conf, &d), LS_OK);
    assert_int_equal(d.n, 0);
    assert_string_equal(conf->brokers, "localhost:9092");
    assert_string_equal(conf->group_id, "lakesink");
    assert_string_equal(conf->app_id, "lakesink");
    assert_string_equal(conf->http_listen, "127.0.0.1:8081");
    assert_int_equal(conf->memory_budget, 256 << 20);
    assert_string_equal(conf->log_level, "info");
    assert_null(conf->dlq_topic);
    assert_int_equal(conf->ntopics, 1);
    ls_conf_topic_t *t = &conf->topics[0];
    assert_string_equal(t->name, "orders");
    assert_string_equal(t->table_uri, "/data/orders");
    assert_int_equal(t->batch_size, 10000);
    assert_int_equal(t->flush_interval_ms, 60000);
    assert_int_equal(t->max_retries, 3);
    assert_int_equal(t->checkpoint_interval, 10);
    assert_string_equal(t->compression, "zstd");
    assert_false(t->schema_evolution);
    ls_conf_free(conf);
    ls_conf_diags_free(&d);
}

static const char ls__full[] =
    "app-id: ingest\n"
    "kafka:\n  brokers: k1:9092,k2:9092\n  group-id: g1\n"
    "  properties:\n    security.protocol: SASL_SSL\n    sasl.password: hunter2\n"
    "    fetch.max.bytes: 1048576\n"
    "http: {listen: '0.0.0.0:9000'}\nmemory: {budget: 1G}\ndlq: {topic: dead}\n"
    "log: {level: debug}\n"
    "topics:\n"
    "  events:\n    kafka-topic: user.events.v1\n    schema-file: s.json\n"
    "    destination:\n      bucket: lake\n      path: /events/user\n"
    "      partition-columns: [year, month]\n      table-name: user_events\n"
    "      delta-config:\n        checkpoint-interval: 20\n        compression: snappy\n"
    "        target-file-size: 64M\n        enable-schema-evolution: yes\n"
    "    processing:\n      batch-size: 1000\n      flush-interval: 5m\n      max-retries: 0\n"
    "  orders:\n    kafka-topic: orders\n    destination: {table-uri: 's3://b/orders'}\n"
    "    processing: {flush-interval: 250ms}\n";

static void test_full(void **state)
{
    (void)state;
    ls_conf_t *conf;
    ls_conf_diags_t d;
    assert_int_equal(ls__load(ls__full, &conf, &d), LS_OK);
    assert_string_equal(conf->app_id, "ingest");
    assert_string_equal(conf->group_id, "g1");
    assert_int_equal(conf->kafka_properties.n, 3);
    assert_string_equal(conf->kafka_properties.items[2].key, "fetch.max.bytes");
    assert_string_equal(conf->kafka_properties.items[2].value, "1048576");
    assert_int_equal(conf->memory_budget, 1LL << 30);
    assert_string_equal(conf->dlq_topic, "dead");
    assert_string_equal(conf->log_level, "debug");
    assert_int_equal(conf->ntopics, 2);
    ls_conf_topic_t *t = &conf->topics[0];
    assert_string_equal(t->table_uri, "s3://lake/events/user");
    assert_int_equal(t->partition_columns.n, 2);
    assert_string_equal(t->partition_columns.items[1], "month");
    assert_string_equal(t->table_name, "user_events");
    assert_int_equal(t->checkpoint_interval, 20);
    assert_string_equal(t->compression, "snappy");
    assert_int_equal(t->target_file_size, 64 << 20);
    assert_true(t->schema_evolution);
    assert_int_equal(t->batch_size, 1000);
    assert_int_equal(t->flush_interval_ms, 300000);
    assert_int_equal(t->max_retries, 0);
    assert_int_equal(conf->topics[1].flush_interval_ms, 250);

    ls_buf_t b;
    ls_buf_init(&b, 1 << 20);
    assert_int_equal(ls_conf_to_json(conf, &b), LS_OK);
    assert_int_equal(ls_buf_terminate(&b), LS_OK);
    const char *j = (const char *)b.data;
    assert_null(strstr(j, "hunter2"));
    assert_non_null(strstr(j, "\"sasl.password\":\"***\""));
    assert_non_null(strstr(j, "\"processing.flush-interval\":300000"));
    ls_buf_free(&b);
    ls_conf_free(conf);
}

static void test_seed_layout(void **state)
{
    (void)state;
    static const char text[] =
        "connector:\n  kafka: {brokers: localhost:9092}\n  topics:\n    user-events:\n"
        "      kafka-topic: \"user.events.v1\"\n      destination:\n"
        "        bucket: \"data-lake\"\n        path: \"events/user-events\"\n"
        "      processing:\n        batch-size: 1000\n        flush-interval: 60\n";
    ls_conf_t *conf;
    ls_conf_diags_t d;
    assert_int_equal(ls__load(text, &conf, &d), LS_OK);
    assert_string_equal(conf->topics[0].table_uri, "s3://data-lake/events/user-events");
    assert_int_equal(conf->topics[0].flush_interval_ms, 60000);
    ls_conf_free(conf);
    ls__expect("connector:\n  topics:\n    a:\n      kafka-topc: x\n",
               "connector.topics.a.kafka-topc: unknown key (did you mean 'kafka-topic'?)");
}

static void test_missing(void **state)
{
    (void)state;
    ls__expect("topics:\n  orders:\n    kafka-topic: o\n", "kafka.brokers: missing");
    ls__expect("kafka: {brokers: b}\n", "topics: missing");
    ls__expect("kafka: {brokers: b}\ntopics:\n  orders:\n    kafka-topic: o\n",
               "topics.orders.destination.table-uri: missing");
    ls__expect("kafka: {brokers: b}\ntopics:\n  orders:\n    destination: {table-uri: /x}\n",
               "topics.orders.kafka-topic: missing");
    ls__expect("kafka: {brokers: b}\ntopics:\n  o:\n    kafka-topic: o\n"
               "    destination: {bucket: b}\n",
               "topics.o.destination.path: missing");
    ls__expect("kafka: {brokers: b}\ntopics:\n  o:\n    kafka-topic: o\n"
               "    destination: {bucket: b, path: p, table-uri: /x}\n",
               "topics.o.destination: give table-uri or bucket + path, not both");
}

#define TOPIC_WITH(line)                                                                           \
    "kafka: {brokers: b}\ntopics:\n  orders:\n    kafka-topic: o\n"                                \
    "    destination: {table-uri: /x}\n    processing:\n      " line "\n"

static void test_bad_values(void **state)
{
    (void)state;
    ls__expect(TOPIC_WITH("batch-size: -5"),
               "topics.orders.processing.batch-size: -5 is below the minimum 1");
    ls__expect(TOPIC_WITH("batch-size: 99999999999"),
               "topics.orders.processing.batch-size: 99999999999 is above the maximum 10000000");
    ls__expect(TOPIC_WITH("batch-size: ten"),
               "topics.orders.processing.batch-size: 'ten' is not an integer");
    ls__expect(TOPIC_WITH("flush-interval: 5 parsecs"),
               "topics.orders.processing.flush-interval: '5 parsecs' is not a duration");
    ls__expect(TOPIC_WITH("flush-interval: 10ms"),
               "topics.orders.processing.flush-interval: 10ms is below the minimum 100 ms");
    ls__expect(TOPIC_WITH("max-retries: [1]"),
               "topics.orders.processing.max-retries: expected a single value, not a list");
    ls__expect("kafka: {brokers: b}\nmemory: {budget: 12Q}\n",
               "memory.budget: '12Q' is not a size");
    ls__expect("kafka: {brokers: b}\nmemory: {budget: 1M}\n",
               "memory.budget: 1M is below the minimum 16777216 bytes");
    ls__expect("kafka: {brokers: b}\nlog: {level: loud}\n",
               "log.level: 'loud' is not one of debug|info|warn|error");
    ls__expect("kafka: {brokers: b}\ntopics:\n  o:\n    kafka-topic: o\n    destination:\n"
               "      table-uri: /x\n      partition-columns: day\n"
               "      delta-config: {enable-schema-evolution: maybe}\n",
               "topics.o.destination.delta-config.enable-schema-evolution: 'maybe' is not a "
               "boolean");
    ls__expect("kafka: {brokers: b}\ntopics:\n  o:\n    kafka-topic: o\n    destination:\n"
               "      table-uri: /x\n      partition-columns: day\n",
               "topics.o.destination.partition-columns: expected a list");
    ls__expect("kafka: {brokers: b, brokers: c}\n", "kafka.brokers: given twice");
    ls__expect("kafka: {brokers: ''}\n", "kafka.brokers: empty value");
    ls__expect("kafka: {brokers: b}\ntopics: [a]\n", "topics: expected a mapping");
    ls__expect("- a\n- b\n", "(top): expected a mapping");
    ls__expect("", "(top): the file is empty");
}

static void test_unknown_keys(void **state)
{
    (void)state;
    ls__expect(TOPIC_WITH("bacth-size: 5"),
               "topics.orders.processing.bacth-size: unknown key (did you mean 'batch-size'?)");
    ls__expect("kafka: {brokers: b}\nzookeeper: z\n", "zookeeper: unknown key");
    ls__expect("kafka: {brokers: b}\nkafak: {}\n", "kafak: unknown key (did you mean 'kafka'?)");
    ls__expect("kafka: {brokers: b}\ntopics:\n  a.b: {}\n", "topics.a.b: topic entry names");
}

static void test_all_errors_reported(void **state)
{
    (void)state;
    ls_conf_t *conf;
    ls_conf_diags_t d;
    ls_error_t err;
    static const char text[] = "kafka: {grup-id: x}\nlog: {level: loud}\nfoo: 1\n";
    assert_int_equal(ls_conf_load_buf(text, strlen(text), "t.yml", &conf, &d, &err), LS_ERR_CONFIG);
    assert_int_equal(d.n, 5); /* grup-id, level, foo, brokers missing, no topics */
    assert_string_equal(err.msg, "t.yml:1:9: kafka.grup-id: unknown key (did you mean 'group-id'?) "
                                 "(and 4 more)");
    ls_conf_diags_free(&d);
}

static void test_env(void **state)
{
    (void)state;
    setenv("LS_TEST_BROKERS", "envhost:1", 1);
    unsetenv("LS_TEST_UNSET");
    ls_conf_t *conf;
    ls_conf_diags_t d;
    static const char text[] =
        "kafka:\n  brokers: ${LS_TEST_BROKERS}\n  group-id: g-${LS_TEST_UNSET:-dflt}-x\n"
        "topics:\n  o:\n    kafka-topic: o\n    destination: {table-uri: '${LS_TEST_UNSET:-}/t'}\n"
        "    processing: {batch-size: '${LS_TEST_UNSET:-42}'}\n";
    assert_int_equal(ls__load(text, &conf, &d), LS_OK);
    assert_string_equal(conf->brokers, "envhost:1");
    assert_string_equal(conf->group_id, "g-dflt-x");
    assert_string_equal(conf->topics[0].table_uri, "/t");
    assert_int_equal(conf->topics[0].batch_size, 42);
    ls_conf_free(conf);
    ls__expect("kafka: {brokers: '${LS_TEST_UNSET}'}\n",
               "kafka.brokers: environment variable LS_TEST_UNSET is not set");
    ls__expect("kafka: {brokers: '${LS_TEST_BROKERS'}\n", "kafka.brokers: unterminated ${");
    ls__expect("kafka: {brokers: b, properties: {sasl.password: '${LS_TEST_UNSET}'}}\n",
               "kafka.properties.sasl.password: environment variable LS_TEST_UNSET");
}

static void test_malformed_yaml(void **state)
{
    (void)state;
    ls_conf_t *conf;
    ls_conf_diags_t d;
    ls_error_t err;
    static const char text[] = "kafka:\n  brokers: a\n  x: [1, 2\ntopics: {}\n";
    assert_int_equal(ls_conf_load_buf(text, strlen(text), "m.yml", &conf, &d, &err), LS_ERR_CONFIG);
    assert_int_equal(d.n, 1);
    assert_int_equal(d.items[0].line, 4);
    assert_int_equal(d.items[0].column, 7);
    assert_non_null(strstr(err.msg, "m.yml:4:7: malformed YAML: "));
    ls_conf_diags_free(&d);
    ls__expect("a: b: c\n", "malformed YAML");
    ls__expect("a: *nope\n", "malformed YAML");

    static char deep[4096];
    memcpy(deep, "a: ", 3);
    memset(deep + 3, '[', 100);
    memset(deep + 103, ']', 100);
    ls__expect(deep, "(top): brackets nested deeper than 64 levels");
}

static void test_alloc_failures(void **state)
{
    (void)state;
    bool ok = false;
    for (long i = 0; i < 5000 && !ok; i++) {
        ls_conf_t *conf;
        ls_conf_diags_t d;
        ls_error_t err;
        ls_alloc_fail_after(i, 0);
        ls_err_t rc = ls_conf_load_buf(ls__full, strlen(ls__full), "t", &conf, &d, &err);
        ls_alloc_fail_after(-1, 0);
        ls_conf_diags_free(&d);
        if (rc == LS_OK) {
            ls_conf_free(conf);
            ok = true;
        } else {
            assert_int_equal(rc, LS_ERR_NOMEM);
        }
    }
    assert_true(ok);
}

/* Routing, metadata columns, transforms and the unknown-field policy (the daemon's keys). */
static void test_daemon_keys(void **state)
{
    (void)state;
    const char *text =
        "kafka: {brokers: b, starting-offsets: latest}\nworkers: 2\nshutdown-timeout: 5s\n"
        "topics:\n  clicks:\n    kafka-topic: '^user\\..*'\n"
        "    destination: {table-uri: /x, partition-columns: [day]}\n"
        "    route: {field: event_type, values: [click, view]}\n"
        "    metadata-columns: [_kafka_offset, _kafka_key]\n"
        "    transforms:\n      rename: {ts: event_time}\n      drop: [debug]\n"
        "      static: {source: web}\n      derive: {day: 'day(event_time)'}\n"
        "    processing: {max-open-files: 8, max-message-bytes: 1M}\n";

    ls_conf_t *conf;
    ls_conf_diags_t d;
    ls_err_t rc = ls__load(text, &conf, &d);
    if (rc != LS_OK) {
        ls__find(&d, "(none)");
    }
    assert_int_equal(rc, LS_OK);
    ls_conf_topic_t *t = &conf->topics[0];
    assert_string_equal(conf->starting_offsets, "latest");
    assert_int_equal(conf->workers, 2);
    assert_int_equal(conf->shutdown_timeout_ms, 5000);
    assert_string_equal(t->kafka_topic, "^user\\..*");
    assert_string_equal(t->route_field, "event_type");
    assert_int_equal(t->route_values.n, 2);
    assert_int_equal(t->metadata_columns.n, 2);
    assert_string_equal(t->renames.items[0].value, "event_time");
    assert_string_equal(t->derived.items[0].value, "day(event_time)");
    assert_int_equal(t->max_open_files, 8);
    assert_int_equal(t->max_message_bytes, 1 << 20);
    assert_string_equal(t->unknown_fields, "dead-letter");
    assert_string_equal(t->format, "json");
    assert_int_equal(t->compression_level, 0);
    ls_conf_free(conf);
    ls_conf_diags_free(&d);
    ls__expect("kafka: {brokers: b}\ntopics:\n  o:\n    kafka-topic: o\n"
               "    destination: {table-uri: /x}\n    metadata-columns: [_kafka_offset, offset]\n",
               "topics.o.metadata-columns[1]: unknown column \"offset\"");
    ls__expect("kafka: {brokers: b}\ntopics:\n  o:\n    kafka-topic: o\n"
               "    destination: {table-uri: /x}\n    route: {field: kind}\n",
               "topics.o.route: give both field and values");
    ls__expect("kafka: {brokers: b}\ntopics:\n  o:\n    kafka-topic: o\n"
               "    destination: {table-uri: /x}\n    processing: {unknown-fields: drop}\n",
               "topics.o.processing.unknown-fields: 'drop' is not one of evolve|dead-letter|count");
    ls__expect("kafka: {brokers: b}\ntopics:\n  o:\n    kafka-topic: o\n"
               "    destination: {table-uri: /x, delta-config: {compression: gzip, "
               "compression-level: 12}}\n",
               "topics.o.destination.delta-config.compression-level: 12 does not apply to gzip");
    ls__expect("kafka: {brokers: b}\ntopics:\n  o:\n    kafka-topic: o\n"
               "    destination: {table-uri: /x, delta-config: {compression-level: 23}}\n",
               "topics.o.destination.delta-config.compression-level: 23 is above the maximum 22");
}

static void test_docs_match_table(void **state)
{
    (void)state;
    ls_buf_t want;
    ls_buf_init(&want, 1 << 20);
    assert_int_equal(ls_conf_docs_markdown(&want), LS_OK);
    FILE *f = fopen(LS_SOURCE_DIR "/docs/configuration.md", "rb");
    assert_non_null(f);
    static char have[1 << 20];
    size_t n = fread(have, 1, sizeof(have), f);
    fclose(f);
    if (n != want.len || memcmp(have, want.data, n) != 0) {
        fail_msg("docs/configuration.md differs from the key table; regenerate it with "
                 "'lakesink check-config --print-docs > docs/configuration.md'");
    }
    ls_buf_free(&want);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_minimal),
        cmocka_unit_test(test_full),
        cmocka_unit_test(test_seed_layout),
        cmocka_unit_test(test_missing),
        cmocka_unit_test(test_bad_values),
        cmocka_unit_test(test_unknown_keys),
        cmocka_unit_test(test_all_errors_reported),
        cmocka_unit_test(test_env),
        cmocka_unit_test(test_malformed_yaml),
        cmocka_unit_test(test_alloc_failures),
        cmocka_unit_test(test_daemon_keys),
        cmocka_unit_test(test_docs_match_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

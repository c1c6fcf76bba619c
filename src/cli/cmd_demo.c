/*
 * cmd_demo.c — `lakesink demo [--dir DIR] [--seconds N]`: the whole product on one
 * machine with nothing but the binary. It starts a local Kafka-protocol broker, produces
 * user events and orders (plus a few malformed messages) for N seconds, runs the daemon
 * from a generated config (DIR/lakesink.yml) into two Delta tables under DIR/tables, then
 * drains it and prints the tables, rows, versions, dead letters and the commands to look
 * at them.
 *
 * Not responsible for: the daemon (daemon.h), the broker (kafka.h) or event shapes (gen.h).
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "table_cli.h"
#include "lakesink/daemon.h"
#include "lakesink/delta.h"
#include "lakesink/gen.h"
#include "lakesink/kafka.h"
#include "lakesink/log.h"
#include "lakesink/store.h"

#define LS__PATH 4096

enum { O_DIR, O_SECONDS, O_RATE };

static const ls_cli_opt_t ls__demo_opts[] = {
    [O_DIR] = {"dir", LS_CLI_STR, "DIR", "where to write (default ./lakesink-demo)", 0, 0},
    [O_SECONDS] = {"seconds", LS_CLI_INT, "N", "how long to produce (default 15)", 1, 3600},
    [O_RATE] = {"rate", LS_CLI_INT, "R", "user events per second (default 20000; orders: R/4)",
                1, 1000000},
};

static const ls_cli_cmd_t ls__demo_cmd = {
    "demo", "",
    "Start a local Kafka broker, produce user events and orders into it, and run the daemon\n"
    "(the config it writes is DIR/lakesink.yml) into Delta tables under DIR/tables:\n"
    "user_events, partitioned by event_date (derived from the event timestamp) and event_type,\n"
    "and orders, partitioned by status. Malformed messages go to the dead-letter topic.\n"
    "Prints the tables, rows and versions, and the commands to look at them.",
    ls__demo_opts, sizeof(ls__demo_opts) / sizeof(ls__demo_opts[0]), 0, 0};

typedef struct ls__demo_s {
    ls_kafka_producer_t *users, *orders;
    int64_t seconds, rate;
    atomic_bool stop;
    uint64_t sent_users, sent_orders, sent_bad;
    ls_err_t rc;
    ls_error_t err;
} ls__demo_t;

static double ls__mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Malformed messages, so the dead-letter topic has something to show. Sent after the
 * first messages, from which the table's schema is inferred. */
static ls_err_t ls__demo_bad(ls__demo_t *dm)
{
    static const char *const bad[] = {
        "{\"user_id\": \"u1\", \"event_type\": \"click\", \"timestamp\": \"yesterday\"}",
        "not json at all", "{\"user_id\": \"u1\", \"event_type\":"};
    for (size_t i = 0; i < 3; i++) {
        LS_TRY(ls_kafka_producer_send(dm->users, -1, "bad", 3, bad[i], strlen(bad[i]), &dm->err));
        dm->sent_bad++;
    }
    return LS_OK;
}

/* Produce at the configured rate for the configured time (10 ms slices). */
static void *ls__demo_producer(void *arg)
{
    ls__demo_t *dm = arg;
    ls_gen_t gu, go;
    ls_gen_init(&gu, 0, 1705276800);
    ls_gen_init(&go, 7, 1705276800);
    ls_buf_t b;
    ls_buf_init(&b, 1 << 20);
    double t0 = ls__mono();
    ls_err_t rc = LS_OK;
    while (rc == LS_OK && !atomic_load(&dm->stop) && ls__mono() - t0 < (double)dm->seconds) {
        uint64_t due = (uint64_t)((ls__mono() - t0) * (double)dm->rate);
        while (rc == LS_OK && dm->sent_users < due) {
            b.len = 0;
            rc = ls_gen_user_event(&gu, dm->sent_users, &b);
            rc = rc == LS_OK ? ls_kafka_producer_send(dm->users, -1, NULL, 0, b.data, b.len - 1,
                                                      &dm->err)
                             : rc;
            dm->sent_users++;
            if (rc == LS_OK && dm->sent_users % 4 == 0) {
                b.len = 0;
                rc = ls_gen_order(&go, dm->sent_orders, &b);
                rc = rc == LS_OK ? ls_kafka_producer_send(dm->orders, -1, NULL, 0, b.data,
                                                          b.len - 1, &dm->err)
                                 : rc;
                dm->sent_orders++;
            }
            if (rc == LS_OK && dm->sent_users == (uint64_t)(dm->rate * dm->seconds / 2)) {
                rc = ls__demo_bad(dm);
            }
        }
        ls_kafka_producer_poll(dm->users, 0);
        ls_kafka_producer_poll(dm->orders, 0);
        usleep(10000);
    }
    if (rc == LS_OK) {
        rc = ls_kafka_producer_flush(dm->users, 30000, &dm->err);
    }
    if (rc == LS_OK) {
        rc = ls_kafka_producer_flush(dm->orders, 30000, &dm->err);
    }
    dm->rc = rc;
    ls_buf_free(&b);
    return NULL;
}

static ls_err_t ls__demo_config(const char *dir, const char *bootstrap, char *path, size_t cap,
                                ls_error_t *err)
{
    snprintf(path, cap, "%s/lakesink.yml", dir);
    FILE *f = fopen(path, "wb");
    if (f == NULL) {
        return ls_error_set(err, LS_ERR_IO, "%s: cannot create: %s", path, strerror(errno));
    }
    fprintf(f,
            "# Written by `lakesink demo`. The broker it names is gone once the demo ends:\n"
            "# point kafka.brokers at a real cluster to reuse it.\n"
            "kafka:\n  brokers: \"%s\"\n  group-id: lakesink-demo\n  properties:\n"
            "    session.timeout.ms: \"6000\"\n    heartbeat.interval.ms: \"500\"\n"
            "    max.poll.interval.ms: \"10000\"\n"
            "http:\n  listen: \"127.0.0.1:0\"\ndlq:\n  topic: lakesink.dlq\n"
            "memory:\n  budget: 128M\nlog:\n  level: warn\n"
            "topics:\n  user_events:\n    kafka-topic: user.events.v1\n"
            "    metadata-columns: [_kafka_partition, _kafka_offset, _kafka_timestamp]\n"
            "    transforms:\n      derive:\n        event_date: \"date(timestamp)\"\n"
            "    destination:\n      table-uri: \"%s/tables/user_events\"\n"
            "      partition-columns: [event_date, event_type]\n"
            "    processing:\n      batch-size: 100000\n      flush-interval: 2s\n"
            "  orders:\n    kafka-topic: orders.lifecycle.v2\n"
            "    metadata-columns: [_kafka_partition, _kafka_offset]\n"
            "    destination:\n      table-uri: \"%s/tables/orders\"\n"
            "      partition-columns: [status]\n"
            "    processing:\n      batch-size: 100000\n      flush-interval: 2s\n",
            bootstrap, dir, dir);
    if (fclose(f) != 0) {
        return ls_error_set(err, LS_ERR_IO, "%s: write failed", path);
    }
    return LS_OK;
}

/* Rows and version of a table, from its log. */
static void ls__demo_table(const char *uri, int64_t *version, int64_t *rows, size_t *files)
{
    ls_store_t *st = NULL;
    ls_delta_snapshot_t *s = NULL;
    ls_error_t e;
    ls_error_clear(&e);
    *version = -1;
    *rows = 0;
    *files = 0;
    if (ls_store_open(uri, NULL, &st, &e) == LS_OK &&
        ls_delta_snapshot_load(st, NULL, &s, &e) == LS_OK) {
        *version = ls_delta_snapshot_version(s);
        *files = ls_delta_snapshot_num_files(s);
        size_t cur = 0;
        for (const ls_delta_file_t *f; (f = ls_delta_snapshot_next_file(s, &cur)) != NULL;) {
            int64_t n = 0;
            *rows += f->add.stats != NULL && ls_cli_stats_num_records(f->add.stats, &n) ? n : 0;
        }
    }
    ls_delta_snapshot_free(s);
    ls_store_free(st);
}

static void ls__demo_report(const char *dir, const char *cfg, const ls__demo_t *dm)
{
    static const char *const names[] = {"user_events", "orders"};
    printf("\nlakesink demo: produced %llu user events, %llu orders and %llu malformed messages\n"
           "into a local broker and ran the daemon (config: %s).\n\n",
           (unsigned long long)dm->sent_users, (unsigned long long)dm->sent_orders,
           (unsigned long long)dm->sent_bad, cfg);
    printf("%-12s %10s %8s %6s  %s\n", "table", "rows", "version", "files", "path");
    for (size_t i = 0; i < 2; i++) {
        char uri[LS__PATH];
        snprintf(uri, sizeof(uri), "%s/tables/%s", dir, names[i]);
        int64_t v, rows;
        size_t files;
        ls__demo_table(uri, &v, &rows, &files);
        printf("%-12s %10lld %8lld %6zu  %s\n", names[i], (long long)rows, (long long)v, files,
               uri);
    }
    printf("\nThe %llu malformed messages went to the dead-letter topic lakesink.dlq with the "
           "reason in a header.\n\nLook at the tables:\n"
           "  lakesink table info %s/tables/user_events\n"
           "  lakesink table history %s/tables/user_events\n"
           "  lakesink table scan %s/tables/user_events --limit 3\n"
           "  lakesink table scan %s/tables/orders --columns order_id,status,total --limit 3\n"
           "  lakesink table files %s/tables/orders\n",
           (unsigned long long)dm->sent_bad, dir, dir, dir, dir, dir);
}

typedef struct ls__runner_s {
    ls_daemon_t *d;
    ls_err_t rc;
    ls_error_t err;
} ls__runner_t;

static void *ls__demo_daemon(void *arg)
{
    ls__runner_t *r = arg;
    r->rc = ls_daemon_run(r->d, &r->err);
    return NULL;
}

/* Broker, producers, daemon; stops the daemon two flush intervals after the producer. */
static ls_err_t ls__demo_run(const char *dir, ls__demo_t *dm, ls_error_t *err)
{
    ls_kafka_mock_t *mock = ls_kafka_mock_start(1, err);
    if (mock == NULL) {
        return err->code;
    }
    const char *bs = ls_kafka_mock_bootstrap(mock);
    char cfg[LS__PATH];
    ls_conf_t *conf = NULL;
    ls__runner_t r = {NULL, LS_OK, {0}};
    ls_err_t rc = ls_kafka_mock_topic(mock, "user.events.v1", 6, err);
    rc = rc == LS_OK ? ls_kafka_mock_topic(mock, "orders.lifecycle.v2", 3, err) : rc;
    rc = rc == LS_OK ? ls_kafka_mock_topic(mock, "lakesink.dlq", 1, err) : rc;
    rc = rc == LS_OK ? ls__demo_config(dir, bs, cfg, sizeof(cfg), err) : rc;
    rc = rc == LS_OK ? ls_conf_load_file(cfg, &conf, NULL, err) : rc;
    if (rc == LS_OK) {
        dm->users = ls_kafka_producer_new(bs, "user.events.v1", NULL, 0, err);
        dm->orders = dm->users ? ls_kafka_producer_new(bs, "orders.lifecycle.v2", NULL, 0, err)
                               : NULL;
        rc = dm->orders != NULL ? LS_OK : err->code;
    }
    if (rc == LS_OK) {
        ls_log_set_level(LS_LOG_WARN);
        r.d = ls_daemon_new(conf, err);
        rc = r.d != NULL ? LS_OK : err->code;
    }
    pthread_t pt, dt;
    if (rc == LS_OK) {
        printf("lakesink demo: broker at %s; producing for %lld s at %lld events/s ...\n", bs,
               (long long)dm->seconds, (long long)dm->rate);
        fflush(stdout);
        pthread_create(&dt, NULL, ls__demo_daemon, &r);
        pthread_create(&pt, NULL, ls__demo_producer, dm);
        pthread_join(pt, NULL);
        sleep(3); /* the last rows wait at most one flush interval (2 s) */
        ls_daemon_stop(r.d);
        pthread_join(dt, NULL);
        rc = dm->rc != LS_OK ? dm->rc : r.rc;
        if (dm->rc != LS_OK) {
            *err = dm->err;
        } else if (r.rc != LS_OK) {
            *err = r.err;
        }
        ls__demo_report(dir, cfg, dm);
    }
    ls_daemon_free(r.d);
    ls_kafka_producer_free(dm->users);
    ls_kafka_producer_free(dm->orders);
    ls_conf_free(conf);
    ls_kafka_mock_stop(mock);
    return rc;
}

int ls_cli_demo_main(int argc, char **argv)
{
    ls_cli_val_t v[sizeof(ls__demo_opts) / sizeof(ls__demo_opts[0])];
    size_t nargs;
    int prc = ls_cli_parse(&ls__demo_cmd, argc, argv, v, NULL, &nargs);
    if (prc != LS_CLI_RUN) {
        return prc;
    }
    const char *dir = v[O_DIR].set ? v[O_DIR].str : "lakesink-demo";
    char tables[LS__PATH];
    snprintf(tables, sizeof(tables), "%s/tables", dir);
    if ((mkdir(dir, 0755) != 0 && errno != EEXIST) ||
        (mkdir(tables, 0755) != 0 && errno != EEXIST)) {
        ls_error_t e;
        ls_error_set(&e, LS_ERR_IO, "%s: cannot create the directory: %s", dir, strerror(errno));
        return ls_cli_fail("demo", NULL, &e);
    }
    ls__demo_t dm;
    memset(&dm, 0, sizeof(dm));
    dm.seconds = v[O_SECONDS].set ? v[O_SECONDS].num : 15;
    dm.rate = v[O_RATE].set ? v[O_RATE].num : 20000;
    ls_error_t err;
    ls_error_clear(&err);
    if (ls__demo_run(dir, &dm, &err) != LS_OK) {
        return ls_cli_fail("demo", NULL, &err);
    }
    return LS_CLI_EXIT_OK;
}

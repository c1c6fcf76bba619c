/*
 * daemon.c — the daemon's life cycle: metrics registration, start-up in dependency order
 * (tables, workers, dead-letter producer, consumer, committer, HTTP), the run, and the
 * draining stop (stop polling, commit everything buffered, leave the group, stop the
 * threads). Also the deeper config check used by `check-config`.
 *
 * Not responsible for: any one stage (their files).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "daemon_int.h"
#include "lakesink/alloc.h"
#include "lakesink/io.h"
#include "lakesink/jsonschema.h"
#include "lakesink/log.h"

void ls__daemon_fail(ls__daemon_t *d, const ls_error_t *why)
{
    pthread_mutex_lock(&d->fatal_mu);
    if (!atomic_load(&d->fatal)) {
        d->fatal_err = *why;
        atomic_store(&d->fatal, true);
        ls_log_kv(LS_LOG_ERROR, "daemon", "stopping on an error", "error", why->msg, NULL);
    }
    pthread_mutex_unlock(&d->fatal_mu);
    atomic_store(&d->stop, true);
}

static void ls__table_metrics(ls__daemon_t *d, ls__table_t *t)
{
    static const double secs[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};
    ls_label_t l[1] = {{"table", t->tc->name}};
    ls_metrics_t *m = d->metrics;
    t->m_rows = ls_metrics_counter(m, "lakesink_records_total", "Rows committed to the table.", l, 1);
    t->m_bytes = ls_metrics_counter(m, "lakesink_bytes_total",
                                    "Bytes of data files committed to the table.", l, 1);
    t->m_files = ls_metrics_counter(m, "lakesink_files_total", "Data files committed.", l, 1);
    t->m_commits = ls_metrics_counter(m, "lakesink_commits_total", "Delta commits made.", l, 1);
    t->m_commit_errors = ls_metrics_counter(m, "lakesink_commit_errors_total",
                                            "Delta commits that failed (and were retried).", l, 1);
    t->m_conflicts = ls_metrics_counter(m, "lakesink_commit_conflicts_total",
                                        "Commits that gave up after concurrent writers.", l, 1);
    t->m_unknown = ls_metrics_counter(m, "lakesink_unknown_fields_total",
                                      "Fields not in the table schema, ignored and counted.", l, 1);
    t->m_tombstones = ls_metrics_counter(m, "lakesink_tombstones_total",
                                         "Messages with a null value (skipped).", l, 1);
    t->m_version = ls_metrics_gauge(m, "lakesink_table_version", "Latest committed version.", l, 1);
    t->m_commit_s = ls_metrics_histogram(m, "lakesink_commit_seconds",
                                         "Flush and commit latency.", secs,
                                         sizeof(secs) / sizeof(secs[0]), l, 1);
    t->m_pending = ls_metrics_gauge(m, "lakesink_pending_rows", "Rows decoded, not committed.",
                                    l, 1);
    t->m_st_req = ls_metrics_counter(m, "lakesink_storage_requests_total",
                                     "Storage requests (S3 HTTP requests or local operations).", l, 1);
    t->m_st_retry = ls_metrics_counter(m, "lakesink_s3_retries_total",
                                       "Storage requests that were retries of failed ones.", l, 1);
    t->m_st_err = ls_metrics_counter(m, "lakesink_storage_errors_total",
                                     "Failed storage requests.", l, 1);
    t->m_st_trip = ls_metrics_counter(m, "lakesink_storage_breaker_trips_total",
                                      "Times the storage circuit breaker opened.", l, 1);
    if (t->snap != NULL) {
        ls_gauge_set(t->m_version, ls_delta_snapshot_version(t->snap));
    }
}

static ls_err_t ls__metrics(ls__daemon_t *d, ls_error_t *err)
{
    ls_metrics_t *m = d->metrics = ls_metrics_new();
    if (m == NULL) {
        return ls_error_set(err, LS_ERR_NOMEM, "out of memory");
    }
    d->m_dlq_msgs = ls_metrics_counter(m, "lakesink_dlq_messages_total",
                                       "Messages sent to the dead-letter topic.", NULL, 0);
    d->m_dlq_errors = ls_metrics_counter(m, "lakesink_dlq_errors_total",
                                         "Dead letters the broker did not acknowledge.", NULL, 0);
    d->m_rebalances = ls_metrics_counter(m, "lakesink_rebalances_total",
                                         "Partition assignments and revocations.", NULL, 0);
    d->m_msgs = ls_metrics_counter(m, "lakesink_messages_total", "Messages consumed.", NULL, 0);
    d->m_msg_bytes = ls_metrics_counter(m, "lakesink_message_bytes_total",
                                        "Bytes of messages consumed (with overhead).", NULL, 0);
    d->m_mem = ls_metrics_gauge(m, "lakesink_memory_bytes",
                                "Bytes buffered: queued messages, batches, open files.", NULL, 0);
    d->m_budget = ls_metrics_gauge(m, "lakesink_memory_budget_bytes", "memory.budget", NULL, 0);
    d->m_paused = ls_metrics_gauge(m, "lakesink_paused_partitions",
                                   "Partitions paused by the memory budget.", NULL, 0);
    d->m_assigned = ls_metrics_gauge(m, "lakesink_assigned_partitions",
                                     "Partitions assigned to this instance.", NULL, 0);
    ls_gauge_set(d->m_budget, (int64_t)d->budget);
    return LS_OK;
}

static int64_t ls__rk_timestamp(const rd_kafka_message_t *m)
{
    rd_kafka_timestamp_type_t tt;
    return rd_kafka_message_timestamp(m, &tt);
}

static rd_kafka_resp_err_t ls__rk_headers(const rd_kafka_message_t *m, rd_kafka_headers_t **h)
{
    return rd_kafka_message_headers(m, h);
}

const ls__msg_ops_t ls__rdkafka_msg_ops = {ls__rk_timestamp, ls__rk_headers,
                                           rd_kafka_message_destroy};

static ls__daemon_t *ls__daemon_alloc(const ls_conf_t *conf, const ls__msg_ops_t *mops,
                                      ls_error_t *err)
{
    ls__daemon_t *d = ls_calloc(1, sizeof(*d));
    if (d == NULL) {
        ls_error_set(err, LS_ERR_NOMEM, "out of memory");
        return NULL;
    }
    d->conf = conf;
    d->mops = mops;
    pthread_mutex_init(&d->tps_mu, NULL);
    pthread_mutex_init(&d->fatal_mu, NULL);
    pthread_mutex_init(&d->cmu, NULL);
    pthread_mutex_init(&d->scrape_mu, NULL);
    pthread_cond_init(&d->ccv, NULL);
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    d->nworkers = conf->workers > 0 ? (unsigned)conf->workers : (unsigned)(cores > 0 ? cores : 1);
    d->nworkers = d->nworkers > LS__MAX_WORKERS ? LS__MAX_WORKERS : d->nworkers;
    d->budget = (uint64_t)conf->memory_budget;
    d->high = d->budget / 8 * 5; /* librdkafka's queue holds up to budget/8 beside it */
    d->low = d->budget / 8 * 3;
    d->started_ms = ls__now_ms();
    return d;
}

/* Start-up in dependency order; @p online adds the Kafka clients and HTTP. */
static ls_daemon_t *ls__daemon_start(ls__daemon_t *d, bool online, ls_error_t *err)
{
    ls_err_t rc = ls__metrics(d, err);
    rc = rc == LS_OK ? ls__tables_open(d, err) : rc;
    for (size_t i = 0; rc == LS_OK && i < d->ntables; i++) {
        ls__table_metrics(d, &d->tables[i]);
    }
    rc = rc == LS_OK ? ls__workers_start(d, err) : rc;
    rc = rc == LS_OK && online ? ls__dlq_open(d, err) : rc;
    rc = rc == LS_OK && online ? ls__ops_start(d, err) : rc;
    rc = rc == LS_OK && online ? ls__consumer_open(d, err) : rc;
    rc = rc == LS_OK ? ls__committer_start(d, err) : rc;
    if (rc != LS_OK) {
        ls_daemon_free(d);
        return NULL;
    }
    return d;
}

ls_daemon_t *ls_daemon_new(const ls_conf_t *conf, ls_error_t *err)
{
    ls__daemon_t *d = ls__daemon_alloc(conf, &ls__rdkafka_msg_ops, err);
    return d != NULL ? ls__daemon_start(d, true, err) : NULL;
}

ls__daemon_t *ls__daemon_new_offline(const ls_conf_t *conf, const ls__msg_ops_t *mops,
                                     ls_error_t *err)
{
    ls__daemon_t *d = ls__daemon_alloc(conf, mops, err);
    return d != NULL ? ls__daemon_start(d, false, err) : NULL;
}

void ls_daemon_stop(ls_daemon_t *d)
{
    if (d != NULL) {
        atomic_store(&d->stop, true);
    }
}

/* The draining stop: everything consumed is committed, then the group is left. */
static ls_err_t ls__drain(ls__daemon_t *d, ls_error_t *err)
{
    ls_err_t rc = LS_OK;
    ls__await_first_assignment(d, d->conf->shutdown_timeout_ms / 2);
    if (!atomic_load(&d->fatal) && !atomic_load(&d->fenced)) {
        rc = ls__flush_all(d, err);
        if (rc == LS_ERR_EXISTS) {
            atomic_store(&d->fenced, true);
        }
    }
    ls__consumer_close(d);
    ls__committer_stop(d);
    return rc;
}

ls_err_t ls_daemon_run(ls_daemon_t *d, ls_error_t *err)
{
    char w[16];
    snprintf(w, sizeof(w), "%u", d->nworkers);
    ls_log_kv(LS_LOG_INFO, "daemon", "running", "workers", w, "group", d->conf->group_id,
              "http", d->conf->http_listen, NULL);
    ls_err_t rc = ls__poll_loop(d, err);
    ls_log_kv(LS_LOG_INFO, "daemon", "draining", NULL);
    ls_error_t derr;
    ls_error_clear(&derr);
    ls_err_t drc = ls__drain(d, &derr);
    if (atomic_load(&d->fatal)) {
        *err = d->fatal_err;
        return err->code != LS_OK ? err->code : LS_ERR_STATE;
    }
    if (atomic_load(&d->fenced)) {
        return ls_error_set(err, LS_ERR_EXISTS, "fenced: another instance committed positions "
                            "this one held; its buffered rows were dropped");
    }
    if (drc != LS_OK) {
        *err = derr;
        return drc;
    }
    ls_log_kv(LS_LOG_INFO, "daemon", "stopped cleanly", NULL);
    return rc;
}

void ls_daemon_free(ls_daemon_t *d)
{
    if (d == NULL) {
        return;
    }
    ls__consumer_close(d);
    ls__committer_stop(d);
    ls__workers_stop(d);
    ls__dlq_close(d);
    ls__ops_stop(d);
    for (size_t i = 0; i < d->ntps; i++) {
        ls_free(d->tps[i]->topic);
        ls_free(d->tps[i]);
    }
    ls_free(d->tps);
    ls__tables_close(d);
    ls_metrics_free(d->metrics);
    pthread_mutex_destroy(&d->tps_mu);
    pthread_mutex_destroy(&d->fatal_mu);
    pthread_mutex_destroy(&d->cmu);
    pthread_mutex_destroy(&d->scrape_mu);
    pthread_cond_destroy(&d->ccv);
    ls_free(d);
}

/* ------------------------------------------------------------ deeper config check */

static void ls__report(void (*report)(void *, const char *), void *ctx, size_t *n,
                       const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void ls__report(void (*report)(void *, const char *), void *ctx, size_t *n,
                       const char *fmt, ...)
{
    char msg[LS_CONF_DIAG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    report(ctx, msg);
    (*n)++;
}

size_t ls_daemon_validate(const ls_conf_t *conf, void (*report)(void *ctx, const char *msg),
                          void *ctx)
{
    size_t n = 0;
    for (size_t i = 0; i < conf->ntopics; i++) {
        const ls_conf_topic_t *tc = &conf->topics[i];
        for (size_t k = 0; k < tc->derived.n; k++) {
            ls_xform_derive_t *drv = NULL;
            ls_error_t e;
            ls_error_clear(&e);
            if (ls_xform_derive_parse(tc->derived.items[k].value, &drv, &e) != LS_OK) {
                ls__report(report, ctx, &n, "topics.%s.transforms.derive.%s: %s", tc->name,
                           tc->derived.items[k].key, e.msg);
            }
            ls_xform_derive_free(drv);
        }
        if (tc->kafka_topic[0] == '^') {
            regex_t re;
            if (regcomp(&re, tc->kafka_topic, REG_EXTENDED | REG_NOSUB) != 0) {
                ls__report(report, ctx, &n, "topics.%s.kafka-topic: invalid regular "
                           "expression \"%s\"", tc->name, tc->kafka_topic);
            } else {
                regfree(&re);
            }
        }
        if (tc->schema_file != NULL) {
            ls_buf_t text;
            ls_buf_init(&text, 0);
            ls_error_t e;
            ls_error_clear(&e);
            ls_type_t *st = NULL;
            ls_err_t rc = ls_file_read_all(tc->schema_file, (size_t)16 << 20, &text, &e);
            rc = rc == LS_OK ? ls_jsonschema_to_delta((const char *)text.data, text.len,
                                                      tc->schema_file, &st, NULL, &e)
                             : rc;
            if (rc != LS_OK) {
                ls__report(report, ctx, &n, "topics.%s.schema-file: %s", tc->name, e.msg);
            }
            ls_type_free(st);
            ls_buf_free(&text);
        }
    }
    return n;
}

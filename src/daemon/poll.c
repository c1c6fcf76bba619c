/*
 * poll.c — the poll thread: the Kafka consumer (group with cooperative rebalancing),
 * seeking each assigned partition to the position its tables hold (txn + 1; Kafka's
 * committed offsets are never trusted), flushing synchronously when partitions are
 * revoked, handing runs of messages per partition to their worker, pausing every
 * partition when the memory budget's high watermark is passed and resuming below the
 * low one, and keeping the lag gauges.
 *
 * Not responsible for: decoding (worker.c), commits (commit.c).
 */
#include <stdio.h>
#include <string.h>

#include "daemon_int.h"
#include "lakesink/alloc.h"
#include "lakesink/kafka.h"
#include "lakesink/log.h"

#define LS__POLL_MS 100
#define LS__HOUSEKEEP_MS 200

/* ------------------------------------------------------------ registry */

static uint32_t ls__hash(const char *s, int32_t p)
{
    uint32_t h = 2166136261u;
    for (; *s; s++) {
        h = (h ^ (uint8_t)*s) * 16777619u;
    }
    return (h ^ (uint32_t)p) * 16777619u;
}

static void ls__tp_metrics(ls__daemon_t *d, ls__tp_t *tp)
{
    char part[16];
    snprintf(part, sizeof(part), "%d", (int)tp->partition);
    ls_label_t l[2] = {{"topic", tp->topic}, {"partition", part}};
    tp->m_lag = ls_metrics_gauge(d->metrics, "lakesink_consumer_lag",
                                 "Messages in the partition after the last one consumed "
                                 "(high watermark - position).", l, 2);
    tp->m_consumed = ls_metrics_counter(d->metrics, "lakesink_messages_consumed_total",
                                        "Messages consumed from Kafka.", l, 2);
}

static ls__tp_t *ls__tp_new(ls__daemon_t *d, const char *topic, int32_t partition)
{
    ls__tp_t *tp = ls_calloc(1, sizeof(*tp));
    if (tp == NULL || (tp->topic = ls_strdup(topic)) == NULL) {
        ls_free(tp);
        return NULL;
    }
    tp->partition = partition;
    tp->worker = ls__hash(topic, partition) % d->nworkers;
    for (size_t i = 0; i < d->ntables && tp->ntables < LS__TP_TABLES; i++) {
        if (ls__table_matches(&d->tables[i], topic)) {
            tp->tables[tp->ntables++] = i;
        }
    }
    for (size_t s = 0; s < LS__TP_TABLES; s++) {
        tp->skip_upto[s] = tp->done_off[s] = -1;
        atomic_store(&tp->committed[s], -1);
    }
    atomic_store(&tp->consumed, -1);
    ls__tp_metrics(d, tp);
    return tp;
}

ls__tp_t *ls__tp_get(ls__daemon_t *d, const char *topic, int32_t partition)
{
    for (size_t i = 0; i < d->ntps; i++) {
        ls__tp_t *tp = d->tps[i];
        if (tp->partition == partition && strcmp(tp->topic, topic) == 0) {
            return tp;
        }
    }
    ls__tp_t *tp = ls__tp_new(d, topic, partition);
    if (tp == NULL) {
        return NULL;
    }
    pthread_mutex_lock(&d->tps_mu);
    if (d->ntps == d->tps_cap) {
        size_t cap = d->tps_cap ? d->tps_cap * 2 : 64;
        ls__tp_t **n = ls_reallocarray(d->tps, cap, sizeof(*n));
        if (n == NULL) {
            pthread_mutex_unlock(&d->tps_mu);
            ls_free(tp->topic);
            ls_free(tp);
            return NULL;
        }
        d->tps = n;
        d->tps_cap = cap;
    }
    d->tps[d->ntps++] = tp;
    pthread_mutex_unlock(&d->tps_mu);
    return tp;
}

/* ------------------------------------------------------------ rebalances */

/* Where partition @p tp starts: the lowest table position + 1, or the configured start
 * when some table has none. Reads each table's newest log (under its mutex). */
static int64_t ls__start_offset(ls__daemon_t *d, ls__tp_t *tp)
{
    int64_t low = INT64_MAX;
    bool missing = tp->ntables == 0;
    for (size_t s = 0; s < tp->ntables; s++) {
        ls__table_t *t = &d->tables[tp->tables[s]];
        pthread_mutex_lock(&t->mu);
        if (t->snap != NULL) {
            ls_error_t e;
            ls_error_clear(&e);
            if (ls_delta_snapshot_update(t->snap, NULL, &e) != LS_OK) {
                ls_log_kv(LS_LOG_WARN, "daemon", "cannot refresh the table log at assignment",
                          "table", t->tc->name, "error", e.msg, NULL);
            }
        }
        int64_t v = ls__table_txn(d, t, tp->topic, tp->partition);
        atomic_store(&tp->committed[s], v);
        pthread_mutex_unlock(&t->mu);
        tp->skip_upto[s] = v;
        missing = missing || v < 0;
        low = v >= 0 && v < low ? v : low;
    }
    if (!missing) {
        return low + 1;
    }
    bool latest = strcmp(d->conf->starting_offsets, "latest") == 0;
    if (latest && low != INT64_MAX) {
        return low + 1;
    }
    return latest ? RD_KAFKA_OFFSET_END : RD_KAFKA_OFFSET_BEGINNING;
}

static void ls__assign(ls__daemon_t *d, rd_kafka_t *rk, rd_kafka_topic_partition_list_t *parts)
{
    for (int i = 0; i < parts->cnt; i++) {
        rd_kafka_topic_partition_t *p = &parts->elems[i];
        ls__tp_t *tp = ls__tp_get(d, p->topic, p->partition);
        if (tp == NULL) {
            ls_error_t e;
            ls_error_set(&e, LS_ERR_NOMEM, "out of memory at assignment");
            ls__daemon_fail(d, &e);
            continue;
        }
        p->offset = ls__start_offset(d, tp);
        atomic_store(&tp->reset, true);
        atomic_store(&tp->consumed, p->offset >= 0 ? p->offset : -1);
        atomic_store(&tp->assigned, true);
        char part[16], off[24];
        snprintf(part, sizeof(part), "%d", (int)p->partition);
        snprintf(off, sizeof(off), "%lld", (long long)p->offset);
        ls_log_kv(LS_LOG_INFO, "daemon", "partition assigned", "topic", p->topic, "partition",
                  part, "start", off, NULL);
    }
    rd_kafka_error_t *err = NULL;
    if (strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE") == 0) {
        err = rd_kafka_incremental_assign(rk, parts);
    } else {
        rd_kafka_assign(rk, parts);
    }
    if (err != NULL) {
        ls_log_kv(LS_LOG_ERROR, "daemon", "assign failed", "error", rd_kafka_error_string(err),
                  NULL);
        rd_kafka_error_destroy(err);
    }
    ls_gauge_add(d->m_assigned, parts->cnt);
    atomic_store(&d->ready, true);
}

static void ls__revoke(ls__daemon_t *d, rd_kafka_t *rk, rd_kafka_topic_partition_list_t *parts)
{
    if (rd_kafka_assignment_lost(rk)) {
        /* Another member may own them already. Committing what we hold is still safe: the
         * txn fencing makes whichever of the two commits second start afresh. librdkafka
         * also reports an assignment lost when an offset commit meets a rebalance, and
         * then the partitions usually come straight back: keep going. */
        ls_log_kv(LS_LOG_WARN, "daemon", "partitions reported lost: committing what they sent",
                  NULL);
    }
    if (!atomic_load(&d->fatal)) {
        ls_error_t e;
        ls_error_clear(&e);
        ls_err_t rc = ls__flush_all(d, &e); /* commit what the revoked partitions sent */
        if (rc == LS_ERR_EXISTS) {
            atomic_store(&d->fenced, true);
            atomic_store(&d->stop, true);
        } else if (rc != LS_OK) {
            ls__daemon_fail(d, &e);
        }
    }
    for (int i = 0; i < parts->cnt; i++) {
        ls__tp_t *tp = ls__tp_get(d, parts->elems[i].topic, parts->elems[i].partition);
        if (tp != NULL) {
            atomic_store(&tp->assigned, false);
            ls_gauge_set(tp->m_lag, 0);
        }
    }
    if (strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE") == 0) {
        rd_kafka_error_t *err = rd_kafka_incremental_unassign(rk, parts);
        if (err != NULL) {
            rd_kafka_error_destroy(err);
        }
    } else {
        rd_kafka_assign(rk, NULL);
    }
    ls_gauge_add(d->m_assigned, -parts->cnt);
}

static void ls__rebalance_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                             rd_kafka_topic_partition_list_t *parts, void *opaque)
{
    ls__daemon_t *d = opaque;
    ls_counter_add(d->m_rebalances, 1);
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        ls__assign(d, rk, parts);
    } else {
        ls__revoke(d, rk, parts);
    }
}

/* ------------------------------------------------------------ consumer */

/* Subscription: topic names and ^regex patterns, each once. */
static ls_err_t ls__subscribe(ls__daemon_t *d, ls_error_t *err)
{
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new((int)d->ntables);
    for (size_t i = 0; i < d->ntables; i++) {
        const char *name = d->tables[i].tc->kafka_topic;
        if (rd_kafka_topic_partition_list_find(l, name, RD_KAFKA_PARTITION_UA) == NULL) {
            rd_kafka_topic_partition_list_add(l, name, RD_KAFKA_PARTITION_UA);
        }
    }
    rd_kafka_resp_err_t e = rd_kafka_subscribe(d->rk, l);
    rd_kafka_topic_partition_list_destroy(l);
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
        return ls_error_set(err, LS_ERR_CONFIG, "cannot subscribe: %s", rd_kafka_err2str(e));
    }
    return LS_OK;
}

ls_err_t ls__consumer_open(ls__daemon_t *d, ls_error_t *err)
{
    const ls_conf_t *c = d->conf;
    char qkb[32], fmax[32];
    uint64_t share = d->budget / 8; /* librdkafka's prefetch queue gets an eighth */
    snprintf(qkb, sizeof(qkb), "%llu", (unsigned long long)(share / 1024));
    snprintf(fmax, sizeof(fmax), "%llu", (unsigned long long)(share / 2));
    const char *defaults[] = {"bootstrap.servers", c->brokers, "group.id", c->group_id,
                              "enable.auto.commit", "false", "enable.auto.offset.store", "false",
                              "auto.offset.reset", c->starting_offsets,
                              "partition.assignment.strategy", "cooperative-sticky",
                              "queued.max.messages.kbytes", qkb, "fetch.max.bytes", fmax,
                              "enable.partition.eof", "false"};
    size_t nd = sizeof(defaults) / sizeof(defaults[0]);
    const char *kv[2 * (LS_CONF_MAX_TOPICS + 16)];
    size_t k = 0;
    for (size_t i = 0; i < nd; i++) {
        kv[k++] = defaults[i];
    }
    for (size_t i = 0; i < c->kafka_properties.n && k + 2 <= sizeof(kv) / sizeof(kv[0]); i++) {
        kv[k++] = c->kafka_properties.items[i].key;
        kv[k++] = c->kafka_properties.items[i].value;
    }
    rd_kafka_conf_t *conf = ls_kafka_conf_new(kv, k / 2, err);
    if (conf == NULL) {
        return ls_error_prefix(err, "kafka.properties: ");
    }
    rd_kafka_conf_set_rebalance_cb(conf, ls__rebalance_cb);
    rd_kafka_conf_set_opaque(conf, d);
    char why[512];
    d->rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, why, sizeof(why));
    if (d->rk == NULL) {
        rd_kafka_conf_destroy(conf);
        return ls_error_set(err, LS_ERR_CONFIG, "Kafka consumer: %s", why);
    }
    rd_kafka_poll_set_consumer(d->rk);
    d->rkq = rd_kafka_queue_get_consumer(d->rk);
    return ls__subscribe(d, err);
}

void ls__consumer_close(ls__daemon_t *d)
{
    if (d->rk == NULL) {
        return;
    }
    if (d->rk_unclosable) {
        d->rk = NULL; /* see ls__await_first_assignment */
        d->rkq = NULL;
        return;
    }
    if (d->rkq != NULL) {
        rd_kafka_queue_destroy(d->rkq);
        d->rkq = NULL;
    }
    rd_kafka_consumer_close(d->rk); /* leaves the group (a last revoke flushes) */
    rd_kafka_destroy(d->rk);
    d->rk = NULL;
}

/* ------------------------------------------------------------ dispatch */

/* One worker's share of a consumed batch, being assembled. */
typedef struct ls__share_s {
    rd_kafka_message_t **msgs;
    size_t n;
    ls__run_t *runs;
    size_t nruns;
    uint64_t bytes;
} ls__share_t;

static ls_err_t ls__share_add(ls__share_t *sh, ls__tp_t *tp, rd_kafka_message_t *m, size_t cap)
{
    if (sh->msgs == NULL) {
        sh->msgs = ls_malloc(cap * sizeof(*sh->msgs));
        sh->runs = ls_malloc(cap * sizeof(*sh->runs));
        if (sh->msgs == NULL || sh->runs == NULL) {
            ls_free(sh->msgs);
            ls_free(sh->runs);
            sh->msgs = NULL;
            sh->runs = NULL;
            return LS_ERR_NOMEM;
        }
    }
    if (sh->nruns == 0 || sh->runs[sh->nruns - 1].tp != tp) {
        sh->runs[sh->nruns++] = (ls__run_t){tp, sh->n, 0};
    }
    sh->runs[sh->nruns - 1].n++;
    sh->msgs[sh->n++] = m;
    sh->bytes += m->len + m->key_len + 128;
    return LS_OK;
}

/* Queue one worker's share as one job (taking the messages; destroyed if that fails). */
static ls_err_t ls__share_push(ls__daemon_t *d, unsigned worker, ls__share_t *sh)
{
    ls__job_t *job = sh->n > 0 ? ls_calloc(1, sizeof(*job)) : NULL;
    ls_err_t rc = sh->n == 0 ? LS_OK : job == NULL ? LS_ERR_NOMEM : LS_OK;
    if (job != NULL) {
        job->kind = LS__JOB_RUN;
        job->msgs = sh->msgs;
        job->n = sh->n;
        job->runs = sh->runs;
        job->nruns = sh->nruns;
        job->bytes = sh->bytes;
        atomic_fetch_add(&d->inflight, job->bytes);
        for (size_t r = 0; r < sh->nruns; r++) {
            const ls__run_t *run = &sh->runs[r];
            ls_counter_add(run->tp->m_consumed, run->n);
            atomic_store(&run->tp->consumed, sh->msgs[run->start + run->n - 1]->offset + 1);
        }
        ls_counter_add(d->m_msgs, sh->n);
        ls_counter_add(d->m_msg_bytes, sh->bytes);
        rc = ls_queue_push(d->workers[worker].q, job, -1);
        if (rc != LS_OK) {
            atomic_fetch_sub(&d->inflight, job->bytes);
            ls_free(job);
        }
    }
    if (rc != LS_OK) {
        for (size_t i = 0; i < sh->n; i++) {
            d->mops->destroy(sh->msgs[i]);
        }
        ls_free(sh->msgs);
        ls_free(sh->runs);
    }
    memset(sh, 0, sizeof(*sh));
    return rc;
}

ls_err_t ls__push_run(ls__daemon_t *d, ls__tp_t *tp, rd_kafka_message_t **msgs, size_t n)
{
    ls__share_t sh;
    memset(&sh, 0, sizeof(sh));
    for (size_t i = 0; i < n; i++) {
        if (ls__share_add(&sh, tp, msgs[i], n) != LS_OK) {
            for (size_t j = i; j < n; j++) {
                d->mops->destroy(msgs[j]);
            }
            break;
        }
    }
    return ls__share_push(d, tp->worker, &sh);
}

/* Hand out one consumed batch: one job per worker holding its partitions' runs. */
static void ls__dispatch(ls__daemon_t *d, rd_kafka_message_t **msgs, size_t n)
{
    ls__share_t sh[LS__MAX_WORKERS];
    memset(sh, 0, sizeof(ls__share_t) * d->nworkers);
    ls__tp_t *cur = NULL;
    for (size_t i = 0; i < n; i++) {
        rd_kafka_message_t *m = msgs[i];
        ls__tp_t *tp = NULL;
        if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
            const char *topic = rd_kafka_topic_name(m->rkt);
            bool same = cur != NULL && cur->partition == m->partition &&
                        strcmp(cur->topic, topic) == 0;
            tp = same ? cur : ls__tp_get(d, topic, m->partition);
        } else if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
            ls_log_kv(LS_LOG_WARN, "kafka", rd_kafka_message_errstr(m), NULL);
        }
        if (tp == NULL || ls__share_add(&sh[tp->worker], tp, m, n) != LS_OK) {
            d->mops->destroy(m); /* not ours (an error or EOF event), or out of memory */
            continue;
        }
        cur = tp;
    }
    for (unsigned w = 0; w < d->nworkers; w++) {
        ls__share_push(d, w, &sh[w]);
    }
}

/* ------------------------------------------------------------ housekeeping */

static void ls__pause(ls__daemon_t *d, bool pause)
{
    rd_kafka_topic_partition_list_t *a = NULL;
    if (rd_kafka_assignment(d->rk, &a) != RD_KAFKA_RESP_ERR_NO_ERROR || a == NULL) {
        return;
    }
    if (pause) {
        rd_kafka_pause_partitions(d->rk, a);
    } else {
        rd_kafka_resume_partitions(d->rk, a);
    }
    d->paused = pause;
    ls_gauge_set(d->m_paused, pause ? a->cnt : 0);
    char n[16];
    snprintf(n, sizeof(n), "%d", a->cnt);
    ls_log_kv(LS_LOG_INFO, "daemon", pause ? "memory budget reached: partitions paused"
                                           : "memory below the low watermark: resumed",
              "partitions", n, NULL);
    rd_kafka_topic_partition_list_destroy(a);
}

static void ls__memory(ls__daemon_t *d)
{
    uint64_t used = atomic_load(&d->inflight) + ls__workers_mem(d);
    ls_gauge_set(d->m_mem, (int64_t)used);
    if (!d->paused && used > d->high) {
        ls__pause(d, true);
        for (size_t i = 0; i < d->ntables; i++) {
            atomic_store(&d->tables[i].urgent, true); /* flushing frees the open files */
        }
        ls__committer_wake(d);
    } else if (d->paused && used < d->low) {
        ls__pause(d, false);
    } else if (d->paused) {
        for (size_t i = 0; i < d->ntables; i++) {
            atomic_store(&d->tables[i].urgent, true);
        }
        ls__committer_wake(d);
    }
}

static void ls__lag(ls__daemon_t *d)
{
    for (size_t i = 0; i < d->ntps; i++) {
        ls__tp_t *tp = d->tps[i];
        int64_t lo, hi, pos = atomic_load(&tp->consumed);
        if (!atomic_load(&tp->assigned) || pos < 0 ||
            rd_kafka_get_watermark_offsets(d->rk, tp->topic, tp->partition, &lo, &hi) !=
                RD_KAFKA_RESP_ERR_NO_ERROR || hi < 0) {
            continue;
        }
        ls_gauge_set(tp->m_lag, hi > pos ? hi - pos : 0);
    }
}

void ls__poll_once(ls__daemon_t *d, int64_t *last)
{
    rd_kafka_message_t *msgs[LS__RUN_MAX];
    ssize_t n = rd_kafka_consume_batch_queue(d->rkq, LS__POLL_MS, msgs, LS__RUN_MAX);
    if (n > 0) {
        ls__dispatch(d, msgs, (size_t)n);
    }
    int64_t now = ls__now_ms();
    if (now - *last >= LS__HOUSEKEEP_MS || d->paused) {
        ls__memory(d);
        ls__lag(d);
        *last = now;
    }
    if (d->dlq != NULL) {
        rd_kafka_poll(d->dlq, 0);
    }
}

ls_err_t ls__poll_loop(ls__daemon_t *d, ls_error_t *err)
{
    (void)err;
    int64_t last = 0;
    while (!atomic_load(&d->stop) && !atomic_load(&d->fatal)) {
        ls__poll_once(d, &last);
    }
    return LS_OK;
}

/* librdkafka 2.0.2 aborts when a cooperative-sticky consumer is closed before its first
 * assignment (its assignor state is still NULL; fixed upstream in 2.3.0). So a stop that
 * comes early keeps polling until the group has assigned (what it consumes meanwhile is
 * committed by the drain); if that does not happen in time, the consumer is left open for
 * the process exit to reclaim. */
void ls__await_first_assignment(ls__daemon_t *d, int64_t max_ms)
{
    if (d->rk == NULL || atomic_load(&d->ready)) {
        return;
    }
    int64_t until = ls__now_ms() + max_ms, last = 0;
    while (!atomic_load(&d->ready) && !atomic_load(&d->fatal) && ls__now_ms() < until) {
        ls__poll_once(d, &last);
    }
    if (!atomic_load(&d->ready)) {
        ls_log_kv(LS_LOG_WARN, "daemon", "no partition assignment yet: leaving the Kafka "
                  "consumer open (it cannot be closed safely before one)", NULL);
        d->rk_unclosable = true;
    }
}

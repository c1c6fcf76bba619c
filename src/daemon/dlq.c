/*
 * dlq.c — the dead-letter producer: a message that cannot be written is produced to
 * dlq.topic with its original key, value and headers plus error headers
 * (lakesink.error.reason, lakesink.error.time, lakesink.source.topic,
 * lakesink.source.partition, lakesink.source.offset, lakesink.table). Idempotent, acks=all.
 * A dead letter's offset counts as handled only once every dead letter is acknowledged:
 * the committer calls ls__dlq_sync before each commit.
 *
 * Not responsible for: deciding what is a dead letter (worker.c).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "daemon_int.h"
#include "lakesink/kafka.h"
#include "lakesink/log.h"

#define LS__REASON_MAX 1024

static void ls__dlq_dr(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    (void)rk;
    ls__daemon_t *d = opaque;
    if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        atomic_fetch_add(&d->dlq_failed, 1);
        ls_counter_add(d->m_dlq_errors, 1);
        ls_log_kv(LS_LOG_ERROR, "dlq", "dead letter not delivered", "error",
                  rd_kafka_err2str(m->err), NULL);
    }
}

ls_err_t ls__dlq_open(ls__daemon_t *d, ls_error_t *err)
{
    if (d->conf->dlq_topic == NULL) {
        return LS_OK;
    }
    const ls_conf_t *c = d->conf;
    size_t n = c->kafka_properties.n;
    const char *kv[2 * (LS_CONF_MAX_TOPICS + 8)];
    size_t k = 0;
    const char *defaults[] = {"bootstrap.servers", c->brokers, "enable.idempotence", "true",
                              "linger.ms", "5", "message.timeout.ms", "60000"};
    for (size_t i = 0; i < 8; i++) {
        kv[k++] = defaults[i];
    }
    for (size_t i = 0; i < n && k + 2 <= sizeof(kv) / sizeof(kv[0]); i++) {
        const char *key = c->kafka_properties.items[i].key;
        if (strncmp(key, "group.", 6) == 0 || strstr(key, "offset") != NULL ||
            strncmp(key, "session.", 8) == 0 || strncmp(key, "max.poll", 8) == 0 ||
            strncmp(key, "heartbeat", 9) == 0 || strncmp(key, "partition.assignment", 20) == 0 ||
            strncmp(key, "fetch.", 6) == 0 || strncmp(key, "queued.", 7) == 0) {
            continue; /* consumer-only settings */
        }
        kv[k++] = key;
        kv[k++] = c->kafka_properties.items[i].value;
    }
    rd_kafka_conf_t *conf = ls_kafka_conf_new(kv, k / 2, err);
    if (conf == NULL) {
        return ls_error_prefix(err, "dead-letter producer: ");
    }
    rd_kafka_conf_set_dr_msg_cb(conf, ls__dlq_dr);
    rd_kafka_conf_set_opaque(conf, d);
    char why[512];
    d->dlq = rd_kafka_new(RD_KAFKA_PRODUCER, conf, why, sizeof(why));
    if (d->dlq == NULL) {
        rd_kafka_conf_destroy(conf);
        return ls_error_set(err, LS_ERR_CONFIG, "dead-letter producer: %s", why);
    }
    return LS_OK;
}

void ls__dlq_close(ls__daemon_t *d)
{
    if (d->dlq != NULL) {
        rd_kafka_flush(d->dlq, 10000);
        rd_kafka_destroy(d->dlq);
        d->dlq = NULL;
    }
}

/* The original headers plus the error headers. */
static rd_kafka_headers_t *ls__dlq_headers(const ls__daemon_t *d, const ls__msgmeta_t *m,
                                           const char *table, const char *reason)
{
    rd_kafka_headers_t *src = NULL, *h;
    if (d->mops->headers(m->rkm, &src) == RD_KAFKA_RESP_ERR_NO_ERROR && src != NULL) {
        h = rd_kafka_headers_copy(src);
    } else {
        h = rd_kafka_headers_new(8);
    }
    if (h == NULL) {
        return NULL;
    }
    char part[16], off[24], now[24];
    snprintf(part, sizeof(part), "%d", (int)m->partition);
    snprintf(off, sizeof(off), "%" PRId64, m->offset);
    snprintf(now, sizeof(now), "%" PRId64, ls__now_ms());
    size_t rlen = strlen(reason);
    rd_kafka_header_add(h, "lakesink.error.reason", -1, reason,
                        (ssize_t)(rlen > LS__REASON_MAX ? LS__REASON_MAX : rlen));
    rd_kafka_header_add(h, "lakesink.error.time", -1, now, -1);
    rd_kafka_header_add(h, "lakesink.source.topic", -1, m->topic, -1);
    rd_kafka_header_add(h, "lakesink.source.partition", -1, part, -1);
    rd_kafka_header_add(h, "lakesink.source.offset", -1, off, -1);
    rd_kafka_header_add(h, "lakesink.table", -1, table, -1);
    return h;
}

ls_err_t ls__dlq_send(ls__daemon_t *d, const ls__msgmeta_t *m, const char *table,
                      const char *reason, ls_error_t *err)
{
    if (d->dlq == NULL) {
        return ls_error_set(err, LS_ERR_STATE, "no dlq.topic is configured, so the daemon stops "
                            "here rather than lose the message");
    }
    rd_kafka_headers_t *h = ls__dlq_headers(d, m, table, reason);
    if (h == NULL) {
        return ls_error_set(err, LS_ERR_NOMEM, "out of memory");
    }
    const rd_kafka_message_t *r = m->rkm;
    for (;;) {
        rd_kafka_resp_err_t e = rd_kafka_producev(
            d->dlq, RD_KAFKA_V_TOPIC(d->conf->dlq_topic), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
            RD_KAFKA_V_KEY(r->key, r->key_len), RD_KAFKA_V_VALUE(r->payload, r->len),
            RD_KAFKA_V_HEADERS(h), RD_KAFKA_V_END);
        if (e == RD_KAFKA_RESP_ERR_NO_ERROR) {
            break; /* the producer owns the headers now */
        }
        if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
            rd_kafka_headers_destroy(h);
            return ls_error_set(err, LS_ERR_IO, "dead-letter topic %s: %s", d->conf->dlq_topic,
                                rd_kafka_err2str(e));
        }
        rd_kafka_poll(d->dlq, 50);
    }
    rd_kafka_poll(d->dlq, 0);
    ls_counter_add(d->m_dlq_msgs, 1);
    char off[24];
    snprintf(off, sizeof(off), "%" PRId64, m->offset);
    char part[16];
    snprintf(part, sizeof(part), "%d", (int)m->partition);
    ls_log_kv(LS_LOG_WARN, "dlq", "dead letter", "table", table, "topic", m->topic, "partition",
              part, "offset", off, "reason", reason, NULL);
    return LS_OK;
}

ls_err_t ls__dlq_sync(ls__daemon_t *d, int timeout_ms, ls_error_t *err)
{
    if (d->dlq == NULL) {
        return LS_OK;
    }
    uint64_t before = atomic_load(&d->dlq_failed);
    if (rd_kafka_flush(d->dlq, timeout_ms) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        return ls_error_set(err, LS_ERR_TIMEOUT, "dead letters not acknowledged within %d ms",
                            timeout_ms);
    }
    (void)before;
    if (atomic_load(&d->dlq_failed) > 0) {
        return ls_error_set(err, LS_ERR_IO, "%llu dead letters could not be delivered: their "
                            "offsets are not committed",
                            (unsigned long long)atomic_load(&d->dlq_failed));
    }
    return LS_OK;
}

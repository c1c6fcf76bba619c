/*
 * kafka.c — librdkafka glue (see kafka.h): configuration with readable errors, log
 * forwarding, the mock cluster and a producer that tallies delivery reports.
 *
 * Delivery reports run inside rd_kafka_poll/flush on the caller's thread, so the
 * counters need no lock; a producer must be driven from one thread.
 * Not responsible for: consuming or retry policy beyond librdkafka's own (idempotence
 * makes its retries safe).
 */
#include <stdio.h>
#include <string.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include "lakesink/alloc.h"
#include "lakesink/kafka.h"
#include "lakesink/log.h"

struct ls_kafka_mock_s {
    rd_kafka_t *rk;
    rd_kafka_mock_cluster_t *mc;
};

struct ls_kafka_producer_s {
    rd_kafka_t *rk;
    rd_kafka_topic_t *topic;
    uint64_t failed;
    char first_error[256];
    ls_kafka_part_stats_t *parts;
    size_t nparts, cap;
};

int ls_kafka_topic_valid(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > LS_KAFKA_TOPIC_MAX || strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-')) {
            return 0;
        }
    }
    return 1;
}

/* librdkafka's syslog levels onto ours; its chatter below warnings stays at debug. */
static void ls__log_cb(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
    (void)rk;
    ls_log_level_t l = level <= 3 ? LS_LOG_ERROR : level == 4 ? LS_LOG_WARN : LS_LOG_DEBUG;
    ls_log_kv(l, "kafka", buf, "facility", fac, NULL);
}

rd_kafka_conf_t *ls_kafka_conf_new(const char *const *kv, size_t n, ls_error_t *err)
{
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    if (conf == NULL) {
        ls_error_set(err, LS_ERR_NOMEM, "out of memory creating a Kafka configuration");
        return NULL;
    }
    rd_kafka_conf_set_log_cb(conf, ls__log_cb);
    char why[256];
    for (size_t i = 0; i < n; i++) {
        if (rd_kafka_conf_set(conf, kv[2 * i], kv[2 * i + 1], why, sizeof(why)) !=
            RD_KAFKA_CONF_OK) {
            ls_error_set(err, LS_ERR_CONFIG, "Kafka property %s=%s: %s", kv[2 * i], kv[2 * i + 1],
                         why);
            rd_kafka_conf_destroy(conf);
            return NULL;
        }
    }
    return conf;
}

/* ------------------------------------------------------------ mock cluster */

ls_kafka_mock_t *ls_kafka_mock_start(int brokers, ls_error_t *err)
{
    if (brokers < 1 || brokers > 16) {
        ls_error_set(err, LS_ERR_INVALID_ARG, "mock cluster: %d brokers (1..16)", brokers);
        return NULL;
    }
    ls_kafka_mock_t *m = ls_calloc(1, sizeof(*m));
    if (m == NULL) {
        ls_error_set(err, LS_ERR_NOMEM, "out of memory starting the mock cluster");
        return NULL;
    }
    rd_kafka_conf_t *conf = ls_kafka_conf_new(NULL, 0, err);
    if (conf == NULL) {
        ls_free(m);
        return NULL;
    }
    char why[256];
    m->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, why, sizeof(why));
    if (m->rk == NULL) {
        rd_kafka_conf_destroy(conf);
        ls_free(m);
        ls_error_set(err, LS_ERR_STATE, "mock cluster: cannot create the client: %s", why);
        return NULL;
    }
    m->mc = rd_kafka_mock_cluster_new(m->rk, brokers);
    if (m->mc == NULL) {
        rd_kafka_destroy(m->rk);
        ls_free(m);
        ls_error_set(err, LS_ERR_IO, "mock cluster: cannot start (no loopback listener?)");
        return NULL;
    }
    return m;
}

const char *ls_kafka_mock_bootstrap(const ls_kafka_mock_t *m)
{
    return rd_kafka_mock_cluster_bootstraps(m->mc);
}

ls_err_t ls_kafka_mock_topic(ls_kafka_mock_t *m, const char *topic, int partitions, ls_error_t *err)
{
    if (!ls_kafka_topic_valid(topic) || partitions < 1 || partitions > LS_KAFKA_PARTITIONS_MAX) {
        return ls_error_set(err, LS_ERR_INVALID_ARG, "topic '%s' with %d partitions: invalid",
                            topic, partitions);
    }
    rd_kafka_resp_err_t e = rd_kafka_mock_topic_create(m->mc, topic, partitions, 1);
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
        return ls_error_set(err, LS_ERR_STATE, "topic '%s': %s", topic, rd_kafka_err2str(e));
    }
    return LS_OK;
}

void ls_kafka_mock_stop(ls_kafka_mock_t *m)
{
    if (m == NULL) {
        return;
    }
    rd_kafka_mock_cluster_destroy(m->mc);
    rd_kafka_destroy(m->rk);
    ls_free(m);
}

/* ------------------------------------------------------------ producer */

static void ls__failed(ls_kafka_producer_t *p, const char *why)
{
    if (p->failed++ == 0) {
        snprintf(p->first_error, sizeof(p->first_error), "%s", why);
    }
}

/* Counters of @p part, growing the table; NULL when it cannot (then only totals suffer). */
static ls_kafka_part_stats_t *ls__part(ls_kafka_producer_t *p, int32_t part)
{
    if (part < 0 || part >= LS_KAFKA_PARTITIONS_MAX) {
        return NULL;
    }
    size_t want = (size_t)part + 1;
    if (want > p->cap) {
        size_t cap = p->cap ? p->cap : 16;
        while (cap < want) {
            cap *= 2;
        }
        ls_kafka_part_stats_t *n = ls_reallocarray(p->parts, cap, sizeof(*n));
        if (n == NULL) {
            return NULL;
        }
        memset(n + p->cap, 0, (cap - p->cap) * sizeof(*n));
        p->parts = n;
        p->cap = cap;
    }
    if (want > p->nparts) {
        p->nparts = want;
    }
    return &p->parts[part];
}

static void ls__dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *msg, void *opaque)
{
    (void)rk;
    ls_kafka_producer_t *p = opaque;
    if (msg->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        ls__failed(p, rd_kafka_err2str(msg->err));
        return;
    }
    ls_kafka_part_stats_t *s = ls__part(p, msg->partition);
    if (s != NULL) {
        s->messages++;
        s->bytes += msg->key_len + msg->len;
    }
}

static ls_kafka_producer_t *ls__producer_fail(ls_kafka_producer_t *p, rd_kafka_conf_t *conf)
{
    if (conf != NULL) {
        rd_kafka_conf_destroy(conf);
    }
    ls_kafka_producer_free(p);
    return NULL;
}

ls_kafka_producer_t *ls_kafka_producer_new(const char *brokers, const char *topic,
                                           const char *const *conf_kv, size_t nconf,
                                           ls_error_t *err)
{
    static const char *const defaults[] = {
        "enable.idempotence",
        "true",
        "linger.ms",
        "5",
        "batch.num.messages",
        "10000",
        "queue.buffering.max.messages",
        "200000",
        "message.timeout.ms",
        "30000",
    };
    ls_kafka_producer_t *p = ls_calloc(1, sizeof(*p));
    if (p == NULL) {
        ls_error_set(err, LS_ERR_NOMEM, "out of memory creating a producer");
        return NULL;
    }
    rd_kafka_conf_t *conf = ls_kafka_conf_new(defaults, sizeof(defaults) / sizeof(defaults[0]) / 2, err);
    if (conf == NULL) {
        return ls__producer_fail(p, NULL);
    }
    char why[512];
    if (rd_kafka_conf_set(conf, "bootstrap.servers", brokers, why, sizeof(why)) !=
        RD_KAFKA_CONF_OK) {
        ls_error_set(err, LS_ERR_CONFIG, "brokers '%s': %s", brokers, why);
        return ls__producer_fail(p, conf);
    }
    for (size_t i = 0; i < nconf; i++) {
        if (rd_kafka_conf_set(conf, conf_kv[2 * i], conf_kv[2 * i + 1], why, sizeof(why)) !=
            RD_KAFKA_CONF_OK) {
            ls_error_set(err, LS_ERR_CONFIG, "Kafka property %s: %s", conf_kv[2 * i], why);
            return ls__producer_fail(p, conf);
        }
    }
    rd_kafka_conf_set_dr_msg_cb(conf, ls__dr_cb);
    rd_kafka_conf_set_opaque(conf, p);
    p->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, why, sizeof(why));
    if (p->rk == NULL) {
        ls_error_set(err, LS_ERR_CONFIG, "cannot create the producer: %s", why);
        return ls__producer_fail(p, conf);
    }
    p->topic = rd_kafka_topic_new(p->rk, topic, NULL);
    if (p->topic == NULL) {
        ls_error_set(err, LS_ERR_INVALID_ARG, "topic '%s': %s", topic,
                     rd_kafka_err2str(rd_kafka_last_error()));
        return ls__producer_fail(p, NULL);
    }
    return p;
}

int ls_kafka_producer_partitions(ls_kafka_producer_t *p, int timeout_ms, ls_error_t *err)
{
    const struct rd_kafka_metadata *md = NULL;
    rd_kafka_resp_err_t e = rd_kafka_metadata(p->rk, 0, p->topic, &md, timeout_ms);
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
        ls_error_set(err, LS_ERR_IO, "topic '%s': metadata: %s", rd_kafka_topic_name(p->topic),
                     rd_kafka_err2str(e));
        return -1;
    }
    int n = -1;
    if (md->topic_cnt == 1 && md->topics[0].err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        n = md->topics[0].partition_cnt;
    } else {
        ls_error_set(err, LS_ERR_NOT_FOUND, "topic '%s': %s", rd_kafka_topic_name(p->topic),
                     md->topic_cnt == 1 ? rd_kafka_err2str(md->topics[0].err) : "not reported");
    }
    rd_kafka_metadata_destroy(md);
    return n;
}

ls_err_t ls_kafka_producer_send(ls_kafka_producer_t *p, int32_t partition, const void *key,
                                size_t klen, const void *value, size_t vlen, ls_error_t *err)
{
    for (;;) {
        int rc =
            rd_kafka_produce(p->topic, partition < 0 ? RD_KAFKA_PARTITION_UA : partition,
                             RD_KAFKA_MSG_F_COPY, (void *)value, value ? vlen : 0, key, klen, NULL);
        if (rc == 0) {
            rd_kafka_poll(p->rk, 0);
            return LS_OK;
        }
        rd_kafka_resp_err_t e = rd_kafka_last_error();
        if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
            ls__failed(p, rd_kafka_err2str(e));
            return ls_error_set(err, LS_ERR_IO, "produce to '%s': %s",
                                rd_kafka_topic_name(p->topic), rd_kafka_err2str(e));
        }
        rd_kafka_poll(p->rk, 50); /* make room: serve delivery reports */
    }
}

void ls_kafka_producer_poll(ls_kafka_producer_t *p, int timeout_ms)
{
    rd_kafka_poll(p->rk, timeout_ms);
}

ls_err_t ls_kafka_producer_flush(ls_kafka_producer_t *p, int timeout_ms, ls_error_t *err)
{
    rd_kafka_resp_err_t e = rd_kafka_flush(p->rk, timeout_ms);
    if (e == RD_KAFKA_RESP_ERR_NO_ERROR) {
        return LS_OK;
    }
    int left = rd_kafka_outq_len(p->rk);
    for (int i = 0; i < left; i++) {
        ls__failed(p, "not delivered before the flush timeout");
    }
    return ls_error_set(err, LS_ERR_TIMEOUT, "%d messages still undelivered after %d ms", left,
                        timeout_ms);
}

uint64_t ls_kafka_producer_failed(const ls_kafka_producer_t *p)
{
    return p->failed;
}

const char *ls_kafka_producer_first_error(const ls_kafka_producer_t *p)
{
    return p->first_error;
}

const ls_kafka_part_stats_t *ls_kafka_producer_stats(const ls_kafka_producer_t *p, size_t *n)
{
    *n = p->nparts;
    return p->parts;
}

void ls_kafka_producer_free(ls_kafka_producer_t *p)
{
    if (p == NULL) {
        return;
    }
    if (p->topic != NULL) {
        rd_kafka_topic_destroy(p->topic);
    }
    if (p->rk != NULL) {
        rd_kafka_destroy(p->rk);
    }
    ls_free(p->parts);
    ls_free(p);
}

/*
 * kafka.h — the Kafka pieces lakesink shares between its commands and the daemon: a
 * local mock cluster (librdkafka's in-process broker speaking the real wire protocol),
 * and a producer wrapper that counts delivery reports per partition.
 *
 * Not responsible for: consuming (the daemon's source, later), message formats (gen.h)
 * or pacing (callers).
 *
 * Ownership: every object returned by a *_new/_start function is owned by the caller and
 * released with its matching free/stop; strings passed in are copied where kept. librdkafka
 * logs are forwarded to log.h with component "kafka".
 */
#ifndef LAKESINK_KAFKA_H
#define LAKESINK_KAFKA_H

#include <stddef.h>
#include <stdint.h>

#include "lakesink/error.h"

/* Kafka's own limits on names and on what lakesink will create in a mock topic. */
#define LS_KAFKA_TOPIC_MAX 249
#define LS_KAFKA_PARTITIONS_MAX 10000

/**
 * @brief Whether @p name is a legal Kafka topic name (1..249 of [A-Za-z0-9._-], not "."
 * or "..").
 */
int ls_kafka_topic_valid(const char *name);

/* ------------------------------------------------------------ client configuration */

struct rd_kafka_conf_s;

/**
 * @brief A librdkafka configuration that forwards the client's logs to log.h, with the
 * @p n "name", "value" pairs of @p kv applied in order. Caller owns the result (it is
 * consumed by rd_kafka_new, else rd_kafka_conf_destroy).
 * @returns NULL with @p err filled on a bad pair (LS_ERR_CONFIG names it) or OOM.
 */
struct rd_kafka_conf_s *ls_kafka_conf_new(const char *const *kv, size_t n, ls_error_t *err);

/* ------------------------------------------------------------ mock cluster */

typedef struct ls_kafka_mock_s ls_kafka_mock_t;

/**
 * @brief Start a mock cluster of @p brokers brokers (1..16) listening on 127.0.0.1 at
 * ports the operating system picks (librdkafka 2.0.2 cannot bind a chosen port).
 * Retention is the mock's: a partition keeps only a few MB of recent messages.
 * @returns the cluster, or NULL with @p err filled.
 */
ls_kafka_mock_t *ls_kafka_mock_start(int brokers, ls_error_t *err);

/** @brief The bootstrap list ("127.0.0.1:PORT[,...]"), valid until the cluster stops. */
const char *ls_kafka_mock_bootstrap(const ls_kafka_mock_t *m);

/** @brief Create @p topic with @p partitions partitions (replication 1). */
ls_err_t ls_kafka_mock_topic(ls_kafka_mock_t *m, const char *topic, int partitions,
                             ls_error_t *err);

/** @brief Stop the cluster (closing its listeners) and free it. NULL is a no-op. */
void ls_kafka_mock_stop(ls_kafka_mock_t *m);

/* ------------------------------------------------------------ producer */

typedef struct ls_kafka_producer_s ls_kafka_producer_t;

/* Delivery counters of one partition (from delivery reports, not from sends). */
typedef struct ls_kafka_part_stats_s {
    uint64_t messages; /* delivered */
    uint64_t bytes;    /* key + value bytes delivered */
} ls_kafka_part_stats_t;

/**
 * @brief Producer for @p topic on @p brokers: idempotent, uncompressed, linger
 * 5 ms, 30 s message timeout. @p conf holds extra librdkafka "name", "value" pairs (@p nconf pairs,
 * may be 0) applied last, so they override the defaults.
 * @returns the producer, or NULL with @p err filled (a bad property is LS_ERR_CONFIG).
 */
ls_kafka_producer_t *ls_kafka_producer_new(const char *brokers, const char *topic,
                                           const char *const *conf, size_t nconf, ls_error_t *err);

/**
 * @brief Partitions of the topic as the cluster reports them (creating the topic when the
 * cluster auto-creates topics).
 * @returns the count (> 0), or -1 with @p err filled.
 */
int ls_kafka_producer_partitions(ls_kafka_producer_t *p, int timeout_ms, ls_error_t *err);

/**
 * @brief Queue one message (copied). @p partition -1 lets the key choose (librdkafka's
 * default partitioner). @p value NULL sends a null value (a tombstone). Waits for
 * queue space when the local queue is full.
 * @returns LS_OK, or an error for messages the client refuses outright (counted as failed).
 */
ls_err_t ls_kafka_producer_send(ls_kafka_producer_t *p, int32_t partition, const void *key,
                                size_t klen, const void *value, size_t vlen, ls_error_t *err);

/** @brief Serve delivery reports for up to @p timeout_ms. */
void ls_kafka_producer_poll(ls_kafka_producer_t *p, int timeout_ms);

/**
 * @brief Wait until every queued message is delivered or failed, at most @p timeout_ms.
 * @returns LS_OK, or LS_ERR_TIMEOUT (still undelivered ones are then counted as failed).
 */
ls_err_t ls_kafka_producer_flush(ls_kafka_producer_t *p, int timeout_ms, ls_error_t *err);

/** @brief Messages that failed (delivery errors plus refused sends). */
uint64_t ls_kafka_producer_failed(const ls_kafka_producer_t *p);

/** @brief The first delivery error message seen ("" when none). Owned by @p p. */
const char *ls_kafka_producer_first_error(const ls_kafka_producer_t *p);

/**
 * @brief Per-partition counters: *n receives the number of entries (the highest partition
 * delivered to plus one). Owned by @p p, valid until the next call on it.
 */
const ls_kafka_part_stats_t *ls_kafka_producer_stats(const ls_kafka_producer_t *p, size_t *n);

/** @brief Flush nothing, destroy the client and free @p p. NULL is a no-op. */
void ls_kafka_producer_free(ls_kafka_producer_t *p);

#endif

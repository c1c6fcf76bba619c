/*
 * daemon.h — `lakesink run`: the streaming connector from Kafka topics to Delta tables,
 * exactly once (a Delta `txn` action per table and topic-partition in the same commit as
 * the rows), with a dead-letter topic, one memory budget with pause/resume, per-table
 * flush by rows, bytes and latency, health and metrics over HTTP, and a draining stop.
 *
 * Threads: the caller's thread polls Kafka (and runs rebalances); N workers decode and
 * encode; one committer thread commits; libmicrohttpd serves HTTP on its own thread.
 * Ownership: the daemon borrows the configuration (it must outlive the daemon) and owns
 * everything else it creates.
 */
#ifndef LAKESINK_DAEMON_H
#define LAKESINK_DAEMON_H

#include "lakesink/conf.h"
#include "lakesink/error.h"

typedef struct ls_daemon_s ls_daemon_t;

/**
 * @brief Check what the offline config check cannot: derived-column expressions, schema
 * files, partition columns against the schema where it is known. Each problem is passed to
 * @p report with its YAML path; returns the number of problems.
 */
size_t ls_daemon_validate(const ls_conf_t *conf,
                          void (*report)(void *ctx, const char *msg), void *ctx);

/**
 * @brief Prepare the daemon: open every table (creating it when a schema is declared),
 * the consumer, the dead-letter producer and the HTTP server.
 * @returns the daemon, or NULL with @p err filled.
 */
ls_daemon_t *ls_daemon_new(const ls_conf_t *conf, ls_error_t *err);

/**
 * @brief Run until ls_daemon_stop, a fatal error, or fencing (another instance committed
 * positions this one still held: LS_ERR_EXISTS, and the caller may start afresh).
 * Drains on the way out: buffered rows are committed, offsets committed, the group left.
 */
ls_err_t ls_daemon_run(ls_daemon_t *d, ls_error_t *err);

/** @brief Ask a running daemon to drain and return. Async-signal-safe. */
void ls_daemon_stop(ls_daemon_t *d);

/** @brief Free the daemon. NULL is fine. */
void ls_daemon_free(ls_daemon_t *d);

#endif

/*
 * cmd_broker.c — `lakesink broker`: a local Kafka-protocol broker for development and
 * tests (librdkafka's mock cluster, see kafka.h). Prints its bootstrap address as one JSON
 * line on stdout, then serves until SIGTERM or SIGINT and exits 0.
 *
 * Not responsible for: persistence or retention (the mock keeps a few MB per partition in
 * memory), authentication, or binding a chosen port (librdkafka 2.0.2 cannot).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "lakesink/kafka.h"
#include "lakesink/log.h"

enum { O_LISTEN, O_TOPICS, O_BROKERS };

static const ls_cli_opt_t ls__broker_opts[] = {
    [O_LISTEN] = {"listen", LS_CLI_STR, "HOST:PORT",
                  "where to listen: only 127.0.0.1:0 (any free loopback port) is possible", 0, 0},
    [O_TOPICS] = {"topics", LS_CLI_STR, "NAME:PARTITIONS,...",
                  "topics to create (others are auto-created with 4 partitions)", 0, 0},
    [O_BROKERS] = {"brokers", LS_CLI_INT, "N", "brokers in the cluster (default 1)", 1, 16},
};

#define LS__NOPTS (sizeof(ls__broker_opts) / sizeof(ls__broker_opts[0]))
#define LS__MAX_TOPICS 64

static const ls_cli_cmd_t ls__broker_cmd = {
    "broker",
    "",
    "Run a local Kafka-protocol broker (in memory, for development and tests). The first "
    "line on stdout is {\"bootstrap\":\"127.0.0.1:PORT\",...}; SIGTERM or SIGINT stops it.",
    ls__broker_opts,
    LS__NOPTS,
    0,
    0};

static volatile sig_atomic_t ls__stop;

static void ls__on_signal(int sig)
{
    (void)sig;
    ls__stop = 1;
}

/* --listen: the mock binds 127.0.0.1 on an ephemeral port and nothing else. */
static int ls__check_listen(const char *l)
{
    static const char *const ok[] = {"127.0.0.1:0", "localhost:0", "127.0.0.1", "localhost"};
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        if (strcmp(l, ok[i]) == 0) {
            return LS_CLI_RUN;
        }
    }
    return ls_cli_usage_error("broker",
                              "--listen %s: the built-in broker (librdkafka's mock cluster) can "
                              "only listen on 127.0.0.1 at a port the system picks; use "
                              "127.0.0.1:0 and read the address from the first output line",
                              l);
}

/* Parse "name:partitions" items into @p names / @p parts. Returns the count or -1. */
static int ls__parse_topics(const char *list, char *store, size_t store_len, const char **names,
                            int *parts)
{
    int n = ls_cli_split_list(list, store, store_len, names, LS__MAX_TOPICS);
    for (int i = 0; i < n; i++) {
        char *colon = strrchr(names[i], ':');
        parts[i] = 4;
        if (colon != NULL) {
            char *end;
            long v = strtol(colon + 1, &end, 10);
            if (colon[1] == '\0' || *end != '\0' || v < 1 || v > LS_KAFKA_PARTITIONS_MAX) {
                ls_cli_usage_error("broker", "--topics: '%s': partitions must be 1..%d", names[i],
                                   LS_KAFKA_PARTITIONS_MAX);
                return -1;
            }
            *colon = '\0';
            parts[i] = (int)v;
        }
        if (!ls_kafka_topic_valid(names[i])) {
            ls_cli_usage_error("broker", "--topics: '%s' is not a valid topic name", names[i]);
            return -1;
        }
    }
    if (n < 0) {
        ls_cli_usage_error("broker", "--topics: expected NAME:PARTITIONS,... (at most %d)",
                           LS__MAX_TOPICS);
    }
    return n;
}

static void ls__serve(void)
{
    ls_cli_on_stop_signals(ls__on_signal);
    struct timespec tick = {0, 100 * 1000 * 1000};
    while (!ls__stop) {
        nanosleep(&tick, NULL); /* the cluster runs on its own threads */
    }
}

int ls_cli_broker_main(int argc, char **argv)
{
    ls_cli_val_t v[LS__NOPTS];
    const char *args[1];
    size_t nargs;
    int prc = ls_cli_parse(&ls__broker_cmd, argc, argv, v, args, &nargs);
    if (prc != LS_CLI_RUN) {
        return prc;
    }
    if (v[O_LISTEN].set && (prc = ls__check_listen(v[O_LISTEN].str)) != LS_CLI_RUN) {
        return prc;
    }
    char store[8192];
    const char *names[LS__MAX_TOPICS];
    int parts[LS__MAX_TOPICS];
    int ntopics = 0;
    if (v[O_TOPICS].set &&
        (ntopics = ls__parse_topics(v[O_TOPICS].str, store, sizeof(store), names, parts)) < 0) {
        return LS_CLI_EXIT_USAGE;
    }
    ls_error_t err;
    ls_error_clear(&err);
    int nbrokers = v[O_BROKERS].set ? (int)v[O_BROKERS].num : 1;
    ls_kafka_mock_t *m = ls_kafka_mock_start(nbrokers, &err);
    if (m == NULL) {
        return ls_cli_fail("broker", NULL, &err);
    }
    for (int i = 0; i < ntopics; i++) {
        if (ls_kafka_mock_topic(m, names[i], parts[i], &err) != LS_OK) {
            ls_kafka_mock_stop(m);
            return ls_cli_fail("broker", NULL, &err);
        }
    }
    const char *boot = ls_kafka_mock_bootstrap(m);
    printf("{\"bootstrap\":\"%s\",\"brokers\":%d}\n", boot, nbrokers);
    fflush(stdout);
    char nb[16];
    snprintf(nb, sizeof(nb), "%d", nbrokers);
    ls_log_kv(LS_LOG_INFO, "broker", "mock cluster started", "bootstrap", boot, "brokers", nb,
              NULL);
    ls__serve();
    ls_log_kv(LS_LOG_INFO, "broker", "stopping", "bootstrap", boot, NULL);
    ls_kafka_mock_stop(m);
    return LS_CLI_EXIT_OK;
}

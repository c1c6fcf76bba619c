/*
 * bench_consume.c — the reference for the end-to-end benchmark (bench/e2e.sh): a bare
 * librdkafka consumer that reads a topic's backlog with the consumer settings `lakesink
 * run` uses (high-level consumer, subscribe, cooperative-sticky, explicit start at the
 * beginning, prefetch sized from the same memory budget, rd_kafka_consume_batch_queue,
 * and the short group timeouts e2e.sh gives the daemon for the mock broker) and does
 * nothing with the messages but count them. It also checks that every
 * partition's offsets run from 0 without a gap, so a backlog the mock broker's retention
 * has cut short is caught rather than timed.
 *
 * Usage: bench_consume --brokers B --topic T --count N [--group G] [--budget BYTES]
 *                      [--timeout S] [--latency 0|1] [-X name=value ...]
 * Prints one JSON object: messages, bytes, seconds (from process start to the N-th
 * message, group join included, as the daemon is timed), assigned_s and first_message_s
 * (from process start), msgs_per_s and mb_per_s over the whole run and *_assigned over the
 * part after the assignment, peak_rss_mb, cpu_s (user + system), partitions,
 * missing/duplicate offsets, ok; with --latency 1 also lat_p50_ms, lat_p99_ms, lat_max_ms:
 * how long after its CreateTime each message reached this consumer (the floor under any
 * produce→visible latency on the same broker). "assigned" goes to standard error when the
 * group first assigns partitions, so a script can start producing then. Exit 0 when N
 * messages were read with contiguous offsets, 1 otherwise, 2 on a usage error.
 *
 * Not responsible for: producing the backlog (`lakesink produce`), or any decoding.
 */
#include <errno.h>
#include <inttypes.h>
#include <librdkafka/rdkafka.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "lakesink/alloc.h"

#define LS__BATCH 4096      /* messages per consume call, as the daemon's LS__RUN_MAX */
#define LS__PARTS_MAX 10000 /* as LS_KAFKA_PARTITIONS_MAX */
#define LS__XMAX 32         /* -X pairs */

typedef struct ls__opts_s {
    const char *brokers, *topic, *group;
    int64_t count, budget, timeout_s, latency;
    const char *x[2 * LS__XMAX];
    size_t nx;
} ls__opts_t;

/* Per-partition offset bookkeeping. */
typedef struct ls__part_s {
    int64_t next; /* next expected offset (starts at 0) */
    uint64_t messages;
} ls__part_t;

typedef struct ls__state_s {
    ls__part_t *parts;
    size_t nparts; /* allocated entries */
    size_t seen;   /* partitions with at least one message */
    uint64_t messages, bytes, missing, duplicates;
    double assigned; /* when partitions were first assigned (0: not yet) */
    double first;    /* when the first message arrived (0: none yet) */
    double *lat;     /* --latency: ms from CreateTime to arrival, one per message */
    size_t nlat, lat_cap;
} ls__state_t;

static double ls__now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double ls__wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

static int ls__usage(const char *why)
{
    fprintf(stderr,
            "bench_consume: %s\nusage: bench_consume --brokers B --topic T --count N "
            "[--group G] [--budget BYTES] [--timeout S] [--latency 0|1] [-X name=value ...]\n",
            why);
    return 2;
}

static bool ls__int(const char *s, int64_t lo, int64_t hi, int64_t *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi) {
        return false;
    }
    *out = v;
    return true;
}

/* -X name=value: split in place into the pair list. */
static bool ls__xpair(ls__opts_t *o, char *arg)
{
    char *eq = strchr(arg, '=');
    if (eq == NULL || eq == arg || o->nx == LS__XMAX) {
        return false;
    }
    *eq = '\0';
    o->x[2 * o->nx] = arg;
    o->x[2 * o->nx + 1] = eq + 1;
    o->nx++;
    return true;
}

static int ls__parse(int argc, char **argv, ls__opts_t *o)
{
    memset(o, 0, sizeof(*o));
    o->budget = INT64_C(256) << 20; /* the daemon's memory.budget in bench/e2e.sh */
    o->timeout_s = 120;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (i + 1 >= argc) {
            return ls__usage("every option takes a value");
        }
        char *v = argv[++i];
        bool ok = true;
        if (strcmp(a, "--brokers") == 0) {
            o->brokers = v;
        } else if (strcmp(a, "--topic") == 0) {
            o->topic = v;
        } else if (strcmp(a, "--group") == 0) {
            o->group = v;
        } else if (strcmp(a, "--count") == 0) {
            ok = ls__int(v, 1, INT64_C(1) << 40, &o->count);
        } else if (strcmp(a, "--budget") == 0) {
            ok = ls__int(v, 1 << 20, INT64_C(1) << 40, &o->budget);
        } else if (strcmp(a, "--timeout") == 0) {
            ok = ls__int(v, 1, 86400, &o->timeout_s);
        } else if (strcmp(a, "--latency") == 0) {
            ok = ls__int(v, 0, 1, &o->latency);
        } else if (strcmp(a, "-X") == 0) {
            ok = ls__xpair(o, v);
        } else {
            return ls__usage("unknown option");
        }
        if (!ok) {
            return ls__usage("bad option value");
        }
    }
    if (o->brokers == NULL || o->topic == NULL || o->count == 0) {
        return ls__usage("--brokers, --topic and --count are required");
    }
    return 0;
}

/* Start every assigned partition at its beginning, as the daemon does for a table with no
 * txn for it; follow the protocol the group chose. */
static void ls__rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                          rd_kafka_topic_partition_list_t *parts, void *opaque)
{
    ls__state_t *s = opaque;
    bool coop = strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE") == 0;
    rd_kafka_error_t *e = NULL;
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        for (int i = 0; i < parts->cnt; i++) {
            parts->elems[i].offset = RD_KAFKA_OFFSET_BEGINNING;
        }
        if (s->assigned == 0 && parts->cnt > 0) {
            s->assigned = ls__now();
            fprintf(stderr, "assigned\n");
        }
        if (coop) {
            e = rd_kafka_incremental_assign(rk, parts);
        } else {
            rd_kafka_assign(rk, parts);
        }
    } else if (coop) {
        e = rd_kafka_incremental_unassign(rk, parts);
    } else {
        rd_kafka_assign(rk, NULL);
    }
    if (e != NULL) {
        fprintf(stderr, "bench_consume: rebalance: %s\n", rd_kafka_error_string(e));
        rd_kafka_error_destroy(e);
    }
}

static rd_kafka_t *ls__consumer(const ls__opts_t *o, ls__state_t *s)
{
    char group[64], qkb[32], fmax[32], why[512];
    if (o->group == NULL) {
        snprintf(group, sizeof(group), "bench-consume-%ld-%ld", (long)getpid(), (long)time(NULL));
    }
    /* The daemon gives librdkafka's prefetch queue an eighth of the budget. */
    uint64_t share = (uint64_t)o->budget / 8;
    snprintf(qkb, sizeof(qkb), "%" PRIu64, share / 1024);
    snprintf(fmax, sizeof(fmax), "%" PRIu64, share / 2);
    const char *kv[] = {"bootstrap.servers", o->brokers, "group.id", o->group ? o->group : group,
                        "enable.auto.commit", "false", "enable.auto.offset.store", "false",
                        "auto.offset.reset", "earliest",
                        "partition.assignment.strategy", "cooperative-sticky",
                        "queued.max.messages.kbytes", qkb, "fetch.max.bytes", fmax,
                        "enable.partition.eof", "false", "session.timeout.ms", "6000",
                        "heartbeat.interval.ms", "500", "max.poll.interval.ms", "10000"};
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    size_t n = sizeof(kv) / sizeof(kv[0]);
    for (size_t i = 0; i < n + 2 * o->nx; i += 2) {
        const char *k = i < n ? kv[i] : o->x[i - n], *v = i < n ? kv[i + 1] : o->x[i - n + 1];
        if (rd_kafka_conf_set(conf, k, v, why, sizeof(why)) != RD_KAFKA_CONF_OK) {
            fprintf(stderr, "bench_consume: %s=%s: %s\n", k, v, why);
            rd_kafka_conf_destroy(conf);
            return NULL;
        }
    }
    rd_kafka_conf_set_rebalance_cb(conf, ls__rebalance);
    rd_kafka_conf_set_opaque(conf, s);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, why, sizeof(why));
    if (rk == NULL) {
        fprintf(stderr, "bench_consume: consumer: %s\n", why);
        rd_kafka_conf_destroy(conf);
        return NULL;
    }
    rd_kafka_poll_set_consumer(rk);
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(l, o->topic, RD_KAFKA_PARTITION_UA);
    rd_kafka_resp_err_t e = rd_kafka_subscribe(rk, l);
    rd_kafka_topic_partition_list_destroy(l);
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
        fprintf(stderr, "bench_consume: subscribe %s: %s\n", o->topic, rd_kafka_err2str(e));
        rd_kafka_destroy(rk);
        return NULL;
    }
    return rk;
}

/* Keep how long ago the producer created @p m (--latency); the array grows to at most the
 * message count asked for. */
static bool ls__latency(ls__state_t *s, const rd_kafka_message_t *m, size_t cap_max)
{
    int64_t ts = rd_kafka_message_timestamp(m, NULL);
    if (ts < 0 || s->nlat == cap_max) {
        return true;
    }
    if (s->nlat == s->lat_cap) {
        size_t cap = s->lat_cap ? s->lat_cap * 2 : 65536;
        cap = cap > cap_max ? cap_max : cap;
        double *n = ls_reallocarray(s->lat, cap, sizeof(*n));
        if (n == NULL) {
            return false;
        }
        s->lat = n;
        s->lat_cap = cap;
    }
    s->lat[s->nlat++] = ls__wall_ms() - (double)ts;
    return true;
}

/* Count one message and check its offset against its partition's previous one. */
static bool ls__account(ls__state_t *s, const rd_kafka_message_t *m)
{
    if (m->partition < 0 || m->partition >= LS__PARTS_MAX) {
        return false;
    }
    size_t p = (size_t)m->partition;
    if (p >= s->nparts) {
        size_t cap = s->nparts ? s->nparts : 64;
        while (cap <= p) {
            cap *= 2;
        }
        ls__part_t *n = ls_reallocarray(s->parts, cap, sizeof(*n));
        if (n == NULL) {
            return false;
        }
        memset(n + s->nparts, 0, (cap - s->nparts) * sizeof(*n));
        s->parts = n;
        s->nparts = cap;
    }
    ls__part_t *pt = &s->parts[p];
    if (s->messages == 0) {
        s->first = ls__now();
    }
    if (pt->messages++ == 0) {
        s->seen++;
    }
    if (m->offset > pt->next) {
        s->missing += (uint64_t)(m->offset - pt->next);
    } else if (m->offset < pt->next) {
        s->duplicates++;
    }
    pt->next = m->offset + 1 > pt->next ? m->offset + 1 : pt->next;
    s->messages++;
    s->bytes += m->len + m->key_len;
    return true;
}

/* Consume until @p want messages or the deadline; returns false on an accounting error. */
static bool ls__consume(rd_kafka_t *rk, uint64_t want, bool latency, double deadline,
                        ls__state_t *s)
{
    rd_kafka_queue_t *q = rd_kafka_queue_get_consumer(rk);
    rd_kafka_message_t *msgs[LS__BATCH];
    bool ok = true;
    /* A gap or a repeat already decides the outcome: stop rather than wait for more. */
    while (ok && s->messages < want && s->missing == 0 && s->duplicates == 0 &&
           ls__now() < deadline) {
        ssize_t n = rd_kafka_consume_batch_queue(q, 100, msgs, LS__BATCH);
        for (ssize_t i = 0; i < n; i++) {
            rd_kafka_message_t *m = msgs[i];
            if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
                ok = ok && ls__account(s, m) && (!latency || ls__latency(s, m, (size_t)want));
            } else if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
                fprintf(stderr, "bench_consume: %s\n", rd_kafka_message_errstr(m));
            }
            rd_kafka_message_destroy(m);
        }
    }
    rd_kafka_queue_destroy(q);
    return ok;
}

static int ls__cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* ,"lat_p50_ms":..,"lat_p99_ms":..,"lat_max_ms":.. when latencies were kept (sorts them). */
static void ls__report_latency(ls__state_t *s)
{
    if (s->nlat == 0) {
        return;
    }
    qsort(s->lat, s->nlat, sizeof(*s->lat), ls__cmp_double);
    printf(",\"lat_p50_ms\":%.0f,\"lat_p99_ms\":%.0f,\"lat_max_ms\":%.0f", s->lat[s->nlat / 2],
           s->lat[(size_t)((double)s->nlat * 0.99)], s->lat[s->nlat - 1]);
}

/* One JSON line: totals, times from process start, rates over the whole run and over the
 * part after the group assigned partitions (the mock's join takes a fixed ~3 s). */
static void ls__report(ls__state_t *s, double t0, double secs, bool ok)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double as = s->assigned > 0 ? s->assigned - t0 : -1.0;
    double fs = s->first > 0 ? s->first - t0 : -1.0;
    double run = as >= 0 && secs > as ? secs - as : secs;
    double cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6 +
                 (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec * 1e-6;
    printf("{\"messages\":%" PRIu64 ",\"bytes\":%" PRIu64 ",\"seconds\":%.3f,"
           "\"assigned_s\":%.3f,\"first_message_s\":%.3f,\"msgs_per_s\":%.0f,"
           "\"mb_per_s\":%.1f,\"msgs_per_s_assigned\":%.0f,\"mb_per_s_assigned\":%.1f,"
           "\"peak_rss_mb\":%.0f,\"cpu_s\":%.2f,\"partitions\":%zu,\"missing\":%" PRIu64
           ",\"duplicates\":%" PRIu64,
           s->messages, s->bytes, secs, as, fs, (double)s->messages / secs,
           (double)s->bytes / 1e6 / secs, (double)s->messages / run, (double)s->bytes / 1e6 / run,
           (double)ru.ru_maxrss / 1024.0, cpu, s->seen, s->missing, s->duplicates);
    ls__report_latency(s);
    printf(",\"ok\":%s}\n", ok ? "true" : "false");
}

int main(int argc, char **argv)
{
    double t0 = ls__now();
    ls__opts_t o;
    int rc = ls__parse(argc, argv, &o);
    if (rc != 0) {
        return rc;
    }
    ls__state_t s;
    memset(&s, 0, sizeof(s));
    rd_kafka_t *rk = ls__consumer(&o, &s);
    if (rk == NULL) {
        return 1;
    }
    bool ok = ls__consume(rk, (uint64_t)o.count, o.latency != 0, t0 + (double)o.timeout_s, &s);
    double secs = ls__now() - t0;
    ok = ok && s.messages == (uint64_t)o.count && s.missing == 0 && s.duplicates == 0;
    ls__report(&s, t0, secs, ok);
    fflush(stdout);
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
    ls_free(s.parts);
    ls_free(s.lat);
    return ok ? 0 : 1;
}

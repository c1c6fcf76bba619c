/*
 * cmd_produce.c — `lakesink produce`: a Kafka load generator. Sends generated events
 * (gen.h templates user-events, orders, cdc) or the lines of an NDJSON file through the
 * idempotent producer of kafka.h, optionally paced, and prints a JSON summary of what was
 * delivered per partition. Any failed delivery makes the exit status 1.
 *
 * Not responsible for: creating topics (the cluster auto-creates them, `lakesink broker
 * --topics` pre-creates them) or validating file lines unless a key must be extracted.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "lakesink/alloc.h"
#include "lakesink/arena.h"
#include "lakesink/gen.h"
#include "lakesink/json.h"
#include "lakesink/kafka.h"
#include "lakesink/log.h"

enum { O_BROKERS, O_TOPIC, O_COUNT, O_RATE, O_PARTS, O_TEMPLATE, O_FILE, O_KEY, O_SEED, O_TIMEOUT };

static const ls_cli_opt_t ls__produce_opts[] = {
    [O_BROKERS] = {"brokers", LS_CLI_STR, "HOST:PORT,...", "bootstrap servers (required)", 0, 0},
    [O_TOPIC] = {"topic", LS_CLI_STR, "T", "topic to write to (required)", 0, 0},
    [O_COUNT] = {"count", LS_CLI_INT, "N", "messages to send (default 1000; --file: all lines)", 0,
                 INT64_C(1000000000000)},
    [O_RATE] = {"rate", LS_CLI_INT, "R", "at most R messages per second (default: no limit)", 1,
                100000000},
    [O_PARTS] = {"partitions", LS_CLI_INT, "P",
                 "spread over partitions 0..P-1 by key hash (default: librdkafka's partitioner)", 1,
                 LS_KAFKA_PARTITIONS_MAX},
    [O_TEMPLATE] = {"template", LS_CLI_STR, "NAME", "user-events (default), orders or cdc", 0, 0},
    [O_FILE] = {"file", LS_CLI_STR, "F.ndjson", "send each non-empty line of F as a message", 0, 0},
    [O_KEY] = {"key-field", LS_CLI_STR, "F",
               "top-level field used as the key (default user_id / order_id; none for --file)", 0,
               0},
    [O_SEED] = {"seed", LS_CLI_INT, "N", "generator seed (default 0: the standard stream)", 0,
                INT64_MAX},
    [O_TIMEOUT] = {"timeout", LS_CLI_INT, "S",
                   "give up on a message not delivered within S seconds (default 30)", 1, 3600},
};

#define LS__NOPTS (sizeof(ls__produce_opts) / sizeof(ls__produce_opts[0]))
#define LS__LINE_MAX (16u << 20)

static const ls_cli_cmd_t ls__produce_cmd = {
    "produce",
    "",
    "Send generated events or the lines of an NDJSON file to a Kafka topic and print a JSON "
    "summary (messages and bytes per partition, errors, seconds). Exit 1 if any message was "
    "not delivered.",
    ls__produce_opts,
    LS__NOPTS,
    0,
    0};

typedef enum { LS__T_USER, LS__T_ORDERS, LS__T_CDC, LS__T_FILE } ls__tmpl_t;

typedef struct ls__prod_s {
    ls_kafka_producer_t *p;
    ls__tmpl_t tmpl;
    const char *key_field; /* NULL: no key (or the generator's own, for cdc) */
    int32_t nparts;        /* > 0: choose the partition ourselves */
    int64_t rate;          /* 0: unlimited */
    uint64_t sent;
    double t0;
    ls_arena_t *arena;
    ls_buf_t key, val;
} ls__prod_t;

static uint32_t ls__fnv1a(const void *p, size_t n)
{
    const unsigned char *s = p;
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) {
        h = (h ^ s[i]) * 16777619u;
    }
    return h;
}

/* Fill pr->key from pr->key_field of the JSON in @p v; a missing field is a null key. */
static ls_err_t ls__extract_key(ls__prod_t *pr, const char *v, size_t n, ls_error_t *err)
{
    ls_arena_reset(pr->arena);
    ls_json_value_t *doc;
    if (ls_json_parse(v, n, pr->arena, &doc, err) != LS_OK) {
        return err->code;
    }
    const ls_json_value_t *f = ls_json_get(doc, pr->key_field);
    if (f == NULL || f->kind == LS_JSON_NULL) {
        return LS_OK;
    }
    if (f->kind == LS_JSON_STRING || f->kind == LS_JSON_NUMBER) {
        return ls_buf_append(&pr->key, f->str, f->len);
    }
    return ls_json_write_value(f, &pr->key);
}

/* Wait until message number pr->sent is due under --rate, serving delivery reports. */
static void ls__pace(ls__prod_t *pr)
{
    if (pr->rate <= 0) {
        return;
    }
    for (;;) {
        double due = pr->t0 + (double)pr->sent / (double)pr->rate;
        double now = ls_cli_now();
        if (now >= due) {
            return;
        }
        double wait = (due - now) * 1000.0;
        ls_kafka_producer_poll(pr->p, wait < 1.0 ? 1 : wait > 100.0 ? 100 : (int)wait);
    }
}

/* Send pr->val (its trailing newline dropped; NULL value when @p tombstone) with pr->key. */
static ls_err_t ls__send(ls__prod_t *pr, int tombstone, ls_error_t *err)
{
    size_t vlen = pr->val.len;
    if (vlen > 0 && pr->val.data[vlen - 1] == '\n') {
        vlen--;
    }
    if (pr->key_field != NULL && !tombstone) {
        ls_err_t rc = ls__extract_key(pr, (const char *)pr->val.data, vlen, err);
        if (rc != LS_OK) {
            return rc;
        }
    }
    int32_t part = -1;
    if (pr->nparts > 0) {
        part = pr->key.len ? (int32_t)(ls__fnv1a(pr->key.data, pr->key.len) % (uint32_t)pr->nparts)
                           : (int32_t)(pr->sent % (uint64_t)pr->nparts);
    }
    ls__pace(pr);
    pr->sent++;
    /* refused sends are already counted as failures by the producer: keep going */
    ls_error_t ignore;
    ls_kafka_producer_send(pr->p, part, pr->key.len ? pr->key.data : NULL, pr->key.len,
                           tombstone ? NULL : pr->val.data, tombstone ? 0 : vlen, &ignore);
    return LS_OK;
}

static ls_err_t ls__run_template(ls__prod_t *pr, int64_t count, uint64_t seed, ls_error_t *err)
{
    ls_gen_t g;
    ls_gen_init(&g, seed, 1705276800); /* 2024-01-15T00:00:00Z, as the demo */
    ls_gen_cdc_t *cdc = NULL;
    if (pr->tmpl == LS__T_CDC && (cdc = ls_malloc(sizeof(*cdc))) == NULL) {
        return ls_error_set(err, LS_ERR_NOMEM, "out of memory");
    }
    if (cdc != NULL) {
        ls_gen_cdc_init(cdc, seed, 1705276800);
    }
    ls_err_t rc = LS_OK;
    for (int64_t i = 0; i < count && rc == LS_OK; i++) {
        ls_buf_reset(&pr->key);
        ls_buf_reset(&pr->val);
        int tomb = 0;
        rc = pr->tmpl == LS__T_USER     ? ls_gen_user_event(&g, (uint64_t)i, &pr->val)
             : pr->tmpl == LS__T_ORDERS ? ls_gen_order(&g, (uint64_t)i, &pr->val)
                                        : ls_gen_cdc_next(cdc, &pr->key, &pr->val, &tomb);
        if (rc != LS_OK) {
            rc = ls_error_set(err, rc, "generating message %lld: %s", (long long)i, ls_err_str(rc));
        } else {
            rc = ls__send(pr, tomb, err);
        }
    }
    ls_free(cdc);
    return rc;
}

/* Send the complete lines in buf[0, len); returns bytes consumed. */
static ls_err_t ls__file_lines(ls__prod_t *pr, const char *path, ls_buf_t *in, uint64_t *line,
                               int64_t count, size_t *used, ls_error_t *err)
{
    size_t off = 0;
    const char *d = (const char *)in->data;
    const char *nl;
    while ((int64_t)pr->sent < count && (nl = memchr(d + off, '\n', in->len - off)) != NULL) {
        size_t n = (size_t)(nl - (d + off));
        (*line)++;
        ls_buf_reset(&pr->key);
        ls_buf_reset(&pr->val);
        size_t t = n;
        while (t > 0 && (d[off + t - 1] == '\r' || d[off + t - 1] == ' ')) {
            t--;
        }
        if (t > 0) {
            ls_err_t rc = ls_buf_append(&pr->val, d + off, t);
            rc = rc ? rc : ls__send(pr, 0, err);
            if (rc != LS_OK) {
                return ls_error_prefix(err, "%s: line %llu: ", path, (unsigned long long)*line);
            }
        }
        off += n + 1;
    }
    *used = off;
    return LS_OK;
}

static ls_err_t ls__run_file(ls__prod_t *pr, const char *path, int64_t count, ls_error_t *err)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (f == NULL) {
        return ls_error_set(err, LS_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    }
    ls_buf_t in;
    ls_buf_init(&in, LS__LINE_MAX + (1u << 20));
    uint64_t line = 0;
    ls_err_t rc = LS_OK;
    int eof = 0;
    while (rc == LS_OK && !eof && (int64_t)pr->sent < count) {
        rc = ls_buf_reserve(&in, 1u << 20);
        if (rc != LS_OK) {
            rc = ls_error_set(err, LS_ERR_LIMIT, "%s: line %llu is longer than %u bytes", path,
                              (unsigned long long)line + 1, LS__LINE_MAX);
            break;
        }
        size_t got = fread(in.data + in.len, 1, 1u << 20, f);
        in.len += got;
        if (got == 0) {
            eof = 1;
            if (ferror(f)) {
                rc = ls_error_set(err, LS_ERR_IO, "%s: read error: %s", path, strerror(errno));
                break;
            }
            if (in.len > 0 && in.data[in.len - 1] != '\n') {
                rc = ls_buf_append_byte(&in, '\n'); /* a last line without newline */
            }
        }
        size_t used = 0;
        rc = rc ? rc : ls__file_lines(pr, path, &in, &line, count, &used, err);
        memmove(in.data, in.data + used, in.len - used);
        in.len -= used;
    }
    ls_buf_free(&in);
    if (f != stdin) {
        fclose(f);
    }
    return rc;
}

/* Print the summary line; returns the exit code. */
static int ls__summary(ls__prod_t *pr, const char *topic, double secs)
{
    size_t n;
    const ls_kafka_part_stats_t *st = ls_kafka_producer_stats(pr->p, &n);
    uint64_t msgs = 0, bytes = 0;
    for (size_t i = 0; i < n; i++) {
        msgs += st[i].messages;
        bytes += st[i].bytes;
    }
    uint64_t failed = ls_kafka_producer_failed(pr->p);
    printf("{\"topic\":\"%s\",\"sent\":%llu,\"messages\":%llu,\"bytes\":%llu,\"errors\":%llu,"
           "\"seconds\":%.3f,\"partitions\":[",
           topic, (unsigned long long)pr->sent, (unsigned long long)msgs, (unsigned long long)bytes,
           (unsigned long long)failed, secs);
    int first = 1;
    for (size_t i = 0; i < n; i++) {
        if (st[i].messages > 0) {
            printf("%s{\"partition\":%zu,\"messages\":%llu,\"bytes\":%llu}", first ? "" : ",", i,
                   (unsigned long long)st[i].messages, (unsigned long long)st[i].bytes);
            first = 0;
        }
    }
    printf("]}\n");
    if (failed > 0) {
        fprintf(stderr, "lakesink: produce: %llu messages not delivered (first error: %s)\n",
                (unsigned long long)failed, ls_kafka_producer_first_error(pr->p));
        return LS_CLI_EXIT_FAIL;
    }
    return LS_CLI_EXIT_OK;
}

/* Check the option combination; returns LS_CLI_RUN or the usage exit code. */
static int ls__produce_args(const ls_cli_val_t *v, ls__prod_t *pr)
{
    if (!v[O_BROKERS].set || !v[O_TOPIC].set) {
        return ls_cli_usage_error("produce", "--brokers and --topic are required");
    }
    if (!ls_kafka_topic_valid(v[O_TOPIC].str)) {
        return ls_cli_usage_error("produce", "--topic '%s' is not a valid topic name",
                                  v[O_TOPIC].str);
    }
    if (v[O_FILE].set && v[O_TEMPLATE].set) {
        return ls_cli_usage_error("produce", "--template and --file exclude each other");
    }
    const char *t = v[O_TEMPLATE].set ? v[O_TEMPLATE].str : "user-events";
    pr->tmpl = v[O_FILE].set                   ? LS__T_FILE
               : strcmp(t, "user-events") == 0 ? LS__T_USER
               : strcmp(t, "orders") == 0      ? LS__T_ORDERS
               : strcmp(t, "cdc") == 0         ? LS__T_CDC
                                               : (ls__tmpl_t)-1;
    if ((int)pr->tmpl < 0) {
        return ls_cli_usage_error("produce",
                                  "--template '%s': expected user-events, orders "
                                  "or cdc",
                                  t);
    }
    if (pr->tmpl == LS__T_CDC && v[O_KEY].set) {
        return ls_cli_usage_error("produce", "--key-field: the cdc template keys by row id");
    }
    pr->key_field = v[O_KEY].set               ? v[O_KEY].str
                    : pr->tmpl == LS__T_USER   ? "user_id"
                    : pr->tmpl == LS__T_ORDERS ? "order_id"
                                               : NULL;
    if (pr->key_field != NULL && pr->key_field[0] == '\0') {
        return ls_cli_usage_error("produce", "--key-field must not be empty");
    }
    pr->rate = v[O_RATE].set ? v[O_RATE].num : 0;
    pr->nparts = v[O_PARTS].set ? (int32_t)v[O_PARTS].num : 0;
    return LS_CLI_RUN;
}

/* With --partitions P, the topic must have at least P partitions. */
static ls_err_t ls__check_partitions(ls__prod_t *pr, const char *topic, ls_error_t *err)
{
    if (pr->nparts <= 0) {
        return LS_OK;
    }
    int have = ls_kafka_producer_partitions(pr->p, 10000, err);
    if (have < 0) {
        return err->code;
    }
    if (have < pr->nparts) {
        return ls_error_set(err, LS_ERR_INVALID_ARG, "--partitions %d: topic '%s' has only %d",
                            (int)pr->nparts, topic, have);
    }
    return LS_OK;
}

int ls_cli_produce_main(int argc, char **argv)
{
    ls_cli_val_t v[LS__NOPTS];
    const char *args[1];
    size_t nargs;
    ls__prod_t pr;
    memset(&pr, 0, sizeof(pr));
    int prc = ls_cli_parse(&ls__produce_cmd, argc, argv, v, args, &nargs);
    if (prc != LS_CLI_RUN || (prc = ls__produce_args(v, &pr)) != LS_CLI_RUN) {
        return prc;
    }
    const char *topic = v[O_TOPIC].str;
    int64_t count = v[O_COUNT].set ? v[O_COUNT].num : pr.tmpl == LS__T_FILE ? INT64_MAX : 1000;
    ls_error_t err;
    ls_error_clear(&err);
    char tmo[32];
    int64_t tmo_s = v[O_TIMEOUT].set ? v[O_TIMEOUT].num : 30;
    snprintf(tmo, sizeof(tmo), "%lld", (long long)tmo_s * 1000);
    const char *conf[] = {"message.timeout.ms", tmo};
    pr.p = ls_kafka_producer_new(v[O_BROKERS].str, topic, conf, 1, &err);
    pr.arena = ls_arena_new(64 * 1024, 64u << 20);
    if (pr.p == NULL || pr.arena == NULL) {
        if (pr.p != NULL) {
            ls_error_set(&err, LS_ERR_NOMEM, "out of memory");
        }
        ls_kafka_producer_free(pr.p);
        ls_arena_free(pr.arena);
        return ls_cli_fail("produce", NULL, &err);
    }
    ls_buf_init(&pr.key, LS__LINE_MAX);
    ls_buf_init(&pr.val, LS__LINE_MAX);
    pr.t0 = ls_cli_now();
    ls_err_t rc = ls__check_partitions(&pr, topic, &err);
    if (rc == LS_OK) {
        rc = pr.tmpl == LS__T_FILE ? ls__run_file(&pr, v[O_FILE].str, count, &err)
                                   : ls__run_template(&pr, count, (uint64_t)v[O_SEED].num, &err);
    }
    ls_error_t ferr;
    /* past the message timeout every message is delivered or failed (and counted) */
    ls_kafka_producer_flush(pr.p, (int)tmo_s * 1000 + 10000, &ferr);
    int code = rc == LS_OK ? ls__summary(&pr, topic, ls_cli_now() - pr.t0)
                           : ls_cli_fail("produce", NULL, &err);
    ls_buf_free(&pr.key);
    ls_buf_free(&pr.val);
    ls_arena_free(pr.arena);
    ls_kafka_producer_free(pr.p);
    return code;
}

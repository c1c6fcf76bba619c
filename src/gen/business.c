/*
 * business.c — the order and change-data-capture generators (see gen.h). Like the user
 * events, the draw order and the text format are fixed so a seed always gives the same
 * bytes; tests and benchmarks compare against that.
 *
 * Not responsible for: keys of orders (the caller picks a field), message transport or
 * pacing.
 */
#include <inttypes.h>
#include <string.h>
#include <time.h>

#include "lakesink/gen.h"

#define LS__N(a) (sizeof(a) / sizeof((a)[0]))
#define LS__CDC_SNAPSHOT 16 /* snapshot reads (op "r") at the start of a stream */
#define LS__CDC_MIN_LIVE 8  /* below this many live rows, only creates */

static const char *const ls__status[] = {"created", "paid", "shipped", "delivered", "cancelled"};
static const char *const ls__currency[] = {"EUR", "USD", "GBP", "JPY"};
static const char *const ls__countries[] = {"DE", "FR", "US", "GB", "JP", "NL", "ES", "IT"};
static const char *const ls__cities[] = {"Berlin", "Paris",   "Austin",  "London",
                                         "Osaka",  "Utrecht", "Sevilla", "Torino"};
static const char *const ls__first[] = {"Ada",    "Alan",    "Grace", "Linus",
                                        "Edsger", "Barbara", "Ken",   "Frances"};
static const char *const ls__last[] = {"Lovelace", "Turing", "Hopper",   "Torvalds",
                                       "Dijkstra", "Liskov", "Thompson", "Allen"};
static const char *const ls__tiers[] = {"free", "basic", "pro", "enterprise"};

/* splitmix64, the same step as events.c (kept private to each file) */
static uint64_t ls__draw(ls_gen_t *g)
{
    uint64_t z = (g->state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint64_t ls__pick(ls_gen_t *g, uint64_t n)
{
    return ls__draw(g) % n;
}

/* Append an ISO-8601 UTC timestamp with milliseconds for @p ms after the epoch. */
static ls_err_t ls__ts(ls_buf_t *out, int64_t ms)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    return ls_buf_printf(out, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                         tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                         (int)(ms % 1000));
}

ls_err_t ls_gen_order(ls_gen_t *g, uint64_t i, ls_buf_t *out)
{
    uint64_t customer = ls__pick(g, 50000);
    int64_t ms = g->base_s * 1000 + (int64_t)(i * 250 + ls__pick(g, 250));
    const char *status = ls__status[ls__pick(g, LS__N(ls__status))];
    const char *currency = ls__currency[ls__pick(g, LS__N(ls__currency))];
    unsigned nitems = 1 + (unsigned)ls__pick(g, 4);
    ls_err_t rc = ls_buf_printf(out,
                                "{\"order_id\":\"ord_%010" PRIu64 "\","
                                "\"customer_id\":\"cust_%05" PRIu64 "\","
                                "\"status\":\"%s\",\"created_at\":\"",
                                i, customer, status);
    rc = rc ? rc : ls__ts(out, ms);
    rc = rc ? rc : ls_buf_printf(out, "\",\"currency\":\"%s\",\"items\":[", currency);
    uint64_t total = 0;
    for (unsigned k = 0; k < nitems && rc == LS_OK; k++) {
        uint64_t sku = ls__pick(g, 10000);
        unsigned qty = 1 + (unsigned)ls__pick(g, 5);
        uint64_t cents = 199 + ls__pick(g, 49800);
        total += cents * qty;
        rc = ls_buf_printf(out,
                           "%s{\"sku\":\"SKU-%04" PRIu64 "\",\"quantity\":%u,"
                           "\"unit_price\":%" PRIu64 ".%02u}",
                           k ? "," : "", sku, qty, cents / 100, (unsigned)(cents % 100));
    }
    unsigned place = (unsigned)ls__pick(g, LS__N(ls__countries));
    unsigned zip = 10000 + (unsigned)ls__pick(g, 89999);
    return rc ? rc
              : ls_buf_printf(out,
                              "],\"total\":%" PRIu64 ".%02u,\"shipping\":{\"country\":\"%s\","
                              "\"city\":\"%s\",\"zip\":\"%05u\"}}\n",
                              total / 100, (unsigned)(total % 100), ls__countries[place],
                              ls__cities[place], zip);
}

void ls_gen_cdc_init(ls_gen_cdc_t *c, uint64_t seed, int64_t base_s)
{
    memset(c, 0, sizeof(*c));
    ls_gen_init(&c->g, seed, base_s);
    c->lo = c->hi = 1;
}

/* A row's fields are a pure function of (id, version): no per-row storage beyond ver[]. */
static ls_err_t ls__cdc_row(ls_buf_t *out, uint64_t id, uint32_t version)
{
    uint64_t h = (id * 0x9e3779b97f4a7c15ULL) ^ ((uint64_t)version * 0xbf58476d1ce4e5b9ULL);
    h ^= h >> 29;
    const char *first = ls__first[id % LS__N(ls__first)];
    const char *last = ls__last[(id / LS__N(ls__first)) % LS__N(ls__last)];
    return ls_buf_printf(out,
                         "{\"id\":%" PRIu64 ",\"first_name\":\"%s\",\"last_name\":\"%s\","
                         "\"email\":\"%s.%s.%" PRIu64 "@example.com\",\"tier\":\"%s\","
                         "\"balance\":%" PRIu64 ".%02u,\"version\":%u}",
                         id, first, last, first, last, id, ls__tiers[h % LS__N(ls__tiers)],
                         (h >> 8) % 100000, (unsigned)((h >> 32) % 100), version);
}

/* Choose the next operation and the row it applies to; updates the live window. */
static char ls__cdc_op(ls_gen_cdc_t *c, uint64_t *id, uint32_t *before, uint32_t *after)
{
    uint64_t live = c->hi - c->lo;
    uint64_t r = ls__pick(&c->g, 100);
    char op = c->seq < LS__CDC_SNAPSHOT ? 'r'
              : live < LS__CDC_MIN_LIVE ? 'c'
              : r < 40                  ? 'c'
              : r < 85                  ? 'u'
                                        : 'd';
    if (op == 'c' && live >= LS_GEN_CDC_WINDOW) {
        op = 'd';
    }
    if (op == 'r' || op == 'c') {
        *id = c->hi++;
        *before = 0;
        *after = c->ver[*id % LS_GEN_CDC_WINDOW] = 1;
    } else if (op == 'u') {
        *id = c->lo + ls__pick(&c->g, live);
        *before = c->ver[*id % LS_GEN_CDC_WINDOW];
        *after = ++c->ver[*id % LS_GEN_CDC_WINDOW];
    } else {
        *id = c->lo++;
        *before = c->ver[*id % LS_GEN_CDC_WINDOW];
        *after = 0;
    }
    return op;
}

ls_err_t ls_gen_cdc_next(ls_gen_cdc_t *c, ls_buf_t *key, ls_buf_t *value, int *tombstone)
{
    if (c->tomb_due) {
        c->tomb_due = 0;
        c->seq++;
        *tombstone = 1;
        return ls_buf_printf(key, "{\"id\":%" PRIu64 "}", c->tomb_id);
    }
    *tombstone = 0;
    uint64_t id;
    uint32_t before, after;
    char op = ls__cdc_op(c, &id, &before, &after);
    int64_t ts = c->g.base_s * 1000 + (int64_t)(c->seq * 40 + ls__pick(&c->g, 40));
    uint64_t lsn = 0x1000000 + c->seq * 0x68;
    c->seq++;
    if (op == 'd') {
        c->tomb_due = 1;
        c->tomb_id = id;
    }
    ls_err_t rc = ls_buf_printf(key, "{\"id\":%" PRIu64 "}", id);
    rc = rc ? rc : ls_buf_append_str(value, "{\"before\":");
    rc = rc ? rc : before ? ls__cdc_row(value, id, before) : ls_buf_append_str(value, "null");
    rc = rc ? rc : ls_buf_append_str(value, ",\"after\":");
    rc = rc ? rc : after ? ls__cdc_row(value, id, after) : ls_buf_append_str(value, "null");
    return rc ? rc
              : ls_buf_printf(value,
                              ",\"source\":{\"version\":\"2.5.0.Final\","
                              "\"connector\":\"postgresql\","
                              "\"name\":\"inventory\",\"ts_ms\":%" PRId64 ",\"snapshot\":\"%s\","
                              "\"db\":\"inventory\",\"schema\":\"public\",\"table\":\"customers\","
                              "\"lsn\":%" PRIu64 "},\"op\":\"%c\",\"ts_ms\":%" PRId64 "}\n",
                              ts, op == 'r' ? "true" : "false", lsn, op, ts + 3);
}

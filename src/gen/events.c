/*
 * events.c — the user-event generator (see gen.h). The draw order and the text format
 * are fixed: benchmarks publish the checksum of their input, so changing either is a
 * visible change of the benchmark data.
 */
#include <inttypes.h>
#include <stdio.h>
#include <time.h>

#include "lakesink/gen.h"

#define LS__DEFAULT_SEED 0x9e3779b97f4a7c15ULL

static const char *const ls__types[] = {"page_view", "add_to_cart", "purchase",
                                        "search",    "click",       "login"};
static const char *const ls__categories[] = {"electronics", "books",  "home",    "toys", "clothing",
                                             "sports",      "beauty", "grocery", "auto", "music"};
static const char *const ls__campaigns[] = {"summer_sale",  "winter",     "spring",   "fall",
                                            "black_friday", "newsletter", "retarget", "organic"};

#define LS__N(a) (sizeof(a) / sizeof((a)[0]))

void ls_gen_init(ls_gen_t *g, uint64_t seed, int64_t base_s)
{
    g->state = seed ? seed : LS__DEFAULT_SEED;
    g->base_s = base_s;
}

/* splitmix64: small, fast, and identical on every platform */
static uint64_t ls__next(ls_gen_t *g)
{
    uint64_t z = (g->state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint64_t ls__below(ls_gen_t *g, uint64_t n)
{
    return ls__next(g) % n;
}

ls_err_t ls_gen_user_event(ls_gen_t *g, uint64_t i, ls_buf_t *out)
{
    /* draw every random value in a fixed order (argument evaluation order is unspecified) */
    uint64_t user = ls__below(g, 100000);
    uint64_t millis = i * 86 + ls__below(g, 86);
    const char *cat = ls__categories[ls__below(g, LS__N(ls__categories))];
    uint64_t cents = 99 + ls__below(g, 99900);
    const char *type = ls__types[ls__below(g, LS__N(ls__types))];
    uint64_t product = ls__below(g, 100000);
    unsigned quantity = 1 + (unsigned)ls__below(g, 10);
    const char *campaign = ls__campaigns[ls__below(g, LS__N(ls__campaigns))];
    const char *ab = ls__below(g, 2) ? "A" : "B";
    /* a session is a user's run of events: derive it from the user and a slow clock */
    uint64_t session = (user * 0x2545f4914f6cdd1dULL) ^ ((i / 5000) * 0x9e3779b97f4a7c15ULL);
    time_t t = (time_t)(g->base_s + (int64_t)(millis / 1000));
    struct tm tm;
    gmtime_r(&t, &tm);
    return ls_buf_printf(
        out,
        "{\"user_id\":\"user_%05" PRIu64 "\",\"event_type\":\"%s\","
        "\"timestamp\":\"%04d-%02d-%02dT%02d:%02d:%02d.%03uZ\","
        "\"page_url\":\"https://example.com/product/%" PRIu64 "\","
        "\"session_id\":\"sess_%08" PRIx64 "\","
        "\"properties\":{\"category\":\"%s\",\"price\":%" PRIu64 ".%02u,\"quantity\":%u,"
        "\"metadata\":{\"campaign\":\"%s\",\"ab\":\"%s\"}}}\n",
        user, type, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
        tm.tm_sec, (unsigned)(millis % 1000), product, (uint64_t)(session >> 32), cat,
        cents / 100, (unsigned)(cents % 100), quantity, campaign, ab);
}

const char *ls_gen_user_event_schema(void)
{
    return "{\"type\":\"struct\",\"fields\":["
           "{\"name\":\"user_id\",\"type\":\"string\",\"nullable\":true,\"metadata\":{}},"
           "{\"name\":\"event_type\",\"type\":\"string\",\"nullable\":true,\"metadata\":{}},"
           "{\"name\":\"timestamp\",\"type\":\"timestamp\",\"nullable\":true,\"metadata\":{}},"
           "{\"name\":\"page_url\",\"type\":\"string\",\"nullable\":true,\"metadata\":{}},"
           "{\"name\":\"session_id\",\"type\":\"string\",\"nullable\":true,\"metadata\":{}},"
           "{\"name\":\"properties\",\"type\":{\"type\":\"struct\",\"fields\":["
           "{\"name\":\"category\",\"type\":\"string\",\"nullable\":true,\"metadata\":{}},"
           "{\"name\":\"price\",\"type\":\"double\",\"nullable\":true,\"metadata\":{}},"
           "{\"name\":\"quantity\",\"type\":\"long\",\"nullable\":true,\"metadata\":{}},"
           "{\"name\":\"metadata\",\"type\":{\"type\":\"struct\",\"fields\":["
           "{\"name\":\"campaign\",\"type\":\"string\",\"nullable\":true,\"metadata\":{}},"
           "{\"name\":\"ab\",\"type\":\"string\",\"nullable\":true,\"metadata\":{}}]},"
           "\"nullable\":true,\"metadata\":{}}]},\"nullable\":true,\"metadata\":{}}]}";
}

/*
 * gen_events.c — deterministic generator of user-event NDJSON for the benchmarks: the
 * shape of the connector's sample topic (user_id, event_type, timestamp, page_url,
 * session_id, nested properties{category, price, quantity, metadata{campaign, ab}}),
 * about 266 bytes per event. The same arguments always give the same bytes.
 *
 * Usage: gen_events [N [OUT]]   (N defaults to 1000000, OUT to standard output)
 * Not responsible for: timing anything (bench_parquet_encode.c and run.sh do).
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static uint64_t ls__state = 0x9e3779b97f4a7c15ULL;

/* splitmix64: small, fast, and identical on every platform */
static uint64_t ls__next(void)
{
    uint64_t z = (ls__state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint64_t ls__below(uint64_t n)
{
    return ls__next() % n;
}

static const char *const ls__types[] = {"page_view", "add_to_cart", "purchase",
                                        "search",    "click",       "login"};
static const char *const ls__categories[] = {"electronics", "books",  "home",    "toys", "clothing",
                                             "sports",      "beauty", "grocery", "auto", "music"};
static const char *const ls__campaigns[] = {"summer_sale",  "winter",     "spring",   "fall",
                                            "black_friday", "newsletter", "retarget", "organic"};

#define LS__N(a) (sizeof(a) / sizeof((a)[0]))

static void ls__event(FILE *out, uint64_t i, time_t base)
{
    /* draw every random value in a fixed order (argument evaluation order is unspecified) */
    uint64_t user = ls__below(100000);
    uint64_t millis = i * 86 + ls__below(86);
    const char *cat = ls__categories[ls__below(LS__N(ls__categories))];
    uint64_t cents = 99 + ls__below(99900);
    const char *type = ls__types[ls__below(LS__N(ls__types))];
    uint64_t product = ls__below(100000);
    unsigned quantity = 1 + (unsigned)ls__below(10);
    const char *campaign = ls__campaigns[ls__below(LS__N(ls__campaigns))];
    const char *ab = ls__below(2) ? "A" : "B";
    /* a session is a user's run of events: derive it from the user and a slow clock */
    uint64_t session = (user * 0x2545f4914f6cdd1dULL) ^ ((i / 5000) * 0x9e3779b97f4a7c15ULL);
    time_t t = base + (time_t)(millis / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    fprintf(out,
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

int main(int argc, char **argv)
{
    uint64_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 1000000;
    FILE *out = argc > 2 ? fopen(argv[2], "wb") : stdout;
    if (out == NULL) {
        perror(argv[2]);
        return 1;
    }
    static char buf[1 << 20];
    setvbuf(out, buf, _IOFBF, sizeof(buf));
    const time_t base = 1705276800; /* 2024-01-15T00:00:00Z */
    for (uint64_t i = 0; i < n; i++) {
        ls__event(out, i, base);
    }
    if (fflush(out) != 0 || (out != stdout && fclose(out) != 0)) {
        perror("gen_events: write");
        return 1;
    }
    return 0;
}

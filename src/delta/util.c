/*
 * util.c — small helpers of the Delta engine: clocks, UUIDs, log key names, RFC 2396 path
 * decoding, Spark interval properties, hashing, compact JSON output of DOM values.
 *
 * Not responsible for: anything with state (snapshots, transactions).
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "delta_int.h"
#include "lakesink/alloc.h"
#include "lakesink/json.h"
#include "lakesink/uri.h"

int64_t ls__delta_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void ls__delta_sleep_ms(unsigned ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

void ls_delta_commit_key(int64_t version, char out[LS_DELTA_KEY_MAX])
{
    snprintf(out, LS_DELTA_KEY_MAX, LS__DELTA_LOG_PREFIX "%020" PRId64 ".json", version);
}

ls_err_t ls_delta_path_decode(const char *path, char **out, ls_error_t *err)
{
    ls_buf_t b;
    ls_buf_init(&b, LS_BUF_UNLIMITED);
    *out = NULL;
    ls_err_t rc = ls_uri_decode(path, strlen(path), &b, err);
    if (rc == LS_OK && (rc = ls_buf_terminate(&b)) != LS_OK) {
        ls_error_set(err, rc, "out of memory decoding a path");
    }
    if (rc != LS_OK) {
        ls_buf_free(&b);
        if (rc == LS_ERR_PARSE) { /* in a log, an undecodable path is corrupt data */
            rc = LS_ERR_CORRUPT;
            if (err != NULL) {
                err->code = rc;
            }
        }
        return rc;
    }
    *out = (char *)ls_buf_steal(&b, NULL);
    return LS_OK;
}

/* One "<number> <unit>" pair of an interval; returns the ms it stands for, or -1. */
static int64_t ls__interval_unit(const char *unit, size_t len, int64_t num)
{
    static const struct {
        const char *name;
        int64_t ms; /* 0 = microseconds */
    } units[] = {{"week", 7 * 86400000LL}, {"day", 86400000LL}, {"hour", 3600000LL},
                 {"minute", 60000LL},      {"second", 1000LL},  {"millisecond", 1},
                 {"microsecond", 0}};
    if (len > 1 && unit[len - 1] == 's') {
        len--; /* plural */
    }
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
        if (strlen(units[i].name) == len && strncasecmp(unit, units[i].name, len) == 0) {
            if (units[i].ms == 0) {
                return num / 1000;
            }
            if (num > INT64_MAX / units[i].ms) {
                return -1;
            }
            return num * units[i].ms;
        }
    }
    return -1;
}

ls_err_t ls_delta_parse_interval(const char *text, int64_t *ms, ls_error_t *err)
{
    const char *p = text;
    int64_t total = 0;
    int pairs = 0;
    while (isspace((unsigned char)*p)) {
        p++;
    }
    if (strncasecmp(p, "interval", 8) == 0 && (p[8] == '\0' || isspace((unsigned char)p[8]))) {
        p += 8;
    }
    for (;;) {
        while (isspace((unsigned char)*p)) {
            p++;
        }
        if (*p == '\0') {
            break;
        }
        if (!isdigit((unsigned char)*p)) {
            goto bad;
        }
        errno = 0;
        char *end;
        long long num = strtoll(p, &end, 10);
        if (errno != 0 || num < 0) {
            goto bad;
        }
        p = end;
        while (isspace((unsigned char)*p)) {
            p++;
        }
        const char *u = p;
        while (isalpha((unsigned char)*p)) {
            p++;
        }
        int64_t v = ls__interval_unit(u, (size_t)(p - u), num);
        if (v < 0 || total > INT64_MAX - v) {
            goto bad;
        }
        total += v;
        pairs++;
    }
    if (pairs == 0) {
        goto bad;
    }
    *ms = total;
    return LS_OK;
bad:
    return ls_error_set(err, LS_ERR_CONFIG,
                        "interval \"%.100s\": expected [interval] <n> <unit> ... with units "
                        "week, day, hour, minute, second, millisecond, microsecond",
                        text);
}

uint64_t ls__delta_hash(const char *k1, const char *k2)
{
    /* FNV-1a over both keys with a separator, then a final avalanche (murmur3 fmix64) so
     * the low bits used for slot selection are well mixed. */
    uint64_t h = 0xcbf29ce484222325ULL;
    for (const unsigned char *p = (const unsigned char *)k1; *p; p++) {
        h = (h ^ *p) * 0x100000001b3ULL;
    }
    h = (h ^ 0xff) * 0x100000001b3ULL;
    if (k2 != NULL) {
        for (const unsigned char *p = (const unsigned char *)k2; *p; p++) {
            h = (h ^ *p) * 0x100000001b3ULL;
        }
    }
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h;
}

char *ls__delta_arena_str(ls_arena_t *a, const char *s)
{
    return ls_arena_strndup(a, s, strlen(s));
}

const char *ls__delta_kv_get(const ls_delta_kv_t *kv, size_t n, const char *key)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(kv[i].key, key) == 0) {
            return kv[i].value;
        }
    }
    return NULL;
}

bool ls__delta_is_true(const char *v)
{
    return v != NULL && strcasecmp(v, "true") == 0;
}

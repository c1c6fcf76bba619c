/*
 * uri.c — percent-decoding, random bytes and UUIDs (see uri.h).
 */
#include "lakesink/uri.h"

#include <stdint.h>
#include <sys/random.h>
#include <time.h>

int ls_hex_digit(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

ls_err_t ls_uri_decode(const char *s, size_t len, ls_buf_t *out, ls_error_t *err)
{
    size_t mark = out->len;
    ls_err_t rc = ls_buf_reserve(out, len);
    for (size_t i = 0; rc == LS_OK && i < len; i++) {
        if (s[i] != '%') {
            rc = ls_buf_append_byte(out, (uint8_t)s[i]);
            continue;
        }
        int hi = len - i >= 3 ? ls_hex_digit(s[i + 1]) : -1;
        int lo = len - i >= 3 ? ls_hex_digit(s[i + 2]) : -1;
        if (hi < 0 || lo < 0 || (hi | lo) == 0) {
            out->len = mark;
            return ls_error_set(err, LS_ERR_PARSE, "path \"%.*s\": %s at byte %zu",
                                (int)(len > 128 ? 128 : len), s,
                                (hi | lo) == 0 ? "encoded NUL" : "malformed %-escape", i);
        }
        rc = ls_buf_append_byte(out, (uint8_t)(hi << 4 | lo));
        i += 2;
    }
    if (rc != LS_OK) {
        out->len = mark;
        return ls_error_set(err, rc, "decoding a path: %s", ls_err_str(rc));
    }
    return LS_OK;
}

void ls_random_bytes(void *buf, size_t n)
{
    uint8_t *p = buf;
    size_t got = 0;
    while (got < n) {
        ssize_t r = getrandom(p + got, n - got, 0);
        if (r <= 0) {
            break;
        }
        got += (size_t)r;
    }
    if (got < n) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        uint64_t x = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 32) ^ (uint64_t)(uintptr_t)p;
        for (; got < n; got++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            p[got] = (uint8_t)x;
        }
    }
}

void ls_uuid4(char out[37])
{
    static const char hex[] = "0123456789abcdef";
    uint8_t b[16];
    ls_random_bytes(b, sizeof(b));
    b[6] = (uint8_t)((b[6] & 0x0f) | 0x40); /* version 4 */
    b[8] = (uint8_t)((b[8] & 0x3f) | 0x80); /* RFC 4122 variant */
    size_t o = 0;
    for (size_t i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10) {
            out[o++] = '-';
        }
        out[o++] = hex[b[i] >> 4];
        out[o++] = hex[b[i] & 15];
    }
    out[o] = '\0';
}

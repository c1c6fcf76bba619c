/*
 * utf8.h — UTF-8 validation shared by every module that reads or writes text (the JSON
 * lexer, JSON output, stats truncation): one definition of "valid", RFC 3629 strict —
 * no overlong forms, no UTF-16 surrogates, nothing above U+10FFFF.
 */
#ifndef LAKESINK_UTF8_H
#define LAKESINK_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/**
 * @brief Length (2..4) of the valid multi-byte sequence starting at @p p, or 0 when
 * the bytes at @p p (lead byte >= 0x80) do not start one before @p end.
 */
static inline size_t ls_utf8_seq(const uint8_t *p, const uint8_t *end)
{
    size_t avail = (size_t)(end - p);
    uint8_t c = p[0];
    size_t n;
    uint8_t lo = 0x80, hi = 0xBF; /* allowed range of the second byte */
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        if (c == 0xE0) {
            lo = 0xA0; /* overlong */
        } else if (c == 0xED) {
            hi = 0x9F; /* UTF-16 surrogates */
        }
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        if (c == 0xF0) {
            lo = 0x90; /* overlong */
        } else if (c == 0xF4) {
            hi = 0x8F; /* above U+10FFFF */
        }
    } else {
        return 0;
    }
    if (avail < n || p[1] < lo || p[1] > hi) {
        return 0;
    }
    for (size_t i = 2; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80) {
            return 0;
        }
    }
    return n;
}

/** @brief Whether the @p n bytes at @p p are entirely valid UTF-8. */
static inline bool ls_utf8_valid(const void *p, size_t n)
{
    const uint8_t *s = (const uint8_t *)p, *end = s + n;
    while (s < end) {
        if (*s < 0x80) {
            s++;
            continue;
        }
        size_t k = ls_utf8_seq(s, end);
        if (k == 0) {
            return false;
        }
        s += k;
    }
    return true;
}

#endif

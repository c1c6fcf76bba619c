/*
 * bytes.h — inline equality of short byte strings (keys, dictionary values, member
 * names), where a call to memcmp costs more than the compare itself.
 *
 * Reads exactly @p len bytes of each side, with unaligned word loads; no ownership.
 */
#ifndef LAKESINK_BYTES_H
#define LAKESINK_BYTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline uint64_t ls_bytes_load64(const void *p)
{
    uint64_t x;
    memcpy(&x, p, 8);
    return x;
}

static inline uint32_t ls_bytes_load32(const void *p)
{
    uint32_t x;
    memcpy(&x, p, 4);
    return x;
}

/** @brief @p len bytes at @p a and @p b are equal. Tuned for lengths under ~32. */
static inline bool ls_bytes_eq(const void *a, const void *b, size_t len)
{
    const uint8_t *x = a, *y = b;
    if (len >= 8) {
        for (size_t i = 0; i + 8 < len; i += 8) {
            if (ls_bytes_load64(x + i) != ls_bytes_load64(y + i)) {
                return false;
            }
        }
        return ls_bytes_load64(x + len - 8) == ls_bytes_load64(y + len - 8);
    }
    if (len >= 4) {
        return ls_bytes_load32(x) == ls_bytes_load32(y) &&
               ls_bytes_load32(x + len - 4) == ls_bytes_load32(y + len - 4);
    }
    for (size_t i = 0; i < len; i++) {
        if (x[i] != y[i]) {
            return false;
        }
    }
    return true;
}

#endif

/*
 * lex.c — the JSON lexer shared by the decoder, the DOM and inference: string
 * scanning (SIMD search for the bytes that end the fast path), UTF-8 and escape
 * validation, unescaping, literals, and a validating skipper for unwanted values.
 *
 * Not responsible for: numbers (number.c) or anything that knows about schemas.
 * Every read stays inside [p, end): vector loads run only while 16 (or 32) bytes
 * remain, the tail is scalar.
 */
#include <string.h>

#include "json_int.h"
#include "lakesink/utf8.h"

#if defined(__x86_64__) && defined(__SSE2__) && !defined(LS_JSON_SCALAR)
#define LS__JSON_SSE2 1
#include <emmintrin.h>
#include <immintrin.h>
#endif

/* ---------------------------------------------------------------- UTF-8 */

bool ls__json_utf8_valid(const uint8_t *p, size_t n)
{
    const uint8_t *end = p + n;
    while (p < end) {
        if (*p < 0x80) {
            p++;
            continue;
        }
        size_t k = ls_utf8_seq(p, end);
        if (k == 0) {
            return false;
        }
        p += k;
    }
    return true;
}

/* ---------------------------------------------------------------- string scan */

/*
 * First byte in [p, end) that needs attention inside a string: '"', '\\', a control
 * character or a non-ASCII byte (which needs UTF-8 validation). end when none.
 * The signed compare against 0x20 catches both < 0x20 and >= 0x80 in one step.
 */
#ifdef LS__JSON_SSE2
__attribute__((target("avx2"))) static const char *ls__special_avx2(const char *p, const char *end)
{
    const __m256i q = _mm256_set1_epi8('"');
    const __m256i bs = _mm256_set1_epi8('\\');
    const __m256i sp = _mm256_set1_epi8(0x20);
    while (end - p >= 32) {
        __m256i v = _mm256_loadu_si256((const __m256i *)(const void *)p);
        __m256i m =
            _mm256_or_si256(_mm256_or_si256(_mm256_cmpeq_epi8(v, q), _mm256_cmpeq_epi8(v, bs)),
                            _mm256_cmpgt_epi8(sp, v));
        uint32_t mask = (uint32_t)_mm256_movemask_epi8(m);
        if (mask != 0) {
            return p + __builtin_ctz(mask);
        }
        p += 32;
    }
    return p;
}

static inline const char *ls__special(const char *p, const char *end)
{
    const __m128i q = _mm_set1_epi8('"');
    const __m128i bs = _mm_set1_epi8('\\');
    const __m128i sp = _mm_set1_epi8(0x20);
    if (end - p >= 64 && __builtin_cpu_supports("avx2")) {
        p = ls__special_avx2(p, end); /* long strings: 32 bytes per step */
    }
    while (end - p >= 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
        __m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, q), _mm_cmpeq_epi8(v, bs)),
                                 _mm_cmplt_epi8(v, sp));
        unsigned mask = (unsigned)_mm_movemask_epi8(m);
        if (mask != 0) {
            return p + __builtin_ctz(mask);
        }
        p += 16;
    }
    while (p < end) {
        unsigned char c = (unsigned char)*p;
        if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80) {
            return p;
        }
        p++;
    }
    return p;
}
#else
/* Portable word-at-a-time search: the lowest flagged byte of each test is exact. */
static inline const char *ls__special(const char *p, const char *end)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
    while (end - p >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        uint64_t xq = w ^ (ones * '"'), xb = w ^ (ones * '\\');
        uint64_t m = ((xq - ones) & ~xq) | ((xb - ones) & ~xb) | ((w - ones * 0x20) & ~w) | w;
        m &= highs;
        if (m != 0) {
            return p + (__builtin_ctzll(m) >> 3);
        }
        p += 8;
    }
#endif
    while (p < end) {
        unsigned char c = (unsigned char)*p;
        if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80) {
            return p;
        }
        p++;
    }
    return p;
}
#endif

static int ls__hexval(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    c = (char)(c | 0x20);
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    return -1;
}

/* Four hex digits at p (caller checked 4 bytes exist); -1 when not hex. */
static long ls__hex4(const char *p)
{
    long v = 0;
    for (int i = 0; i < 4; i++) {
        int h = ls__hexval(p[i]);
        if (h < 0) {
            return -1;
        }
        v = (v << 4) | h;
    }
    return v;
}

/* Validate the escape at p ('\\'); returns the byte after it or NULL. */
static const char *ls__escape(const char *p, const char *end, ls__jerr_t *e)
{
    if (end - p < 2) {
        return ls__jfail(e, p, "unterminated string");
    }
    switch (p[1]) {
    case '"':
    case '\\':
    case '/':
    case 'b':
    case 'f':
    case 'n':
    case 'r':
    case 't': return p + 2;
    case 'u': break;
    default: return ls__jfail(e, p, "invalid escape sequence in string");
    }
    long u = end - p >= 6 ? ls__hex4(p + 2) : -1;
    if (u < 0) {
        return ls__jfail(e, p, "invalid \\u escape in string");
    }
    if (u >= 0xDC00 && u <= 0xDFFF) {
        return ls__jfail(e, p, "lone low surrogate escape in string");
    }
    if (u < 0xD800 || u > 0xDBFF) {
        return p + 6;
    }
    /* a high surrogate must be followed by an escaped low surrogate */
    long lo = (end - p >= 12 && p[6] == '\\' && p[7] == 'u') ? ls__hex4(p + 8) : -1;
    if (lo < 0xDC00 || lo > 0xDFFF) {
        return ls__jfail(e, p, "unpaired surrogate escape in string");
    }
    return p + 12;
}

const char *ls__json_scan_string(const char *p, const char *end, bool *has_esc, ls__jerr_t *e)
{
    bool esc = false;
    for (;;) {
        p = ls__special(p, end);
        if (p >= end) {
            return ls__jfail(e, p, "unterminated string");
        }
        unsigned char c = (unsigned char)*p;
        if (c == '"') {
            *has_esc = esc;
            return p;
        }
        if (c == '\\') {
            esc = true;
            p = ls__escape(p, end, e);
            if (p == NULL) {
                return NULL;
            }
        } else if (c < 0x20) {
            return ls__jfail(e, p, "control character in string (must be escaped)");
        } else {
            size_t k = ls_utf8_seq((const uint8_t *)p, (const uint8_t *)end);
            if (k == 0) {
                return ls__jfail(e, p, "invalid UTF-8 in string");
            }
            p += k;
        }
    }
}

/* Encode code point @p u as UTF-8 at @p o; returns the length. */
static size_t ls__put_utf8(uint8_t *o, unsigned long u)
{
    if (u < 0x80) {
        o[0] = (uint8_t)u;
        return 1;
    }
    if (u < 0x800) {
        o[0] = (uint8_t)(0xC0 | (u >> 6));
        o[1] = (uint8_t)(0x80 | (u & 0x3F));
        return 2;
    }
    if (u < 0x10000) {
        o[0] = (uint8_t)(0xE0 | (u >> 12));
        o[1] = (uint8_t)(0x80 | ((u >> 6) & 0x3F));
        o[2] = (uint8_t)(0x80 | (u & 0x3F));
        return 3;
    }
    o[0] = (uint8_t)(0xF0 | (u >> 18));
    o[1] = (uint8_t)(0x80 | ((u >> 12) & 0x3F));
    o[2] = (uint8_t)(0x80 | ((u >> 6) & 0x3F));
    o[3] = (uint8_t)(0x80 | (u & 0x3F));
    return 4;
}

size_t ls__json_unescape(const char *p, const char *q, uint8_t *out)
{
    uint8_t *o = out;
    while (p < q) {
        const char *bsl = memchr(p, '\\', (size_t)(q - p));
        size_t run = (size_t)((bsl ? bsl : q) - p);
        memcpy(o, p, run);
        o += run;
        p += run;
        if (p >= q) {
            break;
        }
        char c = p[1];
        p += 2;
        switch (c) {
        case 'b': *o++ = '\b'; break;
        case 'f': *o++ = '\f'; break;
        case 'n': *o++ = '\n'; break;
        case 'r': *o++ = '\r'; break;
        case 't': *o++ = '\t'; break;
        case 'u': {
            unsigned long u = (unsigned long)ls__hex4(p);
            p += 4;
            if (u >= 0xD800 && u <= 0xDBFF) { /* validated: a low surrogate follows */
                unsigned long lo = (unsigned long)ls__hex4(p + 2);
                p += 6;
                u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
            }
            o += ls__put_utf8(o, u);
            break;
        }
        default: *o++ = (uint8_t)c; break; /* '"', '\\', '/' */
        }
    }
    return (size_t)(o - out);
}

/* ---------------------------------------------------------------- values */

const char *ls__json_literal(const char *p, const char *end, const char *lit, size_t n,
                             ls__jerr_t *e)
{
    if ((size_t)(end - p) < n || memcmp(p, lit, n) != 0) {
        return ls__jfail(e, p, "invalid literal (expected a JSON value)");
    }
    return p + n;
}

static const char *ls__skip_container(const char *p, const char *end, uint32_t depth_left,
                                      ls__jerr_t *e)
{
    bool obj = *p == '{';
    char close = obj ? '}' : ']';
    if (depth_left == 0) {
        ls__jfail(e, p, "nesting deeper than the depth limit");
        e->code = LS_ERR_LIMIT;
        return NULL;
    }
    p = ls__json_ws(p + 1, end);
    if (p < end && *p == close) {
        return p + 1;
    }
    for (;;) {
        if (obj) {
            bool esc;
            if (p >= end || *p != '"') {
                return ls__jfail(e, p, "expected a member name string");
            }
            p = ls__json_scan_string(p + 1, end, &esc, e);
            if (p == NULL) {
                return NULL;
            }
            p = ls__json_ws(p + 1, end);
            if (p >= end || *p != ':') {
                return ls__jfail(e, p, "expected ':' after member name");
            }
            p = ls__json_ws(p + 1, end);
        }
        p = ls__json_skip_value(p, end, depth_left - 1, e);
        if (p == NULL) {
            return NULL;
        }
        p = ls__json_ws(p, end);
        if (p < end && *p == ',') {
            p = ls__json_ws(p + 1, end);
            continue;
        }
        if (p < end && *p == close) {
            return p + 1;
        }
        return ls__jfail(e, p,
                         obj ? "expected ',' or '}' in object" : "expected ',' or ']' in array");
    }
}

const char *ls__json_skip_value(const char *p, const char *end, uint32_t depth_left, ls__jerr_t *e)
{
    if (p >= end) {
        return ls__jfail(e, p, "unexpected end of input (expected a value)");
    }
    switch (*p) {
    case '"': {
        bool esc;
        p = ls__json_scan_string(p + 1, end, &esc, e);
        return p ? p + 1 : NULL;
    }
    case '{':
    case '[': return ls__skip_container(p, end, depth_left, e);
    case 't': return ls__json_literal(p, end, "true", 4, e);
    case 'f': return ls__json_literal(p, end, "false", 5, e);
    case 'n': return ls__json_literal(p, end, "null", 4, e);
    default: {
        ls_num_t n;
        return ls__json_scan_number(p, end, &n, e);
    }
    }
}

/*
 * json_int.h — private interface between the files of the JSON module: the lexer
 * (strings, numbers, skipping), number conversions, date/time and base64 helpers.
 *
 * Not responsible for: anything schema- or batch-related (decode.c, write.c) or the
 * public API (json.h). Every function here reads only within [p, end) and never
 * allocates; positions are pointers into the caller's input.
 */
#ifndef LS_JSON_INT_H
#define LS_JSON_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lakesink/buf.h"
#include "lakesink/columnar.h"
#include "lakesink/error.h"
#include "lakesink/json.h"
#include "lakesink/text.h"

#ifndef __SIZEOF_INT128__
#error "the JSON module needs a compiler with __int128 (decimals up to 38 digits)"
#endif

/* Hard ceiling on nesting for any recursive walk, whatever the options say. */
#define LS__JSON_DEPTH_CEIL 1024u
/* Nesting limit of the DOM parser (ls_json_parse). */
#define LS__JSON_DOM_DEPTH 512u

/* Why a low-level scan failed: a static message and the byte it points at. */
typedef struct ls__jerr_s {
    const char *pos;
    const char *msg;
    ls_err_t code; /* LS_ERR_PARSE, or LS_ERR_LIMIT for the depth limit */
} ls__jerr_t;

static inline bool ls__json_is_ws(char c)
{
    return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

/* Skip JSON whitespace (RFC 8259: space, tab, LF, CR only). */
static inline const char *ls__json_ws(const char *p, const char *end)
{
    while (p < end && ls__json_is_ws(*p)) {
        p++;
    }
    return p;
}

/* Set @p e and return NULL, so scanners can `return ls__jfail(...)`. */
static inline const char *ls__jfail(ls__jerr_t *e, const char *pos, const char *msg)
{
    e->pos = pos;
    e->msg = msg;
    e->code = LS_ERR_PARSE;
    return NULL;
}

/*
 * Scan a string body: @p p is just past the opening quote. Validates UTF-8, escapes
 * (surrogates must pair) and rejects raw control characters. Returns the closing
 * quote, or NULL with @p e set. *has_esc tells whether unescaping is needed.
 */
const char *ls__json_scan_string(const char *p, const char *end, bool *has_esc, ls__jerr_t *e);
/*
 * Unescape the validated string body [p, q) into @p out (room for q - p bytes is
 * always enough). Returns the bytes written.
 */
size_t ls__json_unescape(const char *p, const char *q, uint8_t *out);
/* Validate and skip any JSON value at @p p; containers may nest @p depth_left deep. */
const char *ls__json_skip_value(const char *p, const char *end, uint32_t depth_left, ls__jerr_t *e);
/* Match the literal @p lit (of @p n bytes) at @p p; NULL with @p e set otherwise. */
const char *ls__json_literal(const char *p, const char *end, const char *lit, size_t n,
                             ls__jerr_t *e);
/* True when [p, p+n) is valid UTF-8 (used for schema names and output). */
bool ls__json_utf8_valid(const uint8_t *p, size_t n);

/* Scan a number literal (RFC 8259 grammar) at @p p. */
const char *ls__json_scan_number(const char *p, const char *end, ls_num_t *n, ls__jerr_t *e);
/* Append @p s as a JSON string; invalid UTF-8 becomes U+FFFD. */
ls_err_t ls__json_write_string(ls_buf_t *b, const uint8_t *s, size_t n);

/*
 * ls_col_bytes() without arithmetic on a NULL buffer: a BYTES column that so far
 * holds only empty values has no byte buffer yet (columnar.h's accessor is UB then).
 */
static inline const uint8_t *ls__json_col_bytes(const ls_column_t *c, size_t i, size_t *len)
{
    *len = c->offsets[i + 1] - c->offsets[i];
    return c->bytes != NULL ? c->bytes + c->offsets[i] : (const uint8_t *)"";
}

/* FNV-1a, for field-name tables. */
static inline uint32_t ls__json_hash(const void *p, size_t n)
{
    const uint8_t *s = p;
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) {
        h = (h ^ s[i]) * 16777619u;
    }
    return h;
}


#endif

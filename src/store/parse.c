/*
 * parse.c — the small parsers the S3 backend needs: S3's XML responses (errors, listings,
 * upload ids), flat JSON objects from credential endpoints, ISO-8601 and HTTP dates.
 *
 * Responsible for: reading untrusted response bodies without ever reading past their end.
 * Not responsible for: general XML or JSON (S3 documents are flat, elements never nest inside
 * an element of the same name, and S3 sends no CDATA or comments inside the elements we read).
 */
#include <stdlib.h>
#include <string.h>

#include "lakesink/alloc.h"
#include "s3_int.h"

/* ---- XML ---- */

/* Position of the next "<tag" start tag whose name ends right there, or NULL. */
static const char *ls__xml_open(const char *p, const char *end, const char *tag, size_t tl,
                                bool *empty, const char **content)
{
    while (p < end) {
        const char *lt = memchr(p, '<', (size_t)(end - p));
        if (lt == NULL || (size_t)(end - lt) < tl + 2) {
            return NULL;
        }
        const char *q = lt + 1 + tl;
        if (memcmp(lt + 1, tag, tl) == 0 && (*q == '>' || *q == ' ' || *q == '/' || *q == '\t' ||
                                             *q == '\r' || *q == '\n')) {
            const char *gt = memchr(q, '>', (size_t)(end - q));
            if (gt == NULL) {
                return NULL;
            }
            *empty = gt[-1] == '/';
            *content = gt + 1;
            return lt;
        }
        p = lt + 1;
    }
    return NULL;
}

bool ls__xml_next(const char **cur, const char *end, const char *tag, ls__span_t *out)
{
    size_t tl = strlen(tag);
    bool empty = false;
    const char *content = NULL;
    if (ls__xml_open(*cur, end, tag, tl, &empty, &content) == NULL) {
        return false;
    }
    if (empty) {
        out->p = content;
        out->n = 0;
        *cur = content;
        return true;
    }
    /* the matching "</tag>" */
    for (const char *p = content; p < end;) {
        const char *lt = memchr(p, '<', (size_t)(end - p));
        if (lt == NULL || (size_t)(end - lt) < tl + 3) {
            return false;
        }
        if (lt[1] == '/' && memcmp(lt + 2, tag, tl) == 0 && lt[2 + tl] == '>') {
            out->p = content;
            out->n = (size_t)(lt - content);
            *cur = lt + 3 + tl;
            return true;
        }
        p = lt + 1;
    }
    return false;
}

bool ls__xml_find(const char *doc, size_t n, const char *tag, ls__span_t *out)
{
    const char *cur = doc;
    return doc != NULL && ls__xml_next(&cur, doc + n, tag, out);
}

static ls_err_t ls__utf8_put(ls_buf_t *out, unsigned long cp)
{
    uint8_t b[4];
    size_t n;
    if (cp < 0x80) {
        b[0] = (uint8_t)cp;
        n = 1;
    } else if (cp < 0x800) {
        b[0] = (uint8_t)(0xC0 | (cp >> 6));
        b[1] = (uint8_t)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        b[0] = (uint8_t)(0xE0 | (cp >> 12));
        b[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
        b[2] = (uint8_t)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        b[0] = (uint8_t)(0xF0 | (cp >> 18));
        b[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
        b[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
        b[3] = (uint8_t)(0x80 | (cp & 0x3F));
        n = 4;
    }
    return ls_buf_append(out, b, n);
}

/* Decode one entity at s[0] == '&'; returns the bytes consumed, 0 if it is not one we know. */
static size_t ls__xml_entity(const char *s, size_t n, ls_buf_t *out, ls_err_t *rc)
{
    static const struct {
        const char *name;
        char c;
    } named[] = {{"amp;", '&'}, {"lt;", '<'}, {"gt;", '>'}, {"quot;", '"'}, {"apos;", '\''}};
    for (size_t i = 0; i < sizeof(named) / sizeof(named[0]); i++) {
        size_t l = strlen(named[i].name);
        if (n > l && memcmp(s + 1, named[i].name, l) == 0) {
            *rc = ls_buf_append_byte(out, (uint8_t)named[i].c);
            return l + 1;
        }
    }
    if (n < 4 || s[1] != '#') {
        return 0;
    }
    bool hex = s[2] == 'x' || s[2] == 'X';
    size_t i = hex ? 3 : 2;
    unsigned long cp = 0;
    size_t digits = 0;
    for (; i < n && s[i] != ';' && digits < 8; i++, digits++) {
        char c = s[i];
        int d = c >= '0' && c <= '9'          ? c - '0'
                : hex && c >= 'a' && c <= 'f' ? c - 'a' + 10
                : hex && c >= 'A' && c <= 'F' ? c - 'A' + 10
                                              : -1;
        if (d < 0) {
            return 0;
        }
        cp = cp * (hex ? 16 : 10) + (unsigned long)d;
    }
    if (i >= n || s[i] != ';' || digits == 0 || cp > 0x10FFFF) {
        return 0;
    }
    *rc = ls__utf8_put(out, cp);
    return i + 1;
}

ls_err_t ls__xml_text(ls__span_t s, ls_buf_t *out)
{
    ls_err_t rc = LS_OK;
    for (size_t i = 0; i < s.n && rc == LS_OK;) {
        const char *amp = memchr(s.p + i, '&', s.n - i);
        size_t run = amp ? (size_t)(amp - (s.p + i)) : s.n - i;
        rc = ls_buf_append(out, s.p + i, run);
        i += run;
        if (rc == LS_OK && i < s.n) {
            size_t used = ls__xml_entity(s.p + i, s.n - i, out, &rc);
            if (used == 0) {
                rc = ls_buf_append_byte(out, '&');
                used = 1;
            }
            i += used;
        }
    }
    return rc == LS_OK ? ls_buf_terminate(out) : rc;
}

ls_err_t ls__xml_escape(ls_buf_t *out, const char *s)
{
    for (; *s; s++) {
        ls_err_t rc = *s == '&'   ? ls_buf_append_str(out, "&amp;")
                      : *s == '<' ? ls_buf_append_str(out, "&lt;")
                      : *s == '>' ? ls_buf_append_str(out, "&gt;")
                                  : ls_buf_append_byte(out, (uint8_t)*s);
        LS_TRY(rc);
    }
    return LS_OK;
}

/* Decoded text of <tag> in [doc, n) into a fixed buffer (truncated); "" when absent. */
static void ls__xml_fixed(const char *doc, size_t n, const char *tag, char *out, size_t cap)
{
    ls__span_t s;
    out[0] = '\0';
    if (cap == 0 || !ls__xml_find(doc, n, tag, &s)) {
        return;
    }
    ls_buf_t b;
    ls_buf_init(&b, 4096);
    if (ls__xml_text(s, &b) == LS_OK) {
        size_t l = b.len < cap - 1 ? b.len : cap - 1;
        memcpy(out, b.data, l);
        out[l] = '\0';
    }
    ls_buf_free(&b);
}

void ls__s3_error_parse(const char *doc, size_t n, char *code, size_t code_cap, char *msg,
                        size_t msg_cap)
{
    ls__span_t e;
    if (doc == NULL || !ls__xml_find(doc, n, "Error", &e)) {
        e.p = doc;
        e.n = doc ? n : 0;
    }
    ls__xml_fixed(e.p, e.n, "Code", code, code_cap);
    ls__xml_fixed(e.p, e.n, "Message", msg, msg_cap);
}

static bool ls__span_u64(ls__span_t s, uint64_t *v)
{
    if (s.n == 0 || s.n > 20) {
        return false;
    }
    uint64_t x = 0;
    for (size_t i = 0; i < s.n; i++) {
        if (s.p[i] < '0' || s.p[i] > '9' || x > (UINT64_MAX - 9) / 10) {
            return false;
        }
        x = x * 10 + (uint64_t)(s.p[i] - '0');
    }
    *v = x;
    return true;
}

/* One <Contents> element: decode and hand to the callback. */
static ls_err_t ls__list_entry(ls__span_t c, const char *strip, ls_store_list_cb cb, void *ud,
                               ls_buf_t *key, ls_error_t *err)
{
    ls__span_t k, sz, lm;
    uint64_t size = 0;
    int64_t mtime = 0;
    if (!ls__xml_find(c.p, c.n, "Key", &k) || !ls__xml_find(c.p, c.n, "Size", &sz) ||
        !ls__span_u64(sz, &size)) {
        return ls_error_set(err, LS_ERR_PARSE, "S3 listing: an entry lacks a valid Key or Size");
    }
    if (ls__xml_find(c.p, c.n, "LastModified", &lm)) {
        ls__parse_iso8601_ms(lm.p, lm.n, &mtime);
    }
    ls_buf_reset(key);
    if (ls__xml_text(k, key) != LS_OK) {
        return ls_error_set(err, LS_ERR_NOMEM, "S3 listing: key too long or out of memory");
    }
    size_t sl = strlen(strip);
    if (key->len < sl || memcmp(key->data, strip, sl) != 0 || key->len == sl) {
        return LS_OK; /* outside our prefix: cannot happen with a correct server */
    }
    ls_store_entry_t e = {(const char *)key->data + sl, size, mtime};
    return cb(ud, &e, err);
}

ls_err_t ls__s3_list_parse(const char *doc, size_t n, const char *strip, ls_store_list_cb cb,
                           void *ud, bool *truncated, ls_buf_t *token, ls_error_t *err)
{
    ls__span_t root, s;
    if (!ls__xml_find(doc, n, "ListBucketResult", &root)) {
        return ls_error_set(err, LS_ERR_PARSE, "S3 listing: no ListBucketResult element");
    }
    *truncated = ls__xml_find(root.p, root.n, "IsTruncated", &s) && s.n == 4 &&
                 memcmp(s.p, "true", 4) == 0;
    ls_buf_reset(token);
    if (*truncated) {
        if (!ls__xml_find(root.p, root.n, "NextContinuationToken", &s) || s.n == 0) {
            return ls_error_set(err, LS_ERR_PARSE,
                                "S3 listing: truncated page without NextContinuationToken");
        }
        if (ls__xml_text(s, token) != LS_OK) {
            return ls_error_set(err, LS_ERR_NOMEM, "S3 listing: continuation token too long");
        }
    }
    ls_buf_t key;
    ls_buf_init(&key, 64u << 10);
    ls_err_t rc = LS_OK;
    const char *cur = root.p, *end = root.p + root.n;
    ls__span_t c;
    while (rc == LS_OK && ls__xml_next(&cur, end, "Contents", &c)) {
        rc = ls__list_entry(c, strip, cb, ud, &key, err);
    }
    ls_buf_free(&key);
    return rc;
}

/* ---- JSON (flat objects) ---- */

static size_t ls__json_ws(const char *s, size_t n, size_t i)
{
    while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n')) {
        i++;
    }
    return i;
}

static int ls__hex4(const char *s)
{
    int v = 0;
    for (int i = 0; i < 4; i++) {
        char c = s[i];
        int d = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                       : -1;
        if (d < 0) {
            return -1;
        }
        v = v * 16 + d;
    }
    return v;
}

/* Decode the JSON string starting at s[i] == '"' into @p out (if non-NULL); returns the index
 * after the closing quote, or 0 on malformed input. */
static size_t ls__json_str(const char *s, size_t n, size_t i, ls_buf_t *out)
{
    for (i++; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"') {
            return out == NULL || ls_buf_terminate(out) == LS_OK ? i + 1 : 0;
        }
        if (c < 0x20) {
            return 0;
        }
        if (c != '\\') {
            if (out != NULL && ls_buf_append_byte(out, c) != LS_OK) {
                return 0;
            }
            continue;
        }
        if (++i >= n) {
            return 0;
        }
        unsigned long cp;
        switch (s[i]) {
        case 'b': cp = '\b'; break;
        case 'f': cp = '\f'; break;
        case 'n': cp = '\n'; break;
        case 'r': cp = '\r'; break;
        case 't': cp = '\t'; break;
        case '"': case '\\': case '/': cp = (unsigned char)s[i]; break;
        case 'u': {
            int h = i + 4 < n ? ls__hex4(s + i + 1) : -1;
            if (h < 0) {
                return 0;
            }
            cp = (unsigned long)h;
            i += 4;
            if (cp >= 0xD800 && cp < 0xDC00 && i + 6 < n && s[i + 1] == '\\' && s[i + 2] == 'u') {
                int lo = ls__hex4(s + i + 3);
                if (lo >= 0xDC00 && lo < 0xE000) {
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (unsigned long)(lo - 0xDC00);
                    i += 6;
                }
            }
            break;
        }
        default: return 0;
        }
        if (out != NULL && ls__utf8_put(out, cp) != LS_OK) {
            return 0;
        }
    }
    return 0;
}

/* Skip any JSON value at s[i]; returns the index after it or 0. Depth-limited. */
static size_t ls__json_skip(const char *s, size_t n, size_t i)
{
    if (i >= n) {
        return 0;
    }
    if (s[i] == '"') {
        return ls__json_str(s, n, i, NULL);
    }
    int depth = 0;
    for (; i < n; i++) {
        char c = s[i];
        if (c == '"') {
            size_t j = ls__json_str(s, n, i, NULL);
            if (j == 0) {
                return 0;
            }
            i = j - 1;
        } else if (c == '{' || c == '[') {
            if (++depth > 64) {
                return 0;
            }
        } else if (c == '}' || c == ']') {
            if (depth == 0) {
                return i;
            }
            if (--depth == 0) {
                return i + 1;
            }
        } else if (c == ',' && depth == 0) {
            return i;
        }
    }
    return depth == 0 ? i : 0;
}

bool ls__json_string(const char *doc, size_t n, const char *key, ls_buf_t *out)
{
    size_t i = ls__json_ws(doc, n, 0);
    if (i >= n || doc[i] != '{') {
        return false;
    }
    ls_buf_t name;
    ls_buf_init(&name, 1024);
    bool found = false;
    for (i = ls__json_ws(doc, n, i + 1); i < n && doc[i] == '"' && !found;) {
        ls_buf_reset(&name);
        size_t j = ls__json_str(doc, n, i, &name);
        if (j == 0 || (j = ls__json_ws(doc, n, j)) >= n || doc[j] != ':') {
            break;
        }
        j = ls__json_ws(doc, n, j + 1);
        if (j < n && doc[j] == '"' && strcmp((const char *)name.data, key) == 0) {
            size_t old = out->len;
            found = ls__json_str(doc, n, j, out) != 0;
            if (!found) {
                out->len = old;
            }
            break;
        }
        if ((j = ls__json_skip(doc, n, j)) == 0) {
            break;
        }
        j = ls__json_ws(doc, n, j);
        if (j >= n || doc[j] != ',') {
            break;
        }
        i = ls__json_ws(doc, n, j + 1);
    }
    ls_buf_free(&name);
    return found;
}

/* ---- dates ---- */

/* Days since 1970-01-01 of a proleptic Gregorian date. */
static int64_t ls__days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? (unsigned)-3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static bool ls__digits(const char *s, size_t n, size_t at, size_t len, int *v)
{
    if (at + len > n) {
        return false;
    }
    int x = 0;
    for (size_t i = at; i < at + len; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return false;
        }
        x = x * 10 + (s[i] - '0');
    }
    *v = x;
    return true;
}

static bool ls__civil_ms(int y, int mo, int d, int h, int mi, int sec, int64_t *ms)
{
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) {
        return false;
    }
    int64_t days = ls__days_from_civil(y, (unsigned)mo, (unsigned)d);
    *ms = ((days * 24 + h) * 60 + mi) * 60000 + (int64_t)sec * 1000;
    return true;
}

bool ls__parse_iso8601_ms(const char *s, size_t n, int64_t *ms)
{
    int y, mo, d, h, mi, sec;
    if (!ls__digits(s, n, 0, 4, &y) || n < 19 || s[4] != '-' || !ls__digits(s, n, 5, 2, &mo) ||
        s[7] != '-' || !ls__digits(s, n, 8, 2, &d) || (s[10] != 'T' && s[10] != ' ') ||
        !ls__digits(s, n, 11, 2, &h) || s[13] != ':' || !ls__digits(s, n, 14, 2, &mi) ||
        s[16] != ':' || !ls__digits(s, n, 17, 2, &sec)) {
        return false;
    }
    int64_t frac = 0;
    size_t i = 19;
    if (i < n && s[i] == '.') {
        int scale = 100;
        for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
            frac += (s[i] - '0') * scale;
            scale /= 10;
        }
    }
    int64_t off = 0;
    if (i < n && (s[i] == '+' || s[i] == '-')) {
        int oh, om;
        if (!ls__digits(s, n, i + 1, 2, &oh) || i + 3 >= n || s[i + 3] != ':' ||
            !ls__digits(s, n, i + 4, 2, &om)) {
            return false;
        }
        off = (s[i] == '+' ? 1 : -1) * ((int64_t)oh * 60 + om) * 60000;
    }
    int64_t base;
    if (!ls__civil_ms(y, mo, d, h, mi, sec, &base)) {
        return false;
    }
    *ms = base + frac - off;
    return true;
}

bool ls__parse_http_date_ms(const char *s, size_t n, int64_t *ms)
{
    static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    /* "Wed, 21 Oct 2015 07:28:00 GMT" */
    int d, y, h, mi, sec;
    if (n < 29 || s[3] != ',' || !ls__digits(s, n, 5, 2, &d) || !ls__digits(s, n, 12, 4, &y) ||
        !ls__digits(s, n, 17, 2, &h) || !ls__digits(s, n, 20, 2, &mi) ||
        !ls__digits(s, n, 23, 2, &sec) || memcmp(s + 26, "GMT", 3) != 0) {
        return false;
    }
    int mo = 0;
    for (int i = 0; i < 12; i++) {
        if (memcmp(s + 8, months + 3 * i, 3) == 0) {
            mo = i + 1;
        }
    }
    return ls__civil_ms(y, mo, d, h, mi, sec, ms);
}

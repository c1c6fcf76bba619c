/*
 * scan.c — the CSV field scanner: finds field and record boundaries (RFC 4180: quoted
 * fields, "" escapes, LF or CRLF), validates UTF-8, counts newlines, and records the
 * first defect of a record while still finding where the record ends, so one bad
 * record never derails the next. Also header-name reading and error formatting.
 * Not responsible for: what a field means (decode.c, convert.c, infer.c).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "csv_int.h"
#include "lakesink/alloc.h"
#include "lakesink/utf8.h"

ls_err_t ls__csv_dialect_init(ls__csv_dialect_t *dl, const ls_csv_opts_t *o, ls_error_t *err)
{
    char dc = o->delimiter, qc = o->quote;
    if (dc == '\n' || dc == '\r' || dc == '\0' || dc == qc || (unsigned char)dc >= 0x80 ||
        qc == '\n' || qc == '\r' || (unsigned char)qc >= 0x80) {
        return ls_error_set(err, LS_ERR_INVALID_ARG,
                            "CSV delimiter and quote must be distinct ASCII characters other "
                            "than CR and LF (the delimiter not NUL)");
    }
    memset(dl->cls, LS__CC_PLAIN, sizeof(dl->cls));
    for (int c = 0x80; c < 256; c++) {
        dl->cls[c] = LS__CC_HIGH;
    }
    dl->cls['\n'] = LS__CC_LF;
    dl->cls['\r'] = LS__CC_CR;
    dl->cls[(unsigned char)dc] = LS__CC_DELIM;
    if (qc != '\0') {
        dl->cls[(unsigned char)qc] = LS__CC_QUOTE;
    }
    dl->delim = dc;
    dl->quote = qc;
    dl->max_record = o->max_record_bytes ? o->max_record_bytes : (size_t)16 << 20;
    dl->max_columns = o->max_columns ? o->max_columns : 16384;
    return LS_OK;
}

void ls__csv_scan_init(ls__csv_scan_t *sc, const ls__csv_dialect_t *dl, const char *p,
                       const char *end, bool eof)
{
    memset(sc, 0, offsetof(ls__csv_scan_t, emsg));
    sc->emsg[0] = '\0';
    sc->dl = dl;
    sc->p = p;
    sc->end = end;
    sc->rec = p;
    sc->eof = eof;
}

const char *ls__csv_skip_bom(const char *p, const char *end)
{
    if (end - p >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) {
        return p + 3;
    }
    return p;
}

size_t ls__csv_skip_blank(ls__csv_scan_t *sc)
{
    size_t n = 0;
    const char *p = sc->p, *end = sc->end;
    for (;;) {
        if (p < end && *p == '\n') {
            p++;
        } else if (end - p >= 2 && p[0] == '\r' && p[1] == '\n') {
            p += 2;
        } else {
            if (p + 1 == end && *p == '\r' && !sc->eof) {
                sc->incomplete = true;
            }
            break;
        }
        n++;
    }
    sc->p = p;
    return n;
}

void ls__csv_rec_begin(ls__csv_scan_t *sc)
{
    sc->rec = sc->p;
    sc->nl = 0;
    sc->code = LS_OK;
    sc->epos = NULL;
    sc->ecol = 0;
    sc->emsg[0] = '\0';
    sc->incomplete = false;
}

void ls__csv_fail(ls__csv_scan_t *sc, ls_err_t code, const char *pos, uint32_t col,
                  const char *fmt, ...)
{
    if (sc->code != LS_OK) {
        return;
    }
    sc->code = code;
    sc->epos = pos;
    sc->ecol = col;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(sc->emsg, sizeof(sc->emsg), fmt, ap);
    va_end(ap);
}

/*
 * Unquoted text from @p q to the field's terminator. Returns the terminator's first
 * byte (or end); *tlen is the terminator's length (0 at end of input).
 */
static const char *ls__scan_plain(ls__csv_scan_t *sc, const char *q, uint32_t col, size_t *tlen)
{
    const uint8_t *cls = sc->dl->cls;
    const char *end = sc->end;
    while (q < end) {
        uint8_t k = cls[(unsigned char)*q];
        if (k == LS__CC_PLAIN) {
            q++;
            continue;
        }
        switch (k) {
        case LS__CC_DELIM: *tlen = 1; return q;
        case LS__CC_LF: *tlen = 1; return q;
        case LS__CC_CR:
            if (end - q >= 2 && q[1] == '\n') {
                *tlen = 2;
                return q;
            }
            if (q + 1 < end || sc->eof) {
                ls__csv_fail(sc, LS_ERR_PARSE, q, col, "carriage return not followed by a line feed");
            }
            q++;
            break;
        case LS__CC_QUOTE:
            ls__csv_fail(sc, LS_ERR_PARSE, q, col, "quote inside an unquoted field");
            q++;
            break;
        default: { /* LS__CC_HIGH */
            size_t n = ls_utf8_seq((const uint8_t *)q, (const uint8_t *)end);
            if (n == 0) {
                ls__csv_fail(sc, LS_ERR_PARSE, q, col, "invalid UTF-8");
                n = 1;
            }
            q += n;
            break;
        }
        }
    }
    *tlen = 0;
    return q;
}

/* Quoted text after the opening quote at @p q. Returns the closing quote, or NULL when
 * the input ends first. */
static const char *ls__scan_quoted(ls__csv_scan_t *sc, const char *q, uint32_t col, bool *esc)
{
    const char *end = sc->end;
    char quote = sc->dl->quote;
    while (q < end) {
        unsigned char c = (unsigned char)*q;
        if (c == (unsigned char)quote) {
            if (q + 1 < end && q[1] == quote) {
                *esc = true;
                q += 2;
                continue;
            }
            if (q + 1 == end && !sc->eof) {
                return NULL; /* may be the first half of "" */
            }
            return q;
        }
        if (c < 0x80) {
            sc->nl += c == '\n';
            q++;
            continue;
        }
        size_t n = ls_utf8_seq((const uint8_t *)q, (const uint8_t *)end);
        if (n == 0) {
            ls__csv_fail(sc, LS_ERR_PARSE, q, col, "invalid UTF-8");
            n = 1;
        }
        q += n;
    }
    return NULL;
}

/* Consume the terminator at @p t (length @p tlen) and set f->last. */
static void ls__terminate(ls__csv_scan_t *sc, ls__csv_field_t *f, const char *t, size_t tlen)
{
    if (tlen == 0) {
        f->last = true;
        sc->p = t;
    } else {
        f->last = *t != sc->dl->delim;
        sc->nl += f->last;
        sc->p = t + tlen;
    }
}

bool ls__csv_next_field(ls__csv_scan_t *sc, ls__csv_field_t *f, uint32_t col)
{
    const char *p = sc->p, *t;
    size_t tlen;
    f->pos = p;
    f->quoted = false;
    f->escaped = false;
    if (p < sc->end && sc->dl->quote != '\0' && *p == sc->dl->quote) {
        f->quoted = true;
        const char *close = ls__scan_quoted(sc, p + 1, col, &f->escaped);
        if (close == NULL) {
            if (!sc->eof) {
                sc->incomplete = true;
                return false;
            }
            ls__csv_fail(sc, LS_ERR_PARSE, p, col, "unterminated quoted field");
            f->s = p + 1;
            f->n = (size_t)(sc->end - p - 1);
            f->last = true;
            sc->p = sc->end;
            return true;
        }
        f->s = p + 1;
        f->n = (size_t)(close - p - 1);
        t = ls__scan_plain(sc, close + 1, col, &tlen);
        if (t != close + 1) {
            ls__csv_fail(sc, LS_ERR_PARSE, close + 1, col, "unexpected data after a closing quote");
        }
    } else {
        t = ls__scan_plain(sc, p, col, &tlen);
        f->s = p;
        f->n = (size_t)(t - p);
    }
    if (tlen == 0 && !sc->eof) {
        sc->incomplete = true;
        return false;
    }
    ls__terminate(sc, f, t, tlen);
    if ((size_t)(sc->p - sc->rec) > sc->dl->max_record) {
        ls__csv_fail(sc, LS_ERR_PARSE, p, col, "record longer than the limit of %zu bytes",
                     sc->dl->max_record);
    }
    if ((size_t)col >= sc->dl->max_columns) {
        ls__csv_fail(sc, LS_ERR_PARSE, p, col, "more than the limit of %zu fields",
                     sc->dl->max_columns);
    }
    return true;
}

size_t ls__csv_unescape(const char *s, size_t n, char quote, char *out)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        out[k++] = s[i];
        if (s[i] == quote && i + 1 < n && s[i + 1] == quote) {
            i++;
        }
    }
    return k;
}

ls_err_t ls__csv_report(const ls__csv_scan_t *sc, size_t line, const char *colname,
                        ls_error_t *err)
{
    size_t off = (size_t)(sc->epos - sc->rec);
    if (colname != NULL) {
        return ls_error_set(err, sc->code, "line %zu, column %u (%.64s): byte %zu of the record: %s",
                            line, sc->ecol + 1, colname, off, sc->emsg);
    }
    return ls_error_set(err, sc->code, "line %zu, column %u: byte %zu of the record: %s", line,
                        sc->ecol + 1, off, sc->emsg);
}

void ls__csv_free_names(char **names, size_t n)
{
    if (names == NULL) {
        return;
    }
    for (size_t i = 0; i < n; i++) {
        ls_free(names[i]);
    }
    ls_free(names);
}

/* Append a copy of field @p f (unescaped) to the growing name array. */
static ls_err_t ls__add_name(const ls__csv_scan_t *sc, const ls__csv_field_t *f, char ***names,
                             size_t *n, size_t *cap)
{
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 16;
        char **nn = ls_reallocarray(*names, nc, sizeof(*nn));
        if (nn == NULL) {
            return LS_ERR_NOMEM;
        }
        *names = nn;
        *cap = nc;
    }
    char *s = ls_malloc(f->n + 1);
    if (s == NULL) {
        return LS_ERR_NOMEM;
    }
    size_t k = f->escaped ? ls__csv_unescape(f->s, f->n, sc->dl->quote, s) : f->n;
    if (!f->escaped && f->n > 0) {
        memcpy(s, f->s, f->n);
    }
    s[k] = '\0';
    (*names)[(*n)++] = s;
    return LS_OK;
}

ls_err_t ls__csv_read_names(ls__csv_scan_t *sc, size_t first_line, char ***names, size_t *n,
                            size_t *lines, ls_error_t *err)
{
    const char *start = sc->p;
    size_t skipped = ls__csv_skip_blank(sc), cap = 0;
    *names = NULL;
    *n = 0;
    if (sc->p == sc->end) {
        sc->p = start;
        if (!sc->eof || sc->incomplete) {
            return LS_ERR_STATE;
        }
        return ls_error_set(err, LS_ERR_PARSE, "line %zu: no header record", first_line + skipped);
    }
    ls__csv_rec_begin(sc);
    ls__csv_field_t f;
    ls_err_t rc = LS_OK;
    for (uint32_t col = 0;; col++) {
        if (!ls__csv_next_field(sc, &f, col)) {
            rc = LS_ERR_STATE;
            break;
        }
        if (sc->code == LS_OK && (rc = ls__add_name(sc, &f, names, n, &cap)) != LS_OK) {
            ls_error_set(err, rc, "out of memory reading the CSV header");
            break;
        }
        if (f.last) {
            break;
        }
    }
    if (rc == LS_OK && sc->code != LS_OK) {
        rc = ls__csv_report(sc, first_line + skipped, NULL, err);
        ls_error_prefix(err, "header: ");
    }
    if (rc != LS_OK) {
        ls__csv_free_names(*names, *n);
        *names = NULL;
        *n = 0;
        sc->p = start;
        return rc;
    }
    *lines = skipped + sc->nl;
    return LS_OK;
}

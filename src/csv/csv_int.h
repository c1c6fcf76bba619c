/*
 * csv_int.h — private interface between the files of the CSV module: the dialect and
 * field scanner (scan.c), text-to-column conversion and value classification
 * (convert.c), the decoder (decode.c) and inference (infer.c).
 *
 * Ownership: scanner state and fields point into the caller's input and are valid only
 * while it is. Nothing here allocates except ls__csv_read_names (documented there).
 */
#ifndef LS_CSV_INT_H
#define LS_CSV_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lakesink/columnar.h"
#include "lakesink/csv.h"
#include "lakesink/error.h"

/* Byte classes of the unquoted scan (0 = ordinary byte). */
enum { LS__CC_PLAIN = 0, LS__CC_DELIM, LS__CC_LF, LS__CC_CR, LS__CC_QUOTE, LS__CC_HIGH };

typedef struct ls__csv_dialect_s {
    uint8_t cls[256];
    char delim, quote; /* quote '\0': quoting disabled */
    size_t max_record;
    size_t max_columns;
} ls__csv_dialect_t;

/* One scanned field. For a quoted field [s, s+n) is the text between the quotes, with
 * "" pairs still doubled when `escaped` (ls__csv_unescape removes them). */
typedef struct ls__csv_field_s {
    const char *s;
    size_t n;
    const char *pos; /* first byte of the field (the opening quote when quoted) */
    bool quoted;
    bool escaped;
    bool last; /* the field ends its record */
} ls__csv_field_t;

/* Scanner over one buffer. The first error of the current record is kept; scanning
 * goes on to the record's end so that the next record starts at the right byte. */
typedef struct ls__csv_scan_s {
    const ls__csv_dialect_t *dl;
    const char *p, *end;
    const char *rec; /* start of the current record */
    bool eof;        /* @c end is the end of the input */
    bool incomplete; /* input ended inside a record while !eof */
    size_t nl;       /* newlines consumed by the current record */
    ls_err_t code;   /* LS_OK while the record is good */
    const char *epos;
    uint32_t ecol; /* 0-based column of the error */
    char emsg[320];
} ls__csv_scan_t;

/* Class table and limits from the options; LS_ERR_INVALID_ARG for a bad delimiter/quote. */
ls_err_t ls__csv_dialect_init(ls__csv_dialect_t *dl, const ls_csv_opts_t *o, ls_error_t *err);
/* Position @p sc at @p p for a new buffer. */
void ls__csv_scan_init(ls__csv_scan_t *sc, const ls__csv_dialect_t *dl, const char *p,
                       const char *end, bool eof);
/* Skip blank lines at the cursor; returns the number skipped. Sets sc->incomplete when
 * the input ends in a CR that may start a CRLF. */
size_t ls__csv_skip_blank(ls__csv_scan_t *sc);
/* Start a record at the cursor (clears the error state). */
void ls__csv_rec_begin(ls__csv_scan_t *sc);
/* Scan field number @p col (0-based) at the cursor and move past its terminator.
 * Returns false only when the record is incomplete (sc->incomplete). */
bool ls__csv_next_field(ls__csv_scan_t *sc, ls__csv_field_t *f, uint32_t col);
/* Record the record's first error (later ones are ignored). */
void ls__csv_fail(ls__csv_scan_t *sc, ls_err_t code, const char *pos, uint32_t col,
                  const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Copy [s, s+n) to @p out (room for n bytes) turning "" into "; returns bytes written. */
size_t ls__csv_unescape(const char *s, size_t n, char quote, char *out);
/* Skip a UTF-8 BOM at the start of [p, end). */
const char *ls__csv_skip_bom(const char *p, const char *end);
/* Format the record error into @p err: "line N, column C (name): byte B of the record: why". */
ls_err_t ls__csv_report(const ls__csv_scan_t *sc, size_t line, const char *colname,
                        ls_error_t *err);

/*
 * Read one record as a list of names (the header) at sc's cursor. On success *names is
 * an array of *n NUL-terminated copies (caller frees with ls__csv_free_names).
 * Returns LS_OK; LS_ERR_STATE with nothing consumed when the record is incomplete;
 * LS_ERR_PARSE (no record at all, or a malformed one); LS_ERR_LIMIT; LS_ERR_NOMEM.
 * *lines receives the lines consumed.
 */
ls_err_t ls__csv_read_names(ls__csv_scan_t *sc, size_t first_line, char ***names, size_t *n,
                            size_t *lines, ls_error_t *err);
void ls__csv_free_names(char **names, size_t n);

/* Column conversion (convert.c). */
typedef struct ls__csv_col_s {
    int32_t leaf; /* batch column, -1 = ignored */
    ls_type_kind_t kind;
    bool nullable;
    const ls_type_t *type;
    const char *name; /* schema field name (borrowed from the layout), or NULL */
} ls__csv_col_t;

/* True when columns of type @p t can be filled from text. */
bool ls__csv_type_supported(const ls_type_t *t);
/*
 * Convert [s, s+n) for column @p c and push it to @p b. @p scratch (>= n bytes) is used
 * for base64. Returns LS_OK, LS_ERR_SCHEMA with *why set to what was expected,
 * LS_ERR_NOMEM or LS_ERR_LIMIT.
 */
ls_err_t ls__csv_push_text(ls_batch_t *b, const ls__csv_col_t *c, const char *s, size_t n,
                           uint8_t *scratch, const char **why);

/* Classes of a text value for inference (a bitmask). */
enum {
    LS__CV_INT = 1u << 0,  /* integer literal that fits int64 */
    LS__CV_NUM = 1u << 1,  /* any finite number, or NaN / Infinity / -Infinity */
    LS__CV_BOOL = 1u << 2, /* true / false, any case */
    LS__CV_DATE = 1u << 3, /* YYYY-MM-DD */
    LS__CV_TS = 1u << 4,   /* ISO-8601 timestamp (dates included) */
    LS__CV_ZONE = 1u << 5  /* ... with a zone offset */
};
unsigned ls__csv_classify(const char *s, size_t n);
/* true/false in any case: 1 / 0, or -1. */
int ls__csv_bool(const char *s, size_t n);

#endif

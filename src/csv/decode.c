/*
 * decode.c — the schema-directed CSV decoder: maps CSV columns to top-level schema
 * fields (by header name or by position), then decodes records in one pass, writing
 * each field straight into its column (quoted fields without "" are copied from the
 * input; only fields with "" escapes or base64 go through a scratch buffer). A bad
 * record is rolled back and reported with its line, column and byte.
 * Not responsible for: field boundaries (scan.c) or value conversion (convert.c).
 */
#include <string.h>

#include "csv_int.h"
#include "lakesink/alloc.h"

struct ls_csv_decoder_s {
    const ls_layout_t *layout;
    ls_csv_opts_t opts;
    ls__csv_dialect_t dl;
    char *nulls[LS_CSV_MAX_NULL_STRINGS]; /* owned copies of opts.null_strings */
    size_t null_len[LS_CSV_MAX_NULL_STRINGS];
    bool have_header;
    bool at_start; /* nothing consumed yet: a BOM may follow */
    size_t ncols;  /* CSV columns expected per record */
    ls__csv_col_t *cols;
    size_t nmissing; /* schema leaves no column feeds: null in every row */
    int32_t *missing;
    uint64_t unknown;
    uint8_t *scratch;
    size_t scratch_cap;
};

void ls_csv_opts_init(ls_csv_opts_t *o)
{
    memset(o, 0, sizeof(*o));
    o->delimiter = ',';
    o->quote = '"';
    o->header = true;
    o->unknown_columns = LS_CSV_UNKNOWN_IGNORE;
    o->empty_is_null = true;
    o->max_record_bytes = (size_t)16 << 20;
    o->max_columns = 16384;
}

void ls_csv_decoder_free(ls_csv_decoder_t *d)
{
    if (d == NULL) {
        return;
    }
    for (size_t i = 0; i < LS_CSV_MAX_NULL_STRINGS; i++) {
        ls_free(d->nulls[i]);
    }
    ls_free(d->cols);
    ls_free(d->missing);
    ls_free(d->scratch);
    ls_free(d);
}

static void ls__col_for_node(ls__csv_col_t *c, const ls_node_t *n)
{
    c->leaf = n->leaf;
    c->kind = n->type->kind;
    c->type = n->type;
    c->nullable = n->nullable;
    c->name = n->name;
}

/* Check the schema is flat and, without a header, map columns by position. */
static ls_err_t ls__plan(ls_csv_decoder_t *d, ls_error_t *err)
{
    const ls_node_t *root = d->layout->root;
    for (uint32_t i = 0; i < root->nchildren; i++) {
        const ls_node_t *n = root->children[i];
        if (!ls__csv_type_supported(n->type) || n->leaf < 0) {
            char t[64];
            ls_type_describe(n->type, t, sizeof(t));
            return ls_error_set(err, LS_ERR_SCHEMA,
                                "CSV: field %.64s has type %s; only top-level primitive "
                                "columns are supported", n->name, t);
        }
    }
    d->missing = ls_calloc(root->nchildren + 1, sizeof(*d->missing));
    d->cols = ls_calloc(root->nchildren + 1, sizeof(*d->cols));
    if (d->missing == NULL || d->cols == NULL) {
        return ls_error_set(err, LS_ERR_NOMEM, "out of memory creating the CSV decoder");
    }
    if (!d->opts.header) {
        d->ncols = root->nchildren;
        for (uint32_t i = 0; i < root->nchildren; i++) {
            ls__col_for_node(&d->cols[i], root->children[i]);
        }
        d->have_header = true;
    }
    return LS_OK;
}

ls_csv_decoder_t *ls_csv_decoder_new(const ls_layout_t *layout, const ls_csv_opts_t *opts,
                                     ls_error_t *err)
{
    if (layout == NULL || layout->root == NULL) {
        ls_error_set(err, LS_ERR_INVALID_ARG, "CSV decoder needs a layout");
        return NULL;
    }
    ls_csv_decoder_t *d = ls_calloc(1, sizeof(*d));
    if (d == NULL) {
        ls_error_set(err, LS_ERR_NOMEM, "out of memory creating the CSV decoder");
        return NULL;
    }
    d->layout = layout;
    if (opts != NULL) {
        d->opts = *opts;
    } else {
        ls_csv_opts_init(&d->opts);
    }
    d->at_start = true;
    ls_err_t rc = ls__csv_dialect_init(&d->dl, &d->opts, err);
    if (rc == LS_OK && d->opts.n_null_strings > LS_CSV_MAX_NULL_STRINGS) {
        rc = ls_error_set(err, LS_ERR_INVALID_ARG, "at most %d CSV null strings",
                          LS_CSV_MAX_NULL_STRINGS);
    }
    for (size_t i = 0; rc == LS_OK && i < d->opts.n_null_strings; i++) {
        const char *s = d->opts.null_strings[i] ? d->opts.null_strings[i] : "";
        d->opts.null_strings[i] = NULL; /* borrowed: never used after this call */
        if ((d->nulls[i] = ls_strdup(s)) == NULL) {
            rc = ls_error_set(err, LS_ERR_NOMEM, "out of memory creating the CSV decoder");
        } else {
            d->null_len[i] = strlen(s);
        }
    }
    if (rc == LS_OK) {
        rc = ls__plan(d, err);
    }
    if (rc != LS_OK) {
        ls_csv_decoder_free(d);
        return NULL;
    }
    return d;
}

uint64_t ls_csv_decoder_unknown_columns(const ls_csv_decoder_t *d)
{
    return d->unknown;
}

bool ls_csv_decoder_has_header(const ls_csv_decoder_t *d)
{
    return d->have_header;
}

/* ---------------------------------------------------------------- header */

/* Column i of the header: its schema field (marked in @p used), or unknown. */
static ls_err_t ls__map_one(ls_csv_decoder_t *d, ls__csv_col_t *c, const char *name, size_t i,
                            bool *used, ls_error_t *err)
{
    const ls_node_t *root = d->layout->root;
    c->leaf = -1;
    for (uint32_t k = 0; k < root->nchildren; k++) {
        if (strcmp(root->children[k]->name, name) != 0) {
            continue;
        }
        if (used[k]) {
            return ls_error_set(err, LS_ERR_SCHEMA, "CSV header: column %zu repeats the name %.64s",
                                i + 1, name);
        }
        used[k] = true;
        ls__col_for_node(c, root->children[k]);
        return LS_OK;
    }
    if (d->opts.unknown_columns == LS_CSV_UNKNOWN_ERROR) {
        return ls_error_set(err, LS_ERR_SCHEMA, "CSV header: column %zu (%.64s) is not in the schema",
                            i + 1, name);
    }
    return LS_OK;
}

/* Map the header names onto schema fields; fill cols and missing. */
static ls_err_t ls__map_header(ls_csv_decoder_t *d, char **names, size_t n, ls_error_t *err)
{
    const ls_node_t *root = d->layout->root;
    ls__csv_col_t *cols = ls_calloc(n + 1, sizeof(*cols));
    bool *used = ls_calloc(root->nchildren + 1, sizeof(*used));
    ls_err_t rc = LS_OK;
    if (cols == NULL || used == NULL) {
        rc = ls_error_set(err, LS_ERR_NOMEM, "out of memory mapping the CSV header");
    }
    uint64_t unknown = 0;
    for (size_t i = 0; i < n && rc == LS_OK; i++) {
        rc = ls__map_one(d, &cols[i], names[i], i, used, err);
        unknown += cols[i].leaf < 0;
    }
    size_t nmiss = 0;
    for (uint32_t k = 0; k < root->nchildren && rc == LS_OK; k++) {
        const ls_node_t *f = root->children[k];
        if (used[k]) {
            continue;
        }
        if (!f->nullable) {
            rc = ls_error_set(err, LS_ERR_SCHEMA,
                              "CSV header has no column for the non-nullable field %.64s", f->name);
        }
        d->missing[nmiss++] = f->leaf;
    }
    ls_free(used);
    if (rc != LS_OK) {
        ls_free(cols);
        return rc;
    }
    d->nmissing = nmiss;
    ls_free(d->cols);
    d->cols = cols;
    d->ncols = n;
    d->unknown = unknown;
    d->have_header = true;
    return LS_OK;
}

/* Read the header at the scanner's cursor. LS_ERR_STATE: incomplete (partial input). */
static ls_err_t ls__header(ls_csv_decoder_t *d, ls__csv_scan_t *sc, size_t first_line,
                           size_t *lines, ls_error_t *err)
{
    char **names;
    size_t n;
    LS_TRY(ls__csv_read_names(sc, first_line, &names, &n, lines, err));
    ls_err_t rc = ls__map_header(d, names, n, err);
    ls__csv_free_names(names, n);
    return rc;
}

ls_err_t ls_csv_read_header(ls_csv_decoder_t *d, const char *data, size_t len, size_t *consumed,
                            ls_error_t *err)
{
    size_t dummy, lines;
    size_t *used = consumed ? consumed : &dummy;
    *used = 0;
    if (!d->opts.header) {
        return ls_error_set(err, LS_ERR_STATE, "CSV decoder is configured without a header");
    }
    if (data == NULL) {
        data = "";
        len = 0;
    }
    ls__csv_scan_t sc;
    const char *p = d->at_start ? ls__csv_skip_bom(data, data + len) : data;
    ls__csv_scan_init(&sc, &d->dl, p, data + len, true);
    LS_TRY(ls__header(d, &sc, 1, &lines, err));
    d->at_start = false;
    *used = (size_t)(sc.p - data);
    return LS_OK;
}

/* ---------------------------------------------------------------- records */

static bool ls__is_null(const ls_csv_decoder_t *d, const ls__csv_field_t *f)
{
    if (f->quoted) {
        return false;
    }
    if (f->n == 0 && d->opts.empty_is_null) {
        return true;
    }
    for (size_t i = 0; i < d->opts.n_null_strings; i++) {
        if (d->null_len[i] == f->n && memcmp(d->nulls[i], f->s, f->n) == 0) {
            return true;
        }
    }
    return false;
}

/* Push field @p f of column @p ci; errors go to the scanner (batch cap: *full). */
static void ls__field(ls_csv_decoder_t *d, ls_batch_t *b, ls__csv_scan_t *sc,
                      const ls__csv_field_t *f, uint32_t ci, bool *full)
{
    const ls__csv_col_t *c = &d->cols[ci];
    const char *why = NULL;
    const char *s = f->s;
    size_t n = f->n;
    ls_err_t rc;
    if (ls__is_null(d, f)) {
        if (!c->nullable) {
            ls__csv_fail(sc, LS_ERR_SCHEMA, f->pos, ci, "null in a non-nullable column");
            return;
        }
        rc = ls_col_push_null(b, &b->cols[c->leaf], 0, 0);
    } else {
        if (f->escaped || c->kind == LS_TYPE_BINARY || c->kind == LS_TYPE_FIXED) {
            if (n + 16 > d->scratch_cap) {
                uint8_t *ns = ls_realloc(d->scratch, n + 16);
                if (ns == NULL) {
                    ls__csv_fail(sc, LS_ERR_NOMEM, f->pos, ci, "out of memory");
                    return;
                }
                d->scratch = ns;
                d->scratch_cap = n + 16;
            }
        }
        if (f->escaped) {
            n = ls__csv_unescape(s, n, d->dl.quote, (char *)d->scratch);
            s = (const char *)d->scratch;
        }
        rc = ls__csv_push_text(b, c, s, n, d->scratch, &why);
    }
    if (rc == LS_ERR_SCHEMA) {
        char t[64];
        ls_type_describe(c->type, t, sizeof(t));
        ls__csv_fail(sc, rc, f->pos, ci, "\"%.*s%s\" is not a valid %s value (%s)",
                     n > 40 ? 40 : (int)n, s, n > 40 ? "..." : "", t, why);
    } else if (rc == LS_ERR_LIMIT) {
        *full = true;
        ls__csv_fail(sc, rc, f->pos, ci, "batch memory cap of %zu bytes reached", b->max_bytes);
    } else if (rc != LS_OK) {
        ls__csv_fail(sc, rc, f->pos, ci, "column push failed: %s", ls_err_str(rc));
    }
}

/* One record at the cursor into a new row. Returns false when incomplete; otherwise the
 * row is committed (sc->code == LS_OK) or rolled back. */
static bool ls__record(ls_csv_decoder_t *d, ls_batch_t *b, ls__csv_scan_t *sc, bool *full)
{
    ls__csv_field_t f;
    uint32_t col = 0;
    ls__csv_rec_begin(sc);
    ls_batch_row_begin(b);
    for (;; col++) {
        if (!ls__csv_next_field(sc, &f, col)) {
            ls_batch_row_abort(b);
            return false;
        }
        if (sc->code == LS_OK) {
            if (col >= d->ncols) {
                ls__csv_fail(sc, LS_ERR_PARSE, f.pos, col, "too many fields (expected %zu)",
                             d->ncols);
            } else if (d->cols[col].leaf >= 0) {
                ls__field(d, b, sc, &f, col, full);
            }
        }
        if (f.last) {
            break;
        }
    }
    if (sc->code == LS_OK && col + 1 < d->ncols) {
        ls__csv_fail(sc, LS_ERR_PARSE, sc->p, col, "%u fields, expected %zu", col + 1, d->ncols);
    }
    for (size_t i = 0; i < d->nmissing && sc->code == LS_OK; i++) {
        ls_err_t rc = ls_col_push_null(b, &b->cols[d->missing[i]], 0, 0);
        if (rc != LS_OK) {
            *full = rc == LS_ERR_LIMIT;
            ls__csv_fail(sc, rc, sc->p, col, "%s", ls_err_str(rc));
        }
    }
    if (sc->code != LS_OK) {
        ls_batch_row_abort(b);
    } else {
        ls_batch_row_commit(b);
    }
    return true;
}

static const char *ls__colname(const ls_csv_decoder_t *d, uint32_t col)
{
    return col < d->ncols ? d->cols[col].name : NULL;
}

typedef struct ls__run_s {
    ls_csv_bad_row_fn bad;
    void *bad_ctx;
    size_t *used;
    ls_error_t *err;
} ls__run_t;

/* A rejected record: stop (batch full, no callback, callback says stop) or go on. */
static ls_err_t ls__reject(ls_csv_decoder_t *d, ls_batch_t *b, const ls__csv_scan_t *sc,
                           const char *data, size_t line, bool full, const ls__run_t *r)
{
    size_t rs = (size_t)(sc->rec - data);
    if (full && b->nrows > 0) {
        *r->used = rs; /* the caller resumes at this record with a fresh batch */
        return ls_error_set(r->err, LS_ERR_LIMIT, "line %zu: batch memory cap reached", line);
    }
    ls_error_t lerr;
    ls_err_t rc = ls__csv_report(sc, line, ls__colname(d, sc->ecol), &lerr);
    if (rc == LS_ERR_NOMEM) { /* not the record's fault: stop, the caller may retry it */
        *r->used = rs;
        return ls__csv_report(sc, line, ls__colname(d, sc->ecol), r->err);
    }
    if (r->bad == NULL || (rc = r->bad(r->bad_ctx, line, rs, &lerr)) != LS_OK) {
        if (r->err != NULL) {
            *r->err = lerr;
            r->err->code = rc;
        }
        *r->used = r->bad == NULL ? rs : (size_t)(sc->p - data);
        return rc;
    }
    return LS_OK;
}

static ls_err_t ls__decode(ls_csv_decoder_t *d, ls_batch_t *b, const char *data, size_t len,
                           size_t line, bool eof, const ls__run_t *r)
{
    if (b == NULL || b->layout == NULL || b->ncols != d->layout->nleaves ||
        (data == NULL && len > 0)) {
        return ls_error_set(r->err, LS_ERR_INVALID_ARG, "batch does not match the CSV decoder");
    }
    if (data == NULL) {
        data = "";
    }
    ls__csv_scan_t sc;
    const char *p = d->at_start ? ls__csv_skip_bom(data, data + len) : data;
    ls__csv_scan_init(&sc, &d->dl, p, data + len, eof);
    ls__csv_scan_t probe = sc;
    ls__csv_skip_blank(&probe);
    if (!d->have_header && probe.p != probe.end && !probe.incomplete) {
        size_t lines; /* nothing but blank lines: no header yet, and no error either */
        ls_err_t rc = ls__header(d, &sc, line, &lines, r->err);
        if (rc == LS_ERR_STATE) {
            return LS_OK; /* the header is not complete yet */
        }
        LS_TRY(rc);
        line += lines;
    }
    for (;;) {
        line += ls__csv_skip_blank(&sc);
        d->at_start = d->at_start && sc.p == data;
        *r->used = (size_t)(sc.p - data);
        if (sc.p == sc.end || sc.incomplete) {
            return LS_OK;
        }
        bool full = false;
        if (!ls__record(d, b, &sc, &full)) {
            if ((size_t)(sc.end - sc.rec) > d->dl.max_record) {
                return ls_error_set(r->err, LS_ERR_PARSE,
                                    "line %zu: unterminated record longer than %zu bytes", line,
                                    d->dl.max_record);
            }
            return LS_OK;
        }
        if (sc.code != LS_OK) {
            LS_TRY(ls__reject(d, b, &sc, data, line, full, r));
        }
        line += sc.nl;
    }
}

ls_err_t ls_csv_decode(ls_csv_decoder_t *d, ls_batch_t *b, const char *data, size_t len,
                       size_t first_line, ls_csv_bad_row_fn bad, void *bad_ctx, size_t *consumed,
                       ls_error_t *err)
{
    size_t dummy;
    ls__run_t r = {bad, bad_ctx, consumed ? consumed : &dummy, err};
    *r.used = 0;
    return ls__decode(d, b, data, len, first_line, true, &r);
}

ls_err_t ls_csv_decode_partial(ls_csv_decoder_t *d, ls_batch_t *b, const char *data, size_t len,
                               size_t first_line, ls_csv_bad_row_fn bad, void *bad_ctx,
                               size_t *consumed, ls_error_t *err)
{
    size_t dummy;
    ls__run_t r = {bad, bad_ctx, consumed ? consumed : &dummy, err};
    *r.used = 0;
    return ls__decode(d, b, data, len, first_line, false, &r);
}

/*
 * infer.c — CSV schema inference: column names from the header (or c1, c2, ...), and
 * per column the intersection of the value classes (convert.c) of its non-null values,
 * which picks the narrowest type every value fits: long, double, boolean, date,
 * timestamp / timestamp_ntz, else string. Every column is nullable.
 * Not responsible for: decoding (decode.c); the null rules are the decoder's.
 */
#include <stdio.h>
#include <string.h>

#include "csv_int.h"
#include "lakesink/alloc.h"

#define LS__CV_ALL (LS__CV_INT | LS__CV_NUM | LS__CV_BOOL | LS__CV_DATE | LS__CV_TS)

struct ls_csv_infer_s {
    ls_csv_opts_t opts;
    ls__csv_dialect_t dl;
    ls_err_t init_rc; /* a bad option, reported by the first call */
    char *nulls[LS_CSV_MAX_NULL_STRINGS];
    size_t null_len[LS_CSV_MAX_NULL_STRINGS];
    bool at_start;
    bool have_cols;
    size_t ncols;
    char **names;     /* ncols header names (NULL entries without a header) */
    unsigned *mask;   /* per column: classes every value had so far */
    bool *any_value;  /* per column: a non-null value was seen */
    bool *any_zone;   /* per column: a timestamp with a zone was seen */
    size_t line;      /* lines consumed so far (for messages) */
};

ls_csv_infer_t *ls_csv_infer_new(const ls_csv_opts_t *opts)
{
    ls_csv_infer_t *inf = ls_calloc(1, sizeof(*inf));
    if (inf == NULL) {
        return NULL;
    }
    if (opts != NULL) {
        inf->opts = *opts;
    } else {
        ls_csv_opts_init(&inf->opts);
    }
    inf->at_start = true;
    inf->line = 1;
    inf->init_rc = ls__csv_dialect_init(&inf->dl, &inf->opts, NULL);
    if (inf->opts.n_null_strings > LS_CSV_MAX_NULL_STRINGS) {
        inf->init_rc = LS_ERR_INVALID_ARG;
        inf->opts.n_null_strings = 0;
    }
    for (size_t i = 0; i < inf->opts.n_null_strings; i++) {
        const char *s = inf->opts.null_strings[i] ? inf->opts.null_strings[i] : "";
        inf->opts.null_strings[i] = NULL;
        if ((inf->nulls[i] = ls_strdup(s)) == NULL) {
            ls_csv_infer_free(inf);
            return NULL;
        }
        inf->null_len[i] = strlen(s);
    }
    return inf;
}

void ls_csv_infer_free(ls_csv_infer_t *inf)
{
    if (inf == NULL) {
        return;
    }
    for (size_t i = 0; i < LS_CSV_MAX_NULL_STRINGS; i++) {
        ls_free(inf->nulls[i]);
    }
    ls__csv_free_names(inf->names, inf->ncols);
    ls_free(inf->mask);
    ls_free(inf->any_value);
    ls_free(inf->any_zone);
    ls_free(inf);
}

/* Column state for @p n columns; @p names (taken, may be NULL) from the header. */
static ls_err_t ls__columns(ls_csv_infer_t *inf, char **names, size_t n, ls_error_t *err)
{
    inf->names = names;
    inf->ncols = n;
    inf->mask = ls_calloc(n + 1, sizeof(*inf->mask));
    inf->any_value = ls_calloc(n + 1, sizeof(*inf->any_value));
    inf->any_zone = ls_calloc(n + 1, sizeof(*inf->any_zone));
    if (names == NULL) {
        inf->names = ls_calloc(n + 1, sizeof(*inf->names));
    }
    if (inf->mask == NULL || inf->any_value == NULL || inf->any_zone == NULL ||
        inf->names == NULL) {
        return ls_error_set(err, LS_ERR_NOMEM, "out of memory inferring a CSV schema");
    }
    for (size_t i = 0; i < n; i++) {
        inf->mask[i] = LS__CV_ALL;
    }
    inf->have_cols = true;
    return LS_OK;
}

static bool ls__inf_null(const ls_csv_infer_t *inf, const ls__csv_field_t *f)
{
    if (f->quoted) {
        return false;
    }
    if (f->n == 0 && inf->opts.empty_is_null) {
        return true;
    }
    for (size_t i = 0; i < inf->opts.n_null_strings; i++) {
        if (inf->null_len[i] == f->n && memcmp(inf->nulls[i], f->s, f->n) == 0) {
            return true;
        }
    }
    return false;
}

static void ls__observe(ls_csv_infer_t *inf, size_t col, const ls__csv_field_t *f)
{
    if (ls__inf_null(inf, f)) {
        return;
    }
    /* "" escapes only occur in text that is no number, date or boolean */
    unsigned m = f->escaped ? 0u : ls__csv_classify(f->s, f->n);
    inf->any_value[col] = true;
    inf->any_zone[col] = inf->any_zone[col] || (m & LS__CV_ZONE) != 0;
    inf->mask[col] &= m;
}

/* One record: fields observed; the first record fixes the column count. */
static ls_err_t ls__inf_record(ls_csv_infer_t *inf, ls__csv_scan_t *sc, ls_error_t *err)
{
    ls__csv_field_t f;
    uint32_t col = 0;
    ls__csv_rec_begin(sc);
    for (;; col++) {
        ls__csv_next_field(sc, &f, col); /* eof: never incomplete */
        if (sc->code == LS_OK && inf->have_cols) {
            if (col >= inf->ncols) {
                ls__csv_fail(sc, LS_ERR_SCHEMA, f.pos, col, "too many fields (expected %zu)",
                             inf->ncols);
            } else {
                ls__observe(inf, col, &f);
            }
        }
        if (f.last) {
            break;
        }
    }
    if (sc->code == LS_OK && col + 1 < inf->ncols) {
        ls__csv_fail(sc, LS_ERR_SCHEMA, sc->p, col, "%u fields, expected %zu", col + 1,
                     inf->ncols);
    }
    if (sc->code != LS_OK) {
        return ls__csv_report(sc, inf->line, NULL, err);
    }
    return LS_OK;
}

ls_err_t ls_csv_infer_data(ls_csv_infer_t *inf, const char *data, size_t len, ls_error_t *err)
{
    if (inf->init_rc != LS_OK) {
        return ls_error_set(err, inf->init_rc, "invalid CSV options");
    }
    if (data == NULL) {
        data = "";
        len = 0;
    }
    ls__csv_scan_t sc;
    const char *p = inf->at_start ? ls__csv_skip_bom(data, data + len) : data;
    ls__csv_scan_init(&sc, &inf->dl, p, data + len, true);
    inf->at_start = false;
    if (!inf->have_cols && inf->opts.header) {
        char **names;
        size_t n, lines;
        ls__csv_scan_t probe = sc;
        ls__csv_skip_blank(&probe);
        if (probe.p == probe.end) {
            inf->at_start = sc.p == data; /* nothing but blank lines yet */
            return LS_OK;
        }
        LS_TRY(ls__csv_read_names(&sc, inf->line, &names, &n, &lines, err));
        inf->line += lines;
        LS_TRY(ls__columns(inf, names, n, err));
    }
    for (;;) {
        inf->line += ls__csv_skip_blank(&sc);
        if (sc.p == sc.end) {
            return LS_OK;
        }
        if (!inf->have_cols) { /* no header: the first record fixes the count */
            ls__csv_scan_t probe = sc;
            ls__csv_field_t f;
            size_t n = 0;
            ls__csv_rec_begin(&probe);
            do {
                ls__csv_next_field(&probe, &f, (uint32_t)n++);
            } while (!f.last && probe.code == LS_OK);
            LS_TRY(ls__columns(inf, NULL, n, err));
        }
        LS_TRY(ls__inf_record(inf, &sc, err));
        inf->line += sc.nl;
    }
}

static ls_type_t *ls__col_type(const ls_csv_infer_t *inf, size_t i)
{
    unsigned m = inf->mask[i];
    ls_type_kind_t k = LS_TYPE_STRING;
    if (!inf->any_value[i]) {
        k = LS_TYPE_STRING;
    } else if (m & LS__CV_INT) {
        k = LS_TYPE_LONG;
    } else if (m & LS__CV_NUM) {
        k = LS_TYPE_DOUBLE;
    } else if (m & LS__CV_BOOL) {
        k = LS_TYPE_BOOLEAN;
    } else if (m & LS__CV_DATE) {
        k = LS_TYPE_DATE;
    } else if (m & LS__CV_TS) {
        k = inf->any_zone[i] ? LS_TYPE_TIMESTAMP : LS_TYPE_TIMESTAMP_NTZ;
    }
    return ls_type_new(k);
}

ls_type_t *ls_csv_infer_result(const ls_csv_infer_t *inf, ls_error_t *err)
{
    ls_type_t *st = ls_type_new_struct();
    if (st == NULL) {
        ls_error_set(err, LS_ERR_NOMEM, "out of memory building the inferred schema");
        return NULL;
    }
    for (size_t i = 0; i < inf->ncols; i++) {
        char gen[32];
        const char *name = inf->names[i];
        if (name == NULL || name[0] == '\0') {
            snprintf(gen, sizeof(gen), "c%zu", i + 1);
            name = gen;
        }
        ls_type_t *t = ls__col_type(inf, i);
        ls_err_t rc = t == NULL ? LS_ERR_NOMEM : ls_type_struct_add(st, name, t, true);
        if (rc != LS_OK) {
            if (rc == LS_ERR_EXISTS) {
                ls_error_set(err, LS_ERR_SCHEMA, "CSV header: column %zu repeats the name %.64s", i + 1, name);
            } else {
                ls_error_set(err, rc, "out of memory building the inferred schema");
            }
            ls_type_free(st);
            return NULL;
        }
    }
    return st;
}

/*
 * cmd_table_scan.c — `lakesink table scan TABLE`: the rows of a table version as NDJSON,
 * partition columns included. Reads each live file through the store (so S3 tables work),
 * one row group at a time, re-attaches the partition values from the log, and prints with
 * the conventions of ls_json_write_rows.
 *
 * Not responsible for: deletion vectors or column mapping (tables needing them are
 * refused by the read check), predicate pushdown.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "lakesink/alloc.h"
#include "lakesink/json.h"
#include "lakesink/parquet.h"
#include "lakesink/table.h"
#include "table_cli.h"

#define LS__OUT_MAX ((size_t)3 << 30)
#define LS__MAX_COLS 4096

enum { O_VERSION, O_TIMESTAMP, O_COLUMNS, O_LIMIT, O_N };

static const ls_cli_opt_t ls__opts[O_N] = {
    [O_VERSION] = {"version", LS_CLI_INT, "N", "read the table as of version N", 0, INT64_MAX},
    [O_TIMESTAMP] = {"timestamp", LS_CLI_STR, "T",
                     "as of time T (ISO-8601, or milliseconds since the epoch)", 0, 0},
    [O_COLUMNS] = {"columns", LS_CLI_STR, "a,b", "only these columns, in this order", 0, 0},
    [O_LIMIT] = {"limit", LS_CLI_INT, "N", "at most N rows", 0, INT64_MAX},
};

static const ls_cli_cmd_t ls__cmd = {
    "table scan", "TABLE",
    "Print the rows of the table (files in path order) as NDJSON, partition columns\n"
    "included, with the value conventions of 'lakesink parquet cat'.",
    ls__opts, O_N, 1, 1};

typedef struct ls__scan_s {
    ls_store_t *st;
    ls_delta_snapshot_t *snap;
    ls_type_t *sel; /* selected columns */
    const char *pcols[LS__MAX_COLS];
    size_t npcols;
    ls_layout_t *layout;
    ls_table_partitioner_t *part;
    ls_batch_t *dst;
    ls_buf_t out;
    int64_t left; /* rows still to print; -1 = no limit */
} ls__scan_t;

/* The selected schema (all columns, or --columns in their order). */
static ls_err_t ls__select(ls__scan_t *S, const char *list, ls_error_t *err)
{
    const ls_type_t *schema = ls_delta_snapshot_schema(S->snap);
    if (list == NULL) {
        S->sel = ls_type_clone(schema);
        return S->sel ? LS_OK : ls_error_set(err, LS_ERR_NOMEM, "out of memory");
    }
    size_t len = strlen(list) + 1;
    char *store = ls_malloc(len);
    const char **names = ls_calloc(LS__MAX_COLS, sizeof(char *));
    S->sel = ls_type_new_struct();
    ls_err_t rc = store && names && S->sel ? LS_OK : ls_error_set(err, LS_ERR_NOMEM, "out of memory");
    int n = rc == LS_OK ? ls_cli_split_list(list, store, len, names, LS__MAX_COLS) : 0;
    if (rc == LS_OK && n < 0) {
        rc = ls_error_set(err, LS_ERR_INVALID_ARG, "--columns: empty name or too many columns");
    }
    for (int i = 0; rc == LS_OK && i < n; i++) {
        int f = ls_type_struct_find(schema, names[i]);
        if (f < 0) {
            rc = ls_error_set(err, LS_ERR_NOT_FOUND, "no column '%s' in the table", names[i]);
            break;
        }
        ls_type_t *t = ls_type_clone(schema->fields[f].type);
        rc = t ? ls_type_struct_add(S->sel, names[i], t, schema->fields[f].nullable) : LS_ERR_NOMEM;
        if (rc != LS_OK) {
            ls_error_set(err, rc, "--columns: cannot select '%s'", names[i]);
        }
    }
    ls_free(store);
    ls_free(names);
    return rc;
}

static ls_err_t ls__setup(ls__scan_t *S, ls_error_t *err)
{
    const ls_delta_metadata_t *md = ls_delta_snapshot_metadata(S->snap);
    for (size_t i = 0; i < md->n_partition_columns && S->npcols < LS__MAX_COLS; i++) {
        if (ls_type_struct_find(S->sel, md->partition_columns[i]) >= 0) {
            S->pcols[S->npcols++] = md->partition_columns[i];
        }
    }
    if ((S->layout = ls_layout_new(S->sel, err)) == NULL) {
        return err->code != LS_OK ? err->code : ls_error_set(err, LS_ERR_NOMEM, "out of memory");
    }
    S->part = ls_table_partitioner_new(S->layout, S->pcols, S->npcols, err);
    if (S->part == NULL) {
        return ls_error_prefix(err, "--columns: ");
    }
    S->dst = ls_batch_new(S->layout, 0);
    return S->dst ? LS_OK : ls_error_set(err, LS_ERR_NOMEM, "out of memory");
}

/* Print the rows gathered in S->dst (up to the limit) and empty it. */
static ls_err_t ls__emit(ls__scan_t *S, ls_error_t *err)
{
    size_t n = S->dst->nrows;
    if (S->left >= 0 && (int64_t)n > S->left) {
        n = (size_t)S->left;
    }
    ls_err_t rc = ls_json_write_rows(S->dst, 0, n, &S->out, err);
    if (S->left >= 0) {
        S->left -= (int64_t)n;
    }
    ls_batch_reset(S->dst);
    return rc == LS_OK ? ls_cli_flush_stdout(&S->out, err) : rc;
}

/* Read the data columns of the selection that this file has. */
static ls_err_t ls__select_file(const ls__scan_t *S, ls_pq_reader_t *r, ls_error_t *err)
{
    const ls_layout_t *fl = ls_pq_reader_layout(r);
    const ls_layout_t *dl = ls_table_partitioner_data_layout(S->part);
    const char **names = ls_calloc(dl->schema->nfields + 1, sizeof(char *));
    if (names == NULL) {
        return ls_error_set(err, LS_ERR_NOMEM, "out of memory");
    }
    size_t n = 0;
    for (size_t i = 0; i < dl->schema->nfields; i++) {
        if (ls_layout_field(fl, dl->schema->fields[i].name) != NULL) {
            names[n++] = dl->schema->fields[i].name;
        }
    }
    ls_err_t rc = n > 0 ? ls_pq_reader_select(r, names, n, err) : LS_OK;
    ls_free(names);
    return rc;
}

static ls_err_t ls__scan_file(ls__scan_t *S, const ls_delta_file_t *f, ls_error_t *err)
{
    const char *values[LS__MAX_COLS];
    for (size_t c = 0; c < S->npcols; c++) {
        values[c] = NULL;
        for (size_t i = 0; i < f->add.n_partition_values; i++) {
            if (strcmp(f->add.partition_values[i].key, S->pcols[c]) == 0) {
                values[c] = f->add.partition_values[i].value;
            }
        }
    }
    if (!ls_table_path_is_safe(f->decoded_path, strlen(f->decoded_path))) {
        return ls_error_set(err, LS_ERR_UNSUPPORTED,
                            "data file %s is outside the table root (not supported)", f->add.path);
    }
    ls_store_source_t *h = NULL;
    ls_source_t src;
    LS_TRY(ls_store_source_open(S->st, f->decoded_path, &h, &src, err));
    ls_err_t rc = LS_OK;
    ls_pq_reader_t *r = ls_pq_reader_open(&src, err);
    if (r == NULL) {
        rc = err->code != LS_OK ? err->code : LS_ERR_NOMEM;
    }
    rc = rc == LS_OK ? ls__select_file(S, r, err) : rc;
    uint32_t nrg = r ? ls_pq_reader_num_row_groups(r) : 0;
    for (uint32_t g = 0; rc == LS_OK && g < nrg && S->left != 0; g++) {
        ls_batch_t *data = NULL;
        rc = ls_pq_reader_read_row_group(r, g, &data, err);
        rc = rc == LS_OK ? ls_table_attach(S->part, data, S->npcols ? values : NULL, S->dst, err)
                         : rc;
        ls_batch_free(data);
        rc = rc == LS_OK ? ls__emit(S, err) : rc;
    }
    ls_pq_reader_free(r);
    ls_store_source_close(h);
    return rc != LS_OK ? ls_error_prefix(err, "%s: ", f->decoded_path) : LS_OK;
}

static ls_err_t ls__scan(ls__scan_t *S, const char *columns, ls_error_t *err)
{
    LS_TRY(ls__select(S, columns, err));
    LS_TRY(ls__setup(S, err));
    size_t n = 0;
    const ls_delta_file_t **files = ls_cli_sorted_files(S->snap, &n);
    if (files == NULL) {
        return ls_error_set(err, LS_ERR_NOMEM, "out of memory");
    }
    ls_err_t rc = LS_OK;
    for (size_t i = 0; rc == LS_OK && i < n && S->left != 0; i++) {
        rc = ls__scan_file(S, files[i], err);
    }
    ls_free(files);
    return rc;
}

int ls_cli_table_scan(int argc, char **argv)
{
    ls_cli_val_t v[O_N];
    const char *uri = NULL;
    size_t nargs = 0;
    int rc = ls_cli_parse(&ls__cmd, argc, argv, v, &uri, &nargs);
    if (rc != LS_CLI_RUN) {
        return rc;
    }
    if (v[O_VERSION].set && v[O_TIMESTAMP].set) {
        return ls_cli_usage_error(ls__cmd.name, "give --version or --timestamp, not both");
    }
    ls__scan_t S;
    memset(&S, 0, sizeof(S));
    S.left = v[O_LIMIT].set ? v[O_LIMIT].num : -1;
    ls_buf_init(&S.out, LS__OUT_MAX);
    ls_error_t err;
    ls_error_clear(&err);
    rc = LS_CLI_EXIT_OK;
    if (ls_cli_table_open(uri, v[O_VERSION].set ? v[O_VERSION].num : -1,
                          v[O_TIMESTAMP].set ? v[O_TIMESTAMP].str : NULL, true, &S.st, &S.snap,
                          &err) != LS_OK ||
        ls__scan(&S, v[O_COLUMNS].set ? v[O_COLUMNS].str : NULL, &err) != LS_OK) {
        rc = ls_cli_table_fail(uri, &err);
    }
    ls_buf_free(&S.out);
    ls_batch_free(S.dst);
    ls_table_partitioner_free(S.part);
    ls_layout_free(S.layout);
    ls_type_free(S.sel);
    ls_delta_snapshot_free(S.snap);
    ls_store_free(S.st);
    return rc;
}

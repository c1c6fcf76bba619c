/*
 * cmd_parquet.c — the `lakesink parquet` command group: sub-command dispatch, `cat`
 * (rows as NDJSON, one row group in memory at a time) and `schema` (the Parquet schema
 * tree and the Delta schema it maps to).
 *
 * Not responsible for: `meta` (cmd_parquet_meta.c), `write` (cmd_parquet_write.c), or
 * formatting values (ls_json_write_rows owns the NDJSON conventions).
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "lakesink/alloc.h"
#include "lakesink/json.h"
#include "lakesink/parquet.h"
#include "stat_value.h"

/* Rows per ls_json_write_rows call: keeps the output buffer small and the writes large. */
#define LS__CAT_CHUNK_ROWS 512
/* Output buffer cap: one chunk of rows must fit (a row with a 1 GiB string needs ~1 GiB). */
#define LS__CAT_OUT_MAX ((size_t)3 << 30)
/* Depth bound for printing a schema tree (the reader bounds it too). */
#define LS__MAX_DEPTH 128

typedef struct ls_cli_sub_s {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} ls_cli_sub_t;

static const ls_cli_sub_t ls__subs[] = {
    {"cat", ls_cli_parquet_cat, "print rows as NDJSON"},
    {"schema", ls_cli_parquet_schema, "print the Parquet schema and the Delta schema it maps to"},
    {"meta", ls_cli_parquet_meta, "print the footer: row groups, column chunks, statistics"},
    {"write", ls_cli_parquet_write, "convert NDJSON to a Parquet file"},
};

#define LS__NSUBS (sizeof(ls__subs) / sizeof(ls__subs[0]))

static void ls__group_usage(FILE *out)
{
    fprintf(out, "usage: lakesink parquet <command> [args] [options]\n\ncommands:\n");
    for (size_t i = 0; i < LS__NSUBS; i++) {
        fprintf(out, "  %-8s %s\n", ls__subs[i].name, ls__subs[i].summary);
    }
    fprintf(out, "\n'lakesink parquet <command> --help' describes a command.\n");
}

int ls_cli_parquet_main(int argc, char **argv)
{
    if (argc < 2) {
        ls__group_usage(stderr);
        return LS_CLI_EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        ls__group_usage(stdout);
        return LS_CLI_EXIT_OK;
    }
    for (size_t i = 0; i < LS__NSUBS; i++) {
        if (strcmp(argv[1], ls__subs[i].name) == 0) {
            return ls__subs[i].run(argc - 1, argv + 1);
        }
    }
    return ls_cli_usage_error("parquet", "unknown command '%s'", argv[1]);
}

/* Open @p path, reporting failure as "cannot read <path>: <why>". */
static ls_pq_reader_t *ls__open(const char *path, int *rc)
{
    ls_error_t err;
    ls_error_clear(&err);
    ls_pq_reader_t *r = ls_pq_reader_open_file(path, &err);
    if (r == NULL) {
        char what[512];
        snprintf(what, sizeof(what), "cannot read %s", path);
        if (err.code == LS_OK) {
            err.code = LS_ERR_NOMEM;
        }
        *rc = ls_cli_fail(what, path, &err);
    }
    return r;
}

/* ------------------------------------------------------------------ cat */

static const ls_cli_opt_t ls__cat_opts[] = {
    {"columns", LS_CLI_STR, "a,b", "only these top-level columns (output keeps file order)", 0, 0},
    {"limit", LS_CLI_INT, "N", "stop after N rows", 0, INT64_MAX},
};

static const ls_cli_cmd_t ls__cat_cmd = {
    "parquet cat",
    "FILE",
    "Print the rows of a Parquet file as NDJSON on stdout, one JSON object per row, reading\n"
    "one row group at a time (see docs/cli.md for how each type is written).",
    ls__cat_opts,
    2,
    1,
    1};

/* --columns split into names: store and items are owned by the caller (ls_free). */
typedef struct ls_names_s {
    char *store;
    const char **items;
    int n;
} ls_names_t;

/* Split --columns; returns an exit code on a usage or memory error, else LS_CLI_RUN. */
static int ls__split_columns(const char *list, ls_names_t *names)
{
    size_t len = strlen(list);
    names->store = ls_malloc(len + 1);
    names->items = ls_calloc(len / 2 + 1, sizeof(*names->items));
    if (names->store == NULL || names->items == NULL) {
        ls_error_t err;
        ls_error_set(&err, LS_ERR_NOMEM, "out of memory");
        return ls_cli_fail("parquet cat", NULL, &err);
    }
    names->n = ls_cli_split_list(list, names->store, len + 1, names->items, len / 2 + 1);
    if (names->n < 0) {
        return ls_cli_usage_error(ls__cat_cmd.name, "--columns '%s' has an empty name", list);
    }
    return LS_CLI_RUN;
}

/* Print up to @p limit rows, row group by row group. */
static ls_err_t ls__cat_rows(ls_pq_reader_t *r, int64_t limit, ls_error_t *err)
{
    ls_buf_t out;
    ls_buf_init(&out, LS__CAT_OUT_MAX);
    ls_err_t rc = LS_OK;
    int64_t left = limit;
    uint32_t nrg = ls_pq_reader_num_row_groups(r);
    for (uint32_t rg = 0; rg < nrg && left > 0 && rc == LS_OK; rg++) {
        ls_batch_t *b = NULL;
        rc = ls_pq_reader_read_row_group(r, rg, &b, err);
        if (rc != LS_OK) {
            break;
        }
        size_t n = b->nrows < (uint64_t)left ? b->nrows : (size_t)left;
        for (size_t from = 0; from < n && rc == LS_OK; from += LS__CAT_CHUNK_ROWS) {
            size_t k = n - from < LS__CAT_CHUNK_ROWS ? n - from : LS__CAT_CHUNK_ROWS;
            rc = ls_json_write_rows(b, from, k, &out, err);
            if (rc == LS_OK) {
                rc = ls_cli_flush_stdout(&out, err);
            } else {
                ls_error_prefix(err, "row group %u, rows %zu..%zu: ", rg, from, from + k - 1);
            }
        }
        left -= (int64_t)n;
        ls_batch_free(b);
    }
    ls_buf_free(&out);
    return rc;
}

int ls_cli_parquet_cat(int argc, char **argv)
{
    ls_cli_val_t v[2];
    const char *args[1];
    size_t nargs = 0;
    int rc = ls_cli_parse(&ls__cat_cmd, argc, argv, v, args, &nargs);
    ls_names_t names = {NULL, NULL, 0};
    if (rc == LS_CLI_RUN && v[0].set) {
        rc = ls__split_columns(v[0].str, &names);
    }
    ls_pq_reader_t *r = rc == LS_CLI_RUN ? ls__open(args[0], &rc) : NULL;
    if (r != NULL) {
        ls_error_t err;
        ls_error_clear(&err);
        ls_err_t e =
            names.n > 0 ? ls_pq_reader_select(r, names.items, (size_t)names.n, &err) : LS_OK;
        if (e == LS_OK) {
            e = ls__cat_rows(r, v[1].set ? v[1].num : INT64_MAX, &err);
        }
        rc = LS_CLI_EXIT_OK;
        if (e != LS_OK) {
            char what[512];
            snprintf(what, sizeof(what), "cannot read %s", args[0]);
            rc = ls_cli_fail(what, args[0], &err);
        }
        ls_pq_reader_free(r);
    }
    ls_free(names.store);
    ls_free(names.items);
    return rc;
}

/* --------------------------------------------------------------- schema */

static const ls_cli_opt_t ls__schema_opts[] = {
    {"json", LS_CLI_FLAG, NULL, "print only the Delta schema JSON", 0, 0},
};

static const ls_cli_cmd_t ls__schema_cmd = {
    "parquet schema",
    "FILE",
    "Print the Parquet schema tree (repetition, physical type, logical and converted\n"
    "annotations) and the Delta schema lakesink reads it as. With --json, print only the\n"
    "Delta schema JSON ({\"type\":\"struct\",\"fields\":[...]}).",
    ls__schema_opts,
    1,
    1,
    1};

/* Append the logical and converted annotations of @p el, or nothing. */
static ls_err_t ls__annotations(const ls_pq_schema_el_t *el, ls_buf_t *o)
{
    const ls_pq_logical_t *lt = &el->logical;
    const char *sep = " [";
    if (lt->kind != LS_PQ_LT_NONE) {
        char desc[96];
        ls_cli_logical_describe(lt, desc, sizeof(desc));
        LS_TRY(ls_buf_printf(o, "%slogical %s", sep, desc));
        sep = ", ";
    }
    if (el->has_converted_type) {
        LS_TRY(ls_buf_printf(o, "%sconverted %s", sep, ls_pq_converted_name(el->converted_type)));
        if (el->converted_type == LS_PQ_CT_DECIMAL) {
            LS_TRY(ls_buf_printf(o, "(%d,%d)", el->has_precision ? (int)el->precision : 0,
                                 el->has_scale ? (int)el->scale : 0));
        }
        sep = ", ";
    }
    if (el->has_field_id) {
        LS_TRY(ls_buf_printf(o, "%sfield_id %d", sep, (int)el->field_id));
        sep = ", ";
    }
    return sep[0] == ',' ? ls_buf_append_byte(o, ']') : LS_OK;
}

static ls_err_t ls__physical(const ls_pq_schema_el_t *el, ls_buf_t *o)
{
    static const char *const names[] = {"boolean", "int32",  "int64",  "int96",
                                        "float",   "double", "binary", "fixed_len_byte_array"};
    if ((unsigned)el->type >= sizeof(names) / sizeof(names[0])) {
        return ls_buf_printf(o, "type%d", (int)el->type);
    }
    LS_TRY(ls_buf_append_str(o, names[el->type]));
    if (el->type == LS_PQ_FIXED_LEN_BYTE_ARRAY) {
        LS_TRY(ls_buf_printf(o, "(%d)", el->has_type_length ? (int)el->type_length : 0));
    }
    return LS_OK;
}

/* Print schema element *idx and its subtree (depth-first, as stored), advancing *idx. */
static ls_err_t ls__pq_node(const ls_pq_file_meta_t *fm, uint32_t *idx, int depth, ls_buf_t *o)
{
    if (*idx >= fm->num_schema || depth > LS__MAX_DEPTH) {
        return ls_buf_printf(o, "%*s(schema truncated)\n", depth * 2, "");
    }
    const ls_pq_schema_el_t *el = &fm->schema[(*idx)++];
    const char *name = el->name ? el->name : "";
    int32_t nchild = el->has_num_children ? el->num_children : 0;
    bool group = depth == 0 || nchild > 0 || !el->has_type;
    LS_TRY(ls_buf_printf(o, "%*s", depth * 2, ""));
    if (depth == 0) {
        LS_TRY(ls_buf_printf(o, "message %s", name));
    } else {
        const char *rep = el->has_repetition ? ls_pq_repetition_name(el->repetition) : "REQUIRED";
        for (const char *p = rep; *p; p++) {
            LS_TRY(ls_buf_append_byte(o, (uint8_t)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p)));
        }
        LS_TRY(ls_buf_append_byte(o, ' '));
        if (group) {
            LS_TRY(ls_buf_append_str(o, "group"));
        } else {
            LS_TRY(ls__physical(el, o));
        }
        LS_TRY(ls_buf_printf(o, " %s", name));
        LS_TRY(ls__annotations(el, o));
    }
    if (!group) {
        return ls_buf_append_str(o, ";\n");
    }
    LS_TRY(ls_buf_append_str(o, " {\n"));
    for (int32_t i = 0; i < nchild && *idx < fm->num_schema; i++) {
        LS_TRY(ls__pq_node(fm, idx, depth + 1, o));
    }
    return ls_buf_printf(o, "%*s}\n", depth * 2, "");
}

/* The Delta name of a type as the schema JSON spells it ("long", "decimal(20,0)"). */
static ls_err_t ls__delta_name(const ls_type_t *t, char *out, size_t outlen)
{
    if (ls_type_is_nested(t)) {
        snprintf(out, outlen, "%s", ls_type_kind_name(t->kind));
        return LS_OK;
    }
    ls_buf_t b;
    ls_buf_init(&b, 256);
    ls_err_t rc = ls_type_to_json(t, &b);
    if (rc == LS_OK) {
        /* a primitive serialises as a quoted name */
        size_t n = b.len >= 2 ? b.len - 2 : 0;
        snprintf(out, outlen, "%.*s", (int)n, b.data ? (const char *)b.data + 1 : "");
    }
    ls_buf_free(&b);
    return rc;
}

/* One "|-- name: type (...)" line, Spark's printTreeString layout. */
static ls_err_t ls__tree_line(const char *name, const ls_type_t *t, const char *extra, int depth,
                              ls_buf_t *o)
{
    char delta[128], own[128];
    LS_TRY(ls__delta_name(t, delta, sizeof(delta)));
    for (int i = 0; i < depth; i++) {
        LS_TRY(ls_buf_append_str(o, " |   "));
    }
    LS_TRY(ls_buf_printf(o, " |-- %s: %s", name, delta));
    ls_type_describe(t, own, sizeof(own));
    bool ext = t->kind >= LS_TYPE_UINT64;
    if (extra != NULL || ext) {
        LS_TRY(ls_buf_printf(o, " (%s%s%s%s)", extra ? extra : "", extra && ext ? ", " : "",
                             ext ? "read as " : "", ext ? own : ""));
    }
    return ls_buf_append_byte(o, '\n');
}

static ls_err_t ls__delta_tree(const ls_type_t *t, int depth, ls_buf_t *o)
{
    char extra[64];
    if (depth > LS__MAX_DEPTH) {
        return LS_OK;
    }
    if (t->kind == LS_TYPE_STRUCT) {
        for (size_t i = 0; i < t->nfields; i++) {
            const ls_field_t *f = &t->fields[i];
            snprintf(extra, sizeof(extra), "nullable = %s", f->nullable ? "true" : "false");
            LS_TRY(ls__tree_line(f->name, f->type, extra, depth, o));
            LS_TRY(ls__delta_tree(f->type, depth + 1, o));
        }
    } else if (t->kind == LS_TYPE_ARRAY) {
        snprintf(extra, sizeof(extra), "containsNull = %s", t->contains_null ? "true" : "false");
        LS_TRY(ls__tree_line("element", t->element, extra, depth, o));
        LS_TRY(ls__delta_tree(t->element, depth + 1, o));
    } else if (t->kind == LS_TYPE_MAP) {
        LS_TRY(ls__tree_line("key", t->key, NULL, depth, o));
        LS_TRY(ls__delta_tree(t->key, depth + 1, o));
        snprintf(extra, sizeof(extra), "valueContainsNull = %s",
                 t->value_contains_null ? "true" : "false");
        LS_TRY(ls__tree_line("value", t->value, extra, depth, o));
        LS_TRY(ls__delta_tree(t->value, depth + 1, o));
    }
    return LS_OK;
}

static ls_err_t ls__schema_text(const ls_pq_reader_t *r, ls_buf_t *o)
{
    const ls_pq_file_meta_t *fm = ls_pq_reader_meta(r);
    LS_TRY(ls_buf_append_str(o, "Parquet schema:\n"));
    uint32_t idx = 0;
    if (fm->num_schema > 0) {
        LS_TRY(ls__pq_node(fm, &idx, 0, o));
    }
    LS_TRY(ls_buf_append_str(o, "\nDelta schema:\nroot\n"));
    return ls__delta_tree(ls_pq_reader_layout(r)->schema, 0, o);
}

int ls_cli_parquet_schema(int argc, char **argv)
{
    ls_cli_val_t v[1];
    const char *args[1];
    size_t nargs = 0;
    int rc = ls_cli_parse(&ls__schema_cmd, argc, argv, v, args, &nargs);
    if (rc != LS_CLI_RUN) {
        return rc;
    }
    ls_pq_reader_t *r = ls__open(args[0], &rc);
    if (r == NULL) {
        return rc;
    }
    ls_buf_t o;
    ls_buf_init(&o, (size_t)256 << 20);
    ls_err_t e =
        v[0].set ? ls_type_to_json(ls_pq_reader_layout(r)->schema, &o) : ls__schema_text(r, &o);
    if (e == LS_OK && v[0].set) {
        e = ls_buf_append_byte(&o, '\n');
    }
    ls_error_t err;
    ls_error_clear(&err);
    if (e != LS_OK) {
        ls_error_set(&err, e, "cannot format the schema: %s", ls_err_str(e));
    } else {
        e = ls_cli_flush_stdout(&o, &err);
    }
    rc = e == LS_OK ? LS_CLI_EXIT_OK : ls_cli_fail(args[0], NULL, &err);
    ls_buf_free(&o);
    ls_pq_reader_free(r);
    return rc;
}

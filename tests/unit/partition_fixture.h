/*
 * partition_fixture.h — what the partition tests share: a table layout parsed from a Delta
 * schema JSON, its partitioner by the given columns, a JSON decoder for rows, and a batch
 * comparison that says why two batches differ. Header-only (static inline).
 */
#ifndef LS_PARTITION_FIXTURE_H
#define LS_PARTITION_FIXTURE_H

#include <string.h>

#include "lakesink/json.h"
#include "lakesink/table.h"
#include "testutil.h"

typedef struct {
    ls_type_t *schema;
    ls_layout_t *table;
    ls_table_partitioner_t *p;
    ls_json_decoder_t *dec;
    ls_error_t err;
} fx_t;

/* A table partitioned by a double column f (NaN and signed-zero partition values). */
static const char k_float_schema[] =
    "{\"type\":\"struct\",\"fields\":["
    "{\"name\":\"f\",\"type\":\"double\",\"nullable\":true,\"metadata\":{}},"
    "{\"name\":\"v\",\"type\":\"long\",\"nullable\":true,\"metadata\":{}}]}";

static inline void fx_open(fx_t *f, const char *schema, const char *const *cols, size_t n)
{
    memset(f, 0, sizeof(*f));
    assert_int_equal(ls_json_parse_delta_schema(schema, strlen(schema), &f->schema, &f->err),
                     LS_OK);
    f->table = ls_layout_new(f->schema, &f->err);
    assert_non_null(f->table);
    f->p = ls_table_partitioner_new(f->table, cols, n, &f->err);
    if (f->p == NULL) {
        fail_msg("partitioner: %s", f->err.msg);
    }
    f->dec = ls_json_decoder_new(f->table, NULL, &f->err);
    assert_non_null(f->dec);
}

static inline void fx_close(fx_t *f)
{
    ls_json_decoder_free(f->dec);
    ls_table_partitioner_free(f->p);
    ls_layout_free(f->table);
    ls_type_free(f->schema);
}

static inline void assert_batches_equal(const ls_batch_t *a, const ls_batch_t *b)
{
    char why[512];
    assert_int_equal(a->nrows, b->nrows);
    if (!ls_batch_equal(a, b, why, sizeof(why))) {
        fail_msg("batches differ: %s", why);
    }
}

#endif

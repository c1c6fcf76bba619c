/*
 * columnar.h — column batches in the shredded (Dremel) form Parquet stores.
 *
 * A layout maps a Delta schema onto leaf columns and the definition/repetition
 * levels of every nested value. A batch holds, per leaf, the level entries and the
 * non-null values (fixed width packed, or Arrow-style offsets + bytes). Decoders
 * (JSON, Avro, CSV, the Parquet reader) fill batches; the Parquet writer drains them.
 *
 * Not responsible for: encoding or value formatting. Thread use: a batch belongs to
 * one thread at a time; a layout is immutable after construction and may be shared.
 *
 * Level rules (the canonical layout the writer produces; the reader maps legacy
 * Parquet layouts onto the same node fields):
 *   node->def        level when the value is present (non-null)
 *   nullable         a null value is written with level def-1
 *   ARRAY/MAP        entry_def: level of an existing entry; a present but empty
 *                    collection is written with level def; entry_rep is the rep level
 *                    of the 2nd..nth entries (the first entry inherits its parent's).
 *   node->rep        max repetition level at this node (count of repeated ancestors).
 */
#ifndef LAKESINK_COLUMNAR_H
#define LAKESINK_COLUMNAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lakesink/arena.h"
#include "lakesink/error.h"
#include "lakesink/schema.h"

/* How a leaf stores its non-null values. */
typedef enum {
    LS_COL_BOOL = 0, /* uint8_t 0/1 */
    LS_COL_I32,      /* byte, short, integer, date, decimal p<=9 */
    LS_COL_I64,      /* long, timestamp(_ntz), time, uint64, decimal p<=18 */
    LS_COL_FLOAT,
    LS_COL_DOUBLE,
    LS_COL_BYTES, /* string, binary: offsets + bytes */
    LS_COL_FIXED  /* decimal p>18 (big-endian two's complement), uuid, fixed */
} ls_col_store_t;

typedef struct ls_node_s ls_node_t;

struct ls_node_s {
    const char *name;      /* field name; "element", "key", "value" inside collections */
    const ls_type_t *type; /* Delta type of the value (owned by the layout's schema) */
    bool nullable;
    int16_t def;
    int16_t rep;
    int16_t entry_def; /* ARRAY/MAP */
    int16_t entry_rep; /* ARRAY/MAP */
    uint32_t nchildren; /* STRUCT: fields; ARRAY: 1 (element); MAP: 2 (key, value) */
    ls_node_t **children;
    uint32_t leaf_begin, leaf_end; /* leaves under this node */
    int32_t leaf;                  /* leaf index for primitives, else -1 */
};

typedef struct ls_leaf_s {
    const ls_node_t *node;
    const ls_type_t *type;
    ls_col_store_t store;
    uint32_t width; /* bytes per value for fixed-width stores */
    int16_t max_def;
    int16_t max_rep;
    uint32_t path_len;
    const char **path; /* Parquet path, synthetic "list"/"element"/"key_value" included */
    const char *dotted; /* path joined with '.' */
} ls_leaf_t;

typedef struct ls_layout_s {
    ls_type_t *schema; /* owned: the root STRUCT */
    ls_node_t *root;   /* the root struct node: def 0, rep 0, not nullable */
    size_t nleaves;
    ls_leaf_t *leaves;
    ls_arena_t *arena; /* owns nodes, leaves and paths */
} ls_layout_t;

/**
 * @brief Canonical layout of @p schema (a STRUCT): 3-level LIST and MAP groups, as the
 * Parquet writer writes them. @p schema is copied. Caller owns the result.
 */
ls_layout_t *ls_layout_new(const ls_type_t *schema, ls_error_t *err);
/** @brief Free a layout. NULL is fine. */
void ls_layout_free(ls_layout_t *l);
/**
 * @brief For builders of non-canonical layouts (the Parquet reader): an empty layout
 * that owns @p schema (taken) and an arena; set root, then call ls_layout_finish.
 */
ls_layout_t *ls_layout_empty(ls_type_t *schema);
/**
 * @brief Number the leaves under l->root in depth-first order and fill l->leaves, with
 * canonical Parquet paths; a reader may then point path/dotted at the file's own names
 * (allocated in l->arena).
 */
ls_err_t ls_layout_finish(ls_layout_t *l, ls_error_t *err);
/** @brief Storage class and width for a leaf type. */
ls_col_store_t ls_col_store_for_type(const ls_type_t *t, uint32_t *width);
/** @brief Top-level field node by name, or NULL. */
const ls_node_t *ls_layout_field(const ls_layout_t *l, const char *name);

typedef struct ls_column_s {
    const ls_leaf_t *leaf;
    size_t nlevels;  /* level entries (one per value slot, null or empty included) */
    size_t nvalues;  /* non-null values */
    uint8_t *def;    /* nlevels entries; NULL while max_def == 0 */
    uint8_t *rep;    /* nlevels entries; NULL while max_rep == 0 */
    size_t levels_cap;
    uint8_t *values; /* fixed-width stores: nvalues * width bytes */
    size_t values_cap; /* bytes */
    uint32_t *offsets; /* BYTES: nvalues + 1 entries, offsets[0] == 0 */
    size_t offsets_cap;
    uint8_t *bytes;    /* BYTES: concatenated values */
    size_t nbytes, bytes_cap;
} ls_column_t;

typedef struct ls_batch_s {
    const ls_layout_t *layout; /* borrowed: must outlive the batch */
    size_t nrows;
    size_t ncols; /* == layout->nleaves */
    ls_column_t *cols;
    size_t max_bytes;  /* cap on ls_batch_bytes(); pushes fail with LS_ERR_LIMIT past it */
    size_t bytes;      /* memory held by column buffers */
    size_t *row_marks; /* per column: nlevels, nvalues, nbytes at ls_batch_row_begin */
} ls_batch_t;

/** @brief Empty batch for @p layout with a memory cap (0 = none). Caller owns it. */
ls_batch_t *ls_batch_new(const ls_layout_t *layout, size_t max_bytes);
/** @brief Free a batch. NULL is fine. */
void ls_batch_free(ls_batch_t *b);
/** @brief Drop all rows, keep the buffers. */
void ls_batch_reset(ls_batch_t *b);
/** @brief Memory held by the batch's buffers (capacity, not just used bytes). */
size_t ls_batch_bytes(const ls_batch_t *b);

/*
 * Rows: a producer calls ls_batch_row_begin, pushes the row's values into the columns,
 * then ls_batch_row_commit (nrows++) or ls_batch_row_abort (every column returns to
 * where it was at row_begin — how a decoder drops a malformed message mid-row).
 */
void ls_batch_row_begin(ls_batch_t *b);
void ls_batch_row_commit(ls_batch_t *b);
void ls_batch_row_abort(ls_batch_t *b);

/* Column pushes. A value push records def = max_def. All return LS_OK, LS_ERR_NOMEM or
 * LS_ERR_LIMIT (batch cap); @p b is the owning batch (for the memory account).
 * They are inline: decoders push every value of every row, and the usual case (room in
 * the buffers) is a few stores; the *_slow functions grow the buffers and are not meant
 * to be called directly. */
ls_err_t ls_col_push_null_slow(ls_batch_t *b, ls_column_t *c, int def, int rep);
ls_err_t ls_col_push_fixed_slow(ls_batch_t *b, ls_column_t *c, const void *v, size_t w, int rep);
ls_err_t ls_col_push_bytes_slow(ls_batch_t *b, ls_column_t *c, const void *p, size_t n, int rep);

/* Room for one more level entry (a required top-level leaf stores none). */
static inline bool ls__col_level_room(const ls_column_t *c)
{
    return c->nlevels < c->levels_cap || (c->leaf->max_def == 0 && c->leaf->max_rep == 0);
}

static inline void ls__col_put_level(ls_column_t *c, int def, int rep)
{
    if (c->def != NULL) {
        c->def[c->nlevels] = (uint8_t)def;
    }
    if (c->rep != NULL) {
        c->rep[c->nlevels] = (uint8_t)rep;
    }
    c->nlevels++;
}

static inline ls_err_t ls_col_push_null(ls_batch_t *b, ls_column_t *c, int def, int rep)
{
    if (!ls__col_level_room(c)) {
        return ls_col_push_null_slow(b, c, def, rep);
    }
    ls__col_put_level(c, def, rep);
    return LS_OK;
}

/* A value into buffers known to have room (the fast paths and, after growing, the slow). */
static inline void ls__col_put_fixed(ls_column_t *c, const void *v, size_t w, int rep)
{
    ls__col_put_level(c, c->leaf->max_def, rep);
    memcpy(c->values + c->nvalues * w, v, w);
    c->nvalues++;
}

static inline void ls__col_put_bytes(ls_column_t *c, const void *p, size_t n, int rep)
{
    ls__col_put_level(c, c->leaf->max_def, rep);
    if (n > 0) {
        memcpy(c->bytes + c->nbytes, p, n);
    }
    c->offsets[0] = 0;
    c->nbytes += n;
    c->nvalues++;
    c->offsets[c->nvalues] = (uint32_t)c->nbytes;
}

static inline ls_err_t ls__col_push_fixed(ls_batch_t *b, ls_column_t *c, const void *v, size_t w,
                                          int rep)
{
    if ((c->nvalues + 1) * w > c->values_cap || !ls__col_level_room(c)) {
        return ls_col_push_fixed_slow(b, c, v, w, rep);
    }
    ls__col_put_fixed(c, v, w, rep);
    return LS_OK;
}

static inline ls_err_t ls_col_push_bool(ls_batch_t *b, ls_column_t *c, bool v, int rep)
{
    uint8_t x = v ? 1 : 0;
    return ls__col_push_fixed(b, c, &x, 1, rep);
}
static inline ls_err_t ls_col_push_i32(ls_batch_t *b, ls_column_t *c, int32_t v, int rep)
{
    return ls__col_push_fixed(b, c, &v, 4, rep);
}
static inline ls_err_t ls_col_push_i64(ls_batch_t *b, ls_column_t *c, int64_t v, int rep)
{
    return ls__col_push_fixed(b, c, &v, 8, rep);
}
static inline ls_err_t ls_col_push_float(ls_batch_t *b, ls_column_t *c, float v, int rep)
{
    return ls__col_push_fixed(b, c, &v, 4, rep);
}
static inline ls_err_t ls_col_push_double(ls_batch_t *b, ls_column_t *c, double v, int rep)
{
    return ls__col_push_fixed(b, c, &v, 8, rep);
}

/** @brief BYTES: any length; FIXED: @p n must equal the leaf width. */
static inline ls_err_t ls_col_push_bytes(ls_batch_t *b, ls_column_t *c, const void *p, size_t n,
                                         int rep)
{
    if (c->leaf->store != LS_COL_BYTES || c->nvalues + 2 > c->offsets_cap ||
        n > c->bytes_cap - c->nbytes || n > UINT32_MAX - c->nbytes || !ls__col_level_room(c)) {
        return ls_col_push_bytes_slow(b, c, p, n, rep);
    }
    ls__col_put_bytes(c, p, n, rep);
    return LS_OK;
}

/**
 * @brief Make room for @p nlevels more level entries, @p nvalues more values and (BYTES)
 * @p nbytes more value bytes, so bulk producers (the Parquet reader, partition splitting)
 * can fill the arrays directly and then advance nlevels/nvalues/nbytes and offsets.
 * @returns LS_OK, LS_ERR_NOMEM, or LS_ERR_LIMIT (batch cap, or 32-bit byte offsets).
 */
ls_err_t ls_col_reserve(ls_batch_t *b, ls_column_t *c, size_t nlevels, size_t nvalues,
                        size_t nbytes);

/**
 * @brief Record "absent at level @p def" for every leaf under @p n: how a null struct,
 * a null or empty collection, or a missing field is written.
 */
ls_err_t ls_batch_push_absent(ls_batch_t *b, const ls_node_t *n, int def, int rep);

/* Accessors for readers of a column. */
static inline int32_t ls_col_i32(const ls_column_t *c, size_t i) { return ((const int32_t *)c->values)[i]; }
static inline int64_t ls_col_i64(const ls_column_t *c, size_t i) { return ((const int64_t *)c->values)[i]; }
static inline float ls_col_float(const ls_column_t *c, size_t i) { return ((const float *)c->values)[i]; }
static inline double ls_col_double(const ls_column_t *c, size_t i) { return ((const double *)c->values)[i]; }
static inline bool ls_col_bool(const ls_column_t *c, size_t i) { return c->values[i] != 0; }
static inline const uint8_t *ls_col_bytes(const ls_column_t *c, size_t i, size_t *len)
{
    *len = c->offsets[i + 1] - c->offsets[i];
    /* a column of only empty strings never allocates its byte buffer */
    return c->bytes != NULL ? c->bytes + c->offsets[i] : (const uint8_t *)"";
}
static inline const uint8_t *ls_col_fixed(const ls_column_t *c, size_t i)
{
    return c->values + i * c->leaf->width;
}
static inline int ls_col_def(const ls_column_t *c, size_t i) { return c->def ? c->def[i] : 0; }
static inline int ls_col_rep(const ls_column_t *c, size_t i) { return c->rep ? c->rep[i] : 0; }

/**
 * @brief Compare two batches of equal-shaped layouts: levels and values (floats by
 * bit pattern, so NaN equals NaN). On difference returns false and describes the
 * first one in @p why.
 */
bool ls_batch_equal(const ls_batch_t *a, const ls_batch_t *b, char *why, size_t whylen);

/**
 * @brief Append rows [from, from+n) of @p src to @p dst (same layout shape).
 * Used to merge decoded runs and to split batches into row groups.
 */
ls_err_t ls_batch_append_rows(ls_batch_t *dst, const ls_batch_t *src, size_t from, size_t n);

#endif

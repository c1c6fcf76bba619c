/*
 * schema.h — the Delta Lake type system (plus the few extra types Parquet files can
 * hold), as an owned tree of ls_type_t.
 *
 * Responsible for: building, copying, comparing, naming and serialising types to the
 * Delta schema JSON. Not responsible for: parsing schema JSON (json.h:
 * ls_json_parse_delta_schema) or the Parquet level layout (columnar.h).
 *
 * Ownership: a type owns its children. Constructors that take a child type take
 * ownership of it, also when they fail (the child is freed then).
 */
#ifndef LAKESINK_SCHEMA_H
#define LAKESINK_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lakesink/buf.h"
#include "lakesink/error.h"

typedef enum {
    LS_TYPE_STRING = 0,
    LS_TYPE_BINARY,
    LS_TYPE_BOOLEAN,
    LS_TYPE_BYTE,
    LS_TYPE_SHORT,
    LS_TYPE_INTEGER,
    LS_TYPE_LONG,
    LS_TYPE_FLOAT,
    LS_TYPE_DOUBLE,
    LS_TYPE_DECIMAL,
    LS_TYPE_DATE,          /* days since 1970-01-01 */
    LS_TYPE_TIMESTAMP,     /* microseconds since the epoch, UTC */
    LS_TYPE_TIMESTAMP_NTZ, /* microseconds, wall clock without zone */
    LS_TYPE_STRUCT,
    LS_TYPE_ARRAY,
    LS_TYPE_MAP,
    /* Read-only extensions: Parquet types with no Delta name. Never written to Delta. */
    LS_TYPE_UINT64, /* stored in int64 bits, printed unsigned */
    LS_TYPE_TIME,   /* microseconds since midnight */
    LS_TYPE_UUID,   /* 16 bytes */
    LS_TYPE_FIXED,  /* fixed-size binary of `width` bytes (also INTERVAL: 12) */
    LS_TYPE__COUNT
} ls_type_kind_t;

typedef struct ls_type_s ls_type_t;

typedef struct ls_field_s {
    char *name; /* owned */
    ls_type_t *type; /* owned */
    bool nullable;
} ls_field_t;

struct ls_type_s {
    ls_type_kind_t kind;
    int precision, scale; /* DECIMAL */
    int width;            /* FIXED */
    /* STRUCT */
    size_t nfields;
    ls_field_t *fields;
    /* ARRAY */
    ls_type_t *element;
    bool contains_null;
    /* MAP */
    ls_type_t *key;
    ls_type_t *value;
    bool value_contains_null;
};

#define LS_DECIMAL_MAX_PRECISION 38

/** @brief New primitive (not DECIMAL/FIXED/STRUCT/ARRAY/MAP). NULL on OOM. Caller owns. */
ls_type_t *ls_type_new(ls_type_kind_t kind);
/** @brief decimal(p,s); NULL when 1 <= p <= 38 and 0 <= s <= p do not hold. */
ls_type_t *ls_type_new_decimal(int precision, int scale);
/** @brief Fixed binary of @p width bytes (read-only extension). */
ls_type_t *ls_type_new_fixed(int width);
/** @brief Empty struct; add fields with ls_type_struct_add. */
ls_type_t *ls_type_new_struct(void);
/** @brief array<element>; takes @p element. */
ls_type_t *ls_type_new_array(ls_type_t *element, bool contains_null);
/** @brief map<key,value>; takes @p key and @p value. */
ls_type_t *ls_type_new_map(ls_type_t *key, ls_type_t *value, bool value_contains_null);
/**
 * @brief Append field @p name to struct @p st; takes @p type.
 * @returns LS_ERR_EXISTS for a duplicate name, LS_ERR_NOMEM.
 */
ls_err_t ls_type_struct_add(ls_type_t *st, const char *name, ls_type_t *type, bool nullable);
/** @brief Index of field @p name in struct @p st, or -1. Exact (case-sensitive) match. */
int ls_type_struct_find(const ls_type_t *st, const char *name);
/** @brief Deep copy; NULL on OOM. */
ls_type_t *ls_type_clone(const ls_type_t *t);
/** @brief Free @p t and its children. NULL is fine. */
void ls_type_free(ls_type_t *t);
/** @brief Deep equality (names, types, nullability). */
bool ls_type_equal(const ls_type_t *a, const ls_type_t *b);
/** @brief True for STRUCT, ARRAY, MAP. */
bool ls_type_is_nested(const ls_type_t *t);
/** @brief Delta name of a primitive kind ("long", "timestamp_ntz"); "struct"/"array"/"map" for nested. */
const char *ls_type_kind_name(ls_type_kind_t kind);
/** @brief Primitive kind for a Delta name, or -1. "decimal(p,s)" is not handled here. */
int ls_type_kind_parse(const char *name);
/** @brief Short printable name into @p out: "decimal(10,2)", "array<long>", "struct<...>". */
void ls_type_describe(const ls_type_t *t, char *out, size_t outlen);
/**
 * @brief Append the Delta schema JSON of @p t to @p out: for a STRUCT the
 * {"type":"struct","fields":[...]} object, for primitives the quoted name.
 */
ls_err_t ls_type_to_json(const ls_type_t *t, ls_buf_t *out);

/** @brief Bytes of the big-endian two's complement FIXED form of a decimal of precision @p p. */
int ls_decimal_fixed_width(int precision);

#endif

/*
 * jsonschema.h — a table's declared columns from a JSON Schema document (the subset of
 * draft-04 .. 2020-12 that describes records), as a Delta schema.
 *
 * Responsible for: mapping JSON Schema keywords to ls_type_t (rules and their reasons in
 * docs/internals/jsonschema.md), resolving local "$ref"s, and passing a Delta schema JSON
 * document through unchanged, so one `schema-file` key accepts either form.
 * Not responsible for: validating records against the schema (the decoder enforces
 * the column types and nullability; enum, pattern, minimum ... are not checked) or
 * reading the file.
 *
 * Ownership: the input text is borrowed for the call only; the result type belongs to
 * the caller (ls_type_free). Thread safety: no shared state; any thread may call.
 */
#ifndef LAKESINK_JSONSCHEMA_H
#define LAKESINK_JSONSCHEMA_H

#include <stdbool.h>
#include <stddef.h>

#include "lakesink/error.h"
#include "lakesink/schema.h"

/* Larger documents are refused (LS_ERR_LIMIT) before parsing. */
#define LS_JSONSCHEMA_MAX_BYTES ((size_t)16 << 20)
/* Nested schema levels (properties, items, map values, $ref and allOf/anyOf/oneOf hops)
 * below the root; deeper documents give LS_ERR_LIMIT. Keeps declared tables within the
 * decoder's default nesting limit (64 containers per record). */
#define LS_JSONSCHEMA_MAX_DEPTH 64
/* Schema nodes visited in total; bounds the work a document whose $refs fan out (a
 * definition used twice in each of many levels) can cause. LS_ERR_LIMIT beyond. */
#define LS_JSONSCHEMA_MAX_NODES 10000

/* What the caller needs to know besides the type. */
typedef struct ls_jsonschema_info_s {
    /* The root object sets "additionalProperties": false (or "unevaluatedProperties":
     * false): records must not carry members the schema does not declare. */
    bool closed;
    /* Some string column stands for "any JSON value" (an open object, an untyped
     * schema): decode with json_text_in_strings set so such values are kept as their
     * JSON text instead of rejecting the record. */
    bool json_text;
} ls_jsonschema_info_t;

/**
 * @brief Convert a JSON Schema document to a Delta schema.
 *
 * A document whose root is {"type":"struct","fields":[...]} is a Delta schema and is
 * parsed as one (ls_json_parse_delta_schema). Otherwise the root must be an object
 * schema with at least one property; property order is file order.
 *
 * @param text   the document, @p len bytes (need not be NUL-terminated).
 * @param source names the document in messages (a file path); NULL gives "JSON Schema".
 * @param out    receives a STRUCT type with at least one field; the caller owns it. NULL
 *               on error.
 * @param info   may be NULL; receives the flags above (all false for a Delta schema).
 * @param err    on error, "<source>: <JSON pointer>: <what>" naming the offending node,
 *               e.g. "events.json: /properties/tags/items: unsupported type \"null\"".
 * @returns LS_OK; LS_ERR_PARSE for malformed JSON; LS_ERR_SCHEMA for a schema outside the
 *          supported subset; LS_ERR_LIMIT for LS_JSONSCHEMA_MAX_* ; LS_ERR_NOMEM;
 *          LS_ERR_INVALID_ARG when @p text or @p out is NULL.
 */
ls_err_t ls_jsonschema_to_delta(const char *text, size_t len, const char *source, ls_type_t **out,
                                ls_jsonschema_info_t *info, ls_error_t *err);

#endif

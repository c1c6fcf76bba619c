/*
 * delta_schema.c — the Delta schema JSON (metaData.schemaString) into an ls_type_t
 * tree: {"type":"struct","fields":[{"name","type","nullable","metadata"}]}, nested
 * struct/array/map objects, "decimal(p,s)" and the Delta primitive names. Unknown
 * keys (metadata, column mapping) are ignored; unknown type names are errors that
 * name the type and the field.
 * Not responsible for: writing schemas (schema.c: ls_type_to_json) or column mapping.
 */
#include <stdio.h>
#include <string.h>

#include "json_int.h"
#include "lakesink/alloc.h"
#include "lakesink/json.h"

typedef struct {
    ls_error_t *err;
    char path[256];
} ls__ds_t;

static ls_err_t ls__ds_type(ls__ds_t *s, const ls_json_value_t *v, ls_type_t **out);

static ls_err_t ls__ds_fail(ls__ds_t *s, const char *what)
{
    return ls_error_set(s->err, LS_ERR_SCHEMA, "Delta schema, field %s: %s",
                        s->path[0] ? s->path : "<root>", what);
}

static bool ls__ds_bool(const ls_json_value_t *obj, const char *key, bool dflt)
{
    const ls_json_value_t *v = ls_json_get(obj, key);
    return (v != NULL && v->kind == LS_JSON_BOOL) ? v->b : dflt;
}

/* "decimal", "decimal(p,s)", "decimal( p , s )". */
static ls_type_t *ls__ds_decimal(const char *s, bool *matched)
{
    *matched = strncmp(s, "decimal", 7) == 0;
    if (!*matched) {
        return NULL;
    }
    if (s[7] == '\0') {
        return ls_type_new_decimal(10, 0); /* Spark's default for a bare "decimal" */
    }
    int p = -1, sc = -1, used = 0;
    if (sscanf(s + 7, " ( %3d , %3d )%n", &p, &sc, &used) != 2 || s[7 + used] != '\0') {
        return NULL;
    }
    return ls_type_new_decimal(p, sc);
}

static ls_err_t ls__ds_prim(ls__ds_t *s, const ls_json_value_t *v, ls_type_t **out)
{
    char msg[160];
    if (strlen(v->str) != v->len) {
        return ls__ds_fail(s, "type name contains a NUL byte");
    }
    bool dec;
    *out = ls__ds_decimal(v->str, &dec);
    if (dec) {
        snprintf(msg, sizeof(msg), "invalid decimal type \"%.64s\"", v->str);
        return *out ? LS_OK : ls__ds_fail(s, msg);
    }
    int k = ls_type_kind_parse(v->str);
    /* uint64/time/uuid are lakesink's read-only extensions, never Delta type names */
    if (k < 0 || k == LS_TYPE_UINT64 || k == LS_TYPE_TIME || k == LS_TYPE_UUID) {
        snprintf(msg, sizeof(msg), "unknown type \"%.64s\"", v->str);
        return ls__ds_fail(s, msg);
    }
    *out = ls_type_new((ls_type_kind_t)k);
    return *out ? LS_OK
                : ls_error_set(s->err, LS_ERR_NOMEM, "out of memory parsing a Delta schema");
}

static ls_err_t ls__ds_struct(ls__ds_t *s, const ls_json_value_t *v, ls_type_t **out)
{
    const ls_json_value_t *fields = ls_json_get(v, "fields");
    if (fields == NULL || fields->kind != LS_JSON_ARRAY) {
        return ls__ds_fail(s, "struct without a \"fields\" array");
    }
    ls_type_t *st = ls_type_new_struct();
    if (st == NULL) {
        return ls_error_set(s->err, LS_ERR_NOMEM, "out of memory parsing a Delta schema");
    }
    size_t plen = strlen(s->path);
    for (size_t i = 0; i < fields->n; i++) {
        const ls_json_value_t *f = fields->items[i];
        const ls_json_value_t *name = ls_json_get(f, "name");
        s->path[plen] = '\0';
        if (name == NULL || name->kind != LS_JSON_STRING || strlen(name->str) != name->len) {
            ls_type_free(st);
            return ls__ds_fail(s, "field without a valid \"name\" string");
        }
        snprintf(s->path + plen, sizeof(s->path) - plen, "%s%s", plen ? "." : "", name->str);
        ls_type_t *ft = NULL;
        ls_err_t rc = ls__ds_type(s, ls_json_get(f, "type"), &ft);
        if (rc == LS_OK) {
            rc = ls_type_struct_add(st, name->str, ft, ls__ds_bool(f, "nullable", true));
            if (rc == LS_ERR_EXISTS) {
                rc = ls__ds_fail(s, "duplicate field name");
            } else if (rc != LS_OK) {
                rc = ls_error_set(s->err, rc, "out of memory parsing a Delta schema");
            }
        }
        if (rc != LS_OK) {
            ls_type_free(st);
            return rc;
        }
    }
    s->path[plen] = '\0';
    *out = st;
    return LS_OK;
}

static ls_err_t ls__ds_type(ls__ds_t *s, const ls_json_value_t *v, ls_type_t **out)
{
    *out = NULL;
    if (v != NULL && v->kind == LS_JSON_STRING) {
        return ls__ds_prim(s, v, out);
    }
    const ls_json_value_t *t = ls_json_get(v, "type");
    if (t == NULL || t->kind != LS_JSON_STRING) {
        return ls__ds_fail(s, "\"type\" must be a type name or a type object");
    }
    if (strcmp(t->str, "struct") == 0) {
        return ls__ds_struct(s, v, out);
    }
    ls_type_t *a = NULL, *b = NULL;
    ls_err_t rc;
    if (strcmp(t->str, "array") == 0) {
        LS_TRY(ls__ds_type(s, ls_json_get(v, "elementType"), &a));
        *out = ls_type_new_array(a, ls__ds_bool(v, "containsNull", true));
    } else if (strcmp(t->str, "map") == 0) {
        LS_TRY(ls__ds_type(s, ls_json_get(v, "keyType"), &a));
        if ((rc = ls__ds_type(s, ls_json_get(v, "valueType"), &b)) != LS_OK) {
            ls_type_free(a);
            return rc;
        }
        *out = ls_type_new_map(a, b, ls__ds_bool(v, "valueContainsNull", true));
    } else {
        char msg[128];
        snprintf(msg, sizeof(msg), "unknown type \"%.64s\"", t->str);
        return ls__ds_fail(s, msg);
    }
    return *out ? LS_OK
                : ls_error_set(s->err, LS_ERR_NOMEM, "out of memory parsing a Delta schema");
}

ls_err_t ls_json_parse_delta_schema(const char *data, size_t len, ls_type_t **out, ls_error_t *err)
{
    if (out == NULL) {
        return ls_error_set(err, LS_ERR_INVALID_ARG, "ls_json_parse_delta_schema: out is NULL");
    }
    *out = NULL;
    ls_arena_t *arena = ls_arena_new(len / 2 + 4096, 0);
    if (arena == NULL) {
        return ls_error_set(err, LS_ERR_NOMEM, "out of memory parsing a Delta schema");
    }
    ls_json_value_t *root;
    ls_err_t rc = ls_json_parse(data, len, arena, &root, err);
    if (rc != LS_OK) {
        ls_error_prefix(err, "Delta schema: ");
    } else {
        ls__ds_t s = {.err = err};
        const ls_json_value_t *t = ls_json_get(root, "type");
        if (t == NULL || t->kind != LS_JSON_STRING || strcmp(t->str, "struct") != 0) {
            rc = ls_error_set(err, LS_ERR_SCHEMA,
                              "Delta schema: the root must be a struct type object");
        } else {
            rc = ls__ds_struct(&s, root, out);
        }
    }
    ls_arena_free(arena);
    return rc;
}

/*
 * schema.c — Delta type tree: construction, copy, equality, names, JSON output.
 */
#include "lakesink/schema.h"

#include <stdio.h>
#include <string.h>

#include "lakesink/alloc.h"

static const char *const ls__kind_names[LS_TYPE__COUNT] = {
    [LS_TYPE_STRING] = "string",
    [LS_TYPE_BINARY] = "binary",
    [LS_TYPE_BOOLEAN] = "boolean",
    [LS_TYPE_BYTE] = "byte",
    [LS_TYPE_SHORT] = "short",
    [LS_TYPE_INTEGER] = "integer",
    [LS_TYPE_LONG] = "long",
    [LS_TYPE_FLOAT] = "float",
    [LS_TYPE_DOUBLE] = "double",
    [LS_TYPE_DECIMAL] = "decimal",
    [LS_TYPE_DATE] = "date",
    [LS_TYPE_TIMESTAMP] = "timestamp",
    [LS_TYPE_TIMESTAMP_NTZ] = "timestamp_ntz",
    [LS_TYPE_STRUCT] = "struct",
    [LS_TYPE_ARRAY] = "array",
    [LS_TYPE_MAP] = "map",
    [LS_TYPE_UINT64] = "uint64",
    [LS_TYPE_TIME] = "time",
    [LS_TYPE_UUID] = "uuid",
    [LS_TYPE_FIXED] = "fixed",
};

const char *ls_type_kind_name(ls_type_kind_t kind)
{
    if ((unsigned)kind >= LS_TYPE__COUNT) {
        return "unknown";
    }
    return ls__kind_names[kind];
}

int ls_type_kind_parse(const char *name)
{
    /* "integer" and "int" are both seen in the wild; Delta writes "integer" */
    if (strcmp(name, "int") == 0) {
        return LS_TYPE_INTEGER;
    }
    for (int k = 0; k < LS_TYPE__COUNT; k++) {
        if (k == LS_TYPE_DECIMAL || k == LS_TYPE_STRUCT || k == LS_TYPE_ARRAY ||
            k == LS_TYPE_MAP || k == LS_TYPE_FIXED) {
            continue;
        }
        if (strcmp(name, ls__kind_names[k]) == 0) {
            return k;
        }
    }
    return -1;
}

ls_type_t *ls_type_new(ls_type_kind_t kind)
{
    if ((unsigned)kind >= LS_TYPE__COUNT) {
        return NULL;
    }
    ls_type_t *t = ls_calloc(1, sizeof(*t));
    if (t != NULL) {
        t->kind = kind;
    }
    return t;
}

ls_type_t *ls_type_new_decimal(int precision, int scale)
{
    if (precision < 1 || precision > LS_DECIMAL_MAX_PRECISION || scale < 0 || scale > precision) {
        return NULL;
    }
    ls_type_t *t = ls_type_new(LS_TYPE_DECIMAL);
    if (t != NULL) {
        t->precision = precision;
        t->scale = scale;
    }
    return t;
}

ls_type_t *ls_type_new_fixed(int width)
{
    if (width < 1) {
        return NULL;
    }
    ls_type_t *t = ls_type_new(LS_TYPE_FIXED);
    if (t != NULL) {
        t->width = width;
    }
    return t;
}

ls_type_t *ls_type_new_struct(void)
{
    return ls_type_new(LS_TYPE_STRUCT);
}

ls_type_t *ls_type_new_array(ls_type_t *element, bool contains_null)
{
    if (element == NULL) {
        return NULL;
    }
    ls_type_t *t = ls_type_new(LS_TYPE_ARRAY);
    if (t == NULL) {
        ls_type_free(element);
        return NULL;
    }
    t->element = element;
    t->contains_null = contains_null;
    return t;
}

ls_type_t *ls_type_new_map(ls_type_t *key, ls_type_t *value, bool value_contains_null)
{
    ls_type_t *t = (key && value) ? ls_type_new(LS_TYPE_MAP) : NULL;
    if (t == NULL) {
        ls_type_free(key);
        ls_type_free(value);
        return NULL;
    }
    t->key = key;
    t->value = value;
    t->value_contains_null = value_contains_null;
    return t;
}

int ls_type_struct_find(const ls_type_t *st, const char *name)
{
    for (size_t i = 0; i < st->nfields; i++) {
        if (strcmp(st->fields[i].name, name) == 0) {
            return (int)i;
        }
    }
    return -1;
}

ls_err_t ls_type_struct_add(ls_type_t *st, const char *name, ls_type_t *type, bool nullable)
{
    if (st == NULL || st->kind != LS_TYPE_STRUCT || type == NULL) {
        ls_type_free(type);
        return LS_ERR_INVALID_ARG;
    }
    if (ls_type_struct_find(st, name) >= 0) {
        ls_type_free(type);
        return LS_ERR_EXISTS;
    }
    ls_field_t *f = ls_reallocarray(st->fields, st->nfields + 1, sizeof(*f));
    char *nm = ls_strdup(name);
    if (f == NULL || nm == NULL) {
        if (f != NULL) {
            st->fields = f;
        }
        ls_free(nm);
        ls_type_free(type);
        return LS_ERR_NOMEM;
    }
    st->fields = f;
    f[st->nfields].name = nm;
    f[st->nfields].type = type;
    f[st->nfields].nullable = nullable;
    st->nfields++;
    return LS_OK;
}

void ls_type_free(ls_type_t *t)
{
    if (t == NULL) {
        return;
    }
    for (size_t i = 0; i < t->nfields; i++) {
        ls_free(t->fields[i].name);
        ls_type_free(t->fields[i].type);
    }
    ls_free(t->fields);
    ls_type_free(t->element);
    ls_type_free(t->key);
    ls_type_free(t->value);
    ls_free(t);
}

ls_type_t *ls_type_clone(const ls_type_t *t)
{
    ls_type_t *c = ls_type_new(t->kind);
    if (c == NULL) {
        return NULL;
    }
    c->precision = t->precision;
    c->scale = t->scale;
    c->width = t->width;
    c->contains_null = t->contains_null;
    c->value_contains_null = t->value_contains_null;
    for (size_t i = 0; i < t->nfields; i++) {
        ls_type_t *ft = ls_type_clone(t->fields[i].type);
        if (ft == NULL || ls_type_struct_add(c, t->fields[i].name, ft, t->fields[i].nullable)) {
            ls_type_free(c);
            return NULL;
        }
    }
    if ((t->element && !(c->element = ls_type_clone(t->element))) ||
        (t->key && !(c->key = ls_type_clone(t->key))) ||
        (t->value && !(c->value = ls_type_clone(t->value)))) {
        ls_type_free(c);
        return NULL;
    }
    return c;
}

bool ls_type_equal(const ls_type_t *a, const ls_type_t *b)
{
    if (a == NULL || b == NULL) {
        return a == b;
    }
    if (a->kind != b->kind) {
        return false;
    }
    switch (a->kind) {
    case LS_TYPE_DECIMAL:
        return a->precision == b->precision && a->scale == b->scale;
    case LS_TYPE_FIXED:
        return a->width == b->width;
    case LS_TYPE_STRUCT:
        if (a->nfields != b->nfields) {
            return false;
        }
        for (size_t i = 0; i < a->nfields; i++) {
            if (strcmp(a->fields[i].name, b->fields[i].name) != 0 ||
                a->fields[i].nullable != b->fields[i].nullable ||
                !ls_type_equal(a->fields[i].type, b->fields[i].type)) {
                return false;
            }
        }
        return true;
    case LS_TYPE_ARRAY:
        return a->contains_null == b->contains_null && ls_type_equal(a->element, b->element);
    case LS_TYPE_MAP:
        return a->value_contains_null == b->value_contains_null &&
               ls_type_equal(a->key, b->key) && ls_type_equal(a->value, b->value);
    default:
        return true;
    }
}

bool ls_type_is_nested(const ls_type_t *t)
{
    return t->kind == LS_TYPE_STRUCT || t->kind == LS_TYPE_ARRAY || t->kind == LS_TYPE_MAP;
}

static void ls__describe(const ls_type_t *t, ls_buf_t *b)
{
    switch (t->kind) {
    case LS_TYPE_DECIMAL:
        ls_buf_printf(b, "decimal(%d,%d)", t->precision, t->scale);
        break;
    case LS_TYPE_FIXED:
        ls_buf_printf(b, "fixed(%d)", t->width);
        break;
    case LS_TYPE_ARRAY:
        ls_buf_append_str(b, "array<");
        ls__describe(t->element, b);
        ls_buf_append_str(b, ">");
        break;
    case LS_TYPE_MAP:
        ls_buf_append_str(b, "map<");
        ls__describe(t->key, b);
        ls_buf_append_str(b, ",");
        ls__describe(t->value, b);
        ls_buf_append_str(b, ">");
        break;
    case LS_TYPE_STRUCT:
        ls_buf_append_str(b, "struct<");
        for (size_t i = 0; i < t->nfields; i++) {
            ls_buf_printf(b, "%s%s:", i ? "," : "", t->fields[i].name);
            ls__describe(t->fields[i].type, b);
        }
        ls_buf_append_str(b, ">");
        break;
    default:
        ls_buf_append_str(b, ls_type_kind_name(t->kind));
    }
}

void ls_type_describe(const ls_type_t *t, char *out, size_t outlen)
{
    if (outlen == 0) {
        return;
    }
    ls_buf_t b;
    ls_buf_init(&b, outlen > 1 ? outlen - 1 : 1);
    ls__describe(t, &b);
    size_t n = b.len < outlen - 1 ? b.len : outlen - 1;
    if (n > 0) {
        memcpy(out, b.data, n);
    }
    out[n] = '\0';
    ls_buf_free(&b);
}

static ls_err_t ls__field_json(const ls_field_t *f, ls_buf_t *out);

ls_err_t ls_type_to_json(const ls_type_t *t, ls_buf_t *out)
{
    switch (t->kind) {
    case LS_TYPE_DECIMAL:
        return ls_buf_printf(out, "\"decimal(%d,%d)\"", t->precision, t->scale);
    case LS_TYPE_STRUCT:
        LS_TRY(ls_buf_append_str(out, "{\"type\":\"struct\",\"fields\":["));
        for (size_t i = 0; i < t->nfields; i++) {
            if (i > 0) {
                LS_TRY(ls_buf_append_byte(out, ','));
            }
            LS_TRY(ls__field_json(&t->fields[i], out));
        }
        return ls_buf_append_str(out, "]}");
    case LS_TYPE_ARRAY:
        LS_TRY(ls_buf_append_str(out, "{\"type\":\"array\",\"elementType\":"));
        LS_TRY(ls_type_to_json(t->element, out));
        return ls_buf_printf(out, ",\"containsNull\":%s}", t->contains_null ? "true" : "false");
    case LS_TYPE_MAP:
        LS_TRY(ls_buf_append_str(out, "{\"type\":\"map\",\"keyType\":"));
        LS_TRY(ls_type_to_json(t->key, out));
        LS_TRY(ls_buf_append_str(out, ",\"valueType\":"));
        LS_TRY(ls_type_to_json(t->value, out));
        return ls_buf_printf(out, ",\"valueContainsNull\":%s}",
                             t->value_contains_null ? "true" : "false");
    case LS_TYPE_FIXED:
    case LS_TYPE_UUID:
        return ls_buf_append_str(out, "\"binary\"");
    case LS_TYPE_UINT64:
        return ls_buf_append_str(out, "\"decimal(20,0)\"");
    case LS_TYPE_TIME:
        return ls_buf_append_str(out, "\"long\"");
    default:
        return ls_buf_printf(out, "\"%s\"", ls_type_kind_name(t->kind));
    }
}

static ls_err_t ls__field_json(const ls_field_t *f, ls_buf_t *out)
{
    LS_TRY(ls_buf_append_str(out, "{\"name\":"));
    LS_TRY(ls_json_append_string(out, f->name, strlen(f->name)));
    LS_TRY(ls_buf_append_str(out, ",\"type\":"));
    LS_TRY(ls_type_to_json(f->type, out));
    return ls_buf_printf(out, ",\"nullable\":%s,\"metadata\":{}}", f->nullable ? "true" : "false");
}

int ls_decimal_fixed_width(int precision)
{
    /* smallest n with 2^(8n-1) > 10^p - 1 */
    static const int widths[LS_DECIMAL_MAX_PRECISION + 1] = {
        1, 1, 1, 2, 2, 3, 3, 4, 4, 4, 5, 5, 6, 6, 6, 7, 7, 8, 8, 9,
        9, 9, 10, 10, 11, 11, 11, 12, 12, 13, 13, 14, 14, 14, 15, 15, 16, 16, 16};
    if (precision < 1) {
        return 1;
    }
    if (precision > LS_DECIMAL_MAX_PRECISION) {
        return 16 + (precision - LS_DECIMAL_MAX_PRECISION + 2) / 2; /* read-only, oversize */
    }
    return widths[precision];
}

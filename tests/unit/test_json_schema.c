/*
 * test_json_schema.c — JSON Schema → Delta schema (jsonschema.h): the users' example
 * schema end to end (conversion, decoding records against it, writing them back), every
 * mapping rule, every error and the JSON pointer it names, the depth and node limits,
 * "$ref" cycles, the Delta schema passthrough and allocation failures.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lakesink/alloc.h"
#include "lakesink/json.h"
#include "lakesink/jsonschema.h"
#include "testutil.h"

static const char k_example[] =
    "{\"$schema\": \"http://json-schema.org/draft-04/schema#\", \"type\": \"object\","
    " \"title\": \"User Events Schema\","
    " \"required\": [\"user_id\", \"event_type\", \"timestamp\"],"
    " \"properties\": {"
    "   \"user_id\": {\"type\": \"string\"},"
    "   \"event_type\": {\"type\": \"string\", \"enum\": [\"click\", \"view\", \"signup\"]},"
    "   \"timestamp\": {\"type\": \"string\", \"format\": \"date-time\"},"
    "   \"page_url\": {\"type\": \"string\", \"format\": \"uri\"},"
    "   \"session_id\": {\"type\": \"string\"},"
    "   \"properties\": {\"type\": \"object\", \"additionalProperties\": true}},"
    " \"additionalProperties\": false}";

/* Field JSON as ls_type_to_json writes it; nullable is the token true or false. */
#define NB_true "true"
#define NB_false "false"
#define FLDS(name, type, nb)                                                                       \
    "{\"name\":\"" name "\",\"type\":" type ",\"nullable\":" nb ",\"metadata\":{}}"
#define FLD(name, type, nullable) FLDS(name, type, NB_##nullable)

static char g_json[8192];

/* Convert @p doc and return the Delta schema JSON (static buffer); fails the test on error. */
static const char *to_json(const char *doc, ls_jsonschema_info_t *info)
{
    ls_type_t *t = NULL;
    ls_error_t err;
    if (ls_jsonschema_to_delta(doc, strlen(doc), "t.json", &t, info, &err) != LS_OK) {
        fail_msg("%s\n  -> %s", doc, err.msg);
    }
    assert_non_null(t);
    assert_int_equal(t->kind, LS_TYPE_STRUCT);
    ls_buf_t b;
    ls_buf_init(&b, sizeof(g_json) - 1);
    assert_int_equal(ls_type_to_json(t, &b), LS_OK);
    memcpy(g_json, b.data, b.len);
    g_json[b.len] = '\0';
    ls_buf_free(&b);
    ls_type_free(t);
    return g_json;
}

/* The Delta JSON of a one-property object {"x": prop}, required when @p req. */
static const char *prop(const char *p, bool req, ls_jsonschema_info_t *info)
{
    char doc[4096];
    snprintf(doc, sizeof(doc), "{\"type\":\"object\",\"properties\":{\"x\":%s}%s}", p,
             req ? ",\"required\":[\"x\"]" : "");
    return to_json(doc, info);
}

#define ONE(type, nullable) "{\"type\":\"struct\",\"fields\":[" FLDS("x", type, NB_##nullable) "]}"

static void expect_err(const char *doc, ls_err_t code, const char *needle)
{
    ls_type_t *t = (ls_type_t *)&t;
    ls_error_t err;
    ls_error_clear(&err);
    ls_err_t rc = ls_jsonschema_to_delta(doc, strlen(doc), "t.json", &t, NULL, &err);
    if (rc != code || strstr(err.msg, needle) == NULL) {
        fail_msg("%.300s\n  -> %s (%s), expected %s with \"%s\"", doc, ls_err_name(rc), err.msg,
                 ls_err_name(code), needle);
    }
    assert_null(t);
}

/* Like expect_err for a one-property document. */
static void expect_prop_err(const char *p, ls_err_t code, const char *needle)
{
    char doc[4096];
    snprintf(doc, sizeof(doc), "{\"type\":\"object\",\"properties\":{\"x\":%s}}", p);
    expect_err(doc, code, needle);
}

/* ------------------------------------------------------------ the example */

static void test_example(void **state)
{
    (void)state;
    ls_jsonschema_info_t info = {false, false};
    const char *want =
        "{\"type\":\"struct\",\"fields\":[" FLD("user_id", "\"string\"", false) "," FLD(
            "event_type", "\"string\"",
            false) "," FLD("timestamp", "\"timestamp\"",
                           false) "," FLD("page_url", "\"string\"",
                                          true) "," FLD("session_id", "\"string\"",
                                                        true) "," FLD("properties", "\"string\"",
                                                                      true) "]}";
    assert_string_equal(to_json(k_example, &info), want);
    assert_true(info.closed);
    assert_true(info.json_text);
}

/* Records decode against the converted schema as the doc says (json_text_in_strings). */
static void test_example_decodes(void **state)
{
    (void)state;
    ls_type_t *t = NULL;
    ls_error_t err;
    ls_jsonschema_info_t info;
    assert_int_equal(
        ls_jsonschema_to_delta(k_example, strlen(k_example), "ex.json", &t, &info, &err), LS_OK);
    ls_layout_t *l = ls_layout_new(t, &err);
    assert_non_null(l);
    ls_json_decoder_opts_t o;
    ls_json_decoder_opts_init(&o);
    o.json_text_in_strings = info.json_text;
    o.unknown_fields = info.closed ? LS_JSON_UNKNOWN_ERROR : LS_JSON_UNKNOWN_IGNORE;
    ls_json_decoder_t *d = ls_json_decoder_new(l, &o, &err);
    ls_batch_t *b = ls_batch_new(l, 0);
    assert_true(d != NULL && b != NULL);
    const char *ok = "{\"user_id\":\"u1\",\"event_type\":\"click\","
                     "\"timestamp\":\"2024-01-15T10:30:00Z\",\"properties\":{\"a\":[1,2]}}";
    assert_int_equal(ls_json_decode_record(d, b, ok, strlen(ok), &err), LS_OK);
    const char *missing = "{\"event_type\":\"view\",\"timestamp\":\"2024-01-15T10:30:00Z\"}";
    assert_int_equal(ls_json_decode_record(d, b, missing, strlen(missing), &err), LS_ERR_SCHEMA);
    const char *extra = "{\"user_id\":\"u\",\"event_type\":\"view\","
                        "\"timestamp\":\"2024-01-15T10:30:00Z\",\"zz\":1}";
    assert_int_equal(ls_json_decode_record(d, b, extra, strlen(extra), &err), LS_ERR_SCHEMA);
    ls_buf_t out;
    ls_buf_init(&out, 4096);
    assert_int_equal(ls_json_write_rows(b, 0, b->nrows, &out, &err), LS_OK);
    assert_int_equal(ls_buf_terminate(&out), LS_OK);
    assert_string_equal((const char *)out.data,
                        "{\"user_id\":\"u1\",\"event_type\":\"click\","
                        "\"timestamp\":\"2024-01-15T10:30:00.000000Z\",\"page_url\":null,"
                        "\"session_id\":null,\"properties\":\"{\\\"a\\\":[1,2]}\"}\n");
    ls_buf_free(&out);
    ls_batch_free(b);
    ls_json_decoder_free(d);
    ls_layout_free(l);
    ls_type_free(t);
}

/* ------------------------------------------------------------ mapping rules */

static void test_primitives(void **state)
{
    (void)state;
    ls_jsonschema_info_t info;
    assert_string_equal(prop("{\"type\":\"string\"}", false, &info), ONE("\"string\"", true));
    assert_false(info.json_text);
    assert_false(info.closed);
    assert_string_equal(prop("{\"type\":\"integer\"}", false, NULL), ONE("\"long\"", true));
    assert_string_equal(prop("{\"type\":\"integer\",\"minimum\":0,\"maximum\":10}", false, NULL),
                        ONE("\"long\"", true)); /* long even when int32 would do */
    assert_string_equal(prop("{\"type\":\"number\"}", false, NULL), ONE("\"double\"", true));
    assert_string_equal(prop("{\"type\":\"boolean\"}", true, NULL), ONE("\"boolean\"", false));
    assert_string_equal(prop("{\"type\":\"string\",\"format\":\"date-time\"}", false, NULL),
                        ONE("\"timestamp\"", true));
    assert_string_equal(prop("{\"type\":\"string\",\"format\":\"date\"}", false, NULL),
                        ONE("\"date\"", true));
    static const char *const as_string[] = {"uuid",     "uri",  "email",    "time",
                                            "hostname", "ipv4", "duration", "Date-Time"};
    for (size_t i = 0; i < sizeof(as_string) / sizeof(as_string[0]); i++) {
        char p[128];
        snprintf(p, sizeof(p), "{\"type\":\"string\",\"format\":\"%s\"}", as_string[i]);
        assert_string_equal(prop(p, false, NULL), ONE("\"string\"", true));
    }
    assert_string_equal(prop("{\"type\":\"string\",\"contentEncoding\":\"base64\"}", false, NULL),
                        ONE("\"binary\"", true));
    assert_string_equal(prop("{\"type\":\"string\",\"contentEncoding\":\"BASE64\"}", false, NULL),
                        ONE("\"binary\"", true));
    assert_string_equal(prop("{\"type\":\"string\",\"contentEncoding\":\"base32\"}", false, NULL),
                        ONE("\"string\"", true));
    /* validation keywords are ignored; format on a non-string type too */
    assert_string_equal(prop("{\"type\":\"string\",\"pattern\":\"^a\",\"minLength\":1,"
                             "\"description\":\"d\",\"default\":\"a\"}",
                             false, NULL),
                        ONE("\"string\"", true));
    assert_string_equal(prop("{\"type\":\"integer\",\"format\":\"date-time\"}", false, NULL),
                        ONE("\"long\"", true));
}

static void test_required_and_nullable(void **state)
{
    (void)state;
    assert_string_equal(prop("{\"type\":\"string\"}", true, NULL), ONE("\"string\"", false));
    /* a required member whose schema admits null may be null */
    assert_string_equal(prop("{\"type\":[\"string\",\"null\"]}", true, NULL),
                        ONE("\"string\"", true));
    assert_string_equal(prop("{\"type\":[\"null\",\"integer\"]}", false, NULL),
                        ONE("\"long\"", true));
    assert_string_equal(prop("{\"type\":[\"integer\",\"number\"]}", true, NULL),
                        ONE("\"double\"", false));
    assert_string_equal(prop("{\"type\":[\"string\",\"string\",\"null\"]}", true, NULL),
                        ONE("\"string\"", true));
    /* nested required applies to the nested struct only */
    assert_string_equal(
        to_json("{\"properties\":{\"o\":{\"type\":\"object\",\"required\":[\"a\"],"
                "\"properties\":{\"a\":{\"type\":\"integer\"},\"b\":{\"type\":\"integer\"}}}},"
                "\"required\":[\"o\"]}",
                NULL),
        "{\"type\":\"struct\",\"fields\":[" FLD(
            "o",
            "{\"type\":\"struct\",\"fields\":[" FLD("a", "\"long\"", false) "," FLD("b", "\"long\"",
                                                                                    true) "]}",
            false) "]}");
}

static void test_arrays(void **state)
{
    (void)state;
    ls_jsonschema_info_t info;
    assert_string_equal(
        prop("{\"type\":\"array\",\"items\":{\"type\":\"integer\"}}", true, &info),
        ONE("{\"type\":\"array\",\"elementType\":\"long\",\"containsNull\":true}", false));
    assert_false(info.json_text);
    assert_string_equal(
        prop("{\"items\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}}}", false, NULL),
        ONE("{\"type\":\"array\",\"elementType\":{\"type\":\"array\",\"elementType\":\"string\","
            "\"containsNull\":true},\"containsNull\":true}",
            true));
    assert_string_equal(
        prop("{\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":"
             "{\"k\":{\"type\":\"boolean\"}},\"required\":[\"k\"]}}",
             false, NULL),
        ONE("{\"type\":\"array\",\"elementType\":{\"type\":\"struct\",\"fields\":[" FLD(
                "k", "\"boolean\"", false) "]},\"containsNull\":true}",
            true));
    /* without items: elements of any type, kept as JSON text */
    assert_string_equal(
        prop("{\"type\":\"array\"}", false, &info),
        ONE("{\"type\":\"array\",\"elementType\":\"string\",\"containsNull\":true}", true));
    assert_true(info.json_text);
    assert_string_equal(
        prop("{\"type\":\"array\",\"items\":true}", false, NULL),
        ONE("{\"type\":\"array\",\"elementType\":\"string\",\"containsNull\":true}", true));
}

static void test_objects(void **state)
{
    (void)state;
    ls_jsonschema_info_t info;
    static const char *const json_text[] = {
        "{\"type\":\"object\"}",
        "{\"type\":\"object\",\"additionalProperties\":true}",
        "{\"type\":\"object\",\"additionalProperties\":{}}",
        "{\"type\":\"object\",\"properties\":{}}",
        "{}",
        "true",
        "{\"description\":\"anything\"}",
        "{\"patternProperties\":{\"^a\":{\"type\":\"string\"},\"^b\":{\"type\":\"integer\"}}}",
        "{\"type\":\"object\",\"required\":[\"a\"]}"};
    for (size_t i = 0; i < sizeof(json_text) / sizeof(json_text[0]); i++) {
        assert_string_equal(prop(json_text[i], false, &info), ONE("\"string\"", true));
        assert_true(info.json_text);
    }
    assert_string_equal(
        prop("{\"type\":\"object\",\"additionalProperties\":{\"type\":\"integer\"}}", false, NULL),
        ONE("{\"type\":\"map\",\"keyType\":\"string\",\"valueType\":\"long\","
            "\"valueContainsNull\":true}",
            true));
    assert_string_equal(
        prop("{\"additionalProperties\":{\"type\":\"object\",\"additionalProperties\":"
             "{\"type\":\"number\"}}}",
             false, NULL),
        ONE("{\"type\":\"map\",\"keyType\":\"string\",\"valueType\":{\"type\":\"map\","
            "\"keyType\":\"string\",\"valueType\":\"double\",\"valueContainsNull\":true},"
            "\"valueContainsNull\":true}",
            true));
    assert_string_equal(
        prop("{\"type\":\"object\",\"patternProperties\":{\"^x-\":{\"type\":\"boolean\"}},"
             "\"additionalProperties\":false}",
             false, NULL),
        ONE("{\"type\":\"map\",\"keyType\":\"string\",\"valueType\":\"boolean\","
            "\"valueContainsNull\":true}",
            true));
    /* properties win over additionalProperties; members beyond them are not columns */
    assert_string_equal(
        prop("{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\"}},"
             "\"additionalProperties\":{\"type\":\"integer\"}}",
             false, &info),
        ONE("{\"type\":\"struct\",\"fields\":[" FLD("a", "\"string\"", true) "]}", true));
    assert_false(info.closed); /* only the root's flag counts */
    /* the root: closed by additionalProperties false or unevaluatedProperties false */
    to_json("{\"properties\":{\"a\":{}},\"unevaluatedProperties\":false}", &info);
    assert_true(info.closed);
    to_json("{\"properties\":{\"a\":{}},\"additionalProperties\":{\"type\":\"string\"}}", &info);
    assert_false(info.closed);
    /* file order is column order; odd names are kept as they are */
    assert_string_equal(
        to_json("{\"properties\":{\"z\":{\"type\":\"integer\"},\"a b\":{\"type\":\"integer\"},"
                "\"\\u00e9\":{\"type\":\"integer\"},\"m\":{\"type\":\"integer\"}}}",
                NULL),
        "{\"type\":\"struct\",\"fields\":[" FLD("z", "\"long\"", true) "," FLD(
            "a b", "\"long\"", true) "," FLD("\xc3\xa9", "\"long\"", true) "," FLD("m", "\"long\"",
                                                                                   true) "]}");
}

static void test_refs(void **state)
{
    (void)state;
    const char *want =
        ONE("{\"type\":\"struct\",\"fields\":[" FLD("street", "\"string\"", false) "]}", true);
    assert_string_equal(
        to_json("{\"definitions\":{\"addr\":{\"type\":\"object\",\"required\":[\"street\"],"
                "\"properties\":{\"street\":{\"type\":\"string\"}}}},"
                "\"properties\":{\"x\":{\"$ref\":\"#/definitions/addr\"}}}",
                NULL),
        want);
    assert_string_equal(
        to_json("{\"$defs\":{\"addr\":{\"type\":\"object\",\"required\":[\"street\"],"
                "\"properties\":{\"street\":{\"type\":\"string\"}}}},"
                "\"properties\":{\"x\":{\"$ref\":\"#/$defs/addr\",\"description\":\"d\"}}}",
                NULL),
        want);
    /* chains, escaped and percent-encoded names, array indexes, a referenced root */
    assert_string_equal(
        to_json(
            "{\"$defs\":{\"a\":{\"$ref\":\"#/$defs/b~1c\"},\"b/c\":{\"$ref\":\"#/$defs/d%20~0\"},"
            "\"d ~\":{\"$ref\":\"#/$defs/list/1\"},\"list\":[{},{\"type\":\"boolean\"}]},"
            "\"properties\":{\"x\":{\"$ref\":\"#/$defs/a\"}}}",
            NULL),
        ONE("\"boolean\"", true));
    ls_jsonschema_info_t info;
    assert_string_equal(
        to_json("{\"$ref\":\"#/definitions/Root\",\"definitions\":{\"Root\":{\"type\":\"object\","
                "\"properties\":{\"x\":{\"type\":\"integer\"}},\"additionalProperties\":false}}}",
                &info),
        ONE("\"long\"", true));
    assert_true(info.closed);
    /* the same definition used twice is not a cycle */
    assert_string_equal(
        to_json("{\"$defs\":{\"n\":{\"type\":\"integer\"}},\"properties\":{"
                "\"a\":{\"$ref\":\"#/$defs/n\"},\"b\":{\"type\":\"array\",\"items\":"
                "{\"$ref\":\"#/$defs/n\"}}}}",
                NULL),
        "{\"type\":\"struct\",\"fields\":[" FLD("a", "\"long\"", true) "," FLD(
            "b", "{\"type\":\"array\",\"elementType\":\"long\",\"containsNull\":true}", true) "]}");
    /* a nullable reference */
    assert_string_equal(
        to_json("{\"$defs\":{\"s\":{\"type\":[\"string\",\"null\"]}},\"required\":[\"x\"],"
                "\"properties\":{\"x\":{\"$ref\":\"#/$defs/s\"}}}",
                NULL),
        ONE("\"string\"", true));
}

static void test_ref_errors(void **state)
{
    (void)state;
    expect_prop_err("{\"$ref\":\"other.json#/definitions/a\"}", LS_ERR_SCHEMA,
                    "t.json: /properties/x/$ref: only references within the document");
    expect_prop_err("{\"$ref\":\"#anchor\"}", LS_ERR_SCHEMA,
                    "/properties/x/$ref: \"#anchor\" is "
                    "not a JSON pointer");
    expect_prop_err("{\"$ref\":\"#/definitions/a~2\"}", LS_ERR_SCHEMA, "not a JSON pointer");
    expect_prop_err("{\"$ref\":\"#/definitions/a%2\"}", LS_ERR_SCHEMA, "not a JSON pointer");
    expect_prop_err("{\"$ref\":\"#/definitions/nope\"}", LS_ERR_SCHEMA,
                    "/properties/x/$ref: cannot resolve \"#/definitions/nope\"");
    expect_prop_err("{\"$ref\":\"#/properties/x/type/01\"}", LS_ERR_SCHEMA, "cannot resolve");
    expect_prop_err("{\"$ref\":\"#/properties/x/$ref\"}", LS_ERR_SCHEMA,
                    "/properties/x/$ref: a schema must be an object or a boolean");
    expect_prop_err("{\"$ref\":5}", LS_ERR_SCHEMA, "/properties/x/$ref: \"$ref\" must be a string");
    char doc[2200];
    char *p = doc + snprintf(doc, sizeof(doc), "{\"properties\":{\"x\":{\"$ref\":\"#/");
    memset(p, 'a', 1100);
    snprintf(p + 1100, 16, "\"}}}");
    expect_err(doc, LS_ERR_LIMIT, "reference longer than");
    /* errors inside a definition name the definition's pointer */
    expect_err("{\"definitions\":{\"a\":{\"type\":\"object\",\"properties\":{\"b\":{\"type\":"
               "\"nope\"}}}},\"properties\":{\"x\":{\"$ref\":\"#/definitions/a\"}}}",
               LS_ERR_SCHEMA, "t.json: /definitions/a/properties/b: unsupported type \"nope\"");
}

static void test_ref_cycles(void **state)
{
    (void)state;
    expect_err("{\"definitions\":{\"a\":{\"$ref\":\"#/definitions/a\"}},"
               "\"properties\":{\"x\":{\"$ref\":\"#/definitions/a\"}}}",
               LS_ERR_SCHEMA, "/definitions/a/$ref: recursive reference \"#/definitions/a\"");
    expect_err("{\"definitions\":{\"node\":{\"type\":\"object\",\"properties\":{\"v\":"
               "{\"type\":\"integer\"},\"next\":{\"$ref\":\"#/definitions/node\"}}}},"
               "\"properties\":{\"head\":{\"$ref\":\"#/definitions/node\"}}}",
               LS_ERR_SCHEMA, "/definitions/node/properties/next/$ref: recursive reference");
    expect_err("{\"$defs\":{\"a\":{\"items\":{\"$ref\":\"#/$defs/b\"}},\"b\":{\"oneOf\":["
               "{\"$ref\":\"#/$defs/a\"},{\"type\":\"null\"}]}},"
               "\"properties\":{\"x\":{\"$ref\":\"#/$defs/a\"}}}",
               LS_ERR_SCHEMA, "/$defs/b/oneOf/0/$ref: recursive reference \"#/$defs/a\"");
    expect_prop_err("{\"$ref\":\"#\"}", LS_ERR_SCHEMA,
                    "/properties/x/$ref: recursive reference \"#\"");
    expect_err("{\"$ref\":\"#\"}", LS_ERR_SCHEMA, "t.json: /$ref: recursive reference \"#\"");
}

static void test_unions(void **state)
{
    (void)state;
    assert_string_equal(prop("{\"oneOf\":[{\"type\":\"string\"},{\"type\":\"null\"}]}", true, NULL),
                        ONE("\"string\"", true));
    assert_string_equal(
        prop("{\"anyOf\":[{\"type\":\"null\"},{\"type\":\"integer\"}]}", true, NULL),
        ONE("\"long\"", true));
    assert_string_equal(prop("{\"anyOf\":[{\"type\":\"integer\"}]}", true, NULL),
                        ONE("\"long\"", false));
    assert_string_equal(
        prop("{\"oneOf\":[{\"type\":\"string\",\"format\":\"email\"},{\"type\":\"string\","
             "\"format\":\"uri\"},{\"const\":null}]}",
             true, NULL),
        ONE("\"string\"", true));
    assert_string_equal(prop("{\"allOf\":[{\"type\":\"boolean\"}]}", true, NULL),
                        ONE("\"boolean\"", false));
    /* "type" takes precedence over oneOf (which then only validates) */
    assert_string_equal(
        prop("{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\"}},"
             "\"oneOf\":[{\"required\":[\"a\"]},{\"type\":\"null\"}]}",
             true, NULL),
        ONE("{\"type\":\"struct\",\"fields\":[" FLD("a", "\"string\"", true) "]}", false));
    expect_prop_err("{\"oneOf\":[{\"type\":\"string\"},{\"type\":\"integer\"}]}", LS_ERR_SCHEMA,
                    "t.json: /properties/x/oneOf: a union of different types (string, long)");
    expect_prop_err(
        "{\"anyOf\":[{\"type\":\"null\"},{\"type\":\"integer\"},{\"type\":\"number\"}]}",
        LS_ERR_SCHEMA, "/properties/x/anyOf: a union of different types");
    expect_prop_err("{\"oneOf\":[]}", LS_ERR_SCHEMA,
                    "/properties/x/oneOf: \"oneOf\" must be a "
                    "non-empty array");
    expect_prop_err("{\"anyOf\":{}}", LS_ERR_SCHEMA, "\"anyOf\" must be a non-empty array");
    expect_prop_err("{\"oneOf\":[{\"type\":\"null\"}]}", LS_ERR_SCHEMA,
                    "/properties/x: unsupported type \"null\"");
    expect_prop_err("{\"oneOf\":[{\"type\":\"string\"},{\"type\":\"bad\"}]}", LS_ERR_SCHEMA,
                    "/properties/x/oneOf/1: unsupported type \"bad\"");
    expect_prop_err("{\"allOf\":[{\"type\":\"string\"},{\"minLength\":1}]}", LS_ERR_SCHEMA,
                    "/properties/x/allOf: \"allOf\" is supported with exactly one schema");
    expect_prop_err("{\"type\":[\"string\",\"integer\"]}", LS_ERR_SCHEMA,
                    "/properties/x/type: a column of several types is not supported");
}

static void test_enum_const(void **state)
{
    (void)state;
    assert_string_equal(prop("{\"enum\":[\"a\",\"b\"]}", true, NULL), ONE("\"string\"", false));
    assert_string_equal(prop("{\"enum\":[\"a\",null]}", true, NULL), ONE("\"string\"", true));
    assert_string_equal(prop("{\"enum\":[1,2,3]}", true, NULL), ONE("\"long\"", false));
    assert_string_equal(prop("{\"enum\":[1,2.5]}", true, NULL), ONE("\"double\"", false));
    assert_string_equal(prop("{\"enum\":[true]}", true, NULL), ONE("\"boolean\"", false));
    assert_string_equal(prop("{\"const\":\"v1\"}", true, NULL), ONE("\"string\"", false));
    assert_string_equal(prop("{\"const\":7}", false, NULL), ONE("\"long\"", true));
    assert_string_equal(prop("{\"type\":\"integer\",\"enum\":[\"a\"]}", false, NULL),
                        ONE("\"long\"", true)); /* type wins */
    expect_prop_err("{\"enum\":[\"a\",1]}", LS_ERR_SCHEMA,
                    "/properties/x/enum: values of different JSON types");
    expect_prop_err("{\"enum\":[{\"a\":1}]}", LS_ERR_SCHEMA, "/properties/x/enum: values of");
    expect_prop_err("{\"const\":[1]}", LS_ERR_SCHEMA, "/properties/x/const: values of");
    expect_prop_err("{\"enum\":[]}", LS_ERR_SCHEMA, "\"enum\" must be a non-empty array");
    expect_prop_err("{\"enum\":\"a\"}", LS_ERR_SCHEMA, "\"enum\" must be a non-empty array");
    expect_prop_err("{\"enum\":[null]}", LS_ERR_SCHEMA, "/properties/x: unsupported type \"null\"");
    expect_prop_err("{\"const\":null}", LS_ERR_SCHEMA, "/properties/x: unsupported type \"null\"");
}

/* ------------------------------------------------------------ errors */

static void test_type_errors(void **state)
{
    (void)state;
    expect_err("{\"properties\":{\"items\":{\"type\":\"array\",\"items\":{\"type\":\"null\"}}}}",
               LS_ERR_SCHEMA, "t.json: /properties/items/items: unsupported type \"null\"");
    expect_prop_err("{\"type\":\"null\"}", LS_ERR_SCHEMA,
                    "/properties/x: unsupported type \"null\"");
    expect_prop_err("{\"type\":[\"null\"]}", LS_ERR_SCHEMA, "unsupported type \"null\"");
    expect_prop_err("{\"type\":[]}", LS_ERR_SCHEMA, "unsupported type \"null\"");
    expect_prop_err("{\"type\":\"int\"}", LS_ERR_SCHEMA, "/properties/x: unsupported type \"int\"");
    expect_prop_err("{\"type\":\"bad\\u0001\"}", LS_ERR_SCHEMA, "unsupported type \"bad?\"");
    expect_prop_err("{\"type\":5}", LS_ERR_SCHEMA,
                    "/properties/x/type: \"type\" must be a type name or an array");
    expect_prop_err("{\"type\":[\"string\",3]}", LS_ERR_SCHEMA, "\"type\" must be a type name");
    expect_prop_err("false", LS_ERR_SCHEMA, "/properties/x: the schema false admits no value");
    expect_prop_err("3", LS_ERR_SCHEMA, "/properties/x: a schema must be an object or a boolean");
    expect_prop_err("{\"type\":\"array\",\"items\":[{\"type\":\"string\"}]}", LS_ERR_SCHEMA,
                    "/properties/x: tuple arrays");
    expect_prop_err("{\"type\":\"array\",\"prefixItems\":[{\"type\":\"string\"}]}", LS_ERR_SCHEMA,
                    "tuple arrays");
    expect_prop_err("{\"type\":\"array\",\"items\":{\"type\":\"null\"}}", LS_ERR_SCHEMA,
                    "/properties/x/items: unsupported type \"null\"");
    expect_prop_err("{\"type\":\"object\",\"additionalProperties\":{\"type\":\"null\"}}",
                    LS_ERR_SCHEMA, "/properties/x/additionalProperties: unsupported type");
    expect_prop_err("{\"type\":\"object\",\"additionalProperties\":false}", LS_ERR_SCHEMA,
                    "/properties/x: an object with no properties that allows no others");
    expect_prop_err("{\"type\":\"object\",\"additionalProperties\":1}", LS_ERR_SCHEMA,
                    "/properties/x/additionalProperties: must be a boolean or a schema");
    expect_prop_err("{\"type\":\"object\",\"properties\":[]}", LS_ERR_SCHEMA,
                    "/properties/x/properties: \"properties\" must be an object");
    expect_prop_err("{\"patternProperties\":{\"^a\":{\"type\":\"null\"}}}", LS_ERR_SCHEMA,
                    "/properties/x/patternProperties/^a: unsupported type");
}

static void test_property_errors(void **state)
{
    (void)state;
    expect_err("{\"properties\":{\"a\":{},\"b\":{}},\"required\":[\"a\",\"c\"]}", LS_ERR_SCHEMA,
               "t.json: /required: required property \"c\" is not declared");
    expect_err("{\"properties\":{\"a\":{}},\"required\":\"a\"}", LS_ERR_SCHEMA,
               "/required: \"required\" must be an array of names");
    expect_err("{\"properties\":{\"a\":{}},\"required\":[1]}", LS_ERR_SCHEMA,
               "/required: \"required\" must be an array of names");
    expect_err("{\"properties\":{\"Id\":{},\"x\":{},\"id\":{}}}", LS_ERR_SCHEMA,
               "differ only in case");
    expect_err("{\"properties\":{\"\":{}}}", LS_ERR_SCHEMA,
               "/properties/: a column name must be non-empty");
    expect_err("{\"properties\":{\"a\\u0000b\":{}}}", LS_ERR_SCHEMA,
               "/properties/a?b: a column name must be non-empty and must not contain NUL");
    /* pointer escapes (RFC 6901) and control characters in messages */
    expect_err("{\"properties\":{\"a/b~c\\n\":{\"type\":\"nope\"}}}", LS_ERR_SCHEMA,
               "/properties/a~1b~0c?: unsupported type");
    /* duplicates are merged by the parser: the last schema at the first position */
    assert_string_equal(to_json("{\"properties\":{\"a\":{\"type\":\"string\"},\"b\":{},"
                                "\"a\":{\"type\":\"integer\"}}}",
                                NULL),
                        "{\"type\":\"struct\",\"fields\":[" FLD("a", "\"long\"", true) "," FLD(
                            "b", "\"string\"", true) "]}");
}

static void test_root_errors(void **state)
{
    (void)state;
    const char *root = "t.json: (root): the root must be an object schema with properties";
    expect_err("{\"type\":\"object\"}", LS_ERR_SCHEMA, root);
    expect_err("{\"type\":\"object\",\"properties\":{}}", LS_ERR_SCHEMA, root);
    expect_err("{\"type\":\"string\"}", LS_ERR_SCHEMA, root);
    expect_err("{\"type\":\"array\",\"items\":{\"type\":\"string\"}}", LS_ERR_SCHEMA, root);
    expect_err("{\"additionalProperties\":{\"type\":\"string\"}}", LS_ERR_SCHEMA, root);
    expect_err("{}", LS_ERR_SCHEMA, root);
    expect_err("true", LS_ERR_SCHEMA, root);
    expect_err("{\"type\":\"null\"}", LS_ERR_SCHEMA, root);
    expect_err("[]", LS_ERR_SCHEMA, "t.json: (root): a schema must be an object or a boolean");
    expect_err("false", LS_ERR_SCHEMA, "(root): the schema false admits no value");
    expect_err("{\"type\":\"object\",\"additionalProperties\":false}", LS_ERR_SCHEMA,
               "(root): an object with no properties that allows no others has no columns");
    expect_err("{\"properties\":{\"a\":{}}", LS_ERR_PARSE, "t.json: ");
    expect_err("", LS_ERR_PARSE, "t.json: ");
    expect_err("{\"properties\":{\"a\":{}}} x", LS_ERR_PARSE, "t.json: ");
}

static void test_args(void **state)
{
    (void)state;
    ls_type_t *t = NULL;
    ls_error_t err;
    ls_jsonschema_info_t info = {true, true};
    assert_int_equal(ls_jsonschema_to_delta(NULL, 0, "s", &t, &info, &err), LS_ERR_INVALID_ARG);
    assert_false(info.closed || info.json_text);
    assert_int_equal(ls_jsonschema_to_delta("{}", 2, "s", NULL, NULL, &err), LS_ERR_INVALID_ARG);
    /* the size check comes before any byte is read */
    assert_int_equal(ls_jsonschema_to_delta("{}", LS_JSONSCHEMA_MAX_BYTES + 1, "s", &t, NULL, &err),
                     LS_ERR_LIMIT);
    assert_null(t);
    const char *bad = "{\"type\":\"nope\"}";
    assert_int_equal(ls_jsonschema_to_delta(bad, strlen(bad), NULL, &t, NULL, &err), LS_ERR_SCHEMA);
    assert_string_equal(err.msg, "JSON Schema: (root): unsupported type \"nope\"");
    /* not NUL-terminated: only len bytes are read */
    const char doc[] = "{\"properties\":{\"a\":{}}}garbage";
    assert_int_equal(ls_jsonschema_to_delta(doc, 23, "s", &t, NULL, &err), LS_OK);
    ls_type_free(t);
    assert_int_equal(ls_jsonschema_to_delta(bad, strlen(bad), "s", &t, NULL, NULL),
                     LS_ERR_SCHEMA); /* err may be NULL */
}

/* ------------------------------------------------------------ limits */

/* {"properties":{"a": ... n objects deep ... {"type":"string"}}} */
static char *nested(int n, const char *open, const char *close, const char *leaf)
{
    size_t cap = (strlen(open) + strlen(close)) * (size_t)n + strlen(leaf) + 1;
    char *s = ls_malloc(cap), *p = s;
    assert_non_null(s);
    for (int i = 0; i < n; i++) {
        p += snprintf(p, cap - (size_t)(p - s), "%s", open);
    }
    p += snprintf(p, cap - (size_t)(p - s), "%s", leaf);
    for (int i = 0; i < n; i++) {
        p += snprintf(p, cap - (size_t)(p - s), "%s", close);
    }
    return s;
}

static void test_depth_limit(void **state)
{
    (void)state;
    /* n objects: the root at depth 0, the leaf string at depth n */
    char *ok =
        nested(LS_JSONSCHEMA_MAX_DEPTH, "{\"properties\":{\"a\":", "}}", "{\"type\":\"string\"}");
    ls_type_t *t = NULL;
    ls_error_t err;
    assert_int_equal(ls_jsonschema_to_delta(ok, strlen(ok), "d", &t, NULL, &err), LS_OK);
    ls_layout_t *l = ls_layout_new(t, &err); /* the columnar layer accepts the depth */
    assert_non_null(l);
    ls_layout_free(l);
    ls_type_free(t);
    ls_free(ok);
    /* the deepest arrays and maps fit the Parquet level limit of the layout too */
    static const char *const wraps[] = {"{\"type\":\"array\",\"items\":",
                                        "{\"additionalProperties\":"};
    for (size_t w = 0; w < 2; w++) {
        char *inner = nested(LS_JSONSCHEMA_MAX_DEPTH - 1, wraps[w], "}", "{\"type\":\"string\"}");
        char *doc = ls_malloc(strlen(inner) + 64);
        assert_non_null(doc);
        snprintf(doc, strlen(inner) + 64, "{\"properties\":{\"x\":%s}}", inner);
        assert_int_equal(ls_jsonschema_to_delta(doc, strlen(doc), "d", &t, NULL, &err), LS_OK);
        l = ls_layout_new(t, &err);
        if (l == NULL) {
            fail_msg("layout: %s", err.msg);
        }
        ls_layout_free(l);
        ls_type_free(t);
        ls_free(doc);
        ls_free(inner);
    }
    char *deep = nested(LS_JSONSCHEMA_MAX_DEPTH + 1, "{\"properties\":{\"a\":", "}}",
                        "{\"type\":\"string\"}");
    expect_err(deep, LS_ERR_LIMIT, "schema nested deeper than 64 levels");
    ls_free(deep);
    /* wrappers count too: allOf, arrays, references */
    deep = nested(LS_JSONSCHEMA_MAX_DEPTH + 1, "{\"allOf\":[", "]}",
                  "{\"type\":\"object\","
                  "\"properties\":{\"a\":{}}}");
    expect_err(deep, LS_ERR_LIMIT, "/allOf/0/allOf/0/");
    ls_free(deep);
    deep = nested(600, "{\"items\":", "}", "{}");
    expect_err(deep, LS_ERR_LIMIT, "t.json: byte 4608: document nested deeper than 512");
    ls_free(deep);
    /* a reference chain a0 -> a1 -> ... */
    ls_buf_t b;
    ls_buf_init(&b, LS_BUF_UNLIMITED);
    assert_int_equal(ls_buf_printf(&b, "{\"properties\":{\"x\":{\"$ref\":\"#/$defs/a0\"}},"
                                       "\"$defs\":{"),
                     LS_OK);
    for (int i = 0; i < 100; i++) {
        assert_int_equal(ls_buf_printf(&b, "\"a%d\":{\"$ref\":\"#/$defs/a%d\"},", i, i + 1), LS_OK);
    }
    assert_int_equal(ls_buf_printf(&b, "\"a100\":{}}}"), LS_OK);
    assert_int_equal(ls_buf_terminate(&b), LS_OK);
    expect_err((const char *)b.data, LS_ERR_LIMIT, "t.json: /$defs/a63: schema nested deeper");
    ls_buf_free(&b);
}

/* Definitions that each use the next one twice: 2^16 leaves from a short document. */
static void test_node_limit(void **state)
{
    (void)state;
    ls_buf_t b;
    ls_buf_init(&b, LS_BUF_UNLIMITED);
    assert_int_equal(ls_buf_printf(&b, "{\"properties\":{\"x\":{\"$ref\":\"#/$defs/d0\"}},"
                                       "\"$defs\":{"),
                     LS_OK);
    for (int i = 0; i < 16; i++) {
        assert_int_equal(ls_buf_printf(&b,
                                       "\"d%d\":{\"properties\":{\"a\":{\"$ref\":"
                                       "\"#/$defs/d%d\"},\"b\":{\"$ref\":\"#/$defs/d%d\"}}},",
                                       i, i + 1, i + 1),
                         LS_OK);
    }
    assert_int_equal(ls_buf_printf(&b, "\"d16\":{\"type\":\"integer\"}}}"), LS_OK);
    assert_int_equal(ls_buf_terminate(&b), LS_OK);
    expect_err((const char *)b.data, LS_ERR_LIMIT, "more than 10000 schema nodes");
    ls_buf_free(&b);
    /* 11 levels fit: 1 + 2 * (2^12 - 1) = 8191 visits */
    ls_buf_init(&b, LS_BUF_UNLIMITED);
    assert_int_equal(ls_buf_printf(&b, "{\"properties\":{\"x\":{\"$ref\":\"#/$defs/d0\"}},"
                                       "\"$defs\":{"),
                     LS_OK);
    for (int i = 0; i < 11; i++) {
        assert_int_equal(ls_buf_printf(&b,
                                       "\"d%d\":{\"properties\":{\"a\":{\"$ref\":"
                                       "\"#/$defs/d%d\"},\"b\":{\"$ref\":\"#/$defs/d%d\"}}},",
                                       i, i + 1, i + 1),
                         LS_OK);
    }
    assert_int_equal(ls_buf_printf(&b, "\"d11\":{\"type\":\"integer\"}}}"), LS_OK);
    ls_type_t *t = NULL;
    ls_error_t err;
    assert_int_equal(ls_jsonschema_to_delta((const char *)b.data, b.len, "n", &t, NULL, &err),
                     LS_OK);
    ls_type_free(t);
    ls_buf_free(&b);
}

/* ------------------------------------------------------------ Delta passthrough */

static void test_delta_passthrough(void **state)
{
    (void)state;
    const char *delta =
        "{\"type\":\"struct\",\"fields\":[{\"name\":\"a\",\"type\":\"decimal(10,2)\","
        "\"nullable\":false,\"metadata\":{}},{\"name\":\"m\",\"type\":{\"type\":\"map\","
        "\"keyType\":\"string\",\"valueType\":\"integer\",\"valueContainsNull\":false},"
        "\"nullable\":true,\"metadata\":{}}]}";
    ls_type_t *t = NULL, *want = NULL;
    ls_error_t err;
    ls_jsonschema_info_t info = {true, true};
    assert_int_equal(ls_jsonschema_to_delta(delta, strlen(delta), "d.json", &t, &info, &err),
                     LS_OK);
    assert_int_equal(ls_json_parse_delta_schema(delta, strlen(delta), &want, &err), LS_OK);
    assert_true(ls_type_equal(t, want));
    assert_false(info.closed || info.json_text);
    ls_type_free(t);
    ls_type_free(want);
    expect_err("{\"type\":\"struct\",\"fields\":[{\"name\":\"a\",\"type\":\"nope\"}]}",
               LS_ERR_SCHEMA, "t.json: Delta schema, field a: unknown type \"nope\"");
    expect_err("{\"type\":\"struct\",\"fields\":[]}", LS_ERR_SCHEMA,
               "t.json: Delta schema without fields");
    /* "type":"struct" without "fields" is not a Delta schema, nor a JSON Schema type */
    expect_err("{\"type\":\"struct\"}", LS_ERR_SCHEMA, "(root): unsupported type \"struct\"");
}

/* ------------------------------------------------------------ allocation failures */

static void test_oom(void **state)
{
    (void)state;
    const char *docs[] = {
        k_example,
        "{\"$defs\":{\"a\":{\"type\":\"array\",\"items\":{\"type\":\"object\","
        "\"additionalProperties\":{\"type\":\"integer\"}}}},\"properties\":{\"x\":{\"$ref\":"
        "\"#/$defs/a\"},\"y\":{\"oneOf\":[{\"$ref\":\"#/$defs/a\"},{\"$ref\":\"#/$defs/a\"}]}}}",
        "{\"type\":\"struct\",\"fields\":[{\"name\":\"a\",\"type\":\"long\"}]}"};
    for (size_t d = 0; d < sizeof(docs) / sizeof(docs[0]); d++) {
        bool done = false;
        for (long n = 0; !done && n < 10000; n++) {
            for (int sticky = 0; sticky <= 1; sticky++) {
                ls_type_t *t = NULL;
                ls_error_t err;
                ls_alloc_fail_after(n, sticky);
                ls_err_t rc = ls_jsonschema_to_delta(docs[d], strlen(docs[d]), "o", &t, NULL, &err);
                ls_alloc_fail_after(-1, 0);
                if (rc == LS_OK) {
                    assert_non_null(t);
                    done = sticky;
                } else {
                    assert_int_equal(rc, LS_ERR_NOMEM);
                    assert_null(t);
                }
                ls_type_free(t);
            }
        }
        assert_true(done);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_example),
        cmocka_unit_test(test_example_decodes),
        cmocka_unit_test(test_primitives),
        cmocka_unit_test(test_required_and_nullable),
        cmocka_unit_test(test_arrays),
        cmocka_unit_test(test_objects),
        cmocka_unit_test(test_refs),
        cmocka_unit_test(test_ref_errors),
        cmocka_unit_test(test_ref_cycles),
        cmocka_unit_test(test_unions),
        cmocka_unit_test(test_enum_const),
        cmocka_unit_test(test_type_errors),
        cmocka_unit_test(test_property_errors),
        cmocka_unit_test(test_root_errors),
        cmocka_unit_test(test_args),
        cmocka_unit_test(test_depth_limit),
        cmocka_unit_test(test_node_limit),
        cmocka_unit_test(test_delta_passthrough),
        cmocka_unit_test(test_oom),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

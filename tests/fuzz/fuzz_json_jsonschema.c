/*
 * fuzz_json_jsonschema.c — JSON Schema → Delta schema on arbitrary bytes. Checks: every
 * error names the source and has an expected code; every result is a non-empty struct
 * the columnar layer accepts, whose Delta schema JSON converts back (passthrough) to an
 * equal type with no flags set.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lakesink/json.h"
#include "lakesink/jsonschema.h"

static void ls__check_result(const ls_type_t *t)
{
    ls_error_t err;
    if (t == NULL || t->kind != LS_TYPE_STRUCT || t->nfields == 0) {
        abort();
    }
    ls_layout_t *l = ls_layout_new(t, &err);
    if (l == NULL && err.code != LS_ERR_NOMEM) {
        fprintf(stderr, "layout refused a converted schema: %s\n", err.msg);
        abort();
    }
    ls_layout_free(l);
    ls_buf_t out;
    ls_buf_init(&out, (size_t)16 << 20);
    if (ls_type_to_json(t, &out) == LS_OK) {
        ls_type_t *t2 = NULL;
        ls_jsonschema_info_t info;
        ls_err_t rc = ls_jsonschema_to_delta((const char *)out.data, out.len, "again", &t2, &info,
                                             &err);
        if (rc == LS_OK && (!ls_type_equal(t, t2) || info.closed || info.json_text)) {
            abort();
        }
        if (rc != LS_OK && rc != LS_ERR_NOMEM) {
            fprintf(stderr, "passthrough refused its own output: %s\n", err.msg);
            abort();
        }
        ls_type_free(t2);
    }
    ls_buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ls_type_t *t = NULL;
    ls_error_t err;
    ls_jsonschema_info_t info;
    ls_error_clear(&err);
    ls_err_t rc = ls_jsonschema_to_delta((const char *)data, size, "fz", &t, &info, &err);
    if (rc == LS_OK) {
        ls__check_result(t);
    } else {
        if (t != NULL || strncmp(err.msg, "fz: ", 4) != 0 ||
            (rc != LS_ERR_PARSE && rc != LS_ERR_SCHEMA && rc != LS_ERR_LIMIT &&
             rc != LS_ERR_NOMEM)) {
            fprintf(stderr, "bad error report: %s %s\n", ls_err_name(rc), err.msg);
            abort();
        }
    }
    ls_type_free(t);
    return 0;
}

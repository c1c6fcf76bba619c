/*
 * test_delta.c — Delta log actions and helpers: every action kind parsed and written back
 * (round trip to identical bytes), leniency (unknown actions/fields, nulls) and strictness
 * (missing required fields, wrong types, two actions on a line), path decoding, interval
 * properties, log file classification, and the additive schema merge.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "delta/delta_int.h"
#include "lakesink/alloc.h"
#include "lakesink/delta.h"
#include "lakesink/json.h"
#include "testutil.h"

/* Parse @p line, write it back, and return the written text (static buffer). */
static const char *roundtrip(const char *line, ls_delta_action_kind_t kind)
{
    static char out[8192];
    ls_arena_t *a = ls_arena_new(4096, 0);
    ls_delta_action_t act;
    ls_error_t err;
    ls_err_t rc = ls_delta_action_parse(line, strlen(line), a, &act, &err);
    if (rc != LS_OK) {
        fail_msg("parse %s: %s", line, err.msg);
    }
    assert_int_equal(act.kind, kind);
    ls_buf_t b;
    ls_buf_init(&b, 1 << 20);
    rc = ls_delta_action_write(&act, &b, &err);
    if (rc != LS_OK) {
        fail_msg("write: %s", err.msg);
    }
    assert_true(b.len < sizeof(out));
    memcpy(out, b.data, b.len);
    out[b.len] = '\0';
    /* the written form parses to the same thing and writes identically */
    ls_delta_action_t again;
    assert_int_equal(ls_delta_action_parse(out, b.len, a, &again, &err), LS_OK);
    ls_buf_reset(&b);
    assert_int_equal(ls_delta_action_write(&again, &b, &err), LS_OK);
    assert_int_equal(b.len, strlen(out));
    assert_memory_equal(b.data, out, b.len);
    ls_buf_free(&b);
    ls_arena_free(a);
    return out;
}

static void test_roundtrip_every_action(void **state)
{
    (void)state;
    static const struct {
        const char *line;
        ls_delta_action_kind_t kind;
    } cases[] = {
        {"{\"protocol\":{\"minReaderVersion\":1,\"minWriterVersion\":2}}", LS_DELTA_ACT_PROTOCOL},
        {"{\"protocol\":{\"minReaderVersion\":3,\"minWriterVersion\":7,\"readerFeatures\":["
         "\"timestampNtz\"],\"writerFeatures\":[\"timestampNtz\",\"appendOnly\"]}}",
         LS_DELTA_ACT_PROTOCOL},
        {"{\"metaData\":{\"id\":\"abc\",\"name\":\"n\",\"description\":\"d\",\"format\":{"
         "\"provider\":\"parquet\",\"options\":{\"k\":\"v\"}},\"schemaString\":\"{\\\"type\\\":"
         "\\\"struct\\\",\\\"fields\\\":[]}\",\"partitionColumns\":[\"a\",\"b\"],"
         "\"configuration\":{\"delta.appendOnly\":\"true\"},\"createdTime\":123}}",
         LS_DELTA_ACT_METADATA},
        {"{\"add\":{\"path\":\"a=1/p%20q.parquet\",\"partitionValues\":{\"a\":\"1\",\"b\":null},"
         "\"size\":42,\"modificationTime\":7,\"dataChange\":true,\"stats\":\"{\\\"numRecords\\\""
         ":3}\",\"tags\":{\"t\":\"x\"},\"deletionVector\":{\"storageType\":\"u\","
         "\"pathOrInlineDv\":\"ab^-aqEH.-t@S}K{vb[*k^\",\"offset\":4,\"sizeInBytes\":40,"
         "\"cardinality\":6,\"maxRowIndex\":9},\"baseRowId\":5,\"defaultRowCommitVersion\":2,"
         "\"clusteringProvider\":\"liquid\"}}",
         LS_DELTA_ACT_ADD},
        {"{\"add\":{\"path\":\"x\",\"partitionValues\":{},\"size\":0,\"modificationTime\":0,"
         "\"dataChange\":false}}",
         LS_DELTA_ACT_ADD},
        {"{\"remove\":{\"path\":\"x\",\"deletionTimestamp\":9,\"dataChange\":true,"
         "\"extendedFileMetadata\":true,\"partitionValues\":{\"a\":null},\"size\":4,\"stats\":"
         "\"{}\",\"tags\":{},\"deletionVector\":{\"storageType\":\"i\",\"pathOrInlineDv\":\"wi5b\","
         "\"sizeInBytes\":40,\"cardinality\":6},\"baseRowId\":1,\"defaultRowCommitVersion\":1}}",
         LS_DELTA_ACT_REMOVE},
        {"{\"remove\":{\"path\":\"y\",\"dataChange\":false}}", LS_DELTA_ACT_REMOVE},
        {"{\"txn\":{\"appId\":\"app-t-0\",\"version\":364475,\"lastUpdated\":1}}",
         LS_DELTA_ACT_TXN},
        {"{\"txn\":{\"appId\":\"a\",\"version\":-1}}", LS_DELTA_ACT_TXN},
        {"{\"commitInfo\":{\"timestamp\":1,\"operation\":\"WRITE\",\"operationParameters\":{"
         "\"mode\":\"Append\"},\"nested\":[1,2.5,true,null,\"x\"]}}",
         LS_DELTA_ACT_COMMIT_INFO},
        {"{\"domainMetadata\":{\"domain\":\"com.x\",\"configuration\":\"{}\",\"removed\":false}}",
         LS_DELTA_ACT_DOMAIN_METADATA},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *out = roundtrip(cases[i].line, cases[i].kind);
        assert_string_equal(out, cases[i].line);
    }
}

static void test_parse_fields(void **state)
{
    (void)state;
    ls_arena_t *a = ls_arena_new(4096, 0);
    ls_delta_action_t act;
    ls_error_t err;
    const char *line = "{\"add\":{\"path\":\"p\",\"partitionValues\":{\"a\":null,\"n\":5,"
                       "\"b\":true},\"size\":3,\"modificationTime\":4,\"dataChange\":true,"
                       "\"unknownField\":{\"x\":[1]}}}";
    assert_int_equal(ls_delta_action_parse(line, strlen(line), a, &act, &err), LS_OK);
    assert_int_equal(act.kind, LS_DELTA_ACT_ADD);
    assert_string_equal(act.u.add.path, "p");
    assert_int_equal(act.u.add.n_partition_values, 3);
    assert_null(act.u.add.partition_values[0].value); /* JSON null stays null */
    assert_string_equal(act.u.add.partition_values[1].value, "5");
    assert_string_equal(act.u.add.partition_values[2].value, "true");
    assert_null(act.u.add.stats);
    assert_null(act.u.add.dv);
    /* commitInfo keeps its JSON and the fields lakesink reads */
    line = "{\"commitInfo\":{\"timestamp\":77,\"inCommitTimestamp\":78,\"operation\":\"MERGE\"}}";
    assert_int_equal(ls_delta_action_parse(line, strlen(line), a, &act, &err), LS_OK);
    assert_true(act.u.commit_info.has_timestamp);
    assert_int_equal(act.u.commit_info.timestamp, 77);
    assert_int_equal(act.u.commit_info.in_commit_timestamp, 78);
    assert_string_equal(act.u.commit_info.operation, "MERGE");
    /* unknown and ignored actions */
    line = "{\"futureAction\":{\"x\":1}}";
    assert_int_equal(ls_delta_action_parse(line, strlen(line), a, &act, &err), LS_OK);
    assert_int_equal(act.kind, LS_DELTA_ACT_UNKNOWN);
    line = "{\"cdc\":{\"path\":\"_change_data/x\",\"partitionValues\":{},\"size\":1,"
           "\"dataChange\":false}}";
    assert_int_equal(ls_delta_action_parse(line, strlen(line), a, &act, &err), LS_OK);
    assert_int_equal(act.kind, LS_DELTA_ACT_CDC);
    /* a JSON-checkpoint-style row: the non-null member is the action */
    line = "{\"txn\":null,\"add\":null,\"remove\":{\"path\":\"r\",\"dataChange\":false}}";
    assert_int_equal(ls_delta_action_parse(line, strlen(line), a, &act, &err), LS_OK);
    assert_int_equal(act.kind, LS_DELTA_ACT_REMOVE);
    ls_buf_t b;
    ls_buf_init(&b, 1024);
    assert_int_equal(ls_delta_action_write(&act, &b, &err), LS_OK);
    act.kind = LS_DELTA_ACT_CDC;
    assert_int_equal(ls_delta_action_write(&act, &b, &err), LS_ERR_UNSUPPORTED);
    ls_buf_free(&b);
    ls_arena_free(a);
}

static void test_parse_errors(void **state)
{
    (void)state;
    static const struct {
        const char *line;
        ls_err_t code;
        const char *needle;
    } bad[] = {
        {"{\"add\":{\"partitionValues\":{},\"size\":1}}", LS_ERR_CORRUPT, "add.path"},
        {"{\"add\":{\"path\":\"p\",\"partitionValues\":{}}}", LS_ERR_CORRUPT, "add.size"},
        {"{\"add\":{\"path\":\"p\",\"size\":\"1\"}}", LS_ERR_CORRUPT, "add.size"},
        {"{\"add\":{\"path\":\"p\",\"size\":-1}}", LS_ERR_CORRUPT, "negative"},
        {"{\"add\":{\"path\":\"\",\"size\":1}}", LS_ERR_CORRUPT, "empty"},
        {"{\"add\":{\"path\":\"p\",\"size\":1,\"partitionValues\":{\"a\":[1]}}}", LS_ERR_CORRUPT,
         "partitionValues"},
        {"{\"add\":{\"path\":\"p\\u0000q\",\"size\":1}}", LS_ERR_CORRUPT, "NUL"},
        {"{\"add\":{\"path\":\"p\",\"size\":1,\"dataChange\":1}}", LS_ERR_CORRUPT, "dataChange"},
        {"{\"txn\":{\"appId\":\"a\"}}", LS_ERR_CORRUPT, "txn.version"},
        {"{\"txn\":{\"appId\":\"a\",\"version\":1.5}}", LS_ERR_CORRUPT, "txn.version"},
        {"{\"protocol\":{\"minReaderVersion\":1}}", LS_ERR_CORRUPT, "minWriterVersion"},
        {"{\"protocol\":{\"minReaderVersion\":1,\"minWriterVersion\":99999999999}}", LS_ERR_CORRUPT,
         "32 bits"},
        {"{\"metaData\":{\"format\":{}}}", LS_ERR_CORRUPT, "metaData.id"},
        {"{\"metaData\":{\"id\":\"x\",\"partitionColumns\":[1]}}", LS_ERR_CORRUPT,
         "partitionColumns"},
        {"{\"add\":{\"path\":\"p\",\"size\":1},\"remove\":{\"path\":\"p\"}}", LS_ERR_CORRUPT,
         "two actions"},
        {"[1]", LS_ERR_CORRUPT, "object"},
        {"{\"add\":5}", LS_ERR_CORRUPT, "object"},
        {"{\"add\":{\"path\":\"p\",\"size\":1,\"deletionVector\":{\"storageType\":\"uu\"}}}",
         LS_ERR_CORRUPT, "storageType"},
        {"{\"add\":{\"path\":\"p\",\"size\":1,\"deletionVector\":{\"storageType\":\"u\","
         "\"pathOrInlineDv\":\"x\"}}}",
         LS_ERR_CORRUPT, "sizeInBytes"},
        {"{\"add\":{\"path\":\"p\",\"size\":1", LS_ERR_PARSE, "byte"},
    };
    ls_arena_t *a = ls_arena_new(4096, 0);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ls_delta_action_t act;
        ls_error_t err;
        ls_err_t rc = ls_delta_action_parse(bad[i].line, strlen(bad[i].line), a, &act, &err);
        if (rc != bad[i].code || strstr(err.msg, bad[i].needle) == NULL) {
            fail_msg("%s: got %s '%s'", bad[i].line, ls_err_name(rc), err.msg);
        }
    }
    ls_arena_free(a);
}

static void test_path_decode(void **state)
{
    (void)state;
    static const char *const ok[][2] = {
        {"a%20b", "a b"},
        {"p@%23h", "p@#h"},
        {"x+y", "x+y"},
        {"a=2021-09-08%2011%253A11%253A11/f", "a=2021-09-08 11%3A11%3A11/f"},
        {"%e2%82%AC", "\xe2\x82\xac"},
        {"", ""},
    };
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        char *out = NULL;
        ls_error_t err;
        assert_int_equal(ls_delta_path_decode(ok[i][0], &out, &err), LS_OK);
        assert_string_equal(out, ok[i][1]);
        ls_free(out);
    }
    static const char *const bad[] = {"%", "a%2", "%zz", "a%00b", "%%41"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char *out = NULL;
        ls_error_t err;
        assert_int_equal(ls_delta_path_decode(bad[i], &out, &err), LS_ERR_CORRUPT);
        assert_null(out);
        assert_non_null(strstr(err.msg, "path"));
    }
}

static void test_interval(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        int64_t ms;
    } ok[] = {
        {"interval 1 week", 7LL * 86400000}, {"interval 7 days", 7LL * 86400000},
        {"7 days", 7LL * 86400000},          {"INTERVAL 2 days 12 hours", 60LL * 3600000},
        {"interval 30 seconds", 30000},      {"interval 1 minute 1 millisecond", 60001},
        {"interval 5000 microseconds", 5},   {"  interval   1   day  ", 86400000},
    };
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        int64_t ms = -1;
        ls_error_t err;
        assert_int_equal(ls_delta_parse_interval(ok[i].text, &ms, &err), LS_OK);
        assert_int_equal(ms, ok[i].ms);
    }
    static const char *const bad[] = {"",
                                      "interval",
                                      "1 month",
                                      "interval 1 year",
                                      "7",
                                      "days",
                                      "interval -1 day",
                                      "1 day x",
                                      "interval 99999999999999999999 days"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int64_t ms;
        ls_error_t err;
        if (ls_delta_parse_interval(bad[i], &ms, &err) != LS_ERR_CONFIG) {
            fail_msg("'%s' should be refused", bad[i]);
        }
    }
}

static void test_log_classify(void **state)
{
    (void)state;
    ls__log_entry_t e;
    assert_true(ls__delta_log_classify("_delta_log/00000000000000000012.json", &e));
    assert_int_equal(e.kind, LS__LOG_JSON);
    assert_int_equal(e.version, 12);
    assert_true(ls__delta_log_classify("_delta_log/00000000000000000010.checkpoint.parquet", &e));
    assert_int_equal(e.kind, LS__LOG_CP_CLASSIC);
    assert_true(ls__delta_log_classify(
        "_delta_log/00000000000000000010.checkpoint.0000000002.0000000003.parquet", &e));
    assert_int_equal(e.kind, LS__LOG_CP_PART);
    assert_int_equal(e.part, 2);
    assert_int_equal(e.parts, 3);
    assert_true(ls__delta_log_classify("_delta_log/00000000000000000002.checkpoint."
                                       "e8fa2696-9728-4e9c-b285-634743fdd4fb.parquet",
                                       &e));
    assert_int_equal(e.kind, LS__LOG_CP_UUID);
    assert_false(e.json_format);
    static const char *const no[] = {
        "_delta_log/_last_checkpoint",
        "_delta_log/00000000000000000001.crc",
        "_delta_log/00000000000000000001.00000000000000000003.compacted.json",
        "_delta_log/_sidecars/x.parquet",
        "_delta_log/0000000000000000001.json",
        "_delta_log/0000000000000000000a.json",
        "x/00000000000000000001.json",
        "_delta_log/00000000000000000010.checkpoint.0000000004.0000000003.parquet",
        "_delta_log/00000000000000000010.checkpoint.0000000000.0000000003.parquet"};
    for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
        if (ls__delta_log_classify(no[i], &e)) {
            fail_msg("%s should not be a commit or checkpoint", no[i]);
        }
    }
    char key[LS_DELTA_KEY_MAX];
    ls_delta_commit_key(7, key);
    assert_string_equal(key, "_delta_log/00000000000000000007.json");
}

/* ------------------------------------------------------------------ schema merge */

static ls_type_t *parse_schema(const char *json)
{
    ls_type_t *t = NULL;
    ls_error_t err;
    if (ls_json_parse_delta_schema(json, strlen(json), &t, &err) != LS_OK) {
        fail_msg("schema: %s", err.msg);
    }
    return t;
}

#define F(name, type) "{\"name\":\"" name "\",\"type\":" type ",\"nullable\":true,\"metadata\":{}}"
#define S(fields) "{\"type\":\"struct\",\"fields\":[" fields "]}"
#define C ","

static void test_merge_additive(void **state)
{
    (void)state;
    const char *table =
        "{\"type\":\"struct\",\"fields\":[{\"name\":\"id\",\"type\":\"long\",\"nullable\":false,"
        "\"metadata\":{\"comment\":\"key\"}}," F("s", S(F("a", "\"string\""))) "," F(
            "l",
            "{\"type\":\"array\",\"elementType\":" S(F("x", "\"integer\"")) ",\"containsNull\":"
                                                                            "true}") "]}";
    ls_type_t *in = parse_schema(
        S(F("id", "\"integer\"") C F("s", S(F("a", "\"string\"") C F("b", "\"double\""))) C F(
            "l", "{\"type\":\"array\",\"elementType\":" S(F("y", "\"string\"")) ",\"containsNull\""
                                                                                ":true}")
              C F("new", "\"date\"")));
    ls_delta_schema_merge_t m;
    ls_error_t err;
    assert_int_equal(ls_delta_schema_merge(table, in, 0, &m, &err), LS_OK);
    assert_true(m.changed);
    assert_false(m.widened);
    ls_type_t *want = parse_schema(
        "{\"type\":\"struct\",\"fields\":[{\"name\":\"id\",\"type\":\"long\",\"nullable\":false,"
        "\"metadata\":{}}," F("s", S(F("a", "\"string\"") C F("b", "\"double\""))) "," F(
            "l", "{\"type\":\"array\",\"elementType\":" S(F("x", "\"integer\"") C F(
                     "y", "\"string\"")) ",\"containsNull\":true}") "," F("new", "\"date\"") "]}");
    assert_true(ls_type_equal(m.schema, want));
    /* field metadata of the table survives */
    assert_non_null(strstr(m.schema_string, "\"metadata\":{\"comment\":\"key\"}"));
    ls_type_free(want);
    ls_delta_schema_merge_free(&m);
    ls_type_free(in);

    /* nothing new: unchanged, same text */
    in = parse_schema(S(F("id", "\"long\"")));
    assert_int_equal(ls_delta_schema_merge(table, in, 0, &m, &err), LS_OK);
    assert_false(m.changed);
    assert_string_equal(m.schema_string, table);
    ls_delta_schema_merge_free(&m);
    ls_type_free(in);
}

static void test_merge_widening(void **state)
{
    (void)state;
    const char *table = S(F("i", "\"integer\"") C F("f", "\"float\"") C F("b", "\"byte\"")
                              C F("m", "{\"type\":\"map\",\"keyType\":\"string\",\"valueType\":"
                                       "\"short\",\"valueContainsNull\":true}"));
    ls_type_t *in = parse_schema(S(F("i", "\"long\"") C F("f", "\"double\"") C F(
        "b", "\"integer\"") C F("m", "{\"type\":\"map\",\"keyType\":\"string\",\"valueType\""
                                     ":\"long\",\"valueContainsNull\":true}")));
    ls_delta_schema_merge_t m;
    ls_error_t err;
    assert_int_equal(ls_delta_schema_merge(table, in, 0, &m, &err), LS_ERR_SCHEMA);
    assert_non_null(strstr(err.msg, "field i"));
    assert_int_equal(ls_delta_schema_merge(table, in, LS_DELTA_MERGE_ALLOW_WIDENING, &m, &err),
                     LS_OK);
    assert_true(m.changed);
    assert_true(m.widened);
    assert_true(ls_type_equal(m.schema, in));
    assert_non_null(strstr(m.schema_string, "\"delta.typeChanges\":[{\"fromType\":\"integer\","
                                            "\"toType\":\"long\"}]"));
    assert_non_null(strstr(m.schema_string, "{\"fromType\":\"short\",\"toType\":\"long\","
                                            "\"fieldPath\":\"value\"}"));
    /* a second widening appends to the history */
    ls_type_free(in);
    in = parse_schema(S(F("b", "\"long\"")));
    ls_delta_schema_merge_t m2;
    assert_int_equal(
        ls_delta_schema_merge(m.schema_string, in, LS_DELTA_MERGE_ALLOW_WIDENING, &m2, &err),
        LS_OK);
    assert_non_null(strstr(m2.schema_string, "[{\"fromType\":\"byte\",\"toType\":\"integer\"},"
                                             "{\"fromType\":\"integer\",\"toType\":\"long\"}]"));
    /* narrower incoming values are fine as they are */
    ls_type_free(in);
    in = parse_schema(S(F("i", "\"short\"") C F("f", "\"float\"")));
    ls_delta_schema_merge_t m3;
    assert_int_equal(ls_delta_schema_merge(m2.schema_string, in, 0, &m3, &err), LS_OK);
    assert_false(m3.changed);
    ls_delta_schema_merge_free(&m3);
    ls_delta_schema_merge_free(&m2);
    ls_delta_schema_merge_free(&m);
    ls_type_free(in);
}

static void test_merge_errors(void **state)
{
    (void)state;
    const char *table = S(F("a", "\"string\"") C F("s", S(F("x", "\"long\""))) C F(
        "d", "\"decimal(10,2)\"") C F("m", "{\"type\":\"map\",\"keyType\":\"string\",\"valueType\":"
                                           "\"long\",\"valueContainsNull\":true}"));
    static const struct {
        const char *in;
        const char *needle;
    } bad[] = {
        {S(F("a", "\"long\"")), "field a: cannot change type from string to long"},
        {S(F("s", S(F("x", "\"string\"")))), "field s.x"},
        {S(F("s", "\"string\"")), "field s"},
        {S(F("A", "\"string\"")), "only in case"},
        {S(F("d", "\"decimal(12,2)\"")), "field d"},
        {S(F("m", "{\"type\":\"map\",\"keyType\":\"integer\",\"valueType\":\"long\","
                  "\"valueContainsNull\":true}")),
         "key type"},
        {S(F("x", "\"integer\"") C F("X", "\"integer\"")), "only in case"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ls_type_t *in = parse_schema(bad[i].in);
        ls_delta_schema_merge_t m;
        ls_error_t err;
        ls_err_t rc = ls_delta_schema_merge(table, in, LS_DELTA_MERGE_ALLOW_WIDENING, &m, &err);
        if (rc != LS_ERR_SCHEMA || strstr(err.msg, bad[i].needle) == NULL) {
            fail_msg("%s: %s '%s'", bad[i].in, ls_err_name(rc), err.msg);
        }
        assert_null(m.schema_string);
        ls_type_free(in);
    }
    /* a read-only type cannot become a column */
    ls_type_t *in = ls_type_new_struct();
    assert_int_equal(ls_type_struct_add(in, "u", ls_type_new(LS_TYPE_UINT64), true), LS_OK);
    ls_delta_schema_merge_t m;
    ls_error_t err;
    assert_int_equal(ls_delta_schema_merge(table, in, 0, &m, &err), LS_ERR_SCHEMA);
    ls_type_free(in);
}

static void test_merge_oom(void **state)
{
    (void)state;
    const char *table = S(F("a", "\"integer\"") C F("s", S(F("x", "\"long\""))));
    ls_type_t *in =
        parse_schema(S(F("a", "\"long\"") C F("s", S(F("y", "\"long\""))) C F("n", "\"string\"")));
    for (long n = 0; n < 400; n++) {
        ls_delta_schema_merge_t m;
        ls_error_t err;
        ls_alloc_fail_after(n, 0);
        ls_err_t rc = ls_delta_schema_merge(table, in, LS_DELTA_MERGE_ALLOW_WIDENING, &m, &err);
        ls_alloc_fail_after(-1, 0);
        if (rc == LS_OK) {
            ls_delta_schema_merge_free(&m);
            break;
        }
        assert_int_equal(rc, LS_ERR_NOMEM);
    }
    ls_type_free(in);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip_every_action),
        cmocka_unit_test(test_parse_fields),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_path_decode),
        cmocka_unit_test(test_interval),
        cmocka_unit_test(test_log_classify),
        cmocka_unit_test(test_merge_additive),
        cmocka_unit_test(test_merge_widening),
        cmocka_unit_test(test_merge_errors),
        cmocka_unit_test(test_merge_oom),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

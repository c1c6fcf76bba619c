/*
 * test_delta_log.c — snapshots on a local store in a temp dir: replay of adds, removes,
 * txns and domain metadata; path canonicalisation and (path, dvId) keys; version gaps,
 * missing protocol/metaData and corrupt lines; time travel by version and by timestamp
 * (file times and inCommitTimestamps); incremental update; checkpoints written and read back
 * (equal to JSON-only replay), `_last_checkpoint` missing/corrupt/stale, multi-part sets
 * (complete and incomplete), tombstone and txn expiry, allocation failures.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>

#include "delta/delta_int.h"
#include "lakesink/alloc.h"
#include "lakesink/delta.h"
#include "lakesink/store.h"
#include "delta_fixture.h"
#include "testutil.h"

#define PROTO "{\"protocol\":{\"minReaderVersion\":1,\"minWriterVersion\":2}}"
#define SCHEMA                                                                                     \
    "{\\\"type\\\":\\\"struct\\\",\\\"fields\\\":[{\\\"name\\\":\\\"id\\\",\\\"type\\\":"          \
    "\\\"long\\\",\\\"nullable\\\":true,\\\"metadata\\\":{}},{\\\"name\\\":\\\"p\\\","             \
    "\\\"type\\\":\\\"string\\\",\\\"nullable\\\":true,\\\"metadata\\\":{}}]}"
#define META_CONF(conf)                                                                            \
    "{\"metaData\":{\"id\":\"t-1\",\"format\":{\"provider\":\"parquet\",\"options\":{}},"          \
    "\"schemaString\":\"" SCHEMA "\",\"partitionColumns\":[\"p\"],\"configuration\":{" conf        \
    "},\"createdTime\":1}}"
#define META META_CONF("")

static void put(fx_t *f, const char *key, const char *text)
{
    ls_error_t err;
    if (ls_store_put(f->st, key, text, strlen(text), &err) != LS_OK) {
        fail_msg("put %s: %s", key, err.msg);
    }
}

static void commit(fx_t *f, int64_t v, const char *lines)
{
    char key[LS_DELTA_KEY_MAX];
    ls_delta_commit_key(v, key);
    put(f, key, lines);
}

/* An add line for @p path (already encoded) in partition @p p (NULL = null). */
static const char *add_line(const char *path, const char *p, int64_t size)
{
    static char buf[8][512];
    static int n;
    char *b = buf[n++ % 8];
    char pv[64];
    snprintf(pv, sizeof(pv), p ? "\"%s\"" : "null", p);
    snprintf(b, 512,
             "{\"add\":{\"path\":\"%s\",\"partitionValues\":{\"p\":%s},\"size\":%lld,"
             "\"modificationTime\":%lld,\"dataChange\":true,\"stats\":\"{\\\"numRecords\\\":%lld}"
             "\",\"tags\":{\"k\":\"v\"}}}",
             path, pv, (long long)size, (long long)size * 10, (long long)size);
    return b;
}

static ls_delta_snapshot_t *load_opts(fx_t *f, const ls_delta_load_opts_t *o)
{
    ls_delta_snapshot_t *s = NULL;
    ls_error_t err;
    if (ls_delta_snapshot_load(f->st, o, &s, &err) != LS_OK) {
        fail_msg("load: %s", err.msg);
    }
    return s;
}

static ls_delta_snapshot_t *load(fx_t *f)
{
    return load_opts(f, NULL);
}

static ls_err_t load_err(fx_t *f, const ls_delta_load_opts_t *o, ls_error_t *err)
{
    ls_delta_snapshot_t *s = NULL;
    ls_err_t rc = ls_delta_snapshot_load(f->st, o, &s, err);
    assert_true(rc != LS_OK);
    assert_null(s);
    return rc;
}

static bool kv_equal(const ls_delta_kv_t *a, size_t na, const ls_delta_kv_t *b, size_t nb)
{
    if (na != nb) {
        return false;
    }
    for (size_t i = 0; i < na; i++) {
        bool av = a[i].value != NULL, bv = b[i].value != NULL;
        if (strcmp(a[i].key, b[i].key) != 0 || av != bv || (av && strcmp(a[i].value, b[i].value))) {
            return false;
        }
    }
    return true;
}

static bool str_eq(const char *a, const char *b)
{
    return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* Everything a checkpoint must carry over (commitInfo and timestamps aside). */
static void assert_same_state(const ls_delta_snapshot_t *a, const ls_delta_snapshot_t *b)
{
    assert_int_equal(ls_delta_snapshot_version(a), ls_delta_snapshot_version(b));
    assert_int_equal(ls_delta_snapshot_num_files(a), ls_delta_snapshot_num_files(b));
    assert_int_equal(ls_delta_snapshot_total_bytes(a), ls_delta_snapshot_total_bytes(b));
    size_t cur = 0;
    const ls_delta_file_t *fa;
    while ((fa = ls_delta_snapshot_next_file(a, &cur)) != NULL) {
        const ls_delta_file_t *fb = ls_delta_snapshot_find_file(b, fa->decoded_path, fa->dv_id);
        assert_non_null(fb);
        assert_string_equal(fa->add.path, fb->add.path);
        assert_int_equal(fa->add.size, fb->add.size);
        assert_int_equal(fa->add.modification_time, fb->add.modification_time);
        assert_int_equal(fa->add.data_change, fb->add.data_change);
        assert_true(str_eq(fa->add.stats, fb->add.stats));
        assert_true(kv_equal(fa->add.partition_values, fa->add.n_partition_values,
                             fb->add.partition_values, fb->add.n_partition_values));
        assert_true(kv_equal(fa->add.tags, fa->add.n_tags, fb->add.tags, fb->add.n_tags));
    }
    assert_int_equal(ls_delta_snapshot_num_tombstones(a), ls_delta_snapshot_num_tombstones(b));
    cur = 0;
    const ls_delta_txn_t *t;
    size_t ntxn = 0;
    while ((t = ls_delta_snapshot_next_txn(a, &cur)) != NULL) {
        int64_t v;
        assert_true(ls_delta_snapshot_txn(b, t->app_id, &v, NULL));
        assert_int_equal(v, t->version);
        ntxn++;
    }
    cur = 0;
    while (ls_delta_snapshot_next_txn(b, &cur) != NULL) {
        ntxn--;
    }
    assert_int_equal(ntxn, 0);
    const ls_delta_metadata_t *ma = ls_delta_snapshot_metadata(a),
                              *mb = ls_delta_snapshot_metadata(b);
    assert_string_equal(ma->id, mb->id);
    assert_string_equal(ma->schema_string, mb->schema_string);
    assert_true(
        kv_equal(ma->configuration, ma->n_configuration, mb->configuration, mb->n_configuration));
    assert_int_equal(ma->n_partition_columns, mb->n_partition_columns);
    assert_true(ls_type_equal(ls_delta_snapshot_schema(a), ls_delta_snapshot_schema(b)));
    const ls_delta_protocol_t *pa = ls_delta_snapshot_protocol(a),
                              *pb = ls_delta_snapshot_protocol(b);
    assert_int_equal(pa->min_reader_version, pb->min_reader_version);
    assert_int_equal(pa->min_writer_version, pb->min_writer_version);
    assert_int_equal(pa->n_writer_features, pb->n_writer_features);
}

/* A table: v0 creates, v1-v3 add/remove files, txns and domains. */
static void basic_table(fx_t *f)
{
    char buf[4096];
    snprintf(buf, sizeof(buf), "%s\n%s\n%s\n%s", PROTO, META, add_line("p=a/f1.parquet", "a", 100),
             add_line("p=b/f2.parquet", "b", 200));
    commit(f, 0, buf);
    snprintf(
        buf, sizeof(buf),
        "{\"commitInfo\":{\"timestamp\":5,\"operation\":\"WRITE\"}}\n%s\n"
        "{\"txn\":{\"appId\":\"app-a\",\"version\":10,\"lastUpdated\":1000}}\n"
        "{\"txn\":{\"appId\":\"app-b\",\"version\":3}}\n"
        "{\"domainMetadata\":{\"domain\":\"com.x\",\"configuration\":\"{}\",\"removed\":false}}",
        add_line("f3%20x.parquet", NULL, 300));
    commit(f, 1, buf);
    snprintf(
        buf, sizeof(buf),
        "{\"remove\":{\"path\":\"p=a/f1.parquet\",\"deletionTimestamp\":2000,"
        "\"dataChange\":true}}\n{\"txn\":{\"appId\":\"app-a\",\"version\":7}}\n"
        "{\"domainMetadata\":{\"domain\":\"com.y\",\"configuration\":\"c\",\"removed\":false}}");
    commit(f, 2, buf);
    snprintf(buf, sizeof(buf),
             "%s\n{\"domainMetadata\":{\"domain\":\"com.x\",\"configuration\":\"{}\","
             "\"removed\":true}}\n{\"futureAction\":{}}\n",
             add_line("p=b/f2.parquet", "b", 250));
    commit(f, 3, buf);
}

static void test_replay(void **state)
{
    fx_t *f = *state;
    basic_table(f);
    ls_delta_snapshot_t *s = load(f);
    assert_int_equal(ls_delta_snapshot_version(s), 3);
    assert_int_equal(ls_delta_snapshot_num_files(s), 2);
    assert_int_equal(ls_delta_snapshot_total_bytes(s), 550); /* f2 re-added with 250 */
    assert_int_equal(ls_delta_snapshot_num_tombstones(s), 1);
    const ls_delta_file_t *x = ls_delta_snapshot_find_file(s, "f3 x.parquet", NULL);
    assert_non_null(x);
    assert_string_equal(x->add.path, "f3%20x.parquet");
    assert_null(x->add.partition_values[0].value);
    assert_string_equal(x->add.stats, "{\"numRecords\":300}");
    assert_null(ls_delta_snapshot_find_file(s, "p=a/f1.parquet", NULL));
    int64_t v, lu;
    assert_true(ls_delta_snapshot_txn(s, "app-a", &v, &lu));
    assert_int_equal(v, 7); /* the latest txn wins, even when its version is lower */
    assert_int_equal(lu, -1);
    assert_true(ls_delta_snapshot_txn(s, "app-b", &v, &lu));
    assert_int_equal(v, 3);
    assert_false(ls_delta_snapshot_txn(s, "app-c", &v, NULL));
    assert_null(ls_delta_snapshot_domain(s, "com.x"));
    assert_string_equal(ls_delta_snapshot_domain(s, "com.y")->configuration, "c");
    assert_null(ls_delta_snapshot_commit_info(s)); /* version 3 had no commitInfo */
    assert_string_equal(ls_delta_snapshot_config(s, "missing") ? "x" : "none", "none");
    const ls_type_t *t = ls_delta_snapshot_schema(s);
    assert_int_equal(t->nfields, 2);
    size_t cur = 0, n = 0;
    while (ls_delta_snapshot_next_file(s, &cur) != NULL) {
        n++;
    }
    assert_int_equal(n, 2);
    ls_delta_snapshot_free(s);
}

static void test_paths_and_dv_keys(void **state)
{
    fx_t *f = *state;
    char buf[4096];
    /* the same file named relatively, with a file: URI, and percent-encoded */
    snprintf(buf, sizeof(buf), "%s\n%s\n%s\n%s", PROTO, META, add_line("a%20b.parquet", "x", 1),
             add_line("c.parquet", "x", 2));
    commit(f, 0, buf);
    snprintf(buf, sizeof(buf),
             "{\"remove\":{\"path\":\"file:%s/a%%20b.parquet\",\"dataChange\":true}}\n"
             "{\"remove\":{\"path\":\"file://%s/c.parquet\",\"dataChange\":true}}",
             f->dir, f->dir);
    commit(f, 1, buf);
    ls_delta_snapshot_t *s = load(f);
    assert_int_equal(ls_delta_snapshot_num_files(s), 0);
    assert_int_equal(ls_delta_snapshot_num_tombstones(s), 2);
    ls_delta_snapshot_free(s);
    /* (path, dvId) keys: a new DV replaces the file's old logical version */
    commit(f, 2, add_line("d.parquet", NULL, 5));
    commit(f, 3,
           "{\"add\":{\"path\":\"d.parquet\",\"partitionValues\":{\"p\":null},\"size\":5,"
           "\"modificationTime\":1,\"dataChange\":true,\"deletionVector\":{\"storageType\":"
           "\"u\",\"pathOrInlineDv\":\"abc\",\"offset\":1,\"sizeInBytes\":3,"
           "\"cardinality\":1}}}\n{\"remove\":{\"path\":\"d.parquet\",\"dataChange\":true}}");
    ls_error_t err;
    assert_int_equal(load_err(f, NULL, &err), LS_ERR_UNSUPPORTED);
    assert_non_null(strstr(err.msg, "deletionVectors"));
    ls_delta_load_opts_t o;
    ls_delta_load_opts_init(&o);
    o.skip_read_check = true;
    s = load_opts(f, &o);
    assert_int_equal(ls_delta_snapshot_num_files(s), 1);
    assert_non_null(ls_delta_snapshot_find_file(s, "d.parquet", "uabc@1"));
    assert_null(ls_delta_snapshot_find_file(s, "d.parquet", NULL));
    assert_int_equal(ls_delta_check_read(s, &err), LS_ERR_UNSUPPORTED);
    ls_delta_snapshot_free(s);
}

static void test_log_errors(void **state)
{
    fx_t *f = *state;
    ls_error_t err;
    assert_int_equal(load_err(f, NULL, &err), LS_ERR_NOT_FOUND);
    assert_non_null(strstr(err.msg, "no Delta table"));
    commit(f, 0, PROTO "\n" META);
    commit(f, 1, add_line("a", "x", 1));
    commit(f, 3, add_line("b", "x", 1));
    assert_int_equal(load_err(f, NULL, &err), LS_ERR_CORRUPT);
    assert_non_null(strstr(err.msg, "commit 2"));
    ls_delta_load_opts_t o;
    ls_delta_load_opts_init(&o);
    o.at = LS_DELTA_AT_VERSION;
    o.version = 1; /* before the gap: fine */
    ls_delta_snapshot_t *s = load_opts(f, &o);
    assert_int_equal(ls_delta_snapshot_version(s), 1);
    ls_delta_snapshot_free(s);
    o.version = 9;
    assert_int_equal(load_err(f, &o, &err), LS_ERR_NOT_FOUND);
    assert_non_null(strstr(err.msg, "version 9 does not exist"));
    o.version = -3;
    assert_int_equal(load_err(f, &o, &err), LS_ERR_INVALID_ARG);
    /* a corrupt line names the file and the line */
    commit(f, 2, "{\"add\":{\"path\":\"c\",\"size\":1}}\n\n{\"txn\":{\"appId\":1}}");
    assert_int_equal(load_err(f, NULL, &err), LS_ERR_CORRUPT);
    assert_non_null(strstr(err.msg, "00000000000000000002.json line 3"));
    assert_non_null(strstr(err.msg, "txn.appId"));
    commit(f, 2, "{\"add\":{\"path\":\"c\",");
    assert_int_equal(load_err(f, NULL, &err), LS_ERR_PARSE);
    assert_non_null(strstr(err.msg, "line 1"));
}

static void test_missing_protocol_metadata(void **state)
{
    fx_t *f = *state;
    ls_error_t err;
    commit(f, 0, META);
    assert_int_equal(load_err(f, NULL, &err), LS_ERR_CORRUPT);
    assert_non_null(strstr(err.msg, "no protocol"));
    commit(f, 0, PROTO);
    assert_int_equal(load_err(f, NULL, &err), LS_ERR_CORRUPT);
    assert_non_null(strstr(err.msg, "no metaData"));
    commit(f, 0,
           PROTO "\n{\"metaData\":{\"id\":\"x\",\"partitionColumns\":[],\"configuration\":{}}}");
    assert_int_equal(load_err(f, NULL, &err), LS_ERR_CORRUPT);
    assert_non_null(strstr(err.msg, "schemaString"));
    commit(f, 0, "{\"protocol\":{\"minReaderVersion\":4,\"minWriterVersion\":7}}\n" META);
    assert_int_equal(load_err(f, NULL, &err), LS_ERR_UNSUPPORTED);
    assert_non_null(strstr(err.msg, "reader version"));
}

static void set_mtime(fx_t *f, int64_t v, int64_t sec)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/_delta_log/%020lld.json", f->dir, (long long)v);
    struct timeval tv[2] = {{(time_t)sec, 0}, {(time_t)sec, 0}};
    assert_int_equal(utimes(path, tv), 0);
}

static ls_delta_snapshot_t *at_ts(fx_t *f, int64_t ms, ls_err_t want)
{
    ls_delta_load_opts_t o;
    ls_delta_load_opts_init(&o);
    o.at = LS_DELTA_AT_TIMESTAMP;
    o.timestamp_ms = ms;
    ls_delta_snapshot_t *s = NULL;
    ls_error_t err;
    ls_err_t rc = ls_delta_snapshot_load(f->st, &o, &s, &err);
    if (rc != want) {
        fail_msg("at %lld: %s %s", (long long)ms, ls_err_name(rc), err.msg);
    }
    return s;
}

static void test_time_travel(void **state)
{
    fx_t *f = *state;
    basic_table(f);
    ls_delta_load_opts_t o;
    ls_delta_load_opts_init(&o);
    o.at = LS_DELTA_AT_VERSION;
    o.version = 1;
    ls_delta_snapshot_t *s = load_opts(f, &o);
    assert_int_equal(ls_delta_snapshot_version(s), 1);
    assert_int_equal(ls_delta_snapshot_num_files(s), 3);
    assert_non_null(ls_delta_snapshot_commit_info(s));
    assert_non_null(strstr(ls_delta_snapshot_commit_info(s), "\"operation\":\"WRITE\""));
    ls_delta_snapshot_free(s);
    /* by timestamp: file times, with v2 written "before" v1 (a clock step back) */
    set_mtime(f, 0, 1000);
    set_mtime(f, 1, 2000);
    set_mtime(f, 2, 1500); /* taken as 2000.001 */
    set_mtime(f, 3, 4000);
    assert_null(at_ts(f, 999999, LS_ERR_NOT_FOUND));
    static const struct {
        int64_t ms, version;
    } cases[] = {{1000000, 0}, {1999999, 0}, {2000000, 1}, {2000001, 2},
                 {3999999, 2}, {4000000, 3}, {9000000, 3}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        s = at_ts(f, cases[i].ms, LS_OK);
        assert_int_equal(ls_delta_snapshot_version(s), cases[i].version);
        ls_delta_snapshot_free(s);
    }
}

static void test_time_travel_ict(void **state)
{
    fx_t *f = *state;
    char buf[4096];
    for (int v = 0; v < 5; v++) {
        snprintf(buf, sizeof(buf),
                 "{\"commitInfo\":{\"timestamp\":1,\"inCommitTimestamp\":%d}}\n%s%s",
                 10000 + v * 1000, v == 0 ? PROTO "\n" META "\n" : "",
                 add_line(v % 2 ? "a" : "b", "x", v + 1));
        commit(f, v, buf);
        set_mtime(f, v, 50000 - v * 7); /* file times say nothing useful */
    }
    ls_delta_snapshot_t *s = at_ts(f, 12500, LS_OK);
    assert_int_equal(ls_delta_snapshot_version(s), 2);
    assert_int_equal(ls_delta_snapshot_timestamp(s), 12000);
    ls_delta_snapshot_free(s);
    s = at_ts(f, 14000, LS_OK);
    assert_int_equal(ls_delta_snapshot_version(s), 4);
    ls_delta_snapshot_free(s);
    assert_null(at_ts(f, 9999, LS_ERR_NOT_FOUND));
}

static void test_update(void **state)
{
    fx_t *f = *state;
    basic_table(f);
    ls_delta_load_opts_t o;
    ls_delta_load_opts_init(&o);
    o.at = LS_DELTA_AT_VERSION;
    o.version = 1;
    ls_delta_snapshot_t *s = load_opts(f, &o);
    ls_delta_snapshot_t *c = ls_delta_snapshot_clone(s);
    assert_non_null(c);
    bool changed = false;
    ls_error_t err;
    assert_int_equal(ls_delta_snapshot_update(s, &changed, &err), LS_OK);
    assert_true(changed);
    ls_delta_snapshot_t *fresh = load(f);
    assert_same_state(s, fresh);
    assert_int_equal(ls_delta_snapshot_version(c), 1); /* the clone did not move */
    assert_int_equal(ls_delta_snapshot_num_files(c), 3);
    assert_int_equal(ls_delta_snapshot_update(s, &changed, &err), LS_OK);
    assert_false(changed);
    /* a schema change arrives through update */
    commit(f, 4, META_CONF("\"delta.appendOnly\":\"true\""));
    assert_int_equal(ls_delta_snapshot_update(s, &changed, &err), LS_OK);
    assert_true(changed);
    assert_string_equal(ls_delta_snapshot_config(s, "delta.appendOnly"), "true");
    /* a gap is reported and leaves the snapshot usable */
    commit(f, 6, add_line("z", "x", 1));
    assert_int_equal(ls_delta_snapshot_update(s, &changed, &err), LS_ERR_CORRUPT);
    assert_non_null(strstr(err.msg, "commit 5"));
    commit(f, 5, "{\"add\":");
    assert_int_equal(ls_delta_snapshot_update(s, &changed, &err), LS_ERR_PARSE);
    assert_int_equal(ls_delta_snapshot_version(s), 4);
    commit(f, 5, add_line("y", "x", 1));
    assert_int_equal(ls_delta_snapshot_update(s, &changed, &err), LS_OK);
    assert_int_equal(ls_delta_snapshot_version(s), 6);
    ls_delta_snapshot_free(fresh);
    ls_delta_snapshot_free(s);
    ls_delta_snapshot_free(c);
}

static void checkpoint(ls_delta_snapshot_t *s, int64_t now, ls_delta_checkpoint_info_t *info)
{
    ls_error_t err;
    if (ls_delta_checkpoint_write(s, now, info, &err) != LS_OK) {
        fail_msg("checkpoint: %s", err.msg);
    }
}

static void test_checkpoint_roundtrip(void **state)
{
    fx_t *f = *state;
    basic_table(f);
    ls_delta_snapshot_t *json = load(f);
    ls_delta_checkpoint_info_t info;
    checkpoint(json, 3000, &info);
    assert_int_equal(info.version, 3);
    assert_int_equal(info.num_add_files, 2);
    assert_int_equal(info.size, 2 + 2 + 2 + 1 + 1); /* protocol, metaData, 2 txns, 1 domain,
                                                      2 adds, 1 tombstone */
    ls_buf_t b;
    ls_buf_init(&b, 4096);
    ls_error_t err;
    assert_int_equal(ls_store_get(f->st, "_delta_log/_last_checkpoint", &b, &err), LS_OK);
    char want[256];
    snprintf(want, sizeof(want),
             "{\"version\":3,\"size\":8,\"sizeInBytes\":%llu,"
             "\"numOfAddFiles\":2}",
             (unsigned long long)info.size_in_bytes);
    assert_int_equal(b.len, strlen(want));
    assert_memory_equal(b.data, want, b.len);
    ls_buf_free(&b);
    /* load from the checkpoint only (commits removed) equals the JSON replay */
    for (int v = 0; v <= 2; v++) {
        char key[LS_DELTA_KEY_MAX];
        ls_delta_commit_key(v, key);
        assert_int_equal(ls_store_del(f->st, key, &err), LS_OK);
    }
    ls_delta_snapshot_t *cp = load(f);
    assert_int_equal(ls_delta_snapshot_checkpoint_version(cp), 3);
    assert_same_state(json, cp);
    assert_non_null(ls_delta_snapshot_domain(cp, "com.y"));
    assert_int_equal(ls_delta_snapshot_num_tombstones(cp), 1);
    /* more commits after the checkpoint */
    commit(f, 4, add_line("later.parquet", "q", 9));
    ls_delta_snapshot_t *later = load(f);
    assert_int_equal(ls_delta_snapshot_version(later), 4);
    assert_int_equal(ls_delta_snapshot_num_files(later), 3);
    assert_false(ls_delta_checkpoint_due(later));
    /* the checkpoint is deterministic: writing it again gives the same bytes */
    ls_buf_t a1, a2;
    ls_buf_init(&a1, 1 << 20);
    ls_buf_init(&a2, 1 << 20);
    assert_int_equal(
        ls_store_get(f->st, "_delta_log/00000000000000000003.checkpoint.parquet", &a1, &err),
        LS_OK);
    checkpoint(cp, 3000, NULL);
    assert_int_equal(
        ls_store_get(f->st, "_delta_log/00000000000000000003.checkpoint.parquet", &a2, &err),
        LS_OK);
    assert_int_equal(a1.len, a2.len);
    assert_memory_equal(a1.data, a2.data, a1.len);
    ls_buf_free(&a1);
    ls_buf_free(&a2);
    ls_delta_snapshot_free(later);
    ls_delta_snapshot_free(cp);
    ls_delta_snapshot_free(json);
}

static void test_last_checkpoint_fallbacks(void **state)
{
    fx_t *f = *state;
    basic_table(f);
    ls_delta_snapshot_t *s = load(f);
    checkpoint(s, 3000, NULL);
    commit(f, 4, add_line("n.parquet", "q", 1));
    ls_error_t err;
    static const char *const pointers[] = {NULL, "garbage{", "{\"version\":\"x\"}",
                                           "{\"version\":99,\"size\":1}", "{\"version\":1}"};
    for (size_t i = 0; i < sizeof(pointers) / sizeof(pointers[0]); i++) {
        if (pointers[i] == NULL) {
            assert_int_equal(ls_store_del(f->st, "_delta_log/_last_checkpoint", &err), LS_OK);
        } else {
            put(f, "_delta_log/_last_checkpoint", pointers[i]);
        }
        ls_delta_snapshot_t *x = load(f);
        assert_int_equal(ls_delta_snapshot_version(x), 4);
        assert_int_equal(ls_delta_snapshot_checkpoint_version(x), 3);
        assert_int_equal(ls_delta_snapshot_num_files(x), 3);
        ls_delta_snapshot_free(x);
    }
    /* time travel to before the checkpoint replays JSON */
    ls_delta_load_opts_t o;
    ls_delta_load_opts_init(&o);
    o.at = LS_DELTA_AT_VERSION;
    o.version = 2;
    ls_delta_snapshot_t *x = load_opts(f, &o);
    assert_int_equal(ls_delta_snapshot_checkpoint_version(x), -1);
    assert_int_equal(ls_delta_snapshot_num_files(x), 2);
    ls_delta_snapshot_free(x);
    /* the checkpoint _last_checkpoint names is gone: list and replay */
    put(f, "_delta_log/_last_checkpoint", "{\"version\":3}");
    assert_int_equal(
        ls_store_del(f->st, "_delta_log/00000000000000000003.checkpoint.parquet", &err), LS_OK);
    x = load(f);
    assert_int_equal(ls_delta_snapshot_checkpoint_version(x), -1);
    assert_int_equal(ls_delta_snapshot_num_files(x), 3);
    ls_delta_snapshot_free(x);
    ls_delta_snapshot_free(s);
}

/* Snapshot of version @p v holding the actions in @p lines (not read from the log). */
static ls_delta_snapshot_t *synth(fx_t *f, int64_t v, const char *lines)
{
    ls_delta_snapshot_t *s = ls__delta_snap_new(f->st, 0);
    ls_arena_t *a = ls_arena_new(4096, 0);
    ls__actvec_t av = {0};
    ls_error_t err;
    assert_int_equal(ls__delta_commit_parse(lines, strlen(lines), "synth", a, &av, &err), LS_OK);
    assert_int_equal(ls__delta_commit_apply_actions(s, v, 0, &av, &err), LS_OK);
    assert_int_equal(ls__delta_snap_finish(s, "synth", &err), LS_OK);
    ls__delta_actvec_free(&av);
    ls_arena_free(a);
    return s;
}

static void move_key(fx_t *f, const char *from, const char *to)
{
    ls_buf_t b;
    ls_error_t err;
    ls_buf_init(&b, 1 << 24);
    assert_int_equal(ls_store_get(f->st, from, &b, &err), LS_OK);
    assert_int_equal(ls_store_put(f->st, to, b.data, b.len, &err), LS_OK);
    assert_int_equal(ls_store_del(f->st, from, &err), LS_OK);
    ls_buf_free(&b);
}

static void test_multipart_checkpoint(void **state)
{
    fx_t *f = *state;
    char buf[4096];
    /* versions 0..2 hold 4 files; checkpoint 2 comes in two parts, the JSON is gone */
    snprintf(buf, sizeof(buf), "%s\n%s\n%s\n%s\n{\"txn\":{\"appId\":\"a\",\"version\":5}}", PROTO,
             META, add_line("f1", "a", 1), add_line("f2", "a", 2));
    ls_delta_snapshot_t *p1 = synth(f, 2, buf);
    snprintf(buf, sizeof(buf),
             "%s\n%s\n{\"remove\":{\"path\":\"f0\",\"deletionTimestamp\":%lld,"
             "\"dataChange\":true}}",
             add_line("f3", "b", 3), add_line("f4", "b", 4), (long long)ls__delta_now_ms());
    /* part 2: protocol, metaData (our writer always puts them in) and the other files */
    ls_delta_snapshot_t *p2 = synth(f, 2, PROTO "\n" META);
    ls_arena_t *a = ls_arena_new(4096, 0);
    ls__actvec_t av = {0};
    ls_error_t err;
    assert_int_equal(ls__delta_commit_parse(buf, strlen(buf), "p2", a, &av, &err), LS_OK);
    for (size_t i = 0; i < av.n; i++) {
        assert_int_equal(ls__delta_snap_apply(p2, &av.v[i], &err), LS_OK);
    }
    ls__delta_actvec_free(&av);
    ls_arena_free(a);
    checkpoint(p1, 0, NULL);
    move_key(f, "_delta_log/00000000000000000002.checkpoint.parquet",
             "_delta_log/00000000000000000002.checkpoint.0000000001.0000000002.parquet");
    checkpoint(p2, 0, NULL);
    move_key(f, "_delta_log/00000000000000000002.checkpoint.parquet",
             "_delta_log/00000000000000000002.checkpoint.0000000002.0000000002.parquet");
    commit(f, 2, "{\"commitInfo\":{\"timestamp\":1}}");
    commit(f, 3, add_line("f5", "c", 5));
    ls_delta_snapshot_t *s = load(f);
    assert_int_equal(ls_delta_snapshot_version(s), 3);
    assert_int_equal(ls_delta_snapshot_checkpoint_version(s), 2);
    assert_int_equal(ls_delta_snapshot_num_files(s), 5);
    assert_int_equal(ls_delta_snapshot_total_bytes(s), 15);
    assert_int_equal(ls_delta_snapshot_num_tombstones(s), 1);
    int64_t v;
    assert_true(ls_delta_snapshot_txn(s, "a", &v, NULL));
    assert_int_equal(v, 5);
    ls_delta_snapshot_free(s);
    /* an incomplete set (part 2 missing) is ignored: without JSON 0..1, no way back */
    move_key(f, "_delta_log/00000000000000000002.checkpoint.0000000002.0000000002.parquet",
             "_delta_log/elsewhere.bin");
    ls_error_t e2;
    assert_int_equal(load_err(f, NULL, &e2), LS_ERR_CORRUPT);
    assert_non_null(strstr(e2.msg, "commit 0"));
    /* with the JSON commits back, the incomplete set is skipped */
    snprintf(buf, sizeof(buf), "%s\n%s\n%s", PROTO, META, add_line("g", "a", 1));
    commit(f, 0, buf);
    commit(f, 1, add_line("h", "a", 1));
    s = load(f);
    assert_int_equal(ls_delta_snapshot_checkpoint_version(s), -1);
    assert_int_equal(ls_delta_snapshot_num_files(s), 3); /* g, h, f5 */
    ls_delta_snapshot_free(s);
    ls_delta_snapshot_free(p1);
    ls_delta_snapshot_free(p2);
}

static void test_checkpoint_expiry(void **state)
{
    fx_t *f = *state;
    int64_t now = 100LL * 24 * 3600 * 1000;
    char buf[4096];
    snprintf(buf, sizeof(buf),
             "%s\n%s\n%s\n%s\n"
             "{\"txn\":{\"appId\":\"old\",\"version\":1,\"lastUpdated\":%lld}}\n"
             "{\"txn\":{\"appId\":\"new\",\"version\":2,\"lastUpdated\":%lld}}\n"
             "{\"txn\":{\"appId\":\"undated\",\"version\":3}}",
             PROTO,
             META_CONF("\"delta.deletedFileRetentionDuration\":\"interval 1 hour\","
                       "\"delta.setTransactionRetentionDuration\":\"interval 2 days\""),
             add_line("a", "x", 1), add_line("b", "x", 1), (long long)(now - 3LL * 86400000),
             (long long)(now - 86400000));
    commit(f, 0, buf);
    snprintf(buf, sizeof(buf),
             "{\"remove\":{\"path\":\"a\",\"deletionTimestamp\":%lld,\"dataChange\":true}}\n"
             "{\"remove\":{\"path\":\"b\",\"deletionTimestamp\":%lld,\"dataChange\":true}}\n"
             "{\"remove\":{\"path\":\"never-added\",\"dataChange\":true}}",
             (long long)(now - 2 * 3600000), (long long)(now - 60000));
    commit(f, 1, buf);
    ls_delta_snapshot_t *s = load(f);
    assert_int_equal(ls_delta_snapshot_num_tombstones(s), 3);
    ls_delta_checkpoint_info_t info;
    checkpoint(s, now, &info);
    assert_int_equal(info.size, 2 + 2 + 2); /* expired tombstone a and txn old dropped */
    ls_error_t err;
    assert_int_equal(ls_store_del(f->st, "_delta_log/00000000000000000000.json", &err), LS_OK);
    ls_delta_snapshot_t *cp = load(f);
    assert_int_equal(ls_delta_snapshot_num_tombstones(cp), 2);
    int64_t v;
    assert_false(ls_delta_snapshot_txn(cp, "old", &v, NULL));
    assert_true(ls_delta_snapshot_txn(cp, "new", &v, NULL));
    assert_true(ls_delta_snapshot_txn(cp, "undated", &v, NULL));
    ls_delta_snapshot_free(cp);
    ls_delta_snapshot_free(s);
    /* a malformed retention property fails the checkpoint, naming it */
    commit(f, 2, META_CONF("\"delta.deletedFileRetentionDuration\":\"1 fortnight\""));
    s = load(f);
    assert_int_equal(ls_delta_checkpoint_write(s, now, NULL, &err), LS_ERR_CONFIG);
    assert_non_null(strstr(err.msg, "deletedFileRetentionDuration"));
    ls_delta_snapshot_free(s);
    commit(f, 3, META_CONF("\"delta.checkpoint.writeStatsAsStruct\":\"true\""));
    s = load(f);
    assert_int_equal(ls_delta_checkpoint_write(s, now, NULL, &err), LS_ERR_UNSUPPORTED);
    ls_delta_snapshot_free(s);
}

static void test_checkpoint_policy(void **state)
{
    fx_t *f = *state;
    char buf[1024];
    commit(f, 0, PROTO "\n" META);
    for (int v = 1; v <= 12; v++) {
        snprintf(buf, sizeof(buf), "%s", add_line(v % 2 ? "a" : "b", "x", v));
        commit(f, v, buf);
    }
    ls_delta_load_opts_t o;
    ls_delta_load_opts_init(&o);
    o.at = LS_DELTA_AT_VERSION;
    o.version = 9;
    ls_delta_snapshot_t *s = load_opts(f, &o);
    assert_false(ls_delta_checkpoint_due(s));
    bool changed;
    ls_error_t err;
    assert_int_equal(ls_delta_snapshot_update(s, &changed, &err), LS_OK);
    assert_int_equal(ls_delta_snapshot_version(s), 12);
    assert_true(ls_delta_checkpoint_due(s)); /* 12 - 0 >= 10: the commit landing on 10 was
                                                 someone else's, the duty is not skipped */
    ls_delta_snapshot_t *c = ls_delta_snapshot_clone(s);
    checkpoint(c, 0, NULL);
    ls_delta_snapshot_free(c);
    ls_delta_snapshot_note_checkpoint(s, 12);
    assert_false(ls_delta_checkpoint_due(s));
    assert_int_equal(ls_delta_snapshot_checkpoint_version(s), 12);
    ls_delta_snapshot_free(s);
    /* a custom interval; and update notices a checkpoint written elsewhere */
    commit(f, 13, META_CONF("\"delta.checkpointInterval\":\"2\""));
    commit(f, 14, add_line("c", "x", 1));
    o.version = 12;
    s = load_opts(f, &o);
    assert_int_equal(ls_delta_snapshot_checkpoint_version(s), 12);
    assert_int_equal(ls_delta_snapshot_update(s, &changed, &err), LS_OK);
    assert_true(ls_delta_checkpoint_due(s));
    c = ls_delta_snapshot_clone(s);
    checkpoint(c, 0, NULL);
    ls_delta_snapshot_free(c);
    commit(f, 15, add_line("d", "x", 1));
    assert_int_equal(ls_delta_snapshot_update(s, &changed, &err), LS_OK);
    assert_int_equal(ls_delta_snapshot_checkpoint_version(s), 14);
    assert_false(ls_delta_checkpoint_due(s));
    ls_delta_snapshot_free(s);
}

static void test_load_oom(void **state)
{
    fx_t *f = *state;
    basic_table(f);
    ls_delta_snapshot_t *s = load(f);
    checkpoint(s, 3000, NULL);
    ls_delta_snapshot_free(s);
    commit(f, 4, add_line("n.parquet", "q", 1));
    int ok = 0;
    for (long n = 0; n < 5000 && !ok; n++) {
        ls_error_t err;
        s = NULL;
        ls_alloc_fail_after(n, 0);
        ls_err_t rc = ls_delta_snapshot_load(f->st, NULL, &s, &err);
        ls_alloc_fail_after(-1, 0);
        if (rc == LS_OK) {
            assert_int_equal(ls_delta_snapshot_num_files(s), 3);
            ls_delta_snapshot_free(s);
            ok = 1;
        } else {
            assert_null(s);
        }
    }
    assert_true(ok);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_replay, setup, teardown),
        cmocka_unit_test_setup_teardown(test_paths_and_dv_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(test_log_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_protocol_metadata, setup, teardown),
        cmocka_unit_test_setup_teardown(test_time_travel, setup, teardown),
        cmocka_unit_test_setup_teardown(test_time_travel_ict, setup, teardown),
        cmocka_unit_test_setup_teardown(test_update, setup, teardown),
        cmocka_unit_test_setup_teardown(test_checkpoint_roundtrip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_last_checkpoint_fallbacks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_multipart_checkpoint, setup, teardown),
        cmocka_unit_test_setup_teardown(test_checkpoint_expiry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_checkpoint_policy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_load_oom, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_delta_golden.c — the Spark-written tables in ../shared/testdata (skipped when absent):
 * every delta-golden table loads with the expected live file count, every live path exists
 * on disk, and the rows of the live files (minus deletion-vector cardinalities) add up to the
 * rows of expected/; the tables lakesink must refuse fail with a clear error (listed below
 * with the reason); time travel over golden versions; our checkpoint of golden logs reloads
 * to the same state; delta-stats app-txn tables read their txn versions back.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lakesink/alloc.h"
#include "lakesink/delta.h"
#include "lakesink/parquet.h"
#include "testutil.h"

#include "lakesink/store.h"

#define GOLDEN "delta-golden"

typedef struct {
    const char *name; /* under delta-golden/, the table is <name>/delta unless it has a '/' */
    ls_err_t code;    /* expected outcome of a normal load */
    const char *why;  /* a phrase the error must contain, and why the table is refused */
    long files;       /* live files (after a load without the read check), -1 = unknown */
    long version;
} golden_t;

static const golden_t golden[] = {
    {"124-decimal-decode-bug", LS_OK, NULL, 2, 0},
    {"basic-decimal-table", LS_OK, NULL, 4, 0},
    {"basic-with-inserts-deletes-checkpoint", LS_OK, NULL, 7, 13},
    {"basic-with-inserts-overwrite-restore", LS_OK, NULL, 4, 3},
    {"basic-with-vacuum-protocol-check-feature", LS_OK, NULL, 2, 1},
    {"canonicalized-paths-normal-a", LS_OK, NULL, 0, 1},
    {"canonicalized-paths-special-a", LS_OK, NULL, 0, 1},
    {"checkpoint", LS_OK, NULL, 1, 14},
    /* a log-only fixture: its commits never carry a metaData action */
    {"data-reader-absolute-paths-escaped-chars", LS_ERR_CORRUPT, "no metaData", -1, -1},
    {"data-reader-array-complex-objects", LS_OK, NULL, 2, 0},
    {"data-reader-date-types-America", LS_OK, NULL, 2, 0},
    {"data-reader-date-types-Etc", LS_OK, NULL, 2, 0},
    {"data-reader-date-types-Jst", LS_OK, NULL, 2, 0},
    {"data-reader-date-types-utc", LS_OK, NULL, 2, 0},
    {"data-reader-map", LS_OK, NULL, 2, 0},
    {"data-reader-nullable-field-invalid-schema-key", LS_OK, NULL, 2, 0},
    {"data-reader-primitives", LS_OK, NULL, 2, 0},
    /* column mapping (mode id): physical column names differ from the schema's */
    {"data-reader-timestamp_ntz-id-mode", LS_ERR_UNSUPPORTED, "columnMapping", 4, 1},
    {"data-skipping-basic-stats-all-types", LS_OK, NULL, 1, 0},
    {"data-skipping-basic-stats-all-types-columnmapping-id", LS_ERR_UNSUPPORTED, "columnMapping", 1,
     0},
    {"data-skipping-change-stats-collected-across-versions", LS_OK, NULL, 3, 4},
    {"decimal-various-scale-precision", LS_OK, NULL, 1, 0},
    /* log-only fixtures for commitInfo / deleted directories: metaData has no schemaString */
    {"deltalog-commit-info", LS_ERR_CORRUPT, "schemaString", -1, -1},
    {"deltalog-invalid-protocol-version", LS_ERR_UNSUPPORTED, "reader version '99'", -1, -1},
    {"deltalog-state-reconstruction-from-checkpoint-missing-protocol", LS_ERR_CORRUPT,
     "no protocol action", -1, -1},
    {"deltalog-state-reconstruction-without-metadata", LS_ERR_CORRUPT, "no metaData action", -1,
     -1},
    /* live files carry deletion vectors, which lakesink cannot apply yet */
    {"dv-partitioned-with-checkpoint", LS_ERR_UNSUPPORTED, "deletionVectors", 15, 15},
    {"kernel-timestamp-int96", LS_OK, NULL, 5, 0},
    {"kernel-timestamp-timestamp_micros", LS_OK, NULL, 5, 0},
    {"log-replay-dv-key-cases", LS_ERR_UNSUPPORTED, "deletionVectors", 1, 3},
    {"log-replay-special-characters", LS_OK, NULL, 0, 1},
    {"multi-part-checkpoint", LS_OK, NULL, 10, 1},
    {"no-delta-log-folder", LS_ERR_NOT_FOUND, "no Delta table", -1, -1},
    {"parquet-all-types", LS_OK, NULL, 1, 0},
    {"parquet-decimal-dictionaries", LS_OK, NULL, 1, 0},
    {"parquet-decimal-type", LS_OK, NULL, 1, 0},
    {"snapshot-data1", LS_OK, NULL, 4, 1},
    {"snapshot-data2-deleted", LS_OK, NULL, 3, 4},
    {"snapshot-repartitioned", LS_OK, NULL, 2, 5},
    {"table-with-columnmapping-mode-id", LS_ERR_UNSUPPORTED, "columnMapping", 2, 0},
    {"time-travel-partition-changes-a", LS_OK, NULL, 10, 0},
    {"time-travel-schema-changes-a", LS_OK, NULL, 2, 0},
    {"time-travel-start", LS_OK, NULL, 2, 0},
    {"time-travel-start-start20-start40", LS_OK, NULL, 6, 2},
    {"update-deleted-directory", LS_ERR_CORRUPT, "schemaString", -1, -1},
    {"v2-checkpoint-parquet", LS_OK, NULL, 4, 2},
    {"versions-not-contiguous", LS_ERR_CORRUPT, "commit 1", -1, -1},
    {"hive/delta/deltatbl-column-names-case-insensitive", LS_OK, NULL, 4, 0},
    {"hive/delta/deltatbl-deleted-path", LS_OK, NULL, 2, 0},
    {"hive/delta/deltatbl-incorrect-format-config", LS_OK, NULL, 2, 0},
    {"hive/delta/deltatbl-map-types-correctly", LS_OK, NULL, 1, 0},
    {"hive/delta/deltatbl-non-partitioned", LS_OK, NULL, 2, 0},
    {"hive/delta/deltatbl-not-allow-write", LS_OK, NULL, 2, 0},
    {"hive/delta/deltatbl-partition-prune", LS_OK, NULL, 5, 0},
    {"hive/delta/deltatbl-partitioned", LS_OK, NULL, 4, 0},
    {"hive/delta/deltatbl-schema-match", LS_OK, NULL, 4, 0},
    {"hive/delta/deltatbl-special-chars-in-partition-column", LS_OK, NULL, 4, 0},
    {"hive/delta/deltatbl-touch-files-needed-for-partitioned", LS_OK, NULL, 4, 0},
};

/* Log-only fixtures: their data files were never written (or deleted on purpose). */
static const char *const missing_files_ok[] = {"checkpoint", NULL};

static const char *table_dir(const golden_t *g, char *buf, size_t len)
{
    const char *base = ls_test_data(GOLDEN);
    if (strchr(g->name, '/') != NULL) {
        snprintf(buf, len, "%s/%s", base, g->name);
    } else {
        snprintf(buf, len, "%s/%s/delta", base, g->name);
    }
    return buf;
}

static ls_err_t open_load(const char *dir, const ls_delta_load_opts_t *o, ls_store_t **st,
                          ls_delta_snapshot_t **s, ls_error_t *err)
{
    *s = NULL;
    ls_err_t rc = ls_store_open(dir, NULL, st, err);
    if (rc != LS_OK) {
        return rc;
    }
    return ls_delta_snapshot_load(*st, o, s, err);
}

static int64_t parquet_rows(const char *path)
{
    ls_error_t err;
    ls_pq_reader_t *r = ls_pq_reader_open_file(path, &err);
    if (r == NULL) {
        fail_msg("%s: %s", path, err.msg);
    }
    int64_t n = ls_pq_reader_num_rows(r);
    ls_pq_reader_free(r);
    return n;
}

/* Rows of the expected/ answer, -1 when the table has none. */
static int64_t expected_rows(const golden_t *g)
{
    char dir[1024];
    snprintf(dir, sizeof(dir), "%s/%s/expected", ls_test_data(GOLDEN), g->name);
    DIR *d = opendir(dir);
    if (d == NULL) {
        return -1;
    }
    int64_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (e->d_name[0] != '.' && len > 8 && strcmp(e->d_name + len - 8, ".parquet") == 0) {
            char p[2048];
            snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
            n += parquet_rows(p);
        }
    }
    closedir(d);
    return n;
}

static bool allowed_missing(const char *name)
{
    for (size_t i = 0; missing_files_ok[i] != NULL; i++) {
        if (strcmp(name, missing_files_ok[i]) == 0) {
            return true;
        }
    }
    return false;
}

/* Live files exist; returns the table's rows (file rows minus DV cardinalities). */
static int64_t check_files(const golden_t *g, const char *dir, const ls_delta_snapshot_t *s)
{
    size_t cur = 0;
    const ls_delta_file_t *f;
    int64_t rows = 0;
    bool all = true;
    while ((f = ls_delta_snapshot_next_file(s, &cur)) != NULL) {
        char p[4096];
        snprintf(p, sizeof(p), "%s/%s", dir, f->decoded_path);
        struct stat sb;
        if (f->decoded_path[0] == '/' || stat(p, &sb) != 0) {
            if (!allowed_missing(g->name)) {
                fail_msg("%s: live file %s is not on disk", g->name, f->decoded_path);
            }
            all = false;
            continue;
        }
        assert_int_equal((int64_t)sb.st_size, f->add.size);
        rows += parquet_rows(p) - (f->add.dv ? f->add.dv->cardinality : 0);
    }
    return all ? rows : -1;
}

static void test_golden_tables(void **state)
{
    (void)state;
    LS_REQUIRE_TESTDATA(GOLDEN);
    size_t checked_rows = 0;
    for (size_t i = 0; i < sizeof(golden) / sizeof(golden[0]); i++) {
        const golden_t *g = &golden[i];
        char dir[1024];
        ls_store_t *st = NULL;
        ls_delta_snapshot_t *s = NULL;
        ls_error_t err;
        ls_err_t rc = open_load(table_dir(g, dir, sizeof(dir)), NULL, &st, &s, &err);
        if (rc != g->code || (rc != LS_OK && strstr(err.msg, g->why) == NULL)) {
            fail_msg("%s: got %s '%s'", g->name, ls_err_name(rc), rc ? err.msg : "");
        }
        ls_delta_snapshot_free(s);
        s = NULL;
        if (g->files >= 0) {
            /* refused or not, the log itself replays: count and check the files */
            ls_delta_load_opts_t o;
            ls_delta_load_opts_init(&o);
            o.skip_read_check = true;
            assert_int_equal(ls_delta_snapshot_load(st, &o, &s, &err), LS_OK);
            if ((long)ls_delta_snapshot_num_files(s) != g->files ||
                (g->version >= 0 && ls_delta_snapshot_version(s) != g->version)) {
                fail_msg("%s: %zu files at version %lld", g->name, ls_delta_snapshot_num_files(s),
                         (long long)ls_delta_snapshot_version(s));
            }
            int64_t rows = check_files(g, dir, s);
            int64_t want = strchr(g->name, '/') ? -1 : expected_rows(g);
            if (rows >= 0 && want >= 0) {
                if (rows != want) {
                    fail_msg("%s: live files hold %lld rows, expected/ has %lld", g->name,
                             (long long)rows, (long long)want);
                }
                checked_rows++;
            }
        }
        ls_delta_snapshot_free(s);
        ls_store_free(st);
    }
    print_message("%zu golden tables checked, %zu against expected/ row counts\n",
                  sizeof(golden) / sizeof(golden[0]), checked_rows);
    assert_true(checked_rows >= 25);
}

/* Every folder of delta-golden is in the list above (so none is silently skipped). */
static void test_golden_all_listed(void **state)
{
    (void)state;
    LS_REQUIRE_TESTDATA(GOLDEN);
    DIR *d = opendir(ls_test_data(GOLDEN));
    assert_non_null(d);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' || strcmp(e->d_name, "hive") == 0) {
            continue;
        }
        bool found = false;
        for (size_t i = 0; i < sizeof(golden) / sizeof(golden[0]); i++) {
            found = found || strcmp(golden[i].name, e->d_name) == 0;
        }
        if (!found) {
            fail_msg("golden table %s is not in the test's list", e->d_name);
        }
    }
    closedir(d);
}

static void test_golden_time_travel(void **state)
{
    (void)state;
    LS_REQUIRE_TESTDATA(GOLDEN "/time-travel-start-start20-start40");
    char dir[1024];
    snprintf(dir, sizeof(dir), "%s/time-travel-start-start20-start40/delta", ls_test_data(GOLDEN));
    static const long files[] = {2, 4, 6};
    for (int v = 0; v < 3; v++) {
        ls_delta_load_opts_t o;
        ls_delta_load_opts_init(&o);
        o.at = LS_DELTA_AT_VERSION;
        o.version = v;
        ls_store_t *st;
        ls_delta_snapshot_t *s;
        ls_error_t err;
        assert_int_equal(open_load(dir, &o, &st, &s, &err), LS_OK);
        assert_int_equal(ls_delta_snapshot_version(s), v);
        assert_int_equal(ls_delta_snapshot_num_files(s), files[v]);
        ls_delta_snapshot_free(s);
        ls_store_free(st);
    }
    /* basic-with-inserts-deletes-checkpoint: before, at and after its checkpoint 10 */
    snprintf(dir, sizeof(dir), "%s/basic-with-inserts-deletes-checkpoint/delta",
             ls_test_data(GOLDEN));
    for (int v = 9; v <= 11; v++) {
        ls_delta_load_opts_t o;
        ls_delta_load_opts_init(&o);
        o.at = LS_DELTA_AT_VERSION;
        o.version = v;
        ls_store_t *st;
        ls_delta_snapshot_t *s;
        ls_error_t err;
        assert_int_equal(open_load(dir, &o, &st, &s, &err), LS_OK);
        assert_int_equal(ls_delta_snapshot_checkpoint_version(s), v >= 10 ? 10 : -1);
        ls_delta_snapshot_free(s);
        ls_store_free(st);
    }
}

/* Copy the JSON commits of a golden table to @p tmp/_delta_log. */
static void copy_commits(const char *src, const char *tmp)
{
    char cmd[4096];
    snprintf(cmd, sizeof(cmd),
             "mkdir -p '%s/_delta_log' && cp '%s'/_delta_log/*.json '%s/_delta_log/'", tmp, src,
             tmp);
    assert_int_equal(system(cmd), 0);
}

static void test_golden_checkpoint_rewrite(void **state)
{
    (void)state;
    LS_REQUIRE_TESTDATA(GOLDEN);
    static const char *const names[] = {"basic-with-inserts-deletes-checkpoint",
                                        "snapshot-data2-deleted",
                                        "data-skipping-basic-stats-all-types",
                                        "basic-with-vacuum-protocol-check-feature",
                                        "time-travel-partition-changes-a"};
    /* a checkpoint is a write: a table with deletion vectors is refused, naming them */
    {
        char src[1024];
        snprintf(src, sizeof(src), "%s/log-replay-dv-key-cases/delta", ls_test_data(GOLDEN));
        const char *tmp = ls_test_tmpdir();
        char dir[256];
        snprintf(dir, sizeof(dir), "%s", tmp);
        copy_commits(src, dir);
        ls_delta_load_opts_t o;
        ls_delta_load_opts_init(&o);
        o.skip_read_check = true;
        ls_store_t *st;
        ls_delta_snapshot_t *json;
        ls_error_t err;
        assert_int_equal(open_load(dir, &o, &st, &json, &err), LS_OK);
        ls_delta_checkpoint_info_t info;
        assert_int_equal(ls_delta_checkpoint_write(json, 1, &info, &err), LS_ERR_UNSUPPORTED);
        assert_non_null(strstr(err.msg, "deletionVectors"));
        ls_delta_snapshot_free(json);
        ls_store_free(st);
        ls_test_rmdir(dir);
    }
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        char src[1024];
        snprintf(src, sizeof(src), "%s/%s/delta", ls_test_data(GOLDEN), names[i]);
        const char *tmp = ls_test_tmpdir();
        char dir[256];
        snprintf(dir, sizeof(dir), "%s", tmp);
        copy_commits(src, dir);
        ls_delta_load_opts_t o;
        ls_delta_load_opts_init(&o);
        o.skip_read_check = true;
        ls_store_t *st;
        ls_delta_snapshot_t *json, *cp;
        ls_error_t err;
        assert_int_equal(open_load(dir, &o, &st, &json, &err), LS_OK);
        ls_delta_checkpoint_info_t info;
        /* far in the past: no tombstone has expired yet */
        if (ls_delta_checkpoint_write(json, 1, &info, &err) != LS_OK) {
            fail_msg("%s: %s", names[i], err.msg);
        }
        for (int64_t v = 0; v <= ls_delta_snapshot_version(json); v++) {
            char key[LS_DELTA_KEY_MAX];
            ls_delta_commit_key(v, key);
            assert_int_equal(ls_store_del(st, key, &err), LS_OK);
        }
        assert_int_equal(ls_delta_snapshot_load(st, &o, &cp, &err), LS_OK);
        assert_int_equal(ls_delta_snapshot_checkpoint_version(cp), info.version);
        assert_int_equal(ls_delta_snapshot_num_files(cp), ls_delta_snapshot_num_files(json));
        assert_int_equal(ls_delta_snapshot_total_bytes(cp), ls_delta_snapshot_total_bytes(json));
        assert_int_equal(ls_delta_snapshot_num_tombstones(cp),
                         ls_delta_snapshot_num_tombstones(json));
        size_t cur = 0;
        const ls_delta_file_t *f;
        while ((f = ls_delta_snapshot_next_file(json, &cur)) != NULL) {
            const ls_delta_file_t *g = ls_delta_snapshot_find_file(cp, f->decoded_path, f->dv_id);
            assert_non_null(g);
            assert_string_equal(f->add.path, g->add.path);
            assert_int_equal(f->add.size, g->add.size);
            assert_true((f->add.stats == NULL) == (g->add.stats == NULL));
            if (f->add.stats) {
                assert_string_equal(f->add.stats, g->add.stats);
            }
            assert_int_equal(f->add.n_partition_values, g->add.n_partition_values);
            assert_true((f->add.dv == NULL) == (g->add.dv == NULL));
            if (f->add.dv) {
                assert_int_equal(f->add.dv->cardinality, g->add.dv->cardinality);
                assert_string_equal(f->add.dv->path_or_inline_dv, g->add.dv->path_or_inline_dv);
            }
        }
        assert_string_equal(ls_delta_snapshot_metadata(cp)->schema_string,
                            ls_delta_snapshot_metadata(json)->schema_string);
        assert_int_equal(ls_delta_snapshot_protocol(cp)->n_writer_features,
                         ls_delta_snapshot_protocol(json)->n_writer_features);
        ls_delta_snapshot_free(cp);
        ls_delta_snapshot_free(json);
        ls_store_free(st);
        ls_test_rmdir(dir);
    }
}

static void test_stats_app_txn(void **state)
{
    (void)state;
    LS_REQUIRE_TESTDATA("delta-stats");
    static const struct {
        const char *table;
        const char *app;
        int64_t version, last_updated;
    } cases[] = {
        {"app-txn-checkpoint", "my-app", 3, -1},
        {"app-txn-checkpoint", "my-app2", 2, -1},
        {"app-txn-no-checkpoint", "my-app", 3, -1},
        {"app-txn-no-checkpoint", "my-app2", 2, -1},
        {"app-txn-with-last-updated", "new_app_0", 1, -1},
        {"app-txn-with-last-updated", "new_app_1", 1, 1000},
        {"app-txn-with-last-updated", "new_app_2", 1, 1002},
        {"app-txn-with-last-updated", "old_app", 1, 1747935650},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char dir[1024];
        snprintf(dir, sizeof(dir), "%s/%s", ls_test_data("delta-stats"), cases[i].table);
        ls_store_t *st;
        ls_delta_snapshot_t *s;
        ls_error_t err;
        if (open_load(dir, NULL, &st, &s, &err) != LS_OK) {
            fail_msg("%s: %s", cases[i].table, err.msg);
        }
        int64_t v, lu;
        assert_true(ls_delta_snapshot_txn(s, cases[i].app, &v, &lu));
        assert_int_equal(v, cases[i].version);
        assert_int_equal(lu, cases[i].last_updated);
        assert_false(ls_delta_snapshot_txn(s, "nobody", &v, &lu));
        ls_delta_snapshot_free(s);
        ls_store_free(st);
    }
    /* the other delta-stats tables load too (a checkpoint without _last_checkpoint, a
     * checkpoint with stats only as structs) */
    static const char *const others[] = {
        "with_checkpoint_no_last_checkpoint", "v1-single-part-struct-stats-only",
        "timestamp-truncation-stats", "stats-writing-all-types/delta"};
    static const long cps[] = {2, 5, -1, -1};
    for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
        char dir[1024];
        snprintf(dir, sizeof(dir), "%s/%s", ls_test_data("delta-stats"), others[i]);
        ls_store_t *st;
        ls_delta_snapshot_t *s;
        ls_error_t err;
        ls_delta_load_opts_t o;
        ls_delta_load_opts_init(&o);
        /* stats-writing-all-types uses column mapping (mode name): refused for reading */
        o.skip_read_check = strncmp(others[i], "stats-writing", 13) == 0;
        if (o.skip_read_check) {
            assert_int_equal(open_load(dir, NULL, &st, &s, &err), LS_ERR_UNSUPPORTED);
            assert_non_null(strstr(err.msg, "columnMapping"));
            ls_store_free(st);
        }
        if (open_load(dir, &o, &st, &s, &err) != LS_OK) {
            fail_msg("%s: %s", others[i], err.msg);
        }
        assert_int_equal(ls_delta_snapshot_checkpoint_version(s), cps[i]);
        assert_true(ls_delta_snapshot_num_files(s) > 0);
        ls_delta_snapshot_free(s);
        ls_store_free(st);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_golden_tables),      cmocka_unit_test(test_golden_all_listed),
        cmocka_unit_test(test_golden_time_travel), cmocka_unit_test(test_golden_checkpoint_rewrite),
        cmocka_unit_test(test_stats_app_txn),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

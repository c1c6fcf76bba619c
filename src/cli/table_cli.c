/*
 * table_cli.c — shared pieces of `lakesink load` and `lakesink table`: opening a table at
 * a version or timestamp, --timestamp and --codec parsing, numRecords from stats.
 *
 * Not responsible for: any command's options or output.
 */
#include "table_cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lakesink/arena.h"
#include "lakesink/json.h"
#include "lakesink/schema.h"
#include "lakesink/table.h"

static const struct {
    const char *name;
    ls_pq_codec_t codec;
} ls__codecs[] = {
    {"zstd", LS_PQ_CODEC_ZSTD},       {"snappy", LS_PQ_CODEC_SNAPPY},
    {"gzip", LS_PQ_CODEC_GZIP},       {"lz4_raw", LS_PQ_CODEC_LZ4_RAW},
    {"brotli", LS_PQ_CODEC_BROTLI},   {"none", LS_PQ_CODEC_UNCOMPRESSED},
    {"uncompressed", LS_PQ_CODEC_UNCOMPRESSED},
};

bool ls_cli_codec_parse(const char *name, ls_pq_codec_t *out)
{
    for (size_t i = 0; i < sizeof(ls__codecs) / sizeof(ls__codecs[0]); i++) {
        if (strcmp(name, ls__codecs[i].name) == 0) {
            *out = ls__codecs[i].codec;
            return true;
        }
    }
    return false;
}

static bool ls__all_digits(const char *s)
{
    if (*s == '\0') {
        return false;
    }
    for (; *s; s++) {
        if (*s < '0' || *s > '9') {
            return false;
        }
    }
    return true;
}

ls_err_t ls_cli_parse_timestamp(const char *text, int64_t *ms, ls_error_t *err)
{
    if (ls__all_digits(text)) {
        errno = 0;
        long long v = strtoll(text, NULL, 10);
        if (errno != 0) {
            return ls_error_set(err, LS_ERR_PARSE, "timestamp '%s' is out of range", text);
        }
        *ms = (int64_t)v;
        return LS_OK;
    }
    /* The partition value parser knows every ISO-8601 form Delta writers use. */
    ls_type_t *ts = ls_type_new(LS_TYPE_TIMESTAMP);
    if (ts == NULL) {
        return ls_error_set(err, LS_ERR_NOMEM, "out of memory");
    }
    size_t len = strlen(text);
    char buf[64];
    const char *s = text;
    if (len == 10 && len + 10 < sizeof(buf)) { /* a bare date: midnight UTC */
        snprintf(buf, sizeof(buf), "%s 00:00:00", text);
        s = buf;
        len = strlen(buf);
    }
    ls_table_value_t v;
    ls_err_t rc = ls_table_partition_parse(ts, s, len, &v, err);
    ls_type_free(ts);
    if (rc != LS_OK || v.is_null) {
        return ls_error_set(err, LS_ERR_PARSE,
                            "'%s' is not a timestamp (ISO-8601 or milliseconds since the epoch)",
                            text);
    }
    /* microseconds to milliseconds, rounding toward minus infinity */
    *ms = v.u.i64 >= 0 ? v.u.i64 / 1000 : -((-v.u.i64 + 999) / 1000);
    return LS_OK;
}

ls_err_t ls_cli_table_open(const char *uri, int64_t version, const char *timestamp,
                           bool read_check, ls_store_t **st, ls_delta_snapshot_t **snap,
                           ls_error_t *err)
{
    ls_delta_load_opts_t lo;
    ls_delta_load_opts_init(&lo);
    lo.skip_read_check = !read_check;
    if (version >= 0) {
        lo.at = LS_DELTA_AT_VERSION;
        lo.version = version;
    } else if (timestamp != NULL) {
        lo.at = LS_DELTA_AT_TIMESTAMP;
        LS_TRY(ls_cli_parse_timestamp(timestamp, &lo.timestamp_ms, err));
    }
    *snap = NULL;
    LS_TRY(ls_store_open(uri, NULL, st, err));
    ls_err_t rc = ls_delta_snapshot_load(*st, &lo, snap, err);
    if (rc == LS_OK && read_check) {
        rc = ls_delta_check_read(*snap, err);
    }
    if (rc != LS_OK) {
        ls_delta_snapshot_free(*snap);
        *snap = NULL;
        ls_store_free(*st);
        *st = NULL;
    }
    return rc;
}

bool ls_cli_stats_num_records(const char *stats, int64_t *n)
{
    if (stats == NULL) {
        return false;
    }
    ls_arena_t *a = ls_arena_new(4096, 0);
    if (a == NULL) {
        return false;
    }
    ls_table_file_stats_t st;
    ls_error_t err;
    ls_error_clear(&err);
    bool ok = ls_table_stats_parse(stats, strlen(stats), a, &st, &err) == LS_OK &&
              st.has_num_records;
    if (ok) {
        *n = st.num_records;
    }
    ls_arena_free(a);
    return ok;
}

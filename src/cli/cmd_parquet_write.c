/*
 * cmd_parquet_write.c — `lakesink parquet write OUT [IN|-]`: checks the options, loads
 * the Delta schema file when one is given, runs the NDJSON → Parquet pipeline
 * (ndjson_convert.c) and prints a one-line JSON summary on stdout.
 *
 * Not responsible for: the conversion itself, or bad-line messages (the pipeline prints
 * those on stderr as it meets them).
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "lakesink/io.h"
#include "lakesink/json.h"
#include "ndjson_convert.h"

/* A schema file larger than this is certainly not a schema. */

enum {
    O_SCHEMA,
    O_CODEC,
    O_LEVEL,
    O_RG_BYTES,
    O_RG_ROWS,
    O_PAGE_BYTES,
    O_NO_DICT,
    O_ON_ERROR,
    O_N
};

static const ls_cli_opt_t ls__write_opts[O_N] = {
    [O_SCHEMA] = {"schema", LS_CLI_STR, "FILE", "Delta schema JSON (default: infer from the input)",
                  0, 0},
    [O_CODEC] = {"codec", LS_CLI_STR, "NAME",
                 "zstd (default), snappy, gzip, lz4_raw, brotli or none", 0, 0},
    [O_LEVEL] = {"level", LS_CLI_INT, "N",
                 "compression level: zstd -7..22, gzip 0..9, brotli 0..11 (0 = default)", -7, 22},
    [O_RG_BYTES] = {"row-group-bytes", LS_CLI_SIZE, "N",
                    "target compressed row group size (default 128M; K/M/G suffixes)", 1,
                    (int64_t)1 << 40},
    [O_RG_ROWS] = {"row-group-rows", LS_CLI_INT, "N", "also end a row group after N rows", 1,
                   INT64_MAX},
    [O_PAGE_BYTES] = {"page-bytes", LS_CLI_SIZE, "N",
                      "target uncompressed data page size (default 1M)", 1, (int64_t)1 << 30},
    [O_NO_DICT] = {"no-dictionary", LS_CLI_FLAG, NULL, "PLAIN encoding only", 0, 0},
    [O_ON_ERROR] = {"on-error", LS_CLI_STR, "fail|skip",
                    "bad input line: stop (default) or report it on stderr and go on", 0, 0},
};

static const ls_cli_cmd_t ls__write_cmd = {
    "parquet write",
    "OUT.parquet [IN.ndjson|-]",
    "Convert newline-delimited JSON (a file, or standard input when IN is '-' or absent)\n"
    "to a Parquet file. Without --schema the schema is inferred from the whole input first\n"
    "(standard input is then buffered in a temporary file). The file is written to\n"
    "OUT.parquet.tmp and renamed when complete. A JSON summary is printed on stdout:\n"
    "{\"output\",\"rows\",\"row_groups\",\"bytes\",\"input_bytes\",\"bad_lines\",\"seconds\",...}.",
    ls__write_opts,
    O_N,
    1,
    2};

static const struct {
    const char *name;
    ls_pq_codec_t codec;
    int min_level, max_level; /* 0..0: no levels */
} ls__codecs[] = {
    {"zstd", LS_PQ_CODEC_ZSTD, -7, 22},
    {"snappy", LS_PQ_CODEC_SNAPPY, 0, 0},
    {"gzip", LS_PQ_CODEC_GZIP, 0, 9},
    {"lz4_raw", LS_PQ_CODEC_LZ4_RAW, 0, 0},
    {"brotli", LS_PQ_CODEC_BROTLI, 0, 11},
    {"none", LS_PQ_CODEC_UNCOMPRESSED, 0, 0},
    {"uncompressed", LS_PQ_CODEC_UNCOMPRESSED, 0, 0},
};

/* Fill the writer options from --codec/--level/...; returns an exit code or LS_CLI_RUN. */
static int ls__writer_opts(const ls_cli_val_t *v, ls_cli_convert_opts_t *co)
{
    const char *cmd = ls__write_cmd.name;
    size_t i = 0;
    if (v[O_CODEC].set) {
        for (; i < sizeof(ls__codecs) / sizeof(ls__codecs[0]); i++) {
            if (strcmp(v[O_CODEC].str, ls__codecs[i].name) == 0) {
                break;
            }
        }
        if (i == sizeof(ls__codecs) / sizeof(ls__codecs[0])) {
            return ls_cli_usage_error(cmd,
                                      "unknown codec '%s' (zstd, snappy, gzip, lz4_raw, "
                                      "brotli, none)",
                                      v[O_CODEC].str);
        }
    }
    co->writer.codec = ls__codecs[i].codec;
    if (v[O_LEVEL].set) {
        int64_t lv = v[O_LEVEL].num;
        if (ls__codecs[i].min_level == 0 && ls__codecs[i].max_level == 0) {
            return ls_cli_usage_error(cmd, "codec %s has no levels", ls__codecs[i].name);
        }
        if (lv < ls__codecs[i].min_level || lv > ls__codecs[i].max_level) {
            return ls_cli_usage_error(cmd, "--level %lld is out of range for %s (%d..%d)",
                                      (long long)lv, ls__codecs[i].name, ls__codecs[i].min_level,
                                      ls__codecs[i].max_level);
        }
        co->writer.level = (int)lv;
    }
    if (v[O_RG_BYTES].set) {
        co->writer.row_group_bytes = (uint64_t)v[O_RG_BYTES].num;
    }
    if (v[O_PAGE_BYTES].set) {
        co->writer.page_bytes = (uint32_t)v[O_PAGE_BYTES].num;
    }
    co->writer.dictionary = !v[O_NO_DICT].set;
    co->row_group_rows = v[O_RG_ROWS].set ? (uint64_t)v[O_RG_ROWS].num : 0;
    if (v[O_ON_ERROR].set && strcmp(v[O_ON_ERROR].str, "skip") != 0 &&
        strcmp(v[O_ON_ERROR].str, "fail") != 0) {
        return ls_cli_usage_error(cmd, "--on-error must be 'fail' or 'skip', not '%s'",
                                  v[O_ON_ERROR].str);
    }
    co->skip_bad = v[O_ON_ERROR].set && strcmp(v[O_ON_ERROR].str, "skip") == 0;
    return LS_CLI_RUN;
}

static ls_err_t ls__summary(const ls_cli_convert_opts_t *co, const ls_cli_convert_stats_t *st,
                            ls_error_t *err)
{
    ls_buf_t o;
    ls_buf_init(&o, 1 << 16);
    ls_err_t rc = ls_buf_append_str(&o, "{\"output\":");
    rc = rc == LS_OK ? ls_json_append_string(&o, co->output, strlen(co->output)) : rc;
    rc = rc == LS_OK
             ? ls_buf_printf(&o,
                             ",\"rows\":%llu,\"row_groups\":%u,\"bytes\":%llu,"
                             "\"input_bytes\":%llu,\"bad_lines\":%llu,\"seconds\":%.3f,"
                             "\"codec\":\"%s\",\"schema\":\"%s\"}\n",
                             (unsigned long long)st->rows, st->row_groups,
                             (unsigned long long)st->output_bytes,
                             (unsigned long long)st->input_bytes, (unsigned long long)st->bad_lines,
                             st->seconds, ls_pq_codec_name(co->writer.codec),
                             st->inferred ? "inferred" : "given")
             : rc;
    if (rc != LS_OK) {
        ls_error_set(err, rc, "cannot format the summary");
    } else {
        rc = ls_cli_flush_stdout(&o, err);
    }
    ls_buf_free(&o);
    return rc;
}

int ls_cli_parquet_write(int argc, char **argv)
{
    ls_cli_val_t v[O_N];
    const char *args[2];
    size_t nargs = 0;
    int rc = ls_cli_parse(&ls__write_cmd, argc, argv, v, args, &nargs);
    if (rc != LS_CLI_RUN) {
        return rc;
    }
    ls_cli_convert_opts_t co;
    ls_cli_convert_opts_init(&co);
    co.output = args[0];
    co.input = nargs > 1 ? args[1] : "-";
    co.report = stderr;
    if (strcmp(co.output, "-") == 0) {
        return ls_cli_usage_error(ls__write_cmd.name, "OUT must be a file path (Parquet needs "
                                                      "a seekable reader, not a pipe)");
    }
    rc = ls__writer_opts(v, &co);
    if (rc != LS_CLI_RUN) {
        return rc;
    }
    ls_error_t err;
    ls_error_clear(&err);
    ls_type_t *schema = NULL;
    if (v[O_SCHEMA].set && ls_cli_read_schema_file(v[O_SCHEMA].str, &schema, &err) != LS_OK) {
        char what[512];
        snprintf(what, sizeof(what), "cannot load the schema %s", v[O_SCHEMA].str);
        return ls_cli_fail(what, v[O_SCHEMA].str, &err);
    }
    co.schema = schema;
    ls_cli_convert_stats_t st;
    char what[512];
    snprintf(what, sizeof(what), "cannot write %s", co.output);
    rc = LS_CLI_EXIT_OK;
    if (ls_cli_convert(&co, &st, &err) != LS_OK || ls__summary(&co, &st, &err) != LS_OK) {
        rc = ls_cli_fail(what, co.output, &err);
    }
    ls_type_free(schema);
    return rc;
}

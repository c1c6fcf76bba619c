/*
 * cmd_demo.c — `lakesink demo`: generates realistic user events and loads them into a
 * Delta table partitioned by event type, through `lakesink load` itself, then prints the
 * commands to look at the table. Needs nothing but the binary.
 *
 * The Kafka → Delta connector will take this command over (a local broker, a producer
 * and the daemon writing Delta tables); until then it demonstrates the storage path.
 * Not responsible for: loading (cmd_load.c) or event shapes (gen.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "lakesink/gen.h"

enum { O_DIR, O_EVENTS };

static const ls_cli_opt_t ls__demo_opts[] = {
    [O_DIR] = {"dir", LS_CLI_STR, "DIR", "where to write (default ./lakesink-demo)", 0, 0},
    [O_EVENTS] = {"events", LS_CLI_INT, "N", "how many events to generate (default 200000)", 1,
                  100000000},
};

static const ls_cli_cmd_t ls__demo_cmd = {
    "demo", "",
    "Generate user events (the shape of a typical clickstream topic), write them as NDJSON, "
    "load them into a Delta table partitioned by event_type (DIR/events), then print the "
    "commands to inspect it. Running it again appends a new table version.",
    ls__demo_opts, sizeof(ls__demo_opts) / sizeof(ls__demo_opts[0]), 0, 0};

/* Write @p n generated events to @p path. */
static ls_err_t ls__demo_events(const char *path, int64_t n, ls_error_t *err)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL) {
        return ls_error_set(err, LS_ERR_IO, "%s: cannot create: %s", path, strerror(errno));
    }
    ls_gen_t g;
    ls_gen_init(&g, 0, 1705276800); /* 2024-01-15T00:00:00Z */
    ls_buf_t b;
    ls_buf_init(&b, LS_BUF_UNLIMITED);
    ls_err_t rc = LS_OK;
    for (int64_t i = 0; i < n && rc == LS_OK; i++) {
        rc = ls_gen_user_event(&g, (uint64_t)i, &b);
        if (rc == LS_OK && (b.len >= (1u << 20) || i + 1 == n) &&
            fwrite(b.data, 1, b.len, f) != b.len) {
            rc = ls_error_set(err, LS_ERR_IO, "%s: write failed: %s", path, strerror(errno));
        }
        if (b.len >= (1u << 20)) {
            b.len = 0;
        }
    }
    ls_buf_free(&b);
    if (fclose(f) != 0 && rc == LS_OK) {
        rc = ls_error_set(err, LS_ERR_IO, "%s: write failed: %s", path, strerror(errno));
    }
    return rc == LS_ERR_NOMEM ? ls_error_set(err, rc, "out of memory generating events") : rc;
}

static void ls__demo_report(const char *dir, const char *table, int64_t n)
{
    printf("\nlakesink demo: %lld generated events loaded into the Delta table %s\n\n",
           (long long)n, table);
    printf("Files in %s:\n  events.ndjson   the generated input\n  schema.json     its Delta "
           "schema\n  events/         the Delta table (_delta_log/ and event_type=*/ folders)\n\n",
           dir);
    printf("Look at it:\n  lakesink table info %s\n  lakesink table history %s\n"
           "  lakesink table files %s\n  lakesink table scan %s --limit 3\n"
           "  lakesink table scan %s --columns user_id,event_type,timestamp --limit 3\n",
           table, table, table, table, table);
}

int ls_cli_demo_main(int argc, char **argv)
{
    ls_cli_val_t v[sizeof(ls__demo_opts) / sizeof(ls__demo_opts[0])];
    const char *args[1];
    size_t nargs;
    int prc = ls_cli_parse(&ls__demo_cmd, argc, argv, v, args, &nargs);
    if (prc != LS_CLI_RUN) {
        return prc;
    }
    const char *dir = v[O_DIR].set ? v[O_DIR].str : "lakesink-demo";
    int64_t n = v[O_EVENTS].set ? v[O_EVENTS].num : 200000;
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
        ls_error_t e;
        ls_error_set(&e, LS_ERR_IO, "%s: cannot create the directory: %s", dir, strerror(errno));
        return ls_cli_fail("demo", NULL, &e);
    }
    char nd[4096], sc[4096];
    snprintf(nd, sizeof(nd), "%s/events.ndjson", dir);
    snprintf(sc, sizeof(sc), "%s/schema.json", dir);
    ls_error_t err;
    ls_error_clear(&err);
    const char *schema_json = ls_gen_user_event_schema();
    FILE *sf = fopen(sc, "wb");
    if (sf == NULL || fputs(schema_json, sf) < 0 || fclose(sf) != 0) {
        ls_error_set(&err, LS_ERR_IO, "%s: cannot write: %s", sc, strerror(errno));
        return ls_cli_fail("demo", NULL, &err);
    }
    if (ls__demo_events(nd, n, &err) != LS_OK) {
        return ls_cli_fail("demo", NULL, &err);
    }
    char tb[4096];
    snprintf(tb, sizeof(tb), "%s/events", dir);
    /* the very code path of `lakesink load TABLE FILE --schema F --partition-by event_type` */
    char *largv[] = {(char *)"load", tb, nd, (char *)"--schema", sc, (char *)"--partition-by",
                     (char *)"event_type", NULL};
    int lrc = ls_cli_load_main(7, largv);
    if (lrc != LS_CLI_EXIT_OK) {
        return lrc;
    }
    ls__demo_report(dir, tb, n);
    return LS_CLI_EXIT_OK;
}

/*
 * cmd_check_config.c — `lakesink check-config FILE`: validates a daemon config offline and
 * prints either a summary (topics → tables), the normalised JSON (--json, secrets masked)
 * or every problem found. The hidden `--print-docs` prints docs/configuration.md.
 *
 * Not responsible for: the key table, parsing or validation (src/conf, conf.h).
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "lakesink/conf.h"
#include "lakesink/daemon.h"

enum { O_JSON };

static const ls_cli_opt_t ls__cc_opts[] = {
    [O_JSON] = {"json", LS_CLI_FLAG, NULL, "print the normalised config as JSON (secrets masked)",
                0, 0},
};

#define LS__NOPTS (sizeof(ls__cc_opts) / sizeof(ls__cc_opts[0]))

static const ls_cli_cmd_t ls__cc_cmd = {
    "check-config",
    "FILE",
    "Validate a lakesink YAML config without contacting Kafka or storage. Prints the topics "
    "and their tables when it is valid (exit 0), or every problem with its YAML path (exit 1). "
    "docs/configuration.md describes every key.",
    ls__cc_opts,
    LS__NOPTS,
    1,
    1};

static const char *const ls__type_words[] = {"string",   "int",  "bool", "size",
                                             "duration", "enum", "list", "map"};

static int ls__help(void)
{
    ls_cli_print_help(&ls__cc_cmd);
    size_t n;
    const ls_conf_key_t *keys = ls_conf_keys(&n);
    printf("\nkeys (topics.* is each entry under topics:):\n");
    for (size_t i = 0; i < n; i++) {
        printf("  %-56s %-8s %s\n", keys[i].path, ls__type_words[keys[i].type], keys[i].doc);
    }
    return LS_CLI_EXIT_OK;
}

static int ls__print_docs(void)
{
    ls_buf_t b;
    ls_buf_init(&b, 1u << 20);
    ls_error_t err;
    ls_error_clear(&err);
    ls_err_t rc = ls_conf_docs_markdown(&b);
    if (rc != LS_OK) {
        ls_buf_free(&b);
        ls_error_set(&err, rc, "%s", ls_err_str(rc));
        return ls_cli_fail("check-config --print-docs", NULL, &err);
    }
    rc = ls_cli_flush_stdout(&b, &err);
    ls_buf_free(&b);
    return rc == LS_OK ? LS_CLI_EXIT_OK : ls_cli_fail("check-config", NULL, &err);
}

static int ls__report_invalid(const char *file, const ls_conf_diags_t *d, const ls_error_t *err)
{
    if (d->n == 0) {
        return ls_cli_fail("check-config", file, err);
    }
    for (size_t i = 0; i < d->n; i++) {
        if (d->items[i].line > 0) {
            fprintf(stderr, "%s:%zu:%zu: %s\n", file, d->items[i].line, d->items[i].column,
                    d->items[i].msg);
        } else {
            fprintf(stderr, "%s: %s\n", file, d->items[i].msg);
        }
    }
    if (d->dropped > 0) {
        fprintf(stderr, "%s: ... and %zu more problems\n", file, d->dropped);
    }
    fprintf(stderr, "lakesink: check-config: %s: %zu problem%s\n", file, d->n + d->dropped,
            d->n + d->dropped == 1 ? "" : "s");
    return LS_CLI_EXIT_FAIL;
}

/* Problems found past the key table (expressions, schema files, regular expressions). */
static void ls__deep_problem(void *ctx, const char *msg)
{
    fprintf(stderr, "%s: %s\n", (const char *)ctx, msg);
}

static int ls__print_valid(const ls_conf_t *conf, bool json)
{
    ls_buf_t b;
    ls_buf_init(&b, 4u << 20);
    ls_error_t err;
    ls_error_clear(&err);
    ls_err_t rc = LS_OK;
    if (json) {
        rc = ls_conf_to_json(conf, &b);
        rc = rc == LS_OK ? ls_buf_append_byte(&b, '\n') : rc;
    } else {
        rc = ls_buf_printf(&b, "config ok: %zu topic%s, group %s, http %s\n", conf->ntopics,
                           conf->ntopics == 1 ? "" : "s", conf->group_id, conf->http_listen);
        for (size_t i = 0; i < conf->ntopics && rc == LS_OK; i++) {
            const ls_conf_topic_t *t = &conf->topics[i];
            rc = ls_buf_printf(&b, "  %s: %s -> %s\n", t->name, t->kafka_topic, t->table_uri);
        }
    }
    if (rc != LS_OK) {
        ls_error_set(&err, rc, "%s", ls_err_str(rc));
    } else {
        rc = ls_cli_flush_stdout(&b, &err);
    }
    ls_buf_free(&b);
    return rc == LS_OK ? LS_CLI_EXIT_OK : ls_cli_fail("check-config", NULL, &err);
}

int ls_cli_check_config_main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            return ls__help();
        }
    }
    if (argc == 2 && strcmp(argv[1], "--print-docs") == 0) {
        return ls__print_docs();
    }
    ls_cli_val_t v[LS__NOPTS];
    const char *args[1];
    size_t nargs;
    int prc = ls_cli_parse(&ls__cc_cmd, argc, argv, v, args, &nargs);
    if (prc != LS_CLI_RUN) {
        return prc;
    }
    ls_conf_t *conf;
    ls_conf_diags_t d;
    ls_error_t err;
    ls_error_clear(&err);
    if (ls_conf_load_file(args[0], &conf, &d, &err) != LS_OK) {
        int rc = ls__report_invalid(args[0], &d, &err);
        ls_conf_diags_free(&d);
        return rc;
    }
    size_t deep = ls_daemon_validate(conf, ls__deep_problem, (void *)args[0]);
    int rc = deep > 0 ? LS_CLI_EXIT_FAIL : ls__print_valid(conf, v[O_JSON].set);
    if (deep > 0) {
        fprintf(stderr, "lakesink: check-config: %s: %zu problem%s\n", args[0], deep,
                deep == 1 ? "" : "s");
    }
    ls_conf_free(conf);
    ls_conf_diags_free(&d);
    return rc;
}

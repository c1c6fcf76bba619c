/*
 * main.c — the lakesink command line: finds the command group named by argv[1] in one
 * table and hands it the rest of the arguments. A new group (run, broker, produce, ...)
 * is one line in ls__groups plus its own cmd_<group>.c.
 *
 * Not responsible for: parsing a group's options (each group does, see cli.h).
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

typedef struct ls_cli_group_s {
    const char *name;
    int (*run)(int argc, char **argv); /* argv[0] is the group name */
    const char *summary;
} ls_cli_group_t;

static const ls_cli_group_t ls__groups[] = {
    {"run", ls_cli_run_main, "the daemon: consume Kafka topics into Delta tables, exactly once"},
    {"parquet", ls_cli_parquet_main, "inspect Parquet files and convert NDJSON to Parquet"},
    {"load", ls_cli_load_main, "append NDJSON to a Delta table (local or s3://), creating it"},
    {"table", ls_cli_table_main, "inspect a Delta table: info, history, files, scan, checkpoint"},
    {"broker", ls_cli_broker_main, "run a local Kafka-protocol broker for development and tests"},
    {"produce", ls_cli_produce_main, "send generated events or NDJSON lines to a Kafka topic"},
    {"check-config", ls_cli_check_config_main, "validate a daemon config file (YAML) offline"},
    {"demo", ls_cli_demo_main, "generate events and write them as Parquet, then show how to look"},
};

#define LS__NGROUPS (sizeof(ls__groups) / sizeof(ls__groups[0]))

static void ls__usage(FILE *out)
{
    fprintf(out, "usage: lakesink <command> [args] [options]\n\ncommands:\n");
    for (size_t i = 0; i < LS__NGROUPS; i++) {
        fprintf(out, "  %-12s %s\n", ls__groups[i].name, ls__groups[i].summary);
    }
    fprintf(out, "\n'lakesink <command> --help' describes a command; 'lakesink --version' prints "
                 "the version.\nexit status: 0 success, 1 runtime error, 2 usage error\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        ls__usage(stderr);
        return LS_CLI_EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        ls__usage(stdout);
        return LS_CLI_EXIT_OK;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("lakesink %s\n", LS_VERSION);
        return LS_CLI_EXIT_OK;
    }
    for (size_t i = 0; i < LS__NGROUPS; i++) {
        if (strcmp(argv[1], ls__groups[i].name) == 0) {
            int rc = ls__groups[i].run(argc - 1, argv + 1);
            if (fflush(stdout) != 0 && rc == LS_CLI_EXIT_OK) {
                perror("lakesink: cannot write to standard output");
                rc = LS_CLI_EXIT_FAIL;
            }
            return rc;
        }
    }
    fprintf(stderr, "lakesink: unknown command '%s'\nTry 'lakesink --help'.\n", argv[1]);
    return LS_CLI_EXIT_USAGE;
}

/*
 * cli.h — what the lakesink command-line front end shares between its command groups:
 * exit codes, a table-driven option parser (the same table prints --help, so the two
 * cannot drift apart), error reporting, and the entry point of every command group.
 *
 * Not responsible for: any data processing (that lives in the library modules) or
 * the NDJSON → Parquet pipeline (ndjson_convert.h).
 *
 * Ownership: option values and positional arguments point into argv (borrowed for the
 * life of the process); nothing here allocates.
 */
#ifndef LS_CLI_H
#define LS_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lakesink/buf.h"
#include "lakesink/error.h"
#include "lakesink/schema.h"

/* Exit codes shared by every command (documented in docs/cli.md). */
enum {
    LS_CLI_EXIT_OK = 0,   /* success */
    LS_CLI_EXIT_FAIL = 1, /* runtime error: "lakesink: <what failed>: <why>" on stderr */
    LS_CLI_EXIT_USAGE = 2 /* bad command line */
};

/* Returned by ls_cli_parse when the command should run (any other value is an exit code). */
#define LS_CLI_RUN (-1)

typedef enum {
    LS_CLI_FLAG = 0, /* --name: no value */
    LS_CLI_STR,      /* --name VALUE or --name=VALUE */
    LS_CLI_INT,      /* signed integer within [min, max] */
    LS_CLI_SIZE      /* byte count with optional K/M/G/T suffix (powers of 1024), [min, max] */
} ls_cli_kind_t;

typedef struct ls_cli_opt_s {
    const char *name; /* long name without "--" */
    ls_cli_kind_t kind;
    const char *metavar; /* shown in --help ("N", "a,b"); NULL for flags */
    const char *help;    /* one line */
    int64_t min, max;    /* bounds for INT and SIZE */
} ls_cli_opt_t;

typedef struct ls_cli_cmd_s {
    const char *name;    /* "parquet cat" */
    const char *args;    /* positional synopsis: "FILE" */
    const char *summary; /* one paragraph for --help */
    const ls_cli_opt_t *opts;
    size_t nopts;
    size_t min_args, max_args;
} ls_cli_cmd_t;

/* The parsed value of one option (index-aligned with ls_cli_cmd_t.opts). */
typedef struct ls_cli_val_s {
    bool set;
    const char *str; /* STR: the value (borrowed from argv) */
    int64_t num;     /* INT, SIZE */
} ls_cli_val_t;

/**
 * @brief Parse @p argv (the words after the command name) against @p cmd.
 * @param vals array of cmd->nopts values, filled in (unset ones zeroed).
 * @param args array of cmd->max_args slots receiving the positional arguments.
 * @param nargs receives how many positional arguments were given.
 * @returns LS_CLI_RUN to go on; LS_CLI_EXIT_OK after printing --help; LS_CLI_EXIT_USAGE
 *          after printing the usage error.
 */
int ls_cli_parse(const ls_cli_cmd_t *cmd, int argc, char **argv, ls_cli_val_t *vals,
                 const char **args, size_t *nargs);

/** @brief Print the --help text of @p cmd on stdout. */
void ls_cli_print_help(const ls_cli_cmd_t *cmd);

/**
 * @brief Report a usage error ("lakesink: <cmd>: <message>" plus a hint) on stderr.
 * @returns LS_CLI_EXIT_USAGE.
 */
int ls_cli_usage_error(const char *cmd_name, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/**
 * @brief Report a runtime failure as "lakesink: <what>: <why>" where why is
 * @p err's message; a leading "<subject>: " already in the message is dropped so the
 * input is not named twice.
 * @param subject the file the failure concerns (may be NULL).
 * @returns LS_CLI_EXIT_FAIL.
 */
int ls_cli_fail(const char *what, const char *subject, const ls_error_t *err);

/**
 * @brief Write @p b's contents to stdout and empty it.
 * @returns LS_OK or LS_ERR_IO (with @p err filled).
 */
ls_err_t ls_cli_flush_stdout(ls_buf_t *b, ls_error_t *err);

/**
 * @brief Split @p list at commas into at most @p max non-empty items written into
 * @p store (a copy of @p list, NUL-terminated pieces) and @p items.
 * @returns number of items, or -1 when an item is empty or there are more than @p max.
 */
int ls_cli_split_list(const char *list, char *store, size_t store_len, const char **items,
                      size_t max);

/**
 * @brief Read and parse a Delta schema JSON file (at most 16 MiB) that must be a struct with
 * fields. Caller owns *out. Errors name the file.
 */
ls_err_t ls_cli_read_schema_file(const char *path, ls_type_t **out, ls_error_t *err);

/** @brief Route SIGTERM and SIGINT to @p handler and ignore SIGPIPE (long-running commands). */
void ls_cli_on_stop_signals(void (*handler)(int));

/** @brief Seconds on a monotonic clock, for durations. */
double ls_cli_now(void);

/* Command groups: argv[0] is the group name ("parquet"). Return an exit code. */
int ls_cli_parquet_main(int argc, char **argv);
int ls_cli_demo_main(int argc, char **argv);
int ls_cli_load_main(int argc, char **argv);
int ls_cli_table_main(int argc, char **argv);
int ls_cli_broker_main(int argc, char **argv);
int ls_cli_produce_main(int argc, char **argv);
int ls_cli_check_config_main(int argc, char **argv);
int ls_cli_run_main(int argc, char **argv);

/* Commands of the parquet group (argv[0] is the command name). */
int ls_cli_parquet_cat(int argc, char **argv);
int ls_cli_parquet_schema(int argc, char **argv);
int ls_cli_parquet_meta(int argc, char **argv);
int ls_cli_parquet_write(int argc, char **argv);

#endif

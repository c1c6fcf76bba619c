/*
 * load_csv.h — CSV input for `lakesink load`: record boundaries (so windows and worker
 * slices never cut a quoted field), schema inference over the inputs, and the header of
 * each input for the workers' decoders.
 *
 * Not responsible for: CSV syntax and typing (csv.h), decoding rows into batches.
 *
 * Ownership: *stdin_spool, when set, is a temporary file holding standard input (the
 * caller fcloses it and reads the input from it afterwards).
 */
#ifndef LS_CLI_LOAD_CSV_H
#define LS_CLI_LOAD_CSV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "lakesink/csv.h"
#include "lakesink/error.h"
#include "lakesink/schema.h"

/**
 * @brief Cut [data, data+len) (which starts at a record boundary) at record boundaries:
 * a newline is one when the quotes before it are balanced (RFC 4180: "" inside a quoted
 * field keeps the count even). Slice i of @p n is [off[i], off[i+1]); off[n] is the end
 * of the last whole record, or @p len when @p eof.
 */
void ls_cli_csv_slices(const char *data, size_t len, bool eof, char quote, unsigned n,
                       size_t *off);

/**
 * @brief Infer the schema of the CSV @p inputs ("-" = standard input, at most once).
 * Every input must start with a header (opts->header); the first one names the columns
 * and the others are taken to hold the same columns in the same order.
 * Caller owns *out.
 */
ls_err_t ls_cli_csv_infer(const char *const *inputs, size_t n, const ls_csv_opts_t *opts,
                          FILE **stdin_spool, ls_type_t **out, ls_error_t *err);

#endif

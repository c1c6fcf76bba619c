/*
 * load_infer.h — schema inference for `lakesink load`, in parallel: every window of whole
 * lines is cut into one slice per thread and each thread widens its own inference state.
 * When the threads' schemas agree, that is the schema of the whole input (inference is a
 * widening join over records); when they differ (fields met in another order, a field
 * widened in one slice only) the input is inferred again by one thread, so the result is
 * always exactly what a single pass gives.
 *
 * Not responsible for: the inference rules (json.h), decoding.
 *
 * Ownership: *stdin_spool, when set, is a temporary file holding standard input (the
 * caller fcloses it and reads the input from it afterwards).
 */
#ifndef LS_CLI_LOAD_INFER_H
#define LS_CLI_LOAD_INFER_H

#include <stddef.h>
#include <stdio.h>

#include "lakesink/error.h"
#include "lakesink/schema.h"

#define LS_CLI_MAX_THREADS 64

/**
 * @brief Cut [data, data+len) into @p n slices of whole lines: slice i is
 * [off[i], off[i+1]) (off has n+1 entries; empty slices are possible).
 */
void ls_cli_slice_lines(const char *data, size_t len, unsigned n, size_t *off);

/**
 * @brief Infer the schema of @p inputs ("-" = standard input, at most once) with
 * @p threads threads. Lines that are not JSON objects are ignored here (the decoding pass
 * reports them). Caller owns *out.
 * @returns LS_ERR_INVALID_ARG when there is no record or no field, I/O errors naming the file.
 */
ls_err_t ls_cli_load_infer(const char *const *inputs, size_t n, unsigned threads,
                           FILE **stdin_spool, ls_type_t **out, ls_error_t *err);

#endif

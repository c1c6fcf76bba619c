/*
 * load_route.h — how one `lakesink load` worker gets decoded rows into its data files
 * without copying them: NDJSON records are decoded straight into one batch per partition
 * (the table layout; a batch goes to its file through a data-layout view), the partition
 * guessed from the record's raw text and checked on the decoded row. Rows of partitions
 * beyond the per-worker slots go to a spill batch that is split by partition when full.
 * CSV (decoded a batch at a time) goes through the split.
 *
 * Not responsible for: cutting the input (load_input.c), the files themselves
 * (table_files.h), JSON or CSV syntax.
 *
 * Ownership: the router borrows its partitioner, decoder and file set, which must outlive
 * it. Threads: a router belongs to one worker thread.
 */
#ifndef LS_CLI_LOAD_ROUTE_H
#define LS_CLI_LOAD_ROUTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lakesink/arena.h"
#include "lakesink/buf.h"
#include "lakesink/error.h"
#include "lakesink/json.h"
#include "lakesink/table.h"
#include "lakesink/table_files.h"

/* Partitions a worker keeps a batch for; rows of further partitions are split. */
#define LS_CLI_ROUTE_SLOTS 16

typedef struct ls_cli_slot_s {
    ls_batch_t *batch;     /* table layout; NULL while the slot is free */
    ls_buf_t key;          /* ls_table_last_row_key of its rows */
    ls_buf_t guess;        /* raw text of the partition fields last seen routing here */
    uint64_t guess_sketch; /* of guess: a quick first comparison */
    bool has_guess;
    bool has_values;     /* values filled from the first row */
    const char **values; /* in arena */
    ls_arena_t *arena;
    uint64_t used; /* router clock at the last row */
} ls_cli_slot_t;

typedef struct ls_cli_router_s {
    const ls_table_partitioner_t *part;
    ls_json_decoder_t *dec; /* NULL for CSV */
    ls_table_files_t *fs;
    size_t slot_cap;  /* cap of a slot's batch: small, so that the batches being filled
                       * stay in the cache while the decoder writes to all of them */
    size_t spill_cap; /* cap of the spill batch */
    size_t big;       /* cap for one record larger than those */
    size_t nslots;    /* slots in use (a prefix of slots) */
    ls_cli_slot_t slots[LS_CLI_ROUTE_SLOTS];
    size_t last;       /* slot of the previous row */
    ls_batch_t *spill; /* table layout: rows of partitions without a slot */
    uint64_t clock;    /* rows routed */
    uint64_t spilled;  /* rows with no known text while every slot was busy */
    char **pattern;    /* per partition column: its quoted name, NULL when it needs escapes */
    size_t *pattern_len;
    size_t *hint;      /* per partition column: offset of its key in the previous record */
    ls_buf_t tok, key; /* scratch */
    ls_batch_t view;
    ls_column_t *view_cols;
} ls_cli_router_t;

/* How a router is set up. */
typedef struct ls_cli_route_cfg_s {
    const ls_table_partitioner_t *part; /* borrowed */
    const char *const *names; /* partition column names, partitioner order (read at init) */
    size_t slot_bytes;        /* cap of a partition's batch */
    size_t spill_bytes;       /* cap of the spill batch (and of CSV batches' splits) */
    size_t big_bytes;         /* cap for one record that needs more */
} ls_cli_route_cfg_t;

/**
 * @brief A router writing to @p fs (borrowed), decoding NDJSON with @p dec (borrowed;
 * NULL for CSV). On failure call ls_cli_router_free.
 */
ls_err_t ls_cli_router_init(ls_cli_router_t *r, const ls_cli_route_cfg_t *cfg,
                            ls_json_decoder_t *dec, ls_table_files_t *fs, ls_error_t *err);

/**
 * @brief Decode one NDJSON record (a line without its newline, not blank) into its
 * partition's batch, writing batches to their files as they fill.
 * @param bad receives the decoder's message when the record is rejected (then *is_bad is
 *        true, LS_OK is returned and nothing was added).
 * @returns LS_OK, or a failure of the files, the store or memory (in @p err).
 */
ls_err_t ls_cli_route_json(ls_cli_router_t *r, const char *line, size_t len, bool *is_bad,
                           ls_error_t *bad, ls_error_t *err);

/** @brief Write the rows of @p b (table layout, e.g. decoded CSV) to their partitions' files. */
ls_err_t ls_cli_route_batch(ls_cli_router_t *r, const ls_batch_t *b, ls_error_t *err);

/** @brief Write every batch the router holds to its file (the files stay open). */
ls_err_t ls_cli_router_flush(ls_cli_router_t *r, ls_error_t *err);

/** @brief Free the router's batches (rows not flushed are dropped). */
void ls_cli_router_free(ls_cli_router_t *r);

#endif

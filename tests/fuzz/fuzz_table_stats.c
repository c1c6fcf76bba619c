/*
 * fuzz_table_stats.c — the stats JSON parser of add actions on hostile input: it must
 * return an error or a well-formed result (sorted unique paths, non-negative counts).
 */
#include <stdint.h>
#include <string.h>

#include "lakesink/arena.h"
#include "lakesink/table.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ls_arena_t *a = ls_arena_new(4096, (size_t)64 << 20);
    if (a == NULL) {
        return 0;
    }
    ls_table_file_stats_t st;
    ls_error_t err;
    if (ls_table_stats_parse((const char *)data, size, a, &st, &err) == LS_OK) {
        if (st.has_num_records && st.num_records < 0) {
            __builtin_trap();
        }
        for (size_t i = 0; i < st.ncols; i++) {
            if (st.cols[i].has_null_count && st.cols[i].null_count < 0) {
                __builtin_trap();
            }
            if (i > 0 && strcmp(st.cols[i - 1].path, st.cols[i].path) >= 0) {
                __builtin_trap();
            }
        }
    }
    ls_arena_free(a);
    return 0;
}

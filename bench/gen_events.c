/*
 * gen_events.c — writes N generated user events (lakesink/gen.h) as NDJSON: the input of
 * the benchmarks. The same arguments always give the same bytes.
 *
 * Usage: gen_events [N [OUT]]   (N defaults to 1000000, OUT to standard output)
 * Not responsible for: timing anything (bench_parquet_encode.c and run.sh do).
 */
#include <stdio.h>
#include <stdlib.h>

#include "lakesink/gen.h"

int main(int argc, char **argv)
{
    uint64_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 1000000;
    FILE *out = argc > 2 ? fopen(argv[2], "wb") : stdout;
    if (out == NULL) {
        perror(argv[2]);
        return 1;
    }
    ls_gen_t g;
    ls_gen_init(&g, 0, 1705276800); /* 2024-01-15T00:00:00Z */
    ls_buf_t b;
    ls_buf_init(&b, LS_BUF_UNLIMITED);
    for (uint64_t i = 0; i < n; i++) {
        if (ls_gen_user_event(&g, i, &b) != LS_OK) {
            fprintf(stderr, "gen_events: out of memory\n");
            return 1;
        }
        if (b.len >= (1u << 20) || i + 1 == n) {
            if (fwrite(b.data, 1, b.len, out) != b.len) {
                perror("gen_events: write");
                return 1;
            }
            b.len = 0;
        }
    }
    ls_buf_free(&b);
    if (fflush(out) != 0 || (out != stdout && fclose(out) != 0)) {
        perror("gen_events: write");
        return 1;
    }
    return 0;
}

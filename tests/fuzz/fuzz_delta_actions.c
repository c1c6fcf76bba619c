/*
 * fuzz_delta_actions.c — the Delta log line parser on arbitrary bytes (one commit file per
 * input, lines split on '\n'). Checks: every action that parses and can be written writes
 * to a line that parses back and writes to the same bytes; the actions then replay into a
 * snapshot (reconciliation, path decoding, schema parsing, protocol gating) without a crash,
 * and a parsed schema merged with itself is unchanged.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "delta/delta_int.h"
#include "lakesink/alloc.h"
#include "lakesink/delta.h"
#include "lakesink/store.h"

static ls_store_t *ls__fuzz_store(void)
{
    static ls_store_t *st;
    ls_error_t err;
    if (st == NULL && ls_store_open("/nonexistent/lakesink-fuzz-table", NULL, &st, &err) != LS_OK) {
        abort();
    }
    return st;
}

/* parse -> write -> parse -> write must be a fixed point */
static void ls__check_roundtrip(const ls_delta_action_t *a, ls_arena_t *arena)
{
    ls_buf_t b1, b2;
    ls_error_t err;
    ls_buf_init(&b1, 1 << 24);
    ls_buf_init(&b2, 1 << 24);
    if (ls_delta_action_write(a, &b1, &err) == LS_OK) {
        ls_delta_action_t again;
        ls_err_t rc = ls_delta_action_parse((const char *)b1.data, b1.len, arena, &again, &err);
        if (rc == LS_ERR_NOMEM) {
            goto out;
        }
        if (rc != LS_OK || again.kind != a->kind) {
            fprintf(stderr, "written action does not parse back: %s\n", err.msg);
            abort();
        }
        if (ls_delta_action_write(&again, &b2, &err) == LS_OK &&
            (b1.len != b2.len || memcmp(b1.data, b2.data, b1.len) != 0)) {
            fprintf(stderr, "write is not stable:\n%.*s\n%.*s\n", (int)b1.len, b1.data, (int)b2.len,
                    b2.data);
            abort();
        }
    }
out:
    ls_buf_free(&b1);
    ls_buf_free(&b2);
}

static void ls__replay(const ls__actvec_t *av)
{
    ls_delta_snapshot_t *s = ls__delta_snap_new(ls__fuzz_store(), 0);
    ls_error_t err;
    if (s == NULL) {
        return;
    }
    if (ls__delta_commit_apply_actions(s, 0, 0, av, &err) == LS_OK &&
        ls__delta_snap_finish(s, "fuzz", &err) == LS_OK) {
        (void)ls_delta_check_read(s, &err);
        (void)ls_delta_check_write(s, &err);
        size_t cur = 0;
        const ls_delta_file_t *f;
        uint64_t total = 0;
        while ((f = ls_delta_snapshot_next_file(s, &cur)) != NULL) {
            total += (uint64_t)f->add.size;
            if (ls_delta_snapshot_find_file(s, f->decoded_path, f->dv_id) != f) {
                abort(); /* every live file is found by its own key */
            }
        }
        if (total != ls_delta_snapshot_total_bytes(s)) {
            abort();
        }
        ls_delta_schema_merge_t m;
        const char *schema = ls_delta_snapshot_metadata(s)->schema_string;
        if (ls_delta_schema_merge(schema, ls_delta_snapshot_schema(s), 0, &m, &err) == LS_OK) {
            if (m.changed) {
                abort(); /* a schema merged with itself is unchanged */
            }
            ls_delta_schema_merge_free(&m);
        }
    }
    ls_delta_snapshot_free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ls_arena_t *arena = ls_arena_new(1 << 14, 64 << 20);
    if (arena == NULL) {
        return 0;
    }
    ls__actvec_t av = {0};
    ls_error_t err;
    const char *p = (const char *)data;
    for (size_t pos = 0; pos < size;) {
        const char *nl = memchr(p + pos, '\n', size - pos);
        size_t end = nl ? (size_t)(nl - p) : size;
        ls_delta_action_t a;
        if (ls_delta_action_parse(p + pos, end - pos, arena, &a, &err) == LS_OK) {
            ls__check_roundtrip(&a, arena);
            if (a.kind != LS_DELTA_ACT_UNKNOWN && ls__delta_actvec_push(&av, &a, &err) != LS_OK) {
                break;
            }
        }
        pos = end + 1;
    }
    ls__replay(&av);
    ls__delta_actvec_free(&av);
    ls_arena_free(arena);
    return 0;
}

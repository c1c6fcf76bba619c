/*
 * fuzz_thrift_meta.c — feeds untrusted bytes to the Parquet footer and page-header
 * decoders.
 *
 * Input: the first byte selects what to do, the rest is the encoded struct.
 *   bit 0: 0 = FileMetaData, 1 = PageHeader
 *   bit 1: make allocations fail at random (seeded by the input), to walk NOMEM paths
 * Besides "no crash, no out-of-bounds read", a successful decode must re-encode, and
 * encoding what that re-encoding decodes to must give the same bytes again.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lakesink/alloc.h"
#include "lakesink/arena.h"
#include "lakesink/parquet_meta.h"

static void check(int cond, const char *what)
{
    if (!cond) {
        fprintf(stderr, "fuzz_thrift_meta: %s\n", what);
        abort();
    }
}

static void same_bytes(const ls_buf_t *a, const ls_buf_t *b)
{
    check(a->len == b->len && (a->len == 0 || memcmp(a->data, b->data, a->len) == 0),
          "re-encoding changed the bytes");
}

static void footer(const uint8_t *p, size_t n, ls_arena_t *arena, int strict)
{
    ls_pq_file_meta_t fm, again;
    ls_error_t err;
    if (ls_pq_file_meta_decode(p, n, arena, &fm, &err) != LS_OK || !strict) {
        return;
    }
    ls_buf_t b1, b2;
    ls_buf_init(&b1, LS_BUF_UNLIMITED);
    ls_buf_init(&b2, LS_BUF_UNLIMITED);
    ls_err_t rc = ls_pq_file_meta_encode(&fm, &b1, &err);
    /* unknown logical types and encryption are refused on purpose */
    check(rc == LS_OK || rc == LS_ERR_INVALID_ARG || rc == LS_ERR_UNSUPPORTED,
          "footer re-encode failed");
    if (rc == LS_OK) {
        check(ls_pq_file_meta_decode(b1.data, b1.len, arena, &again, &err) == LS_OK,
              "re-encoded footer does not decode");
        check(again.num_schema == fm.num_schema && again.num_rows == fm.num_rows &&
                  again.num_row_groups == fm.num_row_groups,
              "re-encoded footer differs");
        check(ls_pq_file_meta_encode(&again, &b2, &err) == LS_OK, "second encode failed");
        same_bytes(&b1, &b2);
    }
    ls_buf_free(&b1);
    ls_buf_free(&b2);
}

static void page_header(const uint8_t *p, size_t n, ls_arena_t *arena, int strict)
{
    ls_pq_page_header_t ph, again;
    ls_error_t err;
    size_t used = 0, used2 = 0;
    if (ls_pq_page_header_decode(p, n, arena, &ph, &used, &err) != LS_OK || !strict) {
        return;
    }
    check(used > 0 && used <= n, "consumed out of range");
    ls_buf_t b1, b2;
    ls_buf_init(&b1, LS_BUF_UNLIMITED);
    ls_buf_init(&b2, LS_BUF_UNLIMITED);
    check(ls_pq_page_header_encode(&ph, &b1, &err) == LS_OK, "page header re-encode failed");
    check(ls_pq_page_header_decode(b1.data, b1.len, arena, &again, &used2, &err) == LS_OK,
          "re-encoded page header does not decode");
    check(used2 == b1.len, "re-encoded page header has trailing bytes");
    check(again.type == ph.type && again.compressed_page_size == ph.compressed_page_size,
          "re-encoded page header differs");
    check(ls_pq_page_header_encode(&again, &b2, &err) == LS_OK, "second encode failed");
    same_bytes(&b1, &b2);
    ls_buf_free(&b1);
    ls_buf_free(&b2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) {
        return 0;
    }
    uint8_t sel = data[0];
    data++;
    size--;
    /* the cap keeps a hostile count from asking for more than a real footer would */
    ls_arena_t *arena = ls_arena_new(4096, (size_t)256 << 20);
    if (arena == NULL) {
        return 0;
    }
    int inject = (sel & 2) != 0;
    if (inject) {
        uint32_t seed = 0;
        for (size_t i = 0; i < size && i < 4; i++) {
            seed = seed << 8 | data[i];
        }
        ls_alloc_fail_random(16, seed);
    }
    if (sel & 1) {
        page_header(data, size, arena, !inject);
    } else {
        footer(data, size, arena, !inject);
    }
    ls_alloc_fail_random(0, 0);
    ls_arena_free(arena);
    return 0;
}

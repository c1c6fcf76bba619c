/*
 * load_route.c — routing decoded rows to per-partition batches without copying them.
 *
 * For each NDJSON record the raw text of its partition fields (the bytes after
 * `"name":`) is looked up among the texts that led to each slot before; the record is
 * decoded into that slot's batch as an open row and kept only when its decoded key is the
 * slot's (the text is a guess: a nested field of the same name, a duplicate key or an
 * escaped name only cost a second decode). A record whose text is new is decoded into
 * the spill batch first; its key then finds or makes a slot (taking over one idle for a
 * while when all are in use), or the row stays in the spill batch, which is split by
 * partition when full. So rows are never copied between batches on the usual path, and
 * any input, however many partitions it has, still lands in the right files.
 *
 * Not responsible for: the files (table_files.h), cutting the input (load_input.c).
 */
#include "load_route.h"

#include <string.h>

#include "lakesink/alloc.h"
#include "lakesink/bytes.h"

/* A slot unused for this many rows may be taken over by a new partition: partitions that
 * follow each other (time-partitioned input) get batches, many mixed ones go to the spill. */
#define LS__IDLE_ROWS 16384
/* Raw field text longer than this is not remembered (the row goes by its key). */
#define LS__TOKEN_MAX 256
/* Cap on a partition key (values of the partition columns). */
#define LS__KEY_MAX ((size_t)1 << 20)
#define LS__ABSENT 0xFFFFu
/* With every slot busy, a row whose text is unknown stays in the spill batch without a
 * look at its key; one in this many still looks, so a slot can learn a new spelling. */
#define LS__RELEARN 64

static ls_err_t ls__nomem(ls_error_t *err)
{
    return ls_error_set(err, LS_ERR_NOMEM, "out of memory");
}

static const ls_layout_t *ls__table(const ls_cli_router_t *r)
{
    return ls_table_partitioner_table_layout(r->part);
}

/* ------------------------------------------------------------ set-up */

/* `"name"` when @p name can be matched in raw JSON as it is; NULL when it needs escapes. */
static ls_err_t ls__pattern(const char *name, char **out, size_t *len)
{
    *out = NULL;
    *len = 0;
    size_t n = strlen(name);
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)name[i];
        if (ch < 0x20 || ch == '"' || ch == '\\') {
            return LS_OK;
        }
    }
    char *p = ls_malloc(n + 3);
    if (p == NULL) {
        return LS_ERR_NOMEM;
    }
    p[0] = '"';
    memcpy(p + 1, name, n);
    p[n + 1] = '"';
    p[n + 2] = '\0';
    *out = p;
    *len = n + 2;
    return LS_OK;
}

ls_err_t ls_cli_router_init(ls_cli_router_t *r, const ls_cli_route_cfg_t *cfg,
                            ls_json_decoder_t *dec, ls_table_files_t *fs, ls_error_t *err)
{
    memset(r, 0, sizeof(*r));
    const ls_table_partitioner_t *part = cfg->part;
    r->part = part;
    r->dec = dec;
    r->fs = fs;
    r->slot_cap = cfg->slot_bytes;
    r->spill_cap = cfg->spill_bytes;
    r->big = cfg->big_bytes;
    ls_buf_init(&r->tok, LS__KEY_MAX);
    ls_buf_init(&r->key, LS__KEY_MAX);
    size_t n = ls_table_partitioner_ncols(part);
    const ls_layout_t *dl = ls_table_partitioner_data_layout(part);
    r->pattern = ls_calloc(n ? n : 1, sizeof(char *));
    r->pattern_len = ls_calloc(n ? n : 1, sizeof(size_t));
    r->hint = ls_calloc(n ? n : 1, sizeof(size_t));
    r->view_cols = ls_calloc(dl->nleaves ? dl->nleaves : 1, sizeof(ls_column_t));
    r->spill = ls_batch_new(ls__table(r), r->spill_cap);
    if (r->pattern == NULL || r->pattern_len == NULL || r->hint == NULL || r->view_cols == NULL ||
        r->spill == NULL) {
        return ls__nomem(err);
    }
    for (size_t j = 0; j < n; j++) {
        if (ls__pattern(cfg->names[j], &r->pattern[j], &r->pattern_len[j]) != LS_OK) {
            return ls__nomem(err);
        }
    }
    /* the raw texts of one record always fit: ls__scan_tok writes without checks */
    if (ls_buf_reserve(&r->tok, n * (sizeof(uint16_t) + LS__TOKEN_MAX) + 1) != LS_OK) {
        return ls__nomem(err);
    }
    return LS_OK;
}

static void ls__slot_free(ls_cli_slot_t *s)
{
    ls_batch_free(s->batch);
    ls_buf_free(&s->key);
    ls_buf_free(&s->guess);
    ls_arena_free(s->arena);
    memset(s, 0, sizeof(*s));
}

void ls_cli_router_free(ls_cli_router_t *r)
{
    for (size_t i = 0; i < r->nslots; i++) {
        ls__slot_free(&r->slots[i]);
    }
    for (size_t j = 0; r->pattern != NULL && j < ls_table_partitioner_ncols(r->part); j++) {
        ls_free(r->pattern[j]);
    }
    ls_free(r->pattern);
    ls_free(r->pattern_len);
    ls_free(r->hint);
    ls_free(r->view_cols);
    ls_batch_free(r->spill);
    ls_buf_free(&r->tok);
    ls_buf_free(&r->key);
    memset(r, 0, sizeof(*r));
}

/* ------------------------------------------------------------ writing batches */

/* A batch back to its usual cap @p cap after one large record needed more. */
static ls_err_t ls__shrink(ls_cli_router_t *r, ls_batch_t **b, size_t cap, ls_error_t *err)
{
    if ((*b)->max_bytes <= cap || (*b)->nrows > 0) {
        return LS_OK;
    }
    ls_batch_t *nb = ls_batch_new(ls__table(r), cap);
    if (nb == NULL) {
        return ls__nomem(err);
    }
    ls_batch_free(*b);
    *b = nb;
    return LS_OK;
}

/* Write the rows of slot @p s (NULL: the spill batch) to their files; empty it. */
static ls_err_t ls__flush(ls_cli_router_t *r, ls_cli_slot_t *s, ls_error_t *err)
{
    ls_batch_t **b = s != NULL ? &s->batch : &r->spill;
    if ((*b)->nrows > 0) {
        if (s != NULL) {
            ls_table_data_view(r->part, *b, &r->view, r->view_cols);
            LS_TRY(ls_table_files_write_group(r->fs, s->values, &r->view, err));
        } else {
            LS_TRY(ls_cli_route_batch(r, *b, err));
        }
        ls_batch_reset(*b);
    }
    return ls__shrink(r, b, s != NULL ? r->slot_cap : r->spill_cap, err);
}

ls_err_t ls_cli_route_batch(ls_cli_router_t *r, const ls_batch_t *b, ls_error_t *err)
{
    if (b->nrows == 0) {
        return LS_OK;
    }
    if (ls_table_partitioner_ncols(r->part) == 0) {
        ls_table_data_view(r->part, b, &r->view, r->view_cols);
        return ls_table_files_write_group(r->fs, NULL, &r->view, err);
    }
    ls_table_split_t *sp = NULL;
    LS_TRY(ls_table_split(r->part, b, 0, &sp, err));
    ls_err_t rc = ls_table_files_write(r->fs, sp, err);
    ls_table_split_free(sp);
    return rc;
}

ls_err_t ls_cli_router_flush(ls_cli_router_t *r, ls_error_t *err)
{
    for (size_t i = 0; i < r->nslots; i++) {
        LS_TRY(ls__flush(r, &r->slots[i], err));
    }
    return ls__flush(r, NULL, err);
}

/* ------------------------------------------------------------ slots */

static bool ls__buf_eq(const ls_buf_t *a, const ls_buf_t *b)
{
    return a->len == b->len && ls_bytes_eq(a->data, b->data, a->len);
}

/* A summary of a text that tells most different texts apart: its length and up to 8 of
 * its last bytes (the values of one field tend to share their start). */
static uint64_t ls__sketch(const ls_buf_t *t)
{
    uint64_t h = 0;
    size_t n = t->len < 8 ? t->len : 8;
    memcpy(&h, t->data + t->len - n, n);
    return h ^ ((uint64_t)t->len << 56);
}

/* The slot the raw text in r->tok led to last time, or NULL. */
static ls_cli_slot_t *ls__by_guess(ls_cli_router_t *r)
{
    uint64_t h = ls__sketch(&r->tok);
    ls_cli_slot_t *last = r->nslots > 0 ? &r->slots[r->last] : NULL;
    if (last != NULL && last->guess_sketch == h && last->has_guess &&
        ls__buf_eq(&last->guess, &r->tok)) {
        return last;
    }
    for (size_t i = 0; i < r->nslots; i++) {
        ls_cli_slot_t *s = &r->slots[i];
        if (s->guess_sketch == h && s->has_guess && ls__buf_eq(&s->guess, &r->tok)) {
            return s;
        }
    }
    return NULL;
}

static ls_cli_slot_t *ls__by_key(ls_cli_router_t *r)
{
    for (size_t i = 0; i < r->nslots; i++) {
        if (ls__buf_eq(&r->slots[i].key, &r->key)) {
            return &r->slots[i];
        }
    }
    return NULL;
}

/* The slot a new partition may take: a free one, or the one idle the longest when it has
 * been idle long enough; NULL when none. */
static ls_cli_slot_t *ls__free_slot(ls_cli_router_t *r)
{
    if (r->nslots < LS_CLI_ROUTE_SLOTS) {
        return &r->slots[r->nslots];
    }
    ls_cli_slot_t *old = &r->slots[0];
    for (size_t i = 1; i < r->nslots; i++) {
        old = r->slots[i].used < old->used ? &r->slots[i] : old;
    }
    return r->clock - old->used > LS__IDLE_ROWS ? old : NULL;
}

/* Make @p s (from ls__free_slot) the slot of the partition r->key; no row may be open. */
static ls_err_t ls__take_slot(ls_cli_router_t *r, ls_cli_slot_t *s, ls_error_t *err)
{
    if (s == &r->slots[r->nslots]) {
        memset(s, 0, sizeof(*s));
        ls_buf_init(&s->key, LS__KEY_MAX);
        ls_buf_init(&s->guess, LS__KEY_MAX);
        s->batch = ls_batch_new(ls__table(r), r->slot_cap);
        s->arena = ls_arena_new(1024, 0);
        r->nslots++; /* counted now, so the router frees it whatever happens next */
        if (s->batch == NULL || s->arena == NULL) {
            return ls__nomem(err);
        }
    } else {
        LS_TRY(ls__flush(r, s, err));
        ls_arena_reset(s->arena);
    }
    s->has_guess = false;
    s->has_values = false;
    s->values = NULL;
    ls_buf_reset(&s->key);
    if (ls_buf_append(&s->key, r->key.data, r->key.len) != LS_OK) {
        return ls__nomem(err);
    }
    return LS_OK;
}

/* ------------------------------------------------------------ raw field text */

/* Bytes of @p w equal to @p c have their high bit set (the lowest one is exact). */
static inline uint64_t ls__bytes_eq(uint64_t w, uint8_t c)
{
    uint64_t x = w ^ (UINT64_C(0x0101010101010101) * c);
    return (x - UINT64_C(0x0101010101010101)) & ~x & UINT64_C(0x8080808080808080);
}

/* Index of the quote closing the string whose text starts at @p i, or >= @p n; eight
 * bytes at a time (values are short: a loop per byte mispredicts at every end). */
static size_t ls__string_end(const char *p, size_t i, size_t n)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    while (i + 8 <= n) {
        uint64_t w;
        memcpy(&w, p + i, sizeof(w));
        uint64_t m = ls__bytes_eq(w, '"') | ls__bytes_eq(w, '\\');
        if (m == 0) {
            i += 8;
            continue;
        }
        i += (size_t)__builtin_ctzll(m) / 8; /* little-endian: the first byte found */
        if (p[i] == '"') {
            return i;
        }
        i += 2; /* an escape: skip the escaped byte */
    }
#endif
    for (; i < n && p[i] != '"'; i += p[i] == '\\' ? 2 : 1) {
    }
    return i;
}

/*
 * Text of the value of key `"name"` (@p pat) in the record: 1 found, 0 absent, -1 unsure.
 * *hint: where the key was last time (records of one producer share their layout), tried
 * before a search.
 */
static int ls__raw_value(const char *p, size_t n, const char *pat, size_t plen, size_t *hint,
                         size_t *vs, size_t *vlen)
{
    size_t at = 0;
    while (at < n) {
        const char *hit = NULL;
        if (at == 0 && plen <= n && *hint <= n - plen && memcmp(p + *hint, pat, plen) == 0) {
            hit = p + *hint;
        } else if ((hit = memmem(p + at, n - at, pat, plen)) == NULL) {
            return 0;
        }
        *hint = (size_t)(hit - p);
        size_t i = (size_t)(hit - p) + plen;
        while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r')) {
            i++;
        }
        if (i < n && p[i] == ':') {
            for (i++; i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r'); i++) {
            }
            size_t s = i;
            if (i < n && p[i] == '"') {
                if ((i = ls__string_end(p, i + 1, n)) >= n) {
                    return -1;
                }
                i++;
            } else {
                while (i < n && p[i] != ',' && p[i] != '}' && p[i] != ' ' && p[i] != '\t' &&
                       p[i] != '\r') {
                    i++;
                }
            }
            *vs = s;
            *vlen = i - s;
            return i > s && i - s <= LS__TOKEN_MAX ? 1 : -1;
        }
        at = (size_t)(hit - p) + 1;
    }
    return 0;
}

/* r->tok = the raw text of every partition field of the record (a length, or
 * LS__ABSENT, then the text; room reserved at init); false when unsure. */
static bool ls__scan_tok(ls_cli_router_t *r, const char *line, size_t len)
{
    uint8_t *out = r->tok.data;
    size_t at = 0;
    for (size_t j = 0; j < ls_table_partitioner_ncols(r->part); j++) {
        if (r->pattern[j] == NULL) {
            return false;
        }
        size_t vs = 0, vn = 0;
        int got = ls__raw_value(line, len, r->pattern[j], r->pattern_len[j], &r->hint[j], &vs, &vn);
        if (got < 0) {
            return false;
        }
        uint16_t head = got ? (uint16_t)vn : (uint16_t)LS__ABSENT;
        memcpy(out + at, &head, sizeof(head));
        at += sizeof(head);
        if (got) {
            memcpy(out + at, line + vs, vn);
            at += vn;
        }
    }
    r->tok.len = at;
    return true;
}

/* ------------------------------------------------------------ routing */

/*
 * Decode @p line as an open row of slot @p s (NULL: the spill batch). A full batch is
 * written out and the record tried again; a record too large for an empty batch gets one
 * batch of r->big. *is_bad: the record is rejected (message in @p bad).
 */
static ls_err_t ls__decode(ls_cli_router_t *r, ls_cli_slot_t *s, const char *line, size_t len,
                           bool *is_bad, ls_error_t *bad, ls_error_t *err)
{
    for (;;) {
        ls_batch_t **b = s != NULL ? &s->batch : &r->spill;
        ls_error_clear(bad);
        ls_err_t rc = ls_json_decode_record_open(r->dec, *b, line, len, bad);
        if (rc == LS_OK) {
            return LS_OK;
        }
        if (rc == LS_ERR_NOMEM) {
            *err = *bad;
            return rc;
        }
        if (rc == LS_ERR_LIMIT && (*b)->nrows > 0) {
            LS_TRY(ls__flush(r, s, err));
            continue;
        }
        if (rc == LS_ERR_LIMIT && (*b)->max_bytes < r->big) {
            ls_batch_t *nb = ls_batch_new(ls__table(r), r->big);
            if (nb == NULL) {
                return ls__nomem(err);
            }
            ls_batch_free(*b);
            *b = nb;
            continue;
        }
        *is_bad = true;
        return ls__shrink(r, b, s != NULL ? r->slot_cap : r->spill_cap, err);
    }
}

/* The open row's partition key into r->key; false when it cannot have a slot. */
static bool ls__row_key(ls_cli_router_t *r, const ls_batch_t *b)
{
    return ls_table_last_row_key(r->part, b, &r->key) == LS_OK;
}

static void ls__used(ls_cli_router_t *r, ls_cli_slot_t *s, bool tok_ok)
{
    s->used = r->clock;
    r->last = (size_t)(s - r->slots);
    if (tok_ok && !s->has_guess) {
        ls_buf_reset(&s->guess);
        s->has_guess = ls_buf_append(&s->guess, r->tok.data, r->tok.len) == LS_OK;
        s->guess_sketch = ls__sketch(&r->tok);
    }
}

/*
 * The open row in @p b (of slot @p from, NULL: spill) belongs to partition r->key (when
 * @p keyed) and not to @p from: move it to the partition's slot, or to the spill batch.
 */
static ls_err_t ls__reroute(ls_cli_router_t *r, ls_cli_slot_t *from, ls_batch_t *b, bool keyed,
                            bool tok_ok, const char *line, size_t len, bool *is_bad,
                            ls_error_t *bad, ls_error_t *err)
{
    ls_cli_slot_t *to = keyed ? ls__by_key(r) : NULL;
    ls_cli_slot_t *fresh = keyed && to == NULL ? ls__free_slot(r) : NULL;
    if (to == NULL && fresh == NULL && from == NULL) {
        ls_batch_row_commit(b); /* no slot for it: it stays in the spill batch */
        return LS_OK;
    }
    ls_batch_row_abort(b);
    if (fresh != NULL) {
        LS_TRY(ls__take_slot(r, fresh, err));
        to = fresh;
    }
    LS_TRY(ls__decode(r, to, line, len, is_bad, bad, err));
    if (*is_bad) {
        return LS_OK;
    }
    ls_batch_t *t = to != NULL ? to->batch : r->spill;
    if (to != NULL && !to->has_values) {
        const char **v =
            ls_arena_calloc(to->arena, ls_table_partitioner_ncols(r->part) + 1, sizeof(char *));
        if (v == NULL) {
            ls_batch_row_abort(t);
            return ls__nomem(err);
        }
        ls_err_t rc = ls_table_last_row_values(r->part, t, to->arena, v, err);
        if (rc != LS_OK) {
            ls_batch_row_abort(t);
            return rc;
        }
        to->values = v;
        to->has_values = true;
    }
    ls_batch_row_commit(t);
    if (to != NULL) {
        ls__used(r, to, tok_ok);
    }
    return LS_OK;
}

ls_err_t ls_cli_route_json(ls_cli_router_t *r, const char *line, size_t len, bool *is_bad,
                           ls_error_t *bad, ls_error_t *err)
{
    *is_bad = false;
    r->clock++;
    bool tok_ok = ls_table_partitioner_ncols(r->part) == 0 || ls__scan_tok(r, line, len);
    ls_cli_slot_t *s = NULL;
    if (tok_ok) {
        s = ls__by_guess(r);
    } else if (r->nslots > 0) {
        s = &r->slots[r->last]; /* no text to go by: rows often follow their predecessor */
    }
    LS_TRY(ls__decode(r, s, line, len, is_bad, bad, err));
    if (*is_bad) {
        return LS_OK;
    }
    ls_batch_t *b = s != NULL ? s->batch : r->spill;
    if (s != NULL && ls_table_last_row_key_is(r->part, b, s->key.data, s->key.len)) {
        ls_batch_row_commit(b);
        ls__used(r, s, tok_ok);
        return LS_OK;
    }
    if (s == NULL && (++r->spilled % LS__RELEARN) != 0 && ls__free_slot(r) == NULL) {
        ls_batch_row_commit(b); /* many mixed partitions: most rows go by the split */
        return LS_OK;
    }
    bool keyed = ls__row_key(r, b);
    if (s != NULL && tok_ok) {
        s->has_guess = false; /* the text misled: the right slot learns it */
    }
    return ls__reroute(r, s, b, keyed, tok_ok, line, len, is_bad, bad, err);
}

/*
 * decode_int.h — private structures of the schema-directed decoder (decode.c for
 * the structure walk and NDJSON framing, decode_leaf.c for leaf value conversion).
 *
 * Ownership: every plan lives in the decoder's arena and points at (borrowed) layout
 * nodes. The per-record fields point into the caller's record and batch and are only
 * valid during one ls_json_decode_record call.
 */
#ifndef LS_JSON_DECODE_INT_H
#define LS_JSON_DECODE_INT_H

#include "json_int.h"
#include "lakesink/json.h"

typedef struct ls__jplan_s ls__jplan_t;

/* Child index of a top-level member dropped on purpose (transforms.drop). */
#define LS__JSON_DROPPED (-2)

/* What the decoder precomputes for one layout node. */
struct ls__jplan_s {
    const ls_node_t *node;
    ls_type_kind_t kind;
    int32_t leaf; /* column index for leaves, else -1 */
    bool nullable;
    bool plain;       /* name has no byte that JSON must escape: raw input can be memcmp'd */
    const char *name; /* struct member name (or a label for elements, keys, values) */
    uint32_t name_len;
    uint32_t nchildren;
    ls__jplan_t **children;
    /* STRUCT: member-name lookup and bookkeeping */
    uint32_t *slots; /* open addressing, child index + 1; 0 = empty */
    uint32_t slot_mask;
    int32_t *pred; /* child seen at each member position last time (-1: unknown) */
    uint32_t npred;
    uint32_t *seen; /* per child: stamp of the object that already set it */
};

struct ls_json_decoder_s {
    const ls_layout_t *layout;
    ls_json_decoder_opts_t opts;
    uint32_t max_depth;
    ls_arena_t *arena;
    ls__jplan_t *root;
    ls__jplan_t **structs; /* every STRUCT plan, to clear stamps when the counter wraps */
    size_t nstructs;
    uint32_t stamp;
    uint64_t unknown;
    uint32_t path_cap;
    const ls__jplan_t **path; /* plans being decoded, for error messages */
    uint8_t *scratch;         /* unescaped strings, decoded base64; >= the record's size */
    size_t scratch_cap;
    uint32_t *set; /* duplicate map key detection */
    size_t set_cap;
    /* per record */
    ls_batch_t *b;
    const char *base, *end;
    ls_error_t *err;
    ls_err_t code;
    uint32_t depth, plen;
    uint64_t rec_unknown;
    bool batch_full;
    bool dup_seen; /* the record repeats a member name: decode it again, normalised */
    const ls_node_t *widen_node; /* a number did not fit this column, but would fit ... */
    ls_type_kind_t widen_to;     /* ... this wider type (LONG or DOUBLE) */
    ls_arena_t *dup_arena; /* DOM of such a record (rare slow path) */
    ls_buf_t dup_buf;      /* its normalised text */
};

typedef struct ls_json_decoder_s ls__dec_t;

/* Record the error (with byte offset and field path) and return NULL. */
const char *ls__dec_fail(ls__dec_t *d, ls_err_t code, const char *pos, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* A lexer failure (ls__jerr_t) as a decoder error. */
const char *ls__dec_lexfail(ls__dec_t *d, const ls__jerr_t *e);
/* A failed column push (LS_ERR_NOMEM / LS_ERR_LIMIT) as a decoder error. */
const char *ls__dec_pushfail(ls__dec_t *d, ls_err_t rc, const char *pos);
/* The value at @p p has the wrong JSON type for plan @p pl (or is not JSON at all). */
const char *ls__dec_mismatch(ls__dec_t *d, const ls__jplan_t *pl, const char *p);
/* Decode the leaf value at @p p into its column. */
const char *ls__dec_leaf(ls__dec_t *d, const ls__jplan_t *pl, const char *p, int rep);
/*
 * Push a leaf value given as text (a map key, or a string for text-typed columns).
 * @p pos is the value's position, for messages. Returns false with the error set.
 */
bool ls__dec_text(ls__dec_t *d, const ls__jplan_t *pl, const char *s, size_t n, const char *pos,
                  int rep, bool is_key);
/* True when leaves of type @p t can be decoded. */
bool ls__dec_leaf_supported(const ls_type_t *t);

#endif

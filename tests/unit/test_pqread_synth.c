/*
 * test_pqread_synth.c — the Parquet reader on files built here, page by page, to cover
 * what the public corpus lacks: every logical/converted type mapping (unsigned ints,
 * time units, NANOS flooring, UNKNOWN, decimals in every storage), legacy LIST/MAP
 * shapes, BIT_PACKED levels, index and empty pages, CRCs, and the corruptions the
 * reader must reject (bad dictionary indices, inconsistent levels, wrong counts,
 * over-deep schemas, memory bombs).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "lakesink/alloc.h"
#include "lakesink/parquet.h"
#include "parquet/read/pqread_int.h"
#include "testutil.h"

/* ------------------------------------------------------------ file builder */

#define MAXCOLS 16

typedef struct {
    ls_buf_t f;
    ls_pq_column_chunk_t cols[MAXCOLS];
    char pathbuf[MAXCOLS][8][64];
    const char *paths[MAXCOLS][8];
    ls_pq_encoding_t enc;
    uint32_t ncols;
    size_t chunk_start;
    int64_t chunk_values;
    int64_t dict_offset;
} syn_t;

static void syn_init(syn_t *s)
{
    memset(s, 0, sizeof(*s));
    ls_buf_init(&s->f, LS_BUF_UNLIMITED);
    assert_int_equal(ls_buf_append(&s->f, "PAR1", 4), LS_OK);
    s->enc = LS_PQ_ENC_PLAIN;
}

static void syn_chunk_begin(syn_t *s)
{
    s->chunk_start = s->f.len;
    s->chunk_values = 0;
    s->dict_offset = -1;
}

/* Append a page; sizes default to the body length; CRC on request. */
static void syn_page(syn_t *s, ls_pq_page_header_t *ph, const void *body, size_t len, bool crc)
{
    ls_error_t err;
    if (ph->compressed_page_size == 0) {
        ph->compressed_page_size = (int32_t)len;
    }
    if (ph->uncompressed_page_size == 0) {
        ph->uncompressed_page_size = (int32_t)len;
    }
    if (crc) {
        ph->has_crc = true;
        ph->crc = (int32_t)crc32(crc32(0L, Z_NULL, 0), body, (uInt)len);
    }
    if (ph->type == LS_PQ_PAGE_DICTIONARY) {
        s->dict_offset = (int64_t)s->f.len;
    }
    assert_int_equal(ls_pq_page_header_encode(ph, &s->f, &err), LS_OK);
    assert_int_equal(ls_buf_append(&s->f, body, len), LS_OK);
    if (ph->has_data_page_header) {
        s->chunk_values += ph->data_page_header.num_values;
    }
    if (ph->has_data_page_header_v2) {
        s->chunk_values += ph->data_page_header_v2.num_values;
    }
}

static void page_v1(syn_t *s, int32_t n, ls_pq_encoding_t enc, const void *body, size_t len)
{
    ls_pq_page_header_t ph = {.type = LS_PQ_PAGE_DATA, .has_data_page_header = true};
    ph.data_page_header.num_values = n;
    ph.data_page_header.encoding = enc;
    ph.data_page_header.definition_level_encoding = LS_PQ_ENC_RLE;
    ph.data_page_header.repetition_level_encoding = LS_PQ_ENC_RLE;
    syn_page(s, &ph, body, len, false);
}

static void page_dict(syn_t *s, int32_t n, const void *body, size_t len)
{
    ls_pq_page_header_t ph = {.type = LS_PQ_PAGE_DICTIONARY, .has_dictionary_page_header = true};
    ph.dictionary_page_header.num_values = n;
    ph.dictionary_page_header.encoding = LS_PQ_ENC_PLAIN;
    syn_page(s, &ph, body, len, false);
}

/* Close the chunk of column @p dotted; @p num_values < 0 takes the pages' count. */
static void syn_chunk_end(syn_t *s, ls_pq_type_t t, const char *dotted, int64_t num_values)
{
    assert_true(s->ncols < MAXCOLS);
    uint32_t c = s->ncols++;
    ls_pq_column_chunk_t *cc = &s->cols[c];
    uint32_t np = 0;
    const char *p = dotted;
    while (*p) {
        const char *dot = strchr(p, '.');
        size_t l = dot ? (size_t)(dot - p) : strlen(p);
        snprintf(s->pathbuf[c][np], 64, "%.*s", (int)l, p);
        s->paths[c][np] = s->pathbuf[c][np];
        np++;
        p += l + (dot ? 1 : 0);
    }
    cc->file_offset = (int64_t)s->chunk_start;
    cc->has_meta_data = true;
    ls_pq_column_meta_t *m = &cc->meta_data;
    m->type = t;
    m->num_encodings = 1;
    m->encodings = &s->enc;
    m->path_len = np;
    m->path_in_schema = s->paths[c];
    m->codec = LS_PQ_CODEC_UNCOMPRESSED;
    m->num_values = num_values >= 0 ? num_values : s->chunk_values;
    m->total_compressed_size = (int64_t)(s->f.len - s->chunk_start);
    m->total_uncompressed_size = m->total_compressed_size;
    m->data_page_offset = (int64_t)s->chunk_start;
    if (s->dict_offset >= 0) {
        m->has_dictionary_page_offset = true;
        m->dictionary_page_offset = s->dict_offset;
    }
}

/* Footer with one row group of @p rows (none when rows < 0); returns the file. */
static uint8_t *syn_finish(syn_t *s, ls_pq_schema_el_t *schema, uint32_t n, int64_t rows,
                           size_t *len)
{
    ls_pq_row_group_t rg = {.num_columns = s->ncols, .columns = s->cols, .num_rows = rows};
    ls_pq_file_meta_t fm = {.version = 1,
                            .num_schema = n,
                            .schema = schema,
                            .num_rows = rows < 0 ? 0 : rows,
                            .num_row_groups = rows < 0 ? 0 : 1,
                            .row_groups = &rg,
                            .created_by = "synth"};
    ls_error_t err;
    size_t start = s->f.len;
    if (ls_pq_file_meta_encode(&fm, &s->f, &err) != LS_OK) {
        fail_msg("encode: %s", err.msg);
    }
    uint32_t fl = (uint32_t)(s->f.len - start);
    assert_int_equal(ls_buf_append(&s->f, &fl, 4), LS_OK);
    assert_int_equal(ls_buf_append(&s->f, "PAR1", 4), LS_OK);
    *len = s->f.len;
    return s->f.data;
}

/* Page bodies. */
typedef struct {
    uint8_t b[1 << 16];
    size_t n;
} body_t;

static void b_raw(body_t *b, const void *p, size_t n)
{
    assert_true(b->n + n <= sizeof(b->b));
    memcpy(b->b + b->n, p, n);
    b->n += n;
}

static void b_i32(body_t *b, int32_t v)
{
    b_raw(b, &v, 4);
}

static void b_i64(body_t *b, int64_t v)
{
    b_raw(b, &v, 8);
}

static void b_str(body_t *b, const char *s)
{
    b_i32(b, (int32_t)strlen(s));
    b_raw(b, s, strlen(s));
}

/* v1 levels: 4-byte length, then one RLE run per value (a valid, if lazy, hybrid). */
static void b_levels(body_t *b, const char *lv)
{
    size_t at = b->n;
    b_i32(b, 0);
    for (const char *p = lv; *p; p++) {
        uint8_t run[2] = {2, (uint8_t)(*p - '0')};
        b_raw(b, run, 2);
    }
    int32_t l = (int32_t)(b->n - at - 4);
    memcpy(b->b + at, &l, 4);
}

static ls_pq_schema_el_t el_group(const char *name, int nch, int rep)
{
    ls_pq_schema_el_t e = {.name = name, .has_num_children = true, .num_children = nch};
    if (rep >= 0) {
        e.has_repetition = true;
        e.repetition = (ls_pq_repetition_t)rep;
    }
    return e;
}

static ls_pq_schema_el_t el_prim(const char *name, ls_pq_type_t t, int rep)
{
    ls_pq_schema_el_t e = {.name = name,
                           .has_type = true,
                           .type = t,
                           .has_repetition = true,
                           .repetition = (ls_pq_repetition_t)rep};
    return e;
}

#define REQ LS_PQ_REQUIRED
#define OPT LS_PQ_OPTIONAL
#define RPT LS_PQ_REPEATED

/* With LS_PQREAD_DUMP_DIR set, every built file is also written there (fuzz seeds). */
static void syn_dump(const uint8_t *p, size_t len)
{
    static int seq;
    const char *dir = getenv("LS_PQREAD_DUMP_DIR");
    if (dir == NULL) {
        return;
    }
    char path[1024];
    snprintf(path, sizeof(path), "%s/synth-%03d.parquet", dir, seq++);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(p, 1, len, f), len);
    fclose(f);
}

static ls_pq_reader_t *syn_open(syn_t *s, ls_pq_schema_el_t *schema, uint32_t n, int64_t rows,
                                ls_source_t *src, ls_error_t *err)
{
    size_t len;
    uint8_t *p = syn_finish(s, schema, n, rows, &len);
    syn_dump(p, len);
    *src = ls_source_mem(p, len, "synth.parquet");
    return ls_pq_reader_open(src, err);
}

static ls_batch_t *read0(ls_pq_reader_t *r)
{
    ls_batch_t *b = NULL;
    ls_error_t err;
    if (ls_pq_reader_read_row_group(r, 0, &b, &err) != LS_OK) {
        fail_msg("read: %s", err.msg);
    }
    return b;
}

static ls_err_t read0_err(ls_pq_reader_t *r, ls_error_t *err)
{
    ls_batch_t *b = NULL;
    ls_err_t rc = ls_pq_reader_read_row_group(r, 0, &b, err);
    ls_batch_free(b);
    return rc;
}

/* ------------------------------------------------------------ type mapping */

/* One required column per type, three rows each, PLAIN. */
typedef struct {
    ls_pq_schema_el_t el;
    int64_t in[3];
    const char *type;
    int64_t out[3];
} typecase_t;

static ls_pq_schema_el_t with_ct(ls_pq_schema_el_t e, ls_pq_converted_t ct)
{
    e.has_converted_type = true;
    e.converted_type = ct;
    return e;
}

static ls_pq_schema_el_t with_lt(ls_pq_schema_el_t e, ls_pq_logical_t lt)
{
    e.logical = lt;
    return e;
}

#define LT(...) ((ls_pq_logical_t){__VA_ARGS__})

/* A file with one PLAIN page of three values per case. */
static ls_pq_reader_t *open_cases(syn_t *s, const typecase_t *cases, size_t nc)
{
    ls_pq_schema_el_t schema[MAXCOLS + 1];
    schema[0] = el_group("schema", (int)nc, -1);
    syn_init(s);
    for (size_t i = 0; i < nc; i++) {
        schema[i + 1] = cases[i].el;
        body_t b = {.n = 0};
        for (int k = 0; k < 3; k++) {
            if (cases[i].el.type == LS_PQ_INT32) {
                b_i32(&b, (int32_t)cases[i].in[k]);
            } else {
                b_i64(&b, cases[i].in[k]);
            }
        }
        syn_chunk_begin(s);
        page_v1(s, 3, LS_PQ_ENC_PLAIN, b.b, b.n);
        syn_chunk_end(s, cases[i].el.type, cases[i].el.name, -1);
    }
    ls_source_t src;
    ls_error_t err;
    ls_pq_reader_t *r = syn_open(s, schema, (uint32_t)nc + 1, 3, &src, &err);
    if (r == NULL) {
        fail_msg("%s", err.msg);
    }
    return r;
}

static void test_integer_and_time_types(void **state)
{
    (void)state;
    ls_pq_schema_el_t i32 = el_prim("", LS_PQ_INT32, REQ), i64 = el_prim("", LS_PQ_INT64, REQ);
    ls_pq_schema_el_t dec = with_ct(i64, LS_PQ_CT_DECIMAL);
    dec.has_precision = dec.has_scale = true;
    dec.precision = 5;
    dec.scale = 2;
    const typecase_t cases[] = {
        {with_ct(i32, LS_PQ_CT_UINT_8), {200, -1, 0}, "short", {200, 255, 0}},
        {with_lt(i32, LT(.kind = LS_PQ_LT_INTEGER, .bit_width = 16)),
         {-1, 7, 65535},
         "integer",
         {65535, 7, 65535}},
        {with_ct(i32, LS_PQ_CT_UINT_32), {-1, 1, 0}, "long", {4294967295LL, 1, 0}},
        {with_lt(i32, LT(.kind = LS_PQ_LT_INTEGER, .bit_width = 8, .is_signed = true)),
         {-128, 127, 0},
         "byte",
         {-128, 127, 0}},
        {with_ct(i32, LS_PQ_CT_INT_16), {-300, 300, 0}, "short", {-300, 300, 0}},
        {with_lt(i64, LT(.kind = LS_PQ_LT_INTEGER, .bit_width = 64)),
         {-1, 5, 0},
         "uint64",
         {-1, 5, 0}},
        {with_lt(i64, LT(.kind = LS_PQ_LT_TIMESTAMP, .unit = LS_PQ_UNIT_NANOS)),
         {-1, 1999, -1000},
         "timestamp_ntz",
         {-1, 1, -1}},
        {with_lt(i64, LT(.kind = LS_PQ_LT_TIMESTAMP, .unit = LS_PQ_UNIT_MILLIS,
                         .is_adjusted_to_utc = true)),
         {1, -2, 0},
         "timestamp",
         {1000, -2000, 0}},
        {with_ct(i64, LS_PQ_CT_TIMESTAMP_MILLIS), {3, 0, 0}, "timestamp", {3000, 0, 0}},
        {with_lt(i32, LT(.kind = LS_PQ_LT_TIME, .unit = LS_PQ_UNIT_MILLIS)),
         {1, 86399999, 0},
         "time",
         {1000, 86399999000LL, 0}},
        {with_lt(i64, LT(.kind = LS_PQ_LT_TIME, .unit = LS_PQ_UNIT_NANOS)),
         {1500, 999, 0},
         "time",
         {1, 0, 0}},
        {with_ct(i64, LS_PQ_CT_TIME_MICROS), {5, 6, 7}, "time", {5, 6, 7}},
        {with_lt(i32, LT(.kind = LS_PQ_LT_DATE)), {-1, 0, 19000}, "date", {-1, 0, 19000}},
        {dec, {99999, -99999, 0}, "decimal(5,2)", {99999, -99999, 0}},
    };
    size_t nc = sizeof(cases) / sizeof(cases[0]);
    static const char *const names[] = {"c0", "c1", "c2", "c3",  "c4",  "c5",  "c6",
                                        "c7", "c8", "c9", "c10", "c11", "c12", "c13"};
    typecase_t named[sizeof(cases) / sizeof(cases[0])];
    for (size_t i = 0; i < nc; i++) {
        named[i] = cases[i];
        named[i].el.name = names[i];
    }
    syn_t s;
    ls_pq_reader_t *r = open_cases(&s, named, nc);
    ls_batch_t *bt = read0(r);
    for (size_t i = 0; i < nc; i++) {
        const ls_column_t *c = &bt->cols[i];
        char d[64];
        ls_type_describe(c->leaf->type, d, sizeof(d));
        if (strcmp(d, cases[i].type) != 0) {
            fail_msg("case %zu: type %s, want %s", i, d, cases[i].type);
        }
        for (size_t k = 0; k < 3; k++) {
            int64_t v = c->leaf->store == LS_COL_I32 ? ls_col_i32(c, k) : ls_col_i64(c, k);
            if (v != cases[i].out[k]) {
                fail_msg("case %zu[%zu]: %lld, want %lld", i, k, (long long)v,
                         (long long)cases[i].out[k]);
            }
        }
    }
    ls_batch_free(bt);
    ls_pq_reader_free(r);
    ls_buf_free(&s.f);
}

/* One chunk holding one v1 page of @p n values. */
static void one_chunk(syn_t *s, ls_pq_type_t t, const char *name, int32_t n, const void *body,
                      size_t len)
{
    syn_chunk_begin(s);
    page_v1(s, n, LS_PQ_ENC_PLAIN, body, len);
    syn_chunk_end(s, t, name, -1);
}

static const uint8_t fx32[32] = {0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15,
                                 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31};

/* Bytes-based types: strings, BSON, UUID, INTERVAL, decimals from bytes, UNKNOWN. */
static ls_pq_reader_t *open_byte_types(syn_t *s)
{
    ls_pq_schema_el_t uuid = el_prim("uuid", LS_PQ_FIXED_LEN_BYTE_ARRAY, REQ);
    uuid.has_type_length = true;
    uuid.type_length = 16;
    ls_pq_schema_el_t iv = el_prim("iv", LS_PQ_FIXED_LEN_BYTE_ARRAY, REQ);
    iv.has_type_length = true;
    iv.type_length = 12;
    ls_pq_schema_el_t fdec = el_prim("fdec", LS_PQ_FIXED_LEN_BYTE_ARRAY, REQ);
    fdec.has_type_length = true;
    fdec.type_length = 9;
    ls_pq_schema_el_t schema[] = {
        el_group("schema", 7, -1),
        with_lt(el_prim("json", LS_PQ_BYTE_ARRAY, REQ), LT(.kind = LS_PQ_LT_JSON)),
        with_ct(el_prim("bson", LS_PQ_BYTE_ARRAY, REQ), LS_PQ_CT_BSON),
        with_lt(uuid, LT(.kind = LS_PQ_LT_UUID)),
        with_ct(iv, LS_PQ_CT_INTERVAL),
        with_lt(el_prim("bdec", LS_PQ_BYTE_ARRAY, REQ),
                LT(.kind = LS_PQ_LT_DECIMAL, .precision = 30, .scale = 2)),
        with_lt(fdec, LT(.kind = LS_PQ_LT_DECIMAL, .precision = 18, .scale = 0)),
        with_lt(el_prim("nothing", LS_PQ_INT32, OPT), LT(.kind = LS_PQ_LT_UNKNOWN)),
    };
    syn_init(s);
    body_t b = {.n = 0};
    b_str(&b, "{}");
    b_str(&b, "[1]");
    one_chunk(s, LS_PQ_BYTE_ARRAY, "json", 2, b.b, b.n);
    one_chunk(s, LS_PQ_BYTE_ARRAY, "bson", 2, b.b, b.n);
    one_chunk(s, LS_PQ_FIXED_LEN_BYTE_ARRAY, "uuid", 2, fx32, 32);
    one_chunk(s, LS_PQ_FIXED_LEN_BYTE_ARRAY, "iv", 2, fx32, 24);
    /* -2 in 20 bytes (sign bytes trimmed to the 13 of decimal(30)) and 258 in 2 bytes */
    body_t d = {.n = 0};
    uint8_t neg[20];
    memset(neg, 0xff, 20);
    neg[19] = 0xfe;
    b_i32(&d, 20);
    b_raw(&d, neg, 20);
    b_i32(&d, 2);
    b_raw(&d, "\x01\x02", 2);
    one_chunk(s, LS_PQ_BYTE_ARRAY, "bdec", 2, d.b, d.n);
    /* FLBA(9) into int64: -1 and 2^40 */
    static const uint8_t f9[18] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                   0,    0,    0,    1,    0,    0,    0,    0,    0};
    one_chunk(s, LS_PQ_FIXED_LEN_BYTE_ARRAY, "fdec", 2, f9, 18);
    /* UNKNOWN: the file even holds a value; it still reads as null */
    body_t u = {.n = 0};
    b_levels(&u, "10");
    b_i32(&u, 42);
    one_chunk(s, LS_PQ_INT32, "nothing", 2, u.b, u.n);
    ls_source_t src;
    ls_error_t err;
    ls_pq_reader_t *r = syn_open(s, schema, 8, 2, &src, &err);
    if (r == NULL) {
        fail_msg("%s", err.msg);
    }
    return r;
}

static void test_byte_types_and_unknown(void **state)
{
    (void)state;
    syn_t s;
    ls_pq_reader_t *r = open_byte_types(&s);
    char desc[256];
    ls_type_describe(ls_pq_reader_layout(r)->schema, desc, sizeof(desc));
    assert_string_equal(desc, "struct<json:string,bson:binary,uuid:uuid,iv:fixed(12),"
                              "bdec:decimal(30,2),fdec:decimal(18,0),nothing:string>");
    ls_batch_t *bt = read0(r);
    size_t n;
    assert_memory_equal(ls_col_bytes(&bt->cols[0], 1, &n), "[1]", 3);
    assert_memory_equal(ls_col_fixed(&bt->cols[2], 1), fx32 + 16, 16);
    assert_memory_equal(ls_col_fixed(&bt->cols[3], 1), fx32 + 12, 12);
    const ls_column_t *bd = &bt->cols[4];
    assert_int_equal(bd->leaf->store, LS_COL_FIXED);
    assert_int_equal(bd->leaf->width, 13);
    uint8_t want[13];
    memset(want, 0xff, 13);
    want[12] = 0xfe;
    assert_memory_equal(ls_col_fixed(bd, 0), want, 13);
    memset(want, 0, 13);
    want[11] = 1;
    want[12] = 2;
    assert_memory_equal(ls_col_fixed(bd, 1), want, 13);
    assert_int_equal(ls_col_i64(&bt->cols[5], 0), -1);
    assert_int_equal(ls_col_i64(&bt->cols[5], 1), INT64_C(1) << 40);
    const ls_column_t *nu = &bt->cols[6];
    assert_true(nu->leaf->node->nullable);
    assert_int_equal(nu->nvalues, 0);
    assert_int_equal(nu->nlevels, 2);
    assert_int_equal(ls_col_def(nu, 0), 0);
    ls_batch_free(bt);
    ls_pq_reader_free(r);
    ls_buf_free(&s.f);
}

static void test_decimal_overflow(void **state)
{
    (void)state;
    ls_pq_schema_el_t schema[] = {el_group("schema", 1, -1), el_prim("d", LS_PQ_INT64, REQ)};
    schema[1].logical = (ls_pq_logical_t){.kind = LS_PQ_LT_DECIMAL, .precision = 9, .scale = 0};
    syn_t s;
    syn_init(&s);
    body_t b = {.n = 0};
    b_i64(&b, 1);
    b_i64(&b, INT64_C(1) << 40); /* cannot be stored as decimal(9) in an int32 */
    syn_chunk_begin(&s);
    page_v1(&s, 2, LS_PQ_ENC_PLAIN, b.b, b.n);
    syn_chunk_end(&s, LS_PQ_INT64, "d", -1);
    ls_source_t src;
    ls_error_t err;
    ls_pq_reader_t *r = syn_open(&s, schema, 2, 2, &src, &err);
    assert_non_null(r);
    assert_int_equal(read0_err(r, &err), LS_ERR_CORRUPT);
    assert_non_null(strstr(err.msg, "synth.parquet: row group 0, column d: page 0"));
    assert_non_null(strstr(err.msg, "does not fit"));
    ls_pq_reader_free(r);
    ls_buf_free(&s.f);

    /* precision beyond 38 is refused at open, naming the column */
    schema[1].logical.precision = 40;
    syn_init(&s);
    r = syn_open(&s, schema, 2, -1, &src, &err);
    assert_null(r);
    assert_int_equal(err.code, LS_ERR_UNSUPPORTED);
    assert_non_null(strstr(err.msg, "column d: decimal(40,0)"));
    ls_buf_free(&s.f);
}

/* ------------------------------------------------------------ layouts */

/* A file of @p schema with no row groups (kept in @p s until the reader is freed). */
static ls_pq_reader_t *open_schema(syn_t *s, ls_pq_schema_el_t *schema, uint32_t n, ls_error_t *err)
{
    syn_init(s);
    ls_source_t src;
    return syn_open(s, schema, n, -1, &src, err);
}

static void expect_schema(ls_pq_schema_el_t *schema, uint32_t n, const char *want)
{
    ls_error_t err;
    syn_t s;
    ls_pq_reader_t *r = open_schema(&s, schema, n, &err);
    if (r == NULL) {
        fail_msg("open: %s", err.msg);
    }
    char d[512];
    ls_type_describe(ls_pq_reader_layout(r)->schema, d, sizeof(d));
    if (strcmp(d, want) != 0) {
        fail_msg("got %s\nwant %s", d, want);
    }
    ls_pq_reader_free(r);
    ls_buf_free(&s.f);
}

/* Opening @p schema fails with @p code. */
static void expect_open_error(ls_pq_schema_el_t *schema, uint32_t n, ls_err_t code, const char *msg)
{
    ls_error_t err;
    syn_t s;
    ls_pq_reader_t *r = open_schema(&s, schema, n, &err);
    assert_null(r);
    if (err.code != code || strstr(err.msg, msg) == NULL) {
        fail_msg("%s: %s", ls_err_name(err.code), err.msg);
    }
    ls_buf_free(&s.f);
}

static void test_legacy_layouts(void **state)
{
    (void)state;
    /* rule 4: a one-field repeated group named "array" is the element */
    ls_pq_schema_el_t a[] = {el_group("m", 1, -1), el_group("l", 1, OPT), el_group("array", 1, RPT),
                             el_prim("x", LS_PQ_INT32, REQ)};
    a[1].has_converted_type = true;
    a[1].converted_type = LS_PQ_CT_LIST;
    expect_schema(a, 4, "struct<l:array<struct<x:integer>>>");
    /* rule 4: <name>_tuple */
    a[2].name = "l_tuple";
    expect_schema(a, 4, "struct<l:array<struct<x:integer>>>");
    /* rule 5: any other one-field repeated group wraps the element */
    a[2].name = "bag";
    a[3].repetition = OPT;
    expect_schema(a, 4, "struct<l:array<integer>>");
    /* rule 2: several fields make a struct element */
    ls_pq_schema_el_t b[] = {el_group("m", 1, -1), el_group("l", 1, REQ),
                             el_group("element", 2, RPT), el_prim("s", LS_PQ_BYTE_ARRAY, REQ),
                             el_prim("n", LS_PQ_INT32, REQ)};
    b[1].logical.kind = LS_PQ_LT_LIST;
    expect_schema(b, 5, "struct<l:array<struct<s:binary,n:integer>>>");
    /* MAP_KEY_VALUE outside a MAP is a map */
    ls_pq_schema_el_t c[] = {el_group("m", 1, -1), el_group("mp", 1, OPT), el_group("map", 2, RPT),
                             el_prim("key", LS_PQ_BYTE_ARRAY, REQ),
                             el_prim("value", LS_PQ_INT32, OPT)};
    c[1].has_converted_type = true;
    c[1].converted_type = LS_PQ_CT_MAP_KEY_VALUE;
    c[3].has_converted_type = true;
    c[3].converted_type = LS_PQ_CT_UTF8;
    expect_schema(c, 5, "struct<mp:map<string,integer>>");
    /* a LIST group that is not list-shaped stays a struct */
    ls_pq_schema_el_t d[] = {el_group("m", 1, -1), el_group("l", 2, OPT),
                             el_prim("a", LS_PQ_INT32, REQ), el_prim("b", LS_PQ_INT32, REQ)};
    d[1].logical.kind = LS_PQ_LT_LIST;
    expect_schema(d, 4, "struct<l:struct<a:integer,b:integer>>");
    /* a repeated LIST group: a list of lists */
    ls_pq_schema_el_t e[] = {el_group("m", 1, -1), el_group("l", 1, RPT),
                             el_prim("x", LS_PQ_INT64, RPT)};
    e[1].logical.kind = LS_PQ_LT_LIST;
    expect_schema(e, 3, "struct<l:array<array<long>>>");
    /* levels of a 3-level list: optional list, optional elements */
    ls_pq_schema_el_t f[] = {el_group("m", 1, -1), el_group("l", 1, OPT), el_group("list", 1, RPT),
                             el_prim("element", LS_PQ_INT32, OPT)};
    f[1].logical.kind = LS_PQ_LT_LIST;
    ls_error_t err;
    syn_t s;
    ls_pq_reader_t *r = open_schema(&s, f, 4, &err);
    assert_non_null(r);
    const ls_node_t *n = ls_layout_field(ls_pq_reader_layout(r), "l");
    assert_int_equal(n->def, 1);
    assert_int_equal(n->entry_def, 2);
    assert_int_equal(n->entry_rep, 1);
    assert_int_equal(n->children[0]->def, 3);
    assert_string_equal(ls_pq_reader_layout(r)->leaves[0].dotted, "l.list.element");
    ls_pq_reader_free(r);
    ls_buf_free(&s.f);
}

static void test_schema_errors(void **state)
{
    (void)state;
    /* nesting deeper than the limit */
    ls_pq_schema_el_t deep[LS__PQ_MAX_DEPTH + 3];
    deep[0] = el_group("m", 1, -1);
    for (int i = 1; i <= LS__PQ_MAX_DEPTH + 1; i++) {
        deep[i] = el_group("g", 1, OPT);
    }
    deep[LS__PQ_MAX_DEPTH + 2] = el_prim("x", LS_PQ_INT32, OPT);
    expect_open_error(deep, LS__PQ_MAX_DEPTH + 3, LS_ERR_LIMIT, "nested deeper");
    /* a child count past the list */
    ls_pq_schema_el_t over[] = {el_group("m", 5, -1), el_prim("x", LS_PQ_INT32, OPT)};
    expect_open_error(over, 2, LS_ERR_CORRUPT, "claims 5 children");
    /* elements left over after the root's tree */
    ls_pq_schema_el_t extra[] = {el_group("m", 1, -1), el_prim("x", LS_PQ_INT32, OPT),
                                 el_prim("y", LS_PQ_INT32, OPT)};
    expect_open_error(extra, 3, LS_ERR_CORRUPT, "schema list has 3 elements");
    /* duplicate field names */
    ls_pq_schema_el_t dup[] = {el_group("m", 2, -1), el_prim("x", LS_PQ_INT32, OPT),
                               el_prim("x", LS_PQ_INT64, OPT)};
    expect_open_error(dup, 3, LS_ERR_UNSUPPORTED, "'x'");
    /* FLBA without a length */
    ls_pq_schema_el_t flba[] = {el_group("m", 1, -1),
                                el_prim("f", LS_PQ_FIXED_LEN_BYTE_ARRAY, OPT)};
    expect_open_error(flba, 2, LS_ERR_CORRUPT, "column f");
}

/* ------------------------------------------------------------ pages */

static ls_pq_schema_el_t opt_i32[] = {
    {.name = "schema", .has_num_children = true, .num_children = 1},
    {.name = "v",
     .has_type = true,
     .type = LS_PQ_INT32,
     .has_repetition = true,
     .repetition = OPT}};

/* BIT_PACKED levels, an index page, an empty page and a CRC'd page in one chunk. */
static void test_page_kinds(void **state)
{
    (void)state;
    syn_t s;
    syn_init(&s);
    syn_chunk_begin(&s);
    /* legacy BIT_PACKED def levels 1,0,1 (MSB first, 1 bit): 101xxxxx */
    body_t b = {.n = 0};
    b_raw(&b, "\xa0", 1);
    b_i32(&b, 10);
    b_i32(&b, 30);
    ls_pq_page_header_t ph = {.type = LS_PQ_PAGE_DATA, .has_data_page_header = true};
    ph.data_page_header.num_values = 3;
    ph.data_page_header.encoding = LS_PQ_ENC_PLAIN;
    ph.data_page_header.definition_level_encoding = LS_PQ_ENC_BIT_PACKED;
    syn_page(&s, &ph, b.b, b.n, false);
    ls_pq_page_header_t ip = {.type = LS_PQ_PAGE_INDEX};
    syn_page(&s, &ip, "junk", 4, false);
    page_v1(&s, 0, LS_PQ_ENC_PLAIN, "", 0);
    body_t c = {.n = 0};
    b_levels(&c, "1");
    b_i32(&c, 40);
    ls_pq_page_header_t cp = {.type = LS_PQ_PAGE_DATA, .has_data_page_header = true};
    cp.data_page_header.num_values = 1;
    cp.data_page_header.encoding = LS_PQ_ENC_PLAIN;
    cp.data_page_header.definition_level_encoding = LS_PQ_ENC_RLE;
    syn_page(&s, &cp, c.b, c.n, true);
    /* v2: levels uncompressed, is_compressed false */
    body_t v = {.n = 0};
    uint8_t lv[2] = {2, 1}; /* one RLE run: 1 value of 1 */
    b_raw(&v, lv, 2);
    b_i32(&v, 50);
    ls_pq_page_header_t p2 = {.type = LS_PQ_PAGE_DATA_V2, .has_data_page_header_v2 = true};
    p2.data_page_header_v2 = (ls_pq_data_page_header_v2_t){.num_values = 1,
                                                           .num_rows = 1,
                                                           .encoding = LS_PQ_ENC_PLAIN,
                                                           .definition_levels_byte_length = 2};
    syn_page(&s, &p2, v.b, v.n, false);
    syn_chunk_end(&s, LS_PQ_INT32, "v", -1);
    ls_source_t src;
    ls_error_t err;
    ls_pq_reader_t *r = syn_open(&s, opt_i32, 2, 5, &src, &err);
    assert_non_null(r);
    ls_batch_t *bt = read0(r);
    const ls_column_t *col = &bt->cols[0];
    assert_int_equal(col->nlevels, 5);
    assert_int_equal(col->nvalues, 4);
    assert_int_equal(ls_col_def(col, 1), 0);
    assert_int_equal(ls_col_i32(col, 0), 10);
    assert_int_equal(ls_col_i32(col, 1), 30);
    assert_int_equal(ls_col_i32(col, 2), 40);
    assert_int_equal(ls_col_i32(col, 3), 50);
    ls_batch_free(bt);
    ls_pq_reader_free(r);
    ls_buf_free(&s.f);
}

typedef void (*corrupt_fn)(syn_t *s);

static void c_bad_crc(syn_t *s)
{
    body_t b = {.n = 0};
    b_levels(&b, "1");
    b_i32(&b, 1);
    ls_pq_page_header_t ph = {.type = LS_PQ_PAGE_DATA, .has_data_page_header = true};
    ph.data_page_header.num_values = 1;
    ph.data_page_header.encoding = LS_PQ_ENC_PLAIN;
    ph.has_crc = true;
    ph.crc = 12345;
    syn_page(s, &ph, b.b, b.n, false);
}

static void c_dict_index(syn_t *s)
{
    page_dict(s, 1, "\x07\0\0\0", 4);
    body_t b = {.n = 0};
    b_levels(&b, "1");
    uint8_t idx[3] = {1, 2, 1}; /* bit width 1, RLE run of one value 1 */
    b_raw(&b, idx, 3);
    page_v1(s, 1, LS_PQ_ENC_RLE_DICTIONARY, b.b, b.n);
}

static void c_no_dict(syn_t *s)
{
    body_t b = {.n = 0};
    b_levels(&b, "1");
    uint8_t idx[3] = {1, 2, 0};
    b_raw(&b, idx, 3);
    page_v1(s, 1, LS_PQ_ENC_PLAIN_DICTIONARY, b.b, b.n);
}

static void c_two_dicts(syn_t *s)
{
    page_dict(s, 1, "\x07\0\0\0", 4);
    page_dict(s, 1, "\x07\0\0\0", 4);
    body_t b = {.n = 0};
    b_levels(&b, "0");
    page_v1(s, 1, LS_PQ_ENC_PLAIN, b.b, b.n);
}

static void c_level_range(syn_t *s)
{
    body_t b = {.n = 0};
    b_levels(&b, "3");
    page_v1(s, 1, LS_PQ_ENC_PLAIN, b.b, b.n);
}

static void c_too_many(syn_t *s)
{
    body_t b = {.n = 0};
    b_levels(&b, "00000");
    page_v1(s, 5, LS_PQ_ENC_PLAIN, b.b, b.n); /* the row group has 1 row */
}

static void c_values_short(syn_t *s)
{
    body_t b = {.n = 0};
    b_levels(&b, "1");
    b_raw(&b, "\1\2", 2);
    page_v1(s, 1, LS_PQ_ENC_PLAIN, b.b, b.n);
}

static void c_bad_encoding(syn_t *s)
{
    body_t b = {.n = 0};
    b_levels(&b, "1");
    b_i32(&b, 1);
    page_v1(s, 1, LS_PQ_ENC_DELTA_LENGTH_BYTE_ARRAY, b.b, b.n);
}

static void c_page_overruns(syn_t *s)
{
    body_t b = {.n = 0};
    b_levels(&b, "1");
    b_i32(&b, 1);
    ls_pq_page_header_t ph = {
        .type = LS_PQ_PAGE_DATA, .has_data_page_header = true, .compressed_page_size = 5000};
    ph.data_page_header.num_values = 1;
    syn_page(s, &ph, b.b, b.n, false);
}

static void c_no_pages(syn_t *s)
{
    (void)s; /* footer says 1 value, the chunk is empty */
}

static void test_page_corruptions(void **state)
{
    (void)state;
    static const struct {
        corrupt_fn fn;
        ls_err_t code;
        const char *msg;
    } cases[] = {
        {c_bad_crc, LS_ERR_CORRUPT, "CRC mismatch"},
        {c_dict_index, LS_ERR_CORRUPT, "out of range"},
        {c_no_dict, LS_ERR_CORRUPT, "without a dictionary"},
        {c_two_dicts, LS_ERR_CORRUPT, "dictionary page after another"},
        {c_level_range, LS_ERR_CORRUPT, "does not fit in 1 bits"},
        {c_too_many, LS_ERR_CORRUPT, "column chunk has 1 left"},
        {c_values_short, LS_ERR_CORRUPT, "cannot fit"},
        {c_bad_encoding, LS_ERR_UNSUPPORTED, "DELTA_LENGTH_BYTE_ARRAY"},
        {c_page_overruns, LS_ERR_CORRUPT, "extends past the column chunk"},
        {c_no_pages, LS_ERR_CORRUPT, "lies outside the data"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        syn_t s;
        syn_init(&s);
        syn_chunk_begin(&s);
        cases[i].fn(&s);
        syn_chunk_end(&s, LS_PQ_INT32, "v", 1);
        ls_source_t src;
        ls_error_t err;
        ls_pq_reader_t *r = syn_open(&s, opt_i32, 2, 1, &src, &err);
        if (r == NULL) {
            fail_msg("case %zu: open: %s", i, err.msg);
        }
        ls_err_t rc = read0_err(r, &err);
        if (rc != cases[i].code || strstr(err.msg, cases[i].msg) == NULL ||
            strstr(err.msg, "synth.parquet: row group 0, column v") == NULL) {
            fail_msg("case %zu: %s: %s", i, ls_err_name(rc), err.msg);
        }
        ls_pq_reader_free(r);
        ls_buf_free(&s.f);
    }
}

/* A list whose levels contradict each other: continuing an empty list. */
static void test_inconsistent_levels(void **state)
{
    (void)state;
    ls_pq_schema_el_t schema[] = {el_group("m", 1, -1), el_prim("x", LS_PQ_INT32, RPT)};
    syn_t s;
    syn_init(&s);
    syn_chunk_begin(&s);
    body_t b = {.n = 0};
    b_levels(&b, "01"); /* rep: new row, then continue */
    b_levels(&b, "01"); /* def: empty list, then an element */
    b_i32(&b, 5);
    page_v1(&s, 2, LS_PQ_ENC_PLAIN, b.b, b.n);
    syn_chunk_end(&s, LS_PQ_INT32, "x", -1);
    ls_source_t src;
    ls_error_t err;
    ls_pq_reader_t *r = syn_open(&s, schema, 2, 1, &src, &err);
    assert_non_null(r);
    assert_int_equal(read0_err(r, &err), LS_ERR_CORRUPT);
    assert_non_null(strstr(err.msg, "inconsistent"));
    ls_pq_reader_free(r);
    ls_buf_free(&s.f);
}

/* A few bytes of dictionary indices claiming a million values hit the batch cap. */
static void test_memory_bomb(void **state)
{
    (void)state;
    ls_pq_schema_el_t schema[] = {el_group("m", 1, -1), el_prim("x", LS_PQ_INT64, REQ)};
    syn_t s;
    syn_init(&s);
    syn_chunk_begin(&s);
    page_dict(&s, 1, "\x07\0\0\0\0\0\0\0", 8);
    uint8_t idx[] = {0, 0x80, 0x89, 0x7a}; /* width 0, RLE run of 1,000,000 */
    page_v1(&s, 1000000, LS_PQ_ENC_RLE_DICTIONARY, idx, sizeof(idx));
    syn_chunk_end(&s, LS_PQ_INT64, "x", -1);
    ls_source_t src;
    ls_error_t err;
    ls_pq_reader_t *r = syn_open(&s, schema, 2, 1000000, &src, &err);
    assert_non_null(r);
    ls_batch_t *b = read0(r); /* within the default cap it is simply read */
    assert_int_equal(b->cols[0].nvalues, 1000000);
    assert_int_equal(ls_col_i64(&b->cols[0], 999999), 7);
    ls_batch_free(b);
    ls__pqread_set_limits(r, 1 << 20, 0);
    assert_int_equal(read0_err(r, &err), LS_ERR_LIMIT);
    assert_non_null(strstr(err.msg, "batch memory cap"));
    ls_pq_reader_free(r);
    ls_buf_free(&s.f);
}

/* DELTA_BYTE_ARRAY on a FIXED_LEN_BYTE_ARRAY column. */
static void test_delta_byte_array_flba(void **state)
{
    (void)state;
    ls_pq_schema_el_t schema[] = {el_group("m", 1, -1),
                                  el_prim("f", LS_PQ_FIXED_LEN_BYTE_ARRAY, REQ)};
    schema[1].has_type_length = true;
    schema[1].type_length = 3;
    syn_t s;
    syn_init(&s);
    syn_chunk_begin(&s);
    /* prefixes 0,2 and suffix lengths 3,1 as DELTA_BINARY_PACKED, then "abcd" */
    static const uint8_t body[] = {0x80, 0x01, 0x04, 0x02, 0x00, 0x04, 0x00, 0x00,
                                   0x00, 0x00, 0x80, 0x01, 0x04, 0x02, 0x06, 0x03,
                                   0x00, 0x00, 0x00, 0x00, 'a',  'b',  'c',  'd'};
    page_v1(&s, 2, LS_PQ_ENC_DELTA_BYTE_ARRAY, body, sizeof(body));
    syn_chunk_end(&s, LS_PQ_FIXED_LEN_BYTE_ARRAY, "f", -1);
    ls_source_t src;
    ls_error_t err;
    ls_pq_reader_t *r = syn_open(&s, schema, 2, 2, &src, &err);
    assert_non_null(r);
    ls_batch_t *b = read0(r);
    assert_memory_equal(ls_col_fixed(&b->cols[0], 0), "abc", 3);
    assert_memory_equal(ls_col_fixed(&b->cols[0], 1), "abd", 3);
    ls_batch_free(b);
    ls_pq_reader_free(r);
    ls_buf_free(&s.f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_integer_and_time_types),
        cmocka_unit_test(test_byte_types_and_unknown),
        cmocka_unit_test(test_decimal_overflow),
        cmocka_unit_test(test_legacy_layouts),
        cmocka_unit_test(test_schema_errors),
        cmocka_unit_test(test_page_kinds),
        cmocka_unit_test(test_page_corruptions),
        cmocka_unit_test(test_inconsistent_levels),
        cmocka_unit_test(test_memory_bomb),
        cmocka_unit_test(test_delta_byte_array_flba),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

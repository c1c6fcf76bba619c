/*
 * compact.h — a small reader and writer for the Thrift compact protocol (structs,
 * lists, sets, maps, varints, zigzag, binary), enough for parquet.thrift.
 *
 * Responsible for: turning wire bytes into values and back, bounding every read by
 * the input range, skipping values of any type with a nesting limit, and reporting
 * where (byte offset) input broke. Not responsible for: knowing any IDL; the Parquet
 * structs are mapped in parquet_meta*.c on top of this.
 *
 * Both sides latch their first error ("sticky" error): after a failure every read
 * returns 0/NULL/false and every write does nothing, so decoders can be written as
 * straight-line code and check `rc` at the end of a struct. The reader's `err`
 * receives the message; the writer only keeps the code (encoding fails only on
 * LS_ERR_NOMEM / LS_ERR_LIMIT from the output buffer or on invalid arguments).
 *
 * Ownership: the reader borrows the input bytes (they must outlive every pointer
 * returned by ls_thrift_read_binary, which points into them); the writer borrows the
 * output buffer. Neither allocates.
 */
#ifndef LS_THRIFT_COMPACT_H
#define LS_THRIFT_COMPACT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lakesink/buf.h"
#include "lakesink/error.h"

/* Wire type codes (field types and element types share them). */
typedef enum {
    LS_THRIFT_STOP = 0,
    LS_THRIFT_BOOL = 1, /* BOOLEAN_TRUE in a field header; also the list element type */
    LS_THRIFT_BOOL_FALSE = 2,
    LS_THRIFT_I8 = 3,
    LS_THRIFT_I16 = 4,
    LS_THRIFT_I32 = 5,
    LS_THRIFT_I64 = 6,
    LS_THRIFT_DOUBLE = 7,
    LS_THRIFT_BINARY = 8,
    LS_THRIFT_LIST = 9,
    LS_THRIFT_SET = 10,
    LS_THRIFT_MAP = 11,
    LS_THRIFT_STRUCT = 12,
    LS_THRIFT_UUID = 13
} ls_thrift_type_t;

/* Structs and containers nested deeper than this are rejected (skip included):
 * parquet.thrift needs about 8 levels, so 64 only stops stack exhaustion. */
#define LS_THRIFT_MAX_DEPTH 64

typedef struct ls_thrift_reader_s {
    const uint8_t *start; /* borrowed input */
    const uint8_t *p;
    const uint8_t *end;
    ls_error_t *err; /* may be NULL */
    ls_err_t rc;     /* first error, LS_OK while reading is fine */
    bool in_path;    /* the message already starts with a field path (see ls_thrift_path) */
    int depth;
    int16_t last_id[LS_THRIFT_MAX_DEPTH + 1]; /* previous field id per open struct */
} ls_thrift_reader_t;

/* One field header. Boolean fields carry their value in the header: type is then
 * LS_THRIFT_BOOL and bool_value holds it. */
typedef struct ls_thrift_field_s {
    ls_thrift_type_t type;
    int16_t id;
    bool bool_value;
} ls_thrift_field_t;

/** @brief Start reading @p len bytes at @p data; errors go to @p err (may be NULL). */
void ls_thrift_reader_init(ls_thrift_reader_t *r, const uint8_t *data, size_t len, ls_error_t *err);
/** @brief Bytes consumed so far (the offset errors refer to). */
size_t ls_thrift_reader_offset(const ls_thrift_reader_t *r);
/** @brief Bytes not yet consumed. */
static inline size_t ls_thrift_reader_left(const ls_thrift_reader_t *r)
{
    return (size_t)(r->end - r->p);
}

/**
 * @brief Latch an error (first one wins) with a message that gets " at byte N" appended.
 * @returns false, so `return ls_thrift_fail(...)` works in bool helpers.
 */
bool ls_thrift_fail(ls_thrift_reader_t *r, ls_err_t code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/**
 * @brief When an error is latched, prepend one path component to its message:
 * the innermost becomes "name: message", outer ones "name.rest". No-op when fine.
 */
void ls_thrift_path(ls_thrift_reader_t *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/** @brief Enter a struct (checks the nesting limit). False on error. */
bool ls_thrift_read_struct_begin(ls_thrift_reader_t *r);
/**
 * @brief Read the next field header of the current struct.
 * @returns true with @p f filled, or false at the stop field or on error (check rc).
 */
bool ls_thrift_read_field(ls_thrift_reader_t *r, ls_thrift_field_t *f);
/** @brief Leave the struct entered by ls_thrift_read_struct_begin. */
void ls_thrift_read_struct_end(ls_thrift_reader_t *r);

/**
 * @brief True when field @p f has wire type @p type; otherwise skips its value
 * (a field of an unexpected type is treated as unknown) and returns false.
 */
bool ls_thrift_field_is(ls_thrift_reader_t *r, const ls_thrift_field_t *f, ls_thrift_type_t type);
/** @brief Skip the value of field @p f (any type, nested up to the depth limit). */
void ls_thrift_skip_field(ls_thrift_reader_t *r, const ls_thrift_field_t *f);
/** @brief Skip one container element / map key or value of wire type @p type. */
void ls_thrift_skip(ls_thrift_reader_t *r, ls_thrift_type_t type);

/** @brief Values. On error they return 0 (or NULL) and latch the error. */
int8_t ls_thrift_read_i8(ls_thrift_reader_t *r);
int16_t ls_thrift_read_i16(ls_thrift_reader_t *r);
int32_t ls_thrift_read_i32(ls_thrift_reader_t *r);
int64_t ls_thrift_read_i64(ls_thrift_reader_t *r);
double ls_thrift_read_double(ls_thrift_reader_t *r);
/** @brief A boolean container element (one byte; 1 is true). */
bool ls_thrift_read_bool(ls_thrift_reader_t *r);
/** @brief Raw unsigned varint (up to 64 bits). */
uint64_t ls_thrift_read_uvarint(ls_thrift_reader_t *r);
/**
 * @brief A binary/string value. @returns a pointer into the input (not NUL-terminated),
 * never NULL unless an error is latched; @p len receives its length.
 */
const uint8_t *ls_thrift_read_binary(ls_thrift_reader_t *r, uint32_t *len);

/**
 * @brief A list or set header. The count is checked against the bytes left: each element
 * needs at least its minimal wire size, or @p min_elem_bytes if that is larger (callers
 * pass the smallest encoding of a struct with its required fields).
 * @returns the element count (0 on error); @p elem receives the element type.
 */
uint32_t ls_thrift_read_list_begin(ls_thrift_reader_t *r, ls_thrift_type_t *elem,
                                   size_t min_elem_bytes);
/** @brief A map header; same count check as lists (each pair needs key + value bytes). */
uint32_t ls_thrift_read_map_begin(ls_thrift_reader_t *r, ls_thrift_type_t *key,
                                  ls_thrift_type_t *value);

/** @brief Zigzag helpers (exposed for tests). */
static inline uint64_t ls_thrift_zigzag64(int64_t v)
{
    return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}
static inline int64_t ls_thrift_unzigzag64(uint64_t v)
{
    return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

/* ---- writer ---- */

typedef struct ls_thrift_writer_s {
    ls_buf_t *out; /* borrowed */
    ls_err_t rc;
    int depth;
    int16_t last_id[LS_THRIFT_MAX_DEPTH + 1];
} ls_thrift_writer_t;

/** @brief Start appending to @p out (existing contents are kept). */
void ls_thrift_writer_init(ls_thrift_writer_t *w, ls_buf_t *out);
/** @brief Latch an error code on the writer (first one wins). */
void ls_thrift_writer_fail(ls_thrift_writer_t *w, ls_err_t code);

void ls_thrift_write_struct_begin(ls_thrift_writer_t *w);
/** @brief Write the stop field and leave the struct. */
void ls_thrift_write_struct_end(ls_thrift_writer_t *w);
/**
 * @brief A field header; ids must increase within a struct for the short form to be
 * used (any order is still valid Thrift). Boolean fields use ls_thrift_write_bool_field.
 */
void ls_thrift_write_field(ls_thrift_writer_t *w, ls_thrift_type_t type, int16_t id);
void ls_thrift_write_bool_field(ls_thrift_writer_t *w, int16_t id, bool v);
void ls_thrift_write_i8(ls_thrift_writer_t *w, int8_t v);
void ls_thrift_write_i16(ls_thrift_writer_t *w, int16_t v);
void ls_thrift_write_i32(ls_thrift_writer_t *w, int32_t v);
void ls_thrift_write_i64(ls_thrift_writer_t *w, int64_t v);
void ls_thrift_write_double(ls_thrift_writer_t *w, double v);
/** @brief A boolean container element (1 = true, 2 = false, as the spec says). */
void ls_thrift_write_bool(ls_thrift_writer_t *w, bool v);
void ls_thrift_write_uvarint(ls_thrift_writer_t *w, uint64_t v);
void ls_thrift_write_binary(ls_thrift_writer_t *w, const void *p, size_t n);
/** @brief A NUL-terminated string as binary; NULL latches LS_ERR_INVALID_ARG. */
void ls_thrift_write_string(ls_thrift_writer_t *w, const char *s);
void ls_thrift_write_list_begin(ls_thrift_writer_t *w, ls_thrift_type_t elem, uint32_t n);
void ls_thrift_write_map_begin(ls_thrift_writer_t *w, ls_thrift_type_t key, ls_thrift_type_t value,
                               uint32_t n);

/* Field + value in one call, for the common cases. */
void ls_thrift_write_i32_field(ls_thrift_writer_t *w, int16_t id, int32_t v);
void ls_thrift_write_i64_field(ls_thrift_writer_t *w, int16_t id, int64_t v);
void ls_thrift_write_binary_field(ls_thrift_writer_t *w, int16_t id, const void *p, size_t n);
void ls_thrift_write_string_field(ls_thrift_writer_t *w, int16_t id, const char *s);

#endif

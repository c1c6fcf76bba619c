/*
 * stat_value.h — readable JSON values from Parquet statistics bytes, for `parquet meta`.
 *
 * Every function appends one JSON value (a number, true/false or a quoted string) to a
 * caller-owned buffer and returns LS_OK, LS_ERR_NOMEM or LS_ERR_LIMIT (buffer cap).
 * Input bytes are borrowed and only read within the given length.
 */
#ifndef LS_CLI_STAT_VALUE_H
#define LS_CLI_STAT_VALUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lakesink/buf.h"
#include "lakesink/parquet_meta.h"
#include "lakesink/schema.h"

/**
 * @brief Format a statistics value of a column.
 * @param el the column's schema element (logical/converted annotations); NULL = none.
 * @param physical the column chunk's physical type (decides the expected byte width).
 */
ls_err_t ls_cli_fmt_stat(const ls_pq_schema_el_t *el, ls_pq_type_t physical, const uint8_t *p,
                         uint32_t len, ls_buf_t *o);

/** @brief "YYYY-MM-DD" for days since the epoch. */
ls_err_t ls_cli_fmt_date(int64_t days, ls_buf_t *o);
/** @brief "YYYY-MM-DDTHH:MM:SS.ffffff" plus "Z" when @p utc. */
ls_err_t ls_cli_fmt_timestamp(int64_t micros, bool utc, ls_buf_t *o);
/** @brief Shortest round-tripping number; NaN/Infinity as strings. @p single: float32. */
ls_err_t ls_cli_fmt_double(double v, bool single, ls_buf_t *o);
/** @brief Big-endian two's complement integer scaled by 10^-scale, as a quoted string. */
ls_err_t ls_cli_fmt_decimal_be(const uint8_t *p, uint32_t len, int scale, ls_buf_t *o);
/** @brief Quoted base64 of @p len bytes. */
ls_err_t ls_cli_fmt_base64(const uint8_t *p, size_t len, ls_buf_t *o);
/** @brief True when @p p holds valid UTF-8 (no overlongs, no surrogates). */
bool ls_cli_utf8_valid(const uint8_t *p, size_t len);

/** @brief "TIMESTAMP(MICROS,true)", "DECIMAL(10,2)", "STRING" ... into @p out. */
void ls_cli_logical_describe(const ls_pq_logical_t *lt, char *out, size_t n);

#endif

/*
 * path.c — where a data file goes and how the log names it: Hive-style partition
 * directories ("name=value", with Hive's escaping), the RFC 2396 encoding of `add.path`,
 * path safety checks for paths read from a log, random UUIDs and Spark-style file names.
 *
 * Not responsible for: the text form of partition values (partition.c) or any I/O
 * besides reading the kernel's random source.
 */
#include <errno.h>
#include <string.h>

#include "lakesink/arena.h"
#include "lakesink/table.h"
#include "lakesink/uri.h"
#include "table_int.h"

static const char ls__hex[] = "0123456789ABCDEF";

/* Hive's FileUtils set (as Spark's ExternalCatalogUtils copies it), plus NUL, which no
 * file system accepts in a name. */
static bool ls__hive_needs_escape(unsigned char c)
{
    if (c < 0x20 || c == 0x7F) {
        return true;
    }
    return c != '\0' && strchr("\"#%'*/:=?\\{[]^", c) != NULL;
}

/* Append @p s, writing bytes for which @p esc is true as %XX. */
static ls_err_t ls__escape(const char *s, size_t len, ls_buf_t *out, bool (*esc)(unsigned char))
{
    size_t mark = out->len, start = 0;
    ls_err_t rc = ls_buf_reserve(out, len);
    for (size_t i = 0; rc == LS_OK && i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!esc(c)) {
            continue;
        }
        char e[3] = {'%', ls__hex[c >> 4], ls__hex[c & 15]};
        rc = ls_buf_append(out, s + start, i - start);
        if (rc == LS_OK) {
            rc = ls_buf_append(out, e, 3);
        }
        start = i + 1;
    }
    if (rc == LS_OK) {
        rc = ls_buf_append(out, s + start, len - start);
    }
    if (rc != LS_OK) {
        out->len = mark;
    }
    return rc;
}

ls_err_t ls_table_hive_escape(const char *s, size_t len, ls_buf_t *out)
{
    return ls__escape(s, len, out, ls__hive_needs_escape);
}

ls_err_t ls_table_hive_unescape(const char *s, size_t len, ls_buf_t *out)
{
    size_t mark = out->len;
    ls_err_t rc = ls_buf_reserve(out, len);
    for (size_t i = 0; rc == LS_OK && i < len; i++) {
        int hi = -1, lo = -1;
        if (s[i] == '%' && len - i >= 3) {
            hi = ls_hex_digit(s[i + 1]);
            lo = ls_hex_digit(s[i + 2]);
        }
        if (hi < 0 || lo < 0) {
            rc = ls_buf_append_byte(out, (uint8_t)s[i]);
            continue;
        }
        /* Spark turns %XX into the character U+00XX, not into a byte */
        unsigned cp = (unsigned)(hi << 4 | lo);
        if (cp < 0x80) {
            rc = ls_buf_append_byte(out, (uint8_t)cp);
        } else {
            uint8_t u[2] = {(uint8_t)(0xC0 | cp >> 6), (uint8_t)(0x80 | (cp & 0x3F))};
            rc = ls_buf_append(out, u, 2);
        }
        i += 2;
    }
    if (rc != LS_OK) {
        out->len = mark;
    }
    return rc;
}

ls_err_t ls_table_partition_dir(const char *const *names, const char *const *values, size_t n,
                                ls_buf_t *out)
{
    size_t mark = out->len;
    ls_err_t rc = LS_OK;
    for (size_t i = 0; rc == LS_OK && i < n; i++) {
        rc = ls_table_hive_escape(names[i], strlen(names[i]), out);
        if (rc == LS_OK) {
            rc = ls_buf_append_byte(out, '=');
        }
        if (rc == LS_OK) {
            bool null = values[i] == NULL || values[i][0] == '\0';
            rc = null ? ls_buf_append_str(out, LS_TABLE_HIVE_NULL)
                      : ls_table_hive_escape(values[i], strlen(values[i]), out);
        }
        if (rc == LS_OK) {
            rc = ls_buf_append_byte(out, '/');
        }
    }
    if (rc != LS_OK) {
        out->len = mark;
    }
    return rc;
}

/* Unescaped copy of s[0..len) in @p arena; NULL on OOM or when it would hold a NUL. */
static ls_err_t ls__unescape_to_arena(const char *s, size_t len, ls_arena_t *arena, char **out)
{
    ls_buf_t b;
    ls_buf_init(&b, len * 2 + 1);
    ls_err_t rc = ls_table_hive_unescape(s, len, &b);
    if (rc == LS_OK && b.len > 0 && memchr(b.data, 0, b.len) != NULL) {
        rc = LS_ERR_PARSE;
    }
    if (rc == LS_OK) {
        *out = ls_arena_strndup(arena, b.len > 0 ? (const char *)b.data : "", b.len);
        rc = *out == NULL ? LS_ERR_NOMEM : LS_OK;
    }
    ls_buf_free(&b);
    return rc;
}

static ls_err_t ls__parse_segment(const char *seg, size_t n, ls_arena_t *arena,
                                  ls_table_pair_t *pair, ls_error_t *err)
{
    const char *eq = memchr(seg, '=', n);
    if (eq == NULL || eq == seg) {
        return ls_error_set(err, LS_ERR_PARSE, "partition directory \"%.*s\" is not name=value",
                            (int)(n > 128 ? 128 : n), seg);
    }
    size_t nl = (size_t)(eq - seg), vl = n - nl - 1;
    ls_err_t rc = ls__unescape_to_arena(seg, nl, arena, &pair->name);
    pair->value = NULL;
    bool null = vl == 0 ||
                (vl == strlen(LS_TABLE_HIVE_NULL) && memcmp(eq + 1, LS_TABLE_HIVE_NULL, vl) == 0);
    if (rc == LS_OK && !null) {
        rc = ls__unescape_to_arena(eq + 1, vl, arena, &pair->value);
    }
    if (rc == LS_ERR_PARSE) {
        return ls_error_set(err, rc, "partition directory \"%.*s\" escapes a NUL character",
                            (int)(n > 128 ? 128 : n), seg);
    }
    return rc == LS_OK ? LS_OK
                       : ls_error_set(err, rc, "parsing a partition directory: %s", ls_err_str(rc));
}

ls_err_t ls_table_partition_dir_parse(const char *path, size_t len, size_t max_pairs,
                                      ls_arena_t *arena, ls_table_pair_t **pairs, size_t *npairs,
                                      ls_error_t *err)
{
    *pairs = NULL;
    *npairs = 0;
    if (len > 0 && path[len - 1] == '/') {
        len--;
    }
    size_t nseg = len > 0 ? 1 : 0;
    for (size_t i = 0; i < len; i++) {
        nseg += path[i] == '/';
    }
    if (nseg > max_pairs) {
        return ls_error_set(err, LS_ERR_LIMIT, "partition path has %zu directories (limit %zu)",
                            nseg, max_pairs);
    }
    ls_table_pair_t *p = ls_arena_calloc(arena, nseg ? nseg : 1, sizeof(*p));
    if (p == NULL) {
        return ls_error_set(err, LS_ERR_NOMEM, "parsing a partition path: out of memory");
    }
    size_t start = 0, k = 0;
    for (size_t i = 0; i <= len && nseg > 0; i++) {
        if (i < len && path[i] != '/') {
            continue;
        }
        LS_TRY(ls__parse_segment(path + start, i - start, arena, &p[k++], err));
        start = i + 1;
    }
    *pairs = p;
    *npairs = k;
    return LS_OK;
}

/* RFC 2396 path characters java.net.URI leaves alone: unreserved, punct, '/', '@'. */
static bool ls__uri_needs_escape(unsigned char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
        return false;
    }
    return c == '\0' || strchr("-_.!~*'();:@&=+$,/", c) == NULL;
}

ls_err_t ls_table_uri_encode_path(const char *s, size_t len, ls_buf_t *out)
{
    return ls__escape(s, len, out, ls__uri_needs_escape);
}

ls_err_t ls_table_uri_decode_path(const char *s, size_t len, ls_buf_t *out, ls_error_t *err)
{
    return ls_uri_decode(s, len, out, err);
}

bool ls_table_path_is_safe(const char *path, size_t len)
{
    if (len == 0 || path[0] == '/') {
        return false;
    }
    size_t start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && (path[i] == '\0' || path[i] == '\\')) {
            return false;
        }
        if (i < len && path[i] != '/') {
            continue;
        }
        size_t n = i - start;
        const char *seg = path + start;
        if (n == 0 || (n == 1 && seg[0] == '.') || (n == 2 && seg[0] == '.' && seg[1] == '.')) {
            return false;
        }
        /* a ':' in the first segment would make it a URI scheme ("s3:", "file:") */
        if (start == 0 && memchr(seg, ':', n) != NULL) {
            return false;
        }
        start = i + 1;
    }
    return true;
}

ls_err_t ls_table_uuid4(char out[37], ls_error_t *err)
{
    (void)err; /* ls_uuid4 falls back to a clock-seeded source: it cannot fail */
    ls_uuid4(out);
    return LS_OK;
}

const char *ls_table_codec_ext(ls_pq_codec_t codec)
{
    switch (codec) {
    case LS_PQ_CODEC_SNAPPY: return "snappy";
    case LS_PQ_CODEC_GZIP: return "gz";
    case LS_PQ_CODEC_LZO: return "lzo";
    case LS_PQ_CODEC_BROTLI: return "br";
    case LS_PQ_CODEC_LZ4: return "lz4";
    case LS_PQ_CODEC_ZSTD: return "zstd";
    case LS_PQ_CODEC_LZ4_RAW: return "lz4raw";
    case LS_PQ_CODEC_UNCOMPRESSED:
    default: return "";
    }
}

ls_err_t ls_table_data_file_name(unsigned part, const char *uuid, ls_pq_codec_t codec,
                                 ls_buf_t *out)
{
    const char *ext = ls_table_codec_ext(codec);
    return ls_buf_printf(out, "part-%05u-%s-c000%s%s.parquet", part, uuid, *ext ? "." : "", ext);
}

ls_err_t ls_table_data_paths(const char *const *names, const char *const *values, size_t n,
                             const char *file_name, ls_buf_t *disk_path, ls_buf_t *log_path)
{
    ls_buf_t tmp;
    ls_buf_init(&tmp, LS_BUF_UNLIMITED);
    ls_err_t rc = ls_table_partition_dir(names, values, n, &tmp);
    if (rc == LS_OK) {
        rc = ls_buf_append_str(&tmp, file_name);
    }
    size_t dmark = disk_path != NULL ? disk_path->len : 0;
    if (rc == LS_OK && disk_path != NULL) {
        rc = ls_buf_append(disk_path, tmp.data, tmp.len);
    }
    if (rc == LS_OK && log_path != NULL) {
        rc = ls_table_uri_encode_path((const char *)tmp.data, tmp.len, log_path);
        if (rc != LS_OK && disk_path != NULL) {
            disk_path->len = dmark;
        }
    }
    ls_buf_free(&tmp);
    return rc;
}

/*
 * tz.c — time zones: zone names (UTC, fixed offsets, IANA names, POSIX TZ strings), the
 * TZif reader (RFC 8536, versions 1-4) and the offset lookup.
 *
 * A zone is one allocation holding a sorted transition table and an optional POSIX rule
 * (a TZif footer or a TZ string). At build time the rule's transitions up to 2100 are
 * appended to the table, so the lookup for any realistic instant is one binary search;
 * later instants evaluate the rule directly (tz_rule.c).
 * The TZif reader checks every count against the bytes present before reading or
 * allocating anything. Not responsible for: leap-second ("right/") zones, which are
 * rejected, and time zone abbreviations, which are not kept.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lakesink/alloc.h"
#include "lakesink/buf.h"
#include "lakesink/io.h"
#include "xform_int.h"

#define LS__TZIF_HDR 44
#define LS__TZIF_MAX_TYPES 256
/* RFC 8536: a UT offset is more than -25 hours and less than 26 hours. */
#define LS__UTOFF_MIN (-89999)
#define LS__UTOFF_MAX 93599

/* ------------------------------------------------------------ building */

static size_t align8(size_t n)
{
    return (n + 7) & ~(size_t)7;
}

/* A zone with room for @p n transitions and a copy of name[0..namelen). */
static ls_tz_t *tz_alloc(const char *name, size_t namelen, size_t n)
{
    size_t head = align8(sizeof(ls_tz_t));
    size_t total = head + n * (sizeof(int64_t) + sizeof(int32_t)) + namelen + 1;
    uint8_t *mem = ls_calloc(1, total);
    if (mem == NULL) {
        return NULL;
    }
    ls_tz_t *tz = (ls_tz_t *)(void *)mem;
    tz->at = (int64_t *)(void *)(mem + head);
    tz->off = (int32_t *)(void *)(mem + head + n * sizeof(int64_t));
    tz->name = (char *)(mem + head + n * (sizeof(int64_t) + sizeof(int32_t)));
    memcpy(tz->name, name, namelen);
    tz->name[namelen] = '\0';
    tz->rule_after = INT64_MAX;
    return tz;
}

/* Where a rule takes over from the table, and which of its transitions to precompute. */
typedef struct {
    int64_t y0, y1;
    int64_t after, limit;
    int64_t rule_after;
    bool rule_below;
    bool expand;
} ls__tz_plan_t;

static void rule_plan(const ls__tz_rule_t *r, size_t nfile, int64_t last_at, ls__tz_plan_t *p)
{
    memset(p, 0, sizeof(*p));
    p->limit = ls_xform_days_from_civil(LS__TZ_TABLE_END_YEAR, 1, 1) * LS__DAY_SECS;
    p->y1 = LS__TZ_TABLE_END_YEAR;
    if (nfile == 0) {
        p->rule_below = true;
        p->after = INT64_MIN;
        p->y0 = LS__TZ_TABLE_START_YEAR;
        p->expand = r->has_dst;
        p->rule_after = r->has_dst ? p->limit - 1 : INT64_MAX;
        return;
    }
    /* The rule decides strictly after the last transition of the file. */
    p->rule_after = last_at;
    int64_t y;
    int m, d;
    ls_xform_civil_from_days(ls__floor_div(last_at, LS__DAY_SECS), &y, &m, &d);
    if (r->has_dst && last_at < p->limit && last_at >= LS__TZ_T_MIN &&
        y >= LS__TZ_TABLE_START_YEAR) {
        p->expand = true;
        p->after = last_at;
        p->y0 = y - 1;
        p->rule_after = p->limit - 1;
    }
}

/* Attach @p r to @p tz, whose first @p nfile transitions are filled; the table has room
 * for the planned expansion. */
static void tz_attach_rule(ls_tz_t *tz, const ls__tz_rule_t *r, size_t nfile,
                           const ls__tz_plan_t *p, size_t nexp)
{
    tz->rule = *r;
    tz->has_rule = true;
    tz->rule_below = p->rule_below;
    tz->rule_after = p->rule_after;
    if (p->expand && nexp > 0) {
        ls__tz_rule_expand(r, p->y0, p->y1, p->after, p->limit, tz->at + nfile, tz->off + nfile,
                           nexp);
    }
    tz->n = nfile + nexp;
}

static size_t plan_count(const ls__tz_rule_t *r, const ls__tz_plan_t *p)
{
    return p->expand ? ls__tz_rule_expand(r, p->y0, p->y1, p->after, p->limit, NULL, NULL, 0) : 0;
}

ls_err_t ls_tz_parse_posix(const char *s, size_t n, ls_tz_t **out, ls_error_t *err)
{
    ls__tz_rule_t r;
    ls__tz_plan_t p;
    *out = NULL;
    LS_TRY(ls__tz_rule_parse(s, n, "TZ string", &r, err));
    rule_plan(&r, 0, 0, &p);
    size_t nexp = plan_count(&r, &p);
    ls_tz_t *tz = tz_alloc(s, n, nexp);
    if (tz == NULL) {
        return ls_error_set(err, LS_ERR_NOMEM, "TZ string: out of memory");
    }
    tz->off_before = r.std_off;
    tz_attach_rule(tz, &r, 0, &p, nexp);
    *out = tz;
    return LS_OK;
}

static ls_tz_t *tz_fixed(const char *name, int32_t off)
{
    ls_tz_t *tz = tz_alloc(name, strlen(name), 0);
    if (tz != NULL) {
        tz->off_before = off;
    }
    return tz;
}

/* ------------------------------------------------------------ TZif */

typedef struct {
    uint32_t isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt;
    uint8_t version;
} ls__tzif_hdr_t;

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t be_time(const uint8_t *p, unsigned tsize)
{
    if (tsize == 4) {
        return (int32_t)be32(p);
    }
    return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

static ls_err_t tzif_header(const uint8_t *data, size_t len, size_t pos, const char *name,
                            ls__tzif_hdr_t *h, ls_error_t *err)
{
    if (len - pos < LS__TZIF_HDR) {
        return ls_error_set(err, LS_ERR_PARSE,
                            "TZif %s: truncated header at byte %zu (%zu bytes left, %d needed)",
                            name, pos, len - pos, LS__TZIF_HDR);
    }
    const uint8_t *p = data + pos;
    if (memcmp(p, "TZif", 4) != 0) {
        return ls_error_set(err, LS_ERR_PARSE, "TZif %s: no \"TZif\" magic at byte %zu", name, pos);
    }
    h->version = p[4];
    if (h->version != 0 && h->version < '2') {
        return ls_error_set(err, LS_ERR_PARSE, "TZif %s: unknown version byte 0x%02x", name,
                            h->version);
    }
    h->isutcnt = be32(p + 20);
    h->isstdcnt = be32(p + 24);
    h->leapcnt = be32(p + 28);
    h->timecnt = be32(p + 32);
    h->typecnt = be32(p + 36);
    h->charcnt = be32(p + 40);
    return LS_OK;
}

static uint64_t tzif_block_size(const ls__tzif_hdr_t *h, unsigned tsize)
{
    return (uint64_t)h->timecnt * (tsize + 1) + (uint64_t)h->typecnt * 6 + h->charcnt +
           (uint64_t)h->leapcnt * (tsize + 4) + h->isstdcnt + h->isutcnt;
}

static ls_err_t tzif_check_counts(const ls__tzif_hdr_t *h, size_t pos, size_t len, unsigned tsize,
                                  const char *name, ls_error_t *err)
{
    if (h->typecnt == 0 || h->typecnt > LS__TZIF_MAX_TYPES) {
        return ls_error_set(err, LS_ERR_PARSE, "TZif %s: %u local time types (1-%d allowed)", name,
                            h->typecnt, LS__TZIF_MAX_TYPES);
    }
    if ((h->isutcnt != 0 && h->isutcnt != h->typecnt) ||
        (h->isstdcnt != 0 && h->isstdcnt != h->typecnt)) {
        return ls_error_set(err, LS_ERR_PARSE,
                            "TZif %s: indicator counts (%u UT, %u standard) differ from the "
                            "%u local time types",
                            name, h->isutcnt, h->isstdcnt, h->typecnt);
    }
    uint64_t need = tzif_block_size(h, tsize);
    if (need > len - pos) {
        return ls_error_set(err, LS_ERR_PARSE,
                            "TZif %s: truncated data block at byte %zu (%llu bytes needed for "
                            "%u transitions and %u types, %zu present)",
                            name, pos, (unsigned long long)need, h->timecnt, h->typecnt, len - pos);
    }
    if (h->leapcnt != 0) {
        return ls_error_set(err, LS_ERR_UNSUPPORTED,
                            "TZif %s: leap-second records (\"right/\" zones) are not supported",
                            name);
    }
    return LS_OK;
}

/* Local time types: check each and collect the UT offsets. */
static ls_err_t tzif_types(const uint8_t *p, const ls__tzif_hdr_t *h, const char *name,
                           int32_t *utoff, ls_error_t *err)
{
    for (uint32_t i = 0; i < h->typecnt; i++) {
        const uint8_t *t = p + (size_t)i * 6;
        int32_t off = (int32_t)be32(t);
        if (off < LS__UTOFF_MIN || off > LS__UTOFF_MAX) {
            return ls_error_set(err, LS_ERR_PARSE,
                                "TZif %s: local time type %u: UT offset %d s out of range", name, i,
                                (int)off);
        }
        if (t[4] > 1 || t[5] >= h->charcnt) {
            return ls_error_set(err, LS_ERR_PARSE,
                                "TZif %s: local time type %u: bad DST flag %u or designation "
                                "index %u (%u designation bytes)",
                                name, i, t[4], t[5], h->charcnt);
        }
        utoff[i] = off;
    }
    return LS_OK;
}

/* Transitions: strictly ascending, every type index in range. */
static ls_err_t tzif_check_times(const uint8_t *p, const ls__tzif_hdr_t *h, unsigned tsize,
                                 const char *name, ls_error_t *err)
{
    const uint8_t *idx = p + (size_t)h->timecnt * tsize;
    int64_t prev = 0;
    for (uint32_t i = 0; i < h->timecnt; i++) {
        int64_t t = be_time(p + (size_t)i * tsize, tsize);
        if (i > 0 && t <= prev) {
            return ls_error_set(err, LS_ERR_PARSE,
                                "TZif %s: transition %u (%lld) is not after the previous one "
                                "(%lld)",
                                name, i, (long long)t, (long long)prev);
        }
        if (idx[i] >= h->typecnt) {
            return ls_error_set(err, LS_ERR_PARSE,
                                "TZif %s: transition %u: local time type %u out of range (%u "
                                "types)",
                                name, i, idx[i], h->typecnt);
        }
        prev = t;
    }
    return LS_OK;
}

/* The v2+ footer "\n<TZ string>\n" at @p pos; *s and *n get the (maybe empty) string. */
static ls_err_t tzif_footer(const uint8_t *data, size_t len, size_t pos, const char *name,
                            const char **s, size_t *n, ls_error_t *err)
{
    if (pos >= len || data[pos] != '\n') {
        return ls_error_set(err, LS_ERR_PARSE,
                            "TZif %s: missing footer at byte %zu (expected a newline)", name, pos);
    }
    const uint8_t *nl = memchr(data + pos + 1, '\n', len - pos - 1);
    if (nl == NULL) {
        return ls_error_set(err, LS_ERR_PARSE, "TZif %s: unterminated footer at byte %zu", name,
                            pos);
    }
    *s = (const char *)data + pos + 1;
    *n = (size_t)(nl - (data + pos + 1));
    return LS_OK;
}

/* Locate and check the data block to use: the v1 block of a v1 file, else the 64-bit one
 * after it, plus the footer. */
static ls_err_t tzif_locate(const uint8_t *data, size_t len, const char *name, ls__tzif_hdr_t *h,
                            size_t *pos, unsigned *tsize, const char **foot, size_t *nfoot,
                            ls_error_t *err)
{
    LS_TRY(tzif_header(data, len, 0, name, h, err));
    *pos = LS__TZIF_HDR;
    *tsize = 4;
    *foot = NULL;
    *nfoot = 0;
    if (h->version != 0) {
        uint64_t v1 = tzif_block_size(h, 4);
        if (v1 > len - *pos) {
            return ls_error_set(err, LS_ERR_PARSE,
                                "TZif %s: truncated version 1 data block (%llu bytes needed, "
                                "%zu present)",
                                name, (unsigned long long)v1, len - *pos);
        }
        *pos += (size_t)v1;
        LS_TRY(tzif_header(data, len, *pos, name, h, err));
        *pos += LS__TZIF_HDR;
        *tsize = 8;
    }
    LS_TRY(tzif_check_counts(h, *pos, len, *tsize, name, err));
    if (h->version != 0) {
        size_t end = *pos + (size_t)tzif_block_size(h, *tsize);
        LS_TRY(tzif_footer(data, len, end, name, foot, nfoot, err));
    }
    return LS_OK;
}

/* Build the zone from a checked block and optional rule. */
static ls_err_t tzif_build(const uint8_t *p, const ls__tzif_hdr_t *h, unsigned tsize,
                           const int32_t *utoff, const ls__tz_rule_t *r, const char *name,
                           ls_tz_t **out, ls_error_t *err)
{
    size_t nfile = h->timecnt;
    const uint8_t *idx = p + nfile * tsize;
    ls__tz_plan_t plan;
    size_t nexp = 0;
    if (r != NULL) {
        int64_t last = nfile > 0 ? be_time(p + (nfile - 1) * tsize, tsize) : 0;
        rule_plan(r, nfile, last, &plan);
        nexp = plan_count(r, &plan);
    }
    ls_tz_t *tz = tz_alloc(name, strlen(name), nfile + nexp);
    if (tz == NULL) {
        return ls_error_set(err, LS_ERR_NOMEM, "TZif %s: out of memory", name);
    }
    for (size_t i = 0; i < nfile; i++) {
        tz->at[i] = be_time(p + i * tsize, tsize);
        tz->off[i] = utoff[idx[i]];
    }
    tz->n = nfile;
    tz->off_before = utoff[0];
    if (r != NULL) {
        tz_attach_rule(tz, r, nfile, &plan, nexp);
    }
    *out = tz;
    return LS_OK;
}

ls_err_t ls_tz_parse_tzif(const uint8_t *data, size_t len, const char *name, ls_tz_t **out,
                          ls_error_t *err)
{
    ls__tzif_hdr_t h;
    size_t pos, nfoot;
    unsigned tsize;
    const char *foot;
    int32_t utoff[LS__TZIF_MAX_TYPES];
    *out = NULL;
    if (name == NULL) {
        name = "(tzif)";
    }
    if (data == NULL) {
        len = 0;
    }
    LS_TRY(tzif_locate(data, len, name, &h, &pos, &tsize, &foot, &nfoot, err));
    const uint8_t *p = data + pos;
    size_t types_at = (size_t)h.timecnt * (tsize + 1);
    LS_TRY(tzif_check_times(p, &h, tsize, name, err));
    LS_TRY(tzif_types(p + types_at, &h, name, utoff, err));
    ls__tz_rule_t rule;
    bool has_rule = false;
    if (nfoot > 0) {
        char what[320];
        snprintf(what, sizeof(what), "TZif %s: footer TZ string", name);
        LS_TRY(ls__tz_rule_parse(foot, nfoot, what, &rule, err));
        has_rule = true;
    }
    return tzif_build(p, &h, tsize, utoff, has_rule ? &rule : NULL, name, out, err);
}

/* ------------------------------------------------------------ lookup */

int32_t ls_tz_offset(const ls_tz_t *tz, int64_t t)
{
    if (tz == NULL) {
        return 0;
    }
    if (t > tz->rule_after) {
        return ls__tz_rule_offset(&tz->rule, t);
    }
    if (tz->n == 0 || t < tz->at[0]) {
        return tz->rule_below ? ls__tz_rule_offset(&tz->rule, t) : tz->off_before;
    }
    /* The last at[i] <= t, by a binary search whose step is a conditional move rather
     * than a branch: instants of a batch are not predictable per row. base[0] <= t. */
    const int64_t *base = tz->at;
    size_t len = tz->n;
    while (len > 1) {
        size_t half = len / 2;
        base = base[half] <= t ? base + half : base;
        len -= half;
    }
    return tz->off[base - tz->at];
}

const char *ls_tz_name(const ls_tz_t *tz)
{
    return tz != NULL ? tz->name : "UTC";
}

void ls_tz_free(ls_tz_t *tz)
{
    ls_free(tz); /* one allocation: see tz_alloc */
}

/* ------------------------------------------------------------ names */

static bool two_digits(const char *s, int32_t *v)
{
    if (s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9') {
        return false;
    }
    *v = (s[0] - '0') * 10 + (s[1] - '0');
    return true;
}

/* "+HH", "+HHMM", "+HH:MM" (or '-'): seconds east of UTC. */
static bool parse_fixed(const char *s, int32_t *off)
{
    int32_t h, m = 0;
    size_t n = strlen(s);
    if ((s[0] != '+' && s[0] != '-') || n < 3 || !two_digits(s + 1, &h)) {
        return false;
    }
    if (n == 5) {
        if (!two_digits(s + 3, &m)) {
            return false;
        }
    } else if (n == 6) {
        if (s[3] != ':' || !two_digits(s + 4, &m)) {
            return false;
        }
    } else if (n != 3) {
        return false;
    }
    if (h > 23 || m > 59) {
        return false;
    }
    *off = (s[0] == '-' ? -1 : 1) * (h * 3600 + m * 60);
    return true;
}

/* Offset of the first byte outside [A-Za-z0-9/_+-], or the length when there is none. */
static size_t iana_bad_char(const char *s)
{
    size_t i;
    for (i = 0; s[i] != '\0'; i++) {
        char c = s[i];
        bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                  c == '/' || c == '_' || c == '+' || c == '-';
        if (!ok) {
            break;
        }
    }
    return i;
}

/* Read and parse $TZDIR/name (or /usr/share/zoneinfo/name). */
static ls_err_t tz_from_file(const char *name, ls_tz_t **out, ls_error_t *err)
{
    const char *dir = getenv("TZDIR");
    if (dir == NULL || dir[0] == '\0') {
        dir = "/usr/share/zoneinfo";
    }
    char path[4096];
    int w = snprintf(path, sizeof(path), "%s/%s", dir, name);
    if (w < 0 || (size_t)w >= sizeof(path)) {
        return ls_error_set(err, LS_ERR_INVALID_ARG, "time zone \"%s\": path too long", name);
    }
    struct stat st;
    if (stat(path, &st) != 0) {
        bool missing = errno == ENOENT || errno == ENOTDIR;
        return ls_error_set(err, missing ? LS_ERR_NOT_FOUND : LS_ERR_IO,
                            "unknown time zone \"%s\": %s: %s", name, path, strerror(errno));
    }
    if (!S_ISREG(st.st_mode)) {
        return ls_error_set(err, LS_ERR_NOT_FOUND,
                            "unknown time zone \"%s\": %s is not a zone file", name, path);
    }
    ls_buf_t b;
    LS_TRY(ls_file_read_all(path, LS_TZ_FILE_MAX, &b, err));
    ls_err_t rc = ls_tz_parse_tzif(b.data, b.len, name, out, err);
    ls_buf_free(&b);
    if (rc != LS_OK) {
        ls_error_prefix(err, "reading %s: ", path);
    }
    return rc;
}

/* The forms that need no file: UTC and fixed offsets. Returns false when @p name is none
 * of them; else *rc says how building it went. Also rejects unsafe names. */
static bool tz_builtin(const char *name, ls_tz_t **out, ls_err_t *rc, ls_error_t *err)
{
    int32_t off = 0;
    size_t n = name != NULL ? strlen(name) : 0;
    *out = NULL;
    if (n == 0 || n > LS_TZ_NAME_MAX) {
        *rc = ls_error_set(err, LS_ERR_INVALID_ARG, "time zone name: %s",
                           n == 0 ? "empty" : "longer than 255 bytes");
        return true;
    }
    if (name[0] == '/' || strstr(name, "..") != NULL) {
        *rc = ls_error_set(err, LS_ERR_INVALID_ARG,
                           "time zone \"%s\": a name must not start with '/' or contain \"..\"",
                           name);
        return true;
    }
    bool utc = strcmp(name, "UTC") == 0 || strcmp(name, "Z") == 0;
    if (!utc && name[0] != '+' && name[0] != '-') {
        return false;
    }
    if (!utc && !parse_fixed(name, &off)) {
        *rc = ls_error_set(err, LS_ERR_INVALID_ARG,
                           "time zone \"%s\": a UTC offset is +HH, +HHMM or +HH:MM (or '-'), "
                           "hours 00-23, minutes 00-59",
                           name);
        return true;
    }
    *out = tz_fixed(name, off);
    *rc = *out != NULL ? LS_OK : ls_error_set(err, LS_ERR_NOMEM, "time zone: out of memory");
    return true;
}

/* An IANA-looking name: its file, else (when there is none) a POSIX TZ string. */
static ls_tz_t *tz_load_iana(const char *name, bool allow_files, ls_error_t *err)
{
    ls_tz_t *tz = NULL;
    ls_error_t e;
    if (!allow_files) {
        if (ls_tz_parse_posix(name, strlen(name), &tz, &e) != LS_ERR_PARSE) {
            if (tz == NULL && err != NULL) {
                *err = e;
            }
            return tz;
        }
        ls_error_set(err, LS_ERR_UNSUPPORTED, "time zone \"%s\": zone files are not allowed here",
                     name);
        return NULL;
    }
    ls_err_t rc = tz_from_file(name, &tz, &e);
    if (rc == LS_ERR_NOT_FOUND) {
        ls_error_t pe;
        ls_err_t prc = ls_tz_parse_posix(name, strlen(name), &tz, &pe);
        if (prc == LS_OK) {
            return tz;
        }
        if (prc != LS_ERR_PARSE) {
            e = pe; /* out of memory: say so rather than "unknown zone" */
        }
    }
    if (rc != LS_OK && err != NULL) {
        *err = e;
    }
    return tz;
}

ls_tz_t *ls__tz_load(const char *name, bool allow_files, ls_error_t *err)
{
    ls_tz_t *tz;
    ls_err_t rc;
    if (tz_builtin(name, &tz, &rc, err)) {
        return tz;
    }
    size_t bad = iana_bad_char(name);
    if (name[bad] == '\0') {
        return tz_load_iana(name, allow_files, err);
    }
    ls_error_t e;
    rc = ls_tz_parse_posix(name, strlen(name), &tz, &e);
    if (rc == LS_ERR_PARSE) {
        ls_error_set(err, LS_ERR_INVALID_ARG,
                     "time zone \"%s\" is neither an IANA name (byte 0x%02x at offset %zu is "
                     "not one of [A-Za-z0-9/_+-]) nor a POSIX TZ string (%s)",
                     name, (unsigned char)name[bad], bad, e.msg);
    } else if (rc != LS_OK && err != NULL) {
        *err = e;
    }
    return tz;
}

ls_tz_t *ls_tz_load(const char *name, ls_error_t *err)
{
    return ls__tz_load(name, true, err);
}

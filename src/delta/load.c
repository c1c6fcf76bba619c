/*
 * load.c — building snapshots from the log: `_last_checkpoint`, listing `_delta_log/`,
 * choosing the newest complete checkpoint at or before the target version, checking that
 * the commits after it are contiguous, replaying them, time travel by version or timestamp,
 * and the incremental update that applies only newer commits.
 *
 * Not responsible for: the reconciliation rules (snapshot.c), reading checkpoint files
 * (ckpt_read.c) or deciding whether the result may be read (gate.c).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "delta_int.h"
#include "lakesink/alloc.h"
#include "lakesink/json.h"
#include "lakesink/log.h"

void ls_delta_load_opts_init(ls_delta_load_opts_t *o)
{
    memset(o, 0, sizeof(*o));
    o->at = LS_DELTA_AT_LATEST;
    o->version = LS_DELTA_VERSION_LATEST;
    o->max_commit_bytes = LS__DELTA_DEFAULT_COMMIT_CAP;
}

/* ------------------------------------------------------------------ listing */

static bool ls__digits(const char *p, size_t n, int64_t *out)
{
    int64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9' || v > (INT64_MAX - 9) / 10) {
            return false;
        }
        v = v * 10 + (p[i] - '0');
    }
    *out = v;
    return true;
}

bool ls__delta_log_classify(const char *key, ls__log_entry_t *out)
{
    memset(out, 0, sizeof(*out));
    size_t pl = strlen(LS__DELTA_LOG_PREFIX);
    if (strncmp(key, LS__DELTA_LOG_PREFIX, pl) != 0) {
        return false;
    }
    const char *n = key + pl;
    if (strchr(n, '/') != NULL || strlen(n) < 21 || n[20] != '.' ||
        !ls__digits(n, 20, &out->version)) {
        return false;
    }
    const char *rest = n + 21;
    size_t rl = strlen(rest);
    int64_t part, parts;
    if (strcmp(rest, "json") == 0) {
        out->kind = LS__LOG_JSON;
    } else if (strcmp(rest, "checkpoint.parquet") == 0) {
        out->kind = LS__LOG_CP_CLASSIC;
    } else if (rl == 40 && strncmp(rest, "checkpoint.", 11) == 0 && rest[21] == '.' &&
               strcmp(rest + 32, ".parquet") == 0 && ls__digits(rest + 11, 10, &part) &&
               ls__digits(rest + 22, 10, &parts) && part >= 1 && part <= parts &&
               parts <= UINT32_MAX) {
        out->kind = LS__LOG_CP_PART;
        out->part = (uint32_t)part;
        out->parts = (uint32_t)parts;
    } else if (rl == 11 + 36 + 5 && strncmp(rest, "checkpoint.", 11) == 0 &&
               strcmp(rest + 47, ".json") == 0) {
        out->kind = LS__LOG_CP_UUID;
        out->json_format = true;
    } else if (rl == 11 + 36 + 8 && strncmp(rest, "checkpoint.", 11) == 0 &&
               strcmp(rest + 47, ".parquet") == 0) {
        out->kind = LS__LOG_CP_UUID;
    } else {
        return false; /* .crc, .compacted.json, temp files: not needed for replay */
    }
    return true;
}

static ls_err_t ls__list_cb(void *ud, const ls_store_entry_t *se, ls_error_t *err)
{
    ls__log_list_t *l = ud;
    ls__log_entry_t e;
    if (!ls__delta_log_classify(se->key, &e)) {
        return LS_OK;
    }
    if (l->n == l->cap) {
        size_t ncap = l->cap ? l->cap * 2 : 64;
        if (ncap > LS__DELTA_MAX_LIST) {
            return ls_error_set(err, LS_ERR_LIMIT, "more than %zu entries in _delta_log/",
                                LS__DELTA_MAX_LIST);
        }
        ls__log_entry_t *v = ls_reallocarray(l->e, ncap, sizeof(*v));
        if (v == NULL) {
            return ls_error_set(err, LS_ERR_NOMEM, "out of memory listing _delta_log/");
        }
        l->e = v;
        l->cap = ncap;
    }
    e.mtime_ms = se->mtime_ms;
    e.size = se->size;
    if (e.kind == LS__LOG_CP_UUID && (e.key = ls_strdup(se->key)) == NULL) {
        return ls_error_set(err, LS_ERR_NOMEM, "out of memory listing _delta_log/");
    }
    l->e[l->n++] = e;
    return LS_OK;
}

ls_err_t ls__delta_log_list(ls_store_t *st, const char *start_after, ls__log_list_t *out,
                            ls_error_t *err)
{
    memset(out, 0, sizeof(*out));
    ls_err_t rc = ls_store_list(st, LS__DELTA_LOG_PREFIX, start_after, ls__list_cb, out, err);
    if (rc != LS_OK) {
        ls__delta_log_list_free(out);
    }
    return rc;
}

void ls__delta_log_list_free(ls__log_list_t *l)
{
    for (size_t i = 0; i < l->n; i++) {
        ls_free(l->e[i].key);
    }
    ls_free(l->e);
    memset(l, 0, sizeof(*l));
}

/* ------------------------------------------------------------------ _last_checkpoint */

/* Version named by _last_checkpoint, or -1 when it is missing or unusable. */
static ls_err_t ls__last_checkpoint(ls_store_t *st, int64_t *version, ls_error_t *err)
{
    *version = -1;
    ls_buf_t b;
    ls_buf_init(&b, 1 << 20);
    ls_error_t e;
    ls_err_t rc = ls_store_get(st, LS__DELTA_LAST_CP_KEY, &b, &e);
    if (rc == LS_ERR_NOT_FOUND || rc == LS_ERR_LIMIT) {
        ls_buf_free(&b);
        return LS_OK;
    }
    if (rc != LS_OK) {
        ls_buf_free(&b);
        return ls_error_set(err, rc, "%s", e.msg);
    }
    ls_arena_t *a = ls_arena_new(4096, 4 << 20);
    ls_json_value_t *root = NULL;
    if (a == NULL) {
        ls_buf_free(&b);
        return ls_error_set(err, LS_ERR_NOMEM, "out of memory reading _last_checkpoint");
    }
    if (ls_json_parse((const char *)b.data, b.len, a, &root, &e) == LS_OK) {
        const ls_json_value_t *v = ls_json_get(root, "version");
        if (v != NULL && v->kind == LS_JSON_NUMBER && v->is_int && v->i64 >= 0) {
            *version = v->i64;
        }
    }
    if (*version < 0) {
        ls_logf(LS_LOG_WARN, LS__DELTA_COMPONENT,
                "%s: _delta_log/_last_checkpoint is unreadable; listing the log instead",
                ls_store_uri(st));
    }
    ls_arena_free(a);
    ls_buf_free(&b);
    return LS_OK;
}

/* ------------------------------------------------------------------ planning */

typedef struct {
    int64_t target;     /* version to build */
    int64_t cp_version; /* -1 = none */
    size_t cp_first;    /* entries of the chosen checkpoint: l->e[cp_first .. +cp_n) */
    size_t cp_n;
    int64_t target_mtime;
} ls__plan_t;

/* Is there a complete set of @p parts parts for the version starting at index @p i? */
static bool ls__parts_complete(const ls__log_list_t *l, size_t i, int64_t v, uint32_t parts,
                               size_t *first)
{
    uint32_t next = 1;
    for (size_t j = i; j < l->n && l->e[j].version == v; j++) {
        const ls__log_entry_t *e = &l->e[j];
        if (e->kind == LS__LOG_CP_PART && e->parts == parts && e->part == next) {
            if (next == 1) {
                *first = j;
            }
            if (next++ == parts) {
                return true;
            }
        }
    }
    return false;
}

/* Best complete checkpoint among the entries of version v starting at index i. */
static bool ls__cp_at(const ls__log_list_t *l, size_t i, ls__plan_t *p)
{
    int64_t v = l->e[i].version;
    size_t uuid = SIZE_MAX, parts_first = SIZE_MAX;
    uint32_t parts = 0;
    for (size_t j = i; j < l->n && l->e[j].version == v; j++) {
        const ls__log_entry_t *e = &l->e[j];
        if (e->kind == LS__LOG_CP_CLASSIC) {
            p->cp_first = j;
            p->cp_n = 1;
            return true;
        }
        if (e->kind == LS__LOG_CP_UUID && uuid == SIZE_MAX) {
            uuid = j;
        }
        if (e->kind == LS__LOG_CP_PART && e->part == 1 && parts_first == SIZE_MAX &&
            ls__parts_complete(l, i, v, e->parts, &parts_first)) {
            parts = e->parts;
        }
    }
    if (uuid != SIZE_MAX) {
        p->cp_first = uuid;
        p->cp_n = 1;
        return true;
    }
    if (parts > 0) {
        p->cp_first = parts_first;
        p->cp_n = parts;
        return true;
    }
    return false; /* an incomplete multi-part set is ignored */
}

static ls_err_t ls__plan(ls_store_t *st, const ls__log_list_t *l, int64_t target,
                         ls__plan_t *p, ls_error_t *err)
{
    memset(p, 0, sizeof(*p));
    p->cp_version = -1;
    if (l->n == 0) {
        return ls_error_set(err, LS_ERR_NOT_FOUND,
                            "no Delta table at %s: _delta_log/ is missing or holds no commits",
                            ls_store_uri(st));
    }
    int64_t latest = l->e[l->n - 1].version;
    if (target < 0) {
        target = latest;
    } else if (target > latest) {
        return ls_error_set(err, LS_ERR_NOT_FOUND,
                            "%s: version %lld does not exist (the latest is %lld)",
                            ls_store_uri(st), (long long)target, (long long)latest);
    }
    p->target = target;
    for (size_t i = 0; i < l->n && l->e[i].version <= target; i++) {
        if (i > 0 && l->e[i].version == l->e[i - 1].version) {
            continue;
        }
        ls__plan_t cand = *p;
        if (ls__cp_at(l, i, &cand)) {
            *p = cand;
            p->cp_version = l->e[i].version;
        }
    }
    /* the commits after the checkpoint must all be there */
    int64_t expect = p->cp_version + 1;
    p->target_mtime = p->cp_n ? l->e[p->cp_first].mtime_ms : 0;
    for (size_t i = 0; i < l->n && l->e[i].version <= target; i++) {
        const ls__log_entry_t *e = &l->e[i];
        if (e->kind != LS__LOG_JSON || e->version < expect) {
            if (e->kind == LS__LOG_JSON && e->version == target) {
                p->target_mtime = e->mtime_ms;
            }
            continue;
        }
        if (e->version > expect) {
            break;
        }
        p->target_mtime = e->mtime_ms;
        expect++;
    }
    if (expect <= target) {
        return ls_error_set(err, LS_ERR_CORRUPT,
                            "%s: Delta log is not contiguous: commit %lld (%020lld.json) is "
                            "missing, needed to reach version %lld%s",
                            ls_store_uri(st), (long long)expect, (long long)expect,
                            (long long)target,
                            p->cp_version < 0 ? " and no checkpoint covers it" : "");
    }
    return LS_OK;
}

/* ------------------------------------------------------------------ replay */

/*
 * The commitInfo among the first lines of commit @p v (writers put it first; in-commit
 * timestamps require it), reading at most 1 MiB. *json (may be NULL) receives a copy the
 * caller frees; returns its inCommitTimestamp or -1. Failures just mean "none".
 */
static int64_t ls__leading_commit_info(ls_store_t *st, int64_t v, uint64_t size, char **json)
{
    char key[LS_DELTA_KEY_MAX];
    ls_delta_commit_key(v, key);
    ls_buf_t b;
    ls_buf_init(&b, 1 << 20);
    size_t want = size < (1 << 20) ? (size_t)size : (1 << 20);
    int64_t ict = -1;
    ls_arena_t *a = ls_arena_new(1 << 12, 0);
    ls_error_t e;
    if (json != NULL) {
        *json = NULL;
    }
    if (a == NULL || ls_store_get_range(st, key, 0, want, &b, &e) != LS_OK) {
        goto out;
    }
    for (size_t pos = 0, lines = 0; pos < b.len && lines < 4; lines++) {
        const char *nl = memchr(b.data + pos, '\n', b.len - pos);
        if (nl == NULL && want < size) {
            break; /* a partial line */
        }
        size_t end = nl ? (size_t)(nl - (const char *)b.data) : b.len;
        ls_delta_action_t act;
        if (ls_delta_action_parse((const char *)b.data + pos, end - pos, a, &act, &e) == LS_OK &&
            act.kind == LS_DELTA_ACT_COMMIT_INFO) {
            const ls_delta_commit_info_t *ci = &act.u.commit_info;
            ict = ci->has_in_commit_timestamp ? ci->in_commit_timestamp : -1;
            if (json != NULL) {
                *json = ls_strdup(ci->json);
            }
            break;
        }
        pos = end + 1;
    }
out:
    ls_arena_free(a);
    ls_buf_free(&b);
    return ict;
}

static ls_err_t ls__replay(ls_delta_snapshot_t *s, const ls__log_list_t *l, const ls__plan_t *p,
                           ls_error_t *err)
{
    if (p->cp_version >= 0) {
        LS_TRY(ls__delta_ckpt_read(s, &l->e[p->cp_first], p->cp_n, err));
        s->version = p->cp_version;
        s->cp_version = p->cp_version;
        s->timestamp = p->target_mtime;
    }
    ls_arena_t *arena = ls_arena_new(1 << 16, 0);
    if (arena == NULL) {
        return ls_error_set(err, LS_ERR_NOMEM, "out of memory replaying the Delta log");
    }
    ls_err_t rc = LS_OK;
    for (size_t i = 0; rc == LS_OK && i < l->n && l->e[i].version <= p->target; i++) {
        const ls__log_entry_t *e = &l->e[i];
        if (e->kind == LS__LOG_JSON && e->version > p->cp_version) {
            rc = ls__delta_commit_apply(s, e->version, e->mtime_ms, arena, NULL, err);
            ls_arena_reset(arena);
        }
    }
    ls_arena_free(arena);
    if (rc == LS_OK && p->cp_version == p->target && s->commit_info == NULL) {
        /* only a checkpoint: commitInfo and an inCommitTimestamp live in the JSON commit */
        for (size_t i = 0; i < l->n; i++) {
            if (l->e[i].kind == LS__LOG_JSON && l->e[i].version == p->target) {
                s->last_ict =
                    ls__leading_commit_info(s->st, p->target, l->e[i].size, &s->commit_info);
                s->timestamp = s->last_ict >= 0 ? s->last_ict : l->e[i].mtime_ms;
            }
        }
    }
    return rc;
}

static ls_err_t ls__build(ls_delta_snapshot_t *s, const ls__log_list_t *l, const ls__plan_t *p,
                          ls_error_t *err)
{
    LS_TRY(ls__replay(s, l, p, err));
    char what[128];
    if (p->cp_version >= 0) {
        snprintf(what, sizeof(what), "checkpoint %lld and commits %lld..%lld",
                 (long long)p->cp_version, (long long)p->cp_version + 1, (long long)p->target);
    } else {
        snprintf(what, sizeof(what), "commits 0..%lld", (long long)p->target);
    }
    return ls__delta_snap_finish(s, what, err);
}

/* ------------------------------------------------------------------ time travel */

/*
 * The rule: a commit's timestamp is its inCommitTimestamp when the newest commit carries
 * one (In-Commit Timestamps enabled) and the commit itself has one; otherwise the commit
 * file's modification time, raised to the previous commit's timestamp + 1 when the clock
 * went backwards (as Spark does). The answer is the newest version whose timestamp is at or
 * before @p ts; a timestamp after the newest commit gives the newest version.
 */
static ls_err_t ls__version_at(ls_store_t *st, const ls__log_list_t *l, int64_t ts,
                               int64_t *version, ls_error_t *err)
{
    size_t n = 0;
    for (size_t i = 0; i < l->n; i++) {
        n += l->e[i].kind == LS__LOG_JSON;
    }
    if (n == 0) {
        return ls_error_set(err, LS_ERR_NOT_FOUND, "no Delta table at %s", ls_store_uri(st));
    }
    const ls__log_entry_t **c = ls_calloc(n, sizeof(*c));
    int64_t *t = ls_calloc(n, sizeof(*t));
    if (c == NULL || t == NULL) {
        ls_free(c);
        ls_free(t);
        return ls_error_set(err, LS_ERR_NOMEM, "out of memory resolving a timestamp");
    }
    size_t k = 0;
    for (size_t i = 0; i < l->n; i++) {
        if (l->e[i].kind == LS__LOG_JSON) {
            c[k] = &l->e[i];
            t[k] = k > 0 && l->e[i].mtime_ms <= t[k - 1] ? t[k - 1] + 1 : l->e[i].mtime_ms;
            k++;
        }
    }
    bool ict = ls__leading_commit_info(st, c[n - 1]->version, c[n - 1]->size, NULL) >= 0;
    /* binary search for the last index whose timestamp <= ts */
    size_t lo = 0, hi = n; /* answer in [lo-1, hi) */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int64_t tm = t[mid];
        if (ict) {
            int64_t x = ls__leading_commit_info(st, c[mid]->version, c[mid]->size, NULL);
            tm = x >= 0 ? x : tm;
        }
        if (tm <= ts) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    ls_err_t rc = LS_OK;
    if (lo == 0) {
        rc = ls_error_set(err, LS_ERR_NOT_FOUND,
                          "%s: timestamp %lld ms is before the earliest commit (version %lld)",
                          ls_store_uri(st), (long long)ts, (long long)c[0]->version);
    } else {
        *version = c[lo - 1]->version;
    }
    ls_free(c);
    ls_free(t);
    return rc;
}

/* ------------------------------------------------------------------ public */

static ls_err_t ls__load(ls_delta_snapshot_t *s, const ls_delta_load_opts_t *o, ls_error_t *err)
{
    int64_t target = o->at == LS_DELTA_AT_VERSION ? o->version : -1;
    if (o->at == LS_DELTA_AT_VERSION && o->version < 0) {
        return ls_error_set(err, LS_ERR_INVALID_ARG, "time travel to negative version %lld",
                            (long long)o->version);
    }
    int64_t lc = -1;
    if (o->at != LS_DELTA_AT_TIMESTAMP) {
        LS_TRY(ls__last_checkpoint(s->st, &lc, err));
    }
    ls__log_list_t l;
    ls__plan_t p;
    ls_err_t rc;
    if (lc >= 0 && (target < 0 || lc <= target)) {
        char after[LS_DELTA_KEY_MAX];
        snprintf(after, sizeof(after), LS__DELTA_LOG_PREFIX "%020" PRId64, lc);
        LS_TRY(ls__delta_log_list(s->st, after, &l, err));
        rc = ls__plan(s->st, &l, target, &p, err);
        if (rc == LS_OK && p.cp_version == lc) {
            rc = ls__build(s, &l, &p, err);
            ls__delta_log_list_free(&l);
            return rc;
        }
        /* the checkpoint _last_checkpoint names is gone or incomplete: list everything */
        ls__delta_log_list_free(&l);
    }
    LS_TRY(ls__delta_log_list(s->st, NULL, &l, err));
    rc = LS_OK;
    if (o->at == LS_DELTA_AT_TIMESTAMP) {
        rc = ls__version_at(s->st, &l, o->timestamp_ms, &target, err);
    }
    if (rc == LS_OK) {
        rc = ls__plan(s->st, &l, target, &p, err);
    }
    if (rc == LS_OK) {
        rc = ls__build(s, &l, &p, err);
    }
    ls__delta_log_list_free(&l);
    return rc;
}

ls_err_t ls_delta_snapshot_load(ls_store_t *st, const ls_delta_load_opts_t *opts,
                                ls_delta_snapshot_t **out, ls_error_t *err)
{
    ls_delta_load_opts_t dflt;
    if (opts == NULL) {
        ls_delta_load_opts_init(&dflt);
        opts = &dflt;
    }
    *out = NULL;
    ls_delta_snapshot_t *s = ls__delta_snap_new(st, opts->max_commit_bytes);
    if (s == NULL) {
        return ls_error_set(err, LS_ERR_NOMEM, "out of memory loading a Delta snapshot");
    }
    s->check_read = !opts->skip_read_check;
    ls_err_t rc = ls__load(s, opts, err);
    if (rc == LS_OK && s->check_read) {
        rc = ls_delta_check_read(s, err);
    }
    if (rc != LS_OK) {
        ls_delta_snapshot_free(s);
        return rc;
    }
    *out = s;
    return LS_OK;
}

static ls_err_t ls__update(ls_delta_snapshot_t *s, bool *changed, ls_error_t *err)
{
    /* from this version's own files on: a checkpoint of it sorts before its JSON */
    char after[LS_DELTA_KEY_MAX];
    snprintf(after, sizeof(after), LS__DELTA_LOG_PREFIX "%020" PRId64, s->version);
    ls__log_list_t l;
    LS_TRY(ls__delta_log_list(s->st, after, &l, err));
    int64_t expect = s->version + 1;
    ls_err_t rc = LS_OK;
    for (size_t i = 0; i < l.n; i++) {
        const ls__log_entry_t *e = &l.e[i];
        if (e->kind == LS__LOG_JSON && e->version <= s->version) {
            continue;
        }
        if (e->kind == LS__LOG_JSON && e->version != expect) {
            rc = ls_error_set(err, LS_ERR_CORRUPT,
                              "%s: Delta log is not contiguous: commit %lld is missing",
                              ls_store_uri(s->st), (long long)expect);
            break;
        }
        if (e->kind == LS__LOG_JSON) {
            expect++;
        }
    }
    ls_arena_t *arena = rc == LS_OK ? ls_arena_new(1 << 16, 0) : NULL;
    if (rc == LS_OK && arena == NULL) {
        rc = ls_error_set(err, LS_ERR_NOMEM, "out of memory updating a Delta snapshot");
    }
    int64_t cp = -1;
    for (size_t i = 0; rc == LS_OK && i < l.n; i++) {
        const ls__log_entry_t *e = &l.e[i];
        if (e->kind == LS__LOG_JSON && e->version > s->version) {
            /* each commit applies whole or not at all (ls__delta_commit_apply marks the
             * snapshot broken in the one case it cannot promise that: OOM mid-apply) */
            rc = ls__delta_commit_apply(s, e->version, e->mtime_ms, arena, NULL, err);
            *changed = *changed || rc == LS_OK;
            ls_arena_reset(arena);
        } else if (e->kind == LS__LOG_CP_CLASSIC || e->kind == LS__LOG_CP_UUID) {
            cp = e->version;
        }
    }
    if (rc == LS_OK && cp >= 0) {
        ls_delta_snapshot_note_checkpoint(s, cp);
    }
    ls_arena_free(arena);
    ls__delta_log_list_free(&l);
    return rc;
}

ls_err_t ls_delta_snapshot_update(ls_delta_snapshot_t *s, bool *changed, ls_error_t *err)
{
    bool dummy = false;
    changed = changed ? changed : &dummy;
    *changed = false;
    if (s->broken) {
        return ls_error_set(err, LS_ERR_STATE,
                            "Delta snapshot of %s failed an earlier update: reload it",
                            ls_store_uri(s->st));
    }
    ls_err_t rc = ls__update(s, changed, err);
    if (!s->broken && s->schema == NULL) {
        /* a new metaData arrived, maybe before a later commit failed: parse it in any case */
        ls_error_t e;
        if (ls__delta_snap_schema(s, &e) != LS_OK) {
            s->broken = true;
            rc = rc != LS_OK ? rc : ls_error_set(err, e.code, "%s", e.msg);
        }
    }
    if (rc == LS_OK && *changed && s->check_read) {
        rc = ls_delta_check_read(s, err); /* a new protocol may need what we cannot read */
        s->broken = rc != LS_OK;
    }
    return rc;
}

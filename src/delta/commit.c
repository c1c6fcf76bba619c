/*
 * commit.c — one commit file: split into lines, parse every action first (a corrupt commit
 * must change nothing), then apply them in order and record the commit's commitInfo and
 * timestamp on the snapshot.
 *
 * Not responsible for: choosing which commits to read (load.c) or writing commits (tx.c).
 */
#include <stdio.h>
#include <string.h>

#include "delta_int.h"
#include "lakesink/alloc.h"

ls_err_t ls__delta_actvec_push(ls__actvec_t *av, const ls_delta_action_t *a, ls_error_t *err)
{
    if (av->n == av->cap) {
        size_t ncap = av->cap ? av->cap * 2 : 16;
        if (ncap > LS__DELTA_MAX_ACTIONS) {
            return ls_error_set(err, LS_ERR_LIMIT, "more than %zu actions in one file",
                                LS__DELTA_MAX_ACTIONS);
        }
        ls_delta_action_t *v = ls_reallocarray(av->v, ncap, sizeof(*v));
        if (v == NULL) {
            return ls_error_set(err, LS_ERR_NOMEM, "out of memory collecting actions");
        }
        av->v = v;
        av->cap = ncap;
    }
    av->v[av->n++] = *a;
    return LS_OK;
}

void ls__delta_actvec_free(ls__actvec_t *av)
{
    ls_free(av->v);
    memset(av, 0, sizeof(*av));
}

static bool ls__blank(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r') {
            return false;
        }
    }
    return true;
}

ls_err_t ls__delta_commit_parse(const char *data, size_t len, const char *name, ls_arena_t *arena,
                                ls__actvec_t *out, ls_error_t *err)
{
    /* each line's JSON tree lives in a scratch arena; only a compact copy of the action is
     * kept, so a huge commit costs about its own size, not the size of its trees */
    ls_arena_t *dom = ls_arena_new(1 << 14, 0);
    if (dom == NULL) {
        return ls_error_set(err, LS_ERR_NOMEM, "out of memory parsing %s", name);
    }
    ls_err_t rc = LS_OK;
    size_t line = 0;
    for (size_t pos = 0; rc == LS_OK && pos < len;) {
        const char *nl = memchr(data + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - data) : len;
        line++;
        if (!ls__blank(data + pos, end - pos)) {
            ls_delta_action_t a, c;
            rc = ls_delta_action_parse(data + pos, end - pos, dom, &a, err);
            if (rc != LS_OK) {
                rc = ls_error_prefix(err, "%s line %zu: ", name, line);
            } else if (a.kind != LS_DELTA_ACT_UNKNOWN) {
                rc = ls__delta_action_copy(arena, &a, &c);
                rc = rc == LS_OK ? ls__delta_actvec_push(out, &c, err)
                                 : ls_error_set(err, rc, "out of memory parsing %s", name);
            }
            ls_arena_reset(dom);
        }
        pos = end + 1;
    }
    ls_arena_free(dom);
    return rc;
}

ls_err_t ls__delta_commit_apply_actions(ls_delta_snapshot_t *s, int64_t version, int64_t mtime_ms,
                                        const ls__actvec_t *av, ls_error_t *err)
{
    const ls_delta_commit_info_t *ci = NULL;
    for (size_t i = 0; i < av->n; i++) {
        const ls_delta_action_t *a = &av->v[i];
        if (a->kind == LS_DELTA_ACT_COMMIT_INFO) {
            ci = ci ? ci : &a->u.commit_info;
            continue;
        }
        ls_err_t rc = ls__delta_snap_apply(s, a, err);
        if (rc != LS_OK) {
            return ls_error_prefix(err, "applying commit %lld: ", (long long)version);
        }
    }
    char *json = NULL;
    if (ci != NULL && (json = ls_strdup(ci->json)) == NULL) {
        return ls_error_set(err, LS_ERR_NOMEM, "out of memory applying commit %lld",
                            (long long)version);
    }
    ls_free(s->commit_info);
    s->commit_info = json;
    s->last_ict = ci != NULL && ci->has_in_commit_timestamp ? ci->in_commit_timestamp : -1;
    s->timestamp = s->last_ict >= 0 ? s->last_ict : mtime_ms;
    s->version = version;
    return LS_OK;
}

ls_err_t ls__delta_commit_apply(ls_delta_snapshot_t *s, int64_t version, int64_t mtime_ms,
                                ls_arena_t *arena, ls__actvec_t *actions, ls_error_t *err)
{
    char key[LS_DELTA_KEY_MAX];
    ls_delta_commit_key(version, key);
    ls_buf_t b;
    ls_buf_init(&b, s->max_commit_bytes);
    ls__actvec_t local = {0};
    ls__actvec_t *av = actions ? actions : &local;
    ls_err_t rc = ls_store_get(s->st, key, &b, err);
    if (rc == LS_ERR_NOT_FOUND) {
        rc = ls_error_set(err, LS_ERR_CORRUPT, "Delta log: commit %lld (%s) is missing",
                          (long long)version, key);
    } else if (rc == LS_OK) {
        rc = ls__delta_commit_parse((const char *)b.data, b.len, key, arena, av, err);
    }
    if (rc == LS_OK) {
        /* parsing changed nothing; a failure while applying leaves the state part-way */
        rc = ls__delta_commit_apply_actions(s, version, mtime_ms, av, err);
        s->broken = s->broken || rc != LS_OK;
    }
    ls_buf_free(&b);
    ls__delta_actvec_free(&local);
    return rc;
}

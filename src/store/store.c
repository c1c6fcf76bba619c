/*
 * store.c — the store front end: picks the backend from the URI, checks keys and arguments
 * once for every backend, owns writers' and sources' generic parts, and keeps the counters.
 *
 * Not responsible for: any I/O (local.c and s3.c do it).
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "lakesink/alloc.h"
#include "store_int.h"

void ls_store_opts_init(ls_store_opts_t *o)
{
    memset(o, 0, sizeof(*o));
    o->path_style = -1;
    o->part_size = LS_STORE_DEFAULT_PART_SIZE;
    o->list_page_size = 1000;
    o->connect_timeout_ms = 10000;
    o->stall_timeout_ms = 30000;
    o->retry.max_attempts = 8;
    o->retry.base_ms = 100;
    o->retry.cap_ms = 10000;
    o->retry.breaker_threshold = 10;
    o->retry.breaker_cooldown_ms = 30000;
    o->fsync = true;
}

ls_err_t ls__store_key_check(const char *key, ls_error_t *err)
{
    if (key == NULL || key[0] == '\0') {
        return ls_error_set(err, LS_ERR_INVALID_ARG, "empty object key");
    }
    if (key[0] == '/') {
        return ls_error_set(err, LS_ERR_INVALID_ARG, "object key '%s' must be relative", key);
    }
    /* every component must be non-empty and not "." or "..": a key must name the same
     * object on every backend, and must never escape the table root on a file system */
    const char *p = key;
    for (;;) {
        const char *slash = strchr(p, '/');
        size_t n = slash ? (size_t)(slash - p) : strlen(p);
        if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.')) {
            return ls_error_set(err, LS_ERR_INVALID_ARG,
                                "object key '%s' has an empty, '.' or '..' component", key);
        }
        if (slash == NULL) {
            break;
        }
        p = slash + 1;
    }
    return LS_OK;
}

/* Decode %XX escapes of a file: URI path; NULL on a malformed escape or OOM. */
static char *ls__file_uri_path(const char *s)
{
    size_t n = strlen(s);
    char *out = ls_malloc(n + 1);
    if (out == NULL) {
        return NULL;
    }
    size_t j = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '%') {
            out[j++] = s[i];
            continue;
        }
        unsigned v = 0;
        for (int k = 1; k <= 2; k++) {
            char c = i + (size_t)k < n ? s[i + (size_t)k] : '\0';
            int d = c >= '0' && c <= '9'   ? c - '0'
                    : c >= 'a' && c <= 'f' ? c - 'a' + 10
                    : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                           : -1;
            if (d < 0) {
                ls_free(out);
                return NULL;
            }
            v = v * 16 + (unsigned)d;
        }
        if (v == 0) {
            ls_free(out);
            return NULL;
        }
        out[j++] = (char)v;
        i += 2;
    }
    out[j] = '\0';
    return out;
}

static ls_err_t ls__open_local(ls_store_t *st, const char *uri, ls_error_t *err)
{
    char *root = NULL;
    if (strncmp(uri, "file:", 5) == 0) {
        const char *p = uri + 5;
        if (strncmp(p, "//", 2) == 0) {
            p += 2;
            if (strncmp(p, "localhost/", 10) == 0) {
                p += 9;
            }
        }
        if (p[0] != '/') {
            return ls_error_set(err, LS_ERR_INVALID_ARG,
                                "%s: a file URI needs an absolute path (file:///dir)", uri);
        }
        root = ls__file_uri_path(p);
        if (root == NULL) {
            return ls_error_set(err, LS_ERR_INVALID_ARG, "%s: bad %%-escape in file URI", uri);
        }
    } else {
        root = ls_strdup(uri);
        if (root == NULL) {
            return ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", uri);
        }
    }
    /* drop trailing slashes so "dir/" and "dir" name the same root */
    size_t n = strlen(root);
    while (n > 1 && root[n - 1] == '/') {
        root[--n] = '\0';
    }
    ls_err_t rc = ls__store_local_init(st, root, err);
    ls_free(root);
    return rc;
}

static ls_err_t ls__check_opts(const ls_store_opts_t *o, ls_error_t *err)
{
    if (o->part_size < LS_STORE_MIN_PART_SIZE || o->part_size > ((size_t)5 << 30)) {
        return ls_error_set(err, LS_ERR_CONFIG, "part size %zu is outside [5 MiB, 5 GiB]",
                            o->part_size);
    }
    if (o->list_page_size < 1 || o->list_page_size > 1000) {
        return ls_error_set(err, LS_ERR_CONFIG, "list page size %u is outside [1, 1000]",
                            o->list_page_size);
    }
    if (o->retry.max_attempts < 1 || o->retry.max_attempts > 100) {
        return ls_error_set(err, LS_ERR_CONFIG, "retry max attempts %u is outside [1, 100]",
                            o->retry.max_attempts);
    }
    if (o->retry.cap_ms < o->retry.base_ms) {
        return ls_error_set(err, LS_ERR_CONFIG, "retry cap %u ms is below the base %u ms",
                            o->retry.cap_ms, o->retry.base_ms);
    }
    if (o->sse != NULL && strcmp(o->sse, "AES256") != 0 && strcmp(o->sse, "aws:kms") != 0) {
        return ls_error_set(err, LS_ERR_CONFIG, "sse '%s' is not AES256 or aws:kms", o->sse);
    }
    if (o->sse_kms_key_id != NULL && (o->sse == NULL || strcmp(o->sse, "aws:kms") != 0)) {
        return ls_error_set(err, LS_ERR_CONFIG, "an SSE KMS key id needs sse = aws:kms");
    }
    return LS_OK;
}

ls_err_t ls_store_open(const char *uri, const ls_store_opts_t *opts, ls_store_t **out,
                       ls_error_t *err)
{
    *out = NULL;
    if (uri == NULL || uri[0] == '\0') {
        return ls_error_set(err, LS_ERR_INVALID_ARG, "empty store URI");
    }
    ls_store_opts_t defaults;
    ls_store_opts_init(&defaults);
    const ls_store_opts_t *o = opts ? opts : &defaults;
    LS_TRY(ls__check_opts(o, err));
    ls_store_t *st = ls_calloc(1, sizeof(*st));
    if (st == NULL || (st->uri = ls_strdup(uri)) == NULL) {
        ls_free(st);
        return ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", uri);
    }
    pthread_mutex_init(&st->mu, NULL);
    st->opts = *o;
    ls_err_t rc;
    if (strncmp(uri, "s3://", 5) == 0 || strncmp(uri, "s3a://", 6) == 0) {
        rc = ls__store_s3_init(st, strchr(uri, ':') + 3, o, err);
    } else if (strstr(uri, "://") != NULL && strncmp(uri, "file://", 7) != 0) {
        rc = ls_error_set(err, LS_ERR_UNSUPPORTED, "%s: unsupported URI scheme", uri);
    } else {
        rc = ls__open_local(st, uri, err);
    }
    /* the backend copied what it needs: drop the borrowed pointers */
    st->opts.region = st->opts.endpoint = st->opts.profile = NULL;
    st->opts.access_key_id = st->opts.secret_access_key = st->opts.session_token = NULL;
    st->opts.sse = st->opts.sse_kms_key_id = NULL;
    if (rc != LS_OK) {
        st->ops = NULL;
        ls_store_free(st);
        return rc;
    }
    *out = st;
    return LS_OK;
}

void ls_store_free(ls_store_t *st)
{
    if (st == NULL) {
        return;
    }
    if (st->ops != NULL) {
        st->ops->free(st);
    }
    pthread_mutex_destroy(&st->mu);
    ls_free(st->uri);
    ls_free(st);
}

const char *ls_store_uri(const ls_store_t *st)
{
    return st->uri;
}

bool ls_store_is_remote(const ls_store_t *st)
{
    return st->ops == &ls__store_s3_ops;
}

ls_err_t ls_store_get(ls_store_t *st, const char *key, ls_buf_t *out, ls_error_t *err)
{
    LS_TRY(ls__store_key_check(key, err));
    return st->ops->get(st, key, false, 0, 0, out, err);
}

ls_err_t ls_store_get_range(ls_store_t *st, const char *key, uint64_t offset, size_t len,
                            ls_buf_t *out, ls_error_t *err)
{
    LS_TRY(ls__store_key_check(key, err));
    if (offset > UINT64_MAX - len) {
        return ls_error_set(err, LS_ERR_INVALID_ARG, "%s: range at %llu overflows", key,
                            (unsigned long long)offset);
    }
    if (len == 0) {
        return LS_OK;
    }
    return st->ops->get(st, key, true, offset, len, out, err);
}

ls_err_t ls_store_head(ls_store_t *st, const char *key, uint64_t *size, int64_t *mtime_ms,
                       ls_error_t *err)
{
    LS_TRY(ls__store_key_check(key, err));
    uint64_t s = 0;
    int64_t m = 0;
    ls_err_t rc = st->ops->head(st, key, &s, &m, err);
    if (rc == LS_OK) {
        if (size != NULL) {
            *size = s;
        }
        if (mtime_ms != NULL) {
            *mtime_ms = m;
        }
    }
    return rc;
}

ls_err_t ls_store_put(ls_store_t *st, const char *key, const void *data, size_t len,
                      ls_error_t *err)
{
    LS_TRY(ls__store_key_check(key, err));
    if (data == NULL && len > 0) {
        return ls_error_set(err, LS_ERR_INVALID_ARG, "%s: NULL data", key);
    }
    return st->ops->put(st, key, data, len, false, err);
}

ls_err_t ls_store_put_if_absent(ls_store_t *st, const char *key, const void *data, size_t len,
                                ls_error_t *err)
{
    LS_TRY(ls__store_key_check(key, err));
    if (data == NULL && len > 0) {
        return ls_error_set(err, LS_ERR_INVALID_ARG, "%s: NULL data", key);
    }
    return st->ops->put(st, key, data, len, true, err);
}

ls_err_t ls_store_del(ls_store_t *st, const char *key, ls_error_t *err)
{
    LS_TRY(ls__store_key_check(key, err));
    return st->ops->del(st, key, err);
}

ls_err_t ls_store_list(ls_store_t *st, const char *prefix, const char *start_after,
                       ls_store_list_cb cb, void *ud, ls_error_t *err)
{
    if (cb == NULL) {
        return ls_error_set(err, LS_ERR_INVALID_ARG, "list: no callback");
    }
    if (prefix != NULL && prefix[0] == '/') {
        return ls_error_set(err, LS_ERR_INVALID_ARG, "list prefix '%s' must be relative",
                            prefix);
    }
    ls_err_t rc = st->ops->list(st, prefix ? prefix : "", start_after ? start_after : "", cb,
                                ud, err);
    return rc == LS_ERR_CLOSED ? LS_OK : rc;
}

/* ---- writers ---- */

static ls_err_t ls__writer_sink_write(void *ctx, const void *data, size_t len, ls_error_t *err)
{
    ls_store_writer_t *w = ctx;
    if (w->failed) {
        return ls_error_set(err, LS_ERR_STATE, "%s: write after a failed write", w->key);
    }
    if (len == 0) {
        return LS_OK;
    }
    ls_err_t rc = w->write(w, data, len, err);
    if (rc != LS_OK) {
        w->failed = true;
        return rc;
    }
    w->bytes += len;
    return LS_OK;
}

ls_err_t ls_store_writer_open(ls_store_t *st, const char *key, ls_store_writer_t **out,
                              ls_error_t *err)
{
    *out = NULL;
    LS_TRY(ls__store_key_check(key, err));
    ls_store_writer_t *w = ls_calloc(1, sizeof(*w));
    if (w == NULL || (w->key = ls_strdup(key)) == NULL) {
        ls_free(w);
        return ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", key);
    }
    w->st = st;
    ls_err_t rc = st->ops->writer_open(st, w, err);
    if (rc != LS_OK) {
        ls_free(w->key);
        ls_free(w);
        return rc;
    }
    *out = w;
    return LS_OK;
}

ls_sink_t ls_store_writer_sink(ls_store_writer_t *w)
{
    ls_sink_t s = {ls__writer_sink_write, w};
    return s;
}

uint64_t ls_store_writer_bytes(const ls_store_writer_t *w)
{
    return w->bytes;
}

ls_err_t ls_store_writer_commit(ls_store_writer_t *w, ls_error_t *err)
{
    ls_err_t rc;
    if (w->failed) {
        w->abort(w);
        rc = ls_error_set(err, LS_ERR_STATE, "%s: cannot commit after a failed write", w->key);
    } else {
        rc = w->commit(w, err);
    }
    ls_free(w->key);
    ls_free(w);
    return rc;
}

void ls_store_writer_abort(ls_store_writer_t *w)
{
    if (w == NULL) {
        return;
    }
    w->abort(w);
    ls_free(w->key);
    ls_free(w);
}

/* ---- sources ---- */

ls_err_t ls_store_source_open(ls_store_t *st, const char *key, ls_store_source_t **out,
                              ls_source_t *src, ls_error_t *err)
{
    *out = NULL;
    LS_TRY(ls__store_key_check(key, err));
    ls_store_source_t *h = ls_calloc(1, sizeof(*h));
    ls_buf_t name;
    ls_buf_init(&name, LS_BUF_UNLIMITED);
    if (h == NULL || (h->key = ls_strdup(key)) == NULL ||
        ls_buf_printf(&name, "%s/%s", st->uri, key) != LS_OK ||
        ls_buf_terminate(&name) != LS_OK) {
        ls_buf_free(&name);
        if (h != NULL) {
            ls_free(h->key);
        }
        ls_free(h);
        return ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", key);
    }
    h->name = (char *)ls_buf_steal(&name, NULL);
    h->st = st;
    ls_err_t rc = st->ops->source_open(st, h, src, err);
    if (rc != LS_OK) {
        ls_free(h->name);
        ls_free(h->key);
        ls_free(h);
        return rc;
    }
    src->name = h->name;
    *out = h;
    return LS_OK;
}

void ls_store_source_close(ls_store_source_t *h)
{
    if (h == NULL) {
        return;
    }
    h->close(h);
    ls_free(h->name);
    ls_free(h->key);
    ls_free(h);
}

/* ---- counters ---- */

void ls__store_count(ls_store_t *st, uint64_t requests, uint64_t retries, uint64_t up,
                     uint64_t down)
{
    pthread_mutex_lock(&st->mu);
    st->stats.requests += requests;
    st->stats.retries += retries;
    st->stats.bytes_up += up;
    st->stats.bytes_down += down;
    pthread_mutex_unlock(&st->mu);
}

void ls__store_count_error(ls_store_t *st, unsigned status)
{
    pthread_mutex_lock(&st->mu);
    st->stats.errors++;
    bool placed = false;
    for (int i = 0; i < LS_STORE_STATUS_SLOTS && !placed; i++) {
        if (st->stats.by_status[i].count == 0) {
            st->stats.by_status[i].status = (uint16_t)status;
        }
        if (st->stats.by_status[i].status == status) {
            st->stats.by_status[i].count++;
            placed = true;
        }
    }
    if (!placed) {
        st->stats.by_status_other++;
    }
    pthread_mutex_unlock(&st->mu);
}

void ls__store_count_breaker(ls_store_t *st, bool tripped, bool rejected)
{
    pthread_mutex_lock(&st->mu);
    st->stats.breaker_trips += tripped ? 1 : 0;
    st->stats.breaker_rejects += rejected ? 1 : 0;
    pthread_mutex_unlock(&st->mu);
}

void ls_store_stats(ls_store_t *st, ls_store_stats_t *out)
{
    pthread_mutex_lock(&st->mu);
    *out = st->stats;
    pthread_mutex_unlock(&st->mu);
}

uint64_t ls_store_stats_status(const ls_store_stats_t *s, unsigned status)
{
    for (int i = 0; i < LS_STORE_STATUS_SLOTS; i++) {
        if (s->by_status[i].count > 0 && s->by_status[i].status == status) {
            return s->by_status[i].count;
        }
    }
    return 0;
}

/* ---- clocks ---- */

uint64_t ls__mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

int64_t ls__wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void ls__sleep_ms(uint64_t ms)
{
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

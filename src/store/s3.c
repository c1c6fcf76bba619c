/*
 * s3.c — the S3 backend: configuration (bucket, prefix, endpoint, region, addressing style),
 * the object operations, ListObjectsV2 paging, put-if-absent with If-None-Match, the multipart
 * streaming writer and ranged-GET sources.
 *
 * Responsible for: mapping store semantics onto S3 requests, including the subtle cases (a
 * conditional PUT whose first attempt may have landed, a CompleteMultipartUpload answered with
 * an error inside a 200). Not responsible for: signing, retrying or counting (s3_req.c).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "lakesink/alloc.h"
#include "lakesink/log.h"
#include "s3_int.h"
#include "store_int.h"

#define LS__LIST_PAGE_MAX ((size_t)16 << 20)
#define LS__XML_MAX ((size_t)4 << 20)
#define LS__MAX_PARTS 10000u
#define LS__WINDOW ((size_t)64 << 10) /* source read-ahead */

static ls__s3_t *ls__s3(ls_store_t *st)
{
    return st->impl;
}

static ls_err_t ls__nomem(ls_error_t *err, const char *what)
{
    return ls_error_set(err, LS_ERR_NOMEM, "s3 %s: out of memory", what);
}

/* SSE headers for PUT and CreateMultipartUpload; returns how many were added. */
static size_t ls__sse_headers(const ls__s3_t *s3, ls__kv_t *h)
{
    size_t n = 0;
    if (s3->sse != NULL) {
        h[n++] = (ls__kv_t){"x-amz-server-side-encryption", s3->sse};
        if (s3->sse_kms != NULL) {
            h[n++] = (ls__kv_t){"x-amz-server-side-encryption-aws-kms-key-id", s3->sse_kms};
        }
    }
    return n;
}

/* ---- get / head ---- */

static ls_err_t ls__s3_get(ls_store_t *st, const char *key, bool ranged, uint64_t off,
                           size_t len, ls_buf_t *out, ls_error_t *err)
{
    char *fk = ls__s3_full_key(ls__s3(st), key);
    if (fk == NULL) {
        return ls__nomem(err, key);
    }
    char range[64];
    snprintf(range, sizeof(range), "bytes=%llu-%llu", (unsigned long long)off,
             (unsigned long long)(off + len - 1));
    ls__kv_t h[1] = {{"range", range}};
    ls__s3_req_t req = {"GET", fk, NULL, 0, h, ranged ? 1 : 0, NULL, 0, out, NULL, 0, false};
    size_t start = out->len;
    ls__s3_resp_t resp;
    ls_err_t rc = ls__s3_exec(st, &req, &resp, err);
    if (rc == LS_OK && ranged && resp.status == 200 && resp.got >= off + len) {
        /* the server ignored Range and sent everything: keep the slice */
        memmove(out->data + start, out->data + start + off, len);
        out->len = start + len;
    } else if (rc == LS_OK && ranged && (resp.status == 200 || resp.got != len)) {
        out->len = start;
        rc = ls_error_set(err, LS_ERR_INVALID_ARG,
                          "s3 GET s3://%s/%s: range [%llu, +%zu) is outside the object", 
                          ls__s3(st)->bucket, fk, (unsigned long long)off, len);
    } else if (rc == LS_ERR_INVALID_ARG) {
        ls_error_prefix(err, "range [%llu, +%zu) is outside the object: ",
                        (unsigned long long)off, len);
    }
    ls_free(fk);
    return rc;
}

static ls_err_t ls__s3_head(ls_store_t *st, const char *key, uint64_t *size, int64_t *mtime_ms,
                            ls_error_t *err)
{
    char *fk = ls__s3_full_key(ls__s3(st), key);
    if (fk == NULL) {
        return ls__nomem(err, key);
    }
    ls__s3_req_t req = {"HEAD", fk, NULL, 0, NULL, 0, NULL, 0, NULL, NULL, 0, false};
    ls__s3_resp_t resp;
    ls_err_t rc = ls__s3_exec(st, &req, &resp, err);
    if (rc == LS_OK && resp.content_length < 0) {
        rc = ls_error_set(err, LS_ERR_PARSE, "s3 HEAD %s: no Content-Length", fk);
    }
    if (rc == LS_OK) {
        *size = (uint64_t)resp.content_length;
        *mtime_ms = resp.last_modified_ms;
    }
    ls_free(fk);
    return rc;
}

/* ---- put ---- */

/* After a conditional PUT that got 412 on a retry: did our own first attempt land? */
static bool ls__put_was_ours(ls_store_t *st, const char *key, const void *data, size_t len)
{
    ls_buf_t cur;
    ls_buf_init(&cur, len + 1);
    bool same = ls__s3_get(st, key, false, 0, 0, &cur, NULL) == LS_OK && cur.len == len &&
                (len == 0 || memcmp(cur.data, data, len) == 0);
    ls_buf_free(&cur);
    return same;
}

static ls_err_t ls__s3_put(ls_store_t *st, const char *key, const void *data, size_t len,
                           bool if_absent, ls_error_t *err)
{
    ls__s3_t *s3 = ls__s3(st);
    char *fk = ls__s3_full_key(s3, key);
    if (fk == NULL) {
        return ls__nomem(err, key);
    }
    ls__kv_t h[4];
    size_t nh = ls__sse_headers(s3, h);
    if (if_absent) {
        h[nh++] = (ls__kv_t){"if-none-match", "*"};
    }
    ls__s3_req_t req = {"PUT", fk, NULL, 0, h, nh, data, len, NULL, NULL, 0, if_absent};
    ls__s3_resp_t resp;
    ls_err_t rc = ls__s3_exec(st, &req, &resp, err);
    /* A 412 may answer our own write: an earlier attempt landed but its answer was lost, or
     * curl re-sent the request by itself after a reused connection died (invisibly: no
     * attempt count can tell). An object with exactly our bytes is ours; reading it back
     * costs one small GET, and only on a conflict. */
    if (rc == LS_ERR_EXISTS && ls__put_was_ours(st, key, data, len)) {
        ls_logf(LS_LOG_INFO, "store", "s3 PUT %s: conditional write had landed on an earlier "
                "attempt", fk);
        ls_error_clear(err);
        rc = LS_OK;
    }
    ls_free(fk);
    return rc;
}

static ls_err_t ls__s3_del(ls_store_t *st, const char *key, ls_error_t *err)
{
    char *fk = ls__s3_full_key(ls__s3(st), key);
    if (fk == NULL) {
        return ls__nomem(err, key);
    }
    ls__s3_req_t req = {"DELETE", fk, NULL, 0, NULL, 0, NULL, 0, NULL, NULL, 0, false};
    ls__s3_resp_t resp;
    ls_err_t rc = ls__s3_exec(st, &req, &resp, err);
    if (rc == LS_ERR_NOT_FOUND && strcmp(resp.code, "NoSuchBucket") != 0) {
        ls_error_clear(err);
        rc = LS_OK; /* some S3-compatible stores answer 404 for a missing key */
    }
    ls_free(fk);
    return rc;
}

/* ---- list ---- */

static ls_err_t ls__s3_list(ls_store_t *st, const char *prefix, const char *start_after,
                            ls_store_list_cb cb, void *ud, ls_error_t *err)
{
    ls__s3_t *s3 = ls__s3(st);
    ls_buf_t strip, fprefix, fafter, body, token;
    ls_buf_init(&strip, 8192);
    ls_buf_init(&fprefix, 8192);
    ls_buf_init(&fafter, 8192);
    ls_buf_init(&body, LS__LIST_PAGE_MAX);
    ls_buf_init(&token, 8192);
    char maxkeys[16];
    snprintf(maxkeys, sizeof(maxkeys), "%u", s3->page_size);
    ls_err_t rc = s3->prefix[0] ? ls_buf_printf(&strip, "%s/", s3->prefix) : LS_OK;
    rc = rc == LS_OK ? ls_buf_terminate(&strip) : rc;
    rc = rc == LS_OK ? ls_buf_printf(&fprefix, "%s%s", (const char *)strip.data, prefix) : rc;
    rc = rc == LS_OK ? ls_buf_terminate(&fprefix) : rc;
    if (rc == LS_OK && start_after[0]) {
        rc = ls_buf_printf(&fafter, "%s%s", (const char *)strip.data, start_after);
    }
    rc = rc == LS_OK ? ls_buf_terminate(&fafter) : rc;
    rc = rc == LS_OK ? ls_buf_terminate(&token) : rc;
    if (rc != LS_OK) {
        rc = ls__nomem(err, "list");
    }
    for (bool more = true; rc == LS_OK && more;) {
        ls__kv_t q[5];
        size_t nq = 0;
        q[nq++] = (ls__kv_t){"list-type", "2"};
        q[nq++] = (ls__kv_t){"max-keys", maxkeys};
        if (fprefix.len) {
            q[nq++] = (ls__kv_t){"prefix", (const char *)fprefix.data};
        }
        if (token.len) {
            q[nq++] = (ls__kv_t){"continuation-token", (const char *)token.data};
        } else if (fafter.len) {
            q[nq++] = (ls__kv_t){"start-after", (const char *)fafter.data};
        }
        ls_buf_reset(&body);
        ls__s3_req_t req = {"GET", NULL, q, nq, NULL, 0, NULL, 0, &body, NULL, 0, false};
        ls__s3_resp_t resp;
        rc = ls__s3_exec(st, &req, &resp, err);
        if (rc == LS_OK) {
            rc = ls__s3_list_parse((const char *)body.data, body.len, (const char *)strip.data,
                                   cb, ud, &more, &token, err);
        }
    }
    ls_buf_free(&strip);
    ls_buf_free(&fprefix);
    ls_buf_free(&fafter);
    ls_buf_free(&body);
    ls_buf_free(&token);
    return rc;
}

/* ---- multipart writer ---- */

typedef struct ls__s3w_s {
    char *fk;        /* full key */
    uint8_t *buf;    /* at most one part */
    size_t len;
    size_t cap;      /* allocated size of buf, <= part */
    size_t part;     /* part size */
    char *upload_id; /* NULL until the object outgrows one part */
    char **etags;
    unsigned nparts;
} ls__s3w_t;

static ls_err_t ls__mp_create(ls_store_t *st, ls__s3w_t *w, ls_error_t *err)
{
    ls__s3_t *s3 = ls__s3(st);
    ls__kv_t h[2];
    size_t nh = ls__sse_headers(s3, h);
    ls__kv_t q[1] = {{"uploads", ""}};
    ls_buf_t body;
    ls_buf_init(&body, LS__XML_MAX);
    ls__s3_req_t req = {"POST", w->fk, q, 1, h, nh, NULL, 0, &body, NULL, 0, false};
    ls__s3_resp_t resp;
    ls_err_t rc = ls__s3_exec(st, &req, &resp, err);
    ls__span_t id;
    if (rc == LS_OK) {
        ls_buf_t idb;
        ls_buf_init(&idb, 4096);
        if (!ls__xml_find((const char *)body.data, body.len, "UploadId", &id) || id.n == 0 ||
            ls__xml_text(id, &idb) != LS_OK) {
            rc = ls_error_set(err, LS_ERR_PARSE, "s3 CreateMultipartUpload %s: no UploadId",
                              w->fk);
            ls_buf_free(&idb);
        } else {
            w->upload_id = (char *)ls_buf_steal(&idb, NULL);
        }
    }
    ls_buf_free(&body);
    return rc;
}

static ls_err_t ls__mp_part(ls_store_t *st, ls__s3w_t *w, ls_error_t *err)
{
    if (w->nparts >= LS__MAX_PARTS) {
        return ls_error_set(err, LS_ERR_LIMIT, "s3 %s: more than %u parts (raise the part size)",
                            w->fk, LS__MAX_PARTS);
    }
    if (w->upload_id == NULL) {
        LS_TRY(ls__mp_create(st, w, err));
    }
    if ((w->nparts & 63) == 0) {
        char **e = ls_reallocarray(w->etags, w->nparts + 64, sizeof(*e));
        if (e == NULL) {
            return ls__nomem(err, w->fk);
        }
        w->etags = e;
    }
    char num[16];
    snprintf(num, sizeof(num), "%u", w->nparts + 1);
    ls__kv_t q[2] = {{"partNumber", num}, {"uploadId", w->upload_id}};
    ls__s3_req_t req = {"PUT", w->fk, q, 2, NULL, 0, w->buf, w->len, NULL, NULL, 0, false};
    ls__s3_resp_t resp;
    LS_TRY(ls__s3_exec(st, &req, &resp, err));
    if (resp.etag[0] == '\0') {
        return ls_error_set(err, LS_ERR_PARSE, "s3 UploadPart %s part %s: no ETag", w->fk, num);
    }
    if ((w->etags[w->nparts] = ls_strdup(resp.etag)) == NULL) {
        return ls__nomem(err, w->fk);
    }
    w->nparts++;
    w->len = 0;
    return LS_OK;
}

/* Grow the part buffer towards one part: a writer that only ever holds a small file does
 * not pin a whole part's memory (a table writer may keep many files open). */
static ls_err_t ls__s3w_grow(ls__s3w_t *w, size_t need, ls_error_t *err)
{
    if (need <= w->cap) {
        return LS_OK;
    }
    size_t cap = w->cap ? w->cap : (size_t)64 << 10;
    while (cap < need) {
        cap *= 2;
    }
    cap = cap < w->part ? cap : w->part;
    uint8_t *nb = ls_realloc(w->buf, cap);
    if (nb == NULL) {
        return ls__nomem(err, w->fk);
    }
    w->buf = nb;
    w->cap = cap;
    return LS_OK;
}

static ls_err_t ls__s3w_write(ls_store_writer_t *gw, const void *data, size_t len,
                              ls_error_t *err)
{
    ls__s3w_t *w = gw->impl;
    const uint8_t *p = data;
    LS_TRY(ls__s3w_grow(w, w->len + len < w->part ? w->len + len : w->part, err));
    while (len > 0) {
        size_t k = w->cap - w->len < len ? w->cap - w->len : len;
        memcpy(w->buf + w->len, p, k);
        w->len += k;
        p += k;
        len -= k;
        if (w->len == w->part) {
            LS_TRY(ls__mp_part(gw->st, w, err)); /* a full part goes out at once */
        }
    }
    return LS_OK;
}

static ls_err_t ls__mp_complete_body(const ls__s3w_t *w, ls_buf_t *b)
{
    LS_TRY(ls_buf_append_str(b, "<CompleteMultipartUpload>"));
    for (unsigned i = 0; i < w->nparts; i++) {
        LS_TRY(ls_buf_printf(b, "<Part><PartNumber>%u</PartNumber><ETag>", i + 1));
        LS_TRY(ls__xml_escape(b, w->etags[i]));
        LS_TRY(ls_buf_append_str(b, "</ETag></Part>"));
    }
    return ls_buf_append_str(b, "</CompleteMultipartUpload>");
}

/* CompleteMultipartUpload; S3 may answer 200 with an <Error> body, which is retried too. */
static ls_err_t ls__mp_complete(ls_store_t *st, ls__s3w_t *w, uint64_t total, ls_error_t *err)
{
    ls__s3_t *s3 = ls__s3(st);
    ls_buf_t xml, body;
    ls_buf_init(&xml, LS__XML_MAX);
    ls_buf_init(&body, LS__XML_MAX);
    if (ls__mp_complete_body(w, &xml) != LS_OK) {
        ls_buf_free(&xml);
        return ls__nomem(err, w->fk);
    }
    ls__kv_t q[1] = {{"uploadId", w->upload_id}};
    ls__kv_t h[1] = {{"content-type", "application/xml"}};
    ls_err_t rc = LS_OK;
    for (unsigned i = 1;; i++) {
        ls_buf_reset(&body);
        ls__s3_req_t req = {"POST", w->fk, q, 1, h, 1, xml.data, xml.len, &body, NULL, 0, false};
        ls__s3_resp_t resp;
        rc = ls__s3_exec(st, &req, &resp, err);
        ls__span_t e;
        if (rc == LS_OK && ls__xml_find((const char *)body.data, body.len, "Error", &e)) {
            char code[64], msg[200];
            ls__s3_error_parse(e.p, e.n, code, sizeof(code), msg, sizeof(msg));
            rc = ls_error_set(err, LS_ERR_IO, "s3 CompleteMultipartUpload %s: %s: %s", w->fk,
                              code, msg);
            if (i < s3->retry.max_attempts) {
                ls__sleep_ms(ls__backoff_ms(&s3->retry, i, (uint64_t)ls__mono_ms() * 7919u));
                continue;
            }
            ls_error_retriable(err);
        }
        break;
    }
    if (rc == LS_ERR_NOT_FOUND) {
        /* NoSuchUpload after a lost answer (ours, or curl's silent re-send on a dead reused
         * connection): the upload completed if the object is all there */
        uint64_t size = 0;
        int64_t mt = 0;
        const char *rel = w->fk + (s3->prefix[0] ? strlen(s3->prefix) + 1 : 0);
        if (ls__s3_head(st, rel, &size, &mt, NULL) == LS_OK && size == total) {
            ls_error_clear(err);
            rc = LS_OK;
        }
    }
    ls_buf_free(&xml);
    ls_buf_free(&body);
    return rc;
}

static void ls__s3w_free(ls__s3w_t *w)
{
    for (unsigned i = 0; i < w->nparts; i++) {
        ls_free(w->etags[i]);
    }
    ls_free(w->etags);
    ls_free(w->upload_id);
    ls_free(w->buf);
    ls_free(w->fk);
    ls_free(w);
}

static void ls__mp_abort(ls_store_t *st, ls__s3w_t *w)
{
    if (w->upload_id == NULL) {
        return;
    }
    ls__kv_t q[1] = {{"uploadId", w->upload_id}};
    ls__s3_req_t req = {"DELETE", w->fk, q, 1, NULL, 0, NULL, 0, NULL, NULL, 0, false};
    ls__s3_resp_t resp;
    ls_error_t e;
    ls_error_clear(&e);
    if (ls__s3_exec(st, &req, &resp, &e) != LS_OK && e.code != LS_ERR_NOT_FOUND) {
        /* the parts stay billed until a bucket lifecycle rule removes them */
        ls_logf(LS_LOG_WARN, "store", "aborting multipart upload of %s failed: %s", w->fk,
                e.msg);
    }
}

static ls_err_t ls__s3w_commit(ls_store_writer_t *gw, ls_error_t *err)
{
    ls__s3w_t *w = gw->impl;
    ls__s3_t *s3 = ls__s3(gw->st);
    ls_err_t rc;
    if (w->upload_id == NULL) {
        /* smaller than one part: a single PUT */
        ls__kv_t h[2];
        size_t nh = ls__sse_headers(s3, h);
        ls__s3_req_t req = {"PUT", w->fk, NULL, 0, h, nh, w->buf, w->len, NULL, NULL, 0, false};
        ls__s3_resp_t resp;
        rc = ls__s3_exec(gw->st, &req, &resp, err);
    } else {
        rc = w->len > 0 ? ls__mp_part(gw->st, w, err) : LS_OK;
        if (rc == LS_OK) {
            rc = ls__mp_complete(gw->st, w, gw->bytes, err);
        }
        if (rc != LS_OK) {
            ls__mp_abort(gw->st, w);
        }
    }
    ls__s3w_free(w);
    gw->impl = NULL;
    return rc;
}

static void ls__s3w_abort(ls_store_writer_t *gw)
{
    ls__s3w_t *w = gw->impl;
    ls__mp_abort(gw->st, w);
    ls__s3w_free(w);
    gw->impl = NULL;
}

static ls_err_t ls__s3_writer_open(ls_store_t *st, ls_store_writer_t *gw, ls_error_t *err)
{
    ls__s3_t *s3 = ls__s3(st);
    ls__s3w_t *w = ls_calloc(1, sizeof(*w));
    if (w == NULL || (w->fk = ls__s3_full_key(s3, gw->key)) == NULL) {
        ls_free(w);
        return ls__nomem(err, gw->key);
    }
    w->part = s3->part_size;
    gw->impl = w;
    gw->write = ls__s3w_write;
    gw->commit = ls__s3w_commit;
    gw->abort = ls__s3w_abort;
    return LS_OK;
}

/* ---- sources: ranged GETs with a small read-ahead window ---- */

typedef struct ls__s3src_s {
    pthread_mutex_t mu;
    uint64_t size;
    uint64_t win_off;
    ls_buf_t win; /* cached bytes [win_off, win_off + win.len) */
} ls__s3src_t;

static ls_err_t ls__s3src_read(const ls_source_t *src, uint64_t off, void *out, size_t len,
                               ls_error_t *err)
{
    ls_store_source_t *h = src->ctx;
    ls__s3src_t *c = h->impl;
    pthread_mutex_lock(&c->mu);
    ls_err_t rc = LS_OK;
    bool hit = off >= c->win_off && off - c->win_off <= c->win.len &&
               len <= c->win.len - (off - c->win_off);
    if (!hit && len < LS__WINDOW) {
        /* a footer read (near the end) caches the tail; otherwise read ahead from off */
        uint64_t start = off + len + LS__WINDOW > c->size
                             ? (c->size > LS__WINDOW ? c->size - LS__WINDOW : 0)
                             : off;
        size_t wl = (size_t)(c->size - start < LS__WINDOW ? c->size - start : LS__WINDOW);
        ls_buf_reset(&c->win);
        c->win_off = start;
        rc = ls__s3_get(h->st, h->key, true, start, wl, &c->win, err);
        hit = rc == LS_OK;
        if (rc != LS_OK) {
            ls_buf_reset(&c->win);
        }
    }
    if (hit) {
        memcpy(out, c->win.data + (off - c->win_off), len);
    } else if (rc == LS_OK) {
        ls__s3_t *s3 = ls__s3(h->st);
        char *fk = ls__s3_full_key(s3, h->key);
        char range[64];
        snprintf(range, sizeof(range), "bytes=%llu-%llu", (unsigned long long)off,
                 (unsigned long long)(off + len - 1));
        ls__kv_t hd[1] = {{"range", range}};
        ls__s3_req_t req = {"GET", fk, NULL, 0, hd, 1, NULL, 0, NULL, out, len, false};
        ls__s3_resp_t resp;
        rc = fk ? ls__s3_exec(h->st, &req, &resp, err) : ls__nomem(err, h->key);
        if (rc == LS_OK && resp.got != len) {
            rc = ls_error_set(err, LS_ERR_IO, "%s: short read at %llu (%zu of %zu bytes)",
                              h->name, (unsigned long long)off, resp.got, len);
        }
        ls_free(fk);
    }
    pthread_mutex_unlock(&c->mu);
    return rc;
}

static void ls__s3src_close(ls_store_source_t *h)
{
    ls__s3src_t *c = h->impl;
    if (c != NULL) {
        ls_buf_free(&c->win);
        pthread_mutex_destroy(&c->mu);
        ls_free(c);
    }
}

static ls_err_t ls__s3_source_open(ls_store_t *st, ls_store_source_t *h, ls_source_t *src,
                                   ls_error_t *err)
{
    uint64_t size = 0;
    int64_t mt = 0;
    LS_TRY(ls__s3_head(st, h->key, &size, &mt, err));
    ls__s3src_t *c = ls_calloc(1, sizeof(*c));
    if (c == NULL) {
        return ls__nomem(err, h->key);
    }
    pthread_mutex_init(&c->mu, NULL);
    ls_buf_init(&c->win, LS__WINDOW);
    c->size = size;
    h->impl = c;
    h->close = ls__s3src_close;
    src->read_at = ls__s3src_read;
    src->size = size;
    src->ctx = h;
    return LS_OK;
}

/* ---- setup ---- */

static void ls__s3_free(ls_store_t *st)
{
    ls__s3_t *s3 = st->impl;
    if (s3 == NULL) {
        return;
    }
    for (size_t i = 0; i < s3->npool; i++) {
        ls__s3_pool_release(s3->pool[i]);
    }
    if (s3->creds_ready) {
        ls__creds_destroy(&s3->creds);
    }
    pthread_mutex_destroy(&s3->mu);
    ls_free(s3->bucket);
    ls_free(s3->prefix);
    ls_free(s3->scheme);
    ls_free(s3->endpoint_host);
    ls_free(s3->base_path);
    ls_free(s3->region);
    ls_free(s3->sse);
    ls_free(s3->sse_kms);
    ls_free(s3);
    st->impl = NULL;
}

const ls__store_ops_t ls__store_s3_ops = {
    ls__s3_get,  ls__s3_head,        ls__s3_put,         ls__s3_del,
    ls__s3_list, ls__s3_writer_open, ls__s3_source_open, ls__s3_free,
};

/*
 * s3_req.c — one S3 request from start to finish: URL and header construction, SigV4 signing,
 * the libcurl transfer, response parsing, retries with full-jitter backoff, the circuit
 * breaker and the counters. Also the plain HTTP GET/PUT the credential endpoints need.
 *
 * Responsible for: deciding what is transient (connection errors, timeouts, 5xx, 429/503
 * SlowDown, RequestTimeout, 409 on conditional writes) and turning everything else into one
 * error that names the operation, the key, the HTTP status and S3's error code.
 * Not responsible for: what an operation means (s3.c) or where credentials come from (creds.c).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "lakesink/alloc.h"
#include "lakesink/log.h"
#include "s3_int.h"
#include "store_int.h"

#define LS__ERRBODY_MAX ((size_t)64 << 10)
#define LS__MAX_HDRS 24

/* ---- breaker and backoff (pure) ---- */

bool ls__breaker_allow(ls__breaker_t *b, uint64_t now)
{
    if (b->threshold == 0 || b->state == 0) {
        return true;
    }
    if (b->state == 1 && now >= b->open_until) {
        b->state = 2; /* half-open: this request is the probe */
        return true;
    }
    return false;
}

bool ls__breaker_record(ls__breaker_t *b, bool failed, uint64_t now)
{
    if (b->threshold == 0) {
        return false;
    }
    if (!failed) {
        b->consecutive = 0;
        b->state = 0;
        return false;
    }
    b->consecutive++;
    if (b->state == 2 || (b->state == 0 && b->consecutive >= b->threshold)) {
        b->state = 1;
        b->open_until = now + b->cooldown_ms;
        return true;
    }
    return false;
}

uint64_t ls__backoff_ms(const ls_store_retry_t *r, unsigned retry, uint64_t rnd)
{
    unsigned shift = retry > 0 ? retry - 1 : 0;
    uint64_t ceil = shift >= 32 ? r->cap_ms : (uint64_t)r->base_ms << shift;
    if (ceil > r->cap_ms) {
        ceil = r->cap_ms;
    }
    return ceil == 0 ? 0 : rnd % (ceil + 1);
}

/* ---- curl plumbing ---- */

static pthread_once_t ls__curl_once = PTHREAD_ONCE_INIT;
static CURLcode ls__curl_init_rc = CURLE_OK;

static void ls__curl_global(void)
{
    ls__curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static CURL *ls__handle_get(ls__s3_t *s3)
{
    pthread_once(&ls__curl_once, ls__curl_global);
    if (ls__curl_init_rc != CURLE_OK) {
        return NULL;
    }
    CURL *h = NULL;
    if (s3 != NULL) {
        pthread_mutex_lock(&s3->mu);
        if (s3->npool > 0) {
            h = s3->pool[--s3->npool];
        }
        pthread_mutex_unlock(&s3->mu);
    }
    if (h != NULL) {
        curl_easy_reset(h); /* keeps the connection cache: that is why we pool */
        return h;
    }
    return curl_easy_init();
}

static void ls__handle_put(ls__s3_t *s3, CURL *h)
{
    if (h == NULL) {
        return;
    }
    if (s3 != NULL) {
        pthread_mutex_lock(&s3->mu);
        if (s3->npool < LS__POOL_MAX) {
            s3->pool[s3->npool++] = h;
            h = NULL;
        }
        pthread_mutex_unlock(&s3->mu);
    }
    if (h != NULL) {
        curl_easy_cleanup(h);
    }
}

void ls__s3_pool_release(void *handle)
{
    curl_easy_cleanup(handle);
}

/* Per-attempt transfer state shared by the callbacks. */
typedef struct ls__xfer_s {
    const ls__s3_req_t *req;
    ls__s3_resp_t *resp;
    long status;   /* from the last status line */
    size_t sent;   /* upload position */
    size_t out_start;
    ls_err_t sink_rc; /* LS_ERR_LIMIT / LS_ERR_NOMEM: the body did not fit out/dst */
    ls_buf_t errbody;
} ls__xfer_t;

static size_t ls__read_cb(char *buf, size_t size, size_t n, void *ud)
{
    ls__xfer_t *x = ud;
    size_t want = size * n, left = x->req->body_len - x->sent;
    size_t k = want < left ? want : left;
    if (k > 0) {
        memcpy(buf, (const uint8_t *)x->req->body + x->sent, k);
        x->sent += k;
    }
    return k;
}

static int ls__seek_cb(void *ud, curl_off_t off, int origin)
{
    ls__xfer_t *x = ud;
    if (origin != SEEK_SET || off < 0 || (uint64_t)off > x->req->body_len) {
        return CURL_SEEKFUNC_CANTSEEK;
    }
    x->sent = (size_t)off;
    return CURL_SEEKFUNC_OK;
}

static size_t ls__write_cb(char *p, size_t size, size_t n, void *ud)
{
    ls__xfer_t *x = ud;
    size_t len = size * n;
    if (x->status < 200 || x->status >= 300) {
        /* error bodies: keep the start (it holds Code and Message), drop the rest */
        size_t room = LS__ERRBODY_MAX - x->errbody.len;
        ls_buf_append(&x->errbody, p, len < room ? len : room);
        return len;
    }
    const ls__s3_req_t *r = x->req;
    if (r->dst != NULL) {
        if (len > r->dst_cap - x->resp->got) {
            x->sink_rc = LS_ERR_LIMIT;
            return 0;
        }
        memcpy(r->dst + x->resp->got, p, len);
    } else if (r->out != NULL && (x->sink_rc = ls_buf_append(r->out, p, len)) != LS_OK) {
        return 0;
    }
    x->resp->got += len;
    return len;
}

static bool ls__hdr_is(const char *line, size_t n, const char *name, const char **val,
                       size_t *vlen)
{
    size_t nl = strlen(name);
    if (n <= nl || strncasecmp(line, name, nl) != 0 || line[nl] != ':') {
        return false;
    }
    const char *v = line + nl + 1, *e = line + n;
    while (v < e && (*v == ' ' || *v == '\t')) {
        v++;
    }
    while (e > v && (e[-1] == '\r' || e[-1] == '\n' || e[-1] == ' ')) {
        e--;
    }
    *val = v;
    *vlen = (size_t)(e - v);
    return true;
}

static size_t ls__header_cb(char *line, size_t size, size_t n, void *ud)
{
    ls__xfer_t *x = ud;
    size_t len = size * n;
    const char *v;
    size_t vl;
    if (len > 5 && memcmp(line, "HTTP/", 5) == 0) {
        const char *sp = memchr(line, ' ', len);
        x->status = sp ? strtol(sp + 1, NULL, 10) : 0;
        x->resp->etag[0] = '\0';
        x->resp->content_length = -1;
    } else if (ls__hdr_is(line, len, "etag", &v, &vl)) {
        size_t k = vl < sizeof(x->resp->etag) - 1 ? vl : sizeof(x->resp->etag) - 1;
        memcpy(x->resp->etag, v, k);
        x->resp->etag[k] = '\0';
    } else if (ls__hdr_is(line, len, "content-length", &v, &vl)) {
        x->resp->content_length = strtoll(v, NULL, 10);
    } else if (ls__hdr_is(line, len, "last-modified", &v, &vl)) {
        ls__parse_http_date_ms(v, vl, &x->resp->last_modified_ms);
    }
    return len;
}

/* ---- building a request ---- */

char *ls__s3_full_key(const ls__s3_t *s3, const char *key)
{
    ls_buf_t b;
    ls_buf_init(&b, LS_BUF_UNLIMITED);
    ls_err_t rc = s3->prefix[0] ? ls_buf_printf(&b, "%s/%s", s3->prefix, key)
                                : ls_buf_append_str(&b, key);
    if (rc != LS_OK || ls_buf_terminate(&b) != LS_OK) {
        ls_buf_free(&b);
        return NULL;
    }
    return (char *)ls_buf_steal(&b, NULL);
}

/* Canonical (= sent) path: [/base][/bucket]/key, every key byte encoded but '/'. */
static ls_err_t ls__s3_path(const ls__s3_t *s3, const char *key, ls_buf_t *path)
{
    LS_TRY(ls_buf_append_str(path, s3->base_path));
    if (s3->path_style) {
        LS_TRY(ls_buf_append_byte(path, '/'));
        LS_TRY(ls__uri_encode(path, s3->bucket, strlen(s3->bucket), false));
        if (key == NULL) {
            return ls_buf_terminate(path);
        }
    }
    LS_TRY(ls_buf_append_byte(path, '/'));
    if (key != NULL) {
        LS_TRY(ls__uri_encode(path, key, strlen(key), true));
    }
    return ls_buf_terminate(path);
}

typedef struct ls__built_s {
    ls_buf_t url;
    ls_buf_t host;
    ls_buf_t auth;
    ls__kv_t hdrs[LS__MAX_HDRS];
    size_t nhdrs;
    char date[17];
    char hash[65];
} ls__built_t;

static void ls__built_init(ls__built_t *b)
{
    memset(b, 0, sizeof(*b));
    ls_buf_init(&b->url, 64u << 10);
    ls_buf_init(&b->host, 1024);
    ls_buf_init(&b->auth, 4096);
}

static void ls__built_free(ls__built_t *b)
{
    ls_buf_free(&b->url);
    ls_buf_free(&b->host);
    ls_buf_free(&b->auth);
}

/* URL, Host and the list of headers to sign; everything but Authorization. */
static ls_err_t ls__s3_prepare(ls__s3_t *s3, const ls__s3_req_t *req, ls__built_t *b,
                               ls_buf_t *path, ls_buf_t *query)
{
    LS_TRY(ls__s3_path(s3, req->key, path));
    LS_TRY(ls__canonical_query(req->query, req->nquery, query));
    LS_TRY(ls_buf_terminate(query));
    if (!s3->path_style) {
        LS_TRY(ls_buf_printf(&b->host, "%s.", s3->bucket));
    }
    LS_TRY(ls_buf_append_str(&b->host, s3->endpoint_host));
    LS_TRY(ls_buf_terminate(&b->host));
    LS_TRY(ls_buf_printf(&b->url, "%s://%s%s%s%s", s3->scheme, (const char *)b->host.data,
                         (const char *)path->data, query->len ? "?" : "",
                         (const char *)query->data));
    LS_TRY(ls_buf_terminate(&b->url));
    if (req->nheaders + 4 > LS__MAX_HDRS) {
        return LS_ERR_LIMIT;
    }
    ls__sha256_hex(req->body, req->body_len, b->hash);
    b->hdrs[b->nhdrs++] = (ls__kv_t){"host", (const char *)b->host.data};
    b->hdrs[b->nhdrs++] = (ls__kv_t){"x-amz-content-sha256", b->hash};
    b->hdrs[b->nhdrs++] = (ls__kv_t){"x-amz-date", b->date};
    for (size_t i = 0; i < req->nheaders; i++) {
        b->hdrs[b->nhdrs++] = req->headers[i];
    }
    return LS_OK;
}

/* Sign at @p epoch_s with the current credentials (adds the token header when there is one). */
static ls_err_t ls__s3_sign(ls__s3_t *s3, const ls__s3_req_t *req, int64_t epoch_s,
                            ls__built_t *b, const char *path, const char *query, ls_error_t *err)
{
    ls__amz_date(epoch_s, b->date);
    LS_TRY(ls__creds_acquire(&s3->creds, err));
    size_t n = b->nhdrs;
    if (s3->creds.token != NULL) {
        b->hdrs[n++] = (ls__kv_t){"x-amz-security-token", s3->creds.token};
    }
    ls__sigv4_t sv = {req->method, path,         query,   b->hdrs, n,
                      b->hash,     b->date,      s3->region, "s3", s3->creds.akid,
                      s3->creds.secret};
    ls_buf_reset(&b->auth);
    ls_err_t rc = ls__sigv4_authorization(&sv, &b->auth);
    rc = rc == LS_OK ? ls_buf_terminate(&b->auth) : rc;
    /* the token header must outlive the lock: copy it into the auth buffer's tail */
    if (rc == LS_OK && s3->creds.token != NULL) {
        size_t at = b->auth.len + 1;
        rc = ls_buf_append_byte(&b->auth, 0);
        rc = rc == LS_OK ? ls_buf_append_str(&b->auth, s3->creds.token) : rc;
        rc = rc == LS_OK ? ls_buf_terminate(&b->auth) : rc;
        b->hdrs[n - 1].value = (const char *)b->auth.data + at;
    }
    ls__creds_release(&s3->creds);
    if (rc == LS_OK) {
        b->nhdrs = n;
    } else if (err != NULL) {
        ls_error_set(err, rc, "signing %s request: out of memory", req->method);
    }
    return rc;
}

ls_err_t ls__s3_sign_request(ls_store_t *st, const ls__s3_req_t *req, int64_t epoch_s,
                             ls_buf_t *url, ls_buf_t *headers, ls_error_t *err)
{
    ls__s3_t *s3 = st->impl;
    ls__built_t b;
    ls__built_init(&b);
    ls_buf_t path, query;
    ls_buf_init(&path, 64u << 10);
    ls_buf_init(&query, 64u << 10);
    ls_err_t rc = ls__s3_prepare(s3, req, &b, &path, &query);
    if (rc == LS_OK) {
        rc = ls__s3_sign(s3, req, epoch_s, &b, (const char *)path.data,
                         (const char *)query.data, err);
    }
    for (size_t i = 0; rc == LS_OK && i < b.nhdrs; i++) {
        rc = ls_buf_printf(headers, "%s: %s\n", b.hdrs[i].name, b.hdrs[i].value);
    }
    if (rc == LS_OK) {
        rc = ls_buf_printf(headers, "authorization: %s\n", (const char *)b.auth.data);
    }
    if (rc == LS_OK) {
        rc = ls_buf_append_str(url, (const char *)b.url.data);
    }
    ls_buf_free(&path);
    ls_buf_free(&query);
    ls__built_free(&b);
    return rc;
}

/* ---- one attempt ---- */

static struct curl_slist *ls__slist(const ls__built_t *b, bool *oom)
{
    struct curl_slist *l = NULL;
    ls_buf_t line;
    ls_buf_init(&line, 64u << 10);
    for (size_t i = 0; i <= b->nhdrs && !*oom; i++) {
        ls_buf_reset(&line);
        ls_err_t rc = i < b->nhdrs ? ls_buf_printf(&line, "%s: %s", b->hdrs[i].name,
                                                   b->hdrs[i].value)
                                   : ls_buf_printf(&line, "authorization: %s",
                                                   (const char *)b->auth.data);
        struct curl_slist *n = NULL;
        if (rc != LS_OK || ls_buf_terminate(&line) != LS_OK ||
            (n = curl_slist_append(l, (const char *)line.data)) == NULL) {
            *oom = true;
            break;
        }
        l = n;
    }
    /* no "Expect: 100-continue" round trip; curl's own Accept/Content-Length stay unsigned */
    struct curl_slist *n = *oom ? NULL : curl_slist_append(l, "Expect:");
    if (n == NULL) {
        *oom = true;
    } else {
        l = n;
    }
    if (line.data != NULL) {
        memset(line.data, 0, line.len); /* may have held the session token */
    }
    ls_buf_free(&line);
    return l;
}

/* Only plain and TLS HTTP, whatever a URL from the environment says. */
static void ls__http_only(CURL *h)
{
#if LIBCURL_VERSION_NUM >= 0x075500
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
#else
    curl_easy_setopt(h, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
}

static void ls__setup(CURL *h, ls__s3_t *s3, const ls__s3_req_t *req, ls__xfer_t *x,
                      const char *url, struct curl_slist *hl)
{
    ls__http_only(h);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hl);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_PATH_AS_IS, 1L); /* the path we signed is the path we send */
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)s3->connect_ms);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, (long)((s3->stall_ms + 999) / 1000));
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, ls__write_cb);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, x);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, ls__header_cb);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, x);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "lakesink/" LS_VERSION);
    if (strcmp(req->method, "HEAD") == 0) {
        curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    } else if (strcmp(req->method, "PUT") == 0 || strcmp(req->method, "POST") == 0) {
        /* a streamed upload sends a plain body (no form encoding), for PUT and POST alike */
        curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(h, CURLOPT_READFUNCTION, ls__read_cb);
        curl_easy_setopt(h, CURLOPT_READDATA, x);
        curl_easy_setopt(h, CURLOPT_SEEKFUNCTION, ls__seek_cb);
        curl_easy_setopt(h, CURLOPT_SEEKDATA, x);
        curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)req->body_len);
        if (strcmp(req->method, "POST") == 0) {
            curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, "POST");
        }
    } else if (strcmp(req->method, "GET") != 0) {
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, req->method);
    }
}

typedef enum { LS__OK, LS__RETRY, LS__FAIL } ls__verdict_t;

static bool ls__curl_transient(CURLcode c)
{
    switch (c) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_SEND_FAIL_REWIND:
    case CURLE_WEIRD_SERVER_REPLY: return true;
    default: return false;
    }
}

static bool ls__code_is(const char *code, const char *const *list)
{
    for (; *list; list++) {
        if (strcmp(code, *list) == 0) {
            return true;
        }
    }
    return false;
}

/* Is this HTTP failure worth another try? */
static bool ls__http_transient(long status, const char *code, bool retry_409)
{
    static const char *const codes[] = {"SlowDown", "InternalError", "RequestTimeout",
                                        "ServiceUnavailable", "OperationAborted", NULL};
    return status >= 500 || status == 429 || status == 408 || (status == 409 && retry_409) ||
           ls__code_is(code, codes);
}

static bool ls__token_expired(const char *code)
{
    static const char *const codes[] = {"ExpiredToken", "TokenRefreshRequired",
                                        "RequestExpired", "InvalidToken", NULL};
    return ls__code_is(code, codes);
}

/* What one failed attempt looked like, for the retry decision and the final message. */
typedef struct ls__attempt_s {
    CURLcode cc;
    long status;
    char code[64];
    char msg[200];
    ls_err_t sink_rc; /* the response body did not fit (LS_ERR_LIMIT) or no memory */
    bool infra; /* counts against the breaker: transport error, 5xx, 429 */
    bool local; /* failed before sending (signing, memory): err is already set */
    ls_err_t local_rc;
} ls__attempt_t;

static void ls__attempt_classify(ls__attempt_t *a, ls__xfer_t *x, CURLcode cc)
{
    a->cc = cc;
    a->status = cc == CURLE_OK ? x->status : 0;
    a->sink_rc = x->sink_rc;
    a->code[0] = a->msg[0] = '\0';
    if (cc == CURLE_OK && (a->status < 200 || a->status >= 300)) {
        ls__s3_error_parse((const char *)x->errbody.data, x->errbody.len, a->code,
                           sizeof(a->code), a->msg, sizeof(a->msg));
        if (a->code[0] == '\0') {
            /* HEAD answers carry no body; name the status the way S3 would */
            snprintf(a->code, sizeof(a->code), "%s",
                     a->status == 404   ? "NotFound"
                     : a->status == 403 ? "Forbidden"
                     : a->status == 412 ? "PreconditionFailed"
                                        : "");
        }
    }
    a->infra = (cc != CURLE_OK && ls__curl_transient(cc)) || a->status >= 500 ||
               a->status == 429;
}

static ls__verdict_t ls__attempt_once(ls_store_t *st, const ls__s3_req_t *req, ls__built_t *b,
                                      const char *path, const char *query, ls__s3_resp_t *resp,
                                      ls__attempt_t *a, ls_error_t *err)
{
    ls__s3_t *s3 = st->impl;
    memset(a, 0, sizeof(*a));
    a->local = true;
    a->local_rc = ls__s3_sign(s3, req, ls__wall_ms() / 1000, b, path, query, err);
    if (a->local_rc != LS_OK) {
        return LS__FAIL;
    }
    a->local_rc = LS_ERR_NOMEM;
    bool oom = false;
    struct curl_slist *hl = ls__slist(b, &oom);
    CURL *h = oom ? NULL : ls__handle_get(s3);
    if (h == NULL) {
        curl_slist_free_all(hl);
        ls_error_set(err, LS_ERR_NOMEM, "s3 %s: cannot set up the HTTP request", req->method);
        return LS__FAIL;
    }
    ls__xfer_t x = {req, resp, 0, 0, 0, LS_OK, {0}};
    ls_buf_init(&x.errbody, LS__ERRBODY_MAX);
    if (req->out != NULL) {
        x.out_start = req->out->len;
    }
    resp->got = 0;
    ls__setup(h, s3, req, &x, (const char *)b->url.data, hl);
    CURLcode cc = curl_easy_perform(h);
    a->local = false;
    ls__attempt_classify(a, &x, cc);
    ls__store_count(st, 1, resp->attempts > 1 ? 1 : 0, x.sent, resp->got);
    resp->status = a->status;
    ls_buf_free(&x.errbody);
    ls__handle_put(s3, h);
    curl_slist_free_all(hl);
    if (cc == CURLE_OK && a->status >= 200 && a->status < 300) {
        return LS__OK;
    }
    if (req->out != NULL) {
        req->out->len = x.out_start; /* a failed attempt leaves nothing behind */
    }
    ls__store_count_error(st, (unsigned)a->status);
    if (a->sink_rc != LS_OK) {
        return LS__FAIL;
    }
    if (cc != CURLE_OK) {
        return ls__curl_transient(cc) ? LS__RETRY : LS__FAIL;
    }
    return ls__http_transient(a->status, a->code, req->retry_409) ? LS__RETRY : LS__FAIL;
}

/* The error for a request that failed for good. */
static ls_err_t ls__final_error(const ls__s3_t *s3, const ls__s3_req_t *req,
                                const ls__attempt_t *a, unsigned attempts, bool retriable,
                                ls_error_t *err)
{
    char what[512];
    snprintf(what, sizeof(what), "s3 %s s3://%s/%s", req->method, s3->bucket,
             req->key ? req->key : "");
    ls_err_t code;
    if (a->sink_rc != LS_OK) {
        return ls_error_set(err, a->sink_rc, "%s: the response does not fit the buffer%s", what,
                            a->sink_rc == LS_ERR_NOMEM ? " (out of memory)" : "");
    }
    if (a->cc != CURLE_OK) {
        code = a->cc == CURLE_OPERATION_TIMEDOUT ? LS_ERR_TIMEOUT : LS_ERR_IO;
        ls_error_set(err, code, "%s: %s (attempt %u)", what, curl_easy_strerror(a->cc), attempts);
    } else {
        code = a->status == 404   ? LS_ERR_NOT_FOUND
               : a->status == 412 ? LS_ERR_EXISTS
               : a->status == 416 ? LS_ERR_INVALID_ARG
               : a->status == 409 ? LS_ERR_CONFLICT
                                  : LS_ERR_IO;
        ls_error_set(err, code, "%s: HTTP %ld %s%s%s (attempt %u)", what, a->status, a->code,
                     a->msg[0] ? ": " : "", a->msg, attempts);
    }
    return retriable ? ls_error_retriable(err) : code;
}

/* Consult the breaker before an attempt; false = fail fast. */
static bool ls__breaker_gate(ls_store_t *st)
{
    ls__s3_t *s3 = st->impl;
    pthread_mutex_lock(&s3->mu);
    bool ok = ls__breaker_allow(&s3->breaker, ls__mono_ms());
    pthread_mutex_unlock(&s3->mu);
    if (!ok) {
        ls__store_count_breaker(st, false, true);
    }
    return ok;
}

/* Record an attempt's outcome; returns a random number for the next backoff. */
static uint64_t ls__breaker_note(ls_store_t *st, bool failed)
{
    ls__s3_t *s3 = st->impl;
    pthread_mutex_lock(&s3->mu);
    bool tripped = ls__breaker_record(&s3->breaker, failed, ls__mono_ms());
    uint64_t x = s3->rng;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    s3->rng = x;
    pthread_mutex_unlock(&s3->mu);
    if (tripped) {
        ls__store_count_breaker(st, true, false);
        ls_logf(LS_LOG_WARN, "store", "S3 circuit breaker open for %u ms after %u failures",
                s3->breaker.cooldown_ms, s3->breaker.threshold);
    }
    return x * 0x2545F4914F6CDD1Dull;
}

/* Nothing was sent (signing or memory failed): a half-open probe slot goes back unused. */
static void ls__breaker_unprobe(ls__s3_t *s3)
{
    pthread_mutex_lock(&s3->mu);
    if (s3->breaker.state == 2) {
        s3->breaker.state = 1;
        s3->breaker.open_until = 0;
    }
    pthread_mutex_unlock(&s3->mu);
}

/* Attempts until success, a permanent failure, the attempt limit or an open breaker. */
static ls_err_t ls__exec_loop(ls_store_t *st, const ls__s3_req_t *req, ls__built_t *b,
                              const char *path, const char *query, ls__s3_resp_t *resp,
                              ls__attempt_t *a, ls_error_t *err)
{
    ls__s3_t *s3 = st->impl;
    bool refreshed = false;
    size_t base_hdrs = b->nhdrs;
    for (unsigned i = 1;; i++) {
        if (!ls__breaker_gate(st)) {
            ls_error_set(err, LS_ERR_RETRY,
                         "s3 %s s3://%s/%s: circuit breaker open (endpoint failing), "
                         "not sending", req->method, s3->bucket, req->key ? req->key : "");
            return ls_error_retriable(err);
        }
        resp->attempts = i;
        b->nhdrs = base_hdrs;
        ls__verdict_t v = ls__attempt_once(st, req, b, path, query, resp, a, err);
        if (a->local) {
            ls__breaker_unprobe(s3);
            return a->local_rc;
        }
        if (v == LS__FAIL && !refreshed && ls__token_expired(a->code) &&
            ls__creds_expire(&s3->creds)) {
            refreshed = true; /* the server saw an expired token: renew it and go again */
            v = LS__RETRY;
        }
        uint64_t rnd = ls__breaker_note(st, v != LS__OK && a->infra);
        if (v == LS__OK) {
            return LS_OK;
        }
        if (v == LS__FAIL || i >= s3->retry.max_attempts) {
            return ls__final_error(s3, req, a, i, v == LS__RETRY, err);
        }
        uint64_t ms = ls__backoff_ms(&s3->retry, i, rnd);
        ls_logf(LS_LOG_DEBUG, "store", "s3 %s %s: attempt %u failed (HTTP %ld %s, curl %d); "
                "retrying in %llu ms", req->method, req->key ? req->key : "", i, a->status,
                a->code, (int)a->cc, (unsigned long long)ms);
        ls__sleep_ms(ms);
    }
}

ls_err_t ls__s3_exec(ls_store_t *st, const ls__s3_req_t *req, ls__s3_resp_t *resp,
                     ls_error_t *err)
{
    ls__s3_t *s3 = st->impl;
    memset(resp, 0, sizeof(*resp));
    resp->content_length = -1;
    ls__built_t b;
    ls__built_init(&b);
    ls_buf_t path, query;
    ls_buf_init(&path, 64u << 10);
    ls_buf_init(&query, 64u << 10);
    ls__attempt_t a = {0};
    ls_err_t rc = ls__s3_prepare(s3, req, &b, &path, &query);
    if (rc != LS_OK) {
        rc = ls_error_set(err, rc, "s3 %s %s: cannot build the request", req->method,
                          req->key ? req->key : "");
    } else {
        rc = ls__exec_loop(st, req, &b, (const char *)path.data, (const char *)query.data,
                           resp, &a, err);
    }
    snprintf(resp->code, sizeof(resp->code), "%s", rc == LS_OK ? "" : a.code);
    ls_buf_free(&path);
    ls_buf_free(&query);
    ls__built_free(&b);
    return rc;
}

/* ---- plain HTTP for credential endpoints ---- */

static size_t ls__simple_write(char *p, size_t size, size_t n, void *ud)
{
    return ls_buf_append(ud, p, size * n) == LS_OK ? size * n : 0;
}

ls_err_t ls__http_simple(const char *method, const char *url, const char *const *headers,
                         unsigned timeout_ms, ls_buf_t *out, long *status, ls_error_t *err)
{
    CURL *h = ls__handle_get(NULL);
    if (h == NULL) {
        return ls_error_set(err, LS_ERR_NOMEM, "HTTP %s %s: cannot set up a request", method, url);
    }
    struct curl_slist *hl = NULL;
    bool oom = false;
    for (size_t i = 0; headers != NULL && headers[i] != NULL && !oom; i++) {
        struct curl_slist *n = curl_slist_append(hl, headers[i]);
        oom = n == NULL;
        hl = n ? n : hl;
    }
    ls__http_only(h);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hl);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)timeout_ms);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, ls__simple_write);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, out);
    if (strcmp(method, "PUT") == 0) {
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, "PUT");
    }
    CURLcode cc = oom ? CURLE_OUT_OF_MEMORY : curl_easy_perform(h);
    *status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, status);
    curl_slist_free_all(hl);
    curl_easy_cleanup(h);
    if (cc != CURLE_OK) {
        /* the URL names a metadata endpoint, never a secret */
        return ls_error_set(err, cc == CURLE_OPERATION_TIMEDOUT ? LS_ERR_TIMEOUT : LS_ERR_IO,
                            "HTTP %s %s: %s", method, url, curl_easy_strerror(cc));
    }
    return LS_OK;
}

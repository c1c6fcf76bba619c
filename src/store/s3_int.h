/*
 * s3_int.h — the S3 backend's private pieces, shared by s3.c (operations), s3_req.c (HTTP,
 * retries, breaker), sigv4.c (signing), creds.c (credentials) and parse.c (XML, JSON, dates),
 * and by the store's unit tests, which call the pure functions directly.
 *
 * Ownership: every char * field of a struct below is owned by that struct unless marked
 * "borrowed"; ls__kv_t pairs are always borrowed.
 */
#ifndef LS_S3_INT_H
#define LS_S3_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "lakesink/buf.h"
#include "lakesink/error.h"
#include "lakesink/store.h"

typedef struct ls__kv_s {
    const char *name;  /* borrowed */
    const char *value; /* borrowed */
} ls__kv_t;

/* ---- sigv4.c: hashing, encoding, signing (pure functions) ---- */

#define LS__EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

/** @brief Lower-case hex SHA-256 of @p len bytes into @p out (65 bytes with the NUL). */
void ls__sha256_hex(const void *data, size_t len, char out[65]);

/** @brief HMAC-SHA256 of @p msg under @p key into @p out (32 bytes). */
void ls__hmac_sha256(const void *key, size_t klen, const void *msg, size_t mlen,
                     uint8_t out[32]);

/**
 * @brief Append @p s percent-encoded as SigV4 wants: every byte but A-Z a-z 0-9 - _ . ~ becomes
 * %XX (upper-case hex); '/' is kept when @p keep_slash (object key paths).
 */
ls_err_t ls__uri_encode(ls_buf_t *out, const char *s, size_t n, bool keep_slash);

/** @brief Append the canonical query string of @p q (raw names/values): encoded, sorted. */
ls_err_t ls__canonical_query(const ls__kv_t *q, size_t n, ls_buf_t *out);

/** @brief Format @p epoch_s as YYYYMMDDTHHMMSSZ. */
void ls__amz_date(int64_t epoch_s, char out[17]);

/* Everything one SigV4 signature covers. All pointers borrowed. */
typedef struct ls__sigv4_s {
    const char *method;
    const char *path;  /* canonical URI: already percent-encoded */
    const char *query; /* canonical query string */
    const ls__kv_t *headers; /* lower-case names, any order; all are signed */
    size_t nheaders;
    const char *payload_hash; /* value of x-amz-content-sha256 */
    const char *amz_date;     /* YYYYMMDDTHHMMSSZ */
    const char *region;
    const char *service;
    const char *access_key;
    const char *secret_key;
} ls__sigv4_t;

/** @brief Append the Authorization header value ("AWS4-HMAC-SHA256 Credential=..."). */
ls_err_t ls__sigv4_authorization(const ls__sigv4_t *in, ls_buf_t *out);

/* ---- parse.c: the bits of XML, JSON and dates S3 and AWS endpoints send ---- */

typedef struct ls__span_s {
    const char *p; /* borrowed, into the document */
    size_t n;
} ls__span_t;

/** @brief Content of the first <tag>...</tag> in [doc, doc+n) (no nesting of the same tag). */
bool ls__xml_find(const char *doc, size_t n, const char *tag, ls__span_t *out);

/** @brief Next <tag>...</tag> at or after *cur (< end); advances *cur past it. */
bool ls__xml_next(const char **cur, const char *end, const char *tag, ls__span_t *out);

/** @brief Append the entity-decoded text of @p s to @p out and NUL-terminate it. */
ls_err_t ls__xml_text(ls__span_t s, ls_buf_t *out);

/** @brief Append @p s with & < > escaped for XML text content. */
ls_err_t ls__xml_escape(ls_buf_t *out, const char *s);

/** @brief S3 error document: Code and Message (decoded, truncated to the caps; "" if absent). */
void ls__s3_error_parse(const char *doc, size_t n, char *code, size_t code_cap, char *msg,
                        size_t msg_cap);

/*
 * One ListObjectsV2 page. Calls @p cb for each key that starts with @p strip (which is then
 * removed from it); sets *truncated and the continuation token.
 */
ls_err_t ls__s3_list_parse(const char *doc, size_t n, const char *strip, ls_store_list_cb cb,
                           void *ud, bool *truncated, ls_buf_t *token, ls_error_t *err);

/** @brief Top-level string member @p key of a flat JSON object, decoded into @p out. */
bool ls__json_string(const char *doc, size_t n, const char *key, ls_buf_t *out);

/** @brief "2024-05-01T12:34:56[.123][Z|+hh:mm]" to ms since the epoch. */
bool ls__parse_iso8601_ms(const char *s, size_t n, int64_t *ms);

/** @brief RFC 7231 date ("Wed, 21 Oct 2015 07:28:00 GMT") to ms since the epoch. */
bool ls__parse_http_date_ms(const char *s, size_t n, int64_t *ms);

/* ---- creds.c: the AWS credential chain ---- */

typedef enum {
    LS__CRED_NONE = 0,
    LS__CRED_EXPLICIT,
    LS__CRED_ENV,
    LS__CRED_PROFILE,
    LS__CRED_ECS,
    LS__CRED_IMDS
} ls__cred_src_t;

typedef struct ls__creds_s {
    pthread_mutex_t mu;
    ls__cred_src_t src;
    char *akid;
    char *secret;
    char *token;        /* NULL for long-term keys */
    int64_t expires_ms; /* wall clock; 0 = never expires */
    int64_t margin_ms;  /* refresh this long before expiry (5 minutes) */
    int64_t retry_at_ms; /* after a failed refresh, the next try waits until then */
    /* where temporary credentials are refreshed from */
    char *ecs_url;
    char *ecs_auth;      /* Authorization header value, or NULL */
    char *ecs_auth_file; /* file holding it (read on every refresh), or NULL */
    char *imds_endpoint; /* e.g. http://169.254.169.254 */
    unsigned timeout_ms;
    char *profile_region; /* region from the config file's profile, or NULL */
} ls__creds_t;

/**
 * @brief Resolve credentials: @p opts' explicit keys, then the environment, the shared
 * credentials/config files (profile), the container endpoint, instance metadata (IMDSv2).
 * @returns LS_ERR_CONFIG naming every place tried when none has credentials.
 */
ls_err_t ls__creds_init(ls__creds_t *c, const ls_store_opts_t *opts, ls_error_t *err);
void ls__creds_destroy(ls__creds_t *c);

/** @brief Lock @p c, refreshing temporary credentials near expiry. Unlock with _release. */
ls_err_t ls__creds_acquire(ls__creds_t *c, ls_error_t *err);
void ls__creds_release(ls__creds_t *c);

/** @brief Force a refresh before the next use (the server said the token expired). */
bool ls__creds_expire(ls__creds_t *c);

/** @brief Short name of a source ("environment", "profile", ...). */
const char *ls__creds_source_name(ls__cred_src_t src);

/**
 * @brief Look @p key up in an AWS ini document: section [@p section] (credentials file) or
 * [profile @p section] / [default] (config file, @p config true). Indented sub-keys are skipped.
 * @param out receives an owned copy, or NULL when absent.
 */
ls_err_t ls__ini_get(const char *doc, size_t n, const char *section, bool config,
                     const char *key, char **out);

/* ---- s3_req.c: requests, retries, circuit breaker ---- */

typedef struct ls__breaker_s {
    unsigned threshold; /* 0 = never opens */
    unsigned cooldown_ms;
    unsigned consecutive;
    int state; /* 0 closed, 1 open, 2 half-open (one probe in flight) */
    uint64_t open_until;
} ls__breaker_t;

/** @brief May a request go now? An open breaker lets one probe through after its cool-down. */
bool ls__breaker_allow(ls__breaker_t *b, uint64_t now_ms);
/** @brief Record a request's outcome; true when this failure opened the breaker. */
bool ls__breaker_record(ls__breaker_t *b, bool failed, uint64_t now_ms);

/** @brief Full-jitter delay before retry number @p retry (1 = first retry), from @p rnd. */
uint64_t ls__backoff_ms(const ls_store_retry_t *r, unsigned retry, uint64_t rnd);

#define LS__POOL_MAX 8

typedef struct ls__s3_s {
    char *bucket;
    char *prefix;    /* "" or "a/b" (no leading or trailing '/') */
    char *scheme;    /* "http" or "https" */
    char *endpoint_host; /* host[:port] of the endpoint, default port dropped */
    char *base_path; /* "" or "/path" of the endpoint URL */
    bool path_style;
    char *region;
    char *sse;
    char *sse_kms;
    size_t part_size;
    unsigned page_size;
    unsigned connect_ms;
    unsigned stall_ms;
    ls_store_retry_t retry;
    ls__creds_t creds;
    bool creds_ready; /* creds initialised (and so to be destroyed) */
    pthread_mutex_t mu; /* guards pool, breaker, rng */
    void *pool[LS__POOL_MAX]; /* idle CURL handles (kept for connection reuse) */
    size_t npool;
    ls__breaker_t breaker;
    uint64_t rng;
} ls__s3_t;

/* One S3 request. All pointers borrowed. */
typedef struct ls__s3_req_s {
    const char *method; /* GET PUT POST DELETE HEAD */
    const char *key;    /* full object key (prefix included); NULL = the bucket */
    const ls__kv_t *query;
    size_t nquery;
    const ls__kv_t *headers; /* extra headers, lower-case names; all signed */
    size_t nheaders;
    const void *body;
    size_t body_len;
    ls_buf_t *out;    /* a 2xx body is appended here (its cap applies), or NULL */
    uint8_t *dst;     /* ... or copied here, at most dst_cap bytes */
    size_t dst_cap;
    bool retry_409;   /* 409 is a transient conflict (conditional PUT) */
} ls__s3_req_t;

typedef struct ls__s3_resp_s {
    long status;
    char code[64]; /* S3 error Code, "" on success */
    char etag[128];
    int64_t content_length; /* -1 unknown */
    int64_t last_modified_ms;
    size_t got;     /* body bytes delivered to out/dst */
    unsigned attempts;
} ls__s3_resp_t;

/**
 * @brief Sign and send @p req with retries and the breaker. HTTP 404 -> LS_ERR_NOT_FOUND,
 * 412 -> LS_ERR_EXISTS, 416 -> LS_ERR_INVALID_ARG, other failures LS_ERR_IO / LS_ERR_TIMEOUT
 * (retriable when retries ran out), LS_ERR_RETRY when the breaker is open.
 */
ls_err_t ls__s3_exec(ls_store_t *st, const ls__s3_req_t *req, ls__s3_resp_t *resp,
                     ls_error_t *err);

/**
 * @brief Test hook: the URL and headers ("name: value\n" lines, Authorization last) that
 * ls__s3_exec would send for @p req at time @p epoch_s. Sends nothing.
 */
ls_err_t ls__s3_sign_request(ls_store_t *st, const ls__s3_req_t *req, int64_t epoch_s,
                             ls_buf_t *url, ls_buf_t *headers, ls_error_t *err);

/** @brief Close an idle pooled connection handle. */
void ls__s3_pool_release(void *handle);

/** @brief The bucket key for store key @p key (prefix + "/" + key); owned by the caller. */
char *ls__s3_full_key(const ls__s3_t *s3, const char *key);

/**
 * @brief A plain HTTP request (credential endpoints): no signing, no retries.
 * @param headers NULL-terminated "Name: value" strings, or NULL.
 * @param out receives the body (its cap applies).
 */
ls_err_t ls__http_simple(const char *method, const char *url, const char *const *headers,
                         unsigned timeout_ms, ls_buf_t *out, long *status, ls_error_t *err);

#endif

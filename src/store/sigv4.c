/*
 * sigv4.c — AWS Signature Version 4 for S3: SHA-256 and HMAC (OpenSSL libcrypto), URI
 * encoding, canonical query strings and the Authorization header.
 *
 * Responsible for: the exact canonical forms S3 verifies (no double encoding of the path, every
 * header we send is signed, header values trimmed). Not responsible for: deciding which headers
 * a request carries (s3_req.c) or where credentials come from (creds.c).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "lakesink/alloc.h"
#include "s3_int.h"

static const char ls__hex[] = "0123456789abcdef";

static void ls__to_hex(const uint8_t *p, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = ls__hex[p[i] >> 4];
        out[2 * i + 1] = ls__hex[p[i] & 15];
    }
    out[2 * n] = '\0';
}

void ls__sha256_hex(const void *data, size_t len, char out[65])
{
    uint8_t md[EVP_MAX_MD_SIZE];
    unsigned mdlen = 0;
    if (EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != 32) {
        /* only fails when libcrypto is broken; an invalid hash makes S3 refuse the request */
        memset(md, 0, sizeof(md));
        mdlen = 32;
    }
    ls__to_hex(md, 32, out);
}

void ls__hmac_sha256(const void *key, size_t klen, const void *msg, size_t mlen,
                     uint8_t out[32])
{
    /* through a local so that @p out may alias @p key (the signing-key chain does that) */
    uint8_t md[EVP_MAX_MD_SIZE];
    unsigned outlen = 0;
    if (HMAC(EVP_sha256(), key, (int)klen, msg, mlen, md, &outlen) == NULL || outlen != 32) {
        memset(md, 0, 32);
    }
    memcpy(out, md, 32);
}

static bool ls__unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '_' || c == '.' || c == '~';
}

ls_err_t ls__uri_encode(ls_buf_t *out, const char *s, size_t n, bool keep_slash)
{
    static const char up[] = "0123456789ABCDEF";
    LS_TRY(ls_buf_reserve(out, n * 3));
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (ls__unreserved(c) || (keep_slash && c == '/')) {
            out->data[out->len++] = c;
        } else {
            out->data[out->len++] = '%';
            out->data[out->len++] = (uint8_t)up[c >> 4];
            out->data[out->len++] = (uint8_t)up[c & 15];
        }
    }
    return LS_OK;
}

typedef struct ls__qpair_s {
    char *name;
    char *value;
} ls__qpair_t;

static int ls__qpair_cmp(const void *a, const void *b)
{
    const ls__qpair_t *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c ? c : strcmp(x->value, y->value);
}

static char *ls__encode_dup(const char *s)
{
    ls_buf_t b;
    ls_buf_init(&b, LS_BUF_UNLIMITED);
    if (ls__uri_encode(&b, s, strlen(s), false) != LS_OK || ls_buf_terminate(&b) != LS_OK) {
        ls_buf_free(&b);
        return NULL;
    }
    return (char *)ls_buf_steal(&b, NULL);
}

ls_err_t ls__canonical_query(const ls__kv_t *q, size_t n, ls_buf_t *out)
{
    if (n == 0) {
        return LS_OK;
    }
    ls__qpair_t *pairs = ls_calloc(n, sizeof(*pairs));
    if (pairs == NULL) {
        return LS_ERR_NOMEM;
    }
    ls_err_t rc = LS_OK;
    for (size_t i = 0; i < n && rc == LS_OK; i++) {
        pairs[i].name = ls__encode_dup(q[i].name);
        pairs[i].value = ls__encode_dup(q[i].value ? q[i].value : "");
        if (pairs[i].name == NULL || pairs[i].value == NULL) {
            rc = LS_ERR_NOMEM;
        }
    }
    if (rc == LS_OK) {
        /* sorted by encoded name, then value: the order S3 recomputes */
        qsort(pairs, n, sizeof(*pairs), ls__qpair_cmp);
        for (size_t i = 0; i < n && rc == LS_OK; i++) {
            rc = ls_buf_printf(out, "%s%s=%s", i ? "&" : "", pairs[i].name, pairs[i].value);
        }
    }
    for (size_t i = 0; i < n; i++) {
        ls_free(pairs[i].name);
        ls_free(pairs[i].value);
    }
    ls_free(pairs);
    return rc;
}

void ls__amz_date(int64_t epoch_s, char out[17])
{
    time_t t = (time_t)epoch_s;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 17, "%Y%m%dT%H%M%SZ", &tm);
}

static int ls__kv_cmp(const void *a, const void *b)
{
    return strcmp(((const ls__kv_t *)a)->name, ((const ls__kv_t *)b)->name);
}

/* Header value as SigV4 wants it: outer spaces removed, inner runs of spaces collapsed. */
static ls_err_t ls__append_trimmed(ls_buf_t *out, const char *v)
{
    bool pending = false, any = false;
    for (; *v; v++) {
        if (*v == ' ' || *v == '\t') {
            pending = any;
            continue;
        }
        if (pending) {
            LS_TRY(ls_buf_append_byte(out, ' '));
            pending = false;
        }
        LS_TRY(ls_buf_append_byte(out, (uint8_t)*v));
        any = true;
    }
    return LS_OK;
}

/* The canonical request (method, path, query, headers, signed names, payload hash). */
static ls_err_t ls__canonical_request(const ls__sigv4_t *in, const ls__kv_t *sorted,
                                      ls_buf_t *cr, ls_buf_t *signed_names)
{
    LS_TRY(ls_buf_printf(cr, "%s\n%s\n%s\n", in->method, in->path, in->query));
    for (size_t i = 0; i < in->nheaders; i++) {
        LS_TRY(ls_buf_printf(cr, "%s:", sorted[i].name));
        LS_TRY(ls__append_trimmed(cr, sorted[i].value));
        LS_TRY(ls_buf_append_byte(cr, '\n'));
        LS_TRY(ls_buf_printf(signed_names, "%s%s", i ? ";" : "", sorted[i].name));
    }
    LS_TRY(ls_buf_terminate(signed_names));
    return ls_buf_printf(cr, "\n%s\n%s", (const char *)signed_names->data, in->payload_hash);
}

/* kSigning = HMAC chain over date, region, service, "aws4_request"; then the signature. */
static ls_err_t ls__signature(const ls__sigv4_t *in, const char *sts, size_t sts_len,
                              char out[65])
{
    uint8_t k[32];
    char key[4 + 256];
    size_t sl = strlen(in->secret_key);
    if (sl > 256) {
        return LS_ERR_INVALID_ARG; /* real secret keys are 40 characters */
    }
    memcpy(key, "AWS4", 4);
    memcpy(key + 4, in->secret_key, sl);
    ls__hmac_sha256(key, sl + 4, in->amz_date, 8, k);
    OPENSSL_cleanse(key, sizeof(key));
    ls__hmac_sha256(k, 32, in->region, strlen(in->region), k);
    ls__hmac_sha256(k, 32, in->service, strlen(in->service), k);
    ls__hmac_sha256(k, 32, "aws4_request", 12, k);
    uint8_t sig[32];
    ls__hmac_sha256(k, 32, sts, sts_len, sig);
    OPENSSL_cleanse(k, sizeof(k));
    ls__to_hex(sig, 32, out);
    return LS_OK;
}

ls_err_t ls__sigv4_authorization(const ls__sigv4_t *in, ls_buf_t *out)
{
    ls__kv_t *sorted = ls_calloc(in->nheaders ? in->nheaders : 1, sizeof(*sorted));
    if (sorted == NULL) {
        return LS_ERR_NOMEM;
    }
    memcpy(sorted, in->headers, in->nheaders * sizeof(*sorted));
    qsort(sorted, in->nheaders, sizeof(*sorted), ls__kv_cmp);
    ls_buf_t cr, names, sts;
    ls_buf_init(&cr, LS_BUF_UNLIMITED);
    ls_buf_init(&names, LS_BUF_UNLIMITED);
    ls_buf_init(&sts, LS_BUF_UNLIMITED);
    ls_err_t rc = ls__canonical_request(in, sorted, &cr, &names);
    char hash[65], sig[65];
    if (rc == LS_OK) {
        ls__sha256_hex(cr.data, cr.len, hash);
        rc = ls_buf_printf(&sts, "AWS4-HMAC-SHA256\n%s\n%.8s/%s/%s/aws4_request\n%s",
                           in->amz_date, in->amz_date, in->region, in->service, hash);
    }
    if (rc == LS_OK) {
        rc = ls__signature(in, (const char *)sts.data, sts.len, sig);
    }
    if (rc == LS_OK) {
        rc = ls_buf_printf(out,
                           "AWS4-HMAC-SHA256 Credential=%s/%.8s/%s/%s/aws4_request, "
                           "SignedHeaders=%s, Signature=%s",
                           in->access_key, in->amz_date, in->region, in->service,
                           (const char *)names.data, sig);
    }
    ls_buf_free(&cr);
    ls_buf_free(&names);
    ls_buf_free(&sts);
    ls_free(sorted);
    return rc;
}

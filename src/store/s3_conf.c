/*
 * s3_conf.c — setting up an S3 store: bucket and prefix from the URI, endpoint (AWS or an
 * S3-compatible one), addressing style, region, SSE options, credentials.
 *
 * Responsible for: the precedence rules (options, then environment, then profile, then
 * defaults) and rejecting malformed settings with a message that names them. Not responsible
 * for: sending anything (s3_req.c), except what the credential chain itself fetches.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "lakesink/alloc.h"
#include "s3_int.h"
#include "store_int.h"

static char *ls__getenv_dup(const char *name)
{
    const char *v = getenv(name);
    return v != NULL && v[0] != '\0' ? ls_strdup(v) : NULL;
}

static bool ls__bucket_ok(const char *b, size_t n)
{
    if (n < 1 || n > 63) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        char c = b[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '-' || c == '_';
        if (!ok) {
            return false;
        }
    }
    return true;
}

/* "bucket[/prefix[/]]" */
static ls_err_t ls__parse_location(ls__s3_t *s3, const char *rest, ls_error_t *err)
{
    const char *slash = strchr(rest, '/');
    size_t bl = slash ? (size_t)(slash - rest) : strlen(rest);
    if (!ls__bucket_ok(rest, bl)) {
        return ls_error_set(err, LS_ERR_INVALID_ARG, "s3://%s: invalid bucket name", rest);
    }
    const char *p = slash ? slash + 1 : "";
    size_t pl = strlen(p);
    while (pl > 0 && p[pl - 1] == '/') {
        pl--;
    }
    s3->bucket = ls_strndup(rest, bl);
    s3->prefix = ls_strndup(p, pl);
    if (s3->bucket == NULL || s3->prefix == NULL) {
        return ls_error_set(err, LS_ERR_NOMEM, "s3://%s: out of memory", rest);
    }
    if (pl > 0 && ls__store_key_check(s3->prefix, NULL) != LS_OK) {
        return ls_error_set(err, LS_ERR_INVALID_ARG,
                            "s3://%s: the prefix has an empty, '.' or '..' component", rest);
    }
    return LS_OK;
}

/* "http[s]://host[:port][/base]" */
static ls_err_t ls__parse_endpoint(ls__s3_t *s3, const char *ep, ls_error_t *err)
{
    const char *scheme = strncmp(ep, "https://", 8) == 0  ? "https"
                         : strncmp(ep, "http://", 7) == 0 ? "http"
                                                          : NULL;
    if (scheme == NULL) {
        return ls_error_set(err, LS_ERR_CONFIG, "S3 endpoint '%s' is not an http(s) URL", ep);
    }
    const char *h = ep + strlen(scheme) + 3;
    size_t hl = strcspn(h, "/?#");
    if (hl == 0 || h[hl] == '?' || h[hl] == '#' || memchr(h, '@', hl) != NULL) {
        return ls_error_set(err, LS_ERR_CONFIG, "S3 endpoint '%s': expected scheme://host[:port]"
                            "[/path]", ep);
    }
    const char *base = h + hl;
    size_t bl = strlen(base);
    while (bl > 0 && base[bl - 1] == '/') {
        bl--;
    }
    /* the Host header (and so the signature) omits a default port */
    const char *dflt = strcmp(scheme, "https") == 0 ? ":443" : ":80";
    size_t dl = strlen(dflt);
    if (hl > dl && memcmp(h + hl - dl, dflt, dl) == 0) {
        hl -= dl;
    }
    s3->scheme = ls_strdup(scheme);
    s3->endpoint_host = ls_strndup(h, hl);
    s3->base_path = ls_strndup(base, bl);
    if (s3->scheme == NULL || s3->endpoint_host == NULL || s3->base_path == NULL) {
        return ls_error_set(err, LS_ERR_NOMEM, "S3 endpoint: out of memory");
    }
    return LS_OK;
}

static ls_err_t ls__s3_region(ls__s3_t *s3, const ls_store_opts_t *o, ls_error_t *err)
{
    if (o->region != NULL && o->region[0] != '\0') {
        s3->region = ls_strdup(o->region);
    } else if ((s3->region = ls__getenv_dup("AWS_REGION")) == NULL &&
               (s3->region = ls__getenv_dup("AWS_DEFAULT_REGION")) == NULL) {
        s3->region = ls_strdup(s3->creds.profile_region ? s3->creds.profile_region
                                                        : "us-east-1");
    }
    if (s3->region == NULL) {
        return ls_error_set(err, LS_ERR_NOMEM, "S3 region: out of memory");
    }
    for (const char *p = s3->region; *p; p++) {
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-')) {
            return ls_error_set(err, LS_ERR_CONFIG, "S3 region '%s' is not a region name",
                                s3->region);
        }
    }
    return LS_OK;
}

static ls_err_t ls__s3_endpoint(ls__s3_t *s3, const ls_store_opts_t *o, ls_error_t *err)
{
    char *ep = o->endpoint && o->endpoint[0] ? ls_strdup(o->endpoint) : NULL;
    if (ep == NULL) {
        ep = ls__getenv_dup("AWS_ENDPOINT_URL_S3");
    }
    if (ep == NULL) {
        ep = ls__getenv_dup("AWS_ENDPOINT_URL");
    }
    bool custom = ep != NULL;
    if (ep == NULL) {
        ls_buf_t b;
        ls_buf_init(&b, 1024);
        if (ls_buf_printf(&b, "https://s3.%s.amazonaws.com", s3->region) == LS_OK &&
            ls_buf_terminate(&b) == LS_OK) {
            ep = (char *)ls_buf_steal(&b, NULL);
        }
        ls_buf_free(&b);
    }
    ls_err_t rc = ep ? ls__parse_endpoint(s3, ep, err)
                     : ls_error_set(err, LS_ERR_NOMEM, "S3 endpoint: out of memory");
    ls_free(ep);
    const char *force = getenv("AWS_S3_FORCE_PATH_STYLE");
    bool forced = force != NULL && strcasecmp(force, "true") == 0;
    /* dotted bucket names break TLS wildcard certificates in virtual-hosted style */
    s3->path_style = o->path_style >= 0 ? o->path_style != 0
                                        : custom || forced || strchr(s3->bucket, '.') != NULL;
    return rc;
}

static uint64_t ls__seed(void)
{
    uint64_t s = (uint64_t)ls__wall_ms() ^ ((uint64_t)getpid() << 32) ^ ls__mono_ms() * 31u;
    return s ? s : 0x9E3779B97F4A7C15ull;
}

static ls_err_t ls__s3_setup(ls__s3_t *s3, const char *rest, const ls_store_opts_t *o,
                             ls_error_t *err)
{
    LS_TRY(ls__parse_location(s3, rest, err));
    s3->part_size = o->part_size;
    s3->page_size = o->list_page_size;
    s3->connect_ms = o->connect_timeout_ms ? o->connect_timeout_ms : 10000;
    s3->stall_ms = o->stall_timeout_ms ? o->stall_timeout_ms : 30000;
    s3->retry = o->retry;
    s3->breaker.threshold = o->retry.breaker_threshold;
    s3->breaker.cooldown_ms = o->retry.breaker_cooldown_ms;
    s3->rng = ls__seed();
    if ((o->sse && (s3->sse = ls_strdup(o->sse)) == NULL) ||
        (o->sse_kms_key_id && (s3->sse_kms = ls_strdup(o->sse_kms_key_id)) == NULL)) {
        return ls_error_set(err, LS_ERR_NOMEM, "S3 options: out of memory");
    }
    LS_TRY(ls__creds_init(&s3->creds, o, err));
    s3->creds_ready = true;
    LS_TRY(ls__s3_region(s3, o, err));
    return ls__s3_endpoint(s3, o, err);
}

ls_err_t ls__store_s3_init(ls_store_t *st, const char *rest, const ls_store_opts_t *o,
                           ls_error_t *err)
{
    ls__s3_t *s3 = ls_calloc(1, sizeof(*s3));
    if (s3 == NULL) {
        return ls_error_set(err, LS_ERR_NOMEM, "s3://%s: out of memory", rest);
    }
    pthread_mutex_init(&s3->mu, NULL);
    st->impl = s3;
    ls_err_t rc = ls__s3_setup(s3, rest, o, err);
    if (rc != LS_OK) {
        ls__store_s3_ops.free(st);
        return rc;
    }
    st->ops = &ls__store_s3_ops;
    return LS_OK;
}

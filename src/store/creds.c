/*
 * creds.c — the AWS credential chain and its refresh: explicit keys, environment, shared
 * credentials/config files (profiles), the ECS container endpoint and EC2 instance metadata
 * (IMDSv2), with expiry tracking so temporary credentials are renewed before they lapse.
 *
 * Responsible for: finding credentials the way the AWS CLI does (the common subset) and never
 * letting a secret reach a log line or an error message. Not responsible for: assume-role,
 * SSO, credential_process or web identity (see docs/internals/storage.md, gaps).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#include "lakesink/alloc.h"
#include "lakesink/io.h"
#include "lakesink/log.h"
#include "s3_int.h"
#include "store_int.h"

#define LS__INI_MAX ((size_t)1 << 20)
#define LS__META_MAX ((size_t)64 << 10)

const char *ls__creds_source_name(ls__cred_src_t src)
{
    switch (src) {
    case LS__CRED_EXPLICIT: return "options";
    case LS__CRED_ENV: return "environment";
    case LS__CRED_PROFILE: return "shared profile";
    case LS__CRED_ECS: return "container endpoint";
    case LS__CRED_IMDS: return "instance metadata";
    default: return "none";
    }
}

/* Copy of a non-empty environment variable, or NULL. */
static char *ls__env(const char *name)
{
    const char *v = getenv(name);
    return v != NULL && v[0] != '\0' ? ls_strdup(v) : NULL;
}

static bool ls__env_true(const char *name)
{
    const char *v = getenv(name);
    return v != NULL && strcasecmp(v, "true") == 0;
}

static void ls__secret_free(char *s)
{
    if (s != NULL) {
        OPENSSL_cleanse(s, strlen(s));
        ls_free(s);
    }
}

static void ls__creds_clear_keys(ls__creds_t *c)
{
    ls__secret_free(c->akid);
    ls__secret_free(c->secret);
    ls__secret_free(c->token);
    c->akid = c->secret = c->token = NULL;
}

/* Take ownership of the three strings (token may be NULL). */
static void ls__creds_set(ls__creds_t *c, ls__cred_src_t src, char *akid, char *secret,
                          char *token, int64_t expires_ms)
{
    ls__creds_clear_keys(c);
    c->src = src;
    c->akid = akid;
    c->secret = secret;
    c->token = token;
    c->expires_ms = expires_ms;
}

/* ---- ini files ---- */

static const char *ls__trim(const char *s, const char *e, const char **end)
{
    while (s < e && (*s == ' ' || *s == '\t')) {
        s++;
    }
    while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r')) {
        e--;
    }
    *end = e;
    return s;
}

/* Does the header "[...]" content name our profile? */
static bool ls__ini_section_match(const char *s, const char *e, const char *section, bool config)
{
    size_t sl = strlen(section);
    if (config && (size_t)(e - s) > 8 && memcmp(s, "profile", 7) == 0 &&
        (s[7] == ' ' || s[7] == '\t')) {
        const char *ne;
        const char *n = ls__trim(s + 8, e, &ne);
        return (size_t)(ne - n) == sl && memcmp(n, section, sl) == 0;
    }
    /* the config file names the default profile [default]; the credentials file, every one */
    if (config && strcmp(section, "default") != 0) {
        return false;
    }
    return (size_t)(e - s) == sl && memcmp(s, section, sl) == 0;
}

ls_err_t ls__ini_get(const char *doc, size_t n, const char *section, bool config,
                     const char *key, char **out)
{
    *out = NULL;
    bool in = false;
    size_t kl = strlen(key);
    for (const char *line = doc, *end = doc + n; line < end;) {
        const char *nl = memchr(line, '\n', (size_t)(end - line));
        const char *le = nl ? nl : end;
        const char *te;
        const char *t = ls__trim(line, le, &te);
        bool indented = t > line;
        if (t < te && *t == '[') {
            const char *close = memchr(t, ']', (size_t)(te - t));
            const char *se;
            const char *s = close ? ls__trim(t + 1, close, &se) : NULL;
            in = s != NULL && ls__ini_section_match(s, se, section, config);
        } else if (in && !indented && t < te && *t != '#' && *t != ';') {
            const char *eq = memchr(t, '=', (size_t)(te - t));
            const char *ke, *ve;
            const char *k = eq ? ls__trim(t, eq, &ke) : NULL;
            if (k != NULL && (size_t)(ke - k) == kl && strncasecmp(k, key, kl) == 0) {
                const char *v = ls__trim(eq + 1, te, &ve);
                *out = ls_strndup(v, (size_t)(ve - v));
                return *out ? LS_OK : LS_ERR_NOMEM;
            }
        }
        line = nl ? nl + 1 : end;
    }
    return LS_OK;
}

/* Path of a shared file: env override, else ~/.aws/<name>. Owned; NULL without HOME. */
static char *ls__aws_file(const char *env, const char *name)
{
    char *p = ls__env(env);
    if (p != NULL) {
        return p;
    }
    const char *home = getenv("HOME");
    if (home == NULL || home[0] == '\0') {
        return NULL;
    }
    ls_buf_t b;
    ls_buf_init(&b, 4096);
    if (ls_buf_printf(&b, "%s/.aws/%s", home, name) != LS_OK || ls_buf_terminate(&b) != LS_OK) {
        ls_buf_free(&b);
        return NULL;
    }
    return (char *)ls_buf_steal(&b, NULL);
}

typedef struct ls__profile_s {
    ls_buf_t cred; /* credentials file contents (empty when missing) */
    ls_buf_t conf; /* config file contents */
} ls__profile_t;

static void ls__profile_load(ls__profile_t *p)
{
    char *cf = ls__aws_file("AWS_SHARED_CREDENTIALS_FILE", "credentials");
    char *gf = ls__aws_file("AWS_CONFIG_FILE", "config");
    /* a missing or unreadable file is simply no profile there */
    if (cf == NULL || ls_file_read_all(cf, LS__INI_MAX, &p->cred, NULL) != LS_OK) {
        ls_buf_init(&p->cred, 0);
    }
    if (gf == NULL || ls_file_read_all(gf, LS__INI_MAX, &p->conf, NULL) != LS_OK) {
        ls_buf_init(&p->conf, 0);
    }
    ls_free(cf);
    ls_free(gf);
}

static void ls__profile_free(ls__profile_t *p)
{
    if (p->cred.data != NULL) {
        OPENSSL_cleanse(p->cred.data, p->cred.len);
    }
    ls_buf_free(&p->cred);
    ls_buf_free(&p->conf);
}

/* A key of the profile: credentials file first, then the config file. */
static char *ls__profile_get(const ls__profile_t *p, const char *profile, const char *key)
{
    char *v = NULL;
    if (p->cred.len > 0) {
        ls__ini_get((const char *)p->cred.data, p->cred.len, profile, false, key, &v);
    }
    if (v == NULL && p->conf.len > 0) {
        ls__ini_get((const char *)p->conf.data, p->conf.len, profile, true, key, &v);
    }
    return v;
}

/* ---- metadata endpoints ---- */

/* Fill @p c from an ECS/IMDS JSON credentials document. */
static ls_err_t ls__creds_from_json(ls__creds_t *c, ls__cred_src_t src, const ls_buf_t *doc,
                                    const char *where, ls_error_t *err)
{
    ls_buf_t a, s, t, e;
    ls_buf_init(&a, 4096);
    ls_buf_init(&s, 4096);
    ls_buf_init(&t, 16384);
    ls_buf_init(&e, 256);
    const char *d = (const char *)doc->data;
    int64_t exp = 0;
    ls_err_t rc = LS_OK;
    if (!ls__json_string(d, doc->len, "AccessKeyId", &a) ||
        !ls__json_string(d, doc->len, "SecretAccessKey", &s)) {
        rc = ls_error_set(err, LS_ERR_CONFIG, "%s: credentials document lacks AccessKeyId or "
                          "SecretAccessKey", where);
    } else if (ls__json_string(d, doc->len, "Expiration", &e) &&
               !ls__parse_iso8601_ms((const char *)e.data, e.len, &exp)) {
        rc = ls_error_set(err, LS_ERR_CONFIG, "%s: unreadable Expiration", where);
    } else {
        bool tok = ls__json_string(d, doc->len, "Token", &t);
        ls__creds_set(c, src, (char *)ls_buf_steal(&a, NULL), (char *)ls_buf_steal(&s, NULL),
                      tok ? (char *)ls_buf_steal(&t, NULL) : NULL, exp);
    }
    if (s.data != NULL) {
        OPENSSL_cleanse(s.data, s.len);
    }
    if (t.data != NULL) {
        OPENSSL_cleanse(t.data, t.len);
    }
    ls_buf_free(&a);
    ls_buf_free(&s);
    ls_buf_free(&t);
    ls_buf_free(&e);
    return rc;
}

static ls_err_t ls__get_ok(const char *method, const char *url, const char *const *hdrs,
                           unsigned timeout_ms, ls_buf_t *out, const char *what, ls_error_t *err)
{
    long status = 0;
    ls_buf_init(out, LS__META_MAX);
    ls_err_t rc = ls__http_simple(method, url, hdrs, timeout_ms, out, &status, err);
    if (rc == LS_OK && status != 200) {
        rc = ls_error_set(err, LS_ERR_CONFIG, "%s: HTTP %ld", what, status);
    }
    if (rc != LS_OK) {
        ls_buf_free(out);
    }
    return rc;
}

static ls_err_t ls__fetch_ecs(ls__creds_t *c, ls_error_t *err)
{
    char *auth = NULL;
    if (c->ecs_auth_file != NULL) {
        ls_buf_t f;
        if (ls_file_read_all(c->ecs_auth_file, LS__INI_MAX, &f, err) != LS_OK) {
            return ls_error_prefix(err, "container credentials token file: ");
        }
        const char *te;
        const char *t = ls__trim((const char *)f.data, (const char *)f.data + f.len, &te);
        while (te > t && (te[-1] == '\n' || te[-1] == '\r')) {
            te--;
        }
        auth = ls_strndup(t, (size_t)(te - t));
        ls__secret_free((char *)ls_buf_steal(&f, NULL));
    } else if (c->ecs_auth != NULL) {
        auth = ls_strdup(c->ecs_auth);
    }
    ls_buf_t hdr;
    ls_buf_init(&hdr, 20000);
    const char *hdrs[2] = {NULL, NULL};
    if (auth != NULL && ls_buf_printf(&hdr, "Authorization: %s", auth) == LS_OK &&
        ls_buf_terminate(&hdr) == LS_OK) {
        hdrs[0] = (const char *)hdr.data;
    }
    ls__secret_free(auth);
    ls_buf_t doc;
    ls_err_t rc = ls__get_ok("GET", c->ecs_url, hdrs, c->timeout_ms, &doc,
                             "container credentials endpoint", err);
    if (hdr.data != NULL) {
        OPENSSL_cleanse(hdr.data, hdr.len);
    }
    ls_buf_free(&hdr);
    if (rc == LS_OK) {
        rc = ls__creds_from_json(c, LS__CRED_ECS, &doc, "container credentials endpoint", err);
        OPENSSL_cleanse(doc.data, doc.len);
        ls_buf_free(&doc);
    }
    return rc;
}

/* IMDSv2: a session token by PUT, the role name, then the role's credentials. */
static ls_err_t ls__fetch_imds(ls__creds_t *c, ls_error_t *err)
{
    ls_buf_t url, tok, hdr, role, doc;
    ls_buf_init(&url, 4096);
    ls_buf_init(&hdr, 4096);
    const char *ttl[] = {"X-aws-ec2-metadata-token-ttl-seconds: 21600", NULL};
    const char *ep = c->imds_endpoint;
    ls_err_t rc = ls_buf_printf(&url, "%s/latest/api/token", ep) == LS_OK &&
                          ls_buf_terminate(&url) == LS_OK
                      ? ls__get_ok("PUT", (const char *)url.data, ttl, c->timeout_ms, &tok,
                                   "instance metadata token", err)
                      : ls_error_set(err, LS_ERR_NOMEM, "instance metadata: out of memory");
    if (rc == LS_OK) {
        ls_buf_terminate(&tok);
        rc = ls_buf_printf(&hdr, "X-aws-ec2-metadata-token: %s", (const char *)tok.data);
        rc = rc == LS_OK ? ls_buf_terminate(&hdr) : rc;
        ls_buf_free(&tok);
    }
    const char *th[] = {(const char *)hdr.data, NULL};
    const char *base = "/latest/meta-data/iam/security-credentials/";
    ls_buf_reset(&url);
    if (rc == LS_OK && (rc = ls_buf_printf(&url, "%s%s", ep, base)) == LS_OK &&
        (rc = ls_buf_terminate(&url)) == LS_OK) {
        rc = ls__get_ok("GET", (const char *)url.data, th, c->timeout_ms, &role,
                        "instance metadata role", err);
        if (rc == LS_OK) {
            size_t l = 0;
            while (l < role.len && !isspace(role.data[l])) {
                l++;
            }
            ls_buf_reset(&url);
            rc = l == 0 ? ls_error_set(err, LS_ERR_CONFIG, "instance metadata: no IAM role")
                        : ls_buf_printf(&url, "%s%s%.*s", ep, base, (int)l,
                                        (const char *)role.data);
            rc = rc == LS_OK ? ls_buf_terminate(&url) : rc;
            ls_buf_free(&role);
        }
    }
    if (rc == LS_OK) {
        rc = ls__get_ok("GET", (const char *)url.data, th, c->timeout_ms, &doc,
                        "instance metadata credentials", err);
        if (rc == LS_OK) {
            rc = ls__creds_from_json(c, LS__CRED_IMDS, &doc, "instance metadata", err);
            OPENSSL_cleanse(doc.data, doc.len);
            ls_buf_free(&doc);
        }
    }
    if (hdr.data != NULL) {
        OPENSSL_cleanse(hdr.data, hdr.len);
    }
    ls_buf_free(&hdr);
    ls_buf_free(&url);
    return rc;
}

/* ---- the chain ---- */

static ls_err_t ls__try_static(ls__creds_t *c, ls__cred_src_t src, const char *a, const char *s,
                               const char *t, bool *found)
{
    if (a == NULL || s == NULL || a[0] == '\0' || s[0] == '\0') {
        return LS_OK;
    }
    char *ad = ls_strdup(a), *sd = ls_strdup(s), *td = t && t[0] ? ls_strdup(t) : NULL;
    if (ad == NULL || sd == NULL || (t && t[0] && td == NULL)) {
        ls__secret_free(ad);
        ls__secret_free(sd);
        ls__secret_free(td);
        return LS_ERR_NOMEM;
    }
    ls__creds_set(c, src, ad, sd, td, 0);
    *found = true;
    return LS_OK;
}

static ls_err_t ls__try_profile(ls__creds_t *c, const ls__profile_t *p, const char *profile,
                                bool *found)
{
    char *a = ls__profile_get(p, profile, "aws_access_key_id");
    char *s = ls__profile_get(p, profile, "aws_secret_access_key");
    char *t = ls__profile_get(p, profile, "aws_session_token");
    ls_err_t rc = ls__try_static(c, LS__CRED_PROFILE, a, s, t, found);
    ls__secret_free(a);
    ls__secret_free(s);
    ls__secret_free(t);
    return rc;
}

/* A full container-credentials URI must be https or plain http to a loopback or the
 * container agent's address, as the AWS SDKs require: the token must not leave the host. */
static bool ls__ecs_uri_ok(const char *u)
{
    static const char *const hosts[] = {"127.x.y.z", "localhost", "[::1]", "169.254.170.2",
                                        "169.254.170.23", "[fd00:ec2::23]", NULL};
    if (strncmp(u, "https://", 8) == 0) {
        return true;
    }
    if (strncmp(u, "http://", 7) != 0) {
        return false;
    }
    const char *h = u + 7;
    /* the host without the port; an IPv6 literal ends at its bracket */
    size_t hl = h[0] == '[' ? strcspn(h, "]") + 1 : strcspn(h, ":/?#");
    if (hl > 4 && strncmp(h, "127.", 4) == 0 && strspn(h, "0123456789.") == hl) {
        return true;
    }
    for (int i = 1; hosts[i]; i++) {
        if (strlen(hosts[i]) == hl && strncmp(h, hosts[i], hl) == 0) {
            return true;
        }
    }
    return false;
}

/* Container endpoint settings from the environment; *configured when either URI is set. */
static ls_err_t ls__ecs_config(ls__creds_t *c, bool *configured)
{
    char *rel = ls__env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
    char *full = ls__env("AWS_CONTAINER_CREDENTIALS_FULL_URI");
    *configured = rel != NULL || full != NULL;
    ls_err_t rc = LS_OK;
    if (rel != NULL) {
        ls_buf_t b;
        ls_buf_init(&b, 8192);
        if (ls_buf_printf(&b, "http://169.254.170.2%s", rel) != LS_OK ||
            ls_buf_terminate(&b) != LS_OK) {
            rc = LS_ERR_NOMEM;
        }
        c->ecs_url = (char *)ls_buf_steal(&b, NULL);
        ls_free(full);
    } else {
        c->ecs_url = full;
    }
    ls_free(rel);
    c->ecs_auth = ls__env("AWS_CONTAINER_AUTHORIZATION_TOKEN");
    c->ecs_auth_file = ls__env("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
    return rc;
}

static ls_err_t ls__creds_chain(ls__creds_t *c, const ls_store_opts_t *o,
                                const ls__profile_t *p, const char *profile, bool named,
                                ls_error_t *err)
{
    bool found = false;
    LS_TRY(ls__try_static(c, LS__CRED_EXPLICIT, o->access_key_id, o->secret_access_key,
                          o->session_token, &found));
    if (!found && !named) {
        LS_TRY(ls__try_static(c, LS__CRED_ENV, getenv("AWS_ACCESS_KEY_ID"),
                              getenv("AWS_SECRET_ACCESS_KEY"), getenv("AWS_SESSION_TOKEN"),
                              &found));
    }
    if (!found) {
        LS_TRY(ls__try_profile(c, p, profile, &found));
    }
    if (!found && named) {
        return ls_error_set(err, LS_ERR_CONFIG, "AWS profile '%s' has no credentials in the "
                            "shared credentials or config file", profile);
    }
    bool ecs = false;
    if (!found) {
        LS_TRY(ls__ecs_config(c, &ecs));
    }
    if (!found && ecs && !ls__ecs_uri_ok(c->ecs_url)) {
        return ls_error_set(err, LS_ERR_CONFIG, "AWS_CONTAINER_CREDENTIALS_FULL_URI must be "
                            "https, or http to a loopback or container-agent address");
    }
    if (!found && ecs) {
        LS_TRY(ls__fetch_ecs(c, err));
        found = true;
    }
    if (!found && !ls__env_true("AWS_EC2_METADATA_DISABLED")) {
        ls_error_t ierr;
        ls_error_clear(&ierr);
        found = ls__fetch_imds(c, &ierr) == LS_OK;
        if (!found) {
            ls_logf(LS_LOG_DEBUG, "store", "no instance metadata credentials: %s", ierr.msg);
        }
    }
    if (!found) {
        return ls_error_set(err, LS_ERR_CONFIG,
                            "no AWS credentials: tried options, environment "
                            "(AWS_ACCESS_KEY_ID), profile '%s' (shared credentials and config "
                            "files), container endpoint (not configured), instance metadata",
                            profile);
    }
    return LS_OK;
}

ls_err_t ls__creds_init(ls__creds_t *c, const ls_store_opts_t *o, ls_error_t *err)
{
    memset(c, 0, sizeof(*c));
    pthread_mutex_init(&c->mu, NULL);
    c->margin_ms = 5 * 60 * 1000;
    c->timeout_ms = 2000;
    const char *t = getenv("AWS_METADATA_SERVICE_TIMEOUT");
    if (t != NULL && strtol(t, NULL, 10) > 0 && strtol(t, NULL, 10) < 60) {
        c->timeout_ms = (unsigned)strtol(t, NULL, 10) * 1000u;
    }
    c->imds_endpoint = ls__env("AWS_EC2_METADATA_SERVICE_ENDPOINT");
    if (c->imds_endpoint == NULL) {
        c->imds_endpoint = ls_strdup("http://169.254.169.254");
    } else {
        size_t l = strlen(c->imds_endpoint);
        while (l > 0 && c->imds_endpoint[l - 1] == '/') {
            c->imds_endpoint[--l] = '\0';
        }
    }
    const char *env_profile = getenv("AWS_PROFILE");
    bool named = o->profile != NULL || (env_profile != NULL && env_profile[0] != '\0');
    const char *profile = o->profile ? o->profile : named ? env_profile : "default";
    ls__profile_t p;
    ls__profile_load(&p);
    c->profile_region = ls__profile_get(&p, profile, "region");
    ls_err_t rc = c->imds_endpoint != NULL ? ls__creds_chain(c, o, &p, profile, named, err)
                                           : LS_ERR_NOMEM;
    ls__profile_free(&p);
    if (rc == LS_ERR_NOMEM) {
        ls_error_set(err, rc, "loading AWS credentials: out of memory");
    }
    if (rc != LS_OK) {
        ls__creds_destroy(c);
        return rc;
    }
    ls_logf(LS_LOG_DEBUG, "store", "S3 credentials from %s%s", ls__creds_source_name(c->src),
            c->expires_ms ? " (temporary)" : "");
    return LS_OK;
}

void ls__creds_destroy(ls__creds_t *c)
{
    ls__creds_clear_keys(c);
    ls_free(c->ecs_url);
    ls__secret_free(c->ecs_auth);
    ls_free(c->ecs_auth_file);
    ls_free(c->imds_endpoint);
    ls_free(c->profile_region);
    c->ecs_url = c->ecs_auth = c->ecs_auth_file = c->imds_endpoint = c->profile_region = NULL;
    pthread_mutex_destroy(&c->mu);
}

ls_err_t ls__creds_acquire(ls__creds_t *c, ls_error_t *err)
{
    pthread_mutex_lock(&c->mu);
    int64_t now = ls__wall_ms();
    if (c->expires_ms == 0 || now < c->expires_ms - c->margin_ms ||
        (now < c->retry_at_ms && now < c->expires_ms)) {
        return LS_OK;
    }
    ls_error_t rerr;
    ls_error_clear(&rerr);
    ls_err_t rc = c->src == LS__CRED_ECS ? ls__fetch_ecs(c, &rerr) : ls__fetch_imds(c, &rerr);
    if (rc == LS_OK) {
        c->retry_at_ms = 0;
        ls_logf(LS_LOG_DEBUG, "store", "refreshed S3 credentials from %s",
                ls__creds_source_name(c->src));
        return LS_OK;
    }
    if (now < c->expires_ms) {
        /* still valid for a while: use them, and do not stall every request on a dead
         * endpoint; try again in 10 s */
        c->retry_at_ms = now + 10000;
        ls_logf(LS_LOG_WARN, "store", "refreshing S3 credentials failed (%s); using the current "
                "ones until they expire", rerr.msg);
        return LS_OK;
    }
    pthread_mutex_unlock(&c->mu);
    ls_error_set(err, rc, "S3 credentials expired and refresh failed: %s", rerr.msg);
    return ls_error_retriable(err);
}

void ls__creds_release(ls__creds_t *c)
{
    pthread_mutex_unlock(&c->mu);
}

bool ls__creds_expire(ls__creds_t *c)
{
    pthread_mutex_lock(&c->mu);
    bool dynamic = c->src == LS__CRED_ECS || c->src == LS__CRED_IMDS;
    if (dynamic) {
        c->expires_ms = 1;
    }
    pthread_mutex_unlock(&c->mu);
    return dynamic;
}

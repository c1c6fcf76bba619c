/*
 * metrics.c — the metrics registry: families in a name-sorted array, each with its series
 * in an array sorted by label key; values in relaxed atomics; the text format 0.0.4 renderer.
 *
 * A series is identified by its key: the label set already rendered as exposition text
 * (`a="x",b="y"`, sorted by name, values escaped). The escaping is injective, so equal keys
 * mean equal label sets, lookups are one memcmp per probe, and rendering just copies it.
 * Not responsible for: serving the text (http.c), metric naming (the callers).
 */
#include "lakesink/metrics.h"

#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lakesink/alloc.h"
#include "lakesink/utf8.h"

#define KEY_MAX (64 * 1024) /* rendered label set of one series */
#define HELP_MAX (4 * 1024)

typedef enum { MT_COUNTER, MT_GAUGE, MT_HISTO } mtype_t;

struct ls_counter_s {
    _Atomic uint64_t v;
};

struct ls_gauge_s {
    _Atomic int64_t v;
};

struct ls_histo_s {
    const double *bounds; /* the family's copy: immutable, outlives the series */
    size_t nbounds;
    /* the sum as a double's bit pattern: C11 has no atomic add for floating types, so
     * observe() adds with a compare-and-swap loop on the bits */
    _Atomic uint64_t sum_bits;
    _Atomic uint64_t counts[]; /* per bucket, not cumulative; counts[nbounds] is +Inf */
};

typedef struct {
    char *key; /* owned; "" when the series has no labels */
    size_t keylen;
    union {
        ls_counter_t c;
        ls_gauge_t g;
    } v;
    ls_histo_t *h; /* owned; histograms only */
} series_t;

typedef struct {
    char *name; /* owned */
    char *help; /* owned, already escaped; "" = no HELP line */
    mtype_t type;
    double *bounds; /* owned; histograms only */
    size_t nbounds;
    series_t **s; /* owned array of owned series, sorted by key */
    size_t ns, cap;
} family_t;

struct ls_metrics_s {
    pthread_mutex_t mu; /* guards every field below and the families' arrays */
    family_t **f;       /* sorted by name */
    size_t nf, capf;
    size_t nseries; /* in all families, against LS_METRICS_MAX_SERIES */
};

static const char *const TYPE_NAMES[] = {"counter", "gauge", "histogram"};

/* ---- names, escaping, keys -------------------------------------------------------- */

static bool name_char_ok(char c, bool first, bool colon)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_') {
        return true;
    }
    if (colon && c == ':') {
        return true;
    }
    return !first && c >= '0' && c <= '9';
}

static bool valid_name(const char *s, bool colon)
{
    if (s == NULL || s[0] == '\0' || strlen(s) > 256) {
        return false;
    }
    for (size_t i = 0; s[i] != '\0'; i++) {
        if (!name_char_ok(s[i], i == 0, colon)) {
            return false;
        }
    }
    return true;
}

/* Escape for a label value (`\\`, `\"`, `\n`) or, when !quote, for HELP (`\\`, `\n`).
 * Bytes that are not UTF-8 become U+FFFD: one bad byte would fail the whole scrape. */
static ls_err_t append_escaped(ls_buf_t *b, const char *s, bool quote)
{
    const uint8_t *p = (const uint8_t *)s;
    const uint8_t *end = p + strlen(s);
    while (p < end) {
        uint8_t c = *p;
        if (c >= 0x80) {
            size_t n = ls_utf8_seq(p, end);
            LS_TRY(n == 0 ? ls_buf_append(b, "\xEF\xBF\xBD", 3) : ls_buf_append(b, p, n));
            p += n == 0 ? 1 : n;
            continue;
        }
        if (c == '\\') {
            LS_TRY(ls_buf_append(b, "\\\\", 2));
        } else if (c == '\n') {
            LS_TRY(ls_buf_append(b, "\\n", 2));
        } else if (c == '"' && quote) {
            LS_TRY(ls_buf_append(b, "\\\"", 2));
        } else {
            LS_TRY(ls_buf_append_byte(b, c));
        }
        p++;
    }
    return LS_OK;
}

/* Sort label indexes by name (insertion sort: a handful of labels) and reject invalid,
 * reserved or duplicate names. */
static bool sort_labels(const ls_label_t *labels, size_t n, bool histo, size_t *idx)
{
    for (size_t i = 0; i < n; i++) {
        const char *nm = labels[i].name;
        if (!valid_name(nm, false) || labels[i].value == NULL || strncmp(nm, "__", 2) == 0 ||
            (histo && strcmp(nm, "le") == 0)) {
            return false;
        }
        size_t j = i;
        while (j > 0 && strcmp(labels[idx[j - 1]].name, nm) > 0) {
            idx[j] = idx[j - 1];
            j--;
        }
        idx[j] = i;
    }
    for (size_t i = 1; i < n; i++) {
        if (strcmp(labels[idx[i - 1]].name, labels[idx[i]].name) == 0) {
            return false;
        }
    }
    return true;
}

/* Build the series key into @p key (initialised by the caller). */
static ls_err_t build_key(const ls_label_t *labels, size_t n, bool histo, ls_buf_t *key)
{
    size_t idx[LS_METRICS_MAX_LABELS];
    if (n > LS_METRICS_MAX_LABELS || (n > 0 && labels == NULL)) {
        return LS_ERR_LIMIT;
    }
    if (!sort_labels(labels, n, histo, idx)) {
        return LS_ERR_INVALID_ARG;
    }
    for (size_t i = 0; i < n; i++) {
        const ls_label_t *l = &labels[idx[i]];
        LS_TRY(ls_buf_printf(key, "%s%s=\"", i > 0 ? "," : "", l->name));
        LS_TRY(append_escaped(key, l->value, true));
        LS_TRY(ls_buf_append_byte(key, '"'));
    }
    return ls_buf_terminate(key);
}

/* Check a histogram's bounds; sets *n to the count without a trailing +Inf. */
static bool valid_bounds(const double *bounds, size_t *n)
{
    if (*n > 0 && bounds != NULL && isinf(bounds[*n - 1]) && bounds[*n - 1] > 0) {
        (*n)--;
    }
    if (*n > LS_METRICS_MAX_BOUNDS || (*n > 0 && bounds == NULL)) {
        return false;
    }
    for (size_t i = 0; i < *n; i++) {
        if (!isfinite(bounds[i]) || (i > 0 && !(bounds[i] > bounds[i - 1]))) {
            return false;
        }
    }
    return true;
}

/* ---- lookups (registry mutex held) ------------------------------------------------- */

/* Index of the family called @p name, or where it would be inserted (*found false). */
static size_t find_family(const ls_metrics_t *m, const char *name, bool *found)
{
    size_t lo = 0, hi = m->nf;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(m->f[mid]->name, name);
        if (c == 0) {
            *found = true;
            return mid;
        }
        if (c < 0) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    *found = false;
    return lo;
}

static int key_cmp(const series_t *s, const char *key, size_t keylen)
{
    size_t n = s->keylen < keylen ? s->keylen : keylen;
    int c = memcmp(s->key, key, n);
    if (c != 0) {
        return c;
    }
    return s->keylen < keylen ? -1 : (s->keylen > keylen ? 1 : 0);
}

static size_t find_series(const family_t *f, const char *key, size_t keylen, bool *found)
{
    size_t lo = 0, hi = f->ns;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = key_cmp(f->s[mid], key, keylen);
        if (c == 0) {
            *found = true;
            return mid;
        }
        if (c < 0) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    *found = false;
    return lo;
}

static family_t *family_named(const ls_metrics_t *m, const char *name)
{
    bool found;
    size_t i = find_family(m, name, &found);
    return found ? m->f[i] : NULL;
}

/* A histogram `x` exposes `x_bucket`, `x_sum` and `x_count`: no other family may use them. */
static bool name_collides(const ls_metrics_t *m, const char *name, mtype_t type)
{
    static const char *const suffixes[] = {"_bucket", "_sum", "_count"};
    size_t len = strlen(name);
    char tmp[300];
    for (size_t i = 0; i < 3; i++) {
        size_t sl = strlen(suffixes[i]);
        if (type == MT_HISTO) {
            snprintf(tmp, sizeof(tmp), "%s%s", name, suffixes[i]);
            if (family_named(m, tmp) != NULL) {
                return true;
            }
        }
        if (len > sl && strcmp(name + len - sl, suffixes[i]) == 0) {
            snprintf(tmp, sizeof(tmp), "%.*s", (int)(len - sl), name);
            family_t *f = family_named(m, tmp);
            if (f != NULL && f->type == MT_HISTO) {
                return true;
            }
        }
    }
    return false;
}

/* ---- creation and removal ---------------------------------------------------------- */

static void series_free(series_t *s)
{
    if (s != NULL) {
        ls_free(s->key);
        ls_free(s->h);
        ls_free(s);
    }
}

static void family_free(family_t *f)
{
    if (f == NULL) {
        return;
    }
    for (size_t i = 0; i < f->ns; i++) {
        series_free(f->s[i]);
    }
    ls_free(f->s);
    ls_free(f->name);
    ls_free(f->help);
    ls_free(f->bounds);
    ls_free(f);
}

static family_t *family_new(const char *name, const char *help, mtype_t type, const double *bounds,
                            size_t nbounds)
{
    family_t *f = ls_calloc(1, sizeof(*f));
    if (f == NULL) {
        return NULL;
    }
    f->type = type;
    f->nbounds = nbounds;
    ls_buf_t hb;
    ls_buf_init(&hb, HELP_MAX);
    if (append_escaped(&hb, help != NULL ? help : "", false) == LS_OK &&
        ls_buf_terminate(&hb) == LS_OK) {
        f->help = (char *)ls_buf_steal(&hb, NULL);
    }
    ls_buf_free(&hb);
    f->name = ls_strdup(name);
    if (nbounds > 0) {
        f->bounds = ls_memdup(bounds, nbounds * sizeof(double));
    }
    if (f->help == NULL || f->name == NULL || (nbounds > 0 && f->bounds == NULL)) {
        family_free(f);
        return NULL;
    }
    return f;
}

static bool same_bounds(const family_t *f, const double *bounds, size_t nbounds)
{
    if (f->nbounds != nbounds) {
        return false;
    }
    for (size_t i = 0; i < nbounds; i++) {
        if (f->bounds[i] != bounds[i]) {
            return false;
        }
    }
    return true;
}

/* The family @p name of @p type, created if missing; NULL on clash, limit or OOM. */
static family_t *family_get(ls_metrics_t *m, const char *name, const char *help, mtype_t type,
                            const double *bounds, size_t nbounds)
{
    bool found;
    size_t at = find_family(m, name, &found);
    if (found) {
        family_t *f = m->f[at];
        bool ok = f->type == type && (type != MT_HISTO || same_bounds(f, bounds, nbounds));
        return ok ? f : NULL;
    }
    if (m->nf >= LS_METRICS_MAX_FAMILIES || name_collides(m, name, type)) {
        return NULL;
    }
    if (m->nf == m->capf) {
        size_t ncap = m->capf ? m->capf * 2 : 16;
        family_t **nf = ls_reallocarray(m->f, ncap, sizeof(*nf));
        if (nf == NULL) {
            return NULL;
        }
        m->f = nf;
        m->capf = ncap;
    }
    family_t *f = family_new(name, help, type, bounds, nbounds);
    if (f == NULL) {
        return NULL;
    }
    memmove(&m->f[at + 1], &m->f[at], (m->nf - at) * sizeof(*m->f));
    m->f[at] = f;
    m->nf++;
    return f;
}

static series_t *series_new(const family_t *f, ls_buf_t *key)
{
    series_t *s = ls_calloc(1, sizeof(*s));
    if (s == NULL) {
        return NULL;
    }
    if (f->type == MT_HISTO) {
        size_t nb = f->nbounds + 1;
        s->h = ls_malloc(sizeof(ls_histo_t) + nb * sizeof(_Atomic uint64_t));
        if (s->h == NULL) {
            ls_free(s);
            return NULL;
        }
        s->h->bounds = f->bounds;
        s->h->nbounds = f->nbounds;
        atomic_init(&s->h->sum_bits, 0); /* the bits of +0.0 */
        for (size_t i = 0; i < nb; i++) {
            atomic_init(&s->h->counts[i], 0);
        }
    }
    atomic_init(&s->v.c.v, 0);
    s->keylen = key->len;
    s->key = (char *)ls_buf_steal(key, NULL); /* terminated by build_key */
    return s;
}

/* Get or create the series of @p f whose key is @p key (taken over on creation). */
static series_t *series_get(ls_metrics_t *m, family_t *f, ls_buf_t *key)
{
    bool found;
    size_t at = find_series(f, (const char *)key->data, key->len, &found);
    if (found) {
        return f->s[at];
    }
    if (m->nseries >= LS_METRICS_MAX_SERIES) {
        return NULL;
    }
    if (f->ns == f->cap) {
        size_t ncap = f->cap ? f->cap * 2 : 4;
        series_t **ns = ls_reallocarray(f->s, ncap, sizeof(*ns));
        if (ns == NULL) {
            return NULL;
        }
        f->s = ns;
        f->cap = ncap;
    }
    series_t *s = series_new(f, key);
    if (s == NULL) {
        return NULL;
    }
    memmove(&f->s[at + 1], &f->s[at], (f->ns - at) * sizeof(*f->s));
    f->s[at] = s;
    f->ns++;
    m->nseries++;
    return s;
}

static series_t *get_or_create(ls_metrics_t *m, mtype_t type, const char *name, const char *help,
                               const double *bounds, size_t nbounds, const ls_label_t *labels,
                               size_t nlabels)
{
    if (m == NULL || !valid_name(name, true) ||
        (type == MT_HISTO && !valid_bounds(bounds, &nbounds))) {
        return NULL;
    }
    ls_buf_t key;
    ls_buf_init(&key, KEY_MAX);
    if (build_key(labels, nlabels, type == MT_HISTO, &key) != LS_OK) {
        ls_buf_free(&key);
        return NULL;
    }
    series_t *s = NULL;
    pthread_mutex_lock(&m->mu);
    family_t *f = family_get(m, name, help, type, bounds, nbounds);
    if (f != NULL) {
        s = series_get(m, f, &key);
    }
    pthread_mutex_unlock(&m->mu);
    ls_buf_free(&key);
    return s;
}

ls_metrics_t *ls_metrics_new(void)
{
    ls_metrics_t *m = ls_calloc(1, sizeof(*m));
    if (m != NULL) {
        pthread_mutex_init(&m->mu, NULL);
    }
    return m;
}

void ls_metrics_free(ls_metrics_t *m)
{
    if (m == NULL) {
        return;
    }
    for (size_t i = 0; i < m->nf; i++) {
        family_free(m->f[i]);
    }
    ls_free(m->f);
    pthread_mutex_destroy(&m->mu);
    ls_free(m);
}

ls_counter_t *ls_metrics_counter(ls_metrics_t *m, const char *name, const char *help,
                                 const ls_label_t *labels, size_t nlabels)
{
    series_t *s = get_or_create(m, MT_COUNTER, name, help, NULL, 0, labels, nlabels);
    return s != NULL ? &s->v.c : NULL;
}

ls_gauge_t *ls_metrics_gauge(ls_metrics_t *m, const char *name, const char *help,
                             const ls_label_t *labels, size_t nlabels)
{
    series_t *s = get_or_create(m, MT_GAUGE, name, help, NULL, 0, labels, nlabels);
    return s != NULL ? &s->v.g : NULL;
}

ls_histo_t *ls_metrics_histogram(ls_metrics_t *m, const char *name, const char *help,
                                 const double *bounds, size_t nbounds, const ls_label_t *labels,
                                 size_t nlabels)
{
    series_t *s = get_or_create(m, MT_HISTO, name, help, bounds, nbounds, labels, nlabels);
    return s != NULL ? s->h : NULL;
}

void ls_metrics_remove(ls_metrics_t *m, const char *name, const ls_label_t *labels, size_t nlabels)
{
    if (m == NULL || !valid_name(name, true)) {
        return;
    }
    ls_buf_t key;
    ls_buf_init(&key, KEY_MAX);
    if (build_key(labels, nlabels, false, &key) == LS_OK) {
        pthread_mutex_lock(&m->mu);
        family_t *f = family_named(m, name);
        bool found = false;
        size_t at = f != NULL ? find_series(f, (const char *)key.data, key.len, &found) : 0;
        if (found) {
            series_free(f->s[at]);
            memmove(&f->s[at], &f->s[at + 1], (f->ns - at - 1) * sizeof(*f->s));
            f->ns--;
            m->nseries--;
        }
        pthread_mutex_unlock(&m->mu);
    }
    ls_buf_free(&key);
}

/* ---- updates (lock-free) ------------------------------------------------------------ */

void ls_counter_add(ls_counter_t *c, uint64_t v)
{
    if (c != NULL) {
        atomic_fetch_add_explicit(&c->v, v, memory_order_relaxed);
    }
}

uint64_t ls_counter_get(const ls_counter_t *c)
{
    return c != NULL ? atomic_load_explicit(&((ls_counter_t *)c)->v, memory_order_relaxed) : 0;
}

void ls_gauge_set(ls_gauge_t *g, int64_t v)
{
    if (g != NULL) {
        atomic_store_explicit(&g->v, v, memory_order_relaxed);
    }
}

void ls_gauge_add(ls_gauge_t *g, int64_t delta)
{
    if (g != NULL) {
        atomic_fetch_add_explicit(&g->v, delta, memory_order_relaxed);
    }
}

int64_t ls_gauge_get(const ls_gauge_t *g)
{
    return g != NULL ? atomic_load_explicit(&((ls_gauge_t *)g)->v, memory_order_relaxed) : 0;
}

static double bits_to_double(uint64_t bits)
{
    double d;
    memcpy(&d, &bits, sizeof(d));
    return d;
}

static uint64_t double_to_bits(double d)
{
    uint64_t bits;
    memcpy(&bits, &d, sizeof(bits));
    return bits;
}

void ls_histo_observe(ls_histo_t *h, double v)
{
    if (h == NULL || isnan(v)) {
        return;
    }
    size_t lo = 0, hi = h->nbounds; /* first bucket whose bound is >= v */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (h->bounds[mid] < v) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    atomic_fetch_add_explicit(&h->counts[lo], 1, memory_order_relaxed);
    uint64_t old = atomic_load_explicit(&h->sum_bits, memory_order_relaxed);
    while (!atomic_compare_exchange_weak_explicit(&h->sum_bits, &old,
                                                  double_to_bits(bits_to_double(old) + v),
                                                  memory_order_relaxed, memory_order_relaxed)) {
    }
}

uint64_t ls_histo_count(const ls_histo_t *h)
{
    uint64_t n = 0;
    if (h != NULL) {
        ls_histo_t *mh = (ls_histo_t *)h; /* C11 atomic loads take non-const pointers */
        for (size_t i = 0; i <= h->nbounds; i++) {
            n += atomic_load_explicit(&mh->counts[i], memory_order_relaxed);
        }
    }
    return n;
}

double ls_histo_sum(const ls_histo_t *h)
{
    if (h == NULL) {
        return 0;
    }
    return bits_to_double(atomic_load_explicit(&((ls_histo_t *)h)->sum_bits, memory_order_relaxed));
}

/* ---- rendering (registry mutex held) ----------------------------------------------- */

/* Shortest "%g" text that reads back as the same double; Prometheus spellings for the rest. */
static void format_double(double v, char *out, size_t size)
{
    if (isnan(v)) {
        snprintf(out, size, "NaN");
        return;
    }
    if (isinf(v)) {
        snprintf(out, size, "%s", v > 0 ? "+Inf" : "-Inf");
        return;
    }
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(out, size, "%.*g", prec, v);
        if (strtod(out, NULL) == v) {
            return;
        }
    }
}

/* `name<suffix>{key,le="..."}` followed by a space; braces only when there are labels. */
static ls_err_t put_series_name(ls_buf_t *out, const family_t *f, const char *suffix,
                                const series_t *s, const char *le)
{
    LS_TRY(ls_buf_printf(out, "%s%s", f->name, suffix));
    if (s->keylen == 0 && le == NULL) {
        return ls_buf_append_byte(out, ' ');
    }
    LS_TRY(ls_buf_append_byte(out, '{'));
    LS_TRY(ls_buf_append(out, s->key, s->keylen));
    if (le != NULL) {
        LS_TRY(ls_buf_printf(out, "%sle=\"%s\"", s->keylen > 0 ? "," : "", le));
    }
    return ls_buf_append(out, "} ", 2);
}

static ls_err_t render_histo(ls_buf_t *out, const family_t *f, const series_t *s)
{
    char num[64];
    uint64_t cum = 0;
    for (size_t i = 0; i <= f->nbounds; i++) {
        cum += atomic_load_explicit(&s->h->counts[i], memory_order_relaxed);
        if (i < f->nbounds) {
            format_double(f->bounds[i], num, sizeof(num));
        } else {
            snprintf(num, sizeof(num), "+Inf");
        }
        LS_TRY(put_series_name(out, f, "_bucket", s, num));
        LS_TRY(ls_buf_printf(out, "%" PRIu64 "\n", cum));
    }
    format_double(ls_histo_sum(s->h), num, sizeof(num));
    LS_TRY(put_series_name(out, f, "_sum", s, NULL));
    LS_TRY(ls_buf_printf(out, "%s\n", num));
    LS_TRY(put_series_name(out, f, "_count", s, NULL));
    return ls_buf_printf(out, "%" PRIu64 "\n", cum); /* == the +Inf bucket, by construction */
}

static ls_err_t render_family(ls_buf_t *out, const family_t *f)
{
    if (f->help[0] != '\0') {
        LS_TRY(ls_buf_printf(out, "# HELP %s %s\n", f->name, f->help));
    }
    LS_TRY(ls_buf_printf(out, "# TYPE %s %s\n", f->name, TYPE_NAMES[f->type]));
    for (size_t i = 0; i < f->ns; i++) {
        const series_t *s = f->s[i];
        if (f->type == MT_HISTO) {
            LS_TRY(render_histo(out, f, s));
            continue;
        }
        LS_TRY(put_series_name(out, f, "", s, NULL));
        if (f->type == MT_COUNTER) {
            LS_TRY(ls_buf_printf(out, "%" PRIu64 "\n", ls_counter_get(&s->v.c)));
        } else {
            LS_TRY(ls_buf_printf(out, "%" PRId64 "\n", ls_gauge_get(&s->v.g)));
        }
    }
    return LS_OK;
}

ls_err_t ls_metrics_render(ls_metrics_t *m, ls_buf_t *out)
{
    if (m == NULL || out == NULL) {
        return LS_ERR_INVALID_ARG;
    }
    size_t start = out->len;
    ls_err_t rc = LS_OK;
    pthread_mutex_lock(&m->mu);
    for (size_t i = 0; i < m->nf && rc == LS_OK; i++) {
        if (m->f[i]->ns > 0) {
            rc = render_family(out, m->f[i]);
        }
    }
    pthread_mutex_unlock(&m->mu);
    if (rc != LS_OK) {
        out->len = start;
    }
    return rc;
}

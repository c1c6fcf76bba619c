/*
 * conf_load.c — reads the YAML (libyaml's document loader), walks it against the key
 * table, interpolates ${ENV}, applies defaults and the cross-key rules, and collects every
 * problem with its YAML path.
 *
 * Not responsible for: the table itself or scalar syntaxes (conf_table.c), JSON output
 * and freeing (conf_json.c).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "conf_int.h"
#include "lakesink/alloc.h"
#include "lakesink/io.h"

/* snprintf for texts that only go into messages: cutting a very long one is fine. */
static void ls__bounded(char *out, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void ls__bounded(char *out, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out, cap, fmt, ap);
    va_end(ap);
}

#define LS__PATH_MAX 256
#define LS__VISIT_MAX 100000 /* bounds alias fan-out (shared nodes are walked each time) */
#define LS__VALUE_MAX 65536  /* longest scalar after interpolation */
#define LS__DEPTH_MAX 64
#define LS__ITEMS_MAX 1024 /* entries of one list or map key */

typedef struct ls__ctx_s {
    yaml_document_t *doc;
    ls_conf_t *conf;
    ls_conf_diags_t *diags;
    uint64_t root_set;
    uint64_t *topic_set; /* one bitmap per topic, parallel to conf->topics */
    size_t visits;
    ls_err_t fatal; /* LS_ERR_NOMEM stops the walk */
} ls__ctx_t;

static void ls__diag(ls__ctx_t *c, const yaml_node_t *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void ls__diag(ls__ctx_t *c, const yaml_node_t *at, const char *fmt, ...)
{
    ls_conf_diags_t *d = c->diags;
    if (d->n >= LS_CONF_MAX_DIAGS) {
        d->dropped++;
        return;
    }
    if (d->items == NULL) {
        d->items = ls_calloc(LS_CONF_MAX_DIAGS, sizeof(*d->items));
        if (d->items == NULL) {
            c->fatal = LS_ERR_NOMEM;
            return;
        }
    }
    ls_conf_diag_t *g = &d->items[d->n++];
    g->line = at != NULL ? at->start_mark.line + 1 : 0;
    g->column = at != NULL ? at->start_mark.column + 1 : 0;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(g->msg, sizeof(g->msg), fmt, ap);
    va_end(ap);
}

/* Expand ${VAR} and ${VAR:-default} in @p s; *out is owned by the caller. */
static ls_err_t ls__interp(const char *s, char **out, char *why, size_t why_len)
{
    ls_buf_t b;
    ls_buf_init(&b, LS__VALUE_MAX);
    ls_err_t rc = LS_OK;
    for (const char *p = s; *p != '\0' && rc == LS_OK;) {
        if (p[0] != '$' || p[1] != '{') {
            rc = ls_buf_append_byte(&b, (uint8_t)*p++);
            continue;
        }
        const char *close = strchr(p + 2, '}');
        if (close == NULL) {
            snprintf(why, why_len, "unterminated ${ (the value is not shown: it may be a secret)");
            rc = LS_ERR_CONFIG;
            break;
        }
        const char *name = p + 2;
        const char *dash = strstr(name, ":-");
        size_t nlen =
            (dash != NULL && dash < close) ? (size_t)(dash - name) : (size_t)(close - name);
        char var[128];
        if (nlen == 0 || nlen >= sizeof(var)) {
            snprintf(why, why_len, "bad variable reference (empty or longer than 127 bytes)");
            rc = LS_ERR_CONFIG;
            break;
        }
        memcpy(var, name, nlen);
        var[nlen] = '\0';
        const char *val = getenv(var);
        if (val != NULL) {
            rc = ls_buf_append_str(&b, val);
        } else if (name[nlen] == ':') {
            rc = ls_buf_append(&b, name + nlen + 2, (size_t)(close - (name + nlen + 2)));
        } else {
            ls__bounded(why, why_len, "environment variable %s is not set (use ${%s:-default})",
                        var, var);
            rc = LS_ERR_CONFIG;
        }
        p = close + 1;
    }
    if (rc == LS_ERR_LIMIT) {
        snprintf(why, why_len, "value longer than %d bytes", LS__VALUE_MAX);
        rc = LS_ERR_CONFIG;
    }
    if (rc == LS_OK) {
        rc = ls_buf_terminate(&b);
    }
    if (rc != LS_OK) {
        ls_buf_free(&b);
        return rc;
    }
    size_t len;
    *out = (char *)ls_buf_steal(&b, &len);
    return *out != NULL ? LS_OK : LS_ERR_NOMEM;
}

/* The interpolated text of scalar node @p n, or NULL after a diagnostic. */
static char *ls__scalar(ls__ctx_t *c, yaml_node_t *n, const char *path)
{
    char why[200], *s = NULL;
    ls_err_t rc = ls__interp((const char *)n->data.scalar.value, &s, why, sizeof(why));
    if (rc == LS_ERR_NOMEM) {
        c->fatal = rc;
    } else if (rc != LS_OK) {
        ls__diag(c, n, "%s: %s", path, why);
    }
    return s;
}

static size_t ls__edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b), row[LS__PATH_MAX + 1];
    if (la > LS__PATH_MAX || lb > LS__PATH_MAX) {
        return (size_t)-1;
    }
    for (size_t j = 0; j <= lb; j++) {
        row[j] = j;
    }
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t best = diag + (a[i - 1] != b[j - 1]);
            best = up + 1 < best ? up + 1 : best;
            best = row[j - 1] + 1 < best ? row[j - 1] + 1 : best;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

/* Report an unknown key under @p pattern, suggesting the closest known sibling. */
static void ls__unknown(ls__ctx_t *c, yaml_node_t *at, const char *path, const char *pattern,
                        const char *key)
{
    size_t n, plen = strlen(pattern), best_d = 3;
    const ls_conf_key_t *keys = ls_conf_keys(&n);
    char best[LS__PATH_MAX] = "";
    for (size_t i = 0; i < n; i++) {
        const char *p = keys[i].path;
        if (plen > 0 && (strncmp(p, pattern, plen) != 0 || p[plen] != '.')) {
            continue;
        }
        const char *comp = p + (plen > 0 ? plen + 1 : 0);
        size_t clen = strcspn(comp, ".");
        char cand[LS__PATH_MAX];
        snprintf(cand, sizeof(cand), "%.*s", (int)clen, comp);
        size_t d = ls__edit_distance(key, cand);
        if (d < best_d && d < strlen(cand)) {
            best_d = d;
            snprintf(best, sizeof(best), "%s", cand);
        }
    }
    if (best[0] != '\0') {
        ls__diag(c, at, "%s: unknown key (did you mean '%s'?)", path, best);
    } else {
        ls__diag(c, at, "%s: unknown key", path);
    }
}

static const ls_conf_key_t *ls__find(const char *pattern, bool *is_prefix)
{
    size_t n, plen = strlen(pattern);
    const ls_conf_key_t *keys = ls_conf_keys(&n);
    *is_prefix = false;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(keys[i].path, pattern) == 0) {
            return &keys[i];
        }
        if (strncmp(keys[i].path, pattern, plen) == 0 && keys[i].path[plen] == '.') {
            *is_prefix = true;
        }
    }
    return NULL;
}

static ls_err_t ls__list_push(char ***items, size_t *n, void *item, size_t size)
{
    void *grown = ls_reallocarray(*items, *n + 1, size);
    if (grown == NULL) {
        return LS_ERR_NOMEM;
    }
    *items = grown;
    memcpy((char *)grown + *n * size, item, size);
    (*n)++;
    return LS_OK;
}

static void ls__set_list(ls__ctx_t *c, ls_conf_list_t *l, yaml_node_t *v, const char *path)
{
    if (v->type != YAML_SEQUENCE_NODE) {
        ls__diag(c, v, "%s: expected a list like [a, b]", path);
        return;
    }
    for (yaml_node_item_t *it = v->data.sequence.items.start;
         it < v->data.sequence.items.top && c->fatal == LS_OK; it++) {
        yaml_node_t *e = yaml_document_get_node(c->doc, *it);
        char *s = NULL;
        if (l->n >= LS__ITEMS_MAX) {
            ls__diag(c, v, "%s: more than %d items", path, LS__ITEMS_MAX);
            return;
        }
        if (e == NULL || e->type != YAML_SCALAR_NODE) {
            ls__diag(c, e != NULL ? e : v, "%s: list items must be strings", path);
        } else if ((s = ls__scalar(c, e, path)) != NULL &&
                   ls__list_push(&l->items, &l->n, &s, sizeof(s)) != LS_OK) {
            ls_free(s);
            c->fatal = LS_ERR_NOMEM;
        }
    }
}

static void ls__set_map(ls__ctx_t *c, ls_conf_map_t *m, yaml_node_t *v, const char *path)
{
    if (v->type != YAML_MAPPING_NODE) {
        ls__diag(c, v, "%s: expected a mapping of name: value", path);
        return;
    }
    for (yaml_node_pair_t *p = v->data.mapping.pairs.start;
         p < v->data.mapping.pairs.top && c->fatal == LS_OK; p++) {
        yaml_node_t *k = yaml_document_get_node(c->doc, p->key);
        yaml_node_t *e = yaml_document_get_node(c->doc, p->value);
        if (m->n >= LS__ITEMS_MAX) {
            ls__diag(c, v, "%s: more than %d entries", path, LS__ITEMS_MAX);
            return;
        }
        if (k == NULL || e == NULL || k->type != YAML_SCALAR_NODE || e->type != YAML_SCALAR_NODE) {
            ls__diag(c, k != NULL ? k : v, "%s: entries must be name: scalar", path);
            continue;
        }
        ls_conf_pair_t pair = {ls_strdup((const char *)k->data.scalar.value), NULL};
        if (pair.key == NULL) {
            c->fatal = LS_ERR_NOMEM;
            return;
        }
        char sub[LS__PATH_MAX];
        ls__bounded(sub, sizeof(sub), "%s.%s", path, pair.key);
        pair.value = ls__scalar(c, e, sub);
        if (pair.value == NULL ||
            ls__list_push((char ***)(void *)&m->items, &m->n, &pair, sizeof(pair)) != LS_OK) {
            c->fatal = pair.value != NULL ? LS_ERR_NOMEM : c->fatal;
            ls_free(pair.key);
            ls_free(pair.value);
        }
    }
}

/* Set one table key from node @p v; @p base is the conf or the topic. */
static void ls__leaf(ls__ctx_t *c, const ls_conf_key_t *k, void *base, uint64_t *set,
                     yaml_node_t *v, const char *path)
{
    size_t n;
    uint64_t bit = 1ull << (size_t)(k - ls_conf_keys(&n));
    if (*set & bit) {
        ls__diag(c, v, "%s: given twice", path);
        return;
    }
    *set |= bit;
    if (k->type == LS_CONF_LIST) {
        ls__set_list(c, (ls_conf_list_t *)(void *)((char *)base + k->offset), v, path);
        return;
    }
    if (k->type == LS_CONF_MAP) {
        ls__set_map(c, (ls_conf_map_t *)(void *)((char *)base + k->offset), v, path);
        return;
    }
    if (v->type != YAML_SCALAR_NODE) {
        ls__diag(c, v, "%s: expected a single value, not a %s", path,
                 v->type == YAML_MAPPING_NODE ? "mapping" : "list");
        return;
    }
    char *s = ls__scalar(c, v, path), why[200];
    if (s == NULL) {
        return;
    }
    ls_err_t rc = ls__conf_set_scalar(k, base, s, why, sizeof(why));
    if (rc == LS_ERR_NOMEM) {
        c->fatal = rc;
    } else if (rc != LS_OK) {
        ls__diag(c, v, "%s: %s", path, why);
    }
    ls_free(s);
}

/* Apply every default of the keys in scope (topic or root) to @p base. */
static ls_err_t ls__defaults(void *base, bool topic)
{
    size_t n;
    const ls_conf_key_t *keys = ls_conf_keys(&n);
    char why[200];
    for (size_t i = 0; i < n; i++) {
        if (keys[i].def != NULL && ls__conf_is_topic_key(&keys[i]) == topic) {
            LS_TRY(ls__conf_set_scalar(&keys[i], base, keys[i].def, why, sizeof(why)));
        }
    }
    return LS_OK;
}

static void ls__walk(ls__ctx_t *c, yaml_node_t *map, const char *path, const char *pattern,
                     long topic);

static void ls__topic(ls__ctx_t *c, yaml_node_t *k, yaml_node_t *v, const char *path)
{
    ls_conf_t *conf = c->conf;
    const char *name = (const char *)k->data.scalar.value;
    if (v->type != YAML_MAPPING_NODE) {
        ls__diag(c, v, "%s: expected a mapping (kafka-topic, destination, processing)", path);
        return;
    }
    for (size_t i = 0; i < conf->ntopics; i++) {
        if (strcmp(conf->topics[i].name, name) == 0) {
            ls__diag(c, k, "%s: given twice", path);
            return;
        }
    }
    if (conf->ntopics >= LS_CONF_MAX_TOPICS) {
        ls__diag(c, k, "%s: more than %d topics", path, LS_CONF_MAX_TOPICS);
        return;
    }
    ls_conf_topic_t *t = ls_reallocarray(conf->topics, conf->ntopics + 1, sizeof(*t));
    uint64_t *bits = t != NULL ? ls_reallocarray(c->topic_set, conf->ntopics + 1, 8) : NULL;
    if (t != NULL) {
        conf->topics = t;
    }
    if (bits == NULL) {
        c->fatal = LS_ERR_NOMEM;
        return;
    }
    c->topic_set = bits;
    t = &conf->topics[conf->ntopics++];
    memset(t, 0, sizeof(*t));
    bits[conf->ntopics - 1] = 0;
    t->name = ls_strdup(name);
    if (t->name == NULL || ls__defaults(t, true) != LS_OK) {
        c->fatal = LS_ERR_NOMEM;
        return;
    }
    ls__walk(c, v, path, "topics.*", (long)conf->ntopics - 1);
}

/* One key: value pair of a mapping at @p path / @p pattern. */
static void ls__pair(ls__ctx_t *c, yaml_node_t *k, yaml_node_t *v, const char *path,
                     const char *pattern, long topic)
{
    const char *key = (const char *)k->data.scalar.value;
    char cpath[LS__PATH_MAX], cpat[LS__PATH_MAX];
    snprintf(cpath, sizeof(cpath), "%s%s%s", path, path[0] ? "." : "", key);
    if (strcmp(pattern, "topics") == 0) {
        if (key[0] == '\0' || strchr(key, '.') != NULL || strchr(key, '*') != NULL) {
            ls__diag(c, k, "%s: topic entry names must be non-empty, without '.' or '*'", cpath);
        } else {
            ls__topic(c, k, v, cpath);
        }
        return;
    }
    if (pattern[0] == '\0' && path[0] == '\0' && strcmp(key, "connector") == 0 &&
        v->type == YAML_MAPPING_NODE) {
        ls__walk(c, v, "connector", "", -1); /* the seed's layout nests everything here */
        return;
    }
    snprintf(cpat, sizeof(cpat), "%s%s%s", pattern, pattern[0] ? "." : "", key);
    bool prefix;
    const ls_conf_key_t *kd = strchr(key, '*') == NULL ? ls__find(cpat, &prefix) : NULL;
    if (kd != NULL) {
        void *base = topic >= 0 ? (void *)&c->conf->topics[topic] : (void *)c->conf;
        ls__leaf(c, kd, base, topic >= 0 ? &c->topic_set[topic] : &c->root_set, v, cpath);
    } else if (strchr(key, '*') == NULL && prefix) {
        if (v->type != YAML_MAPPING_NODE) {
            ls__diag(c, v, "%s: expected a mapping", cpath);
        } else {
            ls__walk(c, v, cpath, cpat, topic);
        }
    } else {
        ls__unknown(c, k, cpath, pattern, key);
    }
}

static void ls__walk(ls__ctx_t *c, yaml_node_t *map, const char *path, const char *pattern,
                     long topic)
{
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start;
         p < map->data.mapping.pairs.top && c->fatal == LS_OK; p++) {
        yaml_node_t *k = yaml_document_get_node(c->doc, p->key);
        yaml_node_t *v = yaml_document_get_node(c->doc, p->value);
        if (++c->visits > LS__VISIT_MAX) {
            ls__diag(c, k, "%s: too many entries (more than %d)", path[0] ? path : "(top)",
                     LS__VISIT_MAX);
            c->fatal = LS_ERR_LIMIT;
            return;
        }
        if (k == NULL || v == NULL || k->type != YAML_SCALAR_NODE) {
            ls__diag(c, k, "%s: keys must be plain names", path[0] ? path : "(top)");
            continue;
        }
        ls__pair(c, k, v, path, pattern, topic);
    }
}

static void ls__required(ls__ctx_t *c, const char *prefix, bool topic, uint64_t set)
{
    size_t n;
    const ls_conf_key_t *keys = ls_conf_keys(&n);
    for (size_t i = 0; i < n; i++) {
        if ((keys[i].flags & LS_CONF_F_REQUIRED) && ls__conf_is_topic_key(&keys[i]) == topic &&
            !(set & (1ull << i))) {
            ls__diag(c, NULL, "%s%s: missing", prefix, keys[i].path + (topic ? 9 : 0));
        }
    }
}

/* Cross-key rules of routing, metadata columns, the codec level and the unknown-field
 * policy. */
static void ls__finish_processing(ls__ctx_t *c, ls_conf_topic_t *t, const char *pre)
{
    static const char *const meta[] = {"_kafka_topic",     "_kafka_partition", "_kafka_offset",
                                       "_kafka_timestamp", "_kafka_key",       "_kafka_headers"};
    if ((t->route_field == NULL) != (t->route_values.n == 0)) {
        ls__diag(c, NULL, "%sroute: give both field and values", pre);
    }
    for (size_t i = 0; i < t->metadata_columns.n; i++) {
        const char *m = t->metadata_columns.items[i];
        size_t j = 0;
        while (j < sizeof(meta) / sizeof(meta[0]) && strcmp(meta[j], m) != 0) {
            j++;
        }
        if (j == sizeof(meta) / sizeof(meta[0])) {
            ls__diag(c, NULL,
                     "%smetadata-columns[%zu]: unknown column \"%s\" (one of _kafka_topic, "
                     "_kafka_partition, _kafka_offset, _kafka_timestamp, _kafka_key, _kafka_headers)",
                     pre, i, m);
        }
    }
    int64_t lv = t->compression_level;
    bool gz = strcmp(t->compression, "gzip") == 0, zs = strcmp(t->compression, "zstd") == 0;
    if (lv != 0 && !zs && !(gz && lv >= 1 && lv <= 9)) {
        ls__diag(c, NULL, "%sdestination.delta-config.compression-level: %lld does not apply to "
                 "%s (zstd: -7..22, gzip: 1..9, snappy and none: 0)", pre, (long long)lv,
                 t->compression);
    }
    if (t->unknown_fields == NULL) {
        t->unknown_fields = ls_strdup(t->schema_evolution ? "evolve" : "dead-letter");
        c->fatal = t->unknown_fields == NULL ? LS_ERR_NOMEM : c->fatal;
    }
}

/* Cross-key rules of one topic: the destination is table-uri, or bucket + path. */
static void ls__finish_topic(ls__ctx_t *c, ls_conf_topic_t *t, uint64_t set)
{
    char pre[LS__PATH_MAX];
    snprintf(pre, sizeof(pre), "topics.%s.", t->name);
    ls__required(c, pre, true, set);
    ls__finish_processing(c, t, pre);
    if (t->table_uri != NULL) {
        if (t->bucket != NULL || t->path != NULL) {
            ls__diag(c, NULL, "%sdestination: give table-uri or bucket + path, not both", pre);
        }
        return;
    }
    if (t->bucket == NULL && t->path == NULL) {
        ls__diag(c, NULL, "%sdestination.table-uri: missing (or give bucket and path)", pre);
    } else if (t->bucket == NULL || t->path == NULL) {
        ls__diag(c, NULL, "%sdestination.%s: missing (bucket and path go together)", pre,
                 t->bucket == NULL ? "bucket" : "path");
    } else {
        const char *p = t->path + strspn(t->path, "/");
        size_t len = strlen(t->bucket) + strlen(p) + 7;
        t->table_uri = ls_malloc(len);
        if (t->table_uri == NULL) {
            c->fatal = LS_ERR_NOMEM;
            return;
        }
        snprintf(t->table_uri, len, "s3://%s/%s", t->bucket, p);
    }
}

static void ls__finish(ls__ctx_t *c)
{
    ls_conf_t *conf = c->conf;
    ls__required(c, "", false, c->root_set);
    if (conf->ntopics == 0) {
        ls__diag(c, NULL, "topics: missing (at least one topic is needed)");
    }
    for (size_t i = 0; i < conf->ntopics && c->fatal == LS_OK; i++) {
        ls__finish_topic(c, &conf->topics[i], c->topic_set[i]);
    }
    if (conf->app_id == NULL && conf->group_id != NULL && c->fatal == LS_OK) {
        conf->app_id = ls_strdup(conf->group_id);
        c->fatal = conf->app_id == NULL ? LS_ERR_NOMEM : LS_OK;
    }
}

/*
 * libyaml's cost grows with the square of flow nesting ([[[[...), so deep nesting is refused
 * before parsing. Brackets inside quoted strings count too: no sane config comes close.
 */
static bool ls__too_deep(const char *text, size_t len)
{
    size_t depth = 0;
    for (size_t i = 0; i < len; i++) {
        if (text[i] == '[' || text[i] == '{') {
            if (++depth > LS__DEPTH_MAX) {
                return true;
            }
        } else if ((text[i] == ']' || text[i] == '}') && depth > 0) {
            depth--;
        }
    }
    return false;
}

static void ls__parse(ls__ctx_t *c, const char *text, size_t len)
{
    if (ls__too_deep(text, len)) {
        ls__diag(c, NULL, "(top): brackets nested deeper than %d levels", LS__DEPTH_MAX);
        return;
    }
    yaml_parser_t parser;
    yaml_document_t doc;
    if (!yaml_parser_initialize(&parser)) {
        c->fatal = LS_ERR_NOMEM;
        return;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    if (!yaml_parser_load(&parser, &doc)) {
        yaml_node_t at = {0};
        at.start_mark = parser.problem_mark;
        ls__diag(c, &at, "malformed YAML: %s%s%s", parser.problem ? parser.problem : "error",
                 parser.context ? " " : "", parser.context ? parser.context : "");
        yaml_parser_delete(&parser);
        return;
    }
    c->doc = &doc;
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    if (root == NULL) {
        ls__diag(c, NULL, "(top): the file is empty");
    } else if (root->type != YAML_MAPPING_NODE) {
        ls__diag(c, root, "(top): expected a mapping of keys");
    } else if ((c->fatal = ls__defaults(c->conf, false)) == LS_OK) {
        ls__walk(c, root, "", "", -1);
        if (c->fatal == LS_OK) {
            ls__finish(c);
        }
    }
    yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
}

static ls_err_t ls__report(const ls_conf_diags_t *d, const char *source, ls_error_t *err)
{
    const ls_conf_diag_t *g = &d->items[0];
    size_t more = d->n - 1 + d->dropped;
    char where[64] = "";
    if (g->line > 0) {
        snprintf(where, sizeof(where), ":%zu:%zu", g->line, g->column);
    }
    ls_error_set(err, LS_ERR_CONFIG, "%s%s%s%s", source != NULL ? source : "",
                 source != NULL ? where : "", source != NULL ? ": " : "", g->msg);
    if (more > 0) {
        size_t used = strlen(err != NULL ? err->msg : "");
        if (err != NULL && used < sizeof(err->msg)) {
            snprintf(err->msg + used, sizeof(err->msg) - used, " (and %zu more)", more);
        }
    }
    return LS_ERR_CONFIG;
}

ls_err_t ls_conf_load_buf(const char *text, size_t len, const char *source, ls_conf_t **out,
                          ls_conf_diags_t *diags, ls_error_t *err)
{
    ls_conf_diags_t local = {0};
    ls_conf_diags_t *d = diags != NULL ? diags : &local;
    memset(d, 0, sizeof(*d));
    *out = NULL;
    if (len > LS_CONF_MAX_BYTES) {
        return ls_error_set(err, LS_ERR_LIMIT, "%s: larger than %u bytes",
                            source != NULL ? source : "config", LS_CONF_MAX_BYTES);
    }
    ls__ctx_t c = {0};
    c.diags = d;
    c.conf = ls_calloc(1, sizeof(*c.conf));
    if (c.conf == NULL) {
        return ls_error_set(err, LS_ERR_NOMEM, "out of memory reading the config");
    }
    ls__parse(&c, text, len);
    ls_free(c.topic_set);
    ls_err_t rc = c.fatal;
    if (rc == LS_ERR_NOMEM) {
        ls_error_set(err, rc, "out of memory reading the config");
    } else if (d->n > 0 || rc != LS_OK) {
        rc = d->n > 0 ? ls__report(d, source, err) : ls_error_set(err, rc, "invalid config");
    }
    if (rc != LS_OK) {
        ls_conf_free(c.conf);
        ls_conf_diags_free(&local);
        return rc;
    }
    *out = c.conf;
    return LS_OK;
}

ls_err_t ls_conf_load_file(const char *path, ls_conf_t **out, ls_conf_diags_t *diags,
                           ls_error_t *err)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        if (diags != NULL) {
            memset(diags, 0, sizeof(*diags));
        }
        *out = NULL;
        return ls_error_set(err, LS_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    }
    char *text = ls_malloc(LS_CONF_MAX_BYTES + 1);
    size_t n = text != NULL ? fread(text, 1, LS_CONF_MAX_BYTES + 1, f) : 0;
    bool bad = text != NULL && ferror(f);
    fclose(f);
    ls_err_t rc;
    if (text == NULL || bad) {
        if (diags != NULL) {
            memset(diags, 0, sizeof(*diags));
        }
        *out = NULL;
        rc = text == NULL ? ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", path)
                          : ls_error_set(err, LS_ERR_IO, "%s: read error", path);
    } else {
        rc = ls_conf_load_buf(text, n, path, out, diags, err);
    }
    ls_free(text);
    return rc;
}

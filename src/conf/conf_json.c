/*
 * conf_json.c — the normalised JSON form of a loaded config (driven by the key table,
 * secrets masked) and releasing a config.
 *
 * Not responsible for: parsing or validation (conf_load.c, conf_table.c).
 */
#include <inttypes.h>
#include <string.h>

#include "conf_int.h"
#include "lakesink/alloc.h"

static ls_err_t ls__str(ls_buf_t *out, const char *s)
{
    if (s == NULL) {
        return ls_buf_append_str(out, "null");
    }
    return ls_json_append_string(out, s, strlen(s));
}

/* The value of key @p k in @p base as JSON; @p name decides masking. */
static ls_err_t ls__value(ls_buf_t *out, const ls_conf_key_t *k, const void *base, const char *name)
{
    const char *p = (const char *)base + k->offset;
    switch (k->type) {
    case LS_CONF_INT:
    case LS_CONF_SIZE:
    case LS_CONF_DURATION: {
        int64_t v;
        memcpy(&v, p, sizeof(v));
        return ls_buf_printf(out, "%" PRId64, v);
    }
    case LS_CONF_BOOL:
        return ls_buf_append_str(out, *(const bool *)(const void *)p ? "true" : "false");
    case LS_CONF_LIST: {
        const ls_conf_list_t *l = (const ls_conf_list_t *)(const void *)p;
        LS_TRY(ls_buf_append_byte(out, '['));
        for (size_t i = 0; i < l->n; i++) {
            LS_TRY(ls_buf_append_str(out, i ? "," : ""));
            LS_TRY(ls__str(out, l->items[i]));
        }
        return ls_buf_append_byte(out, ']');
    }
    case LS_CONF_MAP: {
        const ls_conf_map_t *m = (const ls_conf_map_t *)(const void *)p;
        LS_TRY(ls_buf_append_byte(out, '{'));
        for (size_t i = 0; i < m->n; i++) {
            LS_TRY(ls_buf_append_str(out, i ? "," : ""));
            LS_TRY(ls__str(out, m->items[i].key));
            LS_TRY(ls_buf_append_byte(out, ':'));
            LS_TRY(ls__str(out, ls_conf_is_secret(m->items[i].key) ? "***" : m->items[i].value));
        }
        return ls_buf_append_byte(out, '}');
    }
    default: {
        const char *s = *(char *const *)(const void *)p;
        return ls__str(out, s != NULL && ls_conf_is_secret(name) ? "***" : s);
    }
    }
}

/* Keys in scope as flat "dotted.path": value members (paths relative to the scope). */
static ls_err_t ls__members(ls_buf_t *out, const void *base, bool topic)
{
    size_t n;
    const ls_conf_key_t *keys = ls_conf_keys(&n);
    bool first = true;
    for (size_t i = 0; i < n; i++) {
        if (ls__conf_is_topic_key(&keys[i]) != topic) {
            continue;
        }
        const char *name = keys[i].path + (topic ? 9 : 0);
        LS_TRY(ls_buf_append_str(out, first ? "" : ","));
        first = false;
        LS_TRY(ls__str(out, name));
        LS_TRY(ls_buf_append_byte(out, ':'));
        LS_TRY(ls__value(out, &keys[i], base, name));
    }
    return LS_OK;
}

ls_err_t ls_conf_to_json(const ls_conf_t *conf, ls_buf_t *out)
{
    LS_TRY(ls_buf_append_byte(out, '{'));
    LS_TRY(ls__members(out, conf, false));
    LS_TRY(ls_buf_append_str(out, ",\"topics\":{"));
    for (size_t i = 0; i < conf->ntopics; i++) {
        LS_TRY(ls_buf_append_str(out, i ? "," : ""));
        LS_TRY(ls__str(out, conf->topics[i].name));
        LS_TRY(ls_buf_append_str(out, ":{"));
        LS_TRY(ls__members(out, &conf->topics[i], true));
        LS_TRY(ls_buf_append_byte(out, '}'));
    }
    return ls_buf_append_str(out, "}}");
}

/* Free every owned field of @p base described by keys in scope. */
static void ls__free_fields(void *base, bool topic)
{
    size_t n;
    const ls_conf_key_t *keys = ls_conf_keys(&n);
    for (size_t i = 0; i < n; i++) {
        if (ls__conf_is_topic_key(&keys[i]) != topic) {
            continue;
        }
        char *p = (char *)base + keys[i].offset;
        if (keys[i].type == LS_CONF_STRING || keys[i].type == LS_CONF_ENUM) {
            ls_free(*(char **)(void *)p);
        } else if (keys[i].type == LS_CONF_LIST) {
            ls_conf_list_t *l = (ls_conf_list_t *)(void *)p;
            for (size_t j = 0; j < l->n; j++) {
                ls_free(l->items[j]);
            }
            ls_free(l->items);
        } else if (keys[i].type == LS_CONF_MAP) {
            ls_conf_map_t *m = (ls_conf_map_t *)(void *)p;
            for (size_t j = 0; j < m->n; j++) {
                ls_free(m->items[j].key);
                ls_free(m->items[j].value);
            }
            ls_free(m->items);
        }
    }
}

void ls_conf_free(ls_conf_t *conf)
{
    if (conf == NULL) {
        return;
    }
    for (size_t i = 0; i < conf->ntopics; i++) {
        ls__free_fields(&conf->topics[i], true);
        ls_free(conf->topics[i].name);
    }
    ls_free(conf->topics);
    ls__free_fields(conf, false);
    ls_free(conf);
}

void ls_conf_diags_free(ls_conf_diags_t *d)
{
    if (d != NULL) {
        ls_free(d->items);
        memset(d, 0, sizeof(*d));
    }
}

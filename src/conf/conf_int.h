/*
 * conf_int.h — helpers shared inside src/conf: scalar parsing by type and defaults.
 * Not part of the public API.
 */
#ifndef LS_CONF_INT_H
#define LS_CONF_INT_H

#include "lakesink/conf.h"

/* True when the key lives in ls_conf_topic_t (its path starts with "topics.*."). */
bool ls__conf_is_topic_key(const ls_conf_key_t *k);

/*
 * Parse scalar @p s for key @p k into @p base (ls_conf_t or ls_conf_topic_t); on a bad
 * value writes the problem (without the path) into @p why and returns LS_ERR_CONFIG.
 */
ls_err_t ls__conf_set_scalar(const ls_conf_key_t *k, void *base, const char *s, char *why,
                             size_t why_len);
#endif

/*
 * fuzz_conf_yaml.c — the config loader (YAML parser, key-table walk, interpolation,
 * validation) on arbitrary bytes. Checks: it never crashes; it either succeeds with a
 * complete config (every topic has a table URI) or fails with at least one diagnostic or
 * an out-of-memory/limit code; a loaded config always serialises to JSON.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lakesink/conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ls_conf_t *conf;
    ls_conf_diags_t d;
    ls_error_t err;
    ls_err_t rc = ls_conf_load_buf((const char *)data, size, "fuzz.yml", &conf, &d, &err);
    if (rc == LS_OK) {
        if (conf == NULL || conf->ntopics == 0 || conf->brokers == NULL) {
            abort();
        }
        for (size_t i = 0; i < conf->ntopics; i++) {
            if (conf->topics[i].table_uri == NULL || conf->topics[i].kafka_topic == NULL) {
                abort();
            }
        }
        ls_buf_t b;
        ls_buf_init(&b, 8u << 20);
        if (ls_conf_to_json(conf, &b) != LS_OK) {
            abort();
        }
        ls_buf_free(&b);
        ls_conf_free(conf);
    } else if (conf != NULL || (rc == LS_ERR_CONFIG && d.n == 0 && d.dropped == 0)) {
        abort();
    }
    ls_conf_diags_free(&d);
    return 0;
}

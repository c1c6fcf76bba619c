/*
 * log.h — structured logging: one JSON object per line on stderr (or a chosen fd).
 *
 * Every line has "ts", "level", "component" and "msg"; callers add context as
 * key/value string pairs ("table", "topic", "partition", ...). Values are JSON-escaped.
 * Never pass secrets: nothing here can tell a password from a topic name.
 * Thread-safe: each line is formatted privately and written with one write(2).
 */
#ifndef LAKESINK_LOG_H
#define LAKESINK_LOG_H

typedef enum {
    LS_LOG_DEBUG = 0,
    LS_LOG_INFO = 1,
    LS_LOG_WARN = 2,
    LS_LOG_ERROR = 3,
    LS_LOG_OFF = 4
} ls_log_level_t;

/** @brief Lines below @p level are dropped. Default LS_LOG_INFO. */
void ls_log_set_level(ls_log_level_t level);
ls_log_level_t ls_log_get_level(void);
/** @brief Parse "debug|info|warn|error|off"; returns -1 when unknown. */
int ls_log_level_parse(const char *name);
/** @brief Write lines to @p fd instead of stderr (2). */
void ls_log_set_fd(int fd);

/**
 * @brief Log a printf-formatted message.
 * @param component short module name: "parquet", "delta", "kafka", ...
 */
void ls_logf(ls_log_level_t level, const char *component, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/**
 * @brief Log @p msg with context pairs: key, value, key, value, ..., NULL.
 * All keys and values are C strings (format numbers first).
 */
void ls_log_kv(ls_log_level_t level, const char *component, const char *msg, ...);

#endif

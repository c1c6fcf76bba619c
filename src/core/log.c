/*
 * log.c — JSON-lines log writer.
 */
#include "lakesink/log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static atomic_int ls__log_level = LS_LOG_INFO;
static atomic_int ls__log_fd = 2;

static const char *const ls__level_names[] = {"debug", "info", "warn", "error", "off"};

void ls_log_set_level(ls_log_level_t level)
{
    atomic_store(&ls__log_level, (int)level);
}

ls_log_level_t ls_log_get_level(void)
{
    return (ls_log_level_t)atomic_load(&ls__log_level);
}

int ls_log_level_parse(const char *name)
{
    for (int i = 0; i <= (int)LS_LOG_OFF; i++) {
        if (strcmp(name, ls__level_names[i]) == 0) {
            return i;
        }
    }
    return -1;
}

void ls_log_set_fd(int fd)
{
    atomic_store(&ls__log_fd, fd);
}

/* Bounded line builder on the stack; silently truncates very long lines. */
typedef struct {
    char buf[4096];
    size_t len;
} ls__line_t;

static void ls__put(ls__line_t *l, const char *s, size_t n)
{
    size_t room = sizeof(l->buf) - 2 - l->len; /* keep room for "}\n" */
    if (n > room) {
        n = room;
    }
    memcpy(l->buf + l->len, s, n);
    l->len += n;
}

static void ls__put_str(ls__line_t *l, const char *s)
{
    ls__put(l, s, strlen(s));
}

static void ls__put_json(ls__line_t *l, const char *s)
{
    ls__put(l, "\"", 1);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        char esc[8];
        if (*p == '"' || *p == '\\') {
            esc[0] = '\\';
            esc[1] = (char)*p;
            ls__put(l, esc, 2);
        } else if (*p == '\n') {
            ls__put(l, "\\n", 2);
        } else if (*p < 0x20) {
            snprintf(esc, sizeof(esc), "\\u%04x", *p);
            ls__put(l, esc, 6);
        } else {
            ls__put(l, (const char *)p, 1);
        }
    }
    ls__put(l, "\"", 1);
}

static void ls__begin(ls__line_t *l, ls_log_level_t level, const char *component)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    char head[96];
    int n = snprintf(head, sizeof(head),
                     "{\"ts\":\"%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ\",\"level\":\"%s\",",
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                     tm.tm_sec, ts.tv_nsec / 1000000L, ls__level_names[level]);
    l->len = 0;
    ls__put(l, head, (size_t)n);
    ls__put_str(l, "\"component\":");
    ls__put_json(l, component ? component : "main");
}

static void ls__end(ls__line_t *l)
{
    l->buf[l->len++] = '}';
    l->buf[l->len++] = '\n';
    ssize_t w = write(atomic_load(&ls__log_fd), l->buf, l->len);
    (void)w;
}

void ls_logf(ls_log_level_t level, const char *component, const char *fmt, ...)
{
    if ((int)level < atomic_load(&ls__log_level) || level >= LS_LOG_OFF) {
        return;
    }
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    ls__line_t l;
    ls__begin(&l, level, component);
    ls__put_str(&l, ",\"msg\":");
    ls__put_json(&l, msg);
    ls__end(&l);
}

void ls_log_kv(ls_log_level_t level, const char *component, const char *msg, ...)
{
    if ((int)level < atomic_load(&ls__log_level) || level >= LS_LOG_OFF) {
        return;
    }
    ls__line_t l;
    ls__begin(&l, level, component);
    ls__put_str(&l, ",\"msg\":");
    ls__put_json(&l, msg);
    va_list ap;
    va_start(ap, msg);
    for (;;) {
        const char *k = va_arg(ap, const char *);
        if (k == NULL) {
            break;
        }
        const char *v = va_arg(ap, const char *);
        ls__put_str(&l, ",");
        ls__put_json(&l, k);
        ls__put_str(&l, ":");
        ls__put_json(&l, v ? v : "");
    }
    va_end(ap);
    ls__end(&l);
}

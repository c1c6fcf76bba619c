/*
 * cli_opts.c — option parsing, --help text and error reporting shared by every
 * lakesink command. Long options only ("--name VALUE", "--name=VALUE", "--flag");
 * "--" ends the options and a lone "-" is a positional argument (stdin).
 *
 * Not responsible for: what the options mean (each command checks its own values).
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lakesink/io.h"
#include "lakesink/json.h"
#include "cli.h"

static const ls_cli_opt_t *ls__find_opt(const ls_cli_cmd_t *cmd, const char *name, size_t len,
                                        size_t *idx)
{
    for (size_t i = 0; i < cmd->nopts; i++) {
        if (strlen(cmd->opts[i].name) == len && memcmp(cmd->opts[i].name, name, len) == 0) {
            *idx = i;
            return &cmd->opts[i];
        }
    }
    return NULL;
}

/* Multiplier of a size suffix ("K", "MiB", "g", "" ...); 0 when unknown. */
static uint64_t ls__size_unit(const char *s)
{
    static const char units[] = "KMGT";
    if (*s == '\0' || strcmp(s, "B") == 0) {
        return 1;
    }
    const char *u = strchr(units, s[0] >= 'a' ? s[0] - ('a' - 'A') : s[0]);
    if (u == NULL) {
        return 0;
    }
    const char *rest = s + 1;
    if (*rest != '\0' && strcmp(rest, "B") != 0 && strcmp(rest, "iB") != 0) {
        return 0;
    }
    return (uint64_t)1 << (10 * (u - units + 1));
}

/* Parse an integer option value; returns false with a message in @p why. */
static bool ls__parse_number(const ls_cli_opt_t *o, const char *text, int64_t *out, char *why,
                             size_t whylen)
{
    char *end = NULL;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (end == text || errno != 0) {
        snprintf(why, whylen, "--%s: '%s' is not a number", o->name, text);
        return false;
    }
    if (o->kind == LS_CLI_SIZE) {
        uint64_t unit = ls__size_unit(end);
        if (unit == 0 || v < 0 || (uint64_t)v > (uint64_t)INT64_MAX / unit) {
            snprintf(why, whylen, "--%s: '%s' is not a byte size (e.g. 65536, 64K, 128M, 1G)",
                     o->name, text);
            return false;
        }
        v = (long long)((uint64_t)v * unit);
    } else if (*end != '\0') {
        snprintf(why, whylen, "--%s: '%s' is not a number", o->name, text);
        return false;
    }
    if (v < o->min || v > o->max) {
        snprintf(why, whylen, "--%s: %s is out of range [%lld, %lld]", o->name, text,
                 (long long)o->min, (long long)o->max);
        return false;
    }
    *out = v;
    return true;
}

/* Handle one "--name[=value]" word; may consume the next word as the value. */
static int ls__parse_option(const ls_cli_cmd_t *cmd, int argc, char **argv, int *i,
                            ls_cli_val_t *vals)
{
    const char *word = argv[*i] + 2;
    const char *eq = strchr(word, '=');
    size_t nlen = eq ? (size_t)(eq - word) : strlen(word);
    size_t idx = 0;
    const ls_cli_opt_t *o = ls__find_opt(cmd, word, nlen, &idx);
    if (o == NULL) {
        return ls_cli_usage_error(cmd->name, "unknown option '--%.*s'", (int)nlen, word);
    }
    const char *value = NULL;
    if (o->kind == LS_CLI_FLAG) {
        if (eq != NULL) {
            return ls_cli_usage_error(cmd->name, "option '--%s' takes no value", o->name);
        }
    } else if (eq != NULL) {
        value = eq + 1;
    } else if (*i + 1 < argc) {
        value = argv[++*i];
    } else {
        return ls_cli_usage_error(cmd->name, "option '--%s' needs a value (%s)", o->name,
                                  o->metavar ? o->metavar : "VALUE");
    }
    ls_cli_val_t *v = &vals[idx];
    if (v->set) {
        return ls_cli_usage_error(cmd->name, "option '--%s' given twice", o->name);
    }
    v->set = true;
    v->str = value;
    if (o->kind == LS_CLI_INT || o->kind == LS_CLI_SIZE) {
        char why[256];
        if (!ls__parse_number(o, value, &v->num, why, sizeof(why))) {
            return ls_cli_usage_error(cmd->name, "%s", why);
        }
    }
    return LS_CLI_RUN;
}

int ls_cli_parse(const ls_cli_cmd_t *cmd, int argc, char **argv, ls_cli_val_t *vals,
                 const char **args, size_t *nargs)
{
    memset(vals, 0, cmd->nopts * sizeof(*vals));
    *nargs = 0;
    bool only_args = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool is_opt = !only_args && a[0] == '-' && a[1] != '\0';
        if (is_opt && strcmp(a, "--") == 0) {
            only_args = true;
            continue;
        }
        if (is_opt && (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)) {
            ls_cli_print_help(cmd);
            return LS_CLI_EXIT_OK;
        }
        if (is_opt && a[1] != '-') {
            return ls_cli_usage_error(cmd->name, "unknown option '%s' (options are long: --name)",
                                      a);
        }
        if (is_opt) {
            int rc = ls__parse_option(cmd, argc, argv, &i, vals);
            if (rc != LS_CLI_RUN) {
                return rc;
            }
            continue;
        }
        if (*nargs >= cmd->max_args) {
            return ls_cli_usage_error(cmd->name, "unexpected argument '%s'", a);
        }
        args[(*nargs)++] = a;
    }
    if (*nargs < cmd->min_args) {
        return ls_cli_usage_error(cmd->name, "missing argument (usage: lakesink %s %s)", cmd->name,
                                  cmd->args);
    }
    return LS_CLI_RUN;
}

void ls_cli_print_help(const ls_cli_cmd_t *cmd)
{
    printf("usage: lakesink %s %s%s\n\n%s\n", cmd->name, cmd->args,
           cmd->nopts > 0 ? " [options]" : "", cmd->summary);
    printf("\noptions:\n");
    for (size_t i = 0; i < cmd->nopts; i++) {
        const ls_cli_opt_t *o = &cmd->opts[i];
        char left[64];
        snprintf(left, sizeof(left), "--%s%s%s", o->name, o->metavar ? " " : "",
                 o->metavar ? o->metavar : "");
        printf("  %-26s %s\n", left, o->help);
    }
    printf("  %-26s %s\n", "--help", "show this help and exit");
    printf("\nexit status: 0 success, 1 runtime error, 2 usage error\n");
}

int ls_cli_usage_error(const char *cmd_name, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    fprintf(stderr, "lakesink: %s: %s\nTry 'lakesink %s --help'.\n", cmd_name, msg, cmd_name);
    return LS_CLI_EXIT_USAGE;
}

int ls_cli_fail(const char *what, const char *subject, const ls_error_t *err)
{
    const char *why = err->msg[0] != '\0' ? err->msg : ls_err_str(err->code);
    if (subject != NULL) {
        size_t n = strlen(subject);
        if (strncmp(why, subject, n) == 0 && why[n] == ':' && why[n + 1] == ' ') {
            why += n + 2;
        }
    }
    fflush(stdout);
    fprintf(stderr, "lakesink: %s: %s\n", what, why);
    return LS_CLI_EXIT_FAIL;
}

ls_err_t ls_cli_flush_stdout(ls_buf_t *b, ls_error_t *err)
{
    if (b->len > 0 && fwrite(b->data, 1, b->len, stdout) != b->len) {
        return ls_error_set(err, LS_ERR_IO, "cannot write to standard output: %s", strerror(errno));
    }
    ls_buf_reset(b);
    return LS_OK;
}

int ls_cli_split_list(const char *list, char *store, size_t store_len, const char **items,
                      size_t max)
{
    size_t len = strlen(list);
    if (len + 1 > store_len) {
        return -1;
    }
    memcpy(store, list, len + 1);
    size_t n = 0;
    char *p = store;
    for (;;) {
        char *comma = strchr(p, ',');
        if (comma != NULL) {
            *comma = '\0';
        }
        if (*p == '\0' || n >= max) {
            return -1;
        }
        items[n++] = p;
        if (comma == NULL) {
            return (int)n;
        }
        p = comma + 1;
    }
}

double ls_cli_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

ls_err_t ls_cli_read_schema_file(const char *path, ls_type_t **out, ls_error_t *err)
{
    ls_buf_t b;
    LS_TRY(ls_file_read_all(path, (size_t)16 << 20, &b, err));
    ls_err_t rc = ls_json_parse_delta_schema(b.data ? (const char *)b.data : "", b.len, out, err);
    ls_buf_free(&b);
    if (rc != LS_OK) {
        return ls_error_prefix(err, "%s: ", path);
    }
    if ((*out)->kind != LS_TYPE_STRUCT || (*out)->nfields == 0) {
        ls_type_free(*out);
        *out = NULL;
        return ls_error_set(err, LS_ERR_SCHEMA, "%s: the schema must be a struct with fields",
                            path);
    }
    return LS_OK;
}

void ls_cli_on_stop_signals(void (*handler)(int))
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = handler;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

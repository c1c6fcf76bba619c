/*
 * cmd_run.c — `lakesink run --config FILE`: loads and checks the config, runs the daemon
 * until SIGTERM/SIGINT, and exits 0 once everything consumed is committed. A second
 * signal (2 s or more after the first), or a drain longer than shutdown-timeout, ends the
 * process at once (exit 3):
 * nothing is lost either way, since uncommitted rows are read again from Kafka. When the
 * daemon is fenced (another instance committed positions it still held), or storage or the
 * network fails (after the daemon's own retries), it starts afresh from the tables'
 * positions, after a pause that doubles up to a minute in the second case.
 *
 * Not responsible for: the daemon itself (src/daemon, daemon.h).
 */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "lakesink/daemon.h"
#include "lakesink/log.h"

#define LS__RESTARTS_MAX 20 /* fenced restarts in a row before giving up */

enum { O_CONFIG, O_N };

static const ls_cli_opt_t ls__opts[O_N] = {
    [O_CONFIG] = {"config", LS_CLI_STR, "FILE", "the YAML config (docs/configuration.md)", 0, 0},
};

static const ls_cli_cmd_t ls__cmd = {
    "run",
    "--config FILE",
    "Consume the configured Kafka topics into Delta tables, exactly once, until SIGTERM or\n"
    "SIGINT; then commit everything consumed, commit offsets, leave the group and exit 0.\n"
    "Serves /healthz, /readyz, /metrics and /status on http.listen. Logs are JSON lines on\n"
    "standard error.",
    ls__opts,
    O_N,
    0,
    0};

static ls_daemon_t *_Atomic ls__daemon;
static atomic_int ls__signals;
static atomic_llong ls__deadline_ms;
static int64_t ls__timeout_ms;

static int64_t ls__now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static atomic_llong ls__first_signal_ms;

static void ls__on_signal(int sig)
{
    (void)sig;
    int64_t now = ls__now_ms(); /* clock_gettime is async-signal-safe */
    long long first = atomic_load(&ls__first_signal_ms);
    if (first != 0 && now - first < 2000) {
        return; /* the same stop delivered twice (to the process and to its group) */
    }
    atomic_store(&ls__first_signal_ms, now);
    if (atomic_fetch_add(&ls__signals, 1) > 0) {
        static const char msg[] = "lakesink: run: second signal: exiting without draining\n";
        ssize_t w = write(2, msg, sizeof(msg) - 1);
        (void)w;
        _exit(3);
    }
    ls_daemon_stop(atomic_load(&ls__daemon));
}

/* Ends the process when the drain outlives shutdown-timeout. */
static void *ls__watchdog(void *arg)
{
    (void)arg;
    for (;;) {
        usleep(100 * 1000);
        if (atomic_load(&ls__signals) == 0) {
            continue;
        }
        long long dl = atomic_load(&ls__deadline_ms);
        if (dl == 0) {
            atomic_store(&ls__deadline_ms, ls__now_ms() + ls__timeout_ms);
        } else if (ls__now_ms() > dl) {
            ls_log_kv(LS_LOG_ERROR, "run", "shutdown-timeout passed before the drain finished: "
                      "exiting (uncommitted rows will be read again)", NULL);
            _exit(3);
        }
    }
    return NULL;
}

/* Storage and network failures: the daemon starts afresh after a pause instead of exiting,
 * so a dead endpoint becomes back-pressure rather than a crash loop. */
static bool ls__transient(ls_err_t rc)
{
    return rc == LS_ERR_IO || rc == LS_ERR_TIMEOUT || rc == LS_ERR_RETRY || rc == LS_ERR_CONFLICT;
}

/* Sleep @p ms in slices, returning early on a signal. */
static void ls__pause_ms(int64_t ms)
{
    for (int64_t t = 0; t < ms && atomic_load(&ls__signals) == 0; t += 100) {
        usleep(100 * 1000);
    }
}

static int ls__run_loop(const ls_conf_t *conf)
{
    unsigned fenced = 0;
    int64_t backoff = 1000;
    for (;;) {
        ls_error_t err;
        ls_error_clear(&err);
        ls_daemon_t *d = ls_daemon_new(conf, &err);
        ls_err_t rc = d != NULL ? LS_OK : err.code;
        if (d != NULL) {
            atomic_store(&ls__daemon, d);
            if (atomic_load(&ls__signals) > 0) {
                ls_daemon_stop(d); /* a signal came while starting */
            }
            rc = ls_daemon_run(d, &err);
            atomic_store(&ls__daemon, NULL);
            ls_daemon_free(d);
        }
        if (rc == LS_OK || atomic_load(&ls__signals) > 0) {
            return rc == LS_OK ? LS_CLI_EXIT_OK : ls_cli_fail("run", NULL, &err);
        }
        if (rc == LS_ERR_EXISTS && ++fenced <= LS__RESTARTS_MAX) {
            ls_log_kv(LS_LOG_WARN, "run", "fenced: starting afresh from the tables' positions",
                      "error", err.msg, NULL);
            continue;
        }
        if (!ls__transient(rc)) {
            return ls_cli_fail("run", NULL, &err);
        }
        char ms[24];
        snprintf(ms, sizeof(ms), "%lld", (long long)backoff);
        ls_log_kv(LS_LOG_ERROR, "run", "transient failure: starting afresh after a pause (nothing "
                  "is lost: uncommitted rows are read again)", "error", err.msg, "pause_ms", ms,
                  NULL);
        ls__pause_ms(backoff);
        backoff = backoff * 2 > 60000 ? 60000 : backoff * 2;
    }
}

int ls_cli_run_main(int argc, char **argv)
{
    ls_cli_val_t v[O_N];
    size_t nargs;
    int prc = ls_cli_parse(&ls__cmd, argc, argv, v, NULL, &nargs);
    if (prc != LS_CLI_RUN) {
        return prc;
    }
    if (!v[O_CONFIG].set) {
        return ls_cli_usage_error("run", "--config FILE is required");
    }
    ls_conf_t *conf;
    ls_conf_diags_t diags;
    ls_error_t err;
    ls_error_clear(&err);
    if (ls_conf_load_file(v[O_CONFIG].str, &conf, &diags, &err) != LS_OK) {
        for (size_t i = 0; i < diags.n; i++) {
            fprintf(stderr, "%s: %s\n", v[O_CONFIG].str, diags.items[i].msg);
        }
        ls_conf_diags_free(&diags);
        return ls_cli_fail("run", v[O_CONFIG].str, &err);
    }
    ls_conf_diags_free(&diags);
    ls_log_set_level((ls_log_level_t)ls_log_level_parse(conf->log_level));
    ls__timeout_ms = conf->shutdown_timeout_ms;
    ls_cli_on_stop_signals(ls__on_signal);
    pthread_t wd;
    pthread_create(&wd, NULL, ls__watchdog, NULL);
    pthread_detach(wd);
    int rc = ls__run_loop(conf);
    ls_conf_free(conf);
    return rc;
}

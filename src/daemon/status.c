/*
 * status.c — the daemon's HTTP endpoints: /healthz (the process works: 200 unless a table
 * failed for good), /readyz (partitions assigned and no failure: 200, else 503), /metrics
 * (Prometheus text; storage counters are brought up to date at each scrape) and /status
 * (JSON per table and partition).
 *
 * Not responsible for: serving HTTP (http.h) or the registry (metrics.h).
 */
#include <stdio.h>
#include <string.h>

#include "daemon_int.h"
#include "lakesink/log.h"

static int ls__healthz(void *ctx, ls_buf_t *body, const char **ct)
{
    ls__daemon_t *d = ctx;
    *ct = "text/plain; charset=utf-8";
    bool ok = !atomic_load(&d->fatal);
    ls_buf_append_str(body, ok ? "ok\n" : "failed\n");
    return ok ? 200 : 503;
}

static int ls__readyz(void *ctx, ls_buf_t *body, const char **ct)
{
    ls__daemon_t *d = ctx;
    *ct = "text/plain; charset=utf-8";
    bool ok = atomic_load(&d->ready) && !atomic_load(&d->fatal) && !atomic_load(&d->stop);
    ls_buf_append_str(body, ok ? "ready\n" : "not ready\n");
    return ok ? 200 : 503;
}

/* Storage counters are kept by each store; bring the registry up to date. */
static void ls__storage_counters(ls__daemon_t *d)
{
    pthread_mutex_lock(&d->scrape_mu);
    for (size_t i = 0; i < d->ntables; i++) {
        ls__table_t *t = &d->tables[i];
        ls_store_stats_t s;
        ls_store_stats(t->st, &s);
        ls_counter_add(t->m_st_req, s.requests - t->st_prev.requests);
        ls_counter_add(t->m_st_retry, s.retries - t->st_prev.retries);
        ls_counter_add(t->m_st_err, s.errors - t->st_prev.errors);
        ls_counter_add(t->m_st_trip, s.breaker_trips - t->st_prev.breaker_trips);
        ls_gauge_set(t->m_pending, atomic_load(&t->pending_rows));
        t->st_prev = s;
    }
    pthread_mutex_unlock(&d->scrape_mu);
}

static int ls__metrics_h(void *ctx, ls_buf_t *body, const char **ct)
{
    ls__daemon_t *d = ctx;
    (void)ct;
    ls__storage_counters(d);
    return ls_metrics_render(d->metrics, body) == LS_OK ? 200 : 500;
}

static ls_err_t ls__status_tp(ls__daemon_t *d, const ls__table_t *t, ls__tp_t *tp, size_t s,
                              bool *first, ls_buf_t *b)
{
    (void)d;
    int64_t consumed = atomic_load(&tp->consumed);
    LS_TRY(ls_buf_append_str(b, *first ? "" : ","));
    *first = false;
    LS_TRY(ls_buf_append_str(b, "{\"topic\":"));
    LS_TRY(ls_json_append_string(b, tp->topic, strlen(tp->topic)));
    return ls_buf_printf(b, ",\"partition\":%d,\"assigned\":%s,\"committed_offset\":%lld,"
                         "\"next_offset\":%lld,\"lag\":%lld}",
                         (int)tp->partition, atomic_load(&tp->assigned) ? "true" : "false",
                         (long long)atomic_load(&tp->committed[s]), (long long)consumed,
                         (long long)ls_gauge_get(tp->m_lag));
    (void)t;
}

static ls_err_t ls__status_table(ls__daemon_t *d, ls__table_t *t, ls_buf_t *b)
{
    pthread_mutex_lock(&t->mu);
    int64_t v = t->snap != NULL ? ls_delta_snapshot_version(t->snap) : -1;
    ls_err_t rc = ls_buf_append_str(b, "{\"name\":");
    rc = rc == LS_OK ? ls_json_append_string(b, t->tc->name, strlen(t->tc->name)) : rc;
    rc = rc == LS_OK ? ls_buf_append_str(b, ",\"uri\":") : rc;
    rc = rc == LS_OK ? ls_json_append_string(b, t->tc->table_uri, strlen(t->tc->table_uri)) : rc;
    rc = rc == LS_OK ? ls_buf_printf(b, ",\"version\":%lld,\"rows_committed\":%llu,"
                                     "\"files_committed\":%llu,\"commits\":%llu,"
                                     "\"pending_rows\":%lld,\"pending_messages\":%lld,"
                                     "\"failed_commits_in_a_row\":%u,\"partitions\":[",
                                     (long long)v,
                                     (unsigned long long)ls_counter_get(t->m_rows),
                                     (unsigned long long)ls_counter_get(t->m_files),
                                     (unsigned long long)ls_counter_get(t->m_commits),
                                     (long long)atomic_load(&t->pending_rows),
                                     (long long)atomic_load(&t->pending_msgs),
                                     atomic_load(&t->failures))
                     : rc;
    bool first = true;
    pthread_mutex_lock(&d->tps_mu);
    for (size_t i = 0; rc == LS_OK && i < d->ntps; i++) {
        ls__tp_t *tp = d->tps[i];
        for (size_t s = 0; rc == LS_OK && s < tp->ntables; s++) {
            if (tp->tables[s] == t->idx) {
                rc = ls__status_tp(d, t, tp, s, &first, b);
            }
        }
    }
    pthread_mutex_unlock(&d->tps_mu);
    pthread_mutex_unlock(&t->mu);
    return rc == LS_OK ? ls_buf_append_str(b, "]}") : rc;
}

static int ls__status(void *ctx, ls_buf_t *b, const char **ct)
{
    ls__daemon_t *d = ctx;
    *ct = "application/json";
    const char *state = atomic_load(&d->fatal)   ? "failed"
                        : atomic_load(&d->stop)  ? "draining"
                        : atomic_load(&d->ready) ? "running"
                                                 : "starting";
    uint64_t used = atomic_load(&d->inflight) + ls__workers_mem(d);
    ls_err_t rc = ls_buf_printf(b, "{\"state\":\"%s\",\"uptime_seconds\":%.1f,\"group\":", state,
                                (double)(ls__now_ms() - d->started_ms) / 1000.0);
    rc = rc == LS_OK ? ls_json_append_string(b, d->conf->group_id, strlen(d->conf->group_id)) : rc;
    rc = rc == LS_OK ? ls_buf_printf(b, ",\"workers\":%u,\"memory\":{\"used_bytes\":%llu,"
                                     "\"budget_bytes\":%llu,\"paused\":%s},\"dlq\":{\"messages\":%llu,"
                                     "\"errors\":%llu},\"tables\":[",
                                     d->nworkers, (unsigned long long)used,
                                     (unsigned long long)d->budget, d->paused ? "true" : "false",
                                     (unsigned long long)ls_counter_get(d->m_dlq_msgs),
                                     (unsigned long long)ls_counter_get(d->m_dlq_errors))
                     : rc;
    for (size_t i = 0; rc == LS_OK && i < d->ntables; i++) {
        rc = i > 0 ? ls_buf_append_str(b, ",") : LS_OK;
        rc = rc == LS_OK ? ls__status_table(d, &d->tables[i], b) : rc;
    }
    rc = rc == LS_OK ? ls_buf_append_str(b, "]}\n") : rc;
    return rc == LS_OK ? 200 : 500;
}

ls_err_t ls__ops_start(ls__daemon_t *d, ls_error_t *err)
{
    d->http = ls_http_new(d->conf->http_listen, err);
    if (d->http == NULL) {
        return ls_error_prefix(err, "http.listen: ");
    }
    LS_TRY(ls_http_route(d->http, "/healthz", ls__healthz, d, err));
    LS_TRY(ls_http_route(d->http, "/readyz", ls__readyz, d, err));
    LS_TRY(ls_http_route(d->http, "/metrics", ls__metrics_h, d, err));
    LS_TRY(ls_http_route(d->http, "/status", ls__status, d, err));
    ls_err_t rc = ls_http_start(d->http, err);
    if (rc != LS_OK) {
        return ls_error_prefix(err, "http.listen: ");
    }
    char port[16];
    snprintf(port, sizeof(port), "%d", ls_http_port(d->http));
    ls_log_kv(LS_LOG_INFO, "daemon", "http listening", "port", port, NULL);
    return LS_OK;
}

void ls__ops_stop(ls__daemon_t *d)
{
    ls_http_free(d->http);
    d->http = NULL;
}

/*
 * commit.c — the committer: decides when a table flushes (rows, latency, memory
 * pressure, shutdown), gathers every worker's closed files and last offsets through
 * in-band FLUSH jobs (queued behind the runs already dispatched, so a position never
 * runs ahead of its rows), waits until dead letters are acknowledged, and makes one Delta
 * commit with a `txn` per topic-partition. Then the advisory Kafka offset commit and,
 * when due, a checkpoint. A failed commit keeps its files and positions for the next
 * attempt; a fenced one (another instance committed our positions) stops the daemon.
 *
 * Not responsible for: writing files (workers), the log protocol (delta.h).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "daemon_int.h"
#include "lakesink/alloc.h"
#include "lakesink/log.h"

#define LS__TICK_MS 25
#define LS__DLQ_SYNC_MS 30000

/* ------------------------------------------------------------ gathering */

static ls_err_t ls__gather(ls__daemon_t *d, ls__table_t *t, ls__flush_t *fl, ls_error_t *err)
{
    memset(fl, 0, sizeof(*fl));
    fl->t = t;
    pthread_mutex_init(&fl->mu, NULL);
    pthread_cond_init(&fl->cv, NULL);
    fl->waiting = d->nworkers;
    atomic_store(&t->pending_rows, 0);
    atomic_store(&t->pending_msgs, 0);
    atomic_store(&t->oldest_ms, 0);
    atomic_store(&t->urgent, false);
    unsigned pushed = 0;
    for (unsigned i = 0; i < d->nworkers; i++) {
        ls__job_t *job = ls_calloc(1, sizeof(*job));
        if (job != NULL) {
            job->kind = LS__JOB_FLUSH;
            job->fl = fl;
        }
        if (job == NULL || ls_queue_push(d->workers[i].q, job, -1) != LS_OK) {
            ls_free(job);
            break;
        }
        pushed++;
    }
    pthread_mutex_lock(&fl->mu);
    fl->waiting -= d->nworkers - pushed;
    while (fl->waiting > 0) {
        pthread_cond_wait(&fl->cv, &fl->mu);
    }
    pthread_mutex_unlock(&fl->mu);
    if (pushed < d->nworkers && fl->rc == LS_OK) {
        fl->rc = ls_error_set(&fl->err, LS_ERR_STATE, "workers are stopping");
    }
    if (fl->rc != LS_OK) {
        *err = fl->err;
    }
    return fl->rc;
}

static void ls__flush_release(ls__flush_t *fl)
{
    ls_table_done_free_all(fl->done, fl->ndone, fl->t->ncols);
    ls_free(fl->pos);
    pthread_mutex_destroy(&fl->mu);
    pthread_cond_destroy(&fl->cv);
}

/* Merge a carried (failed) commit into this flush: files appended, positions max'ed. */
static ls_err_t ls__merge_carry(ls__carry_t *c, ls__flush_t *fl, ls_error_t *err)
{
    if (c->ndone > 0) {
        ls_table_done_t *nd = ls_reallocarray(fl->done, fl->ndone + c->ndone, sizeof(*nd));
        if (nd == NULL) {
            return ls_error_set(err, LS_ERR_NOMEM, "out of memory");
        }
        memcpy(nd + fl->ndone, c->done, c->ndone * sizeof(*nd));
        fl->done = nd;
        fl->ndone += c->ndone;
        ls_free(c->done);
        c->done = NULL;
        c->ndone = 0;
    }
    for (size_t i = 0; i < c->npos; i++) {
        bool found = false;
        for (size_t j = 0; j < fl->npos && !found; j++) {
            found = fl->pos[j].tp == c->pos[i].tp && fl->pos[j].slot == c->pos[i].slot;
        }
        if (!found) {
            ls__pos_t *np = ls_reallocarray(fl->pos, fl->npos + 1, sizeof(*np));
            if (np == NULL) {
                return ls_error_set(err, LS_ERR_NOMEM, "out of memory");
            }
            fl->pos = np;
            fl->pos[fl->npos++] = c->pos[i];
        }
    }
    ls_free(c->pos);
    c->pos = NULL;
    c->npos = 0;
    return LS_OK;
}

static void ls__keep_carry(ls__table_t *t, ls__carry_t *c, ls__flush_t *fl)
{
    atomic_store(&t->carry_pending, fl->npos > 0 || fl->ndone > 0);
    c->done = fl->done;
    c->ndone = fl->ndone;
    c->pos = fl->pos;
    c->npos = fl->npos;
    fl->done = NULL;
    fl->ndone = 0;
    fl->pos = NULL;
    fl->npos = 0;
}

/* ------------------------------------------------------------ the Delta commit */

/* txn actions for the positions that moved; *moved receives their number. */
static ls_err_t ls__set_txns(ls__daemon_t *d, ls__table_t *t, ls_delta_tx_t *tx,
                             const ls__flush_t *fl, size_t *moved, ls_error_t *err)
{
    (void)t;
    *moved = 0;
    for (size_t i = 0; i < fl->npos; i++) {
        const ls__pos_t *p = &fl->pos[i];
        if (p->offset <= atomic_load(&p->tp->committed[p->slot])) {
            continue;
        }
        char app[512];
        if (ls__table_app_id(d, p->tp->topic, p->tp->partition, app, sizeof(app)) != LS_OK) {
            return ls_error_set(err, LS_ERR_LIMIT, "application id too long");
        }
        LS_TRY(ls_delta_tx_set_txn(tx, app, p->offset, err));
        (*moved)++;
    }
    return LS_OK;
}

static ls_err_t ls__op_params(const ls__flush_t *fl, ls_buf_t *out)
{
    int64_t rows = 0;
    for (size_t i = 0; i < fl->ndone; i++) {
        rows += fl->done[i].rows;
    }
    return ls_buf_printf(out, "{\"mode\":\"Append\",\"source\":\"lakesink run\","
                         "\"numFiles\":\"%zu\",\"numOutputRows\":\"%lld\"}",
                         fl->ndone, (long long)rows);
}

/* One Delta commit of the gathered files and positions (under t->mu). */
static ls_err_t ls__commit_locked(ls__daemon_t *d, ls__table_t *t, const ls__flush_t *fl,
                                  bool *skipped, ls_error_t *err)
{
    if (t->snap == NULL) { /* the table could not be created: nothing to commit to */
        *skipped = true;
        return ls_error_set(err, LS_ERR_STATE, "table %s does not exist", t->tc->name);
    }
    ls_buf_t params;
    ls_buf_init(&params, 4096);
    ls_delta_tx_opts_t o;
    ls_delta_tx_opts_init(&o);
    o.operation = "STREAMING UPDATE";
    o.max_attempts = 50;
    ls_delta_tx_t *tx = NULL;
    size_t moved = 0;
    ls_err_t rc = ls__op_params(fl, &params);
    rc = rc == LS_OK ? ls_buf_terminate(&params) : rc;
    o.operation_parameters = (const char *)params.data;
    rc = rc == LS_OK ? ls_delta_tx_new(t->snap, &o, &tx, err)
                     : ls_error_set(err, rc, "commit parameters");
    rc = rc == LS_OK ? ls_table_done_add_actions(tx, fl->done, fl->ndone, t->pcols, t->ncols, err)
                     : rc;
    rc = rc == LS_OK ? ls__set_txns(d, t, tx, fl, &moved, err) : rc;
    *skipped = rc == LS_OK && moved == 0 && fl->ndone == 0;
    ls_delta_commit_result_t res;
    if (rc == LS_OK && !*skipped) {
        rc = ls_delta_tx_commit(tx, &res, err);
        if (rc == LS_ERR_EXISTS) {
            ls_log_kv(LS_LOG_ERROR, "daemon", "fenced: another instance committed positions "
                      "this one still held", "table", t->tc->name, "error", err->msg, NULL);
        } else if (rc == LS_ERR_CONFLICT) {
            ls_counter_add(t->m_conflicts, 1);
        }
    }
    ls_delta_tx_free(tx);
    ls_buf_free(&params);
    return rc;
}

/* Bookkeeping after a successful commit: positions, metrics, checkpoint. */
static void ls__committed(ls__table_t *t, const ls__flush_t *fl, double secs)
{
    int64_t rows = 0, bytes = 0;
    for (size_t i = 0; i < fl->ndone; i++) {
        rows += fl->done[i].rows;
        bytes += fl->done[i].size;
    }
    for (size_t i = 0; i < fl->npos; i++) {
        const ls__pos_t *p = &fl->pos[i];
        if (p->offset > atomic_load(&p->tp->committed[p->slot])) {
            atomic_store(&p->tp->committed[p->slot], p->offset);
        }
    }
    int64_t v = ls_delta_snapshot_version(t->snap);
    ls_counter_add(t->m_rows, (uint64_t)rows);
    ls_counter_add(t->m_bytes, (uint64_t)bytes);
    ls_counter_add(t->m_files, fl->ndone);
    ls_counter_add(t->m_commits, 1);
    ls_gauge_set(t->m_version, v);
    ls_histo_observe(t->m_commit_s, secs);
    char vs[24], rs[24], fs[24], ms[24];
    snprintf(vs, sizeof(vs), "%lld", (long long)v);
    snprintf(rs, sizeof(rs), "%lld", (long long)rows);
    snprintf(fs, sizeof(fs), "%zu", fl->ndone);
    snprintf(ms, sizeof(ms), "%.1f", secs * 1000);
    ls_log_kv(LS_LOG_DEBUG, "daemon", "committed", "table", t->tc->name, "version", vs, "rows",
              rs, "files", fs, "ms", ms, NULL);
    int64_t ck = ls_delta_snapshot_checkpoint_version(t->snap);
    if (v - (ck < 0 ? 0 : ck) >= t->tc->checkpoint_interval) {
        ls_error_t e;
        ls_error_clear(&e);
        if (ls_delta_checkpoint_write(t->snap, 0, NULL, &e) == LS_OK) {
            ls_delta_snapshot_note_checkpoint(t->snap, v);
        } else {
            ls_log_kv(LS_LOG_WARN, "daemon", "checkpoint failed (the commit stands)", "table",
                      t->tc->name, "version", vs, "error", e.msg, NULL);
        }
    }
}

/* Advisory: the same positions to Kafka, so lag tools see them (min over the topic's
 * tables). Errors only matter to those tools, so they are logged, not returned. */
static void ls__kafka_commit(ls__daemon_t *d, const ls__flush_t *fl)
{
    if (d->rk == NULL) {
        return; /* the offline pipeline has no consumer */
    }
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new((int)fl->npos);
    if (l == NULL) {
        return;
    }
    for (size_t i = 0; i < fl->npos; i++) {
        ls__tp_t *tp = fl->pos[i].tp;
        int64_t low = INT64_MAX;
        for (size_t s = 0; s < tp->ntables; s++) {
            int64_t c = atomic_load(&tp->committed[s]);
            low = c < low ? c : low;
        }
        if (atomic_load(&tp->assigned) && low >= 0 && low != INT64_MAX) {
            rd_kafka_topic_partition_list_add(l, tp->topic, tp->partition)->offset = low + 1;
        }
    }
    if (l->cnt > 0) {
        rd_kafka_commit(d->rk, l, 1);
    }
    rd_kafka_topic_partition_list_destroy(l);
}

static double ls__mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

ls_err_t ls__table_flush(ls__daemon_t *d, ls__table_t *t, ls_error_t *err)
{
    if (atomic_load(&t->schema_gen) == 0) {
        return LS_OK; /* no table yet: nothing can be committed */
    }
    pthread_mutex_lock(&t->flush_mu);
    double t0 = ls__mono();
    ls__flush_t fl;
    ls_err_t rc = ls__gather(d, t, &fl, err);
    if (rc != LS_OK) { /* rows left their worker and are gone: start afresh from the log */
        ls__daemon_fail(d, err);
    }
    ls__carry_t *c = &t->carry;
    rc = rc == LS_OK ? ls__merge_carry(c, &fl, err) : rc;
    atomic_store(&t->carry_pending, false);
    rc = rc == LS_OK ? ls__dlq_sync(d, LS__DLQ_SYNC_MS, err) : rc;
    bool skipped = true;
    if (rc == LS_OK) {
        pthread_mutex_lock(&t->mu);
        rc = ls__commit_locked(d, t, &fl, &skipped, err);
        if (rc == LS_OK && !skipped) {
            ls__committed(t, &fl, ls__mono() - t0);
        }
        pthread_mutex_unlock(&t->mu);
    }
    if (rc == LS_OK) {
        if (!skipped) {
            ls__kafka_commit(d, &fl);
        }
        atomic_store(&t->failures, 0);
    } else if (rc != LS_ERR_EXISTS && !atomic_load(&d->fatal)) {
        ls_counter_add(t->m_commit_errors, 1);
        ls__keep_carry(t, c, &fl); /* retried with the next flush */
    }
    ls__flush_release(&fl);
    pthread_mutex_unlock(&t->flush_mu);
    return rc;
}

ls_err_t ls__flush_all(ls__daemon_t *d, ls_error_t *err)
{
    ls_err_t first = LS_OK;
    for (size_t i = 0; i < d->ntables; i++) {
        ls_error_t e;
        ls_error_clear(&e);
        ls_err_t rc = ls__table_flush(d, &d->tables[i], &e);
        if (rc != LS_OK && first == LS_OK) {
            first = rc;
            *err = e;
        }
    }
    return first;
}

/* ------------------------------------------------------------ the thread */

static bool ls__due(ls__daemon_t *d, ls__table_t *t, int64_t now)
{
    long long msgs = atomic_load(&t->pending_msgs);
    bool carry = atomic_load(&t->carry_pending);
    if (msgs == 0 && !carry) {
        return false;
    }
    long long oldest = atomic_load(&t->oldest_ms);
    return atomic_load(&t->pending_rows) >= t->tc->batch_size || atomic_load(&t->urgent) ||
           (oldest > 0 && now - oldest >= t->tc->flush_interval_ms) ||
           (oldest == 0 && carry) || atomic_load(&d->stop);
}

static void ls__handle(ls__daemon_t *d, ls__table_t *t, ls_err_t rc, const ls_error_t *e)
{
    if (rc == LS_ERR_EXISTS) {
        atomic_store(&d->fenced, true);
        atomic_store(&d->stop, true);
        return;
    }
    unsigned f = atomic_fetch_add(&t->failures, 1) + 1;
    char n[16];
    snprintf(n, sizeof(n), "%u", f);
    ls_log_kv(LS_LOG_ERROR, "daemon", "commit failed", "table", t->tc->name, "attempt", n,
              "error", e->msg, NULL);
    if (f > (unsigned)t->tc->max_retries) {
        ls_error_t why;
        ls_error_set(&why, rc, "table %s: %u commits failed in a row, last: %s", t->tc->name,
                     f, e->msg);
        ls__daemon_fail(d, &why);
    }
}

static void *ls__committer_main(void *arg)
{
    ls__daemon_t *d = arg;
    while (!atomic_load(&d->committer_stop)) {
        int64_t now = ls__now_ms();
        for (size_t i = 0; i < d->ntables && !atomic_load(&d->fatal); i++) {
            ls__table_t *t = &d->tables[i];
            if (!ls__due(d, t, now)) {
                continue;
            }
            ls_error_t e;
            ls_error_clear(&e);
            ls_err_t rc = ls__table_flush(d, t, &e);
            if (rc != LS_OK) {
                ls__handle(d, t, rc, &e);
            }
        }
        pthread_mutex_lock(&d->cmu);
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += LS__TICK_MS * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        if (!atomic_load(&d->committer_stop)) {
            pthread_cond_timedwait(&d->ccv, &d->cmu, &ts);
        }
        pthread_mutex_unlock(&d->cmu);
    }
    return NULL;
}

ls_err_t ls__committer_start(ls__daemon_t *d, ls_error_t *err)
{
    if (pthread_create(&d->committer, NULL, ls__committer_main, d) != 0) {
        return ls_error_set(err, LS_ERR_IO, "cannot start the committer thread");
    }
    d->committer_started = true;
    return LS_OK;
}

void ls__committer_wake(ls__daemon_t *d)
{
    pthread_mutex_lock(&d->cmu);
    pthread_cond_signal(&d->ccv);
    pthread_mutex_unlock(&d->cmu);
}

void ls__committer_stop(ls__daemon_t *d)
{
    if (d->committer_started) {
        atomic_store(&d->committer_stop, true);
        ls__committer_wake(d);
        pthread_join(d->committer, NULL);
        d->committer_started = false;
    }
    for (size_t i = 0; d->tables != NULL && i < d->ntables; i++) {
        ls__carry_t *c = &d->tables[i].carry;
        ls_table_done_free_all(c->done, c->ndone, d->tables[i].ncols);
        ls_free(c->pos);
        memset(c, 0, sizeof(*c));
    }
}

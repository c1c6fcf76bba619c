/*
 * worker.c — decode workers. A worker owns the runs of messages queued to it (every
 * topic-partition is hashed to one worker, so a partition's order is kept without locks),
 * routes each message to its table, decodes it straight into the table's column batch,
 * fills the extra columns, and hands full batches to its per-partition Parquet files.
 * Messages that cannot be written go to the dead-letter topic with the reason. A FLUSH
 * job closes the worker's files of one table and reports them with the last offset
 * handled per topic-partition.
 *
 * Not responsible for: when to flush or commit (commit.c), polling (poll.c).
 */
#include <stdio.h>
#include <string.h>

#include "daemon_int.h"
#include "lakesink/alloc.h"
#include "lakesink/log.h"

#define LS__BATCH_ROWS 32768
#define LS__BATCH_BYTES ((size_t)16 << 20)
#define LS__ROUTE_ARENA 65536

/* ------------------------------------------------------------ per-table state */

static void ls__wt_clear(ls__wt_t *wt)
{
    ls_json_decoder_free(wt->dec);
    ls_batch_free(wt->batch);
    wt->dec = NULL;
    wt->batch = NULL;
}

/* Close the files of an older generation: they are reported at the next flush. */
static ls_err_t ls__wt_retire_files(ls__wt_t *wt, const ls__table_t *t, ls_error_t *err)
{
    if (!wt->files_init) {
        return LS_OK;
    }
    ls_err_t rc = ls_table_files_close_all(&wt->files, err);
    ls_table_done_t *done;
    size_t n;
    ls_table_files_take_done(&wt->files, &done, &n);
    ls_table_files_free(&wt->files);
    wt->files_init = false;
    if (n > 0) {
        ls_table_done_t *h = ls_reallocarray(wt->held, wt->nheld + n, sizeof(*h));
        if (h == NULL) {
            ls_table_done_free_all(done, n, t->ncols);
            return ls_error_set(err, LS_ERR_NOMEM, "out of memory");
        }
        memcpy(h + wt->nheld, done, n * sizeof(*h));
        wt->held = h;
        wt->nheld += n;
        ls_free(done);
    }
    return rc;
}

static ls_err_t ls__wt_spill(ls__wt_t *wt, ls__table_t *t, ls_error_t *err);

/* (Re)build the decoder, batch and files for the table's current schema generation. */
static ls_err_t ls__wt_prepare(ls__table_t *t, ls__wt_t *wt, const ls__gen_t *g,
                               ls_error_t *err)
{
    if (wt->g != NULL && wt->g != g) { /* a schema change: finish what the old one wrote */
        LS_TRY(ls__wt_spill(wt, t, err));
        LS_TRY(ls__wt_retire_files(wt, t, err));
    }
    ls__wt_clear(wt);
    ls_json_decoder_opts_t o;
    ls_json_decoder_opts_init(&o);
    o.unknown_fields = t->unknown == LS__UNKNOWN_DLQ ? LS_JSON_UNKNOWN_ERROR : LS_JSON_UNKNOWN_IGNORE;
    o.max_record_bytes = (size_t)t->tc->max_message_bytes;
    o.external_fields = (uint32_t)t->next;
    o.renames = t->renames;
    o.nrenames = t->nrenames;
    o.drops = t->drops;
    o.ndrops = t->ndrops;
    o.json_text_in_strings = t->json_text;
    wt->dec = ls_json_decoder_new(g->layout, &o, err);
    wt->batch = wt->dec != NULL ? ls_batch_new(g->layout, 0) : NULL;
    if (wt->batch == NULL) {
        ls__wt_clear(wt);
        return err->code != LS_OK ? err->code : ls_error_set(err, LS_ERR_NOMEM, "out of memory");
    }
    wt->g = g;
    wt->gen = g->gen;
    return LS_OK;
}

/* Move the batch's rows into the per-partition files. */
static ls_err_t ls__wt_spill(ls__wt_t *wt, ls__table_t *t, ls_error_t *err)
{
    if (wt->batch == NULL || wt->batch->nrows == 0) {
        return LS_OK;
    }
    if (!wt->files_init) {
        ls_table_files_init(&wt->files, &wt->g->fcfg);
        wt->files_init = true;
    }
    ls_err_t rc;
    if (t->ncols == 0) { /* unpartitioned: the batch already has the data file's shape */
        rc = ls_table_files_write_group(&wt->files, NULL, wt->batch, err);
    } else {
        ls_table_split_t *split = NULL;
        rc = ls_table_split(wt->g->part, wt->batch, 0, &split, err);
        rc = rc == LS_OK ? ls_table_files_write(&wt->files, split, err) : rc;
        ls_table_split_free(split);
    }
    ls_batch_reset(wt->batch);
    if (wt->files.ndone > 0) { /* a file reached its size (or the LRU closed one): commit it */
        atomic_store(&t->urgent, true);
    }
    if (rc != LS_OK) {
        ls_error_prefix(err, "table %s: ", t->tc->name);
    }
    return rc;
}

/* ------------------------------------------------------------ routing */

/* Whether the message goes to table @p t by its route (1), not (0), or cannot be parsed
 * (-1, with @p reason). */
static int ls__route(ls__worker_t *w, const ls__table_t *t, const rd_kafka_message_t *m,
                     ls_error_t *reason)
{
    const ls_conf_topic_t *tc = t->tc;
    if (tc->route_field == NULL) {
        return 1;
    }
    if (m->payload == NULL) {
        return 0;
    }
    ls_arena_reset(w->arena);
    ls_json_value_t *root;
    if (ls_json_parse(m->payload, m->len, w->arena, &root, reason) != LS_OK) {
        return -1;
    }
    const ls_json_value_t *v = ls_json_get(root, tc->route_field);
    if (v == NULL || (v->kind != LS_JSON_STRING && v->kind != LS_JSON_NUMBER &&
                      v->kind != LS_JSON_BOOL)) {
        return 0;
    }
    const char *txt = v->kind == LS_JSON_BOOL ? (v->b ? "true" : "false") : v->str;
    for (size_t i = 0; i < tc->route_values.n; i++) {
        if (strcmp(tc->route_values.items[i], txt) == 0) {
            return 1;
        }
    }
    return 0;
}

/* ------------------------------------------------------------ one message */

static ls_err_t ls__dead_letter(ls__worker_t *w, const ls__msgmeta_t *mm, const char *table,
                                const char *reason)
{
    ls_error_t err;
    ls_error_clear(&err);
    ls_err_t rc = ls__dlq_send(w->d, mm, table, reason, &err);
    if (rc != LS_OK) {
        ls_error_t why;
        ls_error_set(&why, rc, "%s[%d]@%lld (table %s): %s; %s", mm->topic, (int)mm->partition,
                     (long long)mm->offset, table, reason, err.msg);
        ls__daemon_fail(w->d, &why);
    }
    return rc;
}

/* Make sure the table has a schema and the worker a decoder for its newest generation. */
static ls_err_t ls__wt_ready(ls__worker_t *w, ls__table_t *t, rd_kafka_message_t **msgs,
                             size_t n, ls_error_t *err)
{
    ls__wt_t *wt = &w->wt[t->idx];
    int gen = atomic_load(&t->schema_gen);
    if (wt->gen == gen && wt->dec != NULL) {
        return LS_OK;
    }
    pthread_mutex_lock(&t->mu);
    ls_err_t rc = atomic_load(&t->schema_gen) == 0 ? ls__table_infer(w->d, t, msgs, n, err)
                                                    : LS_OK;
    const ls__gen_t *g = ls__table_gen(t);
    pthread_mutex_unlock(&t->mu);
    LS_TRY(rc);
    return ls__wt_prepare(t, wt, g, err);
}

/* Unknown fields under `evolve`: add them as columns, then decode again. */
static ls_err_t ls__evolve(ls__worker_t *w, ls__table_t *t, const rd_kafka_message_t *m,
                           bool *evolved, ls_error_t *err)
{
    pthread_mutex_lock(&t->mu);
    ls_err_t rc = ls__table_evolve(t, m->payload, m->len, evolved, err);
    pthread_mutex_unlock(&t->mu);
    if (rc == LS_OK && *evolved) {
        rc = ls__wt_ready(w, t, NULL, 0, err);
    }
    return rc;
}

/* A number too wide for its column under additive evolution: widen the column (a new
 * generation), then the caller decodes again. *widened is false when it cannot. */
static ls_err_t ls__widen(ls__worker_t *w, ls__table_t *t, bool *widened, ls_error_t *err)
{
    ls__wt_t *wt = &w->wt[t->idx];
    const ls_node_t *node;
    ls_type_kind_t to;
    *widened = false;
    if (!ls_json_decoder_widening(wt->dec, &node, &to)) {
        return LS_OK;
    }
    pthread_mutex_lock(&t->mu);
    ls_err_t rc = ls__table_widen(t, wt->g, node, to, widened, err);
    pthread_mutex_unlock(&t->mu);
    if (rc == LS_OK && *widened) {
        rc = ls__wt_ready(w, t, NULL, 0, err);
    }
    return rc;
}

/* Decode into the open row and fill the extra columns; *unknown: fields the schema lacks. */
static ls_err_t ls__decode(ls__table_t *t, ls__wt_t *wt, const ls__msgmeta_t *mm,
                           uint64_t *unknown, ls_error_t *err)
{
    const rd_kafka_message_t *m = mm->rkm;
    uint64_t before = ls_json_decoder_unknown_fields(wt->dec);
    ls_err_t rc = ls_json_decode_record_open(wt->dec, wt->batch, m->payload, m->len, err);
    if (rc == LS_OK && (rc = ls__ext_fill(t, wt->g, wt->batch, mm, err)) != LS_OK) {
        ls_batch_row_abort(wt->batch);
    }
    *unknown = ls_json_decoder_unknown_fields(wt->dec) - before;
    return rc;
}

/*
 * Decode @p mm into table @p t's open row, evolving the schema as the config allows:
 * unknown fields become columns (`evolve`), numbers too wide for their column widen it
 * (additive evolution; several columns of one record: one generation each). A failed
 * schema commit stops the daemon (*fatal); any other error in @p err makes a dead letter.
 */
static ls_err_t ls__decode_evolving(ls__worker_t *w, ls__table_t *t, const ls__msgmeta_t *mm,
                                    uint64_t *unknown, bool *fatal, ls_error_t *err)
{
    ls_err_t rc = ls__decode(t, &w->wt[t->idx], mm, unknown, err);
    bool grown = false;
    if (rc == LS_OK && *unknown > 0 && t->unknown == LS__UNKNOWN_EVOLVE) {
        ls_batch_row_abort(w->wt[t->idx].batch);
        rc = ls__evolve(w, t, mm->rkm, &grown, err);
        *fatal = rc != LS_OK;
        rc = rc == LS_OK ? ls__decode(t, &w->wt[t->idx], mm, unknown, err) : rc;
    }
    for (int n = 0; !*fatal && rc == LS_ERR_SCHEMA && t->tc->schema_evolution && n < 16; n++) {
        ls_error_t werr;
        ls_error_clear(&werr);
        *fatal = ls__widen(w, t, &grown, &werr) != LS_OK;
        if (*fatal) {
            *err = werr;
            rc = werr.code;
        } else if (!grown) {
            break;
        } else {
            ls_error_clear(err);
            rc = ls__decode(t, &w->wt[t->idx], mm, unknown, err);
        }
    }
    if (*fatal) {
        ls__daemon_fail(w->d, err);
    }
    return rc;
}

/* Decode one message into table @p t; on a bad message, its dead letter. */
static ls_err_t ls__take(ls__worker_t *w, ls__table_t *t, const ls__msgmeta_t *mm,
                         rd_kafka_message_t **rest, size_t nrest)
{
    const rd_kafka_message_t *m = mm->rkm;
    const char *name = t->tc->name;
    ls_error_t err;
    ls_error_clear(&err);
    if (m->payload == NULL) {
        ls_counter_add(t->m_tombstones, 1); /* a delete marker: nothing to append */
        return LS_OK;
    }
    if ((int64_t)m->len > t->tc->max_message_bytes) {
        char why[160];
        snprintf(why, sizeof(why), "message of %zu bytes is larger than "
                 "processing.max-message-bytes (%lld)", m->len,
                 (long long)t->tc->max_message_bytes);
        return ls__dead_letter(w, mm, name, why);
    }
    if (ls__wt_ready(w, t, rest, nrest, &err) != LS_OK) {
        if (err.code == LS_ERR_NOT_FOUND || err.code == LS_ERR_PARSE) {
            return ls__dead_letter(w, mm, name, "invalid JSON (no schema could be inferred)");
        }
        ls__daemon_fail(w->d, &err);
        return err.code;
    }
    uint64_t unknown = 0;
    bool fatal = false;
    ls_err_t rc = ls__decode_evolving(w, t, mm, &unknown, &fatal, &err);
    if (fatal) {
        return rc;
    }
    ls__wt_t *wt = &w->wt[t->idx];
    if (rc != LS_OK) {
        return ls__dead_letter(w, mm, name, err.msg);
    }
    ls_batch_row_commit(wt->batch);
    if (unknown > 0) {
        ls_counter_add(t->m_unknown, unknown);
    }
    w->prow[t->idx]++;
    if (wt->batch->nrows >= LS__BATCH_ROWS || ls_batch_bytes(wt->batch) >= LS__BATCH_BYTES) {
        if (ls__wt_spill(wt, t, &err) != LS_OK) {
            ls__daemon_fail(w->d, &err);
            return err.code;
        }
    }
    return LS_OK;
}

/* Route one message through every table its topic feeds. */
static void ls__message(ls__worker_t *w, ls__tp_t *tp, rd_kafka_message_t **msgs, size_t i,
                        size_t n)
{
    rd_kafka_message_t *m = msgs[i];
    ls__msgmeta_t mm = {tp->topic, tp->partition, m->offset, -1, m};
    mm.timestamp_ms = w->d->mops->timestamp(m);
    bool taken = false, any = false;
    const char *first = NULL;
    for (size_t s = 0; s < tp->ntables; s++) {
        ls__table_t *t = &w->d->tables[tp->tables[s]];
        if (m->offset <= tp->skip_upto[s]) {
            continue; /* already in that table */
        }
        any = true;
        first = first != NULL ? first : t->tc->name;
        if (!taken) {
            ls_error_t why;
            ls_error_clear(&why);
            int r = ls__route(w, t, m, &why);
            if (r != 0) {
                taken = true;
                if (r < 0) {
                    ls__dead_letter(w, &mm, t->tc->name, why.msg);
                } else {
                    ls__take(w, t, &mm, msgs + i, n - i);
                }
            }
        }
        tp->done_off[s] = m->offset;
        w->pmsg[t->idx]++;
    }
    if (any && !taken) {
        ls__dead_letter(w, &mm, first, "no table's route takes this message");
    }
}

/* ------------------------------------------------------------ jobs */

static void ls__note_tp(ls__worker_t *w, ls__tp_t *tp)
{
    for (size_t i = 0; i < w->ntps; i++) {
        if (w->tps[i] == tp) {
            return;
        }
    }
    if (w->ntps == w->tps_cap) {
        size_t cap = w->tps_cap ? w->tps_cap * 2 : 64;
        ls__tp_t **n = ls_reallocarray(w->tps, cap, sizeof(*n));
        if (n == NULL) {
            return; /* positions of this tp are then reported at the next run */
        }
        w->tps = n;
        w->tps_cap = cap;
    }
    w->tps[w->ntps++] = tp;
}

static uint64_t ls__worker_mem_now(ls__worker_t *w)
{
    uint64_t n = 0;
    for (size_t i = 0; i < w->d->ntables; i++) {
        ls__wt_t *wt = &w->wt[i];
        n += wt->batch != NULL ? ls_batch_bytes(wt->batch) : 0;
        n += wt->files_init ? ls_table_files_buffered(&wt->files) : 0;
    }
    return n;
}

/* The run's counts become visible to the committer once per run, not per message. */
static void ls__publish_counts(ls__worker_t *w, ls__table_t *t, int64_t now)
{
    if (w->pmsg[t->idx] == 0) {
        return;
    }
    atomic_fetch_add(&t->pending_rows, w->prow[t->idx]);
    atomic_fetch_add(&t->pending_msgs, w->pmsg[t->idx]);
    w->prow[t->idx] = w->pmsg[t->idx] = 0;
    long long zero = 0;
    atomic_compare_exchange_strong(&t->oldest_ms, &zero, now);
}

static void ls__run_one(ls__worker_t *w, ls__tp_t *tp, rd_kafka_message_t **msgs, size_t n)
{
    if (atomic_exchange(&tp->reset, false)) {
        for (size_t s = 0; s < tp->ntables; s++) {
            tp->done_off[s] = -1;
        }
    }
    ls__note_tp(w, tp);
    for (size_t i = 0; i < n && !atomic_load(&w->d->fatal); i++) {
        ls__message(w, tp, msgs, i, n);
    }
}

/* Every run of a job; rows stay in the batches (spilled to files when full or flushed). */
static void ls__run(ls__worker_t *w, ls__job_t *job)
{
    for (size_t r = 0; r < job->nruns; r++) {
        const ls__run_t *run = &job->runs[r];
        ls__run_one(w, run->tp, job->msgs + run->start, run->n);
    }
    int64_t now = ls__now_ms();
    for (size_t i = 0; i < w->d->ntables; i++) {
        ls__publish_counts(w, &w->d->tables[i], now);
    }
    atomic_store(&w->mem, ls__worker_mem_now(w));
}

/* Append the worker's files and positions of the flushed table to the flush record. */
static ls_err_t ls__report(ls__worker_t *w, ls__flush_t *fl, ls_table_done_t *done, size_t ndone,
                           ls_error_t *err)
{
    pthread_mutex_lock(&fl->mu);
    ls_err_t rc = LS_OK;
    if (ndone > 0) {
        ls_table_done_t *nd = ls_reallocarray(fl->done, fl->ndone + ndone, sizeof(*nd));
        if (nd == NULL) {
            rc = ls_error_set(err, LS_ERR_NOMEM, "out of memory");
        } else {
            memcpy(nd + fl->ndone, done, ndone * sizeof(*nd));
            fl->done = nd;
            fl->ndone += ndone;
            ls_free(done);
            done = NULL;
        }
    }
    for (size_t i = 0; rc == LS_OK && i < w->ntps; i++) {
        ls__tp_t *tp = w->tps[i];
        for (size_t s = 0; s < tp->ntables; s++) {
            if (tp->tables[s] != fl->t->idx || tp->done_off[s] < 0) {
                continue;
            }
            ls__pos_t *np = ls_reallocarray(fl->pos, fl->npos + 1, sizeof(*np));
            if (np == NULL) {
                rc = ls_error_set(err, LS_ERR_NOMEM, "out of memory");
                break;
            }
            fl->pos = np;
            fl->pos[fl->npos++] = (ls__pos_t){tp, s, tp->done_off[s]};
        }
    }
    pthread_mutex_unlock(&fl->mu);
    if (done != NULL) {
        ls_table_done_free_all(done, ndone, fl->t->ncols);
    }
    return rc;
}

static void ls__flush(ls__worker_t *w, ls__flush_t *fl)
{
    ls__table_t *t = fl->t;
    ls__wt_t *wt = &w->wt[t->idx];
    ls_error_t err;
    ls_error_clear(&err);
    ls_err_t rc = ls__wt_spill(wt, t, &err);
    rc = rc == LS_OK ? ls__wt_retire_files(wt, t, &err) : rc; /* the next write reopens */
    ls_table_done_t *done = wt->held;
    size_t ndone = wt->nheld;
    wt->held = NULL;
    wt->nheld = 0;
    if (rc == LS_OK) {
        rc = ls__report(w, fl, done, ndone, &err);
    } else {
        ls_table_done_free_all(done, ndone, t->ncols);
    }
    atomic_store(&w->mem, ls__worker_mem_now(w));
    pthread_mutex_lock(&fl->mu);
    if (rc != LS_OK && fl->rc == LS_OK) {
        fl->rc = rc;
        fl->err = err;
    }
    if (--fl->waiting == 0) {
        pthread_cond_broadcast(&fl->cv);
    }
    pthread_mutex_unlock(&fl->mu);
}

static void ls__job_free(ls__daemon_t *d, ls__job_t *job)
{
    for (size_t i = 0; i < job->n; i++) {
        d->mops->destroy(job->msgs[i]);
    }
    atomic_fetch_sub(&d->inflight, job->bytes);
    ls_free(job->msgs);
    ls_free(job->runs);
    ls_free(job);
}

static void *ls__worker_main(void *arg)
{
    ls__worker_t *w = arg;
    for (;;) {
        void *item;
        if (ls_queue_pop(w->q, &item, -1) != LS_OK) {
            break;
        }
        ls__job_t *job = item;
        if (job->kind == LS__JOB_STOP) {
            ls_free(job);
            break;
        }
        if (job->kind == LS__JOB_FLUSH) {
            ls__flush(w, job->fl);
            ls_free(job);
            continue;
        }
        ls__run(w, job);
        ls__job_free(w->d, job);
    }
    return NULL;
}

/* ------------------------------------------------------------ lifecycle */

ls_err_t ls__workers_start(ls__daemon_t *d, ls_error_t *err)
{
    d->workers = ls_calloc(d->nworkers, sizeof(ls__worker_t));
    if (d->workers == NULL) {
        return ls_error_set(err, LS_ERR_NOMEM, "out of memory");
    }
    for (unsigned i = 0; i < d->nworkers; i++) {
        ls__worker_t *w = &d->workers[i];
        w->d = d;
        w->idx = i;
        w->q = ls_queue_new(64);
        w->wt = ls_calloc(d->ntables, sizeof(ls__wt_t));
        w->prow = ls_calloc(d->ntables, sizeof(int64_t));
        w->pmsg = ls_calloc(d->ntables, sizeof(int64_t));
        w->arena = ls_arena_new(LS__ROUTE_ARENA, (size_t)64 << 20);
        if (w->q == NULL || w->wt == NULL || w->arena == NULL || w->prow == NULL ||
            w->pmsg == NULL) {
            return ls_error_set(err, LS_ERR_NOMEM, "out of memory");
        }
        if (pthread_create(&w->thread, NULL, ls__worker_main, w) != 0) {
            return ls_error_set(err, LS_ERR_IO, "cannot start worker thread %u", i);
        }
        w->started = true;
    }
    return LS_OK;
}

uint64_t ls__workers_mem(ls__daemon_t *d)
{
    uint64_t n = 0;
    for (unsigned i = 0; d->workers != NULL && i < d->nworkers; i++) {
        n += atomic_load(&d->workers[i].mem);
    }
    return n;
}

void ls__workers_stop(ls__daemon_t *d)
{
    for (unsigned i = 0; d->workers != NULL && i < d->nworkers; i++) {
        ls__worker_t *w = &d->workers[i];
        if (w->started) {
            ls_queue_close(w->q); /* pops drain what is queued, then stop */
            pthread_join(w->thread, NULL);
        }
        void *item;
        while (w->q != NULL && ls_queue_pop(w->q, &item, 0) == LS_OK) {
            ls__job_t *job = item;
            if (job->kind == LS__JOB_RUN) {
                ls__job_free(d, job);
            } else {
                ls_free(job);
            }
        }
        for (size_t t = 0; w->wt != NULL && t < d->ntables; t++) {
            ls__wt_clear(&w->wt[t]);
            if (w->wt[t].files_init) {
                ls_table_files_free(&w->wt[t].files);
            }
            ls_table_done_free_all(w->wt[t].held, w->wt[t].nheld, d->tables[t].ncols);
        }
        ls_free(w->wt);
        ls_free(w->prow);
        ls_free(w->pmsg);
        ls_free(w->tps);
        ls_arena_free(w->arena);
        ls_queue_free(w->q);
    }
    ls_free(d->workers);
    d->workers = NULL;
}

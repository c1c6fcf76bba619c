/*
 * files.c — per-partition Parquet writers of one writer thread (a load worker, a daemon
 * worker): open on the first rows of a partition, roll at the target compressed size,
 * close the least recently written one past the open-file cap, close into a store object
 * with its Delta stats and add-action fields; closing all of them at once runs on a few
 * threads, since a close mostly waits for fsync or an upload.
 *
 * Not responsible for: partition splitting, stats rules (stats.c), the commit.
 */
#include "lakesink/table_files.h"

#include <pthread.h>
#include <string.h>
#include <time.h>

#include "lakesink/alloc.h"
#include "lakesink/buf.h"

/* Open-file cap when the configuration gives none. */
#define LS__MAX_OPEN 256
/* Threads that close one worker's files at the end (the worker's own included). */
#define LS__CLOSERS 4
/* Cap on one stats JSON and one path. */
#define LS__STATS_MAX ((size_t)16 << 20)
#define LS__PATH_MAX ((size_t)64 << 10)

struct ls_table_open_s {
    char **values; /* partition values, NULL = null */
    char *key;     /* store key (Hive-escaped directory + file name) */
    char *log_path;
    ls_store_writer_t *sw;
    ls_pq_writer_t *w;
    ls_table_nulls_t *nulls;
};

static int64_t ls__now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void ls__free_values(char **v, size_t n)
{
    if (v != NULL) {
        for (size_t i = 0; i < n; i++) {
            ls_free(v[i]);
        }
        ls_free(v);
    }
}

static void ls__open_free(ls_table_open_t *o, size_t ncols)
{
    if (o == NULL) {
        return;
    }
    ls_pq_writer_free(o->w);
    ls_store_writer_abort(o->sw);
    ls_table_nulls_free(o->nulls);
    ls__free_values(o->values, ncols);
    ls_free(o->key);
    ls_free(o->log_path);
    ls_free(o);
}

void ls_table_files_codec_defaults(ls_pq_writer_opts_t *o, int level)
{
    o->level = level;
    if (o->codec == LS_PQ_CODEC_ZSTD && level == 0) {
        o->level = 1;
        o->page_bytes = (uint32_t)256 << 10;
    }
}

void ls_table_files_init(ls_table_files_t *fs, const ls_table_files_cfg_t *cfg)
{
    memset(fs, 0, sizeof(*fs));
    fs->cfg = cfg;
}

static bool ls__same_values(char **a, const char *const *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if ((a[i] == NULL) != (b[i] == NULL) || (a[i] != NULL && strcmp(a[i], b[i]) != 0)) {
            return false;
        }
    }
    return true;
}

static ls_err_t ls__nomem(ls_error_t *err)
{
    return ls_error_set(err, LS_ERR_NOMEM, "out of memory");
}

/* Copy of @p values (n strings, NULL = null) into *out. */
static ls_err_t ls__copy_values(const char *const *values, size_t n, char ***out, ls_error_t *err)
{
    *out = ls_calloc(n ? n : 1, sizeof(char *));
    if (*out == NULL) {
        return ls__nomem(err);
    }
    for (size_t i = 0; i < n; i++) {
        if (values[i] != NULL && ((*out)[i] = ls_strdup(values[i])) == NULL) {
            return ls__nomem(err);
        }
    }
    return LS_OK;
}

/* Name the new file: both its store key and its URI-encoded log path. */
static ls_err_t ls__name_file(const ls_table_files_cfg_t *cfg, ls_table_open_t *o, ls_error_t *err)
{
    char uuid[37];
    LS_TRY(ls_table_uuid4(uuid, err));
    ls_buf_t name, disk, log;
    ls_buf_init(&name, LS__PATH_MAX);
    ls_buf_init(&disk, LS__PATH_MAX);
    ls_buf_init(&log, LS__PATH_MAX);
    unsigned part = atomic_fetch_add(cfg->part_no, 1u);
    ls_err_t rc = ls_table_data_file_name(part, uuid, cfg->wopts.codec, &name);
    rc = rc == LS_OK ? ls_buf_terminate(&name) : rc;
    rc = rc == LS_OK ? ls_table_data_paths(cfg->pcols, (const char *const *)o->values, cfg->ncols,
                                           (const char *)name.data, &disk, &log)
                     : rc;
    rc = rc == LS_OK ? ls_buf_terminate(&disk) : rc;
    rc = rc == LS_OK ? ls_buf_terminate(&log) : rc;
    if (rc == LS_OK) {
        o->key = (char *)ls_buf_steal(&disk, NULL);
        o->log_path = (char *)ls_buf_steal(&log, NULL);
    } else {
        ls_error_set(err, rc, "cannot name a data file");
    }
    ls_buf_free(&name);
    ls_buf_free(&disk);
    ls_buf_free(&log);
    return rc;
}

static ls_err_t ls__open_file(ls_table_files_t *fs, const char *const *values, ls_table_open_t **out,
                              ls_error_t *err)
{
    const ls_table_files_cfg_t *cfg = fs->cfg;
    const ls_layout_t *dl = ls_table_partitioner_data_layout(cfg->part);
    ls_table_open_t *o = ls_calloc(1, sizeof(*o));
    if (o == NULL) {
        return ls__nomem(err);
    }
    ls_err_t rc = ls__copy_values(values, cfg->ncols, &o->values, err);
    rc = rc == LS_OK ? ls__name_file(cfg, o, err) : rc;
    rc = rc == LS_OK ? ls_store_writer_open(cfg->st, o->key, &o->sw, err) : rc;
    if (rc == LS_OK && (o->nulls = ls_table_nulls_new(dl, err)) == NULL) {
        rc = err->code != LS_OK ? err->code : ls__nomem(err);
    }
    if (rc == LS_OK) {
        o->w = ls_pq_writer_new(dl, &cfg->wopts, ls_store_writer_sink(o->sw), err);
        if (o->w == NULL) {
            rc = err->code != LS_OK ? err->code : ls__nomem(err);
        }
    }
    if (rc != LS_OK) {
        ls__open_free(o, cfg->ncols);
        return rc;
    }
    *out = o;
    return LS_OK;
}

static ls_err_t ls__done_slot(ls_table_files_t *fs, ls_table_done_t **slot, ls_error_t *err)
{
    if (fs->ndone == fs->done_cap) {
        size_t cap = fs->done_cap ? fs->done_cap * 2 : 16;
        ls_table_done_t *d = ls_reallocarray(fs->done, cap, sizeof(*d));
        if (d == NULL) {
            return ls__nomem(err);
        }
        fs->done = d;
        fs->done_cap = cap;
    }
    *slot = &fs->done[fs->ndone];
    memset(*slot, 0, sizeof(**slot));
    return LS_OK;
}

/* Finish the Parquet file, compute its stats, make it visible, and fill @p d (zeroed). */
static ls_err_t ls__close_file(const ls_table_files_cfg_t *cfg, ls_table_open_t *o, ls_table_done_t *d,
                               ls_error_t *err)
{
    uint64_t size = 0;
    ls_err_t rc = ls_pq_writer_close(o->w, &size, err);
    if (rc != LS_OK) {
        return ls_error_prefix(err, "writing %s: ", o->key);
    }
    ls_buf_t stats;
    ls_buf_init(&stats, LS__STATS_MAX);
    int64_t rows = ls_pq_writer_rows(o->w);
    rc = ls_table_stats_json(ls_table_partitioner_data_layout(cfg->part),
                             ls_table_writer_leaf_stats, o->w, o->nulls, rows, cfg->sopts, &stats,
                             err);
    rc = rc == LS_OK ? ls_buf_terminate(&stats) : rc;
    if (rc == LS_OK) {
        rc = ls_store_writer_commit(o->sw, err);
        o->sw = NULL;
        if (rc != LS_OK) {
            ls_error_prefix(err, "storing %s: ", o->key);
        }
    }
    if (rc == LS_OK) {
        d->log_path = o->log_path;
        o->log_path = NULL;
        d->values = o->values;
        o->values = NULL;
        d->size = (int64_t)size;
        d->rows = rows;
        d->mtime_ms = ls__now_ms();
        d->stats = (char *)ls_buf_steal(&stats, NULL);
    }
    ls_buf_free(&stats);
    return rc;
}

/* Close open file @p i and drop it from the open list (kept in order of opening). */
static ls_err_t ls__close_at(ls_table_files_t *fs, size_t i, ls_error_t *err)
{
    ls_table_open_t *o = fs->open[i];
    memmove(&fs->open[i], &fs->open[i + 1], (fs->nopen - i - 1) * sizeof(*fs->open));
    fs->nopen--;
    ls_table_done_t *d = NULL;
    ls_err_t rc = ls__done_slot(fs, &d, err);
    rc = rc == LS_OK ? ls__close_file(fs->cfg, o, d, err) : rc;
    fs->ndone += rc == LS_OK;
    ls__open_free(o, fs->cfg->ncols);
    return rc;
}

static size_t ls__max_open(const ls_table_files_t *fs)
{
    size_t m = fs->cfg->max_open;
    return m == 0 || m > LS__MAX_OPEN ? LS__MAX_OPEN : m;
}

/* The open file of a partition, moved to the most recently written end of the list;
 * opens one (closing the least recently written past the cap). */
static ls_err_t ls__file_for(ls_table_files_t *fs, const char *const *values, ls_table_open_t **out,
                             ls_error_t *err)
{
    for (size_t i = fs->nopen; i-- > 0;) {
        ls_table_open_t *o = fs->open[i];
        if (ls__same_values(o->values, values, fs->cfg->ncols)) {
            memmove(&fs->open[i], &fs->open[i + 1], (fs->nopen - i - 1) * sizeof(*fs->open));
            fs->open[fs->nopen - 1] = o;
            *out = o;
            return LS_OK;
        }
    }
    if (fs->nopen >= ls__max_open(fs)) {
        fs->closed_by_lru++;
        LS_TRY(ls__close_at(fs, 0, err));
    }
    if (fs->open == NULL && (fs->open = ls_calloc(LS__MAX_OPEN, sizeof(*fs->open))) == NULL) {
        return ls__nomem(err);
    }
    LS_TRY(ls__open_file(fs, values, out, err));
    fs->open[fs->nopen++] = *out;
    return LS_OK;
}

ls_err_t ls_table_files_write_group(ls_table_files_t *fs, const char *const *values,
                                    const ls_batch_t *b, ls_error_t *err)
{
    if (b->nrows == 0) {
        return LS_OK;
    }
    ls_table_open_t *o = NULL;
    LS_TRY(ls__file_for(fs, values, &o, err));
    LS_TRY(ls_table_nulls_add(o->nulls, b, err));
    ls_err_t rc = ls_pq_writer_write(o->w, b, err);
    if (rc != LS_OK) {
        return ls_error_prefix(err, "writing %s: ", o->key);
    }
    if (ls_pq_writer_size_estimate(o->w) >= fs->cfg->target_bytes) {
        for (size_t i = 0; i < fs->nopen; i++) {
            if (fs->open[i] == o) {
                return ls__close_at(fs, i, err);
            }
        }
    }
    return LS_OK;
}

ls_err_t ls_table_files_write(ls_table_files_t *fs, const ls_table_split_t *split, ls_error_t *err)
{
    for (size_t g = 0; g < split->ngroups; g++) {
        const ls_table_group_t *grp = &split->groups[g];
        LS_TRY(ls_table_files_write_group(fs, grp->values, grp->batch, err));
    }
    return LS_OK;
}

/* Closing files in parallel: most of a close waits for fsync, which other closes fill. */
typedef struct ls__closer_s {
    ls_table_files_t *fs;
    atomic_size_t next;
    ls_err_t *rc;    /* per open file */
    ls_error_t *err; /* per open file */
} ls__closer_t;

static void *ls__closer_main(void *arg)
{
    ls__closer_t *c = arg;
    ls_table_files_t *fs = c->fs;
    for (size_t i; (i = atomic_fetch_add(&c->next, 1)) < fs->nopen;) {
        ls_table_done_t *d = &fs->done[fs->ndone + i];
        memset(d, 0, sizeof(*d));
        ls_error_clear(&c->err[i]);
        c->rc[i] = ls__close_file(fs->cfg, fs->open[i], d, &c->err[i]);
    }
    return NULL;
}

/* Room in fs->done for @p n more records. */
static ls_err_t ls__done_room(ls_table_files_t *fs, size_t n, ls_error_t *err)
{
    if (fs->done_cap - fs->ndone >= n) {
        return LS_OK;
    }
    size_t cap = fs->ndone + n;
    ls_table_done_t *d = ls_reallocarray(fs->done, cap, sizeof(*d));
    if (d == NULL) {
        return ls__nomem(err);
    }
    fs->done = d;
    fs->done_cap = cap;
    return LS_OK;
}

/* Run ls__closer_main on up to LS__CLOSERS threads, this one included. */
static void ls__close_parallel(ls__closer_t *c)
{
    pthread_t th[LS__CLOSERS];
    size_t n = c->fs->nopen < LS__CLOSERS ? c->fs->nopen : LS__CLOSERS, started = 0;
    while (started + 1 < n && pthread_create(&th[started], NULL, ls__closer_main, c) == 0) {
        started++;
    }
    ls__closer_main(c);
    for (size_t i = 0; i < started; i++) {
        pthread_join(th[i], NULL);
    }
}

ls_err_t ls_table_files_close_all(ls_table_files_t *fs, ls_error_t *err)
{
    size_t n = fs->nopen;
    if (n == 0) {
        return LS_OK;
    }
    ls__closer_t c = {fs, 0, ls_calloc(n, sizeof(ls_err_t)), ls_calloc(n, sizeof(ls_error_t))};
    ls_err_t rc = c.rc != NULL && c.err != NULL ? ls__done_room(fs, n, err) : ls__nomem(err);
    if (rc == LS_OK) {
        atomic_init(&c.next, 0);
        ls__close_parallel(&c);
        size_t kept = 0; /* the files closed, in order of opening; the first failure wins */
        for (size_t i = 0; i < n; i++) {
            if (c.rc[i] == LS_OK) {
                fs->done[fs->ndone + kept++] = fs->done[fs->ndone + i];
            } else if (rc == LS_OK) {
                rc = c.rc[i];
                *err = c.err[i];
            }
        }
        fs->ndone += kept;
        for (size_t i = 0; i < n; i++) {
            ls__open_free(fs->open[i], fs->cfg->ncols);
        }
        fs->nopen = 0;
    }
    ls_free(c.rc);
    ls_free(c.err);
    return rc;
}

int64_t ls_table_files_open_rows(const ls_table_files_t *fs)
{
    int64_t n = 0;
    for (size_t i = 0; i < fs->nopen; i++) {
        n += ls_pq_writer_rows(fs->open[i]->w);
    }
    return n;
}

uint64_t ls_table_files_buffered(const ls_table_files_t *fs)
{
    uint64_t n = 0;
    for (size_t i = 0; i < fs->nopen; i++) {
        uint64_t est = ls_pq_writer_size_estimate(fs->open[i]->w);
        uint64_t stored = ls_store_writer_bytes(fs->open[i]->sw);
        n += est > stored ? est - stored : 0;
    }
    return n;
}

void ls_table_files_take_done(ls_table_files_t *fs, ls_table_done_t **out, size_t *n)
{
    *out = fs->done;
    *n = fs->ndone;
    fs->done = NULL;
    fs->ndone = fs->done_cap = 0;
}

/* Partition columns in one add action; tables have far fewer. */
#define LS__ADD_MAX_PCOLS 64

ls_err_t ls_table_done_add_actions(ls_delta_tx_t *tx, const ls_table_done_t *d, size_t n,
                                   const char *const *pcols, size_t ncols, ls_error_t *err)
{
    ls_delta_kv_t kv[LS__ADD_MAX_PCOLS];
    if (ncols > LS__ADD_MAX_PCOLS) {
        return ls_error_set(err, LS_ERR_LIMIT, "more than %d partition columns",
                            LS__ADD_MAX_PCOLS);
    }
    for (size_t i = 0; i < n; i++) {
        for (size_t c = 0; c < ncols; c++) {
            kv[c].key = pcols[c];
            kv[c].value = d[i].values[c];
        }
        ls_delta_add_t add;
        memset(&add, 0, sizeof(add));
        add.path = d[i].log_path;
        add.n_partition_values = ncols;
        add.partition_values = kv;
        add.size = d[i].size;
        add.modification_time = d[i].mtime_ms;
        add.data_change = true;
        add.stats = d[i].stats;
        LS_TRY(ls_delta_tx_add(tx, &add, err));
    }
    return LS_OK;
}

void ls_table_done_free_all(ls_table_done_t *d, size_t n, size_t ncols)
{
    for (size_t i = 0; i < n; i++) {
        ls_free(d[i].log_path);
        ls__free_values(d[i].values, ncols);
        ls_free(d[i].stats);
    }
    ls_free(d);
}

void ls_table_files_free(ls_table_files_t *fs)
{
    for (size_t i = 0; i < fs->nopen; i++) {
        ls__open_free(fs->open[i], fs->cfg->ncols);
    }
    ls_free(fs->open);
    ls_table_done_free_all(fs->done, fs->ndone, fs->cfg != NULL ? fs->cfg->ncols : 0);
    memset(fs, 0, sizeof(*fs));
}

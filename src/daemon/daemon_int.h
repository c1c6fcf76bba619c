/*
 * daemon_int.h — the daemon's private types, shared by its files: tables (table.c), the
 * per-row extra columns (extcols.c), workers (worker.c), commits (commit.c), the poll
 * loop and rebalances (poll.c), the dead-letter producer (dlq.c) and HTTP (status.c).
 *
 * Thread roles (see docs/internals/daemon.md):
 *  - poll thread: the caller of ls_daemon_run; owns the consumer, tp registry, dispatch,
 *    pause/resume, rebalances (which flush synchronously on revoke);
 *  - workers: own the runs they decode, their per-table batches and open files, and the
 *    `done_off` positions of the topic-partitions hashed to them;
 *  - committer: decides when a table flushes, gathers files and positions from every
 *    worker through in-band FLUSH jobs, commits, then commits offsets to Kafka.
 * A table's mutex guards its snapshot, schema generation and committed positions.
 */
#ifndef LS_DAEMON_INT_H
#define LS_DAEMON_INT_H

#include <librdkafka/rdkafka.h>
#include <pthread.h>
#include <regex.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "lakesink/arena.h"
#include "lakesink/conf.h"
#include "lakesink/daemon.h"
#include "lakesink/delta.h"
#include "lakesink/http.h"
#include "lakesink/json.h"
#include "lakesink/metrics.h"
#include "lakesink/queue.h"
#include "lakesink/table.h"
#include "lakesink/table_files.h"
#include "lakesink/xform.h"

#define LS__MAX_WORKERS 64
#define LS__MAX_TABLES LS_CONF_MAX_TOPICS
#define LS__MAX_PCOLS 32
#define LS__TP_TABLES 16 /* tables one topic may feed */
#define LS__RUN_MAX 4096 /* messages per dispatched run */

/* ------------------------------------------------------------ extra columns */

typedef enum {
    LS__EXT_TOPIC = 0,
    LS__EXT_PARTITION,
    LS__EXT_OFFSET,
    LS__EXT_TIMESTAMP,
    LS__EXT_KEY,
    LS__EXT_HEADERS,
    LS__EXT_STATIC,
    LS__EXT_DERIVED
} ls__ext_kind_t;

/* A column appended after the message's own fields (never read from JSON). */
typedef struct ls__ext_s {
    ls__ext_kind_t kind;
    const char *name;            /* borrowed from the config */
    const char *value;           /* STATIC: borrowed */
    ls_xform_derive_t *drv;      /* DERIVED: owned */
} ls__ext_t;

/* One schema generation of a table: what the workers write with until the next one.
 * Generations are kept until the table is closed (a worker may still hold an older one). */
typedef struct ls__gen_s {
    int gen;               /* 1, 2, ... */
    ls_type_t *schema;     /* write schema: message fields, then extra columns */
    ls_layout_t *layout;
    ls_table_partitioner_t *part;
    ls_table_files_cfg_t fcfg; /* the table's template with this partitioner */
    uint32_t nsource;      /* top-level fields read from JSON */
    const ls_node_t **ext_node; /* per extra column: its node */
    int *src_leaf;              /* per extra column (DERIVED): leaf of the source field */
    ls_type_kind_t *src_kind;   /* and its type */
} ls__gen_t;

#define LS__MAX_GENS 1024

/* What a message carries besides its value (for metadata columns and the DLQ). */
typedef struct ls__msgmeta_s {
    const char *topic;
    int32_t partition;
    int64_t offset;
    int64_t timestamp_ms; /* -1: none */
    const rd_kafka_message_t *rkm;
} ls__msgmeta_t;

/* ------------------------------------------------------------ message access */

/* How the daemon reads what librdkafka hides behind a message. The default calls
 * librdkafka; the offline pipeline test supplies plain structs and its own functions, so
 * the worker/committer threads run under ThreadSanitizer without librdkafka's threads. */
typedef struct ls__msg_ops_s {
    int64_t (*timestamp)(const rd_kafka_message_t *m); /* ms, -1: none */
    rd_kafka_resp_err_t (*headers)(const rd_kafka_message_t *m, rd_kafka_headers_t **h);
    void (*destroy)(rd_kafka_message_t *m);
} ls__msg_ops_t;

extern const ls__msg_ops_t ls__rdkafka_msg_ops;

/* ------------------------------------------------------------ tables */

/* One position a worker reports for a flush: the last offset it handled. */
typedef struct ls__pos_s {
    struct ls__tp_s *tp;
    size_t slot; /* index into tp->tables */
    int64_t offset;
} ls__pos_t;

/* Files and positions of a failed commit, retried with the next flush (committer-owned). */
typedef struct ls__carry_s {
    ls_table_done_t *done;
    size_t ndone;
    ls__pos_t *pos;
    size_t npos;
} ls__carry_t;

typedef struct ls_daemon_s ls__daemon_t;

typedef enum { LS__UNKNOWN_EVOLVE, LS__UNKNOWN_DLQ, LS__UNKNOWN_COUNT } ls__unknown_t;

typedef struct ls__table_s {
    size_t idx;
    const ls_conf_topic_t *tc; /* borrowed */
    const ls__msg_ops_t *mops; /* the daemon's */
    bool is_regex;
    regex_t re;
    ls_store_t *st;
    pthread_mutex_t mu;        /* snapshot, schema, committed positions */
    pthread_mutex_t flush_mu;  /* one flush at a time */
    ls_delta_snapshot_t *snap; /* NULL until the table exists */
    ls__gen_t *gens[LS__MAX_GENS]; /* under mu */
    size_t ngens;
    atomic_int schema_gen; /* == ngens; 0: not known yet (inferred from the first messages) */
    ls__ext_t *ext;
    size_t next;
    const char **pcols;
    size_t ncols;
    const char **renames, **drops; /* pair array and list for the decoder (borrowed strings) */
    size_t nrenames, ndrops;
    ls__unknown_t unknown;
    bool json_text; /* keep any JSON value met in a string column as its text (inferred or
                       "any JSON" declared columns) */
    ls_table_stats_opts_t sopts;
    ls_table_files_cfg_t fcfg; /* template: part is set per generation */
    atomic_uint part_no;
    /* flush triggers (updated by workers, read by the committer) */
    atomic_llong pending_rows;
    atomic_llong pending_msgs;
    atomic_llong oldest_ms; /* first pending message's arrival, 0 = none */
    atomic_bool urgent;     /* memory pressure: flush now */
    atomic_uint failures;   /* consecutive failed commits */
    ls__carry_t carry;      /* under flush_mu */
    atomic_bool carry_pending;
    /* metrics */
    ls_counter_t *m_rows, *m_bytes, *m_files, *m_commits, *m_commit_errors, *m_unknown,
        *m_tombstones, *m_conflicts;
    ls_gauge_t *m_version, *m_pending;
    ls_counter_t *m_st_req, *m_st_retry, *m_st_err, *m_st_trip; /* storage, at each scrape */
    ls_store_stats_t st_prev;
    ls_histo_t *m_commit_s;
} ls__table_t;

/* ------------------------------------------------------------ topic-partitions */

typedef struct ls__tp_s {
    char *topic;
    int32_t partition;
    unsigned worker;
    size_t ntables;
    size_t tables[LS__TP_TABLES];
    /* written by the poll thread at assignment (before any run of it is queued) */
    int64_t skip_upto[LS__TP_TABLES]; /* offsets <= this are in the table already */
    atomic_bool assigned; /* read by the committer and /status */
    /* worker-owned: last offset handled per table (-1: none since assignment) */
    int64_t done_off[LS__TP_TABLES];
    atomic_bool reset;  /* set at assignment: the worker forgets done_off */
    /* committed position per table: written under the table mutex (commits, assignment),
     * read lock-free by the Kafka offset commit and /status */
    atomic_llong committed[LS__TP_TABLES];
    /* poll thread: for lag */
    atomic_llong consumed; /* next offset to consume (last seen + 1), -1 unknown */
    ls_gauge_t *m_lag;
    ls_counter_t *m_consumed;
} ls__tp_t;

/* ------------------------------------------------------------ jobs */

typedef enum { LS__JOB_RUN, LS__JOB_FLUSH, LS__JOB_STOP } ls__job_kind_t;


/* A table flush in progress: every worker closes its files and reports. */
typedef struct ls__flush_s {
    ls__table_t *t;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    unsigned waiting;
    ls_err_t rc;
    ls_error_t err;
    ls_table_done_t *done; /* gathered files */
    size_t ndone, done_cap;
    ls__pos_t *pos;
    size_t npos, pos_cap;
} ls__flush_t;

/* Consecutive messages of one topic-partition inside a RUN job. */
typedef struct ls__run_s {
    ls__tp_t *tp;
    size_t start, n; /* into the job's msgs */
} ls__run_t;

/* A RUN job carries every run one consumed batch has for one worker (one queue push per
 * worker and batch, not per partition). */
typedef struct ls__job_s {
    ls__job_kind_t kind;
    rd_kafka_message_t **msgs; /* RUN: owned by the job */
    size_t n;
    ls__run_t *runs;           /* RUN: owned */
    size_t nruns;
    uint64_t bytes;
    ls__flush_t *fl;          /* FLUSH: borrowed */
} ls__job_t;

/* ------------------------------------------------------------ workers */

/* A worker's state for one table. */
typedef struct ls__wt_s {
    int gen; /* schema generation the decoder was built for */
    const ls__gen_t *g;
    ls_json_decoder_t *dec;
    ls_batch_t *batch;
    ls_table_files_t files;
    bool files_init;
    ls_table_done_t *held; /* files closed at a schema change, reported at the next flush */
    size_t nheld;
    size_t held_ncols;
} ls__wt_t;

typedef struct ls__worker_s {
    ls__daemon_t *d;
    unsigned idx;
    pthread_t thread;
    bool started;
    ls_queue_t *q;
    ls__wt_t *wt; /* per table */
    int64_t *prow, *pmsg; /* per table: rows and messages of the current run, published after it */
    ls__tp_t **tps; /* topic-partitions this worker has seen */
    size_t ntps, tps_cap;
    ls_arena_t *arena; /* routing DOM */
    atomic_ullong mem; /* batches + open files, bytes */
    ls_buf_t dlq_reason;
} ls__worker_t;

/* ------------------------------------------------------------ the daemon */

struct ls_daemon_s {
    const ls_conf_t *conf;
    const ls__msg_ops_t *mops;
    ls__table_t *tables;
    size_t ntables;
    unsigned nworkers;
    ls__worker_t *workers;
    rd_kafka_t *rk;
    rd_kafka_queue_t *rkq;
    bool rk_unclosable; /* stopped before the first assignment: see poll.c */
    rd_kafka_t *dlq; /* NULL without dlq.topic */
    atomic_ullong dlq_failed;
    /* tp registry (poll thread; workers only follow pointers) */
    ls__tp_t **tps;
    size_t ntps, tps_cap;
    pthread_mutex_t tps_mu; /* guards the registry array for /status readers */
    /* memory budget */
    atomic_ullong inflight; /* message bytes queued or being decoded */
    uint64_t budget, high, low;
    bool paused;
    atomic_int npaused;
    /* lifecycle */
    atomic_bool stop;
    atomic_bool fatal;   /* a table failed for good */
    atomic_bool fenced;  /* another instance committed our positions */
    atomic_bool ready;   /* first assignment done */
    ls_error_t fatal_err;
    pthread_mutex_t fatal_mu;
    pthread_t committer;
    bool committer_started;
    pthread_mutex_t cmu;
    pthread_cond_t ccv;
    atomic_bool committer_stop;
    int64_t started_ms;
    /* ops */
    ls_metrics_t *metrics;
    ls_http_t *http;
    ls_counter_t *m_dlq_msgs, *m_dlq_errors, *m_rebalances, *m_msgs, *m_msg_bytes;
    pthread_mutex_t scrape_mu;
    ls_gauge_t *m_mem, *m_budget, *m_paused, *m_assigned;
};

/* ------------------------------------------------------------ functions */

int64_t ls__now_ms(void);
void ls__daemon_fail(ls__daemon_t *d, const ls_error_t *why);

/* table.c */
ls_err_t ls__tables_open(ls__daemon_t *d, ls_error_t *err);
void ls__tables_close(ls__daemon_t *d);
bool ls__table_matches(const ls__table_t *t, const char *topic);
/* New generation from a message schema (takes ownership of @p src); under t->mu. */
ls_err_t ls__table_set_schema(ls__table_t *t, ls_type_t *src, ls_error_t *err);
/* The current generation (under t->mu, or after reading schema_gen). */
const ls__gen_t *ls__table_gen(ls__table_t *t);
/* Additive evolution by the new fields of one record; under t->mu. *evolved: whether the
 * write schema changed (also when another instance had already added the columns). */
ls_err_t ls__table_evolve(ls__table_t *t, const char *rec, size_t len, bool *evolved,
                          ls_error_t *err);
/* Additive evolution of a type: the column at @p node of generation @p seen's layout (a
 * number did not fit it) becomes @p to (LS_TYPE_LONG or LS_TYPE_DOUBLE) in a new
 * generation, committed with Delta's type widening; under t->mu. *widened: the write
 * schema holds the wider type now (also when another worker widened it first). */
#define LS__WIDEN_DEPTH 64
ls_err_t ls__table_widen(ls__table_t *t, const ls__gen_t *seen, const ls_node_t *node,
                         ls_type_kind_t to, bool *widened, ls_error_t *err);
/* Infer and create the table from sample messages (caller holds t->mu). */
ls_err_t ls__table_infer(ls__daemon_t *d, ls__table_t *t, rd_kafka_message_t **msgs, size_t n,
                         ls_error_t *err);
/* Position for @p app-id key of a tp in table t: txn version or -1 (caller holds t->mu). */
int64_t ls__table_txn(ls__daemon_t *d, ls__table_t *t, const char *topic, int32_t partition);
ls_err_t ls__table_app_id(const ls__daemon_t *d, const char *topic, int32_t partition, char *out,
                          size_t cap);

/* extcols.c */
ls_err_t ls__ext_build(ls__table_t *t, ls_error_t *err);
ls_err_t ls__ext_append_types(const ls__table_t *t, ls_type_t *st, ls_error_t *err);
ls_err_t ls__ext_resolve(const ls__table_t *t, ls__gen_t *g, ls_error_t *err);
ls_err_t ls__ext_fill(const ls__table_t *t, const ls__gen_t *g, ls_batch_t *b,
                      const ls__msgmeta_t *m, ls_error_t *err);
void ls__ext_free(ls__table_t *t);

/* worker.c */
ls_err_t ls__workers_start(ls__daemon_t *d, ls_error_t *err);
void ls__workers_stop(ls__daemon_t *d);
uint64_t ls__workers_mem(ls__daemon_t *d);

/* commit.c */
ls_err_t ls__committer_start(ls__daemon_t *d, ls_error_t *err);
void ls__committer_stop(ls__daemon_t *d);
void ls__committer_wake(ls__daemon_t *d);
/* Flush and commit table @p t now (any thread but a worker). */
ls_err_t ls__table_flush(ls__daemon_t *d, ls__table_t *t, ls_error_t *err);
/* Flush every table fed by one of @p tps (rebalance revoke, shutdown). */
ls_err_t ls__flush_all(ls__daemon_t *d, ls_error_t *err);

/* dlq.c */
ls_err_t ls__dlq_open(ls__daemon_t *d, ls_error_t *err);
void ls__dlq_close(ls__daemon_t *d);
/* Queue a dead letter for @p m with @p reason. LS_ERR_STATE without a dead-letter topic. */
ls_err_t ls__dlq_send(ls__daemon_t *d, const ls__msgmeta_t *m, const char *table,
                      const char *reason, ls_error_t *err);
/* Wait until every dead letter queued so far is acknowledged; error if any failed. */
ls_err_t ls__dlq_sync(ls__daemon_t *d, int timeout_ms, ls_error_t *err);

/* daemon.c: the pipeline without a consumer, dead-letter producer or HTTP (tests). */
ls__daemon_t *ls__daemon_new_offline(const ls_conf_t *conf, const ls__msg_ops_t *mops,
                                     ls_error_t *err);

/* poll.c */
/* Queue msgs[0, n) of @p tp (taken over on success) to its worker. */
ls_err_t ls__push_run(ls__daemon_t *d, ls__tp_t *tp, rd_kafka_message_t **msgs, size_t n);
ls_err_t ls__consumer_open(ls__daemon_t *d, ls_error_t *err);
ls_err_t ls__poll_loop(ls__daemon_t *d, ls_error_t *err);
void ls__consumer_close(ls__daemon_t *d);
ls__tp_t *ls__tp_get(ls__daemon_t *d, const char *topic, int32_t partition);
/* One poll: consume, dispatch, housekeeping (memory, lag) every 200 ms (*last: its clock). */
void ls__poll_once(ls__daemon_t *d, int64_t *last);
void ls__await_first_assignment(ls__daemon_t *d, int64_t max_ms);

/* status.c */
ls_err_t ls__ops_start(ls__daemon_t *d, ls_error_t *err);
void ls__ops_stop(ls__daemon_t *d);

#endif

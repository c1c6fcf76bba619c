/*
 * metrics.h — a thread-safe registry of counters, gauges and histograms, rendered in the
 * Prometheus text exposition format 0.0.4 (what `/metrics` serves).
 *
 * Responsible for: families (name, help, type, histogram bounds), series (one label set
 * of a family), lock-free updates, and the text rendering.
 * Not responsible for: HTTP (see http.h), naming policy (callers pick the names), or
 * summaries/quantiles (histograms only).
 *
 * Ownership: the registry owns every family and series. The pointers the getters return
 * stay valid until ls_metrics_remove() drops that series or ls_metrics_free() frees the
 * registry; callers cache them and must not free them.
 *
 * Threads: creation, removal and rendering take the registry mutex and may be called from
 * any thread. Updates (ls_counter_add, ls_gauge_set/add, ls_histo_observe) and getters
 * take no lock (relaxed atomics) and may be called from any thread at any rate.
 *
 * Labels are matched regardless of the order they are passed in and rendered sorted by
 * name. Label values and help texts may hold any bytes: bytes that are not valid UTF-8
 * are rendered as U+FFFD so a scrape never fails on them.
 */
#ifndef LAKESINK_METRICS_H
#define LAKESINK_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "lakesink/buf.h"
#include "lakesink/error.h"

typedef struct ls_metrics_s ls_metrics_t; /* registry */
typedef struct ls_counter_s ls_counter_t; /* one series (owned by the registry) */
typedef struct ls_gauge_s ls_gauge_t;
typedef struct ls_histo_s ls_histo_t;

/* One label of a series; both strings are borrowed for the call only (the registry copies). */
typedef struct ls_label_s {
    const char *name;
    const char *value;
} ls_label_t;

/* Limits that keep a runaway label (e.g. a per-message value) from eating memory. */
#define LS_METRICS_MAX_FAMILIES 1024
#define LS_METRICS_MAX_SERIES 65536 /* in the whole registry */
#define LS_METRICS_MAX_LABELS 16    /* per series */
#define LS_METRICS_MAX_BOUNDS 64    /* per histogram, +Inf not counted */

/** @brief New, empty registry. Caller owns it (ls_metrics_free). @returns NULL on OOM. */
ls_metrics_t *ls_metrics_new(void);

/**
 * @brief Free the registry and every series in it; every pointer it returned becomes
 * invalid. No other thread may be using the registry or its series. NULL is fine.
 */
void ls_metrics_free(ls_metrics_t *m);

/**
 * @brief Get or create the counter series `name{labels}`.
 * @param name metric name, `[a-zA-Z_:][a-zA-Z0-9_:]*`; by convention ending in `_total`.
 * @param help one-line description; fixed by the first call for this name (NULL = none).
 * @param labels label pairs (names `[a-zA-Z_][a-zA-Z0-9_]*`, not starting with `__`,
 *        no duplicates); may be NULL when @p nlabels is 0. Copied.
 * @returns the series (the same pointer for the same name and label set), or NULL on OOM,
 * an invalid name or label, a name already registered with another type, a name that
 * collides with a histogram's `_bucket/_sum/_count` series, or a limit reached.
 * @locality any thread; takes the registry mutex.
 */
ls_counter_t *ls_metrics_counter(ls_metrics_t *m, const char *name, const char *help,
                                 const ls_label_t *labels, size_t nlabels);

/** @brief Get or create a gauge series; same rules as ls_metrics_counter(). */
ls_gauge_t *ls_metrics_gauge(ls_metrics_t *m, const char *name, const char *help,
                             const ls_label_t *labels, size_t nlabels);

/**
 * @brief Get or create a histogram series; same rules as ls_metrics_counter().
 * @param bounds strictly ascending, finite upper bounds (a trailing +Inf is accepted and
 *        dropped: the +Inf bucket is always implicit); copied. Fixed by the first call for
 *        this name: a later call with other bounds returns NULL. May be NULL if @p nbounds
 *        is 0 (then the histogram has only the +Inf bucket).
 * The label name `le` is reserved for histograms.
 */
ls_histo_t *ls_metrics_histogram(ls_metrics_t *m, const char *name, const char *help,
                                 const double *bounds, size_t nbounds, const ls_label_t *labels,
                                 size_t nlabels);

/** @brief Add @p v to a counter. Lock-free; any thread. NULL is a no-op. */
void ls_counter_add(ls_counter_t *c, uint64_t v);
/** @brief Current value of a counter (0 for NULL). */
uint64_t ls_counter_get(const ls_counter_t *c);

/** @brief Set a gauge. Lock-free; any thread. NULL is a no-op. */
void ls_gauge_set(ls_gauge_t *g, int64_t v);
/** @brief Add @p delta (may be negative) to a gauge. Lock-free; any thread. NULL is a no-op. */
void ls_gauge_add(ls_gauge_t *g, int64_t delta);
/** @brief Current value of a gauge (0 for NULL). */
int64_t ls_gauge_get(const ls_gauge_t *g);

/**
 * @brief Record one observation: the first bucket whose bound is >= @p v counts it, and
 * @p v is added to the sum. NaN is ignored. Lock-free; any thread. NULL is a no-op.
 */
void ls_histo_observe(ls_histo_t *h, double v);
/** @brief Number of observations so far (0 for NULL). */
uint64_t ls_histo_count(const ls_histo_t *h);
/** @brief Sum of the observations so far (0 for NULL). */
double ls_histo_sum(const ls_histo_t *h);

/**
 * @brief Drop the series `name{labels}` of any type (e.g. the lag gauge of a partition this
 * instance no longer owns). Its pointer becomes invalid at once: no thread may use it
 * afterwards. Unknown series and invalid names are ignored. The family (its type, help
 * and bounds) stays registered; a family without series is not rendered.
 * @locality any thread; takes the registry mutex.
 */
void ls_metrics_remove(ls_metrics_t *m, const char *name, const ls_label_t *labels, size_t nlabels);

/**
 * @brief Append the whole registry to @p out in Prometheus text format 0.0.4: families
 * sorted by name, each with `# HELP` (when it has a help text) and `# TYPE`, series sorted
 * by label set, label values escaped (`\\`, `\"`, `\n`), histograms as cumulative
 * `_bucket{le="..."}` lines ending with `le="+Inf"`, then `_sum` and `_count`.
 * Values are read without stopping writers, so two series may be a few updates apart; a
 * histogram's `_count` always equals its `+Inf` bucket.
 * @returns LS_OK, LS_ERR_NOMEM or LS_ERR_LIMIT (@p out's cap); on error @p out is left as
 * it was before the call.
 * @locality any thread; takes the registry mutex for the whole rendering.
 */
ls_err_t ls_metrics_render(ls_metrics_t *m, ls_buf_t *out);

#endif

/* metrics: a small Prometheus registry (text exposition format 0.0.4). Families are declared
 * once (name, help, type); series are created on first use from a label string the caller
 * builds from a closed set of values (never from client input), and each family holds at
 * most DW__METRICS_MAX_SERIES of them: past that, updates are counted in
 * dynworker_metrics_dropped_total instead of growing. Not thread-safe (the daemon's loop). */
#ifndef DW_HTTP_METRICS_H
#define DW_HTTP_METRICS_H

#include "util/util.h"

#define DW__METRICS_MAX_FAMILIES 32
#define DW__METRICS_MAX_SERIES 128
#define DW__METRICS_MAX_BUCKETS 16

typedef enum { DW_METRIC_COUNTER, DW_METRIC_GAUGE, DW_METRIC_HISTOGRAM } dw__metric_type;

typedef struct dw__metrics dw__metrics;

/* NULL only when out of memory. */
dw__metrics *dw__metrics_new(void);
void dw__metrics_free(dw__metrics *m);

/* Declares a family; returns its index (>= 0) or -1 (table full: a bug of ours). `buckets`
 * (ascending upper bounds, +Inf implied) only for histograms. Strings are borrowed and must
 * outlive the registry (string literals). */
int dw__metrics_family(dw__metrics *m, const char *name, const char *help, dw__metric_type t,
                       const double *buckets, size_t nbuckets);

/* `labels` is the inside of the braces ("kind=\"run\",outcome=\"ok\"", or "" for none);
 * copied on first use. Counters: add `v` (>= 0). Gauges: set to `v`. Histograms: observe `v`. */
void dw__metrics_add(dw__metrics *m, int family, const char *labels, double v);
void dw__metrics_set(dw__metrics *m, int family, const char *labels, double v);
void dw__metrics_observe(dw__metrics *m, int family, const char *labels, double v);

/* Appends the whole exposition to `out`. 0 or DW_E_TOO_LARGE (out's maximum). */
int dw__metrics_render(const dw__metrics *m, dw_buf *out);

#endif

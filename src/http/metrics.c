/* metrics: see metrics.h. Series are kept in declaration order of first use: the output is
 * stable for a given sequence of updates, which the tests rely on. */
#include <math.h>
#include <string.h>
#include "http/metrics.h"

typedef struct {
  char *labels;
  double value;                             /* counter / gauge; histogram: sum */
  uint64_t count;                           /* histogram */
  uint64_t buckets[DW__METRICS_MAX_BUCKETS]; /* histogram, not cumulative */
} series;

typedef struct {
  const char *name, *help;
  dw__metric_type type;
  double bounds[DW__METRICS_MAX_BUCKETS];
  size_t nbounds;
  series s[DW__METRICS_MAX_SERIES];
  size_t n;
} family;

struct dw__metrics {
  family f[DW__METRICS_MAX_FAMILIES];
  size_t n;
  uint64_t dropped; /* updates refused because a family was full */
};

dw__metrics *dw__metrics_new(void) { return calloc(1, sizeof(dw__metrics)); }

void dw__metrics_free(dw__metrics *m) {
  if (!m) return;
  for (size_t i = 0; i < m->n; i++)
    for (size_t j = 0; j < m->f[i].n; j++) free(m->f[i].s[j].labels);
  free(m);
}

int dw__metrics_family(dw__metrics *m, const char *name, const char *help, dw__metric_type t,
                       const double *buckets, size_t nbuckets) {
  if (m->n == DW__METRICS_MAX_FAMILIES || nbuckets > DW__METRICS_MAX_BUCKETS) return -1;
  family *f = &m->f[m->n];
  f->name = name;
  f->help = help;
  f->type = t;
  if (t == DW_METRIC_HISTOGRAM) {
    memcpy(f->bounds, buckets, nbuckets * sizeof(double));
    f->nbounds = nbuckets;
  }
  return (int)m->n++;
}

static series *find(dw__metrics *m, int fi, const char *labels) {
  if (fi < 0 || (size_t)fi >= m->n) DW_BUG("metrics: unknown family");
  family *f = &m->f[fi];
  for (size_t i = 0; i < f->n; i++)
    if (strcmp(f->s[i].labels, labels) == 0) return &f->s[i];
  char *copy = f->n < DW__METRICS_MAX_SERIES ? dw__strdup(labels) : NULL;
  if (!copy) {
    m->dropped++;
    return NULL;
  }
  series *s = &f->s[f->n++];
  memset(s, 0, sizeof(*s));
  s->labels = copy;
  return s;
}

void dw__metrics_add(dw__metrics *m, int fi, const char *labels, double v) {
  series *s = find(m, fi, labels);
  if (s && v >= 0) s->value += v;
}

void dw__metrics_set(dw__metrics *m, int fi, const char *labels, double v) {
  series *s = find(m, fi, labels);
  if (s) s->value = v;
}

void dw__metrics_observe(dw__metrics *m, int fi, const char *labels, double v) {
  series *s = find(m, fi, labels);
  if (!s || isnan(v)) return;
  family *f = &m->f[fi];
  size_t b = 0;
  while (b < f->nbounds && v > f->bounds[b]) b++;
  if (b < f->nbounds) s->buckets[b]++;
  s->count++;
  s->value += v;
}

/* One sample line: name{labels[,extra]} value. */
static int sample(dw_buf *out, const char *name, const char *suffix, const char *labels,
                  const char *extra, double v) {
  bool any = labels[0] || extra[0];
  return dw__buf_printf(out, "%s%s%s%s%s%s%s %.17g\n", name, suffix, any ? "{" : "", labels,
                        labels[0] && extra[0] ? "," : "", extra, any ? "}" : "", v);
}

int dw__metrics_render(const dw__metrics *m, dw_buf *out) {
  static const char *types[] = {"counter", "gauge", "histogram"};
  int rc = 0;
  for (size_t i = 0; !rc && i < m->n; i++) {
    const family *f = &m->f[i];
    rc = dw__buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", f->name, f->help, f->name,
                        types[f->type]);
    for (size_t j = 0; !rc && j < f->n; j++) {
      const series *s = &f->s[j];
      if (f->type != DW_METRIC_HISTOGRAM) {
        rc = sample(out, f->name, "", s->labels, "", s->value);
        continue;
      }
      uint64_t cum = 0;
      char le[64];
      for (size_t b = 0; !rc && b < f->nbounds; b++) {
        cum += s->buckets[b];
        snprintf(le, sizeof le, "le=\"%g\"", f->bounds[b]);
        rc = sample(out, f->name, "_bucket", s->labels, le, (double)cum);
      }
      if (!rc) rc = sample(out, f->name, "_bucket", s->labels, "le=\"+Inf\"", (double)s->count);
      if (!rc) rc = sample(out, f->name, "_sum", s->labels, "", s->value);
      if (!rc) rc = sample(out, f->name, "_count", s->labels, "", (double)s->count);
    }
  }
  if (!rc)
    rc = dw__buf_printf(out,
                        "# HELP dynworker_metrics_dropped_total Metric updates refused because "
                        "a family reached its series cap.\n"
                        "# TYPE dynworker_metrics_dropped_total counter\n"
                        "dynworker_metrics_dropped_total %llu\n",
                        (unsigned long long)m->dropped);
  return rc;
}

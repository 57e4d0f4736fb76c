/* An in-memory test double of the store (src/store/store.h) for tests/unit/test_http.c, used
 * only while the real store (SQLite) is not in this tree; never linked into dynworker.
 * Sorted by (tenant, id), like the real one's listing. */
#include <string.h>
#include "store/store.h"

typedef struct {
  dw__store_worker w;
} row;

struct dw__store {
  row *rows;
  size_t n, cap;
};

int dw__store_open(const char *dir, dw__store **out, char *why, size_t why_len) {
  *out = calloc(1, sizeof(dw__store));
  return *out ? 0 : DW_E_NOMEM;
}

void dw__store_worker_clear(dw__store_worker *w) {
  free(w->tenant);
  free(w->id);
  json_decref(w->code);
  memset(w, 0, sizeof *w);
}

void dw__store_close(dw__store *s) {
  if (!s) return;
  for (size_t i = 0; i < s->n; i++) dw__store_worker_clear(&s->rows[i].w);
  free(s->rows);
  free(s);
}

static int cmp(const dw__store_worker *w, const char *tenant, const char *id) {
  int c = strcmp(w->tenant, tenant);
  return c ? c : strcmp(w->id, id);
}

static row *find(dw__store *s, const char *tenant, const char *id) {
  for (size_t i = 0; i < s->n; i++)
    if (cmp(&s->rows[i].w, tenant, id) == 0) return &s->rows[i];
  return NULL;
}

static int64_t now_ms(void) { return (int64_t)dw__epoch_ms(); }

int dw__store_put(dw__store *s, const char *tenant, const char *id, const json_t *code,
                  bool *created, uint64_t *rev, char *why, size_t why_len) {
  row *r = find(s, tenant, id);
  char *text = json_dumps(code, JSON_COMPACT);
  size_t size = text ? strlen(text) : 0;
  free(text);
  if (r) {
    json_decref(r->w.code);
    r->w.code = json_deep_copy(code);
    r->w.rev++;
    r->w.size = size;
    r->w.updated_ms = now_ms();
    *created = false;
    *rev = r->w.rev;
    return 0;
  }
  if (s->n == s->cap) {
    s->cap = s->cap ? 2 * s->cap : 16;
    s->rows = realloc(s->rows, s->cap * sizeof(row));
  }
  size_t at = 0;
  while (at < s->n && cmp(&s->rows[at].w, tenant, id) < 0) at++;
  memmove(&s->rows[at + 1], &s->rows[at], (s->n - at) * sizeof(row));
  s->n++;
  r = &s->rows[at];
  memset(r, 0, sizeof *r);
  r->w.tenant = dw__strdup(tenant);
  r->w.id = dw__strdup(id);
  r->w.code = json_deep_copy(code);
  r->w.rev = 1;
  r->w.size = size;
  r->w.created_ms = r->w.updated_ms = now_ms();
  *created = true;
  *rev = 1;
  return 0;
}

static void copy(const dw__store_worker *from, dw__store_worker *to, bool code) {
  *to = *from;
  to->tenant = dw__strdup(from->tenant);
  to->id = dw__strdup(from->id);
  to->code = code ? json_deep_copy(from->code) : NULL;
}

int dw__store_get(dw__store *s, const char *tenant, const char *id, dw__store_worker *out,
                  char *why, size_t why_len) {
  row *r = find(s, tenant, id);
  if (!r) return DW_E_WORKER_NOT_FOUND;
  copy(&r->w, out, true);
  return 0;
}

int dw__store_delete(dw__store *s, const char *tenant, const char *id, char *why, size_t why_len) {
  row *r = find(s, tenant, id);
  if (!r) return DW_E_WORKER_NOT_FOUND;
  dw__store_worker_clear(&r->w);
  size_t at = (size_t)(r - s->rows);
  memmove(r, r + 1, (s->n - at - 1) * sizeof(row));
  s->n--;
  return 0;
}

int dw__store_list(dw__store *s, const char *tenant, const char *after, size_t limit,
                   dw__store_worker **out, size_t *n, char *why, size_t why_len) {
  *out = calloc(limit ? limit : 1, sizeof(dw__store_worker));
  *n = 0;
  for (size_t i = 0; i < s->n && *n < limit; i++) {
    const dw__store_worker *w = &s->rows[i].w;
    if (strcmp(w->tenant, tenant) || (after && strcmp(w->id, after) <= 0)) continue;
    copy(w, &(*out)[(*n)++], false);
  }
  return 0;
}

void dw__store_list_free(dw__store_worker *w, size_t n) {
  for (size_t i = 0; i < n; i++) dw__store_worker_clear(&w[i]);
  free(w);
}

int dw__store_touch(dw__store *s, const char *tenant, const char *id, int64_t now) {
  row *r = find(s, tenant, id);
  if (!r) return DW_E_WORKER_NOT_FOUND;
  r->w.invocations++;
  r->w.last_used_ms = now;
  return 0;
}

/* defs: see defs.h. A chained hash table (fixed bucket count) plus an LRU list. */
#include <string.h>
#include "http/defs.h"

#define NBUCKETS 4096

typedef struct entry {
  char *key; /* tenant "\n" id (neither may contain a newline: both are validated names) */
  json_t *code;
  uint64_t rev;
  size_t size;
  struct entry *hnext;           /* bucket chain */
  struct entry *prev, *next;     /* LRU: head is the most recent */
} entry;

struct dw__defs {
  entry *buckets[NBUCKETS];
  entry *head, *tail;
  size_t n, bytes, max_entries, max_bytes;
};

dw__defs *dw__defs_new(size_t max_entries, size_t max_bytes) {
  dw__defs *d = calloc(1, sizeof *d);
  if (!d) return NULL;
  d->max_entries = max_entries ? max_entries : 4096;
  d->max_bytes = max_bytes ? max_bytes : ((size_t)256 << 20);
  return d;
}

static uint32_t hash(const char *s) {
  uint32_t h = 2166136261u;
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 16777619u;
  return h;
}

static char *make_key(const char *tenant, const char *id) {
  size_t a = strlen(tenant), b = strlen(id);
  char *k = malloc(a + b + 2);
  if (!k) return NULL;
  memcpy(k, tenant, a);
  k[a] = '\n';
  memcpy(k + a + 1, id, b + 1);
  return k;
}

static entry **slot(dw__defs *d, const char *key) {
  entry **pp = &d->buckets[hash(key) % NBUCKETS];
  while (*pp && strcmp((*pp)->key, key)) pp = &(*pp)->hnext;
  return pp;
}

static void lru_unlink(dw__defs *d, entry *e) {
  if (e->prev) e->prev->next = e->next;
  else d->head = e->next;
  if (e->next) e->next->prev = e->prev;
  else d->tail = e->prev;
  e->prev = e->next = NULL;
}

static void lru_front(dw__defs *d, entry *e) {
  e->next = d->head;
  if (d->head) d->head->prev = e;
  d->head = e;
  if (!d->tail) d->tail = e;
}

static void remove_entry(dw__defs *d, entry **pp) {
  entry *e = *pp;
  *pp = e->hnext;
  lru_unlink(d, e);
  d->n--;
  d->bytes -= e->size;
  json_decref(e->code);
  free(e->key);
  free(e);
}

const json_t *dw__defs_get(dw__defs *d, const char *tenant, const char *id, uint64_t *rev) {
  char *key = make_key(tenant, id);
  if (!key) return NULL;
  entry *e = *slot(d, key);
  free(key);
  if (!e) return NULL;
  lru_unlink(d, e);
  lru_front(d, e);
  *rev = e->rev;
  return e->code;
}

void dw__defs_drop(dw__defs *d, const char *tenant, const char *id) {
  char *key = make_key(tenant, id);
  if (!key) return;
  entry **pp = slot(d, key);
  if (*pp) remove_entry(d, pp);
  free(key);
}

void dw__defs_put(dw__defs *d, const char *tenant, const char *id, const json_t *code,
                  uint64_t rev, size_t size) {
  dw__defs_drop(d, tenant, id);
  if (size > d->max_bytes) return;
  while (d->tail && (d->n + 1 > d->max_entries || d->bytes + size > d->max_bytes))
    remove_entry(d, slot(d, d->tail->key));
  entry *e = calloc(1, sizeof *e);
  char *key = make_key(tenant, id);
  if (!e || !key) {
    free(e);
    free(key);
    return;
  }
  e->key = key;
  e->code = json_incref((json_t *)code);
  e->rev = rev;
  e->size = size;
  entry **pp = slot(d, key);
  e->hnext = *pp;
  *pp = e;
  lru_front(d, e);
  d->n++;
  d->bytes += size;
}

void dw__defs_free(dw__defs *d) {
  if (!d) return;
  for (size_t i = 0; i < NBUCKETS; i++)
    while (d->buckets[i]) remove_entry(d, &d->buckets[i]);
  free(d);
}

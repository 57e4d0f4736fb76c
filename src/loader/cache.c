/* The warm-instance cache (by key, least recently used first out, by count and by
 * estimated bytes) and the table of calls in flight (by id). */
#include <string.h>
#include "loader_internal.h"

#define TOMB ((void *)1)

static uint64_t hash_str(const char *s) {
  uint64_t h = 1469598103934665603ull;
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
  return h;
}

static uint64_t hash_u64(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdull;
  x ^= x >> 33;
  return x;
}

/* Grows (or rebuilds without tombstones) an open-addressing table of pointers. */
static int rehash(void ***tab, size_t *tcap, size_t *used, uint64_t (*hash)(const void *)) {
  size_t ncap = *tcap ? *tcap * 2 : 64;
  void **n = calloc(ncap, sizeof *n);
  if (!n) return DW_E_NOMEM;
  size_t live = 0;
  for (size_t i = 0; i < *tcap; i++) {
    void *p = (*tab)[i];
    if (!p || p == TOMB) continue;
    size_t j = hash(p) & (ncap - 1);
    while (n[j]) j = (j + 1) & (ncap - 1);
    n[j] = p;
    live++;
  }
  free(*tab);
  *tab = n;
  *tcap = ncap;
  *used = live;
  return 0;
}

static uint64_t inst_hash(const void *p) { return hash_str(((const instance *)p)->key); }
static uint64_t call_hash(const void *p) { return hash_u64(((const call *)p)->id); }

instance *dw__cache_find(dw_loader *L, const char *key) {
  if (!L->table_cap) return NULL;
  size_t mask = L->table_cap - 1;
  for (size_t j = hash_str(key) & mask;; j = (j + 1) & mask) {
    instance *in = L->table[j];
    if (!in) return NULL;
    if (in != TOMB && strcmp(in->key, key) == 0) return in;
  }
}

static void lru_unlink(dw_loader *L, instance *in) {
  if (in->prev) in->prev->next = in->next;
  else L->lru_head = in->next;
  if (in->next) in->next->prev = in->prev;
  else L->lru_tail = in->prev;
  in->prev = in->next = NULL;
}

static void lru_push(dw_loader *L, instance *in) {
  in->next = L->lru_head;
  in->prev = NULL;
  if (L->lru_head) L->lru_head->prev = in;
  L->lru_head = in;
  if (!L->lru_tail) L->lru_tail = in;
}

int dw__cache_put(dw_loader *L, instance *in) {
  if ((L->table_used + 1) * 2 > L->table_cap &&
      rehash((void ***)&L->table, &L->table_cap, &L->table_used, inst_hash))
    return DW_E_NOMEM;
  size_t mask = L->table_cap - 1;
  size_t j = hash_str(in->key) & mask;
  while (L->table[j] && L->table[j] != TOMB) j = (j + 1) & mask;
  if (!L->table[j]) L->table_used++;
  L->table[j] = in;
  in->cached = true;
  dw__instance_ref(in);
  lru_push(L, in);
  L->ncached++;
  L->cached_bytes += in->bytes;
  return 0;
}

void dw__cache_remove(dw_loader *L, instance *in) {
  if (!in->cached) return;
  size_t mask = L->table_cap - 1;
  for (size_t j = hash_str(in->key) & mask; L->table[j]; j = (j + 1) & mask)
    if (L->table[j] == in) {
      L->table[j] = TOMB;
      break;
    }
  lru_unlink(L, in);
  in->cached = false;
  L->ncached--;
  L->cached_bytes -= in->bytes;
  dw__instance_unref(in);
}

void dw__cache_touch(dw_loader *L, instance *in) {
  if (!in->cached || L->lru_head == in) return;
  lru_unlink(L, in);
  lru_push(L, in);
}

/* Evicts from the cold end while over a cap; instances with calls in flight (or loading)
 * are skipped: they are evicted once idle, at a later eviction. The most recent one stays:
 * it is the one being used (a get() whose worker was just made, its callback not yet asked,
 * no call queued on it yet: evicted, its code had nowhere to go and the call waited for its
 * deadline). */
void dw__cache_evict(dw_loader *L) {
  instance *in = L->lru_tail;
  while (in && in != L->lru_head &&
         (L->ncached > L->cfg.max_instances || L->cached_bytes > L->cfg.max_bytes)) {
    instance *prev = in->prev;
    if (!in->ninflight && !in->loading && !in->wait_head) {
      L->stats.evictions++;
      dw__cache_remove(L, in);
    }
    in = prev;
  }
}

int dw__calls_put(dw_loader *L, call *c) {
  if ((L->calls_used + 1) * 2 > L->calls_cap &&
      rehash((void ***)&L->calls, &L->calls_cap, &L->calls_used, call_hash))
    return DW_E_NOMEM;
  size_t mask = L->calls_cap - 1;
  size_t j = hash_u64(c->id) & mask;
  while (L->calls[j] && L->calls[j] != TOMB) j = (j + 1) & mask;
  if (!L->calls[j]) L->calls_used++;
  L->calls[j] = c;
  return 0;
}

call *dw__calls_find(dw_loader *L, uint64_t id) {
  if (!L->calls_cap) return NULL;
  size_t mask = L->calls_cap - 1;
  for (size_t j = hash_u64(id) & mask;; j = (j + 1) & mask) {
    call *c = L->calls[j];
    if (!c) return NULL;
    if (c != TOMB && c->id == id) return c;
  }
}

void dw__calls_remove(dw_loader *L, call *c) {
  if (!L->calls_cap) return;
  size_t mask = L->calls_cap - 1;
  for (size_t j = hash_u64(c->id) & mask; L->calls[j]; j = (j + 1) & mask)
    if (L->calls[j] == c) {
      L->calls[j] = TOMB;
      return;
    }
}

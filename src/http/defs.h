/* defs: the definitions of registered workers, cached in memory so that a warm invocation
 * costs no database read and no JSON parse. The daemon is the only writer of its data dir
 * (one daemon per data dir, docs/OPERATIONS.md), and every write goes through the HTTP layer,
 * which updates or drops the entry as it writes: so an entry is never stale. Bounded by count
 * and by bytes (the code's JSON size, as the store measures it); the least recently used
 * entries go first. Not thread-safe (the loop). */
#ifndef DW_HTTP_DEFS_H
#define DW_HTTP_DEFS_H

#include <jansson.h>
#include "util/util.h"

typedef struct dw__defs dw__defs;

/* NULL only when out of memory. max_entries/max_bytes 0: 4096 entries / 256 MiB. */
dw__defs *dw__defs_new(size_t max_entries, size_t max_bytes);
void dw__defs_free(dw__defs *d);

/* The cached code (borrowed until the next call into d) and revision, or NULL. */
const json_t *dw__defs_get(dw__defs *d, const char *tenant, const char *id, uint64_t *rev);
/* Caches (a new reference to) code at rev, replacing any entry. An entry over max_bytes on
 * its own is not cached. */
void dw__defs_put(dw__defs *d, const char *tenant, const char *id, const json_t *code,
                  uint64_t rev, size_t size);
void dw__defs_drop(dw__defs *d, const char *tenant, const char *id);

#endif

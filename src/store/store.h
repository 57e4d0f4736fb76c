/* store: registered worker definitions in SQLite (WAL), under the daemon's data dir, so that
 * a restart (or a kill -9) loses nothing that was acknowledged. Used from one thread (the
 * daemon's loop); calls block on the disk (SQLite, synchronous=FULL for acknowledged writes).
 * May depend on: util, sqlite3, jansson. */
#ifndef DW_STORE_H
#define DW_STORE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include "util/util.h"

typedef struct dw__store dw__store;

/* Opens (creating when needed, mode 0700) DIR and DIR/workers.db. 0 and *out, or DW_E_IO
 * with an actionable message in `why` (unwritable dir, disk full, a corrupt database). */
int dw__store_open(const char *dir, dw__store **out, char *why, size_t why_len);
void dw__store_close(dw__store *s);

typedef struct {
  char *tenant, *id;
  json_t *code;        /* the WorkerCode as registered (NULL in dw__store_list) */
  uint64_t rev;        /* bumped by every put: warm instances of an older one are stale */
  uint64_t size;       /* bytes of the code's JSON */
  int64_t created_ms;  /* Unix epoch milliseconds */
  int64_t updated_ms;
  int64_t last_used_ms; /* 0: never invoked */
  uint64_t invocations;
} dw__store_worker;
void dw__store_worker_clear(dw__store_worker *w);

/* Registers or replaces (tenant, id). *created tells which. 0, DW_E_IO (with why), or
 * DW_E_TOO_LARGE (the code is over 80 MiB). */
int dw__store_put(dw__store *s, const char *tenant, const char *id, const json_t *code,
                  bool *created, uint64_t *rev, char *why, size_t why_len);
/* 0 and *out filled (caller clears), DW_E_WORKER_NOT_FOUND, or DW_E_IO. */
int dw__store_get(dw__store *s, const char *tenant, const char *id, dw__store_worker *out,
                  char *why, size_t why_len);
/* 0, DW_E_WORKER_NOT_FOUND or DW_E_IO. */
int dw__store_delete(dw__store *s, const char *tenant, const char *id, char *why, size_t why_len);
/* The tenant's workers (no code), sorted by id, at most `limit` after `after` (NULL: from
 * the start). *out is caller-freed with dw__store_list_free. */
int dw__store_list(dw__store *s, const char *tenant, const char *after, size_t limit,
                   dw__store_worker **out, size_t *n, char *why, size_t why_len);
void dw__store_list_free(dw__store_worker *w, size_t n);
/* Counts one invocation and stamps last_used. Not fsynced one by one (a crash may lose
 * the last counts, never a definition). */
int dw__store_touch(dw__store *s, const char *tenant, const char *id, int64_t now_ms);

#endif

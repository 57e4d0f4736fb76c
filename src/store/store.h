/* store: registered worker definitions in SQLite (WAL), under the daemon's data dir, so that
 * a restart (or a kill -9) loses nothing that was acknowledged. Used from one thread (the
 * daemon's loop); calls block on the disk (SQLite, synchronous=FULL for acknowledged writes).
 * A handle is used by one thread at a time; several handles (even on one dir) may coexist.
 * May depend on: util, sqlite3, jansson. Details: docs/internals/store.md. */
#ifndef DW_STORE_H
#define DW_STORE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include "util/util.h"

/* Caps. A tenant is 1..256 bytes of UTF-8 without ASCII control characters. An id is 1..256
 * bytes of ASCII letters, digits and - _ . : only (it appears in URLs and logs). A violation
 * is DW_E_BAD_REQUEST (the HTTP layer answers 400) with the reason in `why`. */
#define DW__STORE_MAX_NAME 256
/* The code's compact JSON; past it, DW_E_TOO_LARGE. */
#define DW__STORE_MAX_CODE ((size_t)80 << 20)
/* The code's JSON nesting; deeper is DW_E_BAD_REQUEST (what is stored must parse back). */
#define DW__STORE_MAX_DEPTH 1000
/* The most workers one dw__store_list call returns. */
#define DW__STORE_LIST_MAX 1000

typedef struct dw__store dw__store;

/* Opens (creating when needed, mode 0700) DIR and DIR/workers.db. 0 and *out, or DW_E_IO
 * with an actionable message in `why` (unwritable dir, disk full, a corrupt database, a
 * database written by a newer dynworker). Blocks on the disk. */
int dw__store_open(const char *dir, dw__store **out, char *why, size_t why_len);
/* Closes the database (NULL is fine). Everything acknowledged is already on disk. */
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
/* Frees what the worker's fields own and zeroes it (the struct itself is the caller's). */
void dw__store_worker_clear(dw__store_worker *w);

/* Registers or replaces (tenant, id); `code` (borrowed) must be a JSON object. *created tells
 * which; *rev is the new revision, larger than any revision this store handed out before
 * (deleted workers included). A replacement keeps created_ms, last_used_ms and invocations.
 * Returns once the write is durable (fsynced). 0, DW_E_BAD_REQUEST (a bad tenant, id or
 * code), DW_E_TOO_LARGE (the code is over 80 MiB), or DW_E_IO; `why` says which. */
int dw__store_put(dw__store *s, const char *tenant, const char *id, const json_t *code,
                  bool *created, uint64_t *rev, char *why, size_t why_len);
/* 0 and *out filled (caller clears), DW_E_WORKER_NOT_FOUND, DW_E_BAD_REQUEST or DW_E_IO.
 * *out is zeroed on failure. */
int dw__store_get(dw__store *s, const char *tenant, const char *id, dw__store_worker *out,
                  char *why, size_t why_len);
/* Durable once it returns. 0, DW_E_WORKER_NOT_FOUND, DW_E_BAD_REQUEST or DW_E_IO. */
int dw__store_delete(dw__store *s, const char *tenant, const char *id, char *why, size_t why_len);
/* The tenant's workers (no code), sorted by id (bytewise), at most `limit` (1..1000; 0 gives
 * none; more is DW_E_BAD_REQUEST) whose id is greater than `after` (NULL or "": from the
 * start). *out is caller-freed with dw__store_list_free; it may be NULL when *n is 0. */
int dw__store_list(dw__store *s, const char *tenant, const char *after, size_t limit,
                   dw__store_worker **out, size_t *n, char *why, size_t why_len);
void dw__store_list_free(dw__store_worker *w, size_t n);
/* Counts one invocation and stamps last_used (never moving it back). Not fsynced one by one
 * (a crash may lose the last counts, never a definition). 0, DW_E_WORKER_NOT_FOUND,
 * DW_E_BAD_REQUEST or DW_E_IO; the reason is then in dw__store_last_error(). */
int dw__store_touch(dw__store *s, const char *tenant, const char *id, int64_t now_ms);
/* Many touches in one transaction (the daemon batches them: one write a second, not one per
 * request): each adds `count` invocations and stamps last_used. Workers deleted since are
 * skipped. 0 or DW_E_IO (all or nothing); the reason is in dw__store_last_error(). */
typedef struct {
  const char *tenant, *id;
  uint64_t count;
  int64_t last_used_ms;
} dw__store_touch_item;
int dw__store_touch_batch(dw__store *s, const dw__store_touch_item *items, size_t n);
/* The message of the last failed dw__store_touch on this handle ("" if none). Owned by the
 * handle, valid until the next call on it. */
const char *dw__store_last_error(const dw__store *s);

#endif

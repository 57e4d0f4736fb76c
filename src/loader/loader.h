/* loader: the Worker Loader. A worker that holds a loader binding creates dynamic workers
 * (`env.LOADER.get(id, cb)`, `env.LOADER.load(code)`), each a fresh realm in the same VM,
 * calls them over fetch and RPC, and hands them capabilities (docs/LOADER.md).
 * Depends on: sandbox, engine, modules, util. */
#ifndef DW_LOADER_H
#define DW_LOADER_H

#include "dynworker.h"
#include "net/net.h"

typedef struct dw_loader dw_loader;

typedef struct {
  const char *name;    /* env.NAME */
  const dw_code *code; /* the worker behind it (borrowed; must outlive the run) */
} dw__loader_service;

typedef struct {
  const char *const *loaders; /* names of loader bindings put in the root's env */
  size_t nloaders;
  const dw__loader_service *services; /* worker bindings (--service NAME=FILE) */
  size_t nservices;
  size_t max_instances; /* warm instances kept (LRU); 0: 1000 */
  size_t max_bytes;     /* their estimated memory; 0: 256 MiB */
  uint32_t child_cpu_ms, child_wall_ms; /* a dynamic worker's default limits; 0: 50, 30000 */
  /* The root worker's egress (and that of workers that inherit it: globalOutbound omitted);
   * borrowed, must outlive the loader. NULL: fetch() at the root has no network
   * (docs/EGRESS.md). */
  const dw__net_policy *outbound;
  /* The daemon's executors: bindings and egress answered by the host (the supervisor), not
   * in this process (NULL: none). Borrowed; must outlive the loader. */
  const struct dw__loader_remote *remote;
} dw__loader_config;

typedef struct {
  uint64_t live;      /* instances alive (cached, loaded with load(), in flight) */
  uint64_t cached;    /* warm instances in the cache */
  uint64_t bytes;     /* their estimated memory */
  uint64_t hits, misses, evictions, created, calls;
  uint64_t unroots; /* times an idle load() worker was left to its handles (caps.c) */
  uint64_t cycles_freed;  /* workers freed as part of a cycle nothing else reached (cycles.c) */
  uint64_t cycles_visits; /* ... and the workers, capabilities and slots it looked at */
} dw__loader_stats;

/* ---- Remote bindings and egress, and concurrent host calls (the daemon's executors) ---- */

/* An egress request of a host-made worker, handed to the host (remote.egress). */
typedef struct egress dw__egress_req;

/* What a host that answers from elsewhere provides. Both callbacks run on the loader's
 * thread with worker JS on the stack: they must only record the request (send it on) and
 * must not call into the loader. `tag` and `key` say which host-made worker the request
 * comes from (dw__loader_start's tag, and its id or NULL); nested dynamic workers report
 * the host-made worker they descend from. */
typedef struct dw__loader_remote {
  void *user;
  /* A call of a descriptor binding: an env value {"$http": ...} or {"$worker": ...} of a
   * host-made worker (desc_json is that object). Complete it exactly once with
   * dw_binding_return / dw_binding_throw, from any thread. */
  void (*desc_call)(void *user, uint64_t tag, const char *key, const char *desc_json,
                    const char *method, const char *args_json, dw_binding_call *call);
  /* The worker's fetch() left it (a host-made worker started with egress on): complete it
   * exactly once with dw__egress_complete, from any thread. `req` is borrowed for the call. */
  void (*egress)(void *user, uint64_t tag, const char *key, const dw__net_request *req,
                 dw__egress_req *e);
  /* Called at every iteration of the loop while dw__loader_pump runs, at a safe point (no
   * JS on the stack): the host may start and finish calls and forget workers here, without
   * leaving the pump. May be NULL. */
  void (*tick)(void *user);
  /* When >= 0, an idle pump waits on this descriptor (readable: work for tick) instead of a
   * condition variable: a host that reads its channel on the loop's thread needs no thread
   * of its own. Completions from other threads then still wake the pump within 10 ms. */
  int wait_fd;
} dw__loader_remote;

/* Completes a remote egress request: err 0 and the response (copied), or a dw_err and a
 * message the worker's fetch() rejects with. Thread-safe. */
void dw__egress_complete(dw__egress_req *e, int err, const char *message,
                         const dw__net_response *res);

/* A host call in flight (dw__loader_start). */
typedef struct call dw__hcall;

typedef struct {
  const dw_worker_ref *ref; /* the worker, as for dw_loader_call */
  uint64_t tag;             /* given back to the remote callbacks of its worker */
  bool egress;              /* a new worker's fetch() goes to remote.egress (else: refused) */
  uint32_t subrequests;     /* a new worker's subrequest limit (0: none); its CPU and wall
                               limits are ref->limits' */
  /* What is called: with `convention`, the calling convention of dw_sandbox_run (a fetch
   * handler gets `req` or a default GET; a default-exported function gets args_json's
   * arguments or (env); else the module is only evaluated); otherwise `method` ("fetch":
   * with `req`) of ref->entrypoint with args_json. */
  bool convention;
  const char *method;
  const char *args_json;    /* a JSON array; NULL: none */
  const dw_request *req;
  const char *props_json;   /* ctx.props of the entrypoint called (a JSON object), or NULL */
} dw__host_call;

/* Starts a host call without waiting: `done(user, c)` is called once, on the loader's
 * thread, inside dw__loader_pump (it must only record that c is done); then the host calls
 * dw__loader_finish outside the pump. Returns 0 and *out, or a negative dw_err (then done
 * is never called). */
int dw__loader_start(dw_loader *L, const dw__host_call *hc, void (*done)(void *user, dw__hcall *c),
                     void *user, dw__hcall **out);
/* The result of a done call (as dw_loader_call's), and frees the call. When headers_json is
 * not NULL it receives a fetch response's headers as a JSON object (caller frees; NULL when
 * there is no response). Outside the pump, or from remote.tick. */
int dw__loader_finish(dw_loader *L, dw__hcall *c, dw_result **out, char **headers_json);
/* Runs the loader's loop until stop(user) is true (checked at every iteration, and when
 * dw__loader_wake is called). Returns 0, or a dw_err when the VM cannot go on (its heap
 * is over the cap with nothing left to evict): every call in flight has then failed. */
int dw__loader_pump(dw_loader *L, bool (*stop)(void *user), void *user);
/* Makes a waiting pump look at its stop predicate. Thread-safe. */
void dw__loader_wake(dw_loader *L);
/* Whether a worker with this id is warm (cached) here. */
bool dw__loader_warm(dw_loader *L, const char *id);
/* Drops the warm worker with this id from the cache (calls in flight finish). */
void dw__loader_forget(dw_loader *L, const char *id);

/* A loader with its own VM and loop (dw__loader_run does new, run_root, free). */
int dw__loader_new(const dw__loader_config *cfg, const dw_sandbox_options *opts,
                   dw_log_cb log, void *log_user, dw_loader **out);
void dw__loader_free(dw_loader *L);
void dw__loader_stats_get(const dw_loader *L, dw__loader_stats *st);
/* Runs `code` as the loader's root worker (once per loader). Blocks. */
int dw__loader_run_root(dw_loader *L, const dw_sandbox_options *opts, const dw_code *code,
                        const dw_invocation *inv, dw_result **out);

/* Runs `code` as the root worker of a loader (a VM of its own; `opts` as for
 * dw_sandbox_new) with `cfg`'s bindings, and returns its result as dw_sandbox_run does.
 * `log` receives the console lines of every worker (children's prefixed with their id).
 * Blocks. */
int dw__loader_run(const dw__loader_config *cfg, const dw_sandbox_options *opts,
                   const dw_code *code, const dw_invocation *inv, dw_log_cb log, void *log_user,
                   dw_result **out, dw__loader_stats *stats);

#endif

/* supervisor: starts and watches executor processes and routes invocations to them
 * (docs/ARCHITECTURE.md, "The daemon"). Runs on one libevent loop, never creates a VM and
 * never runs guest code: it holds what executors must not (secrets, the network, the
 * database's answers) and performs every outbound request and binding call for them.
 *
 * Routing: executors form groups, one group per tenant (tenants never share a process);
 * an invocation of a registered worker goes to the executor chosen by a hash of its id (its
 * warm instance lives there), spilling over to the least loaded one when that one is full;
 * one-shot runs go to the least loaded. Each group has a bounded queue; past it an
 * invocation fails at once with DW_E_OVERLOADED.
 *
 * Deadlines: each invocation has a hard deadline (its wall limit plus a grace). An executor
 * that holds an invocation past it, or whose RSS passes the ceiling, or that sends a
 * malformed frame, is killed and respawned: the guilty invocation ends with the limit's
 * error, the others it held with DW_E_EXECUTOR_LOST (retriable), and the guilty worker id is
 * refused (DW_E_OVERLOADED, with a retry delay) for the quarantine period. Past the RSS
 * ceiling the guilty one is known only when the executor held a single invocation (it gets
 * DW_E_MEMORY_LIMIT and its id is quarantined); otherwise every one gets executor_lost.
 *
 * Limits (when the WorkerCode has none): a registered worker gets cpuMs 1000, wallMs 30000,
 * a one-shot run those of `dynworker run` (cpuMs 1000, wallMs 10000); memoryMb: memory_mb; subRequests 10000 (src/supervisor/sup_internal.h).
 *
 * Threads: everything runs on the loop's thread; callbacks are called from the loop. A done
 * callback may call dw__sup_invoke, _abandon, _forget, _drain and _stats_get, never
 * dw__sup_free. May depend on: ipc (dw_ipc, src/executor/ipc.h), net, util, libevent,
 * jansson; never on the engine. */
#ifndef DW_SUPERVISOR_H
#define DW_SUPERVISOR_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include "util/util.h"

struct event_base;
typedef struct dw__sup dw__sup;
/* A binding call handed to the host (config.host_call), answered with dw__sup_reply. */
typedef struct dw__sup_call dw__sup_call;
/* Answers a host call: a result (borrowed JSON value; NULL: null) when error is NULL, else
 * the error message the worker's promise rejects with. On the loop's thread. */
void dw__sup_reply(dw__sup_call *call, const json_t *result, const char *error);

/* What the supervisor is told about each finished invocation (tails, metrics). Borrowed for
 * the duration of the callback. */
typedef struct {
  const char *tenant;
  const char *worker_id;  /* NULL for a one-shot run */
  const char *kind;       /* "run", "fetch", "rpc" */
  const char *outcome;    /* "ok", "exception", "exceededCpu", "exceededMemory",
                             "exceededWallTime", "executorLost", "overloaded", "canceled" */
  int err;                /* 0 or the dw_err */
  const json_t *logs;     /* [{level, message, ts}] (may be NULL) */
  const json_t *exceptions; /* [{name, message, stack}] (may be NULL) */
  double cpu_ms, wall_ms; /* as the executor measured them */
  double latency_ms;      /* from dw__sup_invoke to the answer (queueing included) */
} dw__sup_event;

typedef struct {
  struct event_base *base; /* borrowed; the loop everything runs on */
  const char *exe;         /* the dynworker binary; executors run `exe __executor` */
  unsigned executors;      /* per tenant group; 0: the number of online CPUs */
  unsigned max_groups;     /* tenant groups alive at once; 0: 16 (idle ones are retired) */
  unsigned max_inflight;   /* invocations an executor holds at once; 0: 64 */
  unsigned queue_max;      /* invocations waiting per group; 0: 1024 */
  uint32_t memory_mb;      /* each executor's VM heap; 0: 512 */
  uint32_t rss_mb;         /* an executor past this RSS is killed; 0: 2 x memory_mb + 256 */
  uint32_t grace_ms;       /* hard deadline = wall limit + this; 0: 2000 */
  uint32_t quarantine_ms;  /* a guilty worker id is refused this long; 0: 10000 */
  uint32_t max_workers;    /* warm workers per executor (its loader's LRU); 0: 1000 */
  /* Looks up a registered worker for a $worker binding: 0 and a new reference to its
   * WorkerCode, its revision; or DW_E_WORKER_NOT_FOUND. Called on the loop. */
  int (*resolve)(void *user, const char *tenant, const char *id, json_t **code, uint64_t *rev);
  void *resolve_user;
  void (*on_event)(void *user, const dw__sup_event *ev); /* may be NULL */
  void *event_user;
  /* Calls of descriptor bindings the supervisor does not answer itself: an env value
   * {"$host": {...}} of a WorkerCode (Code Mode's tool namespaces). `desc` is the
   * {"$host": ...} object, `inv_user` the invocation's dw__sup_invocation.host_user. Answer
   * exactly once, now or later on the loop, with dw__sup_reply. NULL: such calls fail. */
  void (*host_call)(void *user, void *inv_user, const json_t *desc, const char *method,
                    const json_t *args, dw__sup_call *call);
  void *host_user;
  bool contain_relaxed; /* tests only: let an executor start when a required step fails */
  uint32_t hello_ms;    /* an executor that has not said HELLO by then is killed; 0: 10000 */
} dw__sup_config;

typedef enum { DW_SUP_RUN = 0, DW_SUP_FETCH = 1, DW_SUP_RPC = 2 } dw__sup_kind;

/* One invocation; everything is borrowed for the duration of dw__sup_invoke (copied). */
typedef struct {
  dw__sup_kind kind;
  const char *tenant;       /* NULL: "default" */
  const char *worker_id;    /* a registered worker (kept warm under id + rev); NULL: one-shot */
  uint64_t rev;             /* its revision: a new one is a new warm instance */
  const json_t *code;       /* the WorkerCode, checked with dw__workercode_check */
  const char *entrypoint;   /* RPC: an exported class, or NULL/"default": the default export */
  const char *method;       /* RPC: the method */
  const json_t *args;       /* RPC: the arguments (an array); RUN: optional arguments of a
                               default-exported function (NULL: called with (env)) */
  /* FETCH, and RUN with a request: */
  bool has_request;
  const char *req_method;   /* NULL: GET */
  const char *req_url;      /* absolute; NULL: http://localhost/ */
  const json_t *req_headers; /* [[name, value]...] or NULL */
  const void *req_body;
  size_t req_body_len;
  /* Added for $worker bindings (zero for callers of the HTTP API): */
  const json_t *props;      /* RPC: ctx.props of the entrypoint (an object), or NULL */
  uint32_t depth;           /* nesting of $worker calls; past DW__SUP_MAX_DEPTH (8): refused */
  void *host_user;          /* given to config.host_call for this invocation's $host calls */
} dw__sup_invocation;

/* The answer; borrowed for the duration of the done callback. */
typedef struct {
  int err;                /* 0, or the dw_err: the worker's failure (a limit, an exception),
                             or the supervisor's (DW_E_EXECUTOR_LOST, DW_E_OVERLOADED, ...) */
  const json_t *result;   /* the result object {ok,result,response,logs,error,cpuMs,wallMs};
                             always set */
  bool has_response;      /* a fetch handler answered: */
  int status;
  const json_t *headers;  /* [[name, value]...] */
  const void *body;
  size_t body_len;
  uint32_t retry_after_s; /* DW_E_OVERLOADED / DW_E_EXECUTOR_LOST: when to retry */
} dw__sup_outcome;

typedef void (*dw__sup_done)(void *user, const dw__sup_outcome *o);

/* Starts the supervisor and its first executors (of the "default" tenant). 0 and *out, or
 * a negative dw_err with a message in `why`. Sets SIGPIPE to ignored when it has the default
 * disposition (a write to a dead executor must not end the process). */
int dw__sup_new(const dw__sup_config *cfg, dw__sup **out, char *why, size_t why_len);
/* Kills every executor (SIGKILL; reaps them, which does not take long) and frees
 * everything; pending done callbacks are not called. NULL is a no-op. */
void dw__sup_free(dw__sup *s);

/* Queues an invocation. Returns 0 and sets *id (may be NULL): `done` is called exactly once,
 * later, from the loop (never from inside this call), also for the refusals that carry a
 * retry delay: the group's queue is full, the worker id is quarantined, every tenant group
 * is busy (DW_E_OVERLOADED), or the invocation waited in the queue past its hard deadline.
 * Or returns a negative dw_err and never calls `done` (bad input: DW_E_BAD_REQUEST;
 * draining: DW_E_OVERLOADED; DW_E_NOMEM). The code is not checked here: callers check it
 * with dw__workercode_check first. */
int dw__sup_invoke(dw__sup *s, const dw__sup_invocation *inv, dw__sup_done done, void *user,
                   uint64_t *id);
/* The caller is gone (its client disconnected): `done` will not be called. The executor
 * still finishes the invocation. Unknown ids are ignored. */
void dw__sup_abandon(dw__sup *s, uint64_t id);
/* A registered worker was replaced or deleted: its warm instances are dropped. */
void dw__sup_forget(dw__sup *s, const char *tenant, const char *worker_id);

/* Stops taking invocations (dw__sup_invoke fails with DW_E_OVERLOADED) and calls `drained`
 * once every invocation in flight has been answered, or when `grace_ms` passes (those left
 * are answered with DW_E_EXECUTOR_LOST first). Executors are then stopped. */
void dw__sup_drain(dw__sup *s, uint32_t grace_ms, void (*drained)(void *user), void *user);

typedef struct {
  uint64_t executors_live;
  uint64_t executor_restarts; /* respawns after a death or a kill */
  uint64_t executor_kills;    /* killed by the supervisor (deadline, memory, bad frame) */
  uint64_t inflight;          /* invocations held by executors */
  uint64_t queued;            /* waiting for a slot */
  uint64_t quarantined;       /* worker ids refused right now */
  uint64_t groups;            /* tenant groups alive */
  uint64_t rss_bytes;         /* executors' resident memory, summed */
  uint64_t warm_workers;      /* warm workers in executors, as they last reported */
  uint64_t egress_requests, binding_calls;
} dw__sup_stats;
void dw__sup_stats_get(const dw__sup *s, dw__sup_stats *out);

/* JSON text of v (json_dumps flags) with its numbers as short as they can be while still
 * reading back as the same double: jansson prints reals with %.17g (8.364 becomes
 * 8.3640000000000008), so the precision used is the largest any real in v needs. Caller
 * frees; NULL when out of memory. */
char *dw__json_dumps(const json_t *v, size_t flags);

/* Checks a WorkerCode as the HTTP API and Code Mode accept it (the loader issue's rules;
 * compatibilityDate optional; env values may be $http/$worker/$loader descriptors;
 * globalOutbound null, {"allow","inject"}, or a $http/$worker gateway; limits positive
 * integers up to cpuMs 60000, wallMs 300000, memoryMb 4096, subRequests 100000; data and
 * wasm modules as base64 strings; code up to 64 MiB, env up to 1 MiB serialised; unknown
 * fields refused). 0, or DW_E_BAD_REQUEST / DW_E_TOO_LARGE with a message naming the field
 * in `why` ("modules['a.js']: ...", "limits.cpuMs: must be a positive integer"). Does not
 * block. docs/internals/supervisor.md, "WorkerCode". */
int dw__workercode_check(const json_t *code, char *why, size_t why_len);

#endif

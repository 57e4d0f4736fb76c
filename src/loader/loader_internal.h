/* The loader's layout, shared by its files only (docs/LOADER.md, docs/internals/loader.md).
 *
 * Every realm of a loader is an `instance`: the root worker of a run, and each dynamic
 * worker. Capabilities (`cap`) are C records; a realm refers to one only by its number in
 * that realm's own table (instance.caps), which loader.js keeps in a closure. A call
 * (`call`) carries its arguments as structured-clone bytes plus the capabilities they
 * contain, runs as a job in the target's realm, and its outcome comes back as a job in the
 * caller's realm. No JS value ever crosses realms (a handle's key holds another realm's
 * anchor for the collector only, in a private property no JS can reach; caps.c). */
#ifndef DW_LOADER_INTERNAL_H
#define DW_LOADER_INTERNAL_H

#include <jansson.h>
#include <pthread.h>
#include "engine/clone.h"
#include "loader/loader.h"
#include "sandbox/sandbox.h"

typedef struct instance instance;
typedef struct cap cap;
typedef struct call call;
typedef struct egress egress;

/* Kinds; the same numbers are in loader.js (KIND_*). */
enum { CAP_WORKER = 0, CAP_ENTRY = 1, CAP_LOADER = 2, CAP_BINDING = 3 };

typedef struct {
  uint32_t cpu_ms, wall_ms, memory_mb, subrequests; /* 0: not set */
} limits4;

struct cap {
  int refs;
  int gc_refs; /* cycles.c's scratch: refs from outside the gathered slots */
  uint64_t gc_epoch;
  bool gc_live;
  int kind;
  dw_loader *L;
  /* CAP_WORKER and CAP_ENTRY: which worker. Either a cache key (get(): the instance is
   * looked up, and made again through the callback when it is not warm) or an instance. */
  char *key;
  instance *inst;  /* ref held */
  instance *owner; /* get(): the realm holding the callback (ref held) */
  uint32_t wid;    /* get(): the stub's number in owner's realm */
  /* CAP_ENTRY */
  char *entry; /* NULL: the default export */
  void *props; /* structured clone (no capabilities) or NULL */
  size_t props_len;
  limits4 limits;
  /* CAP_LOADER: the namespace its get() ids live in */
  char *ns;
  /* CAP_BINDING: the host binding's index in the loader, or -1 with desc set: a
   * descriptor binding answered by remote.desc_call for the host-made worker `from_tag`,
   * `from_key` */
  int binding;
  char *desc, *from_key;
  uint64_t from_tag;
};

enum { I_CODE, I_LOADING, I_READY, I_FAILED, I_DEAD };
enum { OUT_INHERIT, OUT_NONE, OUT_CAP };

struct instance {
  dw_loader *L;
  int refs;
  int gc_refs; /* cycles.c's scratch: refs from outside the gathered slots and parents */
  uint64_t gc_epoch;
  bool gc_live;
  instance *cand_prev, *cand_next; /* the loader's candidates for cycle collection ... */
  bool cand_queued;
  bool cand_parked; /* ... or those waiting for the budget (cycles.c) */
  size_t cand_need;
  bool freeing;     /* instance_free is running: queued nowhere again */
  int state;
  char *key; /* cache key, or NULL */
  bool cached;
  instance *prev, *next; /* LRU, most recent first */
  instance *all_next, *all_prev; /* every instance of the loader */
  instance *reap_next;   /* in the loader's queue of instances that may be freeable */
  bool reap_queued;
  char *label;           /* for messages: the id, "load()", "root", a service name */
  uint64_t serial;       /* unique in the loader (part of the cache keys it makes) */
  bool is_root;
  bool is_service; /* a --service binding: put in the root's env under its label */

  dw_code *code;
  dw_sandbox *sb;
  dw_val api; /* loader.js in this realm (protected while rooted), made on first need */
  /* Unrooting (caps.c): an idle load() worker whose every reference is a capability handle
   * of a realm in its VM lets the collector free its realm with the last of them, in the
   * same collection (a worker kept by C references survived into the old generation). */
  dw_val anchor;            /* its realm's roots in one array (protected while rooted) */
  bool unrooted;            /* nothing of its realm is protected: only handles keep it */
  struct tracked *anchors;  /* handles that refer to it (tracked.tnext) */
  instance *unroot_next;    /* the loader's queue of instances to try unrooting */
  bool unroot_queued;
  cap **caps; /* this realm's capabilities by number */
  struct tracked **handles; /* ... and the tracked handle of each, or NULL (caps.c) */
  uint32_t ncaps, capcap;

  call *wait_head, *wait_tail; /* calls waiting for it to be ready */
  call *inflight;              /* calls it is running (doubly linked) */
  size_t ninflight;
  bool loading;
  bool creating; /* its realm is being made (a host job holds it) */
  bool providing; /* native_provide is reading a get() callback's WorkerCode for it */
  bool api_making; /* dw__realm_api is evaluating loader.js in its realm */
  bool own_vm;      /* its sandbox has a VM of its own, capped at limits.memory_mb */
  bool over_memory; /* that VM's heap was over the cap at a reply: the entry's end fails it */
  size_t entry_rss; /* the process's RSS when its current entry began (own VM only) */
  uint64_t load_cpu0, load_deadline;
  limits4 limits;
  uint32_t subreq_used;
  int outbound;
  cap *outbound_cap;
  instance *parent; /* whose egress OUT_INHERIT inherits (ref held) */

  void *env; /* structured clone until init */
  size_t env_len;
  cap **env_caps;
  size_t nenv_caps;
  size_t bytes; /* what it counts against the cache's memory cap */
  cap **tails;          /* entrypoints told about each invocation (WorkerCode.tails) */
  size_t ntails;
  dw_buf tail_logs;     /* console lines since the last tail event (JSON items) */
  size_t tail_nlogs;
  char *env_json;       /* a host-made worker's env, until init */
  int *bindings;        /* ... and the host bindings added to it */
  size_t nbindings;
  char *fail_name, *fail_msg, *fail_stack, *fail_code;
  /* A host-made worker of dw__loader_start: */
  uint64_t host_tag;
  bool host_egress;  /* its fetch() goes to remote.egress */
  char *host_id;     /* its id, or NULL */
  char **desc_names, **descs; /* env values that are descriptors ($http, $worker, $loader) */
  size_t ndescs;
};

enum { C_WAIT, C_SENT, C_DONE };

struct call {
  uint64_t id;
  dw_loader *L;
  instance *from; /* the caller (ref held), or NULL for the host */
  dw_val resolve, reject; /* in from's realm, protected */
  instance *to;           /* the target (ref held) */
  cap *via;               /* the capability called (ref held) */
  char *method;
  void *args; /* structured clone of the argument array */
  size_t args_len;
  cap **caps; /* capabilities inside args (refs held) */
  size_t ncaps;
  uint64_t cpu0, deadline, started;
  uint32_t cpu_ms;
  int state;
  bool invoke_queued; /* its invoke job is queued in the target's realm */
  bool waiting;       /* in its target's queue of calls waiting for it to load */
  bool orphan;        /* settled and released while that job was queued */
  bool ok;
  void *res; /* structured clone of the value, or of an error descriptor */
  size_t res_len;
  cap **rcaps;
  size_t nrcaps;
  int err; /* a limit or failure the loader itself reports (with err_*) */
  char *err_name, *err_msg, *err_stack;
  call *next; /* waiting list */
  call *iprev, *inext;
  /* A call made by the host (C API): told when done. Its arguments and value are JSON. */
  void (*done)(void *user, call *c);
  void *done_user;
  char *args_json;
  char *res_json; /* a value as JSON: a host call's result, or a binding's answer */
  int status;     /* a host fetch's response: */
  char *headers_json;
  void *body;
  size_t body_len;
  bool has_body;
  uint64_t cpu_used;
  /* A call of a host binding: */
  int binding;           /* -1: not one */
  bool in_callback;      /* completed while the binding's callback runs */
  bool host_completed;   /* dw_binding_return/throw was called */
  bool convention;       /* a host call by the calling convention (dw__host_call) */
  bool capture_logs;     /* a host call of dw__loader_start: its target's console lines */
  char *props_json;      /* ... and the props it gives the entrypoint (JSON), or NULL */
  dw_buf logs;           /* ... as "logs" items */
  size_t nlogs;
  call *host_next;       /* in the loader's queue of completed binding calls */
};

typedef struct {
  char *name;
  dw_binding_fn fn;
  void *user;
} host_binding;

struct dw_loader {
  dw__vm *vm;
  bool own_vm;
  uint32_t vm_memory_mb;
  dw__loop *loop;
  dw__loader_config cfg;
  dw_sandbox_options child_opts;
  instance *all;
  instance *reap_head; /* instances to look at in dw__instances_reap */
  instance *lru_head, *lru_tail;
  size_t ncached, cached_bytes;
  size_t nown_vms; /* instances with a VM of their own (WorkerCode.limits.memoryMb) */
  size_t own_collect_at; /* ... at which number the loader's VM is collected (dw__own_vms_tick) */
  uint64_t gc_epoch;     /* cycles.c: one per collection */
  instance *cand_head;   /* ... the candidates (a count fell, left the cache, ...) */
  instance *parked_head; /* ... those whose graph needs more than the budget held */
  size_t parked_min;     /* ... and the least of what they need */
  size_t cycles_budget;  /* ... and the visits they have earned */
  uintptr_t *gc_nodes, *gc_stack; /* ... and its buffers, kept */
  size_t gc_nodes_cap, gc_stack_cap;
  instance **table; /* cache by key: open addressing, tombstones */
  size_t table_cap, table_used;
  call **calls; /* calls by id: open addressing */
  size_t calls_cap, calls_used;
  uint64_t next_call;
  uint64_t next_serial;
  uint64_t next_deadline;
  dw__loader_stats stats;
  instance *root;
  dw_log_cb log;
  void *log_user;
  host_binding *bindings;
  size_t nbindings;
  pthread_mutex_t host_mu; /* guards the two fields below (binding calls complete on any thread) */
  pthread_cond_t host_cv;
  call *host_done;         /* binding calls completed asynchronously, not yet settled */
  egress *egress_done;     /* remote egress requests completed, not yet settled */
  bool woken;              /* dw__loader_wake since the pump last looked */
  struct tracked *tracked;  /* capabilities to release when their JS object is collected */
  instance *unroot_head;    /* instances that went idle: dw__unroot_drain tries them */
  uint64_t tracked_gcs;     /* the VM's collections when they were last looked at */
  uint64_t tracked_scan_at; /* ... and when they are looked at anyway (caps.c) */
  int in_binding;           /* a binding callback is running */
  bool host_running;        /* dw_loader_call/fetch is running the loop */
  bool pumping;             /* dw__loader_pump is running it: idle means waiting for work */
  size_t host_pending;     /* binding calls not yet completed */
  dw__net *net;   /* the root's egress (cfg.outbound set), or NULL: no network */
  egress *egress; /* requests in flight on net */
  size_t negress;
  size_t nremote; /* of them, handed to the host (remote.egress) */
};

/* cache.c */
instance *dw__cache_find(dw_loader *L, const char *key);
int dw__cache_put(dw_loader *L, instance *in);
void dw__cache_remove(dw_loader *L, instance *in);
void dw__cache_touch(dw_loader *L, instance *in);
void dw__cache_evict(dw_loader *L);
int dw__calls_put(dw_loader *L, call *c);
call *dw__calls_find(dw_loader *L, uint64_t id);
void dw__calls_remove(dw_loader *L, call *c);

/* caps.c */
cap *dw__cap_new(dw_loader *L, int kind);
void dw__cap_ref(cap *k);
void dw__cap_unref(cap *k);
/* Adds k (ref taken) to in's table; returns its number, or -1 when the table is full. */
int64_t dw__realm_add_cap(instance *in, cap *k);
cap *dw__realm_cap(instance *in, double id);
/* loader.js of in's realm, made on first need; NULL with *exc set. */
dw_val dw__realm_api(instance *in, dw_val *exc);
/* The capability object for k in in's realm (a new number each time). */
dw_val dw__realm_cap_object(instance *in, cap *k, dw_val *exc);
/* Structured clone with capabilities: write in `in`'s realm, collecting caps (refs). */
int dw__realm_write(instance *in, dw_val v, dw_buf *out, cap ***caps, size_t *ncaps, dw_val *exc);
dw_val dw__realm_read(instance *in, const void *p, size_t n, cap **caps, size_t ncaps, dw_val *exc);
void dw__caps_free(cap **caps, size_t n);
/* Drops the capabilities whose JS objects the collector freed (a safe point). */
void dw__releases_drain(dw_loader *L);
/* Forgets what instance `in` tracks (all instances: NULL), before its realm or VM goes. */
void dw__tracked_drop(dw_loader *L, const instance *in);
/* Unrooting (caps.c). dw__anchor_made: in's realm exists; its roots go in an anchor that the
 * handles referring to it hold. dw__unroot_queue: in went idle; dw__unroot_drain (at a loop
 * tick, no JS on the stack) unroots the queued ones that qualify. dw__instance_reroot: a
 * reference to in is being taken (only while something alive refers to it). */
void dw__anchor_made(instance *in);
void dw__unroot_queue(instance *in);
void dw__unroot_drain(dw_loader *L);
void dw__instance_reroot(instance *in);

/* cycles.c */
/* `in` may have become garbage held only by a cycle (its count fell but not to zero, it left
 * the cache, it stopped loading): the next collection looks at what it reaches. */
void dw__cycles_candidate(instance *in);
/* Forgets in as a candidate (before it is freed). */
void dw__cycles_forget(instance *in);
/* Finds the workers the candidates reach that only refer to each other (a worker holding a
 * loopback to itself, parent and child holding each other) and nothing else reaches, fails
 * them and drops their references, so dw__instances_reap frees them. A safe point. Returns
 * how many. dw__cycles_collect: whatever it costs (memory pressure); dw__cycles_tick: within
 * the work the candidates have earned, else later. */
size_t dw__cycles_collect(dw_loader *L);
void dw__cycles_tick(dw_loader *L);

/* instance.c */
instance *dw__instance_new(dw_loader *L, const char *key, const char *label);
void dw__instance_ref(instance *in);
void dw__instance_unref(instance *in);
/* Builds its sandbox and starts loading. Takes `code`. 0 or a dw_err (then FAILED). */
int dw__instance_start(instance *in, dw_code *code);
/* Ends it: every call it has or awaits fails with err; it leaves the cache. */
void dw__instance_fail(instance *in, int err, const char *name, const char *msg,
                       const char *stack, const char *code);
/* Counts one subrequest of `in` (a call through a capability, a binding call, a fetch()):
 * true, or false with a message in msg when it is over its `subRequests` limit. */
bool dw__subrequest_take(instance *in, char *msg, size_t n);
void dw__instance_after(void *user, dw_sandbox *sb, uint64_t cpu_ns, int terminated);
void dw__instance_budget(void *user, dw_sandbox *sb, dw__budget *b);
/* Whether `in` is made in a VM of its own: its memoryMb is set and below the cap of the
 * loader's VM (which would hold it anyway). */
bool dw__instance_wants_own_vm(const instance *in);
extern const dw__sandbox_hooks dw__instance_hooks;
/* At the loop's tick, before releases are drained: collects the loader's VM when the
 * workers with a VM of their own have doubled since the last time (their weight is not in
 * that heap, so its collector alone would let their load() stubs, and the VMs behind them,
 * pile up). */
void dw__own_vms_tick(dw_loader *L);
/* Frees dead instances nothing refers to (a safe point: no JS on the stack). */
void dw__instances_reap(dw_loader *L);
/* Drops the capabilities `in` holds (its table, env, tails, globalOutbound), not its parent:
 * a worker that is ending (its JS runs no more). */
void dw__instance_drop_slots(instance *in);
/* Frees every instance, whatever refers to it (the end of a run; calls freed first). */
void dw__instances_free_all(dw_loader *L);
/* A new WorkerCode from loader.js's normalised spec (in in's realm): code, env clone, limits,
 * egress. NULL with *exc set (a TypeError naming the field). */
instance *dw__instance_from_spec(instance *parent, dw_val spec, const char *key,
                                 const char *label, instance *fill, dw_val *exc);

/* call.c */
/* Starts a call of `method` through capability k from realm `from` with args (an array of
 * from's realm) and the caller's resolve/reject. NULL with *exc set when it cannot start. */
call *dw__call_start(instance *from, cap *k, const char *method, dw_val args, dw_val resolve,
                     dw_val reject, dw_val *exc);
/* Hands a waiting call to its (now ready or failed) instance. */
void dw__call_dispatch(call *c);
/* The call is over: its outcome goes back to the caller (a job in its realm). */
void dw__call_finish(call *c);
void dw__call_free(call *c);
/* Fails a call with an error (a limit, a worker that failed to load or was lost). */
void dw__call_fail(call *c, int err, const char *name, const char *msg, const char *stack);
void dw__call_reply(instance *in, double token, bool ok, dw_val value);
/* Tells the worker's tails how an invocation ended (outcome "ok", "exception",
 * "exceededCpu", "exceededMemory", "exceededWallTime"). */
void dw__tail_report(instance *in, const call *c, const char *outcome, const char *exc_name,
                     const char *exc_msg);
/* Expires calls past their wall deadline; returns the next deadline. */
uint64_t dw__calls_expire(dw_loader *L, uint64_t now);
/* Frees every call without settling it (the end of a run). */
void dw__calls_free_all(dw_loader *L);

/* host.c */
/* Starts a call of a host binding (k is CAP_BINDING) with args of from's realm. */
void dw__call_binding(call *c, dw_val args, dw_val *exc);
/* Settles binding calls completed on other threads (a safe point). */
void dw__host_drain(dw_loader *L);
/* Waits up to ns for a binding call to complete. */
void dw__host_wait(dw_loader *L, uint64_t ns);
/* Whether an env value is a descriptor binding ({"$http"}, {"$worker"}, {"$loader"}). */
bool dw__is_descriptor(const json_t *v);
/* An env of a host-made worker: env_json plus its bindings, in its realm. */
dw_val dw__host_env(instance *in, dw_val *exc);

/* egress.c */
/* The outbound hook of every instance: the worker's fetch() through its globalOutbound
 * chain; at the root, the loader's network policy. Returns a promise, or NULL with *exc. */
dw_val dw__instance_outbound(void *user, dw_sandbox *sb, dw_val request, dw_val *exc);
/* Loop hooks: requests in flight; wait in the network for up to ns (sleeps when idle). */
bool dw__egress_busy(dw_loader *L);
void dw__egress_wait(dw_loader *L, uint64_t ns);
/* A safe point: cancels the requests of callers that died, moves transfers on. */
void dw__egress_tick(dw_loader *L);
/* The end of a run (after the loop is freed, before the instances): frees the net and
 * every request left, without callbacks. */
void dw__egress_free_all(dw_loader *L);

#endif

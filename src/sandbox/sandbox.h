/* sandbox: what the layers above (the loader) may use besides the public dw_sandbox API.
 *
 * A loop (dw__loop) runs the realms of one VM on one thread (and of sandboxes attached to it
 * with a VM of their own, each entry on its sandbox's VM): a queue of jobs, each run as
 * one VM entry under the budget of the sandbox it enters, and the timers of every sandbox
 * attached to it. Nothing runs two entries at once, and no entry is nested in another: a
 * realm talks to another only by posting a job, so each entry has exactly one budget and a
 * realm that overruns it is the only one stopped.
 *
 * An instance sandbox (dw__sandbox_new_in) serves many invocations (dw__sandbox_invoke)
 * after one dw__sandbox_init; the root sandbox of dw_sandbox_run serves its one invocation
 * and, when a loader is attached, invocations from the realms it created. */
#ifndef DW_SANDBOX_SANDBOX_H
#define DW_SANDBOX_SANDBOX_H

#include "dynworker.h"
#include "engine/engine.h"

typedef struct dw__loop dw__loop;

/* What the owner of a loop (the loader) adds to it. All optional. */
typedef struct {
  void *user;
  /* The earliest dw__now_ns() at which tick must run (UINT64_MAX: none). */
  uint64_t (*next_due)(void *user);
  /* Runs at a safe point of every loop iteration (no JS on the stack): expire deadlines,
   * free what died. */
  void (*tick)(void *user, uint64_t now);
  /* External work in flight (network, host calls) that will post jobs later. */
  bool (*busy)(void *user);
  /* Waits up to `ns` for external work; NULL: sleep. */
  void (*wait)(void *user, uint64_t ns);
  /* The VM's heap is over its cap after a collection: free what can be freed (idle cached
   * workers). Returns true when something was freed (the heap is then checked again). */
  bool (*pressure)(void *user);
} dw__loop_hooks;

/* A loop for realms of `vm`. NULL when out of memory. */
dw__loop *dw__loop_new(dw__vm *vm);
/* Frees a loop; jobs still queued are called with cancelled = true. */
void dw__loop_free(dw__loop *l);
void dw__loop_set_hooks(dw__loop *l, const dw__loop_hooks *h);

/* Runs the loop without a root worker (a host driving calls itself) until done(user) is
 * true, `deadline` (dw__now_ns) passes (DW_E_WALL_LIMIT) or nothing is left that could make
 * progress (DW_E_NEVER_SETTLED); the VM's heap is held to memory_cap bytes between entries.
 * The VM must be active (dw__vm_begin). */
int dw__loop_run_until(dw__loop *l, dw_sandbox *root, bool (*done)(void *user), void *user,
                       uint64_t deadline, size_t memory_cap);

/* A job: called once, in a VM entry of `sb` under its budget, or with cancelled = true
 * (outside any entry: only free `user`) when sb died or the loop is freed first. */
typedef void (*dw__job_fn)(void *user, dw_sandbox *sb, bool cancelled);
/* Queues a job (FIFO). Returns 0 or DW_E_NOMEM (the job is then not queued). */
int dw__loop_post(dw__loop *l, dw_sandbox *sb, dw__job_fn fn, void *user);
/* Queues host work (sb is NULL in the call): making realms, which no guest's budget pays
 * for. It runs between entries, under a budget of its own. */
int dw__loop_post_host(dw__loop *l, dw__job_fn fn, void *user);

/* What an instance's owner is told and asked. Every callback runs inside an entry of `sb`
 * (JS on the stack) unless said otherwise; none may free `sb`. */
typedef struct {
  void *user;
  /* The budget of the next entry into sb (NULL: the sandbox's own limits, counted over all
   * its entries since the invocation started). */
  void (*budget)(void *user, dw_sandbox *sb, dw__budget *b);
  /* After each entry (outside it): CPU it used and the limit that ended it (0: none). */
  void (*after)(void *user, dw_sandbox *sb, uint64_t cpu_ns, int terminated);
  /* dw__sandbox_init finished: ok, or the error (a JS value of sb's realm). */
  void (*ready)(void *user, dw_sandbox *sb, bool ok, dw_val err);
  /* An invocation finished: its value, or an error descriptor {name, message, stack, code}. */
  void (*reply)(void *user, dw_sandbox *sb, double token, bool ok, dw_val value);
  /* The worker's fetch(request): `request` is {method, url, headers: [[k, v]...], body:
   * ArrayBuffer|null}. Returns a promise of {status, statusText, headers, body}, or NULL
   * with *exc set (NULL hook: fetch() rejects with a TypeError: no network). */
  dw_val (*outbound)(void *user, dw_sandbox *sb, dw_val request, dw_val *exc);
  /* Lets the owner add to a starting invocation: called with the env object and the main
   * module's namespace; returns the object for ctx.exports (NULL: an empty one). */
  dw_val (*extend)(void *user, dw_sandbox *sb, dw_val env, dw_val ns, dw_val *exc);
} dw__sandbox_hooks;

/* A sandbox in realm of `vm` (not owned), attached to `loop`, with `hooks` (copied).
 * `vm_memory_mb` is the heap cap of that VM. With `vm` NULL the sandbox makes a VM of its
 * own (freed with it) whose cap is opts->limits.memory_mb; the loop then runs its entries
 * on that VM, which the caller must make active (dw__vm_begin) before the first job, and
 * whose heap the loop does not check (the caller does, between entries). Returns 0 or a
 * negative dw_err. */
int dw__sandbox_new_in(dw__vm *vm, uint32_t vm_memory_mb, const dw_sandbox_options *opts,
                       dw__loop *loop, const dw__sandbox_hooks *hooks, dw_sandbox **out);
/* Attaches a sandbox made by dw_sandbox_new (before dw_sandbox_run) to `loop` with `hooks`. */
void dw__sandbox_attach(dw_sandbox *sb, dw__loop *loop, const dw__sandbox_hooks *hooks);
dw__ctx *dw__sandbox_ctx(dw_sandbox *sb);
dw__vm *dw__sandbox_vm(dw_sandbox *sb);
uint32_t dw__sandbox_vm_memory_mb(const dw_sandbox *sb);
const dw_sandbox_options *dw__sandbox_opts(const dw_sandbox *sb);
/* The realm's Web API loader function load(name) (borrowed; alive as long as sb). */
dw_val dw__sandbox_load_fn(dw_sandbox *sb);
/* The Web API loader of the realm: load("Request")... NULL with *exc set. */
dw_val dw__sandbox_api(dw_sandbox *sb, const char *name, dw_val *exc);
/* The arguments of a binding call (a JS array of sb's realm) as JSON text (owned), made by
 * the engine's JSON.stringify captured when the realm was made; NULL with *exc set when a
 * value is not JSON (a function, a symbol, a BigInt, NaN, an infinity: a TypeError naming its
 * place), a structure is cyclic, or a getter or toJSON throws. Runs guest code (getters). */
char *dw__sandbox_args_json(dw_sandbox *sb, dw_val args, dw_val *exc);

/* Inside a job: loads `code` (borrowed; must outlive sb) with `env` (a value of sb's
 * realm); hooks.ready is called when the main module has been evaluated. */
void dw__sandbox_init(dw_sandbox *sb, const dw_code *code, dw_val env);
/* Inside a job, after ready: invokes method `method` ("fetch" for a fetch handler) of
 * entrypoint `entry` (NULL: the default export) with `args` (an array of sb's realm) and
 * `props`; hooks.reply(token, ...) follows exactly once unless sb dies first. `method`
 * NULL: dw_sandbox_run's calling convention with args [request|null, arguments|null]; the
 * value is {kind: "response", status, statusText, headers, body} | {kind: "value", value}
 * | {kind: "module"}. */
void dw__sandbox_invoke(dw_sandbox *sb, double token, const char *entry, const char *method,
                        dw_val args, dw_val props);
/* Marks sb dead (outside its entries, or from `after`): its queued jobs are cancelled and
 * its timers dropped. The owner frees it once dw__sandbox_jobs(sb) is 0. */
void dw__sandbox_kill(dw_sandbox *sb);
bool dw__sandbox_dead(const dw_sandbox *sb);
/* Unrooting an idle sandbox (no jobs, timers or queued handler; not dead): its realm and
 * the values the sandbox keeps stop being roots of the collector (engine: dw__ctx_unroot),
 * so the realm lives only as long as an object of another realm refers to what
 * dw__sandbox_roots put in `out` (its global and those values, at most DW__SANDBOX_ROOTS).
 * Returns false (nothing done) when not idle. While unrooted, nothing may enter or touch the
 * realm; dw__sandbox_reroot, called only while the caller knows the realm alive, undoes it.
 * dw_sandbox_free of an unrooted sandbox frees only the C side. */
#define DW__SANDBOX_ROOTS 4
size_t dw__sandbox_roots(dw_sandbox *sb, dw_val out[DW__SANDBOX_ROOTS]);
bool dw__sandbox_unroot(dw_sandbox *sb);
void dw__sandbox_reroot(dw_sandbox *sb);
bool dw__sandbox_unrooted(const dw_sandbox *sb);
/* Console lines of sb are not kept for a result (a long-lived instance would grow them);
 * they still reach the log callback. */
void dw__sandbox_set_log(dw_sandbox *sb, dw_log_cb cb, void *user, bool keep);
/* Jobs still queued for sb. */
size_t dw__sandbox_jobs(const dw_sandbox *sb);
/* CPU nanoseconds sb's entries used so far. */
uint64_t dw__sandbox_cpu_ns(const dw_sandbox *sb);

/* A request as the JSON object the runtime reads: {"method","url","headers":[[k,v]...],
 * "body"?}. Caller frees; NULL when out of memory or over 256 MiB. */
char *dw__request_json(const dw_request *r);

/* The parts of a result made without a sandbox run (a host's call into a worker). */
typedef struct {
  int err; /* 0 or a dw_err; then name, message, stack */
  const char *name, *message, *stack;
  const char *value_json;   /* a method's result */
  bool has_body;            /* a fetch handler's response: */
  int status;
  const char *headers_json; /* a JSON object */
  const void *body;
  size_t body_len;
  double cpu_ms, wall_ms;
  const char *logs_json;    /* the items of "logs" (JSON objects joined by commas), or NULL */
} dw__result_parts;
/* A failed result without running anything (sb may be NULL). */
int dw__result_fail(dw_result **out, int err, const char *name, const char *msg, dw_sandbox *sb);
/* Makes a result from its parts. 0 or DW_E_NOMEM/DW_E_TOO_LARGE (then *out is NULL). */
int dw__result_make(const dw__result_parts *p, dw_result **out);

#endif

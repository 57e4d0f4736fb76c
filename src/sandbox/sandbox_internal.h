/* The sandbox's layout, shared by its files only. */
#ifndef DW_SANDBOX_INTERNAL_H
#define DW_SANDBOX_INTERNAL_H

#include "engine/engine.h"
#include "modules/modules.h"
#include "modules/transform.h"
#include "webapi/webapi.h"
#include "sandbox.h"

#define DW__LOGS_MAX_BYTES ((size_t)1 << 20) /* JSON of the logs kept in a result */
#define DW__LOGS_MAX_LINES 10000
#define DW__TIMERS_MAX 10000

typedef struct {
  double id;
  uint64_t due;      /* dw__now_ns() */
  uint64_t interval; /* 0: one-shot */
  dw_val fn;         /* protected while scheduled */
} dw__timer;

struct dw_engine {
  dw__vm *vm;
  uint32_t memory_mb; /* the VM's heap cap, shared by its sandboxes */
};

struct dw_sandbox {
  dw__vm *vm;
  dw__loop *loop; /* the loop its entries run on (owned by dw_sandbox_run when private) */
  dw__sandbox_hooks hooks;
  size_t njobs;     /* jobs queued for it */
  bool dead;        /* killed: no more entries */
  bool attached;    /* in loop->sbs */
  uint64_t cpu_ns;  /* CPU of all its entries */
  uint64_t entry_cpu0;
  bool own_vm;
  uint32_t vm_memory_mb; /* the heap cap that applies: the sandbox's own, or its engine's */
  dw__ctx *c;
  dw_sandbox_options opts;
  char *env_json;
  dw_log_cb log_cb;
  void *log_user;
  dw__webapi_host host;
  dw_val load;    /* webapi loader (protected) */
  dw_val runtime; /* runtime.js api (protected): an array, RT_* below */
  dw_val args_json_fn; /* runtime.bindingArgs (protected), for dw__sandbox_args_json */
  dw_val then;    /* the handler's call that runtime.run() returned (protected while queued) */

  dw__timer *timers;
  size_t ntimers, timers_cap;
  double next_timer_id;

  /* the invocation */
  bool used;
  const dw_code *code;
  uint64_t wall_deadline;
  bool settled, ok, drain;
  char *outcome_json; /* from runtime.js: {kind,...} or {code,name,message,stack} */
  char *value_json;   /* the value returned by a default-exported function */
  void *body;
  size_t body_len;
  bool has_body;
  dw_buf logs; /* JSON array items, comma-separated */
  size_t nlogs;
  bool logs_truncated;
  bool logs_off; /* lines go to log_cb only */
  double cpu_ms, wall_ms;
};

dw__vm *dw__engine_vm(dw_engine *e);

/* loop.c: attaches/detaches sb's timers to/from its loop. */
int dw__loop_attach(dw__loop *l, dw_sandbox *sb);
void dw__loop_detach(dw__loop *l, dw_sandbox *sb);
/* Calls sb's queued jobs with cancelled = true and drops them. */
void dw__loop_cancel(dw__loop *l, dw_sandbox *sb);
/* Runs the loop until `root` settles (and, for a plain module, its timers are done), a
 * limit of root's ends it, or nothing is left that could settle it. Returns 0, the limit,
 * or DW_E_NEVER_SETTLED. */
int dw__loop_run(dw__loop *l, dw_sandbox *root);
/* One VM entry into sb: budget in force, then out. `enter` returns false when sb's budget
 * is already spent (the entry must not happen). */
bool dw__entry_enter(dw_sandbox *sb);
int dw__entry_leave(dw_sandbox *sb);
void dw__sandbox_host_init(dw_sandbox *sb);
/* What runtime.js's factory returns, an array (a record with names cost each realm a chain of
 * shapes): the same order as its last line. */
enum { RT_RUN, RT_INIT, RT_INVOKE, RT_TIMER_ERROR, RT_BINDING_ARGS, RT_COUNT };

/* host.compile(name) for the linker: {kind, fn, prefix, main} or {kind, value}; NULL with
 * *exc set. `main`: the main module, which runtime.js may run without the linker (a simple
 * one then comes as a plain function: compile.c). */
dw_val dw__sandbox_compile(dw_sandbox *sb, const char *name, bool main, dw_val *exc);
/* runtime.js's native wasmBytes(source) (compile.c): a scanned private copy of a module's
 * bytes, the reason it is refused (a string), or undefined for a value it cannot read. */
dw_val dw__sandbox_wasm_bytes(dw__ctx *c, void *data, size_t argc, const dw_val *argv,
                              dw_val *exc);

void dw__timers_clear(dw_sandbox *sb);
uint64_t dw__timers_next_due(dw_sandbox *sb);
void dw__timers_fire_one(dw_sandbox *sb);

/* Builds *out from the settled state and `limit` (0 or the error that ended the run). */
int dw__result_build(dw_sandbox *sb, int limit, dw_result **out);


#endif

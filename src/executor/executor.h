/* executor: processes that host sandboxes. For now, one contained child per invocation
 * (what `dynworker run` uses); the daemon's long-lived executors build on the same parts. */
#ifndef DW_EXECUTOR_H
#define DW_EXECUTOR_H

#include "util/util.h"
#include "loader/loader.h"

typedef struct {
  dw_sandbox_options opts;     /* opts.allow_wasm is forced on: the process stops wasm */
  const dw_code *code;
  const dw_invocation *inv;
  uint32_t grace_ms;           /* past a limit before the child ends itself; 0: 50 */
  /* When set, the worker runs as the root of a Worker Loader with these bindings (its
   * dynamic workers share its VM and the process; each has its own CPU budget, so the
   * process-level CPU backstop becomes the wall-clock one). */
  const dw__loader_config *loader;
  /* Each console line as it arrives (may be NULL). */
  void (*on_log)(void *user, const char *level, const char *msg, size_t len);
  void *user;
  /* Tests only: containment steps to treat as refused by the kernel (see contain.h). */
  unsigned contain_simulate_refused;
} dw__contained_job;

typedef struct {
  int err;          /* 0 or the dw_err of the outcome */
  char *json;       /* the result object (see dw_result_json) */
  char *value_json; /* a default-exported function's result, or NULL */
  void *body;       /* a fetch handler's response body */
  size_t body_len;
  bool has_body;
} dw__contained_result;

/* Runs one invocation in a child process (forked: call it before this process has created
 * any VM) and waits for it. The child enforces the limits in-process and, for what the
 * engine cannot stop, ends itself at the limit plus the grace; the parent kills it at the
 * wall limit plus 2 s. Always fills *out (synthesising the result when the child was lost),
 * except on DW_E_IO when no child could be started. Returns out->err. Blocks. */
int dw__contained_run(const dw__contained_job *job, dw__contained_result *out);
void dw__contained_result_free(dw__contained_result *r);

/* The daemon's executor process (`dynworker __executor`, started by the supervisor with its
 * channel as fd 3, docs/internals/ipc.md): contains itself, says HELLO, then serves INVOKE
 * frames until STOP or EOF. Returns the process exit status. Blocks. (Declared here for
 * src/cli/main.c; implemented with the executor's daemon side.) */
int dw__executor_main(void);

#endif

/* mcp/codemode: Code Mode: one `code` tool over the tools of upstream MCP servers. Builds the
 * tool's description (instruction + the TypeScript API, or names + search/describe when the API
 * is over the token budget), turns the model's code into a WorkerCode run through a runner
 * (the supervisor), answers the code's tool calls (schema check, approval, forwarding to the
 * upstream) and formats the answer. Config keys: docs/CODE-MODE.md.
 * Threads: one libevent loop; everything here runs on it. */
#ifndef DW_MCP_CODEMODE_H
#define DW_MCP_CODEMODE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include "supervisor/supervisor.h"

struct event_base;
typedef struct dw__cm dw__cm;

typedef struct {
  uint32_t wall_ms;          /* wallMs, default 60000 */
  uint32_t cpu_ms;           /* cpuMs, default 30000 */
  uint32_t memory_mb;        /* memoryMb: each executor's heap, default 256 */
  uint32_t max_tool_calls;   /* maxToolCalls, default 100 */
  size_t max_output_bytes;   /* maxOutputBytes, default 65536 */
  size_t token_budget;       /* tokenBudget, default 4000 */
  uint32_t tool_timeout_ms;  /* toolTimeoutMs: one tool call, default 60000 */
  uint32_t connect_timeout_ms; /* connectTimeoutMs: an upstream's set-up answers, default 10000 */
  unsigned executors;        /* executors, default 1 */
  json_t *approval;          /* approval: ["server.tool", ...] (owned; may be NULL) */
} dw__cm_config;

/* Parses the "codeMode" object of a config file (NULL: the defaults) into `out` (free with
 * dw__cm_config_free). Unknown keys and wrong types are DW_E_BAD_REQUEST with `why`. */
int dw__cm_config_parse(const json_t *code_mode, dw__cm_config *out, char *why, size_t why_len);
void dw__cm_config_free(dw__cm_config *c);

/* How the code is run: the supervisor in `dynworker mcp`, a fake in unit tests. */
typedef struct {
  int (*invoke)(void *self, const dw__sup_invocation *inv, dw__sup_done done, void *user,
                uint64_t *id);
  void (*abandon)(void *self, uint64_t id);
  void (*reply)(dw__sup_call *call, const json_t *result, const char *error);
  void *self;
} dw__cm_runner;

/* Asks the MCP client to approve (elicitation/create). Returns 0 and later calls done exactly
 * once (accepted or not, with a reason when not), or a negative dw_err with `why` (the client
 * did not declare the elicitation capability) and never calls done. */
typedef void (*dw__cm_elicit_done)(void *user, bool accepted, const char *reason);
typedef int (*dw__cm_elicit_fn)(void *self, const char *message, dw__cm_elicit_done done,
                                void *user, char *why, size_t why_len);

/* Code Mode over the servers of a config file's root object ({"mcpServers", "codeMode"}).
 * Connects every upstream (blocking: each set-up is bounded by connectTimeoutMs); one that
 * fails is kept as unreachable (said in the description; retried on use). Returns 0;
 * DW_E_BAD_REQUEST (config) with `why`; DW_E_NOMEM. */
int dw__cm_new(struct event_base *base, const json_t *root, const dw__cm_runner *runner,
               dw__cm **out, char *why, size_t why_len);
/* Ends every run (abandoned at the runner) and upstream. Pending done callbacks are not called. */
void dw__cm_free(dw__cm *cm);
const dw__cm_config *dw__cm_cfg(const dw__cm *cm);

/* The `tools` array of tools/list (new reference). */
json_t *dw__cm_tools(dw__cm *cm);
/* The `code` tool's description alone (owned by cm). */
const char *dw__cm_description(dw__cm *cm);

/* The answer of a tools/call: the CallToolResult object (borrowed for the callback). */
typedef void (*dw__cm_done)(void *user, const json_t *call_result);
/* Who makes a call (all borrowed for the duration of dw__cm_call; may be NULL: nobody). */
typedef struct {
  const char *tenant;        /* the runner's tenant for the run (NULL: "default") */
  dw__cm_elicit_fn elicit;   /* asks this client for approval (NULL: nobody can be asked, such
                                calls reject) */
  void *elicit_self;
} dw__cm_caller;

/* Runs the `code` tool with its `arguments` ({"code": string, "language"?: string}) for
 * `caller`. Returns 0 and calls done later exactly once (not after dw__cm_cancel), or
 * DW_E_BAD_REQUEST (arguments) with `why` and never calls done. */
int dw__cm_call(dw__cm *cm, const json_t *arguments, const dw__cm_caller *caller,
                dw__cm_done done, void *user, uint64_t *id, char *why, size_t why_len);
/* The client cancelled (notifications/cancelled): done will not be called. */
void dw__cm_cancel(dw__cm *cm, uint64_t id);

/* The runner's host_call: a tool call (or search/describe) of the code (dw__sup_config's
 * host_call, `user` = the dw__cm). */
void dw__cm_host_call(void *user, void *inv_user, const json_t *desc, const char *method,
                      const json_t *args, dw__sup_call *call);

/* Pure helpers, exposed for tests. */
/* Rewrites a stack of the wrapped module to the model's lines: frames on line 1 inside the
 * wrapper's prefix are dropped, columns on line 1 shifted, wrapper names renamed. */
char *dw__cm_clean_stack(const char *stack, const char *module, size_t prefix_len);
/* The answer object {result, logs, error} cut to max bytes of JSON ("[output truncated: N of
 * M bytes]" in place of what was cut). New reference. */
json_t *dw__cm_answer(const json_t *result, const json_t *logs, const json_t *error, size_t max);
/* A tools/call result of an upstream -> the value the code gets: structuredContent, else the
 * text content parsed as JSON, else the text; *error (owned) when isError. New reference. */
json_t *dw__cm_tool_value(const json_t *call_result, char **error);

#endif

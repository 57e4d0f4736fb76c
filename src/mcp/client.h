/* mcp/client: a minimal MCP client for stdio servers: spawn the server, `initialize`, then
 * `tools/list` (all pages), then stop it. Everything the server sends is untrusted: every read
 * has a deadline, lines and counts are capped, and a misbehaving server is an error with a
 * message, never a crash or a hang. POSIX only. */
#ifndef DW_MCP_CLIENT_H
#define DW_MCP_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>
#include "util/util.h"

#define DW__MCP_PROTOCOL_VERSION "2025-06-18"
#define DW__MCP_MAX_LINE (16u << 20)    /* bytes of one JSON-RPC message from the server */
#define DW__MCP_MAX_PAGES 100           /* tools/list pages */
#define DW__MCP_MAX_ARGS 1024           /* argv entries of a server command */
#define DW__MCP_MAX_ENV 1024            /* env entries given for a server */
#define DW__MCP_MAX_SKIPPED 10000       /* notifications/requests ignored while waiting */
#define DW__MCP_DEFAULT_TIMEOUT_MS 10000

/* How to start a stdio server. All borrowed. */
typedef struct {
  const char *command;       /* run through PATH (execvp) */
  const char *const *args;   /* argv[1..]; may be NULL when n_args is 0 */
  size_t n_args;
  const json_t *env;         /* object of string values merged over a minimal environment
                              * (PATH, HOME, USER, LOGNAME, SHELL, TERM, LANG, TMPDIR from ours);
                              * may be NULL */
  int timeout_ms;            /* deadline of each response; <= 0: DW__MCP_DEFAULT_TIMEOUT_MS */
  bool quiet;                /* the server's stderr goes to /dev/null instead of ours */
} dw__mcp_stdio;

/* One tool from tools/list. Owned by its list. */
typedef struct {
  char *name;
  char *description;     /* NULL when absent */
  json_t *input_schema;  /* a reference, NULL when absent */
  json_t *output_schema; /* a reference, NULL when absent */
} dw__mcp_tool;

typedef struct {
  dw__mcp_tool *tools;
  size_t n_tools;
  char *server_name;     /* serverInfo.name from initialize, NULL when absent */
  char *instructions;    /* NULL when absent */
} dw__mcp_tools;

/* Starts the server of `spec`, initializes a session, lists all its tools into `out` (which
 * the caller frees with dw__mcp_tools_free, also on error), then closes its stdin, gives it a
 * moment to exit, kills it (SIGKILL) if it has not, and reaps it. Blocks for at most about
 * (2 + pages) * timeout. Returns 0; DW_E_IO (the server could not be started, exited, or did
 * not answer in time), DW_E_BAD_RESULT (malformed JSON, a JSON-RPC error, a result of the
 * wrong shape), DW_E_TOO_LARGE (a line, page or tool count over its cap), DW_E_BAD_REQUEST
 * (spec) or DW_E_NOMEM; `why` then says what happened. The caller must ignore SIGPIPE (a
 * server that exits early would otherwise kill it on the next write). */
int dw__mcp_list_tools(const dw__mcp_stdio *spec, dw__mcp_tools *out, char *why,
                       size_t why_len);

/* A server left running by dw__mcp_open, for an event loop to drive: its process (the
 * leader of its own process group), our ends of its stdin (non-blocking) and stdout, and the
 * last request id used. */
typedef struct {
  int pid;
  int in_fd, out_fd;
  long next_id;
} dw__mcp_proc;

/* As dw__mcp_list_tools, but leaves the server running on success: fills `proc` and appends
 * to `leftover` the bytes it already read past the tools/list answer. On error the server is
 * stopped (and `tools` must still be freed). Blocks as dw__mcp_list_tools. */
int dw__mcp_open(const dw__mcp_stdio *spec, dw__mcp_tools *tools, dw__mcp_proc *proc,
                 dw_buf *leftover, char *why, size_t why_len);

/* Stops a server from dw__mcp_open: kills its process group, reaps it, closes the fds. With
 * `note` (the server is believed dead: its stdout closed), waits up to 250 ms for it to exit
 * and says how ("exited with status 3", "was killed by signal 9", "closed its stdout");
 * without, closes its stdin and gives it 100 ms first. Blocks briefly. */
void dw__mcp_proc_stop(dw__mcp_proc *p, char *note, size_t n);

/* Frees what dw__mcp_list_tools put in `l` and zeroes it. NULL-safe. */
void dw__mcp_tools_free(dw__mcp_tools *l);

#endif

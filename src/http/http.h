/* http: the daemon's HTTP API (/v1/..., /healthz, /metrics) on libevent's evhttp, as
 * docs/openapi.yaml describes it. One route table (routes.h) drives the dispatcher; every
 * reply goes through one function, so every error is {"error": {"code", "message"}} with
 * the status of the one error table, and every reply is counted.
 *
 * The layer owns its supervisor: dw__http_new creates it (filling in the store-backed
 * resolver of $worker bindings and the event hook that feeds tails and metrics) and
 * dw__http_free frees it. The store is borrowed.
 *
 * With a Code Mode config (mcp_config), it also serves Code Mode at /mcp over Streamable HTTP
 * (src/mcp's sessions, run on this supervisor: its host_call hook is Code Mode's).
 *
 * Threads: everything runs on the loop's thread. No process-global state: two servers in
 * one process work (the unit tests run several).
 * May depend on: mcp, supervisor, store, util, libevent, jansson. */
#ifndef DW_HTTP_H
#define DW_HTTP_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include "store/store.h"
#include "mcp/codemode.h"
#include "supervisor/supervisor.h"
#include "util/util.h"

struct event_base;
typedef struct dw__http dw__http;

/* A bearer token, and the tenant it is bound to (NULL: the request names its tenant). */
typedef struct {
  const char *token;
  const char *tenant;
} dw__http_token;

typedef struct {
  struct event_base *base; /* borrowed */
  dw__store *store;        /* borrowed */
  dw__sup_config sup;      /* base, resolve, on_event and host_call are filled in by dw__http_new */
  const dw__http_token *tokens; /* copied; none: /v1 needs no Authorization */
  size_t ntokens;
  size_t max_body_bytes;   /* 0: 64 MiB + 1 MiB (a WorkerCode of 64 MiB plus its JSON) */
  size_t max_header_bytes; /* 0: 64 KiB */
  unsigned timeout_s;      /* a connection idle, or slow to send, this long is closed; 0: 30 */
  unsigned max_concurrent; /* requests being handled at once; 0: 1024; past it 503 */
  unsigned request_s;      /* a request's head and body must arrive within this of its first
                              byte, else 408 and close (slowloris); 0: 60 */
  unsigned max_connections; /* open connections; 0: 4096; past it 503 and close */
  unsigned retry_after_s;  /* Retry-After of our own 503s; 0: 1 */
  unsigned tail_max_subscribers; /* per worker; 0: 8 */
  size_t tail_max_backlog; /* bytes queued for one tail subscriber before it is dropped; 0: 1 MiB */
  unsigned tail_keepalive_ms; /* 0: 15000 */
  json_t *default_limits;  /* {cpuMs, wallMs, memoryMb, subRequests}: filled into a WorkerCode's
                              missing limits; borrowed (a new reference is taken); may be NULL */
  const json_t *mcp_config; /* Code Mode's config ({"mcpServers", "codeMode"}; borrowed, only
                               during dw__http_new); NULL: /mcp answers 404 */
  unsigned mcp_max_sessions; /* MCP sessions at once; 0: 64 */
  unsigned mcp_idle_s;       /* a session unused this long ends; 0: 1800 */
  size_t mcp_max_body_bytes; /* one POSTed MCP message; 0: 4 MiB */
} dw__http_config;

/* Creates the server and its supervisor (which starts executors), and Code Mode when
 * mcp_config is set (blocks while it connects its upstreams; a config error is
 * DW_E_BAD_REQUEST). 0 and *out, or a negative dw_err with a message in `why`. Does not
 * listen yet. */
int dw__http_new(const dw__http_config *cfg, dw__http **out, char *why, size_t why_len);

/* Listens on host:port (port 0: any free one; *bound gets the port, may be NULL). 0 or
 * DW_E_IO with `why`. */
int dw__http_listen(dw__http *h, const char *host, uint16_t port, uint16_t *bound, char *why,
                    size_t why_len);

/* Starts draining: closes the listeners, answers new requests on open connections with 503
 * overloaded, ends tails, drains the supervisor (dw__sup_drain with grace_ms) and calls
 * `drained` from the loop once every request in flight has been answered. Once only. */
void dw__http_drain(dw__http *h, uint32_t grace_ms, void (*drained)(void *user), void *user);

/* Frees everything (the supervisor too). Open connections are closed; call it from outside
 * any of the server's callbacks (after the loop returned). */
void dw__http_free(dw__http *h);

/* The route table as text, one "METHOD PATTERN" a line (tests compare it with the OpenAPI
 * file). Static storage. */
const char *dw__http_routes_text(void);

#endif

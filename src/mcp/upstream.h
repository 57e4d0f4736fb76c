/* mcp/upstream: one upstream MCP server that Code Mode keeps connected, driven by a libevent
 * loop: a stdio server (spawned; restarted on the next use after it dies) or a Streamable
 * HTTP one ({"url"}: JSON-RPC POSTed, JSON or SSE answers, Mcp-Session-Id). Requests carry
 * ids and deadlines; everything the server sends is untrusted and capped (client.h's caps).
 * Threads: one loop's thread. */
#ifndef DW_MCP_UPSTREAM_H
#define DW_MCP_UPSTREAM_H

#include <jansson.h>
#include <stdint.h>
#include "mcp/client.h"

struct event_base;
typedef struct dw__up dw__up;

#define DW__UP_MAX_PENDING 1024      /* requests in flight per upstream */
#define DW__UP_MAX_QUEUED (64u << 20) /* bytes waiting to be written to a stdio server */

/* The answer to a request: err 0 and the JSON-RPC `result` (borrowed for the callback), or a
 * negative dw_err and a message naming the upstream. Called exactly once per started request
 * (never after dw__up_cancel or dw__up_free), from the loop (never from inside dw__up_call).
 * The callback may start and cancel requests; it must not free the upstream. */
typedef void (*dw__up_done)(void *user, int err, const char *message, const json_t *result);

/* An upstream named `name` from its mcpServers `entry` ({"command","args","env"} or
 * {"url","headers"}); nothing is started yet. `timeout_ms` is the deadline of the set-up
 * answers (initialize, tools/list); <= 0: DW__MCP_DEFAULT_TIMEOUT_MS. Returns 0, or
 * DW_E_BAD_REQUEST with `why` (a malformed entry), DW_E_NOMEM. */
int dw__up_new(struct event_base *base, const char *name, const json_t *entry, int timeout_ms,
               dw__up **out, char *why, size_t why_len);
/* Stops the server (kills a stdio one's process group) and frees everything; pending
 * callbacks are not called. NULL-safe. Not from inside one of its callbacks. */
void dw__up_free(dw__up *u);

/* Connects (spawns and initializes; lists the tools). Blocks for at most about 3 x the set-up
 * timeout. Returns 0, or a negative dw_err with `why`; the upstream is then "unreachable"
 * (dw__up_status) and the next dw__up_call tries again. */
int dw__up_connect(dw__up *u, char *why, size_t why_len);

/* The tools it listed at its last successful connect (empty before one). Borrowed. */
const dw__mcp_tools *dw__up_tools(const dw__up *u);
/* NULL when connected, else why it is not ("exited with status 1", "cannot run 'x': ...").
 * Borrowed until the next call into the upstream. */
const char *dw__up_status(const dw__up *u);
const char *dw__up_name(const dw__up *u);

/* Sends request `method` with `params` (borrowed; NULL: none). A stdio upstream that died is
 * restarted first (blocking, as dw__up_connect). Returns 0 and sets *id (may be NULL): `cb` is
 * called later; or a negative dw_err with `why` and `cb` is never called (unreachable:
 * DW_E_IO; too many pending: DW_E_OVERLOADED; DW_E_NOMEM). */
int dw__up_call(dw__up *u, const char *method, const json_t *params, uint32_t timeout_ms,
                dw__up_done cb, void *user, uint64_t *id, char *why, size_t why_len);
/* Forgets a request (its callback will not be called) and tells the server
 * (notifications/cancelled). Unknown ids are ignored. */
void dw__up_cancel(dw__up *u, uint64_t id);

#endif

/* mcp/server: the MCP server side of Code Mode. A session (session.c) is the protocol apart
 * from any transport: JSON-RPC 2.0 (MCP 2025-06-18; 2025-03-26 and 2024-11-05 negotiated too),
 * methods initialize, ping, tools/list, tools/call (the `code` tool of a dw__cm), notifications
 * initialized and cancelled; it sends elicitation/create to the client for tools that need
 * approval. The stdio transport (server.c) frames it as newline-delimited JSON on a libevent
 * loop; the Streamable HTTP one is src/http/mcp.c. Everything the client sends is untrusted:
 * one message is at most DW__MCP_MAX_LINE bytes, batches are refused (2025-06-18 removed them),
 * output waiting for a slow client is capped. Threads: the loop's. */
#ifndef DW_MCP_SERVER_H
#define DW_MCP_SERVER_H

#include <jansson.h>
#include "mcp/codemode.h"

#define DW__MCP_MAX_OUTPUT_QUEUE ((size_t)256 << 20) /* bytes waiting for the client */
#define DW__MCP_MAX_CALLS 256                      /* tools/call in flight */

typedef struct dw__mcp_server dw__mcp_server;
typedef struct dw__mcp_session dw__mcp_session;

/* A server reading requests from `in_fd` and writing to `out_fd` (both made non-blocking;
 * not closed by the server). `on_close(user)` is called once, from the loop, when the client
 * closes its end (EOF) or the connection fails: free the server after that, not inside it...
 * (the callback may break the loop; freeing is done after the loop returns). */
int dw__mcp_server_new(struct event_base *base, dw__cm *cm, int in_fd, int out_fd,
                       void (*on_close)(void *user), void *user, dw__mcp_server **out);
/* Stops reading and writing; pending elicitations are answered "not accepted". Not from
 * inside one of its callbacks. */
void dw__mcp_server_free(dw__mcp_server *s);

typedef enum {
  DW__RPC_REQUEST = 1,  /* method and id */
  DW__RPC_NOTIFICATION, /* method, no id */
  DW__RPC_RESPONSE,     /* result or error, with an id */
  DW__RPC_INVALID       /* *reply holds the error response to send (may be NULL: send none) */
} dw__rpc_kind;
/* JSON-RPC framing. Classifies one message. Sets *msg (new reference) for the first three kinds, *reply (new
 * reference) for DW__RPC_INVALID: -32700 for malformed JSON, -32600 for a batch or a message
 * that is not a valid request, notification or response. */
dw__rpc_kind dw__rpc_parse(const char *line, size_t len, json_t **msg, json_t **reply);
/* {"jsonrpc":"2.0","id":id,"error":{"code","message"}}; id NULL: null. New reference. */
json_t *dw__rpc_error(const json_t *id, int code, const char *message);
/* The protocol version answered to a client asking for `asked` (NULL: the latest). */
const char *dw__rpc_negotiate(const char *asked);
/* True when `v` is a protocol version this server speaks. */
bool dw__rpc_version_known(const char *v);

/* ---- the protocol, apart from its transport (session.c) ------------------------------ */

/* Sends one message to the client (borrowed). `tag` is the transport's handle of the request
 * it belongs to (as given to dw__mcp_session_handle); `last`: it is the answer of that
 * request, nothing more comes with this tag. A request of ours made while a tools/call runs
 * (elicitation/create) comes with that call's tag and last = false. */
typedef void (*dw__mcp_send_fn)(void *user, void *tag, const json_t *msg, bool last);

/* A session over `cm` (borrowed; outlives the session). 0 or DW_E_NOMEM. */
int dw__mcp_session_new(dw__cm *cm, dw__mcp_send_fn send, void *user, dw__mcp_session **out);
/* Cancels the calls in flight (no answers are sent); elicitations waiting are "not accepted". */
void dw__mcp_session_free(dw__mcp_session *s);
/* Handles one parsed message (borrowed) of `kind` (not DW__RPC_INVALID). A request is
 * answered exactly once through send with `tag`, now or later (tools/call); notifications and
 * responses are never answered. */
void dw__mcp_session_handle(dw__mcp_session *s, dw__rpc_kind kind, const json_t *msg, void *tag);
/* The transport lost the request `tag` (its client went away): its call is cancelled and
 * nothing more is sent with that tag. */
void dw__mcp_session_forget(dw__mcp_session *s, void *tag);
/* The tenant whose executors run this session's code (1 to 64 bytes; unset: the default).
 * 0 or DW_E_BAD_REQUEST. */
int dw__mcp_session_set_tenant(dw__mcp_session *s, const char *tenant);
/* True while calls run or elicitations wait for their answers. */
bool dw__mcp_session_busy(const dw__mcp_session *s);

#endif

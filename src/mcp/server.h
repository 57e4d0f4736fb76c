/* mcp/server: the MCP server side of Code Mode over stdio: newline-delimited JSON-RPC 2.0
 * (MCP 2025-06-18; 2025-03-26 and 2024-11-05 negotiated too) on a libevent loop. Methods:
 * initialize, ping, tools/list, tools/call (the `code` tool of a dw__cm), notifications/
 * initialized and notifications/cancelled; it sends elicitation/create to the client for tools
 * that need approval. Everything the client sends is untrusted: one message is at most
 * DW__MCP_MAX_LINE bytes, batches are refused (2025-06-18 removed them), output waiting for a
 * slow client is capped. Threads: the loop's. */
#ifndef DW_MCP_SERVER_H
#define DW_MCP_SERVER_H

#include <jansson.h>
#include "mcp/codemode.h"

#define DW__MCP_MAX_OUTPUT_QUEUE ((size_t)256 << 20) /* bytes waiting for the client */
#define DW__MCP_MAX_CALLS 256                      /* tools/call in flight */

typedef struct dw__mcp_server dw__mcp_server;

/* A server reading requests from `in_fd` and writing to `out_fd` (both made non-blocking;
 * not closed by the server). `on_close(user)` is called once, from the loop, when the client
 * closes its end (EOF) or the connection fails: free the server after that, not inside it...
 * (the callback may break the loop; freeing is done after the loop returns). */
int dw__mcp_server_new(struct event_base *base, dw__cm *cm, int in_fd, int out_fd,
                       void (*on_close)(void *user), void *user, dw__mcp_server **out);
/* Stops reading and writing; pending elicitations are answered "not accepted". Not from
 * inside one of its callbacks. */
void dw__mcp_server_free(dw__mcp_server *s);

/* JSON-RPC framing, exposed for tests. */
typedef enum {
  DW__RPC_REQUEST = 1,  /* method and id */
  DW__RPC_NOTIFICATION, /* method, no id */
  DW__RPC_RESPONSE,     /* result or error, with an id */
  DW__RPC_INVALID       /* *reply holds the error response to send (may be NULL: send none) */
} dw__rpc_kind;
/* Classifies one line. Sets *msg (new reference) for the first three kinds, *reply (new
 * reference) for DW__RPC_INVALID: -32700 for malformed JSON, -32600 for a batch or a message
 * that is not a valid request, notification or response. */
dw__rpc_kind dw__rpc_parse(const char *line, size_t len, json_t **msg, json_t **reply);
/* {"jsonrpc":"2.0","id":id,"error":{"code","message"}}; id NULL: null. New reference. */
json_t *dw__rpc_error(const json_t *id, int code, const char *message);
/* The protocol version answered to a client asking for `asked` (NULL: the latest). */
const char *dw__rpc_negotiate(const char *asked);

#endif

/* mcp/upstream: what upstream.c (stdio, the common part) and upstream_http.c share. */
#ifndef DW_MCP_UPSTREAM_INTERNAL_H
#define DW_MCP_UPSTREAM_INTERNAL_H

#include <event2/event.h>
#include "mcp/upstream.h"
#include "net/net.h"

typedef struct pending {
  struct pending *next;
  uint64_t id;
  char method[64];
  dw__up_done cb;
  void *user;
  struct event *timer;
  uint64_t net_id; /* HTTP: the request carrying it */
  void *net_req;   /* HTTP: its state, freed when the request is cancelled */
  struct dw__up *up;
} pending;

struct dw__up {
  struct event_base *base;
  char *name;
  json_t *entry;
  bool http;
  int timeout_ms;
  dw__mcp_tools tools;
  char status[512]; /* "" when connected */
  bool connected;
  pending *pending;
  size_t n_pending;
  uint64_t next_id;
  /* stdio */
  dw__mcp_proc proc;
  dw_buf rbuf, wbuf;
  struct event *rev, *wev;
  /* HTTP */
  dw__net *net;
  struct event *net_timer;
  char *session;    /* Mcp-Session-Id */
  char *protocol;   /* negotiated protocol version */
  bool in_poll;
};

/* Fails and frees one pending request (its callback is called). */
void dw__up_finish(dw__up *u, pending *p, int err, const char *message, const json_t *result);
/* Unlinks a pending request by id (NULL when unknown). */
pending *dw__up_take(dw__up *u, uint64_t id);

/* upstream_http.c */
/* The JSON-RPC message answering request `id` in an HTTP answer's body: a JSON object (or a
 * batch array) when !sse, else the SSE events' data (lines joined). New reference or NULL.
 * The body is untrusted (fuzz_mcp_sse). */
json_t *dw__up_find_answer(const char *body, size_t len, bool sse, uint64_t id);
int dw__up_http_connect(dw__up *u, char *why, size_t why_len);
int dw__up_http_send(dw__up *u, pending *p, const json_t *msg, char *why, size_t why_len);
void dw__up_http_free(dw__up *u);

#endif

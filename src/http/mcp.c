/* mcp: Code Mode at /mcp over Streamable HTTP (MCP 2025-06-18, docs/CODE-MODE.md). One session
 * (src/mcp/session.c) per Mcp-Session-Id; a POSTed request waits for its answer as a JSON
 * reply, or turns into a server-sent-events stream when the server must ask the client
 * something first (elicitation/create for approval), with the answer as its last event.
 * Notifications and responses are accepted with 202. Code Mode runs on this server's
 * supervisor: its host calls (the code's tool calls) come back here (dw__http_mcp_host_call).
 * Caps: sessions (the least recently used idle one is ended for a new one, else 503), idle
 * time, body bytes, and everything the session and the http layer already cap. */
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include "http/http_internal.h"
#include "mcp/server.h"

#define SID_LEN 32

typedef struct mcp_req mcp_req;

struct dw__http_mcp_sess {
  dw__http_mcp_sess *prev, *next;
  dw__http *h;
  char id[SID_LEN + 1];
  char tenant[DW__HTTP_TENANT_MAX + 1];
  dw__mcp_session *core;
  mcp_req *reqs;         /* POSTed requests not answered yet */
  uint64_t last_ms;      /* last request (monotonic) */
};

/* A POSTed JSON-RPC request waiting for its answer. */
struct mcp_req {
  mcp_req *prev, *next;
  dw__http_mcp_sess *s;
  struct evhttp_request *req;
  struct evhttp_connection *conn;
  dw__http_ctx *c;       /* until it streams (then NULL: the stream is ours) */
  bool streaming;
  bool sse_only;         /* the client accepts only text/event-stream: every answer streams */
};

static uint64_t mono_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ---- the runner: Code Mode on this server's supervisor -------------------------------- */

static int run_invoke(void *self, const dw__sup_invocation *inv, dw__sup_done done, void *user,
                      uint64_t *id) {
  return dw__sup_invoke(((dw__http *)self)->sup, inv, done, user, id);
}

static void run_abandon(void *self, uint64_t id) { dw__sup_abandon(((dw__http *)self)->sup, id); }

void dw__http_mcp_host_call(void *user, void *inv_user, const json_t *desc, const char *method,
                            const json_t *args, dw__sup_call *call) {
  dw__http *h = user;
  if (!h->cm) {
    dw__sup_reply(call, NULL, "no host bindings here (Code Mode is not enabled)");
    return;
  }
  dw__cm_host_call(h->cm, inv_user, desc, method, args, call);
}

/* ---- requests ------------------------------------------------------------------------- */

static void req_unlink_free(mcp_req *r) {
  dw__http_mcp_sess *s = r->s;
  if (r->prev) r->prev->next = r->next;
  else s->reqs = r->next;
  if (r->next) r->next->prev = r->prev;
  free(r);
}

/* The client went away before its answer: the call is abandoned. */
static void req_conn_close(struct evhttp_connection *conn, void *arg) {
  mcp_req *r = arg;
  dw__mcp_session_forget(r->s->core, r);
  if (evhttp_request_get_connection(r->req) == NULL) evhttp_request_free(r->req);
  if (r->c) dw__http_ctx_done(r->c);
  req_unlink_free(r);
}

static void stream_chunk(mcp_req *r, const char *text) {
  struct evbuffer *b = evbuffer_new();
  if (!b) return;
  evbuffer_add_printf(b, "event: message\ndata: %s\n\n", text);
  evhttp_send_reply_chunk(r->req, b);
  evbuffer_free(b);
}

/* Ends a stream (evhttp owns the request then). */
static void stream_end(mcp_req *r) {
  if (r->conn) dw__http_conn_closecb(r->s->h, r->conn, NULL, NULL);
  evhttp_send_reply_end(r->req);
}

/* dw__mcp_send_fn of a session: `tag` is the mcp_req the message belongs to. */
static void sess_send(void *user, void *tag, const json_t *msg, bool last) {
  mcp_req *r = tag;
  if (!r) return; /* nothing over HTTP goes without a request (no GET stream) */
  dw__http *h = r->s->h;
  if (!r->streaming && last && !r->sse_only) {
    dw__http_reply_json(r->c, 200, json_incref((json_t *)msg));
    req_unlink_free(r);
    return;
  }
  char *text = dw__json_dumps(msg, JSON_COMPACT);
  if (!text) return;
  if (!r->streaming) {
    struct evkeyvalq *out = evhttp_request_get_output_headers(r->req);
    evhttp_add_header(out, "Content-Type", "text/event-stream");
    evhttp_add_header(out, "Cache-Control", "no-store");
    evhttp_send_reply_start(r->req, 200, "OK");
    dw__metrics_add(h->metrics, h->m_http, "code=\"200\"", 1);
    dw__http_ctx_done(r->c); /* the stream is ours now, its connection's close callback too */
    r->c = NULL;
    r->streaming = true;
    if (r->conn) dw__http_conn_closecb(r->s->h, r->conn, req_conn_close, r);
  }
  stream_chunk(r, text);
  free(text);
  if (last) {
    stream_end(r);
    req_unlink_free(r);
  }
}

/* ---- sessions ------------------------------------------------------------------------- */

/* Ends a session: its runs are cancelled, its waiting requests answered (404: the session
 * is gone, as for any request naming it from now on). */
static void sess_free(dw__http_mcp_sess *s, bool answer) {
  dw__http *h = s->h;
  dw__mcp_session_free(s->core);
  while (s->reqs) {
    mcp_req *r = s->reqs;
    if (!answer) {
      if (r->conn) dw__http_conn_closecb(r->s->h, r->conn, NULL, NULL);
    } else if (r->streaming) {
      stream_end(r);
    } else {
      if (r->conn) dw__http_conn_closecb(r->s->h, r->conn, NULL, NULL);
      dw__http_reply_error(r->c, DW_E_NOT_FOUND, 0, "the MCP session has ended");
    }
    req_unlink_free(r);
  }
  if (s->prev) s->prev->next = s->next;
  else h->mcp_sessions = s->next;
  if (s->next) s->next->prev = s->prev;
  h->n_mcp_sessions--;
  free(s);
}

/* A comment on every open stream: a stream waiting for the user's approval writes nothing
 * for a while, and evhttp closes a connection idle for timeoutSeconds. */
static void keepalive(dw__http *h) {
  static const char ka[] = ": keep-alive\n\n";
  for (dw__http_mcp_sess *s = h->mcp_sessions; s; s = s->next)
    for (mcp_req *r = s->reqs; r; r = r->next) {
      if (!r->streaming) continue;
      struct evbuffer *b = evbuffer_new();
      if (!b) return;
      evbuffer_add(b, ka, sizeof ka - 1);
      evhttp_send_reply_chunk(r->req, b);
      evbuffer_free(b);
    }
}

static void sweep(evutil_socket_t fd, short what, void *arg) {
  dw__http *h = arg;
  uint64_t now = mono_ms();
  keepalive(h);
  dw__http_mcp_sess *next;
  for (dw__http_mcp_sess *s = h->mcp_sessions; s; s = next) {
    next = s->next;
    if (!s->reqs && !dw__mcp_session_busy(s->core) && now - s->last_ms > h->mcp_idle_ms)
      sess_free(s, true);
  }
}

static dw__http_mcp_sess *sess_new(dw__http *h, const char *tenant) {
  if (h->n_mcp_sessions >= h->mcp_max_sessions) {
    /* Full: the least recently used idle session makes room. */
    dw__http_mcp_sess *lru = NULL;
    for (dw__http_mcp_sess *s = h->mcp_sessions; s; s = s->next)
      if (!s->reqs && !dw__mcp_session_busy(s->core) && (!lru || s->last_ms < lru->last_ms)) lru = s;
    if (!lru) return NULL;
    sess_free(lru, true);
  }
  dw__http_mcp_sess *s = calloc(1, sizeof *s);
  unsigned char raw[SID_LEN / 2];
  if (!s || getrandom(raw, sizeof raw, 0) != (ssize_t)sizeof raw) { free(s); return NULL; }
  for (size_t i = 0; i < sizeof raw; i++) snprintf(s->id + 2 * i, 3, "%02x", raw[i]);
  s->h = h;
  snprintf(s->tenant, sizeof s->tenant, "%s", tenant);
  s->last_ms = mono_ms();
  if (dw__mcp_session_new(h->cm, sess_send, s, &s->core)) { free(s); return NULL; }
  dw__mcp_session_set_tenant(s->core, s->tenant); /* its runs: this tenant's executors */
  s->next = h->mcp_sessions;
  if (h->mcp_sessions) h->mcp_sessions->prev = s;
  h->mcp_sessions = s;
  h->n_mcp_sessions++;
  return s;
}

/* The session a request names (Mcp-Session-Id), or NULL after replying 400/404. */
static dw__http_mcp_sess *find_sess(dw__http_ctx *c) {
  const char *sid = evhttp_find_header(evhttp_request_get_input_headers(c->req), "Mcp-Session-Id");
  if (!sid) {
    dw__http_reply_error(c, DW_E_BAD_REQUEST, 0,
                         "Mcp-Session-Id is required (initialize first: its answer carries one)");
    return NULL;
  }
  for (dw__http_mcp_sess *s = c->h->mcp_sessions; s; s = s->next)
    if (!strcmp(s->id, sid) && !strcmp(s->tenant, c->tenant)) {
      s->last_ms = mono_ms();
      return s;
    }
  dw__http_reply_error(c, DW_E_NOT_FOUND, 0,
                       "no MCP session %.64s (it ended or expired): initialize a new one", sid);
  return NULL;
}

/* ---- handlers ------------------------------------------------------------------------- */

static void reply_status(dw__http_ctx *c, int status, const char *code, const char *message) {
  dw__http_reply_json(c, status, json_pack("{s:{s:s,s:s}}", "error", "code", code, "message", message));
}

/* 0 when Code Mode is on and the request may go on; else replied. Origin: a browser page of
 * another site must not reach a local server (DNS rebinding), so an Origin must name the host
 * the request was sent to. */
static int common_checks(dw__http_ctx *c) {
  struct evkeyvalq *in = evhttp_request_get_input_headers(c->req);
  if (!c->h->cm) {
    dw__http_reply_error(c, DW_E_NOT_FOUND, 0,
                         "Code Mode is not enabled on this server (dynworker serve --mcp-config FILE)");
    return -1;
  }
  const char *origin = evhttp_find_header(in, "Origin"), *host = evhttp_find_header(in, "Host");
  if (origin && strcmp(origin, "null")) {
    const char *o = strstr(origin, "://");
    if (!o || !host || strcmp(o + 3, host)) {
      reply_status(c, 403, "forbidden", "Origin does not match Host: cross-site requests to /mcp are refused");
      return -1;
    }
  }
  const char *pv = evhttp_find_header(in, "MCP-Protocol-Version");
  if (pv && !dw__rpc_version_known(pv)) {
    dw__http_reply_error(c, DW_E_BAD_REQUEST, 0,
                         "MCP-Protocol-Version %.40s is not supported (2025-06-18, 2025-03-26, 2024-11-05)", pv);
    return -1;
  }
  return 0;
}

void dw__http_h_mcp_post(dw__http_ctx *c) {
  dw__http *h = c->h;
  struct evkeyvalq *in = evhttp_request_get_input_headers(c->req);
  if (common_checks(c)) return;
  /* The transport says a client lists both. One that lists only the stream (some proxies do)
   * gets every answer as a stream; one that cannot take a stream cannot be asked for
   * approval, so it is refused. */
  const char *accept = evhttp_find_header(in, "Accept");
  if (!accept || !strstr(accept, "text/event-stream")) {
    reply_status(c, 406, "not_acceptable",
                 "Accept must list both application/json and text/event-stream");
    return;
  }
  bool sse_only = !strstr(accept, "application/json");
  const char *ctype = evhttp_find_header(in, "Content-Type");
  if (!ctype || strncasecmp(ctype, "application/json", 16)) {
    reply_status(c, 415, "unsupported_media_type", "Content-Type must be application/json");
    return;
  }
  struct evbuffer *body = evhttp_request_get_input_buffer(c->req);
  size_t n = evbuffer_get_length(body);
  if (n > h->mcp_max_body) {
    dw__http_reply_error(c, DW_E_TOO_LARGE, 0, "an MCP message of %zu bytes is over the cap of %zu", n,
                         h->mcp_max_body);
    return;
  }
  const char *p = n ? (const char *)evbuffer_pullup(body, -1) : "";
  json_t *msg, *err;
  dw__rpc_kind kind = dw__rpc_parse(p ? p : "", n, &msg, &err);
  if (kind == DW__RPC_INVALID) {
    dw__http_reply_json(c, 400, err);
    return;
  }
  const char *method = json_string_value(json_object_get(msg, "method"));
  dw__http_mcp_sess *s;
  if (kind == DW__RPC_REQUEST && !strcmp(method, "initialize")) {
    if (!(s = sess_new(h, c->tenant))) {
      dw__http_reply_error(c, DW_E_OVERLOADED, 0, "%u MCP sessions are busy (mcp.maxSessions)",
                           h->mcp_max_sessions);
      goto out;
    }
    evhttp_add_header(evhttp_request_get_output_headers(c->req), "Mcp-Session-Id", s->id);
  } else if (!(s = find_sess(c))) {
    goto out;
  }
  if (kind != DW__RPC_REQUEST) {
    dw__mcp_session_handle(s->core, kind, msg, NULL);
    dw__http_reply(c, 202, NULL, NULL, 0);
    goto out;
  }
  mcp_req *r = calloc(1, sizeof *r);
  if (!r) { dw__http_reply_error(c, DW_E_NOMEM, 0, NULL); goto out; }
  r->s = s;
  r->c = c;
  r->sse_only = sse_only;
  r->req = c->req;
  r->conn = c->conn;
  r->next = s->reqs;
  if (s->reqs) s->reqs->prev = r;
  s->reqs = r;
  if (r->conn) dw__http_conn_closecb(r->s->h, r->conn, req_conn_close, r);
  dw__mcp_session_handle(s->core, kind, msg, r); /* may answer (and free r) at once */
out:
  json_decref(msg);
}

void dw__http_h_mcp_delete(dw__http_ctx *c) {
  if (common_checks(c)) return;
  dw__http_mcp_sess *s = find_sess(c);
  if (!s) return;
  sess_free(s, true);
  dw__http_reply(c, 204, NULL, NULL, 0);
}

/* ---- life cycle ----------------------------------------------------------------------- */

int dw__http_mcp_start(dw__http *h, const dw__http_config *cfg, char *why, size_t why_len) {
  h->mcp_max_sessions = cfg->mcp_max_sessions ? cfg->mcp_max_sessions : 64;
  h->mcp_idle_ms = (uint64_t)(cfg->mcp_idle_s ? cfg->mcp_idle_s : 1800) * 1000;
  h->mcp_max_body = cfg->mcp_max_body_bytes ? cfg->mcp_max_body_bytes : ((size_t)4 << 20);
  if (!cfg->mcp_config) return 0;
  dw__cm_runner runner = {.invoke = run_invoke, .abandon = run_abandon, .reply = dw__sup_reply,
                          .self = h};
  int rc = dw__cm_new(h->base, cfg->mcp_config, &runner, &h->cm, why, why_len);
  if (rc) return rc;
  h->mcp_sweep = event_new(h->base, -1, EV_PERSIST, sweep, h);
  /* The period: the keep-alive comes well within evhttp's idle timeout (timeoutSeconds). */
  unsigned timeout_ms = (cfg->timeout_s ? cfg->timeout_s : 30) * 1000;
  unsigned period_ms = timeout_ms / 3 < 10000 ? timeout_ms / 3 : 10000;
  if (period_ms < 200) period_ms = 200;
  struct timeval tv = {period_ms / 1000, (period_ms % 1000) * 1000};
  if (!h->mcp_sweep || event_add(h->mcp_sweep, &tv)) {
    snprintf(why, why_len, "cannot start the MCP session timer");
    return DW_E_NOMEM;
  }
  return 0;
}

void dw__http_mcp_stop(dw__http *h) {
  while (h->mcp_sessions) sess_free(h->mcp_sessions, false);
  if (h->mcp_sweep) event_free(h->mcp_sweep);
  h->mcp_sweep = NULL;
  dw__cm_free(h->cm);
  h->cm = NULL;
}

/* Shared between the files of src/http; not an interface of the layer. */
#ifndef DW_HTTP_INTERNAL_H
#define DW_HTTP_INTERNAL_H

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include "http/http.h"
#include "http/defs.h"
#include "http/metrics.h"

#define DW__HTTP_MAX_BOUND 4
#define DW__HTTP_TENANT_MAX 64
#define DW__HTTP_ID_MAX 128

typedef struct dw__http_ctx dw__http_ctx;
typedef struct dw__tail_sub dw__tail_sub;
typedef struct dw__http_mcp_sess dw__http_mcp_sess;
typedef struct dw__http_guard dw__http_guard;

/* One request being handled, from dispatch to its reply (or its client's disconnection). */
struct dw__http_ctx {
  dw__http *h;
  struct evhttp_request *req;
  struct evhttp_connection *conn;
  char tenant[DW__HTTP_TENANT_MAX + 1];
  char *id, *path, *entrypoint, *method; /* route parameters (owned; NULL when absent) */
  bool has_path;                           /* the {path...} form matched */
  /* An invocation in flight: */
  bool invoking;
  uint64_t inv_id;
  dw__sup_kind kind;
  bool registered; /* of a registered worker: touch the store when it ends */
  dw__http_ctx *prev, *next;
};

struct dw__http {
  struct event_base *base;
  struct evhttp *http;
  struct evhttp_bound_socket *bound[DW__HTTP_MAX_BOUND];
  size_t nbound;
  dw__sup *sup;
  dw__store *store;
  dw__http_token *tokens;
  size_t ntokens;
  size_t max_body;
  unsigned max_concurrent, retry_after_s;
  unsigned tail_max_subs;
  size_t tail_max_backlog;
  unsigned tail_keepalive_ms;
  json_t *default_limits;
  dw__defs *defs;       /* registered workers' code, cached (defs.h) */
  dw__http_ctx *active; /* requests being handled */
  unsigned nactive;
  dw__tail_sub *subs;   /* tail subscribers, all workers */
  unsigned nsubs;
  struct event *keepalive;
  dw__metrics *metrics;
  int m_invocations, m_duration, m_http, m_live, m_memory, m_restarts, m_kills, m_executors,
      m_queue, m_inflight, m_quarantined, m_requests_active, m_tail_subs, m_tail_dropped,
      m_store_errors;
  unsigned closing;     /* connections answered during the drain, not closed yet */
  bool draining, sup_drained;
  void (*drained)(void *user);
  void *drained_user;
  struct event *drain_check;
  json_t *touch_pending;     /* invocation counts not yet in the store (touch.c) */
  struct event *touch_timer;
  /* Code Mode at /mcp (mcp.c); cm NULL: not enabled. */
  dw__cm *cm;
  dw__http_mcp_sess *mcp_sessions;
  unsigned n_mcp_sessions, mcp_max_sessions;
  uint64_t mcp_idle_ms;
  size_t mcp_max_body;
  struct event *mcp_sweep;
  dw__http_guard *guard; /* conn.c */
};

/* conn.c, the connection guard: a deadline for each request to arrive whole (408 past it)
 * and a cap on open connections (503 past it), on every connection evhttp accepts.
 * guard_start: after evhttp_new, with the metrics ready (0: the defaults, 60 s and 4096);
 * 0 or a dw_err. request_done: dispatch() has the whole request of `evcon` (its deadline
 * stops). detach: after evhttp_free; connections finalized later by the loop free what is
 * left. */
int dw__http_guard_start(dw__http *h, unsigned request_s, unsigned max_conns);
void dw__http_guard_request_done(dw__http *h, struct evhttp_connection *evcon);
void dw__http_guard_detach(dw__http *h);
/* evhttp_connection_set_closecb for the server's code: the connection's one close-callback
 * slot is the guard's, which calls `cb` (NULL: none) after its own work. */
void dw__http_conn_closecb(dw__http *h, struct evhttp_connection *evcon,
                           void (*cb)(struct evhttp_connection *, void *), void *arg);

/* mcp.c: start reads the mcp_* settings and, when cfg->mcp_config is set, creates Code Mode on
 * h->sup (blocks while it connects its upstreams); 0 or a dw_err with `why`. stop ends every
 * session (no answers) and Code Mode; before the supervisor is freed. host_call is the
 * supervisor's host_call hook (user = h). */
int dw__http_mcp_start(dw__http *h, const dw__http_config *cfg, char *why, size_t why_len);
void dw__http_mcp_stop(dw__http *h);
void dw__http_mcp_host_call(void *user, void *inv_user, const json_t *desc, const char *method,
                            const json_t *args, dw__sup_call *call);

/* touch.c: invocation counts of registered workers, batched into one store transaction a
 * second. start: 0 or a dw_err; flush: writes what is pending (before reading counts);
 * stop: flushes, then frees (the store must still be open). */
int dw__touch_start(dw__http *h);
void dw__touch_add(dw__http *h, const char *tenant, const char *id, int64_t now_ms);
void dw__touch_flush(dw__http *h);
void dw__touch_stop(dw__http *h);

/* Replies and frees c. `body` is copied. Counts the reply in http_requests_total. */
void dw__http_reply(dw__http_ctx *c, int status, const char *content_type, const void *body,
                    size_t len);
/* Replies with a JSON value (stolen: decref'd here). */
void dw__http_reply_json(dw__http_ctx *c, int status, json_t *v);
/* Replies {"error": {"code", "message"}} with the status of `err` from the error table;
 * 503s get Retry-After (retry_after_s, or the server's default when 0). */
void dw__http_reply_error(dw__http_ctx *c, int err, uint32_t retry_after_s, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* The request body parsed as JSON (a new reference), or NULL after replying 400. */
json_t *dw__http_body_json(dw__http_ctx *c);

/* Forgets c without replying (its request was turned into a stream). */
void dw__http_ctx_done(dw__http_ctx *c);

/* Marks c as waiting for invocation `id` (abandoned if the client goes away). */
void dw__http_wait(dw__http_ctx *c, uint64_t id);

/* Route handlers (api.c, tail.c). Each replies, now or later, exactly once. */
#define DW__HTTP_DECLARE(method, pattern, fn) void dw__http_h_##fn(dw__http_ctx *c);
#include "http/routes.h"
DW__HTTP_ROUTES(DW__HTTP_DECLARE)
#undef DW__HTTP_DECLARE

/* Supervisor hooks (api.c, tail.c). */
int dw__http_resolve(void *user, const char *tenant, const char *id, json_t **code,
                     uint64_t *rev);
void dw__http_on_event(void *user, const dw__sup_event *ev);
/* Tails: deliver one event; end every stream (drain, free). */
void dw__tail_publish(dw__http *h, const dw__sup_event *ev);
void dw__tail_close_all(dw__http *h);
int dw__tail_start(dw__http *h);

/* True when s[0..n) is 1..max characters of [A-Za-z0-9_-] (plus `extra`). */
bool dw__http_name_ok(const char *s, size_t max, const char *extra);

#endif

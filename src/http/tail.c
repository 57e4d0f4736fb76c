/* tail: GET /v1/workers/{id}/tail, server-sent events. One `data: {...}` per finished
 * invocation of the worker, a comment every keep-alive period (so proxies and clients see
 * the stream alive, and a vanished client is noticed at the next write). Caps: subscribers
 * per worker, and the bytes queued for one subscriber: one that falls behind by more is
 * dropped (its stream ends) rather than holding memory for it. */
#include <string.h>
#include <event2/bufferevent.h>
#include "http/http_internal.h"

struct dw__tail_sub {
  dw__http *h;
  struct evhttp_request *req;
  struct evhttp_connection *conn;
  char tenant[DW__HTTP_TENANT_MAX + 1];
  char id[DW__HTTP_ID_MAX + 1];
  dw__tail_sub *prev, *next;
};

static void unlink_sub(dw__tail_sub *s) {
  dw__http *h = s->h;
  if (s->prev) s->prev->next = s->next;
  else h->subs = s->next;
  if (s->next) s->next->prev = s->prev;
  h->nsubs--;
  free(s);
}

/* Ends the stream (evhttp then owns the request) and forgets the subscriber. */
static void end_sub(dw__tail_sub *s) {
  dw__http_conn_closecb(s->h, s->conn, NULL, NULL);
  evhttp_send_reply_end(s->req);
  unlink_sub(s);
}

static void on_close(struct evhttp_connection *conn, void *arg) {
  dw__tail_sub *s = arg;
  if (evhttp_request_get_connection(s->req) == NULL) evhttp_request_free(s->req);
  unlink_sub(s);
}

static size_t backlog(const dw__tail_sub *s) {
  struct bufferevent *bev = evhttp_connection_get_bufferevent(s->conn);
  return bev ? evbuffer_get_length(bufferevent_get_output(bev)) : 0;
}

/* Queues `text` for s, or drops s when it is too far behind. */
static void send_to(dw__tail_sub *s, const char *text, size_t n) {
  if (backlog(s) + n > s->h->tail_max_backlog) {
    dw__metrics_add(s->h->metrics, s->h->m_tail_dropped, "", 1);
    end_sub(s);
    return;
  }
  struct evbuffer *b = evbuffer_new();
  if (!b) return;
  evbuffer_add(b, text, n);
  evhttp_send_reply_chunk(s->req, b);
  evbuffer_free(b);
}

void dw__tail_publish(dw__http *h, const dw__sup_event *ev) {
  bool any = false;
  for (dw__tail_sub *s = h->subs; s && !any; s = s->next)
    any = strcmp(s->id, ev->worker_id) == 0 && strcmp(s->tenant, ev->tenant ? ev->tenant : "default") == 0;
  if (!any) return;
  json_t *v = json_pack("{s:s,s:O,s:O,s:f,s:f,s:f}", "outcome", ev->outcome ? ev->outcome : "ok",
                        "logs", ev->logs ? (json_t *)ev->logs : json_null(), "exceptions",
                        ev->exceptions ? (json_t *)ev->exceptions : json_null(), "cpuMs",
                        ev->cpu_ms, "wallMs", ev->wall_ms, "ts", dw__epoch_ms());
  if (!v) return;
  if (json_is_null(json_object_get(v, "logs"))) json_object_set_new(v, "logs", json_array());
  if (json_is_null(json_object_get(v, "exceptions")))
    json_object_set_new(v, "exceptions", json_array());
  char *s = dw__json_dumps(v, JSON_COMPACT);
  json_decref(v);
  if (!s) return;
  dw_buf b;
  dw__buf_init(&b, (size_t)64 << 20);
  if (dw__buf_printf(&b, "data: %s\n\n", s) == 0) {
    dw__tail_sub *next;
    for (dw__tail_sub *t = h->subs; t; t = next) {
      next = t->next;
      if (strcmp(t->id, ev->worker_id) == 0 &&
          strcmp(t->tenant, ev->tenant ? ev->tenant : "default") == 0)
        send_to(t, b.data, b.len);
    }
  }
  dw__buf_free(&b);
  free(s);
}

static void keepalive(evutil_socket_t fd, short what, void *arg) {
  dw__http *h = arg;
  static const char ka[] = ": keep-alive\n\n";
  dw__tail_sub *next;
  for (dw__tail_sub *s = h->subs; s; s = next) {
    next = s->next;
    send_to(s, ka, sizeof ka - 1);
  }
}

int dw__tail_start(dw__http *h) {
  h->keepalive = event_new(h->base, -1, EV_PERSIST, keepalive, h);
  if (!h->keepalive) return DW_E_NOMEM;
  struct timeval tv = {h->tail_keepalive_ms / 1000, (h->tail_keepalive_ms % 1000) * 1000};
  return event_add(h->keepalive, &tv) ? DW_E_INTERNAL : 0;
}

void dw__tail_close_all(dw__http *h) {
  while (h->subs) end_sub(h->subs);
}

void dw__http_h_tail(dw__http_ctx *c) {
  dw__http *h = c->h;
  dw__store_worker w = {0};
  char why[256] = "";
  int rc = dw__store_get(h->store, c->tenant, c->id, &w, why, sizeof why);
  dw__store_worker_clear(&w);
  if (rc) {
    if (rc == DW_E_WORKER_NOT_FOUND)
      dw__http_reply_error(c, rc, 0, "no worker '%s' (tenant '%s')", c->id, c->tenant);
    else
      dw__http_reply_error(c, rc, 0, "%s", why[0] ? why : dw_strerror(rc));
    return;
  }
  unsigned n = 0;
  for (dw__tail_sub *s = h->subs; s; s = s->next)
    n += strcmp(s->id, c->id) == 0 && strcmp(s->tenant, c->tenant) == 0;
  if (n >= h->tail_max_subs || !c->conn) {
    dw__http_reply_error(c, DW_E_OVERLOADED, 0, "this worker has %u tail subscribers already",
                         n);
    return;
  }
  dw__tail_sub *s = calloc(1, sizeof *s);
  if (!s) {
    dw__http_reply_error(c, DW_E_NOMEM, 0, NULL);
    return;
  }
  s->h = h;
  s->req = c->req;
  s->conn = c->conn;
  snprintf(s->tenant, sizeof s->tenant, "%s", c->tenant);
  snprintf(s->id, sizeof s->id, "%s", c->id);
  struct evkeyvalq *out = evhttp_request_get_output_headers(c->req);
  evhttp_add_header(out, "Content-Type", "text/event-stream");
  evhttp_add_header(out, "Cache-Control", "no-store");
  /* The request stops being a request being handled: the stream is a subscriber now. */
  evhttp_send_reply_start(c->req, 200, "OK");
  dw__metrics_add(h->metrics, h->m_http, "code=\"200\"", 1);
  s->next = h->subs;
  if (h->subs) h->subs->prev = s;
  h->subs = s;
  h->nsubs++;
  dw__http_conn_closecb(s->h, s->conn, on_close, s);
  static const char hello[] = ": tail of a dynworker worker\n\n";
  send_to(s, hello, sizeof hello - 1);
  dw__http_ctx_done(c);
}

/* The connection guard: what libevent 2.1's evhttp does not bound by itself.
 *
 * - A deadline for each request (slowloris, hostile finding F6): evhttp's timeout is an idle
 *   timeout, so a client that trickles its head or body a byte at a time holds a connection
 *   for ever. Here a request must arrive whole (head and body) within `request_s` of its
 *   first byte; past it the client gets 408 and the connection is closed.
 * - A cap on open connections: past `max_conns`, a new connection gets 503 `overloaded` and
 *   is closed, so idle or slow connections cannot use up the daemon's descriptors.
 *
 * How: evhttp_set_bevcb lets us make each accepted connection's socket bufferevent. A
 * callback on its input buffer notes when a request starts (bytes arrive while no request is
 * being received); dispatch() calls dw__http_guard_request_done when evhttp has the whole
 * request. On the loop's next turn evhttp has made its connection object (the bufferevent's
 * callback argument): we take its close callback, which tells us when evhttp frees it (the
 * server's own users of that one slot go through dw__http_conn_closecb). To answer and close,
 * we write the few bytes of the answer straight to the socket (only when nothing of evhttp's
 * is pending on it) and shut the socket down: evhttp then reads end-of-file and frees the
 * connection itself, so nothing of evhttp's is ever freed under it. (A filter bufferevent
 * would be simpler but loses answers: evhttp frees it once the filter, not the socket, has
 * taken the bytes.)
 *
 * Connections may end after dw__http_free (event_base_free finalizes them): the guard is
 * reference-counted (one reference for the server, one per connection) and outlives it. */
#include <event2/bufferevent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include "http/http_internal.h"

#define MAX_FD_TABLE (1 << 22)

typedef struct conn conn;

struct dw__http_guard {
  struct event_base *base;
  unsigned refs;       /* the server's + one per live connection */
  unsigned live;       /* connections open */
  unsigned max_conns;
  unsigned request_s;
  bool detached;       /* the server is gone: no metrics, no new work */
  dw__metrics *metrics; /* borrowed from the server until detached */
  int m_timeouts, m_refused, m_conns;
  conn **by_fd;        /* the connection of each adopted descriptor */
  size_t nby_fd;
  conn *unadopted;     /* accepted, evhttp's connection not known yet (freed at detach) */
};

struct conn {
  dw__http_guard *g;
  struct bufferevent *bev; /* the socket bufferevent evhttp holds */
  struct evhttp_connection *evcon; /* once adopted */
  struct event *timer;     /* adoption, then the request's deadline */
  struct evbuffer_cb_entry *watch; /* our callback on the input buffer */
  int fd;                  /* -1 until adopted */
  bool adopted;            /* evhttp's connection is known and its close callback is ours */
  bool receiving;          /* a request is arriving: the deadline runs */
  bool refused;            /* over the cap: answer 503 and close */
  bool closed;             /* we shut it down */
  void (*user_cb)(struct evhttp_connection *, void *); /* the server's close callback */
  void *user_arg;
  conn *prev, *next;       /* in g->unadopted until adopted */
};

static void unlink_unadopted(conn *c) {
  if (c->prev) c->prev->next = c->next;
  else if (c->g->unadopted == c) c->g->unadopted = c->next;
  if (c->next) c->next->prev = c->prev;
  c->prev = c->next = NULL;
}

static void guard_unref(dw__http_guard *g) {
  if (--g->refs) return;
  free(g->by_fd);
  free(g);
}

/* Remembers c under its descriptor; false when it cannot. */
static bool note_fd(conn *c, int fd) {
  dw__http_guard *g = c->g;
  if (fd < 0 || fd >= MAX_FD_TABLE) return false;
  if ((size_t)fd >= g->nby_fd) {
    size_t n = g->nby_fd ? g->nby_fd : 256;
    while (n <= (size_t)fd) n *= 2;
    conn **t = realloc(g->by_fd, n * sizeof *t);
    if (!t) return false;
    memset(t + g->nby_fd, 0, (n - g->nby_fd) * sizeof *t);
    g->by_fd = t;
    g->nby_fd = n;
  }
  g->by_fd[fd] = c;
  c->fd = fd;
  return true;
}

static conn *find(dw__http_guard *g, struct evhttp_connection *evcon) {
  struct bufferevent *bev = evcon ? evhttp_connection_get_bufferevent(evcon) : NULL;
  int fd = bev ? (int)bufferevent_getfd(bev) : -1;
  if (fd < 0 || (size_t)fd >= g->nby_fd || !g->by_fd[fd] || g->by_fd[fd]->evcon != evcon)
    return NULL;
  return g->by_fd[fd];
}

/* Frees c (evhttp is freeing its connection, or never made one). */
static void conn_free(conn *c) {
  dw__http_guard *g = c->g;
  if (c->fd >= 0 && (size_t)c->fd < g->nby_fd && g->by_fd[c->fd] == c) g->by_fd[c->fd] = NULL;
  if (!c->adopted) unlink_unadopted(c);
  if (c->watch) evbuffer_remove_cb_entry(bufferevent_get_input(c->bev), c->watch);
  event_free(c->timer);
  g->live--;
  if (!g->detached) dw__metrics_set(g->metrics, g->m_conns, "", g->live);
  free(c);
  guard_unref(g);
}

static void on_close(struct evhttp_connection *evcon, void *arg) {
  conn *c = arg;
  void (*cb)(struct evhttp_connection *, void *) = c->user_cb;
  void *user = c->user_arg;
  evhttp_connection_set_closecb(evcon, NULL, NULL); /* once */
  conn_free(c);
  if (cb) cb(evcon, user);
}

/* Answers `answer` on the raw socket when nothing of evhttp's is waiting to be written, then
 * shuts the socket down (evhttp sees end-of-file and frees the connection). */
static void close_with(conn *c, const char *answer) {
  if (c->closed || c->fd < 0) return;
  if (answer && evbuffer_get_length(bufferevent_get_output(c->bev)) == 0) {
    /* A fresh answer of a few hundred bytes fits the socket's buffer; if it does not, the
     * client was not reading anyway. */
    ssize_t w = send(c->fd, answer, strlen(answer), MSG_NOSIGNAL | MSG_DONTWAIT);
    (void)w;
  }
  shutdown(c->fd, SHUT_RDWR);
  c->closed = true;
  c->receiving = false;
}

static void answer_and_close(conn *c, int status, const char *reason, const char *code,
                             const char *msg) {
  char body[256], answer[512];
  int bl = snprintf(body, sizeof body, "{\"error\":{\"code\":\"%s\",\"message\":\"%s\"}}", code,
                    msg);
  snprintf(answer, sizeof answer,
           "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\n%sConnection: close\r\n"
           "Content-Length: %d\r\n\r\n%s",
           status, reason, status == 503 ? "Retry-After: 1\r\n" : "", bl, body);
  close_with(c, answer);
}

/* Once evhttp has made its connection object (at the first bytes, which come before any
 * dispatch, or on the loop's turn after the accept): takes its close callback. false: evhttp
 * already let the connection go and c is freed. */
static bool adopt(conn *c) {
  if (c->adopted) return true;
  void (*readcb)(struct bufferevent *, void *) = NULL;
  void *arg = NULL;
  bufferevent_getcb(c->bev, &readcb, NULL, NULL, &arg);
  struct evhttp_connection *evcon = arg;
  int fd = (int)bufferevent_getfd(c->bev);
  if (!readcb || !evcon || fd < 0 || evhttp_connection_get_bufferevent(evcon) != c->bev ||
      !note_fd(c, fd)) {
    /* evhttp already let it go (it called bufferevent_free; our reference kept it), or (out
     * of memory) we cannot find it again: it goes unguarded. */
    struct bufferevent *bev = c->bev;
    conn_free(c);
    bufferevent_decref(bev);
    return false;
  }
  unlink_unadopted(c);
  c->adopted = true;
  c->evcon = evcon;
  evhttp_connection_set_closecb(evcon, on_close, c);
  bufferevent_decref(c->bev); /* evhttp's own reference keeps it from here; on_close tells us */
  return true;
}

static void on_timer(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what;
  conn *c = arg;
  dw__http_guard *g = c->g;
  if (!c->adopted && (!adopt(c) || !c->refused)) return; /* freed, or nothing to do yet */
  char msg[128];
  if (c->refused) {
    if (!g->detached) dw__metrics_add(g->metrics, g->m_refused, "", 1);
    snprintf(msg, sizeof msg, "too many connections at once (%u)", g->max_conns);
    answer_and_close(c, 503, "Service Unavailable", "overloaded", msg);
    return;
  }
  if (!c->receiving) return;
  if (!g->detached) dw__metrics_add(g->metrics, g->m_timeouts, "", 1);
  snprintf(msg, sizeof msg, "the request did not arrive whole within %u s of its first byte",
           g->request_s);
  answer_and_close(c, 408, "Request Timeout", "bad_request", msg);
}

/* The input buffer changed: bytes that arrive while no request is being received start one. */
static void on_input(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg) {
  (void)buf;
  conn *c = arg;
  if (!info->n_added || c->receiving || c->closed || c->refused) return;
  if (!adopt(c)) return;
  c->receiving = true;
  struct timeval tv = {.tv_sec = c->g->request_s};
  evtimer_add(c->timer, &tv); /* replaces the adoption timer, if still pending */
}

static struct bufferevent *make_bev(struct event_base *base, void *arg) {
  dw__http_guard *g = arg;
  struct bufferevent *bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
  conn *c = calloc(1, sizeof *c);
  if (!bev || !c) goto fail;
  c->g = g;
  c->bev = bev;
  c->fd = -1;
  c->timer = evtimer_new(base, on_timer, c);
  if (!c->timer || !(c->watch = evbuffer_add_cb(bufferevent_get_input(bev), on_input, c)))
    goto fail;
  /* Ours until adopt(): if evhttp frees the connection first, the memory stays valid. */
  bufferevent_incref(bev);
  c->next = g->unadopted;
  if (g->unadopted) g->unadopted->prev = c;
  g->unadopted = c;
  g->refs++;
  g->live++;
  if (!g->detached) dw__metrics_set(g->metrics, g->m_conns, "", g->live);
  c->refused = g->detached || g->live > g->max_conns;
  struct timeval now = {0, 0};
  evtimer_add(c->timer, &now);
  return bev;
fail:
  /* evhttp makes a plain bufferevent of its own when we return NULL. */
  if (c && c->timer) event_free(c->timer);
  free(c);
  if (bev) bufferevent_free(bev);
  return NULL;
}

int dw__http_guard_start(dw__http *h, unsigned request_s, unsigned max_conns) {
  dw__http_guard *g = calloc(1, sizeof *g);
  if (!g) return DW_E_NOMEM;
  g->base = h->base;
  g->refs = 1;
  g->request_s = request_s ? request_s : 60;
  g->max_conns = max_conns ? max_conns : 4096;
  g->metrics = h->metrics;
  g->m_timeouts = dw__metrics_family(h->metrics, "dynworker_http_request_timeouts_total",
                                     "Requests that did not arrive whole in time (408).",
                                     DW_METRIC_COUNTER, NULL, 0);
  g->m_refused = dw__metrics_family(h->metrics, "dynworker_http_connections_refused_total",
                                    "Connections refused over the connection cap (503).",
                                    DW_METRIC_COUNTER, NULL, 0);
  g->m_conns = dw__metrics_family(h->metrics, "dynworker_http_connections",
                                  "Open HTTP connections.", DW_METRIC_GAUGE, NULL, 0);
  if (g->m_timeouts < 0 || g->m_refused < 0 || g->m_conns < 0) {
    free(g);
    return DW_E_INTERNAL;
  }
  dw__metrics_add(g->metrics, g->m_timeouts, "", 0); /* shown from the start, at 0 */
  dw__metrics_add(g->metrics, g->m_refused, "", 0);
  dw__metrics_set(g->metrics, g->m_conns, "", 0);
  h->guard = g;
  evhttp_set_bevcb(h->http, make_bev, g);
  return 0;
}

void dw__http_guard_request_done(dw__http *h, struct evhttp_connection *evcon) {
  conn *c = h->guard ? find(h->guard, evcon) : NULL;
  if (!c) return;
  c->receiving = false;
  evtimer_del(c->timer);
}

void dw__http_conn_closecb(dw__http *h, struct evhttp_connection *evcon,
                           void (*cb)(struct evhttp_connection *, void *), void *arg) {
  conn *c = h->guard ? find(h->guard, evcon) : NULL;
  if (!c) {
    evhttp_connection_set_closecb(evcon, cb, arg); /* a connection the guard does not hold */
    return;
  }
  c->user_cb = cb;
  c->user_arg = arg;
}

void dw__http_guard_detach(dw__http *h) {
  dw__http_guard *g = h->guard;
  if (!g) return;
  h->guard = NULL;
  g->detached = true;
  g->metrics = NULL;
  /* evhttp_free (before this) closed every connection; those it had not shown us yet are
   * still held by our reference. */
  while (g->unadopted) {
    conn *c = g->unadopted;
    struct bufferevent *bev = c->bev;
    conn_free(c);
    bufferevent_decref(bev);
  }
  guard_unref(g);
}

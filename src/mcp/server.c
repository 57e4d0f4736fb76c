/* mcp/server: MCP over stdio for Code Mode (see server.h): newline-delimited JSON-RPC framing
 * around a session (session.c). */
#include "mcp/server.h"

#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include "mcp/client.h"

struct dw__mcp_server {
  struct event_base *base;
  dw__mcp_session *session;
  int in_fd, out_fd;
  struct event *rev, *wev;
  dw_buf in, out;
  bool discarding;      /* inside a line over the cap: drop until its newline */
  bool closed;
  void (*on_close)(void *user);
  void *user;
};

/* ---- output --------------------------------------------------------------------------- */

static void fail_conn(dw__mcp_server *s, const char *why);

static void flush(dw__mcp_server *s) {
  while (s->out.len && !s->closed) {
    ssize_t w = write(s->out_fd, s->out.data, s->out.len);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0 && errno == EAGAIN) { event_add(s->wev, NULL); return; }
    if (w < 0) { fail_conn(s, strerror(errno)); return; }
    memmove(s->out.data, s->out.data + w, s->out.len - (size_t)w);
    s->out.len -= (size_t)w;
  }
}

static void on_writable(evutil_socket_t fd, short what, void *arg) { flush(arg); }

/* dw__mcp_send_fn: one line each (tags mean nothing on one stream). */
static void send_msg(void *user, void *tag, const json_t *m, bool last) {
  dw__mcp_server *s = user;
  if (!m || s->closed) return;
  char *t = json_dumps(m, JSON_COMPACT);
  if (!t) return;
  if (dw__buf_puts(&s->out, t) || dw__buf_putc(&s->out, '\n'))
    fail_conn(s, "the client does not read its answers (output queue full)");
  free(t);
  flush(s);
}

static void on_line(dw__mcp_server *s, const char *line, size_t len) {
  json_t *m, *err;
  dw__rpc_kind kind = dw__rpc_parse(line, len, &m, &err);
  if (kind == DW__RPC_INVALID) send_msg(s, NULL, err, true);
  else dw__mcp_session_handle(s->session, kind, m, NULL);
  json_decref(m);
  json_decref(err);
}

/* ---- input ---------------------------------------------------------------------------- */

static void fail_conn(dw__mcp_server *s, const char *why) {
  if (s->closed) return;
  s->closed = true;
  if (why) fprintf(stderr, "dynworker mcp: the client connection ends: %s\n", why);
  event_del(s->rev);
  event_del(s->wev);
  if (s->on_close) s->on_close(s->user);
}

static void on_readable(evutil_socket_t fd, short what, void *arg) {
  dw__mcp_server *s = arg;
  char chunk[65536];
  ssize_t got = read(fd, chunk, sizeof chunk);
  if (got < 0 && (errno == EINTR || errno == EAGAIN)) return;
  if (got <= 0) { flush(s); fail_conn(s, got < 0 ? strerror(errno) : NULL); return; }
  const char *p = chunk, *end = chunk + got;
  while (p < end && !s->closed) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    size_t n = (size_t)((nl ? nl : end) - p);
    if (s->discarding) {
      if (nl) s->discarding = false;
    } else if (dw__buf_append(&s->in, p, n)) {
      dw__buf_reset(&s->in);
      s->discarding = !nl;
      char t[160];
      snprintf(t, sizeof t, "Parse error: a message is longer than %u bytes", DW__MCP_MAX_LINE);
      json_t *e = dw__rpc_error(NULL, -32700, t);
      send_msg(s, NULL, e, true);
      json_decref(e);
    } else if (nl) {
      size_t ll = s->in.len;
      if (ll && s->in.data[ll - 1] == '\r') ll--;
      if (ll) on_line(s, s->in.data, ll);
      dw__buf_reset(&s->in);
    }
    p = nl ? nl + 1 : end;
  }
}

int dw__mcp_server_new(struct event_base *base, dw__cm *cm, int in_fd, int out_fd,
                       void (*on_close)(void *user), void *user, dw__mcp_server **out) {
  dw__mcp_server *s = calloc(1, sizeof *s);
  if (!s) return DW_E_NOMEM;
  s->base = base;
  s->in_fd = in_fd;
  s->out_fd = out_fd;
  s->on_close = on_close;
  s->user = user;
  dw__buf_init(&s->in, DW__MCP_MAX_LINE);
  dw__buf_init(&s->out, DW__MCP_MAX_OUTPUT_QUEUE);
  fcntl(in_fd, F_SETFL, fcntl(in_fd, F_GETFL) | O_NONBLOCK);
  fcntl(out_fd, F_SETFL, fcntl(out_fd, F_GETFL) | O_NONBLOCK);
  s->rev = event_new(base, in_fd, EV_READ | EV_PERSIST, on_readable, s);
  s->wev = event_new(base, out_fd, EV_WRITE, on_writable, s);
  if (!s->rev || !s->wev || event_add(s->rev, NULL) ||
      dw__mcp_session_new(cm, send_msg, s, &s->session)) {
    dw__mcp_server_free(s);
    return DW_E_NOMEM;
  }
  *out = s;
  return 0;
}

void dw__mcp_server_free(dw__mcp_server *s) {
  if (!s) return;
  s->closed = true; /* nothing more is written while the session ends */
  dw__mcp_session_free(s->session);
  if (s->rev) event_free(s->rev);
  if (s->wev) event_free(s->wev);
  dw__buf_free(&s->in);
  dw__buf_free(&s->out);
  free(s);
}

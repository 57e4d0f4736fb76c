/* libFuzzer target for src/mcp/server.c (and what it drives in codemode.c and source.c): the
 * bytes an MCP client sends `dynworker mcp` on stdin, through the real server over a socket
 * pair, with a fake runner that answers every run at once and no upstreams. Checks: every
 * line the server writes is a JSON-RPC 2.0 object, the server survives any input and reports
 * the end of its input exactly once. */
#include <event2/event.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "mcp/server.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct {
  struct event_base *base;
  dw__sup_done done;
  void *user;
} fake;

static void fire(evutil_socket_t fd, short what, void *arg) {
  fake *f = arg;
  if (!f->done) return;
  json_t *res = json_pack("{s:b, s:i, s:[], s:n}", "ok", 1, "result", 1, "logs", "error");
  dw__sup_outcome o = {.result = res};
  dw__sup_done d = f->done;
  f->done = NULL;
  d(f->user, &o);
  json_decref(res);
}

static int invoke(void *self, const dw__sup_invocation *inv, dw__sup_done done, void *user, uint64_t *id) {
  fake *f = self;
  if (f->done) return DW_E_OVERLOADED; /* one at a time */
  f->done = done;
  f->user = user;
  *id = 1;
  event_base_once(f->base, -1, EV_TIMEOUT, fire, f, NULL);
  return 0;
}
static void abandon(void *self, uint64_t id) { ((fake *)self)->done = NULL; }
static void reply(dw__sup_call *call, const json_t *result, const char *error) {}
static void on_close(void *user) { (*(int *)user)++; }

static void check_output(const char *s, size_t n) {
  const char *p = s, *end = s + n;
  while (p < end) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    if (!nl) abort(); /* every message ends with a newline */
    json_error_t je;
    json_t *m = json_loadb(p, (size_t)(nl - p), 0, &je);
    if (!json_is_object(m)) abort();
    const char *v = json_string_value(json_object_get(m, "jsonrpc"));
    if (!v || strcmp(v, "2.0")) abort();
    json_decref(m);
    p = nl + 1;
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > 64 * 1024) return 0;
  struct event_base *base = event_base_new();
  fake f = {.base = base};
  dw__cm_runner runner = {.invoke = invoke, .abandon = abandon, .reply = reply, .self = &f};
  json_error_t je;
  json_t *cfg = json_loads("{\"mcpServers\":{}}", 0, &je);
  dw__cm *cm = NULL;
  char why[256];
  if (dw__cm_new(base, cfg, &runner, &cm, why, sizeof why)) abort();
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv)) abort();
  fcntl(sv[0], F_SETFL, O_NONBLOCK);
  int closed = 0;
  dw__mcp_server *s = NULL;
  if (dw__mcp_server_new(base, cm, sv[1], sv[1], on_close, &closed, &s)) abort();
  dw_buf out;
  dw__buf_init(&out, 64u << 20);
  size_t off = 0;
  bool shut = false;
  for (int i = 0; i < 10000 && !closed; i++) {
    if (off < size) {
      ssize_t w = write(sv[0], data + off, size - off);
      if (w > 0) off += (size_t)w;
    } else if (!shut) {
      shutdown(sv[0], SHUT_WR);
      shut = true;
    }
    event_base_loop(base, EVLOOP_NONBLOCK);
    char buf[65536];
    ssize_t got;
    while ((got = read(sv[0], buf, sizeof buf)) > 0)
      if (dw__buf_append(&out, buf, (size_t)got)) abort();
  }
  if (closed != 1) abort();
  check_output(out.data ? out.data : "", out.len);
  dw__buf_free(&out);
  dw__mcp_server_free(s);
  dw__cm_free(cm);
  close(sv[0]);
  close(sv[1]);
  json_decref(cfg);
  event_base_free(base);
  return 0;
}

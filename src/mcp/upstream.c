/* mcp/upstream: a long-lived upstream MCP server on a libevent loop (stdio part). */
#include "mcp/upstream_internal.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>


int dw__up_new(struct event_base *base, const char *name, const json_t *entry, int timeout_ms,
               dw__up **out, char *why, size_t why_len) {
  *out = NULL;
  if (!json_is_object(entry))
    return dw__whyf(why, why_len, DW_E_BAD_REQUEST, "server '%s' must be an object", name);
  json_t *cmd = json_object_get(entry, "command"), *url = json_object_get(entry, "url");
  if (!cmd && !url)
    return dw__whyf(why, why_len, DW_E_BAD_REQUEST, "server '%s' needs a \"command\" or a \"url\"", name);
  if (cmd && (!json_is_string(cmd) || !*json_string_value(cmd)))
    return dw__whyf(why, why_len, DW_E_BAD_REQUEST, "server '%s': \"command\" must be a string", name);
  if (!cmd && (!json_is_string(url) || (strncmp(json_string_value(url), "http://", 7) &&
                                        strncmp(json_string_value(url), "https://", 8))))
    return dw__whyf(why, why_len, DW_E_BAD_REQUEST, "server '%s': \"url\" must be an http(s) URL", name);
  json_t *args = json_object_get(entry, "args"), *env = json_object_get(entry, "env"),
         *headers = json_object_get(entry, "headers");
  size_t i;
  json_t *v;
  const char *k;
  if (args && !json_is_array(args))
    return dw__whyf(why, why_len, DW_E_BAD_REQUEST, "server '%s': \"args\" must be an array of strings", name);
  json_array_foreach(args, i, v) if (!json_is_string(v))
    return dw__whyf(why, why_len, DW_E_BAD_REQUEST, "server '%s': \"args\" must be an array of strings", name);
  if (json_array_size(args) > DW__MCP_MAX_ARGS)
    return dw__whyf(why, why_len, DW_E_TOO_LARGE, "server '%s': more than %d args", name, DW__MCP_MAX_ARGS);
  if (env && !json_is_object(env))
    return dw__whyf(why, why_len, DW_E_BAD_REQUEST, "server '%s': \"env\" must be an object of strings", name);
  json_object_foreach(env, k, v) if (!json_is_string(v) || !*k || strchr(k, '='))
    return dw__whyf(why, why_len, DW_E_BAD_REQUEST, "server '%s': env '%s' must be a string (and its name without '=')", name, k);
  if (headers && !json_is_object(headers))
    return dw__whyf(why, why_len, DW_E_BAD_REQUEST, "server '%s': \"headers\" must be an object of strings", name);
  json_object_foreach(headers, k, v) if (!json_is_string(v) || !*k || strpbrk(k, ": \r\n") ||
                                          strpbrk(json_string_value(v), "\r\n"))
    return dw__whyf(why, why_len, DW_E_BAD_REQUEST, "server '%s': header '%s' must be a string", name, k);
  dw__up *u = calloc(1, sizeof *u);
  if (!u) return DW_E_NOMEM;
  u->base = base;
  u->name = dw__strdup(name);
  u->entry = json_deep_copy(entry);
  u->http = !cmd;
  u->timeout_ms = timeout_ms > 0 ? timeout_ms : DW__MCP_DEFAULT_TIMEOUT_MS;
  u->proc.in_fd = u->proc.out_fd = -1;
  snprintf(u->status, sizeof u->status, "not connected yet");
  dw__buf_init(&u->rbuf, DW__MCP_MAX_LINE + 65536);
  dw__buf_init(&u->wbuf, DW__UP_MAX_QUEUED);
  if (!u->name || !u->entry) { dw__up_free(u); return DW_E_NOMEM; }
  *out = u;
  return 0;
}

const dw__mcp_tools *dw__up_tools(const dw__up *u) { return &u->tools; }
const char *dw__up_status(const dw__up *u) { return u->connected ? NULL : u->status; }
const char *dw__up_name(const dw__up *u) { return u->name; }

pending *dw__up_take(dw__up *u, uint64_t id) {
  for (pending **pp = &u->pending; *pp; pp = &(*pp)->next) {
    if ((*pp)->id == id) {
      pending *p = *pp;
      *pp = p->next;
      u->n_pending--;
      return p;
    }
  }
  return NULL;
}

static void pending_free(pending *p) {
  if (p->timer) event_free(p->timer);
  free(p->net_req); /* only set while an HTTP transfer carrying it is in flight */
  free(p);
}

void dw__up_finish(dw__up *u, pending *p, int err, const char *message, const json_t *result) {
  (void)u;
  dw__up_done cb = p->cb;
  void *user = p->user;
  pending_free(p);
  cb(user, err, message, result);
}

/* ---- stdio -------------------------------------------------------------------------- */

static void stdio_stop(dw__up *u, char *note, size_t n) {
  if (u->rev) { event_free(u->rev); u->rev = NULL; }
  if (u->wev) { event_free(u->wev); u->wev = NULL; }
  if (u->proc.pid > 0 || u->proc.in_fd >= 0 || u->proc.out_fd >= 0) dw__mcp_proc_stop(&u->proc, note, n);
  else if (note && n) snprintf(note, n, "is not running");
  dw__buf_reset(&u->rbuf);
  dw__buf_reset(&u->wbuf);
}

/* The server is gone: every pending request fails with why. */
static void stdio_dead(dw__up *u, const char *what) {
  char note[96];
  stdio_stop(u, note, sizeof note);
  u->connected = false;
  snprintf(u->status, sizeof u->status, "the server %s (%s)", note, what);
  pending *list = u->pending;
  u->pending = NULL;
  u->n_pending = 0;
  while (list) {
    pending *p = list;
    list = p->next;
    char msg[768];
    snprintf(msg, sizeof msg, "upstream '%s' %s while answering %s; it is restarted on the next call",
             u->name, note, p->method);
    dw__up_finish(u, p, DW_E_IO, msg, NULL);
  }
}

static void on_timeout(evutil_socket_t fd, short what, void *arg);

static int flush(dw__up *u) {
  while (u->wbuf.len) {
    ssize_t w = write(u->proc.in_fd, u->wbuf.data, u->wbuf.len);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0 && errno == EAGAIN) {
      if (u->wev) event_add(u->wev, NULL);
      return 0;
    }
    if (w < 0) return DW_E_IO;
    memmove(u->wbuf.data, u->wbuf.data + w, u->wbuf.len - (size_t)w);
    u->wbuf.len -= (size_t)w;
  }
  return 0;
}

static void on_writable(evutil_socket_t fd, short what, void *arg) {
  dw__up *u = arg;
  if (flush(u)) stdio_dead(u, "writing to it failed");
}

static int stdio_send(dw__up *u, const json_t *msg) {
  char *s = json_dumps(msg, JSON_COMPACT);
  if (!s) return DW_E_NOMEM;
  int err = dw__buf_puts(&u->wbuf, s);
  if (!err) err = dw__buf_putc(&u->wbuf, '\n');
  free(s);
  if (err) return err;
  return flush(u);
}

static void handle_message(dw__up *u, json_t *m) {
  json_t *id = json_object_get(m, "id");
  if (json_is_string(json_object_get(m, "method"))) {
    if (id && !json_is_null(id)) { /* a request to us: we offer no client features */
      json_t *r = json_pack("{s:s, s:O, s:{s:i, s:s}}", "jsonrpc", "2.0", "id", id, "error",
                            "code", -32601, "message", "method not found");
      if (r) stdio_send(u, r);
      json_decref(r);
    }
    return;
  }
  if (!json_is_integer(id)) return;
  pending *p = dw__up_take(u, (uint64_t)json_integer_value(id));
  if (!p) return; /* late (timed out, cancelled) */
  json_t *e = json_object_get(m, "error"), *res = json_object_get(m, "result");
  char msg[768];
  if (e) {
    const char *text = json_string_value(json_object_get(e, "message"));
    json_t *code = json_object_get(e, "code");
    snprintf(msg, sizeof msg, "upstream '%s' answered %s with JSON-RPC error %lld: %.500s", u->name,
             p->method, json_is_integer(code) ? (long long)json_integer_value(code) : 0LL,
             text ? text : "(no message)");
    dw__up_finish(u, p, DW_E_BAD_RESULT, msg, NULL);
  } else if (!json_is_object(res)) {
    snprintf(msg, sizeof msg, "upstream '%s' answered %s without a result object", u->name, p->method);
    dw__up_finish(u, p, DW_E_BAD_RESULT, msg, NULL);
  } else {
    dw__up_finish(u, p, 0, NULL, res);
  }
}

/* Consumes complete lines from rbuf. */
static void drain_lines(dw__up *u) {
  for (;;) {
    char *nl = u->rbuf.len ? memchr(u->rbuf.data, '\n', u->rbuf.len) : NULL;
    if (!nl) break;
    size_t n = (size_t)(nl - u->rbuf.data);
    json_error_t je;
    json_t *m = n ? json_loadb(u->rbuf.data, n, JSON_REJECT_DUPLICATES, &je) : NULL;
    memmove(u->rbuf.data, nl + 1, u->rbuf.len - n - 1);
    u->rbuf.len -= n + 1;
    u->rbuf.data[u->rbuf.len] = '\0';
    if (json_is_object(m)) handle_message(u, m); /* junk lines (logs on stdout) are skipped */
    json_decref(m);
    if (!u->rev) break; /* a callback's restart or death replaced the connection */
  }
}

static void on_readable(evutil_socket_t fd, short what, void *arg) {
  dw__up *u = arg;
  char chunk[65536];
  ssize_t got = read(fd, chunk, sizeof chunk);
  if (got < 0 && (errno == EINTR || errno == EAGAIN)) return;
  if (got <= 0) { stdio_dead(u, got == 0 ? "it closed its stdout" : "reading from it failed"); return; }
  if (dw__buf_append(&u->rbuf, chunk, (size_t)got)) {
    stdio_dead(u, "it sent a message longer than 16 MiB");
    return;
  }
  drain_lines(u);
  if (u->rev && u->rbuf.len > DW__MCP_MAX_LINE) stdio_dead(u, "it sent a message longer than 16 MiB");
}

static void stdio_spec(dw__up *u, dw__mcp_stdio *spec, const char ***args) {
  json_t *a = json_object_get(u->entry, "args");
  size_t n = json_array_size(a);
  *args = calloc(n + 1, sizeof **args);
  for (size_t i = 0; *args && i < n; i++) (*args)[i] = json_string_value(json_array_get(a, i));
  *spec = (dw__mcp_stdio){.command = json_string_value(json_object_get(u->entry, "command")),
                          .args = *args, .n_args = *args ? n : 0,
                          .env = json_object_get(u->entry, "env"), .timeout_ms = u->timeout_ms};
}

static int stdio_connect(dw__up *u, char *why, size_t why_len) {
  stdio_stop(u, NULL, 0);
  dw__mcp_stdio spec;
  const char **args;
  stdio_spec(u, &spec, &args);
  if (!args) return DW_E_NOMEM;
  dw__mcp_tools tools;
  int err = dw__mcp_open(&spec, &tools, &u->proc, &u->rbuf, why, why_len);
  free(args);
  if (err) {
    dw__mcp_tools_free(&tools);
    return err;
  }
  dw__mcp_tools_free(&u->tools);
  u->tools = tools;
  u->next_id = (uint64_t)u->proc.next_id + 1;
  u->rev = event_new(u->base, u->proc.out_fd, EV_READ | EV_PERSIST, on_readable, u);
  u->wev = event_new(u->base, u->proc.in_fd, EV_WRITE, on_writable, u);
  if (!u->rev || !u->wev || event_add(u->rev, NULL)) {
    stdio_stop(u, NULL, 0);
    return DW_E_NOMEM;
  }
  return 0;
}

int dw__up_connect(dw__up *u, char *why, size_t why_len) {
  char w[512] = "";
  int err = u->http ? dw__up_http_connect(u, w, sizeof w) : stdio_connect(u, w, sizeof w);
  u->connected = err == 0;
  if (err) snprintf(u->status, sizeof u->status, "%s", *w ? w : dw_strerror(err));
  else u->status[0] = '\0';
  if (why && why_len) snprintf(why, why_len, "%s", u->status);
  return err;
}

static void on_timeout(evutil_socket_t fd, short what, void *arg) {
  pending *p = arg;
  dw__up *u = p->up;
  if (!dw__up_take(u, p->id)) return;
  char msg[512];
  snprintf(msg, sizeof msg, "upstream '%s' did not answer %s in time", u->name, p->method);
  json_t *n = json_pack("{s:s, s:s, s:{s:I, s:s}}", "jsonrpc", "2.0", "method",
                        "notifications/cancelled", "params", "requestId", (json_int_t)p->id,
                        "reason", "timeout");
  if (n && !u->http && u->rev) stdio_send(u, n);
  json_decref(n);
  if (u->http && p->net_id && u->net) dw__net_cancel(u->net, p->net_id); /* net_req: ours */
  dw__up_finish(u, p, DW_E_IO, msg, NULL);
}

int dw__up_call(dw__up *u, const char *method, const json_t *params, uint32_t timeout_ms,
                dw__up_done cb, void *user, uint64_t *id, char *why, size_t why_len) {
  if (u->n_pending >= DW__UP_MAX_PENDING)
    return dw__whyf(why, why_len, DW_E_OVERLOADED, "upstream '%s' has too many calls in flight", u->name);
  if (!u->connected) {
    char w[512];
    if (dw__up_connect(u, w, sizeof w))
      return dw__whyf(why, why_len, DW_E_IO, "upstream '%s' is unreachable: %s", u->name, w);
  }
  pending *p = calloc(1, sizeof *p);
  if (!p) return DW_E_NOMEM;
  p->id = u->next_id++;
  p->up = u;
  p->cb = cb;
  p->user = user;
  snprintf(p->method, sizeof p->method, "%s", method);
  json_t *msg = json_pack("{s:s, s:I, s:s}", "jsonrpc", "2.0", "id", (json_int_t)p->id, "method", method);
  if (msg && params) json_object_set(msg, "params", (json_t *)params);
  p->timer = evtimer_new(u->base, on_timeout, p);
  int err = msg && p->timer ? 0 : DW_E_NOMEM;
  if (!err) {
    struct timeval tv = {.tv_sec = (long)(timeout_ms / 1000), .tv_usec = (long)(timeout_ms % 1000) * 1000};
    evtimer_add(p->timer, &tv);
    p->next = u->pending;
    u->pending = p;
    u->n_pending++;
    if (u->http) {
      err = dw__up_http_send(u, p, msg, why, why_len);
    } else {
      err = stdio_send(u, msg);
      if (err == DW_E_TOO_LARGE) dw__whyf(why, why_len, err, "upstream '%s': too much queued for it", u->name);
      else if (err) dw__whyf(why, why_len, err, "upstream '%s': writing to it failed", u->name);
    }
    if (err) dw__up_take(u, p->id);
  }
  json_decref(msg);
  if (err) { pending_free(p); return err; }
  if (id) *id = p->id;
  return 0;
}

void dw__up_cancel(dw__up *u, uint64_t id) {
  pending *p = dw__up_take(u, id);
  if (!p) return;
  json_t *n = json_pack("{s:s, s:s, s:{s:I, s:s}}", "jsonrpc", "2.0", "method",
                        "notifications/cancelled", "params", "requestId", (json_int_t)id,
                        "reason", "the code that made the call has ended");
  if (n && !u->http && u->rev) stdio_send(u, n);
  json_decref(n);
  if (u->http && p->net_id && u->net) dw__net_cancel(u->net, p->net_id);
  pending_free(p);
}

void dw__up_free(dw__up *u) {
  if (!u) return;
  while (u->pending) {
    pending *p = u->pending;
    u->pending = p->next;
    pending_free(p);
  }
  if (u->http) dw__up_http_free(u);
  else stdio_stop(u, NULL, 0);
  dw__mcp_tools_free(&u->tools);
  dw__buf_free(&u->rbuf);
  dw__buf_free(&u->wbuf);
  json_decref(u->entry);
  free(u->name);
  free(u);
}

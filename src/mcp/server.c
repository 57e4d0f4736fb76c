/* mcp/server: MCP over stdio for Code Mode (see server.h). */
#include "mcp/server.h"

#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include "mcp/client.h"

static const char *const versions[] = {"2025-06-18", "2025-03-26", "2024-11-05"};

typedef struct active {
  struct active *next;
  json_t *req_id;      /* the client's request id */
  uint64_t run_id;
  dw__mcp_server *s;
} active;

typedef struct asking {
  struct asking *next;
  json_int_t id;
  dw__cm_elicit_done done;
  void *user;
} asking;

struct dw__mcp_server {
  struct event_base *base;
  dw__cm *cm;
  int in_fd, out_fd;
  struct event *rev, *wev;
  dw_buf in, out;
  bool discarding;      /* inside a line over the cap: drop until its newline */
  bool closed;
  bool elicitation;     /* the client declared the capability */
  char version[16];
  void (*on_close)(void *user);
  void *user;
  active *calls;
  size_t n_calls;
  asking *asks;
  json_int_t next_id;
};

/* ---- framing -------------------------------------------------------------------------- */

json_t *dw__rpc_error(const json_t *id, int code, const char *message) {
  return json_pack("{s:s, s:O, s:{s:i, s:s}}", "jsonrpc", "2.0", "id", id ? id : json_null(),
                   "error", "code", code, "message", message);
}

const char *dw__rpc_negotiate(const char *asked) {
  for (size_t i = 0; asked && i < DW_ARRAY_LEN(versions); i++)
    if (!strcmp(asked, versions[i])) return versions[i];
  return versions[0];
}

static bool valid_id(const json_t *id) { return json_is_string(id) || json_is_integer(id); }

dw__rpc_kind dw__rpc_parse(const char *line, size_t len, json_t **msg, json_t **reply) {
  *msg = *reply = NULL;
  json_error_t je;
  json_t *m = json_loadb(line, len, JSON_REJECT_DUPLICATES, &je);
  if (!m) {
    char t[300];
    snprintf(t, sizeof t, "Parse error: %s", je.text);
    *reply = dw__rpc_error(NULL, -32700, t);
    return DW__RPC_INVALID;
  }
  if (json_is_array(m)) {
    *reply = dw__rpc_error(NULL, -32600, "Invalid Request: JSON-RPC batches are not supported "
                                         "(MCP 2025-06-18 removed them); send one message per line");
    json_decref(m);
    return DW__RPC_INVALID;
  }
  json_t *id = json_object_get(m, "id"), *method = json_object_get(m, "method");
  const char *problem = NULL;
  if (!json_is_object(m)) problem = "a message must be a JSON object";
  else if (!json_is_string(json_object_get(m, "jsonrpc")) ||
           strcmp(json_string_value(json_object_get(m, "jsonrpc")), "2.0"))
    problem = "\"jsonrpc\" must be \"2.0\"";
  else if (id && !valid_id(id) && !(json_is_null(id) && !method))
    problem = "\"id\" must be a string or an integer";
  else if (method && !json_is_string(method)) problem = "\"method\" must be a string";
  else if (method && json_object_get(m, "params") && !json_is_object(json_object_get(m, "params")) &&
           !json_is_array(json_object_get(m, "params")))
    problem = "\"params\" must be an object";
  else if (!method && !json_object_get(m, "result") && !json_object_get(m, "error"))
    problem = "neither a request (\"method\") nor a response (\"result\"/\"error\")";
  if (problem) {
    char t[300];
    snprintf(t, sizeof t, "Invalid Request: %s", problem);
    *reply = dw__rpc_error(json_is_object(m) && valid_id(id) ? id : NULL, -32600, t);
    json_decref(m);
    return DW__RPC_INVALID;
  }
  *msg = m;
  if (!method) return DW__RPC_RESPONSE;
  return id ? DW__RPC_REQUEST : DW__RPC_NOTIFICATION;
}

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

static void send_msg(dw__mcp_server *s, json_t *m) {
  if (!m || s->closed) return;
  char *t = json_dumps(m, JSON_COMPACT);
  if (!t) return;
  if (dw__buf_puts(&s->out, t) || dw__buf_putc(&s->out, '\n'))
    fail_conn(s, "the client does not read its answers (output queue full)");
  free(t);
  flush(s);
}

static void reply(dw__mcp_server *s, const json_t *id, json_t *result) {
  json_t *m = json_pack("{s:s, s:O, s:o}", "jsonrpc", "2.0", "id", id, "result", result);
  send_msg(s, m);
  json_decref(m);
}

static void reply_error(dw__mcp_server *s, const json_t *id, int code, const char *message) {
  json_t *m = dw__rpc_error(id, code, message);
  send_msg(s, m);
  json_decref(m);
}

/* ---- elicitation ---------------------------------------------------------------------- */

static int elicit(void *self, const char *message, dw__cm_elicit_done done, void *user,
                  char *why, size_t why_len) {
  dw__mcp_server *s = self;
  if (!s->elicitation) {
    snprintf(why, why_len, "the MCP client did not declare the elicitation capability");
    return DW_E_BAD_REQUEST;
  }
  asking *a = calloc(1, sizeof *a);
  if (!a) return DW_E_NOMEM;
  a->id = ++s->next_id;
  a->done = done;
  a->user = user;
  a->next = s->asks;
  s->asks = a;
  json_t *m = json_pack("{s:s, s:I, s:s, s:{s:s, s:{s:s, s:{}}}}", "jsonrpc", "2.0", "id", a->id,
                        "method", "elicitation/create", "params", "message", message,
                        "requestedSchema", "type", "object", "properties");
  send_msg(s, m);
  json_decref(m);
  return 0;
}

static void on_response(dw__mcp_server *s, json_t *m) {
  json_t *id = json_object_get(m, "id");
  if (!json_is_integer(id)) return;
  for (asking **pp = &s->asks; *pp; pp = &(*pp)->next) {
    asking *a = *pp;
    if (a->id != json_integer_value(id)) continue;
    *pp = a->next;
    const char *action = json_string_value(json_object_get(json_object_get(m, "result"), "action"));
    json_t *e = json_object_get(m, "error");
    char reason[300] = "";
    if (e) snprintf(reason, sizeof reason, "the client answered with an error: %.200s",
                    json_string_value(json_object_get(e, "message")) ? json_string_value(json_object_get(e, "message")) : "?");
    else if (!action || strcmp(action, "accept"))
      snprintf(reason, sizeof reason, "the user chose \"%.50s\"", action ? action : "(nothing)");
    a->done(a->user, !e && action && !strcmp(action, "accept"), *reason ? reason : NULL);
    free(a);
    return;
  }
}

/* ---- requests ------------------------------------------------------------------------- */

static void on_call_done(void *user, const json_t *result) {
  active *a = user;
  dw__mcp_server *s = a->s;
  for (active **pp = &s->calls; *pp; pp = &(*pp)->next)
    if (*pp == a) { *pp = a->next; s->n_calls--; break; }
  reply(s, a->req_id, json_deep_copy(result));
  json_decref(a->req_id);
  free(a);
}

static void tools_call(dw__mcp_server *s, const json_t *id, const json_t *params) {
  const char *name = json_string_value(json_object_get(params, "name"));
  if (!name || strcmp(name, "code")) {
    char t[300];
    snprintf(t, sizeof t, "Unknown tool '%.100s': this server has one tool, 'code'", name ? name : "");
    reply_error(s, id, dw_err_jsonrpc_code(DW_E_BAD_REQUEST), t);
    return;
  }
  if (s->n_calls >= DW__MCP_MAX_CALLS) {
    reply_error(s, id, dw_err_jsonrpc_code(DW_E_OVERLOADED), "too many tools/call in flight; retry later");
    return;
  }
  active *a = calloc(1, sizeof *a);
  if (!a) { reply_error(s, id, dw_err_jsonrpc_code(DW_E_NOMEM), "out of memory"); return; }
  a->s = s;
  a->req_id = json_deep_copy(id);
  char why[512] = "";
  json_t *args = json_object_get(params, "arguments");
  int err = dw__cm_call(s->cm, args, on_call_done, a, &a->run_id, why, sizeof why);
  if (err == DW_E_BAD_REQUEST || err == DW_E_TOO_LARGE) {
    reply_error(s, id, dw_err_jsonrpc_code(err), why);
  } else if (err) {
    /* Could not start (overloaded, lost executors): a tool error the model can read. */
    json_t *ans = json_pack("{s:n, s:[], s:{s:s, s:s, s:s}}", "result", "logs", "error", "code",
                            dw_err_code(err), "name", "Error", "message", why);
    char *text = json_dumps(ans, JSON_COMPACT);
    reply(s, id, json_pack("{s:[{s:s, s:s}], s:O, s:b}", "content", "type", "text", "text",
                           text ? text : "{}", "structuredContent", ans, "isError", 1));
    free(text);
    json_decref(ans);
  }
  if (err) {
    json_decref(a->req_id);
    free(a);
    return;
  }
  a->next = s->calls;
  s->calls = a;
  s->n_calls++;
}

static void on_request(dw__mcp_server *s, json_t *m) {
  const char *method = json_string_value(json_object_get(m, "method"));
  json_t *id = json_object_get(m, "id"), *params = json_object_get(m, "params");
  if (!strcmp(method, "initialize")) {
    const char *asked = json_string_value(json_object_get(params, "protocolVersion"));
    snprintf(s->version, sizeof s->version, "%s", dw__rpc_negotiate(asked));
    s->elicitation = json_object_get(json_object_get(params, "capabilities"), "elicitation") != NULL;
    reply(s, id, json_pack("{s:s, s:{s:{s:b}}, s:{s:s, s:s}, s:s}", "protocolVersion", s->version,
                           "capabilities", "tools", "listChanged", 0, "serverInfo", "name",
                           "dynworker", "version", dw_version_string(), "instructions",
                           "dynworker Code Mode: call the `code` tool with TypeScript that uses "
                           "the typed API in its description; one call can chain many tools."));
  } else if (!strcmp(method, "ping")) {
    reply(s, id, json_object());
  } else if (!strcmp(method, "tools/list")) {
    reply(s, id, json_pack("{s:o}", "tools", dw__cm_tools(s->cm)));
  } else if (!strcmp(method, "tools/call")) {
    tools_call(s, id, params);
  } else {
    char t[200];
    snprintf(t, sizeof t, "Method not found: %.100s", method);
    reply_error(s, id, dw_err_jsonrpc_code(DW_E_NOT_FOUND), t);
  }
}

static void on_notification(dw__mcp_server *s, json_t *m) {
  const char *method = json_string_value(json_object_get(m, "method"));
  if (strcmp(method, "notifications/cancelled")) return; /* initialized, progress, ...: nothing to do */
  json_t *rid = json_object_get(json_object_get(m, "params"), "requestId");
  for (active **pp = &s->calls; *pp; pp = &(*pp)->next) {
    active *a = *pp;
    if (!json_equal(a->req_id, rid)) continue;
    *pp = a->next;
    s->n_calls--;
    dw__cm_cancel(s->cm, a->run_id);
    json_decref(a->req_id);
    free(a);
    return;
  }
}

static void on_line(dw__mcp_server *s, const char *line, size_t len) {
  json_t *m, *err;
  switch (dw__rpc_parse(line, len, &m, &err)) {
  case DW__RPC_REQUEST: on_request(s, m); break;
  case DW__RPC_NOTIFICATION: on_notification(s, m); break;
  case DW__RPC_RESPONSE: on_response(s, m); break;
  case DW__RPC_INVALID: send_msg(s, err); break;
  }
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
      reply_error(s, NULL, -32700, t);
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
  s->cm = cm;
  s->in_fd = in_fd;
  s->out_fd = out_fd;
  s->on_close = on_close;
  s->user = user;
  snprintf(s->version, sizeof s->version, "%s", versions[0]);
  dw__buf_init(&s->in, DW__MCP_MAX_LINE);
  dw__buf_init(&s->out, DW__MCP_MAX_OUTPUT_QUEUE);
  fcntl(in_fd, F_SETFL, fcntl(in_fd, F_GETFL) | O_NONBLOCK);
  fcntl(out_fd, F_SETFL, fcntl(out_fd, F_GETFL) | O_NONBLOCK);
  s->rev = event_new(base, in_fd, EV_READ | EV_PERSIST, on_readable, s);
  s->wev = event_new(base, out_fd, EV_WRITE, on_writable, s);
  if (!s->rev || !s->wev || event_add(s->rev, NULL)) {
    dw__mcp_server_free(s);
    return DW_E_NOMEM;
  }
  dw__cm_set_elicit(cm, elicit, s);
  *out = s;
  return 0;
}

void dw__mcp_server_free(dw__mcp_server *s) {
  if (!s) return;
  if (s->cm) dw__cm_set_elicit(s->cm, NULL, NULL);
  while (s->calls) {
    active *a = s->calls;
    s->calls = a->next;
    dw__cm_cancel(s->cm, a->run_id);
    json_decref(a->req_id);
    free(a);
  }
  while (s->asks) {
    asking *a = s->asks;
    s->asks = a->next;
    a->done(a->user, false, "the client has gone");
    free(a);
  }
  if (s->rev) event_free(s->rev);
  if (s->wev) event_free(s->wev);
  dw__buf_free(&s->in);
  dw__buf_free(&s->out);
  free(s);
}

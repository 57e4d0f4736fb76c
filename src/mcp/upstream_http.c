/* mcp/upstream: Streamable HTTP upstreams (MCP 2025-06-18 / 2025-03-26 transports): every
 * JSON-RPC message is POSTed; the answer is a JSON body or an SSE stream (text/event-stream)
 * carrying it; the session id the server gives at initialize goes back in Mcp-Session-Id.
 * The requests go through src/net (libcurl multi), polled from a loop timer while in flight.
 * The upstream URL is trusted config: private and loopback addresses are allowed. */
#include "mcp/upstream_internal.h"

#include <strings.h>
#include <string.h>

#define POLL_US 2000 /* the net poll timer while requests are in flight */

typedef struct {
  dw__up *u;
  pending *p;          /* NULL: a synchronous set-up request */
  uint64_t rpc_id;     /* the JSON-RPC id answered (0: a notification) */
  bool done;
  int err;
  char msg[512];
  json_t *result;      /* set-up requests: the result (owned) */
} http_req;

static const char *header(const dw__net_response *r, const char *name) {
  size_t n = strlen(name);
  for (size_t i = 0; i < r->nheaders; i++)
    if (strncasecmp(r->headers[i], name, n) == 0 && r->headers[i][n] == ':') {
      const char *v = r->headers[i] + n + 1;
      while (*v == ' ' || *v == '\t') v++;
      return v;
    }
  return NULL;
}

/* The JSON-RPC message answering `id` in a JSON body (an object or a batch array) or in an
 * SSE body (events whose data lines hold JSON messages). New reference or NULL. */
json_t *dw__up_find_answer(const char *body, size_t len, bool sse, uint64_t id) {
  if (!sse) {
    json_error_t je;
    json_t *m = json_loadb(body, len, 0, &je);
    if (json_is_object(m)) return m;
    if (json_is_array(m)) {
      size_t i;
      json_t *x;
      json_array_foreach(m, i, x) {
        json_t *xid = json_object_get(x, "id");
        if (json_is_integer(xid) && (uint64_t)json_integer_value(xid) == id) {
          json_incref(x);
          json_decref(m);
          return x;
        }
      }
    }
    json_decref(m);
    return NULL;
  }
  dw_buf data;
  dw__buf_init(&data, DW__MCP_MAX_LINE);
  json_t *found = NULL;
  const char *p = body, *end = body + len;
  while (p <= end && !found) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    const char *le = nl ? nl : end;
    size_t ll = (size_t)(le - p);
    if (ll && p[ll - 1] == '\r') ll--;
    if (ll == 0) { /* end of an event */
      if (data.len) {
        json_error_t je;
        json_t *m = json_loadb(data.data, data.len, 0, &je);
        json_t *mid = json_object_get(m, "id");
        if (json_is_object(m) && !json_object_get(m, "method") && json_is_integer(mid) &&
            (uint64_t)json_integer_value(mid) == id)
          found = m;
        else json_decref(m);
        dw__buf_reset(&data);
      }
    } else if (ll >= 5 && !strncmp(p, "data:", 5)) {
      const char *v = p + 5;
      size_t vl = ll - 5;
      if (vl && *v == ' ') { v++; vl--; }
      if (data.len) dw__buf_putc(&data, '\n');
      if (dw__buf_append(&data, v, vl)) break;
    }
    if (!nl) {
      if (data.len && !found) { /* a stream cut without its blank line */
        json_error_t je;
        json_t *m = json_loadb(data.data, data.len, 0, &je);
        json_t *mid = json_object_get(m, "id");
        if (json_is_object(m) && json_is_integer(mid) && (uint64_t)json_integer_value(mid) == id) found = m;
        else json_decref(m);
      }
      break;
    }
    p = nl + 1;
  }
  dw__buf_free(&data);
  return found;
}

static void on_done(void *user, int err, const char *message, const dw__net_response *res) {
  http_req *r = user;
  dw__up *u = r->u;
  json_t *m = NULL;
  char msg[512] = "";
  const json_t *result = NULL;
  if (err) {
    snprintf(msg, sizeof msg, "upstream '%s' (HTTP): %s", u->name, message ? message : dw_strerror(err));
    err = DW_E_IO;
  } else if (res->status == 202 || (r->rpc_id == 0 && res->status < 300)) {
    err = 0; /* a notification accepted */
  } else if (res->status == 404 && u->session) {
    err = DW_E_IO;
    snprintf(msg, sizeof msg, "upstream '%s': its session expired (HTTP 404); it is reconnected on the next call", u->name);
    u->connected = false;
    snprintf(u->status, sizeof u->status, "its session expired");
  } else if (res->status < 200 || res->status >= 300) {
    err = DW_E_IO;
    snprintf(msg, sizeof msg, "upstream '%s' answered HTTP %d: %.200s", u->name, res->status,
             (const char *)res->body);
  } else {
    const char *ct = header(res, "content-type");
    bool sse = ct && !strncasecmp(ct, "text/event-stream", 17);
    const char *sid = header(res, "mcp-session-id");
    if (sid && *sid && strlen(sid) < 1024 && (!u->session || strcmp(u->session, sid))) {
      free(u->session);
      u->session = dw__strdup(sid);
    }
    m = dw__up_find_answer(res->body, res->body_len, sse, r->rpc_id);
    json_t *e = json_object_get(m, "error");
    if (!m) {
      err = DW_E_BAD_RESULT;
      snprintf(msg, sizeof msg, "upstream '%s' sent no answer to request %llu (%s body)", u->name,
               (unsigned long long)r->rpc_id, sse ? "SSE" : "JSON");
    } else if (e) {
      err = DW_E_BAD_RESULT;
      const char *t = json_string_value(json_object_get(e, "message"));
      snprintf(msg, sizeof msg, "upstream '%s' answered with JSON-RPC error %lld: %.300s", u->name,
               (long long)json_integer_value(json_object_get(e, "code")), t ? t : "(no message)");
    } else if (!json_is_object(result = json_object_get(m, "result"))) {
      err = DW_E_BAD_RESULT;
      result = NULL;
      snprintf(msg, sizeof msg, "upstream '%s' answered without a result object", u->name);
    }
  }
  if (r->p) {
    pending *p = dw__up_take(u, r->p->id);
    if (p) p->net_req = NULL;
    if (p) dw__up_finish(u, p, err, err ? msg : NULL, result);
    free(r);
  } else {
    r->done = true;
    r->err = err;
    snprintf(r->msg, sizeof r->msg, "%s", msg);
    r->result = result ? json_incref((json_t *)result) : NULL;
  }
  json_decref(m);
}

static void on_poll(evutil_socket_t fd, short what, void *arg) {
  dw__up *u = arg;
  if (!u->net) return;
  int left = dw__net_poll(u->net, 0);
  if (left > 0) {
    struct timeval tv = {0, POLL_US};
    evtimer_add(u->net_timer, &tv);
  }
}

/* Starts a POST of `msg`; `r` is handed to on_done. */
static int post(dw__up *u, const json_t *msg, http_req *r, uint32_t timeout_ms, uint64_t *net_id,
                char *why, size_t why_len) {
  const char *hdrs[140];
  char *owned[140];
  size_t nh = 0, no = 0;
  hdrs[nh++] = "Content-Type: application/json";
  hdrs[nh++] = "Accept: application/json, text/event-stream";
  dw_buf b;
  int err = 0;
  if (u->session) {
    dw__buf_init(&b, 2048);
    if (!dw__buf_printf(&b, "Mcp-Session-Id: %s", u->session)) hdrs[nh++] = owned[no++] = dw__buf_steal(&b, NULL);
    dw__buf_free(&b);
  }
  if (u->protocol) {
    dw__buf_init(&b, 256);
    if (!dw__buf_printf(&b, "MCP-Protocol-Version: %s", u->protocol)) hdrs[nh++] = owned[no++] = dw__buf_steal(&b, NULL);
    dw__buf_free(&b);
  }
  const char *k;
  json_t *v;
  json_object_foreach(json_object_get(u->entry, "headers"), k, v) {
    if (nh >= 130) break;
    dw__buf_init(&b, 16384);
    if (!dw__buf_printf(&b, "%s: %s", k, json_string_value(v))) hdrs[nh++] = owned[no++] = dw__buf_steal(&b, NULL);
    dw__buf_free(&b);
  }
  hdrs[nh] = NULL;
  char *body = json_dumps(msg, JSON_COMPACT);
  if (!body) err = DW_E_NOMEM;
  const char *allow[] = {"*"};
  dw__net_policy pol = {.allow_hosts = allow, .n_allow = 1, .allow_private = true,
                        .max_response_bytes = DW__MCP_MAX_LINE, .timeout_ms = timeout_ms + 1000};
  dw__net_request req = {.method = "POST", .url = json_string_value(json_object_get(u->entry, "url")),
                         .headers = hdrs, .body = body, .body_len = body ? strlen(body) : 0};
  if (!err) err = dw__net_start(u->net, &pol, &req, on_done, r, net_id, why, why_len);
  free(body);
  for (size_t i = 0; i < no; i++) free(owned[i]);
  if (!err && !evtimer_pending(u->net_timer, NULL)) {
    struct timeval tv = {0, POLL_US};
    evtimer_add(u->net_timer, &tv);
  }
  return err;
}

/* A set-up request, waited for (blocks up to the set-up timeout). */
static int sync_request(dw__up *u, const char *method, json_t *params, json_t **result,
                        char *why, size_t why_len) {
  uint64_t id = method ? u->next_id++ : 0;
  json_t *msg = method && params
                    ? json_pack("{s:s, s:I, s:s, s:O}", "jsonrpc", "2.0", "id", (json_int_t)id, "method", method, "params", params)
                    : json_pack("{s:s, s:s}", "jsonrpc", "2.0", "method", "notifications/initialized");
  http_req r = {.u = u, .rpc_id = id};
  if (!msg) return DW_E_NOMEM;
  uint64_t nid;
  int err = post(u, msg, &r, (uint32_t)u->timeout_ms, &nid, why, why_len);
  json_decref(msg);
  if (err) return err;
  uint64_t deadline = dw__now_ns() + (uint64_t)(u->timeout_ms + 2000) * 1000000u;
  while (!r.done && dw__now_ns() < deadline) {
    if (dw__net_poll(u->net, 50) < 0) break;
  }
  if (!r.done) {
    dw__net_cancel(u->net, nid);
    snprintf(why, why_len, "no answer to %s within %d ms", method ? method : "notifications/initialized", u->timeout_ms);
    return DW_E_IO;
  }
  if (r.err) { snprintf(why, why_len, "%s", r.msg); json_decref(r.result); return r.err; }
  if (result) *result = r.result;
  else json_decref(r.result);
  return 0;
}

int dw__up_http_connect(dw__up *u, char *why, size_t why_len) {
  if (!u->net) {
    u->net = dw__net_new();
    u->net_timer = evtimer_new(u->base, on_poll, u);
    if (!u->net || !u->net_timer) return DW_E_NOMEM;
  }
  free(u->session);
  u->session = NULL;
  free(u->protocol);
  u->protocol = NULL;
  if (u->next_id == 0) u->next_id = 1; /* 0 marks a notification in http_req */
  json_t *params = json_pack("{s:s, s:{}, s:{s:s, s:s}}", "protocolVersion", DW__MCP_PROTOCOL_VERSION,
                             "capabilities", "clientInfo", "name", "dynworker", "version", dw_version_string());
  json_t *res = NULL;
  int err = params ? sync_request(u, "initialize", params, &res, why, why_len) : DW_E_NOMEM;
  json_decref(params);
  if (err) return err;
  const char *pv = json_string_value(json_object_get(res, "protocolVersion"));
  u->protocol = dw__strdup(pv ? pv : DW__MCP_PROTOCOL_VERSION);
  json_decref(res);
  if ((err = sync_request(u, NULL, NULL, NULL, why, why_len))) return err;
  dw__mcp_tools tools = {0};
  json_t *cursor = NULL, *prev = NULL;
  for (int page = 0; !err; page++) {
    if (page == DW__MCP_MAX_PAGES) { err = DW_E_TOO_LARGE; snprintf(why, why_len, "tools/list has more than %d pages", DW__MCP_MAX_PAGES); break; }
    params = cursor ? json_pack("{s:O}", "cursor", cursor) : json_object();
    json_decref(prev);
    prev = NULL;
    err = params ? sync_request(u, "tools/list", params, &res, why, why_len) : DW_E_NOMEM;
    json_decref(params);
    if (err) break;
    json_t *list = json_object_get(res, "tools");
    size_t n = json_array_size(list);
    if (!json_is_array(list)) { err = DW_E_BAD_RESULT; snprintf(why, why_len, "tools/list: no 'tools' array"); json_decref(res); break; }
    if (tools.n_tools + n > 4096) { err = DW_E_TOO_LARGE; snprintf(why, why_len, "more than 4096 tools"); json_decref(res); break; }
    dw__mcp_tool *t = realloc(tools.tools, (tools.n_tools + n + 1) * sizeof *t);
    if (!t) { err = DW_E_NOMEM; json_decref(res); break; }
    tools.tools = t;
    for (size_t i = 0; i < n && !err; i++) {
      json_t *j = json_array_get(list, i);
      const char *name = json_string_value(json_object_get(j, "name"));
      if (!name || !*name) { err = DW_E_BAD_RESULT; snprintf(why, why_len, "tools/list: a tool without a name"); break; }
      dw__mcp_tool *d = &tools.tools[tools.n_tools++];
      memset(d, 0, sizeof *d);
      d->name = dw__strdup(name);
      const char *desc = json_string_value(json_object_get(j, "description"));
      d->description = desc ? dw__strdup(desc) : NULL;
      json_t *in = json_object_get(j, "inputSchema"), *os = json_object_get(j, "outputSchema");
      d->input_schema = in ? json_incref(in) : NULL;
      d->output_schema = os ? json_incref(os) : NULL;
    }
    cursor = json_object_get(res, "nextCursor");
    prev = res;
    if (!json_is_string(cursor) || !*json_string_value(cursor)) break;
  }
  json_decref(prev);
  if (err) { dw__mcp_tools_free(&tools); return err; }
  dw__mcp_tools_free(&u->tools);
  u->tools = tools;
  return 0;
}

int dw__up_http_send(dw__up *u, pending *p, const json_t *msg, char *why, size_t why_len) {
  http_req *r = calloc(1, sizeof *r);
  if (!r) return DW_E_NOMEM;
  r->u = u;
  r->p = p;
  r->rpc_id = p->id;
  /* The pending request's own timer is the deadline; this one only bounds the transfer. */
  int err = post(u, msg, r, 3600000u, &p->net_id, why, why_len);
  if (err) free(r);
  else p->net_req = r;
  return err;
}

void dw__up_http_free(dw__up *u) {
  if (u->net_timer) event_free(u->net_timer);
  u->net_timer = NULL;
  dw__net_free(u->net); /* cancels in flight: their http_req are leaked unless freed here */
  u->net = NULL;
  free(u->session);
  free(u->protocol);
  u->session = u->protocol = NULL;
}

/* server: evhttp set-up, the dispatcher (route table, auth, tenant, caps), replies, drain. */
#include <arpa/inet.h>
#include <event2/util.h>
#include <stdarg.h>
#include <string.h>
#include "http/http_internal.h"
#include "http/routes.h"

#define ANY 0xffff
#define POST EVHTTP_REQ_POST
#define GET EVHTTP_REQ_GET
#define PUT EVHTTP_REQ_PUT
#define DELETE EVHTTP_REQ_DELETE

typedef struct {
  unsigned methods;
  const char *method_name, *pattern;
  void (*fn)(dw__http_ctx *c);
} route;

static const route routes[] = {
#define DW__HTTP_ROW(m, p, f) {m, #m, p, dw__http_h_##f},
    DW__HTTP_ROUTES(DW__HTTP_ROW)
#undef DW__HTTP_ROW
};

const char *dw__http_routes_text(void) {
  static const char text[] =
#define DW__HTTP_TEXT(m, p, f) #m " " p "\n"
      DW__HTTP_ROUTES(DW__HTTP_TEXT)
#undef DW__HTTP_TEXT
      ;
  return text;
}

bool dw__http_name_ok(const char *s, size_t max, const char *extra) {
  size_t n = strlen(s);
  if (n == 0 || n > max) return false;
  for (size_t i = 0; i < n; i++)
    if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
          (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '-' ||
          (extra && strchr(extra, s[i]))))
      return false;
  return true;
}

static const char *reason(int status) {
  switch (status) {
  case 200: return "OK";
  case 201: return "Created";
  case 202: return "Accepted";
  case 204: return "No Content";
  case 400: return "Bad Request";
  case 401: return "Unauthorized";
  case 404: return "Not Found";
  case 403: return "Forbidden";
  case 405: return "Method Not Allowed";
  case 406: return "Not Acceptable";
  case 413: return "Payload Too Large";
  case 415: return "Unsupported Media Type";
  case 500: return "Internal Server Error";
  case 503: return "Service Unavailable";
  default: return status < 400 ? "OK" : "Error";
  }
}

/* ---- request contexts -------------------------------------------------------------- */

static void ctx_unlink_free(dw__http_ctx *c) {
  dw__http *h = c->h;
  if (c->prev) c->prev->next = c->next;
  else h->active = c->next;
  if (c->next) c->next->prev = c->prev;
  h->nactive--;
  free(c->id);
  free(c->path);
  free(c->entrypoint);
  free(c->method);
  free(c);
  /* A drain completes once the supervisor is drained and the last reply is out; checked from
   * the loop, never from inside the reply. */
  if (h->draining && h->drain_check) event_active(h->drain_check, EV_TIMEOUT, 0);
}

/* The client went away while we waited: the supervisor keeps its answer to itself. */
static void on_conn_close(struct evhttp_connection *conn, void *arg) {
  dw__http_ctx *c = arg;
  if (c->invoking) dw__sup_abandon(c->h->sup, c->inv_id);
  /* evhttp detached the request from the connection (it would have been answered on it): it
   * is ours to free. A request still attached is freed by evhttp after this callback. */
  if (evhttp_request_get_connection(c->req) == NULL) evhttp_request_free(c->req);
  ctx_unlink_free(c);
}

void dw__http_ctx_done(dw__http_ctx *c) { ctx_unlink_free(c); }

/* A connection answered during the drain is closed (its answer is out). */
static void on_drain_close(struct evhttp_connection *conn, void *arg) {
  dw__http *h = arg;
  h->closing--;
  if (h->drain_check) event_active(h->drain_check, EV_TIMEOUT, 0);
}

void dw__http_wait(dw__http_ctx *c, uint64_t id) {
  c->invoking = true;
  c->inv_id = id;
  if (c->conn) dw__http_conn_closecb(c->h, c->conn, on_conn_close, c);
}

void dw__http_reply(dw__http_ctx *c, int status, const char *content_type, const void *body,
                    size_t len) {
  dw__http *h = c->h;
  struct evkeyvalq *out = evhttp_request_get_output_headers(c->req);
  if (content_type) evhttp_add_header(out, "Content-Type", content_type);
  if (h->draining) evhttp_add_header(out, "Connection", "close");
  struct evbuffer *buf = evbuffer_new();
  if (buf && len) evbuffer_add(buf, body, len);
  if (c->conn && h->draining) {
    /* Sent with Connection: close: evhttp closes the connection once the answer is written.
     * The drain is over only then, or the exit would drop the unsent answer. */
    h->closing++;
    dw__http_conn_closecb(h, c->conn, on_drain_close, h);
  } else if (c->conn) {
    dw__http_conn_closecb(h, c->conn, NULL, NULL);
  }
  evhttp_send_reply(c->req, status, reason(status), buf);
  if (buf) evbuffer_free(buf);
  char label[32];
  snprintf(label, sizeof label, "code=\"%d\"", status);
  dw__metrics_add(h->metrics, h->m_http, label, 1);
  ctx_unlink_free(c);
}

void dw__http_reply_json(dw__http_ctx *c, int status, json_t *v) {
  char *s = v ? dw__json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
  json_decref(v);
  if (!s) {
    static const char oom[] =
        "{\"error\":{\"code\":\"out_of_memory\",\"message\":\"out of memory (host)\"}}";
    dw__http_reply(c, 500, "application/json", oom, sizeof oom - 1);
    return;
  }
  dw__http_reply(c, status, "application/json", s, strlen(s));
  free(s);
}

void dw__http_reply_error(dw__http_ctx *c, int err, uint32_t retry_after_s, const char *fmt, ...) {
  char msg[1024];
  if (fmt) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
  } else {
    snprintf(msg, sizeof msg, "%s", dw_strerror(err));
  }
  /* The message may quote what a client sent (a path): JSON needs UTF-8. */
  if (!dw__utf8_valid(msg, strlen(msg)))
    for (char *p = msg; *p; p++)
      if ((unsigned char)*p >= 0x80) *p = '?';
  int status = dw_err_http_status(err);
  if (status < 400) status = 500; /* a worker-level code never reaches here as a success */
  if (status == 503) {
    char ra[16];
    snprintf(ra, sizeof ra, "%u", retry_after_s ? retry_after_s : c->h->retry_after_s);
    evhttp_add_header(evhttp_request_get_output_headers(c->req), "Retry-After", ra);
  }
  json_t *v = json_pack("{s:{s:s,s:s}}", "error", "code", dw_err_code(err), "message", msg);
  dw__http_reply_json(c, status, v);
}

json_t *dw__http_body_json(dw__http_ctx *c) {
  struct evbuffer *in = evhttp_request_get_input_buffer(c->req);
  size_t n = evbuffer_get_length(in);
  if (n > c->h->max_body) {
    dw__http_reply_error(c, DW_E_TOO_LARGE, 0, "request body: %zu bytes is over the cap of %zu",
                         n, c->h->max_body);
    return NULL;
  }
  const char *p = n ? (const char *)evbuffer_pullup(in, -1) : "";
  if (n && !p) {
    dw__http_reply_error(c, DW_E_NOMEM, 0, NULL);
    return NULL;
  }
  json_error_t e;
  json_t *v = json_loadb(p, n, JSON_REJECT_DUPLICATES, &e);
  if (!v)
    dw__http_reply_error(c, DW_E_BAD_REQUEST, 0, "body: not valid JSON (line %d, column %d: %s)",
                         e.line, e.column, e.text);
  return v;
}

/* ---- dispatch ------------------------------------------------------------------------ */

/* Matches `path` against `pattern`; fills c's parameters on a match. */
static bool match(const char *pattern, const char *path, dw__http_ctx *c, bool fill) {
  const char *p = pattern, *s = path;
  while (*p) {
    if (*p != '/' || *s != '/') return false;
    p++, s++;
    const char *pe = strchr(p, '/'), *se = strchr(s, '/');
    size_t pn = pe ? (size_t)(pe - p) : strlen(p), sn = se ? (size_t)(se - s) : strlen(s);
    if (pn >= 5 && p[0] == '{' && strncmp(p + pn - 4, "...}", 4) == 0) {
      if (fill) {
        c->path = dw__strdup(s - 1); /* the rest, with its leading slash */
        c->has_path = true;
      }
      return true;
    }
    if (p[0] == '{') {
      if (sn == 0) return false;
      if (fill) {
        char *v = dw__strndup(s, sn);
        if (strncmp(p, "{id}", 4) == 0) c->id = v;
        else if (strncmp(p, "{entrypoint}", 12) == 0) c->entrypoint = v;
        else if (strncmp(p, "{method}", 8) == 0) c->method = v;
        else free(v);
      }
    } else if (pn != sn || strncmp(p, s, pn) != 0) {
      return false;
    }
    p += pn, s += sn;
  }
  return *s == 0;
}

/* Compares a client's token with ours in time that depends only on our token's length. */
static bool ct_equal(const char *a, size_t an, const char *b, size_t bn) {
  unsigned char d = an != bn;
  for (size_t i = 0; i < bn; i++) d |= (unsigned char)(a[i < an ? i : 0] ^ b[i]);
  return d == 0;
}

/* Authorization and tenant. 0, or replied with an error. */
static int authenticate(dw__http_ctx *c) {
  dw__http *h = c->h;
  struct evkeyvalq *in = evhttp_request_get_input_headers(c->req);
  const char *bound_tenant = NULL;
  if (h->ntokens) {
    const char *auth = evhttp_find_header(in, "Authorization");
    bool ok = false;
    if (auth && strncasecmp(auth, "Bearer ", 7) == 0) {
      const char *t = auth + 7;
      while (*t == ' ') t++;
      size_t tn = strlen(t);
      for (size_t i = 0; i < h->ntokens; i++) /* no early exit: every token is compared */
        if (ct_equal(t, tn, h->tokens[i].token, strlen(h->tokens[i].token))) {
          ok = true;
          bound_tenant = h->tokens[i].tenant;
        }
    }
    if (!ok) {
      evhttp_add_header(evhttp_request_get_output_headers(c->req), "WWW-Authenticate",
                        "Bearer realm=\"dynworker\"");
      dw__http_reply_error(c, DW_E_UNAUTHORIZED, 0,
                           auth ? "the bearer token is not valid"
                                : "this server needs 'Authorization: Bearer <token>'");
      return -1;
    }
  }
  const char *hdr = evhttp_find_header(in, "X-Dynworker-Tenant");
  if (hdr && !dw__http_name_ok(hdr, DW__HTTP_TENANT_MAX, NULL)) {
    dw__http_reply_error(c, DW_E_BAD_REQUEST, 0,
                         "X-Dynworker-Tenant: 1 to 64 characters of A-Z a-z 0-9 _ -");
    return -1;
  }
  if (bound_tenant && hdr && strcmp(hdr, bound_tenant) != 0) {
    dw__http_reply_error(c, DW_E_UNAUTHORIZED, 0,
                         "X-Dynworker-Tenant: this token is bound to another tenant");
    return -1;
  }
  snprintf(c->tenant, sizeof c->tenant, "%s", bound_tenant ? bound_tenant : hdr ? hdr : "default");
  return 0;
}

/* Request smuggling: libevent frames a body by one of several Content-Length headers; a proxy
 * in front may take another. A request with different Content-Lengths is refused (RFC 9112,
 * 6.3) and its connection closed, so that nothing after it is read as a request. */
static bool ambiguous_length(const struct evkeyvalq *hs) {
  const char *first = NULL;
  for (const struct evkeyval *kv = hs->tqh_first; kv; kv = kv->next.tqe_next) {
    if (evutil_ascii_strcasecmp(kv->key, "Content-Length") != 0) continue;
    if (first && strcmp(first, kv->value) != 0) return true;
    first = kv->value;
  }
  return false;
}

static void dispatch(struct evhttp_request *req, void *arg) {
  dw__http *h = arg;
  dw__http_ctx *c = calloc(1, sizeof *c);
  if (!c) {
    evhttp_send_error(req, 500, "out of memory");
    return;
  }
  c->h = h;
  c->req = req;
  c->conn = evhttp_request_get_connection(req);
  dw__http_guard_request_done(h, c->conn);
  c->next = h->active;
  if (h->active) h->active->prev = c;
  h->active = c;
  h->nactive++;

  if (h->draining) {
    dw__http_reply_error(c, DW_E_OVERLOADED, 0, "the server is shutting down");
    return;
  }
  if (h->nactive > h->max_concurrent) {
    dw__http_reply_error(c, DW_E_OVERLOADED, 0, "too many requests at once (%u)",
                         h->max_concurrent);
    return;
  }
  if (ambiguous_length(evhttp_request_get_input_headers(req))) {
    evhttp_add_header(evhttp_request_get_output_headers(req), "Connection", "close");
    dw__http_reply_error(c, DW_E_BAD_REQUEST, 0,
                         "Content-Length: given twice with different values");
    return;
  }
  const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
  const char *path = uri ? evhttp_uri_get_path(uri) : NULL;
  if (!path || !*path) path = "/";
  unsigned method = (unsigned)evhttp_request_get_command(req);
  const route *found = NULL;
  char allow[128] = "";
  for (size_t i = 0; i < DW_ARRAY_LEN(routes) && !found; i++) {
    if (!match(routes[i].pattern, path, c, false)) continue;
    if (routes[i].methods & method) {
      found = &routes[i];
    } else if (strlen(allow) + 10 < sizeof allow) {
      if (allow[0]) strcat(allow, ", ");
      strcat(allow, routes[i].method_name);
    }
  }
  if (!found) {
    if (allow[0]) {
      evhttp_add_header(evhttp_request_get_output_headers(req), "Allow", allow);
      json_t *v = json_pack("{s:{s:s,s:s}}", "error", "code", "method_not_allowed", "message",
                            "this method is not allowed here; see the Allow header");
      dw__http_reply_json(c, 405, v);
    } else {
      dw__http_reply_error(c, DW_E_NOT_FOUND, 0, "no route for %.200s", path);
    }
    return;
  }
  match(found->pattern, path, c, true);
  if ((strncmp(path, "/v1/", 4) == 0 || strcmp(path, "/mcp") == 0) && authenticate(c)) return;
  if (c->id && !dw__http_name_ok(c->id, DW__HTTP_ID_MAX, ".:")) {
    dw__http_reply_error(c, DW_E_BAD_REQUEST, 0,
                         "id: 1 to 128 characters of A-Z a-z 0-9 _ - . :");
    return;
  }
  found->fn(c);
}

/* ---- life cycle ---------------------------------------------------------------------- */

static void drain_check(evutil_socket_t fd, short what, void *arg) {
  dw__http *h = arg;
  if (h->draining && h->sup_drained && h->nactive == 0 && h->closing == 0 && h->drained) {
    void (*cb)(void *) = h->drained;
    h->drained = NULL;
    cb(h->drained_user);
  }
}

static void sup_drained(void *arg) {
  dw__http *h = arg;
  h->sup_drained = true;
  event_active(h->drain_check, EV_TIMEOUT, 0);
}

void dw__http_drain(dw__http *h, uint32_t grace_ms, void (*drained)(void *user), void *user) {
  if (h->draining) return;
  h->draining = true;
  h->drained = drained;
  h->drained_user = user;
  for (size_t i = 0; i < h->nbound; i++) evhttp_del_accept_socket(h->http, h->bound[i]);
  h->nbound = 0;
  dw__tail_close_all(h);
  dw__sup_drain(h->sup, grace_ms, sup_drained, h);
}

static int init_metrics(dw__http *h) {
  static const double secs[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                0.1,    0.25,  0.5,    1,     2.5,  5,    10};
  dw__metrics *m = h->metrics = dw__metrics_new();
  if (!m) return DW_E_NOMEM;
  h->m_invocations = dw__metrics_family(m, "dynworker_invocations_total",
                                        "Invocations that ended, by kind and outcome.",
                                        DW_METRIC_COUNTER, NULL, 0);
  h->m_duration = dw__metrics_family(m, "dynworker_invocation_duration_seconds",
                                     "Time from hand-over to the supervisor to the answer.",
                                     DW_METRIC_HISTOGRAM, secs, DW_ARRAY_LEN(secs));
  h->m_http = dw__metrics_family(m, "dynworker_http_requests_total",
                                 "HTTP replies sent, by status code.", DW_METRIC_COUNTER, NULL, 0);
  h->m_live = dw__metrics_family(m, "dynworker_live_sandboxes",
                                 "Warm workers held by executors (as they last reported).",
                                 DW_METRIC_GAUGE, NULL, 0);
  h->m_memory = dw__metrics_family(m, "dynworker_executor_memory_bytes",
                                   "Resident memory of all executors.", DW_METRIC_GAUGE, NULL, 0);
  h->m_restarts = dw__metrics_family(m, "dynworker_executor_restarts_total",
                                     "Executors respawned after a death or a kill.",
                                     DW_METRIC_COUNTER, NULL, 0);
  h->m_kills = dw__metrics_family(m, "dynworker_executor_kills_total",
                                  "Executors killed by the supervisor (deadline, memory, bad frame).",
                                  DW_METRIC_COUNTER, NULL, 0);
  h->m_executors = dw__metrics_family(m, "dynworker_executors", "Executors alive.",
                                      DW_METRIC_GAUGE, NULL, 0);
  h->m_queue = dw__metrics_family(m, "dynworker_queue_depth",
                                  "Invocations waiting for an executor slot.", DW_METRIC_GAUGE,
                                  NULL, 0);
  h->m_inflight = dw__metrics_family(m, "dynworker_inflight",
                                     "Invocations held by executors.", DW_METRIC_GAUGE, NULL, 0);
  h->m_quarantined = dw__metrics_family(m, "dynworker_quarantined_workers",
                                        "Worker ids refused right now after a runaway.",
                                        DW_METRIC_GAUGE, NULL, 0);
  h->m_requests_active = dw__metrics_family(m, "dynworker_http_requests_active",
                                            "HTTP requests being handled.", DW_METRIC_GAUGE,
                                            NULL, 0);
  h->m_tail_subs = dw__metrics_family(m, "dynworker_tail_subscribers",
                                      "Open tail (server-sent events) streams.", DW_METRIC_GAUGE,
                                      NULL, 0);
  h->m_tail_dropped = dw__metrics_family(m, "dynworker_tail_dropped_total",
                                         "Tail subscribers dropped for falling behind.",
                                         DW_METRIC_COUNTER, NULL, 0);
  h->m_store_errors = dw__metrics_family(m, "dynworker_store_errors_total",
                                         "Store writes that failed without failing a request "
                                         "(invocation counts).",
                                         DW_METRIC_COUNTER, NULL, 0);
  return h->m_store_errors < 0 ? DW_E_INTERNAL : 0;
}

int dw__http_new(const dw__http_config *cfg, dw__http **out, char *why, size_t why_len) {
  int rc = DW_E_NOMEM;
  dw__http *h = calloc(1, sizeof *h);
  if (!h) goto fail;
  h->base = cfg->base;
  h->store = cfg->store;
  h->max_body = cfg->max_body_bytes ? cfg->max_body_bytes : ((size_t)65 << 20);
  h->max_concurrent = cfg->max_concurrent ? cfg->max_concurrent : 1024;
  h->retry_after_s = cfg->retry_after_s ? cfg->retry_after_s : 1;
  h->tail_max_subs = cfg->tail_max_subscribers ? cfg->tail_max_subscribers : 8;
  h->tail_max_backlog = cfg->tail_max_backlog ? cfg->tail_max_backlog : ((size_t)1 << 20);
  h->tail_keepalive_ms = cfg->tail_keepalive_ms ? cfg->tail_keepalive_ms : 15000;
  if (cfg->default_limits) h->default_limits = json_incref(cfg->default_limits);
  if (cfg->ntokens) {
    h->tokens = calloc(cfg->ntokens, sizeof *h->tokens);
    if (!h->tokens) goto fail;
    for (size_t i = 0; i < cfg->ntokens; i++, h->ntokens++) {
      h->tokens[i].token = dw__strdup(cfg->tokens[i].token);
      h->tokens[i].tenant = cfg->tokens[i].tenant ? dw__strdup(cfg->tokens[i].tenant) : NULL;
      if (!h->tokens[i].token || (cfg->tokens[i].tenant && !h->tokens[i].tenant)) goto fail;
    }
  }
  if ((rc = init_metrics(h))) goto fail;
  rc = DW_E_NOMEM;
  if (!(h->defs = dw__defs_new(0, 0))) goto fail;
  h->drain_check = event_new(h->base, -1, 0, drain_check, h);
  h->http = evhttp_new(h->base);
  if (!h->drain_check || !h->http || dw__tail_start(h) || dw__touch_start(h)) goto fail;
  if ((rc = dw__http_guard_start(h, cfg->request_s, cfg->max_connections))) goto fail;
  rc = DW_E_NOMEM;
  evhttp_set_allowed_methods(h->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD |
                                          EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
                                          EVHTTP_REQ_OPTIONS | EVHTTP_REQ_PATCH);
  /* evhttp's own cap answers 413 itself (see docs/OPERATIONS.md); ours, checked in
   * dw__http_body_json, is the same number, so only bodies evhttp already refused exceed it. */
  evhttp_set_max_body_size(h->http, (ev_ssize_t)h->max_body);
  evhttp_set_max_headers_size(h->http, (ev_ssize_t)(cfg->max_header_bytes ? cfg->max_header_bytes
                                                                          : 65536));
  evhttp_set_timeout(h->http, (int)(cfg->timeout_s ? cfg->timeout_s : 30));
  /* No EVHTTP_SERVER_LINGERING_CLOSE: with it, libevent 2.1 reads the whole declared body of
   * an over-large request before answering 413, so `Expect: 100-continue` with a
   * Content-Length over the cap, or a Content-Length of 20 digits, was never answered (hostile
   * finding F8). Without it the 413 goes out at once, before the body. */
  /* A worker's Response without Content-Type stays without one (libevent would say text/html). */
  evhttp_set_default_content_type(h->http, NULL);
  evhttp_set_gencb(h->http, dispatch, h);

  dw__sup_config sc = cfg->sup;
  sc.base = h->base;
  sc.resolve = dw__http_resolve;
  sc.resolve_user = h;
  sc.on_event = dw__http_on_event;
  sc.event_user = h;
  sc.host_call = dw__http_mcp_host_call;
  sc.host_user = h;
  if ((rc = dw__sup_new(&sc, &h->sup, why, why_len))) goto fail_quiet;
  if ((rc = dw__http_mcp_start(h, cfg, why, why_len))) goto fail_quiet;
  *out = h;
  return 0;
fail:
  snprintf(why, why_len, "%s", dw_strerror(rc));
fail_quiet:
  dw__http_free(h);
  return rc;
}

int dw__http_listen(dw__http *h, const char *host, uint16_t port, uint16_t *bound, char *why,
                    size_t why_len) {
  if (h->nbound == DW__HTTP_MAX_BOUND) {
    snprintf(why, why_len, "at most %d listening sockets", DW__HTTP_MAX_BOUND);
    return DW_E_IO;
  }
  struct evhttp_bound_socket *b = evhttp_bind_socket_with_handle(h->http, host, port);
  if (!b) {
    snprintf(why, why_len, "cannot listen on %s:%u (%s)", host, (unsigned)port,
             evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
    return DW_E_IO;
  }
  h->bound[h->nbound++] = b;
  if (bound) {
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    *bound = port;
    if (getsockname(evhttp_bound_socket_get_fd(b), (struct sockaddr *)&ss, &sl) == 0)
      *bound = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                              : ((struct sockaddr_in *)&ss)->sin_port);
  }
  return 0;
}

void dw__http_free(dw__http *h) {
  if (!h) return;
  dw__tail_close_all(h);
  dw__touch_stop(h);
  if (h->keepalive) event_free(h->keepalive);
  /* Requests still waiting: their answers will never come (the supervisor is freed below
   * without calling done), and their connections are closed by evhttp_free. */
  h->draining = false;
  dw__http_mcp_stop(h); /* its requests' contexts are freed just below */
  while (h->active) {
    dw__http_ctx *c = h->active;
    if (c->conn) dw__http_conn_closecb(c->h, c->conn, NULL, NULL);
    ctx_unlink_free(c);
  }
  if (h->sup) dw__sup_free(h->sup);
  h->drained = NULL; /* connections closed by evhttp_free below may still call on_drain_close */
  if (h->http) evhttp_free(h->http);
  dw__http_guard_detach(h);
  if (h->drain_check) event_free(h->drain_check);
  for (size_t i = 0; i < h->ntokens; i++) {
    free((char *)h->tokens[i].token);
    free((char *)h->tokens[i].tenant);
  }
  free(h->tokens);
  json_decref(h->default_limits);
  dw__defs_free(h->defs);
  dw__metrics_free(h->metrics);
  free(h);
}

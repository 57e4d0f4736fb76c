/* api: the route handlers of /v1 (run, workers, fetch, rpc), /healthz and /metrics, and the
 * supervisor's store-backed resolver. */
#include <string.h>
#include <sys/queue.h>
#include "http/http_internal.h"

#define MAX_URL 8192
#define MAX_REQ_HEADERS 256
#define LIST_DEFAULT 100
#define LIST_MAX 1000

/* ---- WorkerCode ------------------------------------------------------------------------ */

/* The WorkerCode of a body: itself, or built from the shorthand {"code", "language"}. The
 * keys "request" and "args" (of /v1/run) are left out. A new reference, or NULL after
 * replying 400. */
static json_t *worker_code(dw__http_ctx *c, json_t *body) {
  if (!json_is_object(body)) {
    dw__http_reply_error(c, DW_E_BAD_REQUEST, 0, "body: must be a JSON object");
    return NULL;
  }
  json_t *code = json_object();
  const char *k;
  json_t *v;
  json_object_foreach(body, k, v) {
    if (strcmp(k, "request") && strcmp(k, "args") && strcmp(k, "code") && strcmp(k, "language"))
      json_object_set(code, k, v);
  }
  json_t *src = json_object_get(body, "code");
  if (src) {
    const char *lang = "js";
    json_t *l = json_object_get(body, "language");
    if (!json_is_string(src)) {
      dw__http_reply_error(c, DW_E_BAD_REQUEST, 0, "code: must be a string (the module's source)");
      goto bad;
    }
    if (json_object_get(body, "modules") || json_object_get(body, "mainModule")) {
      dw__http_reply_error(c, DW_E_BAD_REQUEST, 0,
                           "code: give either code (the shorthand) or mainModule and modules");
      goto bad;
    }
    if (l && (!json_is_string(l) || (strcmp(json_string_value(l), "js") &&
                                     strcmp(json_string_value(l), "ts")))) {
      dw__http_reply_error(c, DW_E_BAD_REQUEST, 0, "language: must be \"js\" or \"ts\"");
      goto bad;
    }
    if (l) lang = json_string_value(l);
    const char *main = strcmp(lang, "ts") == 0 ? "main.ts" : "main.js";
    json_object_set_new(code, "mainModule", json_string(main));
    json_object_set_new(code, "modules", json_pack("{s:O}", main, src));
  } else if (json_object_get(body, "language")) {
    dw__http_reply_error(c, DW_E_BAD_REQUEST, 0, "language: only with the shorthand \"code\"");
    goto bad;
  }
  char why[512] = "";
  int rc = dw__workercode_check(code, why, sizeof why);
  if (rc) {
    dw__http_reply_error(c, rc, 0, "%s", why[0] ? why : dw_strerror(rc));
    goto bad;
  }
  return code;
bad:
  json_decref(code);
  return NULL;
}

/* `code` with the configured default limits filled in where it has none: a new reference. */
static json_t *with_default_limits(dw__http *h, const json_t *code) {
  json_t *c = json_copy((json_t *)code);
  if (!c || !h->default_limits) return c;
  json_t *lim = json_object_get(c, "limits");
  if (lim && !json_is_object(lim)) return c; /* the check refused it already */
  json_t *merged = lim ? json_copy(lim) : json_object();
  const char *k;
  json_t *v;
  json_object_foreach(h->default_limits, k, v) {
    if (!json_object_get(merged, k)) json_object_set(merged, k, v);
  }
  json_object_set_new(c, "limits", merged);
  return c;
}

/* ---- invocations ----------------------------------------------------------------------- */

/* Counts the invocation (batched into the store by touch.c). A failure loses a count, never
 * a definition: it is counted in dynworker_store_errors_total rather than failing a request. */
static void touch(dw__http_ctx *c) {
  c->invoking = false;
  if (c->registered) dw__touch_add(c->h, c->tenant, c->id, (int64_t)dw__epoch_ms());
}

/* A supervisor-level failure (its status in the table is not 200): replied, true. */
static bool sup_error(dw__http_ctx *c, const dw__sup_outcome *o) {
  if (!o->err || dw_err_http_status(o->err) == 200) return false;
  const json_t *e = json_object_get(o->result, "error");
  const char *msg = json_string_value(json_object_get(e, "message"));
  dw__http_reply_error(c, o->err, o->retry_after_s, "%s", msg ? msg : dw_strerror(o->err));
  return true;
}

/* The worker failed: its code for X-Dynworker-Error. */
static const char *worker_err_code(const dw__sup_outcome *o) {
  const char *code = json_string_value(json_object_get(json_object_get(o->result, "error"), "code"));
  return code ? code : dw_err_code(o->err ? o->err : DW_E_BAD_RESULT);
}

static void invoke(dw__http_ctx *c, const dw__sup_invocation *inv, dw__sup_done done) {
  uint64_t id = 0;
  int rc = dw__sup_invoke(c->h->sup, inv, done, c, &id);
  if (rc) {
    dw__http_reply_error(c, rc, 0, "%s", dw_strerror(rc));
    return;
  }
  dw__http_wait(c, id);
}

/* A registered worker's code (a new reference) and revision: from the cache, else from the
 * store (and then cached). 0, DW_E_WORKER_NOT_FOUND, or another dw_err with `why`. */
static int lookup(dw__http *h, const char *tenant, const char *id, json_t **code, uint64_t *rev,
                  char *why, size_t why_len) {
  const json_t *cached = dw__defs_get(h->defs, tenant, id, rev);
  if (cached) {
    *code = json_incref((json_t *)cached);
    return 0;
  }
  dw__store_worker w = {0};
  int rc = dw__store_get(h->store, tenant, id, &w, why, why_len);
  if (rc) return rc;
  dw__defs_put(h->defs, tenant, id, w.code, w.rev, (size_t)w.size);
  *code = w.code;
  *rev = w.rev;
  w.code = NULL;
  dw__store_worker_clear(&w);
  return 0;
}

/* Loads a registered worker for an invocation: 0, or replied with 404 / 500. */
static int load_worker(dw__http_ctx *c, json_t **code, uint64_t *rev) {
  char why[512] = "";
  int rc = lookup(c->h, c->tenant, c->id, code, rev, why, sizeof why);
  if (rc == DW_E_WORKER_NOT_FOUND)
    dw__http_reply_error(c, rc, 0, "no worker '%s' (tenant '%s')", c->id, c->tenant);
  else if (rc)
    dw__http_reply_error(c, rc, 0, "%s", why[0] ? why : dw_strerror(rc));
  return rc;
}

/* ---- POST /v1/run ---------------------------------------------------------------------- */

static void done_run(void *user, const dw__sup_outcome *o) {
  dw__http_ctx *c = user;
  touch(c);
  if (sup_error(c, o)) return;
  dw__http_reply_json(c, 200, json_incref((json_t *)o->result));
}

/* Headers of a JSON request: an object {name: value} or [[name, value]...], as
 * [[name, value]...] (a new reference), or NULL after replying 400. */
static json_t *headers_list(dw__http_ctx *c, json_t *v) {
  json_t *out = json_array();
  const char *k;
  json_t *x;
  size_t i;
  if (json_is_object(v)) {
    json_object_foreach(v, k, x) {
      if (!json_is_string(x)) goto bad;
      json_array_append_new(out, json_pack("[sO]", k, x));
    }
  } else if (json_is_array(v)) {
    json_array_foreach(v, i, x) {
      if (!json_is_array(x) || json_array_size(x) != 2 ||
          !json_is_string(json_array_get(x, 0)) || !json_is_string(json_array_get(x, 1)))
        goto bad;
      json_array_append(out, x);
    }
  } else {
    goto bad;
  }
  if (json_array_size(out) <= MAX_REQ_HEADERS) return out;
bad:
  json_decref(out);
  dw__http_reply_error(c, DW_E_BAD_REQUEST, 0,
                       "request.headers: an object of strings or [[name, value]...] (at most %d)",
                       MAX_REQ_HEADERS);
  return NULL;
}

void dw__http_h_run(dw__http_ctx *c) {
  json_t *body = dw__http_body_json(c), *code = NULL, *full = NULL, *headers = NULL;
  if (!body) return;
  if (!(code = worker_code(c, body))) goto out;
  dw__sup_invocation inv = {.kind = DW_SUP_RUN, .tenant = c->tenant};
  json_t *req = json_object_get(body, "request"), *args = json_object_get(body, "args");
  if (req && args) {
    dw__http_reply_error(c, DW_E_BAD_REQUEST, 0, "args: give either request or args");
    goto out;
  }
  if (args && !json_is_array(args)) {
    dw__http_reply_error(c, DW_E_BAD_REQUEST, 0, "args: must be an array");
    goto out;
  }
  if (req) {
    if (!json_is_object(req)) {
      dw__http_reply_error(c, DW_E_BAD_REQUEST, 0, "request: must be an object");
      goto out;
    }
    const char *k;
    json_t *v;
    json_object_foreach(req, k, v) {
      if (strcmp(k, "method") && strcmp(k, "url") && strcmp(k, "headers") && strcmp(k, "body")) {
        dw__http_reply_error(c, DW_E_BAD_REQUEST, 0, "request.%.64s: unknown field", k);
        goto out;
      }
    }
    json_t *m = json_object_get(req, "method"), *u = json_object_get(req, "url"),
           *hd = json_object_get(req, "headers"), *b = json_object_get(req, "body");
    if (m && (!json_is_string(m) || !dw__http_name_ok(json_string_value(m), 16, NULL))) {
      dw__http_reply_error(c, DW_E_BAD_REQUEST, 0, "request.method: a method name such as \"POST\"");
      goto out;
    }
    if (u && (!json_is_string(u) || json_string_length(u) > MAX_URL ||
              (strncmp(json_string_value(u), "http://", 7) &&
               strncmp(json_string_value(u), "https://", 8)))) {
      dw__http_reply_error(c, DW_E_BAD_REQUEST, 0,
                           "request.url: an absolute http(s) URL of at most %d bytes", MAX_URL);
      goto out;
    }
    if (b && !json_is_string(b) && !json_is_null(b)) {
      dw__http_reply_error(c, DW_E_BAD_REQUEST, 0, "request.body: must be a string");
      goto out;
    }
    if (hd && !(headers = headers_list(c, hd))) goto out;
    inv.has_request = true;
    inv.req_method = json_string_value(m);
    inv.req_url = json_string_value(u);
    inv.req_headers = headers;
    inv.req_body = json_string_value(b);
    inv.req_body_len = json_is_string(b) ? json_string_length(b) : 0;
  }
  inv.args = args;
  if (!(full = with_default_limits(c->h, code))) {
    dw__http_reply_error(c, DW_E_NOMEM, 0, NULL);
    goto out;
  }
  inv.code = full;
  c->kind = DW_SUP_RUN;
  invoke(c, &inv, done_run);
out:
  json_decref(headers);
  json_decref(full);
  json_decref(code);
  json_decref(body);
}

/* ---- /v1/workers ----------------------------------------------------------------------- */

static json_t *worker_json(const dw__store_worker *w, bool with_code) {
  json_t *v = json_pack("{s:s,s:I,s:I,s:I,s:I,s:I}", "id", w->id, "size", (json_int_t)w->size,
                        "created", (json_int_t)w->created_ms, "updated",
                        (json_int_t)w->updated_ms, "invocations", (json_int_t)w->invocations,
                        "rev", (json_int_t)w->rev);
  json_object_set_new(v, "lastUsed",
                      w->last_used_ms ? json_integer((json_int_t)w->last_used_ms) : json_null());
  if (with_code) json_object_set(v, "code", w->code ? w->code : json_null());
  return v;
}

void dw__http_h_put_worker(dw__http_ctx *c) {
  json_t *body = dw__http_body_json(c), *code = NULL;
  if (!body) return;
  if (json_is_object(body) && (json_object_get(body, "request") || json_object_get(body, "args"))) {
    dw__http_reply_error(c, DW_E_BAD_REQUEST, 0,
                         "request: a registered worker holds code only; pass requests to /fetch");
    goto out;
  }
  if (!(code = worker_code(c, body))) goto out;
  bool created = false;
  uint64_t rev = 0;
  char why[512] = "";
  int rc = dw__store_put(c->h->store, c->tenant, c->id, code, &created, &rev, why, sizeof why);
  if (rc) {
    dw__http_reply_error(c, rc, 0, "%s", why[0] ? why : dw_strerror(rc));
    goto out;
  }
  dw__defs_drop(c->h->defs, c->tenant, c->id);
  if (!created) dw__sup_forget(c->h->sup, c->tenant, c->id);
  dw__http_reply_json(c, created ? 201 : 200,
                      json_pack("{s:s,s:I,s:b}", "id", c->id, "rev", (json_int_t)rev, "created",
                                created));
out:
  json_decref(code);
  json_decref(body);
}

/* A store call about c's worker failed: replied (404 for an unknown one), true. */
static bool store_failed(dw__http_ctx *c, int rc, const char *why) {
  if (!rc) return false;
  if (rc == DW_E_WORKER_NOT_FOUND)
    dw__http_reply_error(c, rc, 0, "no worker '%s' (tenant '%s')", c->id, c->tenant);
  else
    dw__http_reply_error(c, rc, 0, "%s", why[0] ? why : dw_strerror(rc));
  return true;
}

void dw__http_h_get_worker(dw__http_ctx *c) {
  dw__store_worker w = {0};
  char why[512] = "";
  dw__touch_flush(c->h); /* the counts it shows are current */
  int rc = dw__store_get(c->h->store, c->tenant, c->id, &w, why, sizeof why);
  if (store_failed(c, rc, why)) return;
  dw__http_reply_json(c, 200, worker_json(&w, true));
  dw__store_worker_clear(&w);
}

void dw__http_h_delete_worker(dw__http_ctx *c) {
  char why[512] = "";
  dw__defs_drop(c->h->defs, c->tenant, c->id);
  int rc = dw__store_delete(c->h->store, c->tenant, c->id, why, sizeof why);
  if (store_failed(c, rc, why)) return;
  dw__sup_forget(c->h->sup, c->tenant, c->id);
  dw__http_reply_json(c, 200, json_pack("{s:s,s:b}", "id", c->id, "deleted", 1));
}

void dw__http_h_list_workers(dw__http_ctx *c) {
  struct evkeyvalq q;
  TAILQ_INIT(&q);
  const char *query = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(c->req));
  if (query && evhttp_parse_query_str(query, &q)) {
    dw__http_reply_error(c, DW_E_BAD_REQUEST, 0, "query: cannot be parsed");
    return;
  }
  const char *after = evhttp_find_header(&q, "after"), *lim = evhttp_find_header(&q, "limit");
  size_t limit = LIST_DEFAULT;
  if (lim) {
    char *end;
    long v = strtol(lim, &end, 10);
    if (*end || v < 1 || v > LIST_MAX) {
      dw__http_reply_error(c, DW_E_BAD_REQUEST, 0, "limit: an integer from 1 to %d", LIST_MAX);
      goto out;
    }
    limit = (size_t)v;
  }
  if (after && !dw__http_name_ok(after, DW__HTTP_ID_MAX, ".:")) {
    dw__http_reply_error(c, DW_E_BAD_REQUEST, 0, "after: a worker id");
    goto out;
  }
  dw__store_worker *w = NULL;
  size_t n = 0;
  char why[512] = "";
  dw__touch_flush(c->h);
  int rc = dw__store_list(c->h->store, c->tenant, after, limit, &w, &n, why, sizeof why);
  if (rc) {
    dw__http_reply_error(c, rc, 0, "%s", why[0] ? why : dw_strerror(rc));
    goto out;
  }
  json_t *arr = json_array();
  for (size_t i = 0; i < n; i++) json_array_append_new(arr, worker_json(&w[i], false));
  /* A full page may be followed by an empty one: the store's limit (1000) leaves no room
   * to ask for one more to know. */
  json_t *next = n == limit ? json_string(w[n - 1].id) : json_null();
  dw__store_list_free(w, n);
  dw__http_reply_json(c, 200, json_pack("{s:o,s:o}", "workers", arr, "next", next));
out:
  evhttp_clear_headers(&q);
}

/* ---- /v1/workers/{id}/fetch ------------------------------------------------------------- */

/* Hop-by-hop headers (RFC 9110 7.6.1) and what only the daemon may read. Documented in
 * docs/OPERATIONS.md. */
static bool dropped_header(const char *name, bool request) {
  static const char *const hop[] = {"connection",       "keep-alive", "proxy-connection",
                                    "proxy-authenticate", "proxy-authorization", "te",
                                    "trailer",          "trailers",   "transfer-encoding",
                                    "upgrade",          "content-length"};
  for (size_t i = 0; i < DW_ARRAY_LEN(hop); i++)
    if (strcasecmp(name, hop[i]) == 0) return true;
  return request && (strcasecmp(name, "authorization") == 0 ||
                     strncasecmp(name, "x-dynworker-", 12) == 0);
}

/* A header name or value as a JSON string: itself when it is UTF-8, else each byte as the
 * code point of the same number (ISO-8859-1), as the Fetch standard reads header bytes. */
static json_t *byte_string(const char *s) {
  size_t n = strlen(s);
  if (dw__utf8_valid(s, n)) return json_stringn(s, n);
  dw_buf b;
  dw__buf_init(&b, 2 * n + 1);
  for (size_t i = 0; i < n; i++) {
    unsigned char ch = (unsigned char)s[i];
    if (ch < 0x80) dw__buf_putc(&b, (char)ch);
    else dw__buf_putc(&b, (char)(0xc0 | (ch >> 6))), dw__buf_putc(&b, (char)(0x80 | (ch & 0x3f)));
  }
  json_t *v = json_stringn(b.data ? b.data : "", b.len);
  dw__buf_free(&b);
  return v;
}

static const char *method_name(enum evhttp_cmd_type m) {
  switch (m) {
  case EVHTTP_REQ_GET: return "GET";
  case EVHTTP_REQ_POST: return "POST";
  case EVHTTP_REQ_HEAD: return "HEAD";
  case EVHTTP_REQ_PUT: return "PUT";
  case EVHTTP_REQ_DELETE: return "DELETE";
  case EVHTTP_REQ_OPTIONS: return "OPTIONS";
  case EVHTTP_REQ_TRACE: return "TRACE";
  case EVHTTP_REQ_CONNECT: return "CONNECT";
  case EVHTTP_REQ_PATCH: return "PATCH";
  default: return "GET";
  }
}

static void done_fetch(void *user, const dw__sup_outcome *o) {
  dw__http_ctx *c = user;
  touch(c);
  if (sup_error(c, o)) return;
  struct evkeyvalq *out = evhttp_request_get_output_headers(c->req);
  if (o->err || !o->has_response) {
    evhttp_add_header(out, "X-Dynworker-Error", worker_err_code(o));
    dw__http_reply_json(c, 500, json_incref((json_t *)o->result));
    return;
  }
  size_t i;
  json_t *kv;
  json_array_foreach(o->headers, i, kv) {
    const char *k = json_string_value(json_array_get(kv, 0)),
               *v = json_string_value(json_array_get(kv, 1));
    if (k && v && !dropped_header(k, false)) evhttp_add_header(out, k, v);
  }
  int status = o->status >= 100 && o->status <= 999 ? o->status : 500;
  dw__http_reply(c, status, NULL, o->body, o->body_len);
}

void dw__http_h_fetch(dw__http_ctx *c) {
  json_t *headers = NULL, *full = NULL, *code = NULL;
  uint64_t rev = 0;
  char *url = NULL;
  if (load_worker(c, &code, &rev)) return;
  struct evkeyvalq *in = evhttp_request_get_input_headers(c->req);
  const char *host = evhttp_find_header(in, "Host");
  if (!host || !dw__http_name_ok(host, 255, ".:[]")) host = "localhost";
  const char *query = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(c->req));
  dw_buf u;
  dw__buf_init(&u, MAX_URL);
  int rc = dw__buf_printf(&u, "http://%s%s%s%s", host, c->has_path ? c->path : "/",
                          query ? "?" : "", query ? query : "");
  if (rc) {
    dw__buf_free(&u);
    dw__http_reply_error(c, DW_E_TOO_LARGE, 0, "the request URL is over %d bytes", MAX_URL);
    goto out;
  }
  url = dw__buf_steal(&u, NULL);
  headers = json_array();
  size_t nh = 0;
  for (struct evkeyval *kv = in->tqh_first; kv; kv = kv->next.tqe_next)
    if (!dropped_header(kv->key, true) && nh++ < MAX_REQ_HEADERS)
      json_array_append_new(headers, json_pack("[oo]", byte_string(kv->key),
                                               byte_string(kv->value)));
  struct evbuffer *body = evhttp_request_get_input_buffer(c->req);
  size_t blen = evbuffer_get_length(body);
  if (!(full = with_default_limits(c->h, code))) {
    dw__http_reply_error(c, DW_E_NOMEM, 0, NULL);
    goto out;
  }
  dw__sup_invocation inv = {
      .kind = DW_SUP_FETCH,
      .tenant = c->tenant,
      .worker_id = c->id,
      .rev = rev,
      .code = full,
      .has_request = true,
      .req_method = method_name(evhttp_request_get_command(c->req)),
      .req_url = url,
      .req_headers = headers,
      .req_body = blen ? evbuffer_pullup(body, -1) : NULL,
      .req_body_len = blen,
  };
  c->kind = DW_SUP_FETCH;
  c->registered = true;
  invoke(c, &inv, done_fetch);
out:
  free(url);
  json_decref(headers);
  json_decref(full);
  json_decref(code);
}

/* ---- /v1/workers/{id}/rpc/{entrypoint}/{method} ----------------------------------------- */

static void done_rpc(void *user, const dw__sup_outcome *o) {
  dw__http_ctx *c = user;
  touch(c);
  if (sup_error(c, o)) return;
  if (o->err) {
    json_t *e = json_object_get(o->result, "error");
    json_t *err = json_is_object(e) ? json_copy(e)
                                    : json_pack("{s:s,s:s,s:s,s:s}", "code", dw_err_code(o->err),
                                                "name", "Error", "message", dw_strerror(o->err),
                                                "stack", "");
    dw__http_reply_json(c, 500, json_pack("{s:o}", "error", err));
    return;
  }
  json_t *r = json_object_get(o->result, "result");
  dw__http_reply_json(c, 200, json_pack("{s:O}", "result", r ? r : json_null()));
}

void dw__http_h_rpc(dw__http_ctx *c) {
  if (!dw__http_name_ok(c->entrypoint, 128, "$")) {
    dw__http_reply_error(c, DW_E_BAD_REQUEST, 0, "entrypoint: an exported name, or \"default\"");
    return;
  }
  if (!dw__http_name_ok(c->method, 128, "$")) {
    dw__http_reply_error(c, DW_E_BAD_REQUEST, 0, "method: a method name");
    return;
  }
  json_t *args = dw__http_body_json(c), *full = NULL, *code = NULL;
  uint64_t rev = 0;
  if (!args) return;
  if (!json_is_array(args)) {
    dw__http_reply_error(c, DW_E_BAD_REQUEST, 0, "body: must be a JSON array (the arguments)");
    goto out;
  }
  if (load_worker(c, &code, &rev)) goto out;
  if (!(full = with_default_limits(c->h, code))) {
    dw__http_reply_error(c, DW_E_NOMEM, 0, NULL);
    goto out;
  }
  dw__sup_invocation inv = {.kind = DW_SUP_RPC,
                            .tenant = c->tenant,
                            .worker_id = c->id,
                            .rev = rev,
                            .code = full,
                            .entrypoint = c->entrypoint,
                            .method = c->method,
                            .args = args};
  c->kind = DW_SUP_RPC;
  c->registered = true;
  invoke(c, &inv, done_rpc);
out:
  json_decref(full);
  json_decref(code);
  json_decref(args);
}

/* ---- /healthz, /metrics ------------------------------------------------------------------ */

void dw__http_h_healthz(dw__http_ctx *c) {
  dw__sup_stats st = {0};
  dw__sup_stats_get(c->h->sup, &st);
  dw__http_reply_json(c, 200,
                      json_pack("{s:b,s:I,s:I,s:I,s:I}", "ok", 1, "executors",
                                (json_int_t)st.executors_live, "inflight", (json_int_t)st.inflight,
                                "queued", (json_int_t)st.queued, "requests",
                                (json_int_t)c->h->nactive));
}

void dw__http_h_metrics(dw__http_ctx *c) {
  dw__http *h = c->h;
  dw__sup_stats st = {0};
  dw__sup_stats_get(h->sup, &st);
  dw__metrics_set(h->metrics, h->m_live, "", (double)st.warm_workers);
  dw__metrics_set(h->metrics, h->m_memory, "", (double)st.rss_bytes);
  dw__metrics_set(h->metrics, h->m_restarts, "", (double)st.executor_restarts);
  dw__metrics_set(h->metrics, h->m_kills, "", (double)st.executor_kills);
  dw__metrics_set(h->metrics, h->m_executors, "", (double)st.executors_live);
  dw__metrics_set(h->metrics, h->m_queue, "", (double)st.queued);
  dw__metrics_set(h->metrics, h->m_inflight, "", (double)st.inflight);
  dw__metrics_set(h->metrics, h->m_quarantined, "", (double)st.quarantined);
  dw__metrics_set(h->metrics, h->m_requests_active, "", (double)h->nactive);
  dw__metrics_set(h->metrics, h->m_tail_subs, "", (double)h->nsubs);
  dw_buf b;
  dw__buf_init(&b, (size_t)4 << 20);
  if (dw__metrics_render(h->metrics, &b)) {
    dw__buf_free(&b);
    dw__http_reply_error(c, DW_E_INTERNAL, 0, "the metrics are over 4 MiB");
    return;
  }
  dw__http_reply(c, 200, "text/plain; version=0.0.4; charset=utf-8", b.data, b.len);
  dw__buf_free(&b);
}

/* ---- supervisor hooks -------------------------------------------------------------------- */

int dw__http_resolve(void *user, const char *tenant, const char *id, json_t **code,
                     uint64_t *rev) {
  dw__http *h = user;
  json_t *c = NULL;
  char why[256];
  int rc = lookup(h, tenant ? tenant : "default", id, &c, rev, why, sizeof why);
  if (rc) return rc;
  *code = with_default_limits(h, c);
  json_decref(c);
  return *code ? 0 : DW_E_NOMEM;
}

/* A label value from the supervisor's closed set, kept to [A-Za-z_] so that the exposition
 * stays valid whatever it holds. */
static const char *label(const char *s) {
  if (!s || !dw__http_name_ok(s, 32, NULL) || strchr(s, '-')) return "other";
  return s;
}

void dw__http_on_event(void *user, const dw__sup_event *ev) {
  dw__http *h = user;
  char l[128];
  snprintf(l, sizeof l, "kind=\"%s\",outcome=\"%s\"", label(ev->kind), label(ev->outcome));
  dw__metrics_add(h->metrics, h->m_invocations, l, 1);
  snprintf(l, sizeof l, "kind=\"%s\"", label(ev->kind));
  dw__metrics_observe(h->metrics, h->m_duration, l, ev->latency_ms / 1000.0);
  if (ev->worker_id) dw__tail_publish(h, ev);
}

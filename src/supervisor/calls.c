/* supervisor calls: what executors ask the supervisor to do for them (CALL frames): call a
 * $http binding, call a $worker binding, or let a worker's fetch() out under its
 * globalOutbound policy (docs/internals/supervisor.md, "Calls" and "Egress").
 *
 * An executor may run compromised guest code, so a CALL is honoured only for what the
 * invocation's own WorkerCode grants: a binding descriptor must equal one of the code's env
 * values, and egress follows the code's globalOutbound as the supervisor holds it (the
 * executor never sees its secrets). */
#include <inttypes.h>
#include <string.h>
#include "sup_internal.h"

enum { CALL_HTTP, CALL_WORKER, CALL_EGRESS_NET, CALL_EGRESS_HTTP, CALL_EGRESS_WORKER, CALL_HOST };

struct dw__sup_call {
  dw__sup *s;
  sup_exec *e;           /* NULL: orphaned (its executor died while the host held it) */
  sup_call *next, *prev;
  json_t *call_id;       /* the executor's number, echoed back */
  int kind;
  bool net;              /* a dw__net request is in flight under net_id */
  uint64_t net_id;
  bool sub;              /* a sub-invocation is in flight under sub_id */
  uint64_t sub_id;
  char url[256];         /* for messages */
};

static void call_unlink_free(sup_call *c) {
  sup_exec *e = c->e;
  if (!e) {
    json_decref(c->call_id);
    free(c);
    return;
  }
  if (c->prev) c->prev->next = c->next;
  else e->calls = c->next;
  if (c->next) c->next->prev = c->prev;
  e->n_calls--;
  json_decref(c->call_id);
  free(c);
}

static void reply(sup_exec *e, json_t *call_id, json_t *msg, const void *bin, size_t bin_len) {
  if (msg) {
    json_object_set(msg, "call", call_id);
    dw__sup_send(e, DW_IPC_REPLY, msg, bin, bin_len);
    json_decref(msg);
  }
}

static void reply_err(sup_exec *e, json_t *call_id, int err, const char *message) {
  reply(e, call_id,
        json_pack("{s:b, s:s, s:s}", "ok", 0, "error", message ? message : dw_strerror(err),
                  "code", dw_err_code(err)),
        NULL, 0);
}

/* Replies and frees the call. `result` is stolen. */
static void finish_ok(sup_call *c, json_t *result, const void *bin, size_t bin_len) {
  reply(c->e, c->call_id, json_pack("{s:b, s:o}", "ok", 1, "result", result ? result : json_null()),
        bin, bin_len);
  call_unlink_free(c);
}

static void finish_err(sup_call *c, int err, const char *message) {
  reply_err(c->e, c->call_id, err, message);
  call_unlink_free(c);
}

void dw__sup_calls_drop(sup_exec *e) {
  while (e->calls) {
    sup_call *c = e->calls;
    if (c->net) dw__net_cancel(c->s->net, c->net_id);
    if (c->sub) dw__sup_abandon(c->s, c->sub_id);
    if (c->kind == CALL_HOST) {
      /* The host still holds it: orphaned, freed when the host answers. */
      e->calls = c->next;
      if (c->next) c->next->prev = NULL;
      e->n_calls--;
      c->e = NULL;
      c->next = c->prev = NULL;
      continue;
    }
    call_unlink_free(c);
  }
}

void dw__sup_reply(dw__sup_call *c, const json_t *result, const char *error) {
  if (!c) return;
  if (!c->e) call_unlink_free(c); /* its executor is gone: nobody to tell */
  else if (error) finish_err(c, DW_E_UNCAUGHT, error);
  else finish_ok(c, result ? json_deep_copy(result) : json_null(), NULL, 0);
}

/* ---- Header lines -------------------------------------------------------------------- */

/* [[k, v]...] -> "k: v" lines, NULL-terminated, in one allocation. NULL when malformed or
 * past the caps. */
static char **header_lines(const json_t *pairs, const char *extra) {
  size_t n = json_array_size(pairs), bytes = 0;
  if (!json_is_array(pairs) || n > DW__NET_MAX_REQ_HEADERS) return NULL;
  size_t i;
  json_t *p;
  json_array_foreach(pairs, i, p) {
    const char *k = json_string_value(json_array_get(p, 0));
    const char *v = json_string_value(json_array_get(p, 1));
    if (!k || !v || json_array_size(p) != 2) return NULL;
    bytes += strlen(k) + strlen(v) + 3;
  }
  if (extra) bytes += strlen(extra) + 1;
  if (bytes > DW__NET_MAX_REQ_HEADER_BYTES) return NULL;
  char **lines = malloc((n + 2) * sizeof *lines + bytes);
  if (!lines) return NULL;
  char *at = (char *)(lines + n + 2);
  size_t k = 0;
  json_array_foreach(pairs, i, p) {
    const char *name = json_string_value(json_array_get(p, 0));
    const char *val = json_string_value(json_array_get(p, 1));
    size_t nl = strlen(name), vl = strlen(val);
    lines[k++] = at;
    memcpy(at, name, nl);
    memcpy(at + nl, ": ", 2);
    memcpy(at + nl + 2, val, vl + 1);
    at += nl + vl + 3;
  }
  if (extra) {
    lines[k++] = at;
    memcpy(at, extra, strlen(extra) + 1);
  }
  lines[k] = NULL;
  return lines;
}

/* "name: value" lines of a response -> [[name, value]...]. */
static json_t *header_pairs(const dw__net_response *r) {
  json_t *a = json_array();
  for (size_t i = 0; a && i < r->nheaders; i++) {
    const char *line = r->headers[i], *colon = strchr(line, ':');
    if (!colon) continue;
    const char *v = colon + 1;
    while (*v == ' ' || *v == '\t') v++;
    json_t *name = json_stringn(line, (size_t)(colon - line)), *val = json_string(v);
    if (name && val) json_array_append_new(a, json_pack("[o, o]", name, val));
    else {
      json_decref(name);
      json_decref(val);
    }
  }
  return a;
}

/* ---- $http binding ----------------------------------------------------------------------- */

static void http_done(void *user, int err, const char *message, const dw__net_response *res) {
  sup_call *c = user;
  c->net = false;
  if (err) {
    char m[512];
    snprintf(m, sizeof m, "binding %s: %s", c->url, message ? message : dw_strerror(err));
    finish_err(c, DW_E_IO, m);
    return;
  }
  if (res->status < 200 || res->status > 299) {
    char m[512];
    snprintf(m, sizeof m, "binding %s: HTTP %d %s", c->url, res->status, res->status_text);
    finish_err(c, DW_E_IO, m);
    return;
  }
  json_error_t je;
  json_t *body = json_loadb(res->body, res->body_len, JSON_REJECT_DUPLICATES, &je);
  if (!json_is_object(body)) {
    char m[512];
    snprintf(m, sizeof m, "binding %s: the response is not a JSON object", c->url);
    json_decref(body);
    finish_err(c, DW_E_IO, m);
    return;
  }
  json_t *error = json_object_get(body, "error");
  if (error && !json_is_null(error)) {
    const char *msg = json_is_string(error) ? json_string_value(error)
                      : json_string_value(json_object_get(error, "message"));
    finish_err(c, DW_E_UNCAUGHT, msg ? msg : "the binding failed");
  } else {
    finish_ok(c, json_incref(json_object_get(body, "result")), NULL, 0);
  }
  json_decref(body);
}

/* Starts a request for call `c`; on a refusal answers it at once. */
static void net_start(sup_call *c, const dw__net_policy *p, const dw__net_request *r,
                      dw__net_done cb) {
  char why[256] = "";
  int rc = dw__net_start(c->s->net, p, r, cb, c, &c->net_id, why, sizeof why);
  if (rc) {
    finish_err(c, rc, why[0] ? why : NULL);
    return;
  }
  c->net = true;
  dw__sup_net_kick(c->s);
}

static const char *const ANY_HOST[] = {"*"};

/* {"$http": {"url", "headers"}}: POST {"method", "args"} to the URL. */
static void call_http(sup_call *c, const json_t *desc, const char *method, const json_t *args) {
  const json_t *h = json_object_get(desc, "$http");
  const char *url = json_string_value(json_object_get(h, "url"));
  json_t *hdrs = json_object_get(h, "headers");
  snprintf(c->url, sizeof c->url, "%s", url ? url : "?");
  json_t *pairs = json_array();
  const char *k;
  json_t *v;
  json_object_foreach(hdrs, k, v) {
    if (json_is_string(v))
      json_array_append_new(pairs, json_pack("[s, s]", k, json_string_value(v)));
  }
  char **lines = header_lines(pairs, "Content-Type: application/json");
  json_decref(pairs);
  json_t *body = json_pack("{s:s, s:O}", "method", method, "args", args);
  char *js = body ? json_dumps(body, JSON_COMPACT) : NULL;
  json_decref(body);
  if (!lines || !js || !url) {
    free(lines);
    free(js);
    finish_err(c, DW_E_BAD_REQUEST, "binding: malformed descriptor or headers");
    return;
  }
  /* The host configured the binding: it may point at loopback or private addresses. */
  dw__net_policy p = {.allow_hosts = ANY_HOST, .n_allow = 1, .allow_private = true};
  dw__net_request r = {.method = "POST", .url = url, .headers = (const char *const *)lines,
                       .body = js, .body_len = strlen(js)};
  c->s->st.binding_calls++;
  net_start(c, &p, &r, http_done);
  free(lines);
  free(js);
}

/* ---- $worker binding and gateway ------------------------------------------------------- */

static void worker_done(void *user, const dw__sup_outcome *o) {
  sup_call *c = user;
  c->sub = false;
  const json_t *r = o->result;
  if (c->kind == CALL_EGRESS_WORKER) {
    if (o->err || !o->has_response) {
      const char *m = json_string_value(json_object_get(json_object_get(r, "error"), "message"));
      finish_err(c, o->err ? o->err : DW_E_BAD_RESULT,
                 m ? m : "the gateway worker did not answer with a Response");
      return;
    }
    json_t *res = json_pack("{s:i, s:s, s:O, s:s}", "status", o->status, "statusText", "",
                            "headers", o->headers ? o->headers : c->s->empty, "url", c->url);
    finish_ok(c, res, o->body, o->body_len);
    return;
  }
  if (o->err) {
    json_t *e = json_object_get(r, "error");
    const char *m = json_string_value(json_object_get(e, "message"));
    finish_err(c, o->err, m);
    return;
  }
  finish_ok(c, json_incref(json_object_get(r, "result")), NULL, 0);
}

/* Invokes worker `id` of the executor's tenant for call `c`. */
static void call_worker(sup_call *c, const char *id, dw__sup_invocation *sub, uint32_t depth) {
  dw__sup *s = c->s;
  if (depth > DW__SUP_MAX_DEPTH) {
    finish_err(c, DW_E_BAD_REQUEST, "$worker calls nest deeper than 8");
    return;
  }
  json_t *code = NULL;
  uint64_t rev = 0;
  int rc = s->cfg.resolve ? s->cfg.resolve(s->cfg.resolve_user, c->e->g->tenant, id, &code, &rev)
                          : DW_E_WORKER_NOT_FOUND;
  if (rc || !code) {
    char m[300];
    snprintf(m, sizeof m, "no worker with id '%.200s'", id);
    json_decref(code);
    finish_err(c, DW_E_WORKER_NOT_FOUND, m);
    return;
  }
  sub->tenant = c->e->g->tenant;
  sub->worker_id = id;
  sub->rev = rev;
  sub->code = code;
  sub->depth = depth;
  s->st.binding_calls++;
  rc = dw__sup_invoke(s, sub, worker_done, c, &c->sub_id);
  json_decref(code);
  if (rc) finish_err(c, rc, NULL);
  else c->sub = true;
}

/* ---- Egress -------------------------------------------------------------------------------- */

static void egress_done(void *user, int err, const char *message, const dw__net_response *res) {
  sup_call *c = user;
  c->net = false;
  if (err) {
    finish_err(c, err, message);
    return;
  }
  json_t *r = json_pack("{s:i, s:s, s:o, s:s}", "status", res->status, "statusText",
                        res->status_text ? res->status_text : "", "headers", header_pairs(res),
                        "url", res->url ? res->url : c->url);
  finish_ok(c, r, res->body, res->body_len);
}

static void call_egress(sup_call *c, const json_t *policy, const json_t *req, const void *bin,
                        size_t bin_len, uint32_t depth) {
  dw__sup *s = c->s;
  const char *method = json_string_value(json_object_get(req, "method"));
  const char *url = json_string_value(json_object_get(req, "url"));
  json_t *hdrs = json_object_get(req, "headers");
  snprintf(c->url, sizeof c->url, "%s", url ? url : "");
  s->st.egress_requests++;
  if (!json_is_object(policy)) {
    finish_err(c, DW_E_OUTBOUND_BLOCKED, "fetch() is not allowed: this worker has no network");
    return;
  }
  if (!url || (hdrs && !json_is_array(hdrs))) {
    finish_err(c, DW_E_BAD_REQUEST, "egress: malformed request");
    return;
  }
  const json_t *gw_worker = json_object_get(policy, "$worker");
  if (json_is_string(gw_worker)) {
    c->kind = CALL_EGRESS_WORKER;
    const char *ep = json_string_value(json_object_get(policy, "entrypoint"));
    dw__sup_invocation sub = {.kind = DW_SUP_FETCH,
                              .entrypoint = ep,
                              .props = json_object_get(policy, "props"),
                              .has_request = true, .req_method = method, .req_url = url,
                              .req_headers = hdrs, .req_body = bin, .req_body_len = bin_len};
    call_worker(c, json_string_value(gw_worker), &sub, depth);
    return;
  }
  const json_t *gw_http = json_object_get(policy, "$http");
  if (json_is_object(gw_http)) {
    c->kind = CALL_EGRESS_HTTP;
    const char *gurl = json_string_value(json_object_get(gw_http, "url"));
    /* The original URL and the gateway's headers replace any the worker sent. */
    json_t *gh = json_object_get(gw_http, "headers");
    size_t n = json_object_size(gh) + 1;
    dw__net_header_rule *rules = calloc(n, sizeof *rules);
    char **lines = header_lines(hdrs ? hdrs : c->s->empty, NULL);
    if (!rules || !lines || !gurl) {
      free(rules);
      free(lines);
      finish_err(c, DW_E_BAD_REQUEST, "egress: malformed request headers");
      return;
    }
    size_t k = 0;
    rules[k++] = (dw__net_header_rule){"*", "X-Dynworker-Url", url};
    const char *name;
    json_t *v;
    json_object_foreach(gh, name, v) {
      if (json_is_string(v)) rules[k++] = (dw__net_header_rule){"*", name, json_string_value(v)};
    }
    dw__net_policy p = {.allow_hosts = ANY_HOST, .n_allow = 1, .allow_private = true,
                        .inject = rules, .n_inject = k};
    dw__net_request r = {.method = method, .url = gurl, .headers = (const char *const *)lines,
                         .body = bin, .body_len = bin_len};
    net_start(c, &p, &r, egress_done);
    free(rules);
    free(lines);
    return;
  }
  /* {"allow": [...], "inject": {host: {Name: Value}}}: the worker's own request, under the
   * SSRF guard. */
  c->kind = CALL_EGRESS_NET;
  json_t *allow = json_object_get(policy, "allow"), *inject = json_object_get(policy, "inject");
  size_t na = json_array_size(allow), ni = 0;
  const char *host;
  json_t *hv;
  json_object_foreach(inject, host, hv) ni += json_object_size(hv);
  const char **hosts = calloc(na + 1, sizeof *hosts);
  dw__net_header_rule *rules = calloc(ni + 1, sizeof *rules);
  char **lines = header_lines(hdrs ? hdrs : s->empty, NULL);
  if (!hosts || !rules || !lines) {
    free(hosts);
    free(rules);
    free(lines);
    finish_err(c, DW_E_BAD_REQUEST, "egress: malformed request headers");
    return;
  }
  for (size_t i = 0; i < na; i++) hosts[i] = json_string_value(json_array_get(allow, i));
  size_t k = 0;
  json_object_foreach(inject, host, hv) {
    const char *name;
    json_t *v;
    json_object_foreach(hv, name, v) {
      if (json_is_string(v)) rules[k++] = (dw__net_header_rule){host, name, json_string_value(v)};
    }
  }
  dw__net_policy p = {.allow_hosts = hosts, .n_allow = na, .allow_private = false,
                      .inject = rules, .n_inject = k};
  dw__net_request r = {.method = method, .url = url, .headers = (const char *const *)lines,
                       .body = bin, .body_len = bin_len};
  net_start(c, &p, &r, egress_done);
  free(hosts);
  free(rules);
  free(lines);
}

/* ---- CALL frames ------------------------------------------------------------------------- */

json_t *dw__sup_redact(const json_t *v) {
  json_t *h = json_object_get(v, "$http");
  if (!json_is_object(h) || !json_object_get(h, "headers")) return json_incref((json_t *)v);
  json_t *r = json_copy((json_t *)v), *rh = json_copy(h);
  if (!r || !rh) {
    json_decref(r);
    json_decref(rh);
    return NULL;
  }
  json_object_del(rh, "headers");
  json_object_set_new(r, "$http", rh);
  return r;
}

/* The env value of `code` that `desc` (as the executor saw it: redacted) stands for, or
 * NULL when the code grants no such binding. */
static const json_t *granted(const json_t *code, const json_t *desc) {
  const char *k;
  json_t *v;
  json_object_foreach(json_object_get(code, "env"), k, v) {
    json_t *r = dw__sup_redact(v);
    bool same = r && json_equal(r, desc);
    json_decref(r);
    if (same) return v;
  }
  return NULL;
}

int dw__sup_on_call(sup_exec *e, json_t *msg, const void *bin, size_t bin_len) {
  dw__sup *s = e->s;
  json_t *call_id = json_object_get(msg, "call"), *inv_j = json_object_get(msg, "inv");
  json_t *key_j = json_object_get(msg, "key"), *desc = json_object_get(msg, "desc");
  json_t *method_j = json_object_get(msg, "method"), *args = json_object_get(msg, "args");
  if (!json_is_integer(call_id) || json_integer_value(call_id) < 0 ||
      (inv_j && !json_is_null(inv_j) && !json_is_integer(inv_j)) ||
      (key_j && !json_is_null(key_j) && !json_is_string(key_j)) || !json_is_object(desc) ||
      (method_j && !json_is_string(method_j)) || (args && !json_is_array(args)))
    return DW_E_BAD_REQUEST;
  if (e->n_calls >= DW__SUP_MAX_CALLS) {
    reply_err(e, call_id, DW_E_OVERLOADED, "overloaded: too many calls in flight");
    return 0;
  }
  /* Whose code grants this call: the invocation's, else the registered definition the warm
   * key names (background work of a warm worker). Never the executor's word for it. */
  json_t *code = NULL;
  uint32_t depth = 0;
  sup_inv *inv = json_is_integer(inv_j) ? dw__sup_find_inv(e, (uint64_t)json_integer_value(inv_j))
                                        : NULL;
  if (inv) {
    code = json_incref(inv->code);
    depth = inv->depth;
  } else if (json_is_string(key_j)) {
    /* Only a key this group routed names a worker, and only its current revision. */
    json_t *ent = json_object_get(e->g->keys, json_string_value(key_j));
    const char *id = json_string_value(json_array_get(ent, 0));
    uint64_t want = (uint64_t)json_integer_value(json_array_get(ent, 1)), rev = 0;
    if (!id || !s->cfg.resolve ||
        s->cfg.resolve(s->cfg.resolve_user, e->g->tenant, id, &code, &rev) || rev != want) {
      json_decref(code);
      code = NULL;
    }
  }
  if (!code) {
    reply_err(e, call_id, DW_E_WORKER_NOT_FOUND, "the calling worker is not known here");
    return 0;
  }
  sup_call *c = calloc(1, sizeof *c);
  if (!c) {
    json_decref(code);
    reply_err(e, call_id, DW_E_NOMEM, NULL);
    return 0;
  }
  c->s = s;
  c->e = e;
  c->call_id = json_incref(call_id);
  c->next = e->calls;
  if (e->calls) e->calls->prev = c;
  e->calls = c;
  e->n_calls++;
  const char *method = json_is_string(method_j) ? json_string_value(method_j) : "";
  const json_t *grant;
  if (!args) args = s->empty;

  if (json_is_true(json_object_get(desc, "$egress")) && json_object_size(desc) == 1) {
    json_t *req = json_array_get(args, 0);
    if (!json_is_object(req)) finish_err(c, DW_E_BAD_REQUEST, "egress: no request");
    else call_egress(c, json_object_get(code, "globalOutbound"), req, bin, bin_len, depth + 1);
  } else if (!(grant = granted(code, desc))) {
    finish_err(c, DW_E_BAD_REQUEST, "this binding was not granted to the worker");
  } else if (json_is_object(json_object_get(grant, "$host"))) {
    /* A binding of the host's own (Code Mode's tools): only for a live invocation. */
    if (!inv || !s->cfg.host_call) {
      finish_err(c, DW_E_NOT_FOUND, "this binding is not served here");
    } else {
      c->kind = CALL_HOST;
      s->cfg.host_call(s->cfg.host_user, inv->host_user, grant, method, args, c);
    }
  } else if (json_object_get(grant, "$http")) {
    c->kind = CALL_HTTP;
    call_http(c, grant, method, args); /* with its headers, which the executor never saw */
  } else if (json_is_string(json_object_get(desc, "$worker"))) {
    c->kind = CALL_WORKER;
    dw__sup_invocation sub = {.kind = DW_SUP_RPC,
                              .entrypoint = json_string_value(json_object_get(desc, "entrypoint")),
                              .method = method, .args = args,
                              .props = json_object_get(desc, "props")};
    call_worker(c, json_string_value(json_object_get(desc, "$worker")), &sub, depth + 1);
  } else {
    finish_err(c, DW_E_BAD_REQUEST, "this binding cannot be called through the supervisor");
  }
  json_decref(code);
  return 0;
}

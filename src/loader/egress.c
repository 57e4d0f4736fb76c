/* Egress: a worker's own fetch(). Its globalOutbound decides where it goes: null refuses, an
 * entrypoint stub is called (its fetch), omitted inherits the parent's. At the root the
 * chain ends in the loader's network policy (dw__loader_config.outbound): the request leaves
 * through the HTTP client (src/net), under the allow-list and the private-address guard,
 * with the host's injected headers, counted against the caller's subrequests.
 *
 * A request in flight is an `egress` record on the loader's list, holding a reference to
 * its caller and the caller's resolve/reject (protected). Its done callback runs from
 * dw__net_poll, outside any VM entry: it copies the response and posts a job to the caller,
 * which settles the promise there. A caller that died has its requests cancelled at the next
 * tick: no callback ever reaches a freed or dead realm. docs/EGRESS.md. */
#include <string.h>
#include "loader_internal.h"

#define MAX_POLL_MS 1000u /* a loop wait is split in slices of at most this */
/* Requests in flight per dynamic worker, so that one cannot take all of the loader's
 * DW__NET_MAX_IN_FLIGHT (the root, which also serves its children's gateways, is not capped
 * here). */
#define MAX_IN_FLIGHT_PER_WORKER 128u

struct egress {
  dw_loader *L;
  instance *from;         /* the caller (ref held) */
  dw_val resolve, reject; /* in from's realm, protected */
  uint64_t id;            /* the net request, while in flight */
  bool remote;            /* handed to the host (remote.egress) instead */
  egress *done_next;      /* L->egress_done, once the host completed it */
  egress *prev, *next;    /* L->egress, while in flight */
  /* The outcome, copied in the done callback. */
  int err;
  char *msg;
  int status;
  char *status_text, *url;
  char **headers; /* "name: value" lines */
  size_t nheaders;
  void *body;
  size_t body_len;
};

static void unlink_egress(egress *e) {
  dw_loader *L = e->L;
  if (e->prev) e->prev->next = e->next;
  else if (L->egress == e) L->egress = e->next;
  if (e->next) e->next->prev = e->prev;
  e->prev = e->next = NULL;
}

static void egress_free(egress *e) {
  if (e->from) {
    if (e->from->sb && e->resolve) {
      dw__ctx *cx = dw__sandbox_ctx(e->from->sb);
      dw__unprotect(cx, e->resolve);
      dw__unprotect(cx, e->reject);
    }
    dw__instance_unref(e->from);
  }
  free(e->msg);
  free(e->status_text);
  free(e->url);
  for (size_t i = 0; i < e->nheaders; i++) free(e->headers[i]);
  free(e->headers);
  free(e->body);
  free(e);
}

static bool caller_gone(const instance *in) {
  return in->state == I_DEAD || in->state == I_FAILED || !in->sb || dw__sandbox_dead(in->sb);
}

/* An Error of in's realm from a descriptor, as call.c's errors are made (loader.js rebuild):
 * `code` is kept as a property. Falls back to a plain error. */
static dw_val make_error(instance *in, const char *name, const char *msg, const char *code) {
  dw__ctx *cx = dw__sandbox_ctx(in->sb);
  dw_val d = dw__record(cx);
  dw__set(cx, d, "name", dw__string(cx, name, strlen(name)), NULL);
  dw__set(cx, d, "message", dw__string(cx, msg, strlen(msg)), NULL);
  dw__set(cx, d, "stack", dw__string(cx, "", 0), NULL);
  if (code) dw__set(cx, d, "code", dw__string(cx, code, strlen(code)), NULL);
  dw_val api = dw__realm_api(in, NULL);
  dw_val rebuild = api ? dw__get(cx, api, "rebuild", NULL) : NULL;
  dw_val e = rebuild ? dw__call(cx, rebuild, api, 1, &d, NULL) : NULL;
  return e ? e : dw__make_error(cx, name, msg);
}

/* The same, thrown synchronously in the caller's entry: a real Error with its stack. */
static dw_val throw_error(instance *in, const char *name, const char *msg, const char *code) {
  dw__ctx *cx = dw__sandbox_ctx(in->sb);
  dw_val e = dw__make_error(cx, name, msg);
  if (e && code) dw__define_hidden(cx, e, "code", dw__string(cx, code, strlen(code)), NULL);
  return e;
}

/* The name and code of the error a net failure becomes. */
static void classify(int err, const char **name, const char **code) {
  *name = err == DW_E_NOMEM ? "RangeError" : "TypeError"; /* fetch's network error */
  *code = err == DW_E_OUTBOUND_BLOCKED ? dw_err_code(err)
          : err == DW_E_TOO_LARGE       ? dw_err_code(err)
          : err == DW_E_OVERLOADED      ? dw_err_code(err)
                                        : NULL;
}

/* ---- In the caller's realm: the outcome -------------------------------------------- */

static dw_val response_object(dw__ctx *cx, const egress *e, dw_val *exc) {
  dw_val o = dw__record(cx);
  dw__set(cx, o, "status", dw__number(cx, e->status), NULL);
  dw__set(cx, o, "statusText", dw__string(cx, e->status_text, strlen(e->status_text)), NULL);
  dw__set(cx, o, "url", dw__string(cx, e->url, strlen(e->url)), NULL);
  dw_val hs = dw__json_parse(cx, "[]", 2);
  if (!hs) return NULL;
  for (size_t i = 0; i < e->nheaders; i++) {
    const char *line = e->headers[i], *colon = strchr(line, ':');
    if (!colon) continue;
    const char *v = colon + 1;
    while (*v == ' ' || *v == '\t') v++;
    dw_val pair = dw__json_parse(cx, "[]", 2);
    if (!pair) return NULL;
    dw__set(cx, pair, "0", dw__string(cx, line, (size_t)(colon - line)), NULL);
    dw__set(cx, pair, "1", dw__string(cx, v, strlen(v)), NULL);
    char idx[24];
    snprintf(idx, sizeof idx, "%zu", i);
    dw__set(cx, hs, idx, pair, NULL);
  }
  dw__set(cx, o, "headers", hs, NULL);
  dw_val body = dw__array_buffer(cx, e->body ? e->body : "", e->body_len, exc);
  if (!body) return NULL;
  dw__set(cx, o, "body", body, NULL);
  return o;
}

static void settle_job(void *user, dw_sandbox *sb, bool cancelled) {
  egress *e = user;
  if (cancelled) {
    egress_free(e);
    return;
  }
  dw__ctx *cx = dw__sandbox_ctx(sb);
  dw_val exc = NULL, v = NULL, fn = e->resolve;
  if (!e->err) {
    v = response_object(cx, e, &exc);
    if (!v) {
      if (dw__vm_terminated(dw__sandbox_vm(sb))) {
        egress_free(e);
        return;
      }
      v = exc ? exc : make_error(e->from, "RangeError", "out of memory", NULL);
      fn = e->reject;
    }
  } else {
    const char *name, *code;
    classify(e->err, &name, &code);
    v = make_error(e->from, name, e->msg ? e->msg : dw_strerror(e->err), code);
    fn = e->reject;
  }
  dw__call(cx, fn, NULL, 1, &v, NULL);
  egress_free(e);
}

/* ---- Outside any entry: the net's callback ----------------------------------------- */

static int copy_response(egress *e, const dw__net_response *r) {
  e->status = r->status;
  if (!(e->status_text = dw__strdup(r->status_text ? r->status_text : "")) ||
      !(e->url = dw__strdup(r->url ? r->url : "")))
    return DW_E_NOMEM;
  if (r->nheaders && !(e->headers = calloc(r->nheaders, sizeof *e->headers))) return DW_E_NOMEM;
  for (size_t i = 0; i < r->nheaders; i++, e->nheaders++)
    if (!(e->headers[i] = dw__strdup(r->headers[i]))) return DW_E_NOMEM;
  if (r->body_len && !(e->body = dw__memdup(r->body, r->body_len))) return DW_E_NOMEM;
  e->body_len = r->body_len;
  return 0;
}

static void on_done(void *user, int err, const char *message, const dw__net_response *res) {
  egress *e = user;
  dw_loader *L = e->L;
  unlink_egress(e);
  L->negress--;
  e->err = err;
  if (!err && copy_response(e, res)) e->err = DW_E_NOMEM;
  if (e->err) e->msg = dw__strdup(message ? message : dw_strerror(e->err));
  if (caller_gone(e->from) || dw__loop_post(L->loop, e->from->sb, settle_job, e))
    egress_free(e);
}

/* ---- Loader hooks ------------------------------------------------------------------ */

bool dw__egress_busy(dw_loader *L) { return L->net && dw__net_in_flight(L->net) > 0; }

void dw__egress_complete(dw__egress_req *e, int err, const char *message,
                         const dw__net_response *res) {
  dw_loader *L = e->L;
  pthread_mutex_lock(&L->host_mu);
  e->err = err;
  if (!err && (!res || copy_response(e, res))) e->err = DW_E_NOMEM;
  if (e->err) e->msg = dw__strdup(message ? message : dw_strerror(e->err));
  e->done_next = L->egress_done;
  L->egress_done = e;
  pthread_cond_broadcast(&L->host_cv);
  pthread_mutex_unlock(&L->host_mu);
}

/* Remote requests the host completed: settled like the net's (a safe point). */
static void remote_drain(dw_loader *L) {
  if (!L->nremote) return;
  pthread_mutex_lock(&L->host_mu);
  egress *list = L->egress_done;
  L->egress_done = NULL;
  pthread_mutex_unlock(&L->host_mu);
  while (list) {
    egress *e = list;
    list = e->done_next;
    unlink_egress(e);
    L->negress--;
    L->nremote--;
    if (caller_gone(e->from) || dw__loop_post(L->loop, e->from->sb, settle_job, e)) egress_free(e);
  }
}

void dw__egress_wait(dw_loader *L, uint64_t ns) {
  if (!dw__egress_busy(L)) {
    dw__sleep_ns(ns);
    return;
  }
  uint64_t ms = ns / 1000000u;
  if (ms > MAX_POLL_MS) ms = MAX_POLL_MS;
  dw__net_poll(L->net, (uint32_t)ms);
}

void dw__egress_tick(dw_loader *L) {
  remote_drain(L);
  if (!L->net) return;
  for (egress *e = L->egress, *next; e; e = next) {
    next = e->next;
    if (e->remote || !caller_gone(e->from)) continue; /* a remote one ends when the host answers */
    dw__net_cancel(L->net, e->id);
    unlink_egress(e);
    L->negress--;
    egress_free(e);
  }
  /* Move transfers on even when jobs keep the loop from waiting. */
  if (dw__net_in_flight(L->net)) dw__net_poll(L->net, 0);
}

void dw__egress_free_all(dw_loader *L) {
  dw__net_free(L->net); /* cancels what is in flight, without callbacks */
  L->net = NULL;
  while (L->egress) {
    egress *e = L->egress;
    unlink_egress(e);
    egress_free(e);
  }
  L->negress = 0;
  L->nremote = 0;
  L->egress_done = NULL; /* those were on L->egress too, and are freed */
}

/* ---- Starting a request (inside the caller's entry) --------------------------------- */

/* The JS request {method, url, headers: [[k, v]...], body} as C strings. Returns NULL on
 * success, or the message of a TypeError. */
typedef struct {
  char *method, *url;
  char **lines; /* NULL-terminated */
  size_t nlines;
  const void *body;
  size_t body_len;
} plain_request;

static void plain_free(plain_request *r) {
  free(r->method);
  free(r->url);
  for (size_t i = 0; i < r->nlines; i++) free(r->lines[i]);
  free(r->lines);
}

static char *utf8_field(dw__ctx *cx, dw_val v, size_t max, dw_val *exc, const char **why,
                        const char *what) {
  size_t n = 0;
  if (!v) {
    *why = "fetch(): a malformed request";
    return NULL;
  }
  char *s = dw__to_utf8(cx, v, &n, exc);
  if (!s) {
    if (!*exc) *why = "out of memory";
    return NULL;
  }
  if (n > max || strlen(s) != n) {
    *why = what;
    free(s);
    return NULL;
  }
  return s;
}

static const char *plain_read(dw__ctx *cx, dw_val req, plain_request *r, dw_val *exc) {
  const char *why = NULL;
  if (!dw__is_object(cx, req)) return "fetch(): the request is not an object";
  if (!(r->method = utf8_field(cx, dw__get(cx, req, "method", exc), DW__NET_MAX_METHOD, exc,
                               &why, "fetch(): the method is too long or holds a NUL")))
    return why;
  if (!(r->url = utf8_field(cx, dw__get(cx, req, "url", exc), DW__NET_MAX_URL, exc, &why,
                            "fetch(): the URL is longer than 16 KiB or holds a NUL")))
    return why;
  dw_val hs = dw__get(cx, req, "headers", exc);
  double n = dw__is_object(cx, hs) ? dw__to_number(cx, dw__get(cx, hs, "length", exc)) : 0;
  if (!(n >= 0 && n <= DW__NET_MAX_REQ_HEADERS))
    return "fetch(): more than 128 request headers";
  if (!(r->lines = calloc((size_t)n + 1, sizeof *r->lines))) return "out of memory";
  size_t total = 0;
  for (unsigned i = 0; i < (unsigned)n; i++) {
    dw_val pair = dw__get_index(cx, hs, i, exc);
    if (!dw__is_object(cx, pair)) return "fetch(): a request header is not a [name, value] pair";
    char *k = utf8_field(cx, dw__get_index(cx, pair, 0, exc), DW__NET_MAX_REQ_HEADER_BYTES,
                         exc, &why, "fetch(): a request header name is too long or holds a NUL");
    if (!k) return why;
    char *v = utf8_field(cx, dw__get_index(cx, pair, 1, exc), DW__NET_MAX_REQ_HEADER_BYTES,
                         exc, &why, "fetch(): a request header value is too long or holds a NUL");
    if (!v) {
      free(k);
      return why;
    }
    size_t len = strlen(k) + 2 + strlen(v);
    total += len;
    char *line = total <= DW__NET_MAX_REQ_HEADER_BYTES ? malloc(len + 1) : NULL;
    if (line) snprintf(line, len + 1, "%s: %s", k, v);
    free(k);
    free(v);
    if (!line)
      return total > DW__NET_MAX_REQ_HEADER_BYTES ? "fetch(): the request headers are larger than 64 KiB"
                                                  : "out of memory";
    r->lines[r->nlines++] = line;
  }
  dw_val body = dw__get(cx, req, "body", exc);
  if (body && !dw__is_null(cx, body) && !dw__is_undefined(cx, body)) {
    r->body = dw__bytes(cx, body, &r->body_len);
    if (!r->body) return "fetch(): the request body is not an ArrayBuffer";
    if (r->body_len > DW__NET_MAX_REQ_BODY) return "fetch(): the request body is larger than 64 MiB";
  }
  return NULL;
}

/* The root's egress (reached by `in` through inherited globalOutbounds): a real request,
 * made here (L->net) or by the host (remote.egress, for the host-made worker `top`). */
static dw_val net_fetch(instance *in, instance *top, dw_val request, dw_val *exc) {
  dw_loader *L = in->L;
  dw__ctx *cx = dw__sandbox_ctx(in->sb);
  plain_request r = {0};
  dw_val out = NULL;
  egress *e = NULL;
  const char *bad = plain_read(cx, request, &r, exc);
  if (*exc) goto out;
  if (bad) {
    *exc = throw_error(in, "TypeError", bad, NULL);
    goto out;
  }
  char limit_msg[256];
  if (!dw__subrequest_take(in, limit_msg, sizeof limit_msg)) {
    *exc = throw_error(in, "Error", limit_msg, dw_err_code(DW_E_SUBREQUEST_LIMIT));
    goto out;
  }
  if (!in->is_root) {
    size_t mine = 0;
    for (const egress *x = L->egress; x; x = x->next) mine += x->from == in;
    if (mine >= MAX_IN_FLIGHT_PER_WORKER) {
      char msg[256];
      snprintf(msg, sizeof msg, "Worker '%s' has %u fetch() requests in flight already (the most "
               "it may have at once)", in->label, MAX_IN_FLIGHT_PER_WORKER);
      *exc = throw_error(in, "RangeError", msg, dw_err_code(DW_E_OVERLOADED));
      goto out;
    }
  }
  if (!(e = calloc(1, sizeof *e))) {
    *exc = dw__make_error(cx, "RangeError", "out of memory");
    goto out;
  }
  e->L = L;
  dw_val promise = dw__deferred(cx, &e->resolve, &e->reject, exc);
  if (!promise) {
    e->resolve = e->reject = NULL;
    goto out;
  }
  char why[512] = "";
  dw__net_request nr = {.method = r.method, .url = r.url, .headers = (const char *const *)r.lines,
                        .body = r.body, .body_len = r.body_len};
  int rc = 0;
  if (top) {
    e->remote = true;
    e->from = in; /* before the host can complete it (from another thread) */
    dw__instance_ref(in);
  } else {
    rc = dw__net_start(L->net, L->cfg.outbound, &nr, on_done, e, &e->id, why, sizeof why);
  }
  if (rc) {
    const char *name, *code;
    classify(rc, &name, &code);
    char msg[1024];
    snprintf(msg, sizeof msg, "fetch(%.32s %.200s): %.512s", r.method, r.url, *why ? why : dw_strerror(rc));
    e->resolve = e->reject = NULL; /* not protected */
    *exc = throw_error(in, name, msg, code);
    goto out;
  }
  dw__protect(cx, e->resolve);
  dw__protect(cx, e->reject);
  if (!e->from) {
    e->from = in;
    dw__instance_ref(in);
  }
  e->next = L->egress;
  if (L->egress) L->egress->prev = e;
  L->egress = e;
  L->negress++;
  if (top) {
    L->nremote++;
    L->cfg.remote->egress(L->cfg.remote->user, top->host_tag, top->host_id, &nr, e);
  }
  e = NULL;
  out = promise;
out:
  free(e);
  plain_free(&r);
  return out;
}

dw_val dw__instance_outbound(void *user, dw_sandbox *sb, dw_val request, dw_val *exc) {
  instance *in = user;
  dw__ctx *cx = dw__sandbox_ctx(sb);
  instance *p = in;
  while (p->outbound == OUT_INHERIT && p->parent) p = p->parent;
  if (p->outbound == OUT_INHERIT && in->L->net && in->L->cfg.outbound)
    return net_fetch(in, NULL, request, exc);
  if (p->outbound == OUT_INHERIT && p->host_egress && in->L->cfg.remote &&
      in->L->cfg.remote->egress)
    return net_fetch(in, p, request, exc);
  if (p->outbound != OUT_CAP) {
    *exc = throw_error(
        in, "TypeError",
        p->outbound == OUT_NONE
            ? "fetch() is not allowed: this worker may only reach the outside through the "
              "capabilities in its env (its globalOutbound is null)"
            : p->host_tag || p->host_id
            ? "fetch() is not allowed: this worker may only reach the outside through the "
              "capabilities in its env (its globalOutbound is null)"
            : "fetch() has no network here: this worker may only reach the outside through "
              "the capabilities in its env (dynworker run gives the network with --outbound)",
        dw_err_code(DW_E_OUTBOUND_BLOCKED));
    return NULL;
  }
  dw_val resolve, reject;
  dw_val promise = dw__deferred(cx, &resolve, &reject, exc);
  if (!promise) return NULL;
  dw_val args = dw__array(cx, 1, &request, exc);
  if (!args) return NULL;
  if (!dw__call_start(in, p->outbound_cap, "fetch", args, resolve, reject, exc)) return NULL;
  return promise;
}

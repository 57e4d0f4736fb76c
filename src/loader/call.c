/* Calls between realms: fetch and RPC through a capability, as structured clones, each
 * step a job in the realm it concerns (a worker's own fetch(): egress.c). */
#include <string.h>
#include "loader_internal.h"

#define MAX_MESSAGE_BYTES ((size_t)32 << 20) /* arguments or result of one call */

static void settle_job(void *user, dw_sandbox *sb, bool cancelled);
static void unlink_inflight(call *c);
static void tail_done(void *user, call *c);
static char *str_field(dw__ctx *cx, dw_val o, const char *k);

void dw__call_free(call *c) {
  dw_loader *L = c->L;
  if (c->invoke_queued) {
    /* Its invoke job is still queued (a call that expired before its target ran it): that
     * job frees it. */
    c->orphan = true;
    return;
  }
  dw__calls_remove(L, c);
  if (c->from && c->resolve) {
    dw__ctx *cx = dw__sandbox_ctx(c->from->sb);
    dw__unprotect(cx, c->resolve);
    dw__unprotect(cx, c->reject);
  }
  if (c->from) dw__instance_unref(c->from);
  if (c->to) dw__instance_unref(c->to);
  if (c->via) dw__cap_unref(c->via);
  dw__caps_free(c->caps, c->ncaps);
  dw__caps_free(c->rcaps, c->nrcaps);
  free(c->method);
  free(c->args);
  free(c->res);
  free(c->err_name);
  free(c->err_msg);
  free(c->err_stack);
  free(c->args_json);
  free(c->res_json);
  free(c->headers_json);
  free(c->body);
  dw__buf_free(&c->logs);
  free(c->props_json);
  free(c);
}

static void unlink_inflight(call *c) {
  if (c->state != C_SENT) return;
  instance *in = c->to;
  if (c->iprev) c->iprev->inext = c->inext;
  else in->inflight = c->inext;
  if (c->inext) c->inext->iprev = c->iprev;
  c->iprev = c->inext = NULL;
  if (--in->ninflight == 0) dw__unroot_queue(in);
}

/* A call that ends while it waits for its target to load leaves the target's queue. */
static void unlink_wait(call *c) {
  if (!c->waiting) return;
  instance *in = c->to;
  call *prev = NULL;
  for (call *x = in->wait_head; x; prev = x, x = x->next)
    if (x == c) {
      if (prev) prev->next = c->next;
      else in->wait_head = c->next;
      if (in->wait_tail == c) in->wait_tail = prev;
      break;
    }
  c->next = NULL;
  c->waiting = false;
}

void dw__call_finish(call *c) {
  unlink_inflight(c);
  unlink_wait(c);
  c->state = C_DONE;
  if (c->done) {
    c->done(c->done_user, c);
    return;
  }
  if (!c->from || !c->from->sb || dw__sandbox_dead(c->from->sb) ||
      dw__loop_post(c->L->loop, c->from->sb, settle_job, c))
    dw__call_free(c);
}

void dw__call_fail(call *c, int err, const char *name, const char *msg, const char *stack) {
  if (c->state == C_DONE) return;
  c->ok = false;
  c->err = err;
  free(c->res);
  c->res = NULL;
  c->err_name = dw__strdup(name ? name : "Error");
  c->err_msg = dw__strdup(msg ? msg : dw_strerror(err));
  c->err_stack = dw__strdup(stack ? stack : "");
  dw__call_finish(c);
}

/* ---- In the target's realm ------------------------------------------------------------ */

static void invoke_job(void *user, dw_sandbox *sb, bool cancelled) {
  call *c = user;
  c->invoke_queued = false;
  if (c->orphan) {
    dw__call_free(c);
    return;
  }
  if (cancelled || c->state != C_SENT) return; /* dw__instance_fail or expiry settles it */
  instance *to = c->to;
  dw__ctx *cx = dw__sandbox_ctx(sb);
  dw_val exc = NULL;
  dw_val args = c->args_json
                    ? dw__json_parse(cx, c->args_json, strlen(c->args_json))
                    : dw__realm_read(to, c->args, c->args_len, c->caps, c->ncaps, &exc);
  if (!args && c->args_json) exc = dw__make_error(cx, "TypeError", "the arguments are not valid JSON");
  dw_val props = NULL;
  if (args && c->via->props) props = dw__clone_read(cx, c->via->props, c->via->props_len, NULL, &exc);
  else if (args && c->props_json) props = dw__json_parse(cx, c->props_json, strlen(c->props_json));
  if (!args || ((c->via->props || c->props_json) && !props)) {
    if (dw__vm_terminated(dw__sandbox_vm(sb))) return;
    dw__exc_info i;
    dw__exc_describe(cx, exc, &i);
    dw__call_fail(c, DW_E_BAD_REQUEST, i.name, i.message, "");
    dw__exc_info_free(&i);
    return;
  }
  dw__sandbox_invoke(sb, (double)c->id, c->via->entry, c->convention ? NULL : c->method, args,
                     props);
}

static char *str_field(dw__ctx *cx, dw_val o, const char *k) {
  dw_val v = dw__is_object(cx, o) ? dw__get(cx, o, k, NULL) : NULL;
  return v && dw__is_string(cx, v) ? dw__to_utf8(cx, v, NULL, NULL) : NULL;
}

/* A host's call: its value as JSON (a fetch: status, headers and body bytes). */
static void host_reply(call *c, instance *in, bool ok, dw_val value) {
  dw__ctx *cx = dw__sandbox_ctx(in->sb);
  dw_val exc = NULL;
  if (!ok) {
    char *name = str_field(cx, value, "name"), *msg = str_field(cx, value, "message");
    char *stack = str_field(cx, value, "stack"), *code = str_field(cx, value, "code");
    int err = code ? dw_err_from_code(code) : DW_E_UNCAUGHT;
    dw__call_fail(c, err ? err : DW_E_UNCAUGHT, name, msg, stack);
    free(name);
    free(msg);
    free(stack);
    free(code);
    return;
  }
  c->ok = true;
  bool response = !c->convention && strcmp(c->method, "fetch") == 0;
  if (c->convention && dw__is_object(cx, value)) {
    /* {kind, ...}: a response as a fetch's, a value as a method's, a module: null. */
    char *kind = str_field(cx, value, "kind");
    response = kind && strcmp(kind, "response") == 0;
    if (kind && strcmp(kind, "value") == 0) value = dw__get(cx, value, "value", NULL);
    else if (!response) value = dw__null(cx);
    free(kind);
    if (!value) value = dw__undefined(cx);
  }
  if (response && dw__is_object(cx, value)) {
    c->has_body = true;
    c->status = (int)dw__to_number(cx, dw__get(cx, value, "status", NULL));
    dw_val h = dw__get(cx, value, "headers", NULL);
    c->headers_json = h ? dw__json_stringify(cx, h, NULL, &exc) : NULL;
    size_t n = 0;
    dw_val body = dw__get(cx, value, "body", NULL);
    void *p = body ? dw__bytes(cx, body, &n) : NULL;
    c->body = p && n ? dw__memdup(p, n) : NULL;
    c->body_len = c->body ? n : 0;
  } else {
    c->res_json = dw__json_stringify(cx, value, NULL, &exc);
    if (!c->res_json && !exc) c->res_json = dw__strdup("null");
    if (!c->res_json) {
      /* The budget ended the entry inside a toJSON: the limit answers the call (the
       * instance's after hook fails it with the limit's error), not a serialisation error. */
      if (dw__vm_terminated(dw__sandbox_vm(in->sb))) return;
      dw__call_fail(c, DW_E_BAD_RESULT, "TypeError", "The result cannot be serialised as JSON", "");
      return;
    }
  }
  dw__call_finish(c);
}

void dw__call_reply(instance *in, double token, bool ok, dw_val value) {
  dw_loader *L = in->L;
  call *c = token >= 1 && token < 9007199254740992.0 ? dw__calls_find(L, (uint64_t)token) : NULL;
  if (!c || c->to != in || c->state != C_SENT) return;
  c->cpu_used = dw__sandbox_cpu_ns(in->sb) - c->cpu0;
  if (in->ntails && c->done != tail_done) {
    dw__ctx *tx = dw__sandbox_ctx(in->sb);
    char *en = ok ? NULL : str_field(tx, value, "name"), *em = ok ? NULL : str_field(tx, value, "message");
    dw__tail_report(in, c, ok ? "ok" : "exception", en, em);
    free(en);
    free(em);
  }
  if (!c->from) {
    host_reply(c, in, ok, value);
    return;
  }
  dw_buf b;
  dw__buf_init(&b, MAX_MESSAGE_BYTES);
  dw_val exc = NULL;
  int rc = dw__realm_write(in, value, &b, &c->rcaps, &c->nrcaps, &exc);
  if (rc) {
    dw__buf_free(&b);
    if (dw__vm_terminated(dw__sandbox_vm(in->sb))) return;
    char msg[1024];
    dw__exc_info i = {0};
    if (exc) dw__exc_describe(dw__sandbox_ctx(in->sb), exc, &i);
    snprintf(msg, sizeof msg, "The %s of %s() cannot be sent back: %s", ok ? "result" : "error",
             c->method, rc == DW_E_TOO_LARGE ? "larger than 32 MiB" : i.message ? i.message : dw_strerror(rc));
    dw__call_fail(c, DW_E_BAD_RESULT, "DataCloneError", msg, "");
    dw__exc_info_free(&i);
    return;
  }
  c->ok = ok;
  c->res = dw__buf_steal(&b, &c->res_len);
  dw__call_finish(c);
}

/* ---- In the caller's realm ------------------------------------------------------------- */

static dw_val descriptor(dw__ctx *cx, const call *c) {
  dw_val d = dw__record(cx);
  const char *code = dw_err_code(c->err);
  dw__set(cx, d, "name", dw__string(cx, c->err_name, strlen(c->err_name)), NULL);
  dw__set(cx, d, "message", dw__string(cx, c->err_msg, strlen(c->err_msg)), NULL);
  dw__set(cx, d, "stack", dw__string(cx, c->err_stack, strlen(c->err_stack)), NULL);
  if (c->err != DW_E_UNCAUGHT) dw__set(cx, d, "code", dw__string(cx, code, strlen(code)), NULL);
  return d;
}

static void settle_job(void *user, dw_sandbox *sb, bool cancelled) {
  call *c = user;
  if (cancelled) {
    dw__call_free(c);
    return;
  }
  dw__ctx *cx = dw__sandbox_ctx(sb);
  dw_val exc = NULL, v = NULL, fn = c->reject;
  if (c->err_msg) {
    v = descriptor(cx, c);
  } else if (c->res_json) {
    v = dw__json_parse(cx, c->res_json, strlen(c->res_json));
    if (v) fn = c->resolve;
    else v = dw__make_error(cx, "TypeError", "the binding's result is not valid JSON");
  } else {
    v = dw__realm_read(c->from, c->res, c->res_len, c->rcaps, c->nrcaps, &exc);
    if (v && c->ok) fn = c->resolve;
    if (!v) {
      if (dw__vm_terminated(dw__sandbox_vm(sb))) {
        dw__call_free(c);
        return;
      }
      dw__exc_info i;
      dw__exc_describe(cx, exc, &i);
      c->err = DW_E_BAD_RESULT;
      c->err_name = dw__strdup(i.name);
      c->err_msg = dw__strdup(i.message);
      c->err_stack = dw__strdup("");
      dw__exc_info_free(&i);
      v = c->err_msg && c->err_name && c->err_stack ? descriptor(cx, c) : dw__undefined(cx);
    }
  }
  if (fn == c->reject) {
    /* An Error of the caller's realm, from the descriptor. */
    dw_val api = dw__realm_api(c->from, NULL);
    dw_val rebuild = api ? dw__get(cx, api, "rebuild", NULL) : NULL;
    dw_val e = rebuild ? dw__call(cx, rebuild, api, 1, &v, NULL) : NULL;
    if (e) v = e;
  }
  dw__call(cx, fn, NULL, 1, &v, NULL);
  dw__call_free(c);
}

/* ---- Starting a call ------------------------------------------------------------------ */

/* Sends a call to its ready target. */
static void send(call *c) {
  instance *in = c->to;
  dw_loader *L = c->L;
  c->state = C_SENT;
  c->cpu0 = dw__sandbox_cpu_ns(in->sb);
  c->inext = in->inflight;
  c->iprev = NULL;
  if (in->inflight) in->inflight->iprev = c;
  in->inflight = c;
  in->ninflight++;
  if (c->deadline < L->next_deadline) L->next_deadline = c->deadline;
  if (dw__loop_post(L->loop, in->sb, invoke_job, c))
    dw__call_fail(c, DW_E_NOMEM, "RangeError", "too many calls in flight", "");
  else
    c->invoke_queued = true;
}

void dw__call_dispatch(call *c) {
  instance *in = c->to;
  if (in->state == I_READY) {
    send(c);
  } else if (in->state == I_CODE || in->state == I_LOADING) {
    c->next = NULL;
    if (in->wait_tail) in->wait_tail->next = c;
    else in->wait_head = c;
    in->wait_tail = c;
    c->waiting = true;
    /* Waiting for the code counts against the call's wall-clock budget too. */
    if (c->deadline && c->deadline < c->L->next_deadline) c->L->next_deadline = c->deadline;
  } else {
    dw__call_fail(c, in->fail_code ? dw_err_from_code(in->fail_code) : DW_E_WORKER_NOT_FOUND,
                  in->fail_name, in->fail_msg ? in->fail_msg : "the worker is gone",
                  in->fail_stack);
  }
}

static void need_code_job(void *user, dw_sandbox *sb, bool cancelled) {
  cap *k = user;
  if (!cancelled && k->owner->api) {
    dw__ctx *cx = dw__sandbox_ctx(sb);
    dw_val exc = NULL;
    dw_val f = dw__get(cx, k->owner->api, "needCode", &exc);
    dw_val wid = dw__number(cx, k->wid);
    if (f) dw__call(cx, f, k->owner->api, 1, &wid, &exc);
  }
  dw__cap_unref(k);
}

/* The instance a capability reaches now: its own, the warm one for its key, or a new
 * placeholder whose code is asked of the stub's creator. NULL when out of memory. */
static instance *target_of(dw_loader *L, cap *k) {
  if (k->inst) return k->inst;
  instance *in = dw__cache_find(L, k->key);
  if (in) {
    L->stats.hits++;
    dw__cache_touch(L, in);
    return in;
  }
  L->stats.misses++;
  const char *id = strchr(k->key, '\x1f');
  if (!(in = dw__instance_new(L, k->key, id ? id + 1 : k->key))) return NULL;
  if (dw__cache_put(L, in)) {
    in->state = I_DEAD;
    dw__instance_unref(in);
    return NULL;
  }
  dw__instance_unref(in); /* the cache's reference remains */
  instance *owner = k->owner;
  if (!owner->sb || dw__sandbox_dead(owner->sb)) {
    dw__instance_fail(in, DW_E_WORKER_NOT_FOUND, "Error",
                      "the worker that created this stub has ended, so its code cannot be loaded "
                      "again", "", NULL);
    return in;
  }
  dw__cap_ref(k);
  if (dw__loop_post(L->loop, owner->sb, need_code_job, k)) {
    dw__cap_unref(k);
    dw__instance_fail(in, DW_E_NOMEM, "RangeError", "out of memory", "", NULL);
  }
  dw__cache_evict(L);
  return in;
}

static uint32_t lower(uint32_t a, uint32_t b) { return !b ? a : !a ? b : a < b ? a : b; }

call *dw__call_start(instance *from, cap *k, const char *method, dw_val args, dw_val resolve,
                     dw_val reject, dw_val *exc) {
  dw_loader *L = from->L;
  dw__ctx *cx = dw__sandbox_ctx(from->sb);
  call *c = calloc(1, sizeof *c);
  if (!c || !(c->method = dw__strdup(method))) {
    free(c);
    *exc = dw__make_error(cx, "RangeError", "out of memory");
    return NULL;
  }
  c->L = L;
  c->binding = -1;
  c->id = ++L->next_call;
  c->from = from;
  dw__instance_ref(from);
  c->via = k;
  dw__cap_ref(k);
  if (k->kind == CAP_BINDING) {
    if (dw__calls_put(L, c)) {
      dw__call_free(c);
      *exc = dw__make_error(cx, "RangeError", "out of memory");
      return NULL;
    }
    c->resolve = resolve;
    c->reject = reject;
    dw__protect(cx, resolve);
    dw__protect(cx, reject);
    L->stats.calls++;
    dw__call_binding(c, args, exc);
    return c;
  }
  dw_buf b;
  dw__buf_init(&b, MAX_MESSAGE_BYTES);
  int rc = dw__realm_write(from, args, &b, &c->caps, &c->ncaps, exc);
  if (rc || dw__calls_put(L, c)) {
    if (rc == DW_E_TOO_LARGE)
      *exc = dw__make_error(cx, "RangeError", "the arguments are larger than 32 MiB");
    else if (!*exc)
      *exc = dw__make_error(cx, "RangeError", "out of memory");
    dw__buf_free(&b);
    dw__call_free(c);
    return NULL;
  }
  c->args = dw__buf_steal(&b, &c->args_len);
  c->resolve = resolve;
  c->reject = reject;
  dw__protect(cx, resolve);
  dw__protect(cx, reject);
  L->stats.calls++;
  char msg[256];
  if (!dw__subrequest_take(from, msg, sizeof msg)) {
    dw__call_fail(c, DW_E_SUBREQUEST_LIMIT, "Error", msg, "");
    return c;
  }
  instance *to = target_of(L, k);
  if (!to) {
    dw__call_fail(c, DW_E_NOMEM, "RangeError", "out of memory", "");
    return c;
  }
  c->to = to;
  dw__instance_ref(to);
  c->started = dw__now_ns();
  c->cpu_ms = lower(to->limits.cpu_ms, k->limits.cpu_ms);
  c->deadline = dw__now_ns() + (uint64_t)lower(to->limits.wall_ms, k->limits.wall_ms) * 1000000u;
  dw__call_dispatch(c);
  return c;
}

uint64_t dw__calls_expire(dw_loader *L, uint64_t now) {
  if (now < L->next_deadline) return L->next_deadline;
  uint64_t next = UINT64_MAX;
  for (size_t i = 0; i < L->calls_cap; i++) {
    call *c = L->calls[i];
    if (!c || c == (void *)1 || (c->state != C_SENT && !c->waiting) || !c->deadline) continue;
    if (c->deadline <= now) {
      char msg[512];
      snprintf(msg, sizeof msg, "Worker '%s' exceeded its wall-clock limit (%u ms) in %s()",
               c->to->label, c->to->limits.wall_ms, c->method);
      dw__call_fail(c, DW_E_WALL_LIMIT, "Error", msg, "");
    } else if (c->deadline < next) {
      next = c->deadline;
    }
  }
  for (instance *in = L->all; in; in = in->all_next) {
    if (!in->loading || !in->sb || !in->load_deadline || in->is_root) continue;
    if (in->load_deadline <= now) {
      char msg[512];
      snprintf(msg, sizeof msg,
               "Worker '%s' did not finish loading within its wall-clock limit (%u ms)",
               in->label, in->limits.wall_ms);
      dw__instance_fail(in, DW_E_WALL_LIMIT, "Error", msg, "", NULL);
    } else if (in->load_deadline < next) {
      next = in->load_deadline;
    }
  }
  L->next_deadline = next;
  return next;
}

void dw__calls_free_all(dw_loader *L) {
  for (size_t i = 0; i < L->calls_cap; i++) {
    call *c = L->calls[i];
    if (!c || c == (void *)1) continue;
    L->calls[i] = NULL;
    unlink_inflight(c);
    c->state = C_DONE;
    dw__call_free(c);
  }
  free(L->calls);
  L->calls = NULL;
  L->calls_cap = L->calls_used = 0;
}

/* ---- Tails ---------------------------------------------------------------------------- */

static void tail_done(void *user, call *c) { dw__call_free(c); }

void dw__tail_report(instance *in, const call *c, const char *outcome, const char *exc_name,
                     const char *exc_msg) {
  if (!in->ntails) return;
  dw_loader *L = in->L;
  dw_buf b;
  dw__buf_init(&b, (size_t)2 << 20);
  int rc = dw__buf_puts(&b, "[{\"outcome\":");
  if (!rc) rc = dw__buf_json_str(&b, outcome, strlen(outcome));
  if (!rc) rc = dw__buf_puts(&b, ",\"entrypoint\":");
  if (!rc) rc = c && c->via && c->via->entry ? dw__buf_json_str(&b, c->via->entry, strlen(c->via->entry))
                                             : dw__buf_puts(&b, "null");
  if (!rc) rc = dw__buf_puts(&b, ",\"method\":");
  if (!rc) rc = c ? dw__buf_json_str(&b, c->method, strlen(c->method)) : dw__buf_puts(&b, "null");
  if (!rc) rc = dw__buf_puts(&b, ",\"logs\":[");
  if (!rc && in->tail_logs.len) rc = dw__buf_append(&b, in->tail_logs.data, in->tail_logs.len);
  if (!rc) rc = dw__buf_puts(&b, "],\"exceptions\":[");
  if (!rc && exc_msg) {
    rc = dw__buf_puts(&b, "{\"name\":");
    if (!rc) rc = dw__buf_json_str(&b, exc_name ? exc_name : "Error", strlen(exc_name ? exc_name : "Error"));
    if (!rc) rc = dw__buf_puts(&b, ",\"message\":");
    if (!rc) rc = dw__buf_json_str(&b, exc_msg, strlen(exc_msg));
    if (!rc) rc = dw__buf_putc(&b, '}');
  }
  double cpu = c ? (double)c->cpu_used / 1e6 : 0;
  double wall = c && c->deadline ? (double)(dw__now_ns() - c->started) / 1e6 : 0;
  if (!rc) rc = dw__buf_printf(&b, "],\"cpuMs\":%.3f,\"wallMs\":%.3f}]", cpu, wall);
  dw__buf_reset(&in->tail_logs);
  in->tail_nlogs = 0;
  if (rc) {
    dw__buf_free(&b);
    return;
  }
  char *args = dw__buf_steal(&b, NULL);
  for (size_t i = 0; i < in->ntails && args; i++) {
    cap *k = in->tails[i];
    call *t = calloc(1, sizeof *t);
    if (!t || !(t->method = dw__strdup("tail")) || !(t->args_json = dw__strdup(args))) {
      if (t) free(t->method);
      free(t);
      break;
    }
    t->L = L;
    t->binding = -1;
    t->id = ++L->next_call;
    t->via = k;
    dw__cap_ref(k);
    t->done = tail_done;
    instance *to = target_of(L, k);
    if (!to || dw__calls_put(L, t)) {
      dw__call_free(t);
      continue;
    }
    t->to = to;
    dw__instance_ref(to);
    t->cpu_ms = to->limits.cpu_ms;
    t->deadline = dw__now_ns() + (uint64_t)to->limits.wall_ms * 1000000u;
    t->started = dw__now_ns();
    dw__call_dispatch(t);
  }
  free(args);
}

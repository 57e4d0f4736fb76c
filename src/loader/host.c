/* The loader for C hosts (include/dynworker.h): host-made workers, calls from the host into
 * them, and bindings whose methods are C callbacks. Values between C and a worker are JSON. */
#include <string.h>
#include "loader_internal.h"
#include "modules/modules.h"

#define MAX_BINDINGS 256

/* ---- Binding calls (a worker calls a C callback) --------------------------------------- */

static void wake(dw_loader *L) { pthread_cond_broadcast(&L->host_cv); }

static void complete(dw_binding_call *bc, const char *json, const char *error) {
  call *c = (call *)bc;
  dw_loader *L = c->L;
  pthread_mutex_lock(&L->host_mu);
  if (c->host_completed) {
    pthread_mutex_unlock(&L->host_mu);
    return; /* completed twice: the first answer stands */
  }
  c->host_completed = true;
  if (error) {
    c->err = DW_E_UNCAUGHT;
    c->err_name = dw__strdup("Error");
    c->err_msg = dw__strdup(error);
    c->err_stack = dw__strdup("");
  } else {
    c->ok = true;
    c->res_json = dw__strdup(json ? json : "null");
  }
  if (!c->in_callback) {
    c->host_next = L->host_done;
    L->host_done = c;
    wake(L);
  }
  pthread_mutex_unlock(&L->host_mu);
}

void dw_binding_return(dw_binding_call *bc, const char *result_json) {
  if (bc) complete(bc, result_json, NULL);
}

void dw_binding_throw(dw_binding_call *bc, const char *message) {
  if (bc) complete(bc, NULL, message ? message : "the binding failed");
}

/* Hands a completed binding call back to its caller (a safe point: the loader's thread). */
static void settle(call *c) {
  dw_loader *L = c->L;
  L->host_pending--;
  if (c->ok && !c->res_json) dw__call_fail(c, DW_E_NOMEM, "RangeError", "out of memory", "");
  else dw__call_finish(c);
}

void dw__call_binding(call *c, dw_val args, dw_val *exc) {
  dw_loader *L = c->L;
  instance *from = c->from;
  dw__ctx *cx = dw__sandbox_ctx(from->sb);
  cap *k = c->via;
  char msg[256];
  if (!dw__subrequest_take(from, msg, sizeof msg)) {
    dw__call_fail(c, DW_E_SUBREQUEST_LIMIT, "Error", msg, "");
    return;
  }
  dw_val e = NULL;
  c->args_json = dw__json_stringify(cx, args, NULL, &e);
  if (!c->args_json) {
    dw__call_fail(c, DW_E_BAD_REQUEST, "TypeError",
                  "the arguments of a host binding must be JSON values", "");
    return;
  }
  if (k->binding < 0 || (size_t)k->binding >= L->nbindings) {
    dw__call_fail(c, DW_E_NOT_FOUND, "Error", "no such binding", "");
    return;
  }
  host_binding *b = &L->bindings[k->binding];
  L->host_pending++;
  c->in_callback = true;
  L->in_binding++;
  b->fn(b->user, c->method, c->args_json, (dw_binding_call *)c);
  L->in_binding--;
  pthread_mutex_lock(&L->host_mu);
  c->in_callback = false;
  bool done = c->host_completed;
  pthread_mutex_unlock(&L->host_mu);
  if (done) settle(c); /* synchronous */
  (void)exc;
}

void dw__host_drain(dw_loader *L) {
  if (!L->nbindings) return;
  pthread_mutex_lock(&L->host_mu);
  call *list = L->host_done;
  L->host_done = NULL;
  pthread_mutex_unlock(&L->host_mu);
  while (list) {
    call *c = list;
    list = c->host_next;
    settle(c);
  }
}

void dw__host_wait(dw_loader *L, uint64_t ns) {
  if (ns > 100000000u) ns = 100000000u;
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  uint64_t t = (uint64_t)ts.tv_nsec + ns;
  ts.tv_sec += (time_t)(t / 1000000000u);
  ts.tv_nsec = (long)(t % 1000000000u);
  pthread_mutex_lock(&L->host_mu);
  if (!L->host_done) pthread_cond_timedwait(&L->host_cv, &L->host_mu, &ts);
  pthread_mutex_unlock(&L->host_mu);
}

/* ---- Host-made workers ------------------------------------------------------------------- */

dw_val dw__host_env(instance *in, dw_val *exc) {
  dw__ctx *cx = dw__sandbox_ctx(in->sb);
  dw_val env = dw__json_parse(cx, in->env_json, strlen(in->env_json));
  if (!env || !dw__is_object(cx, env)) {
    *exc = dw__make_error(cx, "TypeError", "env must be a JSON object");
    return NULL;
  }
  for (size_t i = 0; i < in->nbindings; i++) {
    cap *k = dw__cap_new(in->L, CAP_BINDING);
    if (!k) {
      *exc = dw__make_error(cx, "RangeError", "out of memory");
      return NULL;
    }
    k->binding = in->bindings[i];
    dw_val o = dw__realm_cap_object(in, k, exc);
    dw__cap_unref(k);
    if (!o) return NULL;
    dw__set(cx, env, in->L->bindings[in->bindings[i]].name, o, NULL);
  }
  return env;
}

static int binding_index(dw_loader *L, const char *name) {
  for (size_t i = 0; i < L->nbindings; i++)
    if (strcmp(L->bindings[i].name, name) == 0) return (int)i;
  return -1;
}

/* The worker a host call goes to: warm by id, or made now. NULL with *err set. */
static instance *host_worker(dw_loader *L, const dw_worker_ref *w, int *err) {
  char key[1200];
  if (w->id) {
    if (!*w->id || strlen(w->id) > 1024) {
      *err = DW_E_BAD_REQUEST;
      return NULL;
    }
    snprintf(key, sizeof key, "host\x1f%s", w->id);
    instance *in = dw__cache_find(L, key);
    if (in) {
      L->stats.hits++;
      dw__cache_touch(L, in);
      dw__instance_ref(in);
      return in;
    }
    L->stats.misses++;
  }
  *err = DW_E_BAD_REQUEST;
  if (!w->code || !dw__code_main(w->code)) return NULL;
  *err = DW_E_NOMEM;
  instance *in = dw__instance_new(L, w->id ? key : NULL, w->id ? w->id : "load()");
  if (!in) return NULL;
  in->env_json = dw__strdup(w->env_json ? w->env_json : "{}");
  size_t nb = 0;
  while (w->bindings && w->bindings[nb]) nb++;
  in->bindings = nb ? calloc(nb, sizeof *in->bindings) : NULL;
  dw_code *code = dw__code_copy(w->code);
  if (!in->env_json || (nb && !in->bindings) || !code) goto fail;
  for (size_t i = 0; i < nb; i++) {
    int b = binding_index(L, w->bindings[i]);
    if (b < 0) {
      *err = DW_E_NOT_FOUND;
      goto fail;
    }
    in->bindings[in->nbindings++] = b;
  }
  if (w->id && dw__cache_put(L, in)) goto fail;
  if (dw__instance_start(in, code)) {
    *err = DW_E_INTERNAL;
    dw__instance_unref(in);
    return NULL;
  }
  return in;
fail:
  dw_code_free(code);
  in->state = I_DEAD;
  dw__instance_unref(in);
  return NULL;
}

/* ---- The public API ------------------------------------------------------------------------ */

static bool call_done(void *user) { return ((call *)user)->state == C_DONE; }

static void host_done(void *user, call *c) { (void)user; (void)c; }

static uint32_t lower(uint32_t a, uint32_t b) { return !b ? a : !a ? b : a < b ? a : b; }

static int host_call(dw_loader *L, const dw_worker_ref *w, const char *method,
                     char *args_json, dw_result **out) {
  *out = NULL;
  if (L->in_binding || L->host_running) {
    /* From inside a binding callback (worker JS on the stack) or a call already running. */
    free(args_json);
    return dw__result_fail(out, DW_E_BAD_REQUEST, "Error",
                           "the loader is busy: calls cannot be made from a binding callback", NULL);
  }
  int err = 0;
  uint64_t t0 = dw__now_ns();
  instance *in = host_worker(L, w, &err);
  if (!in) {
    free(args_json);
    const char *msg = err == DW_E_NOT_FOUND ? "a binding named in the call is not registered"
                      : err == DW_E_BAD_REQUEST ? "the worker has no id, or no code to make it from"
                                                : dw_strerror(err);
    return dw__result_fail(out, err, "Error", msg, NULL);
  }
  call *c = calloc(1, sizeof *c);
  cap *via = dw__cap_new(L, CAP_ENTRY);
  if (!c || !via || (w->entrypoint && !(via->entry = dw__strdup(w->entrypoint))) ||
      !(c->method = dw__strdup(method))) {
    free(c);
    dw__cap_unref(via);
    free(args_json);
    dw__instance_unref(in);
    return DW_E_NOMEM;
  }
  via->inst = in; /* the reference host_worker took */
  c->L = L;
  c->binding = -1;
  c->id = ++L->next_call;
  c->via = via;
  c->to = in;
  dw__instance_ref(in);
  c->args_json = args_json;
  c->done = host_done;
  c->cpu_ms = lower(in->limits.cpu_ms, w->limits.cpu_ms);
  uint32_t wall = lower(in->limits.wall_ms, w->limits.wall_ms);
  c->deadline = t0 + (uint64_t)wall * 1000000u;
  L->stats.calls++;
  int rc = dw__calls_put(L, c);
  if (!rc) {
    dw__call_dispatch(c);
    dw__budget b = {.cpu_ns = (uint64_t)c->cpu_ms * 1000000u, .wall_deadline_ns = c->deadline,
                    .memory_bytes = (size_t)L->vm_memory_mb << 20};
    dw__vm_begin(L->vm, &b, NULL);
    L->host_running = true;
    rc = dw__loop_run_until(L->loop, NULL, call_done, c, c->deadline + 1000000000u,
                            (size_t)L->vm_memory_mb << 20);
    L->host_running = false;
    dw__vm_end(L->vm, NULL);
    if (c->state != C_DONE) {
      /* The loop gave up (nothing left that could answer, or past the deadline). */
      dw__call_fail(c, rc ? rc : DW_E_NEVER_SETTLED, "Error",
                    rc == DW_E_WALL_LIMIT ? "the call exceeded its wall-clock limit"
                                          : "the worker never answered the call",
                    "");
    }
  }
  dw__result_parts p = {
      .err = c->err_msg ? (c->err ? c->err : DW_E_UNCAUGHT) : rc,
      .name = c->err_name, .message = c->err_msg, .stack = c->err_stack,
      .value_json = c->res_json, .has_body = c->has_body, .status = c->status,
      .headers_json = c->headers_json, .body = c->body, .body_len = c->body_len,
      .cpu_ms = (double)c->cpu_used / 1e6, .wall_ms = (double)(dw__now_ns() - t0) / 1e6,
  };
  rc = dw__result_make(&p, out);
  if (!rc) rc = p.err;
  dw__call_free(c);
  dw__instances_reap(L);
  return rc;
}

int dw_loader_call(dw_loader *l, const dw_worker_ref *w, const char *method,
                   const char *args_json, dw_result **out) {
  *out = NULL;
  if (!l || !w || !method || !*method || strcmp(method, "fetch") == 0)
    return dw__result_fail(out, DW_E_BAD_REQUEST, "Error",
                           "a method name is needed (use dw_loader_fetch for fetch)", NULL);
  char *args = dw__strdup(args_json ? args_json : "[]");
  if (!args) return DW_E_NOMEM;
  return host_call(l, w, method, args, out);
}

int dw_loader_fetch(dw_loader *l, const dw_worker_ref *w, const dw_request *req,
                    dw_result **out) {
  *out = NULL;
  if (!l || !w) return dw__result_fail(out, DW_E_BAD_REQUEST, "Error", "no loader or worker", NULL);
  dw_request dflt = {0};
  char *json = dw__request_json(req ? req : &dflt);
  char *args = NULL;
  if (json && (args = malloc(strlen(json) + 3))) sprintf(args, "[%s]", json);
  free(json);
  if (!args) return dw__result_fail(out, DW_E_TOO_LARGE, "Error", "the request is too large", NULL);
  return host_call(l, w, "fetch", args, out);
}

int dw_loader_new(const dw_loader_options *opts, dw_loader **out) {
  dw__loader_config cfg = {0};
  dw_sandbox_options so = {0};
  if (opts) {
    cfg.max_instances = opts->max_workers;
    cfg.max_bytes = (size_t)opts->max_mb << 20;
    cfg.child_cpu_ms = opts->limits.cpu_ms;
    cfg.child_wall_ms = opts->limits.wall_ms;
    so.limits.memory_mb = opts->limits.memory_mb;
  }
  return dw__loader_new(&cfg, &so, NULL, NULL, out);
}

void dw_loader_free(dw_loader *l) { dw__loader_free(l); }

int dw_loader_add_binding(dw_loader *l, const char *name, dw_binding_fn fn, void *user) {
  if (!l || !name || !fn || !*name || strlen(name) > 128 || binding_index(l, name) >= 0 ||
      l->nbindings >= MAX_BINDINGS)
    return DW_E_BAD_REQUEST;
  for (const char *p = name; *p; p++)
    if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || *p == '_' || *p == '$' ||
          (p > name && *p >= '0' && *p <= '9')))
      return DW_E_BAD_REQUEST;
  host_binding *t = realloc(l->bindings, (l->nbindings + 1) * sizeof *t);
  if (!t) return DW_E_NOMEM;
  l->bindings = t;
  if (!(t[l->nbindings].name = dw__strdup(name))) return DW_E_NOMEM;
  t[l->nbindings].fn = fn;
  t[l->nbindings].user = user;
  l->nbindings++;
  return 0;
}

void dw_loader_stats_get(const dw_loader *l, dw_loader_stats *out) {
  dw__loader_stats st;
  dw__loader_stats_get(l, &st);
  *out = (dw_loader_stats){.live = st.live, .cached = st.cached, .bytes = st.bytes,
                           .hits = st.hits, .misses = st.misses, .evictions = st.evictions,
                           .created = st.created, .calls = st.calls};
}

/* The loader for C hosts (include/dynworker.h): host-made workers, calls from the host into
 * them, and bindings whose methods are C callbacks. Values between C and a worker are JSON. */
#include <jansson.h>
#include <poll.h>
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
  /* Strict JSON (runtime.js): a value JSON would turn into null or drop is refused, with
   * the place it is at; a getter's or toJSON's own exception is passed on as it is. */
  dw_val e = NULL;
  c->args_json = dw__sandbox_args_json(from->sb, args, &e);
  if (!c->args_json) {
    dw__exc_info info;
    dw__exc_describe(cx, e, &info);
    dw__call_fail(c, DW_E_BAD_REQUEST, *info.name ? info.name : "TypeError",
                  e ? info.message : "binding arguments must be JSON values", "");
    dw__exc_info_free(&info);
    return;
  }
  bool remote = k->desc && L->cfg.remote && L->cfg.remote->desc_call;
  if (!remote && (k->binding < 0 || (size_t)k->binding >= L->nbindings)) {
    dw__call_fail(c, DW_E_NOT_FOUND, "Error", "no such binding", "");
    return;
  }
  L->host_pending++;
  c->in_callback = true;
  L->in_binding++;
  if (remote) {
    L->cfg.remote->desc_call(L->cfg.remote->user, k->from_tag, k->from_key, k->desc, c->method,
                             c->args_json, (dw_binding_call *)c);
  } else {
    host_binding *b = &L->bindings[k->binding];
    b->fn(b->user, c->method, c->args_json, (dw_binding_call *)c);
  }
  L->in_binding--;
  pthread_mutex_lock(&L->host_mu);
  c->in_callback = false;
  bool done = c->host_completed;
  pthread_mutex_unlock(&L->host_mu);
  if (done) settle(c); /* synchronous */
  (void)exc;
}

void dw__host_drain(dw_loader *L) {
  if (!L->host_pending) return;
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
  if (L->pumping && L->cfg.remote && L->cfg.remote->wait_fd >= 0) {
    pthread_mutex_lock(&L->host_mu);
    bool ready = L->host_done || L->egress_done || L->woken;
    pthread_mutex_unlock(&L->host_mu);
    if (ready) return;
    if (ns > 10000000u) ns = 10000000u; /* completions from other threads: seen within 10 ms */
    struct pollfd p = {.fd = L->cfg.remote->wait_fd, .events = POLLIN};
    poll(&p, 1, (int)((ns + 999999u) / 1000000u));
    return;
  }
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  uint64_t t = (uint64_t)ts.tv_nsec + ns;
  ts.tv_sec += (time_t)(t / 1000000000u);
  ts.tv_nsec = (long)(t % 1000000000u);
  pthread_mutex_lock(&L->host_mu);
  if (!L->host_done && !L->egress_done && !L->woken)
    pthread_cond_timedwait(&L->host_cv, &L->host_mu, &ts);
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
  for (size_t i = 0; i < in->ndescs; i++) {
    bool loader = strncmp(in->descs[i], "{\"$loader\"", 10) == 0;
    cap *k = dw__cap_new(in->L, loader ? CAP_LOADER : CAP_BINDING);
    if (!k) {
      *exc = dw__make_error(cx, "RangeError", "out of memory");
      return NULL;
    }
    char ns[1400];
    if (loader) {
      /* Its get() ids live in a namespace of this worker's own. */
      snprintf(ns, sizeof ns, "host\x1e%s\x1e%s", in->host_id ? in->host_id : "", in->desc_names[i]);
      k->ns = dw__strdup(ns);
    } else {
      k->binding = -1;
      k->desc = dw__strdup(in->descs[i]);
      k->from_tag = in->host_tag;
      k->from_key = in->host_id ? dw__strdup(in->host_id) : NULL;
    }
    if ((loader && !k->ns) || (!loader && (!k->desc || (in->host_id && !k->from_key)))) {
      dw__cap_unref(k);
      *exc = dw__make_error(cx, "RangeError", "out of memory");
      return NULL;
    }
    dw_val o = dw__realm_cap_object(in, k, exc);
    dw__cap_unref(k);
    if (!o) return NULL;
    dw__set(cx, env, in->desc_names[i], o, NULL);
  }
  return env;
}

/* Moves the env values that are descriptors ({"$http": ...}, {"$worker": ...},
 * {"$loader": ...}) out of in->env_json into in->descs. 0 or a dw_err. */
static int take_descriptors(instance *in) {
  json_t *env = json_loads(in->env_json, JSON_REJECT_DUPLICATES, NULL);
  if (!env || !json_is_object(env)) {
    json_decref(env);
    return DW_E_BAD_REQUEST;
  }
  size_t n = 0;
  const char *k;
  json_t *v;
  json_object_foreach(env, k, v) n += dw__is_descriptor(v);
  int rc = 0;
  if (!n) goto out;
  rc = DW_E_NOMEM;
  if (!(in->desc_names = calloc(n, sizeof *in->desc_names)) ||
      !(in->descs = calloc(n, sizeof *in->descs)))
    goto out;
  void *tmp;
  json_object_foreach_safe(env, tmp, k, v) {
    if (!dw__is_descriptor(v)) continue;
    char *d = json_dumps(v, JSON_COMPACT);
    char *name = dw__strdup(k);
    if (!d || !name) {
      free(d);
      free(name);
      goto out;
    }
    in->desc_names[in->ndescs] = name;
    in->descs[in->ndescs++] = d;
    json_object_del(env, k);
  }
  char *rest = json_dumps(env, JSON_COMPACT);
  if (!rest) goto out;
  free(in->env_json);
  in->env_json = rest;
  rc = 0;
out:
  json_decref(env);
  return rc;
}

bool dw__is_descriptor(const json_t *v) {
  if (!json_is_object(v)) return false;
  return (json_object_size(v) == 1 && json_is_object(json_object_get(v, "$http"))) ||
         (json_object_size(v) == 1 && json_is_object(json_object_get(v, "$host"))) ||
         (json_is_string(json_object_get(v, "$worker"))) ||
         (json_object_size(v) == 1 && json_is_object(json_object_get(v, "$loader")));
}

static int binding_index(dw_loader *L, const char *name) {
  for (size_t i = 0; i < L->nbindings; i++)
    if (strcmp(L->bindings[i].name, name) == 0) return (int)i;
  return -1;
}

static void host_key(char *key, size_t n, const char *id) { snprintf(key, n, "host\x1f%s", id); }

/* The worker a host call goes to: warm by id, or made now. NULL with *err set. */
static instance *host_worker(dw_loader *L, const dw_worker_ref *w, const dw__host_call *hc,
                             int *err) {
  char key[1200];
  if (w->id) {
    if (!*w->id || strlen(w->id) > 1024) {
      *err = DW_E_BAD_REQUEST;
      return NULL;
    }
    host_key(key, sizeof key, w->id);
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
  instance *in = dw__instance_new(L, w->id ? key : NULL, w->id ? w->id : hc ? "worker" : "load()");
  if (!in) return NULL;
  dw_code *code = NULL;
  in->env_json = dw__strdup(w->env_json ? w->env_json : "{}");
  if (hc) {
    /* A host-made worker of the daemon: its own limits, as its WorkerCode gave them. */
    if (w->limits.cpu_ms) in->limits.cpu_ms = w->limits.cpu_ms;
    if (w->limits.wall_ms) in->limits.wall_ms = w->limits.wall_ms;
    in->limits.subrequests = hc->subrequests;
    in->host_tag = hc->tag;
    in->host_egress = hc->egress;
    if (w->id && !(in->host_id = dw__strdup(w->id))) goto fail;
    if (in->env_json && L->cfg.remote) {
      int rc = take_descriptors(in);
      if (rc) {
        *err = rc;
        goto fail;
      }
    }
  }
  size_t nb = 0;
  while (w->bindings && w->bindings[nb]) nb++;
  in->bindings = nb ? calloc(nb, sizeof *in->bindings) : NULL;
  code = dw__code_copy(w->code);
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

/* Starts a host call; NULL with *out set to a failed result when it cannot start (or
 * *out NULL: out of memory). */
static call *host_start(dw_loader *L, const dw_worker_ref *w, const dw__host_call *hc,
                        const char *method, char *args_json, dw_result **out) {
  *out = NULL;
  int err = 0;
  instance *in = host_worker(L, w, hc, &err);
  if (!in) {
    free(args_json);
    const char *msg = err == DW_E_NOT_FOUND ? "a binding named in the call is not registered"
                      : err == DW_E_BAD_REQUEST ? "the worker has no id, no code to make it from, or an env that is not a JSON object"
                                                : dw_strerror(err);
    dw__result_fail(out, err, "Error", msg, NULL);
    return NULL;
  }
  call *c = calloc(1, sizeof *c);
  cap *via = dw__cap_new(L, CAP_ENTRY);
  if (!c || !via || (w->entrypoint && !(via->entry = dw__strdup(w->entrypoint))) ||
      !(c->method = dw__strdup(method))) {
    free(c);
    dw__cap_unref(via);
    free(args_json);
    dw__instance_unref(in);
    return NULL;
  }
  via->inst = in; /* the reference host_worker took */
  /* A host's call is a request: a warm worker's subrequest limit counts per request, not
   * over its life (one it served between calls is not held against the next). Calls that
   * overlap in one worker share the count. */
  if (!in->ninflight && !in->wait_head) in->subreq_used = 0;
  c->L = L;
  c->binding = -1;
  c->id = ++L->next_call;
  c->via = via;
  c->to = in;
  dw__instance_ref(in);
  c->args_json = args_json;
  c->done = host_done;
  c->convention = hc && hc->convention;
  c->capture_logs = hc != NULL;
  if (hc && hc->props_json && !(c->props_json = dw__strdup(hc->props_json))) {
    dw__call_free(c);
    return NULL;
  }
  dw__buf_init(&c->logs, (size_t)1 << 20);
  c->started = dw__now_ns();
  c->cpu_ms = lower(in->limits.cpu_ms, w->limits.cpu_ms);
  uint32_t wall = lower(in->limits.wall_ms, w->limits.wall_ms);
  c->deadline = c->started + (uint64_t)wall * 1000000u;
  L->stats.calls++;
  int rc = dw__calls_put(L, c);
  if (rc) {
    dw__call_free(c);
    dw__result_fail(out, rc, "Error", dw_strerror(rc), NULL);
    return NULL;
  }
  dw__call_dispatch(c);
  return c;
}

/* A done (or abandoned) host call's result; frees the call. */
static int host_result(dw_loader *L, call *c, int rc, dw_result **out) {
  if (c->state != C_DONE) {
    /* The loop gave up (nothing left that could answer, or past the deadline). */
    dw__call_fail(c, rc ? rc : DW_E_NEVER_SETTLED, "Error",
                  rc == DW_E_WALL_LIMIT ? "the call exceeded its wall-clock limit"
                  : rc == DW_E_MEMORY_LIMIT ? "the worker's VM ran out of memory"
                                           : "the worker never answered the call",
                  "");
  }
  dw__result_parts p = {
      .err = c->err_msg ? (c->err ? c->err : DW_E_UNCAUGHT) : rc,
      .name = c->err_name, .message = c->err_msg, .stack = c->err_stack,
      .value_json = c->res_json, .has_body = c->has_body, .status = c->status,
      .headers_json = c->headers_json, .body = c->body, .body_len = c->body_len,
      .cpu_ms = (double)c->cpu_used / 1e6, .wall_ms = (double)(dw__now_ns() - c->started) / 1e6,
  };
  if (c->nlogs && !dw__buf_putc(&c->logs, '\0')) p.logs_json = c->logs.data;
  rc = dw__result_make(&p, out);
  if (!rc) rc = p.err;
  dw__call_free(c);
  dw__instances_reap(L);
  return rc;
}

static int host_call(dw_loader *L, const dw_worker_ref *w, const char *method,
                     char *args_json, dw_result **out) {
  *out = NULL;
  if (L->in_binding || L->host_running || L->pumping) {
    /* From inside a binding callback (worker JS on the stack) or a call already running. */
    free(args_json);
    return dw__result_fail(out, DW_E_BAD_REQUEST, "Error",
                           "the loader is busy: calls cannot be made from a binding callback", NULL);
  }
  call *c = host_start(L, w, NULL, method, args_json, out);
  if (!c) return *out ? dw_result_error(*out) : DW_E_NOMEM;
  dw__budget b = {.cpu_ns = (uint64_t)c->cpu_ms * 1000000u, .wall_deadline_ns = c->deadline,
                  .memory_bytes = (size_t)L->vm_memory_mb << 20};
  dw__vm_begin(L->vm, &b, NULL);
  L->host_running = true;
  int rc = dw__loop_run_until(L->loop, NULL, call_done, c, c->deadline + 1000000000u,
                              (size_t)L->vm_memory_mb << 20);
  L->host_running = false;
  dw__vm_end(L->vm, NULL);
  return host_result(L, c, rc, out);
}

/* ---- Concurrent host calls (loader.h) ------------------------------------------------------ */

typedef struct {
  void (*fn)(void *user, dw__hcall *c);
  void *user;
} async_done;

static void async_call_done(void *user, call *c) {
  async_done *d = user;
  d->fn(d->user, c);
}

int dw__loader_start(dw_loader *L, const dw__host_call *hc, void (*done)(void *user, dw__hcall *c),
                     void *user, dw__hcall **out) {
  *out = NULL;
  if (L->in_binding || L->host_running || !hc || !hc->ref) return DW_E_BAD_REQUEST;
  char *args = NULL;
  const char *method = hc->convention ? "run" : hc->method;
  if (!method || !*method) return DW_E_BAD_REQUEST;
  if (hc->convention || strcmp(method, "fetch") == 0) {
    /* [request, args]: the convention reads both; a fetch only the first. */
    dw_request dflt = {0};
    bool with_req = hc->req || !hc->convention; /* a fetch always has one (default: GET /) */
    char *json = with_req ? dw__request_json(hc->req ? hc->req : &dflt) : NULL;
    const char *a = hc->args_json ? hc->args_json : "null";
    size_t n = (json ? strlen(json) : 4) + strlen(a) + 8;
    if ((json || !with_req) && (args = malloc(n)))
      snprintf(args, n, "[%s,%s]", json ? json : "null", a);
    free(json);
  } else {
    args = dw__strdup(hc->args_json ? hc->args_json : "[]");
  }
  if (!args) return DW_E_TOO_LARGE;
  async_done *d = malloc(sizeof *d);
  if (!d) {
    free(args);
    return DW_E_NOMEM;
  }
  d->fn = done;
  d->user = user;
  dw_result *fail = NULL;
  call *c = host_start(L, hc->ref, hc, method, args, &fail);
  if (!c) {
    free(d);
    int rc = fail ? dw_result_error(fail) : DW_E_NOMEM;
    dw_result_free(fail);
    return rc ? rc : DW_E_INTERNAL;
  }
  /* host_start set done to host_done; a state change may have finished it already (a
   * worker that failed to load): then tell the host now, as the pump would. */
  c->done_user = d;
  c->done = async_call_done;
  if (c->state == C_DONE) async_call_done(d, c);
  *out = c;
  return 0;
}

int dw__loader_finish(dw_loader *L, dw__hcall *c, dw_result **out, char **headers_json) {
  free(c->done_user);
  c->done_user = NULL;
  if (headers_json)
    *headers_json = c->has_body && !c->err_msg ? dw__strdup(c->headers_json ? c->headers_json : "{}")
                                               : NULL;
  return host_result(L, c, 0, out);
}

static bool pump_stop(void *user) {
  void **p = user;
  bool (*stop)(void *) = (bool (*)(void *))p[0];
  dw_loader *L = p[2];
  pthread_mutex_lock(&L->host_mu);
  L->woken = false;
  pthread_mutex_unlock(&L->host_mu);
  return stop(p[1]);
}

int dw__loader_pump(dw_loader *L, bool (*stop)(void *user), void *user) {
  if (L->host_running || L->pumping) return DW_E_BAD_REQUEST;
  void *p[3] = {(void *)stop, user, L};
  dw__budget b = {.cpu_ns = 1000000000u, .wall_deadline_ns = UINT64_MAX,
                  .memory_bytes = (size_t)L->vm_memory_mb << 20};
  dw__vm_begin(L->vm, &b, NULL);
  L->pumping = true;
  int rc = dw__loop_run_until(L->loop, NULL, pump_stop, p, UINT64_MAX,
                              (size_t)L->vm_memory_mb << 20);
  L->pumping = false;
  dw__vm_end(L->vm, NULL);
  if (rc) {
    /* The VM cannot go on: every host call in flight fails now. */
    for (size_t i = 0; i < L->calls_cap; i++) {
      call *c = L->calls[i];
      if (c && c != (call *)1 && !c->from && c->state != C_DONE && c->done == async_call_done)
        dw__call_fail(c, rc, "Error", dw_strerror(rc), "");
    }
  }
  return rc;
}

void dw__loader_wake(dw_loader *L) {
  pthread_mutex_lock(&L->host_mu);
  L->woken = true;
  pthread_cond_broadcast(&L->host_cv);
  pthread_mutex_unlock(&L->host_mu);
}

bool dw__loader_warm(dw_loader *L, const char *id) {
  char key[1200];
  if (!id || strlen(id) > 1024) return false;
  host_key(key, sizeof key, id);
  instance *in = dw__cache_find(L, key);
  return in && in->state != I_FAILED && in->state != I_DEAD;
}

void dw__loader_forget(dw_loader *L, const char *id) {
  char key[1200];
  if (!id || strlen(id) > 1024) return;
  host_key(key, sizeof key, id);
  instance *in = dw__cache_find(L, key);
  if (in) dw__cache_remove(L, in);
  dw__instances_reap(L);
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

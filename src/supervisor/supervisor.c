/* supervisor: the API (supervisor.h), invocations from dw__sup_invoke to their one answer,
 * tenant groups, routing, deadlines, quarantine, drain (docs/internals/supervisor.md).
 * Executor processes and their frames are in exec.c, CALLs in calls.c. Everything runs on
 * the loop's thread. */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "sup_internal.h"

#define KEYS_MAX 4096u        /* warm keys remembered per group, for FORGET */
#define QUARANTINE_MAX 65536u /* worker ids refused at once */

/* ---- Small helpers ------------------------------------------------------------------ */

static double ms_since(uint64_t t0) { return (double)(dw__now_ns() - t0) / 1e6; }

static uint64_t hash_str(const char *s) { /* FNV-1a: stable across runs and processes */
  uint64_t h = 1469598103934665603ull;
  for (; *s; s++) h = (h ^ (uint8_t)*s) * 1099511628211ull;
  return h;
}

json_t *dw__sup_error_result(int err, const char *message, double wall_ms) {
  return json_pack("{s:b, s:n, s:n, s:[], s:{s:s, s:s, s:s, s:s}, s:i, s:f}", "ok", 0, "result",
                   "response", "logs", "error", "code", dw_err_code(err), "name", "Error",
                   "message", message ? message : dw_strerror(err), "stack", "", "cpuMs", 0,
                   "wallMs", wall_ms);
}

static const char *outcome_name(int err) {
  switch (err) {
  case 0: return "ok";
  case DW_E_CPU_LIMIT: return "exceededCpu";
  case DW_E_MEMORY_LIMIT: return "exceededMemory";
  case DW_E_WALL_LIMIT: return "exceededWallTime";
  case DW_E_EXECUTOR_LOST: return "executorLost";
  case DW_E_OVERLOADED: return "overloaded";
  default: return "exception";
  }
}

/* ---- Quarantine ------------------------------------------------------------------------- */

void dw__sup_quarantine_add(dw__sup *s, const char *tenant, const char *id) {
  if (!id) return; /* one-shot code has no id to refuse */
  uint64_t until = dw__now_ns() + (uint64_t)s->cfg.quarantine_ms * 1000000u;
  for (size_t i = 0; i < s->n_quarantine; i++)
    if (!strcmp(s->quarantine[i].id, id) && !strcmp(s->quarantine[i].tenant, tenant)) {
      s->quarantine[i].until_ns = until;
      return;
    }
  if (s->n_quarantine >= QUARANTINE_MAX) return; /* refusing more would only grow memory */
  if (s->n_quarantine == s->cap_quarantine) {
    size_t cap = s->cap_quarantine ? 2 * s->cap_quarantine : 8;
    void *p = realloc(s->quarantine, cap * sizeof *s->quarantine);
    if (!p) return;
    s->quarantine = p;
    s->cap_quarantine = cap;
  }
  char *a = dw__strdup(id), *b = dw__strdup(tenant);
  if (!a || !b) {
    free(a);
    free(b);
    return;
  }
  s->quarantine[s->n_quarantine].id = a;
  s->quarantine[s->n_quarantine].tenant = b;
  s->quarantine[s->n_quarantine].until_ns = until;
  s->n_quarantine++;
}

/* Seconds left of a quarantine (at least 1), or 0 when the id is not refused. */
static uint32_t quarantine_left(dw__sup *s, const char *tenant, const char *id) {
  if (!id) return 0;
  uint64_t now = dw__now_ns();
  for (size_t i = 0; i < s->n_quarantine; i++)
    if (!strcmp(s->quarantine[i].id, id) && !strcmp(s->quarantine[i].tenant, tenant) &&
        s->quarantine[i].until_ns > now)
      return (uint32_t)((s->quarantine[i].until_ns - now + 999999999u) / 1000000000u);
  return 0;
}

void dw__sup_quarantine_expire(dw__sup *s) {
  uint64_t now = dw__now_ns();
  size_t j = 0;
  for (size_t i = 0; i < s->n_quarantine; i++) {
    if (s->quarantine[i].until_ns > now) {
      s->quarantine[j++] = s->quarantine[i];
    } else {
      free(s->quarantine[i].id);
      free(s->quarantine[i].tenant);
    }
  }
  s->n_quarantine = j;
}

/* ---- Invocations ------------------------------------------------------------------------ */

static void inv_free(sup_inv *inv) {
  dw__sup *s = inv->s;
  if (inv->prev_all) inv->prev_all->next_all = inv->next_all;
  else s->all = inv->next_all;
  if (inv->next_all) inv->next_all->prev_all = inv->prev_all;
  if (inv->timer) event_free(inv->timer);
  free(inv->tenant);
  free(inv->worker_id);
  free(inv->key);
  json_decref(inv->code);
  json_decref(inv->msg);
  free(inv->body);
  free(inv);
}

static void unlink_from_exec(sup_inv *inv) {
  sup_exec *e = inv->ex;
  if (!e) return;
  for (sup_inv **pp = &e->inflight; *pp; pp = &(*pp)->next_ex)
    if (*pp == inv) {
      *pp = inv->next_ex;
      e->n_inflight--;
      break;
    }
  inv->ex = NULL;
  inv->next_ex = NULL;
}

static void unlink_from_queue(sup_inv *inv) {
  sup_group *g = inv->g;
  if (!g) return;
  sup_inv *prev = NULL;
  for (sup_inv *q = g->queue_head; q; prev = q, q = q->next_q)
    if (q == inv) {
      if (prev) prev->next_q = q->next_q;
      else g->queue_head = q->next_q;
      if (g->queue_tail == q) g->queue_tail = prev;
      g->queued--;
      break;
    }
  inv->next_q = NULL;
}

/* Answers an invocation and frees it. `result` is stolen (NULL: synthesised from err). */
void dw__sup_answer(sup_inv *inv, int err, json_t *result, const char *message,
                   uint32_t retry_after_s, int status, const json_t *headers, const void *body,
                   size_t body_len, bool has_response) {
  dw__sup *s = inv->s;
  DW_ASSERT(!inv->answered);
  inv->answered = true;
  if (inv->ex) unlink_from_exec(inv);
  else unlink_from_queue(inv);
  if (inv->timer) event_del(inv->timer);
  double lat = ms_since(inv->t0_ns);
  if (!result) result = dw__sup_error_result(err, message, lat);
  if (s->cfg.on_event) {
    json_t *c = json_object_get(result, "cpuMs"), *w = json_object_get(result, "wallMs");
    json_t *error = json_object_get(result, "error");
    json_t *exc = err && json_is_object(error) ? json_pack("[O]", error) : NULL;
    dw__sup_event ev = {.tenant = inv->tenant,
                        .worker_id = inv->worker_id,
                        .kind = inv->kind == DW_SUP_RPC ? "rpc"
                                : inv->kind == DW_SUP_FETCH ? "fetch" : "run",
                        .outcome = outcome_name(err),
                        .err = err,
                        .logs = json_object_get(result, "logs"),
                        .exceptions = exc,
                        .cpu_ms = json_is_number(c) ? json_number_value(c) : 0,
                        .wall_ms = json_is_number(w) ? json_number_value(w) : 0,
                        .latency_ms = lat};
    s->cfg.on_event(s->cfg.event_user, &ev);
    json_decref(exc);
  }
  if (!inv->abandoned && inv->done) {
    dw__sup_outcome o = {.err = err, .result = result, .has_response = has_response,
                         .status = status, .headers = headers, .body = body,
                         .body_len = body_len, .retry_after_s = retry_after_s};
    inv->done(inv->user, &o);
  }
  json_decref(result);
  inv_free(inv);
  dw__sup_gc_kick(s);
}

void dw__sup_answer_err(sup_inv *inv, int err, const char *message, uint32_t retry_after_s) {
  dw__sup_answer(inv, err, NULL, message, retry_after_s, 0, NULL, NULL, 0, false);
}

/* ---- Groups ------------------------------------------------------------------------------ */

static void group_stop(sup_group *g) {
  for (unsigned i = 0; i < g->n; i++) {
    sup_exec *e = &g->ex[i];
    e->stopping = true;
    evtimer_del(e->respawn_timer);
    if (e->state == EX_READY) {
      json_t *m = json_object();
      dw__sup_send(e, DW_IPC_STOP, m, NULL, 0);
      json_decref(m);
    }
  }
}

/* Frees a group whose executors are down or stopping (killed here). */
static void group_free(sup_group *g) {
  for (unsigned i = 0; i < g->n; i++) {
    sup_exec *e = &g->ex[i];
    e->stopping = true;
    if (e->state != EX_DOWN) dw__sup_exec_down(e, NULL, NULL, 0, false);
    event_free(e->hello_timer);
    event_free(e->respawn_timer);
  }
  free(g->ex);
  free(g->tenant);
  json_decref(g->keys);
  free(g);
}

static sup_group *group_new(dw__sup *s, const char *tenant) {
  sup_group *g = calloc(1, sizeof *g);
  if (!g) return NULL;
  g->s = s;
  g->tenant = dw__strdup(tenant);
  g->n = s->cfg.executors;
  g->ex = calloc(g->n, sizeof *g->ex);
  g->keys = json_object();
  if (!g->tenant || !g->ex || !g->keys) {
    json_decref(g->keys);
    free(g->tenant);
    free(g->ex);
    free(g);
    return NULL;
  }
  g->last_used_ns = dw__now_ns();
  for (unsigned i = 0; i < g->n; i++) dw__sup_exec_init(&g->ex[i], g, i);
  for (unsigned i = 0; i < g->n; i++) dw__sup_exec_spawn(&g->ex[i]);
  s->groups[s->n_groups++] = g;
  s->st.groups = s->n_groups;
  return g;
}

static bool group_idle(const sup_group *g) {
  if (g->queued) return false;
  for (unsigned i = 0; i < g->n; i++)
    if (g->ex[i].n_inflight || g->ex[i].n_calls) return false;
  return true;
}

/* The tenant's group, created on first use; when max_groups are alive the least recently
 * used idle one is retired. NULL when none can be (all busy) or out of memory. */
static sup_group *group_get(dw__sup *s, const char *tenant) {
  for (unsigned i = 0; i < s->n_groups; i++)
    if (!strcmp(s->groups[i]->tenant, tenant)) return s->groups[i];
  if (s->n_groups == s->cfg.max_groups) {
    int lru = -1;
    for (unsigned i = 0; i < s->n_groups; i++)
      if (group_idle(s->groups[i]) &&
          (lru < 0 || s->groups[i]->last_used_ns < s->groups[lru]->last_used_ns))
        lru = (int)i;
    if (lru < 0) return NULL;
    sup_group *old = s->groups[lru];
    s->groups[lru] = s->groups[--s->n_groups];
    s->st.groups = s->n_groups;
    group_stop(old); /* freed at the next safe point: we may be inside its callbacks */
    old->next_dead = s->dead_groups;
    s->dead_groups = old;
    dw__sup_gc_kick(s);
  }
  return group_new(s, tenant);
}

/* ---- Routing ----------------------------------------------------------------------------- */

static sup_exec *choose(sup_group *g, const sup_inv *inv) {
  unsigned max = g->s->cfg.max_inflight;
  if (inv->worker_id) {
    sup_exec *home = &g->ex[hash_str(inv->worker_id) % g->n];
    if (home->state == EX_READY && !home->retiring && home->n_inflight < max) return home;
  }
  sup_exec *best = NULL;
  for (unsigned i = 0; i < g->n; i++) {
    sup_exec *e = &g->ex[i];
    if (e->state == EX_READY && !e->retiring && e->n_inflight < max &&
        (!best || e->n_inflight < best->n_inflight))
      best = e;
  }
  return best;
}

/* The invocation's one timer: a failure to answer from the loop, the wait in the queue,
 * or the hard deadline in an executor. */
static void inv_timer_cb(evutil_socket_t fd, short what, void *arg) {
  sup_inv *inv = arg;
  dw__sup *s = inv->s;
  if (inv->late_err) {
    dw__sup_answer_err(inv, inv->late_err, inv->late_why, inv->late_retry);
  } else if (inv->ex) {
    dw__sup_quarantine_add(s, inv->tenant, inv->worker_id);
    char why[160];
    snprintf(why, sizeof why, "invocation %" PRIu64 " passed its hard deadline", inv->id);
    dw__sup_kill(inv->ex, why, inv, DW_E_WALL_LIMIT);
  } else {
    dw__sup_answer_err(inv, DW_E_OVERLOADED,
               "no executor could take this invocation before its deadline; retry", 1);
  }
}

/* A failure answered later from the loop (dw__sup_invoke never calls `done` itself). */
static void fail_later(sup_inv *inv, int err, uint32_t retry, const char *msg) {
  inv->g = NULL; /* it needs no group, and the group may be retired before the timer fires */
  inv->late_err = err;
  inv->late_retry = retry;
  snprintf(inv->late_why, sizeof inv->late_why, "%s", msg);
  struct timeval tv = {0, 0};
  evtimer_add(inv->timer, &tv);
}

/* Sends `inv` to `e`; the hard deadline starts now. Never calls `done` itself: pump runs
 * inside dw__sup_invoke. */
static void dispatch(sup_inv *inv, sup_exec *e) {
  inv->ex = e;
  inv->next_ex = e->inflight;
  e->inflight = inv;
  e->n_inflight++;
  inv->g->last_used_ns = dw__now_ns();
  int rc = dw__sup_send_invoke(inv, inv->key == NULL);
  event_del(inv->timer);
  if (rc) {
    unlink_from_exec(inv);
    fail_later(inv, rc, 0, rc == DW_E_TOO_LARGE ? "the invocation is too large to send"
                                                : "the invocation could not be sent");
    return;
  }
  struct timeval tv = dw__sup_tv((uint64_t)inv->wall_ms + inv->s->cfg.grace_ms);
  evtimer_add(inv->timer, &tv);
}

void dw__sup_pump(sup_group *g) {
  while (g->queue_head) {
    sup_inv *inv = g->queue_head;
    sup_exec *e = choose(g, inv);
    if (!e) return;
    g->queue_head = inv->next_q;
    if (!g->queue_head) g->queue_tail = NULL;
    g->queued--;
    inv->next_q = NULL;
    dispatch(inv, e);
  }
}

/* ---- Loop-side housekeeping -------------------------------------------------------------- */

static void stop_all(dw__sup *s) {
  for (unsigned i = 0; i < s->n_groups; i++) group_stop(s->groups[i]);
}

static void gc_cb(evutil_socket_t fd, short what, void *arg) {
  dw__sup *s = arg;
  while (s->dead_groups) {
    sup_group *g = s->dead_groups;
    s->dead_groups = g->next_dead;
    group_free(g);
  }
  if (s->draining && s->drained && !s->all) {
    void (*cb)(void *) = s->drained;
    s->drained = NULL;
    event_del(s->drain_timer);
    stop_all(s);
    cb(s->drained_user);
  }
}

void dw__sup_gc_kick(dw__sup *s) { event_active(s->gc, EV_TIMEOUT, 0); }

/* ---- Net polling ------------------------------------------------------------------------- */

/* dw__net is a curl multi handle without socket callbacks: it is polled with timeout 0 from
 * a 1 ms timer, armed only while requests are in flight, so an idle daemon never wakes for
 * it and a busy one pays at most one cheap poll per millisecond (no thread, no locking). */
static void net_cb(evutil_socket_t fd, short what, void *arg) {
  dw__sup *s = arg;
  s->net_polling = false;
  int n = dw__net_poll(s->net, 0);
  if (n > 0) dw__sup_net_kick(s);
}

void dw__sup_net_kick(dw__sup *s) {
  if (s->net_polling || dw__net_in_flight(s->net) == 0) return;
  s->net_polling = true;
  struct timeval tv = dw__sup_tv(DW__SUP_NET_TICK_MS);
  evtimer_add(s->net_timer, &tv);
}

/* ---- Public API -------------------------------------------------------------------------- */

int dw__sup_new(const dw__sup_config *cfg, dw__sup **out, char *why, size_t why_len) {
  *out = NULL;
  if (!cfg->base || !cfg->exe) {
    snprintf(why, why_len, "supervisor: a loop and an executable are required");
    return DW_E_BAD_REQUEST;
  }
  if (access(cfg->exe, X_OK)) {
    snprintf(why, why_len, "supervisor: %s is not executable: %s", cfg->exe, strerror(errno));
    return DW_E_IO;
  }
  /* libevent writes to executors with writev(), which raises SIGPIPE when one has died: that
   * must not end the daemon. Only the default disposition is changed (a host that handles
   * SIGPIPE keeps its handler). */
  struct sigaction sa;
  if (sigaction(SIGPIPE, NULL, &sa) == 0 && sa.sa_handler == SIG_DFL) signal(SIGPIPE, SIG_IGN);
  dw__sup *s = calloc(1, sizeof *s);
  if (!s) return DW_E_NOMEM;
  s->cfg = *cfg;
  s->base = cfg->base;
  if (!s->cfg.executors) {
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    s->cfg.executors = n > 0 ? (unsigned)DW_MIN(n, 256) : 1;
  }
  if (!s->cfg.max_groups) s->cfg.max_groups = 16;
  if (!s->cfg.max_inflight) s->cfg.max_inflight = 64;
  if (!s->cfg.queue_max) s->cfg.queue_max = 1024;
  if (!s->cfg.memory_mb) s->cfg.memory_mb = 512;
  if (!s->cfg.rss_mb) s->cfg.rss_mb = 2 * s->cfg.memory_mb + 256;
#if defined(__SANITIZE_ADDRESS__)
  /* AddressSanitizer's shadow memory and quarantine roughly double an executor's RSS (the
   * sanitizer build of the tests): the ceiling follows, as dynworker run's does. */
  s->cfg.rss_mb *= 2;
#endif
  if (!s->cfg.grace_ms) s->cfg.grace_ms = 2000;
  if (!s->cfg.quarantine_ms) s->cfg.quarantine_ms = 10000;
  if (!s->cfg.max_workers) s->cfg.max_workers = 1000;
  if (!s->cfg.hello_ms) s->cfg.hello_ms = DW__SUP_HELLO_MS;
  s->next_id = 1;
  s->groups = calloc(s->cfg.max_groups, sizeof *s->groups);
  s->net = dw__net_new();
  s->tick = event_new(s->base, -1, EV_PERSIST, dw__sup_tick_cb, s);
  s->gc = event_new(s->base, -1, 0, gc_cb, s);
  s->net_timer = evtimer_new(s->base, net_cb, s);
  s->empty = json_array();
  s->drain_timer = NULL;
  if (!s->groups || !s->net || !s->tick || !s->gc || !s->net_timer || !s->empty) {
    dw__sup_free(s);
    snprintf(why, why_len, "supervisor: out of memory");
    return DW_E_NOMEM;
  }
  struct timeval tv = dw__sup_tv(DW__SUP_TICK_MS);
  evtimer_add(s->tick, &tv);
  if (!group_new(s, "default")) {
    dw__sup_free(s);
    snprintf(why, why_len, "supervisor: out of memory");
    return DW_E_NOMEM;
  }
  *out = s;
  return 0;
}

void dw__sup_free(dw__sup *s) {
  if (!s) return;
  /* No callback from here on: abandon everything first. */
  for (sup_inv *inv = s->all; inv; inv = inv->next_all) inv->abandoned = true;
  s->cfg.on_event = NULL;
  s->drained = NULL;
  for (unsigned i = 0; i < s->n_groups; i++) {
    s->groups[i]->queue_head = s->groups[i]->queue_tail = NULL; /* freed below */
    s->groups[i]->queued = 0;
    for (sup_inv *inv = s->all; inv; inv = inv->next_all)
      if (inv->g == s->groups[i]) inv->next_q = NULL;
    s->groups[i]->next_dead = s->dead_groups;
    s->dead_groups = s->groups[i];
  }
  s->n_groups = 0;
  while (s->dead_groups) {
    sup_group *g = s->dead_groups;
    s->dead_groups = g->next_dead;
    group_free(g); /* answers (silently) and frees what its executors held */
  }
  while (s->all) {
    s->all->ex = NULL;
    s->all->g = NULL;
    inv_free(s->all);
  }
  for (size_t i = 0; i < s->n_reap; i++) waitpid(s->reap[i], NULL, 0); /* SIGKILLed */
  free(s->reap);
  for (size_t i = 0; i < s->n_quarantine; i++) {
    free(s->quarantine[i].id);
    free(s->quarantine[i].tenant);
  }
  free(s->quarantine);
  dw__net_free(s->net);
  if (s->tick) event_free(s->tick);
  if (s->gc) event_free(s->gc);
  if (s->net_timer) event_free(s->net_timer);
  if (s->drain_timer) event_free(s->drain_timer);
  json_decref(s->empty);
  free(s->groups);
  free(s);
}

/* Warm key: opaque to executors; tenant, revision and id, unambiguous. */
static char *make_key(const char *tenant, uint64_t rev, const char *id) {
  dw_buf b;
  dw__buf_init(&b, 1u << 16);
  if (dw__buf_printf(&b, "%zu:%s%" PRIu64 ":%s", strlen(tenant), tenant, rev, id)) {
    dw__buf_free(&b);
    return NULL;
  }
  return dw__buf_steal(&b, NULL);
}


/* Warm keys a group has routed, for FORGET. Bounded (KEYS_MAX, oldest out): a key that
 * falls out is only never forgotten explicitly; its revision is never routed to again, so
 * the executor's own LRU retires it. */
static void remember_key(sup_group *g, const char *key, const char *id, uint64_t rev) {
  if (json_object_get(g->keys, key)) return;
  if (json_object_size(g->keys) >= KEYS_MAX) {
    void *it = json_object_iter(g->keys);
    if (it) json_object_del(g->keys, json_object_iter_key(it));
  }
  json_object_set_new(g->keys, key, json_pack("[s, I]", id, (json_int_t)rev));
}

static const char *kind_name(dw__sup_kind k) {
  return k == DW_SUP_RPC ? "rpc" : k == DW_SUP_FETCH ? "fetch" : "run";
}

/* Limits sent to the executor: the code's, else the defaults (one place: sup_internal.h). */
static json_t *limits_of(const dw__sup *s, const json_t *code, bool one_shot, uint32_t *wall) {
  json_t *l = json_object_get(code, "limits");
  json_t *c = json_object_get(l, "cpuMs"), *w = json_object_get(l, "wallMs");
  json_t *m = json_object_get(l, "memoryMb"), *r = json_object_get(l, "subRequests");
  json_int_t cpu = json_is_integer(c) ? json_integer_value(c)
                   : one_shot ? DW__SUP_RUN_CPU_MS : DW__SUP_WORKER_CPU_MS;
  json_int_t wl = json_is_integer(w) ? json_integer_value(w)
                  : one_shot ? DW__SUP_RUN_WALL_MS : DW__SUP_WORKER_WALL_MS;
  json_int_t mem = json_is_integer(m) ? json_integer_value(m) : s->cfg.memory_mb;
  json_int_t sub = json_is_integer(r) ? json_integer_value(r) : DW__SUP_SUBREQUESTS;
  if (wl <= 0 || wl > 300000) wl = one_shot ? DW__SUP_RUN_WALL_MS : DW__SUP_WORKER_WALL_MS;
  *wall = (uint32_t)wl;
  return json_pack("{s:I, s:I, s:I, s:I}", "cpuMs", cpu, "wallMs", wl, "memoryMb", mem,
                   "subRequests", sub);
}

static json_t *opt_str(const char *s) { return s ? json_string(s) : json_null(); }

int dw__sup_invoke(dw__sup *s, const dw__sup_invocation *in, dw__sup_done done, void *user,
                   uint64_t *id) {
  if (id) *id = 0;
  if (!json_is_object(in->code) || (in->args && !json_is_array(in->args)) ||
      (in->kind == DW_SUP_RPC && !in->method) || in->kind > DW_SUP_RPC ||
      (in->req_headers && !dw__sup_headers_ok(in->req_headers)) ||
      (in->props && !json_is_object(in->props)))
    return DW_E_BAD_REQUEST;
  if (s->draining) return DW_E_OVERLOADED;
  const char *tenant = in->tenant ? in->tenant : "default";
  sup_inv *inv = calloc(1, sizeof *inv);
  if (!inv) return DW_E_NOMEM;
  inv->s = s;
  inv->id = s->next_id++;
  inv->kind = in->kind;
  inv->rev = in->rev;
  inv->depth = in->depth;
  inv->host_user = in->host_user;
  inv->done = done;
  inv->user = user;
  inv->t0_ns = dw__now_ns();
  inv->next_all = s->all;
  if (s->all) s->all->prev_all = inv;
  s->all = inv;
  inv->timer = evtimer_new(s->base, inv_timer_cb, inv);
  inv->code = json_deep_copy(in->code);
  inv->tenant = dw__strdup(tenant);
  if (in->worker_id) {
    inv->worker_id = dw__strdup(in->worker_id);
    inv->key = make_key(tenant, in->rev, in->worker_id);
  }
  if (in->req_body_len) {
    inv->body = dw__memdup(in->req_body, in->req_body_len);
    inv->body_len = in->req_body_len;
  }
  const json_t *go = json_object_get(in->code, "globalOutbound");
  uint32_t wall = 0;
  json_t *limits = limits_of(s, in->code, in->worker_id == NULL, &wall);
  inv->wall_ms = wall;
  inv->msg = json_pack("{s:I, s:o, s:s, s:o, s:o, s:o, s:b, s:I}", "inv", (json_int_t)inv->id,
                       "key", opt_str(inv->key), "kind", kind_name(in->kind), "entrypoint",
                       opt_str(in->entrypoint), "method", opt_str(in->method), "limits",
                       limits ? limits : json_null(), "egress", json_is_object(go), "depth",
                       (json_int_t)in->depth);
  if (inv->msg && in->args) json_object_set_new(inv->msg, "args", json_deep_copy(in->args));
  if (inv->msg && in->props) json_object_set_new(inv->msg, "props", json_deep_copy(in->props));
  if (inv->msg && (in->has_request || in->kind == DW_SUP_FETCH)) {
    json_t *h = in->req_headers ? json_deep_copy(in->req_headers) : json_array();
    json_object_set_new(inv->msg, "request",
                        json_pack("{s:s, s:s, s:o}", "method",
                                  in->req_method ? in->req_method : "GET", "url",
                                  in->req_url ? in->req_url : "http://localhost/", "headers", h));
  }
  if (!inv->timer || !inv->code || !inv->msg || !inv->tenant || (in->worker_id && (!inv->worker_id || !inv->key)) ||
      (in->req_body_len && !inv->body)) {
    inv_free(inv);
    return DW_E_NOMEM;
  }
  if (id) *id = inv->id;

  sup_group *g = group_get(s, tenant);
  inv->g = g;
  uint32_t q = quarantine_left(s, tenant, in->worker_id);
  if (!g) {
    fail_later(inv, DW_E_OVERLOADED, 1, "every tenant group is busy; retry");
  } else if (q) {
    fail_later(inv, DW_E_OVERLOADED, q,
               "this worker was stopped for overrunning a limit and is refused for a while");
  } else if (g->queued >= s->cfg.queue_max) {
    fail_later(inv, DW_E_OVERLOADED, 1, "too many invocations are waiting; retry");
  } else {
    if (inv->key) remember_key(g, inv->key, inv->worker_id, inv->rev);
    if (g->queue_tail) g->queue_tail->next_q = inv;
    else g->queue_head = inv;
    g->queue_tail = inv;
    g->queued++;
    struct timeval tv = dw__sup_tv((uint64_t)inv->wall_ms + s->cfg.grace_ms);
    evtimer_add(inv->timer, &tv);
    dw__sup_pump(g);
  }
  return 0;
}

void dw__sup_abandon(dw__sup *s, uint64_t id) {
  for (sup_inv *inv = s->all; inv; inv = inv->next_all)
    if (inv->id == id) {
      inv->abandoned = true;
      return;
    }
}

void dw__sup_forget(dw__sup *s, const char *tenant, const char *worker_id) {
  const char *t = tenant ? tenant : "default";
  sup_group *g = NULL;
  for (unsigned i = 0; i < s->n_groups; i++)
    if (!strcmp(s->groups[i]->tenant, t)) g = s->groups[i];
  if (!g) return;
  /* The key of every revision this group has run of the id. */
  json_t *keys = g->keys;
  const char *k;
  json_t *v, *tmp;
  json_object_foreach_safe(keys, tmp, k, v) {
    const char *id = json_string_value(json_array_get(v, 0));
    if (!id || strcmp(id, worker_id)) continue;
    json_t *m = json_pack("{s:s}", "key", k);
    for (unsigned i = 0; m && i < g->n; i++)
      if (g->ex[i].state == EX_READY) dw__sup_send(&g->ex[i], DW_IPC_FORGET, m, NULL, 0);
    json_decref(m);
    json_object_del(keys, k);
  }
}

static void drain_timeout_cb(evutil_socket_t fd, short what, void *arg) {
  dw__sup *s = arg;
  while (s->all) {
    sup_inv *inv = s->all;
    if (inv->answered) break;
    dw__sup_answer_err(inv, DW_E_EXECUTOR_LOST, "the server is shutting down; retry", 1);
  }
  for (unsigned i = 0; i < s->n_groups; i++) {
    sup_group *g = s->groups[i];
    for (unsigned j = 0; j < g->n; j++) {
      g->ex[j].stopping = true;
      evtimer_del(g->ex[j].respawn_timer);
      dw__sup_exec_down(&g->ex[j], NULL, NULL, 0, false);
    }
  }
  dw__sup_gc_kick(s);
}

void dw__sup_drain(dw__sup *s, uint32_t grace_ms, void (*drained)(void *user), void *user) {
  s->draining = true;
  s->drained = drained;
  s->drained_user = user;
  if (!s->drain_timer) s->drain_timer = evtimer_new(s->base, drain_timeout_cb, s);
  struct timeval tv = dw__sup_tv(grace_ms);
  if (s->drain_timer) evtimer_add(s->drain_timer, &tv);
  dw__sup_gc_kick(s);
}

void dw__sup_stats_get(const dw__sup *s, dw__sup_stats *out) {
  *out = s->st;
  out->executors_live = out->inflight = out->queued = out->rss_bytes = out->warm_workers = 0;
  for (unsigned gi = 0; gi < s->n_groups; gi++) {
    const sup_group *g = s->groups[gi];
    out->queued += g->queued;
    for (unsigned i = 0; i < g->n; i++) {
      const sup_exec *e = &g->ex[i];
      if (e->state == EX_READY) out->executors_live++;
      out->inflight += e->n_inflight;
      out->rss_bytes += e->rss_bytes;
      out->warm_workers += e->warm;
    }
  }
  uint64_t now = dw__now_ns(), q = 0;
  for (size_t i = 0; i < s->n_quarantine; i++)
    if (s->quarantine[i].until_ns > now) q++;
  out->quarantined = q;
  out->groups = s->n_groups;
}

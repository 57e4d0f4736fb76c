/* Instances: one realm each (a dynamic worker, or the root worker of a run), their
 * loading, budgets, failure and freeing. */
#include <string.h>
#include "loader_internal.h"
#include "modules/modules.h"

#define BASE_BYTES ((size_t)256 << 10) /* what an idle realm costs, roughly (bench/coldstart) */
/* ... and a realm in a VM of its own (measured: 256 live ones took 604 MB of RSS, ~2.3 MB
 * each with the runtime and loader.js); once its heap has been measured, that heap counts if
 * larger. */
#define OWN_VM_BYTES ((size_t)2 << 20)
/* Instances with a VM of their own alive at once in one loader: each costs ~2 MB and a VM
 * (heap, collector) whether or not the cache holds it, and load() workers are not cached;
 * 64 of them are ~150 MB, well inside an executor's memory. */
#define MAX_OWN_VMS 64
/* The budget an own VM is begun with, before its first entry (host work only). */
#define OWN_VM_HOST_NS 5000000000ull
#define MAX_ENV_BYTES ((size_t)1 << 20)
#define DEFAULT_SUBREQUESTS 10000

instance *dw__instance_new(dw_loader *L, const char *key, const char *label) {
  instance *in = calloc(1, sizeof *in);
  if (!in) return NULL;
  in->L = L;
  in->serial = ++L->next_serial;
  in->refs = 1;
  in->state = I_CODE;
  in->key = key ? dw__strdup(key) : NULL;
  in->label = dw__strdup(label ? label : "worker");
  if ((key && !in->key) || !in->label) {
    free(in->key);
    free(in->label);
    free(in);
    return NULL;
  }
  in->limits.cpu_ms = L->cfg.child_cpu_ms;
  in->limits.wall_ms = L->cfg.child_wall_ms;
  in->limits.subrequests = DEFAULT_SUBREQUESTS;
  dw__buf_init(&in->tail_logs, (size_t)64 << 10);
  in->all_next = L->all;
  if (L->all) L->all->all_prev = in;
  L->all = in;
  L->stats.live++;
  return in;
}

void dw__instance_ref(instance *in) {
  in->refs++;
  if (in->unrooted) dw__instance_reroot(in); /* a C reference: its realm must stay */
}
/* Queues `in` for dw__instances_reap, which looks only at queued instances (a scan of every
 * instance at every loop tick was quadratic with many live workers). */
static void reap_queue(instance *in) {
  if (in->reap_queued || in->freeing) return;
  in->reap_queued = true;
  in->reap_next = in->L->reap_head;
  in->L->reap_head = in;
}

/* Never frees here (JS of this instance may be on the stack): dw__instances_reap does. */
void dw__instance_unref(instance *in) {
  if (--in->refs <= 0) {
    reap_queue(in);
  } else {
    if (!in->ninflight) dw__unroot_queue(in); /* perhaps only its handles are left */
    dw__cycles_candidate(in);                 /* or only a cycle */
  }
}

static void set_failure(instance *in, const char *name, const char *msg, const char *stack,
                        const char *code) {
  if (in->fail_msg) return;
  in->fail_name = dw__strdup(name ? name : "Error");
  in->fail_msg = dw__strdup(msg ? msg : "the worker failed");
  in->fail_stack = dw__strdup(stack ? stack : "");
  in->fail_code = code ? dw__strdup(code) : NULL;
}

/* Fails one call with the instance's failure. */
static void fail_with(call *c, instance *in, int err) {
  dw__call_fail(c, err, in->fail_name, in->fail_msg, in->fail_stack);
}

void dw__instance_fail(instance *in, int err, const char *name, const char *msg,
                       const char *stack, const char *code) {
  if (in->state == I_DEAD || in->state == I_FAILED) return;
  set_failure(in, name, msg, stack, code ? code : dw_err_code(err));
  in->state = in->sb ? I_DEAD : I_FAILED;
  in->loading = false;
  if (in->refs <= 0) reap_queue(in);
  else dw__cycles_candidate(in);
  dw__cache_remove(in->L, in);
  if (in->sb) dw__sandbox_kill(in->sb);
  while (in->wait_head) {
    call *c = in->wait_head;
    in->wait_head = c->next;
    c->next = NULL;
    c->waiting = false;
    fail_with(c, in, err);
  }
  in->wait_tail = NULL;
  while (in->inflight) fail_with(in->inflight, in, err);
  in->state = I_DEAD;
}

/* ---- Budgets: each entry gets the tightest budget of the calls it may be serving --------- */

void dw__instance_budget(void *user, dw_sandbox *sb, dw__budget *b) {
  instance *in = user;
  uint64_t now = dw__now_ns(), cpu = dw__sandbox_cpu_ns(sb);
  uint64_t best_cpu = UINT64_MAX, best_wall = UINT64_MAX;
  if (in->loading) {
    uint64_t lim = (uint64_t)in->limits.cpu_ms * 1000000u, used = cpu - in->load_cpu0;
    best_cpu = used < lim ? lim - used : 0;
    best_wall = in->load_deadline;
  }
  for (call *c = in->inflight; c; c = c->inext) {
    uint64_t lim = (uint64_t)c->cpu_ms * 1000000u, used = cpu - c->cpu0;
    uint64_t rem = used < lim ? lim - used : 0;
    if (rem < best_cpu) best_cpu = rem;
    if (c->deadline < best_wall) best_wall = c->deadline;
  }
  if (best_cpu == UINT64_MAX) {
    /* Nothing in flight (a timer of an idle worker): one call's worth. */
    best_cpu = (uint64_t)in->limits.cpu_ms * 1000000u;
    best_wall = now + (uint64_t)in->limits.wall_ms * 1000000u;
  }
  b->cpu_ns = best_cpu;
  b->wall_deadline_ns = best_wall;
  b->memory_bytes = (size_t)dw__sandbox_vm_memory_mb(sb) << 20;
  if (in->own_vm) in->entry_rss = dw__rss_bytes(); /* an entry begins (own_heap_check) */
}

bool dw__instance_wants_own_vm(const instance *in) {
  return !in->is_root && !in->is_service && in->limits.memory_mb &&
         in->limits.memory_mb < in->L->vm_memory_mb;
}

/* What `in` counts against the cache's memory cap: its realm (for an own VM, the larger of
 * the estimate and the VM's heap as last measured) plus its code and env. */
static void set_bytes(instance *in) {
  dw_loader *L = in->L;
  size_t base = BASE_BYTES;
  if (dw__instance_wants_own_vm(in)) {
    size_t heap = in->sb && in->own_vm ? dw__vm_last_heap(dw__sandbox_vm(in->sb)) : 0;
    base = heap > OWN_VM_BYTES ? heap : OWN_VM_BYTES;
  }
  size_t bytes = base + (in->code ? in->code->total : 0) + in->env_len;
  if (in->cached) L->cached_bytes += bytes - in->bytes;
  in->bytes = bytes;
}

/* The heap of in's own VM against its cap (what survives a collection: the statistics alone
 * miss what was allocated since the VM last collected), between entries or at a reply (a
 * native call: the engine is at a call boundary, so collecting is safe there, unlike from
 * the watchdog). A collection of a small heap costs ~1 ms: at most every 20 ms (backing off
 * to ~5% of the time), and at once when the process grew by a quarter of the cap since
 * the entry began (reading RSS costs microseconds). 0 or DW_E_MEMORY_LIMIT. */
static int own_heap_check(instance *in) {
  dw__vm *vm = dw__sandbox_vm(in->sb);
  size_t limit = (size_t)dw__sandbox_vm_memory_mb(in->sb) << 20;
  size_t rss = dw__rss_bytes();
  size_t before = dw__vm_last_heap(vm);
  int m = dw__vm_collect_check_heap(vm, dw__sandbox_ctx(in->sb), limit,
                                    rss > in->entry_rss && rss - in->entry_rss > limit / 4);
  if (dw__vm_last_heap(vm) != before) set_bytes(in);
  return m;
}

void dw__instance_after(void *user, dw_sandbox *sb, uint64_t cpu_ns, int terminated) {
  instance *in = user;
  /* A VM of its own: its heap is its alone, checked here (between entries) as the loop
   * checks the loader's VM. A reply over the cap was held back for this. */
  if (!terminated && in->own_vm && !dw__sandbox_dead(sb) &&
      (in->over_memory || own_heap_check(in)))
    terminated = DW_E_MEMORY_LIMIT;
  /* An entry with no call in flight (a timer's): the worker may have gone idle. */
  if (!terminated && !in->ninflight) dw__unroot_queue(in);
  if (!terminated || in->is_root) return;
  char msg[512];
  uint32_t lim = terminated == DW_E_CPU_LIMIT ? in->limits.cpu_ms
                 : terminated == DW_E_WALL_LIMIT ? in->limits.wall_ms : dw__sandbox_vm_memory_mb(sb);
  snprintf(msg, sizeof msg, "Worker '%s' exceeded its %s (%u %s)", in->label,
           terminated == DW_E_CPU_LIMIT    ? "CPU time limit"
           : terminated == DW_E_WALL_LIMIT ? "wall-clock limit"
                                           : "memory limit",
           lim, terminated == DW_E_MEMORY_LIMIT ? "MB" : "ms");
  if (in->ntails)
    dw__tail_report(in, in->inflight, terminated == DW_E_CPU_LIMIT    ? "exceededCpu"
                                      : terminated == DW_E_WALL_LIMIT ? "exceededWallTime"
                                                                      : "exceededMemory",
                    "Error", msg);
  dw__instance_fail(in, terminated, "Error", msg, "", NULL);
}

/* ---- Loading -------------------------------------------------------------------------- */

/* Appends a console line to b as a "logs" item (whole items only, up to b's cap and 1000
 * items); *n counts them. */
static void log_item(dw_buf *b, size_t *n, const char *level, const char *msg, size_t len) {
  if (*n >= 1000) return;
  size_t mark = b->len;
  int rc = *n ? dw__buf_putc(b, ',') : 0;
  if (!rc) rc = dw__buf_puts(b, "{\"level\":");
  if (!rc) rc = dw__buf_json_str(b, level, strlen(level));
  if (!rc) rc = dw__buf_puts(b, ",\"message\":");
  if (!rc) rc = dw__buf_json_str(b, msg, len);
  if (!rc) rc = dw__buf_printf(b, ",\"ts\":%.0f}", dw__epoch_ms());
  if (rc) b->len = mark;
  else (*n)++;
}

static void child_log(void *user, const char *level, const char *msg, size_t len) {
  instance *in = user;
  dw_loader *L = in->L;
  if (in->ntails) log_item(&in->tail_logs, &in->tail_nlogs, level, msg, len); /* the tails' */
  /* The host calls it runs, and those waiting for it to load (top-level console lines). */
  for (call *c = in->inflight; c; c = c->inext)
    if (c->capture_logs) log_item(&c->logs, &c->nlogs, level, msg, len);
  for (call *c = in->wait_head; c; c = c->next)
    if (c->capture_logs) log_item(&c->logs, &c->nlogs, level, msg, len);
  if (!L->log) return;
  dw_buf b;
  dw__buf_init(&b, (size_t)128 << 10);
  if (!dw__buf_printf(&b, "(%s) ", in->label) && !dw__buf_append(&b, msg, len))
    L->log(L->log_user, level, b.data, b.len);
  dw__buf_free(&b);
}

static void ready(void *user, dw_sandbox *sb, bool ok, dw_val err) {
  instance *in = user;
  in->loading = false;
  if (in->refs <= 0) reap_queue(in);
  else dw__cycles_candidate(in);
  if (in->state != I_LOADING) return;
  if (!ok) {
    dw__ctx *c = dw__sandbox_ctx(sb);
    char *name = dw__to_utf8(c, dw__get(c, err, "name", NULL), NULL, NULL);
    char *msg = dw__to_utf8(c, dw__get(c, err, "message", NULL), NULL, NULL);
    char *stack = dw__to_utf8(c, dw__get(c, err, "stack", NULL), NULL, NULL);
    char *code = dw__to_utf8(c, dw__get(c, err, "code", NULL), NULL, NULL);
    int e = code ? dw_err_from_code(code) : DW_E_UNCAUGHT;
    dw__instance_fail(in, e ? e : DW_E_UNCAUGHT, name, msg, stack, code);
    free(name);
    free(msg);
    free(stack);
    free(code);
    return;
  }
  /* A module that allocated past its own VM's cap while loading: failed at the entry's end. */
  if (in->own_vm && own_heap_check(in)) {
    in->over_memory = true;
    return;
  }
  in->state = I_READY;
  while (in->wait_head) {
    call *c = in->wait_head;
    in->wait_head = c->next;
    c->next = NULL;
    c->waiting = false;
    dw__call_dispatch(c);
  }
  in->wait_tail = NULL;
}

static void reply(void *user, dw_sandbox *sb, double token, bool ok, dw_val value) {
  instance *in = user;
  /* With a VM of its own, a result goes out only while the heap is under the cap: a worker
   * that allocated past it within this entry (too fast for the between-entry checks) has
   * its calls failed with memory_limit_exceeded when the entry ends, not answered. */
  if (in->own_vm && (in->over_memory || own_heap_check(in))) {
    in->over_memory = true;
    return;
  }
  dw__call_reply(in, token, ok, value);
}

static dw_val exports_thunk(dw__ctx *c, void *data, size_t argc, const dw_val *argv,
                            dw_val *exc) {
  instance *in = data;
  dw_val api = dw__realm_api(in, exc);
  if (!api) return NULL;
  dw_val f = dw__get(c, api, "makeExports", exc);
  dw_val ns = argc ? argv[0] : dw__undefined(c);
  return f ? dw__call(c, f, api, 1, &ns, exc) : NULL;
}

/* Adds the root's bindings to its env; ctx.exports is made on first use. */
static dw_val extend(void *user, dw_sandbox *sb, dw_val env, dw_val ns, dw_val *exc) {
  instance *in = user;
  dw_loader *L = in->L;
  dw__ctx *c = dw__sandbox_ctx(sb);
  if (in->is_root && dw__is_object(c, env)) {
    for (size_t i = 0; i < L->cfg.nloaders; i++) {
      cap *k = dw__cap_new(L, CAP_LOADER);
      char nsbuf[512];
      snprintf(nsbuf, sizeof nsbuf, "%s/%s", in->label, L->cfg.loaders[i]);
      if (!k || !(k->ns = dw__strdup(nsbuf))) {
        dw__cap_unref(k);
        *exc = dw__make_error(c, "RangeError", "out of memory");
        return NULL;
      }
      dw_val o = dw__realm_cap_object(in, k, exc);
      dw__cap_unref(k);
      if (!o) return NULL;
      dw__set(c, env, L->cfg.loaders[i], o, NULL);
    }
    for (instance *s = L->all; s; s = s->all_next) {
      if (!s->is_service) continue;
      cap *k = dw__cap_new(L, CAP_ENTRY);
      if (!k) return NULL;
      k->inst = s;
      dw__instance_ref(s);
      dw_val o = dw__realm_cap_object(in, k, exc);
      dw__cap_unref(k);
      if (!o) return NULL;
      dw__set(c, env, s->label, o, NULL);
    }
  }
  return dw__native(c, "exports", exports_thunk, in);
}

const dw__sandbox_hooks dw__instance_hooks = {
    .budget = dw__instance_budget,
    .after = dw__instance_after,
    .ready = ready,
    .reply = reply,
    .outbound = dw__instance_outbound,
    .extend = extend,
};

static void init_job(void *user, dw_sandbox *sb, bool cancelled) {
  instance *in = user;
  if (cancelled) return;
  dw__ctx *c = dw__sandbox_ctx(sb);
  dw_val exc = NULL;
  dw_val env = in->env        ? dw__realm_read(in, in->env, in->env_len, in->env_caps, in->nenv_caps, &exc)
                : in->env_json ? dw__host_env(in, &exc)
                               : dw__object(c);
  free(in->env);
  in->env = NULL;
  dw__caps_free(in->env_caps, in->nenv_caps);
  in->env_caps = NULL;
  in->nenv_caps = 0;
  if (!env) {
    dw__exc_info i;
    dw__exc_describe(c, exc, &i);
    dw__instance_fail(in, DW_E_BAD_REQUEST, i.name, i.message, i.stack, NULL);
    dw__exc_info_free(&i);
    return;
  }
  dw__sandbox_init(sb, in->code, env);
}

/* Host work: makes the realm (no guest pays for it), then loads the code in it. */
static void create_job(void *user, dw_sandbox *unused, bool cancelled) {
  instance *in = user;
  dw_loader *L = in->L;
  in->creating = false;
  if (in->refs <= 0) reap_queue(in);
  else dw__cycles_candidate(in);
  if (cancelled || in->state != I_LOADING) return;
  dw_sandbox_options o = L->child_opts;
  o.limits.cpu_ms = in->limits.cpu_ms;
  o.limits.wall_ms = in->limits.wall_ms;
  dw__sandbox_hooks h = dw__instance_hooks;
  h.user = in;
  /* memoryMb below the loader VM's cap: a VM of its own, so that its heap is its alone (the
   * engine cannot tell which realm of a shared VM holds what). Values still cross only as
   * structured-clone bytes, in jobs of each realm's own entries. */
  bool own = dw__instance_wants_own_vm(in);
  if (own && L->nown_vms >= MAX_OWN_VMS) {
    char msg[256];
    snprintf(msg, sizeof msg,
             "too many workers with a memoryMb of their own are alive (at most %d): let some "
             "go, or leave memoryMb out to share the loader's memory",
             MAX_OWN_VMS);
    dw__instance_fail(in, DW_E_OVERLOADED, "Error", msg, "", NULL);
    return;
  }
  if (own) o.limits.memory_mb = in->limits.memory_mb;
  int rc = dw__sandbox_new_in(own ? NULL : L->vm, own ? 0 : L->vm_memory_mb, &o, L->loop, &h,
                              &in->sb);
  if (!rc && own) {
    in->own_vm = true;
    L->nown_vms++;
    /* Active from now on, as the loader's VM is: each entry then switches in its budget
     * (dw__entry_enter), so the watchdog of this VM enforces it. */
    dw__budget b = {.cpu_ns = OWN_VM_HOST_NS, .wall_deadline_ns = dw__now_ns() + OWN_VM_HOST_NS};
    dw__vm_begin(dw__sandbox_vm(in->sb), &b, NULL);
    dw__vm_heap_recheck(dw__sandbox_vm(in->sb)); /* the load's end is checked at once */
  }
  if (!rc && !own && !in->key && !in->is_root && !in->is_service) dw__anchor_made(in);
  if (!rc) {
    dw__sandbox_set_log(in->sb, child_log, in, false);
    in->load_deadline = dw__now_ns() + (uint64_t)in->limits.wall_ms * 1000000u;
    /* A load that never ends (top-level await of a promise nothing settles) fails there
     * (dw__calls_expire), rather than keeping its worker loading for ever. */
    if (in->load_deadline < L->next_deadline) L->next_deadline = in->load_deadline;
    rc = dw__loop_post(L->loop, in->sb, init_job, in);
  }
  if (rc) dw__instance_fail(in, rc, "Error", "could not create the worker's sandbox", "", NULL);
}

int dw__instance_start(instance *in, dw_code *code) {
  dw_loader *L = in->L;
  in->code = code;
  in->state = I_LOADING;
  in->loading = true;
  in->load_cpu0 = 0;
  set_bytes(in);
  L->stats.created++;
  int rc = dw__loop_post_host(L->loop, create_job, in);
  if (rc) dw__instance_fail(in, rc, "Error", "could not create the worker's sandbox", "", NULL);
  else in->creating = true;
  if (!rc && in->cached) dw__cache_evict(L);
  return rc;
}

/* ---- WorkerCode ------------------------------------------------------------------------ */

static dw_val field(dw__ctx *c, dw_val o, const char *k) {
  dw_val v = dw__get(c, o, k, NULL);
  return v ? v : dw__undefined(c);
}

static bool type_err(dw__ctx *c, dw_val *exc, const char *fmt, const char *a, const char *b) {
  char msg[1400];
  snprintf(msg, sizeof msg, fmt, a, b);
  *exc = dw__make_error(c, "TypeError", msg);
  return false;
}

static bool build_code(dw__ctx *c, dw_val spec, dw_code *code, dw_val *exc) {
  dw_val names = field(c, spec, "names"), types = field(c, spec, "types"),
         sources = field(c, spec, "sources");
  double n = dw__to_number(c, field(c, names, "length"));
  if (!(n >= 1 && n <= 100000)) return type_err(c, exc, "WorkerCode.modules is empty%s%s", "", "");
  for (unsigned i = 0; i < (unsigned)n; i++) {
    char *name = dw__to_utf8(c, dw__get_index(c, names, i, NULL), NULL, NULL);
    dw_val tv = dw__get_index(c, types, i, NULL);
    double td = tv && dw__is_number(c, tv) ? dw__to_number(c, tv) : -1;
    int type = td >= 0 && td <= 7 && td == (double)(int)td ? (int)td : -1;
    dw_val src = dw__get_index(c, sources, i, NULL);
    size_t len = 0;
    char *text = NULL;
    const void *bytes = src ? dw__bytes(c, src, &len) : NULL;
    if (!bytes) bytes = text = dw__to_utf8(c, src, &len, NULL);
    int rc = type < 0                ? DW_E_BAD_REQUEST
             : name && bytes ? dw_code_add_module(code, name, bytes, len, (dw_module_type)type)
                             : DW_E_NOMEM;
    bool ok = true;
    if (rc == DW_E_TOO_LARGE)
      ok = type_err(c, exc, "WorkerCode.modules: the code is larger than 64 MiB (at %s)%s",
                    name ? name : "?", "");
    else if (rc)
      ok = type_err(c, exc,
                    "WorkerCode.modules[\"%s\"]: %s (names are relative paths; a string module's "
                    "type follows its extension: .js .mjs .cjs .ts .mts .json .txt .bin .wasm)",
                    name ? name : "?", rc == DW_E_NOMEM ? "out of memory" : "invalid name or type");
    free(name);
    free(text);
    if (!ok) return false;
  }
  char *main = dw__to_utf8(c, field(c, spec, "main"), NULL, NULL);
  int rc = main ? dw_code_set_main(code, main) : DW_E_NOMEM;
  free(main);
  if (rc) return type_err(c, exc, "WorkerCode.mainModule must name one of the modules%s%s", "", "");
  return true;
}

instance *dw__instance_from_spec(instance *parent, dw_val spec, const char *key,
                                 const char *label, instance *fill, dw_val *exc) {
  dw_loader *L = parent->L;
  dw__ctx *c = dw__sandbox_ctx(parent->sb);
  if (!dw__is_object(c, spec)) {
    *exc = dw__make_error(c, "TypeError", "WorkerCode must be an object");
    return NULL;
  }
  dw_code *code = dw_code_new();
  if (!code) {
    *exc = dw__make_error(c, "RangeError", "out of memory");
    return NULL;
  }
  if (!build_code(c, spec, code, exc)) {
    dw_code_free(code);
    return NULL;
  }
  instance *in = fill;
  if (!in && !(in = dw__instance_new(L, key, label))) {
    dw_code_free(code);
    *exc = dw__make_error(c, "RangeError", "out of memory");
    return NULL;
  }
  if (fill) dw__instance_ref(in); /* the caller's reference, as for a new one */
  /* env: data and capabilities, 1 MiB at most serialised. */
  if (dw__to_bool(c, field(c, spec, "hasEnv"))) {
    dw_buf b;
    dw__buf_init(&b, MAX_ENV_BYTES);
    int rc = dw__realm_write(parent, field(c, spec, "env"), &b, &in->env_caps, &in->nenv_caps, exc);
    if (rc == DW_E_TOO_LARGE)
      *exc = dw__make_error(c, "TypeError", "WorkerCode.env is larger than 1 MiB serialised");
    if (rc) {
      dw__buf_free(&b);
      goto fail;
    }
    in->env = dw__buf_steal(&b, &in->env_len);
  }
  /* loader.js checked all of this, but what reaches here is not guaranteed to have been
   * through it (a guest that replaced Promise.prototype.then before loader.js was evaluated
   * can hand native.provide its own object): every number is checked again. */
  dw_val l = field(c, spec, "limits");
  if (dw__is_object(c, l)) {
    static const char *const names[] = {"cpuMs", "wallMs", "memoryMb", "subRequests"};
    uint32_t *out[] = {&in->limits.cpu_ms, &in->limits.wall_ms, &in->limits.memory_mb,
                       &in->limits.subrequests};
    for (int i = 0; i < 4; i++) {
      dw_val v = field(c, l, names[i]);
      if (!dw__is_number(c, v)) continue;
      double x = dw__to_number(c, v);
      if (!(x >= (i == 3 ? 0 : 1) && x <= 3600000 && x == (double)(uint32_t)x)) {
        type_err(c, exc, "WorkerCode.limits.%s must be a whole number from %s to 3600000",
                 names[i], i == 3 ? "0" : "1");
        goto fail;
      }
      *out[i] = (uint32_t)x;
    }
  }
  dw_val ov = field(c, spec, "outbound");
  double out = dw__is_number(c, ov) ? dw__to_number(c, ov) : 0;
  if (!(out == 0 || out == 1 || out == 2)) {
    *exc = dw__make_error(c, "TypeError", "WorkerCode.globalOutbound is not valid");
    goto fail;
  }
  in->outbound = out == 1 ? OUT_NONE : out == 2 ? OUT_CAP : OUT_INHERIT;
  if (in->outbound == OUT_CAP) {
    dw_val oid = field(c, spec, "outboundId"); /* numbers only: no valueOf of the guest's runs */
    cap *k = dw__is_number(c, oid) ? dw__realm_cap(parent, dw__to_number(c, oid)) : NULL;
    if (!k || k->kind != CAP_ENTRY) {
      *exc = dw__make_error(c, "TypeError", "WorkerCode.globalOutbound must be an entrypoint stub");
      goto fail;
    }
    dw__cap_ref(k);
    in->outbound_cap = k;
  }
  dw_val tails = field(c, spec, "tails");
  dw_val ntv = dw__is_object(c, tails) ? field(c, tails, "length") : NULL;
  double nt = ntv && dw__is_number(c, ntv) ? dw__to_number(c, ntv) : 0;
  if (nt > 64) {
    *exc = dw__make_error(c, "TypeError", "WorkerCode.tails: at most 64");
    goto fail;
  }
  for (unsigned i = 0; i < (unsigned)nt; i++) {
    dw_val tv = dw__get_index(c, tails, i, NULL);
    cap *k = tv && dw__is_number(c, tv) ? dw__realm_cap(parent, dw__to_number(c, tv)) : NULL;
    if (!k || k->kind != CAP_ENTRY) {
      *exc = dw__make_error(c, "TypeError", "WorkerCode.tails must hold entrypoint stubs");
      goto fail;
    }
    cap **t = realloc(in->tails, (in->ntails + 1) * sizeof *t);
    if (!t) goto fail;
    in->tails = t;
    dw__cap_ref(k);
    in->tails[in->ntails++] = k;
  }
  in->parent = parent;
  dw__instance_ref(parent);
  if (dw__instance_start(in, code)) {
    code = NULL;
    *exc = dw__make_error(c, "Error", "could not create the worker's sandbox");
    dw__instance_unref(in);
    return NULL;
  }
  return in;
fail:
  dw_code_free(code);
  if (fill) {
    dw__instance_unref(in);
  } else {
    in->state = I_DEAD;
    dw__instance_unref(in);
  }
  return NULL;
}

/* ---- Freeing ------------------------------------------------------------------------- */

static void instance_free(instance *in) {
  dw_loader *L = in->L;
  in->freeing = true; /* what follows drops references to it too: nothing queues it again */
  dw__cycles_forget(in);
  dw__tracked_drop(L, in);
  if (in->unroot_queued) {
    for (instance **p = &L->unroot_head; *p; p = &(*p)->unroot_next)
      if (*p == in) {
        *p = in->unroot_next;
        break;
      }
  }
  if (in->sb) {
    dw__ctx *c = dw__sandbox_ctx(in->sb);
    /* Unrooted: nothing of the realm is protected (and it may be collected already). */
    if (in->api && !in->unrooted) dw__unprotect(c, in->api);
    if (in->anchor && !in->unrooted) dw__unprotect(c, in->anchor);
    dw_sandbox_free(in->sb); /* and its own VM, if it has one */
    if (in->own_vm) {
      L->nown_vms--;
      if (L->own_collect_at > MAX_OWN_VMS) L->own_collect_at = MAX_OWN_VMS; /* room again */
    }
  }
  for (uint32_t i = 0; i < in->ncaps; i++) dw__cap_unref(in->caps[i]);
  free(in->caps);
  free(in->handles);
  if (in->outbound_cap) dw__cap_unref(in->outbound_cap);
  dw__caps_free(in->tails, in->ntails);
  dw__buf_free(&in->tail_logs);
  if (in->parent) dw__instance_unref(in->parent);
  if (in->cached) dw__cache_remove(L, in);
  dw__caps_free(in->env_caps, in->nenv_caps);
  free(in->env);
  dw_code_free(in->code);
  free(in->env_json);
  free(in->bindings);
  free(in->host_id);
  for (size_t i = 0; i < in->ndescs; i++) {
    free(in->desc_names[i]);
    free(in->descs[i]);
  }
  free(in->desc_names);
  free(in->descs);
  free(in->key);
  free(in->label);
  free(in->fail_name);
  free(in->fail_msg);
  free(in->fail_stack);
  free(in->fail_code);
  L->stats.live--;
  free(in);
}

/* The first collection comes at this many own VMs; then at twice the number left. */
#define OWN_VMS_FIRST_COLLECT 16

void dw__own_vms_tick(dw_loader *L) {
  if (L->nown_vms < (L->own_collect_at ? L->own_collect_at : OWN_VMS_FIRST_COLLECT)) return;
  dw__ctx *c = NULL;
  for (instance *in = L->all; in && !c; in = in->all_next)
    if (in->sb && !in->own_vm && !in->unrooted && !dw__sandbox_dead(in->sb))
      c = dw__sandbox_ctx(in->sb);
  if (c) {
    dw__vm_collect(c); /* collected stubs release their children */
    dw__releases_drain(L);
    dw__cycles_tick(L); /* children that hold themselves (ctx.exports) */
    dw__instances_reap(L);
  }
  size_t next = 2 * L->nown_vms + OWN_VMS_FIRST_COLLECT;
  /* All alive at the cap: not again until one goes (instance_free lowers it). */
  L->own_collect_at = L->nown_vms >= MAX_OWN_VMS ? MAX_OWN_VMS + 1
                      : next < MAX_OWN_VMS        ? next
                                                  : MAX_OWN_VMS;
}

void dw__instances_reap(dw_loader *L) {
  while (L->reap_head) {
    instance *in = L->reap_head;
    L->reap_head = in->reap_next;
    in->reap_queued = false;
    if (in->refs > 0 || in->is_root || in->ninflight || in->loading || in->creating) continue;
    if (in->sb && !dw__sandbox_dead(in->sb)) dw__sandbox_kill(in->sb);
    if (in->all_prev) in->all_prev->all_next = in->all_next;
    else L->all = in->all_next;
    if (in->all_next) in->all_next->all_prev = in->all_prev;
    instance_free(in); /* may queue others */
  }
}

void dw__instance_drop_slots(instance *in) {
  for (uint32_t i = 0; i < in->ncaps; i++) {
    cap *k = in->caps[i];
    in->caps[i] = NULL;
    dw__cap_unref(k);
  }
  in->ncaps = 0;
  if (in->outbound_cap) dw__cap_unref(in->outbound_cap);
  in->outbound_cap = NULL;
  if (in->outbound == OUT_CAP) in->outbound = OUT_NONE;
  dw__caps_free(in->tails, in->ntails);
  in->tails = NULL;
  in->ntails = 0;
  dw__caps_free(in->env_caps, in->nenv_caps);
  in->env_caps = NULL;
  in->nenv_caps = 0;
}

void dw__instances_free_all(dw_loader *L) {
  L->reap_head = NULL;
  while (L->unroot_head) {
    L->unroot_head->unroot_queued = false;
    L->unroot_head = L->unroot_head->unroot_next;
  }
  /* First every reference between instances (capability tables, egress, parents), while
   * all instances are still allocated; then the instances. */
  for (instance *in = L->all; in; in = in->all_next) {
    dw__instance_drop_slots(in);
    in->parent = NULL;
  }
  while (L->all) {
    instance *in = L->all;
    L->all = in->all_next;
    instance_free(in);
  }
  L->reap_head = NULL;
  L->cand_head = L->parked_head = NULL;
}

bool dw__subrequest_take(instance *in, char *msg, size_t n) {
  if (!in->limits.subrequests || in->is_root || ++in->subreq_used <= in->limits.subrequests)
    return true;
  snprintf(msg, n, "Worker '%s' exceeded its subrequest limit (%u)", in->label,
           in->limits.subrequests);
  return false;
}

/* Capabilities: the C records, each realm's table of the ones it holds, loader.js and its
 * natives, and structured clones that carry capabilities. */
#include <string.h>
#include "loader_internal.h"

extern const unsigned short dw__js_loader_u16[];
extern const size_t dw__js_loader_u16_len;

/* A realm can hold this many capabilities at once (each stub, entrypoint and binding it
 * receives or makes is one). */
#define MAX_CAPS_PER_REALM (1u << 20)
#define MAX_PROPS_BYTES ((size_t)1 << 20)

cap *dw__cap_new(dw_loader *L, int kind) {
  cap *k = calloc(1, sizeof *k);
  if (!k) return NULL;
  k->refs = 1;
  k->kind = kind;
  k->L = L;
  return k;
}

/* A new reference to a capability that reaches an unrooted worker is a C reference to
 * that worker: it is rooted again (the reference comes from something alive using it). */
void dw__cap_ref(cap *k) {
  k->refs++;
  if (k->inst && k->inst->unrooted) dw__instance_reroot(k->inst);
}

void dw__cap_unref(cap *k) {
  if (!k) return;
  if (--k->refs > 0) {
    /* Perhaps only a cycle holds it now (its worker's own table, say). */
    if (k->inst) dw__cycles_candidate(k->inst);
    if (k->owner) dw__cycles_candidate(k->owner);
    return;
  }
  if (k->inst) dw__instance_unref(k->inst);
  if (k->owner) dw__instance_unref(k->owner);
  free(k->key);
  free(k->entry);
  free(k->props);
  free(k->ns);
  free(k->desc);
  free(k->from_key);
  free(k);
}

void dw__caps_free(cap **caps, size_t n) {
  for (size_t i = 0; i < n; i++) dw__cap_unref(caps[i]);
  free(caps);
}

int64_t dw__realm_add_cap(instance *in, cap *k) {
  if (in->ncaps == in->capcap) {
    if (in->capcap >= MAX_CAPS_PER_REALM) return -1;
    uint32_t ncap = in->capcap ? in->capcap * 2 : 8;
    cap **t = realloc(in->caps, ncap * sizeof *t);
    if (!t) return -1;
    in->caps = t;
    struct tracked **h = realloc(in->handles, ncap * sizeof *h);
    if (!h) return -1;
    in->handles = h;
    in->capcap = ncap;
  }
  dw__cap_ref(k);
  in->caps[in->ncaps] = k;
  in->handles[in->ncaps] = NULL;
  return in->ncaps++;
}

static bool handle_dead(const instance *in, uint32_t id);

/* A number whose handle the collector found dead is no longer a capability, even before the
 * loader releases it: the worker it reached may be unrooted and already collected, and a
 * number can reach the host by other ways than its handle (a field of a WorkerCode that a
 * getter on Object.prototype answers). */
cap *dw__realm_cap(instance *in, double id) {
  if (!(id >= 0 && id < (double)in->ncaps)) return NULL;
  if (handle_dead(in, (uint32_t)id)) return NULL;
  return in->caps[(uint32_t)id];
}

static dw_val type_error(dw__ctx *c, dw_val *exc, const char *msg) {
  *exc = dw__make_error(c, "TypeError", msg);
  return NULL;
}

static dw_val arg(dw__ctx *c, size_t argc, const dw_val *argv, size_t i) {
  return i < argc ? argv[i] : dw__undefined(c);
}

/* ---- Natives of loader.js ----------------------------------------------------------- */

static cap *cap_arg(instance *in, dw__ctx *c, dw_val v, int kind, dw_val *exc) {
  cap *k = dw__is_number(c, v) ? dw__realm_cap(in, dw__to_number(c, v)) : NULL;
  if (!k || k->kind != kind) {
    type_error(c, exc, "not a capability of this worker");
    return NULL;
  }
  return k;
}

static dw_val new_cap_number(instance *in, cap *k, dw_val *exc) {
  int64_t n = dw__realm_add_cap(in, k);
  dw__cap_unref(k);
  if (n < 0) return type_error(dw__sandbox_ctx(in->sb), exc, "too many capabilities in one worker");
  return dw__number(dw__sandbox_ctx(in->sb), (double)n);
}

/* get(loaderNumber, id) -> the number of a new worker stub keyed by (namespace, id). */
static dw_val native_get(dw__ctx *c, void *data, size_t argc, const dw_val *argv, dw_val *exc) {
  instance *in = data;
  cap *l = cap_arg(in, c, arg(c, argc, argv, 0), CAP_LOADER, exc);
  if (!l) return NULL;
  size_t n = 0;
  char *id = dw__to_utf8(c, arg(c, argc, argv, 1), &n, exc);
  if (!id) return NULL;
  dw_buf key;
  dw__buf_init(&key, 1 << 16);
  /* The key holds the binding's namespace and the calling worker: a worker given its
   * parent's loader gets its own workers, never the parent's (which hold the parent's
   * capabilities). */
  int rc = dw__buf_printf(&key, "%s\x1e%llu\x1f", l->ns, (unsigned long long)in->serial);
  if (!rc) rc = dw__buf_append(&key, id, n);
  free(id);
  cap *k = rc ? NULL : dw__cap_new(in->L, CAP_WORKER);
  if (!k) {
    dw__buf_free(&key);
    return type_error(c, exc, "out of memory");
  }
  k->key = dw__buf_steal(&key, NULL);
  k->owner = in;
  dw__instance_ref(in);
  k->wid = in->ncaps;
  return new_cap_number(in, k, exc);
}

/* load(loaderNumber, spec) -> the number of a stub of a fresh, uncached worker. */
static dw_val native_load(dw__ctx *c, void *data, size_t argc, const dw_val *argv, dw_val *exc) {
  instance *in = data;
  if (!cap_arg(in, c, arg(c, argc, argv, 0), CAP_LOADER, exc)) return NULL;
  instance *w = dw__instance_from_spec(in, arg(c, argc, argv, 1), NULL, "load()", NULL, exc);
  if (!w) return NULL;
  cap *k = dw__cap_new(in->L, CAP_WORKER);
  if (!k) {
    dw__instance_unref(w);
    return type_error(c, exc, "out of memory");
  }
  k->inst = w; /* the stub's reference: the worker lives as long as its capabilities */
  return new_cap_number(in, k, exc);
}

static int read_limits(dw__ctx *c, dw_val v, limits4 *l) {
  if (!v || !dw__is_object(c, v)) return 0;
  static const char *const names[] = {"cpuMs", "wallMs", "memoryMb", "subRequests"};
  uint32_t *out[] = {&l->cpu_ms, &l->wall_ms, &l->memory_mb, &l->subrequests};
  for (int i = 0; i < 4; i++) {
    dw_val x = dw__get(c, v, names[i], NULL);
    if (x && dw__is_number(c, x)) *out[i] = (uint32_t)dw__to_number(c, x);
  }
  return 0;
}

/* Props travel with a capability; plain data only. */
static int clone_props(instance *in, dw_val props, cap *k, dw_val *exc) {
  dw__ctx *c = dw__sandbox_ctx(in->sb);
  if (!props || dw__is_undefined(c, props)) return 0;
  dw_buf b;
  dw__buf_init(&b, MAX_PROPS_BYTES);
  int rc = dw__clone_write(c, props, NULL, &b, exc);
  if (rc == DW_E_TOO_LARGE) *exc = dw__make_error(c, "RangeError", "props are larger than 1 MiB");
  if (rc) {
    dw__buf_free(&b);
    return rc;
  }
  k->props = dw__buf_steal(&b, &k->props_len);
  return 0;
}

static cap *entry_cap(instance *in, const cap *w, dw_val entry, dw_val props, dw_val limits,
                      dw_val *exc) {
  dw__ctx *c = dw__sandbox_ctx(in->sb);
  cap *k = dw__cap_new(in->L, CAP_ENTRY);
  if (!k) return NULL;
  if (w->key && !(k->key = dw__strdup(w->key))) goto fail;
  if ((k->inst = w->inst)) dw__instance_ref(k->inst);
  if ((k->owner = w->owner)) dw__instance_ref(k->owner);
  k->wid = w->wid;
  if (entry && dw__is_string(c, entry) && !(k->entry = dw__to_utf8(c, entry, NULL, exc))) goto fail;
  if (clone_props(in, props, k, exc)) goto fail;
  read_limits(c, limits, &k->limits);
  return k;
fail:
  if (!*exc) *exc = dw__make_error(c, "RangeError", "out of memory");
  dw__cap_unref(k);
  return NULL;
}

/* entrypoint(workerNumber, name|null, props, limits) -> the number of a fetcher. */
static dw_val native_entrypoint(dw__ctx *c, void *data, size_t argc, const dw_val *argv,
                                dw_val *exc) {
  instance *in = data;
  cap *w = cap_arg(in, c, arg(c, argc, argv, 0), CAP_WORKER, exc);
  if (!w) return NULL;
  cap *k = entry_cap(in, w, arg(c, argc, argv, 1), arg(c, argc, argv, 2), arg(c, argc, argv, 3), exc);
  return k ? new_cap_number(in, k, exc) : NULL;
}

/* loopback(name|null, props) -> a fetcher of this worker's own entrypoint (ctx.exports). */
static dw_val native_loopback(dw__ctx *c, void *data, size_t argc, const dw_val *argv,
                              dw_val *exc) {
  instance *in = data;
  cap self = {.inst = in, .kind = CAP_WORKER};
  cap *k = entry_cap(in, &self, arg(c, argc, argv, 0), arg(c, argc, argv, 1), NULL, exc);
  return k ? new_cap_number(in, k, exc) : NULL;
}

/* call(number, method, args, resolve, reject): the outcome comes back through one of them. */
static dw_val native_call(dw__ctx *c, void *data, size_t argc, const dw_val *argv, dw_val *exc) {
  instance *in = data;
  dw_val idv = arg(c, argc, argv, 0);
  cap *k = dw__is_number(c, idv) ? dw__realm_cap(in, dw__to_number(c, idv)) : NULL;
  if (!k || k->kind == CAP_LOADER) return type_error(c, exc, "not a callable capability");
  char *method = dw__to_utf8(c, arg(c, argc, argv, 1), NULL, exc);
  if (!method) return NULL;
  dw__call_start(in, k, method, arg(c, argc, argv, 2), arg(c, argc, argv, 3),
                 arg(c, argc, argv, 4), exc);
  free(method);
  return NULL;
}

/* provide(workerNumber, spec | null, errorDescriptor): the code a get() callback returned. */
static dw_val native_provide(dw__ctx *c, void *data, size_t argc, const dw_val *argv,
                             dw_val *exc) {
  instance *in = data;
  cap *w = cap_arg(in, c, arg(c, argc, argv, 0), CAP_WORKER, exc);
  if (!w || !w->key) return NULL;
  instance *slot = dw__cache_find(in->L, w->key);
  /* already there (another stub won), or being provided: reading the spec below may run
   * guest code, which must not provide the same slot again */
  if (!slot || slot->state != I_CODE || slot->providing) return NULL;
  slot->providing = true;
  dw__instance_ref(slot); /* nothing the guest does meanwhile frees it */
  dw_val spec = arg(c, argc, argv, 1);
  if (dw__is_null(c, spec)) {
    dw_val d = arg(c, argc, argv, 2);
    char *name = dw__is_object(c, d) ? dw__to_utf8(c, dw__get(c, d, "name", NULL), NULL, NULL) : NULL;
    char *msg = dw__is_object(c, d) ? dw__to_utf8(c, dw__get(c, d, "message", NULL), NULL, NULL) : NULL;
    char *stack = dw__is_object(c, d) ? dw__to_utf8(c, dw__get(c, d, "stack", NULL), NULL, NULL) : NULL;
    dw__instance_fail(slot, DW_E_BAD_REQUEST, name ? name : "Error",
                      msg ? msg : "the worker's callback failed", stack ? stack : "", NULL);
    free(name);
    free(msg);
    free(stack);
  } else {
    dw_val e = NULL;
    instance *made = dw__instance_from_spec(in, spec, w->key, NULL, slot, &e);
    if (made) {
      dw__instance_unref(made);
    } else {
      dw__exc_info i;
      dw__exc_describe(c, e, &i);
      dw__instance_fail(slot, DW_E_BAD_REQUEST, i.name, i.message, i.stack, NULL);
      dw__exc_info_free(&i);
    }
  }
  slot->providing = false;
  dw__instance_unref(slot);
  return NULL;
}

/* ---- Releasing capabilities whose JS object died ------------------------------------------ */
/* A capability number held by a JS object of a realm (a fetcher, a load() stub), released
 * once the collector finds the object unreachable. Polled through a weak reference after
 * collections: a finalizer of the object (or of a handle only it held) runs when the
 * engine sweeps that memory, which in a loop of load() calls came hundreds of children late
 * (800 of 2,000 still alive at the end of bench/loader's loop), each a realm every
 * collection had to mark again.
 *
 * The weak reference is to the key of the capability's handle (loader.js: {id, key}), which
 * the object and every closure that can use the number hold. When the number reaches a
 * worker (a stub or entrypoint of it), the key holds that worker's anchor, the array of its
 * realm's roots, in a private property (dw__key_hold: no JS can see or change it). An
 * unrooted worker (idle, every reference to it such a handle) then lives exactly as long as
 * its handles, and the collection that finds them dead frees its realm too, while young. */
struct tracked {
  dw__weak *weak;   /* the handle's key, in holder's realm */
  instance *holder; /* whose table holds the number */
  uint32_t id;
  instance *target; /* the worker the number reaches (a load() stub's or entrypoint's), or NULL */
  bool anchored;    /* the handle's key holds target's anchor */
  struct tracked *next;  /* L->tracked */
  struct tracked *tnext; /* target->anchors */
};

/* How long a realm in a VM of its own (whose collections the loader's VM does not count)
 * may wait for its released objects to be noticed. */
#define TRACKED_SCAN_NS 50000000u

static bool handle_dead(const instance *in, uint32_t id) {
  const struct tracked *t = in->handles[id];
  return t && !dw__weak_alive(t->weak);
}

static void release_cap(struct tracked *t) {
  instance *in = t->holder;
  if (t->id < in->ncaps && in->caps[t->id]) {
    cap *k = in->caps[t->id];
    in->caps[t->id] = NULL;
    dw__cap_unref(k);
  }
}

/* Forgets t in its holder's table (before t is freed). */
static void unhandle(struct tracked *t) {
  if (t->id < t->holder->ncaps && t->holder->handles[t->id] == t) t->holder->handles[t->id] = NULL;
}

static void untarget(struct tracked *t) {
  if (!t->target) return;
  for (struct tracked **p = &t->target->anchors; *p; p = &(*p)->tnext)
    if (*p == t) {
      *p = t->tnext;
      break;
    }
  t->target = NULL;
  t->tnext = NULL;
}

void dw__releases_drain(dw_loader *L) {
  if (!L->tracked) return;
  uint64_t gcs = L->vm ? dw__vm_gc_count(L->vm) : 0, now = dw__now_ns();
  if (gcs == L->tracked_gcs && now < L->tracked_scan_at) return;
  L->tracked_gcs = gcs;
  L->tracked_scan_at = now + TRACKED_SCAN_NS;
  for (struct tracked **p = &L->tracked; *p;) {
    struct tracked *t = *p;
    if (dw__weak_alive(t->weak)) {
      p = &t->next;
      continue;
    }
    *p = t->next;
    untarget(t);
    unhandle(t);
    release_cap(t);
    dw__weak_free(t->weak);
    free(t);
  }
}

void dw__tracked_drop(dw_loader *L, const instance *in) {
  if (in) {
    /* Handles that reach `in` forget it (their holders may outlive it in a loader's free). */
    while (in->anchors) untarget(in->anchors);
  }
  for (struct tracked **p = &L->tracked; *p;) {
    struct tracked *t = *p;
    if (in && t->holder != in) {
      p = &t->next;
      continue;
    }
    *p = t->next;
    untarget(t);
    unhandle(t);
    dw__weak_free(t->weak);
    free(t);
  }
}

/* The worker a capability reaches, when it is one whose realm may be unrooted. */
static instance *cap_target(const cap *k) {
  if (!k || (k->kind != CAP_WORKER && k->kind != CAP_ENTRY) || !k->inst) return NULL;
  return k->inst;
}

/* Makes t's key hold target's anchor (a private property: no code runs, and no JS can read
 * or remove it). Only within one VM (no object refers to another VM's). */
static void anchor_handle(struct tracked *t) {
  instance *w = t->target;
  if (t->anchored || !w->anchor || !t->holder->sb || w->own_vm || t->holder->own_vm ||
      dw__sandbox_vm(t->holder->sb) != dw__sandbox_vm(w->sb))
    return;
  dw_val key = dw__weak_get(t->weak);
  if (!key) return;
  t->anchored = dw__key_hold(dw__sandbox_ctx(t->holder->sb), key, w->anchor);
}

/* The anchor's slot for loader.js's API (made after the anchor, if ever). */
#define ANCHOR_API 0u

void dw__anchor_made(instance *in) {
  dw__ctx *c = dw__sandbox_ctx(in->sb);
  dw_val roots[DW__SANDBOX_ROOTS + 1];
  roots[0] = dw__undefined(c); /* ANCHOR_API: loader.js of the realm, set when unrooting */
  size_t n = 1 + dw__sandbox_roots(in->sb, roots + 1);
  dw_val a = dw__array(c, n, roots, NULL);
  if (!a) return;
  dw__protect(c, a);
  in->anchor = a;
  for (struct tracked *t = in->anchors; t; t = t->tnext) anchor_handle(t);
}

void dw__unroot_queue(instance *in) {
  if (in->unroot_queued || in->unrooted || !in->anchor || in->freeing) return;
  in->unroot_queued = true;
  in->unroot_next = in->L->unroot_head;
  in->L->unroot_head = in;
}

/* Whether every reference to `in` is a live, anchored handle's capability held only by its
 * table (a capability also held by a call or a clone in flight is a C reference). */
static bool only_handles(const instance *in) {
  int n = 0;
  for (const struct tracked *t = in->anchors; t; t = t->tnext) {
    cap *k = t->id < t->holder->ncaps ? t->holder->caps[t->id] : NULL;
    if (cap_target(k) != in) continue; /* released */
    if (!t->anchored || k->refs != 1 || !dw__weak_alive(t->weak)) return false;
    n++;
  }
  return n > 0 && n == in->refs;
}

static void try_unroot(instance *in) {
  if (in->unrooted || !in->anchor || !in->sb || in->key || in->cached || in->is_root ||
      in->is_service || in->own_vm || in->state != I_READY || in->ninflight || in->wait_head ||
      in->loading || in->creating || !only_handles(in))
    return;
  dw__ctx *c = dw__sandbox_ctx(in->sb);
  if (in->api && !dw__set_index(c, in->anchor, ANCHOR_API, in->api)) return;
  if (!dw__sandbox_unroot(in->sb)) return;
  if (in->api) dw__unprotect(c, in->api);
  dw__unprotect(c, in->anchor);
  in->unrooted = true;
  in->L->stats.unroots++;
}

void dw__unroot_drain(dw_loader *L) {
  while (L->unroot_head) {
    instance *in = L->unroot_head;
    L->unroot_head = in->unroot_next;
    in->unroot_queued = false;
    try_unroot(in);
  }
}

/* Whether a live handle holds in's anchor: then its realm is alive (the anchor holds its
 * global object). */
static bool anchored_alive(const instance *in) {
  for (const struct tracked *t = in->anchors; t; t = t->tnext)
    if (t->anchored && dw__weak_alive(t->weak)) return true;
  return false;
}

void dw__instance_reroot(instance *in) {
  if (!in->unrooted) return;
  if (!anchored_alive(in)) {
    /* A reference that did not come through a live handle: never expected (dw__realm_cap
     * refuses a number whose handle died), but if one comes, the realm may be gone: the
     * worker fails without touching it, and stays unrooted (freed as such). */
    dw__instance_fail(in, DW_E_INTERNAL, "Error",
                      "this worker is gone: its last capability was collected", "", NULL);
    return;
  }
  in->unrooted = false;
  dw__sandbox_reroot(in->sb);
  dw__ctx *c = dw__sandbox_ctx(in->sb);
  dw__protect(c, in->anchor);
  if (in->api) dw__protect(c, in->api);
}

/* track(number) -> a key: the number is released once the key is collected. */
static dw_val native_track(dw__ctx *c, void *data, size_t argc, const dw_val *argv, dw_val *exc) {
  instance *in = data;
  dw_val v = arg(c, argc, argv, 0);
  double id = dw__is_number(c, v) ? dw__to_number(c, v) : -1;
  cap *k = dw__realm_cap(in, id);
  if (!k) return type_error(c, exc, "not a capability of this worker");
  if (in->handles[(uint32_t)id]) return type_error(c, exc, "capability already tracked");
  dw_val key = dw__key_new(c);
  struct tracked *t = key ? calloc(1, sizeof *t) : NULL;
  if (!t || !(t->weak = dw__weak_new(c, key))) {
    free(t);
    return type_error(c, exc, "out of memory");
  }
  t->holder = in;
  t->id = (uint32_t)id;
  t->next = in->L->tracked;
  in->L->tracked = t;
  in->handles[t->id] = t;
  instance *w = cap_target(k);
  if (w) {
    t->target = w;
    t->tnext = w->anchors;
    w->anchors = t;
    anchor_handle(t);
  }
  return key;
}

static dw_val native_release(dw__ctx *c, void *data, size_t argc, const dw_val *argv,
                             dw_val *exc) {
  instance *in = data;
  dw_val v = arg(c, argc, argv, 0);
  double id = dw__is_number(c, v) ? dw__to_number(c, v) : -1;
  cap *k = dw__realm_cap(in, id);
  if (k) {
    in->caps[(uint32_t)id] = NULL;
    dw__cap_unref(k);
  }
  return NULL;
}

static dw_val make_api(instance *in, dw__ctx *c, dw_val *exc);

dw_val dw__realm_api(instance *in, dw_val *exc) {
  if (in->api) return in->api;
  dw__ctx *c = dw__sandbox_ctx(in->sb);
  /* loader.js's top level reads the realm's built-ins, which its code may have replaced with
   * getters that ask for the API again (ctx.exports): one evaluation per realm. */
  dw_val e = NULL; /* callers may pass no exc */
  if (in->api_making) {
    e = dw__make_error(c, "TypeError", "the loader is being set up in this worker");
  } else {
    in->api_making = true;
    dw_val api = make_api(in, c, &e);
    in->api_making = false;
    if (api) return api;
  }
  if (exc) *exc = e;
  return NULL;
}

static dw_val make_api(instance *in, dw__ctx *c, dw_val *exc) {
  dw_val f = dw__eval_static(c, dw__js_loader_u16, dw__js_loader_u16_len, "dynworker:loader", 1, exc);
  if (!f) return NULL;
  /* No prototype: loader.js is evaluated when a realm first holds a capability, after its
   * code ran, and a setter on Object.prototype must not receive a native. */
  dw_val n = dw__record(c);
  static const struct {
    const char *name;
    dw__native_fn fn;
  } natives[] = {
      {"get", native_get},           {"load", native_load},         {"entrypoint", native_entrypoint},
      {"loopback", native_loopback}, {"call", native_call},         {"provide", native_provide},
      {"release", native_release},  {"track", native_track},
  };
  for (size_t i = 0; i < DW_ARRAY_LEN(natives); i++)
    dw__set(c, n, natives[i].name, dw__native(c, natives[i].name, natives[i].fn, in), NULL);
  dw_val args[2] = {n, dw__sandbox_load_fn(in->sb)};
  dw_val api = dw__call(c, f, NULL, 2, args, exc);
  if (!api) return NULL;
  dw__protect(c, api);
  in->api = api;
  return api;
}

static dw_val api_call(instance *in, const char *fn, size_t argc, const dw_val *argv, dw_val *exc) {
  dw_val api = dw__realm_api(in, exc);
  if (!api) return NULL;
  dw__ctx *c = dw__sandbox_ctx(in->sb);
  dw_val f = dw__get(c, api, fn, exc);
  return f ? dw__call(c, f, api, argc, argv, exc) : NULL;
}

dw_val dw__realm_cap_object(instance *in, cap *k, dw_val *exc) {
  dw__ctx *c = dw__sandbox_ctx(in->sb);
  int64_t n = dw__realm_add_cap(in, k);
  if (n < 0) return type_error(c, exc, "too many capabilities in one worker");
  /* Released when its object is collected, except a get() stub's number in the realm of its
   * callback (which may be asked for the code again through it) and loader bindings (they
   * live in env). (A get() stub another realm received was kept too, and with it the realm
   * of its callback, for as long as that other realm lived.) */
  bool tracked = k->kind != CAP_LOADER && !(k->kind == CAP_WORKER && k->key && k->owner == in);
  dw_val args[3] = {dw__number(c, k->kind), dw__number(c, (double)n), dw__bool(c, tracked)};
  return api_call(in, "make", 3, args, exc);
}

/* ---- Clones that carry capabilities ---------------------------------------------------- */

typedef struct {
  instance *in;
  cap **caps;
  size_t n, size;
  bool failed;
  cap **from;
  size_t nfrom;
} capctx;

static int32_t enc(void *user, dw__ctx *c, dw_val obj) {
  capctx *x = user;
  if (!x->in->api) return -1; /* a realm that never held a capability has none to send */
  dw_val exc = NULL;
  dw_val f = dw__get(c, x->in->api, "capOf", &exc);
  dw_val r = f ? dw__call(c, f, x->in->api, 1, &obj, &exc) : NULL;
  double id = r && dw__is_number(c, r) ? dw__to_number(c, r) : -1;
  cap *k = id >= 0 ? dw__realm_cap(x->in, id) : NULL;
  if (!k) return -1;
  if (x->n == x->size) {
    size_t nc = x->size ? x->size * 2 : 4;
    cap **t = nc <= 65536 ? realloc(x->caps, nc * sizeof *t) : NULL;
    if (!t) {
      x->failed = true;
      return -1;
    }
    x->caps = t;
    x->size = nc;
  }
  dw__cap_ref(k);
  x->caps[x->n] = k;
  return (int32_t)x->n++;
}

static dw_val dec(void *user, dw__ctx *c, int32_t slot, dw_val *exc) {
  capctx *x = user;
  if (slot < 0 || (size_t)slot >= x->nfrom) {
    *exc = dw__make_error(c, "TypeError", "bad capability slot");
    return NULL;
  }
  return dw__realm_cap_object(x->in, x->from[slot], exc);
}

int dw__realm_write(instance *in, dw_val v, dw_buf *out, cap ***caps, size_t *ncaps, dw_val *exc) {
  capctx x = {.in = in};
  dw__clone_caps cc = {.user = &x, .cap_encode = enc, .cap_decode = dec};
  int rc = dw__clone_write(dw__sandbox_ctx(in->sb), v, &cc, out, exc);
  if (!rc && x.failed) rc = DW_E_NOMEM;
  if (rc) {
    dw__caps_free(x.caps, x.n);
    return rc;
  }
  *caps = x.caps;
  *ncaps = x.n;
  return 0;
}

dw_val dw__realm_read(instance *in, const void *p, size_t n, cap **caps, size_t ncaps, dw_val *exc) {
  capctx x = {.in = in, .from = caps, .nfrom = ncaps};
  dw__clone_caps cc = {.user = &x, .cap_encode = enc, .cap_decode = dec};
  return dw__clone_read(dw__sandbox_ctx(in->sb), p, n, &cc, exc);
}

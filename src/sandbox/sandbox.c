/* dw_sandbox: one worker instance in a fresh realm, and its invocation. */
#include <errno.h>
#include <string.h>
#include <time.h>
#include "sandbox_internal.h"

#define DEFAULT_CPU_MS 1000
#define DEFAULT_WALL_MS 10000
#define DEFAULT_MEMORY_MB 128
#define MAX_ENV_BYTES ((size_t)1 << 20)

extern const unsigned short dw__js_runtime_u16[];
extern const size_t dw__js_runtime_u16_len;

static void limits_defaults(dw_limits *l) {
  if (!l->cpu_ms) l->cpu_ms = DEFAULT_CPU_MS;
  if (!l->wall_ms) l->wall_ms = DEFAULT_WALL_MS;
  if (!l->memory_mb) l->memory_mb = DEFAULT_MEMORY_MB;
}

/* ---- Natives given to runtime.js ------------------------------------------------------ */

static dw_val arg(dw__ctx *c, size_t argc, const dw_val *argv, size_t i) {
  return i < argc ? argv[i] : dw__undefined(c);
}

static dw_val native_exists(dw__ctx *c, void *data, size_t argc, const dw_val *argv,
                            dw_val *exc) {
  dw_sandbox *sb = data;
  char *name = dw__to_utf8(c, arg(c, argc, argv, 0), NULL, exc);
  if (!name) return NULL;
  bool found = sb->code && dw__code_find(sb->code, name);
  free(name);
  return dw__bool(c, found);
}

static dw_val native_compile(dw__ctx *c, void *data, size_t argc, const dw_val *argv,
                             dw_val *exc) {
  dw_sandbox *sb = data;
  char *name = dw__to_utf8(c, arg(c, argc, argv, 0), NULL, exc);
  if (!name) return NULL;
  dw_val r = dw__sandbox_compile(sb, name, dw__to_bool(c, arg(c, argc, argv, 1)), exc);
  free(name);
  return r;
}

static dw_val native_settle(dw__ctx *c, void *data, size_t argc, const dw_val *argv,
                            dw_val *exc) {
  dw_sandbox *sb = data;
  bool ok = dw__to_bool(c, arg(c, argc, argv, 0));
  /* Settles once; only a plain module that is still running its timers can still fail. */
  if (sb->settled && !(sb->drain && !ok)) return NULL;
  sb->settled = true;
  sb->ok = ok;
  free(sb->outcome_json);
  free(sb->value_json);
  sb->value_json = NULL;
  sb->outcome_json = dw__to_utf8(c, arg(c, argc, argv, 1), NULL, NULL);
  /* A plain module keeps running its timers after evaluation, as a script would. */
  sb->drain = sb->ok && sb->outcome_json && strstr(sb->outcome_json, "\"kind\":\"module\"");
  dw_val extra = arg(c, argc, argv, 2);
  size_t n = 0;
  void *bytes = dw__bytes(c, extra, &n);
  if (bytes) {
    sb->body = dw__memdup(bytes, n);
    sb->body_len = n;
    sb->has_body = sb->body != NULL;
  } else if (dw__is_string(c, extra)) {
    sb->value_json = dw__to_utf8(c, extra, NULL, NULL);
  }
  return NULL;
}

static dw_val native_ready(dw__ctx *c, void *data, size_t argc, const dw_val *argv,
                           dw_val *exc) {
  dw_sandbox *sb = data;
  if (sb->hooks.ready)
    sb->hooks.ready(sb->hooks.user, sb, dw__to_bool(c, arg(c, argc, argv, 0)), arg(c, argc, argv, 1));
  return NULL;
}

static dw_val native_reply(dw__ctx *c, void *data, size_t argc, const dw_val *argv,
                           dw_val *exc) {
  dw_sandbox *sb = data;
  if (sb->hooks.reply)
    sb->hooks.reply(sb->hooks.user, sb, dw__to_number(c, arg(c, argc, argv, 0)),
                    dw__to_bool(c, arg(c, argc, argv, 1)), arg(c, argc, argv, 2));
  return NULL;
}

static dw_val native_outbound(dw__ctx *c, void *data, size_t argc, const dw_val *argv,
                              dw_val *exc) {
  dw_sandbox *sb = data;
  if (sb->hooks.outbound) return sb->hooks.outbound(sb->hooks.user, sb, arg(c, argc, argv, 0), exc);
  *exc = dw__make_error(c, "TypeError",
                        "fetch() has no network in this sandbox: it may only reach the outside "
                        "through the capabilities in its env");
  return NULL;
}

static dw_val native_extend(dw__ctx *c, void *data, size_t argc, const dw_val *argv,
                            dw_val *exc) {
  dw_sandbox *sb = data;
  if (!sb->hooks.extend) return NULL;
  return sb->hooks.extend(sb->hooks.user, sb, arg(c, argc, argv, 0), arg(c, argc, argv, 1), exc);
}

/* The module linker's factory, evaluated only when a worker needs it (imports). */
static dw_val native_linker(dw__ctx *c, void *data, size_t argc, const dw_val *argv,
                            dw_val *exc) {
  return dw__eval_static(c, dw__linker_js_u16, dw__linker_js_u16_len, "dynworker:linker", 1, exc);
}

/* ---- Set-up ---------------------------------------------------------------------------- */

static int install_runtime(dw_sandbox *sb) {
  dw__ctx *c = sb->c;
  dw_val exc = NULL;
  int rc = DW_E_INTERNAL;
  dw_val load = dw__webapi_install(c, &sb->host, &exc);
  if (!load) goto out;
  sb->load = load;
  dw__protect(c, load);

  dw_val factory =
      dw__eval_static(c, dw__js_runtime_u16, dw__js_runtime_u16_len, "dynworker:runtime", 1, &exc);
  if (!factory) goto out;
  /* In the order runtime.js reads them; an array (elements defined, no setter can see them;
   * nothing of the guest has run yet anyway), not a record: each realm made a chain of nine
   * shapes for one. */
  static const struct {
    const char *name;
    dw__native_fn fn;
  } natives[] = {
      {"compile", native_compile}, {"exists", native_exists},   {"settle", native_settle},
      {"linker", native_linker},   {"ready", native_ready},     {"reply", native_reply},
      {"outbound", native_outbound}, {"extend", native_extend},
      {"wasmBytes", dw__sandbox_wasm_bytes},
  };
  dw_val nv[DW_ARRAY_LEN(natives)];
  for (size_t i = 0; i < DW_ARRAY_LEN(natives); i++)
    if (!(nv[i] = dw__native(c, natives[i].name, natives[i].fn, sb))) goto out;
  dw_val args[2] = {dw__array(c, DW_ARRAY_LEN(nv), nv, &exc), load};
  if (!args[0]) goto out;
  dw_val rt = dw__call(c, factory, NULL, 2, args, &exc);
  if (!rt) goto out;
  sb->runtime = rt;
  dw__protect(c, rt);
  if (!(sb->args_json_fn = dw__get_index(c, rt, RT_BINDING_ARGS, &exc))) goto out;
  dw__protect(c, sb->args_json_fn);
  rc = 0;
out:
  if (rc && exc) {
    dw__exc_info e;
    dw__exc_describe(c, exc, &e);
    fprintf(stderr, "dynworker: sandbox set-up failed: %s: %s\n%s\n", e.name, e.message, e.stack);
    dw__exc_info_free(&e);
  }
  return rc;
}

/* The values the sandbox keeps of its realm (protected from install_runtime on, except while
 * unrooted). */
static void protect_roots(dw_sandbox *sb, bool on) {
  dw_val v[] = {sb->load, sb->runtime, sb->args_json_fn};
  for (size_t i = 0; i < DW_ARRAY_LEN(v); i++)
    if (v[i]) (on ? dw__protect : dw__unprotect)(sb->c, v[i]);
}

static int sandbox_new(dw__vm *vm, uint32_t vm_memory_mb, const dw_sandbox_options *opts,
                       dw_sandbox **out) {
  int rc = DW_E_NOMEM;
  *out = NULL;
  dw_sandbox *sb = calloc(1, sizeof *sb);
  if (!sb) return DW_E_NOMEM;
  if (opts) sb->opts = *opts;
  sb->opts.env_json = NULL;
  limits_defaults(&sb->opts.limits);
  if (opts && opts->env_json) {
    size_t n = strlen(opts->env_json);
    rc = DW_E_TOO_LARGE;
    if (n > MAX_ENV_BYTES) goto fail;
    rc = DW_E_NOMEM;
    if (!(sb->env_json = dw__strdup(opts->env_json))) goto fail;
  }
  if (vm) {
    sb->vm = vm;
    sb->vm_memory_mb = vm_memory_mb;
  } else {
    sb->vm_memory_mb = sb->opts.limits.memory_mb;
    if (!(sb->vm = dw__vm_new(sb->opts.allow_wasm))) goto fail;
    sb->own_vm = true;
  }
  if (!(sb->c = dw__ctx_new(sb->vm, sb->opts.allow_eval))) goto fail;
  dw__sandbox_host_init(sb);
  dw__buf_init(&sb->logs, DW__LOGS_MAX_BYTES);
  if ((rc = install_runtime(sb))) goto fail;
  *out = sb;
  return 0;
fail:
  dw_sandbox_free(sb);
  return rc;
}

int dw_sandbox_new(dw_engine *engine, const dw_sandbox_options *opts, dw_sandbox **out) {
  return sandbox_new(engine ? dw__engine_vm(engine) : NULL, engine ? engine->memory_mb : 0, opts,
                     out);
}

int dw__sandbox_new_in(dw__vm *vm, uint32_t vm_memory_mb, const dw_sandbox_options *opts,
                       dw__loop *loop, const dw__sandbox_hooks *hooks, dw_sandbox **out) {
  int rc = sandbox_new(vm, vm_memory_mb, opts, out);
  if (rc) return rc;
  dw__sandbox_attach(*out, loop, hooks);
  if (!(*out)->attached) {
    dw_sandbox_free(*out);
    *out = NULL;
    return DW_E_NOMEM;
  }
  return 0;
}

void dw__sandbox_attach(dw_sandbox *sb, dw__loop *loop, const dw__sandbox_hooks *hooks) {
  if (hooks) sb->hooks = *hooks;
  sb->loop = loop;
  dw__loop_attach(loop, sb);
}

void dw_sandbox_free(dw_sandbox *sb) {
  if (!sb) return;
  if (sb->loop) {
    dw__loop_cancel(sb->loop, sb);
    dw__loop_detach(sb->loop, sb);
  }
  if (sb->c && dw__ctx_unrooted(sb->c)) {
    dw__ctx_free(sb->c); /* nothing of the realm is protected: it may be gone already */
  } else if (sb->c) {
    dw__timers_clear(sb);
    protect_roots(sb, false);
    if (sb->then) dw__unprotect(sb->c, sb->then);
    dw__ctx_free(sb->c);
  }
  if (sb->own_vm) dw__vm_free(sb->vm);
  free(sb->timers);
  dw__buf_free(&sb->logs);
  free(sb->env_json);
  free(sb->outcome_json);
  free(sb->value_json);
  free(sb->body);
  free(sb);
}

dw__ctx *dw__sandbox_ctx(dw_sandbox *sb) { return sb->c; }
dw__vm *dw__sandbox_vm(dw_sandbox *sb) { return sb->vm; }
uint32_t dw__sandbox_vm_memory_mb(const dw_sandbox *sb) { return sb->vm_memory_mb; }
const dw_sandbox_options *dw__sandbox_opts(const dw_sandbox *sb) { return &sb->opts; }
bool dw__sandbox_dead(const dw_sandbox *sb) { return sb->dead; }
size_t dw__sandbox_jobs(const dw_sandbox *sb) { return sb->njobs; }
uint64_t dw__sandbox_cpu_ns(const dw_sandbox *sb) { return sb->cpu_ns; }

dw_val dw__sandbox_load_fn(dw_sandbox *sb) { return sb->load; }

void dw__sandbox_set_log(dw_sandbox *sb, dw_log_cb cb, void *user, bool keep) {
  sb->log_cb = cb;
  sb->log_user = user;
  sb->logs_off = !keep;
}

dw_val dw__sandbox_api(dw_sandbox *sb, const char *name, dw_val *exc) {
  dw_val n = dw__string(sb->c, name, strlen(name));
  return dw__call(sb->c, sb->load, NULL, 1, &n, exc);
}

char *dw__sandbox_args_json(dw_sandbox *sb, dw_val args, dw_val *exc) {
  dw__ctx *c = sb->c;
  dw_val s = dw__call(c, sb->args_json_fn, sb->runtime, 1, &args, exc);
  if (!s) return NULL;
  if (!dw__is_string(c, s)) { /* never for an array; kept as a guard */
    *exc = dw__make_error(c, "TypeError", "binding arguments must be JSON values");
    return NULL;
  }
  return dw__to_utf8(c, s, NULL, exc);
}

size_t dw__sandbox_roots(dw_sandbox *sb, dw_val out[DW__SANDBOX_ROOTS]) {
  size_t n = 0;
  out[n++] = dw__global(sb->c);
  if (sb->load) out[n++] = sb->load;
  if (sb->runtime) out[n++] = sb->runtime;
  if (sb->args_json_fn) out[n++] = sb->args_json_fn;
  return n;
}

bool dw__sandbox_unroot(dw_sandbox *sb) {
  if (!sb->c || dw__ctx_unrooted(sb->c)) return true;
  if (sb->dead || sb->njobs || sb->ntimers || sb->then) return false;
  protect_roots(sb, false);
  dw__ctx_unroot(sb->c);
  return true;
}

void dw__sandbox_reroot(dw_sandbox *sb) {
  if (!sb->c || !dw__ctx_unrooted(sb->c)) return;
  dw__ctx_reroot(sb->c);
  protect_roots(sb, true);
}

bool dw__sandbox_unrooted(const dw_sandbox *sb) { return sb->c && dw__ctx_unrooted(sb->c); }

void dw__sandbox_kill(dw_sandbox *sb) {
  sb->dead = true;
  dw__timers_clear(sb);
}

/* Calls runtime[fn](args...) and returns what it returned (NULL on an exception, which here
 * is the runtime's own failure). */
static dw_val call_runtime(dw_sandbox *sb, unsigned fn, size_t argc, const dw_val *argv) {
  dw_val exc = NULL;
  dw_val f = dw__get_index(sb->c, sb->runtime, fn, &exc);
  return f ? dw__call(sb->c, f, sb->runtime, argc, argv, &exc) : NULL;
}

void dw__sandbox_init(dw_sandbox *sb, const dw_code *code, dw_val env) {
  const dw__module *main = code ? dw__code_main(code) : NULL;
  sb->code = code;
  sb->used = true;
  dw__ctx *c = sb->c;
  if (!main) {
    if (sb->hooks.ready)
      sb->hooks.ready(sb->hooks.user, sb, false, dw__make_error(c, "TypeError", "no main module"));
    return;
  }
  dw_val args[2] = {dw__string(c, main->name, strlen(main->name)), env};
  call_runtime(sb, RT_INIT, 2, args);
}

void dw__sandbox_invoke(dw_sandbox *sb, double token, const char *entry, const char *method,
                        dw_val args, dw_val props) {
  dw__ctx *c = sb->c;
  dw_val a[5] = {dw__number(c, token), entry ? dw__string(c, entry, strlen(entry)) : dw__null(c),
                 method ? dw__string(c, method, strlen(method)) : dw__null(c), args,
                 props ? props : dw__undefined(c)};
  call_runtime(sb, RT_INVOKE, 5, a);
}

void dw_sandbox_set_log_cb(dw_sandbox *sb, dw_log_cb cb, void *user) {
  sb->log_cb = cb;
  sb->log_user = user;
}

/* ---- The invocation --------------------------------------------------------------------- */

char *dw__request_json(const dw_request *r) {
  dw_buf b;
  dw__buf_init(&b, (size_t)256 << 20);
  int rc = dw__buf_puts(&b, "{\"method\":");
  if (!rc) rc = dw__buf_json_str(&b, r->method ? r->method : "GET",
                                 strlen(r->method ? r->method : "GET"));
  if (!rc) rc = dw__buf_puts(&b, ",\"url\":");
  if (!rc) rc = dw__buf_json_str(&b, r->url ? r->url : "http://localhost/",
                                 strlen(r->url ? r->url : "http://localhost/"));
  if (!rc) rc = dw__buf_puts(&b, ",\"headers\":[");
  for (size_t i = 0; !rc && r->headers && r->headers[i]; i++) {
    const char *h = r->headers[i];
    const char *colon = strchr(h, ':');
    const char *v = colon ? colon + 1 : "";
    while (*v == ' ' || *v == '\t') v++;
    if (i) rc = dw__buf_putc(&b, ',');
    if (!rc) rc = dw__buf_putc(&b, '[');
    if (!rc) rc = dw__buf_json_str(&b, h, colon ? (size_t)(colon - h) : strlen(h));
    if (!rc) rc = dw__buf_putc(&b, ',');
    if (!rc) rc = dw__buf_json_str(&b, v, strlen(v));
    if (!rc) rc = dw__buf_putc(&b, ']');
  }
  if (!rc) rc = dw__buf_putc(&b, ']');
  if (!rc && r->body) {
    rc = dw__buf_puts(&b, ",\"body\":");
    if (!rc) rc = dw__buf_json_str(&b, r->body, r->body_len);
  }
  if (!rc) rc = dw__buf_putc(&b, '}');
  if (rc) {
    dw__buf_free(&b);
    return NULL;
  }
  return dw__buf_steal(&b, NULL);
}

typedef struct {
  const dw__module *main;
  const dw_invocation *inv;
} start_args;

/* The second entry of a run: the handler's call that runtime.run() returned (sb->then). */
static void call_handler(void *user, dw_sandbox *sb, bool cancelled) {
  dw_val fn = sb->then;
  sb->then = NULL;
  if (!fn) return;
  if (!cancelled) dw__call(sb->c, fn, NULL, 0, NULL, NULL);
  dw__unprotect(sb->c, fn);
}

/* Calls runtime.run(main, request, args, env); its outcome arrives through settle(). When
 * run() returns a function (the main module loaded synchronously), that is the handler's
 * call: it runs as the next entry, after the microtasks of the module's body. */
static void start(void *user, dw_sandbox *sb, bool cancelled) {
  if (cancelled) return;
  start_args *a = user;
  dw__ctx *c = sb->c;
  const dw_invocation *inv = a->inv;
  char *req = inv && inv->request ? dw__request_json(inv->request) : NULL;
  dw_val args[4] = {
      dw__string(c, a->main->name, strlen(a->main->name)),
      req ? dw__string(c, req, strlen(req)) : dw__null(c),
      inv && inv->args_json ? dw__string(c, inv->args_json, strlen(inv->args_json)) : dw__null(c),
      sb->env_json ? dw__string(c, sb->env_json, strlen(sb->env_json)) : dw__null(c),
  };
  free(req);
  dw_val then = call_runtime(sb, RT_RUN, 4, args);
  if (then && dw__is_function(c, then) && !dw__vm_terminated(sb->vm)) {
    sb->then = then;
    dw__protect(c, then);
    if (dw__loop_post(sb->loop, sb, call_handler, NULL)) {
      sb->then = NULL;
      dw__unprotect(c, then);
    }
  }
}

int dw_sandbox_run(dw_sandbox *sb, const dw_code *code, const dw_invocation *inv,
                   dw_result **out) {
  *out = NULL;
  if (sb->used) return dw__result_fail(out, DW_E_BAD_REQUEST, "Error",
                                       "a sandbox runs one invocation; create a new one", sb);
  sb->used = true;
  const dw__module *main = code ? dw__code_main(code) : NULL;
  if (!main) return dw__result_fail(out, DW_E_BAD_REQUEST, "Error", "no main module", sb);
  dw__loop *own = NULL;
  if (!sb->loop) {
    if (!(own = dw__loop_new(sb->vm))) return DW_E_NOMEM;
    dw__sandbox_attach(sb, own, NULL);
  }
  sb->code = code;
  uint64_t t0 = dw__now_ns();
  sb->wall_deadline = t0 + (uint64_t)sb->opts.limits.wall_ms * 1000000u;
  dw__budget b = {
      .cpu_ns = (uint64_t)sb->opts.limits.cpu_ms * 1000000u,
      .wall_deadline_ns = sb->wall_deadline,
      .memory_bytes = (size_t)sb->vm_memory_mb << 20,
  };
  dw__vm_begin(sb->vm, &b, sb->c);
  start_args a = {main, inv};
  int limit = dw__loop_post(sb->loop, sb, start, &a);
  if (!limit) limit = dw__loop_run(sb->loop, sb);
  dw__vm_end(sb->vm, sb->c);
  dw__timers_clear(sb);
  if (own) {
    dw__loop_free(own);
    sb->loop = NULL;
  }
  sb->cpu_ms = (double)sb->cpu_ns / 1e6;
  sb->wall_ms = (double)(dw__now_ns() - t0) / 1e6;
  return dw__result_build(sb, limit, out);
}

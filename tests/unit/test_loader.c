/* Unit tests of src/loader in-process (dw__loader_run): what the integration tests cannot see
 * from outside — statistics, teardown with work still in flight (under LeakSanitizer in the
 * ASan build), and the CPU budget of a child in a VM whose heap others fill. */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>
#include "loader/loader.h"
#include "engine_signals.h"
#include "slow.h"

static const char *const loaders[] = {"LOADER"};

/* Runs src as the root: a default-exported function is called with (env). */
static int run_env(const char *src, const dw__loader_config *cfg, dw_result **r, dw__loader_stats *st) {
  dw_code *code = dw_code_new();
  assert_int_equal(dw_code_add_module(code, "main.js", src, strlen(src), DW_MODULE_ESM), 0);
  dw_sandbox_options o = {.limits = {.cpu_ms = 20000, .wall_ms = 60000, .memory_mb = 2048}};
  o.limits = dw_test_limits(o.limits);
  dw_invocation inv = {0};
  dw__loader_config c = *cfg;
  if (!c.child_cpu_ms) c.child_cpu_ms = dw_test_child_cpu_ms();
  if (!c.child_wall_ms) c.child_wall_ms = dw_test_child_wall_ms();
  int rc = dw__loader_run(&c, &o, code, &inv, NULL, NULL, r, st);
  dw_code_free(code);
  return rc;
}

/* Runs src as the root, which must return `want` (JSON); returns the loader's statistics. */
static dw__loader_stats run_ok(const char *src, dw__loader_config cfg, const char *want) {
  dw_result *r = NULL;
  dw__loader_stats st;
  assert_int_equal(run_env(src, &cfg, &r, &st), 0);
  assert_string_equal(dw_result_value_json(r), want);
  dw_result_free(r);
  return st;
}

static void statistics(void **state) {
  dw_test_restore_engine_signals(state);
  dw__loader_config cfg = {.loaders = loaders, .nloaders = 1, .max_instances = 2};
  dw_result *r = NULL;
  dw__loader_stats st;
  int rc = run_env(
      "export default async (env) => {"
      "  const get = (id) => env.LOADER.get(id, async () => ({ compatibilityDate: '2026-01-01',"
      "    modules: { 'c.js': 'export default { f() { return 1 } }' } }));"
      "  for (const id of ['a', 'b', 'a', 'c', 'b']) await get(id).getEntrypoint().f();"
      "  return 'ok'; }",
      &cfg, &r, &st);
  assert_int_equal(rc, 0);
  assert_string_equal(dw_result_value_json(r), "\"ok\"");
  /* a miss, b miss, a hit, c miss (evicts b), b miss (evicts a) */
  assert_int_equal(st.misses, 4);
  assert_int_equal(st.hits, 1);
  assert_int_equal(st.evictions, 2);
  assert_int_equal(st.created, 4);
  assert_int_equal(st.cached, 2);
  assert_int_equal(st.calls, 5);
  dw_result_free(r);
}

/* The run ends while children are loading, running, and have calls queued: everything is
 * freed (LeakSanitizer in the ASan build), nothing runs after. */
static void teardown_with_work_in_flight(void **state) {
  dw_test_restore_engine_signals(state);
  dw__loader_config cfg = {.loaders = loaders, .nloaders = 1};
  dw_result *r = NULL;
  int rc = run_env(
      "export default async (env) => {"
      "  for (let i = 0; i < 50; i++) {"
      "    const w = env.LOADER.load({ compatibilityDate: '2026-01-01', modules: { 'c.js':"
      "      'export default { f() { return new Promise(r => setTimeout(r, 100000)) }, g() { return 1 } }' } });"
      "    w.getEntrypoint().f(); w.getEntrypoint().g();"
      "    env.LOADER.get('id' + i, async () => new Promise(() => {})).getEntrypoint().f();"
      "  }"
      "  await new Promise(r => setTimeout(r, 20));"
      "  return 'done'; }",
      &cfg, &r, NULL);
  assert_int_equal(rc, 0);
  assert_string_equal(dw_result_value_json(r), "\"done\"");
  dw_result_free(r);
}

/* A parent with 1,000 live children that each use the fetch APIs (about 1 MB of heap each):
 * full collections of the shared heap (100+ ms) land in the entries of 20 ms-budget
 * children; none of them may be ended for it. (Without the collection credit in
 * src/engine/vm.c, 1-4 of them were.) */
#if defined(__SANITIZE_ADDRESS__)
#define CHILD_CPU_MS "100" /* our natives run several times slower under ASan */
#else
#define CHILD_CPU_MS "50"
#endif

static void collections_do_not_end_innocent_children(void **state) {
  dw_test_restore_engine_signals(state);
  /* A test of timing (1,000 children of 50 ms each), not of memory: many minutes under
   * valgrind, where no budget means what it means here. */
  if (dw_test_slow() > 1) skip();
  dw__loader_config cfg = {.loaders = loaders, .nloaders = 1};
  dw_result *r = NULL;
  int rc = run_env(
      "export default async (env) => {"
      "  const ps = [];"
      "  for (let i = 0; i < 1000; i++) {"
      "    const w = env.LOADER.load({ compatibilityDate: '2026-01-01', limits: { cpuMs: " CHILD_CPU_MS " }, modules: { 'c.js':"
      "      'export default { async fetch(r) { await new Promise(r => setTimeout(r, 50)); return new Response(new URL(r.url).pathname); } }' } });"
      "    ps.push(w.getEntrypoint().fetch('http://x/' + i).then(r => r.text()));"
      "  }"
      "  const out = await Promise.allSettled(ps);"
      "  return out.filter((x, i) => x.status === 'fulfilled' && x.value === '/' + i).length; }",
      &cfg, &r, NULL);
  assert_int_equal(rc, 0);
  assert_string_equal(dw_result_value_json(r), "1000");
  dw_result_free(r);
}

/* load() workers die with their last stub: the engine never runs FinalizationRegistry
 * callbacks here, so the loader holds a weak reference to each stub and fetcher and looks at
 * them after collections (caps.c). */
static void load_workers_die_with_their_stubs(void **state) {
  dw_test_restore_engine_signals(state);
  dw__loader_config cfg = {.loaders = loaders, .nloaders = 1};
  dw_result *r = NULL;
  dw__loader_stats st;
  int rc = run_env(
      "export default async (env) => {"
      "  for (let i = 0; i < 600; i++) {"
      "    const w = env.LOADER.load({ compatibilityDate: '2026-01-01', modules: { 'c.js': 'export default { f(x) { return x } }' } });"
      "    await w.getEntrypoint().f(i);"
      "  }"
      "  return 'done'; }",
      &cfg, &r, &st);
  assert_int_equal(rc, 0);
  assert_int_equal(st.created, 600);
  /* Without the weak references every one of them is still alive here (601 with the root);
   * with them, what the last collections did not reach yet (measured 24-225). */
  if (st.live > 400) fail_msg("%llu of 600 load() workers still alive", (unsigned long long)st.live);
  /* Each was left to its handles once its call was answered (caps.c: unrooting), so the
   * collection that found its stub dead freed its realm too; not those whose fetcher was
   * already collected when the loader looked (measured 591 of 600 unrooted; 0 without). */
  if (st.unroots < 500) fail_msg("%llu of 600 load() workers unrooted", (unsigned long long)st.unroots);
  dw_result_free(r);
}

/* An unrooted worker (idle, only capability handles refer to it) lives exactly as long as
 * anything that can still call it: a method or getEntrypoint taken from a stub or fetcher
 * that is then dropped keeps it (the closures hold the handle), through collections; it is
 * rooted again while called, while a sibling holds it, and after its timers; its state is
 * kept throughout. A run that ends with unrooted workers alive frees them (LeakSanitizer in
 * the ASan build). Without the handles in the closures, the realm is collected with its
 * stub and a later call reaches freed memory (or, before unrooting, "not a capability"). */
static void unrooted_workers_stay_usable(void **state) {
  dw_test_restore_engine_signals(state);
  dw__loader_config cfg = {.loaders = loaders, .nloaders = 1};
  dw_result *r = NULL;
  dw__loader_stats st;
  int rc = run_env(
      "import { WorkerEntrypoint } from 'cloudflare:workers';"
      "const code = { compatibilityDate: '2026-01-01', modules: { 'c.js':"
      "  'let n = 0; export default { inc() { return ++n }, later() { setTimeout(() => { n += 100 }, 5); return n } }' } };"
      "const sib = (A) => ({ compatibilityDate: '2026-01-01', env: { A }, modules: { 's.js':"
      "  'import { WorkerEntrypoint } from \"cloudflare:workers\"; export default class extends WorkerEntrypoint {"
      "    g() { return this.env.A.getEntrypoint().inc() } }' } });"
      "const tick = () => new Promise(r => setTimeout(r, 2));"
      "const churn = async () => { let a = 0; for (let j = 0; j < 400; j++) a += new Array(4000).fill(j).length;"
      "  await tick(); return a; };"
      "const keep = [];"
      "export default async (env) => {"
      "  const out = [];"
      "  let inc, ge, stub;"
      "  { const s = env.LOADER.load(code); const e = s.getEntrypoint(); inc = e.inc; ge = s.getEntrypoint;"
      "    out.push(await inc()); stub = env.LOADER.load(code); out.push(await stub.getEntrypoint().inc()); }"
      "  await tick(); await churn(); await churn();"
      "  out.push(await inc());"
      "  out.push(await ge().inc());"
      "  await churn();"
      "  out.push(await stub.getEntrypoint().later());"
      "  await new Promise(r => setTimeout(r, 30)); await churn();"
      "  out.push(await stub.getEntrypoint().inc());"
      "  const b = env.LOADER.load(sib(stub)); stub = null;"
      "  await churn(); await churn();"
      "  out.push(await b.getEntrypoint().g());"
      "  for (let i = 0; i < 20; i++) { const w = env.LOADER.load(code); await w.getEntrypoint().inc(); keep.push(w); }"
      "  await tick();"
      "  return out; }",
      &cfg, &r, &st);
  assert_int_equal(rc, 0);
  assert_string_equal(dw_result_value_json(r), "[1,1,2,3,1,102,103]");
  if (st.unroots < 20) fail_msg("only %llu unroots", (unsigned long long)st.unroots);
  dw_result_free(r);
}

/* Workers that only hold each other are freed (cycles.c): a get() worker that keeps a
 * ctx.exports loopback of itself, evicted; a load() worker with a VM of its own (never
 * unrooted) that keeps one, its stub dropped; an evicted get() parent that keeps the stub
 * of a child that holds a loopback of the parent (and the child its parent). Without the
 * collection every one of them stays alive to the end of the run (counted: 41, 41, 81). */
static void workers_that_hold_each_other_are_freed(void **state) {
  dw_test_restore_engine_signals(state);
  static const char *const srcs[] = {
      "export default async (env) => {"
      "  const code = { compatibilityDate: '2026-01-01', modules: { 'c.js':"
      "    'import { WorkerEntrypoint } from \"cloudflare:workers\"; let self;"
      "     export default class extends WorkerEntrypoint { f() { self = this.ctx.exports.default; return 1 } }' } };"
      "  let n = 0;"
      "  for (let i = 0; i < 40; i++) n += await env.LOADER.get('w' + i, () => code).getEntrypoint().f();"
      "  return n; }",
      "export default async (env) => {"
      "  const code = { compatibilityDate: '2026-01-01', limits: { memoryMb: 64, cpuMs: 2000 }, modules: { 'c.js':"
      "    'import { WorkerEntrypoint } from \"cloudflare:workers\"; let self;"
      "     export default class extends WorkerEntrypoint { f() { self = this.ctx.exports.default; return 1 } }' } };"
      "  let n = 0;"
      "  for (let i = 0; i < 40; i++) n += await env.LOADER.load(code).getEntrypoint().f();"
      "  for (let i = 0; i < 3; i++) { new Array(1e5).fill(i); await new Promise(r => setTimeout(r, 5)); }"
      "  return n; }",
      "export default async (env) => {"
      "  const child = 'import { WorkerEntrypoint } from \"cloudflare:workers\";"
      "    export default class extends WorkerEntrypoint { f() { return this.env.P.g() } }';"
      "  const parent = { compatibilityDate: '2026-01-01', env: { LOADER: env.LOADER, CHILD: child }, modules: { 'p.js':"
      "    'import { WorkerEntrypoint } from \"cloudflare:workers\"; let kid;"
      "     export default class extends WorkerEntrypoint {"
      "       g() { return 1 }"
      "       f() { kid = this.env.LOADER.load({ compatibilityDate: \"2026-01-01\","
      "         env: { P: this.ctx.exports.default }, modules: { \"c.js\": this.env.CHILD } });"
      "         return kid.getEntrypoint().f() } }' } };"
      "  let n = 0;"
      "  for (let i = 0; i < 40; i++) n += await env.LOADER.get('p' + i, () => parent).getEntrypoint().f();"
      "  return n; }",
  };
  for (size_t i = 0; i < sizeof srcs / sizeof *srcs; i++) {
    dw__loader_config cfg = {.loaders = loaders, .nloaders = 1, .max_instances = 2};
    dw__loader_stats st = run_ok(srcs[i], cfg, "40");
    /* the root, the two cached (and a parent's child), what the last tick left */
    if (st.live > 12)
      fail_msg("case %zu: %llu workers alive (%llu freed as cycles)", i,
               (unsigned long long)st.live, (unsigned long long)st.cycles_freed);
    if (!st.cycles_freed) fail_msg("case %zu: no cycle freed", i);
  }
}

/* The collector's work is bounded by what its candidates earn, and it never walks a busy
 * worker: a root that holds 20,000 get() stubs while 100 workers that hold themselves are
 * evicted one by one. Without the bound every eviction walked the root's table (measured
 * about 4 million visits here; a guest with a million stubs made each eviction cost the
 * loader ~60 ms that no worker was charged for). */
static void cycle_collection_work_is_bounded(void **state) {
  dw_test_restore_engine_signals(state);
  dw__loader_config cfg = {.loaders = loaders, .nloaders = 1, .max_instances = 1};
  dw__loader_stats st = run_ok(
      "export default async (env) => {"
      "  const keep = [];"
      "  for (let i = 0; i < 20000; i++) keep.push(env.LOADER.get('s' + i, () => { throw new Error('x') }));"
      "  const code = { compatibilityDate: '2026-01-01', modules: { 'c.js':"
      "    'import { WorkerEntrypoint } from \"cloudflare:workers\"; let self;"
      "     export default class extends WorkerEntrypoint { f() { self = this.ctx.exports.default; return 1 } }' } };"
      "  let n = 0;"
      "  for (let i = 0; i < 100; i++) n += await env.LOADER.get('w' + i, () => code).getEntrypoint().f();"
      "  return n + keep.length; }",
      cfg, "20100");
  if (st.cycles_freed < 90) fail_msg("only %llu cycles freed", (unsigned long long)st.cycles_freed);
  if (st.cycles_visits > 100 * 4096)
    fail_msg("%llu visits for 100 evictions", (unsigned long long)st.cycles_visits);
}

/* A load that never finishes (top-level await of a promise nothing settles) fails at its
 * wall-clock limit: its callers' calls did already, and now the worker is freed too (before,
 * it stayed loading, and alive, to the end of the run: 51 of 51 here, and 64 such workers
 * with a memoryMb used up every VM of their own a loader may have). */
static void loads_that_never_end_are_freed(void **state) {
  dw_test_restore_engine_signals(state);
  dw__loader_config cfg = {.loaders = loaders, .nloaders = 1};
  dw__loader_stats st = run_ok(
      "export default async (env) => {"
      "  const code = { compatibilityDate: '2026-01-01', limits: { wallMs: 20 }, modules: { 'c.js':"
      "    'await new Promise(() => {}); export default { f() { return 1 } }' } };"
      "  const errs = [];"
      "  for (let i = 0; i < 50; i++)"
      "    try { await env.LOADER.load(code).getEntrypoint().f(); } catch (e) { errs.push(e.code); }"
      "  for (let i = 0; i < 5; i++) { new Array(1e5).fill(i); await new Promise(r => setTimeout(r, 10)); }"
      "  return errs.filter(c => c === 'wall_limit_exceeded').length; }",
      cfg, "50");
  /* what the last collections had not found yet (their stubs): measured 1-3, 18 under
   * valgrind; 51 without the deadline */
  if (st.live > 30) fail_msg("%llu workers alive", (unsigned long long)st.live);
}

/* A get() stub that another realm received is released with its object there, as any
 * capability: it no longer keeps the realm of its callback alive for as long as the realm
 * that received it lives (before: 51 of 51 alive at the end here). */
static void get_stubs_received_are_released(void **state) {
  dw_test_restore_engine_signals(state);
  dw__loader_config cfg = {.loaders = loaders, .nloaders = 1, .max_instances = 1};
  dw__loader_stats st = run_ok(
      "export default async (env) => {"
      "  const owner = { compatibilityDate: '2026-01-01', env: { LOADER: env.LOADER }, modules: { 'o.js':"
      "    'import { WorkerEntrypoint } from \"cloudflare:workers\";"
      "     export default class extends WorkerEntrypoint { mk(id) { return this.env.LOADER.get(id, () =>"
      "       ({ compatibilityDate: \"2026-01-01\", modules: { \"c.js\": \"export default { f() { return 7 } }\" } })) } }' } };"
      "  let n = 0;"
      "  for (let i = 0; i < 50; i++) n += await (await env.LOADER.get('o' + i, () => owner).getEntrypoint().mk('x')).getEntrypoint().f();"
      "  for (let i = 0; i < 40; i++) { new Array(1e5).fill(i); await new Promise(r => setTimeout(r, 5)); }"
      "  return n; }",
      cfg, "350");
  /* what the last collections had not found yet: measured 4-16 */
  if (st.live > 25) fail_msg("%llu workers alive", (unsigned long long)st.live);
}

/* Workers whose memoryMb is below the loader VM's cap get a VM of their own: one that goes
 * over it is ended alone (its call rejects with memory_limit_exceeded), and their VMs are
 * freed with them: with their load() stubs (the loader's VM is collected as they pile up),
 * and at the end of the run with work still in flight (LeakSanitizer in the ASan build). */
static void own_vm_workers(void **state) {
  dw_test_restore_engine_signals(state);
  dw__loader_config cfg = {.loaders = loaders, .nloaders = 1, .max_bytes = (size_t)4 << 20};
  dw_result *r = NULL;
  dw__loader_stats st;
  int rc = run_env(
      "export default async (env) => {"
      "  const src = 'const keep = []; export default { f(x) { return x }, hog(n) {"
      "    for (let i = 0; i < n; i++) keep.push(new Uint8Array(1 << 20).fill(1)); return keep.length },"
      "    wait() { return new Promise(r => setTimeout(r, 100000)) } }';"
      "  const mk = (mb) => env.LOADER.load({ compatibilityDate: '2026-01-01', modules: { 'c.js': src },"
      "    limits: { memoryMb: mb, cpuMs: 5000 } }).getEntrypoint();"
      "  let sum = 0;"
      "  for (let i = 0; i < 300; i++) sum += await mk(8).f(i);"
      "  let over;"
      "  try { await mk(8).hog(32); over = 'no error'; } catch (e) { over = e.code; }"
      "  const get = (id) => env.LOADER.get(id, async () => ({ compatibilityDate: '2026-01-01',"
      "    modules: { 'c.js': src }, limits: { memoryMb: 8 } })).getEntrypoint();"
      "  for (const id of ['a', 'b', 'c', 'd', 'e', 'f']) await get(id).hog(2);"
      "  for (let i = 0; i < 20; i++) { const w = mk(8); w.wait(); w.f(1); }"
      "  await new Promise(r => setTimeout(r, 20));"
      "  return [sum, over]; }",
      &cfg, &r, &st);
  assert_int_equal(rc, 0);
  assert_string_equal(dw_result_value_json(r), "[44850,\"memory_limit_exceeded\"]");
  assert_int_equal(st.created, 300 + 1 + 6 + 20);
  /* A worker with a VM of its own counts at least 2 MB (its heap, once measured, if more): a
   * cache of 4 MB holds at most two of the six (a shared-VM worker counts 256 KB). */
  if (st.cached > 2) fail_msg("%llu own-VM workers cached in 4 MB", (unsigned long long)st.cached);
  assert_true(st.evictions >= 4);
  if (st.live > 200) fail_msg("%llu of 300 load() workers still alive", (unsigned long long)st.live);
  dw_result_free(r);
}

/* A host call that gives up while its worker is still loading leaves the worker's queue: the
 * worker's later readiness must not touch it (a use after free under ASan before the fix). */
static void host_call_gives_up_while_loading(void **state) {
  dw_test_restore_engine_signals(state);
  dw_loader *l = NULL;
  dw_loader_options lo = {.limits = {.cpu_ms = dw_test_child_cpu_ms(), .wall_ms = dw_test_child_wall_ms()}};
  assert_int_equal(dw_loader_new(&lo, &l), 0);
  static const char src[] =
      "await new Promise(r => setTimeout(r, 1500)); export default { f() { return 42 } }";
  dw_code *code = dw_code_new();
  assert_int_equal(dw_code_add_module(code, "slow.js", src, strlen(src), DW_MODULE_ESM), 0);
  dw_worker_ref w = {.id = "slow", .code = code, .limits = {.wall_ms = 50}};
  dw_result *r = NULL;
  dw_loader_call(l, &w, "f", NULL, &r);
  assert_int_equal(dw_result_error(r), DW_E_WALL_LIMIT);
  dw_result_free(r);
  w.limits = dw_test_limits((dw_limits){.wall_ms = 5000});
  dw_loader_call(l, &w, "f", NULL, &r);
  assert_true(dw_result_ok(r));
  assert_string_equal(dw_result_value_json(r), "42");
  dw_result_free(r);
  dw_code_free(code);
  dw_loader_free(l);
}

/* F5 (docs/SECURITY.md): binding arguments reach the host as JSON, strictly. A function, a
 * symbol, a BigInt, NaN or an infinity anywhere (also what a toJSON returns) rejects the call
 * with a TypeError naming the place; a cycle is JSON's TypeError; a getter's own exception
 * passes through; `undefined` keeps JSON's meaning. The binding echoes its arguments. */
static void echo_binding(void *user, const char *method, const char *args, dw_binding_call *call) {
  (void)user;
  (void)method;
  dw_binding_return(call, args);
}

static void binding_arguments_are_strict_json(void **state) {
  dw_test_restore_engine_signals(state);
  dw_loader *l = NULL;
  dw_loader_options lo = {.limits = {.cpu_ms = dw_test_child_cpu_ms(), .wall_ms = dw_test_child_wall_ms()}};
  assert_int_equal(dw_loader_new(&lo, &l), 0);
  assert_int_equal(dw_loader_add_binding(l, "B", echo_binding, NULL), 0);
  static const char src[] =
      "import { WorkerEntrypoint } from 'cloudflare:workers';\n"
      "export class E extends WorkerEntrypoint { async run() {\n"
      "  const t = async (...a) => { try { return 'sent ' + JSON.stringify(await this.env.B.echo(...a)) }"
      " catch (e) { return e.name + ': ' + e.message } };\n"
      "  const c = []; c.push(c);\n"
      "  return [await t(() => 1), await t('a', { items: [1, 2, 3, { cb() {} }] }),\n"
      "    await t({ a: { 'b c': Symbol('s') } }), await t(NaN), await t([1, -Infinity]),\n"
      "    await t({ n: 10n }), await t({ toJSON() { return { f: Math.max } } }),\n"
      "    await t({ get x() { throw new RangeError('boom') } }), (await t(c)).split(':')[0],\n"
      "    await t({ u: undefined, a: [undefined] }, undefined, new Date(0), 'x', true, null, -0, 1.5),\n"
      "    /^TypeError: argument 0\\.k{245}\u2026 is a function: /.test(await t({ ['k'.repeat(300)]: () => 1 }))];\n"
      "} }\n";
  dw_code *code = dw_code_new();
  assert_int_equal(dw_code_add_module(code, "w.js", src, strlen(src), DW_MODULE_ESM), 0);
  const char *const bindings[] = {"B", NULL};
  dw_worker_ref w = {.code = code, .bindings = bindings, .entrypoint = "E"};
  dw_result *r = NULL;
  dw_loader_call(l, &w, "run", "[]", &r);
  if (!dw_result_ok(r)) fail_msg("%s", dw_result_json(r));
  static const char want[] =
      "[\"TypeError: argument 0 is a function: binding arguments must be JSON values (no "
      "functions, symbols, BigInts, NaN or infinities)\","
      "\"TypeError: argument 1.items[3].cb is a function: binding arguments must be JSON values "
      "(no functions, symbols, BigInts, NaN or infinities)\","
      "\"TypeError: argument 0.a[\\\"b c\\\"] is a symbol: binding arguments must be JSON values "
      "(no functions, symbols, BigInts, NaN or infinities)\","
      "\"TypeError: argument 0 is NaN: binding arguments must be JSON values (no functions, "
      "symbols, BigInts, NaN or infinities)\","
      "\"TypeError: argument 0[1] is -Infinity: binding arguments must be JSON values (no "
      "functions, symbols, BigInts, NaN or infinities)\","
      "\"TypeError: argument 0.n is a BigInt: binding arguments must be JSON values (no "
      "functions, symbols, BigInts, NaN or infinities)\","
      "\"TypeError: argument 0.f is a function: binding arguments must be JSON values (no "
      "functions, symbols, BigInts, NaN or infinities)\","
      "\"RangeError: boom\",\"TypeError\","
      "\"sent [{\\\"a\\\":[null]},null,\\\"1970-01-01T00:00:00.000Z\\\",\\\"x\\\",true,null,0,1.5]\",true]";
  assert_string_equal(dw_result_value_json(r), want);
  dw_result_free(r);
  dw_code_free(code);
  dw_loader_free(l);
}

int main(void) {
  dw_test_save_engine_signals();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(statistics),
      cmocka_unit_test(teardown_with_work_in_flight),
      cmocka_unit_test(collections_do_not_end_innocent_children),
      cmocka_unit_test(unrooted_workers_stay_usable),
      cmocka_unit_test(load_workers_die_with_their_stubs),
      cmocka_unit_test(own_vm_workers),
      cmocka_unit_test(workers_that_hold_each_other_are_freed),
      cmocka_unit_test(cycle_collection_work_is_bounded),
      cmocka_unit_test(loads_that_never_end_are_freed),
      cmocka_unit_test(get_stubs_received_are_released),
      cmocka_unit_test(host_call_gives_up_while_loading),
      cmocka_unit_test(binding_arguments_are_strict_json),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

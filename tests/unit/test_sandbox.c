/* Unit tests of the embeddable library (include/dynworker.h): sandboxes in-process. */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <pthread.h>
#include <string.h>
#include "dynworker.h"
#include "engine_signals.h"
#include "slow.h"

static dw_code *code1(const char *name, const char *src) {
  dw_code *c = dw_code_new();
  assert_int_equal(dw_code_add_module(c, name, src, strlen(src), DW_MODULE_AUTO), 0);
  return c;
}

/* Runs `src` as main.js in a new sandbox of `engine` (NULL: own VM); returns the error. */
static int run_src(dw_engine *engine, const char *src, const dw_sandbox_options *o,
                   const dw_invocation *inv, json_t **out) {
  dw_code *code = code1("main.js", src);
  dw_sandbox_options so = o ? *o : (dw_sandbox_options){0};
  so.limits = dw_test_limits(so.limits);
  dw_sandbox *sb = NULL;
  assert_int_equal(dw_sandbox_new(engine, &so, &sb), 0);
  dw_result *r = NULL;
  int rc = dw_sandbox_run(sb, code, inv, &r);
  assert_non_null(r);
  assert_int_equal(rc, dw_result_error(r));
  if (out) {
    *out = json_loads(dw_result_json(r), 0, NULL);
    assert_non_null(*out);
  }
  dw_result_free(r);
  dw_sandbox_free(sb);
  dw_code_free(code);
  return rc;
}

static void fetch_handler_in_process(void **state) {
  dw_test_restore_engine_signals(state);
  dw_code *code = code1("w.js", "export default { async fetch(req, env) { return new Response("
                                "req.method + ' ' + env.WHO + ' ' + await req.text(), {status: 202}) } }");
  dw_sandbox_options o = {.env_json = "{\"WHO\":\"you\"}", .limits = dw_test_limits((dw_limits){0})};
  dw_sandbox *sb;
  assert_int_equal(dw_sandbox_new(NULL, &o, &sb), 0);
  const char *headers[] = {"Content-Type: text/plain", NULL};
  dw_request req = {.method = "PUT", .url = "http://x/", .headers = headers, .body = "data", .body_len = 4};
  dw_invocation inv = {.request = &req};
  dw_result *r;
  assert_int_equal(dw_sandbox_run(sb, code, &inv, &r), 0);
  assert_true(dw_result_ok(r));
  assert_int_equal(dw_result_status(r), 202);
  size_t n;
  const char *body = dw_result_body(r, &n);
  assert_int_equal(n, strlen("PUT you data"));
  assert_memory_equal(body, "PUT you data", n);
  assert_true(dw_result_cpu_ms(r) > 0);
  assert_true(dw_result_wall_ms(r) >= dw_result_cpu_ms(r) * 0.5);
  dw_result_free(r);
  /* A sandbox runs one invocation. */
  assert_int_equal(dw_sandbox_run(sb, code, &inv, &r), DW_E_BAD_REQUEST);
  dw_result_free(r);
  dw_sandbox_free(sb);
  dw_code_free(code);
}

static void function_with_args(void **state) {
  dw_test_restore_engine_signals(state);
  dw_invocation inv = {.args_json = "[2, 3]"};
  json_t *r;
  assert_int_equal(run_src(NULL, "export default (a, b) => ({sum: a + b})", NULL, &inv, &r), 0);
  assert_int_equal(json_integer_value(json_object_get(json_object_get(r, "result"), "sum")), 5);
  json_decref(r);
}

static void shared_engine_realms_are_separate(void **state) {
  dw_test_restore_engine_signals(state);
  dw_engine *e = dw_engine_new(NULL);
  json_t *r;
  assert_int_equal(run_src(e, "globalThis.secret = 'a'; Object.prototype.polluted = 1; export default () => 1", NULL,
                           &(dw_invocation){.args_json = "[]"}, NULL), 0);
  assert_int_equal(run_src(e, "export default () => [typeof secret, typeof ({}).polluted]", NULL,
                           &(dw_invocation){.args_json = "[]"}, &r), 0);
  json_t *res = json_object_get(r, "result");
  assert_string_equal(json_string_value(json_array_get(res, 0)), "undefined");
  assert_string_equal(json_string_value(json_array_get(res, 1)), "undefined");
  json_decref(r);
  dw_engine_free(e);
}

typedef struct {
  const char *src;
  int err;
  dw_limits limits;
} runaway;

/* Everything the engine can stop in-process, one after another in one process and one VM,
 * then a normal worker: the library keeps working. */
static void in_process_runaways_then_a_normal_worker(void **state) {
  dw_test_restore_engine_signals(state);
  static const runaway cases[] = {
      {"for(;;){}", DW_E_CPU_LIMIT, {.cpu_ms = 100}},
      /* In the handler's own entry (the call after the module loaded): a termination there
       * reached C as an exception with nowhere to go (found by make test-valgrind). */
      {"export default () => { for(;;){} }", DW_E_CPU_LIMIT, {.cpu_ms = 100}},
      {"({ get x() { for(;;){} } }).x", DW_E_CPU_LIMIT, {.cpu_ms = 100}},
      {"[3,1,2].sort(() => { for(;;){} })", DW_E_CPU_LIMIT, {.cpu_ms = 100}},
      {"new Proxy({}, { get() { for(;;){} } }).x", DW_E_CPU_LIMIT, {.cpu_ms = 100}},
      {"const d = '['.repeat(1e6) + ']'.repeat(1e6); for(;;) JSON.parse(d)", DW_E_CPU_LIMIT, {.cpu_ms = 100}},
      {"(function f(){ Promise.resolve().then(f) })()", DW_E_CPU_LIMIT, {.cpu_ms = 100}},
      {"setInterval(() => {}, 1)", DW_E_WALL_LIMIT, {.wall_ms = 100}},
      {"await new Promise(r => setTimeout(r, 100000))", DW_E_WALL_LIMIT, {.wall_ms = 100}},
      {"const a = []; for(;;) a.push(new Array(1e5).fill(1.5))", DW_E_MEMORY_LIMIT, {.cpu_ms = 30000, .wall_ms = 120000, .memory_mb = 64}},
      {"let s = 'x'; for(;;) s += s", DW_E_MEMORY_LIMIT, {.cpu_ms = 30000, .wall_ms = 120000, .memory_mb = 64}},
      {"const a = []; for(let i = 0;; i++) a.push('y'.repeat(1e6) + i)", DW_E_MEMORY_LIMIT, {.cpu_ms = 30000, .wall_ms = 120000, .memory_mb = 64}},
      {"const m = new Map(); for(let i = 0;; i++) m.set(i, {i})", DW_E_MEMORY_LIMIT, {.cpu_ms = 30000, .wall_ms = 120000, .memory_mb = 64}},
      {"const a = []; for(;;) a.push(new Float64Array(1e6))", DW_E_MEMORY_LIMIT, {.cpu_ms = 30000, .wall_ms = 120000, .memory_mb = 64}},
      {"function r() { return r() + 1 } r()", DW_E_UNCAUGHT, {0}},
  };
  /* In a shared VM the memory cap is the engine's (the engine cannot attribute objects to
   * realms); with an own VM it is the sandbox's. Both are 64 MiB here. */
  dw_engine *shared = dw_engine_new(&(dw_engine_options){.memory_mb = 64});
  for (int pass = 0; pass < 2; pass++) {
    dw_engine *e = pass == 0 ? shared : NULL; /* the shared VM, then an own VM each */
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
      dw_sandbox_options o = {.limits = cases[i].limits};
      if (getenv("DW_TEST_VERBOSE")) fprintf(stderr, "case %d/%zu: %s\n", pass, i, cases[i].src);
      int rc = run_src(e, cases[i].src, &o, NULL, NULL);
      if (rc != cases[i].err)
        fail_msg("pass %d: '%s' gave %s, expected %s", pass, cases[i].src, dw_err_code(rc),
                 dw_err_code(cases[i].err));
    }
    json_t *r;
    assert_int_equal(run_src(e, "export default async () => { await null; return [1,2,3].map(x => x * 2) }",
                             NULL, &(dw_invocation){.args_json = "[]"}, &r), 0);
    assert_int_equal(json_integer_value(json_array_get(json_object_get(r, "result"), 2)), 6);
    json_decref(r);
  }
  dw_engine_free(shared);
}

static void wasm_is_refused_unless_the_embedder_opts_in(void **state) {
  dw_test_restore_engine_signals(state);
  json_t *r;
  assert_int_equal(run_src(NULL, "export default () => typeof WebAssembly", NULL,
                           &(dw_invocation){.args_json = "[]"}, &r), 0);
  assert_string_equal(json_string_value(json_object_get(r, "result")), "undefined");
  json_decref(r);
  static const unsigned char wasm[] = {0, 97, 115, 109, 1, 0, 0, 0};
  dw_code *code = dw_code_new();
  const char *main_src = "import m from './m.wasm'; export default () => 1";
  assert_int_equal(dw_code_add_module(code, "main.js", main_src, strlen(main_src), DW_MODULE_AUTO), 0);
  assert_int_equal(dw_code_add_module(code, "m.wasm", wasm, sizeof wasm, DW_MODULE_AUTO), 0);
  dw_sandbox *sb;
  assert_int_equal(dw_sandbox_new(NULL, NULL, &sb), 0);
  dw_result *res;
  assert_int_equal(dw_sandbox_run(sb, code, NULL, &res), DW_E_WASM_DISABLED);
  dw_result_free(res);
  dw_sandbox_free(sb);
  /* Opted in (own VM): present. */
  dw_sandbox_options o = {.allow_wasm = true};
  assert_int_equal(dw_sandbox_new(NULL, &o, &sb), 0);
  assert_int_equal(dw_sandbox_run(sb, code, &(dw_invocation){.args_json = "[]"}, &res), 0);
  dw_result_free(res);
  dw_sandbox_free(sb);
  dw_code_free(code);
}

/* F3 (docs/SECURITY.md): no SharedArrayBuffer through WebAssembly. Memory refuses `shared`
 * (read once: a getter that says false first cannot say true to the engine), every entry point
 * that compiles bytes refuses a module that declares or imports a shared memory, the wrappers
 * cannot be got around (prototype.constructor, Reflect.construct, a subclass, a DataView), and
 * what is not shared works as before, Atomics included. */
static void shared_wasm_memory_is_refused(void **state) {
  dw_test_restore_engine_signals(state);
  static const char src[] =
      "const H = [0, 97, 115, 109, 1, 0, 0, 0];\n"
      "const b = (a) => new Uint8Array(H.concat(a));\n"
      "const decl = b([5, 4, 1, 3, 1, 1]), imp = b([2, 11, 1, 3, 101, 110, 118, 1, 109, 2, 3, 1, 1]);\n"
      "const ok = b([1, 5, 1, 96, 0, 1, 127, 3, 2, 1, 0, 5, 3, 1, 0, 1, 7, 9, 2, 1, 102, 0, 0, 1, 109,"
      " 2, 0, 10, 6, 1, 4, 0, 65, 42, 11]);\n"
      "const t = (f) => { try { const r = f(); return r === undefined ? 'undefined' : String(r) }"
      " catch (e) { return e.name + (/shared memory is not available in this sandbox/.test(e.message)"
      " ? ': shared' : ': ' + e.message) } };\n"
      "const a = async (p) => { try { await p; return 'resolved' } catch (e) { return t(() => { throw e }) } };\n"
      "export default async () => { const W = WebAssembly; let reads = 0;\n"
      "  const inst = new W.Instance(new W.Module(ok)); class M extends W.Memory {}\n"
      "  return [\n"
      "    t(() => new W.Memory({ initial: 1, maximum: 1, shared: true })),\n"
      "    t(() => new W.Memory({ initial: 1, maximum: 1, shared: 'yes' })),\n"
      "    t(() => new W.Memory({ initial: 1, maximum: 1, get shared() { return reads++ > 0 } }).buffer.constructor.name),\n"
      "    reads,\n"
      "    t(() => new (new W.Memory({ initial: 1 }).constructor)({ initial: 1, maximum: 1, shared: 1 })),\n"
      "    t(() => Reflect.construct(W.Memory, [{ initial: 1, maximum: 1, shared: 1 }])),\n"
      "    t(() => new M({ initial: 1, maximum: 1, shared: 1 })),\n"
      "    t(() => new M({ initial: 1 }) instanceof W.Memory),\n"
      "    t(() => new W.Module(decl)), t(() => new W.Module(imp)),\n"
      "    t(() => new W.Module(new DataView(decl.buffer))),\n"
      "    t(() => new (Object.getPrototypeOf(new W.Module(ok)).constructor)(imp)),\n"
      "    t(() => Reflect.construct(W.Module, [decl.buffer])),\n"
      "    t(() => new W.Module(b([5, 128, 128]))),\n"
      "    [W.validate(decl), W.validate(imp), W.validate(ok), W.validate(b([5, 255, 255, 255, 255, 127]))].join(),\n"
      "    await a(W.compile(decl)), await a(W.instantiate(imp, {})),\n"
      "    inst.exports.f(), inst.exports.m.buffer.constructor.name, typeof SharedArrayBuffer,\n"
      "    [Atomics.add(new Int32Array(2), 0, 5), Atomics.load(new Int32Array(inst.exports.m.buffer), 0),"
      " Atomics.compareExchange(new Int32Array([7]), 0, 7, 3), Atomics.notify(new Int32Array(1), 0, 1),"
      " typeof Atomics.wait].join(),\n"
      "  ] }\n";
  static const char want[] =
      "[\"TypeError: shared\",\"TypeError: shared\",\"ArrayBuffer\",1,\"TypeError: shared\","
      "\"TypeError: shared\",\"TypeError: shared\",\"true\",\"CompileError: shared\","
      "\"CompileError: shared\",\"CompileError: shared\",\"CompileError: shared\","
      "\"CompileError: shared\",\"CompileError: WebAssembly.Module: the WebAssembly module cannot "
      "be checked: unexpected end at byte 11\",\"false,false,true,false\",\"CompileError: shared\","
      "\"CompileError: shared\",42,\"ArrayBuffer\",\"undefined\",\"0,0,7,0,undefined\"]";
  /* A generous CPU limit: it compiles some twenty modules in a VM of its own, which under
   * valgrind came close to 20 s of CPU (its limit there, 1,000 ms scaled) and once went over. */
  dw_sandbox_options o = {.allow_wasm = true, .limits = {.cpu_ms = 5000}};
  json_t *r;
  assert_int_equal(run_src(NULL, src, &o, &(dw_invocation){.args_json = "[]"}, &r), 0);
  char *got = json_dumps(json_object_get(r, "result"), JSON_COMPACT);
  assert_string_equal(got, want);
  free(got);
  json_decref(r);

  /* The guard is installed at the first read of the global WebAssembly: a read that runs out
   * of stack part-way (tried at every depth up from the limit) hands out nothing unguarded. */
  static const char deep[] =
      "const FAIL = {}; let fails = 0;\n"
      "function rec(n) { let r; try { r = rec(n + 1) } catch (e) { r = FAIL }\n"
      "  if (r === FAIL || r instanceof Error) { try { return WebAssembly } catch (e2) { fails++; return e2 } }\n"
      "  return r }\n"
      "export default () => { const W = rec(0), out = [fails > 0];\n"
      "  try { new W.Memory({ initial: 1, maximum: 1, shared: true }); out.push('ESCAPED') } catch (e) { out.push(e.name) }\n"
      "  try { new W.Module(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 5, 4, 1, 3, 1, 1])); out.push('ESCAPED') }"
      " catch (e) { out.push(e.name) }\n"
      "  return out.join(' ') }\n";
  assert_int_equal(run_src(NULL, deep, &o, &(dw_invocation){.args_json = "[]"}, &r), 0);
  assert_string_equal(json_string_value(json_object_get(r, "result")), "true TypeError CompileError");
  json_decref(r);

  /* A worker's module of type wasm: refused before the realm's WebAssembly is asked (a guest
   * may have replaced it by then); a module without shared memory still loads. */
  static const unsigned char decl[] = {0, 97, 115, 109, 1, 0, 0, 0, 5, 4, 1, 3, 1, 1};
  static const unsigned char plain[] = {0, 97, 115, 109, 1, 0, 0, 0, 5, 3, 1, 0, 1};
  for (int i = 0; i < 2; i++) {
    dw_code *code = dw_code_new();
    const char *main_src = "WebAssembly.Module = function () { return {} };\n"
                           "export default async () => String((await import('./m.wasm')).default)";
    assert_int_equal(dw_code_add_module(code, "main.js", main_src, strlen(main_src), DW_MODULE_AUTO), 0);
    assert_int_equal(dw_code_add_module(code, "m.wasm", i ? plain : decl,
                                        i ? sizeof plain : sizeof decl, DW_MODULE_AUTO), 0);
    dw_sandbox *sb;
    assert_int_equal(dw_sandbox_new(NULL, &o, &sb), 0);
    dw_result *res;
    int rc = dw_sandbox_run(sb, code, &(dw_invocation){.args_json = "[]"}, &res);
    json_t *j = json_loads(dw_result_json(res), 0, NULL);
    if (i) {
      assert_int_equal(rc, 0);
      assert_string_equal(json_string_value(json_object_get(j, "result")), "[object Object]");
    } else {
      assert_int_not_equal(rc, 0);
      const char *msg = json_string_value(json_object_get(json_object_get(j, "error"), "message"));
      assert_non_null(msg);
      assert_non_null(strstr(msg, "WebAssembly module 'm.wasm' refused: shared memory is not "
                                  "available in this sandbox"));
    }
    json_decref(j);
    dw_result_free(res);
    dw_sandbox_free(sb);
    dw_code_free(code);
  }
}

static int log_count;
static void count_logs(void *user, const char *level, const char *msg, size_t len) {
  log_count++;
  assert_string_equal(user, "cookie");
  if (log_count == 1) {
    assert_string_equal(level, "warn");
    assert_int_equal(len, 5);
    assert_memory_equal(msg, "hello", 5);
  }
}

static void logs_reach_the_callback_and_the_result(void **state) {
  dw_test_restore_engine_signals(state);
  dw_code *code = code1("main.js", "console.warn('hello'); for (let i = 0; i < 20000; i++) console.log(i)");
  dw_sandbox *sb;
  dw_sandbox_options o = {.limits = dw_test_limits((dw_limits){0})};
  assert_int_equal(dw_sandbox_new(NULL, &o, &sb), 0);
  log_count = 0;
  dw_sandbox_set_log_cb(sb, count_logs, "cookie");
  dw_result *r;
  assert_int_equal(dw_sandbox_run(sb, code, NULL, &r), 0);
  assert_int_equal(log_count, 20001);
  /* The result keeps at most 10,000 lines and says it cut them. */
  json_t *j = json_loads(dw_result_json(r), 0, NULL);
  json_t *logs = json_object_get(j, "logs");
  assert_int_equal(json_array_size(logs), 10001);
  assert_non_null(strstr(json_string_value(json_object_get(json_array_get(logs, 10000), "message")),
                         "logs truncated"));
  json_decref(j);
  dw_result_free(r);
  dw_sandbox_free(sb);
  dw_code_free(code);
}

static void bad_input_is_refused(void **state) {
  dw_test_restore_engine_signals(state);
  dw_code *c = dw_code_new();
  assert_int_equal(dw_code_add_module(c, "x.exe", "", 0, DW_MODULE_AUTO), DW_E_BAD_REQUEST);
  assert_int_equal(dw_code_add_module(c, "../up.js", "", 0, DW_MODULE_AUTO), DW_E_BAD_REQUEST);
  assert_int_equal(dw_code_add_module(c, "/abs.js", "", 0, DW_MODULE_AUTO), DW_E_BAD_REQUEST);
  assert_int_equal(dw_code_add_module(c, "a//b.js", "", 0, DW_MODULE_AUTO), DW_E_BAD_REQUEST);
  assert_int_equal(dw_code_add_module(c, "ok.js", "", 0, DW_MODULE_AUTO), 0);
  assert_int_equal(dw_code_add_module(c, "ok.js", "", 0, DW_MODULE_AUTO), DW_E_BAD_REQUEST);
  assert_int_equal(dw_code_set_main(c, "missing.js"), DW_E_MODULE_NOT_FOUND);
  dw_code_free(c);
  /* env over 1 MiB */
  char *big = malloc((1 << 20) + 16);
  memset(big, ' ', (1 << 20) + 8);
  big[0] = '{';
  strcpy(big + (1 << 20) + 8, "}");
  dw_sandbox_options o = {.env_json = big};
  dw_sandbox *sb = NULL;
  assert_int_equal(dw_sandbox_new(NULL, &o, &sb), DW_E_TOO_LARGE);
  assert_null(sb);
  free(big);
  /* An empty module set */
  c = dw_code_new();
  assert_int_equal(dw_sandbox_new(NULL, NULL, &sb), 0);
  dw_result *r;
  assert_int_equal(dw_sandbox_run(sb, c, NULL, &r), DW_E_BAD_REQUEST);
  dw_result_free(r);
  dw_sandbox_free(sb);
  dw_code_free(c);
}

static void *thread_main(void *arg) {
  dw_engine *e = dw_engine_new(NULL);
  for (int i = 0; i < 20; i++) {
    char src[128];
    snprintf(src, sizeof src, "export default () => %d * 2", i);
    json_t *r;
    if (run_src(e, src, NULL, &(dw_invocation){.args_json = "[]"}, &r) != 0 ||
        json_integer_value(json_object_get(r, "result")) != i * 2) {
      json_decref(r);
      dw_engine_free(e);
      return (void *)1;
    }
    json_decref(r);
  }
  dw_engine_free(e);
  return NULL;
}

/* No process-global mutable state: engines on two threads at once. */
static void two_threads(void **state) {
  dw_test_restore_engine_signals(state);
  pthread_t t[2];
  for (int i = 0; i < 2; i++) pthread_create(&t[i], NULL, thread_main, NULL);
  for (int i = 0; i < 2; i++) {
    void *rv;
    pthread_join(t[i], &rv);
    assert_null(rv);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(fetch_handler_in_process),
      cmocka_unit_test(function_with_args),
      cmocka_unit_test(shared_engine_realms_are_separate),
      cmocka_unit_test(in_process_runaways_then_a_normal_worker),
      cmocka_unit_test(wasm_is_refused_unless_the_embedder_opts_in),
      cmocka_unit_test(shared_wasm_memory_is_refused),
      cmocka_unit_test(logs_reach_the_callback_and_the_result),
      cmocka_unit_test(bad_input_is_refused),
      cmocka_unit_test(two_threads),
  };
  dw_test_save_engine_signals();
  return cmocka_run_group_tests(tests, NULL, NULL);
}

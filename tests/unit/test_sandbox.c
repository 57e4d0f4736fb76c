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
      {"({ get x() { for(;;){} } }).x", DW_E_CPU_LIMIT, {.cpu_ms = 100}},
      {"[3,1,2].sort(() => { for(;;){} })", DW_E_CPU_LIMIT, {.cpu_ms = 100}},
      {"new Proxy({}, { get() { for(;;){} } }).x", DW_E_CPU_LIMIT, {.cpu_ms = 100}},
      {"const d = '['.repeat(1e6) + ']'.repeat(1e6); for(;;) JSON.parse(d)", DW_E_CPU_LIMIT, {.cpu_ms = 100}},
      {"(function f(){ Promise.resolve().then(f) })()", DW_E_CPU_LIMIT, {.cpu_ms = 100}},
      {"setInterval(() => {}, 1)", DW_E_WALL_LIMIT, {.wall_ms = 100}},
      {"await new Promise(r => setTimeout(r, 100000))", DW_E_WALL_LIMIT, {.wall_ms = 100}},
      {"const a = []; for(;;) a.push(new Array(1e5).fill(1.5))", DW_E_MEMORY_LIMIT, {.cpu_ms = 30000, .memory_mb = 64}},
      {"let s = 'x'; for(;;) s += s", DW_E_MEMORY_LIMIT, {.cpu_ms = 30000, .memory_mb = 64}},
      {"const a = []; for(let i = 0;; i++) a.push('y'.repeat(1e6) + i)", DW_E_MEMORY_LIMIT, {.cpu_ms = 30000, .memory_mb = 64}},
      {"const m = new Map(); for(let i = 0;; i++) m.set(i, {i})", DW_E_MEMORY_LIMIT, {.cpu_ms = 30000, .memory_mb = 64}},
      {"const a = []; for(;;) a.push(new Float64Array(1e6))", DW_E_MEMORY_LIMIT, {.cpu_ms = 30000, .memory_mb = 64}},
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
      cmocka_unit_test(logs_reach_the_callback_and_the_result),
      cmocka_unit_test(bad_input_is_refused),
      cmocka_unit_test(two_threads),
  };
  dw_test_save_engine_signals();
  return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Unit tests of src/executor: one invocation in a contained child process. */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>
#include "executor/contain.h"
#include "executor/executor.h"

typedef struct {
  int n;
  char first[64];
} logs;

static void on_log(void *user, const char *level, const char *msg, size_t len) {
  logs *l = user;
  if (l->n++ == 0) snprintf(l->first, sizeof l->first, "%s:%.*s", level, (int)len, msg);
}

static dw_code *code1(const char *src) {
  dw_code *c = dw_code_new();
  assert_int_equal(dw_code_add_module(c, "w.js", src, strlen(src), DW_MODULE_AUTO), 0);
  return c;
}

static void binary_body_and_streamed_logs(void **state) {
  dw_code *code = code1("console.info('starting'); export default { fetch() { "
                        "return new Response(new Uint8Array([0, 255, 10, 0])) } }");
  dw_request req = {.url = "http://x/"};
  dw_invocation inv = {.request = &req};
  logs l = {0};
  dw__contained_job job = {.code = code, .inv = &inv, .on_log = on_log, .user = &l};
  dw__contained_result r;
  assert_int_equal(dw__contained_run(&job, &r), 0);
  assert_true(r.has_body);
  assert_int_equal(r.body_len, 4);
  assert_memory_equal(r.body, "\0\xff\n\0", 4);
  assert_int_equal(l.n, 1);
  assert_string_equal(l.first, "info:starting");
  assert_non_null(strstr(r.json, "\"bodyNotUtf8\":true"));
  dw__contained_result_free(&r);
  dw_code_free(code);
}

static void value_of_a_function(void **state) {
  dw_code *code = code1("export default (env) => ({ twice: env.n * 2 })");
  dw_invocation inv = {0};
  dw__contained_job job = {.opts = {.env_json = "{\"n\":21}"}, .code = code, .inv = &inv};
  dw__contained_result r;
  assert_int_equal(dw__contained_run(&job, &r), 0);
  assert_string_equal(r.value_json, "{\"twice\":42}");
  dw__contained_result_free(&r);
  dw_code_free(code);
}

/* What the engine cannot stop in-process: the child's monitor ends it, logs are kept. */
static void the_process_stops_what_the_engine_cannot(void **state) {
  dw_code *code = code1("console.log('before'); (async () => { for (;;) await null })()");
  logs l = {0};
  dw__contained_job job = {.opts = {.limits = {.cpu_ms = 100}}, .code = code, .on_log = on_log,
                           .user = &l};
  dw__contained_result r;
  uint64_t t0 = dw__now_ns();
  assert_int_equal(dw__contained_run(&job, &r), DW_E_CPU_LIMIT);
  assert_true(dw__now_ns() - t0 < 5000000000ull); /* ended (a bound against hangs only) */
  assert_non_null(strstr(r.json, "\"code\":\"cpu_limit_exceeded\""));
  assert_non_null(strstr(r.json, "\"message\":\"before\""));
  assert_null(r.value_json);
  dw__contained_result_free(&r);
  dw_code_free(code);
}

static void wasm_is_available_in_the_child(void **state) {
  dw_code *code = code1("export default () => typeof WebAssembly");
  dw__contained_job job = {.code = code, .inv = &(dw_invocation){.args_json = "[]"}};
  dw__contained_result r;
  assert_int_equal(dw__contained_run(&job, &r), 0);
  assert_string_equal(r.value_json, "\"object\"");
  dw__contained_result_free(&r);
  dw_code_free(code);
}

/* A required containment step that fails: no guest code runs, the reason comes back. */
static void a_failed_containment_refuses_to_run(void **state) {
  dw_code *code = code1("console.log('ran'); export default () => 1");
  logs l = {0};
  dw__contained_job job = {.code = code, .inv = &(dw_invocation){0}, .on_log = on_log,
                           .user = &l, .contain_simulate_refused = 1u << DW__CONTAIN_SECCOMP};
  dw__contained_result r;
  assert_int_equal(dw__contained_run(&job, &r), DW_E_INTERNAL);
  assert_non_null(strstr(r.json, "containment step seccomp failed"));
  assert_int_equal(l.n, 0);
  assert_null(r.value_json);
  dw__contained_result_free(&r);
  dw_code_free(code);
}

/* Optional steps the kernel refuses: the run still works (each refusal went to stderr). */
static void refused_namespaces_fall_back(void **state) {
  dw_code *code = code1("export default () => 6 * 7");
  unsigned ns = 1u << DW__CONTAIN_USER_NS | 1u << DW__CONTAIN_MOUNT_NS |
                1u << DW__CONTAIN_NET_NS | 1u << DW__CONTAIN_PID_NS;
  dw__contained_job job = {.code = code, .inv = &(dw_invocation){0},
                           .contain_simulate_refused = ns};
  dw__contained_result r;
  assert_int_equal(dw__contained_run(&job, &r), 0);
  assert_string_equal(r.value_json, "42");
  dw__contained_result_free(&r);
  dw_code_free(code);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(binary_body_and_streamed_logs),
      cmocka_unit_test(value_of_a_function),
      cmocka_unit_test(the_process_stops_what_the_engine_cannot),
      cmocka_unit_test(wasm_is_available_in_the_child),
      cmocka_unit_test(a_failed_containment_refuses_to_run),
      cmocka_unit_test(refused_namespaces_fall_back),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

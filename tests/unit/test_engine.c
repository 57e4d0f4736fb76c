/* Unit tests of src/engine: values, calls, natives, exceptions and the budget. */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>
#include "engine/engine.h"
#include "engine_signals.h"

static dw_val eval(dw__ctx *c, const char *src, dw_val *exc) {
  *exc = NULL;
  return dw__eval(c, src, strlen(src), "test.js", 1, exc);
}

static char *eval_str(dw__ctx *c, const char *src) {
  dw_val exc;
  dw_val v = eval(c, src, &exc);
  assert_non_null(v);
  return dw__to_utf8(c, v, NULL, NULL);
}

static void strings_round_trip(void **state) {
  dw_test_restore_engine_signals(state);
  dw__vm *vm = dw__vm_new(false);
  dw__ctx *c = dw__ctx_new(vm, false);
  const char in[] = "a\0b\xc3\xa9\xf0\x9f\x98\x80";
  dw_val s = dw__string(c, in, sizeof in - 1);
  size_t n;
  char *out = dw__to_utf8(c, s, &n, NULL);
  assert_int_equal(n, sizeof in - 1);
  assert_memory_equal(out, in, n);
  free(out);
  /* Invalid UTF-8 becomes U+FFFD; lone surrogates come back as U+FFFD. */
  out = dw__to_utf8(c, dw__string(c, "\xff", 1), &n, NULL);
  assert_string_equal(out, "\xEF\xBF\xBD");
  free(out);
  out = eval_str(c, "'\\uD800x'");
  assert_string_equal(out, "\xEF\xBF\xBDx");
  free(out);
  dw__ctx_free(c);
  dw__vm_free(vm);
}

static dw_val add_native(dw__ctx *c, void *data, size_t argc, const dw_val *argv, dw_val *exc) {
  int *calls = data;
  (*calls)++;
  if (argc < 2) {
    *exc = dw__make_error(c, "TypeError", "two arguments please");
    return NULL;
  }
  return dw__number(c, dw__to_number(c, argv[0]) + dw__to_number(c, argv[1]));
}

static void natives_and_exceptions(void **state) {
  dw_test_restore_engine_signals(state);
  dw__vm *vm = dw__vm_new(false);
  dw__ctx *c = dw__ctx_new(vm, false);
  int calls = 0;
  dw__set(c, dw__global(c), "add", dw__native(c, "add", add_native, &calls), NULL);
  char *s = eval_str(c, "String(add(2, 3))");
  assert_string_equal(s, "5");
  free(s);
  dw_val exc;
  assert_null(eval(c, "add(1)", &exc));
  dw__exc_info e;
  dw__exc_describe(c, exc, &e);
  assert_string_equal(e.name, "TypeError");
  assert_string_equal(e.message, "two arguments please");
  dw__exc_info_free(&e);
  assert_int_equal(calls, 2);

  assert_null(eval(c, "function f() { throw Object.assign(new RangeError('r'), {code: 'x'}) }\nf()", &exc));
  dw__exc_describe(c, exc, &e);
  assert_string_equal(e.name, "RangeError");
  assert_string_equal(e.code, "x");
  assert_non_null(strstr(e.stack, "test.js:1:"));
  dw__exc_info_free(&e);

  assert_null(eval(c, "throw 42", &exc));
  dw__exc_describe(c, exc, &e);
  assert_string_equal(e.name, "");
  assert_string_equal(e.message, "42");
  dw__exc_info_free(&e);

  assert_null(eval(c, "let x = ;", &exc));
  dw__exc_describe(c, exc, &e);
  assert_string_equal(e.name, "SyntaxError");
  if (!strstr(e.stack, "test.js:1:")) fail_msg("syntax error stack: '%s'", e.stack);
  dw__exc_info_free(&e);
  dw__ctx_free(c);
  dw__vm_free(vm);
}

static void fresh_realm_is_bare(void **state) {
  dw_test_restore_engine_signals(state);
  dw__vm *vm = dw__vm_new(false);
  dw__ctx *c = dw__ctx_new(vm, false);
  char *s = eval_str(c, "[typeof console, typeof WebAssembly, typeof SharedArrayBuffer].join()");
  assert_string_equal(s, "undefined,undefined,undefined");
  free(s);
  dw_val exc;
  assert_null(eval(c, "eval('1')", &exc));
  dw__exc_info e;
  dw__exc_describe(c, exc, &e);
  assert_string_equal(e.name, "EvalError");
  dw__exc_info_free(&e);
  assert_null(eval(c, "(function(){}).constructor('return 1')", &exc));
  dw__ctx_free(c);
  dw__vm_free(vm);

  vm = dw__vm_new(true);
  c = dw__ctx_new(vm, true);
  s = eval_str(c, "[typeof WebAssembly, eval('1+1')].join()");
  assert_string_equal(s, "object,2");
  free(s);
  dw__ctx_free(c);
  dw__vm_free(vm);
}

static int run_budget(dw__vm *vm, const char *src, uint64_t cpu_ms, uint64_t wall_ms,
                      size_t mem) {
  dw__ctx *c = dw__ctx_new(vm, false);
  dw__budget b = {.cpu_ns = cpu_ms * 1000000u, .wall_deadline_ns = dw__now_ns() + wall_ms * 1000000u,
                  .memory_bytes = mem};
  dw__vm_begin(vm, &b, c);
  dw_val exc;
  eval(c, src, &exc);
  int t = dw__vm_check(vm, c);
  dw__vm_end(vm, c);
  dw__ctx_free(c);
  return t;
}

static void budget_terminates_and_the_vm_stays_usable(void **state) {
  dw_test_restore_engine_signals(state);
  dw__vm *vm = dw__vm_new(false);
  assert_int_equal(run_budget(vm, "for(;;){}", 50, 10000, 0), DW_E_CPU_LIMIT);
  assert_int_equal(run_budget(vm, "for(;;){}", 10000, 50, 0), DW_E_WALL_LIMIT);
  assert_int_equal(run_budget(vm, "const a = []; for(;;) a.push(new Array(1e5).fill(0.5))", 10000,
                              10000, (size_t)64 << 20), DW_E_MEMORY_LIMIT);
  assert_int_equal(run_budget(vm, "(function f(){ Promise.resolve().then(f) })()", 100, 10000, 0),
                   DW_E_CPU_LIMIT);
  /* After all of that, the VM runs the next realm normally. */
  assert_int_equal(run_budget(vm, "let s = 0; for (let i = 0; i < 1000; i++) s += i", 1000, 10000,
                              (size_t)64 << 20), 0);
  dw__ctx *c = dw__ctx_new(vm, false);
  char *s = eval_str(c, "String(6 * 7)");
  assert_string_equal(s, "42");
  free(s);
  dw__ctx_free(c);
  dw__vm_free(vm);
}

/* An embedded source evaluated in many realms of one VM (from its second evaluation on, through
 * the VM's parsed script): the same result in each, fresh objects per realm, and a source with
 * a syntax error reports it every time with its place. */
static const unsigned short good_src[] = {'(', '{', 'n', ':', '1', '}', ')'};
static const unsigned short bad_src[] = {'\n', '(', '{', 'n', ':', ')'};

static void static_sources_in_many_realms(void **state) {
  dw_test_restore_engine_signals(state);
  dw__vm *vm = dw__vm_new(false);
  dw__ctx *cs[4];
  dw_val objs[4];
  for (int i = 0; i < 4; i++) {
    dw__ctx *c = cs[i] = dw__ctx_new(vm, false);
    dw_val exc = NULL;
    objs[i] = dw__eval_static(c, good_src, DW_ARRAY_LEN(good_src), "dw:good.js", 1, &exc);
    assert_non_null(objs[i]);
    assert_true(dw__to_number(c, dw__get(c, objs[i], "n", NULL)) == 1);
    dw__set(c, objs[i], "n", dw__number(c, 10 + i), NULL);
    exc = NULL;
    assert_null(dw__eval_static(c, bad_src, DW_ARRAY_LEN(bad_src), "dw:bad.js", 1, &exc));
    assert_non_null(exc);
    char *msg = dw__to_utf8(c, dw__get(c, exc, "name", NULL), NULL, NULL);
    assert_string_equal(msg, "SyntaxError");
    free(msg);
    assert_true(dw__to_number(c, dw__get(c, exc, "line", NULL)) == 2);
  }
  for (int i = 0; i < 4; i++) {
    assert_true(dw__to_number(cs[i], dw__get(cs[i], objs[i], "n", NULL)) == 10 + i);
    dw__ctx_free(cs[i]);
  }
  dw__vm_free(vm);
}

/* Static strings: one value per (address, length) in a VM, the same in every realm and
 * across collections; past the table's cap (4,096 slots, half full) they are still right,
 * made each time. */
static char static_text[6000];
static void static_strings(void **state) {
  dw_test_restore_engine_signals(state);
  for (size_t i = 0; i < sizeof static_text; i++) static_text[i] = (char)('a' + i % 26);
  dw__vm *vm = dw__vm_new(false);
  dw__ctx *a = dw__ctx_new(vm, false), *b = dw__ctx_new(vm, false);
  dw_val x = dw__string_static(a, static_text, 3), y = dw__string_static(b, static_text, 3);
  dw__vm_collect(a);
  assert_ptr_equal(x, dw__string_static(b, static_text, 3)); /* the same cell, kept */
  assert_ptr_equal(x, y);
  assert_ptr_not_equal(x, dw__string_static(a, static_text, 4));
  for (size_t i = 0; i < 3000; i++) {
    dw__ctx *c = i % 2 ? a : b;
    dw_val v = dw__string_static(c, static_text + i, 1 + i % 7);
    char *s = dw__to_utf8(c, v, NULL, NULL);
    assert_non_null(s);
    assert_int_equal(strlen(s), 1 + i % 7);
    assert_memory_equal(s, static_text + i, 1 + i % 7);
    free(s);
  }
  char *s = dw__to_utf8(a, x, NULL, NULL);
  assert_string_equal(s, "abc");
  free(s);
  dw__ctx_free(a);
  dw__ctx_free(b);
  dw__vm_free(vm);
}

/* Weak references: alive while reachable, dead after a collection that found them not; the
 * VM counts its collections. The engine also scans the C stack, which may keep an object or
 * two alive: most of the dropped ones must be dead. */
static void weak_references_see_collections(void **state) {
  dw_test_restore_engine_signals(state);
  dw__vm *vm = dw__vm_new(false);
  dw__ctx *c = dw__ctx_new(vm, false);
  enum { N = 100 };
  dw__weak *dropped[N];
  dw_val exc;
  for (int i = 0; i < N; i++) {
    dropped[i] = dw__weak_new(c, eval(c, "({ n: 1 })", &exc));
    assert_non_null(dropped[i]);
  }
  dw__weak *kept = dw__weak_new(c, eval(c, "globalThis.kept = { n: 2 }", &exc));
  assert_non_null(kept);
  assert_null(dw__weak_new(c, dw__number(c, 1))); /* not an object */
  uint64_t gcs = dw__vm_gc_count(vm);
  dw__vm_collect(c);
  assert_true(dw__vm_gc_count(vm) > gcs);
  int dead = 0;
  for (int i = 0; i < N; i++) dead += !dw__weak_alive(dropped[i]);
  if (dead < N - 5) fail_msg("only %d of %d unreachable objects were seen collected", dead, N);
  assert_true(dw__weak_alive(kept));
  for (int i = 0; i < N; i++) dw__weak_free(dropped[i]);
  dw__weak_free(kept);
  dw__ctx_free(c);
  dw__vm_free(vm);
}

/* Helpers that leave no value of realm b on the test's stack (the collector scans stacks
 * conservatively). */
static __attribute__((noinline)) dw__weak *link_realms(dw__ctx *a, dw__ctx *b) {
  dw_val exc = NULL;
  dw_val o = eval(b, "globalThis.marker = { n: 3 }", &exc);
  dw_val key = dw__key_new(a);
  assert_non_null(key);
  assert_true(dw__key_hold(a, key, o));
  assert_false(dw__key_hold(a, o, o)); /* not a key */
  dw__set(a, dw__global(a), "other", key, NULL);
  return dw__weak_new(b, dw__global(b));
}

static __attribute__((noinline)) void unlink_realms(dw__ctx *a) {
  dw__set(a, dw__global(a), "other", dw__undefined(a), NULL);
}

static __attribute__((noinline)) void scrub_stack(void) {
  volatile char junk[64 << 10];
  memset((char *)junk, 0, sizeof junk);
}

/* An unrooted realm (dw__ctx_unroot) lives exactly as long as an object of another realm
 * refers to it: kept through a collection by a key of realm a holding one of its objects
 * (dw__key_hold), gone in the first full collection after that key is dropped; a rooted
 * realm stays without any reference. The key shows JS nothing: no prototype, no property.
 * Freeing the unrooted realm's context afterwards touches nothing of it (ASan build). */
static void unrooted_realm_lives_by_references(void **state) {
  dw_test_restore_engine_signals(state);
  dw__vm *vm = dw__vm_new(false);
  dw__ctx *a = dw__ctx_new(vm, false), *b = dw__ctx_new(vm, false), *rooted = dw__ctx_new(vm, false);
  dw__weak *wb = link_realms(a, b);
  dw__weak *wr = dw__weak_new(rooted, dw__global(rooted));
  assert_non_null(wb);
  assert_non_null(wr);
  assert_false(dw__ctx_unrooted(b));
  dw__ctx_unroot(b);
  assert_true(dw__ctx_unrooted(b));
  scrub_stack();
  dw__vm_collect(a);
  assert_true(dw__weak_alive(wb)); /* a.other (a key) -> marker -> its realm */
  dw_val exc = NULL;
  dw_val seen = eval(a, "Object.getPrototypeOf(other) === null && Reflect.ownKeys(other).length === 0 &&"
                        " JSON.stringify(Object.getOwnPropertyDescriptors(other)) === '{}'", &exc);
  assert_true(seen && dw__to_bool(a, seen));
  seen = NULL;
  /* Rooted again and unrooted: the protection count is balanced both ways. */
  dw__ctx_reroot(b);
  dw__ctx_unroot(b);
  unlink_realms(a);
  scrub_stack();
  dw__vm_collect(a);
  if (dw__weak_alive(wb)) fail_msg("an unrooted realm nothing refers to survived a full collection");
  assert_true(dw__weak_alive(wr));
  dw__weak_free(wb);
  dw__weak_free(wr);
  dw__ctx_free(b);
  dw__ctx_free(rooted);
  dw__ctx_free(a);
  dw__vm_free(vm);
}

static void json_both_ways(void **state) {
  dw_test_restore_engine_signals(state);
  dw__vm *vm = dw__vm_new(false);
  dw__ctx *c = dw__ctx_new(vm, false);
  const char *src = "{\"a\":[1,\"\\u00e9\"]}";
  dw_val v = dw__json_parse(c, src, strlen(src));
  assert_non_null(v);
  char *s = dw__json_stringify(c, v, NULL, NULL);
  assert_string_equal(s, "{\"a\":[1,\"\xc3\xa9\"]}");
  free(s);
  assert_null(dw__json_parse(c, "{bad", 4));
  dw_val exc;
  dw_val cyc = eval(c, "const o = {}; o.o = o; o", &exc);
  exc = NULL;
  assert_null(dw__json_stringify(c, cyc, NULL, &exc));
  assert_non_null(exc);
  dw__ctx_free(c);
  dw__vm_free(vm);
}

static void count_finalize(void *data) { (*(int *)data)++; }

/* Handles carry C data; take detaches it; the finalizer runs for what was not taken, at the
 * latest when the VM goes away. */
static void handles(void **state) {
  dw_test_restore_engine_signals(state);
  int finalized = 0, taken = 0;
  dw__vm *vm = dw__vm_new(false);
  dw__ctx *c = dw__ctx_new(vm, false);
  dw_val h = dw__handle_new(c, &finalized, count_finalize);
  assert_non_null(h);
  assert_ptr_equal(dw__handle_data(c, h), &finalized);
  assert_null(dw__handle_data(c, dw__object(c)));
  assert_null(dw__handle_data(c, dw__number(c, 1)));
  assert_null(dw__handle_take(c, dw__string(c, "x", 1)));
  dw_val t = dw__handle_new(c, &taken, count_finalize);
  assert_ptr_equal(dw__handle_take(c, t), &taken);
  assert_null(dw__handle_data(c, t));
  dw__ctx_free(c);
  dw__vm_free(vm);
  assert_int_equal(finalized, 1);
  assert_int_equal(taken, 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(handles),
      cmocka_unit_test(strings_round_trip),
      cmocka_unit_test(natives_and_exceptions),
      cmocka_unit_test(fresh_realm_is_bare),
      cmocka_unit_test(budget_terminates_and_the_vm_stays_usable),
      cmocka_unit_test(json_both_ways),
      cmocka_unit_test(static_sources_in_many_realms),
      cmocka_unit_test(static_strings),
      cmocka_unit_test(weak_references_see_collections),
      cmocka_unit_test(unrooted_realm_lives_by_references),
  };
  dw_test_save_engine_signals();
  return cmocka_run_group_tests(tests, NULL, NULL);
}

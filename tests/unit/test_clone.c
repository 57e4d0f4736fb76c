/* Unit tests of src/engine/clone.c: structured clone round trips between realms and VMs,
 * DataCloneErrors, capabilities, caps, and malformed input. */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>
#include "engine/engine.h"
#include "engine/clone.h"
#include "engine_signals.h"

typedef struct {
  dw__vm *vm1, *vm2;
  dw__ctx *a, *b, *d; /* a and b share vm1; d is in vm2 */
} env;

static void env_open(env *e) {
  e->vm1 = dw__vm_new(false);
  e->vm2 = dw__vm_new(false);
  e->a = dw__ctx_new(e->vm1, false);
  e->b = dw__ctx_new(e->vm1, false);
  e->d = dw__ctx_new(e->vm2, false);
  assert_non_null(e->a);
  assert_non_null(e->d);
}

static void env_close(env *e) {
  dw__ctx_free(e->a);
  dw__ctx_free(e->b);
  dw__ctx_free(e->d);
  dw__vm_free(e->vm1);
  dw__vm_free(e->vm2);
}

static dw_val eval(dw__ctx *c, const char *src) {
  dw_val exc = NULL;
  dw_val v = dw__eval(c, src, strlen(src), "test.js", 1, &exc);
  if (!v) {
    dw__exc_info i;
    dw__exc_describe(c, exc, &i);
    fail_msg("eval of %s threw %s: %s", src, i.name, i.message);
  }
  return v;
}

static int encode(dw__ctx *c, const char *src, const dw__clone_caps *caps, dw_buf *out,
                  dw_val *exc) {
  dw__buf_init(out, 64 << 20);
  return dw__clone_write(c, eval(c, src), caps, out, exc);
}

/* Clones the value of `src` from realm `from` to `to`, then checks `check` (an expression
 * over `v`) is true in `to`. */
static void round_trip(dw__ctx *from, dw__ctx *to, const char *src, const char *check) {
  dw_buf b;
  dw_val exc = NULL;
  int rc = encode(from, src, NULL, &b, &exc);
  if (rc) {
    dw__exc_info i;
    dw__exc_describe(from, exc, &i);
    fail_msg("write of %s failed %d: %s", src, rc, i.message);
  }
  dw_val v = dw__clone_read(to, b.data, b.len, NULL, &exc);
  if (!v) {
    dw__exc_info i;
    dw__exc_describe(to, exc, &i);
    fail_msg("read of %s failed: %s", src, i.message);
  }
  dw__set(to, dw__global(to), "v", v, NULL);
  dw_val ok = eval(to, check);
  if (!dw__to_bool(to, ok)) fail_msg("check failed for %s: %s", src, check);
  dw__buf_free(&b);
}

static const char *const cases[][2] = {
    {"undefined", "v === undefined"},
    {"null", "v === null"},
    {"true", "v === true"},
    {"false", "v === false"},
    {"-0", "Object.is(v, -0)"},
    {"NaN", "Number.isNaN(v)"},
    {"1.5e300", "v === 1.5e300"},
    {"12345678901234567890123n", "v === 12345678901234567890123n"},
    {"-5n", "v === -5n"},
    {"'h\\u00e9llo'", "v === 'h\\u00e9llo'"},
    {"'a\\uD800b\\uDC00\\u{1F600}'", "v === 'a\\uD800b\\uDC00\\u{1F600}' && v.length === 6"},
    {"''", "v === ''"},
    {"new Boolean(false)", "typeof v === 'object' && v instanceof Boolean && v.valueOf() === false"},
    {"new Number(-0)", "v instanceof Number && Object.is(v.valueOf(), -0)"},
    {"new String('x\\uDFFF')", "v instanceof String && v.valueOf() === 'x\\uDFFF'"},
    {"Object(7n)", "typeof v === 'object' && v.valueOf() === 7n"},
    {"new Date(1234567)", "v instanceof Date && v.getTime() === 1234567"},
    {"new Date(NaN)", "v instanceof Date && Number.isNaN(v.getTime())"},
    {"/a.b/gimsuy", "v instanceof RegExp && v.source === 'a.b' && v.flags === 'gimsuy'"},
    {"/x/dv", "v instanceof RegExp && v.flags === 'dv'"},
    {"new Uint8Array([1,2,3]).buffer",
     "v instanceof ArrayBuffer && v.byteLength === 3 && new Uint8Array(v)[2] === 3"},
    {"(() => { const b = new ArrayBuffer(16); new Uint8Array(b).set([1,2,3,4,5,6,7,8]);"
     " return [new Int16Array(b, 2, 3), new Uint32Array(b, 4, 2), new DataView(b, 1, 5),"
     " new Float64Array(b, 8), new BigInt64Array(b), new Uint8ClampedArray(b, 3)]; })()",
     "v[0] instanceof Int16Array && v[0].byteOffset === 2 && v[0].length === 3 &&"
     " v[1] instanceof Uint32Array && v[1].byteOffset === 4 && v[1].length === 2 &&"
     " v[2] instanceof DataView && v[2].byteOffset === 1 && v[2].byteLength === 5 &&"
     " v[3] instanceof Float64Array && v[3].length === 1 && v[4] instanceof BigInt64Array &&"
     " v[5] instanceof Uint8ClampedArray && v.every(x => x.buffer === v[0].buffer) &&"
     " v[0].buffer.byteLength === 16 && v[2].getUint8(0) === 2 && (v[0][0] = 7, v[1].buffer"
     " === v[2].buffer)"},
    {"new Map([[1, 'a'], [{k: 1}, [2]], ['x', new Map()]])",
     "v instanceof Map && v.size === 3 && v.get(1) === 'a' && [...v.keys()][1].k === 1 &&"
     " v.get('x') instanceof Map"},
    {"new Set([1, 'a', -0, NaN])", "v instanceof Set && v.size === 4 && v.has(0) && v.has(NaN)"},
    {"(() => { const a = [1, , 3]; a.length = 10; a.x = 'y'; return a; })()",
     "Array.isArray(v) && v.length === 10 && !(1 in v) && v[2] === 3 && v.x === 'y' &&"
     " Object.keys(v).join() === '0,2,x'"},
    {"[]", "Array.isArray(v) && v.length === 0"},
    {"({b: 1, a: [2], 3: 'n', 'c d': {e: null}})",
     "Object.getPrototypeOf(v) === Object.prototype && Object.keys(v).join() === '3,b,a,c d' &&"
     " v.a[0] === 2 && v['c d'].e === null"},
    {"({get g() { return 5; }, ['__proto__']: 1})",
     "Object.getOwnPropertyDescriptor(v, 'g').value === 5 && Object.getPrototypeOf(v) ==="
     " Object.prototype && Object.getOwnPropertyDescriptor(v, '__proto__').value === 1"},
    {"Object.assign(Object.create(null), {x: 1})",
     "Object.getPrototypeOf(v) === Object.prototype && v.x === 1"},
    {"new (class K { constructor() { this.z = 1; } })()",
     "Object.getPrototypeOf(v) === Object.prototype && v.z === 1"},
    {"(() => { const o = {x: 1}; Object.defineProperty(o, 'h', {value: 2}); "
     "o[Symbol('s')] = 3; return o; })()",
     "Object.keys(v).join() === 'x' && !('h' in v) && Object.getOwnPropertySymbols(v).length === 0"},
    {"(() => { const o = {n: 1}; o.self = o; o.list = [o, o]; return o; })()",
     "v.self === v && v.list[0] === v && v.list[1] === v"},
    {"(() => { const s = {s: 1}; return [s, {t: s}, new Map([[s, s]])]; })()",
     "v[0] === v[1].t && v[2].get(v[0]) === v[0]"},
    {"(() => { const m = new Map(); m.set(m, m); const st = new Set(); st.add(st); return [m, st]; })()",
     "v[0].get(v[0]) === v[0] && v[1].has(v[1])"},
    {"new RangeError('r')",
     "v instanceof RangeError && v.message === 'r' && v.name === 'RangeError' &&"
     " v.stack.includes('test.js') && !Object.keys(v).length"},
    {"new TypeError('t', {cause: {why: 1}})",
     "v instanceof TypeError && v.cause.why === 1 && !Object.keys(v).includes('cause')"},
    {"(() => { const e = new Error('x'); e.cause = e; e.name = 'Custom'; return e; })()",
     "v instanceof Error && v.constructor === Error && v.cause === v && v.message === 'x'"},
    {"(() => { const e = new Error(); delete e.message; return e; })()",
     "v instanceof Error && !Object.prototype.hasOwnProperty.call(v, 'message')"},
    {"new (class E2 extends SyntaxError {})('s')", "v instanceof SyntaxError && v.message === 's'"},
};

static void all_types(dw__ctx *from, dw__ctx *to) {
  for (size_t i = 0; i < DW_ARRAY_LEN(cases); i++) round_trip(from, to, cases[i][0], cases[i][1]);
}

static void types_same_vm(void **state) {
  dw_test_restore_engine_signals(state);
  env e;
  env_open(&e);
  all_types(e.a, e.b);
  all_types(e.a, e.a);
  env_close(&e);
}

static void types_other_vm(void **state) {
  dw_test_restore_engine_signals(state);
  env e;
  env_open(&e);
  all_types(e.a, e.d);
  all_types(e.d, e.b);
  env_close(&e);
}

/* Replaced built-ins in the source realm do not change what is read. */
static void tampered_builtins(void **state) {
  dw_test_restore_engine_signals(state);
  env e;
  env_open(&e);
  eval(e.a, "Map.prototype.forEach = function () { throw 1; }; Object.keys = () => ['evil'];"
            "Object.getPrototypeOf = () => null; Function.prototype.call = null;"
            "Object.defineProperty(RegExp.prototype, 'flags', {get() { return 'g'; }});"
            "Object.defineProperty(Object.prototype, 'evil', {set(v) { throw 2; }});");
  round_trip(e.a, e.b, "[new Map([[1, 2]]), /x/i, {a: 1}]",
             "v[0].get(1) === 2 && v[1].flags === 'i' && Object.keys(v[2]).join() === 'a'");
  eval(e.b, "Object.defineProperty(Object.prototype, 'q', {set(v) { throw 3; }});"
            "Object.defineProperty(Array.prototype, '0', {set(v) { throw 4; }});");
  round_trip(e.a, e.b, "[{q: 1}, [5]]", "v[0].q === 1 && v[1][0] === 5");
  env_close(&e);
}

/* The private realm outlives a call (one per VM). A guest that gets hold of one of its
 * functions (a Promise species constructor receives its capability executor) must find it
 * frozen, and later clones, of this realm or another realm of the VM, unaffected. */
static void private_realm_frozen(void **state) {
  dw_test_restore_engine_signals(state);
  env e;
  env_open(&e);
  eval(e.a, "globalThis.leak = null;"
            "class P extends Promise { constructor(ex) { leak = ex; super(ex); } };"
            "globalThis.p = P.resolve(1); 0");
  dw_buf b;
  dw_val exc = NULL;
  assert_int_equal(encode(e.a, "p", NULL, &b, &exc), DW_E_BAD_REQUEST);
  dw__buf_free(&b);
  /* The executor is the private realm's; everything behind it is frozen. */
  dw_val r = eval(e.a,
      "(() => { 'use strict'; if (typeof leak !== 'function') return 'no leak: ' + typeof leak;"
      " const FP = Object.getPrototypeOf(leak), OP = Object.getPrototypeOf(FP);"
      " if (FP === Function.prototype) return 'same realm';"
      " const bad = [];"
      " try { Object.defineProperty(OP, '0', { set(v) { globalThis.stolen = v; } }); bad.push('OP'); } catch {}"
      " try { FP.call = () => 1; bad.push('call'); } catch {}"
      " try { OP.constructor.keys = () => []; bad.push('keys'); } catch {}"
      " try { leak.constructor('return 1'); bad.push('Function'); } catch {}"
      " return bad.join(',') || 'ok'; })()");
  char *s = dw__to_utf8(e.a, r, NULL, NULL);
  assert_string_equal(s, "ok");
  free(s);
  round_trip(e.a, e.b, "new Map([[1, {x: [1, 2]}]])", "v.get(1).x[1] === 2");
  round_trip(e.b, e.a, "({a: 1, b: [1, 2, 3]})", "v.b.length === 3 && globalThis.stolen === undefined");
  env_close(&e);
}

static void expect_clone_error(dw__ctx *c, const char *src, const char *needle) {
  dw_buf b;
  dw_val exc = NULL;
  int rc = encode(c, src, NULL, &b, &exc);
  if (rc != DW_E_BAD_REQUEST) fail_msg("%s: write returned %d", src, rc);
  assert_non_null(exc);
  assert_int_equal(b.len, 0);
  dw__exc_info i;
  dw__exc_describe(c, exc, &i);
  if (needle && !strstr(i.message, needle)) fail_msg("%s: message %s", src, i.message);
  if (!needle) assert_string_equal(i.name, "DataCloneError");
  dw__exc_info_free(&i);
  dw__buf_free(&b);
}

static void forbidden_kinds(void **state) {
  dw_test_restore_engine_signals(state);
  env e;
  env_open(&e);
  const char *bad[] = {"(function () {})", "() => 1", "Symbol('x')", "[Symbol.iterator]",
                       "new WeakMap()", "new WeakSet()", "new WeakRef({})",
                       "new FinalizationRegistry(() => {})", "Promise.resolve(1)",
                       "new Proxy({}, {})", "new Proxy([], {})", "({f() {}})",
                       "Object(Symbol())", "(class A {})", "new Map([[1, () => 1]])"};
  for (size_t i = 0; i < DW_ARRAY_LEN(bad); i++) expect_clone_error(e.a, bad[i], NULL);
  /* A getter that throws: that very exception comes back. */
  expect_clone_error(e.a, "({get x() { throw new TypeError('boom'); }})", "boom");
  eval(e.a, "globalThis.leaked = null; globalThis.sp = Promise.resolve(1);"
            "sp.constructor = {[Symbol.species]: function (ex) { leaked = ex; ex(() => {}, () => {}); }};");
  expect_clone_error(e.a, "sp", NULL);
  assert_true(dw__to_bool(e.a, eval(e.a, "(() => { if (!leaked) return true; const F = leaked.constructor;"
                                          " try { F('return 1'); return false; } catch (x) {}"
                                          " return true; })()")));
  /* The depth cap. */
  expect_clone_error(e.a, "(() => { let a = []; for (let i = 0; i < 200000; i++) a = [a]; return a; })()",
                     "deep");
  expect_clone_error(e.a, "(() => { let a = {}; for (let i = 0; i < 1000; i++) a = {a}; return a; })()",
                     "deep");
  round_trip(e.a, e.b, "(() => { let a = {}; for (let i = 0; i < 998; i++) a = {a}; return a; })()",
             "typeof v.a === 'object'");
  env_close(&e);
}

static void output_cap(void **state) {
  dw_test_restore_engine_signals(state);
  env e;
  env_open(&e);
  dw_buf b;
  dw__buf_init(&b, 100);
  dw__buf_puts(&b, "keep");
  dw_val exc = NULL;
  assert_int_equal(dw__clone_write(e.a, eval(e.a, "'x'.repeat(1000)"), NULL, &b, &exc), DW_E_TOO_LARGE);
  assert_int_equal(b.len, 4);
  assert_string_equal(b.data, "keep");
  dw__buf_free(&b);
  env_close(&e);
}

/* ---- Capabilities ------------------------------------------------------------------------ */

typedef struct {
  int encoded, decoded;
} capstate;

static int32_t cap_enc(void *user, dw__ctx *c, dw_val obj) {
  capstate *s = user;
  dw_val m = dw__get(c, obj, "marker", NULL);
  if (!m || !dw__is_number(c, m)) return -1;
  s->encoded++;
  return (int32_t)dw__to_number(c, m);
}

static dw_val cap_dec(void *user, dw__ctx *c, int32_t slot, dw_val *exc) {
  capstate *s = user;
  if (slot == 99) {
    *exc = dw__make_error(c, "TypeError", "no slot 99");
    return NULL;
  }
  s->decoded++;
  dw_val o = dw__object(c);
  dw__set(c, o, "slot", dw__number(c, slot), NULL);
  return o;
}

static void capabilities(void **state) {
  dw_test_restore_engine_signals(state);
  env e;
  env_open(&e);
  capstate s = {0, 0};
  dw__clone_caps caps = {&s, cap_enc, cap_dec};
  dw_buf b;
  dw_val exc = NULL;
  assert_int_equal(encode(e.a, "(() => { const w = {marker: 3, secret: 'no'}; return {w, again: w,"
                               " f: {marker: 7}, plain: {x: 1}}; })()", &caps, &b, &exc), 0);
  assert_int_equal(s.encoded, 2);
  dw_val v = dw__clone_read(e.d, b.data, b.len, &caps, &exc);
  assert_non_null(v);
  assert_int_equal(s.decoded, 2);
  dw__set(e.d, dw__global(e.d), "v", v, NULL);
  assert_true(dw__to_bool(e.d, eval(e.d, "v.w.slot === 3 && v.again === v.w && v.f.slot === 7 &&"
                                          " v.plain.x === 1 && !('secret' in v.w)")));
  /* Without a decoder, or when the decoder fails: an error. */
  assert_null(dw__clone_read(e.d, b.data, b.len, NULL, &exc));
  assert_non_null(exc);
  dw__buf_free(&b);
  assert_int_equal(encode(e.a, "[{marker: 99}]", &caps, &b, &exc), 0);
  exc = NULL;
  assert_null(dw__clone_read(e.d, b.data, b.len, &caps, &exc));
  dw__exc_info i;
  dw__exc_describe(e.d, exc, &i);
  assert_string_equal(i.message, "no slot 99");
  dw__exc_info_free(&i);
  dw__buf_free(&b);
  env_close(&e);
}

/* ---- Malformed input ---------------------------------------------------------------------- */

static const char big_value[] =
    "(() => { const b = new ArrayBuffer(8); const o = {n: -0, s: 'a\\uD800\\u00ff', z: 5n,"
    " d: new Date(5), r: /x/g, m: new Map([[1, {}]]), st: new Set([2]), v: new Int32Array(b, 4),"
    " dv: new DataView(b), e: new RangeError('m', {cause: 1}), w: [new Number(1), new String('s'),"
    " new Boolean(true), Object(1n)], sparse: [, 1], u: undefined, nl: null, t: true, f: false,"
    " big: 'x'.repeat(300)}; o.o = o; return o; })()";

static void expect_read_error(dw__ctx *c, const void *p, size_t n) {
  dw_val exc = NULL;
  dw_val v = dw__clone_read(c, p, n, NULL, &exc);
  assert_null(v);
  assert_non_null(exc);
}

static void truncated_and_corrupt(void **state) {
  dw_test_restore_engine_signals(state);
  env e;
  env_open(&e);
  dw_buf b;
  dw_val exc = NULL;
  assert_int_equal(encode(e.a, big_value, NULL, &b, &exc), 0);
  assert_non_null(dw__clone_read(e.b, b.data, b.len, NULL, &exc));
  for (size_t n = 0; n < b.len; n++) expect_read_error(e.b, b.data, n);
  /* Trailing garbage, a wrong version. */
  char *more = malloc(b.len + 1);
  memcpy(more, b.data, b.len);
  more[b.len] = '_';
  expect_read_error(e.b, more, b.len + 1);
  more[0] = 2;
  expect_read_error(e.b, more, b.len);
  /* Every single-byte change: an error or a value, never a crash. */
  for (size_t k = 1; k < b.len; k++) {
    memcpy(more, b.data, b.len);
    more[k] ^= (char)(0x41 + k % 7);
    dw__clone_read(e.b, more, b.len, NULL, &exc);
  }
  free(more);
  dw__buf_free(&b);
  env_close(&e);
}

static void random_and_huge(void **state) {
  dw_test_restore_engine_signals(state);
  env e;
  env_open(&e);
  uint64_t x = 88172645463325252ULL;
  unsigned char buf[64];
  for (int it = 0; it < 20000; it++) {
    size_t n = 1 + (size_t)(x % sizeof buf);
    for (size_t i = 0; i < n; i++) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      buf[i] = (unsigned char)x;
    }
    buf[0] = DW__CLONE_VERSION;
    if (it & 1) buf[1] = (unsigned char)"oAMEBVS!XZ"[x % 10];
    dw_val exc = NULL;
    dw__clone_read(e.a, buf, n, NULL, &exc);
  }
  /* Claimed lengths far beyond the input. */
  const unsigned char huge[][13] = {
      {1, 'S', 0xfe, 0xff, 0xff, 0xff, 0x0f},      /* 2^31 UTF-16 units */
      {1, 'B', 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}, /* 2^35-byte ArrayBuffer */
      {1, 'o', 0xff, 0xff, 0xff, 0xff, 0x0f},       /* 2^32 properties */
      {1, 'M', 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01}, /* varint overflow */
      {1, 'A', 0xff, 0xff, 0xff, 0xff, 0x0f, 0},    /* length 2^32-1, no entries: a value */
      {1, 'R', 0},                                  /* reference to nothing */
      {1, 'V', 3, 'R', 0, 0, 0},                    /* view whose buffer is itself */
      {1, 'Z', 2, '-'},                             /* bad bigint */
  };
  for (size_t i = 0; i < DW_ARRAY_LEN(huge); i++) {
    dw_val exc = NULL;
    dw_val v = dw__clone_read(e.a, huge[i], sizeof huge[i], NULL, &exc);
    if (v) fail_msg("huge case %zu was read", i);
  }
  dw_val exc = NULL;
  dw_val v = dw__clone_read(e.a, huge[4], 8, NULL, &exc);
  assert_non_null(v);
  assert_int_equal((uint64_t)dw__to_number(e.a, dw__get(e.a, v, "length", NULL)), 4294967295ULL);
  /* A depth bomb in the input. */
  size_t levels = 200000, n = 1 + levels * 5 + 1;
  unsigned char *deep = malloc(n);
  deep[0] = 1;
  for (size_t i = 0; i < levels; i++) /* [[[...]]]: length 1, one entry, key "0" */
    memcpy(deep + 1 + 5 * i, "A\x01\x01\x03" "0", 5);
  deep[n - 1] = '0';
  expect_read_error(e.a, deep, n);
  free(deep);
  env_close(&e);
}

int main(void) {
  dw_test_save_engine_signals();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(types_same_vm),        cmocka_unit_test(types_other_vm),
      cmocka_unit_test(tampered_builtins),    cmocka_unit_test(forbidden_kinds),
      cmocka_unit_test(output_cap),           cmocka_unit_test(capabilities),
      cmocka_unit_test(truncated_and_corrupt), cmocka_unit_test(random_and_huge),
      cmocka_unit_test(private_realm_frozen),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

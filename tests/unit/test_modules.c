/* Unit tests of src/modules: the ES module / TypeScript / CommonJS transform, checked on its
 * output text. Semantic tests (the linker, in node) are in tests/modules/run_node.mjs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "modules/transform.h"
#include "util/util.h"

static size_t count_nl(const char *s, size_t n) {
  size_t k = 0;
  for (size_t i = 0; i < n; i++) k += s[i] == '\n';
  return k;
}

/* Transforms src; on success checks that lines are preserved and returns the body (the text
 * after "yield;" without the closing "\n})"), else NULL. Caller frees. */
static char *body_of(const char *src, dw_module_type kind, int *rc_out, dw_transform_out *keep) {
  dw_transform_out out;
  size_t n = strlen(src);
  int rc = dw__transform(src, n, kind, &out);
  char *body = NULL;
  if (rc_out) *rc_out = rc;
  if (rc == 0) {
    assert_int_equal(count_nl(out.script, out.script_len), count_nl(src, n) + 1);
    const char *y = strstr(out.script, "yield;");
    assert_non_null(y);
    y += 6;
    size_t len = out.script_len - (size_t)(y - out.script) - 3;
    body = dw__strndup(y, len);
  }
  if (keep) *keep = out;
  else dw__transform_out_free(&out);
  return body;
}

#define EXPECT_BODY(kind, src, want)                        \
  do {                                                      \
    char *b_ = body_of(src, kind, NULL, NULL);              \
    assert_non_null(b_);                                    \
    assert_string_equal(b_, want);                          \
    free(b_);                                               \
  } while (0)

#define IMP "import { b } from \"m\";"
#define IMPB "                      " /* the import, blanked */

static void test_passthrough(void **state) {
  (void)state;
  EXPECT_BODY(DW_MODULE_ESM, "let a = 1;\nfoo(a);", "let a = 1;\nfoo(a);");
  EXPECT_BODY(DW_MODULE_ESM, "", "");
}

static void test_regex_division(void **state) {
  (void)state;
  EXPECT_BODY(DW_MODULE_ESM, IMP "x = /b/g.test(b) / b / 2;",
              IMPB "x = /b/g.test(__dw_i0.b) / __dw_i0.b / 2;");
  EXPECT_BODY(DW_MODULE_ESM, IMP "if (b) /b[/]b/.test(b);",
              IMPB "if (__dw_i0.b) /b[/]b/.test(__dw_i0.b);");
  EXPECT_BODY(DW_MODULE_ESM, IMP "x = a++ / b; y = (b) / 2; z = [b] / b;",
              IMPB "x = a++ / __dw_i0.b; y = (__dw_i0.b) / 2; z = [__dw_i0.b] / __dw_i0.b;");
  EXPECT_BODY(DW_MODULE_ESM, IMP "function f(){ return /b/ }\n{ } /b/.x(b)",
              IMPB "function f(){ return /b/ }\n{ } /b/.x(__dw_i0.b)");
  EXPECT_BODY(DW_MODULE_ESM, IMP "x = typeof /b/; y = {} / b;",
              IMPB "x = typeof /b/; y = {} / __dw_i0.b;");
}

static void test_templates_comments_strings(void **state) {
  (void)state;
  EXPECT_BODY(DW_MODULE_ESM, IMP "t = `b${ `b${b}` }c${ {b}.b }${b}`;",
              IMPB "t = `b${ `b${__dw_i0.b}` }c${ {b:__dw_i0.b}.b }${__dw_i0.b}`;");
  EXPECT_BODY(DW_MODULE_ESM, IMP "// b\n/* b\n b */ 'b'; \"b\"; b",
              IMPB "// b\n/* b\n b */ 'b'; \"b\"; __dw_i0.b");
  EXPECT_BODY(DW_MODULE_ESM, IMP "f`b${b}`; b`x`;", IMPB "f`b${__dw_i0.b}`; (0,__dw_i0.b)`x`;");
}

static void test_asi_blocks(void **state) {
  (void)state;
  EXPECT_BODY(DW_MODULE_ESM, IMP "let x = 1\n{ let b = 2; b }\nb",
              IMPB "let x = 1\n{ let b = 2; b }\n__dw_i0.b");
  EXPECT_BODY(DW_MODULE_ESM, IMP "x = { b }\n{ b }", IMPB "x = { b:__dw_i0.b }\n{ __dw_i0.b }");
  EXPECT_BODY(DW_MODULE_ESM, IMP "a: { break a; } b: for (;;) { continue b; }",
              IMPB "a: { break a; } b: for (;;) { continue b; }");
  EXPECT_BODY(DW_MODULE_ESM, IMP "x = c ? b : { b: b };", IMPB "x = c ? __dw_i0.b : { b: __dw_i0.b };");
  EXPECT_BODY(DW_MODULE_ESM, IMP "switch (b) { case b: { let b; } default: b; }",
              IMPB "switch (__dw_i0.b) { case __dw_i0.b: { let b; } default: __dw_i0.b; }");
}

static void test_shadowing(void **state) {
  (void)state;
  EXPECT_BODY(DW_MODULE_ESM, IMP "function f(a, {b}, [c = b]) { return b; }",
              IMPB "function f(a, {b}, [c = b]) { return b; }");
  EXPECT_BODY(DW_MODULE_ESM, IMP "f((x = b) => x, b => b, async (b) => b, (b));",
              IMPB "f((x = __dw_i0.b) => x, b => b, async (b) => b, (__dw_i0.b));");
  EXPECT_BODY(DW_MODULE_ESM, IMP "g(a => a, b);", IMPB "g(a => a, __dw_i0.b);");
  EXPECT_BODY(DW_MODULE_ESM, IMP "function f() { g(b); var b; } b;",
              IMPB "function f() { g(b); var b; } __dw_i0.b;");
  EXPECT_BODY(DW_MODULE_ESM, IMP "{ class b {} } (class b { m() { b; } }); b;",
              IMPB "{ class b {} } (class b { m() { b; } }); __dw_i0.b;");
  EXPECT_BODY(DW_MODULE_ESM, IMP "try {} catch ({ b }) { b } b;", IMPB "try {} catch ({ b }) { b } __dw_i0.b;");
  /* an optional catch binding must not leave a pending catch head behind */
  EXPECT_BODY(DW_MODULE_ESM, IMP "try {} catch { } const f = async (b) => { for (const c of b) {} return b; }; b;",
              IMPB "try {} catch { } const f = async (b) => { for (const c of b) {} return b; }; __dw_i0.b;");
  EXPECT_BODY(DW_MODULE_ESM, IMP "for (let b = 0; b < 1; b++) {} b;",
              IMPB "for (let b = 0; b < 1; b++) {} __dw_i0.b;");
  EXPECT_BODY(DW_MODULE_ESM, IMP "x.b; x?.b; ({ b: 1, b() {}, get b() {}, [b]: 1 }); class C { b = b; static b() {} }",
              IMPB "x.b; x?.b; ({ b: 1, b() {}, get b() {}, [__dw_i0.b]: 1 }); class C { b = __dw_i0.b; static b() {} }");
  EXPECT_BODY(DW_MODULE_ESM, IMP "const { a = b, ...c } = o; let [d, ...e] = b;",
              IMPB "const { a = __dw_i0.b, ...c } = o; let [d, ...e] = __dw_i0.b;");
  EXPECT_BODY(DW_MODULE_ESM, IMP "new b(); b?.(); b.c();",
              IMPB "new (0,__dw_i0.b)(); (0,__dw_i0.b)?.(); __dw_i0.b.c();");
}

static void test_import_forms(void **state) {
  (void)state;
  dw_transform_out o;
  const char *src = "import d, * as ns from './a.js';\nimport {x as y, \"s p\" as z} from \"./b.js\" with { type: \"json\" };\nimport './c.js';\nexport * from './d.js';\nd(y, z, ns);\n";
  int rc = dw__transform(src, strlen(src), DW_MODULE_ESM, &o);
  assert_int_equal(rc, 0);
  assert_non_null(strstr(o.script, "const __dw_i0=__dw_m.i(\"./a.js\",[\"default\"]);"));
  assert_non_null(strstr(o.script, "const __dw_i1=__dw_m.i(\"./b.js\",[\"x\",\"s p\"]);"));
  assert_non_null(strstr(o.script, "const __dw_i2=__dw_m.i(\"./c.js\",[]);"));
  assert_non_null(strstr(o.script, "const ns=__dw_i0;"));
  assert_non_null(strstr(o.script, "__dw_m.s(__dw_i3);"));
  assert_non_null(strstr(o.script, "(0,__dw_i0.default)(__dw_i1.x, __dw_i1[\"s p\"], ns);"));
  dw__transform_out_free(&o);
  EXPECT_BODY(DW_MODULE_ESM, "x = import('./a.js'); y = import.meta.url;",
              "x = __dw_m.d('./a.js'); y = __dw_m.meta.url;");
}

static void test_export_forms(void **state) {
  (void)state;
  dw_transform_out o;
  const char *src = "export const {a, b: [c], ...d} = o;\nexport function f() {}\nexport async function g() {}\n"
                    "export class K {}\nexport { a as \"x y\", f as default2 };\nexport { q as r } from './q.js';\n"
                    "export * as all from './q.js';\nexport default 1 + 2;\n";
  int rc = dw__transform(src, strlen(src), DW_MODULE_ESM, &o);
  assert_int_equal(rc, 0);
  assert_non_null(strstr(o.script, "__dw_m.e({\"a\":()=>a,\"c\":()=>c,\"d\":()=>d,\"f\":()=>f,\"g\":()=>g,\"K\":()=>K,\"x y\":()=>a,\"default2\":()=>f,\"r\":()=>__dw_i0.q,\"all\":()=>__dw_i0,\"default\":()=>__dw_default});"));
  assert_non_null(strstr(o.script, "const __dw_i0=__dw_m.i(\"./q.js\",[\"q\"]);"));
  assert_non_null(strstr(o.script, "const __dw_default= 1 + 2;"));
  assert_non_null(strstr(o.script, "yield;       const {a, b: [c], ...d} = o;"));
  assert_non_null(strstr(o.script, "\n       async function g() {}"));
  dw__transform_out_free(&o);
  EXPECT_BODY(DW_MODULE_ESM, "export default function () {}", "               function  __dw_default() {}");
  EXPECT_BODY(DW_MODULE_ESM, "export default async function* () {}", "               async function*  __dw_default() {}");
  EXPECT_BODY(DW_MODULE_ESM, "export default class extends B {}",
              "               class __dw_default extends B {static{if(this.name===\"__dw_default\")Object.defineProperty(this,\"name\",{value:\"default\"})}}");
  EXPECT_BODY(DW_MODULE_ESM, "export default (a) => a;", "const __dw_default= (a) => a;");
}

/* DW__TRANSFORM_PLAIN: a simple module (no import, re-export or import()) without top-level
 * await becomes a plain function, prologue then body, no yield; any other stays a generator
 * (a simple one with top-level await an async one, which runtime.js runs without the linker). */
static void test_plain(void **state) {
  (void)state;
  static const struct {
    const char *src;
    bool simple, plain;
    const char *head;
  } cases[] = {
      {"export default () => 1;", true, true, "(function(__dw_m){\"use strict\";__dw_m.e({"},
      {"const x = import.meta.url; export { x };", true, true, "(function(__dw_m){"},
      {"import a from './a.js'; export default a;", false, false, "(function*(__dw_m){"},
      {"export * from './a.js';", false, false, "(function*(__dw_m){"},
      {"export default () => import('./a.js');", false, false, "(function*(__dw_m){"},
      {"await 1; export default 2;", true, false, "(async function*(__dw_m){"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    dw_transform_out o;
    assert_int_equal(dw__transform_ex(cases[i].src, strlen(cases[i].src), DW_MODULE_ESM,
                                      DW__TRANSFORM_PLAIN, &o), 0);
    assert_int_equal(o.simple, cases[i].simple);
    assert_int_equal(o.plain, cases[i].plain);
    assert_memory_equal(o.script, cases[i].head, strlen(cases[i].head));
    assert_int_equal(strstr(o.script, "yield;") != NULL, !cases[i].plain);
    dw__transform_out_free(&o);
    /* without the flag, always the generator */
    assert_int_equal(dw__transform(cases[i].src, strlen(cases[i].src), DW_MODULE_ESM, &o), 0);
    assert_false(o.plain);
    assert_null(strstr(o.script, "(function(__dw_m)"));
    dw__transform_out_free(&o);
  }
}

static void test_tla(void **state) {
  (void)state;
  dw_transform_out o;
  int rc = dw__transform("await x;", 8, DW_MODULE_ESM, &o);
  assert_int_equal(rc, 0);
  assert_true(o.has_tla);
  assert_memory_equal(o.script, "(async function*(__dw_m){", 25);
  dw__transform_out_free(&o);
  const char *s2 = "async function f() { await x; } const g = async () => await y; class A { async m() { await z } }";
  rc = dw__transform(s2, strlen(s2), DW_MODULE_ESM, &o);
  assert_int_equal(rc, 0);
  assert_false(o.has_tla);
  dw__transform_out_free(&o);
  rc = dw__transform("for await (const x of y) {}", 27, DW_MODULE_ESM, &o);
  assert_int_equal(rc, 0);
  assert_true(o.has_tla);
  dw__transform_out_free(&o);
}

static void test_syntax_errors(void **state) {
  (void)state;
  static const struct {
    const char *src;
    const char *msg;
    int line, col;
  } cases[] = {
    {"import { a from 'x';", "Expected ',' or '}' in import list", 1, 12},
    {"\nimport a;", "Expected 'from' and a module specifier", 2, 9},
    {"export { 'x' };\n", NULL, 0, 0},
    {"import { a } from 'x';\nconst a = 1;", "Identifier 'a' has already been declared (it is imported)", 1, 10},
    {"import {a} from 'x'; import {a} from 'y';", "Identifier 'a' has already been declared", 1, 30},
    {"if (x) { import 'y'; }", "An import declaration can only be used at the top level of a module", 1, 10},
    {"  }", "Unexpected token '}'", 1, 3},
    {"f(", "Unexpected end of input: '(' is never closed", 1, 2},
    {"yield x", "Unexpected 'yield' at the top level of a module", 1, 1},
    {"return", "Return statements are only valid inside functions", 1, 1},
    {"export default 1; export { a as default }; let a;", "Duplicate export of 'default'", 1, 1},
  };
  for (size_t i = 0; i < DW_ARRAY_LEN(cases); i++) {
    dw_transform_out o;
    int rc = dw__transform(cases[i].src, strlen(cases[i].src), DW_MODULE_ESM, &o);
    if (!cases[i].msg) {
      assert_int_not_equal(rc, 0);
    } else {
      assert_int_equal(rc, DW_E_SYNTAX);
      assert_string_equal(o.error_msg, cases[i].msg);
      assert_int_equal(o.error_line, cases[i].line);
      assert_int_equal(o.error_col, cases[i].col);
    }
    dw__transform_out_free(&o);
  }
}

static void test_ts(void **state) {
  (void)state;
  EXPECT_BODY(DW_MODULE_TS, "let x: number = 1, y!: string;", "let x         = 1, y         ;");
  EXPECT_BODY(DW_MODULE_TS, "function f<T>(this: W, a?: T, b: A<B<C>>= d): void {}",
              "function f   (         a    , b         = d)       {}");
  EXPECT_BODY(DW_MODULE_TS, "const g = async (a: T): Promise<R> => a as any satisfies X;",
              "const g = async (a   )             => a                   ;");
  EXPECT_BODY(DW_MODULE_TS, "f<T>(x!); new Map<string, number>(); a = b < c; d = e > (f);",
              "f   (x ); new Map                (); a = b < c; d = e > (f);");
  EXPECT_BODY(DW_MODULE_TS, "type A =\n  | { k: 1 }\n  | B;\ninterface I {\n  a: string;\n}\nx;",
              "        \n            \n      \n             \n            \n \nx;");
  EXPECT_BODY(DW_MODULE_TS, "declare const z: number;\ndeclare module 'm' { }\nabstract class Q {}",
              "                        \n                      \n         class Q {}");
  EXPECT_BODY(DW_MODULE_TS, "class A<T> extends B<T> implements C, D<E> { private readonly x?: T; static y: Q = 1; [k: string]: any; m(): void; m(a?: T) {} }",
              "class A    extends B                       {                  x    ; static y    = 1;                              m(a    ) {} }");
  EXPECT_BODY(DW_MODULE_TS, "enum E { A, B = 5, C, D = \"d\" }",
              "var E;(function(E){ E[E[\"A\"]=0]=\"A\";  E[E[\"B\"]= 5]=\"B\"; E[E[\"C\"]=6]=\"C\";  E[\"D\"]= \"d\" ;})(E||(E={}));");
  EXPECT_BODY(DW_MODULE_TS, "class P extends Q { constructor(public a: number, b: T) { super(a); f(); } }",
              "class P extends Q { constructor(       a        , b   ) { super(a);this.a=a;; f(); } }");
  EXPECT_BODY(DW_MODULE_TS, "import type { T } from 'a'; import { type U, V } from 'b'; import { W } from 'c'; let w: W; V();",
              "                                                                                  let w   ; (0,__dw_i1.V)();");
  EXPECT_BODY(DW_MODULE_TS, "export type { T }; export interface I {} type L = 1; export { L, v }; const v = 1;",
              "                                                                      const v = 1;");
  int rc;
  char *b = body_of("namespace N {}", DW_MODULE_TS, &rc, NULL);
  assert_null(b);
  assert_int_equal(rc, DW_E_SYNTAX);
  b = body_of("x = <T>y;", DW_MODULE_TS, &rc, NULL);
  assert_null(b);
  assert_int_equal(rc, DW_E_SYNTAX);
  EXPECT_BODY(DW_MODULE_TS, "const id = <T,>(x: T) => x; module.exports = 1;", "const id =     (x   ) => x; module.exports = 1;");
}

static void test_cjs(void **state) {
  (void)state;
  dw_transform_out o;
  int rc = dw__transform("#!/bin/node\nexports.a = 1;", 26, DW_MODULE_CJS, &o);
  assert_int_equal(rc, 0);
  assert_string_equal(o.script, "(function(exports,require,module,__filename,__dirname){           \nexports.a = 1;\n})");
  dw__transform_out_free(&o);
  rc = dw__transform("x", 1, DW_MODULE_JSON, &o);
  assert_int_equal(rc, DW_E_BAD_REQUEST);
  dw__transform_out_free(&o);
}

static void test_lines_preserved(void **state) {
  (void)state;
  const char *src = "#!/usr/bin/env node\nimport {\n  a,\n  b as c\n} from './x.js';\nexport {\n a\n};\n"
                    "export default\nfunction () {}\nconst s = 'a\\\nb';\n`t\n${c}\n`;\n";
  char *b = body_of(src, DW_MODULE_ESM, NULL, NULL); /* body_of checks the line count */
  assert_non_null(b);
  assert_non_null(strstr(b, "\n`t\n${__dw_i0.b}\n`;"));
  free(b);
  b = body_of("import a from 'x';\r\nexport const q = a;\u2028a;", DW_MODULE_ESM, NULL, NULL);
  assert_non_null(b);
  assert_string_equal(b, "                  \r\n       const q = __dw_i0.default;\u2028__dw_i0.default;");
  free(b);
}

static void hostile_one(const char *src, size_t n, bool must_fail) {
  for (int k = 0; k < 3; k++) {
    dw_module_type kind = k == 0 ? DW_MODULE_ESM : k == 1 ? DW_MODULE_TS : DW_MODULE_CJS;
    dw_transform_out o;
    int rc = dw__transform(src, n, kind, &o);
    if (rc == 0) assert_non_null(o.script);
    if (must_fail && kind != DW_MODULE_CJS) assert_int_not_equal(rc, 0);
    if (rc == DW_E_SYNTAX) assert_non_null(o.error_msg);
    dw__transform_out_free(&o);
  }
}

static void test_hostile(void **state) {
  (void)state;
  static const char *const bad[] = {"'abc", "`abc${", "`a${`b${", "/* x", "/abc", "a = \"\\",
                                    "import", "export", "import {", "export {", "import * as",
                                    "export default", "class", "function", "(", "{", "[", "x = {a:",
                                    "enum", "type X = ", "<", "a<", "f(a:", "#", "#!"};
  for (size_t i = 0; i < DW_ARRAY_LEN(bad); i++) hostile_one(bad[i], strlen(bad[i]), false);
  /* deep nesting */
  size_t n = 100000;
  char *s = malloc(n + 1);
  assert_non_null(s);
  const char *openers = "([{";
  for (int k = 0; k < 3; k++) {
    memset(s, openers[k], n);
    hostile_one(s, n, true);
  }
  for (size_t i = 0; i < n; i += 3) memcpy(s + i, "`${", DW_MIN(3, n - i));
  hostile_one(s, n, true);
  for (size_t i = 0; i < n; i += 2) memcpy(s + i, "x<", DW_MIN(2, n - i));
  hostile_one(s, n, false);
  for (size_t i = 0; i < n; i++) s[i] = (char)(i * 2654435761u >> 13); /* random bytes, NULs */
  hostile_one(s, n, false);
  memset(s, 0, n);
  hostile_one(s, n, false);
  free(s);
  /* output amplification is capped: a long imported name, referenced a million times */
  n = 2000000;
  s = malloc(n + 1);
  assert_non_null(s);
  memset(s, ' ', n);
  const char *head = "import {aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa as b} from 'x';";
  memcpy(s, head, strlen(head));
  for (size_t i = strlen(head); i + 2 <= n; i += 2) memcpy(s + i, "b;", 2);
  dw_transform_out o;
  int rc = dw__transform(s, n, DW_MODULE_ESM, &o);
  assert_int_equal(rc, DW_E_TOO_LARGE);
  dw__transform_out_free(&o);
  free(s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_passthrough),       cmocka_unit_test(test_regex_division),
    cmocka_unit_test(test_templates_comments_strings), cmocka_unit_test(test_asi_blocks),
    cmocka_unit_test(test_shadowing),         cmocka_unit_test(test_import_forms),
    cmocka_unit_test(test_export_forms),      cmocka_unit_test(test_tla),
    cmocka_unit_test(test_plain),
    cmocka_unit_test(test_syntax_errors),     cmocka_unit_test(test_ts),
    cmocka_unit_test(test_cjs),               cmocka_unit_test(test_lines_preserved),
    cmocka_unit_test(test_hostile),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

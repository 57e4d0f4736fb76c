/* Unit tests of src/mcp/source: the shapes of code a model sends, wrapped into the module
 * Code Mode runs, and run for real in a sandbox (the result, and line numbers in stacks equal
 * to the model's own lines). */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>
#include "mcp/source.h"
#include "slow.h"

static const char *const names[] = {"data", "search"};

/* Wraps `code`, runs it in a fresh sandbox with env {"data": {"n": 41, "list": [1,2,3]}},
 * returns the result JSON (static buffer) and the shape. */
static const char *run(const char *code, const char *lang, dw__src_shape *shape) {
  static char res[8192];
  dw__src_module m;
  char why[256] = "";
  int rc = dw__src_wrap(code, strlen(code), lang, names, 2, &m, why, sizeof why);
  if (rc) fail_msg("wrap failed: %d %s for:\n%s", rc, why, code);
  if (shape) *shape = m.shape;
  /* The wrapper adds no line before the model's first: same line count plus the tail. */
  dw_code *c = dw_code_new();
  assert_non_null(c);
  assert_int_equal(dw_code_add_module(c, m.name, m.text, m.len, DW_MODULE_AUTO), 0);
  dw_sandbox_options o = {.env_json = "{\"data\":{\"n\":41,\"list\":[1,2,3]},\"search\":{}}",
                          .limits = dw_test_limits((dw_limits){.cpu_ms = 2000, .wall_ms = 5000})};
  dw_sandbox *sb;
  assert_int_equal(dw_sandbox_new(NULL, &o, &sb), 0);
  dw_result *r = NULL;
  dw_sandbox_run(sb, c, NULL, &r);
  assert_non_null(r);
  snprintf(res, sizeof res, "%s", dw_result_json(r));
  dw_result_free(r);
  dw_sandbox_free(sb);
  dw_code_free(c);
  dw__src_module_free(&m);
  return res;
}

#define RESULT(code, lang, want, want_shape) do { dw__src_shape sh_; const char *r_ = run(code, lang, &sh_); \
    if (!strstr(r_, "\"result\":" want)) fail_msg("code:\n%s\nresult: %s\nwanted result %s", code, r_, want); \
    if (sh_ != (want_shape)) fail_msg("code:\n%s\nshape %d, wanted %d", code, sh_, want_shape); } while (0)

static void test_shapes(void **st) {
  (void)st;
  RESULT("1 + 1", NULL, "2", DW__SRC_LAST_EXPR);
  RESULT("data.n + 1", NULL, "42", DW__SRC_LAST_EXPR);
  RESULT("const x = data.n;\nx + 1;", NULL, "42", DW__SRC_LAST_EXPR);
  RESULT("const x = data.n\nx + 1\n// a trailing comment", NULL, "42", DW__SRC_LAST_EXPR);
  RESULT("return data.n + 1;", NULL, "42", DW__SRC_BODY);
  RESULT("const a = 1;\nif (a) {\n  return 'yes';\n}\nreturn 'no';", NULL, "\"yes\"", DW__SRC_BODY);
  RESULT("async () => { return data.n + 1; }", NULL, "42", DW__SRC_FUNCTION);
  RESULT("async () => data.n + 1;", NULL, "42", DW__SRC_FUNCTION);
  RESULT("async (env) => env.data.list.length", NULL, "3", DW__SRC_FUNCTION);
  RESULT("env => env.data.n", NULL, "41", DW__SRC_FUNCTION);
  RESULT("async function main() {\n  return data.list.map(x => x * 2);\n}", NULL, "[2,4,6]", DW__SRC_FUNCTION);
  RESULT("function () { return 7 }", NULL, "7", DW__SRC_FUNCTION);
  RESULT("async function main() { return 5 }\nawait main()", NULL, "5", DW__SRC_LAST_EXPR);
  RESULT("(async () => 9)()", NULL, "9", DW__SRC_LAST_EXPR);
  RESULT("async (): Promise<number> => { return 3 }", NULL, "3", DW__SRC_FUNCTION);
  RESULT("const xs: number[] = data.list;\nconst total: number = xs.reduce((a: number, b: number) => a + b, 0);\ntotal",
         NULL, "6", DW__SRC_LAST_EXPR);
  RESULT("interface P { x: number }\nconst p: P = { x: 1 };\np.x", "typescript", "1", DW__SRC_LAST_EXPR);
  RESULT("let s = 0\nfor (const v of data.list) s += v\ns", NULL, "6", DW__SRC_LAST_EXPR);
  RESULT("const o = { a: 1 }\no", NULL, "{\"a\":1}", DW__SRC_LAST_EXPR);
  RESULT("const x = 1\nconst y = {\n  a: x,\n}\n", NULL, "null", DW__SRC_BODY);
  RESULT("let a = 2\na\n  * 3", NULL, "6", DW__SRC_LAST_EXPR);
  /* `(...)` alone on the last line is the value returned, not a call of the line before. */
  RESULT("const a = 1\nconst b = [a]\n({ a, b })", NULL, "{\"a\":1,\"b\":[1]}", DW__SRC_LAST_EXPR);
  RESULT("const f = (x: number) => x\nf\n(5)\nconst z = 1\nz", NULL, "1", DW__SRC_LAST_EXPR);
  /* The price: a call split over lines at the very end is read as two statements. */
  RESULT("const f = (x: number) => x + 1\nf\n(5)", NULL, "5", DW__SRC_LAST_EXPR);
  RESULT("const t = `a${`b${data.n}`}c`\nt", NULL, "\"ab41c\"", DW__SRC_LAST_EXPR);
  RESULT("const r = /}\\/{/.test('}/{')\nr", NULL, "true", DW__SRC_LAST_EXPR);
  RESULT("const s = '}; return 1; {'\ns.length", NULL, "14", DW__SRC_LAST_EXPR);
  RESULT("if (data.n > 1)\n  console.log('big')\nelse\n  console.log('small')\n'done'", NULL,
         "\"done\"", DW__SRC_LAST_EXPR);
  RESULT("let f = 0\ntry { throw new Error('x') } catch (e) { f = 1 }\nfinally { f++ }\nf", "js", "2", DW__SRC_LAST_EXPR);
  RESULT("const res = await Promise.all([1, 2].map(async v => v * 10))\nres", NULL, "[10,20]", DW__SRC_LAST_EXPR);
  /* A var named like a namespace shadows it without a redeclaration error. */
  RESULT("var data = 5\ndata", NULL, "5", DW__SRC_LAST_EXPR);
  RESULT("const search = 'mine';\nsearch", NULL, "\"mine\"", DW__SRC_LAST_EXPR);
}

static void test_fences(void **st) {
  (void)st;
  RESULT("```ts\nconst n: number = data.n\nn + 1\n```", NULL, "42", DW__SRC_LAST_EXPR);
  RESULT("```typescript\nreturn 1\n```\n", NULL, "1", DW__SRC_BODY);
  RESULT("```js\nasync () => 2\n```", NULL, "2", DW__SRC_FUNCTION);
  RESULT("```javascript\n[1,2].length\n```", NULL, "2", DW__SRC_LAST_EXPR);
  RESULT("Here is the code:\n\n```\n3 * 3\n```\nThat's all.", NULL, "9", DW__SRC_LAST_EXPR);
  RESULT("```ts\nconst s = \"```\"\ns.length\n```", NULL, "3", DW__SRC_LAST_EXPR);
  /* The language: a fence's wins over the hint. */
  dw__src_module m;
  char why[128];
  assert_int_equal(dw__src_wrap("```js\n1\n```", 11, "typescript", names, 2, &m, why, sizeof why), 0);
  assert_false(m.typescript);
  assert_string_equal(m.name, "main.js");
  assert_int_equal(m.line_offset, 1);
  dw__src_module_free(&m);
  assert_int_equal(dw__src_wrap("1", 1, "javascript", names, 2, &m, why, sizeof why), 0);
  assert_false(m.typescript);
  assert_int_equal(m.line_offset, 0);
  dw__src_module_free(&m);
  assert_int_equal(dw__src_wrap("1", 1, NULL, names, 2, &m, why, sizeof why), 0);
  assert_true(m.typescript);
  dw__src_module_free(&m);
}

/* Line numbers in a stack are the model's own lines. */
static void test_lines(void **st) {
  (void)st;
  const char *codes[] = {
      "const a = 1;\nconst b = 2;\nthrow new Error('boom on line 3');\n",
      "async () => {\n  const a = 1;\n  throw new Error('boom on line 3');\n}",
      "const a: number = 1;\nconst b: string = 'x';\nthrow new Error('boom on line 3');",
      "```ts\nconst a = 1;\nconst b = 2;\nthrow new Error('boom on line 3');\n```",
      "function f() {\n  return 1\n}; null.x\n",
  };
  for (size_t i = 0; i < DW_ARRAY_LEN(codes); i++) {
    const char *r = run(codes[i], i == 1 ? "js" : NULL, NULL);
    if (!strstr(r, "main.ts:3:") && !strstr(r, "main.js:3:"))
      fail_msg("no line 3 in the stack of:\n%s\n%s", codes[i], r);
  }
}

static void test_errors(void **st) {
  (void)st;
  dw__src_module m;
  char why[128] = "";
  assert_int_equal(dw__src_wrap("", 0, NULL, names, 2, &m, why, sizeof why), DW_E_BAD_REQUEST);
  assert_int_equal(dw__src_wrap("  // only a comment\n", 20, NULL, names, 2, &m, why, sizeof why),
                   DW_E_BAD_REQUEST);
  assert_int_equal(dw__src_wrap("a\0b", 3, NULL, names, 2, &m, why, sizeof why), DW_E_BAD_REQUEST);
  assert_int_equal(dw__src_wrap("\xff", 1, NULL, names, 2, &m, why, sizeof why), DW_E_BAD_REQUEST);
  const char *bad[] = {"not-an-ident"};
  assert_int_equal(dw__src_wrap("1", 1, NULL, bad, 1, &m, why, sizeof why), DW_E_BAD_REQUEST);
  char *big = malloc(DW__SRC_MAX_CODE + 2);
  assert_non_null(big);
  memset(big, ' ', DW__SRC_MAX_CODE + 1);
  assert_int_equal(dw__src_wrap(big, DW__SRC_MAX_CODE + 1, NULL, names, 2, &m, why, sizeof why),
                   DW_E_TOO_LARGE);
  free(big);
  /* Malformed code never fails here: unterminated strings, templates, comments, regexes. */
  const char *junk[] = {"'abc", "`abc${", "1 /* abc", "/abc", "}}}}", "((((", "`${`${`${", "a\n=>\n",
                        "co2 yield2\"\\", "'\\", "`\\", "/\\", "x = /[\\"};
  for (size_t i = 0; i < DW_ARRAY_LEN(junk); i++) {
    assert_int_equal(dw__src_wrap(junk[i], strlen(junk[i]), NULL, names, 2, &m, why, sizeof why), 0);
    dw__src_module_free(&m);
  }
  /* A syntax error is the engine's to report, with the model's line. */
  const char *r = run("const a = 1\nconst b = 2\nconst = 3\n", "js", NULL);
  assert_non_null(strstr(r, "\"ok\":false"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_shapes), cmocka_unit_test(test_fences),
      cmocka_unit_test(test_lines),  cmocka_unit_test(test_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

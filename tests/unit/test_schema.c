/* Unit tests of src/mcp/schema: JSON Schema validation of tool inputs; messages, keywords,
 * $ref, combinators, patterns, and hostile schemas (cycles, deep nesting, huge enums). */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>
#include "mcp/schema.h"

/* Validates JSON text `value` against JSON text `schema`; returns the code, *msg the text. */
static int val(const char *schema, const char *value, char *msg, size_t n) {
  json_error_t e;
  json_t *s = json_loads(schema, JSON_DECODE_ANY, &e);
  if (!s) fail_msg("bad schema JSON in test: %s: %s", e.text, schema);
  json_t *v = json_loads(value, JSON_DECODE_ANY, &e);
  if (!v) fail_msg("bad value JSON in test: %s", value);
  dw_buf b;
  dw__buf_init(&b, 1 << 20);
  int rc = dw__schema_validate(s, v, "input", 0, &b);
  snprintf(msg, n, "%s", b.data ? b.data : "");
  dw__buf_free(&b);
  json_decref(s);
  json_decref(v);
  return rc;
}

#define OK(schema, value) do { char m_[4096]; int r_ = val(schema, value, m_, sizeof m_); \
    if (r_ != 0) fail_msg("expected valid: %s against %s: %d %s", value, schema, r_, m_); } while (0)
/* Invalid, and the first line of the message contains `want`. */
#define BAD(schema, value, want) do { char m_[4096]; int r_ = val(schema, value, m_, sizeof m_); \
    if (r_ != DW_E_BAD_REQUEST) fail_msg("expected invalid: %s against %s: got %d %s", value, schema, r_, m_); \
    if (!strstr(m_, want)) fail_msg("message for %s against %s:\n%s\nlacks: %s", value, schema, m_, want); } while (0)

/* Names and types from the schema are quoted in messages: their control characters must not
 * split an error into lines (fuzz_schema found a property named with newlines). */
static void test_one_line_per_error(void **st) {
  (void)st;
  char m[4096];
  const char *schema = "{\"type\":\"object\",\"properties\":{\"a\\nb\\r\\u0001c\":{}},"
                       "\"additionalProperties\":false}";
  assert_int_equal(val(schema, "{\"q\":1}", m, sizeof m), DW_E_BAD_REQUEST);
  assert_non_null(strstr(m, "allowed: a?b??c"));
  assert_ptr_equal(strchr(m, '\n'), m + strlen(m) - 1);
  /* A required name is part of the path, which is escaped. */
  assert_int_equal(val("{\"type\":\"object\",\"required\":[\"x\\ny\"]}", "{}", m, sizeof m),
                   DW_E_BAD_REQUEST);
  assert_ptr_equal(strchr(m, '\n'), m + strlen(m) - 1);
}

static void test_types(void **st) {
  (void)st;
  OK("{\"type\":\"string\"}", "\"x\"");
  BAD("{\"type\":\"string\"}", "3", "input: expected string, got number");
  OK("{\"type\":\"integer\"}", "3");
  OK("{\"type\":\"integer\"}", "3.0");
  BAD("{\"type\":\"integer\"}", "3.5", "expected integer, got a number with a fraction");
  BAD("{\"type\":\"integer\"}", "\"3\"", "expected integer, got string");
  OK("{\"type\":\"number\"}", "3");
  OK("{\"type\":[\"string\",\"null\"]}", "null");
  BAD("{\"type\":[\"string\",\"null\"]}", "true", "expected string or null, got boolean");
  OK("{\"type\":\"boolean\"}", "false");
  BAD("{\"type\":\"object\"}", "[]", "expected object, got array");
  OK("{}", "{\"anything\":[1,2]}");
  OK("true", "1");
  BAD("false", "1", "no value is allowed here");
  OK("{\"type\":\"whatever\"}", "1"); /* unknown type names are lenient */
}

static const char *events_schema =
    "{\"type\":\"object\",\"properties\":{\"events\":{\"type\":\"array\",\"items\":"
    "{\"type\":\"object\",\"properties\":{\"start\":{\"type\":\"string\"},\"title\":"
    "{\"type\":\"string\",\"minLength\":1}},\"required\":[\"start\",\"title\"]}}},"
    "\"required\":[\"events\"]}";

static void test_paths(void **st) {
  (void)st;
  OK(events_schema, "{\"events\":[{\"start\":\"a\",\"title\":\"t\"}]}");
  BAD(events_schema,
      "{\"events\":[{\"start\":\"a\",\"title\":\"t\"},{\"start\":\"a\",\"title\":\"t\"},"
      "{\"start\":\"a\",\"title\":\"t\"},{\"start\":5,\"title\":\"t\"}]}",
      "input.events[3].start: expected string, got number");
  BAD(events_schema, "{\"events\":[{\"start\":\"a\"}]}",
      "input.events[0].title: missing required property (expected string)");
  BAD(events_schema, "{}", "input.events: missing required property (expected array)");
  BAD("{\"properties\":{\"a b\":{\"type\":\"string\"}}}", "{\"a b\":1}",
      "input[\"a b\"]: expected string, got number");
  BAD("{\"properties\":{\"1x\":{\"type\":\"string\"}}}", "{\"1x\":1}", "input[\"1x\"]:");
}

static void test_objects(void **st) {
  (void)st;
  const char *s = "{\"type\":\"object\",\"properties\":{\"a\":{},\"b\":{}},\"additionalProperties\":false}";
  OK(s, "{\"a\":1}");
  BAD(s, "{\"a\":1,\"zz\":2}", "input.zz: unexpected property (allowed: a, b)");
  BAD("{\"additionalProperties\":{\"type\":\"number\"}}", "{\"q\":\"x\"}",
      "input.q: expected number, got string");
  BAD("{\"minProperties\":2}", "{\"a\":1}", "at least 2 properties");
}

static void test_arrays(void **st) {
  (void)st;
  OK("{\"items\":{\"type\":\"number\"}}", "[1,2,3]");
  BAD("{\"items\":{\"type\":\"number\"}}", "[1,\"x\"]", "input[1]: expected number, got string");
  BAD("{\"minItems\":2}", "[1]", "expected at least 2 items, got 1");
  BAD("{\"maxItems\":1}", "[1,2]", "expected at most 1 items, got 2");
  BAD("{\"uniqueItems\":true}", "[1,{\"a\":1},2,{\"a\":1}]", "items 1 and 3 are equal");
  OK("{\"uniqueItems\":true}", "[1,\"1\",[1]]");
  OK("{\"prefixItems\":[{\"type\":\"string\"},{\"type\":\"number\"}]}", "[\"a\",1,true]");
  BAD("{\"prefixItems\":[{\"type\":\"string\"}],\"items\":false}", "[\"a\",1]", "at most 1 items");
}

static void test_enum_const(void **st) {
  (void)st;
  const char *s = "{\"enum\":[\"metric\",\"imperial\"]}";
  OK(s, "\"metric\"");
  BAD(s, "\"kelvin\"", "input: expected one of \"metric\", \"imperial\", got \"kelvin\"");
  OK("{\"enum\":[{\"a\":[1]},null]}", "{\"a\":[1]}");
  BAD("{\"const\":42}", "41", "expected 42, got 41");
  OK("{\"const\":42}", "42");
}

static void test_numbers_strings(void **st) {
  (void)st;
  BAD("{\"minimum\":1}", "0", "expected a number >= 1, got 0");
  BAD("{\"maximum\":1.5}", "2", "expected a number <= 1.5, got 2");
  OK("{\"minimum\":1,\"maximum\":1}", "1");
  BAD("{\"exclusiveMinimum\":1}", "1", "expected a number > 1");
  BAD("{\"exclusiveMaximum\":1}", "1", "expected a number < 1");
  BAD("{\"minimum\":1,\"exclusiveMinimum\":true}", "1", "> 1"); /* draft-04 */
  BAD("{\"multipleOf\":3}", "7", "multiple of 3");
  OK("{\"multipleOf\":0.1}", "0.3");
  /* Lengths count code points: "héllo" is 5, "😀" is 1. */
  OK("{\"maxLength\":5}", "\"h\\u00e9llo\"");
  OK("{\"maxLength\":1,\"minLength\":1}", "\"\\ud83d\\ude00\"");
  BAD("{\"minLength\":3}", "\"ab\"", "at least 3 characters, got 2");
  BAD("{\"maxLength\":2}", "\"abc\"", "at most 2 characters, got 3");
}

static void test_patterns(void **st) {
  (void)st;
  OK("{\"pattern\":\"^[a-z]+$\"}", "\"abc\"");
  BAD("{\"pattern\":\"^[a-z]+$\"}", "\"abC\"", "expected a string matching /^[a-z]+$/");
  OK("{\"pattern\":\"^\\\\d{4}-\\\\d{2}-\\\\d{2}$\"}", "\"2026-11-26\"");
  BAD("{\"pattern\":\"^\\\\d{4}-\\\\d{2}-\\\\d{2}$\"}", "\"2026-1-26\"", "matching");
  OK("{\"pattern\":\"^\\\\w+@\\\\w+\\\\.com$\"}", "\"a_b@x.com\"");
  BAD("{\"pattern\":\"^\\\\w+@\\\\w+\\\\.com$\"}", "\"a_b@xcom\"", "matching");
  OK("{\"pattern\":\"^(?:ab)+?c$\"}", "\"ababc\"");
  OK("{\"pattern\":\"^[\\\\-.\\\\]x]+$\"}", "\"-.]x\"");
  BAD("{\"pattern\":\"^[\\\\-.\\\\]x]+$\"}", "\"-.]xy\"", "matching");
  OK("{\"pattern\":\"^[^\\\\s]+$\"}", "\"abc\"");
  BAD("{\"pattern\":\"^[^\\\\s]+$\"}", "\"a c\"", "matching");
  OK("{\"pattern\":\"^\\\\S+$\"}", "\"abc\"");
  /* Not checked: lookaround, backreferences, a pattern that does not compile. */
  OK("{\"pattern\":\"^(?=a)b$\"}", "\"zzz\"");
  OK("{\"pattern\":\"(a)\\\\1\"}", "\"zzz\"");
  OK("{\"pattern\":\"([a-\"}", "\"zzz\"");
  OK("{\"pattern\":\"unanchored\"}", "\"an unanchored search\"");
}

static void test_refs(void **st) {
  (void)st;
  const char *s = "{\"$defs\":{\"pt\":{\"type\":\"object\",\"properties\":{\"x\":{\"type\":\"number\"}},"
                  "\"required\":[\"x\"]}},\"type\":\"object\",\"properties\":{\"p\":{\"$ref\":\"#/$defs/pt\"}}}";
  OK(s, "{\"p\":{\"x\":1}}");
  BAD(s, "{\"p\":{\"x\":\"1\"}}", "input.p.x: expected number, got string");
  const char *d7 = "{\"definitions\":{\"a/b\":{\"type\":\"string\"}},\"items\":{\"$ref\":\"#/definitions/a~1b\"}}";
  BAD(d7, "[\"x\",2]", "input[1]: expected string");
  OK("{\"$ref\":\"https://example.com/remote\"}", "1"); /* not followed */
  OK("{\"$ref\":\"#/nowhere\"}", "1");
  /* A recursive tree: fine at ordinary depths. */
  const char *tree = "{\"$defs\":{\"n\":{\"type\":\"object\",\"properties\":{\"kids\":{\"type\":\"array\","
                     "\"items\":{\"$ref\":\"#/$defs/n\"}},\"v\":{\"type\":\"number\"}}}},\"$ref\":\"#/$defs/n\"}";
  OK(tree, "{\"kids\":[{\"kids\":[{\"v\":1}]}]}");
  BAD(tree, "{\"kids\":[{\"kids\":[{\"v\":\"x\"}]}]}", "input.kids[0].kids[0].v: expected number");
}

static void test_combinators(void **st) {
  (void)st;
  const char *any = "{\"anyOf\":[{\"type\":\"string\"},{\"type\":\"number\"}]}";
  OK(any, "1");
  BAD(any, "true", "expected string | number, got boolean");
  /* The alternative of the value's own type explains the error. */
  const char *meant = "{\"anyOf\":[{\"type\":\"object\",\"properties\":{\"q\":{\"type\":\"string\"}}},"
                      "{\"type\":\"null\"}]}";
  BAD(meant, "{\"q\":1}", "input.q: expected string, got number");
  const char *one = "{\"oneOf\":[{\"type\":\"number\"},{\"type\":\"integer\"}]}";
  OK(one, "1.5");
  BAD(one, "2", "matches more than one of the oneOf alternatives (1 and 2)");
  const char *all = "{\"allOf\":[{\"minimum\":0},{\"maximum\":10}]}";
  OK(all, "5");
  BAD(all, "11", "<= 10");
  BAD("{\"not\":{\"type\":\"string\"}}", "\"s\"", "must not match");
  BAD("{\"anyOf\":[{\"const\":\"a\"},{\"const\":\"b\"}]}", "\"c\"", "expected \"a\" | \"b\", got string");
}

static void test_max_errors(void **st) {
  (void)st;
  char m[4096];
  int rc = val("{\"items\":{\"type\":\"string\"}}", "[1,2,3,4,5,6,7,8,9]", m, sizeof m);
  assert_int_equal(rc, DW_E_BAD_REQUEST);
  size_t lines = 0;
  for (char *p = m; *p; p++) lines += *p == '\n';
  assert_int_equal(lines, DW__SCHEMA_DEFAULT_ERRORS + 1);
  assert_non_null(strstr(m, "(more errors not listed)"));
}

/* ---- hostile schemas ---------------------------------------------------------------- */

static void test_cycles(void **st) {
  (void)st;
  char m[4096];
  assert_int_equal(val("{\"$ref\":\"#\"}", "1", m, sizeof m), DW_E_TOO_LARGE);
  assert_non_null(strstr(m, "not checked"));
  assert_int_equal(val("{\"$defs\":{\"a\":{\"$ref\":\"#/$defs/b\"},\"b\":{\"$ref\":\"#/$defs/a\"}},"
                       "\"$ref\":\"#/$defs/a\"}", "{}", m, sizeof m), DW_E_TOO_LARGE);
  assert_int_equal(val("{\"anyOf\":[{\"$ref\":\"#\"}]}", "1", m, sizeof m), DW_E_TOO_LARGE);
  assert_int_equal(val("{\"allOf\":[{\"$ref\":\"#\"},{\"$ref\":\"#\"}]}", "1", m, sizeof m),
                   DW_E_TOO_LARGE);
}

static void test_deep(void **st) {
  (void)st;
  /* 500 nested "items": capped, never a stack overflow. */
  dw_buf s, v;
  dw__buf_init(&s, 1 << 20);
  dw__buf_init(&v, 1 << 20);
  for (int i = 0; i < 500; i++) { assert_int_equal(dw__buf_puts(&s, "{\"items\":"), 0); assert_int_equal(dw__buf_puts(&v, "["), 0); }
  assert_int_equal(dw__buf_puts(&s, "{}"), 0);
  for (int i = 0; i < 500; i++) { assert_int_equal(dw__buf_puts(&s, "}"), 0); assert_int_equal(dw__buf_puts(&v, "]"), 0); }
  char m[4096];
  assert_int_equal(val(s.data, v.data, m, sizeof m), DW_E_TOO_LARGE);
  /* Shallow value: the deep schema is never reached. */
  assert_int_equal(val(s.data, "[]", m, sizeof m), 0);
  dw__buf_free(&s);
  dw__buf_free(&v);
}

static void test_huge_enum(void **st) {
  (void)st;
  dw_buf s;
  dw__buf_init(&s, 8 << 20);
  assert_int_equal(dw__buf_puts(&s, "{\"items\":{\"enum\":["), 0);
  for (int i = 0; i < 100000; i++) assert_int_equal(dw__buf_printf(&s, "%s%d", i ? "," : "", i), 0);
  assert_int_equal(dw__buf_puts(&s, "]}}"), 0);
  char m[4096];
  assert_int_equal(val(s.data, "[99999]", m, sizeof m), 0);
  int rc = val(s.data, "[-1]", m, sizeof m);
  assert_int_equal(rc, DW_E_BAD_REQUEST);
  assert_non_null(strstr(m, "(100000 in all)"));
  /* 10 items x 100000 members: over the work cap, reported, fast. */
  rc = val(s.data, "[-1,-1,-1,-1,-1,-1,-1,-1,-1,-1]", m, sizeof m);
  assert_true(rc == DW_E_TOO_LARGE || rc == DW_E_BAD_REQUEST);
  dw__buf_free(&s);
}

static void test_work_cap(void **st) {
  (void)st;
  /* anyOf of anyOf ... doubling: 2^30 paths without the cap. */
  dw_buf s;
  dw__buf_init(&s, 1 << 20);
  for (int i = 0; i < 30; i++)
    assert_int_equal(dw__buf_puts(&s, "{\"anyOf\":[{\"type\":\"string\"},"), 0);
  assert_int_equal(dw__buf_puts(&s, "{\"type\":\"string\"}"), 0);
  for (int i = 0; i < 30; i++) assert_int_equal(dw__buf_puts(&s, "]}"), 0);
  char m[4096];
  int rc = val(s.data, "1", m, sizeof m);
  assert_true(rc == DW_E_TOO_LARGE || rc == DW_E_BAD_REQUEST);
  /* uniqueItems on 5000 distinct items: 12.5 M comparisons, over the cap. */
  dw_buf v;
  dw__buf_init(&v, 1 << 20);
  assert_int_equal(dw__buf_puts(&v, "["), 0);
  for (int i = 0; i < 5000; i++) assert_int_equal(dw__buf_printf(&v, "%s%d", i ? "," : "", i), 0);
  assert_int_equal(dw__buf_puts(&v, "]"), 0);
  assert_int_equal(val("{\"uniqueItems\":true}", v.data, m, sizeof m), DW_E_TOO_LARGE);
  dw__buf_free(&s);
  dw__buf_free(&v);
}

static void test_junk(void **st) {
  (void)st;
  char m[4096];
  /* Malformed keywords are ignored, never a crash. */
  OK("{\"type\":5,\"properties\":[],\"required\":{},\"items\":7,\"enum\":3,\"minimum\":\"x\","
     "\"anyOf\":{},\"allOf\":5,\"$ref\":7,\"pattern\":5,\"minLength\":-1}", "{\"a\":1}");
  OK("{\"required\":[1,null]}", "{}");
  assert_int_equal(val("{\"$ref\":\"#/%\"}", "1", m, sizeof m), 0);
  /* A huge pattern is not compiled. */
  dw_buf s;
  dw__buf_init(&s, 1 << 20);
  assert_int_equal(dw__buf_puts(&s, "{\"pattern\":\""), 0);
  for (int i = 0; i < 2000; i++) assert_int_equal(dw__buf_puts(&s, "(a|b)"), 0);
  assert_int_equal(dw__buf_puts(&s, "\"}"), 0);
  assert_int_equal(val(s.data, "\"zzz\"", m, sizeof m), 0);
  dw__buf_free(&s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_types),        cmocka_unit_test(test_paths),
      cmocka_unit_test(test_objects),      cmocka_unit_test(test_arrays),
      cmocka_unit_test(test_enum_const),   cmocka_unit_test(test_numbers_strings),
      cmocka_unit_test(test_patterns),     cmocka_unit_test(test_refs),
      cmocka_unit_test(test_combinators),  cmocka_unit_test(test_max_errors),
      cmocka_unit_test(test_cycles),       cmocka_unit_test(test_deep),
      cmocka_unit_test(test_huge_enum),    cmocka_unit_test(test_work_cap),
      cmocka_unit_test(test_junk),         cmocka_unit_test(test_one_line_per_error),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Unit tests of src/mcp/tsgen: JSON Schema -> TypeScript, golden outputs per keyword, names,
 * escaping, caps and hostile schemas. Every output also passes a structural check (balanced
 * brackets outside strings and comments, closed comments, declared names are identifiers and
 * not reserved words). `test_tsgen --emit DIR` writes every golden output to DIR/<n>.d.ts
 * (each a module of its own) so that `tsc --noEmit` can type-check them (the unit_tsgen_tsc
 * test, when tsc is installed). */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <ctype.h>
#include <string.h>
#include "mcp/tsgen.h"

/* ---- structural check ---------------------------------------------------------------- */

static const char *const reserved[] = {"break", "case", "catch", "class", "const", "continue",
    "default", "delete", "do", "else", "enum", "export", "extends", "false", "finally", "for",
    "function", "if", "import", "in", "new", "null", "return", "super", "switch", "this",
    "throw", "true", "try", "typeof", "var", "void", "while", "with", "yield", "let", "static",
    "await", "interface", "string", "number", "any", "unknown"};

static bool word_is(const char *p, const char *w) {
  size_t n = strlen(w);
  return strncmp(p, w, n) == 0 && p[n] == ' ';
}

/* What is structurally wrong with the TypeScript in `s`, or NULL. */
static const char *ts_problem(const char *s) {
  char stack[256];
  int depth = 0;
  for (const char *p = s; *p; p++) {
    if (*p == '"') {
      for (p++; *p && *p != '"'; p++) {
        if ((unsigned char)*p < 0x20) return "a raw control byte in a string literal";
        if (*p == '\\' && !*++p) break;
      }
      if (*p != '"') return "an unterminated string literal";
    } else if (p[0] == '/' && p[1] == '*') {
      const char *end = strstr(p + 2, "*/");
      if (!end) return "an unterminated comment";
      p = end + 1;
    } else if (strchr("([{<", *p)) {
      if (depth == (int)sizeof stack) return "brackets nested too deep";
      stack[depth++] = *p;
    } else if (strchr(")]}>", *p)) {
      const char *pairs = "()[]{}<>";
      if (depth == 0 || stack[--depth] != pairs[strchr(pairs, *p) - pairs - 1])
        return "unbalanced brackets";
    } else if ((p == s || !isalnum((unsigned char)p[-1])) &&
               (word_is(p, "namespace") || word_is(p, "function") ||
                word_is(p, "interface") || word_is(p, "type"))) {
      const char *id = strchr(p, ' ') + 1;
      size_t n = 0;
      while (isalnum((unsigned char)id[n]) || id[n] == '_' || id[n] == '$') n++;
      if (n == 0 || isdigit((unsigned char)id[0])) return "a declaration without an identifier";
      for (size_t i = 0; i < DW_ARRAY_LEN(reserved); i++)
        if (strlen(reserved[i]) == n && strncmp(reserved[i], id, n) == 0)
          return "a reserved word as a declared name";
    }
  }
  return depth ? "unclosed brackets" : NULL;
}

static void check_ts(const char *s) {
  const char *problem = ts_problem(s);
  if (problem) fail_msg("%s in:\n%s", problem, s);
}

/* ---- helpers ------------------------------------------------------------------------- */

static const char *emit_dir; /* --emit: every golden output, for tsc */
static int emit_n;

static void emit(const char *ts, bool wrap) {
  if (!emit_dir) return;
  char path[4096];
  snprintf(path, sizeof path, "%s/%d.d.ts", emit_dir, emit_n++);
  FILE *f = fopen(path, "w");
  if (!f) fail_msg("cannot write %s", path);
  fprintf(f, wrap ? "declare namespace g {\n%s}\nexport {};\n" : "%sexport {};\n", ts);
  fclose(f);
}

/* Generates type `T` for the schema in `json`; returns its TypeScript (caller frees) or NULL
 * with `*rc` and `why` set. */
static char *ts(const char *json, int *rc, char *why, size_t max) {
  json_error_t e;
  json_t *j = json_loads(json, JSON_DECODE_ANY, &e);
  if (!j) fail_msg("bad test JSON: %s: %s", e.text, json);
  dw_buf b;
  dw__buf_init(&b, max);
  *rc = dw__ts_from_schema(j, "T", &b, why, 200);
  json_decref(j);
  if (*rc) {
    assert_int_equal(b.len, 0); /* left as it was */
    dw__buf_free(&b);
    return NULL;
  }
  return dw__buf_steal(&b, NULL);
}

static void golden(const char *json, const char *want) {
  int rc;
  char why[200] = "";
  char *got = ts(json, &rc, why, 1 << 20);
  if (!got) fail_msg("rc %d (%s) for %s", rc, why, json);
  if (strcmp(got, want) != 0) fail_msg("schema %s\n--- got\n%s--- want\n%s", json, got, want);
  check_ts(got);
  emit(got, true);
  free(got);
}

static void api_golden(const dw__ts_server *s, size_t n, const dw__ts_opts *o, const char *want) {
  dw_buf b;
  dw__buf_init(&b, 1 << 20);
  int rc = dw__ts_api(s, n, o, &b);
  if (rc) fail_msg("rc %d", rc);
  if (strcmp(b.data, want) != 0) fail_msg("--- got\n%s--- want\n%s", b.data, want);
  check_ts(b.data);
  emit(b.data, false);
  dw__buf_free(&b);
}

static json_t *J(const char *s) {
  json_error_t e;
  json_t *j = json_loads(s, JSON_DECODE_ANY, &e);
  if (!j) fail_msg("bad test JSON: %s", e.text);
  return j;
}

/* ---- keywords ----------------------------------------------------------------------- */

static void primitive_types(void **state) {
  golden("{\"type\":\"string\",\"format\":\"uri\"}", "type T = string;\n");
  golden("{\"type\":\"integer\"}", "type T = number;\n");
  golden("{\"type\":\"number\"}", "type T = number;\n");
  golden("{\"type\":\"boolean\"}", "type T = boolean;\n");
  golden("{\"type\":\"null\"}", "type T = null;\n");
  golden("{\"type\":[\"string\",\"integer\",\"null\"]}", "type T = string | number | null;\n");
  golden("{\"type\":\"string\",\"nullable\":true}", "type T = string | null;\n");
  golden("{\"type\":\"frobnicate\"}", "type T = unknown;\n");
  golden("{}", "type T = unknown;\n");
  golden("true", "type T = unknown;\n");
  golden("false", "type T = never;\n");
}

static void objects(void **state) {
  golden("{\"type\":\"object\",\"description\":\"A thing.\",\"properties\":{"
         "\"q\":{\"type\":\"string\",\"description\":\"the query\"},"
         "\"page\":{\"type\":\"integer\"},"
         "\"x-y\":{\"type\":\"boolean\"},\"class\":{\"type\":\"null\"},\"1a\":{},"
         "\"nested\":{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\"}},"
         "\"required\":[\"a\"]}},\"required\":[\"q\",\"class\",\"missing\",7]}",
         "/** A thing. */\n"
         "interface T {\n"
         "  /** the query */\n"
         "  q: string;\n"
         "  page?: number;\n"
         "  \"x-y\"?: boolean;\n"
         "  class: null;\n"
         "  \"1a\"?: unknown;\n"
         "  nested?: {\n"
         "    a: string;\n"
         "  };\n"
         "}\n");
  golden("{\"type\":\"object\"}", "type T = { [key: string]: unknown };\n");
  golden("{\"type\":\"object\",\"additionalProperties\":false}",
         "type T = Record<string, never>;\n");
  golden("{\"type\":\"object\",\"additionalProperties\":{\"type\":\"integer\"}}",
         "type T = { [key: string]: number };\n");
  golden("{\"properties\":{\"a\":{\"type\":\"string\"}},\"additionalProperties\":"
         "{\"type\":\"integer\"}}",
         "interface T {\n  a?: string;\n  [key: string]: unknown;\n}\n");
  golden("{\"type\":\"object\",\"properties\":{\"a\":{}},\"additionalProperties\":false}",
         "interface T {\n  a?: unknown;\n}\n");
}

static void arrays_and_tuples(void **state) {
  golden("{\"type\":\"array\",\"items\":{\"type\":\"string\"}}", "type T = string[];\n");
  golden("{\"type\":\"array\"}", "type T = unknown[];\n");
  golden("{\"type\":\"array\",\"items\":{\"type\":[\"string\",\"number\"]}}",
         "type T = Array<string | number>;\n");
  golden("{\"type\":\"array\",\"items\":{\"type\":\"array\",\"items\":{\"type\":\"boolean\"}}}",
         "type T = boolean[][];\n");
  golden("{\"type\":\"array\",\"prefixItems\":[{\"type\":\"string\"},{\"type\":\"number\"}],"
         "\"minItems\":1,\"items\":false}",
         "type T = [string, number?];\n");
  golden("{\"type\":\"array\",\"prefixItems\":[{\"type\":\"string\"}],\"minItems\":1,"
         "\"items\":{\"type\":\"integer\"}}",
         "type T = [string, ...number[]];\n");
  golden("{\"type\":\"array\",\"items\":[{\"type\":\"string\"}],\"minItems\":1}",
         "type T = [string, ...unknown[]];\n");
  golden("{\"type\":\"array\",\"items\":[{\"type\":\"string\"}],\"additionalItems\":false,"
         "\"minItems\":1}",
         "type T = [string];\n");
}

static void enums_and_consts(void **state) {
  golden("{\"enum\":[\"open\",\"closed\"]}", "type T = \"open\" | \"closed\";\n");
  golden("{\"enum\":[1,-2,1.5,true,null,\"a\\\"b\\\\c\\n\\u2028*/\"]}",
         "type T = 1 | -2 | 1.5 | true | null | \"a\\\"b\\\\c\\u000a\\u2028*/\";\n");
  golden("{\"enum\":[0.1,1e300,-0.0]}", "type T = 0.1 | 1e+300 | -0;\n");
  golden("{\"enum\":[\"a\"],\"nullable\":true}", "type T = \"a\" | null;\n");
  golden("{\"enum\":[]}", "type T = never;\n");
  golden("{\"enum\":[{\"a\":1}]}", "type T = unknown;\n");
  golden("{\"const\":\"x\",\"type\":\"string\"}", "type T = \"x\";\n");
  golden("{\"const\":{\"a\":1}}", "type T = unknown;\n");
}

static void unions_and_intersections(void **state) {
  golden("{\"anyOf\":[{\"type\":\"string\"},{\"type\":\"array\",\"items\":{\"type\":\"string\"}}]}",
         "type T = string | string[];\n");
  golden("{\"oneOf\":[{\"const\":1},{\"const\":2}]}", "type T = 1 | 2;\n");
  golden("{\"allOf\":[{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\"}}},"
         "{\"anyOf\":[{\"type\":\"string\"},{\"type\":\"number\"}]}]}",
         "type T = {\n  a?: string;\n} & (string | number);\n");
  golden("{\"type\":[\"string\",\"number\"],\"anyOf\":[{\"const\":1},{\"const\":\"a\"}]}",
         "type T = (string | number) & (1 | \"a\");\n");
  golden("{\"anyOf\":[]}", "type T = unknown;\n");
  golden("{\"type\":\"object\",\"properties\":{\"u\":{\"oneOf\":[{\"type\":\"string\"},"
         "{\"type\":\"null\"}]}}}",
         "interface T {\n  u?: string | null;\n}\n");
}

static void refs_and_cycles(void **state) {
  /* A linked list: the cycle costs one name. */
  golden("{\"type\":\"object\",\"properties\":{\"head\":{\"$ref\":\"#/$defs/Node\"}},"
         "\"$defs\":{\"Node\":{\"type\":\"object\",\"description\":\"A node.\",\"properties\":{"
         "\"value\":{\"type\":\"string\"},\"next\":{\"$ref\":\"#/$defs/Node\",\"nullable\":true}},"
         "\"required\":[\"value\"]}}}",
         "interface T {\n  head?: TNode;\n}\n"
         "/** A node. */\ninterface TNode {\n  value: string;\n  next?: TNode | null;\n}\n");
  /* draft-07 definitions, the root itself, escaped pointer segments, remote refs. */
  golden("{\"type\":\"object\",\"properties\":{\"self\":{\"$ref\":\"#\"},"
         "\"d\":{\"$ref\":\"#/definitions/user-id\"},\"e\":{\"$ref\":\"#/definitions/a~1b~0c\"},"
         "\"r\":{\"$ref\":\"https://example.com/s.json\"},\"x\":{\"$ref\":\"#/nope\"}},"
         "\"definitions\":{\"user-id\":{\"type\":\"integer\"},\"a/b~c\":{\"type\":\"string\"}}}",
         "interface T {\n  self?: T;\n  d?: TUserId;\n  e?: TABC;\n  r?: unknown;\n  x?: unknown;\n}\n"
         "type TUserId = number;\ntype TABC = string;\n");
  /* Aliases that only refer to each other: expanded, and the cycle is `unknown`. */
  golden("{\"type\":\"object\",\"properties\":{\"a\":{\"$ref\":\"#/$defs/A\"}},"
         "\"$defs\":{\"A\":{\"anyOf\":[{\"$ref\":\"#/$defs/B\"},{\"type\":\"string\"}]},"
         "\"B\":{\"$ref\":\"#/$defs/A\"}}}",
         "interface T {\n  a?: TA;\n}\ntype TA = unknown | string;\n");
  golden("{\"$ref\":\"#\"}", "type T = unknown;\n");
  /* A recursive alias through an array is fine in TypeScript: named, not expanded. */
  golden("{\"anyOf\":[{\"type\":\"string\"},{\"type\":\"array\",\"items\":{\"$ref\":\"#\"}}]}",
         "type T = string | T[];\n");
  /* Two defs whose names sanitise alike get distinct names. */
  golden("{\"type\":\"object\",\"properties\":{\"a\":{\"$ref\":\"#/$defs/a-b\"},"
         "\"b\":{\"$ref\":\"#/$defs/a_b\"}},\"$defs\":{\"a-b\":{\"type\":\"string\"},"
         "\"a_b\":{\"type\":\"number\"}}}",
         "interface T {\n  a?: TAB;\n  b?: TAB_2;\n}\ntype TAB = string;\ntype TAB_2 = number;\n");
}

static void doc_comments(void **state) {
  golden("{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\",\"description\":"
         "\"ends */ here\\n\\n  and   /* starts\\u0007 */\"},\"b\":{\"title\":\"Bee\"}}}",
         "interface T {\n  /** ends *\\/ here and /* starts *\\/ */\n  a?: string;\n"
         "  /** Bee */\n  b?: unknown;\n}\n");
  /* Long descriptions are cut, with "..." saying so. */
  char json[2000], want[2000];
  memset(want, 0, sizeof want);
  char d[1001];
  memset(d, 'x', 1000);
  d[1000] = 0;
  snprintf(json, sizeof json, "{\"type\":\"string\",\"description\":\"%s\"}", d);
  d[DW__TS_MAX_DOC] = 0;
  snprintf(want, sizeof want, "/** %s... */\ntype T = string;\n", d);
  golden(json, want);
}

/* ---- names and the API --------------------------------------------------------------- */

static void api_names_and_layout(void **state) {
  json_t *in = J("{\"type\":\"object\",\"properties\":{\"q\":{\"type\":\"string\","
                 "\"description\":\"the query\",\"default\":\"is:open\"},\"page\":{\"type\":"
                 "\"integer\",\"examples\":[2]},\"state\":{\"enum\":[\"open\",\"closed\"]}},"
                 "\"required\":[\"q\"]}");
  json_t *out = J("{\"type\":\"object\",\"properties\":{\"total\":{\"type\":\"integer\"}},"
                  "\"required\":[\"total\"]}");
  json_t *empty = J("{\"type\":\"object\"}");
  dw__ts_tool gh[] = {
      {"search_issues", "Search issues. Ends */ early?", in, out},
      {"search-issues", NULL, empty, NULL}, /* sanitises to the same name */
      {"delete", "Deletes.", NULL, NULL},   /* a reserved word */
      {"2fa", NULL, empty, NULL},           /* starts with a digit */
      {"\xc3\xa9t\xc3\xa9", NULL, empty, NULL},
  };
  dw__ts_tool other[] = {{"search_issues", NULL, in, NULL}};
  dw__ts_server s[] = {{"github", "GitHub.", gh, DW_ARRAY_LEN(gh)},
                       {"git hub", NULL, other, 1},
                       {"github", NULL, NULL, 0},
                       {"class", NULL, NULL, 0}};
  api_golden(s, DW_ARRAY_LEN(s), NULL,
             "/** GitHub. */ declare namespace github {\n"
             "/** Search issues. Ends *\\/ early? */ function search_issues(input: { /** the query */ q: string; page?: number; "
             "state?: \"open\" | \"closed\" }): Promise<{ total: number }>;\n"
             "function search_issues_2(input?: SearchIssues2Input): Promise<unknown>;\n"
             "type SearchIssues2Input = { [key: string]: unknown };\n"
             "/** Deletes. */ function delete_(input?: Record<string, unknown>): Promise<unknown>;\n"
             "function _2fa(input?: SearchIssues2Input): Promise<unknown>;\n"
             "function _t_(input?: SearchIssues2Input): Promise<unknown>;\n"
             "}\n"
             "declare namespace git_hub {\n"
             "function search_issues(input: { /** the query */ q: string; page?: number; state?: \"open\" | \"closed\" }): Promise<unknown>;\n"
             "}\n"
             "declare namespace github_2 {\n"
             "}\n"
             "declare namespace class_ {\n"
             "}\n");

  dw__ts_opts compact = {.compact = true};
  api_golden(s, 2, &compact,
             "declare namespace github {\n"
             "function search_issues(input: { q: string; page?: number; state?: \"open\" | \"closed\" }): Promise<{ total: number }>;\n"
             "function search_issues_2(input?: SearchIssues2Input): Promise<unknown>;\n"
             "type SearchIssues2Input = { [key: string]: unknown };\n"
             "function delete_(input?: Record<string, unknown>): Promise<unknown>;\n"
             "function _2fa(input?: SearchIssues2Input): Promise<unknown>;\n"
             "function _t_(input?: SearchIssues2Input): Promise<unknown>;\n"
             "}\n"
             "declare namespace git_hub {\n"
             "function search_issues(input: { q: string; page?: number; state?: \"open\" | \"closed\" }): Promise<unknown>;\n"
             "}\n");

  dw__ts_opts names = {.names_only = true};
  api_golden(s + 1, 1, &names,
             "declare namespace git_hub {\n"
             "function search_issues(input?: Record<string, unknown>): Promise<unknown>;\n"
             "}\n");

  /* The over-budget listing: every server on one line, its tools' generated names. */
  dw__ts_opts listing = {.listing = true};
  api_golden(s, 2, &listing,
             "interface Tools { [tool: string]: { (input?: Record<string, unknown>): Promise<unknown> } }\n"
             "declare const github: Tools; // search_issues, search_issues_2, delete_, _2fa, _t_\n"
             "declare const git_hub: Tools; // search_issues\n");

  dw__ts_opts ex = {.examples = true};
  api_golden(s + 1, 1, &ex,
             "declare namespace git_hub {\n"
             "function search_issues(input: { /** the query @default \"is:open\" */ q: string; /** @example 2 */ page?: number; "
             "state?: \"open\" | \"closed\" }): Promise<unknown>;\n"
             "}\n");

  /* describe(): the same names as in the API, one tool. */
  dw_buf b;
  dw__buf_init(&b, 1 << 16);
  assert_int_equal(dw__ts_describe_tool(s, DW_ARRAY_LEN(s), "github.search_issues_2", NULL, &b), 0);
  assert_string_equal(b.data, "declare namespace github {\n"
                              "function search_issues_2(input?: { [key: string]: unknown }): Promise<unknown>;\n"
                              "}\n");
  check_ts(b.data);
  dw__buf_reset(&b);
  char why[100];
  dw__ts_opts o = {.why = why, .why_len = sizeof why};
  assert_int_equal(dw__ts_describe_tool(s, DW_ARRAY_LEN(s), "github.delete", &o, &b), DW_E_NOT_FOUND);
  assert_string_equal(why, "no tool is named \"github.delete\"");
  assert_int_equal(b.len, 0);

  /* search(): names score over descriptions; ties keep the servers' order. */
  assert_int_equal(dw__ts_search(s, DW_ARRAY_LEN(s), "DELETE issues", 10, &b), 0);
  assert_string_equal(b.data, "[{\"name\":\"github.search_issues\",\"description\":\"Search issues. Ends */ early?\"},"
                              "{\"name\":\"github.search_issues_2\",\"description\":\"\"},"
                              "{\"name\":\"github.delete_\",\"description\":\"Deletes.\"},"
                              "{\"name\":\"git_hub.search_issues\",\"description\":\"\"}]");
  dw__buf_reset(&b);
  assert_int_equal(dw__ts_search(s, DW_ARRAY_LEN(s), "early", 1, &b), 0);
  assert_string_equal(b.data, "[{\"name\":\"github.search_issues\",\"description\":\"Search issues. Ends */ early?\"}]");
  dw__buf_reset(&b);
  assert_int_equal(dw__ts_search(s, DW_ARRAY_LEN(s), "  ", 10, &b), 0);
  assert_string_equal(b.data, "[]");
  dw__buf_free(&b);

  /* lookup(): generated name -> upstream server and tool. */
  size_t si = 99, ti = 99;
  assert_int_equal(dw__ts_lookup(s, DW_ARRAY_LEN(s), "github.search_issues_2", &si, &ti), 0);
  assert_int_equal(si, 0);
  assert_int_equal(ti, 1);
  assert_int_equal(dw__ts_lookup(s, DW_ARRAY_LEN(s), "git_hub.search_issues", &si, &ti), 0);
  assert_int_equal(si, 1);
  assert_int_equal(ti, 0);
  assert_int_equal(dw__ts_lookup(s, DW_ARRAY_LEN(s), "github.delete", &si, &ti), DW_E_NOT_FOUND);
  assert_int_equal(dw__ts_lookup(s, DW_ARRAY_LEN(s), "github", &si, &ti), DW_E_NOT_FOUND);
  assert_int_equal(dw__ts_lookup(s, DW_ARRAY_LEN(s), NULL, &si, &ti), DW_E_BAD_REQUEST);

  assert_int_equal(dw__ts_tokens(0), 0);
  assert_int_equal(dw__ts_tokens(5), 2);
  assert_int_equal(dw__ts_tokens(8), 2);
  json_decref(in);
  json_decref(out);
  json_decref(empty);
}

/* ---- caps and hostile input ---------------------------------------------------------- */

static json_t *deep(int levels, const char *key) {
  json_t *s = json_object();
  for (int i = 0; i < levels; i++) {
    json_t *o = json_object();
    if (strcmp(key, "anyOf") == 0) {
      json_t *a = json_array();
      json_array_append_new(a, s);
      json_object_set_new(o, key, a);
    } else if (strcmp(key, "properties") == 0) {
      json_t *p = json_object();
      json_object_set_new(p, "p", s);
      json_object_set_new(o, key, p);
    } else {
      json_object_set_new(o, key, s);
    }
    s = o;
  }
  return s;
}

static void caps_and_hostile_schemas(void **state) {
  char why[200];
  dw_buf b;
  dw__buf_init(&b, 1 << 20);
  const char *keys[] = {"items", "anyOf", "properties", "additionalProperties"};
  for (size_t k = 0; k < DW_ARRAY_LEN(keys); k++) {
    json_t *s = deep(2000, keys[k]); /* deeper would overflow json_decref, not us */
    assert_int_equal(dw__ts_from_schema(s, "T", &b, why, sizeof why), DW_E_TOO_LARGE);
    assert_string_equal(why, "the schema is nested deeper than 64 levels");
    assert_int_equal(b.len, 0);
    json_decref(s);
    s = deep(30, keys[k]); /* within the cap */
    assert_int_equal(dw__ts_from_schema(s, "T", &b, why, sizeof why), 0);
    check_ts(b.data);
    dw__buf_reset(&b);
    json_decref(s);
  }

  /* A huge enum degrades to its type. */
  json_t *e = json_array();
  for (int i = 0; i < 100000; i++) json_array_append_new(e, json_integer(i));
  json_t *s = json_pack("{s:s,s:o}", "type", "integer", "enum", e);
  assert_int_equal(dw__ts_from_schema(s, "T", &b, why, sizeof why), 0);
  assert_string_equal(b.data, "type T = number;\n");
  dw__buf_reset(&b);
  json_decref(s);

  /* More named types than the cap: an error, not unbounded output. */
  json_t *defs = json_object(), *props = json_object();
  for (int i = 0; i < DW__TS_MAX_TYPES + 10; i++) {
    char name[32], ref[64];
    snprintf(name, sizeof name, "d%d", i);
    snprintf(ref, sizeof ref, "#/$defs/d%d", i);
    json_object_set_new(defs, name, json_pack("{s:s}", "type", "string"));
    json_object_set_new(props, name, json_pack("{s:s}", "$ref", ref));
  }
  s = json_pack("{s:o,s:o}", "properties", props, "$defs", defs);
  assert_int_equal(dw__ts_from_schema(s, "T", &b, why, sizeof why), DW_E_TOO_LARGE);
  assert_string_equal(why, "the schema needs more than 256 named types ($ref targets)");
  assert_int_equal(b.len, 0);

  /* Output past the buffer's maximum: an error that leaves the buffer as it was. */
  dw_buf small;
  dw__buf_init(&small, 64);
  assert_int_equal(dw__buf_puts(&small, "keep"), 0);
  assert_int_equal(dw__ts_from_schema(s, "T", &small, why, sizeof why), DW_E_TOO_LARGE);
  assert_string_equal(why, "the generated TypeScript exceeds its maximum of 64 bytes");
  assert_string_equal(small.data, "keep");
  dw__buf_free(&small);
  json_decref(s);

  /* Exponential alias expansion is stopped by the output cap. */
  defs = json_object();
  for (int i = 0; i < 40; i++) {
    char name[32], ref[64];
    snprintf(name, sizeof name, "d%d", i);
    snprintf(ref, sizeof ref, "#/$defs/d%d", i + 1);
    json_object_set_new(defs, name, json_pack("{s:[{s:s},{s:s}]}", "anyOf", "$ref", ref, "$ref", ref));
  }
  s = json_pack("{s:s,s:o}", "$ref", "#/$defs/d0", "$defs", defs);
  assert_int_equal(dw__ts_from_schema(s, "T", &b, why, sizeof why), DW_E_TOO_LARGE);
  assert_int_equal(b.len, 0);
  json_decref(s);

  /* Junk where schemas belong degrades to `unknown`. */
  golden("[1,2]", "type T = unknown;\n");
  golden("\"string\"", "type T = unknown;\n");
  golden("{\"type\":{\"a\":1},\"properties\":[1],\"required\":7,\"items\":3,\"enum\":\"x\","
         "\"anyOf\":{},\"allOf\":\"y\",\"$ref\":7}",
         "type T = { [key: string]: unknown };\n");
  golden("{\"type\":\"object\",\"properties\":{\"a\":7,\"b\":null,\"c\":[]}}",
         "interface T {\n  a?: unknown;\n  b?: unknown;\n  c?: unknown;\n}\n");
  golden("{\"type\":[]}", "type T = unknown;\n");
  golden("{\"type\":[7,\"string\"]}", "type T = unknown | string;\n");
  golden("{\"$ref\":\"#/$defs/0/x\",\"$defs\":[{\"x\":{\"type\":\"string\"}}]}",
         "type T = string;\n");

  /* A bad type name is refused. */
  s = J("{}");
  assert_int_equal(dw__ts_from_schema(s, "1x", &b, why, sizeof why), DW_E_BAD_REQUEST);
  assert_int_equal(dw__ts_from_schema(s, "class", &b, why, sizeof why), DW_E_BAD_REQUEST);
  assert_int_equal(dw__ts_from_schema(s, NULL, &b, why, sizeof why), DW_E_BAD_REQUEST);
  json_decref(s);
  dw__buf_free(&b);
}

/* A type one function uses is written in its signature; one that several share (an output
 * repeating its input, several tools with one result type) is declared once, named after its
 * first use, unless its text is shorter than that name; describe() of one tool stays
 * self-contained. */
static void repeated_types_are_declared_once(void **state) {
  (void)state;
  json_t *ents = J("{\"type\":\"object\",\"properties\":{\"names\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}}},\"required\":[\"names\"]}");
  json_t *ents2 = J("{\"type\":\"object\",\"properties\":{\"names\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}}},\"required\":[\"names\"],\"additionalProperties\":false}");
  json_t *graph = J("{\"type\":\"object\",\"properties\":{\"n\":{\"type\":\"integer\"}}}");
  json_t *q = J("{\"type\":\"object\",\"properties\":{\"q\":{\"type\":\"string\"}}}");
  json_t *str = J("{\"type\":\"string\"}");
  dw__ts_tool tools[] = {{"create", NULL, ents, ents2}, {"read", NULL, NULL, graph}, {"search", NULL, q, graph},
                         {"long_name", NULL, NULL, str}, {"other", NULL, NULL, str}};
  dw__ts_server s[] = {{"mem", NULL, tools, DW_ARRAY_LEN(tools)}};
  api_golden(s, 1, NULL,
             "declare namespace mem {\n"
             "function create(input: CreateInput): Promise<CreateInput>;\n"
             "interface CreateInput { names: string[] }\n"
             "function read(input?: Record<string, unknown>): Promise<ReadOutput>;\n"
             "interface ReadOutput { n?: number }\n"
             "function search(input?: { q?: string }): Promise<ReadOutput>;\n"
             "function long_name(input?: Record<string, unknown>): Promise<string>;\n"
             "function other(input?: Record<string, unknown>): Promise<string>;\n"
             "}\n");
  dw_buf b;
  dw__buf_init(&b, 1 << 16);
  assert_int_equal(dw__ts_describe_tool(s, 1, "mem.search", NULL, &b), 0);
  assert_string_equal(b.data, "declare namespace mem {\n"
                              "function search(input?: { q?: string }): Promise<{ n?: number }>;\n"
                              "}\n");
  dw__buf_free(&b);
  json_decref(ents);
  json_decref(ents2);
  json_decref(graph);
  json_decref(q);
  json_decref(str);
}

/* An object type several tools repeat inside their schemas (the same text, whatever its JSON)
 * is declared once as an interface named after its property, singular for an array's items;
 * what it contains is not counted again; describe() of one tool writes it in place. */
static void repeated_object_types_are_hoisted(void **state) {
  (void)state;
  const char *ent = "{\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\",\"description\":\"its name\"},"
                    "\"at\":{\"type\":\"object\",\"properties\":{\"x\":{\"type\":\"number\"}}}},\"required\":[\"name\"]%s}";
  char open_ent[512], closed_ent[512], buf[2048];
  snprintf(open_ent, sizeof open_ent, ent, "");
  snprintf(closed_ent, sizeof closed_ent, ent, ",\"additionalProperties\":false");
  const char *rel = "{\"type\":\"object\",\"properties\":{\"from\":{\"type\":\"string\"},\"to\":{\"type\":\"string\"}}}";
  snprintf(buf, sizeof buf, "{\"type\":\"object\",\"properties\":{\"entities\":{\"type\":\"array\",\"items\":%s}},\"required\":[\"entities\"]}", closed_ent);
  json_t *create_in = J(buf);
  snprintf(buf, sizeof buf, "{\"type\":\"object\",\"properties\":{\"entities\":{\"type\":\"array\",\"items\":%s},"
           "\"relations\":{\"type\":\"array\",\"items\":%s}}}", open_ent, rel);
  json_t *graph = J(buf);
  snprintf(buf, sizeof buf, "{\"type\":\"object\",\"properties\":{\"relations\":{\"type\":\"array\",\"items\":%s},"
           "\"addresses\":{\"type\":\"array\",\"items\":{\"properties\":{\"street\":{\"type\":\"string\"}}}},"
           "\"status\":{\"type\":\"array\",\"items\":{\"properties\":{\"code\":{\"type\":\"number\"}}}}}}", rel);
  json_t *del_in = J(buf);
  json_t *del_out = J("{\"type\":\"object\",\"properties\":{\"addresses\":{\"type\":\"array\",\"items\":{\"properties\":{\"street\":{\"type\":\"string\"}}}},"
                      "\"status\":{\"type\":\"array\",\"items\":{\"properties\":{\"code\":{\"type\":\"number\"}}}},"
                      "\"one\":{\"anyOf\":[{\"properties\":{\"street\":{\"type\":\"string\"}}},{\"type\":\"null\"}]}}}");
  dw__ts_tool tools[] = {{"create", NULL, create_in, NULL}, {"read", NULL, NULL, graph}, {"del", NULL, del_in, del_out}};
  dw__ts_server s[] = {{"mem", NULL, tools, DW_ARRAY_LEN(tools)}};
  api_golden(s, 1, NULL,
             "declare namespace mem {\n"
             "function create(input: { entities: Entity[] }): Promise<unknown>;\n"
             "interface Entity { /** its name */ name: string; at?: { x?: number } }\n"
             "function read(input?: Record<string, unknown>): Promise<{ entities?: Entity[]; relations?: Relation[] }>;\n"
             "interface Relation { from?: string; to?: string }\n"
             "function del(input?: { relations?: Relation[]; addresses?: Address[]; status?: StatusItem[] }): "
             "Promise<{ addresses?: Address[]; status?: StatusItem[]; one?: Address | null }>;\n"
             "interface Address { street?: string }\n"
             "interface StatusItem { code?: number }\n"
             "}\n");
  dw_buf b;
  dw__buf_init(&b, 1 << 16);
  assert_int_equal(dw__ts_describe_tool(s, 1, "mem.read", NULL, &b), 0);
  assert_string_equal(b.data, "declare namespace mem {\n"
                              "function read(input?: Record<string, unknown>): Promise<{ entities?: Array<{ /** its name */ "
                              "name: string; at?: { x?: number } }>; relations?: Array<{ from?: string; to?: string }> }>;\n"
                              "}\n");
  dw__buf_free(&b);
  json_decref(create_in);
  json_decref(graph);
  json_decref(del_in);
  json_decref(del_out);

  /* A whole output two tools share is declared once; its parts are not repeats of their own
   * (docs/internals/tsgen.md's example). */
  json_t *in = J("{\"type\":\"object\",\"properties\":{\"q\":{\"type\":\"string\",\"description\":\"the query\"},"
                 "\"page\":{\"type\":\"integer\"},\"state\":{\"enum\":[\"open\",\"closed\"]}},\"required\":[\"q\"]}");
  json_t *in2 = J("{\"type\":\"object\",\"properties\":{\"repo\":{\"type\":\"string\"}},\"required\":[\"repo\"]}");
  const char *found = "{\"type\":\"object\",\"properties\":{\"total\":{\"type\":\"integer\"},\"items\":{\"type\":\"array\","
                      "\"items\":{\"type\":\"object\",\"properties\":{\"number\":{\"type\":\"integer\"},"
                      "\"title\":{\"type\":\"string\"}},\"required\":[\"number\",\"title\"]}}},\"required\":[\"total\",\"items\"]}";
  json_t *out1 = J(found), *out2 = J(found);
  dw__ts_tool gh[] = {{"search_issues", "Search issues.", in, out1}, {"list_issues", "List issues.", in2, out2}};
  dw__ts_server s2[] = {{"github", "GitHub.", gh, 2}};
  api_golden(s2, 1, NULL,
             "/** GitHub. */ declare namespace github {\n"
             "/** Search issues. */ function search_issues(input: { /** the query */ q: string; page?: number; "
             "state?: \"open\" | \"closed\" }): Promise<SearchIssuesOutput>;\n"
             "interface SearchIssuesOutput { total: number; items: Array<{ number: number; title: string }> }\n"
             "/** List issues. */ function list_issues(input: { repo: string }): Promise<SearchIssuesOutput>;\n"
             "}\n");
  json_decref(in);
  json_decref(in2);
  json_decref(out1);
  json_decref(out2);

  /* An output repeating its input (not searched again) still names the repeated part the way
   * the input does: the same text is always written the same way (server-memory). */
  const char *ents = "{\"type\":\"object\",\"properties\":{\"entities\":{\"type\":\"array\",\"items\":"
                     "{\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\"}}}}}}";
  json_t *make_in = J(ents), *make_out = J(ents);
  json_t *get_out = J("{\"type\":\"object\",\"properties\":{\"entities\":{\"type\":\"array\",\"items\":"
                      "{\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\"}}}},\"total\":{\"type\":\"integer\"}}}");
  dw__ts_tool mem[] = {{"make", NULL, make_in, make_out}, {"get", NULL, NULL, get_out}};
  dw__ts_server s3[] = {{"mem", NULL, mem, 2}};
  api_golden(s3, 1, NULL,
             "declare namespace mem {\n"
             "function make(input?: MakeInput): Promise<MakeInput>;\n"
             "interface MakeInput { entities?: Entity[] }\n"
             "interface Entity { name?: string }\n"
             "function get(input?: Record<string, unknown>): Promise<{ entities?: Entity[]; total?: number }>;\n"
             "}\n");
  json_decref(make_in);
  json_decref(make_out);
  json_decref(get_out);
}

/* `$ref`s in the API: a schema that names itself is declared under its name; other targets
 * are declared after the function that uses them; neither is hoisted. */
static void api_refs(void **state) {
  (void)state;
  json_t *tree = J("{\"type\":\"object\",\"properties\":{\"kids\":{\"type\":\"array\",\"items\":{\"$ref\":\"#\"}}}}");
  json_t *user = J("{\"type\":\"object\",\"properties\":{\"a\":{\"$ref\":\"#/$defs/user\"},\"b\":{\"$ref\":\"#/$defs/user\"}},"
                   "\"$defs\":{\"user\":{\"type\":\"object\",\"properties\":{\"login\":{\"type\":\"string\"}}}}}");
  dw__ts_tool tools[] = {{"walk", NULL, tree, user}};
  dw__ts_server s[] = {{"t", NULL, tools, 1}};
  api_golden(s, 1, NULL,
             "declare namespace t {\n"
             "function walk(input?: WalkInput): Promise<{ a?: WalkOutputUser; b?: WalkOutputUser }>;\n"
             "interface WalkInput { kids?: WalkInput[] }\n"
             "interface WalkOutputUser { login?: string }\n"
             "}\n");
  json_decref(tree);
  json_decref(user);
}

static void api_degrades_one_tool_and_caps_the_whole(void **state) {
  json_t *bad = deep(1000, "items");
  json_t *ok = J("{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\"}}}");
  dw__ts_tool tools[] = {{"bad", "Deep.", bad, ok}, {"ok", NULL, ok, NULL}};
  dw__ts_server s[] = {{"srv", NULL, tools, 2}};
  api_golden(s, 1, NULL,
             "declare namespace srv {\n"
             "/** Deep. (input schema not shown: the schema is nested deeper than 64 levels) */ "
             "function bad(input?: unknown): Promise<BadOutput>;\n"
             "interface BadOutput { a?: string }\n"
             "function ok(input?: BadOutput): Promise<unknown>;\n"
             "}\n");
  char why[200];
  dw__ts_opts o = {.why = why, .why_len = sizeof why};
  dw_buf b;
  dw__buf_init(&b, 100);
  assert_int_equal(dw__buf_puts(&b, "x"), 0);
  assert_int_equal(dw__ts_api(s, 1, &o, &b), DW_E_TOO_LARGE);
  assert_string_equal(why, "the generated TypeScript exceeds its maximum of 100 bytes");
  assert_string_equal(b.data, "x");
  dw__ts_tool noname[] = {{NULL, NULL, NULL, NULL}};
  dw__ts_server s2[] = {{"srv", NULL, noname, 1}};
  assert_int_equal(dw__ts_api(s2, 1, &o, &b), DW_E_BAD_REQUEST);
  dw__ts_server s3[] = {{NULL, NULL, NULL, 0}};
  assert_int_equal(dw__ts_api(s3, 1, &o, &b), DW_E_BAD_REQUEST);
  assert_int_equal(dw__ts_search(s3, 1, "x", 5, &b), DW_E_BAD_REQUEST);
  assert_string_equal(b.data, "x");
  dw__buf_free(&b);
  json_decref(bad);
  json_decref(ok);
}

/* Big but legal inputs: hash sets, not quadratic scans (the test's timeout is the check). */
static void many_tools_and_properties(void **state) {
  json_t *props = json_object(), *req = json_array();
  for (int i = 0; i < 100000; i++) {
    char name[32];
    snprintf(name, sizeof name, "p%d", i);
    json_object_set_new(props, name, json_object());
    json_array_append_new(req, json_string(name));
  }
  json_t *s = json_pack("{s:o,s:o}", "properties", props, "required", req);
  dw_buf b;
  dw__buf_init(&b, 16 << 20);
  char why[200];
  assert_int_equal(dw__ts_from_schema(s, "T", &b, why, sizeof why), 0);
  assert_non_null(strstr(b.data, "  p99999: unknown;\n}\n"));
  dw__buf_reset(&b);
  json_decref(s);

  static dw__ts_tool tools[DW__TS_MAX_TOOLS + 1];
  for (size_t i = 0; i < DW_ARRAY_LEN(tools); i++) tools[i] = (dw__ts_tool){"x", NULL, NULL, NULL};
  dw__ts_server srv[] = {{"s", NULL, tools, DW__TS_MAX_TOOLS}};
  assert_int_equal(dw__ts_api(srv, 1, NULL, &b), 0);
  assert_non_null(strstr(b.data, "\nfunction x_4096(input?: Record<string, unknown>): Promise<unknown>;\n}\n"));
  check_ts(b.data);
  dw__buf_reset(&b);
  srv[0].n_tools++;
  assert_int_equal(dw__ts_api(srv, 1, NULL, &b), DW_E_TOO_LARGE);
  char q[DW__TS_MAX_QUERY + 2];
  memset(q, 'a', sizeof q - 1);
  q[sizeof q - 1] = 0;
  srv[0].n_tools--;
  assert_int_equal(dw__ts_search(srv, 1, q, 5, &b), DW_E_TOO_LARGE);
  q[DW__TS_MAX_QUERY] = 0;
  assert_int_equal(dw__ts_search(srv, 1, q, 5, &b), 0);
  assert_string_equal(b.data, "[]");
  dw__buf_free(&b);
}

static void structural_check_can_fail(void **state) {
  assert_null(ts_problem("declare namespace a {\n  function f(input: { \"}\": [string] }): Promise<X<Y>>;\n}\n"));
  assert_string_equal(ts_problem("type T = { a: string;\n"), "unclosed brackets");
  assert_string_equal(ts_problem("type T = { a: string ];"), "unbalanced brackets");
  assert_string_equal(ts_problem("type T = \"a;"), "an unterminated string literal");
  assert_string_equal(ts_problem("type T = \"a\nb\";"), "a raw control byte in a string literal");
  assert_string_equal(ts_problem("/** x type T = 1;"), "an unterminated comment");
  assert_string_equal(ts_problem("declare namespace 2fa {}"), "a declaration without an identifier");
  assert_string_equal(ts_problem("function delete(): void;"), "a reserved word as a declared name");
}

int main(int argc, char **argv) {
  if (argc == 3 && strcmp(argv[1], "--emit") == 0) emit_dir = argv[2];
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(primitive_types),
      cmocka_unit_test(objects),
      cmocka_unit_test(arrays_and_tuples),
      cmocka_unit_test(enums_and_consts),
      cmocka_unit_test(unions_and_intersections),
      cmocka_unit_test(refs_and_cycles),
      cmocka_unit_test(doc_comments),
      cmocka_unit_test(api_names_and_layout),
      cmocka_unit_test(caps_and_hostile_schemas),
      cmocka_unit_test(api_refs),
      cmocka_unit_test(api_degrades_one_tool_and_caps_the_whole),
      cmocka_unit_test(repeated_types_are_declared_once),
      cmocka_unit_test(repeated_object_types_are_hoisted),
      cmocka_unit_test(many_tools_and_properties),
      cmocka_unit_test(structural_check_can_fail),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

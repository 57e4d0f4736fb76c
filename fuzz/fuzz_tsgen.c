/* libFuzzer target for src/mcp/tsgen.c: JSON Schemas from an upstream MCP server. The input
 * is one flag byte, then JSON: either a schema, or (flag bit 0) a tools/list-like array of
 * tools [{"name","description","inputSchema","outputSchema"}] served by two servers. Checks
 * the invariants that hold for any input: a known error code with a message, a buffer left as
 * it was on error, output within its maximum, NUL-free, and without a comment closed early or
 * left open. Build: docs/internals/tsgen.md. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "mcp/tsgen.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* NUL-free; every string literal and comment closed; comments on one line (so nothing in a
 * description closed one early: the rest of the line would then be code). */
static void check_text(const char *s, size_t n) {
  if (strlen(s) != n) abort();
  for (const char *p = s; *p; p++) {
    if (*p == '"') {
      for (p++; *p && *p != '"'; p++)
        if (*p == '\\' && !*++p) abort();
      if (!*p) abort();
    } else if (p[0] == '/' && p[1] == '*') {
      const char *end = strstr(p + 2, "*/");
      if (!end || memchr(p + 2, '\n', (size_t)(end - p - 2))) abort();
      p = end + 1;
    }
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1 || size > 256 * 1024) return 0;
  unsigned flags = data[0];
  json_error_t e;
  json_t *j = json_loadb((const char *)data + 1, size - 1, JSON_DECODE_ANY | JSON_ALLOW_NUL, &e);
  if (!j) return 0;
  dw_buf b;
  dw__buf_init(&b, (flags & 2) ? 512 : 1 << 20);
  char why[256] = "";
  int rc;
  if (flags & 1) {
    dw__ts_tool tools[64];
    size_t n = 0;
    for (size_t i = 0; i < json_array_size(j) && n < 64; i++) {
      json_t *t = json_array_get(j, i);
      const char *name = json_string_value(json_object_get(t, "name"));
      if (!name) continue;
      tools[n++] = (dw__ts_tool){name, json_string_value(json_object_get(t, "description")),
                                 json_object_get(t, "inputSchema"),
                                 json_object_get(t, "outputSchema")};
    }
    dw__ts_server s[] = {{"srv", NULL, tools, n}, {"srv", "again", tools, n / 2}};
    dw__ts_opts o = {.compact = flags & 4, .examples = flags & 8, .names_only = flags & 16,
                     .listing = flags & 32,
                     .why = why, .why_len = sizeof why};
    rc = dw__ts_api(s, 2, &o, &b);
    if (!rc) check_text(b.data ? b.data : "", b.len);
    if (rc && b.len) abort();
    if (n) {
      char name[160];
      dw__buf_reset(&b);
      snprintf(name, sizeof name, "srv.%s", tools[0].name);
      rc = dw__ts_describe_tool(s, 2, name, &o, &b);
      if (rc != 0 && rc != DW_E_NOT_FOUND && rc != DW_E_TOO_LARGE) abort();
      size_t si, ti;
      rc = dw__ts_lookup(s, 2, name, &si, &ti);
      if (rc == 0 && (si > 1 || ti >= s[si].n_tools)) abort();
      if (rc != 0 && rc != DW_E_NOT_FOUND) abort();
      dw__buf_reset(&b);
      rc = dw__ts_search(s, 2, tools[0].name, 5, &b);
      if (rc != 0 && rc != DW_E_TOO_LARGE) abort();
    }
  } else {
    rc = dw__ts_from_schema(j, "T", &b, why, sizeof why);
    if (rc == 0) check_text(b.data, b.len);
    if (rc != 0 && (b.len || !why[0] || (rc != DW_E_TOO_LARGE && rc != DW_E_NOMEM))) abort();
  }
  if (b.len > b.max) abort();
  dw__buf_free(&b);
  json_decref(j);
  return 0;
}

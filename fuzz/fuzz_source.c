/* libFuzzer target for src/mcp/source.c: the model's code (the `code` tool's input) turned into
 * Code Mode's main module. The first byte picks the language hint; the rest is the code. Checks
 * what holds for any input: a known return code; on success a NUL-terminated module that adds no
 * line terminator before the model's first line (line numbers stay the model's), keeps the
 * code's line count or fewer plus the wrapper's two closing lines, and names main.ts/main.js. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "mcp/source.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t count_nl(const char *s, size_t n) {
  size_t k = 0;
  for (size_t i = 0; i < n; i++) k += s[i] == '\n';
  return k;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  static const char *const langs[] = {NULL, "typescript", "javascript", "ts", "js"};
  static const char *const names[] = {"github", "memory", "search"};
  const char *lang = langs[data[0] % 5];
  const char *code = (const char *)data + 1;
  size_t len = size - 1;
  dw__src_module m;
  char why[256] = "";
  int rc = dw__src_wrap_with(code, len, lang, names, 3, (data[0] & 8) ? "const x = 1;" : NULL, &m,
                             why, sizeof why);
  if (rc) {
    if (rc != DW_E_BAD_REQUEST && rc != DW_E_TOO_LARGE && rc != DW_E_NOMEM) abort();
    if (!why[0] && rc != DW_E_NOMEM) abort();
    return 0;
  }
  if (!m.text || m.text[m.len] != '\0' || strlen(m.text) != m.len) abort();
  if (m.prefix_len > m.len || memchr(m.text, '\n', m.prefix_len) || memchr(m.text, '\r', m.prefix_len))
    abort();
  if (count_nl(m.text, m.len) > count_nl(code, len) + 2) abort();
  if (strcmp(m.name, "main.ts") && strcmp(m.name, "main.js")) abort();
  if (m.shape < DW__SRC_FUNCTION || m.shape > DW__SRC_LAST_EXPR) abort();
  dw__src_module_free(&m);
  return 0;
}

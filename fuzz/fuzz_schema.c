/* libFuzzer target for src/mcp/schema.c: a tool's inputSchema (from an upstream server) and
 * the arguments the model's code passes. The input is JSON [schema, value]. Checks what holds
 * for any input: a known return code, a message exactly when the value is refused or a cap
 * was reached, output NUL-free and bounded by the error cap. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "mcp/schema.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > 256 * 1024) return 0;
  json_error_t e;
  json_t *j = json_loadb((const char *)data, size, JSON_DECODE_ANY, &e);
  if (!j) return 0;
  const json_t *schema = json_is_array(j) ? json_array_get(j, 0) : j;
  const json_t *value = json_is_array(j) && json_array_size(j) > 1 ? json_array_get(j, 1) : j;
  if (!schema) schema = j;
  dw_buf b;
  dw__buf_init(&b, 1 << 20);
  int rc = dw__schema_validate(schema, value, "input", 3, &b);
  if (rc != 0 && rc != DW_E_BAD_REQUEST && rc != DW_E_TOO_LARGE && rc != DW_E_NOMEM) abort();
  if ((rc == DW_E_BAD_REQUEST || rc == DW_E_TOO_LARGE) && b.len == 0) abort();
  if (rc == 0 && b.len != 0) abort();
  if (b.len && strlen(b.data) != b.len) abort();
  size_t lines = 0;
  for (size_t i = 0; i < b.len; i++) lines += b.data[i] == '\n';
  if (lines > 3 + 2) abort();
  dw__buf_free(&b);
  json_decref(j);
  return 0;
}

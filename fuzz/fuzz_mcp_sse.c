/* libFuzzer target for src/mcp/upstream_http.c's answer parser: the body of a Streamable HTTP
 * upstream's answer (JSON, a batch, or an SSE stream of events). First byte: SSE or JSON, and
 * the id looked for. Checks: never crashes, and what it returns is an object with that id. */
#include <stdint.h>
#include <stdlib.h>
#include "mcp/upstream_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  bool sse = data[0] & 1;
  uint64_t id = data[0] >> 1;
  json_t *m = dw__up_find_answer((const char *)data + 1, size - 1, sse, id);
  if (m) {
    json_t *mid = json_object_get(m, "id");
    if (!json_is_object(m)) abort();
    if (sse && (!json_is_integer(mid) || (uint64_t)json_integer_value(mid) != id)) abort();
  }
  json_decref(m);
  return 0;
}

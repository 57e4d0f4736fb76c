/* libFuzzer target for the module transform (src/modules). The first byte picks the kind
 * (ESM, TypeScript, CommonJS) and whether a plain wrapper is asked for; the rest is the
 * source. Checks the invariants that hold for
 * any input: no crash, a result or a clean error, lines preserved, output size capped. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "modules/transform.h"

static size_t count_nl(const char *s, size_t n) {
  size_t k = 0;
  for (size_t i = 0; i < n; i++) k += s[i] == '\n';
  return k;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  static const dw_module_type kinds[] = {DW_MODULE_ESM, DW_MODULE_TS, DW_MODULE_CJS};
  dw_module_type kind = kinds[data[0] % 3];
  unsigned flags = (data[0] / 3) & 1 ? DW__TRANSFORM_PLAIN : 0;
  /* a private copy of exactly size-1 bytes, so reads past the end are caught */
  size_t n = size - 1;
  char *src = malloc(n ? n : 1);
  if (!src) return 0;
  memcpy(src, data + 1, n);
  dw_transform_out out;
  int rc = dw__transform_ex(src, n, kind, flags, &out);
  if (rc == 0) {
    if (!out.script || out.script_len > n * 8 + (1u << 20)) abort();
    /* plain only when asked, for a simple ES module, and then its wrapper is a function */
    if (out.plain && (!flags || !out.simple || out.has_tla || kind == DW_MODULE_CJS)) abort();
    if (out.plain && strncmp(out.script, "(function(__dw_m){", 18)) abort();
    if (flags && out.simple && !out.has_tla && !out.plain) abort();
    if (count_nl(out.script, out.script_len) != count_nl(src, n) + 1) abort();
  } else if (rc == DW_E_SYNTAX) {
    if (!out.error_msg || out.error_line < 1 || out.error_col < 1) abort();
  } else if (rc != DW_E_TOO_LARGE && rc != DW_E_NOMEM) {
    abort();
  }
  dw__transform_out_free(&out);
  free(src);
  return 0;
}

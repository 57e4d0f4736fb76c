/* libFuzzer target for src/modules/wasm.c: a guest's WebAssembly bytes scanned for shared
 * memories before the engine sees them. Checks what holds for any input: a known verdict, a
 * message for every refusal, the message NUL-terminated within its buffer, and the same
 * verdict when scanned again from a copy of exactly the input (no read past the end, which
 * ASan also catches, and no hidden state). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "modules/wasm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char why[160];
  memset(why, 'x', sizeof why);
  dw__wasm_verdict v = dw__wasm_scan(data, size, why, sizeof why);
  if (v != DW__WASM_OK && v != DW__WASM_SHARED && v != DW__WASM_MALFORMED) abort();
  if (!memchr(why, '\0', sizeof why)) abort();
  if (v != DW__WASM_OK && !why[0]) abort();
  uint8_t *copy = malloc(size ? size : 1);
  if (!copy) return 0;
  if (size) memcpy(copy, data, size);
  if (dw__wasm_scan(copy, size, NULL, 0) != v) abort();
  free(copy);
  return 0;
}

/* libFuzzer target for the structured-clone reader (src/engine/clone.c): reads the input in
 * a realm made once; when it yields a value, writes it back and checks that the encoding is
 * stable (write(read(write(v))) == write(v)). Build: docs/internals/clone.md. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "engine/engine.h"
#include "engine/clone.h"

static dw__vm *vm;
static dw__ctx *ctx;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!vm) {
    dw__engine_init();
    vm = dw__vm_new(false);
    ctx = dw__ctx_new(vm, false);
    if (!ctx) abort();
  }
  dw_val exc = NULL;
  dw_val v = dw__clone_read(ctx, data, size, NULL, &exc);
  if (!v) {
    if (!exc) abort(); /* an error always comes with its exception */
    return 0;
  }
  dw_buf a, b;
  dw__buf_init(&a, 64u << 20);
  dw__buf_init(&b, 64u << 20);
  if (dw__clone_write(ctx, v, NULL, &a, &exc) == 0) {
    dw_val w = dw__clone_read(ctx, a.data, a.len, NULL, &exc);
    if (!w) abort(); /* our own output must read back */
    if (dw__clone_write(ctx, w, NULL, &b, &exc) != 0) abort();
    if (a.len != b.len || memcmp(a.data, b.data, a.len) != 0) abort();
  }
  dw__buf_free(&a);
  dw__buf_free(&b);
  return 0;
}

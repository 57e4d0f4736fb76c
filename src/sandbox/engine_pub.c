/* dw_engine: the public handle of a VM that sandboxes may share. */
#include "sandbox_internal.h"

dw_engine *dw_engine_new(const dw_engine_options *opts) {
  dw_engine *e = calloc(1, sizeof *e);
  if (!e) return NULL;
  e->vm = dw__vm_new(opts && opts->allow_wasm);
  e->memory_mb = opts && opts->memory_mb ? opts->memory_mb : 1024;
  if (!e->vm) {
    free(e);
    return NULL;
  }
  return e;
}

void dw_engine_free(dw_engine *e) {
  if (!e) return;
  dw__vm_free(e->vm);
  free(e);
}

dw__vm *dw__engine_vm(dw_engine *e) { return e->vm; }

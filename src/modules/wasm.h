/* modules: the scan of a WebAssembly binary for shared memories (docs/SECURITY.md, F3). */
#ifndef DW_MODULES_WASM_H
#define DW_MODULES_WASM_H

#include <stddef.h>

/* What dw__wasm_scan found. */
typedef enum {
  DW__WASM_OK = 0,    /* parsed; no memory (declared or imported) is shared */
  DW__WASM_SHARED,    /* a memory (or table) with the 'shared' limits flag */
  DW__WASM_MALFORMED, /* not understood: refuse it, never guess */
} dw__wasm_verdict;

/* Scans the n bytes of a WebAssembly module: the header, every section's id and size, the
 * entries of the import section and of the memory section. Any limits with the shared flag
 * (bit 0x02) is DW__WASM_SHARED; a binary it cannot parse to the end of those sections (bad
 * magic or version, a LEB128 past its end or too long, a size past the buffer, an import kind
 * or limits flags it does not know) is DW__WASM_MALFORMED. On a refusal `why` (if given)
 * holds a sentence for the guest. Reads only bytes [0, n); no allocation; linear time;
 * thread-safe. */
dw__wasm_verdict dw__wasm_scan(const void *bytes, size_t n, char *why, size_t why_len);

#endif

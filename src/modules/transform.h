/* modules: turns one ES module / TypeScript module / CommonJS file into a classic script
 * that JavaScriptCore's C API can evaluate, keeping line numbers, and carries the JS module
 * linker that joins the results inside a sandbox realm. See src/modules/README.md and
 * docs/internals/modules.md for the output contract. */
#ifndef DW_MODULES_TRANSFORM_H
#define DW_MODULES_TRANSFORM_H

#include <stdbool.h>
#include <stddef.h>
#include "dynworker.h"

/* Largest source accepted by dw__transform (DW_E_TOO_LARGE above it). */
#define DW__TRANSFORM_MAX_SRC (64u * 1024 * 1024)

typedef struct {
  char *script;       /* owned; the classic script to evaluate (NUL-terminated) */
  size_t script_len;
  bool has_tla;       /* the module uses top-level await */
  bool simple;        /* an ES module without import, re-export or import(): nothing to link */
  bool plain;         /* ... and without top-level await, wrapped in a plain function
                         (DW__TRANSFORM_PLAIN) */
  size_t prefix_units; /* UTF-16 code units of wrapper before the source's first character on
                          line 1: subtract from engine columns reported on line 1 */
  char *error_msg;    /* owned; set when the call fails with DW_E_SYNTAX */
  int error_line, error_col; /* 1-based position of the error in the source */
} dw_transform_out;

/* Transforms src[0..len) of kind DW_MODULE_ESM, DW_MODULE_TS or DW_MODULE_CJS into a
 * classic script whose completion value is the module's wrapper function (see README).
 * Line N of the script is line N of the source. Never reads outside src; bounded time,
 * memory and recursion. Returns 0, DW_E_SYNTAX (out->error_* set), DW_E_TOO_LARGE,
 * DW_E_NOMEM, or DW_E_BAD_REQUEST for another kind. *out is always initialised; free it
 * with dw__transform_out_free whatever the result. Does not block; thread-safe. */
int dw__transform(const char *src, size_t len, dw_module_type kind, dw_transform_out *out);

/* dw__transform's flags. PLAIN: a simple ES module's wrapper, without top-level await, is a
 * plain function that runs
 * its prologue and body in one call, not a generator (for a main module that nothing links:
 * the sandbox's runtime.js); out->plain says whether it was. */
#define DW__TRANSFORM_PLAIN 1u
int dw__transform_ex(const char *src, size_t len, dw_module_type kind, unsigned flags,
                     dw_transform_out *out);

/* UTF-16 code units in UTF-8 text (what the engine counts columns in). */
size_t dw__utf16_units(const char *s, size_t n);

/* Frees what dw__transform stored in *out and zeroes it. */
void dw__transform_out_free(dw_transform_out *out);

/* The module linker (src/modules/linker.js), embedded at build time: a classic script whose
 * completion value is `function (host) { ... return api; }`. Static storage. */
extern const char dw__linker_js[];
extern const size_t dw__linker_js_len;
extern const unsigned short dw__linker_js_u16[]; /* the same as UTF-16 (cmake/embed.cmake) */
extern const size_t dw__linker_js_u16_len;

#endif
